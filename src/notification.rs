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

use std::collections::BTreeMap;
use std::fmt;
use std::str::FromStr;

use serde::de::{self, Deserializer, MapAccess, SeqAccess, Visitor};
use serde::ser::{SerializeMap, SerializeStruct, Serializer};
use serde::{Deserialize, Serialize};

use crate::signature::IntBuf;

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
            Ok(text) => serde_json::from_str(text),
            Err(_) => serde_json::from_slice(body),
        }
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
    pub psp_reference: String,
    /// On modifications (capture, refund...), the `pspReference` of the original payment.
    pub original_reference: String,
    /// The merchant account that processed the payment.
    pub merchant_account_code: String,
    /// The merchant's own reference of the payment.
    pub merchant_reference: String,
    /// The amount, in minor units. `None` when the item carries no amount.
    pub amount: Option<Amount>,
    /// What happened.
    pub event_code: EventCode,
    /// Whether it succeeded.
    pub success: bool,
    /// When it happened, as Adyen wrote it (ISO 8601 with offset). Unsigned.
    pub event_date: String,
    /// Refusal reason, or `authCode:last4:expiry` on card authorisations, or the download URL on
    /// `REPORT_AVAILABLE`. Unsigned.
    pub reason: String,
    /// The payment method (`visa`, `ideal`...). Unsigned.
    pub payment_method: String,
    /// Modifications now possible on the payment (`CAPTURE`, `REFUND`...). Unsigned.
    pub operations: Vec<String>,
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
    pub fn new(psp_reference: impl Into<String>, event_code: impl Into<EventCode>) -> Self {
        Self {
            psp_reference: psp_reference.into(),
            original_reference: String::new(),
            merchant_account_code: String::new(),
            merchant_reference: String::new(),
            amount: None,
            event_code: event_code.into(),
            success: true,
            event_date: String::new(),
            reason: String::new(),
            payment_method: String::new(),
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
    pub currency: String,
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
    pub fn new(value: i64, currency: impl Into<String>) -> Self {
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
pub struct AdditionalData(BTreeMap<String, String>);

impl AdditionalData {
    /// The value of `key`.
    pub fn get(&self, key: &str) -> Option<&str> {
        self.0.get(key).map(String::as_str)
    }

    /// Sets `key` to `value`, returning the previous value.
    pub fn insert(&mut self, key: impl Into<String>, value: impl Into<String>) -> Option<String> {
        self.0.insert(key.into(), value.into())
    }

    /// Removes `key`, returning its value.
    pub fn remove(&mut self, key: &str) -> Option<String> {
        self.0.remove(key)
    }

    /// All entries, sorted by key.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &str)> {
        self.0.iter().map(|(k, v)| (k.as_str(), v.as_str()))
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

impl FromIterator<(String, String)> for AdditionalData {
    fn from_iter<I: IntoIterator<Item = (String, String)>>(iter: I) -> Self {
        Self(iter.into_iter().collect())
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

/// A missing or `null` string is the empty string: that is how it is signed.
fn string_or_null<'de, D: Deserializer<'de>>(deserializer: D) -> Result<String, D::Error> {
    Option::<String>::deserialize(deserializer).map(Option::unwrap_or_default)
}

/// `"true"` or `"false"`, as Adyen writes booleans, or a JSON boolean, as some of Adyen's own
/// fixtures do (and its Java, .NET and Node libraries accept); both sign as `true`/`false`.
/// Another case (`"TRUE"`) is read too, and its text kept, since it is signed as it came.
/// Anything else names the field in its error.
fn string_bool<'de, D: Deserializer<'de>>(
    deserializer: D,
    field: &'static str,
) -> Result<(bool, Option<Box<str>>), D::Error> {
    struct BoolString(&'static str);

    impl Visitor<'_> for BoolString {
        type Value = (bool, Option<Box<str>>);

        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            write!(f, "`{}` to be `true` or `false`", self.0)
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

    deserializer.deserialize_any(BoolString(field))
}

/// `live` is not signed, and Adyen's libraries take whatever it holds: `"true"` or `true` is the
/// live environment, anything else (`"false"`, `null`, another string) is not.
fn live_flag<'de, D: Deserializer<'de>>(deserializer: D) -> Result<bool, D::Error> {
    struct Live;

    impl Visitor<'_> for Live {
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

    deserializer.deserialize_any(Live)
}

impl<'de> Deserialize<'de> for Amount {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        struct Raw {
            #[serde(default, deserialize_with = "string_or_null")]
            currency: String,
            value: Value,
        }

        struct Value(i64, Option<Box<str>>);

        impl<'de> Deserialize<'de> for Value {
            fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                deserializer.deserialize_any(ValueVisitor)
            }
        }

        struct ValueVisitor;

        impl Visitor<'_> for ValueVisitor {
            type Value = Value;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an integer in minor units, or a string of its digits")
            }

            fn visit_i64<E: de::Error>(self, value: i64) -> Result<Value, E> {
                Ok(Value(value, None))
            }

            fn visit_u64<E: de::Error>(self, value: u64) -> Result<Value, E> {
                i64::try_from(value)
                    .map(|value| Value(value, None))
                    .map_err(|_| E::invalid_value(de::Unexpected::Unsigned(value), &self))
            }

            fn visit_str<E: de::Error>(self, text: &str) -> Result<Value, E> {
                // Digits, with a minus sign at most: what `i64` parses, less its `+`.
                let digits = text.strip_prefix('-').unwrap_or(text);
                let value = match digits.bytes().all(|b| b.is_ascii_digit()) {
                    true => text.parse::<i64>().ok(),
                    false => None,
                }
                .ok_or_else(|| E::invalid_value(de::Unexpected::Str(text), &self))?;
                let mut written = IntBuf::default();
                let text = (written.format(value) != text.as_bytes()).then(|| text.into());
                Ok(Value(value, text))
            }
        }

        let Raw { currency, value } = Raw::deserialize(deserializer)?;
        Ok(Self {
            currency,
            value: value.0,
            text: value.1,
        })
    }
}

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

impl<'de> Deserialize<'de> for NotificationRequest {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(rename_all = "camelCase")]
        struct Envelope {
            #[serde(default, deserialize_with = "live")]
            live: bool,
            #[serde(deserialize_with = "items")]
            notification_items: Vec<NotificationRequestItem>,
        }

        #[derive(Deserialize)]
        struct Wrapper {
            #[serde(rename = "NotificationRequestItem")]
            item: NotificationRequestItem,
        }

        fn live<'de, D: Deserializer<'de>>(deserializer: D) -> Result<bool, D::Error> {
            live_flag(deserializer)
        }

        fn items<'de, D: Deserializer<'de>>(
            deserializer: D,
        ) -> Result<Vec<NotificationRequestItem>, D::Error> {
            struct ItemsVisitor;

            impl<'de> Visitor<'de> for ItemsVisitor {
                type Value = Vec<NotificationRequestItem>;

                fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                    f.write_str("a sequence")
                }

                fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
                    // Room for three items, which covers nearly every request and, at 280 bytes
                    // an item, stays within the allocator's fast path (glibc's per-thread cache
                    // takes blocks up to about 1 KiB). serde's `Vec` would start at none and grow
                    // to four items, past it.
                    let mut items = Vec::with_capacity(3);
                    while let Some(Wrapper { item }) = seq.next_element()? {
                        items.push(item);
                    }
                    Ok(items)
                }
            }

            deserializer.deserialize_seq(ItemsVisitor)
        }

        let envelope = Envelope::deserialize(deserializer)?;
        Ok(Self {
            live: envelope.live,
            items: envelope.notification_items,
        })
    }
}

