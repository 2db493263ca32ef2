//! Which record supersedes which.
//!
//! A record is stored once per id: the same id again is a duplicate (a lost
//! acknowledgement) and changes nothing. Records with the same [`BusinessKey`] —
//! municipality, ticket number, dose — are registrations of the same vaccination: the one
//! with the greatest [`Precedence`] is current, every other one is kept in history, marked
//! as superseded by the current one.

use serde_json::json;
use time::OffsetDateTime;
use uuid::Uuid;
use vrs_protocol::wire::{Receipt, ReceiptStatus};
use vrs_protocol::{MunicipalityCode, Record, TicketNumber};

use crate::store::AuditEvent;

/// What makes two records registrations of the same vaccination.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct BusinessKey {
    /// Ticket municipality.
    pub municipality: MunicipalityCode,
    /// Ticket number.
    pub ticket_number: TicketNumber,
    /// Dose.
    pub dose: u8,
}

impl BusinessKey {
    /// The key of a record.
    pub fn of(record: &Record) -> Self {
        Self {
            municipality: record.municipality,
            ticket_number: record.ticket_number,
            dose: record.dose,
        }
    }
}

/// The order of registrations of one key: the later registration (to the microsecond)
/// wins; equal times are ordered by the time-ordered (v7) id.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Precedence {
    /// Registration time in microseconds since the Unix epoch (what stores keep to order
    /// records).
    pub registered_at_us: i64,
    /// The record id.
    pub id: Uuid,
}

impl Precedence {
    /// The precedence of a record.
    pub fn of(record: &Record) -> Self {
        Self {
            registered_at_us: i64::try_from(record.registered_at.unix_timestamp_nanos() / 1000)
                .unwrap_or(i64::MAX),
            id: record.id,
        }
    }
}

/// Where an uploaded record goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Placement {
    /// Its id is stored already: nothing changes.
    Duplicate,
    /// The first record of its key: stored as current.
    First,
    /// Registered after the current record of its key: stored as current, and `previous`
    /// becomes superseded by it.
    Overwrites {
        /// The record it replaces.
        previous: Uuid,
    },
    /// Registered before the current record of its key (a late upload): stored straight
    /// into history, superseded by `current`.
    Late {
        /// The record that stays current.
        current: Uuid,
    },
}

/// Places `record`, given whether its id is stored already and the precedence of the
/// current record of its key, if there is one.
pub fn place(record: &Record, id_stored: bool, current: Option<Precedence>) -> Placement {
    if id_stored {
        return Placement::Duplicate;
    }
    match current {
        None => Placement::First,
        Some(current) if Precedence::of(record) >= current => Placement::Overwrites {
            previous: current.id,
        },
        Some(current) => Placement::Late {
            current: current.id,
        },
    }
}

impl Placement {
    /// What the receipt tells the tablet.
    pub fn receipt_status(self) -> ReceiptStatus {
        match self {
            Self::Duplicate => ReceiptStatus::Duplicate,
            Self::First | Self::Late { .. } => ReceiptStatus::Stored,
            Self::Overwrites { .. } => ReceiptStatus::Overwrote,
        }
    }

    /// The audit event of a placement that touches history (ticket number masked).
    pub fn event(
        self,
        record: &Record,
        device_serial: &str,
        at: OffsetDateTime,
    ) -> Option<AuditEvent> {
        let (action, subject, superseded_by) = match self {
            Self::Duplicate | Self::First => return None,
            Self::Overwrites { previous } => ("record.supersede", previous, record.id),
            Self::Late { current } => ("record.late", record.id, current),
        };
        Some(AuditEvent {
            at,
            actor: device_actor(device_serial),
            action: action.into(),
            subject: subject.to_string(),
            detail: json!({
                "superseded_by": superseded_by.to_string(),
                "municipality": record.municipality.as_string(),
                "ticket": record.ticket_number.masked(),
                "dose": record.dose,
            }),
        })
    }
}

/// The audit event that sums up one stored batch.
pub fn upload_event(device_serial: &str, receipts: &[Receipt], at: OffsetDateTime) -> AuditEvent {
    let count = |status| receipts.iter().filter(|r| r.status == status).count();
    AuditEvent {
        at,
        actor: device_actor(device_serial),
        action: "records.upload".into(),
        subject: device_serial.to_owned(),
        detail: json!({
            "stored": count(ReceiptStatus::Stored),
            "duplicate": count(ReceiptStatus::Duplicate),
            "overwrote": count(ReceiptStatus::Overwrote),
        }),
    }
}

