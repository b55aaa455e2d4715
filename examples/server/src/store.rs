//! Where notifications live: SQLite (embedded, the default) or PostgreSQL (shared by several
//! server instances), through sqlx's `Any` driver so that one set of queries serves both.
//!
//! - [`Store::save`] writes a request's verified items in one transaction, before the
//!   acknowledgement. A redelivery (same `pspReference`, `eventCode`, `success`) is not stored
//!   again; its delivery is counted.
//! - [`Store::claim_due`], [`Store::mark_processed`] and [`Store::mark_failed`] are the worker's
//!   queue: a notification is leased while it is processed, so that several instances never work
//!   on the same one and a crashed instance's lease simply runs out.
//! - [`Store::update_payment`] recomputes a payment's state from its notifications.
//! - [`Store::save_event`] stores a header-signed webhook (Balance Platform, Management API...),
//!   or a `type`/`data` event of the standard route (notice of change), in one transaction,
//!   before the acknowledgement, deduplicated by the key
//!   [`platform::dedupe_key`](crate::platform::dedupe_key) gives it, with how it was
//!   [authenticated](Authentication). These are stored only.
//! - [`Store::configure_keys`] and [`Store::record_key_use`] remember, per HMAC key, when it was
//!   first configured and last verified a webhook, for the key-rotation view
//!   ([`keys`](crate::keys)).
//!
//! Timestamps are milliseconds since the Unix epoch and booleans are `0`/`1`: the types both
//! databases and the `Any` driver agree on.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use sqlx::any::{AnyPoolOptions, AnyRow};
use sqlx::sqlite::SqliteConnectOptions;
use sqlx::{AnyPool, Executor, Row as _};
use tower_adyen_webhook::NotificationRequestItem;

use crate::faults::{Fault, FaultInjector, FaultPoint, PANIC_MESSAGE};
use crate::payments::{self, Payment};
use crate::time::{after, now_ms};

/// The database behind a [`Store`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    /// An SQLite file, embedded in the process.
    Sqlite,
    /// A PostgreSQL server.
    Postgres,
}

/// The notification store. Cloning is cheap: clones share the connection pools.
#[derive(Clone, Debug)]
pub struct Store {
    /// The pool this handle's queries use: the shared one, or the worker's in the handle
    /// [`Store::for_worker`] returns.
    pool: AnyPool,
    /// Connections kept for the worker alone. A worker queueing behind a flood of webhook
    /// requests for each of its queries fell minutes behind the acknowledgements.
    worker_pool: AnyPool,
    backend: Backend,
    /// Faults to inject, for tests only: `None` unless [`Store::with_faults`] was called.
    faults: Option<Arc<dyn FaultInjector>>,
}

/// A database error, with what the store was doing.
#[derive(Debug)]
pub struct StoreError {
    doing: &'static str,
    source: Box<dyn std::error::Error + Send + Sync>,
}

impl StoreError {
    fn new(doing: &'static str) -> impl FnOnce(sqlx::Error) -> Self {
        move |source| Self {
            doing,
            source: source.into(),
        }
    }
}

impl fmt::Display for StoreError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.doing, self.source)
    }
}

impl std::error::Error for StoreError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        Some(&*self.source)
    }
}

/// What [`Store::save`] did with one item.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Saved {
    /// The stored notification's id.
    pub id: i64,
    /// How many times it has been delivered, this one included: more than 1 is a redelivery,
    /// recognised and not stored again.
    pub deliveries: i64,
}

impl Saved {
    /// The `RETURNING id, deliveries` of an insert.
    fn from_row(row: &AnyRow) -> Result<Self, StoreError> {
        Ok(Self {
            id: row
                .try_get("id")
                .map_err(StoreError::new("reading an id"))?,
            deliveries: row
                .try_get("deliveries")
                .map_err(StoreError::new("reading a delivery count"))?,
        })
    }

    /// Whether this delivery was a duplicate of a stored notification.
    pub fn is_duplicate(&self) -> bool {
        self.deliveries > 1
    }
}

/// A stored notification.
#[derive(Clone, Debug)]
pub struct StoredNotification {
    /// Its id in the store.
    pub id: i64,
    /// The request's `live` flag.
    pub live: bool,
    /// The verified item, as received the first time.
    pub item: NotificationRequestItem,
    /// How many times Adyen delivered it.
    pub deliveries: i64,
    /// When it was first received (ms since the epoch).
    pub received_at: i64,
    /// When it was last delivered (ms since the epoch).
    pub last_delivered_at: i64,
    /// How its processing went.
    pub processing: Processing,
    /// Why it is not applied, if it is not (a Customer Area test, another merchant account,
    /// the other environment): stored and acknowledged, never processed.
    pub ignored: Option<String>,
}

/// A stored row that cannot be decoded (written by another version, edited by hand): shown as
/// such, recorded as a failed attempt by the worker, never fatal to anything else.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UnreadableRow {
    /// Its id in the store.
    pub id: i64,
    /// How many times a worker took it up.
    pub attempts: i64,
    /// Why it cannot be read.
    pub error: String,
}

/// A row as read: a notification, or what is wrong with it.
pub type Row = Result<StoredNotification, UnreadableRow>;

/// Where the processing of a stored notification stands.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Processing {
    /// How many times a worker took it up.
    pub attempts: i64,
    /// When it may be taken up next (ms since the epoch).
    pub next_attempt_at: i64,
    /// Why the last attempt failed, while it has not succeeded.
    pub last_error: Option<String>,
    /// When its business logic completed (ms since the epoch).
    pub processed_at: Option<i64>,
    /// When it was dead-lettered (ms since the epoch): it failed too many times and waits for
    /// an operator to requeue it.
    pub dead_at: Option<i64>,
}

/// [`Processing`] in one word.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ProcessingState {
    /// Waiting for the worker.
    Pending,
    /// The last attempt failed; it will be retried at `next_attempt_at`.
    Failing,
    /// It failed too many times: not retried until an operator requeues it.
    Dead,
    /// Done.
    Processed,
}

impl ProcessingState {
    /// The name used in the JSON API.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Failing => "failing",
            Self::Dead => "dead",
            Self::Processed => "processed",
        }
    }
}

impl Processing {
    /// The state in one word.
    pub fn state(&self) -> ProcessingState {
        match (&self.processed_at, &self.dead_at, &self.last_error) {
            (Some(_), _, _) => ProcessingState::Processed,
            (None, Some(_), _) => ProcessingState::Dead,
            (None, None, Some(_)) => ProcessingState::Failing,
            (None, None, None) => ProcessingState::Pending,
        }
    }
}

/// Counts over the whole store.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Stats {
    /// Notifications stored (each once).
    pub notifications: i64,
    /// Deliveries received, redeliveries included.
    pub deliveries: i64,
    /// Notifications whose business logic completed.
    pub processed: i64,
    /// Notifications whose last attempt failed (dead-lettered ones included).
    pub failing: i64,
    /// Notifications dead-lettered: waiting for an operator.
    pub dead: i64,
    /// Notifications neither processed nor dead-lettered that never failed: waiting for their
    /// first attempt (or in it).
    pub due: i64,
    /// When the oldest notification neither processed nor dead-lettered was received, in
    /// milliseconds since the Unix epoch; `None` when there is none.
    pub oldest_unprocessed_at: Option<i64>,
    /// Notifications stored but ignored (tests, other accounts, the other environment).
    pub ignored: i64,
    /// Header-signed webhooks stored (each once).
    pub events: i64,
    /// Deliveries of header-signed webhooks, redeliveries included.
    pub event_deliveries: i64,
}

