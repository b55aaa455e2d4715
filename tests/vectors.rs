//! Agreement with Adyen's official libraries: every shared vector, through the public API.

mod common;

use common::{read, str_field, vectors, Recorder};
use http::{Request, StatusCode};
use serde_json::Value;
use tower::ServiceExt;
use tower_adyen_webhook::{
    signing_string, Amount, HmacKey, HmacKeys, NotificationRequestItem, Policy, VerifyWebhookLayer,
};
use tower_layer::Layer;

/// Rebuilds an item from a signing string. Only `merchantReference` may hold colons in these
/// vectors, so the first three and the last four parts are unambiguous.
fn item_from_signing_string(s: &str) -> NotificationRequestItem {
    let head: Vec<&str> = s.splitn(4, ':').collect();
    let tail: Vec<&str> = head[3].rsplitn(5, ':').collect();
    let (success, event_code, currency, value, merchant_reference) =
        (tail[0], tail[1], tail[2], tail[3], tail[4]);
    let mut item = NotificationRequestItem::new(head[0], event_code);
    item.original_reference = head[1].into();
    item.merchant_account_code = head[2].into();
    item.merchant_reference = merchant_reference.into();
    item.amount = Some(Amount::new(value.parse().unwrap(), currency));
    item.success = match success {
        "true" => true,
        "false" => false,
        other => panic!("success {other:?}"),
    };
    item
}

#[test]
fn library_signing_strings() {
    for vector in vectors("library-signing-strings.jsonl") {
        let name = str_field(&vector, "name");
        let key: HmacKey = str_field(&vector, "key").parse().unwrap();
        let expected_string = str_field(&vector, "signing_string");
        let signature = str_field(&vector, "signature");

        // The MAC itself, over the exact string.
        assert_eq!(key.sign(expected_string.as_bytes()), signature, "{name}");

        // And the signing string built from an item's fields, as verification builds it.
        let mut item = item_from_signing_string(expected_string);
        assert_eq!(signing_string(&item), expected_string, "{name}");
        assert_eq!(key.sign_item(&item), signature, "{name}");
        item.additional_data.insert("hmacSignature", signature);
        let keys = HmacKeys::new(key);
        assert!(keys.verify_item(&item).is_ok(), "{name}");
        item.merchant_reference = format!("{}x", item.merchant_reference).into();
        assert!(keys.verify_item(&item).is_err(), "{name}: tampered");
    }
}

/// The `(pspReference, eventCode)` of each item of a body, read without this crate's parser.
fn raw_items(body: &str) -> Vec<(String, String, Value)> {
    let json: Value = serde_json::from_str(body).unwrap();
    json["notificationItems"]
        .as_array()
        .unwrap()
        .iter()
        .map(|wrapper| {
            let item = &wrapper["NotificationRequestItem"];
            (
                item["pspReference"].as_str().unwrap_or("").to_owned(),
                item["eventCode"].as_str().unwrap_or("").to_owned(),
                item["amount"].clone(),
            )
        })
        .collect()
}

fn handed_over(item: &NotificationRequestItem) -> (String, String, Value) {
    let amount = item.amount.as_ref().map_or(
        Value::Null,
        |a| serde_json::json!({"currency": a.currency, "value": a.value}),
    );
    (
        item.psp_reference.to_string(),
        item.event_code.as_str().to_owned(),
        amount,
    )
}

async fn post(layer: &VerifyWebhookLayer, recorder: &Recorder, body: &str) -> (StatusCode, String) {
    let request = Request::post("/webhooks")
        .header("content-type", "application/json")
        .body(body.to_owned())
        .unwrap();
    let response = layer
        .layer(recorder.clone())
        .oneshot(request)
        .await
        .unwrap();
    read(response).await
}

#[tokio::test]
async fn notifications_under_the_default_policy() {
    let (mut accepted, mut rejected) = (0, 0);
    for vector in vectors("notifications.jsonl") {
        let name = str_field(&vector, "name");
        let body = str_field(&vector, "body");
        let key: HmacKey = str_field(&vector, "key").parse().unwrap();
        let layer = VerifyWebhookLayer::notifications(key);
        let recorder = Recorder::ok();
        let (status, ack) = post(&layer, &recorder, body).await;

        if vector["valid"].as_bool().unwrap() {
            accepted += 1;
            assert_eq!(
                (status, ack.as_str()),
                (StatusCode::OK, "[accepted]"),
                "{name}"
            );
            assert_eq!(recorder.calls(), 1, "{name}");
            let seen = recorder.last();
            let notifications = seen.notifications.expect("Notifications extension");
            let handed: Vec<_> = notifications.iter().map(handed_over).collect();
            assert_eq!(
                handed,
                raw_items(body),
                "{name}: exactly its items, in order"
            );
            assert!(seen.rejected.unwrap().is_empty(), "{name}");
            assert_eq!(
                seen.body,
                body.as_bytes(),
                "{name}: the body stays readable"
            );
        } else {
            rejected += 1;
            assert_eq!(status, StatusCode::UNAUTHORIZED, "{name}: {ack}");
            assert_eq!(
                recorder.calls(),
                0,
                "{name}: an invalid request never reaches the handler"
            );
        }
    }
    assert!(accepted > 0 && rejected > 0, "the vectors hold both kinds");
}

