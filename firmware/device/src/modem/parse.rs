//! Parsers of 3GPP TS 27.007 information lines: one function per line, no I/O, no panics on
//! bad input. A vendor's own lines are parsed in its module (e.g. `quectel::parse`).
//!
//! Every parser takes one line (as the framer delivered it) and returns `None` when the line
//! is not what it expects, so callers can scan a response for the line they want.

use time::{Date, Month, OffsetDateTime, PrimitiveDateTime, Time, UtcOffset};

use super::status::{AccessTech, Registration, SimState};

/// One comma-separated field of an information line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Field {
    /// The text, without surrounding quotes.
    pub text: String,
    /// Whether it was a quoted string.
    pub quoted: bool,
}

impl Field {
    /// The field as an unsigned number, if it is one (and not quoted).
    pub fn num(&self) -> Option<u32> {
        if self.quoted {
            None
        } else {
            self.text.parse().ok()
        }
    }

    /// The field as a signed number, if it is one (and not quoted).
    pub fn int(&self) -> Option<i32> {
        if self.quoted {
            None
        } else {
            self.text.parse().ok()
        }
    }
}

/// The part after `prefix` (e.g. `"+CSQ:"`), trimmed; `None` when the line has another prefix.
pub fn payload<'a>(line: &'a str, prefix: &str) -> Option<&'a str> {
    let head = line.get(..prefix.len())?;
    head.eq_ignore_ascii_case(prefix)
        .then(|| line[prefix.len()..].trim())
}

/// Splits a payload into fields at commas outside quotes.
pub fn fields(payload: &str) -> Vec<Field> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut in_quotes = false;
    let mut quoted = false;
    for c in payload.chars() {
        match c {
            '"' => {
                in_quotes = !in_quotes;
                quoted = true;
            }
            ',' if !in_quotes => {
                out.push(Field {
                    text: std::mem::take(&mut cur).trim().to_string(),
                    quoted,
                });
                quoted = false;
            }
            _ => cur.push(c),
        }
    }
    out.push(Field {
        text: cur.trim().to_string(),
        quoted,
    });
    out
}

/// A `+CME ERROR` (numeric with `AT+CMEE=1`, verbose text with `AT+CMEE=2`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CmeError {
    /// The numeric code, when known (given, or mapped from the verbose text).
    pub code: Option<u16>,
    /// The verbose text, when known.
    pub text: String,
}

/// 3GPP TS 27.007 §9.2 codes this firmware cares about, with their verbose texts.
const CME_TEXTS: &[(u16, &str)] = &[
    (0, "phone failure"),
    (3, "operation not allowed"),
    (4, "operation not supported"),
    (10, "SIM not inserted"),
    (11, "SIM PIN required"),
    (12, "SIM PUK required"),
    (13, "SIM failure"),
    (14, "SIM busy"),
    (15, "SIM wrong"),
    (16, "incorrect password"),
    (30, "no network service"),
    (31, "network timeout"),
    (100, "unknown"),
];

impl CmeError {
    /// SIM not inserted.
    pub const SIM_NOT_INSERTED: u16 = 10;
    /// SIM PIN required.
    pub const SIM_PIN_REQUIRED: u16 = 11;
    /// SIM PUK required.
    pub const SIM_PUK_REQUIRED: u16 = 12;
    /// SIM failure.
    pub const SIM_FAILURE: u16 = 13;
    /// SIM busy (still initialising): try again later.
    pub const SIM_BUSY: u16 = 14;
    /// SIM wrong.
    pub const SIM_WRONG: u16 = 15;
    /// Incorrect password (wrong PIN).
    pub const INCORRECT_PASSWORD: u16 = 16;

    /// Parses what follows `+CME ERROR:`.
    pub fn parse(rest: &str) -> CmeError {
        let rest = rest.trim();
        if let Ok(code) = rest.parse::<u16>() {
            let text = CME_TEXTS
                .iter()
                .find(|(c, _)| *c == code)
                .map(|(_, t)| (*t).to_string())
                .unwrap_or_default();
            return CmeError {
                code: Some(code),
                text,
            };
        }
        let code = CME_TEXTS
            .iter()
            .find(|(_, t)| t.eq_ignore_ascii_case(rest))
            .map(|(c, _)| *c);
        CmeError {
            code,
            text: rest.to_string(),
        }
    }

    /// Whether this is the given code.
    pub fn is(&self, code: u16) -> bool {
        self.code == Some(code)
    }
}

