//! The operator's session on the tablet: lifecycle gate, login, presets, review and
//! registration. The kiosk UI calls these methods and owns no business rule itself.
//!
//! Login works offline: the back office sends Argon2id verifiers of the municipality's
//! accounts at check-in, so a dropped LTE link never stops a venue from starting its day.

use std::sync::Arc;
use std::time::{Duration, Instant};

use argon2::{Argon2, PasswordHash, PasswordVerifier};
use time::{Date, OffsetDateTime, UtcOffset};
use uuid::Uuid;
use vrs_protocol::record::check_field;
use vrs_protocol::wire::{AccountVerifier, Activation, CheckInResponse, Venue};
use vrs_protocol::{Lifecycle, MasterList, Outcome, Record, RecordError, Ticket, TicketRules};

use crate::identity::{DeviceIdentity, IdentityFiles};
use crate::store::{OutboxDepth, PriorRegistration, Store, StoreError};

/// Japan Standard Time: "today" at a venue is a JST date, whatever the tablet's zone.
pub const JST: UtcOffset = time::macros::offset!(+9);

/// Failed logins before the login screen pauses.
const MAX_FAILED_LOGINS: u32 = 5;
/// How long it pauses.
const LOGIN_PAUSE: Duration = Duration::from_secs(60);

/// Why the session refused. Texts are shown to venue staff as they are.
#[derive(Debug, thiserror::Error)]
pub enum SessionError {
    /// No client certificate yet.
    #[error("この端末はまだ登録されていません。ヘルプデスクに連絡してください")]
    NotEnrolled,
    /// Enrolled but not activated for a municipality.
    #[error("この端末は利用開始前です。都道府県の担当者にアクティベートを依頼してください")]
    NotActivated,
    /// Locked remotely.
    #[error("この端末は利用停止中です。ヘルプデスクに連絡してください")]
    Locked,
    /// Wiped.
    #[error("この端末のデータは消去済みです。返却手続きに従ってください")]
    Wiped,
    /// Unknown login or wrong password.
    #[error("ログインIDまたはパスワードが違います")]
    BadCredentials,
    /// Too many failed logins.
    #[error("ログインに続けて失敗しました。{seconds}秒待ってからもう一度入力してください")]
    LoginPaused {
        /// Seconds left.
        seconds: u64,
    },
    /// An action that needs a logged-in operator.
    #[error("ログインしてください")]
    NotLoggedIn,
    /// Registration before the presets were set.
    #[error("接種日・会場・ワクチン・ロット番号・医師名を設定してください")]
    NoPresets,
    /// A date that does not parse.
    #[error("接種日は 2021-06-01 の形で入力してください(「{0}」)")]
    DateFormat(String),
    /// A vaccination date in the future.
    #[error("接種日 {0} は未来の日付です。今日以前の日付を入力してください")]
    FutureDate(Date),
    /// A venue id not among this municipality's venues.
    #[error("会場が選択されていないか、この自治体の会場ではありません")]
    UnknownVenue,
    /// The account may only register at another venue.
    #[error("このアカウントは会場「{0}」でのみ登録できます")]
    VenueNotAllowed(String),
    /// A vaccine maker not in the list.
    #[error("ワクチンメーカーを一覧から選択してください")]
    UnknownMaker,
    /// A preset text field is wrong.
    #[error(transparent)]
    Field(#[from] RecordError),
    /// 接種済 chosen for a screening-only ticket.
    #[error("この券は予診のみの券です。「予診のみ」で登録してください")]
    ScreeningOnlyTicket,
    /// The store failed; nothing was registered.
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// What the tablet knows about itself.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeviceView {
    /// Lifecycle state (from the last check-in).
    pub lifecycle: Lifecycle,
    /// Serial and IMEI.
    pub identity: DeviceIdentity,
    /// The municipality it is activated for.
    pub activation: Option<Activation>,
}

/// The operator's presets, applied to every registration until changed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Presets {
    /// Vaccination date (today by default; earlier for catch-up entry).
    pub date: Date,
    /// Venue.
    pub venue: Venue,
    /// Vaccine maker.
    pub maker: String,
    /// Lot number.
    pub lot: String,
    /// Doctor's name.
    pub doctor: String,
}

