//! Quectel EC25 specifics behind [`VendorHooks`]: the init sequence, its URCs (`RDY`,
//! `+QIND`, ...), the SIM PIN counters (`+QPINC`), the ICCID (`+QCCID`), the LTE signal
//! (`+QCSQ`), the ECM data bearer (`usbnet`, `QNETDEVCTL`) and the reset (`AT+CFUN=1,1`).
//! Its own information lines are parsed in [`parse`].

pub mod parse;

use super::command::DATA_CID;
use super::engine::{Response, UrcSet};
use super::vendor::{
    Answer, AtChannel, DataPrep, LinkFailure, LteSignal, PinCounters, VendorHooks, Wait,
};

/// Sent after every (re)connect, once `AT` answers: echo off (it returns after every reset),
/// verbose `+CME ERROR`, `+CEREG` URCs with location, network time into the RTC with zone,
/// long alphanumeric operator names in `+COPS?`.
pub const INIT: &[&str] = &[
    "ATE0",
    "AT+CMEE=2",
    "AT+CEREG=2",
    "AT+CTZU=3",
    "AT+COPS=3,0",
];

/// Quectel's own URCs: indications, SIM hot-plug, data call status, the boot and shutdown
/// announcements.
pub static URCS: UrcSet = UrcSet {
    prefixes: &["+QIND:", "+QUSIM:", "+QNETDEVSTATUS:", "+QSTAT:"],
    lines: &["RDY", "POWERED DOWN"],
};

/// The URC the modem sends when it finished booting.
pub const READY_URC: &str = "RDY";
/// SIM PIN/PUK attempts left.
pub const PIN_COUNTERS: &str = "AT+QPINC=\"SC\"";
/// SIM ICCID.
pub const ICCID: &str = "AT+QCCID";
/// LTE RSRP/SINR/RSRQ.
pub const SIGNAL: &str = "AT+QCSQ";
/// USB network function query.
pub const USBNET_QUERY: &str = "AT+QCFG=\"usbnet\"";
/// Switches the USB network function to ECM; applies after the next reboot.
pub const USBNET_SET_ECM: &str = "AT+QCFG=\"usbnet\",1";
/// The `usbnet` mode for ECM.
pub const USBNET_ECM: u8 = 1;
/// Data call state on the ECM interface.
pub const DATA_CALL_QUERY: &str = "AT+QNETDEVCTL?";
/// Full functionality reset; the modem re-enumerates on USB.
pub const RESET: &str = "AT+CFUN=1,1";

/// Brings the data call of the data context up on the ECM interface, with URCs
/// (`AT+QNETDEVCTL=1,1,1`). Not persistent: must be repeated after every modem reset.
pub fn data_call_connect() -> String {
    format!("AT+QNETDEVCTL=1,{DATA_CID},1")
}

/// The Quectel EC25 in ECM mode.
#[derive(Debug, Clone, Copy, Default)]
pub struct Quectel;

/// The one [`Quectel`] every modem thread uses.
pub static QUECTEL: Quectel = Quectel;

/// Runs `command` and applies `parse` to its first line that parses.
fn query<T>(
    at: &mut dyn AtChannel,
    command: &str,
    parse: impl Fn(&str) -> Option<T>,
) -> Answer<Option<T>> {
    Ok(at
        .run(command, Wait::Command)?
        .map(|r: Response| r.find(parse)))
}

impl VendorHooks for Quectel {
    fn init_commands(&self) -> &'static [&'static str] {
        INIT
    }

    fn urcs(&self) -> &'static UrcSet {
        &URCS
    }

    fn is_restart_urc(&self, line: &str) -> bool {
        line.eq_ignore_ascii_case(READY_URC)
    }

    fn reset_command(&self) -> &'static str {
        RESET
    }

    fn query_iccid(&self, at: &mut dyn AtChannel) -> Result<Option<String>, LinkFailure> {
        Ok(query(at, ICCID, parse::qccid)?.ok().flatten())
    }

    fn query_pin_counters(
        &self,
        at: &mut dyn AtChannel,
    ) -> Result<Option<PinCounters>, LinkFailure> {
        Ok(query(at, PIN_COUNTERS, parse::qpinc_sc)?.ok().flatten())
    }

    fn query_signal(&self, at: &mut dyn AtChannel) -> Answer<Option<LteSignal>> {
        Ok(query(at, SIGNAL, parse::qcsq)?.map(Option::flatten))
    }

    fn prepare_data(&self, at: &mut dyn AtChannel) -> Result<DataPrep, LinkFailure> {
        let Ok(Some(mode)) = query(at, USBNET_QUERY, parse::qcfg_usbnet)? else {
            return Ok(DataPrep::Ready);
        };
        if mode == USBNET_ECM {
            return Ok(DataPrep::Ready);
        }
        log::warn!("modem: usbnet mode {mode}, switching to ECM (applies after reboot)");
        Ok(match at.run(USBNET_SET_ECM, Wait::Command)? {
            Ok(_) => DataPrep::NeedsReboot { usbnet: mode },
            Err(e) => DataPrep::Failed(e),
        })
    }

    fn data_call_up(&self, at: &mut dyn AtChannel) -> Answer<bool> {
        Ok(query(at, DATA_CALL_QUERY, parse::qnetdevctl)?
            .map(|state| state.is_some_and(|s| s.connected)))
    }

    fn start_data_call(&self, at: &mut dyn AtChannel) -> Answer<()> {
        Ok(at.run(&data_call_connect(), Wait::DataCall)?.map(drop))
    }
}

