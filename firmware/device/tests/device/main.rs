//! The integration tests of `vrs-device`, in one test binary: each file under `device/` is a
//! module here, so the crate and its dependencies are linked once instead of once per file.
//!
//! * [`camera_latest`] — the latest-frame hand-off.
//! * [`camera_replay`] — replay sources on real files.
//! * [`camera_thread`] — the camera thread's reconnects, stalls and crashes.
//! * [`modem_faults`] — the modem thread against the EC25 simulator, one fault per test.
//! * [`vivid`] — V4L2 capture against the kernel's vivid driver. `#[ignore]`d: it needs
//!   the driver, and `tests/vivid/run.sh` runs it inside a QEMU guest with
//!   `device --ignored vivid::`.
//!
//! The command-line tools (`vrs-camera`, `vrs-modem`) and their tests live in
//! `firmware/tools`.

mod camera_latest;
mod camera_replay;
mod camera_thread;
mod modem_faults;
#[cfg(feature = "v4l2")]
mod vivid;
