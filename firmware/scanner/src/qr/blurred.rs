//! Finder patterns of blurred symbols, and the module grid three of them span.
//!
//! Defocus and motion blur thicken a finder pattern's dark rings and thin its light ring
//! in the binarised image: the rings are still there, but no longer in the 1:1:3:1:1
//! proportions the detector insists on, so it finds no candidate at all. Here a finder
//! pattern is any dark–light–dark–light–dark crossing, along a row, the column through
//! its middle and both diagonals, whose centre run is the widest and whose light runs
//! pair up (blur can close the separator on one side, so one outer dark run may run on
//! into the data). Three such patterns in the shape of a QR symbol's corners make a
//! triple; where only two are found, the third is looked for where they say it must be.
//! A triple is read with the detector's grid (`locate::sample`: its edge tracing and
//! the two-sampling gray re-read), and failing that with an affine grid through the
//! three centres, read from the gray pixels by `grid::read` (two different samplings
//! must decode to the same text through the Reed–Solomon code).

use rxing::Point;
use rxing::common::BitMatrix;
use rxing::common::cpp_essentials::ConcentricPattern;
use rxing::qrcode::cpp_port::detector::FinderPatternSet;

use super::{grid, locate};
use crate::GrayFrame;

/// A blurred finder pattern: its centre and its outer width along the row and the
/// column through it, in pixels.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) struct Candidate {
    /// Centre, in continuous pixel coordinates (pixel `i` spans `i..i + 1`).
    pub centre: Point,
    /// Width of the crossing along the row.
    pub across: f32,
    /// Width of the crossing along the column.
    pub down: f32,
}

/// Rows scanned: every this many pixels.
const ROW_STEP: usize = 3;
/// A crossing narrower than this (7 modules of under 1.5 pixels) is left to the doubled
/// second look.
const MIN_WIDTH: usize = 10;
/// A crossing wider than this (7 modules of 10 pixels at 45°) is no ticket symbol's.
const MAX_WIDTH: usize = 100;
/// At most this many candidates are kept (the frame's first, in row order).
const MAX_CANDIDATES: usize = 64;
/// At most this many row crossings are checked along the column and the diagonals (a
/// page of text or a textured background makes thousands).
const MAX_ATTEMPTS: usize = 2000;
/// At most this many triples are read from the gray pixels.
const MAX_TRIPLES: usize = 2;

/// The blurred finder-pattern candidates of a binarised frame (dark = set).
pub(super) fn candidates(matrix: &BitMatrix) -> Vec<Candidate> {
    let (width, height) = (matrix.width() as usize, matrix.height() as usize);
    let mut found: Vec<Candidate> = Vec::new();
    let mut runs: Vec<(usize, usize)> = Vec::new();
    let mut attempts = 0;
    for y in (ROW_STEP / 2..height).step_by(ROW_STEP) {
        let row = matrix.getRow(y as u32);
        runs.clear();
        // Runs as (start, length), alternating colours, the first one light (a dark
        // first run is dropped: nothing lies before it).
        let mut x = row.getNextSet(0);
        while x < width {
            let end = row.getNextUnset(x);
            runs.push((x, end - x));
            let next = row.getNextSet(end);
            if end < width {
                runs.push((end, next - end));
            }
            x = next;
        }
        // runs[i] is dark for even i. A pattern is 5 runs starting at a dark run and
        // followed by a light one.
        let mut i = 0;
        while i + 5 < runs.len() {
            let lengths = [
                runs[i].1,
                runs[i + 1].1,
                runs[i + 2].1,
                runs[i + 3].1,
                runs[i + 4].1,
            ];
            if let Some(across) = crossing(lengths) {
                let (start, len) = runs[i + 2];
                let cx = start as f32 + len as f32 / 2.0;
                let here = Point {
                    x: cx,
                    y: y as f32 + 0.5,
                };
                // A pattern already found is crossed again by the next rows.
                let known = found
                    .iter()
                    .any(|f| Point::distance(f.centre, here) < f.across.min(f.down) / 2.0);
                if !known {
                    if attempts == MAX_ATTEMPTS {
                        return found;
                    }
                    attempts += 1;
                    if let Some(c) = confirm(matrix, cx, y, across) {
                        found.push(c);
                        if found.len() == MAX_CANDIDATES {
                            return found;
                        }
                    }
                }
            }
            i += 2;
        }
    }
    found
}

