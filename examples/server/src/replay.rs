//! Replay: runs the business logic again on stored notifications, after a fix.
//!
//! A payment's state is a fold over its stored notifications ([`payments::fold`]), and each
//! action it implies is performed once, by its key. So running the business logic again is
//! the same as the worker's step, for every selected payment:
//!
//! 1. its state is computed again from its notifications with the current code, and saved
//!    where it differs from the saved one;
//! 2. the actions that state implies and that were never performed are performed, through the
//!    worker's own [`Effects`], and recorded;
//! 3. its failing and dead-lettered notifications are marked processed once that all succeeded
//!    (if an action still fails, they stay as they were, with the new error).
//!
//! Notifications about no payment (reports...) in the selection are replayed alike, one by one.
//!
//! What is selected ([`Scope`]): the payment an operator names (its `pspReference`, or its order's
//! `merchantReference`), the payments with a notification received since an instant, or all of
//! them. The unit is the payment: every notification of a selected payment counts, whenever it
//! came.
//!
//! Replaying twice changes nothing the second time: the state saved is the one computed, and
//! the actions and notifications are done. A dry run reads the same and writes nothing: it
//! says which states would change (from and to), which actions would be performed and which
//! notifications would be marked processed.
//!
//! # With the worker running
//!
//! Replay runs inside the server (`POST /api/replay` on the admin listener; the `replay`
//! command calls it rather than open the database as `requeue` does), on the worker's effects:
//! a second process would perform actions beside the worker with nothing to keep the two apart.
//! The worker holds a lock for each of its steps and the replay holds it for each payment, so
//! the two never act at the same time in one process. Before it acts, the replay leases the
//! payment's failing notifications as a worker would, so that no worker takes them meanwhile; a
//! payment with a notification a worker holds (one of another instance, or of a process that
//! died) is left to that worker, and listed as such. Across instances (several servers on one
//! PostgreSQL database), a notification of the same payment arriving during the replay may be
//! processed at the same time by another instance's worker, as two of its notifications may be
//! by two workers: effects get the action's key for that reason (see [`Effects`]).

use std::future::Future;
use std::panic::AssertUnwindSafe;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use futures_util::FutureExt as _;
use serde::{Deserialize, Serialize};
use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;
use tokio::sync::Mutex;

use crate::payments::{self, Action, Effects, Payment, PaymentStatus};
use crate::store::{ProcessingState, Store, StoreError, Stuck, StuckNotification};

/// What a replay selects.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Scope {
    /// The payment with this `pspReference` (the payment's, as [`payments::payment_key`] gives
    /// it), or the payments of the order with this `merchantReference`.
    Payment(String),
    /// The payments with a notification received at or after this instant (ms since the
    /// epoch), and the notifications about no payment received since then.
    Since(i64),
    /// Every payment and every notification about no payment.
    All,
}

impl Scope {
    /// Says what is selected, for the report.
    pub fn describe(&self) -> String {
        match self {
            Self::Payment(reference) => format!("payment or order {reference:?}"),
            Self::Since(ms) => {
                format!("notifications received since {}", crate::time::rfc3339(*ms))
            }
            Self::All => "every notification".to_owned(),
        }
    }
}

/// `2026-11-28T13:05:09Z` (RFC 3339, any offset) in milliseconds since the epoch.
pub fn parse_since(text: &str) -> Result<i64, String> {
    let instant = OffsetDateTime::parse(text.trim(), &Rfc3339).map_err(|error| {
        format!("{text:?} is not an RFC 3339 timestamp such as 2026-11-28T13:05:09Z: {error}")
    })?;
    i64::try_from(instant.unix_timestamp_nanos() / 1_000_000)
        .map_err(|_| format!("{text:?} is out of range"))
}

/// The body of `POST /api/replay`: exactly one of `payment`, `since` and `all`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ReplayRequest {
    /// A payment's `pspReference`, or an order's `merchantReference`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub payment: Option<String>,
    /// An RFC 3339 timestamp: notifications received since then.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub since: Option<String>,
    /// Everything.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub all: bool,
    /// Say what would change, and write nothing.
    #[serde(default)]
    pub dry_run: bool,
}

