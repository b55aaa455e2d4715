//! Hostile requests, one table: each row is a request, the status it must get, and whether the
//! inner service may see it. Every row runs behind tower-http's `TimeoutLayer`, as the crate's
//! docs recommend, and each rejected row proves the inner service was never called.
//!
//! Decisions these rows pin down:
//! - The `Content-Type` is not checked (module docs, "Not checked"): a correctly signed body
//!   labelled `text/plain` is accepted.
//! - 10,000 items in one request are over the default 256 KiB limit (`413`); with a raised limit
//!   every item is verified and handed over.
//! - Signatures are standard base64 with padding, as Adyen sends them: URL-safe or unpadded
//!   forms are rejected (`signature` module docs).
//! - Duplicate keys in the envelope, an item or its amount are a `400`. In `additionalData` the
//!   last value wins (it is an open map of unsigned strings); whichever `hmacSignature` is kept
//!   must still verify.

mod common;

use std::pin::Pin;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use axum::body::Body;
use bytes::Bytes;
use common::{read, Endless, Frames, Recorder};
use futures_util::StreamExt as _;
use http::{Request, StatusCode};
use http_body::Frame;
use tower::{ServiceBuilder, ServiceExt};
use tower_adyen_webhook::{
    Amount, HmacKey, HmacKeys, KeyError, NotificationRequest, NotificationRequestItem,
    VerifyWebhookLayer,
};

const KEY: &str = "00727DB817A85C8503AD29EAD1523DB869AF0E536893BB3046C92DE7CB045CB1";
const MIB: u64 = 1024 * 1024;

fn key() -> HmacKey {
    KEY.parse().unwrap()
}

fn item(n: usize) -> NotificationRequestItem {
    let mut item = NotificationRequestItem::new(format!("PSP{n:012}"), "AUTHORISATION");
    item.merchant_account_code = "TestMerchant".into();
    item.merchant_reference = format!("order-{n}").into();
    item.amount = Some(Amount::new(1130, "EUR"));
    key().sign_item_in_place(&mut item);
    item
}

fn body_of(items: Vec<NotificationRequestItem>) -> String {
    NotificationRequest { live: false, items }.to_json()
}

fn signed_body() -> String {
    body_of(vec![item(1)])
}

/// A signed body whose signature has a `+` or a `/`, so its URL-safe form differs.
fn body_with_url_unsafe_signature() -> (String, String) {
    (0..)
        .map(item)
        .map(|item| (item.hmac_signature().unwrap().to_owned(), item))
        .find(|(signature, _)| signature.contains(['+', '/']))
        .map(|(signature, item)| (body_of(vec![item]), signature))
        .unwrap()
}

/// `body` with its (first) signature replaced.
fn with_signature(body: &str, signature: &str) -> String {
    let old = NotificationRequest::from_slice(body.as_bytes())
        .unwrap()
        .items[0]
        .hmac_signature()
        .unwrap()
        .to_owned();
    assert!(body.contains(&old));
    body.replacen(&old, signature, 1)
}

/// A body of `total` bytes made on demand from one shared 64 KiB block, counting what it hands
/// out: a 100 MiB request without 100 MiB of memory.
struct Generator {
    remaining: u64,
    block: Bytes,
    produced: Arc<AtomicU64>,
}

impl Generator {
    fn new(total: u64) -> (Self, Arc<AtomicU64>) {
        let produced = Arc::<AtomicU64>::default();
        let body = Self {
            remaining: total,
            block: Bytes::from(vec![b' '; 64 * 1024]),
            produced: produced.clone(),
        };
        (body, produced)
    }
}

impl http_body::Body for Generator {
    type Data = Bytes;
    type Error = std::convert::Infallible;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        _cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Self::Error>>> {
        if self.remaining == 0 {
            return Poll::Ready(None);
        }
        let size = self.remaining.min(self.block.len() as u64);
        self.remaining -= size;
        self.produced.fetch_add(size, Ordering::SeqCst);
        Poll::Ready(Some(Ok(Frame::data(self.block.slice(..size as usize)))))
    }
}

