//! A real session over a real SQLite store in a temporary directory, and camera frames of
//! real (synthetic) tickets for the scanner.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use argon2::password_hash::SaltString;
use argon2::{Argon2, PasswordHasher};
use image::RgbImage;
use time::OffsetDateTime;
use vrs_device::camera::{Frame, LatestFrame};
use vrs_device::identity::{DeviceIdentity, IdentityFiles, PendingEnrollment};
use vrs_device::session::Session;
use vrs_device::store::Store;
use vrs_kiosk::{CameraSpec, DeviceConfig, HeadlessKiosk, KioskConfig, Screen};
use vrs_protocol::wire::{
    AccountVerifier, Activation, CheckInResponse, DeviceConfig as Wire, Venue,
};
use vrs_protocol::{Lifecycle, MasterList};
use vrs_scanner::{GrayFrame, ReaderConfig};
use vrs_ticket_gen::{Fonts, Scene, TicketSpec, camera_frame, empty_frame, render_ticket};

pub const SERIAL: &str = "VRS-0001";
pub const IMEI: &str = "490154203237518";
pub const LOGIN: &str = "staff01";
pub const PASSWORD: &str = "correct horse";
pub const WAIT: Duration = Duration::from_secs(20);

fn phc(password: &str) -> String {
    let salt = SaltString::generate(&mut argon2::password_hash::rand_core::OsRng);
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .expect("hashing")
        .to_string()
}

/// The check-in a back office would send for an activated Chiyoda tablet.
pub fn check_in(lifecycle: Lifecycle) -> CheckInResponse {
    CheckInResponse {
        lifecycle,
        activation: Some(Activation {
            municipality: "131016".parse().unwrap(),
            municipality_name: "東京都 千代田区".into(),
        }),
        venues: vec![
            Venue {
                id: "v1".into(),
                name: "千代田区役所 集団接種会場".into(),
            },
            Venue {
                id: "v2".into(),
                name: "神田クリニック".into(),
            },
        ],
        vaccine_makers: vec!["ファイザー".into(), "モデルナ".into(), "武田".into()],
        accounts: vec![AccountVerifier {
            login_id: LOGIN.into(),
            password_phc: phc(PASSWORD),
            venue_id: None,
        }],
        server_time: OffsetDateTime::now_utc(),
        config: Wire::default(),
    }
}

/// A tablet's state directory: enrolled, with a saved check-in in `lifecycle` (none when
/// `None`).
pub struct Tablet {
    pub dir: tempfile::TempDir,
}

impl Tablet {
    pub fn new(lifecycle: Option<Lifecycle>) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let tablet = Self { dir };
        let identity = DeviceIdentity::new(SERIAL, IMEI).unwrap();
        let pending = PendingEnrollment::new(identity).unwrap();
        // The certificate would come from the back office; the session only needs the
        // tablet to count as enrolled.
        let credentials = pending.complete(
            "-----BEGIN CERTIFICATE-----\n-----END CERTIFICATE-----\n".into(),
            "-----BEGIN CERTIFICATE-----\n-----END CERTIFICATE-----\n".into(),
        );
        tablet.identity_files().save(&credentials).unwrap();
        let store = tablet.store();
        if let Some(l) = lifecycle {
            store.save_check_in(&check_in(l)).unwrap();
        }
        tablet
    }

    pub fn db(&self) -> PathBuf {
        self.dir.path().join("device.db")
    }

    pub fn identity_files(&self) -> IdentityFiles {
        IdentityFiles::new(&self.dir.path().join("identity"))
    }

    /// A second, independent connection to the tablet's database.
    pub fn store(&self) -> Store {
        Store::open(&self.db()).unwrap()
    }

    pub fn session(&self) -> Session {
        Session::new(
            self.store(),
            Arc::new(MasterList::embedded().clone()),
            DeviceIdentity::new(SERIAL, IMEI).unwrap(),
            self.identity_files(),
        )
    }

    /// Starts the real kiosk over this tablet, with frames fed through `camera`.
    pub fn kiosk(&self, camera: &LatestFrame) -> HeadlessKiosk {
        let config = KioskConfig::new(
            DeviceConfig::Session(Box::new(self.session())),
            CameraSpec::Feed(camera.clone()),
            None,
        );
        HeadlessKiosk::start(config).unwrap()
    }
}

