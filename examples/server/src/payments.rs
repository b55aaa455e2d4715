//! The business logic: what the shop makes of each notification. This is the module to adapt.
//!
//! # Trust boundary
//!
//! Adyen signs eight values of each notification (see `ADYEN.md`): `pspReference`,
//! `originalReference`, `merchantAccountCode`, `merchantReference`, the amount's value and
//! currency, `eventCode` and `success`. Only those decide anything here: which payment a
//! notification is about, its state, the amounts, and every [`Action`].
//!
//! Everything else is unsigned: `reason`, `eventDate`, `additionalData`, `paymentMethod`,
//! `operations`. Anyone who can reach the endpoint with one valid signed notification can
//! change them, so they are only displayed or passed on:
//!
//! - `reason` is shown as the refusal reason and next to problems and disputes, and on
//!   `REPORT_AVAILABLE` it is the report's URL, downloaded only from an Adyen host over HTTPS
//!   (see [`item_actions`]);
//! - `eventDate` orders nothing: `AUTHORISATION_ADJUSTMENT`s are ordered by arrival in the store;
//! - `additionalData` (`modification.action` included), `paymentMethod` and `operations` are
//!   not read at all.
//!
//! Values from notifications are written with `{:?}` quoting wherever they are displayed, so
//! that none of them can put a line break or a terminal escape into a log.
//!
//! # Order of arrival
//!
//! Adyen delivers at least once and in no particular order: the same notification can come twice,
//! and a `CAPTURE` can arrive before its `AUTHORISATION`. So the state of a payment is never
//! patched one notification at a time. It is computed by [`fold`] from the *set* of notifications
//! stored about that payment, which makes it:
//!
//! - **idempotent**: processing a notification again recomputes the same state;
//! - **order-independent**: the same notifications give the same state whatever order they came
//!   in (one exception: which `AUTHORISATION_ADJUSTMENT` is the latest, see [`fold`]).
//!
//! [`actions`] then lists everything that state implies should be done (confirm the order,
//! record a refund, alert the disputes team...), each with a stable [`Action::key`]; the worker
//! performs those whose key it has not performed yet, through an [`Effects`] implementation. An
//! action once implied stays implied by every later state of the payment, so each is performed
//! exactly once whatever the order of arrival: see [`actions`] for why.

use std::cmp::Ordering;
use std::collections::{BTreeMap, BTreeSet};
use std::fmt::{self, Write as _};
use std::future::Future;

use serde::{Deserialize, Serialize};
use tower_adyen_webhook::{Amount, EventCode, NotificationRequestItem};
use url::{Host, Url};

/// Which payment a notification is about: the `pspReference` of the original payment.
///
/// Modifications (captures, refunds, cancellations, chargebacks...) point at it through
/// `originalReference`; the payment's own notifications (`AUTHORISATION`...) carry it as their
/// `pspReference`. Notifications about no payment (`REPORT_AVAILABLE`, `RECURRING_CONTRACT`...)
/// give `None`.
pub fn payment_key(item: &NotificationRequestItem) -> Option<&str> {
    if !item.original_reference.is_empty() {
        return Some(&item.original_reference);
    }
    match item.event_code {
        EventCode::Authorisation
        | EventCode::AuthorisationAdjustment
        | EventCode::Pending
        | EventCode::OfferClosed
        | EventCode::Expire
        | EventCode::ManualReviewAccept
        | EventCode::ManualReviewReject
        | EventCode::Cancellation
        | EventCode::TechnicalCancel
        | EventCode::Capture
        | EventCode::Refund
        | EventCode::CancelOrRefund
        | EventCode::Chargeback
        | EventCode::NotificationOfChargeback => Some(&item.psp_reference),
        _ => None,
    }
}

/// Where a payment stands, derived from everything Adyen said about it.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PaymentStatus {
    /// Known only from notifications that do not settle it (`PENDING`, or a modification whose
    /// payment has not been heard of yet).
    #[default]
    Pending,
    /// Authorised, not captured yet (or captured automatically: Adyen sends no `CAPTURE` then).
    Authorised,
    /// The authorisation was refused.
    Refused,
    /// The authorisation expired, or the offer closed, and nothing was captured.
    Expired,
    /// Captured: the money is on its way.
    Captured,
    /// Cancelled, and nothing was captured.
    Cancelled,
    /// `CANCEL_OR_REFUND` went through, and no capture is known: the signed data does not tell
    /// whether Adyen cancelled the authorisation or refunded an automatic capture. The merchant
    /// checks in the Customer Area ([`Action::CheckCancelOrRefund`]).
    CancelledOrRefunded,
    /// Part of the amount went back to the shopper.
    PartiallyRefunded,
    /// All of it went back to the shopper.
    Refunded,
    /// A chargeback was announced and has not been decided yet.
    Disputed,
    /// The shopper's bank took the money back.
    ChargedBack,
}

impl PaymentStatus {
    /// The name used in the JSON API and the database.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Authorised => "authorised",
            Self::Refused => "refused",
            Self::Expired => "expired",
            Self::Captured => "captured",
            Self::Cancelled => "cancelled",
            Self::CancelledOrRefunded => "cancelled_or_refunded",
            Self::PartiallyRefunded => "partially_refunded",
            Self::Refunded => "refunded",
            Self::Disputed => "disputed",
            Self::ChargedBack => "charged_back",
        }
    }
}

impl fmt::Display for PaymentStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A payment as this shop sees it. Amounts are in minor units of `currency`.
///
/// Totals are `i128`: they add up signed `i64` values, and no number of notifications can make
/// them overflow. A field missing from a stored state (one saved by an older version) takes its
/// default.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Payment {
    /// Adyen's reference of the payment.
    pub psp_reference: String,
    /// The shop's reference (the order number): that of the `AUTHORISATION` once it is known.
    pub merchant_reference: String,
    /// The merchant account.
    pub merchant_account_code: String,
    /// Where it stands.
    pub status: PaymentStatus,
    /// The currency of the amounts below: that of the `AUTHORISATION` once it is known. Amounts
    /// in another currency are not counted (a line in `problems` says so).
    pub currency: String,
    /// The amount authorised, once the authorisation is known, or as the latest
    /// `AUTHORISATION_ADJUSTMENT` set it.
    pub authorised: Option<i64>,
    /// Why the authorisation was refused (Adyen's `reason`: unsigned, for display only).
    pub refusal_reason: Option<String>,
    /// Captured, less captures that failed afterwards.
    pub captured: i128,
    /// Refunded, less refunds that failed or were reversed. Counts `CANCEL_OR_REFUND` once a
    /// capture is known.
    pub refunded: i128,
    /// Charged back, less chargebacks reversed.
    pub charged_back: i128,
    /// Cancelled or expired (`CANCELLATION`, `TECHNICAL_CANCEL`, `EXPIRE`): when this covers the
    /// whole authorised amount and nothing was captured, the order's stock is released.
    pub cancelled: i128,
    /// What needs a person, one line each: modifications that did not go through, and
    /// notifications whose amounts were not counted.
    pub problems: Vec<String>,
    /// Every notification taken into account, once each, in a canonical order (the payment's
    /// own first, then its modifications). [`actions`] is derived from these.
    pub events: Vec<Event>,
}

/// One notification about a payment, as [`fold`] took it into account.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Event {
    /// What happened.
    pub event_code: EventCode,
    /// The notification's own `pspReference`: the payment's, or a modification's.
    pub psp_reference: String,
    /// Whether it succeeded.
    pub success: bool,
    /// The `merchantReference` it carries.
    pub merchant_reference: String,
    /// The amount it carries.
    pub amount: Option<Amount>,
    /// Adyen's `reason`: unsigned, for display only.
    pub reason: String,
}

impl Event {
    fn is(&self, code: &EventCode, success: bool) -> bool {
        self.event_code == *code && self.success == success
    }
}

