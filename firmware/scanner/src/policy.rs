//! The acceptance policy: when a frame's
//! symbols may become a ticket the operator confirms.
//!
//! A wrong registration is worse than none. A ticket is accepted only when its 18 digits
//! pass [`TicketRules::parse`] (券種, 回数, municipality check digit, master list) and
//! * a QR code says so (error-corrected), or
//! * the OCR line agrees with an NW-7 read on the digits both carry, or
//! * the OCR line read the same digits, every character confident, in
//!   [`ReaderConfig::ocr_consensus_frames`] consecutive frames.
//!
//! An NW-7 read alone (10 or 18 digits) is never accepted. Symbols in one frame that
//! disagree (two QR tickets, QR vs a confident OCR line, QR vs NW-7) accept nothing.
//! After an acceptance the same ticket is not emitted again until it has left the view
//! ([`ScanEvent::Cleared`]) or another ticket was accepted — the 2021 "previous result
//! shown again" bug.

use std::sync::Arc;

use vrs_protocol::{MasterList, Nw7Read, Ticket, TicketPayload, TicketRules};

use crate::GrayFrame;
use crate::observation::{Observation, observe};
use crate::refusal::ScanRefusal;

/// Where an accepted ticket's digits came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Source {
    /// The QR code alone (error-corrected).
    Qr,
    /// The OCR line, corroborated by an NW-7 barcode on the shared digits.
    Nw7Ocr,
    /// The OCR line alone, over several consecutive confident frames.
    Ocr,
}

impl Source {
    /// `"qr"`, `"nw7+ocr"` or `"ocr"` (the `vrs-scan` contract).
    pub fn as_str(&self) -> &'static str {
        match self {
            Self::Qr => "qr",
            Self::Nw7Ocr => "nw7+ocr",
            Self::Ocr => "ocr",
        }
    }
}

/// A ticket the operator may now confirm.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AcceptedTicket {
    /// The validated ticket with its municipality.
    pub ticket: Ticket,
    /// Which symbols vouched for it.
    pub source: Source,
}

/// What the reader tells the runtime after a frame. Most frames tell nothing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ScanEvent {
    /// A ticket was read under the acceptance policy.
    Accepted(AcceptedTicket),
    /// Something was read but must not be registered; emitted once per problem and
    /// presentation.
    Refused {
        /// What is wrong; the kiosk words it for the operator.
        reason: ScanRefusal,
    },
    /// The ticket (accepted or refused) has left the view.
    Cleared,
}

/// Tuning of the policy.
#[derive(Debug, Clone, PartialEq)]
pub struct ReaderConfig {
    /// Allowed 券種 and other deployment rules.
    pub rules: TicketRules,
    /// Consecutive frames that must read the same confident OCR digits before an
    /// OCR-only acceptance (at least 1).
    pub ocr_consensus_frames: u8,
    /// Per-character confidence every OCR character must reach, `0.0..=1.0`.
    pub ocr_min_confidence: f32,
    /// Frames without any ticket symbol before the ticket counts as having left.
    pub clear_after_frames: u8,
}

impl Default for ReaderConfig {
    fn default() -> Self {
        Self {
            rules: TicketRules::default(),
            ocr_consensus_frames: 3,
            ocr_min_confidence: 0.8,
            clear_after_frames: 8,
        }
    }
}

/// What one frame says on its own, before the reader's memory of earlier frames.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Judgement {
    /// Whether any ticket symbol (valid or not) was seen.
    pub present: bool,
    /// A ticket this frame alone vouches for (QR, or OCR + NW-7).
    pub accepted: Option<AcceptedTicket>,
    /// Symbols that disagree: nothing may be accepted from this frame.
    pub conflict: Option<ScanRefusal>,
    /// The QR ticket's digits when exactly one valid QR ticket was seen.
    pub qr_digits: Option<String>,
    /// The OCR line's digits when every character reached the confidence bar, unless an
    /// NW-7 read contradicted them.
    pub confident_ocr: Option<String>,
    /// Why symbols were not usable, one entry per symbol. These are authoritative (an
    /// error-corrected QR, or OCR corroborated by NW-7) and become [`ScanEvent::Refused`].
    pub rejected: Vec<ScanRefusal>,
    /// NW-7 texts that are no ticket payload. Codabar has no check character, so these
    /// may be partial or phantom reads: shown by tools, never refused to the operator.
    pub notes: Vec<String>,
}

