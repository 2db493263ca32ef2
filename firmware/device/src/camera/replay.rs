//! Replay of recorded frames: image files from a directory, or raw GREY frames in one file.
//!
//! Used by the desktop demo, by tests, and on a tablet for diagnosis ("does this ticket
//! read from the recording the field engineer took?").

use std::fs::File;
use std::io::{self, BufReader, Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use vrs_scanner::GrayFrame;

use super::{CameraError, Frame, FrameSource};

/// File name extensions (lower case) that [`ReplaySource::from_dir`] loads.
pub const REPLAY_EXTENSIONS: [&str; 6] = ["png", "pgm", "pnm", "jpg", "jpeg", "ppm"];

/// A [`FrameSource`] that plays back recorded frames at a fixed rate.
pub struct ReplaySource {
    frames: Frames,
    origin: String,
    pacer: Pacer,
    looping: bool,
    delivered: u64,
}

enum Frames {
    /// Decoded once, played from memory.
    Memory { frames: Vec<GrayFrame>, next: usize },
    /// Read frame by frame, so a long recording does not have to fit in memory.
    Raw {
        path: PathBuf,
        reader: BufReader<File>,
        width: u32,
        height: u32,
        count: u64,
        next: u64,
    },
}

impl std::fmt::Debug for ReplaySource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.describe())
    }
}

impl ReplaySource {
    /// Loads every PNG, PGM/PNM/PPM and JPEG file in `dir` (not recursing), sorted by file
    /// name, converted to gray. Other files are ignored.
    ///
    /// `fps` paces delivery (0 or less, or not finite: as fast as asked); `looping` starts
    /// over after the last frame instead of returning [`CameraError::EndOfStream`].
    pub fn from_dir(dir: &Path, fps: f32, looping: bool) -> Result<Self, CameraError> {
        let recording = |reason: String| CameraError::Recording {
            path: dir.to_path_buf(),
            reason,
        };
        let mut paths: Vec<PathBuf> = std::fs::read_dir(dir)
            .map_err(|e| recording(format!("cannot list the directory: {e}")))?
            .filter_map(|entry| entry.ok().map(|e| e.path()))
            .filter(|p| p.is_file() && has_replay_extension(p))
            .collect();
        paths.sort_by(|a, b| a.file_name().cmp(&b.file_name()));
        if paths.is_empty() {
            return Err(recording(format!(
                "no image files ({}) in the directory",
                REPLAY_EXTENSIONS.join(", ")
            )));
        }
        let frames = paths
            .iter()
            .map(|p| load_gray(p))
            .collect::<Result<Vec<_>, _>>()?;
        log::info!(
            "replay: loaded {} frames from {}",
            frames.len(),
            dir.display()
        );
        Ok(Self::with_frames(
            Frames::Memory { frames, next: 0 },
            format!("replay of {}", dir.display()),
            fps,
            looping,
        ))
    }

    /// Plays frames already in memory (tests, generated tickets).
    pub fn from_frames(frames: Vec<GrayFrame>, fps: f32, looping: bool) -> Self {
        let origin = format!("replay of {} frames in memory", frames.len());
        Self::with_frames(Frames::Memory { frames, next: 0 }, origin, fps, looping)
    }

    /// Plays a raw recording: `width`×`height` GREY frames (one byte per pixel, rows
    /// packed) back to back, as `vrs-camera --grab --raw` writes them. The file is read
    /// as it plays; its length must be a whole number of frames.
    pub fn from_raw(
        path: &Path,
        width: u32,
        height: u32,
        fps: f32,
        looping: bool,
    ) -> Result<Self, CameraError> {
        let recording = |reason: String| CameraError::Recording {
            path: path.to_path_buf(),
            reason,
        };
        let frame_len = u64::from(width) * u64::from(height);
        if width == 0 || height == 0 || width > 16384 || height > 16384 {
            return Err(CameraError::Format(format!(
                "raw frame size {width}x{height} is not usable"
            )));
        }
        let file = File::open(path).map_err(|e| recording(format!("cannot open: {e}")))?;
        let len = file
            .metadata()
            .map_err(|e| recording(format!("cannot read its size: {e}")))?
            .len();
        if len == 0 || len % frame_len != 0 {
            return Err(recording(format!(
                "{len} bytes is not a whole number of {width}x{height} frames ({frame_len} bytes each)"
            )));
        }
        let count = len / frame_len;
        Ok(Self::with_frames(
            Frames::Raw {
                path: path.to_path_buf(),
                reader: BufReader::with_capacity(frame_len.min(1 << 22) as usize, file),
                width,
                height,
                count,
                next: 0,
            },
            format!(
                "raw replay of {} ({count} frames {width}x{height})",
                path.display()
            ),
            fps,
            looping,
        ))
    }