/// Camera frames of a ticket and of the empty stand.
pub struct Frames {
    pub ticket: GrayFrame,
    pub empty: GrayFrame,
}

impl Frames {
    pub fn new(payload: &str) -> Self {
        let fonts = Fonts::system().expect("fonts-ocr-b and a Japanese font");
        let ticket = render_ticket(&TicketSpec::new(payload), &fonts, 12.0).unwrap();
        let scene = Scene::flat(640, 480);
        let gray = |img: image::GrayImage| {
            let (w, h) = img.dimensions();
            GrayFrame::new(w, h, img.into_raw()).unwrap()
        };
        Self {
            ticket: gray(camera_frame(&ticket, &scene, 1)),
            empty: gray(empty_frame(&scene, 1)),
        }
    }
}

pub fn publish(camera: &LatestFrame, image: &GrayFrame) {
    camera.publish(Frame {
        image: image.clone(),
        sequence: 0,
        captured_at: Instant::now(),
    });
}

/// Shows the empty stand until the scanner has read it often enough to count the view as
/// empty (it accepts the same ticket again only after that), then holds the ticket under the
/// camera until the confirm screen appears. Counting frames the scanner took, not frames
/// published, keeps this right on a loaded machine, where it skips most of them.
pub fn present_ticket(kiosk: &HeadlessKiosk, camera: &LatestFrame, frames: &Frames) {
    let empty_reads = ReaderConfig::default().clear_after_frames + 2;
    for _ in 0..empty_reads {
        let taken = camera.taken();
        publish(camera, &frames.empty);
        kiosk
            .wait_until(WAIT, |_| camera.taken() > taken)
            .expect("the scanner reads the empty stand");
    }
    kiosk
        .wait_until(WAIT, |k| {
            publish(camera, &frames.ticket);
            std::thread::sleep(Duration::from_millis(20));
            k.screen() == Screen::Confirm
        })
        .expect("the ticket is read and the confirm screen appears");
}

/// Logs in and sets presets through the screens.
pub fn log_in_with_presets(kiosk: &HeadlessKiosk) {
    kiosk.wait_for(Screen::Login, WAIT).unwrap();
    kiosk.login(LOGIN, PASSWORD).unwrap();
    assert_eq!(kiosk.screen(), Screen::Presets);
    let today = Session::today().to_string();
    kiosk
        .set_presets(
            &today,
            "千代田区役所 集団接種会場",
            "ファイザー",
            "FF0843",
            "山田 太郎",
        )
        .unwrap();
    assert_eq!(
        kiosk.screen(),
        Screen::Scan,
        "{:?}",
        kiosk.text_of("設定エラー")
    );
}

/// Where screenshots are kept for people to look at.
pub fn screenshot_dir() -> PathBuf {
    std::env::var_os("KIOSK_SCREENSHOTS")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("kiosk-screenshots"))
}

pub fn save(kiosk: &HeadlessKiosk, name: &str) -> RgbImage {
    let image = kiosk.render();
    let path = screenshot_dir().join(format!("kiosk-{name}.png"));
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    image.save(&path).unwrap();
    image
}

/// Pixels clearly darker than the light backgrounds (text ink) inside a rectangle.
pub fn dark_pixels(image: &RgbImage, x: u32, y: u32, w: u32, h: u32) -> usize {
    let mut n = 0;
    for yy in y..(y + h).min(image.height()) {
        for xx in x..(x + w).min(image.width()) {
            let p = image.get_pixel(xx, yy).0;
            let luma =
                (u32::from(p[0]) * 299 + u32::from(p[1]) * 587 + u32::from(p[2]) * 114) / 1000;
            if luma < 90 {
                n += 1;
            }
        }
    }
    n
}
