//! `vrs-modem PORT [--apn APN] [--timeout SECS]`: asks the LTE modem on PORT for its status
//! and prints it as one JSON object. Exits non-zero with a Japanese explanation of what to
//! check when nothing answers.
//!
//! Without `--apn` the tool only observes (no APN written, no data call, no modem reset);
//! with `--apn` it also sets up the data bearer the way the kiosk does.

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::{Duration, Instant};

use clap::Parser;
use vrs_device::modem::{Modem, ModemConfig, RecoveryPolicy, Timing};

/// Print the LTE modem's status as JSON.
#[derive(Parser, Debug)]
#[command(name = "vrs-modem", version)]
struct Args {
    /// The modem's AT port, e.g. /dev/serial/by-id/usb-Quectel_..-if02-port0 or /dev/ttyUSB2.
    port: PathBuf,
    /// APN to configure; also brings the data call up. Without it nothing is written.
    #[arg(long)]
    apn: Option<String>,
    /// Seconds to wait for the modem to answer.
    #[arg(long, default_value_t = 20)]
    timeout: u64,
}

fn main() -> ExitCode {
    env_logger::Builder::from_env(env_logger::Env::default().default_filter_or("warn")).init();
    let args = Args::parse();
    let manage_data = args.apn.is_some();
    let mut config = ModemConfig::new(&args.port, args.apn.unwrap_or_default());
    config.manage_data = manage_data;
    config.poll_interval = Duration::from_millis(500);
    config.timing = Timing {
        command: Duration::from_secs(3),
        reopen_interval: Duration::from_millis(300),
        ..Timing::default()
    };
    config.recovery = RecoveryPolicy {
        allow_reset: false,
        ..RecoveryPolicy::default()
    };
    let modem = match Modem::spawn(config) {
        Ok(modem) => modem,
        Err(e) => {
            eprintln!(
                "エラー: モバイル通信の処理を開始できませんでした（{e}）。しばらくしてからもう一度実行してください。"
            );
            return ExitCode::FAILURE;
        }
    };
    let deadline = Instant::now() + Duration::from_secs(args.timeout.max(1));
    let status = loop {
        let status = modem.status();
        let done = status.polls >= 1 && (!manage_data || status.data_up() || status.polls >= 4);
        if done || Instant::now() >= deadline {
            break status;
        }
        std::thread::sleep(Duration::from_millis(100));
    };
    drop(modem);
    if status.polls == 0 {
        eprintln!(
            "エラー: {} のモバイル通信モジュールが{}秒以内に応答しませんでした。",
            args.port.display(),
            args.timeout
        );
        eprintln!("確認してください:");
        eprintln!("  ・モジュールの電源と USB ケーブルが接続されているか");
        eprintln!("  ・ポートのパスが正しいか（/dev/serial/by-id/ の中を確認）");
        eprintln!("  ・ModemManager など別のプログラムがポートを使っていないか");
        eprintln!("  ・このユーザーにポートへのアクセス権があるか（dialout グループ）");
        if let Some(e) = &status.last_error {
            eprintln!("詳細: {e}");
        }
        return ExitCode::from(2);
    }
    let json = serde_json::to_value(&status).map(|mut v| {
        // Derived views, as the kiosk shows them.
        v["signal_bars"] = status.signal_bars().into();
        v["summary_ja"] = status.summary_ja().into();
        v
    });
    match json {
        Ok(json) => {
            println!("{json}");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("エラー: 状態を JSON にできませんでした: {e}");
            ExitCode::FAILURE
        }
    }
}
