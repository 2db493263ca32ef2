//! Finding lines of equally tall, evenly pitched characters in a frame, along the
//! ticket's axes, without turning the frame.
//!
//! The frame (halved when large: ticket digits are then still several pixels tall) is
//! binarised, 3×3 means against the local mean (noise; uneven light, shadows),
//! straight into runs of dark pixels per row; runs that touch (8-connected) are joined
//! by union-find into components ([`Ink`], once per frame, whatever the angle). Each component is measured along the ticket's axes — `u` along its rows
//! of print, `v` across them — so its extents are those it would have in the frame
//! turned upright. Components of character size whose neighbour lies about one pitch
//! further along `u` (or along `v`, for a quarter-turned ticket) on the same baseline
//! and with the same height are chained; a least-squares fit of the centres against
//! their cell index gives the line's origin, pitch and slope, so missing or broken
//! characters do not shift the others.

use crate::GrayFrame;

/// Characters in a ticket's OCR line.
pub const LINE_CHARS: usize = 18;

/// Most cells a fitted line may span before it is taken for a ticket's line running
/// on into other print (the reader accepts up to 18 + 6).
const MAX_CELLS: usize = LINE_CHARS + 6;

/// Shortest chain of components taken for a line (the rest may be broken or merged).
const MIN_CHAIN: usize = 12;

/// Blobs looked at, nearest along the line first, for each blob's successor: keeps a
/// frame full of small dark specks (noise, texture) bounded in time.
const MAX_SUCCESSOR_SCAN: usize = 256;

/// Half side of the local-mean window, in frame pixels.
const MEAN_RADIUS: usize = 12;

/// A pixel is ink when its 3×3 mean is below this share of the window's mean…
const DARK_RATIO: f32 = 0.91;
/// …and below it by this many gray levels.
const DARK_MARGIN: f32 = 8.0;

/// Frames with more pixels than this are binarised at half resolution.
const HALVE_ABOVE: usize = 500_000;

/// A fitted line of character cells in frame coordinates.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CellLine {
    /// Centre of cell 0.
    pub origin: (f32, f32),
    /// Vector from one cell centre to the next, at cell 0.
    pub step: (f32, f32),
    /// Change of the step per cell, halved (perspective): cell `k` is centred at
    /// `origin + step·k + bend·k²`.
    pub bend: (f32, f32),
    /// Ink height of the characters in pixels, at cell 0.
    pub height: f32,
    /// Change of the ink height per cell (perspective).
    pub height_step: f32,
    /// Number of cells from the first to the last component found.
    pub cells: usize,
    /// Components the line was fitted to (at most `cells`).
    pub members: usize,
}

impl CellLine {
    /// Centre of cell `k` (may be outside `0..cells`).
    pub fn center(&self, k: f32) -> (f32, f32) {
        (
            self.origin.0 + (self.step.0 + self.bend.0 * k) * k,
            self.origin.1 + (self.step.1 + self.bend.1 * k) * k,
        )
    }

    /// Ink height of the characters at cell `k`.
    pub fn height_at(&self, k: f32) -> f32 {
        (self.height + self.height_step * k).max(1.0)
    }

    /// Unit vector along the line at cell `k` (reading direction when the line is
    /// upright).
    pub fn along(&self, k: f32) -> (f32, f32) {
        let (dx, dy) = (
            self.step.0 + 2.0 * self.bend.0 * k,
            self.step.1 + 2.0 * self.bend.1 * k,
        );
        let len = dx.hypot(dy).max(1e-3);
        (dx / len, dy / len)
    }

    /// Unit vector from the top of a character to its bottom at cell `k`, when the
    /// line reads along [`CellLine::along`] (a quarter turn clockwise on screen).
    pub fn down(&self, k: f32) -> (f32, f32) {
        let (ux, uy) = self.along(k);
        (-uy, ux)
    }
}

/// The ticket's axes on screen for its angle (degrees counter-clockwise, y down):
/// `u` along its rows of print, `v` across them.
#[derive(Debug, Clone, Copy)]
struct Axes {
    cos: f32,
    sin: f32,
}

impl Axes {
    fn new(degrees: f32) -> Self {
        let (sin, cos) = if degrees.is_finite() {
            degrees.to_radians().sin_cos()
        } else {
            (0.0, 1.0)
        };
        Self { cos, sin }
    }

    /// `(u, v)` of a frame point.
    fn to_ticket(self, x: f32, y: f32) -> (f32, f32) {
        (x * self.cos - y * self.sin, x * self.sin + y * self.cos)
    }

