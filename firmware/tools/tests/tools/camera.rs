//! The `vrs-camera` operator tool, run as a program.

use std::process::Command;

fn tool() -> Command {
    Command::new(env!("CARGO_BIN_EXE_vrs-camera"))
}

#[test]
fn list_without_a_camera_fails_with_advice() {
    // A device directory without video nodes: the machine's own /dev may have a camera.
    let no_cameras = tempfile::tempdir().unwrap();
    std::fs::write(no_cameras.path().join("null"), b"").unwrap();
    let out = tool()
        .arg("--list")
        .arg("--dev-dir")
        .arg(no_cameras.path())
        .output()
        .unwrap();
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("カメラが見つかりません"), "{stderr}");
}

#[test]
fn grab_writes_pgm_frames_from_a_replay() {
    let input = tempfile::tempdir().unwrap();
    for i in 0..3u8 {
        let img = image::GrayImage::from_fn(6, 4, |x, y| image::Luma([i * 40 + (x + y) as u8]));
        img.save(input.path().join(format!("in-{i}.png"))).unwrap();
    }
    let out = tempfile::tempdir().unwrap();
    let target = out.path().join("grabbed");
    let status = tool()
        .args(["--grab", "2"])
        .arg(&target)
        .arg("--replay")
        .arg(input.path())
        .status()
        .unwrap();
    assert!(status.success());
    for i in 0..2u8 {
        let got = image::open(target.join(format!("frame-{i:06}.pgm")))
            .unwrap()
            .into_luma8();
        let want = image::open(input.path().join(format!("in-{i}.png")))
            .unwrap()
            .into_luma8();
        assert_eq!(got, want);
    }
    assert!(!target.join("frame-000002.pgm").exists());
}

#[test]
fn grab_raw_output_replays_as_a_raw_recording() {
    let input = tempfile::tempdir().unwrap();
    for i in 0..3u8 {
        image::GrayImage::from_pixel(5, 3, image::Luma([i * 10]))
            .save(input.path().join(format!("{i}.png")))
            .unwrap();
    }
    let out = tempfile::tempdir().unwrap();
    let raw = out.path().join("rec.grey");
    let ok = tool()
        .args(["--grab", "3"])
        .arg(&raw)
        .args(["--raw", "--replay"])
        .arg(input.path())
        .status()
        .unwrap();
    assert!(ok.success());
    use vrs_device::camera::{FrameSource, ReplaySource};
    let mut replay = ReplaySource::from_raw(&raw, 5, 3, 0.0, false).unwrap();
    for i in 0..3u8 {
        let f = replay
            .next_frame(std::time::Duration::from_secs(1))
            .unwrap();
        assert_eq!(f.image.pixels(), &[i * 10; 15]);
    }
}

#[test]
fn grab_past_the_end_of_a_replay_fails_clearly() {
    let input = tempfile::tempdir().unwrap();
    image::GrayImage::new(2, 2)
        .save(input.path().join("only.png"))
        .unwrap();
    let out = tempfile::tempdir().unwrap();
    let result = tool()
        .args(["--grab", "5"])
        .arg(out.path().join("f-{n}.pgm"))
        .arg("--replay")
        .arg(input.path())
        .output()
        .unwrap();
    assert!(!result.status.success());
    assert!(String::from_utf8_lossy(&result.stderr).contains("録画の終わり"));
    // The one frame there was is written under the pattern's name.
    assert!(out.path().join("f-000000.pgm").exists());
}
