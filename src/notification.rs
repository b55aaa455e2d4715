//! Typed standard notifications: the `notificationItems` envelope Adyen POSTs for payments.
//!
//! The types follow what Adyen sends rather than what would be convenient to write:
//!
//! - `live` and `success` arrive as the strings `"true"`/`"false"` and are exposed as `bool`.
//!   JSON booleans, which some of Adyen's own fixtures use, are read too (and signed as
//!   `true`/`false`, as Adyen's libraries sign them). Any other value of `success` is rejected:
//!   a handler must never have to guess whether a payment succeeded.
//! - `amount.value` is an integer in minor units; a string of its digits is read too, and signed
//!   as the text that came ([`Amount`]).
//! - `eventCode` is an open set ([`EventCode::Other`] keeps codes this crate has not heard of),
//!   so a new code never breaks parsing or verification.
//! - A missing or `null` string field is the empty string, the value it is signed as.
//! - `additionalData` is kept whole; keys Adyen adds tomorrow are there too.
//! - Unknown fields are ignored.

use std::cell::RefCell;
use std::fmt;
use std::marker::PhantomData;
use std::str::FromStr;

use bytes::{Bytes, BytesMut};
use bytestring::ByteString;
use serde::de::{self, DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde::ser::{SerializeMap, SerializeStruct, Serializer};
use serde::{Deserialize, Serialize};

use crate::signature::IntBuf;
use crate::text::Text;

mod scan;

/// A standard notification request: the whole body Adyen POSTs.
///
/// It holds one item in practice, but may hold several; every item is verified and handed over.
///
/// ```
/// use tower_adyen_webhook::{EventCode, NotificationRequest};
///
/// let body = r#"{"live": "false", "notificationItems": [{"NotificationRequestItem": {
///     "additionalData": {"hmacSignature": "coqCmt/IZ4E3CzPvMY8zTjQVL5hYJUiBRg8UU+iCWo0=",
///         "authCode": "58747", "cardSummary": "1111", "expiryDate": "8/2028",
///         "avsResult": "5 No AVS data provided", "cvcResult": "1 Matches",
///         "shopperReference": "shopper-42", "recurring.recurringDetailReference": "8415718415172204"},
///     "amount": {"currency": "EUR", "value": 1130}, "eventCode": "AUTHORISATION",
///     "eventDate": "2021-01-01T01:00:00+01:00", "merchantAccountCode": "TestMerchant",
///     "merchantReference": "TestPayment-1407325143704", "originalReference": "",
///     "paymentMethod": "visa", "pspReference": "7914073381342284", "reason": "58747:1111:8/2028",
///     "success": "true", "operations": ["CANCEL", "CAPTURE", "REFUND"]}}]}"#;
/// let request = NotificationRequest::from_slice(body.as_bytes())?;
/// assert!(!request.live);
/// assert_eq!(request.items.len(), 1);
/// assert_eq!(request.items[0].event_code, EventCode::Authorisation);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NotificationRequest {
    /// `true` for the live environment, from the string `live`. Not covered by the signature.
    pub live: bool,
    /// The items, in the order they were sent.
    pub items: Vec<NotificationRequestItem>,
}

impl NotificationRequest {
    /// Parses a request body.
    ///
    /// The error says what is wrong in a few words, and is safe to send back to the client: it
    /// never quotes the body.
    ///
    /// ```
    /// use tower_adyen_webhook::NotificationRequest;
    ///
    /// let request = NotificationRequest::from_slice(br#"{"notificationItems": []}"#)?;
    /// assert!(request.items.is_empty());
    ///
    /// // The error names what is wrong and where, never what the body said.
    /// let err = NotificationRequest::from_slice(br#"{"notificationItems": [{"NotificationRequestItem": {"success": "Card 4111 1111"}}]}"#)
    ///     .unwrap_err();
    /// assert!(err.to_string().contains("`success` to be `true` or `false`"), "{err}");
    /// assert!(!err.to_string().contains("4111"));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn from_slice(body: &[u8]) -> Result<Self, ParseError> {
        // One UTF-8 check of the whole body costs less than one per string, which is what
        // parsing bytes does. A body that fails it is parsed as bytes all the same, so that the
        // error and its position stay serde_json's.
        match std::str::from_utf8(body) {
            // One copy of the body, which every string of the request then shares.
            Ok(text) => Self::parse(ByteString::from(text)),
            Err(_) => Self::parse_invalid(body),
        }
    }

    /// Parses a request body held in `Bytes`, without copying it: every string of the request
    /// that has no escape in the body is a slice of `body` ([`Text`]).
    ///
    /// ```
    /// use bytes::Bytes;
    /// use tower_adyen_webhook::NotificationRequest;
    ///
    /// let body = Bytes::from_static(br#"{"notificationItems": [{"NotificationRequestItem":
    ///     {"pspReference": "7914073381342284", "reason": "Caf\u00e9", "success": "true"}}]}"#);
    /// let request = NotificationRequest::from_bytes(body.clone())?;
    /// let item = &request.items[0];
    /// assert_eq!(item.psp_reference, "7914073381342284");
    /// assert!(body.as_ptr_range().contains(&item.psp_reference.as_ptr())); // shared, not copied
    /// assert_eq!(item.reason, "Café"); // decoded, into a copy of its own
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn from_bytes(body: Bytes) -> Result<Self, ParseError> {
        match ByteString::try_from(body.clone()) {
            Ok(text) => Self::parse(text),
            Err(_) => Self::parse_invalid(&body),
        }
    }

    fn parse(body: ByteString) -> Result<Self, ParseError> {
        // The usual shape of a notification is read without serde (`scan`): nearly every body
        // Adyen sends. Anything else is read by serde.
        let body = Body::new(body, Strings::Serde);
        if let Some(request) = scan::request(&body) {
            // Under fuzzing, every body the scanner reads is read by serde too, and the two must
            // agree.
            #[cfg(fuzzing)]
            assert_eq!(Self::parse_from(body).ok().as_ref(), Some(&request));
            return Ok(request);
        }
        // A body without a backslash has no escape: serde_json hands every string over as a
        // slice of the body.
        if memchr::memchr(b'\\', body.text.as_bytes()).is_none() {
            return Self::parse_from(body);
        }
        // One with escapes would have serde_json decode them through a scratch buffer of its
        // own, allocated and grown for each such request; instead its string values are read
        // raw and decoded here, into the request's shared buffer. A body this pass refuses is
        // read again serde_json's way: what is accepted, and how an error reads, stay
        // serde_json's.
        let text = body.text;
        Self::parse_from(Body::new(text.clone(), Strings::Raw))
            .or_else(|_| Self::parse_from(Body::new(text, Strings::Serde)))
    }

    fn parse_from(body: Body) -> Result<Self, ParseError> {
        let mut deserializer = serde_json::Deserializer::from_str(&body.text);
        RequestSeed(Source(Some(&body)))
            .deserialize(&mut deserializer)
            .and_then(|request| deserializer.end().map(|()| request))
            .map_err(ParseError)
    }

    /// A body that is not UTF-8 fails: parsed as bytes, for serde_json's error and position.
    fn parse_invalid(body: &[u8]) -> Result<Self, ParseError> {
        let mut deserializer = serde_json::Deserializer::from_slice(body);
        RequestSeed(Source(None))
            .deserialize(&mut deserializer)
            .and_then(|request| deserializer.end().map(|()| request))
            .map_err(ParseError)
    }

    /// Serializes the request as Adyen does (`live` and `success` as strings).
    ///
    /// ```
    /// use tower_adyen_webhook::{NotificationRequest, NotificationRequestItem};
    ///
    /// let request = NotificationRequest { live: true, items: vec![NotificationRequestItem::new("1", "REFUND")] };
    /// let json = request.to_json();
    /// assert!(json.starts_with(r#"{"live":"true","notificationItems":[{"NotificationRequestItem":{"#));
    /// assert!(json.contains(r#""success":"true""#));
    /// assert_eq!(NotificationRequest::from_slice(json.as_bytes())?, request);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn to_json(&self) -> String {
        serde_json::to_string(self).expect("a notification request always serializes")
    }
}

/// Why a body is not a standard notification request.
///
/// ```
/// use tower_adyen_webhook::NotificationRequest;
///
/// let err = NotificationRequest::from_slice(b"[]").unwrap_err();
/// assert!(err.to_string().starts_with("not an Adyen notification: "), "{err}");
/// ```
#[derive(Debug)]
pub struct ParseError(serde_json::Error);

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // serde quotes the offending value in "invalid type: string \"4111...\", expected a string":
        // that is body content (possibly card or shopper data), so it is cut out. What is left
        // names the field's expected type and the position.
        let message = self.0.to_string();
        let redacted = ["invalid type: ", "invalid value: "]
            .iter()
            .find_map(|prefix| {
                let rest = message.strip_prefix(prefix)?;
                // The last one: the quoted value may itself contain the words.
                let expected = rest.rfind(", expected ")?;
                Some(format!(
                    "{}{}",
                    prefix.trim_end_matches(": "),
                    &rest[expected..]
                ))
            })
            .unwrap_or(message);
        write!(f, "not an Adyen notification: {redacted}")
    }
}

impl std::error::Error for ParseError {}

