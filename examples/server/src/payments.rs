//! The business logic: what the shop makes of each notification. This is the module to adapt.
//!
//! Adyen delivers at least once and in no particular order: the same notification can come twice,
//! and a `CAPTURE` can arrive before its `AUTHORISATION`. So the state of a payment is never
//! patched one notification at a time. It is computed by [`fold`] from the *set* of notifications
//! stored about that payment, which makes it:
//!
//! - **idempotent**: processing a notification again recomputes the same state;
//! - **order-independent**: the same notifications give the same state whatever order they came in.
//!
//! Each notification then gives [`Action`]s (confirm the order, alert the disputes team...),
//! decided by [`actions`] from the notification and the payment's state *after* it, and carried
//! out by an [`Effects`] implementation. The worker runs them at least once, so an effect must be
//! idempotent too: the notification id it is given is a natural idempotency key.
//!
//! Only the signed fields (references, merchant account, amount, event code, success) decide
//! anything here; `reason` and `additionalData` are only displayed or passed on.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::future::Future;

use serde::{Deserialize, Serialize};
use tower_adyen_webhook::{Amount, EventCode, NotificationRequestItem};

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
    /// The authorisation expired, or the offer closed, before it was captured.
    Expired,
    /// Captured: the money is on its way.
    Captured,
    /// Cancelled before capture.
    Cancelled,
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
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Payment {
    /// Adyen's reference of the payment.
    pub psp_reference: String,
    /// The shop's reference (the order number).
    pub merchant_reference: String,
    /// The merchant account.
    pub merchant_account_code: String,
    /// Where it stands.
    pub status: PaymentStatus,
    /// The currency of the amounts below.
    pub currency: String,
    /// The amount authorised, once the authorisation is known (adjusted by
    /// `AUTHORISATION_ADJUSTMENT`).
    pub authorised: Option<i64>,
    /// Why the authorisation was refused (Adyen's `reason`).
    pub refusal_reason: Option<String>,
    /// Captured, less captures that failed afterwards.
    pub captured: i64,
    /// Refunded, less refunds that failed or were reversed.
    pub refunded: i64,
    /// Charged back, less chargebacks reversed.
    pub charged_back: i64,
    /// A modification that did not go through and needs a person: one line each.
    pub problems: Vec<String>,
    /// Every notification taken into account, as `EVENT_CODE pspReference success`.
    pub events: Vec<String>,
}

