//! The modem thread: connect, initialise, poll, serve operator requests, recover.

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{self, RecvTimeoutError, TryRecvError};
use std::time::{Duration, Instant};

use super::engine::{Engine, EngineError, Response};
use super::parse::{self, CmeError};
use super::port::Port;
use super::recovery::{Ladder, RecoveryStage, Step};
use super::status::{DataBearer, Registration, SimState};
use super::{ModemConfig, ModemError, Request, SharedStatus, candidates, lock, quectel};

/// The link to the modem is gone or mute: the poll cannot go on.
#[derive(Debug)]
enum LinkFailure {
    /// The port failed (hang-up, device removed).
    Io(String),
    /// Timeouts, a retry and `AT` probes all went unanswered.
    Unresponsive,
    /// The modem was deliberately rebooted; the port is already closed.
    Rebooting,
    /// The thread is asked to stop.
    Stopped,
}

/// Either the command's own outcome, or a link failure that ends the poll.
type Exec = Result<Result<Response, EngineError>, LinkFailure>;

pub(super) struct Worker {
    config: ModemConfig,
    shared: SharedStatus,
    requests: mpsc::Receiver<Request>,
    stop: Arc<AtomicBool>,
    engine: Option<Engine>,
    /// A port that opened but did not answer `AT`; kept to send a blind reset on.
    silent: Option<Engine>,
    ladder: Ladder,
    status: super::ModemStatus,
    grace_until: Option<Instant>,
    unreachable_since: Option<Instant>,
    config_pin_tried: bool,
    needs_init: bool,
    poll_now: bool,
    data_prepared: bool,
    next_dial: Option<Instant>,
}

impl Worker {
    pub(super) fn new(
        config: ModemConfig,
        shared: SharedStatus,
        requests: mpsc::Receiver<Request>,
        stop: Arc<AtomicBool>,
    ) -> Self {
        let status = lock(&shared).clone();
        Worker {
            ladder: Ladder::new(config.recovery.clone()),
            config,
            shared,
            requests,
            stop,
            engine: None,
            silent: None,
            status,
            grace_until: None,
            unreachable_since: None,
            config_pin_tried: false,
            needs_init: false,
            poll_now: false,
            data_prepared: false,
            next_dial: None,
        }
    }

    fn stopping(&self) -> bool {
        self.stop.load(Ordering::SeqCst)
    }

    pub(super) fn run(mut self) {
        log::info!("modem: starting on {}", self.config.port.display());
        while !self.stopping() {
            if self.engine.is_none() {
                if let Err(why) = self.connect() {
                    self.on_unreachable(why);
                    self.publish();
                    self.idle(self.config.timing.reopen_interval);
                    continue;
                }
                self.publish();
            }
            match self.poll() {
                Ok(()) => {
                    self.status.polls += 1;
                    if self.ladder.status.stage != RecoveryStage::Healthy {
                        self.ladder.note_healthy();
                    }
                }
                Err(LinkFailure::Stopped) => break,
                Err(failure) => self.on_link_failure(failure),
            }
            self.publish();
            if self.engine.is_some() {
                self.idle(self.config.poll_interval);
            }
        }
        self.engine = None;
        self.silent = None;
        self.status.port_open = false;
        self.publish();
        log::info!("modem: stopped");
    }

    fn publish(&mut self) {
        self.status.recovery = self.ladder.status.clone();
        *lock(&self.shared) = self.status.clone();
    }

    // ----- connection -------------------------------------------------------------------

    /// Opens the configured port or a candidate and syncs with `AT`.
    fn connect(&mut self) -> Result<(), String> {
        self.silent = None;
        let mut paths: Vec<PathBuf> = vec![self.config.port.clone()];
        for p in candidates::expand(&self.config.reopen_candidates) {
            if !paths.contains(&p) {
                paths.push(p);
            }
        }
        let mut why = String::from("no port to open");
        for path in paths {
            let port = match Port::open(&path) {
                Ok(p) => p,
                Err(e) => {
                    log::debug!("modem: {e}");
                    why = e.to_string();
                    continue;
                }
            };
            let mut engine = Engine::new(port).with_abort(Arc::clone(&self.stop));
            if self.sync(&mut engine) {
                log::info!("modem: connected on {}", path.display());
                self.engine = Some(engine);
                self.status.port_open = true;
                self.status.port = Some(path);
                self.status.last_error = None;
                self.unreachable_since = None;
                self.grace_until = None;
                self.ladder.status.connects += 1;
                self.ladder.note_healthy();
                self.needs_init = true;
                return Ok(());
            }
            why = format!("{}: no answer to AT", path.display());
            if self.silent.is_none() {
                self.silent = Some(engine);
            }
        }
        self.ladder.status.failed_connects += 1;
        Err(why)
    }

