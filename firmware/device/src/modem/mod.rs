//! The LTE modem over AT commands and its status model.
//!
//! Layers, after ModemManager: [`port`] (serial I/O) → [`framer`] (bytes → lines) →
//! [`engine`] (one command at a time, timeouts, final results, URCs apart) → [`parse`]
//! (3GPP response parsers) and [`command`] (3GPP commands from outside input) →
//! [`status`] (the model), with [`recovery`] (the escalation ladder) and [`candidates`]
//! (where the port may reappear). Everything a vendor does its own way sits behind the
//! hooks of [`vendor::VendorHooks`]; [`quectel`] (the EC25, with its own parsers) implements
//! them. A [`Modem`] runs it all on a [`Worker`] thread and publishes a [`ModemStatus`]
//! snapshot.
//!
//! "No SIM", "PIN locked", "not registered" are states in the snapshot, not errors to retry.
//! A SIM PIN is never retried by itself: the configured PIN is tried at most once, and the
//! operator enters one explicitly with [`Modem::enter_pin`], sent once per call.

pub mod candidates;
pub mod command;
pub mod engine;
pub mod framer;
pub mod parse;
pub mod port;
pub mod quectel;
pub mod recovery;
pub mod status;
pub mod vendor;
mod worker;

use std::path::PathBuf;
use std::sync::mpsc;
use std::time::Duration;

use crate::worker::{SpawnError, Worker};

pub use recovery::{RecoveryPolicy, RecoveryStage, RecoveryStatus};
pub use status::{AccessTech, DataBearer, ModemStatus, Registration, SimState};

/// Cuts and restores the modem's power (e.g. a GPIO or a USB port power switch).
pub type PowerCycleHook = Box<dyn Fn() -> std::io::Result<()> + Send>;

/// Timeouts and pacing of the modem thread.
#[derive(Debug, Clone)]
pub struct Timing {
    /// Timeout of an ordinary command.
    pub command: Duration,
    /// Timeout of `AT+CPIN="..."` (the SIM checks the PIN).
    pub pin: Duration,
    /// Timeout of bringing the data call up (`AT+QNETDEVCTL=...` on the EC25).
    pub data_call: Duration,
    /// Pause between attempts to open the port while it is missing or mute.
    pub reopen_interval: Duration,
    /// Least time between two attempts to bring the data call up.
    pub dial_interval: Duration,
}

impl Default for Timing {
    fn default() -> Self {
        Timing {
            command: Duration::from_secs(5),
            pin: Duration::from_secs(10),
            data_call: Duration::from_secs(30),
            reopen_interval: Duration::from_secs(1),
            dial_interval: Duration::from_secs(30),
        }
    }
}

/// How to reach and run the modem.
pub struct ModemConfig {
    /// The AT port, ideally a stable udev name
    /// (`/dev/serial/by-id/usb-Quectel_..._EC25...-if02-port0`).
    pub port: PathBuf,
    /// Where else the port may appear after a re-enumeration: paths or patterns with `*`/`?`
    /// in the last component (see [`candidates`]). Tried in order after [`Self::port`].
    pub reopen_candidates: Vec<PathBuf>,
    /// APN for the data context, from configuration. Empty: the modem's own context is used.
    pub apn: String,
    /// SIM PIN from configuration, tried at most once.
    pub pin: Option<String>,
    /// Time between status polls.
    pub poll_interval: Duration,
    /// Last rung of the recovery ladder; `None` when the hardware has no power switch.
    pub power_cycle: Option<PowerCycleHook>,
    /// Whether to set up the data bearer (the vendor's preparation, `AT+CGDCONT`, the data
    /// call); when false the thread only observes.
    pub manage_data: bool,
    /// Timeouts and pacing.
    pub timing: Timing,
    /// Recovery ladder limits.
    pub recovery: RecoveryPolicy,
}

impl ModemConfig {
    /// A configuration with defaults for everything but the port and the APN.
    pub fn new(port: impl Into<PathBuf>, apn: impl Into<String>) -> Self {
        ModemConfig {
            port: port.into(),
            reopen_candidates: Vec::new(),
            apn: apn.into(),
            pin: None,
            poll_interval: Duration::from_secs(10),
            power_cycle: None,
            manage_data: true,
            timing: Timing::default(),
            recovery: RecoveryPolicy::default(),
        }
    }
}

impl std::fmt::Debug for ModemConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ModemConfig")
            .field("port", &self.port)
            .field("reopen_candidates", &self.reopen_candidates)
            .field("apn", &self.apn)
            .field("pin", &self.pin.as_ref().map(|_| "<redacted>"))
            .field("poll_interval", &self.poll_interval)
            .field("power_cycle", &self.power_cycle.is_some())
            .field("manage_data", &self.manage_data)
            .field("timing", &self.timing)
            .field("recovery", &self.recovery)
            .finish()
    }
}

