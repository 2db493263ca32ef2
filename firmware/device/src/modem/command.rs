//! 3GPP TS 27.007 commands built from outside input (the configured APN, a PIN), validated
//! so that nothing else than what is meant reaches the modem.

/// The PDP context id used for data.
pub const DATA_CID: u8 = 1;

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
