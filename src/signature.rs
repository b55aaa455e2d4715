//! How Adyen signs webhooks, and how this crate checks them. Free of HTTP.
//!
//! # Standard notifications
//!
//! Each item carries `additionalData.hmacSignature`: the base64 (standard alphabet, padded) of
//! HMAC-SHA256 over the *signing string*, these eight values joined with `:`:
//!
//! ```text
//! pspReference:originalReference:merchantAccountCode:merchantReference:amount.value:amount.currency:eventCode:success
//! ```
//!
//! The values are the decoded JSON strings, unescaped and untrimmed (a `:` or `\` inside a value
//! goes in as is); a missing or `null` field is the empty string, and a missing amount gives an
//! empty value and currency. The key is the 64 hex digits from Adyen's Customer Area.
//!
//! # Header-signed webhooks
//!
//! The Balance Platform, Management API and other newer webhooks sign the exact body bytes and send
//! the signature in the `HmacSignature` header: see [`HmacKeys::verify_bytes`].
//!
//! # Comparison
//!
//! Signatures are compared as decoded bytes, in constant time, with the length checked: an empty,
//! truncated, over-long or non-base64 signature fails. URL-safe base64 and unpadded base64 are not
//! what Adyen sends and fail too.

use std::fmt;
use std::str::FromStr;

use base64::engine::general_purpose::STANDARD as BASE64;
use base64::Engine as _;
use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;

use crate::notification::NotificationRequestItem;

type HmacSha256 = Hmac<Sha256>;

/// An HMAC key from Adyen's Customer Area, parsed once.
///
/// The HMAC key schedule is computed when the key is parsed, not for every notification. `Debug`
/// shows only the key check value ([`HmacKey::check_value`]), never the key.
///
/// ```
/// use tower_adyen_webhook::HmacKey;
///
/// let key: HmacKey = "00727DB817A85C8503AD29EAD1523DB869AF0E536893BB3046C92DE7CB045CB1".parse()?;
/// assert_eq!(key.check_value(), "9540DA");
/// assert_eq!(format!("{key:?}"), r#"HmacKey { kcv: "9540DA" }"#);
/// # Ok::<_, tower_adyen_webhook::KeyError>(())
/// ```
#[derive(Clone)]
pub struct HmacKey {
    mac: HmacSha256,
    kcv: [u8; 6],
}