impl ReplayRequest {
    /// The scope asked for, or why the request is not one.
    pub fn scope(&self) -> Result<Scope, String> {
        match (&self.payment, &self.since, self.all) {
            (Some(reference), None, false) if reference.trim().is_empty() => {
                Err("payment is empty: give a pspReference or a merchantReference".to_owned())
            }
            (Some(reference), None, false) => Ok(Scope::Payment(reference.trim().to_owned())),
            (None, Some(since), false) => parse_since(since).map(Scope::Since),
            (None, None, true) => Ok(Scope::All),
            (None, None, false) => Err("say what to replay: payment, since or all".to_owned()),
            _ => Err("give only one of payment, since and all".to_owned()),
        }
    }
}

/// How a payment's state changes.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct StateChange {
    /// The saved status, `None` when no state was saved.
    pub from: Option<PaymentStatus>,
    /// The status computed.
    pub to: PaymentStatus,
    /// The fields of [`Payment`] that differ, by their JSON names.
    pub fields: Vec<String>,
}

/// How `computed` differs from `saved`, if it does.
pub fn state_change(saved: Option<&Payment>, computed: &Payment) -> Option<StateChange> {
    let fields = match saved {
        None => vec!["(no saved state)".to_owned()],
        Some(saved) if saved == computed => return None,
        Some(saved) => {
            let (Ok(serde_json::Value::Object(old)), Ok(serde_json::Value::Object(new))) =
                (serde_json::to_value(saved), serde_json::to_value(computed))
            else {
                unreachable!("a payment serializes to an object");
            };
            new.iter()
                .filter(|(name, value)| old.get(*name) != Some(value))
                .map(|(name, _)| name.clone())
                .collect::<Vec<_>>()
        }
    };
    let mut fields = fields;
    // Whatever order the JSON map keeps.
    fields.sort();
    Some(StateChange {
        from: saved.map(|payment| payment.status),
        to: computed.status,
        fields,
    })
}

/// An action that was (or would be) performed.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ActionReport {
    /// Its idempotency key.
    pub key: String,
    /// What it does.
    pub action: String,
    /// Why it failed, if it did: the replay of this payment stops there.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

/// A failing or dead-lettered notification of the selection.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct NotificationReport {
    /// Its id.
    pub id: i64,
    /// `failing` or `dead`.
    pub from: String,
    /// `processed` when it was (or would be) marked processed; otherwise it stays as it was,
    /// for the reason in `note`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub to: Option<String>,
    /// Why it stays as it was.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// What the replay changed (or would change) for one payment, or one notification about no
/// payment.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Entry {
    /// The payment's key, for a payment.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub payment: Option<String>,
    /// The notification's id, for one about no payment.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub notification: Option<i64>,
    /// The order.
    pub merchant_reference: String,
    /// How the payment's state changes, if it does.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub state: Option<StateChange>,
    /// The actions never performed before, in order.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub actions: Vec<ActionReport>,
    /// The failing and dead-lettered notifications.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub notifications: Vec<NotificationReport>,
    /// What stopped the replay of this one (the store, a panic in the business logic).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

impl Entry {
    /// Whether this entry changes (or would change) something, or failed.
    fn is_empty(&self) -> bool {
        self.state.is_none()
            && self.actions.is_empty()
            && self.notifications.is_empty()
            && self.error.is_none()
    }

    /// Whether it changes (or would change) something: a state, an action, a notification.
    fn changes(&self) -> bool {
        self.state.is_some()
            || self.actions.iter().any(|action| action.error.is_none())
            || self.notifications.iter().any(|n| n.to.is_some())
    }

    fn failed(&self) -> bool {
        self.error.is_some() || self.actions.iter().any(|action| action.error.is_some())
    }
}

/// What a replay did, or would do.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Report {
    /// Whether it was a dry run: nothing was written.
    pub dry_run: bool,
    /// What was selected.
    pub scope: String,
    /// How many payments the selection holds.
    pub payments: usize,
    /// How many notifications about no payment it holds.
    pub unkeyed: usize,
    /// Those with something to change, or that failed, in order.
    pub changes: Vec<Entry>,
    /// Whether anything changed (or would).
    pub changed: bool,
    /// How many entries failed: their payments are left for another replay.
    pub failed: usize,
}

