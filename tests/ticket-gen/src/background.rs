//! What the camera sees around the ticket: a plain surface, or a desk with forms,
//! labels with barcodes that are not tickets, pens and devices.
//!
//! The result is a reflectance map (0–1) at frame resolution; light is applied later.

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use crate::codabar;
use crate::scene::Background;

/// Reflectance of every frame pixel for `background`.
pub(crate) fn render(background: &Background, width: usize, height: usize) -> Vec<f32> {
    match *background {
        Background::Plain { reflectance } => vec![reflectance.clamp(0.0, 1.0); width * height],
        Background::Cluttered { seed } => cluttered(seed, width, height),
    }
}

/// A stable hash of a few integers to `[0, 1)`.
fn hash01(seed: u64, a: i64, b: i64) -> f32 {
    let mut z = seed
        ^ (a as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15)
        ^ (b as u64).wrapping_mul(0xC2B2_AE3D_27D4_EB4F);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^= z >> 31;
    (z >> 40) as f32 / (1u64 << 24) as f32
}

/// Smooth value noise in `[0, 1)` with features about `cell` pixels wide.
fn value_noise(seed: u64, x: f32, y: f32, cell: f32) -> f32 {
    let (gx, gy) = (x / cell, y / cell);
    let (ix, iy) = (gx.floor() as i64, gy.floor() as i64);
    let (fx, fy) = (gx - gx.floor(), gy - gy.floor());
    let s = |t: f32| t * t * (3.0 - 2.0 * t);
    let (sx, sy) = (s(fx), s(fy));
    let v00 = hash01(seed, ix, iy);
    let v10 = hash01(seed, ix + 1, iy);
    let v01 = hash01(seed, ix, iy + 1);
    let v11 = hash01(seed, ix + 1, iy + 1);
    let top = v00 + (v10 - v00) * sx;
    let bottom = v01 + (v11 - v01) * sx;
    top + (bottom - top) * sy
}

#[derive(Debug, Clone)]
enum Content {
    /// A form: lines of text and ruled boxes.
    Form {
        seed: u64,
        line_pitch: f32,
        ruled: bool,
        ink: f32,
    },
    /// A label with a 1-D barcode that is not a ticket (EAN-13 or a short NW-7).
    Barcode { edges: Vec<f32>, seed: u64 },
    /// A phone or tablet: dark body, slightly lighter screen.
    Device { screen: f32 },
    /// Nothing printed.
    Blank,
}

#[derive(Debug, Clone)]
struct Item {
    cx: f32,
    cy: f32,
    cos: f32,
    sin: f32,
    hw: f32,
    hh: f32,
    /// Corner radius (pens are fully rounded).
    radius: f32,
    reflectance: f32,
    content: Content,
}

impl Item {
    fn bbox(&self) -> (f32, f32, f32, f32) {
        let ex = self.hw * self.cos.abs() + self.hh * self.sin.abs() + 1.0;
        let ey = self.hw * self.sin.abs() + self.hh * self.cos.abs() + 1.0;
        (self.cx - ex, self.cy - ey, self.cx + ex, self.cy + ey)
    }

    /// Coverage (0–1) and reflectance at frame point `(x, y)`.
    fn sample(&self, x: f32, y: f32) -> (f32, f32) {
        let (dx, dy) = (x - self.cx, y - self.cy);
        let lx = dx * self.cos + dy * self.sin;
        let ly = -dx * self.sin + dy * self.cos;
        // Signed distance to a rounded rectangle (positive inside).
        let r = self.radius.min(self.hw).min(self.hh);
        let qx = lx.abs() - (self.hw - r);
        let qy = ly.abs() - (self.hh - r);
        let outside = (qx.max(0.0).powi(2) + qy.max(0.0).powi(2)).sqrt();
        let inside = qx.max(qy).min(0.0);
        let d = r - (outside + inside);
        let a = (d + 0.5).clamp(0.0, 1.0);
        if a <= 0.0 {
            return (0.0, 0.0);
        }
        (a, self.content_at(lx + self.hw, ly + self.hh))
    }

