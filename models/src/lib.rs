//! Typed models of Adyen's header-signed webhooks and of the standard webhooks' `type`/`data`
//! events, generated from Adyen's OpenAPI specs.
//!
//! [`AdyenEvent`] reads any webhook body of the Balance Platform (configuration, transfers,
//! transactions, reports, balances, disputes, grants, authentication, relayed authorisation...),
//! the Management API and tokenization, and the notices of change that come on the standard
//! endpoint ([`standard`]), dispatched on its `type`:
//!
//! ```
//! use tower_adyen_webhook_models::AdyenEvent;
//!
//! let body = br#"{"data": {"balancePlatform": "YOUR_BALANCE_PLATFORM",
//!     "accountHolder": {"id": "AH00000000000000000001", "status": "active"}},
//!     "environment": "test", "type": "balancePlatform.accountHolder.created"}"#;
//! match AdyenEvent::from_slice(body)? {
//!     AdyenEvent::BalancePlatformAccountHolderCreated(event) => {
//!         let holder = event.data.account_holder.unwrap();
//!         assert_eq!(holder.id.as_deref(), Some("AH00000000000000000001"));
//!     }
//!     other => println!("not handled: {}", other.event_type()),
//! }
//! # Ok::<(), serde_json::Error>(())
//! ```
//!
//! It never fails on a JSON object, so a new field, value or event type from Adyen never turns
//! into an error:
//!
//! - unknown fields are ignored;
//! - an enum value the spec does not list is kept as that enum's `Other(String)`;
//! - a `oneOf` shape that no member fits is kept as its `Other(serde_json::Value)`;
//! - an unknown event type is [`AdyenEvent::Unknown`], with the raw JSON;
//! - a known type whose body does not fit its model (a required envelope field missing, a value of
//!   the wrong type) is [`AdyenEvent::Untyped`], with the raw JSON and the reason.
//!
//! Serializing an event writes its body back: the typed model (unknown fields dropped, absent
//! ones left out), or the raw JSON of `Unknown` and `Untyped`.
//!
//! Everything under [`generated`]'s family modules (re-exported at the root) comes from the specs
//! at [`SPEC_COMMIT`]; see the crate's README for how to regenerate it.

#![forbid(unsafe_code)]
#![warn(missing_docs)]
#![deny(unreachable_pub)]

pub mod generated;
mod support;

pub use generated::*;

impl AdyenEvent {
    /// Parses a webhook body. Fails only if it is not JSON or not a JSON object; anything else
    /// gives an event (see [`AdyenEvent`] for the fallbacks).
    pub fn from_slice(body: &[u8]) -> Result<Self, serde_json::Error> {
        let value: serde_json::Value = serde_json::from_slice(body)?;
        if !value.is_object() {
            return Err(<serde_json::Error as serde::de::Error>::custom(
                "an Adyen webhook body is a JSON object",
            ));
        }
        Ok(Self::from_value(value))
    }

    /// Whether the body was read into its typed model (not [`Unknown`](Self::Unknown) or
    /// [`Untyped`](Self::Untyped)).
    pub fn is_typed(&self) -> bool {
        !matches!(self, Self::Unknown { .. } | Self::Untyped { .. })
    }
}

impl<'de> serde::Deserialize<'de> for AdyenEvent {
    /// Any JSON value: see [`AdyenEvent::from_value`].
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        serde_json::Value::deserialize(deserializer).map(Self::from_value)
    }
}
