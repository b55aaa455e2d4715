//! The server end to end, over real HTTP on loopback, on SQLite and on PostgreSQL.

mod support;

use std::collections::BTreeMap;
use std::time::Duration;

use adyen_webhook_cli::scenarios::{self, SigningKeys};
use adyen_webhook_server::app::WEBHOOK_PATH;
use adyen_webhook_server::demo::{self, DemoEffects, DemoKeys};
use adyen_webhook_server::payments::{Action, LogEffects};
use serde_json::Value;
use sqlx::Executor;
use support::{config, fast_worker, get, post, start, wait_for, Recording, TestDb};
use tower_adyen_webhook::{
    Amount, HmacKey, HmacKeys, NotificationRequest, NotificationRequestItem,
};

const VECTORS: &str = include_str!("../../../tests/data/notifications.jsonl");
const KEY: &str = "00727DB817A85C8503AD29EAD1523DB869AF0E536893BB3046C92DE7CB045CB1";

on_both_databases!(
    every_vector_request,
    out_of_order_payment_states,
    store_failure_answers_5xx_and_stores_nothing,
    basic_auth_guards_the_webhook_and_the_api,
    demo_runs_every_scenario_as_expected,
);

struct Vector {
    name: String,
    body: String,
    valid: bool,
}

fn vectors() -> (Vec<Vector>, HmacKeys) {
    let mut keys: Vec<HmacKey> = Vec::new();
    let mut seen = std::collections::BTreeSet::new();
    let vectors = VECTORS
        .lines()
        .filter(|line| !line.trim().is_empty())
        .map(|line| {
            let v: Value = serde_json::from_str(line).expect("a JSON line");
            let key = v["key"].as_str().expect("key").to_owned();
            if seen.insert(key.clone()) {
                keys.push(key.parse().expect("a vector key"));
            }
            Vector {
                name: v["name"].as_str().expect("name").to_owned(),
                body: v["body"].as_str().expect("body").to_owned(),
                valid: v["valid"].as_bool().expect("valid"),
            }
        })
        .collect();
    (vectors, HmacKeys::try_from_keys(keys).expect("keys"))
}

type DedupeKey = (String, String, bool);

fn stored_keys(list: &[Value]) -> BTreeMap<DedupeKey, i64> {
    list.iter()
        .map(|n| {
            (
                (
                    n["pspReference"].as_str().unwrap().to_owned(),
                    n["eventCode"].as_str().unwrap().to_owned(),
                    n["success"].as_bool().unwrap(),
                ),
                n["deliveries"].as_i64().unwrap(),
            )
        })
        .collect()
}

/// Every request of the shared vectors, each signed with a key among the configured ones:
/// exactly the valid ones are acknowledged and stored; sent again, nothing is stored twice and
/// every delivery is counted.
async fn every_vector_request(db: &TestDb) {
    let (vectors, keys) = vectors();
    let config = config(db, keys, None);
    let server = start(&config, LogEffects, fast_worker()).await;
    let url = server.url(WEBHOOK_PATH);

    let mut expected: BTreeMap<DedupeKey, NotificationRequestItem> = BTreeMap::new();
    for vector in &vectors {
        if vector.valid {
            let request = NotificationRequest::from_slice(vector.body.as_bytes()).unwrap();
            for item in request.items {
                let key = (
                    item.psp_reference.to_string(),
                    item.event_code.as_str().to_owned(),
                    item.success,
                );
                expected.insert(key, item);
            }
        }
    }
    assert!(expected.len() > 30, "the vectors hold valid requests");

    for round in 1..=2 {
        for vector in &vectors {
            let answer = post(&url, &vector.body, None).await;
            if vector.valid {
                assert_eq!(
                    (answer.status, answer.body.as_str()),
                    (200, "[accepted]"),
                    "round {round}, {}",
                    vector.name
                );
            } else {
                assert!(
                    answer.status == 401 || answer.status == 400,
                    "round {round}, {}: {answer:?}",
                    vector.name
                );
            }
        }

        let stored = stored_keys(&support::list_all(&server, None).await);
        assert_eq!(
            stored.keys().collect::<Vec<_>>(),
            expected.keys().collect::<Vec<_>>(),
            "round {round}: exactly the valid requests' items are stored, once each"
        );
        assert!(
            stored.values().all(|&deliveries| deliveries == round),
            "round {round}: every delivery counted: {stored:?}"
        );
    }

    // What was stored is what was verified, field by field.
    for n in &support::list_all(&server, None).await {
        let key = (
            n["pspReference"].as_str().unwrap().to_owned(),
            n["eventCode"].as_str().unwrap().to_owned(),
            n["success"].as_bool().unwrap(),
        );
        let item = &expected[&key];
        assert_eq!(n["originalReference"], item.original_reference.as_str());
        assert_eq!(
            n["merchantAccountCode"],
            item.merchant_account_code.as_str()
        );
        assert_eq!(n["merchantReference"], item.merchant_reference.as_str());
        assert_eq!(n["eventDate"], item.event_date.as_str());
        let amount: Option<Amount> = serde_json::from_value(n["amount"].clone()).unwrap();
        assert_eq!(amount, item.amount);
    }

    let stats = wait_for(server.store(), Duration::from_secs(20), |s| {
        s.processed == s.notifications
    })
    .await;
    assert_eq!(stats.notifications, expected.len() as i64);
    assert_eq!(stats.deliveries, 2 * expected.len() as i64);
    assert_eq!(stats.failing, 0);
    server.shutdown().await.unwrap();
}

