//! The SQLite [`Repository`]: one file, WAL journal, foreign keys on, schema migrations
//! from `migrations/sqlite/` recorded in `schema_migrations` (see [`super::migration`]).
//!
//! Every write runs in one `IMMEDIATE` transaction that reads the rows a rule needs, asks
//! [`crate::domain`] for the outcome and writes it with its audit event; SQL here only
//! persists and queries.

use std::path::Path;
use std::sync::{Mutex, MutexGuard};
use std::time::Duration;

use rusqlite::{Connection, OptionalExtension, Row, TransactionBehavior, params};
use time::OffsetDateTime;
use uuid::Uuid;
use vrs_protocol::wire::{AccountVerifier, CheckInRequest, Receipt, Venue};
use vrs_protocol::{MunicipalityCode, Record};

use crate::domain::lifecycle::{self, DeviceChange, TransitionError};
use crate::domain::supersede::{self, BusinessKey, Placement, Precedence};
use crate::domain::venue;

use super::migration::{self, SEEDS_VACCINE_MAKERS};
use super::rows::{
    DEVICE_COLUMNS, DeviceRow, RECORD_COLUMNS, RecordRow, audit_event, date_text, parse_code,
    parse_uuid, ts, venue_day_count,
};
use super::{
    AuditEvent, CountFilter, Device, NewAccount, NewDevice, Repository, SEEDED_VACCINE_MAKERS,
    StoreError, StoredRecord, VenueDayCount,
};

/// A [`Repository`] in one SQLite file.
pub struct SqliteRepository {
    conn: Mutex<Connection>,
}

impl std::fmt::Debug for SqliteRepository {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SqliteRepository").finish_non_exhaustive()
    }
}

impl SqliteRepository {
    /// Opens (creating if needed) and migrates the database file at `path`.
    pub fn open(path: &Path) -> Result<Self, StoreError> {
        let open_error = |source| StoreError::Open {
            path: path.to_owned(),
            source,
        };
        create_private(path).map_err(|source| StoreError::Create {
            path: path.to_owned(),
            source,
        })?;
        let mut conn = Connection::open(path).map_err(open_error)?;
        conn.busy_timeout(Duration::from_secs(10))
            .map_err(open_error)?;
        enable_wal(&conn).map_err(open_error)?;
        // Devices drop a record only once we acknowledge it: make every commit durable.
        conn.pragma_update(None, "synchronous", "FULL")
            .map_err(open_error)?;
        conn.pragma_update(None, "foreign_keys", true)
            .map_err(open_error)?;
        migrate(&mut conn)?;
        Ok(Self {
            conn: Mutex::new(conn),
        })
    }

    /// The newest schema version this build writes.
    pub fn schema_version() -> i64 {
        migration::latest(migration::SQLITE)
    }

    fn conn(&self) -> MutexGuard<'_, Connection> {
        // A panic while holding the lock cannot leave SQLite inconsistent (transactions
        // roll back on drop), so a poisoned lock is still usable.
        self.conn.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn write<T>(
        &self,
        f: impl FnOnce(&rusqlite::Transaction<'_>) -> Result<T, StoreError>,
    ) -> Result<T, StoreError> {
        let mut conn = self.conn();
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let value = f(&tx)?;
        tx.commit()?;
        Ok(value)
    }

    /// One lifecycle transition in one transaction: the device as stored, the domain's
    /// `rule` for it, and the rule's answer written (or its refusal returned).
    fn transition(
        &self,
        serial: &str,
        rule: impl FnOnce(&Device) -> Result<DeviceChange, TransitionError>,
    ) -> Result<Device, StoreError> {
        self.write(|tx| {
            let device = require_device(tx, serial)?;
            let change =
                rule(&device).map_err(|refused| StoreError::wrong_state(serial, refused))?;
            write_device_change(tx, &change)
        })
    }
}

/// Creates the database file readable by its owner only (it holds ticket numbers and
/// password hashes); SQLite gives its -wal and -shm files the same mode. An existing file
/// keeps its mode.
fn create_private(path: &Path) -> std::io::Result<()> {
    use std::os::unix::fs::OpenOptionsExt;
    match std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)
    {
        Ok(_) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Ok(()),
        Err(e) => Err(e),
    }
}

