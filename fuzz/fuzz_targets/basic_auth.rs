//! The Basic auth check, through the public layer, on arbitrary credentials and arbitrary
//! `Authorization` header values.
//!
//! Invariants: no panic; a request gets past the check only with exactly one `Authorization`
//! header whose scheme is `Basic` (any case) and whose base64 decodes to `username:password`;
//! the right header always gets past; a refused request gets a `401` with a challenge, and the
//! body is not read and the inner service not called.
#![no_main]

use std::sync::atomic::Ordering;

use bytes::Bytes;
use http::header::{AUTHORIZATION, WWW_AUTHENTICATE};
use http::{HeaderValue, Request, StatusCode};
use libfuzzer_sys::arbitrary::{self, Arbitrary};
use libfuzzer_sys::fuzz_target;
use tower_adyen_webhook::{NotificationRequest, NotificationRequestItem, VerifyWebhookLayer};
use tower_adyen_webhook_fuzz::{
    block_on, encode_base64, first, notification_keys, Answer, FuzzBody, Recorder,
};
use tower_layer::Layer;
use tower_service::Service;

#[derive(Arbitrary, Debug)]
struct Input {
    username: String,
    password: String,
    /// Prepend the right header (then any others make two or more).
    right_header: bool,
    values: Vec<Vec<u8>>,
}

fn signed_body() -> String {
    let key = first(notification_keys());
    let mut item = NotificationRequestItem::new("PSP1", "AUTHORISATION");
    key.sign_item_in_place(&mut item);
    NotificationRequest {
        live: false,
        items: vec![item],
    }
    .to_json()
}

/// The base64 part of a `Basic` header value, read independently of the crate.
fn encoded_part(value: &[u8]) -> Option<&[u8]> {
    let space = value.iter().position(|&b| b == b' ')?;
    if !value[..space].eq_ignore_ascii_case(b"basic") {
        return None;
    }
    Some(value[space..].trim_ascii())
}

fuzz_target!(|input: Input| {
    let credentials = format!("{}:{}", input.username, input.password);
    let right = format!("Basic {}", encode_base64(credentials.as_bytes()));
    let mut values: Vec<HeaderValue> = Vec::new();
    if input.right_header {
        values.push(HeaderValue::try_from(right.as_str()).expect("base64 is a header value"));
    }
    values.extend(
        input
            .values
            .iter()
            .filter_map(|v| HeaderValue::from_bytes(v).ok()),
    );

    let mut request = Request::post("/");
    for value in &values {
        request = request.header(AUTHORIZATION, value.clone());
    }
    let body = FuzzBody::new(vec![Bytes::from(signed_body())], false, false, 0);
    let polls = body.polls();
    let request = request.body(body).unwrap();

    let recorder = Recorder::new(Answer::Status(StatusCode::OK));
    let mut service = VerifyWebhookLayer::notifications(first(notification_keys()).clone())
        .basic_auth(&input.username, &input.password)
        .layer(recorder.clone());
    let response = block_on(service.call(request)).expect("the recorder answers");

    let passed = response.status() != StatusCode::UNAUTHORIZED;
    if passed {
        assert_eq!(response.status(), StatusCode::OK);
        assert_eq!(values.len(), 1, "exactly one Authorization header");
        // Standard base64 with padding has one encoding per byte string: the header must hold
        // exactly that of `username:password`.
        assert_eq!(
            encoded_part(values[0].as_bytes()),
            Some(encode_base64(credentials.as_bytes()).as_bytes()),
            "the header carries the credentials"
        );
        assert_eq!(recorder.calls(), 1);
    } else {
        assert!(response.headers().contains_key(WWW_AUTHENTICATE));
        assert_eq!(polls.load(Ordering::Relaxed), 0, "the body was not read");
        assert_eq!(recorder.calls(), 0);
    }
    if values.len() == 1 && values[0].as_bytes() == right.as_bytes() {
        assert!(passed, "the right credentials get past");
    }
});
