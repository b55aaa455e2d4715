//! What the middleware logs: verdicts with references, never bodies, keys or credentials.

mod common;

use std::io::Write;
use std::sync::{Arc, Mutex};

use common::Recorder;
use http::{Request, StatusCode};
use tower::ServiceExt;
use tower_adyen_webhook::{
    Amount, HmacKey, NotificationRequest, NotificationRequestItem, Policy, Text, VerifyWebhookLayer,
};
use tower_layer::Layer;

const KEY: &str = "00727DB817A85C8503AD29EAD1523DB869AF0E536893BB3046C92DE7CB045CB1";

#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Captures every event, down to TRACE, while the guard lives.
fn capture() -> (Captured, tracing::subscriber::DefaultGuard) {
    let captured = Captured::default();
    let writer = captured.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_ansi(false)
        .with_writer(move || writer.clone())
        .finish();
    (captured, tracing::subscriber::set_default(subscriber))
}

impl Captured {
    fn text(&self) -> String {
        String::from_utf8(self.0.lock().unwrap().clone()).unwrap()
    }
}

#[tokio::test]
async fn logs_verdicts_with_references_and_nothing_secret() {
    let captured = Captured::default();
    let writer = captured.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_ansi(false)
        .with_writer(move || writer.clone())
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);

    let key: HmacKey = KEY.parse().unwrap();
    let item = |psp: &str| {
        let mut item = NotificationRequestItem::new(psp, "AUTHORISATION");
        item.amount = Some(Amount::new(1130, "EUR"));
        item.merchant_reference = "Shopper Jane Doe order".into();
        item.additional_data.insert("cardSummary", "4242");
        item.additional_data.insert("shopperName", "Jane Q. Doe");
        key.sign_item_in_place(&mut item);
        item
    };
    let good = item("PSPGOOD00000001");
    let mut forged = item("PSPFORGED000002");
    forged.amount = Some(Amount::new(1, "EUR"));
    let signature = good.hmac_signature().unwrap().to_owned();
    let body = NotificationRequest {
        live: false,
        items: vec![good, forged],
    }
    .to_json();

    let layer = VerifyWebhookLayer::notifications(key.clone())
        .policy(Policy::ForwardVerified)
        .basic_auth("adyen-user", "hunter2-secret");
    for authorization in [
        "Basic YWR5ZW4tdXNlcjpodW50ZXIyLXNlY3JldA==",
        "Basic d3Jvbmc6d3Jvbmc=",
    ] {
        let request = Request::post("/")
            .header("authorization", authorization)
            .body(body.clone())
            .unwrap();
        let response = layer
            .clone()
            .layer(Recorder::ok())
            .oneshot(request)
            .await
            .unwrap();
        assert!(matches!(
            response.status(),
            StatusCode::OK | StatusCode::UNAUTHORIZED
        ));
    }

    let logs = String::from_utf8(captured.0.lock().unwrap().clone()).unwrap();
    for expected in [
        "9540DA",
        "PSPGOOD00000001",
        "PSPFORGED000002",
        "AUTHORISATION",
        "signature_mismatch",
        "acknowledged",
        "Basic auth",
    ] {
        assert!(
            logs.contains(expected),
            "{expected} missing from the logs:\n{logs}"
        );
    }
    for secret in [
        &KEY[..16],
        &KEY[..16].to_lowercase(),
        "4242",
        "Jane",
        &signature,
        "hunter2",
        "adyen-user",
        "YWR5ZW4",
    ] {
        assert!(
            !logs.contains(secret),
            "{secret} leaked into the logs:\n{logs}"
        );
    }
}

