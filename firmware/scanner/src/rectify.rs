//! The ticket's rotation, and scan lines at that rotation.
//!
//! 1-D decoders scan lines: an NW-7 barcode rotated by more than a few degrees is
//! crossed completely by no pixel row (the peers read none between ~10° and 80°). The
//! ticket's print — bars, digits, QR modules, its own edges — is made of horizontal and
//! vertical strokes, so the dominant gradient direction of the frame, taken modulo 90°,
//! is the ticket's rotation ([`Texture`]). Decoders then read along that angle: the
//! NW-7 reader resamples only the lines it scans ([`rotate_rows`]), the OCR reader
//! measures characters along the ticket's axes; neither turns the whole frame.

use crate::GrayFrame;

/// Typical Sobel gradient magnitude (8-bit input) of an edge worth voting.
const MIN_GRADIENT: i32 = 120;

/// Coherence of a block of bars: all edges parallel, unlike characters and clutter.
const BAR_COHERENCE: f32 = 0.8;

/// Pixels beyond the outermost bar blocks that a scan line keeps: the block's half
/// width and the quiet zone (ten narrow elements of the largest ticket barcode).
pub const QUIET_REACH: u32 = 4 * BLOCK as u32;

/// Bar blocks that make a group worth scanning (a barcode crosses a dozen or more).
const MIN_BAR_BLOCKS: u32 = 6;

/// Blocks of bars that make a span worth scanning: a readable barcode, narrow bars of
/// 1.5 px or more, is at least three blocks long.
const MIN_GROUP_BLOCKS: usize = 3;

/// Grid distance (in blocks) at which two blocks of bars are neighbours: one block
/// left incoherent by blur or glare does not split a barcode.
const GROUP_REACH: usize = 2;

/// Side of the square blocks whose structure tensor gives one local orientation.
const BLOCK: usize = 16;

/// The local orientation of a frame's print: one entry per 16×16 block whose
/// gradients are strong and parallel (bars, character strokes, the ticket's edges).
///
/// Per-pixel gradient directions are biased on sharp, narrow print (bars of 2–3 px), so
/// each block sums the structure tensor of its Sobel gradients. Computed once per frame,
/// it gives the ticket's rotation ([`Texture::dominant_angle`]) and tells the NW-7
/// reader where bars may be ([`Texture::spans_crossing_bars`]).
#[derive(Debug, Clone, Default)]
pub struct Texture {
    blocks: Vec<Block>,
}

/// One coherent block of a [`Texture`].
#[derive(Debug, Clone, Copy)]
struct Block {
    /// Centre in frame pixels.
    cx: f32,
    cy: f32,
    /// Gradient direction, degrees counter-clockwise on screen, in `[0, 180)`.
    angle: f32,
    /// Vote weight: gradient energy × coherence.
    weight: f64,
    /// How parallel the block's gradients are, `0.5..=1.0` (1: all parallel).
    coherence: f32,
}

