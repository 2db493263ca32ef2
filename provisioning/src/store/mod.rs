//! Storage of the back office behind one [`Repository`] trait.
//!
//! The server and the operator CLI talk only to the trait. SQLite ([`sqlite`]) is the
//! embedded default for the demo and a single box; PostgreSQL ([`postgres`]) serves
//! several back-office replicas from one database. [`open`] picks one by the `--db` URL.
//! Both apply the versioned SQL files of their backend ([`migration`]) and convert rows
//! with the same code (`store/rows.rs`).
//!
//! Stores decide no business rule: inside one transaction they read the current rows, ask
//! [`crate::domain`] what to do and write what it returns (with its audit event).
//! `tests/backoffice/conformance.rs` holds the behaviour every store must show.
//!
//! The trait is synchronous: the server calls it from `tokio::task::spawn_blocking`, the
//! CLI calls it directly. Implementations must be `Send + Sync` and do their own locking.

pub mod migration;
pub mod postgres;
mod rows;
pub mod sqlite;

use std::path::PathBuf;
use std::sync::Arc;

use time::{Date, OffsetDateTime};
use uuid::Uuid;
use vrs_protocol::wire::{AccountVerifier, CheckInRequest, Receipt, Venue};
use vrs_protocol::{Lifecycle, MunicipalityCode, Record};

use crate::domain::lifecycle::{Transition, TransitionError};
use crate::domain::venue::VenueError;

/// Vaccine makers every new database starts with.
pub const SEEDED_VACCINE_MAKERS: [&str; 4] = [
    "ファイザー",
    "モデルナ",
    "武田/ノババックス",
    "アストラゼネカ",
];

/// Why a storage operation failed. Messages are for operators, in Japanese.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// `--db` is neither `sqlite:` nor `postgres://`.
    #[error(
        "データベースの指定「{given}」を理解できません。sqlite:ファイルのパス か \
         postgres://ユーザー@ホスト:ポート/データベース名 の形で指定してください"
    )]
    UnsupportedUrl {
        /// What was given, without any password.
        given: String,
    },
    /// The database file cannot be opened or created.
    #[error("データベース {path} を開けません: {source}。パスと権限を確認してください")]
    Open {
        /// The file.
        path: PathBuf,
        /// The SQLite error.
        source: rusqlite::Error,
    },
    /// The database file cannot be created.
    #[error("データベース {path} を作成できません: {source}。ディレクトリと権限を確認してください")]
    Create {
        /// The file.
        path: PathBuf,
        /// The OS error.
        source: std::io::Error,
    },
    /// A `postgres://` URL that the PostgreSQL client cannot read. (The client's reason is
    /// the [`source`](std::error::Error::source), shown by the CLI after the message.)
    #[error(
        "PostgreSQL の接続先 {url} を読めません。\
         postgres://ユーザー@ホスト:ポート/データベース名 の形で指定してください"
    )]
    PostgresUrl {
        /// The URL as given, without its password.
        url: String,
        /// The parse error.
        source: ::postgres::Error,
    },
    /// The PostgreSQL server cannot be reached or refuses the login (the reason is the
    /// source).
    #[error(
        "PostgreSQL {url} に接続できません。\
         サーバーが起動しているか、ホスト・ポート・ユーザー・パスワード・データベース名を確認してください"
    )]
    PostgresUnreachable {
        /// The URL as given, without its password.
        url: String,
        /// The connection error.
        source: ::postgres::Error,
    },
    /// No pooled PostgreSQL connection became free or could be opened in time.
    #[error(
        "PostgreSQL への接続が時間内に得られませんでした: {0}。\
         サーバーが動いているか、接続数の上限に達していないか確認してください"
    )]
    PostgresPool(#[source] r2d2::Error),
    /// The database was written by a newer version of this program.
    #[error(
        "データベースのスキーマ版 {found} はこのプログラム(対応版 {supported})より新しいです。\
         新しい版の vrs-provision を使ってください"
    )]
    SchemaTooNew {
        /// The newest version the database has applied.
        found: i64,
        /// The newest version this build knows.
        supported: i64,
    },
    /// A device with this serial is already registered.
    #[error("シリアル番号 {serial} の端末はすでに登録されています")]
    DuplicateDevice {
        /// The serial.
        serial: String,
    },
    /// No device has this serial.
    #[error(
        "シリアル番号 {serial} の端末は登録されていません。シリアル番号を確認するか、物流担当に端末登録を依頼してください"
    )]
    UnknownDevice {
        /// The serial.
        serial: String,
    },
    /// The device is not in a state that allows the transition.
    #[error(
        "端末 {serial} は現在「{}」のため、{}できません",
        state.label_ja(),
        transition_ja(*transition)
    )]
    WrongState {
        /// The serial.
        serial: String,
        /// Its current state.
        state: Lifecycle,
        /// What was attempted.
        transition: Transition,
    },
    /// A venue with this name already exists in the municipality.
    #[error("市町村 {municipality} には会場「{name}」がすでにあります")]
    DuplicateVenue {
        /// The municipality.
        municipality: MunicipalityCode,
        /// The name.
        name: String,
    },
    /// No venue has this id.
    #[error("会場ID {id} は登録されていません。venue add で表示されたIDを指定してください")]
    UnknownVenue {
        /// The id.
        id: String,
    },
    /// The venue belongs to another municipality than the account.
    #[error(
        "会場ID {id} は市町村 {venue_municipality} の会場です。同じ市町村の会場を指定してください"
    )]
    VenueOfOtherMunicipality {
        /// The venue id.
        id: String,
        /// The venue's municipality.
        venue_municipality: MunicipalityCode,
    },
    /// An account with this login ID already exists.
    #[error("ログインID {login_id} はすでに使われています。別のIDを指定してください")]
    DuplicateAccount {
        /// The login ID.
        login_id: String,
    },
    /// Stored data that this program cannot read back (a damaged or hand-edited row).
    #[error("データベースの内容が不正です({what})。管理者に連絡してください")]
    Corrupt {
        /// What could not be read.
        what: String,
    },
    /// Any other SQLite failure.
    #[error("データベースの操作に失敗しました: {0}")]
    Sqlite(#[from] rusqlite::Error),
    /// Any other PostgreSQL failure.
    #[error("データベースの操作に失敗しました: {0}")]
    Postgres(#[from] ::postgres::Error),
}

impl StoreError {
    /// The refusal of a lifecycle transition of device `serial`.
    pub fn wrong_state(serial: &str, refused: TransitionError) -> Self {
        Self::WrongState {
            serial: serial.to_owned(),
            state: refused.from,
            transition: refused.transition,
        }
    }
}

impl From<VenueError> for StoreError {
    fn from(refused: VenueError) -> Self {
        match refused {
            VenueError::Unknown { id } => Self::UnknownVenue { id },
            VenueError::OtherMunicipality {
                id,
                venue_municipality,
            } => Self::VenueOfOtherMunicipality {
                id,
                venue_municipality,
            },
        }
    }
}

/// A transition as the operator reads it, to end 「…できません」.
fn transition_ja(transition: Transition) -> &'static str {
    match transition {
        Transition::Enroll => "証明書を発行",
        Transition::Activate => "アクティベート",
        Transition::Lock => "利用停止",
    }
}

