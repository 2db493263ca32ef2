//! Glue between the screens and the device: fills the [`KioskState`] global and handles its
//! callbacks by calling [`Session`]. No business rule lives here; every refusal comes from
//! the session and is shown as it is.

use std::cell::RefCell;
use std::rc::Rc;
use std::time::Duration;

use slint::{
    ComponentHandle, Image, ModelRc, Rgb8Pixel, SharedPixelBuffer, SharedString, VecModel,
};
use time::OffsetDateTime;
use vrs_device::runtime::{Peripherals, Runtime, ScanUpdates};
use vrs_device::scan_worker::Preview;
use vrs_device::session::{PresetsInput, Review, Session};
use vrs_protocol::wire::Venue;
use vrs_protocol::{Lifecycle, Outcome};
use vrs_scanner::ScanEvent;

use crate::config::{DeviceConfig, KioskConfig};
use crate::format;
use crate::status::{StatusSnapshot, assemble};
use crate::ui::{
    DeviceInfo, KioskState, KioskWindow, PresetsSummary, RegisteredInfo, ReviewInfo, Screen,
};

/// How often the device state and the status bar are refreshed.
const STATUS_INTERVAL: Duration = Duration::from_millis(500);
/// How often scanner updates are taken over by the UI thread (~25 fps preview).
const SCAN_INTERVAL: Duration = Duration::from_millis(40);

/// Everything the callbacks work on.
struct Core {
    runtime: Runtime,
    venues: Vec<Venue>,
    review: Option<Review>,
}

/// The running kiosk logic behind one [`KioskWindow`]. Keep it alive as long as the window.
pub struct KioskApp {
    core: Rc<RefCell<Core>>,
    _timers: Vec<slint::Timer>,
}

impl KioskApp {
    /// Starts the device side described by `config` and wires it to `window`.
    pub fn start(window: &KioskWindow, config: KioskConfig) -> anyhow::Result<Self> {
        let peripherals = Peripherals {
            camera: config.camera,
            modem: config.modem,
        };
        let runtime = match config.device {
            DeviceConfig::Runtime(rc) => Runtime::start(*rc, peripherals)?,
            DeviceConfig::Session(s) => Runtime::offline(*s, peripherals)?,
        };
        let core = Core {
            runtime,
            venues: Vec::new(),
            review: None,
        };

        let state = window.global::<KioskState>();
        state.set_version(config.version.into());
        state.set_source_url(config.source_url.into());
        state.set_today(vrs_device::session::Session::today().to_string().into());

        let core = Rc::new(RefCell::new(core));
        wire_callbacks(window, &core);
        refresh(window, &mut core.borrow_mut());

        let status_timer = slint::Timer::default();
        {
            let core = Rc::clone(&core);
            let weak = window.as_weak();
            status_timer.start(slint::TimerMode::Repeated, STATUS_INTERVAL, move || {
                if let Some(w) = weak.upgrade() {
                    refresh(&w, &mut core.borrow_mut());
                }
            });
        }
        let scan_timer = slint::Timer::default();
        {
            let core = Rc::clone(&core);
            let weak = window.as_weak();
            scan_timer.start(slint::TimerMode::Repeated, SCAN_INTERVAL, move || {
                if let Some(w) = weak.upgrade() {
                    take_scan_updates(&w, &mut core.borrow_mut());
                }
            });
        }
        Ok(Self {
            core,
            _timers: vec![status_timer, scan_timer],
        })
    }

    /// Runs `f` on the operator's session (for tests and diagnostics; the screens never
    /// need it).
    pub fn with_session<R>(&self, f: impl FnOnce(&mut Session) -> R) -> R {
        f(self.core.borrow_mut().runtime.session())
    }

    /// Whether records are uploaded (a runtime with an uplink, not a bare session).
    pub fn has_uplink(&self) -> bool {
        self.core.borrow().runtime.sync_status().is_some()
    }
}

fn to_rgb(p: &Preview) -> SharedPixelBuffer<Rgb8Pixel> {
    let mut buffer = SharedPixelBuffer::<Rgb8Pixel>::new(p.width, p.height);
    for (dst, &g) in buffer.make_mut_slice().iter_mut().zip(&p.gray) {
        *dst = Rgb8Pixel { r: g, g, b: g };
    }
    buffer
}

