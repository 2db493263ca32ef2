//! Memory-mapped V4L2 streaming, written against the raw ioctls.
//!
//! `v4l`'s own `MmapStream` is not used: after a dequeue timeout it queues an
//! already-queued buffer on the next call (`EINVAL`), and its `Drop` panics when
//! `VIDIOC_STREAMOFF` fails with anything but `ENODEV`. A camera that hiccups must
//! neither wedge nor crash the kiosk.

use std::io;
use std::os::raw::{c_int, c_void};
use std::time::{Duration, Instant};

use v4l::v4l_sys::{
    V4L2_BUF_FLAG_ERROR, v4l2_buf_type_V4L2_BUF_TYPE_VIDEO_CAPTURE, v4l2_buffer,
    v4l2_memory_V4L2_MEMORY_MMAP, v4l2_requestbuffers,
};
use v4l::v4l2::{self, vidioc};

use crate::camera::CameraError;

const BUF_TYPE: u32 = v4l2_buf_type_V4L2_BUF_TYPE_VIDEO_CAPTURE;
const MEMORY: u32 = v4l2_memory_V4L2_MEMORY_MMAP;

/// A dequeued buffer, to be handed back with [`MmapStream::requeue`].
#[derive(Debug, Clone, Copy)]
pub(super) struct Dequeued {
    pub index: usize,
    pub bytesused: usize,
    pub sequence: u32,
    pub error_flag: bool,
}

struct Mapping {
    ptr: *mut u8,
    len: usize,
}

/// Buffers mapped from the driver and the streaming state of one file descriptor.
pub(super) struct MmapStream {
    fd: c_int,
    buffers: Vec<Mapping>,
    streaming: bool,
}

// The mappings are only touched through `&self`/`&mut self` of the one owner; the raw
// pointers are not shared elsewhere.
unsafe impl Send for MmapStream {}

impl MmapStream {
    /// Requests `count` buffers, maps them, queues them all and starts streaming.
    /// `fd` must stay open for the life of the stream.
    pub fn start(fd: c_int, count: u32) -> Result<Self, CameraError> {
        let mut req = v4l2_requestbuffers {
            count,
            type_: BUF_TYPE,
            memory: MEMORY,
            // SAFETY: plain C struct, all-zero is a valid value.
            ..unsafe { std::mem::zeroed() }
        };
        // SAFETY: `req` is a valid v4l2_requestbuffers for VIDIOC_REQBUFS.
        unsafe { ioctl(fd, vidioc::VIDIOC_REQBUFS, &mut req) }
            .map_err(|e| CameraError::from_stream_io("VIDIOC_REQBUFS", e))?;
        if req.count == 0 {
            return Err(CameraError::Format(
                "the driver granted no mmap buffers".into(),
            ));
        }
        let mut stream = Self {
            fd,
            buffers: Vec::with_capacity(req.count as usize),
            streaming: false,
        };
        for index in 0..req.count {
            let mut buf = buffer_desc(index);
            // SAFETY: valid v4l2_buffer for VIDIOC_QUERYBUF.
            unsafe { ioctl(fd, vidioc::VIDIOC_QUERYBUF, &mut buf) }
                .map_err(|e| CameraError::from_stream_io("VIDIOC_QUERYBUF", e))?;
            let len = buf.length as usize;
            // SAFETY: MEMORY_MMAP buffers carry their mmap offset in `m.offset`.
            let offset = unsafe { buf.m.offset };
            // SAFETY: maps `len` bytes of the device at the driver-given offset,
            // read-only and shared; unmapped in Drop.
            let ptr = unsafe {
                v4l2::mmap(
                    std::ptr::null_mut(),
                    len,
                    libc::PROT_READ,
                    libc::MAP_SHARED,
                    fd,
                    offset as libc::off_t,
                )
            }
            .map_err(|e| CameraError::from_stream_io("mmap", e))?;
            stream.buffers.push(Mapping {
                ptr: ptr.cast(),
                len,
            });
        }
        for index in 0..stream.buffers.len() {
            stream.requeue(index)?;
        }
        let mut typ = BUF_TYPE as c_int;
        // SAFETY: VIDIOC_STREAMON takes a pointer to the buffer type.
        unsafe { ioctl(fd, vidioc::VIDIOC_STREAMON, &mut typ) }
            .map_err(|e| CameraError::from_stream_io("VIDIOC_STREAMON", e))?;
        stream.streaming = true;
        Ok(stream)
    }

    /// Number of mapped buffers.
    pub fn buffer_count(&self) -> usize {
        self.buffers.len()
    }

