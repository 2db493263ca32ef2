//! V4L2 capture against the kernel's virtual video driver (vivid).
//!
//! Every test here is `#[ignore]`d: a build machine has no vivid device. `tests/vivid/run.sh`
//! runs them inside a QEMU guest that loads vivid (with its default node types: capture,
//! output, VBI, radio, SDR, metadata and touch nodes) with `--ignored`, one test at a time
//! (`--test-threads=1`, so in name order). There a missing device fails the test: no test
//! here returns early.

use std::path::{Path, PathBuf};
use std::time::Duration;

use vrs_device::camera::{
    CameraControls, CameraError, CameraErrorKind, CameraStatus, CameraThread, ControlOutcome,
    DeviceControls, FocusMode, FrameSource, LatestFrame, PixelFormat, PowerLine, ReconnectPolicy,
    SourceFactory, V4l2Config, V4l2Source, list_devices,
};

/// Everything is slow under TCG emulation; this is only reached when something hangs.
const PATIENCE: Duration = Duration::from_secs(30);
const FRAME_WAIT: Duration = Duration::from_secs(5);

/// The vivid capture node; panics when there is none.
fn vivid() -> PathBuf {
    // RUST_LOG=vrs_device=info shows what the driver chose.
    let _ = env_logger::builder().is_test(true).try_init();
    list_devices()
        .into_iter()
        .find(|d| d.driver == "vivid")
        .map(|d| d.path)
        .expect("a vivid capture device (tests/vivid/run.sh loads the driver)")
}

fn config(path: &Path, formats: Vec<PixelFormat>) -> V4l2Config {
    V4l2Config {
        device: Some(path.to_path_buf()),
        width: 640,
        height: 360,
        fps: 30,
        controls: CameraControls::default(),
        formats,
    }
}

fn press(path: &Path, name: &str) {
    let controls = DeviceControls::open(path).unwrap();
    let c = controls
        .find(name)
        .unwrap()
        .unwrap_or_else(|| panic!("vivid has no control {name:?}"));
    controls.press(c.id).unwrap();
}

fn distinct_levels(pixels: &[u8]) -> usize {
    let mut seen = [false; 256];
    for &p in pixels {
        seen[p as usize] = true;
    }
    seen.iter().filter(|&&s| s).count()
}

#[test]
#[ignore = "needs the vivid driver: run by tests/vivid/run.sh inside a QEMU guest"]
fn a_capture_node_is_picked_by_capability() {
    let path = vivid();
    let nodes = std::fs::read_dir("/dev")
        .unwrap()
        .filter_map(|e| e.ok())
        .filter(|e| e.file_name().to_string_lossy().starts_with("video"))
        .count();
    let capture = list_devices();
    eprintln!("{nodes} /dev/video* nodes, capture devices: {capture:#?}");
    // vivid also registers output and metadata nodes as /dev/video*; only the capture
    // node may be listed.
    assert!(nodes > capture.len(), "non-capture nodes must be left out");
    assert_eq!(capture.iter().filter(|d| d.driver == "vivid").count(), 1);

    let source = V4l2Source::open(&V4l2Config {
        device: None,
        width: 640,
        height: 360,
        ..V4l2Config::default()
    })
    .unwrap();
    assert_eq!(source.path(), path);
    eprintln!("picked: {}", source.describe());
}

#[test]
#[ignore = "needs the vivid driver: run by tests/vivid/run.sh inside a QEMU guest"]
fn b_frames_arrive_gray_in_every_negotiated_format() {
    let path = vivid();
    let mut luma_by_format = Vec::new();
    for formats in [
        vec![PixelFormat::Grey],
        vec![PixelFormat::Yuyv],
        // vivid has no compressed formats: the driver coerces the request, and we must
        // use what it chose.
        vec![PixelFormat::Mjpeg],
    ] {
        let mut source = V4l2Source::open(&config(&path, formats.clone())).unwrap();
        let (w, h) = source.size();
        eprintln!("asked {formats:?}: {}", source.describe());
        if formats == [PixelFormat::Mjpeg] {
            assert_ne!(source.pixel_format(), PixelFormat::Mjpeg);
        } else {
            assert_eq!(source.pixel_format(), formats[0]);
        }
        let mut last_sequence = None;
        let mut frame = None;
        for _ in 0..8 {
            let f = source.next_frame(FRAME_WAIT).unwrap();
            assert_eq!((f.image.width(), f.image.height()), (w, h));
            assert!(Some(f.sequence) > last_sequence, "sequence must grow");
            last_sequence = Some(f.sequence);
            frame = Some(f);
        }
        let frame = frame.unwrap();
        // The default test pattern is colour bars: several distinct gray levels.
        assert!(distinct_levels(frame.image.pixels()) >= 4);
        luma_by_format.push((source.pixel_format(), frame.image));
    }
    // GREY from the driver and Y taken from YUYV are the same picture.
    let (grey, yuyv) = (&luma_by_format[0].1, &luma_by_format[1].1);
    assert_eq!((grey.width(), grey.height()), (yuyv.width(), yuyv.height()));
    // vivid's GREY is not the Y of its YUYV (other weights for the colour bars), but
    // black and white must agree once studio-range Y is stretched to full range, and
    // the bars must keep their order of brightness.
    let bars = |img: &vrs_scanner::GrayFrame| -> Vec<u8> {
        let row = img.row(img.height() / 2);
        let bar = row.len() / 8;
        (0..8).map(|i| row[i * bar + bar / 2]).collect()
    };
    let (g, v) = (bars(grey), bars(yuyv));
    eprintln!("colour bars: GREY {g:?}, YUYV {v:?}");
    assert!(
        g[0].abs_diff(v[0]) <= 3,
        "white bar: GREY {} vs YUYV {}",
        g[0],
        v[0]
    );
    assert!(
        g[7].abs_diff(v[7]) <= 3,
        "black bar: GREY {} vs YUYV {}",
        g[7],
        v[7]
    );
    let order = |b: &[u8]| {
        let mut idx: Vec<usize> = (0..b.len()).collect();
        idx.sort_by_key(|&i| std::cmp::Reverse(b[i]));
        idx
    };
    assert_eq!(order(&g), order(&v), "bars in a different brightness order");
}

