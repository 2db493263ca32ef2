//! Camera frame sources and the hand-off to the scanner.
//!
//! * [`FrameSource`]: anything that yields [`Frame`]s — [`ReplaySource`] (recordings) and,
//!   with the `v4l2` feature, [`V4l2Source`] (a real camera, mmap streaming).
//! * [`LatestFrame`]: a one-frame slot; a slow scanner only ever sees the newest frame.
//! * [`CameraThread`]: runs a source on its own thread, reopens it after an unplug or a
//!   driver failure with backoff, and reports a [`CameraStatus`] for the UI.
//! * [`CameraSpec`]: which camera to run, as configuration (none, replay, V4L2, a feed).

mod controls;
mod error;
mod frame;
mod latest;
pub mod pixel;
mod replay;
mod spec;
mod thread;

pub use controls::{AppliedControl, CameraControls, ControlOutcome, FocusMode, PowerLine};
pub use error::{CameraError, CameraErrorKind};
pub use frame::{Frame, FrameSource};
pub use latest::LatestFrame;
pub use pixel::PixelFormat;
pub use replay::{REPLAY_EXTENSIONS, ReplaySource};
pub use spec::CameraSpec;
pub use thread::{CameraCounters, CameraStatus, CameraThread, ReconnectPolicy, SourceFactory};

#[cfg(feature = "v4l2")]
mod v4l2;
#[cfg(feature = "v4l2")]
pub use v4l2::{
    ControlInfo, ControlKind, DeviceControls, DeviceInfo, FormatInfo, V4l2Config, V4l2Source,
    list_devices, list_devices_in,
};
