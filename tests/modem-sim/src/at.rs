//! The simulated EC25's AT command interpreter: state in, response lines out. No I/O here.

use std::time::{Duration, Instant};

use time::{OffsetDateTime, UtcOffset};

use crate::{Fault, SimConfig};

/// What the interpreter wants done after a command was answered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum After {
    /// Nothing special.
    Nothing,
    /// `AT+CFUN=1,1`: reset (and re-enumerate USB).
    Reset,
}

/// One answer: information lines, then a final result code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Reply {
    pub(crate) lines: Vec<String>,
    pub(crate) result: String,
    pub(crate) after: After,
}

impl Reply {
    fn ok(lines: Vec<String>) -> Self {
        Reply {
            lines,
            result: "OK".into(),
            after: After::Nothing,
        }
    }
    fn error() -> Self {
        Reply {
            lines: Vec::new(),
            result: "ERROR".into(),
            after: After::Nothing,
        }
    }
}

/// `+CME ERROR` codes the simulator uses, with their verbose (`AT+CMEE=2`) texts.
const CME_OPERATION_NOT_ALLOWED: (u16, &str) = (3, "operation not allowed");
const CME_SIM_NOT_INSERTED: (u16, &str) = (10, "SIM not inserted");
const CME_SIM_PIN_REQUIRED: (u16, &str) = (11, "SIM PIN required");
const CME_SIM_PUK_REQUIRED: (u16, &str) = (12, "SIM PUK required");
const CME_INCORRECT_PASSWORD: (u16, &str) = (16, "incorrect password");

/// The modem's volatile and persistent state.
pub(crate) struct AtModem {
    config: SimConfig,
    /// Echo (ATE1 after every reset).
    pub(crate) echo: bool,
    cmee: u8,
    cereg_n: u8,
    cfun: u8,
    /// When the modem finished booting and answers commands.
    ready_at: Instant,
    boot_urcs_sent: bool,
    /// Registration becomes possible at this instant (after boot).
    register_at: Instant,
    // SIM
    sim_present: bool,
    pin_enabled: bool,
    pin_entered: bool,
    pin_left: u8,
    puk_left: u8,
    // persistent configuration (survives reset)
    usbnet_saved: u8,
    usbnet_active: u8,
    apn: Option<(String, String)>,
    // volatile data call
    netdev_op: u8,
    netdev_urc: u8,
    no_signal: bool,
    last_stat: u8,
}

impl AtModem {
    pub(crate) fn new(config: SimConfig, now: Instant) -> Self {
        let mut m = AtModem {
            echo: true,
            cmee: 1,
            cereg_n: 0,
            cfun: 1,
            ready_at: now,
            boot_urcs_sent: false,
            register_at: now,
            sim_present: true,
            pin_enabled: false,
            pin_entered: false,
            pin_left: 3,
            puk_left: 10,
            usbnet_saved: config.usbnet,
            usbnet_active: config.usbnet,
            apn: None,
            netdev_op: 0,
            netdev_urc: 0,
            no_signal: false,
            last_stat: 0,
            config,
        };
        m.boot(now);
        m
    }

    /// Power-on or reset: volatile state back to defaults, persistent settings applied.
    pub(crate) fn boot(&mut self, now: Instant) {
        self.echo = true;
        self.cmee = 1;
        self.cereg_n = 0;
        self.cfun = 1;
        self.ready_at = now + self.config.boot_time;
        self.register_at = self.ready_at + self.config.register_delay;
        self.boot_urcs_sent = false;
        self.pin_entered = false;
        self.usbnet_active = self.usbnet_saved;
        self.netdev_op = 0;
        self.netdev_urc = 0;
        self.last_stat = 0;
    }