impl Texture {
    /// Measures every 16×16 block of the frame.
    pub fn of(frame: &GrayFrame) -> Self {
        let (w, h) = (frame.width() as usize, frame.height() as usize);
        if w < BLOCK + 2 || h < BLOCK + 2 {
            return Self::default();
        }
        let px = frame.pixels();
        // On camera-sized frames 16 of a block's 256 gradients are plenty: the vote is
        // summed over thousands of blocks (4x faster than every other pixel, same reads).
        let step = if w * h > 400_000 { 4 } else { 1 };
        let samples = (BLOCK / step) * (BLOCK / step);
        let min_energy = (MIN_GRADIENT * MIN_GRADIENT) as f64 * samples as f64 * 0.1;
        let mut blocks = Vec::new();
        for by in (1..h - BLOCK).step_by(BLOCK) {
            for bx in (1..w - BLOCK).step_by(BLOCK) {
                let (mut jxx, mut jyy, mut jxy) = (0i64, 0i64, 0i64);
                for y in (by..by + BLOCK).step_by(step) {
                    let (up, mid, down) = ((y - 1) * w, y * w, (y + 1) * w);
                    for x in (bx..bx + BLOCK).step_by(step) {
                        let p = |i: usize| i32::from(px[i]);
                        let gx = p(up + x + 1) + 2 * p(mid + x + 1) + p(down + x + 1)
                            - p(up + x - 1)
                            - 2 * p(mid + x - 1)
                            - p(down + x - 1);
                        let gy = p(down + x - 1) + 2 * p(down + x) + p(down + x + 1)
                            - p(up + x - 1)
                            - 2 * p(up + x)
                            - p(up + x + 1);
                        let (gx, gy) = (i64::from(gx), i64::from(-gy));
                        jxx += gx * gx;
                        jyy += gy * gy;
                        jxy += gx * gy;
                    }
                }
                let (jxx, jyy, jxy) = (jxx as f64, jyy as f64, jxy as f64);
                let energy = jxx + jyy;
                if energy < min_energy {
                    continue;
                }
                let coherence = ((jxx - jyy).powi(2) + 4.0 * jxy * jxy).sqrt() / energy;
                if coherence < 0.5 {
                    continue;
                }
                let angle = (0.5 * (2.0 * jxy).atan2(jxx - jyy))
                    .to_degrees()
                    .rem_euclid(180.0) as f32;
                blocks.push(Block {
                    cx: (bx + BLOCK / 2) as f32,
                    cy: (by + BLOCK / 2) as f32,
                    angle,
                    weight: energy.sqrt() * coherence,
                    coherence: coherence as f32,
                });
            }
        }
        Self { blocks }
    }

    /// The ticket's rotation modulo 90°, in degrees counter-clockwise on screen within
    /// `(-45, 45]`, or `None` when the frame has too few strong edges to tell.
    ///
    /// Each coherent block votes for its orientation modulo 90° with its weight; the
    /// peak of the smoothed 0.5°-bin histogram, refined by a weighted mean, is the
    /// answer.
    pub fn dominant_angle(&self) -> Option<f32> {
        const BINS: usize = 180; // 0.5° per bin over 90°
        if self.blocks.len() < 4 {
            return None;
        }
        let mut hist = [0f64; BINS];
        for b in &self.blocks {
            let bin = ((b.angle.rem_euclid(90.0) * 2.0) as usize).min(BINS - 1);
            hist[bin] += b.weight;
        }
        // Circular smoothing over ±2 bins (±1°).
        let smooth: Vec<f64> = (0..BINS)
            .map(|i| (0..5).map(|k| hist[(i + BINS + k - 2) % BINS]).sum())
            .collect();
        let (peak, _) = smooth
            .iter()
            .enumerate()
            .max_by(|a, b| a.1.total_cmp(b.1))?;
        // Weighted circular mean around the peak for sub-bin precision.
        let (mut sum, mut weight) = (0f64, 0f64);
        for k in -3i32..=3 {
            let bin = (peak as i32 + k).rem_euclid(BINS as i32) as usize;
            let center = peak as f64 + f64::from(k) + 0.5;
            sum += hist[bin] * center;
            weight += hist[bin];
        }
        if weight <= 0.0 {
            return None;
        }
        let degrees = ((sum / weight) / 2.0).rem_euclid(90.0) as f32;
        Some(if degrees > 45.0 {
            degrees - 90.0
        } else {
            degrees
        })
    }