impl<'de> Deserialize<'de> for NotificationRequestItem {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(rename_all = "camelCase")]
        struct Raw {
            #[serde(default, deserialize_with = "string_or_null")]
            psp_reference: String,
            #[serde(default, deserialize_with = "string_or_null")]
            original_reference: String,
            #[serde(default, deserialize_with = "string_or_null")]
            merchant_account_code: String,
            #[serde(default, deserialize_with = "string_or_null")]
            merchant_reference: String,
            #[serde(default)]
            amount: Option<Amount>,
            #[serde(default = "empty_event_code")]
            event_code: EventCode,
            #[serde(deserialize_with = "success", default = "missing_success")]
            success: Success,
            #[serde(default, deserialize_with = "string_or_null")]
            event_date: String,
            #[serde(default, deserialize_with = "string_or_null")]
            reason: String,
            #[serde(default, deserialize_with = "string_or_null")]
            payment_method: String,
            #[serde(default, deserialize_with = "operations")]
            operations: Vec<String>,
            #[serde(default)]
            additional_data: AdditionalData,
        }

        // `success` may not be left out: a missing value must fail rather than read as `false`.
        struct Success(Option<(bool, Option<Box<str>>)>);

        fn success<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Success, D::Error> {
            string_bool(deserializer, "success").map(|b| Success(Some(b)))
        }

        fn missing_success() -> Success {
            Success(None)
        }

        fn empty_event_code() -> EventCode {
            EventCode::Other(String::new())
        }

        fn operations<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Vec<String>, D::Error> {
            Option::<Vec<String>>::deserialize(deserializer).map(Option::unwrap_or_default)
        }

        let raw = Raw::deserialize(deserializer)?;
        let (success, success_text) = raw
            .success
            .0
            .ok_or_else(|| de::Error::missing_field("success"))?;
        Ok(Self {
            psp_reference: raw.psp_reference,
            original_reference: raw.original_reference,
            merchant_account_code: raw.merchant_account_code,
            merchant_reference: raw.merchant_reference,
            amount: raw.amount,
            event_code: raw.event_code,
            success,
            event_date: raw.event_date,
            reason: raw.reason,
            payment_method: raw.payment_method,
            operations: raw.operations,
            additional_data: raw.additional_data,
            success_text,
        })
    }
}

