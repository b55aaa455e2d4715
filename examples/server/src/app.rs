//! The HTTP side, on two listeners that never share a route.
//!
//! The webhook listener (`PORT`, the one a tunnel or load balancer exposes) serves Adyen and
//! nothing else:
//!
//! | route | what |
//! | --- | --- |
//! | `POST /api/webhooks/notifications` | Adyen's standard notifications: verified by `tower-adyen-webhook`, stored, then acknowledged; a `type`/`data` event of the standard webhook (notice of change) is stored with the header-signed ones, when signed or when `ADYEN_ACCEPT_UNSIGNED_EVENTS` is on |
//! | `POST /api/webhooks/platform` | header-signed webhooks (Balance Platform, Management API, tokens...), when `ADYEN_PLATFORM_HMAC_KEY` is set: verified, stored, then acknowledged, never processed |
//! | `GET /health` | `200 ok`, nothing else |
//!
//! Other methods on the webhook path get `405`, other paths `404`, before anything is read.
//!
//! The admin listener (`ADMIN_BIND_ADDRESS`:`ADMIN_PORT`, loopback by default) serves people:
//!
//! | route | what |
//! | --- | --- |
//! | `GET /api/notifications?limit=N&before=ID` | the stored notifications, newest first, a page at a time |
//! | `GET /api/payments/{merchantReference}` | the state of an order's payments |
//! | `POST /api/notifications/{id}/requeue` | puts a dead-lettered or failing notification back in the queue |
//! | `POST /api/notifications/requeue-dead` | requeues every dead-lettered notification |
//! | `GET /api/events?limit=N&before=ID` | the stored events (header-signed webhooks, notices of change), newest first, a page at a time |
//! | `GET /api/events/{id}` | one of them, with its body exactly as received |
//! | `GET /metrics` | counters and gauges in Prometheus' text format: see [`observe`] |
//! | `GET /ready` | `200` when the database answers and the worker shows signs of life, else `503`; a JSON body with each check |
//! | `GET /api/keys` | each configured HMAC key: its route, position, check value, first configuration, last verification, and whether it is unused: see [`keys`] |
//! | `GET /?before=ID` | the operator page: counters, failing and dead-lettered notifications with requeue buttons, keys, latest deliveries, notifications and payments: see [`page`] |
//! | `POST /notifications/{id}/requeue` | the page's requeue button: requeues, then `303` back to the page |
//! | `POST /notifications/requeue-dead` | the page's "requeue all dead-lettered" button, likewise |
//! | `POST /api/replay` | runs the business logic again after a fix: `{"payment": REF}`, `{"since": RFC3339}` or `{"all": true}`, with `"dryRun": true` to write nothing; see [`replay`](crate::replay) |
//!
//! It refuses requests whose `Host` is not its own address, `localhost` or a name in
//! `ADMIN_ALLOWED_HOSTS` (`421`: a web page cannot reach it through DNS rebinding), requires
//! `ADMIN_USERNAME`/`ADMIN_PASSWORD` when set (and they must be when it is not on loopback), and
//! handles a few requests at a time (`503` past that). A `POST` that a browser says comes from
//! another site's page is refused (`403`): see [`page::same_origin`].

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::extract::{Path, Query, Request, State};
use axum::http::{header, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Extension, Json, Router};
use secrecy::ExposeSecret as _;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use tokio::sync::{Notify, Semaphore};
use tower_adyen_webhook::{
    Amount, ConfigError, NotificationRequestItem, Notifications, RequireBasicAuthLayer,
    SignedWebhook, UnsignedWebhook, VerifyWebhookLayer,
};
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::timeout::TimeoutLayer;
use tower_http::trace::TraceLayer;

use crate::config::{Config, Environment, Guards};
use crate::keys::{self, ConfiguredKeys, KeyRoute};
use crate::observe;
use crate::page::{self, PageData, RecentDeliveries};
use crate::payments::{self, Payment, PaymentStatus};
use crate::platform;
use crate::replay::{Replay, ReplayError, ReplayRequest};
use crate::store::{Authentication, NewEvent, Row, Store, StoredEvent, StoredNotification};
use crate::time::{now_ms, rfc3339};
use crate::worker::Heartbeat;

/// Where Adyen POSTs standard notifications: the URL path to enter in the Customer Area.
pub const WEBHOOK_PATH: &str = "/api/webhooks/notifications";

/// Where Adyen POSTs header-signed webhooks (Balance Platform, Management API, tokens...), when
/// `ADYEN_PLATFORM_HMAC_KEY` is set: the URL path to enter in the Customer Area.
pub const PLATFORM_PATH: &str = "/api/webhooks/platform";

/// The most notifications one page of the JSON API lists.
pub const MAX_PAGE: i64 = 200;

