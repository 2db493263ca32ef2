//! Labelled sets of frames: random tickets in random scenes per tier, and recorded-camera
//! sequences for the kiosk demo.

use std::sync::OnceLock;

use image::GrayImage;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde_json::json;
use vrs_protocol::{MasterList, MunicipalityCode};

use crate::camera::{try_camera_frame, try_empty_frame};
use crate::error::GenError;
use crate::fonts::Fonts;
use crate::scene::{Background, FIT_ASPECT, Finger, Quad, Scene, Tier};
use crate::spec::{Nw7Variant, Symbol, TICKET_WIDTH_MM, TicketSpec};
use crate::ticket::{QR_SIZE_MM, TicketLayout, layout, render_ticket};

/// One generated frame and what it shows.
#[derive(Debug, Clone)]
pub struct Sample {
    /// File stem, e.g. `easy-0001` or `frame-0001`.
    pub name: String,
    /// The camera frame.
    pub frame: GrayImage,
    /// The 18 digits shown, `None` for a ticket-free frame.
    pub truth: Option<String>,
    /// The ticket, `None` for a ticket-free frame.
    pub spec: Option<TicketSpec>,
    /// How the frame was taken.
    pub scene: Scene,
    /// The tier it was drawn for (sequences are [`Tier::Easy`]-like and say so).
    pub tier: Tier,
    /// Ticket corners in the frame (TL, TR, BR, BL of the ticket), if a ticket is shown.
    pub quad: Option<Quad>,
    /// Approximate size of one QR module in frame pixels, if a QR is printed.
    pub qr_module_px: Option<f32>,
}

impl Sample {
    /// Symbols printed on the ticket.
    pub fn printed(&self) -> Vec<Symbol> {
        self.spec
            .as_ref()
            .map(TicketSpec::printed_symbols)
            .unwrap_or_default()
    }

    /// The symbol a finger covers, if any.
    pub fn covered(&self) -> Option<Symbol> {
        self.spec.as_ref()?;
        self.scene.finger.map(|f| f.covers)
    }

    /// Printed symbols that no finger covers.
    pub fn visible(&self) -> Vec<Symbol> {
        let covered = self.covered();
        self.printed()
            .into_iter()
            .filter(|s| Some(*s) != covered)
            .collect()
    }

    /// The `truth.jsonl` line for this sample written as `file`.
    pub fn truth_json(&self, file: &str) -> serde_json::Value {
        let names = |v: Vec<Symbol>| v.into_iter().map(Symbol::as_str).collect::<Vec<_>>();
        json!({
            "file": file,
            "truth": self.truth,
            "tier": self.tier.as_str(),
            "symbols": names(self.visible()),
            "printed": names(self.printed()),
            "covered": self.covered().map(Symbol::as_str),
            "nw7": self.spec.as_ref().map(|s| s.nw7),
            "width": self.scene.width,
            "height": self.scene.height,
            "qr_module_px": self.qr_module_px,
            "quad": self.quad,
            "scene": self.scene,
        })
    }
}

/// Municipality codes of the embedded master list, sorted (the list itself is a hash
/// map whose order changes between runs).
fn codes() -> &'static [MunicipalityCode] {
    static CODES: OnceLock<Vec<MunicipalityCode>> = OnceLock::new();
    CODES.get_or_init(|| {
        let mut v: Vec<_> = MasterList::embedded().iter().map(|m| m.code).collect();
        v.sort();
        v
    })
}

/// A valid payload: a real municipality, 券種 1 (mostly) or 2, dose in `doses`, and a
/// ticket number that is either any 10 digits or a small zero-padded one.
pub fn random_payload(rng: &mut ChaCha8Rng, doses: std::ops::RangeInclusive<u8>) -> String {
    let kind = if rng.random_bool(0.85) { 1 } else { 2 };
    let dose = rng.random_range(doses);
    let list = codes();
    let code = if list.is_empty() {
        "131016".to_owned()
    } else {
        list[rng.random_range(0..list.len())].to_string()
    };
    let number: u64 = if rng.random_bool(0.5) {
        rng.random_range(0..10_000_000_000)
    } else {
        rng.random_range(1..1_000_000)
    };
    format!("{kind}{dose}{code}{number:010}")
}

/// Which symbols a generated ticket carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum SymbolSet {
    /// QR, OCR line, 10-digit NW-7.
    AllThree,
    /// All three printed, a finger over the QR.
    QrCovered,
    /// OCR line and 10-digit NW-7, as on 2021 1st/2nd-dose tickets.
    QrAbsent,
    /// QR, OCR line and the 18-digit NW-7.
    Nw7Full,
}

