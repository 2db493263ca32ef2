//! The real kiosk, headless, over a real session and SQLite store: every screen renders
//! Japanese text, the lifecycle gate refuses login, errors from the session are shown as
//! they are, a second registration is warned about, and "registered" appears only once
//! the record is in the store.

use crate::common::*;
use vrs_device::camera::LatestFrame;
use vrs_kiosk::config::SOURCE_URL;
use vrs_kiosk::{Screen, labels};
use vrs_protocol::{Lifecycle, Outcome};

/// The title row of every screen sits under the status bar.
fn title_ink(image: &image::RgbImage) -> usize {
    dark_pixels(image, 20, 62, 700, 60)
}

#[test]
fn not_activated_screen_shows_identity_and_refuses_login() {
    let tablet = Tablet::new(None);
    let camera = LatestFrame::new();
    let kiosk = tablet.kiosk(&camera);
    kiosk.pump();
    assert_eq!(kiosk.screen(), Screen::NotActivated);
    assert_eq!(kiosk.text_of(labels::SERIAL).unwrap(), SERIAL);
    assert_eq!(kiosk.text_of(labels::IMEI).unwrap(), IMEI);
    assert_eq!(
        kiosk.text_of(labels::LIFECYCLE).unwrap(),
        Lifecycle::AwaitingActivation.label_ja()
    );
    assert!(
        kiosk
            .text_of(labels::GUIDANCE)
            .unwrap()
            .contains("都道府県")
    );
    // No way to log in from here.
    assert!(!kiosk.has(labels::LOGIN_ID));
    assert!(kiosk.tap(labels::LOGIN_BUTTON).is_err());
    let image = save(&kiosk, "01-not-activated");
    assert!(title_ink(&image) > 500, "the Japanese title is drawn");
    // Not even a direct call gets through: the session refuses.
    assert!(kiosk.with_session(|s| s.login(LOGIN, PASSWORD)).is_err());

    // The uplink's check-in activates the tablet: the login screen follows by itself.
    tablet
        .store()
        .save_check_in(&check_in(Lifecycle::Active))
        .unwrap();
    kiosk.wait_for(Screen::Login, WAIT).unwrap();
    // And locking it sends the operator back out, logged out.
    kiosk.login(LOGIN, PASSWORD).unwrap();
    assert_eq!(kiosk.screen(), Screen::Presets);
    tablet
        .store()
        .save_check_in(&check_in(Lifecycle::Locked))
        .unwrap();
    kiosk.wait_for(Screen::NotActivated, WAIT).unwrap();
    assert_eq!(
        kiosk.text_of(labels::LIFECYCLE).unwrap(),
        Lifecycle::Locked.label_ja()
    );
    assert_eq!(
        kiosk.with_session(|s| s.operator().map(str::to_owned)),
        None
    );
}

#[test]
fn login_errors_are_shown_as_the_session_words_them() {
    let tablet = Tablet::new(Some(Lifecycle::Active));
    let camera = LatestFrame::new();
    let kiosk = tablet.kiosk(&camera);
    kiosk.wait_for(Screen::Login, WAIT).unwrap();
    assert!(
        !kiosk.is_enabled(labels::LOGIN_BUTTON).unwrap(),
        "empty form"
    );
    kiosk.login(LOGIN, "wrong password").unwrap();
    assert_eq!(kiosk.screen(), Screen::Login);
    assert_eq!(
        kiosk.text_of(labels::LOGIN_ERROR).unwrap(),
        "ログインIDまたはパスワードが違います"
    );
    let image = save(&kiosk, "02-login-error");
    assert!(title_ink(&image) > 200);
    kiosk.login(LOGIN, PASSWORD).unwrap();
    assert_eq!(kiosk.screen(), Screen::Presets);
    assert_eq!(
        kiosk.text_of(labels::STATUS_OPERATOR).unwrap(),
        LOGIN,
        "the status bar names the operator"
    );
}

