//! Accessible labels of the elements that automation (tests, `--walkthrough`) acts on.
//!
//! The `.slint` files set these as `accessible-label`; values are read back as the
//! element's `accessible-value`.

/// Every screen's heading.
pub const SCREEN_TITLE: &str = "画面タイトル";

/// Not-activated screen: lifecycle label.
pub const LIFECYCLE: &str = "状態";
/// Not-activated screen: serial number.
pub const SERIAL: &str = "製造番号";
/// Not-activated screen: IMEI.
pub const IMEI: &str = "IMEI";
/// Not-activated screen: what to do.
pub const GUIDANCE: &str = "必要な手続き";

/// Login screen: login ID input.
pub const LOGIN_ID: &str = "ログインID";
/// Login screen: password input.
pub const PASSWORD: &str = "パスワード";
/// Login screen: the button.
pub const LOGIN_BUTTON: &str = "ログイン";
/// Login screen: the error from the session.
pub const LOGIN_ERROR: &str = "ログインエラー";

/// Presets screen: date input.
pub const DATE: &str = "接種日";
/// Presets screen: venue list (and the scan screen's summary).
pub const VENUE: &str = "会場";
/// Presets screen: vaccine maker list (and the scan screen's summary).
pub const MAKER: &str = "ワクチン";
/// Presets screen: lot number input (and the scan screen's summary).
pub const LOT: &str = "ロット番号";
/// Presets screen: doctor's name input (and the scan screen's summary).
pub const DOCTOR: &str = "医師名";
/// Presets screen: the error from the session.
pub const PRESETS_ERROR: &str = "設定エラー";
/// Presets screen: apply and go to reading.
pub const APPLY_PRESETS: &str = "設定して読み取りへ";
/// Presets screen: log out.
pub const LOGOUT: &str = "ログアウト";

/// Scan screen: the day's count at this venue.
pub const DAY_COUNT: &str = "本日の登録件数";
/// Scan screen: the last refusal from the scanner.
pub const SCAN_MESSAGE: &str = "読み取りの注意";
/// Scan screen: the camera preview.
pub const PREVIEW: &str = "カメラ映像";
/// Scan screen: back to the presets.
pub const EDIT_PRESETS: &str = "設定を変更";

/// Confirm screen: municipality name.
pub const MUNICIPALITY: &str = "自治体";
/// Confirm screen: dose (第N回).
pub const DOSE: &str = "接種回数";
/// Confirm screen: the ticket number.
pub const TICKET_NUMBER: &str = "券番号";
/// Confirm screen: 券種.
pub const TICKET_KIND: &str = "券種";
/// Confirm screen: the warning about an earlier registration.
pub const PRIOR_WARNING: &str = "登録済みの警告";
/// Confirm screen: a registration error.
pub const REGISTER_ERROR: &str = "登録エラー";
/// Confirm screen: register as vaccinated.
pub const VACCINATED: &str = "接種済";
/// Confirm screen: register as screening only.
pub const SCREENING_ONLY: &str = "予診のみ";
/// Confirm screen: cancel.
pub const CANCEL: &str = "戻る";

/// Registered screen: the outcome.
pub const OUTCOME: &str = "結果";
/// Registered screen: municipality and dose.
pub const REGISTERED_WHAT: &str = "自治体・回数";
/// Registered screen: last four digits of the ticket number.
pub const LAST4: &str = "券番号(下4桁)";
/// Registered screen: the day's count.
pub const REGISTERED_COUNT: &str = "本日の登録";

/// Status bar: municipality.
pub const STATUS_MUNICIPALITY: &str = "自治体";
/// Status bar: operator.
pub const STATUS_OPERATOR: &str = "担当者";
/// Status bar: unsent records.
pub const STATUS_PENDING: &str = "未送信";
/// Status bar: network.
pub const STATUS_NETWORK: &str = "通信";
/// Status bar: camera.
pub const STATUS_CAMERA: &str = "カメラ";
/// Status bar: opens the About dialog.
pub const ABOUT: &str = "この端末について";
/// About dialog: close.
pub const CLOSE: &str = "閉じる";
