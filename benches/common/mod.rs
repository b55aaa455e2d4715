//! The workload every benchmark runs: the valid request bodies of `tests/data/notifications.jsonl`,
//! the same ones the official libraries are timed on (`benches/official/`).
#![allow(dead_code)]

use bytes::Bytes;
use serde_json::Value;
use tower_adyen_webhook::{HmacKey, NotificationRequest, NotificationRequestItem};

/// The key of the single-key bodies (`one_item`, `six_items`) and of the end-to-end server: the
/// example key from Adyen's documentation.
pub const KEY: &str = "00727DB817A85C8503AD29EAD1523DB869AF0E536893BB3046C92DE7CB045CB1";

/// One valid request of the workload, with the key it was signed with.
pub struct Case {
    pub body: Bytes,
    pub key_hex: String,
}

/// Every request of the workload whose items all verify, in file order.
pub fn valid_cases() -> Vec<Case> {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/data/notifications.jsonl"
    );
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{path}: {e}"));
    let cases: Vec<Case> = text
        .lines()
        .filter(|line| !line.trim().is_empty())
        .map(|line| serde_json::from_str::<Value>(line).expect("a vector is JSON"))
        .filter(|case| case["valid"] == Value::Bool(true))
        .map(|case| Case {
            body: Bytes::from(case["body"].as_str().expect("body").to_owned()),
            key_hex: case["key"].as_str().expect("key").to_owned(),
        })
        .collect();
    assert!(!cases.is_empty(), "{path} has no valid requests");
    cases
}

/// How many items the requests hold in all.
pub fn item_count(cases: &[Case]) -> usize {
    cases.iter().map(|case| items(case).len()).sum()
}

/// The parsed items of a request.
pub fn items(case: &Case) -> Vec<NotificationRequestItem> {
    NotificationRequest::from_slice(&case.body)
        .expect("a valid case parses")
        .items
}

/// A body of the first `n` items of the workload, re-signed with [`KEY`].
pub fn body_of_items(cases: &[Case], n: usize) -> Bytes {
    let key: HmacKey = KEY.parse().expect("a valid key");
    let mut items: Vec<_> = cases.iter().flat_map(items).take(n).collect();
    assert_eq!(items.len(), n, "the workload has fewer than {n} items");
    for item in &mut items {
        key.sign_item_in_place(item);
    }
    NotificationRequest { live: false, items }.to_json().into()
}

/// The 32 bytes of a 64-digit hex key.
pub fn key_bytes(hex: &str) -> [u8; 32] {
    let mut bytes = [0u8; 32];
    for (byte, pair) in bytes.iter_mut().zip(hex.as_bytes().chunks_exact(2)) {
        let pair = std::str::from_utf8(pair).expect("hex is ASCII");
        *byte = u8::from_str_radix(pair, 16).expect("a hex digit pair");
    }
    bytes
}

/// The request with every signature replaced by the one under [`KEY`], every other byte as it was.
pub fn resigned_body(case: &Case) -> Bytes {
    let key: HmacKey = KEY.parse().expect("a valid key");
    let mut body = std::str::from_utf8(&case.body).expect("UTF-8").to_owned();
    let mut cursor = 0;
    for item in items(case) {
        let old = item.hmac_signature().expect("a valid item is signed");
        let new = key.sign_item(&item);
        // Some bodies escape `/` as `\/`; the new signature is written the same way.
        let (at, old, new) = match body[cursor..].find(old) {
            Some(at) => (at, old.to_owned(), new),
            None => {
                let escaped = old.replace('/', "\\/");
                let at = body[cursor..]
                    .find(&escaped)
                    .expect("the signature is in the body");
                (at, escaped, new.replace('/', "\\/"))
            }
        };
        let at = cursor + at;
        body.replace_range(at..at + old.len(), &new);
        cursor = at + new.len();
    }
    body.into()
}

/// One header-signed body: signed over its bytes, the signature in the `HmacSignature` header.
pub struct HeaderCase {
    pub name: String,
    pub body: Bytes,
    pub key_hex: String,
    pub signature: String,
}

/// The header-signed workload, the same bodies the official libraries' header validators are timed
/// on (`benches/official/header_workload.py` writes them for those): every example body of Adyen's
/// specs (`tests/data/adyen/spec-header-signed.jsonl`), signed here with [`KEY`], then the bodies
/// of Adyen's library tests that those tests validate, with the key and signature they give
/// (`tests/data/library-header-signed.jsonl`), which check the signing itself.
pub fn header_signed_bodies() -> Vec<HeaderCase> {
    let key: HmacKey = KEY.parse().expect("a valid key");
    let read = |path: &str| -> Vec<Value> {
        let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{path}: {e}"));
        text.lines()
            .filter(|line| !line.trim().is_empty())
            .map(|line| serde_json::from_str(line).expect("a line is JSON"))
            .collect()
    };
    let text = |case: &Value, field: &str| case[field].as_str().expect(field).to_owned();
    let spec = read(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/data/adyen/spec-header-signed.jsonl"
    ));
    let library = read(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/data/library-header-signed.jsonl"
    ));
    let mut cases: Vec<HeaderCase> = spec
        .iter()
        .map(|case| {
            let body = Bytes::from(text(case, "body"));
            HeaderCase {
                name: text(case, "name"),
                signature: key.sign(&body),
                key_hex: KEY.to_owned(),
                body,
            }
        })
        .collect();
    let valid = library
        .iter()
        .filter(|case| case["valid"] == Value::Bool(true));
    cases.extend(valid.map(|case| HeaderCase {
        name: text(case, "name"),
        body: Bytes::from(text(case, "body")),
        key_hex: text(case, "key"),
        signature: text(case, "signature"),
    }));
    assert!(cases.len() > 100, "the header-signed workload is missing");
    cases
}