    /// The frame point (or vector) at ticket coordinates `(u, v)`.
    fn to_frame(self, u: f32, v: f32) -> (f32, f32) {
        (u * self.cos + v * self.sin, -u * self.sin + v * self.cos)
    }
}

/// A character-sized dark component, measured along the axes a line would run on.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Blob {
    /// Centre along the line.
    cu: f32,
    /// Centre across the line.
    cv: f32,
    /// Extent along the line, frame pixels.
    width: f32,
    /// Extent across the line, frame pixels.
    height: f32,
}

impl Blob {
    /// `(u0, u1, v0, v1)`.
    fn bounds(self) -> (f32, f32, f32, f32) {
        let (hw, hh) = (self.width / 2.0, self.height / 2.0);
        (self.cu - hw, self.cu + hw, self.cv - hh, self.cv + hh)
    }

    fn transposed(self) -> Self {
        Self {
            cu: self.cv,
            cv: self.cu,
            width: self.height,
            height: self.width,
        }
    }
}

/// A horizontal run of dark pixels `x0..x1` on row `y` (working pixels).
#[derive(Debug, Clone, Copy)]
struct Run {
    y: u32,
    x0: u32,
    x1: u32,
}

/// The frame at half resolution (2×2 means), for large frames.
fn halve(frame: &GrayFrame) -> (Vec<u8>, usize, usize) {
    let (w, h) = (frame.width() as usize, frame.height() as usize);
    let (hw, hh) = (w / 2, h / 2);
    let px = frame.pixels();
    let mut out = vec![0u8; hw * hh];
    // Two rows added first, then pairs of columns: both loops vectorise.
    let mut pairs = vec![0u16; 2 * hw];
    for (y, row) in out.chunks_exact_mut(hw).enumerate() {
        let a = &px[2 * y * w..2 * y * w + 2 * hw];
        let b = &px[(2 * y + 1) * w..(2 * y + 1) * w + 2 * hw];
        for ((s, &a), &b) in pairs.iter_mut().zip(a).zip(b) {
            *s = u16::from(a) + u16::from(b);
        }
        for (o, s) in row.iter_mut().zip(pairs.chunks_exact(2)) {
            *o = ((s[0] + s[1] + 2) >> 2) as u8;
        }
    }
    (out, hw, hh)
}

