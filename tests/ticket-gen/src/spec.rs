//! What a ticket carries: the payload and which symbols are printed.

use serde::{Deserialize, Serialize};
use vrs_protocol::{MasterList, MunicipalityCode};

/// Which NW-7 (Codabar) barcode the ticket carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Nw7Variant {
    /// No NW-7 barcode.
    None,
    /// The 10-digit ticket number only, as on 2021 tickets.
    TicketNumberOnly,
    /// All 18 digits, as on some later tickets.
    Full,
}

/// One of the three machine-readable symbols of a ticket.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Symbol {
    /// The QR code.
    Qr,
    /// The NW-7 (Codabar) barcode.
    Nw7,
    /// The 18-digit OCR-B line.
    OcrLine,
}

impl Symbol {
    /// Lower-case name used in `truth.jsonl`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Qr => "qr",
            Self::Nw7 => "nw7",
            Self::OcrLine => "ocr",
        }
    }
}

/// Everything printed on one ticket.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TicketSpec {
    /// The 18 digits (券種 + 回数 + 市町村コード + 券番号). May be invalid on purpose:
    /// the QR and the OCR line carry whatever text is here.
    pub payload: String,
    /// Whether the QR code is printed.
    pub qr: bool,
    /// Which NW-7 barcode is printed.
    pub nw7: Nw7Variant,
    /// Whether the OCR line is printed.
    pub ocr_line: bool,
    /// Municipality name printed on the ticket (e.g. `千代田区`); empty prints none.
    pub municipality_name: String,
    /// NW-7 start and stop characters (A–D).
    pub nw7_start_stop: (char, char),
    /// Ticket height in millimetres (real tickets are 33–35 mm; width is always 63 mm).
    pub height_mm: f32,
}

/// Width of every ticket, in millimetres.
pub const TICKET_WIDTH_MM: f32 = 63.0;

impl TicketSpec {
    /// A ticket with QR code, OCR line and the 10-digit NW-7, 34 mm high, start/stop `A…A`,
    /// and the municipality name from the embedded master list when the code is known.
    pub fn new(payload: &str) -> Self {
        Self {
            payload: payload.to_owned(),
            qr: true,
            nw7: Nw7Variant::TicketNumberOnly,
            ocr_line: true,
            municipality_name: municipality_name(payload).unwrap_or_default(),
            nw7_start_stop: ('A', 'A'),
            height_mm: 34.0,
        }
    }

    /// The data characters of the NW-7 barcode (without start/stop), if one is printed.
    ///
    /// The 10-digit variant carries everything after the first eight characters (the
    /// 券番号 of a well-formed payload); a payload of eight characters or fewer is carried
    /// whole.
    pub fn nw7_data(&self) -> Option<String> {
        match self.nw7 {
            Nw7Variant::None => None,
            Nw7Variant::Full => Some(self.payload.clone()),
            Nw7Variant::TicketNumberOnly => {
                let count = self.payload.chars().count();
                if count > 8 {
                    Some(self.payload.chars().skip(8).collect())
                } else {
                    Some(self.payload.clone())
                }
            }
        }
    }

    /// The dose number printed as 「第N回」: the second payload character when it is 1–9.
    pub fn dose(&self) -> Option<u8> {
        let c = self.payload.chars().nth(1)?;
        c.to_digit(10).filter(|d| *d > 0).map(|d| d as u8)
    }

    /// The symbols printed on this ticket.
    pub fn printed_symbols(&self) -> Vec<Symbol> {
        let mut out = Vec::new();
        if self.qr {
            out.push(Symbol::Qr);
        }
        if self.nw7 != Nw7Variant::None {
            out.push(Symbol::Nw7);
        }
        if self.ocr_line {
            out.push(Symbol::OcrLine);
        }
        out
    }
}

/// The municipality name for the code in characters 3–8 of `payload`, if the embedded
/// master list knows it.
pub fn municipality_name(payload: &str) -> Option<String> {
    let code: String = payload.chars().skip(2).take(6).collect();
    let code = MunicipalityCode::parse(&code).ok()?;
    MasterList::embedded().get(code).map(|m| m.name.clone())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn new_looks_up_the_municipality() {
        let spec = TicketSpec::new("121310160000012345");
        assert_eq!(spec.municipality_name, "千代田区");
        assert_eq!(spec.nw7_data().as_deref(), Some("0000012345"));
        assert_eq!(spec.dose(), Some(2));
        assert_eq!(
            spec.printed_symbols(),
            vec![Symbol::Qr, Symbol::Nw7, Symbol::OcrLine]
        );
    }

    #[test]
    fn unknown_or_broken_payloads_still_make_a_spec() {
        let spec = TicketSpec::new("121310170000012345");
        assert_eq!(spec.municipality_name, "");
        let spec = TicketSpec::new("1213");
        assert_eq!(spec.nw7_data().as_deref(), Some("1213"));
        let spec = TicketSpec::new("101310160000012345");
        assert_eq!(spec.dose(), None);
    }
}