/// One notification: a `NotificationRequestItem`.
///
/// Only `pspReference`, `originalReference`, `merchantAccountCode`, `merchantReference`,
/// `amount`, `eventCode` and `success` are covered by the HMAC signature; every other field is
/// unauthenticated and must not be trusted for anything that matters.
///
/// ```
/// use tower_adyen_webhook::{Amount, EventCode, NotificationRequest};
///
/// let body = r#"{"live": "false", "notificationItems": [{"NotificationRequestItem": {
///     "additionalData": {"hmacSignature": "coqCmt/IZ4E3CzPvMY8zTjQVL5hYJUiBRg8UU+iCWo0=",
///         "authCode": "58747", "cardSummary": "1111", "expiryDate": "8/2028",
///         "avsResult": "5 No AVS data provided", "cvcResult": "1 Matches",
///         "shopperReference": "shopper-42", "recurring.recurringDetailReference": "8415718415172204"},
///     "amount": {"currency": "EUR", "value": 1130}, "eventCode": "AUTHORISATION",
///     "eventDate": "2021-01-01T01:00:00+01:00", "merchantAccountCode": "TestMerchant",
///     "merchantReference": "TestPayment-1407325143704", "originalReference": "",
///     "paymentMethod": "visa", "pspReference": "7914073381342284", "reason": "58747:1111:8/2028",
///     "success": "true", "operations": ["CANCEL", "CAPTURE", "REFUND"]}}]}"#;
/// let item = &NotificationRequest::from_slice(body.as_bytes())?.items[0];
/// assert_eq!(item.psp_reference, "7914073381342284");
/// assert_eq!(item.original_reference, "");
/// assert_eq!(item.merchant_account_code, "TestMerchant");
/// assert_eq!(item.merchant_reference, "TestPayment-1407325143704");
/// assert_eq!(item.amount, Some(Amount::new(1130, "EUR")));
/// assert_eq!(item.event_code, EventCode::Authorisation);
/// assert!(item.success);
/// // Unsigned:
/// assert_eq!(item.event_date, "2021-01-01T01:00:00+01:00");
/// assert_eq!(item.reason, "58747:1111:8/2028");
/// assert_eq!(item.payment_method, "visa");
/// assert_eq!(item.operations, ["CANCEL", "CAPTURE", "REFUND"]);
/// assert_eq!(item.additional_data.auth_code(), Some("58747"));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NotificationRequestItem {
    /// Adyen's unique reference of the payment or modification.
    pub psp_reference: Text,
    /// On modifications (capture, refund...), the `pspReference` of the original payment.
    pub original_reference: Text,
    /// The merchant account that processed the payment.
    pub merchant_account_code: Text,
    /// The merchant's own reference of the payment.
    pub merchant_reference: Text,
    /// The amount, in minor units. `None` when the item carries no amount.
    pub amount: Option<Amount>,
    /// What happened.
    pub event_code: EventCode,
    /// Whether it succeeded.
    pub success: bool,
    /// When it happened, as Adyen wrote it (ISO 8601 with offset). Unsigned.
    pub event_date: Text,
    /// Refusal reason, or `authCode:last4:expiry` on card authorisations, or the download URL on
    /// `REPORT_AVAILABLE`. Unsigned.
    pub reason: Text,
    /// The payment method (`visa`, `ideal`...). Unsigned.
    pub payment_method: Text,
    /// Modifications now possible on the payment (`CAPTURE`, `REFUND`...). Unsigned.
    pub operations: Vec<Text>,
    /// Everything in `additionalData`, including the signature. Unsigned apart from the
    /// signature itself.
    pub additional_data: AdditionalData,
    /// The text of `success` when it came in another case than Adyen writes it (`"TRUE"`): it
    /// is signed as it came. Kept only while it still denotes `success`.
    success_text: Option<Box<str>>,
}

impl NotificationRequestItem {
    /// An item with the given references and event code, and every other field empty.
    ///
    /// Meant for tests and tools: fill in the rest through the public fields, then sign it with
    /// [`HmacKey::sign_item`](crate::HmacKey::sign_item).
    ///
    /// ```
    /// use tower_adyen_webhook::{EventCode, NotificationRequestItem};
    ///
    /// let item = NotificationRequestItem::new("7914073381342284", "CAPTURE");
    /// assert_eq!(item.event_code, EventCode::Capture);
    /// assert!(item.success);
    /// assert_eq!(item.amount, None);
    /// assert!(item.additional_data.is_empty() && item.operations.is_empty());
    /// ```
    pub fn new(psp_reference: impl Into<Text>, event_code: impl Into<EventCode>) -> Self {
        Self {
            psp_reference: psp_reference.into(),
            original_reference: Text::new(),
            merchant_account_code: Text::new(),
            merchant_reference: Text::new(),
            amount: None,
            event_code: event_code.into(),
            success: true,
            event_date: Text::new(),
            reason: Text::new(),
            payment_method: Text::new(),
            operations: Vec::new(),
            additional_data: AdditionalData::default(),
            success_text: None,
        }
    }

    /// The text of `success` as the signature covers it.
    pub(crate) fn signed_success(&self) -> &str {
        match &self.success_text {
            Some(text) if text.eq_ignore_ascii_case(bool_str(self.success)) => text,
            _ => bool_str(self.success),
        }
    }

    /// The `hmacSignature` from `additionalData`, if any.
    ///
    /// ```
    /// use tower_adyen_webhook::{HmacKey, NotificationRequestItem};
    ///
    /// let mut item = NotificationRequestItem::new("7914073381342284", "CAPTURE");
    /// assert_eq!(item.hmac_signature(), None);
    /// let key: HmacKey = "00727DB817A85C8503AD29EAD1523DB869AF0E536893BB3046C92DE7CB045CB1".parse()?;
    /// key.sign_item_in_place(&mut item);
    /// assert_eq!(item.hmac_signature(), Some(&*key.sign_item(&item)));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn hmac_signature(&self) -> Option<&str> {
        self.additional_data.get("hmacSignature")
    }

    /// Whether this is a test webhook sent from the Customer Area (`pspReference` starting with
    /// `test_`).
    ///
    /// ```
    /// use tower_adyen_webhook::NotificationRequestItem;
    ///
    /// assert!(NotificationRequestItem::new("test_AUTHORISATION_1", "AUTHORISATION").is_test());
    /// assert!(!NotificationRequestItem::new("7914073381342284", "AUTHORISATION").is_test());
    /// assert!(!NotificationRequestItem::new("atest_1", "AUTHORISATION").is_test());
    /// ```
    pub fn is_test(&self) -> bool {
        self.psp_reference.starts_with("test_")
    }
}

/// An amount in minor units (`1130` EUR is 11.30 EUR).
///
/// Adyen sends `value` as a JSON integer. A string of digits (`"value": "1130"`, seen in Adyen's
/// own fixtures) is read too: `value` is its integer, and the signature is checked against the
/// text exactly as it came, so `"0012"` is signed as `0012`, not `12`.
///
/// ```
/// use tower_adyen_webhook::{Amount, NotificationRequest};
///
/// let body = br#"{"notificationItems": [{"NotificationRequestItem":
///     {"amount": {"currency": "EUR", "value": "1130"}, "success": "true"}}]}"#;
/// let amount = NotificationRequest::from_slice(body)?.items[0].amount.clone().unwrap();
/// assert_eq!(amount, Amount::new(1130, "EUR"));
/// assert_eq!((amount.value, &*amount.currency), (1130, "EUR"));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Amount {
    /// Three-letter ISO 4217 code.
    pub currency: Text,
    /// The value in minor units.
    pub value: i64,
    /// The value's text, when it came as a string that is not how `value` is written (`"0012"`,
    /// `"-0"`). Rare, so kept out of the way of every other amount.
    text: Option<Box<str>>,
}

impl Amount {
    /// An amount of `value` minor units of `currency`.
    ///
    /// ```
    /// use tower_adyen_webhook::Amount;
    ///
    /// let amount = Amount::new(1130, "EUR"); // 11.30 EUR
    /// assert_eq!((amount.value, amount.currency.as_str()), (1130, "EUR"));
    /// ```
    pub fn new(value: i64, currency: impl Into<Text>) -> Self {
        Self {
            currency: currency.into(),
            value,
            text: None,
        }
    }

    /// The text of `value` as the signature covers it: the digits as they came when Adyen sent
    /// them as a string, else `value` written in decimal (`None` here). Once `value` is changed,
    /// the text no longer denotes it and is not used.
    pub(crate) fn signed_text(&self) -> Option<&str> {
        self.text
            .as_deref()
            .filter(|text| text.parse() == Ok(self.value))
    }
}

/// The `additionalData` map of an item: string keys and string values.
///
/// Adyen adds keys all the time; all of them are kept. The accessors cover the common ones.
/// Values that are not strings in the body (which Adyen does not send) are kept as their JSON
/// text rather than failing the notification, since none of them is signed.
///
/// ```
/// use tower_adyen_webhook::{AdditionalData, NotificationRequest};
///
/// let body = r#"{"live": "false", "notificationItems": [{"NotificationRequestItem": {
///     "additionalData": {"hmacSignature": "coqCmt/IZ4E3CzPvMY8zTjQVL5hYJUiBRg8UU+iCWo0=",
///         "authCode": "58747", "cardSummary": "1111", "expiryDate": "8/2028",
///         "avsResult": "5 No AVS data provided", "cvcResult": "1 Matches",
///         "shopperReference": "shopper-42", "recurring.recurringDetailReference": "8415718415172204"},
///     "amount": {"currency": "EUR", "value": 1130}, "eventCode": "AUTHORISATION",
///     "eventDate": "2021-01-01T01:00:00+01:00", "merchantAccountCode": "TestMerchant",
///     "merchantReference": "TestPayment-1407325143704", "originalReference": "",
///     "paymentMethod": "visa", "pspReference": "7914073381342284", "reason": "58747:1111:8/2028",
///     "success": "true", "operations": ["CANCEL", "CAPTURE", "REFUND"]}}]}"#;
/// let data = &NotificationRequest::from_slice(body.as_bytes())?.items[0].additional_data;
/// assert_eq!(data.auth_code(), Some("58747"));
/// assert_eq!(data.card_summary(), Some("1111"));
/// assert_eq!(data.expiry_date(), Some("8/2028"));
/// assert_eq!(data.avs_result(), Some("5 No AVS data provided"));
/// assert_eq!(data.cvc_result(), Some("1 Matches"));
/// assert_eq!(data.shopper_reference(), Some("shopper-42"));
/// assert_eq!(data.recurring_detail_reference(), Some("8415718415172204"));
/// assert_eq!(data.stored_payment_method_id(), Some("8415718415172204"));
/// assert_eq!(data.len(), 8);
/// assert!(!data.is_empty());
/// assert_eq!(data.iter().next(), Some(("authCode", "58747"))); // sorted by key
///
/// let mut data: AdditionalData = [("tokenization.storedPaymentMethodId".to_owned(), "M5N7TQ4TG5PFWR50".to_owned())]
///     .into_iter()
///     .collect();
/// assert_eq!(data.stored_payment_method_id(), Some("M5N7TQ4TG5PFWR50"));
/// assert_eq!(data.insert("fraudResultType", "GREEN"), None);
/// assert_eq!(data.remove("fraudResultType").as_deref(), Some("GREEN"));
/// assert_eq!(data.get("fraudResultType"), None);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct AdditionalData(Vec<(Text, Text)>);