/// Runs of dark pixels, row after row: pixels whose 3×3 mean is darker than the mean
/// of the window `2r+1` around them by a margin. The small mean keeps blurred, noisy
/// strokes whole (sensor noise alone would break a thin stroke into specks), the
/// large one follows uneven light and shadows. The window sums slide: a column sum per
/// x, a prefix over it per row.
fn dark_runs(px: &[u8], w: usize, h: usize, r: usize) -> Vec<Run> {
    let (ratio, margin) = (DARK_RATIO, DARK_MARGIN);
    let mut runs = Vec::new();
    let mut colsum = vec![0u32; w];
    let mut prefix = vec![0u32; w + 1];
    let mut near = vec![0f32; w];
    let mut dark = vec![0u8; w];
    let mut col3 = vec![0u16; w];
    for row in px.chunks_exact(w).take(r.min(h - 1) + 1) {
        for (c, &p) in colsum.iter_mut().zip(row) {
            *c += u32::from(p);
        }
    }
    for y in 0..h {
        if y > 0 {
            if y + r < h {
                for (c, &p) in colsum.iter_mut().zip(&px[(y + r) * w..(y + r + 1) * w]) {
                    *c += u32::from(p);
                }
            }
            if y > r {
                let out = y - r - 1;
                for (c, &p) in colsum.iter_mut().zip(&px[out * w..(out + 1) * w]) {
                    *c -= u32::from(p);
                }
            }
        }
        let rows = ((y + r).min(h - 1) - y.saturating_sub(r) + 1) as u32;
        let mut acc = 0u32;
        for (p, &c) in prefix[1..].iter_mut().zip(&colsum) {
            acc += c;
            *p = acc;
        }
        // The 3×3 sum around each pixel (edge rows and columns repeated), as a mean.
        let (up, mid, down) = (
            &px[y.saturating_sub(1) * w..][..w],
            &px[y * w..][..w],
            &px[(y + 1).min(h - 1) * w..][..w],
        );
        for (((c, &a), &b), &d) in col3.iter_mut().zip(up).zip(mid).zip(down) {
            *c = u16::from(a) + u16::from(b) + u16::from(d);
        }
        near[0] = f32::from(2 * col3[0] + col3[1.min(w - 1)]) / 9.0;
        near[w - 1] = f32::from(2 * col3[w - 1] + col3[w.saturating_sub(2)]) / 9.0;
        for (n, c) in near[1..w - 1].iter_mut().zip(col3.windows(3)) {
            *n = f32::from(c[0] + c[1] + c[2]) * (1.0 / 9.0);
        }
        // p < ratio·mean and mean − p > margin, with mean = window sum / area.
        let test = |p: f32, sum: u32, area: u32| -> u8 {
            let (sum, area) = (sum as f32, area as f32);
            u8::from(p * area < ratio * sum && (p + margin) * area < sum)
        };
        if w > 2 * r + 1 {
            for x in 0..r {
                dark[x] = test(near[x], prefix[x + r + 1], rows * (x + r + 1) as u32);
            }
            // Interior: constant window width, a loop the compiler can vectorise.
            let area = (rows * (2 * r + 1) as u32) as f32;
            let interior = r..w - r;
            let lo = &prefix[..w - 2 * r];
            let hi = &prefix[2 * r + 1..];
            for (((d, &p), &a), &b) in dark[interior.clone()]
                .iter_mut()
                .zip(&near[interior])
                .zip(lo)
                .zip(hi)
            {
                let sum = (b - a) as f32;
                *d = u8::from(p * area < ratio * sum) & u8::from((p + margin) * area < sum);
            }
            for x in w - r..w {
                dark[x] = test(
                    near[x],
                    prefix[w] - prefix[x - r],
                    rows * (w - x + r) as u32,
                );
            }
        } else {
            for x in 0..w {
                let (xa, xb) = (x.saturating_sub(r), (x + r + 1).min(w));
                dark[x] = test(near[x], prefix[xb] - prefix[xa], rows * (xb - xa) as u32);
            }
        }
        let mut x = 0;
        loop {
            x = next_byte(&dark, x, 0);
            if x >= w {
                break;
            }
            let x0 = x;
            x = next_byte(&dark, x, 1);
            runs.push(Run {
                y: y as u32,
                x0: x0 as u32,
                x1: x as u32,
            });
        }
    }
    runs
}

/// The first index from `x` on whose flag (0 or 1) differs from `same`, or the length:
/// eight flags at a time, most of a row being paper.
fn next_byte(flags: &[u8], mut x: usize, same: u8) -> usize {
    let all = u64::from_le_bytes([same; 8]);
    while let Some(chunk) = flags.get(x..x + 8) {
        let word = u64::from_le_bytes(chunk.try_into().expect("eight bytes")) ^ all;
        if word != 0 {
            return x + (word.trailing_zeros() / 8) as usize;
        }
        x += 8;
    }
    while x < flags.len() && flags[x] == same {
        x += 1;
    }
    x
}

fn find_root(parent: &mut [u32], mut i: u32) -> u32 {
    while parent[i as usize] != i {
        let up = parent[parent[i as usize] as usize];
        parent[i as usize] = up;
        i = up;
    }
    i
}

/// Extents of one component.
#[derive(Debug, Clone, Copy)]
struct Extent {
    count: u32,
    u0: f32,
    u1: f32,
    v0: f32,
    v1: f32,
}

/// The dark ink of a frame: runs of dark pixels joined into 8-connected components.
/// Binarising and labelling do not depend on the ticket's angle, so one `Ink` serves
/// every angle a line is looked for at.
pub struct Ink {
    runs: Vec<Run>,
    /// Component number of each run, `0..components`.
    label: Vec<u32>,
    components: usize,
    /// Frame pixels per working pixel.
    scale: f32,
}

impl Ink {
    /// Binarises the frame (halved when large) and labels its components.
    pub fn of(frame: &GrayFrame) -> Self {
        let (w, h) = (frame.width() as usize, frame.height() as usize);
        if w < 16 || h < 8 {
            return Self {
                runs: Vec::new(),
                label: Vec::new(),
                components: 0,
                scale: 1.0,
            };
        }
        let (runs, scale) = if w * h > HALVE_ABOVE {
            let (half, hw, hh) = halve(frame);
            (dark_runs(&half, hw, hh, MEAN_RADIUS / 2), 2.0)
        } else {
            (dark_runs(frame.pixels(), w, h, MEAN_RADIUS), 1.0)
        };
        let (label, components) = label_runs(&runs);
        Self {
            runs,
            label,
            components,
            scale,
        }
    }

