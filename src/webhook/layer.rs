use std::fmt;
use std::sync::Arc;

use tower_layer::Layer;

use super::observe::{KeyUsage, OnVerdict, Verdict};
use crate::basic_auth::BasicAuth;
use crate::signature::HmacKeys;
use crate::VerifyWebhook;

/// The default limit on a request body: 256 KiB. Adyen's bodies are a few KiB.
///
/// ```
/// assert_eq!(tower_adyen_webhook::DEFAULT_MAX_BODY_BYTES, 262_144);
/// ```
pub const DEFAULT_MAX_BODY_BYTES: usize = 256 * 1024;

/// The default limit on the items of a standard notification request: 100.
///
/// Adyen sends one item per request in practice and batches only a few, so 100 leaves ample
/// room. What it bounds is the work a request costs before anything in it is known to be
/// genuine: each item costs an HMAC, signed or not, and 256 KiB holds over 5,000 bare items.
///
/// ```
/// assert_eq!(tower_adyen_webhook::DEFAULT_MAX_ITEMS, 100);
/// ```
pub const DEFAULT_MAX_ITEMS: usize = 100;

/// What to do with a standard notification request in which some items fail verification.
///
/// ```
/// use tower_adyen_webhook::{Policy, VerifyWebhookLayer};
/// # let key: tower_adyen_webhook::HmacKey = "00727DB817A85C8503AD29EAD1523DB869AF0E536893BB3046C92DE7CB045CB1".parse().unwrap();
///
/// assert_eq!(Policy::default(), Policy::RejectRequest);
/// let layer = VerifyWebhookLayer::notifications(key).policy(Policy::ForwardVerified);
/// # let _ = layer;
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub enum Policy {
    /// Reject the whole request with `401` and leave the inner service uncalled. Nothing is
    /// acknowledged, Adyen keeps retrying, and a wrong key shows up as failing deliveries rather
    /// than as lost payments. The default.
    #[default]
    RejectRequest,
    /// Hand the verified items to the inner service (the rejected ones are listed in
    /// [`RejectedItems`](crate::RejectedItems) and logged) and acknowledge if it succeeds.
    /// The rejected items are then never redelivered. A request in which no item verifies is
    /// still rejected.
    ForwardVerified,
}

/// Which kind of Adyen webhook a layer verifies.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Mode {
    /// `notificationItems`, each item signed in `additionalData.hmacSignature`.
    Notifications,
    /// The raw body signed in the `HmacSignature` header.
    HmacHeader,
}

#[derive(Clone, Debug)]
pub(crate) struct Config {
    pub(crate) mode: Mode,
    pub(crate) keys: HmacKeys,
    pub(crate) max_body_bytes: usize,
    pub(crate) max_items: usize,
    pub(crate) policy: Policy,
    pub(crate) keep_handler_response: bool,
    pub(crate) basic_auth: Option<BasicAuth>,
    pub(crate) accept_unsigned_events: bool,
    pub(crate) on_verdict: Option<Callback>,
    pub(crate) usage: KeyUsage,
}

impl Config {
    /// Whether anyone is told of each verdict, and so whether a request's time is taken.
    pub(crate) fn observed(&self) -> bool {
        cfg!(feature = "metrics") || self.on_verdict.is_some()
    }
}

/// The verdict callback; `Debug` only says there is one.
#[derive(Clone)]
pub(crate) struct Callback(pub(crate) OnVerdict);

impl fmt::Debug for Callback {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Callback")
    }
}

/// Applies [`VerifyWebhook`] to a service: see the [module docs](super).
///
/// Cloning is cheap: the configuration is shared.
///
/// ```
/// use axum::{routing::post, Router};
/// use tower_adyen_webhook::{HmacKeys, VerifyWebhookLayer};
///
/// # let keys: HmacKeys = "00727DB817A85C8503AD29EAD1523DB869AF0E536893BB3046C92DE7CB045CB1".parse().unwrap();
/// let layer = VerifyWebhookLayer::notifications(keys)
///     .max_body_bytes(64 * 1024)
///     .basic_auth("adyen", "the password set in the Customer Area");
/// let app: Router = Router::new().route("/webhooks/adyen", post(|| async { "stored" }).layer(layer));
/// # let _ = app;
/// ```
#[derive(Clone, Debug)]
pub struct VerifyWebhookLayer {
    config: Arc<Config>,
}

