//! The operator tools run as programs, as an operator or a script runs them: their
//! command lines, their JSON output and their Japanese advice when something is missing.

#[path = "tools/camera.rs"]
mod camera;
#[path = "tools/modem.rs"]
mod modem;
#[path = "tools/scan.rs"]
mod scan;
