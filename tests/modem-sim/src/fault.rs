//! Scripted faults the simulator can play.

use std::fmt;
use std::str::FromStr;

/// A fault (or adverse condition) the simulated modem exhibits until another is set.
///
/// Conditions (`NoSim`, `PinLocked`, `NoSignal`) change what the modem reports; line faults
/// (`Garbage`, `ByteAtATime`, `UrcInResponse`) change how it writes; `HangOnce`,
/// `Wedged` and `Reenumerate` change whether and where it answers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Fault {
    /// A healthy modem.
    #[default]
    None,
    /// No SIM inserted: `AT+CPIN?` answers `+CME ERROR: 10`.
    NoSim,
    /// The SIM has its PIN lock enabled and no PIN has been entered since power-up.
    PinLocked,
    /// No coverage: registration searching, `+CSQ: 99,99`, `+QCSQ: "NOSERVICE"`.
    NoSignal,
    /// Line noise (control and non-UTF-8 bytes, a junk line) between response lines.
    Garbage,
    /// Every byte is written on its own, with a small pause between bytes.
    ByteAtATime,
    /// A URC is written in the middle of every response.
    UrcInResponse,
    /// The next command is never answered; then the modem is healthy again.
    HangOnce,
    /// Nothing is answered (not even `AT+CFUN=1,1`) until the modem is power-cycled.
    Wedged,
    /// The USB device re-enumerates once: the pty closes and a new one appears under a
    /// new path; then the modem is healthy again.
    Reenumerate,
}

impl Fault {
    /// Every fault, in CLI-name order.
    pub const ALL: [Fault; 10] = [
        Fault::None,
        Fault::NoSim,
        Fault::PinLocked,
        Fault::NoSignal,
        Fault::Garbage,
        Fault::ByteAtATime,
        Fault::UrcInResponse,
        Fault::HangOnce,
        Fault::Wedged,
        Fault::Reenumerate,
    ];

    /// The name used on the command line (`--fault NAME`).
    pub fn name(self) -> &'static str {
        match self {
            Fault::None => "none",
            Fault::NoSim => "no-sim",
            Fault::PinLocked => "pin-locked",
            Fault::NoSignal => "no-signal",
            Fault::Garbage => "garbage",
            Fault::ByteAtATime => "byte-at-a-time",
            Fault::UrcInResponse => "urc-in-response",
            Fault::HangOnce => "hang-once",
            Fault::Wedged => "wedged",
            Fault::Reenumerate => "reenumerate",
        }
    }
}

impl fmt::Display for Fault {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A fault name that is not one of [`Fault::ALL`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "unknown fault {0:?} (known: none, no-sim, pin-locked, no-signal, garbage, byte-at-a-time, urc-in-response, hang-once, wedged, reenumerate)"
)]
pub struct UnknownFault(pub String);

impl FromStr for Fault {
    type Err = UnknownFault;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Fault::ALL
            .into_iter()
            .find(|f| f.name().eq_ignore_ascii_case(s.trim()))
            .ok_or_else(|| UnknownFault(s.to_string()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for f in Fault::ALL {
            assert_eq!(f.name().parse::<Fault>(), Ok(f));
        }
        assert!("bogus".parse::<Fault>().is_err());
    }
}