/// Judges one frame's symbols on their own.
pub fn judge(observation: &Observation, config: &ReaderConfig, master: &MasterList) -> Judgement {
    let mut j = Judgement {
        present: !observation.is_empty(),
        ..Judgement::default()
    };
    // QR: error-corrected, so a valid payload is what the symbol says.
    let mut qr_tickets: Vec<Ticket> = Vec::new();
    for symbol in &observation.qr {
        match config.rules.parse(&symbol.text, master) {
            Ok(t) => {
                if !qr_tickets.iter().any(|q| q.payload == t.payload) {
                    qr_tickets.push(t);
                }
            }
            Err(e) => j.rejected.push(ScanRefusal::QrNotTicket(e)),
        }
    }
    let nw7: Vec<Nw7Read> = observation
        .nw7
        .iter()
        .filter_map(|s| match Nw7Read::parse(&s.text) {
            Ok(r) => Some(r),
            Err(e) => {
                j.notes.push(e.to_string());
                None
            }
        })
        .collect();
    let bar = config.ocr_min_confidence;
    let ocr = observation.ocr.first();
    let ocr_confident = ocr.filter(|l| l.min_confidence() >= bar && l.digits.len() == 18);

    if qr_tickets.len() > 1 {
        j.conflict = Some(ScanRefusal::SeveralQrTickets);
        return j;
    }
    if let Some(qr) = qr_tickets.pop() {
        let digits = qr.payload.digits();
        j.qr_digits = Some(digits.clone());
        if let Some(line) = ocr_confident.filter(|l| l.digits != digits) {
            log::warn!(
                "QR {} and OCR line {} disagree",
                qr.payload.masked(),
                vrs_protocol::ticket::mask(&line.digits)
            );
            j.conflict = Some(ScanRefusal::QrOcrMismatch);
            return j;
        }
        if nw7.iter().any(|r| !r.agrees_with(&qr.payload)) {
            log::warn!("QR {} and an NW-7 read disagree", qr.payload.masked());
            j.conflict = Some(ScanRefusal::QrNw7Mismatch);
            return j;
        }
        j.accepted = Some(AcceptedTicket {
            ticket: qr,
            source: Source::Qr,
        });
        j.confident_ocr = ocr_confident.map(|l| l.digits.clone());
        return j;
    }
    // No QR: the OCR line, alone or corroborated by NW-7.
    let Some(line) = ocr else {
        return j;
    };
    let Ok(payload) = TicketPayload::parse(&line.digits) else {
        if let Some(l) = ocr_confident {
            j.confident_ocr = Some(l.digits.clone());
        }
        return j;
    };
    let contradicted = !nw7.is_empty() && !nw7.iter().any(|r| r.agrees_with(&payload));
    if contradicted {
        return j;
    }
    j.confident_ocr = ocr_confident.map(|l| l.digits.clone());
    let corroborated = nw7.iter().any(|r| match r {
        // The NW-7 vouches for the ticket number; the OCR alone for 券種, 回数, municipality.
        Nw7Read::Partial(n) => *n == payload.number && line.confident_over(0..8, bar),
        Nw7Read::Full(p) => *p == payload,
    });
    if corroborated {
        match config.rules.validate(payload, master) {
            Ok(ticket) => {
                j.accepted = Some(AcceptedTicket {
                    ticket,
                    source: Source::Nw7Ocr,
                })
            }
            Err(e) => j.rejected.push(ScanRefusal::NotRegistrable(e)),
        }
    }
    j
}

/// The acceptance policy fed frames in sequence (one presentation after another).
pub struct Reader {
    config: ReaderConfig,
    master: Arc<MasterList>,
    /// Digits of the last accepted ticket, until it has left the view.
    accepted: Option<String>,
    /// Refusals already emitted in this presentation.
    refused: Vec<ScanRefusal>,
    /// Consecutive frames without any ticket symbol.
    absent: u32,
    /// OCR digits read confidently in consecutive frames, and how many frames.
    streak: Option<(String, u8)>,
}

impl Reader {
    /// A reader with no memory of earlier frames.
    pub fn new(config: ReaderConfig, master: Arc<MasterList>) -> Self {
        Self {
            config,
            master,
            accepted: None,
            refused: Vec::new(),
            absent: 0,
            streak: None,
        }
    }

