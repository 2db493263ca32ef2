//! Bad input never panics: arbitrary frames, arbitrary symbol texts and confidences.

use std::sync::Arc;

use proptest::prelude::*;
use vrs_protocol::MasterList;
use vrs_scanner::codabar::Nw7Symbol;
use vrs_scanner::qr::QrSymbol;
use vrs_scanner::{
    GrayFrame, Observation, OcrLine, Reader, ReaderConfig, codabar, observe, ocr, rectify,
};

fn reader() -> Reader {
    Reader::new(
        ReaderConfig::default(),
        Arc::new(MasterList::embedded().clone()),
    )
}

fn frame() -> impl Strategy<Value = GrayFrame> {
    // Small frames of any shape, and slivers a pixel or three thick but long.
    prop_oneof![
        (1u32..48, 1u32..48),
        (1u32..4, 1u32..3000),
        (1u32..3000, 1u32..4),
    ]
    .prop_flat_map(|(w, h)| {
        prop::collection::vec(any::<u8>(), (w * h) as usize)
            .prop_map(move |data| GrayFrame::new(w, h, data).unwrap())
    })
}

fn text() -> impl Strategy<Value = String> {
    prop_oneof![
        any::<String>(),
        "[0-9]{0,24}",
        "[A-D][0-9]{10}[A-D]",
        "[12][1-9][0-9]{16}",
        prop::collection::vec(any::<u8>(), 0..40)
            .prop_map(|b| String::from_utf8_lossy(&b).into_owned()),
    ]
}

fn observation() -> impl Strategy<Value = Observation> {
    (
        prop::collection::vec(text(), 0..3),
        prop::collection::vec(text(), 0..3),
        prop::collection::vec((text(), prop::collection::vec(any::<f32>(), 0..20)), 0..2),
    )
        .prop_map(|(qr, nw7, ocr)| Observation {
            qr: qr
                .into_iter()
                .map(|text| QrSymbol { text, angle: None })
                .collect(),
            nw7: nw7
                .into_iter()
                .map(|text| Nw7Symbol { text, rows: 2 })
                .collect(),
            ocr: ocr
                .into_iter()
                .map(|(digits, confidence)| OcrLine { digits, confidence })
                .collect(),
        })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    #[test]
    fn arbitrary_frames_never_panic(
        frame in frame(),
        degrees in any::<f32>(),
        rows in prop::collection::vec(any::<u32>(), 0..8),
        cols in any::<(u32, u32)>(),
    ) {
        let _ = observe(&frame);
        let _ = rectify::dominant_angle(&frame);
        // Angle hints from a corrupted QR result may be anything, NaN included.
        let _ = codabar::decode_codabar(&frame, Some(degrees));
        let _ = ocr::read_lines(&frame, Some(degrees));
        if let Some(lines) = rectify::rotate_rows(&frame, degrees, &rows, cols.0..cols.1) {
            prop_assert_eq!(lines.height() as usize, rows.len());
            prop_assert!(lines.width() <= cols.1.saturating_sub(cols.0));
        }
        if degrees.is_finite() && degrees.abs() < 1000.0 {
            let turned = rectify::rotate(&frame, degrees);
            prop_assert!(turned.width() >= 1 && turned.height() >= 1);
        }
        let mut r = reader();
        let _ = r.feed(&frame);
    }

    #[test]
    fn arbitrary_symbol_texts_never_panic(frames in prop::collection::vec(observation(), 1..12)) {
        let mut r = reader();
        for o in &frames {
            let _ = r.feed_observation(o);
        }
    }

    #[test]
    fn garbage_is_never_accepted(frames in prop::collection::vec(observation(), 1..12)) {
        // Arbitrary texts are accepted only when they are a valid ticket that a QR, or an
        // OCR line backed by NW-7 or consensus, vouched for: check each acceptance.
        let mut r = reader();
        for o in &frames {
            if let Some(vrs_scanner::ScanEvent::Accepted(a)) = r.feed_observation(o) {
                let digits = a.ticket.payload.digits();
                let from_qr = o.qr.iter().any(|s| s.text == digits);
                let from_ocr = o.ocr.iter().any(|l| l.digits == digits);
                prop_assert!(from_qr || from_ocr, "{digits} came from nowhere");
            }
        }
    }
}
