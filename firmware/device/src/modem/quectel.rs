//! Quectel EC25 specifics: the init sequence, SIM PIN counters, ICCID, LTE signal and the
//! ECM data bearer (`usbnet`, `QNETDEVCTL`).

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
/// Brings the data call of context 1 up on the ECM interface, with URCs. Not persistent:
/// must be repeated after every modem reset.
pub const DATA_CALL_CONNECT: &str = "AT+QNETDEVCTL=1,1,1";
/// The PDP context id used for data.
pub const DATA_CID: u8 = 1;
/// Full functionality reset; the modem re-enumerates on USB.
pub const RESET: &str = "AT+CFUN=1,1";

/// Whether `apn` can be written into `AT+CGDCONT` (letters, digits, `-` and `.`, labels not
/// empty, at most 100 characters, per 3GPP TS 23.003 §9.1).
pub fn valid_apn(apn: &str) -> bool {
    !apn.is_empty()
        && apn.len() <= 100
        && apn.split('.').all(|label| {
            !label.is_empty()
                && label
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-')
        })
}

/// `AT+CGDCONT=1,"IP","<apn>"` for a valid APN.
pub fn define_context(apn: &str) -> Option<String> {
    valid_apn(apn).then(|| format!("AT+CGDCONT={DATA_CID},\"IP\",\"{apn}\""))
}

/// `AT+CPIN="<pin>"` for a PIN of 4–8 digits (nothing else reaches the modem).
pub fn enter_pin(pin: &str) -> Option<String> {
    valid_pin(pin).then(|| format!("AT+CPIN=\"{pin}\""))
}

/// A SIM PIN is 4–8 digits.
pub fn valid_pin(pin: &str) -> bool {
    (4..=8).contains(&pin.len()) && pin.bytes().all(|b| b.is_ascii_digit())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn apn_validation_blocks_injection() {
        assert!(valid_apn("vrs.docomo.ne.jp"));
        assert!(valid_apn("mopera-u"));
        assert!(!valid_apn(""));
        assert!(!valid_apn("a\",\"b"));
        assert!(!valid_apn("a..b"));
        assert!(!valid_apn("apn\r\nAT+CFUN=0"));
        assert_eq!(
            define_context("vrs.example").as_deref(),
            Some("AT+CGDCONT=1,\"IP\",\"vrs.example\"")
        );
    }

    #[test]
    fn pin_validation() {
        assert!(valid_pin("1234"));
        assert!(valid_pin("12345678"));
        assert!(!valid_pin("123"));
        assert!(!valid_pin("123456789"));
        assert!(!valid_pin("12a4"));
        assert!(enter_pin("12\"4").is_none());
    }
}
