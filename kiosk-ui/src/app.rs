//! Glue between the screens and the device: fills the [`KioskState`] global and handles its
//! callbacks by calling [`Session`]. No business rule lives here; every refusal comes from
//! the session and is shown as it is.

use std::cell::RefCell;
use std::collections::VecDeque;
use std::rc::Rc;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use slint::{
    ComponentHandle, Image, ModelRc, Rgb8Pixel, SharedPixelBuffer, SharedString, VecModel,
};
use time::OffsetDateTime;
use vrs_device::camera::{CameraThread, LatestFrame, ReconnectPolicy};
use vrs_device::modem::Modem;
use vrs_device::runtime::Runtime;
use vrs_device::scan_worker::{Preview, ScanUpdate, ScanWorker};
use vrs_device::session::{PresetsInput, Review, Session};
use vrs_device::uplink::SyncStatus;
use vrs_protocol::wire::Venue;
use vrs_protocol::{Lifecycle, Outcome};
use vrs_scanner::{Reader, ReaderConfig, ScanEvent};

use crate::config::{CameraSpec, DeviceConfig, KioskConfig};
use crate::format;
use crate::status::{StatusSnapshot, assemble};
use crate::ui::{
    DeviceInfo, KioskState, KioskWindow, PresetsSummary, RegisteredInfo, ReviewInfo, Screen,
};

/// How often the device state and the status bar are refreshed.
const STATUS_INTERVAL: Duration = Duration::from_millis(500);
/// How often scanner updates are taken over by the UI thread (~25 fps preview).
const SCAN_INTERVAL: Duration = Duration::from_millis(40);

/// The tablet's business side: a full runtime with uplink, or a bare session.
enum Device {
    Runtime(Box<Runtime>),
    Offline(Box<Session>),
}

impl Device {
    fn session(&mut self) -> &mut Session {
        match self {
            Device::Runtime(r) => r.session(),
            Device::Offline(s) => s,
        }
    }

    fn sync_status(&self) -> Option<SyncStatus> {
        match self {
            Device::Runtime(r) => Some(r.sync_status()),
            Device::Offline(_) => None,
        }
    }

    fn registered(&self) {
        if let Device::Runtime(r) = self {
            r.sync_now();
        }
    }
}

/// Where frames come from.
enum Camera {
    Thread(CameraThread),
    /// Frames published by the caller into the [`LatestFrame`].
    Feed(LatestFrame),
    None,
}

/// What the scanner worker left for the UI thread.
#[derive(Default)]
struct Inbox {
    preview: Option<SharedPixelBuffer<Rgb8Pixel>>,
    events: VecDeque<ScanEvent>,
}

type SharedInbox = Arc<Mutex<Inbox>>;

fn lock(inbox: &SharedInbox) -> MutexGuard<'_, Inbox> {
    inbox.lock().unwrap_or_else(|e| e.into_inner())
}

/// Everything the callbacks work on.
struct Core {
    device: Device,
    worker: Option<ScanWorker>,
    inbox: SharedInbox,
    camera: Camera,
    modem: Option<Arc<Modem>>,
    venues: Vec<Venue>,
    review: Option<Review>,
}

impl Core {
    fn set_reading(&self, on: bool) {
        if let Some(w) = &self.worker {
            w.set_reading(on);
        }
    }

    fn camera_status(&self) -> Option<vrs_device::camera::CameraStatus> {
        match &self.camera {
            Camera::Thread(t) => Some(t.status()),
            Camera::Feed(latest) => Some(if latest.published() > 0 {
                vrs_device::camera::CameraStatus::Streaming {
                    describe: "external frames".into(),
                }
            } else {
                vrs_device::camera::CameraStatus::Starting
            }),
            Camera::None => None,
        }
    }
}

/// The running kiosk logic behind one [`KioskWindow`]. Keep it alive as long as the window.
pub struct KioskApp {
    core: Rc<RefCell<Core>>,
    _timers: Vec<slint::Timer>,
}

