//! The operator CLI (`vrs-provision`): the server plus logistics, helpdesk and office
//! commands that act directly on the database through the [`Repository`].
//!
//! `--db` (`D`) is `sqlite:PATH` or `postgres://USER[:PASSWORD]@HOST[:PORT]/DATABASE`.
//!
//! ```text
//! vrs-provision [--actor NAME] serve --db sqlite:PATH --listen ADDR --state-dir DIR [--hostname NAME]...
//! vrs-provision [--actor NAME] device register --db D --serial S --imei I
//! vrs-provision [--actor NAME] device import --db D --csv FILE
//! vrs-provision [--actor NAME] device activate --db D --serial S --municipality CODE
//! vrs-provision [--actor NAME] device lock --db D --serial S
//! vrs-provision device list --db D
//! vrs-provision [--actor NAME] venue add --db D --municipality CODE --name NAME
//! vrs-provision [--actor NAME] account add --db D --municipality CODE --login ID [--venue ID] [--password-file F]
//! vrs-provision records export --db D --municipality CODE [--include-superseded] [--bom]
//! vrs-provision records count --db D [--municipality CODE] [--date YYYY-MM-DD]
//! vrs-provision audit list --db D [--limit N]
//! vrs-provision ca-cert --state-dir DIR
//! ```

use std::io::{BufRead, Write};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;

use anyhow::{Context, bail};
use clap::{Args, Parser, Subcommand};
use time::format_description::well_known::Rfc3339;
use time::macros::format_description;
use time::{Date, OffsetDateTime};
use vrs_protocol::record::check_field;
use vrs_protocol::{MasterList, Municipality, MunicipalityCode};

use crate::ca::CertificateAuthority;
use crate::server::{self, ServerConfig};
use crate::store::{self, AuditEvent, CountFilter, NewAccount, NewDevice, Repository};
use crate::{csv_export, device_import, password};
use vrs_protocol::imei;

/// The back office of vrs-kiosk.
#[derive(Debug, Parser)]
#[command(
    name = "vrs-provision",
    version,
    about = "vrs-kiosk back office: device API server and operator commands"
)]
pub struct Cli {
    /// Who is acting, written to the audit trail.
    #[arg(long, global = true, default_value = "cli")]
    pub actor: String,
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// `--db` for every database command.
#[derive(Debug, Args)]
pub struct DbArg {
    /// Database: sqlite:PATH or postgres://USER:PASSWORD@HOST:PORT/DATABASE.
    #[arg(long)]
    pub db: String,
}

/// Top-level commands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the device API over TLS until SIGINT/SIGTERM.
    Serve {
        /// The database.
        #[command(flatten)]
        db: DbArg,
        /// Address to listen on, e.g. 0.0.0.0:8443.
        #[arg(long)]
        listen: SocketAddr,
        /// Directory of the CA and the server certificate.
        #[arg(long)]
        state_dir: PathBuf,
        /// Extra host name for the server certificate (repeatable).
        #[arg(long = "hostname")]
        hostnames: Vec<String>,
    },
    /// Device inventory and lifecycle.
    #[command(subcommand)]
    Device(DeviceCommand),
    /// Venues of a municipality.
    #[command(subcommand)]
    Venue(VenueCommand),
    /// Staff accounts.
    #[command(subcommand)]
    Account(AccountCommand),
    /// Received vaccination records.
    #[command(subcommand)]
    Records(RecordsCommand),
    /// The audit trail.
    #[command(subcommand)]
    Audit(AuditCommand),
    /// Print the CA certificate (PEM), creating the CA if needed.
    CaCert {
        /// Directory of the CA.
        #[arg(long)]
        state_dir: PathBuf,
    },
}

