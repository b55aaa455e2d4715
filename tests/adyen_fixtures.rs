//! Every body Adyen's own material holds, through the layer: the webhook fixtures of the test
//! suites of Adyen's seven official libraries and the examples of every revision of Adyen's
//! OpenAPI specs, collected with their provenance in `tests/data/adyen/` (see its README.md and
//! FINDINGS.md). A body Adyen's libraries accept must never be a `400`: a `400` is never
//! acknowledged, and Adyen retries it for 30 days.
//!
//! Standard bodies are re-signed with a test key (their own signatures are mostly placeholders)
//! and sent as they are, text unchanged but for the signature; tampered copies must fail. Where a
//! library's test gives a key and a verdict, the body is checked as it is, against that verdict.
//! Header-signed bodies are signed over their exact bytes.

mod common;

use common::{read, Recorder};
use http::{Request, StatusCode};
use serde_json::Value;
use tower::ServiceExt;
use tower_adyen_webhook::{
    signing_string, HmacKey, HmacKeys, NotificationRequest, VerifyWebhookLayer,
};
use tower_layer::Layer;

const TEST_KEY: &str = "44782DEF547AAA06C910C43932B1EB0C71FC68D9D0C057550C48EC2ACF6BA056";

/// Refused on purpose, with the libraries that refuse it too (FINDINGS.md).
const REFUSED: &[(&str, &str)] = &[(
    "dotnet-hmacvalidatortest-l109",
    "single-quoted pseudo-JSON: only Newtonsoft reads it; Java's Gson is lenient too, but Node, \
     Python, Go, PHP, Ruby and System.Text.Json refuse it",
)];

fn rows(file: &str) -> Vec<Value> {
    let path = format!("{}/tests/data/adyen/{file}", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    let rows: Vec<Value> = text
        .lines()
        .map(|line| serde_json::from_str(line).expect("a JSON line"))
        .collect();
    assert!(rows.len() > 10, "{path}: {} rows", rows.len());
    for row in &rows {
        for field in ["name", "repo", "path", "commit", "body"] {
            assert!(row[field].is_string(), "{path}: {field} missing in {row}");
        }
        assert_eq!(row["commit"].as_str().unwrap().len(), 40, "{row}");
    }
    rows
}

fn field<'a>(row: &'a Value, name: &str) -> &'a str {
    row[name].as_str().unwrap_or_default()
}

fn test_key() -> HmacKey {
    TEST_KEY.parse().unwrap()
}

async fn send(
    layer: &VerifyWebhookLayer,
    request: Request<String>,
) -> (StatusCode, String, Recorder) {
    let recorder = Recorder::ok();
    let response = layer
        .layer(recorder.clone())
        .oneshot(request)
        .await
        .unwrap();
    let (status, text) = read(response).await;
    (status, text, recorder)
}

fn post(body: impl Into<String>) -> Request<String> {
    Request::post("/").body(body.into()).unwrap()
}

/// The signing string of an item, read from its JSON by `ADYEN.md`'s rules, independently of the
/// crate: decoded strings, missing or `null` as empty, integers in decimal, strings of digits
/// and booleans as their text.
fn expected_signing_string(item: &Value) -> String {
    fn text(value: Option<&Value>) -> String {
        match value {
            None | Some(Value::Null) => String::new(),
            Some(Value::String(s)) => s.clone(),
            Some(other) => other.to_string(),
        }
    }
    let amount = item.get("amount").filter(|a| !a.is_null());
    [
        text(item.get("pspReference")),
        text(item.get("originalReference")),
        text(item.get("merchantAccountCode")),
        text(item.get("merchantReference")),
        text(amount.and_then(|a| a.get("value"))),
        text(amount.and_then(|a| a.get("currency"))),
        text(item.get("eventCode")),
        text(item.get("success")),
    ]
    .join(":")
}

/// Signs every item of an envelope in its JSON, leaving everything else as it was.
fn resign(envelope: &mut Value, key: &HmacKey) {
    let parsed = NotificationRequest::from_slice(envelope.to_string().as_bytes()).unwrap();
    let items = envelope["notificationItems"].as_array_mut().unwrap();
    for (item, parsed) in items.iter_mut().zip(&parsed.items) {
        let item = &mut item["NotificationRequestItem"];
        if !item["additionalData"].is_object() {
            item["additionalData"] = serde_json::json!({});
        }
        item["additionalData"]["hmacSignature"] = key.sign_item(parsed).into();
    }
}

