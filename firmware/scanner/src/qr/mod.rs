//! QR code (model 2) reading.
//!
//! Only what the ticket carries is looked for: QR model 2, never Micro QR or rMQR. Every
//! QR symbol in the frame is returned, so that the policy can notice two tickets at once.
//!
//! 1. First look: the frame is binarised once with a local-average threshold
//!    (`binarize`, ZXing's hybrid rule built a word at a time) and searched for finder
//!    patterns; rxing's port of the ZXing-C++ detector samples and decodes each triple
//!    (`locate`). A triple whose binarised samples fail the error correction is read
//!    again from the gray pixels (`grid`).
//! 2. Second look, only when the first read nothing: the few regions where finder-pattern
//!    candidates were left over are cut out, doubled in size (`resample`) and looked at
//!    again the same way. Small, blurred symbols (2–3 pixels a module) whose third finder
//!    pattern the first look missed are read here. The regions are small and few, so a
//!    frame without a ticket costs little more than the first look. Once the first look
//!    has read a symbol, a second one that only this look could read is not looked for.
//! 3. Third look, only when the first two read nothing: defocus and motion blur thicken
//!    a finder pattern's dark rings past the proportions the detector accepts, so on a
//!    blurred mid-sized symbol it finds no candidate at all. Looser finder patterns
//!    (`blurred`: any dark–light–dark–light–dark crossing along the row, the column and
//!    both diagonals with the widest core; a pair completed by looking where its third
//!    must be) locate the symbol; only the region they span is doubled and sharpened
//!    (`resample`) and read like the others, then from the loose triples themselves.
//!
//! The work per frame is bounded however many finder-like shapes it holds (see the
//! `MAX_*` limits here and in `locate`).

mod binarize;
mod blurred;
mod grid;
mod locate;
mod resample;

use rxing::Point;
use rxing::common::BitMatrix;
use rxing::common::cpp_essentials::ConcentricPattern;

use crate::GrayFrame;

/// One decoded QR symbol.
#[derive(Debug, Clone, PartialEq)]
pub struct QrSymbol {
    /// The decoded text (error-corrected by the symbol's Reed–Solomon code).
    pub text: String,
    /// The symbol's rotation in degrees (direction of its top edge, counter-clockwise
    /// on screen), when the decoder reported its corners.
    pub angle: Option<f32>,
}

/// Decodes every QR code (model 2) in the frame.
pub fn decode_qr(frame: &GrayFrame) -> Vec<QrSymbol> {
    let (mut symbols, leftover, matrix) = first_look(frame);
    if symbols.is_empty() {
        second_look(frame, &leftover, &mut symbols);
    }
    if symbols.is_empty()
        && let Some(matrix) = matrix
    {
        third_look(frame, &matrix, &mut symbols);
    }
    symbols
}

/// The whole frame at full size: the symbols read, and the finder-pattern candidates
/// that are no part of them.
fn first_look(full: &GrayFrame) -> (Vec<QrSymbol>, Vec<ConcentricPattern>, Option<BitMatrix>) {
    let mut symbols = Vec::new();
    let Some(matrix) = binarize::local_average(full) else {
        return (symbols, Vec::new(), None);
    };
    let look = locate::decode(full, &matrix, locate::finder_patterns(&matrix, false));
    for found in look.found {
        add(&mut symbols, found, 1.0, (0.0, 0.0));
    }
    (symbols, look.leftover, Some(matrix))
}

/// Twice the size, around groups of finder-pattern candidates: a small blurred symbol
/// whose third finder pattern the first look missed, or whose modules it mis-sampled.
fn second_look(full: &GrayFrame, patterns: &[ConcentricPattern], symbols: &mut Vec<QrSymbol>) {
    let (width, height) = (full.width() as usize, full.height() as usize);
    for roi in regions(patterns, width, height) {
        let Some(big) = resample::double(full, roi.x0, roi.y0, roi.width, roi.height) else {
            continue;
        };
        let Some(matrix) = binarize::local_average(&big) else {
            continue;
        };
        let look = locate::decode(&big, &matrix, locate::finder_patterns(&matrix, true));
        for found in look.found {
            add(symbols, found, 2.0, (roi.x0 as f32, roi.y0 as f32));
        }
    }
}

/// At most this many regions around blurred finder-pattern triples get a third look.
const MAX_BLURRED_REGIONS: usize = 1;
/// Unsharp masking of the doubled region: window radius (pixels) and amount.
const SHARPEN_RADIUS: usize = 2;
const SHARPEN_AMOUNT: f32 = 1.5;