    /// `AT` until answered (any final result code means alive).
    fn sync(&self, engine: &mut Engine) -> bool {
        let policy = self.ladder.policy();
        for _ in 0..policy.probe_attempts.max(1) {
            match engine.run("AT", policy.probe_timeout) {
                Ok(_)
                | Err(EngineError::Error { .. })
                | Err(EngineError::Cme { .. })
                | Err(EngineError::Cms { .. })
                | Err(EngineError::Other { .. }) => return true,
                Err(EngineError::Timeout { .. }) => {
                    if engine.drain(Duration::from_millis(100)).is_err() {
                        return false;
                    }
                }
                Err(EngineError::Io(_)) | Err(EngineError::Aborted) => return false,
            }
        }
        false
    }

    /// The init sequence on every (re)connect and after the modem rebooted by itself.
    fn init(&mut self) -> Result<(), LinkFailure> {
        for cmd in quectel::INIT {
            if let Err(e) = self.exec(cmd, self.config.timing.command)? {
                log::warn!("modem: init: {e}");
            }
        }
        if let Ok(r) = self.exec("AT+CGSN", self.config.timing.command)? {
            match r.find(parse::imei) {
                Some(imei) => self.status.imei = Some(imei),
                None => log::warn!("modem: AT+CGSN gave no valid IMEI: {:?}", r.lines),
            }
        }
        self.needs_init = false;
        self.data_prepared = false;
        self.next_dial = None;
        Ok(())
    }

    fn on_unreachable(&mut self, why: String) {
        let now = Instant::now();
        if self.status.last_error.as_deref() != Some(why.as_str()) {
            log::warn!("modem: {why}");
        }
        self.mark_closed(why);
        let since = *self.unreachable_since.get_or_insert(now);
        if self.grace_until.is_some_and(|g| now < g) {
            return;
        }
        // A port that is missing or mute gets `settle_time` (a booting modem needs a few
        // seconds) before the ladder climbs.
        if now.duration_since(since) >= self.ladder.policy().settle_time {
            self.escalate();
        } else if self.ladder.status.stage != RecoveryStage::HoldingOff {
            self.ladder.status.stage = RecoveryStage::WaitingForModem;
        }
    }

    fn on_link_failure(&mut self, failure: LinkFailure) {
        match failure {
            LinkFailure::Io(why) => {
                log::warn!("modem: port lost: {why}");
                self.engine = None;
                self.mark_closed(format!("port lost: {why}"));
                self.unreachable_since = Some(Instant::now());
                self.ladder.status.stage = RecoveryStage::WaitingForModem;
            }
            LinkFailure::Unresponsive => {
                log::warn!("modem: not answering");
                self.silent = self.engine.take();
                self.mark_closed("modem not answering".to_string());
                self.unreachable_since = Some(Instant::now());
                self.escalate();
            }
            LinkFailure::Rebooting | LinkFailure::Stopped => {}
        }
    }

    /// Port closed: forget what only a live modem can vouch for.
    fn mark_closed(&mut self, why: String) {
        self.status.port_open = false;
        self.status.last_error = Some(why);
        self.status.registration = Registration::Unknown;
        self.clear_radio();
        self.status.data = DataBearer::Unknown;
    }

    fn clear_radio(&mut self) {
        self.status.operator = None;
        self.status.access_tech = None;
        self.status.rssi_dbm = None;
        self.status.rsrp_dbm = None;
        self.status.rsrq_db = None;
        self.status.sinr_db = None;
        self.status.tac = None;
        self.status.cell_id = None;
    }

