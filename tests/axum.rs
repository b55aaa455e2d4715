//! The middleware in the places it is meant to go: axum routers, tower-http stacks, a hyper
//! server.

mod common;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::body::Body;
use axum::routing::post;
use axum::{Extension, Router};
use common::{read, Endless};
use http::{Request, StatusCode};
use tower::{ServiceBuilder, ServiceExt};
use tower_adyen_webhook::{
    HmacKey, NotificationRequest, NotificationRequestItem, Notifications, SignedWebhook,
    VerifyWebhookLayer,
};

const KEY: &str = "00727DB817A85C8503AD29EAD1523DB869AF0E536893BB3046C92DE7CB045CB1";
const PLATFORM_KEY: &str = "DFB1EB5485895CFA84146406857104ABB4CBCABDC8AAF103A624C8F6A3EAAB00";

fn key() -> HmacKey {
    KEY.parse().unwrap()
}

fn signed_body(psp: &str) -> String {
    let mut item = NotificationRequestItem::new(psp, "CAPTURE");
    key().sign_item_in_place(&mut item);
    NotificationRequest {
        live: false,
        items: vec![item],
    }
    .to_json()
}

type Stored = Arc<Mutex<Vec<String>>>;

async fn store(
    Extension(stored): Extension<Stored>,
    Extension(notifications): Extension<Notifications>,
) -> StatusCode {
    let mut stored = stored.lock().unwrap();
    stored.extend(notifications.iter().map(|n| n.psp_reference.to_string()));
    StatusCode::NO_CONTENT
}

async fn fail() -> StatusCode {
    StatusCode::INTERNAL_SERVER_ERROR
}

fn request(uri: &str, body: impl Into<Body>) -> Request<Body> {
    Request::post(uri).body(body.into()).unwrap()
}

#[tokio::test]
async fn router_layer_route_layer_and_method_router_layer() {
    let stored = Stored::default();
    let layer = VerifyWebhookLayer::notifications(key());
    let apps = [
        Router::new()
            .route("/hook", post(store))
            .layer(layer.clone()),
        Router::new()
            .route("/hook", post(store))
            .route_layer(layer.clone()),
        Router::new().route("/hook", post(store).layer(layer.clone())),
    ];
    for (n, app) in apps.into_iter().enumerate() {
        let app = app.layer(Extension(stored.clone()));
        let psp = format!("PSP{n}");
        let response = app
            .clone()
            .oneshot(request("/hook", signed_body(&psp)))
            .await
            .unwrap();
        assert_eq!(read(response).await, (StatusCode::OK, "[accepted]".into()));
        let forged = signed_body(&psp).replace(&psp, "PSPX");
        let response = app.oneshot(request("/hook", forged)).await.unwrap();
        assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    }
    assert_eq!(*stored.lock().unwrap(), ["PSP0", "PSP1", "PSP2"]);
}

#[tokio::test]
async fn a_failing_axum_handler_is_not_acknowledged() {
    let app = Router::new()
        .route("/hook", post(fail))
        .layer(VerifyWebhookLayer::notifications(key()));
    let response = app
        .oneshot(request("/hook", signed_body("PSP")))
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::INTERNAL_SERVER_ERROR);
}

#[tokio::test]
async fn composes_with_tower_http_trace_timeout_catch_panic_and_limit() {
    let stored = Stored::default();
    let app = Router::new()
        .route("/hook", post(store))
        .route(
            "/panics",
            post(|_: Extension<Notifications>| async { panic!("handler bug") as StatusCode }),
        )
        .layer(
            ServiceBuilder::new()
                .layer(tower_http::trace::TraceLayer::new_for_http())
                .layer(tower_http::timeout::TimeoutLayer::with_status_code(
                    StatusCode::REQUEST_TIMEOUT,
                    Duration::from_millis(200),
                ))
                .layer(tower_http::catch_panic::CatchPanicLayer::new())
                .layer(tower_http::limit::RequestBodyLimitLayer::new(4096))
                .layer(VerifyWebhookLayer::notifications(key()))
                .layer(Extension(stored.clone())),
        );

    let response = app
        .clone()
        .oneshot(request("/hook", signed_body("PSP1")))
        .await
        .unwrap();
    assert_eq!(read(response).await, (StatusCode::OK, "[accepted]".into()));

    // A panicking handler is a 500 from catch-panic, never an acknowledgement.
    let response = app
        .clone()
        .oneshot(request("/panics", signed_body("PSP2")))
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::INTERNAL_SERVER_ERROR);

    // A body that never ends is cut by the timeout in front.
    let response = app
        .clone()
        .oneshot(request("/hook", Body::new(Endless)))
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::REQUEST_TIMEOUT);

    // An outer limit that trips while streaming is still a 413.
    let chunks = (0..8).map(|_| Ok::<_, std::io::Error>(bytes::Bytes::from(vec![b' '; 1024])));
    let streamed = Body::from_stream(futures_util::stream::iter(chunks));
    let response = app.oneshot(request("/hook", streamed)).await.unwrap();
    assert_eq!(response.status(), StatusCode::PAYLOAD_TOO_LARGE);

    assert_eq!(*stored.lock().unwrap(), ["PSP1"]);
}

