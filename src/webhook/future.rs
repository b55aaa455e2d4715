use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{ready, Context, Poll};
use std::time::Instant;

use bytes::{Buf, BufMut, Bytes};
use http::request::Parts;
use http::{Request, Response, StatusCode};
use http_body::Body;
use pin_project_lite::pin_project;
use tower_service::Service;

use super::layer::{Config, Mode};
use super::observe::{self, Outcome, Tally};
use super::verify::{self, Rejection};
use crate::response::text_response;
use crate::{ResponseBody, WebhookBody};

type BoxError = Box<dyn std::error::Error + Send + Sync>;

pin_project! {
    /// Response future of [`VerifyWebhook`](crate::VerifyWebhook).
    ///
    /// ```
    /// use std::convert::Infallible;
    ///
    /// use http::{Request, Response};
    /// use tower::{service_fn, Service};
    /// use tower_adyen_webhook::{webhook::ResponseFuture, HmacKey, VerifyWebhook, WebhookBody};
    ///
    /// let key: HmacKey = "00727DB817A85C8503AD29EAD1523DB869AF0E536893BB3046C92DE7CB045CB1".parse().unwrap();
    /// let mut service = VerifyWebhook::notifications(
    ///     service_fn(|_: Request<WebhookBody>| async { Ok::<_, Infallible>(Response::new(String::new())) }),
    ///     key,
    /// );
    /// // A named future: no boxing, no hidden `Send` bound.
    /// fn named<B, S: Service<Request<WebhookBody>>>(_: &ResponseFuture<B, S>) {}
    /// named(&service.call(Request::post("/").body(String::new()).unwrap()));
    /// ```
    pub struct ResponseFuture<B, S>
    where
        S: Service<Request<WebhookBody>>,
    {
        #[pin]
        state: State<B, S, S::Future>,
        config: Arc<Config>,
        // When the request arrived, if anyone is told how long it took.
        started: Option<Instant>,
        tally: Tally,
    }
}

pin_project! {
    #[project = StateProj]
    enum State<B, S, F> {
        // Rejected before the body was read.
        Rejected {
            rejection: Option<Rejection>,
        },
        Buffering {
            #[pin]
            body: B,
            buffer: Buffer,
            parts: Option<Parts>,
            // Ready: `poll_ready` returned `Ready(Ok)` for this very instance.
            inner: Option<S>,
        },
        Calling {
            #[pin]
            future: F,
        },
    }
}

impl<B, S> ResponseFuture<B, S>
where
    S: Service<Request<WebhookBody>>,
{
    pub(crate) fn new(req: Request<B>, inner: S, config: Arc<Config>) -> Self {
        let (parts, body) = req.into_parts();
        let state = match verify::before_body(&config, &parts.headers) {
            Err(rejection) => State::Rejected {
                rejection: Some(rejection),
            },
            Ok(()) => State::Buffering {
                body,
                buffer: Buffer::default(),
                parts: Some(parts),
                inner: Some(inner),
            },
        };
        let started = config.observed().then(Instant::now);
        Self {
            state,
            config,
            started,
            tally: Tally::default(),
        }
    }
}

impl<B, S, ResBody> Future for ResponseFuture<B, S>
where
    S: Service<Request<WebhookBody>, Response = Response<ResBody>>,
    B: Body,
    B::Error: Into<BoxError>,
{
    type Output = Result<Response<ResponseBody<ResBody>>, S::Error>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let mut this = self.project();
        loop {
            match this.state.as_mut().project() {
                StateProj::Rejected { rejection } => {
                    let rejection = rejection.take().expect("future polled after completion");
                    return Poll::Ready(Ok(reject(
                        rejection,
                        this.config,
                        this.started,
                        this.tally,
                    )));
                }
                StateProj::Buffering {
                    body,
                    buffer,
                    parts,
                    inner,
                } => {
                    let bytes =
                        match ready!(buffer.poll_collect(body, this.config.max_body_bytes, cx)) {
                            Ok(bytes) => bytes,
                            Err(rejection) => {
                                let response =
                                    reject(rejection, this.config, this.started, this.tally);
                                return Poll::Ready(Ok(response));
                            }
                        };
                    let mut parts = parts.take().expect("future polled after completion");
                    let mut inner = inner.take().expect("future polled after completion");
                    if let Err(rejection) = verify::verify_body(
                        this.config,
                        &parts.headers,
                        &bytes,
                        &mut parts.extensions,
                        this.tally,
                    ) {
                        let response = reject(rejection, this.config, this.started, this.tally);
                        return Poll::Ready(Ok(response));
                    }
                    let future = inner.call(Request::from_parts(parts, WebhookBody::new(bytes)));
                    this.state.set(State::Calling { future });
                }
                StateProj::Calling { future } => {
                    let result = ready!(future.poll(cx));
                    let outcome = match &result {
                        Ok(response) if response.status().is_success() => Outcome::Accepted,
                        Ok(_) => Outcome::HandlerFailed,
                        Err(_) => Outcome::HandlerError,
                    };
                    finish(this.config, *this.started, outcome, None, this.tally);
                    return Poll::Ready(result.map(|response| acknowledge(response, this.config)));
                }
            }
        }
    }
}

