//! Finding a line of equally tall, evenly pitched characters in an upright frame.
//!
//! The frame is binarised against its local mean (uneven light, shadows), dark
//! connected components of character size are collected, and chains of components of
//! the same height on one baseline, each about one pitch from the next, become lines.
//! A least-squares fit of the centres against their cell index gives the line's origin,
//! pitch and slope, so missing or broken characters do not shift the others.

use crate::GrayFrame;

/// Characters in a ticket's OCR line.
pub const LINE_CHARS: usize = 18;

/// Shortest chain of components taken for a line (the rest may be broken or merged).
const MIN_CHAIN: usize = 12;

/// A character-sized dark component.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Blob {
    x0: u32,
    y0: u32,
    x1: u32,
    y1: u32,
}

impl Blob {
    fn height(&self) -> f32 {
        (self.y1 - self.y0 + 1) as f32
    }
    fn cx(&self) -> f32 {
        (self.x0 + self.x1) as f32 / 2.0 + 0.5
    }
    fn cy(&self) -> f32 {
        (self.y0 + self.y1) as f32 / 2.0 + 0.5
    }
}

/// A fitted line of character cells in frame coordinates.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CellLine {
    /// Centre of cell 0.
    pub origin: (f32, f32),
    /// Vector from one cell centre to the next.
    pub step: (f32, f32),
    /// Ink height of the characters in pixels.
    pub height: f32,
    /// Number of cells from the first to the last component found.
    pub cells: usize,
}

impl CellLine {
    /// Centre of cell `k` (may be outside `0..cells`).
    pub fn center(&self, k: f32) -> (f32, f32) {
        (
            self.origin.0 + self.step.0 * k,
            self.origin.1 + self.step.1 * k,
        )
    }
}

/// Dark pixels: darker than the local mean (window `2r+1`) by a margin.
fn binarise(frame: &GrayFrame, r: usize) -> Vec<bool> {
    let (w, h) = (frame.width() as usize, frame.height() as usize);
    let px = frame.pixels();
    let mut integral = vec![0u64; (w + 1) * (h + 1)];
    for y in 0..h {
        let mut row = 0u64;
        for x in 0..w {
            row += u64::from(px[y * w + x]);
            integral[(y + 1) * (w + 1) + x + 1] = integral[y * (w + 1) + x + 1] + row;
        }
    }
    let mut dark = vec![false; w * h];
    for y in 0..h {
        let (ya, yb) = (y.saturating_sub(r), (y + r + 1).min(h));
        for x in 0..w {
            let (xa, xb) = (x.saturating_sub(r), (x + r + 1).min(w));
            let sum = integral[yb * (w + 1) + xb] + integral[ya * (w + 1) + xa]
                - integral[ya * (w + 1) + xb]
                - integral[yb * (w + 1) + xa];
            // p < 0.88·mean and mean − p > 12, in integers: area·p vs the window sum.
            let area = ((yb - ya) * (xb - xa)) as u64;
            let p = u64::from(px[y * w + x]) * area;
            dark[y * w + x] = p * 100 < sum * 88 && sum > p + 12 * area;
        }
    }
    dark
}

/// Bounding boxes of 8-connected dark components of plausible character size.
fn blobs(dark: &[bool], w: usize, h: usize) -> Vec<Blob> {
    let mut seen = vec![false; dark.len()];
    let mut out = Vec::new();
    let mut stack = Vec::new();
    for start in 0..dark.len() {
        if !dark[start] || seen[start] {
            continue;
        }
        seen[start] = true;
        stack.push(start);
        let (mut x0, mut y0, mut x1, mut y1) = (w, h, 0, 0);
        let mut count = 0usize;
        while let Some(i) = stack.pop() {
            let (x, y) = (i % w, i / w);
            count += 1;
            x0 = x0.min(x);
            x1 = x1.max(x);
            y0 = y0.min(y);
            y1 = y1.max(y);
            for dy in -1i64..=1 {
                for dx in -1i64..=1 {
                    let (nx, ny) = (x as i64 + dx, y as i64 + dy);
                    if nx < 0 || ny < 0 || nx >= w as i64 || ny >= h as i64 {
                        continue;
                    }
                    let j = ny as usize * w + nx as usize;
                    if dark[j] && !seen[j] {
                        seen[j] = true;
                        stack.push(j);
                    }
                }
            }
        }
        let (bw, bh) = ((x1 - x0 + 1) as f32, (y1 - y0 + 1) as f32);
        let fill = count as f32 / (bw * bh);
        // Character-shaped in either orientation: lines may run across or down the frame.
        let (long, short) = (bw.max(bh), bw.min(bh));
        if (7.0..=160.0).contains(&long) && short >= 0.25 * long && fill > 0.12 {
            out.push(Blob {
                x0: x0 as u32,
                y0: y0 as u32,
                x1: x1 as u32,
                y1: y1 as u32,
            });
        }
    }
    out
}

