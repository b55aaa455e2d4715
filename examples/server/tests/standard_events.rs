//! The `type`/`data` events Adyen's standard-webhook spec documents on the standard route
//! (`POST /api/webhooks/notifications`): `DIRECT_DEBIT_NOTICE_OF_CHANGE_NOTIFICATION`, the older
//! `ACH_NOTIFICATION_OF_CHANGE`. End to end, over real HTTP on loopback, on SQLite and on
//! PostgreSQL: stored with the header-signed events before they are acknowledged, recorded as
//! `hmac` or `basic-auth`, and refused unsigned unless `ADYEN_ACCEPT_UNSIGNED_EVENTS` is on.

mod support;

use adyen_webhook_server::app::WEBHOOK_PATH;
use adyen_webhook_server::config::Config;
use adyen_webhook_server::faults::FaultPoint;
use adyen_webhook_server::payments::LogEffects;
use adyen_webhook_server::server::{self, Running};
use serde_json::Value;
use support::{config, events, fast_worker, get, post_with, start, Answer, TestDb};
use tower_adyen_webhook::{HmacKey, HmacKeys};

const KEY: &str = "00727DB817A85C8503AD29EAD1523DB869AF0E536893BB3046C92DE7CB045CB1";
const PLATFORM_KEY: &str = "DFB1EB5485895CFA84146406857104ABB4CBCABDC8AAF103A624C8F6A3EAAB00";

/// `components.examples.post-DIRECT_DEBIT_NOTICE_OF_CHANGE_NOTIFICATION-ach_notice_of_change`
/// of `json/Webhooks-v1.json` in Adyen/adyen-openapi (commit aa014f0).
const ACH: &str = r#"{"type":"ach.notificationOfChange","version":"1","createdAt":"2021-01-01T01:00:00+01:00","environment":"test","data":{"pspReference":"QFQTPCQ8HXSKGK82","shopperReference":"YOUR_SHOPPER_REFERENCE","notificationOfChange":{"reasonCode":"C07","newBankAccountNumber":"012345678901","newBranchCode":"021000021","newBankAccountType":"Checking"}}}"#;

/// The `eft_notice_of_change` example beside it.
const EFT: &str = r#"{"type":"eft.notificationOfChange","version":"1","createdAt":"2021-01-01T01:00:00+01:00","environment":"test","data":{"pspReference":"QFQTPCQ8HXSKGK82","shopperReference":"YOUR_SHOPPER_REFERENCE","notificationOfChange":{"newBankAccountNumber":"1234567","newBankLocationId":"00123004"}}}"#;

const AUTH: Option<(&str, &str)> = Some(("adyen", "correct horse"));

on_both_databases!(
    a_signed_event_is_stored_with_the_events_then_acknowledged,
    unsigned_events_are_refused_unless_the_setting_is_on,
    with_the_setting_an_unsigned_event_is_stored_on_basic_auth_alone,
    store_failure_answers_5xx_and_the_redelivery_is_recognised,
    an_empty_envelope_is_acknowledged_and_nothing_stored,
);

/// The standard key, Basic auth when given, and `ADYEN_ACCEPT_UNSIGNED_EVENTS`.
fn standard_config(db: &TestDb, auth: Option<(&str, &str)>, accept_unsigned: bool) -> Config {
    let mut config = config(db, HmacKeys::new(key(KEY)), auth);
    config.accept_unsigned_events = accept_unsigned;
    config
}

fn key(hex: &str) -> HmacKey {
    hex.parse().unwrap()
}

/// POSTs `body` to the standard route, signed with `key` in the `HmacSignature` header, or
/// unsigned.
async fn send(
    server: &Running,
    body: &str,
    key: Option<&HmacKey>,
    auth: Option<(&str, &str)>,
) -> Answer {
    let signature = key.map(|key| key.sign(body.as_bytes()));
    let headers: Vec<(&str, &str)> = signature
        .iter()
        .map(|signature| ("HmacSignature", signature.as_str()))
        .collect();
    post_with(&server.url(WEBHOOK_PATH), body.as_bytes(), &headers, auth).await
}

fn assert_accepted(answer: &Answer) {
    assert_eq!(
        (answer.status, answer.body.as_str()),
        (200, "[accepted]"),
        "{answer:?}"
    );
}

async fn body_of(server: &Running, event: &Value) -> Value {
    let id = event["id"].as_i64().unwrap();
    let one = get(&server.admin_url(&format!("/api/events/{id}")), None).await;
    assert_eq!(one.status, 200, "{one:?}");
    one.json()
}

