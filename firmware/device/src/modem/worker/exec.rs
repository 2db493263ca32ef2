//! Command execution: a timeout is retried once, then `AT` probes decide whether the modem
//! is still there; the port's failures become [`LinkFailure`]s that end the poll.

use std::io;
use std::time::Duration;

use super::Driver;
use crate::modem::engine::{Engine, EngineError, Response};
use crate::modem::recovery::RecoveryStage;
use crate::modem::vendor::{Answer, AtChannel, LinkFailure, Wait};

/// How long the line must be quiet after a timeout before the next command.
const DRAIN_QUIET: Duration = Duration::from_millis(200);

impl<'s> Driver<'s> {
    fn open_engine(&mut self) -> Result<&mut Engine<'s>, LinkFailure> {
        self.engine.as_mut().ok_or_else(|| {
            LinkFailure::Io(io::Error::new(io::ErrorKind::NotConnected, "port not open"))
        })
    }

    /// Runs a command; a timeout is retried once, then the modem is probed with `AT`.
    pub(super) fn exec(&mut self, command: &str, timeout: Duration) -> Answer<Response> {
        self.exec_with(command, timeout, true)
    }

    /// Runs a command, retrying a timeout once only when `retry` (never for a PIN).
    pub(super) fn exec_with(
        &mut self,
        command: &str,
        timeout: Duration,
        retry: bool,
    ) -> Answer<Response> {
        let attempts = if retry { 2 } else { 1 };
        let mut last = None;
        for _ in 0..attempts {
            match self.open_engine()?.run(command, timeout) {
                Err(e @ EngineError::Timeout { .. }) => {
                    log::warn!("modem: {e}");
                    self.ladder.status.timeouts += 1;
                    self.drain()?;
                    last = Some(e);
                }
                other => return sort(other),
            }
        }
        // Still nothing: is the modem alive at all?
        self.ladder.status.stage = RecoveryStage::Probing;
        let probe_timeout = self.ladder.policy().probe_timeout;
        for _ in 0..self.ladder.policy().probe_attempts.max(1) {
            match self.open_engine()?.run("AT", probe_timeout) {
                Err(EngineError::Timeout { .. }) => self.drain()?,
                Err(EngineError::Io(e)) => return Err(LinkFailure::Io(e)),
                Err(EngineError::Aborted) => return Err(LinkFailure::Stopped),
                _ => {
                    log::info!("modem: answers AT again");
                    self.ladder.status.stage = RecoveryStage::Healthy;
                    return Ok(Err(last.unwrap_or(EngineError::Aborted)));
                }
            }
        }
        self.ladder.status.failed_probes += 1;
        Err(LinkFailure::Unresponsive)
    }

    /// Throws away a late answer after a timeout.
    fn drain(&mut self) -> Result<(), LinkFailure> {
        let Some(engine) = self.engine.as_mut() else {
            return Ok(());
        };
        match engine.drain(DRAIN_QUIET) {
            Ok(()) => Ok(()),
            Err(EngineError::Io(e)) => Err(LinkFailure::Io(e)),
            Err(_) => Err(LinkFailure::Stopped),
        }
    }
}

/// The port's failures end the poll; the modem's own answers (errors included) do not.
fn sort(result: Result<Response, EngineError>) -> Answer<Response> {
    match result {
        Err(EngineError::Io(e)) => Err(LinkFailure::Io(e)),
        Err(EngineError::Aborted) => Err(LinkFailure::Stopped),
        other => Ok(other),
    }
}

/// The vendor hooks run their commands through the thread's execution.
impl AtChannel for Driver<'_> {
    fn run(&mut self, command: &str, wait: Wait) -> Answer<Response> {
        let timeout = match wait {
            Wait::Command => self.config.timing.command,
            Wait::DataCall => self.config.timing.data_call,
        };
        self.exec(command, timeout)
    }
}
