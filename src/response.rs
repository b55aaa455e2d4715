//! The response body of every middleware in this crate: the inner service's body, or a fixed one.

use std::pin::Pin;
use std::task::{Context, Poll};

use bytes::Bytes;
use http::header::CONTENT_TYPE;
use http::{HeaderValue, Response, StatusCode};
use http_body::{Body, Frame, SizeHint};
use pin_project_lite::pin_project;

pin_project! {
    /// Response body of [`VerifyWebhook`](crate::VerifyWebhook) and
    /// [`RequireBasicAuth`](crate::RequireBasicAuth): the inner service's body, or a fixed one
    /// (`[accepted]`, or the reason for a rejection).
    ///
    /// One type for both, so that a service behind either (or both) has one response body type,
    /// as `axum::Router::layer` wants.
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
    /// // Whatever the inner service's body, the layer's responses have one type.
    /// let service = VerifyWebhookLayer::notifications(key).layer(handler);
    /// let response: Response<ResponseBody<String>> = service.oneshot(Request::post("/").body(body)?).await?;
    /// let text = http_body_util::BodyExt::collect(response.into_body()).await?.to_bytes();
    /// assert_eq!(text, "[accepted]");
    ///
    /// // Empty by default, as tower-http's TimeoutLayer asks.
    /// assert!(http_body::Body::is_end_stream(&ResponseBody::<String>::default()));
    /// # Ok(())
    /// # }
    /// ```
    pub struct ResponseBody<B> {
        #[pin]
        inner: Inner<B>,
    }
}

pin_project! {
    #[project = InnerProj]
    enum Inner<B> {
        Body {
            #[pin]
            body: B,
        },
        Fixed {
            data: Option<Bytes>,
        },
    }
}

impl<B> ResponseBody<B> {
    pub(crate) fn inner(body: B) -> Self {
        Self {
            inner: Inner::Body { body },
        }
    }

    pub(crate) fn fixed(data: impl Into<Bytes>) -> Self {
        let data = data.into();
        Self {
            inner: Inner::Fixed {
                data: (!data.is_empty()).then_some(data),
            },
        }
    }
}

/// An empty body, as tower-http's `TimeoutLayer` asks of the body of the service it wraps (its
/// `408` has no content).
impl<B> Default for ResponseBody<B> {
    fn default() -> Self {
        Self::fixed(Bytes::new())
    }
}

impl<B> Body for ResponseBody<B>
where
    B: Body<Data = Bytes>,
{
    type Data = Bytes;
    type Error = B::Error;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, B::Error>>> {
        match self.project().inner.project() {
            InnerProj::Body { body } => body.poll_frame(cx),
            InnerProj::Fixed { data } => Poll::Ready(data.take().map(|d| Ok(Frame::data(d)))),
        }
    }

    fn is_end_stream(&self) -> bool {
        match &self.inner {
            Inner::Body { body } => body.is_end_stream(),
            Inner::Fixed { data } => data.is_none(),
        }
    }

    fn size_hint(&self) -> SizeHint {
        match &self.inner {
            Inner::Body { body } => body.size_hint(),
            Inner::Fixed { data } => {
                SizeHint::with_exact(data.as_ref().map_or(0, |d| d.len() as u64))
            }
        }
    }
}

impl<B> std::fmt::Debug for ResponseBody<B> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.inner {
            Inner::Body { .. } => f.write_str("ResponseBody::Inner"),
            Inner::Fixed { data } => f.debug_tuple("ResponseBody::Fixed").field(data).finish(),
        }
    }
}

/// A `text/plain` response with a fixed body: acknowledgements and rejections.
pub(crate) fn text_response<B>(
    status: StatusCode,
    body: impl Into<Bytes>,
) -> Response<ResponseBody<B>> {
    let mut response = Response::new(ResponseBody::fixed(body));
    *response.status_mut() = status;
    response.headers_mut().insert(
        CONTENT_TYPE,
        HeaderValue::from_static("text/plain; charset=utf-8"),
    );
    response
}
