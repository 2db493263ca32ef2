//! The two fonts a ticket needs, loaded at run time from Debian packages.
//!
//! Font files are never part of the repository: OCR-B comes from `fonts-ocr-b` (public
//! domain), Japanese from `fonts-ipafont-gothic` (IPA Font License) or `fonts-noto-cjk`
//! (SIL OFL). `VRS_FONT_OCRB` and `VRS_FONT_JA` override the paths.

use std::path::{Path, PathBuf};

use ab_glyph::{Font, FontVec, PxScale, ScaleFont, point};

use crate::error::GenError;

/// Debian package that provides the OCR-B font.
pub const OCR_B_PACKAGE: &str = "fonts-ocr-b";
/// Debian package that provides the preferred Japanese font.
pub const JAPANESE_PACKAGE: &str = "fonts-ipafont-gothic";

/// Where Debian installs OCR-B.
pub const OCR_B_PATHS: &[&str] = &["/usr/share/fonts/opentype/ocr-b/OCRB.otf"];
/// Where Debian installs Japanese gothic fonts, in order of preference.
pub const JAPANESE_PATHS: &[&str] = &[
    "/usr/share/fonts/opentype/ipafont-gothic/ipag.ttf",
    "/usr/share/fonts/truetype/fonts-japanese-gothic.ttf",
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
];

/// The loaded fonts. Load once and share: parsing the Japanese font takes a while.
pub struct Fonts {
    ocr_b: FontVec,
    japanese: FontVec,
}

impl std::fmt::Debug for Fonts {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Fonts").finish_non_exhaustive()
    }
}

fn pick(env: &str, candidates: &[&str]) -> PathBuf {
    if let Some(p) = std::env::var_os(env) {
        return PathBuf::from(p);
    }
    candidates
        .iter()
        .map(PathBuf::from)
        .find(|p| p.exists())
        .unwrap_or_else(|| PathBuf::from(candidates[0]))
}

fn load(path: &Path, package: &'static str) -> Result<FontVec, GenError> {
    let bytes = std::fs::read(path).map_err(|e| {
        if e.kind() == std::io::ErrorKind::NotFound {
            GenError::FontMissing {
                path: path.to_owned(),
                package,
            }
        } else {
            GenError::FontInvalid {
                path: path.to_owned(),
                reason: e.to_string(),
                package,
            }
        }
    })?;
    FontVec::try_from_vec_and_index(bytes, 0).map_err(|e| GenError::FontInvalid {
        path: path.to_owned(),
        reason: e.to_string(),
        package,
    })
}

impl Fonts {
    /// Loads the Debian-installed fonts (or those named by `VRS_FONT_OCRB` / `VRS_FONT_JA`).
    pub fn system() -> Result<Fonts, GenError> {
        let ocr = pick("VRS_FONT_OCRB", OCR_B_PATHS);
        let ja = pick("VRS_FONT_JA", JAPANESE_PATHS);
        Self::from_files(&ocr, &ja)
    }

    /// Loads fonts from explicit files.
    pub fn from_files(ocr_b: &Path, japanese: &Path) -> Result<Fonts, GenError> {
        Ok(Fonts {
            ocr_b: load(ocr_b, OCR_B_PACKAGE)?,
            japanese: load(japanese, JAPANESE_PACKAGE)?,
        })
    }

    pub(crate) fn ocr_b(&self) -> &FontVec {
        &self.ocr_b
    }

    pub(crate) fn japanese(&self) -> &FontVec {
        &self.japanese
    }
}

/// The ab_glyph scale whose em is `em_px` pixels.
fn scale_for_em(font: &FontVec, em_px: f32) -> PxScale {
    let upem = font.units_per_em().unwrap_or(1000.0);
    PxScale::from(em_px * font.height_unscaled() / upem)
}

