//! The check itself: one `Authorization` header, `Basic`, and the expected credentials.

use std::fmt;

use base64::engine::general_purpose::STANDARD as BASE64;
use base64::Engine as _;
use http::header::{AUTHORIZATION, WWW_AUTHENTICATE};
use http::{HeaderMap, HeaderValue, Response, StatusCode};
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

use crate::response::{text_response, ResponseBody};

/// The longest base64 credentials decoded: 4 KiB, 3 KiB of `username:password`. Credentials are
/// short; a longer header is refused without being decoded.
pub(crate) const MAX_ENCODED_LEN: usize = 4096;

/// Expected credentials, kept only as a digest of `username:password`.
#[derive(Clone)]
pub(crate) struct BasicAuth {
    digest: [u8; 32],
    challenge: HeaderValue,
}

impl BasicAuth {
    pub(crate) fn new(username: &str, password: &str, realm: &str) -> Self {
        Self {
            digest: digest(format!("{username}:{password}").as_bytes()),
            challenge: challenge(realm),
        }
    }

    pub(crate) fn set_realm(&mut self, realm: &str) {
        self.challenge = challenge(realm);
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
        f.debug_struct("BasicAuth")
            .field("challenge", &self.challenge)
            .finish_non_exhaustive()
    }
}

/// The answer to a request without the right credentials, whichever middleware checked them.
/// It does not say what was wrong.
pub(crate) fn refusal<B>(challenge: HeaderValue) -> Response<ResponseBody<B>> {
    let mut response = text_response(StatusCode::UNAUTHORIZED, "authentication required\n");
    response.headers_mut().insert(WWW_AUTHENTICATE, challenge);
    response
}

fn challenge(realm: &str) -> HeaderValue {
    // Reduced to what may stand between quotes in a header, so any realm makes a valid one.
    let realm: String = realm
        .chars()
        .filter(|c| c.is_ascii_graphic() || *c == ' ')
        .filter(|c| *c != '"' && *c != '\\')
        .collect();
    HeaderValue::try_from(format!("Basic realm=\"{realm}\", charset=\"UTF-8\""))
        .expect("the realm was reduced to printable ASCII")
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
    if encoded.len() > MAX_ENCODED_LEN {
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
    fn credentials_up_to_4_kib_of_base64_are_decoded_longer_ones_are_not() {
        // 3072 bytes of `username:password` are exactly 4096 base64 characters.
        let password = "p".repeat(3072 - "adyen:".len());
        let auth = BasicAuth::new("adyen", &password, "r");
        let at_limit = format!("adyen:{password}");
        assert_eq!(BASE64.encode(&at_limit).len(), MAX_ENCODED_LEN);
        assert!(auth.check(&basic(at_limit.as_bytes())), "exactly the limit");

        let password = format!("{password}ppp");
        let auth = BasicAuth::new("adyen", &password, "r");
        let over = format!("adyen:{password}");
        assert_eq!(BASE64.encode(&over).len(), MAX_ENCODED_LEN + 4);
        assert!(!auth.check(&basic(over.as_bytes())), "past the limit");
    }

    #[test]
    fn debug_names_the_challenge() {
        let auth = BasicAuth::new("user", "password", "Admin");
        assert_eq!(
            format!("{auth:?}"),
            r#"BasicAuth { challenge: "Basic realm=\"Admin\", charset=\"UTF-8\"", .. }"#
        );
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