#[test]
#[ignore = "needs the vivid driver: run by tests/vivid/run.sh inside a QEMU guest"]
fn c_odd_sizes_are_coerced_and_honoured() {
    let path = vivid();
    let mut cfg = config(&path, vec![PixelFormat::Yuyv]);
    cfg.width = 701;
    cfg.height = 333;
    let mut source = V4l2Source::open(&cfg).unwrap();
    let (w, h) = source.size();
    eprintln!("asked 701x333, got {}", source.describe());
    let f = source.next_frame(FRAME_WAIT).unwrap();
    assert_eq!((f.image.width(), f.image.height()), (w, h));
}

#[test]
#[ignore = "needs the vivid driver: run by tests/vivid/run.sh inside a QEMU guest"]
fn d_controls_are_clamped_and_missing_ones_left_alone() {
    let path = vivid();
    let mut cfg = config(&path, Vec::new());
    cfg.controls = CameraControls {
        focus: FocusMode::Absolute(5),
        exposure_max_us: Some(CameraControls::MAX_SHARP_EXPOSURE_US),
        gain: Some(100_000),
        power_line: Some(PowerLine::Hz50),
    };
    let mut source = V4l2Source::open(&cfg).unwrap();
    let applied = source.applied_controls().to_vec();
    for a in &applied {
        match &a.outcome {
            ControlOutcome::Set { requested, applied } => {
                eprintln!("{}: {requested} asked, {applied} set", a.name)
            }
            ControlOutcome::Skipped(why) => eprintln!("{}: not set ({why})", a.name),
        }
    }
    let gain = applied.iter().find(|a| a.name == "Gain").unwrap();
    let controls = source.controls();
    let range = controls.find("Gain").unwrap().unwrap();
    assert_eq!(
        gain.outcome,
        ControlOutcome::Set {
            requested: 100_000,
            applied: range.maximum
        }
    );
    assert_eq!(controls.get(range.id).unwrap(), range.maximum);
    // vivid has no focus control: left alone, and the camera still streams.
    let focus = applied
        .iter()
        .find(|a| a.name == "Focus, Absolute")
        .unwrap();
    assert!(matches!(focus.outcome, ControlOutcome::Skipped(_)));
    source.next_frame(FRAME_WAIT).unwrap();
}

#[test]
#[ignore = "needs the vivid driver: run by tests/vivid/run.sh inside a QEMU guest"]
fn e_a_flagged_buffer_is_a_corrupt_frame_and_streaming_goes_on() {
    let path = vivid();
    let mut source = V4l2Source::open(&config(&path, Vec::new())).unwrap();
    source.next_frame(FRAME_WAIT).unwrap();
    press(&path, "Inject V4L2_BUF_FLAG_ERROR");
    let mut corrupt = 0;
    for _ in 0..10 {
        match source.next_frame(FRAME_WAIT) {
            Ok(_) if corrupt > 0 => break,
            Ok(_) => {}
            Err(e @ CameraError::CorruptFrame { .. }) => {
                eprintln!("as expected: {e}");
                corrupt += 1;
            }
            Err(e) => panic!("unexpected error: {e}"),
        }
    }
    assert_eq!(corrupt, 1);
    source.next_frame(FRAME_WAIT).unwrap();
}

