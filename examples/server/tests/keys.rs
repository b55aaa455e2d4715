//! The key-rotation view: `GET /api/keys` during a rotation (traffic signed with each of two
//! keys), what a restart keeps of it, and the log line naming the keys unused for 7 days.

mod support;

use std::time::Duration;

use adyen_webhook_server::app::WEBHOOK_PATH;
use adyen_webhook_server::keys::KeyWatchConfig;
use adyen_webhook_server::store::Store;
use support::process::{self, Launch};
use support::{config, fast_worker, get, post, start, Recording, TestDb};
use tower_adyen_webhook::{HmacKey, HmacKeys, NotificationRequest, NotificationRequestItem};

const NEW_KEY: &str = "00727DB817A85C8503AD29EAD1523DB869AF0E536893BB3046C92DE7CB045CB1";
const OLD_KEY: &str = "DFB1EB5485895CFA84146406857104ABB4CBCABDC8AAF103A624C8F6A3EAAB00";
const DAY_MS: i64 = 24 * 60 * 60 * 1000;

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

fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis() as i64
}

/// `ms` as the API writes instants (`2026-11-28T13:05:09.123Z`): such texts sort as their
/// instants do.
fn time_text(ms: i64) -> String {
    time::UtcDateTime::from_unix_timestamp_nanos(i128::from(ms) * 1_000_000)
        .unwrap()
        .format(time::macros::format_description!(
            "[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond digits:3]Z"
        ))
        .unwrap()
}

fn text(value: &serde_json::Value) -> Option<String> {
    value.as_str().map(str::to_owned)
}

async fn api_keys(url: &str) -> Vec<serde_json::Value> {
    let answer = get(url, None).await;
    assert_eq!(answer.status, 200, "{answer:?}");
    let body = answer.json();
    assert_eq!(body["unusedAfterSeconds"], 7 * 24 * 60 * 60);
    body["keys"].as_array().expect("an array").clone()
}

