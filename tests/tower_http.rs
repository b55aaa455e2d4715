//! tower-http's layers in front of the webhook layer in a plain `tower::ServiceBuilder`, without
//! axum to convert bodies: every bound they ask of the response body is met.

mod common;

use std::convert::Infallible;
use std::time::Duration;

use bytes::Bytes;
use common::{read, Endless, Frames, Recorder};
use http::{Request, Response, StatusCode};
use http_body_util::Full;
use tower::{service_fn, ServiceBuilder, ServiceExt};
use tower_adyen_webhook::{
    HmacKey, NotificationRequest, NotificationRequestItem, VerifyWebhookLayer,
};
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::limit::RequestBodyLimitLayer;
use tower_http::timeout::TimeoutLayer;

fn key() -> HmacKey {
    "00727DB817A85C8503AD29EAD1523DB869AF0E536893BB3046C92DE7CB045CB1"
        .parse()
        .unwrap()
}

fn signed_body() -> String {
    let mut item = NotificationRequestItem::new("7914073381342284", "AUTHORISATION");
    key().sign_item_in_place(&mut item);
    NotificationRequest {
        live: false,
        items: vec![item],
    }
    .to_json()
}

#[tokio::test]
async fn a_timeout_in_front() {
    let recorder = Recorder::ok();
    let service = ServiceBuilder::new()
        .layer(TimeoutLayer::with_status_code(
            StatusCode::REQUEST_TIMEOUT,
            Duration::from_millis(100),
        ))
        .layer(VerifyWebhookLayer::notifications(key()))
        .service(recorder.clone());

    let request = Request::post("/")
        .body(Frames::split(signed_body().as_bytes(), 7))
        .unwrap();
    let (status, text) = read(service.clone().oneshot(request).await.unwrap()).await;
    assert_eq!((status, &*text), (StatusCode::OK, "[accepted]"));
    assert_eq!(recorder.calls(), 1);

    // A body that never ends: the timeout answers, with the empty default body, and the inner
    // service is never called.
    let request = Request::post("/").body(Endless).unwrap();
    let (status, text) = read(service.oneshot(request).await.unwrap()).await;
    assert_eq!((status, &*text), (StatusCode::REQUEST_TIMEOUT, ""));
    assert_eq!(recorder.calls(), 1);
}

#[tokio::test]
async fn a_body_limit_and_a_panic_catcher_in_front() {
    let handler = |request: Request<tower_adyen_webhook::WebhookBody>| async move {
        let notifications = request
            .extensions()
            .get::<tower_adyen_webhook::Notifications>()
            .expect("verified notifications");
        if notifications
            .iter()
            .any(|item| item.psp_reference == "PANIC")
        {
            panic!("the handler failed");
        }
        Ok::<_, Infallible>(Response::new(Full::new(Bytes::from_static(b"stored"))))
    };
    let service = ServiceBuilder::new()
        .layer(CatchPanicLayer::new())
        .layer(RequestBodyLimitLayer::new(4096))
        .layer(TimeoutLayer::with_status_code(
            StatusCode::REQUEST_TIMEOUT,
            Duration::from_secs(5),
        ))
        .layer(VerifyWebhookLayer::notifications(key()))
        .service(service_fn(handler));

    let request = Request::post("/")
        .body(Full::new(Bytes::from(signed_body())))
        .unwrap();
    let (status, text) = read(service.clone().oneshot(request).await.unwrap()).await;
    assert_eq!((status, &*text), (StatusCode::OK, "[accepted]"));

    // Over tower-http's limit: its 413, before the webhook layer reads anything.
    let big = format!("{:<5000}", signed_body());
    let request = Request::post("/")
        .body(Full::new(Bytes::from(big)))
        .unwrap();
    let (status, _) = read(service.clone().oneshot(request).await.unwrap()).await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE);

    // A forged body: the webhook layer's 401 comes through every layer.
    let forged = signed_body().replace("7914073381342284", "7914073381342285");
    let request = Request::post("/")
        .body(Full::new(Bytes::from(forged)))
        .unwrap();
    let (status, _) = read(service.clone().oneshot(request).await.unwrap()).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);

    // A panicking handler: a 500, never acknowledged.
    let mut item = NotificationRequestItem::new("PANIC", "AUTHORISATION");
    key().sign_item_in_place(&mut item);
    let body = NotificationRequest {
        live: false,
        items: vec![item],
    }
    .to_json();
    let request = Request::post("/")
        .body(Full::new(Bytes::from(body)))
        .unwrap();
    let (status, text) = read(service.oneshot(request).await.unwrap()).await;
    assert_eq!(status, StatusCode::INTERNAL_SERVER_ERROR);
    assert_ne!(text, "[accepted]");
}
