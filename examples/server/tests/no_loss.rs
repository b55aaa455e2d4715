//! No notification is lost under faults. The test plays Adyen against the reference server: a
//! few hundred notifications about a hundred-odd payments, some sent twice, some in batches,
//! modifications (captures, refunds, chargebacks) often before their authorisation, each one
//! delivered again until it gets a 2xx, on Adyen's retry schedule made 100 times faster.
//! Meanwhile:
//!
//! - the store fails a share of its writes: before the transaction, between the inserts and the
//!   commit, and after the commit (stored, but the answer is a 5xx);
//! - some handler calls panic at those points (the server's catch-panic layer answers 500);
//! - some writes stall past the request timeout (the server's timeout layer answers 503 and
//!   drops the handler where it stands);
//! - the worker's writes fail or panic too;
//! - the server is shut down and started again on the same database and port, twice, while
//!   deliveries are in flight.
//!
//! The faults come from the store's fault-injection seam (`adyen_webhook_server::faults`),
//! decided by a hash of a seed, the point, what is being written and how many times it got
//! there: a run is reproducible, whatever the scheduling. `NO_LOSS_SEED=<u64>` picks another
//! seed. A given write is faulted at most its first [`FAULTY_OCCURRENCES`] times, so every
//! notification gets through within the bounded retries.
//!
//! At the end: the store holds exactly the distinct notifications, each once and as sent; every
//! one is processed; each payment's state is the one its notifications imply; every 2xx the
//! sender saw was for notifications already in the store at that moment. The figures go to the
//! terminal (`NO-LOSS ...` lines).

mod support;

use std::collections::hash_map::DefaultHasher;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::hash::{Hash, Hasher};
use std::io::Write as _;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, Once};
use std::time::{Duration, Instant};

use adyen_webhook_cli::scenarios::{Delivery, Expect};
use adyen_webhook_cli::sender::{Sender, SenderConfig, ADYEN_RETRY_SCHEDULE};
use adyen_webhook_server::app::WEBHOOK_PATH;
use adyen_webhook_server::config::Config;
use adyen_webhook_server::faults::{Fault, FaultInjector, FaultPoint, PANIC_MESSAGE};
use adyen_webhook_server::payments::{LogEffects, PaymentStatus};
use adyen_webhook_server::server::{self, Running};
use adyen_webhook_server::store::Store;
use adyen_webhook_server::worker::WorkerConfig;
use rand::rngs::StdRng;
use rand::{RngExt, SeedableRng};
use support::{config, TestDb};
use tokio::net::TcpListener;
use tokio::sync::Semaphore;
use tower_adyen_webhook::{
    Amount, HmacKey, HmacKeys, NotificationRequest, NotificationRequestItem,
};

const KEY: &str = "00727DB817A85C8503AD29EAD1523DB869AF0E536893BB3046C92DE7CB045CB1";

on_both_databases!(no_notification_is_lost_under_faults);

/// The default seed; `NO_LOSS_SEED` overrides it.
const SEED: u64 = 20_260_306;
/// Payments; each has one to four notifications.
const PAYMENTS: usize = 120;
/// `REPORT_AVAILABLE` notifications, about no payment.
const REPORTS: usize = 6;
/// Share of requests sent a second time (besides the retries).
const DUPLICATE_SHARE: f64 = 0.2;
/// Share of requests merged with the next two into one batch request.
const BATCH_SHARE: f64 = 0.05;
/// Share of payments whose notifications are sent last to first.
const REVERSED_SHARE: f64 = 0.35;
/// Deliveries in flight at once.
const CONCURRENCY: usize = 8;
/// Retries after the first attempt, on Adyen's schedule divided by [`COMPRESSION`].
const RETRIES: usize = 12;
const COMPRESSION: u32 = 100;
/// The server's request timeout here (9 s in production), and how long a stalled write stalls.
const REQUEST_TIMEOUT: Duration = Duration::from_millis(300);
const STALL: Duration = Duration::from_millis(500);
/// A write is faulted at most the first this many times it reaches a given point.
const FAULTY_OCCURRENCES: u32 = 4;
/// Restarts, spread evenly over the deliveries.
const RESTARTS: usize = 2;

