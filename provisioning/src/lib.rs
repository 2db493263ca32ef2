//! `vrs-provisioning`: the back office of vrs-kiosk.
//!
//! * [`server`] — the device API (`/v1/enroll`, `/v1/check-in`, `/v1/records`) over TLS
//!   with client certificates issued by our own [`ca`].
//! * [`domain`] — the business rules (lifecycle, which record supersedes which, venues),
//!   pure functions the stores call inside their transactions.
//! * [`store`] — the [`store::Repository`] trait and its SQLite and PostgreSQL
//!   implementations.
//! * [`cli`] — the `vrs-provision` command line (server and operator commands).
//!
//! Smaller parts: [`api`] (handlers), [`refusal`] (error bodies), [`tls`],
//! [`password`], [`device_import`] (bulk CSV), [`csv_export`] (officers' CSV), [`error`].

pub mod api;
pub mod ca;
pub mod cli;
pub mod csv_export;
pub mod device_import;
pub mod domain;
pub mod error;
pub mod password;
pub mod refusal;
pub mod server;
pub mod store;
pub mod tls;
