//! What the layer tells an application: one verdict a request through the callback, when each
//! key last verified something, and (with the `metrics` feature) the counters.

mod common;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use common::{Endless, Frames, Recorder};
use http::{Request, StatusCode};
use tower::ServiceExt;
use tower_adyen_webhook::{
    HmacKey, HmacKeys, NotificationRequest, NotificationRequestItem, Outcome, Policy,
    VerifyWebhookLayer,
};
use tower_layer::Layer;

const NEW: &str = "00727DB817A85C8503AD29EAD1523DB869AF0E536893BB3046C92DE7CB045CB1";
const OLD: &str = "DFB1EB5485895CFA84146406857104ABB4CBCABDC8AAF103A624C8F6A3EAAB00";
const AUTH: &str = "Basic YWR5ZW46c2VjcmV0"; // adyen:secret

fn key(hex: &str) -> HmacKey {
    hex.parse().unwrap()
}

fn keys() -> HmacKeys {
    HmacKeys::new(key(NEW)).with(key(OLD))
}

fn body(signers: &[Option<&str>]) -> String {
    let items = signers
        .iter()
        .enumerate()
        .map(|(n, signer)| {
            let mut item = NotificationRequestItem::new(format!("PSP{n}"), "AUTHORISATION");
            if let Some(hex) = signer {
                key(hex).sign_item_in_place(&mut item);
            }
            item
        })
        .collect();
    NotificationRequest { live: false, items }.to_json()
}

#[derive(Debug, PartialEq)]
struct Seen {
    outcome: Outcome,
    reason: Option<&'static str>,
    items: usize,
    rejected_items: usize,
    kcv: Option<String>,
}

type Log = Arc<Mutex<Vec<(Seen, Duration)>>>;

fn observed(layer: VerifyWebhookLayer) -> (VerifyWebhookLayer, Log) {
    let log = Log::default();
    let record = log.clone();
    let layer = layer.on_verdict(move |v| {
        let seen = Seen {
            outcome: v.outcome,
            reason: v.reason,
            items: v.items,
            rejected_items: v.rejected_items,
            kcv: v.kcv.map(str::to_owned),
        };
        record.lock().unwrap().push((seen, v.elapsed));
    });
    (layer, log)
}

fn seen(
    outcome: Outcome,
    reason: Option<&'static str>,
    items: usize,
    rejected: usize,
    kcv: Option<&str>,
) -> Seen {
    Seen {
        outcome,
        reason,
        items,
        rejected_items: rejected,
        kcv: kcv.map(str::to_owned),
    }
}

async fn send<B>(layer: &VerifyWebhookLayer, recorder: &Recorder, request: Request<B>) -> StatusCode
where
    B: http_body::Body + Send + 'static,
    B::Error: Into<Box<dyn std::error::Error + Send + Sync>>,
{
    layer
        .layer(recorder.clone())
        .oneshot(request)
        .await
        .unwrap()
        .status()
}

fn post(body: impl Into<String>) -> Request<String> {
    Request::post("/")
        .header("authorization", AUTH)
        .body(body.into())
        .unwrap()
}