impl AdditionalData {
    /// Room for the usual handful of entries, in one allocation.
    const CAPACITY: usize = 8;

    /// The entries sorted by key, a key given more than once keeping its last value: what a map
    /// would hold, in one vector.
    fn from_entries(mut entries: Vec<(Text, Text)>) -> Self {
        // Nearly always sorted already (or a handful of entries), and with no key twice.
        if !entries.is_sorted_by(|a, b| a.0 < b.0) {
            entries.sort_by(|a, b| a.0.cmp(&b.0));
            entries.dedup_by(|later, kept| {
                let same = later.0 == kept.0;
                if same {
                    std::mem::swap(later, kept);
                }
                same
            });
        }
        Self(entries)
    }

    fn position(&self, key: &str) -> Result<usize, usize> {
        self.0.binary_search_by(|(k, _)| k.as_str().cmp(key))
    }

    /// The value of `key`.
    pub fn get(&self, key: &str) -> Option<&str> {
        let index = self.position(key).ok()?;
        Some(&self.0[index].1)
    }

    /// Sets `key` to `value`, returning the previous value.
    pub fn insert(&mut self, key: impl Into<Text>, value: impl Into<Text>) -> Option<Text> {
        let key = key.into();
        match self.position(&key) {
            Ok(index) => Some(std::mem::replace(&mut self.0[index].1, value.into())),
            Err(index) => {
                self.0.insert(index, (key, value.into()));
                None
            }
        }
    }

    /// Removes `key`, returning its value.
    pub fn remove(&mut self, key: &str) -> Option<Text> {
        let index = self.position(key).ok()?;
        Some(self.0.remove(index).1)
    }

    /// All entries, sorted by key.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &str)> {
        self.0.iter().map(|(k, v)| (k.as_str(), v.as_str()))
    }

    /// All entries, sorted by key, as the [`Text`]s they are held in (cheap to clone and keep).
    pub fn entries(&self) -> &[(Text, Text)] {
        &self.0
    }

    /// Number of entries.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Whether there are no entries.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// `authCode`: the issuer's authorisation code.
    pub fn auth_code(&self) -> Option<&str> {
        self.get("authCode")
    }

    /// `cardSummary`: the last four digits of the card.
    pub fn card_summary(&self) -> Option<&str> {
        self.get("cardSummary")
    }

    /// `expiryDate`: the card's expiry, `MM/YYYY`.
    pub fn expiry_date(&self) -> Option<&str> {
        self.get("expiryDate")
    }

    /// `avsResult`: the address verification result.
    pub fn avs_result(&self) -> Option<&str> {
        self.get("avsResult")
    }

    /// `cvcResult`: the card verification code result.
    pub fn cvc_result(&self) -> Option<&str> {
        self.get("cvcResult")
    }

    /// `shopperReference`: the merchant's reference of the shopper.
    pub fn shopper_reference(&self) -> Option<&str> {
        self.get("shopperReference")
    }

    /// The stored payment method's reference: `tokenization.storedPaymentMethodId`, or the older
    /// `recurring.recurringDetailReference`.
    pub fn stored_payment_method_id(&self) -> Option<&str> {
        self.get("tokenization.storedPaymentMethodId")
            .or_else(|| self.get("recurring.recurringDetailReference"))
    }

    /// `recurring.recurringDetailReference`: the recurring detail reference of a stored payment
    /// method.
    pub fn recurring_detail_reference(&self) -> Option<&str> {
        self.get("recurring.recurringDetailReference")
    }
}

/// A key given more than once keeps its last value.
impl<K: Into<Text>, V: Into<Text>> FromIterator<(K, V)> for AdditionalData {
    fn from_iter<I: IntoIterator<Item = (K, V)>>(iter: I) -> Self {
        Self::from_entries(
            iter.into_iter()
                .map(|(k, v)| (k.into(), v.into()))
                .collect(),
        )
    }
}

macro_rules! event_codes {
    ($($(#[$doc:meta])* $variant:ident = $code:literal,)+) => {
        /// An item's `eventCode`.
        ///
        /// Adyen keeps adding codes, so the set is open: a code this crate does not know is kept
        /// verbatim in [`EventCode::Other`], and verifies like any other. Match on the variants
        /// you handle and let the rest fall through.
        ///
        /// ```
        /// use tower_adyen_webhook::EventCode;
        ///
        /// assert_eq!(EventCode::from("REFUND"), EventCode::Refund);
        /// let new = EventCode::from("SOMETHING_NEW");
        /// assert_eq!(new, EventCode::Other("SOMETHING_NEW".into()));
        /// assert_eq!(new.to_string(), "SOMETHING_NEW");
        /// match EventCode::from("CAPTURE") {
        ///     EventCode::Capture => {}
        ///     _other => unreachable!(),
        /// }
        /// ```
        #[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
        #[non_exhaustive]
        pub enum EventCode {
            $($(#[$doc])* #[doc = concat!("`", $code, "`")] $variant,)+
            /// A code not listed here, exactly as Adyen sent it.
            Other(String),
        }

        impl EventCode {
            /// The code exactly as Adyen sends it, which is also how it is signed.
            ///
            /// ```
            /// use tower_adyen_webhook::EventCode;
            ///
            /// assert_eq!(EventCode::Authorisation.as_str(), "AUTHORISATION");
            /// assert_eq!(EventCode::Other("NEW_CODE".into()).as_str(), "NEW_CODE");
            /// ```
            pub fn as_str(&self) -> &str {
                match self {
                    $(Self::$variant => $code,)+
                    Self::Other(code) => code,
                }
            }

            fn from_known(code: &str) -> Option<Self> {
                match code {
                    $($code => Some(Self::$variant),)+
                    _ => None,
                }
            }
        }
    };
}

event_codes! {
    AchNotificationOfChange = "ACH_NOTIFICATION_OF_CHANGE",
    Authorisation = "AUTHORISATION",
    AuthorisationAdjustment = "AUTHORISATION_ADJUSTMENT",
    Autorescue = "AUTORESCUE",
    Cancellation = "CANCELLATION",
    CancelAutorescue = "CANCEL_AUTORESCUE",
    CancelOrRefund = "CANCEL_OR_REFUND",
    Capture = "CAPTURE",
    CaptureFailed = "CAPTURE_FAILED",
    Chargeback = "CHARGEBACK",
    ChargebackReversed = "CHARGEBACK_REVERSED",
    DirectDebitNoticeOfChangeNotification = "DIRECT_DEBIT_NOTICE_OF_CHANGE_NOTIFICATION",
    DisputeDefensePeriodEnded = "DISPUTE_DEFENSE_PERIOD_ENDED",
    Donation = "DONATION",
    Expire = "EXPIRE",
    HandledExternally = "HANDLED_EXTERNALLY",
    InformationSupplied = "INFORMATION_SUPPLIED",
    IssuerComments = "ISSUER_COMMENTS",
    IssuerResponseTimeframeExpired = "ISSUER_RESPONSE_TIMEFRAME_EXPIRED",
    ManualReviewAccept = "MANUAL_REVIEW_ACCEPT",
    ManualReviewReject = "MANUAL_REVIEW_REJECT",
    NotificationOfChargeback = "NOTIFICATION_OF_CHARGEBACK",
    NotificationOfFraud = "NOTIFICATION_OF_FRAUD",
    OfferClosed = "OFFER_CLOSED",
    OrderClosed = "ORDER_CLOSED",
    OrderOpened = "ORDER_OPENED",
    PaidoutReversed = "PAIDOUT_REVERSED",
    PayoutDecline = "PAYOUT_DECLINE",
    PayoutExpire = "PAYOUT_EXPIRE",
    PayoutThirdparty = "PAYOUT_THIRDPARTY",
    Pending = "PENDING",
    PostponedRefund = "POSTPONED_REFUND",
    PrearbitrationAccepted = "PREARBITRATION_ACCEPTED",
    PrearbitrationDeclined = "PREARBITRATION_DECLINED",
    PrearbitrationIssuerWithdrawn = "PREARBITRATION_ISSUER_WITHDRAWN",
    PrearbitrationLost = "PREARBITRATION_LOST",
    PrearbitrationOpen = "PREARBITRATION_OPEN",
    PrearbitrationWon = "PREARBITRATION_WON",
    RecurringContract = "RECURRING_CONTRACT",
    Refund = "REFUND",
    RefundedReversed = "REFUNDED_REVERSED",
    RefundFailed = "REFUND_FAILED",
    RefundWithData = "REFUND_WITH_DATA",
    ReportAvailable = "REPORT_AVAILABLE",
    RequestForInformation = "REQUEST_FOR_INFORMATION",
    SchemeArbitration = "SCHEME_ARBITRATION",
    SchemeArbitrationLost = "SCHEME_ARBITRATION_LOST",
    SchemeArbitrationWon = "SCHEME_ARBITRATION_WON",
    SecondChargeback = "SECOND_CHARGEBACK",
    TechnicalCancel = "TECHNICAL_CANCEL",
    VoidPendingRefund = "VOID_PENDING_REFUND",
}

impl fmt::Display for EventCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl From<&str> for EventCode {
    fn from(code: &str) -> Self {
        Self::from_known(code).unwrap_or_else(|| Self::Other(code.to_owned()))
    }
}

impl From<String> for EventCode {
    fn from(code: String) -> Self {
        Self::from_known(&code).unwrap_or(Self::Other(code))
    }
}

impl From<Text> for EventCode {
    fn from(code: Text) -> Self {
        Self::from(code.as_str())
    }
}

impl FromStr for EventCode {
    type Err = std::convert::Infallible;

    fn from_str(code: &str) -> Result<Self, Self::Err> {
        Ok(code.into())
    }
}

impl Serialize for EventCode {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for EventCode {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        // Like `string_or_null`, but a known code is matched on the borrowed text and never
        // allocated.
        struct CodeVisitor;

        impl<'de> Visitor<'de> for CodeVisitor {
            type Value = EventCode;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a string")
            }

            fn visit_str<E: de::Error>(self, code: &str) -> Result<EventCode, E> {
                Ok(code.into())
            }

            fn visit_string<E: de::Error>(self, code: String) -> Result<EventCode, E> {
                Ok(code.into())
            }

            fn visit_none<E: de::Error>(self) -> Result<EventCode, E> {
                Ok(EventCode::Other(String::new()))
            }

            fn visit_unit<E: de::Error>(self) -> Result<EventCode, E> {
                self.visit_none()
            }

            fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<EventCode, D::Error> {
                d.deserialize_str(self)
            }
        }

        deserializer.deserialize_option(CodeVisitor)
    }
}

// --- Deserialization -----------------------------------------------------------------------------
//
// Hand-written visitors rather than derived ones: each carries the body, so that a string with
// no escape in it becomes a slice of the body ([`Text`]) instead of a copy, and the field names
// are matched once, straight into the item's fields.

/// The body being parsed, and where the strings decoded from escapes go: one buffer for the
/// request, which they share, rather than an allocation each.
struct Body {
    text: ByteString,
    decoded: RefCell<BytesMut>,
    strings: Strings,
}

/// Who decodes the body's string values.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Strings {
    /// The visitors, from their raw JSON text ([`unescape`]).
    Raw,
    /// serde_json.
    Serde,
}

impl Body {
    fn new(text: ByteString, strings: Strings) -> Self {
        Self {
            text,
            decoded: RefCell::new(BytesMut::new()),
            strings,
        }
    }

    /// Decodes a string's escapes into the request's buffer: `None` for what serde_json would
    /// refuse in a string.
    fn unescape(&self, escaped: &str, known: fn(&str) -> Option<&'static str>) -> Option<Text> {
        let mut decoded = self.decoded.borrow_mut();
        // The decoded text is never longer than its escaped form.
        reserve(&mut decoded, escaped.len());
        unescape(escaped.as_bytes(), &mut decoded)?;
        let text = ByteString::try_from(decoded.split().freeze()).ok()?;
        Some(match known(&text) {
            Some(known) => Text::from_static(known),
            None => Text::from(text),
        })
    }
}

/// Room for `len` more bytes of decoded text, and for the strings after it: one allocation a
/// request, as a rule.
fn reserve(decoded: &mut BytesMut, len: usize) {
    if decoded.capacity() < len {
        decoded.reserve(len.max(256));
    }
}

/// Appends the text of a JSON string, given between its quotes as the body holds it, to `out`,
/// its escapes decoded. serde_json has checked the escapes' syntax when it read past the string;
/// what is left to refuse, with `None`, is a surrogate that is not part of a pair, which serde_json
/// refuses in a string too.
fn unescape(mut escaped: &[u8], out: &mut BytesMut) -> Option<()> {
    while let Some(at) = memchr::memchr(b'\\', escaped) {
        out.extend_from_slice(&escaped[..at]);
        let (&kind, rest) = escaped[at + 1..].split_first()?;
        escaped = rest;
        let byte = match kind {
            b'"' => b'"',
            b'\\' => b'\\',
            b'/' => b'/',
            b'b' => b'\x08',
            b'f' => b'\x0c',
            b'n' => b'\n',
            b'r' => b'\r',
            b't' => b'\t',
            b'u' => {
                let (unit, rest) = hex_escape(escaped)?;
                escaped = rest;
                let character = match unit {
                    0xD800..=0xDBFF => {
                        let (low, rest) = hex_escape(escaped.strip_prefix(b"\\u")?)?;
                        escaped = rest;
                        char::decode_utf16([unit, low]).next()?.ok()?
                    }
                    _ => char::from_u32(u32::from(unit))?,
                };
                out.extend_from_slice(character.encode_utf8(&mut [0; 4]).as_bytes());
                continue;
            }
            _ => return None,
        };
        out.extend_from_slice(&[byte]);
    }
    out.extend_from_slice(escaped);
    Some(())
}

/// The four hex digits of a `\u` escape, and what follows them.
fn hex_escape(escaped: &[u8]) -> Option<(u16, &[u8])> {
    let (digits, rest) = escaped.split_first_chunk::<4>()?;
    let mut unit = 0;
    for &digit in digits {
        unit = unit * 16 + u16::try_from(char::from(digit).to_digit(16)?).ok()?;
    }
    Some((unit, rest))
}

/// Where the strings being parsed lie: in the body when the deserializer reads it, else (a
/// caller's own deserializer) anywhere, and they are copied.
#[derive(Clone, Copy)]
struct Source<'a>(Option<&'a Body>);

impl<'a> Source<'a> {
    /// The body, when its string values are read raw.
    fn raw(self) -> Option<&'a Body> {
        self.0.filter(|body| body.strings == Strings::Raw)
    }

    /// A string of the body, unescaped.
    fn text(self, text: &str) -> Text {
        match self.0 {
            Some(body) => Text::slice_of(&body.text, text),
            None => Text::from(text),
        }
    }

    /// A string decoded from escapes.
    fn decoded(self, text: &str) -> Text {
        let Some(body) = self.0 else {
            return Text::from(text);
        };
        if text.is_empty() {
            return Text::new();
        }
        let mut decoded = body.decoded.borrow_mut();
        reserve(&mut decoded, text.len());
        decoded.extend_from_slice(text.as_bytes());
        let bytes = decoded.split().freeze();
        ByteString::try_from(bytes).map_or_else(|_| Text::from(text), Text::from)
    }
}

