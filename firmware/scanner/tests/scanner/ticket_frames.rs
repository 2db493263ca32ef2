//! The reader on synthetic camera frames of tickets (vrs-ticket-gen): needs the Debian
//! fonts `fonts-ocr-b` and `fonts-ipafont-gothic`.

use std::sync::Arc;

use vrs_protocol::MasterList;
use vrs_scanner::{GrayFrame, Reader, ReaderConfig, ScanEvent, Source};
use vrs_ticket_gen::{Fonts, Symbol, Tier, dataset};

#[test]
fn easy_frames_are_read_and_never_as_a_wrong_ticket() {
    let fonts = Fonts::system().expect("fonts-ocr-b and fonts-ipafont-gothic installed");
    let samples = dataset(Tier::Easy, 10, 11, &fonts).unwrap();
    let master = Arc::new(MasterList::embedded().clone());
    let (mut qr_visible, mut qr_read, mut nw7_ocr_read) = (0, 0, 0);
    for s in &samples {
        let (w, h) = s.frame.dimensions();
        let frame = GrayFrame::new(w, h, s.frame.as_raw().clone()).unwrap();
        let mut reader = Reader::new(ReaderConfig::default(), Arc::clone(&master));
        let event = reader.feed(&frame);
        let qr = s.visible().contains(&Symbol::Qr);
        match (&s.truth, event) {
            (Some(truth), Some(ScanEvent::Accepted(a))) => {
                assert_eq!(&a.ticket.payload.digits(), truth, "{}", s.name);
                if qr {
                    assert_eq!(a.source, Source::Qr, "{}", s.name);
                    qr_read += 1;
                } else {
                    assert_eq!(a.source, Source::Nw7Ocr, "{}", s.name);
                    nw7_ocr_read += 1;
                }
            }
            (None, Some(event)) => panic!("{}: ticket-free frame gave {event:?}", s.name),
            (_, Some(ScanEvent::Refused { reason, .. })) => panic!("{}: {reason}", s.name),
            _ => {}
        }
        qr_visible += usize::from(s.truth.is_some() && qr);
    }
    assert!(qr_visible > 0);
    assert_eq!(
        qr_read, qr_visible,
        "every visible QR on easy frames is read"
    );
    assert!(
        nw7_ocr_read > 0,
        "tickets without a QR are read from NW-7 + OCR"
    );
}
