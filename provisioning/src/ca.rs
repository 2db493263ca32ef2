//! The back office's own certificate authority: it issues the server certificate and signs
//! the tablets' client certificates.
//!
//! Files in the state directory (keys mode 0600, directory 0700):
//! `ca.key.pem`, `ca.cert.pem`, `server.key.pem`, `server.cert.pem`. The CA is created on
//! first use and reused afterwards; the server certificate is reissued by the same CA when
//! it no longer covers the requested host names or is about to expire.

use std::fs;
use std::io::Write;
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt};
use std::path::{Path, PathBuf};

use rcgen::{
    BasicConstraints, CertificateParams, CertificateSigningRequestParams, DistinguishedName,
    DnType, ExtendedKeyUsagePurpose, IsCa, Issuer, KeyPair, KeyUsagePurpose, SanType, SerialNumber,
};
use ring::rand::SecureRandom;
use rustls_pki_types::pem::PemObject;
use rustls_pki_types::{CertificateDer, PrivateKeyDer};
use time::{Duration, OffsetDateTime};

/// Common name of the CA certificate.
pub const CA_COMMON_NAME: &str = "vrs-kiosk back office CA";
/// How long a device certificate is valid.
pub const DEVICE_CERT_VALIDITY: Duration = Duration::days(730);
/// How long the CA certificate is valid.
const CA_VALIDITY: Duration = Duration::days(365 * 20);
/// How long a server certificate is valid.
const SERVER_CERT_VALIDITY: Duration = Duration::days(730);
/// A server certificate closer than this to expiry is reissued at start.
const SERVER_RENEW_BEFORE: Duration = Duration::days(30);
/// Host names every server certificate covers.
pub const DEFAULT_SERVER_NAMES: [&str; 3] = ["localhost", "127.0.0.1", "::1"];

/// Why the CA could not do its work.
#[derive(Debug, thiserror::Error)]
pub enum CaError {
    /// A file of the state directory cannot be read or written.
    #[error(
        "CAファイル {path} を読み書きできません: {source}。--state-dir のパスと権限を確認してください"
    )]
    Io {
        /// The file.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// A stored key or certificate cannot be used.
    #[error(
        "CAファイル {path} が壊れています: {reason}。バックアップから戻すか管理者に連絡してください"
    )]
    Damaged {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        reason: String,
    },
    /// The CA key exists without its certificate or the other way round.
    #[error(
        "{dir} に CA の鍵と証明書の片方しかありません。バックアップから戻してください(新しい CA を作ると全端末の証明書が無効になります)"
    )]
    Incomplete {
        /// The state directory.
        dir: PathBuf,
    },
    /// A requested host name cannot be put in a certificate.
    #[error("ホスト名「{name}」は証明書に入れられません: {reason}")]
    HostName {
        /// The name.
        name: String,
        /// Why.
        reason: String,
    },
    /// The certificate signing request cannot be parsed or its signature is wrong.
    #[error("証明書署名要求(CSR)が不正です: {0}。端末の鍵を作り直して再度登録してください")]
    BadCsr(String),
    /// Generating or signing failed.
    #[error("証明書を作成できませんでした: {0}")]
    Generate(#[from] rcgen::Error),
}

/// A device certificate just issued.
#[derive(Debug, Clone)]
pub struct IssuedCertificate {
    /// PEM text, as sent to the tablet.
    pub pem: String,
    /// DER bytes.
    pub der: CertificateDer<'static>,
    /// SHA-256 of the DER, lowercase hex: how the server recognises the device later.
    pub fingerprint: String,
}

/// The server's TLS identity.
#[derive(Debug)]
pub struct ServerIdentity {
    /// Server certificate followed by the CA certificate.
    pub chain: Vec<CertificateDer<'static>>,
    /// The server's private key.
    pub key: PrivateKeyDer<'static>,
}

/// The CA, loaded from (or created in) a state directory.
pub struct CertificateAuthority {
    dir: PathBuf,
    cert_pem: String,
    cert_der: CertificateDer<'static>,
    issuer: Issuer<'static, KeyPair>,
}

impl std::fmt::Debug for CertificateAuthority {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CertificateAuthority")
            .field("dir", &self.dir)
            .finish_non_exhaustive()
    }
}

/// SHA-256 of a certificate's DER bytes, lowercase hex.
pub fn fingerprint(der: &[u8]) -> String {
    let digest = ring::digest::digest(&ring::digest::SHA256, der);
    digest.as_ref().iter().map(|b| format!("{b:02x}")).collect()
}