    /// The next rung of the ladder, as the rate limits allow.
    fn escalate(&mut self) {
        let now = Instant::now();
        let has_port = self.silent.is_some();
        let step = self
            .ladder
            .next_step(now, has_port, self.config.power_cycle.is_some());
        let settle = self.ladder.policy().settle_time;
        match step {
            Step::Reset => {
                log::warn!("modem: resetting with {}", quectel::RESET);
                if let Some(mut engine) = self.silent.take() {
                    let timeout = self.ladder.policy().probe_timeout;
                    if let Err(e) = engine.run(quectel::RESET, timeout) {
                        log::debug!("modem: reset: {e}");
                    }
                }
                self.ladder.note_reset(now);
                self.grace_until = Some(now + settle);
            }
            Step::PowerCycle => {
                // Close the port first: the device node goes away with the power.
                self.silent = None;
                self.engine = None;
                log::warn!("modem: power-cycling");
                if let Some(hook) = &self.config.power_cycle
                    && let Err(e) = hook()
                {
                    log::error!("modem: power cycle failed: {e}");
                    self.status.last_error = Some(format!("power cycle failed: {e}"));
                }
                self.ladder.note_power_cycle(now);
                self.grace_until = Some(now + settle);
            }
            Step::HoldOff => {
                if self.ladder.status.stage != RecoveryStage::HoldingOff {
                    log::warn!(
                        "modem: still not answering; no recovery step allowed yet, holding off"
                    );
                }
                self.silent = None;
                self.ladder.status.stage = RecoveryStage::HoldingOff;
            }
        }
        self.unreachable_since = Some(now);
    }

    // ----- commands ---------------------------------------------------------------------

    /// Runs a command; a timeout is retried once, then the modem is probed with `AT`.
    fn exec(&mut self, command: &str, timeout: Duration) -> Exec {
        self.exec_with(command, timeout, true)
    }

    fn exec_with(&mut self, command: &str, timeout: Duration, retry: bool) -> Exec {
        let attempts = if retry { 2 } else { 1 };
        let mut last = None;
        for _ in 0..attempts {
            let engine = self
                .engine
                .as_mut()
                .ok_or_else(|| LinkFailure::Io("port not open".into()))?;
            match engine.run(command, timeout) {
                Err(e @ EngineError::Timeout { .. }) => {
                    log::warn!("modem: {e}");
                    self.ladder.status.timeouts += 1;
                    self.drain()?;
                    last = Some(e);
                }
                other => return Self::sort(other),
            }
        }
        // Still nothing: is the modem alive at all?
        self.ladder.status.stage = RecoveryStage::Probing;
        let probe_timeout = self.ladder.policy().probe_timeout;
        for _ in 0..self.ladder.policy().probe_attempts.max(1) {
            let engine = self
                .engine
                .as_mut()
                .ok_or_else(|| LinkFailure::Io("port not open".into()))?;
            match engine.run("AT", probe_timeout) {
                Err(EngineError::Timeout { .. }) => self.drain()?,
                Err(EngineError::Io(e)) => return Err(LinkFailure::Io(e.to_string())),
                Err(EngineError::Aborted) => return Err(LinkFailure::Stopped),
                _ => {
                    log::info!("modem: answers AT again");
                    self.ladder.status.stage = RecoveryStage::Healthy;
                    return Ok(Err(last.unwrap_or(EngineError::Aborted)));
                }
            }
        }
        self.ladder.status.failed_probes += 1;
        Err(LinkFailure::Unresponsive)
    }

    fn sort(result: Result<Response, EngineError>) -> Exec {
        match result {
            Err(EngineError::Io(e)) => Err(LinkFailure::Io(e.to_string())),
            Err(EngineError::Aborted) => Err(LinkFailure::Stopped),
            other => Ok(other),
        }
    }

    fn drain(&mut self) -> Result<(), LinkFailure> {
        let Some(engine) = self.engine.as_mut() else {
            return Ok(());
        };
        match engine.drain(Duration::from_millis(200)) {
            Ok(()) => Ok(()),
            Err(EngineError::Io(e)) => Err(LinkFailure::Io(e.to_string())),
            Err(_) => Err(LinkFailure::Stopped),
        }
    }

    // ----- the poll ---------------------------------------------------------------------