/// How long a client told `503` because the server is busy should wait: Adyen retries anyway.
const RETRY_AFTER_SECS: &str = "1";

/// How long `GET /ready` and `GET /metrics` wait for the database: a probe or a scrape must be
/// answered well within its own timeout.
const STORE_CHECK_TIMEOUT: Duration = Duration::from_secs(2);

#[derive(Clone)]
struct AppState {
    store: Store,
    wake: Arc<Notify>,
    guards: Arc<Guards>,
    /// The worker's, on the admin listener.
    heartbeat: Option<Arc<Heartbeat>>,
    /// The webhook layers' keys, for the key-rotation view (admin listener).
    keys: ConfiguredKeys,
    /// After how long a key counts as unused.
    unused_after: Duration,
    /// What the webhook layers judged lately (admin listener).
    deliveries: RecentDeliveries,
}

/// The webhook listener's routes, and their layers' keys. `wake` is notified whenever
/// notifications were stored; `deliveries` hears of every verdict.
///
/// Fails when `config` accepts unsigned events without Basic auth, which
/// [`Config::from_env`](crate::config::Config::from_env) never gives.
pub fn webhook_router(
    config: &Config,
    store: Store,
    wake: Arc<Notify>,
    deliveries: RecentDeliveries,
) -> Result<(Router, ConfiguredKeys), ConfigError> {
    let mut keys = ConfiguredKeys::new();
    let recent = deliveries.clone();
    let mut verify = VerifyWebhookLayer::notifications(config.keys.clone())
        .max_items(config.limits.max_items)
        .on_verdict(move |verdict| recent.record(KeyRoute::Notifications.as_str(), verdict));
    keys.add(KeyRoute::Notifications, verify.key_usage());
    if let Some(credentials) = &config.basic_auth {
        verify = verify.basic_auth(&credentials.username, credentials.password.expose_secret());
    }
    if config.accept_unsigned_events {
        verify = verify.accept_unsigned_events()?;
    }
    // At most this many bodies are buffered at once: the rest are shed before a byte of theirs
    // is read, and Adyen delivers them again.
    let in_flight = Arc::new(Semaphore::new(config.limits.max_webhooks_in_flight));

    let shed = middleware::from_fn_with_state(in_flight, shed_load);

    let mut router = Router::new().route(
        WEBHOOK_PATH,
        // route_layer: other methods get 405 from the router, never reach the verifier.
        post(receive).route_layer(verify).route_layer(shed.clone()),
    );
    // Without its key the route does not exist (404): nothing unverifiable is ever stored.
    if let Some(platform_keys) = &config.platform_keys {
        let recent = deliveries.clone();
        let mut verify = VerifyWebhookLayer::hmac_header(platform_keys.clone())
            .on_verdict(move |verdict| recent.record(KeyRoute::Platform.as_str(), verdict));
        keys.add(KeyRoute::Platform, verify.key_usage());
        if let Some(credentials) = &config.basic_auth {
            verify = verify.basic_auth(&credentials.username, credentials.password.expose_secret());
        }
        // The same semaphore as the standard route: together they hold at most
        // MAX_WEBHOOKS_IN_FLIGHT bodies.
        router = router.route(
            PLATFORM_PATH,
            post(receive_platform).route_layer(verify).route_layer(shed),
        );
    }
    let router = router
        .route("/health", get(|| async { "ok" }))
        .with_state(AppState {
            store,
            wake,
            guards: Arc::new(config.guards.clone()),
            heartbeat: None,
            keys: keys.clone(),
            unused_after: config.key_watch.unused_after,
            deliveries,
        });
    // The layer counts from the first request on.
    observe::install();
    Ok((with_common_layers(router, config), keys))
}

/// The admin listener's routes, for the listener at `address`; `GET /ready` reads the worker's
/// `heartbeat`, the key-rotation view the webhook layers' `keys`, the operator page their
/// `deliveries`.
pub fn admin_router(
    config: &Config,
    store: Store,
    wake: Arc<Notify>,
    heartbeat: Arc<Heartbeat>,
    keys: ConfiguredKeys,
    deliveries: RecentDeliveries,
    address: SocketAddr,
) -> Router {
    let in_flight = Arc::new(Semaphore::new(config.limits.max_api_in_flight));
    let mut api = Router::new()
        .route("/", get(operator_page))
        .route("/notifications/{id}/requeue", post(requeue_form))
        .route("/notifications/requeue-dead", post(requeue_dead_form))
        .route("/api/keys", get(list_keys))
        .route("/api/notifications", get(list_notifications))
        .route("/api/notifications/requeue-dead", post(requeue_dead))
        .route("/api/notifications/{id}/requeue", post(requeue))
        .route("/api/payments/{merchant_reference}", get(order_payments))
        .route("/api/events", get(list_events))
        .route("/api/events/{id}", get(event))
        .route("/metrics", get(metrics))
        .route("/ready", get(ready))
        .route("/api/replay", post(replay))
        .layer(middleware::from_fn_with_state(in_flight, shed_load))
        .layer(middleware::from_fn(refuse_cross_site));
    if let Some(credentials) = &config.admin.basic_auth {
        api = api.layer(
            RequireBasicAuthLayer::new(&credentials.username, credentials.password.expose_secret())
                .realm("Adyen webhook server admin"),
        );
    }
    let hosts = Arc::new(AllowedHosts::new(address, &config.admin.allowed_hosts));
    let router = api
        .with_state(AppState {
            store,
            wake,
            guards: Arc::new(config.guards.clone()),
            heartbeat: Some(heartbeat),
            keys,
            unused_after: config.key_watch.unused_after,
            deliveries,
        })
        // Outermost: a request for another host is refused before anything else looks at it.
        .layer(middleware::from_fn_with_state(hosts, check_host));
    with_common_layers(router, config)
}