/// Presets as typed on the screen.
#[derive(Debug, Clone, Default)]
pub struct PresetsInput {
    /// `YYYY-MM-DD`.
    pub date: String,
    /// A venue id from [`Session::venues`].
    pub venue_id: String,
    /// A maker from [`Session::vaccine_makers`].
    pub maker: String,
    /// Lot number.
    pub lot: String,
    /// Doctor's name.
    pub doctor: String,
}

/// What the confirm screen shows before registering.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Review {
    /// The ticket as read.
    pub ticket: Ticket,
    /// `北海道 札幌市`.
    pub municipality_name: String,
    /// An earlier registration of the same (municipality, ticket number, dose) on this
    /// tablet: registering again overwrites it, so the screen warns.
    pub prior: Option<PriorRegistration>,
    /// Whether 接種済 may be chosen (not for a screening-only ticket).
    pub vaccinated_allowed: bool,
}

/// The operator's session.
pub struct Session {
    store: Store,
    master: Arc<MasterList>,
    identity: DeviceIdentity,
    identity_files: IdentityFiles,
    user: Option<AccountVerifier>,
    presets: Option<Presets>,
    failed_logins: u32,
    paused_until: Option<Instant>,
}

impl Session {
    /// A session over the tablet's store; `identity_files` tell whether it has enrolled.
    pub fn new(
        store: Store,
        master: Arc<MasterList>,
        identity: DeviceIdentity,
        identity_files: IdentityFiles,
    ) -> Self {
        Self {
            store,
            master,
            identity,
            identity_files,
            user: None,
            presets: None,
            failed_logins: 0,
            paused_until: None,
        }
    }

    fn check_in(&self) -> Result<Option<CheckInResponse>, SessionError> {
        Ok(self.store.last_check_in()?)
    }

    /// Lifecycle, identity and activation, for the status and not-activated screens.
    pub fn device(&self) -> Result<DeviceView, SessionError> {
        let check_in = self.check_in()?;
        let lifecycle = match (self.identity_files.is_enrolled(), &check_in) {
            (false, _) => Lifecycle::Factory,
            (true, None) => Lifecycle::AwaitingActivation,
            (true, Some(c)) => c.lifecycle,
        };
        Ok(DeviceView {
            lifecycle,
            identity: self.identity.clone(),
            activation: check_in.and_then(|c| c.activation),
        })
    }

    /// Fails unless the tablet is active; then returns the last check-in.
    fn require_active(&self) -> Result<CheckInResponse, SessionError> {
        match self.device()?.lifecycle {
            Lifecycle::Factory => Err(SessionError::NotEnrolled),
            Lifecycle::AwaitingActivation => Err(SessionError::NotActivated),
            Lifecycle::Locked => Err(SessionError::Locked),
            Lifecycle::Wiped => Err(SessionError::Wiped),
            Lifecycle::Active => self.check_in()?.ok_or(SessionError::NotActivated),
        }
    }

    /// Logs in offline against the account verifiers of the last check-in.
    pub fn login(&mut self, login_id: &str, password: &str) -> Result<(), SessionError> {
        let check_in = self.require_active()?;
        if let Some(until) = self.paused_until {
            let now = Instant::now();
            if now < until {
                return Err(SessionError::LoginPaused {
                    seconds: (until - now).as_secs().max(1),
                });
            }
            self.paused_until = None;
            self.failed_logins = 0;
        }
        let account = check_in
            .accounts
            .iter()
            .find(|a| a.login_id == login_id)
            .filter(|a| verify_password(&a.password_phc, password));
        match account {
            Some(account) => {
                log::info!("login: {}", account.login_id);
                self.user = Some(account.clone());
                self.presets = None;
                self.failed_logins = 0;
                Ok(())
            }
            None => {
                log::warn!("login failed for {login_id:?}");
                self.failed_logins += 1;
                if self.failed_logins >= MAX_FAILED_LOGINS {
                    self.paused_until = Some(Instant::now() + LOGIN_PAUSE);
                }
                Err(SessionError::BadCredentials)
            }
        }
    }

    /// Ends the operator's session and forgets the presets.
    pub fn logout(&mut self) {
        self.user = None;
        self.presets = None;
    }

    /// Login ID of the operator, when logged in.
    pub fn operator(&self) -> Option<&str> {
        self.user.as_ref().map(|u| u.login_id.as_str())
    }

