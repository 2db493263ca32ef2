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

/// The templates' ink height over a line's measured height: the binarisation counts
/// some of the blur around the strokes as ink, so blobs measure a little taller than
/// the printed digits.
const INK_HEIGHT: f32 = 0.95;

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

/// Blur (Gaussian σ, template pixels) of each template bank. A defocused, shaken
/// camera smears the ink of a small character over a third of its stroke gaps: the
/// sharp templates then match every digit poorly and alike, the blurred ones match the
/// right digit well. Each line is read with the bank its middle cells match best.
pub const BANK_BLUR: [f32; BANKS] = [0.0, 1.5, 3.0];
/// Number of template banks.
pub const BANKS: usize = 3;

/// The templates of bank `bank` upright (`0..10`) and turned by 180° (`10..20`).
fn templates(bank: usize) -> &'static [Template; 20] {
    static T: std::sync::OnceLock<[[Template; 20]; BANKS]> = std::sync::OnceLock::new();
    &T.get_or_init(|| std::array::from_fn(|b| bank_of(BANK_BLUR[b])))[bank.min(BANKS - 1)]
}

/// The digit `d` blurred by a Gaussian of `sigma` template pixels (ink outside the
/// cell counts as none).
fn blurred(d: usize, sigma: f32) -> Vec<f32> {
    let t: Vec<f32> = DIGITS[d].iter().map(|&v| f32::from(v)).collect();
    if sigma <= 0.0 {
        return t;
    }
    let radius = (3.0 * sigma).ceil() as i32;
    let kernel: Vec<f32> = (-radius..=radius)
        .map(|i| (-(i * i) as f32 / (2.0 * sigma * sigma)).exp())
        .collect();
    let total: f32 = kernel.iter().sum();
    let pass = |src: &[f32], horizontal: bool| -> Vec<f32> {
        let mut out = vec![0f32; src.len()];
        for y in 0..HEIGHT as i32 {
            for x in 0..WIDTH as i32 {
                let mut acc = 0f32;
                for (k, &g) in (-radius..=radius).zip(&kernel) {
                    let (sx, sy) = if horizontal { (x + k, y) } else { (x, y + k) };
                    if (0..WIDTH as i32).contains(&sx) && (0..HEIGHT as i32).contains(&sy) {
                        acc += g * src[sy as usize * WIDTH + sx as usize];
                    }
                }
                out[y as usize * WIDTH + x as usize] = acc / total;
            }
        }
        out
    };
    pass(&pass(&t, true), false)
}

