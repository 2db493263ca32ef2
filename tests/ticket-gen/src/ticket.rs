//! The flat ticket: where each element sits, and drawing it at a given resolution.

use image::{GrayImage, Luma};
use qrcode::{Color, EcLevel, QrCode};
use serde::{Deserialize, Serialize};

use crate::codabar;
use crate::error::GenError;
use crate::fonts::{Fonts, TextPainter, text_width};
use crate::spec::{Symbol, TICKET_WIDTH_MM, TicketSpec};

/// A rectangle on the ticket, in millimetres from its top-left corner.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct RectMm {
    /// Left edge.
    pub x: f32,
    /// Top edge.
    pub y: f32,
    /// Width.
    pub w: f32,
    /// Height.
    pub h: f32,
}

impl RectMm {
    /// The centre point.
    pub fn center(&self) -> (f32, f32) {
        (self.x + self.w / 2.0, self.y + self.h / 2.0)
    }
}

/// Where the machine-readable symbols of a ticket are printed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TicketLayout {
    /// Ticket width (always 63 mm).
    pub width_mm: f32,
    /// Ticket height.
    pub height_mm: f32,
    /// The QR symbol itself (without quiet zone), if printed.
    pub qr: Option<RectMm>,
    /// The NW-7 bars (without quiet zones), if printed.
    pub nw7: Option<RectMm>,
    /// The OCR line, if printed.
    pub ocr_line: Option<RectMm>,
    /// Narrow NW-7 element width in millimetres (0 when there is no NW-7).
    pub nw7_narrow_mm: f32,
}

impl TicketLayout {
    /// The rectangle of one symbol, if printed.
    pub fn symbol(&self, symbol: Symbol) -> Option<RectMm> {
        match symbol {
            Symbol::Qr => self.qr,
            Symbol::Nw7 => self.nw7,
            Symbol::OcrLine => self.ocr_line,
        }
    }
}

/// QR symbol edge length (model 2, about 10 × 10 mm on real tickets).
pub const QR_SIZE_MM: f32 = 10.0;
/// OCR-B character pitch: 10 characters per inch, as for OCR-B size I.
pub const OCR_PITCH_MM: f32 = 2.54;
/// OCR line em size: 9 pt.
pub const OCR_EM_MM: f32 = 9.0 * 25.4 / 72.0;
/// NW-7 wide:narrow ratio.
pub const NW7_RATIO: f32 = 2.5;
/// NW-7 bar height.
pub const NW7_HEIGHT_MM: f32 = 8.0;

const MARGIN_MM: f32 = 3.0;
const QR_X_MM: f32 = TICKET_WIDTH_MM - 3.5 - QR_SIZE_MM;
const QR_Y_MM: f32 = 3.0;
const OCR_BASELINE_MM: f32 = 17.6;
const NW7_MAX_WIDTH_MM: f32 = 55.0;
const NW7_MAX_NARROW_MM: f32 = 0.30;

/// Computes where everything goes. Fails when the NW-7 data cannot be encoded.
pub fn layout(spec: &TicketSpec) -> Result<TicketLayout, GenError> {
    check_height(spec.height_mm)?;
    let qr = spec.qr.then_some(RectMm {
        x: QR_X_MM,
        y: QR_Y_MM,
        w: QR_SIZE_MM,
        h: QR_SIZE_MM,
    });
    let ocr_line = spec.ocr_line.then(|| RectMm {
        x: MARGIN_MM,
        y: OCR_BASELINE_MM - 2.6,
        w: OCR_PITCH_MM * spec.payload.chars().count() as f32,
        h: 3.2,
    });
    let (nw7, nw7_narrow_mm) = match nw7_elements(spec)? {
        None => (None, 0.0),
        Some(elements) => {
            let units: f32 = codabar::widths(&elements, NW7_RATIO).iter().sum();
            let narrow = (NW7_MAX_WIDTH_MM / units).min(NW7_MAX_NARROW_MM);
            let w = units * narrow;
            (
                Some(RectMm {
                    x: (TICKET_WIDTH_MM - w) / 2.0,
                    y: spec.height_mm - 4.0 - NW7_HEIGHT_MM,
                    w,
                    h: NW7_HEIGHT_MM,
                }),
                narrow,
            )
        }
    };
    Ok(TicketLayout {
        width_mm: TICKET_WIDTH_MM,
        height_mm: spec.height_mm,
        qr,
        nw7,
        ocr_line,
        nw7_narrow_mm,
    })
}

