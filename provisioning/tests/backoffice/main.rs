//! The back office's integration tests, in one test binary (one link, one cold build):
//! `tests/backoffice/main.rs` is its root, each topic a module next to it.
//!
//! The device API end to end — a real TLS server on 127.0.0.1 over a real SQLite file,
//! real rustls clients and the operator CLI on the same database (shared by `fixture`):
//! * `enrollment`, `check_in`, `records` — the three endpoints;
//! * `operator_cli` — operator commands the other topics do not already drive;
//! * `server` — bad clients, restarts, unsupported databases.
//!
//! The stores:
//! * `conformance` — the behaviour every `Repository` must show;
//! * `sqlite_store` — the SQLite store runs it;
//! * `postgres_store` — the PostgreSQL store runs it, shares a database between replicas
//!   and serves the device API (ignored unless a server is given: `bash scripts/postgres.sh`
//!   starts a throwaway cluster and runs them with `--ignored`).

mod check_in;
mod conformance;
mod enrollment;
mod fixture;
mod operator_cli;
mod postgres_store;
mod records;
mod server;
mod sqlite_store;
