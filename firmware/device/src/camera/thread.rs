//! The camera thread: pulls frames from a source into a [`LatestFrame`] and keeps the
//! camera alive through unplugs, driver errors and stalls.

use std::time::Duration;

use super::{CameraError, CameraErrorKind, FrameSource, LatestFrame};
use crate::worker::{Shared, SpawnError, Wake, Worker};

/// Opens (and after a failure, reopens) the frame source. Called on the camera thread.
pub type SourceFactory = Box<dyn FnMut() -> Result<Box<dyn FrameSource>, CameraError> + Send>;

/// How the camera thread waits for frames and retries a lost camera.
#[derive(Debug, Clone, PartialEq)]
pub struct ReconnectPolicy {
    /// Longest single wait for a frame. It also bounds how long [`CameraThread::stop`]
    /// can take, so keep it short.
    pub frame_timeout: Duration,
    /// After this many timeouts in a row the source counts as stalled: it is dropped and
    /// reopened (UVC cameras do hang without an error).
    pub stall_after_timeouts: u32,
    /// First wait before reopening; doubled after every failed attempt.
    pub initial_backoff: Duration,
    /// Longest wait between attempts.
    pub max_backoff: Duration,
}

impl Default for ReconnectPolicy {
    fn default() -> Self {
        Self {
            frame_timeout: Duration::from_millis(500),
            stall_after_timeouts: 6,
            initial_backoff: Duration::from_millis(200),
            max_backoff: Duration::from_secs(5),
        }
    }
}

/// What the camera thread is doing, for the UI's status line and the service screen.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CameraStatus {
    /// The thread started and is opening the source.
    Starting,
    /// Frames are flowing from this source.
    Streaming {
        /// [`FrameSource::describe`] of the source.
        describe: String,
    },
    /// The source failed; the thread waits and opens it again.
    Reconnecting {
        /// What failed last.
        kind: CameraErrorKind,
        /// The error's text, for logs and the service screen.
        error: String,
        /// Failed attempts so far in this outage.
        attempts: u32,
    },
    /// The source failed and there is no way to reopen it (spawned without a factory),
    /// or the camera thread itself crashed (a bug: the kiosk should restart).
    Failed {
        /// What failed.
        kind: CameraErrorKind,
        /// The error's text.
        error: String,
    },
    /// A finite source (a replay without looping) delivered all its frames.
    Ended,
    /// [`CameraThread::stop`] was called.
    Stopped,
}

impl CameraStatus {
    /// True while frames are flowing.
    pub fn is_streaming(&self) -> bool {
        matches!(self, Self::Streaming { .. })
    }
}

/// Counters since the thread started.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct CameraCounters {
    /// Frames handed to the [`LatestFrame`].
    pub frames: u64,
    /// Frames the source reported as corrupt and that were skipped.
    pub corrupt_frames: u64,
    /// Waits that ended without a frame.
    pub timeouts: u64,
    /// Times the source was (re)opened successfully.
    pub opens: u64,
    /// Failed open attempts and sources dropped because of an error.
    pub failures: u64,
}

/// The running camera thread. Dropping it stops and joins the thread.
pub struct CameraThread {
    worker: Worker<State>,
}

/// What the camera thread shares with its owner.
struct State {
    status: CameraStatus,
    counters: CameraCounters,
}

impl CameraThread {
    /// Runs `source` until it ends or fails; there is no way to reopen it, so a fatal
    /// error leaves the thread in [`CameraStatus::Failed`]. Use
    /// [`spawn_reopening`](Self::spawn_reopening) for a real camera.
    pub fn spawn(
        source: Box<dyn FrameSource>,
        latest: LatestFrame,
    ) -> Result<CameraThread, SpawnError> {
        Self::start(Some(source), None, latest, ReconnectPolicy::default())
    }

    /// Opens the source with `factory` on the camera thread and reopens it with backoff
    /// whenever it fails (unplug, fatal driver error, stall, end of a replay). While it
    /// cannot be opened the status is [`CameraStatus::Reconnecting`].
    pub fn spawn_reopening(
        factory: SourceFactory,
        latest: LatestFrame,
        policy: ReconnectPolicy,
    ) -> Result<CameraThread, SpawnError> {
        Self::start(None, Some(factory), latest, policy)
    }

    fn start(
        source: Option<Box<dyn FrameSource>>,
        factory: Option<SourceFactory>,
        latest: LatestFrame,
        policy: ReconnectPolicy,
    ) -> Result<CameraThread, SpawnError> {
        let state = State {
            status: CameraStatus::Starting,
            counters: CameraCounters::default(),
        };
        let worker = Worker::spawn("camera", state, move |shared| {
            Capture {
                shared,
                latest,
                policy,
                factory,
            }
            .run(source);
        })?;
        Ok(CameraThread { worker })
    }

    /// What the thread is doing now.
    pub fn status(&self) -> CameraStatus {
        let status = self.worker.state().status.clone();
        self.crashed().unwrap_or(status)
    }

    /// Counters since the thread started.
    pub fn counters(&self) -> CameraCounters {
        self.worker.state().counters
    }

    /// Waits at most `timeout` until `pred` holds for the status; returns the status seen
    /// last. For service screens and tests; the UI normally polls [`status`](Self::status).
    pub fn wait_status(
        &self,
        timeout: Duration,
        mut pred: impl FnMut(&CameraStatus) -> bool,
    ) -> CameraStatus {
        let status = self
            .worker
            .shared()
            .wait_until(timeout, |s| pred(&s.status))
            .status
            .clone();
        self.crashed().unwrap_or(status)
    }

