//! Allocations per item, counted by a counting global allocator: parsing a request held in
//! `Bytes` and verifying every item takes at most three allocations on a one-item body (the
//! items' vector, the item's `operations` and `additionalData` vectors; strings share the body),
//! and at most 3 an item on the project's workload, whose strings with escapes share one more
//! buffer a request.
//! Counts are deterministic: no timing involved, so the bounds are exact guards.
//!
//! `cargo test --test allocations -- --nocapture` prints the counts, and one JSON line each for
//! `benches/run.sh`'s table.

#[path = "../benches/common/mod.rs"]
mod workload;

use std::alloc::System;

use bytes::{Bytes, BytesMut};
use futures_util::FutureExt;
use http::{Request, Response, StatusCode};
use http_body_util::Full;
use stats_alloc::{Region, StatsAlloc, INSTRUMENTED_SYSTEM};
use tower::{service_fn, ServiceExt};
use tower_adyen_webhook::{
    HmacKey, HmacKeys, NotificationRequest, NotificationRequestItem, Notifications, RejectedItems,
    VerifyWebhook, WebhookBody,
};

#[global_allocator]
static GLOBAL: &StatsAlloc<System> = &INSTRUMENTED_SYSTEM;

/// The allocations `f` makes (and reallocations, which allocate too). The allocator counts every
/// thread's, so this file holds a single test: nothing else runs while it counts.
fn allocations(f: impl FnOnce()) -> u64 {
    let region = Region::new(GLOBAL);
    f();
    let change = region.change();
    (change.allocations + change.reallocations) as u64
}

/// Parses and verifies `body` as the layer does, the body held in `Bytes`, and drops it all.
fn parse_and_verify(body: &Bytes, keys: &HmacKeys) -> usize {
    let request = NotificationRequest::from_bytes(body.clone()).expect("parses");
    for item in &request.items {
        keys.verify_item(item).expect("verifies");
    }
    request.items.len()
}

/// Each body in a buffer of its own, as hyper hands one over: a part of its read buffer, already
/// shared, so that sharing it once more costs no allocation. (A body gathered from several frames
/// into a `Vec` costs one more allocation a request, when it is first shared.)
fn received(body: &Bytes) -> Bytes {
    let mut buffer = BytesMut::with_capacity(body.len() + 64);
    buffer.extend_from_slice(body);
    buffer.split().freeze()
}

