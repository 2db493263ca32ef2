//! The `vrs-ticket-gen` binary writes what its README promises.

use std::process::Command;

fn run(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_vrs-ticket-gen"))
        .args(args)
        .output()
        .expect("binary runs")
}

#[test]
fn frames_writes_pngs_and_truth_lines() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().to_str().unwrap();
    let o = run(&[
        "frames", "--out", out, "--tier", "easy", "--count", "10", "--seed", "3", "--width", "160",
        "--height", "120",
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let truth = std::fs::read_to_string(dir.path().join("truth.jsonl")).unwrap();
    let lines: Vec<serde_json::Value> = truth
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 10);
    for l in &lines {
        let file = l["file"].as_str().unwrap();
        let img = image::open(dir.path().join(file)).unwrap();
        assert_eq!((img.width(), img.height()), (160, 120));
        assert_eq!(l["tier"], "easy");
        match l["truth"].as_str() {
            Some(t) => {
                assert_eq!(t.len(), 18);
                assert!(!l["printed"].as_array().unwrap().is_empty());
            }
            None => assert!(l["symbols"].as_array().unwrap().is_empty()),
        }
    }
    assert_eq!(lines.iter().filter(|l| l["truth"].is_null()).count(), 1);
}

#[test]
fn sequence_orders_empty_and_ticket_frames() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().to_str().unwrap();
    let o = run(&[
        "sequence",
        "--out",
        out,
        "--payload",
        "121310160000012345",
        "--payload",
        "110110020000000001",
        "--seed",
        "2",
        "--width",
        "160",
        "--height",
        "120",
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let truth = std::fs::read_to_string(dir.path().join("truth.jsonl")).unwrap();
    let seen: Vec<Option<String>> = truth
        .lines()
        .map(|l| {
            let v: serde_json::Value = serde_json::from_str(l).unwrap();
            v["truth"].as_str().map(str::to_owned)
        })
        .collect();
    let a = Some("121310160000012345".to_owned());
    let b = Some("110110020000000001".to_owned());
    let mut expected = vec![None; 3];
    expected.extend(vec![a; 6]);
    expected.extend(vec![None; 3]);
    expected.extend(vec![b; 6]);
    expected.extend(vec![None; 3]);
    assert_eq!(seen, expected);
    assert!(dir.path().join("frame-0001.png").exists());
    assert!(dir.path().join("frame-0021.png").exists());
}

#[test]
fn ticket_writes_a_flat_render_and_refuses_bad_input() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("t.png");
    let o = run(&[
        "ticket",
        "--payload",
        "121310160000012345",
        "--out",
        file.to_str().unwrap(),
        "--px-per-mm",
        "10",
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let img = image::open(&file).unwrap();
    assert_eq!((img.width(), img.height()), (630, 340));

    let o = run(&["frames", "--out", "x", "--tier", "extreme"]);
    assert!(!o.status.success());
    let o = run(&[
        "ticket",
        "--payload",
        "1",
        "--out",
        file.to_str().unwrap(),
        "--px-per-mm",
        "0",
    ]);
    assert!(!o.status.success());
    assert!(String::from_utf8_lossy(&o.stderr).contains("px/mm"));
}
