//! Every public accessor, through what it returns: the slices and iterators over the verified
//! items, the bodies' `http_body::Body` methods, `additionalData`'s named keys, the event codes'
//! text. Each test would fail if the method returned nothing, a constant or another field.

mod common;

use std::convert::Infallible;
use std::pin::Pin;
use std::task::{Context, Poll};

use bytes::Bytes;
use common::{read, Recorder};
use http::{Request, Response, StatusCode};
use http_body::{Body, Frame, SizeHint};
use http_body_util::BodyExt;
use tower::{service_fn, ServiceExt};
use tower_adyen_webhook::{
    AdditionalData, EventCode, HmacKey, NotificationRequest, NotificationRequestItem, Policy,
    ResponseBody, VerifyError, VerifyWebhookLayer, WebhookBody,
};
use tower_layer::Layer;

const KEY: &str = "00727DB817A85C8503AD29EAD1523DB869AF0E536893BB3046C92DE7CB045CB1";

fn key() -> HmacKey {
    KEY.parse().unwrap()
}

fn signed(psp_reference: &str, event_code: &str) -> NotificationRequestItem {
    let mut item = NotificationRequestItem::new(psp_reference, event_code);
    key().sign_item_in_place(&mut item);
    item
}

fn body(live: bool, items: Vec<NotificationRequestItem>) -> String {
    NotificationRequest { live, items }.to_json()
}

async fn deliver(layer: VerifyWebhookLayer, body: String) -> (StatusCode, String, Recorder) {
    let recorder = Recorder::ok();
    let response = layer
        .layer(recorder.clone())
        .oneshot(Request::post("/").body(body).unwrap())
        .await
        .unwrap();
    let (status, text) = read(response).await;
    (status, text, recorder)
}

#[tokio::test]
async fn notifications_give_every_verified_item_in_order() {
    let items = vec![
        signed("PSP-A", "AUTHORISATION"),
        signed("PSP-B", "CAPTURE"),
        signed("PSP-C", "REFUND"),
    ];
    let (status, _, recorder) =
        deliver(VerifyWebhookLayer::notifications(key()), body(true, items)).await;
    assert_eq!(status, StatusCode::OK);
    let notifications = recorder.last().notifications.unwrap();

    assert!(notifications.live());
    assert_eq!(notifications.len(), 3);
    assert!(!notifications.is_empty());
    let expected = ["PSP-A", "PSP-B", "PSP-C"];
    let from_items: Vec<&str> = notifications
        .items()
        .iter()
        .map(|i| &*i.psp_reference)
        .collect();
    assert_eq!(from_items, expected);
    let from_iter: Vec<&str> = notifications.iter().map(|i| &*i.psp_reference).collect();
    assert_eq!(from_iter, expected);
    let from_into_iter: Vec<&str> = (&notifications)
        .into_iter()
        .map(|i| &*i.psp_reference)
        .collect();
    assert_eq!(from_into_iter, expected);
    let mut from_for = Vec::new();
    for item in &notifications {
        from_for.push(item.event_code.as_str());
    }
    assert_eq!(from_for, ["AUTHORISATION", "CAPTURE", "REFUND"]);
    assert_eq!(
        notifications.get(2).map(|i| &*i.psp_reference),
        Some("PSP-C")
    );
    assert!(notifications.get(3).is_none());
}

#[tokio::test]
async fn notifications_tell_the_test_environment_from_live() {
    let (_, _, recorder) = deliver(
        VerifyWebhookLayer::notifications(key()),
        body(false, vec![signed("PSP-A", "AUTHORISATION")]),
    )
    .await;
    let notifications = recorder.last().notifications.unwrap();
    assert!(!notifications.live());
    assert_eq!(notifications.len(), 1);
}

