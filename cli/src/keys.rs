//! Random test keys. Real keys come from the Customer Area, which shows the same check value
//! (KCV) beside the key.

use tower_adyen_webhook::HmacKey;

/// A key and its 64 hex digits.
#[derive(Clone, Debug)]
pub struct GeneratedKey {
    /// The 64 hex digits, in upper case as the Customer Area shows them.
    pub hex: String,
    /// The parsed key.
    pub key: HmacKey,
}

/// A fresh key of 32 bytes from the operating system's random source, for tests only.
///
/// # Panics
///
/// If the operating system has no random bytes to give, which a test cannot do without.
pub fn generate_key() -> GeneratedKey {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes).expect("the operating system's random source");
    let hex: String = bytes.iter().map(|byte| format!("{byte:02X}")).collect();
    let key = hex.parse().expect("64 hex digits make a key");
    GeneratedKey { hex, key }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_keys_are_64_hex_digits_and_differ() {
        let (a, b) = (generate_key(), generate_key());
        assert_eq!(a.hex.len(), 64);
        assert!(a.hex.chars().all(|c| c.is_ascii_hexdigit()));
        assert_ne!(a.hex, b.hex);
        assert_eq!(
            a.key.check_value(),
            a.hex.parse::<HmacKey>().unwrap().check_value()
        );
    }
}