/// Signed with the standard webhook's key, in an `HmacSignature` header: stored with the
/// events (not the notifications), `hmac`, then acknowledged; a redelivery is counted.
async fn a_signed_event_is_stored_with_the_events_then_acknowledged(db: &TestDb) {
    let config = standard_config(db, AUTH, false);
    let server = start(&config, LogEffects, fast_worker()).await;
    let standard = key(KEY);

    assert_accepted(&send(&server, ACH, Some(&standard), AUTH).await);
    let listed = events(&server, 50).await;
    assert_eq!(listed.len(), 1, "{listed:?}");
    let event = &listed[0];
    assert_eq!(event["type"], "ach.notificationOfChange");
    assert_eq!(event["environment"], "test");
    assert_eq!(event["authentication"], "hmac");
    assert_eq!(event["deliveries"], 1);
    assert_eq!(event["ignored"], Value::Null);
    assert!(event["dedupeKey"].as_str().unwrap().starts_with("sha256:"));
    let one = body_of(&server, event).await;
    assert_eq!(one["body"], ACH, "the exact bytes");
    assert_eq!(one["authentication"], "hmac");

    assert_accepted(&send(&server, ACH, Some(&standard), AUTH).await);
    let listed = events(&server, 50).await;
    assert_eq!(listed.len(), 1, "a redelivery is not stored again");
    assert_eq!(listed[0]["deliveries"], 2);

    assert_accepted(&send(&server, EFT, Some(&standard), AUTH).await);
    let listed = events(&server, 50).await;
    assert_eq!(listed.len(), 2);
    assert_eq!(listed[0]["type"], "eft.notificationOfChange");

    // The standard route verifies with the standard key only; a tampered body fails too.
    let stranger = ACH.replace("012345678901", "012345678902");
    for (what, body, signing) in [
        ("the platform key", stranger.as_str(), key(PLATFORM_KEY)),
        (
            "another key",
            stranger.as_str(),
            HmacKey::from_bytes(&[7; 32]),
        ),
    ] {
        let answer = send(&server, body, Some(&signing), AUTH).await;
        assert_eq!(answer.status, 401, "{what}: {answer:?}");
    }
    let signature = standard.sign(ACH.as_bytes());
    let answer = post_with(
        &server.url(WEBHOOK_PATH),
        stranger.as_bytes(),
        &[("HmacSignature", &signature)],
        AUTH,
    )
    .await;
    assert_eq!(answer.status, 401, "tampered: {answer:?}");
    // Signed, but without the webhook's Basic auth.
    assert_eq!(
        send(&server, &stranger, Some(&standard), None).await.status,
        401
    );

    let stats = server.store().stats().await.unwrap();
    assert_eq!((stats.events, stats.event_deliveries), (2, 3));
    assert_eq!(stats.notifications, 0, "nothing goes to the notifications");
    server.shutdown().await.unwrap();
}

/// By default an event without a signature gets `401`, whatever the Basic auth, and nothing is
/// stored: only Basic auth would protect it.
async fn unsigned_events_are_refused_unless_the_setting_is_on(db: &TestDb) {
    for auth in [None, AUTH] {
        let config = standard_config(db, auth, false);
        let server = start(&config, LogEffects, fast_worker()).await;
        for body in [ACH, EFT] {
            let answer = send(&server, body, None, auth).await;
            assert_eq!(answer.status, 401, "{auth:?}: {answer:?}");
            assert_ne!(answer.body, "[accepted]");
        }
        let stats = server.store().stats().await.unwrap();
        assert_eq!((stats.events, stats.notifications), (0, 0), "{auth:?}");
        server.shutdown().await.unwrap();
    }
}

