//! The generated images carry what they claim: a real decoder (rxing, as the scanner
//! uses) reads the QR and NW-7 back, frames are reproducible, and ticket-free frames
//! hold no ticket.

use std::sync::OnceLock;

use image::GrayImage;
use rxing::BarcodeFormat;
use vrs_protocol::{MasterList, Nw7Read, TicketRules};
use vrs_ticket_gen::{
    Background, Fonts, Nw7Variant, Scene, TicketSpec, Tier, camera_frame, dataset_sized,
    empty_frame, render_ticket,
};

fn fonts() -> &'static Fonts {
    static FONTS: OnceLock<Fonts> = OnceLock::new();
    FONTS.get_or_init(|| Fonts::system().expect("fonts-ocr-b and fonts-ipafont-gothic installed"))
}

fn decode(img: &GrayImage, format: BarcodeFormat) -> Option<String> {
    rxing::helpers::detect_in_luma(
        img.as_raw().clone(),
        img.width(),
        img.height(),
        Some(format),
    )
    .ok()
    .map(|r| r.getText().to_owned())
}

const PAYLOADS: [&str; 4] = [
    "121310160000012345",
    "110110020000000001",
    "152710041234567890",
    "210110020000000001",
];

#[test]
fn qr_of_a_flat_render_decodes_to_the_payload() {
    for p in PAYLOADS {
        let img = render_ticket(&TicketSpec::new(p), fonts(), 10.0).unwrap();
        assert_eq!(decode(&img, BarcodeFormat::QR_CODE).as_deref(), Some(p));
    }
    // An invalid payload is printed as it is.
    let bad = "12131O160000012345";
    let img = render_ticket(&TicketSpec::new(bad), fonts(), 10.0).unwrap();
    assert_eq!(decode(&img, BarcodeFormat::QR_CODE).as_deref(), Some(bad));
}

#[test]
fn nw7_of_a_flat_render_decodes_to_its_digits() {
    for p in PAYLOADS {
        let parsed = vrs_protocol::TicketPayload::parse(p).unwrap();

        let mut spec = TicketSpec::new(p);
        spec.qr = false;
        let img = render_ticket(&spec, fonts(), 12.0).unwrap();
        let text = decode(&img, BarcodeFormat::CODABAR).expect("10-digit NW-7 decodes");
        assert_eq!(text, &p[8..]);
        let read = Nw7Read::parse(&text).unwrap();
        assert!(matches!(read, Nw7Read::Partial(_)) && read.agrees_with(&parsed));

        spec.nw7 = Nw7Variant::Full;
        spec.nw7_start_stop = ('C', 'D');
        let img = render_ticket(&spec, fonts(), 12.0).unwrap();
        let text = decode(&img, BarcodeFormat::CODABAR).expect("18-digit NW-7 decodes");
        assert_eq!(text, p);
        assert_eq!(Nw7Read::parse(&text).unwrap(), Nw7Read::Full(parsed));
    }
}

#[test]
fn symbols_left_off_are_not_there() {
    let mut spec = TicketSpec::new(PAYLOADS[0]);
    spec.qr = false;
    spec.nw7 = Nw7Variant::None;
    let img = render_ticket(&spec, fonts(), 10.0).unwrap();
    assert_eq!(decode(&img, BarcodeFormat::QR_CODE), None);
    assert_eq!(decode(&img, BarcodeFormat::CODABAR), None);

    // Ink share inside each symbol's rectangle: printed symbols are there, others blank.
    let ink = |img: &GrayImage, r: vrs_ticket_gen::RectMm| {
        let s = 10.0;
        let (x0, y0) = ((r.x * s) as u32, (r.y * s) as u32);
        let (x1, y1) = (((r.x + r.w) * s) as u32, ((r.y + r.h) * s) as u32);
        let mut dark = 0;
        for y in y0..y1 {
            for x in x0..x1 {
                dark += usize::from(img.get_pixel(x, y).0[0] < 128);
            }
        }
        dark as f32 / ((x1 - x0) * (y1 - y0)) as f32
    };
    let full = TicketSpec::new(PAYLOADS[0]);
    let lay = vrs_ticket_gen::layout(&full).unwrap();
    let printed = render_ticket(&full, fonts(), 10.0).unwrap();
    let (qr, ocr, nw7) = (lay.qr.unwrap(), lay.ocr_line.unwrap(), lay.nw7.unwrap());
    assert!(ink(&printed, qr) > 0.3, "QR modules");
    assert!(ink(&printed, ocr) > 0.1, "OCR-B digits");
    assert!(ink(&printed, nw7) > 0.3, "NW-7 bars");
    let mut none = full.clone();
    none.qr = false;
    none.ocr_line = false;
    none.nw7 = Nw7Variant::None;
    let blank = render_ticket(&none, fonts(), 10.0).unwrap();
    for r in [qr, ocr, nw7] {
        assert_eq!(ink(&blank, r), 0.0, "{r:?}");
    }
}