/// The state of payment `psp_reference` given every notification stored about it.
///
/// `items` come in the store's arrival order (oldest first, duplicates possible).
///
/// The result depends on the *set* of notifications: they are put in a canonical order first,
/// and those with the same deduplication key (`pspReference`, `eventCode`, `success`) count once.
/// The one exception is `AUTHORISATION_ADJUSTMENT`: each one sets the authorised amount, so the
/// one that arrived last wins. Its `eventDate` would say which is the latest, but it is not
/// signed; the order of arrival in the store is the best signed-only evidence there is.
pub fn fold<'a>(
    psp_reference: &str,
    items: impl IntoIterator<Item = &'a NotificationRequestItem>,
) -> Payment {
    let mut sorted: Vec<(usize, &NotificationRequestItem)> =
        items.into_iter().enumerate().collect();
    // Stable, so that items that tie on every field read here keep their order: which of them
    // is kept then makes no difference.
    sorted.sort_by(|(_, a), (_, b)| canonical(a, b));

    let mut payment = Payment {
        psp_reference: psp_reference.to_owned(),
        ..Payment::default()
    };
    // One item per deduplication key, with the arrival of its first copy (as the store keeps
    // it). Items with the same key sort next to each other.
    let mut kept: Vec<(usize, &NotificationRequestItem)> = Vec::with_capacity(sorted.len());
    for (arrival, item) in sorted {
        match kept.last_mut() {
            Some((first_arrival, first)) if dedupe_key(first) == dedupe_key(item) => {
                *first_arrival = (*first_arrival).min(arrival);
                if signed(first) != signed(item) {
                    payment.problems.push(format!(
                        "{} {} {}: copies with different signed fields; the first in canonical \
                         order is kept",
                        item.event_code, item.psp_reference, item.success
                    ));
                }
            }
            _ => kept.push((arrival, item)),
        }
    }

    // The payment's identity: from its authorisation when known, as every notification about a
    // payment carries the payment's own references.
    let preferred: Vec<&NotificationRequestItem> = representative(&kept, psp_reference)
        .into_iter()
        .chain(kept.iter().map(|(_, item)| *item))
        .collect();
    let first_of = |field: fn(&NotificationRequestItem) -> &str| {
        preferred
            .iter()
            .map(|item| field(item))
            .find(|value| !value.is_empty())
            .unwrap_or_default()
            .to_owned()
    };
    payment.merchant_reference = first_of(|item| &item.merchant_reference);
    payment.merchant_account_code = first_of(|item| &item.merchant_account_code);
    payment.currency = first_of(|item| item.amount.as_ref().map_or("", |a| &a.currency));

    // Modifications are kept by their own pspReference, so that a failure or reversal cancels
    // exactly the modification it names, whichever of the two arrived first.
    let mut captures = BTreeMap::new();
    let mut refunds = BTreeMap::new();
    let mut chargebacks = BTreeMap::new();
    let mut cancellations = BTreeMap::new();
    let mut failed = BTreeSet::new();
    let mut latest_adjustment: Option<(usize, i64)> = None;
    let mut authorisation: Option<i64> = None;
    let (mut authorised, mut refused, mut cancelled, mut expired, mut disputed) =
        (false, false, false, false, false);
    let capture_known = kept
        .iter()
        .any(|(_, item)| item.event_code == EventCode::Capture && item.success);
    let mut cancel_or_refund_unresolved = false;

    for &(arrival, item) in &kept {
        let event = Event {
            event_code: item.event_code.clone(),
            psp_reference: item.psp_reference.to_string(),
            success: item.success,
            merchant_reference: item.merchant_reference.to_string(),
            amount: item.amount.clone(),
            reason: item.reason.to_string(),
        };
        if let Some(what) = event_problem(&event) {
            payment.problems.push(problem(item, what));
        }
        // The value to count, if it may be counted: a negative amount is a problem already
        // listed, and one in another currency is not added to this payment's totals.
        let value = match &item.amount {
            _ if !(item.success && counts_money(&item.event_code)) => None,
            None => Some(0),
            Some(amount) if amount.value < 0 => None,
            Some(amount) if amount.currency != payment.currency => {
                payment.problems.push(format!(
                    "{} {}: amount in {:?}, the payment is in {:?}: not counted",
                    item.event_code, item.psp_reference, amount.currency, payment.currency
                ));
                None
            }
            Some(amount) => Some(amount.value),
        };
        let modification = item.psp_reference.as_str();

        match (&item.event_code, item.success) {
            (EventCode::Authorisation, true) => {
                authorised = true;
                if authorisation.is_none() {
                    authorisation = value;
                }
            }
            (EventCode::Authorisation, false) => {
                refused = true;
                if payment.refusal_reason.is_none() {
                    payment.refusal_reason = Some(item.reason.to_string());
                }
            }
            // Arrivals are distinct (each kept item has its own first arrival): the latest one
            // wins.
            (EventCode::AuthorisationAdjustment, true) => {
                latest_adjustment = latest_adjustment.max(value.map(|value| (arrival, value)));
            }
            (EventCode::Capture, true) => {
                captures.insert(modification, value.unwrap_or(0));
            }
            (EventCode::CaptureFailed, _) => {
                failed.insert(modification);
            }
            (EventCode::Refund, true) => {
                refunds.insert(modification, value.unwrap_or(0));
            }
            (EventCode::RefundFailed | EventCode::RefundedReversed, _) => {
                failed.insert(modification);
            }
            (EventCode::Cancellation | EventCode::TechnicalCancel, true) => {
                cancelled = true;
                cancellations.insert(modification, value.unwrap_or(0));
            }
            (EventCode::Expire, true) => {
                expired = true;
                cancellations.insert(modification, value.unwrap_or(0));
            }
            (EventCode::OfferClosed, true) => expired = true,
            (EventCode::CancelOrRefund, true) => {
                // Signed data alone: once a capture is known there was money to refund, so
                // that is what happened; without one it cannot be told (an automatic capture
                // sends no CAPTURE).
                if capture_known {
                    refunds.insert(modification, value.unwrap_or(0));
                } else {
                    cancel_or_refund_unresolved = true;
                }
            }
            (EventCode::Chargeback | EventCode::SecondChargeback, true) => {
                chargebacks.insert(modification, value.unwrap_or(0));
            }
            (EventCode::ChargebackReversed, true) => {
                failed.insert(modification);
            }
            (
                EventCode::NotificationOfChargeback
                | EventCode::RequestForInformation
                | EventCode::PrearbitrationOpen,
                _,
            ) => disputed = true,
            // Every other code is recorded in `events` and changes nothing here. Add cases for
            // the codes your business cares about.
            _ => {}
        }
        payment.events.push(event);
    }

    let total = |amounts: &BTreeMap<&str, i64>| -> i128 {
        amounts
            .iter()
            .filter(|(reference, _)| !failed.contains(*reference))
            .fold(0i128, |sum, (_, value)| {
                sum.saturating_add(i128::from(*value))
            })
    };
    payment.captured = total(&captures);
    payment.refunded = total(&refunds);
    payment.charged_back = total(&chargebacks);
    payment.cancelled = total(&cancellations);
    payment.authorised = latest_adjustment.map(|(_, value)| value).or(authorisation);

    // The furthest stage reached wins, which is what makes the order of arrival irrelevant.
    // Money captured or refunded outranks a cancellation or expiry, which after a partial
    // capture only concerns the remainder.
    // What can be refunded: what was captured, or what still may be (the authorisation less
    // what of it was cancelled or expired).
    let refundable = payment.captured.max(
        payment
            .authorised
            .map_or(0, i128::from)
            .saturating_sub(payment.cancelled),
    );
    payment.status = if payment.charged_back > 0 {
        PaymentStatus::ChargedBack
    } else if disputed {
        PaymentStatus::Disputed
    } else if refundable > 0 && payment.refunded >= refundable {
        // Fully refunded only against a known amount: a refund that arrives before its capture
        // and authorisation leaves the payment partially refunded until they come.
        PaymentStatus::Refunded
    } else if payment.refunded > 0 {
        PaymentStatus::PartiallyRefunded
    } else if cancel_or_refund_unresolved {
        PaymentStatus::CancelledOrRefunded
    } else if payment.captured > 0 {
        PaymentStatus::Captured
    } else if cancelled {
        PaymentStatus::Cancelled
    } else if expired {
        PaymentStatus::Expired
    } else if authorised {
        PaymentStatus::Authorised
    } else if refused {
        PaymentStatus::Refused
    } else {
        PaymentStatus::Pending
    };
    payment
}

/// The status of an order given its payments, oldest first: that of its latest payment that
/// was not refused (a shopper may try several times), else of its latest payment.
pub fn order_status(payments: &[Payment]) -> Option<PaymentStatus> {
    payments
        .iter()
        .rev()
        .find(|payment| payment.status != PaymentStatus::Refused)
        .or(payments.last())
        .map(|payment| payment.status)
}

/// The order in which [`fold`] reads notifications: the payment first, then what happened to
/// it, then every field, so that the order depends on nothing but the notifications themselves.
fn canonical(a: &NotificationRequestItem, b: &NotificationRequestItem) -> Ordering {
    // Only to choose among copies that differ in nothing signed: which one is kept.
    fn unsigned(item: &NotificationRequestItem) -> (&str, &str, &str) {
        (&item.reason, &item.event_date, &item.payment_method)
    }
    (stage(&a.event_code), dedupe_key(a), signed(a))
        .cmp(&(stage(&b.event_code), dedupe_key(b), signed(b)))
        .then_with(|| unsigned(a).cmp(&unsigned(b)))
}

fn stage(code: &EventCode) -> u8 {
    match code {
        EventCode::Pending => 0,
        EventCode::Authorisation => 1,
        EventCode::AuthorisationAdjustment => 2,
        EventCode::Capture | EventCode::CaptureFailed => 3,
        EventCode::Refund | EventCode::RefundFailed | EventCode::RefundedReversed => 4,
        _ => 5,
    }
}

/// Adyen's deduplication key.
fn dedupe_key(item: &NotificationRequestItem) -> (&str, &str, bool) {
    (&item.psp_reference, item.event_code.as_str(), item.success)
}

/// The signed fields that the deduplication key leaves out.
type Signed<'a> = (&'a str, &'a str, &'a str, Option<(i64, &'a str)>);

fn signed(item: &NotificationRequestItem) -> Signed<'_> {
    (
        &item.original_reference,
        &item.merchant_account_code,
        &item.merchant_reference,
        item.amount
            .as_ref()
            .map(|amount| (amount.value, amount.currency.as_str())),
    )
}

/// The notification whose references are the payment's: its authorisation (a successful one
/// first), else one of its own, else the first.
fn representative<'a>(
    kept: &[(usize, &'a NotificationRequestItem)],
    psp_reference: &str,
) -> Option<&'a NotificationRequestItem> {
    let find = |wanted: &dyn Fn(&NotificationRequestItem) -> bool| {
        kept.iter().map(|(_, item)| *item).find(|item| wanted(item))
    };
    find(&|item| item.event_code == EventCode::Authorisation && item.success)
        .or_else(|| find(&|item| item.event_code == EventCode::Authorisation))
        .or_else(|| find(&|item| item.psp_reference == psp_reference))
        .or_else(|| kept.first().map(|(_, item)| *item))
}