    fn content_at(&self, u: f32, v: f32) -> f32 {
        let (w, h) = (2.0 * self.hw, 2.0 * self.hh);
        match &self.content {
            Content::Blank => self.reflectance,
            Content::Device { screen } => {
                let m = 0.06 * w.min(h);
                if u > m && u < w - m && v > 1.6 * m && v < h - 1.6 * m {
                    *screen
                } else {
                    self.reflectance
                }
            }
            Content::Form {
                seed,
                line_pitch,
                ruled,
                ink,
            } => {
                let p = *line_pitch;
                let margin = 0.08 * w;
                let mut coverage = 0.0f32;
                if *ruled {
                    // Rules every three lines and two column rules.
                    let rule_pitch = 3.0 * p;
                    let ry = (v - margin).rem_euclid(rule_pitch);
                    let t = (p * 0.06).max(0.8);
                    if v > margin && v < h - margin && u > margin && u < w - margin {
                        let dist = ry.min(rule_pitch - ry);
                        coverage = coverage.max((t / 2.0 - dist + 0.5).clamp(0.0, 1.0));
                        for col in [margin, 0.3 * w, w - margin] {
                            let dist = (u - col).abs();
                            coverage = coverage.max((t / 2.0 - dist + 0.5).clamp(0.0, 1.0));
                        }
                    }
                }
                coverage = coverage.max(pseudo_text(*seed, u, v, w, h, margin, p));
                self.reflectance + (*ink - self.reflectance) * coverage
            }
            Content::Barcode { edges, seed } => {
                let (x0, x1) = (0.1 * w, 0.9 * w);
                let (y0, y1) = (0.15 * h, 0.65 * h);
                let mut coverage = 0.0;
                if v > y0 && v < y1 && u > x0 && u < x1 {
                    // Four sub-samples across the pixel against aliasing.
                    let mut hits = 0;
                    for k in 0..4 {
                        let t = (u - 0.375 + 0.25 * k as f32 - x0) / (x1 - x0);
                        let i = edges.partition_point(|e| *e <= t);
                        if i % 2 == 1 && i < edges.len() {
                            hits += 1;
                        }
                    }
                    coverage = hits as f32 / 4.0;
                } else if v > 0.72 * h && v < 0.9 * h {
                    coverage = pseudo_text(*seed, u, v - 0.72 * h, w, 0.18 * h, x0, 0.18 * h);
                }
                self.reflectance + (0.06 - self.reflectance) * coverage
            }
        }
    }
}

/// Text-like ink: lines of blocky characters with random strokes and word gaps.
fn pseudo_text(seed: u64, u: f32, v: f32, w: f32, h: f32, margin: f32, pitch: f32) -> f32 {
    if u < margin || v < margin.min(h * 0.1) || v > h - margin.min(h * 0.1) {
        return 0.0;
    }
    let line = ((v - margin.min(h * 0.1)) / pitch).floor() as i64;
    let fy = (v - margin.min(h * 0.1)) / pitch - line as f32;
    let line_end = margin + (0.35 + 0.6 * hash01(seed, line, -1)) * (w - 2.0 * margin);
    if u > line_end || hash01(seed, line, -2) < 0.15 {
        return 0.0;
    }
    let cell = 0.62 * pitch;
    let k = ((u - margin) / cell).floor() as i64;
    let fx = (u - margin) / cell - k as f32;
    if hash01(seed, line, k) < 0.16 {
        return 0.0; // word gap
    }
    // Character box inside the cell and line.
    let (cx, cy) = ((fx - 0.08) / 0.84, (fy - 0.2) / 0.6);
    if !(0.0..=1.0).contains(&cx) || !(0.0..=1.0).contains(&cy) {
        return 0.0;
    }
    let bits = (hash01(seed ^ 0x5555, line, k) * 64.0) as u32 | 0b1000;
    let t = 0.09;
    let mut ink = false;
    for (i, pos) in [0.15f32, 0.5, 0.85].iter().enumerate() {
        if bits & (1 << i) != 0 && (cx - pos).abs() < t {
            ink = true;
        }
        if bits & (1 << (i + 3)) != 0 && (cy - pos).abs() < t {
            ink = true;
        }
    }
    if ink { 1.0 } else { 0.0 }
}

