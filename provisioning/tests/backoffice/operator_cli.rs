//! Operator commands that the other topics do not already drive.

use crate::fixture::{Fixture, IMEI, OTHER_IMEI};

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