/// Switches the file to WAL. The switch needs the database to itself and SQLite answers
/// BUSY at once (without the busy handler) when another process — the server and an operator
/// command started together — is opening it too, so retry for a while.
fn enable_wal(conn: &Connection) -> rusqlite::Result<()> {
    let mut attempts = 0;
    loop {
        match conn.pragma_update(None, "journal_mode", "WAL") {
            Err(e)
                if attempts < 100
                    && e.sqlite_error_code() == Some(rusqlite::ErrorCode::DatabaseBusy) =>
            {
                attempts += 1;
                std::thread::sleep(Duration::from_millis(50));
            }
            other => return other,
        }
    }
}

/// Applies the missing migrations, all in one `IMMEDIATE` transaction, so a server and an
/// operator CLI opening a new database at the same moment cannot both run the same step.
///
/// Databases made before `schema_migrations` existed counted their migrations in
/// `PRAGMA user_version`; their versions are recorded as applied when first seen. The
/// pragma is still kept equal to the newest version, so an older build (which reads only
/// the pragma) refuses a database this build has moved on.
fn migrate(conn: &mut Connection) -> Result<(), StoreError> {
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    tx.execute_batch(
        "CREATE TABLE IF NOT EXISTS schema_migrations (\
             version    INTEGER PRIMARY KEY,\
             applied_at TEXT NOT NULL)",
    )?;
    let recorded: i64 = tx.query_row(
        "SELECT COALESCE(MAX(version), 0) FROM schema_migrations",
        [],
        |r| r.get(0),
    )?;
    let counted: i64 = tx.pragma_query_value(None, "user_version", |r| r.get(0))?;
    let applied = recorded.max(counted);
    let pending = migration::pending(migration::SQLITE, applied)?;
    let now = ts(OffsetDateTime::now_utc());
    for version in recorded + 1..=counted {
        tx.execute(
            "INSERT INTO schema_migrations (version, applied_at) VALUES (?1, ?2)",
            params![version, now],
        )?;
    }
    for step in pending {
        tx.execute_batch(step.sql)?;
        if step.version == SEEDS_VACCINE_MAKERS {
            for (position, name) in SEEDED_VACCINE_MAKERS.iter().enumerate() {
                tx.execute(
                    "INSERT INTO vaccine_makers (position, name) VALUES (?1, ?2)",
                    params![position as i64, name],
                )?;
            }
        }
        tx.execute(
            "INSERT INTO schema_migrations (version, applied_at) VALUES (?1, ?2)",
            params![step.version, now],
        )?;
        tx.pragma_update(None, "user_version", step.version)?;
        log::info!("database schema migrated to version {}", step.version);
    }
    tx.commit()?;
    Ok(())
}

fn write_audit(tx: &Connection, event: &AuditEvent) -> Result<(), StoreError> {
    tx.execute(
        "INSERT INTO audit_events (at, actor, action, subject, detail) VALUES (?1, ?2, ?3, ?4, ?5)",
        params![
            ts(event.at),
            event.actor,
            event.action,
            event.subject,
            event.detail.to_string()
        ],
    )?;
    Ok(())
}

/// A device row's columns, converted by [`DeviceRow::into_device`] outside the rusqlite
/// closure so that conversion errors keep their own type.
fn device_row(row: &Row<'_>) -> rusqlite::Result<DeviceRow> {
    Ok(DeviceRow {
        serial: row.get(0)?,
        imei: row.get(1)?,
        state: row.get(2)?,
        municipality: row.get(3)?,
        cert_fingerprint: row.get(4)?,
        registered_at: row.get(5)?,
        enrolled_at: row.get(6)?,
        last_check_in_at: row.get(7)?,
        firmware_version: row.get(8)?,
        outbox_depth: row.get(9)?,
        oldest_unsent_age_s: row.get(10)?,
        modem_json: row.get(11)?,
    })
}

fn load_device(conn: &Connection, serial: &str) -> Result<Option<Device>, StoreError> {
    conn.query_row(
        &format!("SELECT {DEVICE_COLUMNS} FROM devices WHERE serial = ?1"),
        [serial],
        device_row,
    )
    .optional()?
    .map(DeviceRow::into_device)
    .transpose()
}

