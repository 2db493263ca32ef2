//! `vrs-device`: everything the kiosk tablet does except drawing.
//!
//! * [`camera`] — frame sources (V4L2, replay) and the latest-frame hand-off.
//! * [`modem`] — the LTE modem over AT commands and its status model.
//! * [`store`] — the SQLite outbox and the last check-in, durable before "registered".
//! * [`identity`] — serial, IMEI, key pair and client certificate.
//! * [`client`] — the HTTPS (mTLS) client of the back office's device API.
//! * [`uplink`] — the thread that checks in and drains the outbox.
//! * [`session`] — lifecycle gate, login, presets, review and registration.
//! * [`scan_worker`] — the thread that feeds camera frames to the scanner's reader.
//! * [`runtime`] — the session and every thread (uplink, camera, scanner worker, modem),
//!   started, wired and owned for the kiosk.
//! * [`worker`] — the one way a thread is owned: named, stoppable, joined on drop.

pub mod camera;
pub mod client;
pub mod identity;
pub mod modem;
pub mod runtime;
pub mod scan_worker;
pub mod session;
pub mod store;
pub mod uplink;
pub mod worker;
