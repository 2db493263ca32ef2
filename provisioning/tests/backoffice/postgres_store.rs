//! The PostgreSQL store against a real server: the conformance suite (each check in a new,
//! empty schema of its own), replicas sharing one schema, and the device API served from it
//! — in process with the operator CLI, and as the real `vrs-provision serve` binary over
//! mutual TLS, stopped by SIGTERM.
//!
//! They need a server, so they are ignored by default. `bash scripts/postgres.sh` starts a
//! throwaway cluster on loopback, sets `VRS_TEST_POSTGRES_URL` (a superuser URL such as
//! `postgres://postgres@127.0.0.1:PORT/postgres`) and runs them with `--ignored`. Run with
//! `--ignored` but without the variable, they fail: they never pass by skipping.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Barrier, Mutex};
use std::time::{Duration, Instant};

use time::macros::datetime;
use uuid::Uuid;
use vrs_protocol::wire::{CHECK_IN_PATH, ENROLL_PATH, RECORDS_PATH, ReceiptStatus, RecordBatch};
use vrs_provisioning::store::{self, NewDevice, Repository, SEEDED_VACCINE_MAKERS, StoreError};

use crate::conformance;
use crate::fixture::{Fixture, IMEI, agent, enroll, heartbeat, post, record, statuses};

/// Empty schemas made for one test in the database `VRS_TEST_POSTGRES_URL` names, dropped
/// with everything in them when the test ends. A store opened on [`Schemas::fresh`]'s URL
/// sees only its schema (`search_path`), which makes a new database for it in a few
/// milliseconds where `CREATE DATABASE` takes half a second.
struct Schemas {
    admin: String,
    made: Mutex<Vec<String>>,
}

impl Schemas {
    fn new() -> Self {
        let admin = std::env::var("VRS_TEST_POSTGRES_URL").expect(
            "VRS_TEST_POSTGRES_URL is not set: `bash scripts/postgres.sh` starts a \
             PostgreSQL cluster and runs these tests against it",
        );
        Self {
            admin,
            made: Mutex::new(Vec::new()),
        }
    }

    fn admin(&self) -> postgres::Client {
        postgres::Client::connect(&self.admin, postgres::NoTls).unwrap()
    }

    /// A new, empty schema; the URL of a store in it. Its sessions carry the schema's name
    /// as their `application_name`.
    fn fresh(&self) -> (String, String) {
        let name = format!("vrs_test_{}", Uuid::now_v7().simple());
        self.admin()
            .batch_execute(&format!("CREATE SCHEMA {name}"))
            .unwrap();
        self.made.lock().unwrap().push(name.clone());
        let base = self.admin.split('?').next().unwrap();
        let url = format!("{base}?application_name={name}&options=-csearch_path%3D{name}");
        (name, url)
    }

    /// How many sessions the store in schema `name` has open.
    fn sessions(&self, name: &str) -> i64 {
        self.admin()
            .query_one(
                "SELECT COUNT(*) FROM pg_stat_activity WHERE application_name = $1",
                &[&name],
            )
            .unwrap()
            .get(0)
    }
}

impl Drop for Schemas {
    fn drop(&mut self) {
        let Ok(mut admin) = postgres::Client::connect(&self.admin, postgres::NoTls) else {
            return;
        };
        for name in self.made.lock().unwrap().drain(..) {
            let _ = admin.batch_execute(&format!("DROP SCHEMA IF EXISTS {name} CASCADE"));
        }
    }
}

#[test]
#[ignore = "needs PostgreSQL: scripts/test.sh starts one and runs them with --ignored"]
fn the_postgres_store_conforms() {
    let schemas = Schemas::new();
    conformance::run_all(|| store::open(&schemas.fresh().1).unwrap());
}

#[test]
#[ignore = "needs PostgreSQL: scripts/test.sh starts one and runs them with --ignored"]
fn postgres_replicas_opening_a_new_database_migrate_it_once() {
    let schemas = Schemas::new();
    let (schema, url) = schemas.fresh();
    let start = Arc::new(Barrier::new(4));
    let openers: Vec<_> = (0..4)
        .map(|_| {
            let (url, start) = (url.clone(), start.clone());
            std::thread::spawn(move || {
                start.wait();
                store::open(&url).map(|_| ())
            })
        })
        .collect();
    for opener in openers {
        opener.join().unwrap().unwrap();
    }
    let repo = store::open(&url).unwrap();
    assert_eq!(
        repo.vaccine_makers().unwrap(),
        SEEDED_VACCINE_MAKERS.to_vec()
    );
    let mut client = postgres::Client::connect(&url, postgres::NoTls).unwrap();
    let current: String = client
        .query_one("SELECT current_schema()", &[])
        .unwrap()
        .get(0);
    assert_eq!(current, schema, "the URL keeps the store in its own schema");
    let versions: Vec<i64> = client
        .query(
            "SELECT version FROM schema_migrations ORDER BY version",
            &[],
        )
        .unwrap()
        .iter()
        .map(|r| r.get(0))
        .collect();
    assert_eq!(
        versions,
        (1..=store::postgres::PostgresStore::schema_version()).collect::<Vec<_>>()
    );
}

