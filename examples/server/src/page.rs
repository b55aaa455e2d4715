//! The operator page, `GET /` on the admin listener: what a person opens to see whether webhooks
//! arrive, verify and get processed, and to requeue what failed.
//!
//! Server-rendered HTML from one askama template (`templates/operator.html`), with its CSS
//! inline and no script: nothing is fetched from another host, and nothing needs building. The
//! template engine escapes every value, and values from notifications are attacker-controlled
//! (their unsigned fields above all), so nothing is ever marked safe.
//!
//! It shows the store's counters, the failing and dead-lettered notifications with a requeue
//! button each, the latest notifications a page at a time ([`PAGE_SIZE`]), the latest payments,
//! the keys with their check values and last use ([`keys`](crate::keys)), and the latest
//! deliveries as the verification layer judged them ([`RecentDeliveries`]: forged ones
//! included, which the store never sees).
//!
//! The requeue buttons are plain HTML forms that POST and are answered `303 See Other` back to
//! the page. Against cross-site request forgery (the browser would send the admin's Basic auth
//! credentials with a forged form), every POST to the admin listener must come from a page of
//! the listener itself: see [`same_origin`].

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};

use askama::Template;
use axum::http::{header, HeaderMap, Method};
use tower_adyen_webhook::{Outcome, Verdict};

use crate::keys::KeyStatus;
use crate::payments::Payment;
use crate::store::{Row, Stats};
use crate::time::{now_ms, rfc3339};

/// Notifications per page of the "Latest notifications" table.
pub const PAGE_SIZE: i64 = 50;

/// Failing and dead-lettered notifications shown, newest first.
pub const FAILING_SHOWN: i64 = 50;

/// Payments shown, most recently updated first.
pub const PAYMENTS_SHOWN: i64 = 20;

/// Deliveries remembered for the page.
pub const DELIVERIES_KEPT: usize = 10;

/// The latest deliveries as the verification layer judged them, on both webhook routes, in
/// memory only (a restart forgets them): fed by the layers'
/// [`on_verdict`](tower_adyen_webhook::VerifyWebhookLayer::on_verdict). Cloning is cheap.
#[derive(Clone, Debug, Default)]
pub struct RecentDeliveries {
    deliveries: Arc<Mutex<VecDeque<Delivery>>>,
}

/// One delivery, as [`RecentDeliveries`] keeps it: counts and codes, nothing from the body.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Delivery {
    /// When it was answered (ms since the epoch).
    pub at: i64,
    /// `notifications` or `platform`.
    pub route: &'static str,
    /// What became of it.
    pub outcome: &'static str,
    /// Whether Adyen was told `[accepted]`.
    pub acknowledged: bool,
    /// Why it was refused, if it was.
    pub reason: Option<&'static str>,
    /// Its items (standard notifications), and how many failed verification.
    pub items: usize,
    /// How many of its items failed verification.
    pub rejected_items: usize,
    /// The check value of the key that verified it.
    pub kcv: Option<String>,
}

impl RecentDeliveries {
    /// Remembers `verdict`, of a delivery on `route`, forgetting the oldest past
    /// [`DELIVERIES_KEPT`].
    pub fn record(&self, route: &'static str, verdict: &Verdict<'_>) {
        let delivery = Delivery {
            at: now_ms(),
            route,
            outcome: verdict.outcome.as_str(),
            acknowledged: verdict.outcome.is_acknowledged(),
            reason: verdict.reason,
            items: verdict.items,
            rejected_items: verdict.rejected_items,
            kcv: verdict.kcv.map(str::to_owned),
        };
        let mut deliveries = self.deliveries.lock().unwrap_or_else(|e| e.into_inner());
        if deliveries.len() == DELIVERIES_KEPT {
            deliveries.pop_back();
        }
        deliveries.push_front(delivery);
    }

    /// The deliveries remembered, newest first.
    pub fn latest(&self) -> Vec<Delivery> {
        let deliveries = self.deliveries.lock().unwrap_or_else(|e| e.into_inner());
        deliveries.iter().cloned().collect()
    }
}

/// Whether a request may change anything: safe methods always; a POST (or any other unsafe
/// method) only when the browser says it comes from a page of `host` itself.
///
/// `Sec-Fetch-Site` (sent by every current browser) must be `same-origin` (or `none`: typed by
/// the user); without it, `Origin` must name `host`. A request with neither comes from a
/// program (curl, a script using the JSON API), not from a page a browser was lured to, and is
/// let through: forgery needs a browser.
pub fn same_origin(method: &Method, headers: &HeaderMap, host: Option<&str>) -> bool {
    if matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS) {
        return true;
    }
    let value = |name| {
        headers
            .get(name)
            .map(|value: &header::HeaderValue| value.to_str().unwrap_or("").trim())
    };
    if let Some(site) = value("sec-fetch-site") {
        return site.eq_ignore_ascii_case("same-origin") || site.eq_ignore_ascii_case("none");
    }
    match value(header::ORIGIN.as_str()) {
        None => true,
        Some(origin) => {
            let Some(host) = host else { return false };
            let authority = origin
                .strip_prefix("http://")
                .or_else(|| origin.strip_prefix("https://"));
            authority.is_some_and(|authority| authority.eq_ignore_ascii_case(host.trim()))
        }
    }
}

