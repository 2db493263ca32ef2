//! Finder patterns → sampled grid → decoded text, on one bit matrix (rxing's port of the
//! ZXing-C++ QR detector and decoder, QR model 2 only).

use super::grid;
use crate::GrayFrame;
use rxing::Point;
use rxing::common::BitMatrix;
use rxing::common::DetectorRXingResult;
use rxing::common::cpp_essentials::ConcentricPattern;
use rxing::qrcode::cpp_port::decoder::Decode;
use rxing::qrcode::cpp_port::detector::{
    FindFinderPatterns, FinderPatternSet, GenerateFinderPatternSets, SampleQR,
};

/// At most this many finder-pattern candidates, the largest, are combined into triples.
const MAX_PATTERNS: usize = 256;
/// At most this many finder-pattern triples are sampled in one look.
const MAX_SETS: usize = 32;
/// At most this many sampled triples are read again from the gray pixels in one look.
const MAX_GRAY_READS: usize = 4;

/// A symbol decoded on a bit matrix, in that matrix's pixel coordinates.
pub(super) struct Found {
    /// The decoded text.
    pub text: String,
    /// The symbol's outer corners: top-left, top-right, bottom-right, bottom-left.
    pub corners: Vec<Point>,
}

/// The finder-pattern candidates of a bit matrix. `dense` scans every third row;
/// otherwise rows are skipped in proportion to the image height.
pub(super) fn finder_patterns(matrix: &BitMatrix, dense: bool) -> Vec<ConcentricPattern> {
    FindFinderPatterns(matrix, dense, 0)
}

/// What one look at a bit matrix gave.
pub(super) struct Look {
    /// The symbols decoded.
    pub found: Vec<Found>,
    /// Finder-pattern candidates that are neither part of nor inside a decoded symbol:
    /// where a symbol may still be that this look could not read.
    pub leftover: Vec<ConcentricPattern>,
}

/// Decodes every symbol that three of `patterns` frame.
pub(super) fn decode(
    gray: &GrayFrame,
    matrix: &BitMatrix,
    mut patterns: Vec<ConcentricPattern>,
) -> Look {
    let mut used: Vec<ConcentricPattern> = Vec::new();
    let mut found = Vec::new();
    let mut gray_reads = 0;
    if patterns.len() > MAX_PATTERNS {
        patterns.sort_by_key(|p| std::cmp::Reverse(p.size));
        patterns.truncate(MAX_PATTERNS);
    }
    // The sets come best first; a frame full of finder-like shapes (a page of 回, a
    // tiled pattern) makes thousands of them.
    for set in GenerateFinderPatternSets(&mut patterns)
        .into_iter()
        .take(MAX_SETS)
    {
        if used.contains(&set.bl) || used.contains(&set.tl) || used.contains(&set.tr) {
            continue;
        }
        let Some(sampled) = sample(gray, matrix, &set, gray_reads < MAX_GRAY_READS) else {
            continue;
        };
        gray_reads += usize::from(sampled.read_gray);
        let Some(text) = sampled.text else {
            continue;
        };
        used.extend([set.bl, set.tl, set.tr]);
        found.push(Found {
            text,
            corners: sampled.corners,
        });
    }
    patterns.retain(|p| !used.contains(p) && !found.iter().any(|f| inside(p.p, &f.corners)));
    Look {
        found,
        leftover: patterns,
    }
}

/// What sampling one finder-pattern triple gave.
pub(super) struct Sampled {
    /// The decoded text, if any.
    pub text: Option<String>,
    /// The symbol's outer corners: top-left, top-right, bottom-right, bottom-left.
    pub corners: Vec<Point>,
    /// Whether the gray pixels were read (the binarised samples failed).
    pub read_gray: bool,
}

/// Samples and decodes the symbol that one finder-pattern triple frames: from the bit
/// matrix, and when that fails the error correction and `gray_read` allows, from the
/// gray pixels. `None` when the detector cannot place a grid.
pub(super) fn sample(
    gray: &GrayFrame,
    matrix: &BitMatrix,
    set: &FinderPatternSet,
    gray_read: bool,
) -> Option<Sampled> {
    let sampled = SampleQR(matrix, set).ok()?;
    let mut read_gray = false;
    let text = match Decode(sampled.getBits()) {
        Ok(decoded) if decoded.isValid() => Some(decoded.text()),
        // The binarised samples failed the error correction: read the gray pixels.
        _ if gray_read => {
            read_gray = true;
            grid::read(
                gray,
                sampled.getPoints(),
                sampled.getBits().width() as usize,
            )
        }
        _ => None,
    };
    // The sampler reports top-left, top-right, bottom-left, bottom-right.
    let corners = match sampled.getPoints() {
        &[tl, tr, bl, br] => vec![tl, tr, br, bl],
        other => other.to_vec(),
    };
    Some(Sampled {
        text,
        corners,
        read_gray,
    })
}

/// Whether `p` lies inside the convex polygon `corners` (either winding).
fn inside(p: Point, corners: &[Point]) -> bool {
    let mut sign = 0.0f32;
    for (i, a) in corners.iter().enumerate() {
        let b = corners[(i + 1) % corners.len()];
        let cross = (b.x - a.x) * (p.y - a.y) - (b.y - a.y) * (p.x - a.x);
        if cross * sign < 0.0 {
            return false;
        }
        if cross != 0.0 {
            sign = cross;
        }
    }
    corners.len() >= 3
}