/// The response to a request the inner service does not see, once its verdict is reported.
fn reject<B>(
    rejection: Rejection,
    config: &Config,
    started: &Option<Instant>,
    tally: &Tally,
) -> Response<ResponseBody<B>> {
    let (outcome, reason) = rejection.outcome();
    finish(config, *started, outcome, reason, tally);
    rejection.into_response()
}

/// Tells whoever listens how a request ended.
fn finish(
    config: &Config,
    started: Option<Instant>,
    outcome: Outcome,
    reason: Option<&'static str>,
    tally: &Tally,
) {
    if let Some(started) = started {
        let mode = match config.mode {
            Mode::Notifications => "notifications",
            Mode::HmacHeader => "hmac_header",
        };
        observe::report(
            config.on_verdict.as_ref().map(|callback| &callback.0),
            &config.usage,
            mode,
            outcome,
            reason,
            tally,
            started.elapsed(),
        );
    }
}

/// Only a successful handler gets the webhook acknowledged; anything else goes back to Adyen
/// untouched, and Adyen delivers the webhook again.
fn acknowledge<B>(response: Response<B>, config: &Config) -> Response<ResponseBody<B>> {
    let status = response.status();
    if !status.is_success() {
        tracing::warn!(
            status = status.as_u16(),
            "Adyen webhook not acknowledged: the handler did not succeed, Adyen will retry"
        );
        return response.map(ResponseBody::inner);
    }
    tracing::info!(status = status.as_u16(), "Adyen webhook acknowledged");
    if config.keep_handler_response {
        return response.map(ResponseBody::inner);
    }
    text_response(StatusCode::OK, Bytes::from_static(b"[accepted]"))
}

/// The body read so far, never larger than the limit.
///
/// Nothing is allocated from a declared length: space grows with what actually arrives, and a
/// body that arrives in one piece is kept without a copy.
#[derive(Default)]
struct Buffer {
    first: Option<Bytes>,
    rest: Option<Vec<u8>>,
    len: usize,
}

impl Buffer {
    fn poll_collect<B>(
        &mut self,
        mut body: Pin<&mut B>,
        limit: usize,
        cx: &mut Context<'_>,
    ) -> Poll<Result<Bytes, Rejection>>
    where
        B: Body,
        B::Error: Into<BoxError>,
    {
        loop {
            // Only `None` ends the body: `is_end_stream` is a hint, and some bodies never set it.
            let frame = match ready!(body.as_mut().poll_frame(cx)) {
                None => return Poll::Ready(Ok(self.take())),
                Some(Ok(frame)) => frame,
                Some(Err(error)) => return Poll::Ready(Err(body_error(error.into(), limit))),
            };
            let Ok(mut data) = frame.into_data() else {
                continue; // trailers carry nothing that is verified
            };
            let size = data.remaining();
            if size > limit - self.len {
                tracing::warn!(limit, "Adyen webhook rejected: body too large");
                return Poll::Ready(Err(Rejection::too_large(limit)));
            }
            self.len += size;
            if let Some(rest) = &mut self.rest {
                reserve_within(rest, size, limit);
                rest.put(data);
            } else if let Some(first) = self.first.take() {
                let mut rest = Vec::new();
                reserve_within(&mut rest, first.len() + size, limit);
                rest.extend_from_slice(&first);
                rest.put(data);
                self.rest = Some(rest);
            } else {
                self.first = Some(data.copy_to_bytes(size));
            }
        }
    }

    fn take(&mut self) -> Bytes {
        match self.rest.take() {
            Some(rest) => Bytes::from(rest),
            None => self.first.take().unwrap_or_default(),
        }
    }
}

/// Makes room for `additional` more bytes, doubling as a `Vec` does so that a body in many pieces
/// costs few copies, but never past `limit` (the caller has checked that the bytes fit within
/// it): a body cut off at the limit has never held more than the limit.
fn reserve_within(buffer: &mut Vec<u8>, additional: usize, limit: usize) {
    let needed = buffer.len() + additional;
    if needed > buffer.capacity() {
        let capacity = needed.max(buffer.capacity().saturating_mul(2)).min(limit);
        buffer.reserve_exact(capacity - buffer.len());
    }
}

