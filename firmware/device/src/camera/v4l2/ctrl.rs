//! Reading and writing V4L2 controls, and applying [`CameraControls`].
//!
//! Controls are enumerated with `VIDIOC_QUERY_EXT_CTRL` here rather than with
//! `v4l::Device::query_controls`, which panics on control types it does not know
//! (drivers add new compound types, vivid has several).

use std::os::raw::c_int;
use std::sync::Arc;

use serde::Serialize;
use v4l::v4l_sys::{
    V4L2_CID_AUTOGAIN, V4L2_CID_EXPOSURE_ABSOLUTE, V4L2_CID_EXPOSURE_AUTO,
    V4L2_CID_EXPOSURE_AUTO_PRIORITY, V4L2_CID_FOCUS_ABSOLUTE, V4L2_CID_FOCUS_AUTO, V4L2_CID_GAIN,
    V4L2_CID_POWER_LINE_FREQUENCY, V4L2_CTRL_FLAG_DISABLED, V4L2_CTRL_FLAG_NEXT_COMPOUND,
    V4L2_CTRL_FLAG_NEXT_CTRL, V4L2_CTRL_FLAG_READ_ONLY, v4l2_control,
    v4l2_exposure_auto_type_V4L2_EXPOSURE_MANUAL, v4l2_query_ext_ctrl, v4l2_querymenu,
};
use v4l::v4l2::vidioc;

use super::stream::ioctl;
use crate::camera::{AppliedControl, CameraControls, CameraError, ControlOutcome, FocusMode};

/// The type of a control, as far as we care.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ControlKind {
    /// 32-bit integer.
    Integer,
    /// On/off.
    Boolean,
    /// Menu of named entries.
    Menu,
    /// Action without a value (write anything).
    Button,
    /// 64-bit integer.
    Integer64,
    /// A class heading, not a control.
    Class,
    /// Menu of integers.
    IntegerMenu,
    /// Any other type (strings, arrays, compound types), by its V4L2 number.
    Other(u32),
}

impl ControlKind {
    fn from_raw(t: u32) -> Self {
        match t {
            1 => Self::Integer,
            2 => Self::Boolean,
            3 => Self::Menu,
            4 => Self::Button,
            5 => Self::Integer64,
            6 => Self::Class,
            9 => Self::IntegerMenu,
            other => Self::Other(other),
        }
    }
}

/// One control as the driver describes it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ControlInfo {
    /// Control id (`V4L2_CID_*`, or a driver-private id).
    pub id: u32,
    /// The driver's name for it, e.g. `"Gain"`.
    pub name: String,
    /// Its type.
    pub kind: ControlKind,
    /// Smallest value.
    pub minimum: i64,
    /// Largest value.
    pub maximum: i64,
    /// Step between valid values (0 or 1: any).
    pub step: u64,
    /// Default value.
    pub default: i64,
    /// `V4L2_CTRL_FLAG_*` bits.
    pub flags: u32,
}

impl ControlInfo {
    /// True when the control can be written (not read-only, not disabled).
    pub fn writable(&self) -> bool {
        self.flags & (V4L2_CTRL_FLAG_READ_ONLY | V4L2_CTRL_FLAG_DISABLED) == 0
    }

    /// `value` clamped to the range and rounded down to the step.
    pub fn clamp(&self, value: i64) -> i64 {
        let v = value.clamp(self.minimum, self.maximum.max(self.minimum));
        match i64::try_from(self.step) {
            Ok(step) if step > 1 => self.minimum + (v - self.minimum) / step * step,
            _ => v,
        }
    }

    fn from_raw(q: &v4l2_query_ext_ctrl) -> Self {
        let name_bytes: Vec<u8> = q
            .name
            .iter()
            .take_while(|&&c| c != 0)
            .map(|&c| c as u8)
            .collect();
        Self {
            id: q.id,
            name: String::from_utf8_lossy(&name_bytes).into_owned(),
            kind: ControlKind::from_raw(q.type_),
            minimum: q.minimum,
            maximum: q.maximum,
            step: q.step,
            default: q.default_value,
            flags: q.flags,
        }
    }
}

/// Access to the controls of an open device node. Controls belong to the device, not to
/// the file descriptor: a second handle sees and changes what the streaming one uses.
#[derive(Clone)]
pub struct DeviceControls {
    handle: Arc<v4l::device::Handle>,
}

impl std::fmt::Debug for DeviceControls {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "DeviceControls(fd {})", self.handle.fd())
    }
}

impl DeviceControls {
    /// Opens `path` for control access only (no streaming).
    pub fn open(path: &std::path::Path) -> Result<Self, CameraError> {
        let device = super::open_device(path)?;
        Ok(Self {
            handle: device.handle(),
        })
    }

