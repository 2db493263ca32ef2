//! The OCR-B line reader: the 18 digits printed on every ticket, with per-character
//! confidence. Pure Rust, no model download: the digit templates are compiled in
//! ([`templates`], generated from the public-domain OCR-B font by
//! `examples/ocr_templates.rs`).
//!
//! Lines of 18 evenly pitched characters are found along the ticket's axes (its angle
//! modulo 90°, from the QR or the frame's dominant edges) without turning the frame
//! ([`segment`]); when no line is read with certainty there, also along the angles the
//! frame's own rows of characters run at (a page of text behind a small ticket sets the
//! dominant edges). Each cell, sampled at the line's own angle, is matched against the
//! templates both ways up ([`classify`]), in the template bank (sharp or blurred) that
//! the line's middle cells match best.
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

/// Candidate lines classified at the hinted angle at most (half as many at each other
/// angle): a cluttered frame (other printed papers) stays bounded; the candidates come
/// best first.
const MAX_LINES: usize = 8;

/// Reads the OCR lines of the frame, best first.
///
/// `angle_hint` is the ticket's rotation (degrees counter-clockwise on screen, only its
/// value modulo 90° matters) when another symbol revealed it; otherwise the frame's
/// dominant edge direction is used. The frame is not turned: lines are found along the
/// ticket's axes and their cells sampled at the line's own angle.
pub fn read_lines(frame: &GrayFrame, angle_hint: Option<f32>) -> Vec<OcrLine> {
    let angle = rectify::ticket_angle(angle_hint, || rectify::dominant_angle(frame));
    let ink = segment::Ink::of(frame);
    let mut found = read_at(frame, &ink, angle, MAX_LINES);
    // The hinted angle may be that of something else (a page of text behind a small
    // ticket): unless a line was read with certainty, look along the angles the
    // frame's own rows of characters run at.
    if !found.iter().any(|(_, l)| l.min_confidence() >= SURE) {
        for other in ink.text_angles(angle, EXTRA_ANGLES) {
            found.extend(read_at(frame, &ink, other, MAX_LINES / 2));
        }
    }
    // Best first: the most confidence in all, then the best mean correlation (the
    // blurred templates correlate with any row of blobs, so the mean alone would put
    // a line of text at another angle first).
    let sure = |l: &OcrLine| l.confidence.iter().sum::<f32>();
    found.retain(|(_, l)| sure(l) >= MIN_MEAN_CONFIDENCE * LINE_CHARS as f32);
    found.sort_by(|a, b| {
        (sure(&b.1), b.0)
            .partial_cmp(&(sure(&a.1), a.0))
            .unwrap_or(std::cmp::Ordering::Equal)
    });
    found.into_iter().map(|(_, line)| line).collect()
}

/// Mean character confidence below which a line is not reported: rows of other print
/// read with the blurred templates may pass the correlation floor, but no cell of
/// them is sure of a digit.
const MIN_MEAN_CONFIDENCE: f32 = 0.35;

/// Per-character confidence (the policy's default bar) above which a line read at the
/// hinted angle makes looking at other angles pointless.
const SURE: f32 = 0.8;

/// Angles other than the hinted one that lines are looked for at.
const EXTRA_ANGLES: usize = 2;