/// The page's data: what [`render`] needs.
#[derive(Debug)]
pub struct PageData<'a> {
    /// The store's counts.
    pub stats: &'a Stats,
    /// The failing and dead-lettered notifications.
    pub failing: &'a [Row],
    /// This page of the latest notifications.
    pub notifications: &'a [Row],
    /// Where this page starts (`before` of the query), if not at the newest.
    pub before: Option<i64>,
    /// The latest payments.
    pub payments: &'a [Payment],
    /// The configured keys.
    pub keys: &'a [KeyStatus],
    /// After how many days a key counts as unused.
    pub unused_days: u64,
    /// The latest deliveries.
    pub deliveries: &'a [Delivery],
    /// A notification just requeued (the page's `requeued` query), to say so.
    pub requeued: Option<String>,
    /// What a button could not do, to say so.
    pub unchanged: Option<String>,
    /// `test` or `live`.
    pub environment: &'static str,
    /// The webhook listener's URL path for standard notifications.
    pub webhook_path: &'static str,
}

/// Renders the page.
pub fn render(data: &PageData<'_>) -> Result<String, askama::Error> {
    let now = now_ms();
    let stats = data.stats;
    let oldest = stats.oldest_unprocessed_at.map(|at| age((now - at).max(0)));
    let counters = vec![
        Counter::new(
            "Stored",
            stats.notifications,
            "notifications, each once",
            "",
        ),
        Counter::new(
            "Duplicates",
            stats.deliveries - stats.notifications,
            "redeliveries recognised",
            "",
        ),
        Counter::new(
            "Ignored",
            stats.ignored,
            "tests, other accounts or environment",
            "",
        ),
        Counter::new("Due", stats.due, "waiting for the worker", ""),
        Counter::new(
            "Failing",
            stats.failing - stats.dead,
            "waiting for a retry",
            if stats.failing > stats.dead {
                "warn"
            } else {
                ""
            },
        ),
        Counter::new(
            "Dead",
            stats.dead,
            "waiting for an operator",
            if stats.dead > 0 { "bad" } else { "" },
        ),
    ];
    let next_before = (data.notifications.len() as i64 == PAGE_SIZE)
        .then(|| data.notifications.last().map(row_id))
        .flatten();
    let template = OperatorPage {
        environment: data.environment,
        generated_at: short_time(now),
        counters,
        oldest_unprocessed: oldest,
        failing: data.failing.iter().map(NotificationRow::from_row).collect(),
        dead: stats.dead,
        notifications: data
            .notifications
            .iter()
            .map(NotificationRow::from_row)
            .collect(),
        empty: stats.notifications == 0 && stats.events == 0,
        paged: data.before.is_some(),
        next_before,
        payments: data.payments.iter().map(PaymentRow::from).collect(),
        keys: data.keys.iter().map(|key| KeyRow::new(key, now)).collect(),
        unused_days: data.unused_days,
        deliveries: data.deliveries.iter().map(DeliveryRow::from).collect(),
        requeued: data.requeued.clone(),
        unchanged: data.unchanged.clone(),
        webhook_path: data.webhook_path,
        events: stats.events,
    };
    template.render()
}

fn row_id(row: &Row) -> i64 {
    match row {
        Ok(stored) => stored.id,
        Err(unreadable) => unreadable.id,
    }
}

#[derive(Template)]
#[template(path = "operator.html")]
struct OperatorPage {
    environment: &'static str,
    generated_at: String,
    counters: Vec<Counter>,
    oldest_unprocessed: Option<String>,
    failing: Vec<NotificationRow>,
    dead: i64,
    notifications: Vec<NotificationRow>,
    empty: bool,
    paged: bool,
    next_before: Option<i64>,
    payments: Vec<PaymentRow>,
    keys: Vec<KeyRow>,
    unused_days: u64,
    deliveries: Vec<DeliveryRow>,
    requeued: Option<String>,
    unchanged: Option<String>,
    webhook_path: &'static str,
    events: i64,
}

struct Counter {
    label: &'static str,
    value: i64,
    hint: &'static str,
    tone: &'static str,
}