    pub(super) fn from_handle(handle: Arc<v4l::device::Handle>) -> Self {
        Self { handle }
    }

    fn fd(&self) -> c_int {
        self.handle.fd()
    }

    /// Every control the driver offers (class headings left out).
    pub fn list(&self) -> Result<Vec<ControlInfo>, CameraError> {
        let mut out = Vec::new();
        let mut id = 0u32;
        loop {
            // SAFETY: plain C struct.
            let mut q: v4l2_query_ext_ctrl = unsafe { std::mem::zeroed() };
            q.id = id | V4L2_CTRL_FLAG_NEXT_CTRL | V4L2_CTRL_FLAG_NEXT_COMPOUND;
            // SAFETY: valid argument for VIDIOC_QUERY_EXT_CTRL.
            match unsafe { ioctl(self.fd(), vidioc::VIDIOC_QUERY_EXT_CTRL, &mut q) } {
                Ok(()) => {
                    id = q.id;
                    let info = ControlInfo::from_raw(&q);
                    if info.kind != ControlKind::Class {
                        out.push(info);
                    }
                }
                // EINVAL ends the enumeration.
                Err(e) if e.raw_os_error() == Some(libc::EINVAL) => return Ok(out),
                Err(e) => return Err(CameraError::from_stream_io("VIDIOC_QUERY_EXT_CTRL", e)),
            }
        }
    }

    /// The control called `name` (exact driver name), if the driver has it.
    pub fn find(&self, name: &str) -> Result<Option<ControlInfo>, CameraError> {
        Ok(self.list()?.into_iter().find(|c| c.name == name))
    }

    /// The control with this id, or `None` when the driver lacks it.
    pub fn query(&self, id: u32) -> Result<Option<ControlInfo>, CameraError> {
        // SAFETY: plain C struct.
        let mut q: v4l2_query_ext_ctrl = unsafe { std::mem::zeroed() };
        q.id = id;
        // SAFETY: valid argument for VIDIOC_QUERY_EXT_CTRL.
        match unsafe { ioctl(self.fd(), vidioc::VIDIOC_QUERY_EXT_CTRL, &mut q) } {
            Ok(()) => Ok(Some(ControlInfo::from_raw(&q))),
            Err(e) if e.raw_os_error() == Some(libc::EINVAL) => Ok(None),
            Err(e) => Err(CameraError::from_stream_io("VIDIOC_QUERY_EXT_CTRL", e)),
        }
    }

    /// True when menu control `id` offers entry `index`.
    pub fn has_menu_entry(&self, id: u32, index: i64) -> bool {
        let Ok(index) = u32::try_from(index) else {
            return false;
        };
        // SAFETY: plain C struct.
        let mut m: v4l2_querymenu = unsafe { std::mem::zeroed() };
        m.id = id;
        m.index = index;
        // SAFETY: valid argument for VIDIOC_QUERYMENU.
        unsafe { ioctl(self.fd(), vidioc::VIDIOC_QUERYMENU, &mut m) }.is_ok()
    }

    /// Reads a 32-bit (integer, boolean, menu) control.
    pub fn get(&self, id: u32) -> Result<i64, CameraError> {
        let mut c = v4l2_control { id, value: 0 };
        // SAFETY: valid argument for VIDIOC_G_CTRL.
        unsafe { ioctl(self.fd(), vidioc::VIDIOC_G_CTRL, &mut c) }
            .map_err(|e| CameraError::from_stream_io("VIDIOC_G_CTRL", e))?;
        Ok(i64::from(c.value))
    }

    /// Writes a 32-bit (integer, boolean, menu, button) control; returns what the driver
    /// kept (drivers may adjust the value).
    pub fn set(&self, id: u32, value: i64) -> Result<i64, CameraError> {
        let value = i32::try_from(value).map_err(|_| {
            CameraError::Format(format!("control value {value} does not fit 32 bits"))
        })?;
        let mut c = v4l2_control { id, value };
        // SAFETY: valid argument for VIDIOC_S_CTRL.
        unsafe { ioctl(self.fd(), vidioc::VIDIOC_S_CTRL, &mut c) }
            .map_err(|e| CameraError::from_stream_io("VIDIOC_S_CTRL", e))?;
        Ok(i64::from(c.value))
    }

    /// Presses a button control (e.g. vivid's "Disconnect").
    pub fn press(&self, id: u32) -> Result<(), CameraError> {
        self.set(id, 0).map(|_| ())
    }

