//! What the device API tests share: a real TLS server on 127.0.0.1 over a real SQLite
//! file (or any `--db`, see [`Fixture::on`]), real rustls clients (ureq), and the operator
//! CLI on the same database.

use std::sync::Arc;

use rcgen::{CertificateParams, DistinguishedName, DnType, KeyPair};
use serde_json::Value;
use time::OffsetDateTime;
use time::macros::date;
use uuid::Uuid;
use vrs_protocol::wire::{
    CheckInRequest, ENROLL_PATH, EnrollRequest, EnrollResponse, ModemHeartbeat, ReceiptStatus,
    RecordReceipts,
};
use vrs_protocol::{Outcome, Record, TicketNumber};
use vrs_provisioning::server::{RunningServer, ServerConfig, start};

pub const IMEI: &str = "490154203237518";
pub const OTHER_IMEI: &str = "356938035643809";

pub struct Fixture {
    pub dir: tempfile::TempDir,
    pub db: String,
    pub server: RunningServer,
}

impl Fixture {
    /// A server on a new SQLite file in the fixture's directory.
    pub fn new() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let db = format!("sqlite:{}", dir.path().join("backoffice.db").display());
        Self::on(dir, db)
    }

    /// A server on the database `db` (any `--db` value), its state in `dir`.
    pub fn on(dir: tempfile::TempDir, db: String) -> Self {
        let server = start(ServerConfig {
            db: db.clone(),
            listen: "127.0.0.1:0".parse().unwrap(),
            state_dir: dir.path().join("state"),
            hostnames: vec!["backoffice.test".into()],
        })
        .unwrap();
        Self { dir, db, server }
    }

    pub fn url(&self, path: &str) -> String {
        format!(
            "https://127.0.0.1:{}{path}",
            self.server.local_addr().port()
        )
    }

    pub fn state_dir(&self) -> std::path::PathBuf {
        self.dir.path().join("state")
    }

    /// Runs the CLI on this fixture's database; returns its output.
    pub fn cli(&self, args: &[&str]) -> anyhow::Result<String> {
        let mut argv = vec!["vrs-provision".to_owned()];
        let mut rest: Vec<String> = args.iter().map(|s| s.to_string()).collect();
        // `--db` goes after the subcommand path (first one or two words).
        let words = if matches!(args.first(), Some(&"ca-cert")) {
            0
        } else {
            2
        };
        let tail = rest.split_off(words.min(rest.len()));
        argv.extend(rest);
        if words > 0 {
            argv.extend(["--db".to_owned(), self.db.clone()]);
        }
        argv.extend(tail);
        let mut out = Vec::new();
        vrs_provisioning::cli::run(argv, &mut out)?;
        Ok(String::from_utf8(out).unwrap())
    }

    pub fn agent(&self, identity: Option<&Identity>) -> ureq::Agent {
        agent(&self.server.ca_pem(), identity)
    }

    /// Registers, enrolls and (optionally) activates a tablet; returns its identity.
    pub fn enrolled(&self, serial: &str) -> Identity {
        self.cli(&["device", "register", "--serial", serial, "--imei", IMEI])
            .unwrap();
        enroll(&self.agent(None), &self.url(ENROLL_PATH), serial)
    }

    pub fn active(&self, serial: &str) -> Identity {
        let identity = self.enrolled(serial);
        self.cli(&[
            "device",
            "activate",
            "--serial",
            serial,
            "--municipality",
            "131016",
        ])
        .unwrap();
        identity
    }
}

pub struct Identity {
    pub cert_pem: String,
    pub key_pem: String,
}

/// Enrolls the registered tablet `serial` (IMEI [`IMEI`]) at `enroll_url`; its identity.
pub fn enroll(agent: &ureq::Agent, enroll_url: &str, serial: &str) -> Identity {
    let key = KeyPair::generate().unwrap();
    let (status, body) = post(
        agent,
        enroll_url,
        &EnrollRequest {
            serial: serial.into(),
            imei: IMEI.into(),
            csr_pem: csr(&key, serial),
        },
    );
    assert_eq!(status, 200, "{body}");
    let response: EnrollResponse = serde_json::from_value(body).unwrap();
    Identity {
        cert_pem: response.certificate_pem,
        key_pem: key.serialize_pem(),
    }
}

