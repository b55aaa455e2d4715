//! Header-signed webhooks (Balance Platform, Management API...) and HTTP Basic auth.

mod common;

use std::sync::atomic::Ordering;

use common::{read, str_field, vectors, Frames, Recorder};
use http::{Request, StatusCode};
use tower::ServiceExt;
use tower_adyen_webhook::{
    HmacKey, NotificationRequest, NotificationRequestItem, VerifyWebhookLayer,
};
use tower_layer::Layer;

fn vector() -> (HmacKey, String, String) {
    let v = vectors("library-header-signed.jsonl")
        .into_iter()
        .find(|v| v["valid"].as_bool() == Some(true))
        .unwrap();
    (
        str_field(&v, "key").parse().unwrap(),
        str_field(&v, "body").to_owned(),
        str_field(&v, "signature").to_owned(),
    )
}

async fn send(
    layer: VerifyWebhookLayer,
    recorder: &Recorder,
    request: Request<Frames>,
) -> (StatusCode, String) {
    read(
        layer
            .layer(recorder.clone())
            .oneshot(request)
            .await
            .unwrap(),
    )
    .await
}

fn signed_request(header: &str, signature: &str, body: &[u8]) -> Request<Frames> {
    Request::post("/")
        .header(header, signature)
        .body(Frames::split(body, 64))
        .unwrap()
}

#[tokio::test]
async fn the_exact_bytes_verify_in_any_header_case() {
    let (key, body, signature) = vector();
    for header in ["HmacSignature", "hmacsignature", "HMACSIGNATURE"] {
        let recorder = Recorder::ok();
        let (status, ack) = send(
            VerifyWebhookLayer::hmac_header(key.clone()),
            &recorder,
            signed_request(header, &signature, body.as_bytes()),
        )
        .await;
        assert_eq!(
            (status, ack.as_str()),
            (StatusCode::OK, "[accepted]"),
            "{header}"
        );
        assert_eq!(recorder.last().body, body.as_bytes());
    }
}

#[tokio::test]
async fn any_change_to_the_bytes_is_rejected() {
    let (key, body, signature) = vector();
    let json: serde_json::Value = serde_json::from_str(&body).unwrap();
    let mut one_byte = body.clone().into_bytes();
    one_byte[10] ^= 1;
    let changed = [
        one_byte,
        format!("{body}\n").into_bytes(),
        format!(" {body}").into_bytes(),
        serde_json::to_vec(&json).unwrap(),
        serde_json::to_vec_pretty(&json).unwrap(),
        Vec::new(),
    ];
    for bytes in changed {
        assert_ne!(bytes, body.as_bytes());
        let recorder = Recorder::ok();
        let (status, _) = send(
            VerifyWebhookLayer::hmac_header(key.clone()),
            &recorder,
            signed_request("HmacSignature", &signature, &bytes),
        )
        .await;
        assert_eq!(
            status,
            StatusCode::UNAUTHORIZED,
            "{:?}",
            String::from_utf8_lossy(&bytes)
        );
        assert_eq!(recorder.calls(), 0);
    }
}

#[tokio::test]
async fn missing_empty_malformed_or_repeated_signatures_are_rejected() {
    let (key, body, signature) = vector();
    let layer = VerifyWebhookLayer::hmac_header(key.clone());

    // No header: refused before the body is read.
    let frames = Frames::split(body.as_bytes(), 64);
    let polled = frames.polled_flag();
    let recorder = Recorder::ok();
    let (status, text) = send(
        layer.clone(),
        &recorder,
        Request::post("/").body(frames).unwrap(),
    )
    .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "{text}");
    assert!(!polled.load(Ordering::SeqCst));

    for bad in [
        "",
        "not base64!",
        &signature[..43],
        &format!("{signature}A"),
        &signature.replace('=', ""),
    ] {
        let recorder = Recorder::ok();
        let (status, _) = send(
            layer.clone(),
            &recorder,
            signed_request("HmacSignature", bad, body.as_bytes()),
        )
        .await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "{bad:?}");
        assert_eq!(recorder.calls(), 0);
    }

    let twice = Request::post("/")
        .header("HmacSignature", &signature)
        .header("HmacSignature", &signature)
        .body(Frames::split(body.as_bytes(), 64))
        .unwrap();
    let recorder = Recorder::ok();
    assert_eq!(
        send(layer, &recorder, twice).await.0,
        StatusCode::UNAUTHORIZED
    );
}

