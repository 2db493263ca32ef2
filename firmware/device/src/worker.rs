//! One way to own a thread: every long-lived thread of the tablet (camera, scanner worker,
//! modem, uplink) is a [`Worker`].
//!
//! A worker is a named OS thread with a piece of state `S` that the thread and its owner
//! share through [`Shared`]:
//!
//! * spawning returns a [`SpawnError`] instead of panicking when the OS refuses a thread;
//! * the state sits behind a lock that tolerates poisoning (a panic on one side never makes
//!   the other side panic too), and every change through [`Shared::lock`] wakes whoever waits
//!   on it ([`Shared::wait_until`]);
//! * the owner can [wake](Worker::wake) the thread out of its sleep ([`Shared::sleep`]);
//! * a panic in the thread is caught, logged with the thread's name and kept
//!   ([`Worker::panic_message`]), so [`Worker::is_alive`] tells a supervisor (the watchdog)
//!   that the thread is gone;
//! * dropping the [`Worker`] asks the thread to stop, wakes it, joins it and logs a panic.
//!
//! The body polls [`Shared::stopping`] between blocking steps; every blocking step it takes
//! must therefore have a timeout (a frame wait, a serial read, a sleep).
//!
//! ```
//! use std::time::Duration;
//! use vrs_device::worker::{Wake, Worker};
//!
//! let worker = Worker::spawn("counter", 0u32, |shared| {
//!     while !shared.stopping() {
//!         *shared.lock() += 1;
//!         if shared.sleep(Duration::from_secs(60)) == Wake::Stop {
//!             break;
//!         }
//!     }
//! })
//! .expect("a thread");
//! let seen = *worker.shared().wait_until(Duration::from_secs(5), |n| *n >= 1);
//! assert!(seen >= 1);
//! worker.wake();
//! drop(worker); // stops, wakes and joins the thread
//! ```

use std::ops::{Deref, DerefMut};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// The OS refused to start a worker thread.
#[derive(Debug, thiserror::Error)]
#[error("cannot start the {name} thread: {source}")]
pub struct SpawnError {
    /// The thread's name.
    pub name: &'static str,
    /// Why the OS refused.
    #[source]
    pub source: std::io::Error,
}

/// Why [`Shared::sleep`] returned.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Wake {
    /// The owner asked the thread to stop.
    Stop,
    /// The owner woke the thread ([`Worker::wake`]).
    Woken,
    /// The timeout passed.
    Timeout,
}

/// The state a worker thread shares with its owner, and the stop and wake flags.
pub struct Shared<S> {
    inner: Mutex<Inner<S>>,
    changed: Condvar,
}

struct Inner<S> {
    state: S,
    stop: bool,
    woken: bool,
    panic: Option<String>,
}

/// The locked state; dropping it wakes every waiter of [`Shared::wait_until`].
pub struct StateGuard<'a, S> {
    guard: MutexGuard<'a, Inner<S>>,
    changed: &'a Condvar,
}

impl<S> Deref for StateGuard<'_, S> {
    type Target = S;
    fn deref(&self) -> &S {
        &self.guard.state
    }
}

impl<S> DerefMut for StateGuard<'_, S> {
    fn deref_mut(&mut self) -> &mut S {
        &mut self.guard.state
    }
}

impl<S> Drop for StateGuard<'_, S> {
    fn drop(&mut self) {
        self.changed.notify_all();
    }
}

impl<S> Shared<S> {
    fn new(state: S) -> Self {
        Self {
            inner: Mutex::new(Inner {
                state,
                stop: false,
                woken: false,
                panic: None,
            }),
            changed: Condvar::new(),
        }
    }

