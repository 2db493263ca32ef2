//! `vrs-modem` against the simulator, and against nothing.

use std::process::Command;
use std::time::Duration;

use vrs_modem_sim::{SimConfig, SimHandle, Simulator};

/// Runs `vrs-modem` with `args` against a simulator that is booted and registered at
/// once; the simulator (for its command log) and the tool's stdout, after asserting
/// that the tool succeeded.
fn run_on_ready_modem(args: &[&str]) -> (SimHandle, Vec<u8>) {
    let sim = Simulator::start(SimConfig {
        boot_time: Duration::ZERO,
        register_delay: Duration::ZERO,
        ..SimConfig::default()
    })
    .unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_vrs-modem"))
        .arg(sim.path())
        .args(args)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    (sim, out.stdout)
}

#[test]
fn prints_the_status_as_json() {
    let (sim, stdout) = run_on_ready_modem(&["--timeout", "30"]);
    let text = String::from_utf8(stdout).unwrap();
    assert_eq!(
        text.lines().count(),
        1,
        "one JSON object on one line: {text}"
    );
    let v: serde_json::Value = serde_json::from_str(&text).unwrap();
    assert_eq!(v["port_open"], true);
    assert_eq!(v["imei"], "866758041234564");
    assert_eq!(v["iccid"], "8981100022152367890");
    assert_eq!(v["sim"]["state"], "ready");
    assert_eq!(v["registration"], "home");
    assert_eq!(v["operator"], "NTT DOCOMO");
    assert_eq!(v["rsrp_dbm"], -92);
    assert_eq!(v["signal_bars"], 3);
    assert_eq!(v["summary_ja"], "NTT DOCOMO 4G ▂▄▆▁ データ通信なし");
    // Observe-only without --apn: nothing written to the modem.
    let cmds = sim.commands();
    assert!(
        !cmds.iter().any(|c| c.starts_with("AT+CGDCONT=")),
        "{cmds:?}"
    );
    assert!(
        !cmds.iter().any(|c| c.starts_with("AT+QNETDEVCTL=")),
        "{cmds:?}"
    );
    assert!(!cmds.iter().any(|c| c.starts_with("AT+CFUN=")), "{cmds:?}");
}

#[test]
fn with_apn_brings_the_data_call_up() {
    let (sim, stdout) = run_on_ready_modem(&["--apn", "vrs.example.jp", "--timeout", "30"]);
    let v: serde_json::Value = serde_json::from_slice(&stdout).unwrap();
    assert_eq!(v["data"]["state"], "connected");
    assert!(
        sim.commands()
            .contains(&"AT+CGDCONT=1,\"IP\",\"vrs.example.jp\"".to_string())
    );
}

#[test]
fn explains_in_japanese_when_nothing_answers() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("ttyUSB9");
    let out = Command::new(env!("CARGO_BIN_EXE_vrs-modem"))
        .arg(&missing)
        .args(["--timeout", "1"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(out.stdout.is_empty());
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(err.contains("応答しませんでした"), "{err}");
    assert!(err.contains("ModemManager"), "{err}");
    assert!(err.contains(&missing.display().to_string()), "{err}");
}
