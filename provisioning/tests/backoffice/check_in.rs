//! Check-in: what the tablet receives in each lifecycle state.

use time::OffsetDateTime;
use vrs_protocol::Lifecycle;
use vrs_protocol::wire::{CHECK_IN_PATH, CheckInResponse};

use crate::fixture::{Fixture, heartbeat, post};

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