#[cfg(test)]
mod tests {
    use std::collections::VecDeque;

    use super::*;
    use crate::modem::engine::EngineError;

    /// Answers commands from a script and records them.
    struct Script {
        answers: VecDeque<(&'static str, Result<Vec<&'static str>, ()>)>,
        sent: Vec<(String, Wait)>,
    }

    impl Script {
        fn new(answers: Vec<(&'static str, Result<Vec<&'static str>, ()>)>) -> Self {
            Script {
                answers: answers.into(),
                sent: Vec::new(),
            }
        }
    }

    impl AtChannel for Script {
        fn run(&mut self, command: &str, wait: Wait) -> Answer<Response> {
            self.sent.push((command.to_string(), wait));
            let (expected, answer) = self.answers.pop_front().expect("a scripted answer");
            assert_eq!(command, expected);
            Ok(match answer {
                Ok(lines) => Ok(Response {
                    lines: lines.into_iter().map(String::from).collect(),
                }),
                Err(()) => Err(EngineError::Error {
                    command: command.to_string(),
                }),
            })
        }
    }

    #[test]
    fn usbnet_in_ecm_is_ready_and_another_mode_is_switched() {
        let mut at = Script::new(vec![(USBNET_QUERY, Ok(vec!["+QCFG: \"usbnet\",1"]))]);
        assert!(matches!(QUECTEL.prepare_data(&mut at), Ok(DataPrep::Ready)));

        let mut at = Script::new(vec![
            (USBNET_QUERY, Ok(vec!["+QCFG: \"usbnet\",0"])),
            (USBNET_SET_ECM, Ok(vec![])),
        ]);
        assert!(matches!(
            QUECTEL.prepare_data(&mut at),
            Ok(DataPrep::NeedsReboot { usbnet: 0 })
        ));

        let mut at = Script::new(vec![
            (USBNET_QUERY, Ok(vec!["+QCFG: \"usbnet\",3"])),
            (USBNET_SET_ECM, Err(())),
        ]);
        assert!(matches!(
            QUECTEL.prepare_data(&mut at),
            Ok(DataPrep::Failed(EngineError::Error { .. }))
        ));
    }

    #[test]
    fn signal_tells_no_lte_from_no_answer() {
        let mut at = Script::new(vec![
            (SIGNAL, Ok(vec!["+QCSQ: \"LTE\",-65,-92,165,-10"])),
            (SIGNAL, Ok(vec!["+QCSQ: \"NOSERVICE\""])),
            (SIGNAL, Err(())),
        ]);
        let lte = QUECTEL.query_signal(&mut at).unwrap().unwrap().unwrap();
        assert_eq!(lte.rsrp_dbm, -92);
        assert!(matches!(QUECTEL.query_signal(&mut at), Ok(Ok(None))));
        assert!(matches!(QUECTEL.query_signal(&mut at), Ok(Err(_))));
    }

    #[test]
    fn data_call_uses_the_data_context_and_its_long_timeout() {
        assert_eq!(data_call_connect(), "AT+QNETDEVCTL=1,1,1");
        let mut at = Script::new(vec![
            ("AT+QNETDEVCTL=1,1,1", Ok(vec![])),
            (DATA_CALL_QUERY, Ok(vec!["+QNETDEVCTL: 1,1,1,1"])),
            (DATA_CALL_QUERY, Ok(vec!["garbage"])),
        ]);
        assert!(matches!(QUECTEL.start_data_call(&mut at), Ok(Ok(()))));
        assert!(matches!(QUECTEL.data_call_up(&mut at), Ok(Ok(true))));
        assert!(matches!(QUECTEL.data_call_up(&mut at), Ok(Ok(false))));
        assert_eq!(at.sent[0].1, Wait::DataCall);
        assert_eq!(at.sent[1].1, Wait::Command);
    }

    #[test]
    fn counters_iccid_and_restart() {
        let mut at = Script::new(vec![
            (PIN_COUNTERS, Ok(vec!["+QPINC: \"SC\",2,10"])),
            (ICCID, Ok(vec!["+QCCID: 8981100022152367890F"])),
            (ICCID, Err(())),
        ]);
        assert_eq!(
            QUECTEL.query_pin_counters(&mut at).unwrap(),
            Some(PinCounters {
                pin_left: 2,
                puk_left: 10
            })
        );
        assert_eq!(
            QUECTEL.query_iccid(&mut at).unwrap().as_deref(),
            Some("8981100022152367890")
        );
        assert_eq!(QUECTEL.query_iccid(&mut at).unwrap(), None);
        assert!(QUECTEL.is_restart_urc("rdy"));
        assert!(!QUECTEL.is_restart_urc("+CPIN: READY"));
    }
}
