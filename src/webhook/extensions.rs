//! What the middleware puts in the request extensions for the inner service.

use std::sync::Arc;

use bytes::Bytes;

use crate::notification::{EventCode, NotificationRequestItem};
use crate::signature::VerifyError;

/// The verified items of a standard notification request, in the order they were sent.
///
/// Inserted in the request extensions before the inner service is called. Cloning is cheap (one
/// reference count). Read it with `axum::Extension<Notifications>` or
/// `req.extensions().get::<Notifications>()`, and iterate over it:
///
/// ```
/// # use tower_adyen_webhook::Notifications;
/// fn store(notifications: &Notifications) {
///     for item in notifications {
///         println!("{} {} success={}", item.event_code, item.psp_reference, item.success);
///     }
/// }
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
#[derive(Clone, Debug, Default)]
pub struct RejectedItems {
    items: Arc<[RejectedItem]>,
}

impl RejectedItems {
    pub(crate) fn new(items: Vec<RejectedItem>) -> Self {
        Self {
            items: items.into(),
        }
    }

    /// The rejected items, as a slice.
    pub fn items(&self) -> &[RejectedItem] {
        &self.items
    }

    /// The rejected items, in order.
    pub fn iter(&self) -> std::slice::Iter<'_, RejectedItem> {
        self.items.iter()
    }

    /// The number of rejected items.
    pub fn len(&self) -> usize {
        self.items.len()
    }

    /// Whether no item was rejected.
    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    /// The rejected item at `index` of this list (its position in the request is
    /// [`RejectedItem::index`]).
    pub fn get(&self, index: usize) -> Option<&RejectedItem> {
        self.items.get(index)
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
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct RejectedItem {
    /// Its position in the request, from 0.
    pub index: usize,
    /// The `pspReference` it claimed.
    pub psp_reference: String,
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