fn io_error(path: &Path) -> impl FnOnce(std::io::Error) -> CaError + '_ {
    move |source| CaError::Io {
        path: path.to_owned(),
        source,
    }
}

/// Writes `contents` to `path` atomically (temp file + rename) with `mode`.
fn write_file(path: &Path, contents: &str, mode: u32) -> Result<(), CaError> {
    let tmp = path.with_extension("tmp");
    let mut file = fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(mode)
        .open(&tmp)
        .map_err(io_error(&tmp))?;
    file.write_all(contents.as_bytes())
        .map_err(io_error(&tmp))?;
    file.sync_all().map_err(io_error(&tmp))?;
    fs::rename(&tmp, path).map_err(io_error(path))
}

fn read_optional(path: &Path) -> Result<Option<String>, CaError> {
    match fs::read_to_string(path) {
        Ok(text) => Ok(Some(text)),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(io_error(path)(e)),
    }
}

fn random_serial() -> Result<SerialNumber, CaError> {
    let mut bytes = [0u8; 16];
    ring::rand::SystemRandom::new()
        .fill(&mut bytes)
        .map_err(|_| CaError::Generate(rcgen::Error::RingUnspecified))?;
    bytes[0] &= 0x7f; // positive INTEGER
    bytes[0] |= 0x01; // and no leading zero byte
    Ok(SerialNumber::from_slice(&bytes))
}

fn damaged(path: &Path, reason: impl std::fmt::Display) -> CaError {
    CaError::Damaged {
        path: path.to_owned(),
        reason: reason.to_string(),
    }
}

fn ca_params() -> CertificateParams {
    let mut params = CertificateParams::default();
    let mut name = DistinguishedName::new();
    name.push(DnType::CommonName, CA_COMMON_NAME);
    name.push(DnType::OrganizationName, "vrs-kiosk");
    params.distinguished_name = name;
    params.is_ca = IsCa::Ca(BasicConstraints::Constrained(0));
    params.key_usages = vec![
        KeyUsagePurpose::KeyCertSign,
        KeyUsagePurpose::CrlSign,
        KeyUsagePurpose::DigitalSignature,
    ];
    let now = OffsetDateTime::now_utc();
    params.not_before = now - Duration::hours(1);
    params.not_after = now + CA_VALIDITY;
    params
}

impl CertificateAuthority {
    /// Loads the CA from `dir`, creating the directory and a new CA on first use.
    pub fn load_or_create(dir: &Path) -> Result<Self, CaError> {
        fs::DirBuilder::new()
            .recursive(true)
            .mode(0o700)
            .create(dir)
            .map_err(io_error(dir))?;
        let key_path = dir.join("ca.key.pem");
        let cert_path = dir.join("ca.cert.pem");
        match (read_optional(&key_path)?, read_optional(&cert_path)?) {
            (Some(key_pem), Some(cert_pem)) => {
                let key = KeyPair::from_pem(&key_pem).map_err(|e| damaged(&key_path, e))?;
                let cert_der = CertificateDer::from_pem_slice(cert_pem.as_bytes())
                    .map_err(|e| damaged(&cert_path, e))?;
                let issuer =
                    Issuer::from_ca_cert_der(&cert_der, key).map_err(|e| damaged(&cert_path, e))?;
                Ok(Self {
                    dir: dir.to_owned(),
                    cert_pem,
                    cert_der,
                    issuer,
                })
            }
            (None, None) => {
                let key = KeyPair::generate()?;
                let params = ca_params();
                let cert = params.self_signed(&key)?;
                write_file(&key_path, &key.serialize_pem(), 0o600)?;
                let cert_pem = cert.pem();
                write_file(&cert_path, &cert_pem, 0o644)?;
                log::info!("created a new back office CA in {}", dir.display());
                Ok(Self {
                    dir: dir.to_owned(),
                    cert_pem,
                    cert_der: cert.der().clone(),
                    issuer: Issuer::new(params, key),
                })
            }
            _ => Err(CaError::Incomplete {
                dir: dir.to_owned(),
            }),
        }
    }

    /// The CA certificate, PEM: what tablets pin.
    pub fn ca_pem(&self) -> &str {
        &self.cert_pem
    }

