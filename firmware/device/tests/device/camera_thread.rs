//! CameraThread on real sources: recordings that end, go missing, break mid-stream or
//! stall, and a reopen factory that brings them back.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use vrs_device::camera::{
    CameraErrorKind, CameraStatus, CameraThread, FrameSource, LatestFrame, ReconnectPolicy,
    ReplaySource, SourceFactory,
};
use vrs_scanner::GrayFrame;

/// Generous: only reached when the behaviour is broken.
const PATIENCE: Duration = Duration::from_secs(20);

fn quick_policy() -> ReconnectPolicy {
    ReconnectPolicy {
        frame_timeout: Duration::from_millis(20),
        stall_after_timeouts: 3,
        initial_backoff: Duration::from_millis(5),
        max_backoff: Duration::from_millis(40),
    }
}

fn frames(n: u8) -> Vec<GrayFrame> {
    (0..n)
        .map(|i| GrayFrame::new(2, 2, vec![i; 4]).unwrap())
        .collect()
}

fn write_pgm_dir(dir: &Path, n: u8) {
    std::fs::create_dir_all(dir).unwrap();
    for i in 0..n {
        let mut bytes = b"P5\n2 2\n255\n".to_vec();
        bytes.extend_from_slice(&[i; 4]);
        std::fs::write(dir.join(format!("f{i:02}.pgm")), bytes).unwrap();
    }
}

fn wait_published(latest: &LatestFrame, at_least: u64) {
    let mut last = None;
    while latest.published() < at_least {
        let f = latest
            .wait_newer(last, PATIENCE)
            .unwrap_or_else(|| panic!("stuck at {} frames", latest.published()));
        last = Some(f.sequence);
    }
}

/// Waits until the thread ended: what the watchdog sees of a camera that is gone.
fn wait_until_dead(cam: &CameraThread) {
    let deadline = std::time::Instant::now() + PATIENCE;
    while cam.is_alive() {
        assert!(
            std::time::Instant::now() < deadline,
            "the thread never ended"
        );
        std::thread::sleep(Duration::from_millis(5));
    }
}

#[test]
fn a_finite_source_without_factory_ends() {
    let latest = LatestFrame::new();
    let cam = CameraThread::spawn(
        Box::new(ReplaySource::from_frames(frames(3), 0.0, false)),
        latest.clone(),
    )
    .unwrap();
    let status = cam.wait_status(PATIENCE, |s| *s == CameraStatus::Ended);
    assert_eq!(status, CameraStatus::Ended);
    assert_eq!(latest.published(), 3);
    assert_eq!(latest.latest().unwrap().image.pixels(), &[2; 4]);
    assert_eq!(cam.counters().frames, 3);
    wait_until_dead(&cam);
    cam.stop();
}

#[test]
fn an_ended_source_is_reopened_by_the_factory() {
    let latest = LatestFrame::new();
    let opens = Arc::new(Mutex::new(0u32));
    let counted = Arc::clone(&opens);
    let factory: SourceFactory = Box::new(move || {
        *counted.lock().unwrap() += 1;
        Ok(Box::new(ReplaySource::from_frames(frames(2), 0.0, false)) as Box<dyn FrameSource>)
    });
    let cam = CameraThread::spawn_reopening(factory, latest.clone(), quick_policy()).unwrap();
    wait_published(&latest, 7);
    assert!(
        *opens.lock().unwrap() >= 4,
        "2 frames per open, 7 frames need 4 opens"
    );
    assert!(cam.counters().opens >= 4);
    cam.stop();
}

#[test]
fn a_missing_camera_is_retried_until_it_appears() {
    let root = tempfile::tempdir().unwrap();
    let dir: PathBuf = root.path().join("camera");
    let factory_dir = dir.clone();
    let factory: SourceFactory = Box::new(move || {
        ReplaySource::from_dir(&factory_dir, 0.0, true).map(|s| Box::new(s) as Box<dyn FrameSource>)
    });
    let latest = LatestFrame::new();
    let cam = CameraThread::spawn_reopening(factory, latest.clone(), quick_policy()).unwrap();

    // Not there yet: the thread reports the failure and keeps trying.
    let status = cam.wait_status(
        PATIENCE,
        |s| matches!(s, CameraStatus::Reconnecting { attempts, .. } if *attempts >= 3),
    );
    match status {
        CameraStatus::Reconnecting { kind, error, .. } => {
            assert_eq!(kind, CameraErrorKind::Recording);
            assert!(error.contains("camera"), "{error}");
        }
        other => panic!("expected Reconnecting, got {other:?}"),
    }
    assert_eq!(latest.published(), 0);

    // "Plug it in": the next attempt opens it and frames flow.
    write_pgm_dir(&dir, 3);
    let status = cam.wait_status(PATIENCE, CameraStatus::is_streaming);
    assert!(status.is_streaming(), "{status:?}");
    wait_published(&latest, 5);
    assert!(cam.counters().failures >= 3);
    cam.stop();
}