impl std::fmt::Display for CmeError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match (self.code, self.text.is_empty()) {
            (Some(c), false) => write!(f, "{c} ({})", self.text),
            (Some(c), true) => write!(f, "{c}"),
            (None, _) => f.write_str(&self.text),
        }
    }
}

/// `+CPIN: <code>` → SIM state.
pub fn cpin(line: &str) -> Option<SimState> {
    let code = payload(line, "+CPIN:")?;
    Some(match code.to_ascii_uppercase().as_str() {
        "READY" => SimState::Ready,
        "SIM PIN" => SimState::PinRequired {
            attempts_left: None,
        },
        "SIM PUK" => SimState::PukRequired,
        "NOT INSERTED" | "NOT READY" => SimState::Missing,
        _ => SimState::Locked {
            lock: code.to_string(),
        },
    })
}

/// SIM state for a `+CME ERROR` answered to `AT+CPIN?`.
pub fn cpin_error(err: &CmeError) -> SimState {
    match err.code {
        Some(CmeError::SIM_NOT_INSERTED) => SimState::Missing,
        Some(CmeError::SIM_BUSY) => SimState::Busy,
        Some(CmeError::SIM_PIN_REQUIRED) => SimState::PinRequired {
            attempts_left: None,
        },
        Some(CmeError::SIM_PUK_REQUIRED) => SimState::PukRequired,
        _ => SimState::Failed {
            reason: err.to_string(),
        },
    }
}

/// `AT+CGSN` answer line → IMEI: 15 digits with a valid Luhn check digit (a bare line, or
/// `+CGSN: <imei>` on some firmware).
pub fn imei(line: &str) -> Option<String> {
    let raw = payload(line, "+CGSN:")
        .unwrap_or(line)
        .trim()
        .trim_matches('"');
    vrs_protocol::imei::check(raw)
        .ok()
        .map(|()| raw.to_string())
}

/// `+CSQ: <rssi>,<ber>` → RSSI in dBm (`None` for 99, not detectable).
pub fn csq(line: &str) -> Option<i16> {
    let f = fields(payload(line, "+CSQ:")?);
    match f.first()?.num()? {
        n @ 0..=31 => Some(-113 + 2 * n as i16),
        _ => None,
    }
}

/// A `+CEREG` line, response or URC.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cereg {
    /// `<n>` (reporting mode): present in the response to `AT+CEREG?`, absent in the URC.
    pub n: Option<u8>,
    /// Registration state.
    pub registration: Registration,
    /// Tracking area code (hex), when reported.
    pub tac: Option<String>,
    /// Cell identity (hex), when reported.
    pub cell_id: Option<String>,
    /// Access technology, when reported.
    pub access_tech: Option<AccessTech>,
}

/// Whether a `+CEREG:` line is in the response form (`<n>,<stat>[,...]`) rather than the URC
/// form (`<stat>[,<tac>,...]`): the URC has one field fewer, so its second field, when
/// present, is the quoted TAC while the response's is the unquoted `<stat>`.
pub fn cereg_is_response(line: &str) -> bool {
    payload(line, "+CEREG:").is_some_and(|p| {
        let f = fields(p);
        f.len() >= 2 && f[0].num().is_some() && f[1].num().is_some()
    })
}

/// Parses a `+CEREG:` line of either form.
pub fn cereg(line: &str) -> Option<Cereg> {
    let f = fields(payload(line, "+CEREG:")?);
    let (n, rest) = if cereg_is_response(line) {
        (Some(u8::try_from(f[0].num()?).ok()?), &f[1..])
    } else {
        (None, &f[..])
    };
    let stat = u8::try_from(rest.first()?.num()?).ok()?;
    let text = |i: usize| {
        rest.get(i)
            .filter(|x| !x.text.is_empty())
            .map(|x| x.text.clone())
    };
    Some(Cereg {
        n,
        registration: Registration::from_stat(stat),
        tac: text(1),
        cell_id: text(2),
        access_tech: rest
            .get(3)
            .and_then(Field::num)
            .and_then(|a| u8::try_from(a).ok())
            .map(AccessTech::from_act),
    })
}

/// `+COPS: <mode>[,<format>,<oper>[,<AcT>]]` → (operator, access technology).
pub fn cops(line: &str) -> Option<(Option<String>, Option<AccessTech>)> {
    let f = fields(payload(line, "+COPS:")?);
    f.first()?.num()?;
    let operator = f
        .get(2)
        .map(|x| x.text.trim().to_string())
        .filter(|s| !s.is_empty());
    let act = f
        .get(3)
        .and_then(Field::num)
        .and_then(|a| u8::try_from(a).ok())
        .map(AccessTech::from_act);
    Some((operator, act))
}

