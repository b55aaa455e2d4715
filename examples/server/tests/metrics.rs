//! The admin listener's `GET /metrics` and `GET /ready`, over real HTTP on loopback.
//!
//! A test binary of its own: the counters are process-wide, and another test's traffic would
//! show in them. One test, on SQLite and then on PostgreSQL when `TEST_DATABASE_URL` is set,
//! each run reading the counters' increase over its own traffic.

mod support;

use std::collections::BTreeMap;
use std::time::Duration;

use adyen_webhook_server::app::WEBHOOK_PATH;
use adyen_webhook_server::server::Running;
use adyen_webhook_server::worker::WorkerConfig;
use sqlx::Executor;
use support::{config, fast_worker, get, get_with, post, start, wait_for, Recording, TestDb};
use tower_adyen_webhook::{HmacKey, HmacKeys, NotificationRequest, NotificationRequestItem};

const KEY: &str = "00727DB817A85C8503AD29EAD1523DB869AF0E536893BB3046C92DE7CB045CB1";
const OTHER_KEY: &str = "DFB1EB5485895CFA84146406857104ABB4CBCABDC8AAF103A624C8F6A3EAAB00";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn metrics_and_readiness() {
    let db = TestDb::sqlite();
    metrics_count_known_traffic(&db).await;
    verified_counts_per_key_during_a_rotation(&db).await;
    readiness_follows_the_database(&db).await;
    a_failing_notification_shows_in_the_backlog(&db).await;
    let test = concat!(module_path!(), "::metrics_and_readiness::postgres");
    if let Some(db) = TestDb::postgres(test).await {
        metrics_count_known_traffic(&db).await;
        verified_counts_per_key_during_a_rotation(&db).await;
        readiness_follows_the_database(&db).await;
        a_failing_notification_shows_in_the_backlog(&db).await;
        db.drop_schema().await;
    }
}

/// Both endpoints are the admin API's: the same credentials, the same `Host` check. (No webhook
/// traffic here: the other test's counts stay its own.)
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn metrics_and_readiness_are_guarded_like_the_api() {
    let db = TestDb::sqlite();
    let mut config = config(&db, HmacKeys::new(KEY.parse().unwrap()), None);
    config.admin.basic_auth = Some(support::credentials("operator", "staple"));
    let server = start(&config, Recording::default(), fast_worker()).await;
    let operator = Some(("operator", "staple"));
    for path in ["/metrics", "/ready"] {
        let url = server.admin_url(path);
        for wrong in [None, Some(("operator", "wrong"))] {
            assert_eq!(get(&url, wrong).await.status, 401, "{path} {wrong:?}");
        }
        assert_eq!(get(&url, operator).await.status, 200, "{path}");
        let rebound = get_with(&url, &[("host", "evil.example")], operator).await;
        assert_eq!(rebound.status, 421, "{path}");
    }
    server.shutdown().await.unwrap();
}

fn signed(key: &HmacKey, psp: &str) -> String {
    let mut item = NotificationRequestItem::new(psp, "AUTHORISATION");
    item.merchant_account_code = "YourShopECOM".into();
    item.merchant_reference = format!("ORDER-{psp}").into();
    key.sign_item_in_place(&mut item);
    NotificationRequest {
        live: false,
        items: vec![item],
    }
    .to_json()
}

/// The samples of a Prometheus text exposition, by name and labels as written.
fn scrape_text(text: &str) -> BTreeMap<String, f64> {
    text.lines()
        .filter(|line| !line.starts_with('#') && !line.trim().is_empty())
        .map(|line| {
            let (series, value) = line.rsplit_once(' ').expect("a sample: series value");
            (series.to_owned(), value.parse().expect("a number"))
        })
        .collect()
}

async fn scrape(server: &Running) -> BTreeMap<String, f64> {
    let answer = get(&server.admin_url("/metrics"), None).await;
    assert_eq!(answer.status, 200, "{answer:?}");
    scrape_text(&answer.body)
}