    /// The components of character size, measured along the axes of a ticket turned
    /// by `axes` (frame pixels).
    fn blobs(&self, axes: Axes) -> Vec<Blob> {
        let scale = self.scale;
        let empty = Extent {
            count: 0,
            u0: f32::INFINITY,
            u1: f32::NEG_INFINITY,
            v0: f32::INFINITY,
            v1: f32::NEG_INFINITY,
        };
        let mut extents = vec![empty; self.components];
        for (run, &label) in self.runs.iter().zip(&self.label) {
            let yc = (run.y as f32 + 0.5) * scale;
            let (ua, va) = axes.to_ticket((run.x0 as f32 + 0.5) * scale, yc);
            let (ub, vb) = axes.to_ticket((run.x1 as f32 - 0.5) * scale, yc);
            let e = &mut extents[label as usize];
            e.count += run.x1 - run.x0;
            e.u0 = e.u0.min(ua.min(ub));
            e.u1 = e.u1.max(ua.max(ub));
            e.v0 = e.v0.min(va.min(vb));
            e.v1 = e.v1.max(va.max(vb));
        }
        let pixel_area = scale * scale;
        extents
            .iter()
            .filter_map(|e| {
                let (bw, bh) = (e.u1 - e.u0 + scale, e.v1 - e.v0 + scale);
                let fill = e.count as f32 * pixel_area / (bw * bh);
                // Character-shaped in either orientation: lines may run along u or v.
                let (long, short) = (bw.max(bh), bw.min(bh));
                ((7.0..=160.0).contains(&long) && short >= 0.25 * long && fill > 0.12).then(|| {
                    Blob {
                        cu: (e.u0 + e.u1) / 2.0,
                        cv: (e.v0 + e.v1) / 2.0,
                        width: bw,
                        height: bh,
                    }
                })
            })
            .collect()
    }

    /// Lines of evenly pitched, equally tall characters running along either axis of
    /// a ticket turned by `angle` degrees (counter-clockwise on screen; only its value
    /// modulo 90° matters), best first: the most components, then the closest to 18
    /// cells.
    pub fn lines(&self, angle: f32) -> Vec<CellLine> {
        let axes = Axes::new(angle);
        let found = self.blobs(axes);
        let to_frame = |swap: bool, l: CellLine| {
            let frame = |(a, b): (f32, f32)| {
                let (u, v) = if swap { (b, a) } else { (a, b) };
                axes.to_frame(u, v)
            };
            CellLine {
                origin: frame(l.origin),
                step: frame(l.step),
                bend: frame(l.bend),
                ..l
            }
        };
        let mut lines: Vec<CellLine> = chains(found.clone())
            .into_iter()
            .map(|l| to_frame(false, l))
            .collect();
        let transposed = found.into_iter().map(Blob::transposed).collect();
        lines.extend(chains(transposed).into_iter().map(|l| to_frame(true, l)));
        lines.sort_by_key(|l| (std::cmp::Reverse(l.members), l.cells.abs_diff(LINE_CHARS)));
        lines
    }

