//! `vrs-scanner`: grayscale frame → vaccination ticket.
//!
//! * [`qr`] and [`codabar`] decode QR codes (model 2) and NW-7 barcodes with rxing,
//!   [`ocr`] reads the 18-digit OCR-B line; [`rectify`] finds the ticket's rotation
//!   and resamples scan lines along it.
//! * [`observation`] runs the decoders on one frame.
//! * [`policy`] is the acceptance policy: [`Reader`] is fed frames in
//!   sequence and emits [`ScanEvent`]s; [`refusal`] says why a read was refused.

pub mod codabar;
pub mod frame;
pub mod observation;
pub mod ocr;
pub mod policy;
pub mod qr;
pub mod rectify;
pub mod refusal;

pub use frame::{FrameError, GrayFrame};
pub use observation::{Observation, observe};
pub use ocr::OcrLine;
pub use policy::{AcceptedTicket, Judgement, Reader, ReaderConfig, ScanEvent, Source, judge};
pub use refusal::ScanRefusal;
