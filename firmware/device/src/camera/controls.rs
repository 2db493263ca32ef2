//! Camera controls for reading tickets close up, and what became of each request.

/// How to focus.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum FocusMode {
    /// Continuous autofocus, where the camera has it.
    #[default]
    Auto,
    /// Fixed focus at this driver value (`V4L2_CID_FOCUS_ABSOLUTE`, clamped to its range).
    /// A kiosk with a fixed ticket distance focuses once and keeps it.
    Absolute(i64),
}

/// Mains frequency, so that exposure avoids flicker from fluorescent lights.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PowerLine {
    /// 50 Hz: eastern Japan (Tokyo, Tohoku, Hokkaido).
    Hz50,
    /// 60 Hz: western Japan (Nagoya, Osaka, Kyushu, Okinawa).
    Hz60,
}

impl PowerLine {
    /// The `V4L2_CID_POWER_LINE_FREQUENCY` menu index.
    pub fn menu_index(self) -> i64 {
        match self {
            Self::Hz50 => 1,
            Self::Hz60 => 2,
        }
    }
}

/// The controls we set when a camera is opened. Ranges always come from the driver
/// (`VIDIOC_QUERY_EXT_CTRL`); requests are clamped to them, and a control the driver
/// lacks is skipped with a log line.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct CameraControls {
    /// Autofocus or a fixed focus.
    pub focus: FocusMode,
    /// Longest exposure in microseconds. When set, exposure is switched to manual at this
    /// value (clamped): a ticket held by hand blurs beyond about 1/60 s. `None` leaves
    /// the driver's exposure alone.
    pub exposure_max_us: Option<u32>,
    /// Manual gain (driver units; autogain is switched off). `None` leaves it alone.
    pub gain: Option<i64>,
    /// Anti-flicker setting. `None` leaves it alone.
    pub power_line: Option<PowerLine>,
}

impl CameraControls {
    /// 1/60 s, the longest exposure that keeps a hand-held ticket sharp.
    pub const MAX_SHARP_EXPOSURE_US: u32 = 16_666;

    /// The preset for ticket reading: autofocus, exposure capped at 1/60 s, anti-flicker
    /// for the region's mains frequency.
    pub fn ticket_reading(power_line: PowerLine) -> Self {
        Self {
            focus: FocusMode::Auto,
            exposure_max_us: Some(Self::MAX_SHARP_EXPOSURE_US),
            gain: None,
            power_line: Some(power_line),
        }
    }
}

/// What happened to one requested control.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AppliedControl {
    /// The V4L2 control name, e.g. `"Focus, Automatic Continuous"`.
    pub name: &'static str,
    /// Set, clamped, or skipped.
    pub outcome: ControlOutcome,
}

/// The outcome of setting one control.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ControlOutcome {
    /// Written; `applied` differs from `requested` when the request was clamped to the
    /// driver's range or step.
    Set {
        /// What was asked for (in driver units).
        requested: i64,
        /// What was written.
        applied: i64,
    },
    /// Not written, and why (the driver lacks it, it is read-only, the write failed).
    Skipped(String),
}