impl Counter {
    fn new(label: &'static str, value: i64, hint: &'static str, tone: &'static str) -> Self {
        Self {
            label,
            value,
            hint,
            tone,
        }
    }
}

struct NotificationRow {
    id: i64,
    received: String,
    event_code: String,
    success: bool,
    psp_reference: String,
    merchant_reference: String,
    amount: String,
    deliveries: i64,
    /// `processed`, `pending`, `failing`, `dead`, `ignored` or `unreadable`: also the badge's
    /// class.
    state: &'static str,
    attempts: i64,
    /// The last error, or why it is ignored.
    note: String,
    requeueable: bool,
}

impl NotificationRow {
    fn from_row(row: &Row) -> Self {
        match row {
            Ok(stored) => {
                let state = if stored.ignored.is_some() {
                    "ignored"
                } else {
                    stored.processing.state().as_str()
                };
                let item = &stored.item;
                // Adyen's `reason` is not signed: shown (escaped) for a refusal only.
                let refusal = (!item.success && !item.reason.is_empty())
                    .then(|| format!("reason: {}", item.reason));
                let note = stored
                    .ignored
                    .clone()
                    .or_else(|| stored.processing.last_error.clone())
                    .or(refusal)
                    .unwrap_or_default();
                Self {
                    id: stored.id,
                    received: short_time(stored.received_at),
                    event_code: item.event_code.as_str().to_owned(),
                    success: item.success,
                    psp_reference: item.psp_reference.to_string(),
                    merchant_reference: item.merchant_reference.to_string(),
                    amount: item
                        .amount
                        .as_ref()
                        .map(|amount| money(i128::from(amount.value), &amount.currency))
                        .unwrap_or_default(),
                    deliveries: stored.deliveries,
                    state,
                    attempts: stored.processing.attempts,
                    requeueable: matches!(state, "failing" | "dead"),
                    note,
                }
            }
            Err(unreadable) => Self {
                id: unreadable.id,
                received: String::new(),
                event_code: String::new(),
                success: false,
                psp_reference: String::new(),
                merchant_reference: String::new(),
                amount: String::new(),
                deliveries: 0,
                state: "unreadable",
                attempts: unreadable.attempts,
                note: unreadable.error.clone(),
                requeueable: false,
            },
        }
    }
}

struct PaymentRow {
    psp_reference: String,
    merchant_reference: String,
    status: &'static str,
    tone: &'static str,
    authorised: String,
    captured: String,
    refunded: String,
    problems: Vec<String>,
}

impl From<&Payment> for PaymentRow {
    fn from(payment: &Payment) -> Self {
        use crate::payments::PaymentStatus as S;
        let tone = match payment.status {
            S::Captured | S::Authorised => "ok",
            S::Pending => "pending",
            S::Refused | S::ChargedBack | S::Disputed => "bad",
            _ => "neutral",
        };
        let currency = &payment.currency;
        let amount = |value: i128| {
            if value == 0 {
                String::new()
            } else {
                money(value, currency)
            }
        };
        Self {
            psp_reference: payment.psp_reference.clone(),
            merchant_reference: payment.merchant_reference.clone(),
            status: payment.status.as_str(),
            tone,
            authorised: payment
                .authorised
                .map(|value| money(i128::from(value), currency))
                .unwrap_or_default(),
            captured: amount(payment.captured),
            refunded: amount(payment.refunded),
            problems: payment.problems.clone(),
        }
    }
}

struct KeyRow {
    setting: &'static str,
    position: usize,
    kcv: String,
    last_verified: String,
    last_verified_ago: Option<String>,
    /// The day.
    first_configured: String,
    /// `in use`, `unused` or `never used`.
    state: &'static str,
    tone: &'static str,
}

impl KeyRow {
    fn new(key: &KeyStatus, now: i64) -> Self {
        let (state, tone) = match (key.unused, key.last_verified_at) {
            (true, _) => ("unused", "bad"),
            (false, None) => ("not used yet", "pending"),
            (false, Some(_)) => ("in use", "ok"),
        };
        Self {
            setting: key.setting,
            position: key.position,
            kcv: key.kcv.clone(),
            last_verified: key
                .last_verified_at
                .map_or_else(|| "never".to_owned(), short_time),
            last_verified_ago: key
                .last_verified_at
                .map(|at| format!("{} ago", age((now - at).max(0)))),
            first_configured: short_time(key.first_configured_at)
                .get(..10)
                .unwrap_or_default()
                .to_owned(),
            state,
            tone,
        }
    }
}

struct DeliveryRow {
    at: String,
    route: &'static str,
    outcome: &'static str,
    tone: &'static str,
    reason: &'static str,
    items: String,
    kcv: String,
}

