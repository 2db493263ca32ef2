//! The modem status model: what the kiosk shows and the back office receives.

use std::path::PathBuf;

use serde::Serialize;
use time::OffsetDateTime;
use vrs_protocol::wire::ModemHeartbeat;

use super::recovery::RecoveryStatus;

/// SIM card state.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Default)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum SimState {
    /// Not asked yet, or the modem is not reachable.
    #[default]
    Unknown,
    /// No SIM inserted (`+CME ERROR: 10`).
    Missing,
    /// The SIM is still initialising (`+CME ERROR: 14`); asked again later.
    Busy,
    /// Ready for use.
    Ready,
    /// The SIM waits for its PIN. Never entered automatically more than once.
    PinRequired {
        /// PIN attempts left before the SIM locks (needs the PUK), when known.
        attempts_left: Option<u8>,
    },
    /// The SIM is blocked and needs its PUK: only the SIM's owner can unblock it.
    PukRequired,
    /// Another lock (e.g. `PH-SIM PIN`).
    Locked {
        /// The lock as the modem names it.
        lock: String,
    },
    /// The SIM failed (`+CME ERROR: 13`, 15, ...).
    Failed {
        /// What the modem said.
        reason: String,
    },
}

/// EPS (LTE) network registration, from `+CEREG`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum Registration {
    /// Not asked yet.
    #[default]
    Unknown,
    /// Not registered and not searching (stat 0).
    NotRegistered,
    /// Registered on the home network (stat 1).
    Home,
    /// Not registered, searching (stat 2).
    Searching,
    /// Registration denied (stat 3).
    Denied,
    /// Registered, roaming (stat 5).
    Roaming,
    /// Another `<stat>` value (4 unknown, emergency-only states, ...).
    Other(u8),
}

impl Registration {
    /// From a `+CEREG` `<stat>`.
    pub fn from_stat(stat: u8) -> Self {
        match stat {
            0 => Registration::NotRegistered,
            1 => Registration::Home,
            2 => Registration::Searching,
            3 => Registration::Denied,
            5 => Registration::Roaming,
            n => Registration::Other(n),
        }
    }

    /// Registered on the home network or roaming.
    pub fn is_registered(self) -> bool {
        matches!(self, Registration::Home | Registration::Roaming)
    }
}

/// Radio access technology (`<AcT>` of `+COPS`/`+CEREG`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum AccessTech {
    /// GSM (2G).
    Gsm,
    /// UTRAN / HSPA (3G).
    Utran,
    /// E-UTRAN (LTE, 4G).
    Lte,
    /// Another value.
    Other(u8),
}

impl AccessTech {
    /// From an `<AcT>` value.
    pub fn from_act(act: u8) -> Self {
        match act {
            0 | 1 | 3 => AccessTech::Gsm,
            2 | 4 | 5 | 6 => AccessTech::Utran,
            7 => AccessTech::Lte,
            n => AccessTech::Other(n),
        }
    }

    /// Short label for the status bar.
    pub fn label(self) -> &'static str {
        match self {
            AccessTech::Gsm => "2G",
            AccessTech::Utran => "3G",
            AccessTech::Lte => "4G",
            AccessTech::Other(_) => "",
        }
    }
}

/// The data bearer in ECM mode: the modem's data call bound to its USB network interface.
/// DHCP on that interface is the operating system's job, outside the modem thread.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Default)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum DataBearer {
    /// Not checked yet (port closed, SIM not ready or not registered).
    #[default]
    Unknown,
    /// The USB network function is not ECM; `AT+QCFG="usbnet",1` is written and applies
    /// after the modem's next reboot.
    NeedsReboot {
        /// The mode found (0 RmNet, 2 MBIM, 3 RNDIS, ...).
        usbnet: u8,
    },
    /// Registered, no data call.
    Disconnected,
    /// Data call requested (`AT+QNETDEVCTL=1,1,1`), not up yet.
    Connecting,
    /// The data call is up on the ECM interface.
    Connected,
}