/// The lines found at `angle`, read, with their mean scores; at most `budget` lines
/// are classified.
fn read_at(
    frame: &GrayFrame,
    ink: &segment::Ink,
    angle: f32,
    budget: usize,
) -> Vec<(f32, OcrLine)> {
    let candidates: Vec<segment::CellLine> = ink
        .lines(angle)
        .into_iter()
        .filter(plausible)
        .take(budget)
        .collect();
    candidates
        .iter()
        .filter_map(|line| read_line(frame, line))
        .collect()
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
    // The probe cells are read with the sharp templates first: a line whose probe
    // cells hold no digit either way up is no OCR line. Then with every other template
    // bank; the bank whose best way up scores highest there (the one nearest the
    // line's blur) reads the rest.
    let (mut upright, mut turned) = (vec![None; count], vec![None; count]);
    let (mut alive, mut sums) = ([true, true], [0f32; 2]);
    let mut probe: Vec<(usize, classify::Patch)> = Vec::new();
    let mut bank = None;
    let mut shading = vec![(0f32, 0f32); count];
    for (n, i) in middle_out(count).enumerate() {
        let patch = classify::Patch::sample(image, line, (lo + i as i32) as f32);
        shading[i] = patch.shading();
        match bank {
            None => {
                probe.push((i, patch));
                if probe.len() == PROBE_CELLS.min(count) {
                    let (chosen, reads) = choose_bank(&probe)?;
                    for ((at, _), [up, down]) in probe.iter().zip(&reads) {
                        upright[*at] = Some(*up);
                        turned[*at] = Some(*down);
                    }
                    sums = [0, 1].map(|way| reads.iter().map(|r| r[way].score).sum());
                    bank = Some(chosen);
                }
            }
            Some(b) => {
                for (way, reads) in [&mut upright, &mut turned].into_iter().enumerate() {
                    if alive[way] {
                        let read = classify::CharRead::from_scores(&patch.scores(b, way == 1), b);
                        sums[way] += read.score;
                        reads[i] = Some(read);
                    }
                }
            }
        }
        let n = (n + 1) as f32;
        if n < PROBE_CELLS as f32 || !(alive[0] && alive[1]) {
            continue;
        }
        let (up, down) = (sums[0] / n, sums[1] / n);
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
    let mut turned_shading = shading.clone();
    turned_shading.reverse();
    let sequences = [(upright, shading), (turned, turned_shading)]
        .into_iter()
        .zip(alive)
        .filter(|(_, alive)| *alive)
        .map(|((reads, shading), _)| {
            let mut reads: Vec<classify::CharRead> = reads.into_iter().flatten().collect();
            if reads.len() == shading.len() && bank.is_some_and(|b| b > 0) {
                distrust_shaded(&mut reads, &shading);
            }
            reads
        });
    // The window of 18 cells: the one with the most confidence in all, then the best
    // mean correlation. Beyond a line's ends lie the ticket's edge, the background or
    // a finger, whose ink may correlate with some digit as well as a blurred end digit
    // does, but hardly ever with one digit alone.
    let mut best: Option<((f32, f32), OcrLine)> = None;
    for reads in sequences {
        for window in reads.windows(LINE_CHARS) {
            let mean = window.iter().map(|r| r.score).sum::<f32>() / LINE_CHARS as f32;
            let sure = window.iter().map(|r| r.confidence).sum::<f32>();
            if mean < MIN_LINE_SCORE || best.as_ref().is_some_and(|b| b.0 >= (sure, mean)) {
                continue;
            }
            let digits = window.iter().map(|r| char::from(b'0' + r.digit)).collect();
            let confidence = window.iter().map(|r| r.confidence).collect();
            best = Some(((sure, mean), OcrLine { digits, confidence }));
        }
    }
    best.map(|((_, mean), line)| (mean, line))
}

/// Cells whose paper margins are darker than the line's usual paper by more than
/// [`SHADED`] of the line's ink contrast (a finger, its shadow or the ticket's edge
/// over part of the cell) keep their reading but at most [`SHADED_CONFIDENCE`]: a 2
/// whose foot is under a finger is a good blurred 7, and only the margins tell. Lines
/// read with the sharp templates are left alone: a partial glyph matches no sharp
/// digit well, and a finger's shadow near a sharp line is common.
fn distrust_shaded(reads: &mut [classify::CharRead], shading: &[(f32, f32)]) {
    let median = |mut v: Vec<f32>| -> f32 {
        v.sort_by(f32::total_cmp);
        v.get(v.len() / 2).copied().unwrap_or(0.0)
    };
    let paper = median(shading.iter().map(|s| s.0).collect());
    // A digit's cell has a spread of about 0.43 of the ink contrast.
    let contrast = median(shading.iter().map(|s| s.1).collect()) / 0.43;
    for (read, &(level, _)) in reads.iter_mut().zip(shading) {
        if level - paper > SHADED * contrast {
            read.confidence = read.confidence.min(SHADED_CONFIDENCE);
        }
    }
}

/// Darkening of a cell's margins, as a share of the line's contrast, beyond which the
/// cell is not trusted.
const SHADED: f32 = 0.5;
/// Highest confidence of a shaded cell: under the policy's bar.
const SHADED_CONFIDENCE: f32 = 0.5;

/// The template bank to read a line with, from its probe cells, and the probe cells'
/// reads (upright, turned) in it; `None` when the sharp templates find no digits there
/// either way up.
fn choose_bank(
    probe: &[(usize, classify::Patch)],
) -> Option<(usize, Vec<[classify::CharRead; 2]>)> {
    let read = |b: usize| -> Vec<[classify::CharRead; 2]> {
        probe
            .iter()
            .map(|(_, p)| {
                [false, true].map(|t| classify::CharRead::from_scores(&p.scores(b, t), b))
            })
            .collect()
    };
    // The better way up's mean score.
    let score = |reads: &[[classify::CharRead; 2]]| -> f32 {
        let n = reads.len().max(1) as f32;
        [0, 1]
            .map(|way| reads.iter().map(|r| r[way].score).sum::<f32>() / n)
            .into_iter()
            .fold(f32::NEG_INFINITY, f32::max)
    };
    let sharp = read(0);
    if score(&sharp) < MIN_LINE_SCORE {
        return None;
    }
    if score(&sharp) >= SHARP_ENOUGH {
        return Some((0, sharp)); // a sharp line: the blurred banks cannot do better
    }
    let mut best = (score(&sharp), 0, sharp);
    // Banks in order of blur: once a blurrier bank scores no better, a still blurrier
    // one will not either.
    for b in 1..classify::BANKS {
        let reads = read(b);
        let s = score(&reads);
        if s <= best.0 {
            break;
        }
        best = (s, b, reads);
    }
    Some((best.1, best.2))
}

/// Mean probe correlation with the sharp templates at which a line is read with them
/// without trying the blurred ones (most lines of a ticket held still and near).
const SHARP_ENOUGH: f32 = 0.9;

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
        // Twelve tickets side by side: all are candidates, a bounded number are read,
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
            !read.is_empty() && read.len() <= MAX_LINES + EXTRA_ANGLES * MAX_LINES / 2,
            "{}",
            read.len()
        );
        for line in &read {
            assert!(payloads.contains(&line.digits), "{line:?}");
        }
    }

    /// A ticket with only its OCR line, photographed flat: `scale` of a 1280×720
    /// frame's width, turned by `degrees`, defocused by `sigma` frame pixels, with
    /// some sensor noise.
    fn blurred_ticket(payload: &str, scale: f32, degrees: f32, sigma: f32) -> GrayFrame {
        let fonts = vrs_ticket_gen::Fonts::system().expect("fonts-ocr-b installed");
        let mut spec = vrs_ticket_gen::TicketSpec::new(payload);
        spec.qr = false;
        spec.nw7 = vrs_ticket_gen::Nw7Variant::None;
        let ticket = vrs_ticket_gen::render_ticket(&spec, &fonts, 12.0).unwrap();
        let mut scene = vrs_ticket_gen::Scene::flat(1280, 720);
        scene.scale = scale;
        scene.rotation_deg = degrees;
        scene.defocus_sigma = sigma;
        scene.noise_sigma = 3.0;
        let img = vrs_ticket_gen::camera_frame(&ticket, &scene, 11);
        let (w, h) = img.dimensions();
        GrayFrame::new(w, h, img.into_raw()).unwrap()
    }

    /// The bank `read_line`'s probe picks for the frame's best line at `degrees`.
    fn bank_of_line(frame: &GrayFrame, degrees: f32) -> usize {
        let line = segment::find_lines(frame, degrees)
            .into_iter()
            .find(plausible)
            .expect("a line");
        let probe: Vec<(usize, classify::Patch)> = (7..7 + PROBE_CELLS)
            .map(|k| (k, classify::Patch::sample(frame, &line, k as f32)))
            .collect();
        choose_bank(&probe).expect("digits in the probe cells").0
    }

    #[test]
    fn a_small_defocused_line_is_read_with_blurred_templates_and_full_confidence() {
        // Digits about 10 px tall under a 1.6 px defocus: the sharp templates match
        // every digit alike there; the blurred bank reads them all with confidence.
        let frame = blurred_ticket("131311300000000042", 0.35, 0.0, 1.3);
        assert!(bank_of_line(&frame, 0.0) > 0, "a blurred bank");
        let lines = read_lines(&frame, Some(0.0));
        let line = lines.first().expect("a line");
        assert_eq!(line.digits, "131311300000000042", "{line:?}");
        assert!(line.min_confidence() >= 0.8, "{line:?}");
        // A sharp, large line is read with the sharp templates.
        let sharp = blurred_ticket("131311300000000042", 0.8, 0.0, 0.0);
        assert_eq!(bank_of_line(&sharp, 0.0), 0);
    }

    #[test]
    fn a_ticket_on_a_page_of_other_text_is_read_at_its_own_angle() {
        // Twelve OCR lines at 0° fill the top of the frame (the dominant direction);
        // a smaller ticket below is turned by 27°. Hinted 0°, the reader still finds
        // and reads the turned ticket's line along the angle its characters run at.
        let (cols, rows) = (3u32, 2u32);
        let page: Vec<GrayFrame> = (0..cols * rows)
            .map(|i| ocr_only_ticket(&format!("1213101600000123{i:02}"), 5.0))
            .collect();
        let (tw, th) = (page[0].width(), page[0].height());
        let ticket = rectify::rotate(&ocr_only_ticket("152710041234567890", 6.0), 27.0);
        let (cw, ch) = (cols * tw, rows * th + ticket.height());
        let mut canvas = vec![255u8; (cw * ch) as usize];
        for (i, tile) in page.iter().enumerate() {
            paste(
                &mut canvas,
                cw,
                tile,
                (i as u32 % cols) * tw,
                (i as u32 / cols) * th,
            );
        }
        paste(&mut canvas, cw, &ticket, 0, rows * th);
        let frame = GrayFrame::new(cw, ch, canvas).unwrap();
        let angles = segment::Ink::of(&frame).text_angles(0.0, EXTRA_ANGLES);
        assert!(angles.iter().any(|a| (a - 27.0).abs() < 4.0), "{angles:?}");
        let read = read_lines(&frame, Some(0.0));
        assert!(
            read.iter().any(|l| l.digits == "152710041234567890"),
            "{read:?}"
        );
    }

    #[test]
    fn the_window_of_eighteen_is_the_most_confident_one() {
        // A line found short by two characters at its start still reads from its
        // first digit: the cells before it (paper and the ticket's edge) give no
        // confident digit.
        let frame = ocr_only_ticket("121310160000012345", 5.0);
        let line = segment::find_lines(&frame, 0.0)[0];
        let (step, bend) = (line.step, line.bend);
        let short = segment::CellLine {
            origin: line.center(2.0),
            step: (step.0 + 4.0 * bend.0, step.1 + 4.0 * bend.1),
            height: line.height_at(2.0),
            cells: 16,
            members: 16,
            ..line
        };
        let (_, read) = read_line(&frame, &short).expect("a reading");
        assert_eq!(read.digits, "121310160000012345", "{read:?}");
    }

    #[test]
    fn a_cell_with_shaded_margins_is_never_confident() {
        let sure = classify::CharRead {
            digit: 7,
            score: 0.95,
            confidence: 1.0,
        };
        let mut reads = vec![sure; 18];
        // Paper margins at ink level 20, digits spreading 40 (contrast about 93); the
        // last cell's margins are under a finger's shadow (ink 80).
        let mut shading = vec![(20.0, 40.0); 18];
        shading[17].0 = 80.0;
        shading[3].0 = 30.0; // a little darker: still paper
        distrust_shaded(&mut reads, &shading);
        assert!(reads[17].confidence <= SHADED_CONFIDENCE);
        assert_eq!(reads[17].digit, 7, "the reading stays");
        assert!(reads[..17].iter().all(|r| r.confidence == 1.0));
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
