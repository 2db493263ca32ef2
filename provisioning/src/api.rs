//! The device API (`/v1`): router and handlers.
//!
//! Storage calls are synchronous ([`Repository`]) and run on the blocking pool.

use std::sync::Arc;

use axum::extract::{DefaultBodyLimit, FromRequestParts, State};
use axum::http::request::Parts;
use axum::routing::post;
use axum::{Json, Router};
use time::OffsetDateTime;
use vrs_protocol::MasterList;
use vrs_protocol::wire::{
    self, Activation, CheckInRequest, CheckInResponse, DeviceConfig, EnrollRequest, EnrollResponse,
    ReceiptStatus, RecordBatch, RecordReceipts,
};

use crate::ca::{CaError, CertificateAuthority};
use crate::domain::lifecycle;
use crate::refusal::{ApiJson, Refusal};
use crate::store::{Device, Repository, StoreError};
use crate::tls::ClientCertificate;

/// Largest request body accepted.
pub const BODY_LIMIT: usize = 1024 * 1024;

/// What every handler shares.
#[derive(Clone)]
pub struct AppState {
    /// Storage.
    pub repo: Arc<dyn Repository>,
    /// The CA that signs device certificates.
    pub ca: Arc<CertificateAuthority>,
    /// Municipalities that may issue tickets.
    pub master: &'static MasterList,
}

/// The device API router.
pub fn router(state: AppState) -> Router {
    Router::new()
        .route(wire::ENROLL_PATH, post(enroll))
        .route(wire::CHECK_IN_PATH, post(check_in))
        .route(wire::RECORDS_PATH, post(records))
        .fallback(|| async { Refusal::not_found() })
        .method_not_allowed_fallback(|| async { Refusal::method_not_allowed() })
        .layer(DefaultBodyLimit::max(BODY_LIMIT))
        .with_state(state)
}

/// Runs a storage call on the blocking pool; failures become a logged 500.
async fn blocking<T: Send + 'static>(
    repo: &Arc<dyn Repository>,
    f: impl FnOnce(&dyn Repository) -> Result<T, StoreError> + Send + 'static,
) -> Result<Result<T, StoreError>, Refusal> {
    let repo = repo.clone();
    tokio::task::spawn_blocking(move || f(repo.as_ref()))
        .await
        .map_err(|e| {
            log::error!("storage task failed: {e}");
            Refusal::internal()
        })
}

fn internal(context: &str, e: impl std::fmt::Display) -> Refusal {
    log::error!("{context}: {e}");
    Refusal::internal()
}

/// The verified client certificate of the request; 401 when there is none.
pub struct DeviceCertificate(pub ClientCertificate);

impl<S: Send + Sync> FromRequestParts<S> for DeviceCertificate {
    type Rejection = Refusal;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        parts
            .extensions
            .get::<ClientCertificate>()
            .cloned()
            .map(Self)
            .ok_or_else(Refusal::certificate_required)
    }
}

/// The device that owns the presented certificate.
async fn device_of(state: &AppState, cert: &ClientCertificate) -> Result<Device, Refusal> {
    let fingerprint = cert.fingerprint.clone();
    blocking(&state.repo, move |repo| {
        repo.device_by_fingerprint(&fingerprint)
    })
    .await?
    .map_err(|e| internal("device lookup", e))?
    .ok_or_else(|| {
        log::warn!(
            "certificate {} of our CA matches no device",
            cert.fingerprint
        );
        Refusal::unknown_certificate()
    })
}

