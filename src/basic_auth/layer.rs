use std::sync::Arc;

use tower_layer::Layer;

use super::check::BasicAuth;
use crate::RequireBasicAuth;

/// The realm named in the challenge unless [`RequireBasicAuthLayer::realm`] sets another.
const DEFAULT_REALM: &str = "restricted";

/// Applies [`RequireBasicAuth`] to a service: see the [module docs](super).
///
/// Only a digest of `username:password` is kept, and `Debug` shows the realm alone. Cloning is
/// cheap: the configuration is shared.
///
/// ```
/// use std::convert::Infallible;
///
/// use http::{Request, Response, StatusCode};
/// use tower::{service_fn, ServiceBuilder, ServiceExt};
/// use tower_adyen_webhook::RequireBasicAuthLayer;
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let admin = ServiceBuilder::new()
///     .layer(RequireBasicAuthLayer::new("admin", "correct horse").realm("Webhook admin"))
///     .service(service_fn(|_: Request<String>| async {
///         Ok::<_, Infallible>(Response::new(String::from("the admin page")))
///     }));
///
/// let request = Request::get("/").body(String::new())?;
/// let response = admin.clone().oneshot(request).await?;
/// assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
/// assert_eq!(
///     response.headers()["www-authenticate"],
///     r#"Basic realm="Webhook admin", charset="UTF-8""#
/// );
///
/// let request = Request::get("/")
///     .header("authorization", "Basic YWRtaW46Y29ycmVjdCBob3JzZQ==") // admin:correct horse
///     .body(String::new())?;
/// assert_eq!(admin.oneshot(request).await?.status(), StatusCode::OK);
/// # Ok(())
/// # }
/// ```
#[derive(Clone, Debug)]
#[must_use]
pub struct RequireBasicAuthLayer {
    auth: Arc<BasicAuth>,
}

impl RequireBasicAuthLayer {
    /// Requires these credentials on every request.
    ///
    /// ```
    /// use tower_adyen_webhook::RequireBasicAuthLayer;
    ///
    /// let layer = RequireBasicAuthLayer::new("admin", "correct horse");
    /// // Only a digest is kept: neither the username nor the password shows.
    /// let debug = format!("{layer:?}");
    /// assert!(!debug.contains("admin") && !debug.contains("horse"), "{debug}");
    /// ```
    pub fn new(username: &str, password: &str) -> Self {
        Self {
            auth: Arc::new(BasicAuth::new(username, password, DEFAULT_REALM)),
        }
    }

    /// Sets the realm named in the `WWW-Authenticate` challenge, which browsers show when they
    /// ask for credentials. Defaults to `restricted`.
    ///
    /// Only printable ASCII other than `"` and `\` is kept, so that any realm makes a valid
    /// header.
    ///
    /// ```
    /// use tower_adyen_webhook::RequireBasicAuthLayer;
    ///
    /// let layer = RequireBasicAuthLayer::new("admin", "correct horse").realm("Admin \"area\"");
    /// assert!(format!("{layer:?}").contains("Admin area"));
    /// ```
    pub fn realm(mut self, realm: &str) -> Self {
        // Copies the configuration only if this layer shares it with a clone.
        Arc::make_mut(&mut self.auth).set_realm(realm);
        self
    }
}

impl<S> Layer<S> for RequireBasicAuthLayer {
    type Service = RequireBasicAuth<S>;

    fn layer(&self, inner: S) -> Self::Service {
        RequireBasicAuth::from_auth(inner, self.auth.clone())
    }
}
