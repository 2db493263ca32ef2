//! Classifying character cells against the OCR-B digit templates.
//!
//! Each cell is resampled into the template grid (plus a margin for small
//! misalignments) along the line's own direction, then compared with every digit by
//! normalised cross-correlation at every shift within the margin. The confidence of a
//! character grows with how well the best digit matches and how far ahead of the
//! runner-up it is: an OCR-B 1 that looks a little like a 4 gets a low confidence, not
//! a wrong answer with a high one.

use super::segment::CellLine;
use super::templates::{DIGITS, HEIGHT, WIDTH};
use crate::GrayFrame;

/// Template pixels of play around a cell in each direction.
const MARGIN: usize = 2;
const PW: usize = WIDTH + 2 * MARGIN;
const PH: usize = HEIGHT + 2 * MARGIN;

/// Correlation at or below which a match means nothing.
const FLOOR: f32 = 0.45;
/// Correlation lead over the runner-up that earns full confidence.
const FULL_LEAD: f32 = 0.18;

/// The zero-mean, unit-norm templates.
fn templates() -> &'static [[f32; WIDTH * HEIGHT]; 10] {
    static T: std::sync::OnceLock<[[f32; WIDTH * HEIGHT]; 10]> = std::sync::OnceLock::new();
    T.get_or_init(|| {
        let mut out = [[0f32; WIDTH * HEIGHT]; 10];
        for (d, t) in DIGITS.iter().enumerate() {
            let mean = t.iter().map(|&v| f32::from(v)).sum::<f32>() / t.len() as f32;
            let norm = t
                .iter()
                .map(|&v| (f32::from(v) - mean).powi(2))
                .sum::<f32>()
                .sqrt()
                .max(1e-6);
            for (o, &v) in out[d].iter_mut().zip(t.iter()) {
                *o = (f32::from(v) - mean) / norm;
            }
        }
        out
    })
}

fn bilinear(frame: &GrayFrame, x: f32, y: f32) -> f32 {
    let (w, h) = (frame.width() as usize, frame.height() as usize);
    let x = x.clamp(0.0, (w - 1) as f32);
    let y = y.clamp(0.0, (h - 1) as f32);
    let (x0, y0) = (x as usize, y as usize);
    let (x1, y1) = ((x0 + 1).min(w - 1), (y0 + 1).min(h - 1));
    let (fx, fy) = (x - x0 as f32, y - y0 as f32);
    let px = frame.pixels();
    let p = |xx: usize, yy: usize| f32::from(px[yy * w + xx]);
    let top = p(x0, y0) + (p(x1, y0) - p(x0, y0)) * fx;
    let bottom = p(x0, y1) + (p(x1, y1) - p(x0, y1)) * fx;
    top + (bottom - top) * fy
}

/// Ink (255 − gray) of cell `k` resampled into the padded template grid. `reversed`
/// reads the line upside down (cells and pixels turned by 180°).
fn sample_cell(frame: &GrayFrame, line: &CellLine, k: f32, reversed: bool) -> Vec<f32> {
    let (cx, cy) = line.center(k);
    let len = (line.step.0.powi(2) + line.step.1.powi(2)).sqrt().max(1e-3);
    let sign = if reversed { -1.0 } else { 1.0 };
    let u = (sign * line.step.0 / len, sign * line.step.1 / len);
    let v = (-u.1, u.0);
    let scale = line.height / HEIGHT as f32; // frame pixels per template pixel
    let mut out = Vec::with_capacity(PW * PH);
    for ty in 0..PH {
        let b = (ty as f32 + 0.5 - PH as f32 / 2.0) * scale;
        for tx in 0..PW {
            let a = (tx as f32 + 0.5 - PW as f32 / 2.0) * scale;
            let x = cx + u.0 * a + v.0 * b;
            let y = cy + u.1 * a + v.1 * b;
            out.push(255.0 - bilinear(frame, x, y));
        }
    }
    out
}

/// Best correlation of each digit with the patch over all shifts.
fn scores(patch: &[f32]) -> [f32; 10] {
    let t = templates();
    let mut best = [-1f32; 10];
    let n = (WIDTH * HEIGHT) as f32;
    for sy in 0..=2 * MARGIN {
        for sx in 0..=2 * MARGIN {
            let window = |ty: usize, tx: usize| patch[(ty + sy) * PW + tx + sx];
            let mut sum = 0f32;
            for ty in 0..HEIGHT {
                for tx in 0..WIDTH {
                    sum += window(ty, tx);
                }
            }
            let mean = sum / n;
            let mut var = 0f32;
            for ty in 0..HEIGHT {
                for tx in 0..WIDTH {
                    var += (window(ty, tx) - mean).powi(2);
                }
            }
            if var < 1.0 {
                continue; // a blank cell matches nothing
            }
            let norm = var.sqrt();
            for (d, tpl) in t.iter().enumerate() {
                let mut dot = 0f32;
                for ty in 0..HEIGHT {
                    let row = &tpl[ty * WIDTH..(ty + 1) * WIDTH];
                    for (tx, &tv) in row.iter().enumerate() {
                        dot += tv * window(ty, tx);
                    }
                }
                best[d] = best[d].max(dot / norm);
            }
        }
    }
    best
}

/// One classified character.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CharRead {
    /// The digit.
    pub digit: u8,
    /// Its best correlation.
    pub score: f32,
    /// Confidence in `0.0..=1.0`.
    pub confidence: f32,
}

/// Classifies cell `k` of the line.
pub fn classify(frame: &GrayFrame, line: &CellLine, k: f32, reversed: bool) -> CharRead {
    let s = scores(&sample_cell(frame, line, k, reversed));
    let mut order: Vec<usize> = (0..10).collect();
    order.sort_by(|&a, &b| s[b].total_cmp(&s[a]));
    let (best, second) = (s[order[0]], s[order[1]]);
    let quality = ((best - FLOOR) / (0.8 - FLOOR)).clamp(0.0, 1.0);
    let lead = ((best - second) / FULL_LEAD).clamp(0.0, 1.0);
    CharRead {
        digit: order[0] as u8,
        score: best,
        confidence: quality * lead,
    }
}