#[test]
fn presets_errors_are_shown_next_to_the_form() {
    let tablet = Tablet::new(Some(Lifecycle::Active));
    let camera = LatestFrame::new();
    let kiosk = tablet.kiosk(&camera);
    kiosk.wait_for(Screen::Login, WAIT).unwrap();
    kiosk.login(LOGIN, PASSWORD).unwrap();
    assert_eq!(kiosk.screen(), Screen::Presets);
    let today = vrs_device::session::Session::today().to_string();
    assert_eq!(
        kiosk.text_of(labels::DATE).unwrap(),
        today,
        "today by default"
    );
    kiosk
        .set_presets("2999-01-01", "神田クリニック", "モデルナ", "L1", "医師")
        .unwrap();
    assert_eq!(kiosk.screen(), Screen::Presets);
    assert!(
        kiosk
            .text_of(labels::PRESETS_ERROR)
            .unwrap()
            .contains("未来の日付"),
        "{:?}",
        kiosk.text_of(labels::PRESETS_ERROR)
    );
    let image = save(&kiosk, "03-presets-error");
    assert!(title_ink(&image) > 200);
    // Catch-up entry of an earlier day is allowed.
    kiosk
        .set_presets("2021-06-01", "神田クリニック", "モデルナ", "L1", "医師")
        .unwrap();
    assert_eq!(kiosk.screen(), Screen::Scan);
    assert_eq!(kiosk.text_of(labels::DATE).unwrap(), "2021-06-01");
    assert_eq!(kiosk.text_of(labels::VENUE).unwrap(), "神田クリニック");
}

#[test]
fn full_flow_registers_only_after_commit_and_warns_the_second_time() {
    let tablet = Tablet::new(Some(Lifecycle::Active));
    let camera = LatestFrame::new();
    let frames = Frames::new("121310160000012345");
    let kiosk = tablet.kiosk(&camera);
    log_in_with_presets(&kiosk);
    assert_eq!(kiosk.text_of(labels::DAY_COUNT).unwrap(), "0");
    kiosk
        .wait_until(WAIT, |k| {
            publish(&camera, &frames.empty);
            k.text_of(labels::PREVIEW).unwrap() == "表示中"
        })
        .unwrap();
    let image = save(&kiosk, "04-scan");
    assert!(title_ink(&image) > 500);

    present_ticket(&kiosk, &camera, &frames);
    assert_eq!(
        kiosk.text_of(labels::MUNICIPALITY).unwrap(),
        "東京都 千代田区"
    );
    assert_eq!(kiosk.text_of(labels::DOSE).unwrap(), "第2回");
    assert_eq!(kiosk.text_of(labels::TICKET_NUMBER).unwrap(), "00000 12345");
    assert!(
        !kiosk.has(labels::PRIOR_WARNING),
        "no warning the first time"
    );
    assert!(kiosk.is_enabled(labels::VACCINATED).unwrap());
    let image = save(&kiosk, "05-confirm");
    assert!(title_ink(&image) > 500);

    // Nothing is in the store before the tap...
    let ticket = vrs_protocol::TicketRules::default()
        .parse("121310160000012345", vrs_protocol::MasterList::embedded())
        .unwrap();
    let p = &ticket.payload;
    let other = tablet.store();
    assert!(
        other
            .prior_registration(p.municipality, p.number, p.dose)
            .unwrap()
            .is_none()
    );
    kiosk.register(Outcome::Vaccinated).unwrap();
    assert_eq!(kiosk.screen(), Screen::Registered);
    // ...and the moment the screen says 登録しました, another connection sees the record.
    let prior = other
        .prior_registration(p.municipality, p.number, p.dose)
        .unwrap()
        .expect("committed before the registered screen");
    assert_eq!(prior.outcome, Outcome::Vaccinated);
    assert_eq!(kiosk.text_of(labels::SCREEN_TITLE).unwrap(), "登録しました");
    assert_eq!(kiosk.text_of(labels::OUTCOME).unwrap(), "接種済");
    assert_eq!(kiosk.text_of(labels::LAST4).unwrap(), "…2345");
    assert_eq!(kiosk.text_of(labels::REGISTERED_COUNT).unwrap(), "1件");
    let image = save(&kiosk, "06-registered");
    assert!(
        dark_pixels(&image, 200, 120, 620, 120) > 500,
        "登録しました is drawn"
    );

    // Back to reading by itself.
    kiosk.wait_for(Screen::Scan, WAIT).unwrap();
    assert_eq!(kiosk.text_of(labels::DAY_COUNT).unwrap(), "1");

    // The same ticket again: a strong warning before overwriting.
    present_ticket(&kiosk, &camera, &frames);
    let warning = kiosk.text_of(labels::PRIOR_WARNING).unwrap();
    assert!(warning.contains("すでに登録されています"), "{warning}");
    assert!(warning.contains("千代田区役所 集団接種会場"), "{warning}");
    assert!(warning.contains("接種済"), "{warning}");
    save(&kiosk, "05-confirm-prior");
    // 戻る registers nothing.
    kiosk.tap(labels::CANCEL).unwrap();
    assert_eq!(kiosk.screen(), Screen::Scan);
    assert_eq!(kiosk.with_session(|s| s.day_count().unwrap()), 1);
}

