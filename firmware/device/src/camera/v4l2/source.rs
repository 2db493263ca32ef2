//! A V4L2 camera as a [`FrameSource`].

use std::path::PathBuf;
use std::time::{Duration, Instant};

use v4l::video::Capture;
use v4l::{Format, FourCC};
use vrs_scanner::GrayFrame;

use super::ctrl::DeviceControls;
use super::device::{list_devices, probe};
use super::open_device;
use super::stream::MmapStream;
use crate::camera::pixel::expand_studio_range;
use crate::camera::{AppliedControl, CameraControls, CameraError, Frame, FrameSource, PixelFormat};

/// How to open a camera.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct V4l2Config {
    /// The node to open; `None` picks the first capture node with a usable format.
    pub device: Option<PathBuf>,
    /// Requested width; the driver may choose another (what it chose is used).
    pub width: u32,
    /// Requested height.
    pub height: u32,
    /// Requested frame rate; 0 leaves the driver's rate.
    pub fps: u32,
    /// Focus, exposure, gain and anti-flicker settings.
    pub controls: CameraControls,
    /// Pixel formats to ask for, in order; empty means GREY, YUYV, MJPEG. Whatever the
    /// driver answers is used if we can convert it, and other convertible formats the
    /// device lists are tried after these.
    pub formats: Vec<PixelFormat>,
}

impl Default for V4l2Config {
    fn default() -> Self {
        Self {
            device: None,
            width: 1280,
            height: 720,
            fps: 30,
            controls: CameraControls::default(),
            formats: Vec::new(),
        }
    }
}

/// Formats asked for, in order. Drivers coerce silently, so whatever `VIDIOC_S_FMT`
/// returns is what counts.
const REQUESTED: [PixelFormat; 3] = [PixelFormat::Grey, PixelFormat::Yuyv, PixelFormat::Mjpeg];

/// Buffers requested from the driver: one being read, the rest filling.
const BUFFERS: u32 = 4;

/// A streaming V4L2 capture device delivering gray frames.
pub struct V4l2Source {
    // Dropped before `device`: stops streaming and unmaps while the fd is open.
    stream: MmapStream,
    device: v4l::Device,
    path: PathBuf,
    driver: String,
    card: String,
    format: PixelFormat,
    width: u32,
    height: u32,
    stride: usize,
    fps: Option<f64>,
    studio_range: bool,
    applied: Vec<AppliedControl>,
    last_sequence: Option<u32>,
    dropped: u64,
}

impl std::fmt::Debug for V4l2Source {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.describe())
    }
}

impl V4l2Source {
    /// Opens the camera, negotiates a format, sets the frame rate and controls, maps the
    /// buffers and starts streaming.
    pub fn open(config: &V4l2Config) -> Result<Self, CameraError> {
        let path = match &config.device {
            Some(p) => p.clone(),
            None => pick_device()?,
        };
        let info = probe(&path)?.ok_or_else(|| {
            CameraError::NoDevice(format!("{} is not a video capture device", path.display()))
        })?;
        let device = open_device(&path)?;
        let caps = device
            .query_caps()
            .map_err(|e| CameraError::from_stream_io("VIDIOC_QUERYCAP", e))?;
        if !caps
            .capabilities
            .contains(v4l::capability::Flags::STREAMING)
        {
            return Err(CameraError::NoDevice(format!(
                "{} cannot stream (no V4L2_CAP_STREAMING)",
                path.display()
            )));
        }
        let offered: Vec<PixelFormat> = info
            .formats
            .iter()
            .filter_map(|f| {
                let b = f.fourcc.as_bytes();
                (b.len() == 4).then(|| PixelFormat::from_fourcc([b[0], b[1], b[2], b[3]]))?
            })
            .collect();
        let requested: &[PixelFormat] = if config.formats.is_empty() {
            &REQUESTED
        } else {
            &config.formats
        };
        let (format, chosen) =
            negotiate(&device, config.width, config.height, requested, &offered)?;
        let fps = set_rate(&device, config.fps);
        let controls = DeviceControls::from_handle(device.handle());
        let applied = controls.apply(&config.controls);
        log::info!(
            "camera: format {} {}x{} stride {} colorspace {} quantization {} transfer {}",
            format,
            chosen.width,
            chosen.height,
            chosen.stride,
            chosen.colorspace,
            chosen.quantization,
            chosen.transfer
        );
        let stream = MmapStream::start(device.handle().fd(), BUFFERS)?;
        let source = Self {
            stream,
            device,
            path,
            driver: caps.driver,
            card: caps.card,
            format,
            width: chosen.width,
            height: chosen.height,
            stride: chosen.stride as usize,
            fps,
            studio_range: is_studio_range(format, &chosen),
            applied,
            last_sequence: None,
            dropped: 0,
        };
        log::info!(
            "camera: streaming {} with {} buffers",
            source.describe(),
            source.stream.buffer_count()
        );
        Ok(source)
    }

