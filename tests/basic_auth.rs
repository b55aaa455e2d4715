//! `RequireBasicAuth` on its own, through its public API, and in an axum router.

mod common;

use std::future::{ready, Ready};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll};

use axum::body::Body;
use axum::routing::get;
use axum::Router;
use base64::engine::general_purpose::STANDARD as BASE64;
use base64::Engine as _;
use common::{read, Frames, Recorder};
use http::header::{AUTHORIZATION, CONTENT_TYPE, WWW_AUTHENTICATE};
use http::{Request, Response, StatusCode};
use tower::{Service, ServiceExt};
use tower_adyen_webhook::{HmacKey, RequireBasicAuth, RequireBasicAuthLayer, VerifyWebhookLayer};
use tower_layer::Layer;

const USER: &str = "admin";
const PASSWORD: &str = "p@ss:word";
const CHALLENGE: &str = "Basic realm=\"restricted\", charset=\"UTF-8\"";

fn basic(credentials: impl AsRef<[u8]>) -> String {
    format!("Basic {}", BASE64.encode(credentials))
}

fn right() -> String {
    basic(format!("{USER}:{PASSWORD}"))
}

#[derive(Debug, PartialEq)]
struct InnerError(&'static str);

/// An inner service with an error type of its own, that never reads the body it is given.
#[derive(Clone, Debug, Default)]
struct Inner {
    calls: Arc<AtomicUsize>,
    fail: bool,
}

impl Inner {
    fn calls(&self) -> usize {
        self.calls.load(Ordering::SeqCst)
    }
}

impl<B> Service<Request<B>> for Inner {
    type Response = Response<String>;
    type Error = InnerError;
    type Future = Ready<Result<Response<String>, InnerError>>;

    fn poll_ready(&mut self, _cx: &mut Context<'_>) -> Poll<Result<(), InnerError>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, _req: Request<B>) -> Self::Future {
        self.calls.fetch_add(1, Ordering::SeqCst);
        if self.fail {
            return ready(Err(InnerError("the inner service failed")));
        }
        let mut response = Response::new("from the inner service".to_owned());
        *response.status_mut() = StatusCode::CREATED;
        response
            .headers_mut()
            .insert("x-inner", "kept".parse().unwrap());
        ready(Ok(response))
    }
}

fn admin_request(authorization: &[&str]) -> (Request<Frames>, Arc<AtomicBool>) {
    let body = Frames::new(["a body nobody should read"]);
    let polled = body.polled_flag();
    let mut request = Request::post("/admin");
    for value in authorization {
        request = request.header(AUTHORIZATION, *value);
    }
    (request.body(body).unwrap(), polled)
}

/// Keeps the inner service's error type: checked at compile time.
fn keeps_error_type<S: Service<Request<Frames>, Error = InnerError>>(service: S) -> S {
    service
}

#[tokio::test]
async fn right_credentials_reach_the_inner_service_untouched() {
    for authorization in [right(), right().replace("Basic", "bAsIc")] {
        let inner = Inner::default();
        let service = keeps_error_type(RequireBasicAuth::new(inner.clone(), USER, PASSWORD));
        let (request, polled) = admin_request(&[&authorization]);
        let response = service.oneshot(request).await.unwrap();
        assert_eq!(inner.calls(), 1);
        assert_eq!(response.headers()["x-inner"], "kept");
        let (status, body) = read(response).await;
        assert_eq!(
            (status, body.as_str()),
            (StatusCode::CREATED, "from the inner service")
        );
        assert!(!polled.load(Ordering::SeqCst), "the body was read");
    }
}

#[tokio::test]
async fn the_inner_service_error_is_passed_on() {
    let inner = Inner {
        fail: true,
        ..Inner::default()
    };
    let service = keeps_error_type(RequireBasicAuthLayer::new(USER, PASSWORD).layer(inner));
    let (request, _) = admin_request(&[&right()]);
    let error = service.oneshot(request).await.unwrap_err();
    assert_eq!(error, InnerError("the inner service failed"));
}

async fn assert_refused(service: RequireBasicAuth<Inner>, authorization: &[&str]) {
    let inner = service.get_ref().clone();
    let (request, polled) = admin_request(authorization);
    let response = service.oneshot(request).await.unwrap();
    assert_eq!(
        response
            .headers()
            .get(WWW_AUTHENTICATE)
            .map(|v| v.as_bytes()),
        Some(CHALLENGE.as_bytes()),
        "{authorization:?}"
    );
    assert_eq!(
        response.headers()[CONTENT_TYPE],
        "text/plain; charset=utf-8"
    );
    let (status, body) = read(response).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "{authorization:?}");
    assert_eq!(body, "authentication required\n");
    assert_eq!(inner.calls(), 0, "{authorization:?}: inner service called");
    assert!(
        !polled.load(Ordering::SeqCst),
        "{authorization:?}: body read"
    );
}