/// What both listeners put around their routes.
fn with_common_layers(router: Router, config: &Config) -> Router {
    router
        // A request that takes too long gets a 503 before Adyen gives up (config.rs), and its
        // handler is dropped where it stands: a transaction not committed yet is rolled back.
        .layer(TimeoutLayer::with_status_code(
            StatusCode::SERVICE_UNAVAILABLE,
            config.request_timeout,
        ))
        // A panic in a handler answers 500 (Adyen delivers again) instead of dropping the
        // connection, and is logged. A transaction open at the time is rolled back.
        .layer(CatchPanicLayer::new())
        .layer(TraceLayer::new_for_http())
}

/// Answers `503` with `Retry-After` when the routes behind already handle as many requests as
/// the semaphore has permits.
async fn shed_load(
    State(in_flight): State<Arc<Semaphore>>,
    request: Request,
    next: Next,
) -> Response {
    let Ok(_permit) = in_flight.try_acquire() else {
        return (
            StatusCode::SERVICE_UNAVAILABLE,
            [(header::RETRY_AFTER, RETRY_AFTER_SECS)],
            "busy: try again shortly\n",
        )
            .into_response();
    };
    next.run(request).await
}

/// The `Host` values the admin listener answers to.
#[derive(Debug)]
struct AllowedHosts {
    names: Vec<String>,
    port: u16,
}

impl AllowedHosts {
    fn new(address: SocketAddr, extra: &[String]) -> Self {
        let ip = match address {
            SocketAddr::V4(v4) => v4.ip().to_string(),
            SocketAddr::V6(v6) => format!("[{}]", v6.ip()),
        };
        let mut names = vec![ip, "localhost".to_owned()];
        if address.ip().is_loopback() {
            names.extend(["127.0.0.1".to_owned(), "[::1]".to_owned()]);
        }
        names.extend(extra.iter().map(|name| name.to_ascii_lowercase()));
        Self {
            names,
            port: address.port(),
        }
    }

    /// Whether `host` (a `Host` header: a name, with or without this listener's port) is one
    /// of ours.
    fn allows(&self, host: &str) -> bool {
        let host = host.trim().to_ascii_lowercase();
        let name = match host.rsplit_once(':') {
            // An IPv6 literal without a port has colons inside its brackets only.
            Some((name, port)) if !port.contains(']') => {
                if port != self.port.to_string() {
                    return false;
                }
                name.to_owned()
            }
            _ => host,
        };
        self.names.contains(&name)
    }
}

async fn check_host(
    State(hosts): State<Arc<AllowedHosts>>,
    request: Request,
    next: Next,
) -> Response {
    let host = request
        .headers()
        .get(header::HOST)
        .and_then(|value| value.to_str().ok())
        .or_else(|| {
            request
                .uri()
                .authority()
                .map(|authority| authority.as_str())
        });
    match host {
        Some(host) if hosts.allows(host) => next.run(request).await,
        _ => (
            StatusCode::MISDIRECTED_REQUEST,
            "this admin listener does not serve that host: add it to ADMIN_ALLOWED_HOSTS\n",
        )
            .into_response(),
    }
}

/// Refuses (`403`) a request that would change something when a browser says it comes from a
/// page of another site: see [`page::same_origin`].
async fn refuse_cross_site(request: Request, next: Next) -> Response {
    let host = request
        .headers()
        .get(header::HOST)
        .and_then(|value| value.to_str().ok());
    if page::same_origin(request.method(), request.headers(), host) {
        return next.run(request).await;
    }
    (
        StatusCode::FORBIDDEN,
        "refused: this request comes from another site's page (cross-site request forgery?); \
         use the admin listener's own page, or a client that is not a browser\n",
    )
        .into_response()
}

