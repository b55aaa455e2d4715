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
//! # Standard notifications in axum
//!
//! The payments webhooks: every item of `notificationItems` carries its own signature.
//!
//! ```
//! use axum::{body::Body, routing::post, Extension, Router};
//! use http::{Request, StatusCode};
//! use tower::ServiceExt;
//! use tower_adyen_webhook::{HmacKey, NotificationRequest, NotificationRequestItem, Notifications, VerifyWebhookLayer};
//!
//! async fn store(Extension(notifications): Extension<Notifications>) -> StatusCode {
//!     for item in &notifications {
//!         // Verified: store it, then answer 2xx, and the layer tells Adyen `[accepted]`.
//!         let _ = (&item.psp_reference, &item.event_code, item.success, &item.amount);
//!     }
//!     StatusCode::NO_CONTENT
//! }
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let key: HmacKey = "00727DB817A85C8503AD29EAD1523DB869AF0E536893BB3046C92DE7CB045CB1".parse()?;
//! let app = Router::new()
//!     .route("/webhooks/adyen", post(store))
//!     .layer(VerifyWebhookLayer::notifications(key.clone()));
//!
//! let mut item = NotificationRequestItem::new("7914073381342284", "AUTHORISATION");
//! key.sign_item_in_place(&mut item);
//! let body = NotificationRequest { live: false, items: vec![item] }.to_json();
//! let response = app.oneshot(Request::post("/webhooks/adyen").body(Body::from(body))?).await?;
//! assert_eq!(response.status(), StatusCode::OK);
//! # Ok(())
//! # }
//! ```
//!
//! # Header-signed webhooks
//!
//! Balance Platform, Management API, transfers, reports...: the `HmacSignature` header signs the
//! exact bytes of the body, which the layer checks before parsing.
//!
//! ```
//! use axum::{body::Body, routing::post, Extension, Router};
//! use http::{Request, StatusCode};
//! use tower::ServiceExt;
//! use tower_adyen_webhook::{HmacKey, SignedWebhook, VerifyWebhookLayer};
//!
//! async fn platform(Extension(webhook): Extension<SignedWebhook>) -> StatusCode {
//!     assert_eq!(webhook.webhook_type(), Some("balancePlatform.accountHolder.created"));
//!     StatusCode::OK
//! }
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let key: HmacKey = "00727DB817A85C8503AD29EAD1523DB869AF0E536893BB3046C92DE7CB045CB1".parse()?;
//! let app = Router::new()
//!     .route("/webhooks/platform", post(platform))
//!     .layer(VerifyWebhookLayer::hmac_header(key.clone()));
//!
//! let body = r#"{"type":"balancePlatform.accountHolder.created","environment":"test","data":{}}"#;
//! let request = Request::post("/webhooks/platform")
//!     .header("HmacSignature", key.sign(body.as_bytes()))
//!     .body(Body::from(body))?;
//! assert_eq!(app.clone().oneshot(request).await?.status(), StatusCode::OK);
//!
//! // One byte more, and the signature no longer holds.
//! let request = Request::post("/webhooks/platform")
//!     .header("HmacSignature", key.sign(body.as_bytes()))
//!     .body(Body::from(format!("{body}\n")))?;
//! assert_eq!(app.oneshot(request).await?.status(), StatusCode::UNAUTHORIZED);
//! # Ok(())
//! # }
//! ```
//!
//! # Basic auth and key rotation
//!
//! The Customer Area sets a username and password on the webhook; the layer checks them before
//! it reads the body. While a new HMAC key replaces the old one, webhooks signed with either
//! arrive: [`HmacKeys`] takes both, new one first, in the `NEW,OLD` form a setting holds.
//! [`RequireBasicAuthLayer`] is the same check for the routes beside the webhook.
//!
//! ```
//! use axum::{body::Body, routing::post, Router};
//! use http::{Request, StatusCode};
//! use tower::ServiceExt;
//! use tower_adyen_webhook::{HmacKey, HmacKeys, NotificationRequest, NotificationRequestItem, VerifyWebhookLayer};
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let new = "00727DB817A85C8503AD29EAD1523DB869AF0E536893BB3046C92DE7CB045CB1";
//! let old = "44782DEF547AAA06C910C43932B1EB0C71FC68D9D0C057550C48EC2ACF6BA056";
//! let keys: HmacKeys = format!("{new},{old}").parse()?;
//! let app = Router::new()
//!     .route("/webhooks/adyen", post(|| async { StatusCode::OK }))
//!     .layer(VerifyWebhookLayer::notifications(keys).basic_auth("adyen", "correct horse"));
//!
//! // Signed with the old key, still queued at Adyen: accepted.
//! let mut item = NotificationRequestItem::new("7914073381342284", "CAPTURE");
//! old.parse::<HmacKey>()?.sign_item_in_place(&mut item);
//! let body = NotificationRequest { live: false, items: vec![item] }.to_json();
//! let request = Request::post("/webhooks/adyen")
//!     .header("authorization", "Basic YWR5ZW46Y29ycmVjdCBob3JzZQ==") // adyen:correct horse
//!     .body(Body::from(body.clone()))?;
//! assert_eq!(app.clone().oneshot(request).await?.status(), StatusCode::OK);
//!
//! // Without the credentials: refused before the body is read.
//! let request = Request::post("/webhooks/adyen").body(Body::from(body))?;
//! assert_eq!(app.oneshot(request).await?.status(), StatusCode::UNAUTHORIZED);
//! # Ok(())
//! # }
//! ```
//!
//! # A plain `tower::Service`
//!
//! No framework is needed: the layer wraps any `Service<Request<WebhookBody>>`, which reads the
//! verified items from the extensions and the buffered bytes from the body.
//!
//! ```
//! use std::convert::Infallible;
//!
//! use http::{Request, Response, StatusCode};
//! use tower::{service_fn, ServiceBuilder, ServiceExt};
//! use tower_adyen_webhook::{HmacKey, NotificationRequest, NotificationRequestItem, Notifications, VerifyWebhookLayer, WebhookBody};
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let key: HmacKey = "00727DB817A85C8503AD29EAD1523DB869AF0E536893BB3046C92DE7CB045CB1".parse()?;
//! let service = ServiceBuilder::new()
//!     .layer(VerifyWebhookLayer::notifications(key.clone()))
//!     .service(service_fn(|request: Request<WebhookBody>| async move {
//!         let notifications = request.extensions().get::<Notifications>().unwrap();
//!         assert_eq!(notifications.len(), 1);
//!         assert!(!request.body().bytes().is_empty());
//!         Ok::<_, Infallible>(Response::new(String::new()))
//!     }));
//!
//! let mut item = NotificationRequestItem::new("7914073381342284", "AUTHORISATION");
//! key.sign_item_in_place(&mut item);
//! let body = NotificationRequest { live: false, items: vec![item] }.to_json();
//! let response = service.oneshot(Request::post("/").body(body)?).await?;
//! assert_eq!(response.status(), StatusCode::OK);
//! # Ok(())
//! # }
//! ```
//!
//! # Where to read on
//!
//! - [`webhook`]: how the middleware works, step by step: statuses, `type`/`data` events on the
//!   standard endpoint, logging, what is not checked.
//! - [`basic_auth`]: HTTP Basic auth as a middleware of its own.
//! - [`HmacKey`] and [`signing_string`]: how signatures are computed and checked, and the signer
//!   for tests.
//! - [`NotificationRequestItem`]: what an item holds, and which of its fields are signed.

