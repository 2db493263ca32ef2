//! Why symbols that were read must not become a registration.
//!
//! A [`ScanRefusal`] is identity, not text: the reader compares refusals to emit each one
//! once per presentation, tools print [`ScanRefusal::code`], and the kiosk words it for
//! the operator in Japanese. `Display` is an English diagnostic for logs.

use vrs_protocol::TicketError;

/// Why a frame's symbols accept nothing although they were read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ScanRefusal {
    /// A QR code (error-corrected, so it says what is printed) holds no ticket this tablet
    /// may register: wrong length, wrong 券種, dose 0, bad municipality check digit,
    /// municipality not in the master list, ... as the [`TicketError`] says.
    #[error("the QR code holds no registrable ticket: {0:?}")]
    QrNotTicket(TicketError),
    /// The OCR line, corroborated by NW-7 or read over several confident frames, is a
    /// ticket this tablet may not register, as the [`TicketError`] says.
    #[error("the ticket cannot be registered: {0:?}")]
    NotRegistrable(TicketError),
    /// More than one ticket's QR code in view.
    #[error("QR codes of several tickets in view")]
    SeveralQrTickets,
    /// The QR code and a confident OCR line read different digits.
    #[error("the QR code and the OCR line disagree")]
    QrOcrMismatch,
    /// The QR code and an NW-7 barcode read different digits.
    #[error("the QR code and the NW-7 barcode disagree")]
    QrNw7Mismatch,
}

impl ScanRefusal {
    /// A stable snake_case name for tools (`vrs-scan`), e.g. `"qr_not_a_ticket"`.
    pub fn code(&self) -> &'static str {
        match self {
            Self::QrNotTicket(_) => "qr_not_a_ticket",
            Self::NotRegistrable(_) => "not_registrable",
            Self::SeveralQrTickets => "several_qr_tickets",
            Self::QrOcrMismatch => "qr_ocr_mismatch",
            Self::QrNw7Mismatch => "qr_nw7_mismatch",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_stable() {
        let all = [
            (
                ScanRefusal::QrNotTicket(TicketError::DoseZero),
                "qr_not_a_ticket",
            ),
            (
                ScanRefusal::NotRegistrable(TicketError::DoseZero),
                "not_registrable",
            ),
            (ScanRefusal::SeveralQrTickets, "several_qr_tickets"),
            (ScanRefusal::QrOcrMismatch, "qr_ocr_mismatch"),
            (ScanRefusal::QrNw7Mismatch, "qr_nw7_mismatch"),
        ];
        for (refusal, code) in &all {
            assert_eq!(refusal.code(), *code);
        }
    }

    #[test]
    fn the_diagnostic_names_the_ticket_fault() {
        let diagnostic = ScanRefusal::QrNotTicket(TicketError::Length { found: 17 }).to_string();
        assert!(diagnostic.contains("Length { found: 17 }"), "{diagnostic}");
    }
}
