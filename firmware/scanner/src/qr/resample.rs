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
}