/// What the store knows of one configured HMAC key: see [`Store::key_records`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KeyRecord {
    /// `notifications` (`ADYEN_HMAC_KEY`) or `platform` (`ADYEN_PLATFORM_HMAC_KEY`).
    pub route: String,
    /// The key's check value.
    pub kcv: String,
    /// When the server first ran with it (ms since the epoch).
    pub first_configured_at: i64,
    /// When it last verified a webhook (ms since the epoch), as last written; `None` for never.
    pub last_verified_at: Option<i64>,
}

/// How a stored event's body was authenticated.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Authentication {
    /// An `HmacSignature` header over the exact bytes, with one of the configured keys: the
    /// header-signed route, and signed `type`/`data` events of the standard route.
    Hmac,
    /// HTTP Basic auth alone: a `type`/`data` event of the standard route that came without a
    /// signature, accepted because `ADYEN_ACCEPT_UNSIGNED_EVENTS` is on. Whoever knows the
    /// webhook's credentials can write one.
    BasicAuth,
}

impl Authentication {
    /// `hmac` or `basic-auth`: the stored value, and the admin API's.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Hmac => "hmac",
            Self::BasicAuth => "basic-auth",
        }
    }

    fn parse(text: &str) -> Option<Self> {
        match text {
            "hmac" => Some(Self::Hmac),
            "basic-auth" => Some(Self::BasicAuth),
            _ => None,
        }
    }
}

/// An event to store (a header-signed webhook, or a `type`/`data` event of the standard route):
/// see [`Store::save_event`].
#[derive(Clone, Copy, Debug)]
pub struct NewEvent<'a> {
    /// The body's `type`, `""` when it has none.
    pub event_type: &'a str,
    /// The body's `environment`, `""` when it has none.
    pub environment: &'a str,
    /// What identifies the event: a redelivery has the same.
    pub dedupe_key: &'a str,
    /// The exact bytes that were verified.
    pub body: &'a [u8],
    /// Why it is not meant for this server, if it is not.
    pub ignored: Option<&'a str>,
    /// How `body` was authenticated.
    pub authentication: Authentication,
}

/// A stored event, without its body.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StoredEvent {
    /// Its id in the store.
    pub id: i64,
    /// The body's `type`.
    pub event_type: String,
    /// The body's `environment`.
    pub environment: String,
    /// What identifies it: see [`platform`](crate::platform).
    pub dedupe_key: String,
    /// When it was first received (ms since the epoch).
    pub received_at: i64,
    /// When it was last delivered (ms since the epoch).
    pub last_delivered_at: i64,
    /// How many times Adyen delivered it.
    pub deliveries: i64,
    /// Why it is not meant for this server, if it is not.
    pub ignored: Option<String>,
    /// How its body was authenticated: [`Authentication::Hmac`] as soon as one delivery of
    /// these bytes was signed.
    pub authentication: Authentication,
}

const EVENT_COLUMNS: &str = "id, event_type, environment, dedupe_key, received_at, \
                             last_delivered_at, deliveries, ignored, authentication";

const COLUMNS: &str = "id, live, item, deliveries, received_at, last_delivered_at, attempts, \
                       next_attempt_at, last_error, processed_at, dead_at, ignored";

/// In arrival order: the business logic reads the order of adjustments from it, never from the
/// unsigned eventDate. Ignored notifications are not the payment's.
const PAYMENT_ITEMS: &str =
    "SELECT id, item FROM notifications WHERE payment_key = $1 AND ignored IS NULL ORDER BY id";

/// What a payment's state is computed from: its notifications, in arrival order.
#[derive(Clone, Debug, Default)]
pub struct PaymentInputs {
    /// The notifications that could be read.
    pub items: Vec<NotificationRequestItem>,
    /// One line for each that could not: it is left out, and the line joins the payment's
    /// problems.
    pub unreadable: Vec<String>,
    /// The newest notification's id, if there is one.
    pub last_id: Option<i64>,
}

impl PaymentInputs {
    fn from_rows(rows: &[AnyRow]) -> Result<Self, StoreError> {
        let mut inputs = Self::default();
        for row in rows {
            let id: i64 = row
                .try_get("id")
                .map_err(StoreError::new("reading an id"))?;
            inputs.last_id = Some(id);
            let decoded = row
                .try_get::<String, _>("item")
                .map_err(|error| error.to_string())
                .and_then(|json| parse_item(json).map_err(|error| error.to_string()));
            match decoded {
                Ok(item) => inputs.items.push(item),
                // One bad row must not stop the payment: it is left out, and said.
                Err(error) => inputs.unreadable.push(format!(
                    "notification {id} could not be read and is left out: {error}"
                )),
            }
        }
        Ok(inputs)
    }
}

/// Whose notifications [`Store::unprocessed`] lists.
#[derive(Clone, Copy, Debug)]
pub enum Stuck<'a> {
    /// Those of the payment with this key.
    Payment(&'a str),
    /// This notification, if it is not processed.
    Notification(i64),
}

/// A notification not processed yet, as [`Store::unprocessed`] lists it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct StuckNotification {
    /// Its id.
    pub id: i64,
    /// Pending, failing or dead-lettered.
    pub state: ProcessingState,
    /// A worker holds its lease right now.
    pub leased: bool,
    /// Its stored item can be decoded.
    pub readable: bool,
}

impl Store {
    /// Opens the database at `url` (`sqlite:...` or `postgres://...`) and creates or migrates
    /// its schema.
    ///
    /// Several instances may start at once against one PostgreSQL database: sqlx takes a lock
    /// while migrating.
    pub async fn connect(url: &str) -> Result<Self, StoreError> {
        sqlx::any::install_default_drivers();
        let url = &check_url(url).map_err(|message| StoreError {
            doing: "reading DATABASE_URL",
            source: message.into(),
        })?;
        let backend = if url.starts_with("sqlite:") {
            Backend::Sqlite
        } else {
            Backend::Postgres
        };
        let sqlite = backend == Backend::Sqlite;
        // SQLite has one writer at a time whatever the pool size.
        let pool = pool_options(backend, if sqlite { 4 } else { 10 })
            .connect(url)
            .await
            .map_err(StoreError::new("opening the database"))?;
        if sqlite {
            // Readers (the JSON API) then never block the writer (the webhook handler).
            pool.execute("PRAGMA journal_mode = WAL")
                .await
                .map_err(StoreError::new("switching SQLite to WAL mode"))?;
        }
        let migrator = match backend {
            Backend::Sqlite => sqlx::migrate!("migrations/sqlite"),
            Backend::Postgres => sqlx::migrate!("migrations/postgres"),
        };
        migrator.run(&pool).await.map_err(|error| StoreError {
            doing: "creating or migrating the schema",
            source: error.into(),
        })?;
        // Opened after the migrations, so that they run once, on the shared pool. One
        // connection: the worker runs one query at a time.
        let worker_pool = pool_options(backend, 1)
            .connect(url)
            .await
            .map_err(StoreError::new("opening the worker's connection"))?;
        Ok(Self {
            pool,
            worker_pool,
            backend,
            faults: None,
        })
    }

