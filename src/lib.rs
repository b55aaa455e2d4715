//! Tower middleware for Adyen webhooks: correct, safe and boring.
//!
//! [`VerifyWebhookLayer`] wraps any service (an axum router, a hyper service, a plain
//! `tower::Service`). It buffers the body with a limit, verifies the HMAC signature of every
//! notification item (or of the raw body, for header-signed webhooks), rejects what fails,
//! hands typed, verified [`Notifications`] to the inner service through the request extensions,
//! and answers Adyen `[accepted]` only after the inner service has succeeded.
//!
//! It fails closed: a forged, tampered or unsigned notification, or a wrong key, gets a `401` and
//! is never acknowledged, so Adyen keeps it and delivers it again once the problem is fixed.
//! Nothing is acknowledged that the inner service did not take.
//!
//! - [`webhook`]: the middleware, with an example.
//! - [`basic_auth`]: HTTP Basic auth as a middleware of its own ([`RequireBasicAuthLayer`]), for
//!   the routes beside the webhook; the webhook layer makes the same check.
//! - [`notification`]: the typed notifications.
//! - [`signature`]: how signatures are computed and checked ([`HmacKey`], [`HmacKeys`]), and the
//!   signer for tests.

#![forbid(unsafe_code)]
#![warn(missing_docs)]
#![deny(unreachable_pub)]
#![cfg_attr(docsrs, feature(doc_cfg))]

pub mod basic_auth;
pub mod notification;
mod response;
pub mod signature;
pub mod webhook;

pub use self::basic_auth::{RequireBasicAuth, RequireBasicAuthLayer};
pub use self::notification::{
    AdditionalData, Amount, EventCode, NotificationRequest, NotificationRequestItem,
};
pub use self::signature::{signing_string, HmacKey, HmacKeys, KeyError, Verified, VerifyError};
/// The typed models of `type`/`data` webhooks ([`SignedWebhook::event`],
/// [`UnsignedWebhook::event`]), from `tower-adyen-webhook-models`.
#[cfg(feature = "models")]
#[cfg_attr(docsrs, doc(cfg(feature = "models")))]
pub use tower_adyen_webhook_models as models;

pub use self::webhook::{
    ConfigError, Notifications, Policy, RejectedItem, RejectedItems, SignedWebhook,
    UnsignedWebhook, VerifyWebhook, VerifyWebhookLayer, WebhookBody,
};

// The README's examples are compiled and run as doc tests.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct ReadmeDoctests;