    /// Angles (modulo 90°, in `(-45, 45]`) along which rows of equally tall blobs run
    /// in the frame, other than `hint` (more than 6 degrees from it and
    /// from each other), most rows first, at most `max` of them.
    ///
    /// The frame's dominant edge direction is not always the ticket's: a page of text
    /// behind a small ticket outweighs it. Neighbouring characters of one size lie
    /// along their line, so the directions from each blob to its nearest neighbour of
    /// the same size vote for the angles text runs at.
    pub fn text_angles(&self, hint: f32, max: usize) -> Vec<f32> {
        let axes = Axes::new(hint);
        let mut blobs = self.blobs(axes);
        blobs.sort_by(|a, b| a.cu.total_cmp(&b.cu));
        let centers: Vec<f32> = blobs.iter().map(|b| b.cu).collect();
        let mut votes = [0f32; 90];
        for a in &blobs {
            let size = a.height.max(a.width);
            let reach = 1.8 * size;
            let lo = centers.partition_point(|&c| c < a.cu - reach);
            let hi = centers.partition_point(|&c| c <= a.cu + reach);
            let mut nearest: Option<(f32, f32, f32)> = None;
            for b in blobs[lo..hi.min(lo + MAX_SUCCESSOR_SCAN)].iter() {
                let (du, dv) = (b.cu - a.cu, b.cv - a.cv);
                let d = du.hypot(dv);
                let other = b.height.max(b.width);
                if d < 0.5 * size || d > reach || (other - size).abs() > 0.2 * size {
                    continue;
                }
                if nearest.is_none_or(|n| d < n.0) {
                    nearest = Some((d, du, dv));
                }
            }
            if let Some((_, du, dv)) = nearest {
                let theta = hint - dv.atan2(du).to_degrees();
                let bin = (theta + 45.0).rem_euclid(90.0) as usize;
                votes[bin.min(89)] += 1.0;
            }
        }
        let smooth: Vec<f32> = (0..90)
            .map(|i| (0..5).map(|k| votes[(i + 88 + k) % 90]).sum())
            .collect();
        let apart = |a: f32, b: f32| (a - b + 45.0).rem_euclid(90.0) - 45.0;
        let mut taken: Vec<f32> = vec![hint];
        let mut out = Vec::new();
        while out.len() < max {
            let best = (0..90)
                .filter(|&i| {
                    let angle = i as f32 + 0.5 - 45.0;
                    // A peak of its own, not the flank of one already taken.
                    let peak = (1..=2).all(|k| {
                        smooth[i] >= smooth[(i + k) % 90] && smooth[i] >= smooth[(i + 90 - k) % 90]
                    });
                    peak && taken.iter().all(|&t| apart(angle, t).abs() > ANGLE_APART)
                })
                .max_by(|&a, &b| smooth[a].total_cmp(&smooth[b]));
            let Some(i) = best.filter(|&i| smooth[i] >= MIN_ANGLE_VOTES) else {
                break;
            };
            // Sub-bin: the weighted mean of the five bins around the peak.
            let (mut sum, mut weight) = (0f32, 0f32);
            for k in -2i32..=2 {
                let bin = (i as i32 + k).rem_euclid(90) as usize;
                sum += votes[bin] * (i as f32 + k as f32 + 0.5);
                weight += votes[bin];
            }
            let angle = crate::rectify::modulo_quarter(sum / weight.max(1e-6) - 45.0);
            taken.push(angle);
            out.push(angle);
        }
        out
    }
}

/// Degrees apart two angles must be for a line search at one to find what the other
/// misses.
const ANGLE_APART: f32 = 6.0;
/// Neighbour directions (over five 1° bins) that make an angle worth a line search:
/// one OCR line gives about 17.
const MIN_ANGLE_VOTES: f32 = 10.0;

/// Component number of each run (8-connected, by union-find), and the number of
/// components.
fn label_runs(runs: &[Run]) -> (Vec<u32>, usize) {
    let mut parent: Vec<u32> = (0..runs.len() as u32).collect();
    // Runs are ordered by row, then x: sweep each row against the one above.
    let mut prev = 0..0;
    let mut start = 0;
    while start < runs.len() {
        let y = runs[start].y;
        let mut end = start;
        while end < runs.len() && runs[end].y == y {
            end += 1;
        }
        if prev.end > prev.start && runs[prev.start].y + 1 == y {
            let mut j = prev.start;
            for i in start..end {
                let (a0, a1) = (runs[i].x0, runs[i].x1);
                // Skip runs above that end before this one starts (diagonal touch counts).
                while j < prev.end && runs[j].x1 < a0 {
                    j += 1;
                }
                let mut k = j;
                while k < prev.end && runs[k].x0 <= a1 {
                    let (ra, rb) = (
                        find_root(&mut parent, i as u32),
                        find_root(&mut parent, k as u32),
                    );
                    if ra != rb {
                        parent[ra.max(rb) as usize] = ra.min(rb);
                    }
                    k += 1;
                }
            }
        }
        prev = start..end;
        start = end;
    }
    let mut slot = vec![u32::MAX; runs.len()];
    let mut count = 0u32;
    let mut label = Vec::with_capacity(runs.len());
    for i in 0..runs.len() {
        let root = find_root(&mut parent, i as u32) as usize;
        if slot[root] == u32::MAX {
            slot[root] = count;
            count += 1;
        }
        label.push(slot[root]);
    }
    (label, count as usize)
}

/// Lines of evenly pitched, equally tall characters running along either axis of a
/// ticket turned by `angle` degrees (counter-clockwise on screen; only its value
/// modulo 90° matters), best first: the most components, then the closest to 18 cells.
pub fn find_lines(frame: &GrayFrame, angle: f32) -> Vec<CellLine> {
    Ink::of(frame).lines(angle)
}

