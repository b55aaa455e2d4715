//! Durable processing: acknowledged notifications survive a crash of the worker, a failing step
//! is retried with backoff and shown as failing, and processing again changes nothing.

mod support;

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use adyen_webhook_server::app::WEBHOOK_PATH;
use adyen_webhook_server::payments::{Action, EffectError, Effects, LogEffects};
use adyen_webhook_server::worker::{Worker, WorkerConfig};
use serde_json::Value;
use sqlx::Executor;
use support::{config, fast_worker, get, post, start, wait_for, Hanging, Recording, TestDb};
use tokio::sync::Notify;
use tower_adyen_webhook::{
    Amount, HmacKey, HmacKeys, NotificationRequest, NotificationRequestItem,
};

const KEY: &str = "00727DB817A85C8503AD29EAD1523DB869AF0E536893BB3046C92DE7CB045CB1";

on_both_databases!(
    acknowledged_before_processing_and_resumed_after_a_crash,
    failing_step_is_retried_with_backoff_and_shown_as_failing,
    processing_again_leaves_the_same_state,
    two_workers_never_process_the_same_notification,
    a_panic_in_the_business_logic_is_retried_and_holds_up_nothing,
    each_action_is_performed_once_whatever_the_order_of_arrival,
    a_step_that_keeps_failing_is_dead_lettered_until_requeued,
);

fn key() -> HmacKey {
    KEY.parse().unwrap()
}

fn body(items: Vec<NotificationRequestItem>) -> String {
    let key = key();
    let items = items
        .into_iter()
        .map(|mut item| {
            key.sign_item_in_place(&mut item);
            item
        })
        .collect();
    NotificationRequest { live: false, items }.to_json()
}

fn item(psp: &str, code: &str, original: &str, order: &str) -> NotificationRequestItem {
    let mut item = NotificationRequestItem::new(psp, code);
    item.original_reference = original.into();
    item.merchant_reference = order.into();
    item.amount = Some(Amount::new(2500, "EUR"));
    item
}

async fn notifications(server: &adyen_webhook_server::server::Running) -> Vec<Value> {
    support::list_all(server, None).await
}

/// The business logic hangs: the webhook is acknowledged all the same (processing is off the
/// acknowledgement path). The process is then stopped mid-step; the next start processes
/// everything, the interrupted notification included.
async fn acknowledged_before_processing_and_resumed_after_a_crash(db: &TestDb) {
    let config = config(db, HmacKeys::new(key()), None);
    let worker = WorkerConfig {
        lease: Duration::from_millis(500),
        ..fast_worker()
    };
    let mut first = start(&config, Hanging, worker.clone()).await;
    first.set_worker_grace(Duration::from_millis(100));
    let url = first.url(WEBHOOK_PATH);

    let started = Instant::now();
    let auth = body(vec![item(
        "8800000000000101",
        "AUTHORISATION",
        "",
        "ORDER-R-1",
    )]);
    let capture = body(vec![item(
        "8800000000000102",
        "CAPTURE",
        "8800000000000101",
        "ORDER-R-1",
    )]);
    for request in [&auth, &capture] {
        let answer = post(&url, request, None).await;
        assert_eq!((answer.status, answer.body.as_str()), (200, "[accepted]"));
    }
    assert!(started.elapsed() < Duration::from_secs(5));

    // The worker is stuck in the first notification's business logic.
    tokio::time::sleep(Duration::from_millis(200)).await;
    let stored = notifications(&first).await;
    assert_eq!(stored.len(), 2);
    assert!(
        stored.iter().all(|n| n["processing"]["state"] == "pending"),
        "{stored:?}"
    );
    assert_eq!(
        stored
            .iter()
            .map(|n| n["processing"]["attempts"].as_i64().unwrap())
            .sum::<i64>(),
        1,
        "one notification was taken up: {stored:?}"
    );
    first.shutdown().await.unwrap();

    let effects = Recording::default();
    let second = start(&config, effects.clone(), worker).await;
    let stats = wait_for(second.store(), Duration::from_secs(10), |s| {
        s.processed == 2
    })
    .await;
    assert_eq!((stats.notifications, stats.failing), (2, 0));
    let stored = notifications(&second).await;
    let auth = stored
        .iter()
        .find(|n| n["eventCode"] == "AUTHORISATION")
        .unwrap();
    assert_eq!(
        auth["processing"]["attempts"], 2,
        "resumed after the crash: {auth}"
    );
    assert_eq!(auth["processing"]["state"], "processed");
    assert!(effects.actions().contains(&Action::ConfirmOrder {
        merchant_reference: "ORDER-R-1".into(),
        psp_reference: "8800000000000101".into(),
    }));
    let payment = get(&second.admin_url("/api/payments/ORDER-R-1"), None)
        .await
        .json();
    assert_eq!(payment["status"], "captured");
    second.shutdown().await.unwrap();
}

