//! Where a frame's time goes: each decoding stage timed on image files.
//!
//! `cargo run --release -p vrs-scanner --example stage_times -- FILE...`

use std::time::Instant;

use vrs_scanner::{GrayFrame, codabar, ocr, qr, rectify};

fn main() -> anyhow::Result<()> {
    let mut totals = [0f64; 4];
    let names = ["qr", "angle", "nw7", "ocr"];
    let files: Vec<String> = std::env::args().skip(1).collect();
    for file in &files {
        let img = image::open(file)?.into_luma8();
        let (w, h) = img.dimensions();
        let frame = GrayFrame::new(w, h, img.into_raw())?;
        let t = Instant::now();
        let q = qr::decode_qr(&frame);
        let t_qr = t.elapsed().as_secs_f64();
        let t = Instant::now();
        let angle = q
            .iter()
            .find_map(|s| s.angle)
            .or_else(|| rectify::dominant_angle(&frame));
        let t_angle = t.elapsed().as_secs_f64();
        let t = Instant::now();
        let _ = codabar::decode_codabar(&frame, angle);
        let t_nw7 = t.elapsed().as_secs_f64();
        let t = Instant::now();
        let _ = ocr::read_lines(&frame, angle);
        let t_ocr = t.elapsed().as_secs_f64();
        for (total, v) in totals.iter_mut().zip([t_qr, t_angle, t_nw7, t_ocr]) {
            *total += v;
        }
    }
    for (name, total) in names.iter().zip(totals) {
        println!(
            "{name:6} {:8.1} ms/frame",
            total * 1000.0 / files.len() as f64
        );
    }
    Ok(())
}