    /// Decodes a frame and applies the policy.
    pub fn feed(&mut self, frame: &GrayFrame) -> Option<ScanEvent> {
        let observation = observe(frame);
        self.feed_observation(&observation)
    }

    /// Applies the policy to symbols already decoded from a frame (replays, other
    /// decoders).
    pub fn feed_observation(&mut self, observation: &Observation) -> Option<ScanEvent> {
        let j = judge(observation, &self.config, &self.master);
        if !j.present {
            self.streak = None;
            self.absent = self.absent.saturating_add(1);
            let shown = self.accepted.is_some() || !self.refused.is_empty();
            if shown && self.absent >= u32::from(self.config.clear_after_frames.max(1)) {
                log::debug!("ticket left the view");
                self.accepted = None;
                self.refused.clear();
                return Some(ScanEvent::Cleared);
            }
            return None;
        }
        self.absent = 0;
        if let Some(reason) = j.conflict {
            self.streak = None;
            if j.qr_digits.is_some() && j.qr_digits == self.accepted {
                // The accepted ticket is still there; the other read is noise around it.
                return None;
            }
            return self.refuse(reason);
        }
        if let Some(accepted) = j.accepted {
            self.streak = None;
            return self.accept(accepted);
        }
        if let Some(event) = self.ocr_consensus(j.confident_ocr) {
            return Some(event);
        }
        let reason = j.rejected.into_iter().next()?;
        self.refuse(reason)
    }

    /// Forgets everything: the next frame starts a new presentation.
    pub fn reset(&mut self) {
        self.accepted = None;
        self.refused.clear();
        self.absent = 0;
        self.streak = None;
    }

    /// The configuration in use.
    pub fn config(&self) -> &ReaderConfig {
        &self.config
    }

    fn ocr_consensus(&mut self, digits: Option<String>) -> Option<ScanEvent> {
        let Some(digits) = digits else {
            self.streak = None;
            return None;
        };
        let count = match self.streak.take() {
            Some((previous, n)) if previous == digits => n.saturating_add(1),
            _ => 1,
        };
        self.streak = Some((digits.clone(), count));
        if count < self.config.ocr_consensus_frames.max(1) {
            return None;
        }
        match self.config.rules.parse(&digits, &self.master) {
            Ok(ticket) => self.accept(AcceptedTicket {
                ticket,
                source: Source::Ocr,
            }),
            Err(e) => self.refuse(ScanRefusal::NotRegistrable(e)),
        }
    }

    fn accept(&mut self, accepted: AcceptedTicket) -> Option<ScanEvent> {
        let digits = accepted.ticket.payload.digits();
        if self.accepted.as_deref() == Some(digits.as_str()) {
            return None; // still the same ticket: never emit it twice
        }
        log::info!(
            "accepted {} from {}",
            accepted.ticket.payload.masked(),
            accepted.source.as_str()
        );
        self.accepted = Some(digits);
        self.refused.clear();
        Some(ScanEvent::Accepted(accepted))
    }