/// Lines running along `u` among the blobs, in `(u, v)` coordinates.
fn chains(blobs: Vec<Blob>) -> Vec<CellLine> {
    let mut blobs = join_fragments(blobs);
    blobs.retain(|b| b.width >= 0.25 * b.height && b.width <= 1.1 * b.height);
    blobs.sort_by(|a, b| a.cu.total_cmp(&b.cu));
    let centers: Vec<f32> = blobs.iter().map(|b| b.cu).collect();
    // Each blob's successor: the nearest one a pitch further on the same baseline.
    let next: Vec<Option<usize>> = blobs
        .iter()
        .map(|last| {
            let hgt = last.height;
            let lo = centers.partition_point(|&c| c <= last.cu + 0.45 * hgt);
            let hi = centers.partition_point(|&c| c < last.cu + 2.6 * hgt);
            (lo..hi.min(lo + MAX_SUCCESSOR_SCAN)).find(|&j| {
                let b = &blobs[j];
                (b.cv - last.cv).abs() < 0.3 * hgt
                    && (b.height - hgt).abs() < 0.35 * hgt.max(b.height)
            })
        })
        .collect();
    let mut used = vec![false; blobs.len()];
    let mut lines = Vec::new();
    let mut chain = Vec::new();
    for seed in 0..blobs.len() {
        if used[seed] {
            continue;
        }
        chain.clear();
        chain.push(seed);
        let mut at = seed;
        while let Some(j) = next[at] {
            if used[j] {
                break;
            }
            chain.push(j);
            at = j;
        }
        if chain.len() < MIN_CHAIN {
            continue;
        }
        let members: Vec<Blob> = chain.iter().map(|&i| blobs[i]).collect();
        let found = fit_parts(&members);
        if !found.is_empty() {
            for &i in &chain {
                used[i] = true;
            }
            lines.extend(found);
        }
    }
    lines
}

/// The line fitted to a chain, or, when the chain runs on into other print on the
/// same baseline (more cells than a ticket's line can have), the lines fitted to its
/// two parts either side of its widest gap.
fn fit_parts(chain: &[Blob]) -> Vec<CellLine> {
    let Some(line) = fit(chain) else {
        return Vec::new();
    };
    if line.cells <= MAX_CELLS {
        return vec![line];
    }
    let widest = chain
        .windows(2)
        .enumerate()
        .max_by(|a, b| (a.1[1].cu - a.1[0].cu).total_cmp(&(b.1[1].cu - b.1[0].cu)))
        .map(|(i, _)| i + 1);
    let Some(at) = widest else {
        return vec![line];
    };
    let parts: Vec<CellLine> = [&chain[..at], &chain[at..]]
        .into_iter()
        .filter(|part| part.len() >= MIN_CHAIN)
        .filter_map(fit)
        .collect();
    if parts.is_empty() { vec![line] } else { parts }
}

/// Blobs with the pieces of broken characters joined: a small, blurred 0 or 8 whose
/// thin sides fall under the threshold comes apart into arcs stacked across the line
/// (along `v`). Two blobs are pieces of one character when they overlap along `u` by
/// at least half the narrower one, the gap between them is small, neither is most of
/// the joined height, and the joined box is still character-shaped (a digit and the
/// label above it are not).
fn join_fragments(mut blobs: Vec<Blob>) -> Vec<Blob> {
    blobs.sort_by(|a, b| a.cu.total_cmp(&b.cu));
    let n = blobs.len();
    let mut parent: Vec<u32> = (0..n as u32).collect();
    let mut merged = blobs.clone();
    for i in 0..n {
        let a = blobs[i];
        for (j, &b) in blobs
            .iter()
            .enumerate()
            .take(i + 1 + MAX_SUCCESSOR_SCAN)
            .skip(i + 1)
        {
            if b.cu - a.cu > 0.5 * a.width.max(b.width) {
                break;
            }
            let (ra, rb) = (
                find_root(&mut parent, i as u32),
                find_root(&mut parent, j as u32),
            );
            if ra == rb {
                continue;
            }
            let (p, q) = (merged[ra as usize], merged[rb as usize]);
            let (pu0, pu1, pv0, pv1) = p.bounds();
            let (qu0, qu1, qv0, qv1) = q.bounds();
            let overlap = pu1.min(qu1) - pu0.max(qu0);
            let (u0, u1, v0, v1) = (pu0.min(qu0), pu1.max(qu1), pv0.min(qv0), pv1.max(qv1));
            let (width, height) = (u1 - u0, v1 - v0);
            let gap = pv0.max(qv0) - pv1.min(qv1);
            if overlap >= 0.5 * p.width.min(q.width)
                && p.width.min(q.width) >= 0.6 * p.width.max(q.width)
                && gap <= 0.25 * height
                && p.height.max(q.height) < 0.65 * height
                && height <= 2.0 * width
            {
                let root = ra.min(rb);
                parent[ra.max(rb) as usize] = root;
                merged[root as usize] = Blob {
                    cu: (u0 + u1) / 2.0,
                    cv: (v0 + v1) / 2.0,
                    width,
                    height,
                };
            }
        }
    }
    (0..n)
        .filter(|&i| find_root(&mut parent, i as u32) == i as u32)
        .map(|i| merged[i])
        .collect()
}

