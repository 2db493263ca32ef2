//! The tablet's SQLite store: the outbox of registrations and the last check-in.
//!
//! One file on the data partition, WAL mode, `synchronous=FULL`: when
//! [`Store::insert_record`] returns, the record is on disk, and only then may the screen
//! say "registered". Each thread opens its own [`Store`] on the same file.
//! Records leave the outbox only by being acknowledged by the back office; a wipe refuses to
//! run while anything is unacknowledged.

use std::path::{Path, PathBuf};
use std::time::Duration;

use rusqlite::{Connection, ErrorCode, OptionalExtension, params};
use time::{Date, OffsetDateTime};
use uuid::Uuid;
use vrs_protocol::wire::{CheckInResponse, ReceiptStatus};
use vrs_protocol::{MunicipalityCode, Outcome, Record, TicketNumber};

/// Why the store failed.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The disk is full: nothing was written.
    #[error(
        "端末の保存領域がいっぱいです。登録は保存されていません。ヘルプデスクに連絡してください"
    )]
    DiskFull,
    /// The database file could not be opened.
    #[error("データベース {path} を開けません: {source}")]
    Open {
        /// The file.
        path: PathBuf,
        /// The cause.
        source: rusqlite::Error,
    },
    /// Another connection held the database longer than the busy timeout; nothing was
    /// written.
    #[error(
        "端末のデータベースが使用中です。登録は保存されていません。数秒待ってからもう一度操作してください"
    )]
    Busy,
    /// Any other SQLite failure.
    #[error("データベースの操作に失敗しました: {0}")]
    Sqlite(rusqlite::Error),
    /// A stored value that does not parse (corruption or a newer schema).
    #[error("保存データが壊れています({what})")]
    Corrupt {
        /// What could not be read.
        what: String,
    },
    /// Wipe asked while records are still unacknowledged.
    #[error("未送信の記録が {pending} 件あります。送信が終わるまで消去できません")]
    PendingRecords {
        /// How many.
        pending: u64,
    },
}

impl From<rusqlite::Error> for StoreError {
    fn from(e: rusqlite::Error) -> Self {
        match e.sqlite_error_code() {
            Some(ErrorCode::DiskFull) => StoreError::DiskFull,
            Some(ErrorCode::DatabaseBusy | ErrorCode::DatabaseLocked) => StoreError::Busy,
            _ => StoreError::Sqlite(e),
        }
    }
}

impl From<serde_json::Error> for StoreError {
    fn from(e: serde_json::Error) -> Self {
        StoreError::Corrupt {
            what: e.to_string(),
        }
    }
}

/// An earlier registration of the same (municipality, ticket number, dose) on this tablet.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PriorRegistration {
    /// Its id.
    pub id: Uuid,
    /// When it was registered.
    pub registered_at: OffsetDateTime,
    /// Its vaccination date.
    pub vaccination_date: Date,
    /// Its outcome.
    pub outcome: Outcome,
    /// Its venue.
    pub venue: String,
}

