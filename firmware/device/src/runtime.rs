//! The tablet's runtime without its UI: store, session and the uplink thread, wired.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use vrs_protocol::MasterList;

use crate::identity::{DeviceIdentity, IdentityFiles};
use crate::session::Session;
use crate::store::{Store, StoreError};
use crate::uplink::{HeartbeatSource, SyncStatus, Uplink, UplinkConfig};

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
}

/// What the runtime needs to start.
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

/// Store, session and uplink of a running tablet.
pub struct Runtime {
    session: Session,
    uplink: Uplink,
}

impl Runtime {
    /// Opens the store and starts the uplink thread (which enrolls first if needed).
    pub fn start(config: RuntimeConfig, heartbeat: HeartbeatSource) -> Result<Self, RuntimeError> {
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
        let uplink = Uplink::spawn(
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
        );
        Ok(Self { session, uplink })
    }

    /// The operator's session.
    pub fn session(&mut self) -> &mut Session {
        &mut self.session
    }

    /// Synchronisation status for the status bar.
    pub fn sync_status(&self) -> SyncStatus {
        self.uplink.status()
    }

    /// Checks in and uploads now rather than at the next interval: after a registration,
    /// or when an operator asks on the not-activated screen.
    pub fn sync_now(&self) {
        self.uplink.wake();
    }
}