fn require_device(conn: &Connection, serial: &str) -> Result<Device, StoreError> {
    load_device(conn, serial)?.ok_or_else(|| StoreError::UnknownDevice {
        serial: serial.to_owned(),
    })
}

fn insert_device(
    tx: &Connection,
    new: &NewDevice,
    at: OffsetDateTime,
    actor: &str,
) -> Result<(), StoreError> {
    let DeviceChange { device, event } = lifecycle::register(new, actor, at);
    let inserted = tx.execute(
        "INSERT INTO devices (serial, imei, state, registered_at) VALUES (?1, ?2, ?3, ?4) \
         ON CONFLICT (serial) DO NOTHING",
        params![
            device.serial,
            device.imei,
            device.state.as_str(),
            ts(device.registered_at)
        ],
    )?;
    if inserted == 0 {
        return Err(StoreError::DuplicateDevice {
            serial: device.serial,
        });
    }
    write_audit(tx, &event)
}

/// Writes a lifecycle change (the columns a transition sets) and its audit event; returns
/// the device as stored.
fn write_device_change(tx: &Connection, change: &DeviceChange) -> Result<Device, StoreError> {
    let device = &change.device;
    tx.execute(
        "UPDATE devices SET state = ?1, municipality = ?2, cert_fingerprint = ?3, \
         enrolled_at = ?4 WHERE serial = ?5",
        params![
            device.state.as_str(),
            device.municipality.map(MunicipalityCode::as_string),
            device.cert_fingerprint,
            device.enrolled_at.map(ts),
            device.serial
        ],
    )?;
    write_audit(tx, &change.event)?;
    require_device(tx, &device.serial)
}

/// A record row's columns (see [`device_row`]).
fn record_row(row: &Row<'_>) -> rusqlite::Result<RecordRow> {
    Ok(RecordRow {
        id: row.get(0)?,
        registered_at: row.get(1)?,
        vaccination_date: row.get(2)?,
        municipality: row.get(3)?,
        ticket_number: row.get(4)?,
        dose: row.get(5)?,
        ticket_kind: row.get(6)?,
        venue: row.get(7)?,
        doctor: row.get(8)?,
        maker: row.get(9)?,
        lot: row.get(10)?,
        outcome: row.get(11)?,
        operator: row.get(12)?,
        received_at: row.get(13)?,
        device_serial: row.get(14)?,
        superseded_by: row.get(15)?,
    })
}

fn insert_record(
    tx: &Connection,
    record: &Record,
    device_serial: &str,
    received_at: OffsetDateTime,
    superseded_by: Option<Uuid>,
) -> Result<(), StoreError> {
    tx.execute(
        &format!(
            "INSERT INTO records ({RECORD_COLUMNS}, registered_at_us) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17)"
        ),
        params![
            record.id.to_string(),
            ts(record.registered_at),
            date_text(record.vaccination_date),
            record.municipality.as_string(),
            record.ticket_number.as_str(),
            record.dose,
            record.ticket_kind,
            record.venue,
            record.doctor,
            record.maker,
            record.lot,
            record.outcome.as_str(),
            record.operator,
            ts(received_at),
            device_serial,
            superseded_by.map(|id| id.to_string()),
            Precedence::of(record).registered_at_us,
        ],
    )?;
    Ok(())
}

/// Stores one record inside the batch transaction and says where it went.
fn store_one(
    tx: &Connection,
    device_serial: &str,
    record: &Record,
    received_at: OffsetDateTime,
) -> Result<Placement, StoreError> {
    let id_stored = tx
        .query_row(
            "SELECT 1 FROM records WHERE id = ?1",
            [record.id.to_string()],
            |_| Ok(()),
        )
        .optional()?
        .is_some();
    let key = BusinessKey::of(record);
    let current = tx
        .query_row(
            "SELECT id, registered_at_us FROM records \
             WHERE municipality = ?1 AND ticket_number = ?2 AND dose = ?3 \
             AND superseded_by IS NULL",
            params![
                key.municipality.as_string(),
                key.ticket_number.as_str(),
                key.dose
            ],
            |r| Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?)),
        )
        .optional()?
        .map(|(id, registered_at_us)| {
            Ok::<_, StoreError>(Precedence {
                registered_at_us,
                id: parse_uuid(&id)?,
            })
        })
        .transpose()?;
    let placement = supersede::place(record, id_stored, current);
    match placement {
        Placement::Duplicate => return Ok(placement),
        Placement::First => insert_record(tx, record, device_serial, received_at, None)?,
        Placement::Overwrites { previous } => {
            tx.execute(
                "UPDATE records SET superseded_by = ?1 WHERE id = ?2",
                params![record.id.to_string(), previous.to_string()],
            )?;
            insert_record(tx, record, device_serial, received_at, None)?;
        }
        Placement::Late { current } => {
            insert_record(tx, record, device_serial, received_at, Some(current))?;
        }
    }
    if let Some(event) = placement.event(record, device_serial, received_at) {
        write_audit(tx, &event)?;
    }
    Ok(placement)
}

