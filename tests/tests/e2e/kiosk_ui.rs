//! The same path as `walking_skeleton`, but through the kiosk's own screens: the headless
//! Slint kiosk (software renderer) runs the full device runtime against a real back office,
//! and the operator's taps go through the UI elements — not-activated screen, login,
//! presets, scan (replayed camera frames), confirm, registered — until the back office has
//! the record.

use std::time::Duration;

use vrs_device::identity::DeviceIdentity;
use vrs_device::runtime::RuntimeConfig;
use vrs_device::session::Session;
use vrs_e2e::backoffice::BackOffice;
use vrs_kiosk::headless::HeadlessKiosk;
use vrs_kiosk::{CameraSpec, DeviceConfig, KioskConfig, Screen, labels};
use vrs_protocol::Outcome;

const SERIAL: &str = "VRS-E2E-UI-01";
const IMEI: &str = "356938035643809";
const PAYLOAD: &str = "152710041234567890";
const WAIT: Duration = Duration::from_secs(60);

#[test]
fn an_operator_registers_a_ticket_through_the_kiosk_screens() {
    let dir = tempfile::tempdir().unwrap();
    let office = BackOffice::start(dir.path()).unwrap();
    office.register_device(SERIAL, IMEI).unwrap();
    office.add_venue("271004", "大阪市 中央体育館").unwrap();
    office
        .add_account("271004", "osaka01", "correct horse battery")
        .unwrap();

    let frames = dir.path().join("frames");
    std::fs::create_dir_all(&frames).unwrap();
    let fonts = vrs_ticket_gen::Fonts::system().unwrap();
    for sample in vrs_ticket_gen::sequence(&[PAYLOAD.to_owned()], 640, 480, 11, &fonts).unwrap() {
        sample
            .frame
            .save(frames.join(format!("{}.png", sample.name)))
            .unwrap();
    }

    let kiosk = HeadlessKiosk::start(KioskConfig::new(
        DeviceConfig::Runtime(Box::new(RuntimeConfig {
            state_dir: dir.path().join("tablet"),
            server_url: office.url(),
            factory_ca_pem: office.ca_pem(),
            identity: DeviceIdentity::new(SERIAL, IMEI).unwrap(),
            firmware_version: "e2e-ui".into(),
        })),
        CameraSpec::Replay {
            dir: frames,
            fps: 15.0,
        },
        None,
    ))
    .unwrap();

    // Enrolled, not activated: the screen shows the identity and refuses to go further.
    kiosk.wait_for(Screen::NotActivated, WAIT).unwrap();
    assert_eq!(kiosk.text_of(labels::SERIAL).unwrap(), SERIAL);
    kiosk
        .wait_until(WAIT, |_| {
            office
                .cli(&["device", "list"])
                .unwrap()
                .contains("awaiting_activation")
        })
        .unwrap();
    assert_eq!(kiosk.screen(), Screen::NotActivated);

    // Activation by the central office reaches the tablet on its own.
    office.activate(SERIAL, "271004").unwrap();
    kiosk.wait_for(Screen::Login, WAIT).unwrap();

    kiosk.login("osaka01", "wrong password").unwrap();
    assert_eq!(kiosk.screen(), Screen::Login);
    assert!(
        kiosk
            .text_of(labels::LOGIN_ERROR)
            .unwrap()
            .contains("パスワードが違います")
    );
    kiosk.login("osaka01", "correct horse battery").unwrap();
    kiosk.wait_for(Screen::Presets, WAIT).unwrap();
    kiosk
        .set_presets(
            &Session::today().to_string(),
            "大阪市 中央体育館",
            "モデルナ",
            "MOD-2021-07",
            "佐藤 花子",
        )
        .unwrap();

    // The replayed camera shows the ticket; the confirm screen shows what was read.
    kiosk.wait_for(Screen::Confirm, WAIT).unwrap();
    assert_eq!(
        kiosk
            .text_of(labels::TICKET_NUMBER)
            .unwrap()
            .replace(' ', ""),
        "1234567890"
    );
    assert!(
        kiosk
            .text_of(labels::MUNICIPALITY)
            .unwrap()
            .contains("大阪市")
    );
    kiosk.register(Outcome::Vaccinated).unwrap();
    kiosk.wait_for(Screen::Registered, WAIT).unwrap();

    kiosk
        .wait_until(WAIT, |k| {
            k.with_session(|s| s.outbox().unwrap().pending == 0)
        })
        .unwrap();
    let csv = office
        .cli(&["records", "export", "--municipality", "271004"])
        .unwrap();
    let row = csv
        .lines()
        .nth(1)
        .unwrap_or_else(|| panic!("no record:\n{csv}"));
    for expected in [
        "1234567890",
        "大阪市 中央体育館",
        "モデルナ",
        "MOD-2021-07",
        "佐藤 花子",
        "接種済",
        "osaka01",
        SERIAL,
    ] {
        assert!(row.contains(expected), "{expected} missing in {row}");
    }
}