fn pick_set(rng: &mut ChaCha8Rng) -> SymbolSet {
    match rng.random_range(0..100) {
        0..40 => SymbolSet::AllThree,
        40..60 => SymbolSet::QrCovered,
        60..85 => SymbolSet::QrAbsent,
        _ => SymbolSet::Nw7Full,
    }
}

/// A finger lying over `symbol`, coming from the nearest side of the ticket.
pub fn finger_over(symbol: Symbol, lay: &TicketLayout, rng: &mut ChaCha8Rng) -> Option<Finger> {
    let rect = lay.symbol(symbol)?;
    let (cx, cy) = rect.center();
    let (tx, ty) = (lay.width_mm / 2.0, lay.height_mm / 2.0);
    let (mut dx, mut dy) = (cx - tx, cy - ty);
    if dx.hypot(dy) < 3.0 {
        dx = 0.0;
        dy = 1.0;
    }
    let base = dy.atan2(dx).to_degrees();
    let direction_deg = base + rng.random_range(-35.0..35.0);
    let (s, c) = direction_deg.to_radians().sin_cos();
    // Put the tip on the inner side of the symbol so the finger covers it.
    let reach = c.abs() * rect.w / 2.0 + s.abs() * rect.h / 2.0;
    let reach = reach.min(12.0) * rng.random_range(0.7..1.0);
    let (tip_x, tip_y) = (cx - c * reach, cy - s * reach);
    Some(Finger {
        covers: symbol,
        tip: (tip_x / lay.width_mm, tip_y / lay.height_mm),
        direction_deg,
        width: rng.random_range(0.24..0.3),
        skin: rng.random_range(0.3..0.55),
    })
}

/// Flat-render resolution for a ticket about `ticket_px` wide in the frame: enough
/// detail for the mip-map to average down from.
fn render_resolution(ticket_px: f32) -> f32 {
    (ticket_px / TICKET_WIDTH_MM * 1.5).clamp(8.0, 40.0)
}

fn qr_module_px(spec: &TicketSpec, quad: &Quad) -> Option<f32> {
    if !spec.qr {
        return None;
    }
    let modules =
        qrcode::QrCode::with_error_correction_level(spec.payload.as_bytes(), qrcode::EcLevel::M)
            .ok()?
            .width() as f32;
    let edge = |a: (f32, f32), b: (f32, f32)| (a.0 - b.0).hypot(a.1 - b.1);
    let px_per_mm = (edge(quad[0], quad[1]) + edge(quad[3], quad[2])) / 2.0 / TICKET_WIDTH_MM;
    Some(px_per_mm * QR_SIZE_MM / modules)
}

/// A frame of a ticket with what is known about where it landed.
struct Shot {
    frame: GrayImage,
    quad: Option<Quad>,
    qr_module_px: Option<f32>,
}

/// Renders `spec` into `scene`.
fn shoot(
    spec: &TicketSpec,
    scene: &Scene,
    fonts: &Fonts,
    noise_seed: u64,
) -> Result<Shot, GenError> {
    let ppm = render_resolution(scene.scale * scene.width as f32);
    let ticket = render_ticket(spec, fonts, ppm)?;
    let frame = try_camera_frame(&ticket, scene, noise_seed)?;
    let quad = scene.ticket_quad(spec.height_mm / TICKET_WIDTH_MM);
    let qr_module_px = quad.as_ref().and_then(|q| qr_module_px(spec, q));
    Ok(Shot {
        frame,
        quad,
        qr_module_px,
    })
}

/// `count` labelled frames of `tier`, deterministic for `seed`. Every tenth frame has no
/// ticket; the others mix all three symbols, the QR under a finger, no QR (2021 tickets,
/// dose 1–2) and the 18-digit NW-7. Hard frames often have a finger over one more symbol.
pub fn dataset(
    tier: Tier,
    count: usize,
    seed: u64,
    fonts: &Fonts,
) -> Result<Vec<Sample>, GenError> {
    dataset_sized(tier, count, seed, fonts, None)
}

/// As [`dataset`], with every frame `size` (width, height) instead of the tier's sizes.
pub fn dataset_sized(
    tier: Tier,
    count: usize,
    seed: u64,
    fonts: &Fonts,
    size: Option<(u32, u32)>,
) -> Result<Vec<Sample>, GenError> {
    dataset_iter(tier, count, seed, fonts, size).collect()
}