/// `device …`
#[derive(Debug, Subcommand)]
pub enum DeviceCommand {
    /// Pre-register one tablet so that it may enroll.
    Register {
        /// The database.
        #[command(flatten)]
        db: DbArg,
        /// Hardware serial.
        #[arg(long)]
        serial: String,
        /// IMEI of its modem (15 digits).
        #[arg(long)]
        imei: String,
    },
    /// Pre-register tablets from a CSV file (header `serial,imei`), all or nothing.
    Import {
        /// The database.
        #[command(flatten)]
        db: DbArg,
        /// The CSV file.
        #[arg(long)]
        csv: PathBuf,
    },
    /// Activate an enrolled tablet for a municipality.
    Activate {
        /// The database.
        #[command(flatten)]
        db: DbArg,
        /// Hardware serial.
        #[arg(long)]
        serial: String,
        /// Municipality code (6 digits).
        #[arg(long)]
        municipality: String,
    },
    /// Lock a tablet (no login; it keeps uploading its records).
    Lock {
        /// The database.
        #[command(flatten)]
        db: DbArg,
        /// Hardware serial.
        #[arg(long)]
        serial: String,
    },
    /// List all tablets.
    List {
        /// The database.
        #[command(flatten)]
        db: DbArg,
    },
}

/// `venue …`
#[derive(Debug, Subcommand)]
pub enum VenueCommand {
    /// Add a venue; prints its id.
    Add {
        /// The database.
        #[command(flatten)]
        db: DbArg,
        /// Municipality code.
        #[arg(long)]
        municipality: String,
        /// Venue name (≤ 30 characters).
        #[arg(long)]
        name: String,
    },
}

/// `account …`
#[derive(Debug, Subcommand)]
pub enum AccountCommand {
    /// Add a staff account; the password is read from the first line of stdin or a file.
    Add {
        /// The database.
        #[command(flatten)]
        db: DbArg,
        /// Municipality code.
        #[arg(long)]
        municipality: String,
        /// Login ID.
        #[arg(long)]
        login: String,
        /// Restrict the account to this venue id (a medical institution).
        #[arg(long)]
        venue: Option<String>,
        /// Read the password from the first line of this file instead of stdin.
        #[arg(long)]
        password_file: Option<PathBuf>,
    },
}

/// `records …`
#[derive(Debug, Subcommand)]
pub enum RecordsCommand {
    /// CSV of a municipality's records (full ticket numbers: for municipal officers).
    Export {
        /// The database.
        #[command(flatten)]
        db: DbArg,
        /// Ticket municipality code.
        #[arg(long)]
        municipality: String,
        /// Also list records replaced by a later registration.
        #[arg(long)]
        include_superseded: bool,
        /// Start with a UTF-8 byte order mark (for Excel).
        #[arg(long)]
        bom: bool,
    },
    /// Per-venue daily counts of current records.
    Count {
        /// The database.
        #[command(flatten)]
        db: DbArg,
        /// Only this ticket municipality.
        #[arg(long)]
        municipality: Option<String>,
        /// Only this vaccination date (YYYY-MM-DD).
        #[arg(long)]
        date: Option<String>,
    },
}

/// `audit …`
#[derive(Debug, Subcommand)]
pub enum AuditCommand {
    /// The latest audit events, newest first.
    List {
        /// The database.
        #[command(flatten)]
        db: DbArg,
        /// How many.
        #[arg(long, default_value_t = 50)]
        limit: usize,
    },
}