impl From<&Delivery> for DeliveryRow {
    fn from(delivery: &Delivery) -> Self {
        let tone = if delivery.acknowledged {
            "ok"
        } else if delivery.outcome == Outcome::Unauthorized.as_str() {
            "bad"
        } else {
            "warn"
        };
        let items = match (delivery.items, delivery.rejected_items) {
            (0, _) => String::new(),
            (items, 0) => items.to_string(),
            (items, rejected) => format!("{items}, {rejected} bad"),
        };
        Self {
            // Since the start: the time of day is enough.
            at: short_time(delivery.at)
                .get(11..)
                .unwrap_or_default()
                .to_owned(),
            route: delivery.route,
            outcome: delivery.outcome,
            tone,
            reason: delivery.reason.unwrap_or(""),
            items,
            kcv: delivery.kcv.clone().unwrap_or_default(),
        }
    }
}

/// `2026-11-28 13:05:09`, UTC: to the second, for a table.
fn short_time(ms: i64) -> String {
    let text = rfc3339(ms);
    // 2026-11-28T13:05:09.123Z
    match text.get(..19) {
        Some(prefix) => prefix.replacen('T', " ", 1),
        None => text,
    }
}

/// `3 s`, `4 min`, `2 h 5 min`, `3 d 4 h`.
fn age(ms: i64) -> String {
    let secs = ms / 1000;
    match secs {
        0..60 => format!("{secs} s"),
        60..3600 => format!("{} min", secs / 60),
        3600..86_400 => format!("{} h {} min", secs / 3600, secs % 3600 / 60),
        _ => format!("{} d {} h", secs / 86_400, secs % 86_400 / 3600),
    }
}

/// An amount in minor units as a person reads it: `EUR 10.50`, `JPY 1050`, `KWD 1.050`, with
/// ISO 4217's decimals for the currencies that do not have two.
fn money(value: i128, currency: &str) -> String {
    let decimals = match currency {
        "BIF" | "CLP" | "DJF" | "GNF" | "ISK" | "JPY" | "KMF" | "KRW" | "PYG" | "RWF" | "UGX"
        | "VND" | "VUV" | "XAF" | "XOF" | "XPF" => 0,
        "BHD" | "IQD" | "JOD" | "KWD" | "LYD" | "OMR" | "TND" => 3,
        _ => 2,
    };
    if decimals == 0 {
        return format!("{currency} {value}");
    }
    let unit = 10i128.pow(decimals);
    let sign = if value < 0 { "-" } else { "" };
    let value = value.unsigned_abs();
    let unit = unit.unsigned_abs();
    format!(
        "{currency} {sign}{}.{:0width$}",
        value / unit,
        value % unit,
        width = decimals as usize
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn posts_must_come_from_the_listener_s_own_pages() {
        let host = Some("127.0.0.1:9090");
        let post = |headers: &[(&str, &str)]| {
            let mut map = HeaderMap::new();
            for (name, value) in headers {
                map.insert(
                    header::HeaderName::from_bytes(name.as_bytes()).unwrap(),
                    value.parse().unwrap(),
                );
            }
            same_origin(&Method::POST, &map, host)
        };
        assert!(post(&[("sec-fetch-site", "same-origin")]));
        assert!(post(&[("origin", "http://127.0.0.1:9090")]));
        // A program, not a browser.
        assert!(post(&[]));
        assert!(!post(&[("sec-fetch-site", "cross-site")]));
        assert!(!post(&[("sec-fetch-site", "same-site")]));
        assert!(!post(&[
            ("sec-fetch-site", "cross-site"),
            ("origin", "http://127.0.0.1:9090")
        ]));
        assert!(!post(&[("origin", "http://evil.example")]));
        assert!(!post(&[("origin", "http://127.0.0.1:9091")]));
        assert!(!post(&[("origin", "null")]));
        let mut map = HeaderMap::new();
        map.insert("sec-fetch-site", "cross-site".parse().unwrap());
        assert!(same_origin(&Method::GET, &map, host));
    }

    #[test]
    fn amounts_in_their_currency_s_decimals() {
        assert_eq!(money(1050, "EUR"), "EUR 10.50");
        assert_eq!(money(5, "EUR"), "EUR 0.05");
        assert_eq!(money(-1050, "USD"), "USD -10.50");
        assert_eq!(money(1050, "JPY"), "JPY 1050");
        assert_eq!(money(1050, "KWD"), "KWD 1.050");
    }

    #[test]
    fn ages_and_times_for_a_person() {
        assert_eq!(age(5_400), "5 s");
        assert_eq!(age(240_000), "4 min");
        assert_eq!(age(7_500_000), "2 h 5 min");
        assert_eq!(age(3 * 86_400_000 + 4 * 3_600_000), "3 d 4 h");
        assert_eq!(short_time(1_795_871_109_123), "2026-11-28 13:05:09");
    }
}
