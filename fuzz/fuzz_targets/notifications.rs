//! The envelope parser and the item verifier on arbitrary bytes.
//!
//! Invariants: parsing never panics; a verified item's signature is exactly what its key
//! produces (no second encoding of the same MAC is accepted); an item re-signed with a key of the
//! set verifies; what the crate serializes parses back to the same request, with the same
//! verdict for every item.
#![no_main]

use libfuzzer_sys::fuzz_target;
use tower_adyen_webhook::{signing_string, NotificationRequest};
use tower_adyen_webhook_fuzz::{first, notification_keys};

fuzz_target!(|data: &[u8]| {
    let keys = notification_keys();
    let request = match NotificationRequest::from_slice(data) {
        Ok(request) => request,
        Err(error) => {
            let _ = error.to_string();
            return;
        }
    };

    let mut verdicts = Vec::with_capacity(request.items.len());
    for item in &request.items {
        let _ = signing_string(item);
        let verdict = keys.verify_item(item).map(|v| v.key_index);
        if let Ok(index) = verdict {
            let key = keys.iter().nth(index).expect("the index names a key");
            assert_eq!(
                item.hmac_signature(),
                Some(key.sign_item(item).as_str()),
                "a verified signature is the canonical one"
            );
        }
        verdicts.push(verdict);

        let mut resigned = item.clone();
        first(keys).sign_item_in_place(&mut resigned);
        assert_eq!(keys.verify_item(&resigned).map(|v| v.key_index), Ok(0));
    }

    let json = request.to_json();
    let again = NotificationRequest::from_slice(json.as_bytes()).expect("own output parses");
    assert_eq!(again, request, "serialize then parse is the identity");
    let again: Vec<_> = again
        .items
        .iter()
        .map(|item| keys.verify_item(item).map(|v| v.key_index))
        .collect();
    assert_eq!(again, verdicts, "serializing keeps every verdict");
});
