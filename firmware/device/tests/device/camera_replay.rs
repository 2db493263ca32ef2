//! ReplaySource on real files: image directories (PNG, PGM, JPEG), raw recordings,
//! looping, the end of a recording and frame pacing.

use std::path::Path;
use std::time::{Duration, Instant};

use vrs_device::camera::{CameraError, FrameSource, ReplaySource};
use vrs_scanner::GrayFrame;

const LONG: Duration = Duration::from_secs(5);

fn gray(width: u32, height: u32, seed: u8) -> Vec<u8> {
    (0..width * height)
        .map(|i| (i as u8).wrapping_mul(7).wrapping_add(seed))
        .collect()
}

fn write_png_gray(path: &Path, width: u32, height: u32, pixels: &[u8]) {
    image::GrayImage::from_raw(width, height, pixels.to_vec())
        .unwrap()
        .save(path)
        .unwrap();
}

fn write_pgm(path: &Path, width: u32, height: u32, pixels: &[u8]) {
    let mut bytes = format!("P5\n{width} {height}\n255\n").into_bytes();
    bytes.extend_from_slice(pixels);
    std::fs::write(path, bytes).unwrap();
}

#[test]
fn directory_frames_play_in_name_order_and_end() {
    let dir = tempfile::tempdir().unwrap();
    let a = gray(8, 4, 1);
    let b = gray(8, 4, 2);
    // Written out of order; names decide the order. A text file is ignored.
    write_pgm(&dir.path().join("frame-002.pgm"), 8, 4, &b);
    write_png_gray(&dir.path().join("frame-001.png"), 8, 4, &a);
    std::fs::write(dir.path().join("notes.txt"), "not a frame").unwrap();

    let mut src = ReplaySource::from_dir(dir.path(), 0.0, false).unwrap();
    assert_eq!(src.len(), 2);
    let f1 = src.next_frame(LONG).unwrap();
    let f2 = src.next_frame(LONG).unwrap();
    assert_eq!(f1.image.pixels(), &a[..]);
    assert_eq!(f2.image.pixels(), &b[..]);
    assert_eq!((f1.sequence, f2.sequence), (0, 1));
    assert!(matches!(
        src.next_frame(LONG),
        Err(CameraError::EndOfStream)
    ));
    assert!(src.describe().contains("replay"));
}

#[test]
fn colour_images_become_luma() {
    let dir = tempfile::tempdir().unwrap();
    // Pure white and pure black RGB pixels must become 255 and 0.
    let mut rgb = image::RgbImage::new(2, 1);
    rgb.put_pixel(0, 0, image::Rgb([255, 255, 255]));
    rgb.put_pixel(1, 0, image::Rgb([0, 0, 0]));
    rgb.save(dir.path().join("a.png")).unwrap();
    // A JPEG of a flat mid-gray field decodes close to that gray.
    let flat = image::GrayImage::from_pixel(16, 16, image::Luma([128]));
    flat.save(dir.path().join("b.jpg")).unwrap();

    let mut src = ReplaySource::from_dir(dir.path(), 0.0, false).unwrap();
    let png = src.next_frame(LONG).unwrap();
    assert_eq!(png.image.pixels(), &[255, 0]);
    let jpg = src.next_frame(LONG).unwrap();
    assert_eq!((jpg.image.width(), jpg.image.height()), (16, 16));
    assert!(jpg.image.pixels().iter().all(|&p| p.abs_diff(128) <= 2));
}

#[test]
fn looping_starts_over() {
    let frames = vec![
        GrayFrame::new(2, 1, vec![1, 2]).unwrap(),
        GrayFrame::new(2, 1, vec![3, 4]).unwrap(),
    ];
    let mut src = ReplaySource::from_frames(frames, 0.0, true);
    let seen: Vec<Vec<u8>> = (0..5)
        .map(|_| src.next_frame(LONG).unwrap().image.into_pixels())
        .collect();
    assert_eq!(
        seen,
        [vec![1, 2], vec![3, 4], vec![1, 2], vec![3, 4], vec![1, 2]]
    );
}

#[test]
fn bad_directories_are_recording_errors() {
    let empty = tempfile::tempdir().unwrap();
    assert!(matches!(
        ReplaySource::from_dir(empty.path(), 10.0, true),
        Err(CameraError::Recording { .. })
    ));
    assert!(matches!(
        ReplaySource::from_dir(&empty.path().join("missing"), 10.0, true),
        Err(CameraError::Recording { .. })
    ));
    let broken = tempfile::tempdir().unwrap();
    std::fs::write(broken.path().join("x.png"), b"not a png").unwrap();
    match ReplaySource::from_dir(broken.path(), 10.0, true) {
        Err(CameraError::Recording { path, .. }) => assert!(path.ends_with("x.png")),
        other => panic!("expected a recording error naming x.png, got {other:?}"),
    }
}

#[test]
fn raw_recordings_play_frame_by_frame_and_loop() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("rec.grey");
    let frames: Vec<Vec<u8>> = (0..3).map(|i| gray(4, 2, i * 50)).collect();
    std::fs::write(&path, frames.concat()).unwrap();

    let mut once = ReplaySource::from_raw(&path, 4, 2, 0.0, false).unwrap();
    assert_eq!(once.len(), 3);
    for expected in &frames {
        assert_eq!(once.next_frame(LONG).unwrap().image.pixels(), &expected[..]);
    }
    assert!(matches!(
        once.next_frame(LONG),
        Err(CameraError::EndOfStream)
    ));

    let mut looping = ReplaySource::from_raw(&path, 4, 2, 0.0, true).unwrap();
    for i in 0..7 {
        let f = looping.next_frame(LONG).unwrap();
        assert_eq!(f.image.pixels(), &frames[i % 3][..]);
        assert_eq!(f.sequence, i as u64);
    }
}

#[test]
fn raw_recordings_of_the_wrong_length_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("rec.grey");
    std::fs::write(&path, vec![0u8; 4 * 2 * 3 + 1]).unwrap();
    assert!(matches!(
        ReplaySource::from_raw(&path, 4, 2, 10.0, true),
        Err(CameraError::Recording { .. })
    ));
    assert!(matches!(
        ReplaySource::from_raw(&path, 0, 2, 10.0, true),
        Err(CameraError::Format(_))
    ));
}

#[test]
fn paced_replay_times_out_when_asked_for_a_frame_too_early() {
    let frames = vec![GrayFrame::new(1, 1, vec![9]).unwrap(); 3];
    // One frame per 10 s: the second frame is not due for a long time.
    let mut src = ReplaySource::from_frames(frames, 0.1, false);
    src.next_frame(LONG).unwrap();
    assert!(matches!(
        src.next_frame(Duration::from_millis(5)),
        Err(CameraError::Timeout { waited_ms: 5 })
    ));
}

#[test]
fn paced_replay_never_runs_faster_than_its_rate() {
    let frames = vec![GrayFrame::new(1, 1, vec![9]).unwrap(); 5];
    let mut src = ReplaySource::from_frames(frames, 50.0, false);
    let start = Instant::now();
    for _ in 0..5 {
        src.next_frame(LONG).unwrap();
    }
    // Five frames at 50 fps span four periods of 20 ms. (A lower bound only: a slow
    // machine can take longer, never shorter.)
    assert!(start.elapsed() >= Duration::from_millis(80));
}