/// With `ADYEN_ACCEPT_UNSIGNED_EVENTS` and the right Basic auth an unsigned event is stored,
/// `basic-auth`; the wrong Basic auth, or none, gets `401`. A signature that is there but wrong
/// is never taken for no signature. A signed redelivery marks the stored bytes `hmac`.
async fn with_the_setting_an_unsigned_event_is_stored_on_basic_auth_alone(db: &TestDb) {
    let config = standard_config(db, AUTH, true);
    let server = start(&config, LogEffects, fast_worker()).await;

    for wrong in [
        None,
        Some(("adyen", "wrong")),
        Some(("someone", "correct horse")),
    ] {
        let answer = send(&server, ACH, None, wrong).await;
        assert_eq!(answer.status, 401, "{wrong:?}: {answer:?}");
    }
    let forged = send(&server, ACH, Some(&HmacKey::from_bytes(&[7; 32])), AUTH).await;
    assert_eq!(forged.status, 401, "a wrong signature: {forged:?}");
    assert_eq!(server.store().stats().await.unwrap().events, 0);

    assert_accepted(&send(&server, ACH, None, AUTH).await);
    let listed = events(&server, 50).await;
    assert_eq!(listed.len(), 1, "{listed:?}");
    assert_eq!(listed[0]["type"], "ach.notificationOfChange");
    assert_eq!(listed[0]["authentication"], "basic-auth");
    assert_eq!(body_of(&server, &listed[0]).await["body"], ACH);

    assert_accepted(&send(&server, ACH, None, AUTH).await);
    let listed = events(&server, 50).await;
    assert_eq!(
        (listed.len(), &listed[0]["deliveries"]),
        (1, &Value::from(2))
    );
    assert_eq!(listed[0]["authentication"], "basic-auth");

    // The same bytes, signed this time: they have now been verified.
    assert_accepted(&send(&server, ACH, Some(&key(KEY)), AUTH).await);
    // And unsigned again: never back to basic-auth.
    assert_accepted(&send(&server, ACH, None, AUTH).await);
    let listed = events(&server, 50).await;
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0]["deliveries"], 4);
    assert_eq!(listed[0]["authentication"], "hmac");

    // Signed first, then unsigned: stays hmac.
    assert_accepted(&send(&server, EFT, Some(&key(KEY)), AUTH).await);
    assert_accepted(&send(&server, EFT, None, AUTH).await);
    let listed = events(&server, 50).await;
    assert_eq!(listed[0]["type"], "eft.notificationOfChange");
    assert_eq!(listed[0]["authentication"], "hmac");
    assert_eq!(listed[0]["deliveries"], 2);

    let stats = server.store().stats().await.unwrap();
    assert_eq!((stats.events, stats.notifications), (2, 0));
    server.shutdown().await.unwrap();
}

/// A store that fails before or at the commit: no 2xx, nothing stored. One that fails just after
/// the commit: no 2xx either, and the redelivery is recognised, not stored twice. Signed and
/// unsigned alike.
async fn store_failure_answers_5xx_and_the_redelivery_is_recognised(db: &TestDb) {
    let config = standard_config(db, AUTH, true);
    let (server, faults) = support::start_failing_events(&config).await;
    let standard = key(KEY);

    for signing in [Some(&standard), None] {
        for point in [FaultPoint::SaveBegin, FaultPoint::SaveCommit] {
            faults.at(Some(point));
            let answer = send(&server, ACH, signing, AUTH).await;
            assert!((500..600).contains(&answer.status), "{point:?}: {answer:?}");
            assert_ne!(answer.body, "[accepted]");
            assert_eq!(server.store().stats().await.unwrap().events, 0, "{point:?}");
        }
    }

    faults.at(Some(FaultPoint::SaveCommitted));
    let answer = send(&server, ACH, Some(&standard), AUTH).await;
    assert!((500..600).contains(&answer.status), "{answer:?}");
    faults.at(None);
    assert_accepted(&send(&server, ACH, Some(&standard), AUTH).await);
    let listed = events(&server, 50).await;
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0]["deliveries"], 2);
    assert_eq!(listed[0]["authentication"], "hmac");

    // A store that is gone altogether: 5xx too.
    server.store().close().await;
    let answer = send(&server, EFT, Some(&standard), AUTH).await;
    assert!((500..600).contains(&answer.status), "{answer:?}");
    server.shutdown().await.unwrap();
}

/// A standard envelope without items is acknowledged by the layer: nothing to store, and
/// nothing stored in either table.
async fn an_empty_envelope_is_acknowledged_and_nothing_stored(db: &TestDb) {
    let config = standard_config(db, AUTH, false);
    let server = start(&config, LogEffects, fast_worker()).await;
    for body in [
        r#"{"live":"false","notificationItems":[]}"#,
        r#"{"live":"true","notificationItems":[]}"#,
    ] {
        assert_accepted(&send(&server, body, None, AUTH).await);
    }
    let stats = server.store().stats().await.unwrap();
    assert_eq!((stats.events, stats.notifications), (0, 0));
    assert!(events(&server, 50).await.is_empty());
    server.shutdown().await.unwrap();
}

/// A configuration built in code that accepts unsigned events without Basic auth (the
/// environment cannot give one: see config.rs) does not start either.
#[tokio::test]
async fn the_server_does_not_start_accepting_unsigned_events_without_basic_auth() {
    let db = TestDb::sqlite();
    let config = standard_config(&db, None, true);
    let store = db.store().await;
    let Err(error) = server::start(
        &config,
        store,
        support::loopback_listeners().await,
        LogEffects,
        fast_worker(),
    ) else {
        panic!("the server started, accepting unsigned events without Basic auth");
    };
    assert!(error.to_string().contains("basic_auth"), "{error}");
}