/// As [`dataset_sized`], one sample at a time (large sets need not fit in memory).
/// Sample `i` depends only on `seed` and `i`, so a longer set starts with the shorter one.
pub fn dataset_iter<'a>(
    tier: Tier,
    count: usize,
    seed: u64,
    fonts: &'a Fonts,
    size: Option<(u32, u32)>,
) -> impl Iterator<Item = Result<Sample, GenError>> + 'a {
    let mut master = ChaCha8Rng::seed_from_u64(seed);
    (0..count).map(move |i| {
        let mut rng = ChaCha8Rng::seed_from_u64(master.random());
        one_sample(tier, i, &mut rng, fonts, size)
    })
}

fn one_sample(
    tier: Tier,
    index: usize,
    rng: &mut ChaCha8Rng,
    fonts: &Fonts,
    size: Option<(u32, u32)>,
) -> Result<Sample, GenError> {
    let name = format!("{}-{:04}", tier.as_str(), index + 1);
    let mut scene = Scene::random_with(tier, rng);
    if let Some((w, h)) = size {
        scene.width = w;
        scene.height = h;
        scene.fit(rng, FIT_ASPECT);
    }
    if index % 10 == 9 {
        if matches!(scene.background, Background::Plain { .. }) && rng.random_bool(0.7) {
            scene.background = Background::Cluttered { seed: rng.random() };
        }
        let frame = try_empty_frame(&scene, rng.random())?;
        return Ok(Sample {
            name,
            frame,
            truth: None,
            spec: None,
            scene,
            tier,
            quad: None,
            qr_module_px: None,
        });
    }
    let set = pick_set(rng);
    let doses = if set == SymbolSet::QrAbsent {
        1..=2
    } else {
        1..=9
    };
    let payload = random_payload(rng, doses);
    let mut spec = TicketSpec::new(&payload);
    spec.height_mm = rng.random_range(33.0..=35.0);
    let stops = ['A', 'B', 'C', 'D'];
    spec.nw7_start_stop = (stops[rng.random_range(0..4)], stops[rng.random_range(0..4)]);
    match set {
        SymbolSet::AllThree | SymbolSet::QrCovered => {}
        SymbolSet::QrAbsent => spec.qr = false,
        SymbolSet::Nw7Full => spec.nw7 = Nw7Variant::Full,
    }
    let lay = layout(&spec)?;
    scene.finger = if set == SymbolSet::QrCovered {
        finger_over(Symbol::Qr, &lay, rng)
    } else if tier == Tier::Hard && rng.random_bool(0.5) {
        let printed = spec.printed_symbols();
        let target = printed[rng.random_range(0..printed.len())];
        finger_over(target, &lay, rng)
    } else {
        None
    };
    let Shot {
        frame,
        quad,
        qr_module_px,
    } = shoot(&spec, &scene, fonts, rng.random())?;
    Ok(Sample {
        name,
        frame,
        truth: Some(payload),
        spec: Some(spec),
        scene,
        tier,
        quad,
        qr_module_px,
    })
}

/// Empty frames before the first ticket, between tickets and after the last.
pub const SEQUENCE_EMPTY_FRAMES: usize = 3;
/// Frames in which each ticket is seen.
pub const SEQUENCE_TICKET_FRAMES: usize = 6;

