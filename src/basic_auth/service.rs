use std::sync::Arc;
use std::task::{Context, Poll};

use http::{Request, Response};
use tower_layer::Layer;
use tower_service::Service;

use super::check::BasicAuth;
use super::ResponseFuture;
use crate::{RequireBasicAuthLayer, ResponseBody};

/// Middleware that lets through only requests with the expected HTTP Basic credentials: see the
/// [module docs](super).
///
/// The request, body included, is handed on untouched, or dropped unread. The inner service's
/// error type is kept: a refusal is a response.
///
/// ```
/// use std::convert::Infallible;
///
/// use http::{Request, Response, StatusCode};
/// use tower::{service_fn, ServiceExt};
/// use tower_adyen_webhook::RequireBasicAuth;
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let inner = service_fn(|_: Request<String>| async { Ok::<_, Infallible>(Response::new(String::new())) });
/// let mut service = RequireBasicAuth::new(inner, "admin", "correct horse");
/// let _inner = service.get_ref();
/// let _inner = service.get_mut();
/// let request = Request::get("/")
///     .header("authorization", "Basic YWRtaW46Y29ycmVjdCBob3JzZQ==")
///     .body(String::new())?;
/// assert_eq!(service.clone().oneshot(request).await?.status(), StatusCode::OK);
/// let request = Request::get("/").header("authorization", "Basic YWRtaW46d3Jvbmc=").body(String::new())?;
/// assert_eq!(service.clone().oneshot(request).await?.status(), StatusCode::UNAUTHORIZED);
/// let _inner = service.into_inner();
/// # Ok(())
/// # }
/// ```
#[derive(Clone, Debug)]
pub struct RequireBasicAuth<S> {
    inner: S,
    auth: Arc<BasicAuth>,
}

impl<S> RequireBasicAuth<S> {
    /// Wraps `inner`, requiring these credentials.
    pub fn new(inner: S, username: &str, password: &str) -> Self {
        RequireBasicAuthLayer::new(username, password).layer(inner)
    }

    pub(crate) fn from_auth(inner: S, auth: Arc<BasicAuth>) -> Self {
        Self { inner, auth }
    }

    /// Returns a new [`Layer`](tower_layer::Layer) that requires these credentials.
    ///
    /// ```
    /// use tower_adyen_webhook::RequireBasicAuth;
    /// use tower_layer::Layer;
    ///
    /// let layer = RequireBasicAuth::<()>::layer("admin", "correct horse");
    /// let service = layer.layer(tower::service_fn(|_: http::Request<String>| async {
    ///     Ok::<_, std::convert::Infallible>(http::Response::new(String::new()))
    /// }));
    /// # let _ = service;
    /// ```
    pub fn layer(username: &str, password: &str) -> RequireBasicAuthLayer {
        RequireBasicAuthLayer::new(username, password)
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

impl<S, ReqBody, ResBody> Service<Request<ReqBody>> for RequireBasicAuth<S>
where
    S: Service<Request<ReqBody>, Response = Response<ResBody>>,
{
    type Response = Response<ResponseBody<ResBody>>;
    type Error = S::Error;
    type Future = ResponseFuture<S::Future>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, req: Request<ReqBody>) -> Self::Future {
        if self.auth.check(req.headers()) {
            ResponseFuture::called(self.inner.call(req))
        } else {
            ResponseFuture::refused(self.auth.challenge().clone())
        }
    }
}
