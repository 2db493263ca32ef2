//! The 18-digit vaccination ticket payload.
//!
//! `券種(1) + 回数(1) + 市町村コード(6) + 券番号(10)`, carried by the OCR line, the QR code and
//! (on later tickets) the NW-7 barcode. Validation happens in two steps:
//! [`TicketPayload::parse`] checks what the digits alone can tell (length, digits, dose,
//! municipality check digit and prefecture), and [`TicketRules::validate`] adds what this
//! deployment knows (allowed 券種, the municipality master list).
//!
//! The ticket number has no check digit: a misread digit is a valid-looking number of
//! another person. That is why reading policy lives in the scanner, not here.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::municipality::{MasterList, Municipality, MunicipalityCode, MunicipalityError};

/// Why a payload is not a ticket this tablet may register. Each variant names exactly what
/// is wrong; the texts are for operators (Japanese).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TicketError {
    /// Not 18 characters.
    #[error("接種券番号は18桁です({found}桁を読み取りました)")]
    Length {
        /// How many characters were given.
        found: usize,
    },
    /// A character that is not an ASCII digit.
    #[error("接種券番号の{position}桁目「{found}」が数字ではありません")]
    NotDigit {
        /// 1-based position.
        position: usize,
        /// The offending character.
        found: char,
    },
    /// 券種 is not in the allowed list.
    #[error("券種 {kind} はこの端末で扱えません(扱える券種: {allowed})")]
    KindNotAllowed {
        /// The 券種 digit.
        kind: u8,
        /// The allowed 券種, comma-separated.
        allowed: String,
    },
    /// 回数 is 0.
    #[error("接種回数が0になっています(1〜9のはずです)")]
    DoseZero,
    /// The municipality part is wrong (format, prefecture, check digit or not in the list).
    #[error("{0}")]
    Municipality(#[from] MunicipalityError),
    /// A ticket number that is not ten digits.
    #[error("券番号は10桁の数字です(「{found}」は不正です)")]
    TicketNumber {
        /// What was given, masked.
        found: String,
    },
}

/// A 10-digit ticket number (券番号). Unique only within its municipality; no check digit.
///
/// `Debug` masks all but the last four digits so that a stray `{:?}` never leaks a
/// number into a log; `Display` shows it whole for the operator's screen and storage.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct TicketNumber([u8; 10]);

impl TicketNumber {
    /// Parses exactly ten ASCII digits.
    pub fn parse(text: &str) -> Result<Self, TicketError> {
        let bytes = text.as_bytes();
        if bytes.len() != 10 || !bytes.iter().all(u8::is_ascii_digit) {
            return Err(TicketError::TicketNumber { found: mask(text) });
        }
        let mut digits = [0u8; 10];
        digits.copy_from_slice(bytes);
        Ok(Self(digits))
    }

    /// The ten digits.
    pub fn as_str(&self) -> &str {
        std::str::from_utf8(&self.0).expect("ASCII digits")
    }

    /// For logs: `******1234`.
    pub fn masked(&self) -> String {
        mask(self.as_str())
    }
}

/// Masks all but the last four characters of a number for logs.
pub fn mask(number: &str) -> String {
    let count = number.chars().count();
    number
        .chars()
        .enumerate()
        .map(|(i, c)| if i + 4 < count { '*' } else { c })
        .collect()
}

impl fmt::Display for TicketNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl fmt::Debug for TicketNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "TicketNumber({})", self.masked())
    }
}

impl TryFrom<String> for TicketNumber {
    type Error = TicketError;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::parse(&value)
    }
}

impl From<TicketNumber> for String {
    fn from(n: TicketNumber) -> Self {
        n.as_str().to_owned()
    }
}

/// Checks that `text` is exactly 18 ASCII digits.
fn check_shape(text: &str) -> Result<(), TicketError> {
    let found = text.chars().count();
    if found != 18 {
        return Err(TicketError::Length { found });
    }
    match text.chars().enumerate().find(|(_, c)| !c.is_ascii_digit()) {
        Some((i, c)) => Err(TicketError::NotDigit {
            position: i + 1,
            found: c,
        }),
        None => Ok(()),
    }
}

/// An 18-digit payload whose structure is valid: digits, dose 1–9, municipality code with a
/// valid prefecture and check digit. Not yet checked against [`TicketRules`].
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug, Serialize, Deserialize)]
pub struct TicketPayload {
    /// 券種: the ticket kind digit.
    pub kind: u8,
    /// 回数: the dose number, 1–9.
    pub dose: u8,
    /// 市町村コード of the issuing municipality.
    pub municipality: MunicipalityCode,
    /// 券番号.
    pub number: TicketNumber,
}

impl TicketPayload {
    /// Checks what the 18 digits alone can tell.
    pub fn parse(text: &str) -> Result<Self, TicketError> {
        check_shape(text)?;
        let b = text.as_bytes();
        let dose = b[1] - b'0';
        if dose == 0 {
            return Err(TicketError::DoseZero);
        }
        Ok(Self {
            kind: b[0] - b'0',
            dose,
            municipality: MunicipalityCode::parse(&text[2..8])?,
            number: TicketNumber::parse(&text[8..18])?,
        })
    }

    /// The 18 digits.
    pub fn digits(&self) -> String {
        format!(
            "{}{}{}{}",
            self.kind, self.dose, self.municipality, self.number
        )
    }

    /// For logs: the 18 digits with the ticket number masked.
    pub fn masked(&self) -> String {
        format!(
            "{}{}{}{}",
            self.kind,
            self.dose,
            self.municipality,
            self.number.masked()
        )
    }
}