#[tokio::test]
async fn forwarded_requests_name_each_rejected_item() {
    let mut tampered = signed("PSP-TAMPERED", "CAPTURE");
    tampered.merchant_reference = "changed".into();
    let items = vec![
        NotificationRequestItem::new("PSP-UNSIGNED", "REFUND"),
        signed("PSP-GOOD", "AUTHORISATION"),
        tampered,
    ];
    let layer = VerifyWebhookLayer::notifications(key()).policy(Policy::ForwardVerified);
    let (status, _, recorder) = deliver(layer, body(false, items)).await;
    assert_eq!(status, StatusCode::OK);
    let seen = recorder.last();
    let notifications = seen.notifications.unwrap();
    assert_eq!(notifications.len(), 1);
    assert_eq!(notifications.items()[0].psp_reference, "PSP-GOOD");

    let rejected = seen.rejected.unwrap();
    assert_eq!(rejected.len(), 2);
    assert!(!rejected.is_empty());
    let expected = [
        (0, "PSP-UNSIGNED", "REFUND"),
        (2, "PSP-TAMPERED", "CAPTURE"),
    ];
    fn summary(r: &tower_adyen_webhook::RejectedItem) -> (usize, &str, &str) {
        (r.index, r.psp_reference.as_str(), r.event_code.as_str())
    }
    assert_eq!(
        rejected.items().iter().map(summary).collect::<Vec<_>>(),
        expected
    );
    assert_eq!(rejected.iter().map(summary).collect::<Vec<_>>(), expected);
    assert_eq!(
        (&rejected).into_iter().map(summary).collect::<Vec<_>>(),
        expected
    );
    assert_eq!(
        rejected.get(0).unwrap().error,
        VerifyError::MissingSignature
    );
    assert_eq!(rejected.get(1).unwrap().error, VerifyError::Mismatch);
    assert!(rejected.get(2).is_none());
}

#[tokio::test]
async fn without_rejected_items_the_list_is_empty() {
    let (_, _, recorder) = deliver(
        VerifyWebhookLayer::notifications(key()),
        body(false, vec![signed("PSP-A", "AUTHORISATION")]),
    )
    .await;
    let rejected = recorder.last().rejected.unwrap();
    assert!(rejected.is_empty());
    assert_eq!(rejected.len(), 0);
    assert_eq!(rejected.iter().count(), 0);
}

#[tokio::test]
async fn the_webhook_body_holds_the_verified_bytes_until_read() {
    let sent = body(false, vec![signed("PSP-A", "AUTHORISATION")]);
    let expected = sent.clone();
    let handler = service_fn(move |request: Request<WebhookBody>| {
        let expected = expected.clone();
        async move {
            let mut body = request.into_body();
            assert_eq!(body.bytes(), expected.as_bytes());
            assert!(!body.is_end_stream());
            let hint = body.size_hint();
            assert_eq!(
                (hint.lower(), hint.upper()),
                (expected.len() as u64, Some(expected.len() as u64))
            );

            let frame = body.frame().await.unwrap().unwrap();
            assert_eq!(frame.into_data().unwrap(), expected.as_bytes());
            // Read: nothing left.
            assert!(body.is_end_stream());
            assert_eq!(body.bytes(), Bytes::new());
            assert_eq!(body.size_hint().exact(), Some(0));
            assert!(body.frame().await.is_none());
            Ok::<_, Infallible>(Response::new(String::new()))
        }
    });
    let service = VerifyWebhookLayer::notifications(key()).layer(handler);
    let response = service
        .oneshot(Request::post("/").body(sent).unwrap())
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
}

#[test]
fn a_default_webhook_body_is_empty() {
    let body = WebhookBody::default();
    assert!(body.is_end_stream());
    assert_eq!(body.size_hint().exact(), Some(0));
    assert!(body.bytes().is_empty());
}

#[tokio::test]
async fn a_fixed_response_body_says_its_length_and_when_it_is_read() {
    let handler = service_fn(|_: Request<WebhookBody>| async {
        Ok::<_, Infallible>(Response::new(String::from("stored")))
    });
    let service = VerifyWebhookLayer::notifications(key()).layer(handler);
    let response = service
        .oneshot(
            Request::post("/")
                .body(body(false, vec![signed("PSP-A", "AUTHORISATION")]))
                .unwrap(),
        )
        .await
        .unwrap();
    let mut body = response.into_body();
    assert!(
        format!("{body:?}").starts_with("ResponseBody::Fixed"),
        "{body:?}"
    );
    assert!(!body.is_end_stream());
    assert_eq!(body.size_hint().exact(), Some("[accepted]".len() as u64));
    let data = body.frame().await.unwrap().unwrap().into_data().unwrap();
    assert_eq!(data, "[accepted]");
    assert!(body.is_end_stream());
    assert_eq!(body.size_hint().exact(), Some(0));
    assert!(body.frame().await.is_none());
}

#[test]
fn a_default_response_body_is_empty() {
    let body = ResponseBody::<String>::default();
    assert!(body.is_end_stream());
    assert_eq!(body.size_hint().exact(), Some(0));
}

/// A handler's body that reports a size and an end it chose, to see that both are passed on.
struct Hinted {
    hint: SizeHint,
    end: bool,
}

