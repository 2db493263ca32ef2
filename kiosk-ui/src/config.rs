//! What a kiosk is started with: [`KioskConfig`] for the library, [`Args`] for the binary.

use std::path::PathBuf;

pub use vrs_device::camera::CameraSpec;
use vrs_device::identity::DeviceIdentity;
use vrs_device::modem::ModemConfig;
use vrs_device::runtime::RuntimeConfig;
use vrs_device::session::Session;

/// Where the source of this build is (GPL-3.0-only): `VRS_SOURCE_URL` when it was built
/// (the image recipe sets it), else the source tree it was built from (see `build.rs`).
pub const SOURCE_URL: &str = env!("VRS_SOURCE_URL");

/// Everything a kiosk needs to start.
pub struct KioskConfig {
    /// The business side.
    pub device: DeviceConfig,
    /// Where frames come from.
    pub camera: CameraSpec,
    /// The LTE modem; `None` when there is none (desktop demo, tests).
    pub modem: Option<ModemConfig>,
    /// Shown on the About dialog.
    pub version: String,
    /// Where the source is, shown on the About dialog.
    pub source_url: String,
}

impl KioskConfig {
    /// A configuration with this crate's version and source location.
    pub fn new(device: DeviceConfig, camera: CameraSpec, modem: Option<ModemConfig>) -> Self {
        Self {
            device,
            camera,
            modem,
            version: env!("CARGO_PKG_VERSION").to_owned(),
            source_url: SOURCE_URL.to_owned(),
        }
    }
}

/// The business side of the kiosk.
pub enum DeviceConfig {
    /// The tablet: store, session and the uplink to the back office (enrollment,
    /// check-in, uploads).
    Runtime(Box<RuntimeConfig>),
    /// A session over an existing store, without uplink (offline demos and UI tests).
    Session(Box<Session>),
}

/// Why a `--camera` value is not understood.
#[derive(Debug, thiserror::Error)]
#[error("--camera は replay:DIR[@FPS]、v4l2[:DEVICE] または none で指定してください(「{0}」)")]
pub struct CameraSpecError(String);

/// Parses `--camera`: `replay:DIR[@FPS]`, `v4l2[:DEVICE]` or `none`.
pub fn parse_camera_spec(s: &str) -> Result<CameraSpec, CameraSpecError> {
    let bad = || CameraSpecError(s.to_owned());
    if s == "none" {
        return Ok(CameraSpec::None);
    }
    if s == "v4l2" {
        return Ok(CameraSpec::V4l2 { device: None });
    }
    if let Some(device) = s.strip_prefix("v4l2:") {
        if device.is_empty() {
            return Err(bad());
        }
        return Ok(CameraSpec::V4l2 {
            device: Some(device.into()),
        });
    }
    let rest = s.strip_prefix("replay:").ok_or_else(bad)?;
    let (dir, fps) = match rest.rsplit_once('@') {
        Some((dir, fps)) => (dir, fps.parse::<f32>().map_err(|_| bad())?),
        None => (rest, 10.0),
    };
    if dir.is_empty() || !(fps > 0.0 && fps <= 120.0) {
        return Err(bad());
    }
    Ok(CameraSpec::Replay {
        dir: dir.into(),
        fps,
    })
}

