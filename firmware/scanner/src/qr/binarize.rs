//! Gray to black/white for the QR detector.
//!
//! The local-average rule is ZXing's `HybridBinarizer` (8×8 blocks, each thresholded at
//! the mean black point of the 5×5 blocks around it, low-contrast blocks taken as
//! background), written so that it builds the bit matrix a machine word (64 pixels) at a time instead of
//! setting pixel after pixel: the same picture in a fraction of the time.

use rxing::common::{BitArray, BitMatrix, GlobalHistogramBinarizer};
use rxing::{Binarizer, Luma8Source};

use crate::GrayFrame;

const BLOCK: usize = 8;
/// A block whose pixels span no more than this is taken as flat (all paper or all ink).
const MIN_DYNAMIC_RANGE: u8 = 24;

/// Thresholds each pixel at the local average of its 40×40 neighbourhood. Images
/// smaller than 5×5 blocks get one global threshold instead.
pub(super) fn local_average(img: &GrayFrame) -> Option<BitMatrix> {
    let (w, h) = (img.width() as usize, img.height() as usize);
    if w < BLOCK * 5 || h < BLOCK * 5 {
        return global_histogram(img);
    }
    let thresholds = block_thresholds(img);
    let sub_w = w.div_ceil(BLOCK);
    let mut matrix = BitMatrix::new(w as u32, h as u32).ok()?;
    let mut row_bits = BitArray::with_size(w);
    let mut row_threshold = vec![0u8; w];
    // Whole words of rxing's bit rows: the pixel row padded with paper.
    let mut dark = vec![0u8; w.div_ceil(WORD) * WORD];
    let sub_h = h.div_ceil(BLOCK);
    for y in 0..h {
        // The last block row and column are anchored at the frame's edge and overlap the
        // ones before them; a pixel in the overlap is dark if either block says so, which
        // is a threshold of the larger of the two.
        let overlap_row = y >= h - BLOCK && y / BLOCK != sub_h - 1;
        if y % BLOCK == 0 || y == h - BLOCK {
            let blocks = &thresholds[(y / BLOCK) * sub_w..][..sub_w];
            let last_row = &thresholds[(sub_h - 1) * sub_w..][..sub_w];
            for (x, t) in row_threshold.iter_mut().enumerate() {
                let mut limit = blocks[x / BLOCK];
                if x >= w - BLOCK {
                    limit = limit.max(blocks[sub_w - 1]);
                }
                if overlap_row {
                    limit = limit.max(last_row[x / BLOCK]);
                    if x >= w - BLOCK {
                        limit = limit.max(last_row[sub_w - 1]);
                    }
                }
                *t = limit;
            }
        }
        let row = &img.pixels()[y * w..][..w];
        // `<=` keeps pure black pixels black even where the threshold is 0.
        for ((d, &p), &t) in dark.iter_mut().zip(row).zip(&row_threshold) {
            *d = u8::from(p <= t);
        }
        for (i, bytes) in dark.chunks_exact(WORD).enumerate() {
            row_bits.setBulk(i * WORD, pack(bytes));
        }
        matrix.setRow(y as u32, &row_bits);
    }
    Some(matrix)
}

/// Pixels per word of rxing's bit rows, which are `usize` words (32 on a 32-bit tablet).
const WORD: usize = usize::BITS as usize;

/// Packs [`WORD`] bytes of 0 or 1 into a word, the first byte in the lowest bit.
fn pack(bytes: &[u8]) -> usize {
    let mut word = 0u64;
    for (i, eight) in bytes.chunks_exact(8).enumerate() {
        let v = u64::from_le_bytes(eight.try_into().unwrap_or_default());
        // Each byte's low bit lands in the top byte of the product, byte i at bit i.
        word |= (v.wrapping_mul(0x0102_0408_1020_4080) >> 56) << (8 * i);
    }
    word as usize
}