fn wire_callbacks(window: &KioskWindow, core: &Rc<RefCell<Core>>) {
    let state = window.global::<KioskState>();
    macro_rules! handler {
        (|$w:ident, $c:ident $(, $arg:ident)*| $body:block) => {{
            let core = Rc::clone(core);
            let weak = window.as_weak();
            move |$($arg),*| {
                if let Some($w) = weak.upgrade() {
                    let mut guard = core.borrow_mut();
                    let $c = &mut *guard;
                    $body
                    refresh(&$w, $c);
                }
            }
        }};
    }
    state.on_login(handler!(|w, c, id, password| {
        login(&w, c, &id, &password)
    }));
    state.on_logout(handler!(|w, c| {
        c.runtime.session().logout();
        c.runtime.set_reading(false);
        c.review = None;
        show(&w, Screen::Login);
    }));
    state.on_apply_presets(handler!(|w, c| { apply_presets(&w, c) }));
    state.on_edit_presets(handler!(|w, c| {
        c.runtime.set_reading(false);
        show(&w, Screen::Presets);
    }));
    state.on_register(handler!(|w, c, vaccinated| {
        let outcome = if vaccinated {
            Outcome::Vaccinated
        } else {
            Outcome::ScreeningOnly
        };
        register(&w, c, outcome);
    }));
    state.on_cancel_review(handler!(|w, c| {
        c.review = None;
        back_to_scan(&w, c);
    }));
    state.on_back_to_scan(handler!(|w, c| {
        if w.global::<KioskState>().get_screen() == Screen::Registered {
            back_to_scan(&w, c);
        }
    }));
}

fn show(w: &KioskWindow, screen: Screen) {
    let state = w.global::<KioskState>();
    if state.get_screen() != screen {
        log::debug!("screen: {screen:?}");
        state.set_screen(screen);
    }
}

fn login(w: &KioskWindow, c: &mut Core, id: &str, password: &str) {
    let state = w.global::<KioskState>();
    let session = c.runtime.session();
    if let Err(e) = session.login(id.trim(), password) {
        state.set_login_error(e.to_string().into());
        return;
    }
    state.set_login_error(SharedString::new());
    let venues = session.venues().unwrap_or_default();
    let makers = session.vaccine_makers().unwrap_or_default();
    let names: Vec<SharedString> = venues.iter().map(|v| v.name.as_str().into()).collect();
    let makers: Vec<SharedString> = makers.iter().map(|m| m.as_str().into()).collect();
    state.set_form_venue(if names.len() == 1 { 0 } else { -1 });
    state.set_form_maker(if makers.len() == 1 { 0 } else { -1 });
    state.set_venues(ModelRc::new(VecModel::from(names)));
    state.set_makers(ModelRc::new(VecModel::from(makers)));
    let today = Session::today().to_string();
    state.set_today(today.as_str().into());
    state.set_form_date(today.into());
    state.set_form_lot(SharedString::new());
    state.set_form_doctor(SharedString::new());
    state.set_presets_error(SharedString::new());
    c.venues = venues;
    show(w, Screen::Presets);
}

fn apply_presets(w: &KioskWindow, c: &mut Core) {
    let state = w.global::<KioskState>();
    let venue_id = usize::try_from(state.get_form_venue())
        .ok()
        .and_then(|i| c.venues.get(i))
        .map(|v| v.id.clone())
        .unwrap_or_default();
    let maker = usize::try_from(state.get_form_maker())
        .ok()
        .and_then(|i| slint::Model::row_data(&state.get_makers(), i))
        .map(|m| m.to_string())
        .unwrap_or_default();
    let input = PresetsInput {
        date: state.get_form_date().to_string(),
        venue_id,
        maker,
        lot: state.get_form_lot().to_string(),
        doctor: state.get_form_doctor().to_string(),
    };
    let session = c.runtime.session();
    let summary = match session.set_presets(&input) {
        Ok(p) => PresetsSummary {
            date: p.date.to_string().into(),
            venue: p.venue.name.as_str().into(),
            maker: p.maker.as_str().into(),
            lot: p.lot.as_str().into(),
            doctor: p.doctor.as_str().into(),
        },
        Err(e) => {
            state.set_presets_error(e.to_string().into());
            return;
        }
    };
    state.set_presets_error(SharedString::new());
    state.set_presets(summary);
    back_to_scan(w, c);
}

fn back_to_scan(w: &KioskWindow, c: &mut Core) {
    let state = w.global::<KioskState>();
    state.set_scan_message(SharedString::new());
    state.set_confirm_error(SharedString::new());
    update_day_count(w, c);
    c.runtime.set_reading(true);
    show(w, Screen::Scan);
}

fn update_day_count(w: &KioskWindow, c: &mut Core) -> i32 {
    let count = c
        .runtime
        .session()
        .day_count()
        .map(|n| i32::try_from(n).unwrap_or(i32::MAX))
        .unwrap_or(0);
    w.global::<KioskState>().set_day_count(count);
    count
}