impl HmacKey {
    /// Parses the 64 hex digits shown in the Customer Area (upper or lower case; surrounding
    /// whitespace is ignored, as keys are often pasted with a newline).
    ///
    /// ```
    /// use tower_adyen_webhook::{HmacKey, KeyError};
    ///
    /// let key = HmacKey::from_hex("00727db817a85c8503ad29ead1523db869af0e536893bb3046c92de7cb045cb1\n")?;
    /// assert_eq!(key.check_value(), "9540DA");
    ///
    /// let err = HmacKey::from_hex("00727DB8").unwrap_err();
    /// assert_eq!(err, KeyError::Length { digits: 8 });
    /// assert!(err.to_string().starts_with("an Adyen HMAC key must be 64 hex digits (got 8)"));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn from_hex(hex: &str) -> Result<Self, KeyError> {
        let hex = hex.trim();
        let digits = hex.chars().count();
        if let Some((position, character)) = hex
            .chars()
            .enumerate()
            .find(|(_, c)| !c.is_ascii_hexdigit())
        {
            return Err(KeyError::NotHex {
                position: position + 1,
                character,
            });
        }
        if digits != 64 {
            return Err(KeyError::Length { digits });
        }
        let mut bytes = [0u8; 32];
        for (byte, pair) in bytes.iter_mut().zip(hex.as_bytes().chunks_exact(2)) {
            *byte = (hex_value(pair[0]) << 4) | hex_value(pair[1]);
        }
        Ok(Self::from_bytes(&bytes))
    }

    /// A key from its 32 raw bytes.
    ///
    /// ```
    /// use tower_adyen_webhook::HmacKey;
    ///
    /// let key = HmacKey::from_bytes(&[0x11; 32]);
    /// assert_eq!(key.check_value().len(), 6);
    /// ```
    pub fn from_bytes(bytes: &[u8; 32]) -> Self {
        let mac = HmacSha256::new_from_slice(bytes).expect("HMAC takes keys of any length");
        let check = mac
            .clone()
            .chain_update(b"00000000")
            .finalize()
            .into_bytes();
        let mut kcv = [0u8; 6];
        for (i, byte) in check[29..].iter().enumerate() {
            kcv[2 * i] = HEX_UPPER[usize::from(byte >> 4)];
            kcv[2 * i + 1] = HEX_UPPER[usize::from(byte & 0xf)];
        }
        Self { mac, kcv }
    }

    /// The key check value: the uppercase hex of the last 3 bytes of HMAC-SHA256(key,
    /// `"00000000"`). The Customer Area shows it beside the key, so it tells an operator which
    /// key is configured without revealing it.
    ///
    /// ```
    /// use tower_adyen_webhook::HmacKey;
    ///
    /// let key: HmacKey = "00727DB817A85C8503AD29EAD1523DB869AF0E536893BB3046C92DE7CB045CB1".parse()?;
    /// assert_eq!(key.check_value(), "9540DA"); // as the Customer Area shows beside the key
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn check_value(&self) -> &str {
        std::str::from_utf8(&self.kcv).expect("hex digits are ASCII")
    }

    /// The base64 HMAC-SHA256 of `message` under this key: how header-signed webhooks are
    /// signed.
    ///
    /// ```
    /// use tower_adyen_webhook::{HmacKey, HmacKeys};
    ///
    /// let key: HmacKey = "00727DB817A85C8503AD29EAD1523DB869AF0E536893BB3046C92DE7CB045CB1".parse()?;
    /// let body = br#"{"type":"balancePlatform.accountHolder.created","data":{}}"#;
    /// let signature = key.sign(body);
    /// assert_eq!(signature.len(), 44);
    /// assert!(HmacKeys::new(key).verify_bytes(body, Some(signature.as_bytes())).is_ok());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn sign(&self, message: &[u8]) -> String {
        BASE64.encode(
            self.mac
                .clone()
                .chain_update(message)
                .finalize()
                .into_bytes(),
        )
    }

    /// The signature Adyen would put in the item's `additionalData.hmacSignature`.
    ///
    /// ```
    /// # use tower_adyen_webhook::*;
    /// // Vector "A" of Adyen's libraries' own tests.
    /// let key = HmacKey::from_hex("DFB1EB5485895CFA84146406857104ABB4CBCABDC8AAF103A624C8F6A3EAAB00")?;
    /// let mut item = NotificationRequestItem::new("pspReference", "EVENT");
    /// item.original_reference = "originalReference".into();
    /// item.merchant_account_code = "merchantAccount".into();
    /// item.merchant_reference = "reference".into();
    /// item.amount = Some(Amount::new(1000, "EUR"));
    /// assert_eq!(key.sign_item(&item), "ipnxGCaUZ4l8TUW75a71/ghd2Fe5ffvX0pV4TLTntIc=");
    /// assert_eq!(key.sign_item(&item), key.sign(signing_string(&item).as_bytes()));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn sign_item(&self, item: &NotificationRequestItem) -> String {
        BASE64.encode(self.item_mac(item).finalize().into_bytes())
    }

    /// Sets the item's `additionalData.hmacSignature` to its signature under this key.
    ///
    /// ```
    /// # use tower_adyen_webhook::*;
    /// let key = HmacKey::from_hex("DFB1EB5485895CFA84146406857104ABB4CBCABDC8AAF103A624C8F6A3EAAB00")?;
    /// let mut item = NotificationRequestItem::new("pspReference", "EVENT");
    /// item.original_reference = "originalReference".into();
    /// item.merchant_account_code = "merchantAccount".into();
    /// item.merchant_reference = "reference".into();
    /// item.amount = Some(Amount::new(1000, "EUR"));
    /// key.sign_item_in_place(&mut item);
    /// assert_eq!(item.hmac_signature(), Some("ipnxGCaUZ4l8TUW75a71/ghd2Fe5ffvX0pV4TLTntIc="));
    /// assert!(HmacKeys::new(key).verify_item(&item).is_ok());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn sign_item_in_place(&self, item: &mut NotificationRequestItem) {
        let signature = self.sign_item(item);
        item.additional_data.insert("hmacSignature", signature);
    }

    fn item_mac(&self, item: &NotificationRequestItem) -> HmacSha256 {
        let mut mac = self.mac.clone();
        // The parts go straight into the MAC: the signing string is never allocated.
        for_each_signed_part(item, |part| mac.update(part));
        mac
    }
}