/// Valid, duplicate, ignored and forged deliveries: each counter grows by exactly what they
/// were, and the gauges say what the store holds.
async fn metrics_count_known_traffic(db: &TestDb) {
    let key: HmacKey = KEY.parse().unwrap();
    let config = config(db, HmacKeys::new(key.clone()), None);
    // The effects always fail and a notification is dead-lettered at its first failure: the
    // backlog gauges then have something to show.
    let worker = WorkerConfig {
        max_attempts: 1,
        ..fast_worker()
    };
    let server = start(&config, Recording::failing(usize::MAX), worker).await;
    let before = scrape(&server).await;
    let url = server.url(WEBHOOK_PATH);

    let valid = signed(&key, "8800000000000001");
    let test = signed(&key, "test_AUTHORISATION_1");
    let forged = signed(&OTHER_KEY.parse().unwrap(), "8800000000000002");
    for (body, status) in [(&valid, 200), (&valid, 200), (&test, 200), (&forged, 401)] {
        assert_eq!(post(&url, body, None).await.status, status);
    }
    wait_for(server.store(), Duration::from_secs(10), |stats| {
        stats.dead == 1
    })
    .await;

    let after = scrape(&server).await;
    let grew = |series: &str| {
        after.get(series).copied().unwrap_or(0.0) - before.get(series).copied().unwrap_or(0.0)
    };
    let counters = [
        (
            r#"adyen_webhook_requests_total{outcome="accepted",reason="",kind="notifications"}"#,
            3.0,
        ),
        (
            r#"adyen_webhook_requests_total{outcome="unauthorized",reason="signature_mismatch",kind="notifications"}"#,
            1.0,
        ),
        (
            r#"adyen_webhook_request_duration_seconds_count{outcome="accepted",kind="notifications"}"#,
            3.0,
        ),
        (
            r#"adyen_webhook_items_total{verdict="verified",reason=""}"#,
            3.0,
        ),
        (
            r#"adyen_webhook_items_total{verdict="rejected",reason="signature_mismatch"}"#,
            1.0,
        ),
        (
            &format!(
                r#"adyen_webhook_verified_total{{kcv="{}"}}"#,
                key.check_value()
            ),
            3.0,
        ),
        ("adyen_webhook_server_notifications_stored_total", 2.0),
        ("adyen_webhook_server_notifications_duplicates_total", 1.0),
        ("adyen_webhook_server_notifications_ignored_total", 1.0),
    ];
    for (series, expected) in counters {
        assert_eq!(grew(series), expected, "{series}\n{after:#?}");
    }
    // The forged request's key verified nothing.
    let other_kcv = OTHER_KEY.parse::<HmacKey>().unwrap();
    let other = format!(
        r#"adyen_webhook_verified_total{{kcv="{}"}}"#,
        other_kcv.check_value()
    );
    assert_eq!(grew(&other), 0.0);

    let gauges = [
        ("adyen_webhook_server_store_up", 1.0),
        (r#"adyen_webhook_server_backlog{state="due"}"#, 0.0),
        (r#"adyen_webhook_server_backlog{state="failing"}"#, 0.0),
        (r#"adyen_webhook_server_backlog{state="dead"}"#, 1.0),
        // Dead-lettered notifications are not waiting for the worker.
        ("adyen_webhook_server_oldest_unprocessed_age_seconds", 0.0),
        ("adyen_webhook_server_events_stored", 0.0),
    ];
    for (series, expected) in gauges {
        assert_eq!(after.get(series), Some(&expected), "{series}");
    }

    // Only the admin listener serves it.
    assert_eq!(get(&server.url("/metrics"), None).await.status, 404);
    server.shutdown().await.unwrap();
}

/// During a rotation (`NEW,OLD`), `adyen_webhook_verified_total` counts each key's deliveries
/// under its own check value, and a delivery signed with neither counts under none.
async fn verified_counts_per_key_during_a_rotation(db: &TestDb) {
    let new: HmacKey = KEY.parse().unwrap();
    let old: HmacKey = OTHER_KEY.parse().unwrap();
    let stranger: HmacKey = "11727DB817A85C8503AD29EAD1523DB869AF0E536893BB3046C92DE7CB045CB2"
        .parse()
        .unwrap();
    let config = config(db, HmacKeys::new(new.clone()).with(old.clone()), None);
    let server = start(&config, Recording::default(), fast_worker()).await;
    let before = scrape(&server).await;
    let url = server.url(WEBHOOK_PATH);
    let deliveries = [
        (&new, "8800000000000101", 200),
        (&new, "8800000000000102", 200),
        (&new, "8800000000000103", 200),
        (&old, "8800000000000104", 200),
        (&old, "8800000000000105", 200),
        (&stranger, "8800000000000106", 401),
    ];
    for (key, psp, status) in deliveries {
        assert_eq!(post(&url, &signed(key, psp), None).await.status, status);
    }
    let after = scrape(&server).await;
    let grew = |kcv: &str| {
        let series = format!(r#"adyen_webhook_verified_total{{kcv="{kcv}"}}"#);
        after.get(&series).copied().unwrap_or(0.0) - before.get(&series).copied().unwrap_or(0.0)
    };
    assert_eq!(grew(new.check_value()), 3.0, "{after:#?}");
    assert_eq!(grew(old.check_value()), 2.0, "{after:#?}");
    assert_eq!(grew(stranger.check_value()), 0.0);
    // Processed before the next check, whose effects fail, starts.
    wait_for(server.store(), Duration::from_secs(10), |stats| {
        stats.due == 0
    })
    .await;
    server.shutdown().await.unwrap();
}

/// `GET /ready` is 200 while the database answers, 503 naming it while its table is gone, 200
/// again once it is back, and 503 once the store is closed.
async fn readiness_follows_the_database(db: &TestDb) {
    let key: HmacKey = KEY.parse().unwrap();
    let config = config(db, HmacKeys::new(key), None);
    let server = start(&config, Recording::default(), fast_worker()).await;
    let ready = || async { get(&server.admin_url("/ready"), None).await };

    let answer = ready().await;
    assert_eq!(answer.status, 200, "{answer:?}");
    assert_eq!(
        answer.json(),
        serde_json::json!({
            "ready": true,
            "checks": { "database": { "ok": true }, "worker": { "ok": true } },
        })
    );

    let pool = server.store().pool();
    pool.execute("ALTER TABLE notifications RENAME TO notifications_away")
        .await
        .unwrap();
    let answer = ready().await;
    assert_eq!(answer.status, 503, "{answer:?}");
    let body = answer.json();
    assert_eq!(body["ready"], false);
    assert_eq!(body["checks"]["database"]["ok"], false, "{body}");
    assert!(body["checks"]["database"]["error"].is_string(), "{body}");
    assert_eq!(body["checks"]["worker"]["ok"], true, "{body}");
    // The scrape still answers, with the counters, and says the store's counts are missing.
    let metrics = scrape(&server).await;
    assert_eq!(metrics.get("adyen_webhook_server_store_up"), Some(&0.0));
    assert!(!metrics.contains_key(r#"adyen_webhook_server_backlog{state="due"}"#));

    pool.execute("ALTER TABLE notifications_away RENAME TO notifications")
        .await
        .unwrap();
    let answer = ready().await;
    assert_eq!(answer.status, 200, "{answer:?}");

    server.store().close().await;
    let answer = ready().await;
    assert_eq!(answer.status, 503, "{answer:?}");
    assert_eq!(answer.json()["checks"]["database"]["ok"], false);

    // The webhook port's health check is not readiness: it answers as before.
    assert_eq!(get(&server.url("/health"), None).await.body, "ok");
    assert_eq!(get(&server.url("/ready"), None).await.status, 404);
    server.shutdown().await.unwrap();
}

/// A notification waiting for a retry is in the failing backlog, and its age grows.
async fn a_failing_notification_shows_in_the_backlog(db: &TestDb) {
    let key: HmacKey = KEY.parse().unwrap();
    let config = config(db, HmacKeys::new(key.clone()), None);
    let server = start(&config, Recording::failing(usize::MAX), fast_worker()).await;
    let url = server.url(WEBHOOK_PATH);
    let body = signed(&key, "8800000000000003");
    assert_eq!(post(&url, &body, None).await.status, 200);
    let stats = wait_for(server.store(), Duration::from_secs(10), |stats| {
        stats.failing > stats.dead
    })
    .await;
    let metrics = scrape(&server).await;
    let gauge = |series: &str| metrics.get(series).copied();
    assert_eq!(
        gauge(r#"adyen_webhook_server_backlog{state="failing"}"#),
        Some(1.0)
    );
    assert_eq!(
        gauge(r#"adyen_webhook_server_backlog{state="due"}"#),
        Some(0.0)
    );
    // The first run's notification, dead-lettered, is older, but waits for an operator, not
    // for the worker: not the oldest unprocessed.
    assert_eq!(stats.dead, 1);
    assert_eq!(
        gauge(r#"adyen_webhook_server_backlog{state="dead"}"#),
        Some(1.0)
    );
    let age = gauge("adyen_webhook_server_oldest_unprocessed_age_seconds").unwrap();
    assert!(age > 0.0 && age < 10.0, "{age}");
    server.shutdown().await.unwrap();
}