/// A string, with `null` (and, where the field is left out, nothing) as the empty string: that is
/// how it is signed. `known` names texts that are common enough to be kept as constants, with
/// neither slice nor copy.
#[derive(Clone, Copy)]
struct TextSeed<'a> {
    source: Source<'a>,
    known: fn(&str) -> Option<&'static str>,
}

impl<'a> TextSeed<'a> {
    fn new(source: Source<'a>) -> Self {
        fn none(_: &str) -> Option<&'static str> {
            None
        }
        Self {
            source,
            known: none,
        }
    }

    fn known(source: Source<'a>, known: fn(&str) -> Option<&'static str>) -> Self {
        Self { source, known }
    }
}

impl TextSeed<'_> {
    /// A string value from its raw JSON text: `null` is empty, and `None` is anything but a
    /// string or what serde_json would refuse in one.
    fn raw(self, body: &Body, raw: &str) -> Option<Text> {
        // serde_json has read `raw` as one JSON value: what starts with a quote ends with one.
        match raw.as_bytes().first() {
            Some(b'"') => {}
            _ if raw == "null" => return Some(Text::new()),
            _ => return None,
        }
        let text = raw.get(1..raw.len() - 1)?;
        if memchr::memchr(b'\\', text.as_bytes()).is_some() {
            return body.unescape(text, self.known);
        }
        Some(match (self.known)(text) {
            Some(known) => Text::from_static(known),
            None => Text::slice_of(&body.text, text),
        })
    }
}

/// The error of a string value the raw pass refuses, never seen: the body is parsed again by
/// serde_json, which says what is wrong.
fn raw_refused<E: de::Error>() -> E {
    E::custom("not a string value")
}

impl<'de> DeserializeSeed<'de> for TextSeed<'_> {
    type Value = Text;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Text, D::Error> {
        match self.source.raw() {
            Some(body) => {
                let raw = <&serde_json::value::RawValue>::deserialize(deserializer)?;
                self.raw(body, raw.get()).ok_or_else(raw_refused)
            }
            None => deserializer.deserialize_option(self),
        }
    }
}

impl<'de> Visitor<'de> for TextSeed<'_> {
    type Value = Text;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a string")
    }

    fn visit_borrowed_str<E: de::Error>(self, text: &'de str) -> Result<Text, E> {
        Ok(match (self.known)(text) {
            Some(known) => Text::from_static(known),
            None => self.source.text(text),
        })
    }

    fn visit_str<E: de::Error>(self, text: &str) -> Result<Text, E> {
        // Decoded from escapes, or from a caller's deserializer: a copy.
        Ok(match (self.known)(text) {
            Some(known) => Text::from_static(known),
            None => self.source.decoded(text),
        })
    }

    fn visit_string<E: de::Error>(self, text: String) -> Result<Text, E> {
        Ok(text.into())
    }

    fn visit_none<E: de::Error>(self) -> Result<Text, E> {
        Ok(Text::new())
    }

    fn visit_unit<E: de::Error>(self) -> Result<Text, E> {
        Ok(Text::new())
    }

    fn visit_some<D: Deserializer<'de>>(self, deserializer: D) -> Result<Text, D::Error> {
        deserializer.deserialize_str(self)
    }
}

/// A string that may not be `null` (the elements of `operations`).
#[derive(Clone, Copy)]
struct StrictText<'a>(TextSeed<'a>);

impl<'de> DeserializeSeed<'de> for StrictText<'_> {
    type Value = Text;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Text, D::Error> {
        deserializer.deserialize_str(self.0)
    }
}

/// Texts common enough to be constants: `additionalData` keys, operations, currencies.
fn known_text(text: &str) -> Option<&'static str> {
    Some(match text {
        "hmacSignature" => "hmacSignature",
        "authCode" => "authCode",
        "cardSummary" => "cardSummary",
        "expiryDate" => "expiryDate",
        "avsResult" => "avsResult",
        "cvcResult" => "cvcResult",
        "shopperReference" => "shopperReference",
        "recurring.recurringDetailReference" => "recurring.recurringDetailReference",
        "recurring.shopperReference" => "recurring.shopperReference",
        "tokenization.storedPaymentMethodId" => "tokenization.storedPaymentMethodId",
        "tokenization.shopperReference" => "tokenization.shopperReference",
        "tokenization.store.operationType" => "tokenization.store.operationType",
        "paymentLinkId" => "paymentLinkId",
        "fraudResultType" => "fraudResultType",
        "fraudManualReview" => "fraudManualReview",
        "cardBin" => "cardBin",
        "issuerCountry" => "issuerCountry",
        "paymentMethod" => "paymentMethod",
        "paymentMethodVariant" => "paymentMethodVariant",
        "checkoutSessionId" => "checkoutSessionId",
        "merchantOrderReference" => "merchantOrderReference",
        "shopperCountry" => "shopperCountry",
        "shopperIP" => "shopperIP",
        "shopperEmail" => "shopperEmail",
        "threeDAuthenticated" => "threeDAuthenticated",
        "threeDOffered" => "threeDOffered",
        "cardHolderName" => "cardHolderName",
        "totalFraudScore" => "totalFraudScore",
        "CANCEL" => "CANCEL",
        "CAPTURE" => "CAPTURE",
        "REFUND" => "REFUND",
        "true" => "true",
        "false" => "false",
        _ => return None,
    })
}