    /// Applies a condition fault. Conditions last until [`Fault::None`]; line and link
    /// faults do not change the modem's state.
    pub(crate) fn apply_fault(&mut self, fault: Fault) {
        match fault {
            Fault::NoSim => self.sim_present = false,
            Fault::PinLocked => {
                self.sim_present = true;
                self.pin_enabled = true;
                self.pin_entered = false;
            }
            Fault::NoSignal => self.no_signal = true,
            Fault::None => {
                self.sim_present = true;
                self.pin_enabled = false;
                self.no_signal = false;
            }
            // Line and link faults leave the conditions as they were.
            _ => {}
        }
    }

    /// Whether the modem has finished booting.
    pub(crate) fn is_ready(&self, now: Instant) -> bool {
        now >= self.ready_at
    }

    fn sim_ready(&self) -> bool {
        self.sim_present && (!self.pin_enabled || self.pin_entered) && self.pin_left > 0
    }

    /// Current `+CEREG` stat.
    fn stat(&self, now: Instant) -> u8 {
        if self.cfun != 1 || !self.sim_ready() {
            0
        } else if self.no_signal || now < self.register_at {
            2
        } else {
            1
        }
    }

    fn cereg_urc(&self, stat: u8) -> String {
        if self.cereg_n >= 2 && (stat == 1 || stat == 5) {
            format!("+CEREG: {stat},\"1A2B\",\"01A2B3C4\",7")
        } else {
            format!("+CEREG: {stat}")
        }
    }

    /// URCs due now: boot banners and registration changes.
    pub(crate) fn tick(&mut self, now: Instant) -> Vec<String> {
        let mut urcs = Vec::new();
        if !self.is_ready(now) {
            return urcs;
        }
        if !self.boot_urcs_sent {
            self.boot_urcs_sent = true;
            urcs.push("RDY".to_string());
            if !self.sim_present {
                urcs.push("+CPIN: NOT INSERTED".to_string());
            } else if self.sim_ready() {
                urcs.push("+CPIN: READY".to_string());
                urcs.push("+QIND: SMS DONE".to_string());
            } else {
                urcs.push("+CPIN: SIM PIN".to_string());
            }
        }
        let stat = self.stat(now);
        if stat != self.last_stat {
            self.last_stat = stat;
            if self.cereg_n >= 1 {
                urcs.push(self.cereg_urc(stat));
            }
        }
        urcs
    }

    /// A URC to slip into the middle of a response (fault `UrcInResponse`).
    pub(crate) fn interleaved_urc(&self, now: Instant) -> String {
        let stat = self.stat(now);
        if self.cereg_n >= 1 {
            self.cereg_urc(stat)
        } else {
            "+QIND: \"csq\",22,99".to_string()
        }
    }

    fn cme(&self, (code, text): (u16, &str)) -> Reply {
        let result = match self.cmee {
            0 => "ERROR".to_string(),
            1 => format!("+CME ERROR: {code}"),
            _ => format!("+CME ERROR: {text}"),
        };
        Reply {
            lines: Vec::new(),
            result,
            after: After::Nothing,
        }
    }

    /// Requires a ready SIM; otherwise the matching `+CME ERROR`.
    fn need_sim(&self) -> Option<Reply> {
        if !self.sim_present {
            Some(self.cme(CME_SIM_NOT_INSERTED))
        } else if self.pin_left == 0 {
            Some(self.cme(CME_SIM_PUK_REQUIRED))
        } else if !self.sim_ready() {
            Some(self.cme(CME_SIM_PIN_REQUIRED))
        } else {
            None
        }
    }

