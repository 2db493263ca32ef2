//! The scanner worker thread: latest camera frame → [`Reader`] → events and a preview.
//!
//! It always takes the newest frame (a slow decode skips frames, it never queues them),
//! hands the UI a downscaled preview of every frame it looks at, and feeds the acceptance
//! policy only while reading is switched on (the scan screen is shown). The reader keeps
//! its state across pauses, so a ticket still under the camera after a registration is not
//! emitted again.

use std::time::Duration;

use vrs_scanner::{GrayFrame, Reader, ScanEvent};

use crate::camera::LatestFrame;
use crate::worker::{Shared, SpawnError, Worker};

/// Widest preview handed to the UI.
pub const PREVIEW_MAX_WIDTH: u32 = 640;

/// A downscaled gray frame for the UI.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Preview {
    /// Width in pixels.
    pub width: u32,
    /// Height in pixels.
    pub height: u32,
    /// Packed 8-bit gray pixels.
    pub gray: Vec<u8>,
}

impl Preview {
    /// Box-filters `frame` down by an integer factor so it is at most `max_width` wide.
    pub fn of(frame: &GrayFrame, max_width: u32) -> Self {
        let factor = frame.width().div_ceil(max_width.max(1)).max(1);
        let (w, h) = (frame.width() / factor, frame.height() / factor);
        let (w, h) = (w.max(1), h.max(1));
        let mut gray = Vec::with_capacity((w * h) as usize);
        let area = factor * factor;
        for y in 0..h {
            for x in 0..w {
                let mut sum = 0u32;
                for dy in 0..factor {
                    let row = frame.row((y * factor + dy).min(frame.height() - 1));
                    for dx in 0..factor {
                        sum += u32::from(row[((x * factor + dx) as usize).min(row.len() - 1)]);
                    }
                }
                gray.push((sum / area) as u8);
            }
        }
        Self {
            width: w,
            height: h,
            gray,
        }
    }
}

/// What the worker tells the UI.
#[derive(Debug, Clone)]
pub enum ScanUpdate {
    /// A new preview frame.
    Preview(Preview),
    /// The reader's verdict.
    Event(ScanEvent),
}

/// Handle to the scanner worker. Dropping it stops and joins the thread.
pub struct ScanWorker {
    /// Whether the reader is fed (the scan screen is shown).
    worker: Worker<bool>,
}

impl ScanWorker {
    /// Starts the worker on `latest`, delivering updates to `sink` (on the worker's thread).
    pub fn spawn(
        latest: LatestFrame,
        reader: Reader,
        sink: Box<dyn FnMut(ScanUpdate) + Send>,
    ) -> Result<Self, SpawnError> {
        let worker = Worker::spawn("scanner", false, move |shared| {
            run(latest, reader, sink, shared);
        })?;
        Ok(Self { worker })
    }

    /// Reads tickets only while `on` (the scan screen is shown); previews continue.
    pub fn set_reading(&self, on: bool) {
        *self.worker.state() = on;
    }

    /// Whether the thread still runs (false after a panic). For the watchdog.
    pub fn is_alive(&self) -> bool {
        self.worker.is_alive()
    }
}

fn run(
    latest: LatestFrame,
    mut reader: Reader,
    mut sink: Box<dyn FnMut(ScanUpdate) + Send>,
    reading: &Shared<bool>,
) {
    let mut last_sequence = None;
    while !reading.stopping() {
        let Some(frame) = latest.wait_newer(last_sequence, Duration::from_millis(200)) else {
            continue;
        };
        last_sequence = Some(frame.sequence);
        sink(ScanUpdate::Preview(Preview::of(
            &frame.image,
            PREVIEW_MAX_WIDTH,
        )));
        let read = *reading.lock();
        if read && let Some(event) = reader.feed(&frame.image) {
            sink(ScanUpdate::Event(event));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn preview_downscales_by_box_filter() {
        let frame = GrayFrame::new(4, 2, vec![0, 100, 200, 200, 0, 100, 200, 200]).unwrap();
        let p = Preview::of(&frame, 2);
        assert_eq!((p.width, p.height), (2, 1));
        assert_eq!(p.gray, vec![50, 200]);
        let same = Preview::of(&frame, 640);
        assert_eq!(same.gray, frame.pixels());
    }
}