/// A device as the back office knows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Device {
    /// Hardware serial (primary key).
    pub serial: String,
    /// IMEI registered by logistics.
    pub imei: String,
    /// Lifecycle state.
    pub state: Lifecycle,
    /// Municipality it is activated for.
    pub municipality: Option<MunicipalityCode>,
    /// SHA-256 of its client certificate (DER), lowercase hex.
    pub cert_fingerprint: Option<String>,
    /// When logistics registered it.
    pub registered_at: OffsetDateTime,
    /// When it enrolled.
    pub enrolled_at: Option<OffsetDateTime>,
    /// Its last check-in.
    pub last_check_in_at: Option<OffsetDateTime>,
    /// Heartbeat of its last check-in.
    pub heartbeat: Option<CheckInRequest>,
}

/// One line of a bulk device registration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewDevice {
    /// Hardware serial.
    pub serial: String,
    /// IMEI (already checked).
    pub imei: String,
}

/// A staff account to create.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewAccount {
    /// Login ID.
    pub login_id: String,
    /// Municipality the account belongs to.
    pub municipality: MunicipalityCode,
    /// Argon2id PHC string.
    pub password_phc: String,
    /// Venue the account is restricted to.
    pub venue_id: Option<String>,
}

/// A record as stored: the uploaded fields plus where and when it arrived.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredRecord {
    /// The record as the tablet sent it.
    pub record: Record,
    /// When the back office stored it.
    pub received_at: OffsetDateTime,
    /// Serial of the tablet that sent it.
    pub device_serial: String,
    /// The later record with the same business key that replaced it, if any.
    pub superseded_by: Option<Uuid>,
}

/// Registrations of one venue on one day (current records only).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VenueDayCount {
    /// Vaccination date.
    pub date: Date,
    /// Ticket municipality.
    pub municipality: MunicipalityCode,
    /// Venue name as recorded.
    pub venue: String,
    /// 接種済 records.
    pub vaccinated: u64,
    /// 予診のみ records.
    pub screening_only: u64,
}

/// Filter for [`Repository::daily_counts`].
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct CountFilter {
    /// Only records of this ticket municipality.
    pub municipality: Option<MunicipalityCode>,
    /// Only this vaccination date.
    pub date: Option<Date>,
}

