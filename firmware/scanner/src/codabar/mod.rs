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
//! blocks of bars standing across them ([`Texture::spans_crossing_bars`]), over the
//! stretch the bars and their quiet zones take, are resampled and decoded, never the
//! whole frame.

use std::borrow::Cow;
use std::collections::HashMap;

use rxing::common::{BitArray, GlobalHistogramBinarizer};
use rxing::oned::{CodaBarReader, OneDReader};
use rxing::{BarcodeFormat, Binarizer, DecodeHints, Luma8LuminanceSource};

use vrs_protocol::Nw7Read;

use crate::GrayFrame;
use crate::rectify::{self, Texture};

mod ink;

/// Scan lines that must decode the same text before it is believed.
pub const MIN_AGREEING_ROWS: u32 = 2;

/// Below this rotation (degrees) the scan lines are already nearly pixel rows, so the
/// rows-and-columns fallback for a wrong angle estimate would read the same lines again.
const NEGLIGIBLE_ROTATION: f32 = 4.0;

/// Angles closer than this (degrees) scan the same lines: an estimate a few degrees
/// off still selects the barcode's blocks, but its lines run out of the bars.
const SAME_ANGLE: f32 = 2.0;

/// Scan angles tried at most per frame (the first estimate included).
pub const MAX_ANGLES: usize = 3;

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
/// Only scan lines through blocks of bars standing across them are read. Until a
/// ticket's NW-7 (10 or 18 digits) is among the texts read, the angles of the frame's
/// other groups of bars are tried ([`Texture::bar_angles`]: the estimate may belong to
/// a decoy label or a table edge), then — when the angle is not negligible — the pixel
/// rows and columns; at most [`MAX_ANGLES`] in all.
pub fn decode_codabar_with(frame: &GrayFrame, texture: &Texture, angle: f32) -> Vec<Nw7Symbol> {
    let mut tried: Vec<f32> = Vec::new();
    let mut counts: HashMap<String, u32> = HashMap::new();
    let fallback = (angle.abs() >= NEGLIGIBLE_ROTATION).then_some(0.0);
    // The bar groups are only measured when the first angle reads no ticket.
    let groups = std::iter::once_with(|| texture.bar_angles()).flatten();
    for at in std::iter::once(angle).chain(groups).chain(fallback) {
        if tried.len() == MAX_ANGLES {
            break;
        }
        if tried
            .iter()
            .any(|&t| rectify::modulo_quarter(t - at).abs() < SAME_ANGLE)
        {
            continue;
        }
        tried.push(at);
        for (text, rows) in scan_at(frame, texture, at) {
            *counts.entry(text).or_default() += rows;
        }
        if counts
            .iter()
            .any(|(text, &rows)| rows >= MIN_AGREEING_ROWS && Nw7Read::parse(text).is_ok())
        {
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

/// Scans lines along the ticket turned by `angle`, then across it if nothing agreed.
///
/// Each way round, the lines are first binarised on their histogram, as ZXing does
/// for 1-D codes; only when no text agrees are they redrawn from their ink
/// ([`ink::ink_row`]), which keeps the narrow bars that blur made too pale for a
/// threshold. Sharp barcodes never pay for the second reading.
fn scan_at(frame: &GrayFrame, texture: &Texture, angle: f32) -> HashMap<String, u32> {
    let mut counts = HashMap::new();
    // Not `ReturnCodabarStartEnd`: rxing 0.9.3 then returns untranslated table offsets
    // instead of characters. The start/stop letters carry nothing the ticket needs.
    let hints = DecodeHints::default().with(rxing::DecodeHintValue::PossibleFormats(
        [BarcodeFormat::CODABAR].into(),
    ));
    let mut reader = CodaBarReader::default();
    let agreed = |counts: &HashMap<String, u32>| counts.values().any(|&n| n >= MIN_AGREEING_ROWS);
    for turn in [0.0, 90.0] {
        let degrees = turn - angle;
        let (_, height) = rectify::rotated_size(frame, degrees);
        let step = height.div_ceil(MAX_ROWS).max(1);
        let spans: Vec<GrayFrame> = texture
            .spans_crossing_bars(frame, degrees, BAR_TOLERANCE)
            .into_iter()
            .filter_map(|span| {
                let first = span.rows.start.div_ceil(step) * step;
                let rows: Vec<u32> = (first..span.rows.end).step_by(step as usize).collect();
                rectify::rotate_rows(frame, degrees, &rows, span.cols)
            })
            .collect();
        // Which lines read something: a line counts once towards agreement.
        let mut read: Vec<Vec<bool>> = spans
            .iter()
            .map(|lines| scan_thresholded(lines, &mut reader, &hints, &mut counts))
            .collect();
        if agreed(&counts) {
            break;
        }
        // Redrawing costs more than thresholding: every other line first, the rest only
        // when a text was read once and wants a second line to agree.
        for parity in [0, 1] {
            if parity == 1 && !counts.values().any(|&n| n == 1) {
                break;
            }
            for (lines, read) in spans.iter().zip(&mut read) {
                for y in (parity..lines.height()).step_by(2) {
                    if read[y as usize] {
                        continue;
                    }
                    let row = ink::ink_row(lines.row(y), MIN_RUNS / 2);
                    if let Some(text) =
                        row.and_then(|r| decode_row(Cow::Owned(r), y, &mut reader, &hints))
                    {
                        *counts.entry(text).or_default() += 1;
                        read[y as usize] = true;
                    }
                }
            }
            if agreed(&counts) {
                break;
            }
        }
        if agreed(&counts) {
            break;
        }
    }
    counts
}

/// Decodes every row of `lines` binarised on the rows' histogram, counting the texts
/// read; which rows read one.
fn scan_thresholded(
    lines: &GrayFrame,
    reader: &mut CodaBarReader,
    hints: &DecodeHints,
    counts: &mut HashMap<String, u32>,
) -> Vec<bool> {
    let mut read = vec![false; lines.height() as usize];
    let Ok(source) =
        Luma8LuminanceSource::new(lines.pixels().to_vec(), lines.width(), lines.height())
    else {
        return read;
    };
    let binarizer = GlobalHistogramBinarizer::new(source);
    for (y, read) in (0..lines.height()).zip(&mut read) {
        let row = binarizer.get_black_row(y as usize).ok();
        if let Some(text) = row.and_then(|r| decode_row(r, y, reader, hints)) {
            *counts.entry(text).or_default() += 1;
            *read = true;
        }
    }
    read
}

/// The text of a binarised row read either way round, if it holds enough bars.
fn decode_row(
    mut row: Cow<'_, BitArray>,
    y: u32,
    reader: &mut CodaBarReader,
    hints: &DecodeHints,
) -> Option<String> {
    if runs(&row) < MIN_RUNS {
        return None;
    }
    for attempt in 0..2 {
        if attempt == 1 {
            row.to_mut().reverse();
        }
        if let Ok(result) = reader.decode_row(y, &row, hints) {
            return Some(result.getText().to_owned());
        }
    }
    None
}

/// Bars and spaces of the shortest symbol worth reading: start, 10 digits and stop,
/// 7 elements each, with 11 gaps between them.
const MIN_RUNS: usize = 12 * 7 + 11;

/// Black and white runs in a binarised row (counting stops once a symbol would fit).
fn runs(row: &BitArray) -> usize {
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

    /// Every row of `frame` blurred by a Gaussian of `sigma` pixels.
    fn blurred(frame: &GrayFrame, sigma: f32) -> GrayFrame {
        let w = frame.width() as usize;
        let data: Vec<u8> = frame
            .pixels()
            .chunks(w)
            .flat_map(|row| ink::tests::blurred(row, sigma))
            .collect();
        GrayFrame::new(frame.width(), frame.height(), data).unwrap()
    }

    #[test]
    fn blurred_codabar_is_read_from_its_ink() {
        // (narrow element in pixels, blur σ): past what a histogram threshold reads.
        for (narrow, sigma) in [(2, 1.3), (3, 2.0)] {
            let frame = blurred(&codabar_frame("A0000012345B", narrow, 40), sigma);
            let lines = rectify::rotate_rows(&frame, 0.0, &[40, 50, 60], 0..frame.width()).unwrap();
            let (mut reader, mut counts) = (CodaBarReader::default(), HashMap::new());
            scan_thresholded(&lines, &mut reader, &DecodeHints::default(), &mut counts);
            assert!(counts.is_empty(), "a threshold reads it: {counts:?}");
            let symbols = decode_codabar(&frame, None);
            let texts: Vec<&str> = symbols.iter().map(|s| s.text.as_str()).collect();
            assert_eq!(texts, ["0000012345"], "narrow {narrow} σ {sigma}");
        }
    }

    #[test]
    fn a_decoy_label_at_the_dominant_angle_does_not_hide_the_ticket() {
        // A big non-ticket label upright, the ticket's barcode smaller and turned.
        let decoy = codabar_frame("A123456789012B", 4, 120);
        let ticket = rectify::rotate(&codabar_frame("A0000012345B", 2, 40), 30.0);
        let (w, h) = (
            decoy.width() + ticket.width() + 20,
            decoy.height().max(ticket.height()),
        );
        let mut data = vec![255u8; (w * h) as usize];
        for (part, x0) in [(&decoy, 0), (&ticket, decoy.width() + 20)] {
            for y in 0..part.height() {
                let at = (y * w + x0) as usize;
                data[at..at + part.width() as usize].copy_from_slice(part.row(y));
            }
        }
        let frame = GrayFrame::new(w, h, data).unwrap();
        assert!(Texture::of(&frame).dominant_angle().unwrap().abs() < 5.0);
        let texts: Vec<String> = decode_codabar(&frame, None)
            .into_iter()
            .map(|s| s.text)
            .collect();
        assert!(texts.contains(&"0000012345".to_owned()), "{texts:?}");
        assert!(texts.contains(&"123456789012".to_owned()), "{texts:?}");
    }

    #[test]
    fn blank_frames_give_nothing() {
        let blank = GrayFrame::new(80, 60, vec![200; 4800]).unwrap();
        assert!(decode_codabar(&blank, None).is_empty());
        assert!(decode_codabar(&blank, Some(30.0)).is_empty());
    }
}
