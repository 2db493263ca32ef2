//! The `vrs-scan` contract: one JSON line per file, an `error` line and a failing exit
//! status for unreadable files.

use std::process::Command;

use serde_json::Value;

fn qr_png(dir: &std::path::Path, text: &str) -> std::path::PathBuf {
    let code = qrcode::QrCode::new(text.as_bytes()).unwrap();
    let n = code.width() as u32;
    let (module, margin) = (4u32, 16u32);
    let size = n * module + 2 * margin;
    let colors = code.to_colors();
    let img = image::GrayImage::from_fn(size, size, |x, y| {
        let inside = |v: u32| v >= margin && v < margin + n * module;
        if inside(x) && inside(y) {
            let (mx, my) = ((x - margin) / module, (y - margin) / module);
            if colors[(my * n + mx) as usize] == qrcode::Color::Dark {
                return image::Luma([0]);
            }
        }
        image::Luma([255])
    });
    let path = dir.join(format!("{text}.png"));
    img.save(&path).unwrap();
    path
}

fn run(files: &[&std::path::Path]) -> (Vec<Value>, bool) {
    let out = Command::new(env!("CARGO_BIN_EXE_vrs-scan"))
        .args(files)
        .output()
        .unwrap();
    let lines = String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    (lines, out.status.success())
}

#[test]
fn prints_one_json_line_per_file() {
    let dir = tempfile::tempdir().unwrap();
    let ticket = qr_png(dir.path(), "152710041234567890");
    let blank = dir.path().join("blank.pgm");
    std::fs::write(&blank, [b"P5 8 8 255\n".as_slice(), &[255u8; 64]].concat()).unwrap();
    let (lines, ok) = run(&[&ticket, &blank]);
    assert!(ok);
    assert_eq!(lines.len(), 2);
    assert_eq!(lines[0]["file"], ticket.display().to_string());
    assert_eq!(lines[0]["ticket"], "152710041234567890");
    assert_eq!(lines[0]["source"], "qr");
    assert!(lines[0]["ms"].as_f64().unwrap() >= 0.0);
    assert_eq!(lines[0]["dose"], 5);
    assert!(
        lines[0]["municipality"]
            .as_str()
            .unwrap()
            .contains("大阪市")
    );
    assert_eq!(lines[1]["ticket"], Value::Null);
    assert_eq!(lines[1]["source"], Value::Null);
}

#[test]
fn invalid_payloads_are_rejected_with_a_reason() {
    let dir = tempfile::tempdir().unwrap();
    let bad = qr_png(dir.path(), "121310170000012345");
    let (lines, ok) = run(&[&bad]);
    assert!(ok, "a readable file that holds no ticket is not an error");
    assert_eq!(lines[0]["ticket"], Value::Null);
    let rejected = &lines[0]["rejected"][0];
    assert_eq!(rejected["code"], "qr_not_a_ticket", "{rejected}");
    let detail = rejected["detail"].as_str().unwrap();
    assert!(detail.contains("CheckDigit"), "{detail}");
}

#[test]
fn unreadable_files_give_an_error_line_and_a_failing_exit() {
    let dir = tempfile::tempdir().unwrap();
    let garbage = dir.path().join("garbage.png");
    std::fs::write(&garbage, b"not an image").unwrap();
    let missing = dir.path().join("missing.png");
    let ticket = qr_png(dir.path(), "110110020000000001");
    let (lines, ok) = run(&[&garbage, &missing, &ticket]);
    assert!(!ok);
    assert_eq!(lines.len(), 3);
    assert!(lines[0]["error"].is_string());
    assert!(lines[1]["error"].is_string());
    assert_eq!(lines[0]["ticket"], Value::Null);
    assert_eq!(lines[2]["ticket"], "110110020000000001");
}
