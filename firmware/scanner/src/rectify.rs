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
    let step = if w * h > 400_000 { 2 } else { 1 };
    let mut hist = [0f64; BINS];
    let mut votes = 0usize;
    for by in (1..h - BLOCK).step_by(BLOCK) {
        for bx in (1..w - BLOCK).step_by(BLOCK) {
            let (mut jxx, mut jyy, mut jxy) = (0f64, 0f64, 0f64);
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
                    let (gx, gy) = (f64::from(gx), f64::from(-gy));
                    jxx += gx * gx;
                    jyy += gy * gy;
                    jxy += gx * gy;
                }
            }
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
    let mut data = vec![255u8; out_w as usize * out_h as usize];
    for (oy, row) in data.chunks_exact_mut(out_w as usize).enumerate() {
        // Inverse mapping of the row's first pixel centre: rotate the output point back
        // by -degrees (a counter-clockwise turn on screen, y down, is clockwise in maths
        // axes).
        let (dx, dy) = (0.5 - ocx, oy as f64 + 0.5 - ocy);
        let mut sx = ((cos * dx - sin * dy + cx - 0.5) * ONE).round() as i64;
        let mut sy = ((sin * dx + cos * dy + cy - 0.5) * ONE).round() as i64;
        for out in row.iter_mut() {
            if sx >= 0 && sy >= 0 && sx <= max_x && sy <= max_y {
                let (x0, y0) = ((sx >> 16) as usize, (sy >> 16) as usize);
                let (fx, fy) = (((sx >> 8) & 0xff) as u32, ((sy >> 8) & 0xff) as u32);
                let x1 = if fx > 0 { x0 + 1 } else { x0 };
                let y1 = if fy > 0 { y0 + 1 } else { y0 };
                let w = sw as usize;
                let a = u32::from(src[y0 * w + x0]);
                let b = u32::from(src[y0 * w + x1]);
                let c = u32::from(src[y1 * w + x0]);
                let d = u32::from(src[y1 * w + x1]);
                let top = a * (256 - fx) + b * fx;
                let bottom = c * (256 - fx) + d * fx;
                *out = ((top * (256 - fy) + bottom * fy + 32768) >> 16) as u8;
            }
            sx += step_x;
            sy += step_y;
        }
    }
    GrayFrame::new(out_w, out_h, data).expect("rotated canvas size matches its pixels")
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
}