    /// The rotations (modulo 90°, within `(-45, 45]`, strongest first) of the groups of
    /// bar blocks in the frame: where the ticket's barcode may stand when the frame's
    /// dominant direction belongs to something else (a decoy label, a table edge).
    /// A group needs `MIN_BAR_BLOCKS` blocks within a few degrees of each other.
    pub fn bar_angles(&self) -> Vec<f32> {
        const BINS: usize = 90; // 2° per bin over 180°
        let mut hist = [0u32; BINS];
        for b in self.blocks.iter().filter(|b| b.coherence >= BAR_COHERENCE) {
            hist[((b.angle / 2.0) as usize).min(BINS - 1)] += 1;
        }
        // Circular sums over ±1 bin (±3°): one barcode's blocks spread over a few bins.
        let near: Vec<u32> = (0..BINS)
            .map(|i| (0..3).map(|k| hist[(i + BINS + k - 1) % BINS]).sum())
            .collect();
        let mut peaks: Vec<(u32, f32)> = (0..BINS)
            .filter(|&i| {
                near[i] >= MIN_BAR_BLOCKS
                    && near[i] > near[(i + BINS - 1) % BINS]
                    && near[i] >= near[(i + 1) % BINS]
            })
            .map(|i| {
                // The mean direction of the peak's blocks, to a fraction of a bin.
                let centre = i as f32 * 2.0 + 1.0;
                let (mut sum, mut count) = (0f32, 0f32);
                for b in self.blocks.iter().filter(|b| b.coherence >= BAR_COHERENCE) {
                    let off = (b.angle - centre + 90.0).rem_euclid(180.0) - 90.0;
                    if off.abs() <= 3.0 {
                        sum += off;
                        count += 1.0;
                    }
                }
                (near[i], centre + sum / count.max(1.0))
            })
            .collect();
        peaks.sort_by_key(|p| std::cmp::Reverse(p.0));
        peaks
            .into_iter()
            .map(|(_, angle)| modulo_quarter(angle))
            .collect()
    }

    /// Where a 1-D barcode read along the rows of [`rotate`]`(frame, degrees)` can be:
    /// one span per group of neighbouring blocks of bars standing across the rows
    /// (gradient along the rows, within `tolerance` degrees; neighbours at most
    /// `GROUP_REACH` blocks apart, so a block blur left incoherent does not split a
    /// barcode), of at least `MIN_GROUP_BLOCKS` blocks: the canvas rows the group
    /// crosses, widened by a block on each side, and the columns from its first block
    /// to its last, widened by [`QUIET_REACH`] for the quiet zones. Spans that overlap
    /// are merged, so no stretch of a canvas row is in two spans. Sorted by row.
    pub fn spans_crossing_bars(
        &self,
        frame: &GrayFrame,
        degrees: f32,
        tolerance: f32,
    ) -> Vec<BarSpan> {
        let (out_w, out_h) = rotated_size(frame, degrees);
        let (sin, cos) = degrees.to_radians().sin_cos();
        let (cx, cy) = (frame.width() as f32 / 2.0, frame.height() as f32 / 2.0);
        // Rows of the turned canvas run along -degrees in the frame.
        let along = (-degrees).rem_euclid(180.0);
        let bars: Vec<&Block> = self
            .blocks
            .iter()
            .filter(|b| {
                let off = (b.angle - along).rem_euclid(180.0);
                b.coherence >= BAR_COHERENCE && off.min(180.0 - off) <= tolerance
            })
            .collect();
        let clamp = |v: f32, end: u32| v.clamp(0.0, end as f32) as u32;
        let mut spans: Vec<BarSpan> = groups(&bars)
            .into_iter()
            .filter(|group| group.len() >= MIN_GROUP_BLOCKS)
            .filter_map(|group| {
                // Inverse of rotate()'s mapping: the block centres on the canvas.
                let (mut x0, mut x1, mut y0, mut y1) = (f32::MAX, f32::MIN, f32::MAX, f32::MIN);
                for b in group {
                    let x = cos * (b.cx - cx) + sin * (b.cy - cy) + out_w as f32 / 2.0;
                    let y = -sin * (b.cx - cx) + cos * (b.cy - cy) + out_h as f32 / 2.0;
                    (x0, x1, y0, y1) = (x0.min(x), x1.max(x), y0.min(y), y1.max(y));
                }
                let (reach, quiet) = (BLOCK as f32, QUIET_REACH as f32);
                let span = BarSpan {
                    rows: clamp((y0 - reach).floor(), out_h)..clamp((y1 + reach).ceil(), out_h),
                    cols: clamp((x0 - quiet).floor(), out_w)..clamp((x1 + quiet).ceil(), out_w),
                };
                (!span.rows.is_empty() && !span.cols.is_empty()).then_some(span)
            })
            .collect();
        // Merge overlapping spans until none overlap (a handful per frame).
        let overlap =
            |a: &std::ops::Range<u32>, b: &std::ops::Range<u32>| a.start < b.end && b.start < a.end;
        let mut merged = true;
        while merged {
            merged = false;
            'pairs: for i in 0..spans.len() {
                for j in i + 1..spans.len() {
                    if overlap(&spans[i].rows, &spans[j].rows)
                        && overlap(&spans[i].cols, &spans[j].cols)
                    {
                        let other = spans.swap_remove(j);
                        let span = &mut spans[i];
                        span.rows = span.rows.start.min(other.rows.start)
                            ..span.rows.end.max(other.rows.end);
                        span.cols = span.cols.start.min(other.cols.start)
                            ..span.cols.end.max(other.cols.end);
                        merged = true;
                        break 'pairs;
                    }
                }
            }
        }
        spans.sort_unstable_by_key(|s| (s.rows.start, s.cols.start));
        spans
    }
}

