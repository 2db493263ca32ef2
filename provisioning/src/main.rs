//! `vrs-provision`: the back office server and operator CLI.

use std::io::Write;
use std::process::ExitCode;

fn main() -> ExitCode {
    env_logger::Builder::from_env(env_logger::Env::default().default_filter_or("info")).init();
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    match vrs_provisioning::cli::run(std::env::args(), &mut out) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            let _ = out.flush();
            eprintln!("エラー: {e:#}");
            ExitCode::FAILURE
        }
    }
}