/// One entry of the audit trail.
#[derive(Debug, Clone, PartialEq)]
pub struct AuditEvent {
    /// When it happened.
    pub at: OffsetDateTime,
    /// Who did it: an operator name, `device:SERIAL` or `cli`.
    pub actor: String,
    /// What was done, e.g. `device.activate`.
    pub action: String,
    /// What it was done to, e.g. a serial.
    pub subject: String,
    /// Details as JSON (never a full ticket number).
    pub detail: serde_json::Value,
}

/// Everything the server and the CLI need from storage.
///
/// Every state-changing method writes its audit event in the same transaction as the change.
pub trait Repository: Send + Sync {
    /// Pre-registers one device (state `factory`).
    fn register_device(&self, device: &NewDevice, actor: &str) -> Result<(), StoreError>;

    /// Pre-registers many devices: all of them or, on any error, none.
    fn register_devices(&self, devices: &[NewDevice], actor: &str) -> Result<usize, StoreError>;

    /// The device with this serial.
    fn device(&self, serial: &str) -> Result<Option<Device>, StoreError>;

    /// The device whose client certificate has this SHA-256 fingerprint.
    fn device_by_fingerprint(&self, fingerprint: &str) -> Result<Option<Device>, StoreError>;

    /// Every device, by serial.
    fn devices(&self) -> Result<Vec<Device>, StoreError>;

    /// Records a successful enrollment: stores the certificate fingerprint and moves the
    /// device to `awaiting_activation`. Fails with [`StoreError::WrongState`] when
    /// [`crate::domain::lifecycle::enroll`] refuses (the device has checked in since, or a
    /// concurrent request changed it).
    fn record_enrollment(
        &self,
        serial: &str,
        cert_fingerprint: &str,
        at: OffsetDateTime,
    ) -> Result<Device, StoreError>;

    /// Activates an `awaiting_activation` device for a municipality.
    fn activate_device(
        &self,
        serial: &str,
        municipality: MunicipalityCode,
        actor: &str,
    ) -> Result<Device, StoreError>;

    /// Locks an enrolled device (no login; it keeps uploading).
    fn lock_device(&self, serial: &str, actor: &str) -> Result<Device, StoreError>;

    /// Stores the heartbeat of a check-in.
    fn record_check_in(
        &self,
        serial: &str,
        heartbeat: &CheckInRequest,
        at: OffsetDateTime,
    ) -> Result<(), StoreError>;

    /// Adds a venue; returns its id.
    fn add_venue(
        &self,
        municipality: MunicipalityCode,
        name: &str,
        actor: &str,
    ) -> Result<String, StoreError>;

    /// Venues of a municipality, by id.
    fn venues(&self, municipality: MunicipalityCode) -> Result<Vec<Venue>, StoreError>;

    /// Vaccine makers, in display order.
    fn vaccine_makers(&self) -> Result<Vec<String>, StoreError>;

    /// Adds a staff account.
    fn add_account(&self, account: &NewAccount, actor: &str) -> Result<(), StoreError>;

    /// Accounts of a municipality, by login ID.
    fn accounts(&self, municipality: MunicipalityCode) -> Result<Vec<AccountVerifier>, StoreError>;

    /// Stores a batch of (already validated) records from one device, atomically, and
    /// returns one receipt per record in batch order.
    ///
    /// Same id again → `duplicate` (nothing changes). Same (municipality, ticket number,
    /// dose) as a current record registered earlier → that record is marked superseded and
    /// the receipt says `overwrote`. A record registered *before* the current one with its
    /// key (a late upload) is stored directly into history, already superseded, and the
    /// receipt says `stored`.
    fn store_records(
        &self,
        device_serial: &str,
        records: &[Record],
        received_at: OffsetDateTime,
    ) -> Result<Vec<Receipt>, StoreError>;

    /// Records of one ticket municipality, oldest registration first.
    fn records(
        &self,
        municipality: MunicipalityCode,
        include_superseded: bool,
    ) -> Result<Vec<StoredRecord>, StoreError>;

    /// Per-venue daily counts of current records.
    fn daily_counts(&self, filter: CountFilter) -> Result<Vec<VenueDayCount>, StoreError>;

    /// Appends an audit event on its own (for actions that change nothing else).
    fn append_audit(&self, event: &AuditEvent) -> Result<(), StoreError>;

    /// The latest `limit` audit events, newest first.
    fn audit_events(&self, limit: usize) -> Result<Vec<AuditEvent>, StoreError>;
}

/// Opens the repository a `--db` value names: `sqlite:PATH` (or `sqlite://PATH`), or
/// `postgres://USER[:PASSWORD]@HOST[:PORT]/DATABASE` (or `postgresql://…`, with the
/// client's query options such as `?host=/run/postgresql` for a unix socket).
pub fn open(url: &str) -> Result<Arc<dyn Repository>, StoreError> {
    match parse_url(url)? {
        DbUrl::Sqlite(path) => Ok(Arc::new(sqlite::SqliteRepository::open(&path)?)),
        DbUrl::Postgres(url) => Ok(Arc::new(postgres::PostgresStore::open(&url)?)),
    }
}