/// Runs the CLI: `args[0]` is the program name; normal output goes to `out`.
/// `--help` and `--version` print to `out` and succeed.
pub fn run<I: IntoIterator<Item = String>>(args: I, out: &mut dyn Write) -> anyhow::Result<()> {
    let cli = match Cli::try_parse_from(args) {
        Ok(cli) => cli,
        Err(e) if !e.use_stderr() => {
            write!(out, "{e}")?;
            return Ok(());
        }
        Err(e) => bail!("{}", e.render()),
    };
    let actor = cli.actor.as_str();
    match cli.command {
        Command::Serve {
            db,
            listen,
            state_dir,
            hostnames,
        } => serve(
            ServerConfig {
                db: db.db,
                listen,
                state_dir,
                hostnames,
            },
            out,
        ),
        Command::Device(command) => device(command, actor, out),
        Command::Venue(VenueCommand::Add {
            db,
            municipality,
            name,
        }) => {
            let repo = open(&db)?;
            let municipality = municipality_arg(&municipality)?;
            check_field("会場名", &name, 30)?;
            let id = repo.add_venue(municipality.code, name.trim(), actor)?;
            writeln!(out, "{id}")?;
            Ok(())
        }
        Command::Account(AccountCommand::Add {
            db,
            municipality,
            login,
            venue,
            password_file,
        }) => {
            let repo = open(&db)?;
            let municipality = municipality_arg(&municipality)?;
            check_field("ログインID", &login, 64)?;
            if login.chars().any(char::is_whitespace) {
                bail!("ログインIDに空白は使えません");
            }
            let password = read_password(password_file.as_deref())?;
            let password_phc = password::hash(&password)?;
            repo.add_account(
                &NewAccount {
                    login_id: login.clone(),
                    municipality: municipality.code,
                    password_phc,
                    venue_id: venue,
                },
                actor,
            )?;
            writeln!(
                out,
                "アカウント {login} を {} に追加しました",
                municipality.display_name()
            )?;
            Ok(())
        }
        Command::Records(RecordsCommand::Export {
            db,
            municipality,
            include_superseded,
            bom,
        }) => {
            let repo = open(&db)?;
            let municipality = municipality_arg(&municipality)?;
            let records = repo.records(municipality.code, include_superseded)?;
            // Full ticket numbers leave the system here: record who took them.
            repo.append_audit(&AuditEvent {
                at: OffsetDateTime::now_utc(),
                actor: actor.to_owned(),
                action: "records.export".into(),
                subject: municipality.code.as_string(),
                detail: serde_json::json!({
                    "rows": records.len(),
                    "include_superseded": include_superseded,
                }),
            })?;
            if bom {
                out.write_all("\u{feff}".as_bytes())?;
            }
            csv_export::write(out, &records).context("CSVを書き出せません")?;
            Ok(())
        }
        Command::Records(RecordsCommand::Count {
            db,
            municipality,
            date,
        }) => {
            let repo = open(&db)?;
            let filter = CountFilter {
                municipality: municipality
                    .as_deref()
                    .map(municipality_arg)
                    .transpose()?
                    .map(|m| m.code),
                date: date.as_deref().map(date_arg).transpose()?,
            };
            let counts = repo.daily_counts(filter)?;
            writeln!(
                out,
                "{:<10}  {:<12}  {:>10}  {:>14}  {:>6}  venue",
                "date", "municipality", "vaccinated", "screening_only", "total"
            )?;
            for c in counts {
                writeln!(
                    out,
                    "{:<10}  {:<12}  {:>10}  {:>14}  {:>6}  {}",
                    c.date.to_string(),
                    c.municipality.as_string(),
                    c.vaccinated,
                    c.screening_only,
                    c.vaccinated + c.screening_only,
                    c.venue
                )?;
            }
            Ok(())
        }
        Command::Audit(AuditCommand::List { db, limit }) => {
            let repo = open(&db)?;
            for event in repo.audit_events(limit)? {
                writeln!(
                    out,
                    "{}  {}  {}  {}  {}",
                    event.at.format(&Rfc3339)?,
                    event.actor,
                    event.action,
                    event.subject,
                    event.detail
                )?;
            }
            Ok(())
        }
        Command::CaCert { state_dir } => {
            let ca = CertificateAuthority::load_or_create(&state_dir)?;
            out.write_all(ca.ca_pem().as_bytes())?;
            Ok(())
        }
    }
}

