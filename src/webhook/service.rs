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
///
/// ```
/// # use std::convert::Infallible;
/// # use http::{Request, Response, StatusCode};
/// # use tower::{service_fn, ServiceExt};
/// # use tower_layer::Layer;
/// # use tower_adyen_webhook::*;
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// # let handler = service_fn(|_: Request<WebhookBody>| async {
/// #     Ok::<_, Infallible>(Response::new(String::from("stored")))
/// # });
/// # let key: HmacKey = "00727DB817A85C8503AD29EAD1523DB869AF0E536893BB3046C92DE7CB045CB1".parse()?;
/// # let mut item = NotificationRequestItem::new("7914073381342284", "AUTHORISATION");
/// # key.sign_item_in_place(&mut item);
/// # let body = NotificationRequest { live: false, items: vec![item] }.to_json();
/// let mut service = VerifyWebhook::notifications(handler, key);
/// let _inner = service.get_ref();
/// let _inner = service.get_mut();
/// let response = service.clone().oneshot(Request::post("/").body(body)?).await?;
/// assert_eq!(response.status(), StatusCode::OK);
/// let _handler = service.into_inner();
/// # Ok(())
/// # }
/// ```
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
    ///
    /// ```
    /// # use std::convert::Infallible;
    /// # use http::{Request, Response, StatusCode};
    /// # use tower::{service_fn, ServiceExt};
    /// # use tower_layer::Layer;
    /// # use tower_adyen_webhook::*;
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// # let handler = service_fn(|_: Request<WebhookBody>| async {
    /// #     Ok::<_, Infallible>(Response::new(String::from("stored")))
    /// # });
    /// # let key: HmacKey = "00727DB817A85C8503AD29EAD1523DB869AF0E536893BB3046C92DE7CB045CB1".parse()?;
    /// # let mut item = NotificationRequestItem::new("7914073381342284", "AUTHORISATION");
    /// # key.sign_item_in_place(&mut item);
    /// # let body = NotificationRequest { live: false, items: vec![item] }.to_json();
    /// let service = VerifyWebhook::hmac_header(handler, key.clone());
    /// let body = r#"{"type": "balancePlatform.balanceAccount.created", "data": {}}"#;
    /// let signed = Request::post("/").header("HmacSignature", key.sign(body.as_bytes()));
    /// let response = service.oneshot(signed.body(body.to_owned())?).await?;
    /// assert_eq!(response.status(), StatusCode::OK);
    /// # Ok(())
    /// # }
    /// ```
    pub fn hmac_header(inner: S, keys: impl Into<HmacKeys>) -> Self {
        VerifyWebhookLayer::hmac_header(keys).layer(inner)
    }

    pub(crate) fn from_config(inner: S, config: Arc<Config>) -> Self {
        Self { inner, config }
    }

    /// Returns a new [`Layer`](tower_layer::Layer) that verifies standard notifications.
    ///
    /// ```
    /// use tower_adyen_webhook::{HmacKey, VerifyWebhook};
    /// use tower_layer::Layer;
    ///
    /// let key: HmacKey = "00727DB817A85C8503AD29EAD1523DB869AF0E536893BB3046C92DE7CB045CB1".parse().unwrap();
    /// let service = VerifyWebhook::<()>::layer(key).layer(tower::service_fn(|_: http::Request<tower_adyen_webhook::WebhookBody>| async {
    ///     Ok::<_, std::convert::Infallible>(http::Response::new(String::new()))
    /// }));
    /// # let _ = service;
    /// ```
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
