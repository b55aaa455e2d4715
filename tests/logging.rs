//! What the middleware logs: verdicts with references, never bodies, keys or credentials.

mod common;

use std::io::Write;
use std::sync::{Arc, Mutex};

use common::Recorder;
use http::{Request, StatusCode};
use tower::ServiceExt;
use tower_adyen_webhook::{
    Amount, HmacKey, NotificationRequest, NotificationRequestItem, Policy, VerifyWebhookLayer,
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
