//! The PostgreSQL [`Repository`]: a pool of synchronous `postgres` connections, schema
//! migrations from `migrations/postgres/` recorded in `schema_migrations` (see
//! [`super::migration`]). It does exactly what the SQLite store does — the same domain
//! calls, errors and audit events — so several back-office replicas can share one database.
//!
//! # Transactions
//!
//! Every trait call is one transaction: reads are single statements, writes one explicit
//! transaction that reads the rows a rule needs, asks [`crate::domain`] for the outcome and
//! writes it with its audit event.
//!
//! Writes run at `SERIALIZABLE` and are re-run from the start on a serialization failure
//! (SQLSTATE 40001) or a deadlock (40P01). Row locks (`SELECT … FOR UPDATE`) would not be
//! enough: the decisions read rows that may not exist yet — a record id already stored,
//! the current record of a business key, a serial being registered — and an absent row
//! cannot be locked, so two replicas could both see "none" and both insert. `SERIALIZABLE`
//! detects exactly that conflict and fails one of them; its re-run reads a fresh snapshot
//! that holds the other's row and decides again (`duplicate`, `overwrote`, a refusal), as
//! the SQLite store's `IMMEDIATE` transactions do by running one writer at a time.
//!
//! Text is ordered `COLLATE "C"` (by bytes, as SQLite does), whatever the database's
//! locale.
//!
//! # Threads
//!
//! Each `postgres` connection drives its socket with a private current-thread tokio
//! runtime, which may block the calling thread but must not run on an async worker. The
//! server therefore calls the trait only from `spawn_blocking` (`api.rs`), the CLI from
//! its main thread, and the pool opens connections on its own threads. Dropping the store
//! closes its connections on a thread of its own, because the last reference may go when
//! the server's async accept loop ends.

use std::time::Duration;

use ::postgres::error::SqlState;
use ::postgres::{Client, Config, GenericClient, IsolationLevel, NoTls, Row, Transaction};
use r2d2::{Pool, PooledConnection};
use r2d2_postgres::PostgresConnectionManager;
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
    StoreError, StoredRecord, VenueDayCount, without_password,
};

type Manager = PostgresConnectionManager<NoTls>;

/// Connections one process keeps at most (the server's blocking calls share them).
const POOL_SIZE: u32 = 8;

/// How long a call waits for a free or new connection before failing.
const POOL_TIMEOUT: Duration = Duration::from_secs(10);

/// How often a write is tried when concurrent transactions keep conflicting with it.
const WRITE_ATTEMPTS: u32 = 10;

/// Key of the advisory lock held while migrating ("vrs_migr" in ASCII), so replicas
/// opening a new database together migrate it once.
const MIGRATION_LOCK: i64 = 0x7672_735f_6d69_6772;

/// A [`Repository`] in one PostgreSQL database.
pub struct PostgresStore {
    /// Always `Some` until [`Drop`] takes it to close the connections elsewhere.
    pool: Option<Pool<Manager>>,
}

impl std::fmt::Debug for PostgresStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PostgresStore").finish_non_exhaustive()
    }
}

impl PostgresStore {
    /// Connects to the database `url` names (`postgres://USER[:PASSWORD]@HOST[:PORT]/DB`),
    /// migrates it and keeps a pool of connections to it. Errors name the URL without its
    /// password.
    pub fn open(url: &str) -> Result<Self, StoreError> {
        let config: Config = url.parse().map_err(|source| StoreError::PostgresUrl {
            url: without_password(url),
            source,
        })?;
        let mut client =
            config
                .connect(NoTls)
                .map_err(|source| StoreError::PostgresUnreachable {
                    url: without_password(url),
                    source,
                })?;
        migrate(&mut client)?;
        let pool = Pool::builder()
            .max_size(POOL_SIZE)
            .min_idle(Some(1))
            .connection_timeout(POOL_TIMEOUT)
            .build_unchecked(PostgresConnectionManager::new(config, NoTls));
        Ok(Self { pool: Some(pool) })
    }

    /// The newest schema version this build writes.
    pub fn schema_version() -> i64 {
        migration::latest(migration::POSTGRES)
    }

