//! The modem thread's body, split along its seams:
//!
//! * [`link`] — opening and reopening the port (candidates included), syncing with `AT`,
//!   the recovery escalation when the modem is gone or mute;
//! * [`exec`] — command execution with timeouts, one retry and the `AT` probe (the
//!   [`AtChannel`](super::vendor::AtChannel) the vendor hooks run on);
//! * [`poll`] — the periodic status poll and the data bearer;
//! * [`pin`] — the SIM state and the PIN (a SIM PIN is never retried by itself);
//! * [`urc`] — unsolicited result codes → status changes;
//! * [`idle`] — between polls: listening for URCs, serving operator requests;
//! * [`update`] — the status updates themselves, pure functions of the status and what the
//!   modem said.

mod exec;
mod idle;
mod link;
mod pin;
mod poll;
mod update;
mod urc;

use std::sync::mpsc;
use std::time::Instant;

use super::engine::Engine;
use super::recovery::{Ladder, RecoveryStage};
use super::status::ModemStatus;
use super::vendor::{LinkFailure, VendorHooks};
use super::{ModemConfig, Request};
use crate::worker::Shared;

/// The modem thread's state while it runs.
pub(super) struct Driver<'s> {
    config: ModemConfig,
    vendor: &'static dyn VendorHooks,
    shared: &'s Shared<ModemStatus>,
    requests: mpsc::Receiver<Request>,
    engine: Option<Engine<'s>>,
    /// A port that opened but did not answer `AT`; kept to send a blind reset on.
    silent: Option<Engine<'s>>,
    ladder: Ladder,
    status: ModemStatus,
    grace_until: Option<Instant>,
    unreachable_since: Option<Instant>,
    config_pin_tried: bool,
    needs_init: bool,
    poll_now: bool,
    data_prepared: bool,
    next_dial: Option<Instant>,
}

impl<'s> Driver<'s> {
    pub(super) fn new(
        config: ModemConfig,
        vendor: &'static dyn VendorHooks,
        shared: &'s Shared<ModemStatus>,
        requests: mpsc::Receiver<Request>,
    ) -> Self {
        let status = shared.lock().clone();
        Driver {
            ladder: Ladder::new(config.recovery.clone()),
            config,
            vendor,
            shared,
            requests,
            engine: None,
            silent: None,
            status,
            grace_until: None,
            unreachable_since: None,
            config_pin_tried: false,
            needs_init: false,
            poll_now: false,
            data_prepared: false,
            next_dial: None,
        }
    }

    /// Connects, polls and idles until the owner stops the thread.
    pub(super) fn run(mut self) {
        log::info!("modem: starting on {}", self.config.port.display());
        while !self.shared.stopping() {
            if self.engine.is_none() {
                if let Err(why) = self.connect() {
                    self.on_unreachable(why);
                    self.publish();
                    self.idle(self.config.timing.reopen_interval);
                    continue;
                }
                self.publish();
            }
            match self.poll() {
                Ok(()) => {
                    self.status.polls += 1;
                    if self.ladder.status.stage != RecoveryStage::Healthy {
                        self.ladder.note_healthy();
                    }
                }
                Err(LinkFailure::Stopped) => break,
                Err(failure) => self.on_link_failure(failure),
            }
            self.publish();
            if self.engine.is_some() {
                self.idle(self.config.poll_interval);
            }
        }
        self.engine = None;
        self.silent = None;
        self.status.port_open = false;
        self.publish();
        log::info!("modem: stopped");
    }

    /// Hands the owner a snapshot of the status.
    fn publish(&mut self) {
        self.status.recovery = self.ladder.status.clone();
        *self.shared.lock() = self.status.clone();
    }
}
