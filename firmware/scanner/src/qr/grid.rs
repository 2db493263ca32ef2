//! A second reading of a located symbol's modules from the gray pixels.
//!
//! The detector samples the binarised image at each module centre: on blurred, small
//! symbols a module's few pixels straddle the local-average threshold and the
//! Reed–Solomon code sees too many errors. Here the module centres are sampled from the
//! gray image (bilinear), thresholded at a level fitted to the three finder patterns'
//! own dark and light rings (so a shadow or gradient across the symbol does not matter),
//! optionally after undoing some of the blur between neighbouring modules, and the grid
//! is tried at small shifts and scales in case the detector's corners are a fraction of
//! a module off. Every attempt still has to pass the format-information BCH check and the
//! Reed–Solomon decoder. The decoder corrects as many codeword errors as the code allows
//! (it keeps no misdecode-protection margin), and a badly sampled grid can be
//! "corrected" into another valid codeword: over many attempts per symbol that chance
//! adds up. So a text is returned only when two samplings with different modules decode
//! to it, and nothing when two decode to different texts.

use rxing::Point;
use rxing::common::{BitMatrix, PerspectiveTransform, Quadrilateral};
use rxing::qrcode::cpp_port::decoder::Decode;

use crate::GrayFrame;

/// Grid placements tried: shift right and down in modules, and scale about the centre
/// (the detector's corners can be a third of a module or a few percent off).
const PLACEMENTS: [(f32, f32, f32); 7] = [
    (0.0, 0.0, 1.0),
    (0.3, 0.0, 1.0),
    (-0.3, 0.0, 1.0),
    (0.0, 0.3, 1.0),
    (0.0, -0.3, 1.0),
    (0.0, 0.0, 1.03),
    (0.0, 0.0, 0.97),
];
/// How much of the difference to the four neighbours is added back (0: none), most
/// often useful first.
const SHARPEN: [f32; 3] = [0.6, 0.0, 1.2];

/// Reads the `dim`×`dim` symbol whose outer corners (top-left, top-right, bottom-left,
/// bottom-right, in the detector's pixel convention) are `corners`, from `img`.
pub(super) fn read(img: &GrayFrame, corners: &[Point], dim: usize) -> Option<String> {
    let [tl, tr, bl, br] = corners else {
        return None;
    };
    if !(21..=177).contains(&dim) {
        return None;
    }
    // The detector reports corners half a pixel right of and below its sampling frame.
    let half = Point { x: 0.5, y: 0.5 };
    let pixels = Quadrilateral::from([*tl - half, *tr - half, *br - half, *bl - half]);
    let modules = Quadrilateral::rectangle(dim as i32, dim as i32, None);
    let to_pixel = PerspectiveTransform::quadrilateralToQuadrilateral(modules, pixels).ok()?;
    let mut values = vec![0f32; dim * dim];
    let mut bits = BitMatrix::new(dim as u32, dim as u32).ok()?;
    let centre = dim as f32 / 2.0;
    let mut agreement = Agreement::default();
    for (dx, dy, scale) in PLACEMENTS {
        for (r, row) in values.chunks_exact_mut(dim).enumerate() {
            for (c, v) in row.iter_mut().enumerate() {
                let p = to_pixel.transform_point(Point {
                    x: centre + (c as f32 + 0.5 - centre) * scale + dx,
                    y: centre + (r as f32 + 0.5 - centre) * scale + dy,
                });
                *v = img.bilinear(p.x - 0.5, p.y - 0.5);
            }
        }
        for k in SHARPEN {
            let sharp = sharpen(&values, dim, k);
            let Some(level) = Level::fit(&sharp, dim) else {
                continue;
            };
            bits.clear();
            for r in 0..dim {
                for c in 0..dim {
                    if sharp[r * dim + c] < level.at(c, r) {
                        bits.set(c as u32, r as u32);
                    }
                }
            }
            if let Ok(decoded) = Decode(&bits)
                && decoded.isValid()
            {
                match agreement.offer(decoded.text(), &bits) {
                    Verdict::Undecided => {}
                    Verdict::Believed(text) => return Some(text),
                    Verdict::Conflict => return None,
                }
            }
        }
    }
    None
}

/// Believes a decoded text only when two samplings with different modules gave it.
#[derive(Debug, Default)]
struct Agreement {
    /// The first text decoded, and the modules it was decoded from.
    first: Option<(String, BitMatrix)>,
}

/// What [`Agreement::offer`] concluded.
#[derive(Debug, PartialEq, Eq)]
enum Verdict {
    /// Not enough evidence yet.
    Undecided,
    /// A second, different sampling decoded the same text.
    Believed(String),
    /// Two samplings decoded different texts: at least one is a miscorrection.
    Conflict,
}

impl Agreement {
    /// Takes the text one sampling (`bits`) decoded to.
    fn offer(&mut self, text: String, bits: &BitMatrix) -> Verdict {
        match &self.first {
            None => {
                self.first = Some((text, bits.clone()));
                Verdict::Undecided
            }
            Some((first, _)) if *first != text => Verdict::Conflict,
            Some((_, seen)) if seen == bits => Verdict::Undecided,
            Some(_) => Verdict::Believed(text),
        }
    }
}

