//! How values read on screen. Pure functions, so they are tested without a UI.

use time::{Duration, OffsetDateTime};
use vrs_device::store::PriorRegistration;
use vrs_protocol::{Lifecycle, Outcome};
use vrs_scanner::{ScanRefusal, Source};

use crate::session_time::to_jst;

/// `第3回`.
pub fn dose(dose: u8) -> String {
    format!("第{dose}回")
}

/// The 10-digit ticket number in groups that are easy to compare with the printed
/// ticket: `00000 12345`.
pub fn ticket_number(number: &str) -> String {
    let chars: Vec<char> = number.chars().collect();
    if chars.len() == 10 {
        let (a, b) = chars.split_at(5);
        format!(
            "{} {}",
            a.iter().collect::<String>(),
            b.iter().collect::<String>()
        )
    } else {
        number.to_owned()
    }
}

/// The last four characters of a ticket number.
pub fn last4(number: &str) -> String {
    let count = number.chars().count();
    number.chars().skip(count.saturating_sub(4)).collect()
}

/// 券種 as the operator reads it.
pub fn ticket_kind(kind: u8, screening_only: bool) -> String {
    if screening_only {
        format!("予診のみの券({kind})")
    } else {
        format!("接種券({kind})")
    }
}

/// The outcome word.
pub fn outcome(outcome: Outcome) -> &'static str {
    match outcome {
        Outcome::Vaccinated => "接種済",
        Outcome::ScreeningOnly => "予診のみ",
    }
}

/// Which symbols vouched for the ticket.
pub fn source(source: Source) -> &'static str {
    match source {
        Source::Qr => "二次元コード",
        Source::Nw7Ocr => "バーコード+数字(OCR)",
        Source::Ocr => "数字(OCR)",
    }
}

/// Why the scanner refused a read, and what to do: the scan screen's message.
pub fn refusal(refusal: &ScanRefusal) -> String {
    match refusal {
        ScanRefusal::QrNotTicket(e) => {
            format!("二次元コードは接種券番号として使えません: {e}。接種券を確認してください")
        }
        ScanRefusal::NotRegistrable(e) => {
            format!("この接種券は登録できません: {e}。接種券を確認してください")
        }
        ScanRefusal::SeveralQrTickets => {
            "複数の接種券の二次元コードが写っています。接種券は1枚ずつかざしてください".into()
        }
        ScanRefusal::QrOcrMismatch => {
            "二次元コードとOCRラインの番号が一致しません。接種券が重なっていないか確認し、1枚だけをかざし直してください".into()
        }
        ScanRefusal::QrNw7Mismatch => {
            "二次元コードとバーコードの番号が一致しません。接種券が重なっていないか確認し、1枚だけをかざし直してください".into()
        }
    }
}

/// The confirm screen's warning about an earlier registration on this tablet.
pub fn prior_warning(prior: &PriorRegistration) -> String {
    let registered = to_jst(prior.registered_at);
    format!(
        "この端末ですでに登録されています:接種日 {}・会場「{}」・{}(登録 {})。券と本人をよく確認してください。",
        prior.vaccination_date,
        prior.venue,
        outcome(prior.outcome),
        clock_date(registered),
    )
}

/// What staff should do in a lifecycle state where the tablet cannot be used.
pub fn guidance(lifecycle: Lifecycle) -> &'static str {
    match lifecycle {
        Lifecycle::Factory => {
            "端末の登録を待っています。通信できる場所で電源を入れたままにしてください。しばらくしても変わらない場合は、端末裏面のヘルプデスクに製造番号を伝えてください。"
        }
        Lifecycle::AwaitingActivation => {
            "この端末はまだ自治体向けに利用開始(アクティベート)されていません。都道府県の担当者に、上の製造番号を伝えて利用開始を依頼してください。"
        }
        Lifecycle::Locked => {
            "この端末は利用停止中です。未送信の記録は引き続き送信されます。電源を切らずに、ヘルプデスクに連絡してください。"
        }
        Lifecycle::Wiped => {
            "この端末のデータは消去済みです。返却の手続きに従って、都道府県の担当者に返却してください。"
        }
        Lifecycle::Active => "利用できます。",
    }
}

/// `2021-06-01 14:05`.
pub fn clock_date(t: OffsetDateTime) -> String {
    format!(
        "{}-{:02}-{:02} {:02}:{:02}",
        t.year(),
        u8::from(t.month()),
        t.day(),
        t.hour(),
        t.minute()
    )
}

/// `14:05`.
pub fn clock(t: OffsetDateTime) -> String {
    format!("{:02}:{:02}", t.hour(), t.minute())
}

/// How long ago, coarsely: `30秒前`, `5分前`, `2時間前`, `3日前`.
pub fn age(elapsed: Duration) -> String {
    let s = elapsed.whole_seconds().max(0);
    match s {
        0..60 => format!("{s}秒前"),
        60..3600 => format!("{}分前", s / 60),
        3600..86400 => format!("{}時間前", s / 3600),
        _ => format!("{}日前", s / 86400),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ticket_numbers_are_grouped_and_cut() {
        assert_eq!(ticket_number("0000012345"), "00000 12345");
        assert_eq!(ticket_number("123"), "123");
        assert_eq!(last4("0000012345"), "2345");
        assert_eq!(last4("12"), "12");
    }

    #[test]
    fn ages_are_coarse() {
        assert_eq!(age(Duration::seconds(5)), "5秒前");
        assert_eq!(age(Duration::seconds(300)), "5分前");
        assert_eq!(age(Duration::hours(2)), "2時間前");
        assert_eq!(age(Duration::days(3)), "3日前");
        assert_eq!(age(Duration::seconds(-4)), "0秒前");
    }

    #[test]
    fn refusals_say_what_is_wrong_and_what_to_do() {
        let kind = vrs_protocol::TicketError::KindNotAllowed {
            kind: 2,
            allowed: "1".into(),
        };
        assert_eq!(
            refusal(&ScanRefusal::QrNotTicket(kind.clone())),
            "二次元コードは接種券番号として使えません: 券種 2 はこの端末で扱えません(扱える券種: 1)。接種券を確認してください"
        );
        assert_eq!(
            refusal(&ScanRefusal::NotRegistrable(kind)),
            "この接種券は登録できません: 券種 2 はこの端末で扱えません(扱える券種: 1)。接種券を確認してください"
        );
        assert!(refusal(&ScanRefusal::SeveralQrTickets).contains("1枚ずつ"));
        assert!(refusal(&ScanRefusal::QrOcrMismatch).contains("OCRライン"));
        assert!(refusal(&ScanRefusal::QrNw7Mismatch).contains("バーコード"));
    }

    #[test]
    fn prior_warning_names_date_venue_and_outcome() {
        let prior = PriorRegistration {
            id: uuid_for_test(),
            registered_at: time::macros::datetime!(2021-06-01 01:30 UTC),
            vaccination_date: time::macros::date!(2021 - 06 - 01),
            outcome: Outcome::ScreeningOnly,
            venue: "千代田区役所".into(),
        };
        let text = prior_warning(&prior);
        assert!(text.contains("2021-06-01"), "{text}");
        assert!(text.contains("千代田区役所"), "{text}");
        assert!(text.contains("予診のみ"), "{text}");
        assert!(text.contains("10:30"), "registered time in JST: {text}");
        assert!(text.contains("すでに登録されています"), "{text}");
    }

    fn uuid_for_test() -> uuid::Uuid {
        uuid::Uuid::nil()
    }
}