/// Fits cell centres `origin + step·k` to the chain, `k` from the gaps.
fn fit(chain: &[Blob]) -> Option<CellLine> {
    let gaps: Vec<f32> = chain.windows(2).map(|p| p[1].cu - p[0].cu).collect();
    let mut sorted = gaps.clone();
    sorted.sort_by(f32::total_cmp);
    // The smaller half of the gaps are single pitches even when characters are missing;
    // the pitch is the median of those near the lower quartile (perspective stretches
    // the pitch along the line a little).
    let quartile = sorted[sorted.len() / 4];
    let singles = sorted.partition_point(|&g| g <= 1.4 * quartile);
    let pitch = sorted[singles / 2];
    if pitch <= 0.0 {
        return None;
    }
    // Cell indices gap by gap, so that a slowly changing pitch does not add up.
    let mut ks = Vec::with_capacity(chain.len());
    ks.push(0f32);
    for g in &gaps {
        let last = *ks.last()?;
        ks.push(last + (g / pitch).round().max(1.0));
    }
    let (ou, su, bu) = quadratic(&ks, &|i| chain[i].cu, true)?;
    let (ov, sv, bv) = quadratic(&ks, &|i| chain[i].cv, true)?;
    let mut heights: Vec<f32> = chain.iter().map(|b| b.height).collect();
    heights.sort_by(f32::total_cmp);
    let height = heights[heights.len() / 2];
    let cells = *ks.last()? as usize + 1;
    // Perspective shrinks the characters towards the far end: a straight fit of the
    // heights, kept only while it stays near the median over the whole line.
    let (h0, hs, _) = quadratic(&ks, &|i| chain[i].height, false)?;
    let last = (cells - 1) as f32;
    let (h0, hs) = if [h0, h0 + hs * last]
        .iter()
        .all(|h| (0.7 * height..=1.3 * height).contains(h))
    {
        (h0, hs)
    } else {
        (height, 0.0)
    };
    // Sanity: pitch between 0.6 and 1.6 character heights.
    if !(0.6 * height..=1.6 * height).contains(&su) {
        return None;
    }
    Some(CellLine {
        origin: (ou, ov),
        step: (su, sv),
        bend: (bu, bv),
        height: h0,
        height_step: hs,
        cells,
        members: chain.len(),
    })
}

