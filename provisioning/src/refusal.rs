//! HTTP refusals of the device API: a status and an [`ApiError`] body whose message says,
//! in Japanese, what happened and what to do.

use axum::Json;
use axum::extract::rejection::JsonRejection;
use axum::extract::{FromRequest, Request};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use vrs_protocol::wire::{ApiError, ErrorCode};
use vrs_protocol::{Lifecycle, RecordError};

/// A refused request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal {
    /// HTTP status.
    pub status: StatusCode,
    /// JSON body.
    pub body: ApiError,
}

impl Refusal {
    /// A refusal with this status, code and message.
    pub fn new(status: StatusCode, code: ErrorCode, message: impl Into<String>) -> Self {
        Self {
            status,
            body: ApiError {
                code,
                message: message.into(),
            },
        }
    }

    /// Enrollment by a serial logistics never registered.
    pub fn unknown_device(serial: &str) -> Self {
        Self::new(
            StatusCode::FORBIDDEN,
            ErrorCode::UnknownDevice,
            format!(
                "この端末(シリアル番号 {serial})はバックオフィスに登録されていません。\
                 物流担当にシリアル番号の登録を依頼してから、もう一度お試しください"
            ),
        )
    }

    /// Enrollment whose IMEI differs from the registered one.
    pub fn imei_mismatch(serial: &str) -> Self {
        Self::new(
            StatusCode::FORBIDDEN,
            ErrorCode::ImeiMismatch,
            format!(
                "端末(シリアル番号 {serial})のIMEIが登録内容と一致しません。\
                 物流担当に登録されたIMEIを確認してもらい、ヘルプデスクに連絡してください"
            ),
        )
    }

    /// Enrollment of a device that already has a certificate.
    pub fn already_enrolled(serial: &str, state: Lifecycle) -> Self {
        Self::new(
            StatusCode::CONFLICT,
            ErrorCode::AlreadyEnrolled,
            format!(
                "端末(シリアル番号 {serial})は証明書発行済みです(現在「{}」)。\
                 再発行が必要な場合はヘルプデスクに端末のリセットを依頼してください",
                state.label_ja()
            ),
        )
    }

    /// A CSR that cannot be parsed or verified.
    pub fn bad_csr(reason: &str) -> Self {
        Self::new(
            StatusCode::BAD_REQUEST,
            ErrorCode::BadCsr,
            format!(
                "証明書署名要求(CSR)が不正です({reason})。端末を再起動して登録をやり直し、\
                 続く場合はヘルプデスクに連絡してください"
            ),
        )
    }

    /// An endpoint that needs a client certificate was called without one.
    pub fn certificate_required() -> Self {
        Self::new(
            StatusCode::UNAUTHORIZED,
            ErrorCode::ClientCertificateRequired,
            "端末の証明書がありません。端末の登録(証明書の取得)を先に行ってください",
        )
    }

    /// A valid certificate of our CA that no device holds (any more).
    pub fn unknown_certificate() -> Self {
        Self::new(
            StatusCode::FORBIDDEN,
            ErrorCode::UnknownCertificate,
            "この端末の証明書はバックオフィスに登録されていません。ヘルプデスクに連絡してください",
        )
    }

    /// Records from a device that is neither active nor locked.
    pub fn not_active(serial: &str, state: Lifecycle) -> Self {
        Self::new(
            StatusCode::FORBIDDEN,
            ErrorCode::NotActive,
            format!(
                "端末(シリアル番号 {serial})は現在「{}」のため、接種記録を受け付けられません。\
                 アクティベートをヘルプデスクに依頼してください",
                state.label_ja()
            ),
        )
    }

