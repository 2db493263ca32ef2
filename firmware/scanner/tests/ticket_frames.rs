//! The reader on synthetic camera frames of tickets (vrs-ticket-gen): needs the Debian
//! fonts `fonts-ocr-b` and `fonts-ipafont-gothic`.

use std::sync::Arc;

use vrs_protocol::MasterList;
use vrs_scanner::{GrayFrame, Reader, ReaderConfig, ScanEvent, Source};
use vrs_ticket_gen::{Fonts, Symbol, Tier, dataset};

#[test]
fn easy_frames_read_the_qr_and_never_a_wrong_ticket() {
    let fonts = Fonts::system().expect("fonts-ocr-b and fonts-ipafont-gothic installed");
    let samples = dataset(Tier::Easy, 10, 11, &fonts).unwrap();
    let master = Arc::new(MasterList::embedded().clone());
    let (mut qr_visible, mut qr_read) = (0, 0);
    for s in &samples {
        let (w, h) = s.frame.dimensions();
        let frame = GrayFrame::new(w, h, s.frame.as_raw().clone()).unwrap();
        let mut reader = Reader::new(ReaderConfig::default(), Arc::clone(&master));
        let event = reader.feed(&frame);
        match (&s.truth, event) {
            (Some(truth), Some(ScanEvent::Accepted(a))) => {
                assert_eq!(&a.ticket.payload.digits(), truth, "{}", s.name);
                assert_eq!(a.source, Source::Qr);
                qr_read += 1;
            }
            (None, Some(event)) => panic!("{}: ticket-free frame gave {event:?}", s.name),
            (_, Some(ScanEvent::Refused { reason, .. })) => panic!("{}: {reason}", s.name),
            _ => {}
        }
        qr_visible += usize::from(s.truth.is_some() && s.visible().contains(&Symbol::Qr));
    }
    assert!(qr_visible > 0);
    assert_eq!(
        qr_read, qr_visible,
        "every visible QR on easy frames is read"
    );
}
