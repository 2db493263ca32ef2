//! The pseudo-terminal a simulated USB serial function lives on, and udev-like links.

use std::io;
use std::path::{Path, PathBuf};

use serialport::TTYPort;

/// A pty pair: the simulator talks on `master`; the code under test opens `path`.
pub(crate) struct Pty {
    pub(crate) master: TTYPort,
    /// Kept open so the master never reads EIO while the device is closed by its user; the
    /// pair is created raw (`cfmakeraw`), so the line discipline never echoes.
    _slave: TTYPort,
    pub(crate) path: PathBuf,
}

impl Pty {
    pub(crate) fn open() -> Result<Pty, serialport::Error> {
        let (master, slave) = TTYPort::pair()?;
        let path = slave.name().map(PathBuf::from).ok_or_else(|| {
            serialport::Error::new(serialport::ErrorKind::Unknown, "pty slave has no name")
        })?;
        let mut master = master;
        use serialport::SerialPort as _;
        master.set_timeout(std::time::Duration::from_millis(20))?;
        Ok(Pty {
            master,
            _slave: slave,
            path,
        })
    }
}

/// Points `link` at `target`, atomically replacing whatever was there.
pub(crate) fn place_link(target: &Path, link: &Path) -> io::Result<()> {
    let name = link
        .file_name()
        .ok_or_else(|| io::Error::new(io::ErrorKind::InvalidInput, "link path has no file name"))?;
    let tmp = link.with_file_name(format!(
        ".{}.{}.tmp",
        name.to_string_lossy(),
        std::process::id()
    ));
    let _ = std::fs::remove_file(&tmp);
    std::os::unix::fs::symlink(target, &tmp)?;
    std::fs::rename(&tmp, link)
}

/// Removes a link, ignoring that it may already be gone.
pub(crate) fn remove_link(link: &Path) {
    match std::fs::remove_file(link) {
        Ok(()) => {}
        Err(e) if e.kind() == io::ErrorKind::NotFound => {}
        Err(e) => log::warn!("cannot remove {}: {e}", link.display()),
    }
}
