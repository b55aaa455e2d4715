//! Runs the business logic on stored notifications, away from the acknowledgement.
//!
//! The webhook handler only stores; Adyen has its `[accepted]` within milliseconds, whatever the
//! business logic costs. The worker then takes stored notifications one at a time
//! ([`Store::claim_due`]), recomputes the payment's state ([`payments::fold`]), carries out the
//! [`Action`](crate::payments::Action)s, and marks the notification processed, only then.
//!
//! - A crash or restart at any point loses nothing: what was not marked processed is taken up
//!   again once its lease runs out, by this instance or another one.
//! - A failing step (the order system is down...) is recorded on the notification, shown as
//!   `failing` by the API, and retried with exponential backoff; the other notifications go on.
//!   After [`WorkerConfig::max_attempts`] attempts it is dead-lettered: shown as `dead`, logged,
//!   and left alone until an operator requeues it.
//! - A stored row that cannot be decoded (written by another version, edited by hand) is a
//!   failed attempt like any other: recorded with its error, retried, dead-lettered.
//! - A panic while processing a notification (a bug in the business logic, a notification it
//!   did not expect) counts as a failed step: recorded, retried with backoff, and the worker goes
//!   on with the others instead of dying and leaving every later notification unprocessed.
//! - Running a notification again is harmless: the payment's state is recomputed, not patched,
//!   and each action it implies is performed once, by its idempotency key
//!   ([`Action::key`](crate::payments::Action::key)), whichever notification brought it.
//! - A [`replay`](crate::replay) after a fix runs beside it, on the same effects: each step
//!   and each replayed payment hold one lock, so that the two never act at the same time.

use std::any::Any;
use std::panic::AssertUnwindSafe;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use futures_util::FutureExt as _;
use tokio::sync::{watch, Mutex, Notify};

use crate::config::DEFAULT_WORKER_MAX_ATTEMPTS;
use crate::payments::{self, Effects};
use crate::replay::Replayer;
use crate::store::{Store, StoreError, StoredNotification};

/// How the worker paces itself.
#[derive(Clone, Debug)]
pub struct WorkerConfig {
    /// How often to look for due work when nothing wakes the worker up (retries coming due,
    /// notifications stored by other instances).
    pub poll_interval: Duration,
    /// How long a notification stays reserved for the worker processing it. A worker that dies
    /// holds it this long at most.
    pub lease: Duration,
    /// The delay before the first retry of a failed step; it doubles on each failure.
    pub retry_base: Duration,
    /// The longest delay between retries.
    pub retry_max: Duration,
    /// After this many failed attempts, a notification is dead-lettered.
    pub max_attempts: i64,
}

impl Default for WorkerConfig {
    fn default() -> Self {
        Self {
            poll_interval: Duration::from_secs(1),
            lease: Duration::from_secs(60),
            retry_base: Duration::from_secs(2),
            retry_max: Duration::from_secs(15 * 60),
            max_attempts: DEFAULT_WORKER_MAX_ATTEMPTS,
        }
    }
}

impl WorkerConfig {
    /// The delay before the next attempt, after `attempts` attempts failed: `retry_base`,
    /// doubled for each further failure, at most `retry_max`.
    pub fn retry_delay(&self, attempts: i64) -> Duration {
        let doublings = u32::try_from(attempts.saturating_sub(1).clamp(0, 30)).unwrap_or(30);
        self.retry_base
            .saturating_mul(2u32.saturating_pow(doublings))
            .min(self.retry_max)
    }
}

/// What one step of the worker did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// Notification `id` is processed.
    Processed {
        /// The notification.
        id: i64,
    },
    /// Notification `id` failed and will be retried.
    Failed {
        /// The notification.
        id: i64,
        /// Why.
        error: String,
        /// When, from now.
        retry_in: Duration,
        /// Whether it was dead-lettered instead: it will not be retried until requeued.
        dead: bool,
    },
}

/// The shortest silence after which an idle worker counts as gone, however short its poll.
const MIN_SILENCE: Duration = Duration::from_secs(5);

/// Signs of life from a [`Worker`]'s loop, for the admin listener's `GET /ready`.
///
/// The loop beats each time round, at least once per poll interval when idle. A worker in the
/// middle of a notification beats again once it is done: it counts as alive for as long as the
/// notification's lease, after which another instance would take the notification over anyway.
#[derive(Debug)]
pub struct Heartbeat {
    origin: Instant,
    /// Milliseconds since `origin` at the last beat.
    last: AtomicU64,
    /// Whether the worker is inside a step (claiming, processing, recording a notification).
    busy: AtomicBool,
    idle_limit: Duration,
    busy_limit: Duration,
}