    fn inner(&self) -> MutexGuard<'_, Inner<S>> {
        self.inner.lock().unwrap_or_else(|poisoned| {
            // A panic while the lock was held: the state is whatever it was left as, which
            // each worker keeps consistent step by step. Clear the flag so that condition
            // waits do not return early on it.
            self.inner.clear_poison();
            poisoned.into_inner()
        })
    }

    fn wait<'a>(
        &'a self,
        inner: MutexGuard<'a, Inner<S>>,
        left: Duration,
    ) -> MutexGuard<'a, Inner<S>> {
        match self.changed.wait_timeout(inner, left) {
            Ok((inner, _)) => inner,
            Err(poisoned) => {
                self.inner.clear_poison();
                poisoned.into_inner().0
            }
        }
    }

    /// Locks the state. A panic while another holder had it locked does not poison it.
    pub fn lock(&self) -> StateGuard<'_, S> {
        StateGuard {
            guard: self.inner(),
            changed: &self.changed,
        }
    }

    /// Whether the owner asked the thread to stop.
    pub fn stopping(&self) -> bool {
        self.inner().stop
    }

    /// Sleeps at most `timeout`, until the owner stops or wakes the thread. A wake that came
    /// while the thread was busy is not lost: the next sleep returns [`Wake::Woken`] at once.
    pub fn sleep(&self, timeout: Duration) -> Wake {
        let deadline = Instant::now() + timeout;
        let mut inner = self.inner();
        loop {
            if inner.stop {
                return Wake::Stop;
            }
            if inner.woken {
                inner.woken = false;
                return Wake::Woken;
            }
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return Wake::Timeout;
            }
            inner = self.wait(inner, left);
        }
    }

    /// Waits at most `timeout` until `pred` holds for the state (or the thread stops or
    /// panicked), and returns the state as it is then, locked.
    pub fn wait_until(
        &self,
        timeout: Duration,
        mut pred: impl FnMut(&S) -> bool,
    ) -> StateGuard<'_, S> {
        let deadline = Instant::now() + timeout;
        let mut guard = self.inner();
        loop {
            if guard.stop || guard.panic.is_some() || pred(&guard.state) {
                break;
            }
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                break;
            }
            guard = self.wait(guard, left);
        }
        StateGuard {
            guard,
            changed: &self.changed,
        }
    }

    fn request_stop(&self) {
        self.inner().stop = true;
        self.changed.notify_all();
    }

    fn wake(&self) {
        self.inner().woken = true;
        self.changed.notify_all();
    }

    fn panicked(&self, message: String) {
        self.inner().panic = Some(message);
        self.changed.notify_all();
    }
}

/// A named thread that owns its loop, and the state it shares with its owner. Dropping it
/// stops, wakes and joins the thread.
pub struct Worker<S> {
    name: &'static str,
    shared: Arc<Shared<S>>,
    handle: Option<JoinHandle<()>>,
}

impl<S: Send + 'static> Worker<S> {
    /// Starts `body` on a thread named `name`, sharing `state` with it.
    pub fn spawn<F>(name: &'static str, state: S, body: F) -> Result<Self, SpawnError>
    where
        F: FnOnce(&Shared<S>) + Send + 'static,
    {
        let shared = Arc::new(Shared::new(state));
        let thread_shared = Arc::clone(&shared);
        let handle = std::thread::Builder::new()
            .name(name.into())
            .spawn(move || {
                let run = std::panic::AssertUnwindSafe(|| body(&thread_shared));
                if let Err(panic) = std::panic::catch_unwind(run) {
                    let what = panic_text(panic.as_ref());
                    log::error!("the {name} thread panicked: {what}");
                    thread_shared.panicked(what);
                }
            })
            .map_err(|source| SpawnError { name, source })?;
        Ok(Self {
            name,
            shared,
            handle: Some(handle),
        })
    }
}

impl<S> Worker<S> {
    /// The thread's name.
    pub fn name(&self) -> &'static str {
        self.name
    }

    /// The shared state and flags.
    pub fn shared(&self) -> &Shared<S> {
        &self.shared
    }

    /// Locks the shared state.
    pub fn state(&self) -> StateGuard<'_, S> {
        self.shared.lock()
    }

    /// Wakes the thread out of [`Shared::sleep`].
    pub fn wake(&self) {
        self.shared.wake();
    }

    /// Whether the thread is still running its body: false once it returned or panicked.
    pub fn is_alive(&self) -> bool {
        self.handle.as_ref().is_some_and(|h| !h.is_finished())
    }

    /// What the thread's panic said, if it panicked.
    pub fn panic_message(&self) -> Option<String> {
        self.shared.inner().panic.clone()
    }

    /// Stops the thread and waits for it.
    pub fn stop(mut self) {
        self.shutdown();
    }

    fn shutdown(&mut self) {
        self.shared.request_stop();
        if let Some(handle) = self.handle.take()
            && handle.join().is_err()
        {
            // The body's panics are caught; this is a panic in the catch itself.
            log::error!("the {} thread could not be joined cleanly", self.name);
        }
    }
}

