//! The binary's modes: a window, headless with screenshots, and the demo walkthrough.

use std::path::Path;
use std::time::Duration;

use anyhow::Context;
#[cfg(feature = "automation")]
use anyhow::bail;
use slint::ComponentHandle;
#[cfg(feature = "automation")]
use slint::Model;
#[cfg(feature = "automation")]
use vrs_protocol::Outcome;

use crate::app::KioskApp;
use crate::config::KioskConfig;
use crate::headless::HeadlessKiosk;
#[cfg(feature = "automation")]
use crate::labels;
#[cfg(feature = "automation")]
use crate::ui::KioskState;
use crate::ui::{KioskWindow, Screen};

/// Lot number the walkthrough sets.
#[cfg(feature = "automation")]
pub const DEMO_LOT: &str = "DEMO-LOT-01";
/// Doctor's name the walkthrough sets.
#[cfg(feature = "automation")]
pub const DEMO_DOCTOR: &str = "デモ 医師";

/// Whether a desktop display is reachable (X11 or Wayland).
pub fn display_available() -> bool {
    ["DISPLAY", "WAYLAND_DISPLAY"]
        .iter()
        .any(|v| std::env::var_os(v).is_some_and(|s| !s.is_empty()))
}

/// Runs the kiosk in a window (desktop: winit; tablet: DRM/KMS) until it is closed.
pub fn windowed(config: KioskConfig) -> anyhow::Result<()> {
    let window = KioskWindow::new().context("creating the kiosk window")?;
    let _app = KioskApp::start(&window, config)?;
    window.run().context("running the kiosk window")
}

fn file_name(screen: Screen) -> &'static str {
    match screen {
        Screen::NotActivated => "not-activated.png",
        Screen::Login => "login.png",
        Screen::Presets => "presets.png",
        Screen::Scan => "scan.png",
        Screen::Confirm => "confirm.png",
        Screen::Registered => "registered.png",
    }
}

/// Runs without a display, forever, writing `<screen>.png` into `dir` whenever the screen
/// changes (and the scan screen once a preview is showing).
pub fn headless(config: KioskConfig, dir: &Path) -> anyhow::Result<()> {
    let kiosk = HeadlessKiosk::start(config)?;
    let mut last = None;
    loop {
        kiosk.pump();
        let screen = kiosk.screen();
        if last != Some(screen) {
            // Let the new screen settle (layout, first preview) before taking its picture.
            let _ = kiosk.wait_until(Duration::from_millis(300), |_| false);
            let path = dir.join(file_name(screen));
            kiosk.screenshot(&path)?;
            log::info!("screen {screen:?}: {}", path.display());
            last = Some(screen);
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// How long the walkthrough waits for each step that depends on the outside world.
#[cfg(feature = "automation")]
#[derive(Debug, Clone)]
pub struct WalkthroughTimeouts {
    /// Until the tablet is activated (enrollment and the office's activation).
    pub activation: Duration,
    /// Until the camera shows a ticket that is accepted.
    pub ticket: Duration,
    /// Until the record left the outbox.
    pub upload: Duration,
}

#[cfg(feature = "automation")]
impl Default for WalkthroughTimeouts {
    fn default() -> Self {
        Self {
            activation: Duration::from_secs(600),
            ticket: Duration::from_secs(300),
            upload: Duration::from_secs(60),
        }
    }
}

/// The demo: logs in, sets presets (first venue and maker, [`DEMO_LOT`], [`DEMO_DOCTOR`]),
/// waits for a ticket from the camera, registers it as 接種済 and writes
/// `01-not-activated.png` … `06-registered.png` into `dir` on the way.
#[cfg(feature = "automation")]
pub fn walkthrough(
    config: KioskConfig,
    login_id: &str,
    password: &str,
    dir: &Path,
    timeouts: &WalkthroughTimeouts,
) -> anyhow::Result<()> {
    let kiosk = HeadlessKiosk::start(config)?;
    let shot = |name: &str| -> anyhow::Result<()> {
        let path = dir.join(name);
        kiosk.screenshot(&path)?;
        log::info!("walkthrough: {}", path.display());
        Ok(())
    };
    // Give the first status refresh a moment, so the picture shows the real state.
    let _ = kiosk.wait_until(Duration::from_millis(600), |_| false);
    if kiosk.screen() == Screen::NotActivated {
        shot("01-not-activated.png")?;
        log::info!("walkthrough: waiting for activation");
    } else {
        log::info!("walkthrough: already activated, no not-activated screen to show");
    }
    kiosk.wait_for(Screen::Login, timeouts.activation)?;

    kiosk.type_into(labels::LOGIN_ID, login_id)?;
    kiosk.type_into(labels::PASSWORD, password)?;
    shot("02-login.png")?;
    kiosk.tap(labels::LOGIN_BUTTON)?;
    if kiosk.screen() != Screen::Presets {
        bail!("login failed: {}", kiosk.text_of(labels::LOGIN_ERROR)?);
    }

    let state = kiosk.window().global::<KioskState>();
    let venue = state
        .get_venues()
        .row_data(0)
        .context("this account has no venue")?;
    let maker = state
        .get_makers()
        .row_data(0)
        .context("no vaccine maker is configured")?;
    kiosk.choose(labels::VENUE, &venue)?;
    kiosk.choose(labels::MAKER, &maker)?;
    kiosk.type_into(labels::LOT, DEMO_LOT)?;
    kiosk.type_into(labels::DOCTOR, DEMO_DOCTOR)?;
    shot("03-presets.png")?;
    kiosk.tap(labels::APPLY_PRESETS)?;
    if kiosk.screen() != Screen::Scan {
        bail!("presets refused: {}", kiosk.text_of(labels::PRESETS_ERROR)?);
    }

    let _ = kiosk.wait_until(Duration::from_secs(10), |_| state.get_has_preview());
    shot("04-scan.png")?;
    kiosk.wait_for(Screen::Confirm, timeouts.ticket)?;
    shot("05-confirm.png")?;
    kiosk.register(Outcome::Vaccinated)?;
    if kiosk.screen() != Screen::Registered {
        bail!(
            "registration failed: {}",
            kiosk.text_of(labels::REGISTER_ERROR)?
        );
    }
    shot("06-registered.png")?;

    kiosk.wait_for(Screen::Scan, Duration::from_secs(10))?;
    if !kiosk.has_uplink() {
        // No uplink (offline session): nothing to wait for.
        return Ok(());
    }
    match kiosk.wait_until(timeouts.upload, |_| state.get_status().pending == 0) {
        Ok(()) => log::info!("walkthrough: the record was uploaded"),
        Err(_) => log::warn!(
            "walkthrough: the record is still in the outbox ({})",
            state.get_status().sync_error
        ),
    }
    Ok(())
}
