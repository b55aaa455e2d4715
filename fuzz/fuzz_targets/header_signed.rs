//! The header-signed verifier (and the key parsers) on arbitrary bytes.
//!
//! Invariants: no panic; a signature verifies exactly when it is, byte for byte, what one of the
//! keys produces for the body (so no second encoding, no prefix, no other length); the right
//! signature always verifies.
#![no_main]

use libfuzzer_sys::fuzz_target;
use tower_adyen_webhook::{HmacKey, HmacKeys, VerifyError};
use tower_adyen_webhook_fuzz::header_keys;

fuzz_target!(|data: &[u8]| {
    let keys = header_keys();
    // First byte: how the signature is made; then, for arbitrary signatures, its length.
    let (&mode, rest) = data.split_first().unwrap_or((&0, &[]));
    let (signature, body): (Option<Vec<u8>>, &[u8]) = match mode % 4 {
        0 => (None, rest),
        1 => {
            let key = keys.iter().nth(usize::from(mode / 4) % keys.len()).unwrap();
            (Some(key.sign(rest).into_bytes()), rest)
        }
        2 => {
            // One byte of the right signature changed.
            let key = keys.iter().next().unwrap();
            let mut signature = key.sign(rest).into_bytes();
            let at = usize::from(mode / 4) % signature.len();
            signature[at] ^= rest.first().copied().unwrap_or(1).max(1);
            (Some(signature), rest)
        }
        _ => {
            let (&len, rest) = rest.split_first().unwrap_or((&0, &[]));
            let len = usize::from(len).min(rest.len());
            (Some(rest[..len].to_vec()), &rest[len..])
        }
    };

    let verdict = keys.verify_bytes(body, signature.as_deref());
    let expected = keys
        .iter()
        .position(|key| signature.as_deref() == Some(key.sign(body).as_bytes()));
    match (verdict, expected) {
        (Ok(v), Some(index)) => assert_eq!(v.key_index, index),
        (Err(_), None) => {}
        (verdict, expected) => panic!("verdict {verdict:?}, expected key {expected:?}"),
    }
    if mode % 4 == 1 {
        assert!(verdict.is_ok());
    }
    if signature.is_none() {
        assert_eq!(verdict.unwrap_err(), VerifyError::MissingSignature);
    }

    // Key parsing is configuration, but it reads text from the environment: it must not panic.
    if let Ok(text) = std::str::from_utf8(data) {
        if let Ok(key) = text.parse::<HmacKey>() {
            assert_eq!(key.check_value().len(), 6);
        }
        if let Ok(keys) = text.parse::<HmacKeys>() {
            assert!(keys.len() >= 1);
        }
    }
});
