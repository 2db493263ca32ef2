//! Request and response bodies of the device API: JSON over HTTPS, versioned under `/v1`.
//!
//! | method and path | auth | body → answer |
//! |---|---|---|
//! | `POST /v1/enroll` | server TLS only; the serial must be pre-registered | [`EnrollRequest`] → [`EnrollResponse`] |
//! | `POST /v1/check-in` | client certificate | [`CheckInRequest`] → [`CheckInResponse`] |
//! | `POST /v1/records` | client certificate, device `active` or `locked` | [`RecordBatch`] → [`RecordReceipts`] |
//!
//! Every refusal is an HTTP error status with an [`ApiError`] body.

use std::fmt;

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

/// Why the back office refused a request: the `code` of an [`ApiError`].
///
/// On the wire each code is a stable snake_case string (`"not_active"`, ...), so a tablet
/// can act on the reason without reading the Japanese message. A code this build does not
/// know (sent by a newer back office) reads as [`ErrorCode::Unknown`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    /// Enrollment by a serial number logistics never registered.
    UnknownDevice,
    /// Enrollment whose IMEI differs from the registered one.
    ImeiMismatch,
    /// Enrollment of a device that already holds a certificate.
    AlreadyEnrolled,
    /// A certificate signing request that cannot be parsed or verified.
    BadCsr,
    /// An endpoint that needs a client certificate was called without one.
    ClientCertificateRequired,
    /// A valid certificate of the back office CA that no device holds (any more).
    UnknownCertificate,
    /// Records from a device that is neither `active` nor `locked`.
    NotActive,
    /// A batch of more than [`MAX_BATCH`] records.
    BatchTooLarge,
    /// A record whose fields break the record format or whose 券種 is not accepted.
    InvalidRecord,
    /// A record whose municipality is not in the master list.
    UnknownMunicipality,
    /// No such endpoint.
    NotFound,
    /// Wrong method for an endpoint.
    MethodNotAllowed,
    /// Something broke on the back office's side.
    InternalError,
    /// A body that is not JSON.
    MalformedJson,
    /// JSON whose fields do not match the endpoint's body.
    InvalidJson,
    /// A body sent without `Content-Type: application/json`.
    JsonContentTypeRequired,
    /// A body larger than the back office accepts.
    BodyTooLarge,
    /// A body that could not be received.
    BodyUnreadable,
    /// A code this build does not know, from a newer back office. Never sent by this
    /// build's back office; it serializes as `"unknown"`.
    #[serde(other)]
    Unknown,
}

impl ErrorCode {
    /// The wire string, e.g. `"not_active"`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::UnknownDevice => "unknown_device",
            Self::ImeiMismatch => "imei_mismatch",
            Self::AlreadyEnrolled => "already_enrolled",
            Self::BadCsr => "bad_csr",
            Self::ClientCertificateRequired => "client_certificate_required",
            Self::UnknownCertificate => "unknown_certificate",
            Self::NotActive => "not_active",
            Self::BatchTooLarge => "batch_too_large",
            Self::InvalidRecord => "invalid_record",
            Self::UnknownMunicipality => "unknown_municipality",
            Self::NotFound => "not_found",
            Self::MethodNotAllowed => "method_not_allowed",
            Self::InternalError => "internal_error",
            Self::MalformedJson => "malformed_json",
            Self::InvalidJson => "invalid_json",
            Self::JsonContentTypeRequired => "json_content_type_required",
            Self::BodyTooLarge => "body_too_large",
            Self::BodyUnreadable => "body_unreadable",
            Self::Unknown => "unknown",
        }
    }
}

impl fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Compares with a wire string, as tests and logs have it.
impl PartialEq<&str> for ErrorCode {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == *other
    }
}

/// The body of every refusal.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApiError {
    /// Why, for the tablet to act on.
    pub code: ErrorCode,
    /// What happened and what to do, in Japanese, for a person.
    pub message: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every code and its wire string: these strings are a contract with deployed
    /// tablets and must never change.
    const WIRE: [(ErrorCode, &str); 18] = [
        (ErrorCode::UnknownDevice, "unknown_device"),
        (ErrorCode::ImeiMismatch, "imei_mismatch"),
        (ErrorCode::AlreadyEnrolled, "already_enrolled"),
        (ErrorCode::BadCsr, "bad_csr"),
        (
            ErrorCode::ClientCertificateRequired,
            "client_certificate_required",
        ),
        (ErrorCode::UnknownCertificate, "unknown_certificate"),
        (ErrorCode::NotActive, "not_active"),
        (ErrorCode::BatchTooLarge, "batch_too_large"),
        (ErrorCode::InvalidRecord, "invalid_record"),
        (ErrorCode::UnknownMunicipality, "unknown_municipality"),
        (ErrorCode::NotFound, "not_found"),
        (ErrorCode::MethodNotAllowed, "method_not_allowed"),
        (ErrorCode::InternalError, "internal_error"),
        (ErrorCode::MalformedJson, "malformed_json"),
        (ErrorCode::InvalidJson, "invalid_json"),
        (
            ErrorCode::JsonContentTypeRequired,
            "json_content_type_required",
        ),
        (ErrorCode::BodyTooLarge, "body_too_large"),
        (ErrorCode::BodyUnreadable, "body_unreadable"),
    ];

    #[test]
    fn error_codes_have_stable_wire_strings() {
        for (code, wire) in WIRE {
            let json = format!("\"{wire}\"");
            assert_eq!(serde_json::to_string(&code).unwrap(), json);
            assert_eq!(serde_json::from_str::<ErrorCode>(&json).unwrap(), code);
            assert_eq!(code.as_str(), wire);
            assert_eq!(code.to_string(), wire);
            assert!(code == wire);
        }
    }

    #[test]
    fn codes_of_a_newer_server_read_as_unknown() {
        let body: ApiError =
            serde_json::from_str(r#"{"code":"rate_limited","message":"後で送信してください"}"#)
                .unwrap();
        assert_eq!(body.code, ErrorCode::Unknown);
        assert_eq!(body.message, "後で送信してください");
        assert!(WIRE.iter().all(|(code, _)| *code != ErrorCode::Unknown));
        assert!(ErrorCode::Unknown != "rate_limited");
    }

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
