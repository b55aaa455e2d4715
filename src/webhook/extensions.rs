//! What the middleware puts in the request extensions for the inner service.

use std::sync::Arc;

use bytes::Bytes;

use crate::notification::{EventCode, NotificationRequestItem};
use crate::signature::VerifyError;
use crate::text::Text;

/// The verified items of a standard notification request, in the order they were sent.
///
/// Inserted in the request extensions before the inner service is called. Cloning is cheap (one
/// reference count). Read it with `axum::Extension<Notifications>` or
/// `req.extensions().get::<Notifications>()`, and iterate over it:
///
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
/// let handler = service_fn(|request: Request<WebhookBody>| async move {
///     let notifications = request.extensions().get::<Notifications>().unwrap();
///     for item in notifications {
///         // Store it; return 2xx once it is stored.
///         assert_eq!((item.event_code.as_str(), item.success), ("AUTHORISATION", true));
///     }
///     assert!(!notifications.live());
///     assert_eq!((notifications.len(), notifications.is_empty()), (1, false));
///     assert_eq!(notifications.get(0).unwrap().psp_reference, "7914073381342284");
///     assert_eq!(notifications.iter().count(), notifications.items().len());
///     Ok::<_, Infallible>(Response::new(String::new()))
/// });
/// let service = VerifyWebhookLayer::notifications(key).layer(handler);
/// assert_eq!(service.oneshot(Request::post("/").body(body)?).await?.status(), StatusCode::OK);
/// # Ok(())
/// # }
/// ```
#[derive(Clone, Debug)]
pub struct Notifications {
    inner: Arc<NotificationsInner>,
}

#[derive(Debug)]
struct NotificationsInner {
    live: bool,
    items: Vec<NotificationRequestItem>,
}

impl Notifications {
    pub(crate) fn new(live: bool, items: Vec<NotificationRequestItem>) -> Self {
        Self {
            inner: Arc::new(NotificationsInner { live, items }),
        }
    }

    /// Whether the request came from the live environment. Not covered by the signature: use the
    /// merchant account or the key to tell environments apart where it matters.
    pub fn live(&self) -> bool {
        self.inner.live
    }

    /// The verified items, as a slice.
    pub fn items(&self) -> &[NotificationRequestItem] {
        &self.inner.items
    }

    /// The verified items, in order.
    pub fn iter(&self) -> std::slice::Iter<'_, NotificationRequestItem> {
        self.inner.items.iter()
    }

    /// The number of verified items: at least one, unless
    /// [`Policy::ForwardVerified`](crate::Policy::ForwardVerified) left some out.
    pub fn len(&self) -> usize {
        self.inner.items.len()
    }

    /// Whether there are no verified items.
    pub fn is_empty(&self) -> bool {
        self.inner.items.is_empty()
    }

    /// The item at `index`, from 0.
    pub fn get(&self, index: usize) -> Option<&NotificationRequestItem> {
        self.inner.items.get(index)
    }
}

impl<'a> IntoIterator for &'a Notifications {
    type Item = &'a NotificationRequestItem;
    type IntoIter = std::slice::Iter<'a, NotificationRequestItem>;

    fn into_iter(self) -> Self::IntoIter {
        self.iter()
    }
}

/// Items that failed verification and were left out of [`Notifications`].
///
/// Only [`Policy::ForwardVerified`](crate::Policy::ForwardVerified) lets a request with such
/// items through; under the default policy the request is rejected and this is always empty.
/// It is inserted on every standard notification request, so an extractor for it never fails.
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
/// let mut request = NotificationRequest::from_slice(body.as_bytes())?;
/// request.items.push(NotificationRequestItem::new("UNSIGNED", "REFUND"));
/// let handler = service_fn(|request: Request<WebhookBody>| async move {
///     let rejected = request.extensions().get::<RejectedItems>().unwrap();
///     assert_eq!((rejected.len(), rejected.is_empty()), (1, false));
///     let first = rejected.get(0).unwrap();
///     assert_eq!((first.index, first.psp_reference.as_str()), (1, "UNSIGNED"));
///     assert_eq!(first.error, VerifyError::MissingSignature);
///     assert_eq!(rejected.iter().count(), rejected.items().len());
///     Ok::<_, Infallible>(Response::new(String::new()))
/// });
/// let layer = VerifyWebhookLayer::notifications(key).policy(Policy::ForwardVerified);
/// let response = layer.layer(handler).oneshot(Request::post("/").body(request.to_json())?).await?;
/// assert_eq!(response.status(), StatusCode::OK);
/// # Ok(())
/// # }
/// ```
#[derive(Clone, Debug, Default)]
pub struct RejectedItems {
    /// `None` when there are none, as on nearly every request: an empty list costs no
    /// allocation.
    items: Option<Arc<[RejectedItem]>>,
}