    fn refuse(&mut self, reason: ScanRefusal) -> Option<ScanEvent> {
        if self.refused.contains(&reason) {
            return None;
        }
        log::info!("refused: {reason}");
        self.refused.push(reason.clone());
        Some(ScanEvent::Refused { reason })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::codabar::Nw7Symbol;
    use crate::ocr::OcrLine;
    use crate::qr::QrSymbol;
    use vrs_protocol::{MunicipalityError, TicketError};

    const CHIYODA: &str = "121310160000012345";
    const SAPPORO: &str = "110110020000000001";
    /// 古平町 014061 and 札幌市南区 011061: one 1↔4 misread apart, both valid.
    const FURUBIRA: &str = "110140610000000001";
    const MINAMI: &str = "110110610000000001";

    fn reader() -> Reader {
        Reader::new(
            ReaderConfig::default(),
            Arc::new(MasterList::embedded().clone()),
        )
    }

    fn qr(text: &str) -> Observation {
        Observation {
            qr: vec![QrSymbol {
                text: text.into(),
                angle: None,
            }],
            ..Observation::default()
        }
    }

    fn ocr(digits: &str, confidence: f32) -> Observation {
        Observation {
            ocr: vec![OcrLine::uniform(digits, confidence)],
            ..Observation::default()
        }
    }

    fn nw7(text: &str) -> Nw7Symbol {
        Nw7Symbol {
            text: text.into(),
            rows: 3,
        }
    }

    fn accepted(event: Option<ScanEvent>) -> (String, Source) {
        match event {
            Some(ScanEvent::Accepted(a)) => (a.ticket.payload.digits(), a.source),
            other => panic!("expected an acceptance, got {other:?}"),
        }
    }

    fn refused(event: Option<ScanEvent>) -> ScanRefusal {
        match event {
            Some(ScanEvent::Refused { reason, .. }) => reason,
            other => panic!("expected a refusal, got {other:?}"),
        }
    }

    #[test]
    fn sources_have_contract_names() {
        assert_eq!(Source::Qr.as_str(), "qr");
        assert_eq!(Source::Nw7Ocr.as_str(), "nw7+ocr");
        assert_eq!(Source::Ocr.as_str(), "ocr");
    }

    #[test]
    fn a_qr_is_accepted_once_while_the_ticket_stays() {
        let mut r = reader();
        let (digits, source) = accepted(r.feed_observation(&qr(CHIYODA)));
        assert_eq!((digits.as_str(), source), (CHIYODA, Source::Qr));
        for _ in 0..20 {
            assert_eq!(r.feed_observation(&qr(CHIYODA)), None);
        }
    }

    #[test]
    fn previous_result_is_not_shown_again_for_the_next_ticket() {
        // 2021: the previous ticket's result came back for the next ticket.
        let mut r = reader();
        accepted(r.feed_observation(&qr(CHIYODA)));
        let clear = usize::from(r.config().clear_after_frames);
        for i in 1..=clear {
            let event = r.feed_observation(&Observation::default());
            assert_eq!(
                event,
                (i == clear).then_some(ScanEvent::Cleared),
                "frame {i}"
            );
        }
        // The next ticket has no readable symbol yet: nothing, not the old ticket.
        for _ in 0..5 {
            assert_eq!(r.feed_observation(&Observation::default()), None);
        }
        let (digits, _) = accepted(r.feed_observation(&qr(SAPPORO)));
        assert_eq!(digits, SAPPORO);
    }

    #[test]
    fn a_different_ticket_is_accepted_without_a_gap() {
        let mut r = reader();
        accepted(r.feed_observation(&qr(CHIYODA)));
        assert_eq!(accepted(r.feed_observation(&qr(SAPPORO))).0, SAPPORO);
        assert_eq!(r.feed_observation(&qr(SAPPORO)), None);
    }

    #[test]
    fn moved_away_briefly_is_not_a_new_presentation_but_away_and_back_is() {
        let mut r = reader();
        accepted(r.feed_observation(&qr(CHIYODA)));
        let clear = usize::from(r.config().clear_after_frames);
        for _ in 0..clear - 1 {
            assert_eq!(r.feed_observation(&Observation::default()), None);
        }
        assert_eq!(
            r.feed_observation(&qr(CHIYODA)),
            None,
            "a glitch, not a new read"
        );
        for _ in 0..clear - 1 {
            r.feed_observation(&Observation::default());
        }
        assert_eq!(
            r.feed_observation(&Observation::default()),
            Some(ScanEvent::Cleared)
        );
        assert_eq!(accepted(r.feed_observation(&qr(CHIYODA))).0, CHIYODA);
    }

    #[test]
    fn nothing_to_clear_emits_no_cleared() {
        let mut r = reader();
        for _ in 0..50 {
            assert_eq!(r.feed_observation(&Observation::default()), None);
        }
    }

    #[test]
    fn nw7_alone_is_never_accepted() {
        let mut r = reader();
        for text in ["0000012345", CHIYODA] {
            let obs = Observation {
                nw7: vec![nw7(text)],
                ..Observation::default()
            };
            for _ in 0..30 {
                assert_eq!(r.feed_observation(&obs), None, "{text}");
            }
        }
    }

    #[test]
    fn ocr_agreeing_with_nw7_is_accepted_at_once() {
        let mut r = reader();
        let mut obs = ocr(CHIYODA, 0.9);
        obs.nw7 = vec![nw7("0000012345")];
        assert_eq!(
            accepted(r.feed_observation(&obs)),
            (CHIYODA.to_owned(), Source::Nw7Ocr)
        );
        // Full 18-digit NW-7 agreeing.
        let mut r = reader();
        let mut obs = ocr(SAPPORO, 0.9);
        obs.nw7 = vec![nw7(SAPPORO)];
        assert_eq!(accepted(r.feed_observation(&obs)).1, Source::Nw7Ocr);
    }

    #[test]
    fn ocr_with_a_disagreeing_or_unsure_prefix_and_nw7_is_not_accepted() {
        let mut r = reader();
        let mut obs = ocr(CHIYODA, 0.9);
        obs.nw7 = vec![nw7("0000012346")];
        for _ in 0..10 {
            assert_eq!(
                r.feed_observation(&obs),
                None,
                "NW-7 contradicts the OCR line"
            );
        }
        // The NW-7 vouches for the number only; an unsure municipality digit is not enough.
        let mut r = reader();
        let mut line = OcrLine::uniform(CHIYODA, 0.95);
        line.confidence[4] = 0.3;
        let obs = Observation {
            nw7: vec![nw7("0000012345")],
            ocr: vec![line],
            ..Observation::default()
        };
        for _ in 0..10 {
            assert_eq!(r.feed_observation(&obs), None);
        }
    }

    #[test]
    fn ocr_alone_needs_consecutive_confident_frames() {
        let mut r = reader();
        let n = r.config().ocr_consensus_frames;
        for _ in 1..n {
            assert_eq!(r.feed_observation(&ocr(CHIYODA, 0.95)), None);
        }
        assert_eq!(
            accepted(r.feed_observation(&ocr(CHIYODA, 0.95))),
            (CHIYODA.to_owned(), Source::Ocr)
        );
        assert_eq!(r.feed_observation(&ocr(CHIYODA, 0.95)), None);
    }

    #[test]
    fn unsure_ocr_is_never_accepted_alone() {
        let mut r = reader();
        for _ in 0..30 {
            assert_eq!(r.feed_observation(&ocr(CHIYODA, 0.5)), None);
        }
    }

    #[test]
    fn a_one_frame_1_4_misread_restarts_the_ocr_consensus() {
        // 2021: a 1↔4 misread turned 011061 into 014061, another real municipality.
        let mut r = reader();
        let n = usize::from(r.config().ocr_consensus_frames);
        let mut frames = vec![MINAMI; n - 1];
        frames.push(FURUBIRA);
        frames.extend(vec![MINAMI; n - 1]);
        for (i, digits) in frames.iter().enumerate() {
            assert_eq!(r.feed_observation(&ocr(digits, 0.9)), None, "frame {i}");
        }
        let (digits, source) = accepted(r.feed_observation(&ocr(MINAMI, 0.9)));
        assert_eq!((digits.as_str(), source), (MINAMI, Source::Ocr));
    }

    #[test]
    fn a_gap_breaks_the_ocr_consensus() {
        let mut r = reader();
        let n = r.config().ocr_consensus_frames;
        for _ in 1..n {
            r.feed_observation(&ocr(CHIYODA, 0.95));
        }
        assert_eq!(r.feed_observation(&ocr(CHIYODA, 0.2)), None);
        for _ in 1..n {
            assert_eq!(r.feed_observation(&ocr(CHIYODA, 0.95)), None);
        }
        accepted(r.feed_observation(&ocr(CHIYODA, 0.95)));
    }

    #[test]
    fn qr_and_ocr_that_disagree_accept_nothing() {
        let mut r = reader();
        let mut obs = qr(MINAMI);
        obs.ocr = vec![OcrLine::uniform(FURUBIRA, 0.95)];
        assert_eq!(
            refused(r.feed_observation(&obs)),
            ScanRefusal::QrOcrMismatch
        );
        for _ in 0..10 {
            assert_eq!(
                r.feed_observation(&obs),
                None,
                "refused once per presentation"
            );
        }
        // An unsure OCR line does not block the QR.
        let mut obs = qr(MINAMI);
        obs.ocr = vec![OcrLine::uniform(FURUBIRA, 0.3)];
        assert_eq!(accepted(r.feed_observation(&obs)).0, MINAMI);
    }

    #[test]
    fn noise_around_an_accepted_ticket_is_not_refused() {
        let mut r = reader();
        accepted(r.feed_observation(&qr(MINAMI)));
        let mut obs = qr(MINAMI);
        obs.ocr = vec![OcrLine::uniform(FURUBIRA, 0.95)];
        assert_eq!(r.feed_observation(&obs), None);
    }

    #[test]
    fn qr_and_nw7_that_disagree_accept_nothing() {
        let mut r = reader();
        let mut obs = qr(CHIYODA);
        obs.nw7 = vec![nw7("0000099999")];
        assert_eq!(
            refused(r.feed_observation(&obs)),
            ScanRefusal::QrNw7Mismatch
        );
    }

    #[test]
    fn two_qr_tickets_accept_nothing() {
        let mut r = reader();
        let mut obs = qr(CHIYODA);
        obs.qr.push(QrSymbol {
            text: SAPPORO.into(),
            angle: None,
        });
        assert_eq!(
            refused(r.feed_observation(&obs)),
            ScanRefusal::SeveralQrTickets
        );
        assert_eq!(r.feed_observation(&obs), None);
    }

    #[test]
    fn an_invalid_qr_is_refused_once_per_presentation() {
        let mut r = reader();
        let bad = "121310170000012345"; // check digit
        let reason = refused(r.feed_observation(&qr(bad)));
        assert!(
            matches!(
                reason,
                ScanRefusal::QrNotTicket(TicketError::Municipality(
                    MunicipalityError::CheckDigit { expected: 6, .. }
                ))
            ),
            "{reason:?}"
        );
        assert_eq!(r.feed_observation(&qr(bad)), None);
        for _ in 0..r.config().clear_after_frames {
            r.feed_observation(&Observation::default());
        }
        assert_eq!(refused(r.feed_observation(&qr(bad))), reason);
        // Not a ticket at all.
        let mut r = reader();
        assert!(matches!(
            refused(r.feed_observation(&qr("https://example.invalid/"))),
            ScanRefusal::QrNotTicket(TicketError::Length { .. })
        ));
    }

    #[test]
    fn a_consistent_but_invalid_ocr_line_is_refused() {
        let mut r = reader();
        let unknown = "119999970000000001";
        let n = r.config().ocr_consensus_frames;
        for _ in 1..n {
            assert_eq!(r.feed_observation(&ocr(unknown, 0.95)), None);
        }
        assert!(matches!(
            refused(r.feed_observation(&ocr(unknown, 0.95))),
            ScanRefusal::NotRegistrable(TicketError::Municipality(MunicipalityError::Prefecture {
                prefecture: 99,
                ..
            }))
        ));
        assert_eq!(r.feed_observation(&ocr(unknown, 0.95)), None);
    }

    #[test]
    fn unparsable_nw7_reads_are_not_refused_to_the_operator() {
        let mut r = reader();
        let obs = Observation {
            nw7: vec![nw7("12345678")],
            ..Observation::default()
        };
        let j = judge(&obs, r.config(), MasterList::embedded());
        assert!(j.present && j.rejected.is_empty());
        assert_eq!(j.notes.len(), 1);
        for _ in 0..10 {
            assert_eq!(r.feed_observation(&obs), None);
        }
    }

    #[test]
    fn reset_forgets_the_accepted_ticket() {
        let mut r = reader();
        accepted(r.feed_observation(&qr(CHIYODA)));
        r.reset();
        accepted(r.feed_observation(&qr(CHIYODA)));
    }

    #[test]
    fn kinds_outside_the_rules_are_refused() {
        let config = ReaderConfig {
            rules: TicketRules {
                allowed_kinds: vec![1],
                ..TicketRules::default()
            },
            ..ReaderConfig::default()
        };
        let mut r = Reader::new(config, Arc::new(MasterList::embedded().clone()));
        assert!(matches!(
            refused(r.feed_observation(&qr("210110020000000001"))),
            ScanRefusal::QrNotTicket(TicketError::KindNotAllowed { kind: 2, .. })
        ));
    }

    #[test]
    fn frames_are_decoded_and_judged() {
        let mut r = reader();
        let frame = crate::qr::tests::qr_frame(SAPPORO, 4, 16);
        assert_eq!(accepted(r.feed(&frame)), (SAPPORO.to_owned(), Source::Qr));
        assert_eq!(r.feed(&frame), None);
        let blank = GrayFrame::new(40, 40, vec![255; 1600]).unwrap();
        assert_eq!(r.feed(&blank), None);
    }
}
