//! LatestFrame: the newest frame wins, slow consumers skip, nothing accumulates.

use std::sync::{Arc, Barrier};
use std::time::{Duration, Instant};

use vrs_device::camera::{Frame, LatestFrame};
use vrs_scanner::GrayFrame;

fn frame(value: u8, source_sequence: u64) -> Frame {
    Frame {
        image: GrayFrame::new(1, 1, vec![value]).unwrap(),
        sequence: source_sequence,
        captured_at: Instant::now(),
    }
}

#[test]
fn a_late_consumer_gets_only_the_newest_frame() {
    let latest = LatestFrame::new();
    assert!(latest.wait_newer(None, Duration::from_millis(1)).is_none());
    for i in 0..50u8 {
        latest.publish(frame(i, u64::from(i)));
    }
    let got = latest.wait_newer(None, Duration::from_secs(1)).unwrap();
    assert_eq!(got.image.pixels(), &[49]);
    assert_eq!(got.sequence, 50);
    // Nothing newer than what it has: it times out rather than replaying old frames.
    assert!(
        latest
            .wait_newer(Some(50), Duration::from_millis(10))
            .is_none()
    );
    // One frame handed out of fifty published: the other 49 were skipped, not queued.
    assert_eq!((latest.published(), latest.taken()), (50, 1));
}

#[test]
fn sequence_numbers_keep_growing_across_source_restarts() {
    let latest = LatestFrame::new();
    // A reopened camera starts its own count at zero again.
    for source_seq in [0, 1, 2, 0, 1] {
        latest.publish(frame(0, source_seq));
    }
    assert_eq!(latest.latest().unwrap().sequence, 5);
    assert_eq!(latest.published(), 5);
    assert!(latest.wait_newer(Some(2), Duration::ZERO).is_some());
}

#[test]
fn replaced_frames_are_freed_unless_a_consumer_holds_them() {
    let latest = LatestFrame::new();
    latest.publish(frame(1, 0));
    let held = latest.latest().unwrap();
    let weak_held = Arc::downgrade(&held);
    latest.publish(frame(2, 1));
    let weak_dropped = Arc::downgrade(&latest.latest().unwrap());
    latest.publish(frame(3, 2));
    // Frame 2 was replaced and nobody held it: gone.
    assert!(weak_dropped.upgrade().is_none());
    // Frame 1 lives exactly as long as its consumer holds it.
    assert!(weak_held.upgrade().is_some());
    drop(held);
    assert!(weak_held.upgrade().is_none());
    // Thousands more frames later, the slot still holds one.
    for i in 0..10_000u64 {
        latest.publish(frame(0, i));
    }
    let newest = latest.latest().unwrap();
    assert_eq!(Arc::strong_count(&newest), 2);
}

#[test]
fn a_waiting_consumer_is_woken_by_publish_and_sees_increasing_frames() {
    let latest = LatestFrame::new();
    let start = Arc::new(Barrier::new(2));
    let consumer = {
        let latest = latest.clone();
        let start = Arc::clone(&start);
        std::thread::spawn(move || {
            start.wait();
            let mut last = None;
            while let Some(f) = latest.wait_newer(last, Duration::from_secs(5)) {
                assert!(Some(f.sequence) > last, "frames must only move forward");
                last = Some(f.sequence);
                // A slow consumer.
                std::thread::sleep(Duration::from_millis(2));
                if f.sequence == 2000 {
                    break;
                }
            }
            last
        })
    };
    start.wait();
    for i in 0..2000u64 {
        latest.publish(frame((i % 256) as u8, i));
    }
    // It ends on the last frame, having only ever moved forward.
    assert_eq!(consumer.join().unwrap(), Some(2000));
}
