//! The OCR-B line reader: the 18 digits printed on every ticket, with per-character
//! confidence. Pure Rust, no model download: the digit templates are compiled in
//! ([`templates`], generated from the public-domain OCR-B font by
//! `examples/ocr_templates.rs`).
//!
//! Lines of 18 evenly pitched characters are found along the ticket's axes (its angle
//! modulo 90°, from the QR or the frame's dominant edges) without turning the frame
//! ([`segment`]), and each cell, sampled at the line's own angle, is matched against
//! the templates both ways up ([`classify`]).
//!
//! The policy ([`crate::policy`]) treats an OCR line as the weakest evidence: it needs an
//! NW-7 read agreeing on the shared digits, or the same confident digits in several
//! consecutive frames.

pub mod classify;
pub mod segment;
pub mod templates;

use crate::{GrayFrame, rectify};
use segment::LINE_CHARS;

/// Mean correlation below which a line of cells is not reported as an OCR line at all.
const MIN_LINE_SCORE: f32 = 0.5;

/// One OCR line: its digits and how sure the reader is of each.
#[derive(Debug, Clone, PartialEq)]
pub struct OcrLine {
    /// The characters read, in reading order (normally 18 ASCII digits).
    pub digits: String,
    /// Confidence of each character in `0.0..=1.0`, same length as `digits`.
    pub confidence: Vec<f32>,
}

impl OcrLine {
    /// A line whose every character has the same confidence.
    pub fn uniform(digits: &str, confidence: f32) -> Self {
        Self {
            digits: digits.to_owned(),
            confidence: vec![confidence; digits.chars().count()],
        }
    }

    /// The lowest per-character confidence (0 for an empty line or missing values).
    pub fn min_confidence(&self) -> f32 {
        if self.confidence.len() != self.digits.chars().count() || self.confidence.is_empty() {
            return 0.0;
        }
        self.confidence
            .iter()
            .map(|&c| if c.is_nan() { 0.0 } else { c })
            .fold(f32::INFINITY, f32::min)
            .max(0.0)
    }

    /// Whether every character in `range` (character indices) reaches `bar`.
    pub fn confident_over(&self, range: std::ops::Range<usize>, bar: f32) -> bool {
        self.confidence.len() == self.digits.chars().count()
            && range.end <= self.confidence.len()
            && self.confidence[range].iter().all(|&c| c >= bar)
    }
}

/// Middle cells of a line read both ways up before either is given up; a line whose
/// probe cells reach [`MIN_LINE_SCORE`] neither way is no OCR line.
const PROBE_CELLS: usize = 4;

/// Middle cells read both ways up before the way that trails may be given up: one
/// smudged or glared cell moves the mean of 4 by about [`ORIENTATION_MARGIN`], the mean
/// of 8 by half of it, and a line read the wrong way up must not be all that is left.
const ORIENTATION_CELLS: usize = 8;

/// Mean correlation lead (over the cells read so far, at least [`ORIENTATION_CELLS`])
/// beyond which the other way up is no longer read. On the test frames (168 lines with a
/// reading) a lead of 0.05 never dropped the way that won; this leaves room.
const ORIENTATION_MARGIN: f32 = 0.08;

/// Candidate lines classified per frame at most: a cluttered frame (other printed
/// papers) stays bounded; the candidates come best first.
const MAX_LINES: usize = 8;

/// Reads the OCR lines of the frame, best first.
///
/// `angle_hint` is the ticket's rotation (degrees counter-clockwise on screen, only its
/// value modulo 90° matters) when another symbol revealed it; otherwise the frame's
/// dominant edge direction is used. The frame is not turned: lines are found along the
/// ticket's axes and their cells sampled at the line's own angle.
pub fn read_lines(frame: &GrayFrame, angle_hint: Option<f32>) -> Vec<OcrLine> {
    let angle = rectify::ticket_angle(angle_hint, || rectify::dominant_angle(frame));
    let mut found: Vec<(f32, OcrLine)> = segment::find_lines(frame, angle)
        .iter()
        .filter(|line| plausible(line))
        .take(MAX_LINES)
        .filter_map(|line| read_line(frame, line))
        .collect();
    found.sort_by(|a, b| b.0.total_cmp(&a.0));
    found.into_iter().map(|(_, line)| line).collect()
}

