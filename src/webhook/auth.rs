//! HTTP Basic auth, as the Customer Area sets it on a webhook endpoint.

use std::fmt;

use base64::engine::general_purpose::STANDARD as BASE64;
use base64::Engine as _;
use http::header::AUTHORIZATION;
use http::{HeaderMap, HeaderValue};
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

/// Expected credentials, kept only as a digest of `username:password`.
#[derive(Clone)]
pub(crate) struct BasicAuth {
    digest: [u8; 32],
    challenge: HeaderValue,
}

impl BasicAuth {
    pub(crate) fn new(username: &str, password: &str, realm: &str) -> Self {
        let realm: String = realm
            .chars()
            .filter(|c| c.is_ascii_graphic() || *c == ' ')
            .filter(|c| *c != '"' && *c != '\\')
            .collect();
        Self {
            digest: digest(format!("{username}:{password}").as_bytes()),
            challenge: HeaderValue::try_from(format!("Basic realm=\"{realm}\", charset=\"UTF-8\""))
                .expect("the realm was reduced to printable ASCII"),
        }
    }

    /// Whether `headers` carry the expected credentials. Any malformed header is a plain no.
    pub(crate) fn check(&self, headers: &HeaderMap) -> bool {
        let Some(given) = credentials(headers) else {
            return false;
        };
        // Digests have a fixed length, so the comparison takes the same time whatever was sent.
        bool::from(digest(&given).ct_eq(&self.digest))
    }

    pub(crate) fn challenge(&self) -> &HeaderValue {
        &self.challenge
    }
}

impl fmt::Debug for BasicAuth {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("BasicAuth { .. }")
    }
}

fn digest(bytes: &[u8]) -> [u8; 32] {
    Sha256::digest(bytes).into()
}

/// The decoded `username:password` of a `Basic` Authorization header.
fn credentials(headers: &HeaderMap) -> Option<Vec<u8>> {
    let mut values = headers.get_all(AUTHORIZATION).iter();
    let value = values.next()?;
    if values.next().is_some() {
        return None;
    }
    let value = value.as_bytes();
    let (scheme, encoded) = value.split_at(value.iter().position(|&b| b == b' ')?);
    if !scheme.eq_ignore_ascii_case(b"basic") {
        return None;
    }
    let encoded = encoded.trim_ascii();
    // Credentials are short: refuse to decode anything larger than a few KiB.
    if encoded.len() > 4096 {
        return None;
    }
    let decoded = BASE64.decode(encoded).ok()?;
    let text = std::str::from_utf8(&decoded).ok()?;
    text.contains(':').then_some(decoded)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(value: &[u8]) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert(AUTHORIZATION, HeaderValue::from_bytes(value).unwrap());
        headers
    }

    fn basic(credentials: &[u8]) -> HeaderMap {
        headers(format!("Basic {}", BASE64.encode(credentials)).as_bytes())
    }

    #[test]
    fn accepts_the_right_credentials_only() {
        let auth = BasicAuth::new("adyen", "s3cret:x", "webhooks");
        assert!(auth.check(&basic(b"adyen:s3cret:x")));
        assert!(auth.check(&headers(
            format!("basic  {}", BASE64.encode("adyen:s3cret:x")).as_bytes()
        )));
        for wrong in [
            &b"adyen:wrong"[..],
            b"other:s3cret:x",
            b"adyen",
            b"",
            b"adyen:s3cret:x ",
        ] {
            assert!(!auth.check(&basic(wrong)), "{wrong:?}");
        }
    }

    #[test]
    fn malformed_headers_are_rejected_not_panics() {
        let auth = BasicAuth::new("a", "b", "r");
        assert!(!auth.check(&HeaderMap::new()));
        for value in [
            &b"Basic"[..],
            b"Basic ",
            b"Basic !!!!",
            b"Bearer YTpi",
            b"YTpi",
            b"Basic YTpi YTpi",
            b"Basic \xff\xfe",
        ] {
            assert!(!auth.check(&headers(value)), "{value:?}");
        }
        assert!(!auth.check(&basic(b"a\xff:b")), "not UTF-8");
        assert!(!auth.check(&basic(b"ab")), "no colon");
        let mut twice = basic(b"a:b");
        twice.append(AUTHORIZATION, HeaderValue::from_static("Basic YTpi"));
        assert!(!auth.check(&twice), "two Authorization headers");
    }

    #[test]
    fn challenge_names_the_realm_and_debug_hides_secrets() {
        let auth = BasicAuth::new("user", "password", "Adyen \"webhooks\"\n");
        assert_eq!(
            auth.challenge(),
            "Basic realm=\"Adyen webhooks\", charset=\"UTF-8\""
        );
        assert!(!format!("{auth:?}").contains("password"));
    }
}