#[tokio::test]
async fn anything_but_the_right_credentials_is_refused_unread() {
    let service = || RequireBasicAuth::new(Inner::default(), USER, PASSWORD);
    let wrong_password = basic(format!("{USER}:p@ss:wor"));
    let wrong_user = basic(format!("other:{PASSWORD}"));
    let no_colon = basic(format!("{USER}{PASSWORD}"));
    let not_utf8 = basic(b"admin:\xffp@ss:word");
    let bearer = right().replace("Basic", "Bearer");
    let trailing = format!("{} {}", right(), right());
    let no_space = right().replace(' ', "");
    let missing: [&str; 0] = [];
    assert_refused(service(), &missing).await;
    for authorization in [
        wrong_password.as_str(),
        &wrong_user,
        &basic(":"),
        &basic(""),
        &no_colon,
        &not_utf8,
        &bearer,
        &trailing,
        &no_space,
        "Basic",
        "Basic ",
        "Basic !!!!",
        "",
    ] {
        assert_refused(service(), &[authorization]).await;
    }
    // Only standard base64 with padding: "u:???" is "dTo/Pz8=", not "dTo_Pz8=" (the URL-safe
    // alphabet) nor "dTo/Pz8".
    let question_marks = || RequireBasicAuth::new(Inner::default(), "u", "???");
    assert_eq!(basic("u:???"), "Basic dTo/Pz8=");
    let inner = question_marks();
    let calls = inner.get_ref().clone();
    let (request, _) = admin_request(&["Basic dTo/Pz8="]);
    assert_eq!(
        inner.oneshot(request).await.unwrap().status(),
        StatusCode::CREATED
    );
    assert_eq!(calls.calls(), 1);
    for variant in ["Basic dTo_Pz8=", "Basic dTo/Pz8"] {
        let (request, _) = admin_request(&[variant]);
        let response = question_marks().oneshot(request).await.unwrap();
        assert_eq!(response.status(), StatusCode::UNAUTHORIZED, "{variant}");
    }
    // Two headers, even if both or one of them are right: which one would count is ambiguous.
    assert_refused(service(), &[&right(), &right()]).await;
    assert_refused(service(), &[&right(), &wrong_password]).await;
    assert_refused(service(), &[&wrong_password, &right()]).await;
}

#[tokio::test]
async fn credentials_are_decoded_up_to_4096_base64_characters() {
    // 3072 bytes are exactly 4096 base64 characters, without padding.
    let password = "p".repeat(3072 - "u:".len());
    let at_the_limit = basic(format!("u:{password}"));
    assert_eq!(at_the_limit.len(), "Basic ".len() + 4096);
    let inner = Inner::default();
    let (request, _) = admin_request(&[&at_the_limit]);
    let response = RequireBasicAuth::new(inner.clone(), "u", &password)
        .oneshot(request)
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::CREATED);
    assert_eq!(inner.calls(), 1);

    // 4097 characters: one past the limit.
    let one_more = format!("{at_the_limit}A");
    let service = RequireBasicAuth::new(Inner::default(), "u", &password);
    let (request, _) = admin_request(&[&one_more]);
    let response = service.oneshot(request).await.unwrap();
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);

    // Base64 of padded length never has 4097 characters, so the limit itself shows with the
    // next length there is: 3075 bytes, 4100 characters, and right.
    let password = "p".repeat(3075 - "u:".len());
    let over = basic(format!("u:{password}"));
    assert_eq!(over.len(), "Basic ".len() + 4100);
    let inner = Inner::default();
    let (request, _) = admin_request(&[&over]);
    let response = RequireBasicAuth::new(inner.clone(), "u", &password)
        .oneshot(request)
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(inner.calls(), 0);
}

