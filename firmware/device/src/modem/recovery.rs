//! The recovery ladder for a modem that stops answering: retry → `AT` probe → the vendor's
//! reset (`AT+CFUN=1,1` on the EC25) → power cycle, with rate limits so a broken modem gets
//! a slow, steady schedule instead of a reset storm.

use std::time::{Duration, Instant};

use serde::Serialize;

/// Limits and pacing of recovery.
#[derive(Debug, Clone)]
pub struct RecoveryPolicy {
    /// `AT` probes after a command timed out twice.
    pub probe_attempts: u32,
    /// Timeout of one `AT` probe (also used for a blind reset).
    pub probe_timeout: Duration,
    /// How long the modem gets to come back after a reset or power cycle (or after its port
    /// vanished) before the ladder climbs further.
    pub settle_time: Duration,
    /// Whether the modem may be reset at all.
    pub allow_reset: bool,
    /// Least time between two resets.
    pub min_reset_interval: Duration,
    /// Least time between two power cycles.
    pub min_power_cycle_interval: Duration,
}

impl Default for RecoveryPolicy {
    fn default() -> Self {
        RecoveryPolicy {
            probe_attempts: 2,
            probe_timeout: Duration::from_secs(2),
            settle_time: Duration::from_secs(30),
            allow_reset: true,
            min_reset_interval: Duration::from_secs(10 * 60),
            min_power_cycle_interval: Duration::from_secs(30 * 60),
        }
    }
}

/// Where the ladder stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum RecoveryStage {
    /// The modem answers.
    #[default]
    Healthy,
    /// A command timed out; probing with `AT`.
    Probing,
    /// Waiting for the modem (or its port) to come back after a reset, power cycle or
    /// hang-up.
    WaitingForModem,
    /// Every allowed step was taken; waiting for a rate limit to expire (or for the modem to
    /// answer again by itself).
    HoldingOff,
}

/// Ladder state and counters, part of the modem status.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Default)]
pub struct RecoveryStatus {
    /// Where the ladder stands.
    pub stage: RecoveryStage,
    /// Commands that timed out.
    pub timeouts: u32,
    /// Times the `AT` probe found the modem mute.
    pub failed_probes: u32,
    /// Resets sent.
    pub resets: u32,
    /// Power cycles performed through the hook.
    pub power_cycles: u32,
    /// Successful (re)connections to the AT port.
    pub connects: u32,
    /// Failed attempts to open and sync the port.
    pub failed_connects: u32,
}

/// The next rung to take.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    /// Send the vendor's reset command.
    Reset,
    /// Call the power-cycle hook.
    PowerCycle,
    /// Nothing allowed now: wait.
    HoldOff,
}

/// Decides the next rung and enforces the rate limits.
#[derive(Debug)]
pub struct Ladder {
    policy: RecoveryPolicy,
    last_reset: Option<Instant>,
    last_power_cycle: Option<Instant>,
    reset_tried: bool,
    /// Counters and stage, published with the status.
    pub status: RecoveryStatus,
}

impl Ladder {
    /// A ladder with `policy`.
    pub fn new(policy: RecoveryPolicy) -> Self {
        Ladder {
            policy,
            last_reset: None,
            last_power_cycle: None,
            reset_tried: false,
            status: RecoveryStatus::default(),
        }
    }

    /// The policy in force.
    pub fn policy(&self) -> &RecoveryPolicy {
        &self.policy
    }

    /// Whether a reset is allowed now.
    pub fn may_reset(&self, now: Instant) -> bool {
        self.policy.allow_reset
            && self
                .last_reset
                .is_none_or(|t| now.duration_since(t) >= self.policy.min_reset_interval)
    }

    /// Whether a power cycle is allowed now (given a hook exists).
    pub fn may_power_cycle(&self, now: Instant) -> bool {
        self.last_power_cycle
            .is_none_or(|t| now.duration_since(t) >= self.policy.min_power_cycle_interval)
    }

    /// The next rung for a mute modem: a reset first (when a port is open to send it on),
    /// then a power cycle, each only as often as the policy allows.
    pub fn next_step(&self, now: Instant, port_open: bool, has_hook: bool) -> Step {
        let reset_ok = port_open && self.may_reset(now);
        let power_ok = has_hook && self.may_power_cycle(now);
        if reset_ok && !self.reset_tried {
            Step::Reset
        } else if power_ok {
            Step::PowerCycle
        } else if reset_ok {
            Step::Reset
        } else {
            Step::HoldOff
        }
    }

    /// Records a reset.
    pub fn note_reset(&mut self, now: Instant) {
        self.last_reset = Some(now);
        self.reset_tried = true;
        self.status.resets += 1;
        self.status.stage = RecoveryStage::WaitingForModem;
    }

    /// Records a power cycle.
    pub fn note_power_cycle(&mut self, now: Instant) {
        self.last_power_cycle = Some(now);
        self.status.power_cycles += 1;
        self.status.stage = RecoveryStage::WaitingForModem;
    }

    /// The modem answers again.
    pub fn note_healthy(&mut self) {
        self.reset_tried = false;
        self.status.stage = RecoveryStage::Healthy;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn policy() -> RecoveryPolicy {
        RecoveryPolicy {
            min_reset_interval: Duration::from_secs(600),
            min_power_cycle_interval: Duration::from_secs(1800),
            ..RecoveryPolicy::default()
        }
    }

    #[test]
    fn climbs_reset_then_power_cycle_then_holds_off() {
        let mut l = Ladder::new(policy());
        let t0 = Instant::now();
        assert_eq!(l.next_step(t0, true, true), Step::Reset);
        l.note_reset(t0);
        assert_eq!(l.next_step(t0, true, true), Step::PowerCycle);
        l.note_power_cycle(t0);
        assert_eq!(
            l.next_step(t0 + Duration::from_secs(60), true, true),
            Step::HoldOff
        );
        // The reset interval expires first.
        assert_eq!(
            l.next_step(t0 + Duration::from_secs(601), true, true),
            Step::Reset
        );
        assert_eq!(
            l.next_step(t0 + Duration::from_secs(1801), false, true),
            Step::PowerCycle
        );
    }

    #[test]
    fn without_hook_or_port_it_holds_off() {
        let mut l = Ladder::new(policy());
        let t0 = Instant::now();
        assert_eq!(l.next_step(t0, false, false), Step::HoldOff);
        l.note_reset(t0);
        assert_eq!(l.next_step(t0, true, false), Step::HoldOff);
        l.note_healthy();
        assert_eq!(
            l.next_step(t0, true, false),
            Step::HoldOff,
            "rate limit survives health"
        );
    }

    #[test]
    fn resets_can_be_disabled() {
        let l = Ladder::new(RecoveryPolicy {
            allow_reset: false,
            ..policy()
        });
        assert_eq!(l.next_step(Instant::now(), true, false), Step::HoldOff);
    }
}