    /// A batch larger than the protocol allows.
    pub fn batch_too_large(len: usize, max: usize) -> Self {
        Self::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            ErrorCode::BatchTooLarge,
            format!("一度に送れる記録は{max}件までです({len}件ありました)。分けて送信してください"),
        )
    }

    /// A record whose fields break the record format.
    pub fn invalid_record(index: usize, id: uuid::Uuid, error: &RecordError) -> Self {
        Self::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            ErrorCode::InvalidRecord,
            format!(
                "{}件目の記録(ID {id})を保存できません: {error}。\
                 この送信分は1件も保存していません。ヘルプデスクに連絡してください",
                index + 1
            ),
        )
    }

    /// A record whose 券種 this deployment does not accept.
    pub fn invalid_ticket_kind(index: usize, id: uuid::Uuid, kind: u8) -> Self {
        Self::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            ErrorCode::InvalidRecord,
            format!(
                "{}件目の記録(ID {id})の券種 {kind} は受け付けていません。\
                 この送信分は1件も保存していません。ヘルプデスクに連絡してください",
                index + 1
            ),
        )
    }

    /// A record whose municipality is not in the master list.
    pub fn unknown_municipality(index: usize, id: uuid::Uuid, code: &str) -> Self {
        Self::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            ErrorCode::UnknownMunicipality,
            format!(
                "{}件目の記録(ID {id})の市町村コード {code} は市町村マスタにありません。\
                 この送信分は1件も保存していません。ヘルプデスクに連絡してください",
                index + 1
            ),
        )
    }

    /// No such endpoint.
    pub fn not_found() -> Self {
        Self::new(
            StatusCode::NOT_FOUND,
            ErrorCode::NotFound,
            "そのURLはありません。端末のソフトウェアが古い可能性があります。ヘルプデスクに連絡してください",
        )
    }

    /// Wrong method for an endpoint.
    pub fn method_not_allowed() -> Self {
        Self::new(
            StatusCode::METHOD_NOT_ALLOWED,
            ErrorCode::MethodNotAllowed,
            "このURLはPOSTのみ受け付けます。端末のソフトウェアが古い可能性があります",
        )
    }

    /// Something broke on our side (logged with details; the client gets none).
    pub fn internal() -> Self {
        Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            ErrorCode::InternalError,
            "バックオフィスで障害が発生しました。記録は端末に残っています。\
             しばらくしてから再送信し、続く場合はヘルプデスクに連絡してください",
        )
    }

    /// A body that is not the JSON the endpoint expects.
    pub fn from_json(rejection: &JsonRejection) -> Self {
        let status = rejection.status();
        let detail = rejection.body_text();
        let (code, what) = match rejection {
            JsonRejection::JsonSyntaxError(_) => (
                ErrorCode::MalformedJson,
                "送信内容がJSONとして読めません(途中で切れた可能性があります)",
            ),
            JsonRejection::JsonDataError(_) => {
                (ErrorCode::InvalidJson, "送信内容の項目が仕様と合いません")
            }
            JsonRejection::MissingJsonContentType(_) => (
                ErrorCode::JsonContentTypeRequired,
                "Content-Type: application/json が必要です",
            ),
            _ if status == StatusCode::PAYLOAD_TOO_LARGE => {
                (ErrorCode::BodyTooLarge, "送信内容が大きすぎます")
            }
            _ => (ErrorCode::BodyUnreadable, "送信内容を受け取れませんでした"),
        };
        Self::new(
            status,
            code,
            format!(
                "{what}。通信状態を確認して再送信し、続く場合はヘルプデスクに連絡してください(詳細: {detail})"
            ),
        )
    }
}

impl IntoResponse for Refusal {
    fn into_response(self) -> Response {
        (self.status, Json(self.body)).into_response()
    }
}

/// `Json<T>` whose rejection is a [`Refusal`] with an [`ApiError`] body, not plain text.
#[derive(Debug, Clone)]
pub struct ApiJson<T>(pub T);

impl<S, T> FromRequest<S> for ApiJson<T>
where
    Json<T>: FromRequest<S, Rejection = JsonRejection>,
    S: Send + Sync,
{
    type Rejection = Refusal;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        match Json::<T>::from_request(req, state).await {
            Ok(Json(value)) => Ok(Self(value)),
            Err(rejection) => {
                log::info!(
                    "refused a request body: {} ({})",
                    rejection.status(),
                    match &rejection {
                        JsonRejection::JsonSyntaxError(_) => "syntax",
                        JsonRejection::JsonDataError(_) => "data",
                        JsonRejection::MissingJsonContentType(_) => "content type",
                        _ => "body",
                    }
                );
                Err(Refusal::from_json(&rejection))
            }
        }
    }
}