/// The order system is down for the first two tries: the notification shows as failing with
/// the error and the next attempt, is retried after growing delays, and other notifications are
/// not held up meanwhile.
async fn failing_step_is_retried_with_backoff_and_shown_as_failing(db: &TestDb) {
    let config = config(db, HmacKeys::new(key()), None);
    let effects = Recording::failing(2);
    let worker = WorkerConfig {
        retry_base: Duration::from_millis(300),
        ..fast_worker()
    };
    let server = start(&config, effects.clone(), worker).await;
    let url = server.url(WEBHOOK_PATH);

    let auth = body(vec![item(
        "8800000000000201",
        "AUTHORISATION",
        "",
        "ORDER-B-1",
    )]);
    assert_eq!(post(&url, &auth, None).await.status, 200);
    wait_for(server.store(), Duration::from_secs(5), |s| s.failing == 1).await;
    let stored = notifications(&server).await;
    let processing = &stored[0]["processing"];
    assert_eq!(processing["state"], "failing", "{processing}");
    assert!(
        processing["lastError"]
            .as_str()
            .unwrap()
            .contains(
                r#"confirm order "ORDER-B-1" (payment "8800000000000201" authorised): order system unavailable"#
            ),
        "{processing}"
    );
    assert!(processing["nextAttemptAt"].is_string(), "{processing}");
    assert!(processing["processedAt"].is_null());

    // Another notification goes through while the first one waits for its retry (an unknown
    // event code: no action, so nothing of it can fail).
    let other = body(vec![item(
        "8800000000000202",
        "SOMETHING_NEW",
        "8800000000000299",
        "ORDER-B-2",
    )]);
    assert_eq!(post(&url, &other, None).await.status, 200);

    let stats = wait_for(server.store(), Duration::from_secs(10), |s| {
        s.processed == 2
    })
    .await;
    assert_eq!(stats.failing, 0);
    let stored = notifications(&server).await;
    let auth = stored
        .iter()
        .find(|n| n["eventCode"] == "AUTHORISATION")
        .unwrap();
    assert_eq!(auth["processing"]["state"], "processed");
    assert_eq!(auth["processing"]["attempts"], 3);
    assert!(auth["processing"]["lastError"].is_null());

    let tries = effects.tries.lock().unwrap().clone();
    assert_eq!(tries.len(), 3, "two failures, then success");
    let (first_gap, second_gap) = (tries[1] - tries[0], tries[2] - tries[1]);
    assert!(first_gap >= Duration::from_millis(300), "{first_gap:?}");
    assert!(
        second_gap >= Duration::from_millis(600),
        "backoff doubles: {second_gap:?}"
    );
    server.shutdown().await.unwrap();
}

/// A crash after the business logic ran but before the notification was marked processed makes
/// it run again: the payment's state comes out the same.
async fn processing_again_leaves_the_same_state(db: &TestDb) {
    let config = config(db, HmacKeys::new(key()), None);
    let server = start(&config, LogEffects, fast_worker()).await;
    let url = server.url(WEBHOOK_PATH);
    for request in [
        body(vec![item(
            "8800000000000301",
            "AUTHORISATION",
            "",
            "ORDER-I-1",
        )]),
        body(vec![item(
            "8800000000000302",
            "CAPTURE",
            "8800000000000301",
            "ORDER-I-1",
        )]),
        body(vec![item(
            "8800000000000303",
            "REFUND",
            "8800000000000301",
            "ORDER-I-1",
        )]),
    ] {
        assert_eq!(post(&url, &request, None).await.status, 200);
    }
    wait_for(server.store(), Duration::from_secs(10), |s| {
        s.processed == 3
    })
    .await;
    let before = get(&server.admin_url("/api/payments/ORDER-I-1"), None)
        .await
        .json();
    assert_eq!(before["status"], "refunded");

    server
        .store()
        .pool()
        .execute("UPDATE notifications SET processed_at = NULL")
        .await
        .unwrap();
    wait_for(server.store(), Duration::from_secs(10), |s| {
        s.processed == 3
    })
    .await;
    let after = get(&server.admin_url("/api/payments/ORDER-I-1"), None)
        .await
        .json();
    assert_eq!(after, before);
    server.shutdown().await.unwrap();
}

