//! The tablet's identity: serial, IMEI, key pair and client certificate.
//!
//! Enrollment makes a key pair on the tablet (it never leaves it), sends a CSR with the
//! serial and IMEI that logistics pre-registered, and keeps the certificate the back office
//! signs, plus the back office CA that is pinned from then on. Files live in the state
//! directory; the private key is written with mode 0600.

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

/// Why the identity could not be made or read.
#[derive(Debug, thiserror::Error)]
pub enum IdentityError {
    /// A file of the identity could not be read or written.
    #[error("端末ID ファイル {path} を扱えません: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
    /// Key or CSR generation failed.
    #[error("鍵ペアまたは証明書要求を作れません: {0}")]
    Key(#[from] rcgen::Error),
    /// `identity.json` does not parse.
    #[error("端末ID ファイルが壊れています: {0}")]
    Corrupt(#[from] serde_json::Error),
    /// The serial is empty or has characters a certificate name should not carry.
    #[error("製造番号「{0}」は使えません(英数字と - のみ、1〜64文字)")]
    Serial(String),
    /// The IMEI is not 15 digits with a valid Luhn check digit.
    #[error(transparent)]
    Imei(#[from] vrs_protocol::imei::ImeiError),
}

/// Serial and IMEI: what the tablet is, before and after enrollment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeviceIdentity {
    /// Hardware serial printed on the back.
    pub serial: String,
    /// IMEI of the LTE modem.
    pub imei: String,
}

impl DeviceIdentity {
    /// Checks serial and IMEI.
    pub fn new(serial: &str, imei: &str) -> Result<Self, IdentityError> {
        let serial_ok = (1..=64).contains(&serial.len())
            && serial
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-');
        if !serial_ok {
            return Err(IdentityError::Serial(serial.to_owned()));
        }
        vrs_protocol::imei::check(imei)?;
        Ok(Self {
            serial: serial.to_owned(),
            imei: imei.to_owned(),
        })
    }
}

/// The key pair and certificates of an enrolled tablet, as PEM.
#[derive(Clone)]
pub struct Credentials {
    /// The tablet's identity.
    pub identity: DeviceIdentity,
    /// Private key, PKCS#8 PEM.
    pub key_pem: String,
    /// Client certificate, PEM.
    pub certificate_pem: String,
    /// The back office CA, PEM (pinned).
    pub ca_pem: String,
}

impl std::fmt::Debug for Credentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Credentials")
            .field("identity", &self.identity)
            .finish_non_exhaustive()
    }
}

/// A key pair and CSR made for enrollment, before the back office signed it.
pub struct PendingEnrollment {
    /// The identity the CSR names.
    pub identity: DeviceIdentity,
    /// Private key, PKCS#8 PEM.
    pub key_pem: String,
    /// The CSR, PEM.
    pub csr_pem: String,
}

impl PendingEnrollment {
    /// Makes a fresh ECDSA P-256 key pair and a CSR with CN = serial (the IMEI travels in
    /// the enrollment request).
    pub fn new(identity: DeviceIdentity) -> Result<Self, IdentityError> {
        let key = rcgen::KeyPair::generate()?;
        let mut params = rcgen::CertificateParams::new(Vec::<String>::new())?;
        params
            .distinguished_name
            .push(rcgen::DnType::CommonName, identity.serial.clone());
        let csr = params.serialize_request(&key)?;
        Ok(Self {
            identity,
            key_pem: key.serialize_pem(),
            csr_pem: csr.pem()?,
        })
    }

    /// Combines the key with the certificate and CA the back office returned.
    pub fn complete(self, certificate_pem: String, ca_pem: String) -> Credentials {
        Credentials {
            identity: self.identity,
            key_pem: self.key_pem,
            certificate_pem,
            ca_pem,
        }
    }
}

/// Where the identity files live inside the state directory.
#[derive(Debug, Clone)]
pub struct IdentityFiles {
    dir: PathBuf,
}

