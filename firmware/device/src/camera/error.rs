//! What can go wrong between a camera (or a recording) and a frame.

use std::io;
use std::path::PathBuf;

/// Why a frame source could not be opened or could not deliver a frame.
///
/// The variants are precise so that [`CameraThread`](super::CameraThread) can tell a
/// passing hiccup ([`Timeout`](Self::Timeout), [`CorruptFrame`](Self::CorruptFrame)) from a
/// camera that is gone ([`Disconnected`](Self::Disconnected)) and from a setup that will
/// never work ([`Format`](Self::Format)).
#[derive(Debug, thiserror::Error)]
pub enum CameraError {
    /// No frame arrived within the timeout. The source is still usable.
    #[error("no frame within {waited_ms} ms")]
    Timeout {
        /// How long the caller waited, in milliseconds.
        waited_ms: u64,
    },
    /// The device went away (unplugged, USB reset, driver reported a fatal stream error).
    /// The source is dead; open a new one.
    #[error("camera disconnected ({reason})")]
    Disconnected {
        /// What showed the loss (the failing call and the OS error).
        reason: String,
    },
    /// The driver marked a buffer as damaged, or its bytes could not be decoded.
    /// Only this frame is lost; the source is still usable.
    #[error("frame {sequence} is corrupt: {reason}")]
    CorruptFrame {
        /// The driver's (or recording's) frame number.
        sequence: u64,
        /// What was wrong with it.
        reason: String,
    },
    /// No pixel format that we can turn into gray is offered, or a size is unusable.
    #[error("unusable pixel format: {0}")]
    Format(String),
    /// No capture device exists, or the one asked for is not a capture device.
    #[error("no camera: {0}")]
    NoDevice(String),
    /// The device exists but we may not open it (permissions, or another process owns it).
    #[error("camera {path} is busy or not accessible: {source}")]
    Busy {
        /// The device node.
        path: PathBuf,
        /// The OS error.
        source: io::Error,
    },
    /// A system call failed in a way not covered above.
    #[error("camera I/O error in {op}: {source}")]
    Io {
        /// Which call failed (an ioctl name, "open", "mmap", ...).
        op: &'static str,
        /// The OS error.
        source: io::Error,
    },
    /// A recording (a replay directory or raw file) could not be read or decoded.
    #[error("recording {path}: {reason}")]
    Recording {
        /// The file or directory.
        path: PathBuf,
        /// What was wrong.
        reason: String,
    },
    /// A finite source (a replay without looping) has delivered all its frames.
    #[error("end of the recording")]
    EndOfStream,
    /// V4L2 support was not compiled in (cargo feature `v4l2`).
    #[error("this build has no V4L2 support (cargo feature `v4l2`)")]
    Unsupported,
}

/// The kind of a [`CameraError`], without its details: cheap to copy into a status the
/// UI shows and to match on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum CameraErrorKind {
    /// See [`CameraError::Timeout`].
    Timeout,
    /// See [`CameraError::Disconnected`].
    Disconnected,
    /// See [`CameraError::CorruptFrame`].
    CorruptFrame,
    /// See [`CameraError::Format`].
    Format,
    /// See [`CameraError::NoDevice`].
    NoDevice,
    /// See [`CameraError::Busy`].
    Busy,
    /// See [`CameraError::Io`].
    Io,
    /// See [`CameraError::Recording`].
    Recording,
    /// See [`CameraError::EndOfStream`].
    EndOfStream,
    /// See [`CameraError::Unsupported`].
    Unsupported,
}

impl CameraError {
    /// The kind of this error.
    pub fn kind(&self) -> CameraErrorKind {
        match self {
            Self::Timeout { .. } => CameraErrorKind::Timeout,
            Self::Disconnected { .. } => CameraErrorKind::Disconnected,
            Self::CorruptFrame { .. } => CameraErrorKind::CorruptFrame,
            Self::Format(_) => CameraErrorKind::Format,
            Self::NoDevice(_) => CameraErrorKind::NoDevice,
            Self::Busy { .. } => CameraErrorKind::Busy,
            Self::Io { .. } => CameraErrorKind::Io,
            Self::Recording { .. } => CameraErrorKind::Recording,
            Self::EndOfStream => CameraErrorKind::EndOfStream,
            Self::Unsupported => CameraErrorKind::Unsupported,
        }
    }

    /// True when the source that returned this error can still deliver frames
    /// (a timeout or one corrupt frame); false when it must be dropped and reopened.
    pub fn is_transient(&self) -> bool {
        matches!(self, Self::Timeout { .. } | Self::CorruptFrame { .. })
    }

    /// Maps an OS error from a streaming call: a vanished device (`ENODEV`, `ENXIO`) or a
    /// fatal stream error (`EIO`, which vb2 returns after the driver gave up on the queue,
    /// as UVC does on unplug) is [`Disconnected`](Self::Disconnected); anything else is
    /// [`Io`](Self::Io).
    pub fn from_stream_io(op: &'static str, source: io::Error) -> Self {
        const ENXIO: i32 = 6;
        const EIO: i32 = 5;
        const ENODEV: i32 = 19;
        match source.raw_os_error() {
            Some(ENODEV | ENXIO | EIO) => Self::Disconnected {
                reason: format!("{op}: {source}"),
            },
            _ => Self::Io { op, source },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unplug_errors_are_disconnects_and_others_are_io() {
        let gone = CameraError::from_stream_io("VIDIOC_DQBUF", io::Error::from_raw_os_error(19));
        assert_eq!(gone.kind(), CameraErrorKind::Disconnected);
        assert!(!gone.is_transient());
        let eio = CameraError::from_stream_io("VIDIOC_DQBUF", io::Error::from_raw_os_error(5));
        assert_eq!(eio.kind(), CameraErrorKind::Disconnected);
        let inval = CameraError::from_stream_io("VIDIOC_QBUF", io::Error::from_raw_os_error(22));
        assert_eq!(inval.kind(), CameraErrorKind::Io);
        assert!(CameraError::Timeout { waited_ms: 5 }.is_transient());
    }
}