impl VerifyWebhookLayer {
    /// Verifies standard notifications (payments): every item of `notificationItems` must carry a
    /// valid `additionalData.hmacSignature` under one of `keys`.
    ///
    /// ```
    /// # use std::convert::Infallible;
    /// # use http::{Request, Response, StatusCode};
    /// # use tower::{service_fn, ServiceExt};
    /// # use tower_layer::Layer;
    /// # use tower_adyen_webhook::*;
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// # let handler = service_fn(|_: Request<WebhookBody>| async {
    /// #     Ok::<_, Infallible>(Response::new(String::from("stored")))
    /// # });
    /// # let key: HmacKey = "00727DB817A85C8503AD29EAD1523DB869AF0E536893BB3046C92DE7CB045CB1".parse()?;
    /// # let mut item = NotificationRequestItem::new("7914073381342284", "AUTHORISATION");
    /// # key.sign_item_in_place(&mut item);
    /// # let body = NotificationRequest { live: false, items: vec![item] }.to_json();
    /// let service = VerifyWebhookLayer::notifications(key.clone()).layer(handler);
    /// let response = service.clone().oneshot(Request::post("/").body(body.clone())?).await?;
    /// assert_eq!(response.status(), StatusCode::OK); // `[accepted]`
    ///
    /// let forged = body.replace("7914073381342284", "7914073381342285");
    /// let response = service.oneshot(Request::post("/").body(forged)?).await?;
    /// assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    /// # Ok(())
    /// # }
    /// ```
    pub fn notifications(keys: impl Into<HmacKeys>) -> Self {
        Self::with_mode(Mode::Notifications, keys.into())
    }

    /// Verifies header-signed webhooks (Balance Platform, Management API, transfers, reports...):
    /// the `HmacSignature` header must be the HMAC of the exact body bytes under one of `keys`.
    ///
    /// ```
    /// # use std::convert::Infallible;
    /// # use http::{Request, Response, StatusCode};
    /// # use tower::{service_fn, ServiceExt};
    /// # use tower_layer::Layer;
    /// # use tower_adyen_webhook::*;
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// # let handler = service_fn(|_: Request<WebhookBody>| async {
    /// #     Ok::<_, Infallible>(Response::new(String::from("stored")))
    /// # });
    /// # let key: HmacKey = "00727DB817A85C8503AD29EAD1523DB869AF0E536893BB3046C92DE7CB045CB1".parse()?;
    /// # let mut item = NotificationRequestItem::new("7914073381342284", "AUTHORISATION");
    /// # key.sign_item_in_place(&mut item);
    /// # let body = NotificationRequest { live: false, items: vec![item] }.to_json();
    /// let service = VerifyWebhookLayer::hmac_header(key.clone()).layer(handler);
    /// let body = r#"{"type": "balancePlatform.accountHolder.created", "data": {}}"#;
    /// let request = Request::post("/")
    ///     .header("HmacSignature", key.sign(body.as_bytes()))
    ///     .body(body.to_owned())?;
    /// assert_eq!(service.clone().oneshot(request).await?.status(), StatusCode::OK);
    ///
    /// // No header, or one that does not match the exact bytes: refused.
    /// let request = Request::post("/").body(body.to_owned())?;
    /// assert_eq!(service.oneshot(request).await?.status(), StatusCode::UNAUTHORIZED);
    /// # Ok(())
    /// # }
    /// ```
    pub fn hmac_header(keys: impl Into<HmacKeys>) -> Self {
        Self::with_mode(Mode::HmacHeader, keys.into())
    }

    fn with_mode(mode: Mode, keys: HmacKeys) -> Self {
        for (index, key) in keys.iter().enumerate() {
            tracing::info!(
                key = index,
                kcv = key.check_value(),
                mode = ?mode,
                "Adyen webhook HMAC key configured; compare its check value with the Customer Area"
            );
        }
        Self {
            config: Arc::new(Config {
                mode,
                max_body_bytes: DEFAULT_MAX_BODY_BYTES,
                max_items: DEFAULT_MAX_ITEMS,
                policy: Policy::default(),
                keep_handler_response: false,
                basic_auth: None,
                accept_unsigned_events: false,
                on_verdict: None,
                usage: KeyUsage::new(&keys),
                keys,
            }),
        }
    }

