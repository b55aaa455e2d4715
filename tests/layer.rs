//! The middleware's behaviour through its public API, driven with `tower::ServiceExt`.

mod common;

use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::task::{Context, Poll};

use common::{read, Endless, Frames, Recorder};
use http::{Request, Response, StatusCode};
use tower::{Service, ServiceExt};
use tower_adyen_webhook::DEFAULT_MAX_ITEMS;
use tower_adyen_webhook::{
    Amount, EventCode, HmacKey, NotificationRequest, NotificationRequestItem, Policy,
    VerifyWebhook, VerifyWebhookLayer, WebhookBody,
};
use tower_layer::Layer;

const KEY: &str = "00727DB817A85C8503AD29EAD1523DB869AF0E536893BB3046C92DE7CB045CB1";

fn key() -> HmacKey {
    KEY.parse().unwrap()
}

fn item(n: usize) -> NotificationRequestItem {
    let mut item = NotificationRequestItem::new(format!("PSP{n:012}"), EventCode::Authorisation);
    item.merchant_account_code = "TestMerchant".into();
    item.merchant_reference = format!("order-{n}").into();
    item.amount = Some(Amount::new(1130 + n as i64, "EUR"));
    key().sign_item_in_place(&mut item);
    item
}

fn signed_body(items: usize) -> String {
    NotificationRequest {
        live: false,
        items: (0..items).map(item).collect(),
    }
    .to_json()
}

fn layer() -> VerifyWebhookLayer {
    VerifyWebhookLayer::notifications(key())
}

async fn send<B>(
    layer: VerifyWebhookLayer,
    recorder: &Recorder,
    request: Request<B>,
) -> (StatusCode, String)
where
    B: http_body::Body + Send + 'static,
    B::Error: Into<Box<dyn std::error::Error + Send + Sync>>,
{
    read(
        layer
            .layer(recorder.clone())
            .oneshot(request)
            .await
            .unwrap(),
    )
    .await
}

fn post<B>(body: B) -> Request<B> {
    Request::post("/").body(body).unwrap()
}

#[tokio::test]
async fn acknowledges_only_after_a_2xx_from_the_handler() {
    for handler in [StatusCode::OK, StatusCode::CREATED, StatusCode::NO_CONTENT] {
        let recorder = Recorder::new(handler);
        let (status, body) = send(layer(), &recorder, post(signed_body(1))).await;
        assert_eq!((status, body.as_str()), (StatusCode::OK, "[accepted]"));
        assert_eq!(recorder.calls(), 1);
    }
}

#[tokio::test]
async fn acknowledgement_is_plain_text() {
    let service = layer().layer(Recorder::ok());
    let response = service.oneshot(post(signed_body(1))).await.unwrap();
    assert_eq!(
        response.headers()["content-type"],
        "text/plain; charset=utf-8"
    );
}

#[tokio::test]
async fn handler_failures_pass_through_untouched() {
    for handler in [
        StatusCode::INTERNAL_SERVER_ERROR,
        StatusCode::SERVICE_UNAVAILABLE,
        StatusCode::BAD_REQUEST,
        StatusCode::FOUND,
    ] {
        let recorder = Recorder::new(handler);
        let (status, body) = send(layer(), &recorder, post(signed_body(1))).await;
        assert_eq!((status, body.as_str()), (handler, "handler body"));
        assert_eq!(recorder.calls(), 1);
    }
}

#[tokio::test]
async fn keep_handler_response_passes_the_handlers_2xx_on() {
    let recorder = Recorder::new(StatusCode::CREATED);
    let layer = layer().keep_handler_response(true);
    let (status, body) = send(layer, &recorder, post(signed_body(1))).await;
    assert_eq!(
        (status, body.as_str()),
        (StatusCode::CREATED, "handler body")
    );
}

#[tokio::test]
async fn handler_errors_are_returned_as_errors() {
    let failing = tower::service_fn(|_req: Request<WebhookBody>| async {
        Err::<Response<String>, _>("database unavailable")
    });
    let result = layer().layer(failing).oneshot(post(signed_body(1))).await;
    assert_eq!(result.unwrap_err(), "database unavailable");
}