#[test]
fn a_recording_that_breaks_mid_stream_fails_without_factory_and_recovers_with_one() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("rec.grey");
    std::fs::write(&path, vec![7u8; 4 * 10]).unwrap();

    // Without a factory: the read error is final.
    let source = ReplaySource::from_raw(&path, 2, 2, 0.0, true).unwrap();
    // Cut the file short under the open source, as a failing disk or card would.
    std::fs::write(&path, b"").unwrap();
    let latest = LatestFrame::new();
    let cam = CameraThread::spawn(Box::new(source), latest.clone()).unwrap();
    let status = cam.wait_status(PATIENCE, |s| matches!(s, CameraStatus::Failed { .. }));
    assert!(
        matches!(
            status,
            CameraStatus::Failed {
                kind: CameraErrorKind::Recording,
                ..
            }
        ),
        "{status:?}"
    );
    cam.stop();

    // With a factory: it keeps retrying while the file is unusable, and recovers once
    // the recording is back.
    let factory_path = path.clone();
    let factory: SourceFactory = Box::new(move || {
        ReplaySource::from_raw(&factory_path, 2, 2, 0.0, true)
            .map(|s| Box::new(s) as Box<dyn FrameSource>)
    });
    let latest = LatestFrame::new();
    let cam = CameraThread::spawn_reopening(factory, latest.clone(), quick_policy()).unwrap();
    let status = cam.wait_status(PATIENCE, |s| matches!(s, CameraStatus::Reconnecting { .. }));
    assert!(
        matches!(status, CameraStatus::Reconnecting { .. }),
        "{status:?}"
    );
    std::fs::write(&path, vec![9u8; 4 * 10]).unwrap();
    wait_published(&latest, 3);
    assert_eq!(latest.latest().unwrap().image.pixels(), &[9; 4]);
    cam.stop();
}

#[test]
fn a_stalled_source_is_dropped_and_reopened() {
    let latest = LatestFrame::new();
    // One frame, then nothing for 100 s: every wait times out.
    let factory: SourceFactory = Box::new(|| {
        Ok(Box::new(ReplaySource::from_frames(frames(5), 0.01, true)) as Box<dyn FrameSource>)
    });
    let cam = CameraThread::spawn_reopening(factory, latest.clone(), quick_policy()).unwrap();
    // Each reopen delivers a first frame at once; three frames need two stall reopens.
    wait_published(&latest, 3);
    let c = cam.counters();
    assert!(c.opens >= 3, "{c:?}");
    assert!(c.timeouts >= 6, "{c:?}");
    cam.stop();
}

#[test]
fn dropping_the_handle_stops_the_thread() {
    let latest = LatestFrame::new();
    let cam = CameraThread::spawn(
        Box::new(ReplaySource::from_frames(frames(2), 200.0, true)),
        latest.clone(),
    )
    .unwrap();
    wait_published(&latest, 2);
    assert!(cam.is_alive());
    drop(cam);
    let after_stop = latest.published();
    std::thread::sleep(Duration::from_millis(50));
    assert_eq!(
        latest.published(),
        after_stop,
        "no frames after the thread stopped"
    );
}

/// The one source here that is not a real one: nothing real panics on demand.
struct PanickingSource;

impl FrameSource for PanickingSource {
    fn next_frame(
        &mut self,
        _timeout: Duration,
    ) -> Result<vrs_device::camera::Frame, vrs_device::camera::CameraError> {
        panic!("driver returned nonsense");
    }

    fn describe(&self) -> String {
        "panicking source".into()
    }
}

#[test]
fn a_crashed_camera_thread_reports_failed_instead_of_streaming() {
    let cam = CameraThread::spawn(Box::new(PanickingSource), LatestFrame::new()).unwrap();
    let status = cam.wait_status(PATIENCE, |s| matches!(s, CameraStatus::Failed { .. }));
    match status {
        CameraStatus::Failed { error, .. } => assert!(error.contains("nonsense"), "{error}"),
        other => panic!("expected Failed, got {other:?}"),
    }
    wait_until_dead(&cam);
    cam.stop();
}
