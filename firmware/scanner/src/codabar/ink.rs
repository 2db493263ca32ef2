//! Bars of a blurred scan line, measured by their ink.
//!
//! A threshold loses the narrow bars once defocus and motion blur spread them: a
//! narrow bar between wide spaces never gets as dark as a wide bar, so a threshold
//! either misses it or makes every wide bar too wide. Blur moves ink but neither creates
//! nor destroys it, and a symmetric blur keeps its centre where it was. So each dark
//! swing of the line (a local minimum between two light peaks, found with hysteresis
//! so that sensor noise is not taken for bars) is drawn as a bar as wide as its ink
//! divided by the full contrast nearby, centred on the ink's centroid. The result is a
//! row for rxing's NW-7 reader, four bits per pixel so that fractional widths survive.

use rxing::common::BitArray;

/// Bits per pixel of the drawn row.
const SCALE: usize = 4;

/// Smallest swing, in gray levels, that counts as a bar or a space (three times the
/// line's noise when that is more). The line is not smoothed: a narrow bar beside a
/// wide one is often a swing of a dozen gray levels, and smoothing would flatten it.
const MIN_SWING: u32 = 4;

/// Pixels per stretch of the noise estimate.
const NOISE_STRETCH: usize = 16;

/// A bar's depth below the paper must reach 1/this of the contrast nearby.
const MIN_DEPTH_SHARE: u32 = 5;

/// Bars (a valley and a peak each) on each side whose lightest and darkest values set
/// a bar's contrast.
const REACH: usize = 6;

/// One local extremum of the line.
#[derive(Debug, Clone, Copy)]
struct Extremum {
    at: usize,
    /// Gray level.
    value: u32,
}

/// The scan line redrawn as bars measured by their ink, or `None` when it has fewer
/// than `min_bars` dark swings.
pub fn ink_row(line: &[u8], min_bars: usize) -> Option<BitArray> {
    let values: Vec<u32> = line.iter().map(|&v| u32::from(v)).collect();
    let swing = MIN_SWING.max(3 * noise(line));
    let marks = extrema(&values, swing);
    if marks.len() < 2 * min_bars {
        return None;
    }
    let mut row = BitArray::with_size(line.len() * SCALE);
    let mut drawn_to = 0usize;
    // `marks` alternates peaks and valleys: a valley's neighbours are its light peaks.
    for k in 1..marks.len().saturating_sub(1) {
        let (left, valley, right) = (marks[k - 1], marks[k], marks[k + 1]);
        if valley.value >= left.value {
            continue;
        }
        let near = &marks[k.saturating_sub(2 * REACH)..(k + 2 * REACH + 1).min(marks.len())];
        let paper = near.iter().map(|m| m.value).max().unwrap_or(valley.value);
        let black = near.iter().map(|m| m.value).min().unwrap_or(valley.value);
        // Paper texture, noise and stray print in the quiet zones dip a little below
        // the paper; even a blurred narrow bar darkens a good share of the full
        // contrast, and twice what noise alone swings.
        let depth = paper.saturating_sub(valley.value);
        if paper <= black || depth * MIN_DEPTH_SHARE < paper - black || depth < 2 * swing {
            continue;
        }
        let full = (paper - black) as f32;
        let (mut ink, mut moment) = (0f32, 0f32);
        for (x, &v) in values.iter().enumerate().take(right.at + 1).skip(left.at) {
            let mut dark = paper.saturating_sub(v).min(paper - black) as f32 / full;
            if x == left.at || x == right.at {
                dark /= 2.0;
            }
            ink += dark;
            moment += dark * x as f32;
        }
        if ink <= 0.0 {
            continue;
        }
        let centre = moment / ink + 0.5;
        let start = (((centre - ink / 2.0) * SCALE as f32).round().max(0.0) as usize).max(drawn_to);
        let end = (((centre + ink / 2.0) * SCALE as f32).round() as usize).min(row.get_size());
        if start < end {
            // Bit by bit: rxing 0.9.3's `setRange` overflows when a range ends on the
            // last bit of a word.
            (start..end).for_each(|x| row.set(x));
            drawn_to = end;
        }
    }
    Some(row)
}

/// Standard deviation of the sensor noise along the line, in gray levels, from the mean
/// absolute second difference over stretches of [`NOISE_STRETCH`] pixels: the quietest
/// tenth of them (paper, quiet zones) sees noise alone, where every stretch across bars
/// also sees their edges.
fn noise(line: &[u8]) -> u32 {
    let mut stretches: Vec<u32> = line
        .chunks(NOISE_STRETCH + 2)
        .filter(|c| c.len() == NOISE_STRETCH + 2)
        .map(|c| {
            c.windows(3)
                .map(|w| {
                    u32::from(
                        (i16::from(w[0]) - 2 * i16::from(w[1]) + i16::from(w[2])).unsigned_abs(),
                    )
                })
                .sum()
        })
        .collect();
    if stretches.is_empty() {
        return 0;
    }
    let tenth = stretches.len() / 10;
    let (_, quiet, _) = stretches.select_nth_unstable(tenth);
    // Mean |N(0, 6σ²)| = 0.798·√6·σ ≈ 1.95σ.
    *quiet * 100 / (195 * NOISE_STRETCH as u32)
}

