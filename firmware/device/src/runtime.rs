//! The tablet's runtime without its UI: the session over the store, and every thread of the
//! tablet — uplink, camera, scanner worker and modem — started, wired and owned here.
//!
//! The kiosk builds one [`Runtime`] and binds it to its window: callbacks call
//! [`Runtime::session`], timers poll [`Runtime::take_scan_updates`] and the status getters.
//! Dropping the runtime stops and joins every thread.

use std::collections::VecDeque;
use std::path::PathBuf;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use vrs_protocol::MasterList;
use vrs_scanner::{Reader, ReaderConfig, ScanEvent};

use crate::camera::{CameraSpec, CameraStatus, CameraThread, LatestFrame, ReconnectPolicy};
use crate::identity::{DeviceIdentity, IdentityFiles};
use crate::modem::{Modem, ModemConfig, ModemStatus};
use crate::scan_worker::{Preview, ScanUpdate, ScanWorker};
use crate::session::Session;
use crate::store::{Store, StoreError};
use crate::uplink::{HeartbeatSource, SyncStatus, Uplink, UplinkConfig};
use crate::worker::SpawnError;

/// Why the runtime could not start.
#[derive(Debug, thiserror::Error)]
pub enum RuntimeError {
    /// The state directory cannot be created.
    #[error("データ保存先 {path} を作れません: {source}")]
    StateDir {
        /// The directory.
        path: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
    /// The store cannot be opened.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The OS refused one of the tablet's threads.
    #[error(transparent)]
    Spawn(#[from] SpawnError),
}

/// How the tablet reaches the back office.
#[derive(Clone)]
pub struct RuntimeConfig {
    /// Data partition directory: `device.db` and `identity/`.
    pub state_dir: PathBuf,
    /// Base URL of the back office.
    pub server_url: String,
    /// The back office CA shipped in the image.
    pub factory_ca_pem: String,
    /// Serial and IMEI.
    pub identity: DeviceIdentity,
    /// Reported at check-in.
    pub firmware_version: String,
}

/// The tablet's hardware: which camera feeds the scanner, and the LTE modem.
#[derive(Debug, Default)]
pub struct Peripherals {
    /// Where frames come from; anything but [`CameraSpec::None`] also starts the scanner
    /// worker.
    pub camera: CameraSpec,
    /// The modem (AT port, APN, PIN); `None` when there is none (desktop demo, tests).
    pub modem: Option<ModemConfig>,
}

/// What the scanner worker left since the last [`Runtime::take_scan_updates`].
#[derive(Debug, Default)]
pub struct ScanUpdates {
    /// The newest preview, if a new one came.
    pub preview: Option<Preview>,
    /// The reader's verdicts, oldest first.
    pub events: Vec<ScanEvent>,
}

/// What the scanner worker hands to the UI thread. A slow UI only ever sees the newest
/// preview; events queue.
#[derive(Default)]
struct Mailbox {
    preview: Option<Preview>,
    events: VecDeque<ScanEvent>,
}

type SharedMailbox = Arc<Mutex<Mailbox>>;

/// Locks the mailbox; a panic of the scanner worker while it held the lock leaves a
/// mailbox that is still whole (each update is one assignment or push).
fn lock(mailbox: &SharedMailbox) -> MutexGuard<'_, Mailbox> {
    mailbox.lock().unwrap_or_else(PoisonError::into_inner)
}

/// Where the scanner's frames come from.
enum Camera {
    /// No camera.
    None,
    /// Frames the caller publishes.
    Feed(LatestFrame),
    /// The camera thread.
    Thread(CameraThread),
}

/// The session and every thread of a running tablet. Dropping it stops and joins the
/// threads.
pub struct Runtime {
    // Drop order is field order: the scanner stops first, the uplink (whose heartbeat
    // reads the modem) before the modem.
    scanner: Option<ScanWorker>,
    camera: Camera,
    uplink: Option<Uplink>,
    modem: Option<Arc<Modem>>,
    mailbox: SharedMailbox,
    session: Session,
}

impl Runtime {
    /// Opens the store in the state directory and starts the uplink (which enrolls first if
    /// needed) and the peripherals' threads.
    pub fn start(config: RuntimeConfig, peripherals: Peripherals) -> Result<Self, RuntimeError> {
        std::fs::create_dir_all(&config.state_dir).map_err(|source| RuntimeError::StateDir {
            path: config.state_dir.clone(),
            source,
        })?;
        let db_path = config.state_dir.join("device.db");
        let identity_files = IdentityFiles::new(&config.state_dir.join("identity"));
        let session = Session::new(
            Store::open(&db_path)?,
            Arc::new(MasterList::embedded().clone()),
            config.identity.clone(),
            identity_files.clone(),
        );
        let mut runtime = Self::with_peripherals(session, peripherals)?;
        let modem = runtime.modem.clone();
        let heartbeat: HeartbeatSource =
            Box::new(move || modem.as_ref().map(|m| m.status().heartbeat()));
        runtime.uplink = Some(Uplink::spawn(
            UplinkConfig {
                db_path,
                server_url: config.server_url,
                factory_ca_pem: config.factory_ca_pem,
                identity: config.identity,
                identity_files,
                firmware_version: config.firmware_version,
                min_backoff: Duration::from_secs(2),
                max_backoff: Duration::from_secs(300),
            },
            heartbeat,
        )?);
        Ok(runtime)
    }