/// Command line of `vrs-kiosk`.
#[derive(Debug, clap::Parser)]
#[command(
    name = "vrs-kiosk",
    version,
    about = "ワクチン接種記録 読み取り端末のキオスク画面"
)]
pub struct Args {
    /// Data directory (device.db, identity/).
    #[arg(long, value_name = "DIR")]
    pub state_dir: PathBuf,
    /// Base URL of the back office's device API.
    #[arg(long, value_name = "URL")]
    pub server: String,
    /// The back office CA certificate (PEM) shipped in the image.
    #[arg(long, value_name = "FILE")]
    pub factory_ca: PathBuf,
    /// Serial number of this tablet.
    #[arg(long)]
    pub serial: String,
    /// IMEI of this tablet's modem.
    #[arg(long)]
    pub imei: String,
    /// Where frames come from: `replay:DIR[@FPS]`, `v4l2[:DEVICE]` or `none`.
    #[arg(
        long,
        value_name = "SPEC",
        value_parser = parse_camera_spec,
        help = "replay:DIR[@FPS], v4l2[:DEVICE] or none"
    )]
    pub camera: CameraSpec,
    /// The modem's AT port.
    #[arg(long, value_name = "PATH", conflicts_with = "no_modem")]
    pub modem: Option<PathBuf>,
    /// Run without a modem.
    #[arg(long)]
    pub no_modem: bool,
    /// APN of the data context (empty: the modem's own).
    #[arg(long, default_value = "")]
    pub apn: String,
    /// Render without a display (software renderer) and write screenshots.
    #[arg(long)]
    pub headless: bool,
    /// Where headless mode writes screenshots.
    #[arg(long, value_name = "DIR", default_value = "screenshots")]
    pub screenshots: PathBuf,
    /// Headless demo: log in, set presets, read one ticket, register it, with a screenshot
    /// of every screen on the way.
    #[cfg(feature = "automation")]
    #[arg(long, value_name = "LOGIN:PASSWORD")]
    pub walkthrough: Option<String>,
}

impl Args {
    /// Builds the kiosk configuration (reads the CA file, checks serial and IMEI).
    pub fn kiosk_config(&self) -> anyhow::Result<KioskConfig> {
        use anyhow::Context;
        let factory_ca_pem = std::fs::read_to_string(&self.factory_ca)
            .with_context(|| format!("reading the CA certificate {}", self.factory_ca.display()))?;
        let identity = DeviceIdentity::new(&self.serial, &self.imei)?;
        let modem = match (&self.modem, self.no_modem) {
            (Some(port), _) => Some(ModemConfig::new(port.clone(), self.apn.clone())),
            (None, true) => None,
            (None, false) => anyhow::bail!("--modem PATH か --no-modem を指定してください"),
        };
        Ok(KioskConfig::new(
            DeviceConfig::Runtime(Box::new(RuntimeConfig {
                state_dir: self.state_dir.clone(),
                server_url: self.server.clone(),
                factory_ca_pem,
                identity,
                firmware_version: env!("CARGO_PKG_VERSION").to_owned(),
            })),
            self.camera.clone(),
            modem,
        ))
    }

    /// `LOGIN:PASSWORD` of `--walkthrough`, split at the first colon.
    #[cfg(feature = "automation")]
    pub fn walkthrough_credentials(&self) -> anyhow::Result<Option<(String, String)>> {
        match &self.walkthrough {
            None => Ok(None),
            Some(s) => match s.split_once(':') {
                Some((id, pw)) if !id.is_empty() => Ok(Some((id.to_owned(), pw.to_owned()))),
                _ => anyhow::bail!("--walkthrough は LOGIN:PASSWORD の形で指定してください"),
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn camera_specs_parse() {
        assert!(matches!(
            parse_camera_spec("replay:/tmp/frames@15"),
            Ok(CameraSpec::Replay { dir, fps }) if dir == std::path::Path::new("/tmp/frames") && fps == 15.0
        ));
        assert!(matches!(
            parse_camera_spec("replay:frames"),
            Ok(CameraSpec::Replay { fps, .. }) if fps == 10.0
        ));
        assert!(matches!(
            parse_camera_spec("v4l2"),
            Ok(CameraSpec::V4l2 { device: None })
        ));
        assert!(matches!(
            parse_camera_spec("v4l2:/dev/video2"),
            Ok(CameraSpec::V4l2 { device: Some(d) }) if d == std::path::Path::new("/dev/video2")
        ));
        assert!(matches!(parse_camera_spec("none"), Ok(CameraSpec::None)));
        for bad in ["", "usb", "replay:", "replay:x@0", "replay:x@fast", "v4l2:"] {
            assert!(parse_camera_spec(bad).is_err(), "{bad}");
        }
    }
}
