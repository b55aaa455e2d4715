//! Middleware that requires HTTP Basic auth, for any route: the check that
//! [`VerifyWebhookLayer::basic_auth`](crate::VerifyWebhookLayer::basic_auth) makes on webhooks,
//! on its own.
//!
//! [`RequireBasicAuth`](crate::RequireBasicAuth) lets a request through only if it carries exactly one `Authorization`
//! header, of the `Basic` scheme (in any case), whose standard base64 decodes to UTF-8
//! `username:password` equal to the expected credentials. Anything else (no header, two headers,
//! another scheme, bad base64, no colon, wrong credentials) gets the same answer, which does not
//! say what was wrong: `401 Unauthorized`, a short text body, and the challenge
//! `WWW-Authenticate: Basic realm="…", charset="UTF-8"`.
//!
//! - Only a SHA-256 digest of `username:password` is kept, and compared in constant time with
//!   the digest of what was sent: the time taken says nothing about how close a guess was.
//!   `Debug` shows the realm and never the credentials.
//! - Credentials over 4096 base64 characters (3 KiB decoded) are refused without being decoded.
//! - The request body is never read: a refused request costs no buffering, and an accepted one
//!   reaches the inner service untouched.
//! - Refusals are responses: the inner service's error type is kept, and the middleware drops
//!   into `axum::Router::layer` or `route_layer` without `HandleErrorLayer`. The response body
//!   is [`ResponseBody`](crate::ResponseBody), the inner service's body or the fixed text of a refusal.
//!
//! It logs nothing: a browser's first request always comes without credentials. tower-http's
//! `TraceLayer` in front shows the `401`s.
//!
//! HTTP Basic auth sends the password with every request: serve it over HTTPS only.
//!
//! # Example
//!
//! ```
//! use axum::{body::Body, routing::get, Router};
//! use http::{header, Request, StatusCode};
//! use tower::ServiceExt;
//! use tower_adyen_webhook::RequireBasicAuthLayer;
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let app = Router::new()
//!     .route("/admin/stats", get(|| async { "42 notifications" }))
//!     .route_layer(RequireBasicAuthLayer::new("admin", "correct horse").realm("admin API"));
//!
//! // "admin:correct horse", in base64.
//! let request = Request::get("/admin/stats")
//!     .header(header::AUTHORIZATION, "Basic YWRtaW46Y29ycmVjdCBob3JzZQ==")
//!     .body(Body::empty())?;
//! let response = app.clone().oneshot(request).await?;
//! assert_eq!(response.status(), StatusCode::OK);
//!
//! let request = Request::get("/admin/stats").body(Body::empty())?;
//! let response = app.oneshot(request).await?;
//! assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
//! assert_eq!(
//!     response.headers()[header::WWW_AUTHENTICATE],
//!     "Basic realm=\"admin API\", charset=\"UTF-8\""
//! );
//! # Ok(())
//! # }
//! ```
//!
//! Without axum, with any `tower::Service` that takes an `http::Request`:
//!
//! ```
//! use std::convert::Infallible;
//!
//! use http::{Request, Response, StatusCode};
//! use tower::{service_fn, ServiceBuilder, ServiceExt};
//! use tower_adyen_webhook::RequireBasicAuthLayer;
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let service = ServiceBuilder::new()
//!     .layer(RequireBasicAuthLayer::new("admin", "correct horse"))
//!     .service(service_fn(|_: Request<String>| async {
//!         Ok::<_, Infallible>(Response::new(String::from("hello")))
//!     }));
//!
//! let request = Request::get("/")
//!     .header("authorization", "Basic d3Jvbmc6d3Jvbmc=") // wrong:wrong
//!     .body(String::new())?;
//! let response = service.oneshot(request).await?;
//! assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
//! # Ok(())
//! # }
//! ```

// The types live at the crate root; only the future, whose name pairs with the webhook one, is
// named through this module.
mod check;
mod future;
pub(crate) mod layer;
pub(crate) mod service;

pub(crate) use self::check::{refusal, BasicAuth};
pub use self::future::ResponseFuture;