    fn poll(&mut self) -> Result<(), LinkFailure> {
        if self.needs_init {
            self.init()?;
        }
        self.apply_urcs();
        let timeout = self.config.timing.command;
        self.read_sim()?;
        if self.status.sim != SimState::Ready {
            self.status.registration = Registration::Unknown;
            self.clear_radio();
            self.status.data = DataBearer::Unknown;
            self.apply_urcs();
            return Ok(());
        }
        if self.status.iccid.is_none()
            && let Ok(r) = self.exec(quectel::ICCID, timeout)?
        {
            self.status.iccid = r.find(parse::qccid);
        }
        match self.exec("AT+CEREG?", timeout)? {
            Ok(r) => match r.find(parse::cereg) {
                Some(c) => self.apply_cereg(c),
                None => log::warn!("modem: unexpected +CEREG answer {:?}", r.lines),
            },
            Err(e) => log::warn!("modem: {e}"),
        }
        if self.status.registration.is_registered() {
            if let Ok(r) = self.exec("AT+COPS?", timeout)?
                && let Some((operator, act)) = r.find(parse::cops)
            {
                self.status.operator = operator;
                if act.is_some() {
                    self.status.access_tech = act;
                }
            }
        } else {
            self.status.operator = None;
        }
        if let Ok(r) = self.exec("AT+CSQ", timeout)? {
            self.status.rssi_dbm = r.find(parse::csq);
        }
        if let Ok(r) = self.exec(quectel::SIGNAL, timeout)? {
            let lte = r.find(parse::qcsq).flatten();
            self.status.rsrp_dbm = lte.map(|s| s.rsrp_dbm);
            self.status.rsrq_db = lte.map(|s| s.rsrq_db);
            self.status.sinr_db = lte.map(|s| s.sinr_db);
        }
        if let Ok(r) = self.exec("AT+CCLK?", timeout)?
            && let Some(t) = r.find(parse::cclk)
        {
            self.status.network_time = Some(t);
        }
        self.data_bearer()?;
        self.apply_urcs();
        Ok(())
    }

    /// `AT+CPIN?` (+ PIN counters); tries the configured PIN once.
    fn read_sim(&mut self) -> Result<(), LinkFailure> {
        let timeout = self.config.timing.command;
        let sim = match self.exec("AT+CPIN?", timeout)? {
            Ok(r) => r.find(parse::cpin).unwrap_or(SimState::Unknown),
            Err(e) => match e.cme() {
                Some(cme) => parse::cpin_error(cme),
                None => {
                    log::warn!("modem: {e}");
                    SimState::Unknown
                }
            },
        };
        self.status.sim = sim;
        if matches!(self.status.sim, SimState::PinRequired { .. }) {
            self.read_pin_counters()?;
            if let Some(pin) = self.config.pin.clone()
                && !self.config_pin_tried
                && !self.status.pin_rejected
            {
                self.config_pin_tried = true;
                log::info!("modem: entering the configured SIM PIN (once)");
                match self.send_pin(&pin)? {
                    Ok(()) => return self.read_sim_again(),
                    Err(e) => log::warn!("modem: configured PIN: {e}"),
                }
            }
        }
        Ok(())
    }

    fn read_sim_again(&mut self) -> Result<(), LinkFailure> {
        match self.exec("AT+CPIN?", self.config.timing.command)? {
            Ok(r) => self.status.sim = r.find(parse::cpin).unwrap_or(SimState::Unknown),
            Err(e) => {
                if let Some(cme) = e.cme() {
                    self.status.sim = parse::cpin_error(cme);
                }
            }
        }
        Ok(())
    }

    fn read_pin_counters(&mut self) -> Result<(), LinkFailure> {
        if let Ok(r) = self.exec(quectel::PIN_COUNTERS, self.config.timing.command)?
            && let Some((pin_left, _)) = r.find(parse::qpinc_sc)
        {
            self.status.sim = if pin_left == 0 {
                SimState::PukRequired
            } else {
                SimState::PinRequired {
                    attempts_left: Some(pin_left),
                }
            };
        }
        Ok(())
    }

    /// Sends a PIN exactly once (no retry, even on timeout).
    fn send_pin(&mut self, pin: &str) -> Result<Result<(), ModemError>, LinkFailure> {
        let Some(command) = quectel::enter_pin(pin) else {
            return Ok(Err(ModemError::InvalidPin));
        };
        match self.exec_with(&command, self.config.timing.pin, false)? {
            Ok(_) => {
                log::info!("modem: SIM PIN accepted");
                self.status.pin_rejected = false;
                self.status.last_error = None;
                self.poll_now = true;
                Ok(Ok(()))
            }
            Err(e) => {
                let rejected = e.cme().is_some_and(|c| {
                    c.is(CmeError::INCORRECT_PASSWORD) || c.is(CmeError::SIM_PUK_REQUIRED)
                });
                if !rejected {
                    self.status.last_error = Some(e.to_string());
                    return Ok(Err(ModemError::Modem(e.to_string())));
                }
                log::warn!("modem: SIM PIN rejected; it will not be retried");
                self.status.pin_rejected = true;
                self.status.last_error = Some("SIM PIN rejected".into());
                self.read_pin_counters()?;
                Ok(Err(match self.status.sim {
                    SimState::PukRequired => ModemError::PukRequired,
                    SimState::PinRequired { attempts_left } => {
                        ModemError::WrongPin { attempts_left }
                    }
                    _ => ModemError::WrongPin {
                        attempts_left: None,
                    },
                }))
            }
        }
    }