/// Everything known about the modem, as of the last poll.
#[derive(Debug, Clone, PartialEq, Serialize, Default)]
pub struct ModemStatus {
    /// The AT port is open and the modem answers.
    pub port_open: bool,
    /// The device path in use (or last used).
    pub port: Option<PathBuf>,
    /// SIM state.
    pub sim: SimState,
    /// The last PIN entered (by configuration or by the operator) was rejected.
    pub pin_rejected: bool,
    /// SIM ICCID.
    pub iccid: Option<String>,
    /// Modem IMEI (15 digits, Luhn-checked).
    pub imei: Option<String>,
    /// LTE registration.
    pub registration: Registration,
    /// Access technology of the serving network.
    pub access_tech: Option<AccessTech>,
    /// Tracking area code (hex).
    pub tac: Option<String>,
    /// Cell identity (hex).
    pub cell_id: Option<String>,
    /// Operator name as the network reports it.
    pub operator: Option<String>,
    /// RSSI, dBm (`+CSQ`).
    pub rssi_dbm: Option<i16>,
    /// LTE RSRP, dBm (`+QCSQ`).
    pub rsrp_dbm: Option<i16>,
    /// LTE RSRQ, dB (`+QCSQ`).
    pub rsrq_db: Option<i16>,
    /// LTE SINR, dB (`+QCSQ`).
    pub sinr_db: Option<f32>,
    /// Data bearer.
    pub data: DataBearer,
    /// Network time (`+CCLK?`, set by the network with `AT+CTZU=3`), with the local offset.
    #[serde(with = "time::serde::rfc3339::option")]
    pub network_time: Option<OffsetDateTime>,
    /// The latest problem, for logs and support (English, technical).
    pub last_error: Option<String>,
    /// Recovery ladder state and counters.
    pub recovery: RecoveryStatus,
    /// Completed status polls since start; grows while the modem is healthy.
    pub polls: u64,
}

/// Signal bar glyphs, weakest first; an unlit bar is shown as `▁`.
const BARS: [char; 4] = ['▂', '▄', '▆', '█'];

impl ModemStatus {
    /// Signal strength as 0–4 bars: from RSRP on LTE, otherwise from RSSI; 0 when not
    /// registered.
    pub fn signal_bars(&self) -> u8 {
        if !self.is_registered() {
            return 0;
        }
        if let Some(rsrp) = self.rsrp_dbm {
            return match rsrp {
                r if r >= -85 => 4,
                r if r >= -95 => 3,
                r if r >= -105 => 2,
                r if r >= -115 => 1,
                _ => 0,
            };
        }
        match self.rssi_dbm {
            Some(r) if r >= -73 => 4,
            Some(r) if r >= -83 => 3,
            Some(r) if r >= -93 => 2,
            Some(r) if r >= -109 => 1,
            _ => 0,
        }
    }

    /// Registered on the home network or roaming.
    pub fn is_registered(&self) -> bool {
        self.registration.is_registered()
    }

    /// The data call is up (the OS still has to run DHCP on the USB interface).
    pub fn data_up(&self) -> bool {
        self.data == DataBearer::Connected
    }

    /// Short Japanese text for the kiosk's status bar, e.g. `NTT DOCOMO 4G ▂▄▆█` or
    /// `SIMカードが見つかりません`.
    pub fn summary_ja(&self) -> String {
        if !self.port_open {
            return "モバイル通信モジュールが応答しません".to_string();
        }
        match &self.sim {
            SimState::Missing => return "SIMカードが見つかりません".to_string(),
            SimState::Unknown | SimState::Busy => return "SIMカードを確認中です".to_string(),
            SimState::PinRequired { attempts_left } => {
                return match (self.pin_rejected, attempts_left) {
                    (true, Some(n)) => format!("SIMのPINが違います（残り{n}回）"),
                    (true, None) => "SIMのPINが違います".to_string(),
                    (false, _) => "SIMのPINを入力してください".to_string(),
                };
            }
            SimState::PukRequired => {
                return "SIMがロックされています（PUKが必要です）".to_string();
            }
            SimState::Locked { .. } => return "SIMがロックされています".to_string(),
            SimState::Failed { .. } => return "SIMカードを読み取れません".to_string(),
            SimState::Ready => {}
        }
        match self.registration {
            Registration::Home | Registration::Roaming => {}
            Registration::Searching => return "圏外（電波を探しています）".to_string(),
            Registration::Denied => return "ネットワークに接続が拒否されました".to_string(),
            Registration::Unknown => return "ネットワークを確認中です".to_string(),
            Registration::NotRegistered | Registration::Other(_) => return "圏外".to_string(),
        }
        let bars = self.signal_bars();
        let glyphs: String = BARS
            .iter()
            .enumerate()
            .map(|(i, g)| if (i as u8) < bars { *g } else { '▁' })
            .collect();
        let mut text = String::new();
        if let Some(op) = &self.operator {
            text.push_str(op);
            text.push(' ');
        }
        if let Some(tech) = self.access_tech {
            let label = tech.label();
            if !label.is_empty() {
                text.push_str(label);
                text.push(' ');
            }
        }
        text.push_str(&glyphs);
        if self.registration == Registration::Roaming {
            text.push_str(" ローミング");
        }
        match self.data {
            DataBearer::Connected | DataBearer::Unknown => {}
            DataBearer::NeedsReboot { .. } => text.push_str(" データ通信の設定を反映中"),
            DataBearer::Connecting => text.push_str(" データ通信に接続中"),
            DataBearer::Disconnected => text.push_str(" データ通信なし"),
        }
        text
    }

