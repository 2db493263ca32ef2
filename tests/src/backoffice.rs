//! A real back office for scenarios: TLS server on loopback, SQLite file, own CA, and the
//! operator CLI run in-process with the same code path as `vrs-provision`.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use vrs_provisioning::server::{self, RunningServer, ServerConfig};

/// A running back office in a directory of its own.
pub struct BackOffice {
    db: String,
    dir: PathBuf,
    server: RunningServer,
}

impl BackOffice {
    /// Starts a back office on `127.0.0.1` (any free port) with its data in `dir`.
    pub fn start(dir: &Path) -> anyhow::Result<Self> {
        let db = format!("sqlite:{}", dir.join("backoffice.db").display());
        let server = server::start(ServerConfig {
            db: db.clone(),
            listen: "127.0.0.1:0".parse()?,
            state_dir: dir.join("backoffice-state"),
            hostnames: vec![],
        })?;
        Ok(Self {
            db,
            dir: dir.to_owned(),
            server,
        })
    }

    /// `https://127.0.0.1:PORT`.
    pub fn url(&self) -> String {
        let addr: SocketAddr = self.server.local_addr();
        format!("https://{addr}")
    }

    /// The CA the tablets pin.
    pub fn ca_pem(&self) -> String {
        self.server.ca_pem()
    }

    /// Runs `vrs-provision ARGS --db <this db>` and returns what it printed.
    pub fn cli(&self, args: &[&str]) -> anyhow::Result<String> {
        let mut argv: Vec<String> = std::iter::once("vrs-provision")
            .chain(args.iter().copied())
            .map(str::to_owned)
            .collect();
        argv.push("--db".into());
        argv.push(self.db.clone());
        let mut out = Vec::new();
        vrs_provisioning::cli::run(argv, &mut out)?;
        Ok(String::from_utf8(out)?)
    }

    /// Logistics pre-registers a tablet.
    pub fn register_device(&self, serial: &str, imei: &str) -> anyhow::Result<()> {
        self.cli(&["device", "register", "--serial", serial, "--imei", imei])?;
        Ok(())
    }

    /// The municipality adds a venue; returns its id.
    pub fn add_venue(&self, municipality: &str, name: &str) -> anyhow::Result<String> {
        let out = self.cli(&[
            "venue",
            "add",
            "--municipality",
            municipality,
            "--name",
            name,
        ])?;
        Ok(out.trim().to_owned())
    }

    /// The central office activates a tablet; returns what the CLI printed.
    pub fn activate(&self, serial: &str, municipality: &str) -> anyhow::Result<String> {
        self.cli(&[
            "device",
            "activate",
            "--serial",
            serial,
            "--municipality",
            municipality,
        ])
    }

    /// Adds a staff account with `password`, via a password file as an operator would.
    pub fn add_account(
        &self,
        municipality: &str,
        login: &str,
        password: &str,
    ) -> anyhow::Result<()> {
        let file = self.dir.join(format!("{login}.password"));
        std::fs::write(&file, format!("{password}\n"))?;
        let file = file.display().to_string();
        self.cli(&[
            "account",
            "add",
            "--municipality",
            municipality,
            "--login",
            login,
            "--password-file",
            &file,
        ])?;
        std::fs::remove_file(&file)?;
        Ok(())
    }
}