/// Whether five run lengths (dark, light, dark, light, dark) look like a blurred finder
/// pattern crossed through its centre; its width if so. Blur can close the one-module
/// separator between a finder pattern and the data next to it, so one of the outer dark
/// runs may run on into the data: the shorter one counts for both.
fn crossing([b0, w1, core, w3, b4]: [usize; 5]) -> Option<usize> {
    let ring = b0.min(b4);
    let total = 2 * ring + w1 + core + w3;
    let ok = (MIN_WIDTH..=MAX_WIDTH).contains(&total)
        && core >= 3
        && ring >= 1
        && core >= w1.max(w3)
        && 5 * core >= 4 * ring
        && 4 * core >= total
        && 3 * core <= 2 * total
        && w1.max(w3) <= 2 * w1.min(w3) + 2
        && b0.max(b4) <= 4 * ring + 3;
    ok.then_some(total)
}

/// Run lengths from `(x, y)` in direction `(dx, dy)`: the rest of the dark run there,
/// the light run after it and the dark run after that (which must end in light within
/// [`MAX_WIDTH`] steps).
fn walk(matrix: &BitMatrix, x: usize, y: usize, (dx, dy): (isize, isize)) -> Option<[usize; 3]> {
    let (width, height) = (matrix.width() as isize, matrix.height() as isize);
    let (mut px, mut py) = (x as isize, y as isize);
    let mut lengths = [0usize; 3];
    let mut steps = 0;
    for (k, dark) in [true, false, true].into_iter().enumerate() {
        loop {
            if px < 0 || py < 0 || px >= width || py >= height || steps > MAX_WIDTH {
                return None;
            }
            if matrix.get(px as u32, py as u32) != dark {
                break;
            }
            lengths[k] += 1;
            steps += 1;
            px += dx;
            py += dy;
        }
        if lengths[k] == 0 {
            return None;
        }
    }
    Some(lengths)
}

/// The crossing through `(x, y)` along `(dx, dy)` both ways: its width in steps and the
/// offset of the core's middle from `(x, y)`, in steps.
fn line(matrix: &BitMatrix, x: usize, y: usize, d: (isize, isize)) -> Option<(usize, f32)> {
    let fore = walk(matrix, x, y, d)?;
    let back = walk(matrix, x, y, (-d.0, -d.1))?;
    // The core counted both ways includes (x, y) twice.
    let core = fore[0] + back[0] - 1;
    let total = crossing([back[2], back[1], core, fore[1], fore[2]])?;
    Some((total, (fore[0] as f32 - back[0] as f32) / 2.0))
}

/// Checks the column and both diagonals through `(cx, y)` for the same crossing, and
/// returns the candidate centred on the row's and the column's crossings.
fn confirm(matrix: &BitMatrix, cx: f32, y: usize, across: usize) -> Option<Candidate> {
    let x = cx as usize;
    let (down, shift) = line(matrix, x, y, (0, 1))?;
    // A square's crossings through its centre along a row and a column are equally long
    // at any rotation; perspective and blur change that only a little.
    if 3 * down > 4 * across || 3 * across > 4 * down {
        return None;
    }
    let cy = y as f32 + 0.5 + shift;
    // Along a diagonal the crossing is between 1/√2 and √2 times as long, in pixels.
    let yc = cy as usize;
    let mean = (across + down) as f32 / 2.0;
    for d in [(1, 1), (1, -1)] {
        let (steps, _) = line(matrix, x, yc, d)?;
        let len = steps as f32 * std::f32::consts::SQRT_2;
        if len < 0.6 * mean || len > 1.6 * mean {
            return None;
        }
    }
    Some(Candidate {
        centre: Point { x: cx, y: cy },
        across: across as f32,
        down: down as f32,
    })
}

