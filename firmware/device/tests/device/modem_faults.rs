//! The real modem engine over a real pty against the EC25 simulator, one scripted fault per
//! test. Waits are bounded by a generous deadline (a hang guard, not a speed requirement).

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant};

use vrs_device::modem::{
    DataBearer, Modem, ModemConfig, ModemError, ModemStatus, RecoveryPolicy, RecoveryStage,
    Registration, SimState, Timing,
};
use vrs_modem_sim::{Fault, SimConfig, SimHandle, Simulator};

const DEADLINE: Duration = Duration::from_secs(40);
const APN: &str = "vrs.example.jp";

fn sim_config(dir: &Path) -> SimConfig {
    SimConfig {
        link: Some(dir.join("ec25-at")),
        enumeration_dir: Some(dir.to_path_buf()),
        boot_time: Duration::from_millis(100),
        register_delay: Duration::from_millis(100),
        reenumeration_gap: Duration::from_millis(100),
        ..SimConfig::default()
    }
}

fn modem_config(port: PathBuf) -> ModemConfig {
    let mut c = ModemConfig::new(port, APN);
    c.poll_interval = Duration::from_millis(200);
    c.timing = Timing {
        command: Duration::from_secs(3),
        pin: Duration::from_secs(3),
        data_call: Duration::from_secs(3),
        reopen_interval: Duration::from_millis(100),
        dial_interval: Duration::from_millis(500),
    };
    c.recovery = RecoveryPolicy {
        probe_attempts: 2,
        probe_timeout: Duration::from_secs(1),
        settle_time: Duration::from_secs(1),
        allow_reset: true,
        min_reset_interval: Duration::from_secs(3600),
        min_power_cycle_interval: Duration::from_secs(3600),
    };
    c
}

