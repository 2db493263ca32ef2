//! The kiosk without a display: Slint's software renderer into a pixel buffer, PNG
//! screenshots, and [`HeadlessKiosk`], which drives the real screens through their
//! accessible labels as a person would (type into fields, tap buttons).
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
use i_slint_backend_testing::ElementHandle;
use image::RgbImage;
use slint::platform::software_renderer::{MinimalSoftwareWindow, RepaintBufferType};
use slint::platform::{Platform, PointerEventButton, WindowAdapter, WindowEvent};
use slint::{ComponentHandle, LogicalPosition, PhysicalSize, Rgb8Pixel};
use vrs_device::session::Session;
use vrs_protocol::Outcome;

use crate::app::KioskApp;
use crate::config::KioskConfig;
use crate::labels;
use crate::ui::{KioskState, KioskWindow};

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

    fn find(&self, label: &str) -> anyhow::Result<ElementHandle> {
        ElementHandle::find_by_accessible_label(&self.window, label)
            .find(ElementHandle::is_valid)
            .ok_or_else(|| anyhow!("no element labelled {label:?} on {:?}", self.screen()))
    }

    /// Whether an element with this label is on screen.
    pub fn has(&self, label: &str) -> bool {
        self.find(label).is_ok()
    }

    /// The value shown by the element labelled `label` (a text, an input's content, the
    /// selected option of a list).
    pub fn text_of(&self, label: &str) -> anyhow::Result<String> {
        let element = self.find(label)?;
        Ok(element
            .accessible_value()
            .map(|v| v.to_string())
            .unwrap_or_default())
    }

    /// Whether the element labelled `label` is enabled.
    pub fn is_enabled(&self, label: &str) -> anyhow::Result<bool> {
        Ok(self.find(label)?.accessible_enabled().unwrap_or(true))
    }

    /// Taps the centre of the element labelled `label` with a pointer press and release.
    pub fn tap(&self, label: &str) -> anyhow::Result<()> {
        let element = self.find(label)?;
        if element.accessible_enabled() == Some(false) {
            bail!("{label:?} is disabled");
        }
        let pos = element.absolute_position();
        let size = element.size();
        let position = LogicalPosition::new(pos.x + size.width / 2.0, pos.y + size.height / 2.0);
        let window = self.window.window();
        window.dispatch_event(WindowEvent::PointerMoved { position });
        window.dispatch_event(WindowEvent::PointerPressed {
            position,
            button: PointerEventButton::Left,
        });
        window.dispatch_event(WindowEvent::PointerReleased {
            position,
            button: PointerEventButton::Left,
        });
        window.dispatch_event(WindowEvent::PointerExited);
        self.pump();
        Ok(())
    }

    /// Replaces the text of the input labelled `label`.
    pub fn type_into(&self, label: &str, text: &str) -> anyhow::Result<()> {
        let element = self.find(label)?;
        element.set_accessible_value(text);
        self.pump();
        Ok(())
    }

    /// Chooses `option` in the list labelled `list`.
    pub fn choose(&self, list: &str, option: &str) -> anyhow::Result<()> {
        let list_element = self.find(list)?;
        let item = list_element
            .query_descendants()
            .match_predicate({
                let option = option.to_owned();
                move |e| e.accessible_label().is_some_and(|l| l == option)
            })
            .find_first()
            .ok_or_else(|| anyhow!("{list:?} has no option {option:?}"))?;
        item.invoke_accessible_default_action();
        self.pump();
        let chosen = self.text_of(list)?;
        if chosen != option {
            bail!("{list:?} shows {chosen:?} after choosing {option:?}");
        }
        Ok(())
    }

    /// Types the login ID and password and taps ログイン. The outcome shows on screen:
    /// [`Screen::Presets`] or a [`labels::LOGIN_ERROR`].
    pub fn login(&self, id: &str, password: &str) -> anyhow::Result<()> {
        self.type_into(labels::LOGIN_ID, id)?;
        self.type_into(labels::PASSWORD, password)?;
        self.tap(labels::LOGIN_BUTTON)
    }

    /// Fills the presets form and taps 設定して読み取りへ. The outcome shows on screen:
    /// [`Screen::Scan`] or a [`labels::PRESETS_ERROR`].
    pub fn set_presets(
        &self,
        date: &str,
        venue: &str,
        maker: &str,
        lot: &str,
        doctor: &str,
    ) -> anyhow::Result<()> {
        self.type_into(labels::DATE, date)?;
        self.choose(labels::VENUE, venue)?;
        self.choose(labels::MAKER, maker)?;
        self.type_into(labels::LOT, lot)?;
        self.type_into(labels::DOCTOR, doctor)?;
        self.tap(labels::APPLY_PRESETS)
    }

    /// Taps 接種済 or 予診のみ on the confirm screen. The outcome shows on screen:
    /// [`Screen::Registered`] or a [`labels::REGISTER_ERROR`].
    pub fn register(&self, outcome: Outcome) -> anyhow::Result<()> {
        self.tap(match outcome {
            Outcome::Vaccinated => labels::VACCINATED,
            Outcome::ScreeningOnly => labels::SCREENING_ONLY,
        })
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