/// Why an item must not be applied, if it must not: see [`Guards`].
fn ignore_reason(guards: &Guards, live: bool, item: &NotificationRequestItem) -> Option<String> {
    if item.is_test() {
        return Some("a test notification sent from the Customer Area".to_owned());
    }
    let accounts = &guards.merchant_accounts;
    if !accounts.is_empty()
        && !accounts
            .iter()
            .any(|account| account.expose_secret() == item.merchant_account_code)
    {
        return Some("its merchantAccountCode is not in ADYEN_MERCHANT_ACCOUNT".to_owned());
    }
    let environment = if live {
        Environment::Live
    } else {
        Environment::Test
    };
    if environment != guards.environment {
        return Some(format!(
            "it is from the {} environment, and this server is configured for {}",
            environment.as_str(),
            guards.environment.as_str()
        ));
    }
    None
}

/// The standard route: what the layer handed over, stored, then `200`, which the layer turns
/// into `[accepted]`. Anything else makes Adyen deliver it again.
///
/// The layer hands over exactly one of the three: notifications, or a `type`/`data` event
/// (notice of change), signed or, with `ADYEN_ACCEPT_UNSIGNED_EVENTS`, unsigned.
async fn receive(
    State(state): State<AppState>,
    notifications: Option<Extension<Notifications>>,
    signed: Option<Extension<SignedWebhook>>,
    unsigned: Option<Extension<UnsignedWebhook>>,
) -> StatusCode {
    match (notifications, signed, unsigned) {
        (Some(Extension(notifications)), _, _) => save_notifications(&state, &notifications).await,
        (None, Some(Extension(webhook)), _) => {
            save_event(&state, AuthenticatedEvent::signed(&webhook)).await
        }
        (None, None, Some(Extension(webhook))) => {
            save_event(&state, AuthenticatedEvent::unsigned(&webhook)).await
        }
        (None, None, None) => {
            tracing::error!(
                "the standard route's handler got nothing from the verification layer: is the \
                 layer in front of it? Answering 500 so that Adyen delivers it again"
            );
            StatusCode::INTERNAL_SERVER_ERROR
        }
    }
}

/// Stores verified notifications: see [`receive`].
async fn save_notifications(state: &AppState, notifications: &Notifications) -> StatusCode {
    let live = notifications.live();
    let guards = &state.guards;
    match state
        .store
        .save_with(live, notifications.items(), |item| {
            ignore_reason(guards, live, item)
        })
        .await
    {
        Ok(saved) => {
            let mut ignored = Vec::new();
            let mut newly_ignored = 0;
            for (item, saved) in notifications.iter().zip(&saved) {
                // Values from the body, signed or not, are quoted: a newline in one cannot
                // start a log line.
                if saved.is_duplicate() {
                    tracing::info!(
                        notification = saved.id,
                        psp_reference = ?item.psp_reference,
                        event_code = ?item.event_code.as_str(),
                        success = item.success,
                        deliveries = saved.deliveries,
                        "redelivery recognised: acknowledged, not stored again"
                    );
                } else {
                    tracing::info!(
                        notification = saved.id,
                        psp_reference = ?item.psp_reference,
                        event_code = ?item.event_code.as_str(),
                        success = item.success,
                        "stored"
                    );
                }
                if let Some(reason) = ignore_reason(guards, live, item) {
                    newly_ignored += usize::from(!saved.is_duplicate());
                    ignored.push((saved.id, reason));
                }
            }
            observe::saved(&saved, newly_ignored);
            if let Some((first, reason)) = ignored.first() {
                tracing::warn!(
                    ignored = ignored.len(),
                    first_notification = first,
                    reason = reason.as_str(),
                    "stored and acknowledged but ignored: never applied to payments"
                );
            }
            state.wake.notify_one();
            StatusCode::OK
        }
        Err(error) => {
            tracing::error!(
                %error,
                items = notifications.len(),
                "could not store notifications; answering 503 so that Adyen delivers them again"
            );
            StatusCode::SERVICE_UNAVAILABLE
        }
    }
}

/// The header-signed route: the verified webhook, stored, then `200`, which the layer turns
/// into `[accepted]`. Anything else makes Adyen deliver it again.
async fn receive_platform(
    State(state): State<AppState>,
    Extension(webhook): Extension<SignedWebhook>,
) -> StatusCode {
    save_event(&state, AuthenticatedEvent::signed(&webhook)).await
}

/// An event the layer let through, from either route: what [`save_event`] needs of a
/// [`SignedWebhook`] or an [`UnsignedWebhook`].
struct AuthenticatedEvent<'a> {
    body: &'a [u8],
    json: &'a Value,
    event_type: &'a str,
    environment: &'a str,
    authentication: Authentication,
}