    /// Waits at most `timeout` for a filled buffer.
    pub fn dequeue(&mut self, timeout: Duration) -> Result<Dequeued, CameraError> {
        let deadline = Instant::now() + timeout;
        loop {
            let remaining = deadline.saturating_duration_since(Instant::now());
            let revents = self.poll(remaining)?;
            if revents == 0 {
                return Err(CameraError::Timeout {
                    waited_ms: timeout.as_millis() as u64,
                });
            }
            let mut buf = buffer_desc(0);
            // SAFETY: valid v4l2_buffer for VIDIOC_DQBUF.
            match unsafe { ioctl(self.fd, vidioc::VIDIOC_DQBUF, &mut buf) } {
                Ok(()) => {
                    let index = buf.index as usize;
                    if index >= self.buffers.len() {
                        return Err(CameraError::Io {
                            op: "VIDIOC_DQBUF",
                            source: io::Error::other(format!(
                                "driver returned buffer {index} of {}",
                                self.buffers.len()
                            )),
                        });
                    }
                    return Ok(Dequeued {
                        index,
                        bytesused: buf.bytesused as usize,
                        sequence: buf.sequence,
                        error_flag: buf.flags & V4L2_BUF_FLAG_ERROR != 0,
                    });
                }
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                    if revents & libc::POLLERR != 0 {
                        // The queue reports an error but has no buffer to give: it will
                        // not recover by waiting.
                        return Err(CameraError::Disconnected {
                            reason: "poll reports an error on the capture queue".into(),
                        });
                    }
                    // Spurious wake-up; wait for the rest of the timeout.
                }
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(CameraError::from_stream_io("VIDIOC_DQBUF", e)),
            }
        }
    }

    /// The bytes of a dequeued buffer: `bytesused` of them, or the whole buffer when the
    /// driver left `bytesused` at zero.
    pub fn data(&self, d: &Dequeued) -> &[u8] {
        let m = &self.buffers[d.index];
        let len = if d.bytesused == 0 {
            m.len
        } else {
            d.bytesused.min(m.len)
        };
        // SAFETY: the mapping is `m.len` bytes long and lives until Drop; the driver does
        // not write a buffer while it is dequeued.
        unsafe { std::slice::from_raw_parts(m.ptr, len) }
    }

    /// Hands a buffer back to the driver.
    pub fn requeue(&mut self, index: usize) -> Result<(), CameraError> {
        let mut buf = buffer_desc(index as u32);
        // SAFETY: valid v4l2_buffer for VIDIOC_QBUF.
        unsafe { ioctl(self.fd, vidioc::VIDIOC_QBUF, &mut buf) }
            .map_err(|e| CameraError::from_stream_io("VIDIOC_QBUF", e))
    }

    /// Polls for a filled buffer; returns the revents (0 on timeout).
    fn poll(&self, timeout: Duration) -> Result<i16, CameraError> {
        let ms = timeout.as_millis().min(i32::MAX as u128) as c_int;
        let mut pfd = libc::pollfd {
            fd: self.fd,
            events: libc::POLLIN,
            revents: 0,
        };
        loop {
            // SAFETY: one valid pollfd.
            let n = unsafe { libc::poll(&mut pfd, 1, ms) };
            if n >= 0 {
                return Ok(if n == 0 { 0 } else { pfd.revents });
            }
            let e = io::Error::last_os_error();
            if e.kind() != io::ErrorKind::Interrupted {
                return Err(CameraError::from_stream_io("poll", e));
            }
        }
    }
}

impl Drop for MmapStream {
    fn drop(&mut self) {
        if self.streaming {
            let mut typ = BUF_TYPE as c_int;
            // SAFETY: as in `start`. Errors (a vanished device) are only logged.
            if let Err(e) = unsafe { ioctl(self.fd, vidioc::VIDIOC_STREAMOFF, &mut typ) } {
                log::debug!("camera: VIDIOC_STREAMOFF failed: {e}");
            }
        }
        for m in self.buffers.drain(..) {
            // SAFETY: unmaps exactly what `start` mapped.
            if let Err(e) = unsafe { v4l2::munmap(m.ptr.cast::<c_void>(), m.len) } {
                log::warn!("camera: munmap failed: {e}");
            }
        }
        let mut req = v4l2_requestbuffers {
            count: 0,
            type_: BUF_TYPE,
            memory: MEMORY,
            // SAFETY: plain C struct.
            ..unsafe { std::mem::zeroed() }
        };
        // SAFETY: frees the driver's buffers; failure (a vanished device) is harmless.
        if let Err(e) = unsafe { ioctl(self.fd, vidioc::VIDIOC_REQBUFS, &mut req) } {
            log::debug!("camera: freeing buffers failed: {e}");
        }
    }
}

fn buffer_desc(index: u32) -> v4l2_buffer {
    v4l2_buffer {
        index,
        type_: BUF_TYPE,
        memory: MEMORY,
        // SAFETY: plain C struct, all-zero is a valid value.
        ..unsafe { std::mem::zeroed() }
    }
}

/// Calls an ioctl with a typed argument.
///
/// # Safety
/// `arg` must be the argument type `request` expects.
pub(super) unsafe fn ioctl<T>(
    fd: c_int,
    request: vidioc::_IOC_TYPE,
    arg: &mut T,
) -> io::Result<()> {
    // SAFETY: forwarded contract.
    unsafe { v4l2::ioctl(fd, request, (arg as *mut T).cast::<c_void>()) }
}
