use std::sync::Arc;
use std::task::{Context, Poll};

use http::{Request, Response};
use http_body::Body;
use tower_layer::Layer;
use tower_service::Service;

use super::future::ResponseFuture;
use super::layer::Config;
use crate::signature::HmacKeys;
use crate::{ResponseBody, VerifyWebhookLayer, WebhookBody};

/// Middleware that buffers, verifies and acknowledges Adyen webhooks: see the
/// [module docs](super).
///
/// The inner service receives a [`WebhookBody`] holding the verified bytes. Its error type is
/// kept: every rejection is a response.
#[derive(Clone, Debug)]
pub struct VerifyWebhook<S> {
    inner: S,
    config: Arc<Config>,
}

impl<S> VerifyWebhook<S> {
    /// Wraps `inner`, verifying standard notifications with `keys`.
    pub fn notifications(inner: S, keys: impl Into<HmacKeys>) -> Self {
        VerifyWebhookLayer::notifications(keys).layer(inner)
    }

    /// Wraps `inner`, verifying header-signed webhooks with `keys`.
    pub fn hmac_header(inner: S, keys: impl Into<HmacKeys>) -> Self {
        VerifyWebhookLayer::hmac_header(keys).layer(inner)
    }

    pub(crate) fn from_config(inner: S, config: Arc<Config>) -> Self {
        Self { inner, config }
    }

    /// Returns a new [`Layer`](tower_layer::Layer) that verifies standard notifications.
    pub fn layer(keys: impl Into<HmacKeys>) -> VerifyWebhookLayer {
        VerifyWebhookLayer::notifications(keys)
    }

    /// Gets a reference to the inner service.
    pub fn get_ref(&self) -> &S {
        &self.inner
    }

    /// Gets a mutable reference to the inner service.
    pub fn get_mut(&mut self) -> &mut S {
        &mut self.inner
    }

    /// Consumes `self`, returning the inner service.
    pub fn into_inner(self) -> S {
        self.inner
    }
}

impl<S, ReqBody, ResBody> Service<Request<ReqBody>> for VerifyWebhook<S>
where
    S: Service<Request<WebhookBody>, Response = Response<ResBody>> + Clone,
    ReqBody: Body,
    ReqBody::Error: Into<Box<dyn std::error::Error + Send + Sync>>,
{
    type Response = Response<ResponseBody<ResBody>>;
    type Error = S::Error;
    type Future = ResponseFuture<ReqBody, S>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, req: Request<ReqBody>) -> Self::Future {
        // The ready service goes into the future; the clone left behind waits for its own
        // `poll_ready`. Calling the clone instead could call a service that is not ready.
        let clone = self.inner.clone();
        let inner = std::mem::replace(&mut self.inner, clone);
        ResponseFuture::new(req, inner, self.config.clone())
    }
}
