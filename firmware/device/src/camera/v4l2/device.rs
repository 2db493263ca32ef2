//! Finding capture devices.

use std::path::{Path, PathBuf};

use serde::Serialize;
use v4l::capability::Flags;
use v4l::video::Capture;

use super::open_device;
use crate::camera::{CameraError, PixelFormat};

/// A pixel format a device offers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FormatInfo {
    /// The fourcc, e.g. `"YUYV"`.
    pub fourcc: String,
    /// The driver's description, e.g. `"YUYV 4:2:2"`.
    pub description: String,
    /// True when we can turn it into gray frames.
    pub usable: bool,
}

/// A video capture device node.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DeviceInfo {
    /// The node, e.g. `/dev/video0`.
    pub path: PathBuf,
    /// Kernel driver, e.g. `"uvcvideo"`.
    pub driver: String,
    /// Device name, e.g. `"HD Pro Webcam C920"`.
    pub card: String,
    /// Where it is attached, e.g. `"usb-0000:00:14.0-1"`.
    pub bus: String,
    /// Offered pixel formats.
    pub formats: Vec<FormatInfo>,
}

impl DeviceInfo {
    /// True when at least one offered format can be converted to gray.
    pub fn usable(&self) -> bool {
        self.formats.iter().any(|f| f.usable)
    }
}

/// Every `/dev/video*` node that can capture video, in node-number order.
///
/// Metadata nodes (UVC and vivid expose them next to the video node), output-only and
/// multi-planar nodes are left out, each with a debug log line. Nodes that cannot be
/// opened (busy, no permission) are left out with a warning.
pub fn list_devices() -> Vec<DeviceInfo> {
    list_devices_in(Path::new("/dev"))
}

/// As [`list_devices`], over the `video*` nodes of `dir` instead of `/dev` (a container's
/// device directory, or an empty one for a machine without a camera).
pub fn list_devices_in(dir: &Path) -> Vec<DeviceInfo> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut nodes: Vec<(u32, PathBuf)> = entries
        .filter_map(|e| e.ok())
        .filter_map(|e| {
            let name = e.file_name().into_string().ok()?;
            let number = name.strip_prefix("video")?.parse::<u32>().ok()?;
            Some((number, e.path()))
        })
        .collect();
    nodes.sort();
    nodes
        .into_iter()
        .filter_map(|(_, path)| match probe(&path) {
            Ok(Some(info)) => Some(info),
            Ok(None) => None,
            Err(e) => {
                log::warn!("camera: left out {}: {e}", path.display());
                None
            }
        })
        .collect()
}

/// Describes `path` if it is a single-planar video capture node.
pub(super) fn probe(path: &Path) -> Result<Option<DeviceInfo>, CameraError> {
    let device = open_device(path)?;
    let caps = device
        .query_caps()
        .map_err(|e| CameraError::from_stream_io("VIDIOC_QUERYCAP", e))?;
    // `capabilities` holds the node's device_caps, so a metadata node of a webcam does
    // not claim VIDEO_CAPTURE here.
    if !caps.capabilities.contains(Flags::VIDEO_CAPTURE) {
        log::debug!(
            "camera: {} is not a video capture node ({})",
            path.display(),
            caps.capabilities
        );
        return Ok(None);
    }
    let formats = device
        .enum_formats()
        .map_err(|e| CameraError::from_stream_io("VIDIOC_ENUM_FMT", e))?
        .into_iter()
        .map(|d| FormatInfo {
            fourcc: String::from_utf8_lossy(&d.fourcc.repr).into_owned(),
            description: d.description,
            usable: PixelFormat::from_fourcc(d.fourcc.repr).is_some(),
        })
        .collect();
    Ok(Some(DeviceInfo {
        path: path.to_path_buf(),
        driver: caps.driver,
        card: caps.card,
        bus: caps.bus,
        formats,
    }))
}