impl<'de> Deserialize<'de> for AdditionalData {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct MapVisitor;

        impl<'de> Visitor<'de> for MapVisitor {
            type Value = AdditionalData;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an object of strings")
            }

            fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
                Ok(AdditionalData::default())
            }

            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
                let mut entries = BTreeMap::new();
                while let Some(key) = map.next_key::<String>()? {
                    if let ValueText(Some(value)) = map.next_value()? {
                        entries.insert(key, value);
                    }
                }
                Ok(AdditionalData(entries))
            }
        }

        deserializer.deserialize_any(MapVisitor)
    }
}

/// A value of `additionalData`: a string as it is, nothing for `null`, and anything else as its
/// JSON text. Strings, nearly all values, go straight into a `String`, with no
/// `serde_json::Value` in between.
struct ValueText(Option<String>);

impl<'de> Deserialize<'de> for ValueText {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct TextVisitor;

        impl<'de> Visitor<'de> for TextVisitor {
            type Value = ValueText;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("any JSON value")
            }

            fn visit_str<E: de::Error>(self, value: &str) -> Result<ValueText, E> {
                Ok(ValueText(Some(value.to_owned())))
            }

            fn visit_string<E: de::Error>(self, value: String) -> Result<ValueText, E> {
                Ok(ValueText(Some(value)))
            }

            fn visit_unit<E: de::Error>(self) -> Result<ValueText, E> {
                Ok(ValueText(None))
            }

            fn visit_bool<E: de::Error>(self, value: bool) -> Result<ValueText, E> {
                Ok(json_text(value))
            }

            fn visit_i64<E: de::Error>(self, value: i64) -> Result<ValueText, E> {
                Ok(json_text(value))
            }

            fn visit_u64<E: de::Error>(self, value: u64) -> Result<ValueText, E> {
                Ok(json_text(value))
            }

            fn visit_f64<E: de::Error>(self, value: f64) -> Result<ValueText, E> {
                Ok(json_text(value))
            }

            fn visit_seq<A: de::SeqAccess<'de>>(self, seq: A) -> Result<ValueText, A::Error> {
                let value =
                    serde_json::Value::deserialize(de::value::SeqAccessDeserializer::new(seq))?;
                Ok(json_text(value))
            }

            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<ValueText, A::Error> {
                let value =
                    serde_json::Value::deserialize(de::value::MapAccessDeserializer::new(map))?;
                Ok(json_text(value))
            }
        }

        fn json_text(value: impl Into<serde_json::Value>) -> ValueText {
            ValueText(Some(value.into().to_string()))
        }

        deserializer.deserialize_any(TextVisitor)
    }
}

// --- Serialization: the exact shape Adyen sends ---------------------------------------------------

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
        self.0.serialize(serializer)
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
            item.psp_reference = n.to_string();
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
}