    /// Applies `wanted`, clamping every value to the driver's range; returns what became
    /// of each request. Nothing here fails the open: a camera without focus control is
    /// still a camera.
    pub fn apply(&self, wanted: &CameraControls) -> Vec<AppliedControl> {
        let mut out = Vec::new();
        match wanted.focus {
            FocusMode::Auto => {
                self.write(
                    &mut out,
                    "Focus, Automatic Continuous",
                    V4L2_CID_FOCUS_AUTO,
                    1,
                );
            }
            FocusMode::Absolute(v) => {
                self.write_if_present(
                    &mut out,
                    "Focus, Automatic Continuous",
                    V4L2_CID_FOCUS_AUTO,
                    0,
                );
                self.write(&mut out, "Focus, Absolute", V4L2_CID_FOCUS_ABSOLUTE, v);
            }
        }
        if let Some(us) = wanted.exposure_max_us {
            let manual = i64::from(v4l2_exposure_auto_type_V4L2_EXPOSURE_MANUAL);
            if self.menu_allows(V4L2_CID_EXPOSURE_AUTO, manual) {
                self.write(&mut out, "Auto Exposure", V4L2_CID_EXPOSURE_AUTO, manual);
            } else {
                self.skip(&mut out, "Auto Exposure", "no manual exposure mode");
            }
            self.write_if_present(
                &mut out,
                "Exposure, Dynamic Framerate",
                V4L2_CID_EXPOSURE_AUTO_PRIORITY,
                0,
            );
            // V4L2_CID_EXPOSURE_ABSOLUTE counts in 100 µs units.
            let units = (i64::from(us) / 100).max(1);
            self.write(
                &mut out,
                "Exposure Time, Absolute",
                V4L2_CID_EXPOSURE_ABSOLUTE,
                units,
            );
        }
        if let Some(gain) = wanted.gain {
            self.write_if_present(&mut out, "Gain, Automatic", V4L2_CID_AUTOGAIN, 0);
            self.write(&mut out, "Gain", V4L2_CID_GAIN, gain);
        }
        if let Some(pl) = wanted.power_line {
            if self.menu_allows(V4L2_CID_POWER_LINE_FREQUENCY, pl.menu_index()) {
                self.write(
                    &mut out,
                    "Power Line Frequency",
                    V4L2_CID_POWER_LINE_FREQUENCY,
                    pl.menu_index(),
                );
            } else {
                self.skip(
                    &mut out,
                    "Power Line Frequency",
                    "the driver lacks this setting",
                );
            }
        }
        out
    }

    fn menu_allows(&self, id: u32, index: i64) -> bool {
        match self.query(id) {
            Ok(Some(c)) => {
                (c.minimum..=c.maximum).contains(&index) && self.has_menu_entry(id, index)
            }
            _ => false,
        }
    }

    fn write_if_present(
        &self,
        out: &mut Vec<AppliedControl>,
        name: &'static str,
        id: u32,
        value: i64,
    ) {
        if matches!(self.query(id), Ok(Some(_))) {
            self.write(out, name, id, value);
        }
    }

    fn skip(&self, out: &mut Vec<AppliedControl>, name: &'static str, why: &str) {
        log::info!("camera: control {name:?} not set: {why}");
        out.push(AppliedControl {
            name,
            outcome: ControlOutcome::Skipped(why.to_string()),
        });
    }

    fn write(&self, out: &mut Vec<AppliedControl>, name: &'static str, id: u32, requested: i64) {
        let info = match self.query(id) {
            Ok(Some(info)) => info,
            Ok(None) => return self.skip(out, name, "the driver lacks this control"),
            Err(e) => return self.skip(out, name, &format!("cannot query it: {e}")),
        };
        if !info.writable() {
            return self.skip(out, name, "the control is read-only or disabled");
        }
        let value = info.clamp(requested);
        match self.set(id, value) {
            Ok(applied) => {
                if applied != requested {
                    log::info!(
                        "camera: control {name:?} set to {applied} (asked {requested}, range {}..={})",
                        info.minimum,
                        info.maximum
                    );
                } else {
                    log::info!("camera: control {name:?} set to {applied}");
                }
                out.push(AppliedControl {
                    name,
                    outcome: ControlOutcome::Set { requested, applied },
                });
            }
            Err(e) => self.skip(out, name, &format!("writing {value} failed: {e}")),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clamp_respects_range_and_step() {
        let c = ControlInfo {
            id: 1,
            name: "x".into(),
            kind: ControlKind::Integer,
            minimum: 3,
            maximum: 250,
            step: 5,
            default: 3,
            flags: 0,
        };
        assert_eq!(c.clamp(-10), 3);
        assert_eq!(c.clamp(1000), 248);
        assert_eq!(c.clamp(17), 13);
        assert!(c.writable());
        let ro = ControlInfo {
            flags: V4L2_CTRL_FLAG_READ_ONLY,
            ..c
        };
        assert!(!ro.writable());
    }
}
