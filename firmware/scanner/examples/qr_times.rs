//! Time and output of the QR stage alone, per image file.
//!
//! `cargo run --release -p vrs-scanner --example qr_times -- [--reps N] [--json] FILE...`
//!
//! Each file is decoded `N` times (default 3) and its fastest run is kept, which keeps
//! other processes' noise out of the per-frame figure; the median and p95 over the files
//! are printed last. With `--json` every file also gets one line: its name, time and texts.

use std::time::Instant;

use vrs_scanner::{GrayFrame, qr};

fn main() -> anyhow::Result<()> {
    let mut reps = 3usize;
    let mut json = false;
    let mut files = Vec::new();
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--reps" => reps = args.next().unwrap_or_default().parse()?,
            "--json" => json = true,
            _ => files.push(arg),
        }
    }
    let mut times = Vec::with_capacity(files.len());
    for file in &files {
        let img = image::open(file)?.into_luma8();
        let (w, h) = img.dimensions();
        let frame = GrayFrame::new(w, h, img.into_raw())?;
        let mut best = f64::INFINITY;
        let mut symbols = Vec::new();
        for _ in 0..reps.max(1) {
            let t = Instant::now();
            symbols = qr::decode_qr(&frame);
            best = best.min(t.elapsed().as_secs_f64() * 1000.0);
        }
        times.push(best);
        if json {
            let texts: Vec<&str> = symbols.iter().map(|s| s.text.as_str()).collect();
            let angles: Vec<Option<f32>> = symbols.iter().map(|s| s.angle).collect();
            println!(
                "{}",
                serde_json::json!({ "file": file, "ms": best, "qr": texts, "angle": angles })
            );
        }
    }
    if times.is_empty() {
        return Ok(());
    }
    times.sort_by(f64::total_cmp);
    let pick =
        |q: f64| times[((q * (times.len() - 1) as f64).round() as usize).min(times.len() - 1)];
    let mean = times.iter().sum::<f64>() / times.len() as f64;
    eprintln!(
        "{} frames: median {:.2} ms, p95 {:.2} ms, max {:.2} ms, mean {:.2} ms",
        times.len(),
        pick(0.5),
        pick(0.95),
        times[times.len() - 1],
        mean
    );
    Ok(())
}
