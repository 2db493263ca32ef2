//! The back office's integration tests, in one test binary (one link, one cold build):
//! `tests/backoffice/main.rs` is its root, each topic a module next to it.
//!
//! * `device_api` — the device API end to end over TLS, with the operator CLI.
//! * `conformance` — the behaviour every `Repository` must show; `sqlite_store` runs it.

mod conformance;
mod device_api;
mod sqlite_store;