/// What is wrong with a notification on its own, if anything: each gives a line in
/// [`Payment::problems`] and an [`Action::AlertOperations`].
fn event_problem(event: &Event) -> Option<&'static str> {
    match (&event.event_code, event.success) {
        (EventCode::CaptureFailed, _) => Some("capture failed"),
        (EventCode::RefundFailed, _) => Some("refund failed"),
        (EventCode::RefundedReversed, _) => Some("refund reversed"),
        (EventCode::ManualReviewReject, _) => Some("manual review rejected"),
        (
            EventCode::Capture
            | EventCode::Refund
            | EventCode::Cancellation
            | EventCode::CancelOrRefund
            | EventCode::TechnicalCancel
            | EventCode::AuthorisationAdjustment,
            false,
        ) => Some("modification refused"),
        (code, true)
            if counts_money(code)
                && event.amount.as_ref().is_some_and(|amount| amount.value < 0) =>
        {
            Some("negative amount: not counted")
        }
        _ => None,
    }
}

/// Whether a successful notification with this code adds to (or sets) one of the payment's
/// amounts.
fn counts_money(code: &EventCode) -> bool {
    matches!(
        code,
        EventCode::Authorisation
            | EventCode::AuthorisationAdjustment
            | EventCode::Capture
            | EventCode::Refund
            | EventCode::CancelOrRefund
            | EventCode::Cancellation
            | EventCode::TechnicalCancel
            | EventCode::Expire
            | EventCode::Chargeback
            | EventCode::SecondChargeback
    )
}

fn problem(item: &NotificationRequestItem, what: &str) -> String {
    let reason = if item.reason.is_empty() {
        String::new()
    } else {
        format!(": {}", item.reason)
    };
    format!("{} {} {what}{reason}", item.event_code, item.psp_reference)
}

/// Something the shop does because of what Adyen said. Each has a [`key`](Action::key).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "action", rename_all = "snake_case")]
pub enum Action {
    /// The payment went through: confirm the order and ship it.
    ///
    /// Key: `confirm-order:{psp_reference}`.
    ConfirmOrder {
        /// The order.
        merchant_reference: String,
        /// The authorised payment.
        psp_reference: String,
    },
    /// The payment was refused: tell the shopper and offer another payment method.
    ///
    /// Key: `report-refusal:{psp_reference}`.
    ReportRefusal {
        /// The order.
        merchant_reference: String,
        /// The refused payment.
        psp_reference: String,
        /// Adyen's refusal reason (unsigned, for display only).
        reason: String,
    },
    /// The whole authorisation was cancelled or expired, and nothing was captured (or the offer
    /// closed): release the order's stock.
    ///
    /// Key: `release-order:{psp_reference}`.
    ReleaseOrder {
        /// The order.
        merchant_reference: String,
        /// The payment.
        psp_reference: String,
    },
    /// Money went back to the shopper: record it in the books.
    ///
    /// Key: `record-refund:{psp_reference}:{refund}`.
    RecordRefund {
        /// The order.
        merchant_reference: String,
        /// The payment.
        psp_reference: String,
        /// The refund's pspReference (a `REFUND`, or a `CANCEL_OR_REFUND` of captured money).
        refund: String,
        /// How much.
        amount: Option<Amount>,
    },
    /// Adyen cancelled or refunded the payment (`CANCEL_OR_REFUND`): the signed data says only
    /// that it is no longer owed to the shop, not which of the two happened. Someone checks in
    /// the Customer Area. When a capture is known, a [`RecordRefund`](Action::RecordRefund) of
    /// the same modification says what it was.
    ///
    /// Key: `check-cancel-or-refund:{psp_reference}:{modification}`.
    CheckCancelOrRefund {
        /// The order.
        merchant_reference: String,
        /// The payment.
        psp_reference: String,
        /// The `CANCEL_OR_REFUND`'s pspReference.
        modification: String,
        /// How much.
        amount: Option<Amount>,
    },
    /// A dispute: the team that defends chargebacks must answer before Adyen's deadline.
    ///
    /// Key: `alert-disputes:{psp_reference}:{dispute}:{event_code}`.
    AlertDisputes {
        /// The order.
        merchant_reference: String,
        /// The payment.
        psp_reference: String,
        /// The dispute's pspReference.
        dispute: String,
        /// What happened to the dispute (`NOTIFICATION_OF_CHARGEBACK`, `CHARGEBACK`...).
        event_code: EventCode,
        /// Adyen's reason (unsigned, for display only).
        reason: String,
    },
    /// Something did not go through, or could not be trusted: a person has to look at it.
    ///
    /// Key: `alert-operations:{psp_reference}:{event_code}:{notification}:{success}`.
    AlertOperations {
        /// The order.
        merchant_reference: String,
        /// The payment, or the notification's own pspReference when it is about no payment.
        psp_reference: String,
        /// The notification's event code.
        event_code: EventCode,
        /// The notification's pspReference.
        notification: String,
        /// The notification's `success`.
        success: bool,
        /// What is wrong.
        problem: String,
        /// Adyen's reason (unsigned, for display only).
        reason: String,
    },
    /// A report is ready to download from an Adyen host.
    ///
    /// Key: `download-report:{name}`.
    DownloadReport {
        /// The report's name (its pspReference).
        name: String,
        /// Where to get it, with the report user's credentials: an `https://` URL on an Adyen
        /// host (see [`item_actions`]).
        url: String,
    },
}

impl Action {
    /// The action's idempotency key: stable (the same action always has the same key, whatever
    /// state implied it) and unique (no two actions share one). The worker performs each key
    /// once, and passes it on to the systems called.
    ///
    /// The action's name, then the references that identify it (see each variant), joined with
    /// `:`. Within a reference, any byte other than an ASCII letter, digit, `-`, `_` or `.` is
    /// percent-encoded, so that a `:` in a reference cannot make two keys collide.
    pub fn key(&self) -> String {
        match self {
            Self::ConfirmOrder { psp_reference, .. } => key("confirm-order", &[psp_reference]),
            Self::ReportRefusal { psp_reference, .. } => key("report-refusal", &[psp_reference]),
            Self::ReleaseOrder { psp_reference, .. } => key("release-order", &[psp_reference]),
            Self::RecordRefund {
                psp_reference,
                refund,
                ..
            } => key("record-refund", &[psp_reference, refund]),
            Self::CheckCancelOrRefund {
                psp_reference,
                modification,
                ..
            } => key("check-cancel-or-refund", &[psp_reference, modification]),
            Self::AlertDisputes {
                psp_reference,
                dispute,
                event_code,
                ..
            } => key(
                "alert-disputes",
                &[psp_reference, dispute, event_code.as_str()],
            ),
            Self::AlertOperations {
                psp_reference,
                event_code,
                notification,
                success,
                ..
            } => key(
                "alert-operations",
                &[
                    psp_reference,
                    event_code.as_str(),
                    notification,
                    if *success { "true" } else { "false" },
                ],
            ),
            Self::DownloadReport { name, .. } => key("download-report", &[name]),
        }
    }
}

fn key(name: &str, parts: &[&str]) -> String {
    let mut key = name.to_owned();
    for part in parts {
        key.push(':');
        for byte in part.bytes() {
            if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'_' | b'.') {
                key.push(char::from(byte));
            } else {
                let _ = write!(key, "%{byte:02X}");
            }
        }
    }
    key
}

/// An amount for display: the value (a number), and the currency quoted.
struct Shown<'a>(&'a Option<Amount>);

impl fmt::Display for Shown<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            Some(amount) => write!(f, "{} {:?} in minor units", amount.value, amount.currency),
            None => f.write_str("no amount"),
        }
    }
}

/// Every string is written with `{:?}`: quoted, with line breaks and control characters escaped,
/// since most of them come from notifications.
impl fmt::Display for Action {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::ConfirmOrder {
                merchant_reference,
                psp_reference,
            } => write!(
                f,
                "confirm order {merchant_reference:?} (payment {psp_reference:?} authorised)"
            ),
            Self::ReportRefusal {
                merchant_reference,
                psp_reference,
                reason,
            } => write!(
                f,
                "tell the shopper of order {merchant_reference:?}: payment {psp_reference:?} \
                 refused ({reason:?})"
            ),
            Self::ReleaseOrder {
                merchant_reference,
                psp_reference,
            } => write!(
                f,
                "release the stock of order {merchant_reference:?} (payment {psp_reference:?} \
                 will not be paid)"
            ),
            Self::RecordRefund {
                merchant_reference,
                psp_reference,
                refund,
                amount,
            } => write!(
                f,
                "record a refund of {} on order {merchant_reference:?} (refund {refund:?} of \
                 payment {psp_reference:?})",
                Shown(amount)
            ),
            Self::CheckCancelOrRefund {
                merchant_reference,
                psp_reference,
                modification,
                amount,
            } => write!(
                f,
                "check order {merchant_reference:?} in the Customer Area: payment \
                 {psp_reference:?} was cancelled or refunded ({modification:?}, {})",
                Shown(amount)
            ),
            Self::AlertDisputes {
                merchant_reference,
                psp_reference,
                dispute,
                event_code,
                reason,
            } => write!(
                f,
                "alert the disputes team: order {merchant_reference:?}, payment \
                 {psp_reference:?}, {:?} {dispute:?} ({reason:?})",
                event_code.as_str()
            ),
            Self::AlertOperations {
                merchant_reference,
                psp_reference,
                event_code,
                notification,
                success,
                problem,
                reason,
            } => write!(
                f,
                "alert operations: order {merchant_reference:?}, payment {psp_reference:?}: {:?} \
                 {notification:?} (success {success}): {problem:?} ({reason:?})",
                event_code.as_str()
            ),
            Self::DownloadReport { name, url } => {
                write!(f, "download report {name:?} from {url:?}")
            }
        }
    }
}

