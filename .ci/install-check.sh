#!/usr/bin/env bash
# The README's Install path, as a new user takes it: a scratch project outside the repository
# depends on the crate (a path dependency stands in for the registry), with the README's axum
# example as its code, and is built and run.
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
scratch="$(mktemp -d)"
trap 'rm -rf "$scratch"' EXIT

cd "$scratch"
cargo new --quiet --bin webhook-app
cd webhook-app
cargo add --quiet --path "$repo" tower-adyen-webhook
cargo add --quiet axum@0.8 http@1
cargo add --quiet tokio@1 --features macros,rt-multi-thread
cargo add --quiet tower@0.5 --features util

# The README's "With axum" example, then a main that sends it a signed and a forged request.
awk '/^## With axum/{on=1} on&&/^```rust/{grab=1; next} grab&&/^```/{exit} grab' "$repo/README.md" \
    >src/main.rs
test -s src/main.rs
cat >>src/main.rs <<'RS'

#[tokio::main]
async fn main() {
    use tower::ServiceExt;
    use tower_adyen_webhook::{HmacKey, NotificationRequest, NotificationRequestItem};

    let hex = "00727DB817A85C8503AD29EAD1523DB869AF0E536893BB3046C92DE7CB045CB1";
    let key: HmacKey = hex.parse().unwrap();
    let router = app(hex.parse().unwrap());
    let mut item = NotificationRequestItem::new("7914073381342284", "AUTHORISATION");
    key.sign_item_in_place(&mut item);
    let body = NotificationRequest { live: false, items: vec![item] }.to_json();
    let post = |body: String| {
        http::Request::post("/api/webhooks/notifications")
            .body(axum::body::Body::from(body))
            .unwrap()
    };
    let ok = router.clone().oneshot(post(body.clone())).await.unwrap().status();
    let forged = body.replace("7914073381342284", "7914073381342285");
    let refused = router.oneshot(post(forged)).await.unwrap().status();
    println!("signed: {ok}, forged: {refused}");
    assert_eq!((ok.as_u16(), refused.as_u16()), (200, 401));
}
RS
CARGO_TARGET_DIR="$repo/target/install-check" cargo run --quiet
