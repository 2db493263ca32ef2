//! `vrs-kiosk`: the kiosk of the vaccination record tablet. See `--help`.

use std::process::ExitCode;

use clap::Parser;
use vrs_kiosk::config::Args;
use vrs_kiosk::run;

fn main() -> ExitCode {
    env_logger::Builder::from_env(env_logger::Env::default().default_filter_or("info")).init();
    match main_with(Args::parse()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("vrs-kiosk: {e:#}");
            ExitCode::FAILURE
        }
    }
}

fn main_with(args: Args) -> anyhow::Result<()> {
    let config = args.kiosk_config()?;
    #[cfg(feature = "automation")]
    if let Some((id, password)) = args.walkthrough_credentials()? {
        return run::walkthrough(
            config,
            &id,
            &password,
            &args.screenshots,
            &run::WalkthroughTimeouts::default(),
        );
    }
    if args.headless {
        return run::headless(config, &args.screenshots);
    }
    if cfg!(not(feature = "kms")) && !run::display_available() {
        eprintln!(
            "vrs-kiosk: 画面(DISPLAY / WAYLAND_DISPLAY)がありません。ヘッドレスで起動し、画面を {} に PNG で保存します。",
            args.screenshots.display()
        );
        return run::headless(config, &args.screenshots);
    }
    run::windowed(config)
}