fn device(command: DeviceCommand, actor: &str, out: &mut dyn Write) -> anyhow::Result<()> {
    match command {
        DeviceCommand::Register { db, serial, imei } => {
            device_import::check_serial(&serial).map_err(anyhow::Error::msg)?;
            imei::check(&imei)?;
            let repo = open(&db)?;
            repo.register_device(
                &NewDevice {
                    serial: serial.clone(),
                    imei,
                },
                actor,
            )?;
            writeln!(out, "端末 {serial} を登録しました(証明書の取得待ち)")?;
        }
        DeviceCommand::Import { db, csv } => {
            let text = std::fs::read_to_string(&csv)
                .with_context(|| format!("{} を読めません", csv.display()))?;
            let devices = device_import::parse(&text)?;
            let repo = open(&db)?;
            let count = repo
                .register_devices(&devices, actor)
                .context("1台も登録していません。重複を取り除いてから再度取り込んでください")?;
            writeln!(out, "{count}台の端末を登録しました")?;
        }
        DeviceCommand::Activate {
            db,
            serial,
            municipality,
        } => {
            let municipality = municipality_arg(&municipality)?;
            let repo = open(&db)?;
            repo.activate_device(&serial, municipality.code, actor)?;
            writeln!(
                out,
                "端末 {serial} を {} {} 用にアクティベートしました",
                municipality.code,
                municipality.display_name()
            )?;
        }
        DeviceCommand::Lock { db, serial } => {
            let repo = open(&db)?;
            repo.lock_device(&serial, actor)?;
            writeln!(
                out,
                "端末 {serial} を利用停止にしました(未送信の記録は引き続き受け付けます)"
            )?;
        }
        DeviceCommand::List { db } => {
            let repo = open(&db)?;
            let devices = repo.devices()?;
            let width = devices
                .iter()
                .map(|d| d.serial.len())
                .max()
                .unwrap_or(0)
                .max("serial".len());
            writeln!(
                out,
                "{:<width$}  {:<15}  {:<19}  {:<12}  {:<25}  outbox",
                "serial", "imei", "state", "municipality", "last_check_in"
            )?;
            for d in devices {
                let last = d
                    .last_check_in_at
                    .map(|t| t.format(&Rfc3339))
                    .transpose()?
                    .unwrap_or_else(|| "-".into());
                let outbox = d
                    .heartbeat
                    .as_ref()
                    .map(|h| h.outbox_depth.to_string())
                    .unwrap_or_else(|| "-".into());
                writeln!(
                    out,
                    "{:<width$}  {:<15}  {:<19}  {:<12}  {:<25}  {}",
                    d.serial,
                    d.imei,
                    d.state.as_str(),
                    d.municipality
                        .map(|m| m.as_string())
                        .unwrap_or_else(|| "-".into()),
                    last,
                    outbox
                )?;
            }
        }
    }
    Ok(())
}

fn open(db: &DbArg) -> anyhow::Result<Arc<dyn Repository>> {
    Ok(store::open(&db.db)?)
}

fn municipality_arg(text: &str) -> anyhow::Result<&'static Municipality> {
    let code = MunicipalityCode::parse(text.trim())?;
    Ok(MasterList::embedded().require(code)?)
}

fn date_arg(text: &str) -> anyhow::Result<Date> {
    Date::parse(text, format_description!("[year]-[month]-[day]"))
        .with_context(|| format!("日付「{text}」は YYYY-MM-DD の形で指定してください"))
}

fn read_password(file: Option<&std::path::Path>) -> anyhow::Result<String> {
    let mut line = String::new();
    match file {
        Some(path) => {
            let text = std::fs::read_to_string(path)
                .with_context(|| format!("パスワードファイル {} を読めません", path.display()))?;
            line = text.lines().next().unwrap_or_default().to_owned();
        }
        None => {
            std::io::stdin()
                .lock()
                .read_line(&mut line)
                .context("標準入力からパスワードを読めません")?;
        }
    }
    let password = line.trim_end_matches(['\r', '\n']).to_owned();
    if password.is_empty() {
        bail!("パスワードが空です。標準入力の1行目か --password-file で指定してください");
    }
    Ok(password)
}

fn serve(config: ServerConfig, out: &mut dyn Write) -> anyhow::Result<()> {
    let running = server::start(config)?;
    writeln!(out, "listening on https://{}", running.local_addr())?;
    out.flush()?;
    let stopper = running.stopper();
    let signals = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("シグナル待ちを開始できません")?;
    signals.block_on(async {
        let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())?;
        tokio::select! {
            r = tokio::signal::ctrl_c() => r?,
            _ = term.recv() => {}
        }
        Ok::<(), std::io::Error>(())
    })?;
    log::info!("stop signal received");
    stopper.stop();
    running.shutdown();
    writeln!(
        out,
        "stopped at {}",
        OffsetDateTime::now_utc().format(&Rfc3339)?
    )?;
    Ok(())
}
