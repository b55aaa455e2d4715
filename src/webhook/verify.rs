//! Between the bytes and the inner service: parse, verify, decide, and log the verdict.

use std::fmt;
use std::time::SystemTime;

use bytes::Bytes;
use http::{HeaderMap, HeaderName, HeaderValue, Response, StatusCode};

use super::extensions::{
    Notifications, RejectedItem, RejectedItems, SignedWebhook, UnsignedWebhook,
};
use super::layer::{Config, Mode, Policy};
#[cfg(feature = "metrics")]
use super::observe;
use super::observe::{Outcome, Tally};
use crate::basic_auth;
use crate::notification::NotificationRequest;
use crate::response::text_response;
use crate::ResponseBody;

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
        /// A stable code, for the verdict and the metrics.
        code: &'static str,
        reason: String,
    },
    /// Nothing to verify and nothing to hand over (an empty `notificationItems`): acknowledged,
    /// since nothing can be lost, and Adyen stops sending it.
    NothingToHandOver,
}

impl Rejection {
    pub(crate) fn new(status: StatusCode, code: &'static str, reason: impl Into<String>) -> Self {
        Self::Status {
            status,
            code,
            reason: reason.into(),
        }
    }

    pub(crate) fn too_large(limit: usize) -> Self {
        Self::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "body_too_large",
            format!("body larger than {limit} bytes"),
        )
    }

    /// What the verdict says of it.
    pub(crate) fn outcome(&self) -> (Outcome, Option<&'static str>) {
        match self {
            Self::BasicAuth(_) => (Outcome::Unauthorized, Some("basic_auth")),
            Self::NothingToHandOver => (Outcome::NothingToHandOver, None),
            Self::Status { status, code, .. } => {
                let outcome = match *status {
                    StatusCode::UNAUTHORIZED => Outcome::Unauthorized,
                    StatusCode::PAYLOAD_TOO_LARGE => Outcome::TooLarge,
                    _ => Outcome::BadRequest,
                };
                (outcome, Some(code))
            }
        }
    }

    pub(crate) fn into_response<B>(self) -> Response<ResponseBody<B>> {
        match self {
            Self::BasicAuth(challenge) => basic_auth::refusal(challenge),
            Self::Status { status, reason, .. } => text_response(status, format!("{reason}\n")),
            Self::NothingToHandOver => {
                text_response(StatusCode::OK, bytes::Bytes::from_static(b"[accepted]"))
            }
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
            "missing_signature",
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
    tally: &mut Tally,
) -> Result<(), Rejection> {
    match config.mode {
        Mode::Notifications => verify_notifications(config, headers, body, extensions, tally),
        Mode::HmacHeader => verify_header_signed(config, headers, body, extensions, tally),
    }
}

fn verify_notifications(
    config: &Config,
    headers: &HeaderMap,
    body: &Bytes,
    extensions: &mut http::Extensions,
    tally: &mut Tally,
) -> Result<(), Rejection> {
    let request = match NotificationRequest::from_bytes(body.clone()) {
        Ok(request) => request,
        Err(e) => {
            // Looked for only once the envelope failed: it costs nothing on every other request.
            if let Some(json) = type_data_event(body) {
                return verify_event(config, headers, body, json, extensions, tally);
            }
            // serde names what it could not read, and quotes some of it: escaped, like any text
            // that came with the request.
            let reason = e.to_string();
            tracing::warn!(error = ?reason, "Adyen notification rejected: malformed body");
            return Err(Rejection::new(
                StatusCode::BAD_REQUEST,
                "malformed_body",
                reason,
            ));
        }
    };
    let total = request.items.len();
    tally.items = total;
    if total == 0 {
        // Adyen's Java, .NET, Node and Go libraries take it as a request of no items. Refusing
        // it would have it delivered again for 30 days; there is nothing in it to lose.
        tracing::info!(
            "Adyen notification with no notificationItems: nothing to hand over; acknowledged"
        );
        return Err(Rejection::NothingToHandOver);
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
            "too_many_items",
            format!(
                "{total} notification items, more than the limit of {}",
                config.max_items
            ),
        ));
    }

    // Checked where they lie: when every item verifies, as nearly always, the parsed items are
    // handed on as they are, neither moved nor copied.
    let mut rejected = Vec::new();
    let mut now = None;
    for (index, item) in request.items.iter().enumerate() {
        match config.keys.verify_item(item) {
            Ok(v) => {
                tally.key.get_or_insert(v.key_index);
                config
                    .usage
                    .touch(v.key_index, *now.get_or_insert_with(SystemTime::now));
                #[cfg(feature = "metrics")]
                observe::count_key(config.usage.kcv(v.key_index).unwrap_or_default());
                // Signed does not mean free of newlines or terminal escapes: quoted all the same.
                tracing::info!(
                    psp_reference = ?item.psp_reference,
                    event_code = ?item.event_code.as_str(),
                    key = v.key_index,
                    "Adyen notification item verified"
                );
            }
            Err(error) => rejected.push(RejectedItem {
                index,
                psp_reference: item.psp_reference.clone(),
                event_code: item.event_code.clone(),
                error,
            }),
        }
    }

    tally.rejected_items = rejected.len();
    #[cfg(feature = "metrics")]
    observe::count_items((total - rejected.len()) as u64, &rejected);
    let mut verified = request.items;
    if let Some(first) = rejected.first() {
        let reject_request = config.policy == Policy::RejectRequest || rejected.len() == total;
        // One line for all of them, whatever their number: unsigned items cost nothing to make.
        let outcome = if reject_request {
            "Adyen notification rejected: items failed HMAC verification; not acknowledged, \
             Adyen will retry"
        } else {
            "Adyen notification items failed HMAC verification and were left out; Adyen will not \
             deliver them again"
        };
        tracing::warn!(
            rejected = rejected.len(),
            items = total,
            first_item = first.index,
            error = first.error.as_str(),
            psp_references = ?Claimed(&rejected, |r| &r.psp_reference),
            event_codes = ?Claimed(&rejected, |r| r.event_code.as_str()),
            "{outcome}"
        );
        if reject_request {
            return Err(Rejection::new(
                StatusCode::UNAUTHORIZED,
                first.error.as_str(),
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

/// A body with a top-level string `type`, a `data` and no `notificationItems`: the
/// `type`/`data` events Adyen's standard-webhook spec documents beside the envelope.
fn type_data_event(body: &[u8]) -> Option<serde_json::Value> {
    let json: serde_json::Value = serde_json::from_slice(body).ok()?;
    let object = json.as_object()?;
    let recognised = object.get("type")?.is_string()
        && object.contains_key("data")
        && !object.contains_key("notificationItems");
    recognised.then_some(json)
}

/// A `type`/`data` event on the standard endpoint: signed over its bytes like a header-signed
/// webhook, or accepted on Basic auth alone where the layer was told to, or refused.
fn verify_event(
    config: &Config,
    headers: &HeaderMap,
    body: &Bytes,
    json: serde_json::Value,
    extensions: &mut http::Extensions,
    tally: &mut Tally,
) -> Result<(), Rejection> {
    let event_type = json["type"].as_str().unwrap_or_default();
    if headers.contains_key(&HMAC_SIGNATURE) {
        verify_signature_header(config, headers, body, tally)?;
        tracing::info!(webhook_type = ?Cut(event_type), "Adyen event verified");
        extensions.insert(SignedWebhook::new(body.clone(), json));
    } else if config.accept_unsigned_events {
        tracing::info!(
            webhook_type = ?Cut(event_type),
            "Adyen event accepted without a signature, on Basic auth alone"
        );
        extensions.insert(UnsignedWebhook::new(body.clone(), json));
    } else {
        tracing::warn!(
            webhook_type = ?Cut(event_type),
            "Adyen event rejected: a `type`/`data` body with no HmacSignature header; not \
             acknowledged, Adyen will retry. To accept such events on Basic auth alone, set \
             VerifyWebhookLayer::accept_unsigned_events"
        );
        return Err(Rejection::new(
            StatusCode::UNAUTHORIZED,
            "unsigned_event",
            "a `type`/`data` event without an HmacSignature header: not signed, not accepted",
        ));
    }
    Ok(())
}

fn verify_header_signed(
    config: &Config,
    headers: &HeaderMap,
    body: &Bytes,
    extensions: &mut http::Extensions,
    tally: &mut Tally,
) -> Result<(), Rejection> {
    verify_signature_header(config, headers, body, tally)?;
    let json: serde_json::Value = serde_json::from_slice(body).map_err(|e| {
        tracing::warn!(error = ?e.to_string(), "Adyen webhook rejected: signed body is not JSON");
        Rejection::new(
            StatusCode::BAD_REQUEST,
            "malformed_body",
            format!("signed body is not JSON: {e}"),
        )
    })?;
    let webhook = SignedWebhook::new(body.clone(), json);
    tracing::debug!(
        webhook_type = ?webhook.webhook_type().unwrap_or(""),
        environment = ?webhook.environment().unwrap_or(""),
        "Adyen webhook verified"
    );
    extensions.insert(webhook);
    Ok(())
}

/// Checks the one `HmacSignature` header against the exact bytes: the signature covers them,
/// not their meaning, so this comes before any parsing.
fn verify_signature_header(
    config: &Config,
    headers: &HeaderMap,
    body: &[u8],
    tally: &mut Tally,
) -> Result<(), Rejection> {
    let mut signatures = headers.get_all(&HMAC_SIGNATURE).iter();
    let signature = signatures.next().map(HeaderValue::as_bytes);
    if signatures.next().is_some() {
        tracing::warn!("Adyen webhook rejected: several HmacSignature headers");
        return Err(Rejection::new(
            StatusCode::UNAUTHORIZED,
            "several_signatures",
            "more than one HmacSignature header",
        ));
    }
    match config.keys.verify_bytes(body, signature) {
        Ok(v) => {
            tracing::debug!(key = v.key_index, "Adyen webhook signature verified");
            tally.key = Some(v.key_index);
            config.usage.touch(v.key_index, SystemTime::now());
            #[cfg(feature = "metrics")]
            observe::count_key(config.usage.kcv(v.key_index).unwrap_or_default());
            Ok(())
        }
        Err(error) => {
            tracing::warn!(
                error = error.as_str(),
                "Adyen webhook failed HMAC verification"
            );
            Err(Rejection::new(
                StatusCode::UNAUTHORIZED,
                error.as_str(),
                error.to_string(),
            ))
        }
    }
}

/// How many rejected items a log line names, and how many characters of each value it keeps.
const LOGGED_ITEMS: usize = 3;
const LOGGED_CHARS: usize = 64;

/// What the first few rejected items claimed, for a log line: neither their number nor their
/// length is up to the sender, and each value is quoted and escaped, so that no newline, carriage
/// return or terminal escape in it can start or colour a line.
struct Claimed<'a>(&'a [RejectedItem], fn(&RejectedItem) -> &str);

impl fmt::Debug for Claimed<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let Self(items, field) = self;
        f.debug_list()
            .entries(items.iter().take(LOGGED_ITEMS).map(|item| Cut(field(item))))
            .finish()
    }
}

/// A value cut to [`LOGGED_CHARS`] characters, quoted and escaped; `…` after the quotes says it
/// was cut.
struct Cut<'a>(&'a str);