fn signed(key: &HmacKey, mut item: NotificationRequestItem) -> String {
    key.sign_item_in_place(&mut item);
    NotificationRequest {
        live: false,
        items: vec![item],
    }
    .to_json()
}

fn payment_item(
    psp: &str,
    code: &str,
    original: &str,
    order: &str,
    value: i64,
) -> NotificationRequestItem {
    let mut item = NotificationRequestItem::new(psp, code);
    item.original_reference = original.into();
    item.merchant_reference = order.into();
    item.merchant_account_code = "YourShopECOM".into();
    item.amount = Some(Amount::new(value, "EUR"));
    item
}

/// Modifications that arrive before their payment's authorisation: the state is right at the
/// end, and at every step on the way it is as good as what has arrived allows.
async fn out_of_order_payment_states(db: &TestDb) {
    let key: HmacKey = KEY.parse().unwrap();
    let config = config(db, HmacKeys::new(key.clone()), None);
    let effects = Recording::default();
    let server = start(&config, effects.clone(), fast_worker()).await;
    let url = server.url(WEBHOOK_PATH);

    let order = "ORDER-OOO-1";
    let sequence = [
        (
            payment_item(
                "8800000000000003",
                "REFUND",
                "8800000000000001",
                order,
                3000,
            ),
            "partially_refunded",
        ),
        (
            payment_item(
                "8800000000000002",
                "CAPTURE",
                "8800000000000001",
                order,
                8000,
            ),
            "partially_refunded",
        ),
        (
            payment_item("8800000000000001", "AUTHORISATION", "", order, 8000),
            "partially_refunded",
        ),
    ];
    for (n, (item, status)) in sequence.into_iter().enumerate() {
        assert_eq!(post(&url, &signed(&key, item), None).await.status, 200);
        wait_for(server.store(), Duration::from_secs(10), |s| {
            s.processed == n as i64 + 1
        })
        .await;
        let answer = get(&server.admin_url(&format!("/api/payments/{order}")), None).await;
        assert_eq!(answer.status, 200, "{answer:?}");
        assert_eq!(answer.json()["status"], status, "after step {}", n + 1);
    }
    let state = get(&server.admin_url(&format!("/api/payments/{order}")), None)
        .await
        .json();
    let payment = &state["payments"][0];
    assert_eq!(payment["pspReference"], "8800000000000001");
    assert_eq!(payment["authorised"], 8000);
    assert_eq!(payment["captured"], 8000);
    assert_eq!(payment["refunded"], 3000);
    assert_eq!(payment["events"].as_array().unwrap().len(), 3);

    // A cancellation before its authorisation: cancelled. The actions are those of the two
    // notifications whatever their order: the late authorisation confirms the order, and its
    // release follows.
    let cancelled = "ORDER-OOO-2";
    let cancel = payment_item(
        "8800000000000012",
        "CANCELLATION",
        "8800000000000011",
        cancelled,
        500,
    );
    let auth = payment_item("8800000000000011", "AUTHORISATION", "", cancelled, 500);
    assert_eq!(post(&url, &signed(&key, cancel), None).await.status, 200);
    assert_eq!(post(&url, &signed(&key, auth), None).await.status, 200);
    wait_for(server.store(), Duration::from_secs(10), |s| {
        s.processed == 5
    })
    .await;
    let state = get(
        &server.admin_url(&format!("/api/payments/{cancelled}")),
        None,
    )
    .await
    .json();
    assert_eq!(state["status"], "cancelled");
    let actions = effects.actions();
    let position = |wanted: &Action| actions.iter().position(|action| action == wanted);
    let confirmed = position(&Action::ConfirmOrder {
        merchant_reference: cancelled.to_owned(),
        psp_reference: "8800000000000011".to_owned(),
    });
    let released = position(&Action::ReleaseOrder {
        merchant_reference: cancelled.to_owned(),
        psp_reference: "8800000000000011".to_owned(),
    });
    assert!(
        matches!((confirmed, released), (Some(c), Some(r)) if c < r),
        "{actions:?}"
    );

    // Same notifications in order on another order: the same state.
    let in_order = "ORDER-INO-1";
    for item in [
        payment_item("8800000000000021", "AUTHORISATION", "", in_order, 8000),
        payment_item(
            "8800000000000022",
            "CAPTURE",
            "8800000000000021",
            in_order,
            8000,
        ),
        payment_item(
            "8800000000000023",
            "REFUND",
            "8800000000000021",
            in_order,
            3000,
        ),
    ] {
        assert_eq!(post(&url, &signed(&key, item), None).await.status, 200);
    }
    wait_for(server.store(), Duration::from_secs(10), |s| {
        s.processed == 8
    })
    .await;
    let in_order = get(
        &server.admin_url(&format!("/api/payments/{in_order}")),
        None,
    )
    .await
    .json();
    for field in ["status", "authorised", "captured", "refunded"] {
        assert_eq!(in_order["payments"][0][field], payment[field], "{field}");
    }

    let missing = get(&server.admin_url("/api/payments/NO-SUCH-ORDER"), None).await;
    assert_eq!(missing.status, 404);
    server.shutdown().await.unwrap();
}

