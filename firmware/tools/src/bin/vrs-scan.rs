//! `vrs-scan FILE...`: reads tickets from images on disk.
//!
//! Prints one JSON object per file and line:
//! `{"file":…, "ticket":"<18 digits>"|null, "source":"qr"|"nw7+ocr"|"ocr"|null, "ms":<float>, …}`
//! with extra fields `municipality`, `dose`, `kind`, `rejected` (refusals, each
//! `{"code": <stable snake_case>, "detail": <English diagnostic>}`), `notes` (NW-7 texts
//! that are no ticket payload) and `symbols` (everything decoded). Each file is judged alone, as one frame shown to a
//! fresh reader; a still image cannot give consecutive frames, so an OCR-only read needs
//! one confident frame (`ocr_consensus_frames = 1`). An unreadable file gives a line with
//! an `error` field and a non-zero exit status at the end.

use std::path::Path;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Instant;

use anyhow::{Context, Result};
use serde_json::{Value, json};
use vrs_protocol::MasterList;
use vrs_scanner::{GrayFrame, Reader, ReaderConfig, ScanEvent, judge, observe};

fn load(path: &Path) -> Result<GrayFrame> {
    let image = image::ImageReader::open(path)
        .with_context(|| format!("cannot open {}", path.display()))?
        .with_guessed_format()
        .with_context(|| format!("cannot read {}", path.display()))?
        .decode()
        .with_context(|| format!("cannot decode {}", path.display()))?
        .into_luma8();
    let (width, height) = image.dimensions();
    GrayFrame::new(width, height, image.into_raw())
        .with_context(|| format!("unusable image size in {}", path.display()))
}

fn scan(path: &Path, master: &Arc<MasterList>) -> Result<Value> {
    let frame = load(path)?;
    let config = ReaderConfig {
        ocr_consensus_frames: 1,
        ..ReaderConfig::default()
    };
    let started = Instant::now();
    let observation = observe(&frame);
    let judgement = judge(&observation, &config, master);
    let mut reader = Reader::new(config, Arc::clone(master));
    let event = reader.feed_observation(&observation);
    let ms = started.elapsed().as_secs_f64() * 1000.0;
    let mut rejected = judgement.rejected;
    rejected.extend(judgement.conflict);
    let mut line = json!({
        "file": path.display().to_string(),
        "ticket": null,
        "source": null,
        "ms": (ms * 1000.0).round() / 1000.0,
        "width": frame.width(),
        "height": frame.height(),
        "symbols": observation.symbols(true),
    });
    match event {
        Some(ScanEvent::Accepted(a)) => {
            let p = &a.ticket.payload;
            line["ticket"] = json!(p.digits());
            line["source"] = json!(a.source.as_str());
            line["municipality"] = json!(a.ticket.municipality.display_name());
            line["municipality_code"] = json!(p.municipality.to_string());
            line["dose"] = json!(p.dose);
            line["kind"] = json!(p.kind);
        }
        Some(ScanEvent::Refused { reason }) if !rejected.contains(&reason) => rejected.push(reason),
        _ => {}
    }
    if !rejected.is_empty() {
        let refusals: Vec<Value> = rejected
            .iter()
            .map(|r| json!({"code": r.code(), "detail": r.to_string()}))
            .collect();
        line["rejected"] = json!(refusals);
    }
    if !judgement.notes.is_empty() {
        line["notes"] = json!(judgement.notes);
    }
    Ok(line)
}

fn main() -> ExitCode {
    let files: Vec<String> = std::env::args().skip(1).collect();
    if files.is_empty() || files.iter().any(|f| f == "-h" || f == "--help") {
        eprintln!("usage: vrs-scan FILE...  (PNG, JPEG or PGM; one JSON line per file)");
        return if files.is_empty() {
            ExitCode::from(2)
        } else {
            ExitCode::SUCCESS
        };
    }
    let master = Arc::new(MasterList::embedded().clone());
    let mut failed = false;
    for file in &files {
        let line = match scan(Path::new(file), &master) {
            Ok(line) => line,
            Err(e) => {
                failed = true;
                json!({"file": file, "ticket": null, "source": null, "ms": 0.0,
                       "error": format!("{e:#}")})
            }
        };
        println!("{line}");
    }
    if failed {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    }
}
