//! NW-7 (Codabar) reading with rxing, along scan lines at the ticket's angle.
//!
//! Codabar has no check character, so a single scan line can produce a plausible wrong
//! text from print that is not a barcode at all. A text is reported only when at least
//! [`MIN_AGREEING_ROWS`] scan lines decode it identically.
//!
//! Scan lines run along the ticket: the frame is sampled along parallel lines at the
//! angle the caller knows (the QR's orientation) or by [`rectify::dominant_angle`] — a
//! barcode rotated by 10°–80° crosses no pixel row completely — and, when those agree
//! on nothing, across it (the ticket may lie a quarter turn round). Only lines through
//! blocks of bars standing across them ([`Texture::rows_crossing_bars`]) are resampled
//! and decoded, never the whole frame.

use std::borrow::Cow;
use std::collections::HashMap;

use rxing::common::GlobalHistogramBinarizer;
use rxing::oned::{CodaBarReader, OneDReader};
use rxing::{BarcodeFormat, Binarizer, DecodeHints, Luma8LuminanceSource};

use crate::GrayFrame;
use crate::rectify::{self, Texture};

/// Scan lines that must decode the same text before it is believed.
pub const MIN_AGREEING_ROWS: u32 = 2;

/// Below this rotation (degrees) the scan lines are already nearly pixel rows, so the
/// rows-and-columns fallback for a wrong angle estimate would read the same lines again.
const NEGLIGIBLE_ROTATION: f32 = 4.0;

/// Scan line spacing: as if 160 lines were spread evenly over the whole turned frame.
const MAX_ROWS: u32 = 160;

/// How far (degrees) a block's gradient may turn from the scan direction and still
/// count as bars across the scan lines: the angle estimate's error plus perspective.
const BAR_TOLERANCE: f32 = 12.0;

/// One decoded NW-7 symbol.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Nw7Symbol {
    /// The decoded data characters, start/stop characters (A–D) removed.
    pub text: String,
    /// How many scan lines decoded exactly this text.
    pub rows: u32,
}

/// Decodes NW-7 barcodes in the frame.
///
/// `angle_hint` is the ticket's rotation (degrees counter-clockwise on screen) when
/// another symbol revealed it; otherwise the frame's dominant edge direction is used.
pub fn decode_codabar(frame: &GrayFrame, angle_hint: Option<f32>) -> Vec<Nw7Symbol> {
    let texture = Texture::of(frame);
    let angle = rectify::ticket_angle(angle_hint, || texture.dominant_angle());
    decode_codabar_with(frame, &texture, angle)
}

/// Decodes NW-7 barcodes in the frame, the ticket turned by `angle` (modulo 90°), the
/// frame's [`Texture`] already measured.
///
/// Only scan lines through blocks of bars standing across them are read. When lines at
/// `angle` read nothing and the angle is not negligible, the pixel rows and columns
/// are tried as well (a wrong estimate).
pub fn decode_codabar_with(frame: &GrayFrame, texture: &Texture, angle: f32) -> Vec<Nw7Symbol> {
    let found = scan_at(frame, texture, angle);
    if found.is_empty() && angle.abs() >= NEGLIGIBLE_ROTATION {
        scan_at(frame, texture, 0.0)
    } else {
        found
    }
}

/// Scans lines along the ticket turned by `angle`, then across it if nothing agreed.
fn scan_at(frame: &GrayFrame, texture: &Texture, angle: f32) -> Vec<Nw7Symbol> {
    // Not `ReturnCodabarStartEnd`: rxing 0.9.3 then returns untranslated table offsets
    // instead of characters. The start/stop letters carry nothing the ticket needs.
    let hints = DecodeHints::default().with(rxing::DecodeHintValue::PossibleFormats(
        [BarcodeFormat::CODABAR].into(),
    ));
    let mut reader = CodaBarReader::default();
    let mut counts: HashMap<String, u32> = HashMap::new();
    for turn in [0.0, 90.0] {
        let degrees = turn - angle;
        let (_, height) = rectify::rotated_size(frame, degrees);
        let step = height.div_ceil(MAX_ROWS).max(1);
        let rows: Vec<u32> = texture
            .rows_crossing_bars(frame, degrees, BAR_TOLERANCE)
            .into_iter()
            .flat_map(|(lo, hi)| (lo.div_ceil(step) * step..hi).step_by(step as usize))
            .collect();
        if let Some(lines) = rectify::rotate_rows(frame, degrees, &rows) {
            scan_rows(&lines, &mut reader, &hints, &mut counts);
        }
        if counts.values().any(|&n| n >= MIN_AGREEING_ROWS) {
            break;
        }
    }
    let mut symbols: Vec<Nw7Symbol> = counts
        .into_iter()
        .filter(|&(_, rows)| rows >= MIN_AGREEING_ROWS)
        .map(|(text, rows)| Nw7Symbol { text, rows })
        .collect();
    symbols.sort_by(|a, b| b.rows.cmp(&a.rows).then_with(|| a.text.cmp(&b.text)));
    symbols
}