impl<'a> AuthenticatedEvent<'a> {
    fn signed(webhook: &'a SignedWebhook) -> Self {
        Self {
            body: webhook.body(),
            json: webhook.json(),
            event_type: webhook.webhook_type().unwrap_or(""),
            environment: webhook.environment().unwrap_or(""),
            authentication: Authentication::Hmac,
        }
    }

    fn unsigned(webhook: &'a UnsignedWebhook) -> Self {
        Self {
            body: webhook.body(),
            json: webhook.json(),
            event_type: webhook.webhook_type().unwrap_or(""),
            environment: webhook.environment().unwrap_or(""),
            authentication: Authentication::BasicAuth,
        }
    }
}

/// Stores an event, and answers `200` once it is committed, `503` if it could not be. Nothing
/// more happens to it: no business logic reads these events.
async fn save_event(state: &AppState, received: AuthenticatedEvent<'_>) -> StatusCode {
    let event_type = received.event_type;
    let authentication = received.authentication.as_str();
    let dedupe_key = platform::dedupe_key(received.json, received.body);
    let ignored = platform::ignore_reason(&state.guards, received.json);
    let event = NewEvent {
        event_type,
        environment: received.environment,
        dedupe_key: &dedupe_key,
        body: received.body,
        ignored: ignored.as_deref(),
        authentication: received.authentication,
    };
    match state.store.save_event(&event).await {
        Ok(saved) => {
            // Values from the body are quoted: a newline in one cannot start a log line.
            if saved.is_duplicate() {
                tracing::info!(
                    event = saved.id,
                    event_type = ?event_type,
                    authentication,
                    deliveries = saved.deliveries,
                    "event redelivery recognised: acknowledged, not stored again"
                );
            } else {
                tracing::info!(
                    event = saved.id,
                    event_type = ?event_type,
                    authentication,
                    "event stored"
                );
            }
            if let Some(reason) = &ignored {
                tracing::warn!(
                    event = saved.id,
                    reason = reason.as_str(),
                    "event stored and acknowledged but ignored"
                );
            }
            StatusCode::OK
        }
        Err(error) => {
            tracing::error!(
                %error,
                event_type = ?event_type,
                authentication,
                "could not store an event; answering 503 so that Adyen delivers it again"
            );
            StatusCode::SERVICE_UNAVAILABLE
        }
    }
}

#[derive(Deserialize)]
struct ListParams {
    limit: Option<i64>,
    before: Option<i64>,
}

/// A page of the JSON API's notifications.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Page {
    notifications: Vec<RowView>,
    /// The `before` of the next page, when there may be one.
    next_before: Option<i64>,
}

/// A row: a notification, or one that cannot be read.
#[derive(Serialize)]
#[serde(untagged)]
enum RowView {
    Notification(Box<NotificationView>),
    Unreadable { id: i64, error: String },
}

/// A stored notification in the JSON API.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct NotificationView {
    id: i64,
    psp_reference: String,
    original_reference: String,
    event_code: String,
    success: bool,
    merchant_account_code: String,
    merchant_reference: String,
    amount: Option<Amount>,
    event_date: String,
    live: bool,
    deliveries: i64,
    received_at: String,
    last_delivered_at: String,
    /// Why it is not applied, if it is not.
    ignored: Option<String>,
    processing: ProcessingView,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ProcessingView {
    state: &'static str,
    attempts: i64,
    last_error: Option<String>,
    next_attempt_at: Option<String>,
    processed_at: Option<String>,
    dead_at: Option<String>,
}

impl From<StoredNotification> for NotificationView {
    fn from(stored: StoredNotification) -> Self {
        let processing = &stored.processing;
        let item = stored.item;
        Self {
            id: stored.id,
            psp_reference: item.psp_reference.into(),
            original_reference: item.original_reference.into(),
            event_code: item.event_code.as_str().to_owned(),
            success: item.success,
            merchant_account_code: item.merchant_account_code.into(),
            merchant_reference: item.merchant_reference.into(),
            amount: item.amount,
            event_date: item.event_date.into(),
            live: stored.live,
            deliveries: stored.deliveries,
            received_at: rfc3339(stored.received_at),
            last_delivered_at: rfc3339(stored.last_delivered_at),
            processing: ProcessingView {
                state: if stored.ignored.is_some() {
                    "ignored"
                } else {
                    processing.state().as_str()
                },
                attempts: processing.attempts,
                last_error: processing.last_error.clone(),
                next_attempt_at: (processing.processed_at.is_none()
                    && processing.dead_at.is_none())
                .then(|| rfc3339(processing.next_attempt_at)),
                processed_at: processing.processed_at.map(rfc3339),
                dead_at: processing.dead_at.map(rfc3339),
            },
            ignored: stored.ignored,
        }
    }
}