/// The state of payment `psp_reference` given every notification stored about it, in any
/// order, duplicates included.
pub fn fold<'a>(
    psp_reference: &str,
    items: impl IntoIterator<Item = &'a NotificationRequestItem>,
) -> Payment {
    // A canonical order, so that the result depends on the set of notifications and not on the
    // order they arrived in; duplicates (same pspReference, eventCode, success) count once.
    let mut items: Vec<&NotificationRequestItem> = items.into_iter().collect();
    items.sort_by(|a, b| {
        (
            stage(&a.event_code),
            &a.event_date,
            &a.psp_reference,
            a.event_code.as_str(),
            a.success,
        )
            .cmp(&(
                stage(&b.event_code),
                &b.event_date,
                &b.psp_reference,
                b.event_code.as_str(),
                b.success,
            ))
    });
    let mut seen = BTreeSet::new();
    items.retain(|item| seen.insert((&item.psp_reference, item.event_code.as_str(), item.success)));

    let mut payment = Payment {
        psp_reference: psp_reference.to_owned(),
        ..Payment::default()
    };
    // Modifications are kept by their own pspReference, so that a failure or reversal cancels
    // exactly the modification it names, whichever of the two arrived first.
    let mut captures = BTreeMap::new();
    let mut refunds = BTreeMap::new();
    let mut chargebacks = BTreeMap::new();
    let mut failed = BTreeSet::new();
    let (mut authorised, mut refused, mut cancelled, mut expired, mut disputed) =
        (false, false, false, false, false);

    for item in &items {
        let value = item.amount.as_ref().map_or(0, |amount| amount.value);
        let modification = item.psp_reference.clone();
        fill(&mut payment.merchant_reference, &item.merchant_reference);
        fill(
            &mut payment.merchant_account_code,
            &item.merchant_account_code,
        );
        if let Some(amount) = &item.amount {
            fill(&mut payment.currency, &amount.currency);
        }
        payment.events.push(format!(
            "{} {} {}",
            item.event_code, item.psp_reference, item.success
        ));

        match (&item.event_code, item.success) {
            (EventCode::Authorisation, true) => {
                authorised = true;
                payment.authorised.get_or_insert(value);
            }
            (EventCode::Authorisation, false) => {
                refused = true;
                payment.refusal_reason = Some(item.reason.clone());
            }
            // Sorted after the authorisation, and by date among themselves: the last one wins.
            (EventCode::AuthorisationAdjustment, true) => payment.authorised = Some(value),
            (EventCode::Capture, true) => {
                captures.insert(modification, value);
            }
            (EventCode::CaptureFailed, _) => {
                failed.insert(modification);
                payment.problems.push(problem(item, "capture failed"));
            }
            (EventCode::Refund, true) => {
                refunds.insert(modification, value);
            }
            (EventCode::RefundFailed | EventCode::RefundedReversed, _) => {
                failed.insert(modification);
                payment
                    .problems
                    .push(problem(item, "refund failed or reversed"));
            }
            (EventCode::Cancellation | EventCode::TechnicalCancel, true) => cancelled = true,
            (EventCode::CancelOrRefund, true) => {
                // Adyen says which one it did in additionalData: unsigned, but it only decides
                // which word describes an operation the signed fields already confirm.
                if item.additional_data.get("modification.action") == Some("refund") {
                    refunds.insert(modification, value);
                } else {
                    cancelled = true;
                }
            }
            (EventCode::Chargeback | EventCode::SecondChargeback, true) => {
                chargebacks.insert(modification, value);
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
            (EventCode::Expire | EventCode::OfferClosed, true) => expired = true,
            (EventCode::ManualReviewReject, _) => {
                payment
                    .problems
                    .push(problem(item, "manual review rejected"));
            }
            (
                EventCode::Capture
                | EventCode::Refund
                | EventCode::Cancellation
                | EventCode::CancelOrRefund
                | EventCode::TechnicalCancel
                | EventCode::AuthorisationAdjustment,
                false,
            ) => payment.problems.push(problem(item, "modification refused")),
            // Every other code is recorded in `events` and changes nothing here. Add cases for
            // the codes your business cares about.
            _ => {}
        }
    }

    let total = |amounts: &BTreeMap<String, i64>| -> i64 {
        amounts
            .iter()
            .filter(|(reference, _)| !failed.contains(*reference))
            .map(|(_, value)| value)
            .sum()
    };
    payment.captured = total(&captures);
    payment.refunded = total(&refunds);
    payment.charged_back = total(&chargebacks);

    // The furthest stage reached wins, which is what makes the order of arrival irrelevant.
    let refundable = payment.captured.max(payment.authorised.unwrap_or(0));
    payment.status = if payment.charged_back > 0 {
        PaymentStatus::ChargedBack
    } else if disputed {
        PaymentStatus::Disputed
    } else if payment.refunded > 0 && refundable > 0 && payment.refunded >= refundable {
        // Fully refunded only against a known amount: a refund that arrives before its capture
        // and authorisation leaves the payment partially refunded until they come.
        PaymentStatus::Refunded
    } else if payment.refunded > 0 {
        PaymentStatus::PartiallyRefunded
    } else if cancelled {
        PaymentStatus::Cancelled
    } else if payment.captured > 0 {
        PaymentStatus::Captured
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

/// The order in which [`fold`] reads notifications: the payment first, then what happened to it.
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

fn fill(field: &mut String, value: &str) {
    if field.is_empty() {
        value.clone_into(field);
    }
}

fn problem(item: &NotificationRequestItem, what: &str) -> String {
    let reason = if item.reason.is_empty() {
        String::new()
    } else {
        format!(": {}", item.reason)
    };
    format!("{} {} {what}{reason}", item.event_code, item.psp_reference)
}

/// Something the shop does because of a notification.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "action", rename_all = "snake_case")]
pub enum Action {
    /// The payment went through: confirm the order and ship it.
    ConfirmOrder {
        /// The order.
        merchant_reference: String,
    },
    /// The payment was refused: tell the shopper and offer another payment method.
    ReportRefusal {
        /// The order.
        merchant_reference: String,
        /// Adyen's refusal reason.
        reason: String,
    },
    /// The payment will not complete (cancelled, expired): release the order's stock.
    ReleaseOrder {
        /// The order.
        merchant_reference: String,
    },
    /// Money went back to the shopper: record it in the books.
    RecordRefund {
        /// The order.
        merchant_reference: String,
        /// How much.
        amount: Option<Amount>,
    },
    /// A dispute: the team that defends chargebacks must answer before Adyen's deadline.
    AlertDisputes {
        /// The order.
        merchant_reference: String,
        /// The dispute's pspReference.
        psp_reference: String,
    },
    /// A capture or refund did not go through: a person has to look at it.
    AlertOperations {
        /// The order.
        merchant_reference: String,
        /// What went wrong.
        problem: String,
    },
    /// A report is ready to download; Adyen puts its URL in `reason`.
    DownloadReport {
        /// The report's name (its pspReference).
        name: String,
        /// Where to get it, with the report user's credentials.
        url: String,
    },
}

impl fmt::Display for Action {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::ConfirmOrder { merchant_reference } => {
                write!(f, "confirm order {merchant_reference}")
            }
            Self::ReportRefusal {
                merchant_reference,
                reason,
            } => write!(
                f,
                "tell the shopper of order {merchant_reference}: refused ({reason})"
            ),
            Self::ReleaseOrder { merchant_reference } => {
                write!(f, "release the stock of order {merchant_reference}")
            }
            Self::RecordRefund {
                merchant_reference,
                amount,
            } => match amount {
                Some(amount) => write!(
                    f,
                    "record a refund of {} {} in minor units on order {merchant_reference}",
                    amount.value, amount.currency
                ),
                None => write!(f, "record a refund on order {merchant_reference}"),
            },
            Self::AlertDisputes {
                merchant_reference,
                psp_reference,
            } => write!(
                f,
                "alert the disputes team: order {merchant_reference}, dispute {psp_reference}"
            ),
            Self::AlertOperations {
                merchant_reference,
                problem,
            } => write!(f, "alert operations: order {merchant_reference}: {problem}"),
            Self::DownloadReport { name, .. } => write!(f, "download report {name}"),
        }
    }
}

/// What to do about `item`, given the state of its payment after it was taken into account.
///
/// Deciding from the payment's state is what copes with the order of arrival: an
/// `AUTHORISATION` processed after the payment's `CANCELLATION` confirms no order.
pub fn actions(item: &NotificationRequestItem, payment: Option<&Payment>) -> Vec<Action> {
    let merchant_reference = payment
        .map(|payment| payment.merchant_reference.clone())
        .filter(|reference| !reference.is_empty())
        .unwrap_or_else(|| item.merchant_reference.clone());
    let status = payment.map(|payment| payment.status);
    let action = match (&item.event_code, item.success) {
        (EventCode::Authorisation, true)
            if matches!(
                status,
                Some(PaymentStatus::Authorised | PaymentStatus::Captured)
            ) =>
        {
            Some(Action::ConfirmOrder { merchant_reference })
        }
        (EventCode::Authorisation, false) if status == Some(PaymentStatus::Refused) => {
            Some(Action::ReportRefusal {
                merchant_reference,
                reason: item.reason.clone(),
            })
        }
        (EventCode::Cancellation | EventCode::TechnicalCancel, true)
        | (EventCode::Expire | EventCode::OfferClosed, true) => {
            Some(Action::ReleaseOrder { merchant_reference })
        }
        (EventCode::Refund, true) => Some(Action::RecordRefund {
            merchant_reference,
            amount: item.amount.clone(),
        }),
        (EventCode::CancelOrRefund, true)
            if item.additional_data.get("modification.action") == Some("refund") =>
        {
            Some(Action::RecordRefund {
                merchant_reference,
                amount: item.amount.clone(),
            })
        }
        (EventCode::CancelOrRefund, true) => Some(Action::ReleaseOrder { merchant_reference }),
        (
            EventCode::NotificationOfChargeback
            | EventCode::Chargeback
            | EventCode::SecondChargeback
            | EventCode::RequestForInformation,
            _,
        ) => Some(Action::AlertDisputes {
            merchant_reference,
            psp_reference: item.psp_reference.clone(),
        }),
        (EventCode::CaptureFailed | EventCode::RefundFailed | EventCode::RefundedReversed, _)
        | (EventCode::Capture | EventCode::Refund, false) => Some(Action::AlertOperations {
            merchant_reference,
            problem: problem(item, "did not go through"),
        }),
        (EventCode::ReportAvailable, true) => Some(Action::DownloadReport {
            name: item.psp_reference.clone(),
            url: item.reason.clone(),
        }),
        _ => None,
    };
    action.into_iter().collect()
}

/// The error an [`Effects`] implementation returns.
pub type EffectError = Box<dyn std::error::Error + Send + Sync>;

/// Carries out [`Action`]s: the shop's own systems (orders, email, books...).
///
/// Called at least once per action: after a crash, or when a later action of the same
/// notification fails, an action runs again. `notification_id` is stable across those runs, so
/// it makes a good idempotency key for the systems called.
pub trait Effects: Send + Sync + 'static {
    /// Carries out `action`, decided for notification `notification_id`.
    fn perform(
        &self,
        notification_id: i64,
        action: &Action,
    ) -> impl Future<Output = Result<(), EffectError>> + Send;
}