impl fmt::Debug for HmacKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("HmacKey")
            .field("kcv", &self.check_value())
            .finish()
    }
}

impl FromStr for HmacKey {
    type Err = KeyError;

    fn from_str(hex: &str) -> Result<Self, Self::Err> {
        Self::from_hex(hex)
    }
}

/// Why a key could not be used. Raised when the key is loaded, never at request time.
///
/// ```
/// use tower_adyen_webhook::{HmacKey, HmacKeys, KeyError};
///
/// let err = "0072 7DB8".parse::<HmacKey>().unwrap_err();
/// assert_eq!(err, KeyError::NotHex { position: 5, character: ' ' });
///
/// let err = "00727DB817A85C8503AD29EAD1523DB869AF0E536893BB3046C92DE7CB045CB1,oops"
///     .parse::<HmacKeys>()
///     .unwrap_err();
/// assert!(matches!(err, KeyError::InList { position: 2, .. }), "{err}");
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum KeyError {
    /// The key does not have 64 hex digits.
    Length {
        /// How many characters it has.
        digits: usize,
    },
    /// The key has a character that is not a hex digit.
    NotHex {
        /// The 1-based position of the first such character.
        position: usize,
        /// That character.
        character: char,
    },
    /// A key set was given no key.
    Empty,
    /// One key of a list is unusable.
    InList {
        /// The 1-based position of the key in the list.
        position: usize,
        /// Why.
        error: Box<KeyError>,
    },
}

impl fmt::Display for KeyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Length { digits } => write!(
                f,
                "an Adyen HMAC key must be 64 hex digits (got {digits}); copy it again from the \
                 Customer Area: Developers > Webhooks > your webhook > HMAC key"
            ),
            Self::NotHex {
                position,
                character,
            } => write!(
                f,
                "an Adyen HMAC key must be 64 hex digits (0-9, A-F), but character {position} \
                 is {character:?}"
            ),
            Self::Empty => f.write_str("no HMAC key configured: at least one key is needed"),
            Self::InList { position, error } => write!(f, "key {position}: {error}"),
        }
    }
}

impl std::error::Error for KeyError {}

/// The keys a webhook may be signed with: the current one first, then the previous ones while a
/// rotation is under way (Adyen does not re-sign webhooks already queued). Never empty.
///
/// ```
/// use tower_adyen_webhook::HmacKeys;
///
/// // As an environment variable would hold them: current key first, separated by commas.
/// let keys: HmacKeys = "00727DB817A85C8503AD29EAD1523DB869AF0E536893BB3046C92DE7CB045CB1,\
///                       DFB1EB5485895CFA84146406857104ABB4CBCABDC8AAF103A624C8F6A3EAAB00"
///     .parse()?;
/// assert_eq!(keys.len(), 2);
/// # Ok::<_, tower_adyen_webhook::KeyError>(())
/// ```
#[derive(Clone, Debug)]
pub struct HmacKeys(Vec<HmacKey>);

