//! The whole layer on arbitrary bodies, headers, frame splits, limits and configurations.
//!
//! The input is a fixed-size control block followed by the body. The control block picks the
//! mode (standard or header-signed), the policy, the limit, Basic auth, `Content-Length`, the
//! signature header, how the body is split into frames (with `Pending`s, trailers, a failure at
//! the end), how the inner service answers, and whether the body is re-signed (so that
//! arbitrary content reaches the inner service too).
//!
//! Invariant: the response is exactly what the statuses table in the crate's docs says, computed
//! here independently from the public parser and verifier; the inner service is called only for
//! verified requests, with the exact bytes and the verified items; the body is polled a bounded
//! number of times; nothing hangs.
#![no_main]

use std::sync::atomic::Ordering;

use bytes::Bytes;
use http::header::{AUTHORIZATION, CONTENT_LENGTH, CONTENT_TYPE};
use http::{HeaderValue, Request, StatusCode};
use libfuzzer_sys::arbitrary::{self, Arbitrary, Unstructured};
use libfuzzer_sys::fuzz_target;
use tower_adyen_webhook::{DEFAULT_MAX_BODY_BYTES, DEFAULT_MAX_ITEMS};
use tower_adyen_webhook::{HmacKeys, NotificationRequest, Policy, VerifyWebhookLayer};
use tower_adyen_webhook_fuzz::{
    block_on, body_bytes, encode_base64, first, header_keys, notification_keys, Answer, FuzzBody,
    Recorder,
};
use tower_layer::Layer;
use tower_service::Service;

/// Bytes of control before the body.
const CONTROL: usize = 48;

#[derive(Arbitrary, Debug)]
struct Control {
    header_signed: bool,
    forward_verified: bool,
    keep_handler_response: bool,
    /// 0: the default limit; otherwise this many bytes.
    limit: u16,
    /// 0 none, 1 right, 2 wrong, 3 two headers.
    auth: u8,
    /// 0 none, 1 exact, 2 one less, 3 one more, 4 u64::MAX, 5 padded with spaces, 6 garbage.
    content_length: u8,
    /// Header-signed: 0 none, 1 right, 2 right with one byte changed, 3 twice, 4 empty,
    /// 5 URL-safe, 6 unpadded, 7 the body's first 44 bytes.
    signature: u8,
    /// Standard: 0 as is; 1 re-signed; 2 re-signed, then one byte changed; 3 some items
    /// re-signed (by `mask`).
    resign: u8,
    mask: u64,
    flip_at: u16,
    /// 0: one frame; otherwise frames of 0..=split bytes, sized from `seed`.
    split: u8,
    seed: u64,
    pending: u64,
    trailers: bool,
    fail_at_end: bool,
    /// 0..=3: 200, 204, 500, 400; 4: an error.
    answer: u8,
    content_type: u8,
}

const USER: &str = "adyen";
const PASSWORD: &str = "s3cret";

fn keys(control: &Control) -> &'static HmacKeys {
    if control.header_signed {
        header_keys()
    } else {
        notification_keys()
    }
}

/// The body to send: as given, or parsed and re-signed with the first key.
fn make_body(control: &Control, raw: &[u8]) -> Vec<u8> {
    let resign = control.resign % 4;
    if control.header_signed || resign == 0 {
        return raw.to_vec();
    }
    let Ok(mut request) = NotificationRequest::from_slice(raw) else {
        return raw.to_vec();
    };
    let key = first(notification_keys());
    for (i, item) in request.items.iter_mut().enumerate() {
        if resign != 3 || control.mask & (1 << (i % 64)) != 0 {
            key.sign_item_in_place(item);
        }
    }
    let mut body = request.to_json().into_bytes();
    if resign == 2 && !body.is_empty() {
        let at = usize::from(control.flip_at) % body.len();
        body[at] ^= (control.seed as u8).max(1);
    }
    body
}

fn chunks(control: &Control, body: &[u8]) -> Vec<Bytes> {
    if control.split == 0 {
        return vec![Bytes::copy_from_slice(body)];
    }
    let mut state = control.seed | 1;
    let mut out = Vec::new();
    let mut rest = body;
    while !rest.is_empty() {
        // xorshift64: sizes in 0..=split (empty frames included).
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        let size = (state % (u64::from(control.split) + 1)) as usize;
        let (chunk, tail) = rest.split_at(size.min(rest.len()));
        out.push(Bytes::copy_from_slice(chunk));
        rest = tail;
        if out.len() > 100_000 {
            break;
        }
    }
    out.push(Bytes::copy_from_slice(rest));
    out
}

