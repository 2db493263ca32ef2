//! Unsolicited result codes → status changes.

use super::Driver;
use crate::modem::parse;
use crate::modem::status::ModemStatus;
use crate::modem::vendor::VendorHooks;

/// What a URC asks of the thread besides the status change.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(super) struct UrcEffect {
    /// Something changed that the next poll should look at now rather than later.
    pub(super) poll_now: bool,
    /// The modem rebooted by itself: run the init sequence again.
    pub(super) reinit: bool,
}

/// Applies one URC to `status`: `+CEREG` and `+CPIN` (3GPP), the vendor's restart
/// announcement; anything else changes nothing.
pub(super) fn apply_urc(
    status: &mut ModemStatus,
    urc: &str,
    vendor: &dyn VendorHooks,
) -> UrcEffect {
    if let Some(c) = parse::cereg(urc) {
        let before = status.apply_cereg(&c);
        UrcEffect {
            poll_now: before != status.registration,
            reinit: false,
        }
    } else if let Some(sim) = parse::cpin(urc) {
        UrcEffect {
            poll_now: status.apply_sim_urc(sim),
            reinit: false,
        }
    } else if vendor.is_restart_urc(urc) {
        log::warn!("modem: the modem restarted; initialising again");
        UrcEffect {
            poll_now: true,
            reinit: true,
        }
    } else {
        log::debug!("modem: ignoring URC {urc}");
        UrcEffect::default()
    }
}

impl Driver<'_> {
    /// Applies the URCs the engine collected.
    pub(super) fn apply_urcs(&mut self) {
        let urcs = match self.engine.as_mut() {
            Some(e) => e.take_urcs(),
            None => return,
        };
        for urc in urcs {
            let effect = apply_urc(&mut self.status, &urc, self.vendor);
            self.poll_now |= effect.poll_now;
            self.needs_init |= effect.reinit;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::modem::quectel::QUECTEL;
    use crate::modem::status::{DataBearer, Registration, SimState};

    #[test]
    fn a_registration_change_asks_for_a_poll() {
        let mut s = ModemStatus::on_air();
        let e = apply_urc(&mut s, "+CEREG: 2", &QUECTEL);
        assert_eq!(
            e,
            UrcEffect {
                poll_now: true,
                reinit: false
            }
        );
        assert_eq!(s.registration, Registration::Searching);
        assert_eq!(s.data, DataBearer::Disconnected);
        assert_eq!(s.operator, None);

        let e = apply_urc(&mut s, "+CEREG: 2,\"1A2B\",\"01A2B3C4\",7", &QUECTEL);
        assert_eq!(e, UrcEffect::default(), "still searching: nothing new");
    }

    #[test]
    fn a_sim_urc_sets_the_sim_state() {
        let mut s = ModemStatus::on_air();
        let e = apply_urc(&mut s, "+CPIN: NOT READY", &QUECTEL);
        assert!(e.poll_now);
        assert_eq!(s.sim, SimState::Missing);
        assert_eq!(
            apply_urc(&mut s, "+CPIN: NOT READY", &QUECTEL),
            UrcEffect::default()
        );
    }

    #[test]
    fn the_vendor_restart_urc_asks_for_init_and_others_change_nothing() {
        let mut s = ModemStatus::on_air();
        let e = apply_urc(&mut s, "RDY", &QUECTEL);
        assert_eq!(
            e,
            UrcEffect {
                poll_now: true,
                reinit: true
            }
        );
        let before = s.clone();
        assert_eq!(
            apply_urc(&mut s, "+QIND: \"csq\",20,99", &QUECTEL),
            UrcEffect::default()
        );
        assert_eq!(s, before);
    }
}