/// Groups of blocks that are neighbours, directly or through each other: at most
/// [`GROUP_REACH`] blocks apart in both directions of the frame's block grid.
fn groups<'a>(blocks: &[&'a Block]) -> Vec<Vec<&'a Block>> {
    let cell = |b: &Block| ((b.cx as i32) / BLOCK as i32, (b.cy as i32) / BLOCK as i32);
    let at: std::collections::HashMap<(i32, i32), usize> = blocks
        .iter()
        .enumerate()
        .map(|(i, b)| (cell(b), i))
        .collect();
    let mut parent: Vec<usize> = (0..blocks.len()).collect();
    fn root(parent: &mut [usize], mut i: usize) -> usize {
        while parent[i] != i {
            parent[i] = parent[parent[i]];
            i = parent[i];
        }
        i
    }
    let reach = GROUP_REACH as i32;
    for (i, b) in blocks.iter().enumerate() {
        let (x, y) = cell(b);
        for dy in -reach..=reach {
            for dx in -reach..=reach {
                if let Some(&j) = at.get(&(x + dx, y + dy)) {
                    let (a, b) = (root(&mut parent, i), root(&mut parent, j));
                    parent[a] = b;
                }
            }
        }
    }
    let mut by_root: std::collections::HashMap<usize, Vec<&'a Block>> = Default::default();
    for (i, b) in blocks.iter().enumerate() {
        by_root.entry(root(&mut parent, i)).or_default().push(b);
    }
    by_root.into_values().collect()
}

/// Canvas rows and columns of a turned frame where bars stand across the rows
/// ([`Texture::spans_crossing_bars`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BarSpan {
    /// Canvas rows.
    pub rows: std::ops::Range<u32>,
    /// Canvas columns: the bars and room for their quiet zones.
    pub cols: std::ops::Range<u32>,
}

/// The ticket's rotation modulo 90°, in degrees counter-clockwise on screen within
/// `(-45, 45]`, or `None` when the frame has too few strong edges to tell
/// (see [`Texture::dominant_angle`]).
pub fn dominant_angle(frame: &GrayFrame) -> Option<f32> {
    Texture::of(frame).dominant_angle()
}

