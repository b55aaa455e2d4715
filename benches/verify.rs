//! Parse + verify, against the floor, over the whole workload (`benches/common`).
//!
//! - `floor`: what nothing that parses and verifies can beat by much: one validating pass over
//!   every byte (`serde_json` into `IgnoredAny`) plus one HMAC-SHA256 per item of its signing
//!   string, built beforehand, with the key state (inner and outer pads) precomputed.
//! - `crate_parse_verify`: the crate's public API, as the layer runs it:
//!   `NotificationRequest::from_bytes` (the body shared, not copied), then `HmacKeys::verify_item` on every item, producing the
//!   typed items the layer hands on.
//! - `crate_parse`, `crate_verify`: the two halves on their own, to see where time goes.
//!
//! One iteration is one pass over every valid request; the throughput is in items.
//! `benches/run.sh` turns the estimates into per-request and per-item figures.

mod common;

use std::hint::black_box;

use bytes::Bytes;
use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use hmac::{Hmac, KeyInit, Mac};
use serde::de::IgnoredAny;
use sha2::Sha256;
use tower_adyen_webhook::{signing_string, HmacKey, HmacKeys, NotificationRequest};

struct Prepared {
    body: Bytes,
    keys: HmacKeys,
    mac: Hmac<Sha256>,
    signing_strings: Vec<String>,
    items: Vec<tower_adyen_webhook::NotificationRequestItem>,
}

fn prepare() -> Vec<Prepared> {
    common::valid_cases()
        .into_iter()
        .map(|case| {
            let items = common::items(&case);
            let key: HmacKey = case.key_hex.parse().expect("a valid key");
            Prepared {
                mac: Hmac::new_from_slice(&common::key_bytes(&case.key_hex)).expect("any length"),
                signing_strings: items.iter().map(signing_string).collect(),
                keys: key.into(),
                items,
                body: case.body,
            }
        })
        .collect()
}

fn floor(cases: &[Prepared]) {
    for case in cases {
        let _: IgnoredAny = serde_json::from_slice(&case.body).expect("JSON");
        for signing_string in &case.signing_strings {
            black_box(
                case.mac
                    .clone()
                    .chain_update(signing_string.as_bytes())
                    .finalize(),
            );
        }
    }
}

fn crate_parse_verify(cases: &[Prepared]) {
    for case in cases {
        let request = NotificationRequest::from_bytes(case.body.clone()).expect("parses");
        for item in &request.items {
            case.keys.verify_item(item).expect("verifies");
        }
        black_box(request);
    }
}

fn crate_parse(cases: &[Prepared]) {
    for case in cases {
        black_box(NotificationRequest::from_bytes(case.body.clone()).expect("parses"));
    }
}

fn crate_verify(cases: &[Prepared]) {
    for case in cases {
        for item in &case.items {
            black_box(case.keys.verify_item(item).expect("verifies"));
        }
    }
}

fn benches(c: &mut Criterion) {
    let cases = prepare();
    let items: usize = cases.iter().map(|case| case.items.len()).sum();
    let mut group = c.benchmark_group("workload");
    group.throughput(Throughput::Elements(items as u64));
    group.bench_function("floor", |b| b.iter(|| floor(&cases)));
    group.bench_function("crate_parse_verify", |b| {
        b.iter(|| crate_parse_verify(&cases))
    });
    group.bench_function("crate_parse", |b| b.iter(|| crate_parse(&cases)));
    group.bench_function("crate_verify", |b| b.iter(|| crate_verify(&cases)));
    group.finish();
}

criterion_group!(verify, benches);
criterion_main!(verify);