/// Whether a fitted line can hold an 18-digit reading at all.
fn plausible(line: &segment::CellLine) -> bool {
    (LINE_CHARS - 4..=LINE_CHARS + 6).contains(&line.cells)
}

/// The best 18-cell reading of a fitted line, either way up, with its mean score.
fn read_line(image: &GrayFrame, line: &segment::CellLine) -> Option<(f32, OcrLine)> {
    let cells = line.cells;
    if !plausible(line) {
        return None;
    }
    // Cells to read: the fitted ones, plus enough on each side to complete 18.
    let extra = LINE_CHARS.saturating_sub(cells) as i32;
    let (lo, hi) = (-extra, cells as i32 - 1 + extra);
    let count = (hi - lo + 1) as usize;
    // Cells from the middle outwards (the middle ones are in every 18-cell window),
    // both ways up until one way is clearly behind: OCR-B digits turned by 180° still
    // look like digits, so the lead needs a few cells to show.
    let (mut upright, mut turned) = (vec![None; count], vec![None; count]);
    let (mut alive, mut sums) = ([true, true], [0f32; 2]);
    for (n, i) in middle_out(count).enumerate() {
        let patch = classify::Patch::sample(image, line, (lo + i as i32) as f32);
        for (way, reads) in [&mut upright, &mut turned].into_iter().enumerate() {
            if alive[way] {
                let read = classify::CharRead::from_scores(&patch.scores(way == 1));
                sums[way] += read.score;
                reads[i] = Some(read);
            }
        }
        let n = (n + 1) as f32;
        if n < PROBE_CELLS as f32 || !(alive[0] && alive[1]) {
            continue;
        }
        let (up, down) = (sums[0] / n, sums[1] / n);
        if n == PROBE_CELLS as f32 && up.max(down) < MIN_LINE_SCORE {
            return None; // no digits either way up: not an OCR line
        }
        if n < ORIENTATION_CELLS as f32 {
            continue;
        }
        if up < down - ORIENTATION_MARGIN {
            alive[0] = false;
        } else if down < up - ORIENTATION_MARGIN {
            alive[1] = false;
        }
    }
    // Reading upside down, the last cell comes first.
    turned.reverse();
    let sequences = [upright, turned]
        .into_iter()
        .zip(alive)
        .filter(|(_, alive)| *alive)
        .map(|(reads, _)| reads.into_iter().flatten().collect::<Vec<_>>());
    let mut best: Option<(f32, OcrLine)> = None;
    for reads in sequences {
        for window in reads.windows(LINE_CHARS) {
            let mean = window.iter().map(|r| r.score).sum::<f32>() / LINE_CHARS as f32;
            if mean < MIN_LINE_SCORE || best.as_ref().is_some_and(|b| b.0 >= mean) {
                continue;
            }
            let digits = window.iter().map(|r| char::from(b'0' + r.digit)).collect();
            let confidence = window.iter().map(|r| r.confidence).collect();
            best = Some((mean, OcrLine { digits, confidence }));
        }
    }
    best
}

