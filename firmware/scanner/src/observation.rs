//! Everything one frame showed: the raw symbol reads the policy decides on.

use serde::Serialize;

use crate::GrayFrame;
use crate::codabar::{self, Nw7Symbol};
use crate::ocr::{self, OcrLine};
use crate::qr::{self, QrSymbol};
use crate::rectify::{self, Texture};

/// The symbols decoded from one frame, before any acceptance decision.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Observation {
    /// Every QR code (model 2) found.
    pub qr: Vec<QrSymbol>,
    /// Every NW-7 barcode that enough scan lines agreed on.
    pub nw7: Vec<Nw7Symbol>,
    /// OCR-B lines of 18 digits found, best first.
    pub ocr: Vec<OcrLine>,
}

impl Observation {
    /// Whether the frame showed no ticket symbol at all.
    pub fn is_empty(&self) -> bool {
        self.qr.is_empty() && self.nw7.is_empty() && self.ocr.is_empty()
    }

    /// A summary of what was seen, for tools and logs: symbology and text, ticket
    /// numbers masked unless `full` is set.
    pub fn symbols(&self, full: bool) -> Vec<SeenSymbol> {
        let shown = |text: &str| {
            if full {
                text.to_owned()
            } else {
                vrs_protocol::ticket::mask(text)
            }
        };
        let qr = self.qr.iter().map(|s| SeenSymbol {
            kind: "qr",
            text: shown(&s.text),
            confidence: None,
        });
        let nw7 = self.nw7.iter().map(|s| SeenSymbol {
            kind: "nw7",
            text: shown(&s.text),
            confidence: None,
        });
        let ocr = self.ocr.iter().map(|l| SeenSymbol {
            kind: "ocr",
            text: shown(&l.digits),
            confidence: Some(l.min_confidence()),
        });
        qr.chain(nw7).chain(ocr).collect()
    }
}

/// One symbol as reported by [`Observation::symbols`].
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SeenSymbol {
    /// `"qr"`, `"nw7"` or `"ocr"`.
    pub kind: &'static str,
    /// The decoded text (NW-7 without start/stop characters).
    pub text: String,
    /// For OCR lines: the lowest per-character confidence.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub confidence: Option<f32>,
}

/// Runs every decoder on the frame: QR, NW-7, OCR-B line.
///
/// The QR's orientation, when a QR was read, tells the NW-7 and OCR readers how the
/// ticket is turned; otherwise they estimate it from the frame.
pub fn observe(frame: &GrayFrame) -> Observation {
    let qr = qr::decode_qr(frame);
    let texture = Texture::of(frame);
    let hint = qr.iter().find_map(|s| s.angle);
    let angle = rectify::ticket_angle(hint, || texture.dominant_angle());
    let nw7 = codabar::decode_codabar_with(frame, &texture, angle);
    let ocr = ocr::read_lines(frame, Some(angle));
    Observation { qr, nw7, ocr }
}