#[test]
#[ignore = "needs PostgreSQL: scripts/test.sh starts one and runs them with --ignored"]
fn a_postgres_database_of_a_newer_build_is_refused() {
    let schemas = Schemas::new();
    let (_, url) = schemas.fresh();
    drop(store::open(&url).unwrap());
    postgres::Client::connect(&url, postgres::NoTls)
        .unwrap()
        .execute(
            "INSERT INTO schema_migrations (version, applied_at) VALUES (99, now())",
            &[],
        )
        .unwrap();
    let Err(err) = store::open(&url) else {
        panic!("a schema of a newer build was opened");
    };
    assert!(
        matches!(err, StoreError::SchemaTooNew { found: 99, .. }),
        "{err:?}"
    );
}

#[test]
#[ignore = "needs PostgreSQL: scripts/test.sh starts one and runs them with --ignored"]
fn postgres_replicas_racing_on_one_record_store_it_once() {
    let schemas = Schemas::new();
    let (_, url) = schemas.fresh();
    let replicas: Vec<Arc<dyn Repository>> = (0..4).map(|_| store::open(&url).unwrap()).collect();
    replicas[0]
        .register_device(
            &NewDevice {
                serial: "SN-0001".into(),
                imei: IMEI.into(),
            },
            "logistics",
        )
        .unwrap();
    for round in 0..5 {
        // The same record from every replica at once: exactly one stores it.
        let same = record(
            &format!("00000{round:05}"),
            1,
            datetime!(2021-06-01 10:00 +09:00),
            "FF0843",
        );
        // And one newer registration per replica of another ticket: one stays current.
        let newer: Vec<_> = (0..replicas.len())
            .map(|i| {
                record(
                    &format!("00001{round:05}"),
                    1,
                    datetime!(2021-06-01 11:00 +09:00) + Duration::from_secs(i as u64),
                    "FF0843",
                )
            })
            .collect();
        let start = Arc::new(Barrier::new(replicas.len()));
        let uploads: Vec<_> = replicas
            .iter()
            .zip(newer)
            .map(|(repo, newer)| {
                let (repo, start, same) = (repo.clone(), start.clone(), same.clone());
                std::thread::spawn(move || {
                    start.wait();
                    repo.store_records("SN-0001", &[same, newer], time::OffsetDateTime::now_utc())
                        .unwrap()
                })
            })
            .collect();
        let receipts: Vec<_> = uploads.into_iter().map(|u| u.join().unwrap()).collect();
        let stored_once = receipts
            .iter()
            .filter(|r| r[0].status == ReceiptStatus::Stored)
            .count();
        assert_eq!(stored_once, 1, "round {round}: {receipts:?}");
        assert!(
            receipts
                .iter()
                .filter(|r| r[0].status != ReceiptStatus::Stored)
                .all(|r| r[0].status == ReceiptStatus::Duplicate),
            "{receipts:?}"
        );
    }
    let chiyoda = "131016".parse().unwrap();
    let current = replicas[0].records(chiyoda, false).unwrap();
    let all = replicas[0].records(chiyoda, true).unwrap();
    assert_eq!(current.len(), 5 * 2, "one current record per ticket");
    assert_eq!(all.len(), 5 * (1 + replicas.len()));
    for stored in current
        .iter()
        .filter(|s| s.record.ticket_number.as_str().starts_with("00001"))
    {
        // The latest registration (the last replica's) is the current one.
        assert_eq!(
            stored.record.registered_at,
            datetime!(2021-06-01 11:00 +09:00) + Duration::from_secs(replicas.len() as u64 - 1)
        );
    }
}

