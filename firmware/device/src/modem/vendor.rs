//! The seam between generic 3GPP logic and a modem vendor, after ModemManager's plugins.
//!
//! The modem thread speaks 3GPP TS 27.007 itself (`AT`, `+CPIN`, `+CEREG`, `+COPS`, `+CSQ`,
//! `+CGDCONT`, `+CCLK`) and asks a [`VendorHooks`] for everything a vendor does its own way:
//! the init sequence, its unsolicited result codes, the ICCID, the PIN counters, the LTE
//! signal figures, the data bearer and the reset. Each hook that talks to the modem gets an
//! [`AtChannel`] to run commands on and parses the answers with the vendor's own parsers;
//! it returns plain values ([`PinCounters`], [`LteSignal`], [`DataPrep`]) that the thread
//! applies to the status. [`quectel`](super::quectel) is the one implementation.

use std::io;

use super::engine::{EngineError, Response, UrcSet};
use super::status::SimState;

/// The link to the modem is gone or mute: the poll cannot go on.
#[derive(Debug, thiserror::Error)]
pub enum LinkFailure {
    /// The port failed (hang-up, device removed) or is not open.
    #[error("port lost: {0}")]
    Io(#[source] io::Error),
    /// Timeouts, a retry and `AT` probes all went unanswered.
    #[error("modem not answering")]
    Unresponsive,
    /// The modem was deliberately rebooted; the port is already closed.
    #[error("the modem is rebooting")]
    Rebooting,
    /// The thread is asked to stop.
    #[error("stopping")]
    Stopped,
}

/// A command's own outcome (`Ok` with the answer, or the modem's error), or a
/// [`LinkFailure`] that ends the poll.
pub type Answer<T> = Result<Result<T, EngineError>, LinkFailure>;

/// Which timeout a command gets (the values are the thread's [`Timing`](super::Timing)).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Wait {
    /// An ordinary command.
    Command,
    /// Bringing the data call up.
    DataCall,
}

/// Where hooks run their commands: the modem thread's command execution, with its timeouts,
/// one retry after a timeout and the `AT` probe that decides whether the link is dead.
pub trait AtChannel {
    /// Runs `command` and waits for its final result code.
    fn run(&mut self, command: &str, wait: Wait) -> Answer<Response>;
}

/// SIM PIN and PUK attempts left.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PinCounters {
    /// PIN attempts left before the SIM needs its PUK.
    pub pin_left: u8,
    /// PUK attempts left before the SIM is blocked for good.
    pub puk_left: u8,
}

impl PinCounters {
    /// The SIM state these counters mean for a SIM that asks for its PIN.
    pub fn sim_state(self) -> SimState {
        if self.pin_left == 0 {
            SimState::PukRequired
        } else {
            SimState::PinRequired {
                attempts_left: Some(self.pin_left),
            }
        }
    }
}

/// LTE signal figures.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LteSignal {
    /// RSSI, dBm.
    pub rssi_dbm: i16,
    /// RSRP, dBm.
    pub rsrp_dbm: i16,
    /// SINR, dB.
    pub sinr_db: f32,
    /// RSRQ, dB.
    pub rsrq_db: i16,
}

/// Whether the modem is set up to carry a data call.
#[derive(Debug)]
pub enum DataPrep {
    /// Ready: the PDP context may be defined and the call brought up.
    Ready,
    /// The USB network function was switched; it applies after the modem's next reboot.
    NeedsReboot {
        /// The mode found (vendor numbering, e.g. Quectel's 0 RmNet, 2 MBIM, 3 RNDIS).
        usbnet: u8,
    },
    /// The modem refused the switch.
    Failed(EngineError),
}

/// What a vendor does its own way. The generic thread calls these hooks; a vendor module
/// implements them with its own commands and parsers. Implementations hold no state (one
/// `static` serves every modem) and never send a SIM PIN: entering a PIN stays with the
/// generic thread, which sends it at most once and never retries it by itself.
pub trait VendorHooks: Sync {
    /// Commands sent after every (re)connect once `AT` answers, in order; a failing one is
    /// logged and skipped.
    fn init_commands(&self) -> &'static [&'static str];

    /// The vendor's unsolicited result codes, recognised besides the 3GPP ones.
    fn urcs(&self) -> &'static UrcSet;

    /// Whether the URC `line` says the modem (re)booted by itself, so it needs its init
    /// sequence again.
    fn is_restart_urc(&self, line: &str) -> bool;

    /// The command that reboots the modem (sent blind when it stopped answering, and to
    /// apply a [`DataPrep::NeedsReboot`]).
    fn reset_command(&self) -> &'static str;

    /// The SIM's ICCID; `None` when the modem did not give a valid one.
    fn query_iccid(&self, at: &mut dyn AtChannel) -> Result<Option<String>, LinkFailure>;

    /// PIN and PUK attempts left; `None` when the modem did not tell.
    fn query_pin_counters(
        &self,
        at: &mut dyn AtChannel,
    ) -> Result<Option<PinCounters>, LinkFailure>;

    /// LTE signal figures: `Ok(None)` when the modem answered but is not on LTE (the figures
    /// are then unknown), `Err` when it did not answer (the figures are left as they were).
    fn query_signal(&self, at: &mut dyn AtChannel) -> Answer<Option<LteSignal>>;

    /// Makes sure the modem can carry a data call (e.g. its USB network function), switching
    /// what needs switching. Called once per connection.
    fn prepare_data(&self, at: &mut dyn AtChannel) -> Result<DataPrep, LinkFailure>;

    /// Whether the data call is up; `Ok(false)` also for an answer the vendor cannot read.
    fn data_call_up(&self, at: &mut dyn AtChannel) -> Answer<bool>;

    /// Asks for the data call on the context [`DATA_CID`](super::command::DATA_CID).
    fn start_data_call(&self, at: &mut dyn AtChannel) -> Answer<()>;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pin_counters_name_the_sim_state() {
        let two = PinCounters {
            pin_left: 2,
            puk_left: 10,
        };
        assert_eq!(
            two.sim_state(),
            SimState::PinRequired {
                attempts_left: Some(2)
            }
        );
        let none = PinCounters {
            pin_left: 0,
            puk_left: 10,
        };
        assert_eq!(none.sim_state(), SimState::PukRequired);
    }
}