async fn enroll(
    State(state): State<AppState>,
    ApiJson(request): ApiJson<EnrollRequest>,
) -> Result<Json<EnrollResponse>, Refusal> {
    let serial = request.serial.clone();
    let device = blocking(&state.repo, move |repo| repo.device(&serial))
        .await?
        .map_err(|e| internal("device lookup", e))?;
    let Some(device) = device else {
        log::warn!("enrollment refused: unknown serial {:?}", request.serial);
        return Err(Refusal::unknown_device(&request.serial));
    };
    if device.imei != request.imei {
        log::warn!("enrollment refused: IMEI mismatch for {}", device.serial);
        return Err(Refusal::imei_mismatch(&device.serial));
    }
    if !lifecycle::may_enroll(&device) {
        log::warn!(
            "enrollment refused: {} is already {}",
            device.serial,
            device.state.as_str()
        );
        return Err(Refusal::already_enrolled(&device.serial, device.state));
    }
    let issued = match state.ca.sign_device_csr(&request.csr_pem, &device.serial) {
        Ok(issued) => issued,
        Err(CaError::BadCsr(reason)) => {
            log::warn!(
                "enrollment refused: bad CSR from {}: {reason}",
                device.serial
            );
            return Err(Refusal::bad_csr(&reason));
        }
        Err(e) => return Err(internal("signing a device certificate", e)),
    };
    let serial = device.serial.clone();
    let fingerprint = issued.fingerprint.clone();
    let now = OffsetDateTime::now_utc();
    match blocking(&state.repo, move |repo| {
        repo.record_enrollment(&serial, &fingerprint, now)
    })
    .await?
    {
        Ok(_) => {}
        Err(StoreError::WrongState { state: current, .. }) => {
            return Err(Refusal::already_enrolled(&device.serial, current));
        }
        Err(e) => return Err(internal("recording an enrollment", e)),
    }
    log::info!(
        "enrolled {} (certificate sha256 {})",
        device.serial,
        issued.fingerprint
    );
    Ok(Json(EnrollResponse {
        certificate_pem: issued.pem,
        ca_pem: state.ca.ca_pem().to_owned(),
    }))
}

async fn check_in(
    State(state): State<AppState>,
    DeviceCertificate(cert): DeviceCertificate,
    ApiJson(heartbeat): ApiJson<CheckInRequest>,
) -> Result<Json<CheckInResponse>, Refusal> {
    let device = device_of(&state, &cert).await?;
    let now = OffsetDateTime::now_utc();
    let master = state.master;
    let serial = device.serial.clone();
    let grant = lifecycle::check_in_grant(&device);
    let municipality = grant.municipality;
    let (venues, makers, accounts) = blocking(&state.repo, move |repo| {
        repo.record_check_in(&serial, &heartbeat, now)?;
        let venues = match municipality {
            Some(code) => repo.venues(code)?,
            None => Vec::new(),
        };
        let accounts = match municipality {
            Some(code) if grant.accounts => repo.accounts(code)?,
            _ => Vec::new(),
        };
        Ok((venues, repo.vaccine_makers()?, accounts))
    })
    .await?
    .map_err(|e| internal("check-in", e))?;
    let activation = match municipality {
        Some(code) => Some(Activation {
            municipality: code,
            municipality_name: master
                .get(code)
                .map(|m| m.display_name())
                .ok_or_else(|| internal("check-in", format!("{code} not in the master list")))?,
        }),
        None => None,
    };
    log::debug!(
        "check-in from {} ({})",
        device.serial,
        device.state.as_str()
    );
    Ok(Json(CheckInResponse {
        lifecycle: device.state,
        activation,
        venues,
        vaccine_makers: makers,
        accounts,
        server_time: now,
        config: DeviceConfig::default(),
    }))
}

