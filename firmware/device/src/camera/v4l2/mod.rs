//! Real cameras through V4L2 (cargo feature `v4l2`).

mod ctrl;
mod device;
mod source;
mod stream;

pub use ctrl::{ControlInfo, ControlKind, DeviceControls};
pub use device::{DeviceInfo, FormatInfo, list_devices, list_devices_in};
pub use source::{V4l2Config, V4l2Source};

use std::io;
use std::path::Path;

use super::CameraError;

/// Opens a device node read-write, non-blocking (dequeueing waits in `poll`).
fn open_device(path: &Path) -> Result<v4l::Device, CameraError> {
    v4l::Device::with_path(path).map_err(|e| open_error(path, e))
}

fn open_error(path: &Path, e: io::Error) -> CameraError {
    match e.raw_os_error() {
        Some(libc::ENOENT | libc::ENODEV | libc::ENXIO) => {
            CameraError::NoDevice(format!("{}: {e}", path.display()))
        }
        Some(libc::EACCES | libc::EPERM | libc::EBUSY) => CameraError::Busy {
            path: path.to_path_buf(),
            source: e,
        },
        _ => CameraError::Io {
            op: "open",
            source: e,
        },
    }
}
