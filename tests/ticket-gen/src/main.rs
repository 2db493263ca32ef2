//! `vrs-ticket-gen`: writes synthetic ticket frames for tests, benchmarks and the demo.

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use clap::{Parser, Subcommand};
use vrs_ticket_gen::{
    Fonts, Sample, Scene, TicketSpec, Tier, camera_frame, dataset_iter, render_ticket, sequence,
};

#[derive(Parser)]
#[command(
    version,
    about = "Synthetic vaccination tickets (接種券) and camera frames of them"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Random labelled frames of one tier: PNGs plus truth.jsonl.
    Frames {
        /// Output directory (created if missing).
        #[arg(long)]
        out: PathBuf,
        /// easy, medium or hard.
        #[arg(long)]
        tier: Tier,
        /// Number of frames.
        #[arg(long, default_value_t = 100)]
        count: usize,
        /// Seed; the same seed gives the same bytes.
        #[arg(long, default_value_t = 1)]
        seed: u64,
        /// Frame width (overrides the tier's sizes; needs --height).
        #[arg(long, requires = "height")]
        width: Option<u32>,
        /// Frame height (needs --width).
        #[arg(long, requires = "width")]
        height: Option<u32>,
    },
    /// One ticket: a flat render, or a camera frame with --scene.
    Ticket {
        /// The 18 digits (anything is printed, even invalid payloads).
        #[arg(long)]
        payload: String,
        /// Output PNG.
        #[arg(long)]
        out: PathBuf,
        /// Photograph it in a random scene of this tier instead of writing it flat.
        #[arg(long)]
        scene: Option<Tier>,
        /// Seed of the scene.
        #[arg(long, default_value_t = 1)]
        seed: u64,
        /// Resolution of the flat render.
        #[arg(long, default_value_t = 20.0)]
        px_per_mm: f32,
    },
    /// A recorded-camera sequence: empty frames, each ticket in several slightly moving
    /// frames, empty frames between and after. Writes frame-0001.png… and truth.jsonl.
    Sequence {
        /// Output directory (created if missing).
        #[arg(long)]
        out: PathBuf,
        /// Ticket payloads in order of appearance (repeat the flag).
        #[arg(long = "payload", required = true)]
        payloads: Vec<String>,
        /// Seed.
        #[arg(long, default_value_t = 1)]
        seed: u64,
        /// Frame width (at 640×480 a QR module is only ~3 px).
        #[arg(long, default_value_t = 1280)]
        width: u32,
        /// Frame height.
        #[arg(long, default_value_t = 720)]
        height: u32,
    },
}

fn write_samples(
    out: &Path,
    samples: impl IntoIterator<Item = Result<Sample, vrs_ticket_gen::GenError>>,
) -> Result<()> {
    fs::create_dir_all(out).with_context(|| format!("cannot create {}", out.display()))?;
    let truth_path = out.join("truth.jsonl");
    let mut truth = fs::File::create(&truth_path)
        .with_context(|| format!("cannot create {}", truth_path.display()))?;
    let mut written = 0usize;
    for s in samples {
        let s = s?;
        let file = format!("{}.png", s.name);
        let path = out.join(&file);
        s.frame
            .save(&path)
            .with_context(|| format!("cannot write {}", path.display()))?;
        writeln!(truth, "{}", s.truth_json(&file))?;
        written += 1;
    }
    log::info!("{written} frames written to {}", out.display());
    Ok(())
}

fn main() -> Result<()> {
    env_logger::Builder::from_env(env_logger::Env::default().default_filter_or("info")).init();
    let cli = Cli::parse();
    let fonts = Fonts::system()?;
    match cli.command {
        Command::Frames {
            out,
            tier,
            count,
            seed,
            width,
            height,
        } => {
            let size = width.zip(height);
            if let Some((w, h)) = size
                && (w < 64
                    || h < 64
                    || w > vrs_ticket_gen::MAX_FRAME_SIDE
                    || h > vrs_ticket_gen::MAX_FRAME_SIDE)
            {
                bail!(
                    "frame size {w}×{h} must be 64…{} per side",
                    vrs_ticket_gen::MAX_FRAME_SIDE
                );
            }
            write_samples(&out, dataset_iter(tier, count, seed, &fonts, size))
        }
        Command::Ticket {
            payload,
            out,
            scene,
            seed,
            px_per_mm,
        } => {
            let spec = TicketSpec::new(&payload);
            let ticket = render_ticket(&spec, &fonts, px_per_mm)?;
            let img = match scene {
                None => ticket,
                Some(tier) => camera_frame(&ticket, &Scene::random(tier, seed), seed),
            };
            img.save(&out)
                .with_context(|| format!("cannot write {}", out.display()))?;
            Ok(())
        }
        Command::Sequence {
            out,
            payloads,
            seed,
            width,
            height,
        } => {
            let samples = sequence(&payloads, width, height, seed, &fonts)?;
            write_samples(&out, samples.into_iter().map(Ok))
        }
    }
}
