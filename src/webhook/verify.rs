//! Between the bytes and the inner service: parse, verify, decide, and log the verdict.

use bytes::Bytes;
use http::{HeaderMap, HeaderName, HeaderValue, Response, StatusCode};

use super::extensions::{Notifications, RejectedItem, RejectedItems, SignedWebhook};
use super::layer::{Config, Mode, Policy};
use super::ResponseBody;
use crate::basic_auth;
use crate::notification::NotificationRequest;
use crate::response::text_response;

/// The header header-signed webhooks carry their signature in (matched case-insensitively, as
/// `http` stores header names in lowercase).
pub(crate) static HMAC_SIGNATURE: HeaderName = HeaderName::from_static("hmacsignature");

/// A request the inner service will not see, and why.
#[derive(Debug)]
pub(crate) enum Rejection {
    /// Basic auth failed: the answer [`RequireBasicAuth`](crate::RequireBasicAuth) gives, with
    /// this challenge.
    BasicAuth(HeaderValue),
    Status {
        status: StatusCode,
        reason: String,
    },
}

impl Rejection {
    pub(crate) fn new(status: StatusCode, reason: impl Into<String>) -> Self {
        Self::Status {
            status,
            reason: reason.into(),
        }
    }

    pub(crate) fn too_large(limit: usize) -> Self {
        Self::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            format!("body larger than {limit} bytes"),
        )
    }

    pub(crate) fn into_response<B>(self) -> Response<ResponseBody<B>> {
        match self {
            Self::BasicAuth(challenge) => basic_auth::refusal(challenge),
            Self::Status { status, reason } => text_response(status, format!("{reason}\n")),
        }
    }
}

/// Checks what can be checked before the body is read, so a rejected request costs no buffering.
pub(crate) fn before_body(config: &Config, headers: &HeaderMap) -> Result<(), Rejection> {
    if let Some(auth) = &config.basic_auth {
        if !auth.check(headers) {
            tracing::warn!("Adyen webhook rejected: missing or wrong Basic auth credentials");
            return Err(Rejection::BasicAuth(auth.challenge().clone()));
        }
    }
    if config.mode == Mode::HmacHeader && !headers.contains_key(&HMAC_SIGNATURE) {
        tracing::warn!("Adyen webhook rejected: no HmacSignature header");
        return Err(Rejection::new(
            StatusCode::UNAUTHORIZED,
            "no HmacSignature header",
        ));
    }
    if let Some(length) = content_length(headers) {
        if length > config.max_body_bytes as u64 {
            tracing::warn!(
                length,
                limit = config.max_body_bytes,
                "Adyen webhook rejected: body too large"
            );
            return Err(Rejection::too_large(config.max_body_bytes));
        }
    }
    Ok(())
}

fn content_length(headers: &HeaderMap) -> Option<u64> {
    headers
        .get(http::header::CONTENT_LENGTH)?
        .to_str()
        .ok()?
        .trim()
        .parse()
        .ok()
}

/// Verifies a whole body and puts what the inner service needs into `extensions`.
pub(crate) fn verify_body(
    config: &Config,
    headers: &HeaderMap,
    body: &Bytes,
    extensions: &mut http::Extensions,
) -> Result<(), Rejection> {
    match config.mode {
        Mode::Notifications => verify_notifications(config, body, extensions),
        Mode::HmacHeader => verify_header_signed(config, headers, body, extensions),
    }
}