/// Everything the payment's state implies should be done, in a deterministic order (the
/// payment's own notifications first, the release of its stock last). The worker calls this
/// after every notification of the payment and performs the actions whose key it has not
/// performed yet.
///
/// # Why each action is performed exactly once, whatever the order of arrival
///
/// The worker sees the payment grow one notification at a time, in any order. Each action is
/// performed once, when its key first appears; so the actions performed are those of every
/// state along the way. They are the same for every order of arrival, and equal to those of the
/// final state, because every rule here is **monotone**: an action implied by some notifications
/// is still implied, with the same content, once more (consistent) notifications are known.
///
/// - Most actions are implied by one notification alone and built from its fields alone:
///   `AUTHORISATION` success confirms the order, failure reports the refusal; each successful
///   `REFUND` records its refund; each dispute notification alerts the disputes team; each
///   failed or refused modification alerts operations. Nothing can take them back: a
///   `REFUND_FAILED` alerts operations, it does not undo the recorded refund. So a cancellation
///   that arrives before its authorisation still lets the authorisation confirm the order, and
///   the release follows it.
/// - `CANCEL_OR_REFUND` always asks for a check, since whether a capture will be heard of is
///   unknowable when it arrives; once a successful `CAPTURE` is known (and a later capture
///   failure does not unknow it), it also records a refund.
/// - The stock is released when the offer closed, or when the authorisation is known, nothing
///   is captured, and the amounts cancelled or expired cover the whole authorised amount. Amounts
///   only grow as notifications arrive, and an authorisation whose remainder expired after a
///   partial capture is never covered, so such a release is never implied and then contradicted
///   by a consistent later state.
///
/// Within one call no two actions share a key: should two notifications ever claim one, the
/// first in canonical order is kept.
pub fn actions(payment: &Payment) -> Vec<Action> {
    let mut actions = Vec::new();
    let capture_known = payment
        .events
        .iter()
        .any(|event| event.is(&EventCode::Capture, true));
    let own = |event: &Event| event.merchant_reference.clone();
    for event in &payment.events {
        let valid = event.amount.as_ref().is_none_or(|amount| amount.value >= 0);
        match (&event.event_code, event.success) {
            (EventCode::Authorisation, true) => actions.push(Action::ConfirmOrder {
                merchant_reference: own(event),
                psp_reference: event.psp_reference.clone(),
            }),
            (EventCode::Authorisation, false) => actions.push(Action::ReportRefusal {
                merchant_reference: own(event),
                psp_reference: event.psp_reference.clone(),
                reason: event.reason.clone(),
            }),
            (EventCode::Refund, true) if valid => actions.push(Action::RecordRefund {
                merchant_reference: own(event),
                psp_reference: payment.psp_reference.clone(),
                refund: event.psp_reference.clone(),
                amount: event.amount.clone(),
            }),
            (EventCode::CancelOrRefund, true) => {
                actions.push(Action::CheckCancelOrRefund {
                    merchant_reference: own(event),
                    psp_reference: payment.psp_reference.clone(),
                    modification: event.psp_reference.clone(),
                    amount: event.amount.clone(),
                });
                if capture_known && valid {
                    actions.push(Action::RecordRefund {
                        merchant_reference: own(event),
                        psp_reference: payment.psp_reference.clone(),
                        refund: event.psp_reference.clone(),
                        amount: event.amount.clone(),
                    });
                }
            }
            (
                EventCode::NotificationOfChargeback
                | EventCode::RequestForInformation
                | EventCode::PrearbitrationOpen
                | EventCode::Chargeback
                | EventCode::SecondChargeback
                | EventCode::ChargebackReversed,
                true,
            ) => actions.push(Action::AlertDisputes {
                merchant_reference: own(event),
                psp_reference: payment.psp_reference.clone(),
                dispute: event.psp_reference.clone(),
                event_code: event.event_code.clone(),
                reason: event.reason.clone(),
            }),
            _ => {}
        }
        if let Some(problem) = event_problem(event) {
            actions.push(Action::AlertOperations {
                merchant_reference: own(event),
                psp_reference: payment.psp_reference.clone(),
                event_code: event.event_code.clone(),
                notification: event.psp_reference.clone(),
                success: event.success,
                problem: problem.to_owned(),
                reason: event.reason.clone(),
            });
        }
    }
    if releases_stock(payment) {
        actions.push(Action::ReleaseOrder {
            merchant_reference: payment.merchant_reference.clone(),
            psp_reference: payment.psp_reference.clone(),
        });
    }
    let mut keys = BTreeSet::new();
    actions.retain(|action| keys.insert(action.key()));
    actions
}

/// Whether the order's stock can go: the offer closed (the shopper never paid), or the whole
/// authorisation was cancelled or expired and nothing was captured.
///
/// An `OFFER_CLOSED` is rarely followed by an `AUTHORISATION` (Adyen documents it); the order is
/// then confirmed after its release, and the order system must take it back.
fn releases_stock(payment: &Payment) -> bool {
    let any = |code: &EventCode| payment.events.iter().any(|event| event.is(code, true));
    let authorisation_known = any(&EventCode::Authorisation);
    let cancelled_or_expired = any(&EventCode::Cancellation)
        || any(&EventCode::TechnicalCancel)
        || any(&EventCode::Expire);
    any(&EventCode::OfferClosed)
        || (authorisation_known
            && cancelled_or_expired
            && payment.captured == 0
            && payment
                .authorised
                .is_some_and(|authorised| payment.cancelled >= i128::from(authorised)))
}

/// The hosts reports are downloaded from: Adyen's own domain and its subdomains
/// (`ca-test.adyen.com`, `ca-live.adyen.com`, regional live hosts...).
const REPORT_DOMAIN: &str = ".adyen.com";

/// Actions for a notification about no payment ([`payment_key`] is `None`): `REPORT_AVAILABLE`.
///
/// A report's URL comes in the unsigned `reason`, and is downloaded with the report user's
/// credentials; so it is downloaded only when it is an `https://` URL on the default port, with
/// no user name or password in it, whose host is a subdomain of `adyen.com` (compared after
/// parsing, so that `https://ca-test.adyen.com@evil.example/` or
/// `https://ca-test.adyen.com.evil.example/` are not). Otherwise operations are told that it was
/// not fetched.
pub fn item_actions(item: &NotificationRequestItem) -> Vec<Action> {
    match (&item.event_code, item.success) {
        (EventCode::ReportAvailable, true) => vec![match report_url(&item.reason) {
            Ok(url) => Action::DownloadReport {
                name: item.psp_reference.to_string(),
                url,
            },
            Err(why) => Action::AlertOperations {
                merchant_reference: item.merchant_reference.to_string(),
                psp_reference: item.psp_reference.to_string(),
                event_code: item.event_code.clone(),
                notification: item.psp_reference.to_string(),
                success: item.success,
                problem: format!("report URL not fetched: {why}"),
                reason: item.reason.to_string(),
            },
        }],
        _ => Vec::new(),
    }
}

/// The URL to download a report from, if `reason` is one on an Adyen host.
fn report_url(reason: &str) -> Result<String, &'static str> {
    // The parser would quietly drop these; a URL from Adyen has none.
    if reason.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err("it contains whitespace or control characters");
    }
    let url = Url::parse(reason).map_err(|_| "not a URL")?;
    if url.scheme() != "https" {
        return Err("not https");
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err("it carries a user name or password");
    }
    if url.port().is_some() {
        return Err("not on the default port");
    }
    match url.host() {
        Some(Host::Domain(host)) if host.ends_with(REPORT_DOMAIN) => Ok(url.into()),
        _ => Err("not an Adyen host"),
    }
}

/// The error an [`Effects`] implementation returns.
pub type EffectError = Box<dyn std::error::Error + Send + Sync>;

/// Carries out [`Action`]s: the shop's own systems (orders, email, books...).
///
/// Called at least once per action: after a crash, or when a later action fails, an action can
/// run again. `key` is the same on every run, so it makes the idempotency key for the systems
/// called.
pub trait Effects: Send + Sync + 'static {
    /// Carries out `action`. `key` is `action.key()`: the idempotency key for the systems called.
    fn perform(
        &self,
        key: &str,
        action: &Action,
    ) -> impl Future<Output = Result<(), EffectError>> + Send;
}

/// The effects of this reference server: it logs what a shop would do.
#[derive(Clone, Copy, Debug, Default)]
pub struct LogEffects;