    /// Venues the operator may choose (only its own for a venue-bound account).
    pub fn venues(&self) -> Result<Vec<Venue>, SessionError> {
        let check_in = self.require_active()?;
        let only = self.user.as_ref().and_then(|u| u.venue_id.clone());
        Ok(check_in
            .venues
            .into_iter()
            .filter(|v| only.as_ref().is_none_or(|id| *id == v.id))
            .collect())
    }

    /// Vaccine makers to choose from.
    pub fn vaccine_makers(&self) -> Result<Vec<String>, SessionError> {
        Ok(self.require_active()?.vaccine_makers)
    }

    /// Today in Japan.
    pub fn today() -> Date {
        OffsetDateTime::now_utc().to_offset(JST).date()
    }

    /// Checks and sets the presets.
    pub fn set_presets(&mut self, input: &PresetsInput) -> Result<&Presets, SessionError> {
        let check_in = self.require_active()?;
        let user = self.user.as_ref().ok_or(SessionError::NotLoggedIn)?;
        let date = Date::parse(
            input.date.trim(),
            time::macros::format_description!("[year]-[month]-[day]"),
        )
        .map_err(|_| SessionError::DateFormat(input.date.clone()))?;
        if date > Self::today() {
            return Err(SessionError::FutureDate(date));
        }
        let venue = check_in
            .venues
            .iter()
            .find(|v| v.id == input.venue_id)
            .ok_or(SessionError::UnknownVenue)?;
        if let Some(only) = &user.venue_id
            && *only != venue.id
        {
            let name = check_in
                .venues
                .iter()
                .find(|v| v.id == *only)
                .map_or_else(|| only.clone(), |v| v.name.clone());
            return Err(SessionError::VenueNotAllowed(name));
        }
        if !check_in.vaccine_makers.contains(&input.maker) {
            return Err(SessionError::UnknownMaker);
        }
        check_field("ロット番号", input.lot.trim(), 20)?;
        check_field("医師名", input.doctor.trim(), 20)?;
        Ok(self.presets.insert(Presets {
            date,
            venue: venue.clone(),
            maker: input.maker.clone(),
            lot: input.lot.trim().to_owned(),
            doctor: input.doctor.trim().to_owned(),
        }))
    }

    /// The presets, once set.
    pub fn presets(&self) -> Option<&Presets> {
        self.presets.as_ref()
    }

    /// The ticket rules of the last check-in (defaults before the first one).
    pub fn ticket_rules(&self) -> TicketRules {
        self.check_in()
            .ok()
            .flatten()
            .map(|c| c.config.ticket_rules)
            .unwrap_or_default()
    }

    /// The master list tickets are checked against.
    pub fn master(&self) -> &Arc<MasterList> {
        &self.master
    }

    /// What the confirm screen needs for an accepted ticket.
    pub fn review(&self, ticket: &Ticket) -> Result<Review, SessionError> {
        self.require_active()?;
        let p = &ticket.payload;
        Ok(Review {
            ticket: ticket.clone(),
            municipality_name: ticket.municipality.display_name(),
            prior: self
                .store
                .prior_registration(p.municipality, p.number, p.dose)?,
            vaccinated_allowed: !self.ticket_rules().is_screening_only(p.kind),
        })
    }

    /// Registers a dose. Returns only once the record is committed to disk.
    pub fn register(&mut self, ticket: &Ticket, outcome: Outcome) -> Result<Record, SessionError> {
        self.require_active()?;
        let user = self.user.as_ref().ok_or(SessionError::NotLoggedIn)?;
        let presets = self.presets.as_ref().ok_or(SessionError::NoPresets)?;
        let p = &ticket.payload;
        if outcome == Outcome::Vaccinated && self.ticket_rules().is_screening_only(p.kind) {
            return Err(SessionError::ScreeningOnlyTicket);
        }
        let record = Record {
            id: Uuid::now_v7(),
            registered_at: OffsetDateTime::now_utc(),
            vaccination_date: presets.date,
            municipality: p.municipality,
            ticket_number: p.number,
            dose: p.dose,
            ticket_kind: p.kind,
            venue: presets.venue.name.clone(),
            doctor: presets.doctor.clone(),
            maker: presets.maker.clone(),
            lot: presets.lot.clone(),
            outcome,
            operator: user.login_id.clone(),
        };
        record.validate()?;
        self.store.insert_record(&record)?;
        log::info!(
            "registered {} {} dose {} as {}",
            p.municipality,
            p.number.masked(),
            p.dose,
            outcome.as_str()
        );
        Ok(record)
    }

