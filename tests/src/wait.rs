//! Waiting for a condition in a running system, with a generous deadline.

use std::time::{Duration, Instant};

/// Polls `probe` every 20 ms until it returns `Some`, or fails after `deadline` with
/// `what` in the message. The deadline is a hang guard, not a speed assertion.
pub fn until<T>(what: &str, deadline: Duration, mut probe: impl FnMut() -> Option<T>) -> T {
    let end = Instant::now() + deadline;
    loop {
        if let Some(value) = probe() {
            return value;
        }
        assert!(Instant::now() < end, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(20));
    }
}