impl Report {
    /// The report for a person: one line per change, and `nothing to change` when there is
    /// none.
    pub fn to_text(&self) -> String {
        let mut text = format!(
            "{} of {}: {} payments, {} notifications about no payment\n",
            if self.dry_run { "dry run" } else { "replay" },
            self.scope,
            self.payments,
            self.unkeyed
        );
        let (perform, mark) = if self.dry_run {
            ("would perform", "would be")
        } else {
            ("performed", "now")
        };
        for entry in &self.changes {
            match (&entry.payment, entry.notification) {
                (Some(payment), _) => text.push_str(&format!(
                    "payment {payment:?} (order {:?}):\n",
                    entry.merchant_reference
                )),
                (None, Some(id)) => text.push_str(&format!("notification {id}:\n")),
                (None, None) => {}
            }
            if let Some(state) = &entry.state {
                let from = state.from.map_or("none", PaymentStatus::as_str);
                text.push_str(&format!(
                    "  state {from} -> {} ({})\n",
                    state.to,
                    state.fields.join(", ")
                ));
            }
            for action in &entry.actions {
                match &action.error {
                    None => {
                        text.push_str(&format!("  {perform} {}: {}\n", action.key, action.action))
                    }
                    Some(error) => text.push_str(&format!(
                        "  FAILED {}: {}: {error}\n",
                        action.key, action.action
                    )),
                }
            }
            for notification in &entry.notifications {
                match (&notification.to, &notification.note) {
                    (Some(to), _) => text.push_str(&format!(
                        "  notification {} {} -> {mark} {to}\n",
                        notification.id, notification.from
                    )),
                    (None, note) => text.push_str(&format!(
                        "  notification {} stays {}: {}\n",
                        notification.id,
                        notification.from,
                        note.as_deref().unwrap_or("")
                    )),
                }
            }
            if let Some(error) = &entry.error {
                text.push_str(&format!("  FAILED: {error}\n"));
            }
        }
        match (self.changed, self.failed) {
            (false, 0) => text.push_str("nothing to change\n"),
            (_, 0) if self.dry_run => text.push_str("run again without --dry-run to apply\n"),
            (_, 0) => text.push_str("done; a second replay has nothing to change\n"),
            (_, failed) => text.push_str(&format!(
                "{failed} failed: fix what they say and replay again\n"
            )),
        }
        text
    }
}

/// Why a replay could not run at all.
#[derive(Debug)]
pub enum ReplayError {
    /// The scope names a payment or order with no stored notification.
    NotFound(String),
    /// The store could not say what the selection holds.
    Store(StoreError),
}

impl std::fmt::Display for ReplayError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::NotFound(reference) => write!(
                f,
                "no stored notification is about payment or order {reference:?}"
            ),
            Self::Store(error) => error.fmt(f),
        }
    }
}

impl std::error::Error for ReplayError {}

/// Runs replays: see the [module docs](self). Made by
/// [`Worker::replayer`](crate::worker::Worker::replayer), so that it shares the worker's effects
/// and lock.
#[derive(Debug)]
pub struct Replayer<E> {
    store: Store,
    effects: Arc<E>,
    busy: Arc<Mutex<()>>,
    lease: Duration,
}

impl<E> Clone for Replayer<E> {
    fn clone(&self) -> Self {
        Self {
            store: self.store.clone(),
            effects: self.effects.clone(),
            busy: self.busy.clone(),
            lease: self.lease,
        }
    }
}

/// What a step of the replay found wrong.
type Failed = String;

fn store_error(error: StoreError) -> Failed {
    error.to_string()
}

impl<E: Effects> Replayer<E> {
    /// A replayer on `store` with `effects`, holding `busy` for each payment and leasing
    /// notifications for `lease`.
    pub(crate) fn new(
        store: Store,
        effects: Arc<E>,
        busy: Arc<Mutex<()>>,
        lease: Duration,
    ) -> Self {
        Self {
            store,
            effects,
            busy,
            lease,
        }
    }