/// While the database refuses writes, the webhook answers 5xx (so Adyen retries) and a batch is
/// stored whole or not at all; once it accepts them again, the redelivery is stored.
async fn store_failure_answers_5xx_and_stores_nothing(db: &TestDb) {
    let key: HmacKey = KEY.parse().unwrap();
    let config = config(db, HmacKeys::new(key.clone()), None);
    let server = start(&config, LogEffects, fast_worker()).await;
    let url = server.url(WEBHOOK_PATH);
    let pool = server.store().pool().clone();

    // The third item of the batch fails to insert, after the first two went in.
    let (create, drop): (&[&str], &[&str]) = if db.is_postgres() {
        (
            &[
                "CREATE FUNCTION refuse_insert() RETURNS trigger AS $$ \
                 BEGIN RAISE EXCEPTION 'disk full'; END $$ LANGUAGE plpgsql",
                "CREATE TRIGGER refuse BEFORE INSERT ON notifications FOR EACH ROW \
                 WHEN (NEW.psp_reference = '8800000000000033') EXECUTE FUNCTION refuse_insert()",
            ],
            &[
                "DROP TRIGGER refuse ON notifications",
                "DROP FUNCTION refuse_insert()",
            ],
        )
    } else {
        (
            &["CREATE TRIGGER refuse BEFORE INSERT ON notifications \
               WHEN NEW.psp_reference = '8800000000000033' \
               BEGIN SELECT RAISE(ABORT, 'disk full'); END"],
            &["DROP TRIGGER refuse"],
        )
    };
    for statement in create {
        pool.execute(*statement).await.unwrap();
    }

    let mut items = vec![
        payment_item("8800000000000031", "AUTHORISATION", "", "ORDER-F-1", 100),
        payment_item("8800000000000032", "AUTHORISATION", "", "ORDER-F-2", 200),
        payment_item("8800000000000033", "AUTHORISATION", "", "ORDER-F-3", 300),
    ];
    for item in &mut items {
        key.sign_item_in_place(item);
    }
    let batch = NotificationRequest { live: false, items }.to_json();

    let answer = post(&url, &batch, None).await;
    assert!((500..600).contains(&answer.status), "{answer:?}");
    assert_ne!(answer.body, "[accepted]");
    let stats = server.store().stats().await.unwrap();
    assert_eq!(
        stats.notifications, 0,
        "a failed batch leaves nothing behind"
    );

    for statement in drop {
        pool.execute(*statement).await.unwrap();
    }
    let answer = post(&url, &batch, None).await;
    assert_eq!((answer.status, answer.body.as_str()), (200, "[accepted]"));
    let stats = wait_for(server.store(), Duration::from_secs(10), |s| {
        s.processed == 3
    })
    .await;
    assert_eq!((stats.notifications, stats.deliveries), (3, 3));

    // A store that is gone altogether: 5xx too.
    server.store().close().await;
    let late = signed(
        &key,
        payment_item("8800000000000034", "AUTHORISATION", "", "ORDER-F-4", 400),
    );
    let answer = post(&url, &late, None).await;
    assert!((500..600).contains(&answer.status), "{answer:?}");
    server.shutdown().await.unwrap();
}