    /// Answers one command line (without its terminating CR).
    pub(crate) fn handle(&mut self, line: &str, now: Instant) -> Reply {
        let cmd = line.trim();
        let upper = cmd.to_ascii_uppercase();
        if !upper.starts_with("AT") {
            return Reply::error();
        }
        let body = &cmd[2..];
        let ubody = &upper[2..];
        match ubody {
            "" => Reply::ok(vec![]),
            "E0" => {
                self.echo = false;
                Reply::ok(vec![])
            }
            "E1" | "E" => {
                self.echo = true;
                Reply::ok(vec![])
            }
            "I" => Reply::ok(vec![
                "Quectel".into(),
                "EC25".into(),
                "Revision: EC25JFAR06A06M4G".into(),
            ]),
            "+CGMM" => Reply::ok(vec!["EC25".into()]),
            "+CGSN" | "+GSN" => Reply::ok(vec![self.config.imei.clone()]),
            "+CMEE?" => Reply::ok(vec![format!("+CMEE: {}", self.cmee)]),
            "+CEREG?" => {
                let stat = self.stat(now);
                let line = if self.cereg_n >= 2 && (stat == 1 || stat == 5) {
                    format!("+CEREG: {},{stat},\"1A2B\",\"01A2B3C4\",7", self.cereg_n)
                } else {
                    format!("+CEREG: {},{stat}", self.cereg_n)
                };
                Reply::ok(vec![line])
            }
            "+CPIN?" => {
                if !self.sim_present {
                    self.cme(CME_SIM_NOT_INSERTED)
                } else if self.pin_left == 0 {
                    Reply::ok(vec!["+CPIN: SIM PUK".into()])
                } else if self.sim_ready() {
                    Reply::ok(vec!["+CPIN: READY".into()])
                } else {
                    Reply::ok(vec!["+CPIN: SIM PIN".into()])
                }
            }
            "+QPINC?" | "+QPINC=\"SC\"" => {
                if !self.sim_present {
                    return self.cme(CME_SIM_NOT_INSERTED);
                }
                let mut lines = vec![format!(
                    "+QPINC: \"SC\",{},{}",
                    self.pin_left, self.puk_left
                )];
                if ubody == "+QPINC?" {
                    lines.push("+QPINC: \"P2\",3,10".into());
                }
                Reply::ok(lines)
            }
            "+QCCID" => match self.need_sim_present() {
                Some(r) => r,
                None => Reply::ok(vec![format!("+QCCID: {}", self.config.iccid)]),
            },
            "+CSQ" => {
                if self.stat(now) == 1 {
                    Reply::ok(vec!["+CSQ: 22,99".into()])
                } else {
                    Reply::ok(vec!["+CSQ: 99,99".into()])
                }
            }
            "+QCSQ" => {
                if self.stat(now) == 1 {
                    let sinr_raw = ((self.config.sinr_db + 20.0) * 5.0).round() as i32;
                    Reply::ok(vec![format!(
                        "+QCSQ: \"LTE\",-65,{},{sinr_raw},-10",
                        self.config.rsrp_dbm
                    )])
                } else {
                    Reply::ok(vec!["+QCSQ: \"NOSERVICE\"".into()])
                }
            }
            "+COPS?" => {
                if self.stat(now) == 1 {
                    Reply::ok(vec![format!("+COPS: 0,0,\"{}\",7", self.config.operator)])
                } else {
                    Reply::ok(vec!["+COPS: 0".into()])
                }
            }
            "+CCLK?" => Reply::ok(vec![self.cclk()]),
            "+CFUN?" => Reply::ok(vec![format!("+CFUN: {}", self.cfun)]),
            "+CGDCONT?" => {
                let lines = match &self.apn {
                    Some((ty, apn)) => vec![format!(
                        "+CGDCONT: 1,\"{ty}\",\"{apn}\",\"0.0.0.0\",0,0,0,0"
                    )],
                    None => vec![],
                };
                Reply::ok(lines)
            }
            "+QNETDEVCTL?" => {
                let state = u8::from(self.data_connected(now));
                Reply::ok(vec![format!(
                    "+QNETDEVCTL: {},1,{},{state}",
                    self.netdev_op, self.netdev_urc
                )])
            }
            _ => self.handle_set(body, ubody),
        }
    }

    fn need_sim_present(&self) -> Option<Reply> {
        if !self.sim_present {
            Some(self.cme(CME_SIM_NOT_INSERTED))
        } else {
            None
        }
    }