#[derive(Clone, Copy, PartialEq)]
enum Mode {
    Notifications,
    HeaderSigned,
}

/// One hostile request and what must come of it.
struct Case {
    name: &'static str,
    request: Request<Body>,
    mode: Mode,
    max_body_bytes: Option<usize>,
    max_items: Option<usize>,
    timeout: Duration,
    status: StatusCode,
    /// Items the inner service must be handed; `None`: it must not be called at all.
    handed: Option<usize>,
    /// Extra checks after the response.
    after: Option<Box<dyn FnOnce()>>,
}

fn case(name: &'static str, body: impl Into<Body>, status: StatusCode) -> Case {
    Case {
        name,
        request: Request::post("/webhooks").body(body.into()).unwrap(),
        mode: Mode::Notifications,
        max_body_bytes: None,
        max_items: None,
        timeout: Duration::from_secs(30),
        status,
        handed: None,
        after: None,
    }
}

impl Case {
    fn header(mut self, name: &str, value: impl AsRef<[u8]>) -> Self {
        let value = http::HeaderValue::from_bytes(value.as_ref()).unwrap();
        self.request.headers_mut().append(
            http::HeaderName::from_bytes(name.as_bytes()).unwrap(),
            value,
        );
        self
    }

    fn header_signed(mut self) -> Self {
        self.mode = Mode::HeaderSigned;
        self
    }

    fn limit(mut self, bytes: usize) -> Self {
        self.max_body_bytes = Some(bytes);
        self
    }

    fn max_items(mut self, items: usize) -> Self {
        self.max_items = Some(items);
        self
    }

    fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    fn handed(mut self, items: usize) -> Self {
        self.handed = Some(items);
        self
    }

    fn after(mut self, check: impl FnOnce() + 'static) -> Self {
        self.after = Some(Box::new(check));
        self
    }

    /// Sends the request through `TimeoutLayer` and the middleware; returns the response text.
    async fn run(self) -> String {
        let recorder = Recorder::ok();
        let layer = match self.mode {
            Mode::Notifications => VerifyWebhookLayer::notifications(key()),
            Mode::HeaderSigned => VerifyWebhookLayer::hmac_header(key()),
        };
        let layer = match self.max_body_bytes {
            Some(limit) => layer.max_body_bytes(limit),
            None => layer,
        };
        let layer = match self.max_items {
            Some(limit) => layer.max_items(limit),
            None => layer,
        };
        let service = ServiceBuilder::new()
            .layer(tower_http::timeout::TimeoutLayer::with_status_code(
                StatusCode::REQUEST_TIMEOUT,
                self.timeout,
            ))
            .layer(layer)
            .service(recorder.clone());
        let started = Instant::now();
        let response = service.oneshot(self.request).await.unwrap();
        let (status, text) = read(response).await;
        let name = self.name;
        assert_eq!(status, self.status, "{name}: {text}");
        match self.handed {
            None => assert_eq!(recorder.calls(), 0, "{name}: the inner service was called"),
            Some(items) => {
                assert_eq!(recorder.calls(), 1, "{name}");
                let seen = recorder.last();
                match self.mode {
                    Mode::Notifications => {
                        assert_eq!(seen.notifications.unwrap().len(), items, "{name}")
                    }
                    Mode::HeaderSigned => assert!(seen.signed.is_some(), "{name}"),
                }
            }
        }
        if let Some(check) = self.after {
            check();
        }
        assert!(
            started.elapsed() < self.timeout + Duration::from_secs(5),
            "{name} took {:?}",
            started.elapsed()
        );
        text
    }
}