#[tokio::test]
async fn every_standard_envelope_is_accepted_and_verified() {
    let layer = VerifyWebhookLayer::notifications(test_key());
    let mut checked = 0;
    for row in rows("standard.jsonl")
        .iter()
        .filter(|r| field(r, "shape") == "envelope")
    {
        let name = field(row, "name");
        let body = field(row, "body");
        let request = NotificationRequest::from_slice(body.as_bytes())
            .unwrap_or_else(|e| panic!("{name}: refused: {e}"));
        let mut json: Value = serde_json::from_str(body).unwrap();
        let sent = json["notificationItems"].as_array().unwrap().clone();
        assert_eq!(request.items.len(), sent.len(), "{name}");
        for (item, sent) in request.items.iter().zip(&sent) {
            let sent = &sent["NotificationRequestItem"];
            assert_eq!(
                signing_string(item),
                expected_signing_string(sent),
                "{name}"
            );
        }

        resign(&mut json, &test_key());
        let resigned = json.to_string();
        let (status, text, recorder) = send(&layer, post(resigned.clone())).await;
        assert_eq!((status, &*text), (StatusCode::OK, "[accepted]"), "{name}");
        if sent.is_empty() {
            assert_eq!(recorder.calls(), 0, "{name}: nothing to hand over");
            continue;
        }
        let seen = recorder.last();
        let handed = seen.notifications.unwrap();
        let again = NotificationRequest::from_slice(resigned.as_bytes()).unwrap();
        assert_eq!(handed.items(), &again.items[..], "{name}");

        // Any signed field changed: refused.
        for (pointer, change) in [
            ("/pspReference", Value::from("tampered")),
            ("/merchantReference", Value::from("tampered")),
            ("/eventCode", Value::from("REFUND")),
        ] {
            let mut tampered = json.clone();
            let item = &mut tampered["notificationItems"][0]["NotificationRequestItem"];
            if item.pointer(pointer) == Some(&change) {
                continue;
            }
            item[&pointer[1..]] = change;
            let (status, _, recorder) = send(&layer, post(tampered.to_string())).await;
            assert_eq!(status, StatusCode::UNAUTHORIZED, "{name}: {pointer}");
            assert_eq!(recorder.calls(), 0);
        }
        // Signed with another key: refused.
        let other: HmacKey = TEST_KEY.replace('4', "5").parse().unwrap();
        let mut foreign = json.clone();
        resign(&mut foreign, &other);
        let (status, _, _) = send(&layer, post(foreign.to_string())).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "{name}");
        checked += 1;
    }
    assert!(checked >= 100, "{checked} envelopes");
}

/// What a library's own test asserts of a body it signs or verifies with its own key.
#[tokio::test]
async fn library_vectors_get_their_library_verdict() {
    let mut checked = 0;
    for row in rows("standard.jsonl")
        .iter()
        .filter(|r| r["key"].is_string())
    {
        let name = field(row, "name");
        let body = field(row, "body");
        let expect = field(row, "expect");
        if let Some((_, why)) = REFUSED.iter().find(|(refused, _)| *refused == name) {
            let (status, _, _) =
                send(&VerifyWebhookLayer::notifications(test_key()), post(body)).await;
            assert_eq!(
                status,
                StatusCode::BAD_REQUEST,
                "{name}: refused because {why}"
            );
            continue;
        }
        let key: HmacKey = field(row, "key").parse().unwrap();
        // The HMAC tests feed a bare item to the validator: sent as Adyen wraps it, text intact.
        let envelope = match field(row, "shape") {
            "item" => format!(
                r#"{{"live": "false", "notificationItems": [{{"NotificationRequestItem": {body}}}]}}"#
            ),
            _ => body.to_owned(),
        };
        let request = NotificationRequest::from_slice(envelope.as_bytes())
            .unwrap_or_else(|e| panic!("{name}: refused: {e}"));
        let item = &request.items[0];
        let (status, _, recorder) = send(
            &VerifyWebhookLayer::notifications(key.clone()),
            post(envelope.clone()),
        )
        .await;
        // ("signature computed, then valid": the library signs the item, then checks what it
        // signed; the signature it computed is compared below.)
        if expect.starts_with("valid") {
            assert_eq!(status, StatusCode::OK, "{name}: {expect}");
            assert_eq!(recorder.calls(), 1);
        } else if expect.contains("Missing hmacSignature") {
            assert_eq!(status, StatusCode::UNAUTHORIZED, "{name}: {expect}");
        } else if let Some(signing) = expect.strip_prefix("signing string ") {
            assert_eq!(signing_string(item), signing, "{name}");
        }
        if let Some(signature) = row["signature"].as_str() {
            // The signature the library's test computed for this item.
            assert_eq!(key.sign_item(item), signature, "{name}");
        }
        checked += 1;
    }
    assert!(checked >= 15, "{checked} library vectors");
}

