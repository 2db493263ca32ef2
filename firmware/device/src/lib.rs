//! `vrs-device`: everything the kiosk tablet does except drawing.
//!
//! * [`camera`] — frame sources (V4L2, replay) and the latest-frame hand-off.
//! * [`modem`] — the LTE modem over AT commands and its status model.

pub mod camera;
pub mod modem;
