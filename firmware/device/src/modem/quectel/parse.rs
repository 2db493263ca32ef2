//! Parsers of Quectel's own information lines (`+QPINC`, `+QCCID`, `+QCSQ`, `+QNETDEVCTL`,
//! `+QCFG`), on the generic field tools of [`modem::parse`](crate::modem::parse).

use crate::modem::parse::{fields, payload};
use crate::modem::vendor::{LteSignal, PinCounters};

/// `+QPINC: "SC",<pin attempts left>,<puk attempts left>` → attempts left.
pub fn qpinc_sc(line: &str) -> Option<PinCounters> {
    let f = fields(payload(line, "+QPINC:")?);
    if f.len() < 3 || !f[0].text.eq_ignore_ascii_case("SC") {
        return None;
    }
    Some(PinCounters {
        pin_left: u8::try_from(f[1].num()?).ok()?,
        puk_left: u8::try_from(f[2].num()?).ok()?,
    })
}

/// `+QCCID: <iccid>` → ICCID digits (18–20 digits, a trailing filler `F` removed).
pub fn qccid(line: &str) -> Option<String> {
    let raw = payload(line, "+QCCID:")?.trim_matches('"');
    let digits = raw.trim_end_matches(['F', 'f']);
    ((18..=20).contains(&digits.len()) && digits.bytes().all(|b| b.is_ascii_digit()))
        .then(|| digits.to_string())
}

/// `+QCSQ: "LTE",<rssi>,<rsrp>,<sinr>,<rsrq>` → LTE signal (`<sinr>` is `(dB + 20) × 5`,
/// 0–250). `Some(None)` for another mode (e.g. `"NOSERVICE"`), `None` for another line.
pub fn qcsq(line: &str) -> Option<Option<LteSignal>> {
    let f = fields(payload(line, "+QCSQ:")?);
    if !f.first()?.text.eq_ignore_ascii_case("LTE") {
        return Some(None);
    }
    if f.len() < 5 {
        return Some(None);
    }
    let (Some(rssi), Some(rsrp), Some(sinr), Some(rsrq)) =
        (f[1].int(), f[2].int(), f[3].int(), f[4].int())
    else {
        return Some(None);
    };
    if !(-140..=-44).contains(&rsrp) || !(0..=250).contains(&sinr) || !(-130..=0).contains(&rssi) {
        return Some(None);
    }
    Some(Some(LteSignal {
        rssi_dbm: rssi as i16,
        rsrp_dbm: rsrp as i16,
        sinr_db: sinr as f32 / 5.0 - 20.0,
        rsrq_db: rsrq.clamp(-40, 0) as i16,
    }))
}

/// `+QNETDEVCTL: <op>,<cid>,<urc_en>,<state>` from `AT+QNETDEVCTL?`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NetDevCtl {
    /// Operation last requested (0 disconnect, 1 connect, 3 connect and keep).
    pub op: u8,
    /// Context id.
    pub cid: u8,
    /// Whether URCs are enabled.
    pub urc: bool,
    /// Whether the data call is up and bound to the USB network interface.
    pub connected: bool,
}

/// Parses a `+QNETDEVCTL:` query line.
pub fn qnetdevctl(line: &str) -> Option<NetDevCtl> {
    let f = fields(payload(line, "+QNETDEVCTL:")?);
    if f.len() < 4 {
        return None;
    }
    Some(NetDevCtl {
        op: u8::try_from(f[0].num()?).ok()?,
        cid: u8::try_from(f[1].num()?).ok()?,
        urc: f[2].num()? != 0,
        connected: f[3].num()? == 1,
    })
}

/// `+QCFG: "usbnet",<mode>` → mode (0 RmNet/QMI, 1 ECM, 2 MBIM, 3 RNDIS).
pub fn qcfg_usbnet(line: &str) -> Option<u8> {
    let f = fields(payload(line, "+QCFG:")?);
    if !f.first()?.text.eq_ignore_ascii_case("usbnet") {
        return None;
    }
    u8::try_from(f.get(1)?.num()?).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn qpinc_counts() {
        assert_eq!(
            qpinc_sc("+QPINC: \"SC\",2,10"),
            Some(PinCounters {
                pin_left: 2,
                puk_left: 10
            })
        );
        assert_eq!(qpinc_sc("+QPINC: \"P2\",3,10"), None);
    }

    #[test]
    fn iccid_digits() {
        assert_eq!(
            qccid("+QCCID: 8981100022152367890").as_deref(),
            Some("8981100022152367890")
        );
        assert_eq!(
            qccid("+QCCID: 8981100022152367890F").as_deref(),
            Some("8981100022152367890")
        );
        assert_eq!(qccid("+QCCID: 12AB"), None);
    }

    #[test]
    fn qcsq_lte_and_no_service() {
        let s = qcsq("+QCSQ: \"LTE\",-65,-92,165,-10").unwrap().unwrap();
        assert_eq!(s.rsrp_dbm, -92);
        assert_eq!(s.rssi_dbm, -65);
        assert_eq!(s.rsrq_db, -10);
        assert!((s.sinr_db - 13.0).abs() < 0.01);
        assert_eq!(qcsq("+QCSQ: \"NOSERVICE\""), Some(None));
        assert_eq!(
            qcsq("+QCSQ: \"LTE\",-65,-20,165,-10"),
            Some(None),
            "RSRP out of range"
        );
        assert_eq!(qcsq("+CSQ: 1,1"), None);
    }

    #[test]
    fn netdevctl_and_usbnet() {
        let n = qnetdevctl("+QNETDEVCTL: 1,1,1,1").unwrap();
        assert!(n.connected && n.urc);
        assert_eq!((n.op, n.cid), (1, 1));
        assert!(!qnetdevctl("+QNETDEVCTL: 0,1,0,0").unwrap().connected);
        assert_eq!(qnetdevctl("+QNETDEVCTL: 1,1"), None);
        assert_eq!(qcfg_usbnet("+QCFG: \"usbnet\",1"), Some(1));
        assert_eq!(qcfg_usbnet("+QCFG: \"nat\",1"), None);
    }
}