impl Heartbeat {
    fn new(config: &WorkerConfig) -> Self {
        Self {
            origin: Instant::now(),
            last: AtomicU64::new(0),
            busy: AtomicBool::new(false),
            idle_limit: config.poll_interval.saturating_mul(3).max(MIN_SILENCE),
            busy_limit: config.lease.max(MIN_SILENCE),
        }
    }

    fn beat(&self, busy: bool) {
        let now = u64::try_from(self.origin.elapsed().as_millis()).unwrap_or(u64::MAX);
        self.last.store(now, Ordering::Relaxed);
        self.busy.store(busy, Ordering::Relaxed);
    }

    /// `Ok` while the worker shows signs of life, else why it does not.
    pub fn check(&self) -> Result<(), String> {
        let last = Duration::from_millis(self.last.load(Ordering::Relaxed));
        let silence = self.origin.elapsed().saturating_sub(last);
        let (limit, doing) = if self.busy.load(Ordering::Relaxed) {
            (self.busy_limit, "in one step")
        } else {
            (self.idle_limit, "since its last poll")
        };
        if silence <= limit {
            Ok(())
        } else {
            Err(format!(
                "the worker has been silent {doing} for {}s (more than {}s)",
                silence.as_secs(),
                limit.as_secs()
            ))
        }
    }
}

/// The worker: see the [module docs](self).
#[derive(Debug)]
pub struct Worker<E> {
    store: Store,
    effects: Arc<E>,
    config: WorkerConfig,
    wake: Arc<Notify>,
    heartbeat: Arc<Heartbeat>,
    /// Held for each step, and by a replay for each payment.
    busy: Arc<Mutex<()>>,
}

impl<E: Effects> Worker<E> {
    /// A worker on `store`, carrying out actions with `effects`. Notify `wake` when something
    /// was stored, so that it starts at once instead of at its next poll.
    pub fn new(store: Store, effects: E, config: WorkerConfig, wake: Arc<Notify>) -> Self {
        Self {
            store,
            effects: Arc::new(effects),
            heartbeat: Arc::new(Heartbeat::new(&config)),
            config,
            wake,
            busy: Arc::new(Mutex::new(())),
        }
    }

    /// Replays on `store` with this worker's effects, never at the same time as one of its
    /// steps: see [`replay`](crate::replay).
    pub fn replayer(&self, store: Store) -> Replayer<E> {
        Replayer::new(
            store,
            self.effects.clone(),
            self.busy.clone(),
            self.config.lease,
        )
    }

    /// This worker's signs of life, to be read while it runs.
    pub fn heartbeat(&self) -> Arc<Heartbeat> {
        self.heartbeat.clone()
    }

    /// Processes notifications until `shutdown` turns `true`.
    ///
    /// Shutdown is only looked at between notifications: a notification being processed is
    /// finished first. (If the process is killed anyway, its lease runs out and it is resumed.)
    pub async fn run(self, mut shutdown: watch::Receiver<bool>) {
        loop {
            if *shutdown.borrow() {
                break;
            }
            self.heartbeat.beat(true);
            // A panic in the business logic is caught in `step`; this catches one in the store's
            // own calls, so that the worker lives on whatever happens.
            let stepped = AssertUnwindSafe(self.step()).catch_unwind().await;
            self.heartbeat.beat(false);
            match stepped {
                Ok(Ok(Some(_))) => continue,
                Ok(Ok(None)) => {}
                Ok(Err(error)) => tracing::warn!(%error, "worker could not reach the store"),
                Err(panic) => tracing::error!(
                    panic = panic_message(&*panic),
                    "the worker panicked between notifications; going on (the notification in \
                     hand is taken up again once its lease runs out)"
                ),
            }
            tokio::select! {
                () = self.wake.notified() => {}
                () = tokio::time::sleep(self.config.poll_interval) => {}
                _ = shutdown.changed() => {}
            }
        }
    }

