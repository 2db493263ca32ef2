//! Where a frame's time goes: each decoding stage of `observe` timed on image files.
//!
//! `cargo run --release -p vrs-scanner --example stage_times -- FILE...`
//!
//! Prints mean, median and 95th percentile per stage, in milliseconds per frame.

use std::time::Instant;

use vrs_scanner::{GrayFrame, codabar, ocr, qr, rectify};

/// Stage names, in pipeline order.
const STAGES: [&str; 4] = ["qr", "texture", "nw7", "ocr"];

fn main() -> anyhow::Result<()> {
    let files: Vec<String> = std::env::args().skip(1).collect();
    let mut times: Vec<Vec<f64>> = vec![Vec::with_capacity(files.len()); STAGES.len()];
    for file in &files {
        let img = image::open(file)?.into_luma8();
        let (w, h) = img.dimensions();
        let frame = GrayFrame::new(w, h, img.into_raw())?;
        let mut clock = Instant::now();
        let mut lap = |stage: usize| {
            times[stage].push(clock.elapsed().as_secs_f64() * 1000.0);
            clock = Instant::now();
        };
        let q = qr::decode_qr(&frame);
        lap(0);
        let texture = rectify::Texture::of(&frame);
        let hint = q.iter().find_map(|s| s.angle);
        let angle = rectify::ticket_angle(hint, || texture.dominant_angle());
        lap(1);
        let _ = codabar::decode_codabar_with(&frame, &texture, angle);
        lap(2);
        let _ = ocr::read_lines(&frame, Some(angle));
        lap(3);
    }
    println!(
        "stage     mean   median      p95  (ms per frame, {} frames)",
        files.len()
    );
    let totals: Vec<f64> = (0..files.len())
        .map(|i| times.iter().map(|t| t[i]).sum())
        .collect();
    for (name, mut t) in STAGES
        .iter()
        .chain(["total"].iter())
        .zip(times.into_iter().chain([totals]))
    {
        if t.is_empty() {
            continue;
        }
        t.sort_by(f64::total_cmp);
        let mean = t.iter().sum::<f64>() / t.len() as f64;
        let at = |q: f64| t[((t.len() - 1) as f64 * q).round() as usize];
        println!("{name:6} {mean:7.2} {:8.2} {:8.2}", at(0.5), at(0.95));
    }
    Ok(())
}