    fn config_mut(&mut self) -> &mut Config {
        // Copies the configuration only if this layer shares it with a clone.
        Arc::make_mut(&mut self.config)
    }

    /// Sets the largest body accepted, in bytes; larger ones get `413 Payload Too Large`.
    /// Defaults to [`DEFAULT_MAX_BODY_BYTES`].
    ///
    /// ```
    /// # use std::convert::Infallible;
    /// # use http::{Request, Response, StatusCode};
    /// # use tower::{service_fn, ServiceExt};
    /// # use tower_layer::Layer;
    /// # use tower_adyen_webhook::*;
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// # let handler = service_fn(|_: Request<WebhookBody>| async {
    /// #     Ok::<_, Infallible>(Response::new(String::from("stored")))
    /// # });
    /// # let key: HmacKey = "00727DB817A85C8503AD29EAD1523DB869AF0E536893BB3046C92DE7CB045CB1".parse()?;
    /// # let mut item = NotificationRequestItem::new("7914073381342284", "AUTHORISATION");
    /// # key.sign_item_in_place(&mut item);
    /// # let body = NotificationRequest { live: false, items: vec![item] }.to_json();
    /// let layer = VerifyWebhookLayer::notifications(key).max_body_bytes(body.len());
    /// let response = layer.layer(handler.clone()).oneshot(Request::post("/").body(body.clone())?).await?;
    /// assert_eq!(response.status(), StatusCode::OK); // exactly the limit: accepted
    ///
    /// let layer = layer.max_body_bytes(body.len() - 1);
    /// let response = layer.layer(handler).oneshot(Request::post("/").body(body)?).await?;
    /// assert_eq!(response.status(), StatusCode::PAYLOAD_TOO_LARGE);
    /// # Ok(())
    /// # }
    /// ```
    #[must_use]
    pub fn max_body_bytes(mut self, limit: usize) -> Self {
        self.config_mut().max_body_bytes = limit;
        self
    }

    /// Sets the most items a standard notification request may hold; one with more gets
    /// `413 Payload Too Large` (`"N notification items, more than the limit of M"`) as soon as it
    /// is parsed, before any signature is checked, and the inner service is not called.
    /// Defaults to [`DEFAULT_MAX_ITEMS`]. Header-signed webhooks have no items and are not
    /// affected.
    ///
    /// ```
    /// # use std::convert::Infallible;
    /// # use http::{Request, Response, StatusCode};
    /// # use tower::{service_fn, ServiceExt};
    /// # use tower_layer::Layer;
    /// # use tower_adyen_webhook::*;
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// # let handler = service_fn(|_: Request<WebhookBody>| async {
    /// #     Ok::<_, Infallible>(Response::new(String::from("stored")))
    /// # });
    /// # let key: HmacKey = "00727DB817A85C8503AD29EAD1523DB869AF0E536893BB3046C92DE7CB045CB1".parse()?;
    /// # let mut item = NotificationRequestItem::new("7914073381342284", "AUTHORISATION");
    /// # key.sign_item_in_place(&mut item);
    /// # let body = NotificationRequest { live: false, items: vec![item] }.to_json();
    /// let two = NotificationRequest::from_slice(body.as_bytes())?;
    /// let two = NotificationRequest { live: false, items: [two.items.clone(), two.items].concat() };
    /// let layer = VerifyWebhookLayer::notifications(key).max_items(1);
    /// let response = layer.layer(handler).oneshot(Request::post("/").body(two.to_json())?).await?;
    /// assert_eq!(response.status(), StatusCode::PAYLOAD_TOO_LARGE);
    /// # Ok(())
    /// # }
    /// ```
    #[must_use]
    pub fn max_items(mut self, limit: usize) -> Self {
        self.config_mut().max_items = limit;
        self
    }