/// The effects of this reference server: it logs what a shop would do.
#[derive(Clone, Copy, Debug, Default)]
pub struct LogEffects;

impl Effects for LogEffects {
    async fn perform(&self, notification_id: i64, action: &Action) -> Result<(), EffectError> {
        tracing::info!(notification = notification_id, "business logic: {action}");
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
        let sequence = vec![
            item("PAY", "AUTHORISATION", true, 1000),
            modification("CAP", "CAPTURE", true, 1000),
            modification("REF", "REFUND", true, 250),
            modification("REF", "REFUND_FAILED", false, 250),
            modification("REF2", "REFUND", true, 100),
        ];
        let expected = fold("PAY", &sequence);
        assert_eq!(expected.status, PaymentStatus::PartiallyRefunded);
        assert_eq!(expected.refunded, 100);
        for order in permutations(&sequence) {
            assert_eq!(fold("PAY", &order), expected);
        }
    }

    #[test]
    fn a_capture_before_its_authorisation_already_counts() {
        let capture = modification("CAP", "CAPTURE", true, 1000);
        let early = fold("PAY", [&capture]);
        assert_eq!(early.status, PaymentStatus::Captured);
        assert_eq!(early.authorised, None);
        assert_eq!(early.merchant_reference, "order-1");

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
        assert_eq!(
            actions(&capture, Some(&once)),
            actions(&capture, Some(&once))
        );
    }