/// The 95 modules of an EAN-13 symbol for 12 data digits (check digit added).
pub(crate) fn ean13_modules(data: [u8; 12]) -> Vec<bool> {
    const L: [u8; 10] = [0x0D, 0x19, 0x13, 0x3D, 0x23, 0x31, 0x2F, 0x3B, 0x37, 0x0B];
    const G: [u8; 10] = [0x27, 0x33, 0x1B, 0x21, 0x1D, 0x39, 0x05, 0x11, 0x09, 0x17];
    const PARITY: [u8; 10] = [0x00, 0x0B, 0x0D, 0x0E, 0x13, 0x19, 0x1C, 0x15, 0x16, 0x1A];
    let sum: u32 = data
        .iter()
        .enumerate()
        .map(|(i, d)| u32::from(*d) * if i % 2 == 0 { 1 } else { 3 })
        .sum();
    let check = ((10 - sum % 10) % 10) as u8;
    let mut digits = data.to_vec();
    digits.push(check);
    let mut m = Vec::with_capacity(95);
    let push = |m: &mut Vec<bool>, bits: u8, n: u32| {
        for i in (0..n).rev() {
            m.push(bits >> i & 1 == 1);
        }
    };
    push(&mut m, 0b101, 3);
    let parity = PARITY[usize::from(digits[0])];
    for (i, d) in digits[1..7].iter().enumerate() {
        let use_g = parity >> (5 - i) & 1 == 1;
        let code = if use_g {
            G[usize::from(*d)]
        } else {
            L[usize::from(*d)]
        };
        push(&mut m, code, 7);
    }
    push(&mut m, 0b01010, 5);
    for d in &digits[7..13] {
        push(&mut m, !L[usize::from(*d)] & 0x7F, 7);
    }
    push(&mut m, 0b101, 3);
    m
}

/// Bar/space boundaries (0–1) of a module pattern: odd intervals are bars.
fn edges_from_modules(modules: &[bool]) -> Vec<f32> {
    let n = modules.len() as f32;
    let mut edges = Vec::new();
    let mut prev = false;
    for (i, m) in modules.iter().enumerate() {
        if *m != prev {
            edges.push(i as f32 / n);
            prev = *m;
        }
    }
    if prev {
        edges.push(1.0);
    }
    edges
}

fn edges_from_widths(widths: &[f32]) -> Vec<f32> {
    let total: f32 = widths.iter().sum();
    let mut edges = Vec::with_capacity(widths.len() + 1);
    let mut x = 0.0;
    edges.push(0.0);
    for w in widths {
        x += w;
        edges.push(x / total);
    }
    edges
}