    /// Sets what happens when some items of a standard notification fail verification.
    /// Defaults to [`Policy::RejectRequest`]. Header-signed webhooks have one signature for the
    /// whole body and are always rejected when it fails.
    ///
    /// ```
    /// # use std::convert::Infallible;
    /// # use http::{Request, Response, StatusCode};
    /// # use tower::{service_fn, ServiceExt};
    /// # use tower_layer::Layer;
    /// # use tower_adyen_webhook::*;
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// # let handler = service_fn(|_: Request<WebhookBody>| async {
    /// #     Ok::<_, Infallible>(Response::new(String::from("stored")))
    /// # });
    /// # let key: HmacKey = "00727DB817A85C8503AD29EAD1523DB869AF0E536893BB3046C92DE7CB045CB1".parse()?;
    /// # let mut item = NotificationRequestItem::new("7914073381342284", "AUTHORISATION");
    /// # key.sign_item_in_place(&mut item);
    /// # let body = NotificationRequest { live: false, items: vec![item] }.to_json();
    /// let mut forged = NotificationRequestItem::new("7914073381342285", "AUTHORISATION");
    /// forged.additional_data.insert("hmacSignature", "not the signature");
    /// let mut request = NotificationRequest::from_slice(body.as_bytes())?;
    /// request.items.push(forged);
    ///
    /// let service = service_fn(|request: Request<WebhookBody>| async move {
    ///     let rejected = request.extensions().get::<RejectedItems>().unwrap();
    ///     assert_eq!(rejected.get(0).unwrap().psp_reference, "7914073381342285");
    ///     assert_eq!(request.extensions().get::<Notifications>().unwrap().len(), 1);
    ///     Ok::<_, Infallible>(Response::new(String::new()))
    /// });
    /// let layer = VerifyWebhookLayer::notifications(key).policy(Policy::ForwardVerified);
    /// let response = layer.layer(service).oneshot(Request::post("/").body(request.to_json())?).await?;
    /// assert_eq!(response.status(), StatusCode::OK);
    /// # Ok(())
    /// # }
    /// ```
    #[must_use]
    pub fn policy(mut self, policy: Policy) -> Self {
        self.config_mut().policy = policy;
        self
    }

    /// Passes the inner service's own `2xx` response on, instead of replacing it with
    /// `200 [accepted]`.
    ///
    /// ```
    /// # use std::convert::Infallible;
    /// # use http::{Request, Response, StatusCode};
    /// # use tower::{service_fn, ServiceExt};
    /// # use tower_layer::Layer;
    /// # use tower_adyen_webhook::*;
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// # let handler = service_fn(|_: Request<WebhookBody>| async {
    /// #     Ok::<_, Infallible>(Response::new(String::from("stored")))
    /// # });
    /// # let key: HmacKey = "00727DB817A85C8503AD29EAD1523DB869AF0E536893BB3046C92DE7CB045CB1".parse()?;
    /// # let mut item = NotificationRequestItem::new("7914073381342284", "AUTHORISATION");
    /// # key.sign_item_in_place(&mut item);
    /// # let body = NotificationRequest { live: false, items: vec![item] }.to_json();
    /// let layer = VerifyWebhookLayer::notifications(key).keep_handler_response(true);
    /// let response = layer.layer(handler).oneshot(Request::post("/").body(body)?).await?;
    /// assert_eq!(response.status(), StatusCode::OK);
    /// let text = http_body_util::BodyExt::collect(response.into_body()).await?.to_bytes();
    /// assert_eq!(text, "stored"); // the handler's own body, not `[accepted]`
    /// # Ok(())
    /// # }
    /// ```
    #[must_use]
    pub fn keep_handler_response(mut self, keep: bool) -> Self {
        self.config_mut().keep_handler_response = keep;
        self
    }

    /// Requires HTTP Basic auth with these credentials, as set on the webhook in the Customer
    /// Area. Checked before the body is read, as [`RequireBasicAuth`](crate::RequireBasicAuth)
    /// checks them; a missing, malformed or wrong `Authorization` header gets `401` with the
    /// challenge `WWW-Authenticate: Basic realm="Adyen webhooks", charset="UTF-8"`.
    ///
    /// ```
    /// # use std::convert::Infallible;
    /// # use http::{Request, Response, StatusCode};
    /// # use tower::{service_fn, ServiceExt};
    /// # use tower_layer::Layer;
    /// # use tower_adyen_webhook::*;
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// # let handler = service_fn(|_: Request<WebhookBody>| async {
    /// #     Ok::<_, Infallible>(Response::new(String::from("stored")))
    /// # });
    /// # let key: HmacKey = "00727DB817A85C8503AD29EAD1523DB869AF0E536893BB3046C92DE7CB045CB1".parse()?;
    /// # let mut item = NotificationRequestItem::new("7914073381342284", "AUTHORISATION");
    /// # key.sign_item_in_place(&mut item);
    /// # let body = NotificationRequest { live: false, items: vec![item] }.to_json();
    /// let layer = VerifyWebhookLayer::notifications(key).basic_auth("adyen", "correct horse");
    /// let request = Request::post("/")
    ///     .header("authorization", "Basic YWR5ZW46Y29ycmVjdCBob3JzZQ==") // adyen:correct horse
    ///     .body(body.clone())?;
    /// assert_eq!(layer.layer(handler.clone()).oneshot(request).await?.status(), StatusCode::OK);
    ///
    /// let response = layer.layer(handler).oneshot(Request::post("/").body(body)?).await?;
    /// assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    /// assert!(response.headers().contains_key("www-authenticate"));
    /// # Ok(())
    /// # }
    /// ```
    #[must_use]
    pub fn basic_auth(mut self, username: &str, password: &str) -> Self {
        self.config_mut().basic_auth = Some(BasicAuth::new(username, password, "Adyen webhooks"));
        self
    }