    /// The CA certificate, DER.
    pub fn ca_der(&self) -> &CertificateDer<'static> {
        &self.cert_der
    }

    /// The server certificate for `extra_names` (plus [`DEFAULT_SERVER_NAMES`]): the stored
    /// one when it still fits, else a new one issued and stored.
    pub fn server_identity(&self, extra_names: &[String]) -> Result<ServerIdentity, CaError> {
        let mut names: Vec<String> = DEFAULT_SERVER_NAMES.iter().map(|s| s.to_string()).collect();
        for name in extra_names {
            if !names.contains(name) {
                names.push(name.clone());
            }
        }
        let key_path = self.dir.join("server.key.pem");
        let cert_path = self.dir.join("server.cert.pem");
        if let (Some(key_pem), Some(cert_pem)) =
            (read_optional(&key_path)?, read_optional(&cert_path)?)
        {
            let cert = CertificateDer::from_pem_slice(cert_pem.as_bytes())
                .map_err(|e| damaged(&cert_path, e))?;
            if self.server_cert_fits(&cert, &names) {
                let key = PrivateKeyDer::from_pem_slice(key_pem.as_bytes())
                    .map_err(|e| damaged(&key_path, e))?;
                return Ok(ServerIdentity {
                    chain: vec![cert, self.cert_der.clone()],
                    key,
                });
            }
            log::info!("server certificate does not cover {names:?} or expires soon: reissuing");
        }
        let key = KeyPair::generate()?;
        let mut params = CertificateParams::default();
        params.subject_alt_names = names
            .iter()
            .map(|name| san(name))
            .collect::<Result<_, _>>()?;
        let mut dn = DistinguishedName::new();
        dn.push(DnType::CommonName, names[0].as_str());
        params.distinguished_name = dn;
        params.key_usages = vec![KeyUsagePurpose::DigitalSignature];
        params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
        params.use_authority_key_identifier_extension = true;
        params.serial_number = Some(random_serial()?);
        let now = OffsetDateTime::now_utc();
        params.not_before = now - Duration::hours(1);
        params.not_after = now + SERVER_CERT_VALIDITY;
        let cert = params.signed_by(&key, &self.issuer)?;
        write_file(&key_path, &key.serialize_pem(), 0o600)?;
        write_file(&cert_path, &cert.pem(), 0o644)?;
        Ok(ServerIdentity {
            chain: vec![cert.der().clone(), self.cert_der.clone()],
            key: PrivateKeyDer::Pkcs8(key.serialize_der().into()),
        })
    }

    fn server_cert_fits(&self, cert: &CertificateDer<'_>, names: &[String]) -> bool {
        let Ok((_, x509)) = x509_parser::parse_x509_certificate(cert) else {
            return false;
        };
        let Ok((_, ca)) = x509_parser::parse_x509_certificate(&self.cert_der) else {
            return false;
        };
        if x509.issuer().as_raw() != ca.subject().as_raw()
            || x509.verify_signature(Some(ca.public_key())).is_err()
        {
            return false;
        }
        let renew_at = OffsetDateTime::now_utc() + SERVER_RENEW_BEFORE;
        if x509.validity().not_after.to_datetime() < renew_at {
            return false;
        }
        let Ok(Some(sans)) = x509.subject_alternative_name() else {
            return false;
        };
        let present: Vec<String> = sans
            .value
            .general_names
            .iter()
            .filter_map(|name| match name {
                x509_parser::extensions::GeneralName::DNSName(dns) => Some(dns.to_string()),
                x509_parser::extensions::GeneralName::IPAddress(bytes) => match bytes.len() {
                    4 => <[u8; 4]>::try_from(*bytes)
                        .ok()
                        .map(|b| std::net::IpAddr::from(b).to_string()),
                    16 => <[u8; 16]>::try_from(*bytes)
                        .ok()
                        .map(|b| std::net::IpAddr::from(b).to_string()),
                    _ => None,
                },
                _ => None,
            })
            .collect();
        names.iter().all(|name| present.contains(name))
    }

    /// Signs a tablet's CSR: subject CN = `serial`, client-auth only, valid
    /// [`DEVICE_CERT_VALIDITY`]. Everything but the public key is ours, not the CSR's.
    pub fn sign_device_csr(
        &self,
        csr_pem: &str,
        serial: &str,
    ) -> Result<IssuedCertificate, CaError> {
        let csr = CertificateSigningRequestParams::from_pem(csr_pem)
            .map_err(|e| CaError::BadCsr(e.to_string()))?;
        let mut params = CertificateParams::default();
        let mut dn = DistinguishedName::new();
        dn.push(DnType::CommonName, serial);
        params.distinguished_name = dn;
        params.is_ca = IsCa::ExplicitNoCa;
        params.key_usages = vec![KeyUsagePurpose::DigitalSignature];
        params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ClientAuth];
        params.use_authority_key_identifier_extension = true;
        params.serial_number = Some(random_serial()?);
        let now = OffsetDateTime::now_utc();
        params.not_before = now - Duration::hours(1);
        params.not_after = now + DEVICE_CERT_VALIDITY;
        let signed = CertificateSigningRequestParams {
            params,
            public_key: csr.public_key,
        }
        .signed_by(&self.issuer)?;
        Ok(IssuedCertificate {
            pem: signed.pem(),
            fingerprint: fingerprint(signed.der()),
            der: signed.der().clone(),
        })
    }
}