/// How far the outbox is from empty.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct OutboxDepth {
    /// Records not yet acknowledged.
    pub pending: u64,
    /// Registration time of the oldest of them.
    pub oldest: Option<OffsetDateTime>,
}

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS outbox (
    id TEXT PRIMARY KEY,
    record TEXT NOT NULL,
    municipality TEXT NOT NULL,
    ticket_number TEXT NOT NULL,
    dose INTEGER NOT NULL,
    venue TEXT NOT NULL,
    vaccination_date TEXT NOT NULL,
    registered_at TEXT NOT NULL,
    acked_at TEXT,
    receipt TEXT
);
CREATE INDEX IF NOT EXISTS outbox_pending ON outbox(acked_at, registered_at);
CREATE INDEX IF NOT EXISTS outbox_key ON outbox(municipality, ticket_number, dose);
CREATE INDEX IF NOT EXISTS outbox_day ON outbox(vaccination_date, venue);
CREATE TABLE IF NOT EXISTS state (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
";

const CHECK_IN_KEY: &str = "check_in";

/// How long a connection waits for another one's write lock.
const BUSY_TIMEOUT: Duration = Duration::from_secs(2);

/// A connection to the tablet's store.
pub struct Store {
    conn: Connection,
}

impl Store {
    /// Opens (and creates) the store at `path`.
    pub fn open(path: &Path) -> Result<Self, StoreError> {
        let conn = Connection::open(path).map_err(|source| StoreError::Open {
            path: path.to_owned(),
            source,
        })?;
        // Writers hold the database for milliseconds; a longer wait means something is
        // wrong, and the UI thread must not freeze while it lasts.
        conn.busy_timeout(BUSY_TIMEOUT)?;
        conn.pragma_update(None, "journal_mode", "WAL")?;
        conn.pragma_update(None, "synchronous", "FULL")?;
        conn.execute_batch(SCHEMA)?;
        Ok(Self { conn })
    }

    /// Commits a record to disk. Returns only once it is durable.
    pub fn insert_record(&self, record: &Record) -> Result<(), StoreError> {
        self.conn.execute(
            "INSERT INTO outbox (id, record, municipality, ticket_number, dose, venue,
                                 vaccination_date, registered_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
            params![
                record.id.to_string(),
                serde_json::to_string(record)?,
                record.municipality.to_string(),
                record.ticket_number.as_str(),
                record.dose,
                record.venue,
                record.vaccination_date.to_string(),
                format_time(record.registered_at),
            ],
        )?;
        Ok(())
    }

    /// The latest earlier registration of the same business key, if any.
    pub fn prior_registration(
        &self,
        municipality: MunicipalityCode,
        number: TicketNumber,
        dose: u8,
    ) -> Result<Option<PriorRegistration>, StoreError> {
        let json: Option<String> = self
            .conn
            .query_row(
                "SELECT record FROM outbox
                 WHERE municipality = ?1 AND ticket_number = ?2 AND dose = ?3
                 ORDER BY registered_at DESC LIMIT 1",
                params![municipality.to_string(), number.as_str(), dose],
                |row| row.get(0),
            )
            .optional()?;
        let Some(json) = json else { return Ok(None) };
        let r: Record = serde_json::from_str(&json)?;
        Ok(Some(PriorRegistration {
            id: r.id,
            registered_at: r.registered_at,
            vaccination_date: r.vaccination_date,
            outcome: r.outcome,
            venue: r.venue,
        }))
    }

    /// The oldest unacknowledged records, at most `limit`.
    pub fn pending(&self, limit: usize) -> Result<Vec<Record>, StoreError> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT record FROM outbox WHERE acked_at IS NULL
             ORDER BY registered_at, id LIMIT ?1",
        )?;
        let rows = stmt.query_map([limit as i64], |row| row.get::<_, String>(0))?;
        let mut records = Vec::new();
        for json in rows {
            records.push(serde_json::from_str(&json?)?);
        }
        Ok(records)
    }

    /// Marks records acknowledged with their receipts, in one transaction.
    pub fn acknowledge(&mut self, receipts: &[(Uuid, ReceiptStatus)]) -> Result<(), StoreError> {
        let now = format_time(OffsetDateTime::now_utc());
        let tx = self.conn.transaction()?;
        {
            let mut stmt = tx.prepare_cached(
                "UPDATE outbox SET acked_at = ?1, receipt = ?2 WHERE id = ?3 AND acked_at IS NULL",
            )?;
            for (id, status) in receipts {
                stmt.execute(params![now, serde_json::to_string(status)?, id.to_string()])?;
            }
        }
        tx.commit()?;
        Ok(())
    }

    /// How many records wait for the back office, and since when.
    pub fn outbox_depth(&self) -> Result<OutboxDepth, StoreError> {
        let (pending, oldest): (i64, Option<String>) = self.conn.query_row(
            "SELECT COUNT(*), MIN(registered_at) FROM outbox WHERE acked_at IS NULL",
            [],
            |row| Ok((row.get(0)?, row.get(1)?)),
        )?;
        Ok(OutboxDepth {
            pending: pending as u64,
            oldest: oldest.map(|t| parse_time(&t)).transpose()?,
        })
    }

    /// Registrations for `date` at `venue` (the day's count staff check at closing).
    pub fn count_for_day(&self, date: Date, venue: &str) -> Result<u64, StoreError> {
        let n: i64 = self.conn.query_row(
            "SELECT COUNT(*) FROM outbox WHERE vaccination_date = ?1 AND venue = ?2",
            params![date.to_string(), venue],
            |row| row.get(0),
        )?;
        Ok(n as u64)
    }

    /// Saves the last check-in answer.
    pub fn save_check_in(&self, response: &CheckInResponse) -> Result<(), StoreError> {
        self.conn.execute(
            "INSERT INTO state (key, value) VALUES (?1, ?2)
             ON CONFLICT(key) DO UPDATE SET value = excluded.value",
            params![CHECK_IN_KEY, serde_json::to_string(response)?],
        )?;
        Ok(())
    }

    /// The last check-in answer, if the tablet ever checked in.
    pub fn last_check_in(&self) -> Result<Option<CheckInResponse>, StoreError> {
        let json: Option<String> = self
            .conn
            .query_row(
                "SELECT value FROM state WHERE key = ?1",
                [CHECK_IN_KEY],
                |row| row.get(0),
            )
            .optional()?;
        Ok(json.map(|j| serde_json::from_str(&j)).transpose()?)
    }

    /// Erases local data after every record was acknowledged; refuses otherwise.
    pub fn wipe(&mut self) -> Result<(), StoreError> {
        let tx = self.conn.transaction()?;
        let pending: i64 = tx.query_row(
            "SELECT COUNT(*) FROM outbox WHERE acked_at IS NULL",
            [],
            |r| r.get(0),
        )?;
        if pending > 0 {
            return Err(StoreError::PendingRecords {
                pending: pending as u64,
            });
        }
        tx.execute_batch("DELETE FROM outbox; DELETE FROM state;")?;
        tx.commit()?;
        Ok(())
    }
}

