//! `vrs-modem-sim`: an EC25-like LTE modem on a pty, with scripted faults.
//!
//! The simulator owns the master side of a pseudo-terminal; the code under test opens the
//! slave side by path ([`SimHandle::path`]) exactly as it would open `/dev/ttyUSB2`. The pty
//! is raw (no line discipline echo): echo comes from the simulated modem itself (`ATE1`
//! after every reset, `ATE0` turns it off), like a real modem.
//!
//! Like udev, the simulator can keep a stable symlink to the current device
//! ([`SimConfig::link`], think `/dev/serial/by-id/...`) and kernel-style names in a
//! directory ([`SimConfig::enumeration_dir`]: `ttyUSB2`, then `ttyUSB3` after a
//! re-enumeration, ...). A reset (`AT+CFUN=1,1`) and a power cycle re-enumerate: the old pty
//! closes (the reader sees a hang-up) and a new one appears under a new path.
//!
//! ```no_run
//! use vrs_modem_sim::{Fault, SimConfig, Simulator};
//! let sim = Simulator::start(SimConfig::default()).unwrap();
//! println!("modem at {}", sim.path().display());
//! sim.set_fault(Fault::NoSignal);
//! sim.stop();
//! ```

mod at;
mod fault;
mod pty;
mod runner;

use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::thread::JoinHandle;
use std::time::Duration;

pub use fault::{Fault, UnknownFault};

/// How the simulated modem and its SIM look.
#[derive(Debug, Clone)]
pub struct SimConfig {
    /// IMEI answered to `AT+CGSN` (15 digits, Luhn-valid by default).
    pub imei: String,
    /// ICCID answered to `AT+QCCID`.
    pub iccid: String,
    /// Operator name in `+COPS?` (long alphanumeric format).
    pub operator: String,
    /// The SIM's PIN, checked when the SIM is PIN-locked ([`Fault::PinLocked`]).
    pub pin: String,
    /// LTE RSRP reported by `AT+QCSQ`, dBm.
    pub rsrp_dbm: i16,
    /// LTE SINR reported by `AT+QCSQ`, dB (encoded as `(dB + 20) × 5`).
    pub sinr_db: f32,
    /// Time zone of `+CCLK?` in quarter hours (Japan: +36).
    pub tz_quarter_hours: i8,
    /// `AT+QCFG="usbnet"` mode at power-up (1 = ECM).
    pub usbnet: u8,
    /// Stable symlink to the current pty slave, kept up to date across re-enumerations.
    pub link: Option<PathBuf>,
    /// Directory for kernel-style names (`ttyUSB2`, `ttyUSB3`, ...), one per enumeration.
    pub enumeration_dir: Option<PathBuf>,
    /// The fault in effect from the start.
    pub fault: Fault,
    /// How long the modem stays mute after power-up or reset.
    pub boot_time: Duration,
    /// How long after boot the network accepts the registration.
    pub register_delay: Duration,
    /// How long the device is gone during a re-enumeration.
    pub reenumeration_gap: Duration,
    /// Whether `AT+CFUN=1,1` re-enumerates the USB device (a real EC25 does).
    pub reenumerate_on_reset: bool,
}

impl Default for SimConfig {
    fn default() -> Self {
        SimConfig {
            imei: "866758041234564".into(),
            iccid: "8981100022152367890".into(),
            operator: "NTT DOCOMO".into(),
            pin: "1234".into(),
            rsrp_dbm: -92,
            sinr_db: 13.0,
            tz_quarter_hours: 36,
            usbnet: 1,
            link: None,
            enumeration_dir: None,
            fault: Fault::None,
            boot_time: Duration::from_millis(200),
            register_delay: at::DEFAULT_REGISTER_DELAY,
            reenumeration_gap: Duration::from_millis(200),
            reenumerate_on_reset: true,
        }
    }
}

/// Counters of what the simulated modem went through.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SimStats {
    /// Resets executed (`AT+CFUN=1,1` answered while not wedged).
    pub resets: u32,
    /// Power cycles (through [`SimHandle::power_cycle`] or a [`PowerSwitch`]).
    pub power_cycles: u32,
    /// USB enumerations, the first one included.
    pub enumerations: u32,
    /// Commands left unanswered on purpose (hang, wedge).
    pub ignored: u32,
}