fn hostile_requests() -> Vec<Case> {
    use StatusCode as S;
    let valid = signed_body();
    let mut cases = vec![
        // A control row: the same machinery accepts a good request.
        case("valid (control)", valid.clone(), S::OK).handed(1),
        // Malformed JSON.
        case("empty body", "", S::BAD_REQUEST),
        case("whitespace only", " \n\t ", S::BAD_REQUEST),
        case("not JSON", "notificationItems=1", S::BAD_REQUEST),
        case(
            "truncated",
            valid[..valid.len() / 2].to_owned(),
            S::BAD_REQUEST,
        ),
        case("trailing garbage", format!("{valid}}}"), S::BAD_REQUEST),
        case("two bodies", format!("{valid}{valid}"), S::BAD_REQUEST),
        case("single quotes", valid.replace('"', "'"), S::BAD_REQUEST),
        case(
            "trailing comma",
            valid.replacen("}]}", "},]}", 1),
            S::BAD_REQUEST,
        ),
        case("JSON null", "null", S::BAD_REQUEST),
        case("array of envelopes", format!("[{valid}]"), S::BAD_REQUEST),
        // Nothing to hand over: acknowledged, the handler never called.
        case(
            "no items",
            r#"{"live":"false","notificationItems":[]}"#,
            S::OK,
        ),
        case(
            "byte order mark",
            format!("\u{feff}{valid}"),
            S::BAD_REQUEST,
        ),
        // Deep nesting: serde_json stops at 128 levels, long before the stack does.
        case("100k [", "[".repeat(100_000), S::BAD_REQUEST),
        case("100k {\"a\":", "{\"a\":".repeat(50_000), S::BAD_REQUEST),
        case(
            "nested arrays in additionalData",
            valid.replacen(
                "\"additionalData\":{",
                &format!(
                    "\"additionalData\":{{\"x\":{}0{},",
                    "[".repeat(10_000),
                    "]".repeat(10_000)
                ),
                1,
            ),
            S::BAD_REQUEST,
        ),
        // Numbers.
        case(
            "value 1e400",
            valid.replace("\"value\":1130", "\"value\":1e400"),
            S::BAD_REQUEST,
        ),
        case(
            "value past i64",
            valid.replace("\"value\":1130", "\"value\":9223372036854775808"),
            S::BAD_REQUEST,
        ),
        case(
            "value below i64",
            valid.replace("\"value\":1130", "\"value\":-9223372036854775809"),
            S::BAD_REQUEST,
        ),
        case(
            "value of 100k digits",
            valid.replace(
                "\"value\":1130",
                &format!("\"value\":{}", "9".repeat(100_000)),
            ),
            S::BAD_REQUEST,
        ),
        case(
            "huge number in additionalData",
            valid.replacen(
                "\"additionalData\":{",
                "\"additionalData\":{\"x\":1e999999,",
                1,
            ),
            S::BAD_REQUEST,
        ),
        // Types Adyen's own fixtures use: accepted, and signed as Adyen's libraries sign them.
        case(
            "value as a string",
            valid.replace("\"value\":1130", "\"value\":\"1130\""),
            S::OK,
        )
        .handed(1),
        case(
            "value as a string with a leading zero (signed as it came)",
            valid.replace("\"value\":1130", "\"value\":\"01130\""),
            S::UNAUTHORIZED,
        ),
        case(
            "success as a boolean",
            valid.replace("\"success\":\"true\"", "\"success\":true"),
            S::OK,
        )
        .handed(1),
        case(
            "success as the other boolean",
            valid.replace("\"success\":\"true\"", "\"success\":false"),
            S::UNAUTHORIZED,
        ),
        case(
            "live as a boolean",
            valid.replace("\"live\":\"false\"", "\"live\":false"),
            S::OK,
        )
        .handed(1),
        // Wrong types.
        case(
            "value as a signed string",
            valid.replace("\"value\":1130", "\"value\":\"+1130\""),
            S::BAD_REQUEST,
        ),
        case(
            "value as a float",
            valid.replace("\"value\":1130", "\"value\":11.30"),
            S::BAD_REQUEST,
        ),
        case(
            "value as 1130.0",
            valid.replace("\"value\":1130", "\"value\":1130.0"),
            S::BAD_REQUEST,
        ),
        // Read, and signed as it came: the item was signed over `true`.
        case(
            "success as TRUE",
            valid.replace("\"success\":\"true\"", "\"success\":\"TRUE\""),
            S::UNAUTHORIZED,
        ),
        case(
            "success as yes",
            valid.replace("\"success\":\"true\"", "\"success\":\"yes\""),
            S::BAD_REQUEST,
        ),
        case(
            "success missing",
            valid.replace(",\"success\":\"true\"", ""),
            S::BAD_REQUEST,
        ),
        case(
            "items as an object",
            valid
                .replacen(
                    "\"notificationItems\":[",
                    "\"notificationItems\":{\"x\":",
                    1,
                )
                .replacen("}]}", "}}}", 1),
            S::BAD_REQUEST,
        ),
        // Duplicate keys.
        case(
            "duplicate pspReference",
            valid.replacen(
                "\"pspReference\":",
                "\"pspReference\":\"PSP999\",\"pspReference\":",
                1,
            ),
            S::BAD_REQUEST,
        ),
        case(
            "duplicate amount value",
            valid.replacen("\"value\":1130", "\"value\":1,\"value\":1130", 1),
            S::BAD_REQUEST,
        ),
        case(
            "duplicate success",
            valid.replacen(
                "\"success\":\"true\"",
                "\"success\":\"false\",\"success\":\"true\"",
                1,
            ),
            S::BAD_REQUEST,
        ),
        case(
            "duplicate notificationItems",
            valid.replacen(
                "{\"live\":\"false\",",
                "{\"live\":\"false\",\"notificationItems\":[],",
                1,
            ),
            S::BAD_REQUEST,
        ),
        // Invalid UTF-8, inside a string and outside.
        case(
            "invalid UTF-8 in a signed field",
            splice(&valid, "order-1", b"order-\xff1"),
            S::BAD_REQUEST,
        ),
        case(
            "invalid UTF-8 in an unsigned field",
            splice(&valid, "\"eventDate\":\"", b"\"eventDate\":\"\xc3\x28"),
            S::BAD_REQUEST,
        ),
        case(
            "invalid UTF-8 after the body",
            [valid.as_bytes(), b"\xff\xfe"].concat(),
            S::BAD_REQUEST,
        ),
        case(
            "lone surrogate escape",
            valid.replacen("order-1", "order-\\ud800", 1),
            S::BAD_REQUEST,
        ),
        // Content-Type is not checked: the signature authenticates the body, whatever its label.
        case("text/plain, signed", valid.clone(), S::OK)
            .header("content-type", "text/plain")
            .handed(1),
        case("form content type, signed", valid.clone(), S::OK)
            .header("content-type", "application/x-www-form-urlencoded")
            .handed(1),
        case(
            "text/plain, forged",
            valid.replace("order-1", "order-2"),
            S::UNAUTHORIZED,
        )
        .header("content-type", "text/plain"),
    ];

    // Signatures: truncated, over-long, other encodings.
    let (body, signature) = body_with_url_unsafe_signature();
    let url_safe = signature.replace('+', "-").replace('/', "_");
    let unpadded = signature.trim_end_matches('=').to_owned();
    let signatures: [(&'static str, String); 9] = [
        ("signature truncated to 43", signature[..43].to_owned()),
        ("signature truncated to 20", signature[..20].to_owned()),
        ("signature empty", String::new()),
        ("signature with an extra =", format!("{signature}=")),
        ("signature twice", format!("{signature}{signature}")),
        ("signature with a space", format!(" {signature}")),
        ("signature in URL-safe base64", url_safe.clone()),
        ("signature without padding", unpadded.clone()),
        ("signature in hex", hex(&decode(&signature))),
    ];
    for (name, bad) in &signatures {
        cases.push(case(name, with_signature(&body, bad), S::UNAUTHORIZED));
    }
    cases.push(case(
        "signature null",
        with_signature(&body, "x").replace("\"x\"", "null"),
        S::UNAUTHORIZED,
    ));
    cases.push(case(
        "signature as a number",
        with_signature(&body, "x").replace("\"x\"", "12345"),
        S::UNAUTHORIZED,
    ));
    cases.push(case(
        "duplicate hmacSignature, the forged one last",
        body.replacen(
            "\"hmacSignature\":",
            &format!("\"hmacSignature\":\"{signature}\",\"hmacSignature\":\"{url_safe}\",\"x\":"),
            1,
        ),
        S::UNAUTHORIZED,
    ));
    cases.push(
        case(
            "duplicate hmacSignature, the valid one last",
            body.replacen(
                "\"hmacSignature\":",
                &format!("\"hmacSignature\":\"{url_safe}\",\"hmacSignature\":"),
                1,
            ),
            S::OK,
        )
        .handed(1),
    );

    // The same for header-signed webhooks.
    let platform = r#"{"data":{"id":"BA1"},"environment":"test","type":"balancePlatform.accountHolder.created"}"#;
    let (platform, right) = (0..)
        .map(|n| platform.replace("BA1", &format!("BA{n}")))
        .map(|body| {
            let signature = key().sign(body.as_bytes());
            (body, signature)
        })
        .find(|(_, signature)| signature.contains(['+', '/']))
        .unwrap();
    cases.push(
        case("header-signed valid (control)", platform.clone(), S::OK)
            .header_signed()
            .header("HmacSignature", &right)
            .handed(0),
    );
    for (name, bad) in [
        ("header signature truncated", right[..43].to_owned()),
        ("header signature over-long", format!("{right}{right}")),
        (
            "header signature URL-safe",
            right.replace('+', "-").replace('/', "_"),
        ),
        (
            "header signature unpadded",
            right.trim_end_matches('=').to_owned(),
        ),
        ("header signature empty", String::new()),
    ] {
        cases.push(
            case(name, platform.clone(), S::UNAUTHORIZED)
                .header_signed()
                .header("HmacSignature", bad),
        );
    }
    cases.push(
        case(
            "header signature not UTF-8",
            platform.clone(),
            S::UNAUTHORIZED,
        )
        .header_signed()
        .header("HmacSignature", b"\xff\xfe\xfd"),
    );
    cases.push(
        case("header signature twice", platform.clone(), S::UNAUTHORIZED)
            .header_signed()
            .header("HmacSignature", &right)
            .header("HmacSignature", &right),
    );
    cases.push(
        case(
            "header signature missing",
            platform.clone(),
            S::UNAUTHORIZED,
        )
        .header_signed(),
    );
    let not_utf8 = [platform.as_bytes(), b"\xff"].concat();
    let signature = key().sign(&not_utf8);
    cases.push(
        case(
            "header-signed, invalid UTF-8, signed",
            not_utf8,
            S::BAD_REQUEST,
        )
        .header_signed()
        .header("HmacSignature", signature),
    );
    let nested = "[".repeat(100_000);
    let signature = key().sign(nested.as_bytes());
    cases.push(
        case("header-signed, 100k [, signed", nested, S::BAD_REQUEST)
            .header_signed()
            .header("HmacSignature", signature),
    );

    // 10,000 items: too large for the default limits, fine with raised ones.
    let many = body_of((0..10_000).map(item).collect());
    assert!(many.len() > 256 * 1024);
    cases.push(case(
        "10,000 items, default limit",
        many.clone(),
        S::PAYLOAD_TOO_LARGE,
    ));
    cases.push(
        case("10,000 items, limits raised", many.clone(), S::OK)
            .limit(many.len())
            .max_items(10_000)
            .handed(10_000),
    );
    cases.push(
        case(
            "10,000 items in 1,000-byte frames, limits raised",
            Body::new(Frames::split(many.as_bytes(), 1000)),
            S::OK,
        )
        .limit(many.len())
        .max_items(10_000)
        .handed(10_000),
    );

    // 100 MiB, declared: refused before a byte is read.
    let (body, produced) = Generator::new(100 * MIB);
    cases.push(
        case(
            "100 MiB with Content-Length",
            Body::new(body),
            S::PAYLOAD_TOO_LARGE,
        )
        .header("content-length", (100 * MIB).to_string())
        .after(move || assert_eq!(produced.load(Ordering::SeqCst), 0, "the body was read")),
    );
    // 100 MiB, undeclared (chunked): reading stops at the limit.
    let (body, produced) = Generator::new(100 * MIB);
    cases.push(
        case(
            "100 MiB without Content-Length",
            Body::new(body),
            S::PAYLOAD_TOO_LARGE,
        )
        .after(move || {
            let read = produced.load(Ordering::SeqCst);
            assert!(
                read <= 256 * 1024 + 64 * 1024,
                "read {read} bytes past the limit"
            );
        }),
    );
    // 100 MiB declared as small: the declaration does not lift the limit.
    let (body, produced) = Generator::new(100 * MIB);
    cases.push(
        case(
            "100 MiB with a lying Content-Length",
            Body::new(body),
            S::PAYLOAD_TOO_LARGE,
        )
        .header("content-length", "1000")
        .after(move || assert!(produced.load(Ordering::SeqCst) <= 320 * 1024)),
    );
    let (body, produced) = Generator::new(100 * MIB);
    cases.push(
        case(
            "100 MiB header-signed without Content-Length",
            Body::new(body),
            S::PAYLOAD_TOO_LARGE,
        )
        .header_signed()
        .header("HmacSignature", &right)
        .after(move || assert!(produced.load(Ordering::SeqCst) <= 320 * 1024)),
    );

    // A body that never ends, and one that stops after a few bytes: the timeout in front ends them.
    cases.push(
        case(
            "a body that never ends",
            Body::new(Endless),
            S::REQUEST_TIMEOUT,
        )
        .timeout(Duration::from_millis(200)),
    );
    let valid_start = Bytes::copy_from_slice(&valid.as_bytes()[..40]);
    cases.push(
        case(
            "a body that stalls after 40 bytes",
            Body::new(http_body_util::StreamBody::new(
                futures_util::stream::iter([Ok(Frame::data(valid_start))])
                    .chain(futures_util::stream::pending::<Result<_, std::io::Error>>()),
            )),
            S::REQUEST_TIMEOUT,
        )
        .timeout(Duration::from_millis(200)),
    );
    cases.push(case(
        "a body that fails midway",
        Body::new(Frames::split(valid.as_bytes(), 50).failing()),
        S::BAD_REQUEST,
    ));
    cases
}

/// `body` with its first `from` replaced by bytes that need not be UTF-8.
fn splice(body: &str, from: &str, to: &[u8]) -> Vec<u8> {
    let at = body.find(from).unwrap();
    [
        &body.as_bytes()[..at],
        to,
        &body.as_bytes()[at + from.len()..],
    ]
    .concat()
}

fn decode(signature: &str) -> Vec<u8> {
    use base64::Engine as _;
    base64::engine::general_purpose::STANDARD
        .decode(signature)
        .unwrap()
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[tokio::test]
async fn every_hostile_request_gets_its_status_and_never_reaches_the_handler() {
    let cases = hostile_requests();
    let count = cases.len();
    for case in cases {
        case.run().await;
    }
    println!("{count} hostile requests checked");
}

#[test]
fn an_empty_key_set_is_a_configuration_error() {
    assert_eq!(HmacKeys::try_from_keys([]).unwrap_err(), KeyError::Empty);
    for empty in ["", " ", ",", " , ,\n"] {
        assert_eq!(
            empty.parse::<HmacKeys>().unwrap_err(),
            KeyError::Empty,
            "{empty:?}"
        );
    }
    assert!(KeyError::Empty.to_string().contains("at least one key"));
    // So the layer cannot be built without a key: its constructors take `impl Into<HmacKeys>`,
    // and every `HmacKeys` holds one. Malformed keys fail when they are loaded, too.
    assert!(matches!(
        "00727DB817A85C8503AD29EAD1523DB869AF0E536893BB3046C92DE7CB045CB".parse::<HmacKeys>(),
        Err(KeyError::InList { position: 1, .. })
    ));
}
