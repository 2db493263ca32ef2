//! Where the OCR reader's time goes, and how well it reads, on image files.
//!
//! `cargo run --release -p vrs-scanner --example ocr_times -- FILE...`
//!
//! For each frame the ticket's angle is estimated as the pipeline does without a QR
//! (`rectify::dominant_angle`), then `ocr::read_lines(frame, Some(angle))` is timed whole
//! and by stage (finding the lines, then classifying their cells). Median, p95 and
//! maximum per stage are printed. When a `truth.jsonl` (from `scan_compare.py`) lies
//! beside the files, the reads are scored against it: read rate over the frames whose
//! OCR line is visible, misreads (any line that differs from the truth), confident
//! misreads (a differing line whose every character reaches 0.8) and phantom lines on
//! ticket-free frames. `OCR_REPEAT=n` times each call n times and keeps the fastest
//! (steadier numbers on a shared machine).

use std::collections::HashMap;
use std::path::Path;
use std::time::Instant;

use vrs_scanner::{GrayFrame, ocr, rectify};

/// The policy's per-character confidence bar.
const BAR: f32 = 0.8;

/// What `truth.jsonl` says about one file.
struct Truth {
    /// The 18 digits, `None` on ticket-free frames.
    digits: Option<String>,
    /// Whether the OCR line is visible (not covered).
    ocr_visible: bool,
}

fn load_truth(dir: &Path, cache: &mut HashMap<String, Truth>) -> anyhow::Result<()> {
    let path = dir.join("truth.jsonl");
    let Ok(text) = std::fs::read_to_string(&path) else {
        return Ok(());
    };
    for line in text.lines().filter(|l| !l.trim().is_empty()) {
        let v: serde_json::Value = serde_json::from_str(line)?;
        let Some(file) = v["file"].as_str() else {
            continue;
        };
        let digits = v["truth"].as_str().map(str::to_owned);
        let ocr_visible = v["symbols"]
            .as_array()
            .is_some_and(|s| s.iter().any(|x| x.as_str() == Some("ocr")));
        cache.insert(
            dir.join(file).to_string_lossy().into_owned(),
            Truth {
                digits,
                ocr_visible,
            },
        );
    }
    Ok(())
}

/// Median, p95 and maximum of the samples, in milliseconds.
fn summary(name: &str, samples: &mut [f64]) -> String {
    if samples.is_empty() {
        return format!("{name}: –");
    }
    samples.sort_by(f64::total_cmp);
    let at = |q: f64| samples[((samples.len() - 1) as f64 * q).round() as usize] * 1000.0;
    let mean = samples.iter().sum::<f64>() / samples.len() as f64 * 1000.0;
    format!(
        "{name}: median {:.2} ms, p95 {:.2} ms, max {:.2} ms, mean {:.2} ms",
        at(0.5),
        at(0.95),
        at(1.0),
        mean
    )
}

/// The result of `f` and its fastest of `n` runs, in seconds: on a shared machine the
/// fastest run is the one least disturbed by other processes.
fn fastest<T>(n: usize, mut f: impl FnMut() -> T) -> (T, f64) {
    let mut best = f64::INFINITY;
    let mut out = None;
    for _ in 0..n.max(1) {
        let t = Instant::now();
        let r = f();
        best = best.min(t.elapsed().as_secs_f64());
        out = Some(r);
    }
    (out.expect("ran at least once"), best)
}

fn main() -> anyhow::Result<()> {
    let files: Vec<String> = std::env::args().skip(1).collect();
    let repeat: usize = std::env::var("OCR_REPEAT")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1);
    let mut truths = HashMap::new();
    let mut dirs: Vec<&Path> = files.iter().filter_map(|f| Path::new(f).parent()).collect();
    dirs.sort();
    dirs.dedup();
    for dir in dirs {
        load_truth(dir, &mut truths)?;
    }
    let (mut t_find, mut t_total, mut t_classify) = (Vec::new(), Vec::new(), Vec::new());
    let mut lines = 0usize;
    let (mut seen, mut read, mut wrong, mut sure_wrong, mut phantom, mut empty) =
        (0, 0, 0, 0, 0, 0);
    for file in &files {
        let img = image::open(file)?.into_luma8();
        let (w, h) = img.dimensions();
        let frame = GrayFrame::new(w, h, img.into_raw())?;
        let angle = rectify::dominant_angle(&frame).unwrap_or(0.0);
        let (found, find) = fastest(repeat, || ocr::segment::find_lines(&frame, angle));
        t_find.push(find);
        lines += found.len();
        let (result, total) = fastest(repeat, || ocr::read_lines(&frame, Some(angle)));
        t_total.push(total);
        t_classify.push((total - find).max(0.0));
        if std::env::var_os("OCR_SLOW").is_some() && total > 0.003 {
            eprintln!(
                "slow {file}: {:.2} ms ({:.2} finding), {} candidates, {} read",
                total * 1000.0,
                find * 1000.0,
                found.len(),
                result.len()
            );
        }
        let Some(truth) = truths.get(file.as_str()) else {
            continue;
        };
        match &truth.digits {
            None => {
                empty += 1;
                phantom += usize::from(!result.is_empty());
            }
            Some(digits) if truth.ocr_visible => {
                seen += 1;
                let hit = result.iter().any(|l| &l.digits == digits);
                read += usize::from(hit);
                wrong += usize::from(result.iter().any(|l| &l.digits != digits));
                let sure = result
                    .iter()
                    .any(|l| &l.digits != digits && l.min_confidence() >= BAR);
                sure_wrong += usize::from(sure);
                if sure {
                    eprintln!("CONFIDENT MISREAD {file}: {result:?}");
                }
                if std::env::var_os("OCR_VERBOSE").is_some() {
                    for l in &found {
                        eprintln!("    {l:?}");
                    }
                    eprintln!(
                        "{} {file} angle {angle:.1}: {:?}",
                        if hit { "ok  " } else { "miss" },
                        result
                            .iter()
                            .map(|l| (
                                l.digits.as_str(),
                                l.confidence
                                    .iter()
                                    .map(|c| (c * 10.0).round() as u8)
                                    .collect::<Vec<_>>()
                            ))
                            .collect::<Vec<_>>()
                    );
                }
            }
            Some(_) => {}
        }
    }
    let n = files.len().max(1) as f64;
    println!(
        "{} frames, {:.1} candidate lines/frame",
        files.len(),
        lines as f64 / n
    );
    println!("{}", summary("read_lines (whole OCR stage)", &mut t_total));
    println!("{}", summary("  find_lines", &mut t_find));
    println!("{}", summary("  classify (rest)", &mut t_classify));
    if seen + empty > 0 {
        println!(
            "read {read}/{seen} ({:.1}%), misreads {wrong}, confident misreads {sure_wrong}, phantom {phantom}/{empty}",
            100.0 * read as f64 / seen.max(1) as f64
        );
    }
    Ok(())
}
