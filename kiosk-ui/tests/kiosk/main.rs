//! vrs-kiosk's integration tests, in one binary: the real screens headless over a real
//! session (`screens`), and the demo walkthrough (`walkthrough`). Both act through Slint's
//! testing backend, so the binary needs the `automation` feature.

mod common;
mod screens;
mod walkthrough;
