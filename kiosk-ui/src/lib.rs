//! `vrs-kiosk`: the Slint kiosk of the vaccination record tablet.
//!
//! * `ui/*.slint` — the screens, one component per file; [`ui::KioskState`] is the only
//!   bridge to Rust.
//! * [`app`] — glue: fills the screens and calls [`vrs_device::session::Session`].
//! * [`status`] — the status bar's data; [`format`](mod@format) — how values read on screen.
//! * [`headless`] — software rendering without a display, screenshots, and
//!   [`headless::HeadlessKiosk`], the real screens on that renderer; with the `automation`
//!   feature it drives them through `labels` for tests and demos.
//! * [`config`] — [`KioskConfig`] and the binary's command line.
//! * [`run`] — the windowed and headless modes of the binary, and (`automation`) the
//!   demo walkthrough.
//!
//! Licence: GPL-3.0-only (Slint on an embedded device is GPL or commercial); the About
//! dialog says where the source is.

pub mod app;
pub mod config;
pub mod format;
pub mod headless;
#[cfg(feature = "automation")]
pub mod labels;
pub mod run;
mod session_time;
pub mod status;

pub mod ui {
    //! The compiled `.slint` screens.
    #![allow(missing_docs, clippy::all)]
    slint::include_modules!();
}

pub use config::{CameraSpec, DeviceConfig, KioskConfig};
pub use headless::{HeadlessKiosk, Screen};
