//! The uplink thread: check-in and draining the outbox, with backoff.
//!
//! Registrations never wait for the network: they are committed to the [`Store`] and this
//! thread uploads them whenever the back office is reachable, oldest first, in batches.
//! A record leaves the outbox only with a receipt.

use std::path::PathBuf;
use std::time::Duration;

use time::OffsetDateTime;
use vrs_protocol::Lifecycle;
use vrs_protocol::wire::{CheckInRequest, MAX_BATCH, ModemHeartbeat, RecordBatch};

use crate::client::{BackOffice, ClientError};
use crate::identity::{DeviceIdentity, IdentityError, IdentityFiles};
use crate::store::{Store, StoreError};
use crate::worker::{Shared, SpawnError, Worker};

/// Check-in interval while the tablet waits for activation.
pub const AWAITING_ACTIVATION_INTERVAL: Duration = Duration::from_secs(5);

/// What the status bar shows about the link to the back office. (How many records wait is
/// read from the store itself: `Session::outbox`.)
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SyncStatus {
    /// Last time a check-in succeeded.
    pub last_contact: Option<OffsetDateTime>,
    /// The last failure, in Japanese, cleared by the next success.
    pub last_error: Option<String>,
    /// Lifecycle from the last check-in.
    pub lifecycle: Option<Lifecycle>,
}

/// Settings of the uplink thread.
#[derive(Clone)]
pub struct UplinkConfig {
    /// The tablet's store.
    pub db_path: PathBuf,
    /// Base URL of the back office, e.g. `https://backoffice.example:8443`.
    pub server_url: String,
    /// The back office CA shipped in the image, trusted for enrollment.
    pub factory_ca_pem: String,
    /// Serial and IMEI, sent at enrollment.
    pub identity: DeviceIdentity,
    /// Where the key pair and certificates live.
    pub identity_files: IdentityFiles,
    /// Reported at check-in.
    pub firmware_version: String,
    /// First retry delay after a failure; doubles up to `max_backoff`.
    pub min_backoff: Duration,
    /// Longest retry delay.
    pub max_backoff: Duration,
}