#[tokio::test]
async fn rejections_never_call_the_handler() {
    let valid = signed_body(2);
    let cases = [
        ("", StatusCode::BAD_REQUEST, "not an Adyen notification"),
        (
            "not json",
            StatusCode::BAD_REQUEST,
            "not an Adyen notification",
        ),
        (
            "[1, 2]",
            StatusCode::BAD_REQUEST,
            "not an Adyen notification",
        ),
        (
            r#"{"live": "false"}"#,
            StatusCode::BAD_REQUEST,
            "notificationItems",
        ),
        // Nothing to verify or hand over: acknowledged, so that Adyen stops sending it.
        (
            r#"{"live": "false", "notificationItems": []}"#,
            StatusCode::OK,
            "[accepted]",
        ),
        (
            r#"{"live": "false", "notificationItems": [{"Other": {}}]}"#,
            StatusCode::BAD_REQUEST,
            "NotificationRequestItem",
        ),
        (&valid[..valid.len() - 1], StatusCode::BAD_REQUEST, "EOF"),
    ];
    for (body, expected, reason) in cases {
        let recorder = Recorder::ok();
        let (status, text) = send(layer(), &recorder, post(body.to_owned())).await;
        assert_eq!(status, expected, "{body:?}: {text}");
        assert!(text.contains(reason), "{body:?}: {text}");
        assert_eq!(recorder.calls(), 0, "{body:?}");
    }

    // One forged item among valid ones: the whole request is refused.
    let forged = valid.replacen("\"value\":1130", "\"value\":1", 1);
    assert_ne!(forged, valid);
    let recorder = Recorder::ok();
    let (status, text) = send(layer(), &recorder, post(forged)).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert!(text.contains("item 1 of 2"), "{text}");
    assert_eq!(recorder.calls(), 0);
}

#[tokio::test]
async fn a_wrong_key_is_never_acknowledged() {
    let recorder = Recorder::ok();
    let other = VerifyWebhookLayer::notifications(HmacKey::from_bytes(&[1; 32]));
    let (status, _) = send(other, &recorder, post(signed_body(1))).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(recorder.calls(), 0);
}

#[tokio::test]
async fn body_limit_by_content_length_reads_nothing() {
    let body = signed_body(1);
    let frames = Frames::new([body.clone()]);
    let polled = frames.polled_flag();
    let request = Request::post("/")
        .header("content-length", body.len())
        .body(frames)
        .unwrap();
    let recorder = Recorder::ok();
    let (status, _) = send(layer().max_body_bytes(body.len() - 1), &recorder, request).await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE);
    assert!(!polled.load(Ordering::SeqCst), "the body was read");
    assert_eq!(recorder.calls(), 0);

    // A huge declared length is refused up front, and allocates nothing.
    let request = Request::post("/")
        .header("content-length", u64::MAX)
        .body(Endless)
        .unwrap();
    let (status, _) = send(layer(), &recorder, request).await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE);

    // A declared length of exactly the limit is within it.
    let request = Request::post("/")
        .header("content-length", body.len())
        .body(Frames::new([body.clone()]))
        .unwrap();
    let (status, _) = send(layer().max_body_bytes(body.len()), &recorder, request).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(recorder.calls(), 1);
}

#[tokio::test]
async fn body_limit_without_content_length_is_enforced_while_streaming() {
    let body = signed_body(3);
    for (limit, expected) in [
        (body.len() - 1, StatusCode::PAYLOAD_TOO_LARGE),
        (body.len(), StatusCode::OK),
    ] {
        let recorder = Recorder::ok();
        let (status, _) = send(
            layer().max_body_bytes(limit),
            &recorder,
            post(Frames::split(body.as_bytes(), 100)),
        )
        .await;
        assert_eq!(status, expected, "limit {limit}");
        assert_eq!(recorder.calls(), usize::from(expected == StatusCode::OK));
    }
}

#[tokio::test]
async fn a_lying_content_length_does_not_lift_the_limit() {
    let body = "x".repeat(2000);
    let request = Request::post("/")
        .header("content-length", "10")
        .body(Frames::split(body.as_bytes(), 500))
        .unwrap();
    let recorder = Recorder::ok();
    let (status, _) = send(layer().max_body_bytes(1000), &recorder, request).await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE);
}

