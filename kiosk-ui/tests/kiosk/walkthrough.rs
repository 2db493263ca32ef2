//! The demo walkthrough (`vrs-kiosk --walkthrough`) over a real session and a replayed
//! camera recording: it must reach every screen and leave a picture of each.

use std::time::Duration;

use crate::common::*;
use vrs_kiosk::run::{WalkthroughTimeouts, walkthrough};
use vrs_kiosk::{CameraSpec, DeviceConfig, KioskConfig};
use vrs_protocol::{Lifecycle, Outcome};
use vrs_ticket_gen::{Fonts, Scene, TicketSpec, camera_frame, empty_frame, render_ticket};

#[test]
fn walkthrough_visits_every_screen_and_registers_the_ticket() {
    let tablet = Tablet::new(None);
    // A recording: the empty stand, then a ticket held under the camera.
    let frames = tempfile::tempdir().unwrap();
    let fonts = Fonts::system().unwrap();
    let ticket = render_ticket(&TicketSpec::new("152710041234567890"), &fonts, 12.0).unwrap();
    let scene = Scene::flat(640, 480);
    for i in 0..6 {
        empty_frame(&scene, i)
            .save(frames.path().join(format!("frame-{i:02}.png")))
            .unwrap();
    }
    for i in 6..14 {
        camera_frame(&ticket, &scene, i)
            .save(frames.path().join(format!("frame-{i:02}.png")))
            .unwrap();
    }
    let shots = tempfile::tempdir().unwrap();

    // The back office activates the tablet once the not-activated screen was captured.
    let first = shots.path().join("01-not-activated.png");
    let activator = {
        let store = tablet.store();
        let first = first.clone();
        std::thread::spawn(move || {
            while !first.exists() {
                std::thread::sleep(Duration::from_millis(20));
            }
            store.save_check_in(&check_in(Lifecycle::Active)).unwrap();
        })
    };
    let config = KioskConfig::new(
        DeviceConfig::Session(Box::new(tablet.session())),
        CameraSpec::Replay {
            dir: frames.path().to_owned(),
            fps: 20.0,
        },
        None,
    );
    let timeouts = WalkthroughTimeouts {
        activation: WAIT,
        ticket: WAIT,
        upload: WAIT,
    };
    walkthrough(config, LOGIN, PASSWORD, shots.path(), &timeouts).unwrap();
    activator.join().unwrap();

    for name in [
        "01-not-activated.png",
        "02-login.png",
        "03-presets.png",
        "04-scan.png",
        "05-confirm.png",
        "06-registered.png",
    ] {
        let image = image::open(shots.path().join(name)).unwrap().to_rgb8();
        assert_eq!(image.dimensions(), (1024, 768), "{name}");
        assert!(
            dark_pixels(&image, 20, 62, 984, 700) > 500,
            "{name} has text"
        );
        let keep = screenshot_dir().join(format!("kiosk-walkthrough-{name}"));
        std::fs::create_dir_all(keep.parent().unwrap()).unwrap();
        std::fs::copy(shots.path().join(name), keep).unwrap();
    }
    // The registration is in the store, with the walkthrough's presets.
    let ticket = vrs_protocol::TicketRules::default()
        .parse("152710041234567890", vrs_protocol::MasterList::embedded())
        .unwrap();
    let p = &ticket.payload;
    let prior = tablet
        .store()
        .prior_registration(p.municipality, p.number, p.dose)
        .unwrap()
        .expect("registered");
    assert_eq!(prior.outcome, Outcome::Vaccinated);
    assert_eq!(prior.venue, "千代田区役所 集団接種会場");
}