impl<S> Drop for Worker<S> {
    fn drop(&mut self) {
        self.shutdown();
    }
}

fn panic_text(panic: &(dyn std::any::Any + Send)) -> String {
    panic
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| panic.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "unknown panic".into())
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicBool, Ordering};

    use super::*;

    const LONG: Duration = Duration::from_secs(10);

    #[test]
    fn drop_stops_wakes_and_joins_a_sleeping_thread() {
        let finished = Arc::new(AtomicBool::new(false));
        let flag = Arc::clone(&finished);
        let worker = Worker::spawn("sleeper", (), move |shared| {
            while shared.sleep(Duration::from_secs(3600)) != Wake::Stop {}
            flag.store(true, Ordering::SeqCst);
        })
        .unwrap();
        assert!(worker.is_alive());
        drop(worker);
        assert!(
            finished.load(Ordering::SeqCst),
            "drop returned before the thread ended"
        );
    }

    #[test]
    fn a_wake_reaches_a_sleeping_thread() {
        let worker = Worker::spawn("waker", Vec::<Wake>::new(), |shared| {
            loop {
                let why = shared.sleep(Duration::from_secs(3600));
                shared.lock().push(why);
                if why == Wake::Stop {
                    break;
                }
            }
        })
        .unwrap();
        worker.wake();
        assert_eq!(
            *worker.shared().wait_until(LONG, |w| !w.is_empty()),
            [Wake::Woken]
        );
    }

    #[test]
    fn a_wake_while_busy_is_not_lost_and_is_seen_once() {
        let shared = Shared::new(());
        shared.wake();
        assert_eq!(shared.sleep(LONG), Wake::Woken);
        assert_eq!(shared.sleep(Duration::from_millis(20)), Wake::Timeout);
        shared.request_stop();
        assert!(shared.stopping());
        assert_eq!(shared.sleep(LONG), Wake::Stop);
    }

    #[test]
    fn state_changes_wake_waiters() {
        let worker = Worker::spawn("stepper", 0u32, |shared| {
            for _ in 0..3 {
                *shared.lock() += 1;
                std::thread::sleep(Duration::from_millis(5));
            }
            shared.sleep(LONG);
        })
        .unwrap();
        assert_eq!(*worker.shared().wait_until(LONG, |n| *n == 3), 3);
    }

    #[test]
    fn a_panic_is_kept_and_the_thread_reported_dead() {
        let worker = Worker::spawn("doomed", 7u8, |shared| {
            let _held = shared.lock();
            panic!("sensor on fire");
        })
        .unwrap();
        let _ = worker.shared().wait_until(LONG, |_| false);
        assert_eq!(worker.panic_message().as_deref(), Some("sensor on fire"));
        // The lock held during the panic is usable (not poisoned for the owner).
        assert_eq!(*worker.state(), 7);
        for _ in 0..1000 {
            if !worker.is_alive() {
                break;
            }
            std::thread::sleep(Duration::from_millis(5));
        }
        assert!(!worker.is_alive());
        assert_eq!(worker.name(), "doomed");
    }

    #[test]
    fn a_body_that_returns_is_not_alive_and_stop_still_joins() {
        let worker = Worker::spawn("brief", (), |_| {}).unwrap();
        for _ in 0..1000 {
            if !worker.is_alive() {
                break;
            }
            std::thread::sleep(Duration::from_millis(5));
        }
        assert!(!worker.is_alive());
        assert_eq!(worker.panic_message(), None);
        worker.stop();
    }
}