    fn conn(&self) -> Result<PooledConnection<Manager>, StoreError> {
        let pool = self
            .pool
            .as_ref()
            .expect("the pool lives as long as the store");
        pool.get().map_err(StoreError::PostgresPool)
    }

    /// Runs `f` in one `SERIALIZABLE` transaction and commits it; runs it again from the
    /// start when the transaction lost a conflict with a concurrent one.
    fn write<T>(
        &self,
        f: impl Fn(&mut Transaction<'_>) -> Result<T, StoreError>,
    ) -> Result<T, StoreError> {
        let mut conn = self.conn()?;
        let mut attempt = 1;
        loop {
            let outcome = {
                let mut tx = conn
                    .build_transaction()
                    .isolation_level(IsolationLevel::Serializable)
                    .start()?;
                match f(&mut tx) {
                    Ok(value) => tx.commit().map(|()| value).map_err(StoreError::from),
                    Err(refused) => Err(refused),
                }
            };
            match outcome {
                Err(StoreError::Postgres(e)) if attempt < WRITE_ATTEMPTS && lost_conflict(&e) => {
                    log::debug!("transaction lost a conflict (attempt {attempt}), retrying: {e}");
                    std::thread::sleep(Duration::from_millis(5 * u64::from(attempt)));
                    attempt += 1;
                }
                other => return other,
            }
        }
    }

    /// One lifecycle transition in one transaction (retried like every write): the device
    /// as stored, the domain's `rule` for it, and the rule's answer written (or its refusal
    /// returned).
    fn transition(
        &self,
        serial: &str,
        rule: impl Fn(&Device) -> Result<DeviceChange, TransitionError>,
    ) -> Result<Device, StoreError> {
        self.write(|tx| {
            let device = require_device(tx, serial)?;
            let change =
                rule(&device).map_err(|refused| StoreError::wrong_state(serial, refused))?;
            write_device_change(tx, &change)
        })
    }
}

impl Drop for PostgresStore {
    fn drop(&mut self) {
        // A connection closes by blocking on its own runtime, which panics on an async
        // worker: close them on a plain thread (see the module documentation).
        if let Some(pool) = self.pool.take()
            && let Ok(closing) = std::thread::Builder::new()
                .name("vrs-pg-close".into())
                .spawn(move || drop(pool))
        {
            let _ = closing.join();
        }
    }
}

/// Whether `e` is PostgreSQL giving up a transaction that a re-run may complete.
fn lost_conflict(e: &::postgres::Error) -> bool {
    e.code().is_some_and(|code| {
        *code == SqlState::T_R_SERIALIZATION_FAILURE || *code == SqlState::T_R_DEADLOCK_DETECTED
    })
}

/// Applies the missing migrations in one transaction, under an advisory lock so that
/// replicas opening a new database at the same moment migrate it once.
fn migrate(client: &mut Client) -> Result<(), StoreError> {
    let mut tx = client.transaction()?;
    tx.execute("SELECT pg_advisory_xact_lock($1)", &[&MIGRATION_LOCK])?;
    // `IF NOT EXISTS` says so with a NOTICE on every start; keep it out of the log.
    tx.batch_execute(
        "SET LOCAL client_min_messages TO warning; \
         CREATE TABLE IF NOT EXISTS schema_migrations (\
             version    BIGINT PRIMARY KEY,\
             applied_at TIMESTAMPTZ NOT NULL)",
    )?;
    let applied: i64 = tx
        .query_one(
            "SELECT COALESCE(MAX(version), 0) FROM schema_migrations",
            &[],
        )?
        .try_get(0)?;
    for step in migration::pending(migration::POSTGRES, applied)? {
        tx.batch_execute(step.sql)?;
        if step.version == SEEDS_VACCINE_MAKERS {
            for (position, name) in SEEDED_VACCINE_MAKERS.iter().enumerate() {
                tx.execute(
                    "INSERT INTO vaccine_makers (position, name) VALUES ($1, $2)",
                    &[&(position as i64), name],
                )?;
            }
        }
        tx.execute(
            "INSERT INTO schema_migrations (version, applied_at) VALUES ($1, now())",
            &[&step.version],
        )?;
        log::info!("database schema migrated to version {}", step.version);
    }
    tx.commit()?;
    Ok(())
}

fn write_audit(tx: &mut impl GenericClient, event: &AuditEvent) -> Result<(), StoreError> {
    tx.execute(
        "INSERT INTO audit_events (at, actor, action, subject, detail) VALUES ($1, $2, $3, $4, $5)",
        &[
            &ts(event.at),
            &event.actor,
            &event.action,
            &event.subject,
            &event.detail.to_string(),
        ],
    )?;
    Ok(())
}

/// A device row's columns, converted by [`DeviceRow::into_device`].
fn device_row(row: &Row) -> Result<DeviceRow, ::postgres::Error> {
    Ok(DeviceRow {
        serial: row.try_get(0)?,
        imei: row.try_get(1)?,
        state: row.try_get(2)?,
        municipality: row.try_get(3)?,
        cert_fingerprint: row.try_get(4)?,
        registered_at: row.try_get(5)?,
        enrolled_at: row.try_get(6)?,
        last_check_in_at: row.try_get(7)?,
        firmware_version: row.try_get(8)?,
        outbox_depth: row.try_get(9)?,
        oldest_unsent_age_s: row.try_get(10)?,
        modem_json: row.try_get(11)?,
    })
}

/// The device in `row`.
fn device(row: &Row) -> Result<Device, StoreError> {
    device_row(row)?.into_device()
}

fn load_device(
    client: &mut impl GenericClient,
    serial: &str,
) -> Result<Option<Device>, StoreError> {
    let sql = format!("SELECT {DEVICE_COLUMNS} FROM devices WHERE serial = $1");
    client
        .query_opt(sql.as_str(), &[&serial])?
        .as_ref()
        .map(device)
        .transpose()
}

fn require_device(client: &mut impl GenericClient, serial: &str) -> Result<Device, StoreError> {
    load_device(client, serial)?.ok_or_else(|| StoreError::UnknownDevice {
        serial: serial.to_owned(),
    })
}

fn insert_device(
    tx: &mut Transaction<'_>,
    new: &NewDevice,
    at: OffsetDateTime,
    actor: &str,
) -> Result<(), StoreError> {
    let DeviceChange { device, event } = lifecycle::register(new, actor, at);
    let inserted = tx.execute(
        "INSERT INTO devices (serial, imei, state, registered_at) VALUES ($1, $2, $3, $4) \
         ON CONFLICT (serial) DO NOTHING",
        &[
            &device.serial,
            &device.imei,
            &device.state.as_str(),
            &ts(device.registered_at),
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
fn write_device_change(
    tx: &mut Transaction<'_>,
    change: &DeviceChange,
) -> Result<Device, StoreError> {
    let device = &change.device;
    tx.execute(
        "UPDATE devices SET state = $1, municipality = $2, cert_fingerprint = $3, \
         enrolled_at = $4 WHERE serial = $5",
        &[
            &device.state.as_str(),
            &device.municipality.map(MunicipalityCode::as_string),
            &device.cert_fingerprint,
            &device.enrolled_at.map(ts),
            &device.serial,
        ],
    )?;
    write_audit(tx, &change.event)?;
    require_device(tx, &device.serial)
}

/// A record row's columns, converted by [`RecordRow::into_stored`].
fn record_row(row: &Row) -> Result<RecordRow, ::postgres::Error> {
    Ok(RecordRow {
        id: row.try_get(0)?,
        registered_at: row.try_get(1)?,
        vaccination_date: row.try_get(2)?,
        municipality: row.try_get(3)?,
        ticket_number: row.try_get(4)?,
        dose: row.try_get(5)?,
        ticket_kind: row.try_get(6)?,
        venue: row.try_get(7)?,
        doctor: row.try_get(8)?,
        maker: row.try_get(9)?,
        lot: row.try_get(10)?,
        outcome: row.try_get(11)?,
        operator: row.try_get(12)?,
        received_at: row.try_get(13)?,
        device_serial: row.try_get(14)?,
        superseded_by: row.try_get(15)?,
    })
}

fn insert_record(
    tx: &mut Transaction<'_>,
    record: &Record,
    device_serial: &str,
    received_at: OffsetDateTime,
    superseded_by: Option<Uuid>,
) -> Result<(), StoreError> {
    let sql = format!(
        "INSERT INTO records ({RECORD_COLUMNS}, registered_at_us) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17)"
    );
    tx.execute(
        sql.as_str(),
        &[
            &record.id.to_string(),
            &ts(record.registered_at),
            &date_text(record.vaccination_date),
            &record.municipality.as_string(),
            &record.ticket_number.as_str(),
            &i64::from(record.dose),
            &i64::from(record.ticket_kind),
            &record.venue,
            &record.doctor,
            &record.maker,
            &record.lot,
            &record.outcome.as_str(),
            &record.operator,
            &ts(received_at),
            &device_serial,
            &superseded_by.map(|id| id.to_string()),
            &Precedence::of(record).registered_at_us,
        ],
    )?;
    Ok(())
}

/// Stores one record inside the batch transaction and says where it went.
fn store_one(
    tx: &mut Transaction<'_>,
    device_serial: &str,
    record: &Record,
    received_at: OffsetDateTime,
) -> Result<Placement, StoreError> {
    let id_stored = tx
        .query_opt(
            "SELECT 1 FROM records WHERE id = $1",
            &[&record.id.to_string()],
        )?
        .is_some();
    let key = BusinessKey::of(record);
    let current = tx
        .query_opt(
            "SELECT id, registered_at_us FROM records \
             WHERE municipality = $1 AND ticket_number = $2 AND dose = $3 \
             AND superseded_by IS NULL",
            &[
                &key.municipality.as_string(),
                &key.ticket_number.as_str(),
                &i64::from(key.dose),
            ],
        )?
        .map(|row| {
            Ok::<_, StoreError>(Precedence {
                registered_at_us: row.try_get(1)?,
                id: parse_uuid(row.try_get(0)?)?,
            })
        })
        .transpose()?;
    let placement = supersede::place(record, id_stored, current);
    match placement {
        Placement::Duplicate => return Ok(placement),
        Placement::First => insert_record(tx, record, device_serial, received_at, None)?,
        Placement::Overwrites { previous } => {
            tx.execute(
                "UPDATE records SET superseded_by = $1 WHERE id = $2",
                &[&record.id.to_string(), &previous.to_string()],
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

impl Repository for PostgresStore {
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
        load_device(&mut *self.conn()?, serial)
    }

    fn device_by_fingerprint(&self, fingerprint: &str) -> Result<Option<Device>, StoreError> {
        let sql = format!("SELECT {DEVICE_COLUMNS} FROM devices WHERE cert_fingerprint = $1");
        self.conn()?
            .query_opt(sql.as_str(), &[&fingerprint])?
            .as_ref()
            .map(device)
            .transpose()
    }

    fn devices(&self) -> Result<Vec<Device>, StoreError> {
        let sql = format!("SELECT {DEVICE_COLUMNS} FROM devices ORDER BY serial COLLATE \"C\"");
        self.conn()?
            .query(sql.as_str(), &[])?
            .iter()
            .map(device)
            .collect()
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
        let changed = self.conn()?.execute(
            "UPDATE devices SET last_check_in_at = $1, firmware_version = $2, outbox_depth = $3, \
             oldest_unsent_age_s = $4, modem_json = $5 WHERE serial = $6",
            &[
                &ts(at),
                &heartbeat.firmware_version,
                &i64::from(heartbeat.outbox_depth),
                &heartbeat
                    .oldest_unsent_age_s
                    .map(|a| i64::try_from(a).unwrap_or(i64::MAX)),
                &modem,
                &serial,
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
            let inserted = tx.query_opt(
                "INSERT INTO venues (municipality, name, created_at) VALUES ($1, $2, $3) \
                 ON CONFLICT (municipality, name) DO NOTHING RETURNING id",
                &[&municipality.as_string(), &name, &ts(now)],
            )?;
            let Some(row) = inserted else {
                return Err(StoreError::DuplicateVenue {
                    municipality,
                    name: name.to_owned(),
                });
            };
            let id = row.try_get::<_, i64>(0)?.to_string();
            write_audit(tx, &venue::venue_added(&id, municipality, name, actor, now))?;
            Ok(id)
        })
    }

    fn venues(&self, municipality: MunicipalityCode) -> Result<Vec<Venue>, StoreError> {
        let rows = self.conn()?.query(
            "SELECT id, name FROM venues WHERE municipality = $1 ORDER BY id",
            &[&municipality.as_string()],
        )?;
        let venues = rows
            .iter()
            .map(|r| {
                Ok(Venue {
                    id: r.try_get::<_, i64>(0)?.to_string(),
                    name: r.try_get(1)?,
                })
            })
            .collect::<Result<_, ::postgres::Error>>()?;
        Ok(venues)
    }

    fn vaccine_makers(&self) -> Result<Vec<String>, StoreError> {
        let rows = self
            .conn()?
            .query("SELECT name FROM vaccine_makers ORDER BY position", &[])?;
        let makers = rows
            .iter()
            .map(|r| r.try_get(0))
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
                            .query_opt(
                                "SELECT municipality FROM venues WHERE id = $1",
                                &[&numeric],
                            )?
                            .map(|r| r.try_get::<_, String>(0))
                            .transpose()?
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
                 VALUES ($1, $2, $3, $4, $5) ON CONFLICT (login_id) DO NOTHING",
                &[
                    &account.login_id,
                    &account.municipality.as_string(),
                    &account.password_phc,
                    &venue_id,
                    &ts(now),
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
        let rows = self.conn()?.query(
            "SELECT login_id, password_phc, venue_id FROM accounts WHERE municipality = $1 \
             ORDER BY login_id COLLATE \"C\"",
            &[&municipality.as_string()],
        )?;
        let accounts = rows
            .iter()
            .map(|r| {
                Ok(AccountVerifier {
                    login_id: r.try_get(0)?,
                    password_phc: r.try_get(1)?,
                    venue_id: r.try_get::<_, Option<i64>>(2)?.map(|id| id.to_string()),
                })
            })
            .collect::<Result<_, ::postgres::Error>>()?;
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
        let filter = if include_superseded {
            ""
        } else {
            "AND superseded_by IS NULL"
        };
        let sql = format!(
            "SELECT {RECORD_COLUMNS} FROM records WHERE municipality = $1 {filter} \
             ORDER BY registered_at_us, id COLLATE \"C\""
        );
        self.conn()?
            .query(sql.as_str(), &[&municipality.as_string()])?
            .iter()
            .map(|row| record_row(row)?.into_stored())
            .collect()
    }

    fn daily_counts(&self, filter: CountFilter) -> Result<Vec<VenueDayCount>, StoreError> {
        let rows = self.conn()?.query(
            "SELECT vaccination_date, municipality, venue, \
                    COUNT(*) FILTER (WHERE outcome = 'vaccinated'), \
                    COUNT(*) FILTER (WHERE outcome = 'screening_only') \
             FROM records \
             WHERE superseded_by IS NULL \
               AND ($1::text IS NULL OR municipality = $1) \
               AND ($2::text IS NULL OR vaccination_date = $2) \
             GROUP BY vaccination_date, municipality, venue \
             ORDER BY vaccination_date COLLATE \"C\", municipality COLLATE \"C\", \
                      venue COLLATE \"C\"",
            &[
                &filter.municipality.map(MunicipalityCode::as_string),
                &filter.date.map(date_text),
            ],
        )?;
        rows.iter()
            .map(|r| {
                venue_day_count(
                    r.try_get(0)?,
                    r.try_get(1)?,
                    r.try_get(2)?,
                    r.try_get(3)?,
                    r.try_get(4)?,
                )
            })
            .collect()
    }

    fn append_audit(&self, event: &AuditEvent) -> Result<(), StoreError> {
        self.write(|tx| write_audit(tx, event))
    }

    fn audit_events(&self, limit: usize) -> Result<Vec<AuditEvent>, StoreError> {
        let rows = self.conn()?.query(
            "SELECT at, actor, action, subject, detail FROM audit_events ORDER BY id DESC LIMIT $1",
            &[&i64::try_from(limit).unwrap_or(i64::MAX)],
        )?;
        rows.iter()
            .map(|r| {
                audit_event(
                    r.try_get(0)?,
                    r.try_get(1)?,
                    r.try_get(2)?,
                    r.try_get(3)?,
                    r.try_get(4)?,
                )
            })
            .collect()
    }
}