impl HmacKeys {
    /// A set holding one key.
    ///
    /// ```
    /// use tower_adyen_webhook::{HmacKey, HmacKeys};
    ///
    /// let keys = HmacKeys::new("00727DB817A85C8503AD29EAD1523DB869AF0E536893BB3046C92DE7CB045CB1".parse::<HmacKey>()?);
    /// assert_eq!(keys.len(), 1);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn new(key: HmacKey) -> Self {
        Self(vec![key])
    }

    /// Adds a key that is also accepted (for example the previous key, during a rotation).
    ///
    /// ```
    /// use tower_adyen_webhook::{HmacKey, HmacKeys};
    ///
    /// let current: HmacKey = "00727DB817A85C8503AD29EAD1523DB869AF0E536893BB3046C92DE7CB045CB1".parse()?;
    /// let previous: HmacKey = "DFB1EB5485895CFA84146406857104ABB4CBCABDC8AAF103A624C8F6A3EAAB00".parse()?;
    /// let keys = HmacKeys::new(current).with(previous.clone());
    /// assert_eq!(keys.len(), 2);
    /// let body = b"{}";
    /// let verified = keys.verify_bytes(body, Some(previous.sign(body).as_bytes()))?;
    /// assert_eq!(verified.key_index, 1);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[must_use]
    pub fn with(mut self, key: HmacKey) -> Self {
        self.0.push(key);
        self
    }

    /// A set from several keys; an empty iterator is an error.
    ///
    /// ```
    /// use tower_adyen_webhook::{HmacKey, HmacKeys, KeyError};
    ///
    /// let key: HmacKey = "00727DB817A85C8503AD29EAD1523DB869AF0E536893BB3046C92DE7CB045CB1".parse()?;
    /// assert_eq!(HmacKeys::try_from_keys([key.clone(), key])?.len(), 2);
    /// assert_eq!(HmacKeys::try_from_keys([]).unwrap_err(), KeyError::Empty);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn try_from_keys(keys: impl IntoIterator<Item = HmacKey>) -> Result<Self, KeyError> {
        let keys: Vec<_> = keys.into_iter().collect();
        if keys.is_empty() {
            return Err(KeyError::Empty);
        }
        Ok(Self(keys))
    }

    /// The keys, in the order they were given.
    ///
    /// ```
    /// use tower_adyen_webhook::HmacKeys;
    ///
    /// let keys: HmacKeys = "00727DB817A85C8503AD29EAD1523DB869AF0E536893BB3046C92DE7CB045CB1,\
    ///                       DFB1EB5485895CFA84146406857104ABB4CBCABDC8AAF103A624C8F6A3EAAB00"
    ///     .parse()?;
    /// let kcvs: Vec<&str> = keys.iter().map(|key| key.check_value()).collect();
    /// assert_eq!(kcvs.len(), 2);
    /// assert_eq!(kcvs[0], "9540DA");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn iter(&self) -> impl Iterator<Item = &HmacKey> {
        self.0.iter()
    }

    /// How many keys there are (at least one).
    ///
    /// ```
    /// use tower_adyen_webhook::HmacKeys;
    ///
    /// let keys: HmacKeys = "00727DB817A85C8503AD29EAD1523DB869AF0E536893BB3046C92DE7CB045CB1".parse()?;
    /// assert_eq!(keys.len(), 1);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[allow(clippy::len_without_is_empty)]
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Checks an item's `additionalData.hmacSignature` against every key.
    ///
    /// ```
    /// # use tower_adyen_webhook::*;
    /// let key = HmacKey::from_hex("00727DB817A85C8503AD29EAD1523DB869AF0E536893BB3046C92DE7CB045CB1")?;
    /// let mut item = NotificationRequestItem::new("7914073381342284", "AUTHORISATION");
    /// item.merchant_account_code = "TestMerchant".into();
    /// item.merchant_reference = "TestPayment-1407325143704".into();
    /// item.amount = Some(Amount::new(1130, "EUR"));
    /// let keys = HmacKeys::new(key.clone());
    /// assert_eq!(keys.verify_item(&item), Err(VerifyError::MissingSignature));
    /// key.sign_item_in_place(&mut item);
    /// assert_eq!(keys.verify_item(&item)?.key_index, 0);
    /// item.amount = Some(Amount::new(1, "EUR")); // tampered
    /// assert_eq!(keys.verify_item(&item), Err(VerifyError::Mismatch));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn verify_item(&self, item: &NotificationRequestItem) -> Result<Verified, VerifyError> {
        let signature = decode_signature(item.hmac_signature())?;
        self.find_key(&signature, |key| key.item_mac(item))
    }

    /// Checks a header-signed webhook: `signature` (the `HmacSignature` header) against the
    /// exact body bytes. Never re-serialize the body before calling this.
    ///
    /// ```
    /// use tower_adyen_webhook::{HmacKey, HmacKeys, VerifyError};
    ///
    /// let key: HmacKey = "00727DB817A85C8503AD29EAD1523DB869AF0E536893BB3046C92DE7CB045CB1".parse()?;
    /// let body = br#"{"type":"balancePlatform.accountHolder.created","data":{}}"#;
    /// let keys = HmacKeys::new(key.clone());
    /// assert!(keys.verify_bytes(body, Some(key.sign(body).as_bytes())).is_ok());
    /// assert_eq!(keys.verify_bytes(b"{ }", Some(key.sign(body).as_bytes())), Err(VerifyError::Mismatch));
    /// assert_eq!(keys.verify_bytes(body, Some(b"short")), Err(VerifyError::MalformedSignature));
    /// assert_eq!(keys.verify_bytes(body, None), Err(VerifyError::MissingSignature));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn verify_bytes(
        &self,
        body: &[u8],
        signature: Option<&[u8]>,
    ) -> Result<Verified, VerifyError> {
        let signature = match signature.map(std::str::from_utf8) {
            None => decode_signature(None)?,
            Some(Ok(text)) => decode_signature(Some(text))?,
            Some(Err(_)) => return Err(VerifyError::MalformedSignature),
        };
        self.find_key(&signature, |key| key.mac.clone().chain_update(body))
    }

    fn find_key(
        &self,
        signature: &[u8],
        mac: impl Fn(&HmacKey) -> HmacSha256,
    ) -> Result<Verified, VerifyError> {
        // Every key is tried even after a match, so timing does not tell which key matched.
        let mut found = None;
        for (index, key) in self.0.iter().enumerate() {
            // `verify_slice` checks the length, then compares in constant time.
            if mac(key).verify_slice(signature).is_ok() && found.is_none() {
                found = Some(index);
            }
        }
        found
            .map(|key_index| Verified { key_index })
            .ok_or(VerifyError::Mismatch)
    }
}