#[tokio::test]
async fn the_challenge_names_the_realm() {
    for (realm, challenge) in [
        ("admin API", "Basic realm=\"admin API\", charset=\"UTF-8\""),
        // Whatever could end the quoted string or the header is left out.
        (
            "a \"quoted\\\" r\u{e9}alm\r\n",
            "Basic realm=\"a quoted ralm\", charset=\"UTF-8\"",
        ),
        ("", "Basic realm=\"\", charset=\"UTF-8\""),
    ] {
        let service = RequireBasicAuthLayer::new(USER, PASSWORD)
            .realm(realm)
            .layer(Inner::default());
        let (request, _) = admin_request(&[]);
        let response = service.oneshot(request).await.unwrap();
        assert_eq!(response.headers()[WWW_AUTHENTICATE], challenge, "{realm:?}");
    }
}

#[test]
fn a_clone_keeps_its_own_realm() {
    let layer = RequireBasicAuthLayer::new(USER, PASSWORD);
    let renamed = layer.clone().realm("other");
    assert!(format!("{layer:?}").contains("restricted"), "{layer:?}");
    assert!(format!("{renamed:?}").contains("other"), "{renamed:?}");
}

#[test]
fn debug_never_shows_the_credentials() {
    let layer = RequireBasicAuthLayer::new("admin-user", "hunter2-secret").realm("admin API");
    let service = layer.clone().layer(Inner::default());
    for debug in [format!("{layer:?}"), format!("{service:?}")] {
        assert!(
            !debug.contains("hunter2") && !debug.contains("admin-user"),
            "{debug}"
        );
    }
    let layer = format!("{layer:?}");
    assert!(layer.contains("admin API"), "{layer}");
}

#[tokio::test]
async fn poll_ready_waits_for_the_inner_service() {
    let (mut service, mut handle) = tower_test::mock::spawn_layer::<Request<()>, Response<()>, _>(
        RequireBasicAuthLayer::new(USER, PASSWORD),
    );
    handle.allow(0);
    assert!(service.poll_ready().is_pending());
    handle.allow(1);
    assert!(service.poll_ready().is_ready());
}

#[tokio::test]
async fn the_webhook_layer_answers_a_refusal_the_same_way() {
    let webhook = VerifyWebhookLayer::notifications(HmacKey::from_bytes(&[3; 32]))
        .basic_auth(USER, PASSWORD)
        .layer(Recorder::ok());
    let standalone = RequireBasicAuthLayer::new(USER, PASSWORD)
        .realm("Adyen webhooks")
        .layer(Inner::default());
    let wrong = basic("admin:wrong");
    let (request_a, _) = admin_request(&[&wrong]);
    let (request_b, _) = admin_request(&[&wrong]);
    let a = webhook.oneshot(request_a).await.unwrap();
    let b = standalone.oneshot(request_b).await.unwrap();
    assert_eq!(a.headers(), b.headers());
    assert_eq!(read(a).await, read(b).await);
}

#[tokio::test]
async fn goes_into_an_axum_router() {
    let admin = || Router::new().route("/admin", get(|| async { "admin page" }));
    let layer = RequireBasicAuthLayer::new(USER, PASSWORD).realm("admin");
    let apps = [
        admin().layer(layer.clone()),
        admin().route_layer(layer.clone()),
        Router::new().route(
            "/admin",
            get(|| async { "admin page" }).layer(layer.clone()),
        ),
    ];
    for (n, app) in apps.into_iter().enumerate() {
        let req = |authorization: Option<String>| {
            let mut request = Request::get("/admin");
            if let Some(value) = authorization {
                request = request.header(AUTHORIZATION, value);
            }
            request.body(Body::empty()).unwrap()
        };
        let (status, body) = read(app.clone().oneshot(req(Some(right()))).await.unwrap()).await;
        assert_eq!(
            (status, body.as_str()),
            (StatusCode::OK, "admin page"),
            "{n}"
        );

        let response = app.clone().oneshot(req(None)).await.unwrap();
        assert_eq!(response.status(), StatusCode::UNAUTHORIZED, "{n}");
        assert_eq!(
            response.headers()[WWW_AUTHENTICATE],
            "Basic realm=\"admin\", charset=\"UTF-8\""
        );
        let response = app
            .clone()
            .oneshot(req(Some(basic("admin:wrong"))))
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::UNAUTHORIZED, "{n}");
    }
}