/// Indices `0..count` from the middle outwards.
fn middle_out(count: usize) -> impl Iterator<Item = usize> {
    let mid = count / 2;
    (0..count).map(move |n| {
        if n % 2 == 0 {
            mid + n / 2
        } else {
            mid - 1 - n / 2
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn confidence_summaries() {
        let mut line = OcrLine::uniform("121310160000012345", 0.9);
        assert_eq!(line.min_confidence(), 0.9);
        line.confidence[3] = 0.4;
        assert_eq!(line.min_confidence(), 0.4);
        assert!(line.confident_over(4..18, 0.8));
        assert!(!line.confident_over(0..8, 0.8));
        assert!(!line.confident_over(0..19, 0.0));
        line.confidence[3] = f32::NAN;
        assert_eq!(line.min_confidence(), 0.0, "NaN is no confidence");
        assert!(!line.confident_over(0..18, 0.1));
        line.confidence.pop();
        assert_eq!(
            line.min_confidence(),
            0.0,
            "length mismatch is no confidence"
        );
    }

    /// A flat ticket with only its OCR line printed, at `px_per_mm`.
    fn ocr_only_ticket(payload: &str, px_per_mm: f32) -> GrayFrame {
        let fonts = vrs_ticket_gen::Fonts::system().expect("fonts-ocr-b installed");
        let mut spec = vrs_ticket_gen::TicketSpec::new(payload);
        spec.qr = false;
        spec.nw7 = vrs_ticket_gen::Nw7Variant::None;
        let img = vrs_ticket_gen::render_ticket(&spec, &fonts, px_per_mm).unwrap();
        let (w, h) = img.dimensions();
        GrayFrame::new(w, h, img.into_raw()).unwrap()
    }

    #[test]
    fn reads_the_line_of_a_flat_ticket_with_full_confidence() {
        let frame = ocr_only_ticket("121310160000012345", 5.0);
        let lines = read_lines(&frame, None);
        let line = lines.first().expect("a line");
        assert_eq!(line.digits, "121310160000012345");
        assert!(line.min_confidence() >= 0.8, "{line:?}");
    }

    #[test]
    fn reads_the_line_at_any_rotation() {
        let frame = ocr_only_ticket("152710041234567890", 5.0);
        for degrees in [20.0f32, -35.0, 90.0, 135.0, 180.0, 250.0] {
            let turned = rectify::rotate(&frame, degrees);
            let lines = read_lines(&turned, None);
            assert_eq!(
                lines.first().map(|l| l.digits.as_str()),
                Some("152710041234567890"),
                "{degrees}°"
            );
            // The QR's angle, when known, gives the same answer.
            let hinted = read_lines(&turned, Some(degrees));
            assert_eq!(
                hinted.first().map(|l| l.digits.as_str()),
                Some("152710041234567890")
            );
        }
    }

    #[test]
    fn a_smudged_digit_gets_a_low_confidence_not_a_confident_wrong_answer() {
        let frame = ocr_only_ticket("110110610000000001", 5.0);
        let clean = read_lines(&frame, None).first().expect("a line").clone();
        assert!(clean.min_confidence() >= 0.8);
        // Grey out the right half of the fourth character cell (the second `1` of 011061).
        let line = segment::find_lines(&frame, 0.0)[0];
        let (cx, cy) = line.center(3.0);
        let w = frame.width();
        let mut px = frame.clone().into_pixels();
        let half = line.height / 2.0;
        for y in (cy - half) as u32..(cy + half) as u32 {
            for x in cx as u32..(cx + line.step.0 / 2.0) as u32 {
                px[(y * w + x) as usize] = 60;
            }
        }
        let smudged = GrayFrame::new(w, frame.height(), px).unwrap();
        let read = read_lines(&smudged, None);
        let l = read.first().expect("the line is still found");
        assert_eq!(l.digits.len(), 18);
        if l.digits != clean.digits {
            assert!(l.min_confidence() < 0.8, "confident misread: {l:?}");
        }
        assert!(l.confidence[3] < 0.8, "{l:?}");
    }

    /// Pastes `tile` into `canvas` (width `cw`) at `(x, y)`.
    fn paste(canvas: &mut [u8], cw: u32, tile: &GrayFrame, x: u32, y: u32) {
        for ty in 0..tile.height() {
            let at = ((y + ty) * cw + x) as usize;
            canvas[at..at + tile.width() as usize].copy_from_slice(tile.row(ty));
        }
    }

    #[test]
    fn lines_at_any_angle_are_found_along_the_ticket_axes_without_turning_the_frame() {
        let frame = ocr_only_ticket("152710041234567890", 5.0);
        // The OCR line among the candidates (the ticket's Japanese text gives others):
        // 18 cells along the ticket's u axis, (cos, −sin) on screen, either way.
        let ocr_line = |frame: &GrayFrame, degrees: f32| {
            let (c, s) = (degrees.to_radians().cos(), -degrees.to_radians().sin());
            segment::find_lines(frame, degrees).into_iter().find(|l| {
                let (ux, uy) = l.along(0.0);
                l.cells == LINE_CHARS && (ux * c + uy * s).abs() > 0.999
            })
        };
        let flat = ocr_line(&frame, 0.0).expect("the flat line");
        for degrees in [30.0f32, 120.0, -75.0] {
            let turned = rectify::rotate(&frame, degrees);
            let line = ocr_line(&turned, degrees).expect("the turned line");
            let (mid, flat_mid) = (line.cells as f32 / 2.0, flat.cells as f32 / 2.0);
            let height = flat.height_at(flat_mid);
            assert!(
                (line.height_at(mid) - height).abs() < 0.15 * height,
                "{line:?}"
            );
            let pitch = line.step.0.hypot(line.step.1);
            let flat_pitch = flat.step.0.hypot(flat.step.1);
            assert!((pitch - flat_pitch).abs() < 0.05 * flat_pitch, "{line:?}");
        }
    }

    #[test]
    fn a_tilted_ticket_is_read_to_the_last_digit() {
        // Perspective: pitch and height change along the line.
        let fonts = vrs_ticket_gen::Fonts::system().expect("fonts-ocr-b installed");
        let mut spec = vrs_ticket_gen::TicketSpec::new("131310160987654321");
        spec.qr = false;
        spec.nw7 = vrs_ticket_gen::Nw7Variant::None;
        let ticket = vrs_ticket_gen::render_ticket(&spec, &fonts, 12.0).unwrap();
        let mut scene = vrs_ticket_gen::Scene::flat(1280, 720);
        scene.tilt_deg = 30.0;
        scene.tilt_axis_deg = 90.0;
        scene.rotation_deg = 20.0;
        scene.scale = 0.7;
        let img = vrs_ticket_gen::camera_frame(&ticket, &scene, 7);
        let (w, h) = img.dimensions();
        let frame = GrayFrame::new(w, h, img.into_raw()).unwrap();
        let lines = read_lines(&frame, None);
        let line = lines.first().expect("a line");
        // Far from square-on the confidence drops, but the digits stay right (a
        // constant pitch and height read the far end wrong).
        assert_eq!(line.digits, "131310160987654321", "{line:?}");
    }

    #[test]
    fn a_frame_full_of_lines_reads_a_bounded_number_of_them() {
        // Twelve tickets side by side: all are candidates, at most MAX_LINES are read,
        // and every reading is one of the printed lines.
        let (cols, rows) = (3u32, 4u32);
        let payloads: Vec<String> = (0..cols * rows)
            .map(|i| format!("1213101600000123{i:02}"))
            .collect();
        let tiles: Vec<GrayFrame> = payloads.iter().map(|p| ocr_only_ticket(p, 6.0)).collect();
        let (tw, th) = (tiles[0].width(), tiles[0].height());
        let (cw, ch) = (cols * tw, rows * th);
        let mut canvas = vec![255u8; (cw * ch) as usize];
        for (i, tile) in tiles.iter().enumerate() {
            let (c, r) = (i as u32 % cols, i as u32 / cols);
            paste(&mut canvas, cw, tile, c * tw, r * th);
        }
        let frame = GrayFrame::new(cw, ch, canvas).unwrap();
        assert!(segment::find_lines(&frame, 0.0).len() >= 12);
        let read = read_lines(&frame, Some(0.0));
        assert!(
            !read.is_empty() && read.len() <= MAX_LINES,
            "{}",
            read.len()
        );
        for line in &read {
            assert!(payloads.contains(&line.digits), "{line:?}");
        }
    }

    #[test]
    fn cells_are_visited_from_the_middle_out_once_each() {
        for count in [1usize, 2, 17, 18, 24] {
            let order: Vec<usize> = middle_out(count).collect();
            let mut sorted = order.clone();
            sorted.sort_unstable();
            assert_eq!(sorted, (0..count).collect::<Vec<_>>());
            assert_eq!(order[0], count / 2);
        }
    }

    #[test]
    fn blank_and_noise_frames_have_no_line() {
        let blank = GrayFrame::new(200, 100, vec![240; 20_000]).unwrap();
        assert!(read_lines(&blank, None).is_empty());
        let noise: Vec<u8> = (0..200u32 * 100)
            .map(|i| (i.wrapping_mul(2_654_435_761) >> 24) as u8)
            .collect();
        let noise = GrayFrame::new(200, 100, noise).unwrap();
        assert!(read_lines(&noise, None).is_empty());
    }
}