    /// Replays `scope`; with `dry_run`, says what would change and writes nothing.
    pub async fn replay(&self, scope: &Scope, dry_run: bool) -> Result<Report, ReplayError> {
        let (reference, since) = match scope {
            Scope::Payment(reference) => (Some(reference.as_str()), i64::MIN),
            Scope::Since(since) => (None, *since),
            Scope::All => (None, i64::MIN),
        };
        let payments = self
            .store
            .replay_payments(reference, since)
            .await
            .map_err(ReplayError::Store)?;
        let unkeyed = match scope {
            Scope::Payment(_) => Vec::new(),
            _ => self
                .store
                .replay_unkeyed(since)
                .await
                .map_err(ReplayError::Store)?,
        };
        if let (Scope::Payment(reference), true) = (scope, payments.is_empty()) {
            return Err(ReplayError::NotFound(reference.clone()));
        }
        let mut report = Report {
            dry_run,
            scope: scope.describe(),
            payments: payments.len(),
            unkeyed: unkeyed.len(),
            ..Report::default()
        };
        for key in &payments {
            let mut entry = Entry {
                payment: Some(key.clone()),
                ..Entry::default()
            };
            let busy = self.hold(dry_run).await;
            let outcome = AssertUnwindSafe(self.payment(&mut entry, key, dry_run))
                .catch_unwind()
                .await;
            drop(busy);
            entry.error = failure(outcome);
            report.push(entry);
        }
        for row in unkeyed {
            // A row that cannot be read has no actions to perform: the worker records it as
            // failing, and it stays so.
            let Ok(stored) = row else { continue };
            let mut entry = Entry {
                notification: Some(stored.id),
                merchant_reference: stored.item.merchant_reference.clone(),
                ..Entry::default()
            };
            let busy = self.hold(dry_run).await;
            let outcome = AssertUnwindSafe(async {
                let actions = payments::item_actions(&stored.item);
                let stuck = Stuck::Notification(stored.id);
                self.act(&mut entry, stuck, actions, stored.id, dry_run)
                    .await
            })
            .catch_unwind()
            .await;
            drop(busy);
            entry.error = failure(outcome);
            report.push(entry);
        }
        Ok(report)
    }

    /// The worker's lock, unless this is a dry run, which writes nothing.
    async fn hold(&self, dry_run: bool) -> Option<tokio::sync::MutexGuard<'_, ()>> {
        if dry_run {
            None
        } else {
            Some(self.busy.lock().await)
        }
    }

    /// Replays payment `key` into `entry`: its state, then its actions and notifications.
    async fn payment(&self, entry: &mut Entry, key: &str, dry_run: bool) -> Result<(), Failed> {
        let inputs = self.store.payment_inputs(key).await.map_err(store_error)?;
        let saved = self.store.saved_payment(key).await.map_err(store_error)?;
        let mut computed = payments::fold(key, &inputs.items);
        computed.problems.extend(inputs.unreadable);
        let payment = match state_change(saved.as_ref(), &computed) {
            // In the worker's own transaction, which reads the notifications again under the
            // payment's lock: a notification stored meanwhile is not overwritten by a stale state.
            Some(_) if !dry_run => self
                .store
                .update_payment(key, |items| payments::fold(key, items))
                .await
                .map_err(store_error)?,
            _ => computed,
        };
        entry.merchant_reference = payment.merchant_reference.clone();
        entry.state = state_change(saved.as_ref(), &payment);
        let last_id = inputs.last_id.unwrap_or_default();
        self.act(
            entry,
            Stuck::Payment(key),
            payments::actions(&payment),
            last_id,
            dry_run,
        )
        .await
    }

    /// Performs those of `actions` never performed (recorded under `notification_id`), then
    /// marks the failing and dead-lettered notifications of `of` processed if all succeeded,
    /// leasing them meanwhile. One that a worker holds leaves everything to that worker.
    async fn act(
        &self,
        entry: &mut Entry,
        of: Stuck<'_>,
        actions: Vec<Action>,
        notification_id: i64,
        dry_run: bool,
    ) -> Result<(), Failed> {
        let unprocessed = self.store.unprocessed(of).await.map_err(store_error)?;
        if let Some(busy) = unprocessed.iter().find(|notification| notification.leased) {
            entry.notifications.push(left(busy, LEASED));
            return Ok(());
        }
        let mut todo = Vec::new();
        for action in actions {
            let key = action.key();
            if !self.store.action_done(&key).await.map_err(store_error)? {
                todo.push((key, action));
            }
        }
        // Pending ones are the worker's, which will find nothing left to do.
        let stuck = unprocessed
            .iter()
            .filter(|notification| notification.state != ProcessingState::Pending);
        let mut taken = Vec::new();
        for notification in stuck {
            if !notification.readable {
                entry.notifications.push(left(notification, UNREADABLE));
                continue;
            }
            if !dry_run
                && !self
                    .store
                    .lease(notification.id, self.lease)
                    .await
                    .map_err(store_error)?
            {
                // A worker took it meanwhile: the payment is its.
                for &id in &taken {
                    self.store.release(id, None).await.map_err(store_error)?;
                }
                entry.notifications.clear();
                entry.notifications.push(left(notification, LEASED));
                return Ok(());
            }
            taken.push(notification.id);
            entry.notifications.push(NotificationReport {
                id: notification.id,
                from: notification.state.as_str().to_owned(),
                to: Some("processed".to_owned()),
                note: None,
            });
        }
        let mut failed = None;
        for (key, action) in todo {
            let mut report = ActionReport {
                action: action.to_string(),
                key,
                error: None,
            };
            if !dry_run {
                match self.effects.perform(&report.key, &action).await {
                    Ok(()) => self
                        .store
                        .record_action(&report.key, notification_id)
                        .await
                        .map_err(store_error)?,
                    Err(error) => {
                        failed = Some(format!("{action}: {error}"));
                        report.error = Some(error.to_string());
                    }
                }
            }
            entry.actions.push(report);
            if failed.is_some() {
                break;
            }
        }
        let moved = entry
            .notifications
            .iter_mut()
            .filter(|notification| taken.contains(&notification.id));
        for notification in moved {
            match &failed {
                None if dry_run => {}
                None => self
                    .store
                    .mark_replayed(notification.id)
                    .await
                    .map_err(store_error)?,
                Some(error) => {
                    self.store
                        .release(notification.id, Some(error))
                        .await
                        .map_err(store_error)?;
                    notification.to = None;
                    notification.note = Some(FAILED_AGAIN.to_owned());
                }
            }
        }
        Ok(())
    }
}