/// Earliest year a modem clock is believed; EC25's unset RTC reads 1980 (`80/01/06`).
const MIN_PLAUSIBLE_YEAR: i32 = 2024;

/// `+CCLK: "yy/MM/dd,hh:mm:ss±zz"` (local time, zone in quarter hours) → time with offset.
/// `None` when malformed or when the clock was never set from the network.
pub fn cclk(line: &str) -> Option<OffsetDateTime> {
    let raw = payload(line, "+CCLK:")?.trim_matches('"');
    let (date, rest) = raw.split_once(',')?;
    let sign_at = rest.find(['+', '-'])?;
    let (clock, zone) = rest.split_at(sign_at);
    let d: Vec<u32> = date
        .split('/')
        .map(str::parse)
        .collect::<Result<_, _>>()
        .ok()?;
    let t: Vec<u32> = clock
        .split(':')
        .map(str::parse)
        .collect::<Result<_, _>>()
        .ok()?;
    if d.len() != 3 || t.len() != 3 {
        return None;
    }
    let quarters: i32 = zone.parse().ok()?;
    if !(-48..=56).contains(&quarters) {
        return None;
    }
    let yy = i32::try_from(d[0]).ok()?;
    let year = if yy >= 80 { 1900 + yy } else { 2000 + yy };
    if year < MIN_PLAUSIBLE_YEAR {
        return None;
    }
    let month = Month::try_from(u8::try_from(d[1]).ok()?).ok()?;
    let date = Date::from_calendar_date(year, month, u8::try_from(d[2]).ok()?).ok()?;
    let time = Time::from_hms(
        u8::try_from(t[0]).ok()?,
        u8::try_from(t[1]).ok()?,
        u8::try_from(t[2]).ok()?,
    )
    .ok()?;
    let offset = UtcOffset::from_whole_seconds(quarters * 15 * 60).ok()?;
    Some(PrimitiveDateTime::new(date, time).assume_offset(offset))
}

/// A PDP context definition from `+CGDCONT?`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PdpContext {
    /// Context id.
    pub cid: u8,
    /// PDP type (`IP`, `IPV6`, `IPV4V6`).
    pub pdp_type: String,
    /// Access point name.
    pub apn: String,
}

