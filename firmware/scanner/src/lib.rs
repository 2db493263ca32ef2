//! `vrs-scanner`: grayscale frame → vaccination ticket.

pub mod codabar;
pub mod frame;
pub mod qr;
pub mod rectify;

pub use frame::{FrameError, GrayFrame};
