//! The server of the end-to-end benchmark, run by `benches/run.sh` under `wrk` on loopback.
//!
//! ```text
//! e2e_server bodies DIR                         # writes DIR/body-NNN.json, prints how many
//! e2e_server serve bare|layered|inline|drain PORT [LIMIT] [WORKERS]
//! ```
//!
//! `layered` is an axum server whose route is wrapped in `VerifyWebhookLayer` (body limit
//! `LIMIT`, default 256 KiB); its handler takes the `Notifications` and answers `200`, which
//! the layer turns into `[accepted]`. `bare` is the same server without the layer: its handler
//! reads the body and answers `[accepted]`, the least any receiver does. Both run on
//! `WORKERS` runtime threads (default 1) and stop by themselves after ten minutes. `inline`
//! parses and verifies in the handler with the crate's public API instead of the layer. `drain`
//! reads a body and drops it piece by piece, answering `413` past `LIMIT` as the layer does
//! but holding nothing: the memory a flood costs the server without any buffering of its own.
//!
//! The bodies are the valid requests of `tests/data/notifications.jsonl` with each signature
//! replaced by the one under the server's key, every other byte as it was.
//!
//! Run by `cargo bench` with no arguments, it only says how to run it.

mod common;

use std::hint::black_box;
use std::net::{Ipv4Addr, SocketAddr};
use std::time::Duration;

use axum::body::Body;
use axum::extract::State;
use axum::{routing::post, Extension, Router};
use bytes::Bytes;
use http::StatusCode;
use http_body_util::BodyExt;
use tower_adyen_webhook::{
    HmacKey, HmacKeys, NotificationRequest, Notifications, VerifyWebhookLayer,
};

const LIFETIME: Duration = Duration::from_secs(600);

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    match args.as_slice() {
        ["bodies", dir] => write_bodies(dir),
        ["serve", mode, port, rest @ ..] => {
            let port: u16 = port.parse().expect("PORT is a number");
            let limit = rest
                .first()
                .map_or(256 * 1024, |l| l.parse().expect("LIMIT in bytes"));
            let workers = rest
                .get(1)
                .map_or(1, |w| w.parse().expect("WORKERS is a number"));
            serve(mode, port, limit, workers);
        }
        _ => eprintln!("e2e_server: a server for benches/run.sh, which runs it under wrk"),
    }
}

/// Re-signs every valid request of the workload with [`common::KEY`], keeping its bytes.
fn write_bodies(dir: &str) {
    let keys = HmacKeys::new(common::KEY.parse::<HmacKey>().expect("a valid key"));
    std::fs::create_dir_all(dir).expect("the bodies folder can be created");
    let cases = common::valid_cases();
    for (n, case) in cases.iter().enumerate() {
        let body = common::resigned_body(case);
        let request = NotificationRequest::from_slice(&body).expect("still parses");
        for item in &request.items {
            keys.verify_item(item).expect("re-signed items verify");
        }
        let path = format!("{dir}/body-{n:03}.json");
        std::fs::write(&path, body).unwrap_or_else(|e| panic!("{path}: {e}"));
    }
    println!("{}", cases.len());
}

async fn layered_handler(Extension(notifications): Extension<Notifications>) -> StatusCode {
    black_box(notifications.len());
    StatusCode::OK
}

async fn bare_handler(body: Bytes) -> &'static str {
    black_box(body.len());
    "[accepted]"
}

/// Parse + verify in the handler, with the crate's public API and no layer.
async fn inline_handler(State(keys): State<HmacKeys>, body: Bytes) -> (StatusCode, &'static str) {
    let Ok(request) = NotificationRequest::from_slice(&body) else {
        return (StatusCode::BAD_REQUEST, "not a notification");
    };
    if request
        .items
        .iter()
        .all(|item| keys.verify_item(item).is_ok())
    {
        black_box(request);
        (StatusCode::OK, "[accepted]")
    } else {
        (StatusCode::UNAUTHORIZED, "signature mismatch")
    }
}

async fn drain_handler(State(limit): State<usize>, body: Body) -> StatusCode {
    let mut body = body;
    let mut read = 0;
    while let Some(Ok(frame)) = body.frame().await {
        read += frame.data_ref().map_or(0, Bytes::len);
        if read > limit {
            return StatusCode::PAYLOAD_TOO_LARGE;
        }
    }
    StatusCode::OK
}

fn serve(mode: &str, port: u16, limit: usize, workers: usize) {
    let key: HmacKey = common::KEY.parse().expect("a valid key");
    let app = match mode {
        "bare" => Router::new().route("/webhook", post(bare_handler)),
        "layered" => Router::new()
            .route("/webhook", post(layered_handler))
            .layer(VerifyWebhookLayer::notifications(key).max_body_bytes(limit)),
        "inline" => Router::new()
            .route("/webhook", post(inline_handler))
            .with_state(HmacKeys::new(key)),
        "drain" => Router::new()
            .route("/webhook", post(drain_handler))
            .with_state(limit),
        _ => panic!("mode is bare, layered, inline or drain, not {mode}"),
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(workers)
        .enable_all()
        .build()
        .expect("a runtime");
    runtime.block_on(async {
        let addr = SocketAddr::from((Ipv4Addr::LOCALHOST, port));
        let listener = tokio::net::TcpListener::bind(addr)
            .await
            .unwrap_or_else(|e| panic!("{addr}: {e}"));
        println!("listening on {addr}");
        // Bounded: the server never outlives a forgotten benchmark run.
        let _ = tokio::time::timeout(LIFETIME, axum::serve(listener, app)).await;
    });
}