/// Why an operator action on the modem failed. Messages are for the operator (Japanese) and
/// say what to do.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ModemError {
    /// The PIN is not 4–8 digits; nothing was sent to the SIM.
    #[error("PINは4〜8桁の数字で入力してください")]
    InvalidPin,
    /// The SIM is not waiting for a PIN.
    #[error("SIMはPINの入力を求めていません。画面の表示を確認してください")]
    PinNotRequired,
    /// The SIM rejected the PIN. It is not retried.
    #[error("PINが違います{}。SIMカードの書類でPINを確認してから入力してください", attempts_text(*.attempts_left))]
    WrongPin {
        /// Attempts left before the SIM needs its PUK, when known.
        attempts_left: Option<u8>,
    },
    /// The SIM is blocked and needs its PUK.
    #[error("SIMがロックされました（PUKが必要です）。ヘルプデスクに連絡してください")]
    PukRequired,
    /// The modem's port is not open.
    #[error(
        "モバイル通信モジュールに接続できません。しばらく待っても直らない場合は端末を再起動してください"
    )]
    NotConnected,
    /// The modem refused or failed the command.
    #[error(
        "モバイル通信モジュールがエラーを返しました（{0}）。しばらくしてからもう一度お試しください"
    )]
    Modem(String),
    /// The modem thread is not running.
    #[error("モバイル通信の処理が止まっています。端末を再起動してください")]
    Stopped,
}

fn attempts_text(left: Option<u8>) -> String {
    left.map(|n| format!("（残り{n}回）")).unwrap_or_default()
}

/// Operator requests to the modem thread.
enum Request {
    EnterPin {
        pin: String,
        reply: mpsc::Sender<Result<(), ModemError>>,
    },
}

/// Handle to the modem thread. Dropping it stops and joins the thread.
pub struct Modem {
    // Declared first, so dropping the handle stops and joins the thread while the request
    // channel is still open.
    worker: Worker<ModemStatus>,
    requests: mpsc::Sender<Request>,
}

impl Modem {
    /// Starts the modem thread (a Quectel EC25); fails only when the OS refuses a thread.
    pub fn spawn(config: ModemConfig) -> Result<Modem, SpawnError> {
        let initial = ModemStatus {
            port: Some(config.port.clone()),
            ..ModemStatus::default()
        };
        let (requests, rx) = mpsc::channel();
        let worker = Worker::spawn("modem", initial, move |shared| {
            worker::Driver::new(config, &quectel::QUECTEL, shared, rx).run();
        })?;
        Ok(Modem { worker, requests })
    }

    /// The latest status snapshot.
    pub fn status(&self) -> ModemStatus {
        self.worker.state().clone()
    }

    /// Whether the modem thread still runs (false once it ended or panicked), for a
    /// watchdog.
    pub fn is_alive(&self) -> bool {
        self.worker.is_alive()
    }

    /// Enters the SIM PIN (an explicit operator action), sent once. A wrong PIN is reported
    /// and never retried. Blocks until the modem answered (at most about a minute).
    pub fn enter_pin(&self, pin: &str) -> Result<(), ModemError> {
        if !command::valid_pin(pin) {
            return Err(ModemError::InvalidPin);
        }
        let (reply, answer) = mpsc::channel();
        self.requests
            .send(Request::EnterPin {
                pin: pin.to_string(),
                reply,
            })
            .map_err(|_| ModemError::Stopped)?;
        self.worker.wake();
        answer
            .recv_timeout(Duration::from_secs(60))
            .map_err(|_| ModemError::Stopped)?
    }
}

#[cfg(test)]
mod tests {
    use std::time::Instant;

    use super::*;

    #[test]
    fn a_modem_without_its_port_keeps_running_and_answers_the_operator() {
        let dir = tempfile::tempdir().unwrap();
        let mut config = ModemConfig::new(dir.path().join("ttyUSB9"), "");
        config.timing.reopen_interval = Duration::from_secs(3600);
        let modem = Modem::spawn(config).unwrap();
        assert!(modem.is_alive());
        assert_eq!(modem.enter_pin("12"), Err(ModemError::InvalidPin));
        assert_eq!(modem.enter_pin("1234"), Err(ModemError::NotConnected));
        let s = modem.status();
        assert!(!s.port_open);
        assert_eq!(s.port, Some(dir.path().join("ttyUSB9")));
        assert!(
            s.last_error.is_some_and(|e| e.contains("ttyUSB9")),
            "why it is closed"
        );
        assert_eq!(s.recovery.stage, RecoveryStage::WaitingForModem);
        assert!(modem.is_alive());
        let dropped = Instant::now();
        drop(modem);
        assert!(
            dropped.elapsed() < Duration::from_secs(5),
            "dropping stops the thread out of its hour-long wait"
        );
    }
}
