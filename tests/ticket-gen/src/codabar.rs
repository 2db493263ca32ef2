//! NW-7 (Codabar) encoding.
//!
//! Each character is seven elements — four bars and three spaces, starting with a bar —
//! each narrow or wide; characters are separated by one narrow space. Data characters are
//! `0`–`9 - $ : / . +`; every symbol starts and ends with one of `A`–`D`.

use crate::error::GenError;

/// The standard Codabar table: for each character, which of its seven elements
/// (bar, space, bar, space, bar, space, bar) are wide.
const TABLE: [(char, [bool; 7]); 20] = {
    const N: bool = false;
    const W: bool = true;
    [
        ('0', [N, N, N, N, N, W, W]),
        ('1', [N, N, N, N, W, W, N]),
        ('2', [N, N, N, W, N, N, W]),
        ('3', [W, W, N, N, N, N, N]),
        ('4', [N, N, W, N, N, W, N]),
        ('5', [W, N, N, N, N, W, N]),
        ('6', [N, W, N, N, N, N, W]),
        ('7', [N, W, N, N, W, N, N]),
        ('8', [N, W, W, N, N, N, N]),
        ('9', [W, N, N, W, N, N, N]),
        ('-', [N, N, N, W, W, N, N]),
        ('$', [N, N, W, W, N, N, N]),
        (':', [W, N, N, N, W, N, W]),
        ('/', [W, N, W, N, N, N, W]),
        ('.', [W, N, W, N, W, N, N]),
        ('+', [N, N, W, N, W, N, W]),
        ('A', [N, N, W, W, N, W, N]),
        ('B', [N, W, N, W, N, N, W]),
        ('C', [N, N, N, W, N, W, W]),
        ('D', [N, N, N, W, W, W, N]),
    ]
};

fn pattern(c: char) -> Option<[bool; 7]> {
    TABLE.iter().find(|(k, _)| *k == c).map(|(_, p)| *p)
}

fn is_start_stop(c: char) -> bool {
    matches!(c, 'A'..='D')
}

/// One element of a symbol: a bar or a space, narrow or wide.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Element {
    /// `true` for a bar (printed), `false` for a space.
    pub bar: bool,
    /// `true` for a wide element.
    pub wide: bool,
}

/// Encodes `data` between the `start` and `stop` characters (both A–D).
///
/// The result alternates bar/space, starting and ending with a bar, and includes the
/// narrow inter-character gaps.
pub fn encode(start: char, data: &str, stop: char) -> Result<Vec<Element>, GenError> {
    for c in [start, stop] {
        if !is_start_stop(c) {
            return Err(GenError::Nw7StartStop { found: c });
        }
    }
    let mut chars = Vec::with_capacity(data.chars().count() + 2);
    chars.push(start);
    for (i, c) in data.chars().enumerate() {
        if is_start_stop(c) || pattern(c).is_none() {
            return Err(GenError::Nw7Unencodable {
                position: i + 1,
                found: c,
            });
        }
        chars.push(c);
    }
    chars.push(stop);
    let mut out = Vec::with_capacity(chars.len() * 8);
    for (i, c) in chars.iter().enumerate() {
        if i > 0 {
            out.push(Element {
                bar: false,
                wide: false,
            });
        }
        // Every character in `chars` was checked above.
        let Some(p) = pattern(*c) else { continue };
        for (j, wide) in p.iter().enumerate() {
            out.push(Element {
                bar: j % 2 == 0,
                wide: *wide,
            });
        }
    }
    Ok(out)
}

/// Element widths in units of the narrow element, for a wide:narrow `ratio`.
pub fn widths(elements: &[Element], ratio: f32) -> Vec<f32> {
    elements
        .iter()
        .map(|e| if e.wide { ratio } else { 1.0 })
        .collect()
}

/// The symbol as a module string (`1` = bar module, `0` = space module), wide elements
/// `wide_modules` modules wide and narrow ones one module.
pub fn modules(elements: &[Element], wide_modules: usize) -> String {
    let mut s = String::new();
    for e in elements {
        let n = if e.wide { wide_modules } else { 1 };
        for _ in 0..n {
            s.push(if e.bar { '1' } else { '0' });
        }
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Module patterns of the standard Codabar character set with a 2:1 ratio, as
    /// published with the symbology (e.g. ANSI/AIM BC3 tables reproduced widely).
    const STANDARD: [(char, &str); 20] = [
        ('0', "101010011"),
        ('1', "101011001"),
        ('2', "101001011"),
        ('3', "110010101"),
        ('4', "101101001"),
        ('5', "110101001"),
        ('6', "100101011"),
        ('7', "100101101"),
        ('8', "100110101"),
        ('9', "110100101"),
        ('-', "101001101"),
        ('$', "101100101"),
        (':', "1101011011"),
        ('/', "1101101011"),
        ('.', "1101101101"),
        ('+', "1011011011"),
        ('A', "1011001001"),
        ('B', "1001001011"),
        ('C', "1010010011"),
        ('D', "1010011001"),
    ];

    fn standard(c: char) -> &'static str {
        STANDARD
            .iter()
            .find(|(k, _)| *k == c)
            .map(|(_, s)| *s)
            .unwrap()
    }

    #[test]
    fn known_string_matches_the_standard_table() {
        let elements = encode('A', "0123456789-$:/.+", 'B').unwrap();
        let mut expected = String::from(standard('A'));
        for c in "0123456789-$:/.+B".chars() {
            expected.push('0');
            expected.push_str(standard(c));
        }
        assert_eq!(modules(&elements, 2), expected);
    }

    #[test]
    fn every_character_has_four_bars_three_spaces() {
        for (c, _) in TABLE {
            let start = if is_start_stop(c) { c } else { 'A' };
            let data = if is_start_stop(c) {
                String::new()
            } else {
                c.to_string()
            };
            let e = encode(start, &data, 'D').unwrap();
            let first: Vec<_> = e.iter().take(7).collect();
            assert_eq!(first.iter().filter(|x| x.bar).count(), 4);
            assert!(e.first().unwrap().bar && e.last().unwrap().bar);
        }
    }

    #[test]
    fn ticket_number_symbol_has_expected_width() {
        // 12 characters: start/stop have 3 wide elements, digits 2; 11 gaps.
        let e = encode('A', "0000012345", 'A').unwrap();
        let total: f32 = widths(&e, 2.5).iter().sum();
        assert!((total - (2.0 * (4.0 + 3.0 * 2.5) + 10.0 * (5.0 + 2.0 * 2.5) + 11.0)).abs() < 1e-4);
    }

    #[test]
    fn refuses_what_codabar_cannot_carry() {
        assert!(matches!(
            encode('A', "12O4", 'A'),
            Err(GenError::Nw7Unencodable {
                position: 3,
                found: 'O'
            })
        ));
        assert!(matches!(
            encode('E', "1234", 'A'),
            Err(GenError::Nw7StartStop { found: 'E' })
        ));
        assert!(matches!(
            encode('A', "12B4", 'A'),
            Err(GenError::Nw7Unencodable { position: 3, .. })
        ));
    }
}