async fn list_notifications(
    State(state): State<AppState>,
    Query(params): Query<ListParams>,
) -> Result<Json<Page>, Response> {
    let limit = params.limit.unwrap_or(50).clamp(1, MAX_PAGE);
    let rows = state
        .store
        .list(limit, params.before)
        .await
        .map_err(unavailable)?;
    let full = rows.len() as i64 == limit;
    let last = rows.last().map(|row: &Row| match row {
        Ok(stored) => stored.id,
        Err(unreadable) => unreadable.id,
    });
    let notifications = rows
        .into_iter()
        .map(|row| match row {
            Ok(stored) => RowView::Notification(Box::new(stored.into())),
            Err(unreadable) => RowView::Unreadable {
                id: unreadable.id,
                error: unreadable.error,
            },
        })
        .collect();
    Ok(Json(Page {
        notifications,
        next_before: if full { last } else { None },
    }))
}

/// A page of the JSON API's events.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct EventPage {
    events: Vec<EventView>,
    /// The `before` of the next page, when there may be one.
    next_before: Option<i64>,
}

/// A stored event (a header-signed webhook, or a `type`/`data` event of the standard route) in
/// the JSON API.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct EventView {
    id: i64,
    #[serde(rename = "type")]
    event_type: String,
    environment: String,
    dedupe_key: String,
    received_at: String,
    last_delivered_at: String,
    deliveries: i64,
    /// Why it is not meant for this server, if it is not.
    ignored: Option<String>,
    /// `hmac` or `basic-auth`: see [`Authentication`].
    authentication: &'static str,
    /// The body exactly as received, in `GET /api/events/{id}` only.
    #[serde(skip_serializing_if = "Option::is_none")]
    body: Option<String>,
}

impl From<StoredEvent> for EventView {
    fn from(event: StoredEvent) -> Self {
        Self {
            id: event.id,
            event_type: event.event_type,
            environment: event.environment,
            dedupe_key: event.dedupe_key,
            received_at: rfc3339(event.received_at),
            last_delivered_at: rfc3339(event.last_delivered_at),
            deliveries: event.deliveries,
            ignored: event.ignored,
            authentication: event.authentication.as_str(),
            body: None,
        }
    }
}

async fn list_events(
    State(state): State<AppState>,
    Query(params): Query<ListParams>,
) -> Result<Json<EventPage>, Response> {
    let limit = params.limit.unwrap_or(50).clamp(1, MAX_PAGE);
    let events = state
        .store
        .list_events(limit, params.before)
        .await
        .map_err(unavailable)?;
    let next_before = (events.len() as i64 == limit)
        .then(|| events.last().map(|event| event.id))
        .flatten();
    Ok(Json(EventPage {
        events: events.into_iter().map(EventView::from).collect(),
        next_before,
    }))
}

async fn event(State(state): State<AppState>, Path(id): Path<i64>) -> Result<Response, Response> {
    let Some((event, body)) = state.store.get_event(id).await.map_err(unavailable)? else {
        return Ok((
            StatusCode::NOT_FOUND,
            Json(serde_json::json!({ "error": format!("no event {id}") })),
        )
            .into_response());
    };
    let mut view = EventView::from(event);
    // Verified JSON, so UTF-8: the text is the bytes.
    view.body = Some(String::from_utf8_lossy(&body).into_owned());
    Ok(Json(view).into_response())
}

async fn requeue(State(state): State<AppState>, Path(id): Path<i64>) -> Result<Response, Response> {
    if state.store.requeue(id).await.map_err(unavailable)? {
        tracing::info!(notification = id, "requeued by an operator");
        state.wake.notify_one();
        Ok(Json(serde_json::json!({ "requeued": [id] })).into_response())
    } else {
        Ok((
            StatusCode::NOT_FOUND,
            Json(serde_json::json!({
                "error": format!("no unprocessed notification {id}")
            })),
        )
            .into_response())
    }
}

async fn requeue_dead(State(state): State<AppState>) -> Result<Json<serde_json::Value>, Response> {
    let count = state.store.requeue_dead().await.map_err(unavailable)?;
    tracing::info!(count, "dead-lettered notifications requeued by an operator");
    state.wake.notify_one();
    Ok(Json(serde_json::json!({ "requeued": count })))
}

/// An order's payments in the JSON API.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct OrderView {
    merchant_reference: String,
    /// The status of its latest payment that was not refused (a shopper may try several times).
    status: PaymentStatus,
    payments: Vec<Payment>,
}

async fn order_payments(
    State(state): State<AppState>,
    Path(merchant_reference): Path<String>,
) -> Result<Json<OrderView>, Response> {
    let payments = state
        .store
        .payments(&merchant_reference)
        .await
        .map_err(unavailable)?;
    let Some(status) = payments::order_status(&payments) else {
        let error = format!("no payment known for merchantReference {merchant_reference:?}");
        return Err((
            StatusCode::NOT_FOUND,
            Json(serde_json::json!({ "error": error })),
        )
            .into_response());
    };
    Ok(Json(OrderView {
        merchant_reference,
        status,
        payments,
    }))
}