    /// Whether the thread still runs: false once it ended (a finite source without a
    /// factory) or crashed. For the watchdog.
    pub fn is_alive(&self) -> bool {
        self.worker.is_alive()
    }

    /// Stops the thread and waits for it (at most about one frame timeout).
    pub fn stop(self) {
        self.worker.stop();
    }

    /// The status of a thread that panicked (a bug: the kiosk should restart).
    fn crashed(&self) -> Option<CameraStatus> {
        self.worker
            .panic_message()
            .map(|what| CameraStatus::Failed {
                kind: CameraErrorKind::Io,
                error: format!("the camera thread crashed: {what}"),
            })
    }
}

/// The camera thread's loop.
struct Capture<'a> {
    shared: &'a Shared<State>,
    latest: LatestFrame,
    policy: ReconnectPolicy,
    factory: Option<SourceFactory>,
}

impl Capture<'_> {
    fn run(mut self, mut source: Option<Box<dyn FrameSource>>) {
        let mut attempts = 0u32;
        let mut timeouts_in_row = 0u32;
        if let Some(s) = &source {
            self.opened(s.as_ref());
        }
        loop {
            if self.shared.stopping() {
                break;
            }
            let Some(current) = source.as_mut() else {
                // No source: open one, or wait and try again.
                let Some(factory) = self.factory.as_mut() else {
                    break;
                };
                match factory() {
                    Ok(s) => {
                        attempts = 0;
                        timeouts_in_row = 0;
                        self.opened(s.as_ref());
                        source = Some(s);
                    }
                    Err(e) => {
                        attempts += 1;
                        log::warn!("camera: open attempt {attempts} failed: {e}");
                        self.shared.lock().counters.failures += 1;
                        self.set_failure(&e, attempts);
                        if !self.sleep(backoff(&self.policy, attempts)) {
                            break;
                        }
                    }
                }
                continue;
            };
            match current.next_frame(self.policy.frame_timeout) {
                Ok(frame) => {
                    timeouts_in_row = 0;
                    self.latest.publish(frame);
                    self.shared.lock().counters.frames += 1;
                }
                Err(e @ CameraError::Timeout { .. }) => {
                    timeouts_in_row += 1;
                    self.shared.lock().counters.timeouts += 1;
                    if timeouts_in_row >= self.policy.stall_after_timeouts.max(1) {
                        log::warn!("camera: {timeouts_in_row} timeouts in a row, reopening");
                        let stalled = CameraError::Disconnected {
                            reason: format!("stalled: {e} ({timeouts_in_row} times in a row)"),
                        };
                        source = None;
                        if !self.lost(&stalled, &mut attempts) {
                            break;
                        }
                    }
                }
                Err(e @ CameraError::CorruptFrame { .. }) => {
                    log::warn!("camera: dropped a corrupt frame: {e}");
                    self.shared.lock().counters.corrupt_frames += 1;
                }
                Err(CameraError::EndOfStream) => {
                    source = None;
                    if self.factory.is_none() {
                        log::info!("camera: the source ended");
                        self.shared.lock().status = CameraStatus::Ended;
                        break;
                    }
                    log::info!("camera: the source ended, reopening");
                }
                Err(e) => {
                    log::warn!("camera: source failed: {e}");
                    source = None;
                    if !self.lost(&e, &mut attempts) {
                        break;
                    }
                }
            }
        }
        drop(source);
        if self.shared.stopping() {
            self.shared.lock().status = CameraStatus::Stopped;
        }
    }

    /// Handles a source that had to be dropped; false when the thread must end.
    fn lost(&mut self, error: &CameraError, attempts: &mut u32) -> bool {
        self.shared.lock().counters.failures += 1;
        if self.factory.is_none() {
            self.shared.lock().status = CameraStatus::Failed {
                kind: error.kind(),
                error: error.to_string(),
            };
            return false;
        }
        *attempts += 1;
        self.set_failure(error, *attempts);
        self.sleep(backoff(&self.policy, *attempts))
    }

    fn opened(&self, source: &dyn FrameSource) {
        let describe = source.describe();
        log::info!("camera: streaming from {describe}");
        let mut state = self.shared.lock();
        state.counters.opens += 1;
        state.status = CameraStatus::Streaming { describe };
    }

    fn set_failure(&self, error: &CameraError, attempts: u32) {
        self.shared.lock().status = CameraStatus::Reconnecting {
            kind: error.kind(),
            error: error.to_string(),
            attempts,
        };
    }

    /// Sleeps unless asked to stop; false when asked to stop.
    fn sleep(&self, duration: Duration) -> bool {
        self.shared.sleep(duration) != Wake::Stop
    }
}

/// `initial · 2^(attempts-1)`, capped at `max`.
fn backoff(policy: &ReconnectPolicy, attempts: u32) -> Duration {
    let factor = 1u32 << attempts.saturating_sub(1).min(16);
    policy
        .initial_backoff
        .saturating_mul(factor)
        .min(policy.max_backoff)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_up_to_the_cap() {
        let p = ReconnectPolicy {
            initial_backoff: Duration::from_millis(100),
            max_backoff: Duration::from_millis(500),
            ..ReconnectPolicy::default()
        };
        assert_eq!(backoff(&p, 1), Duration::from_millis(100));
        assert_eq!(backoff(&p, 2), Duration::from_millis(200));
        assert_eq!(backoff(&p, 3), Duration::from_millis(400));
        assert_eq!(backoff(&p, 4), Duration::from_millis(500));
        assert_eq!(backoff(&p, 60), Duration::from_millis(500));
    }
}