/// The twenty templates (upright, then turned) at one blur.
fn bank_of(sigma: f32) -> [Template; 20] {
    let digits: Vec<Vec<f32>> = (0..10).map(|d| blurred(d, sigma)).collect();
    std::array::from_fn(|i| {
        let (d, turned) = (i % 10, i >= 10);
        let t = &digits[d];
        let mean = t.iter().sum::<f32>() / t.len() as f32;
        let norm = t
            .iter()
            .map(|&v| (v - mean).powi(2))
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
                let v = (t[sy * WIDTH + sx] - mean) / norm;
                *o = (v * ONE).round() as i16;
                sum += f32::from(*o);
            }
        }
        Template { rows, sum }
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
        let scale = line.height_at(k) * INK_HEIGHT / HEIGHT as f32; // frame pixels per template pixel
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

    /// How dark the cell's margins are and how much its ink varies: `(level, spread)`.
    /// `level` is the darkest of the four strips along the patch's edges (mean ink),
    /// which hold paper around every digit; `spread` is the standard deviation of the
    /// whole patch (about 0.43 of the ink contrast for a digit).
    pub fn shading(&self) -> (f32, f32) {
        const EDGE: usize = MARGIN + 1;
        let mean = |ys: std::ops::Range<usize>, xs: std::ops::Range<usize>| -> f32 {
            let n = (ys.len() * xs.len()).max(1) as f32;
            let sum: i32 = ys
                .flat_map(|y| self.rows[y][xs.clone()].iter().map(|&v| i32::from(v)))
                .sum();
            sum as f32 / n
        };
        let level = [
            mean(0..PH, 0..EDGE),
            mean(0..PH, PW - EDGE..PW),
            mean(0..EDGE, 0..PW),
            mean(PH - EDGE..PH, 0..PW),
        ]
        .into_iter()
        .fold(f32::NEG_INFINITY, f32::max);
        let all = mean(0..PH, 0..PW);
        let var = self.rows[..PH]
            .iter()
            .flat_map(|r| r[..PW].iter())
            .map(|&v| (f32::from(v) - all).powi(2))
            .sum::<f32>()
            / (PW * PH) as f32;
        (level, var.sqrt())
    }

    /// Best correlation of each digit (templates of `bank`, see [`BANK_BLUR`]) with the
    /// patch over all shifts, reading it upright (`turned == false`) or upside down.
    pub fn scores(&self, bank: usize, turned: bool) -> [f32; 10] {
        let t = &templates(bank)[if turned { 10..20 } else { 0..10 }];
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
    /// The best digit of the scores (of template bank `bank`), and how sure it is.
    ///
    /// The lead over the runner-up is weighed by how far apart those two templates are
    /// in that bank: blurring makes a 6 and an 8 alike, so a perfect blurred 6 leads
    /// the 8 by less than a perfect sharp one does. Under noise spread evenly over the
    /// cell, the lead's own spread grows with the distance between the two templates,
    /// `√(2(1 − ρ))`; scaling the lead by the sharp pair's distance over the blurred
    /// pair's makes a blurred lead count as the sharp lead it is as sure as. The sharp
    /// bank's confidences are unchanged.
    pub fn from_scores(s: &[f32; 10], bank: usize) -> Self {
        let mut order: [usize; 10] = std::array::from_fn(|i| i);
        order.sort_by(|&a, &b| s[b].total_cmp(&s[a]));
        let (best, second) = (s[order[0]], s[order[1]]);
        let quality = ((best - FLOOR) / (0.8 - FLOOR)).clamp(0.0, 1.0);
        let weight = lead_weights(bank)[order[0]][order[1]];
        let lead = ((best - second) * weight / FULL_LEAD).clamp(0.0, 1.0);
        CharRead {
            digit: order[0] as u8,
            score: best,
            confidence: quality * lead,
        }
    }
}

/// Correlation of the upright templates `a` and `b` of a bank.
fn correlation(bank: &[Template; 20], a: usize, b: usize) -> f32 {
    let dot: i64 = bank[a]
        .rows
        .iter()
        .zip(&bank[b].rows)
        .flat_map(|(ra, rb)| ra.iter().zip(rb))
        .map(|(&x, &y)| i64::from(x) * i64::from(y))
        .sum();
    dot as f32 / (ONE * ONE)
}

/// Per pair of digits, the factor a lead in bank `bank` is weighed by:
/// `√((1 − ρ_sharp) / (1 − ρ_bank))`, never below 1 (1 in the sharp bank).
fn lead_weights(bank: usize) -> &'static [[f32; 10]; 10] {
    static W: std::sync::OnceLock<[[[f32; 10]; 10]; BANKS]> = std::sync::OnceLock::new();
    &W.get_or_init(|| {
        std::array::from_fn(|b| {
            std::array::from_fn(|i| {
                std::array::from_fn(|j| {
                    if i == j {
                        return 1.0;
                    }
                    let sharp = 1.0 - correlation(templates(0), i, j);
                    let here = (1.0 - correlation(templates(b), i, j)).max(1e-3);
                    (sharp / here).sqrt().max(1.0)
                })
            })
        })
    })[bank.min(BANKS - 1)]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blurring_makes_digits_alike_and_their_leads_count_for_more() {
        // 6 and 8 differ by one stroke: blurred, they correlate more.
        let rho = |b: usize| correlation(templates(b), 6, 8);
        assert!(
            rho(0) < rho(1) && rho(1) < rho(2),
            "{} {} {}",
            rho(0),
            rho(1),
            rho(2)
        );
        for i in 0..10 {
            for j in 0..10 {
                assert_eq!(lead_weights(0)[i][j], 1.0, "sharp leads are as they are");
                assert!(lead_weights(2)[i][j] >= 1.0);
            }
        }
        assert!(lead_weights(2)[6][8] > 1.2, "{}", lead_weights(2)[6][8]);
        // Weighed, a perfect blurred 6's lead over the 8 grows towards a perfect sharp
        // 6's, and stays under it.
        let sharp_lead = 1.0 - rho(0);
        let blurred_lead = (1.0 - rho(2)) * lead_weights(2)[6][8];
        assert!(blurred_lead < sharp_lead + 1e-3);
        assert!(blurred_lead > (1.0 - rho(2)) * 1.2);
    }

    #[test]
    fn a_template_read_as_a_patch_is_its_own_digit_in_every_bank() {
        for (bank, &sigma) in BANK_BLUR.iter().enumerate() {
            for d in 0..10 {
                let ink = blurred(d, sigma);
                let mut rows = [[0i16; STRIDE]; PH];
                for y in 0..HEIGHT {
                    for x in 0..WIDTH {
                        rows[y + MARGIN][x + MARGIN] = ink[y * WIDTH + x].round() as i16;
                    }
                }
                let read = CharRead::from_scores(&Patch { rows }.scores(bank, false), bank);
                assert_eq!(read.digit as usize, d, "bank {bank}");
                assert!(read.score > 0.99, "bank {bank} digit {d}: {read:?}");
                // Blurred, a digit may match a shifted neighbour nearly as well (a 3
                // and a 5): only the sharp bank promises full confidence.
                if bank == 0 {
                    assert!(read.confidence > 0.99, "digit {d}: {read:?}");
                }
            }
        }
    }
}