    fn apply_cereg(&mut self, c: parse::Cereg) {
        if c.registration != self.status.registration {
            log::info!(
                "modem: registration {:?} -> {:?}",
                self.status.registration,
                c.registration
            );
        }
        self.status.registration = c.registration;
        if c.registration.is_registered() {
            if c.tac.is_some() {
                self.status.tac = c.tac;
                self.status.cell_id = c.cell_id;
            }
            if c.access_tech.is_some() {
                self.status.access_tech = c.access_tech;
            }
        } else {
            self.clear_radio();
            if self.status.data != DataBearer::Unknown {
                self.status.data = DataBearer::Disconnected;
            }
        }
    }

    /// ECM data bearer: `usbnet` mode, PDP context from the configured APN, the data call.
    fn data_bearer(&mut self) -> Result<(), LinkFailure> {
        if !self.status.registration.is_registered() {
            self.status.data = DataBearer::Disconnected;
            return Ok(());
        }
        let timeout = self.config.timing.command;
        if !self.data_prepared && self.config.manage_data {
            if let Ok(r) = self.exec(quectel::USBNET_QUERY, timeout)?
                && let Some(mode) = r.find(parse::qcfg_usbnet)
                && mode != quectel::USBNET_ECM
            {
                log::warn!("modem: usbnet mode {mode}, switching to ECM (applies after reboot)");
                if let Err(e) = self.exec(quectel::USBNET_SET_ECM, timeout)? {
                    self.status.last_error = Some(e.to_string());
                    return Ok(());
                }
                self.status.data = DataBearer::NeedsReboot { usbnet: mode };
                if self.ladder.may_reset(Instant::now()) {
                    log::warn!("modem: rebooting the modem to apply usbnet");
                    self.silent = self.engine.take();
                    self.mark_closed("rebooting the modem to apply usbnet".into());
                    self.status.data = DataBearer::NeedsReboot { usbnet: mode };
                    self.escalate();
                    return Err(LinkFailure::Rebooting);
                }
                return Ok(());
            }
            if !self.config.apn.is_empty() {
                self.define_context()?;
            }
            self.data_prepared = true;
        }
        let state = match self.exec(quectel::DATA_CALL_QUERY, timeout)? {
            Ok(r) => r.find(parse::qnetdevctl),
            Err(e) => {
                log::warn!("modem: {e}");
                None
            }
        };
        match state {
            Some(s) if s.connected => {
                if self.status.data != DataBearer::Connected {
                    log::info!("modem: data call up");
                }
                self.status.data = DataBearer::Connected;
            }
            _ if !self.config.manage_data => self.status.data = DataBearer::Disconnected,
            _ => self.dial()?,
        }
        Ok(())
    }

    fn define_context(&mut self) -> Result<(), LinkFailure> {
        let timeout = self.config.timing.command;
        let Some(set) = quectel::define_context(&self.config.apn) else {
            log::error!("modem: configured APN {:?} is not valid", self.config.apn);
            self.status.last_error = Some(format!("invalid APN {:?}", self.config.apn));
            return Ok(());
        };
        let current = match self.exec("AT+CGDCONT?", timeout)? {
            Ok(r) => r
                .lines
                .iter()
                .filter_map(|l| parse::cgdcont(l))
                .find(|c| c.cid == quectel::DATA_CID),
            Err(_) => None,
        };
        let up_to_date = current
            .is_some_and(|c| c.pdp_type == "IP" && c.apn.eq_ignore_ascii_case(&self.config.apn));
        if !up_to_date {
            log::info!("modem: setting APN {:?}", self.config.apn);
            if let Err(e) = self.exec(&set, timeout)? {
                log::warn!("modem: {e}");
                self.status.last_error = Some(e.to_string());
            }
        }
        Ok(())
    }

