//! `vrs-scanner`: grayscale frame → vaccination ticket.

pub mod frame;

pub use frame::{FrameError, GrayFrame};