/// Frames as a fixed kiosk camera records them: a few empty frames, then each ticket in
/// several slightly moving frames, empty frames between tickets and at the end.
/// Frames are named `frame-0001`…; the desk and light stay the same throughout.
pub fn sequence(
    payloads: &[String],
    width: u32,
    height: u32,
    seed: u64,
    fonts: &Fonts,
) -> Result<Vec<Sample>, GenError> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mut base = Scene::flat(width, height);
    base.fov_deg = 65.0;
    base.defocus_sigma = rng.random_range(0.6..0.9);
    base.noise_sigma = rng.random_range(1.5..3.0);
    base.brightness = rng.random_range(0.95..1.05);
    base.light_gradient = rng.random_range(0.05..0.15);
    base.light_angle_deg = rng.random_range(0.0..360.0);
    base.vignette = rng.random_range(0.1..0.2);
    base.background = Background::Plain {
        reflectance: rng.random_range(0.15..0.45),
    };
    let mut out = Vec::new();
    let push_empty = |out: &mut Vec<Sample>, rng: &mut ChaCha8Rng| -> Result<(), GenError> {
        let frame = try_empty_frame(&base, rng.random())?;
        out.push(Sample {
            name: format!("frame-{:04}", out.len() + 1),
            frame,
            truth: None,
            spec: None,
            scene: base.clone(),
            tier: Tier::Easy,
            quad: None,
            qr_module_px: None,
        });
        Ok(())
    };
    for payload in payloads {
        for _ in 0..SEQUENCE_EMPTY_FRAMES {
            push_empty(&mut out, &mut rng)?;
        }
        let mut spec = TicketSpec::new(payload);
        if let Err(e) = layout(&spec) {
            log::warn!("NW-7 を印刷しません: {e}");
            spec.nw7 = Nw7Variant::None;
        }
        let mut rest = base.clone();
        rest.rotation_deg = rng.random_range(-12.0..12.0);
        rest.tilt_deg = rng.random_range(0.0..5.0);
        rest.tilt_axis_deg = rng.random_range(0.0..180.0);
        rest.scale = rng.random_range(0.55..0.72);
        rest.paper = rng.random_range(0.8..0.9);
        rest.fit(&mut rng, FIT_ASPECT);
        let aspect = spec.height_mm / TICKET_WIDTH_MM;
        let mut prev_center = rest.center;
        for k in 0..SEQUENCE_TICKET_FRAMES {
            let mut scene = rest.clone();
            // Being put down in the first frames, then only small hand tremor.
            let settle = if k < 2 { 0.03 * (2 - k) as f32 } else { 0.006 };
            scene.center = (
                rest.center.0 + rng.random_range(-settle..=settle),
                rest.center.1 + rng.random_range(-settle..=settle),
            );
            scene.rotation_deg += rng.random_range(-1.0..1.0);
            if !scene.inside(aspect, 0.0) {
                scene.center = rest.center;
            }
            let (mx, my) = (
                (scene.center.0 - prev_center.0) * width as f32,
                (scene.center.1 - prev_center.1) * height as f32,
            );
            // The shutter is open for a fraction of the frame interval.
            scene.motion_blur_px = (0.4 * mx.hypot(my)).min(10.0);
            scene.motion_blur_angle_deg = my.atan2(mx).to_degrees();
            prev_center = scene.center;
            let Shot {
                frame,
                quad,
                qr_module_px,
            } = shoot(&spec, &scene, fonts, rng.random())?;
            out.push(Sample {
                name: format!("frame-{:04}", out.len() + 1),
                frame,
                truth: Some(payload.clone()),
                spec: Some(spec.clone()),
                scene,
                tier: Tier::Easy,
                quad,
                qr_module_px,
            });
        }
    }
    for _ in 0..SEQUENCE_EMPTY_FRAMES {
        push_empty(&mut out, &mut rng)?;
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use vrs_protocol::TicketRules;

    #[test]
    fn random_payloads_are_valid_tickets() {
        let mut rng = ChaCha8Rng::seed_from_u64(3);
        let rules = TicketRules::default();
        for _ in 0..500 {
            let p = random_payload(&mut rng, 1..=9);
            rules
                .parse(&p, MasterList::embedded())
                .unwrap_or_else(|e| panic!("{p}: {e}"));
        }
        let p = random_payload(&mut rng, 1..=2);
        assert!(matches!(&p[1..2], "1" | "2"));
    }

    #[test]
    fn fingers_cover_their_symbol() {
        let mut rng = ChaCha8Rng::seed_from_u64(1);
        let mut spec = TicketSpec::new("121310160000012345");
        spec.nw7 = Nw7Variant::Full;
        let lay = layout(&spec).unwrap();
        for symbol in [Symbol::Qr, Symbol::Nw7, Symbol::OcrLine] {
            for _ in 0..20 {
                let f = finger_over(symbol, &lay, &mut rng).unwrap();
                let rect = lay.symbol(symbol).unwrap();
                let (cx, cy) = rect.center();
                // The symbol centre lies under the finger (a capsule from the tip).
                let tip = (f.tip.0 * lay.width_mm, f.tip.1 * lay.height_mm);
                let (s, c) = f.direction_deg.to_radians().sin_cos();
                let along = (cx - tip.0) * c + (cy - tip.1) * s;
                let across = (-(cx - tip.0) * s + (cy - tip.1) * c).abs();
                let r = f.width * lay.width_mm / 2.0;
                assert!(along >= -r && across < r, "{symbol:?} {f:?}");
            }
        }
    }
}
