//! The device lifecycle, as both the tablet and the back office see it.

use serde::{Deserialize, Serialize};

/// Where a tablet stands in its life.
///
/// `factory` → `awaiting_activation` (enrolled: key pair and client certificate, shows its
/// identity, refuses login) → `active` for one municipality → `locked` (no login, still
/// uploads its outbox) → `wiped` (outbox acknowledged, local data erased).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Lifecycle {
    /// No identity yet: must enroll.
    Factory,
    /// Enrolled; the central office has not activated it for a municipality.
    AwaitingActivation,
    /// Activated for one municipality: login, presets and reading allowed.
    Active,
    /// Locked remotely (lost, swapped): no login; the outbox keeps draining.
    Locked,
    /// Local data erased after the outbox was acknowledged.
    Wiped,
}

impl Lifecycle {
    /// Whether staff may log in.
    pub fn allows_login(self) -> bool {
        self == Self::Active
    }

    /// Whether unsent records should still be uploaded.
    pub fn uploads(self) -> bool {
        matches!(self, Self::Active | Self::Locked)
    }

    /// The state as the operator reads it.
    pub fn label_ja(self) -> &'static str {
        match self {
            Self::Factory => "未登録(初期状態)",
            Self::AwaitingActivation => "利用開始前(未アクティベート)",
            Self::Active => "利用中",
            Self::Locked => "利用停止中",
            Self::Wiped => "データ消去済み",
        }
    }

    /// The snake_case name used on the wire and in storage.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Factory => "factory",
            Self::AwaitingActivation => "awaiting_activation",
            Self::Active => "active",
            Self::Locked => "locked",
            Self::Wiped => "wiped",
        }
    }

    /// The inverse of [`Lifecycle::as_str`].
    pub fn from_name(name: &str) -> Option<Self> {
        [
            Self::Factory,
            Self::AwaitingActivation,
            Self::Active,
            Self::Locked,
            Self::Wiped,
        ]
        .into_iter()
        .find(|l| l.as_str() == name)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_and_match_serde() {
        for l in [
            Lifecycle::Factory,
            Lifecycle::AwaitingActivation,
            Lifecycle::Active,
            Lifecycle::Locked,
            Lifecycle::Wiped,
        ] {
            assert_eq!(Lifecycle::from_name(l.as_str()), Some(l));
            assert_eq!(
                serde_json::to_string(&l).unwrap(),
                format!("\"{}\"", l.as_str())
            );
        }
        assert!(Lifecycle::Active.allows_login());
        assert!(!Lifecycle::Locked.allows_login());
        assert!(Lifecycle::Locked.uploads());
    }
}