async fn platform(Extension(webhook): Extension<SignedWebhook>) -> String {
    webhook.webhook_type().unwrap_or_default().to_owned()
}

#[tokio::test]
async fn both_webhook_families_on_two_routes_with_their_own_keys() {
    let platform_key: HmacKey = PLATFORM_KEY.parse().unwrap();
    let stored = Stored::default();
    let app = Router::new()
        .route(
            "/notifications",
            post(store).layer(VerifyWebhookLayer::notifications(key()).basic_auth("adyen", "pw")),
        )
        .route(
            "/balance-platform",
            post(platform).layer(
                VerifyWebhookLayer::hmac_header(platform_key.clone()).keep_handler_response(true),
            ),
        )
        .layer(Extension(stored.clone()));
    let auth = "Basic YWR5ZW46cHc="; // adyen:pw

    let ok = Request::post("/notifications")
        .header("authorization", auth)
        .body(Body::from(signed_body("PSP1")))
        .unwrap();
    assert_eq!(
        app.clone().oneshot(ok).await.unwrap().status(),
        StatusCode::OK
    );

    let platform_body = r#"{"data":{"id":"AH1"},"environment":"test","type":"balancePlatform.accountHolder.created"}"#;
    let signature = platform_key.sign(platform_body.as_bytes());
    let ok = Request::post("/balance-platform")
        .header("hmacsignature", &signature)
        .body(Body::from(platform_body))
        .unwrap();
    let response = app.clone().oneshot(ok).await.unwrap();
    assert_eq!(
        read(response).await,
        (
            StatusCode::OK,
            "balancePlatform.accountHolder.created".into()
        )
    );

    // Each route takes its own key only.
    let crossed = Request::post("/balance-platform")
        .header("HmacSignature", key().sign(platform_body.as_bytes()))
        .body(Body::from(platform_body))
        .unwrap();
    assert_eq!(
        app.clone().oneshot(crossed).await.unwrap().status(),
        StatusCode::UNAUTHORIZED
    );
    let mut item = NotificationRequestItem::new("PSP2", "CAPTURE");
    platform_key.sign_item_in_place(&mut item);
    let crossed = Request::post("/notifications")
        .header("authorization", auth)
        .body(Body::from(
            NotificationRequest {
                live: false,
                items: vec![item],
            }
            .to_json(),
        ))
        .unwrap();
    assert_eq!(
        app.oneshot(crossed).await.unwrap().status(),
        StatusCode::UNAUTHORIZED
    );

    assert_eq!(*stored.lock().unwrap(), ["PSP1"]);
}

#[tokio::test]
async fn wraps_a_hyper_server_service() {
    use hyper_util::rt::TokioIo;
    use hyper_util::service::TowerToHyperService;
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    let handler = tower::service_fn(
        |req: Request<tower_adyen_webhook::WebhookBody>| async move {
            let count = req
                .extensions()
                .get::<Notifications>()
                .map_or(0, |n| n.len());
            Ok::<_, std::convert::Infallible>(http::Response::new(format!("{count} stored")))
        },
    );
    let service = ServiceBuilder::new()
        .layer(VerifyWebhookLayer::notifications(key()))
        .service(handler);

    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let server = tokio::spawn(async move {
        let (stream, _) = listener.accept().await.unwrap();
        hyper::server::conn::http1::Builder::new()
            .serve_connection(TokioIo::new(stream), TowerToHyperService::new(service))
            .await
            .unwrap();
    });

    let body = signed_body("PSP1");
    let mut stream = tokio::net::TcpStream::connect(addr).await.unwrap();
    // Chunked, so the layer sees no Content-Length and a body in pieces.
    let (a, b) = body.split_at(body.len() / 2);
    let raw = format!(
        "POST /hook HTTP/1.1\r\nHost: localhost\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n{:x}\r\n{a}\r\n{:x}\r\n{b}\r\n0\r\n\r\n",
        a.len(),
        b.len()
    );
    stream.write_all(raw.as_bytes()).await.unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).await.unwrap();
    assert!(response.starts_with("HTTP/1.1 200 OK\r\n"), "{response}");
    assert!(response.ends_with("\r\n\r\n[accepted]"), "{response}");
    server.await.unwrap();
}