#[test]
#[ignore = "needs PostgreSQL: scripts/test.sh starts one and runs them with --ignored"]
fn the_device_api_and_the_operator_cli_run_on_postgres() {
    let schemas = Schemas::new();
    let (schema, url) = schemas.fresh();
    let fx = Fixture::on(tempfile::tempdir().unwrap(), url.clone());
    // Registration and activation go through the operator CLI with `--db postgres://…`,
    // enrollment, check-in and upload through the server over mutual TLS.
    let identity = fx.active("SN-0001");
    let agent = fx.agent(Some(&identity));
    let (status, body) = post(&agent, &fx.url(CHECK_IN_PATH), &heartbeat());
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["lifecycle"], "active");
    let first = record(
        "0000012345",
        2,
        datetime!(2021-06-01 10:00 +09:00),
        "FF0843",
    );
    let batch = RecordBatch {
        records: vec![first.clone()],
    };
    let (status, body) = post(&agent, &fx.url(RECORDS_PATH), &batch);
    assert_eq!(status, 200, "{body}");
    assert_eq!(statuses(body), vec![ReceiptStatus::Stored]);
    let (_, body) = post(&agent, &fx.url(RECORDS_PATH), &batch);
    assert_eq!(statuses(body), vec![ReceiptStatus::Duplicate]);
    let count = fx.cli(&["records", "count"]).unwrap();
    assert!(count.contains("千代田区役所 集団接種会場"), "{count}");
    let audit = fx.cli(&["audit", "list"]).unwrap();
    assert!(audit.contains("device.activate"), "{audit}");

    // The server closes its connections when it stops, even though its state is dropped
    // on the async side.
    let Fixture { server, .. } = fx;
    server.shutdown();
    let deadline = Instant::now() + Duration::from_secs(10);
    while schemas.sessions(&schema) > 0 {
        assert!(
            Instant::now() < deadline,
            "the stopped server left sessions open"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    let repo = store::open(&url).unwrap();
    assert_eq!(
        repo.records("131016".parse().unwrap(), false)
            .unwrap()
            .len(),
        1
    );
}

/// A child process killed if the test fails before it ends it.
struct Reaped(Child);

impl Drop for Reaped {
    fn drop(&mut self) {
        if let Ok(None) = self.0.try_wait() {
            let _ = self.0.kill();
            let _ = self.0.wait();
        }
    }
}

/// Runs `vrs-provision ARGS…`; its standard output. Fails the test if the command fails.
fn vrs_provision(args: &[&str]) -> String {
    let output = Command::new(env!("CARGO_BIN_EXE_vrs-provision"))
        .args(args)
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "vrs-provision {args:?}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).unwrap()
}

#[test]
#[ignore = "needs PostgreSQL: scripts/test.sh starts one and runs them with --ignored"]
fn vrs_provision_serve_runs_on_postgres() {
    let schemas = Schemas::new();
    let (_, url) = schemas.fresh();
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("state");
    let state_arg = state.to_str().unwrap();
    let mut serve = Reaped(
        Command::new(env!("CARGO_BIN_EXE_vrs-provision"))
            .args([
                "serve",
                "--db",
                &url,
                "--listen",
                "127.0.0.1:0",
                "--state-dir",
            ])
            .arg(&state)
            .args(["--hostname", "backoffice.test"])
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap(),
    );
    let mut stdout = BufReader::new(serve.0.stdout.take().unwrap()).lines();
    let listening = stdout.next().unwrap().unwrap();
    let addr = listening
        .strip_prefix("listening on https://")
        .unwrap_or_else(|| panic!("serve said: {listening}"))
        .to_owned();
    let base = format!("https://{addr}");

    vrs_provision(&[
        "device", "register", "--db", &url, "--serial", "SN-0001", "--imei", IMEI,
    ]);
    let ca = vrs_provision(&["ca-cert", "--state-dir", state_arg]);
    let identity = enroll(
        &agent(&ca, None),
        &format!("{base}{ENROLL_PATH}"),
        "SN-0001",
    );
    vrs_provision(&[
        "device",
        "activate",
        "--db",
        &url,
        "--serial",
        "SN-0001",
        "--municipality",
        "131016",
    ]);
    let tablet = agent(&ca, Some(&identity));
    let (status, body) = post(&tablet, &format!("{base}{CHECK_IN_PATH}"), &heartbeat());
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["lifecycle"], "active");
    let batch = RecordBatch {
        records: vec![record(
            "0000012345",
            1,
            datetime!(2021-06-01 10:00 +09:00),
            "FF0843",
        )],
    };
    let (status, body) = post(&tablet, &format!("{base}{RECORDS_PATH}"), &batch);
    assert_eq!(status, 200, "{body}");
    assert_eq!(statuses(body), vec![ReceiptStatus::Stored]);
    let devices = vrs_provision(&["device", "list", "--db", &url]);
    assert!(devices.contains("SN-0001"), "{devices}");

    // SIGTERM: a graceful stop and a clean exit.
    let term = Command::new("kill")
        .args(["-TERM", &serve.0.id().to_string()])
        .status()
        .unwrap();
    assert!(term.success());
    let exit = serve.0.wait().unwrap();
    assert!(exit.success(), "serve ended with {exit}");
    let rest: Vec<String> = stdout.map(Result::unwrap).collect();
    assert!(rest.iter().any(|l| l.starts_with("stopped at")), "{rest:?}");
}
