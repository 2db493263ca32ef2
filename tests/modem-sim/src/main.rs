//! `vrs-modem-sim`: runs a simulated EC25 modem on a pty until stopped.
//!
//! Prints the device path, then reads commands from standard input, one per line: a fault
//! name (`none`, `no-sim`, `pin-locked`, `no-signal`, `garbage`, `byte-at-a-time`,
//! `urc-in-response`, `hang-once`, `wedged`, `reenumerate`), `power-cycle`, `status` or
//! `quit`. When standard input ends the simulator keeps running until killed; a killed
//! simulator leaves its `--link` behind (pointing nowhere), and the next start replaces it.

use std::io::BufRead;
use std::path::PathBuf;

use anyhow::Context;
use clap::Parser;
use vrs_modem_sim::{Fault, SimConfig, Simulator};

/// An EC25-like LTE modem on a pty, with scripted faults.
#[derive(Parser, Debug)]
#[command(name = "vrs-modem-sim", version)]
struct Args {
    /// Keep a symlink at PATH to the current device (like /dev/serial/by-id/...).
    #[arg(long, value_name = "PATH")]
    link: Option<PathBuf>,
    /// Start with this fault.
    #[arg(long, value_name = "NAME", default_value = "none")]
    fault: Fault,
    /// Directory for kernel-style device names (ttyUSB2, ttyUSB3, ...).
    #[arg(long, value_name = "DIR")]
    enumeration_dir: Option<PathBuf>,
    /// Operator name the network reports.
    #[arg(long, default_value = "NTT DOCOMO")]
    operator: String,
    /// The SIM's PIN (used with --fault pin-locked).
    #[arg(long, default_value = "1234")]
    pin: String,
}

fn main() -> anyhow::Result<()> {
    env_logger::Builder::from_env(env_logger::Env::default().default_filter_or("info")).init();
    let args = Args::parse();
    let config = SimConfig {
        link: args.link.clone(),
        enumeration_dir: args.enumeration_dir,
        fault: args.fault,
        operator: args.operator,
        pin: args.pin,
        ..SimConfig::default()
    };
    let sim = Simulator::start(config).context("starting the modem simulator")?;
    println!("{}", sim.path().display());
    if let Some(link) = &args.link {
        log::info!("link {} -> {}", link.display(), sim.path().display());
    }
    for line in std::io::stdin().lock().lines() {
        let line = line.context("reading standard input")?;
        match line.trim() {
            "" => {}
            "quit" | "exit" => {
                sim.stop();
                return Ok(());
            }
            "power-cycle" => sim.power_cycle(),
            "status" => println!(
                "path={} fault={} {:?}",
                sim.path().display(),
                sim.fault(),
                sim.stats()
            ),
            other => match other.parse::<Fault>() {
                Ok(f) => sim.set_fault(f),
                Err(e) => eprintln!("{e}"),
            },
        }
    }
    // Standard input closed (e.g. started in the background): keep serving.
    loop {
        std::thread::park();
    }
}
