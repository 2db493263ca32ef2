//! OCR-B line reads: the 18 digits printed on every ticket, with per-character
//! confidence.
//!
//! The policy ([`crate::policy`]) treats an OCR line as the weakest evidence: it needs an
//! NW-7 read agreeing on the shared digits, or the same confident digits in several
//! consecutive frames. This crate does not yet contain an OCR-B line reader (see
//! `BENCHMARKS-scanner.md`); lines come from whoever feeds [`crate::Observation`]s.

/// One OCR line: its digits and how sure the reader is of each.
#[derive(Debug, Clone, PartialEq)]
pub struct OcrLine {
    /// The characters read, in reading order (normally 18 ASCII digits).
    pub digits: String,
    /// Confidence of each character in `0.0..=1.0`, same length as `digits`.
    pub confidence: Vec<f32>,
}

impl OcrLine {
    /// A line whose every character has the same confidence.
    pub fn uniform(digits: &str, confidence: f32) -> Self {
        Self {
            digits: digits.to_owned(),
            confidence: vec![confidence; digits.chars().count()],
        }
    }

    /// The lowest per-character confidence (0 for an empty line or missing values).
    pub fn min_confidence(&self) -> f32 {
        if self.confidence.len() != self.digits.chars().count() || self.confidence.is_empty() {
            return 0.0;
        }
        self.confidence
            .iter()
            .map(|&c| if c.is_nan() { 0.0 } else { c })
            .fold(f32::INFINITY, f32::min)
            .max(0.0)
    }

    /// Whether every character in `range` (character indices) reaches `bar`.
    pub fn confident_over(&self, range: std::ops::Range<usize>, bar: f32) -> bool {
        self.confidence.len() == self.digits.chars().count()
            && range.end <= self.confidence.len()
            && self.confidence[range].iter().all(|&c| c >= bar)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn confidence_summaries() {
        let mut line = OcrLine::uniform("121310160000012345", 0.9);
        assert_eq!(line.min_confidence(), 0.9);
        line.confidence[3] = 0.4;
        assert_eq!(line.min_confidence(), 0.4);
        assert!(line.confident_over(4..18, 0.8));
        assert!(!line.confident_over(0..8, 0.8));
        assert!(!line.confident_over(0..19, 0.0));
        line.confidence[3] = f32::NAN;
        assert_eq!(line.min_confidence(), 0.0, "NaN is no confidence");
        assert!(!line.confident_over(0..18, 0.1));
        line.confidence.pop();
        assert_eq!(
            line.min_confidence(),
            0.0,
            "length mismatch is no confidence"
        );
    }
}
