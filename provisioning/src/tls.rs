//! TLS for the device API: the server configuration (mTLS optional at the handshake,
//! enforced per endpoint) and the handshake itself.
//!
//! The client verifier accepts connections without a certificate so that `/v1/enroll`
//! works for a tablet that has none yet; a certificate that *is* presented must chain to
//! our CA, or the handshake fails. Handlers learn the peer's certificate from the
//! [`ClientCertificate`] request extension.

use std::sync::Arc;
use std::time::Duration;

use rustls::RootCertStore;
use rustls::crypto::CryptoProvider;
use rustls::server::WebPkiClientVerifier;
use rustls_pki_types::CertificateDer;
use tokio::net::TcpStream;
use tokio_rustls::TlsAcceptor;
use tokio_rustls::server::TlsStream;

use crate::ca::{ServerIdentity, fingerprint};

/// How long a client may take to complete the TLS handshake.
pub const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);

/// Why the TLS configuration could not be built.
#[derive(Debug, thiserror::Error)]
pub enum TlsError {
    /// The CA certificate cannot be used as a trust anchor.
    #[error("CA証明書を信頼点として使えません: {0}")]
    TrustAnchor(String),
    /// rustls refused the configuration.
    #[error("TLSの設定を作れません: {0}")]
    Config(#[from] rustls::Error),
}

/// The client certificate a device presented, as a request extension.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClientCertificate {
    /// The certificate, DER.
    pub der: Arc<[u8]>,
    /// SHA-256 of the DER, lowercase hex.
    pub fingerprint: String,
}

impl ClientCertificate {
    /// Wraps a DER certificate.
    pub fn new(der: &[u8]) -> Self {
        Self {
            fingerprint: fingerprint(der),
            der: der.into(),
        }
    }
}

/// The crypto provider used everywhere in the back office.
pub fn provider() -> Arc<CryptoProvider> {
    Arc::new(rustls::crypto::ring::default_provider())
}

/// The server configuration: our certificate chain, client certificates optional but
/// verified against `ca` when present, HTTP/1.1 only.
pub fn server_config(
    identity: ServerIdentity,
    ca: &CertificateDer<'static>,
) -> Result<Arc<rustls::ServerConfig>, TlsError> {
    let provider = provider();
    let mut roots = RootCertStore::empty();
    roots
        .add(ca.clone())
        .map_err(|e| TlsError::TrustAnchor(e.to_string()))?;
    let verifier = WebPkiClientVerifier::builder_with_provider(Arc::new(roots), provider.clone())
        .allow_unauthenticated()
        .build()
        .map_err(|e| TlsError::TrustAnchor(e.to_string()))?;
    let mut config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()?
        .with_client_cert_verifier(verifier)
        .with_single_cert(identity.chain, identity.key)?;
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(Arc::new(config))
}

/// Why a connection was dropped during the handshake (logged, never fatal).
#[derive(Debug, thiserror::Error)]
pub enum HandshakeError {
    /// The client did not finish in [`HANDSHAKE_TIMEOUT`].
    #[error("TLS handshake timed out")]
    Timeout,
    /// The handshake failed (garbage, wrong CA, unsupported versions…).
    #[error("TLS handshake failed: {0}")]
    Failed(#[from] std::io::Error),
}

/// Runs the server side of the handshake with a deadline and returns the stream plus the
/// client certificate, if one was presented (it has already been verified).
pub async fn accept(
    acceptor: &TlsAcceptor,
    stream: TcpStream,
) -> Result<(TlsStream<TcpStream>, Option<ClientCertificate>), HandshakeError> {
    let tls = tokio::time::timeout(HANDSHAKE_TIMEOUT, acceptor.accept(stream))
        .await
        .map_err(|_| HandshakeError::Timeout)??;
    let peer = tls
        .get_ref()
        .1
        .peer_certificates()
        .and_then(|chain| chain.first())
        .map(|cert| ClientCertificate::new(cert));
    Ok((tls, peer))
}