/// Least-squares `y = a + b·k + c·k²` through the points `(ks[i], y(i))`: `(a, b, c)`.
/// Perspective changes the pitch along a line; the square term follows it. Short
/// chains, or `square == false`, get a straight line (`c = 0`).
fn quadratic(ks: &[f32], y: &dyn Fn(usize) -> f32, square: bool) -> Option<(f32, f32, f32)> {
    let n = ks.len() as f64;
    let mean_k = ks.iter().map(|&k| f64::from(k)).sum::<f64>() / n;
    let mean_y = (0..ks.len()).map(|i| f64::from(y(i))).sum::<f64>() / n;
    let (mut s2, mut s3, mut s4, mut sxy, mut sxxy) = (0f64, 0f64, 0f64, 0f64, 0f64);
    for (i, &k) in ks.iter().enumerate() {
        let x = f64::from(k) - mean_k;
        let dy = f64::from(y(i)) - mean_y;
        s2 += x * x;
        s3 += x * x * x;
        s4 += x * x * x * x;
        sxy += x * dy;
        sxxy += x * x * dy;
    }
    if s2 <= 0.0 {
        return None;
    }
    // Centred: y − ȳ = b·x + c·(x² − s2/n); the normal equations are 2×2.
    let (m11, m12, m22) = (s2, s3, s4 - s2 * s2 / n);
    let det = m11 * m22 - m12 * m12;
    let (b, c) = if square && ks.len() >= 8 && det > 1e-9 * m11 * m22.max(1.0) {
        (
            (sxy * m22 - sxxy * m12) / det,
            (m11 * sxxy - m12 * sxy) / det,
        )
    } else {
        (sxy / s2, 0.0)
    };
    let a = mean_y - c * s2 / n;
    // Back from x = k − mean_k to k.
    let (a, b) = (a - b * mean_k + c * mean_k * mean_k, b - 2.0 * c * mean_k);
    Some((a as f32, b as f32, c as f32))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A white frame with dark rectangles `(x0, y0, x1, y1)` (exclusive ends).
    fn boxes(w: usize, h: usize, rects: &[(usize, usize, usize, usize)]) -> Vec<u8> {
        let mut px = vec![240u8; w * h];
        for &(x0, y0, x1, y1) in rects {
            for y in y0..y1 {
                px[y * w + x0..y * w + x1].fill(20);
            }
        }
        px
    }

    /// The ink of a small frame (not halved).
    fn ink(px: &[u8], w: usize, h: usize) -> Ink {
        Ink::of(&GrayFrame::new(w as u32, h as u32, px.to_vec()).unwrap())
    }

    #[test]
    fn components_join_runs_that_touch_diagonally() {
        let (w, h) = (60, 40);
        // Two squares meeting at a corner, and one apart.
        let px = boxes(w, h, &[(5, 5, 15, 15), (15, 15, 25, 25), (40, 5, 50, 15)]);
        let mut blobs = ink(&px, w, h).blobs(Axes::new(0.0));
        blobs.sort_by(|a, b| a.cu.total_cmp(&b.cu));
        assert_eq!(blobs.len(), 2, "{blobs:?}");
        // Ink is judged on 3×3 means: a sharp edge spreads by a pixel.
        assert!((20.0..=22.0).contains(&blobs[0].width), "{blobs:?}");
        assert!((20.0..=22.0).contains(&blobs[0].height), "{blobs:?}");
        assert_eq!((blobs[1].cu, blobs[1].cv), (45.0, 10.0));
    }

    #[test]
    fn extents_are_measured_along_the_ticket_axes() {
        // A 10×20 bar seen by a ticket turned a quarter: its u extent is its height.
        let (w, h) = (40, 40);
        let px = boxes(w, h, &[(15, 10, 25, 30)]);
        let blobs = ink(&px, w, h).blobs(Axes::new(90.0));
        assert_eq!(blobs.len(), 1);
        assert!((blobs[0].width - 21.0).abs() < 1.01, "{blobs:?}");
        assert!((blobs[0].height - 11.0).abs() < 1.01, "{blobs:?}");
    }

    #[test]
    fn a_line_running_on_into_other_print_is_cut_at_its_widest_gap() {
        let blob = |cu: f32| Blob {
            cu,
            cv: 50.0,
            width: 7.0,
            height: 11.0,
        };
        // Six blobs of other print, a gap of three pitches, then 18 characters.
        let chain: Vec<Blob> = (0..6)
            .map(|k| blob(k as f32 * 10.0))
            .chain((0..18).map(|k| blob(80.0 + k as f32 * 10.0)))
            .collect();
        assert!(fit(&chain).expect("a fit").cells > MAX_CELLS);
        let lines = fit_parts(&chain);
        assert_eq!(lines.len(), 1, "{lines:?}");
        assert_eq!(lines[0].cells, LINE_CHARS);
        assert!((lines[0].origin.0 - 80.0).abs() < 0.5, "{lines:?}");
        // A line of a ticket's length is left whole.
        assert_eq!(fit_parts(&chain[6..]), vec![fit(&chain[6..]).unwrap()]);
    }

    #[test]
    fn halving_averages_pixel_quads() {
        let frame = GrayFrame::new(4, 2, vec![0, 4, 8, 8, 4, 8, 8, 8]).unwrap();
        let (half, w, h) = halve(&frame);
        assert_eq!((w, h), (2, 1));
        assert_eq!(half, vec![4, 8]);
    }

    #[test]
    fn tiny_frames_have_no_lines() {
        let frame = GrayFrame::new(10, 5, vec![0; 50]).unwrap();
        assert!(find_lines(&frame, 0.0).is_empty());
        let frame = GrayFrame::new(3, 300, vec![0; 900]).unwrap();
        assert!(find_lines(&frame, 33.0).is_empty());
    }
}