#[tokio::test]
async fn unauthenticated_references_cannot_forge_log_lines() {
    let captured = Captured::default();
    let writer = captured.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_ansi(false)
        .with_writer(move || writer.clone())
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);

    // Not signed: anyone can send it, and its references end up in the rejection's log line.
    let mut item = NotificationRequestItem::new(
        "PSP1\n2026-01-01T00:00:00Z  INFO forged: Adyen webhook acknowledged\r",
        "AUTHORISATION\nINFO forged too",
    );
    item.additional_data.insert(
        "hmacSignature",
        "coqCmt/IZ4E3CzPvMY8zTjQVL5hYJUiBRg8UU+iCWo0=",
    );
    let body = NotificationRequest {
        live: false,
        items: vec![item],
    }
    .to_json();
    let key: HmacKey = KEY.parse().unwrap();
    let response = VerifyWebhookLayer::notifications(key)
        .layer(Recorder::ok())
        .oneshot(Request::post("/").body(body).unwrap())
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);

    let logs = String::from_utf8(captured.0.lock().unwrap().clone()).unwrap();
    assert!(logs.contains("failed HMAC verification"), "{logs}");
    assert!(
        !logs
            .lines()
            .any(|line| line.contains("INFO forged") && !line.contains("failed HMAC verification")),
        "a forged line in the logs:\n{logs}"
    );
    assert!(!logs.contains('\r'), "{logs:?}");
}

#[tokio::test]
async fn too_many_items_write_one_line_and_verify_none() {
    let key: HmacKey = KEY.parse().unwrap();
    let items = (0..11)
        .map(|n| {
            let mut item = NotificationRequestItem::new(format!("PSP{n:013}"), "AUTHORISATION");
            key.sign_item_in_place(&mut item);
            item
        })
        .collect();
    let body = NotificationRequest { live: false, items }.to_json();
    // Built first: the key's check value is logged once, when the layer is made.
    let service = VerifyWebhookLayer::notifications(key)
        .max_items(10)
        .layer(Recorder::ok());
    let recorder = service.get_ref().clone();

    let (captured, _guard) = capture();
    let response = service
        .oneshot(Request::post("/").body(body).unwrap())
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(recorder.calls(), 0);

    let logs = captured.text();
    assert_eq!(logs.lines().count(), 1, "{logs}");
    assert!(logs.contains("too many items"), "{logs}");
    assert!(
        logs.contains("items=11") && logs.contains("limit=10"),
        "{logs}"
    );
    // Signed items would each have been logged as verified, had they been checked.
    assert!(!logs.contains("PSP"), "{logs}");
}

/// Whether `line` begins as the fmt subscriber begins every event: a timestamp, then a level.
fn starts_like_an_event(line: &str) -> bool {
    let mut words = line.split_whitespace();
    let (Some(time), Some(level)) = (words.next(), words.next()) else {
        return false;
    };
    let time = time.as_bytes();
    time.len() >= 20
        && time[..4].iter().all(u8::is_ascii_digit)
        && time[4] == b'-'
        && time.ends_with(b"Z")
        && ["TRACE", "DEBUG", "INFO", "WARN", "ERROR"].contains(&level)
}

fn forged_items(count: usize) -> Vec<NotificationRequestItem> {
    let key: HmacKey = KEY.parse().unwrap();
    (0..count)
        .map(|n| {
            // The first ones long, to show that the line keeps only the start of each.
            let filler = if n < 5 {
                "x".repeat(1000)
            } else {
                String::new()
            };
            let mut item =
                NotificationRequestItem::new(format!("FORGED{n:06}{filler}"), format!("CODE{n}"));
            item.merchant_reference = format!("order-{n}").into();
            match n % 3 {
                0 => {} // not signed at all
                1 => {
                    key.sign_item_in_place(&mut item);
                    item.amount = Some(Amount::new(1, "EUR")); // changed after signing
                }
                _ => {
                    item.additional_data.insert(
                        "hmacSignature",
                        "coqCmt/IZ4E3CzPvMY8zTjQVL5hYJUiBRg8UU+iCWo0=",
                    );
                }
            }
            item
        })
        .collect()
}