impl Effects for LogEffects {
    async fn perform(&self, key: &str, action: &Action) -> Result<(), EffectError> {
        tracing::info!(key = ?key, "business logic: {action}");
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn item(psp: &str, code: &str, success: bool, value: i64) -> NotificationRequestItem {
        let mut item = NotificationRequestItem::new(psp, code);
        item.success = success;
        item.merchant_reference = "order-1".into();
        item.merchant_account_code = "ShopECOM".into();
        item.amount = Some(Amount::new(value, "EUR"));
        item
    }

    fn modification(psp: &str, code: &str, success: bool, value: i64) -> NotificationRequestItem {
        let mut item = item(psp, code, success, value);
        item.original_reference = "PAY".into();
        item
    }

    fn permutations<T: Clone>(items: &[T]) -> Vec<Vec<T>> {
        if items.len() <= 1 {
            return vec![items.to_vec()];
        }
        let mut all = Vec::new();
        for i in 0..items.len() {
            let mut rest = items.to_vec();
            let first = rest.remove(i);
            for mut tail in permutations(&rest) {
                tail.insert(0, first.clone());
                all.push(tail);
            }
        }
        all
    }

    /// The actions implied for the notifications `items`, as the worker would see them once
    /// they are all stored: every payment's, and those of notifications about no payment.
    fn implied(items: &[NotificationRequestItem]) -> Vec<Action> {
        let mut all = Vec::new();
        let keys: BTreeSet<&str> = items.iter().filter_map(payment_key).collect();
        for key in keys {
            let payment = fold(
                key,
                items.iter().filter(|item| payment_key(item) == Some(key)),
            );
            all.extend(actions(&payment));
        }
        for item in items.iter().filter(|item| payment_key(item).is_none()) {
            all.extend(item_actions(item));
        }
        all
    }

    /// The worker, notification by notification in the order `arrivals`: after each arrival, the
    /// actions of its payment's state so far, each performed the first time its key appears.
    fn performed(arrivals: &[NotificationRequestItem]) -> BTreeMap<String, Action> {
        let mut performed = BTreeMap::new();
        for (n, item) in arrivals.iter().enumerate() {
            let stored = &arrivals[..=n];
            let now = match payment_key(item) {
                Some(key) => actions(&fold(
                    key,
                    stored.iter().filter(|item| payment_key(item) == Some(key)),
                )),
                None => item_actions(item),
            };
            let keys: BTreeSet<String> = now.iter().map(Action::key).collect();
            assert_eq!(keys.len(), now.len(), "two actions share a key: {now:?}");
            for action in now {
                match performed.get(&action.key()) {
                    // Already performed: the same key must still name the same action.
                    Some(done) => assert_eq!(done, &action, "{arrivals:?}"),
                    None => {
                        performed.insert(action.key(), action);
                    }
                }
            }
        }
        performed
    }

    /// Rule 1, on every order of arrival of `items`: the same actions are performed, once each,
    /// and they are those of the final state. Returns their keys.
    fn exactly_once_whatever_the_order(items: &[NotificationRequestItem]) -> Vec<String> {
        let expected: BTreeMap<String, Action> = implied(items)
            .into_iter()
            .map(|action| (action.key(), action))
            .collect();
        assert_eq!(expected.len(), implied(items).len(), "keys are unique");
        for arrivals in permutations(items) {
            assert_eq!(performed(&arrivals), expected, "arrivals: {arrivals:?}");
        }
        expected.into_keys().collect()
    }

    #[test]
    fn every_action_is_performed_once_whatever_the_order_of_arrival() {
        let auth = || item("PAY", "AUTHORISATION", true, 1000);
        let capture = || modification("CAP", "CAPTURE", true, 1000);

        let keys = exactly_once_whatever_the_order(&[
            auth(),
            capture(),
            modification("REF", "REFUND", true, 400),
        ]);
        assert_eq!(keys, ["confirm-order:PAY", "record-refund:PAY:REF"]);

        let keys = exactly_once_whatever_the_order(&[
            auth(),
            modification("CXL", "CANCELLATION", true, 1000),
        ]);
        assert_eq!(keys, ["confirm-order:PAY", "release-order:PAY"]);

        let keys =
            exactly_once_whatever_the_order(&[auth(), modification("EXP", "EXPIRE", true, 1000)]);
        assert_eq!(keys, ["confirm-order:PAY", "release-order:PAY"]);

        // Refused, then a second payment of the same order goes through.
        let mut retry = item("PAY2", "AUTHORISATION", true, 1000);
        retry.reason = "058747:1111:03/2030".into();
        let mut retry_capture = modification("CAP2", "CAPTURE", true, 1000);
        retry_capture.original_reference = "PAY2".into();
        let keys = exactly_once_whatever_the_order(&[
            item("PAY", "AUTHORISATION", false, 1000),
            retry,
            retry_capture,
        ]);
        assert_eq!(keys, ["confirm-order:PAY2", "report-refusal:PAY"]);

        let keys = exactly_once_whatever_the_order(&[
            auth(),
            capture(),
            modification("CB", "NOTIFICATION_OF_CHARGEBACK", true, 1000),
            modification("CB", "CHARGEBACK", true, 1000),
            modification("CB", "CHARGEBACK_REVERSED", true, 1000),
        ]);
        assert_eq!(
            keys,
            [
                "alert-disputes:PAY:CB:CHARGEBACK",
                "alert-disputes:PAY:CB:CHARGEBACK_REVERSED",
                "alert-disputes:PAY:CB:NOTIFICATION_OF_CHARGEBACK",
                "confirm-order:PAY",
            ]
        );

        let keys = exactly_once_whatever_the_order(&[
            auth(),
            capture(),
            modification("CAP", "CAPTURE_FAILED", true, 1000),
        ]);
        assert_eq!(
            keys,
            [
                "alert-operations:PAY:CAPTURE_FAILED:CAP:true",
                "confirm-order:PAY"
            ]
        );

        let keys = exactly_once_whatever_the_order(&[
            auth(),
            capture(),
            modification("REF", "REFUND", true, 1000),
            modification("REF", "REFUND_FAILED", true, 1000),
        ]);
        assert_eq!(
            keys,
            [
                "alert-operations:PAY:REFUND_FAILED:REF:true",
                "confirm-order:PAY",
                "record-refund:PAY:REF"
            ]
        );

        let keys = exactly_once_whatever_the_order(&[
            auth(),
            capture(),
            modification("COR", "CANCEL_OR_REFUND", true, 1000),
        ]);
        assert_eq!(
            keys,
            [
                "check-cancel-or-refund:PAY:COR",
                "confirm-order:PAY",
                "record-refund:PAY:COR"
            ]
        );
        let keys = exactly_once_whatever_the_order(&[
            auth(),
            modification("COR", "CANCEL_OR_REFUND", true, 1000),
        ]);
        assert_eq!(
            keys,
            ["check-cancel-or-refund:PAY:COR", "confirm-order:PAY"]
        );

        // Redeliveries in the set.
        let keys = exactly_once_whatever_the_order(&[
            auth(),
            auth(),
            capture(),
            modification("REF", "REFUND", true, 400),
            modification("REF", "REFUND", true, 400),
            capture(),
        ]);
        assert_eq!(keys, ["confirm-order:PAY", "record-refund:PAY:REF"]);

        // A report, in the same stream as a payment.
        let mut report = NotificationRequestItem::new("report.csv", "REPORT_AVAILABLE");
        report.reason = "https://ca-test.adyen.com/reports/download/report.csv".into();
        let keys = exactly_once_whatever_the_order(&[auth(), report]);
        assert_eq!(keys, ["confirm-order:PAY", "download-report:report.csv"]);
    }

    #[test]
    fn the_remainder_of_a_partial_capture_never_releases_the_stock() {
        let auth = item("PAY", "AUTHORISATION", true, 1000);
        let capture = modification("CAP", "CAPTURE", true, 600);
        let expire = modification("EXP", "EXPIRE", true, 400);
        let cancel = modification("CXL", "CANCELLATION", true, 400);
        for items in [
            vec![auth.clone(), capture.clone(), expire.clone()],
            vec![auth.clone(), capture.clone(), cancel.clone()],
            vec![auth, capture, expire, cancel],
        ] {
            // Every order of arrival, every state on the way: no release.
            let keys = exactly_once_whatever_the_order(&items);
            assert_eq!(keys, ["confirm-order:PAY"], "{items:?}");
        }
    }

    #[test]
    fn modifications_belong_to_their_original_payment() {
        assert_eq!(
            payment_key(&item("PAY", "AUTHORISATION", true, 1)),
            Some("PAY")
        );
        assert_eq!(
            payment_key(&modification("CAP", "CAPTURE", true, 1)),
            Some("PAY")
        );
        assert_eq!(
            payment_key(&NotificationRequestItem::new(
                "report.csv",
                "REPORT_AVAILABLE"
            )),
            None
        );
    }

    #[test]
    fn a_payment_goes_through_its_life() {
        let auth = item("PAY", "AUTHORISATION", true, 1000);
        let capture = modification("CAP", "CAPTURE", true, 1000);
        let refund = modification("REF", "REFUND", true, 400);
        let refund2 = modification("REF2", "REFUND", true, 600);

        let states: Vec<_> = [
            vec![&auth],
            vec![&auth, &capture],
            vec![&auth, &capture, &refund],
            vec![&auth, &capture, &refund, &refund2],
        ]
        .into_iter()
        .map(|items| fold("PAY", items).status)
        .collect();
        assert_eq!(
            states,
            [
                PaymentStatus::Authorised,
                PaymentStatus::Captured,
                PaymentStatus::PartiallyRefunded,
                PaymentStatus::Refunded
            ]
        );
        let payment = fold("PAY", [&auth, &capture, &refund]);
        assert_eq!(payment.merchant_reference, "order-1");
        assert_eq!(
            (payment.authorised, payment.captured, payment.refunded),
            (Some(1000), 1000, 400)
        );
    }

    #[test]
    fn out_of_order_arrival_gives_the_same_state() {
        let sequences = [
            vec![
                item("PAY", "AUTHORISATION", true, 1000),
                modification("CAP", "CAPTURE", true, 1000),
                modification("REF", "REFUND", true, 250),
                modification("REF", "REFUND_FAILED", false, 250),
                modification("REF2", "REFUND", true, 100),
            ],
            vec![
                item("PAY", "AUTHORISATION", true, 1000),
                modification("CAP", "CAPTURE", true, 600),
                modification("EXP", "EXPIRE", true, 400),
                modification("COR", "CANCEL_OR_REFUND", true, 600),
                modification("CB", "NOTIFICATION_OF_CHARGEBACK", true, 600),
                modification("CB", "CHARGEBACK", true, 600),
            ],
            vec![
                item("PAY", "AUTHORISATION", false, 1000),
                item("PAY", "AUTHORISATION", true, 1000),
                modification("ADJ", "AUTHORISATION_ADJUSTMENT", true, 1200),
                modification("CXL", "CANCELLATION", true, 1200),
                modification("CAP", "CAPTURE", false, 1200),
                modification("CAP", "CAPTURE", false, 1200),
            ],
        ];
        for sequence in sequences {
            let expected = fold("PAY", &sequence);
            for order in permutations(&sequence) {
                assert_eq!(fold("PAY", &order), expected);
            }
        }
        let expected = fold(
            "PAY",
            &[
                item("PAY", "AUTHORISATION", true, 1000),
                modification("CAP", "CAPTURE", true, 1000),
                modification("REF", "REFUND", true, 250),
                modification("REF", "REFUND_FAILED", false, 250),
                modification("REF2", "REFUND", true, 100),
            ],
        );
        assert_eq!(expected.status, PaymentStatus::PartiallyRefunded);
        assert_eq!(expected.refunded, 100);
    }

    #[test]
    fn the_last_adjustment_to_arrive_wins_whatever_its_event_date() {
        let auth = item("PAY", "AUTHORISATION", true, 1000);
        let mut raise = modification("ADJ1", "AUTHORISATION_ADJUSTMENT", true, 1500);
        let mut lower = modification("ADJ2", "AUTHORISATION_ADJUSTMENT", true, 1200);
        let capture = modification("CAP", "CAPTURE", true, 500);
        for (early, late) in [
            ("2026-01-01T10:00:00+01:00", "2026-01-01T11:00:00+01:00"),
            ("2026-01-01T11:00:00+01:00", "2026-01-01T10:00:00+01:00"),
        ] {
            raise.event_date = early.into();
            lower.event_date = late.into();
            // Whatever the other notifications do around them.
            for mut order in permutations(&[auth.clone(), capture.clone()]) {
                order.extend([raise.clone(), lower.clone()]);
                assert_eq!(fold("PAY", &order).authorised, Some(1200));
                order.retain(|item| item.event_code != EventCode::AuthorisationAdjustment);
                order.insert(1, lower.clone());
                order.insert(0, raise.clone());
                assert_eq!(fold("PAY", &order).authorised, Some(1200));
                let swapped: Vec<_> = order
                    .iter()
                    .map(|item| match item.psp_reference.as_str() {
                        "ADJ1" => lower.clone(),
                        "ADJ2" => raise.clone(),
                        _ => item.clone(),
                    })
                    .collect();
                assert_eq!(fold("PAY", &swapped).authorised, Some(1500));
            }
        }
        // A redelivery of the first one counts from its first arrival.
        assert_eq!(
            fold("PAY", [&auth, &raise, &lower, &raise]).authorised,
            Some(1200)
        );
    }

    #[test]
    fn captured_money_outranks_a_cancellation_or_expiry_of_the_remainder() {
        let auth = item("PAY", "AUTHORISATION", true, 1000);
        let capture = modification("CAP", "CAPTURE", true, 600);
        for code in ["EXPIRE", "CANCELLATION"] {
            let remainder = modification("REST", code, true, 400);
            for order in permutations(&[auth.clone(), capture.clone(), remainder]) {
                let payment = fold("PAY", &order);
                assert_eq!(payment.status, PaymentStatus::Captured, "{code}");
                assert_eq!((payment.captured, payment.cancelled), (600, 400));
                assert!(!actions(&payment)
                    .iter()
                    .any(|action| matches!(action, Action::ReleaseOrder { .. })));
            }
        }
        // Refunded money too.
        let refund = modification("REF", "REFUND", true, 600);
        let cancel = modification("CXL", "CANCELLATION", true, 400);
        assert_eq!(
            fold("PAY", [&auth, &capture, &refund, &cancel]).status,
            PaymentStatus::Refunded
        );
        // Without the authorisation, a cancellation releases nothing: how much it covers is
        // unknown.
        let full = modification("CXL", "CANCELLATION", true, 1000);
        assert_eq!(actions(&fold("PAY", [&full])), []);
    }

    #[test]
    fn cancel_or_refund_is_resolved_from_signed_data_only() {
        let auth = item("PAY", "AUTHORISATION", true, 1000);
        let capture = modification("CAP", "CAPTURE", true, 1000);
        let cor = modification("COR", "CANCEL_OR_REFUND", true, 1000);

        let unresolved = fold("PAY", [&auth, &cor]);
        assert_eq!(unresolved.status, PaymentStatus::CancelledOrRefunded);
        assert_eq!(unresolved.refunded, 0);
        assert!(matches!(
            &actions(&unresolved)[..],
            [Action::ConfirmOrder { .. }, Action::CheckCancelOrRefund { modification, .. }]
                if modification == "COR"
        ));

        let refund = fold("PAY", [&auth, &capture, &cor]);
        assert_eq!(refund.status, PaymentStatus::Refunded);
        assert_eq!(refund.refunded, 1000);
        assert!(actions(&refund).contains(&Action::RecordRefund {
            merchant_reference: "order-1".into(),
            psp_reference: "PAY".into(),
            refund: "COR".into(),
            amount: Some(Amount::new(1000, "EUR")),
        }));

        // What additionalData claims changes nothing.
        for items in [vec![&auth, &cor], vec![&auth, &capture, &cor]] {
            let payment = fold("PAY", items.iter().copied());
            for claim in ["refund", "cancel", "anything"] {
                let mut claimed = cor.clone();
                claimed.additional_data.insert("modification.action", claim);
                let mut items = items.clone();
                items.pop();
                items.push(&claimed);
                let flipped = fold("PAY", items);
                assert_eq!(flipped, payment, "{claim}");
                assert_eq!(actions(&flipped), actions(&payment), "{claim}");
            }
        }
    }

    #[test]
    fn amounts_never_overflow() {
        let auth = item("PAY", "AUTHORISATION", true, 1000);
        for value in [1 << 62, i64::MAX] {
            let first = modification("CAP1", "CAPTURE", true, value);
            let second = modification("CAP2", "CAPTURE", true, value);
            let refund1 = modification("REF1", "REFUND", true, value);
            let refund2 = modification("REF2", "REFUND", true, value);
            let payment = fold("PAY", [&auth, &first, &second, &refund1, &refund2]);
            assert_eq!(payment.captured, 2 * i128::from(value));
            assert_eq!(payment.refunded, 2 * i128::from(value));
            assert_eq!(payment.status, PaymentStatus::Refunded);
            let stored: Payment =
                serde_json::from_str(&serde_json::to_string(&payment).unwrap()).unwrap();
            assert_eq!(stored, payment);
            assert_eq!(actions(&payment).len(), 3);
        }

        for value in [-1, i64::MIN] {
            let capture = modification("CAP", "CAPTURE", true, value);
            let refund = modification("REF", "REFUND", true, value);
            let payment = fold("PAY", [&auth, &capture, &refund]);
            assert_eq!((payment.captured, payment.refunded), (0, 0));
            assert_eq!(payment.status, PaymentStatus::Authorised);
            assert_eq!(payment.problems.len(), 2, "{:?}", payment.problems);
            assert!(payment.problems[0].contains("negative amount"));
            let alerts: Vec<_> = actions(&payment)
                .into_iter()
                .filter(|action| matches!(action, Action::AlertOperations { .. }))
                .map(|action| action.key())
                .collect();
            assert_eq!(
                alerts,
                [
                    "alert-operations:PAY:CAPTURE:CAP:true",
                    "alert-operations:PAY:REFUND:REF:true"
                ]
            );
        }

        // Another currency is not added to the payment's.
        let mut dollars = modification("CAP", "CAPTURE", true, 500);
        dollars.amount = Some(Amount::new(500, "USD"));
        let payment = fold("PAY", [&auth, &dollars]);
        assert_eq!(payment.captured, 0);
        assert!(
            payment.problems[0].contains("\"USD\""),
            "{:?}",
            payment.problems
        );
    }

    #[test]
    fn display_escapes_every_value() {
        let bad = "a\nb\rc\u{1b}[31md";
        let amount = Some(Amount::new(1, bad));
        let code = EventCode::from(bad);
        let all = [
            Action::ConfirmOrder {
                merchant_reference: bad.into(),
                psp_reference: bad.into(),
            },
            Action::ReportRefusal {
                merchant_reference: bad.into(),
                psp_reference: bad.into(),
                reason: bad.into(),
            },
            Action::ReleaseOrder {
                merchant_reference: bad.into(),
                psp_reference: bad.into(),
            },
            Action::RecordRefund {
                merchant_reference: bad.into(),
                psp_reference: bad.into(),
                refund: bad.into(),
                amount: amount.clone(),
            },
            Action::CheckCancelOrRefund {
                merchant_reference: bad.into(),
                psp_reference: bad.into(),
                modification: bad.into(),
                amount,
            },
            Action::AlertDisputes {
                merchant_reference: bad.into(),
                psp_reference: bad.into(),
                dispute: bad.into(),
                event_code: code.clone(),
                reason: bad.into(),
            },
            Action::AlertOperations {
                merchant_reference: bad.into(),
                psp_reference: bad.into(),
                event_code: code,
                notification: bad.into(),
                success: true,
                problem: bad.into(),
                reason: bad.into(),
            },
            Action::DownloadReport {
                name: bad.into(),
                url: bad.into(),
            },
        ];
        for action in &all {
            for text in [action.to_string(), action.key()] {
                assert!(
                    !text.contains(['\n', '\r', '\u{1b}']),
                    "{action:?} gives {text:?}"
                );
            }
            assert!(action.to_string().contains(r#""a\nb\rc\u{1b}[31md""#));
        }

        // The same values through a notification: the refusal reason, unsigned.
        let mut refused = item("PAY", "AUTHORISATION", false, 1000);
        refused.reason = "Refused\n2026-01-01 INFO business logic: confirm order 1".into();
        for action in actions(&fold("PAY", [&refused])) {
            assert!(!action.to_string().contains('\n'), "{action}");
        }
    }

    #[test]
    fn keys_do_not_collide() {
        let confirm = |psp: &str| {
            Action::ConfirmOrder {
                merchant_reference: String::new(),
                psp_reference: psp.into(),
            }
            .key()
        };
        assert_eq!(
            confirm("8800000000000001"),
            "confirm-order:8800000000000001"
        );
        assert_eq!(confirm("a:b"), "confirm-order:a%3Ab");
        let refund = |psp: &str, refund: &str| {
            Action::RecordRefund {
                merchant_reference: String::new(),
                psp_reference: psp.into(),
                refund: refund.into(),
                amount: None,
            }
            .key()
        };
        assert_ne!(refund("A:B", "C"), refund("A", "B:C"));
        assert_ne!(refund("A%3AB", "C"), refund("A:B", "C"));
    }

    #[test]
    fn a_capture_before_its_authorisation_already_counts() {
        let capture = modification("CAP", "CAPTURE", true, 1000);
        let early = fold("PAY", [&capture]);
        assert_eq!(early.status, PaymentStatus::Captured);
        assert_eq!(early.authorised, None);
        assert_eq!(early.merchant_reference, "order-1");
        assert_eq!(actions(&early), []);

        let auth = item("PAY", "AUTHORISATION", true, 1000);
        let complete = fold("PAY", [&capture, &auth]);
        assert_eq!(complete.status, PaymentStatus::Captured);
        assert_eq!(complete.authorised, Some(1000));
        assert_eq!(complete, fold("PAY", [&auth, &capture]));
    }

    #[test]
    fn processing_twice_or_a_duplicate_changes_nothing() {
        let auth = item("PAY", "AUTHORISATION", true, 1000);
        let capture = modification("CAP", "CAPTURE", true, 1000);
        let once = fold("PAY", [&auth, &capture]);
        assert_eq!(fold("PAY", [&auth, &capture, &capture, &auth]), once);
        assert_eq!(fold("PAY", [&auth, &capture]), once);
        assert_eq!(once.captured, 1000);
        assert_eq!(once.events.len(), 2);
        assert_eq!(actions(&once), actions(&once));
    }

    #[test]
    fn refusal_cancellation_expiry_and_chargeback() {
        let mut refused = item("PAY", "AUTHORISATION", false, 1000);
        refused.reason = "Not enough balance".into();
        let payment = fold("PAY", [&refused]);
        assert_eq!(payment.status, PaymentStatus::Refused);
        assert_eq!(
            payment.refusal_reason.as_deref(),
            Some("Not enough balance")
        );
        assert_eq!(
            actions(&payment),
            [Action::ReportRefusal {
                merchant_reference: "order-1".into(),
                psp_reference: "PAY".into(),
                reason: "Not enough balance".into()
            }]
        );

        let auth = item("PAY", "AUTHORISATION", true, 1000);
        let cancel = modification("CXL", "CANCELLATION", true, 1000);
        assert_eq!(
            fold("PAY", [&cancel, &auth]).status,
            PaymentStatus::Cancelled
        );

        let expire = modification("EXP", "EXPIRE", true, 1000);
        assert_eq!(fold("PAY", [&auth, &expire]).status, PaymentStatus::Expired);
        let closed = item("PAY", "OFFER_CLOSED", true, 1000);
        let offer = fold("PAY", [&closed]);
        assert_eq!(offer.status, PaymentStatus::Expired);
        assert_eq!(
            actions(&offer),
            [Action::ReleaseOrder {
                merchant_reference: "order-1".into(),
                psp_reference: "PAY".into()
            }]
        );

        let capture = modification("CAP", "CAPTURE", true, 1000);
        let notice = modification("CB", "NOTIFICATION_OF_CHARGEBACK", true, 1000);
        let chargeback = modification("CB", "CHARGEBACK", true, 1000);
        let reversed = modification("CB", "CHARGEBACK_REVERSED", true, 1000);
        assert_eq!(
            fold("PAY", [&auth, &capture, &notice]).status,
            PaymentStatus::Disputed
        );
        assert_eq!(
            fold("PAY", [&auth, &capture, &notice, &chargeback]).status,
            PaymentStatus::ChargedBack
        );
        let won = fold("PAY", [&auth, &capture, &notice, &chargeback, &reversed]);
        assert_eq!((won.status, won.charged_back), (PaymentStatus::Disputed, 0));
    }

    #[test]
    fn a_failed_capture_is_a_problem_whichever_came_first() {
        let auth = item("PAY", "AUTHORISATION", true, 1000);
        let capture = modification("CAP", "CAPTURE", true, 1000);
        let failed = modification("CAP", "CAPTURE_FAILED", true, 1000);
        let payment = fold("PAY", [&failed, &auth, &capture]);
        assert_eq!(payment.captured, 0);
        assert_eq!(payment.status, PaymentStatus::Authorised);
        assert_eq!(payment.problems.len(), 1, "{:?}", payment.problems);
        assert!(matches!(
            &actions(&payment)[..],
            [Action::ConfirmOrder { .. }, Action::AlertOperations { problem, .. }]
                if problem == "capture failed"
        ));
    }

    /// Once an authorisation is known the order is confirmed, whatever else is known: a
    /// cancellation that arrived first cannot have stopped the confirmation in the order where
    /// it arrives second. Its release follows.
    #[test]
    fn a_late_authorisation_confirms_then_releases_a_cancelled_order() {
        let auth = item("PAY", "AUTHORISATION", true, 1000);
        let cancel = modification("CXL", "CANCELLATION", true, 1000);
        assert_eq!(actions(&fold("PAY", [&cancel])), []);
        let late = fold("PAY", [&cancel, &auth]);
        assert_eq!(late.status, PaymentStatus::Cancelled);
        assert_eq!(
            actions(&late),
            [
                Action::ConfirmOrder {
                    merchant_reference: "order-1".into(),
                    psp_reference: "PAY".into()
                },
                Action::ReleaseOrder {
                    merchant_reference: "order-1".into(),
                    psp_reference: "PAY".into()
                }
            ]
        );
        assert_eq!(actions(&fold("PAY", [&auth, &cancel])), actions(&late));
    }

    #[test]
    fn unknown_codes_are_recorded_and_change_nothing() {
        let auth = item("PAY", "AUTHORISATION", true, 1000);
        let novel = modification("NEW", "SOMETHING_NEW_FROM_ADYEN", true, 1);
        let payment = fold("PAY", [&auth, &novel]);
        assert_eq!(payment.status, PaymentStatus::Authorised);
        assert_eq!(payment.events.len(), 2);
        assert_eq!(actions(&payment), actions(&fold("PAY", [&auth])));
    }

    #[test]
    fn a_report_is_downloaded_only_from_an_adyen_host() {
        let report = |url: &str| {
            let mut report = NotificationRequestItem::new(
                "settlement_detail_report_batch_1.csv",
                "REPORT_AVAILABLE",
            );
            report.reason = url.into();
            item_actions(&report)
        };
        for url in [
            "https://ca-test.adyen.com/reports/download/MerchantAccount/Shop/settlement_detail_report_batch_1.csv",
            "https://ca-live.adyen.com/reports/download/MerchantAccount/Shop/report.csv",
            "https://CA-TEST.adyen.com:443/reports/download/report.csv",
        ] {
            assert!(
                matches!(&report(url)[..], [Action::DownloadReport { url, .. }] if url.starts_with("https://ca-")),
                "{url}"
            );
        }
        for url in [
            "https://ca-test.adyen.com@evil.example/reports/download/report.csv",
            "https://user:pass@ca-test.adyen.com/reports/download/report.csv",
            "https://user@ca-test.adyen.com/reports/download/report.csv",
            "https://:pass@ca-test.adyen.com/reports/download/report.csv",
            "https://evil.example/ca-test.adyen.com",
            "https://ca-test.adyen.com.evil.example/",
            "https://evil-adyen.com/",
            "https://adyen.com.evil.example/",
            "https://ca-test.adyen.com:8443/reports/download/report.csv",
            "https://ca-test.adyen.com%2eevil.example/",
            "https://ca-test.adyen.com./report.csv",
            "https://ca-test.ad\nyen.com/report.csv",
            " https://ca-test.adyen.com/report.csv",
            "http://ca-test.adyen.com/reports/download/report.csv",
            "ftp://ca-test.adyen.com/report.csv",
            "//ca-test.adyen.com/report.csv",
            "https://93.184.216.34/report.csv",
            "",
        ] {
            let actions = report(url);
            assert!(
                matches!(
                    &actions[..],
                    [Action::AlertOperations { problem, reason, .. }]
                        if problem.starts_with("report URL not fetched") && reason == url
                ),
                "{url:?}: {actions:?}"
            );
        }
        let mut failed = NotificationRequestItem::new("report.csv", "REPORT_AVAILABLE");
        failed.success = false;
        assert_eq!(item_actions(&failed), []);
    }

    /// The status prints as the name the JSON API and the database use.
    #[test]
    fn a_status_displays_as_its_stored_name() {
        for (status, name) in [
            (PaymentStatus::Pending, "pending"),
            (PaymentStatus::CancelledOrRefunded, "cancelled_or_refunded"),
            (PaymentStatus::ChargedBack, "charged_back"),
        ] {
            assert_eq!(status.to_string(), name);
            assert_eq!(status.as_str(), name);
        }
    }

    /// An amount is weighed against the payment's currency only when it would be counted: a
    /// refused capture, or a success that moves no money, in another currency is no problem.
    #[test]
    fn an_amount_that_is_not_counted_is_not_checked_for_its_currency() {
        let mut refused_capture = modification("CAP-1", "CAPTURE", false, 500);
        refused_capture.amount = Some(Amount::new(500, "USD"));
        let mut pending = modification("PEND-1", "PENDING", true, 500);
        pending.amount = Some(Amount::new(500, "USD"));
        let payment = fold(
            "PAY",
            [
                &item("PAY", "AUTHORISATION", true, 1000),
                &refused_capture,
                &pending,
            ],
        );
        assert_eq!(payment.currency, "EUR");
        assert_eq!(payment.captured, 0);
        assert!(
            payment
                .problems
                .iter()
                .all(|problem| !problem.contains("not counted")),
            "{:?}",
            payment.problems
        );
        // The same capture, successful, is counted against the currency, and refused there.
        let mut capture = refused_capture.clone();
        capture.success = true;
        let payment = fold("PAY", [&item("PAY", "AUTHORISATION", true, 1000), &capture]);
        assert!(
            payment
                .problems
                .iter()
                .any(|problem| problem.contains("amount in \"USD\"")),
            "{:?}",
            payment.problems
        );
    }

    /// An adjustment to zero is an adjustment: the authorised amount becomes 0.
    #[test]
    fn an_adjustment_to_zero_sets_the_authorised_amount_to_zero() {
        let payment = fold(
            "PAY",
            [
                &item("PAY", "AUTHORISATION", true, 1000),
                &modification("ADJ-1", "AUTHORISATION_ADJUSTMENT", true, 0),
            ],
        );
        assert_eq!(payment.authorised, Some(0));
        assert!(payment.problems.is_empty(), "{:?}", payment.problems);
    }

    #[test]
    fn an_order_stands_where_its_latest_payment_not_refused_does() {
        let payment = |status| Payment {
            status,
            ..Payment::default()
        };
        let (authorised, refused) = (
            payment(PaymentStatus::Authorised),
            payment(PaymentStatus::Refused),
        );
        let captured = payment(PaymentStatus::Captured);
        assert_eq!(order_status(&[]), None);
        assert_eq!(
            order_status(std::slice::from_ref(&refused)),
            Some(PaymentStatus::Refused)
        );
        // A shopper tried again after a refusal, or a refusal came after a success.
        assert_eq!(
            order_status(&[refused.clone(), authorised.clone()]),
            Some(PaymentStatus::Authorised)
        );
        assert_eq!(
            order_status(&[captured.clone(), refused.clone()]),
            Some(PaymentStatus::Captured)
        );
        assert_eq!(
            order_status(&[authorised, captured, refused]),
            Some(PaymentStatus::Captured)
        );
    }

    #[test]
    fn events_are_listed_in_the_order_of_a_payment_s_life() {
        let items = [
            modification("CB", "CHARGEBACK", true, 1000),
            modification("REV", "REFUNDED_REVERSED", true, 500),
            modification("REF-FAIL", "REFUND_FAILED", true, 200),
            modification("REF", "REFUND", true, 500),
            modification("CAP", "CAPTURE", true, 1000),
            modification("ADJ", "AUTHORISATION_ADJUSTMENT", true, 1000),
            item("PAY", "AUTHORISATION", true, 1000),
            item("PAY", "PENDING", true, 1000),
        ];
        let codes = |payment: Payment| -> Vec<String> {
            payment
                .events
                .iter()
                .map(|event| format!("{} {}", event.event_code, event.psp_reference))
                .collect()
        };
        let expected = [
            "PENDING PAY",
            "AUTHORISATION PAY",
            "AUTHORISATION_ADJUSTMENT ADJ",
            "CAPTURE CAP",
            "REFUND REF",
            "REFUND_FAILED REF-FAIL",
            "REFUNDED_REVERSED REV",
            "CHARGEBACK CB",
        ];
        for arrivals in [items.to_vec(), items.iter().rev().cloned().collect()] {
            assert_eq!(codes(fold("PAY", &arrivals)), expected);
        }
    }

    #[test]
    fn of_copies_that_differ_the_same_one_is_kept_whatever_the_order() {
        // Unsigned fields only: no problem, and the same reason whichever came first.
        let mut first = item("PAY", "AUTHORISATION", true, 1000);
        first.reason = "Approved A".into();
        let mut second = first.clone();
        second.reason = "Approved B".into();
        for arrivals in [[&first, &second], [&second, &first]] {
            let payment = fold("PAY", arrivals);
            assert!(payment.problems.is_empty(), "{:?}", payment.problems);
            assert_eq!(payment.events.len(), 1);
            assert_eq!(payment.events[0].reason, "Approved A");
        }

        // A signed field: a problem, and the copy first in canonical order is kept.
        let mut other_order = first.clone();
        other_order.merchant_reference = "order-0".into();
        for arrivals in [[&first, &other_order], [&other_order, &first]] {
            let payment = fold("PAY", arrivals);
            assert_eq!(payment.events.len(), 1);
            assert_eq!(payment.events[0].merchant_reference, "order-0");
            assert_eq!(payment.merchant_reference, "order-0");
            assert_eq!(
                payment.problems,
                [
                    "AUTHORISATION PAY true: copies with different signed fields; the first in \
                  canonical order is kept"
                ]
            );
        }
    }

    #[test]
    fn a_payment_s_references_are_those_of_its_authorisation() {
        let mut capture = modification("CAP", "CAPTURE", true, 1000);
        capture.merchant_reference = "capture-ref".into();
        let mut refused = item("PAY", "AUTHORISATION", false, 1000);
        refused.merchant_reference = "refused-ref".into();
        let authorised = item("PAY", "AUTHORISATION", true, 1000);

        // A successful authorisation first, then any authorisation, then the payment's own.
        let payment = fold("PAY", [&capture, &refused, &authorised]);
        assert_eq!(payment.merchant_reference, "order-1");
        let payment = fold("PAY", [&capture, &refused]);
        assert_eq!(payment.merchant_reference, "refused-ref");
        let mut own = modification("PAY", "CANCELLATION", true, 1000);
        own.original_reference = "".into();
        own.merchant_reference = "own-ref".into();
        let payment = fold("PAY", [&capture, &own]);
        assert_eq!(payment.merchant_reference, "own-ref");
        let payment = fold("PAY", [&capture]);
        assert_eq!(payment.merchant_reference, "capture-ref");
    }

    #[test]
    fn each_failure_is_named_as_a_problem() {
        for (code, success, problem) in [
            ("CAPTURE_FAILED", true, "capture failed"),
            ("REFUND_FAILED", true, "refund failed"),
            ("REFUNDED_REVERSED", true, "refund reversed"),
            ("MANUAL_REVIEW_REJECT", true, "manual review rejected"),
            ("CAPTURE", false, "modification refused"),
            ("REFUND", false, "modification refused"),
        ] {
            let mut event = modification("MOD", code, success, 1000);
            event.reason = "why".into();
            let payment = fold("PAY", [&item("PAY", "AUTHORISATION", true, 1000), &event]);
            assert_eq!(
                payment.problems,
                [format!("{code} MOD {problem}: why")],
                "{code}"
            );
            let alerts: Vec<String> = actions(&payment)
                .into_iter()
                .filter_map(|action| match action {
                    Action::AlertOperations { problem, .. } => Some(problem),
                    _ => None,
                })
                .collect();
            assert_eq!(alerts, [problem], "{code}");
        }
    }

    #[test]
    fn a_refund_of_a_negative_amount_is_not_recorded() {
        let payment = fold(
            "PAY",
            [
                &item("PAY", "AUTHORISATION", true, 1000),
                &modification("CAP", "CAPTURE", true, 1000),
                &modification("REF", "REFUND", true, -500),
            ],
        );
        assert_eq!(payment.refunded, 0);
        let all = actions(&payment);
        assert!(
            !all.iter()
                .any(|action| matches!(action, Action::RecordRefund { .. })),
            "{all:?}"
        );
        assert!(
            all.iter().any(|action| matches!(
                action,
                Action::AlertOperations { problem, .. } if problem == "negative amount: not counted"
            )),
            "{all:?}"
        );
    }

    #[test]
    fn an_amount_is_shown_in_minor_units_with_its_currency() {
        let refund = |amount| Action::RecordRefund {
            merchant_reference: "order-1".into(),
            psp_reference: "PAY".into(),
            refund: "REF".into(),
            amount,
        };
        assert_eq!(
            refund(Some(Amount::new(1050, "EUR"))).to_string(),
            r#"record a refund of 1050 "EUR" in minor units on order "order-1" (refund "REF" of payment "PAY")"#
        );
        assert_eq!(
            refund(None).to_string(),
            r#"record a refund of no amount on order "order-1" (refund "REF" of payment "PAY")"#
        );
    }

    #[test]
    fn the_reference_effects_log_each_action_with_its_key() {
        use std::io;
        use std::sync::{Arc, Mutex};

        #[derive(Clone, Default)]
        struct Captured(Arc<Mutex<Vec<u8>>>);
        impl io::Write for Captured {
            fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
                self.0.lock().unwrap().extend_from_slice(buf);
                Ok(buf.len())
            }
            fn flush(&mut self) -> io::Result<()> {
                Ok(())
            }
        }

        let captured = Captured::default();
        let writer = captured.clone();
        let subscriber = tracing_subscriber::fmt()
            .with_writer(move || writer.clone())
            .with_ansi(false)
            .finish();
        let action = Action::ConfirmOrder {
            merchant_reference: "order-1".into(),
            psp_reference: "PAY".into(),
        };
        let runtime = tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap();
        tracing::subscriber::with_default(subscriber, || {
            runtime.block_on(LogEffects.perform(&action.key(), &action))
        })
        .unwrap();
        let logged = String::from_utf8(captured.0.lock().unwrap().clone()).unwrap();
        let line = logged
            .lines()
            .find(|line| line.contains("business logic"))
            .unwrap_or_default();
        assert!(
            line.contains(r#"business logic: confirm order "order-1" (payment "PAY" authorised)"#),
            "{logged}"
        );
        assert!(
            line.contains(&format!("key={:?}", action.key())),
            "{logged}"
        );
    }
}
