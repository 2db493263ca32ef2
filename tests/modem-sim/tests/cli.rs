//! The `vrs-modem-sim` binary: prints its device, keeps a link to it, takes commands on stdin.

use std::io::{BufRead, BufReader, Read, Write};
use std::process::{Command, Stdio};
use std::time::Duration;

/// Sends one command to the modem at `path` and returns everything up to its final result.
fn ask(path: &std::path::Path, command: &str) -> String {
    let mut port = serialport::new(path.to_string_lossy(), 115_200)
        .timeout(Duration::from_millis(200))
        .open_native()
        .unwrap();
    let mut answer = String::new();
    // The modem may still be booting: repeat until it answers.
    for _ in 0..100 {
        port.write_all(format!("{command}\r").as_bytes()).unwrap();
        let mut buf = [0u8; 256];
        while let Ok(n) = port.read(&mut buf) {
            answer.push_str(&String::from_utf8_lossy(&buf[..n]));
            if answer.contains("OK\r\n") || answer.contains("ERROR") {
                return answer;
            }
        }
    }
    panic!("no answer to {command}: {answer:?}");
}

#[test]
fn runs_with_a_stable_link_and_a_fault_until_told_to_quit() {
    let dir = tempfile::tempdir().unwrap();
    let link = dir.path().join("ec25-at");
    let mut child = Command::new(env!("CARGO_BIN_EXE_vrs-modem-sim"))
        .arg("--link")
        .arg(&link)
        .args(["--fault", "no-sim"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdout = BufReader::new(child.stdout.take().unwrap());
    let mut first = String::new();
    stdout.read_line(&mut first).unwrap();
    let device = std::path::PathBuf::from(first.trim());
    assert_eq!(std::fs::read_link(&link).unwrap(), device);

    let answer = ask(&link, "AT+CPIN?");
    assert!(answer.contains("+CME ERROR: 10"), "{answer:?}");

    let mut stdin = child.stdin.take().unwrap();
    writeln!(stdin, "none").unwrap();
    let mut answer = String::new();
    for _ in 0..50 {
        answer = ask(&link, "AT+CPIN?");
        if answer.contains("READY") {
            break;
        }
    }
    assert!(answer.contains("+CPIN: READY"), "{answer:?}");

    writeln!(stdin, "quit").unwrap();
    let status = child.wait().unwrap();
    assert!(status.success());
    assert!(
        std::fs::symlink_metadata(&link).is_err(),
        "link removed on quit"
    );
}

#[test]
fn rejects_an_unknown_fault() {
    let out = Command::new(env!("CARGO_BIN_EXE_vrs-modem-sim"))
        .args(["--fault", "bogus"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("unknown fault"));
}
