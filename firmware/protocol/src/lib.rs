//! `vrs-protocol`: the shared language of the vaccination record kiosk.
//!
//! * [`ticket`] — the 18-digit vaccination ticket payload (券種 + 回数 + 市町村コード +
//!   券番号) and its validation.
//! * [`nw7`] — NW-7 (Codabar) payloads: start/stop characters, 10-digit partial reads.
//! * [`municipality`] — municipality codes, their check digit, and the master list.
//! * [`record`] — one registered dose as it travels from tablet to back office.
//! * [`wire`] — request and response bodies of the device API (`/v1`).
//!
//! No I/O and no heavy dependencies: every other crate of the project links this one.

pub mod imei;
pub mod lifecycle;
pub mod municipality;
pub mod nw7;
pub mod record;
pub mod ticket;
pub mod wire;

pub use lifecycle::Lifecycle;
pub use municipality::{MasterList, Municipality, MunicipalityCode, MunicipalityError};
pub use nw7::{Nw7Error, Nw7Read};
pub use record::{Outcome, Record, RecordError};
pub use ticket::{Ticket, TicketError, TicketNumber, TicketPayload, TicketRules};
