//! Header-signed webhooks (`POST /api/webhooks/platform`) end to end, over real HTTP on
//! loopback, on SQLite and on PostgreSQL: stored before they are acknowledged, deduplicated by
//! the event's identifier or the hash of its bytes, refused unless signed, never processed.

mod support;

use adyen_webhook_server::app::{PLATFORM_PATH, WEBHOOK_PATH};
use adyen_webhook_server::config::Config;
use adyen_webhook_server::faults::FaultPoint;
use adyen_webhook_server::payments::LogEffects;
use adyen_webhook_server::server::Running;
use serde_json::Value;
use support::{config, events, fast_worker, get, post_with, start, Answer, TestDb};
use tower_adyen_webhook::{HmacKey, HmacKeys};

const KEY: &str = "00727DB817A85C8503AD29EAD1523DB869AF0E536893BB3046C92DE7CB045CB1";
const PLATFORM_KEY: &str = "DFB1EB5485895CFA84146406857104ABB4CBCABDC8AAF103A624C8F6A3EAAB00";
const PREVIOUS_PLATFORM_KEY: &str =
    "3B9C2A4E55F0A1D7C86E09B2F4D35A6C7E8F90A1B2C3D4E5F60718293A4B5C6D";

on_both_databases!(
    a_signed_event_is_stored_then_acknowledged_and_its_redelivery_counted,
    events_about_one_object_are_kept_apart,
    forged_tampered_or_unsigned_events_are_refused_and_nothing_stored,
    every_key_of_a_rotation_is_accepted,
    without_the_key_the_route_does_not_exist,
    store_failure_answers_5xx_and_the_redelivery_is_recognised,
    an_event_from_the_other_environment_is_stored_acknowledged_and_ignored,
);

/// A configuration with the standard key and `platform_keys` (`NEW,OLD`) for header-signed
/// webhooks.
fn platform_config(db: &TestDb, platform_keys: &str, auth: Option<(&str, &str)>) -> Config {
    let mut config = config(db, HmacKeys::new(KEY.parse().unwrap()), auth);
    config.platform_keys = Some(platform_keys.parse().unwrap());
    config
}

fn key(hex: &str) -> HmacKey {
    hex.parse().unwrap()
}

/// A request header: name, value.
type Header<'a> = (&'a str, &'a str);

/// POSTs `body` to the platform route, signed with `key` in the `HmacSignature` header.
async fn send(server: &Running, key: &HmacKey, body: &str) -> Answer {
    let signature = key.sign(body.as_bytes());
    post_with(
        &server.url(PLATFORM_PATH),
        body.as_bytes(),
        &[("HmacSignature", &signature)],
        None,
    )
    .await
}

fn assert_accepted(answer: &Answer) {
    assert_eq!(
        (answer.status, answer.body.as_str()),
        (200, "[accepted]"),
        "{answer:?}"
    );
}

fn account_holder(event_type: &str, id: &str, status: &str) -> String {
    // Spacing, a non-ASCII name and an escaped NUL: stored and given back byte for byte.
    format!(
        "{{\"data\": {{\"balancePlatform\": \"YOUR_BALANCE_PLATFORM\",\n  \"accountHolder\": \
         {{\"description\": \"Zo\u{eb} \\u0000 Hopper\", \"id\": \"{id}\", \"status\": \
         \"{status}\"}}}},\n \"environment\": \"test\", \"timestamp\": \
         \"2024-05-01T12:00:00+02:00\", \"type\": \"{event_type}\"}}"
    )
}

fn transfer(event_type: &str, id: &str, sequence: u32, status: &str, environment: &str) -> String {
    format!(
        r#"{{"data":{{"amount":{{"currency":"EUR","value":1000}},"category":"bank","direction":"outgoing","id":"{id}","sequenceNumber":{sequence},"status":"{status}"}},"environment":"{environment}","type":"{event_type}"}}"#
    )
}