#[test]
fn qr_survives_a_clean_camera_frame() {
    let ticket = render_ticket(&TicketSpec::new(PAYLOADS[2]), fonts(), 20.0).unwrap();
    let mut scene = Scene::flat(1280, 720);
    scene.rotation_deg = 8.0;
    scene.tilt_deg = 6.0;
    scene.tilt_axis_deg = 30.0;
    scene.noise_sigma = 2.0;
    scene.jpeg_quality = Some(90);
    scene.background = Background::Cluttered { seed: 4 };
    let frame = camera_frame(&ticket, &scene, 1);
    assert_eq!(
        decode(&frame, BarcodeFormat::QR_CODE).as_deref(),
        Some(PAYLOADS[2])
    );
    // A finger over the QR hides it.
    let lay = vrs_ticket_gen::layout(&TicketSpec::new(PAYLOADS[2])).unwrap();
    let mut rng = <rand_chacha::ChaCha8Rng as rand::SeedableRng>::seed_from_u64(2);
    scene.finger = vrs_ticket_gen::finger_over(vrs_ticket_gen::Symbol::Qr, &lay, &mut rng);
    let frame = camera_frame(&ticket, &scene, 1);
    assert_eq!(decode(&frame, BarcodeFormat::QR_CODE), None);
}

#[test]
fn same_seed_gives_identical_frames() {
    let small = Some((320, 240));
    let a = dataset_sized(Tier::Medium, 3, 42, fonts(), small).unwrap();
    let b = dataset_sized(Tier::Medium, 3, 42, fonts(), small).unwrap();
    for (x, y) in a.iter().zip(&b) {
        assert_eq!(x.name, y.name);
        assert_eq!(x.truth, y.truth);
        assert_eq!(x.frame.as_raw(), y.frame.as_raw());
    }
    // A shorter set is a prefix of a longer one.
    let prefix = dataset_sized(Tier::Medium, 2, 42, fonts(), small).unwrap();
    assert_eq!(prefix[1].frame.as_raw(), a[1].frame.as_raw());
    let c = dataset_sized(Tier::Medium, 3, 43, fonts(), small).unwrap();
    assert_ne!(a[0].frame.as_raw(), c[0].frame.as_raw());
}

#[test]
fn dataset_samples_are_labelled_and_inside_the_frame() {
    let samples = dataset_sized(Tier::Hard, 10, 7, fonts(), Some((480, 360))).unwrap();
    let rules = TicketRules::default();
    assert_eq!(samples.iter().filter(|s| s.truth.is_none()).count(), 1);
    for s in &samples {
        assert_eq!(s.frame.dimensions(), (s.scene.width, s.scene.height));
        match (&s.truth, &s.spec, &s.quad) {
            (Some(t), Some(spec), Some(quad)) => {
                rules.parse(t, MasterList::embedded()).unwrap();
                assert_eq!(&spec.payload, t);
                for (x, y) in quad {
                    assert!(*x >= 0.0 && *y >= 0.0, "{}: {quad:?}", s.name);
                    assert!(*x <= s.scene.width as f32 && *y <= s.scene.height as f32);
                }
                let line = s.truth_json("x.png");
                assert_eq!(line["truth"], serde_json::json!(t));
            }
            (None, None, None) => {
                assert_eq!(s.truth_json("x.png")["truth"], serde_json::Value::Null)
            }
            _ => panic!("{}: inconsistent labels", s.name),
        }
    }
}

#[test]
fn empty_frames_hold_no_qr_and_no_ticket_nw7() {
    for seed in 0..6 {
        let mut scene = Scene::random(
            if seed % 2 == 0 {
                Tier::Medium
            } else {
                Tier::Easy
            },
            seed,
        );
        scene.background = Background::Cluttered {
            seed: seed * 31 + 5,
        };
        let frame = empty_frame(&scene, seed);
        assert_eq!(decode(&frame, BarcodeFormat::QR_CODE), None, "seed {seed}");
        if let Some(text) = decode(&frame, BarcodeFormat::CODABAR) {
            assert!(Nw7Read::parse(&text).is_err(), "seed {seed}: {text}");
        }
    }
}
