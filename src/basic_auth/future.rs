use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use http::{HeaderValue, Response};
use pin_project_lite::pin_project;

use super::check::refusal;
use crate::ResponseBody;

pin_project! {
    /// Response future of [`RequireBasicAuth`](crate::RequireBasicAuth).
    ///
    /// ```
    /// use std::convert::Infallible;
    ///
    /// use http::{Request, Response};
    /// use tower::{service_fn, Service};
    /// use tower_adyen_webhook::{basic_auth::ResponseFuture, RequireBasicAuth};
    ///
    /// let mut service = RequireBasicAuth::new(
    ///     service_fn(|_: Request<String>| async { Ok::<_, Infallible>(Response::new(String::new())) }),
    ///     "admin",
    ///     "correct horse",
    /// );
    /// fn named<F>(_: &ResponseFuture<F>) {}
    /// named(&service.call(Request::get("/").body(String::new()).unwrap()));
    /// ```
    pub struct ResponseFuture<F> {
        #[pin]
        state: State<F>,
    }
}

pin_project! {
    #[project = StateProj]
    enum State<F> {
        Called {
            #[pin]
            future: F,
        },
        Refused {
            challenge: Option<HeaderValue>,
        },
    }
}

impl<F> ResponseFuture<F> {
    pub(crate) fn called(future: F) -> Self {
        Self {
            state: State::Called { future },
        }
    }

    pub(crate) fn refused(challenge: HeaderValue) -> Self {
        Self {
            state: State::Refused {
                challenge: Some(challenge),
            },
        }
    }
}

impl<F, B, E> Future for ResponseFuture<F>
where
    F: Future<Output = Result<Response<B>, E>>,
{
    type Output = Result<Response<ResponseBody<B>>, E>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        match self.project().state.project() {
            StateProj::Called { future } => future
                .poll(cx)
                .map_ok(|response| response.map(ResponseBody::inner)),
            StateProj::Refused { challenge } => {
                let challenge = challenge.take().expect("future polled after completion");
                Poll::Ready(Ok(refusal(challenge)))
            }
        }
    }
}