impl Body for Hinted {
    type Data = Bytes;
    type Error = Infallible;

    fn poll_frame(
        self: Pin<&mut Self>,
        _cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Infallible>>> {
        Poll::Ready(None)
    }

    fn is_end_stream(&self) -> bool {
        self.end
    }

    fn size_hint(&self) -> SizeHint {
        self.hint
    }
}

#[tokio::test]
async fn a_kept_handler_body_keeps_its_length_and_end() {
    for end in [false, true] {
        let handler = service_fn(move |_: Request<WebhookBody>| async move {
            let mut hint = SizeHint::new();
            hint.set_lower(3);
            hint.set_upper(70);
            Ok::<_, Infallible>(Response::new(Hinted { hint, end }))
        });
        let service = VerifyWebhookLayer::notifications(key())
            .keep_handler_response(true)
            .layer(handler);
        let response = service
            .oneshot(
                Request::post("/")
                    .body(body(false, vec![signed("PSP-A", "AUTHORISATION")]))
                    .unwrap(),
            )
            .await
            .unwrap();
        let body = response.into_body();
        assert_eq!(format!("{body:?}"), "ResponseBody::Inner");
        assert_eq!(body.is_end_stream(), end);
        assert_eq!(
            (body.size_hint().lower(), body.size_hint().upper()),
            (3, Some(70))
        );
    }
}

#[test]
fn additional_data_names_each_common_key() {
    let data: AdditionalData = [
        ("authCode", "58747"),
        ("cardSummary", "1111"),
        ("expiryDate", "8/2028"),
        ("avsResult", "5 No AVS data provided"),
        ("cvcResult", "1 Matches"),
        ("shopperReference", "shopper-42"),
        ("recurring.recurringDetailReference", "8415718415172204"),
        ("tokenization.storedPaymentMethodId", "M5N7TQ4TG5PFWR50"),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v.to_owned()))
    .collect();
    assert_eq!(data.auth_code(), Some("58747"));
    assert_eq!(data.card_summary(), Some("1111"));
    assert_eq!(data.expiry_date(), Some("8/2028"));
    assert_eq!(data.avs_result(), Some("5 No AVS data provided"));
    assert_eq!(data.cvc_result(), Some("1 Matches"));
    assert_eq!(data.shopper_reference(), Some("shopper-42"));
    assert_eq!(data.recurring_detail_reference(), Some("8415718415172204"));
    // The newer key wins over the older one.
    assert_eq!(data.stored_payment_method_id(), Some("M5N7TQ4TG5PFWR50"));
    assert_eq!(data.len(), 8);
    assert!(!data.is_empty());

    let empty = AdditionalData::default();
    for accessor in [
        AdditionalData::auth_code,
        AdditionalData::card_summary,
        AdditionalData::expiry_date,
        AdditionalData::avs_result,
        AdditionalData::cvc_result,
        AdditionalData::shopper_reference,
        AdditionalData::recurring_detail_reference,
        AdditionalData::stored_payment_method_id,
    ] {
        assert_eq!(accessor(&empty), None);
    }
    assert_eq!(empty.len(), 0);
    assert!(empty.is_empty());
    assert_eq!(empty.iter().count(), 0);
}

#[test]
fn the_stored_payment_method_falls_back_to_the_recurring_reference() {
    let mut data = AdditionalData::default();
    assert_eq!(
        data.insert("recurring.recurringDetailReference", "OLD-REF"),
        None
    );
    assert_eq!(data.stored_payment_method_id(), Some("OLD-REF"));
    assert_eq!(data.recurring_detail_reference(), Some("OLD-REF"));
}

#[test]
fn additional_data_is_an_ordered_map() {
    let mut data: AdditionalData = [("b", "2"), ("a", "1")]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .collect();
    assert_eq!(data.iter().collect::<Vec<_>>(), [("a", "1"), ("b", "2")]);
    assert_eq!(data.insert("a", "one").as_deref(), Some("1"));
    assert_eq!(data.get("a"), Some("one"));
    assert_eq!(data.remove("a").as_deref(), Some("one"));
    assert_eq!(data.remove("a"), None);
    assert_eq!(data.get("a"), None);
    assert_eq!(data.iter().collect::<Vec<_>>(), [("b", "2")]);
    assert_eq!(data.len(), 1);
}