#[tokio::test]
async fn notifications_under_the_forward_verified_policy() {
    for vector in vectors("notifications.jsonl") {
        let name = str_field(&vector, "name");
        let body = str_field(&vector, "body");
        let key: HmacKey = str_field(&vector, "key").parse().unwrap();
        let items_valid: Vec<bool> = vector["items_valid"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_bool().unwrap())
            .collect();
        let layer = VerifyWebhookLayer::notifications(key).policy(Policy::ForwardVerified);
        let recorder = Recorder::ok();
        let (status, _) = post(&layer, &recorder, body).await;

        let all = raw_items(body);
        assert_eq!(all.len(), items_valid.len(), "{name}");
        let expected: Vec<_> = all
            .iter()
            .zip(&items_valid)
            .filter(|(_, valid)| **valid)
            .map(|(item, _)| item.clone())
            .collect();
        if expected.is_empty() {
            assert_eq!(status, StatusCode::UNAUTHORIZED, "{name}");
            assert_eq!(recorder.calls(), 0, "{name}");
            continue;
        }
        assert_eq!(status, StatusCode::OK, "{name}");
        let seen = recorder.last();
        let handed: Vec<_> = seen
            .notifications
            .unwrap()
            .iter()
            .map(handed_over)
            .collect();
        assert_eq!(handed, expected, "{name}: only the valid items, in order");
        let rejected: Vec<usize> = seen.rejected.unwrap().iter().map(|r| r.index).collect();
        let expected_rejected: Vec<usize> = items_valid
            .iter()
            .enumerate()
            .filter(|(_, valid)| !**valid)
            .map(|(i, _)| i)
            .collect();
        assert_eq!(rejected, expected_rejected, "{name}");
    }
}

#[tokio::test]
async fn notifications_with_the_key_among_several() {
    // Rotation: the vector's key second, behind a key that signed none of them.
    for vector in vectors("notifications.jsonl") {
        let key: HmacKey = str_field(&vector, "key").parse().unwrap();
        let keys = HmacKeys::new(HmacKey::from_bytes(&[0x42; 32])).with(key);
        let recorder = Recorder::ok();
        let layer = VerifyWebhookLayer::notifications(keys);
        let (status, _) = post(&layer, &recorder, str_field(&vector, "body")).await;
        let expected = if vector["valid"].as_bool().unwrap() {
            StatusCode::OK
        } else {
            StatusCode::UNAUTHORIZED
        };
        assert_eq!(status, expected, "{}", str_field(&vector, "name"));
    }
}

async fn post_header_signed(vector: &Value) -> (StatusCode, Recorder) {
    let key: HmacKey = str_field(vector, "key").parse().unwrap();
    let body = str_field(vector, "body");
    let mut request = Request::post("/balance-platform").header("content-type", "application/json");
    if let Some(signature) = vector["signature"].as_str() {
        request = request.header("HmacSignature", signature);
    }
    let recorder = Recorder::ok();
    let service = VerifyWebhookLayer::hmac_header(key).layer(recorder.clone());
    let response = service
        .oneshot(request.body(body.to_owned()).unwrap())
        .await
        .unwrap();
    (response.status(), recorder)
}

#[tokio::test]
async fn header_signed_vectors() {
    for file in ["header-signed.jsonl", "library-header-signed.jsonl"] {
        for vector in vectors(file) {
            let name = str_field(&vector, "name");
            let (status, recorder) = post_header_signed(&vector).await;
            if vector["valid"].as_bool().unwrap() {
                assert_eq!(status, StatusCode::OK, "{file} {name}");
                let signed = recorder.last().signed.expect("SignedWebhook extension");
                assert_eq!(
                    signed.body(),
                    str_field(&vector, "body").as_bytes(),
                    "{name}"
                );
                let json: Value = serde_json::from_str(str_field(&vector, "body")).unwrap();
                assert_eq!(signed.json(), &json, "{name}");
                assert_eq!(signed.webhook_type(), json["type"].as_str(), "{name}");
                assert_eq!(signed.environment(), json["environment"].as_str(), "{name}");
            } else {
                assert_eq!(status, StatusCode::UNAUTHORIZED, "{file} {name}");
                assert_eq!(recorder.calls(), 0, "{file} {name}");
            }
        }
    }
}