    /// A handle on this store for the worker: the same database and faults, on the worker's own
    /// connection, so that webhook requests, however many, never stand between the worker and
    /// the database. Closing either handle closes both pools.
    pub fn for_worker(&self) -> Self {
        Self {
            pool: self.worker_pool.clone(),
            ..self.clone()
        }
    }

    /// This store, with `injector` deciding which of its writes fail, panic or stall: see
    /// [`faults`](crate::faults). For tests only; a store has none unless this is called.
    pub fn with_faults(mut self, injector: Arc<dyn FaultInjector>) -> Self {
        self.faults = Some(injector);
        self
    }

    /// Injects the fault the installed injector asks for at `point`, if any. Without an
    /// injector this is one branch: `subject` is not even computed.
    async fn inject(
        &self,
        point: FaultPoint,
        subject: impl FnOnce() -> String,
    ) -> Result<(), StoreError> {
        let Some(injector) = &self.faults else {
            return Ok(());
        };
        match injector.fault(point, &subject()) {
            None => Ok(()),
            Some(Fault::Error) => Err(StoreError {
                doing: point.as_str(),
                source: format!("{PANIC_MESSAGE}: error").into(),
            }),
            Some(Fault::Panic) => panic!("{PANIC_MESSAGE}: panic at {}", point.as_str()),
            Some(Fault::Delay(delay)) => {
                // Boxed, so that the futures of the store's methods stay as small as without
                // the seam.
                Box::pin(tokio::time::sleep(delay)).await;
                Ok(())
            }
        }
    }

    /// Which database this is.
    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// The connection pool, for maintenance and tests.
    pub fn pool(&self) -> &AnyPool {
        &self.pool
    }

    /// Closes the pools, waiting for connections in use to be returned.
    pub async fn close(&self) {
        self.pool.close().await;
        self.worker_pool.close().await;
    }

    /// Stores the verified items of one request, all or none, in one transaction.
    ///
    /// Returns once the transaction is committed: only then may Adyen be told `[accepted]`.
    pub async fn save(
        &self,
        live: bool,
        items: &[NotificationRequestItem],
    ) -> Result<Vec<Saved>, StoreError> {
        self.save_with(live, items, |_| None).await
    }

    /// [`Store::save`], with `ignored` saying, for each item, why it must not be applied, if it
    /// must not: such an item is stored (so that its acknowledgement is honest and a
    /// redelivery is recognised) as already processed, and never reaches the business logic.
    pub async fn save_with(
        &self,
        live: bool,
        items: &[NotificationRequestItem],
        ignored: impl Fn(&NotificationRequestItem) -> Option<String>,
    ) -> Result<Vec<Saved>, StoreError> {
        let subject = || match items.first() {
            Some(item) => format!(
                "{} {} {}",
                item.psp_reference, item.event_code, item.success
            ),
            None => String::new(),
        };
        self.inject(FaultPoint::SaveBegin, subject).await?;
        let now = now_ms();
        let mut tx = self
            .pool
            .begin()
            .await
            .map_err(StoreError::new("starting a transaction"))?;
        let mut saved = Vec::with_capacity(items.len());
        for item in items {
            let json = serde_json::to_string(item).expect("an item always serializes");
            let ignored = ignored(item);
            let processed_at = ignored.is_some().then_some(now);
            // Every statement of this transaction writes, so SQLite takes its write lock at
            // the first one and waits for it (busy_timeout) instead of failing later.
            let row = sqlx::query(
                "INSERT INTO notifications (psp_reference, event_code, success, \
                     original_reference, merchant_reference, payment_key, live, item, \
                     received_at, last_delivered_at, next_attempt_at, ignored, processed_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9, $9, $10, $11) \
                 ON CONFLICT (psp_reference, event_code, success) DO UPDATE \
                 SET deliveries = notifications.deliveries + 1, \
                     last_delivered_at = excluded.last_delivered_at \
                 RETURNING id, deliveries",
            )
            .bind(text(&item.psp_reference))
            .bind(text(item.event_code.as_str()))
            .bind(i64::from(item.success))
            .bind(text(&item.original_reference))
            .bind(text(&item.merchant_reference))
            .bind(payments::payment_key(item).map(text))
            .bind(i64::from(live))
            .bind(json)
            .bind(now)
            .bind(ignored.as_deref().map(text))
            .bind(processed_at)
            .fetch_one(&mut *tx)
            .await
            .map_err(StoreError::new("storing a notification"))?;
            saved.push(Saved::from_row(&row)?);
        }
        self.inject(FaultPoint::SaveCommit, subject).await?;
        tx.commit()
            .await
            .map_err(StoreError::new("committing the notifications"))?;
        self.inject(FaultPoint::SaveCommitted, subject).await?;
        Ok(saved)
    }

    /// Stores an authenticated event, in one transaction, and returns once it is committed:
    /// only then may Adyen be told `[accepted]`. A redelivery (the same
    /// [`NewEvent::dedupe_key`]) is not stored again; its delivery is counted, and the body
    /// first received is kept. A signed redelivery of an event first received unsigned marks it
    /// [`Authentication::Hmac`]: the stored bytes have then been verified. Never the reverse.
    pub async fn save_event(&self, event: &NewEvent<'_>) -> Result<Saved, StoreError> {
        let subject = || format!("event {}", event.dedupe_key);
        self.inject(FaultPoint::SaveBegin, subject).await?;
        let now = now_ms();
        let mut tx = self
            .pool
            .begin()
            .await
            .map_err(StoreError::new("starting a transaction"))?;
        let row = sqlx::query(
            "INSERT INTO platform_events (event_type, environment, dedupe_key, body, \
                 received_at, last_delivered_at, ignored, authentication) \
             VALUES ($1, $2, $3, $4, $5, $5, $6, $7) \
             ON CONFLICT (dedupe_key) DO UPDATE \
             SET deliveries = platform_events.deliveries + 1, \
                 last_delivered_at = excluded.last_delivered_at, \
                 authentication = CASE WHEN excluded.authentication = 'hmac' THEN 'hmac' \
                                       ELSE platform_events.authentication END \
             RETURNING id, deliveries",
        )
        .bind(text(event.event_type))
        .bind(text(event.environment))
        .bind(text(event.dedupe_key))
        .bind(event.body.to_vec())
        .bind(now)
        .bind(event.ignored.map(text))
        .bind(event.authentication.as_str())
        .fetch_one(&mut *tx)
        .await
        .map_err(StoreError::new("storing an event"))?;
        let saved = Saved::from_row(&row)?;
        self.inject(FaultPoint::SaveCommit, subject).await?;
        tx.commit()
            .await
            .map_err(StoreError::new("committing the event"))?;
        self.inject(FaultPoint::SaveCommitted, subject).await?;
        Ok(saved)
    }

    /// The stored events, newest first, at most `limit` of them, older than
    /// `before` (an id: the cursor of the next page) when given.
    pub async fn list_events(
        &self,
        limit: i64,
        before: Option<i64>,
    ) -> Result<Vec<StoredEvent>, StoreError> {
        let rows = sqlx::query(&format!(
            "SELECT {EVENT_COLUMNS} FROM platform_events WHERE id < $2 ORDER BY id DESC LIMIT $1"
        ))
        .bind(limit)
        .bind(before.unwrap_or(i64::MAX))
        .fetch_all(&self.pool)
        .await
        .map_err(StoreError::new("listing events"))?;
        rows.iter().map(event_from_row).collect()
    }

