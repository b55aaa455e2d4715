//! The bodies this middleware hands on: the buffered request body and the response body.

use std::convert::Infallible;
use std::pin::Pin;
use std::task::{Context, Poll};

use bytes::Bytes;
use http_body::{Body, Frame, SizeHint};
use pin_project_lite::pin_project;

/// The request body the inner service receives: the bytes that were buffered and verified.
///
/// It yields them as one frame; [`WebhookBody::bytes`] gives them without polling.
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

pin_project! {
    /// Response body of [`VerifyWebhook`](super::VerifyWebhook): the inner service's body, or a
    /// fixed one (`[accepted]`, or the reason for a rejection).
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