    /// The device node.
    pub fn path(&self) -> &std::path::Path {
        &self.path
    }

    /// The pixel format the driver chose.
    pub fn pixel_format(&self) -> PixelFormat {
        self.format
    }

    /// The frame size the driver chose.
    pub fn size(&self) -> (u32, u32) {
        (self.width, self.height)
    }

    /// The frame rate the driver reports, if it reports one.
    pub fn fps(&self) -> Option<f64> {
        self.fps
    }

    /// What became of each requested control.
    pub fn applied_controls(&self) -> &[AppliedControl] {
        &self.applied
    }

    /// Frames the driver dropped (gaps in its sequence numbers) since opening.
    pub fn dropped_frames(&self) -> u64 {
        self.dropped
    }

    /// Control access on the same file descriptor.
    pub fn controls(&self) -> DeviceControls {
        DeviceControls::from_handle(self.device.handle())
    }

    fn note_sequence(&mut self, sequence: u32) {
        if let Some(last) = self.last_sequence {
            let gap = sequence.wrapping_sub(last).wrapping_sub(1);
            // A wrapped or restarted counter shows as a huge gap: not a drop.
            if gap > 0 && gap < 1 << 16 {
                self.dropped += u64::from(gap);
                log::debug!("camera: driver dropped {gap} frames before {sequence}");
            }
        }
        self.last_sequence = Some(sequence);
    }
}

impl FrameSource for V4l2Source {
    fn next_frame(&mut self, timeout: Duration) -> Result<Frame, CameraError> {
        let d = self.stream.dequeue(timeout)?;
        let captured_at = Instant::now();
        self.note_sequence(d.sequence);
        let converted = if d.error_flag {
            Err(CameraError::CorruptFrame {
                sequence: u64::from(d.sequence),
                reason: "the driver flagged the buffer (V4L2_BUF_FLAG_ERROR)".into(),
            })
        } else {
            self.format
                .to_gray(self.width, self.height, self.stride, self.stream.data(&d))
                .and_then(|image| {
                    if !self.studio_range {
                        return Ok(image);
                    }
                    let (w, h) = (image.width(), image.height());
                    let mut pixels = image.into_pixels();
                    expand_studio_range(&mut pixels);
                    Ok(GrayFrame::new(w, h, pixels)?)
                })
                .map_err(|e| CameraError::CorruptFrame {
                    sequence: u64::from(d.sequence),
                    reason: e.to_string(),
                })
        };
        // The buffer goes back to the driver whatever became of its contents.
        self.stream.requeue(d.index)?;
        Ok(Frame {
            image: converted?,
            sequence: u64::from(d.sequence),
            captured_at,
        })
    }

    fn describe(&self) -> String {
        let rate = self
            .fps
            .map(|f| format!(" @ {f:.0} fps"))
            .unwrap_or_default();
        format!(
            "{} ({}, {}) {} {}x{}{rate}",
            self.path.display(),
            self.card,
            self.driver,
            self.format,
            self.width,
            self.height
        )
    }
}