fn san(name: &str) -> Result<SanType, CaError> {
    if let Ok(ip) = name.parse::<std::net::IpAddr>() {
        return Ok(SanType::IpAddress(ip));
    }
    let dns = name
        .to_owned()
        .try_into()
        .map_err(|e: rcgen::Error| CaError::HostName {
            name: name.to_owned(),
            reason: e.to_string(),
        })?;
    Ok(SanType::DnsName(dns))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    #[test]
    fn ca_is_created_once_and_reused_with_private_keys() {
        let dir = tempfile::tempdir().unwrap();
        let state = dir.path().join("state");
        let ca = CertificateAuthority::load_or_create(&state).unwrap();
        let first = ca.ca_pem().to_owned();
        let server = ca.server_identity(&["kiosk.example.jp".into()]).unwrap();
        for key in ["ca.key.pem", "server.key.pem"] {
            let mode = fs::metadata(state.join(key)).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600, "{key}");
        }
        let again = CertificateAuthority::load_or_create(&state).unwrap();
        assert_eq!(again.ca_pem(), first);
        let server_again = again.server_identity(&["kiosk.example.jp".into()]).unwrap();
        assert_eq!(server.chain[0], server_again.chain[0], "server cert reused");
        let other_name = again.server_identity(&["other.example.jp".into()]).unwrap();
        assert_ne!(
            server.chain[0], other_name.chain[0],
            "reissued for a new name"
        );

        let (_, x509) = x509_parser::parse_x509_certificate(ca.ca_der()).unwrap();
        let cn = x509.subject().iter_common_name().next().unwrap();
        assert_eq!(cn.as_str().unwrap(), CA_COMMON_NAME);
    }

    #[test]
    fn device_certificate_uses_our_fields_not_the_csrs() {
        let dir = tempfile::tempdir().unwrap();
        let ca = CertificateAuthority::load_or_create(dir.path()).unwrap();
        let key = KeyPair::generate().unwrap();
        let mut asked = CertificateParams::new(vec!["evil.example".to_owned()]).unwrap();
        asked.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        let csr = asked.serialize_request(&key).unwrap().pem().unwrap();
        let issued = ca.sign_device_csr(&csr, "SN-0001").unwrap();
        assert_eq!(issued.fingerprint, fingerprint(&issued.der));
        let (_, cert) = x509_parser::parse_x509_certificate(&issued.der).unwrap();
        let cn = cert.subject().iter_common_name().next().unwrap();
        assert_eq!(cn.as_str().unwrap(), "SN-0001");
        assert!(!cert.is_ca());
        assert!(cert.subject_alternative_name().unwrap().is_none());
        let eku = cert.extended_key_usage().unwrap().unwrap().value;
        assert!(eku.client_auth && !eku.server_auth);
        let (_, ca_x509) = x509_parser::parse_x509_certificate(ca.ca_der()).unwrap();
        cert.verify_signature(Some(ca_x509.public_key())).unwrap();
        assert_eq!(
            cert.public_key().raw,
            rcgen::PublicKeyData::subject_public_key_info(&key).as_slice()
        );
    }

    #[test]
    fn garbage_csr_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let ca = CertificateAuthority::load_or_create(dir.path()).unwrap();
        assert!(matches!(
            ca.sign_device_csr(
                "-----BEGIN CERTIFICATE REQUEST-----\nAAAA\n-----END CERTIFICATE REQUEST-----\n",
                "SN"
            ),
            Err(CaError::BadCsr(_))
        ));
        assert!(matches!(
            ca.sign_device_csr("", "SN"),
            Err(CaError::BadCsr(_))
        ));
    }
}