fn check_height(h: f32) -> Result<(), GenError> {
    if h.is_finite() && (25.0..=50.0).contains(&h) {
        Ok(())
    } else {
        Err(GenError::Parameter(format!(
            "券の高さ {h} mm は 25–50 mm の範囲にしてください"
        )))
    }
}

fn nw7_elements(spec: &TicketSpec) -> Result<Option<Vec<codabar::Element>>, GenError> {
    let Some(data) = spec.nw7_data() else {
        return Ok(None);
    };
    let (start, stop) = spec.nw7_start_stop;
    codabar::encode(start, &data, stop).map(Some)
}

/// Ink coverage (0 = paper, 1 = full ink) being drawn, in pixels.
struct Canvas {
    ink: Vec<f32>,
    width: usize,
    height: usize,
    px_per_mm: f32,
}

impl Canvas {
    /// Fills a rectangle given in millimetres, with exact area coverage at the edges.
    fn fill_mm(&mut self, x: f32, y: f32, w: f32, h: f32) {
        let s = self.px_per_mm;
        let (x0, x1, y0, y1) = (x * s, (x + w) * s, y * s, (y + h) * s);
        let cols = span(x0, x1, self.width);
        let rows = span(y0, y1, self.height);
        for py in rows.clone() {
            let cy = overlap(py as f32, y0, y1);
            for px in cols.clone() {
                let c = overlap(px as f32, x0, x1) * cy;
                let i = py * self.width + px;
                self.ink[i] = (self.ink[i] + c).min(1.0);
            }
        }
    }

    fn outline_mm(&mut self, x: f32, y: f32, w: f32, h: f32, line: f32) {
        self.fill_mm(x, y, w, line);
        self.fill_mm(x, y + h - line, w, line);
        self.fill_mm(x, y + line, line, h - 2.0 * line);
        self.fill_mm(x + w - line, y + line, line, h - 2.0 * line);
    }

    fn painter(&mut self) -> TextPainter<'_> {
        TextPainter {
            coverage: &mut self.ink,
            width: self.width,
            height: self.height,
        }
    }
}

fn span(a: f32, b: f32, limit: usize) -> std::ops::Range<usize> {
    let lo = a.floor().max(0.0) as usize;
    let hi = (b.ceil().max(0.0) as usize).min(limit);
    lo.min(hi)..hi
}

/// How much of pixel `[p, p+1)` lies inside `[a, b)`.
fn overlap(p: f32, a: f32, b: f32) -> f32 {
    ((p + 1.0).min(b) - p.max(a)).max(0.0)
}

