//! The reader fed a recorded-camera sequence (vrs-ticket-gen): each ticket accepted once,
//! `Cleared` when it leaves, the same ticket accepted again only after it left, and never
//! a wrong ticket. Needs the Debian fonts `fonts-ocr-b` and `fonts-ipafont-gothic`.

use std::sync::Arc;

use vrs_protocol::MasterList;
use vrs_scanner::{GrayFrame, Reader, ReaderConfig, ScanEvent};
use vrs_ticket_gen::{Fonts, sequence};

#[test]
fn each_presentation_is_accepted_once_and_cleared() {
    let fonts = Fonts::system().expect("fonts-ocr-b and fonts-ipafont-gothic installed");
    let a = "121310160000012345".to_owned();
    let b = "110110020000000001".to_owned();
    let samples = sequence(&[a.clone(), b.clone(), a.clone()], 800, 600, 5, &fonts).unwrap();
    let config = ReaderConfig {
        clear_after_frames: 3,
        ..ReaderConfig::default()
    };
    let mut reader = Reader::new(config, Arc::new(MasterList::embedded().clone()));
    let mut events = Vec::new();
    for s in &samples {
        let (w, h) = s.frame.dimensions();
        let frame = GrayFrame::new(w, h, s.frame.as_raw().clone()).unwrap();
        match reader.feed(&frame) {
            Some(ScanEvent::Accepted(t)) => {
                let digits = t.ticket.payload.digits();
                assert_eq!(Some(&digits), s.truth.as_ref(), "{}: wrong ticket", s.name);
                events.push(digits);
            }
            Some(ScanEvent::Cleared) => events.push("cleared".into()),
            Some(ScanEvent::Refused { reason, .. }) => panic!("{}: refused: {reason}", s.name),
            None => {}
        }
    }
    assert_eq!(events, [&a, "cleared", &b, "cleared", &a, "cleared"]);
}
