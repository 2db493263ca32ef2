//! One ticket from camera frame to back office, for real, end to end.
//!
//! Back office up (TLS, own CA, SQLite on disk); the tablet's serial pre-registered through
//! the CLI; the tablet enrolls itself (CSR → client certificate) and checks in over mTLS;
//! refused login until the CLI activates it; login, presets; a generated ticket image is
//! read by the scanner from the replay camera; confirmed, registered (committed to the
//! outbox), uploaded — and the record, with venue, maker, lot, doctor and outcome, read back
//! from the back office's store through its CSV export.

use std::sync::Arc;
use std::sync::mpsc;
use std::time::Duration;

use vrs_device::camera::{CameraThread, LatestFrame, ReplaySource};
use vrs_device::identity::DeviceIdentity;
use vrs_device::runtime::{Peripherals, Runtime, RuntimeConfig};
use vrs_device::scan_worker::{ScanUpdate, ScanWorker};
use vrs_device::session::{PresetsInput, Session, SessionError};
use vrs_e2e::backoffice::BackOffice;
use vrs_e2e::wait;
use vrs_protocol::{Lifecycle, MasterList, Outcome};
use vrs_scanner::{GrayFrame, Reader, ReaderConfig, ScanEvent, Source};

const SERIAL: &str = "VRS-E2E-0001";
const IMEI: &str = "490154203237518";
const PAYLOAD: &str = "121310160000012345";
const DEADLINE: Duration = Duration::from_secs(60);

fn ticket_frames() -> Vec<GrayFrame> {
    let fonts =
        vrs_ticket_gen::Fonts::system().expect("ticket fonts (scripts/deps.sh installs them)");
    vrs_ticket_gen::sequence(&[PAYLOAD.to_owned()], 640, 480, 7, &fonts)
        .expect("generating the ticket sequence")
        .into_iter()
        .map(|s| {
            let (w, h) = s.frame.dimensions();
            GrayFrame::new(w, h, s.frame.into_raw()).unwrap()
        })
        .collect()
}

#[test]
fn one_ticket_from_camera_frame_to_back_office() {
    let dir = tempfile::tempdir().unwrap();
    let office = BackOffice::start(dir.path()).unwrap();

    // Logistics pre-registers the serial; the municipality sets up a venue and an account.
    office.register_device(SERIAL, IMEI).unwrap();
    let venue_id = office
        .add_venue("131016", "千代田区役所 集団接種会場")
        .unwrap();
    office
        .add_account("131016", "chiyoda01", "correct horse battery")
        .unwrap();

    // The tablet boots, enrolls and checks in: awaiting activation, login refused.
    let mut runtime = Runtime::start(
        RuntimeConfig {
            state_dir: dir.path().join("tablet"),
            server_url: office.url(),
            factory_ca_pem: office.ca_pem(),
            identity: DeviceIdentity::new(SERIAL, IMEI).unwrap(),
            firmware_version: "e2e".into(),
        },
        Peripherals::default(),
    )
    .unwrap();
    wait::until("enrollment and first check-in", DEADLINE, || {
        (runtime.sync_status().unwrap().lifecycle == Some(Lifecycle::AwaitingActivation))
            .then_some(())
    });
    assert_eq!(
        runtime.session().device().unwrap().lifecycle,
        Lifecycle::AwaitingActivation
    );
    assert!(matches!(
        runtime
            .session()
            .login("chiyoda01", "correct horse battery"),
        Err(SessionError::NotActivated)
    ));
    let listed = office.cli(&["device", "list"]).unwrap();
    assert!(
        listed.contains(SERIAL) && listed.contains("awaiting_activation"),
        "{listed}"
    );

    // The central office activates it for Chiyoda; the next check-in says active.
    let activated = office.activate(SERIAL, "131016").unwrap();
    assert!(activated.contains("千代田区"), "{activated}");
    runtime.sync_now();
    wait::until("activation to reach the tablet", DEADLINE, || {
        (runtime.sync_status().unwrap().lifecycle == Some(Lifecycle::Active)).then_some(())
    });

    // Login and presets.
    let session = runtime.session();
    session.login("chiyoda01", "correct horse battery").unwrap();
    let venue = session
        .venues()
        .unwrap()
        .into_iter()
        .find(|v| v.id == venue_id)
        .unwrap();
    session
        .set_presets(&PresetsInput {
            date: Session::today().to_string(),
            venue_id: venue.id.clone(),
            maker: "ファイザー".into(),
            lot: "FF0843".into(),
            doctor: "山田 太郎".into(),
        })
        .unwrap();

    // The camera replays generated frames; the scanner reads the ticket from them.
    let latest = LatestFrame::new();
    let camera = CameraThread::spawn(
        Box::new(ReplaySource::from_frames(ticket_frames(), 15.0, true)),
        latest.clone(),
    )
    .unwrap();
    let (events, received) = mpsc::channel();
    let reader = Reader::new(
        ReaderConfig {
            rules: session.ticket_rules(),
            ..ReaderConfig::default()
        },
        Arc::new(MasterList::embedded().clone()),
    );
    let worker = ScanWorker::spawn(
        latest,
        reader,
        Box::new(move |update| {
            if let ScanUpdate::Event(e) = update {
                let _ = events.send(e);
            }
        }),
    )
    .unwrap();
    worker.set_reading(true);
    let accepted = loop {
        match received
            .recv_timeout(DEADLINE)
            .expect("the scanner to accept the ticket")
        {
            ScanEvent::Accepted(a) => break a,
            other => log::info!("scan event before acceptance: {other:?}"),
        }
    };
    worker.set_reading(false);
    drop(worker);
    camera.stop();
    assert_eq!(accepted.ticket.payload.digits(), PAYLOAD);
    assert_eq!(accepted.source, Source::Qr);

    // Confirm and register.
    let review = session.review(&accepted.ticket).unwrap();
    assert_eq!(review.municipality_name, "東京都 千代田区");
    assert!(review.prior.is_none());
    let record = session
        .register(&accepted.ticket, Outcome::Vaccinated)
        .unwrap();
    assert_eq!(session.day_count().unwrap(), 1);
    assert_eq!(
        session.outbox().unwrap().pending,
        1,
        "committed before upload"
    );
    runtime.sync_now();
    wait::until("the record to be acknowledged", DEADLINE, || {
        (runtime.session().outbox().unwrap().pending == 0).then_some(())
    });

    // The municipality's export holds the record with everything the venue set.
    let csv = office
        .cli(&["records", "export", "--municipality", "131016"])
        .unwrap();
    let line = csv
        .lines()
        .find(|l| l.contains(&record.id.to_string()))
        .unwrap_or_else(|| panic!("record missing from export:\n{csv}"));
    for expected in [
        "0000012345",
        "千代田区役所 集団接種会場",
        "ファイザー",
        "FF0843",
        "山田 太郎",
        "接種済",
        "chiyoda01",
    ] {
        assert!(line.contains(expected), "{expected} missing in {line}");
    }
    assert_eq!(csv.lines().count(), 2, "header and one record:\n{csv}");
}