/// A parsed `--db` value.
#[derive(Clone, PartialEq, Eq)]
pub enum DbUrl {
    /// A SQLite file.
    Sqlite(PathBuf),
    /// A PostgreSQL connection URL, as given (it may hold a password).
    Postgres(String),
}

impl std::fmt::Debug for DbUrl {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Sqlite(path) => f.debug_tuple("Sqlite").field(path).finish(),
            Self::Postgres(url) => f
                .debug_tuple("Postgres")
                .field(&without_password(url))
                .finish(),
        }
    }
}

/// Parses a `--db` value without opening anything.
pub fn parse_url(url: &str) -> Result<DbUrl, StoreError> {
    if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        return Ok(DbUrl::Postgres(url.to_owned()));
    }
    let path = url
        .strip_prefix("sqlite://")
        .or_else(|| url.strip_prefix("sqlite:"));
    match path {
        Some(path) if !path.is_empty() => Ok(DbUrl::Sqlite(PathBuf::from(path))),
        _ => Err(StoreError::UnsupportedUrl {
            given: without_password(url),
        }),
    }
}

/// `scheme://user:secret@host/db?password=secret` → `scheme://user:***@host/db?password=***`,
/// so errors and logs never echo a password.
fn without_password(url: &str) -> String {
    // The user information ends at the LAST `@`: a password may hold `?`, `/` or `:`, so
    // it is masked before the query is looked at. An `@` inside the query makes this hide
    // more than the password (the host too), never less.
    let (scheme, rest) = url.split_once("://").unwrap_or(("", url));
    let prefix = if scheme.is_empty() {
        String::new()
    } else {
        format!("{scheme}://")
    };
    let (credentials, after) = match rest.rsplit_once('@') {
        Some((credentials, after)) => match credentials.split_once(':') {
            Some((user, _)) => (format!("{user}:***@"), after),
            None => (format!("{credentials}@"), after),
        },
        None => (String::new(), rest),
    };
    let mut shown = format!("{prefix}{credentials}");
    match after.split_once('?') {
        Some((base, query)) => {
            let options: Vec<String> = query
                .split('&')
                .map(|option| match option.split_once('=') {
                    Some(("password", _)) => "password=***".to_owned(),
                    _ => option.to_owned(),
                })
                .collect();
            shown.push_str(base);
            shown.push('?');
            shown.push_str(&options.join("&"));
        }
        None => shown.push_str(after),
    }
    shown
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls() {
        assert_eq!(
            parse_url("sqlite:/tmp/a.db").unwrap(),
            DbUrl::Sqlite("/tmp/a.db".into())
        );
        assert_eq!(
            parse_url("sqlite:///tmp/a.db").unwrap(),
            DbUrl::Sqlite("/tmp/a.db".into())
        );
        let parsed = parse_url("postgres://vrs:hunter2@db/vrs").unwrap();
        assert_eq!(
            parsed,
            DbUrl::Postgres("postgres://vrs:hunter2@db/vrs".into())
        );
        assert!(!format!("{parsed:?}").contains("hunter2"));
        assert!(matches!(
            parse_url("postgresql://db/vrs").unwrap(),
            DbUrl::Postgres(_)
        ));
        assert!(matches!(
            parse_url("mysql://x").unwrap_err(),
            StoreError::UnsupportedUrl { .. }
        ));
        assert!(matches!(
            parse_url("sqlite:").unwrap_err(),
            StoreError::UnsupportedUrl { .. }
        ));
        assert!(matches!(
            parse_url("/tmp/a.db").unwrap_err(),
            StoreError::UnsupportedUrl { .. }
        ));
    }

    #[test]
    fn passwords_are_never_shown() {
        assert_eq!(
            without_password("postgres://vrs:hunter2@db:5432/vrs"),
            "postgres://vrs:***@db:5432/vrs"
        );
        assert_eq!(
            without_password("postgres://vrs@db/vrs?password=hunter2&sslmode=disable"),
            "postgres://vrs@db/vrs?password=***&sslmode=disable"
        );
        assert_eq!(without_password("postgres://db/vrs"), "postgres://db/vrs");
        // A password with `?`, `/`, `:` or `@` in it is masked whole.
        assert_eq!(
            without_password("postgres://vrs:pa?s/s:w@rd@db/vrs?sslmode=disable"),
            "postgres://vrs:***@db/vrs?sslmode=disable"
        );
        let err = parse_url("mysql://root:hunter2@db/vrs").unwrap_err();
        assert!(!err.to_string().contains("hunter2"), "{err}");
    }
}
