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
//! ticket-free frames, and how often a candidate line lies on the printed one (from
//! the ticket quad). `OCR_REPEAT=n` times each call n times and keeps the fastest
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
    /// The ticket's corners on screen (top left, top right, bottom right, bottom left
    /// as printed), when a ticket is in the frame.
    quad: Option<[(f32, f32); 4]>,
}

/// Nominal ticket height used to place the OCR line inside the quad (33–35 mm).
const TICKET_H_MM: f32 = 34.0;
/// Ticket width in mm.
const TICKET_W_MM: f32 = 63.0;

impl Truth {
    /// Screen position of the centre of OCR cell `k`: the ticket plane mapped onto
    /// the quad by the homography through its corners (tilted tickets are far from
    /// parallelograms).
    fn cell(&self, k: f32) -> Option<(f32, f32)> {
        let q = self.quad?;
        let corners = [
            (0.0, 0.0),
            (TICKET_W_MM, 0.0),
            (TICKET_W_MM, TICKET_H_MM),
            (0.0, TICKET_H_MM),
        ];
        let h = homography(&corners, &q)?;
        let (x, y) = (3.0 + 1.27 + 2.54 * k, 16.45);
        let w = h[6] * x + h[7] * y + 1.0;
        Some((
            (h[0] * x + h[1] * y + h[2]) / w,
            (h[3] * x + h[4] * y + h[5]) / w,
        ))
    }

    /// The ticket's angle modulo 90° (degrees counter-clockwise on screen).
    fn angle(&self) -> Option<f32> {
        let q = self.quad?;
        let degrees = (q[0].1 - q[1].1).atan2(q[1].0 - q[0].0).to_degrees();
        Some(rectify::modulo_quarter(degrees))
    }

    /// Whether a candidate line runs along the printed OCR line, at its pitch.
    fn located(&self, line: &ocr::segment::CellLine) -> bool {
        let (Some(a), Some(b)) = (self.cell(0.0), self.cell(17.0)) else {
            return false;
        };
        let pitch = (b.0 - a.0).hypot(b.1 - a.1) / 17.0;
        let mid = ((a.0 + b.0) / 2.0, (a.1 + b.1) / 2.0);
        let step2 = line.step.0 * line.step.0 + line.step.1 * line.step.1;
        if step2 <= 0.0 {
            return false;
        }
        let t =
            ((mid.0 - line.origin.0) * line.step.0 + (mid.1 - line.origin.1) * line.step.1) / step2;
        let c = line.center(t);
        let ratio = step2.sqrt() / pitch;
        (c.0 - mid.0).hypot(c.1 - mid.1) < 0.5 * pitch
            && (0.8..1.25).contains(&ratio)
            && t > -3.0
            && t < line.cells as f32 + 2.0
    }
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
        let quad = v["quad"].as_array().and_then(|q| {
            let pts: Vec<(f32, f32)> = q
                .iter()
                .filter_map(|p| Some((p[0].as_f64()? as f32, p[1].as_f64()? as f32)))
                .collect();
            <[(f32, f32); 4]>::try_from(pts).ok()
        });
        let ocr_visible = v["symbols"]
            .as_array()
            .is_some_and(|s| s.iter().any(|x| x.as_str() == Some("ocr")));
        cache.insert(
            dir.join(file).to_string_lossy().into_owned(),
            Truth {
                digits,
                ocr_visible,
                quad,
            },
        );
    }
    Ok(())
}

/// The homography `h` (h₈ = 1) taking each `from` point to the `to` point.
fn homography(from: &[(f32, f32); 4], to: &[(f32, f32); 4]) -> Option<[f32; 8]> {
    let mut m = [[0f64; 9]; 8];
    for (i, (&(x, y), &(u, v))) in from.iter().zip(to).enumerate() {
        let (x, y, u, v) = (f64::from(x), f64::from(y), f64::from(u), f64::from(v));
        m[2 * i] = [x, y, 1.0, 0.0, 0.0, 0.0, -u * x, -u * y, u];
        m[2 * i + 1] = [0.0, 0.0, 0.0, x, y, 1.0, -v * x, -v * y, v];
    }
    for c in 0..8 {
        let p = (c..8).max_by(|&a, &b| m[a][c].abs().total_cmp(&m[b][c].abs()))?;
        if m[p][c].abs() < 1e-12 {
            return None;
        }
        m.swap(c, p);
        let pivot = m[c];
        for (r, row) in m.iter_mut().enumerate() {
            if r != c {
                let f = row[c] / pivot[c];
                for (x, &p) in row.iter_mut().zip(&pivot).skip(c) {
                    *x -= f * p;
                }
            }
        }
    }
    Some(std::array::from_fn(|i| (m[i][8] / m[i][i]) as f32))
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
    let (mut located, mut sure_right) = (0, 0);
    // The highest lowest-confidence of any wrong line: how close a misread came to
    // the bar.
    let mut closest = 0f32;
    for file in &files {
        let img = image::open(file)?.into_luma8();
        let (w, h) = img.dimensions();
        let frame = GrayFrame::new(w, h, img.into_raw())?;
        let angle = rectify::dominant_angle(&frame).unwrap_or(0.0);
        // Candidates at the hinted angle and at the angles the frame's rows of
        // characters run at (what `read_lines` looks at when the first are not read).
        let (found, find) = fastest(repeat, || ocr::segment::find_lines(&frame, angle));
        let ink = ocr::segment::Ink::of(&frame);
        let others = ink.text_angles(angle, 2);
        let found: Vec<_> = found
            .into_iter()
            .chain(others.iter().flat_map(|&a| ink.lines(a)))
            .collect();
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
                let found_it = found.iter().any(|l| truth.located(l));
                located += usize::from(found_it);
                sure_right += usize::from(
                    result
                        .iter()
                        .any(|l| &l.digits == digits && l.min_confidence() >= BAR),
                );
                wrong += usize::from(result.iter().any(|l| &l.digits != digits));
                let sure = result
                    .iter()
                    .any(|l| &l.digits != digits && l.min_confidence() >= BAR);
                sure_wrong += usize::from(sure);
                for l in result.iter().filter(|l| &l.digits != digits) {
                    closest = closest.max(l.min_confidence());
                }
                if sure {
                    eprintln!("CONFIDENT MISREAD {file}: {result:?}");
                }
                if std::env::var_os("OCR_VERBOSE").is_some() {
                    for l in &found {
                        eprintln!("    {l:?}");
                    }
                    eprintln!(
                        "{} {file} angle {angle:.1} (true {:.1}, others {others:.1?}): {:?}",
                        if hit {
                            "ok  "
                        } else if found_it {
                            "miss"
                        } else {
                            "lost"
                        },
                        truth.angle().unwrap_or(f32::NAN),
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
            "read {read}/{seen} ({:.1}%), {sure_right} of them confident, misreads {wrong}, confident misreads {sure_wrong}, phantom {phantom}/{empty}",
            100.0 * read as f64 / seen.max(1) as f64
        );
        println!("highest confidence of a misread line: {closest:.2}");
        println!("line located (a candidate on the printed line at its pitch) {located}/{seen}");
    }
    Ok(())
}