/// Why one synchronisation round failed.
#[derive(Debug, thiserror::Error)]
pub enum SyncError {
    /// The back office could not be reached or refused.
    #[error(transparent)]
    Client(#[from] ClientError),
    /// The local store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The identity files could not be read or written.
    #[error(transparent)]
    Identity(#[from] IdentityError),
}

/// Supplies the modem's heartbeat fields for check-in.
pub type HeartbeatSource = Box<dyn Fn() -> Option<ModemHeartbeat> + Send>;

/// One round: check in, then upload everything pending. Returns the check-in interval the
/// back office asked for.
pub fn sync_once(
    client: &BackOffice,
    store: &mut Store,
    firmware_version: &str,
    modem: Option<ModemHeartbeat>,
) -> Result<Duration, SyncError> {
    let depth = store.outbox_depth()?;
    let now = OffsetDateTime::now_utc();
    let request = CheckInRequest {
        firmware_version: firmware_version.to_owned(),
        outbox_depth: u32::try_from(depth.pending).unwrap_or(u32::MAX),
        oldest_unsent_age_s: depth
            .oldest
            .map(|t| (now - t).whole_seconds().max(0) as u64),
        modem,
    };
    let response = client.check_in(&request)?;
    store.save_check_in(&response)?;
    log::info!(
        "check-in: {} (outbox {})",
        response.lifecycle.as_str(),
        depth.pending
    );
    if response.lifecycle.uploads() {
        loop {
            let records = store.pending(MAX_BATCH)?;
            if records.is_empty() {
                break;
            }
            let receipts = client.upload(&RecordBatch { records })?;
            let acks: Vec<_> = receipts.receipts.iter().map(|r| (r.id, r.status)).collect();
            store.acknowledge(&acks)?;
            log::info!("uploaded {} records", acks.len());
        }
    }
    let interval = Duration::from_secs(u64::from(response.config.check_in_interval_s.max(5)));
    // A tablet waiting for activation is usually in someone's hands at a venue: look for
    // the activation often so nobody waits a full interval.
    Ok(if response.lifecycle == Lifecycle::AwaitingActivation {
        interval.min(AWAITING_ACTIVATION_INTERVAL)
    } else {
        interval
    })
}

/// Handle to the uplink thread. Dropping it stops and joins the thread.
pub struct Uplink {
    worker: Worker<SyncStatus>,
}

impl Uplink {
    /// Starts the thread.
    pub fn spawn(config: UplinkConfig, heartbeat: HeartbeatSource) -> Result<Self, SpawnError> {
        let worker = Worker::spawn("uplink", SyncStatus::default(), move |shared| {
            run(&config, &heartbeat, shared);
        })?;
        Ok(Self { worker })
    }

    /// The latest status.
    pub fn status(&self) -> SyncStatus {
        self.worker.state().clone()
    }

    /// Asks for a round now (after a registration, say).
    pub fn wake(&self) {
        self.worker.wake();
    }

    /// Whether the thread still runs (false after a panic). For the watchdog.
    pub fn is_alive(&self) -> bool {
        self.worker.is_alive()
    }
}

/// Loads the credentials, enrolling first when the tablet has none.
fn connect(config: &UplinkConfig) -> Result<BackOffice, SyncError> {
    let credentials = match config.identity_files.load()? {
        Some(c) => c,
        None => {
            log::info!(
                "enrolling {} at {}",
                config.identity.serial,
                config.server_url
            );
            let c = BackOffice::enroll(
                &config.server_url,
                &config.factory_ca_pem,
                config.identity.clone(),
            )?;
            config.identity_files.save(&c)?;
            c
        }
    };
    Ok(BackOffice::with_credentials(
        &config.server_url,
        &credentials,
    )?)
}

/// Runs `step` until it succeeds or the thread is asked to stop, with backoff between
/// failures. Failures are published in the status.
fn retry<T>(
    config: &UplinkConfig,
    shared: &Shared<SyncStatus>,
    mut step: impl FnMut() -> Result<T, SyncError>,
) -> Option<T> {
    let mut backoff = config.min_backoff;
    while !shared.stopping() {
        match step() {
            Ok(value) => return Some(value),
            Err(e) => {
                log::warn!("uplink: {e}");
                shared.lock().last_error = Some(e.to_string());
                shared.sleep(backoff);
                backoff = (backoff * 2).min(config.max_backoff);
            }
        }
    }
    None
}

fn run(config: &UplinkConfig, heartbeat: &HeartbeatSource, shared: &Shared<SyncStatus>) {
    let Some(mut store) = retry(config, shared, || Ok(Store::open(&config.db_path)?)) else {
        return;
    };
    let Some(client) = retry(config, shared, || connect(config)) else {
        return;
    };
    let mut backoff = config.min_backoff;
    while !shared.stopping() {
        let wait = match sync_once(&client, &mut store, &config.firmware_version, heartbeat()) {
            Ok(interval) => {
                backoff = config.min_backoff;
                update_status(shared, &store, None);
                interval
            }
            Err(e) => {
                log::warn!("uplink: {e}");
                update_status(shared, &store, Some(e.to_string()));
                let wait = backoff;
                backoff = (backoff * 2).min(config.max_backoff);
                wait
            }
        };
        shared.sleep(wait);
    }
}

fn update_status(shared: &Shared<SyncStatus>, store: &Store, error: Option<String>) {
    let lifecycle = store.last_check_in().ok().flatten().map(|c| c.lifecycle);
    let mut status = shared.lock();
    status.lifecycle = lifecycle;
    if error.is_none() {
        status.last_contact = Some(OffsetDateTime::now_utc());
    }
    status.last_error = error;
}
