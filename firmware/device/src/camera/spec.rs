//! Which camera a tablet runs, as configuration: the kiosk's `--camera` and
//! [`Peripherals`](crate::runtime::Peripherals) name one of these.

use std::path::PathBuf;

use super::{FrameSource, LatestFrame, ReplaySource, SourceFactory};

/// Where camera frames come from.
#[derive(Debug, Clone, Default)]
pub enum CameraSpec {
    /// No camera: the scan screen waits for frames forever.
    #[default]
    None,
    /// Frames recorded in a directory (PGM/PNG/JPEG, in name order), looping.
    Replay {
        /// The directory.
        dir: PathBuf,
        /// Frames per second.
        fps: f32,
    },
    /// A V4L2 camera; `None` picks the first capture node. Without the `v4l2` feature it
    /// never opens ([`CameraError::NoDevice`](super::CameraError::NoDevice)).
    V4l2 {
        /// The device node.
        device: Option<PathBuf>,
    },
    /// Frames the caller publishes into this slot (tests, an external capture pipeline).
    Feed(LatestFrame),
}

impl CameraSpec {
    /// What opens (and reopens) the source on a camera thread; `None` for [`Self::None`]
    /// and [`Self::Feed`], which have no source to run.
    pub fn source_factory(&self) -> Option<SourceFactory> {
        match self {
            Self::None | Self::Feed(_) => None,
            Self::Replay { dir, fps } => {
                let (dir, fps) = (dir.clone(), *fps);
                Some(Box::new(move || {
                    ReplaySource::from_dir(&dir, fps, true)
                        .map(|s| Box::new(s) as Box<dyn FrameSource>)
                }))
            }
            Self::V4l2 { device } => Some(v4l2_factory(device.clone())),
        }
    }
}

#[cfg(feature = "v4l2")]
fn v4l2_factory(device: Option<PathBuf>) -> SourceFactory {
    Box::new(move || {
        let config = super::V4l2Config {
            device: device.clone(),
            ..super::V4l2Config::default()
        };
        Ok(Box::new(super::V4l2Source::open(&config)?) as Box<dyn FrameSource>)
    })
}

#[cfg(not(feature = "v4l2"))]
fn v4l2_factory(_device: Option<PathBuf>) -> SourceFactory {
    Box::new(|| {
        Err(super::CameraError::NoDevice(
            "this build has no V4L2 support (the v4l2 feature is off)".into(),
        ))
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::camera::CameraErrorKind;

    #[test]
    fn only_real_sources_have_a_factory() {
        assert!(CameraSpec::None.source_factory().is_none());
        assert!(
            CameraSpec::Feed(LatestFrame::new())
                .source_factory()
                .is_none()
        );
        let missing = CameraSpec::Replay {
            dir: "/nonexistent/vrs-frames".into(),
            fps: 10.0,
        };
        let mut open = missing.source_factory().expect("a replay has a factory");
        match open() {
            Err(e) => assert_eq!(e.kind(), CameraErrorKind::Recording),
            Ok(s) => panic!("opened {}", s.describe()),
        }
    }
}