fn known_currency(text: &str) -> Option<&'static str> {
    Some(match text {
        "EUR" => "EUR",
        "USD" => "USD",
        "GBP" => "GBP",
        "JPY" => "JPY",
        "CHF" => "CHF",
        "SEK" => "SEK",
        "NOK" => "NOK",
        "DKK" => "DKK",
        "PLN" => "PLN",
        "AUD" => "AUD",
        "CAD" => "CAD",
        "BRL" => "BRL",
        "KWD" => "KWD",
        _ => return None,
    })
}

/// Stores a field's value, refusing a field given twice.
macro_rules! once {
    ($map:ident, $slot:expr, $name:literal, $seed:expr) => {{
        if $slot.is_some() {
            return Err(de::Error::duplicate_field($name));
        }
        $slot = Some($map.next_value_seed($seed)?);
    }};
}

/// Reads a map's keys into an enum of the fields it knows, matching the key's bytes once.
macro_rules! field_names {
    ($name:ident { $($variant:ident = $key:literal,)+ }) => {
        #[derive(Clone, Copy)]
        enum $name {
            $($variant,)+
            Other,
        }

        impl $name {
            fn of(key: &str) -> Self {
                match key {
                    $($key => $name::$variant,)+
                    _ => $name::Other,
                }
            }
        }

        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                struct Names;

                impl Visitor<'_> for Names {
                    type Value = $name;

                    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                        f.write_str("a field name")
                    }

                    fn visit_str<E: de::Error>(self, key: &str) -> Result<$name, E> {
                        Ok($name::of(key))
                    }
                }

                deserializer.deserialize_identifier(Names)
            }
        }
    };
}

field_names!(EnvelopeField {
    Live = "live",
    Items = "notificationItems",
});

field_names!(WrapperField {
    Item = "NotificationRequestItem",
});

field_names!(ItemField {
    PspReference = "pspReference",
    OriginalReference = "originalReference",
    MerchantAccountCode = "merchantAccountCode",
    MerchantReference = "merchantReference",
    Amount = "amount",
    EventCode = "eventCode",
    Success = "success",
    EventDate = "eventDate",
    Reason = "reason",
    PaymentMethod = "paymentMethod",
    Operations = "operations",
    AdditionalData = "additionalData",
});

field_names!(AmountField {
    Currency = "currency",
    Value = "value",
});

/// `"true"` or `"false"`, as Adyen writes booleans, or a JSON boolean, as some of Adyen's own
/// fixtures do (and its Java, .NET and Node libraries accept); both sign as `true`/`false`.
/// Another case (`"TRUE"`) is read too, and its text kept, since it is signed as it came.
/// Anything else names the field in its error.
struct SuccessSeed;

impl<'de> DeserializeSeed<'de> for SuccessSeed {
    type Value = (bool, Option<Box<str>>);

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Self::Value, D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl Visitor<'_> for SuccessSeed {
    type Value = (bool, Option<Box<str>>);

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("`success` to be `true` or `false`")
    }

    fn visit_bool<E: de::Error>(self, value: bool) -> Result<Self::Value, E> {
        Ok((value, None))
    }

    fn visit_str<E: de::Error>(self, value: &str) -> Result<Self::Value, E> {
        match value {
            "true" => Ok((true, None)),
            "false" => Ok((false, None)),
            _ if value.eq_ignore_ascii_case("true") => Ok((true, Some(value.into()))),
            _ if value.eq_ignore_ascii_case("false") => Ok((false, Some(value.into()))),
            _ => Err(E::invalid_value(de::Unexpected::Str(value), &self)),
        }
    }
}

/// `live` is not signed, and Adyen's libraries take whatever it holds: `"true"` or `true` is the
/// live environment, anything else (`"false"`, `null`, another string) is not.
struct LiveSeed;

impl<'de> DeserializeSeed<'de> for LiveSeed {
    type Value = bool;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<bool, D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl Visitor<'_> for LiveSeed {
    type Value = bool;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("`live` to be a string or a boolean")
    }

    fn visit_bool<E: de::Error>(self, value: bool) -> Result<bool, E> {
        Ok(value)
    }

    fn visit_str<E: de::Error>(self, value: &str) -> Result<bool, E> {
        Ok(value == "true")
    }

    fn visit_unit<E: de::Error>(self) -> Result<bool, E> {
        Ok(false)
    }
}

/// The envelope: `live` and `notificationItems`, each once; `notificationItems` required.
struct RequestSeed<'a>(Source<'a>);

impl<'de> DeserializeSeed<'de> for RequestSeed<'_> {
    type Value = NotificationRequest;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Self::Value, D::Error> {
        deserializer.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for RequestSeed<'_> {
    type Value = NotificationRequest;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a notification request object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut live = None;
        let mut items = None;
        while let Some(field) = map.next_key::<EnvelopeField>()? {
            match field {
                EnvelopeField::Live => once!(map, live, "live", LiveSeed),
                EnvelopeField::Items => once!(map, items, "notificationItems", ItemsSeed(self.0)),
                EnvelopeField::Other => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        Ok(NotificationRequest {
            live: live.unwrap_or(false),
            items: items.ok_or_else(|| de::Error::missing_field("notificationItems"))?,
        })
    }
}

struct ItemsSeed<'a>(Source<'a>);

/// Room for two items (752 bytes), which covers nearly every request and stays within the
/// allocator's fast path: glibc's per-thread cache takes blocks up to about 1 KiB, and a larger
/// block costs a pass over its free lists (`malloc_consolidate`), about a tenth of a one-item
/// request's instructions.
const ITEMS_CAPACITY: usize = 2;

impl<'de> DeserializeSeed<'de> for ItemsSeed<'_> {
    type Value = Vec<NotificationRequestItem>;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Self::Value, D::Error> {
        deserializer.deserialize_seq(self)
    }
}

impl<'de> Visitor<'de> for ItemsSeed<'_> {
    type Value = Vec<NotificationRequestItem>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a sequence")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        let mut items = Vec::with_capacity(ITEMS_CAPACITY);
        while let Some(item) = seq.next_element_seed(WrapperSeed(self.0))? {
            items.push(item);
        }
        Ok(items)
    }
}

/// `{"NotificationRequestItem": {...}}`.
struct WrapperSeed<'a>(Source<'a>);

impl<'de> DeserializeSeed<'de> for WrapperSeed<'_> {
    type Value = NotificationRequestItem;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Self::Value, D::Error> {
        deserializer.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for WrapperSeed<'_> {
    type Value = NotificationRequestItem;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an object holding a `NotificationRequestItem`")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut item = None;
        while let Some(field) = map.next_key::<WrapperField>()? {
            match field {
                WrapperField::Item => once!(map, item, "NotificationRequestItem", ItemSeed(self.0)),
                WrapperField::Other => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        item.ok_or_else(|| de::Error::missing_field("NotificationRequestItem"))
    }
}

struct ItemSeed<'a>(Source<'a>);

impl<'de> DeserializeSeed<'de> for ItemSeed<'_> {
    type Value = NotificationRequestItem;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Self::Value, D::Error> {
        deserializer.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for ItemSeed<'_> {
    type Value = NotificationRequestItem;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a `NotificationRequestItem` object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let text = TextSeed::new(self.0);
        let (mut psp_reference, mut original_reference) = (None, None);
        let (mut merchant_account_code, mut merchant_reference) = (None, None);
        let (mut amount, mut event_code, mut success) = (None, None, None);
        let (mut event_date, mut reason, mut payment_method) = (None, None, None);
        let (mut operations, mut additional_data) = (None, None);
        while let Some(field) = map.next_key::<ItemField>()? {
            match field {
                ItemField::PspReference => once!(map, psp_reference, "pspReference", text),
                ItemField::OriginalReference => {
                    once!(map, original_reference, "originalReference", text)
                }
                ItemField::MerchantAccountCode => {
                    once!(map, merchant_account_code, "merchantAccountCode", text)
                }
                ItemField::MerchantReference => {
                    once!(map, merchant_reference, "merchantReference", text)
                }
                ItemField::Amount => once!(map, amount, "amount", AmountSeed(self.0)),
                ItemField::EventCode => {
                    once!(map, event_code, "eventCode", PhantomData::<EventCode>)
                }
                ItemField::Success => once!(map, success, "success", SuccessSeed),
                ItemField::EventDate => once!(map, event_date, "eventDate", text),
                ItemField::Reason => once!(map, reason, "reason", text),
                ItemField::PaymentMethod => once!(map, payment_method, "paymentMethod", text),
                ItemField::Operations => {
                    once!(map, operations, "operations", OperationsSeed(self.0))
                }
                ItemField::AdditionalData => {
                    once!(map, additional_data, "additionalData", DataSeed(self.0))
                }
                ItemField::Other => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        // `success` may not be left out: a missing value must fail rather than read as `false`.
        let (success, success_text) = success.ok_or_else(|| de::Error::missing_field("success"))?;
        Ok(NotificationRequestItem {
            psp_reference: psp_reference.unwrap_or_default(),
            original_reference: original_reference.unwrap_or_default(),
            merchant_account_code: merchant_account_code.unwrap_or_default(),
            merchant_reference: merchant_reference.unwrap_or_default(),
            amount: amount.flatten(),
            event_code: event_code.unwrap_or_else(|| EventCode::Other(String::new())),
            success,
            event_date: event_date.unwrap_or_default(),
            reason: reason.unwrap_or_default(),
            payment_method: payment_method.unwrap_or_default(),
            operations: operations.unwrap_or_default(),
            additional_data: additional_data.unwrap_or_default(),
            success_text,
        })
    }
}

/// `operations`: a list of strings, `null` as none.
struct OperationsSeed<'a>(Source<'a>);