impl Repository for SqliteRepository {
    fn register_device(&self, device: &NewDevice, actor: &str) -> Result<(), StoreError> {
        let now = OffsetDateTime::now_utc();
        self.write(|tx| insert_device(tx, device, now, actor))
    }

    fn register_devices(&self, devices: &[NewDevice], actor: &str) -> Result<usize, StoreError> {
        let now = OffsetDateTime::now_utc();
        self.write(|tx| {
            for device in devices {
                insert_device(tx, device, now, actor)?;
            }
            Ok(devices.len())
        })
    }

    fn device(&self, serial: &str) -> Result<Option<Device>, StoreError> {
        load_device(&self.conn(), serial)
    }

    fn device_by_fingerprint(&self, fingerprint: &str) -> Result<Option<Device>, StoreError> {
        self.conn()
            .query_row(
                &format!("SELECT {DEVICE_COLUMNS} FROM devices WHERE cert_fingerprint = ?1"),
                [fingerprint],
                device_row,
            )
            .optional()?
            .map(DeviceRow::into_device)
            .transpose()
    }

    fn devices(&self) -> Result<Vec<Device>, StoreError> {
        let conn = self.conn();
        let mut stmt = conn.prepare(&format!(
            "SELECT {DEVICE_COLUMNS} FROM devices ORDER BY serial"
        ))?;
        let rows = stmt
            .query_map([], device_row)?
            .collect::<Result<Vec<_>, _>>()?;
        rows.into_iter().map(DeviceRow::into_device).collect()
    }

    fn record_enrollment(
        &self,
        serial: &str,
        cert_fingerprint: &str,
        at: OffsetDateTime,
    ) -> Result<Device, StoreError> {
        self.transition(serial, |device| {
            lifecycle::enroll(device, cert_fingerprint, at)
        })
    }

    fn activate_device(
        &self,
        serial: &str,
        municipality: MunicipalityCode,
        actor: &str,
    ) -> Result<Device, StoreError> {
        let now = OffsetDateTime::now_utc();
        self.transition(serial, |device| {
            lifecycle::activate(device, municipality, actor, now)
        })
    }

    fn lock_device(&self, serial: &str, actor: &str) -> Result<Device, StoreError> {
        let now = OffsetDateTime::now_utc();
        self.transition(serial, |device| lifecycle::lock(device, actor, now))
    }

    fn record_check_in(
        &self,
        serial: &str,
        heartbeat: &CheckInRequest,
        at: OffsetDateTime,
    ) -> Result<(), StoreError> {
        let modem = heartbeat
            .modem
            .as_ref()
            .map(|m| serde_json::to_string(m).unwrap_or_default());
        let changed = self.conn().execute(
            "UPDATE devices SET last_check_in_at = ?1, firmware_version = ?2, outbox_depth = ?3, \
             oldest_unsent_age_s = ?4, modem_json = ?5 WHERE serial = ?6",
            params![
                ts(at),
                heartbeat.firmware_version,
                heartbeat.outbox_depth,
                heartbeat
                    .oldest_unsent_age_s
                    .map(|a| i64::try_from(a).unwrap_or(i64::MAX)),
                modem,
                serial
            ],
        )?;
        if changed == 0 {
            return Err(StoreError::UnknownDevice {
                serial: serial.to_owned(),
            });
        }
        Ok(())
    }