#[tokio::test]
async fn bodies_in_many_frames_verify_like_whole_ones() {
    let body = signed_body(6);
    for size in [1, 7, 64, 1000, body.len()] {
        let recorder = Recorder::ok();
        let (status, ack) = send(
            layer(),
            &recorder,
            post(Frames::split(body.as_bytes(), size)),
        )
        .await;
        assert_eq!(
            (status, ack.as_str()),
            (StatusCode::OK, "[accepted]"),
            "frames of {size}"
        );
        let seen = recorder.last();
        assert_eq!(seen.notifications.unwrap().len(), 6);
        assert_eq!(seen.body, body.as_bytes());
    }
}

#[tokio::test]
async fn a_body_that_fails_midway_is_a_bad_request() {
    let body = signed_body(1);
    let recorder = Recorder::ok();
    let (status, text) = send(
        layer(),
        &recorder,
        post(Frames::split(body.as_bytes(), 50).failing()),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{text}");
    assert_eq!(recorder.calls(), 0);
}

#[tokio::test]
async fn thousands_of_items_are_all_handed_over() {
    let body = signed_body(3000);
    let recorder = Recorder::ok();
    let layer = layer().max_body_bytes(body.len()).max_items(3000);
    let (status, _) = send(layer, &recorder, post(body)).await;
    assert_eq!(status, StatusCode::OK);
    let notifications = recorder.last().notifications.unwrap();
    assert_eq!(notifications.len(), 3000);
    for (n, item) in notifications.iter().enumerate() {
        assert_eq!(item.merchant_reference, format!("order-{n}"));
    }
}

#[tokio::test]
async fn items_up_to_the_limit_are_handed_over_one_more_is_refused() {
    assert_eq!(DEFAULT_MAX_ITEMS, 100);
    let cases = [
        (layer(), DEFAULT_MAX_ITEMS),
        (layer().max_items(1), 1),
        (layer().max_items(7), 7),
    ];
    for (layer, limit) in cases {
        for policy in [Policy::RejectRequest, Policy::ForwardVerified] {
            let layer = layer.clone().policy(policy);
            let recorder = Recorder::ok();
            let (status, _) = send(layer.clone(), &recorder, post(signed_body(limit))).await;
            assert_eq!(status, StatusCode::OK, "{limit} items, limit {limit}");
            assert_eq!(recorder.last().notifications.unwrap().len(), limit);

            let recorder = Recorder::ok();
            let (status, text) = send(layer, &recorder, post(signed_body(limit + 1))).await;
            assert_eq!(
                (status, text),
                (
                    StatusCode::PAYLOAD_TOO_LARGE,
                    format!(
                        "{} notification items, more than the limit of {limit}\n",
                        limit + 1
                    )
                )
            );
            assert_eq!(recorder.calls(), 0);
        }
    }
}

#[tokio::test]
async fn too_many_items_are_refused_before_any_signature_is_checked() {
    // Forged items would be a 401 once checked: a 413 says the count came first.
    let forged = signed_body(4).replace("order-", "forged-");
    let recorder = Recorder::ok();
    let (status, text) = send(layer().max_items(3), &recorder, post(forged.clone())).await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE, "{text}");
    let (status, _) = send(layer().max_items(4), &recorder, post(forged)).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(recorder.calls(), 0);

    // No item at all is within any limit, and reaches no handler.
    let empty = r#"{"live":"false","notificationItems":[]}"#;
    let (status, _) = send(layer().max_items(0), &recorder, post(empty.to_owned())).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(recorder.calls(), 0);
    let (status, text) = send(layer().max_items(0), &recorder, post(signed_body(1))).await;
    assert_eq!(
        (status, text.as_str()),
        (
            StatusCode::PAYLOAD_TOO_LARGE,
            "1 notification items, more than the limit of 0\n"
        )
    );
}

#[tokio::test]
async fn the_item_limit_leaves_header_signed_webhooks_alone() {
    let body = signed_body(3);
    let request = Request::post("/")
        .header("HmacSignature", key().sign(body.as_bytes()))
        .body(body)
        .unwrap();
    let recorder = Recorder::ok();
    let layer = VerifyWebhookLayer::hmac_header(key()).max_items(0);
    let (status, _) = send(layer, &recorder, request).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(recorder.calls(), 1);
}