impl fmt::Debug for Cut<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0.char_indices().nth(LOGGED_CHARS) {
            None => fmt::Debug::fmt(self.0, f),
            Some((end, _)) => {
                fmt::Debug::fmt(&self.0[..end], f)?;
                f.write_str("…")
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::notification::EventCode;
    use crate::signature::VerifyError;

    fn rejected(psp_reference: &str) -> RejectedItem {
        RejectedItem {
            index: 0,
            psp_reference: psp_reference.into(),
            event_code: EventCode::from("CODE\n"),
            error: VerifyError::Mismatch,
        }
    }

    #[test]
    fn values_are_cut_on_a_character_and_escaped() {
        assert_eq!(
            format!("{:?}", Cut("a\nb\r\u{1b}[31m")),
            r#""a\nb\r\u{1b}[31m""#
        );
        let exact = "é".repeat(LOGGED_CHARS);
        assert_eq!(format!("{:?}", Cut(&exact)), format!("\"{exact}\""));
        let longer = format!("{exact}é");
        assert_eq!(format!("{:?}", Cut(&longer)), format!("\"{exact}\"…"));
    }

    #[test]
    fn only_the_first_few_items_are_named() {
        let items: Vec<_> = ["a", "b\"", "c", "d"].map(rejected).into();
        let logged = format!("{:?}", Claimed(&items, |r| &r.psp_reference));
        assert_eq!(logged, r#"["a", "b\"", "c"]"#);
        let logged = format!("{:?}", Claimed(&items[..1], |r| r.event_code.as_str()));
        assert_eq!(logged, r#"["CODE\n"]"#);
        assert_eq!(format!("{:?}", Claimed(&[], |r| &r.psp_reference)), "[]");
    }
}
