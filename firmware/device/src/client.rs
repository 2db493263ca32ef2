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
    ErrorCode, RECORDS_PATH, RecordBatch, RecordReceipts,
};

use crate::identity::{Credentials, DeviceIdentity, IdentityError, PendingEnrollment};

/// Why a call to the back office failed. Each variant keeps what caused it; a refusal
/// carries the server's typed [`ErrorCode`], so callers can tell `not_active` from
/// `unknown_certificate` with [`ClientError::refusal_code`].
#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    /// No connection, timeout, TLS failure: the link or the server is down.
    #[error("バックオフィスに接続できません。通信状態を確認してください({0})")]
    Network(#[source] ureq::Error),
    /// The back office answered with a refusal.
    #[error("{}(HTTP {status} {})", .error.message, .error.code)]
    Refused {
        /// HTTP status.
        status: u16,
        /// The server's code and explanation.
        error: ApiError,
    },
    /// An error status whose body is not an [`ApiError`] (a proxy, say).
    #[error("バックオフィスがエラーを返しました: {body}(HTTP {status} http_error)")]
    Status {
        /// HTTP status.
        status: u16,
        /// The first 200 characters of the body.
        body: String,
    },
    /// A success answer whose body is not what the endpoint returns.
    #[error("バックオフィスの応答を解釈できません: {0}")]
    Protocol(#[source] serde_json::Error),
    /// The receipts do not match the uploaded batch, one per record in order.
    #[error(
        "バックオフィスの応答を解釈できません: {sent} 件送信して受領 {received} 件、または順序が一致しません"
    )]
    Receipts {
        /// Records sent.
        sent: usize,
        /// Receipts received.
        received: usize,
    },
    /// A PEM from the identity files is not usable.
    #[error("端末の証明書または鍵が不正です: {0}")]
    Credentials(#[source] ureq::Error),
    /// Making the key pair or CSR failed.
    #[error(transparent)]
    Identity(#[from] IdentityError),
}

impl ClientError {
    /// The server's code when the back office refused the call.
    pub fn refusal_code(&self) -> Option<ErrorCode> {
        match self {
            Self::Refused { error, .. } => Some(error.code),
            _ => None,
        }
    }
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
    let ca = Certificate::from_pem(ca_pem.as_bytes()).map_err(ClientError::Credentials)?;
    let mut builder = TlsConfig::builder()
        .provider(TlsProvider::Rustls)
        .unversioned_rustls_crypto_provider(Arc::new(rustls::crypto::ring::default_provider()))
        .root_certs(RootCerts::new_with_certs(&[ca]));
    if let Some(c) = client {
        let cert = Certificate::from_pem(c.certificate_pem.as_bytes())
            .map_err(ClientError::Credentials)?;
        let key = PrivateKey::from_pem(c.key_pem.as_bytes()).map_err(ClientError::Credentials)?;
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
            return Err(ClientError::Receipts {
                sent: batch.records.len(),
                received: receipts.receipts.len(),
            });
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
            .map_err(ClientError::Network)?;
        let status = response.status().as_u16();
        let text = response
            .body_mut()
            .read_to_string()
            .map_err(ClientError::Network)?;
        if (200..300).contains(&status) {
            return serde_json::from_str(&text).map_err(ClientError::Protocol);
        }
        match serde_json::from_str::<ApiError>(&text) {
            Ok(error) => Err(ClientError::Refused { status, error }),
            Err(_) => Err(ClientError::Status {
                status,
                body: text.chars().take(200).collect(),
            }),
        }
    }
}

#[cfg(test)]
mod tests {
    use std::io::{Read, Write};
    use std::net::TcpListener;

    use super::*;

    /// A back office that answers one request with `status` and `body`.
    fn answering(status: &str, content_type: &str, body: &str) -> BackOffice {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let response = format!(
            "HTTP/1.1 {status}\r\ncontent-type: {content_type}\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
            body.len()
        );
        std::thread::spawn(move || {
            let (mut stream, _) = listener.accept().unwrap();
            let mut request = [0u8; 4096];
            let _ = stream.read(&mut request).unwrap();
            stream.write_all(response.as_bytes()).unwrap();
        });
        BackOffice::new(&url, TlsConfig::default())
    }

    fn check_in(client: &BackOffice) -> ClientError {
        client.check_in(&CheckInRequest::default()).unwrap_err()
    }

    #[test]
    fn a_refusal_carries_the_typed_code_and_the_message() {
        let client = answering(
            "403 Forbidden",
            "application/json",
            r#"{"code":"not_active","message":"接種記録を受け付けられません"}"#,
        );
        let error = check_in(&client);
        assert_eq!(error.refusal_code(), Some(ErrorCode::NotActive));
        assert!(matches!(error, ClientError::Refused { status: 403, .. }));
        assert_eq!(
            error.to_string(),
            "接種記録を受け付けられません(HTTP 403 not_active)"
        );
    }

    #[test]
    fn a_code_of_a_newer_server_is_still_a_refusal() {
        let client = answering(
            "429 Too Many Requests",
            "application/json",
            r#"{"code":"rate_limited","message":"後で送信してください"}"#,
        );
        assert_eq!(check_in(&client).refusal_code(), Some(ErrorCode::Unknown));
    }

    #[test]
    fn an_error_page_that_is_no_api_error_keeps_its_status_and_body() {
        let client = answering("502 Bad Gateway", "text/html", "<h1>bad gateway</h1>");
        let error = check_in(&client);
        assert_eq!(error.refusal_code(), None);
        assert!(
            matches!(&error, ClientError::Status { status: 502, body } if body == "<h1>bad gateway</h1>"),
            "{error:?}"
        );
    }

    #[test]
    fn causes_are_kept_as_sources() {
        let client = answering("200 OK", "application/json", r#"{"lifecycle":"#);
        let error = check_in(&client);
        assert!(matches!(error, ClientError::Protocol(_)), "{error:?}");
        let source = std::error::Error::source(&error).expect("the JSON error");
        assert!(source.downcast_ref::<serde_json::Error>().is_some());

        let closed = TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("http://{}", closed.local_addr().unwrap());
        drop(closed);
        let error = check_in(&BackOffice::new(&url, TlsConfig::default()));
        assert!(matches!(error, ClientError::Network(_)), "{error:?}");
        assert!(std::error::Error::source(&error).is_some());

        let error = BackOffice::with_credentials(
            "https://backoffice.invalid",
            &Credentials {
                identity: DeviceIdentity::new("VRS-0001", "490154203237518").unwrap(),
                key_pem: String::new(),
                certificate_pem: String::new(),
                ca_pem: "not a PEM".into(),
            },
        )
        .unwrap_err();
        assert!(matches!(error, ClientError::Credentials(_)), "{error:?}");
    }
}