#[tokio::test]
async fn unknown_event_codes_verify_and_reach_the_handler() {
    let mut item = NotificationRequestItem::new("PSP1", "BRAND_NEW_EVENT");
    key().sign_item_in_place(&mut item);
    let body = NotificationRequest {
        live: true,
        items: vec![item],
    }
    .to_json();
    let recorder = Recorder::ok();
    let (status, _) = send(layer(), &recorder, post(body)).await;
    assert_eq!(status, StatusCode::OK);
    let notifications = recorder.last().notifications.unwrap();
    assert!(notifications.live());
    assert_eq!(
        notifications.items()[0].event_code,
        EventCode::Other("BRAND_NEW_EVENT".into())
    );
}

/// A service that must be polled ready before every call, and whose clones start unready: a
/// middleware that calls a clone instead of the instance it polled fails here.
#[derive(Default)]
struct Strict {
    ready: bool,
    calls: Arc<std::sync::atomic::AtomicUsize>,
}

impl Clone for Strict {
    fn clone(&self) -> Self {
        Self {
            ready: false,
            calls: self.calls.clone(),
        }
    }
}

impl tower::Service<Request<WebhookBody>> for Strict {
    type Response = Response<String>;
    type Error = &'static str;
    type Future = std::future::Ready<Result<Response<String>, &'static str>>;

    fn poll_ready(&mut self, _cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.ready = true;
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, _req: Request<WebhookBody>) -> Self::Future {
        if !std::mem::take(&mut self.ready) {
            return std::future::ready(Err("called without poll_ready"));
        }
        self.calls.fetch_add(1, Ordering::SeqCst);
        std::future::ready(Ok(Response::new(String::new())))
    }
}

#[tokio::test]
async fn only_the_instance_that_was_polled_ready_is_called() {
    let strict = Strict::default();
    let calls = strict.calls.clone();
    let mut service = VerifyWebhook::notifications(strict, key());
    for _ in 0..3 {
        let ready = ServiceExt::<Request<String>>::ready(&mut service)
            .await
            .unwrap();
        let response = ready.call(post(signed_body(1))).await.unwrap();
        assert_eq!(response.status(), StatusCode::OK);
    }
    assert_eq!(calls.load(Ordering::SeqCst), 3);
}

#[tokio::test]
async fn tower_test_mock_sees_exactly_the_verified_request() {
    let (mock, mut handle) = tower_test::mock::pair::<Request<WebhookBody>, Response<String>>();
    let service = VerifyWebhook::notifications(mock, key());
    handle.allow(1);
    let call = tokio::spawn(service.oneshot(post(signed_body(2))));
    let (request, respond) = handle.next_request().await.unwrap();
    let notifications = request
        .extensions()
        .get::<tower_adyen_webhook::Notifications>()
        .unwrap();
    assert_eq!(notifications.len(), 2);
    respond.send_response(Response::new(String::new()));
    assert_eq!(call.await.unwrap().unwrap().status(), StatusCode::OK);
}

#[tokio::test]
async fn service_accessors() {
    let mut service = layer().layer(Recorder::ok());
    assert_eq!(service.get_ref().calls(), 0);
    let _ = service.get_mut();
    let _inner: Recorder = service.into_inner();
    let _layer: VerifyWebhookLayer = VerifyWebhook::<Recorder>::layer(key());
}

#[tokio::test]
async fn configuring_a_clone_leaves_the_original_alone() {
    let original = layer();
    let strict = original.clone().max_body_bytes(10);
    let body = signed_body(1);
    let recorder = Recorder::ok();
    assert_eq!(
        send(strict, &recorder, post(body.clone())).await.0,
        StatusCode::PAYLOAD_TOO_LARGE
    );
    assert_eq!(
        send(original, &recorder, post(body)).await.0,
        StatusCode::OK
    );
}