#[test]
fn additional_data_parsed_from_a_body_keeps_every_key() {
    let body = br#"{"notificationItems": [{"NotificationRequestItem": {"success": "true",
        "additionalData": {"authCode": "123", "cardSummary": "4444", "fraudResultType": "GREEN"}}}]}"#;
    let request = NotificationRequest::from_slice(body).unwrap();
    let data = &request.items[0].additional_data;
    assert_eq!(
        data.iter().collect::<Vec<_>>(),
        [
            ("authCode", "123"),
            ("cardSummary", "4444"),
            ("fraudResultType", "GREEN")
        ]
    );
    assert_eq!(data.card_summary(), Some("4444"));
    assert_eq!(data.len(), 3);
}

#[test]
fn test_webhooks_are_told_by_their_reference() {
    assert!(NotificationRequestItem::new("test_AUTHORISATION_1", "AUTHORISATION").is_test());
    assert!(!NotificationRequestItem::new("7914073381342284", "AUTHORISATION").is_test());
    assert!(!NotificationRequestItem::new("atest_1", "AUTHORISATION").is_test());
}

#[test]
fn event_codes_print_as_adyen_writes_them() {
    assert_eq!(EventCode::Authorisation.to_string(), "AUTHORISATION");
    assert_eq!(format!("{}", EventCode::Refund), "REFUND");
    let other = EventCode::from(String::from("SOMETHING_NEW"));
    assert_eq!(other.to_string(), "SOMETHING_NEW");
    assert_eq!(other, EventCode::Other("SOMETHING_NEW".into()));
    assert_eq!(EventCode::from(String::from("CAPTURE")), EventCode::Capture);
    assert_eq!("REFUND".parse::<EventCode>().unwrap(), EventCode::Refund);
    assert_eq!(
        "NEW".parse::<EventCode>().unwrap(),
        EventCode::Other("NEW".into())
    );
}

#[test]
fn outcomes_have_stable_names_and_say_whether_they_acknowledge() {
    use tower_adyen_webhook::Outcome;
    let all = [
        (Outcome::Accepted, "accepted", true),
        (Outcome::NothingToHandOver, "nothing_to_hand_over", true),
        (Outcome::HandlerFailed, "handler_failed", false),
        (Outcome::HandlerError, "handler_error", false),
        (Outcome::Unauthorized, "unauthorized", false),
        (Outcome::BadRequest, "bad_request", false),
        (Outcome::TooLarge, "too_large", false),
    ];
    for (outcome, name, acknowledged) in all {
        assert_eq!(outcome.as_str(), name);
        assert_eq!(outcome.to_string(), name);
        assert_eq!(outcome.is_acknowledged(), acknowledged, "{name}");
    }
}

#[test]
fn a_config_error_says_what_to_do() {
    let error = VerifyWebhookLayer::hmac_header(key())
        .accept_unsigned_events()
        .unwrap_err();
    assert!(
        error
            .to_string()
            .contains("only accepted by a standard-notification layer"),
        "{error}"
    );
    let error = VerifyWebhookLayer::notifications(key())
        .accept_unsigned_events()
        .unwrap_err();
    assert!(error.to_string().contains("needs Basic auth"), "{error}");
}

/// A signed body of exactly `len` bytes: the unsigned `reason` is padded to fit.
fn body_of_len(len: usize) -> String {
    let mut item = signed("PSP-A", "AUTHORISATION");
    let short = body(false, vec![item.clone()]);
    item.reason = "x".repeat(len - short.len()).into();
    let padded = body(false, vec![item]);
    assert_eq!(padded.len(), len);
    padded
}