/// Two keys, traffic under each: each shows its own last use, the route and position, and the
/// store keeps them across a restart.
async fn rotation_shows_each_key_s_last_use(db: &TestDb) {
    let new: HmacKey = NEW_KEY.parse().unwrap();
    let old: HmacKey = OLD_KEY.parse().unwrap();
    let mut config = config(db, HmacKeys::new(new.clone()).with(old.clone()), None);
    config.key_watch = KeyWatchConfig {
        flush_interval: Duration::from_millis(50),
        ..KeyWatchConfig::default()
    };
    let server = start(&config, Recording::default(), fast_worker()).await;
    let keys_url = server.admin_url("/api/keys");

    let before = api_keys(&keys_url).await;
    assert_eq!(before.len(), 2);
    for (key, (position, kcv)) in before
        .iter()
        .zip([(1, new.check_value()), (2, old.check_value())])
    {
        assert_eq!(key["route"], "notifications");
        assert_eq!(key["setting"], "ADYEN_HMAC_KEY");
        assert_eq!(key["position"], position);
        assert_eq!(key["kcv"], kcv);
        assert_eq!(key["lastVerifiedAt"], serde_json::Value::Null);
        assert_eq!(key["unused"], false, "configured just now: {key}");
        let configured = text(&key["firstConfiguredAt"]).unwrap();
        assert!(configured <= time_text(now_ms()), "{key}");
        assert!(configured >= time_text(now_ms() - 60_000), "{key}");
    }

    let url = server.url(WEBHOOK_PATH);
    let sent_new = now_ms();
    for psp in ["8800000000000001", "8800000000000002"] {
        assert_eq!(post(&url, &signed(&new, psp), None).await.status, 200);
    }
    // Later, a delivery still signed with the previous key (an old retry).
    tokio::time::sleep(Duration::from_millis(30)).await;
    let sent_old = now_ms();
    assert_eq!(
        post(&url, &signed(&old, "8800000000000003"), None)
            .await
            .status,
        200
    );
    let after = api_keys(&keys_url).await;
    let last = |index: usize| text(&after[index]["lastVerifiedAt"]).expect("a last use");
    assert!(
        last(0) >= time_text(sent_new) && last(0) < time_text(sent_old),
        "{after:?}"
    );
    assert!(last(1) >= time_text(sent_old), "{after:?}");
    assert!(after.iter().all(|key| key["unused"] == false));

    // Written to the store by the key watch, not on the request's path.
    let store = server.store().clone();
    let began = std::time::Instant::now();
    loop {
        let records = store.key_records().await.unwrap();
        if records
            .iter()
            .filter(|r| r.last_verified_at.is_some())
            .count()
            == 2
        {
            break;
        }
        assert!(began.elapsed() < Duration::from_secs(10), "{records:?}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    server.shutdown().await.unwrap();

    // A restart remembers both: nothing in the layer's memory any more.
    let server = start(&config, Recording::default(), fast_worker()).await;
    let restarted = api_keys(&server.admin_url("/api/keys")).await;
    assert_eq!(
        restarted
            .iter()
            .map(|key| (key["kcv"].clone(), key["lastVerifiedAt"].clone()))
            .collect::<Vec<_>>(),
        after
            .iter()
            .map(|key| (key["kcv"].clone(), key["lastVerifiedAt"].clone()))
            .collect::<Vec<_>>()
    );
    assert_eq!(
        restarted[0]["firstConfiguredAt"], after[0]["firstConfiguredAt"],
        "the first configuration is kept"
    );
    // Only the admin listener serves it.
    assert_eq!(get(&server.url("/api/keys"), None).await.status, 404);
    server.shutdown().await.unwrap();
}

/// A key's use that cannot be written is never Adyen's problem: the webhook is stored and
/// acknowledged as usual, and `GET /api/keys` answers `503` rather than a wrong view.
async fn a_failed_key_write_fails_no_webhook(db: &TestDb) {
    let new: HmacKey = NEW_KEY.parse().unwrap();
    let mut config = config(db, HmacKeys::new(new.clone()), None);
    config.key_watch = KeyWatchConfig {
        flush_interval: Duration::from_millis(20),
        ..KeyWatchConfig::default()
    };
    let server = start(&config, Recording::default(), fast_worker()).await;
    let pool = server.store().pool();
    sqlx::Executor::execute(pool, "ALTER TABLE key_usage RENAME TO key_usage_away")
        .await
        .unwrap();
    let url = server.url(WEBHOOK_PATH);
    for psp in ["8800000000000201", "8800000000000202"] {
        assert_eq!(post(&url, &signed(&new, psp), None).await.status, 200);
        // A flush or two fails meanwhile.
        tokio::time::sleep(Duration::from_millis(60)).await;
    }
    assert_eq!(server.store().stats().await.unwrap().notifications, 2);
    assert_eq!(get(&server.admin_url("/api/keys"), None).await.status, 503);
    sqlx::Executor::execute(pool, "ALTER TABLE key_usage_away RENAME TO key_usage")
        .await
        .unwrap();
    // Written at the next flush once the table is back.
    let began = std::time::Instant::now();
    while server
        .store()
        .key_records()
        .await
        .unwrap()
        .first()
        .and_then(|record| record.last_verified_at)
        .is_none()
    {
        assert!(began.elapsed() < Duration::from_secs(10));
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    server.shutdown().await.unwrap();
}

on_both_databases!(
    rotation_shows_each_key_s_last_use,
    a_failed_key_write_fails_no_webhook
);

/// A key whose last use the store dates from eight days ago, and one configured eight days ago
/// that never verified anything, are named at start with what to do; the key in use is not.
#[test]
fn the_start_names_the_keys_unused_for_a_week() {
    let new: HmacKey = NEW_KEY.parse().unwrap();
    let old: HmacKey = OLD_KEY.parse().unwrap();
    let never = "11727DB817A85C8503AD29EAD1523DB869AF0E536893BB3046C92DE7CB045CB2";
    let never_kcv = never.parse::<HmacKey>().unwrap().check_value().to_owned();
    let launch = Launch::new().env("ADYEN_HMAC_KEY", &format!("{NEW_KEY},{OLD_KEY},{never}"));
    let database = format!("sqlite://{}", launch.dir().join("n.db").display());
    let runtime = process::runtime();
    let eight_days_ago = now_ms() - 8 * DAY_MS;
    runtime.block_on(async {
        let store = Store::connect(&database).await.unwrap();
        let kcvs = [new.check_value(), old.check_value(), never_kcv.as_str()];
        store
            .configure_keys("notifications", &kcvs, eight_days_ago)
            .await
            .unwrap();
        store
            .record_key_use("notifications", new.check_value(), now_ms() - DAY_MS)
            .await
            .unwrap();
        store
            .record_key_use("notifications", old.check_value(), eight_days_ago)
            .await
            .unwrap();
        store.close().await;
    });
    let server = launch.start();
    assert!(
        server.wait_for_log(
            "HMAC keys that verified nothing for 7 days",
            Duration::from_secs(10)
        ),
        "{}",
        server.stderr()
    );
    let line = server
        .log_lines()
        .into_iter()
        .find(|line| line.contains("HMAC keys that verified nothing"))
        .unwrap();
    assert!(line.contains("WARN"), "{line}");
    assert!(
        line.contains(&format!(
            "ADYEN_HMAC_KEY key 2 (KCV {}), last verified {}",
            old.check_value(),
            &time_text(eight_days_ago)[..16]
        )),
        "{line}"
    );
    assert!(
        line.contains(&format!(
            "ADYEN_HMAC_KEY key 3 (KCV {never_kcv}), last verified never: remove it from \
             ADYEN_HMAC_KEY once no webhook needs it"
        )),
        "{line}"
    );
    assert!(!line.contains(new.check_value()), "{line}");
    let keys = process::get(server.admin_addr(), "/api/keys").json();
    let unused: Vec<bool> = keys["keys"]
        .as_array()
        .unwrap()
        .iter()
        .map(|key| key["unused"].as_bool().unwrap())
        .collect();
    assert_eq!(unused, [false, true, true]);
}
