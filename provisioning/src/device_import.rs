//! Bulk device registration from a CSV file with the header `serial,imei`.
//!
//! Every line is checked before anything is stored: one bad line and nothing is imported.

use std::collections::HashMap;

use crate::store::NewDevice;
use vrs_protocol::imei;

/// Longest accepted hardware serial.
pub const MAX_SERIAL_LEN: usize = 64;

/// One refused line of the file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LineError {
    /// 1-based line number in the file.
    pub line: usize,
    /// What is wrong, in Japanese.
    pub reason: String,
}

impl std::fmt::Display for LineError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}行目: {}", self.line, self.reason)
    }
}

/// Why a file was refused as a whole.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ImportError {
    /// The first line is not `serial,imei`.
    #[error("1行目は見出し「serial,imei」にしてください(「{0}」でした)")]
    Header(String),
    /// The file has a header and nothing else.
    #[error("登録する端末が1台もありません")]
    Empty,
    /// Some lines are wrong; nothing was imported.
    #[error(
        "{}件の行に誤りがあるため、1台も登録していません。修正してから再度取り込んでください:\n{}",
        .0.len(),
        .0.iter().map(ToString::to_string).collect::<Vec<_>>().join("\n")
    )]
    Lines(Vec<LineError>),
}

/// Checks a hardware serial: 1–64 printable ASCII characters without spaces or commas.
pub fn check_serial(serial: &str) -> Result<(), String> {
    if serial.is_empty() {
        return Err("シリアル番号が空です".into());
    }
    if serial.len() > MAX_SERIAL_LEN {
        return Err(format!(
            "シリアル番号が長すぎます({MAX_SERIAL_LEN}文字以内)"
        ));
    }
    if !serial.bytes().all(|b| b.is_ascii_graphic() && b != b',') {
        return Err(format!(
            "シリアル番号「{serial}」に使えない文字があります(半角英数字と記号のみ)"
        ));
    }
    Ok(())
}

/// Parses and checks the whole file.
pub fn parse(text: &str) -> Result<Vec<NewDevice>, ImportError> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut lines = text.lines().enumerate();
    let header = lines.next().map(|(_, l)| l.trim()).unwrap_or_default();
    if header.replace(' ', "") != "serial,imei" {
        return Err(ImportError::Header(header.to_owned()));
    }
    let mut devices = Vec::new();
    let mut errors = Vec::new();
    let mut seen: HashMap<String, usize> = HashMap::new();
    for (index, line) in lines {
        let line_no = index + 1;
        if line.trim().is_empty() {
            continue;
        }
        let fields: Vec<&str> = line.split(',').map(str::trim).collect();
        let [serial, imei_text] = fields[..] else {
            errors.push(LineError {
                line: line_no,
                reason: format!("列の数が2ではありません({}列)", fields.len()),
            });
            continue;
        };
        let mut reasons = Vec::new();
        if let Err(reason) = check_serial(serial) {
            reasons.push(reason);
        }
        if let Err(e) = imei::check(imei_text) {
            reasons.push(e.to_string());
        }
        if let Some(first) = seen.get(serial) {
            reasons.push(format!(
                "シリアル番号 {serial} が{first}行目と重複しています"
            ));
        }
        if reasons.is_empty() {
            seen.insert(serial.to_owned(), line_no);
            devices.push(NewDevice {
                serial: serial.to_owned(),
                imei: imei_text.to_owned(),
            });
        } else {
            errors.push(LineError {
                line: line_no,
                reason: reasons.join("、"),
            });
        }
    }
    if !errors.is_empty() {
        return Err(ImportError::Lines(errors));
    }
    if devices.is_empty() {
        return Err(ImportError::Empty);
    }
    Ok(devices)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn good_file() {
        let devices =
            parse("serial,imei\r\nSN-1,490154203237518\r\n\r\nSN-2, 356938035643809\r\n").unwrap();
        assert_eq!(devices.len(), 2);
        assert_eq!(devices[1].serial, "SN-2");
        assert_eq!(devices[1].imei, "356938035643809");
    }

    #[test]
    fn every_bad_line_is_reported_with_its_number() {
        let err = parse(
            "serial,imei\nSN-1,490154203237518\nSN-2,490154203237517\nSN-1,356938035643809\nSN 4,12\nSN-5\n",
        )
        .unwrap_err();
        let ImportError::Lines(lines) = &err else {
            panic!("{err:?}");
        };
        let numbers: Vec<usize> = lines.iter().map(|l| l.line).collect();
        assert_eq!(numbers, vec![3, 4, 5, 6]);
        assert!(lines[0].reason.contains("検査数字"), "{}", lines[0].reason);
        assert!(
            lines[1].reason.contains("2行目と重複"),
            "{}",
            lines[1].reason
        );
        assert!(err.to_string().contains("1台も登録していません"));
    }

    #[test]
    fn header_and_empty() {
        assert!(matches!(
            parse("imei,serial\n"),
            Err(ImportError::Header(_))
        ));
        assert_eq!(parse("serial,imei\n"), Err(ImportError::Empty));
        assert_eq!(parse(""), Err(ImportError::Header(String::new())));
    }
}