/// `notification`, left as it is because of `note`.
fn left(notification: &StuckNotification, note: &str) -> NotificationReport {
    NotificationReport {
        id: notification.id,
        from: notification.state.as_str().to_owned(),
        to: None,
        note: Some(note.to_owned()),
    }
}

const LEASED: &str = "a worker holds its lease: the payment is left to it, replay it later";
const UNREADABLE: &str = "its stored row cannot be read";
const FAILED_AGAIN: &str = "an action failed again";

/// The error of a replay step, a panic included.
fn failure(outcome: Result<Result<(), Failed>, Box<dyn std::any::Any + Send>>) -> Option<String> {
    match outcome {
        Ok(Ok(())) => None,
        Ok(Err(error)) => Some(error),
        Err(panic) => Some(format!(
            "panicked: {}",
            panic
                .downcast_ref::<String>()
                .map(String::as_str)
                .or_else(|| panic.downcast_ref::<&str>().copied())
                .unwrap_or("(no message)")
        )),
    }
}

impl Report {
    fn push(&mut self, entry: Entry) {
        if entry.is_empty() {
            return;
        }
        self.changed |= entry.changes();
        self.failed += usize::from(entry.failed());
        self.changes.push(entry);
    }
}

/// A replay to run, as the admin listener holds it, whatever the effects.
pub type ReplayFuture = Pin<Box<dyn Future<Output = Result<Report, ReplayError>> + Send>>;

/// A [`Replayer`] with its effects type erased, for the admin listener.
pub trait Replay: Send + Sync + 'static {
    /// Replays `scope` (see [`Replayer::replay`]), in a future of its own.
    fn start(&self, scope: Scope, dry_run: bool) -> ReplayFuture;
}