impl<'de> DeserializeSeed<'de> for OperationsSeed<'_> {
    type Value = Vec<Text>;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Self::Value, D::Error> {
        deserializer.deserialize_option(self)
    }
}

impl<'de> Visitor<'de> for OperationsSeed<'_> {
    type Value = Vec<Text>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a sequence")
    }

    fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(Vec::new())
    }

    fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(Vec::new())
    }

    fn visit_some<D: Deserializer<'de>>(self, deserializer: D) -> Result<Self::Value, D::Error> {
        deserializer.deserialize_seq(self)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        let seed = TextSeed::known(self.0, known_text);
        let mut operations = Vec::new();
        while let Some(operation) = seq.next_element_seed(StrictText(seed))? {
            operations.push(operation);
        }
        Ok(operations)
    }
}

/// `amount`: `null` is none.
struct AmountSeed<'a>(Source<'a>);

impl<'de> DeserializeSeed<'de> for AmountSeed<'_> {
    type Value = Option<Amount>;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Self::Value, D::Error> {
        deserializer.deserialize_option(self)
    }
}

impl<'de> Visitor<'de> for AmountSeed<'_> {
    type Value = Option<Amount>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an amount object")
    }

    fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(None)
    }

    fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(None)
    }

    fn visit_some<D: Deserializer<'de>>(self, deserializer: D) -> Result<Self::Value, D::Error> {
        deserializer.deserialize_map(self)
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let (mut currency, mut value) = (None, None);
        while let Some(field) = map.next_key::<AmountField>()? {
            match field {
                AmountField::Currency => once!(
                    map,
                    currency,
                    "currency",
                    TextSeed::known(self.0, known_currency)
                ),
                AmountField::Value => once!(map, value, "value", AmountValue),
                AmountField::Other => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        let (value, text) = value.ok_or_else(|| de::Error::missing_field("value"))?;
        Ok(Some(Amount {
            currency: currency.unwrap_or_default(),
            value,
            text,
        }))
    }
}

/// `amount.value`: an integer, or a string of its digits whose text is kept when it is not how
/// the integer is written.
struct AmountValue;

impl<'de> DeserializeSeed<'de> for AmountValue {
    type Value = (i64, Option<Box<str>>);

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Self::Value, D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl Visitor<'_> for AmountValue {
    type Value = (i64, Option<Box<str>>);

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an integer in minor units, or a string of its digits")
    }

    fn visit_i64<E: de::Error>(self, value: i64) -> Result<Self::Value, E> {
        Ok((value, None))
    }

    fn visit_u64<E: de::Error>(self, value: u64) -> Result<Self::Value, E> {
        i64::try_from(value)
            .map(|value| (value, None))
            .map_err(|_| E::invalid_value(de::Unexpected::Unsigned(value), &self))
    }

    fn visit_str<E: de::Error>(self, text: &str) -> Result<Self::Value, E> {
        // Digits, with a minus sign at most: what `i64` parses, less its `+`.
        let digits = text.strip_prefix('-').unwrap_or(text);
        let value = match digits.bytes().all(|b| b.is_ascii_digit()) {
            true => text.parse::<i64>().ok(),
            false => None,
        }
        .ok_or_else(|| E::invalid_value(de::Unexpected::Str(text), &self))?;
        let mut written = IntBuf::default();
        let text = (written.format(value) != text.as_bytes()).then(|| text.into());
        Ok((value, text))
    }
}

impl<'de> Deserialize<'de> for Amount {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer
            .deserialize_map(AmountSeed(Source(None)))?
            .ok_or_else(|| de::Error::custom("an amount object"))
    }
}

impl<'de> Deserialize<'de> for NotificationRequest {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        RequestSeed(Source(None)).deserialize(deserializer)
    }
}

impl<'de> Deserialize<'de> for NotificationRequestItem {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        ItemSeed(Source(None)).deserialize(deserializer)
    }
}

impl<'de> Deserialize<'de> for AdditionalData {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        DataSeed(Source(None)).deserialize(deserializer)
    }
}

/// `additionalData`: `null` is empty.
struct DataSeed<'a>(Source<'a>);

impl<'de> DeserializeSeed<'de> for DataSeed<'_> {
    type Value = AdditionalData;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Self::Value, D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for DataSeed<'_> {
    type Value = AdditionalData;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an object of strings")
    }

    fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(AdditionalData::default())
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut entries = Vec::with_capacity(AdditionalData::CAPACITY);
        let key = StrictText(TextSeed::known(self.0, known_text));
        while let Some(key) = map.next_key_seed(key)? {
            if let Some(value) = map.next_value_seed(ValueText(self.0))? {
                entries.push((key, value));
            }
        }
        Ok(AdditionalData::from_entries(entries))
    }
}

/// A value of `additionalData`: a string as it is, nothing for `null`, and anything else as its
/// JSON text.
struct ValueText<'a>(Source<'a>);

impl<'de> DeserializeSeed<'de> for ValueText<'_> {
    type Value = Option<Text>;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Self::Value, D::Error> {
        let Some(body) = self.0.raw() else {
            return deserializer.deserialize_any(self);
        };
        let raw = <&serde_json::value::RawValue>::deserialize(deserializer)?.get();
        match raw {
            "null" => Ok(None),
            _ if raw.starts_with('"') => TextSeed::known(self.0, known_text)
                .raw(body, raw)
                .map(Some)
                .ok_or_else(raw_refused),
            // Not a string: its JSON text, as serde_json writes it.
            _ => serde_json::from_str::<serde_json::Value>(raw)
                .map(json_text)
                .map_err(|_| raw_refused()),
        }
    }
}

impl<'de> Visitor<'de> for ValueText<'_> {
    type Value = Option<Text>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any JSON value")
    }

    fn visit_borrowed_str<E: de::Error>(self, value: &'de str) -> Result<Self::Value, E> {
        TextSeed::known(self.0, known_text)
            .visit_borrowed_str(value)
            .map(Some)
    }

    fn visit_str<E: de::Error>(self, value: &str) -> Result<Self::Value, E> {
        TextSeed::known(self.0, known_text)
            .visit_str(value)
            .map(Some)
    }

    fn visit_string<E: de::Error>(self, value: String) -> Result<Self::Value, E> {
        Ok(Some(value.into()))
    }

    fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(None)
    }

    fn visit_bool<E: de::Error>(self, value: bool) -> Result<Self::Value, E> {
        Ok(json_text(value))
    }

    fn visit_i64<E: de::Error>(self, value: i64) -> Result<Self::Value, E> {
        Ok(json_text(value))
    }

    fn visit_u64<E: de::Error>(self, value: u64) -> Result<Self::Value, E> {
        Ok(json_text(value))
    }

    fn visit_f64<E: de::Error>(self, value: f64) -> Result<Self::Value, E> {
        Ok(json_text(value))
    }

    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<Self::Value, A::Error> {
        let value = serde_json::Value::deserialize(de::value::SeqAccessDeserializer::new(seq))?;
        Ok(json_text(value))
    }

    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
        let value = serde_json::Value::deserialize(de::value::MapAccessDeserializer::new(map))?;
        Ok(json_text(value))
    }
}

fn json_text(value: impl Into<serde_json::Value>) -> Option<Text> {
    Some(value.into().to_string().into())
}

// --- Serialization: the exact shape Adyen sends ---------------------------------------------------

impl Serialize for Amount {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut s = serializer.serialize_struct("Amount", 2)?;
        s.serialize_field("currency", &self.currency)?;
        // As it came, so that the signature still holds.
        match self.signed_text() {
            Some(text) => s.serialize_field("value", text)?,
            None => s.serialize_field("value", &self.value)?,
        }
        s.end()
    }
}

impl Serialize for NotificationRequest {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        struct Wrapper<'a>(&'a NotificationRequestItem);

        impl Serialize for Wrapper<'_> {
            fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                let mut map = serializer.serialize_map(Some(1))?;
                map.serialize_entry("NotificationRequestItem", self.0)?;
                map.end()
            }
        }

        let items: Vec<Wrapper<'_>> = self.items.iter().map(Wrapper).collect();
        let mut s = serializer.serialize_struct("NotificationRequest", 2)?;
        s.serialize_field("live", bool_str(self.live))?;
        s.serialize_field("notificationItems", &items)?;
        s.end()
    }
}

impl Serialize for NotificationRequestItem {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut s = serializer.serialize_struct("NotificationRequestItem", 12)?;
        s.serialize_field("additionalData", &self.additional_data)?;
        if let Some(amount) = &self.amount {
            s.serialize_field("amount", amount)?;
        }
        s.serialize_field("eventCode", &self.event_code)?;
        s.serialize_field("eventDate", &self.event_date)?;
        s.serialize_field("merchantAccountCode", &self.merchant_account_code)?;
        s.serialize_field("merchantReference", &self.merchant_reference)?;
        s.serialize_field("operations", &self.operations)?;
        s.serialize_field("originalReference", &self.original_reference)?;
        s.serialize_field("paymentMethod", &self.payment_method)?;
        s.serialize_field("pspReference", &self.psp_reference)?;
        s.serialize_field("reason", &self.reason)?;
        s.serialize_field("success", self.signed_success())?;
        s.end()
    }
}

impl Serialize for AdditionalData {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(Some(self.0.len()))?;
        for (key, value) in &self.0 {
            map.serialize_entry(key, value)?;
        }
        map.end()
    }
}