#[tokio::test]
async fn type_data_events_are_verified_over_their_bytes_or_refused() {
    let layer = VerifyWebhookLayer::notifications(test_key());
    let mut checked = 0;
    for row in rows("standard.jsonl")
        .iter()
        .filter(|r| field(r, "shape") == "typed")
    {
        let name = field(row, "name");
        let body = field(row, "body");
        let (status, _, recorder) = send(&layer, post(body)).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "{name}: unsigned");
        assert_eq!(recorder.calls(), 0);

        let signature = test_key().sign(body.as_bytes());
        let request = Request::post("/")
            .header("HmacSignature", &signature)
            .body(body.to_owned())
            .unwrap();
        let (status, text, recorder) = send(&layer, request).await;
        assert_eq!((status, &*text), (StatusCode::OK, "[accepted]"), "{name}");
        let signed = recorder.last().signed.expect("a SignedWebhook");
        assert_eq!(signed.body(), body.as_bytes());
        assert!(
            signed
                .webhook_type()
                .unwrap()
                .ends_with("notificationOfChange"),
            "{name}"
        );

        let request = Request::post("/")
            .header("HmacSignature", &signature)
            .body(format!("{body} "))
            .unwrap();
        let (status, _, _) = send(&layer, request).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "{name}: tampered");
        checked += 1;
    }
    assert!(checked >= 7, "{checked} events");
}

#[tokio::test]
async fn header_signed_fixtures_and_spec_examples_verify_over_their_exact_bytes() {
    let layer = VerifyWebhookLayer::hmac_header(test_key());
    let mut checked = 0;
    let all = [
        rows("library-header-signed.jsonl"),
        rows("spec-header-signed.jsonl"),
    ];
    for row in all.into_iter().flatten() {
        let name = field(&row, "name");
        let body = field(&row, "body");
        let is_json = serde_json::from_str::<Value>(body).is_ok();
        let signed = |body: String, signature: &str| {
            Request::post("/")
                .header("HmacSignature", signature)
                .body(body)
                .unwrap()
        };
        let signature = test_key().sign(body.as_bytes());
        let (status, _, recorder) = send(&layer, signed(body.to_owned(), &signature)).await;
        if is_json {
            assert_eq!(status, StatusCode::OK, "{name}");
            assert_eq!(
                recorder.last().signed.unwrap().body(),
                body.as_bytes(),
                "{name}"
            );
        } else {
            // Authentic, but nothing a handler could read: Adyen sends JSON.
            assert_eq!(status, StatusCode::BAD_REQUEST, "{name}");
        }
        for tampered in [
            format!("{body}\n"),
            format!(" {body}"),
            body.replacen('"', "'", 1),
        ] {
            let (status, _, recorder) = send(&layer, signed(tampered, &signature)).await;
            assert_eq!(status, StatusCode::UNAUTHORIZED, "{name}");
            assert_eq!(recorder.calls(), 0);
        }
        // Where the library's test gives its key and signature: the same verdict here.
        if let (Some(key), Some(signature)) = (row["key"].as_str(), row["signature"].as_str()) {
            let keys: HmacKeys = key.parse().unwrap();
            assert!(
                keys.verify_bytes(body.as_bytes(), Some(signature.as_bytes()))
                    .is_ok(),
                "{name}: {}",
                field(&row, "expect")
            );
        }
        checked += 1;
    }
    assert!(checked >= 240, "{checked} header-signed bodies");
}