/// A triple of candidates in a QR symbol's corner positions, and the symbol sizes it
/// allows.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct Triple {
    /// The corner finder pattern's centre (the one at the right angle).
    pub top_left: Point,
    /// The centre along the top edge (clockwise on screen from the bottom-left one).
    pub top_right: Point,
    /// The centre along the left edge.
    pub bottom_left: Point,
    /// Symbol sizes (modules a side) the finder spacing allows, likeliest first.
    pub dims: Vec<usize>,
    /// The finder patterns' mean width along rows and columns, in pixels.
    pub width: f32,
    /// How far from a perfect square corner the triple is (smaller is better).
    pub badness: f32,
}

/// Triples of candidates that could be the three finder patterns of one symbol, best
/// first.
pub(super) fn triples(candidates: &[Candidate]) -> Vec<Triple> {
    let mut out = Vec::new();
    let n = candidates.len();
    let width = |c: &Candidate| (c.across + c.down) / 2.0;
    // Two finder patterns of one symbol: similar widths, 1.3 to 6.5 widths apart (an
    // edge of version 1–3 at any rotation, or the diagonal).
    let pair = |a: &Candidate, b: &Candidate| {
        let (wa, wb) = (width(a), width(b));
        let d = Point::distance(a.centre, b.centre);
        wa.max(wb) <= 1.5 * wa.min(wb) && d >= 1.3 * wa.min(wb) && d <= 6.5 * wa.max(wb)
    };
    for a in 0..n {
        for b in a + 1..n {
            if !pair(&candidates[a], &candidates[b]) {
                continue;
            }
            for c in b + 1..n {
                if !pair(&candidates[a], &candidates[c]) || !pair(&candidates[b], &candidates[c]) {
                    continue;
                }
                let abc = [candidates[a], candidates[b], candidates[c]];
                if let Some(t) = triple(abc) {
                    out.push(t);
                }
            }
        }
    }
    out.sort_by(|p, q| p.badness.total_cmp(&q.badness));
    out
}

/// The three candidates as a symbol's finder patterns, if they are shaped like one.
fn triple(abc: [Candidate; 3]) -> Option<Triple> {
    // Similar widths.
    let widths = abc.map(|c| (c.across + c.down) / 2.0);
    let (lo, hi) = (
        widths.iter().copied().fold(f32::MAX, f32::min),
        widths.iter().copied().fold(0.0, f32::max),
    );
    if hi > 1.5 * lo {
        return None;
    }
    // The corner is the one opposite the longest side.
    let d = |i: usize, j: usize| Point::distance(abc[i].centre, abc[j].centre);
    let sides = [d(1, 2), d(0, 2), d(0, 1)];
    let corner = (0..3).max_by(|&i, &j| sides[i].total_cmp(&sides[j]))?;
    let (p, q) = ((corner + 1) % 3, (corner + 2) % 3);
    let tl = abc[corner].centre;
    let (u, v) = (abc[p].centre - tl, abc[q].centre - tl);
    let (lu, lv) = (u.x.hypot(u.y), v.x.hypot(v.y));
    if lu == 0.0 || lv == 0.0 || lu.max(lv) > 1.3 * lu.min(lv) {
        return None;
    }
    let cos = (u.x * v.x + u.y * v.y) / (lu * lv);
    if cos.abs() > 0.3 {
        return None;
    }
    // Clockwise on screen (y down): top-right × bottom-left > 0.
    let cross = u.x * v.y - u.y * v.x;
    let (tr, bl) = if cross > 0.0 {
        (abc[p].centre, abc[q].centre)
    } else {
        (abc[q].centre, abc[p].centre)
    };
    // The finder pattern's side from its crossings: along a row and a column a square
    // turned by θ is side / max(|cos θ|, |sin θ|) wide.
    let edge = tr - tl;
    let theta = edge.y.atan2(edge.x);
    let side = (hi + lo) / 2.0 * theta.cos().abs().max(theta.sin().abs());
    let module = side / 7.0;
    let spacing = (lu + lv) / 2.0;
    let estimate = spacing / module + 7.0;
    // Versions 1–3 only: a ticket's 18 digits fit in version 1.
    let mut dims: Vec<usize> = [21usize, 25, 29]
        .into_iter()
        .filter(|&dim| (dim as f32 - estimate).abs() <= 4.0)
        .collect();
    dims.sort_by(|&x, &y| {
        (x as f32 - estimate)
            .abs()
            .total_cmp(&(y as f32 - estimate).abs())
    });
    dims.truncate(2);
    if dims.is_empty() {
        return None;
    }
    Some(Triple {
        top_left: tl,
        top_right: tr,
        bottom_left: bl,
        dims,
        width: (hi + lo) / 2.0,
        badness: cos.abs() + (lu.max(lv) / lu.min(lv) - 1.0) + (hi / lo - 1.0),
    })
}