    /// One stored event, and its body exactly as received.
    pub async fn get_event(&self, id: i64) -> Result<Option<(StoredEvent, Vec<u8>)>, StoreError> {
        let row = sqlx::query(&format!(
            "SELECT {EVENT_COLUMNS}, body FROM platform_events WHERE id = $1"
        ))
        .bind(id)
        .fetch_optional(&self.pool)
        .await
        .map_err(StoreError::new("reading an event"))?;
        let Some(row) = row else {
            return Ok(None);
        };
        let body = row
            .try_get::<Vec<u8>, _>("body")
            .map_err(StoreError::new("reading an event's body"))?;
        Ok(Some((event_from_row(&row)?, body)))
    }

    /// The stored notifications, newest first, at most `limit` of them, older than `before`
    /// (an id: the cursor of the next page) when given. Each row is decoded on its own: one
    /// that cannot be is listed as such and hides nothing else.
    pub async fn list(&self, limit: i64, before: Option<i64>) -> Result<Vec<Row>, StoreError> {
        let rows = sqlx::query(&format!(
            "SELECT {COLUMNS} FROM notifications WHERE id < $2 ORDER BY id DESC LIMIT $1"
        ))
        .bind(limit)
        .bind(before.unwrap_or(i64::MAX))
        .fetch_all(&self.pool)
        .await
        .map_err(StoreError::new("listing notifications"))?;
        Ok(rows.iter().map(notification_from_row).collect())
    }

    /// One stored notification.
    pub async fn get(&self, id: i64) -> Result<Option<Row>, StoreError> {
        let row = sqlx::query(&format!(
            "SELECT {COLUMNS} FROM notifications WHERE id = $1"
        ))
        .bind(id)
        .fetch_optional(&self.pool)
        .await
        .map_err(StoreError::new("reading a notification"))?;
        Ok(row.as_ref().map(notification_from_row))
    }

    /// The stored notification with Adyen's deduplication key, if any.
    pub async fn find(
        &self,
        psp_reference: &str,
        event_code: &str,
        success: bool,
    ) -> Result<Option<StoredNotification>, StoreError> {
        let row = sqlx::query(&format!(
            "SELECT {COLUMNS} FROM notifications \
             WHERE psp_reference = $1 AND event_code = $2 AND success = $3"
        ))
        .bind(text(psp_reference))
        .bind(text(event_code))
        .bind(i64::from(success))
        .fetch_optional(&self.pool)
        .await
        .map_err(StoreError::new("reading a notification"))?;
        row.as_ref()
            .map(notification_from_row)
            .transpose()
            .map_err(|row| StoreError {
                doing: "decoding a stored notification",
                source: row.error.into(),
            })
    }

    /// Takes the next notification due for processing and leases it for `lease`: no other
    /// worker takes it until the lease runs out or it is marked processed or failed.
    ///
    /// Failing notifications wait for their retry time, so they never hold up the others.
    /// A row that cannot be decoded is leased and returned as such, for the worker to record
    /// as a failed attempt.
    pub async fn claim_due(&self, lease: Duration) -> Result<Option<Row>, StoreError> {
        // Pick a candidate, then claim it only if it is still free: under concurrency (several
        // instances on PostgreSQL) exactly one UPDATE wins, and the others try the next one.
        for _ in 0..8 {
            let now = now_ms();
            let candidate: Option<i64> = sqlx::query_scalar(
                "SELECT id FROM notifications \
                 WHERE processed_at IS NULL AND dead_at IS NULL AND next_attempt_at <= $1 \
                   AND (lease_until IS NULL OR lease_until <= $1) \
                 ORDER BY next_attempt_at, id LIMIT 1",
            )
            .bind(now)
            .fetch_optional(&self.pool)
            .await
            .map_err(StoreError::new("looking for work"))?;
            let Some(id) = candidate else {
                return Ok(None);
            };
            let claimed = sqlx::query(
                "UPDATE notifications SET lease_until = $2, attempts = attempts + 1 \
                 WHERE id = $3 AND processed_at IS NULL AND dead_at IS NULL \
                   AND (lease_until IS NULL OR lease_until <= $1)",
            )
            .bind(now)
            .bind(after(now, lease))
            .bind(id)
            .execute(&self.pool)
            .await
            .map_err(StoreError::new("leasing a notification"))?;
            if claimed.rows_affected() == 1 {
                return self.get(id).await;
            }
        }
        Ok(None)
    }

    /// Marks notification `id` processed.
    pub async fn mark_processed(&self, id: i64) -> Result<(), StoreError> {
        self.inject(FaultPoint::MarkProcessed, || id.to_string())
            .await?;
        sqlx::query(
            "UPDATE notifications SET processed_at = $2, lease_until = NULL, last_error = NULL \
             WHERE id = $1",
        )
        .bind(id)
        .bind(now_ms())
        .execute(&self.pool)
        .await
        .map_err(StoreError::new("marking a notification processed"))?;
        Ok(())
    }

    /// Records that processing notification `id` failed with `error`, to be retried after
    /// `retry_in`, or, when `dead`, never again until requeued.
    pub async fn mark_failed(
        &self,
        id: i64,
        error: &str,
        retry_in: Duration,
        dead: bool,
    ) -> Result<(), StoreError> {
        let now = now_ms();
        sqlx::query(
            "UPDATE notifications SET last_error = $2, next_attempt_at = $3, lease_until = NULL, \
                 dead_at = $4 \
             WHERE id = $1",
        )
        .bind(id)
        .bind(text(error))
        .bind(after(now, retry_in))
        .bind(dead.then_some(now))
        .execute(&self.pool)
        .await
        .map_err(StoreError::new("recording a failed attempt"))?;
        Ok(())
    }

    /// Puts dead-lettered or failing notification `id` back in the queue, due now, with its
    /// attempts counted from zero. Returns whether there was such a notification (a processed
    /// or ignored one is left alone).
    pub async fn requeue(&self, id: i64) -> Result<bool, StoreError> {
        let done = sqlx::query(
            "UPDATE notifications SET dead_at = NULL, attempts = 0, next_attempt_at = $2, \
                 lease_until = NULL \
             WHERE id = $1 AND processed_at IS NULL",
        )
        .bind(id)
        .bind(now_ms())
        .execute(&self.pool)
        .await
        .map_err(StoreError::new("requeueing a notification"))?;
        Ok(done.rows_affected() == 1)
    }

    /// Requeues every dead-lettered notification; returns how many.
    pub async fn requeue_dead(&self) -> Result<u64, StoreError> {
        let done = sqlx::query(
            "UPDATE notifications SET dead_at = NULL, attempts = 0, next_attempt_at = $1, \
                 lease_until = NULL \
             WHERE dead_at IS NOT NULL AND processed_at IS NULL",
        )
        .bind(now_ms())
        .execute(&self.pool)
        .await
        .map_err(StoreError::new("requeueing dead-lettered notifications"))?;
        Ok(done.rows_affected())
    }

    /// Whether the action with idempotency key `key` was performed already.
    pub async fn action_done(&self, key: &str) -> Result<bool, StoreError> {
        let found: Option<i64> =
            sqlx::query_scalar("SELECT notification_id FROM actions_done WHERE action_key = $1")
                .bind(text(key))
                .fetch_optional(&self.pool)
                .await
                .map_err(StoreError::new("reading the actions performed"))?;
        Ok(found.is_some())
    }