    /// Records on this tablet not yet acknowledged by the back office, read from the store
    /// (so a registration counts the moment it is committed).
    pub fn outbox(&self) -> Result<OutboxDepth, SessionError> {
        Ok(self.store.outbox_depth()?)
    }

    /// Registrations today (preset date) at the preset venue.
    pub fn day_count(&self) -> Result<u64, SessionError> {
        let presets = self.presets.as_ref().ok_or(SessionError::NoPresets)?;
        Ok(self
            .store
            .count_for_day(presets.date, &presets.venue.name)?)
    }
}

fn verify_password(phc: &str, password: &str) -> bool {
    PasswordHash::new(phc)
        .map(|hash| {
            Argon2::default()
                .verify_password(password.as_bytes(), &hash)
                .is_ok()
        })
        .unwrap_or(false)
}

#[cfg(test)]
mod tests {
    use super::*;
    use argon2::PasswordHasher;
    use argon2::password_hash::SaltString;
    use vrs_protocol::wire::DeviceConfig;

    fn phc(password: &str) -> String {
        let salt = SaltString::generate(&mut argon2::password_hash::rand_core::OsRng);
        Argon2::default()
            .hash_password(password.as_bytes(), &salt)
            .unwrap()
            .to_string()
    }

    fn check_in(lifecycle: Lifecycle) -> CheckInResponse {
        CheckInResponse {
            lifecycle,
            activation: Some(Activation {
                municipality: "131016".parse().unwrap(),
                municipality_name: "千代田区".into(),
            }),
            venues: vec![
                Venue {
                    id: "v1".into(),
                    name: "千代田区役所".into(),
                },
                Venue {
                    id: "v2".into(),
                    name: "神田クリニック".into(),
                },
            ],
            vaccine_makers: vec!["ファイザー".into(), "モデルナ".into()],
            accounts: vec![
                AccountVerifier {
                    login_id: "staff01".into(),
                    password_phc: phc("correct horse"),
                    venue_id: None,
                },
                AccountVerifier {
                    login_id: "clinic".into(),
                    password_phc: phc("clinic pw"),
                    venue_id: Some("v2".into()),
                },
            ],
            server_time: OffsetDateTime::now_utc(),
            config: DeviceConfig::default(),
        }
    }

