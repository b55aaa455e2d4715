//! The typed event of a `type`/`data` webhook, signed or not, with the `models` feature.

#[cfg(feature = "models")]
use crate::{SignedWebhook, UnsignedWebhook};
#[cfg(feature = "models")]
use tower_adyen_webhook_models::AdyenEvent;

#[cfg(feature = "models")]
#[cfg_attr(docsrs, doc(cfg(feature = "models")))]
impl SignedWebhook {
    /// The verified body as a typed [`AdyenEvent`], dispatched on its `type`.
    ///
    /// Never fails: the body is already known to be JSON, and a `type` or a shape the models do
    /// not know gives [`AdyenEvent::Unknown`] or [`AdyenEvent::Untyped`] with the raw JSON, so a
    /// webhook Adyen adds tomorrow is still verified, handed over and acknowledged.
    ///
    /// ```
    /// use axum::{body::Body, routing::post, Extension, Router};
    /// use http::{Request, StatusCode};
    /// use tower::ServiceExt;
    /// use tower_adyen_webhook::models::AdyenEvent;
    /// use tower_adyen_webhook::{HmacKey, SignedWebhook, VerifyWebhookLayer};
    ///
    /// async fn store(Extension(webhook): Extension<SignedWebhook>) -> StatusCode {
    ///     match webhook.event() {
    ///         AdyenEvent::BalancePlatformAccountHolderCreated(event) => {
    ///             let holder = event.data.account_holder.unwrap_or_default();
    ///             assert_eq!(holder.id.as_deref(), Some("AH00000000000000000001"));
    ///         }
    ///         // Store what is not handled yet too: it is verified.
    ///         other => println!("{} typed={}", other.event_type(), other.is_typed()),
    ///     }
    ///     StatusCode::NO_CONTENT
    /// }
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let key: HmacKey = "00727DB817A85C8503AD29EAD1523DB869AF0E536893BB3046C92DE7CB045CB1".parse()?;
    /// let app = Router::new()
    ///     .route("/api/webhooks/balance-platform", post(store))
    ///     .layer(VerifyWebhookLayer::hmac_header(key.clone()));
    ///
    /// let body = r#"{"data": {"balancePlatform": "YOUR_BALANCE_PLATFORM",
    ///     "accountHolder": {"id": "AH00000000000000000001", "status": "active"}},
    ///     "environment": "test", "type": "balancePlatform.accountHolder.created"}"#;
    /// let request = Request::post("/api/webhooks/balance-platform")
    ///     .header("HmacSignature", key.sign(body.as_bytes()))
    ///     .body(Body::from(body))?;
    /// assert_eq!(app.oneshot(request).await?.status(), StatusCode::OK);
    /// # Ok(())
    /// # }
    /// ```
    pub fn event(&self) -> AdyenEvent {
        AdyenEvent::from_value(self.json().clone())
    }
}

#[cfg(feature = "models")]
#[cfg_attr(docsrs, doc(cfg(feature = "models")))]
impl UnsignedWebhook {
    /// The received body as a typed [`AdyenEvent`], dispatched on its `type`, as
    /// [`SignedWebhook::event`] does: the standard webhooks' notices of change are
    /// [`AdyenEvent::AchNotificationOfChange`] and [`AdyenEvent::EftNotificationOfChange`].
    ///
    /// The data is **unsigned**: it came without an `HmacSignature` header and is authenticated
    /// by Basic auth alone, so whoever knows those credentials can write any of it. Check what it
    /// asks for (a `pspReference` of yours, a shopper you know) before acting on it.
    ///
    /// Never fails: a `type` or a shape the models do not know gives [`AdyenEvent::Unknown`] or
    /// [`AdyenEvent::Untyped`] with the raw JSON.
    ///
    /// ```
    /// use axum::{body::Body, routing::post, Extension, Router};
    /// use http::{Request, StatusCode};
    /// use tower::ServiceExt;
    /// use tower_adyen_webhook::models::AdyenEvent;
    /// use tower_adyen_webhook::{HmacKey, UnsignedWebhook, VerifyWebhookLayer};
    ///
    /// async fn store(Extension(webhook): Extension<UnsignedWebhook>) -> StatusCode {
    ///     match webhook.event() {
    ///         AdyenEvent::EftNotificationOfChange(event) => {
    ///             // Unsigned: only a change to a payment of ours is worth acting on.
    ///             let data = event.data.unwrap_or_default();
    ///             assert_eq!(data.psp_reference.as_deref(), Some("QFQTPCQ8HXSKGK82"));
    ///             let change = data.notification_of_change.unwrap_or_default();
    ///             assert_eq!(change.new_bank_location_id.as_deref(), Some("00123004"));
    ///         }
    ///         other => println!("{} typed={}", other.event_type(), other.is_typed()),
    ///     }
    ///     StatusCode::NO_CONTENT
    /// }
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let key: HmacKey = "00727DB817A85C8503AD29EAD1523DB869AF0E536893BB3046C92DE7CB045CB1".parse()?;
    /// let app = Router::new().route("/api/webhooks/adyen", post(store)).layer(
    ///     VerifyWebhookLayer::notifications(key)
    ///         .basic_auth("adyen", "secret")
    ///         .accept_unsigned_events()?,
    /// );
    ///
    /// // The `eft_notice_of_change` example of Adyen's `Webhooks-v1.json`.
    /// let body = r#"{"type": "eft.notificationOfChange", "version": "1",
    ///     "createdAt": "2021-01-01T01:00:00+01:00", "environment": "test",
    ///     "data": {"pspReference": "QFQTPCQ8HXSKGK82", "shopperReference": "YOUR_SHOPPER_REFERENCE",
    ///         "notificationOfChange": {"newBankAccountNumber": "1234567", "newBankLocationId": "00123004"}}}"#;
    /// let request = Request::post("/api/webhooks/adyen")
    ///     .header("Authorization", "Basic YWR5ZW46c2VjcmV0") // adyen:secret
    ///     .body(Body::from(body))?;
    /// assert_eq!(app.oneshot(request).await?.status(), StatusCode::OK);
    /// # Ok(())
    /// # }
    /// ```
    pub fn event(&self) -> AdyenEvent {
        AdyenEvent::from_value(self.json().clone())
    }
}
