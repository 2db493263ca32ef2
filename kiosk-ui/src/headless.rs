//! The kiosk without a display: Slint's software renderer into a pixel buffer, PNG
//! screenshots, and [`HeadlessKiosk`], the real screens running on that renderer. With the
//! `automation` feature (tests and the demo, not the tablet) it also drives them through
//! their accessible labels as a person would (type into fields, tap buttons): see
//! `automation.rs`, the only place that needs Slint's testing backend.
//!
//! A Slint platform is per thread and can be set once: the first [`HeadlessKiosk`] on a
//! thread installs [`HeadlessPlatform`], later ones on the same thread reuse it. Each kiosk
//! lives on the thread that started it (it is not `Send`). Timers run when the kiosk is
//! pumped ([`HeadlessKiosk::pump`], [`HeadlessKiosk::wait_for`]).

use std::cell::{Cell, RefCell};
use std::path::Path;
use std::rc::Rc;
use std::time::{Duration, Instant};

use anyhow::{Context, anyhow, bail};
use image::RgbImage;
use slint::platform::software_renderer::{MinimalSoftwareWindow, RepaintBufferType};
use slint::platform::{Platform, WindowAdapter};
use slint::{ComponentHandle, PhysicalSize, Rgb8Pixel};
use vrs_device::session::Session;

use crate::app::KioskApp;
use crate::config::KioskConfig;
use crate::ui::{KioskState, KioskWindow};

#[cfg(feature = "automation")]
mod automation;

pub use crate::ui::Screen;

/// Width of the tablet's screen.
pub const WIDTH: u32 = 1024;
/// Height of the tablet's screen.
pub const HEIGHT: u32 = 768;

thread_local! {
    static INSTALLED: Cell<bool> = const { Cell::new(false) };
    static LAST_WINDOW: RefCell<Option<Rc<MinimalSoftwareWindow>>> = const { RefCell::new(None) };
}

/// A platform whose windows are [`MinimalSoftwareWindow`]s of the tablet's size.
pub struct HeadlessPlatform;

impl Platform for HeadlessPlatform {
    fn create_window_adapter(&self) -> Result<Rc<dyn WindowAdapter>, slint::PlatformError> {
        let window = MinimalSoftwareWindow::new(RepaintBufferType::NewBuffer);
        window.set_size(PhysicalSize::new(WIDTH, HEIGHT));
        LAST_WINDOW.with(|w| *w.borrow_mut() = Some(Rc::clone(&window)));
        Ok(window)
    }
}

/// Installs [`HeadlessPlatform`] on this thread unless it is already there.
pub fn install_platform() -> anyhow::Result<()> {
    if INSTALLED.with(Cell::get) {
        return Ok(());
    }
    slint::platform::set_platform(Box::new(HeadlessPlatform))
        .map_err(|e| anyhow!("another Slint platform is already active on this thread: {e}"))?;
    INSTALLED.with(|i| i.set(true));
    Ok(())
}

/// Renders the window into an RGB image of the tablet's size.
pub fn render(window: &MinimalSoftwareWindow) -> RgbImage {
    let mut pixels = vec![Rgb8Pixel { r: 0, g: 0, b: 0 }; (WIDTH * HEIGHT) as usize];
    window.request_redraw();
    window.draw_if_needed(|renderer| {
        renderer.render(&mut pixels, WIDTH as usize);
    });
    let raw: Vec<u8> = pixels.iter().flat_map(|p| [p.r, p.g, p.b]).collect();
    RgbImage::from_raw(WIDTH, HEIGHT, raw).expect("buffer has the window's size")
}

/// A running kiosk without a display, driven through its screens.
pub struct HeadlessKiosk {
    window: KioskWindow,
    software: Rc<MinimalSoftwareWindow>,
    app: KioskApp,
}

impl HeadlessKiosk {
    /// Installs the headless platform (once per thread), starts the device side and shows
    /// the kiosk window.
    pub fn start(config: KioskConfig) -> anyhow::Result<Self> {
        install_platform()?;
        LAST_WINDOW.with(|w| w.borrow_mut().take());
        let window = KioskWindow::new().context("creating the kiosk window")?;
        let software = LAST_WINDOW
            .with(|w| w.borrow_mut().take())
            .ok_or_else(|| anyhow!("the headless platform created no window"))?;
        let app = KioskApp::start(&window, config)?;
        window.show().context("showing the kiosk window")?;
        let kiosk = Self {
            window,
            software,
            app,
        };
        kiosk.pump();
        Ok(kiosk)
    }

    /// The Slint component (for advanced automation).
    pub fn window(&self) -> &KioskWindow {
        &self.window
    }

    /// Runs `f` on the operator's session (to inspect the store in tests).
    pub fn with_session<R>(&self, f: impl FnOnce(&mut Session) -> R) -> R {
        self.app.with_session(f)
    }

    /// Whether records are uploaded (a runtime with an uplink, not a bare session).
    pub fn has_uplink(&self) -> bool {
        self.app.has_uplink()
    }

    /// Runs due timers and animations once (scanner updates, status refresh, auto-return).
    pub fn pump(&self) {
        slint::platform::update_timers_and_animations();
    }

    /// The screen shown now.
    pub fn screen(&self) -> Screen {
        self.window.global::<KioskState>().get_screen()
    }

    /// Whether the About dialog is open.
    pub fn about_open(&self) -> bool {
        self.window.global::<KioskState>().get_about_open()
    }

    /// Pumps the event loop until `screen` is shown or `timeout` passes.
    pub fn wait_for(&self, screen: Screen, timeout: Duration) -> anyhow::Result<()> {
        self.wait_until(timeout, |k| k.screen() == screen)
            .with_context(|| format!("waiting for {screen:?}, still on {:?}", self.screen()))
    }

    /// Pumps the event loop until `done` holds or `timeout` passes.
    pub fn wait_until(
        &self,
        timeout: Duration,
        mut done: impl FnMut(&Self) -> bool,
    ) -> anyhow::Result<()> {
        let deadline = Instant::now() + timeout;
        loop {
            self.pump();
            if done(self) {
                return Ok(());
            }
            if Instant::now() >= deadline {
                bail!("timed out after {timeout:?}");
            }
            std::thread::sleep(Duration::from_millis(10));
        }
    }

    /// Renders the screen as it is now.
    pub fn render(&self) -> RgbImage {
        self.pump();
        render(&self.software)
    }

    /// Writes a PNG of the screen as it is now.
    pub fn screenshot(&self, path: &Path) -> anyhow::Result<()> {
        if let Some(dir) = path.parent()
            && !dir.as_os_str().is_empty()
        {
            std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
        }
        self.render()
            .save(path)
            .with_context(|| format!("writing {}", path.display()))
    }
}
