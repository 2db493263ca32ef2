//! The hand-off between the camera thread and the scanner: one slot, newest frame wins.

use std::sync::{Arc, Condvar, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

use super::Frame;

/// A cloneable handle to a single-frame slot.
///
/// The producer [`publish`](Self::publish)es every frame; consumers
/// [`wait_newer`](Self::wait_newer) than the one they processed last. A slow consumer
/// skips the frames it had no time for: the slot holds only the newest one, so memory
/// never grows with the consumer's lag and the scanner never works on a stale frame.
#[derive(Clone, Default)]
pub struct LatestFrame {
    shared: Arc<Shared>,
}

#[derive(Default)]
struct Shared {
    slot: Mutex<Slot>,
    changed: Condvar,
}

#[derive(Default)]
struct Slot {
    frame: Option<Arc<Frame>>,
    published: u64,
    taken: u64,
}

impl std::fmt::Debug for LatestFrame {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let slot = self.lock();
        f.debug_struct("LatestFrame")
            .field("published", &slot.published)
            .field("taken", &slot.taken)
            .finish()
    }
}

impl LatestFrame {
    /// An empty slot.
    pub fn new() -> Self {
        Self::default()
    }

    /// Replaces the frame in the slot and wakes every waiting consumer.
    ///
    /// The frame is renumbered: its `sequence` becomes the count of frames published so
    /// far (1, 2, 3, ...), so that numbers only grow even when the camera thread reopens
    /// a source whose own numbering starts again at zero.
    pub fn publish(&self, mut frame: Frame) {
        let mut slot = self.lock();
        slot.published += 1;
        frame.sequence = slot.published;
        // The previous frame is dropped here unless a consumer still holds it.
        slot.frame = Some(Arc::new(frame));
        drop(slot);
        self.shared.changed.notify_all();
    }

    /// The newest frame, if any was published.
    pub fn latest(&self) -> Option<Arc<Frame>> {
        self.lock().frame.clone()
    }

    /// How many frames were published so far.
    pub fn published(&self) -> u64 {
        self.lock().published
    }

    /// How many frames [`wait_newer`](Self::wait_newer) handed out so far. With one
    /// consumer (the scanner worker), `published() - taken()` is how many frames it had no
    /// time for and skipped.
    pub fn taken(&self) -> u64 {
        self.lock().taken
    }

    /// Waits at most `timeout` for a frame whose sequence is greater than `after_sequence`
    /// (any frame when `None`) and returns the newest one; `None` on timeout.
    pub fn wait_newer(&self, after_sequence: Option<u64>, timeout: Duration) -> Option<Arc<Frame>> {
        let deadline = Instant::now() + timeout;
        let is_newer = |slot: &Slot| match (&slot.frame, after_sequence) {
            (Some(_), None) => true,
            (Some(frame), Some(after)) => frame.sequence > after,
            (None, _) => false,
        };
        let mut slot = self.lock();
        loop {
            if is_newer(&slot) {
                slot.taken += 1;
                return slot.frame.clone();
            }
            let now = Instant::now();
            if now >= deadline {
                return None;
            }
            slot = self
                .shared
                .changed
                .wait_timeout(slot, deadline - now)
                .unwrap_or_else(PoisonError::into_inner)
                .0;
        }
    }

    fn lock(&self) -> MutexGuard<'_, Slot> {
        // A panic while holding this lock cannot leave the slot half-written (one
        // assignment), so a poisoned lock is still consistent.
        self.shared
            .slot
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }
}