/// The faults at each point, as (probability, fault).
fn fault_table(point: FaultPoint) -> &'static [(f64, Fault)] {
    match point {
        FaultPoint::SaveBegin | FaultPoint::SaveCommit | FaultPoint::SaveCommitted => &[
            (0.06, Fault::Error),
            (0.02, Fault::Panic),
            (0.02, Fault::Delay(STALL)),
        ],
        FaultPoint::PaymentCommit => &[(0.08, Fault::Error), (0.04, Fault::Panic)],
        FaultPoint::MarkProcessed => &[(0.05, Fault::Error), (0.02, Fault::Panic)],
    }
}

fn fault_name(fault: Fault) -> &'static str {
    match fault {
        Fault::Error => "error",
        Fault::Panic => "panic",
        Fault::Delay(_) => "timeout",
    }
}

/// The fault injector: a pure function of (seed, point, subject, occurrence).
#[derive(Debug)]
struct Chaos {
    seed: u64,
    occurrences: Mutex<HashMap<(FaultPoint, String), u32>>,
    injected: Mutex<BTreeMap<(FaultPoint, &'static str), u64>>,
}

impl Chaos {
    fn new(seed: u64) -> Self {
        Self {
            seed,
            occurrences: Mutex::default(),
            injected: Mutex::default(),
        }
    }