    fn data_connected(&self, now: Instant) -> bool {
        matches!(self.netdev_op, 1 | 3)
            && self.usbnet_active == 1
            && self.stat(now) == 1
            && self.apn.as_ref().is_some_and(|(_, a)| !a.is_empty())
    }

    fn cclk(&self) -> String {
        let quarters = self.config.tz_quarter_hours;
        let offset =
            UtcOffset::from_whole_seconds(i32::from(quarters) * 15 * 60).unwrap_or(UtcOffset::UTC);
        let t = OffsetDateTime::now_utc().to_offset(offset);
        format!(
            "+CCLK: \"{:02}/{:02}/{:02},{:02}:{:02}:{:02}{}{:02}\"",
            t.year() % 100,
            u8::from(t.month()),
            t.day(),
            t.hour(),
            t.minute(),
            t.second(),
            if quarters < 0 { '-' } else { '+' },
            quarters.unsigned_abs()
        )
    }

    /// Set commands (`AT+X=...`).
    fn handle_set(&mut self, body: &str, ubody: &str) -> Reply {
        let Some((name, _)) = ubody.split_once('=') else {
            return Reply::error();
        };
        // Arguments with their original case (APN, PIN).
        let raw_args = &body[name.len() + 1..];
        let fields: Vec<String> = raw_args
            .split(',')
            .map(|f| f.trim().trim_matches('"').to_string())
            .collect();
        let num = |i: usize| fields.get(i).and_then(|f| f.parse::<u8>().ok());
        match name {
            "+CMEE" => match num(0) {
                Some(n @ 0..=2) => {
                    self.cmee = n;
                    Reply::ok(vec![])
                }
                _ => Reply::error(),
            },
            "+CEREG" => match num(0) {
                Some(n @ 0..=2) => {
                    self.cereg_n = n;
                    Reply::ok(vec![])
                }
                _ => Reply::error(),
            },
            "+CTZU" => match num(0) {
                Some(0..=3) => Reply::ok(vec![]),
                _ => Reply::error(),
            },
            "+COPS" => match num(0) {
                Some(0..=4) => Reply::ok(vec![]),
                _ => Reply::error(),
            },
            "+CPIN" => {
                if !self.sim_present {
                    return self.cme(CME_SIM_NOT_INSERTED);
                }
                if !self.pin_enabled || self.pin_entered || self.pin_left == 0 {
                    return self.cme(CME_OPERATION_NOT_ALLOWED);
                }
                if fields.first().map(String::as_str) == Some(self.config.pin.as_str()) {
                    self.pin_entered = true;
                    self.pin_left = 3;
                    Reply::ok(vec![])
                } else {
                    self.pin_left -= 1;
                    if self.pin_left == 0 {
                        self.cme(CME_SIM_PUK_REQUIRED)
                    } else {
                        self.cme(CME_INCORRECT_PASSWORD)
                    }
                }
            }
            "+QCFG" => {
                if !fields
                    .first()
                    .is_some_and(|f| f.eq_ignore_ascii_case("usbnet"))
                {
                    return Reply::error();
                }
                match fields.len() {
                    1 => Reply::ok(vec![format!("+QCFG: \"usbnet\",{}", self.usbnet_saved)]),
                    _ => match num(1) {
                        Some(n @ 0..=5) => {
                            self.usbnet_saved = n;
                            Reply::ok(vec![])
                        }
                        _ => Reply::error(),
                    },
                }
            }
            "+CGDCONT" => {
                if num(0) != Some(1) || fields.len() < 3 {
                    return Reply::error();
                }
                let ty = fields[1].to_ascii_uppercase();
                if !matches!(ty.as_str(), "IP" | "IPV6" | "IPV4V6") {
                    return Reply::error();
                }
                self.apn = Some((ty, fields[2].clone()));
                Reply::ok(vec![])
            }
            "+QNETDEVCTL" => match (num(0), num(1), num(2)) {
                (Some(op @ (0 | 1 | 3)), Some(1), urc) => {
                    if let Some(r) = self.need_sim() {
                        return r;
                    }
                    self.netdev_op = op;
                    self.netdev_urc = urc.unwrap_or(0);
                    Reply::ok(vec![])
                }
                _ => Reply::error(),
            },
            "+CFUN" => match (num(0), num(1)) {
                (Some(1), Some(1)) => Reply {
                    lines: vec![],
                    result: "OK".into(),
                    after: After::Reset,
                },
                (Some(f @ (0 | 1 | 4)), None | Some(0)) => {
                    self.cfun = f;
                    Reply::ok(vec![])
                }
                _ => Reply::error(),
            },
            _ => Reply::error(),
        }
    }
}

