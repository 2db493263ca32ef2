//! The business rules of the back office, as pure functions over plain values.
//!
//! A store ([`crate::store::Repository`] implementation) reads the current rows inside its
//! transaction, asks one of these functions what to do, and writes exactly what it is
//! given back — the device as it becomes, where a record goes, the audit event. No rule is
//! decided in SQL, so every store (SQLite today, PostgreSQL next) behaves the same.
//!
//! * [`lifecycle`] — registration, enrollment (and its retry), activation, lock, and what a
//!   check-in hands back in each state.
//! * [`supersede`] — which record of a business key (municipality, ticket number, dose) is
//!   current, idempotency by record id, late uploads.
//! * [`venue`] — a venue an account names belongs to the account's municipality.

pub mod lifecycle;
pub mod supersede;
pub mod venue;
