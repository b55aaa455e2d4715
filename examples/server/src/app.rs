//! The HTTP side: the webhook endpoint and a small JSON API over the store.
//!
//! | route | what |
//! | --- | --- |
//! | `POST /api/webhooks/notifications` | Adyen's standard notifications: verified by `tower-adyen-webhook`, stored, then acknowledged |
//! | `GET /api/notifications?limit=N` | the stored notifications, newest first |
//! | `GET /api/payments/{merchantReference}` | the state of an order's payments |
//!
//! With `WEBHOOK_USERNAME`/`WEBHOOK_PASSWORD` set, all three require that Basic auth.

use std::sync::Arc;

use axum::extract::{Path, Query, Request, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Extension, Json, Router};
use base64::engine::general_purpose::STANDARD as BASE64;
use base64::Engine as _;
use serde::{Deserialize, Serialize};
use subtle::ConstantTimeEq;
use tokio::sync::Notify;
use tower_adyen_webhook::{Amount, Notifications, VerifyWebhookLayer};
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::timeout::TimeoutLayer;
use tower_http::trace::TraceLayer;

use crate::config::{Config, Credentials};
use crate::payments::{self, Payment, PaymentStatus};
use crate::store::{Store, StoredNotification};
use crate::time::rfc3339;

/// Where Adyen POSTs standard notifications: the URL path to enter in the Customer Area.
pub const WEBHOOK_PATH: &str = "/api/webhooks/notifications";

#[derive(Clone)]
struct AppState {
    store: Store,
    wake: Arc<Notify>,
}

/// The server's routes. `wake` is notified whenever notifications were stored.
pub fn router(config: &Config, store: Store, wake: Arc<Notify>) -> Router {
    let mut verify = VerifyWebhookLayer::notifications(config.keys.clone());
    if let Some(credentials) = &config.basic_auth {
        verify = verify.basic_auth(&credentials.username, credentials.password.expose());
    }

    let mut api = Router::new()
        .route("/api/notifications", get(list_notifications))
        .route("/api/payments/{merchant_reference}", get(order_payments));
    if let Some(credentials) = &config.basic_auth {
        api = api.route_layer(middleware::from_fn_with_state(
            Arc::new(credentials.clone()),
            require_basic_auth,
        ));
    }

    Router::new()
        .route(WEBHOOK_PATH, post(receive).layer(verify))
        .merge(api)
        .with_state(AppState { store, wake })
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

/// Stores the verified notifications, then answers `200`, which the layer turns into
/// `[accepted]`. Anything else makes Adyen deliver them again.
async fn receive(
    State(state): State<AppState>,
    Extension(notifications): Extension<Notifications>,
) -> StatusCode {
    match state.store.save(notifications.live(), &notifications).await {
        Ok(saved) => {
            for (item, saved) in notifications.iter().zip(&saved) {
                if saved.is_duplicate() {
                    tracing::info!(
                        notification = saved.id,
                        psp_reference = %item.psp_reference,
                        event_code = %item.event_code,
                        success = item.success,
                        deliveries = saved.deliveries,
                        "redelivery recognised: acknowledged, not stored again"
                    );
                } else {
                    tracing::info!(
                        notification = saved.id,
                        psp_reference = %item.psp_reference,
                        event_code = %item.event_code,
                        success = item.success,
                        "stored"
                    );
                }
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

#[derive(Deserialize)]
struct ListParams {
    limit: Option<i64>,
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
}

impl From<StoredNotification> for NotificationView {
    fn from(stored: StoredNotification) -> Self {
        let processing = &stored.processing;
        let item = stored.item;
        Self {
            id: stored.id,
            psp_reference: item.psp_reference,
            original_reference: item.original_reference,
            event_code: item.event_code.as_str().to_owned(),
            success: item.success,
            merchant_account_code: item.merchant_account_code,
            merchant_reference: item.merchant_reference,
            amount: item.amount,
            event_date: item.event_date,
            live: stored.live,
            deliveries: stored.deliveries,
            received_at: rfc3339(stored.received_at),
            last_delivered_at: rfc3339(stored.last_delivered_at),
            processing: ProcessingView {
                state: processing.state().as_str(),
                attempts: processing.attempts,
                last_error: processing.last_error.clone(),
                next_attempt_at: processing
                    .processed_at
                    .is_none()
                    .then(|| rfc3339(processing.next_attempt_at)),
                processed_at: processing.processed_at.map(rfc3339),
            },
        }
    }
}

async fn list_notifications(
    State(state): State<AppState>,
    Query(params): Query<ListParams>,
) -> Result<Json<Vec<NotificationView>>, Response> {
    let limit = params.limit.unwrap_or(1000).clamp(1, 10_000);
    let notifications = state.store.list(limit).await.map_err(unavailable)?;
    Ok(Json(notifications.into_iter().map(Into::into).collect()))
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

fn unavailable(error: crate::store::StoreError) -> Response {
    tracing::error!(%error, "API request failed");
    (
        StatusCode::SERVICE_UNAVAILABLE,
        Json(serde_json::json!({ "error": "the store is unavailable" })),
    )
        .into_response()
}

/// The same Basic auth as the webhook, for the JSON API: it shows payment data.
async fn require_basic_auth(
    State(expected): State<Arc<Credentials>>,
    request: Request,
    next: Next,
) -> Response {
    if basic_auth_matches(request.headers(), &expected) {
        next.run(request).await
    } else {
        (
            StatusCode::UNAUTHORIZED,
            [(
                header::WWW_AUTHENTICATE,
                "Basic realm=\"Adyen webhook server\"",
            )],
        )
            .into_response()
    }
}

fn basic_auth_matches(headers: &HeaderMap, expected: &Credentials) -> bool {
    let Some(value) = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
    else {
        return false;
    };
    let Some((scheme, encoded)) = value.trim().split_once(' ') else {
        return false;
    };
    if !scheme.eq_ignore_ascii_case("basic") {
        return false;
    }
    let Ok(decoded) = BASE64.decode(encoded.trim()) else {
        return false;
    };
    let Some(colon) = decoded.iter().position(|&b| b == b':') else {
        return false;
    };
    let (username, password) = (&decoded[..colon], &decoded[colon + 1..]);
    // Both halves are compared, whatever the first gave, so the timing tells nothing.
    let user_ok = username.ct_eq(expected.username.as_bytes());
    let password_ok = password.ct_eq(expected.password.expose().as_bytes());
    (user_ok & password_ok).into()
}

#[cfg(test)]
mod tests {
    use axum::http::HeaderValue;

    use super::*;
    use crate::config::Secret;

    #[test]
    fn basic_auth_for_the_api() {
        let expected = Credentials {
            username: "adyen".into(),
            password: Secret::new("pa:ss"),
        };
        let check = |value: &str| {
            let mut headers = HeaderMap::new();
            headers.insert(header::AUTHORIZATION, HeaderValue::from_str(value).unwrap());
            basic_auth_matches(&headers, &expected)
        };
        let good = BASE64.encode("adyen:pa:ss");
        assert!(check(&format!("Basic {good}")));
        assert!(check(&format!("basic {good}")));
        assert!(!check(&format!("Bearer {good}")));
        assert!(!check(&format!("Basic {}", BASE64.encode("adyen:pa:sS"))));
        assert!(!check(&format!("Basic {}", BASE64.encode("adyen"))));
        assert!(!check("Basic not-base64!"));
        assert!(!basic_auth_matches(&HeaderMap::new(), &expected));
    }
}