fn bool_str(b: bool) -> &'static str {
    if b {
        "true"
    } else {
        "false"
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const BODY: &str = r#"{"live": "false",
     "notificationItems": [
       {"NotificationRequestItem": {
          "additionalData": {"hmacSignature": "coqCmt/IZ4E3CzPvMY8zTjQVL5hYJUiBRg8UU+iCWo0=", "authCode": "58747"},
          "amount": {"currency": "EUR", "value": 1130},
          "eventCode": "AUTHORISATION", "eventDate": "2021-01-01T01:00:00+01:00",
          "merchantAccountCode": "TestMerchant", "merchantReference": "TestPayment-1407325143704",
          "originalReference": "", "paymentMethod": "visa", "pspReference": "7914073381342284",
          "reason": "1234:7777:12/2012", "success": "true", "operations": ["CANCEL", "CAPTURE", "REFUND"]}}]}"#;

    #[test]
    fn parses_the_documented_example() {
        let request = NotificationRequest::from_slice(BODY.as_bytes()).unwrap();
        assert!(!request.live);
        let item = &request.items[0];
        assert_eq!(item.psp_reference, "7914073381342284");
        assert_eq!(item.event_code, EventCode::Authorisation);
        assert!(item.success);
        assert_eq!(item.amount, Some(Amount::new(1130, "EUR")));
        assert_eq!(item.additional_data.auth_code(), Some("58747"));
        assert_eq!(
            item.hmac_signature(),
            Some("coqCmt/IZ4E3CzPvMY8zTjQVL5hYJUiBRg8UU+iCWo0=")
        );
        assert_eq!(item.operations, ["CANCEL", "CAPTURE", "REFUND"]);
    }

    #[test]
    fn round_trips_through_json() {
        let request = NotificationRequest::from_slice(BODY.as_bytes()).unwrap();
        let again = NotificationRequest::from_slice(request.to_json().as_bytes()).unwrap();
        assert_eq!(request, again);
    }

    #[test]
    fn unknown_event_codes_are_kept_verbatim() {
        let body = BODY.replace("AUTHORISATION", "SOMETHING_NEW");
        let request = NotificationRequest::from_slice(body.as_bytes()).unwrap();
        assert_eq!(
            request.items[0].event_code,
            EventCode::Other("SOMETHING_NEW".into())
        );
        assert_eq!(request.items[0].event_code.as_str(), "SOMETHING_NEW");
        assert_eq!(EventCode::from("REFUND"), EventCode::Refund);
    }

    #[test]
    fn success_must_be_true_or_false() {
        for bad in [
            r#""success": "yes""#,
            r#""success": """#,
            r#""success": " true""#,
            r#""success": "1""#,
            r#""success": 1"#,
            r#""success": null"#,
        ] {
            let body = BODY.replace(r#""success": "true""#, bad);
            let err = NotificationRequest::from_slice(body.as_bytes()).unwrap_err();
            assert!(err.to_string().contains("success"), "{bad}: {err}");
        }
        let body = BODY.replace(r#""success": "true","#, "");
        let err = NotificationRequest::from_slice(body.as_bytes()).unwrap_err();
        assert!(err.to_string().contains("success"), "{err}");
    }

    #[test]
    fn missing_and_null_strings_are_empty() {
        let body = BODY.replace(r#""originalReference": "", "#, "").replace(
            r#""merchantReference": "TestPayment-1407325143704""#,
            r#""merchantReference": null"#,
        );
        let item = &NotificationRequest::from_slice(body.as_bytes())
            .unwrap()
            .items[0];
        assert_eq!(item.original_reference, "");
        assert_eq!(item.merchant_reference, "");
    }

    #[test]
    fn booleans_may_be_json_booleans() {
        let body = BODY
            .replace(r#""success": "true""#, r#""success": false"#)
            .replace(r#""live": "false""#, r#""live": true"#);
        let request = NotificationRequest::from_slice(body.as_bytes()).unwrap();
        assert!(request.live);
        assert!(!request.items[0].success);
        let body = BODY.replace(r#""success": "true""#, r#""success": true"#);
        let request = NotificationRequest::from_slice(body.as_bytes()).unwrap();
        assert!(request.items[0].success);
        assert!(!request.live);
    }

    #[test]
    fn success_in_another_case_is_read_and_signed_as_it_came() {
        for (text, success, signed) in [
            ("true", true, "true"),
            ("false", false, "false"),
            ("TRUE", true, "TRUE"),
            ("False", false, "False"),
        ] {
            let body = BODY.replace(r#""success": "true""#, &format!(r#""success": "{text}""#));
            let request = NotificationRequest::from_slice(body.as_bytes()).unwrap();
            let item = &request.items[0];
            assert_eq!((item.success, item.signed_success()), (success, signed));
            let again = NotificationRequest::from_slice(request.to_json().as_bytes()).unwrap();
            assert_eq!(&again.items[0], item, "{text}");
        }
        let body = BODY.replace(r#""success": "true""#, r#""success": "TRUE""#);
        let mut item = NotificationRequest::from_slice(body.as_bytes())
            .unwrap()
            .items[0]
            .clone();
        item.success = false;
        assert_eq!(
            item.signed_success(),
            "false",
            "a changed value drops the text"
        );
    }

    #[test]
    fn live_is_unsigned_and_read_leniently() {
        for (live, expected) in [
            (r#""true""#, true),
            ("true", true),
            (r#""false""#, false),
            ("false", false),
            ("null", false),
            (r#""yes""#, false),
            (r#""TRUE""#, false),
        ] {
            let body = BODY.replace(r#""live": "false""#, &format!(r#""live": {live}"#));
            let request = NotificationRequest::from_slice(body.as_bytes()).unwrap();
            assert_eq!(request.live, expected, "{live}");
        }
        let body = BODY.replace(r#""live": "false","#, "");
        assert!(
            !NotificationRequest::from_slice(body.as_bytes())
                .unwrap()
                .live
        );
        for bad in ["1", "{}", "[]"] {
            let body = BODY.replace(r#""live": "false""#, &format!(r#""live": {bad}"#));
            let err = NotificationRequest::from_slice(body.as_bytes()).unwrap_err();
            let expected = "expected `live` to be a string or a boolean";
            assert!(err.to_string().contains(expected), "{bad}: {err}");
        }
    }

    #[test]
    fn amount_values_may_be_strings_of_digits() {
        for (text, value, kept) in [
            ("1130", 1130, None),
            ("0", 0, None),
            ("-5", -5, None),
            ("0012", 12, Some("0012")),
            ("-0", 0, Some("-0")),
            ("9223372036854775807", i64::MAX, None),
        ] {
            let body = BODY.replace(r#""value": 1130"#, &format!(r#""value": "{text}""#));
            let request = NotificationRequest::from_slice(body.as_bytes()).unwrap();
            let amount = request.items[0].amount.as_ref().unwrap();
            assert_eq!(amount.value, value, "{text}");
            assert_eq!(amount.signed_text(), kept, "{text}");
            // Written back as it came, so that a re-read signs the same.
            let again = NotificationRequest::from_slice(request.to_json().as_bytes()).unwrap();
            assert_eq!(again, request, "{text}");
        }
        let mut amount = Amount::new(12, "EUR");
        amount.text = Some("0012".into());
        amount.value = 13;
        assert_eq!(amount.signed_text(), None, "a changed value drops the text");
    }

    #[test]
    fn amounts_must_be_integers() {
        for bad in [
            r#""value": "+1130""#,
            r#""value": " 1130""#,
            r#""value": "11.30""#,
            r#""value": """#,
            r#""value": "-""#,
            r#""value": "9223372036854775808""#,
            r#""value": 9223372036854775808"#,
            r#""value": true"#,
            r#""value": null"#,
            r#""value": 11.30"#,
            r#""value": 1e400"#,
            r#""value": 99999999999999999999"#,
        ] {
            let body = BODY.replace(r#""value": 1130"#, bad);
            assert!(
                NotificationRequest::from_slice(body.as_bytes()).is_err(),
                "{bad}"
            );
        }
    }

    #[test]
    fn non_string_additional_data_is_kept_as_json_text() {
        let body = BODY.replace(
            r#""authCode": "58747""#,
            r#""authCode": 58747, "nested": {"a": 1}"#,
        );
        let item = &NotificationRequest::from_slice(body.as_bytes())
            .unwrap()
            .items[0];
        assert_eq!(item.additional_data.auth_code(), Some("58747"));
        assert_eq!(item.additional_data.get("nested"), Some(r#"{"a":1}"#));
    }

    #[test]
    fn additional_data_values_read_as_serde_json_writes_them() {
        for value in [
            "true",
            "-5",
            "18446744073709551615",
            "1.50",
            "2e3",
            r#"[1, "a", null]"#,
            r#"{"b": {"c": [false]}}"#,
        ] {
            let body = BODY.replace(r#""58747""#, value);
            let item = &NotificationRequest::from_slice(body.as_bytes())
                .unwrap()
                .items[0];
            let expected = serde_json::from_str::<serde_json::Value>(value)
                .unwrap()
                .to_string();
            assert_eq!(
                item.additional_data.auth_code(),
                Some(&*expected),
                "{value}"
            );
        }
        let body = BODY.replace(r#""58747""#, r#""Caf\u00e9 a\/b""#);
        let request = NotificationRequest::from_slice(body.as_bytes()).unwrap();
        assert_eq!(
            request.items[0].additional_data.auth_code(),
            Some("Café a/b")
        );
        let body = BODY.replace(r#""58747""#, "null");
        let request = NotificationRequest::from_slice(body.as_bytes()).unwrap();
        assert_eq!(request.items[0].additional_data.auth_code(), None);
    }

    #[test]
    fn event_codes_are_decoded_and_null_is_empty() {
        let body = BODY.replace(r#""AUTHORISATION""#, r#""REF\u0055ND""#);
        let request = NotificationRequest::from_slice(body.as_bytes()).unwrap();
        assert_eq!(request.items[0].event_code, EventCode::Refund);
        let body = BODY.replace(r#""AUTHORISATION""#, "null");
        let request = NotificationRequest::from_slice(body.as_bytes()).unwrap();
        assert_eq!(request.items[0].event_code, EventCode::Other(String::new()));
        let body = BODY.replace(r#""AUTHORISATION""#, "5");
        let err = NotificationRequest::from_slice(body.as_bytes()).unwrap_err();
        assert!(err.to_string().contains("expected a string"), "{err}");
    }

    #[test]
    fn a_value_that_quotes_serde_is_still_cut_out() {
        let body = BODY.replacen("1130", r#""4111, expected 1111 secret""#, 1);
        let err = NotificationRequest::from_slice(body.as_bytes()).unwrap_err();
        let message = err.to_string();
        assert!(
            !message.contains("secret") && !message.contains("4111"),
            "{message}"
        );
        assert!(
            message.contains("expected an integer in minor units"),
            "{message}"
        );
    }

    #[test]
    fn bodies_that_are_not_utf8_fail_with_a_position() {
        let mut bytes = BODY.as_bytes().to_vec();
        bytes[BODY.find("TestMerchant").unwrap()] = 0xff;
        let err = NotificationRequest::from_slice(&bytes).unwrap_err();
        assert!(err.to_string().contains("at line 7 column"), "{err}");
    }

    #[test]
    fn many_items_are_kept_in_order() {
        let request = NotificationRequest::from_slice(BODY.as_bytes()).unwrap();
        let mut items = Vec::new();
        for n in 0..9 {
            let mut item = request.items[0].clone();
            item.psp_reference = n.to_string().into();
            items.push(item);
        }
        let body = NotificationRequest { live: true, items }.to_json();
        let again = NotificationRequest::from_slice(body.as_bytes()).unwrap();
        assert!(again.live);
        let references: Vec<_> = again.items.iter().map(|i| &*i.psp_reference).collect();
        assert_eq!(references, ["0", "1", "2", "3", "4", "5", "6", "7", "8"]);
    }

    #[test]
    fn errors_never_quote_the_body() {
        for (from, to) in [
            (r#""value": 1130"#, r#""value": "4111-1111-1111-1111""#),
            (
                r#""success": "true""#,
                r#""success": "SECRET-SHOPPER-NAME""#,
            ),
            (
                r#""eventCode": "AUTHORISATION""#,
                r#""eventCode": ["SECRET-SHOPPER-NAME"]"#,
            ),
        ] {
            let body = BODY.replace(from, to);
            let err = NotificationRequest::from_slice(body.as_bytes())
                .unwrap_err()
                .to_string();
            assert!(!err.contains("4111") && !err.contains("SECRET"), "{err}");
            assert!(err.contains("expected") && err.contains("line"), "{err}");
        }
    }

    #[test]
    fn duplicate_fields_are_rejected() {
        let body = BODY.replace(
            r#""pspReference": "7914073381342284","#,
            r#""pspReference": "7914073381342284", "pspReference": "other","#,
        );
        assert!(NotificationRequest::from_slice(body.as_bytes()).is_err());
    }

    #[test]
    fn wrong_shapes_are_errors_not_panics() {
        for body in [
            "",
            "[]",
            "{}",
            "null",
            r#"{"notificationItems": {}}"#,
            r#"{"notificationItems": [{}]}"#,
            "{\"live\":",
        ] {
            assert!(
                NotificationRequest::from_slice(body.as_bytes()).is_err(),
                "{body}"
            );
        }
    }

    /// The body parsed by one pass only: strings decoded by the visitors, or by serde_json.
    fn one_pass(body: &str, strings: Strings) -> Result<NotificationRequest, ParseError> {
        NotificationRequest::parse_from(Body::new(ByteString::from(body), strings))
    }

    /// `BODY` with `reason`, `merchantReference`, the currency, an `additionalData` value and an
    /// `additionalData` key written as `text`, a JSON string's inside.
    fn with_escapes(text: &str) -> String {
        BODY.replace(r#""1234:7777:12/2012""#, &format!(r#""{text}""#))
            .replace(r#""TestPayment-1407325143704""#, &format!(r#""x{text}""#))
            .replace(r#""EUR""#, &format!(r#""{text}""#))
            .replace(r#""58747""#, &format!(r#""{text}y""#))
            .replace(r#""authCode""#, &format!(r#""k{text}""#))
    }

    #[test]
    fn strings_decoded_from_their_raw_text_read_as_serde_json_decodes_them() {
        for (escaped, decoded) in [
            (r#"\"CVC Declined\""#, r#""CVC Declined""#),
            (r"a\\b\/c", r"a\b/c"),
            (r"\b\f\n\r\t", "\u{8}\u{c}\n\r\t"),
            (r"Caf\u00e9 \u00E9 \u20ac", "Café é €"),
            (r"\uD83D\uDE00 and \ud83d\ude00", "😀 and 😀"),
            (r"\u0000\u001f\u007F", "\0\u{1f}\u{7f}"),
            (r"\uFFFF\uffff", "\u{ffff}\u{ffff}"),
            (r"\u0041\u0042", "AB"),
            (r"Café — \n — 😀\u00e9", "Café — \n — 😀é"),
            (r"\\", r"\"),
            (r"\u0045UR", "EUR"),
            (r"tru\u0065", "true"),
        ] {
            let body = with_escapes(escaped);
            let raw = one_pass(&body, Strings::Raw).unwrap_or_else(|e| panic!("{escaped}: {e}"));
            let serde = one_pass(&body, Strings::Serde).unwrap();
            assert_eq!(raw, serde, "{escaped}");
            let item = &raw.items[0];
            assert_eq!(item.reason, decoded, "{escaped}");
            assert_eq!(item.merchant_reference, format!("x{decoded}"));
            assert_eq!(item.amount.as_ref().unwrap().currency, decoded);
            assert_eq!(
                item.additional_data.get(&format!("k{decoded}")),
                Some(&*format!("{decoded}y"))
            );
        }
    }

    #[test]
    fn decoded_strings_follow_each_other_in_one_buffer_without_mixing() {
        let body = with_escapes(r"\u00e9\n");
        let request = one_pass(&body, Strings::Raw).unwrap();
        let item = &request.items[0];
        assert_eq!(item.reason, "é\n");
        assert_eq!(item.merchant_reference, "xé\n");
        assert_eq!(item.additional_data.get("kAuthCode"), None);
        assert_eq!(item.additional_data.get("ké\n"), Some("é\ny"));
    }

    #[test]
    fn strings_refused_by_the_raw_pass_get_serde_jsons_own_error() {
        for escaped in [
            r"\uD800",
            r"\uDC00",
            r"\uDFFF x",
            r"\uD800\u0041",
            r"\uD800\uD800",
            r"\uD800x",
            r"\uDBFF\n",
        ] {
            let body = with_escapes(escaped);
            let serde = one_pass(&body, Strings::Serde).unwrap_err().to_string();
            assert!(one_pass(&body, Strings::Raw).is_err(), "{escaped}");
            let err = NotificationRequest::from_slice(body.as_bytes()).unwrap_err();
            assert_eq!(err.to_string(), serde, "{escaped}");
            assert!(
                serde.contains("surrogate") || serde.contains("hex escape"),
                "{serde}"
            );
        }
        for value in ["5", "-1", "1.5", "true", "{}", r#"["x"]"#] {
            let body = BODY.replace(r#""1234:7777:12/2012""#, value);
            let serde = one_pass(&body, Strings::Serde).unwrap_err().to_string();
            assert!(one_pass(&body, Strings::Raw).is_err(), "{value}");
            let err = NotificationRequest::from_slice(body.as_bytes()).unwrap_err();
            assert_eq!(err.to_string(), serde, "{value}");
            assert!(serde.contains("expected a string at line 9 "), "{serde}");
        }
    }

    #[test]
    fn additional_data_values_read_raw_as_serde_json_reads_them() {
        let body = BODY.replace(
            r#""authCode": "58747""#,
            r#""authCode": "58747", "n": null, "i": -3, "u": 18446744073709551615, "f": 1.5e2,
               "t": true, "a": [1, {"x": "y\n"}], "o": {"k" : "v\u00e9"}, "s": "\u00e9""#,
        );
        let raw = one_pass(&body, Strings::Raw).unwrap();
        assert_eq!(raw, one_pass(&body, Strings::Serde).unwrap());
        let data = &raw.items[0].additional_data;
        assert_eq!(data.get("n"), None);
        assert_eq!(data.get("i"), Some("-3"));
        assert_eq!(data.get("u"), Some("18446744073709551615"));
        assert_eq!(data.get("f"), Some("150.0"));
        assert_eq!(data.get("t"), Some("true"));
        assert_eq!(data.get("a"), Some(r#"[1,{"x":"y\n"}]"#));
        assert_eq!(data.get("o"), Some(r#"{"k":"vé"}"#));
        assert_eq!(data.get("s"), Some("é"));
        // `null` and left out read as empty, as serde_json's pass reads them.
        let body = BODY.replace(r#""1234:7777:12/2012""#, "null");
        let raw = one_pass(&body, Strings::Raw).unwrap();
        assert_eq!(raw, one_pass(&body, Strings::Serde).unwrap());
        assert_eq!(raw.items[0].reason, "");
    }

    #[test]
    fn unescape_takes_only_whole_escapes() {
        let decode = |escaped: &[u8]| {
            let mut out = BytesMut::new();
            unescape(escaped, &mut out).map(|()| out)
        };
        assert_eq!(&decode(br"a\u00e9b\tc").unwrap()[..], "aéb\tc".as_bytes());
        for truncated in [
            &br"\"[..],
            br"\u",
            br"\u00e",
            br"\uD83D\u",
            br"\uD83D\uDE0",
            br"\uD83D\",
        ] {
            assert!(decode(truncated).is_none(), "{truncated:?}");
        }
        for invalid in [
            &br"\x"[..],
            br"\u00g0",
            br"\u+0e9",
            br"\U00e9",
            br"\uD83D\n\uDE00",
        ] {
            assert!(decode(invalid).is_none(), "{invalid:?}");
        }
        assert_eq!(hex_escape(b"00e9!"), Some((0xe9, &b"!"[..])));
        assert_eq!(hex_escape(b"FfFf"), Some((0xffff, &b""[..])));
        assert_eq!(hex_escape(b"1234"), Some((0x1234, &b""[..])));
        assert_eq!(hex_escape(b"123"), None);
    }
}