/// Twice the size and sharpened, around triples of blurred finder patterns (whose rings
/// blur has thickened past what the detector accepts): defocus and motion blur that
/// spoil the modules of a mid-sized symbol.
fn third_look(full: &GrayFrame, matrix: &BitMatrix, symbols: &mut Vec<QrSymbol>) {
    let (width, height) = (full.width() as f32, full.height() as f32);
    let mut looked: Vec<Region> = Vec::new();
    for t in blurred::all_triples(matrix) {
        if looked.len() == MAX_BLURRED_REGIONS || !symbols.is_empty() {
            break;
        }
        let far = t.top_right + t.bottom_left - t.top_left;
        let corners = [t.top_left, t.top_right, t.bottom_left, far];
        // The finder patterns' outer halves and the quiet zone beyond them.
        let margin = 0.8 * t.width;
        let x0 = corners.iter().map(|p| p.x).fold(f32::MAX, f32::min) - margin;
        let y0 = corners.iter().map(|p| p.y).fold(f32::MAX, f32::min) - margin;
        let x1 = corners.iter().map(|p| p.x).fold(f32::MIN, f32::max) + margin;
        let y1 = corners.iter().map(|p| p.y).fold(f32::MIN, f32::max) + margin;
        let (x0, y0) = (x0.max(0.0) as usize, y0.max(0.0) as usize);
        let (x1, y1) = (x1.min(width) as usize, y1.min(height) as usize);
        if x1 < x0 + 16 || y1 < y0 + 16 {
            continue;
        }
        let roi = Region {
            x0,
            y0,
            width: x1 - x0,
            height: y1 - y0,
        };
        // A triple inside a region already looked at adds nothing.
        if looked
            .iter()
            .any(|r| r.contains(t.top_left) && r.contains(far))
        {
            continue;
        }
        looked.push(roi);
        let Some(big) = resample::double(full, roi.x0, roi.y0, roi.width, roi.height)
            .and_then(|big| resample::sharpen(&big, SHARPEN_RADIUS, SHARPEN_AMOUNT))
        else {
            continue;
        };
        let Some(big_matrix) = binarize::local_average(&big) else {
            continue;
        };
        let origin = (roi.x0 as f32, roi.y0 as f32);
        let look = locate::decode(
            &big,
            &big_matrix,
            locate::finder_patterns(&big_matrix, true),
        );
        for found in look.found {
            add(symbols, found, 2.0, origin);
        }
        if symbols.is_empty() {
            for (text, corners) in blurred::read(&big, &big_matrix) {
                let found = locate::Found {
                    text,
                    corners: corners.to_vec(),
                };
                add(symbols, found, 2.0, origin);
            }
        }
    }
}

/// A rectangle of the frame.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Region {
    x0: usize,
    y0: usize,
    width: usize,
    height: usize,
}

impl Region {
    /// Whether `p` lies in the rectangle.
    fn contains(&self, p: Point) -> bool {
        let (x, y) = (p.x as usize, p.y as usize);
        p.x >= 0.0
            && p.y >= 0.0
            && (self.x0..self.x0 + self.width).contains(&x)
            && (self.y0..self.y0 + self.height).contains(&y)
    }
}

/// At most this many regions get a second look.
const MAX_REGIONS: usize = 4;
/// Only the first this many candidates are grouped (a frame full of finder-like shapes
/// would otherwise cost a quadratic number of comparisons per region).
const MAX_CANDIDATES_FOR_SECOND_LOOK: usize = 128;
/// Finder-pattern candidates wider than this many pixels get no second look.
const MAX_FINDER_FOR_SECOND_LOOK: i32 = 35;