    fn injected(&self) -> BTreeMap<(FaultPoint, &'static str), u64> {
        self.injected.lock().unwrap().clone()
    }
}

impl FaultInjector for Chaos {
    fn fault(&self, point: FaultPoint, subject: &str) -> Option<Fault> {
        let occurrence = {
            let mut occurrences = self.occurrences.lock().unwrap();
            let n = occurrences.entry((point, subject.to_owned())).or_default();
            *n += 1;
            *n
        };
        if occurrence > FAULTY_OCCURRENCES {
            return None;
        }
        let mut hasher = DefaultHasher::new();
        (self.seed, point, subject, occurrence).hash(&mut hasher);
        let roll: f64 = StdRng::seed_from_u64(hasher.finish()).random();
        let mut threshold = 0.0;
        let fault = fault_table(point).iter().find_map(|&(share, fault)| {
            threshold += share;
            (roll < threshold).then_some(fault)
        })?;
        *self
            .injected
            .lock()
            .unwrap()
            .entry((point, fault_name(fault)))
            .or_default() += 1;
        Some(fault)
    }
}

/// What a payment must end as.
#[derive(Debug, PartialEq, Eq)]
struct Expected {
    status: PaymentStatus,
    authorised: Option<i64>,
    captured: i64,
    refunded: i64,
    charged_back: i64,
    problems: usize,
}

/// An order with one payment, its notifications, and the state they imply.
struct Order {
    reference: String,
    items: Vec<NotificationRequestItem>,
    expected: Expected,
}

type DedupeKey = (String, String, bool);

fn dedupe_key(item: &NotificationRequestItem) -> DedupeKey {
    (
        item.psp_reference.to_string(),
        item.event_code.as_str().to_owned(),
        item.success,
    )
}

struct Plan {
    orders: Vec<Order>,
    /// Every distinct notification, signed.
    notifications: BTreeMap<DedupeKey, NotificationRequestItem>,
    /// The requests, in the order they are sent.
    deliveries: Vec<Delivery>,
    duplicates: usize,
    batches: usize,
    reversed: usize,
}

fn plan(seed: u64) -> Plan {
    let key: HmacKey = KEY.parse().unwrap();
    let mut rng = StdRng::seed_from_u64(seed);
    let mut orders = Vec::new();
    for n in 0..PAYMENTS {
        let reference = format!("NOLOSS-{n:04}");
        let value = 1000 + 7 * i64::try_from(n).unwrap();
        let psp = |j: usize| format!("{:016}", 8_800_000_000_000_000 + n * 10 + j);
        let pay = psp(0);
        let note = |j: usize, code: &str, success: bool, value: i64| {
            let own = psp(j);
            let mut item = NotificationRequestItem::new(
                if code == "AUTHORISATION" {
                    pay.clone()
                } else {
                    own
                },
                code,
            );
            if code != "AUTHORISATION" {
                item.original_reference = pay.clone().into();
            }
            item.success = success;
            item.merchant_account_code = "ShopECOM".into();
            item.merchant_reference = reference.clone().into();
            item.amount = Some(Amount::new(value, "EUR"));
            item.event_date = format!("2026-03-06T10:{:02}:00+01:00", j).into();
            item.payment_method = "visa".into();
            if code == "AUTHORISATION" && !success {
                item.reason = "Refused".into();
            }
            item
        };
        let auth = note(0, "AUTHORISATION", true, value);
        let capture = note(1, "CAPTURE", true, value);
        let expected = |status, authorised, captured, refunded, charged_back, problems| Expected {
            status,
            authorised,
            captured,
            refunded,
            charged_back,
            problems,
        };
        let (items, expected) = match n % 9 {
            0 => (
                vec![auth],
                expected(PaymentStatus::Authorised, Some(value), 0, 0, 0, 0),
            ),
            1 => (
                vec![auth, capture],
                expected(PaymentStatus::Captured, Some(value), value, 0, 0, 0),
            ),
            2 => (
                vec![auth, capture, note(2, "REFUND", true, value)],
                expected(PaymentStatus::Refunded, Some(value), value, value, 0, 0),
            ),
            3 => (
                vec![auth, capture, note(2, "REFUND", true, value / 4)],
                expected(
                    PaymentStatus::PartiallyRefunded,
                    Some(value),
                    value,
                    value / 4,
                    0,
                    0,
                ),
            ),
            4 => (
                vec![note(0, "AUTHORISATION", false, value)],
                expected(PaymentStatus::Refused, None, 0, 0, 0, 0),
            ),
            5 => (
                vec![auth, note(2, "CANCELLATION", true, value)],
                expected(PaymentStatus::Cancelled, Some(value), 0, 0, 0, 0),
            ),
            6 => {
                // The dispute's two notifications share their pspReference.
                let mut notice = note(3, "NOTIFICATION_OF_CHARGEBACK", true, value);
                let mut chargeback = note(4, "CHARGEBACK", true, value);
                notice.psp_reference = psp(3).into();
                chargeback.psp_reference = psp(3).into();
                (
                    vec![auth, capture, notice, chargeback],
                    expected(PaymentStatus::ChargedBack, Some(value), value, 0, value, 0),
                )
            }
            7 => {
                let mut failed = note(2, "CAPTURE_FAILED", true, value);
                failed.psp_reference = psp(1).into();
                (
                    vec![auth, capture, failed],
                    expected(PaymentStatus::Authorised, Some(value), 0, 0, 0, 1),
                )
            }
            _ => (
                vec![
                    auth,
                    capture,
                    note(2, "REFUND", true, value / 2),
                    note(3, "REFUND", true, value - value / 2),
                ],
                expected(PaymentStatus::Refunded, Some(value), value, value, 0, 0),
            ),
        };
        let items = items
            .into_iter()
            .map(|mut item| {
                key.sign_item_in_place(&mut item);
                item
            })
            .collect();
        orders.push(Order {
            reference,
            items,
            expected,
        });
    }

    let mut notifications = BTreeMap::new();
    for item in orders.iter().flat_map(|order| &order.items) {
        assert!(notifications
            .insert(dedupe_key(item), item.clone())
            .is_none());
    }

    // Interleave the payments, each in its own order: first to last, or (for a share of them)
    // last to first, so that their modifications come before their authorisation.
    let mut queues: Vec<Vec<NotificationRequestItem>> = Vec::new();
    let mut reversed = 0;
    for order in &orders {
        let mut items = order.items.clone();
        if items.len() > 1 && rng.random_bool(REVERSED_SHARE) {
            reversed += 1;
        } else {
            items.reverse();
        }
        // Popped from the end.
        queues.push(items);
    }
    for n in 0..REPORTS {
        let mut item = NotificationRequestItem::new(
            format!("settlement_detail_report_batch_{n}.csv"),
            "REPORT_AVAILABLE",
        );
        item.merchant_account_code = "ShopECOM".into();
        item.reason = format!(
            "https://ca-test.adyen.com/reports/download/settlement_detail_report_batch_{n}.csv"
        )
        .into();
        item.event_date = "2026-03-06T11:00:00+01:00".into();
        key.sign_item_in_place(&mut item);
        assert!(notifications
            .insert(dedupe_key(&item), item.clone())
            .is_none());
        queues.push(vec![item]);
    }
    let mut sequence = Vec::new();
    loop {
        let remaining: usize = queues.iter().map(Vec::len).sum();
        if remaining == 0 {
            break;
        }
        // A queue picked in proportion to what it has left.
        let mut pick = rng.random_range(0..remaining);
        let queue = queues
            .iter_mut()
            .find(|queue| {
                if pick < queue.len() {
                    true
                } else {
                    pick -= queue.len();
                    false
                }
            })
            .unwrap();
        sequence.push(queue.pop().unwrap());
    }

    // One request per notification, except a few batches of three.
    let mut requests: Vec<Vec<NotificationRequestItem>> = Vec::new();
    let mut batches = 0;
    let mut rest = sequence.into_iter().peekable();
    while let Some(item) = rest.next() {
        let mut request = vec![item];
        if rng.random_bool(BATCH_SHARE) {
            request.extend(rest.next());
            request.extend(rest.next());
            batches += 1;
        }
        requests.push(request);
    }

    // Some requests are sent a second time, soon after (often concurrently) or much later.
    let mut deliveries: Vec<(usize, Vec<NotificationRequestItem>, &'static str)> = requests
        .into_iter()
        .enumerate()
        .map(|(position, items)| (position * 100, items, ""))
        .collect();
    let mut duplicates = Vec::new();
    for (position, items, _) in &deliveries {
        if rng.random_bool(DUPLICATE_SHARE) {
            let later = position + rng.random_range(1..6000);
            duplicates.push((later, items.clone(), "sent again"));
        }
    }
    let duplicate_count = duplicates.len();
    deliveries.extend(duplicates);
    deliveries.sort_by_key(|(position, _, _)| *position);
    let deliveries = deliveries
        .into_iter()
        .map(|(_, items, note)| Delivery {
            scenario: "no-loss",
            body: NotificationRequest {
                live: false,
                items: items.clone(),
            }
            .to_json(),
            items,
            expect: Expect::Accepted,
            note,
            hmac_signature: None,
        })
        .collect();

    Plan {
        orders,
        notifications,
        deliveries,
        duplicates: duplicate_count,
        batches,
        reversed,
    }
}

/// What the deliveries saw.
#[derive(Default)]
struct Tally {
    /// Answers by status ("no answer" when the connection failed).
    answers: BTreeMap<String, u64>,
    /// Requests acknowledged, and the items they carried.
    acknowledged: usize,
    acknowledged_items: usize,
    /// Acknowledgements per notification.
    acks_per_notification: HashMap<DedupeKey, i64>,
    /// 2xx answers for notifications that were not in the store at that moment.
    acknowledged_not_stored: Vec<String>,
    /// Requests that ran out of retries.
    given_up: Vec<String>,
    /// The most tries one request needed.
    most_tries: usize,
}

struct Context {
    sender: Sender,
    observer: Store,
    tally: Mutex<Tally>,
    acknowledged: AtomicUsize,
}

/// Delivers one request as Adyen does: again and again until it gets a 2xx, within bounds.
async fn deliver(context: &Context, delivery: Delivery) {
    let last = ADYEN_RETRY_SCHEDULE.len() - 1;
    for attempt in 0..=RETRIES {
        if attempt > 0 {
            tokio::time::sleep(ADYEN_RETRY_SCHEDULE[(attempt - 1).min(last)] / COMPRESSION).await;
        }
        let report = context.sender.deliver(delivery.clone()).await;
        let answer = &report.attempts[0];
        let label = answer
            .status
            .map_or_else(|| "no answer".to_owned(), |status| status.to_string());
        *context
            .tally
            .lock()
            .unwrap()
            .answers
            .entry(label)
            .or_default() += 1;
        if !answer.acknowledged() {
            continue;
        }
        // Acknowledged: each of its notifications must be in the store right now.
        let mut missing = Vec::new();
        for item in &delivery.items {
            let stored = context
                .observer
                .find(&item.psp_reference, item.event_code.as_str(), item.success)
                .await
                .expect("the observer reads the store");
            if stored.is_none() {
                missing.push(format!("{:?}", dedupe_key(item)));
            }
        }
        let mut tally = context.tally.lock().unwrap();
        tally.acknowledged += 1;
        tally.acknowledged_items += delivery.items.len();
        for item in &delivery.items {
            *tally
                .acks_per_notification
                .entry(dedupe_key(item))
                .or_default() += 1;
        }
        tally.acknowledged_not_stored.extend(missing);
        tally.most_tries = tally.most_tries.max(attempt + 1);
        context.acknowledged.fetch_add(1, Ordering::SeqCst);
        return;
    }
    context
        .tally
        .lock()
        .unwrap()
        .given_up
        .push(delivery.summary());
}

fn worker_config() -> WorkerConfig {
    WorkerConfig {
        poll_interval: Duration::from_millis(20),
        // Short, so that a notification whose "processed" mark failed is soon taken up again.
        lease: Duration::from_millis(500),
        retry_base: Duration::from_millis(50),
        retry_max: Duration::from_millis(500),
        ..WorkerConfig::default()
    }
}

/// Starts a server on `address` (the same port each time), with the faults on.
async fn start_server(config: &Config, chaos: &Arc<Chaos>, address: SocketAddr) -> Running {
    let store = Store::connect(&config.database_url)
        .await
        .expect("the test database opens")
        .with_faults(chaos.clone());
    let listener = TcpListener::bind(address)
        .await
        .unwrap_or_else(|error| panic!("{address} again: {error}"));
    let admin = TcpListener::bind("127.0.0.1:0")
        .await
        .expect("a loopback port");
    let listeners = server::Listeners {
        webhook: listener,
        admin,
    };
    let mut running = server::start(config, store, listeners, LogEffects, worker_config())
        .expect("the server starts");
    // Stopped mid-step at times: its lease runs out and the next server resumes it.
    running.set_worker_grace(Duration::from_millis(100));
    running
}

/// Keeps the injected panics (expected, and many) out of the test's output; any other panic
/// is reported as usual.
fn quiet_injected_panics() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        let default = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            let payload = info.payload();
            let message = payload
                .downcast_ref::<String>()
                .map(String::as_str)
                .or_else(|| payload.downcast_ref::<&str>().copied())
                .unwrap_or("");
            if !message.starts_with(PANIC_MESSAGE) {
                default(info);
            }
        }));
    });
}

