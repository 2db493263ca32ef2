//! QR code (model 2) reading with rxing.
//!
//! Only what the ticket carries is asked for: `QR_CODE`, never Micro QR or rMQR. Every
//! QR symbol in the frame is returned, so that the policy can notice two tickets at once.

use std::collections::HashSet;

use rxing::common::HybridBinarizer;
use rxing::multi::MultipleBarcodeReader;
use rxing::qrcode::QRCodeReader;
use rxing::qrcode::cpp_port::QrReader;
use rxing::{BarcodeFormat, BinaryBitmap, DecodeHints, Luma8LuminanceSource, Reader};

use crate::GrayFrame;

/// One decoded QR symbol.
#[derive(Debug, Clone, PartialEq)]
pub struct QrSymbol {
    /// The decoded text (error-corrected by the symbol's Reed–Solomon code).
    pub text: String,
    /// The symbol's rotation in degrees (direction of its top edge, counter-clockwise
    /// on screen), when the decoder reported its finder patterns.
    pub angle: Option<f32>,
}

fn hints() -> DecodeHints {
    DecodeHints::default()
        .with(rxing::DecodeHintValue::PossibleFormats(HashSet::from([
            BarcodeFormat::QR_CODE,
        ])))
        .with(rxing::DecodeHintValue::TryHarder(true))
}

/// Decodes every QR code (model 2) in the frame.
pub fn decode_qr(frame: &GrayFrame) -> Vec<QrSymbol> {
    let Ok(source) =
        Luma8LuminanceSource::new(frame.pixels().to_vec(), frame.width(), frame.height())
    else {
        return Vec::new();
    };
    let mut bitmap = BinaryBitmap::new(HybridBinarizer::new(source));
    let hints = hints();
    let mut results = QrReader
        .decode_multiple_with_hints(&mut bitmap, &hints)
        .unwrap_or_default();
    if results.is_empty() {
        // The port of the Java detector finds some symbols the C++ port misses.
        if let Ok(result) = QRCodeReader.decode_with_hints(&mut bitmap, &hints) {
            results.push(result);
        }
    }
    let mut symbols: Vec<QrSymbol> = Vec::new();
    for result in results {
        if *result.getBarcodeFormat() != BarcodeFormat::QR_CODE {
            continue;
        }
        let symbol = QrSymbol {
            text: result.getText().to_owned(),
            angle: angle_of(result.getPoints()),
        };
        if !symbols.iter().any(|s| s.text == symbol.text) {
            symbols.push(symbol);
        }
    }
    symbols
}

/// The top edge's direction from the result points. The C++ port reports the four
/// corners (top-left first, clockwise); the Java port bottom-left, top-left, top-right.
fn angle_of(points: &[rxing::Point]) -> Option<f32> {
    let (a, b) = match points.len() {
        4 => (points[0], points[1]),
        3 => (points[1], points[2]),
        _ => return None,
    };
    let (dx, dy) = (b.x - a.x, b.y - a.y);
    if dx == 0.0 && dy == 0.0 {
        return None;
    }
    // y grows downwards: negate it for a counter-clockwise angle on screen.
    Some((-dy).atan2(dx).to_degrees())
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// Renders `text` as a QR code, `module` pixels per module, on a white frame with
    /// `margin` pixels around it.
    pub(crate) fn qr_frame(text: &str, module: u32, margin: u32) -> GrayFrame {
        let code = qrcode::QrCode::new(text.as_bytes()).unwrap();
        let n = code.width() as u32;
        let colors = code.to_colors();
        let size = n * module + 2 * margin;
        let mut data = vec![255u8; (size * size) as usize];
        for y in 0..n * module {
            for x in 0..n * module {
                let c = colors[((y / module) * n + x / module) as usize];
                if c == qrcode::Color::Dark {
                    data[((y + margin) * size + x + margin) as usize] = 0;
                }
            }
        }
        GrayFrame::new(size, size, data).unwrap()
    }

    #[test]
    fn reads_a_ticket_qr() {
        let symbols = decode_qr(&qr_frame("121310160000012345", 4, 16));
        assert_eq!(symbols.len(), 1);
        assert_eq!(symbols[0].text, "121310160000012345");
        let angle = symbols[0].angle.unwrap();
        assert!(angle.abs() < 2.0, "{angle}");
    }

    #[test]
    fn reads_a_rotated_qr_and_its_angle() {
        let frame = crate::rectify::rotate(&qr_frame("110110020000000001", 4, 16), 30.0);
        let symbols = decode_qr(&frame);
        assert_eq!(symbols.len(), 1);
        assert_eq!(symbols[0].text, "110110020000000001");
        let angle = symbols[0].angle.unwrap();
        assert!((angle - 30.0).abs() < 4.0, "{angle}");
    }

    #[test]
    fn blank_and_noise_frames_give_nothing() {
        assert!(decode_qr(&GrayFrame::new(64, 48, vec![255; 64 * 48]).unwrap()).is_empty());
        let noise: Vec<u8> = (0..96u32 * 96)
            .map(|i| (i.wrapping_mul(2_654_435_761) >> 24) as u8)
            .collect();
        assert!(decode_qr(&GrayFrame::new(96, 96, noise).unwrap()).is_empty());
    }
}