/// Two workers on one store (two instances on one PostgreSQL database, say) share the work
/// and never take the same notification.
async fn two_workers_never_process_the_same_notification(db: &TestDb) {
    let store = db.store().await;
    let items: Vec<_> = (0..30)
        .map(|n| {
            item(
                &format!("88000000000004{n:02}"),
                "AUTHORISATION",
                "",
                &format!("ORDER-W-{n}"),
            )
        })
        .collect();
    for chunk in items.chunks(3) {
        store.save(false, chunk).await.unwrap();
    }

    let effects = Recording::default();
    let run = |effects: Recording| {
        let worker = Worker::new(
            store.clone(),
            effects,
            fast_worker(),
            Arc::new(Notify::new()),
        );
        tokio::spawn(async move {
            let mut done = 0;
            while worker.step().await.unwrap().is_some() {
                done += 1;
            }
            done
        })
    };
    let (a, b) = (run(effects.clone()), run(effects.clone()));
    let (a, b) = (a.await.unwrap(), b.await.unwrap());
    assert_eq!(a + b, 30);
    let mut keys: Vec<String> = effects
        .done
        .lock()
        .unwrap()
        .iter()
        .map(|(key, _, _)| key.clone())
        .collect();
    keys.sort_unstable();
    keys.dedup();
    assert_eq!(keys.len(), 30, "each notification's logic ran");
    let stats = store.stats().await.unwrap();
    assert_eq!((stats.processed, stats.failing), (30, 0));
    store.close().await;
}

/// Effects with a bug: the first call panics; the others are recorded.
#[derive(Clone, Default)]
struct PanicsOnce {
    panicked: Arc<AtomicBool>,
    recording: Recording,
}

impl Effects for PanicsOnce {
    async fn perform(&self, key: &str, action: &Action) -> Result<(), EffectError> {
        if !self.panicked.swap(true, Ordering::SeqCst) {
            panic!("deliberate panic in the business logic, for the test");
        }
        self.recording.perform(key, action).await
    }
}

/// A panic in the business logic (a bug, a notification it did not expect) is a failed step
/// like any other: the notification shows as failing with the panic's message and is retried,
/// and the worker goes on with the other notifications. (It used to die with the panic, leaving
/// every later notification unprocessed until the next restart.)
async fn a_panic_in_the_business_logic_is_retried_and_holds_up_nothing(db: &TestDb) {
    let config = config(db, HmacKeys::new(key()), None);
    let effects = PanicsOnce::default();
    let worker = WorkerConfig {
        retry_base: Duration::from_millis(300),
        ..fast_worker()
    };
    let server = start(&config, effects.clone(), worker).await;
    let url = server.url(WEBHOOK_PATH);

    let first = body(vec![item(
        "8800000000000501",
        "AUTHORISATION",
        "",
        "ORDER-P-1",
    )]);
    assert_eq!(post(&url, &first, None).await.status, 200);
    wait_for(server.store(), Duration::from_secs(5), |s| s.failing == 1).await;
    let stored = notifications(&server).await;
    let processing = &stored[0]["processing"];
    assert_eq!(processing["state"], "failing", "{processing}");
    assert!(
        processing["lastError"]
            .as_str()
            .unwrap()
            .contains("panicked: deliberate panic in the business logic"),
        "{processing}"
    );

    // The worker lives on: the next notification is processed, and the first one on its retry.
    let second = body(vec![item(
        "8800000000000502",
        "AUTHORISATION",
        "",
        "ORDER-P-2",
    )]);
    assert_eq!(post(&url, &second, None).await.status, 200);
    let stats = wait_for(server.store(), Duration::from_secs(10), |s| {
        s.processed == 2
    })
    .await;
    assert_eq!(stats.failing, 0);
    let mut confirmed = effects.recording.actions();
    confirmed.sort_by_key(ToString::to_string);
    assert_eq!(
        confirmed,
        [
            ("ORDER-P-1", "8800000000000501"),
            ("ORDER-P-2", "8800000000000502")
        ]
        .map(|(order, psp)| Action::ConfirmOrder {
            merchant_reference: order.into(),
            psp_reference: psp.into(),
        })
    );
    let stored = notifications(&server).await;
    let first = stored
        .iter()
        .find(|n| n["merchantReference"] == "ORDER-P-1")
        .unwrap();
    assert_eq!(first["processing"]["attempts"], 2, "{first}");
    assert_eq!(first["processing"]["state"], "processed");
    server.shutdown().await.unwrap();
}

