//! A captured frame and the trait every frame source implements.

use std::time::{Duration, Instant};

use vrs_scanner::GrayFrame;

use super::CameraError;

/// One gray frame as it left a [`FrameSource`].
#[derive(Debug, Clone)]
pub struct Frame {
    /// The pixels, 8-bit gray, rows packed.
    pub image: GrayFrame,
    /// Frame number. A source numbers its own frames; [`LatestFrame::publish`]
    /// renumbers them so that the number only grows, across reconnects too.
    ///
    /// [`LatestFrame::publish`]: super::LatestFrame::publish
    pub sequence: u64,
    /// When the frame was taken from the driver (or the recording).
    pub captured_at: Instant,
}

/// Something that hands out frames one at a time: a V4L2 camera or a recording.
///
/// Sources are moved into the camera thread, hence `Send`.
pub trait FrameSource: Send {
    /// Waits at most `timeout` for the next frame.
    ///
    /// [`CameraError::is_transient`] tells whether the source is still usable after an error.
    fn next_frame(&mut self, timeout: Duration) -> Result<Frame, CameraError>;

    /// A one-line human description for logs and the service screen
    /// (device, driver, format, size, rate).
    fn describe(&self) -> String;
}

impl FrameSource for Box<dyn FrameSource> {
    fn next_frame(&mut self, timeout: Duration) -> Result<Frame, CameraError> {
        (**self).next_frame(timeout)
    }

    fn describe(&self) -> String {
        (**self).describe()
    }
}