impl KioskApp {
    /// Starts the device side described by `config` and wires it to `window`.
    pub fn start(window: &KioskWindow, config: KioskConfig) -> anyhow::Result<Self> {
        let modem = config.modem.map(|m| Arc::new(Modem::spawn(m)));
        let device = match config.device {
            DeviceConfig::Runtime(rc) => {
                let hb_modem = modem.clone();
                let heartbeat: vrs_device::uplink::HeartbeatSource =
                    Box::new(move || hb_modem.as_ref().map(|m| m.status().heartbeat()));
                Device::Runtime(Box::new(Runtime::start(*rc, heartbeat)?))
            }
            DeviceConfig::Session(s) => Device::Offline(s),
        };
        let mut core = Core {
            device,
            worker: None,
            inbox: SharedInbox::default(),
            camera: Camera::None,
            modem,
            venues: Vec::new(),
            review: None,
        };
        let latest = match config.camera {
            CameraSpec::None => None,
            CameraSpec::Feed(latest) => {
                core.camera = Camera::Feed(latest.clone());
                Some(latest)
            }
            spec => {
                let latest = LatestFrame::new();
                let factory = crate::config::source_factory(spec)?;
                core.camera = Camera::Thread(CameraThread::spawn_reopening(
                    factory,
                    latest.clone(),
                    ReconnectPolicy::default(),
                ));
                Some(latest)
            }
        };
        if let Some(latest) = latest {
            let session = core.device.session();
            let reader = Reader::new(
                ReaderConfig {
                    rules: session.ticket_rules(),
                    ..ReaderConfig::default()
                },
                Arc::clone(session.master()),
            );
            let inbox = Arc::clone(&core.inbox);
            core.worker = Some(ScanWorker::spawn(
                latest,
                reader,
                Box::new(move |update| match update {
                    ScanUpdate::Preview(p) => lock(&inbox).preview = Some(to_rgb(&p)),
                    ScanUpdate::Event(e) => lock(&inbox).events.push_back(e),
                }),
            ));
        }

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
        f(self.core.borrow_mut().device.session())
    }

    /// Whether records are uploaded (a runtime with an uplink, not a bare session).
    pub fn has_uplink(&self) -> bool {
        self.core.borrow().device.sync_status().is_some()
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
        c.device.session().logout();
        c.set_reading(false);
        c.review = None;
        show(&w, Screen::Login);
    }));
    state.on_apply_presets(handler!(|w, c| { apply_presets(&w, c) }));
    state.on_edit_presets(handler!(|w, c| {
        c.set_reading(false);
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
    let session = c.device.session();
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
    let session = c.device.session();
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
    lock(&c.inbox).events.clear();
    c.set_reading(true);
    show(w, Screen::Scan);
}

fn update_day_count(w: &KioskWindow, c: &mut Core) -> i32 {
    let count = c
        .device
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
    let session = c.device.session();
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
    c.set_reading(false);
    show(w, Screen::Confirm);
}

fn register(w: &KioskWindow, c: &mut Core, outcome: Outcome) {
    let state = w.global::<KioskState>();
    let Some(review) = c.review.clone() else {
        return;
    };
    // Returns only once the record is committed to disk: the screen says "registered"
    // only after that.
    let record = match c.device.session().register(&review.ticket, outcome) {
        Ok(r) => r,
        Err(e) => {
            state.set_confirm_error(e.to_string().into());
            return;
        }
    };
    c.device.registered();
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
    let (preview, events) = {
        let mut inbox = lock(&c.inbox);
        (inbox.preview.take(), std::mem::take(&mut inbox.events))
    };
    let state = w.global::<KioskState>();
    // The preview is only drawn on the scan screen; elsewhere it would only cost renders.
    if let Some(buffer) = preview
        && state.get_screen() == Screen::Scan
    {
        state.set_preview(Image::from_rgb8(buffer));
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
    let device = match c.device.session().device() {
        Ok(d) => Some(d),
        Err(e) => {
            log::error!("device state: {e}");
            None
        }
    };
    let sync = c.device.sync_status();
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
                c.device.session().logout();
                c.set_reading(false);
                c.review = None;
                show(w, Screen::NotActivated);
            }
        } else if screen == Screen::NotActivated {
            show(w, Screen::Login);
        }
    }
    let snapshot = StatusSnapshot {
        device,
        operator: c.device.session().operator().map(str::to_owned),
        outbox: c.device.session().outbox().ok(),
        sync,
        modem: c.modem.as_ref().map(|m| m.status()),
        camera: c.camera_status(),
    };
    state.set_status(assemble(&snapshot, OffsetDateTime::now_utc()));
}