/// `+CGDCONT: <cid>,"<type>","<apn>",...` → context.
pub fn cgdcont(line: &str) -> Option<PdpContext> {
    let f = fields(payload(line, "+CGDCONT:")?);
    Some(PdpContext {
        cid: u8::try_from(f.first()?.num()?).ok()?,
        pdp_type: f.get(1)?.text.to_ascii_uppercase(),
        apn: f.get(2).map(|x| x.text.clone()).unwrap_or_default(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_respect_quotes() {
        let f = fields("0,0,\"NTT, DOCOMO\",7");
        assert_eq!(f.len(), 4);
        assert_eq!(f[2].text, "NTT, DOCOMO");
        assert!(f[2].quoted);
        assert_eq!(f[3].num(), Some(7));
    }

    #[test]
    fn cme_numeric_and_verbose() {
        assert!(CmeError::parse("10").is(CmeError::SIM_NOT_INSERTED));
        assert!(CmeError::parse("SIM not inserted").is(10));
        assert!(CmeError::parse("sim busy").is(CmeError::SIM_BUSY));
        let odd = CmeError::parse("something new");
        assert_eq!(odd.code, None);
        assert_eq!(odd.to_string(), "something new");
    }

    #[test]
    fn cpin_states() {
        assert_eq!(cpin("+CPIN: READY"), Some(SimState::Ready));
        assert_eq!(
            cpin("+CPIN: SIM PIN"),
            Some(SimState::PinRequired {
                attempts_left: None
            })
        );
        assert_eq!(cpin("+CPIN: SIM PUK"), Some(SimState::PukRequired));
        assert_eq!(cpin("+CSQ: 1,2"), None);
        assert_eq!(cpin_error(&CmeError::parse("10")), SimState::Missing);
        assert_eq!(cpin_error(&CmeError::parse("14")), SimState::Busy);
    }

    #[test]
    fn imei_needs_15_digits_and_luhn() {
        assert_eq!(imei("866758041234564").as_deref(), Some("866758041234564"));
        assert_eq!(
            imei("+CGSN: 866758041234564").as_deref(),
            Some("866758041234564")
        );
        assert_eq!(imei("866758041234565"), None, "bad check digit");
        assert_eq!(imei("86675804123456"), None, "14 digits");
        assert_eq!(imei("OK"), None);
    }

    #[test]
    fn csq_to_dbm() {
        assert_eq!(csq("+CSQ: 22,99"), Some(-69));
        assert_eq!(csq("+CSQ: 0,99"), Some(-113));
        assert_eq!(csq("+CSQ: 31,0"), Some(-51));
        assert_eq!(csq("+CSQ: 99,99"), None);
    }

    #[test]
    fn cereg_response_and_urc_forms() {
        let r = cereg("+CEREG: 2,1,\"1A2B\",\"01A2B3C4\",7").unwrap();
        assert_eq!(r.n, Some(2));
        assert_eq!(r.registration, Registration::Home);
        assert_eq!(r.tac.as_deref(), Some("1A2B"));
        assert_eq!(r.cell_id.as_deref(), Some("01A2B3C4"));
        assert_eq!(r.access_tech, Some(AccessTech::Lte));

        let u = cereg("+CEREG: 5,\"1A2B\",\"01A2B3C4\",7").unwrap();
        assert_eq!(u.n, None);
        assert_eq!(u.registration, Registration::Roaming);
        assert_eq!(u.tac.as_deref(), Some("1A2B"));

        let short_response = cereg("+CEREG: 2,0").unwrap();
        assert_eq!(short_response.n, Some(2));
        assert_eq!(short_response.registration, Registration::NotRegistered);

        let short_urc = cereg("+CEREG: 2").unwrap();
        assert_eq!(short_urc.n, None);
        assert_eq!(short_urc.registration, Registration::Searching);

        assert!(cereg_is_response("+CEREG: 2,1,\"1A2B\",\"01A2B3C4\",7"));
        assert!(!cereg_is_response("+CEREG: 1,\"1A2B\",\"01A2B3C4\",7"));
        assert!(!cereg_is_response("+CEREG: 1"));
        assert_eq!(cereg("+CEREG: x"), None);
    }

    #[test]
    fn cops_operator() {
        assert_eq!(
            cops("+COPS: 0,0,\"NTT DOCOMO\",7"),
            Some((Some("NTT DOCOMO".into()), Some(AccessTech::Lte)))
        );
        assert_eq!(cops("+COPS: 0"), Some((None, None)));
        assert_eq!(cops("+COPS: \"x\""), None);
    }

    #[test]
    fn cclk_quarter_hour_zone() {
        let t = cclk("+CCLK: \"25/03/01,18:30:05+36\"").unwrap();
        assert_eq!(t.offset().whole_seconds(), 9 * 3600);
        assert_eq!(t.hour(), 18);
        let utc = t.to_offset(UtcOffset::UTC);
        assert_eq!((utc.hour(), utc.minute()), (9, 30));

        let neg = cclk("+CCLK: \"25/03/01,01:00:00-14\"").unwrap();
        assert_eq!(neg.offset().whole_seconds(), -(3 * 3600 + 30 * 60));
        assert_eq!(
            cclk("+CCLK: \"80/01/06,00:00:12+00\""),
            None,
            "RTC never set"
        );
        assert_eq!(cclk("+CCLK: \"25/13/01,00:00:00+36\""), None);
        assert_eq!(cclk("+CCLK: \"25/03/01,00:00:00+99\""), None);
        assert_eq!(cclk("+CCLK: garbage"), None);
    }

    #[test]
    fn cgdcont_context() {
        let c = cgdcont("+CGDCONT: 1,\"IP\",\"vrs.example\",\"0.0.0.0\",0,0,0,0").unwrap();
        assert_eq!(
            (c.cid, c.pdp_type.as_str(), c.apn.as_str()),
            (1, "IP", "vrs.example")
        );
        assert_eq!(cgdcont("+CGDCONT: x"), None);
    }

    #[test]
    fn payload_prefix_is_case_insensitive_and_safe_on_short_or_multibyte_lines() {
        assert_eq!(payload("+csq: 1,2", "+CSQ:"), Some("1,2"));
        assert_eq!(payload("+C", "+CSQ:"), None);
        assert_eq!(payload("ドコモドコモ", "+CSQ:"), None);
    }
}