/// The same notifications delivered in reverse order, each processed on its own: every action
/// their payment implies is performed exactly once, whichever notification brought it.
async fn each_action_is_performed_once_whatever_the_order_of_arrival(db: &TestDb) {
    let config = config(db, HmacKeys::new(key()), None);
    let effects = Recording::default();
    let server = start(&config, effects.clone(), fast_worker()).await;
    let url = server.url(WEBHOOK_PATH);
    let mut refund = item(
        "8800000000000903",
        "REFUND",
        "8800000000000901",
        "ORDER-X-1",
    );
    refund.amount = Some(Amount::new(1000, "EUR"));
    let deliveries = [
        refund,
        item(
            "8800000000000902",
            "CAPTURE",
            "8800000000000901",
            "ORDER-X-1",
        ),
        item("8800000000000901", "AUTHORISATION", "", "ORDER-X-1"),
    ];
    for (n, notification) in deliveries.into_iter().enumerate() {
        assert_eq!(
            post(&url, &body(vec![notification]), None).await.status,
            200
        );
        let expected = n as i64 + 1;
        wait_for(server.store(), Duration::from_secs(10), |stats| {
            stats.processed == expected
        })
        .await;
    }
    // A redelivery and a requeue of everything change nothing either.
    let auth = item("8800000000000901", "AUTHORISATION", "", "ORDER-X-1");
    assert_eq!(post(&url, &body(vec![auth]), None).await.status, 200);
    let mut keys: Vec<String> = effects
        .done
        .lock()
        .unwrap()
        .iter()
        .map(|(key, _, _)| key.clone())
        .collect();
    keys.sort();
    assert_eq!(
        keys,
        [
            "confirm-order:8800000000000901",
            "record-refund:8800000000000901:8800000000000903"
        ],
        "{:?}",
        effects.actions()
    );
    server.shutdown().await.unwrap();
}

/// Effects that keep failing: after WORKER_MAX_ATTEMPTS the notification is dead (shown as
/// such, no longer retried), and a requeue through the admin API processes it once they work.
async fn a_step_that_keeps_failing_is_dead_lettered_until_requeued(db: &TestDb) {
    let config = config(db, HmacKeys::new(key()), None);
    let effects = Recording::failing(2);
    let worker = WorkerConfig {
        retry_base: Duration::from_millis(50),
        max_attempts: 2,
        ..fast_worker()
    };
    let server = start(&config, effects.clone(), worker).await;
    let auth = item("8800000000000911", "AUTHORISATION", "", "ORDER-D-1");
    assert_eq!(
        post(&server.url(WEBHOOK_PATH), &body(vec![auth]), None)
            .await
            .status,
        200
    );
    wait_for(server.store(), Duration::from_secs(10), |stats| {
        stats.dead == 1
    })
    .await;
    // Dead: not retried, however long we wait.
    tokio::time::sleep(Duration::from_millis(400)).await;
    assert_eq!(effects.tries.lock().unwrap().len(), 2);
    let listed = notifications(&server).await;
    assert_eq!(listed[0]["processing"]["state"], "dead", "{listed:?}");
    assert!(listed[0]["processing"]["deadAt"].is_string(), "{listed:?}");
    let id = listed[0]["id"].as_i64().unwrap();

    let answer = post(
        &server.admin_url(&format!("/api/notifications/{id}/requeue")),
        "",
        None,
    )
    .await;
    assert_eq!(answer.status, 200, "{answer:?}");
    let stats = wait_for(server.store(), Duration::from_secs(10), |stats| {
        stats.processed == 1
    })
    .await;
    assert_eq!((stats.dead, stats.failing), (0, 0));
    assert_eq!(effects.actions().len(), 1);
    let missing = post(
        &server.admin_url("/api/notifications/999999/requeue"),
        "",
        None,
    )
    .await;
    assert_eq!(missing.status, 404);
    server.shutdown().await.unwrap();
}
