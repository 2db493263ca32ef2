//! `vrs-e2e`: whole-system scenarios of vrs-kiosk, and the pieces they share.
//!
//! The scenarios live in `tests/`; this library holds what they need to stand the system up
//! for real: a back office on an on-disk SQLite database with its own CA, operated through
//! its CLI, and tablets running the real device runtime against it.

pub mod backoffice;
pub mod wait;