impl From<HmacKey> for HmacKeys {
    fn from(key: HmacKey) -> Self {
        Self::new(key)
    }
}

impl FromStr for HmacKeys {
    type Err = KeyError;

    /// Parses keys separated by commas (whitespace around them is ignored).
    fn from_str(list: &str) -> Result<Self, Self::Err> {
        let keys = list
            .split(',')
            .map(str::trim)
            .filter(|hex| !hex.is_empty())
            .enumerate()
            .map(|(i, hex)| {
                hex.parse().map_err(|error| KeyError::InList {
                    position: i + 1,
                    error: Box::new(error),
                })
            })
            .collect::<Result<Vec<HmacKey>, _>>()?;
        Self::try_from_keys(keys)
    }
}

/// A signature that matched.
///
/// ```
/// use tower_adyen_webhook::{HmacKey, HmacKeys};
///
/// let old: HmacKey = "DFB1EB5485895CFA84146406857104ABB4CBCABDC8AAF103A624C8F6A3EAAB00".parse()?;
/// let keys = HmacKeys::new("00727DB817A85C8503AD29EAD1523DB869AF0E536893BB3046C92DE7CB045CB1".parse()?).with(old.clone());
/// let verified = keys.verify_bytes(b"{}", Some(old.sign(b"{}").as_bytes()))?;
/// assert_eq!(verified.key_index, 1); // signed with the previous key: time to finish the rotation?
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Verified {
    /// Which key of the set matched (0 is the first, the current key).
    pub key_index: usize,
}

/// Why a signature was rejected.
///
/// ```
/// use tower_adyen_webhook::VerifyError;
///
/// assert_eq!(VerifyError::Mismatch.as_str(), "signature_mismatch");
/// assert_eq!(VerifyError::MissingSignature.to_string(), "no HMAC signature");
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum VerifyError {
    /// There is no signature.
    MissingSignature,
    /// The signature is not 32 bytes of standard, padded base64.
    MalformedSignature,
    /// The signature is well formed but no configured key produced it: the notification was
    /// tampered with, or signed with a key that is not configured.
    Mismatch,
}

impl VerifyError {
    /// A short, stable, lowercase code for logs and metrics.
    ///
    /// ```
    /// use tower_adyen_webhook::VerifyError;
    ///
    /// let codes = [VerifyError::MissingSignature, VerifyError::MalformedSignature, VerifyError::Mismatch]
    ///     .map(|error| error.as_str());
    /// assert_eq!(codes, ["missing_signature", "malformed_signature", "signature_mismatch"]);
    /// ```
    pub fn as_str(&self) -> &'static str {
        match self {
            Self::MissingSignature => "missing_signature",
            Self::MalformedSignature => "malformed_signature",
            Self::Mismatch => "signature_mismatch",
        }
    }
}