/// Regions around groups of finder-pattern candidates large enough to hold the symbol
/// they would belong to, the groups with most candidates first.
fn regions(patterns: &[ConcentricPattern], width: usize, height: usize) -> Vec<Region> {
    // Finder patterns this wide (7 modules of 5 pixels) are sharp enough at full size.
    let patterns: Vec<_> = patterns
        .iter()
        .filter(|p| p.size <= MAX_FINDER_FOR_SECOND_LOOK)
        .take(MAX_CANDIDATES_FOR_SECOND_LOOK)
        .collect();
    // Each group is a seed and the candidates near it, no farther than a version-1
    // symbol's diagonal finder pair (14√2 modules; a finder pattern is 7 modules wide).
    let near = |a: usize, b: usize| {
        let (p, q) = (patterns[a], patterns[b]);
        Point::distance(p.p, q.p) <= 3.0 * p.size.max(q.size) as f32
    };
    let mut taken = vec![false; patterns.len()];
    let mut groups: Vec<Vec<usize>> = Vec::new();
    while groups.len() < MAX_REGIONS {
        let seed = (0..patterns.len()).filter(|&i| !taken[i]).max_by_key(|&i| {
            (0..patterns.len())
                .filter(|&j| !taken[j] && near(i, j))
                .count()
        });
        let Some(seed) = seed else { break };
        let group: Vec<usize> = (0..patterns.len())
            .filter(|&j| !taken[j] && near(seed, j))
            .collect();
        for &j in &group {
            taken[j] = true;
        }
        groups.push(group);
    }
    groups
        .iter()
        .filter_map(|group| {
            let size = group.iter().map(|&i| patterns[i].size).max()? as f32;
            let n = group.len() as f32;
            let cx = group.iter().map(|&i| patterns[i].p.x).sum::<f32>() / n;
            let cy = group.iter().map(|&i| patterns[i].p.y).sum::<f32>() / n;
            let spread = group
                .iter()
                .map(|&i| Point::distance(patterns[i].p, Point { x: cx, y: cy }))
                .fold(0.0, f32::max);
            // Room for a missing finder pattern (up to 14√2 modules from a lone one) and
            // the quiet zone beyond it.
            let reach = if group.len() == 1 {
                3.7 * size
            } else {
                spread + 2.3 * size
            };
            let x0 = (cx - reach).max(0.0) as usize;
            let x1 = (cx + reach).min(width as f32) as usize;
            let y0 = (cy - reach).max(0.0) as usize;
            let y1 = (cy + reach).min(height as f32) as usize;
            (x1 > x0 + 8 && y1 > y0 + 8).then_some(Region {
                x0,
                y0,
                width: x1 - x0,
                height: y1 - y0,
            })
        })
        .collect()
}

/// Adds a decoded symbol (found on an image scaled by `scale` and offset by `origin`
/// from the frame) unless its text is already there.
fn add(symbols: &mut Vec<QrSymbol>, found: locate::Found, scale: f32, origin: (f32, f32)) {
    if symbols.iter().any(|s| s.text == found.text) {
        return;
    }
    let corners: Vec<Point> = found
        .corners
        .iter()
        .map(|p| Point {
            x: p.x / scale + origin.0,
            y: p.y / scale + origin.1,
        })
        .collect();
    symbols.push(QrSymbol {
        text: found.text,
        angle: angle_of(&corners),
    });
}