impl<E: Effects> Replay for Replayer<E> {
    fn start(&self, scope: Scope, dry_run: bool) -> ReplayFuture {
        let replayer = self.clone();
        Box::pin(async move { replayer.replay(&scope, dry_run).await })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tower_adyen_webhook::{Amount, NotificationRequestItem};

    fn request(json: &str) -> Result<Scope, String> {
        serde_json::from_str::<ReplayRequest>(json)
            .map_err(|error| error.to_string())?
            .scope()
    }

    #[test]
    fn a_request_names_exactly_one_scope() {
        assert_eq!(
            request(r#"{"payment": " ORDER-1 "}"#),
            Ok(Scope::Payment("ORDER-1".into()))
        );
        assert_eq!(request(r#"{"all": true}"#), Ok(Scope::All));
        assert_eq!(
            request(r#"{"since": "2026-11-28T13:05:09Z", "dryRun": true}"#),
            Ok(Scope::Since(1_795_871_109_000))
        );
        for (json, error) in [
            ("{}", "say what to replay"),
            (r#"{"all": false}"#, "say what to replay"),
            (r#"{"payment": "  "}"#, "payment is empty"),
            (r#"{"payment": "P", "all": true}"#, "only one"),
            (
                r#"{"payment": "P", "since": "2026-11-28T13:05:09Z"}"#,
                "only one",
            ),
            (
                r#"{"since": "2026-11-28T13:05:09Z", "all": true}"#,
                "only one",
            ),
            (r#"{"since": "yesterday"}"#, "not an RFC 3339 timestamp"),
            (r#"{"al": true}"#, "unknown field"),
        ] {
            let got = request(json).unwrap_err();
            assert!(got.contains(error), "{json}: {got}");
        }
        let dry: ReplayRequest = serde_json::from_str(r#"{"all": true, "dryRun": true}"#).unwrap();
        assert!(dry.dry_run);
        let wet: ReplayRequest = serde_json::from_str(r#"{"all": true}"#).unwrap();
        assert!(!wet.dry_run);
        // What the command sends is what the endpoint reads.
        let sent = serde_json::to_string(&dry).unwrap();
        assert_eq!(sent, r#"{"all":true,"dryRun":true}"#);
        assert_eq!(serde_json::from_str::<ReplayRequest>(&sent).unwrap(), dry);
    }

    #[test]
    fn since_takes_rfc3339_with_any_offset() {
        assert_eq!(parse_since("2026-11-28T13:05:09Z"), Ok(1_795_871_109_000));
        assert_eq!(
            parse_since("2026-11-28T14:05:09.123+01:00"),
            Ok(1_795_871_109_123)
        );
        assert_eq!(parse_since(" 1970-01-01T00:00:00Z "), Ok(0));
        for text in ["2026-11-28", "2026-11-28 13:05:09", "", "1795871109"] {
            let error = parse_since(text).unwrap_err();
            assert!(error.contains("RFC 3339"), "{text}: {error}");
        }
    }

    #[test]
    fn scopes_describe_themselves() {
        assert_eq!(
            Scope::Payment("A".into()).describe(),
            r#"payment or order "A""#
        );
        assert_eq!(
            Scope::Since(0).describe(),
            "notifications received since 1970-01-01T00:00:00.000Z"
        );
        assert_eq!(Scope::All.describe(), "every notification");
    }

    fn authorised() -> Payment {
        let mut item = NotificationRequestItem::new("PAY", "AUTHORISATION");
        item.merchant_reference = "order-1".into();
        item.amount = Some(Amount::new(1000, "EUR"));
        payments::fold("PAY", [&item])
    }

    #[test]
    fn the_state_change_names_what_differs() {
        let computed = authorised();
        assert_eq!(state_change(Some(&computed), &computed), None);
        assert_eq!(
            state_change(None, &computed),
            Some(StateChange {
                from: None,
                to: PaymentStatus::Authorised,
                fields: vec!["(no saved state)".into()],
            })
        );
        let mut saved = computed.clone();
        saved.status = PaymentStatus::Pending;
        saved.events.clear();
        assert_eq!(
            state_change(Some(&saved), &computed),
            Some(StateChange {
                from: Some(PaymentStatus::Pending),
                to: PaymentStatus::Authorised,
                fields: vec!["events".into(), "status".into()],
            })
        );
        let mut problems = computed.clone();
        problems.problems.push("x".into());
        let change = state_change(Some(&problems), &computed).unwrap();
        assert_eq!(change.from, Some(PaymentStatus::Authorised));
        assert_eq!(change.fields, ["problems"]);
    }

    fn entry() -> Entry {
        Entry {
            payment: Some("PAY".into()),
            merchant_reference: "order-1".into(),
            ..Entry::default()
        }
    }

    #[test]
    fn a_report_counts_changes_and_failures() {
        let mut report = Report::default();
        report.push(entry());
        assert_eq!(report.changes, []);
        assert!(!report.changed);

        // A notification left to the worker is listed, but changes nothing.
        let mut left = entry();
        left.notifications.push(NotificationReport {
            id: 1,
            from: "failing".into(),
            to: None,
            note: Some(LEASED.into()),
        });
        report.push(left);
        assert_eq!((report.changes.len(), report.changed), (1, false));

        let mut moved = entry();
        moved.notifications.push(NotificationReport {
            id: 2,
            from: "dead".into(),
            to: Some("processed".into()),
            note: None,
        });
        let mut state = Report::default();
        state.push(moved);
        assert!(state.changed);

        let mut failed = entry();
        failed.actions.push(ActionReport {
            key: "k".into(),
            action: "a".into(),
            error: Some("down".into()),
        });
        report.push(failed);
        assert_eq!((report.changed, report.failed), (false, 1));

        let mut performed = entry();
        performed.actions.push(ActionReport {
            key: "k".into(),
            action: "a".into(),
            error: None,
        });
        report.push(performed);
        assert_eq!((report.changed, report.failed), (true, 1));

        let mut broken = entry();
        broken.error = Some("store down".into());
        let mut errors = Report::default();
        errors.push(broken);
        assert_eq!((errors.changed, errors.failed), (false, 1));

        let mut changed = entry();
        changed.state = state_change(None, &authorised());
        let mut states = Report::default();
        states.push(changed);
        assert_eq!((states.changed, states.failed), (true, 0));
    }

    #[test]
    fn the_text_says_what_changed_or_that_nothing_does() {
        let mut report = Report {
            dry_run: true,
            scope: Scope::All.describe(),
            payments: 1,
            ..Report::default()
        };
        assert_eq!(
            report.to_text(),
            "dry run of every notification: 1 payments, 0 notifications about no payment\n\
             nothing to change\n"
        );
        let mut changed = entry();
        changed.state = state_change(None, &authorised());
        changed.actions.push(ActionReport {
            key: "confirm-order:PAY".into(),
            action: "confirm order".into(),
            error: None,
        });
        changed.notifications.push(NotificationReport {
            id: 7,
            from: "dead".into(),
            to: Some("processed".into()),
            note: None,
        });
        changed.notifications.push(NotificationReport {
            id: 8,
            from: "failing".into(),
            to: None,
            note: Some(LEASED.into()),
        });
        report.push(changed);
        let text = report.to_text();
        for line in [
            "payment \"PAY\" (order \"order-1\"):\n",
            "  state none -> authorised ((no saved state))\n",
            "  would perform confirm-order:PAY: confirm order\n",
            "  notification 7 dead -> would be processed\n",
            "  notification 8 stays failing: a worker holds its lease: the payment is left to it, replay it later\n",
            "run again without --dry-run to apply\n",
        ] {
            assert!(text.contains(line), "{line:?} in:\n{text}");
        }
        report.dry_run = false;
        let text = report.to_text();
        assert!(text.starts_with("replay of every notification"), "{text}");
        assert!(text.contains("  performed confirm-order:PAY"), "{text}");
        assert!(
            text.contains("  notification 7 dead -> now processed"),
            "{text}"
        );
        assert!(
            text.ends_with("done; a second replay has nothing to change\n"),
            "{text}"
        );

        let mut failed = Entry {
            notification: Some(9),
            error: Some("store down".into()),
            ..Entry::default()
        };
        failed.actions.push(ActionReport {
            key: "download-report:r".into(),
            action: "download".into(),
            error: Some("refused".into()),
        });
        report.push(failed);
        let text = report.to_text();
        assert!(text.contains("notification 9:\n"), "{text}");
        assert!(
            text.contains("  FAILED download-report:r: download: refused\n"),
            "{text}"
        );
        assert!(text.contains("  FAILED: store down\n"), "{text}");
        assert!(
            text.ends_with("1 failed: fix what they say and replay again\n"),
            "{text}"
        );

        // The report crosses the wire: the command prints what the endpoint sent.
        let json = serde_json::to_string(&report).unwrap();
        assert_eq!(serde_json::from_str::<Report>(&json).unwrap(), report);
    }

    #[test]
    fn a_notification_left_says_why() {
        let stuck = StuckNotification {
            id: 3,
            state: ProcessingState::Dead,
            leased: false,
            readable: false,
        };
        assert_eq!(
            left(&stuck, UNREADABLE),
            NotificationReport {
                id: 3,
                from: "dead".into(),
                to: None,
                note: Some(UNREADABLE.into()),
            }
        );
    }

    #[test]
    fn failures_and_panics_become_errors() {
        assert_eq!(failure(Ok(Ok(()))), None);
        assert_eq!(failure(Ok(Err("down".into()))), Some("down".into()));
        let owned: Box<dyn std::any::Any + Send> = Box::new(String::from("bug"));
        assert_eq!(failure(Err(owned)), Some("panicked: bug".into()));
        let borrowed: Box<dyn std::any::Any + Send> = Box::new("bug");
        assert_eq!(failure(Err(borrowed)), Some("panicked: bug".into()));
        let other: Box<dyn std::any::Any + Send> = Box::new(1);
        assert_eq!(failure(Err(other)), Some("panicked: (no message)".into()));
    }
}
