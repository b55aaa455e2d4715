//! The `type`/`data` events Adyen's standard-webhook spec documents on the standard endpoint
//! (`DIRECT_DEBIT_NOTICE_OF_CHANGE_NOTIFICATION`, `ACH_NOTIFICATION_OF_CHANGE`): no
//! `notificationItems`, no item signature, Basic auth the only protection the spec lists.

mod common;

use base64::Engine;
use common::{read, Frames, Recorder};
use http::{Request, StatusCode};
use tower::ServiceExt;
use tower_adyen_webhook::{HmacKey, NotificationRequestItem, VerifyWebhookLayer};
use tower_layer::Layer;

/// `components.examples.post-DIRECT_DEBIT_NOTICE_OF_CHANGE_NOTIFICATION-ach_notice_of_change`
/// of `json/Webhooks-v1.json` in Adyen/adyen-openapi (commit aa014f0).
const ACH: &str = r#"{"type":"ach.notificationOfChange","version":"1","createdAt":"2021-01-01T01:00:00+01:00","environment":"test","data":{"pspReference":"QFQTPCQ8HXSKGK82","shopperReference":"YOUR_SHOPPER_REFERENCE","notificationOfChange":{"reasonCode":"C07","newBankAccountNumber":"012345678901","newBranchCode":"021000021","newBankAccountType":"Checking"}}}"#;

/// The `eft_notice_of_change` example beside it.
const EFT: &str = r#"{"type":"eft.notificationOfChange","version":"1","createdAt":"2021-01-01T01:00:00+01:00","environment":"test","data":{"pspReference":"QFQTPCQ8HXSKGK82","shopperReference":"YOUR_SHOPPER_REFERENCE","notificationOfChange":{"newBankAccountNumber":"1234567","newBankLocationId":"00123004"}}}"#;

const KEY: &str = "00727DB817A85C8503AD29EAD1523DB869AF0E536893BB3046C92DE7CB045CB1";
const AUTH: &str = "Basic YWR5ZW46c2VjcmV0"; // adyen:secret

fn key() -> HmacKey {
    KEY.parse().unwrap()
}

fn request(body: &str, headers: &[(&str, &str)]) -> Request<Frames> {
    let mut request = Request::post("/");
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    request.body(Frames::split(body.as_bytes(), 50)).unwrap()
}

async fn send(
    layer: &VerifyWebhookLayer,
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

#[tokio::test]
async fn unsigned_events_fail_closed_by_default() {
    let layers = [
        VerifyWebhookLayer::notifications(key()),
        VerifyWebhookLayer::notifications(key()).basic_auth("adyen", "secret"),
    ];
    for layer in &layers {
        for body in [ACH, EFT] {
            let recorder = Recorder::ok();
            let (status, text) =
                send(layer, &recorder, request(body, &[("authorization", AUTH)])).await;
            assert_eq!(status, StatusCode::UNAUTHORIZED, "{text}");
            assert!(text.contains("without an HmacSignature header"), "{text}");
            assert_eq!(recorder.calls(), 0);
        }
    }
}

#[tokio::test]
async fn signed_events_are_verified_over_the_exact_bytes() {
    let layer = VerifyWebhookLayer::notifications(key());
    for body in [ACH, EFT] {
        let signature = key().sign(body.as_bytes());
        for header in ["HmacSignature", "hmacsignature"] {
            let recorder = Recorder::ok();
            let (status, text) =
                send(&layer, &recorder, request(body, &[(header, &signature)])).await;
            assert_eq!((status, &*text), (StatusCode::OK, "[accepted]"));
            let seen = recorder.last();
            let signed = seen.signed.expect("handed over as a signed webhook");
            assert_eq!(signed.body(), body.as_bytes());
            assert_eq!(signed.environment(), Some("test"));
            assert!(signed
                .webhook_type()
                .unwrap()
                .ends_with(".notificationOfChange"));
            assert_eq!(signed.json()["data"]["pspReference"], "QFQTPCQ8HXSKGK82");
            assert!(seen.notifications.is_none() && seen.rejected.is_none());
            assert!(seen.unsigned.is_none());
            assert_eq!(seen.body, body.as_bytes());
        }

        // Any change to the bytes, even one that means the same JSON, breaks the signature.
        let spaced = body.replacen(':', ": ", 1);
        for (body, signature) in [
            (&*spaced, signature.clone()),
            (body, key().sign(spaced.as_bytes())),
            (body, String::new()),
            (body, "not base64".into()),
        ] {
            let recorder = Recorder::ok();
            let (status, _) = send(
                &layer,
                &recorder,
                request(body, &[("HmacSignature", &signature)]),
            )
            .await;
            assert_eq!(status, StatusCode::UNAUTHORIZED);
            assert_eq!(recorder.calls(), 0);
        }

        // Signed under another key.
        let other: HmacKey = KEY.replace('0', "1").parse().unwrap();
        let recorder = Recorder::ok();
        let signature = other.sign(body.as_bytes());
        let (status, _) = send(
            &layer,
            &recorder,
            request(body, &[("HmacSignature", &signature)]),
        )
        .await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);
        // ... which a layer holding both keys takes, as during a rotation.
        let both = VerifyWebhookLayer::notifications(
            tower_adyen_webhook::HmacKeys::new(key()).with(other),
        );
        let (status, _) = send(
            &both,
            &recorder,
            request(body, &[("HmacSignature", &signature)]),
        )
        .await;
        assert_eq!(status, StatusCode::OK);
    }
}

