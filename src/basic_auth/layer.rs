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
#[derive(Clone, Debug)]
#[must_use]
pub struct RequireBasicAuthLayer {
    auth: Arc<BasicAuth>,
}

impl RequireBasicAuthLayer {
    /// Requires these credentials on every request.
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