    /// Processes the next due notification, if any.
    pub async fn step(&self) -> Result<Option<Outcome>, StoreError> {
        let _busy = self.busy.lock().await;
        let notification = match self.store.claim_due(self.config.lease).await? {
            None => return Ok(None),
            Some(Ok(notification)) => notification,
            Some(Err(unreadable)) => {
                let error = format!("the stored row cannot be read: {}", unreadable.error);
                tracing::warn!(notification = unreadable.id, %error, "processing failed");
                return self
                    .failed(unreadable.id, unreadable.attempts, error)
                    .await
                    .map(Some);
            }
        };
        let id = notification.id;
        let item = &notification.item;
        let processed = match AssertUnwindSafe(self.process(&notification))
            .catch_unwind()
            .await
        {
            Ok(result) => result,
            Err(panic) => Err(format!("panicked: {}", panic_message(&*panic))),
        };
        match processed {
            Ok(()) => {
                self.store.mark_processed(id).await?;
                tracing::debug!(notification = id, psp_reference = ?item.psp_reference, event_code = ?item.event_code.as_str(), "processed");
                Ok(Some(Outcome::Processed { id }))
            }
            Err(error) => {
                tracing::warn!(
                    notification = id,
                    psp_reference = ?item.psp_reference,
                    event_code = ?item.event_code.as_str(),
                    attempt = notification.processing.attempts,
                    error = ?error,
                    "processing failed"
                );
                self.failed(id, notification.processing.attempts, error)
                    .await
                    .map(Some)
            }
        }
    }

    /// Records a failed attempt: retried with backoff, or dead-lettered after the last one.
    async fn failed(&self, id: i64, attempts: i64, error: String) -> Result<Outcome, StoreError> {
        let retry_in = self.config.retry_delay(attempts);
        let dead = attempts >= self.config.max_attempts;
        self.store.mark_failed(id, &error, retry_in, dead).await?;
        if dead {
            tracing::error!(
                notification = id,
                attempts,
                "dead-lettered: not retried until an operator requeues it \
                 (POST /api/notifications/{id}/requeue on the admin listener, or the requeue \
                 command)"
            );
        } else {
            tracing::info!(notification = id, attempts, "retrying in {retry_in:?}");
        }
        Ok(Outcome::Failed {
            id,
            error,
            retry_in,
            dead,
        })
    }

    async fn process(&self, notification: &StoredNotification) -> Result<(), String> {
        let item = &notification.item;
        let actions = match payments::payment_key(item) {
            Some(key) => {
                let payment = self
                    .store
                    .update_payment(key, |items| payments::fold(key, items))
                    .await
                    .map_err(|error| error.to_string())?;
                payments::actions(&payment)
            }
            None => payments::item_actions(item),
        };
        // Every action the payment's state implies, performed once: the store records each
        // key once its effect succeeded, and any later notification of the payment skips it.
        // A crash between the effect and the record performs it again, so effects must still
        // be idempotent on the key they are given.
        for action in actions {
            let key = action.key();
            if self
                .store
                .action_done(&key)
                .await
                .map_err(|error| error.to_string())?
            {
                continue;
            }
            self.effects
                .perform(&key, &action)
                .await
                .map_err(|error| format!("{action}: {error}"))?;
            self.store
                .record_action(&key, notification.id)
                .await
                .map_err(|error| error.to_string())?;
        }
        Ok(())
    }
}

/// The message of a caught panic, when it has one.
fn panic_message(panic: &(dyn Any + Send)) -> &str {
    panic
        .downcast_ref::<String>()
        .map(String::as_str)
        .or_else(|| panic.downcast_ref::<&str>().copied())
        .unwrap_or("(no message)")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retries_back_off_exponentially_up_to_a_limit() {
        let config = WorkerConfig {
            retry_base: Duration::from_secs(2),
            retry_max: Duration::from_secs(60),
            ..WorkerConfig::default()
        };
        let delays: Vec<u64> = (1..=7).map(|n| config.retry_delay(n).as_secs()).collect();
        assert_eq!(delays, [2, 4, 8, 16, 32, 60, 60]);
        assert_eq!(config.retry_delay(0), Duration::from_secs(2));
        assert_eq!(config.retry_delay(i64::MAX), Duration::from_secs(60));
    }

    #[test]
    fn a_silent_worker_is_reported_after_its_limit() {
        let heartbeat = Heartbeat::new(&WorkerConfig::default());
        heartbeat.beat(false);
        assert_eq!(heartbeat.check(), Ok(()));
        let idle = Heartbeat {
            idle_limit: Duration::ZERO,
            ..Heartbeat::new(&WorkerConfig::default())
        };
        std::thread::sleep(Duration::from_millis(5));
        let error = idle.check().unwrap_err();
        assert!(error.contains("since its last poll"), "{error}");
        // Busy: the lease's 60 seconds apply, not the idle limit.
        idle.beat(true);
        assert_eq!(idle.check(), Ok(()));
    }
}
