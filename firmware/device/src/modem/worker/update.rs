//! Status updates as pure functions: the current [`ModemStatus`] and what the modem said
//! (a parsed answer or URC) in, the new status out. No I/O, so they are tested here
//! without a port.

use std::path::PathBuf;

use crate::modem::ModemError;
use crate::modem::parse::Cereg;
use crate::modem::status::{AccessTech, DataBearer, ModemStatus, Registration, SimState};
use crate::modem::vendor::{LteSignal, PinCounters};

impl ModemStatus {
    /// The port at `path` opened and answers `AT`.
    pub(super) fn connected(&mut self, path: PathBuf) {
        self.port_open = true;
        self.port = Some(path);
        self.last_error = None;
    }

    /// The port closed for `why`: forget what only a live modem can vouch for.
    pub(super) fn closed(&mut self, why: String) {
        self.port_open = false;
        self.last_error = Some(why);
        self.forget_network();
    }

    /// Registration, radio and data unknown (port closed, or the SIM not ready).
    pub(super) fn forget_network(&mut self) {
        self.registration = Registration::Unknown;
        self.clear_radio();
        self.data = DataBearer::Unknown;
    }

    fn clear_radio(&mut self) {
        self.operator = None;
        self.access_tech = None;
        self.rssi_dbm = None;
        self.rsrp_dbm = None;
        self.rsrq_db = None;
        self.sinr_db = None;
        self.tac = None;
        self.cell_id = None;
    }

    /// A `+CEREG` answer or URC; returns the registration before it. Losing registration
    /// clears the radio figures and takes a known data call down.
    pub(super) fn apply_cereg(&mut self, c: &Cereg) -> Registration {
        let before = self.registration;
        self.registration = c.registration;
        if c.registration.is_registered() {
            if c.tac.is_some() {
                self.tac.clone_from(&c.tac);
                self.cell_id.clone_from(&c.cell_id);
            }
            if c.access_tech.is_some() {
                self.access_tech = c.access_tech;
            }
        } else {
            self.clear_radio();
            if self.data != DataBearer::Unknown {
                self.data = DataBearer::Disconnected;
            }
        }
        before
    }

    /// A `+COPS?` answer: the operator, and the access technology when it names one.
    pub(super) fn apply_operator(&mut self, operator: Option<String>, act: Option<AccessTech>) {
        self.operator = operator;
        if act.is_some() {
            self.access_tech = act;
        }
    }

    /// The vendor's LTE figures; `None` (not on LTE) makes them unknown.
    pub(super) fn apply_lte(&mut self, lte: Option<LteSignal>) {
        self.rsrp_dbm = lte.map(|s| s.rsrp_dbm);
        self.rsrq_db = lte.map(|s| s.rsrq_db);
        self.sinr_db = lte.map(|s| s.sinr_db);
    }

    /// A `+CPIN` URC; returns whether the SIM state changed. A URC saying "PIN required"
    /// does not wipe the attempts left that the counters gave.
    pub(super) fn apply_sim_urc(&mut self, sim: SimState) -> bool {
        let changed = sim != self.sim;
        let keeps_counters = matches!(
            (&sim, &self.sim),
            (SimState::PinRequired { .. }, SimState::PinRequired { .. })
        );
        if !keeps_counters {
            self.sim = sim;
        }
        changed
    }

    /// The SIM accepted a PIN.
    pub(super) fn pin_accepted(&mut self) {
        self.pin_rejected = false;
        self.last_error = None;
    }