    /// Records that the action with idempotency key `key` was performed, while processing
    /// notification `notification_id`.
    pub async fn record_action(&self, key: &str, notification_id: i64) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO actions_done (action_key, notification_id, performed_at) \
             VALUES ($1, $2, $3) ON CONFLICT (action_key) DO NOTHING",
        )
        .bind(text(key))
        .bind(notification_id)
        .bind(now_ms())
        .execute(&self.pool)
        .await
        .map_err(StoreError::new("recording an action performed"))?;
        Ok(())
    }

    /// Recomputes and saves the state of payment `payment_key` with `compute`, given every
    /// notification stored about it (processed or not), in one transaction.
    pub async fn update_payment(
        &self,
        payment_key: &str,
        compute: impl FnOnce(&[NotificationRequestItem]) -> Payment,
    ) -> Result<Payment, StoreError> {
        let now = now_ms();
        let mut tx = self
            .pool
            .begin()
            .await
            .map_err(StoreError::new("starting a transaction"))?;
        // Writing the payment's row first serialises recomputations of one payment (a row lock
        // in PostgreSQL, the write lock in SQLite): whoever writes last has read every
        // notification committed before it, so a stale state never overwrites a newer one.
        sqlx::query(
            "INSERT INTO payments (payment_key, merchant_reference, status, state, updated_at) \
             VALUES ($1, '', 'pending', '{}', $2) \
             ON CONFLICT (payment_key) DO UPDATE SET updated_at = excluded.updated_at",
        )
        .bind(text(payment_key))
        .bind(now)
        .execute(&mut *tx)
        .await
        .map_err(StoreError::new("locking a payment"))?;
        let rows = sqlx::query(PAYMENT_ITEMS)
            .bind(text(payment_key))
            .fetch_all(&mut *tx)
            .await
            .map_err(StoreError::new("reading a payment's notifications"))?;
        let inputs = PaymentInputs::from_rows(&rows)?;
        let mut payment = compute(&inputs.items);
        payment.problems.extend(inputs.unreadable);
        sqlx::query(
            "UPDATE payments SET merchant_reference = $2, status = $3, state = $4, \
             updated_at = $5 WHERE payment_key = $1",
        )
        .bind(text(payment_key))
        .bind(text(&payment.merchant_reference))
        .bind(payment.status.as_str())
        .bind(serde_json::to_string(&payment).expect("a payment always serializes"))
        .bind(now)
        .execute(&mut *tx)
        .await
        .map_err(StoreError::new("saving a payment"))?;
        self.inject(FaultPoint::PaymentCommit, || payment_key.to_owned())
            .await?;
        tx.commit()
            .await
            .map_err(StoreError::new("committing a payment"))?;
        Ok(payment)
    }

    /// What [`Store::update_payment`] computes payment `payment_key` from, read the same way
    /// but outside its transaction: for [`replay`](crate::replay) to tell, writing nothing,
    /// whether the state would change.
    pub async fn payment_inputs(&self, payment_key: &str) -> Result<PaymentInputs, StoreError> {
        let rows = sqlx::query(PAYMENT_ITEMS)
            .bind(text(payment_key))
            .fetch_all(&self.pool)
            .await
            .map_err(StoreError::new("reading a payment's notifications"))?;
        PaymentInputs::from_rows(&rows)
    }

    /// The state of payment `payment_key` as last saved; `None` when none was, or when the saved
    /// one cannot be decoded (it is then computed again as if there were none).
    pub async fn saved_payment(&self, payment_key: &str) -> Result<Option<Payment>, StoreError> {
        let state: Option<String> =
            sqlx::query_scalar("SELECT state FROM payments WHERE payment_key = $1")
                .bind(text(payment_key))
                .fetch_optional(&self.pool)
                .await
                .map_err(StoreError::new("reading a payment"))?;
        Ok(state.and_then(|state| serde_json::from_str(&state).ok()))
    }

    /// The payments that [`replay`](crate::replay) selects, by their key, in order: those whose
    /// `pspReference` or order (`merchantReference`) is `reference`, when given, and those with a
    /// notification received at or after `since` (ms since the epoch). Ignored notifications
    /// count for nothing.
    pub async fn replay_payments(
        &self,
        reference: Option<&str>,
        since: i64,
    ) -> Result<Vec<String>, StoreError> {
        let query = match reference {
            Some(reference) => sqlx::query_scalar(
                "SELECT DISTINCT payment_key FROM notifications \
                 WHERE ignored IS NULL AND payment_key IS NOT NULL AND received_at >= $1 \
                   AND (payment_key = $2 OR merchant_reference = $2) \
                 ORDER BY payment_key",
            )
            .bind(since)
            .bind(text(reference)),
            None => sqlx::query_scalar(
                "SELECT DISTINCT payment_key FROM notifications \
                 WHERE ignored IS NULL AND payment_key IS NOT NULL AND received_at >= $1 \
                 ORDER BY payment_key",
            )
            .bind(since),
        };
        query
            .fetch_all(&self.pool)
            .await
            .map_err(StoreError::new("selecting payments to replay"))
    }

    /// The notifications about no payment (reports...) received at or after `since` (ms since
    /// the epoch), oldest first, ignored ones left out: the rest of what
    /// [`replay`](crate::replay) selects.
    pub async fn replay_unkeyed(&self, since: i64) -> Result<Vec<Row>, StoreError> {
        let rows = sqlx::query(&format!(
            "SELECT {COLUMNS} FROM notifications \
             WHERE payment_key IS NULL AND ignored IS NULL AND received_at >= $1 ORDER BY id"
        ))
        .bind(since)
        .fetch_all(&self.pool)
        .await
        .map_err(StoreError::new("selecting notifications to replay"))?;
        Ok(rows.iter().map(notification_from_row).collect())
    }

    /// The notifications of payment `payment_key` (or notification `id` alone) not processed
    /// yet, oldest first, ignored ones left out.
    pub async fn unprocessed(&self, of: Stuck<'_>) -> Result<Vec<StuckNotification>, StoreError> {
        let query = |filter: &str| {
            format!(
                "SELECT id, item, last_error, dead_at, lease_until FROM notifications \
                 WHERE {filter} AND ignored IS NULL AND processed_at IS NULL ORDER BY id"
            )
        };
        let rows = match of {
            Stuck::Payment(key) => {
                sqlx::query(&query("payment_key = $1"))
                    .bind(text(key))
                    .fetch_all(&self.pool)
                    .await
            }
            Stuck::Notification(id) => {
                sqlx::query(&query("id = $1"))
                    .bind(id)
                    .fetch_all(&self.pool)
                    .await
            }
        }
        .map_err(StoreError::new("reading failing notifications"))?;
        let now = now_ms();
        rows.iter()
            .map(|row| {
                let read = || -> Result<StuckNotification, sqlx::Error> {
                    let dead_at: Option<i64> = row.try_get("dead_at")?;
                    let last_error: Option<String> = row.try_get("last_error")?;
                    let lease_until: Option<i64> = row.try_get("lease_until")?;
                    let item: String = row.try_get("item")?;
                    Ok(StuckNotification {
                        id: row.try_get("id")?,
                        state: match (dead_at, last_error) {
                            (Some(_), _) => ProcessingState::Dead,
                            (None, Some(_)) => ProcessingState::Failing,
                            (None, None) => ProcessingState::Pending,
                        },
                        leased: lease_until.is_some_and(|until| until > now),
                        readable: parse_item(item).is_ok(),
                    })
                };
                read().map_err(StoreError::new("reading a failing notification"))
            })
            .collect()
    }

    /// Leases notification `id`, not processed, for `lease`, as a worker does but without
    /// counting an attempt; `false` when it is processed or leased by someone else.
    pub async fn lease(&self, id: i64, lease: Duration) -> Result<bool, StoreError> {
        let now = now_ms();
        let done = sqlx::query(
            "UPDATE notifications SET lease_until = $2 \
             WHERE id = $3 AND processed_at IS NULL \
               AND (lease_until IS NULL OR lease_until <= $1)",
        )
        .bind(now)
        .bind(after(now, lease))
        .bind(id)
        .execute(&self.pool)
        .await
        .map_err(StoreError::new("leasing a notification"))?;
        Ok(done.rows_affected() == 1)
    }

    /// Marks leased notification `id` processed after a replay: no longer failing nor
    /// dead-lettered.
    pub async fn mark_replayed(&self, id: i64) -> Result<(), StoreError> {
        sqlx::query(
            "UPDATE notifications SET processed_at = $2, lease_until = NULL, last_error = NULL, \
                 dead_at = NULL \
             WHERE id = $1",
        )
        .bind(id)
        .bind(now_ms())
        .execute(&self.pool)
        .await
        .map_err(StoreError::new("marking a notification processed"))?;
        Ok(())
    }

    /// Gives up the lease on notification `id` after a replay that did not take it up, or
    /// failed with `error`: it stays failing or dead-lettered, with that error if any.
    pub async fn release(&self, id: i64, error: Option<&str>) -> Result<(), StoreError> {
        sqlx::query(
            "UPDATE notifications SET lease_until = NULL, last_error = COALESCE($2, last_error) \
             WHERE id = $1",
        )
        .bind(id)
        .bind(error.map(text))
        .execute(&self.pool)
        .await
        .map_err(StoreError::new("releasing a notification"))?;
        Ok(())
    }

    /// The payments of order `merchant_reference` (an order can have several attempts), oldest
    /// first.
    pub async fn payments(&self, merchant_reference: &str) -> Result<Vec<Payment>, StoreError> {
        let rows = sqlx::query(
            "SELECT state FROM payments WHERE merchant_reference = $1 \
             ORDER BY updated_at, payment_key",
        )
        .bind(text(merchant_reference))
        .fetch_all(&self.pool)
        .await
        .map_err(StoreError::new("reading payments"))?;
        rows.iter().map(payment_from_row).collect()
    }

    /// The unprocessed notifications whose last attempt failed, dead-lettered ones included,
    /// newest first, at most `limit`: those that need a person.
    pub async fn list_failing(&self, limit: i64) -> Result<Vec<Row>, StoreError> {
        let rows = sqlx::query(&format!(
            "SELECT {COLUMNS} FROM notifications \
             WHERE processed_at IS NULL AND (last_error IS NOT NULL OR dead_at IS NOT NULL) \
             ORDER BY id DESC LIMIT $1"
        ))
        .bind(limit)
        .fetch_all(&self.pool)
        .await
        .map_err(StoreError::new("listing failing notifications"))?;
        Ok(rows.iter().map(notification_from_row).collect())
    }

    /// The payments updated last, most recent first, at most `limit`.
    pub async fn recent_payments(&self, limit: i64) -> Result<Vec<Payment>, StoreError> {
        let rows = sqlx::query(
            "SELECT state FROM payments ORDER BY updated_at DESC, payment_key LIMIT $1",
        )
        .bind(limit)
        .fetch_all(&self.pool)
        .await
        .map_err(StoreError::new("reading payments"))?;
        rows.iter().map(payment_from_row).collect()
    }

    /// Records that the keys `kcvs` of `route` are configured, as of `now` (ms since the epoch)
    /// for those not known yet: the first configuration of a key is what "unused for 7 days"
    /// counts from until it verifies something.
    pub async fn configure_keys(
        &self,
        route: &str,
        kcvs: &[&str],
        now: i64,
    ) -> Result<(), StoreError> {
        for kcv in kcvs {
            sqlx::query(
                "INSERT INTO key_usage (route, kcv, first_configured_at) VALUES ($1, $2, $3) \
                 ON CONFLICT (route, kcv) DO NOTHING",
            )
            .bind(route)
            .bind(text(kcv))
            .bind(now)
            .execute(&self.pool)
            .await
            .map_err(StoreError::new("recording the configured keys"))?;
        }
        Ok(())
    }

    /// Records that key `kcv` of `route` verified a webhook at `at` (ms since the epoch), unless
    /// a later use is recorded already.
    pub async fn record_key_use(&self, route: &str, kcv: &str, at: i64) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO key_usage (route, kcv, first_configured_at, last_verified_at) \
             VALUES ($1, $2, $3, $3) \
             ON CONFLICT (route, kcv) DO UPDATE \
             SET last_verified_at = CASE \
                 WHEN key_usage.last_verified_at IS NULL \
                      OR key_usage.last_verified_at < excluded.last_verified_at \
                 THEN excluded.last_verified_at ELSE key_usage.last_verified_at END",
        )
        .bind(route)
        .bind(text(kcv))
        .bind(at)
        .execute(&self.pool)
        .await
        .map_err(StoreError::new("recording a key's last use"))?;
        Ok(())
    }

    /// Every key's record: see [`Store::configure_keys`] and [`Store::record_key_use`].
    pub async fn key_records(&self) -> Result<Vec<KeyRecord>, StoreError> {
        let rows = sqlx::query(
            "SELECT route, kcv, first_configured_at, last_verified_at FROM key_usage \
             ORDER BY route, kcv",
        )
        .fetch_all(&self.pool)
        .await
        .map_err(StoreError::new("reading the keys' use"))?;
        rows.iter()
            .map(|row| {
                Ok(KeyRecord {
                    route: row.try_get("route")?,
                    kcv: row.try_get("kcv")?,
                    first_configured_at: row.try_get("first_configured_at")?,
                    last_verified_at: row.try_get("last_verified_at")?,
                })
            })
            .collect::<Result<_, sqlx::Error>>()
            .map_err(StoreError::new("reading the keys' use"))
    }

    /// Counts over the whole store.
    pub async fn stats(&self) -> Result<Stats, StoreError> {
        // SUM is NUMERIC in PostgreSQL: cast, so that both databases return a 64-bit integer.
        let row = sqlx::query(
            "SELECT COUNT(*) AS notifications, \
                    CAST(COALESCE(SUM(deliveries), 0) AS BIGINT) AS deliveries, \
                    CAST(COALESCE(SUM(CASE WHEN processed_at IS NOT NULL THEN 1 ELSE 0 END), 0) \
                         AS BIGINT) AS processed, \
                    CAST(COALESCE(SUM(CASE WHEN processed_at IS NULL AND last_error IS NOT NULL \
                         THEN 1 ELSE 0 END), 0) AS BIGINT) AS failing, \
                    CAST(COALESCE(SUM(CASE WHEN processed_at IS NULL AND dead_at IS NOT NULL \
                         THEN 1 ELSE 0 END), 0) AS BIGINT) AS dead, \
                    CAST(COALESCE(SUM(CASE WHEN ignored IS NOT NULL THEN 1 ELSE 0 END), 0) \
                         AS BIGINT) AS ignored, \
                    CAST(COALESCE(SUM(CASE WHEN processed_at IS NULL AND dead_at IS NULL \
                         AND last_error IS NULL THEN 1 ELSE 0 END), 0) AS BIGINT) AS due, \
                    MIN(CASE WHEN processed_at IS NULL AND dead_at IS NULL \
                         THEN received_at END) AS oldest_unprocessed_at \
             FROM notifications",
        )
        .fetch_one(&self.pool)
        .await
        .map_err(StoreError::new("counting notifications"))?;
        let get = |column| {
            row.try_get::<i64, _>(column)
                .map_err(StoreError::new("reading counts"))
        };
        let events = sqlx::query(
            "SELECT COUNT(*) AS events, \
                    CAST(COALESCE(SUM(deliveries), 0) AS BIGINT) AS event_deliveries \
             FROM platform_events",
        )
        .fetch_one(&self.pool)
        .await
        .map_err(StoreError::new("counting events"))?;
        let count = |column| {
            events
                .try_get::<i64, _>(column)
                .map_err(StoreError::new("reading counts"))
        };
        Ok(Stats {
            events: count("events")?,
            event_deliveries: count("event_deliveries")?,
            notifications: get("notifications")?,
            deliveries: get("deliveries")?,
            processed: get("processed")?,
            failing: get("failing")?,
            dead: get("dead")?,
            ignored: get("ignored")?,
            due: get("due")?,
            oldest_unprocessed_at: row
                .try_get::<Option<i64>, _>("oldest_unprocessed_at")
                .map_err(StoreError::new("reading counts"))?,
        })
    }

    /// Whether the database answers, and holds this server's schema: one query that reads a
    /// table, returning no rows.
    pub async fn ping(&self) -> Result<(), StoreError> {
        sqlx::query("SELECT id FROM notifications WHERE 1 = 0")
            .fetch_optional(&self.pool)
            .await
            .map_err(StoreError::new("querying the database"))?;
        Ok(())
    }
}