/// Decodes every row of `lines` (each binarised on its own histogram, as ZXing does for
/// 1-D codes), both ways round, counting the texts read.
fn scan_rows(
    lines: &GrayFrame,
    reader: &mut CodaBarReader,
    hints: &DecodeHints,
    counts: &mut HashMap<String, u32>,
) {
    let Ok(source) =
        Luma8LuminanceSource::new(lines.pixels().to_vec(), lines.width(), lines.height())
    else {
        return;
    };
    let binarizer = GlobalHistogramBinarizer::new(source);
    for y in 0..lines.height() as usize {
        let Ok(row) = binarizer.get_black_row(y) else {
            continue;
        };
        if runs(&row) < MIN_RUNS {
            continue;
        }
        let mut row: Cow<'_, rxing::common::BitArray> = row;
        for attempt in 0..2 {
            if attempt == 1 {
                row.to_mut().reverse();
            }
            if let Ok(result) = reader.decode_row(y as u32, &row, hints) {
                *counts.entry(result.getText().to_owned()).or_default() += 1;
                break;
            }
        }
    }
}

/// Bars and spaces of the shortest symbol worth reading: start, 10 digits and stop,
/// 7 elements each, with 11 gaps between them.
const MIN_RUNS: usize = 12 * 7 + 11;

/// Black and white runs in a binarised row (counting stops once a symbol would fit).
fn runs(row: &rxing::common::BitArray) -> usize {
    let (size, mut x, mut count) = (row.get_size(), 0, 0);
    let mut black = size > 0 && row.get(0);
    while x < size && count < MIN_RUNS {
        x = if black {
            row.getNextUnset(x)
        } else {
            row.getNextSet(x)
        };
        black = !black;
        count += 1;
    }
    count
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    const ALPHABET: &str = "0123456789-$:/.+ABCD";
    const ENCODINGS: [u32; 20] = [
        0x003, 0x006, 0x009, 0x060, 0x012, 0x042, 0x021, 0x024, 0x030, 0x048, 0x00c, 0x018, 0x045,
        0x051, 0x054, 0x015, 0x01A, 0x029, 0x00B, 0x00E,
    ];

    /// Renders a Codabar symbol (`text` includes start/stop) with `narrow`-pixel narrow
    /// and 3×`narrow` wide elements, `height` pixels tall, on a white frame.
    pub(crate) fn codabar_frame(text: &str, narrow: u32, height: u32) -> GrayFrame {
        let mut widths: Vec<(bool, u32)> = Vec::new(); // (is_bar, width)
        for (i, c) in text.chars().enumerate() {
            if i > 0 {
                widths.push((false, narrow));
            }
            let code = ENCODINGS[ALPHABET.find(c).expect("Codabar character")];
            for element in 0..7 {
                let wide = code & (1 << (6 - element)) != 0;
                widths.push((element % 2 == 0, if wide { 3 * narrow } else { narrow }));
            }
        }
        let margin = 12 * narrow;
        let width = widths.iter().map(|w| w.1).sum::<u32>() + 2 * margin;
        let mut row = vec![255u8; margin as usize];
        for (bar, w) in widths {
            row.extend(std::iter::repeat_n(if bar { 0 } else { 255 }, w as usize));
        }
        row.extend(std::iter::repeat_n(255u8, margin as usize));
        let frame_height = height + 2 * margin;
        let mut data = vec![255u8; (width * frame_height) as usize];
        for y in margin..margin + height {
            data[(y * width) as usize..((y + 1) * width) as usize].copy_from_slice(&row);
        }
        GrayFrame::new(width, frame_height, data).unwrap()
    }

    #[test]
    fn reads_10_and_18_digit_codabar() {
        for text in ["A0000012345B", "C121310160000012345D"] {
            let symbols = decode_codabar(&codabar_frame(text, 2, 40), None);
            assert_eq!(symbols.len(), 1, "{text}: {symbols:?}");
            assert_eq!(symbols[0].text, text[1..text.len() - 1]);
            assert!(symbols[0].rows >= MIN_AGREEING_ROWS);
        }
    }

    #[test]
    fn reads_rotated_codabar_after_rectifying() {
        let upright = codabar_frame("A121310160000012345B", 2, 50);
        for degrees in [15.0f32, 35.0, 60.0, -20.0] {
            let turned = rectify::rotate(&upright, degrees);
            let symbols = decode_codabar(&turned, None);
            assert_eq!(
                symbols.first().map(|s| s.text.as_str()),
                Some("121310160000012345"),
                "{degrees}°"
            );
        }
    }

    #[test]
    fn blank_frames_give_nothing() {
        let blank = GrayFrame::new(80, 60, vec![200; 4800]).unwrap();
        assert!(decode_codabar(&blank, None).is_empty());
        assert!(decode_codabar(&blank, Some(30.0)).is_empty());
    }
}
