//! Shared helpers for the integration tests: the vectors, bodies that misbehave, and an inner
//! service that records what it was handed.
#![allow(dead_code)]

use std::convert::Infallible;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};

use bytes::Bytes;
use http::{Request, Response, StatusCode};
use http_body::{Body, Frame, SizeHint};
use http_body_util::BodyExt;
use serde_json::Value;
use tower_adyen_webhook::{
    Notifications, RejectedItems, SignedWebhook, UnsignedWebhook, WebhookBody,
};

/// One line of a `.jsonl` vector file.
pub fn vectors(file: &str) -> Vec<Value> {
    let path = format!("{}/tests/data/{file}", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    let lines: Vec<Value> = text
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| serde_json::from_str(l).expect("a vector is JSON"))
        .collect();
    assert!(!lines.is_empty(), "{path} has no vectors");
    lines
}

pub fn str_field<'a>(vector: &'a Value, field: &str) -> &'a str {
    vector[field]
        .as_str()
        .unwrap_or_else(|| panic!("vector field {field} is not a string: {vector}"))
}

/// What the inner service saw of one request.
#[derive(Clone, Debug)]
pub struct Seen {
    pub notifications: Option<Notifications>,
    pub rejected: Option<RejectedItems>,
    pub signed: Option<SignedWebhook>,
    pub unsigned: Option<UnsignedWebhook>,
    pub body: Bytes,
}

/// An inner service that records every request and answers with `status`.
#[derive(Clone)]
pub struct Recorder {
    pub seen: Arc<Mutex<Vec<Seen>>>,
    status: StatusCode,
}

impl Recorder {
    pub fn new(status: StatusCode) -> Self {
        Self {
            seen: Arc::default(),
            status,
        }
    }

    pub fn ok() -> Self {
        Self::new(StatusCode::OK)
    }

    pub fn calls(&self) -> usize {
        self.seen.lock().unwrap().len()
    }

    pub fn last(&self) -> Seen {
        self.seen
            .lock()
            .unwrap()
            .last()
            .cloned()
            .expect("the inner service was called")
    }
}

impl tower::Service<Request<WebhookBody>> for Recorder {
    type Response = Response<String>;
    type Error = Infallible;
    type Future =
        Pin<Box<dyn std::future::Future<Output = Result<Response<String>, Infallible>> + Send>>;

    fn poll_ready(&mut self, _cx: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, req: Request<WebhookBody>) -> Self::Future {
        let seen = self.seen.clone();
        let status = self.status;
        Box::pin(async move {
            let (parts, body) = req.into_parts();
            let body = body.collect().await.unwrap().to_bytes();
            seen.lock().unwrap().push(Seen {
                notifications: parts.extensions.get::<Notifications>().cloned(),
                rejected: parts.extensions.get::<RejectedItems>().cloned(),
                signed: parts.extensions.get::<SignedWebhook>().cloned(),
                unsigned: parts.extensions.get::<UnsignedWebhook>().cloned(),
                body,
            });
            let mut response = Response::new("handler body".to_owned());
            *response.status_mut() = status;
            Ok(response)
        })
    }
}

/// The status and the whole body of a response.
pub async fn read<B>(response: Response<B>) -> (StatusCode, String)
where
    B: Body,
    B::Error: std::fmt::Debug,
{
    let status = response.status();
    let bytes = response.into_body().collect().await.unwrap().to_bytes();
    (status, String::from_utf8(bytes.to_vec()).unwrap())
}

/// A body that arrives in the given pieces, then optionally fails, and records whether it was
/// ever polled.
pub struct Frames {
    chunks: std::collections::VecDeque<Bytes>,
    fail_at_end: bool,
    polled: Arc<AtomicBool>,
    polls: Arc<AtomicUsize>,
}

impl Frames {
    pub fn new<I, C>(chunks: I) -> Self
    where
        I: IntoIterator<Item = C>,
        C: Into<Bytes>,
    {
        Self {
            chunks: chunks.into_iter().map(Into::into).collect(),
            fail_at_end: false,
            polled: Arc::default(),
            polls: Arc::default(),
        }
    }

    /// Splits `body` into pieces of `size` bytes.
    pub fn split(body: &[u8], size: usize) -> Self {
        Self::new(
            body.chunks(size.max(1))
                .map(Bytes::copy_from_slice)
                .collect::<Vec<_>>(),
        )
    }

    pub fn failing(mut self) -> Self {
        self.fail_at_end = true;
        self
    }

    pub fn polled_flag(&self) -> Arc<AtomicBool> {
        self.polled.clone()
    }

    pub fn poll_count(&self) -> Arc<AtomicUsize> {
        self.polls.clone()
    }
}

impl Body for Frames {
    type Data = Bytes;
    type Error = std::io::Error;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Self::Error>>> {
        self.polled.store(true, Ordering::SeqCst);
        let polls = self.polls.fetch_add(1, Ordering::SeqCst);
        // Every other poll is Pending, as a network body often is.
        if polls.is_multiple_of(2) {
            cx.waker().wake_by_ref();
            return Poll::Pending;
        }
        if let Some(chunk) = self.chunks.pop_front() {
            return Poll::Ready(Some(Ok(Frame::data(chunk))));
        }
        if std::mem::take(&mut self.fail_at_end) {
            return Poll::Ready(Some(Err(std::io::Error::other("connection reset"))));
        }
        Poll::Ready(None)
    }

    fn size_hint(&self) -> SizeHint {
        SizeHint::default()
    }
}

/// A body that never ends and never errs: it only ever says Pending.
pub struct Endless;

impl Body for Endless {
    type Data = Bytes;
    type Error = Infallible;

    fn poll_frame(
        self: Pin<&mut Self>,
        _cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Infallible>>> {
        Poll::Pending
    }
}
