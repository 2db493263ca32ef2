//! Municipality codes (全国地方公共団体コード) and the master list.
//!
//! A code is six digits: prefecture (2), municipality (3) and a check digit
//! `(11 − (6·d1 + 5·d2 + 4·d3 + 3·d4 + 2·d5) mod 11) mod 10`. The rule is weak (remainders 0
//! and 10 both give 1), so a code is only trusted when it is also in the [`MasterList`].

use std::collections::HashMap;
use std::fmt;
use std::sync::OnceLock;

use serde::{Deserialize, Serialize};

/// The master list shipped with this build (CC0, code4fukui/localgovjp, 2021-11-01).
const EMBEDDED_CSV: &str = include_str!("../data/municipalities.csv");

/// Why a municipality code or master list was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MunicipalityError {
    /// Not exactly six ASCII digits.
    #[error("市町村コードは6桁の数字です(「{found}」は不正です)")]
    Format {
        /// What was given.
        found: String,
    },
    /// The prefecture part is not 01–47.
    #[error("市町村コード {code} の都道府県番号 {prefecture:02} は存在しません(01〜47)")]
    Prefecture {
        /// The whole code.
        code: String,
        /// The first two digits.
        prefecture: u8,
    },
    /// The sixth digit does not match the first five.
    #[error("市町村コード {code} の検査数字が違います(正しくは {expected})")]
    CheckDigit {
        /// The whole code.
        code: String,
        /// The check digit the first five digits call for.
        expected: u8,
    },
    /// A well-formed code that is not in the master list.
    #[error("市町村コード {code} はマスタに登録されていません")]
    Unknown {
        /// The whole code.
        code: String,
    },
    /// A master list CSV line that cannot be used.
    #[error("市町村マスタ {line} 行目が不正です: {reason}")]
    MasterLine {
        /// 1-based line number in the CSV.
        line: usize,
        /// What is wrong with it.
        reason: String,
    },
}

/// A six-digit municipality code whose prefecture and check digit are valid.
///
/// Validity here is structural only; use [`MasterList::get`] to know it really exists.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct MunicipalityCode([u8; 6]);

/// The check digit for the first five digits of a municipality code.
pub fn check_digit(first_five: [u8; 5]) -> u8 {
    let weighted: u32 = first_five
        .iter()
        .zip([6u32, 5, 4, 3, 2])
        .map(|(&d, w)| u32::from(d) * w)
        .sum();
    ((11 - weighted % 11) % 10) as u8
}

impl MunicipalityCode {
    /// Parses and checks six digits (prefecture 01–47, check digit).
    pub fn parse(text: &str) -> Result<Self, MunicipalityError> {
        let bytes = text.as_bytes();
        if bytes.len() != 6 || !bytes.iter().all(u8::is_ascii_digit) {
            return Err(MunicipalityError::Format {
                found: text.to_owned(),
            });
        }
        let mut digits = [0u8; 6];
        for (d, b) in digits.iter_mut().zip(bytes) {
            *d = b - b'0';
        }
        let prefecture = digits[0] * 10 + digits[1];
        if !(1..=47).contains(&prefecture) {
            return Err(MunicipalityError::Prefecture {
                code: text.to_owned(),
                prefecture,
            });
        }
        let expected = check_digit([digits[0], digits[1], digits[2], digits[3], digits[4]]);
        if expected != digits[5] {
            return Err(MunicipalityError::CheckDigit {
                code: text.to_owned(),
                expected,
            });
        }
        Ok(Self(digits))
    }

    /// The prefecture number, 1–47.
    pub fn prefecture(self) -> u8 {
        self.0[0] * 10 + self.0[1]
    }

    /// The six digits as text.
    pub fn as_string(self) -> String {
        self.0.iter().map(|d| char::from(b'0' + d)).collect()
    }
}

impl fmt::Display for MunicipalityCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.as_string())
    }
}

impl fmt::Debug for MunicipalityCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "MunicipalityCode({self})")
    }
}

impl TryFrom<String> for MunicipalityCode {
    type Error = MunicipalityError;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::parse(&value)
    }
}

impl From<MunicipalityCode> for String {
    fn from(code: MunicipalityCode) -> Self {
        code.as_string()
    }
}

impl std::str::FromStr for MunicipalityCode {
    type Err = MunicipalityError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

/// One entry of the master list: a municipality (city, ward, town or village).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Municipality {
    /// Its code.
    pub code: MunicipalityCode,
    /// Prefecture name, e.g. `北海道`.
    pub prefecture: String,
    /// Municipality name; designated-city wards are `札幌市 中央区`.
    pub name: String,
    /// Reading in hiragana.
    pub kana: String,
}

impl Municipality {
    /// The name an operator reads on screen: prefecture and municipality.
    pub fn display_name(&self) -> String {
        format!("{} {}", self.prefecture, self.name)
    }
}