pub fn csr(key: &KeyPair, serial: &str) -> String {
    let mut params = CertificateParams::default();
    let mut dn = DistinguishedName::new();
    dn.push(DnType::CommonName, serial);
    params.distinguished_name = dn;
    params.serialize_request(key).unwrap().pem().unwrap()
}

pub fn agent(ca_pem: &str, identity: Option<&Identity>) -> ureq::Agent {
    use ureq::tls::{Certificate, ClientCert, PrivateKey, RootCerts, TlsConfig, TlsProvider};
    let ca = Certificate::from_pem(ca_pem.as_bytes()).unwrap();
    let mut tls = TlsConfig::builder()
        .provider(TlsProvider::Rustls)
        .root_certs(RootCerts::new_with_certs(&[ca]))
        .unversioned_rustls_crypto_provider(Arc::new(rustls::crypto::ring::default_provider()));
    if let Some(identity) = identity {
        tls = tls.client_cert(Some(ClientCert::new_with_certs(
            &[Certificate::from_pem(identity.cert_pem.as_bytes()).unwrap()],
            PrivateKey::from_pem(identity.key_pem.as_bytes()).unwrap(),
        )));
    }
    ureq::Agent::config_builder()
        .tls_config(tls.build())
        .http_status_as_error(false)
        .build()
        .new_agent()
}

pub fn post(agent: &ureq::Agent, url: &str, body: &impl serde::Serialize) -> (u16, Value) {
    let mut response = agent.post(url).send_json(body).unwrap();
    let status = response.status().as_u16();
    let value = response.body_mut().read_json::<Value>().unwrap();
    (status, value)
}

pub fn post_raw(agent: &ureq::Agent, url: &str, body: &str) -> (u16, Value) {
    let mut response = agent
        .post(url)
        .header("content-type", "application/json")
        .send(body)
        .unwrap();
    let status = response.status().as_u16();
    let value = response.body_mut().read_json::<Value>().unwrap();
    (status, value)
}

pub fn assert_api_error(body: &Value, code: &str) {
    assert_eq!(body["code"], code, "{body}");
    let message = body["message"].as_str().unwrap();
    assert!(
        message
            .chars()
            .any(|c| ('\u{3040}'..='\u{30ff}').contains(&c)),
        "message is Japanese: {message}"
    );
}

pub fn heartbeat() -> CheckInRequest {
    CheckInRequest {
        firmware_version: "1.2.3".into(),
        outbox_depth: 7,
        oldest_unsent_age_s: Some(42),
        modem: Some(ModemHeartbeat {
            operator: Some("NTT DOCOMO".into()),
            registered: true,
            signal_dbm: Some(-95),
            iccid: Some("8981100000000000000".into()),
        }),
    }
}

pub fn record(ticket: &str, dose: u8, registered_at: OffsetDateTime, lot: &str) -> Record {
    Record {
        id: Uuid::now_v7(),
        registered_at,
        vaccination_date: date!(2021 - 06 - 01),
        municipality: "131016".parse().unwrap(),
        ticket_number: TicketNumber::parse(ticket).unwrap(),
        dose,
        ticket_kind: 1,
        venue: "千代田区役所 集団接種会場".into(),
        doctor: "山田 太郎".into(),
        maker: "ファイザー".into(),
        lot: lot.into(),
        outcome: Outcome::Vaccinated,
        operator: "chiyoda01".into(),
    }
}

pub fn statuses(body: Value) -> Vec<ReceiptStatus> {
    let receipts: RecordReceipts = serde_json::from_value(body).unwrap();
    receipts.receipts.iter().map(|r| r.status).collect()
}