#[test]
#[ignore = "needs the vivid driver: run by tests/vivid/run.sh inside a QEMU guest"]
fn f_setup_errors_fail_one_open_and_the_next_succeeds() {
    let path = vivid();
    for button in [
        "Inject VIDIOC_STREAMON Error",
        "Inject VIDIOC_REQBUFS Error",
    ] {
        press(&path, button);
        match V4l2Source::open(&config(&path, Vec::new())) {
            Err(e) => {
                eprintln!("{button}: {e}");
                assert_eq!(e.kind(), CameraErrorKind::Io);
            }
            Ok(s) => panic!("{button}: open should fail, got {}", s.describe()),
        }
        let mut source = V4l2Source::open(&config(&path, Vec::new())).unwrap();
        source.next_frame(FRAME_WAIT).unwrap();
    }
}

#[test]
#[ignore = "needs the vivid driver: run by tests/vivid/run.sh inside a QEMU guest"]
fn g_dropped_buffers_show_as_sequence_gaps() {
    let path = vivid();
    let mut source = V4l2Source::open(&config(&path, Vec::new())).unwrap();
    let controls = source.controls();
    let perc = controls
        .find("Percentage of Dropped Buffers")
        .unwrap()
        .unwrap();
    controls.set(perc.id, 50).unwrap();
    for _ in 0..30 {
        source.next_frame(FRAME_WAIT).unwrap();
    }
    controls.set(perc.id, 0).unwrap();
    eprintln!("dropped: {}", source.dropped_frames());
    assert!(source.dropped_frames() > 0);
}

fn camera_thread(config: V4l2Config, latest: &LatestFrame) -> CameraThread {
    let factory: SourceFactory =
        Box::new(move || V4l2Source::open(&config).map(|s| Box::new(s) as Box<dyn FrameSource>));
    CameraThread::spawn_reopening(
        factory,
        latest.clone(),
        ReconnectPolicy {
            frame_timeout: Duration::from_secs(2),
            stall_after_timeouts: 3,
            initial_backoff: Duration::from_millis(100),
            max_backoff: Duration::from_secs(1),
        },
    )
    .unwrap()
}

fn wait_frames(latest: &LatestFrame, at_least: u64) {
    let mut last = latest.latest().map(|f| f.sequence);
    while latest.published() < at_least {
        let f = latest
            .wait_newer(last, PATIENCE)
            .unwrap_or_else(|| panic!("no frames after {}", latest.published()));
        last = Some(f.sequence);
    }
}

#[test]
#[ignore = "needs the vivid driver: run by tests/vivid/run.sh inside a QEMU guest"]
fn h_a_fatal_stream_error_is_recovered_by_the_camera_thread() {
    let path = vivid();
    let latest = LatestFrame::new();
    let cam = camera_thread(config(&path, Vec::new()), &latest);
    wait_frames(&latest, 5);
    press(&path, "Inject Fatal Streaming Error");
    let deadline = std::time::Instant::now() + PATIENCE;
    while cam.counters().opens < 2 {
        assert!(
            std::time::Instant::now() < deadline,
            "never reopened: {:?}",
            cam.counters()
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    let after = latest.published();
    wait_frames(&latest, after + 5);
    let c = cam.counters();
    eprintln!("{c:?}");
    assert!(c.failures >= 1);
    assert!(cam.status().is_streaming());
    cam.stop();
}

/// Last in name order: it unplugs vivid, and only a module reload plugs it back in.
#[test]
#[ignore = "needs the vivid driver: run by tests/vivid/run.sh inside a QEMU guest"]
fn z_disconnect_is_reported_and_a_replugged_camera_streams_again() {
    let path = vivid();
    let latest = LatestFrame::new();
    // No device path: after the replug the camera is found again by capability.
    let mut cfg = config(&path, Vec::new());
    cfg.device = None;
    let cam = camera_thread(cfg, &latest);
    wait_frames(&latest, 5);
    press(&path, "Disconnect");
    let status = cam.wait_status(PATIENCE, |s| matches!(s, CameraStatus::Reconnecting { .. }));
    eprintln!("after disconnect: {status:?}");
    match status {
        CameraStatus::Reconnecting { kind, .. } => assert!(
            matches!(
                kind,
                CameraErrorKind::Disconnected | CameraErrorKind::NoDevice
            ),
            "{kind:?}"
        ),
        other => panic!("expected Reconnecting, got {other:?}"),
    }
    let reload = std::env::var("VRS_VIVID_RELOAD")
        .expect("VRS_VIVID_RELOAD: the command that reloads vivid (guest-init.sh sets it)");
    // Give the thread a moment to close its file descriptor, then reload the module.
    let mut reloaded = false;
    for _ in 0..20 {
        let status = std::process::Command::new("sh")
            .args(["-c", &reload])
            .status()
            .unwrap();
        if status.success() {
            reloaded = true;
            break;
        }
        std::thread::sleep(Duration::from_millis(500));
    }
    assert!(reloaded, "could not reload vivid");
    let status = cam.wait_status(PATIENCE, CameraStatus::is_streaming);
    eprintln!("after replug: {status:?}");
    assert!(status.is_streaming());
    let after = latest.published();
    wait_frames(&latest, after + 5);
    assert!(cam.counters().opens >= 2);
    cam.stop();
}
