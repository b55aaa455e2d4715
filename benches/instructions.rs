//! Instruction counts under callgrind (gungraun), for the regression guard
//! `benches/instructions/check.sh`: unlike wall-clock time, they do not move with the machine's
//! load, so a growth of a few percent is a change in the code, not noise.
//!
//! - `parse_verify::workload`: `NotificationRequest::from_slice` then `HmacKeys::verify_item` on
//!   every item of every valid request of the workload (`benches/common`), as `benches/verify.rs`
//!   times it; `parse_verify::one_item`: the same on a body of one item.
//! - `layer::one_item`: the whole layer through `oneshot` on that body: buffering, parsing,
//!   verifying, the extensions and the `[accepted]` response.
//! - `layer::header_signed`: the header-signed layer (`VerifyWebhook::hmac_header`) through
//!   `oneshot` on one of Adyen's spec examples with its `HmacSignature` header.
//! - `floor::*`: the floor of each of them (serde_json into `IgnoredAny` plus one HMAC-SHA256 per
//!   item, or over the body, from a precomputed key state), so that the counts read as ratios.
//!
//! Only the benchmark function is counted; building its input (the setup) is not. Run with
//! `cargo bench --bench instructions` and `gungraun-runner` of the same version as the `gungraun`
//! dev-dependency installed.

mod common;

use std::convert::Infallible;
use std::future::{ready, Ready};
use std::hint::black_box;
use std::task::{Context, Poll};

use bytes::Bytes;
use futures_util::FutureExt;
use gungraun::{library_benchmark, library_benchmark_group, main};
use hmac::{Hmac, KeyInit, Mac};
use http::{header::CONTENT_LENGTH, Request, Response, StatusCode};
use http_body_util::Full;
use serde::de::IgnoredAny;
use sha2::Sha256;
use tower::{Service, ServiceExt};
use tower_adyen_webhook::{
    signing_string, HmacKey, HmacKeys, NotificationRequest, Notifications, SignedWebhook,
    VerifyWebhook, WebhookBody,
};

/// Bodies with the keys that verify them.
type Cases = Vec<(Bytes, HmacKeys)>;

fn workload() -> Cases {
    common::valid_cases()
        .into_iter()
        .map(|case| {
            let key: HmacKey = case.key_hex.parse().expect("a valid key");
            (case.body, key.into())
        })
        .collect()
}

fn one_item() -> Cases {
    let key: HmacKey = common::KEY.parse().expect("a valid key");
    vec![(common::body_of_items(&common::valid_cases(), 1), key.into())]
}

#[library_benchmark]
#[bench::workload(workload())]
#[bench::one_item(one_item())]
fn parse_verify(cases: Cases) {
    for (body, keys) in &cases {
        let request = NotificationRequest::from_slice(body).expect("parses");
        for item in &request.items {
            keys.verify_item(item).expect("verifies");
        }
        black_box(request);
    }
}

/// The inner service: reads what the layer put into the extensions and succeeds.
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
        black_box(req.extensions().get::<SignedWebhook>().is_some());
        ready(Ok(Response::new(String::new())))
    }
}

/// A service and the request it is called with, built outside the count.
type Call = (VerifyWebhook<Handler>, Request<Full<Bytes>>);

fn layer_one_item() -> Call {
    let key: HmacKey = common::KEY.parse().expect("a valid key");
    let body = common::body_of_items(&common::valid_cases(), 1);
    let request = Request::post("/webhook")
        .header(CONTENT_LENGTH, body.len())
        .body(Full::new(body))
        .expect("a valid request");
    (VerifyWebhook::notifications(Handler, key), request)
}

fn layer_header_signed() -> Call {
    let key: HmacKey = common::KEY.parse().expect("a valid key");
    let body = common::header_signed_bodies()
        .into_iter()
        .next()
        .expect("a header-signed body")
        .body;
    let request = Request::post("/webhook")
        .header(CONTENT_LENGTH, body.len())
        .header("HmacSignature", key.sign(&body))
        .body(Full::new(body))
        .expect("a valid request");
    (VerifyWebhook::hmac_header(Handler, key), request)
}

#[library_benchmark]
#[bench::one_item(layer_one_item())]
#[bench::header_signed(layer_header_signed())]
fn layer((service, request): Call) {
    let response = service
        .oneshot(request)
        .now_or_never()
        .expect("nothing to wait for")
        .expect("infallible");
    assert_eq!(response.status(), StatusCode::OK);
    black_box(response);
}

/// Bodies, a precomputed key state, and what is signed: the body itself or each item's signing
/// string.
type Floor = (Vec<Bytes>, Hmac<Sha256>, Vec<Vec<u8>>);

fn floor_items(cases: Cases, key_hex: Option<&str>) -> Floor {
    let key = common::key_bytes(key_hex.unwrap_or(common::KEY));
    let mut signed = Vec::new();
    for (body, _) in &cases {
        let request = NotificationRequest::from_slice(body).expect("parses");
        signed.extend(request.items.iter().map(|i| signing_string(i).into_bytes()));
    }
    let bodies = cases.into_iter().map(|(body, _)| body).collect();
    let mac = Hmac::new_from_slice(&key).expect("any length");
    (bodies, mac, signed)
}

fn floor_one_item() -> Floor {
    floor_items(one_item(), None)
}

/// The workload's requests are signed with keys of their own; the HMAC's cost does not depend on
/// the key, so one key stands for all of them.
fn floor_workload() -> Floor {
    floor_items(workload(), None)
}

fn floor_header_signed() -> Floor {
    let body = common::header_signed_bodies()
        .into_iter()
        .next()
        .expect("a header-signed body")
        .body;
    let mac = Hmac::new_from_slice(&common::key_bytes(common::KEY)).expect("any length");
    (vec![body.clone()], mac, vec![body.to_vec()])
}

#[library_benchmark]
#[bench::workload(floor_workload())]
#[bench::one_item(floor_one_item())]
#[bench::header_signed(floor_header_signed())]
fn floor((bodies, mac, signed): Floor) {
    for body in &bodies {
        let _: IgnoredAny = serde_json::from_slice(body).expect("JSON");
    }
    for message in &signed {
        black_box(mac.clone().chain_update(message).finalize());
    }
}

library_benchmark_group!(name = counted, benchmarks = [parse_verify, layer, floor]);

main!(library_benchmark_groups = counted);
