//! The periodic status poll: SIM, registration, operator, signal, network time and the data
//! bearer (3GPP commands here, the vendor's through its hooks).

use std::time::Instant;

use super::Driver;
use crate::modem::command::{self, DATA_CID};
use crate::modem::parse;
use crate::modem::status::{DataBearer, SimState};
use crate::modem::vendor::{DataPrep, LinkFailure};

impl Driver<'_> {
    /// One poll; a [`LinkFailure`] ends it early.
    pub(super) fn poll(&mut self) -> Result<(), LinkFailure> {
        if self.needs_init {
            self.init()?;
        }
        self.apply_urcs();
        let vendor = self.vendor;
        let timeout = self.config.timing.command;
        self.read_sim()?;
        if self.status.sim != SimState::Ready {
            self.status.forget_network();
            self.apply_urcs();
            return Ok(());
        }
        if self.status.iccid.is_none() {
            self.status.iccid = vendor.query_iccid(self)?;
        }
        match self.exec("AT+CEREG?", timeout)? {
            Ok(r) => match r.find(parse::cereg) {
                Some(c) => {
                    let before = self.status.apply_cereg(&c);
                    if before != self.status.registration {
                        log::info!("modem: registration {before:?} -> {:?}", c.registration);
                    }
                }
                None => log::warn!("modem: unexpected +CEREG answer {:?}", r.lines),
            },
            Err(e) => log::warn!("modem: {e}"),
        }
        if self.status.registration.is_registered() {
            if let Ok(r) = self.exec("AT+COPS?", timeout)?
                && let Some((operator, act)) = r.find(parse::cops)
            {
                self.status.apply_operator(operator, act);
            }
        } else {
            self.status.operator = None;
        }
        if let Ok(r) = self.exec("AT+CSQ", timeout)? {
            self.status.rssi_dbm = r.find(parse::csq);
        }
        if let Ok(lte) = vendor.query_signal(self)? {
            self.status.apply_lte(lte);
        }
        if let Ok(r) = self.exec("AT+CCLK?", timeout)?
            && let Some(t) = r.find(parse::cclk)
        {
            self.status.network_time = Some(t);
        }
        self.data_bearer()?;
        self.apply_urcs();
        Ok(())
    }

    /// The data bearer: the vendor's preparation, the PDP context from the configured APN,
    /// the data call.
    fn data_bearer(&mut self) -> Result<(), LinkFailure> {
        if !self.status.registration.is_registered() {
            self.status.data = DataBearer::Disconnected;
            return Ok(());
        }
        let vendor = self.vendor;
        if !self.data_prepared && self.config.manage_data {
            match vendor.prepare_data(self)? {
                DataPrep::Ready => {}
                DataPrep::NeedsReboot { usbnet } => {
                    self.status.data = DataBearer::NeedsReboot { usbnet };
                    return self.reboot_to_apply("usbnet");
                }
                DataPrep::Failed(e) => {
                    self.status.last_error = Some(e.to_string());
                    return Ok(());
                }
            }
            if !self.config.apn.is_empty() {
                self.define_context()?;
            }
            self.data_prepared = true;
        }
        let up = vendor.data_call_up(self)?.unwrap_or_else(|e| {
            log::warn!("modem: {e}");
            false
        });
        if up {
            if self.status.data != DataBearer::Connected {
                log::info!("modem: data call up");
            }
            self.status.data = DataBearer::Connected;
        } else if !self.config.manage_data {
            self.status.data = DataBearer::Disconnected;
        } else {
            self.dial()?;
        }
        Ok(())
    }

    /// `AT+CGDCONT` for the data context, when it does not name the configured APN yet.
    fn define_context(&mut self) -> Result<(), LinkFailure> {
        let timeout = self.config.timing.command;
        let Some(set) = command::define_context(&self.config.apn) else {
            log::error!("modem: configured APN {:?} is not valid", self.config.apn);
            self.status.last_error = Some(format!("invalid APN {:?}", self.config.apn));
            return Ok(());
        };
        let current = match self.exec("AT+CGDCONT?", timeout)? {
            Ok(r) => r
                .lines
                .iter()
                .filter_map(|l| parse::cgdcont(l))
                .find(|c| c.cid == DATA_CID),
            Err(_) => None,
        };
        let up_to_date = current
            .is_some_and(|c| c.pdp_type == "IP" && c.apn.eq_ignore_ascii_case(&self.config.apn));
        if !up_to_date {
            log::info!("modem: setting APN {:?}", self.config.apn);
            if let Err(e) = self.exec(&set, timeout)? {
                log::warn!("modem: {e}");
                self.status.last_error = Some(e.to_string());
            }
        }
        Ok(())
    }

    /// Asks for the data call, at most once per dial interval.
    fn dial(&mut self) -> Result<(), LinkFailure> {
        let now = Instant::now();
        if self.next_dial.is_some_and(|t| now < t) {
            if self.status.data != DataBearer::Connecting {
                self.status.data = DataBearer::Disconnected;
            }
            return Ok(());
        }
        self.next_dial = Some(now + self.config.timing.dial_interval);
        log::info!("modem: bringing the data call up");
        let vendor = self.vendor;
        match vendor.start_data_call(self)? {
            Ok(()) => self.status.data = DataBearer::Connecting,
            Err(e) => {
                log::warn!("modem: {e}");
                self.status.last_error = Some(e.to_string());
                self.status.data = DataBearer::Disconnected;
            }
        }
        // Ask again right away: the call is often up by now.
        if let Ok(true) = vendor.data_call_up(self)? {
            self.status.data = DataBearer::Connected;
        }
        Ok(())
    }
}
