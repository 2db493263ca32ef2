//! One registered dose, as it is stored on the tablet and uploaded to the back office.

use serde::{Deserialize, Serialize};
use time::{Date, OffsetDateTime};
use uuid::Uuid;

use crate::municipality::MunicipalityCode;
use crate::ticket::TicketNumber;

/// What happened at the venue.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// 接種済: the dose was given.
    Vaccinated,
    /// 予診のみ: screening only, no dose given.
    ScreeningOnly,
}

impl Outcome {
    /// 接種済 / 予診のみ.
    pub fn label_ja(self) -> &'static str {
        match self {
            Self::Vaccinated => "接種済",
            Self::ScreeningOnly => "予診のみ",
        }
    }

    /// The snake_case name used on the wire and in storage.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Vaccinated => "vaccinated",
            Self::ScreeningOnly => "screening_only",
        }
    }

    /// The inverse of [`Outcome::as_str`].
    pub fn from_name(name: &str) -> Option<Self> {
        [Self::Vaccinated, Self::ScreeningOnly]
            .into_iter()
            .find(|o| o.as_str() == name)
    }
}

/// Why a record's fields cannot be stored.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RecordError {
    /// A text field is empty.
    #[error("{field}が入力されていません")]
    Empty {
        /// The field's Japanese name.
        field: &'static str,
    },
    /// A text field is longer than the record format allows.
    #[error("{field}は{max}文字以内で入力してください({len}文字あります)")]
    TooLong {
        /// The field's Japanese name.
        field: &'static str,
        /// The limit.
        max: usize,
        /// The length found.
        len: usize,
    },
    /// A character the national system cannot store (外字, control characters).
    #[error("{field}に使えない文字「{found}」があります(外字や制御文字は使えません)")]
    Character {
        /// The field's Japanese name.
        field: &'static str,
        /// The character, escaped.
        found: String,
    },
    /// Dose outside 1–9.
    #[error("接種回数 {0} は不正です(1〜9)")]
    Dose(u8),
}

/// One registration. `id` is a UUIDv7 made on the tablet: uploads are idempotent by it.
/// The business key is (municipality, ticket number, dose): a later registration of the
/// same key overwrites the earlier one, which the back office keeps in its history.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Record {
    /// Made on the tablet, time-ordered.
    pub id: Uuid,
    /// When the operator pressed register.
    #[serde(with = "time::serde::rfc3339")]
    pub registered_at: OffsetDateTime,
    /// The day of vaccination (may be earlier than today for catch-up entry).
    pub vaccination_date: Date,
    /// Issuing municipality of the ticket.
    pub municipality: MunicipalityCode,
    /// 券番号.
    pub ticket_number: TicketNumber,
    /// 回数.
    pub dose: u8,
    /// 券種.
    pub ticket_kind: u8,
    /// Venue name, ≤ 30 characters.
    pub venue: String,
    /// Doctor's name, ≤ 20 characters.
    pub doctor: String,
    /// Vaccine maker, ≤ 20 characters.
    pub maker: String,
    /// Lot number, ≤ 20 characters.
    pub lot: String,
    /// 接種済 or 予診のみ.
    pub outcome: Outcome,
    /// Login ID of the staff member who registered it.
    pub operator: String,
}

/// Checks one text field of a record: present, not too long, no 外字 or control characters.
pub fn check_field(field: &'static str, value: &str, max: usize) -> Result<(), RecordError> {
    if value.trim().is_empty() {
        return Err(RecordError::Empty { field });
    }
    let len = value.chars().count();
    if len > max {
        return Err(RecordError::TooLong { field, max, len });
    }
    if let Some(c) = value.chars().find(|&c| c.is_control() || is_private_use(c)) {
        return Err(RecordError::Character {
            field,
            found: c.escape_unicode().to_string(),
        });
    }
    Ok(())
}

fn is_private_use(c: char) -> bool {
    matches!(u32::from(c), 0xE000..=0xF8FF | 0xF0000..=0xFFFFD | 0x100000..=0x10FFFD)
}

impl Record {
    /// Checks the field limits of the record format.
    pub fn validate(&self) -> Result<(), RecordError> {
        if !(1..=9).contains(&self.dose) {
            return Err(RecordError::Dose(self.dose));
        }
        check_field("会場名", &self.venue, 30)?;
        check_field("医師名", &self.doctor, 20)?;
        check_field("ワクチンメーカー", &self.maker, 20)?;
        check_field("ロット番号", &self.lot, 20)?;
        check_field("ログインID", &self.operator, 64)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record() -> Record {
        Record {
            id: Uuid::now_v7(),
            registered_at: OffsetDateTime::UNIX_EPOCH,
            vaccination_date: time::macros::date!(2021 - 06 - 01),
            municipality: "131016".parse().unwrap(),
            ticket_number: TicketNumber::parse("0000012345").unwrap(),
            dose: 2,
            ticket_kind: 1,
            venue: "千代田区役所 集団接種会場".into(),
            doctor: "山田 太郎".into(),
            maker: "ファイザー".into(),
            lot: "FF0843".into(),
            outcome: Outcome::Vaccinated,
            operator: "chiyoda01".into(),
        }
    }

    #[test]
    fn valid_record_round_trips_through_json() {
        let r = record();
        r.validate().unwrap();
        let json = serde_json::to_string(&r).unwrap();
        assert!(
            json.contains("\"vaccination_date\":\"2021-06-01\""),
            "{json}"
        );
        assert!(json.contains("\"outcome\":\"vaccinated\""), "{json}");
        assert_eq!(serde_json::from_str::<Record>(&json).unwrap(), r);
    }

    #[test]
    fn field_limits() {
        let mut r = record();
        r.venue = "あ".repeat(31);
        assert_eq!(
            r.validate(),
            Err(RecordError::TooLong {
                field: "会場名",
                max: 30,
                len: 31
            })
        );
        let mut r = record();
        r.lot = "  ".into();
        assert_eq!(
            r.validate(),
            Err(RecordError::Empty {
                field: "ロット番号"
            })
        );
        let mut r = record();
        r.doctor = "山田\u{E000}".into();
        assert!(matches!(
            r.validate(),
            Err(RecordError::Character {
                field: "医師名",
                ..
            })
        ));
        let mut r = record();
        r.dose = 0;
        assert_eq!(r.validate(), Err(RecordError::Dose(0)));
    }

    #[test]
    fn bad_wire_values_are_refused() {
        let json = serde_json::to_string(&record())
            .unwrap()
            .replace("0000012345", "00000123");
        assert!(serde_json::from_str::<Record>(&json).is_err());
    }
}