    fn session(lifecycle: Option<Lifecycle>) -> (tempfile::TempDir, Session) {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("device.db")).unwrap();
        if let Some(l) = lifecycle {
            store.save_check_in(&check_in(l)).unwrap();
        }
        let identity = DeviceIdentity::new("VRS-0001", "490154203237518").unwrap();
        let files = IdentityFiles::new(dir.path());
        let pending = crate::identity::PendingEnrollment::new(identity.clone()).unwrap();
        files
            .save(&pending.complete("CERT".into(), "CA".into()))
            .unwrap();
        let session = Session::new(
            store,
            Arc::new(MasterList::embedded().clone()),
            identity,
            files,
        );
        (dir, session)
    }

    fn presets(venue: &str) -> PresetsInput {
        PresetsInput {
            date: Session::today().to_string(),
            venue_id: venue.into(),
            maker: "ファイザー".into(),
            lot: "FF0843".into(),
            doctor: "山田 太郎".into(),
        }
    }

    fn ticket(text: &str) -> Ticket {
        TicketRules::default()
            .parse(text, MasterList::embedded())
            .unwrap()
    }

    #[test]
    fn a_tablet_without_certificate_is_factory_and_refuses_login() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("device.db")).unwrap();
        store.save_check_in(&check_in(Lifecycle::Active)).unwrap();
        let mut s = Session::new(
            store,
            Arc::new(MasterList::embedded().clone()),
            DeviceIdentity::new("VRS-0001", "490154203237518").unwrap(),
            IdentityFiles::new(&dir.path().join("identity")),
        );
        assert_eq!(s.device().unwrap().lifecycle, Lifecycle::Factory);
        assert!(matches!(
            s.login("staff01", "correct horse"),
            Err(SessionError::NotEnrolled)
        ));
    }

    #[test]
    fn login_is_refused_until_active() {
        let (_d, mut s) = session(None);
        assert_eq!(s.device().unwrap().lifecycle, Lifecycle::AwaitingActivation);
        assert!(matches!(
            s.login("staff01", "correct horse"),
            Err(SessionError::NotActivated)
        ));
        let (_d, mut s) = session(Some(Lifecycle::Locked));
        assert!(matches!(
            s.login("staff01", "correct horse"),
            Err(SessionError::Locked)
        ));
        let (_d, mut s) = session(Some(Lifecycle::Active));
        assert!(matches!(
            s.login("staff01", "wrong"),
            Err(SessionError::BadCredentials)
        ));
        s.login("staff01", "correct horse").unwrap();
        assert_eq!(s.operator(), Some("staff01"));
    }

    #[test]
    fn repeated_failures_pause_the_login() {
        let (_d, mut s) = session(Some(Lifecycle::Active));
        for _ in 0..MAX_FAILED_LOGINS {
            assert!(matches!(
                s.login("staff01", "nope"),
                Err(SessionError::BadCredentials)
            ));
        }
        assert!(matches!(
            s.login("staff01", "correct horse"),
            Err(SessionError::LoginPaused { .. })
        ));
    }

    #[test]
    fn register_commits_with_presets_and_warns_on_second_time() {
        let (_d, mut s) = session(Some(Lifecycle::Active));
        let t = ticket("121310160000012345");
        assert!(matches!(
            s.register(&t, Outcome::Vaccinated),
            Err(SessionError::NotLoggedIn)
        ));
        s.login("staff01", "correct horse").unwrap();
        assert!(matches!(
            s.register(&t, Outcome::Vaccinated),
            Err(SessionError::NoPresets)
        ));
        s.set_presets(&presets("v1")).unwrap();
        let review = s.review(&t).unwrap();
        assert_eq!(review.municipality_name, "東京都 千代田区");
        assert!(review.prior.is_none());
        let record = s.register(&t, Outcome::Vaccinated).unwrap();
        assert_eq!(record.venue, "千代田区役所");
        assert_eq!(record.lot, "FF0843");
        assert_eq!(record.operator, "staff01");
        assert_eq!(s.day_count().unwrap(), 1);
        assert_eq!(s.outbox().unwrap().pending, 1);
        let again = s.review(&t).unwrap();
        assert_eq!(again.prior.unwrap().id, record.id);
    }

    #[test]
    fn screening_only_ticket_cannot_be_vaccinated() {
        let (_d, mut s) = session(Some(Lifecycle::Active));
        s.login("staff01", "correct horse").unwrap();
        s.set_presets(&presets("v1")).unwrap();
        let t = ticket("210110020000000001");
        assert!(!s.review(&t).unwrap().vaccinated_allowed);
        assert!(matches!(
            s.register(&t, Outcome::Vaccinated),
            Err(SessionError::ScreeningOnlyTicket)
        ));
        s.register(&t, Outcome::ScreeningOnly).unwrap();
    }

    #[test]
    fn presets_are_checked() {
        let (_d, mut s) = session(Some(Lifecycle::Active));
        s.login("clinic", "clinic pw").unwrap();
        assert_eq!(
            s.venues().unwrap().len(),
            1,
            "a clinic account sees only its venue"
        );
        assert!(matches!(
            s.set_presets(&presets("v1")),
            Err(SessionError::VenueNotAllowed(name)) if name == "神田クリニック"
        ));
        let mut p = presets("v2");
        p.date = "2999-01-01".into();
        assert!(matches!(
            s.set_presets(&p),
            Err(SessionError::FutureDate(_))
        ));
        p.date = "01/06/2021".into();
        assert!(matches!(
            s.set_presets(&p),
            Err(SessionError::DateFormat(_))
        ));
        let mut p = presets("v2");
        p.maker = "不明".into();
        assert!(matches!(s.set_presets(&p), Err(SessionError::UnknownMaker)));
        let mut p = presets("v2");
        p.lot = "L".repeat(21);
        assert!(matches!(
            s.set_presets(&p),
            Err(SessionError::Field(RecordError::TooLong { .. }))
        ));
        let mut p = presets("v2");
        p.date = "2021-06-01".into();
        assert_eq!(
            s.set_presets(&p).unwrap().date,
            time::macros::date!(2021 - 06 - 01)
        );
    }
}
