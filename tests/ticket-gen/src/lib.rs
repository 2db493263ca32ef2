//! Synthetic vaccination tickets (接種券) and camera-like frames of them.
//!
//! A ticket is 63 × 33–35 mm and carries the same 18 digits as an OCR-B line, a QR code
//! and an NW-7 (Codabar) barcode (`docs/domain.md` §2). This crate draws such tickets flat
//! ([`render_ticket`]), photographs them through a pinhole camera with perspective,
//! curl, folds, fingers, uneven light, blur, noise and JPEG ([`camera_frame`]), and
//! makes labelled, deterministic data sets ([`dataset()`], [`sequence`]) for the scanner's
//! tests, benchmarks and the kiosk demo.
//!
//! Fonts are read at run time from Debian packages ([`Fonts::system`]).

mod background;
pub mod camera;
pub mod codabar;
pub mod dataset;
pub mod error;
pub mod fonts;
mod geometry;
mod optics;
pub mod scene;
pub mod spec;
pub mod ticket;

pub use camera::{
    MAX_BLUR_PX, MAX_FRAME_SIDE, camera_frame, empty_frame, jpeg_round_trip, try_camera_frame,
    try_empty_frame,
};
pub use dataset::{
    Sample, dataset, dataset_iter, dataset_sized, finger_over, random_payload, sequence,
};
pub use error::GenError;
pub use fonts::Fonts;
pub use scene::{Background, Curl, Finger, Fold, Glare, Quad, Scene, Shadow, Tier};
pub use spec::{Nw7Variant, Symbol, TICKET_WIDTH_MM, TicketSpec};
pub use ticket::{RectMm, TicketLayout, layout, render_ticket};
