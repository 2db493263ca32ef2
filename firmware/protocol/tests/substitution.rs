//! The check digit's blind spot, measured.
//!
//! Every single-digit substitution (each of the 18 positions replaced by each of the 9 other
//! digits) of valid payloads is run through full validation. The ticket number has no check
//! digit, so every substitution there still validates — as another person's ticket. In the
//! municipality part, the weak check digit plus the master list catch most substitutions, but
//! not all: some land on another real municipality (014061 古平町 ↔ 011061 札幌市 南区).
//!
//! Measured over all 1,916 municipalities of the master list (dose 1, 券種 1, one ticket
//! number), per payload of 18 × 9 = 162 substitutions:
//! * 券種 (position 1): 1 of 9 still validates (the other allowed 券種).
//! * 回数 (position 2): 8 of 9 (every dose but 0).
//! * 市町村コード (positions 3–8): 0.37 % of the 54 substitutions still validate
//!   (382 of 103,464 across the list) — each a different real municipality. The check digit
//!   and prefecture range alone would let 1.38 % through (1,423); the master list removes
//!   the rest.
//! * 券番号 (positions 9–18): 100 % (90 of 90).
//!
//! Overall 61.2 % of single-digit substitutions of a valid payload still validate. That is
//! why the scanner accepts only error-corrected (QR) or corroborated reads.

use proptest::prelude::*;
use vrs_protocol::{MasterList, TicketRules};

fn substitutions(payload: &str) -> impl Iterator<Item = (usize, String)> + '_ {
    (0..payload.len()).flat_map(move |pos| {
        let original = payload.as_bytes()[pos];
        (b'0'..=b'9').filter(move |&d| d != original).map(move |d| {
            let mut bytes = payload.as_bytes().to_vec();
            bytes[pos] = d;
            (pos, String::from_utf8(bytes).unwrap())
        })
    })
}

#[test]
fn measured_share_of_substitutions_that_still_validate() {
    let master = MasterList::embedded();
    let rules = TicketRules::default();
    let mut valid_by_part = [0usize; 4]; // kind, dose, municipality, number
    let mut total_by_part = [0usize; 4];
    for m in master.iter() {
        let payload = format!("11{}0000012345", m.code);
        assert!(rules.parse(&payload, master).is_ok());
        for (pos, candidate) in substitutions(&payload) {
            let part = match pos {
                0 => 0,
                1 => 1,
                2..=7 => 2,
                _ => 3,
            };
            total_by_part[part] += 1;
            if rules.parse(&candidate, master).is_ok() {
                valid_by_part[part] += 1;
            }
        }
    }
    let n = master.len();
    assert_eq!(total_by_part, [9 * n, 9 * n, 54 * n, 90 * n]);
    assert_eq!(valid_by_part[0], n, "券種: only the other allowed kind");
    assert_eq!(valid_by_part[1], 8 * n, "回数: every dose but 0");
    assert_eq!(valid_by_part[3], 90 * n, "券番号: no check digit at all");
    assert_eq!(valid_by_part[2], 382, "市町村コード blind spot changed");
    let all: usize = valid_by_part.iter().sum();
    let share = all as f64 / (162 * n) as f64;
    assert!((share - 0.6123).abs() < 0.0001, "overall share {share:.4}");
}

proptest! {
    /// A substitution in the municipality part either fails validation or names another
    /// municipality of the master list — never an unknown code.
    #[test]
    fn municipality_substitutions_fail_or_hit_the_master_list(
        index in 0usize..1916,
        pos in 2usize..8,
        digit in 0u8..10,
        number in 0u64..10_000_000_000,
    ) {
        let master = MasterList::embedded();
        let mut codes: Vec<_> = master.iter().map(|m| m.code).collect();
        codes.sort();
        let payload = format!("12{}{number:010}", codes[index]);
        let mut bytes = payload.into_bytes();
        prop_assume!(bytes[pos] != b'0' + digit);
        bytes[pos] = b'0' + digit;
        let candidate = String::from_utf8(bytes).unwrap();
        if let Ok(ticket) = TicketRules::default().parse(&candidate, master) {
            prop_assert!(master.get(ticket.payload.municipality).is_some());
            prop_assert_ne!(ticket.payload.municipality, codes[index]);
        }
    }

    /// Arbitrary text never panics the parser.
    #[test]
    fn arbitrary_text_never_panics(text in ".{0,40}") {
        let _ = TicketRules::default().parse(&text, MasterList::embedded());
        let _ = vrs_protocol::Nw7Read::parse(&text);
    }
}