/// A signed event is stored, then acknowledged, listed with its type and given back exactly;
/// the same bytes again are a redelivery: counted, not stored twice.
async fn a_signed_event_is_stored_then_acknowledged_and_its_redelivery_counted(db: &TestDb) {
    let config = platform_config(db, PLATFORM_KEY, None);
    let server = start(&config, LogEffects, fast_worker()).await;
    let key = key(PLATFORM_KEY);
    let body = account_holder("balancePlatform.accountHolder.created", "AH1", "active");

    assert_accepted(&send(&server, &key, &body).await);
    let listed = events(&server, 50).await;
    assert_eq!(listed.len(), 1, "{listed:?}");
    let event = &listed[0];
    assert_eq!(event["type"], "balancePlatform.accountHolder.created");
    assert_eq!(event["environment"], "test");
    assert_eq!(event["deliveries"], 1);
    assert_eq!(event["ignored"], Value::Null);
    assert_eq!(event["authentication"], "hmac");
    assert!(event["dedupeKey"].as_str().unwrap().starts_with("sha256:"));
    assert!(event["receivedAt"].as_str().unwrap().ends_with('Z'));
    assert!(event.get("body").is_none(), "the list leaves bodies out");

    let id = event["id"].as_i64().unwrap();
    let one = get(&server.admin_url(&format!("/api/events/{id}")), None).await;
    assert_eq!(one.status, 200, "{one:?}");
    assert_eq!(one.json()["body"], body.as_str(), "the exact bytes");
    assert_eq!(
        get(&server.admin_url("/api/events/999999"), None)
            .await
            .status,
        404
    );

    assert_accepted(&send(&server, &key, &body).await);
    let listed = events(&server, 50).await;
    assert_eq!(listed.len(), 1, "a redelivery is not stored again");
    assert_eq!(listed[0]["deliveries"], 2);
    let stats = server.store().stats().await.unwrap();
    assert_eq!((stats.events, stats.event_deliveries), (1, 2));
    assert_eq!(stats.notifications, 0, "nothing goes to the standard table");

    // A type the server has never heard of, with a NUL in it, is stored all the same.
    let odd =
        r#"{"data":{"id":"X1"},"environment":"test","type":"balancePlatform.new\u0000Thing"}"#;
    assert_accepted(&send(&server, &key, odd).await);
    let listed = events(&server, 50).await;
    assert_eq!(listed.len(), 2);
    assert_eq!(listed[0]["type"], "balancePlatform.new\u{FFFD}Thing");
    server.shutdown().await.unwrap();
}

