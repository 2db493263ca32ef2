//! IMEI checks: 15 digits whose last digit is the Luhn check digit. Shared by logistics'
//! device registration, the tablet's identity and the modem's `AT+CGSN` parser.

/// Why an IMEI was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ImeiError {
    /// Not 15 ASCII digits.
    #[error("IMEI「{0}」は15桁の数字ではありません")]
    Format(String),
    /// The Luhn check digit does not match.
    #[error(
        "IMEI「{0}」の検査数字(15桁目)が合いません。読み間違い・打ち間違いがないか確認してください"
    )]
    CheckDigit(String),
}

/// Checks that `imei` is 15 digits with a valid Luhn check digit.
pub fn check(imei: &str) -> Result<(), ImeiError> {
    let bytes = imei.as_bytes();
    if bytes.len() != 15 || !bytes.iter().all(u8::is_ascii_digit) {
        return Err(ImeiError::Format(imei.to_owned()));
    }
    if !luhn_valid(imei) {
        return Err(ImeiError::CheckDigit(imei.to_owned()));
    }
    Ok(())
}

/// Luhn check over a non-empty string of ASCII digits.
pub fn luhn_valid(digits: &str) -> bool {
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return false;
    }
    let sum: u32 = digits
        .bytes()
        .rev()
        .enumerate()
        .map(|(i, b)| {
            let d = u32::from(b - b'0');
            if i % 2 == 1 {
                let doubled = d * 2;
                doubled / 10 + doubled % 10
            } else {
                d
            }
        })
        .sum();
    sum.is_multiple_of(10)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn luhn() {
        assert!(luhn_valid("79927398713"));
        assert!(!luhn_valid("79927398710"));
        assert!(!luhn_valid(""));
        check("490154203237518").unwrap();
        check("356938035643809").unwrap();
        assert_eq!(
            check("490154203237517"),
            Err(ImeiError::CheckDigit("490154203237517".into()))
        );
        assert!(matches!(check("49015420323751"), Err(ImeiError::Format(_))));
        assert!(matches!(
            check("49015420323751a"),
            Err(ImeiError::Format(_))
        ));
        assert!(matches!(
            check("４90154203237518"),
            Err(ImeiError::Format(_))
        ));
    }
}