/// Alternating light peaks and dark valleys, in order along the line, each differing
/// from the previous one by at least `swing`.
fn extrema(values: &[u32], swing: u32) -> Vec<Extremum> {
    let mut marks = Vec::new();
    let Some(&first) = values.first() else {
        return marks;
    };
    // `Some(true)` after a valley (looking for a peak), `Some(false)` after a peak.
    let mut rising: Option<bool> = None;
    let mut high = Extremum {
        at: 0,
        value: first,
    };
    let mut low = high;
    for (at, &value) in values.iter().enumerate() {
        if rising != Some(false) && value > high.value {
            high = Extremum { at, value };
        }
        if rising != Some(true) && value < low.value {
            low = Extremum { at, value };
        }
        if rising != Some(false) && high.value >= value + swing && high.at < at {
            marks.push(high);
            rising = Some(false);
            low = Extremum { at, value };
        } else if rising != Some(true) && value >= low.value + swing && low.at < at {
            marks.push(low);
            rising = Some(true);
            high = Extremum { at, value };
        }
    }
    // The line may end on the paper after its last bar: that rise is a peak too.
    if rising == Some(true) {
        marks.push(high);
    }
    marks
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// `line` blurred by a Gaussian of `sigma` pixels (edges extended).
    pub(crate) fn blurred(line: &[u8], sigma: f32) -> Vec<u8> {
        let reach = (3.0 * sigma).ceil() as i64;
        let kernel: Vec<f32> = (-reach..=reach)
            .map(|d| (-(d * d) as f32 / (2.0 * sigma * sigma)).exp())
            .collect();
        let total: f32 = kernel.iter().sum();
        let last = line.len() as i64 - 1;
        (0..line.len() as i64)
            .map(|x| {
                let sum: f32 = kernel
                    .iter()
                    .zip(-reach..=reach)
                    .map(|(k, d)| k * f32::from(line[(x + d).clamp(0, last) as usize]))
                    .sum();
                (sum / total).round() as u8
            })
            .collect()
    }

    /// Runs of set bits as (start, length), in pixels.
    fn bars(row: &BitArray) -> Vec<(f32, f32)> {
        let (mut out, mut x) = (Vec::new(), row.getNextSet(0));
        while x < row.get_size() {
            let end = row.getNextUnset(x);
            out.push((x as f32 / SCALE as f32, (end - x) as f32 / SCALE as f32));
            x = row.getNextSet(end);
        }
        out
    }

    #[test]
    fn blurred_bars_keep_their_width_and_place() {
        // Narrow (2 px) and wide (6 px) bars, 20 gray levels of paper texture apart
        // from the print, blurred until the narrow ones never get near black.
        let print = [(40, 2), (46, 6), (58, 2), (64, 2), (70, 6), (84, 2)];
        let mut line = vec![200u8; 130];
        for &(at, width) in &print {
            line[at..at + width].fill(30);
        }
        let line = blurred(&line, 1.6);
        assert!(line[41] > 100, "the narrow bar is pale: {}", line[41]);
        let found = bars(&ink_row(&line, 1).unwrap());
        assert_eq!(found.len(), print.len(), "{found:?}");
        for ((start, width), &(at, true_width)) in found.iter().zip(&print) {
            assert!((width - true_width as f32).abs() <= 0.75, "{found:?}");
            assert!((start - at as f32).abs() <= 0.75, "{found:?}");
        }
    }

    #[test]
    fn paper_and_noise_draw_no_bars() {
        // Deterministic sensor-like noise of about ±6 gray levels on flat paper.
        let mut seed = 12345u32;
        let line: Vec<u8> = (0..400)
            .map(|_| {
                seed = seed.wrapping_mul(1_103_515_245).wrapping_add(12345);
                (180 + (seed >> 16) % 13) as u8 - 6
            })
            .collect();
        assert!(ink_row(&line, 1).is_none_or(|row| bars(&row).len() < 3));
        assert!(ink_row(&[], 1).is_none());
        assert!(ink_row(&[7], 1).is_none());
        for n in 0..6 {
            let line: Vec<u8> = (0..n).map(|i| if i % 2 == 0 { 250 } else { 0 }).collect();
            assert!(ink_row(&line, 0).is_none_or(|row| row.get_size() == 4 * n));
        }
    }
}