fn verify_notifications(
    config: &Config,
    body: &[u8],
    extensions: &mut http::Extensions,
) -> Result<(), Rejection> {
    let request = NotificationRequest::from_slice(body).map_err(|e| {
        tracing::warn!(error = %e, "Adyen notification rejected: malformed body");
        Rejection::new(StatusCode::BAD_REQUEST, e.to_string())
    })?;
    let total = request.items.len();
    if total == 0 {
        tracing::warn!("Adyen notification rejected: no notificationItems");
        return Err(Rejection::new(
            StatusCode::BAD_REQUEST,
            "not an Adyen notification: notificationItems is empty",
        ));
    }
    // Before any HMAC: the count is all it takes to refuse a request that is too costly to check.
    if total > config.max_items {
        tracing::warn!(
            items = total,
            limit = config.max_items,
            "Adyen notification rejected: too many items"
        );
        return Err(Rejection::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            format!(
                "{total} notification items, more than the limit of {}",
                config.max_items
            ),
        ));
    }

    // Checked where they lie: when every item verifies, as nearly always, the parsed items are
    // handed on as they are, neither moved nor copied.
    let mut rejected = Vec::new();
    for (index, item) in request.items.iter().enumerate() {
        match config.keys.verify_item(item) {
            Ok(v) => {
                tracing::info!(
                    psp_reference = %item.psp_reference,
                    event_code = %item.event_code,
                    key = v.key_index,
                    "Adyen notification item verified"
                );
            }
            Err(error) => {
                // Unauthenticated text: quoted and escaped, so a newline in it cannot start a
                // forged log line.
                tracing::warn!(
                    psp_reference = ?item.psp_reference,
                    event_code = ?item.event_code.as_str(),
                    item = index,
                    error = error.as_str(),
                    "Adyen notification item failed HMAC verification"
                );
                rejected.push(RejectedItem {
                    index,
                    psp_reference: item.psp_reference.clone(),
                    event_code: item.event_code.clone(),
                    error,
                });
            }
        }
    }

    let mut verified = request.items;
    if let Some(first) = rejected.first() {
        if config.policy == Policy::RejectRequest || rejected.len() == total {
            tracing::warn!(
                rejected = rejected.len(),
                items = total,
                "Adyen notification rejected: not acknowledged, Adyen will retry"
            );
            return Err(Rejection::new(
                StatusCode::UNAUTHORIZED,
                format!(
                    "item {} of {total}: {} ({} of {total} items failed)",
                    first.index + 1,
                    first.error,
                    rejected.len(),
                ),
            ));
        }
        // Forwarding the verified ones: the rejected items (in index order) are left out.
        let mut failed = rejected.iter().map(|r| r.index).peekable();
        let mut index = 0;
        verified.retain(|_| {
            let keep = failed.next_if_eq(&index).is_none();
            index += 1;
            keep
        });
    }

    extensions.insert(Notifications::new(request.live, verified));
    extensions.insert(RejectedItems::new(rejected));
    Ok(())
}

fn verify_header_signed(
    config: &Config,
    headers: &HeaderMap,
    body: &Bytes,
    extensions: &mut http::Extensions,
) -> Result<(), Rejection> {
    let mut signatures = headers.get_all(&HMAC_SIGNATURE).iter();
    let signature = signatures.next().map(HeaderValue::as_bytes);
    if signatures.next().is_some() {
        tracing::warn!("Adyen webhook rejected: several HmacSignature headers");
        return Err(Rejection::new(
            StatusCode::UNAUTHORIZED,
            "more than one HmacSignature header",
        ));
    }
    // Verified before parsing: the signature covers these exact bytes, not their meaning.
    match config.keys.verify_bytes(body, signature) {
        Ok(v) => tracing::debug!(key = v.key_index, "Adyen webhook signature verified"),
        Err(error) => {
            tracing::warn!(
                error = error.as_str(),
                "Adyen webhook failed HMAC verification"
            );
            return Err(Rejection::new(StatusCode::UNAUTHORIZED, error.to_string()));
        }
    }
    let json: serde_json::Value = serde_json::from_slice(body).map_err(|e| {
        tracing::warn!(error = %e, "Adyen webhook rejected: signed body is not JSON");
        Rejection::new(
            StatusCode::BAD_REQUEST,
            format!("signed body is not JSON: {e}"),
        )
    })?;
    let webhook = SignedWebhook::new(body.clone(), json);
    tracing::debug!(
        webhook_type = webhook.webhook_type().unwrap_or(""),
        environment = webhook.environment().unwrap_or(""),
        "Adyen webhook verified"
    );
    extensions.insert(webhook);
    Ok(())
}