/// Renders the flat ticket: white paper (255), black print (0), `px_per_mm` pixels per
/// millimetre (2–60). The image is 63 mm × `spec.height_mm`.
pub fn render_ticket(
    spec: &TicketSpec,
    fonts: &Fonts,
    px_per_mm: f32,
) -> Result<GrayImage, GenError> {
    if !(px_per_mm.is_finite() && (2.0..=60.0).contains(&px_per_mm)) {
        return Err(GenError::Parameter(format!(
            "解像度 {px_per_mm} px/mm は 2–60 の範囲にしてください"
        )));
    }
    let lay = layout(spec)?;
    let width = (lay.width_mm * px_per_mm).round() as usize;
    let height = (lay.height_mm * px_per_mm).round() as usize;
    let mut c = Canvas {
        ink: vec![0.0; width * height],
        width,
        height,
        px_per_mm,
    };
    let s = px_per_mm;

    // Printed frame of the sticker.
    c.outline_mm(0.8, 0.8, lay.width_mm - 1.6, lay.height_mm - 1.6, 0.2);

    // Japanese text.
    let ja = fonts.japanese();
    c.painter().draw(
        ja,
        "新型コロナワクチン接種券",
        MARGIN_MM * s,
        6.0 * s,
        3.2 * s,
    );
    if !spec.municipality_name.is_empty() {
        let mut em = 2.8 * s;
        let natural = text_width(ja, &spec.municipality_name, em);
        let room = 31.0 * s;
        if natural > room {
            em *= room / natural;
        }
        c.painter()
            .draw(ja, &spec.municipality_name, MARGIN_MM * s, 10.6 * s, em);
    }
    if let Some(dose) = spec.dose() {
        c.painter()
            .draw(ja, &format!("第{dose}回"), 36.0 * s, 10.6 * s, 2.8 * s);
    }
    if spec.ocr_line {
        c.painter()
            .draw(ja, "接種券番号", MARGIN_MM * s, 13.9 * s, 2.0 * s);
        c.painter().draw_pitched(
            fonts.ocr_b(),
            &spec.payload,
            MARGIN_MM * s,
            OCR_BASELINE_MM * s,
            OCR_EM_MM * s,
            OCR_PITCH_MM * s,
        );
    }

    if let Some(rect) = lay.qr {
        let code = QrCode::with_error_correction_level(spec.payload.as_bytes(), EcLevel::M)
            .map_err(|e| GenError::Qr(e.to_string()))?;
        let n = code.width();
        let module = rect.w / n as f32;
        for (i, color) in code.to_colors().iter().enumerate() {
            if *color == Color::Dark {
                let (mx, my) = ((i % n) as f32, (i / n) as f32);
                c.fill_mm(rect.x + mx * module, rect.y + my * module, module, module);
            }
        }
    }

    if let (Some(rect), Some(elements)) = (lay.nw7, nw7_elements(spec)?) {
        let mut x = rect.x;
        for (e, w) in elements.iter().zip(codabar::widths(&elements, NW7_RATIO)) {
            let w = w * lay.nw7_narrow_mm;
            if e.bar {
                c.fill_mm(x, rect.y, w, rect.h);
            }
            x += w;
        }
    }

    let mut img = GrayImage::new(width as u32, height as u32);
    for (p, ink) in img.pixels_mut().zip(&c.ink) {
        *p = Luma([(255.0 * (1.0 - ink)).round().clamp(0.0, 255.0) as u8]);
    }
    Ok(img)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::spec::Nw7Variant;

    #[test]
    fn symbols_do_not_overlap_and_stay_on_the_ticket() {
        for nw7 in [Nw7Variant::TicketNumberOnly, Nw7Variant::Full] {
            let mut spec = TicketSpec::new("121310160000012345");
            spec.nw7 = nw7;
            for h in [33.0, 34.0, 35.0] {
                spec.height_mm = h;
                let lay = layout(&spec).unwrap();
                let rects = [lay.qr.unwrap(), lay.ocr_line.unwrap(), lay.nw7.unwrap()];
                for r in rects {
                    assert!(r.x >= 1.0 && r.y >= 1.0, "{r:?}");
                    assert!(r.x + r.w <= 62.0 && r.y + r.h <= h - 1.0, "{r:?}");
                }
                for (i, a) in rects.iter().enumerate() {
                    for b in &rects[i + 1..] {
                        let apart = a.x + a.w <= b.x
                            || b.x + b.w <= a.x
                            || a.y + a.h <= b.y
                            || b.y + b.h <= a.y;
                        assert!(apart, "{a:?} overlaps {b:?}");
                    }
                }
            }
        }
    }

    #[test]
    fn eighteen_digit_nw7_is_about_six_to_one() {
        let mut spec = TicketSpec::new("121310160000012345");
        spec.nw7 = Nw7Variant::Full;
        let r = layout(&spec).unwrap().nw7.unwrap();
        let aspect = r.w / r.h;
        assert!((6.0..=7.5).contains(&aspect), "{aspect}");
    }

    #[test]
    fn bad_parameters_are_refused() {
        let mut spec = TicketSpec::new("121310160000012345");
        spec.height_mm = f32::NAN;
        assert!(matches!(layout(&spec), Err(GenError::Parameter(_))));
        spec.height_mm = 34.0;
        spec.payload = "12131O160000012345".into();
        spec.nw7 = Nw7Variant::Full;
        assert!(matches!(
            layout(&spec),
            Err(GenError::Nw7Unencodable { found: 'O', .. })
        ));
    }
}
