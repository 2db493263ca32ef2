//! The AT serial port: open/reopen a device path, raw mode, bytes in and out.
//!
//! Error convention (from the `serialport` crate on Linux): a read that times out is silence,
//! a hang-up (`BrokenPipe`, or end of file) means the device went away.

use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};
use std::time::Duration;

use serialport::{SerialPort, TTYPort};

/// How long one read waits for bytes before reporting silence.
pub const READ_SLICE: Duration = Duration::from_millis(50);

/// Why a port could not be opened.
#[derive(Debug, thiserror::Error)]
#[error("cannot open {path}: {source}")]
pub struct OpenError {
    /// The device path.
    pub path: PathBuf,
    /// The underlying error.
    #[source]
    pub source: serialport::Error,
}

/// An open AT port.
pub struct Port {
    tty: TTYPort,
    path: PathBuf,
}

impl std::fmt::Debug for Port {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Port").field("path", &self.path).finish()
    }
}

impl Port {
    /// Opens `path` exclusively in raw mode (115200 8N1, no flow control; USB ACM ports and
    /// ptys ignore the speed) and discards whatever was buffered before.
    pub fn open(path: &Path) -> Result<Port, OpenError> {
        let err = |source| OpenError {
            path: path.to_path_buf(),
            source,
        };
        let tty = serialport::new(path.to_string_lossy(), 115_200)
            .timeout(READ_SLICE)
            .flow_control(serialport::FlowControl::None)
            .open_native()
            .map_err(err)?;
        tty.clear(serialport::ClearBuffer::All).map_err(err)?;
        Ok(Port {
            tty,
            path: path.to_path_buf(),
        })
    }

    /// The device path this port was opened with.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Reads what is available within [`READ_SLICE`]: `Ok(0)` is silence; a hang-up is an
    /// error of kind `BrokenPipe`.
    pub fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        match self.tty.read(buf) {
            Ok(0) => Err(io::Error::new(
                io::ErrorKind::BrokenPipe,
                "end of file: the device went away",
            )),
            Ok(n) => Ok(n),
            Err(e)
                if matches!(
                    e.kind(),
                    io::ErrorKind::TimedOut | io::ErrorKind::Interrupted
                ) =>
            {
                Ok(0)
            }
            Err(e) => Err(e),
        }
    }

    /// Writes all bytes (a write that cannot proceed within the timeout fails `TimedOut`).
    pub fn write_all(&mut self, bytes: &[u8]) -> io::Result<()> {
        self.tty.write_all(bytes)?;
        self.tty.flush()
    }

    /// Sets how long a write may wait for the device to accept bytes.
    pub fn set_timeout(&mut self, timeout: Duration) -> io::Result<()> {
        self.tty.set_timeout(timeout).map_err(io::Error::from)
    }
}
