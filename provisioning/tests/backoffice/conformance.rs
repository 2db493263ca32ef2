//! The behaviour every [`Repository`] must show, written against the trait only.
//!
//! A store runs the whole suite with one line (see `sqlite_store.rs`):
//!
//! ```ignore
//! conformance::run_all(|| store::open(&fresh_database_url()).unwrap());
//! ```
//!
//! `make` must return an empty, freshly migrated store on every call.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::Arc;

use serde_json::json;
use time::macros::{date, datetime};
use time::{Date, OffsetDateTime};
use vrs_protocol::wire::{CheckInRequest, ReceiptStatus, Venue};
use vrs_protocol::{Lifecycle, MunicipalityCode, Outcome, Record};
use vrs_provisioning::domain::lifecycle::Transition;
use vrs_provisioning::store::{
    AuditEvent, CountFilter, NewAccount, NewDevice, Repository, SEEDED_VACCINE_MAKERS, StoreError,
    VenueDayCount,
};

/// One check: a name and a function given a fresh store.
type Check = (&'static str, fn(&dyn Repository));

const CHECKS: &[Check] = &[
    ("devices_are_registered_once", devices_are_registered_once),
    (
        "bulk_registration_is_all_or_nothing",
        bulk_registration_is_all_or_nothing,
    ),
    (
        "enrollment_is_retried_until_the_first_check_in",
        enrollment_is_retried_until_the_first_check_in,
    ),
    (
        "activation_and_lock_follow_the_lifecycle",
        activation_and_lock_follow_the_lifecycle,
    ),
    (
        "check_in_stores_the_heartbeat",
        check_in_stores_the_heartbeat,
    ),
    (
        "venues_stay_in_their_municipality",
        venues_stay_in_their_municipality,
    ),
    (
        "accounts_name_a_venue_of_their_municipality",
        accounts_name_a_venue_of_their_municipality,
    ),
    ("vaccine_makers_are_seeded", vaccine_makers_are_seeded),
    (
        "records_are_stored_once_per_id",
        records_are_stored_once_per_id,
    ),
    (
        "a_later_registration_supersedes_and_history_is_kept",
        a_later_registration_supersedes_and_history_is_kept,
    ),
    (
        "equal_registration_times_are_ordered_by_id",
        equal_registration_times_are_ordered_by_id,
    ),
    (
        "a_failing_batch_stores_nothing",
        a_failing_batch_stores_nothing,
    ),
    (
        "daily_counts_count_current_records",
        daily_counts_count_current_records,
    ),
    (
        "the_audit_trail_is_newest_first",
        the_audit_trail_is_newest_first,
    ),
];

/// Runs every check on its own fresh store from `make`; panics naming the checks that
/// failed (each failure's own message is printed as it happens).
pub fn run_all(make: impl Fn() -> Arc<dyn Repository>) {
    let failed: Vec<&str> = CHECKS
        .iter()
        .filter(|(name, check)| {
            let repo = make();
            let failed = catch_unwind(AssertUnwindSafe(|| check(repo.as_ref()))).is_err();
            if failed {
                eprintln!("repository conformance check failed: {name}");
            }
            failed
        })
        .map(|(name, _)| *name)
        .collect();
    assert!(failed.is_empty(), "failed conformance checks: {failed:?}");
}

const IMEI: &str = "490154203237518";
const OTHER_IMEI: &str = "356938035643809";

fn chiyoda() -> MunicipalityCode {
    "131016".parse().unwrap()
}

fn sapporo() -> MunicipalityCode {
    "011002".parse().unwrap()
}

fn new_device(serial: &str) -> NewDevice {
    NewDevice {
        serial: serial.into(),
        imei: IMEI.into(),
    }
}

/// Registers and enrolls `serial` (certificate `fp-SERIAL`).
fn enrolled(repo: &dyn Repository, serial: &str) {
    repo.register_device(&new_device(serial), "logistics")
        .unwrap();
    repo.record_enrollment(serial, &format!("fp-{serial}"), OffsetDateTime::now_utc())
        .unwrap();
}

/// Registers, enrolls and activates `serial` for Chiyoda.
fn active(repo: &dyn Repository, serial: &str) {
    enrolled(repo, serial);
    repo.activate_device(serial, chiyoda(), "office").unwrap();
}

fn actions(repo: &dyn Repository) -> Vec<String> {
    repo.audit_events(1000)
        .unwrap()
        .into_iter()
        .map(|e| e.action)
        .collect()
}

fn record(ticket: &str, dose: u8, registered_at: OffsetDateTime) -> Record {
    crate::fixture::record(ticket, dose, registered_at, "FF0843")
}

fn statuses(repo: &dyn Repository, serial: &str, records: &[Record]) -> Vec<ReceiptStatus> {
    let receipts = repo
        .store_records(serial, records, OffsetDateTime::now_utc())
        .unwrap();
    assert_eq!(
        receipts.iter().map(|r| r.id).collect::<Vec<_>>(),
        records.iter().map(|r| r.id).collect::<Vec<_>>(),
        "one receipt per record, in batch order"
    );
    receipts.into_iter().map(|r| r.status).collect()
}

fn devices_are_registered_once(repo: &dyn Repository) {
    let before = OffsetDateTime::now_utc();
    repo.register_device(&new_device("SN-2"), "logistics")
        .unwrap();
    repo.register_device(&new_device("SN-1"), "logistics")
        .unwrap();
    assert!(matches!(
        repo.register_device(&new_device("SN-1"), "logistics"),
        Err(StoreError::DuplicateDevice { serial }) if serial == "SN-1"
    ));

    let device = repo.device("SN-1").unwrap().unwrap();
    assert_eq!(device.serial, "SN-1");
    assert_eq!(device.imei, IMEI);
    assert_eq!(device.state, Lifecycle::Factory);
    assert_eq!(device.municipality, None);
    assert_eq!(device.cert_fingerprint, None);
    assert!(device.registered_at >= before);
    assert_eq!(device.enrolled_at, None);
    assert_eq!(device.last_check_in_at, None);
    assert_eq!(device.heartbeat, None);
    assert_eq!(repo.device("SN-9").unwrap(), None);

    let serials: Vec<String> = repo
        .devices()
        .unwrap()
        .into_iter()
        .map(|d| d.serial)
        .collect();
    assert_eq!(serials, ["SN-1", "SN-2"], "listed by serial");

    let events = repo.audit_events(10).unwrap();
    assert_eq!(events.len(), 2, "the refused duplicate is not audited");
    assert_eq!(events[0].action, "device.register");
    assert_eq!(events[0].actor, "logistics");
    assert_eq!(events[0].subject, "SN-1");
    assert_eq!(events[0].detail, json!({ "imei": IMEI }));
}

fn bulk_registration_is_all_or_nothing(repo: &dyn Repository) {
    repo.register_device(&new_device("SN-3"), "logistics")
        .unwrap();
    let batch =
        |serials: &[&str]| -> Vec<NewDevice> { serials.iter().map(|s| new_device(s)).collect() };
    assert!(matches!(
        repo.register_devices(&batch(&["SN-1", "SN-3"]), "logistics"),
        Err(StoreError::DuplicateDevice { .. })
    ));
    assert!(matches!(
        repo.register_devices(&batch(&["SN-1", "SN-2", "SN-1"]), "logistics"),
        Err(StoreError::DuplicateDevice { .. })
    ));
    assert_eq!(
        repo.devices().unwrap().len(),
        1,
        "nothing of a failed batch"
    );
    assert_eq!(actions(repo), ["device.register"]);

    let mut other = new_device("SN-2");
    other.imei = OTHER_IMEI.into();
    assert_eq!(
        repo.register_devices(&[new_device("SN-1"), other], "logistics")
            .unwrap(),
        2
    );
    assert_eq!(repo.devices().unwrap().len(), 3);
    assert_eq!(repo.device("SN-2").unwrap().unwrap().imei, OTHER_IMEI);
    assert_eq!(actions(repo).len(), 3, "one audit event per device");
}

fn enrollment_is_retried_until_the_first_check_in(repo: &dyn Repository) {
    let at = datetime!(2021-06-01 10:00:00.123456789 +09:00);
    assert!(matches!(
        repo.record_enrollment("SN-1", "ab12", at),
        Err(StoreError::UnknownDevice { .. })
    ));
    repo.register_device(&new_device("SN-1"), "logistics")
        .unwrap();
    let device = repo.record_enrollment("SN-1", "ab12", at).unwrap();
    assert_eq!(device.state, Lifecycle::AwaitingActivation);
    assert_eq!(device.cert_fingerprint.as_deref(), Some("ab12"));
    assert_eq!(device.enrolled_at, Some(at));
    assert_eq!(
        repo.device("SN-1").unwrap(),
        Some(device.clone()),
        "returned as stored"
    );
    assert_eq!(repo.device_by_fingerprint("ab12").unwrap(), Some(device));

    // The answer was lost: a fresh key replaces the unused certificate.
    repo.record_enrollment("SN-1", "cd34", at).unwrap();
    assert_eq!(repo.device_by_fingerprint("ab12").unwrap(), None);
    assert_eq!(
        repo.device_by_fingerprint("cd34").unwrap().unwrap().serial,
        "SN-1"
    );

    repo.record_check_in("SN-1", &CheckInRequest::default(), at)
        .unwrap();
    assert!(matches!(
        repo.record_enrollment("SN-1", "ef56", at),
        Err(StoreError::WrongState {
            state: Lifecycle::AwaitingActivation,
            transition: Transition::Enroll,
            ..
        })
    ));
    assert_eq!(repo.device_by_fingerprint("ef56").unwrap(), None);

    let events = repo.audit_events(10).unwrap();
    assert_eq!(
        events.iter().map(|e| e.action.as_str()).collect::<Vec<_>>(),
        ["device.enroll", "device.enroll", "device.register"]
    );
    assert_eq!(events[0].actor, "device:SN-1");
    assert_eq!(events[0].detail, json!({ "cert_sha256": "cd34" }));
}

fn activation_and_lock_follow_the_lifecycle(repo: &dyn Repository) {
    assert!(matches!(
        repo.activate_device("SN-0", chiyoda(), "office"),
        Err(StoreError::UnknownDevice { .. })
    ));
    assert!(matches!(
        repo.lock_device("SN-0", "helpdesk"),
        Err(StoreError::UnknownDevice { .. })
    ));
    repo.register_device(&new_device("SN-1"), "logistics")
        .unwrap();
    assert!(matches!(
        repo.activate_device("SN-1", chiyoda(), "office"),
        Err(StoreError::WrongState {
            state: Lifecycle::Factory,
            transition: Transition::Activate,
            ..
        })
    ));
    assert!(matches!(
        repo.lock_device("SN-1", "helpdesk"),
        Err(StoreError::WrongState {
            state: Lifecycle::Factory,
            transition: Transition::Lock,
            ..
        })
    ));

    repo.record_enrollment("SN-1", "ab12", OffsetDateTime::now_utc())
        .unwrap();
    let device = repo.activate_device("SN-1", chiyoda(), "office").unwrap();
    assert_eq!(
        (device.state, device.municipality),
        (Lifecycle::Active, Some(chiyoda()))
    );
    assert_eq!(device.cert_fingerprint.as_deref(), Some("ab12"), "kept");
    assert_eq!(repo.device("SN-1").unwrap(), Some(device));
    assert!(matches!(
        repo.activate_device("SN-1", sapporo(), "office"),
        Err(StoreError::WrongState {
            state: Lifecycle::Active,
            ..
        })
    ));

    let locked = repo.lock_device("SN-1", "helpdesk").unwrap();
    assert_eq!(locked.state, Lifecycle::Locked);
    assert_eq!(
        locked.municipality,
        Some(chiyoda()),
        "keeps its municipality"
    );
    assert_eq!(repo.device("SN-1").unwrap(), Some(locked));
    assert!(matches!(
        repo.lock_device("SN-1", "helpdesk"),
        Err(StoreError::WrongState {
            state: Lifecycle::Locked,
            ..
        })
    ));

    // An enrolled tablet that was never activated can be locked too.
    enrolled(repo, "SN-2");
    let locked = repo.lock_device("SN-2", "helpdesk").unwrap();
    assert_eq!(
        (locked.state, locked.municipality),
        (Lifecycle::Locked, None)
    );

    let events = repo.audit_events(10).unwrap();
    assert_eq!(events[0].action, "device.lock");
    assert_eq!(events[0].actor, "helpdesk");
    assert_eq!(
        events[0].detail,
        json!({ "previous_state": "awaiting_activation" })
    );
    let activation = events
        .iter()
        .find(|e| e.action == "device.activate")
        .unwrap();
    assert_eq!(
        (activation.actor.as_str(), activation.subject.as_str()),
        ("office", "SN-1")
    );
    assert_eq!(activation.detail, json!({ "municipality": "131016" }));
    assert_eq!(
        events.iter().filter(|e| e.action == "device.lock").count(),
        2,
        "refused transitions are not audited"
    );
}

fn check_in_stores_the_heartbeat(repo: &dyn Repository) {
    let at = datetime!(2021-06-01 10:00:00.5 +09:00);
    assert!(matches!(
        repo.record_check_in("SN-0", &CheckInRequest::default(), at),
        Err(StoreError::UnknownDevice { .. })
    ));
    enrolled(repo, "SN-1");
    let heartbeat = crate::fixture::heartbeat();
    repo.record_check_in("SN-1", &heartbeat, at).unwrap();
    let device = repo.device("SN-1").unwrap().unwrap();
    assert_eq!(device.last_check_in_at, Some(at));
    assert_eq!(device.heartbeat, Some(heartbeat));
    assert_eq!(
        device.state,
        Lifecycle::AwaitingActivation,
        "state unchanged"
    );

    let later = CheckInRequest {
        firmware_version: "1.2.4".into(),
        ..CheckInRequest::default()
    };
    repo.record_check_in("SN-1", &later, at + time::Duration::minutes(5))
        .unwrap();
    let device = repo.device("SN-1").unwrap().unwrap();
    assert_eq!(device.heartbeat, Some(later), "the latest heartbeat only");
    assert_eq!(
        device.last_check_in_at,
        Some(at + time::Duration::minutes(5))
    );
}

fn venues_stay_in_their_municipality(repo: &dyn Repository) {
    let first = repo.add_venue(sapporo(), "札幌会場", "office").unwrap();
    let second = repo.add_venue(sapporo(), "北区会場", "office").unwrap();
    assert_ne!(first, second);
    assert!(matches!(
        repo.add_venue(sapporo(), "札幌会場", "office"),
        Err(StoreError::DuplicateVenue { name, .. }) if name == "札幌会場"
    ));
    let same_name = repo.add_venue(chiyoda(), "札幌会場", "office").unwrap();
    assert_eq!(
        repo.venues(sapporo()).unwrap(),
        [
            Venue {
                id: first.clone(),
                name: "札幌会場".into()
            },
            Venue {
                id: second,
                name: "北区会場".into()
            }
        ],
        "in the order they were added"
    );
    assert_eq!(repo.venues(chiyoda()).unwrap().len(), 1);
    assert_eq!(repo.venues(chiyoda()).unwrap()[0].id, same_name);
    assert!(repo.venues("130001".parse().unwrap()).unwrap().is_empty());

    let events = repo.audit_events(10).unwrap();
    assert_eq!(events.len(), 3);
    let added = events.last().unwrap();
    assert_eq!(
        (added.action.as_str(), added.subject.as_str()),
        ("venue.add", first.as_str())
    );
    assert_eq!(
        added.detail,
        json!({ "municipality": "011002", "name": "札幌会場" })
    );
}

fn accounts_name_a_venue_of_their_municipality(repo: &dyn Repository) {
    let chiyoda_venue = repo.add_venue(chiyoda(), "区役所", "office").unwrap();
    let sapporo_venue = repo.add_venue(sapporo(), "札幌会場", "office").unwrap();
    let account = |login: &str, venue_id: Option<&str>| NewAccount {
        login_id: login.into(),
        municipality: chiyoda(),
        password_phc: "$argon2id$v=19$secret".into(),
        venue_id: venue_id.map(str::to_owned),
    };
    assert!(matches!(
        repo.add_account(&account("a1", Some(&sapporo_venue)), "office"),
        Err(StoreError::VenueOfOtherMunicipality { id, venue_municipality })
            if id == sapporo_venue && venue_municipality == sapporo()
    ));
    for unknown in ["999", "not-a-venue"] {
        assert!(
            matches!(
                repo.add_account(&account("a1", Some(unknown)), "office"),
                Err(StoreError::UnknownVenue { id }) if id == unknown
            ),
            "{unknown}"
        );
    }
    repo.add_account(&account("b2", Some(&chiyoda_venue)), "office")
        .unwrap();
    repo.add_account(&account("a1", None), "office").unwrap();
    assert!(matches!(
        repo.add_account(&account("a1", None), "office"),
        Err(StoreError::DuplicateAccount { login_id }) if login_id == "a1"
    ));
    let mut elsewhere = account("a1", None);
    elsewhere.municipality = sapporo();
    assert!(
        matches!(
            repo.add_account(&elsewhere, "office"),
            Err(StoreError::DuplicateAccount { .. })
        ),
        "login IDs are unique across municipalities"
    );

    let accounts = repo.accounts(chiyoda()).unwrap();
    assert_eq!(
        accounts
            .iter()
            .map(|a| (a.login_id.as_str(), a.venue_id.as_deref()))
            .collect::<Vec<_>>(),
        [("a1", None), ("b2", Some(chiyoda_venue.as_str()))],
        "by login ID"
    );
    assert_eq!(accounts[0].password_phc, "$argon2id$v=19$secret");
    assert!(repo.accounts(sapporo()).unwrap().is_empty());

    let events: Vec<AuditEvent> = repo
        .audit_events(10)
        .unwrap()
        .into_iter()
        .filter(|e| e.action == "account.add")
        .collect();
    assert_eq!(events.len(), 2, "refused accounts are not audited");
    assert_eq!(events[0].subject, "a1");
    assert_eq!(
        events[1].detail,
        json!({ "municipality": "131016", "venue_id": chiyoda_venue })
    );
    assert!(
        events
            .iter()
            .all(|e| !e.detail.to_string().contains("secret")),
        "no password hash in the audit trail"
    );
}

fn vaccine_makers_are_seeded(repo: &dyn Repository) {
    assert_eq!(repo.vaccine_makers().unwrap(), SEEDED_VACCINE_MAKERS);
}

fn records_are_stored_once_per_id(repo: &dyn Repository) {
    active(repo, "SN-1");
    let received_at = datetime!(2021-06-01 12:00:00.25 +09:00);
    let first = record(
        "0000012345",
        1,
        datetime!(2021-06-01 10:00:00.000001 +09:00),
    );
    let other = record("0000099999", 1, datetime!(2021-06-01 09:00 +09:00));
    let mut sapporo_ticket = record("0000000001", 1, datetime!(2021-06-01 10:06 +09:00));
    sapporo_ticket.municipality = sapporo();
    let receipts = repo
        .store_records(
            "SN-1",
            &[first.clone(), other.clone(), sapporo_ticket.clone()],
            received_at,
        )
        .unwrap();
    assert!(receipts.iter().all(|r| r.status == ReceiptStatus::Stored));

    // A lost acknowledgement: the same batch again changes nothing.
    assert_eq!(
        statuses(repo, "SN-1", &[first.clone(), other.clone()]),
        [ReceiptStatus::Duplicate; 2]
    );
    // Same id with other content is still the same record.
    let mut edited = first.clone();
    edited.lot = "EDITED".into();
    assert_eq!(
        statuses(repo, "SN-1", &[edited]),
        [ReceiptStatus::Duplicate]
    );

    let stored = repo.records(chiyoda(), true).unwrap();
    assert_eq!(stored.len(), 2, "filed under the ticket's municipality");
    assert_eq!(stored[0].record, other, "oldest registration first");
    assert_eq!(stored[1].record, first, "stored as sent");
    assert_eq!(stored[1].received_at, received_at);
    assert_eq!(stored[1].device_serial, "SN-1");
    assert_eq!(stored[1].superseded_by, None);
    let sapporo_records = repo.records(sapporo(), false).unwrap();
    assert_eq!(sapporo_records.len(), 1);
    assert_eq!(sapporo_records[0].record, sapporo_ticket);

    let uploads: Vec<AuditEvent> = repo
        .audit_events(100)
        .unwrap()
        .into_iter()
        .filter(|e| e.action == "records.upload")
        .collect();
    assert_eq!(uploads.len(), 3, "one event per batch");
    assert_eq!(uploads[2].actor, "device:SN-1");
    assert_eq!(uploads[2].subject, "SN-1");
    assert_eq!(uploads[2].at, received_at);
    assert_eq!(
        uploads[2].detail,
        json!({ "stored": 3, "duplicate": 0, "overwrote": 0 })
    );
    assert_eq!(
        uploads[1].detail,
        json!({ "stored": 0, "duplicate": 2, "overwrote": 0 })
    );
}

fn a_later_registration_supersedes_and_history_is_kept(repo: &dyn Repository) {
    active(repo, "SN-1");
    let first = record("0000012345", 2, datetime!(2021-06-01 10:00 +09:00));
    let other_dose = record("0000012345", 1, datetime!(2021-06-01 10:10 +09:00));
    assert_eq!(
        statuses(repo, "SN-1", &[first.clone(), other_dose.clone()]),
        [ReceiptStatus::Stored; 2],
        "another dose is another key"
    );

    let mut correction = record("0000012345", 2, datetime!(2021-06-01 10:30 +09:00));
    correction.lot = "FF0999".into();
    let stale = record("0000012345", 2, datetime!(2021-06-01 09:00 +09:00));
    assert_eq!(
        statuses(
            repo,
            "SN-1",
            &[correction.clone(), stale.clone(), correction.clone()]
        ),
        [
            ReceiptStatus::Overwrote,
            ReceiptStatus::Stored,
            ReceiptStatus::Duplicate
        ],
        "each record sees the ones before it in the batch"
    );

    let current = repo.records(chiyoda(), false).unwrap();
    assert_eq!(
        current.iter().map(|r| r.record.id).collect::<Vec<_>>(),
        [other_dose.id, correction.id]
    );
    let history = repo.records(chiyoda(), true).unwrap();
    assert_eq!(
        history
            .iter()
            .map(|r| (r.record.id, r.superseded_by))
            .collect::<Vec<_>>(),
        [
            (stale.id, Some(correction.id)),
            (first.id, Some(correction.id)),
            (other_dose.id, None),
            (correction.id, None),
        ]
    );

    let events = repo.audit_events(100).unwrap();
    let supersede = events
        .iter()
        .find(|e| e.action == "record.supersede")
        .unwrap();
    assert_eq!(supersede.subject, first.id.to_string());
    assert_eq!(supersede.actor, "device:SN-1");
    assert_eq!(
        supersede.detail,
        json!({
            "superseded_by": correction.id.to_string(),
            "municipality": "131016",
            "ticket": "******2345",
            "dose": 2,
        })
    );
    let late = events.iter().find(|e| e.action == "record.late").unwrap();
    assert_eq!(late.subject, stale.id.to_string());
    assert_eq!(late.detail["superseded_by"], correction.id.to_string());
    assert_eq!(
        events[0].detail,
        json!({ "stored": 1, "duplicate": 1, "overwrote": 1 })
    );
    assert!(
        events
            .iter()
            .all(|e| !e.detail.to_string().contains("0000012345")),
        "ticket numbers are masked in the audit trail"
    );
}

fn equal_registration_times_are_ordered_by_id(repo: &dyn Repository) {
    active(repo, "SN-1");
    // The same microsecond: the later (v7) id wins, whichever arrives first.
    let earlier = record(
        "0000000042",
        1,
        datetime!(2021-06-01 10:00:00.000001 +09:00),
    );
    let later = record(
        "0000000042",
        1,
        datetime!(2021-06-01 10:00:00.0000019 +09:00),
    );
    assert!(later.id > earlier.id);
    assert_eq!(
        statuses(repo, "SN-1", &[later.clone(), earlier.clone()]),
        [ReceiptStatus::Stored, ReceiptStatus::Stored]
    );
    let current = repo.records(chiyoda(), false).unwrap();
    assert_eq!(current.len(), 1);
    assert_eq!(current[0].record.id, later.id);
}

fn a_failing_batch_stores_nothing(repo: &dyn Repository) {
    active(repo, "SN-1");
    let events_before = repo.audit_events(100).unwrap().len();
    let at = datetime!(2021-06-01 10:00 UTC);
    assert!(
        repo.store_records(
            "SN-unknown",
            &[record("0000000001", 1, at), record("0000000002", 1, at)],
            at
        )
        .is_err(),
        "records of an unknown device are refused"
    );
    assert!(repo.records(chiyoda(), true).unwrap().is_empty());
    assert_eq!(repo.audit_events(100).unwrap().len(), events_before);
}

fn daily_counts_count_current_records(repo: &dyn Repository) {
    active(repo, "SN-1");
    let at = datetime!(2021-06-01 10:00 +09:00);
    let mut screening = record("0000000001", 1, at);
    screening.outcome = Outcome::ScreeningOnly;
    let vaccinated = record("0000000002", 1, at);
    let mut other_venue = record("0000000003", 1, at);
    other_venue.venue = "別会場".into();
    let mut next_day = record("0000000004", 1, at);
    next_day.vaccination_date = date!(2021 - 06 - 02);
    let mut sapporo_ticket = record("0000000005", 1, at);
    sapporo_ticket.municipality = sapporo();
    // Superseded by a 接種済 correction: counted once, as the correction.
    let mut corrected = record("0000000006", 1, at);
    corrected.outcome = Outcome::ScreeningOnly;
    let correction = record("0000000006", 1, at + time::Duration::minutes(1));
    statuses(
        repo,
        "SN-1",
        &[
            screening,
            vaccinated,
            other_venue,
            next_day,
            sapporo_ticket,
            corrected,
            correction,
        ],
    );

    let count = |date: Date, municipality, venue: &str, vaccinated, screening_only| VenueDayCount {
        date,
        municipality,
        venue: venue.into(),
        vaccinated,
        screening_only,
    };
    let june1 = date!(2021 - 06 - 01);
    let june2 = date!(2021 - 06 - 02);
    let main = "千代田区役所 集団接種会場";
    assert_eq!(
        repo.daily_counts(CountFilter::default()).unwrap(),
        [
            count(june1, sapporo(), main, 1, 0),
            count(june1, chiyoda(), "別会場", 1, 0),
            count(june1, chiyoda(), main, 2, 1),
            count(june2, chiyoda(), main, 1, 0),
        ],
        "by date, municipality, venue (code point order: 別 U+5225 before 千 U+5343)"
    );
    assert_eq!(
        repo.daily_counts(CountFilter {
            municipality: Some(chiyoda()),
            date: Some(june1),
        })
        .unwrap(),
        [
            count(june1, chiyoda(), "別会場", 1, 0),
            count(june1, chiyoda(), main, 2, 1),
        ]
    );
    assert_eq!(
        repo.daily_counts(CountFilter {
            municipality: None,
            date: Some(june2),
        })
        .unwrap(),
        [count(june2, chiyoda(), main, 1, 0)]
    );
    assert!(
        repo.daily_counts(CountFilter {
            municipality: Some("130001".parse().unwrap()),
            date: None,
        })
        .unwrap()
        .is_empty()
    );
}

fn the_audit_trail_is_newest_first(repo: &dyn Repository) {
    assert!(repo.audit_events(10).unwrap().is_empty());
    let event = |n: u32| AuditEvent {
        at: datetime!(2021-06-01 10:00:00.5 +09:00),
        actor: "officer".into(),
        action: format!("records.export.{n}"),
        subject: "131016".into(),
        detail: json!({ "rows": n, "include_superseded": true }),
    };
    for n in 0..5 {
        repo.append_audit(&event(n)).unwrap();
    }
    let events = repo.audit_events(3).unwrap();
    assert_eq!(
        events,
        [event(4), event(3), event(2)],
        "newest first, limited"
    );
    assert_eq!(repo.audit_events(100).unwrap().len(), 5);
    assert!(repo.audit_events(0).unwrap().is_empty());
}
