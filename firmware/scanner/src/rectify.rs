//! Turning a frame so that a ticket's edges run along the pixel axes.
//!
//! 1-D decoders scan pixel rows: an NW-7 barcode rotated by more than a few degrees is
//! read by no row at all (the peers read none between ~10° and 80°). The ticket's print
//! — bars, digits, QR modules, its own edges — is made of horizontal and vertical
//! strokes, so the dominant gradient direction of the frame, taken modulo 90°, is the
//! ticket's rotation. Rotating the frame back by that angle makes the bars upright or
//! horizontal; decoders handle the remaining multiple of 90° themselves.

use crate::GrayFrame;

/// Typical Sobel gradient magnitude (8-bit input) of an edge worth voting.
const MIN_GRADIENT: i32 = 120;

/// Side of the square blocks whose structure tensor gives one local orientation.
const BLOCK: usize = 16;

/// The ticket's rotation modulo 90°, in degrees counter-clockwise on screen within
/// `(-45, 45]`, or `None` when the frame has too few strong edges to tell.
///
/// Per-pixel gradient directions are biased on sharp, narrow print (bars of 2–3 px), so
/// each 16×16 block sums the structure tensor of its Sobel gradients; a coherent block
/// (bars, character strokes, edges all parallel) votes for its orientation with its
/// gradient energy × coherence. The peak of the smoothed 0.5°-bin histogram, refined by
/// a weighted mean, is the answer.
pub fn dominant_angle(frame: &GrayFrame) -> Option<f32> {
    const BINS: usize = 180; // 0.5° per bin over 90°
    let (w, h) = (frame.width() as usize, frame.height() as usize);
    if w < BLOCK + 2 || h < BLOCK + 2 {
        return None;
    }
    let px = frame.pixels();
    // On camera-sized frames 16 of a block's 256 gradients are plenty: the vote is
    // summed over thousands of blocks (4x faster than every other pixel, same reads).
    let step = if w * h > 400_000 { 4 } else { 1 };
    let mut hist = [0f64; BINS];
    let mut votes = 0usize;
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
            let samples = (BLOCK / step) * (BLOCK / step);
            if energy < (MIN_GRADIENT * MIN_GRADIENT) as f64 * samples as f64 * 0.1 {
                continue;
            }
            let coherence = ((jxx - jyy).powi(2) + 4.0 * jxy * jxy).sqrt() / energy;
            if coherence < 0.5 {
                continue;
            }
            // Dominant gradient direction of the block, modulo 90°.
            let angle = (0.5 * (2.0 * jxy).atan2(jxx - jyy))
                .to_degrees()
                .rem_euclid(90.0);
            let bin = ((angle * 2.0) as usize).min(BINS - 1);
            hist[bin] += energy.sqrt() * coherence;
            votes += 1;
        }
    }
    if votes < 4 {
        return None;
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

/// An angle reduced modulo 90° into `(-45, 45]`.
pub fn modulo_quarter(degrees: f32) -> f32 {
    let r = (degrees + 45.0).rem_euclid(90.0) - 45.0;
    if r <= -45.0 { r + 90.0 } else { r }
}

/// The frame turned back by `angle` (the ticket's rotation modulo 90°), or the frame
/// itself when the angle is below a degree.
pub fn upright(frame: &GrayFrame, angle: f32) -> std::borrow::Cow<'_, GrayFrame> {
    if angle.is_finite() && angle.abs() >= 1.0 {
        std::borrow::Cow::Owned(rotate(frame, -angle))
    } else {
        std::borrow::Cow::Borrowed(frame)
    }
}

/// The frame rotated by `degrees` counter-clockwise (as seen on screen, y down) about its
/// centre, on a canvas large enough to hold all of it; uncovered corners are white.
/// Bilinear interpolation.
/// A non-finite angle leaves the frame as it is.
pub fn rotate(frame: &GrayFrame, degrees: f32) -> GrayFrame {
    rotate_rows(frame, degrees, u32::MAX)
}

/// At most `max_rows` rows of [`rotate`]`(frame, degrees)`, evenly spaced from the
/// first: the scan lines of a 1-D decoder at any angle, for the cost of the rows it
/// reads instead of the whole turned canvas.
pub fn rotate_rows(frame: &GrayFrame, degrees: f32, max_rows: u32) -> GrayFrame {
    if !degrees.is_finite() {
        return frame.clone();
    }
    let (w, h) = (frame.width() as f32, frame.height() as f32);
    let (sin, cos) = degrees.to_radians().sin_cos();
    let out_w = (w * cos.abs() + h * sin.abs() - 1e-3)
        .ceil()
        .clamp(1.0, 16384.0) as u32;
    let out_h = (w * sin.abs() + h * cos.abs() - 1e-3)
        .ceil()
        .clamp(1.0, 16384.0) as u32;
    let (cx, cy) = (f64::from(w) / 2.0, f64::from(h) / 2.0);
    let (ocx, ocy) = (f64::from(out_w) / 2.0, f64::from(out_h) / 2.0);
    let (sin, cos) = (f64::from(sin), f64::from(cos));
    let src = frame.pixels();
    let (sw, sh) = (frame.width() as i64, frame.height() as i64);
    // Source coordinates in 16.16 fixed point, stepped along each output row.
    const ONE: f64 = 65536.0;
    let (max_x, max_y) = ((sw - 1) << 16, (sh - 1) << 16);
    let (step_x, step_y) = ((cos * ONE).round() as i64, (sin * ONE).round() as i64);
    let row_step = out_h.div_ceil(max_rows.max(1));
    let rows = out_h.div_ceil(row_step);
    let mut data = vec![255u8; out_w as usize * rows as usize];
    for (i, row) in data.chunks_exact_mut(out_w as usize).enumerate() {
        let oy = i as f64 * f64::from(row_step);
        // Inverse mapping of the row's first pixel centre: rotate the output point back
        // by -degrees (a counter-clockwise turn on screen, y down, is clockwise in maths
        // axes).
        let (dx, dy) = (0.5 - ocx, oy + 0.5 - ocy);
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
    GrayFrame::new(out_w, rows, data).expect("rotated canvas size matches its pixels")
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
    fn sampled_rows_are_the_rows_of_the_full_turn() {
        let f = stripes(90, 60);
        for degrees in [0.0f32, 17.0, -33.0, 90.0] {
            let full = rotate(&f, degrees);
            let max_rows = full.height() / 3;
            let step = full.height().div_ceil(max_rows) as usize;
            let sampled = rotate_rows(&f, degrees, max_rows);
            assert_eq!(sampled.width(), full.width());
            assert!(sampled.height() <= max_rows, "{degrees}°");
            assert_eq!(
                sampled.height() as usize,
                (full.height() as usize).div_ceil(step)
            );
            for (i, row) in sampled.pixels().chunks(full.width() as usize).enumerate() {
                let y = i * step * full.width() as usize;
                assert_eq!(row, &full.pixels()[y..y + row.len()], "{degrees}° row {i}");
            }
        }
    }
}