#[tokio::test]
async fn the_opt_in_hands_them_over_marked_unsigned() {
    let layer = VerifyWebhookLayer::notifications(key())
        .basic_auth("adyen", "secret")
        .accept_unsigned_events()
        .unwrap();
    for body in [ACH, EFT] {
        let recorder = Recorder::ok();
        let (status, text) =
            send(&layer, &recorder, request(body, &[("authorization", AUTH)])).await;
        assert_eq!((status, &*text), (StatusCode::OK, "[accepted]"));
        let seen = recorder.last();
        let unsigned = seen.unsigned.expect("handed over as an unsigned webhook");
        assert_eq!(unsigned.body(), body.as_bytes());
        assert!(unsigned
            .webhook_type()
            .unwrap()
            .ends_with(".notificationOfChange"));
        assert_eq!(unsigned.environment(), Some("test"));
        assert!(seen.signed.is_none(), "never taken for a signed webhook");
        assert!(seen.notifications.is_none() && seen.rejected.is_none());

        // Basic auth still comes first.
        let recorder = Recorder::ok();
        let wrong = format!(
            "Basic {}",
            base64::engine::general_purpose::STANDARD.encode("adyen:wrong")
        );
        for headers in [&[][..], &[("authorization", &*wrong)][..]] {
            let (status, _) = send(&layer, &recorder, request(body, headers)).await;
            assert_eq!(status, StatusCode::UNAUTHORIZED);
        }
        assert_eq!(recorder.calls(), 0);

        // A signature, when there is one, is still checked, and a bad one still fails.
        let signature = key().sign(body.as_bytes());
        let headers = [("authorization", AUTH), ("HmacSignature", &*signature)];
        let (status, _) = send(&layer, &recorder, request(body, &headers)).await;
        assert_eq!(status, StatusCode::OK);
        assert!(recorder.last().signed.is_some() && recorder.last().unsigned.is_none());
        let headers = [("authorization", AUTH), ("HmacSignature", "AAAA")];
        let (status, _) = send(&layer, &recorder, request(body, &headers)).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);
    }

    // A failing handler is not acknowledged.
    let recorder = Recorder::new(StatusCode::INTERNAL_SERVER_ERROR);
    let (status, _) = send(&layer, &recorder, request(ACH, &[("authorization", AUTH)])).await;
    assert_eq!(status, StatusCode::INTERNAL_SERVER_ERROR);
}

#[test]
fn the_opt_in_needs_basic_auth_and_a_standard_layer() {
    let err = VerifyWebhookLayer::notifications(key())
        .accept_unsigned_events()
        .unwrap_err();
    assert!(
        err.to_string().contains("basic_auth(username, password)"),
        "{err}"
    );
    let err = VerifyWebhookLayer::hmac_header(key())
        .basic_auth("adyen", "secret")
        .accept_unsigned_events()
        .unwrap_err();
    assert!(
        err.to_string()
            .contains("VerifyWebhookLayer::notifications"),
        "{err}"
    );
}

#[tokio::test]
async fn only_type_and_data_without_items_is_an_event() {
    let layer = VerifyWebhookLayer::notifications(key())
        .basic_auth("adyen", "secret")
        .accept_unsigned_events()
        .unwrap();
    let mut item = NotificationRequestItem::new("1", "AUTHORISATION");
    key().sign_item_in_place(&mut item);
    let envelope = tower_adyen_webhook::NotificationRequest {
        live: false,
        items: vec![item],
    }
    .to_json();
    for body in [
        // Not events: still the envelope's own errors.
        r#"{"type": "ach.notificationOfChange"}"#.to_owned(),
        r#"{"data": {}}"#.to_owned(),
        r#"{"type": 5, "data": {}}"#.to_owned(),
        r#"[{"type": "x", "data": {}}]"#.to_owned(),
        envelope
            .replacen('{', r#"{"type": "x", "data": {},"#, 1)
            .replace(r#""success":"true""#, r#""success":"maybe""#),
    ] {
        let recorder = Recorder::ok();
        let (status, text) = send(
            &layer,
            &recorder,
            request(&body, &[("authorization", AUTH)]),
        )
        .await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{body}: {text}");
        assert_eq!(recorder.calls(), 0);
    }
    // An envelope with a `type` beside it is still an envelope, verified item by item; one with
    // no items has nothing to hand over.
    let body = r#"{"type": "x", "data": {}, "notificationItems": []}"#;
    let recorder = Recorder::ok();
    let (status, _) = send(&layer, &recorder, request(body, &[("authorization", AUTH)])).await;
    assert_eq!((status, recorder.calls()), (StatusCode::OK, 0));
    let body = envelope.replacen('{', r#"{"type": "x", "data": {},"#, 1);
    let recorder = Recorder::ok();
    let (status, _) = send(
        &layer,
        &recorder,
        request(&body, &[("authorization", AUTH)]),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let seen = recorder.last();
    assert_eq!(seen.notifications.unwrap().len(), 1);
    assert!(seen.unsigned.is_none() && seen.signed.is_none());
}
