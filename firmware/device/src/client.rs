//! HTTPS client of the back office's device API (ureq + rustls).
//!
//! The back office CA is the only trusted root: enrollment trusts the CA shipped in the
//! factory image, every later call the CA returned at enrollment, and presents the tablet's
//! client certificate (mTLS).

use std::sync::Arc;
use std::time::Duration;

use serde::Serialize;
use serde::de::DeserializeOwned;
use ureq::tls::{Certificate, ClientCert, PrivateKey, RootCerts, TlsConfig, TlsProvider};
use vrs_protocol::wire::{
    ApiError, CHECK_IN_PATH, CheckInRequest, CheckInResponse, ENROLL_PATH, EnrollRequest,
    RECORDS_PATH, RecordBatch, RecordReceipts,
};

use crate::identity::{Credentials, DeviceIdentity, IdentityError, PendingEnrollment};

/// Why a call to the back office failed.
#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    /// No connection, timeout, TLS failure: the link or the server is down.
    #[error("バックオフィスに接続できません。通信状態を確認してください({0})")]
    Network(String),
    /// The back office answered with a refusal.
    #[error("{}(HTTP {status} {})", .error.message, .error.code)]
    Refused {
        /// HTTP status.
        status: u16,
        /// The server's explanation.
        error: ApiError,
    },
    /// The answer could not be understood.
    #[error("バックオフィスの応答を解釈できません: {0}")]
    Protocol(String),
    /// A PEM from the identity files is not usable.
    #[error("端末の証明書または鍵が不正です: {0}")]
    Credentials(String),
    /// Making the key pair or CSR failed.
    #[error(transparent)]
    Identity(#[from] IdentityError),
}

/// A connection setting to the back office.
#[derive(Clone)]
pub struct BackOffice {
    base_url: String,
    agent: ureq::Agent,
}

impl std::fmt::Debug for BackOffice {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "BackOffice({})", self.base_url)
    }
}

fn tls_config(ca_pem: &str, client: Option<&Credentials>) -> Result<TlsConfig, ClientError> {
    let bad = |e: ureq::Error| ClientError::Credentials(e.to_string());
    let ca = Certificate::from_pem(ca_pem.as_bytes()).map_err(bad)?;
    let mut builder = TlsConfig::builder()
        .provider(TlsProvider::Rustls)
        .unversioned_rustls_crypto_provider(Arc::new(rustls::crypto::ring::default_provider()))
        .root_certs(RootCerts::new_with_certs(&[ca]));
    if let Some(c) = client {
        let cert = Certificate::from_pem(c.certificate_pem.as_bytes()).map_err(bad)?;
        let key = PrivateKey::from_pem(c.key_pem.as_bytes()).map_err(bad)?;
        builder = builder.client_cert(Some(ClientCert::new_with_certs(&[cert], key)));
    }
    Ok(builder.build())
}

impl BackOffice {
    fn new(base_url: &str, tls: TlsConfig) -> Self {
        let config = ureq::Agent::config_builder()
            .tls_config(tls)
            .http_status_as_error(false)
            .timeout_connect(Some(Duration::from_secs(10)))
            .timeout_global(Some(Duration::from_secs(60)))
            .build();
        Self {
            base_url: base_url.trim_end_matches('/').to_owned(),
            agent: ureq::Agent::new_with_config(config),
        }
    }

    /// A client for an enrolled tablet: pinned CA and client certificate.
    pub fn with_credentials(
        base_url: &str,
        credentials: &Credentials,
    ) -> Result<Self, ClientError> {
        Ok(Self::new(
            base_url,
            tls_config(&credentials.ca_pem, Some(credentials))?,
        ))
    }

    /// Enrolls: makes a key pair, sends the CSR and returns the credentials to save.
    /// `factory_ca_pem` is the back office CA shipped in the image.
    pub fn enroll(
        base_url: &str,
        factory_ca_pem: &str,
        identity: DeviceIdentity,
    ) -> Result<Credentials, ClientError> {
        let client = Self::new(base_url, tls_config(factory_ca_pem, None)?);
        let pending = PendingEnrollment::new(identity)?;
        let request = EnrollRequest {
            serial: pending.identity.serial.clone(),
            imei: pending.identity.imei.clone(),
            csr_pem: pending.csr_pem.clone(),
        };
        let response: vrs_protocol::wire::EnrollResponse = client.post(ENROLL_PATH, &request)?;
        Ok(pending.complete(response.certificate_pem, response.ca_pem))
    }

    /// Reports health and learns lifecycle, venues, accounts and settings.
    pub fn check_in(&self, request: &CheckInRequest) -> Result<CheckInResponse, ClientError> {
        self.post(CHECK_IN_PATH, request)
    }

    /// Uploads records; one receipt per record comes back, in order.
    pub fn upload(&self, batch: &RecordBatch) -> Result<RecordReceipts, ClientError> {
        let receipts: RecordReceipts = self.post(RECORDS_PATH, batch)?;
        let ids_match = receipts.receipts.len() == batch.records.len()
            && receipts
                .receipts
                .iter()
                .zip(&batch.records)
                .all(|(r, rec)| r.id == rec.id);
        if !ids_match {
            return Err(ClientError::Protocol(format!(
                "{} 件送信して受領 {} 件、または順序が一致しません",
                batch.records.len(),
                receipts.receipts.len()
            )));
        }
        Ok(receipts)
    }

    fn post<B: Serialize, R: DeserializeOwned>(
        &self,
        path: &str,
        body: &B,
    ) -> Result<R, ClientError> {
        let url = format!("{}{}", self.base_url, path);
        let mut response = self
            .agent
            .post(&url)
            .send_json(body)
            .map_err(|e| ClientError::Network(e.to_string()))?;
        let status = response.status().as_u16();
        let text = response
            .body_mut()
            .read_to_string()
            .map_err(|e| ClientError::Network(e.to_string()))?;
        if (200..300).contains(&status) {
            return serde_json::from_str(&text).map_err(|e| ClientError::Protocol(e.to_string()));
        }
        let error = serde_json::from_str::<ApiError>(&text).unwrap_or_else(|_| ApiError {
            code: "http_error".into(),
            message: format!(
                "バックオフィスがエラーを返しました: {}",
                text.chars().take(200).collect::<String>()
            ),
        });
        Err(ClientError::Refused { status, error })
    }
}