#[tokio::test]
async fn the_default_limit_is_256_kib() {
    assert_eq!(tower_adyen_webhook::DEFAULT_MAX_BODY_BYTES, 262_144);
    let (status, _, recorder) = deliver(
        VerifyWebhookLayer::notifications(key()),
        body_of_len(262_144),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(recorder.calls(), 1);
    let (status, _, recorder) = deliver(
        VerifyWebhookLayer::notifications(key()),
        body_of_len(262_145),
    )
    .await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(recorder.calls(), 0);
}

#[test]
fn requests_read_back_equal_to_what_was_written() {
    let mut failed = signed("PSP-F", "AUTHORISATION");
    failed.success = false;
    let mut live = signed("PSP-L", "CAPTURE");
    live.success = true;
    for request in [
        NotificationRequest {
            live: false,
            items: vec![failed],
        },
        NotificationRequest {
            live: true,
            items: vec![live],
        },
    ] {
        let json = request.to_json();
        assert_eq!(
            NotificationRequest::from_slice(json.as_bytes()).unwrap(),
            request
        );
    }
}

#[test]
fn a_wrong_shape_is_named_in_the_error() {
    for (body, expected) in [
        (
            r#"{"notificationItems": {"NotificationRequestItem": {}}}"#,
            "expected a sequence",
        ),
        (
            r#"{"notificationItems": [{"NotificationRequestItem": {"success": "true", "additionalData": 5}}]}"#,
            "expected an object of strings",
        ),
        ("[]", "expected a notification request object"),
        (
            r#"{"notificationItems": [5]}"#,
            "expected an object holding a `NotificationRequestItem`",
        ),
        (
            r#"{"notificationItems": [{"NotificationRequestItem": 5}]}"#,
            "expected a `NotificationRequestItem` object",
        ),
        (
            r#"{"notificationItems": [{"NotificationRequestItem": {"pspReference": 5}}]}"#,
            "expected a string",
        ),
        (
            r#"{"notificationItems": [{"NotificationRequestItem": {"operations": 5}}]}"#,
            "expected a sequence",
        ),
        (
            r#"{"notificationItems": [{"NotificationRequestItem": {"amount": 5}}]}"#,
            "expected an amount object",
        ),
    ] {
        let error = NotificationRequest::from_slice(body.as_bytes()).unwrap_err();
        assert!(error.to_string().contains(expected), "{error}");
    }
}

#[test]
fn additional_data_from_another_format_names_what_it_takes() {
    use serde::de::value::{BytesDeserializer, Error, MapDeserializer};
    use serde::Deserialize;

    // JSON has no value `additionalData` refuses; a format with raw bytes does.
    let entries = vec![("key", BytesDeserializer::<Error>::new(b"\x00"))];
    let error = AdditionalData::deserialize(MapDeserializer::<_, Error>::new(entries.into_iter()))
        .unwrap_err();
    assert!(
        error.to_string().contains("expected any JSON value"),
        "{error}"
    );
}

#[test]
fn a_layer_shows_that_it_has_a_callback() {
    let layer = VerifyWebhookLayer::notifications(key());
    assert!(
        format!("{layer:?}").contains("on_verdict: None"),
        "{layer:?}"
    );
    let layer = layer.on_verdict(|_| {});
    assert!(
        format!("{layer:?}").contains("on_verdict: Some(Callback)"),
        "{layer:?}"
    );
}

#[test]
fn additional_data_collects_and_lends_its_entries() {
    fn entries(data: &AdditionalData) -> Vec<(&str, &str)> {
        data.entries()
            .iter()
            .map(|(key, value)| (key.as_str(), value.as_str()))
            .collect()
    }

    let data: AdditionalData = [("b", "2"), ("a", "1"), ("b", "3")].into_iter().collect();
    // Sorted by key, a repeated key keeping its last value.
    assert_eq!(entries(&data), [("a", "1"), ("b", "3")]);
    assert_eq!(data.get("b"), Some("3"));

    // Already in order but for a key given twice in a row: still one entry, the last value.
    let data: AdditionalData = [("a", "1"), ("a", "2"), ("b", "3")].into_iter().collect();
    assert_eq!(entries(&data), [("a", "2"), ("b", "3")]);
    assert_eq!(data.len(), 2);
    // One key, given twice and nothing else.
    let data: AdditionalData = [("a", "1"), ("a", "2")].into_iter().collect();
    assert_eq!(entries(&data), [("a", "2")]);
}

#[test]
fn a_request_reads_from_a_deserializer_of_the_callers_own() {
    use serde::Deserialize;

    // Not from the body's bytes: every string is a copy, read as the deserializer hands it.
    let value = serde_json::json!({"live": "false", "notificationItems": [{"NotificationRequestItem": {
        "pspReference": "7914073381342284", "merchantReference": "ORDER-1", "eventCode": "CAPTURE",
        "success": "true", "reason": null, "amount": {"currency": "EUR", "value": 1130},
        "additionalData": {"authCode": "58747"}, "operations": ["REFUND"]}}]});
    let request = NotificationRequest::deserialize(value).unwrap();
    let item = &request.items[0];
    assert_eq!(item.psp_reference, "7914073381342284");
    assert_eq!(item.merchant_reference, "ORDER-1");
    assert_eq!(item.event_code, EventCode::Capture);
    assert_eq!(item.reason, "");
    assert_eq!(item.amount.as_ref().map(|amount| amount.value), Some(1130));
    assert_eq!(item.additional_data.auth_code(), Some("58747"));
    assert_eq!(item.operations, ["REFUND"]);
}