/// How long after boot the simulated network accepts the registration, by default.
pub(crate) const DEFAULT_REGISTER_DELAY: Duration = Duration::from_millis(300);

#[cfg(test)]
mod tests {
    use super::*;

    fn modem() -> (AtModem, Instant) {
        let now = Instant::now();
        let config = SimConfig {
            boot_time: Duration::ZERO,
            register_delay: Duration::ZERO,
            ..SimConfig::default()
        };
        (AtModem::new(config, now), now)
    }

    #[test]
    fn registration_response_and_urc_forms_differ_by_one_field() {
        let (mut m, now) = modem();
        assert_eq!(m.handle("AT+CEREG=2", now).result, "OK");
        let r = m.handle("AT+CEREG?", now);
        assert_eq!(r.lines, vec!["+CEREG: 2,1,\"1A2B\",\"01A2B3C4\",7"]);
        assert_eq!(m.cereg_urc(1), "+CEREG: 1,\"1A2B\",\"01A2B3C4\",7");
    }

    #[test]
    fn cme_errors_follow_cmee_mode() {
        let (mut m, now) = modem();
        m.apply_fault(Fault::NoSim);
        assert_eq!(m.handle("AT+CPIN?", now).result, "+CME ERROR: 10");
        m.handle("AT+CMEE=2", now);
        assert_eq!(
            m.handle("AT+CPIN?", now).result,
            "+CME ERROR: SIM not inserted"
        );
    }

    #[test]
    fn wrong_pin_counts_down_to_puk() {
        let (mut m, now) = modem();
        m.apply_fault(Fault::PinLocked);
        assert_eq!(m.handle("AT+CPIN?", now).lines, vec!["+CPIN: SIM PIN"]);
        assert_eq!(m.handle("AT+CPIN=\"0000\"", now).result, "+CME ERROR: 16");
        assert_eq!(
            m.handle("AT+QPINC=\"SC\"", now).lines,
            vec!["+QPINC: \"SC\",2,10"]
        );
        assert_eq!(m.handle("AT+CPIN=\"1234\"", now).result, "OK");
        assert_eq!(m.handle("AT+CPIN?", now).lines, vec!["+CPIN: READY"]);
    }

    #[test]
    fn reset_restores_echo_and_forgets_data_call() {
        let (mut m, now) = modem();
        m.handle("ATE0", now);
        m.handle("AT+CGDCONT=1,\"IP\",\"internet.example\"", now);
        m.handle("AT+QNETDEVCTL=1,1,1", now);
        assert!(m.handle("AT+QNETDEVCTL?", now).lines[0].ends_with(",1"));
        assert_eq!(m.handle("AT+CFUN=1,1", now).after, After::Reset);
        m.boot(now);
        assert!(m.echo);
        assert!(m.handle("AT+QNETDEVCTL?", now).lines[0].ends_with(",0"));
        assert_eq!(
            m.handle("AT+CGDCONT?", now).lines,
            vec!["+CGDCONT: 1,\"IP\",\"internet.example\",\"0.0.0.0\",0,0,0,0"]
        );
    }
}