/// Lines of evenly pitched, equally tall characters, running along either axis of the
/// frame (a quarter-turned ticket needs no second pass over the pixels).
pub fn find_lines(frame: &GrayFrame) -> Vec<CellLine> {
    let (w, h) = (frame.width() as usize, frame.height() as usize);
    if w < 16 || h < 8 {
        return Vec::new();
    }
    let found = blobs(&binarise(frame, 12), w, h);
    let mut lines = chains(found.clone());
    let transposed = found
        .iter()
        .map(|b| Blob {
            x0: b.y0,
            y0: b.x0,
            x1: b.y1,
            y1: b.x1,
        })
        .collect();
    lines.extend(chains(transposed).into_iter().map(|l| CellLine {
        origin: (l.origin.1, l.origin.0),
        step: (l.step.1, l.step.0),
        ..l
    }));
    lines
}

/// Lines running left to right among the blobs.
fn chains(mut blobs: Vec<Blob>) -> Vec<CellLine> {
    blobs.retain(|b| {
        let (bw, bh) = ((b.x1 - b.x0 + 1) as f32, b.height());
        bw >= 0.25 * bh && bw <= 1.1 * bh
    });
    blobs.sort_by(|a, b| a.cx().total_cmp(&b.cx()));
    let centers: Vec<f32> = blobs.iter().map(Blob::cx).collect();
    let mut used = vec![false; blobs.len()];
    let mut lines = Vec::new();
    for seed in 0..blobs.len() {
        if used[seed] {
            continue;
        }
        let mut chain = vec![seed];
        let mut last = blobs[seed];
        loop {
            let hgt = last.height();
            let lo = centers.partition_point(|&c| c <= last.cx() + 0.45 * hgt);
            let hi = centers.partition_point(|&c| c < last.cx() + 2.6 * hgt);
            let next = (lo..hi)
                .filter(|&j| !used[j] && !chain.contains(&j))
                .filter(|&j| {
                    let b = &blobs[j];
                    let dx = b.cx() - last.cx();
                    dx > 0.45 * hgt
                        && dx < 2.6 * hgt
                        && (b.cy() - last.cy()).abs() < 0.25 * hgt
                        && (b.height() - hgt).abs() < 0.2 * hgt
                })
                .min_by(|&a, &b| {
                    (blobs[a].cx() - last.cx()).total_cmp(&(blobs[b].cx() - last.cx()))
                });
            match next {
                Some(j) => {
                    chain.push(j);
                    last = blobs[j];
                }
                None => break,
            }
        }
        if chain.len() < MIN_CHAIN {
            continue;
        }
        let members: Vec<Blob> = chain.iter().map(|&i| blobs[i]).collect();
        if let Some(line) = fit(&members) {
            for &i in &chain {
                used[i] = true;
            }
            lines.push(line);
        }
    }
    lines
}

/// Fits cell centres `origin + step·k` to the chain, `k` from the gaps.
fn fit(chain: &[Blob]) -> Option<CellLine> {
    let mut gaps: Vec<f32> = chain.windows(2).map(|p| p[1].cx() - p[0].cx()).collect();
    gaps.sort_by(f32::total_cmp);
    // The smaller half of the gaps are single pitches even when characters are missing.
    let pitch = gaps[gaps.len() / 4];
    if pitch <= 0.0 {
        return None;
    }
    let first = chain[0].cx();
    let ks: Vec<f32> = chain
        .iter()
        .map(|b| ((b.cx() - first) / pitch).round())
        .collect();
    let n = ks.len() as f32;
    let mean_k = ks.iter().sum::<f32>() / n;
    let var_k: f32 = ks.iter().map(|k| (k - mean_k).powi(2)).sum();
    if var_k <= 0.0 {
        return None;
    }
    let slope = |v: &dyn Fn(&Blob) -> f32| {
        let mean_v = chain.iter().map(v).sum::<f32>() / n;
        let cov: f32 = chain
            .iter()
            .zip(&ks)
            .map(|(b, k)| (k - mean_k) * (v(b) - mean_v))
            .sum();
        let s = cov / var_k;
        (mean_v - s * mean_k, s)
    };
    let (ox, sx) = slope(&|b: &Blob| b.cx());
    let (oy, sy) = slope(&|b: &Blob| b.cy());
    let mut heights: Vec<f32> = chain.iter().map(Blob::height).collect();
    heights.sort_by(f32::total_cmp);
    let height = heights[heights.len() / 2];
    let cells = *ks.last()? as usize + 1;
    // Sanity: pitch between 0.6 and 1.6 character heights.
    if !(0.6 * height..=1.6 * height).contains(&sx) {
        return None;
    }
    Some(CellLine {
        origin: (ox, oy),
        step: (sx, sy),
        height,
        cells,
    })
}