fn signature_headers(control: &Control, body: &[u8]) -> Vec<Vec<u8>> {
    let right = first(header_keys()).sign(body);
    match control.signature % 8 {
        0 => vec![],
        1 => vec![right.into_bytes()],
        2 => {
            let mut s = right.into_bytes();
            let at = usize::from(control.flip_at) % s.len();
            s[at] = if s[at] == b'A' { b'B' } else { b'A' };
            vec![s]
        }
        3 => vec![right.clone().into_bytes(), right.into_bytes()],
        4 => vec![Vec::new()],
        5 => vec![right.replace('+', "-").replace('/', "_").into_bytes()],
        6 => vec![right.trim_end_matches('=').as_bytes().to_vec()],
        _ => vec![body[..body.len().min(44)].to_vec()],
    }
}

fn content_length(control: &Control, len: usize) -> Option<String> {
    let len = len as u64;
    Some(match control.content_length % 8 {
        1 => len.to_string(),
        2 => len.saturating_sub(1).to_string(),
        3 => (len + 1).to_string(),
        4 => u64::MAX.to_string(),
        5 => format!("  {len} "),
        6 => "12abc".to_owned(),
        _ => return None,
    })
}

/// What the layer must do, from the statuses table.
#[derive(Debug, PartialEq)]
enum Expected {
    /// Rejected with this status; `read` says whether the body may have been polled.
    Rejected { status: StatusCode, read: bool },
    /// Handed to the inner service, with this many verified and rejected items.
    Called { verified: usize, rejected: usize },
    /// Acknowledged without calling the inner service: an envelope with no items.
    Acknowledged,
}

fn expected(control: &Control, body: &[u8], signatures: &[Vec<u8>], cl: Option<&str>) -> Expected {
    use Expected::*;
    let limit = limit(control);
    let rejected = |status, read| Rejected { status, read };
    if matches!(control.auth % 4, 2 | 3) {
        return rejected(StatusCode::UNAUTHORIZED, false);
    }
    if control.header_signed && signatures.is_empty() {
        return rejected(StatusCode::UNAUTHORIZED, false);
    }
    if let Some(declared) = cl.and_then(|v| v.trim().parse::<u64>().ok()) {
        if declared > limit as u64 {
            return rejected(StatusCode::PAYLOAD_TOO_LARGE, false);
        }
    }
    if body.len() > limit {
        return rejected(StatusCode::PAYLOAD_TOO_LARGE, true);
    }
    if control.fail_at_end {
        return rejected(StatusCode::BAD_REQUEST, true);
    }
    let keys = keys(control);
    if control.header_signed {
        if signatures.len() > 1 || keys.verify_bytes(body, Some(&signatures[0])).is_err() {
            return rejected(StatusCode::UNAUTHORIZED, true);
        }
        if serde_json::from_slice::<serde_json::Value>(body).is_err() {
            return rejected(StatusCode::BAD_REQUEST, true);
        }
        return Called {
            verified: 0,
            rejected: 0,
        };
    }
    let Ok(request) = NotificationRequest::from_slice(body) else {
        // A `type`/`data` event: no HmacSignature header is sent in this mode, and unsigned
        // events are not accepted.
        let json = serde_json::from_slice::<serde_json::Value>(body).ok();
        let event = json
            .as_ref()
            .and_then(|json| json.as_object())
            .is_some_and(|object| {
                object.get("type").is_some_and(|t| t.is_string())
                    && object.contains_key("data")
                    && !object.contains_key("notificationItems")
            });
        let status = match event {
            true => StatusCode::UNAUTHORIZED,
            false => StatusCode::BAD_REQUEST,
        };
        return rejected(status, true);
    };
    if request.items.is_empty() {
        return Acknowledged;
    }
    if request.items.len() > DEFAULT_MAX_ITEMS {
        return rejected(StatusCode::PAYLOAD_TOO_LARGE, true);
    }
    let verified = request
        .items
        .iter()
        .filter(|item| keys.verify_item(item).is_ok())
        .count();
    let failed = request.items.len() - verified;
    if verified == 0 || (failed > 0 && !control.forward_verified) {
        return rejected(StatusCode::UNAUTHORIZED, true);
    }
    Called {
        verified,
        rejected: failed,
    }
}

fn limit(control: &Control) -> usize {
    match control.limit {
        0 => DEFAULT_MAX_BODY_BYTES,
        n => usize::from(n),
    }
}

