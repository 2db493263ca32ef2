//! Lens and motion: real convolutions on a linear radiance image.

/// A single-channel float image.
#[derive(Debug, Clone)]
pub(crate) struct Plane {
    pub data: Vec<f32>,
    pub width: usize,
    pub height: usize,
}

impl Plane {
    fn at_clamped(&self, x: isize, y: isize) -> f32 {
        let x = x.clamp(0, self.width as isize - 1) as usize;
        let y = y.clamp(0, self.height as isize - 1) as usize;
        self.data[y * self.width + x]
    }

    /// Bilinear sample with clamp-to-edge; `(x, y)` in pixel-centre coordinates.
    pub fn bilinear(&self, x: f32, y: f32) -> f32 {
        let (x0, y0) = (x.floor(), y.floor());
        let (fx, fy) = (x - x0, y - y0);
        let (ix, iy) = (x0 as isize, y0 as isize);
        let a = self.at_clamped(ix, iy);
        let b = self.at_clamped(ix + 1, iy);
        let c = self.at_clamped(ix, iy + 1);
        let d = self.at_clamped(ix + 1, iy + 1);
        let top = a + (b - a) * fx;
        let bottom = c + (d - c) * fx;
        top + (bottom - top) * fy
    }
}

/// Normalised 1-D Gaussian kernel, radius ⌈3σ⌉.
fn gaussian_kernel(sigma: f32) -> Vec<f32> {
    let r = (3.0 * sigma).ceil().max(1.0) as isize;
    let mut k: Vec<f32> = (-r..=r)
        .map(|i| (-(i * i) as f32 / (2.0 * sigma * sigma)).exp())
        .collect();
    let sum: f32 = k.iter().sum();
    k.iter_mut().for_each(|v| *v /= sum);
    k
}

/// Separable Gaussian blur (edges clamped). Sigmas below 0.2 px do nothing.
pub(crate) fn gaussian_blur(p: &mut Plane, sigma: f32) {
    if !(sigma.is_finite() && sigma >= 0.2) || p.width == 0 || p.height == 0 {
        return;
    }
    let k = gaussian_kernel(sigma);
    let r = (k.len() / 2) as isize;
    let (w, h) = (p.width, p.height);
    let mut tmp = vec![0.0f32; w * h];
    for y in 0..h {
        let row = &p.data[y * w..(y + 1) * w];
        for x in 0..w {
            let mut acc = 0.0;
            for (i, kv) in k.iter().enumerate() {
                let sx = (x as isize + i as isize - r).clamp(0, w as isize - 1) as usize;
                acc += row[sx] * kv;
            }
            tmp[y * w + x] = acc;
        }
    }
    for y in 0..h {
        for x in 0..w {
            let mut acc = 0.0;
            for (i, kv) in k.iter().enumerate() {
                let sy = (y as isize + i as isize - r).clamp(0, h as isize - 1) as usize;
                acc += tmp[sy * w + x] * kv;
            }
            p.data[y * w + x] = acc;
        }
    }
}

/// Linear motion blur: the average along a line segment of `length` pixels at
/// `angle_deg`, sampled every half pixel. Lengths below 0.5 px do nothing.
pub(crate) fn motion_blur(p: &mut Plane, length: f32, angle_deg: f32) {
    if !(length.is_finite() && length >= 0.5) || p.width == 0 || p.height == 0 {
        return;
    }
    let n = (length * 2.0).ceil() as usize + 1;
    let (s, c) = angle_deg.to_radians().sin_cos();
    let offsets: Vec<(f32, f32)> = (0..n)
        .map(|i| {
            let t = (i as f32 / (n - 1) as f32 - 0.5) * length;
            (t * c, t * s)
        })
        .collect();
    let src = p.clone();
    for y in 0..p.height {
        for x in 0..p.width {
            let acc: f32 = offsets
                .iter()
                .map(|(dx, dy)| src.bilinear(x as f32 + dx, y as f32 + dy))
                .sum();
            p.data[y * p.width + x] = acc / n as f32;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn impulse(n: usize) -> Plane {
        let mut data = vec![0.0; n * n];
        data[(n / 2) * n + n / 2] = 1.0;
        Plane {
            data,
            width: n,
            height: n,
        }
    }

    #[test]
    fn gaussian_spreads_an_impulse_and_keeps_energy() {
        let mut p = impulse(31);
        gaussian_blur(&mut p, 2.0);
        let sum: f32 = p.data.iter().sum();
        assert!((sum - 1.0).abs() < 1e-4);
        let centre = p.data[15 * 31 + 15];
        let expected = 1.0 / (2.0 * std::f32::consts::PI * 4.0);
        assert!((centre - expected).abs() < 0.005, "{centre} vs {expected}");
        // Symmetric.
        assert!((p.data[15 * 31 + 12] - p.data[12 * 31 + 15]).abs() < 1e-6);
    }

    #[test]
    fn motion_blur_smears_along_its_direction_only() {
        let mut p = impulse(31);
        motion_blur(&mut p, 8.0, 0.0);
        let row: f32 = p.data[15 * 31..16 * 31].iter().sum();
        assert!(
            (row - 1.0).abs() < 1e-4,
            "all energy stays in the row: {row}"
        );
        assert!(p.data[15 * 31 + 18] > 0.05);
        assert_eq!(p.data[14 * 31 + 15], 0.0);
    }
}