const IDENTITY_FILE: &str = "identity.json";
const KEY_FILE: &str = "device.key";
const CERT_FILE: &str = "device.crt";
const CA_FILE: &str = "backoffice-ca.crt";

impl IdentityFiles {
    /// Identity files in `dir`.
    pub fn new(dir: &Path) -> Self {
        Self {
            dir: dir.to_owned(),
        }
    }

    /// Whether the tablet has enrolled (its certificate is on disk).
    pub fn is_enrolled(&self) -> bool {
        self.dir.join(CERT_FILE).exists()
    }

    /// The credentials, if the tablet has enrolled.
    pub fn load(&self) -> Result<Option<Credentials>, IdentityError> {
        if !self.is_enrolled() {
            return Ok(None);
        }
        let identity: DeviceIdentity = serde_json::from_str(&self.read(IDENTITY_FILE)?)?;
        Ok(Some(Credentials {
            identity,
            key_pem: self.read(KEY_FILE)?,
            certificate_pem: self.read(CERT_FILE)?,
            ca_pem: self.read(CA_FILE)?,
        }))
    }

    /// Writes the credentials; the key with mode 0600. The certificate goes last, so a
    /// crash midway leaves the tablet "not enrolled" rather than half enrolled.
    pub fn save(&self, credentials: &Credentials) -> Result<(), IdentityError> {
        fs::create_dir_all(&self.dir).map_err(|source| IdentityError::Io {
            path: self.dir.clone(),
            source,
        })?;
        self.write(
            IDENTITY_FILE,
            &serde_json::to_string_pretty(&credentials.identity)?,
            0o644,
        )?;
        self.write(KEY_FILE, &credentials.key_pem, 0o600)?;
        self.write(CA_FILE, &credentials.ca_pem, 0o644)?;
        self.write(CERT_FILE, &credentials.certificate_pem, 0o644)
    }

    fn read(&self, name: &str) -> Result<String, IdentityError> {
        let path = self.dir.join(name);
        fs::read_to_string(&path).map_err(|source| IdentityError::Io { path, source })
    }

    fn write(&self, name: &str, contents: &str, mode: u32) -> Result<(), IdentityError> {
        use std::os::unix::fs::OpenOptionsExt;
        let path = self.dir.join(name);
        let tmp = self.dir.join(format!(".{name}.tmp"));
        let io = |source| IdentityError::Io {
            path: path.clone(),
            source,
        };
        let mut file = fs::OpenOptions::new()
            .write(true)
            .create(true)
            .truncate(true)
            .mode(mode)
            .open(&tmp)
            .map_err(io)?;
        file.write_all(contents.as_bytes()).map_err(io)?;
        file.sync_all().map_err(io)?;
        fs::rename(&tmp, &path).map_err(io)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identity_is_checked() {
        assert!(DeviceIdentity::new("VRS-0001", "490154203237518").is_ok());
        assert!(matches!(
            DeviceIdentity::new("VRS 0001", "490154203237518"),
            Err(IdentityError::Serial(_))
        ));
        assert!(matches!(
            DeviceIdentity::new("VRS-0001", "490154203237517"),
            Err(IdentityError::Imei(_))
        ));
    }

    #[test]
    fn credentials_round_trip_with_a_private_key_file() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let files = IdentityFiles::new(dir.path());
        assert!(files.load().unwrap().is_none());
        let pending =
            PendingEnrollment::new(DeviceIdentity::new("VRS-0001", "490154203237518").unwrap())
                .unwrap();
        assert!(pending.csr_pem.contains("BEGIN CERTIFICATE REQUEST"));
        let creds = pending.complete("CERT".into(), "CA".into());
        files.save(&creds).unwrap();
        let loaded = files.load().unwrap().unwrap();
        assert_eq!(loaded.identity, creds.identity);
        assert_eq!(loaded.key_pem, creds.key_pem);
        let mode = fs::metadata(dir.path().join(KEY_FILE))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600);
    }
}
