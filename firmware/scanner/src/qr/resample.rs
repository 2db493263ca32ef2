//! Resampled copies of the frame for the detector's second looks.

use crate::GrayFrame;

/// The rectangle `x0..x0 + w`, `y0..y0 + h` of `img` at twice the size, interpolated
/// bilinearly (pixel centres kept: output pixel `i` samples input `x0 + (i - 0.5) / 2`).
pub(super) fn double(
    img: &GrayFrame,
    x0: usize,
    y0: usize,
    w: usize,
    h: usize,
) -> Option<GrayFrame> {
    let (width, height) = (2 * w, 2 * h);
    let (src_w, src_h) = (img.width() as usize, img.height() as usize);
    let src_px = img.pixels();
    let mut pixels = vec![0u8; width * height];
    let src = |x: isize, y: isize| -> u16 {
        let x = x.clamp(0, src_w as isize - 1) as usize;
        let y = y.clamp(0, src_h as isize - 1) as usize;
        u16::from(src_px[y * src_w + x])
    };
    for oy in 0..height {
        // Output row 2k samples between input rows k-1 and k (weights 1/4, 3/4), row
        // 2k+1 between k and k+1 (3/4, 1/4).
        let k = (y0 + oy / 2) as isize;
        let (ya, yb) = if oy % 2 == 0 { (k - 1, k) } else { (k, k + 1) };
        let (wa, wb) = if oy % 2 == 0 { (1, 3) } else { (3, 1) };
        let out = &mut pixels[oy * width..][..width];
        for (ox, o) in out.iter_mut().enumerate() {
            let k = (x0 + ox / 2) as isize;
            let (xa, xb) = if ox % 2 == 0 { (k - 1, k) } else { (k, k + 1) };
            let (va, vb) = if ox % 2 == 0 { (1, 3) } else { (3, 1) };
            let v = wa * (va * src(xa, ya) + vb * src(xb, ya))
                + wb * (va * src(xa, yb) + vb * src(xb, yb));
            *o = ((v + 8) / 16) as u8;
        }
    }
    GrayFrame::new(width as u32, height as u32, pixels).ok()
}

/// Unsharp masking: each pixel pushed away from the mean of the (2·`radius` + 1)²
/// square around it by `amount` times the difference (blur mixes neighbouring modules;
/// this mixes them back apart).
pub(super) fn sharpen(img: &GrayFrame, radius: usize, amount: f32) -> Option<GrayFrame> {
    let (w, h) = (img.width() as usize, img.height() as usize);
    if w == 0 || h == 0 {
        return None;
    }
    let px = img.pixels();
    // Sums over the window along rows, then along columns (clamped at the edges).
    let mut rows = vec![0u32; w * h];
    for y in 0..h {
        let row = &px[y * w..][..w];
        let mut sum: u32 = row[..=radius.min(w - 1)]
            .iter()
            .map(|&p| u32::from(p))
            .sum();
        for x in 0..w {
            rows[y * w + x] = sum;
            if x + radius + 1 < w {
                sum += u32::from(row[x + radius + 1]);
            }
            if x >= radius {
                sum -= u32::from(row[x - radius]);
            }
        }
    }
    let mut out = vec![0u8; w * h];
    let mut sums = vec![0u32; w];
    for y in 0..=radius.min(h - 1) {
        for (s, r) in sums.iter_mut().zip(&rows[y * w..][..w]) {
            *s += r;
        }
    }
    for y in 0..h {
        let rows_in = (y + radius + 1).min(h) - y.saturating_sub(radius);
        for x in 0..w {
            let cols_in = (x + radius + 1).min(w) - x.saturating_sub(radius);
            let mean = sums[x] as f32 / (rows_in * cols_in) as f32;
            let p = f32::from(px[y * w + x]);
            out[y * w + x] = (p + amount * (p - mean)).clamp(0.0, 255.0) as u8;
        }
        if y + radius + 1 < h {
            for (s, r) in sums.iter_mut().zip(&rows[(y + radius + 1) * w..][..w]) {
                *s += r;
            }
        }
        if y >= radius {
            for (s, r) in sums.iter_mut().zip(&rows[(y - radius) * w..][..w]) {
                *s -= r;
            }
        }
    }
    GrayFrame::new(w as u32, h as u32, out).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn doubling_keeps_geometry_and_interpolates() {
        // A horizontal ramp: pixel x has value 10·x.
        let pixels: Vec<u8> = (0..6 * 4).map(|i| (i % 6 * 10) as u8).collect();
        let img = GrayFrame::new(6, 4, pixels).unwrap();
        let big = double(&img, 1, 1, 4, 2).unwrap();
        assert_eq!((big.width(), big.height()), (8, 4));
        // Output pixel i samples input x = 1 + (i - 0.5) / 2: 0.75, 1.25, 1.75, ...
        let row: Vec<u8> = big.pixels()[..8].to_vec();
        assert_eq!(row, vec![8, 13, 18, 23, 28, 33, 38, 43]);
        // Rows do not change a horizontal ramp.
        assert!(big.pixels().chunks(8).all(|r| r == row.as_slice()));
    }

    #[test]
    fn sharpening_keeps_flat_areas_and_steepens_edges() {
        // A vertical edge: 100 left of x = 5, 200 from there on.
        let pixels: Vec<u8> = (0..12 * 6)
            .map(|i| if i % 12 < 5 { 100 } else { 200 })
            .collect();
        let img = GrayFrame::new(12, 6, pixels).unwrap();
        let sharp = sharpen(&img, 2, 1.0).unwrap();
        assert_eq!((sharp.width(), sharp.height()), (12, 6));
        for row in sharp.pixels().chunks(12) {
            // Far from the edge nothing changes; next to it the dark side gets darker
            // and the light side lighter.
            assert_eq!(
                (row[0], row[1], row[9], row[10], row[11]),
                (100, 100, 200, 200, 200)
            );
            assert!(row[4] < 100 && row[3] < 100, "{row:?}");
            assert!(row[5] > 200 && row[6] > 200, "{row:?}");
        }
        let flat = GrayFrame::new(7, 3, vec![90; 21]).unwrap();
        assert!(
            sharpen(&flat, 3, 2.0)
                .unwrap()
                .pixels()
                .iter()
                .all(|&p| p == 90)
        );
    }
}