/// The top edge's direction from the symbol's corners (top-left first, clockwise).
fn angle_of(corners: &[Point]) -> Option<f32> {
    let [a, b, ..] = corners else {
        return None;
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

    /// A QR code as a camera sees it: `module` pixels a module (fractional), turned by
    /// `angle` degrees, defocused by a Gaussian of `sigma` pixels, on gray paper in a
    /// 320×240 frame.
    pub(crate) fn camera_qr(text: &str, module: f32, angle: f32, sigma: f32) -> GrayFrame {
        // Drawn at 8 pixels a module, then scaled down with area averaging.
        let sharp = crate::rectify::rotate(&qr_frame(text, 8, 8 * 4), angle);
        let size = (sharp.width() as f32 * module / 8.0).round() as u32;
        let sharp =
            image::GrayImage::from_raw(sharp.width(), sharp.height(), sharp.into_pixels()).unwrap();
        let small =
            image::imageops::resize(&sharp, size, size, image::imageops::FilterType::Triangle);
        let small = image::imageops::blur(&small, sigma);
        let (w, h) = (320u32, 240u32);
        let mut data = vec![0u8; (w * h) as usize];
        for y in 0..h {
            for x in 0..w {
                // Paper at 180–200 with a soft horizontal gradient; the symbol at (40, 30).
                let paper = 180 + (x * 20 / w) as u8;
                let (sx, sy) = (x.wrapping_sub(40), y.wrapping_sub(30));
                let v = if sx < size && sy < size {
                    // Ink at 40, paper as around it.
                    let p = small.get_pixel(sx, sy)[0] as u32;
                    (40 + p * u32::from(paper - 40) / 255) as u8
                } else {
                    paper
                };
                data[(y * w + x) as usize] = v;
            }
        }
        GrayFrame::new(w, h, data).unwrap()
    }

    /// Asserts that the frame holds exactly one QR symbol, `text`, turned by `degrees`
    /// (within `tolerance`).
    fn assert_reads(frame: &GrayFrame, text: &str, degrees: f32, tolerance: f32) {
        let symbols = decode_qr(frame);
        assert_eq!(symbols.len(), 1, "{symbols:?}");
        assert_eq!(symbols[0].text, text);
        let angle = symbols[0].angle.unwrap();
        assert!((angle - degrees).abs() < tolerance, "{angle}");
    }

    #[test]
    fn reads_a_ticket_qr() {
        assert_reads(
            &qr_frame("121310160000012345", 4, 16),
            "121310160000012345",
            0.0,
            2.0,
        );
    }

    #[test]
    fn reads_a_rotated_qr_and_its_angle() {
        let frame = crate::rectify::rotate(&qr_frame("110110020000000001", 4, 16), 30.0);
        assert_reads(&frame, "110110020000000001", 30.0, 4.0);
    }

    #[test]
    fn second_look_reads_a_small_blurred_turned_symbol() {
        // 1.8 pixels a module, turned 20°, defocused by σ = 0.8 pixel: the first look
        // misses a finder pattern.
        let frame = camera_qr("131010010000054321", 1.8, 20.0, 0.8);
        let (first, leftover, _) = first_look(&frame);
        assert!(first.is_empty());
        assert!(!leftover.is_empty());
        assert_reads(&frame, "131010010000054321", 20.0, 4.0);
    }

    #[test]
    fn third_look_reads_a_defocused_symbol_the_first_two_miss() {
        // 3.5 pixels a module, turned 20°, defocused by σ = 2 pixels: the detector's
        // grid fails at full size and twice the size, the sharpened region reads.
        let frame = camera_qr("131010010000054321", 3.5, 20.0, 2.0);
        let (first, leftover, _) = first_look(&frame);
        assert!(first.is_empty());
        let mut second = Vec::new();
        second_look(&frame, &leftover, &mut second);
        assert!(second.is_empty());
        assert_reads(&frame, "131010010000054321", 20.0, 4.0);
    }

    #[test]
    fn regions_cover_a_missing_finder_pattern_and_stay_in_the_frame() {
        let pattern = |x: f32, y: f32| ConcentricPattern {
            p: Point { x, y },
            size: 14,
        };
        // Two finder patterns of a symbol 28 pixels apart (2 pixels a module); the third
        // would be at (100, 128). A lone candidate far away gets its own region.
        let regions = regions(
            &[
                pattern(100.0, 100.0),
                pattern(128.0, 100.0),
                pattern(300.0, 20.0),
            ],
            320,
            240,
        );
        assert_eq!(regions.len(), 2);
        let r = regions[0];
        assert!(r.x0 <= 100 - 7 && r.y0 <= 100 - 7);
        assert!(r.x0 + r.width >= 128 + 7 && r.y0 + r.height >= 128 + 7);
        let lone = regions[1];
        assert!(lone.x0 + lone.width <= 320 && lone.y0 == 0);
        // Candidates too large to need a second look get none.
        let big = ConcentricPattern {
            p: Point { x: 50.0, y: 50.0 },
            size: 70,
        };
        assert!(super::regions(&[big], 320, 240).is_empty());
    }

    #[test]
    fn a_frame_tiled_with_finder_patterns_gives_nothing() {
        // 20×15 finder-pattern look-alikes, 2 pixels a module: more candidates than are
        // combined, and a second look that has to pick a few regions among them.
        let (w, h) = (320u32, 240u32);
        let mut data = vec![200u8; (w * h) as usize];
        for (ty, tx) in (0..15).flat_map(|ty| (0..20).map(move |tx| (ty, tx))) {
            for y in 0..14 {
                for x in 0..14 {
                    let ring = (x / 2).min(y / 2).min(6 - x / 2).min(6 - y / 2);
                    if ring != 1 {
                        data[((ty * 16 + 1 + y) * w + tx * 16 + 1 + x) as usize] = 30;
                    }
                }
            }
        }
        assert!(decode_qr(&GrayFrame::new(w, h, data).unwrap()).is_empty());
    }

    #[test]
    fn frames_of_any_shape_are_handled() {
        for (w, h) in [
            (1, 1),
            (1, 300),
            (300, 1),
            (39, 41),
            (41, 7),
            (2000, 3),
            (63, 65),
        ] {
            let noise: Vec<u8> = (0..w * h)
                .map(|i: u32| (i.wrapping_mul(2_654_435_761) >> 24) as u8)
                .collect();
            assert!(
                decode_qr(&GrayFrame::new(w, h, noise).unwrap()).is_empty(),
                "{w}x{h}"
            );
        }
        // A symbol filling a narrow frame edge to edge, without a quiet zone.
        let tight = qr_frame("121310160000012345", 2, 0);
        let _ = decode_qr(&tight);
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