/// Natural advance width of `text`, in pixels, at an em of `em_px`.
pub(crate) fn text_width(font: &FontVec, text: &str, em_px: f32) -> f32 {
    let scaled = font.as_scaled(scale_for_em(font, em_px));
    let mut width = 0.0;
    let mut prev = None;
    for c in text.chars() {
        let id = scaled.glyph_id(c);
        if let Some(p) = prev {
            width += scaled.kern(p, id);
        }
        width += scaled.h_advance(id);
        prev = Some(id);
    }
    width
}

/// Draws glyphs into an ink-coverage buffer. `pen` gives each glyph's left edge.
pub(crate) struct TextPainter<'a> {
    pub coverage: &'a mut [f32],
    pub width: usize,
    pub height: usize,
}

impl TextPainter<'_> {
    /// Draws `text` with its baseline at `baseline_px`, starting at `x_px`, using the
    /// font's own advances.
    pub fn draw(&mut self, font: &FontVec, text: &str, x_px: f32, baseline_px: f32, em_px: f32) {
        let scale = scale_for_em(font, em_px);
        let scaled = font.as_scaled(scale);
        let mut x = x_px;
        let mut prev = None;
        for c in text.chars() {
            let id = scaled.glyph_id(c);
            if let Some(p) = prev {
                x += scaled.kern(p, id);
            }
            self.glyph(
                font,
                id.with_scale_and_position(scale, point(x, baseline_px)),
            );
            x += scaled.h_advance(id);
            prev = Some(id);
        }
    }

    /// Draws `text` at a fixed character pitch, each glyph centred in its cell, as OCR
    /// lines are printed.
    pub fn draw_pitched(
        &mut self,
        font: &FontVec,
        text: &str,
        x_px: f32,
        baseline_px: f32,
        em_px: f32,
        pitch_px: f32,
    ) {
        let scale = scale_for_em(font, em_px);
        let scaled = font.as_scaled(scale);
        for (i, c) in text.chars().enumerate() {
            let id = scaled.glyph_id(c);
            let adv = scaled.h_advance(id);
            let x = x_px + i as f32 * pitch_px + (pitch_px - adv) / 2.0;
            self.glyph(
                font,
                id.with_scale_and_position(scale, point(x, baseline_px)),
            );
        }
    }

    fn glyph(&mut self, font: &FontVec, glyph: ab_glyph::Glyph) {
        let Some(outline) = font.outline_glyph(glyph) else {
            return;
        };
        let bounds = outline.px_bounds();
        let (w, h) = (self.width as i64, self.height as i64);
        let coverage = &mut *self.coverage;
        outline.draw(|gx, gy, c| {
            let x = bounds.min.x as i64 + i64::from(gx);
            let y = bounds.min.y as i64 + i64::from(gy);
            if x >= 0 && y >= 0 && x < w && y < h {
                let i = (y * w + x) as usize;
                coverage[i] = coverage[i].max(c.min(1.0));
            }
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn missing_font_names_the_debian_package() {
        let err = Fonts::from_files(
            Path::new("/nonexistent/OCRB.otf"),
            Path::new(JAPANESE_PATHS[0]),
        )
        .unwrap_err();
        match &err {
            GenError::FontMissing { path, package } => {
                assert_eq!(path, Path::new("/nonexistent/OCRB.otf"));
                assert_eq!(*package, "fonts-ocr-b");
            }
            other => panic!("wrong error: {other:?}"),
        }
        assert!(err.to_string().contains("apt-get install fonts-ocr-b"));

        let err = Fonts::from_files(Path::new(OCR_B_PATHS[0]), Path::new("/nonexistent/ja.ttf"))
            .unwrap_err();
        assert!(matches!(
            err,
            GenError::FontMissing {
                package: "fonts-ipafont-gothic",
                ..
            }
        ));
    }

    #[test]
    fn a_file_that_is_not_a_font_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let bogus = dir.path().join("bogus.otf");
        std::fs::write(&bogus, b"not a font").unwrap();
        let err = Fonts::from_files(&bogus, Path::new(JAPANESE_PATHS[0])).unwrap_err();
        assert!(matches!(err, GenError::FontInvalid { .. }), "{err:?}");
    }
}