    /// Runs `session` over its existing store without an uplink (offline demos and UI
    /// tests): records stay in the outbox.
    pub fn offline(session: Session, peripherals: Peripherals) -> Result<Self, RuntimeError> {
        Self::with_peripherals(session, peripherals)
    }

    fn with_peripherals(session: Session, peripherals: Peripherals) -> Result<Self, RuntimeError> {
        let modem = peripherals
            .modem
            .map(Modem::spawn)
            .transpose()?
            .map(Arc::new);
        let mut runtime = Self {
            scanner: None,
            camera: Camera::None,
            uplink: None,
            modem,
            mailbox: SharedMailbox::default(),
            session,
        };
        let latest = match (&peripherals.camera, peripherals.camera.source_factory()) {
            (CameraSpec::Feed(latest), _) => {
                runtime.camera = Camera::Feed(latest.clone());
                latest.clone()
            }
            (_, Some(factory)) => {
                let latest = LatestFrame::new();
                runtime.camera = Camera::Thread(CameraThread::spawn_reopening(
                    factory,
                    latest.clone(),
                    ReconnectPolicy::default(),
                )?);
                latest
            }
            (_, None) => return Ok(runtime),
        };
        let reader = Reader::new(
            ReaderConfig {
                rules: runtime.session.ticket_rules(),
                ..ReaderConfig::default()
            },
            Arc::clone(runtime.session.master()),
        );
        let mailbox = Arc::clone(&runtime.mailbox);
        runtime.scanner = Some(ScanWorker::spawn(
            latest,
            reader,
            Box::new(move |update| match update {
                ScanUpdate::Preview(p) => lock(&mailbox).preview = Some(p),
                ScanUpdate::Event(e) => lock(&mailbox).events.push_back(e),
            }),
        )?);
        Ok(runtime)
    }

    /// The operator's session.
    pub fn session(&mut self) -> &mut Session {
        &mut self.session
    }

    /// Synchronisation status for the status bar; `None` without an uplink.
    pub fn sync_status(&self) -> Option<SyncStatus> {
        self.uplink.as_ref().map(Uplink::status)
    }

    /// Checks in and uploads now rather than at the next interval: after a registration,
    /// or when an operator asks on the not-activated screen. Nothing without an uplink.
    pub fn sync_now(&self) {
        if let Some(uplink) = &self.uplink {
            uplink.wake();
        }
    }

    /// What the camera does; `None` without a camera.
    pub fn camera_status(&self) -> Option<CameraStatus> {
        match &self.camera {
            Camera::None => None,
            Camera::Feed(latest) => Some(if latest.published() > 0 {
                CameraStatus::Streaming {
                    describe: "external frames".into(),
                }
            } else {
                CameraStatus::Starting
            }),
            Camera::Thread(thread) => Some(thread.status()),
        }
    }

    /// The modem's latest status; `None` without a modem.
    pub fn modem_status(&self) -> Option<ModemStatus> {
        self.modem.as_ref().map(|m| m.status())
    }

    /// Feeds the reader only while `on` (the scan screen is shown); previews continue.
    /// Switching it on drops the verdicts still waiting, so a new scan starts clean.
    pub fn set_reading(&self, on: bool) {
        let Some(scanner) = &self.scanner else {
            return;
        };
        if on {
            lock(&self.mailbox).events.clear();
        }
        scanner.set_reading(on);
    }