/// WEBHOOK_USERNAME/WEBHOOK_PASSWORD guard the webhook; the JSON API is on the admin listener
/// only, behind credentials of its own.
async fn basic_auth_guards_the_webhook_and_the_api(db: &TestDb) {
    let key: HmacKey = KEY.parse().unwrap();
    let auth = Some(("adyen", "correct horse"));
    let config = config(db, HmacKeys::new(key.clone()), auth);
    let server = start(&config, LogEffects, fast_worker()).await;
    let url = server.url(WEBHOOK_PATH);
    let body = signed(
        &key,
        payment_item("8800000000000041", "AUTHORISATION", "", "ORDER-A-1", 100),
    );

    assert_eq!(post(&url, &body, None).await.status, 401);
    assert_eq!(
        post(&url, &body, Some(("adyen", "wrong"))).await.status,
        401
    );
    assert_eq!(server.store().stats().await.unwrap().notifications, 0);
    assert_eq!(post(&url, &body, auth).await.status, 200);
    // The payment exists once the worker has processed the notification, not when it is stored.
    wait_for(server.store(), Duration::from_secs(10), |s| {
        s.processed == 1
    })
    .await;

    // The webhook port serves nothing else, with or without credentials.
    for path in ["/api/notifications", "/api/payments/ORDER-A-1"] {
        assert_eq!(get(&server.url(path), auth).await.status, 404, "{path}");
    }
    // The admin listener has credentials of its own, and the webhook's are not they.
    server.shutdown().await.unwrap();
    let mut config = config;
    config.admin.basic_auth = Some(support::credentials("operator", "staple"));
    let server = start(&config, LogEffects, fast_worker()).await;
    let operator = Some(("operator", "staple"));
    for path in ["/api/notifications", "/api/payments/ORDER-A-1"] {
        for wrong in [None, auth, Some(("operator", "wrong"))] {
            let answer = get(&server.admin_url(path), wrong).await;
            assert_eq!(answer.status, 401, "{path} {wrong:?}");
        }
        assert_eq!(
            get(&server.admin_url(path), operator).await.status,
            200,
            "{path}"
        );
    }
    assert_eq!(support::list_all(&server, operator).await.len(), 1);
    server.shutdown().await.unwrap();
}

/// The README's first command, minus the terminal: every scenario answered and ended as
/// expected.
async fn demo_runs_every_scenario_as_expected(db: &TestDb) {
    let keys = DemoKeys::generate();
    let config = config(
        db,
        HmacKeys::new(keys.current.key.clone()).with(keys.previous.key.clone()),
        None,
    );
    let effects = DemoEffects::default();
    let server = start(&config, effects.clone(), fast_worker()).await;
    let outcome = demo::run(&server, &config, &keys, &effects, |_| {})
        .await
        .unwrap();
    assert!(outcome.all_as_expected, "{}", outcome.text);
    for expected in [
        "rejected      1 request ",
        "deduplicated  1 redelivery",
        "confirm order",
        "alert the disputes team",
        "duplicate of #",
        "nothing stored",
    ] {
        assert!(
            outcome.text.contains(expected),
            "{expected:?} in\n{}",
            outcome.text
        );
    }
    assert!(!outcome.text.contains("UNEXPECTED"), "{}", outcome.text);
    server.shutdown().await.unwrap();
}

/// The sender's scenarios against a server that has only the current key: the rotation
/// scenario is then skipped, not failed.
#[tokio::test]
async fn sender_scenarios_without_a_previous_key() {
    let keys = SigningKeys {
        current: KEY.parse().unwrap(),
        previous: None,
    };
    let all: Vec<_> = scenarios::SCENARIOS.iter().collect();
    let plan = scenarios::plan(&all, 1, &keys, "YourShopECOM");
    assert_eq!(plan.skipped.len(), 1);
    assert!(plan.deliveries.iter().all(|d| d.scenario != "previous-key"));
}