fn format_time(t: OffsetDateTime) -> String {
    t.to_offset(time::UtcOffset::UTC)
        .format(&time::format_description::well_known::Rfc3339)
        .expect("RFC 3339 formatting of a UTC time cannot fail")
}

fn parse_time(text: &str) -> Result<OffsetDateTime, StoreError> {
    OffsetDateTime::parse(text, &time::format_description::well_known::Rfc3339).map_err(|e| {
        StoreError::Corrupt {
            what: format!("時刻 {text}: {e}"),
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::{date, datetime};

    pub(crate) fn record(number: &str, dose: u8, at: OffsetDateTime) -> Record {
        Record {
            id: Uuid::now_v7(),
            registered_at: at,
            vaccination_date: date!(2021 - 06 - 01),
            municipality: "131016".parse().unwrap(),
            ticket_number: TicketNumber::parse(number).unwrap(),
            dose,
            ticket_kind: 1,
            venue: "千代田区役所".into(),
            doctor: "山田 太郎".into(),
            maker: "ファイザー".into(),
            lot: "FF0843".into(),
            outcome: Outcome::Vaccinated,
            operator: "staff01".into(),
        }
    }

    fn temp_store() -> (tempfile::TempDir, Store) {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("device.db")).unwrap();
        (dir, store)
    }

    #[test]
    fn records_survive_reopen_and_drain_on_ack() {
        let (dir, store) = temp_store();
        let a = record("0000000001", 1, datetime!(2021-06-01 09:00 UTC));
        let b = record("0000000002", 1, datetime!(2021-06-01 09:05 UTC));
        store.insert_record(&b).unwrap();
        store.insert_record(&a).unwrap();
        drop(store);

        let mut store = Store::open(&dir.path().join("device.db")).unwrap();
        let pending = store.pending(10).unwrap();
        assert_eq!(pending, vec![a.clone(), b.clone()], "oldest first");
        let depth = store.outbox_depth().unwrap();
        assert_eq!(depth.pending, 2);
        assert_eq!(depth.oldest, Some(a.registered_at));

        store.acknowledge(&[(a.id, ReceiptStatus::Stored)]).unwrap();
        assert_eq!(store.pending(10).unwrap(), vec![b.clone()]);
        assert_eq!(
            store
                .count_for_day(date!(2021 - 06 - 01), "千代田区役所")
                .unwrap(),
            2
        );
    }

    #[test]
    fn prior_registration_finds_the_latest_same_key() {
        let (_dir, store) = temp_store();
        assert!(
            store
                .prior_registration(
                    "131016".parse().unwrap(),
                    TicketNumber::parse("0000000001").unwrap(),
                    1
                )
                .unwrap()
                .is_none()
        );
        let first = record("0000000001", 1, datetime!(2021-06-01 09:00 UTC));
        let second = record("0000000001", 1, datetime!(2021-06-01 10:00 UTC));
        store.insert_record(&first).unwrap();
        store.insert_record(&second).unwrap();
        store
            .insert_record(&record("0000000001", 2, datetime!(2021-06-01 11:00 UTC)))
            .unwrap();
        let prior = store
            .prior_registration(first.municipality, first.ticket_number, 1)
            .unwrap()
            .unwrap();
        assert_eq!(prior.id, second.id);
    }

    #[test]
    fn wipe_refuses_while_records_are_unsent() {
        let (_dir, mut store) = temp_store();
        let r = record("0000000001", 1, datetime!(2021-06-01 09:00 UTC));
        store.insert_record(&r).unwrap();
        assert!(matches!(
            store.wipe(),
            Err(StoreError::PendingRecords { pending: 1 })
        ));
        assert_eq!(store.outbox_depth().unwrap().pending, 1);
        store.acknowledge(&[(r.id, ReceiptStatus::Stored)]).unwrap();
        store.wipe().unwrap();
        assert_eq!(
            store.count_for_day(r.vaccination_date, &r.venue).unwrap(),
            0
        );
    }

    #[test]
    fn duplicate_ids_are_refused_not_silently_merged() {
        let (_dir, store) = temp_store();
        let r = record("0000000001", 1, datetime!(2021-06-01 09:00 UTC));
        store.insert_record(&r).unwrap();
        assert!(matches!(
            store.insert_record(&r),
            Err(StoreError::Sqlite(_))
        ));
    }

    #[test]
    fn a_full_disk_is_a_clear_error_and_loses_nothing_already_stored() {
        let (_dir, store) = temp_store();
        let kept = record("0000000001", 1, datetime!(2021-06-01 09:00 UTC));
        store.insert_record(&kept).unwrap();
        // Cap the database at its current size: the next page it needs is "disk full".
        let pages: i64 = store
            .conn
            .query_row("PRAGMA page_count", [], |r| r.get(0))
            .unwrap();
        store
            .conn
            .pragma_update(None, "max_page_count", pages)
            .unwrap();
        let mut outcome = Ok(());
        for i in 2..500 {
            outcome = store.insert_record(&record(
                &format!("{i:010}"),
                1,
                datetime!(2021-06-01 09:00 UTC),
            ));
            if outcome.is_err() {
                break;
            }
        }
        let err = outcome.unwrap_err();
        assert!(matches!(err, StoreError::DiskFull), "{err:?}");
        assert!(err.to_string().contains("ヘルプデスク"));
        assert_eq!(store.pending(1).unwrap(), vec![kept]);
    }
}