#[test]
fn screening_only_ticket_cannot_be_registered_as_vaccinated() {
    let tablet = Tablet::new(Some(Lifecycle::Active));
    let camera = LatestFrame::new();
    let frames = Frames::new("210110020000000001");
    let kiosk = tablet.kiosk(&camera);
    log_in_with_presets(&kiosk);
    present_ticket(&kiosk, &camera, &frames);
    assert!(!kiosk.is_enabled(labels::VACCINATED).unwrap());
    assert!(
        kiosk.register(Outcome::Vaccinated).is_err(),
        "the button is disabled"
    );
    assert_eq!(kiosk.screen(), Screen::Confirm);
    kiosk.register(Outcome::ScreeningOnly).unwrap();
    assert_eq!(kiosk.screen(), Screen::Registered);
    assert_eq!(kiosk.text_of(labels::OUTCOME).unwrap(), "予診のみ");
    // A tap returns to reading at once.
    kiosk.tap(labels::OUTCOME).unwrap();
    assert_eq!(kiosk.screen(), Screen::Scan);
}

#[test]
fn about_dialog_names_the_licence_and_the_source() {
    let tablet = Tablet::new(Some(Lifecycle::Active));
    let camera = LatestFrame::new();
    let kiosk = tablet.kiosk(&camera);
    kiosk.wait_for(Screen::Login, WAIT).unwrap();
    kiosk.tap(labels::ABOUT).unwrap();
    assert!(kiosk.about_open());
    assert!(
        kiosk
            .text_of("ライセンス")
            .unwrap()
            .contains("GPL-3.0-only")
    );
    // Where the source is: the build-time setting (VRS_SOURCE_URL, or this source tree).
    assert_eq!(kiosk.text_of("ソースコード").unwrap(), SOURCE_URL);
    assert!(!SOURCE_URL.trim().is_empty() && !SOURCE_URL.contains("example.invalid"));
    let image = save(&kiosk, "07-about");
    assert!(dark_pixels(&image, 200, 150, 620, 400) > 1000);
    kiosk.tap(labels::CLOSE).unwrap();
    assert!(!kiosk.about_open());
}

#[test]
fn a_refused_read_is_explained_on_the_scan_screen() {
    let tablet = Tablet::new(Some(Lifecycle::Active));
    let camera = LatestFrame::new();
    // Check digit of the municipality code is wrong (131017).
    let frames = Frames::new("121310170000012345");
    let kiosk = tablet.kiosk(&camera);
    log_in_with_presets(&kiosk);
    kiosk
        .wait_until(WAIT, |k| {
            publish(&camera, &frames.ticket);
            std::thread::sleep(std::time::Duration::from_millis(20));
            k.has(labels::SCAN_MESSAGE)
        })
        .expect("the refusal is shown");
    assert_eq!(kiosk.screen(), Screen::Scan, "nothing to confirm");
    let reason = kiosk.text_of(labels::SCAN_MESSAGE).unwrap();
    assert!(!reason.is_empty());
    let image = save(&kiosk, "04-scan-refused");
    assert!(title_ink(&image) > 500);
    assert_eq!(kiosk.with_session(|s| s.day_count().unwrap()), 0);
}

#[test]
fn a_failed_registration_is_shown_and_keeps_the_confirm_screen() {
    let tablet = Tablet::new(Some(Lifecycle::Active));
    let camera = LatestFrame::new();
    let frames = Frames::new("131311300000000042");
    let kiosk = tablet.kiosk(&camera);
    log_in_with_presets(&kiosk);
    present_ticket(&kiosk, &camera, &frames);

    // Another writer holds the database: the store gives up after its busy timeout.
    let blocker = rusqlite::Connection::open(tablet.db()).unwrap();
    blocker.execute_batch("BEGIN EXCLUSIVE").unwrap();
    kiosk.register(Outcome::Vaccinated).unwrap();
    assert_eq!(kiosk.screen(), Screen::Confirm, "not 登録しました");
    let error = kiosk.text_of(labels::REGISTER_ERROR).unwrap();
    assert!(error.contains("データベース"), "{error}");
    save(&kiosk, "05-confirm-error");
    blocker.execute_batch("ROLLBACK").unwrap();
    assert_eq!(kiosk.with_session(|s| s.day_count().unwrap()), 0);

    // The operator taps again once the store is back.
    kiosk.register(Outcome::Vaccinated).unwrap();
    assert_eq!(kiosk.screen(), Screen::Registered);
    assert_eq!(kiosk.with_session(|s| s.day_count().unwrap()), 1);
}