fuzz_target!(|data: &[u8]| {
    let (control, raw) = data.split_at(data.len().min(CONTROL));
    let Ok(control) = Control::arbitrary(&mut Unstructured::new(control)) else {
        return;
    };
    let body = make_body(&control, raw);
    let frames = chunks(&control, &body);
    let frame_count = frames.len();

    let mut request = Request::post("/webhooks");
    let cl = content_length(&control, body.len());
    if let Some(cl) = &cl {
        request = request.header(CONTENT_LENGTH, cl.as_str());
    }
    let signatures = if control.header_signed {
        signature_headers(&control, &body)
    } else {
        Vec::new()
    };
    let signatures: Vec<Vec<u8>> = signatures
        .into_iter()
        .filter(|s| HeaderValue::from_bytes(s).is_ok())
        .collect();
    for signature in &signatures {
        request = request.header("HmacSignature", HeaderValue::from_bytes(signature).unwrap());
    }
    let right_auth = format!(
        "Basic {}",
        encode_base64(format!("{USER}:{PASSWORD}").as_bytes())
    );
    match control.auth % 4 {
        1 => request = request.header(AUTHORIZATION, right_auth.as_str()),
        2 => request = request.header(AUTHORIZATION, "Basic YWR5ZW46d3Jvbmc="),
        3 => {
            request = request
                .header(AUTHORIZATION, right_auth.as_str())
                .header(AUTHORIZATION, right_auth.as_str())
        }
        _ => {}
    }
    let content_type = [
        "application/json",
        "text/plain",
        "application/x-www-form-urlencoded",
    ];
    if let Some(ct) = content_type.get(usize::from(control.content_type)) {
        request = request.header(CONTENT_TYPE, *ct);
    }
    let fuzz_body = FuzzBody::new(
        frames,
        control.trailers,
        control.fail_at_end,
        control.pending,
    );
    let polls = fuzz_body.polls();
    let request = request.body(fuzz_body).unwrap();

    let answer = match control.answer % 5 {
        0 => Answer::Status(StatusCode::OK),
        1 => Answer::Status(StatusCode::NO_CONTENT),
        2 => Answer::Status(StatusCode::INTERNAL_SERVER_ERROR),
        3 => Answer::Status(StatusCode::BAD_REQUEST),
        _ => Answer::Error,
    };
    let recorder = Recorder::new(answer);
    let keys = keys(&control).clone();
    let mut layer = if control.header_signed {
        VerifyWebhookLayer::hmac_header(keys)
    } else {
        VerifyWebhookLayer::notifications(keys)
    }
    .max_body_bytes(limit(&control))
    .keep_handler_response(control.keep_handler_response);
    if control.forward_verified {
        layer = layer.policy(Policy::ForwardVerified);
    }
    if control.auth % 4 != 0 {
        layer = layer.basic_auth(USER, PASSWORD);
    }
    let mut service = layer.layer(recorder.clone());
    let result = block_on(service.call(request));

    // Each frame, the trailers, the failure and the end are one poll each, plus at most one
    // `Pending` before each of them.
    let bound = 2 * (frame_count + 3);
    let polled = polls.load(Ordering::Relaxed);
    assert!(
        polled <= bound,
        "body polled {polled} times for {frame_count} frames"
    );

    let expected = expected(&control, &body, &signatures, cl.as_deref());
    match expected {
        Expected::Rejected { status, read } => {
            let response = result.expect("a rejection is a response");
            assert_eq!(response.status(), status, "{control:?}");
            if !read {
                assert_eq!(polled, 0, "rejected before the body, yet it was read");
            }
            assert_eq!(
                recorder.calls(),
                0,
                "a rejected request reached the inner service"
            );
            let text = body_bytes(response.into_body());
            assert!(text != "[accepted]", "a rejection acknowledged");
        }
        Expected::Acknowledged => {
            let response = result.expect("an acknowledgement is a response");
            assert_eq!(response.status(), StatusCode::OK, "{control:?}");
            assert_eq!(
                recorder.calls(),
                0,
                "nothing to hand over, yet the inner service was called"
            );
            assert_eq!(body_bytes(response.into_body()), "[accepted]");
        }
        Expected::Called { verified, rejected } => {
            assert_eq!(recorder.calls(), 1, "{control:?}");
            let seen = recorder.seen.lock().unwrap()[0].clone();
            assert_eq!(seen.body, body, "the inner service gets the exact bytes");
            if control.header_signed {
                assert_eq!(seen.signed.expect("a SignedWebhook").body(), &body);
            } else {
                assert_eq!(seen.notifications.expect("Notifications").len(), verified);
                assert_eq!(seen.rejected.expect("RejectedItems").len(), rejected);
            }
            match (answer, result) {
                (Answer::Error, Err(_)) => {}
                (Answer::Status(status), Ok(response)) if status.is_success() => {
                    if control.keep_handler_response {
                        assert_eq!(response.status(), status);
                    } else {
                        assert_eq!(response.status(), StatusCode::OK);
                        assert_eq!(body_bytes(response.into_body()), "[accepted]");
                    }
                }
                (Answer::Status(status), Ok(response)) => {
                    assert_eq!(response.status(), status, "a failure passes through");
                    assert!(body_bytes(response.into_body()) != "[accepted]");
                }
                (answer, result) => panic!("{answer:?} became {:?}", result.map(|r| r.status())),
            }
        }
    }
});
