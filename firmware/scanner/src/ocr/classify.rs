//! Classifying character cells against the OCR-B digit templates.
//!
//! Each cell is resampled once into the template grid (plus a margin for small
//! misalignments) along the line's own direction, then compared with every digit by
//! normalised cross-correlation at every shift within the margin — both ways up: the
//! cell read upside down is the same patch turned by 180°, which matches the templates
//! turned by 180° at the mirrored shift, so one sampling serves both readings. The
//! correlations run on 16-bit integers (templates scaled by 2¹⁴), rows padded to 24 so
//! that the compiler vectorises them.
//!
//! The confidence of a character grows with how well the best digit matches and how far
//! ahead of the runner-up it is: an OCR-B 1 that looks a little like a 4 gets a low
//! confidence, not a wrong answer with a high one.

use super::segment::CellLine;
use super::templates::{DIGITS, HEIGHT, WIDTH};
use crate::GrayFrame;

/// Template pixels of play around a cell in each direction.
const MARGIN: usize = 2;
/// Sampled patch: the template grid plus the margin on every side.
const PW: usize = WIDTH + 2 * MARGIN;
const PH: usize = HEIGHT + 2 * MARGIN;
/// Template row length in memory: `WIDTH` padded with zeros.
const TW: usize = 24;
/// Patch row length in memory: room for a template row at every shift.
const STRIDE: usize = 32;
/// Fixed-point scale of the templates.
const ONE: f32 = 16384.0;

/// Correlation at or below which a match means nothing.
const FLOOR: f32 = 0.45;
/// Correlation lead over the runner-up that earns full confidence.
const FULL_LEAD: f32 = 0.18;

/// One digit template, zero-mean and unit-norm, in fixed point.
struct Template {
    rows: [[i16; TW]; HEIGHT],
    /// Sum of the quantised values (not exactly 0): corrects the window mean.
    sum: f32,
}

/// The templates upright (`0..10`) and turned by 180° (`10..20`).
fn templates() -> &'static [Template; 20] {
    static T: std::sync::OnceLock<[Template; 20]> = std::sync::OnceLock::new();
    T.get_or_init(|| {
        std::array::from_fn(|i| {
            let (d, turned) = (i % 10, i >= 10);
            let t = &DIGITS[d];
            let mean = t.iter().map(|&v| f32::from(v)).sum::<f32>() / t.len() as f32;
            let norm = t
                .iter()
                .map(|&v| (f32::from(v) - mean).powi(2))
                .sum::<f32>()
                .sqrt()
                .max(1e-6);
            let mut rows = [[0i16; TW]; HEIGHT];
            let mut sum = 0f32;
            for (ty, row) in rows.iter_mut().enumerate() {
                for (tx, o) in row.iter_mut().take(WIDTH).enumerate() {
                    let (sy, sx) = if turned {
                        (HEIGHT - 1 - ty, WIDTH - 1 - tx)
                    } else {
                        (ty, tx)
                    };
                    let v = (f32::from(t[sy * WIDTH + sx]) - mean) / norm;
                    *o = (v * ONE).round() as i16;
                    sum += f32::from(*o);
                }
            }
            Template { rows, sum }
        })
    })
}

/// A cell resampled into the padded template grid: ink (255 − gray), upright as the
/// line reads along its step.
pub struct Patch {
    rows: [[i16; STRIDE]; PH],
}

impl Patch {
    /// Samples cell `k` of the line.
    pub fn sample(frame: &GrayFrame, line: &CellLine, k: f32) -> Self {
        let (cx, cy) = line.center(k);
        let u = line.along(k);
        let v = line.down(k);
        let scale = line.height_at(k) / HEIGHT as f32; // frame pixels per template pixel
        let mut rows = [[0i16; STRIDE]; PH];
        for (ty, row) in rows.iter_mut().enumerate() {
            let b = (ty as f32 + 0.5 - PH as f32 / 2.0) * scale;
            for (tx, o) in row.iter_mut().take(PW).enumerate() {
                let a = (tx as f32 + 0.5 - PW as f32 / 2.0) * scale;
                let x = cx + u.0 * a + v.0 * b;
                let y = cy + u.1 * a + v.1 * b;
                *o = (255.0 - frame.bilinear(x, y)).round() as i16;
            }
        }
        Self { rows }
    }

    /// Best correlation of each digit with the patch over all shifts, reading it
    /// upright (`turned == false`) or upside down.
    pub fn scores(&self, turned: bool) -> [f32; 10] {
        let t = &templates()[if turned { 10..20 } else { 0..10 }];
        // Window sums and sums of squares from summed-area tables.
        let mut sat = [[0i32; PW + 1]; PH + 1];
        let mut sat2 = [[0i64; PW + 1]; PH + 1];
        for y in 0..PH {
            let (mut row, mut row2) = (0i32, 0i64);
            for x in 0..PW {
                let p = i32::from(self.rows[y][x]);
                row += p;
                row2 += i64::from(p * p);
                sat[y + 1][x + 1] = sat[y][x + 1] + row;
                sat2[y + 1][x + 1] = sat2[y][x + 1] + row2;
            }
        }
        let n = (WIDTH * HEIGHT) as f32;
        let mut best = [-1f32; 10];
        for sy in 0..=2 * MARGIN {
            for sx in 0..=2 * MARGIN {
                let (y1, x1) = (sy + HEIGHT, sx + WIDTH);
                let sum = (sat[y1][x1] - sat[sy][x1] - sat[y1][sx] + sat[sy][sx]) as f32;
                let sum2 = (sat2[y1][x1] - sat2[sy][x1] - sat2[y1][sx] + sat2[sy][sx]) as f32;
                let var = sum2 - sum * sum / n;
                if var < 1.0 {
                    continue; // a blank cell matches nothing
                }
                let norm = var.sqrt() * ONE;
                let mean = sum / n;
                for (b, tpl) in best.iter_mut().zip(t) {
                    let dot = self.dot(tpl, sy, sx) as f32 - mean * tpl.sum;
                    *b = b.max(dot / norm);
                }
            }
        }
        best
    }

    fn dot(&self, tpl: &Template, sy: usize, sx: usize) -> i32 {
        let mut acc = 0i32;
        for (trow, prow) in tpl.rows.iter().zip(&self.rows[sy..sy + HEIGHT]) {
            let prow: &[i16; TW] = prow[sx..sx + TW].try_into().expect("row fits the stride");
            acc += trow
                .iter()
                .zip(prow)
                .map(|(&a, &b)| i32::from(a) * i32::from(b))
                .sum::<i32>();
        }
        acc
    }
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

impl CharRead {
    /// The best digit of the scores, and how sure it is.
    pub fn from_scores(s: &[f32; 10]) -> Self {
        let mut order: [usize; 10] = std::array::from_fn(|i| i);
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
}