/// The ticket's rotation modulo 90° to read along: the hint (the QR's angle, say) when
/// it is a finite number, else what `estimate` finds in the frame, else 0.
pub fn ticket_angle(hint: Option<f32>, estimate: impl FnOnce() -> Option<f32>) -> f32 {
    hint.filter(|a| a.is_finite())
        .map(modulo_quarter)
        .or_else(estimate)
        .unwrap_or(0.0)
}

/// An angle reduced modulo 90° into `(-45, 45]`.
pub fn modulo_quarter(degrees: f32) -> f32 {
    let r = (degrees + 45.0).rem_euclid(90.0) - 45.0;
    if r <= -45.0 { r + 90.0 } else { r }
}

/// The frame rotated by `degrees` counter-clockwise (as seen on screen, y down) about its
/// centre, on a canvas large enough to hold all of it; uncovered corners are white.
/// Bilinear interpolation.
/// A non-finite angle leaves the frame as it is. The readers never turn a whole frame
/// (they use [`rotate_rows`]); this builds turned test frames.
pub fn rotate(frame: &GrayFrame, degrees: f32) -> GrayFrame {
    let (out_w, out_h) = rotated_size(frame, degrees);
    let rows: Vec<u32> = (0..out_h).collect();
    rotate_rows(frame, degrees, &rows, 0..out_w).unwrap_or_else(|| frame.clone())
}

/// Width and height of the canvas of [`rotate`]`(frame, degrees)`.
pub fn rotated_size(frame: &GrayFrame, degrees: f32) -> (u32, u32) {
    let degrees = if degrees.is_finite() { degrees } else { 0.0 };
    let (w, h) = (frame.width() as f32, frame.height() as f32);
    let (sin, cos) = degrees.to_radians().sin_cos();
    let side = |a: f32, b: f32| (a + b - 1e-3).ceil().clamp(1.0, 16384.0) as u32;
    (
        side(w * cos.abs(), h * sin.abs()),
        side(w * sin.abs(), h * cos.abs()),
    )
}