/// How a pool of at most `max_connections` connects.
fn pool_options(backend: Backend, max_connections: u32) -> AnyPoolOptions {
    let sqlite = backend == Backend::Sqlite;
    AnyPoolOptions::new()
        .max_connections(max_connections)
        // Adyen gives up after 10 seconds: waiting longer for a connection helps no one.
        .acquire_timeout(Duration::from_secs(5))
        .after_connect(move |connection, _| {
            Box::pin(async move {
                if sqlite {
                    // An acknowledged notification must survive a power cut, not only a
                    // crash of this process.
                    connection.execute("PRAGMA synchronous = FULL").await?;
                }
                Ok(())
            })
        })
}

/// A value for a text column. PostgreSQL's text cannot hold NUL, which a signed notification may
/// carry like any other character; the lookup columns get U+FFFD in its place, and the exact
/// value stays in the item's JSON, where it is escaped.
fn text(value: &str) -> String {
    value.replace('\0', "\u{FFFD}")
}

fn parse_item(json: String) -> Result<NotificationRequestItem, StoreError> {
    serde_json::from_str(&json).map_err(|error| StoreError {
        doing: "decoding a stored notification",
        source: error.into(),
    })
}

fn event_from_row(row: &AnyRow) -> Result<StoredEvent, StoreError> {
    let read = StoreError::new("reading an event");
    (|| {
        let authentication: String = row.try_get("authentication")?;
        // The table's CHECK allows no other value.
        let authentication = Authentication::parse(&authentication).ok_or_else(|| {
            sqlx::Error::Decode(format!("unknown authentication {authentication:?}").into())
        })?;
        Ok::<_, sqlx::Error>(StoredEvent {
            id: row.try_get("id")?,
            event_type: row.try_get("event_type")?,
            environment: row.try_get("environment")?,
            dedupe_key: row.try_get("dedupe_key")?,
            received_at: row.try_get("received_at")?,
            last_delivered_at: row.try_get("last_delivered_at")?,
            deliveries: row.try_get("deliveries")?,
            ignored: row.try_get("ignored")?,
            authentication,
        })
    })()
    .map_err(read)
}