/// The versioned list of municipalities that may issue tickets.
///
/// Prefecture rows of the CSV (empty municipality column) give prefecture names; they
/// are not ticket issuers and [`MasterList::get`] does not return them.
#[derive(Debug, Clone, Default)]
pub struct MasterList {
    municipalities: HashMap<MunicipalityCode, Municipality>,
    prefectures: HashMap<u8, String>,
}

impl MasterList {
    /// The list compiled into this build.
    pub fn embedded() -> &'static MasterList {
        static LIST: OnceLock<MasterList> = OnceLock::new();
        LIST.get_or_init(|| {
            MasterList::from_csv(EMBEDDED_CSV).expect("embedded municipality list is valid")
        })
    }

    /// Reads a list in the `lgcode,prefecture,municipality,kana` format (header first).
    pub fn from_csv(text: &str) -> Result<Self, MunicipalityError> {
        let mut list = MasterList::default();
        for (index, line) in text.lines().enumerate().skip(1) {
            let line_no = index + 1;
            if line.trim().is_empty() {
                continue;
            }
            let fields: Vec<&str> = line.split(',').collect();
            let [code, prefecture, name, kana] = fields[..] else {
                return Err(MunicipalityError::MasterLine {
                    line: line_no,
                    reason: format!("列が4つではありません({}列)", fields.len()),
                });
            };
            let code =
                MunicipalityCode::parse(code).map_err(|e| MunicipalityError::MasterLine {
                    line: line_no,
                    reason: e.to_string(),
                })?;
            if name.is_empty() {
                list.prefectures
                    .insert(code.prefecture(), prefecture.to_owned());
            } else {
                list.municipalities.insert(
                    code,
                    Municipality {
                        code,
                        prefecture: prefecture.to_owned(),
                        name: name.to_owned(),
                        kana: kana.to_owned(),
                    },
                );
            }
        }
        Ok(list)
    }

    /// The municipality with this code, if it is in the list.
    pub fn get(&self, code: MunicipalityCode) -> Option<&Municipality> {
        self.municipalities.get(&code)
    }

    /// Looks a code up, with an error that says why it is refused.
    pub fn require(&self, code: MunicipalityCode) -> Result<&Municipality, MunicipalityError> {
        self.get(code).ok_or_else(|| MunicipalityError::Unknown {
            code: code.to_string(),
        })
    }

    /// The name of prefecture `number` (1–47).
    pub fn prefecture_name(&self, number: u8) -> Option<&str> {
        self.prefectures.get(&number).map(String::as_str)
    }

    /// How many municipalities the list holds.
    pub fn len(&self) -> usize {
        self.municipalities.len()
    }

    /// Whether the list holds no municipality.
    pub fn is_empty(&self) -> bool {
        self.municipalities.is_empty()
    }

    /// Every municipality, in no particular order.
    pub fn iter(&self) -> impl Iterator<Item = &Municipality> {
        self.municipalities.values()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn embedded_list_is_complete() {
        let list = MasterList::embedded();
        assert_eq!(list.len(), 1916);
        assert_eq!(list.prefecture_name(13), Some("東京都"));
        let sapporo = list.get("011002".parse().unwrap()).unwrap();
        assert_eq!(sapporo.display_name(), "北海道 札幌市");
    }

    #[test]
    fn check_digit_examples() {
        assert_eq!(check_digit([1, 3, 1, 0, 1]), 6);
        assert_eq!(check_digit([1, 3, 1, 1, 3]), 0);
        assert_eq!(check_digit([0, 1, 2, 1, 3]), 1);
        assert!(matches!(
            MunicipalityCode::parse("012031"),
            Err(MunicipalityError::CheckDigit { expected: 3, .. })
        ));
    }

    #[test]
    fn prefecture_codes_are_not_issuers() {
        let list = MasterList::embedded();
        let hokkaido: MunicipalityCode = "010006".parse().unwrap();
        assert!(list.get(hokkaido).is_none());
        assert!(matches!(
            list.require(hokkaido),
            Err(MunicipalityError::Unknown { .. })
        ));
    }

    #[test]
    fn prefecture_out_of_range() {
        // 99999 passes the check digit (7) but no prefecture 99 exists.
        assert!(matches!(
            MunicipalityCode::parse("999997"),
            Err(MunicipalityError::Prefecture { prefecture: 99, .. })
        ));
        assert!(MunicipalityCode::parse("12345").is_err());
        assert!(MunicipalityCode::parse("13101a").is_err());
    }

    #[test]
    fn bad_master_lines_are_named() {
        let err = MasterList::from_csv("h\n131016,東京都,千代田区\n").unwrap_err();
        assert!(matches!(err, MunicipalityError::MasterLine { line: 2, .. }));
        let err = MasterList::from_csv("h\n131017,東京都,千代田区,ちよだく\n").unwrap_err();
        assert!(err.to_string().contains("検査数字"), "{err}");
    }
}