impl RejectedItems {
    pub(crate) fn new(items: Vec<RejectedItem>) -> Self {
        Self {
            items: (!items.is_empty()).then(|| items.into()),
        }
    }

    /// The rejected items, as a slice.
    pub fn items(&self) -> &[RejectedItem] {
        self.items.as_deref().unwrap_or_default()
    }

    /// The rejected items, in order.
    pub fn iter(&self) -> std::slice::Iter<'_, RejectedItem> {
        self.items().iter()
    }

    /// The number of rejected items.
    pub fn len(&self) -> usize {
        self.items().len()
    }

    /// Whether no item was rejected.
    pub fn is_empty(&self) -> bool {
        self.items().is_empty()
    }

    /// The rejected item at `index` of this list (its position in the request is
    /// [`RejectedItem::index`]).
    pub fn get(&self, index: usize) -> Option<&RejectedItem> {
        self.items().get(index)
    }
}

impl<'a> IntoIterator for &'a RejectedItems {
    type Item = &'a RejectedItem;
    type IntoIter = std::slice::Iter<'a, RejectedItem>;

    fn into_iter(self) -> Self::IntoIter {
        self.iter()
    }
}

/// An item that failed verification. Only its references are kept: none of its content can be
/// trusted.
///
/// ```
/// use tower_adyen_webhook::{RejectedItem, RejectedItems, VerifyError};
///
/// fn report(rejected: &RejectedItems) {
///     for RejectedItem { index, psp_reference, event_code, error, .. } in rejected {
///         // Only what it claimed: nothing in a rejected item can be trusted.
///         eprintln!("item {index} ({psp_reference:?}, {event_code}) rejected: {error}");
///         assert_ne!(*error, VerifyError::MissingSignature, "no unsigned item expected here");
///     }
/// }
/// report(&RejectedItems::default());
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct RejectedItem {
    /// Its position in the request, from 0.
    pub index: usize,
    /// The `pspReference` it claimed.
    pub psp_reference: Text,
    /// The `eventCode` it claimed.
    pub event_code: EventCode,
    /// Why it was rejected.
    pub error: VerifyError,
}

/// A verified header-signed webhook (Balance Platform, Management API, transfers, reports...),
/// or a `type`/`data` event on the standard endpoint that came with a valid `HmacSignature`
/// header.
///
/// Inserted in the request extensions once `HmacSignature` matched the exact body bytes. Cloning
/// is cheap.
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
/// let body = r#"{"type": "balancePlatform.accountHolder.created", "environment": "test", "data": {"accountHolder": {"id": "AH3227C223222B5CMD3FJFKGZ"}}}"#;
/// let handler = service_fn(move |request: Request<WebhookBody>| async move {
///     let webhook = request.extensions().get::<SignedWebhook>().unwrap();
///     assert_eq!(webhook.body(), body.as_bytes()); // the exact bytes that were verified
///     assert_eq!(webhook.webhook_type(), Some("balancePlatform.accountHolder.created"));
///     assert_eq!(webhook.environment(), Some("test"));
///     assert_eq!(webhook.json()["data"]["accountHolder"]["id"], "AH3227C223222B5CMD3FJFKGZ");
///     #[derive(serde::Deserialize)]
///     struct Event { data: serde_json::Value }
///     let event: Event = webhook.deserialize().unwrap();
///     assert!(event.data.is_object());
///     Ok::<_, Infallible>(Response::new(String::new()))
/// });
/// let service = VerifyWebhookLayer::hmac_header(key.clone()).layer(handler);
/// let request = Request::post("/").header("HmacSignature", key.sign(body.as_bytes()));
/// assert_eq!(service.oneshot(request.body(body.to_owned())?).await?.status(), StatusCode::OK);
/// # Ok(())
/// # }
/// ```
#[derive(Clone, Debug)]
pub struct SignedWebhook {
    inner: Arc<JsonBody>,
}

