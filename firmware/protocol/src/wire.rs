//! Request and response bodies of the device API: JSON over HTTPS, versioned under `/v1`.
//!
//! | method and path | auth | body → answer |
//! |---|---|---|
//! | `POST /v1/enroll` | server TLS only; the serial must be pre-registered | [`EnrollRequest`] → [`EnrollResponse`] |
//! | `POST /v1/check-in` | client certificate | [`CheckInRequest`] → [`CheckInResponse`] |
//! | `POST /v1/records` | client certificate, device `active` or `locked` | [`RecordBatch`] → [`RecordReceipts`] |
//!
//! Every refusal is an HTTP error status with an [`ApiError`] body.

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use uuid::Uuid;

use crate::lifecycle::Lifecycle;
use crate::municipality::MunicipalityCode;
use crate::ticket::TicketRules;

/// Path of the enrollment endpoint.
pub const ENROLL_PATH: &str = "/v1/enroll";
/// Path of the check-in endpoint.
pub const CHECK_IN_PATH: &str = "/v1/check-in";
/// Path of the record upload endpoint.
pub const RECORDS_PATH: &str = "/v1/records";
/// Most records in one upload batch.
pub const MAX_BATCH: usize = 200;

/// A tablet asks for its client certificate.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EnrollRequest {
    /// Hardware serial printed on the back of the tablet.
    pub serial: String,
    /// IMEI of the LTE modem (15 digits).
    pub imei: String,
    /// PKCS#10 certificate signing request, PEM.
    pub csr_pem: String,
}

/// The back office answers with a certificate signed by its own CA.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EnrollResponse {
    /// The tablet's client certificate, PEM.
    pub certificate_pem: String,
    /// The back office CA certificate, PEM: the only root the tablet trusts afterwards.
    pub ca_pem: String,
}

/// Health of the LTE link, reported at every check-in.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ModemHeartbeat {
    /// Operator name as the network reports it.
    pub operator: Option<String>,
    /// Registered on the network (home or roaming).
    pub registered: bool,
    /// Received signal, dBm (RSRP on LTE).
    pub signal_dbm: Option<i16>,
    /// SIM ICCID.
    pub iccid: Option<String>,
}

/// What the tablet tells the back office on each check-in.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CheckInRequest {
    /// Firmware version string.
    pub firmware_version: String,
    /// Records not yet acknowledged by the back office.
    pub outbox_depth: u32,
    /// Age in seconds of the oldest unacknowledged record.
    pub oldest_unsent_age_s: Option<u64>,
    /// LTE status, when a modem is attached.
    pub modem: Option<ModemHeartbeat>,
}

/// A venue of the municipality the tablet is activated for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Venue {
    /// Stable identifier.
    pub id: String,
    /// Venue name, ≤ 30 characters.
    pub name: String,
}

/// A staff account the tablet may log in offline, verified against an Argon2id hash.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccountVerifier {
    /// Login ID.
    pub login_id: String,
    /// Argon2id hash in PHC string format.
    pub password_phc: String,
    /// When set, the account may register only at this venue (a medical institution).
    pub venue_id: Option<String>,
}

/// Reading and upload settings pushed to the tablet.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeviceConfig {
    /// Which 券種 are accepted.
    pub ticket_rules: TicketRules,
    /// Consecutive agreeing frames needed before an OCR-only read is accepted.
    pub ocr_consensus_frames: u8,
    /// Seconds between check-ins.
    pub check_in_interval_s: u32,
}

impl Default for DeviceConfig {
    fn default() -> Self {
        Self {
            ticket_rules: TicketRules::default(),
            ocr_consensus_frames: 3,
            check_in_interval_s: 60,
        }
    }
}

/// The municipality a tablet is activated for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Activation {
    /// Its code.
    pub municipality: MunicipalityCode,
    /// Its name, as the master list has it.
    pub municipality_name: String,
}

/// What the back office tells the tablet on each check-in.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CheckInResponse {
    /// The tablet's lifecycle state.
    pub lifecycle: Lifecycle,
    /// Present when `active` (and kept when `locked`).
    pub activation: Option<Activation>,
    /// Venues the tablet may preset.
    pub venues: Vec<Venue>,
    /// Vaccine makers the tablet may preset.
    pub vaccine_makers: Vec<String>,
    /// Staff accounts valid on this tablet.
    pub accounts: Vec<AccountVerifier>,
    /// Back office clock, to correct the tablet's.
    #[serde(with = "time::serde::rfc3339")]
    pub server_time: OffsetDateTime,
    /// Settings.
    pub config: DeviceConfig,
}

/// A batch of records to store.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RecordBatch {
    /// At most [`MAX_BATCH`] records.
    pub records: Vec<crate::record::Record>,
}

/// What became of one uploaded record.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReceiptStatus {
    /// Stored; no earlier record had the same business key.
    Stored,
    /// This record id was stored before: nothing changed.
    Duplicate,
    /// Stored; an earlier record with the same (municipality, ticket, dose) was superseded
    /// and kept in history, flagged.
    Overwrote,
}

/// One receipt per uploaded record, in the order of the batch.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Receipt {
    /// The record's id.
    pub id: Uuid,
    /// What happened to it.
    pub status: ReceiptStatus,
}

/// The answer to a [`RecordBatch`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RecordReceipts {
    /// One per record, same order.
    pub receipts: Vec<Receipt>,
}

/// The body of every refusal.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApiError {
    /// Stable machine-readable code, e.g. `unknown_device`.
    pub code: String,
    /// What happened and what to do, in Japanese.
    pub message: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn check_in_response_uses_snake_case_lifecycle() {
        let response = CheckInResponse {
            lifecycle: Lifecycle::AwaitingActivation,
            activation: None,
            venues: vec![],
            vaccine_makers: vec![],
            accounts: vec![],
            server_time: OffsetDateTime::UNIX_EPOCH,
            config: DeviceConfig::default(),
        };
        let json = serde_json::to_string(&response).unwrap();
        assert!(
            json.contains("\"lifecycle\":\"awaiting_activation\""),
            "{json}"
        );
        assert!(json.contains("\"allowed_kinds\":[1,2]"), "{json}");
        assert_eq!(
            serde_json::from_str::<CheckInResponse>(&json).unwrap(),
            response
        );
    }
}