    /// Takes what the scanner worker left since the last call.
    pub fn take_scan_updates(&self) -> ScanUpdates {
        let mut mailbox = lock(&self.mailbox);
        ScanUpdates {
            preview: mailbox.preview.take(),
            events: mailbox.events.drain(..).collect(),
        }
    }

    /// The names of the threads that ended or crashed (each logged its panic). Empty while
    /// the tablet is healthy: the watchdog is fed only then.
    pub fn dead_workers(&self) -> Vec<&'static str> {
        [
            ("modem", self.modem.as_ref().is_none_or(|m| m.is_alive())),
            ("uplink", self.uplink.as_ref().is_none_or(Uplink::is_alive)),
            (
                "camera",
                match &self.camera {
                    Camera::Thread(thread) => thread.is_alive(),
                    Camera::None | Camera::Feed(_) => true,
                },
            ),
            (
                "scanner",
                self.scanner.as_ref().is_none_or(ScanWorker::is_alive),
            ),
        ]
        .into_iter()
        .filter_map(|(name, alive)| (!alive).then_some(name))
        .collect()
    }

    /// Whether every thread of the tablet still runs.
    pub fn workers_alive(&self) -> bool {
        self.dead_workers().is_empty()
    }
}

#[cfg(test)]
mod tests {
    use std::time::Instant;

    use vrs_scanner::GrayFrame;

    use super::*;
    use crate::camera::Frame;

    const PATIENCE: Duration = Duration::from_secs(10);

    fn offline(dir: &std::path::Path, camera: CameraSpec) -> Runtime {
        let session = Session::new(
            Store::open(&dir.join("device.db")).unwrap(),
            Arc::new(MasterList::embedded().clone()),
            DeviceIdentity::new("VRS-RT-0001", "490154203237518").unwrap(),
            IdentityFiles::new(&dir.join("identity")),
        );
        Runtime::offline(
            session,
            Peripherals {
                camera,
                modem: None,
            },
        )
        .unwrap()
    }

    #[test]
    fn a_fed_frame_reaches_the_ui_as_a_preview_through_the_scanner_worker() {
        let dir = tempfile::tempdir().unwrap();
        let latest = LatestFrame::new();
        let runtime = offline(dir.path(), CameraSpec::Feed(latest.clone()));
        assert_eq!(runtime.camera_status(), Some(CameraStatus::Starting));
        latest.publish(Frame {
            image: GrayFrame::new(4, 2, vec![9; 8]).unwrap(),
            sequence: 1,
            captured_at: Instant::now(),
        });
        let deadline = Instant::now() + PATIENCE;
        let preview = loop {
            if let Some(p) = runtime.take_scan_updates().preview {
                break p;
            }
            assert!(Instant::now() < deadline, "no preview");
            std::thread::sleep(Duration::from_millis(5));
        };
        assert_eq!((preview.width, preview.height), (4, 2));
        assert!(runtime.camera_status().unwrap().is_streaming());
        assert!(runtime.take_scan_updates().preview.is_none(), "taken once");
        assert!(runtime.workers_alive(), "{:?}", runtime.dead_workers());
        assert_eq!(runtime.sync_status(), None, "offline: no uplink");
    }

    #[test]
    fn a_replay_camera_runs_on_its_own_thread_and_no_camera_starts_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let frames = dir.path().join("frames");
        std::fs::create_dir_all(&frames).unwrap();
        let mut pgm = b"P5\n2 2\n255\n".to_vec();
        pgm.extend_from_slice(&[7; 4]);
        std::fs::write(frames.join("f0.pgm"), pgm).unwrap();
        let runtime = offline(
            dir.path(),
            CameraSpec::Replay {
                dir: frames,
                fps: 50.0,
            },
        );
        let deadline = Instant::now() + PATIENCE;
        while !runtime.camera_status().is_some_and(|s| s.is_streaming()) {
            assert!(Instant::now() < deadline, "{:?}", runtime.camera_status());
            std::thread::sleep(Duration::from_millis(5));
        }
        assert!(runtime.workers_alive(), "{:?}", runtime.dead_workers());
        drop(runtime);

        let runtime = offline(dir.path(), CameraSpec::None);
        assert_eq!(runtime.camera_status(), None);
        assert!(runtime.take_scan_updates().preview.is_none());
        assert!(runtime.dead_workers().is_empty());
    }
}