    fn add_venue(
        &self,
        municipality: MunicipalityCode,
        name: &str,
        actor: &str,
    ) -> Result<String, StoreError> {
        let now = OffsetDateTime::now_utc();
        self.write(|tx| {
            let inserted = tx.execute(
                "INSERT INTO venues (municipality, name, created_at) VALUES (?1, ?2, ?3) \
                 ON CONFLICT (municipality, name) DO NOTHING",
                params![municipality.as_string(), name, ts(now)],
            )?;
            if inserted == 0 {
                return Err(StoreError::DuplicateVenue {
                    municipality,
                    name: name.to_owned(),
                });
            }
            let id = tx.last_insert_rowid().to_string();
            write_audit(tx, &venue::venue_added(&id, municipality, name, actor, now))?;
            Ok(id)
        })
    }

    fn venues(&self, municipality: MunicipalityCode) -> Result<Vec<Venue>, StoreError> {
        let conn = self.conn();
        let mut stmt =
            conn.prepare("SELECT id, name FROM venues WHERE municipality = ?1 ORDER BY id")?;
        let venues = stmt
            .query_map([municipality.as_string()], |r| {
                Ok(Venue {
                    id: r.get::<_, i64>(0)?.to_string(),
                    name: r.get(1)?,
                })
            })?
            .collect::<Result<_, _>>()?;
        Ok(venues)
    }

    fn vaccine_makers(&self) -> Result<Vec<String>, StoreError> {
        let conn = self.conn();
        let mut stmt = conn.prepare("SELECT name FROM vaccine_makers ORDER BY position")?;
        let makers = stmt
            .query_map([], |r| r.get(0))?
            .collect::<Result<_, _>>()?;
        Ok(makers)
    }

    fn add_account(&self, account: &NewAccount, actor: &str) -> Result<(), StoreError> {
        let now = OffsetDateTime::now_utc();
        self.write(|tx| {
            let venue_id = match &account.venue_id {
                Some(id) => {
                    // Venue ids are this store's integer row ids: any other text names none.
                    let numeric = id.parse::<i64>().ok();
                    let venue_municipality = match numeric {
                        Some(numeric) => tx
                            .query_row(
                                "SELECT municipality FROM venues WHERE id = ?1",
                                [numeric],
                                |r| r.get::<_, String>(0),
                            )
                            .optional()?
                            .as_deref()
                            .map(parse_code)
                            .transpose()?,
                        None => None,
                    };
                    venue::check_account_venue(account.municipality, id, venue_municipality)?;
                    numeric
                }
                None => None,
            };
            let inserted = tx.execute(
                "INSERT INTO accounts (login_id, municipality, password_phc, venue_id, created_at) \
                 VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT (login_id) DO NOTHING",
                params![
                    account.login_id,
                    account.municipality.as_string(),
                    account.password_phc,
                    venue_id,
                    ts(now)
                ],
            )?;
            if inserted == 0 {
                return Err(StoreError::DuplicateAccount {
                    login_id: account.login_id.clone(),
                });
            }
            write_audit(tx, &venue::account_added(account, actor, now))
        })
    }

    fn accounts(&self, municipality: MunicipalityCode) -> Result<Vec<AccountVerifier>, StoreError> {
        let conn = self.conn();
        let mut stmt = conn.prepare(
            "SELECT login_id, password_phc, venue_id FROM accounts WHERE municipality = ?1 \
             ORDER BY login_id",
        )?;
        let accounts = stmt
            .query_map([municipality.as_string()], |r| {
                Ok(AccountVerifier {
                    login_id: r.get(0)?,
                    password_phc: r.get(1)?,
                    venue_id: r.get::<_, Option<i64>>(2)?.map(|id| id.to_string()),
                })
            })?
            .collect::<Result<_, _>>()?;
        Ok(accounts)
    }

    fn store_records(
        &self,
        device_serial: &str,
        records: &[Record],
        received_at: OffsetDateTime,
    ) -> Result<Vec<Receipt>, StoreError> {
        self.write(|tx| {
            let receipts = records
                .iter()
                .map(|record| {
                    let placement = store_one(tx, device_serial, record, received_at)?;
                    Ok(Receipt {
                        id: record.id,
                        status: placement.receipt_status(),
                    })
                })
                .collect::<Result<Vec<_>, StoreError>>()?;
            write_audit(
                tx,
                &supersede::upload_event(device_serial, &receipts, received_at),
            )?;
            Ok(receipts)
        })
    }

