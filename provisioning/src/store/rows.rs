//! The rows both stores keep, and their conversion to and from the [`super`] types.
//!
//! SQLite and PostgreSQL store the same columns in the same representation (timestamps as
//! RFC 3339 text, dates as `YYYY-MM-DD`, integers as 64-bit), so each adapter only reads its
//! driver's row into these structs and every conversion — and every `Corrupt` error — is
//! written once, here.

use time::format_description::well_known::Rfc3339;
use time::macros::format_description;
use time::{Date, OffsetDateTime};
use uuid::Uuid;
use vrs_protocol::wire::CheckInRequest;
use vrs_protocol::{Lifecycle, MunicipalityCode, Outcome, Record, TicketNumber};

use super::{AuditEvent, Device, StoreError, StoredRecord, VenueDayCount};

const DATE_FORMAT: &[time::format_description::FormatItem<'static>] =
    format_description!("[year]-[month]-[day]");

pub(super) const DEVICE_COLUMNS: &str = "serial, imei, state, municipality, cert_fingerprint, \
    registered_at, enrolled_at, last_check_in_at, firmware_version, outbox_depth, \
    oldest_unsent_age_s, modem_json";

pub(super) const RECORD_COLUMNS: &str = "id, registered_at, vaccination_date, municipality, \
    ticket_number, dose, ticket_kind, venue, doctor, maker, lot, outcome, operator, \
    received_at, device_serial, superseded_by";

pub(super) fn ts(at: OffsetDateTime) -> String {
    at.format(&Rfc3339)
        .unwrap_or_else(|_| at.unix_timestamp().to_string())
}

pub(super) fn parse_ts(text: &str, what: &str) -> Result<OffsetDateTime, StoreError> {
    OffsetDateTime::parse(text, &Rfc3339).map_err(|e| StoreError::Corrupt {
        what: format!("{what}「{text}」: {e}"),
    })
}

fn parse_opt_ts(text: Option<String>, what: &str) -> Result<Option<OffsetDateTime>, StoreError> {
    text.map(|t| parse_ts(&t, what)).transpose()
}

pub(super) fn date_text(date: Date) -> String {
    date.format(DATE_FORMAT)
        .unwrap_or_else(|_| date.to_string())
}

pub(super) fn parse_date(text: &str) -> Result<Date, StoreError> {
    Date::parse(text, DATE_FORMAT).map_err(|e| StoreError::Corrupt {
        what: format!("日付「{text}」: {e}"),
    })
}

pub(super) fn parse_code(text: &str) -> Result<MunicipalityCode, StoreError> {
    MunicipalityCode::parse(text).map_err(|e| StoreError::Corrupt {
        what: format!("市町村コード: {e}"),
    })
}

/// The raw columns of a device row, as both stores keep them (timestamps as RFC 3339 text,
/// integers as 64-bit), read by each adapter and converted here.
pub(super) struct DeviceRow {
    pub(super) serial: String,
    pub(super) imei: String,
    pub(super) state: String,
    pub(super) municipality: Option<String>,
    pub(super) cert_fingerprint: Option<String>,
    pub(super) registered_at: String,
    pub(super) enrolled_at: Option<String>,
    pub(super) last_check_in_at: Option<String>,
    pub(super) firmware_version: Option<String>,
    pub(super) outbox_depth: Option<i64>,
    pub(super) oldest_unsent_age_s: Option<i64>,
    pub(super) modem_json: Option<String>,
}

impl DeviceRow {
    /// The device these columns describe.
    pub(super) fn into_device(self) -> Result<Device, StoreError> {
        let state = Lifecycle::from_name(&self.state).ok_or_else(|| StoreError::Corrupt {
            what: format!("端末 {} の状態「{}」", self.serial, self.state),
        })?;
        let heartbeat = match self.firmware_version {
            Some(firmware_version) => Some(CheckInRequest {
                firmware_version,
                outbox_depth: self
                    .outbox_depth
                    .and_then(|d| u32::try_from(d).ok())
                    .unwrap_or(0),
                oldest_unsent_age_s: self.oldest_unsent_age_s.and_then(|a| u64::try_from(a).ok()),
                modem: self
                    .modem_json
                    .as_deref()
                    .map(serde_json::from_str)
                    .transpose()
                    .map_err(|e| StoreError::Corrupt {
                        what: format!("端末 {} のモデム情報: {e}", self.serial),
                    })?,
            }),
            None => None,
        };
        Ok(Device {
            municipality: self.municipality.as_deref().map(parse_code).transpose()?,
            registered_at: parse_ts(&self.registered_at, "登録日時")?,
            enrolled_at: parse_opt_ts(self.enrolled_at, "登録日時")?,
            last_check_in_at: parse_opt_ts(self.last_check_in_at, "チェックイン日時")?,
            serial: self.serial,
            imei: self.imei,
            state,
            cert_fingerprint: self.cert_fingerprint,
            heartbeat,
        })
    }
}

/// The raw columns of a record row (see [`DeviceRow`]).
pub(super) struct RecordRow {
    pub(super) id: String,
    pub(super) registered_at: String,
    pub(super) vaccination_date: String,
    pub(super) municipality: String,
    pub(super) ticket_number: String,
    pub(super) dose: i64,
    pub(super) ticket_kind: i64,
    pub(super) venue: String,
    pub(super) doctor: String,
    pub(super) maker: String,
    pub(super) lot: String,
    pub(super) outcome: String,
    pub(super) operator: String,
    pub(super) received_at: String,
    pub(super) device_serial: String,
    pub(super) superseded_by: Option<String>,
}

impl RecordRow {
    /// The stored record these columns describe.
    pub(super) fn into_stored(self) -> Result<StoredRecord, StoreError> {
        let corrupt = |what: String| StoreError::Corrupt { what };
        let record = Record {
            id: parse_uuid(&self.id)?,
            registered_at: parse_ts(&self.registered_at, "登録日時")?,
            vaccination_date: parse_date(&self.vaccination_date)?,
            municipality: parse_code(&self.municipality)?,
            ticket_number: TicketNumber::parse(&self.ticket_number)
                .map_err(|e| corrupt(format!("記録 {} の券番号: {e}", self.id)))?,
            dose: u8::try_from(self.dose)
                .map_err(|_| corrupt(format!("記録 {} の接種回数", self.id)))?,
            ticket_kind: u8::try_from(self.ticket_kind)
                .map_err(|_| corrupt(format!("記録 {} の券種", self.id)))?,
            venue: self.venue,
            doctor: self.doctor,
            maker: self.maker,
            lot: self.lot,
            outcome: Outcome::from_name(&self.outcome)
                .ok_or_else(|| corrupt(format!("記録 {} の結果「{}」", self.id, self.outcome)))?,
            operator: self.operator,
        };
        Ok(StoredRecord {
            record,
            received_at: parse_ts(&self.received_at, "受信日時")?,
            device_serial: self.device_serial,
            superseded_by: self.superseded_by.as_deref().map(parse_uuid).transpose()?,
        })
    }
}

pub(super) fn parse_uuid(text: &str) -> Result<Uuid, StoreError> {
    Uuid::parse_str(text).map_err(|e| StoreError::Corrupt {
        what: format!("記録ID「{text}」: {e}"),
    })
}

/// An audit event from its stored columns.
pub(super) fn audit_event(
    at: &str,
    actor: String,
    action: String,
    subject: String,
    detail: &str,
) -> Result<AuditEvent, StoreError> {
    Ok(AuditEvent {
        at: parse_ts(at, "監査記録の日時")?,
        actor,
        action,
        subject,
        detail: serde_json::from_str(detail).map_err(|e| StoreError::Corrupt {
            what: format!("監査記録の詳細: {e}"),
        })?,
    })
}

/// One row of the daily counts from its stored columns.
pub(super) fn venue_day_count(
    date: &str,
    municipality: &str,
    venue: String,
    vaccinated: i64,
    screening_only: i64,
) -> Result<VenueDayCount, StoreError> {
    Ok(VenueDayCount {
        date: parse_date(date)?,
        municipality: parse_code(municipality)?,
        venue,
        vaccinated: u64::try_from(vaccinated).unwrap_or(0),
        screening_only: u64::try_from(screening_only).unwrap_or(0),
    })
}