/// A payment's state as stored in its row's `state` column.
fn payment_from_row(row: &AnyRow) -> Result<Payment, StoreError> {
    let state: String = row
        .try_get("state")
        .map_err(StoreError::new("reading a payment"))?;
    serde_json::from_str(&state).map_err(|error| StoreError {
        doing: "decoding a stored payment",
        source: error.into(),
    })
}

fn notification_from_row(row: &AnyRow) -> Row {
    let int = |column| row.try_get::<i64, _>(column);
    let id = int("id").unwrap_or(0);
    let attempts = int("attempts").unwrap_or(0);
    let unreadable = |error: String| UnreadableRow {
        id,
        attempts,
        error,
    };
    let result = (|| {
        Ok::<_, sqlx::Error>((
            int("live")?,
            row.try_get::<String, _>("item")?,
            int("deliveries")?,
            int("received_at")?,
            int("last_delivered_at")?,
            Processing {
                attempts,
                next_attempt_at: int("next_attempt_at")?,
                last_error: row.try_get("last_error")?,
                processed_at: row.try_get("processed_at")?,
                dead_at: row.try_get("dead_at")?,
            },
            row.try_get::<Option<String>, _>("ignored")?,
        ))
    })();
    let (live, item, deliveries, received_at, last_delivered_at, processing, ignored) =
        result.map_err(|error| unreadable(format!("reading the row: {error}")))?;
    Ok(StoredNotification {
        id,
        live: live != 0,
        item: parse_item(item).map_err(|error| unreadable(error.to_string()))?,
        deliveries,
        received_at,
        last_delivered_at,
        processing,
        ignored,
    })
}

/// Checks a `DATABASE_URL` the way sqlx will read it, and returns the URL to connect with.
///
/// An SQLite URL is parsed with sqlx's own options type, so that what is checked is what sqlx
/// opens: after percent-decoding, an empty file name, `:memory:`, `mode=memory` or any other
/// in-memory form is refused (every webhook would be acknowledged into memory and lost at the
/// next restart). A missing file is created (`mode=rwc` unless the URL says `ro`); a missing
/// directory is an error that names it.
pub fn check_url(url: &str) -> Result<String, String> {
    if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        return url
            .parse::<sqlx::postgres::PgConnectOptions>()
            .map(|_| url.to_owned())
            .map_err(|_| {
                "is not a PostgreSQL URL sqlx can read (postgres://USER:PASSWORD@HOST:5432/DATABASE; \
                 percent-encode special characters such as / or @ in the password)"
                    .to_owned()
            });
    }
    if !url.starts_with("sqlite:") {
        return Err(
            "must start with sqlite: (for example sqlite://notifications.db?mode=rwc) or \
                    postgres:// (for example postgres://user:password@localhost/adyen)"
                .to_owned(),
        );
    }
    let in_memory = || {
        "names an in-memory SQLite database, which loses the stored notifications at exit; use \
         a file, such as sqlite://notifications.db?mode=rwc"
            .to_owned()
    };
    let options = url
        .parse::<SqliteConnectOptions>()
        .map_err(|error| format!("is not an SQLite URL sqlx can read: {error}"))?;
    // The parameters as sqlx reads them: percent-decoded, the last one winning.
    let query = url.split_once('?').map_or("", |(_, query)| query);
    let mode = url::form_urlencoded::parse(query.as_bytes())
        .filter(|(key, _)| key == "mode")
        .map(|(_, value)| value.into_owned())
        .last();
    let filename = options.get_filename();
    let name = filename.to_string_lossy();
    // sqlx names `:memory:` databases `file:sqlx-in-memory-N`; SQLite itself treats an empty
    // name as a temporary database and `:memory:` as memory.
    if mode.as_deref() == Some("memory")
        || name.is_empty()
        || name == ":memory:"
        || name.starts_with("file:")
    {
        return Err(in_memory());
    }
    if let Some(directory) = filename.parent().filter(|dir| !dir.as_os_str().is_empty()) {
        if !directory.is_dir() {
            return Err(format!(
                "the directory {} of the SQLite file does not exist: create it, or choose \
                 another path",
                directory.display()
            ));
        }
    }
    Ok(match mode {
        Some(_) => url.to_owned(),
        // A missing file is created, unless the URL asks otherwise.
        None if query.is_empty() => format!("{}?mode=rwc", url.trim_end_matches('?')),
        None => format!("{url}&mode=rwc"),
    })
}

