//! Shared pieces of the fuzz targets: the keys of the test vectors, a request body that arrives in
//! chosen frames, an inner service that records what it was handed, and a single-threaded
//! executor that notices a future spinning instead of finishing.

use std::collections::VecDeque;
use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::task::{Context, Poll};

use bytes::Bytes;
use http::{HeaderMap, HeaderValue, Request, Response, StatusCode};
use http_body::{Body, Frame, SizeHint};
use tower_adyen_webhook::{
    HmacKey, HmacKeys, Notifications, RejectedItems, SignedWebhook, WebhookBody,
};

const NOTIFICATION_VECTORS: &str = include_str!("../../tests/data/notifications.jsonl");
const HEADER_VECTORS: [&str; 2] = [
    include_str!("../../tests/data/header-signed.jsonl"),
    include_str!("../../tests/data/library-header-signed.jsonl"),
];

fn keys_of(files: &[&str]) -> HmacKeys {
    let mut hex: Vec<String> = Vec::new();
    for file in files {
        for line in file.lines().filter(|l| !l.trim().is_empty()) {
            let vector: serde_json::Value = serde_json::from_str(line).expect("a vector is JSON");
            let key = vector["key"]
                .as_str()
                .expect("a vector has a key")
                .to_owned();
            if !hex.contains(&key) {
                hex.push(key);
            }
        }
    }
    HmacKeys::try_from_keys(
        hex.iter()
            .map(|h| h.parse::<HmacKey>().expect("vector keys parse")),
    )
    .expect("the vectors have keys")
}

/// Every key of `tests/data/notifications.jsonl`, so the vector bodies (the seeds) verify.
pub fn notification_keys() -> &'static HmacKeys {
    static KEYS: OnceLock<HmacKeys> = OnceLock::new();
    KEYS.get_or_init(|| keys_of(&[NOTIFICATION_VECTORS]))
}

/// Every key of the header-signed vectors.
pub fn header_keys() -> &'static HmacKeys {
    static KEYS: OnceLock<HmacKeys> = OnceLock::new();
    KEYS.get_or_init(|| keys_of(&HEADER_VECTORS))
}

/// The first key of a set: the one the targets sign with.
pub fn first(keys: &HmacKeys) -> &HmacKey {
    keys.iter().next().expect("a key set is never empty")
}

/// A request body that yields the given frames (data, then optionally trailers, then optionally
/// an error), returning `Pending` (after waking) on the polls `pending` selects, and counting
/// its polls.
pub struct FuzzBody {
    chunks: VecDeque<Bytes>,
    trailers: bool,
    fail_at_end: bool,
    pending: u64,
    polls: Arc<AtomicUsize>,
}

impl FuzzBody {
    /// `pending`: bit `n % 64` set makes the `n`th poll return `Pending` first.
    pub fn new(chunks: Vec<Bytes>, trailers: bool, fail_at_end: bool, pending: u64) -> Self {
        Self {
            chunks: chunks.into(),
            trailers,
            fail_at_end,
            pending,
            polls: Arc::default(),
        }
    }

    /// How many times the body has been polled.
    pub fn polls(&self) -> Arc<AtomicUsize> {
        self.polls.clone()
    }
}

impl Body for FuzzBody {
    type Data = Bytes;
    type Error = std::io::Error;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Self::Error>>> {
        let n = self.polls.fetch_add(1, Ordering::Relaxed);
        // Never two `Pending`s in a row, so the number of polls stays bounded.
        if n.is_multiple_of(2) && self.pending & (1 << ((n / 2) % 64)) != 0 {
            cx.waker().wake_by_ref();
            return Poll::Pending;
        }
        if let Some(chunk) = self.chunks.pop_front() {
            return Poll::Ready(Some(Ok(Frame::data(chunk))));
        }
        if std::mem::take(&mut self.trailers) {
            let mut trailers = HeaderMap::new();
            trailers.insert("x-trailer", HeaderValue::from_static("1"));
            return Poll::Ready(Some(Ok(Frame::trailers(trailers))));
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

/// What the inner service was handed.
#[derive(Clone, Debug)]
pub struct Seen {
    pub notifications: Option<Notifications>,
    pub rejected: Option<RejectedItems>,
    pub signed: Option<SignedWebhook>,
    pub body: Bytes,
}

/// How the inner service answers.
#[derive(Clone, Copy, Debug)]
pub enum Answer {
    Status(StatusCode),
    Error,
}

/// An inner service that records each request and answers as told.
#[derive(Clone)]
pub struct Recorder {
    pub seen: Arc<Mutex<Vec<Seen>>>,
    answer: Answer,
}

impl Recorder {
    pub fn new(answer: Answer) -> Self {
        Self {
            seen: Arc::default(),
            answer,
        }
    }

    pub fn calls(&self) -> usize {
        self.seen.lock().unwrap().len()
    }
}

impl tower_service::Service<Request<WebhookBody>> for Recorder {
    type Response = Response<WebhookBody>;
    type Error = &'static str;
    type Future = std::future::Ready<Result<Response<WebhookBody>, &'static str>>;

    fn poll_ready(&mut self, _cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, req: Request<WebhookBody>) -> Self::Future {
        let (parts, body) = req.into_parts();
        self.seen.lock().unwrap().push(Seen {
            notifications: parts.extensions.get::<Notifications>().cloned(),
            rejected: parts.extensions.get::<RejectedItems>().cloned(),
            signed: parts.extensions.get::<SignedWebhook>().cloned(),
            body: body.bytes(),
        });
        std::future::ready(match self.answer {
            Answer::Status(status) => {
                let mut response = Response::new(WebhookBody::default());
                *response.status_mut() = status;
                Ok(response)
            }
            Answer::Error => Err("handler failed"),
        })
    }
}

/// Runs `future` to completion on this thread. A future that stops waking itself hangs here,
/// which libFuzzer reports as a timeout.
pub fn block_on<F: Future>(future: F) -> F::Output {
    futures_executor::block_on(future)
}

/// Reads a whole response body that is already complete (the layer's bodies always are).
pub fn body_bytes<B>(body: B) -> Bytes
where
    B: Body<Data = Bytes>,
    B::Error: std::fmt::Debug,
{
    block_on(async move {
        let mut body = std::pin::pin!(body);
        let mut out = Vec::new();
        while let Some(frame) = std::future::poll_fn(|cx| body.as_mut().poll_frame(cx)).await {
            if let Ok(data) = frame.expect("fixed bodies do not fail").into_data() {
                out.extend_from_slice(&data);
            }
        }
        Bytes::from(out)
    })
}

/// Standard, padded base64, written out here rather than taken from the `base64` crate the
/// library decodes with, so that the oracle does not share the code it checks.
pub fn encode_base64(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::new();
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(char::from(ALPHABET[(n >> (18 - 6 * i)) as usize & 63]));
            } else {
                out.push('=');
            }
        }
    }
    out
}
