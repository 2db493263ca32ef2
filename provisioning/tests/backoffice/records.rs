//! Record uploads: idempotency, overwrites with history, refusals.

use time::OffsetDateTime;
use time::macros::datetime;
use uuid::Uuid;
use vrs_protocol::Record;
use vrs_protocol::wire::{MAX_BATCH, RECORDS_PATH, ReceiptStatus, RecordBatch};

use crate::fixture::{Fixture, assert_api_error, post, post_raw, record, statuses};

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