fn report(line: &str) {
    // Straight to the terminal: libtest would swallow an eprintln! from a passing test.
    let _ = std::io::stderr().write_all(format!("{line}\n").as_bytes());
}

async fn no_notification_is_lost_under_faults(db: &TestDb) {
    quiet_injected_panics();
    let seed = std::env::var("NO_LOSS_SEED")
        .ok()
        .map_or(SEED, |seed| seed.parse().expect("NO_LOSS_SEED: a u64"));
    let backend = if db.is_postgres() {
        "postgres"
    } else {
        "sqlite"
    };
    let started = Instant::now();
    let plan = plan(seed);
    let total = plan.notifications.len();

    let mut config = config(db, HmacKeys::new(KEY.parse().unwrap()), None);
    config.request_timeout = REQUEST_TIMEOUT;
    let chaos = Arc::new(Chaos::new(seed));
    let first = start_server(&config, &chaos, "127.0.0.1:0".parse().unwrap()).await;
    let address = first.local_addr();
    let observer = db.store().await;
    let sender = Sender::new(&SenderConfig {
        url: first.url(WEBHOOK_PATH),
        basic_auth: None,
        retries: 0,
        compression: 1,
    })
    .unwrap();
    let context = Arc::new(Context {
        sender,
        observer: observer.clone(),
        tally: Mutex::default(),
        acknowledged: AtomicUsize::new(0),
    });

    // Stops the server and starts another on the same database and port, each time another
    // share of the deliveries has been acknowledged.
    let requests = plan.deliveries.len();
    let restarts = {
        let (context, config, chaos) = (context.clone(), config.clone(), chaos.clone());
        tokio::spawn(async move {
            let mut running = first;
            let mut downtimes = Vec::new();
            for n in 1..=RESTARTS {
                let threshold = requests * n / (RESTARTS + 1);
                while context.acknowledged.load(Ordering::SeqCst) < threshold {
                    tokio::time::sleep(Duration::from_millis(5)).await;
                }
                let down = Instant::now();
                running.shutdown().await.expect("a graceful shutdown");
                running = start_server(&config, &chaos, address).await;
                downtimes.push(down.elapsed());
            }
            (running, downtimes)
        })
    };

    let permits = Arc::new(Semaphore::new(CONCURRENCY));
    let mut deliveries = Vec::new();
    for delivery in plan.deliveries.iter().cloned() {
        let permit = permits.clone().acquire_owned().await.unwrap();
        let context = context.clone();
        deliveries.push(tokio::spawn(async move {
            deliver(&context, delivery).await;
            drop(permit);
        }));
    }
    for delivery in deliveries {
        delivery.await.expect("a delivery task");
    }
    let delivered_in = started.elapsed();
    let (server, downtimes) = restarts.await.expect("the restarts");

    // Every notification processed, whatever failed along the way.
    let patience = Duration::from_secs(40);
    let waiting = Instant::now();
    let stats = loop {
        let stats = observer.stats().await.expect("stats");
        if (stats.processed == stats.notifications && stats.failing == 0)
            || waiting.elapsed() > patience
        {
            break stats;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    };
    let elapsed = started.elapsed();
    let tally = std::mem::take(&mut *context.tally.lock().unwrap());
    let injected = chaos.injected();

    // The figures first, so that they are there even when an assertion fails.
    let mut by_kind: BTreeMap<&str, u64> = BTreeMap::new();
    for ((_, kind), count) in &injected {
        *by_kind.entry(kind).or_default() += count;
    }
    let by_point: Vec<String> = injected
        .iter()
        .map(|((point, kind), count)| format!("{}/{kind}={count}", point.as_str()))
        .collect();
    let attempts: u64 = tally.answers.values().sum();
    report(&format!(
        "\nNO-LOSS {backend} seed={seed}: {total} distinct notifications ({} payments, {REPORTS} \
         reports; {} payments sent last to first) in {requests} requests ({} duplicates, {} \
         batches of 3); {attempts} attempts, answers {:?}; most tries for one request {}; \
         {RESTARTS} restarts (down {:?}); faults injected {} ({by_kind:?}): {}; \
         acknowledged-but-not-stored {}, given up {}; stored {}, processed {}, failing {}; \
         delivered in {:.1?}, processed by {:.1?}",
        PAYMENTS,
        plan.reversed,
        plan.duplicates,
        plan.batches,
        tally.answers,
        tally.most_tries,
        downtimes,
        by_kind.values().sum::<u64>(),
        by_point.join(" "),
        tally.acknowledged_not_stored.len(),
        tally.given_up.len(),
        stats.notifications,
        stats.processed,
        stats.failing,
        delivered_in,
        elapsed,
    ));

    // Nothing acknowledged that was not stored, nothing given up.
    assert!(
        tally.acknowledged_not_stored.is_empty(),
        "acknowledged but not stored: {:?}",
        tally.acknowledged_not_stored
    );
    assert!(
        tally.given_up.is_empty(),
        "ran out of retries: {:?}",
        tally.given_up
    );
    assert_eq!(tally.acknowledged, requests);

    // Exactly the distinct notifications, each once, as sent, each processed.
    let stored = observer
        .list(10_000, None)
        .await
        .expect("the stored notifications")
        .into_iter()
        .map(|row| row.expect("every row decodes"))
        .collect::<Vec<_>>();
    let mut seen = BTreeSet::new();
    for notification in &stored {
        let key = dedupe_key(&notification.item);
        assert!(seen.insert(key.clone()), "stored twice: {key:?}");
        let sent = plan
            .notifications
            .get(&key)
            .unwrap_or_else(|| panic!("stored but never sent: {key:?}"));
        assert_eq!(&notification.item, sent, "stored as sent");
        assert!(
            notification.processing.processed_at.is_some(),
            "not processed: {key:?} {:?}",
            notification.processing
        );
        let acks = tally.acks_per_notification.get(&key).copied().unwrap_or(0);
        assert!(
            notification.deliveries >= acks,
            "{key:?}: {} deliveries counted, {acks} acknowledged",
            notification.deliveries
        );
    }
    let missing: Vec<_> = plan
        .notifications
        .keys()
        .filter(|key| !seen.contains(*key))
        .collect();
    assert!(missing.is_empty(), "lost: {missing:?}");
    assert_eq!(stored.len(), total);
    assert_eq!(
        (stats.notifications, stats.processed, stats.failing),
        (
            i64::try_from(total).unwrap(),
            i64::try_from(total).unwrap(),
            0
        )
    );
    let acknowledged_items = i64::try_from(tally.acknowledged_items).unwrap();
    assert!(stats.deliveries >= acknowledged_items, "{stats:?}");

    // Each payment as its notifications imply.
    for order in &plan.orders {
        let payments = observer.payments(&order.reference).await.expect("payments");
        let [payment] = &payments[..] else {
            panic!("{}: {payments:?}", order.reference);
        };
        let expected = &order.expected;
        let actual = Expected {
            status: payment.status,
            authorised: payment.authorised,
            captured: i64::try_from(payment.captured).unwrap(),
            refunded: i64::try_from(payment.refunded).unwrap(),
            charged_back: i64::try_from(payment.charged_back).unwrap(),
            problems: payment.problems.len(),
        };
        assert_eq!(&actual, expected, "{}", order.reference);
        assert_eq!(
            payment.events.len(),
            order.items.len(),
            "{}: every notification counted once: {:?}",
            order.reference,
            payment.events
        );
    }

    // The faults did happen, and the order of arrival was mixed up for real.
    for point in FaultPoint::ALL {
        assert!(
            injected.keys().any(|(p, _)| *p == point),
            "no fault at {point:?}: {injected:?}"
        );
    }
    for kind in ["error", "panic", "timeout"] {
        assert!(by_kind.get(kind).is_some_and(|&n| n > 0), "no {kind}");
    }
    for status in ["500", "503"] {
        assert!(tally.answers.contains_key(status), "{:?}", tally.answers);
    }
    assert_eq!(downtimes.len(), RESTARTS);
    let stored_late = plan
        .orders
        .iter()
        .filter(|order| {
            let id = |item: &NotificationRequestItem| {
                stored
                    .iter()
                    .find(|n| dedupe_key(&n.item) == dedupe_key(item))
                    .map(|n| n.id)
            };
            let authorisation = id(&order.items[0]);
            order.items[1..].iter().any(|item| id(item) < authorisation)
        })
        .count();
    report(&format!(
        "NO-LOSS {backend}: {stored_late} payments had a modification stored before their \
         authorisation"
    ));
    assert!(stored_late > 0);

    server.shutdown().await.expect("a graceful shutdown");
    observer.close().await;
}