/// True when the driver sends luma in studio range (16..=235): YUV formats unless the
/// driver says full range or uses the JPEG colour space. GREY and decoded JPEG are full
/// range (vivid's GREY is; the V4L2 default for luma-only formats is not spelled out).
fn is_studio_range(format: PixelFormat, chosen: &Format) -> bool {
    use v4l::format::{Colorspace, Quantization};
    match chosen.quantization {
        Quantization::LimitedRange => true,
        Quantization::FullRange => false,
        Quantization::Default => {
            !matches!(
                format,
                PixelFormat::Grey | PixelFormat::Mjpeg | PixelFormat::Jpeg
            ) && !matches!(chosen.colorspace, Colorspace::JPEG)
        }
    }
}

/// The first capture node with a format we can convert.
fn pick_device() -> Result<PathBuf, CameraError> {
    let devices = list_devices();
    devices
        .iter()
        .find(|d| d.usable())
        .map(|d| d.path.clone())
        .ok_or_else(|| {
            if devices.is_empty() {
                CameraError::NoDevice("no video capture device (/dev/video*) found".into())
            } else {
                CameraError::Format(format!(
                    "no capture device offers a usable format: {}",
                    devices
                        .iter()
                        .map(|d| format!(
                            "{} offers {}",
                            d.path.display(),
                            d.formats
                                .iter()
                                .map(|f| f.fourcc.as_str())
                                .collect::<Vec<_>>()
                                .join(",")
                        ))
                        .collect::<Vec<_>>()
                        .join("; ")
                ))
            }
        })
}

/// Asks for the `requested` formats, then any other convertible format the device lists,
/// and takes the first answer we can convert — whatever the driver turned the request
/// into.
fn negotiate(
    device: &v4l::Device,
    width: u32,
    height: u32,
    requested: &[PixelFormat],
    offered: &[PixelFormat],
) -> Result<(PixelFormat, Format), CameraError> {
    let mut tried = Vec::new();
    let others = offered.iter().filter(|f| !requested.contains(f));
    for &wanted in requested.iter().chain(others) {
        let request = Format::new(width, height, FourCC::new(&wanted.fourcc()));
        let got = match device.set_format(&request) {
            Ok(got) => got,
            Err(e) if e.raw_os_error() == Some(libc::EBUSY) => {
                return Err(CameraError::Busy {
                    path: PathBuf::from("(capture format)"),
                    source: e,
                });
            }
            Err(e) => {
                let e = CameraError::from_stream_io("VIDIOC_S_FMT", e);
                if matches!(e, CameraError::Disconnected { .. }) {
                    return Err(e);
                }
                tried.push(format!("{wanted}: {e}"));
                continue;
            }
        };
        let got_name = String::from_utf8_lossy(&got.fourcc.repr).into_owned();
        match PixelFormat::from_fourcc(got.fourcc.repr) {
            Some(format) if got.width > 0 && got.height > 0 => {
                if format != wanted || got.width != width || got.height != height {
                    log::info!(
                        "camera: asked {wanted} {width}x{height}, driver chose {format} {}x{} (stride {})",
                        got.width,
                        got.height,
                        got.stride
                    );
                }
                return Ok((format, got));
            }
            _ => tried.push(format!(
                "{wanted} became {got_name} {}x{}",
                got.width, got.height
            )),
        }
    }
    Err(CameraError::Format(format!(
        "no usable format; tried {}",
        tried.join("; ")
    )))
}

/// Sets the frame interval; returns the rate the driver reports.
fn set_rate(device: &v4l::Device, fps: u32) -> Option<f64> {
    if fps > 0
        && let Err(e) = device.set_params(&v4l::video::capture::Parameters::with_fps(fps))
    {
        log::info!("camera: the driver does not take a frame rate ({e}); using its own");
    }
    let params = device.params().ok()?;
    let (n, d) = (params.interval.numerator, params.interval.denominator);
    (n > 0 && d > 0).then(|| f64::from(d) / f64::from(n))
}