impl fmt::Display for VerifyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::MissingSignature => "no HMAC signature",
            Self::MalformedSignature => "HMAC signature is not 32 bytes of padded standard base64",
            Self::Mismatch => "HMAC signature does not match any configured key",
        })
    }
}

impl std::error::Error for VerifyError {}

/// The exact string an item's signature is computed over, for troubleshooting.
///
/// Verification never builds it: the same parts are fed to the MAC directly.
///
/// ```
/// # use tower_adyen_webhook::*;
/// let key = HmacKey::from_hex("00727DB817A85C8503AD29EAD1523DB869AF0E536893BB3046C92DE7CB045CB1")?;
/// let mut item = NotificationRequestItem::new("7914073381342284", "AUTHORISATION");
/// item.merchant_account_code = "TestMerchant".into();
/// item.merchant_reference = "TestPayment-1407325143704".into();
/// item.amount = Some(Amount::new(1130, "EUR"));
/// assert_eq!(
///     signing_string(&item),
///     "7914073381342284::TestMerchant:TestPayment-1407325143704:1130:EUR:AUTHORISATION:true"
/// );
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn signing_string(item: &NotificationRequestItem) -> String {
    let mut bytes = Vec::new();
    for_each_signed_part(item, |part| bytes.extend_from_slice(part));
    String::from_utf8(bytes).expect("every part is UTF-8")
}

/// Feeds the signing string to `sink` in pieces. The one place that knows the order.
fn for_each_signed_part(item: &NotificationRequestItem, mut sink: impl FnMut(&[u8])) {
    let mut value = IntBuf::default();
    let (value, currency) = match &item.amount {
        Some(amount) => (
            match amount.signed_text() {
                Some(text) => text.as_bytes(),
                None => value.format(amount.value),
            },
            amount.currency.as_bytes(),
        ),
        None => (&b""[..], &b""[..]),
    };
    let parts: [&[u8]; 8] = [
        item.psp_reference.as_bytes(),
        item.original_reference.as_bytes(),
        item.merchant_account_code.as_bytes(),
        item.merchant_reference.as_bytes(),
        value,
        currency,
        item.event_code.as_str().as_bytes(),
        item.signed_success().as_bytes(),
    ];
    for (i, part) in parts.iter().enumerate() {
        if i > 0 {
            sink(b":");
        }
        sink(part);
    }
}

fn decode_signature(signature: Option<&str>) -> Result<[u8; 32], VerifyError> {
    let signature = match signature {
        None | Some("") => return Err(VerifyError::MissingSignature),
        Some(s) => s.as_bytes(),
    };
    // A SHA-256 MAC is 44 base64 characters: anything else cannot match, and is not decoded.
    if signature.len() != 44 {
        return Err(VerifyError::MalformedSignature);
    }
    let mut out = [0u8; 33];
    match BASE64.decode_slice(signature, &mut out) {
        Ok(32) => Ok(out[..32].try_into().expect("32 bytes")),
        _ => Err(VerifyError::MalformedSignature),
    }
}

/// Decimal formatting of an `i64` on the stack.
#[derive(Default)]
pub(crate) struct IntBuf([u8; 20]);

impl IntBuf {
    pub(crate) fn format(&mut self, value: i64) -> &[u8] {
        let mut n = value.unsigned_abs();
        let mut start = self.0.len();
        loop {
            start -= 1;
            self.0[start] = b'0' + (n % 10) as u8;
            n /= 10;
            if n == 0 {
                break;
            }
        }
        if value < 0 {
            start -= 1;
            self.0[start] = b'-';
        }
        &self.0[start..]
    }
}

const HEX_UPPER: &[u8; 16] = b"0123456789ABCDEF";

