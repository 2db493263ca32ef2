//! The lifecycle of a device as the back office drives it: `factory` (registered by
//! logistics) → `awaiting_activation` (enrolled, holds a certificate) → `active` (activated
//! for one municipality) → `locked` (no login; its outbox keeps draining).
//!
//! Each transition takes the device as stored and returns the [`DeviceChange`] to persist,
//! or the [`TransitionError`] when its state does not allow it.

use serde_json::json;
use time::OffsetDateTime;
use vrs_protocol::{Lifecycle, MunicipalityCode};

use crate::store::{AuditEvent, Device, NewDevice};

/// A change of lifecycle someone asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Transition {
    /// The tablet obtains a certificate.
    Enroll,
    /// The central office activates the tablet for a municipality.
    Activate,
    /// The helpdesk locks the tablet.
    Lock,
}

/// A transition the device's current state does not allow.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("{transition:?} is not allowed for a device in state {}", from.as_str())]
pub struct TransitionError {
    /// What was asked for.
    pub transition: Transition,
    /// The state the device is in.
    pub from: Lifecycle,
}

/// What a store writes in one transaction: the device as it becomes and the audit event
/// that records the change.
#[derive(Debug, Clone, PartialEq)]
pub struct DeviceChange {
    /// The whole device after the change.
    pub device: Device,
    /// Its audit event.
    pub event: AuditEvent,
}

/// Logistics registers a tablet: it starts in `factory`, with nothing but its IMEI.
pub fn register(new: &NewDevice, actor: &str, at: OffsetDateTime) -> DeviceChange {
    DeviceChange {
        device: Device {
            serial: new.serial.clone(),
            imei: new.imei.clone(),
            state: Lifecycle::Factory,
            municipality: None,
            cert_fingerprint: None,
            registered_at: at,
            enrolled_at: None,
            last_check_in_at: None,
            heartbeat: None,
        },
        event: AuditEvent {
            at,
            actor: actor.to_owned(),
            action: "device.register".into(),
            subject: new.serial.clone(),
            detail: json!({ "imei": new.imei }),
        },
    }
}

/// Whether the device may (re-)enroll: a factory device, or one whose certificate was
/// issued but never used to check in — the enrollment answer may have been lost on a
/// dropped LTE link, and the tablet must be able to try again with a fresh key.
pub fn may_enroll(device: &Device) -> bool {
    match device.state {
        Lifecycle::Factory => true,
        Lifecycle::AwaitingActivation => device.last_check_in_at.is_none(),
        _ => false,
    }
}

/// The tablet received a certificate: it now awaits activation, and only this certificate
/// identifies it (a retried enrollment replaces the unused one).
pub fn enroll(
    device: &Device,
    cert_fingerprint: &str,
    at: OffsetDateTime,
) -> Result<DeviceChange, TransitionError> {
    if !may_enroll(device) {
        return Err(refused(Transition::Enroll, device));
    }
    Ok(DeviceChange {
        device: Device {
            state: Lifecycle::AwaitingActivation,
            cert_fingerprint: Some(cert_fingerprint.to_owned()),
            enrolled_at: Some(at),
            ..device.clone()
        },
        event: AuditEvent {
            at,
            actor: format!("device:{}", device.serial),
            action: "device.enroll".into(),
            subject: device.serial.clone(),
            detail: json!({ "cert_sha256": cert_fingerprint }),
        },
    })
}

/// The central office activates an enrolled tablet for one municipality.
pub fn activate(
    device: &Device,
    municipality: MunicipalityCode,
    actor: &str,
    at: OffsetDateTime,
) -> Result<DeviceChange, TransitionError> {
    if device.state != Lifecycle::AwaitingActivation {
        return Err(refused(Transition::Activate, device));
    }
    Ok(DeviceChange {
        device: Device {
            state: Lifecycle::Active,
            municipality: Some(municipality),
            ..device.clone()
        },
        event: AuditEvent {
            at,
            actor: actor.to_owned(),
            action: "device.activate".into(),
            subject: device.serial.clone(),
            detail: json!({ "municipality": municipality.as_string() }),
        },
    })
}

/// The helpdesk locks an enrolled tablet (activated or not); it keeps its municipality.
pub fn lock(
    device: &Device,
    actor: &str,
    at: OffsetDateTime,
) -> Result<DeviceChange, TransitionError> {
    if !matches!(
        device.state,
        Lifecycle::AwaitingActivation | Lifecycle::Active
    ) {
        return Err(refused(Transition::Lock, device));
    }
    Ok(DeviceChange {
        device: Device {
            state: Lifecycle::Locked,
            ..device.clone()
        },
        event: AuditEvent {
            at,
            actor: actor.to_owned(),
            action: "device.lock".into(),
            subject: device.serial.clone(),
            detail: json!({ "previous_state": device.state.as_str() }),
        },
    })
}

fn refused(transition: Transition, device: &Device) -> TransitionError {
    TransitionError {
        transition,
        from: device.state,
    }
}

/// What a check-in hands back to the tablet, by its state.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CheckInGrant {
    /// The municipality whose venues (and activation) the tablet receives: set for an
    /// `active` or `locked` tablet, which keeps showing where it belongs.
    pub municipality: Option<MunicipalityCode>,
    /// Whether the municipality's staff accounts are sent: only when staff may log in.
    pub accounts: bool,
}