/// A `type`/`data` event that came on the standard endpoint **without a signature**, accepted
/// because the layer was told to with
/// [`VerifyWebhookLayer::accept_unsigned_events`](crate::VerifyWebhookLayer::accept_unsigned_events):
/// it is authenticated by HTTP Basic auth alone.
///
/// Adyen's standard-webhook spec documents such bodies (`DIRECT_DEBIT_NOTICE_OF_CHANGE_NOTIFICATION`,
/// with `"type": "ach.notificationOfChange"` or `"eft.notificationOfChange"`) with Basic auth as
/// their only protection. It is a type of its own, never a [`SignedWebhook`] nor part of
/// [`Notifications`], so that a handler cannot take it for signed data: whoever knows the Basic
/// auth credentials can write one. Cloning is cheap.
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
/// let body = r#"{"type": "ach.notificationOfChange", "environment": "test", "data": {"pspReference": "QFQTPCQ8HXSKGK82"}}"#;
/// let handler = service_fn(|request: Request<WebhookBody>| async move {
///     assert!(request.extensions().get::<SignedWebhook>().is_none());
///     let event = request.extensions().get::<UnsignedWebhook>().unwrap();
///     assert_eq!(event.webhook_type(), Some("ach.notificationOfChange"));
///     assert_eq!(event.environment(), Some("test"));
///     assert_eq!(event.json()["data"]["pspReference"], "QFQTPCQ8HXSKGK82");
///     assert!(event.body().starts_with(b"{"));
///     assert!(event.deserialize::<serde_json::Value>().is_ok());
///     Ok::<_, Infallible>(Response::new(String::new()))
/// });
/// let layer = VerifyWebhookLayer::notifications(key)
///     .basic_auth("adyen", "correct horse")
///     .accept_unsigned_events()?;
/// let request = Request::post("/").header("authorization", "Basic YWR5ZW46Y29ycmVjdCBob3JzZQ==");
/// let response = layer.layer(handler).oneshot(request.body(body.to_owned())?).await?;
/// assert_eq!(response.status(), StatusCode::OK);
/// # Ok(())
/// # }
/// ```
#[derive(Clone, Debug)]
pub struct UnsignedWebhook {
    inner: Arc<JsonBody>,
}

/// The exact bytes of a JSON webhook and their parse.
#[derive(Debug)]
struct JsonBody {
    body: Bytes,
    json: serde_json::Value,
}

macro_rules! json_body_accessors {
    ($ty:ident, $what:literal) => {
        impl $ty {
            pub(crate) fn new(body: Bytes, json: serde_json::Value) -> Self {
                Self {
                    inner: Arc::new(JsonBody { body, json }),
                }
            }

            #[doc = concat!("The exact bytes that were ", $what, ".")]
            pub fn body(&self) -> &Bytes {
                &self.inner.body
            }

            /// The body, parsed.
            pub fn json(&self) -> &serde_json::Value {
                &self.inner.json
            }

            /// The webhook `type`, such as `balancePlatform.accountHolder.created`, when the body
            /// has one.
            pub fn webhook_type(&self) -> Option<&str> {
                self.inner.json.get("type")?.as_str()
            }

            /// The `environment` (`test` or `live`), when the body has one.
            pub fn environment(&self) -> Option<&str> {
                self.inner.json.get("environment")?.as_str()
            }

            /// The body deserialized into `T`.
            pub fn deserialize<T: serde::de::DeserializeOwned>(&self) -> serde_json::Result<T> {
                serde_json::from_slice(&self.inner.body)
            }
        }
    };
}

json_body_accessors!(SignedWebhook, "verified");
json_body_accessors!(UnsignedWebhook, "received");

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_items_is_empty() {
        // The layer never hands over an empty list (a request without items is acknowledged
        // without calling the handler, and one whose items all fail is refused), so only here.
        let none = Notifications::new(true, Vec::new());
        assert!(none.is_empty());
        assert_eq!(none.len(), 0);
        assert!(RejectedItems::new(Vec::new()).is_empty());
    }

    #[test]
    fn rejected_items_read_as_a_slice() {
        let rejected = |index, psp: &'static str, error| RejectedItem {
            index,
            psp_reference: Text::from_static(psp),
            event_code: EventCode::Authorisation,
            error,
        };
        let items = RejectedItems::new(vec![
            rejected(1, "PSP-1", VerifyError::Mismatch),
            rejected(3, "PSP-3", VerifyError::MissingSignature),
        ]);
        assert!(!items.is_empty());
        assert_eq!(items.len(), 2);
        assert_eq!(items.items().len(), 2);
        assert_eq!(items.get(1).map(|item| item.index), Some(3));
        assert_eq!(items.get(2).map(|item| item.index), None);
        let references: Vec<&str> = items.iter().map(|item| &*item.psp_reference).collect();
        assert_eq!(references, ["PSP-1", "PSP-3"]);
        let errors: Vec<_> = items
            .clone()
            .items()
            .iter()
            .map(|item| item.error)
            .collect();
        assert_eq!(
            errors,
            [VerifyError::Mismatch, VerifyError::MissingSignature]
        );
    }
}