fn hex_value(digit: u8) -> u8 {
    match digit {
        b'0'..=b'9' => digit - b'0',
        b'a'..=b'f' => digit - b'a' + 10,
        _ => digit - b'A' + 10,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::notification::{Amount, EventCode, NotificationRequest};

    const KEY: &str = "00727DB817A85C8503AD29EAD1523DB869AF0E536893BB3046C92DE7CB045CB1";

    #[test]
    fn key_check_value_matches_the_customer_area() {
        assert_eq!(HmacKey::from_hex(KEY).unwrap().check_value(), "9540DA");
        assert_eq!(
            HmacKey::from_hex(&KEY.to_lowercase())
                .unwrap()
                .check_value(),
            "9540DA"
        );
    }

    #[test]
    fn malformed_keys_say_what_is_wrong() {
        let err = HmacKey::from_hex(&KEY[1..]).unwrap_err();
        assert_eq!(err, KeyError::Length { digits: 63 });
        assert!(err.to_string().contains("64 hex digits (got 63)"));

        let err = HmacKey::from_hex(&format!("{}g", &KEY[1..])).unwrap_err();
        assert_eq!(
            err,
            KeyError::NotHex {
                position: 64,
                character: 'g'
            }
        );
        assert_eq!(
            HmacKey::from_hex("").unwrap_err(),
            KeyError::Length { digits: 0 }
        );
        // Multi-byte characters are reported, not sliced through.
        assert!(matches!(
            HmacKey::from_hex(&format!("é{}", &KEY[2..])),
            Err(KeyError::NotHex {
                position: 1,
                character: 'é'
            })
        ));
    }

    #[test]
    fn key_lists_parse_and_report_the_bad_key() {
        let keys: HmacKeys = format!("{KEY}, {}", KEY.to_lowercase()).parse().unwrap();
        assert_eq!(keys.len(), 2);
        let err = format!("{KEY},abc").parse::<HmacKeys>().unwrap_err();
        assert!(err.to_string().starts_with("key 2: "), "{err}");
        assert_eq!(" , ".parse::<HmacKeys>().unwrap_err(), KeyError::Empty);
        assert_eq!(HmacKeys::try_from_keys([]).unwrap_err(), KeyError::Empty);
    }

    #[test]
    fn debug_never_shows_the_key() {
        let key = HmacKey::from_hex(KEY).unwrap();
        let debug = format!("{key:?} {:?}", HmacKeys::new(key.clone()));
        assert!(!debug.to_uppercase().contains(&KEY[..8]));
        assert!(debug.contains("9540DA"));
    }

    fn item() -> NotificationRequestItem {
        let mut item = NotificationRequestItem::new("7914073381342284", EventCode::Authorisation);
        item.merchant_account_code = "TestMerchant".into();
        item.merchant_reference = "TestPayment-1407325143704".into();
        item.amount = Some(Amount::new(1130, "EUR"));
        item
    }

    #[test]
    fn signing_string_has_eight_parts_in_order() {
        let mut item = item();
        assert_eq!(
            signing_string(&item),
            "7914073381342284::TestMerchant:TestPayment-1407325143704:1130:EUR:AUTHORISATION:true"
        );
        item.amount = None;
        item.success = false;
        item.merchant_reference = r"a:b\c".into();
        assert_eq!(
            signing_string(&item),
            r"7914073381342284::TestMerchant:a:b\c:::AUTHORISATION:false"
        );
        item.amount = Some(Amount::new(i64::MIN, ""));
        assert!(signing_string(&item).contains(":-9223372036854775808::"));
        item.amount = Some(Amount::new(0, "EUR"));
        assert!(signing_string(&item).contains(":0:EUR:"));
    }

    #[test]
    fn success_is_signed_as_it_came() {
        let body = |success: &str| {
            format!(
                r#"{{"notificationItems": [{{"NotificationRequestItem": {{"pspReference": "1",
                    "success": {success}}}}}]}}"#
            )
        };
        for (success, signed) in [
            (r#""true""#, "true"),
            ("true", "true"),
            ("false", "false"),
            (r#""TRUE""#, "TRUE"),
            (r#""fAlse""#, "fAlse"),
        ] {
            let request = NotificationRequest::from_slice(body(success).as_bytes()).unwrap();
            let item = &request.items[0];
            let expected = format!("1:::::::{signed}");
            assert_eq!(signing_string(item), expected);
            let key = HmacKey::from_hex(KEY).unwrap();
            assert_eq!(key.sign_item(item), key.sign(expected.as_bytes()));
        }
    }

    #[test]
    fn a_value_sent_as_a_string_is_signed_as_it_came() {
        let body = |value: &str| {
            format!(
                r#"{{"notificationItems": [{{"NotificationRequestItem": {{"pspReference": "1",
                    "amount": {{"currency": "EUR", "value": {value}}}, "success": true}}}}]}}"#
            )
        };
        for (value, signed) in [("12", "12"), (r#""12""#, "12"), (r#""0012""#, "0012")] {
            let request = NotificationRequest::from_slice(body(value).as_bytes()).unwrap();
            let item = &request.items[0];
            let expected = format!("1::::{signed}:EUR::true");
            assert_eq!(signing_string(item), expected);
            // The MAC is fed the same parts.
            let key = HmacKey::from_hex(KEY).unwrap();
            assert_eq!(key.sign_item(item), key.sign(expected.as_bytes()));
        }
    }

    #[test]
    fn signed_items_verify_and_tampered_ones_do_not() {
        let key = HmacKey::from_hex(KEY).unwrap();
        let keys = HmacKeys::new(key.clone());
        let mut item = item();
        assert_eq!(keys.verify_item(&item), Err(VerifyError::MissingSignature));
        key.sign_item_in_place(&mut item);
        assert_eq!(keys.verify_item(&item), Ok(Verified { key_index: 0 }));

        let mut tampered = item.clone();
        tampered.amount = Some(Amount::new(1, "EUR"));
        assert_eq!(keys.verify_item(&tampered), Err(VerifyError::Mismatch));

        let mut unsigned_changed = item.clone();
        unsigned_changed.reason = "changed".into();
        unsigned_changed.event_date = "2030-01-01".into();
        assert!(keys.verify_item(&unsigned_changed).is_ok());
    }

    #[test]
    fn malformed_signatures_fail() {
        let key = HmacKey::from_hex(KEY).unwrap();
        let keys = HmacKeys::new(key.clone());
        let mut item = item();
        let good = key.sign_item(&item);
        let url_safe = good.replace('+', "-").replace('/', "_");
        let bad = [
            String::new(),
            good[..43].to_owned(),
            good.trim_end_matches('=').to_owned(),
            format!("{good}="),
            format!("{good}AAAA"),
            "!".repeat(44),
            BASE64.encode([0u8; 33]),
            BASE64.encode([0u8; 31]),
        ];
        for signature in bad.iter().chain((url_safe != good).then_some(&url_safe)) {
            item.additional_data
                .insert("hmacSignature", signature.clone());
            assert!(keys.verify_item(&item).is_err(), "{signature:?}");
        }
    }

    #[test]
    fn any_key_of_the_set_verifies() {
        let old = HmacKey::from_bytes(&[7; 32]);
        let new = HmacKey::from_hex(KEY).unwrap();
        let keys = HmacKeys::new(new.clone()).with(old.clone());
        let mut item = item();
        old.sign_item_in_place(&mut item);
        assert_eq!(keys.verify_item(&item), Ok(Verified { key_index: 1 }));
        assert_eq!(
            HmacKeys::new(new).verify_item(&item),
            Err(VerifyError::Mismatch)
        );
    }

    #[test]
    fn bytes_verify_against_the_header_signature() {
        let key = HmacKey::from_hex(KEY).unwrap();
        let keys = HmacKeys::new(key.clone());
        let body = br#"{"type":"balancePlatform.accountHolder.created"}"#;
        let signature = key.sign(body);
        assert!(keys.verify_bytes(body, Some(signature.as_bytes())).is_ok());
        assert_eq!(
            keys.verify_bytes(&body[1..], Some(signature.as_bytes())),
            Err(VerifyError::Mismatch)
        );
        assert_eq!(
            keys.verify_bytes(body, None),
            Err(VerifyError::MissingSignature)
        );
        assert_eq!(
            keys.verify_bytes(body, Some(b"\xff\xfe")),
            Err(VerifyError::MalformedSignature)
        );
    }

    #[test]
    fn integers_format_like_display() {
        for n in [0, 1, -1, 9, 10, 1130, i64::MAX, i64::MIN] {
            assert_eq!(IntBuf::default().format(n), n.to_string().as_bytes());
        }
    }
}