async fn records(
    State(state): State<AppState>,
    DeviceCertificate(cert): DeviceCertificate,
    ApiJson(batch): ApiJson<RecordBatch>,
) -> Result<Json<RecordReceipts>, Refusal> {
    let device = device_of(&state, &cert).await?;
    if !device.state.uploads() {
        log::warn!(
            "records refused: {} is {}",
            device.serial,
            device.state.as_str()
        );
        return Err(Refusal::not_active(&device.serial, device.state));
    }
    if batch.records.len() > wire::MAX_BATCH {
        return Err(Refusal::batch_too_large(
            batch.records.len(),
            wire::MAX_BATCH,
        ));
    }
    let rules = DeviceConfig::default().ticket_rules;
    for (index, record) in batch.records.iter().enumerate() {
        if let Err(e) = record.validate() {
            log::warn!(
                "records refused from {}: record {} ({}) invalid: {e}",
                device.serial,
                record.id,
                record.ticket_number.masked()
            );
            return Err(Refusal::invalid_record(index, record.id, &e));
        }
        if !rules.allowed_kinds.contains(&record.ticket_kind) {
            return Err(Refusal::invalid_ticket_kind(
                index,
                record.id,
                record.ticket_kind,
            ));
        }
        if state.master.get(record.municipality).is_none() {
            return Err(Refusal::unknown_municipality(
                index,
                record.id,
                &record.municipality.as_string(),
            ));
        }
    }
    let serial = device.serial.clone();
    let now = OffsetDateTime::now_utc();
    let records = batch.records;
    let (receipts, records) = blocking(&state.repo, move |repo| {
        repo.store_records(&serial, &records, now)
            .map(|receipts| (receipts, records))
    })
    .await?
    .map_err(|e| internal("storing records", e))?;
    for (record, receipt) in records.iter().zip(&receipts) {
        log::debug!(
            "record {} {} ticket {} dose {} from {}: {:?}",
            record.id,
            record.municipality,
            record.ticket_number.masked(),
            record.dose,
            device.serial,
            receipt.status
        );
    }
    let count = |s: ReceiptStatus| receipts.iter().filter(|r| r.status == s).count();
    log::info!(
        "{} uploaded {} records: {} stored, {} duplicate, {} overwrote",
        device.serial,
        receipts.len(),
        count(ReceiptStatus::Stored),
        count(ReceiptStatus::Duplicate),
        count(ReceiptStatus::Overwrote)
    );
    Ok(Json(RecordReceipts { receipts }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::body::Body;
    use axum::http::{Request, StatusCode};
    use tower::ServiceExt;

    fn app(dir: &tempfile::TempDir) -> Router {
        let repo =
            crate::store::open(&format!("sqlite:{}", dir.path().join("b.db").display())).unwrap();
        let ca = CertificateAuthority::load_or_create(&dir.path().join("state")).unwrap();
        router(AppState {
            repo,
            ca: Arc::new(ca),
            master: MasterList::embedded(),
        })
    }

    async fn call(app: Router, request: Request<Body>) -> (StatusCode, wire::ApiError) {
        let response = app.oneshot(request).await.unwrap();
        let status = response.status();
        let bytes = axum::body::to_bytes(response.into_body(), usize::MAX)
            .await
            .unwrap();
        (status, serde_json::from_slice(&bytes).unwrap())
    }

    #[tokio::test]
    async fn oversized_bodies_get_413_with_an_api_error() {
        let dir = tempfile::tempdir().unwrap();
        let body = format!(
            "{{\"serial\":\"SN\",\"imei\":\"1\",\"csr_pem\":\"{}\"}}",
            "x".repeat(BODY_LIMIT + 1)
        );
        let request = Request::post(wire::ENROLL_PATH)
            .header("content-type", "application/json")
            .body(Body::from(body))
            .unwrap();
        let (status, error) = call(app(&dir), request).await;
        assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE);
        assert_eq!(error.code, "body_too_large");
    }

    #[tokio::test]
    async fn wrong_content_type_and_method_get_api_errors() {
        let dir = tempfile::tempdir().unwrap();
        let request = Request::post(wire::ENROLL_PATH)
            .body(Body::from("{}"))
            .unwrap();
        let (status, error) = call(app(&dir), request).await;
        assert_eq!(status, StatusCode::UNSUPPORTED_MEDIA_TYPE);
        assert_eq!(error.code, "json_content_type_required");
        let request = Request::get(wire::ENROLL_PATH).body(Body::empty()).unwrap();
        let (status, error) = call(app(&dir), request).await;
        assert_eq!(status, StatusCode::METHOD_NOT_ALLOWED);
        assert_eq!(error.code, "method_not_allowed");
    }
}