/// The [`CheckInGrant`] of a device as stored.
pub fn check_in_grant(device: &Device) -> CheckInGrant {
    let municipality = device
        .municipality
        .filter(|_| matches!(device.state, Lifecycle::Active | Lifecycle::Locked));
    CheckInGrant {
        municipality,
        accounts: municipality.is_some() && device.state.allows_login(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    const AT: OffsetDateTime = datetime!(2021-06-01 10:00 UTC);

    fn factory() -> Device {
        register(
            &NewDevice {
                serial: "SN-1".into(),
                imei: "490154203237518".into(),
            },
            "logistics",
            AT,
        )
        .device
    }

    fn chiyoda() -> MunicipalityCode {
        "131016".parse().unwrap()
    }

    fn in_state(state: Lifecycle) -> Device {
        Device { state, ..factory() }
    }

    const ALL: [Lifecycle; 5] = [
        Lifecycle::Factory,
        Lifecycle::AwaitingActivation,
        Lifecycle::Active,
        Lifecycle::Locked,
        Lifecycle::Wiped,
    ];

    #[test]
    fn registration_starts_in_factory_and_is_audited() {
        let change = register(
            &NewDevice {
                serial: "SN-1".into(),
                imei: "490154203237518".into(),
            },
            "logistics",
            AT,
        );
        assert_eq!(change.device.state, Lifecycle::Factory);
        assert_eq!(change.device.registered_at, AT);
        assert_eq!(change.device.cert_fingerprint, None);
        assert_eq!(change.event.action, "device.register");
        assert_eq!(change.event.actor, "logistics");
        assert_eq!(change.event.detail["imei"], "490154203237518");
    }

    #[test]
    fn enrollment_is_retried_until_the_first_check_in() {
        let first = enroll(&factory(), "ab12", AT).unwrap();
        assert_eq!(first.device.state, Lifecycle::AwaitingActivation);
        assert_eq!(first.device.cert_fingerprint.as_deref(), Some("ab12"));
        assert_eq!(first.device.enrolled_at, Some(AT));
        assert_eq!(first.event.actor, "device:SN-1");
        assert_eq!(first.event.detail["cert_sha256"], "ab12");

        let retried = enroll(&first.device, "cd34", AT).unwrap();
        assert_eq!(retried.device.cert_fingerprint.as_deref(), Some("cd34"));

        let checked_in = Device {
            last_check_in_at: Some(AT),
            ..retried.device
        };
        assert!(!may_enroll(&checked_in));
        assert_eq!(
            enroll(&checked_in, "ef56", AT).unwrap_err(),
            TransitionError {
                transition: Transition::Enroll,
                from: Lifecycle::AwaitingActivation
            }
        );
        for state in [Lifecycle::Active, Lifecycle::Locked, Lifecycle::Wiped] {
            assert!(!may_enroll(&in_state(state)), "{state:?}");
            assert!(enroll(&in_state(state), "x", AT).is_err(), "{state:?}");
        }
    }

    #[test]
    fn only_an_enrolled_device_is_activated() {
        for state in ALL {
            let result = activate(&in_state(state), chiyoda(), "office", AT);
            if state == Lifecycle::AwaitingActivation {
                let change = result.unwrap();
                assert_eq!(change.device.state, Lifecycle::Active);
                assert_eq!(change.device.municipality, Some(chiyoda()));
                assert_eq!(change.event.action, "device.activate");
                assert_eq!(change.event.detail["municipality"], "131016");
            } else {
                assert_eq!(
                    result.unwrap_err(),
                    TransitionError {
                        transition: Transition::Activate,
                        from: state
                    }
                );
            }
        }
    }

    #[test]
    fn an_enrolled_or_active_device_is_locked_and_keeps_its_municipality() {
        for state in ALL {
            let device = Device {
                municipality: Some(chiyoda()),
                ..in_state(state)
            };
            let result = lock(&device, "helpdesk", AT);
            if matches!(state, Lifecycle::AwaitingActivation | Lifecycle::Active) {
                let change = result.unwrap();
                assert_eq!(change.device.state, Lifecycle::Locked);
                assert_eq!(change.device.municipality, Some(chiyoda()));
                assert_eq!(change.event.detail["previous_state"], state.as_str());
            } else {
                assert_eq!(result.unwrap_err().from, state, "{state:?}");
            }
        }
    }

    #[test]
    fn a_check_in_hands_out_the_municipality_and_accounts_by_state() {
        let grant = |state| {
            check_in_grant(&Device {
                municipality: Some(chiyoda()),
                ..in_state(state)
            })
        };
        assert_eq!(
            grant(Lifecycle::Active),
            CheckInGrant {
                municipality: Some(chiyoda()),
                accounts: true
            }
        );
        assert_eq!(
            grant(Lifecycle::Locked),
            CheckInGrant {
                municipality: Some(chiyoda()),
                accounts: false
            }
        );
        for state in [
            Lifecycle::Factory,
            Lifecycle::AwaitingActivation,
            Lifecycle::Wiped,
        ] {
            assert_eq!(
                grant(state),
                CheckInGrant {
                    municipality: None,
                    accounts: false
                }
            );
        }
        assert_eq!(
            check_in_grant(&in_state(Lifecycle::Active)),
            CheckInGrant {
                municipality: None,
                accounts: false
            },
            "no municipality stored, nothing to hand out"
        );
    }
}