/// One threshold per 8×8 block: the mean of the 5×5 neighbouring blocks' black points.
fn block_thresholds(img: &GrayFrame) -> Vec<u8> {
    let (w, h) = (img.width() as usize, img.height() as usize);
    let (sub_w, sub_h) = (w.div_ceil(BLOCK), h.div_ceil(BLOCK));
    let mut black = vec![0u32; sub_w * sub_h];
    // Per pixel column over the block row's 8 pixel rows, then per block.
    let mut col_sum = vec![0u16; w];
    let mut col_min = vec![0u8; w];
    let mut col_max = vec![0u8; w];
    let (mut sum, mut min, mut max) = (vec![0u32; sub_w], vec![0u8; sub_w], vec![0u8; sub_w]);
    for by in 0..sub_h {
        // The last, partial block row and column are measured on the frame's last 8 pixels.
        let y0 = (by * BLOCK).min(h - BLOCK);
        col_sum.fill(0);
        col_min.fill(u8::MAX);
        col_max.fill(0);
        for y in y0..y0 + BLOCK {
            let row = &img.pixels()[y * w..][..w];
            for (((s, lo), hi), &p) in col_sum
                .iter_mut()
                .zip(&mut col_min)
                .zip(&mut col_max)
                .zip(row)
            {
                *s += u16::from(p);
                *lo = (*lo).min(p);
                *hi = (*hi).max(p);
            }
        }
        for bx in 0..sub_w {
            let x0 = (bx * BLOCK).min(w - BLOCK);
            let cols = x0..x0 + BLOCK;
            sum[bx] = col_sum[cols.clone()].iter().map(|&s| u32::from(s)).sum();
            min[bx] = col_min[cols.clone()].iter().copied().min().unwrap_or(0);
            max[bx] = col_max[cols].iter().copied().max().unwrap_or(0);
        }
        for bx in 0..sub_w {
            let mut average = sum[bx] / (BLOCK * BLOCK) as u32;
            if max[bx] - min[bx] <= MIN_DYNAMIC_RANGE {
                // A flat block: assume paper, unless its neighbours say it is darker than
                // their black point (the inside of a large dark area).
                average = u32::from(min[bx]) / 2;
                if by > 0 && bx > 0 {
                    let neighbours = (black[(by - 1) * sub_w + bx]
                        + 2 * black[by * sub_w + bx - 1]
                        + black[(by - 1) * sub_w + bx - 1])
                        / 4;
                    if u32::from(min[bx]) < neighbours {
                        average = neighbours;
                    }
                }
            }
            black[by * sub_w + bx] = average;
        }
    }
    let mut thresholds = vec![0u8; sub_w * sub_h];
    for by in 0..sub_h {
        let top = by.clamp(2, sub_h - 3);
        for bx in 0..sub_w {
            let left = bx.clamp(2, sub_w - 3);
            let mut total = 0;
            for row in black[(top - 2) * sub_w..].chunks(sub_w).take(5) {
                total += row[left - 2..=left + 2].iter().sum::<u32>();
            }
            thresholds[by * sub_w + bx] = (total / 25).min(255) as u8;
        }
    }
    thresholds
}

/// One threshold for the whole image, from its luminance histogram (ZXing's
/// `GlobalHistogramBinarizer`).
fn global_histogram(img: &GrayFrame) -> Option<BitMatrix> {
    let source = Luma8Source::new_with_slice(img.pixels(), img.width(), img.height()).ok()?;
    GlobalHistogramBinarizer::new(source)
        .get_black_matrix()
        .ok()
        .cloned()
}

#[cfg(test)]
mod tests {
    use rxing::Binarizer;
    use rxing::common::HybridBinarizer;

    use super::*;

    /// A frame with texture, a gradient and flat areas, `width`×`height`.
    fn scene(width: usize, height: usize) -> Vec<u8> {
        (0..width * height)
            .map(|i| {
                let (x, y) = (i % width, i / width);
                let texture = ((x / 3 + y / 5) % 2) as u32 * 90;
                let noise = ((i as u32).wrapping_mul(2_654_435_761) >> 28) * 3;
                if x < width / 4 {
                    200 // paper
                } else if y < height / 5 {
                    30 // ink
                } else {
                    (40 + texture + (x * 80 / width) as u32 + noise).min(255)
                }
            })
            .map(|v| v as u8)
            .collect()
    }

    #[test]
    fn packing_puts_pixel_k_at_bit_k_for_any_word_size() {
        for size in [32usize, 64] {
            let bytes: Vec<u8> = (0..size)
                .map(|k| u8::from(k % 3 == 0 || k == size - 1))
                .collect();
            let expected = (0..size)
                .filter(|&k| bytes[k] == 1)
                .fold(0u64, |w, k| w | 1 << k);
            assert_eq!(pack(&bytes) as u64, expected, "{size} pixels");
        }
    }

    #[test]
    fn same_picture_as_zxing_hybrid_binarizer() {
        // Sizes that are and are not whole blocks, so the overlapping edge blocks count.
        for (width, height) in [(64, 48), (101, 77), (333, 250), (40, 41)] {
            let pixels = scene(width, height);
            let img = GrayFrame::new(width as u32, height as u32, pixels.clone()).unwrap();
            let ours = local_average(&img).unwrap();
            let source = Luma8Source::new_with_slice(&pixels, width as u32, height as u32).unwrap();
            let theirs = HybridBinarizer::new(source)
                .get_black_matrix()
                .unwrap()
                .clone();
            assert_eq!(ours, theirs, "{width}x{height}");
        }
    }

    #[test]
    fn tiny_images_get_a_global_threshold() {
        let mut pixels = vec![220u8; 30 * 20];
        pixels[..300].fill(20);
        let m = local_average(&GrayFrame::new(30, 20, pixels).unwrap()).unwrap();
        assert!(m.get(5, 2) && !m.get(5, 15));
    }
}