/// The symbol's outer corners for a `dim`-module grid through the three finder-pattern
/// centres, in `grid::read`'s order and pixel convention.
fn corners(t: &Triple, dim: usize) -> [Point; 4] {
    let span = (dim - 7) as f32;
    let u = (t.top_right - t.top_left) / span;
    let v = (t.bottom_left - t.top_left) / span;
    // The detector's corner convention is half a pixel right of and below ours.
    let half = Point { x: 0.5, y: 0.5 };
    let at = |mx: f32, my: f32| t.top_left + u * (mx - 3.5) + v * (my - 3.5) + half;
    let n = dim as f32;
    [at(0.0, 0.0), at(n, 0.0), at(0.0, n), at(n, n)]
}

/// At most this many pairs of candidates get their missing third finder pattern looked
/// for.
const MAX_PAIRS: usize = 4;

/// Where the third finder pattern of a symbol whose other two are `a` and `b` could be:
/// `a` and `b` along one edge (the third beside either, on either side), or on the
/// diagonal (the third off its middle, on either side).
fn third_positions(a: Point, b: Point) -> [Point; 6] {
    let ab = b - a;
    let perp = Point { x: -ab.y, y: ab.x };
    let mid = (a + b) / 2.0;
    [
        a + perp,
        a - perp,
        b + perp,
        b - perp,
        mid + perp / 2.0,
        mid - perp / 2.0,
    ]
}

/// A finder-pattern crossing, along the row and the column, near `p` and about `width`
/// pixels wide: looked for at `p` and a module's step around it.
fn candidate_near(matrix: &BitMatrix, p: Point, width: f32) -> Option<Candidate> {
    let step = (width / 7.0).max(1.0);
    let (w, h) = (matrix.width() as f32, matrix.height() as f32);
    for (dx, dy) in [
        (0, 0),
        (1, 0),
        (-1, 0),
        (0, 1),
        (0, -1),
        (1, 1),
        (-1, -1),
        (1, -1),
        (-1, 1),
    ] {
        let (x, y) = (p.x + dx as f32 * step, p.y + dy as f32 * step);
        if x < 0.0 || y < 0.0 || x >= w || y >= h {
            continue;
        }
        let (x, y) = (x as usize, y as usize);
        let Some((across, sx)) = line(matrix, x, y, (1, 0)) else {
            continue;
        };
        let cx = x as f32 + 0.5 + sx;
        let Some((down, sy)) = line(matrix, cx as usize, y, (0, 1)) else {
            continue;
        };
        let mean = (across + down) as f32 / 2.0;
        if mean > 1.5 * width || 1.5 * mean < width {
            continue;
        }
        return Some(Candidate {
            centre: Point {
                x: cx,
                y: y as f32 + 0.5 + sy,
            },
            across: across as f32,
            down: down as f32,
        });
    }
    None
}