    #[test]
    fn refusal_cancellation_expiry_and_chargeback() {
        let refused = item("PAY", "AUTHORISATION", false, 1000);
        let payment = fold("PAY", [&refused]);
        assert_eq!(payment.status, PaymentStatus::Refused);
        assert_eq!(
            actions(&refused, Some(&payment)),
            [Action::ReportRefusal {
                merchant_reference: "order-1".into(),
                reason: String::new()
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
            actions(&failed, Some(&payment))[..],
            [Action::AlertOperations { .. }]
        ));
    }

    #[test]
    fn a_late_authorisation_confirms_no_cancelled_order() {
        let auth = item("PAY", "AUTHORISATION", true, 1000);
        let cancel = modification("CXL", "CANCELLATION", true, 1000);
        let in_time = fold("PAY", [&auth]);
        assert_eq!(
            actions(&auth, Some(&in_time)),
            [Action::ConfirmOrder {
                merchant_reference: "order-1".into()
            }]
        );
        let late = fold("PAY", [&auth, &cancel]);
        assert_eq!(actions(&auth, Some(&late)), []);
        assert_eq!(
            actions(&cancel, Some(&late)),
            [Action::ReleaseOrder {
                merchant_reference: "order-1".into()
            }]
        );
    }

    #[test]
    fn unknown_codes_are_recorded_and_change_nothing() {
        let auth = item("PAY", "AUTHORISATION", true, 1000);
        let novel = modification("NEW", "SOMETHING_NEW_FROM_ADYEN", true, 1);
        let payment = fold("PAY", [&auth, &novel]);
        assert_eq!(payment.status, PaymentStatus::Authorised);
        assert_eq!(payment.events.len(), 2);
        assert_eq!(actions(&novel, Some(&payment)), []);
    }

    #[test]
    fn a_report_is_downloaded() {
        let mut report = NotificationRequestItem::new(
            "settlement_detail_report_batch_1.csv",
            "REPORT_AVAILABLE",
        );
        report.reason =
            "https://ca-test.adyen.com/reports/download/settlement_detail_report_batch_1.csv"
                .into();
        assert!(
            matches!(&actions(&report, None)[..], [Action::DownloadReport { url, .. }] if url.ends_with(".csv"))
        );
    }
}