#[tokio::test]
async fn notifications_and_rejected_items_read_like_collections() {
    let mut items: Vec<_> = (0..4).map(item).collect();
    items[1].amount = Some(Amount::new(1, "EUR")); // tampered
    let body = NotificationRequest {
        live: true,
        items: items.clone(),
    }
    .to_json();
    let recorder = Recorder::ok();
    let (status, _) = send(
        layer().policy(Policy::ForwardVerified),
        &recorder,
        post(body),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let seen = recorder.last();

    let notifications = seen.notifications.unwrap();
    assert!(notifications.live());
    let expected = [&items[0], &items[2], &items[3]];
    assert_eq!(notifications.len(), 3);
    assert!(!notifications.is_empty());
    assert_eq!(notifications.items().iter().collect::<Vec<_>>(), expected);
    assert_eq!(notifications.iter().collect::<Vec<_>>(), expected);
    assert_eq!((&notifications).into_iter().collect::<Vec<_>>(), expected);
    assert_eq!(notifications.get(1), Some(&items[2]));
    assert_eq!(notifications.get(3), None);

    let rejected = seen.rejected.unwrap();
    assert_eq!((rejected.len(), rejected.is_empty()), (1, false));
    let only = rejected.get(0).unwrap();
    assert_eq!((only.index, &*only.psp_reference), (1, "PSP000000000001"));
    assert_eq!(only.event_code, EventCode::Authorisation);
    assert_eq!(rejected.get(1), None);
    assert_eq!(rejected.items(), std::slice::from_ref(only));
    assert_eq!(rejected.iter().collect::<Vec<_>>(), [only]);
    assert_eq!((&rejected).into_iter().count(), 1);

    // All verified: nothing rejected, and `live` as sent.
    let recorder = Recorder::ok();
    send(layer(), &recorder, post(signed_body(2))).await;
    let seen = recorder.last();
    let notifications = seen.notifications.unwrap();
    assert!(!notifications.live());
    assert_eq!(notifications.len(), 2);
    let rejected = seen.rejected.unwrap();
    assert!(rejected.is_empty() && rejected.get(0).is_none());
    assert_eq!(rejected.len(), 0);
}

#[tokio::test]
async fn the_handed_body_says_how_long_it_is_and_when_it_ends() {
    use http_body::Body as _;
    use http_body_util::BodyExt;

    let body = signed_body(1);
    let handler = tower::service_fn(|request: Request<WebhookBody>| async move {
        let mut webhook_body = request.into_body();
        let len = webhook_body.bytes().len() as u64;
        assert_eq!(webhook_body.size_hint().exact(), Some(len));
        assert!(!webhook_body.is_end_stream());
        let frame = webhook_body.frame().await.unwrap().unwrap();
        assert_eq!(frame.into_data().unwrap().len() as u64, len);
        assert!(webhook_body.is_end_stream());
        assert_eq!(webhook_body.size_hint().exact(), Some(0));
        assert!(webhook_body.bytes().is_empty());
        assert!(webhook_body.frame().await.is_none());
        Ok::<_, std::convert::Infallible>(Response::new(http_body_util::Full::new(
            bytes::Bytes::from_static(b"handler's"),
        )))
    });

    // The layer's fixed bodies, and the handler's passed through.
    for keep in [false, true] {
        let service = layer().keep_handler_response(keep).layer(handler);
        let response = service.oneshot(post(body.clone())).await.unwrap();
        let mut response_body = response.into_body();
        let expected: &[u8] = if keep { b"handler's" } else { b"[accepted]" };
        assert_eq!(
            response_body.size_hint().exact(),
            Some(expected.len() as u64)
        );
        assert!(!response_body.is_end_stream());
        let data = response_body
            .frame()
            .await
            .unwrap()
            .unwrap()
            .into_data()
            .unwrap();
        assert_eq!(&data[..], expected);
        assert!(response_body.is_end_stream());
    }
    let service = layer().layer(handler);
    let rejected = service
        .oneshot(post("[]".to_owned()))
        .await
        .unwrap()
        .into_body();
    assert!(rejected.size_hint().exact().unwrap() > 0);
    let text = rejected.collect().await.unwrap().to_bytes();
    assert!(text.starts_with(b"not an Adyen notification"));
}

#[test]
fn errors_say_what_is_wrong() {
    use tower_adyen_webhook::VerifyError;

    for (error, text) in [
        (VerifyError::MissingSignature, "no HMAC signature"),
        (
            VerifyError::MalformedSignature,
            "HMAC signature is not 32 bytes of padded standard base64",
        ),
        (
            VerifyError::Mismatch,
            "HMAC signature does not match any configured key",
        ),
    ] {
        assert_eq!(error.to_string(), text);
        assert!(!format!("{error:?}").is_empty());
    }
    assert_eq!(EventCode::Refund.to_string(), "REFUND");
    assert_eq!(EventCode::from("NEW_ONE").to_string(), "NEW_ONE");
    assert_eq!(format!("{:?}", EventCode::Capture), "Capture");
}
