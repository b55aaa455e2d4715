//! Middleware that verifies Adyen webhooks, hands them to the inner service, and acknowledges
//! them only once it has succeeded.
//!
//! For every request, [`VerifyWebhook`](crate::VerifyWebhook):
//!
//! 1. checks HTTP Basic auth, when configured, before reading anything (the same check as
//!    [`RequireBasicAuth`](crate::RequireBasicAuth));
//! 2. buffers the body up to a limit (`413` past it, with or without `Content-Length`; `400` if
//!    the body fails mid-stream);
//! 3. verifies it: for standard notifications ([`VerifyWebhookLayer::notifications`](crate::VerifyWebhookLayer::notifications)) it parses
//!    the `notificationItems` envelope (`400` if it is not one), counts the items (`413` past
//!    [`VerifyWebhookLayer::max_items`](crate::VerifyWebhookLayer::max_items), before any signature is checked) and checks **every**
//!    item's `additionalData.hmacSignature` (a `type`/`data` event on that endpoint is
//!    [handled apart](#typedata-events-on-the-standard-endpoint)); for header-signed webhooks
//!    ([`VerifyWebhookLayer::hmac_header`](crate::VerifyWebhookLayer::hmac_header)) it checks the `HmacSignature` header against the exact
//!    bytes, then parses them as JSON. A failed signature is a `401` and the inner service is not
//!    called, so nothing is acknowledged and Adyen delivers the webhook again;
//! 4. inserts [`Notifications`](crate::Notifications) and [`RejectedItems`](crate::RejectedItems) (or a [`SignedWebhook`](crate::SignedWebhook)) in the request
//!    extensions and calls the inner service with the buffered body ([`WebhookBody`](crate::WebhookBody));
//! 5. acknowledges: a `2xx` from the inner service becomes `200 [accepted]`; any other response,
//!    or an error, is passed on untouched, and Adyen retries.
//!
//! So the inner service should return `2xx` only once the notifications are safely stored.
//! Rejections are responses: the inner service's error type is kept, and the middleware drops
//! into `axum::Router::layer` without `HandleErrorLayer`.
//!
//! # Example
//!
//! ```
//! use axum::{body::Body, routing::post, Extension, Router};
//! use http::{Request, StatusCode};
//! use tower::ServiceExt;
//! use tower_adyen_webhook::{HmacKey, Notifications, NotificationRequest, NotificationRequestItem, VerifyWebhookLayer};
//!
//! async fn store(Extension(notifications): Extension<Notifications>) -> StatusCode {
//!     for item in &notifications {
//!         // Store it, then return 2xx: the layer answers Adyen with `[accepted]`.
//!         println!("{} {} success={}", item.event_code, item.psp_reference, item.success);
//!     }
//!     StatusCode::NO_CONTENT
//! }
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let key: HmacKey = "00727DB817A85C8503AD29EAD1523DB869AF0E536893BB3046C92DE7CB045CB1".parse()?;
//! let app = Router::new()
//!     .route("/api/webhooks/notifications", post(store))
//!     .layer(VerifyWebhookLayer::notifications(key.clone()));
//!
//! // A notification signed as Adyen would sign it.
//! let mut item = NotificationRequestItem::new("7914073381342284", "AUTHORISATION");
//! key.sign_item_in_place(&mut item);
//! let body = NotificationRequest { live: false, items: vec![item] }.to_json();
//!
//! let request = Request::post("/api/webhooks/notifications").body(Body::from(body.clone()))?;
//! let response = app.clone().oneshot(request).await?;
//! assert_eq!(response.status(), StatusCode::OK);
//! let ack = axum::body::to_bytes(response.into_body(), 64).await?;
//! assert_eq!(ack, "[accepted]");
//!
//! // A forged one never reaches the handler.
//! let forged = body.replace("7914073381342284", "7914073381342285");
//! let request = Request::post("/api/webhooks/notifications").body(Body::from(forged))?;
//! assert_eq!(app.oneshot(request).await?.status(), StatusCode::UNAUTHORIZED);
//! # Ok(())
//! # }
//! ```
//!
//! # `type`/`data` events on the standard endpoint
//!
//! Adyen's standard-webhook spec documents one body unlike the others:
//! `DIRECT_DEBIT_NOTICE_OF_CHANGE_NOTIFICATION` (and the older `ACH_NOTIFICATION_OF_CHANGE`) come
//! as `{"type": "ach.notificationOfChange", "environment", "createdAt", "data": {...}}`, with no
//! `notificationItems` and no item signature. A standard-notification layer recognises a body
//! with a string `type`, a `data` and no `notificationItems`, and then:
//!
//! - with an `HmacSignature` header, verifies it over the exact bytes, as header-signed webhooks
//!   are, and hands it over as a [`SignedWebhook`](crate::SignedWebhook);
//! - without one, answers `401` and logs the event's type and the setting that would accept it,
//!   [`VerifyWebhookLayer::accept_unsigned_events`](crate::VerifyWebhookLayer::accept_unsigned_events). That setting requires Basic auth, and hands
//!   such events over as an [`UnsignedWebhook`](crate::UnsignedWebhook): a type of its own, so that no handler takes it
//!   for signed data.
//!
//! Neither puts anything in [`Notifications`](crate::Notifications): a handler that reads only `Notifications` fails on
//! them (axum's `Extension` extractor answers `500`), and Adyen delivers them again, rather than
//! having them acknowledged unread. Take `Option<Extension<SignedWebhook>>` beside it to handle
//! them.
//!
//! # Statuses
//!
//! | status | when | inner service called |
//! | --- | --- | --- |
//! | `200 [accepted]` | the inner service answered `2xx` | yes |
//! | inner's own | the inner service answered something else | yes |
//! | `400` | body failed mid-stream, not JSON, not the expected shape | no |
//! | `200 [accepted]` | a standard notification request with no items: nothing to hand over | no |
//! | `401` | Basic auth failed, a signature is missing, malformed or wrong, a `type`/`data` event came unsigned without [`VerifyWebhookLayer::accept_unsigned_events`](crate::VerifyWebhookLayer::accept_unsigned_events) | no |
//! | `413` | body over the limit (by `Content-Length` or as it streams), or more items than [`VerifyWebhookLayer::max_items`](crate::VerifyWebhookLayer::max_items) | no |
//!
//! # Logging
//!
//! Every verdict is a `tracing` event. A verified item is logged with its `pspReference` and
//! `eventCode`; the items of a request that fail verification are logged together, in one
//! `WARN` line whatever their number, with their count, the first error, and what the first
//! three claimed as `pspReference` and `eventCode`, each cut to 64 characters: unsigned items
//! cost nothing to make, and must cost little to log. Every value that came in a body, signed or
//! not, is logged quoted and escaped (`Debug`), so that no newline, carriage return or terminal
//! escape in it can start a line or colour one. Bodies, keys and credentials are never logged.
//!
//! # Not checked
//!
//! The `Content-Type` and the method: the signature authenticates the body, whatever it is
//! labelled, and routing is the router's business. A body that never ends is for a timeout
//! (tower-http's `TimeoutLayer`) placed in front.

// The types live at the crate root; only the future, whose name pairs with the basic-auth one,
// is named through this module.
pub(crate) mod body;
mod event;
pub(crate) mod extensions;
mod future;
pub(crate) mod layer;
pub(crate) mod observe;
pub(crate) mod service;
mod verify;

pub use self::future::ResponseFuture;
