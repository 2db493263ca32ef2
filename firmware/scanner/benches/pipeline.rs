//! Time per 1280×720 frame for the whole pipeline (decode QR, NW-7, OCR line + policy)
//! on one core, on vrs-ticket-gen frames of each tier, and for ticket-free frames.
//!
//! `cargo bench -p vrs-scanner --bench pipeline` (needs fonts-ocr-b and
//! fonts-ipafont-gothic). Per-frame median/p95 over whole data sets, and ZXing-C++ on
//! the same frames, come from `tools/scan-compare/scan_compare.py`.

use std::sync::Arc;

use criterion::{Criterion, criterion_main};
use vrs_protocol::MasterList;
use vrs_scanner::{GrayFrame, Reader, ReaderConfig, observe};
use vrs_ticket_gen::{Fonts, Tier, dataset_sized};

fn frames(tier: Tier, seed: u64, fonts: &Fonts) -> Vec<GrayFrame> {
    dataset_sized(tier, 10, seed, fonts, Some((1280, 720)))
        .expect("frames")
        .into_iter()
        .map(|s| {
            let (w, h) = s.frame.dimensions();
            GrayFrame::new(w, h, s.frame.into_raw()).expect("frame")
        })
        .collect()
}

fn pipeline(c: &mut Criterion) {
    let fonts = Fonts::system().expect("fonts-ocr-b and fonts-ipafont-gothic installed");
    let master = Arc::new(MasterList::embedded().clone());
    let mut group = c.benchmark_group("frame 1280x720");
    group.sample_size(10);
    for (name, tier, seed) in [
        ("easy", Tier::Easy, 1),
        ("medium", Tier::Medium, 2),
        ("hard", Tier::Hard, 3),
    ] {
        let set = frames(tier, seed, &fonts);
        group.bench_function(format!("observe {name} (10 frames)"), |b| {
            b.iter(|| {
                for f in &set {
                    std::hint::black_box(observe(f));
                }
            })
        });
        group.bench_function(format!("reader {name} (10 frames)"), |b| {
            b.iter(|| {
                let mut reader = Reader::new(ReaderConfig::default(), Arc::clone(&master));
                for f in &set {
                    std::hint::black_box(reader.feed(f));
                }
            })
        });
    }
    group.finish();
}

/// `criterion_group!` defines an undocumented `pub fn`; in a private module it is not part
/// of the crate's interface, so `missing_docs` does not ask for its docs.
mod group {
    criterion::criterion_group!(benches, super::pipeline);
}
criterion_main!(group::benches);