/// `GET /metrics`: see [`observe`]. The counters are served even when the store's counts cannot
/// be read.
async fn metrics(State(state): State<AppState>) -> Response {
    let stats = match tokio::time::timeout(STORE_CHECK_TIMEOUT, state.store.stats()).await {
        Ok(Ok(stats)) => Some(stats),
        Ok(Err(error)) => {
            tracing::warn!(%error, "GET /metrics: the store's counts are left out");
            None
        }
        Err(_) => {
            tracing::warn!("GET /metrics: the store did not answer; its counts are left out");
            None
        }
    };
    (
        [(
            header::CONTENT_TYPE,
            "text/plain; version=0.0.4; charset=utf-8",
        )],
        observe::render(stats.as_ref()),
    )
        .into_response()
}

/// `GET /ready`: each check `{"ok": true}` or `{"ok": false, "error": ...}`; `503` unless all
/// pass.
async fn ready(State(state): State<AppState>) -> Response {
    let database = match tokio::time::timeout(STORE_CHECK_TIMEOUT, state.store.ping()).await {
        Ok(Ok(())) => Ok(()),
        Ok(Err(error)) => Err(error.to_string()),
        Err(_) => Err(format!(
            "the database did not answer within {}s",
            STORE_CHECK_TIMEOUT.as_secs()
        )),
    };
    let worker = match &state.heartbeat {
        Some(heartbeat) => heartbeat.check(),
        None => Err("no worker runs behind this listener".to_owned()),
    };
    let ready = database.is_ok() && worker.is_ok();
    let check = |result: Result<(), String>| match result {
        Ok(()) => serde_json::json!({ "ok": true }),
        Err(error) => serde_json::json!({ "ok": false, "error": error }),
    };
    let body = serde_json::json!({
        "ready": ready,
        "checks": { "database": check(database), "worker": check(worker) },
    });
    if !ready {
        tracing::warn!(checks = %body["checks"], "not ready");
    }
    let status = if ready {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    };
    (status, Json(body)).into_response()
}

/// `GET /api/keys`: see [`keys`].
async fn list_keys(State(state): State<AppState>) -> Result<Response, Response> {
    let records = state.store.key_records().await.map_err(unavailable)?;
    let keys = keys::statuses(&state.keys, &records, now_ms(), state.unused_after);
    Ok(Json(serde_json::json!({
        "keys": keys,
        "unusedAfterSeconds": state.unused_after.as_secs(),
    }))
    .into_response())
}

#[derive(Deserialize)]
struct PageParams {
    before: Option<i64>,
    requeued: Option<String>,
    /// A notification the button could not requeue (processed meanwhile, or unknown).
    unchanged: Option<i64>,
}