    /// Calls `callback` once for every request, with its [`Verdict`]: the outcome, why it was
    /// refused, how many items it held and how many failed, the check value of the key that
    /// verified it, and the time it took from its arrival to the response. For the counters a
    /// dashboard wants without the `metrics` feature: feed them to OpenTelemetry, a log, or
    /// anything else. The callback runs on the request's task, so it should be quick.
    ///
    /// ```
    /// use std::convert::Infallible;
    /// use std::sync::{Arc, Mutex};
    ///
    /// use http::{Request, Response, StatusCode};
    /// use tower::{service_fn, ServiceExt};
    /// use tower_layer::Layer;
    /// use tower_adyen_webhook::{HmacKey, NotificationRequest, NotificationRequestItem, Outcome, VerifyWebhookLayer, WebhookBody};
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let key: HmacKey = "00727DB817A85C8503AD29EAD1523DB869AF0E536893BB3046C92DE7CB045CB1".parse()?;
    /// let seen = Arc::new(Mutex::new(Vec::new()));
    /// let record = seen.clone();
    /// let layer = VerifyWebhookLayer::notifications(key.clone()).on_verdict(move |verdict| {
    ///     // An OpenTelemetry counter would be incremented here, with the outcome as attribute.
    ///     record.lock().unwrap().push((verdict.outcome, verdict.reason, verdict.items, verdict.kcv.map(str::to_owned)));
    /// });
    /// let service = layer.layer(service_fn(|_: Request<WebhookBody>| async {
    ///     Ok::<_, Infallible>(Response::new(String::new()))
    /// }));
    ///
    /// let mut item = NotificationRequestItem::new("7914073381342284", "AUTHORISATION");
    /// key.sign_item_in_place(&mut item);
    /// let body = NotificationRequest { live: false, items: vec![item] }.to_json();
    /// service.clone().oneshot(Request::post("/").body(body.clone())?).await?;
    /// let forged = body.replace("7914073381342284", "7914073381342285");
    /// service.oneshot(Request::post("/").body(forged)?).await?;
    ///
    /// assert_eq!(
    ///     *seen.lock().unwrap(),
    ///     [
    ///         (Outcome::Accepted, None, 1, Some("9540DA".to_owned())),
    ///         (Outcome::Unauthorized, Some("signature_mismatch"), 1, None),
    ///     ]
    /// );
    /// # Ok(())
    /// # }
    /// ```
    #[must_use]
    pub fn on_verdict<F>(mut self, callback: F) -> Self
    where
        F: Fn(&Verdict<'_>) + Send + Sync + 'static,
    {
        self.config_mut().on_verdict = Some(Callback(Arc::new(callback)));
        self
    }

    /// When each of this layer's keys last verified a webhook: a handle that every service the
    /// layer makes (and every clone of it) updates. During a key rotation it says when the
    /// previous key stopped being needed.
    ///
    /// ```
    /// use std::convert::Infallible;
    ///
    /// use http::{Request, Response};
    /// use tower::{service_fn, ServiceExt};
    /// use tower_layer::Layer;
    /// use tower_adyen_webhook::{HmacKey, HmacKeys, NotificationRequest, NotificationRequestItem, VerifyWebhookLayer, WebhookBody};
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let new: HmacKey = "00727DB817A85C8503AD29EAD1523DB869AF0E536893BB3046C92DE7CB045CB1".parse()?;
    /// let old: HmacKey = "DFB1EB5485895CFA84146406857104ABB4CBCABDC8AAF103A624C8F6A3EAAB00".parse()?;
    /// let layer = VerifyWebhookLayer::notifications(HmacKeys::new(new).with(old.clone()));
    /// let usage = layer.key_usage();
    /// let service = layer.layer(service_fn(|_: Request<WebhookBody>| async {
    ///     Ok::<_, Infallible>(Response::new(String::new()))
    /// }));
    ///
    /// // A webhook still signed with the old key.
    /// let mut item = NotificationRequestItem::new("7914073381342284", "AUTHORISATION");
    /// old.sign_item_in_place(&mut item);
    /// let body = NotificationRequest { live: false, items: vec![item] }.to_json();
    /// service.oneshot(Request::post("/").body(body)?).await?;
    ///
    /// let used: Vec<bool> = usage.iter().map(|key| key.last_verified.is_some()).collect();
    /// assert_eq!(used, [false, true]);
    /// # Ok(())
    /// # }
    /// ```
    pub fn key_usage(&self) -> KeyUsage {
        self.config.usage.clone()
    }

    /// Accepts `type`/`data` events that come on the standard endpoint without an
    /// `HmacSignature` header, on the strength of Basic auth alone. They are handed over as an
    /// [`UnsignedWebhook`](crate::UnsignedWebhook), never as [`Notifications`](crate::Notifications)
    /// nor as a [`SignedWebhook`](crate::SignedWebhook).
    ///
    /// Adyen's standard-webhook spec documents one such body,
    /// `DIRECT_DEBIT_NOTICE_OF_CHANGE_NOTIFICATION` (`"type": "ach.notificationOfChange"` or
    /// `"eft.notificationOfChange"`, and the older `ACH_NOTIFICATION_OF_CHANGE`), with no
    /// signature and Basic auth as its only protection. Without this setting such a body gets
    /// `401` and is logged with its type; with an `HmacSignature` header it is verified against
    /// the exact bytes, with this setting or without, and handed over as a `SignedWebhook`.
    ///
    /// # Errors
    ///
    /// Basic auth must be set first ([`basic_auth`](Self::basic_auth)): without it, anyone could
    /// write such an event. Only standard-notification layers take these events.
    ///
    /// ```
    /// use tower_adyen_webhook::{HmacKey, VerifyWebhookLayer};
    ///
    /// let key: HmacKey = "00727DB817A85C8503AD29EAD1523DB869AF0E536893BB3046C92DE7CB045CB1".parse()?;
    /// let layer = VerifyWebhookLayer::notifications(key.clone())
    ///     .basic_auth("adyen", "a long random password")
    ///     .accept_unsigned_events()?;
    ///
    /// let err = VerifyWebhookLayer::notifications(key).accept_unsigned_events().unwrap_err();
    /// assert!(err.to_string().contains("basic_auth"));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn accept_unsigned_events(mut self) -> Result<Self, ConfigError> {
        if self.config.mode != Mode::Notifications {
            return Err(ConfigError(
                "unsigned events are only accepted by a standard-notification layer \
                 (`VerifyWebhookLayer::notifications`); header-signed webhooks are always signed",
            ));
        }
        if self.config.basic_auth.is_none() {
            return Err(ConfigError(
                "accepting events without a signature needs Basic auth: call \
                 `basic_auth(username, password)` before `accept_unsigned_events()`",
            ));
        }
        self.config_mut().accept_unsigned_events = true;
        Ok(self)
    }
}

/// A layer setting that cannot be used as asked; the message says what to do.
///
/// ```
/// use tower_adyen_webhook::{HmacKey, VerifyWebhookLayer};
///
/// let key: HmacKey = "00727DB817A85C8503AD29EAD1523DB869AF0E536893BB3046C92DE7CB045CB1".parse().unwrap();
/// let err = VerifyWebhookLayer::notifications(key).accept_unsigned_events().unwrap_err();
/// assert!(err.to_string().contains("needs Basic auth"));
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConfigError(&'static str);

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.0)
    }
}

impl std::error::Error for ConfigError {}

impl<S> Layer<S> for VerifyWebhookLayer {
    type Service = VerifyWebhook<S>;

    fn layer(&self, inner: S) -> Self::Service {
        VerifyWebhook::from_config(inner, self.config.clone())
    }
}