/// What this deployment accepts beyond the payload's own structure.
///
/// Which 券種 digits exist is not confirmed by any source, so the list is
/// configuration, delivered to the tablet at check-in.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TicketRules {
    /// Allowed 券種 digits. Default: `1` (vaccination) and `2` (screening only).
    pub allowed_kinds: Vec<u8>,
    /// 券種 digits of screening-only tickets, which can only be registered as 予診のみ.
    /// Default: `2`.
    pub screening_only_kinds: Vec<u8>,
}

impl Default for TicketRules {
    fn default() -> Self {
        Self {
            allowed_kinds: vec![1, 2],
            screening_only_kinds: vec![2],
        }
    }
}

/// A payload that passed every check, with its municipality from the master list.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Ticket {
    /// The validated digits.
    pub payload: TicketPayload,
    /// The issuing municipality, to show the operator.
    pub municipality: Municipality,
}

impl TicketRules {
    /// Whether a ticket of this 券種 may only be registered as 予診のみ.
    pub fn is_screening_only(&self, kind: u8) -> bool {
        self.screening_only_kinds.contains(&kind)
    }

    /// Full validation of an 18-character payload.
    ///
    /// Faults are reported in reading order: shape, then 券種, 回数, municipality.
    pub fn parse(&self, text: &str, master: &MasterList) -> Result<Ticket, TicketError> {
        check_shape(text)?;
        self.check_kind(text.as_bytes()[0] - b'0')?;
        self.validate(TicketPayload::parse(text)?, master)
    }

    fn check_kind(&self, kind: u8) -> Result<(), TicketError> {
        if self.allowed_kinds.contains(&kind) {
            return Ok(());
        }
        let allowed: Vec<String> = self.allowed_kinds.iter().map(u8::to_string).collect();
        Err(TicketError::KindNotAllowed {
            kind,
            allowed: allowed.join(", "),
        })
    }

    /// Checks a structurally valid payload against the allowed kinds and the master list.
    pub fn validate(
        &self,
        payload: TicketPayload,
        master: &MasterList,
    ) -> Result<Ticket, TicketError> {
        self.check_kind(payload.kind)?;
        let municipality = master.require(payload.municipality)?.clone();
        Ok(Ticket {
            payload,
            municipality,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<Ticket, TicketError> {
        TicketRules::default().parse(text, MasterList::embedded())
    }

    #[test]
    fn valid_vectors_from_domain() {
        for (text, code, name, dose, kind) in [
            ("110110020000000001", "011002", "札幌市", 1, 1),
            ("121310160000012345", "131016", "千代田区", 2, 1),
            ("131311300000000042", "131130", "渋谷区", 3, 1),
            ("110121310000000500", "012131", "苫小牧市", 1, 1),
            ("152710041234567890", "271004", "大阪市", 5, 1),
            ("210110020000000001", "011002", "札幌市", 1, 2),
        ] {
            let t = parse(text).unwrap_or_else(|e| panic!("{text}: {e}"));
            assert_eq!(t.payload.municipality.to_string(), code);
            assert_eq!(t.municipality.name, name);
            assert_eq!(t.payload.dose, dose);
            assert_eq!(t.payload.kind, kind);
            assert_eq!(t.payload.digits(), text);
        }
    }

    #[test]
    fn invalid_vectors_from_domain_name_the_fault() {
        assert!(matches!(
            parse("121310170000012345"),
            Err(TicketError::Municipality(MunicipalityError::CheckDigit {
                expected: 6,
                ..
            }))
        ));
        assert_eq!(
            parse("12131016000001234"),
            Err(TicketError::Length { found: 17 })
        );
        assert_eq!(parse("101310160000012345"), Err(TicketError::DoseZero));
        assert!(matches!(
            parse("901310160000012345"),
            Err(TicketError::KindNotAllowed { kind: 9, .. })
        ));
        assert_eq!(
            parse("12131O160000012345"),
            Err(TicketError::NotDigit {
                position: 6,
                found: 'O'
            })
        );
        assert!(matches!(
            parse("119999970000000001"),
            Err(TicketError::Municipality(MunicipalityError::Prefecture {
                prefecture: 99,
                ..
            }))
        ));
        assert!(matches!(
            parse("110120310000000001"),
            Err(TicketError::Municipality(MunicipalityError::CheckDigit {
                expected: 3,
                ..
            }))
        ));
    }

    #[test]
    fn misread_into_another_real_municipality_is_structurally_valid() {
        // 014061 (古平町) and 011061 (札幌市 南区) differ by a 1↔4 misread and both
        // pass the check digit: the reason reading policy cannot rely on it.
        let a = parse("110140610000000001").unwrap();
        let b = parse("110110610000000001").unwrap();
        assert_ne!(a.municipality.name, b.municipality.name);
    }

    #[test]
    fn non_ascii_digits_are_refused_with_position() {
        assert_eq!(
            parse("１21310160000012345").unwrap_err(),
            TicketError::NotDigit {
                position: 1,
                found: '１'
            }
        );
    }

    #[test]
    fn allowed_kinds_are_configurable() {
        let rules = TicketRules {
            allowed_kinds: vec![1],
            ..TicketRules::default()
        };
        assert!(rules.is_screening_only(2));
        let err = rules
            .parse("210110020000000001", MasterList::embedded())
            .unwrap_err();
        assert!(err.to_string().contains("券種 2"), "{err}");
    }

    #[test]
    fn ticket_numbers_are_masked_in_debug() {
        let t = parse("152710041234567890").unwrap();
        let debug = format!("{:?}", t.payload);
        assert!(!debug.contains("1234567890"), "{debug}");
        assert!(debug.contains("******7890"), "{debug}");
        assert_eq!(t.payload.masked(), "15271004******7890");
    }
}