#[tokio::test]
async fn every_request_gets_one_verdict_that_says_what_became_of_it() {
    let kcv_new = key(NEW).check_value().to_owned();
    let kcv_old = key(OLD).check_value().to_owned();
    let (layer, log) = observed(
        VerifyWebhookLayer::notifications(keys())
            .basic_auth("adyen", "secret")
            .max_items(3),
    );
    let ok = Recorder::ok();
    let failing = Recorder::new(StatusCode::INTERNAL_SERVER_ERROR);

    let cases: Vec<(Request<String>, &Recorder, StatusCode, Seen)> = vec![
        (
            post(body(&[Some(NEW)])),
            &ok,
            StatusCode::OK,
            seen(Outcome::Accepted, None, 1, 0, Some(&kcv_new)),
        ),
        (
            post(body(&[Some(OLD), Some(NEW)])),
            &ok,
            StatusCode::OK,
            seen(Outcome::Accepted, None, 2, 0, Some(&kcv_old)),
        ),
        (
            post(body(&[Some(NEW)])),
            &failing,
            StatusCode::INTERNAL_SERVER_ERROR,
            seen(Outcome::HandlerFailed, None, 1, 0, Some(&kcv_new)),
        ),
        (
            post(body(&[Some(NEW), None])),
            &ok,
            StatusCode::UNAUTHORIZED,
            seen(
                Outcome::Unauthorized,
                Some("missing_signature"),
                2,
                1,
                Some(&kcv_new),
            ),
        ),
        (
            post(body(&[Some(NEW)]).replace("PSP0", "PSP9")),
            &ok,
            StatusCode::UNAUTHORIZED,
            seen(
                Outcome::Unauthorized,
                Some("signature_mismatch"),
                1,
                1,
                None,
            ),
        ),
        (
            Request::post("/").body(body(&[Some(NEW)])).unwrap(),
            &ok,
            StatusCode::UNAUTHORIZED,
            seen(Outcome::Unauthorized, Some("basic_auth"), 0, 0, None),
        ),
        (
            post(r#"{"type": "ach.notificationOfChange", "data": {}}"#),
            &ok,
            StatusCode::UNAUTHORIZED,
            seen(Outcome::Unauthorized, Some("unsigned_event"), 0, 0, None),
        ),
        (
            post("not json"),
            &ok,
            StatusCode::BAD_REQUEST,
            seen(Outcome::BadRequest, Some("malformed_body"), 0, 0, None),
        ),
        (
            post(body(&[Some(NEW); 4])),
            &ok,
            StatusCode::PAYLOAD_TOO_LARGE,
            seen(Outcome::TooLarge, Some("too_many_items"), 4, 0, None),
        ),
        (
            post(r#"{"notificationItems": []}"#),
            &ok,
            StatusCode::OK,
            seen(Outcome::NothingToHandOver, None, 0, 0, None),
        ),
    ];
    for (n, (request, recorder, status, expected)) in cases.into_iter().enumerate() {
        assert_eq!(send(&layer, recorder, request).await, status, "case {n}");
        let (got, _) = log
            .lock()
            .unwrap()
            .pop()
            .unwrap_or_else(|| panic!("case {n}: no verdict"));
        assert_eq!(got, expected, "case {n}");
        assert!(
            log.lock().unwrap().is_empty(),
            "case {n}: one verdict a request"
        );
    }

    // Over the body limit, declared or streamed, and a body that fails.
    let small = layer.clone().max_body_bytes(10);
    let declared = Request::post("/")
        .header("authorization", AUTH)
        .header("content-length", "11")
        .body(Endless)
        .unwrap();
    assert_eq!(
        send(&small, &ok, declared).await,
        StatusCode::PAYLOAD_TOO_LARGE
    );
    let streamed = Request::post("/")
        .header("authorization", AUTH)
        .body(Frames::split(&[b'x'; 20], 4))
        .unwrap();
    assert_eq!(
        send(&small, &ok, streamed).await,
        StatusCode::PAYLOAD_TOO_LARGE
    );
    let failed = Request::post("/")
        .header("authorization", AUTH)
        .body(Frames::new(["{"]).failing())
        .unwrap();
    assert_eq!(send(&layer, &ok, failed).await, StatusCode::BAD_REQUEST);
    let tail: Vec<_> = log
        .lock()
        .unwrap()
        .drain(..)
        .map(|(seen, _)| seen)
        .collect();
    assert_eq!(
        tail,
        [
            seen(Outcome::TooLarge, Some("body_too_large"), 0, 0, None),
            seen(Outcome::TooLarge, Some("body_too_large"), 0, 0, None),
            seen(Outcome::BadRequest, Some("body_failed"), 0, 0, None),
        ]
    );

    // Forwarded despite a rejected item: accepted, and the count says one was left out.
    let (forward, log) =
        observed(VerifyWebhookLayer::notifications(keys()).policy(Policy::ForwardVerified));
    assert_eq!(
        send(&forward, &ok, post(body(&[None, Some(NEW)]))).await,
        StatusCode::OK
    );
    let (got, elapsed) = log.lock().unwrap().pop().unwrap();
    assert_eq!(got, seen(Outcome::Accepted, None, 2, 1, Some(&kcv_new)));
    assert!(elapsed > Duration::ZERO);
}

#[tokio::test]
async fn header_signed_verdicts_name_their_key_or_their_reason() {
    let (layer, log) = observed(VerifyWebhookLayer::hmac_header(keys()));
    let ok = Recorder::ok();
    let body = r#"{"type": "balancePlatform.accountHolder.created", "data": {}}"#;
    let signed = |hex: &str, body: &str| {
        Request::post("/")
            .header("HmacSignature", key(hex).sign(body.as_bytes()))
            .body(body.to_owned())
            .unwrap()
    };
    assert_eq!(send(&layer, &ok, signed(OLD, body)).await, StatusCode::OK);
    assert_eq!(
        send(&layer, &ok, signed(NEW, "not json")).await,
        StatusCode::BAD_REQUEST
    );
    let forged = Request::post("/")
        .header("HmacSignature", key(NEW).sign(b"other"))
        .body(body.to_owned())
        .unwrap();
    assert_eq!(send(&layer, &ok, forged).await, StatusCode::UNAUTHORIZED);
    let unsigned = Request::post("/").body(body.to_owned()).unwrap();
    assert_eq!(send(&layer, &ok, unsigned).await, StatusCode::UNAUTHORIZED);
    let twice = Request::post("/")
        .header("HmacSignature", "a")
        .header("HmacSignature", "b")
        .body(body.to_owned())
        .unwrap();
    assert_eq!(send(&layer, &ok, twice).await, StatusCode::UNAUTHORIZED);
    let got: Vec<_> = log
        .lock()
        .unwrap()
        .drain(..)
        .map(|(seen, _)| seen)
        .collect();
    assert_eq!(
        got,
        [
            seen(Outcome::Accepted, None, 0, 0, Some(key(OLD).check_value())),
            seen(
                Outcome::BadRequest,
                Some("malformed_body"),
                0,
                0,
                Some(key(NEW).check_value())
            ),
            seen(
                Outcome::Unauthorized,
                Some("signature_mismatch"),
                0,
                0,
                None
            ),
            seen(Outcome::Unauthorized, Some("missing_signature"), 0, 0, None),
            seen(
                Outcome::Unauthorized,
                Some("several_signatures"),
                0,
                0,
                None
            ),
        ]
    );
}

#[tokio::test]
async fn key_usage_follows_what_each_key_verified() {
    let layer = VerifyWebhookLayer::notifications(keys());
    let usage = layer.key_usage();
    let clone = layer.clone().max_items(5).key_usage(); // the same times, whatever the clone
    let ok = Recorder::ok();
    let never = |usage: &tower_adyen_webhook::KeyUsage| -> Vec<bool> {
        usage
            .iter()
            .map(|key| key.last_verified.is_none())
            .collect()
    };
    assert_eq!(never(&usage), [true, true]);

    // An item the new key verifies is a use of it, even in a request refused for another item;
    // a forged item is no use of any key.
    send(&layer, &ok, post(body(&[Some(NEW), None]))).await;
    send(
        &layer,
        &ok,
        post(body(&[Some(OLD)]).replace("PSP0", "PSP1")),
    )
    .await;
    let touched = never(&usage);
    assert!(
        !touched[0],
        "an item verified by the new key is a use of it"
    );
    assert!(touched[1], "a forged item is no use of the old key");

    let before = std::time::SystemTime::now() - Duration::from_secs(1);
    send(&layer, &ok, post(body(&[Some(OLD)]))).await;
    assert_eq!(never(&clone), [false, false]);
    let old = usage.iter().nth(1).unwrap();
    assert_eq!(old.kcv, key(OLD).check_value());
    assert_eq!(old.index, 1);
    assert!(old.last_verified.unwrap() >= before);
}

#[cfg(feature = "metrics")]
#[test]
fn metrics_count_requests_items_and_keys() {
    use metrics_util::debugging::{DebugValue, DebuggingRecorder};
    use metrics_util::MetricKind;

    let recorder = DebuggingRecorder::new();
    let snapshotter = recorder.snapshotter();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    metrics::with_local_recorder(&recorder, || {
        runtime.block_on(async {
            let layer = VerifyWebhookLayer::notifications(keys()).policy(Policy::ForwardVerified);
            let ok = Recorder::ok();
            send(&layer, &ok, post(body(&[Some(NEW), Some(OLD), Some(NEW)]))).await;
            send(&layer, &ok, post(body(&[Some(OLD), None]))).await;
            send(&layer, &ok, post(body(&[None]))).await;
            send(&layer, &ok, post("[]")).await;
        })
    });

    let mut counters = std::collections::BTreeMap::new();
    let mut histograms = 0;
    for (key, _, _, value) in snapshotter.snapshot().into_vec() {
        let (kind, key) = key.into_parts();
        let labels: Vec<String> = key
            .labels()
            .map(|l| format!("{}={}", l.key(), l.value()))
            .collect();
        let name = format!("{}{{{}}}", key.name(), labels.join(","));
        match (kind, value) {
            (MetricKind::Counter, DebugValue::Counter(n)) => {
                counters.insert(name, n);
            }
            (MetricKind::Histogram, DebugValue::Histogram(values)) => histograms += values.len(),
            other => panic!("unexpected {name}: {other:?}"),
        }
    }
    let expected: std::collections::BTreeMap<String, u64> = [
        ("adyen_webhook_requests_total{outcome=accepted,reason=,kind=notifications}", 2),
        ("adyen_webhook_requests_total{outcome=unauthorized,reason=missing_signature,kind=notifications}", 1),
        ("adyen_webhook_requests_total{outcome=bad_request,reason=malformed_body,kind=notifications}", 1),
        ("adyen_webhook_items_total{verdict=verified,reason=}", 4),
        ("adyen_webhook_items_total{verdict=rejected,reason=missing_signature}", 2),
        ("adyen_webhook_verified_total{kcv=9540DA}", 2),
        (&*format!("adyen_webhook_verified_total{{kcv={}}}", key(OLD).check_value()), 2),
    ]
    .into_iter()
    .map(|(name, n)| (name.to_owned(), n))
    .collect();
    assert_eq!(counters, expected);
    assert_eq!(histograms, 4, "one duration a request");
}

#[cfg(feature = "metrics")]
#[test]
fn a_request_without_a_verified_item_counts_none() {
    use metrics_util::debugging::{DebugValue, DebuggingRecorder};

    let recorder = DebuggingRecorder::new();
    let snapshotter = recorder.snapshotter();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    metrics::with_local_recorder(&recorder, || {
        runtime.block_on(async {
            let layer = VerifyWebhookLayer::notifications(keys()).policy(Policy::ForwardVerified);
            send(&layer, &Recorder::ok(), post(body(&[None, None]))).await;
        })
    });
    let items: Vec<(String, u64)> = snapshotter
        .snapshot()
        .into_vec()
        .into_iter()
        .filter(|(key, ..)| key.key().name() == "adyen_webhook_items_total")
        .map(|(key, _, _, value)| {
            let labels: Vec<String> = key
                .key()
                .labels()
                .map(|l| format!("{}={}", l.key(), l.value()))
                .collect();
            let DebugValue::Counter(n) = value else {
                panic!("{labels:?} is not a counter")
            };
            (labels.join(","), n)
        })
        .collect();
    // No `verdict=verified` series at 0: a series appears once something was verified.
    assert_eq!(
        items,
        [("verdict=rejected,reason=missing_signature".to_owned(), 2)]
    );
}