#[test]
fn parse_and_verify_take_at_most_three_allocations_an_item_and_share_the_body() {
    let cases = workload::valid_cases();
    let prepared: Vec<(Bytes, HmacKeys)> = cases
        .iter()
        .map(|case| {
            let key: HmacKey = case.key_hex.parse().expect("a valid key");
            (received(&case.body), key.into())
        })
        .collect();
    let mut items = 0;
    let count = allocations(|| {
        for (body, keys) in prepared {
            items += parse_and_verify(&body, &keys);
        }
    });
    let per_item = count as f64 / items as f64;
    println!(
        "workload: {count} allocations for {} requests, {items} items: {per_item:.2} an item",
        cases.len()
    );
    // For benches/run.sh's table: one JSON line a figure.
    println!(
        r#"{{"name": "the workload ({} requests, {items} items)", "allocations_per_item": {per_item:.2}}}"#,
        cases.len()
    );
    // 2.74 today: a request without escapes takes at most three an item (a request of three
    // items one more, as its vector grows past two), and a request with escapes two more, for
    // the buffer its decoded strings share. (3.24 when serde_json decoded them, through a
    // scratch buffer of its own that grew for every such request.)
    assert!(per_item <= 3.0, "{per_item:.2} allocations an item");

    let one = workload::body_of_items(&cases, 1);
    let keys: HmacKeys = workload::KEY
        .parse::<HmacKey>()
        .expect("a valid key")
        .into();
    let body = received(&one);
    let count = allocations(|| assert_eq!(parse_and_verify(&body, &keys), 1));
    println!("one-item body: {count} allocations");
    println!(r#"{{"name": "a 1-item body", "allocations_per_item": {count}}}"#);
    assert!(count <= 3, "{count} allocations for a one-item body");

    // The whole layer on the same body, through `oneshot`, the request built before counting:
    // ten, the parse's three, the `Arc` the handler's notifications share, four for the
    // request's extensions (their map, its table and the two values in it) and two for the
    // acknowledgement's headers. No rejected item costs nothing: an empty `RejectedItems` holds
    // no allocation. The `metrics` feature adds four, the label lists the `metrics` facade
    // builds for every counter with labels not known at compile time, and the key's check value
    // as a label.
    let handler = service_fn(|request: Request<WebhookBody>| async move {
        let extensions = request.extensions();
        assert_eq!(extensions.get::<Notifications>().map(|n| n.len()), Some(1));
        assert_eq!(extensions.get::<RejectedItems>().map(|r| r.len()), Some(0));
        Ok::<_, std::convert::Infallible>(Response::new(String::new()))
    });
    let key: HmacKey = workload::KEY.parse().expect("a valid key");
    let layer = VerifyWebhook::notifications(handler, key);
    let call = |request| {
        layer
            .clone()
            .oneshot(request)
            .now_or_never()
            .expect("nothing to wait for")
            .expect("infallible")
    };
    call(Request::post("/").body(Full::new(body.clone())).unwrap()); // first use: lazy state
    let request = Request::post("/").body(Full::new(body.clone())).unwrap();
    let mut response = None;
    let count = allocations(|| response = Some(call(request)));
    assert_eq!(response.expect("answered").status(), StatusCode::OK);
    println!("the layer, a one-item body: {count} allocations");
    println!(
        r#"{{"name": "the whole layer, a 1-item body", "allocations_per_item": {count}, "reported": true}}"#
    );
    let bound = if cfg!(feature = "metrics") { 14 } else { 10 };
    assert!(
        count <= bound,
        "{count} allocations for the layer on a one-item body"
    );

    // The items' vector of a one- or two-item request stays within glibc's per-thread cache
    // (blocks up to about 1 KiB): past it, an allocation takes the allocator's slow path.
    let request = NotificationRequest::from_bytes(body.clone()).expect("parses");
    let block = request.items.capacity() * std::mem::size_of::<NotificationRequestItem>();
    assert!(
        request.items.capacity() >= 2 && block <= 1024,
        "{block} bytes"
    );

    // Strings without escapes are slices of the body, not copies.
    let request = NotificationRequest::from_bytes(body.clone()).expect("parses");
    let item = &request.items[0];
    let inside = |text: &str| body.as_ptr_range().contains(&text.as_ptr());
    assert!(inside(&item.psp_reference) && inside(&item.merchant_reference));
    assert!(inside(item.hmac_signature().expect("signed")));

    // Strings with escapes are decoded into one buffer a request: after the first, the next
    // ones cost nothing more.
    let escaped = |strings: &[&str]| {
        let fields: Vec<String> = ["reason", "merchantReference", "eventDate"]
            .iter()
            .zip(strings)
            .map(|(field, text)| format!(r#""{field}": "{text}""#))
            .collect();
        received(&Bytes::from(format!(
            r#"{{"notificationItems": [{{"NotificationRequestItem": {{"success": "true", {}}}}}]}}"#,
            fields.join(", ")
        )))
    };
    let parse = |body: &Bytes| {
        allocations(|| {
            let request = NotificationRequest::from_bytes(body.clone()).expect("parses");
            assert!(request.items[0].reason.contains('"'));
        })
    };
    let one = parse(&escaped(&[
        r#"refused: \"CVC Declined\""#,
        "ORDER-1",
        "2026-12-02",
    ]));
    let three = parse(&escaped(&[
        r#"refused: \"CVC Declined\""#,
        r"ORDER\/1",
        r"2026\/12",
    ]));
    println!("escaped strings: {one} allocations for one, {three} for three");
    assert_eq!(three, one, "each escaped string allocated again");
    // No scratch buffer that grows with the longest string: 200 bytes with 16 escapes cost
    // what a short one does.
    let long = parse(&escaped(&[
        &r#"refused: \"CVC Declined\" "#.repeat(8),
        "ORDER-1",
        "2026-12-02",
    ]));
    println!("a long escaped string: {long} allocations");
    assert_eq!(long, one, "a long escaped string allocated more");
    // The buffer grows only for a string whose escaped text is longer than the room left: the
    // second string here, 156 bytes escaped, fits in the 156 left of the first 256 (its decoded
    // text, one byte shorter, does).
    let first = format!(r#"\"{}"#, "a".repeat(99));
    let second = format!(r#"\"{}"#, "b".repeat(154));
    let exact = parse(&escaped(&[&first, &second, "2026-12-02"]));
    assert_eq!(
        exact, one,
        "a string that fits in the room left allocated more"
    );
}