/// Triples made of pairs of candidates and a third finder pattern found where the pair
/// says it should be (blur can spoil one of three, most often the one whose separator
/// the data closes).
fn completed(matrix: &BitMatrix, candidates: &[Candidate]) -> Vec<Triple> {
    let width = |c: &Candidate| (c.across + c.down) / 2.0;
    let mut pairs: Vec<(f32, usize, usize)> = Vec::new();
    for a in 0..candidates.len() {
        for b in a + 1..candidates.len() {
            let (ca, cb) = (&candidates[a], &candidates[b]);
            let (wa, wb) = (width(ca), width(cb));
            let d = Point::distance(ca.centre, cb.centre);
            let w = (wa + wb) / 2.0;
            // An edge is 2 finder widths (version 1) to 3.1 (version 3), the
            // diagonal √2 times that; the widths along a row are up to √2 too wide.
            if wa.max(wb) > 1.4 * wa.min(wb) || d < 1.3 * w || d > 4.6 * w {
                continue;
            }
            pairs.push(((wa / wb).ln().abs(), a, b));
        }
    }
    pairs.sort_by(|p, q| p.0.total_cmp(&q.0));
    let mut out = Vec::new();
    for &(_, a, b) in pairs.iter().take(MAX_PAIRS) {
        let (ca, cb) = (candidates[a], candidates[b]);
        let w = (width(&ca) + width(&cb)) / 2.0;
        for p in third_positions(ca.centre, cb.centre) {
            let Some(cc) = candidate_near(matrix, p, w) else {
                continue;
            };
            if let Some(t) = triple([ca, cb, cc]) {
                out.push(t);
            }
        }
    }
    out.sort_by(|p, q| p.badness.total_cmp(&q.badness));
    out
}

/// Triples of blurred finder patterns in `matrix`: those found whole first, then those
/// completed from pairs, best first within each.
pub(super) fn all_triples(matrix: &BitMatrix) -> Vec<Triple> {
    let candidates = candidates(matrix);
    let mut out = triples(&candidates);
    out.extend(completed(matrix, &candidates));
    out
}

/// Reads the symbols that triples of blurred finder patterns in `matrix` span, from the
/// gray frame: the texts and the corners (top-left, top-right, bottom-right, bottom-left).
pub(super) fn read(gray: &GrayFrame, matrix: &BitMatrix) -> Vec<(String, [Point; 4])> {
    let candidates = candidates(matrix);
    let mut out: Vec<(String, [Point; 4])> = Vec::new();
    let mut used: Vec<Point> = Vec::new();
    let mut read_triples = |triples: Vec<Triple>, out: &mut Vec<(String, [Point; 4])>| {
        for t in triples.into_iter().take(MAX_TRIPLES) {
            if [t.top_left, t.top_right, t.bottom_left]
                .iter()
                .any(|p| used.contains(p))
            {
                continue;
            }
            // The detector's grid first (it follows the symbol's edges and timing
            // patterns), then the affine one through the three centres.
            let pattern = |p: Point| ConcentricPattern {
                p,
                size: t.width.round() as i32,
            };
            let set = FinderPatternSet {
                bl: pattern(t.bottom_left),
                tl: pattern(t.top_left),
                tr: pattern(t.top_right),
            };
            let from_detector = locate::sample(gray, matrix, &set, true)
                .and_then(|s| Some((s.text?, s.corners.try_into().ok()?)));
            let found = from_detector.or_else(|| {
                t.dims.iter().find_map(|&dim| {
                    let c = corners(&t, dim);
                    grid::read(gray, &c, dim).map(|text| (text, [c[0], c[1], c[3], c[2]]))
                })
            });
            if let Some(found) = found {
                used.extend([t.top_left, t.top_right, t.bottom_left]);
                out.push(found);
            }
        }
    };
    read_triples(triples(&candidates), &mut out);
    if out.is_empty() {
        read_triples(completed(matrix, &candidates), &mut out);
    }
    out
}

#[cfg(test)]
mod tests {
    use rxing::qrcode::cpp_port::detector::FindFinderPatterns;

    use super::super::binarize;
    use super::super::tests::camera_qr;
    use super::*;

    fn near(p: Point, x: f32, y: f32, tolerance: f32) -> bool {
        Point::distance(p, Point { x, y }) <= tolerance
    }

    #[test]
    fn crossings_of_blurred_rings_pass_and_bars_do_not() {
        // Sharp 1:1:3:1:1, and blurred: thick dark rings, a thin light ring.
        assert_eq!(crossing([3, 3, 9, 3, 3]), Some(21));
        assert_eq!(crossing([4, 2, 9, 2, 4]), Some(21));
        // The separator closed on one side: the outer run goes on into the data, and
        // the shorter one counts for both.
        assert_eq!(crossing([6, 1, 7, 1, 12]), Some(21));
        // Equal bars, too small, and light runs that do not pair up.
        assert_eq!(crossing([5, 5, 5, 5, 5]), None);
        assert_eq!(crossing([2, 2, 2, 2, 2]), None);
        assert_eq!(crossing([4, 6, 9, 1, 4]), None);
        // A core much wider than the rest is a blob, not a finder pattern.
        assert_eq!(crossing([1, 1, 30, 1, 1]), None);
    }

