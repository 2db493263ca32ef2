//! The link: opening the configured port or a candidate, syncing with `AT`, the init
//! sequence, and what happens when the modem is missing or mute (the recovery ladder).

use std::path::PathBuf;
use std::time::{Duration, Instant};

use super::Driver;
use crate::modem::candidates;
use crate::modem::engine::{Engine, EngineError};
use crate::modem::parse;
use crate::modem::port::Port;
use crate::modem::recovery::{RecoveryStage, Step};
use crate::modem::vendor::LinkFailure;

impl Driver<'_> {
    /// The configured port first, then the candidates, each once.
    fn paths(&self) -> Vec<PathBuf> {
        let mut paths: Vec<PathBuf> = vec![self.config.port.clone()];
        for p in candidates::expand(&self.config.reopen_candidates) {
            if !paths.contains(&p) {
                paths.push(p);
            }
        }
        paths
    }

    /// Opens the configured port or a candidate and syncs with `AT`.
    pub(super) fn connect(&mut self) -> Result<(), String> {
        self.silent = None;
        let mut why = String::from("no port to open");
        for path in self.paths() {
            let port = match Port::open(&path) {
                Ok(p) => p,
                Err(e) => {
                    log::debug!("modem: {e}");
                    why = e.to_string();
                    continue;
                }
            };
            let mut engine = Engine::new(port, self.vendor.urcs()).with_abort(self.shared);
            if self.sync(&mut engine) {
                log::info!("modem: connected on {}", path.display());
                self.engine = Some(engine);
                self.status.connected(path);
                self.unreachable_since = None;
                self.grace_until = None;
                self.ladder.status.connects += 1;
                self.ladder.note_healthy();
                self.needs_init = true;
                return Ok(());
            }
            why = format!("{}: no answer to AT", path.display());
            if self.silent.is_none() {
                self.silent = Some(engine);
            }
        }
        self.ladder.status.failed_connects += 1;
        Err(why)
    }

    /// `AT` until answered (any final result code means alive).
    fn sync(&self, engine: &mut Engine<'_>) -> bool {
        let policy = self.ladder.policy();
        for _ in 0..policy.probe_attempts.max(1) {
            match engine.run("AT", policy.probe_timeout) {
                Ok(_)
                | Err(EngineError::Error { .. })
                | Err(EngineError::Cme { .. })
                | Err(EngineError::Cms { .. })
                | Err(EngineError::Other { .. }) => return true,
                Err(EngineError::Timeout { .. }) => {
                    if engine.drain(Duration::from_millis(100)).is_err() {
                        return false;
                    }
                }
                Err(EngineError::Io(_)) | Err(EngineError::Aborted) => return false,
            }
        }
        false
    }

    /// The vendor's init sequence and the IMEI, on every (re)connect and after the modem
    /// rebooted by itself.
    pub(super) fn init(&mut self) -> Result<(), LinkFailure> {
        for cmd in self.vendor.init_commands() {
            if let Err(e) = self.exec(cmd, self.config.timing.command)? {
                log::warn!("modem: init: {e}");
            }
        }
        if let Ok(r) = self.exec("AT+CGSN", self.config.timing.command)? {
            match r.find(parse::imei) {
                Some(imei) => self.status.imei = Some(imei),
                None => log::warn!("modem: AT+CGSN gave no valid IMEI: {:?}", r.lines),
            }
        }
        self.needs_init = false;
        self.data_prepared = false;
        self.next_dial = None;
        Ok(())
    }

    /// No port answered: wait for a booting modem, then climb the ladder.
    pub(super) fn on_unreachable(&mut self, why: String) {
        let now = Instant::now();
        if self.status.last_error.as_deref() != Some(why.as_str()) {
            log::warn!("modem: {why}");
        }
        self.status.closed(why);
        let since = *self.unreachable_since.get_or_insert(now);
        if self.grace_until.is_some_and(|g| now < g) {
            return;
        }
        // A port that is missing or mute gets `settle_time` (a booting modem needs a few
        // seconds) before the ladder climbs.
        if now.duration_since(since) >= self.ladder.policy().settle_time {
            self.escalate();
        } else if self.ladder.status.stage != RecoveryStage::HoldingOff {
            self.ladder.status.stage = RecoveryStage::WaitingForModem;
        }
    }

    /// The poll ended on a dead or mute link.
    pub(super) fn on_link_failure(&mut self, failure: LinkFailure) {
        match failure {
            LinkFailure::Io(_) => {
                log::warn!("modem: {failure}");
                self.engine = None;
                self.status.closed(failure.to_string());
                self.unreachable_since = Some(Instant::now());
                self.ladder.status.stage = RecoveryStage::WaitingForModem;
            }
            LinkFailure::Unresponsive => {
                log::warn!("modem: not answering");
                self.silent = self.engine.take();
                self.status.closed(failure.to_string());
                self.unreachable_since = Some(Instant::now());
                self.escalate();
            }
            LinkFailure::Rebooting | LinkFailure::Stopped => {}
        }
    }

    /// Reboots the modem on purpose (to apply a setting), when the ladder allows a reset now.
    pub(super) fn reboot_to_apply(&mut self, what: &str) -> Result<(), LinkFailure> {
        if !self.ladder.may_reset(Instant::now()) {
            return Ok(());
        }
        log::warn!("modem: rebooting the modem to apply {what}");
        self.silent = self.engine.take();
        let data = self.status.data;
        self.status
            .closed(format!("rebooting the modem to apply {what}"));
        self.status.data = data;
        self.escalate();
        Err(LinkFailure::Rebooting)
    }

    /// The next rung of the ladder, as the rate limits allow.
    fn escalate(&mut self) {
        let now = Instant::now();
        let has_port = self.silent.is_some();
        let step = self
            .ladder
            .next_step(now, has_port, self.config.power_cycle.is_some());
        let settle = self.ladder.policy().settle_time;
        match step {
            Step::Reset => {
                let reset = self.vendor.reset_command();
                log::warn!("modem: resetting with {reset}");
                if let Some(mut engine) = self.silent.take() {
                    let timeout = self.ladder.policy().probe_timeout;
                    if let Err(e) = engine.run(reset, timeout) {
                        log::debug!("modem: reset: {e}");
                    }
                }
                self.ladder.note_reset(now);
                self.grace_until = Some(now + settle);
            }
            Step::PowerCycle => {
                // Close the port first: the device node goes away with the power.
                self.silent = None;
                self.engine = None;
                log::warn!("modem: power-cycling");
                if let Some(hook) = &self.config.power_cycle
                    && let Err(e) = hook()
                {
                    log::error!("modem: power cycle failed: {e}");
                    self.status.last_error = Some(format!("power cycle failed: {e}"));
                }
                self.ladder.note_power_cycle(now);
                self.grace_until = Some(now + settle);
            }
            Step::HoldOff => {
                if self.ladder.status.stage != RecoveryStage::HoldingOff {
                    log::warn!(
                        "modem: still not answering; no recovery step allowed yet, holding off"
                    );
                }
                self.silent = None;
                self.ladder.status.stage = RecoveryStage::HoldingOff;
            }
        }
        self.unreachable_since = Some(now);
    }
}