/// `GET /`: the operator page.
async fn operator_page(
    State(state): State<AppState>,
    Query(params): Query<PageParams>,
) -> Result<Response, Response> {
    let store = &state.store;
    let page_unavailable = |error: crate::store::StoreError| {
        tracing::error!(%error, "operator page: the store is unavailable");
        (
            StatusCode::SERVICE_UNAVAILABLE,
            [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
            "The store is unavailable: see the server's log, and GET /ready.\n",
        )
            .into_response()
    };
    let stats = store.stats().await.map_err(page_unavailable)?;
    let failing = store
        .list_failing(page::FAILING_SHOWN)
        .await
        .map_err(page_unavailable)?;
    let notifications = store
        .list(page::PAGE_SIZE, params.before)
        .await
        .map_err(page_unavailable)?;
    let payments = store
        .recent_payments(page::PAYMENTS_SHOWN)
        .await
        .map_err(page_unavailable)?;
    let records = store.key_records().await.map_err(page_unavailable)?;
    let keys = keys::statuses(&state.keys, &records, now_ms(), state.unused_after);
    let deliveries = state.deliveries.latest();
    // Only a notification id is said back: the page never echoes text from the URL.
    let requeued = params.requeued.and_then(|text| match text.as_str() {
        "dead" => Some("every dead-lettered notification".to_owned()),
        id => id
            .parse::<i64>()
            .ok()
            .map(|id| format!("notification {id}")),
    });
    let unchanged = params.unchanged.map(|id| {
        format!("Notification {id} was not requeued: it is processed, ignored or unknown.")
    });
    let html = page::render(&PageData {
        stats: &stats,
        failing: &failing,
        notifications: &notifications,
        before: params.before,
        payments: &payments,
        keys: &keys,
        unused_days: state.unused_after.as_secs() / 86_400,
        deliveries: &deliveries,
        requeued,
        unchanged,
        environment: state.guards.environment.as_str(),
        webhook_path: WEBHOOK_PATH,
    })
    .map_err(|error| {
        tracing::error!(%error, "operator page: rendering failed");
        StatusCode::INTERNAL_SERVER_ERROR.into_response()
    })?;
    Ok((
        [
            (header::CONTENT_TYPE, "text/html; charset=utf-8"),
            // Nothing on the page comes from elsewhere, and nothing runs: say so to the browser.
            (
                header::CONTENT_SECURITY_POLICY,
                "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; \
                 frame-ancestors 'none'; base-uri 'none'",
            ),
            (header::CACHE_CONTROL, "no-store"),
        ],
        html,
    )
        .into_response())
}

/// `POST /notifications/{id}/requeue`, the page's button: requeues, then back to the page.
async fn requeue_form(
    State(state): State<AppState>,
    Path(id): Path<i64>,
) -> Result<Response, Response> {
    if !state.store.requeue(id).await.map_err(unavailable)? {
        // Processed meanwhile (a second press, a stale page): the page says so.
        return Ok(see_other(&format!("/?unchanged={id}#attention")));
    }
    tracing::info!(notification = id, "requeued by an operator, from the page");
    state.wake.notify_one();
    Ok(see_other(&format!("/?requeued={id}#attention")))
}

/// `POST /notifications/requeue-dead`, the page's button: requeues, then back to the page.
async fn requeue_dead_form(State(state): State<AppState>) -> Result<Response, Response> {
    let count = state.store.requeue_dead().await.map_err(unavailable)?;
    tracing::info!(
        count,
        "dead-lettered notifications requeued by an operator, from the page"
    );
    state.wake.notify_one();
    Ok(see_other("/?requeued=dead#attention"))
}

fn see_other(location: &str) -> Response {
    (StatusCode::SEE_OTHER, [(header::LOCATION, location)]).into_response()
}

/// `POST /api/replay`: see [`replay`](crate::replay). The replayer comes as an extension, which
/// [`server::start`](crate::server::start) adds.
async fn replay(
    replayer: Option<Extension<Arc<dyn Replay>>>,
    request: Result<Json<ReplayRequest>, axum::extract::rejection::JsonRejection>,
) -> Response {
    let error = |status, error: String| {
        (status, Json(serde_json::json!({ "error": error }))).into_response()
    };
    let Some(Extension(replayer)) = replayer else {
        let why = "no worker runs behind this listener".to_owned();
        return error(StatusCode::SERVICE_UNAVAILABLE, why);
    };
    let request = match request {
        Ok(Json(request)) => request,
        Err(rejection) => return error(StatusCode::BAD_REQUEST, rejection.body_text()),
    };
    let (scope, dry_run) = match request.scope() {
        Ok(scope) => (scope, request.dry_run),
        Err(why) => return error(StatusCode::BAD_REQUEST, why),
    };
    // A task of its own: a replay that outlasts the request's timeout runs to its end rather than
    // stop between an effect and its record.
    match tokio::spawn(replayer.start(scope, dry_run)).await {
        Ok(Ok(report)) => {
            tracing::info!(
                scope = report.scope,
                dry_run,
                changes = report.changes.len(),
                failed = report.failed,
                "replay requested by an operator"
            );
            Json(report).into_response()
        }
        Ok(Err(ReplayError::NotFound(reference))) => error(
            StatusCode::NOT_FOUND,
            ReplayError::NotFound(reference).to_string(),
        ),
        Ok(Err(ReplayError::Store(store))) => unavailable(store),
        Err(join) => {
            tracing::error!(error = %join, "the replay did not finish");
            let why = format!("the replay did not finish: {join}");
            error(StatusCode::INTERNAL_SERVER_ERROR, why)
        }
    }
}

fn unavailable(error: crate::store::StoreError) -> Response {
    tracing::error!(%error, "API request failed");
    (
        StatusCode::SERVICE_UNAVAILABLE,
        Json(serde_json::json!({ "error": "the store is unavailable" })),
    )
        .into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_admin_listener_answers_to_its_own_names_only() {
        let hosts = AllowedHosts::new("127.0.0.1:9090".parse().unwrap(), &["ops.example".into()]);
        for host in [
            "127.0.0.1:9090",
            "127.0.0.1",
            "localhost:9090",
            "LOCALHOST",
            "[::1]:9090",
            "ops.example",
            "ops.example:9090",
        ] {
            assert!(hosts.allows(host), "{host}");
        }
        for host in [
            "evil.example",
            "evil.example:9090",
            "127.0.0.1:8080",
            "localhost.evil.example",
            "ops.example.evil",
            "",
        ] {
            assert!(!hosts.allows(host), "{host}");
        }
        let v6 = AllowedHosts::new("[::1]:9090".parse().unwrap(), &[]);
        assert!(v6.allows("[::1]:9090") && v6.allows("[::1]") && !v6.allows("[::2]"));
    }
}