    #[test]
    fn finds_blurred_finder_patterns_the_detector_misses() {
        // 3 pixels a module, defocused by σ = 2 pixels: the detector finds no finder
        // pattern at all. The symbol's modules start at (40 + 4·3, 30 + 4·3), so the
        // finder-pattern centres are 3.5 and 17.5 modules further.
        let frame = camera_qr("131010010000054321", 3.0, 0.0, 2.0);
        let matrix = binarize::local_average(&frame).unwrap();
        assert!(FindFinderPatterns(&matrix, false, 0).is_empty());
        let found = candidates(&matrix);
        let (a, b) = (52.0 + 3.0 * 3.5, 52.0 + 3.0 * 17.5);
        let (c, d) = (42.0 + 3.0 * 3.5, 42.0 + 3.0 * 17.5);
        let centres = [(a, c), (b, c), (a, d)];
        assert!(found.len() >= 2, "{found:?}");
        for f in &found {
            assert!(
                centres.iter().any(|&(x, y)| near(f.centre, x, y, 3.0)),
                "{f:?}"
            );
        }
    }

    fn candidate(x: f32, y: f32, width: f32) -> Candidate {
        Candidate {
            centre: Point { x, y },
            across: width,
            down: width,
        }
    }

    #[test]
    fn a_right_angle_of_similar_patterns_is_a_triple_in_clockwise_order() {
        // Version 1: finder centres 14 modules apart, patterns 7 modules wide.
        let (tl, tr, bl) = (
            candidate(100.0, 100.0, 21.0),
            candidate(142.0, 100.0, 21.0),
            candidate(100.0, 142.0, 21.0),
        );
        for order in [[tl, tr, bl], [bl, tl, tr], [tr, bl, tl], [tl, bl, tr]] {
            let t = triple(order).unwrap();
            assert_eq!(t.top_left, tl.centre);
            assert_eq!(t.top_right, tr.centre);
            assert_eq!(t.bottom_left, bl.centre);
            assert_eq!(t.dims[0], 21);
        }
        // No right angle, or patterns of very different sizes.
        assert!(triple([tl, tr, candidate(121.0, 130.0, 21.0)]).is_none());
        assert!(triple([tl, tr, candidate(100.0, 142.0, 40.0)]).is_none());
        // The grid through the centres: the top-left module's outer corner is 3.5
        // modules (3 pixels each) up and left of the top-left centre, plus the
        // detector's half pixel.
        let corners = corners(&triple([tl, tr, bl]).unwrap(), 21);
        assert!(near(
            corners[0],
            100.0 - 10.5 + 0.5,
            100.0 - 10.5 + 0.5,
            1e-3
        ));
        assert!(near(
            corners[3],
            100.0 + 52.5 + 0.5,
            100.0 + 52.5 + 0.5,
            1e-3
        ));
    }

    #[test]
    fn a_pair_suggests_every_place_of_its_third_pattern() {
        let positions = third_positions(Point { x: 0.0, y: 0.0 }, Point { x: 10.0, y: 0.0 });
        for (x, y) in [
            (0.0, 10.0),
            (0.0, -10.0),
            (10.0, 10.0),
            (10.0, -10.0),
            (5.0, 5.0),
            (5.0, -5.0),
        ] {
            assert!(positions.iter().any(|&p| near(p, x, y, 1e-4)), "({x}, {y})");
        }
    }

    #[test]
    fn nothing_is_read_from_noise() {
        let noise: Vec<u8> = (0..320u32 * 240)
            .map(|i| (i.wrapping_mul(2_654_435_761) >> 24) as u8)
            .collect();
        let frame = GrayFrame::new(320, 240, noise).unwrap();
        let matrix = binarize::local_average(&frame).unwrap();
        assert!(read(&frame, &matrix).is_empty());
    }
}
