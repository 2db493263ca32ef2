//! The status bar's data, assembled from the device, uplink, modem and camera snapshots.

use time::OffsetDateTime;
use vrs_device::camera::CameraStatus;
use vrs_device::modem::ModemStatus;
use vrs_device::session::DeviceView;
use vrs_device::store::OutboxDepth;
use vrs_device::uplink::SyncStatus;

use crate::format;
use crate::session_time::to_jst;
use crate::ui::StatusInfo;

/// Snapshots the status bar is made of.
#[derive(Debug, Clone, Default)]
pub struct StatusSnapshot {
    /// Lifecycle, identity, activation.
    pub device: Option<DeviceView>,
    /// Login ID of the operator.
    pub operator: Option<String>,
    /// Records waiting for the back office, from the store.
    pub outbox: Option<OutboxDepth>,
    /// Uplink state; `None` when the kiosk runs without an uplink.
    pub sync: Option<SyncStatus>,
    /// Modem state; `None` without a modem.
    pub modem: Option<ModemStatus>,
    /// Camera thread state; `None` without a camera.
    pub camera: Option<CameraStatus>,
}

/// Builds the status bar for `now`.
pub fn assemble(s: &StatusSnapshot, now: OffsetDateTime) -> StatusInfo {
    let municipality = s
        .device
        .as_ref()
        .and_then(|d| d.activation.as_ref())
        .map(|a| a.municipality_name.clone())
        .unwrap_or_default();
    let (signal_bars, network, data_up) = match &s.modem {
        Some(m) => (i32::from(m.signal_bars()), network_text(m), m.data_up()),
        None => (-1, "モデムなし".to_owned(), false),
    };
    let (pending, oldest_age) = match &s.outbox {
        Some(outbox) => (
            i32::try_from(outbox.pending).unwrap_or(i32::MAX),
            outbox
                .oldest
                .map(|t| format!("(最古 {})", format::age(now - t)))
                .unwrap_or_default(),
        ),
        None => (-1, String::new()),
    };
    let sync_error = s
        .sync
        .as_ref()
        .and_then(|sync| sync.last_error.clone())
        .unwrap_or_default();
    let (camera, camera_ok) = match &s.camera {
        None => ("カメラなし".to_owned(), false),
        Some(c) => camera_text(c),
    };
    StatusInfo {
        municipality: municipality.into(),
        operator: s.operator.clone().unwrap_or_default().into(),
        signal_bars,
        network: network.into(),
        data_up,
        pending,
        oldest_age: oldest_age.into(),
        sync_error: sync_error.into(),
        camera: camera.into(),
        camera_ok,
        clock: format::clock(to_jst(now)).into(),
    }
}

/// Operator name and technology when registered; otherwise the modem's own summary
/// (no SIM, out of coverage, ...), which already says what is wrong.
fn network_text(m: &ModemStatus) -> String {
    if m.is_registered() {
        let mut text = m.operator.clone().unwrap_or_else(|| "LTE".to_owned());
        if let Some(tech) = m.access_tech {
            let label = tech.label();
            if !label.is_empty() {
                text.push(' ');
                text.push_str(label);
            }
        }
        text
    } else {
        m.summary_ja()
    }
}

fn camera_text(c: &CameraStatus) -> (String, bool) {
    match c {
        CameraStatus::Streaming { .. } => ("カメラ OK".to_owned(), true),
        CameraStatus::Starting => ("カメラ起動中".to_owned(), false),
        CameraStatus::Reconnecting { .. } => ("カメラ再接続中".to_owned(), false),
        CameraStatus::Failed { .. } => ("カメラ故障".to_owned(), false),
        CameraStatus::Ended => ("映像終了".to_owned(), false),
        CameraStatus::Stopped => ("カメラ停止".to_owned(), false),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use vrs_protocol::Lifecycle;
    use vrs_protocol::wire::Activation;

    #[test]
    fn pending_age_and_missing_parts_are_shown() {
        let now = time::macros::datetime!(2021-06-01 05:00 UTC);
        let snapshot = StatusSnapshot {
            device: Some(DeviceView {
                lifecycle: Lifecycle::Active,
                identity: vrs_device::identity::DeviceIdentity::new("VRS-0001", "490154203237518")
                    .unwrap(),
                activation: Some(Activation {
                    municipality: "131016".parse().unwrap(),
                    municipality_name: "千代田区".into(),
                }),
            }),
            operator: Some("staff01".into()),
            outbox: Some(OutboxDepth {
                pending: 3,
                oldest: Some(now - time::Duration::minutes(7)),
            }),
            sync: Some(SyncStatus::default()),
            modem: None,
            camera: Some(CameraStatus::Streaming {
                describe: "replay".into(),
            }),
        };
        let info = assemble(&snapshot, now);
        assert_eq!(info.municipality, "千代田区");
        assert_eq!(info.operator, "staff01");
        assert_eq!(info.pending, 3);
        assert_eq!(info.oldest_age, "(最古 7分前)");
        assert_eq!(info.signal_bars, -1);
        assert_eq!(info.network, "モデムなし");
        assert!(info.camera_ok);
        assert_eq!(info.clock, "14:00", "JST");
        let none = assemble(&StatusSnapshot::default(), now);
        assert_eq!(none.pending, -1, "no store read");
        assert_eq!(none.camera, "カメラなし");
        assert!(!none.camera_ok);
    }
}
