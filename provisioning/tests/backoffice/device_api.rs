//! The device API end to end: a real TLS server on 127.0.0.1, a real SQLite file, real
//! rustls clients (ureq) and the operator CLI on the same database.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::sync::Arc;

use rcgen::{CertificateParams, DistinguishedName, DnType, KeyPair};
use serde_json::Value;
use time::OffsetDateTime;
use time::macros::{date, datetime};
use uuid::Uuid;
use vrs_protocol::wire::{
    CHECK_IN_PATH, CheckInRequest, CheckInResponse, ENROLL_PATH, EnrollRequest, EnrollResponse,
    MAX_BATCH, ModemHeartbeat, RECORDS_PATH, ReceiptStatus, RecordBatch, RecordReceipts,
};
use vrs_protocol::{Lifecycle, Outcome, Record, TicketNumber};
use vrs_provisioning::server::{RunningServer, ServerConfig, start};

const IMEI: &str = "490154203237518";
const OTHER_IMEI: &str = "356938035643809";

struct Fixture {
    dir: tempfile::TempDir,
    db: String,
    server: RunningServer,
}

impl Fixture {
    fn new() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let db = format!("sqlite:{}", dir.path().join("backoffice.db").display());
        let server = start(ServerConfig {
            db: db.clone(),
            listen: "127.0.0.1:0".parse().unwrap(),
            state_dir: dir.path().join("state"),
            hostnames: vec!["backoffice.test".into()],
        })
        .unwrap();
        Self { dir, db, server }
    }

    fn url(&self, path: &str) -> String {
        format!(
            "https://127.0.0.1:{}{path}",
            self.server.local_addr().port()
        )
    }

    fn state_dir(&self) -> std::path::PathBuf {
        self.dir.path().join("state")
    }

    /// Runs the CLI on this fixture's database; returns its output.
    fn cli(&self, args: &[&str]) -> anyhow::Result<String> {
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

    fn agent(&self, identity: Option<&Identity>) -> ureq::Agent {
        agent(&self.server.ca_pem(), identity)
    }

    /// Registers, enrolls and (optionally) activates a tablet; returns its identity.
    fn enrolled(&self, serial: &str) -> Identity {
        self.cli(&["device", "register", "--serial", serial, "--imei", IMEI])
            .unwrap();
        let key = KeyPair::generate().unwrap();
        let (status, body) = post(
            &self.agent(None),
            &self.url(ENROLL_PATH),
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

    fn active(&self, serial: &str) -> Identity {
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

struct Identity {
    cert_pem: String,
    key_pem: String,
}

fn csr(key: &KeyPair, serial: &str) -> String {
    let mut params = CertificateParams::default();
    let mut dn = DistinguishedName::new();
    dn.push(DnType::CommonName, serial);
    params.distinguished_name = dn;
    params.serialize_request(key).unwrap().pem().unwrap()
}

fn agent(ca_pem: &str, identity: Option<&Identity>) -> ureq::Agent {
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

fn post(agent: &ureq::Agent, url: &str, body: &impl serde::Serialize) -> (u16, Value) {
    let mut response = agent.post(url).send_json(body).unwrap();
    let status = response.status().as_u16();
    let value = response.body_mut().read_json::<Value>().unwrap();
    (status, value)
}

fn post_raw(agent: &ureq::Agent, url: &str, body: &str) -> (u16, Value) {
    let mut response = agent
        .post(url)
        .header("content-type", "application/json")
        .send(body)
        .unwrap();
    let status = response.status().as_u16();
    let value = response.body_mut().read_json::<Value>().unwrap();
    (status, value)
}

fn assert_api_error(body: &Value, code: &str) {
    assert_eq!(body["code"], code, "{body}");
    let message = body["message"].as_str().unwrap();
    assert!(
        message
            .chars()
            .any(|c| ('\u{3040}'..='\u{30ff}').contains(&c)),
        "message is Japanese: {message}"
    );
}

fn heartbeat() -> CheckInRequest {
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

fn record(ticket: &str, dose: u8, registered_at: OffsetDateTime, lot: &str) -> Record {
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

fn statuses(body: Value) -> Vec<ReceiptStatus> {
    let receipts: RecordReceipts = serde_json::from_value(body).unwrap();
    receipts.receipts.iter().map(|r| r.status).collect()
}

#[test]
fn enroll_requires_a_registered_serial_and_its_imei() {
    let fx = Fixture::new();
    let agent = fx.agent(None);
    let key = KeyPair::generate().unwrap();
    let request = |imei: &str| EnrollRequest {
        serial: "SN-0001".into(),
        imei: imei.into(),
        csr_pem: csr(&key, "SN-0001"),
    };

    let (status, body) = post(&agent, &fx.url(ENROLL_PATH), &request(IMEI));
    assert_eq!(status, 403);
    assert_api_error(&body, "unknown_device");
    assert!(
        body["message"].as_str().unwrap().contains("物流担当"),
        "{body}"
    );

    fx.cli(&["device", "register", "--serial", "SN-0001", "--imei", IMEI])
        .unwrap();
    let (status, body) = post(&agent, &fx.url(ENROLL_PATH), &request(OTHER_IMEI));
    assert_eq!(status, 403);
    assert_api_error(&body, "imei_mismatch");

    let (status, body) = post(
        &agent,
        &fx.url(ENROLL_PATH),
        &EnrollRequest {
            csr_pem:
                "-----BEGIN CERTIFICATE REQUEST-----\nAAAA\n-----END CERTIFICATE REQUEST-----\n"
                    .into(),
            ..request(IMEI)
        },
    );
    assert_eq!(status, 400);
    assert_api_error(&body, "bad_csr");

    let (status, body) = post(&agent, &fx.url(ENROLL_PATH), &request(IMEI));
    assert_eq!(status, 200, "{body}");
    let response: EnrollResponse = serde_json::from_value(body).unwrap();
    assert_eq!(response.ca_pem, fx.server.ca_pem());

    // The certificate chains to the CA and names the serial.
    let cert_der =
        rustls_pki_types::pem::PemObject::from_pem_slice(response.certificate_pem.as_bytes())
            .map(|c: rustls_pki_types::CertificateDer<'static>| c)
            .unwrap();
    let ca_der: rustls_pki_types::CertificateDer<'static> =
        rustls_pki_types::pem::PemObject::from_pem_slice(response.ca_pem.as_bytes()).unwrap();
    let (_, cert) = x509_parser::parse_x509_certificate(&cert_der).unwrap();
    let (_, ca) = x509_parser::parse_x509_certificate(&ca_der).unwrap();
    cert.verify_signature(Some(ca.public_key())).unwrap();
    assert_eq!(cert.issuer(), ca.subject());
    assert_eq!(
        cert.subject()
            .iter_common_name()
            .next()
            .unwrap()
            .as_str()
            .unwrap(),
        "SN-0001"
    );
    assert_eq!(
        ca.subject()
            .iter_common_name()
            .next()
            .unwrap()
            .as_str()
            .unwrap(),
        "vrs-kiosk back office CA"
    );

    // The answer may have been lost on the way (LTE drop): until the tablet checks in with
    // its certificate, enrolling again with a fresh key replaces the unused certificate.
    let lost = Identity {
        cert_pem: response.certificate_pem.clone(),
        key_pem: key.serialize_pem(),
    };
    let fresh = KeyPair::generate().unwrap();
    let (status, body) = post(
        &agent,
        &fx.url(ENROLL_PATH),
        &EnrollRequest {
            csr_pem: csr(&fresh, "SN-0001"),
            ..request(IMEI)
        },
    );
    assert_eq!(status, 200, "{body}");
    let retried: EnrollResponse = serde_json::from_value(body).unwrap();
    let current = Identity {
        cert_pem: retried.certificate_pem,
        key_pem: fresh.serialize_pem(),
    };
    let (status, body) = post(&fx.agent(Some(&lost)), &fx.url(CHECK_IN_PATH), &heartbeat());
    assert_eq!(status, 403, "the replaced certificate is dead: {body}");
    assert_api_error(&body, "unknown_certificate");
    let (status, body) = post(
        &fx.agent(Some(&current)),
        &fx.url(CHECK_IN_PATH),
        &heartbeat(),
    );
    assert_eq!(status, 200, "{body}");

    // Once the certificate was used, enrolling again is refused.
    let (status, body) = post(&agent, &fx.url(ENROLL_PATH), &request(IMEI));
    assert_eq!(status, 409);
    assert_api_error(&body, "already_enrolled");

    let list = fx.cli(&["device", "list"]).unwrap();
    assert!(
        list.contains("SN-0001") && list.contains("awaiting_activation"),
        "{list}"
    );
    let audit = fx.cli(&["audit", "list"]).unwrap();
    assert!(
        audit.contains("device.enroll") && audit.contains("device.register"),
        "{audit}"
    );
}

#[test]
fn check_in_follows_the_lifecycle() {
    let fx = Fixture::new();
    let identity = fx.enrolled("SN-0002");
    let agent = fx.agent(Some(&identity));

    let (status, body) = post(&agent, &fx.url(CHECK_IN_PATH), &heartbeat());
    assert_eq!(status, 200, "{body}");
    let response: CheckInResponse = serde_json::from_value(body).unwrap();
    assert_eq!(response.lifecycle, Lifecycle::AwaitingActivation);
    assert_eq!(response.activation, None);
    assert!(response.accounts.is_empty() && response.venues.is_empty());

    let activated = fx
        .cli(&[
            "device",
            "activate",
            "--serial",
            "SN-0002",
            "--municipality",
            "131016",
        ])
        .unwrap();
    assert!(activated.contains("千代田区"), "{activated}");
    let venue_id = fx
        .cli(&[
            "venue",
            "add",
            "--municipality",
            "131016",
            "--name",
            "千代田区役所 集団接種会場",
        ])
        .unwrap()
        .trim()
        .to_owned();
    fx.cli(&[
        "venue",
        "add",
        "--municipality",
        "011002",
        "--name",
        "札幌会場",
    ])
    .unwrap();
    let password_file = fx.dir.path().join("password.txt");
    std::fs::write(&password_file, "kiosk-pass-01\n").unwrap();
    fx.cli(&[
        "account",
        "add",
        "--municipality",
        "131016",
        "--login",
        "chiyoda01",
        "--venue",
        &venue_id,
        "--password-file",
        password_file.to_str().unwrap(),
    ])
    .unwrap();
    fx.cli(&[
        "account",
        "add",
        "--municipality",
        "011002",
        "--login",
        "sapporo01",
        "--password-file",
        password_file.to_str().unwrap(),
    ])
    .unwrap();

    let (status, body) = post(&agent, &fx.url(CHECK_IN_PATH), &heartbeat());
    assert_eq!(status, 200, "{body}");
    let response: CheckInResponse = serde_json::from_value(body).unwrap();
    assert_eq!(response.lifecycle, Lifecycle::Active);
    let activation = response.activation.unwrap();
    assert_eq!(activation.municipality.as_string(), "131016");
    assert!(activation.municipality_name.contains("千代田区"));
    assert_eq!(response.venues.len(), 1, "only the municipality's venues");
    assert_eq!(response.venues[0].id, venue_id);
    assert_eq!(
        response.accounts.len(),
        1,
        "only the municipality's accounts"
    );
    let account = &response.accounts[0];
    assert_eq!(account.login_id, "chiyoda01");
    assert_eq!(account.venue_id.as_deref(), Some(venue_id.as_str()));
    assert!(vrs_provisioning::password::verify(
        "kiosk-pass-01",
        &account.password_phc
    ));
    assert!(response.vaccine_makers.contains(&"ファイザー".to_owned()));
    assert_eq!(response.vaccine_makers.len(), 4);
    let skew = (response.server_time - OffsetDateTime::now_utc()).abs();
    assert!(skew < time::Duration::minutes(5), "server time {skew}");

    // The heartbeat is stored.
    let list = fx.cli(&["device", "list"]).unwrap();
    let line = list.lines().find(|l| l.starts_with("SN-0002")).unwrap();
    assert!(line.contains("active") && line.contains("131016"), "{line}");
    assert!(line.trim_end().ends_with('7'), "outbox depth shown: {line}");

    // Locked: still knows its municipality, no accounts to log in with.
    fx.cli(&["device", "lock", "--serial", "SN-0002"]).unwrap();
    let (_, body) = post(&agent, &fx.url(CHECK_IN_PATH), &heartbeat());
    let response: CheckInResponse = serde_json::from_value(body).unwrap();
    assert_eq!(response.lifecycle, Lifecycle::Locked);
    assert!(response.activation.is_some());
    assert!(response.accounts.is_empty());
}

#[test]
fn device_endpoints_need_a_known_certificate_of_our_ca() {
    let fx = Fixture::new();

    // No certificate → 401 with an ApiError, even before the body is read.
    let (status, body) = post(&fx.agent(None), &fx.url(CHECK_IN_PATH), &heartbeat());
    assert_eq!(status, 401);
    assert_api_error(&body, "client_certificate_required");
    let (status, body) = post_raw(&fx.agent(None), &fx.url(RECORDS_PATH), "{");
    assert_eq!(status, 401);
    assert_api_error(&body, "client_certificate_required");

    // A certificate of another CA → the handshake is refused.
    let foreign_dir = tempfile::tempdir().unwrap();
    let foreign =
        vrs_provisioning::ca::CertificateAuthority::load_or_create(foreign_dir.path()).unwrap();
    let key = KeyPair::generate().unwrap();
    let foreign_identity = Identity {
        cert_pem: foreign
            .sign_device_csr(&csr(&key, "SN-X"), "SN-X")
            .unwrap()
            .pem,
        key_pem: key.serialize_pem(),
    };
    let result = fx
        .agent(Some(&foreign_identity))
        .post(&fx.url(CHECK_IN_PATH))
        .send_json(heartbeat());
    // Same CA name, other key: the server's verifier rejects the signature and closes the
    // connection (the client sees the alert or a broken pipe, depending on timing).
    let error = result.expect_err("foreign certificate accepted");
    assert!(matches!(error, ureq::Error::Io(_)), "{error:?}");

    // A certificate of our CA that no device holds → 403.
    let ours = vrs_provisioning::ca::CertificateAuthority::load_or_create(&fx.state_dir()).unwrap();
    let key = KeyPair::generate().unwrap();
    let stray = Identity {
        cert_pem: ours
            .sign_device_csr(&csr(&key, "SN-Y"), "SN-Y")
            .unwrap()
            .pem,
        key_pem: key.serialize_pem(),
    };
    let (status, body) = post(
        &fx.agent(Some(&stray)),
        &fx.url(CHECK_IN_PATH),
        &heartbeat(),
    );
    assert_eq!(status, 403);
    assert_api_error(&body, "unknown_certificate");

    // Unknown paths and methods answer with ApiError bodies too.
    let (status, body) = post(&fx.agent(None), &fx.url("/v1/nothing"), &heartbeat());
    assert_eq!(status, 404);
    assert_api_error(&body, "not_found");
}

#[test]
fn bad_clients_do_not_disturb_the_server() {
    let fx = Fixture::new();
    // Garbage instead of a TLS ClientHello.
    let mut raw = TcpStream::connect(fx.server.local_addr()).unwrap();
    raw.write_all(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n\x00\x01\x02garbage")
        .unwrap();
    let mut sink = Vec::new();
    let _ = raw.read_to_end(&mut sink);
    // A client that connects and says nothing while others are served.
    let _silent = TcpStream::connect(fx.server.local_addr()).unwrap();
    // Plain HTTP to the TLS port.
    let plain = ureq::get(&format!("http://{}/v1/enroll", fx.server.local_addr())).call();
    assert!(plain.is_err());

    let identity = fx.enrolled("SN-0003");
    let (status, _) = post(
        &fx.agent(Some(&identity)),
        &fx.url(CHECK_IN_PATH),
        &heartbeat(),
    );
    assert_eq!(status, 200);
}

#[test]
fn records_are_stored_idempotently_and_overwrites_keep_history() {
    let fx = Fixture::new();
    let identity = fx.active("SN-0004");
    let agent = fx.agent(Some(&identity));
    let url = fx.url(RECORDS_PATH);

    let first = record(
        "0000012345",
        2,
        datetime!(2021-06-01 10:00 +09:00),
        "FF0843",
    );
    let other = record(
        "0000099999",
        1,
        datetime!(2021-06-01 10:05 +09:00),
        "FF0843",
    );
    let mut sapporo = record(
        "0000000001",
        1,
        datetime!(2021-06-01 10:06 +09:00),
        "FF0843",
    );
    // Filed under the ticket's municipality even though the venue is elsewhere.
    sapporo.municipality = "011002".parse().unwrap();
    let (status, body) = post(
        &agent,
        &url,
        &RecordBatch {
            records: vec![first.clone(), other.clone(), sapporo.clone()],
        },
    );
    assert_eq!(status, 200, "{body}");
    assert_eq!(statuses(body), vec![ReceiptStatus::Stored; 3]);

    // The same upload again (a lost acknowledgement): nothing changes.
    let (status, body) = post(
        &agent,
        &url,
        &RecordBatch {
            records: vec![first.clone()],
        },
    );
    assert_eq!(status, 200);
    assert_eq!(statuses(body), vec![ReceiptStatus::Duplicate]);

    // A later registration of the same ticket and dose overwrites; a late upload of an
    // even earlier one goes straight into history.
    let correction = record(
        "0000012345",
        2,
        datetime!(2021-06-01 10:30 +09:00),
        "FF0999",
    );
    let stale = record(
        "0000012345",
        2,
        datetime!(2021-06-01 09:00 +09:00),
        "EY0000",
    );
    let (status, body) = post(
        &agent,
        &url,
        &RecordBatch {
            records: vec![correction.clone(), stale.clone(), correction.clone()],
        },
    );
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        statuses(body),
        vec![
            ReceiptStatus::Overwrote,
            ReceiptStatus::Stored,
            ReceiptStatus::Duplicate
        ]
    );

    let current = fx
        .cli(&["records", "export", "--municipality", "131016"])
        .unwrap();
    let lines: Vec<&str> = current.lines().collect();
    assert_eq!(
        lines[0],
        "id,registered_at,vaccination_date,municipality,ticket_number,dose,ticket_kind,venue,\
         doctor,maker,lot,outcome,operator,device,superseded"
    );
    assert_eq!(lines.len(), 3, "{current}");
    assert_eq!(
        lines[1],
        format!(
            "{},2021-06-01T10:05:00+09:00,2021-06-01,131016,0000099999,1,1,\
             千代田区役所 集団接種会場,山田 太郎,ファイザー,FF0843,接種済,chiyoda01,SN-0004,",
            other.id
        )
    );
    assert!(lines[2].starts_with(&correction.id.to_string()) && lines[2].contains("FF0999"));

    let history = fx
        .cli(&[
            "records",
            "export",
            "--municipality",
            "131016",
            "--include-superseded",
        ])
        .unwrap();
    let rows: Vec<&str> = history.lines().skip(1).collect();
    assert_eq!(rows.len(), 4, "{history}");
    let row_of = |id: Uuid| {
        rows.iter()
            .find(|r| r.starts_with(&id.to_string()))
            .unwrap()
    };
    assert!(row_of(first.id).ends_with(&format!(",{}", correction.id)));
    assert!(row_of(stale.id).ends_with(&format!(",{}", correction.id)));
    assert!(row_of(correction.id).ends_with("SN-0004,"));

    let sapporo_export = fx
        .cli(&["records", "export", "--municipality", "011002"])
        .unwrap();
    assert!(
        sapporo_export.contains(&sapporo.id.to_string()),
        "{sapporo_export}"
    );

    let counts = fx
        .cli(&[
            "records",
            "count",
            "--municipality",
            "131016",
            "--date",
            "2021-06-01",
        ])
        .unwrap();
    let row = counts.lines().nth(1).unwrap();
    let numbers: Vec<&str> = row.split_whitespace().collect();
    assert_eq!(
        &numbers[..5],
        &["2021-06-01", "131016", "2", "0", "2"],
        "{counts}"
    );

    let audit = fx.cli(&["audit", "list", "--limit", "100"]).unwrap();
    assert!(audit.contains("record.supersede"), "{audit}");
    assert!(audit.contains("records.export"), "{audit}");
    assert!(
        !audit.contains("0000012345"),
        "audit keeps ticket numbers masked"
    );
}

#[test]
fn records_are_refused_unless_active_or_locked() {
    let fx = Fixture::new();
    let identity = fx.enrolled("SN-0005");
    let agent = fx.agent(Some(&identity));
    let batch = RecordBatch {
        records: vec![record("0000000042", 1, OffsetDateTime::now_utc(), "AB1234")],
    };
    let (status, body) = post(&agent, &fx.url(RECORDS_PATH), &batch);
    assert_eq!(status, 403);
    assert_api_error(&body, "not_active");

    fx.cli(&[
        "device",
        "activate",
        "--serial",
        "SN-0005",
        "--municipality",
        "131016",
    ])
    .unwrap();
    fx.cli(&["device", "lock", "--serial", "SN-0005"]).unwrap();
    let (status, body) = post(&agent, &fx.url(RECORDS_PATH), &batch);
    assert_eq!(
        status, 200,
        "a locked tablet still drains its outbox: {body}"
    );
    assert_eq!(statuses(body), vec![ReceiptStatus::Stored]);
}

#[test]
fn bad_bodies_get_api_errors_and_store_nothing() {
    let fx = Fixture::new();
    let identity = fx.active("SN-0006");
    let agent = fx.agent(Some(&identity));
    let url = fx.url(RECORDS_PATH);

    let (status, body) = post_raw(&agent, &url, "{\"records\": [");
    assert_eq!(status, 400);
    assert_api_error(&body, "malformed_json");
    let (status, body) = post_raw(&agent, &url, "not json at all");
    assert_eq!(status, 400);
    assert_api_error(&body, "malformed_json");
    let (status, body) = post_raw(&agent, &url, "{\"records\": 5}");
    assert_eq!(status, 422);
    assert_api_error(&body, "invalid_json");

    let mut bad = record("0000000077", 1, OffsetDateTime::now_utc(), "AB1234");
    bad.venue = "あ".repeat(31);
    let good = record("0000000078", 1, OffsetDateTime::now_utc(), "AB1234");
    let (status, body) = post(
        &agent,
        &url,
        &RecordBatch {
            records: vec![good, bad],
        },
    );
    assert_eq!(status, 422);
    assert_api_error(&body, "invalid_record");
    assert!(
        body["message"].as_str().unwrap().contains("2件目"),
        "{body}"
    );

    let many: Vec<Record> = (0..=MAX_BATCH)
        .map(|i| record(&format!("{i:010}"), 1, OffsetDateTime::now_utc(), "AB1234"))
        .collect();
    let (status, body) = post(&agent, &url, &RecordBatch { records: many });
    assert_eq!(status, 413);
    assert_api_error(&body, "batch_too_large");

    let export = fx
        .cli(&["records", "export", "--municipality", "131016"])
        .unwrap();
    assert_eq!(export.lines().count(), 1, "nothing stored: {export}");
}

#[test]
fn device_import_is_all_or_nothing() {
    let fx = Fixture::new();
    let csv = fx.dir.path().join("devices.csv");
    std::fs::write(
        &csv,
        format!("serial,imei\nSN-1,{IMEI}\nSN-2,490154203237517\nSN-3,{OTHER_IMEI}\n"),
    )
    .unwrap();
    let err = fx
        .cli(&["device", "import", "--csv", csv.to_str().unwrap()])
        .unwrap_err();
    assert!(format!("{err:#}").contains("3行目"), "{err:#}");
    assert_eq!(fx.cli(&["device", "list"]).unwrap().lines().count(), 1);

    // A serial already in the database also rolls the whole file back.
    fx.cli(&[
        "device", "register", "--serial", "SN-3", "--imei", OTHER_IMEI,
    ])
    .unwrap();
    std::fs::write(
        &csv,
        format!("serial,imei\nSN-1,{IMEI}\nSN-3,{OTHER_IMEI}\n"),
    )
    .unwrap();
    assert!(
        fx.cli(&["device", "import", "--csv", csv.to_str().unwrap()])
            .is_err()
    );
    assert_eq!(fx.cli(&["device", "list"]).unwrap().lines().count(), 2);

    std::fs::write(
        &csv,
        format!("serial,imei\nSN-1,{IMEI}\nSN-2,{OTHER_IMEI}\n"),
    )
    .unwrap();
    let out = fx
        .cli(&["device", "import", "--csv", csv.to_str().unwrap()])
        .unwrap();
    assert!(out.contains('2'), "{out}");
    let list = fx.cli(&["device", "list"]).unwrap();
    assert_eq!(list.lines().count(), 4, "{list}");
}

#[test]
fn ca_cert_command_prints_the_servers_ca() {
    let fx = Fixture::new();
    let state = fx.state_dir();
    let out = fx
        .cli(&["ca-cert", "--state-dir", state.to_str().unwrap()])
        .unwrap();
    assert_eq!(out, fx.server.ca_pem());
    assert!(out.starts_with("-----BEGIN CERTIFICATE-----"));
}

#[test]
fn server_restarts_with_the_same_ca_and_data() {
    let fx = Fixture::new();
    let identity = fx.active("SN-0007");
    let ca = fx.server.ca_pem();
    let Fixture { dir, db, server } = fx;
    server.shutdown();
    let again = start(ServerConfig {
        db: db.clone(),
        listen: "127.0.0.1:0".parse().unwrap(),
        state_dir: dir.path().join("state"),
        hostnames: vec!["backoffice.test".into()],
    })
    .unwrap();
    assert_eq!(again.ca_pem(), ca);
    let url = format!(
        "https://127.0.0.1:{}{CHECK_IN_PATH}",
        again.local_addr().port()
    );
    let (status, body) = post(&agent(&ca, Some(&identity)), &url, &heartbeat());
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["lifecycle"], "active");
}

#[test]
fn unsupported_databases_are_refused_clearly() {
    let dir = tempfile::tempdir().unwrap();
    let config = |db: &str| ServerConfig {
        db: db.into(),
        listen: "127.0.0.1:0".parse().unwrap(),
        state_dir: dir.path().join("state"),
        hostnames: vec![],
    };
    let err = start(config("postgres://vrs:secret@db.example/vrs")).unwrap_err();
    assert!(
        matches!(
            err,
            vrs_provisioning::server::ServerError::Store(
                vrs_provisioning::store::StoreError::PostgresNotSupported { .. }
            )
        ),
        "{err:?}"
    );
    assert!(err.to_string().contains("not supported yet in this build"));
    assert!(!err.to_string().contains("secret"));
    let err = start(config("mysql://db/vrs")).unwrap_err();
    assert!(err.to_string().contains("sqlite:"), "{err}");
    assert!(
        !Path::new(&dir.path().join("state"))
            .join("ca.key.pem")
            .exists()
    );
}
