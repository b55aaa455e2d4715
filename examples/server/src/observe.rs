//! What `GET /metrics` on the admin listener serves: Prometheus' text format.
//!
//! Two kinds of series:
//!
//! - **Counters**, through the `metrics` facade: `tower-adyen-webhook`'s own
//!   (`adyen_webhook_requests_total`, `adyen_webhook_request_duration_seconds`,
//!   `adyen_webhook_items_total`, `adyen_webhook_verified_total`: see the crate's "Observing the
//!   layer") and the server's, counted where the handler stores:
//!   `adyen_webhook_server_notifications_stored_total`,
//!   `adyen_webhook_server_notifications_duplicates_total` (redeliveries recognised, not stored
//!   again) and `adyen_webhook_server_notifications_ignored_total` (stored, never applied: see
//!   [`Guards`](crate::config::Guards)). The layer counts on the request's task, so the recorder
//!   is the process's global one, installed by the first server started: **these counters are
//!   process-wide**, summed over every server the process runs.
//! - **Gauges** read from the server's own store at each scrape ([`Store::stats`]):
//!   `adyen_webhook_server_backlog{state="due"|"failing"|"dead"}` (notifications waiting for
//!   their first attempt, for a retry, for an operator),
//!   `adyen_webhook_server_oldest_unprocessed_age_seconds` (of the oldest notification neither
//!   processed nor dead-lettered; 0 when there is none), `adyen_webhook_server_events_stored`,
//!   and `adyen_webhook_server_store_up` (0 when the counts could not be read: the other gauges
//!   are then left out rather than stale).
//!
//! [`Store::stats`]: crate::store::Store::stats

use std::fmt::Write as _;
use std::sync::OnceLock;

use metrics::{counter, describe_counter, Unit};
use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};

use crate::store::{Saved, Stats};
use crate::time::now_ms;

const STORED: &str = "adyen_webhook_server_notifications_stored_total";
const DUPLICATES: &str = "adyen_webhook_server_notifications_duplicates_total";
const IGNORED: &str = "adyen_webhook_server_notifications_ignored_total";

/// The latency histogram's buckets, in seconds: Adyen gives up after 10.
const DURATION_BUCKETS: &[f64] = &[
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
];

/// The process's recorder, installed the first time it is asked for.
fn handle() -> &'static PrometheusHandle {
    static HANDLE: OnceLock<PrometheusHandle> = OnceLock::new();
    HANDLE.get_or_init(|| {
        let recorder = PrometheusBuilder::new()
            .set_buckets_for_metric(
                Matcher::Full("adyen_webhook_request_duration_seconds".to_owned()),
                DURATION_BUCKETS,
            )
            .expect("the buckets are not empty")
            .build_recorder();
        let handle = recorder.handle();
        if metrics::set_global_recorder(recorder).is_err() {
            tracing::warn!(
                "another metrics recorder is installed in this process: GET /metrics serves \
                 the store's gauges only, the counters go to that recorder"
            );
        }
        describe_counter!(STORED, Unit::Count, "Notifications stored, each once.");
        describe_counter!(
            DUPLICATES,
            Unit::Count,
            "Redeliveries of stored notifications: acknowledged, not stored again."
        );
        describe_counter!(
            IGNORED,
            Unit::Count,
            "Notifications stored but never applied (tests, other accounts, the other environment)."
        );
        // Listed from the start at 0, so that a rate over them is defined before the first
        // notification.
        for name in [STORED, DUPLICATES, IGNORED] {
            counter!(name).increment(0);
        }
        handle
    })
}

/// Installs the process's recorder, if no server did yet: the layer's first verdict is then
/// counted.
pub fn install() {
    handle();
}

/// Counts what [`Store::save_with`](crate::store::Store::save_with) did with one request:
/// `ignored` of the newly stored were stored as ignored.
pub fn saved(saved: &[Saved], ignored: usize) {
    let duplicates = saved.iter().filter(|saved| saved.is_duplicate()).count();
    counter!(STORED).increment((saved.len() - duplicates) as u64);
    counter!(DUPLICATES).increment(duplicates as u64);
    counter!(IGNORED).increment(ignored as u64);
}

/// The body of `GET /metrics`: the process's counters, then the gauges of `stats` (`None` when
/// they could not be read).
pub fn render(stats: Option<&Stats>) -> String {
    let handle = handle();
    handle.run_upkeep();
    let mut text = handle.render();
    let mut gauge = |name: &str, help: &str, values: &[(&str, f64)]| {
        let _ = writeln!(text, "# HELP {name} {help}");
        let _ = writeln!(text, "# TYPE {name} gauge");
        for (labels, value) in values {
            let _ = writeln!(text, "{name}{labels} {value}");
        }
    };
    gauge(
        "adyen_webhook_server_store_up",
        "1 when the store's counts could be read for this scrape, else 0.",
        &[("", if stats.is_some() { 1.0 } else { 0.0 })],
    );
    let Some(stats) = stats else {
        return text;
    };
    gauge(
        "adyen_webhook_server_backlog",
        "Notifications not processed: waiting for their first attempt (due), for a retry \
         (failing), for an operator (dead).",
        &[
            ("{state=\"due\"}", stats.due as f64),
            ("{state=\"failing\"}", (stats.failing - stats.dead) as f64),
            ("{state=\"dead\"}", stats.dead as f64),
        ],
    );
    let age = stats
        .oldest_unprocessed_at
        .map_or(0.0, |received| (now_ms() - received).max(0) as f64 / 1000.0);
    gauge(
        "adyen_webhook_server_oldest_unprocessed_age_seconds",
        "Age of the oldest notification neither processed nor dead-lettered, 0 when none.",
        &[("", age)],
    );
    gauge(
        "adyen_webhook_server_events_stored",
        "Header-signed webhooks and notice-of-change events stored, each once.",
        &[("", stats.events as f64)],
    );
    text
}