fn wait_for(modem: &Modem, what: &str, cond: impl Fn(&ModemStatus) -> bool) -> ModemStatus {
    let end = Instant::now() + DEADLINE;
    loop {
        let s = modem.status();
        if cond(&s) {
            return s;
        }
        assert!(
            Instant::now() < end,
            "gave up waiting for {what}; last status: {s:#?}"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// Waits for `n` more completed polls.
fn more_polls(modem: &Modem, n: u64) -> ModemStatus {
    let start = modem.status().polls;
    wait_for(modem, "more polls", |s| s.polls >= start + n)
}

fn healthy(s: &ModemStatus) -> bool {
    s.port_open && s.registration == Registration::Home && s.data_up()
}

fn count(sim: &SimHandle, pred: impl Fn(&str) -> bool) -> usize {
    sim.commands().iter().filter(|c| pred(c)).count()
}

fn cfun_resets(sim: &SimHandle) -> usize {
    count(sim, |c| c.eq_ignore_ascii_case("AT+CFUN=1,1"))
}

fn start(config: SimConfig) -> SimHandle {
    Simulator::start(config).expect("simulator starts")
}

#[test]
fn healthy_modem_reports_everything_and_brings_data_up() {
    let dir = tempfile::tempdir().unwrap();
    let sim = start(sim_config(dir.path()));
    let modem = Modem::spawn(modem_config(dir.path().join("ec25-at"))).unwrap();
    let s = wait_for(&modem, "registered with data", |s| {
        healthy(s) && s.iccid.is_some()
    });

    assert_eq!(s.sim, SimState::Ready);
    assert_eq!(s.imei.as_deref(), Some("866758041234564"));
    assert_eq!(s.iccid.as_deref(), Some("8981100022152367890"));
    assert_eq!(s.operator.as_deref(), Some("NTT DOCOMO"));
    assert_eq!(s.rssi_dbm, Some(-69));
    assert_eq!(s.rsrp_dbm, Some(-92));
    assert_eq!(s.sinr_db, Some(13.0));
    assert_eq!(s.tac.as_deref(), Some("1A2B"));
    assert_eq!(s.signal_bars(), 3);
    assert_eq!(s.summary_ja(), "NTT DOCOMO 4G ▂▄▆▁");
    let h = s.heartbeat();
    assert!(h.registered);
    assert_eq!(h.signal_dbm, Some(-92));
    let t = wait_for(&modem, "network time", |s| s.network_time.is_some())
        .network_time
        .unwrap();
    assert_eq!(t.offset().whole_seconds(), 9 * 3600);

    let cmds = sim.commands();
    // The pty is raw: the simulator never receives its own output back as input.
    assert!(cmds.iter().all(|c| c.starts_with("AT")), "{cmds:?}");
    let pos = |c: &str| {
        cmds.iter()
            .position(|x| x == c)
            .unwrap_or_else(|| panic!("{c} sent"))
    };
    assert!(pos("AT") < pos("ATE0"));
    assert!(pos("ATE0") < pos("AT+CMEE=2"));
    assert!(pos("AT+CMEE=2") < pos("AT+CEREG=2"));
    assert!(pos("AT+CEREG=2") < pos("AT+CTZU=3"));
    assert!(cmds.contains(&format!("AT+CGDCONT=1,\"IP\",\"{APN}\"")));
    assert_eq!(cfun_resets(&sim), 0);
    assert_eq!(s.recovery.stage, RecoveryStage::Healthy);
}

#[test]
fn no_sim_is_a_state_not_a_retry_storm() {
    let dir = tempfile::tempdir().unwrap();
    let sim = start(SimConfig {
        fault: Fault::NoSim,
        ..sim_config(dir.path())
    });
    let modem = Modem::spawn(modem_config(dir.path().join("ec25-at"))).unwrap();
    wait_for(&modem, "no SIM", |s| s.sim == SimState::Missing);
    let s = more_polls(&modem, 3);
    assert_eq!(s.sim, SimState::Missing);
    assert_eq!(s.summary_ja(), "SIMカードが見つかりません");
    assert!(!s.is_registered());
    assert_eq!(s.recovery.resets, 0);
    assert_eq!(cfun_resets(&sim), 0);
    // One AT+CPIN? per poll, nothing more insistent.
    let polls = s.polls as usize;
    assert!(count(&sim, |c| c == "AT+CPIN?") <= polls + 2);

    sim.set_fault(Fault::None);
    wait_for(&modem, "SIM inserted and registered", healthy);
}

#[test]
fn wrong_pin_is_reported_and_never_retried() {
    let dir = tempfile::tempdir().unwrap();
    let sim = start(SimConfig {
        fault: Fault::PinLocked,
        ..sim_config(dir.path())
    });
    let modem = Modem::spawn(modem_config(dir.path().join("ec25-at"))).unwrap();
    let s = wait_for(&modem, "PIN required", |s| {
        matches!(
            s.sim,
            SimState::PinRequired {
                attempts_left: Some(3)
            }
        )
    });
    assert_eq!(s.summary_ja(), "SIMのPINを入力してください");

    assert_eq!(modem.enter_pin("12"), Err(ModemError::InvalidPin));
    assert_eq!(
        modem.enter_pin("0000"),
        Err(ModemError::WrongPin {
            attempts_left: Some(2)
        })
    );
    let s = more_polls(&modem, 4);
    assert!(s.pin_rejected);
    assert_eq!(
        s.sim,
        SimState::PinRequired {
            attempts_left: Some(2)
        }
    );
    assert_eq!(s.summary_ja(), "SIMのPINが違います（残り2回）");
    assert_eq!(
        count(&sim, |c| c.starts_with("AT+CPIN=")),
        1,
        "PIN sent once"
    );

    modem.enter_pin("1234").expect("right PIN accepted");
    wait_for(&modem, "registered after PIN", healthy);
    assert!(!modem.status().pin_rejected);
    assert_eq!(count(&sim, |c| c.starts_with("AT+CPIN=")), 2);
}

#[test]
fn configured_pin_is_tried_at_most_once() {
    let dir = tempfile::tempdir().unwrap();
    let sim = start(SimConfig {
        fault: Fault::PinLocked,
        ..sim_config(dir.path())
    });
    let mut config = modem_config(dir.path().join("ec25-at"));
    config.pin = Some("9999".into());
    let modem = Modem::spawn(config).unwrap();
    wait_for(&modem, "configured PIN rejected", |s| s.pin_rejected);
    let s = more_polls(&modem, 4);
    assert_eq!(
        s.sim,
        SimState::PinRequired {
            attempts_left: Some(2)
        }
    );
    assert_eq!(count(&sim, |c| c.starts_with("AT+CPIN=")), 1);
}

#[test]
fn configured_right_pin_unlocks() {
    let dir = tempfile::tempdir().unwrap();
    let _sim = start(SimConfig {
        fault: Fault::PinLocked,
        ..sim_config(dir.path())
    });
    let mut config = modem_config(dir.path().join("ec25-at"));
    config.pin = Some("1234".into());
    let modem = Modem::spawn(config).unwrap();
    wait_for(&modem, "registered", healthy);
}

#[test]
fn no_signal_is_a_state() {
    let dir = tempfile::tempdir().unwrap();
    let sim = start(sim_config(dir.path()));
    let modem = Modem::spawn(modem_config(dir.path().join("ec25-at"))).unwrap();
    wait_for(&modem, "registered", healthy);
    sim.set_fault(Fault::NoSignal);
    let s = wait_for(&modem, "searching", |s| {
        s.registration == Registration::Searching
    });
    assert_eq!(s.signal_bars(), 0);
    assert!(!s.data_up());
    let s = more_polls(&modem, 3);
    assert_eq!(s.registration, Registration::Searching);
    assert_eq!(s.rssi_dbm, None);
    assert_eq!(s.rsrp_dbm, None);
    assert_eq!(s.summary_ja(), "圏外（電波を探しています）");
    assert_eq!(s.recovery.resets, 0);
    sim.set_fault(Fault::None);
    wait_for(&modem, "registered again", healthy);
    assert_eq!(cfun_resets(&sim), 0);
}

/// A line fault must not change any reported value nor cost a timeout.
fn survives_line_fault(fault: Fault) {
    let dir = tempfile::tempdir().unwrap();
    let sim = start(SimConfig {
        fault,
        ..sim_config(dir.path())
    });
    let modem = Modem::spawn(modem_config(dir.path().join("ec25-at"))).unwrap();
    wait_for(&modem, "registered", |s| healthy(s) && s.iccid.is_some());
    let s = more_polls(&modem, 3);
    assert!(healthy(&s), "{s:#?}");
    assert_eq!(s.imei.as_deref(), Some("866758041234564"));
    assert_eq!(s.iccid.as_deref(), Some("8981100022152367890"));
    assert_eq!(s.operator.as_deref(), Some("NTT DOCOMO"));
    assert_eq!(s.rssi_dbm, Some(-69));
    assert_eq!(s.rsrp_dbm, Some(-92));
    assert_eq!(s.tac.as_deref(), Some("1A2B"));
    assert_eq!(s.recovery.timeouts, 0, "{s:#?}");
    assert_eq!(sim.fault(), fault);
    assert_eq!(cfun_resets(&sim), 0);
}

#[test]
fn garbage_between_lines() {
    survives_line_fault(Fault::Garbage);
}

#[test]
fn byte_at_a_time_output() {
    survives_line_fault(Fault::ByteAtATime);
}

#[test]
fn urc_inside_a_response() {
    survives_line_fault(Fault::UrcInResponse);
}

#[test]
fn one_off_hang_is_recovered_without_reset() {
    let dir = tempfile::tempdir().unwrap();
    let sim = start(sim_config(dir.path()));
    let modem = Modem::spawn(modem_config(dir.path().join("ec25-at"))).unwrap();
    wait_for(&modem, "registered", healthy);
    sim.set_fault(Fault::HangOnce);
    wait_for(&modem, "a timeout", |s| s.recovery.timeouts >= 1);
    let s = more_polls(&modem, 3);
    assert!(healthy(&s), "{s:#?}");
    assert_eq!(s.recovery.resets, 0);
    assert_eq!(s.recovery.power_cycles, 0);
    assert_eq!(s.recovery.stage, RecoveryStage::Healthy);
    assert_eq!(sim.stats().ignored, 1);
    assert_eq!(sim.stats().resets, 0);
    assert_eq!(cfun_resets(&sim), 0);
}

fn counting_hook(
    calls: &Arc<AtomicU32>,
    sim: Option<&SimHandle>,
) -> vrs_device::modem::PowerCycleHook {
    let calls = Arc::clone(calls);
    let switch = sim.map(SimHandle::power_switch);
    Box::new(move || {
        calls.fetch_add(1, Ordering::SeqCst);
        if let Some(s) = &switch {
            s.power_cycle();
        }
        Ok(())
    })
}

#[test]
fn wedged_modem_is_revived_only_by_the_power_cycle() {
    let dir = tempfile::tempdir().unwrap();
    let sim = start(sim_config(dir.path()));
    let calls = Arc::new(AtomicU32::new(0));
    let mut config = modem_config(dir.path().join("ec25-at"));
    config.power_cycle = Some(counting_hook(&calls, Some(&sim)));
    let modem = Modem::spawn(config).unwrap();
    wait_for(&modem, "registered", healthy);

    sim.set_fault(Fault::Wedged);
    wait_for(&modem, "power cycle", |s| s.recovery.power_cycles >= 1);
    let s = wait_for(&modem, "registered after power cycle", healthy);
    assert_eq!(calls.load(Ordering::SeqCst), 1);
    assert_eq!(s.recovery.power_cycles, 1);
    assert_eq!(s.recovery.resets, 1, "a reset was tried first");
    assert_eq!(cfun_resets(&sim), 1);
    assert_eq!(sim.stats().resets, 0, "the wedged modem ignored the reset");
    assert_eq!(sim.stats().power_cycles, 1);
}

#[test]
fn recovery_is_rate_limited() {
    let dir = tempfile::tempdir().unwrap();
    let sim = start(sim_config(dir.path()));
    let calls = Arc::new(AtomicU32::new(0));
    let mut config = modem_config(dir.path().join("ec25-at"));
    // This hook does not help: the modem stays wedged.
    config.power_cycle = Some(counting_hook(&calls, None));
    let modem = Modem::spawn(config).unwrap();
    wait_for(&modem, "registered", healthy);

    sim.set_fault(Fault::Wedged);
    let s = wait_for(&modem, "holding off", |s| {
        s.recovery.stage == RecoveryStage::HoldingOff
    });
    let failed = s.recovery.failed_connects;
    let s = wait_for(&modem, "more reconnect attempts", |s| {
        s.recovery.failed_connects >= failed + 5
    });
    assert!(!s.port_open);
    assert_eq!(s.recovery.stage, RecoveryStage::HoldingOff);
    assert_eq!(
        calls.load(Ordering::SeqCst),
        1,
        "one power cycle per interval"
    );
    assert_eq!(s.recovery.power_cycles, 1);
    assert_eq!(s.recovery.resets, 1, "one reset per interval");
    assert_eq!(cfun_resets(&sim), 1);

    // While holding off it keeps listening: a modem that comes back is picked up.
    sim.power_cycle();
    wait_for(&modem, "registered after manual power cycle", healthy);
    assert_eq!(calls.load(Ordering::SeqCst), 1);
}

#[test]
fn reenumeration_under_a_new_path_is_followed() {
    let dir = tempfile::tempdir().unwrap();
    let sim = start(SimConfig {
        link: None,
        ..sim_config(dir.path())
    });
    let first = sim.path();
    let mut config = modem_config(first.clone());
    config.reopen_candidates = vec![dir.path().join("ttyUSB*")];
    let modem = Modem::spawn(config).unwrap();
    let s = wait_for(&modem, "registered", healthy);
    assert_eq!(s.port.as_deref(), Some(first.as_path()));

    sim.set_fault(Fault::Reenumerate);
    let s = wait_for(&modem, "registered on the new port", |s| {
        healthy(s) && s.port.as_deref() != Some(first.as_path())
    });
    assert_eq!(s.port, Some(dir.path().join("ttyUSB3")));
    assert_ne!(sim.path(), first);
    assert_eq!(sim.stats().enumerations, 2);
    assert_eq!(s.recovery.resets, 0);
    assert_eq!(cfun_resets(&sim), 0);
}

#[test]
fn usbnet_not_ecm_is_switched_and_applied_by_one_reboot() {
    let dir = tempfile::tempdir().unwrap();
    let sim = start(SimConfig {
        usbnet: 0,
        ..sim_config(dir.path())
    });
    let modem = Modem::spawn(modem_config(dir.path().join("ec25-at"))).unwrap();
    let s = wait_for(&modem, "data up after reboot", healthy);
    assert_eq!(s.data, DataBearer::Connected);
    assert_eq!(count(&sim, |c| c == "AT+QCFG=\"usbnet\",1"), 1);
    assert_eq!(sim.stats().resets, 1);
    assert_eq!(s.recovery.resets, 1);
}