/// The columns `cols` of the given rows (canvas indices, rows in the order given) of
/// [`rotate`]`(frame, degrees)`: the scan lines of a 1-D decoder at any angle, for the
/// cost of the stretches it reads instead of the whole turned canvas. Rows past the
/// canvas are white, columns past it are left out; `None` when no row or column is
/// asked for.
pub fn rotate_rows(
    frame: &GrayFrame,
    degrees: f32,
    rows: &[u32],
    cols: std::ops::Range<u32>,
) -> Option<GrayFrame> {
    let degrees = if degrees.is_finite() { degrees } else { 0.0 };
    let (canvas_w, out_h) = rotated_size(frame, degrees);
    let first = cols.start.min(canvas_w);
    let out_w = cols.end.min(canvas_w).saturating_sub(first);
    if out_w == 0 {
        return None;
    }
    let (w, h) = (frame.width() as f32, frame.height() as f32);
    let (sin, cos) = degrees.to_radians().sin_cos();
    let (cx, cy) = (f64::from(w) / 2.0, f64::from(h) / 2.0);
    let (ocx, ocy) = (f64::from(canvas_w) / 2.0, f64::from(out_h) / 2.0);
    let (sin, cos) = (f64::from(sin), f64::from(cos));
    let src = frame.pixels();
    let (sw, sh) = (frame.width() as i64, frame.height() as i64);
    // Source coordinates in 16.16 fixed point, stepped along each output row.
    const ONE: f64 = 65536.0;
    let (max_x, max_y) = ((sw - 1) << 16, (sh - 1) << 16);
    let (step_x, step_y) = ((cos * ONE).round() as i64, (sin * ONE).round() as i64);
    let mut data = vec![255u8; out_w as usize * rows.len()];
    for (&oy, row) in rows.iter().zip(data.chunks_exact_mut(out_w as usize)) {
        if oy >= out_h {
            continue;
        }
        let oy = f64::from(oy);
        // Inverse mapping of the row's first pixel centre: rotate the output point back
        // by -degrees (a counter-clockwise turn on screen, y down, is clockwise in maths
        // axes).
        let (dx, dy) = (f64::from(first) + 0.5 - ocx, oy + 0.5 - ocy);
        let sx = ((cos * dx - sin * dy + cx - 0.5) * ONE).round() as i64;
        let sy = ((sin * dx + cos * dy + cy - 0.5) * ONE).round() as i64;
        // Only the stretch of the row that lands inside the frame is sampled.
        let (x_lo, x_hi) = inside(sx, step_x, max_x, row.len());
        let (y_lo, y_hi) = inside(sy, step_y, max_y, row.len());
        let (lo, hi) = (x_lo.max(y_lo), x_hi.min(y_hi));
        if lo >= hi {
            continue;
        }
        let (mut sx, mut sy) = (sx + lo as i64 * step_x, sy + lo as i64 * step_y);
        let w = sw as usize;
        if [sx, sy, step_x, step_y].iter().all(|v| v & 0xffff == 0) {
            // Quarter turns land on pixel centres: copy, no interpolation.
            for out in &mut row[lo..hi] {
                *out = src[(sy >> 16) as usize * w + (sx >> 16) as usize];
                sx += step_x;
                sy += step_y;
            }
            continue;
        }
        for out in &mut row[lo..hi] {
            let (x0, y0) = ((sx >> 16) as usize, (sy >> 16) as usize);
            let (fx, fy) = (((sx >> 8) & 0xff) as u32, ((sy >> 8) & 0xff) as u32);
            let x1 = if fx > 0 { x0 + 1 } else { x0 };
            let y1 = if fy > 0 { y0 + 1 } else { y0 };
            let a = u32::from(src[y0 * w + x0]);
            let b = u32::from(src[y0 * w + x1]);
            let c = u32::from(src[y1 * w + x0]);
            let d = u32::from(src[y1 * w + x1]);
            let top = a * (256 - fx) + b * fx;
            let bottom = c * (256 - fx) + d * fx;
            *out = ((top * (256 - fy) + bottom * fy + 32768) >> 16) as u8;
            sx += step_x;
            sy += step_y;
        }
    }
    GrayFrame::new(out_w, rows.len() as u32, data).ok()
}