/// Events about one object (its id in `data`) are different events: all kept. A transfer's are
/// told apart by their sequence number, whatever their bytes.
async fn events_about_one_object_are_kept_apart(db: &TestDb) {
    let config = platform_config(db, PLATFORM_KEY, None);
    let server = start(&config, LogEffects, fast_worker()).await;
    let key = key(PLATFORM_KEY);

    for status in ["active", "suspended", "active"] {
        let event_type = if status == "suspended" {
            "balancePlatform.accountHolder.updated"
        } else {
            "balancePlatform.accountHolder.created"
        };
        assert_accepted(&send(&server, &key, &account_holder(event_type, "AH7", status)).await);
    }
    let updated = account_holder("balancePlatform.accountHolder.updated", "AH7", "closed");
    assert_accepted(&send(&server, &key, &updated).await);
    // created/active twice (a redelivery), then suspended and closed: three events.
    assert_eq!(events(&server, 50).await.len(), 3);

    let created = transfer(
        "balancePlatform.transfer.created",
        "TRF9",
        1,
        "received",
        "test",
    );
    let authorised = transfer(
        "balancePlatform.transfer.updated",
        "TRF9",
        2,
        "authorised",
        "test",
    );
    let booked = transfer(
        "balancePlatform.transfer.updated",
        "TRF9",
        3,
        "booked",
        "test",
    );
    for body in [&created, &authorised, &booked] {
        assert_accepted(&send(&server, &key, body).await);
    }
    // The second update again, spaced differently: the same event.
    let respaced = authorised.replace(",\"", ", \"");
    assert_ne!(respaced, authorised);
    assert_accepted(&send(&server, &key, &respaced).await);

    // Listed a page of two at a time, to walk the pages too.
    let listed = events(&server, 2).await;
    assert_eq!(listed.len(), 6, "{listed:#?}");
    let transfers: Vec<(&str, i64)> = listed
        .iter()
        .filter(|event| event["dedupeKey"].as_str().unwrap().contains("TRF9"))
        .map(|event| {
            (
                event["dedupeKey"].as_str().unwrap(),
                event["deliveries"].as_i64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        transfers,
        [
            (r#"["test","balancePlatform.transfer.updated","TRF9",3]"#, 1),
            (r#"["test","balancePlatform.transfer.updated","TRF9",2]"#, 2),
            (r#"["test","balancePlatform.transfer.created","TRF9",1]"#, 1),
        ]
    );
    server.shutdown().await.unwrap();
}

/// A forged or tampered body, a missing or wrong signature, a body over the limit, missing Basic
/// auth: refused, and nothing is stored, so nothing is acknowledged.
async fn forged_tampered_or_unsigned_events_are_refused_and_nothing_stored(db: &TestDb) {
    let auth = Some(("adyen", "correct horse"));
    let config = platform_config(db, PLATFORM_KEY, auth);
    let server = start(&config, LogEffects, fast_worker()).await;
    let url = server.url(PLATFORM_PATH);
    let key = key(PLATFORM_KEY);
    let body = account_holder("balancePlatform.accountHolder.created", "AH2", "active");
    let signature = key.sign(body.as_bytes());
    let tampered = body.replace("active", "closed");
    let other_key = HmacKey::from_bytes(&[7; 32]).sign(body.as_bytes());
    let standard_key = self::key(KEY).sign(body.as_bytes());

    let refused: [(&str, &[u8], &[Header]); 6] = [
        ("no signature", body.as_bytes(), &[]),
        ("empty signature", body.as_bytes(), &[("HmacSignature", "")]),
        (
            "tampered body",
            tampered.as_bytes(),
            &[("HmacSignature", &signature)],
        ),
        (
            "another key",
            body.as_bytes(),
            &[("HmacSignature", &other_key)],
        ),
        (
            "the standard webhook's key",
            body.as_bytes(),
            &[("HmacSignature", &standard_key)],
        ),
        (
            "two signatures",
            body.as_bytes(),
            &[("HmacSignature", &signature), ("HmacSignature", &signature)],
        ),
    ];
    for (what, body, headers) in refused {
        let answer = post_with(&url, body, headers, auth).await;
        assert_eq!(answer.status, 401, "{what}: {answer:?}");
    }
    // Signed, but without Basic auth or with the wrong password.
    for wrong in [None, Some(("adyen", "wrong"))] {
        let answer = post_with(
            &url,
            body.as_bytes(),
            &[("HmacSignature", &signature)],
            wrong,
        )
        .await;
        assert_eq!(answer.status, 401, "{wrong:?}");
    }
    // Signed, but over the body limit.
    let big = format!(
        r#"{{"data":{{"pad":"{}"}},"environment":"test","type":"x"}}"#,
        "a".repeat(300 * 1024)
    );
    let big_signature = key.sign(big.as_bytes());
    let answer = post_with(
        &url,
        big.as_bytes(),
        &[("HmacSignature", &big_signature)],
        auth,
    )
    .await;
    assert_eq!(answer.status, 413, "{answer:?}");
    // Other methods: 405, as on the standard route.
    assert_eq!(get(&url, auth).await.status, 405);

    let stats = server.store().stats().await.unwrap();
    assert_eq!((stats.events, stats.notifications), (0, 0));
    assert!(events(&server, 50).await.is_empty());

    let answer = post_with(
        &url,
        body.as_bytes(),
        &[("hmacsignature", &signature)],
        auth,
    )
    .await;
    assert_accepted(&answer);
    assert_eq!(server.store().stats().await.unwrap().events, 1);
    server.shutdown().await.unwrap();
}

/// During a rotation (`NEW,OLD`) each key is accepted, and only they are.
async fn every_key_of_a_rotation_is_accepted(db: &TestDb) {
    let keys = format!("{PLATFORM_KEY},{PREVIOUS_PLATFORM_KEY}");
    let config = platform_config(db, &keys, None);
    let server = start(&config, LogEffects, fast_worker()).await;

    let new = account_holder("balancePlatform.accountHolder.created", "AH3", "active");
    let old = account_holder("balancePlatform.accountHolder.created", "AH4", "active");
    assert_accepted(&send(&server, &key(PLATFORM_KEY), &new).await);
    assert_accepted(&send(&server, &key(PREVIOUS_PLATFORM_KEY), &old).await);
    let stranger = account_holder("balancePlatform.accountHolder.created", "AH5", "active");
    assert_eq!(send(&server, &key(KEY), &stranger).await.status, 401);
    assert_eq!(server.store().stats().await.unwrap().events, 2);
    server.shutdown().await.unwrap();
}

/// Without ADYEN_PLATFORM_HMAC_KEY the route does not exist: 404, nothing stored; the standard
/// route is there as before.
async fn without_the_key_the_route_does_not_exist(db: &TestDb) {
    let config = config(db, HmacKeys::new(key(KEY)), None);
    assert!(config.platform_keys.is_none());
    let server = start(&config, LogEffects, fast_worker()).await;
    let body = account_holder("balancePlatform.accountHolder.created", "AH6", "active");
    for signing in [KEY, PLATFORM_KEY] {
        assert_eq!(send(&server, &key(signing), &body).await.status, 404);
    }
    assert_eq!(get(&server.url(PLATFORM_PATH), None).await.status, 404);
    assert_eq!(get(&server.url(WEBHOOK_PATH), None).await.status, 405);
    assert_eq!(server.store().stats().await.unwrap().events, 0);
    server.shutdown().await.unwrap();
}

/// A store that fails before or at the commit: no 2xx, nothing stored. One that fails just after
/// the commit: no 2xx either, and the redelivery is recognised, not stored twice.
async fn store_failure_answers_5xx_and_the_redelivery_is_recognised(db: &TestDb) {
    let config = platform_config(db, PLATFORM_KEY, None);
    let (server, faults) = support::start_failing_events(&config).await;
    let key = key(PLATFORM_KEY);
    let body = transfer(
        "balancePlatform.transfer.created",
        "TRF5",
        1,
        "received",
        "test",
    );

    for point in [FaultPoint::SaveBegin, FaultPoint::SaveCommit] {
        faults.at(Some(point));
        let answer = send(&server, &key, &body).await;
        assert!((500..600).contains(&answer.status), "{point:?}: {answer:?}");
        assert_ne!(answer.body, "[accepted]");
        assert_eq!(server.store().stats().await.unwrap().events, 0, "{point:?}");
    }

    faults.at(Some(FaultPoint::SaveCommitted));
    let answer = send(&server, &key, &body).await;
    assert!((500..600).contains(&answer.status), "{answer:?}");
    faults.at(None);
    assert_accepted(&send(&server, &key, &body).await);
    let listed = events(&server, 50).await;
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0]["deliveries"], 2);

    // A store that is gone altogether: 5xx too.
    server.store().close().await;
    let late = transfer(
        "balancePlatform.transfer.updated",
        "TRF5",
        2,
        "booked",
        "test",
    );
    let answer = send(&server, &key, &late).await;
    assert!((500..600).contains(&answer.status), "{answer:?}");
    server.shutdown().await.unwrap();
}

/// An event from the other environment, or naming none, is stored and acknowledged (so that
/// Adyen stops sending it) but marked ignored.
async fn an_event_from_the_other_environment_is_stored_acknowledged_and_ignored(db: &TestDb) {
    let config = platform_config(db, PLATFORM_KEY, None);
    let server = start(&config, LogEffects, fast_worker()).await;
    let key = key(PLATFORM_KEY);

    let live = transfer(
        "balancePlatform.transfer.created",
        "TRF8",
        1,
        "received",
        "live",
    );
    assert_accepted(&send(&server, &key, &live).await);
    let nowhere = r#"{"assignedToAccount":"Shop","eventDate":"2024-05-01T12:00:00+02:00","pspReference":"PSP1","uniqueTerminalId":"S1F2-000150183300032"}"#;
    assert_accepted(&send(&server, &key, nowhere).await);
    let ours = transfer(
        "balancePlatform.transfer.created",
        "TRF8",
        1,
        "received",
        "test",
    );
    assert_accepted(&send(&server, &key, &ours).await);

    let listed = events(&server, 50).await;
    assert_eq!(listed.len(), 3, "{listed:#?}");
    assert_eq!(listed[0]["ignored"], Value::Null);
    assert_eq!(listed[0]["environment"], "test");
    assert_eq!(listed[1]["type"], "");
    assert!(
        listed[1]["ignored"]
            .as_str()
            .unwrap()
            .contains("names no environment"),
        "{listed:#?}"
    );
    assert_eq!(listed[2]["environment"], "live");
    assert_eq!(
        listed[2]["ignored"],
        "it is from the live environment, and this server is configured for test"
    );
    server.shutdown().await.unwrap();
}
