//! Whole-system scenarios, in one binary: one ticket from camera frame to back office
//! through the device runtime (`walking_skeleton`), and the same through the kiosk's own
//! screens (`kiosk_ui`).

mod kiosk_ui;
mod walking_skeleton;