/// Why the simulator could not start.
#[derive(Debug, thiserror::Error)]
pub enum SimError {
    /// No pseudo-terminal could be created.
    #[error("cannot create a pty: {0}")]
    Pty(#[from] serialport::Error),
    /// A symlink could not be created.
    #[error("cannot create link {path}: {source}")]
    Link {
        /// The link path.
        path: PathBuf,
        /// The underlying error.
        source: std::io::Error,
    },
    /// The simulator thread could not be spawned.
    #[error("cannot spawn the simulator thread: {0}")]
    Thread(std::io::Error),
}

/// State shared between the handle and the simulator thread.
#[derive(Debug)]
struct Shared {
    stop: AtomicBool,
    control: Mutex<Control>,
}

#[derive(Debug)]
struct Control {
    fault: Fault,
    power_cycle_requested: bool,
    path: PathBuf,
    commands: Vec<String>,
    stats: SimStats,
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, Control> {
        self.control.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// Entry point.
pub struct Simulator;

impl Simulator {
    /// Creates the pty (and links) and starts the simulated modem on its own thread.
    pub fn start(config: SimConfig) -> Result<SimHandle, SimError> {
        let pty = pty::Pty::open()?;
        let shared = Arc::new(Shared {
            stop: AtomicBool::new(false),
            control: Mutex::new(Control {
                fault: config.fault,
                power_cycle_requested: false,
                path: pty.path.clone(),
                commands: Vec::new(),
                stats: SimStats {
                    enumerations: 1,
                    ..SimStats::default()
                },
            }),
        });
        let runner = runner::Runner::new(config, pty, Arc::clone(&shared))?;
        let thread = std::thread::Builder::new()
            .name("modem-sim".into())
            .spawn(move || runner.run())
            .map_err(SimError::Thread)?;
        Ok(SimHandle {
            shared,
            thread: Some(thread),
        })
    }
}

/// Handle to a running simulator; dropping it stops the simulator.
pub struct SimHandle {
    shared: Arc<Shared>,
    thread: Option<JoinHandle<()>>,
}

impl SimHandle {
    /// Path of the current pty slave (changes when the device re-enumerates).
    pub fn path(&self) -> PathBuf {
        self.shared.lock().path.clone()
    }

    /// Switches to another fault ([`Fault::None`] heals everything but a wedge, which only a
    /// power cycle clears).
    pub fn set_fault(&self, fault: Fault) {
        self.shared.lock().fault = fault;
    }

    /// The fault in effect (one-shot faults fall back to [`Fault::None`] once played).
    pub fn fault(&self) -> Fault {
        self.shared.lock().fault
    }

    /// Cuts and restores the modem's power: clears a wedge, reboots, re-enumerates.
    pub fn power_cycle(&self) {
        self.power_switch().power_cycle();
    }

    /// A cloneable power switch, e.g. for a power-cycle hook of the code under test.
    pub fn power_switch(&self) -> PowerSwitch {
        PowerSwitch {
            shared: Arc::clone(&self.shared),
        }
    }

    /// Every command line the modem received so far, in order (answered or not).
    pub fn commands(&self) -> Vec<String> {
        self.shared.lock().commands.clone()
    }

    /// Counters so far.
    pub fn stats(&self) -> SimStats {
        self.shared.lock().stats
    }

    /// Stops the simulator, closes the pty and removes the links.
    pub fn stop(mut self) {
        self.shutdown();
    }

    fn shutdown(&mut self) {
        self.shared.stop.store(true, Ordering::SeqCst);
        if let Some(thread) = self.thread.take()
            && thread.join().is_err()
        {
            log::error!("modem simulator thread panicked");
        }
    }
}

impl Drop for SimHandle {
    fn drop(&mut self) {
        self.shutdown();
    }
}

/// Power switch of a simulated modem (see [`SimHandle::power_switch`]).
#[derive(Clone)]
pub struct PowerSwitch {
    shared: Arc<Shared>,
}

impl PowerSwitch {
    /// Requests a power cycle; the simulator thread performs it at once.
    pub fn power_cycle(&self) {
        self.shared.lock().power_cycle_requested = true;
    }
}

impl std::fmt::Debug for PowerSwitch {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("PowerSwitch")
    }
}