/// `url` with its passwords replaced by `***`, for logs and error messages: the user-info's,
/// and `password`/`sslpassword` query parameters; a URL that cannot be parsed is all `***`.
pub fn redact_url(url: &str) -> String {
    if url.starts_with("sqlite:") && !url.contains('@') && !url.contains("password") {
        return url.to_owned();
    }
    let Ok(mut parsed) = url::Url::parse(url) else {
        return "***".to_owned();
    };
    if parsed.password().is_some() && parsed.set_password(Some("***")).is_err() {
        return "***".to_owned();
    }
    let secret = |key: &str| {
        let key = key.to_ascii_lowercase();
        key.contains("password") || key == "passfile"
    };
    if parsed.query_pairs().any(|(key, _)| secret(&key)) {
        let pairs: Vec<(String, String)> = parsed
            .query_pairs()
            .map(|(key, value)| {
                let value = if secret(&key) {
                    "***".to_owned()
                } else {
                    value.into_owned()
                };
                (key.into_owned(), value)
            })
            .collect();
        parsed.query_pairs_mut().clear().extend_pairs(pairs);
    }
    // The serializer percent-encodes the stars; they are easier to read as they are.
    parsed.to_string().replace("%2A%2A%2A", "***")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redacts_passwords_in_urls() {
        assert_eq!(
            redact_url("postgres://adyen:s3cr%40t@db.internal:5432/shop?sslmode=require"),
            "postgres://adyen:***@db.internal:5432/shop?sslmode=require"
        );
        assert_eq!(
            redact_url("sqlite://notifications.db?mode=rwc"),
            "sqlite://notifications.db?mode=rwc"
        );
        assert_eq!(
            redact_url("postgres://adyen@localhost/shop"),
            "postgres://adyen@localhost/shop"
        );
    }

    #[test]
    fn leaves_an_sqlite_url_as_written_unless_it_may_hold_a_secret() {
        // Parsed and written back, these would come out percent-encoded.
        for url in [
            "sqlite://./my data/notifications.db?mode=rwc",
            "sqlite:///var/lib/adyen webhooks/n.db",
        ] {
            assert_eq!(redact_url(url), url);
        }
        for (url, secret) in [
            ("sqlite://n.db?password=hunter2", "hunter2"),
            ("sqlite://u:hunter2@localhost/n.db", "hunter2"),
        ] {
            let redacted = redact_url(url);
            assert!(!redacted.contains(secret), "{url} -> {redacted}");
            assert!(redacted.contains("***"), "{url} -> {redacted}");
        }
    }

    #[test]
    fn asks_for_a_missing_file_to_be_created_in_the_url_s_own_syntax() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("n.db").display().to_string();
        for (url, checked) in [
            (
                format!("sqlite://{file}"),
                format!("sqlite://{file}?mode=rwc"),
            ),
            (
                format!("sqlite://{file}?"),
                format!("sqlite://{file}?mode=rwc"),
            ),
            (
                format!("sqlite://{file}?cache=shared"),
                format!("sqlite://{file}?cache=shared&mode=rwc"),
            ),
            (
                format!("sqlite://{file}?mode=ro"),
                format!("sqlite://{file}?mode=ro"),
            ),
        ] {
            assert_eq!(check_url(&url).unwrap(), checked, "{url}");
        }
    }

    #[test]
    fn redacts_every_form_of_password() {
        for (url, secret) in [
            ("postgres://u:hunter2@db/shop", "hunter2"),
            ("postgres://db/shop?user=u&password=hunter2", "hunter2"),
            (
                "postgres://db/shop?sslmode=require&sslpassword=hunter2",
                "hunter2",
            ),
            ("postgresql://u@db/shop?PASSWORD=hunter2&x=1", "hunter2"),
            ("postgres://u:hun/ter2@db/shop", "ter2"),
            ("postgres://u:hun ter2@db:notaport/shop", "ter2"),
        ] {
            let redacted = redact_url(url);
            assert!(!redacted.contains(secret), "{url} -> {redacted}");
            assert!(redacted.contains("***"), "{url} -> {redacted}");
        }
        assert_eq!(
            redact_url("postgres://db/shop?user=u&password=x&sslmode=require"),
            "postgres://db/shop?user=u&password=***&sslmode=require"
        );
    }

    #[test]
    fn refuses_every_in_memory_form_after_decoding() {
        for url in [
            "sqlite::memory:",
            "sqlite://:memory:",
            "sqlite://%3Amemory%3A",
            "sqlite://%3amemory%3a?mode=rwc",
            "sqlite://?mode=rwc",
            "sqlite://",
            "sqlite:",
            "sqlite://notifications.db?mode=memory",
            "sqlite://notifications.db?mode=%6Demory",
            "sqlite://file::memory:",
        ] {
            let error = check_url(url).expect_err(url);
            assert!(error.contains("in-memory"), "{url}: {error}");
        }
    }

    #[test]
    fn creates_a_missing_file_and_names_a_missing_directory() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("n.db");
        let url = check_url(&format!("sqlite://{}", file.display())).unwrap();
        assert!(url.contains("mode=rwc"), "{url}");
        let missing = dir.path().join("no/such/dir/n.db");
        let error = check_url(&format!("sqlite://{}", missing.display())).unwrap_err();
        assert!(
            error.contains(&dir.path().join("no/such/dir").display().to_string()),
            "{error}"
        );
        assert!(error.contains("does not exist"), "{error}");
        let error = check_url("sqlite://n.db?mode=bogus").unwrap_err();
        assert!(error.contains("bogus"), "{error}");
        assert!(check_url("mysql://x")
            .unwrap_err()
            .contains("must start with"));
        assert!(check_url("postgres://u:p@localhost/db").is_ok());
    }

    #[test]
    fn text_columns_never_get_a_nul() {
        assert_eq!(text("new\nline"), "new\nline");
        assert_eq!(text("\0nul"), "\u{FFFD}nul");
    }

    #[test]
    fn processing_state() {
        let mut processing = Processing {
            attempts: 1,
            next_attempt_at: 0,
            last_error: None,
            processed_at: None,
            dead_at: None,
        };
        assert_eq!(processing.state(), ProcessingState::Pending);
        processing.last_error = Some("order system down".into());
        assert_eq!(processing.state(), ProcessingState::Failing);
        processing.dead_at = Some(1);
        assert_eq!(processing.state(), ProcessingState::Dead);
        processing.processed_at = Some(1);
        assert_eq!(processing.state(), ProcessingState::Processed);
    }
}