    /// The heartbeat fields sent to the back office on check-in.
    pub fn heartbeat(&self) -> ModemHeartbeat {
        ModemHeartbeat {
            operator: self.operator.clone(),
            registered: self.is_registered(),
            signal_dbm: self.rsrp_dbm.or(self.rssi_dbm),
            iccid: self.iccid.clone(),
        }
    }
}

#[cfg(test)]
impl ModemStatus {
    /// A modem on the air for tests: SIM ready, registered at home on DOCOMO LTE with good
    /// signal, data call up. One fixture for every test module of the modem.
    pub(crate) fn on_air() -> Self {
        ModemStatus {
            port_open: true,
            sim: SimState::Ready,
            registration: Registration::Home,
            operator: Some("NTT DOCOMO".into()),
            access_tech: Some(AccessTech::Lte),
            rssi_dbm: Some(-69),
            rsrp_dbm: Some(-80),
            rsrq_db: Some(-10),
            sinr_db: Some(13.0),
            tac: Some("1A2B".into()),
            cell_id: Some("01A2B3C4".into()),
            data: DataBearer::Connected,
            imei: Some("866758041234564".into()),
            iccid: Some("8981100022152367890".into()),
            ..ModemStatus::default()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bars_follow_rsrp_then_rssi_and_need_registration() {
        let mut s = ModemStatus::on_air();
        assert_eq!(s.signal_bars(), 4);
        s.rsrp_dbm = Some(-100);
        assert_eq!(s.signal_bars(), 2);
        s.rsrp_dbm = Some(-120);
        assert_eq!(s.signal_bars(), 0);
        s.rsrp_dbm = None;
        s.rssi_dbm = Some(-85);
        assert_eq!(s.signal_bars(), 2);
        s.registration = Registration::Searching;
        assert_eq!(s.signal_bars(), 0);
    }

    #[test]
    fn summary_texts() {
        let mut s = ModemStatus::on_air();
        assert_eq!(s.summary_ja(), "NTT DOCOMO 4G ▂▄▆█");
        s.rsrp_dbm = Some(-100);
        s.registration = Registration::Roaming;
        assert_eq!(s.summary_ja(), "NTT DOCOMO 4G ▂▄▁▁ ローミング");
        s.sim = SimState::Missing;
        assert_eq!(s.summary_ja(), "SIMカードが見つかりません");
        s.sim = SimState::PinRequired {
            attempts_left: Some(2),
        };
        s.pin_rejected = true;
        assert_eq!(s.summary_ja(), "SIMのPINが違います（残り2回）");
        s.port_open = false;
        assert_eq!(s.summary_ja(), "モバイル通信モジュールが応答しません");
    }

    #[test]
    fn heartbeat_prefers_rsrp() {
        let h = ModemStatus::on_air().heartbeat();
        assert!(h.registered);
        assert_eq!(h.signal_dbm, Some(-80));
        assert_eq!(h.operator.as_deref(), Some("NTT DOCOMO"));
        assert_eq!(h.iccid.as_deref(), Some("8981100022152367890"));
    }

    #[test]
    fn serializes_states_as_tagged_json() {
        let mut s = ModemStatus::on_air();
        s.sim = SimState::PinRequired {
            attempts_left: Some(3),
        };
        let v = serde_json::to_value(&s).unwrap();
        assert_eq!(v["sim"]["state"], "pin_required");
        assert_eq!(v["sim"]["attempts_left"], 3);
        assert_eq!(v["registration"], "home");
        assert_eq!(v["data"]["state"], "connected");
    }
}