    fn dial(&mut self) -> Result<(), LinkFailure> {
        let now = Instant::now();
        if self.next_dial.is_some_and(|t| now < t) {
            if self.status.data != DataBearer::Connecting {
                self.status.data = DataBearer::Disconnected;
            }
            return Ok(());
        }
        self.next_dial = Some(now + self.config.timing.dial_interval);
        log::info!("modem: bringing the data call up");
        match self.exec(quectel::DATA_CALL_CONNECT, self.config.timing.data_call)? {
            Ok(_) => self.status.data = DataBearer::Connecting,
            Err(e) => {
                log::warn!("modem: {e}");
                self.status.last_error = Some(e.to_string());
                self.status.data = DataBearer::Disconnected;
            }
        }
        // Ask again right away: the call is often up by now.
        if let Ok(r) = self.exec(quectel::DATA_CALL_QUERY, self.config.timing.command)?
            && r.find(parse::qnetdevctl).is_some_and(|s| s.connected)
        {
            self.status.data = DataBearer::Connected;
        }
        Ok(())
    }

    // ----- URCs and requests ------------------------------------------------------------

    fn apply_urcs(&mut self) {
        let urcs = match self.engine.as_mut() {
            Some(e) => e.take_urcs(),
            None => return,
        };
        for urc in urcs {
            if let Some(c) = parse::cereg(&urc) {
                let before = self.status.registration;
                self.apply_cereg(c);
                if before != self.status.registration {
                    self.poll_now = true;
                }
            } else if let Some(sim) = parse::cpin(&urc) {
                if sim != self.status.sim {
                    self.poll_now = true;
                }
                if !matches!(
                    (&sim, &self.status.sim),
                    (SimState::PinRequired { .. }, SimState::PinRequired { .. })
                ) {
                    self.status.sim = sim;
                }
            } else if urc.eq_ignore_ascii_case("RDY") {
                log::warn!("modem: the modem restarted; initialising again");
                self.needs_init = true;
                self.poll_now = true;
            } else {
                log::debug!("modem: ignoring URC {urc}");
            }
        }
    }

    /// Waits up to `wait` while listening for URCs and serving requests.
    fn idle(&mut self, wait: Duration) {
        let deadline = Instant::now() + wait;
        loop {
            if self.stopping() || self.poll_now {
                break;
            }
            let now = Instant::now();
            if now >= deadline {
                break;
            }
            let slice = (deadline - now).min(Duration::from_millis(50));
            if let Some(engine) = self.engine.as_mut() {
                match engine.listen(slice) {
                    Ok(()) => {
                        if engine_has_urcs(engine) {
                            self.apply_urcs();
                            self.publish();
                        }
                    }
                    Err(EngineError::Io(e)) => {
                        self.on_link_failure(LinkFailure::Io(e.to_string()));
                        self.publish();
                        break;
                    }
                    Err(_) => break,
                }
                match self.requests.try_recv() {
                    Ok(req) => self.serve(req),
                    Err(TryRecvError::Empty) => {}
                    Err(TryRecvError::Disconnected) => self.stop.store(true, Ordering::SeqCst),
                }
            } else {
                match self.requests.recv_timeout(slice) {
                    Ok(req) => self.serve(req),
                    Err(RecvTimeoutError::Timeout) => {}
                    Err(RecvTimeoutError::Disconnected) => self.stop.store(true, Ordering::SeqCst),
                }
            }
        }
        self.poll_now = false;
    }

    fn serve(&mut self, request: Request) {
        match request {
            Request::EnterPin { pin, reply } => {
                let result = self.operator_pin(&pin);
                self.publish();
                let _ = reply.send(result);
            }
        }
    }

    fn operator_pin(&mut self, pin: &str) -> Result<(), ModemError> {
        if !quectel::valid_pin(pin) {
            return Err(ModemError::InvalidPin);
        }
        if self.engine.is_none() {
            return Err(ModemError::NotConnected);
        }
        match self.status.sim {
            SimState::PinRequired { .. } => {}
            SimState::PukRequired => return Err(ModemError::PukRequired),
            _ => return Err(ModemError::PinNotRequired),
        }
        log::info!("modem: operator enters the SIM PIN");
        match self.send_pin(pin) {
            Ok(result) => result,
            Err(failure) => {
                self.on_link_failure(failure);
                Err(ModemError::NotConnected)
            }
        }
    }
}

fn engine_has_urcs(engine: &mut Engine) -> bool {
    engine.has_urcs()
}