/// The steps `k` in `0..n`, as a half-open range, for which `start + k·step` (16.16
/// fixed point) stays within `0..=max`.
fn inside(start: i64, step: i64, max: i64, n: usize) -> (usize, usize) {
    let n = n as i64;
    let (lo, hi) = match step.signum() {
        0 if (0..=max).contains(&start) => (0, n),
        0 => (0, 0),
        // start + k·step >= 0 and <= max, solved for k (floor/ceil of exact fractions).
        1 => (
            -(start.div_euclid(step)),
            (max - start).div_euclid(step) + 1,
        ),
        _ => (
            -((max - start).div_euclid(-step)),
            start.div_euclid(-step) + 1,
        ),
    };
    let clamp = |k: i64| k.clamp(0, n) as usize;
    (clamp(lo), clamp(hi))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A white frame with dark vertical stripes, then rotated: a stand-in for bars.
    fn stripes(width: u32, height: u32) -> GrayFrame {
        let data = (0..height)
            .flat_map(|_| (0..width).map(|x| if (x / 6) % 2 == 0 { 20 } else { 235 }))
            .collect();
        GrayFrame::new(width, height, data).unwrap()
    }

    /// White paper with stripes (6 px period) in the given `(x, y, width, height)` boxes.
    fn labels(width: u32, height: u32, boxes: &[(u32, u32, u32, u32)]) -> GrayFrame {
        let mut data = vec![235u8; (width * height) as usize];
        for &(x0, y0, w, h) in boxes {
            for y in y0..y0 + h {
                for x in (x0..x0 + w).filter(|x| (x / 6) % 2 == 0) {
                    data[(y * width + x) as usize] = 20;
                }
            }
        }
        GrayFrame::new(width, height, data).unwrap()
    }

    #[test]
    fn each_group_of_bars_gets_its_own_span() {
        // Two barcodes side by side on the same rows, and a lone short patch of bars.
        let frame = labels(
            640,
            240,
            &[(40, 40, 200, 48), (400, 60, 200, 48), (300, 180, 20, 16)],
        );
        let spans = Texture::of(&frame).spans_crossing_bars(&frame, 0.0, 12.0);
        assert_eq!(spans.len(), 2, "{spans:?}");
        let (left, right) = (&spans[0].cols, &spans[1].cols);
        assert!(
            left.end <= right.start || right.end <= left.start,
            "{spans:?}"
        );
        for (span, (x0, y0)) in spans.iter().zip([(40, 40), (400, 60)]) {
            assert!(
                span.cols.start <= x0 && span.cols.end >= x0 + 200,
                "{span:?}"
            );
            assert!(
                span.rows.start <= y0 + 8 && span.rows.end >= y0 + 40,
                "{span:?}"
            );
            assert!(!span.rows.contains(&(y0 + 130)), "{span:?}");
        }
    }

    #[test]
    fn overlapping_groups_share_one_span() {
        // Two barcodes three blocks apart on overlapping rows: separate groups, but the
        // quiet zone of one reaches into the other, so their spans would share rows.
        let frame = labels(560, 200, &[(40, 40, 200, 40), (290, 60, 200, 40)]);
        let spans = Texture::of(&frame).spans_crossing_bars(&frame, 0.0, 12.0);
        assert_eq!(spans.len(), 1, "{spans:?}");
        let cols = &spans[0].cols;
        assert!(cols.start <= 40 && cols.end >= 490, "{spans:?}");
    }

    #[test]
    fn upright_stripes_have_no_rotation() {
        let angle = dominant_angle(&stripes(120, 80)).unwrap();
        assert!(angle.abs() < 1.0, "{angle}");
    }

    #[test]
    fn rotation_is_recovered_modulo_90() {
        for degrees in [12.0f32, 30.0, -25.0, 44.0, 70.0] {
            let turned = rotate(&stripes(160, 120), degrees);
            let found = dominant_angle(&turned).unwrap();
            let expected = (degrees + 45.0).rem_euclid(90.0) - 45.0;
            let error = (found - expected + 45.0).rem_euclid(90.0) - 45.0;
            assert!(error.abs() < 2.0, "{degrees}: found {found}");
            // Turning back makes the stripes upright again.
            let back = dominant_angle(&rotate(&turned, -found)).unwrap();
            assert!(back.abs() < 2.0, "{degrees}: back {back}");
        }
    }

    #[test]
    fn flat_frames_have_no_angle() {
        let flat = GrayFrame::new(50, 40, vec![128; 2000]).unwrap();
        assert_eq!(dominant_angle(&flat), None);
    }

    #[test]
    fn rotation_keeps_content_and_grows_the_canvas() {
        let f = stripes(100, 50);
        let same = rotate(&f, 0.0);
        assert_eq!(same, f);
        let quarter = rotate(&f, 90.0);
        assert_eq!((quarter.width(), quarter.height()), (50, 100));
        let diagonal = rotate(&f, 45.0);
        assert!(diagonal.width() >= 106 && diagonal.height() >= 106);
    }

    #[test]
    fn the_inside_stretch_is_exactly_the_steps_within_bounds() {
        for start in [-700_000i64, -65_536, -1, 0, 1, 30_000, 65_536 * 9, 900_000] {
            for step in [-70_000i64, -65_536, -9_000, -1, 0, 1, 9_000, 65_536, 70_000] {
                let max = 65_536 * 10;
                let (lo, hi) = inside(start, step, max, 40);
                let expected: Vec<usize> = (0..40)
                    .filter(|&k| (0..=max).contains(&(start + k as i64 * step)))
                    .collect();
                let got: Vec<usize> = (lo..hi).collect();
                assert_eq!(got, expected, "start {start} step {step}");
            }
        }
    }

    #[test]
    fn turned_rows_match_an_independent_bilinear_reference() {
        let (w, h) = (37usize, 23usize);
        let px: Vec<u8> = (0..w * h).map(|i| ((i * 97) % 251) as u8).collect();
        let f = GrayFrame::new(w as u32, h as u32, px.clone()).unwrap();
        let at = |x: usize, y: usize| f64::from(px[y * w + x]);
        for degrees in [30.0f32, -75.0, 90.0, 181.0] {
            let (ow, oh) = rotated_size(&f, degrees);
            let rows = [0, oh / 3, oh / 2, oh - 1];
            let got = rotate_rows(&f, degrees, &rows, 0..ow).unwrap();
            let (sin, cos) = f64::from(degrees).to_radians().sin_cos();
            for (i, &oy) in rows.iter().enumerate() {
                for ox in 0..ow {
                    let dx = f64::from(ox) + 0.5 - f64::from(ow) / 2.0;
                    let dy = f64::from(oy) + 0.5 - f64::from(oh) / 2.0;
                    let sx = cos * dx - sin * dy + w as f64 / 2.0 - 0.5;
                    let sy = sin * dx + cos * dy + h as f64 / 2.0 - 0.5;
                    let (mx, my) = ((w - 1) as f64, (h - 1) as f64);
                    let near_edge = [sx, sx - mx, sy, sy - my].iter().any(|d| d.abs() < 0.01);
                    if near_edge {
                        continue;
                    }
                    let expected = if sx < 0.0 || sy < 0.0 || sx > mx || sy > my {
                        255.0
                    } else {
                        let (x0, y0) = (sx.floor() as usize, sy.floor() as usize);
                        let (x1, y1) = ((x0 + 1).min(w - 1), (y0 + 1).min(h - 1));
                        let (fx, fy) = (sx - sx.floor(), sy - sy.floor());
                        let top = at(x0, y0) * (1.0 - fx) + at(x1, y0) * fx;
                        let bottom = at(x0, y1) * (1.0 - fx) + at(x1, y1) * fx;
                        top * (1.0 - fy) + bottom * fy
                    };
                    let value = f64::from(got.pixels()[i * ow as usize + ox as usize]);
                    assert!(
                        (value - expected).abs() <= 2.5,
                        "{degrees}° ({ox}, {oy}): {value} vs {expected}"
                    );
                }
            }
        }
    }

    #[test]
    fn sampled_rows_are_the_rows_of_the_full_turn() {
        let f = stripes(90, 60);
        for degrees in [0.0f32, 17.0, -33.0, 90.0] {
            let full = rotate(&f, degrees);
            assert_eq!(rotated_size(&f, degrees), (full.width(), full.height()));
            let picked = [
                full.height() - 1,
                0,
                7,
                full.height() / 2,
                full.height() + 3,
            ];
            // Columns past the canvas are left out.
            let (w, cols) = (full.width(), 5..full.width());
            let sampled = rotate_rows(&f, degrees, &picked, 5..w + 40).unwrap();
            assert_eq!((sampled.width(), sampled.height()), (cols.len() as u32, 5));
            for (row, &y) in sampled.pixels().chunks(cols.len()).zip(&picked) {
                let expected = if y < full.height() {
                    full.row(y)[cols.start as usize..cols.end as usize].to_vec()
                } else {
                    vec![255; cols.len()]
                };
                assert_eq!(row, &expected[..], "{degrees}° row {y}");
            }
            assert!(rotate_rows(&f, degrees, &picked, w..w + 9).is_none());
        }
        assert!(rotate_rows(&f, 10.0, &[], 0..10).is_none());
    }
}