fn device_actor(serial: &str) -> String {
    format!("device:{serial}")
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::{date, datetime};
    use vrs_protocol::Outcome;

    fn record(registered_at: OffsetDateTime) -> Record {
        Record {
            id: Uuid::now_v7(),
            registered_at,
            vaccination_date: date!(2021 - 06 - 01),
            municipality: "131016".parse().unwrap(),
            ticket_number: TicketNumber::parse("0000012345").unwrap(),
            dose: 2,
            ticket_kind: 1,
            venue: "会場".into(),
            doctor: "医師".into(),
            maker: "モデルナ".into(),
            lot: "L1".into(),
            outcome: Outcome::Vaccinated,
            operator: "op".into(),
        }
    }

    #[test]
    fn the_key_is_municipality_ticket_and_dose() {
        let a = record(datetime!(2021-06-01 10:00 UTC));
        let mut b = record(datetime!(2021-06-02 11:00 UTC));
        b.lot = "other".into();
        assert_eq!(BusinessKey::of(&a), BusinessKey::of(&b));
        b.dose = 3;
        assert_ne!(BusinessKey::of(&a), BusinessKey::of(&b));
    }

    #[test]
    fn a_known_id_is_a_duplicate_whatever_else_is_stored() {
        let r = record(datetime!(2021-06-01 10:00 UTC));
        assert_eq!(place(&r, true, None), Placement::Duplicate);
        assert_eq!(
            place(&r, true, Some(Precedence::of(&r))),
            Placement::Duplicate
        );
        assert_eq!(
            Placement::Duplicate.receipt_status(),
            ReceiptStatus::Duplicate
        );
        assert_eq!(Placement::Duplicate.event(&r, "SN", r.registered_at), None);
    }

    #[test]
    fn the_first_of_a_key_is_current() {
        let r = record(datetime!(2021-06-01 10:00 UTC));
        assert_eq!(place(&r, false, None), Placement::First);
        assert_eq!(Placement::First.receipt_status(), ReceiptStatus::Stored);
        assert_eq!(Placement::First.event(&r, "SN", r.registered_at), None);
    }

    #[test]
    fn a_later_registration_overwrites_an_earlier_one_goes_to_history() {
        let current = record(datetime!(2021-06-01 10:00 +09:00));
        let later = record(datetime!(2021-06-01 10:30 +09:00));
        let earlier = record(datetime!(2021-06-01 09:00 +09:00));
        let placed = place(&later, false, Some(Precedence::of(&current)));
        assert_eq!(
            placed,
            Placement::Overwrites {
                previous: current.id
            }
        );
        assert_eq!(placed.receipt_status(), ReceiptStatus::Overwrote);
        let event = placed.event(&later, "SN-4", later.registered_at).unwrap();
        assert_eq!(event.action, "record.supersede");
        assert_eq!(event.actor, "device:SN-4");
        assert_eq!(event.subject, current.id.to_string());
        assert_eq!(event.detail["superseded_by"], later.id.to_string());
        assert_eq!(event.detail["ticket"], "******2345", "ticket number masked");

        let placed = place(&earlier, false, Some(Precedence::of(&current)));
        assert_eq!(
            placed,
            Placement::Late {
                current: current.id
            }
        );
        assert_eq!(placed.receipt_status(), ReceiptStatus::Stored);
        let event = placed
            .event(&earlier, "SN-4", earlier.registered_at)
            .unwrap();
        assert_eq!(event.action, "record.late");
        assert_eq!(event.subject, earlier.id.to_string());
        assert_eq!(event.detail["superseded_by"], current.id.to_string());
    }

    #[test]
    fn equal_times_to_the_microsecond_are_ordered_by_id() {
        let first = record(datetime!(2021-06-01 10:00:00.000001 UTC));
        // Same microsecond, a later v7 id.
        let second = record(datetime!(2021-06-01 10:00:00.000001999 UTC));
        assert!(second.id > first.id);
        assert_eq!(
            Precedence::of(&first).registered_at_us,
            Precedence::of(&second).registered_at_us
        );
        assert_eq!(
            place(&second, false, Some(Precedence::of(&first))),
            Placement::Overwrites { previous: first.id }
        );
        assert_eq!(
            place(&first, false, Some(Precedence::of(&second))),
            Placement::Late { current: second.id }
        );
    }

    #[test]
    fn the_upload_event_counts_receipts() {
        let receipt = |status| Receipt {
            id: Uuid::now_v7(),
            status,
        };
        let event = upload_event(
            "SN-4",
            &[
                receipt(ReceiptStatus::Stored),
                receipt(ReceiptStatus::Duplicate),
                receipt(ReceiptStatus::Stored),
            ],
            datetime!(2021-06-01 10:00 UTC),
        );
        assert_eq!(event.action, "records.upload");
        assert_eq!(event.subject, "SN-4");
        assert_eq!(
            event.detail,
            json!({ "stored": 2, "duplicate": 1, "overwrote": 0 })
        );
    }
}