    fn records(
        &self,
        municipality: MunicipalityCode,
        include_superseded: bool,
    ) -> Result<Vec<StoredRecord>, StoreError> {
        let conn = self.conn();
        let filter = if include_superseded {
            ""
        } else {
            "AND superseded_by IS NULL"
        };
        let mut stmt = conn.prepare(&format!(
            "SELECT {RECORD_COLUMNS} FROM records WHERE municipality = ?1 {filter} \
             ORDER BY registered_at_us, id"
        ))?;
        let rows = stmt
            .query_map([municipality.as_string()], record_row)?
            .collect::<Result<Vec<_>, _>>()?;
        rows.into_iter().map(RecordRow::into_stored).collect()
    }

    fn daily_counts(&self, filter: CountFilter) -> Result<Vec<VenueDayCount>, StoreError> {
        let conn = self.conn();
        let mut stmt = conn.prepare(
            "SELECT vaccination_date, municipality, venue, \
                    SUM(outcome = 'vaccinated'), SUM(outcome = 'screening_only') \
             FROM records \
             WHERE superseded_by IS NULL \
               AND (?1 IS NULL OR municipality = ?1) \
               AND (?2 IS NULL OR vaccination_date = ?2) \
             GROUP BY vaccination_date, municipality, venue \
             ORDER BY vaccination_date, municipality, venue",
        )?;
        let rows = stmt
            .query_map(
                params![
                    filter.municipality.map(MunicipalityCode::as_string),
                    filter.date.map(date_text)
                ],
                |r| {
                    Ok((
                        r.get::<_, String>(0)?,
                        r.get::<_, String>(1)?,
                        r.get::<_, String>(2)?,
                        r.get::<_, i64>(3)?,
                        r.get::<_, i64>(4)?,
                    ))
                },
            )?
            .collect::<Result<Vec<_>, _>>()?;
        rows.into_iter()
            .map(|(date, municipality, venue, vaccinated, screening)| {
                venue_day_count(&date, &municipality, venue, vaccinated, screening)
            })
            .collect()
    }

    fn append_audit(&self, event: &AuditEvent) -> Result<(), StoreError> {
        self.write(|tx| write_audit(tx, event))
    }