fn body_error(error: BoxError, limit: usize) -> Rejection {
    // A limit applied by an outer layer (tower-http's `RequestBodyLimit`) is still a 413.
    if error.is::<http_body_util::LengthLimitError>() {
        return Rejection::too_large(limit);
    }
    tracing::warn!(error = ?error.to_string(), "Adyen webhook rejected: the request body failed");
    Rejection::new(
        StatusCode::BAD_REQUEST,
        "body_failed",
        "the request body could not be read",
    )
}

#[cfg(test)]
mod tests {
    use std::convert::Infallible;

    use futures_util::stream;
    use futures_util::task::noop_waker_ref;
    use http_body::Frame;
    use http_body_util::StreamBody;

    use super::*;

    /// Collects a body sent in pieces of `sizes` bytes.
    fn collect(sizes: &[usize], limit: usize) -> (Buffer, Poll<Result<Bytes, Rejection>>) {
        let frames: Vec<Result<Frame<Bytes>, Infallible>> = sizes
            .iter()
            .enumerate()
            .map(|(i, &size)| Ok(Frame::data(Bytes::from(vec![i as u8; size]))))
            .collect();
        let mut body = StreamBody::new(stream::iter(frames));
        let mut buffer = Buffer::default();
        let mut cx = Context::from_waker(noop_waker_ref());
        let result = buffer.poll_collect(Pin::new(&mut body), limit, &mut cx);
        (buffer, result)
    }

    #[test]
    fn a_body_in_pieces_is_kept_whole_and_in_order() {
        let (_, result) = collect(&[3, 1, 4, 1, 5], 100);
        let Poll::Ready(Ok(bytes)) = result else {
            panic!("the body fits")
        };
        assert_eq!(&bytes[..], &[0, 0, 0, 1, 2, 2, 2, 2, 3, 4, 4, 4, 4, 4]);
    }

    #[test]
    fn a_body_of_exactly_the_limit_fits_one_byte_more_does_not() {
        let (_, result) = collect(&[50, 50], 100);
        assert!(matches!(result, Poll::Ready(Ok(ref bytes)) if bytes.len() == 100));
        let (_, result) = collect(&[50, 51], 100);
        assert!(matches!(result, Poll::Ready(Err(_))));
        let (buffer, result) = collect(&[101], 100);
        assert!(matches!(result, Poll::Ready(Err(_))));
        assert_eq!(buffer.len, 0, "nothing kept of a piece that does not fit");
    }

    #[test]
    fn a_second_piece_makes_room_for_exactly_both() {
        // A third piece that does not fit stops the collection with the buffer as it was.
        for (sizes, capacity) in [
            (&[3, 5, 1000][..], 8),
            (&[3, 1, 1000], 4),
            (&[7, 2, 1000], 9),
        ] {
            let (buffer, result) = collect(sizes, 100);
            assert!(matches!(result, Poll::Ready(Err(_))));
            let held = buffer.rest.as_ref().map_or(0, Vec::capacity);
            assert_eq!(held, capacity, "{sizes:?}");
        }
    }

    #[test]
    fn room_grows_by_doubling_but_never_past_the_limit() {
        let mut buffer = Vec::new();
        reserve_within(&mut buffer, 20, 100);
        assert_eq!(buffer.capacity(), 20, "exactly what the first pieces need");
        buffer.resize(20, 0);
        reserve_within(&mut buffer, 10, 100);
        assert_eq!(buffer.capacity(), 40, "doubled");
        buffer.resize(30, 0);
        reserve_within(&mut buffer, 10, 100);
        assert_eq!(buffer.capacity(), 40, "already room: unchanged");
        buffer.resize(40, 0);
        reserve_within(&mut buffer, 50, 100);
        assert_eq!(
            buffer.capacity(),
            90,
            "more than double when a piece needs it"
        );
        buffer.resize(90, 0);
        reserve_within(&mut buffer, 5, 100);
        assert_eq!(buffer.capacity(), 100, "doubling stops at the limit");
    }

    #[test]
    fn the_buffer_never_holds_more_than_the_limit() {
        // 8 KiB, then 16 KiB, then 8 KiB pieces: doubling from 24 KiB would reach 384 KiB on the
        // way to a 256 KiB limit.
        let limit = 256 * 1024;
        let mut sizes = vec![8 * 1024; 40];
        sizes[1] = 16 * 1024;
        let (buffer, result) = collect(&sizes, limit);
        assert!(matches!(result, Poll::Ready(Err(_))), "over the limit");
        let capacity = buffer.rest.as_ref().map_or(0, Vec::capacity);
        assert!(capacity <= limit, "{capacity}");
        assert_eq!(buffer.len, 256 * 1024, "filled up to the limit");
    }
}
