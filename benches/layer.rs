//! The whole layer, one request at a time through `tower::ServiceExt::oneshot`, with an inner
//! service that only reads the notifications: buffering, parsing, verifying, the extensions and
//! the `[accepted]` acknowledgement.
//!
//! - `workload`: every valid request of the workload, each through a layer holding its key; one
//!   iteration is one pass, the throughput is in items (compare with `workload/floor` in the
//!   `verify` bench).
//! - `one_item`, `six_items`: single bodies of one and six workload items signed with one key,
//!   beside `floor_one_item` and `floor_six_items`, the floor for the same bytes.
//! - `header/layer`: the header-signed layer (`VerifyWebhook::hmac_header`: the `HmacSignature`
//!   header over the raw bytes, then the body parsed into a `serde_json::Value` for
//!   `SignedWebhook`) on every body of the header-signed workload (`common::header_signed_bodies`:
//!   Adyen's spec examples and its libraries' test bodies), beside `header/floor`, one
//!   HMAC-SHA256 over each body from a precomputed key state plus serde_json into `IgnoredAny`.
//!   Every verdict is checked first: each body is accepted, and refused once tampered with and
//!   once with another body's signature.

mod common;

use std::convert::Infallible;
use std::future::{ready, Ready};
use std::hint::black_box;
use std::task::{Context, Poll};

use axum::{routing::post, Extension, Router};
use bytes::Bytes;
use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use futures_util::FutureExt;
use hmac::{Hmac, KeyInit, Mac};
use http::{header::CONTENT_LENGTH, Request, Response, StatusCode};
use http_body_util::Full;
use serde::de::IgnoredAny;
use sha2::Sha256;
use tower::{Service, ServiceExt};
use tower_adyen_webhook::{
    signing_string, HmacKey, NotificationRequest, Notifications, VerifyWebhook, VerifyWebhookLayer,
    WebhookBody,
};

/// The inner service: takes the notifications and succeeds.
#[derive(Clone, Copy)]
struct Handler;

impl Service<Request<WebhookBody>> for Handler {
    type Response = Response<String>;
    type Error = Infallible;
    type Future = Ready<Result<Response<String>, Infallible>>;

    fn poll_ready(&mut self, _cx: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, req: Request<WebhookBody>) -> Self::Future {
        black_box(req.extensions().get::<Notifications>().map(|n| n.len()));
        ready(Ok(Response::new(String::new())))
    }
}

fn request(body: &Bytes) -> Request<Full<Bytes>> {
    Request::post("/webhook")
        .header(CONTENT_LENGTH, body.len())
        .body(Full::new(body.clone()))
        .expect("a valid request")
}

fn service(key: HmacKey) -> VerifyWebhook<Handler> {
    VerifyWebhook::notifications(Handler, key)
}

/// One request through a fresh clone of `service`, as a server calls it.
fn call(service: &VerifyWebhook<Handler>, body: &Bytes) {
    let response = service
        .clone()
        .oneshot(request(body))
        .now_or_never()
        .expect("nothing to wait for")
        .expect("infallible");
    assert_eq!(response.status(), StatusCode::OK);
    black_box(response);
}

/// The floor for one body signed with [`common::KEY`].
fn floor(body: &Bytes, mac: &Hmac<Sha256>, signing_strings: &[String]) {
    let _: IgnoredAny = serde_json::from_slice(body).expect("JSON");
    for signing_string in signing_strings {
        black_box(
            mac.clone()
                .chain_update(signing_string.as_bytes())
                .finalize(),
        );
    }
}