    fn with_frames(frames: Frames, origin: String, fps: f32, looping: bool) -> Self {
        Self {
            frames,
            origin,
            pacer: Pacer::new(fps),
            looping,
            delivered: 0,
        }
    }

    /// How many frames the recording holds.
    pub fn len(&self) -> u64 {
        match &self.frames {
            Frames::Memory { frames, .. } => frames.len() as u64,
            Frames::Raw { count, .. } => *count,
        }
    }

    /// True when the recording holds no frame (only possible through
    /// [`from_frames`](Self::from_frames) with an empty vector).
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Takes the next frame of the recording, or `None` at its end.
    fn take(&mut self) -> Result<Option<GrayFrame>, CameraError> {
        let looping = self.looping;
        match &mut self.frames {
            Frames::Memory { frames, next } => {
                if *next >= frames.len() {
                    if !looping || frames.is_empty() {
                        return Ok(None);
                    }
                    *next = 0;
                }
                *next += 1;
                Ok(Some(frames[*next - 1].clone()))
            }
            Frames::Raw {
                path,
                reader,
                width,
                height,
                count,
                next,
            } => {
                if *next >= *count {
                    if !looping {
                        return Ok(None);
                    }
                    reader
                        .seek(SeekFrom::Start(0))
                        .map_err(|e| raw_error(path, &e))?;
                    *next = 0;
                }
                let mut data = vec![0; *width as usize * *height as usize];
                reader
                    .read_exact(&mut data)
                    .map_err(|e| raw_error(path, &e))?;
                *next += 1;
                let frame = GrayFrame::new(*width, *height, data)
                    .map_err(|e| CameraError::Format(e.to_string()))?;
                Ok(Some(frame))
            }
        }
    }
}

impl FrameSource for ReplaySource {
    fn next_frame(&mut self, timeout: Duration) -> Result<Frame, CameraError> {
        self.pacer.wait(timeout)?;
        let image = self.take()?.ok_or(CameraError::EndOfStream)?;
        self.pacer.delivered();
        let frame = Frame {
            image,
            sequence: self.delivered,
            captured_at: Instant::now(),
        };
        self.delivered += 1;
        Ok(frame)
    }

    fn describe(&self) -> String {
        let rate = match self.pacer.period {
            Some(p) => format!("{:.1} fps", 1.0 / p.as_secs_f64()),
            None => "unpaced".to_string(),
        };
        let mode = if self.looping { ", looping" } else { "" };
        format!("{} at {rate}{mode}", self.origin)
    }
}

fn raw_error(path: &Path, e: &io::Error) -> CameraError {
    CameraError::Recording {
        path: path.to_path_buf(),
        reason: format!("read failed: {e}"),
    }
}

fn has_replay_extension(path: &Path) -> bool {
    path.extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| REPLAY_EXTENSIONS.contains(&e.to_ascii_lowercase().as_str()))
}

/// Decodes one image file into gray.
fn load_gray(path: &Path) -> Result<GrayFrame, CameraError> {
    let recording = |reason: String| CameraError::Recording {
        path: path.to_path_buf(),
        reason,
    };
    let image = image::ImageReader::open(path)
        .map_err(|e| recording(format!("cannot open: {e}")))?
        .with_guessed_format()
        .map_err(|e| recording(format!("cannot read: {e}")))?
        .decode()
        .map_err(|e| recording(format!("cannot decode: {e}")))?;
    let gray = image.into_luma8();
    let (w, h) = gray.dimensions();
    GrayFrame::new(w, h, gray.into_raw()).map_err(|e| recording(e.to_string()))
}

/// Keeps a steady frame rate: frame n is due at `start + n / fps`. After a stall the
/// schedule restarts from now instead of bursting to catch up.
struct Pacer {
    period: Option<Duration>,
    due: Option<Instant>,
}

impl Pacer {
    fn new(fps: f32) -> Self {
        let period =
            (fps.is_finite() && fps > 0.0).then(|| Duration::from_secs_f64(1.0 / f64::from(fps)));
        Self { period, due: None }
    }

    /// Sleeps until the next frame is due, or returns `Timeout` after sleeping `timeout`
    /// when that is sooner.
    fn wait(&self, timeout: Duration) -> Result<(), CameraError> {
        let Some(due) = self.due else {
            return Ok(());
        };
        let now = Instant::now();
        if due <= now {
            return Ok(());
        }
        let wait = due - now;
        if wait > timeout {
            std::thread::sleep(timeout);
            return Err(CameraError::Timeout {
                waited_ms: timeout.as_millis() as u64,
            });
        }
        std::thread::sleep(wait);
        Ok(())
    }

    fn delivered(&mut self) {
        let Some(period) = self.period else {
            return;
        };
        let now = Instant::now();
        let next = self.due.map_or(now, |d| d) + period;
        self.due = Some(if next + period < now {
            now + period
        } else {
            next
        });
    }
}
