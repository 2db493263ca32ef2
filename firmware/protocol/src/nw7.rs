//! NW-7 (Codabar) payloads.
//!
//! 2021 tickets carry only the 10-digit ticket number in NW-7; later tickets may carry all
//! 18 digits. Decoders may or may not keep the start/stop characters (A–D); both are
//! accepted here. A 10-digit read is a [`Nw7Read::Partial`]: without municipality and dose
//! it can never be registered alone, only used to corroborate another read.

use crate::ticket::{TicketError, TicketNumber, TicketPayload, mask};

/// Why an NW-7 read is not usable.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Nw7Error {
    /// Only one of the start/stop characters is present, or they are not A–D.
    #[error("NW-7 のスタート/ストップ文字が不正です(「{found}」)")]
    StartStop {
        /// The masked text as read.
        found: String,
    },
    /// Neither 10 nor 18 digits between start and stop.
    #[error("NW-7 の桁数が違います(10桁または18桁、{found}桁を読み取りました)")]
    Length {
        /// Digit count found.
        found: usize,
    },
    /// A non-digit character inside the data.
    #[error("NW-7 の{position}桁目「{found}」が数字ではありません")]
    NotDigit {
        /// 1-based position after stripping start/stop.
        position: usize,
        /// The offending character.
        found: char,
    },
    /// 18 digits whose ticket structure is wrong.
    #[error("NW-7 の18桁が接種券番号として不正です: {0}")]
    Ticket(#[from] TicketError),
}

/// What an NW-7 barcode said.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Nw7Read {
    /// The 10-digit ticket number only (2021 tickets). Never registrable alone.
    Partial(TicketNumber),
    /// All 18 digits.
    Full(TicketPayload),
}

impl Nw7Read {
    /// Parses decoder text, with or without start/stop characters.
    pub fn parse(text: &str) -> Result<Self, Nw7Error> {
        let is_guard = |c: char| matches!(c.to_ascii_uppercase(), 'A'..='D');
        let first = text.chars().next();
        let last = text.chars().last();
        let data = match (first, last) {
            (Some(f), Some(l)) if text.chars().count() >= 2 && is_guard(f) && is_guard(l) => {
                &text[f.len_utf8()..text.len() - l.len_utf8()]
            }
            (Some(f), Some(l)) if is_guard(f) || is_guard(l) => {
                return Err(Nw7Error::StartStop { found: mask(text) });
            }
            _ => text,
        };
        if let Some((i, c)) = data.chars().enumerate().find(|(_, c)| !c.is_ascii_digit()) {
            return Err(Nw7Error::NotDigit {
                position: i + 1,
                found: c,
            });
        }
        match data.len() {
            10 => Ok(Self::Partial(TicketNumber::parse(data)?)),
            18 => Ok(Self::Full(TicketPayload::parse(data)?)),
            found => Err(Nw7Error::Length { found }),
        }
    }

    /// The ticket number this read carries, whichever form it has.
    pub fn number(&self) -> TicketNumber {
        match self {
            Self::Partial(n) => *n,
            Self::Full(p) => p.number,
        }
    }

    /// Whether this read agrees with a full payload on the digits both carry.
    pub fn agrees_with(&self, payload: &TicketPayload) -> bool {
        match self {
            Self::Partial(n) => *n == payload.number,
            Self::Full(p) => p == payload,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn start_stop_are_stripped() {
        let read = Nw7Read::parse("A0000012345B").unwrap();
        assert!(matches!(read, Nw7Read::Partial(_)));
        assert_eq!(read.number().as_str(), "0000012345");
        let read = Nw7Read::parse("c121310160000012345d").unwrap();
        assert!(matches!(read, Nw7Read::Full(_)));
        assert_eq!(Nw7Read::parse("0000012345").unwrap(), read_partial());
    }

    fn read_partial() -> Nw7Read {
        Nw7Read::Partial(TicketNumber::parse("0000012345").unwrap())
    }

    #[test]
    fn errors_name_the_fault() {
        assert_eq!(
            Nw7Read::parse("A00000123B"),
            Err(Nw7Error::Length { found: 8 })
        );
        assert!(matches!(
            Nw7Read::parse("A0000012345"),
            Err(Nw7Error::StartStop { .. })
        ));
        assert_eq!(
            Nw7Read::parse("A00000-2345B"),
            Err(Nw7Error::NotDigit {
                position: 6,
                found: '-'
            })
        );
        assert!(matches!(
            Nw7Read::parse("A101310160000012345B"),
            Err(Nw7Error::Ticket(TicketError::DoseZero))
        ));
        assert_eq!(Nw7Read::parse(""), Err(Nw7Error::Length { found: 0 }));
    }

    #[test]
    fn agreement_with_a_payload() {
        let payload = TicketPayload::parse("121310160000012345").unwrap();
        assert!(read_partial().agrees_with(&payload));
        let other = TicketPayload::parse("121310160000012346").unwrap();
        assert!(!read_partial().agrees_with(&other));
    }
}