fn cluttered(seed: u64, width: usize, height: usize) -> Vec<f32> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let (w, h) = (width as f32, height as f32);
    let base = rng.random_range(0.12..0.55);
    let grain_angle: f32 = rng.random_range(0.0..std::f32::consts::PI);
    let grain_freq = rng.random_range(0.02..0.08) * 1000.0 / w.max(1.0);
    let noise_cell = w.max(h) * rng.random_range(0.05..0.2);
    let noise_seed: u64 = rng.random();
    let (gc, gs) = (grain_angle.cos(), grain_angle.sin());
    let mut out = Vec::with_capacity(width * height);
    for y in 0..height {
        for x in 0..width {
            let (fx, fy) = (x as f32, y as f32);
            let n = value_noise(noise_seed, fx, fy, noise_cell);
            let warp = value_noise(noise_seed ^ 1, fx, fy, noise_cell * 0.5) * 6.0;
            let grain = ((fx * gc + fy * gs) * grain_freq + warp).sin();
            out.push((base * (0.85 + 0.3 * n + 0.06 * grain)).clamp(0.0, 1.0));
        }
    }

    let count = rng.random_range(3..=7);
    let mut items = Vec::new();
    for _ in 0..count {
        let cx = rng.random_range(-0.1..1.1) * w;
        let cy = rng.random_range(-0.1..1.1) * h;
        let angle: f32 = rng.random_range(0.0..std::f32::consts::TAU);
        let (sin, cos) = angle.sin_cos();
        let kind = rng.random_range(0..100);
        let item = if kind < 40 {
            let hw = rng.random_range(0.2..0.5) * w;
            let line_pitch = hw * rng.random_range(0.04..0.08);
            Item {
                cx,
                cy,
                cos,
                sin,
                hw,
                hh: hw * 1.414,
                radius: 0.0,
                reflectance: rng.random_range(0.72..0.9),
                content: Content::Form {
                    seed: rng.random(),
                    line_pitch,
                    ruled: rng.random_bool(0.5),
                    ink: rng.random_range(0.04..0.12),
                },
            }
        } else if kind < 60 {
            let hw = rng.random_range(0.07..0.14) * w;
            let edges = if rng.random_bool(0.6) {
                let mut data = [0u8; 12];
                for d in &mut data {
                    *d = rng.random_range(0..10);
                }
                edges_from_modules(&ean13_modules(data))
            } else {
                // A short NW-7 label (library, specimen or stock label): never 10 or
                // 18 digits, so it is not a ticket.
                let len = [4usize, 6, 7, 8, 12][rng.random_range(0..5)];
                let digits: String = (0..len)
                    .map(|_| char::from(b'0' + rng.random_range(0..10u8)))
                    .collect();
                let stops = ['A', 'B', 'C', 'D'];
                let start = stops[rng.random_range(0..4)];
                let stop = stops[rng.random_range(0..4)];
                match codabar::encode(start, &digits, stop) {
                    Ok(elements) => edges_from_widths(&codabar::widths(&elements, 2.5)),
                    Err(_) => Vec::new(),
                }
            };
            Item {
                cx,
                cy,
                cos,
                sin,
                hw,
                hh: hw * rng.random_range(0.45..0.7),
                radius: hw * 0.05,
                reflectance: rng.random_range(0.8..0.92),
                content: Content::Barcode {
                    edges,
                    seed: rng.random(),
                },
            }
        } else if kind < 78 {
            let hw = rng.random_range(0.12..0.3) * w;
            Item {
                cx,
                cy,
                cos,
                sin,
                hw,
                hh: hw * rng.random_range(1.3..2.0),
                radius: hw * 0.12,
                reflectance: rng.random_range(0.02..0.08),
                content: Content::Device {
                    screen: rng.random_range(0.05..0.25),
                },
            }
        } else {
            let hh = rng.random_range(0.008..0.02) * w;
            Item {
                cx,
                cy,
                cos,
                sin,
                hw: rng.random_range(0.12..0.3) * w,
                hh,
                radius: hh,
                reflectance: rng.random_range(0.04..0.7),
                content: Content::Blank,
            }
        };
        items.push(item);
    }
    // Papers lie below labels, devices and pens.
    items.sort_by_key(|i| !matches!(i.content, Content::Form { .. }));
    for item in &items {
        let (x0, y0, x1, y1) = item.bbox();
        let xs = (x0.floor().max(0.0) as usize)..(x1.ceil().clamp(0.0, w) as usize);
        let ys = (y0.floor().max(0.0) as usize)..(y1.ceil().clamp(0.0, h) as usize);
        for y in ys {
            for x in xs.clone() {
                let (a, r) = item.sample(x as f32 + 0.5, y as f32 + 0.5);
                if a > 0.0 {
                    let o = &mut out[y * width + x];
                    *o = *o * (1.0 - a) + r * a;
                }
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ean13_matches_a_known_symbol() {
        // 4901234567894: first digit 4 → parity LGLLGG.
        let m = ean13_modules([4, 9, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
        assert_eq!(m.len(), 95);
        let s: String = m.iter().map(|b| if *b { '1' } else { '0' }).collect();
        // Start guard, then 9 in L (0001011), 0 in G (0100111).
        assert!(s.starts_with("101"));
        assert_eq!(&s[3..10], "0001011");
        assert_eq!(&s[10..17], "0100111");
        // Check digit 4 in R code (1011100) just before the end guard.
        assert_eq!(&s[85..92], "1011100");
        assert!(s.ends_with("101"));
    }

    #[test]
    fn clutter_is_deterministic_and_varied() {
        let a = render(&Background::Cluttered { seed: 5 }, 320, 240);
        let b = render(&Background::Cluttered { seed: 5 }, 320, 240);
        let c = render(&Background::Cluttered { seed: 6 }, 320, 240);
        assert_eq!(a, b);
        assert_ne!(a, c);
        let min = a.iter().cloned().fold(1.0, f32::min);
        let max = a.iter().cloned().fold(0.0, f32::max);
        assert!(max - min > 0.2, "clutter has contrast: {min}..{max}");
    }
}
