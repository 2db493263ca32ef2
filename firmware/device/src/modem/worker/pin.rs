//! The SIM: its state from `AT+CPIN?`, and the PIN.
//!
//! A SIM PIN is never retried by itself. The configured PIN is sent at most once in the
//! thread's life, and not at all once a PIN was rejected; an operator's PIN is sent once per
//! [`Modem::enter_pin`](crate::modem::Modem::enter_pin); a PIN command that times out is not
//! resent. Every wrong PIN costs one of the SIM's few attempts before it needs its PUK.

use super::Driver;
use crate::modem::ModemError;
use crate::modem::command;
use crate::modem::parse::{self, CmeError};
use crate::modem::status::SimState;
use crate::modem::vendor::LinkFailure;

impl Driver<'_> {
    /// `AT+CPIN?` as a SIM state (a `+CME ERROR` names one too); `None` when the modem gave
    /// no usable answer.
    fn query_sim(&mut self) -> Result<Option<SimState>, LinkFailure> {
        Ok(match self.exec("AT+CPIN?", self.config.timing.command)? {
            Ok(r) => Some(r.find(parse::cpin).unwrap_or(SimState::Unknown)),
            Err(e) => match e.cme() {
                Some(cme) => Some(parse::cpin_error(cme)),
                None => {
                    log::warn!("modem: {e}");
                    None
                }
            },
        })
    }

    /// The SIM state (and its PIN counters); tries the configured PIN once.
    pub(super) fn read_sim(&mut self) -> Result<(), LinkFailure> {
        self.status.sim = self.query_sim()?.unwrap_or(SimState::Unknown);
        if matches!(self.status.sim, SimState::PinRequired { .. }) {
            self.read_pin_counters()?;
            if let Some(pin) = self.config.pin.clone()
                && !self.config_pin_tried
                && !self.status.pin_rejected
            {
                self.config_pin_tried = true;
                log::info!("modem: entering the configured SIM PIN (once)");
                match self.send_pin(&pin)? {
                    Ok(()) => {
                        if let Some(sim) = self.query_sim()? {
                            self.status.sim = sim;
                        }
                    }
                    Err(e) => log::warn!("modem: configured PIN: {e}"),
                }
            }
        }
        Ok(())
    }

    fn read_pin_counters(&mut self) -> Result<(), LinkFailure> {
        let vendor = self.vendor;
        if let Some(counters) = vendor.query_pin_counters(self)? {
            self.status.sim = counters.sim_state();
        }
        Ok(())
    }

    /// Sends a PIN exactly once (no retry, even on timeout).
    fn send_pin(&mut self, pin: &str) -> Result<Result<(), ModemError>, LinkFailure> {
        let Some(command) = command::enter_pin(pin) else {
            return Ok(Err(ModemError::InvalidPin));
        };
        match self.exec_with(&command, self.config.timing.pin, false)? {
            Ok(_) => {
                log::info!("modem: SIM PIN accepted");
                self.status.pin_accepted();
                self.poll_now = true;
                Ok(Ok(()))
            }
            Err(e) => {
                let rejected = e.cme().is_some_and(|c| {
                    c.is(CmeError::INCORRECT_PASSWORD) || c.is(CmeError::SIM_PUK_REQUIRED)
                });
                if !rejected {
                    self.status.last_error = Some(e.to_string());
                    return Ok(Err(ModemError::Modem(e.to_string())));
                }
                log::warn!("modem: SIM PIN rejected; it will not be retried");
                let vendor = self.vendor;
                let counters = vendor.query_pin_counters(self);
                // Marked rejected even when the counters cannot be read.
                let error = self
                    .status
                    .pin_rejected(counters.as_ref().ok().copied().flatten());
                counters?;
                Ok(Err(error))
            }
        }
    }

    /// The operator's PIN, when the SIM asks for one.
    pub(super) fn operator_pin(&mut self, pin: &str) -> Result<(), ModemError> {
        if !command::valid_pin(pin) {
            return Err(ModemError::InvalidPin);
        }
        if self.engine.is_none() {
            return Err(ModemError::NotConnected);
        }
        match self.status.sim {
            SimState::PinRequired { .. } => {}
            SimState::PukRequired => return Err(ModemError::PukRequired),
            _ => return Err(ModemError::PinNotRequired),
        }
        log::info!("modem: operator enters the SIM PIN");
        match self.send_pin(pin) {
            Ok(result) => result,
            Err(failure) => {
                self.on_link_failure(failure);
                Err(ModemError::NotConnected)
            }
        }
    }
}