fn review(
    w: &KioskWindow,
    c: &mut Core,
    ticket: vrs_protocol::Ticket,
    source: vrs_scanner::Source,
) {
    let state = w.global::<KioskState>();
    let session = c.runtime.session();
    let review = match session.review(&ticket) {
        Ok(r) => r,
        Err(e) => {
            state.set_scan_message(e.to_string().into());
            return;
        }
    };
    let p = &review.ticket.payload;
    let screening_only = session.ticket_rules().is_screening_only(p.kind);
    log::info!(
        "read {} {} dose {} via {}",
        p.municipality,
        p.number.masked(),
        p.dose,
        source.as_str()
    );
    state.set_review(ReviewInfo {
        municipality: review.municipality_name.as_str().into(),
        municipality_code: p.municipality.to_string().into(),
        dose: format::dose(p.dose).into(),
        ticket_number: format::ticket_number(p.number.as_str()).into(),
        kind: format::ticket_kind(p.kind, screening_only).into(),
        source: format::source(source).into(),
        has_prior: review.prior.is_some(),
        prior: review
            .prior
            .as_ref()
            .map(format::prior_warning)
            .unwrap_or_default()
            .into(),
        vaccinated_allowed: review.vaccinated_allowed,
    });
    state.set_confirm_error(SharedString::new());
    c.review = Some(review);
    c.runtime.set_reading(false);
    show(w, Screen::Confirm);
}

fn register(w: &KioskWindow, c: &mut Core, outcome: Outcome) {
    let state = w.global::<KioskState>();
    let Some(review) = c.review.clone() else {
        return;
    };
    // Returns only once the record is committed to disk: the screen says "registered"
    // only after that.
    let record = match c.runtime.session().register(&review.ticket, outcome) {
        Ok(r) => r,
        Err(e) => {
            state.set_confirm_error(e.to_string().into());
            return;
        }
    };
    c.runtime.sync_now();
    c.review = None;
    let count = update_day_count(w, c);
    state.set_registered(RegisteredInfo {
        outcome: format::outcome(record.outcome).into(),
        vaccinated: record.outcome == Outcome::Vaccinated,
        municipality: review.municipality_name.as_str().into(),
        dose: format::dose(record.dose).into(),
        last4: format::last4(record.ticket_number.as_str()).into(),
        day_count: count,
    });
    show(w, Screen::Registered);
}

fn take_scan_updates(w: &KioskWindow, c: &mut Core) {
    let ScanUpdates { preview, events } = c.runtime.take_scan_updates();
    let state = w.global::<KioskState>();
    // The preview is only drawn on the scan screen; elsewhere it would only cost renders.
    if let Some(preview) = preview
        && state.get_screen() == Screen::Scan
    {
        state.set_preview(Image::from_rgb8(to_rgb(&preview)));
        state.set_has_preview(true);
    }
    for event in events {
        if state.get_screen() != Screen::Scan {
            continue;
        }
        match event {
            ScanEvent::Accepted(accepted) => review(w, c, accepted.ticket, accepted.source),
            ScanEvent::Refused { reason } => {
                state.set_scan_message(format::refusal(&reason).into())
            }
            ScanEvent::Cleared => {}
        }
    }
}

/// Follows the lifecycle (the uplink's check-ins change it) and refreshes the status bar.
fn refresh(w: &KioskWindow, c: &mut Core) {
    let state = w.global::<KioskState>();
    let device = match c.runtime.session().device() {
        Ok(d) => Some(d),
        Err(e) => {
            log::error!("device state: {e}");
            None
        }
    };
    let sync = c.runtime.sync_status();
    if let Some(d) = &device {
        let last_contact = sync
            .as_ref()
            .and_then(|s| s.last_contact)
            .map(|t| format::clock_date(crate::session_time::to_jst(t)))
            .unwrap_or_else(|| "なし".to_owned());
        state.set_device(DeviceInfo {
            serial: d.identity.serial.as_str().into(),
            imei: d.identity.imei.as_str().into(),
            lifecycle: d.lifecycle.label_ja().into(),
            guidance: format::guidance(d.lifecycle).into(),
            last_contact: last_contact.into(),
        });
        let screen = state.get_screen();
        if d.lifecycle != Lifecycle::Active {
            if screen != Screen::NotActivated {
                log::warn!(
                    "lifecycle {}: back to the not-activated screen",
                    d.lifecycle.as_str()
                );
                c.runtime.session().logout();
                c.runtime.set_reading(false);
                c.review = None;
                show(w, Screen::NotActivated);
            }
        } else if screen == Screen::NotActivated {
            show(w, Screen::Login);
        }
    }
    let snapshot = StatusSnapshot {
        device,
        operator: c.runtime.session().operator().map(str::to_owned),
        outbox: c.runtime.session().outbox().ok(),
        sync,
        modem: c.runtime.modem_status(),
        camera: c.runtime.camera_status(),
    };
    state.set_status(assemble(&snapshot, OffsetDateTime::now_utc()));
}