#![forbid(unsafe_code)]
#![deny(missing_docs)]
#![deny(unreachable_pub)]
#![cfg_attr(docsrs, feature(doc_cfg))]

pub mod basic_auth;
mod notification;
mod response;
mod signature;
mod text;
pub mod webhook;

pub use self::basic_auth::layer::RequireBasicAuthLayer;
pub use self::basic_auth::service::RequireBasicAuth;
pub use self::notification::{
    AdditionalData, Amount, EventCode, NotificationRequest, NotificationRequestItem, ParseError,
};
pub use self::response::ResponseBody;
pub use self::signature::{signing_string, HmacKey, HmacKeys, KeyError, Verified, VerifyError};
pub use self::text::Text;
pub use self::webhook::body::WebhookBody;
pub use self::webhook::extensions::{
    Notifications, RejectedItem, RejectedItems, SignedWebhook, UnsignedWebhook,
};
pub use self::webhook::layer::{
    ConfigError, Policy, VerifyWebhookLayer, DEFAULT_MAX_BODY_BYTES, DEFAULT_MAX_ITEMS,
};
pub use self::webhook::observe::{KeyUsage, KeyUse, Outcome, Verdict};
pub use self::webhook::service::VerifyWebhook;
/// The typed models of `type`/`data` webhooks ([`SignedWebhook::event`],
/// [`UnsignedWebhook::event`]), from `tower-adyen-webhook-models`.
#[cfg(feature = "models")]
#[cfg_attr(docsrs, doc(cfg(feature = "models")))]
pub use tower_adyen_webhook_models as models;

// The README's examples are compiled and run as doc tests.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct ReadmeDoctests;