/// Each module's value pushed away from the mean of its four neighbours by `k` times
/// the difference: blur mixes neighbouring modules, this mixes them back apart.
fn sharpen(values: &[f32], dim: usize, k: f32) -> Vec<f32> {
    if k == 0.0 {
        return values.to_vec();
    }
    let at = |c: usize, r: usize| values[r * dim + c];
    let mut out = values.to_vec();
    for r in 1..dim - 1 {
        for c in 1..dim - 1 {
            let mean = (at(c - 1, r) + at(c + 1, r) + at(c, r - 1) + at(c, r + 1)) / 4.0;
            out[r * dim + c] = at(c, r) + k * (at(c, r) - mean);
        }
    }
    out
}

/// The dark/light decision level across the symbol: a plane through the midpoints of
/// the three finder patterns' dark and light rings.
struct Level {
    origin: f32,
    per_column: f32,
    per_row: f32,
}

impl Level {
    fn fit(values: &[f32], dim: usize) -> Option<Self> {
        let far = dim - 7;
        let mid = |x0: usize, y0: usize| -> Option<f32> {
            let (mut dark, mut light, mut nd, mut nl) = (0.0, 0.0, 0.0, 0.0);
            for y in 0..7 {
                for x in 0..7 {
                    let ring = (x as i32 - 3).abs().max((y as i32 - 3).abs());
                    let v = values[(y0 + y) * dim + x0 + x];
                    match ring {
                        3 => (dark, nd) = (dark + v, nd + 1.0),
                        2 => (light, nl) = (light + v, nl + 1.0),
                        _ => {}
                    }
                }
            }
            let (dark, light) = (dark / nd, light / nl);
            // A finder pattern whose dark ring is not clearly darker is no finder pattern.
            (light - dark > 8.0).then_some((dark + light) / 2.0)
        };
        let top_left = mid(0, 0)?;
        let top_right = mid(far, 0)?;
        let bottom_left = mid(0, far)?;
        Some(Self {
            origin: top_left,
            per_column: (top_right - top_left) / far as f32,
            per_row: (bottom_left - top_left) / far as f32,
        })
    }

    /// The level at module (`c`, `r`).
    fn at(&self, c: usize, r: usize) -> f32 {
        let (c, r) = (c as f32 - 3.0, r as f32 - 3.0);
        self.origin + self.per_column * c + self.per_row * r
    }
}

#[cfg(test)]
mod tests {
    use rxing::common::DetectorRXingResult;
    use rxing::qrcode::cpp_port::detector::{
        FindFinderPatterns, GenerateFinderPatternSets, SampleQR,
    };

    use super::super::binarize;
    use super::super::tests::camera_qr;
    use super::*;

    const TEXT: &str = "121310160000012345";

    #[test]
    fn reads_a_blurred_symbol_whose_binarised_samples_fail() {
        // 2.2 pixels a module, defocused by σ = 1 pixel.
        let frame = camera_qr(TEXT, 2.2, 0.0, 1.0);
        let matrix = binarize::local_average(&frame).unwrap();
        let mut patterns = FindFinderPatterns(&matrix, false, 0);
        let sets = GenerateFinderPatternSets(&mut patterns);
        let sampled = sets
            .iter()
            .find_map(|set| SampleQR(&matrix, set).ok())
            .unwrap();
        assert!(!Decode(sampled.getBits()).is_ok_and(|d| d.isValid()));
        let dim = sampled.getBits().width() as usize;
        assert_eq!(
            read(&frame, sampled.getPoints(), dim).as_deref(),
            Some(TEXT)
        );
    }

    #[test]
    fn a_text_needs_two_different_samplings_and_no_contradiction() {
        let mut a = BitMatrix::new(21, 21).unwrap();
        a.set(3, 4);
        let mut b = a.clone();
        b.set(10, 10);
        let mut agreement = Agreement::default();
        assert_eq!(agreement.offer(TEXT.into(), &a), Verdict::Undecided);
        assert_eq!(
            agreement.offer(TEXT.into(), &a),
            Verdict::Undecided,
            "the same modules twice are one piece of evidence"
        );
        assert_eq!(
            agreement.offer(TEXT.into(), &b),
            Verdict::Believed(TEXT.into())
        );
        let mut agreement = Agreement::default();
        agreement.offer(TEXT.into(), &a);
        assert_eq!(
            agreement.offer("121310160000012346".into(), &b),
            Verdict::Conflict
        );
    }

    #[test]
    fn noise_and_impossible_grids_give_nothing() {
        let noise: Vec<u8> = (0..200u32 * 200)
            .map(|i| (i.wrapping_mul(2_654_435_761) >> 24) as u8)
            .collect();
        let gray = GrayFrame::new(200, 200, noise).unwrap();
        let corners = [
            Point { x: 20.0, y: 20.0 },
            Point { x: 120.0, y: 25.0 },
            Point { x: 15.0, y: 120.0 },
            Point { x: 118.0, y: 122.0 },
        ];
        assert_eq!(read(&gray, &corners, 21), None);
        assert_eq!(read(&gray, &corners, 25), None);
        assert_eq!(read(&gray, &corners, 7), None);
        assert_eq!(read(&gray, &corners[..3], 21), None);
    }
}