fn benches(c: &mut Criterion) {
    let cases = common::valid_cases();
    let items = common::item_count(&cases);
    let services: Vec<_> = cases
        .iter()
        .map(|case| {
            (
                service(case.key_hex.parse().expect("a valid key")),
                &case.body,
            )
        })
        .collect();

    let mut group = c.benchmark_group("layer");
    group.throughput(Throughput::Elements(items as u64));
    group.bench_function("workload", |b| {
        b.iter(|| {
            for (service, body) in &services {
                call(service, body);
            }
        })
    });

    let key: HmacKey = common::KEY.parse().expect("a valid key");
    let mac = Hmac::<Sha256>::new_from_slice(&common::key_bytes(common::KEY)).expect("any length");
    let service = service(key);
    for (name, n) in [("one_item", 1), ("six_items", 6)] {
        let body = common::body_of_items(&cases, n);
        let signing_strings: Vec<_> = NotificationRequest::from_slice(&body)
            .expect("parses")
            .items
            .iter()
            .map(signing_string)
            .collect();
        group.throughput(Throughput::Elements(n as u64));
        group.bench_function(name, |b| b.iter(|| call(&service, &body)));
        group.bench_function(format!("floor_{name}"), |b| {
            b.iter(|| floor(&body, &mac, &signing_strings))
        });
    }

    // The same bodies through an axum router, with the layer and without it (the handler then
    // only reads the body): what the layer adds to a real server, short of the network.
    let bodies: Vec<_> = (0..cases.len())
        .map(|i| common::resigned_body(&cases[i]))
        .collect();
    let key: HmacKey = common::KEY.parse().expect("a valid key");
    let bare = Router::new().route(
        "/webhook",
        post(|body: Bytes| async move {
            black_box(body.len());
            "[accepted]"
        }),
    );
    let layered = Router::new()
        .route(
            "/webhook",
            post(|Extension(n): Extension<Notifications>| async move {
                black_box(n.len());
                StatusCode::OK
            }),
        )
        .layer(VerifyWebhookLayer::notifications(key));
    group.throughput(Throughput::Elements(items as u64));
    for (name, router) in [("axum_bare", bare), ("axum_layered", layered)] {
        group.bench_function(name, |b| {
            b.iter(|| {
                for body in &bodies {
                    let request = Request::post("/webhook")
                        .header(CONTENT_LENGTH, body.len())
                        .body(axum::body::Body::from(body.clone()))
                        .expect("a valid request");
                    let response = router
                        .clone()
                        .oneshot(request)
                        .now_or_never()
                        .expect("ready")
                        .expect("infallible");
                    assert_eq!(response.status(), StatusCode::OK);
                }
            })
        });
    }
    group.finish();
    header_signed(c);
}

/// The header-signed layer and its floor; see the module docs.
fn header_signed(c: &mut Criterion) {
    let cases = common::header_signed_bodies();
    let prepared: Vec<_> = cases
        .iter()
        .map(|case| {
            let key: HmacKey = case.key_hex.parse().expect("a valid key");
            let mac = Hmac::<Sha256>::new_from_slice(&common::key_bytes(&case.key_hex))
                .expect("any length");
            (VerifyWebhook::hmac_header(Handler, key), case, mac)
        })
        .collect();
    let status = |service: &VerifyWebhook<Handler>, body: &Bytes, signature: &str| {
        header_call(service, body, signature).status()
    };
    for (i, (service, case, _)) in prepared.iter().enumerate() {
        assert_eq!(
            status(service, &case.body, &case.signature),
            StatusCode::OK,
            "{}",
            case.name
        );
        let mut tampered = case.body.to_vec();
        tampered.push(b' ');
        let tampered = Bytes::from(tampered);
        assert_eq!(
            status(service, &tampered, &case.signature),
            StatusCode::UNAUTHORIZED,
            "{}, tampered",
            case.name
        );
        let other = &cases[(i + 1) % cases.len()].signature;
        assert_eq!(
            status(service, &case.body, other),
            StatusCode::UNAUTHORIZED,
            "{}, another body's signature",
            case.name
        );
    }

    let mut group = c.benchmark_group("header");
    group.throughput(Throughput::Elements(cases.len() as u64));
    group.bench_function("layer", |b| {
        b.iter(|| {
            for (service, case, _) in &prepared {
                let response = header_call(service, &case.body, &case.signature);
                assert_eq!(response.status(), StatusCode::OK);
                black_box(response);
            }
        })
    });
    group.bench_function("floor", |b| {
        b.iter(|| {
            for (_, case, mac) in &prepared {
                let _: IgnoredAny = serde_json::from_slice(&case.body).expect("JSON");
                black_box(mac.clone().chain_update(&case.body).finalize());
            }
        })
    });
    group.finish();
}

/// One header-signed request through a fresh clone of `service`.
fn header_call(
    service: &VerifyWebhook<Handler>,
    body: &Bytes,
    signature: &str,
) -> Response<tower_adyen_webhook::ResponseBody<String>> {
    let request = Request::post("/webhook")
        .header(CONTENT_LENGTH, body.len())
        .header("HmacSignature", signature)
        .body(Full::new(body.clone()))
        .expect("a valid request");
    service
        .clone()
        .oneshot(request)
        .now_or_never()
        .expect("nothing to wait for")
        .expect("infallible")
}

criterion_group!(layer, benches);
criterion_main!(layer);