    /// The SIM rejected a PIN; `counters` are the attempts left read right after. Returns the
    /// error for whoever entered it.
    pub(super) fn pin_rejected(&mut self, counters: Option<PinCounters>) -> ModemError {
        self.pin_rejected = true;
        self.last_error = Some("SIM PIN rejected".into());
        match counters {
            Some(c) => self.sim = c.sim_state(),
            // The count read before this try is one too many now: never show a stale
            // "attempts left" that invites one more wrong PIN on the way to the PUK.
            None => {
                if let SimState::PinRequired { attempts_left } = &mut self.sim {
                    *attempts_left = None;
                }
            }
        }
        match self.sim {
            SimState::PukRequired => ModemError::PukRequired,
            SimState::PinRequired { attempts_left } => ModemError::WrongPin { attempts_left },
            _ => ModemError::WrongPin {
                attempts_left: None,
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::modem::parse;

    fn cereg(line: &str) -> Cereg {
        parse::cereg(line).expect("a +CEREG line")
    }

    #[test]
    fn losing_registration_clears_the_radio_and_drops_the_data_call() {
        let mut s = ModemStatus::on_air();
        let before = s.apply_cereg(&cereg("+CEREG: 2"));
        assert_eq!(before, Registration::Home);
        assert_eq!(s.registration, Registration::Searching);
        assert_eq!(
            (s.operator.as_deref(), s.rsrp_dbm, s.tac.as_deref()),
            (None, None, None)
        );
        assert_eq!(s.data, DataBearer::Disconnected);
        assert_eq!(
            s.iccid.as_deref(),
            Some("8981100022152367890"),
            "the SIM stays"
        );
    }

    #[test]
    fn an_unknown_data_call_stays_unknown_when_registration_is_lost() {
        let mut s = ModemStatus::on_air();
        s.data = DataBearer::Unknown;
        s.apply_cereg(&cereg("+CEREG: 2,0"));
        assert_eq!(s.data, DataBearer::Unknown);
    }

    #[test]
    fn registration_updates_the_cell_only_when_reported() {
        let mut s = ModemStatus::on_air();
        s.apply_cereg(&cereg("+CEREG: 5,\"FFFE\",\"00000001\",7"));
        assert_eq!(s.registration, Registration::Roaming);
        assert_eq!(s.tac.as_deref(), Some("FFFE"));
        assert_eq!(s.cell_id.as_deref(), Some("00000001"));
        s.apply_cereg(&cereg("+CEREG: 2,1"));
        assert_eq!(
            s.tac.as_deref(),
            Some("FFFE"),
            "a bare answer keeps the cell"
        );
        assert_eq!(s.access_tech, Some(AccessTech::Lte));
        assert_eq!(s.data, DataBearer::Connected);
    }

    #[test]
    fn closing_forgets_the_network_but_not_the_modem() {
        let mut s = ModemStatus::on_air();
        s.closed("port lost: gone".into());
        assert!(!s.port_open);
        assert_eq!(s.last_error.as_deref(), Some("port lost: gone"));
        assert_eq!(s.registration, Registration::Unknown);
        assert_eq!(s.data, DataBearer::Unknown);
        assert_eq!(
            (s.rssi_dbm, s.sinr_db, s.cell_id.as_deref()),
            (None, None, None)
        );
        assert_eq!(s.imei.as_deref(), Some("866758041234564"));
        assert_eq!(
            s.sim,
            SimState::Ready,
            "the SIM is asked again on reconnect"
        );

        s.connected(PathBuf::from("/dev/ttyUSB3"));
        assert!(s.port_open);
        assert_eq!(s.port, Some(PathBuf::from("/dev/ttyUSB3")));
        assert_eq!(s.last_error, None);
    }

    #[test]
    fn operator_and_lte_figures() {
        let mut s = ModemStatus::on_air();
        s.apply_operator(Some("KDDI".into()), None);
        assert_eq!(s.operator.as_deref(), Some("KDDI"));
        assert_eq!(s.access_tech, Some(AccessTech::Lte), "kept when not named");
        s.apply_operator(None, Some(AccessTech::Utran));
        assert_eq!(
            (s.operator.as_deref(), s.access_tech),
            (None, Some(AccessTech::Utran))
        );

        s.apply_lte(None);
        assert_eq!((s.rsrp_dbm, s.rsrq_db, s.sinr_db), (None, None, None));
        assert_eq!(s.rssi_dbm, Some(-69), "RSSI comes from +CSQ");
        s.apply_lte(Some(LteSignal {
            rssi_dbm: -60,
            rsrp_dbm: -80,
            sinr_db: 20.0,
            rsrq_db: -8,
        }));
        assert_eq!(
            (s.rsrp_dbm, s.rsrq_db, s.sinr_db),
            (Some(-80), Some(-8), Some(20.0))
        );
    }

    #[test]
    fn a_pin_urc_keeps_the_attempts_left() {
        let mut s = ModemStatus::on_air();
        s.sim = SimState::PinRequired {
            attempts_left: Some(2),
        };
        let changed = s.apply_sim_urc(SimState::PinRequired {
            attempts_left: None,
        });
        assert!(changed, "attempts unknown differs from 2: poll again");
        assert_eq!(
            s.sim,
            SimState::PinRequired {
                attempts_left: Some(2)
            }
        );
        assert!(s.apply_sim_urc(SimState::Ready));
        assert_eq!(s.sim, SimState::Ready);
        assert!(!s.apply_sim_urc(SimState::Ready));
    }

    #[test]
    fn a_rejected_pin_reports_the_attempts_left_and_the_puk() {
        let mut s = ModemStatus::on_air();
        s.sim = SimState::PinRequired {
            attempts_left: Some(3),
        };
        let e = s.pin_rejected(Some(PinCounters {
            pin_left: 2,
            puk_left: 10,
        }));
        assert_eq!(
            e,
            ModemError::WrongPin {
                attempts_left: Some(2)
            }
        );
        assert!(s.pin_rejected);
        assert_eq!(s.summary_ja(), "SIMのPINが違います（残り2回）");

        let e = s.pin_rejected(Some(PinCounters {
            pin_left: 0,
            puk_left: 10,
        }));
        assert_eq!(e, ModemError::PukRequired);
        assert_eq!(s.sim, SimState::PukRequired);

        let mut unknown = ModemStatus::on_air();
        unknown.sim = SimState::PinRequired {
            attempts_left: Some(3),
        };
        assert_eq!(
            unknown.pin_rejected(None),
            ModemError::WrongPin {
                attempts_left: None
            },
            "without counters the count read before the wrong try is not shown as current"
        );
        assert_eq!(
            unknown.sim,
            SimState::PinRequired {
                attempts_left: None
            }
        );

        s.pin_accepted();
        assert!(!s.pin_rejected);
        assert_eq!(s.last_error, None);
    }
}