#[tokio::test]
async fn thousands_of_forged_items_write_a_few_lines() {
    let key: HmacKey = KEY.parse().unwrap();
    let mut genuine = NotificationRequestItem::new("GENUINE0000001", "AUTHORISATION");
    key.sign_item_in_place(&mut genuine);
    let forged_only = forged_items(5000);
    let mut with_one_genuine = forged_items(5000);
    with_one_genuine.insert(2500, genuine);

    for (items, policy, status, lines) in [
        (
            &forged_only,
            Policy::RejectRequest,
            StatusCode::UNAUTHORIZED,
            1,
        ),
        (
            &forged_only,
            Policy::ForwardVerified,
            StatusCode::UNAUTHORIZED,
            1,
        ),
        // The genuine one is logged as verified, then the request is rejected.
        (
            &with_one_genuine,
            Policy::RejectRequest,
            StatusCode::UNAUTHORIZED,
            2,
        ),
        // The rejected items, the genuine one, and its acknowledgement.
        (
            &with_one_genuine,
            Policy::ForwardVerified,
            StatusCode::OK,
            3,
        ),
    ] {
        let body = NotificationRequest {
            live: false,
            items: items.clone(),
        }
        .to_json();
        let service = VerifyWebhookLayer::notifications(key.clone())
            .max_body_bytes(body.len())
            .max_items(items.len())
            .policy(policy)
            .layer(Recorder::ok());

        let (captured, guard) = capture();
        let response = service
            .oneshot(Request::post("/").body(body).unwrap())
            .await
            .unwrap();
        drop(guard);
        assert_eq!(response.status(), status, "{policy:?}");

        let logs = captured.text();
        assert_eq!(logs.lines().count(), lines, "{policy:?}:\n{logs}");
        let warning = logs
            .lines()
            .find(|line| line.contains("failed HMAC verification"))
            .unwrap();
        assert!(warning.contains("rejected=5000"), "{warning}");
        assert!(warning.contains("error=\"missing_signature\""), "{warning}");
        // The first three claimed references, each cut short; nothing of the others.
        assert_eq!(warning.matches("FORGED").count(), 3, "{warning}");
        assert!(warning.contains("\"FORGED000000xxx"), "{warning}");
        assert_eq!(warning.matches("\"…").count(), 3, "{warning}");
        assert!(!warning.contains("FORGED000003"), "{warning}");
        assert!(warning.contains(r#"event_codes=["CODE0", "CODE1", "CODE2"]"#));
        assert!(warning.len() < 1000, "{} bytes: {warning}", warning.len());
    }
}

/// Every string an item carries, signed or not, with a newline, a carriage return and a terminal
/// escape in it: a raw one in the logs would start a forged line or colour the terminal.
fn hostile_item(n: usize) -> NotificationRequestItem {
    let evil = |field: &str| Text::from(format!("{field}{n}\nFORGED {field}\r\x1b[31mRED\x1b[0m"));
    let mut item = NotificationRequestItem::new(evil("psp"), evil("event"));
    item.original_reference = evil("original");
    item.merchant_reference = evil("merchant_reference");
    item.merchant_account_code = evil("merchant_account");
    item.event_date = evil("event_date");
    item.reason = evil("reason");
    item.payment_method = evil("payment_method");
    item.operations = vec![evil("operation"), evil("operation")];
    item.amount = Some(Amount::new(1130, evil("currency")));
    item.additional_data
        .insert(evil("additional_key"), evil("additional_value"));
    item.additional_data.insert("shopperName", evil("shopper"));
    item
}

fn assert_no_forged_line(logs: &str, context: &str) {
    assert!(!logs.is_empty(), "{context}: nothing logged");
    assert!(!logs.contains('\r'), "{context}: a raw \\r in {logs:?}");
    assert!(
        !logs.contains('\x1b'),
        "{context}: a raw escape in {logs:?}"
    );
    for line in logs.split('\n').filter(|line| !line.is_empty()) {
        assert!(
            starts_like_an_event(line),
            "{context}: a line that is no event: {line:?}\nin:\n{logs}"
        );
    }
}

#[tokio::test]
async fn no_string_in_a_body_can_forge_or_colour_a_log_line() {
    let key: HmacKey = KEY.parse().unwrap();
    let mut signed = hostile_item(1);
    key.sign_item_in_place(&mut signed);
    let mut forged = hostile_item(2);
    key.sign_item_in_place(&mut forged);
    forged.merchant_reference = format!("{}!", forged.merchant_reference).into();
    let body =
        |items: Vec<NotificationRequestItem>| NotificationRequest { live: false, items }.to_json();
    // An invalid `success` holding ", expected ", the words the parse error's redaction looks for
    // in serde's message: whatever of the value reaches the log line must arrive escaped.
    let malformed = body(vec![hostile_item(3)]).replace(
        r#""success":"true""#,
        r#""success":"yes, expected \nFORGED success\r\u001b[31mRED""#,
    );
    assert!(malformed.contains("FORGED success"));

    let cases = [
        (
            "signed",
            body(vec![signed.clone()]),
            Policy::RejectRequest,
            StatusCode::OK,
        ),
        (
            "forged",
            body(vec![forged.clone()]),
            Policy::RejectRequest,
            StatusCode::UNAUTHORIZED,
        ),
        (
            "signed and forged",
            body(vec![signed.clone(), forged.clone()]),
            Policy::RejectRequest,
            StatusCode::UNAUTHORIZED,
        ),
        (
            "signed and forged, forwarded",
            body(vec![forged, signed]),
            Policy::ForwardVerified,
            StatusCode::OK,
        ),
        (
            "malformed",
            malformed,
            Policy::RejectRequest,
            StatusCode::BAD_REQUEST,
        ),
    ];
    for (name, body, policy, status) in cases {
        let service = VerifyWebhookLayer::notifications(key.clone())
            .policy(policy)
            .layer(Recorder::ok());
        let (captured, guard) = capture();
        let response = service
            .oneshot(Request::post("/").body(body).unwrap())
            .await
            .unwrap();
        drop(guard);
        assert_eq!(response.status(), status, "{name}");
        let logs = captured.text();
        assert_no_forged_line(&logs, name);
        if name != "malformed" {
            // The references were logged, escaped.
            assert!(
                logs.contains(r"\nFORGED psp\r\u{1b}[31mRED"),
                "{name}: {logs}"
            );
            assert!(
                logs.contains(r"\nFORGED event\r\u{1b}[31mRED"),
                "{name}: {logs}"
            );
        }
    }

    // Header-signed: the type and environment of a verified body are logged too.
    let body = serde_json::json!({
        "type": "balancePlatform\nFORGED type\r\u{1b}[31mRED",
        "environment": "test\nFORGED environment\r\u{1b}[31mRED",
        "data": {"id": "\nFORGED id\r\u{1b}[31mRED"},
    })
    .to_string();
    for (name, body) in [
        ("header-signed", body),
        ("header-signed, not JSON", "{\n\r\x1b[31m".to_owned()),
    ] {
        let request = Request::post("/")
            .header("HmacSignature", key.sign(body.as_bytes()))
            .body(body)
            .unwrap();
        let service = VerifyWebhookLayer::hmac_header(key.clone()).layer(Recorder::ok());
        let (captured, guard) = capture();
        let response = service.oneshot(request).await.unwrap();
        drop(guard);
        assert!(
            matches!(response.status(), StatusCode::OK | StatusCode::BAD_REQUEST),
            "{name}"
        );
        let logs = captured.text();
        assert_no_forged_line(&logs, name);
        if name == "header-signed" {
            assert!(logs.contains(r"\nFORGED type\r\u{1b}[31mRED"), "{logs}");
        }
    }
}

#[tokio::test]
async fn an_unsigned_event_is_refused_in_one_line_that_says_what_would_accept_it() {
    let (captured, _guard) = capture();
    let key: HmacKey = KEY.parse().unwrap();
    let body = r#"{"type": "ach.notificationOfChange\n2026 INFO forged", "data": {"pspReference": "SECRET-IBAN"}}"#;
    let response = VerifyWebhookLayer::notifications(key)
        .layer(Recorder::ok())
        .oneshot(Request::post("/").body(body.to_owned()).unwrap())
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    let logs = captured.text();
    let warnings: Vec<_> = logs.lines().filter(|l| l.contains("WARN")).collect();
    assert_eq!(warnings.len(), 1, "{logs}");
    assert!(
        warnings[0].contains(r#"webhook_type="ach.notificationOfChange\n2026 INFO forged""#),
        "{logs}"
    );
    assert!(warnings[0].contains("accept_unsigned_events"), "{logs}");
    assert!(!logs.contains("SECRET-IBAN"), "{logs}");
    assert_no_forged_line(&logs, "unsigned event");
}