#[tokio::test]
async fn a_signed_body_that_is_not_json_is_a_bad_request() {
    let key = HmacKey::from_bytes(&[9; 32]);
    let body = b"[accepted";
    let recorder = Recorder::ok();
    let (status, _) = send(
        VerifyWebhookLayer::hmac_header(key.clone()),
        &recorder,
        signed_request("HmacSignature", &key.sign(body), body),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(recorder.calls(), 0);
}

#[tokio::test]
async fn handler_failures_are_not_acknowledged() {
    let (key, body, signature) = vector();
    let recorder = Recorder::new(StatusCode::SERVICE_UNAVAILABLE);
    let (status, _) = send(
        VerifyWebhookLayer::hmac_header(key),
        &recorder,
        signed_request("HmacSignature", &signature, body.as_bytes()),
    )
    .await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(recorder.calls(), 1);
}

fn notification(key: &HmacKey) -> String {
    let mut item = NotificationRequestItem::new("PSP1", "AUTHORISATION");
    key.sign_item_in_place(&mut item);
    NotificationRequest {
        live: false,
        items: vec![item],
    }
    .to_json()
}

#[tokio::test]
async fn basic_auth_is_checked_before_the_body_is_read() {
    use base64::Engine;
    let b64 = |s: &[u8]| base64::engine::general_purpose::STANDARD.encode(s);
    let key = HmacKey::from_bytes(&[3; 32]);
    let body = notification(&key);
    let layers = [
        VerifyWebhookLayer::notifications(key.clone()).basic_auth("adyen", "p@ss:word"),
        VerifyWebhookLayer::hmac_header(key.clone()).basic_auth("adyen", "p@ss:word"),
    ];
    let cases: [(Option<String>, bool); 11] = [
        (Some(format!("Basic {}", b64(b"adyen:p@ss:word"))), true),
        (Some(format!("basic {}", b64(b"adyen:p@ss:word"))), true),
        (Some(format!("Basic {}", b64(b"other:p@ss:word"))), false),
        (Some(format!("Basic {}", b64(b"adyen:wrong"))), false),
        (Some(format!("Basic {}", b64(b"adyen:p@ss:wor"))), false),
        (None, false),
        (Some("Basic".into()), false),
        (Some("Basic %%%".into()), false),
        (Some(format!("Basic {}", b64(b"adyenp@ssword"))), false),
        (
            Some(format!("Basic {}", b64(b"adyen:\xffp@ss:word"))),
            false,
        ),
        (Some(format!("Bearer {}", b64(b"adyen:p@ss:word"))), false),
    ];
    for layer in layers {
        for (authorization, allowed) in &cases {
            let frames = Frames::new([body.clone()]);
            let polled = frames.polled_flag();
            let mut request = Request::post("/").header("HmacSignature", key.sign(body.as_bytes()));
            if let Some(value) = authorization {
                request = request.header("authorization", value);
            }
            let service = layer.clone().layer(Recorder::ok());
            let response = service
                .oneshot(request.body(frames).unwrap())
                .await
                .unwrap();
            if *allowed {
                assert_eq!(response.status(), StatusCode::OK, "{authorization:?}");
            } else {
                assert_eq!(
                    response.status(),
                    StatusCode::UNAUTHORIZED,
                    "{authorization:?}"
                );
                assert_eq!(
                    response.headers()["www-authenticate"],
                    "Basic realm=\"Adyen webhooks\", charset=\"UTF-8\""
                );
                assert!(
                    !polled.load(Ordering::SeqCst),
                    "{authorization:?}: body read"
                );
            }
        }
    }
}

#[test]
fn credentials_never_show_in_debug() {
    let layer = VerifyWebhookLayer::notifications(HmacKey::from_bytes(&[3; 32]))
        .basic_auth("adyen-user", "hunter2-secret");
    let debug = format!("{layer:?}");
    assert!(
        !debug.contains("hunter2") && !debug.contains("adyen-user"),
        "{debug}"
    );
}
