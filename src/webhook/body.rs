//! The request body this middleware hands on: the bytes it buffered and verified.

use std::convert::Infallible;
use std::pin::Pin;
use std::task::{Context, Poll};

use bytes::Bytes;
use http_body::{Body, Frame, SizeHint};

/// The request body the inner service receives: the bytes that were buffered and verified.
///
/// It yields them as one frame; [`WebhookBody::bytes`] gives them without polling.
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
/// let handler = service_fn(|request: Request<WebhookBody>| async move {
///     // The exact bytes that were verified, without polling the body...
///     let bytes = request.body().bytes();
///     assert!(bytes.starts_with(b"{"));
///     // ... or read as any `http_body::Body`.
///     let read = http_body_util::BodyExt::collect(request.into_body()).await.unwrap().to_bytes();
///     assert_eq!(read, bytes);
///     Ok::<_, Infallible>(Response::new(String::new()))
/// });
/// let service = VerifyWebhookLayer::notifications(key).layer(handler);
/// assert_eq!(service.oneshot(Request::post("/").body(body)?).await?.status(), StatusCode::OK);
/// # Ok(())
/// # }
/// ```
#[derive(Clone, Debug, Default)]
pub struct WebhookBody {
    data: Option<Bytes>,
}

impl WebhookBody {
    pub(crate) fn new(data: Bytes) -> Self {
        Self {
            data: (!data.is_empty()).then_some(data),
        }
    }

    /// The bytes not yet read from the body: all of them, unless it has been polled.
    pub fn bytes(&self) -> Bytes {
        self.data.clone().unwrap_or_default()
    }
}

impl Body for WebhookBody {
    type Data = Bytes;
    type Error = Infallible;

    fn poll_frame(
        self: Pin<&mut Self>,
        _cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Infallible>>> {
        Poll::Ready(self.get_mut().data.take().map(|data| Ok(Frame::data(data))))
    }

    fn is_end_stream(&self) -> bool {
        self.data.is_none()
    }

    fn size_hint(&self) -> SizeHint {
        SizeHint::with_exact(self.data.as_ref().map_or(0, |d| d.len() as u64))
    }
}
