//! Where the OCR reader's time goes, on image files.
//!
//! `cargo run --release -p vrs-scanner --example ocr_times -- FILE...`

use std::time::Instant;

use vrs_scanner::{GrayFrame, ocr, rectify};

fn main() -> anyhow::Result<()> {
    let files: Vec<String> = std::env::args().skip(1).collect();
    let (mut t_up, mut t_find, mut t_read, mut lines) = (0f64, 0f64, 0f64, 0usize);
    for file in &files {
        let img = image::open(file)?.into_luma8();
        let (w, h) = img.dimensions();
        let frame = GrayFrame::new(w, h, img.into_raw())?;
        let angle = rectify::dominant_angle(&frame).unwrap_or(0.0);
        let t = Instant::now();
        let upright = rectify::upright(&frame, angle);
        t_up += t.elapsed().as_secs_f64();
        let t = Instant::now();
        let found = ocr::segment::find_lines(&upright);
        t_find += t.elapsed().as_secs_f64();
        lines += found.len();
        let t = Instant::now();
        let _ = ocr::read_lines(&upright, Some(0.0));
        t_read += t.elapsed().as_secs_f64();
    }
    let n = files.len() as f64;
    println!(
        "upright {:.1} ms, find_lines {:.1} ms, read_lines (find+classify) {:.1} ms, {:.1} lines/frame",
        t_up * 1000.0 / n,
        t_find * 1000.0 / n,
        t_read * 1000.0 / n,
        lines as f64 / n
    );
    Ok(())
}