    fn audit_events(&self, limit: usize) -> Result<Vec<AuditEvent>, StoreError> {
        let conn = self.conn();
        let mut stmt = conn.prepare(
            "SELECT at, actor, action, subject, detail FROM audit_events ORDER BY id DESC LIMIT ?1",
        )?;
        let rows = stmt
            .query_map([i64::try_from(limit).unwrap_or(i64::MAX)], |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, String>(2)?,
                    r.get::<_, String>(3)?,
                    r.get::<_, String>(4)?,
                ))
            })?
            .collect::<Result<Vec<_>, _>>()?;
        rows.into_iter()
            .map(|(at, actor, action, subject, detail)| {
                audit_event(&at, actor, action, subject, &detail)
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    //! What only SQLite has: the file, its pragmas and migrations. The behaviour of the
    //! trait is checked for every store by `tests/backoffice/conformance.rs`.

    use super::*;

    fn repo(dir: &tempfile::TempDir) -> SqliteRepository {
        SqliteRepository::open(&dir.path().join("b.db")).unwrap()
    }

    #[test]
    fn a_new_database_opened_twice_at_once_is_set_up_once() {
        // The demo found this: `serve` and an operator command starting together on a new
        // file both switched it to WAL and both ran the first migration.
        for _ in 0..20 {
            let dir = tempfile::tempdir().unwrap();
            let path = dir.path().join("b.db");
            let openers: Vec<_> = (0..3)
                .map(|_| {
                    let path = path.clone();
                    std::thread::spawn(move || SqliteRepository::open(&path).map(|_| ()))
                })
                .collect();
            for opener in openers {
                opener.join().unwrap().unwrap();
            }
            let repo = SqliteRepository::open(&path).unwrap();
            let makers: i64 = repo
                .conn
                .lock()
                .unwrap()
                .query_row("SELECT COUNT(*) FROM vaccine_makers", [], |r| r.get(0))
                .unwrap();
            assert_eq!(makers as usize, SEEDED_VACCINE_MAKERS.len());
        }
    }

    #[test]
    fn migrations_run_once_and_settings_hold() {
        let dir = tempfile::tempdir().unwrap();
        drop(repo(&dir));
        let mode = std::os::unix::fs::PermissionsExt::mode(
            &std::fs::metadata(dir.path().join("b.db"))
                .unwrap()
                .permissions(),
        );
        assert_eq!(mode & 0o777, 0o600, "the database is private to its owner");
        let again = repo(&dir);
        assert_eq!(
            again.vaccine_makers().unwrap(),
            SEEDED_VACCINE_MAKERS.to_vec()
        );
        let conn = again.conn();
        let mode: String = conn
            .pragma_query_value(None, "journal_mode", |r| r.get(0))
            .unwrap();
        assert_eq!(mode, "wal");
        let fk: i64 = conn
            .pragma_query_value(None, "foreign_keys", |r| r.get(0))
            .unwrap();
        assert_eq!(fk, 1);
        let version: i64 = conn
            .pragma_query_value(None, "user_version", |r| r.get(0))
            .unwrap();
        assert_eq!(version, SqliteRepository::schema_version());
        assert_eq!(
            applied_versions(&conn),
            (1..=SqliteRepository::schema_version()).collect::<Vec<_>>()
        );
    }

    fn applied_versions(conn: &Connection) -> Vec<i64> {
        conn.prepare("SELECT version FROM schema_migrations ORDER BY version")
            .unwrap()
            .query_map([], |r| r.get(0))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap()
    }

    #[test]
    fn a_database_made_before_schema_migrations_opens_with_its_data() {
        // Earlier builds ran the same first schema and counted it in `user_version` only.
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("b.db");
        {
            let conn = Connection::open(&path).unwrap();
            conn.execute_batch(migration::SQLITE[0].sql).unwrap();
            for (position, name) in SEEDED_VACCINE_MAKERS.iter().enumerate() {
                conn.execute(
                    "INSERT INTO vaccine_makers (position, name) VALUES (?1, ?2)",
                    params![position as i64, name],
                )
                .unwrap();
            }
            conn.execute(
                "INSERT INTO devices (serial, imei, state, registered_at) \
                 VALUES ('SN-OLD', '490154203237518', 'factory', '2026-01-01T00:00:00Z')",
                [],
            )
            .unwrap();
            conn.pragma_update(None, "user_version", 1).unwrap();
        }
        let repo = SqliteRepository::open(&path).unwrap();
        assert_eq!(
            repo.device("SN-OLD").unwrap().unwrap().state,
            vrs_protocol::Lifecycle::Factory
        );
        assert_eq!(
            repo.vaccine_makers().unwrap(),
            SEEDED_VACCINE_MAKERS.to_vec()
        );
        assert_eq!(applied_versions(&repo.conn()), vec![1]);
        repo.register_device(
            &NewDevice {
                serial: "SN-NEW".into(),
                imei: "356938035643809".into(),
            },
            "cli",
        )
        .unwrap();
        drop(repo);
        let again = SqliteRepository::open(&path).unwrap();
        assert_eq!(again.devices().unwrap().len(), 2);
        assert_eq!(applied_versions(&again.conn()), vec![1]);
    }

    #[test]
    fn newer_schema_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        {
            let r = repo(&dir);
            r.conn().pragma_update(None, "user_version", 99).unwrap();
        }
        let err = SqliteRepository::open(&dir.path().join("b.db")).unwrap_err();
        assert!(
            matches!(err, StoreError::SchemaTooNew { found: 99, .. }),
            "{err:?}"
        );
    }

    #[test]
    fn a_newer_recorded_migration_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        {
            let r = repo(&dir);
            r.conn()
                .execute(
                    "INSERT INTO schema_migrations (version, applied_at) VALUES (7, 'later')",
                    [],
                )
                .unwrap();
        }
        let err = SqliteRepository::open(&dir.path().join("b.db")).unwrap_err();
        assert!(
            matches!(
                err,
                StoreError::SchemaTooNew {
                    found: 7,
                    supported: 1
                }
            ),
            "{err:?}"
        );
    }
}
