//! The store on its own, in process: what each of its queries returns, on SQLite and (when
//! `TEST_DATABASE_URL` is set) PostgreSQL. The worker, the replay and the JSON API are built on
//! these; their own tests reach the store through them.

mod support;

use std::error::Error as _;
use std::time::Duration;

use adyen_webhook_server::payments;
use adyen_webhook_server::store::{
    KeyRecord, ProcessingState, Row, Store, StoredNotification, Stuck, StuckNotification,
};
use sqlx::Executor;
use support::TestDb;
use tower_adyen_webhook::{Amount, NotificationRequestItem};

/// An item of order `order` about payment `payment` (its own pspReference when `original` is
/// empty).
fn item(psp: &str, code: &str, original: &str, order: &str) -> NotificationRequestItem {
    let mut item = NotificationRequestItem::new(psp, code);
    item.original_reference = original.into();
    item.merchant_reference = order.into();
    item.merchant_account_code = "ShopECOM".into();
    item.amount = Some(Amount::new(1000, "EUR"));
    item
}

async fn save(store: &Store, items: &[NotificationRequestItem]) -> Vec<i64> {
    let saved = store.save(false, items).await.expect("saved");
    saved.iter().map(|saved| saved.id).collect()
}

fn readable(row: Option<Row>) -> StoredNotification {
    row.expect("a row with this id").expect("a readable row")
}

on_both_databases!(
    opens_its_pools_as_configured,
    marks_live_notifications_as_live,
    requeues_every_dead_notification_and_lists_the_failing,
    reads_what_a_payment_is_computed_from_and_its_saved_state,
    selects_what_a_replay_replays,
    leases_marks_and_releases_for_a_replay,
    keeps_each_key_s_first_configuration_and_latest_use,
);

async fn opens_its_pools_as_configured(db: &TestDb) {
    let store = db.store().await;
    let shared = store.pool().options().get_max_connections();
    let worker = store.for_worker();
    assert_eq!(worker.pool().options().get_max_connections(), 1);
    if db.is_postgres() {
        assert_eq!(shared, 10);
    } else {
        // One writer at a time whatever the size; readers never block it in WAL mode, and a
        // commit reaches the disk before it returns.
        assert_eq!(shared, 4);
        for pool in [store.pool(), worker.pool()] {
            let mode: String = sqlx::query_scalar("PRAGMA journal_mode")
                .fetch_one(pool)
                .await
                .unwrap();
            assert_eq!(mode, "wal");
            let synchronous: i64 = sqlx::query_scalar("PRAGMA synchronous")
                .fetch_one(pool)
                .await
                .unwrap();
            assert_eq!(synchronous, 2, "FULL");
        }
    }
    store.close().await;
}

async fn marks_live_notifications_as_live(db: &TestDb) {
    let store = db.store().await;
    let live = store
        .save(true, &[item("LIVE", "AUTHORISATION", "", "order-1")])
        .await
        .unwrap()[0]
        .id;
    let test = save(&store, &[item("TEST", "AUTHORISATION", "", "order-2")]).await[0];
    assert!(readable(store.get(live).await.unwrap()).live);
    assert!(!readable(store.get(test).await.unwrap()).live);
    store.close().await;
}

async fn requeues_every_dead_notification_and_lists_the_failing(db: &TestDb) {
    let store = db.store().await;
    let ids = save(
        &store,
        &[
            item("A", "AUTHORISATION", "", "order-a"),
            item("B", "AUTHORISATION", "", "order-b"),
            item("C", "AUTHORISATION", "", "order-c"),
            item("D", "AUTHORISATION", "", "order-d"),
        ],
    )
    .await;
    let later = Duration::from_secs(3600);
    store
        .mark_failed(ids[0], "boom", later, true)
        .await
        .unwrap();
    store
        .mark_failed(ids[1], "boom", later, true)
        .await
        .unwrap();
    store
        .mark_failed(ids[2], "boom", later, false)
        .await
        .unwrap();

    let failing = |rows: Vec<Row>| -> Vec<i64> {
        rows.into_iter()
            .map(|row| row.expect("readable").id)
            .collect()
    };
    // Newest first, dead-lettered ones included, the pending one left out.
    assert_eq!(
        failing(store.list_failing(10).await.unwrap()),
        [ids[2], ids[1], ids[0]]
    );
    assert_eq!(
        failing(store.list_failing(2).await.unwrap()),
        [ids[2], ids[1]]
    );

    assert_eq!(store.requeue_dead().await.unwrap(), 2);
    for &id in &ids[..2] {
        let row = readable(store.get(id).await.unwrap());
        assert_eq!(row.processing.dead_at, None);
        assert_eq!(row.processing.state(), ProcessingState::Failing);
    }
    assert_eq!(store.requeue_dead().await.unwrap(), 0);
    store.close().await;
}

async fn reads_what_a_payment_is_computed_from_and_its_saved_state(db: &TestDb) {
    let store = db.store().await;
    let ids = save(
        &store,
        &[
            item("PAY", "AUTHORISATION", "", "order-1"),
            item("CAP", "CAPTURE", "PAY", "order-1"),
            item("OTHER", "AUTHORISATION", "", "order-2"),
        ],
    )
    .await;

    let inputs = store.payment_inputs("PAY").await.unwrap();
    let psps: Vec<&str> = inputs
        .items
        .iter()
        .map(|item| item.psp_reference.as_str())
        .collect();
    assert_eq!(psps, ["PAY", "CAP"], "in arrival order");
    assert_eq!(inputs.last_id, Some(ids[1]));
    assert!(inputs.unreadable.is_empty());

    assert_eq!(store.saved_payment("PAY").await.unwrap(), None);
    let payment = store
        .update_payment("PAY", |items| payments::fold("PAY", items))
        .await
        .unwrap();
    assert_eq!(payment.status, payments::PaymentStatus::Captured);
    assert_eq!(payment.captured, 1000);
    assert_eq!(
        store.saved_payment("PAY").await.unwrap().as_ref(),
        Some(&payment)
    );
    assert_eq!(
        store.payments("order-1").await.unwrap(),
        std::slice::from_ref(&payment)
    );
    let other = store
        .update_payment("OTHER", |items| payments::fold("OTHER", items))
        .await
        .unwrap();
    let recent = store.recent_payments(10).await.unwrap();
    assert_eq!(recent.len(), 2);
    assert!(recent.contains(&payment) && recent.contains(&other));
    assert_eq!(store.recent_payments(1).await.unwrap().len(), 1);

    // A row another version wrote, or a hand edited: left out, and said.
    store
        .pool()
        .execute(
            sqlx::query("UPDATE notifications SET item = 'not JSON' WHERE id = $1").bind(ids[1]),
        )
        .await
        .unwrap();
    let inputs = store.payment_inputs("PAY").await.unwrap();
    assert_eq!(inputs.items.len(), 1);
    assert_eq!(inputs.last_id, Some(ids[1]));
    assert_eq!(inputs.unreadable.len(), 1);
    assert!(
        inputs.unreadable[0].starts_with(&format!("notification {} could not be read", ids[1])),
        "{:?}",
        inputs.unreadable
    );
    store.close().await;
}

async fn selects_what_a_replay_replays(db: &TestDb) {
    let store = db.store().await;
    save(
        &store,
        &[
            item("PAY-B", "AUTHORISATION", "", "order-b"),
            item("PAY-A", "AUTHORISATION", "", "order-a"),
            item("REFUND-A", "REFUND", "PAY-A", "order-a"),
            item("report.csv", "REPORT_AVAILABLE", "", ""),
        ],
    )
    .await;
    // An ignored notification counts for nothing.
    store
        .save_with(
            false,
            &[
                item("PAY-C", "AUTHORISATION", "", "order-c"),
                item("ignored.csv", "REPORT_AVAILABLE", "", ""),
            ],
            |_| Some("another merchant account".to_owned()),
        )
        .await
        .unwrap();

    let replay = |reference: Option<&'static str>, since| {
        let store = store.clone();
        async move { store.replay_payments(reference, since).await.unwrap() }
    };
    assert_eq!(replay(None, 0).await, ["PAY-A", "PAY-B"]);
    assert_eq!(replay(Some("order-b"), 0).await, ["PAY-B"]);
    assert_eq!(replay(Some("PAY-A"), 0).await, ["PAY-A"]);
    assert_eq!(replay(Some("order-c"), 0).await, Vec::<String>::new());
    assert_eq!(replay(None, i64::MAX).await, Vec::<String>::new());

    let unkeyed: Vec<String> = store
        .replay_unkeyed(0)
        .await
        .unwrap()
        .into_iter()
        .map(|row| row.expect("readable").item.psp_reference.to_string())
        .collect();
    assert_eq!(unkeyed, ["report.csv"]);
    assert!(store.replay_unkeyed(i64::MAX).await.unwrap().is_empty());
    store.close().await;
}

async fn leases_marks_and_releases_for_a_replay(db: &TestDb) {
    let store = db.store().await;
    let ids = save(
        &store,
        &[
            item("PAY", "AUTHORISATION", "", "order-1"),
            item("CAP", "CAPTURE", "PAY", "order-1"),
            item("REF", "REFUND", "PAY", "order-1"),
        ],
    )
    .await;
    let (failing, dead, pending) = (ids[0], ids[1], ids[2]);
    let later = Duration::from_secs(3600);
    store
        .mark_failed(failing, "boom", later, false)
        .await
        .unwrap();
    store.mark_failed(dead, "boom", later, true).await.unwrap();
    let stuck = |id, state, leased| StuckNotification {
        id,
        state,
        leased,
        readable: true,
    };
    assert_eq!(
        store.unprocessed(Stuck::Payment("PAY")).await.unwrap(),
        [
            stuck(failing, ProcessingState::Failing, false),
            stuck(dead, ProcessingState::Dead, false),
            stuck(pending, ProcessingState::Pending, false),
        ]
    );
    assert!(store
        .unprocessed(Stuck::Payment("NONE"))
        .await
        .unwrap()
        .is_empty());

    let minute = Duration::from_secs(60);
    assert!(store.lease(failing, minute).await.unwrap());
    assert!(
        !store.lease(failing, minute).await.unwrap(),
        "leased already"
    );
    assert_eq!(
        store
            .unprocessed(Stuck::Notification(failing))
            .await
            .unwrap(),
        [stuck(failing, ProcessingState::Failing, true)]
    );

    // Released with an error: that error; without one: the last error stays.
    store.release(failing, Some("still broken")).await.unwrap();
    let error = |row: StoredNotification| row.processing.last_error;
    assert_eq!(
        error(readable(store.get(failing).await.unwrap())).as_deref(),
        Some("still broken")
    );
    assert!(store.lease(failing, minute).await.unwrap(), "released");
    store.release(failing, None).await.unwrap();
    assert_eq!(
        error(readable(store.get(failing).await.unwrap())).as_deref(),
        Some("still broken")
    );
    assert_eq!(
        store
            .unprocessed(Stuck::Notification(failing))
            .await
            .unwrap(),
        [stuck(failing, ProcessingState::Failing, false)]
    );

    assert!(store.lease(dead, minute).await.unwrap());
    store.mark_replayed(dead).await.unwrap();
    let row = readable(store.get(dead).await.unwrap());
    assert_eq!(row.processing.state(), ProcessingState::Processed);
    assert_eq!(
        (row.processing.last_error, row.processing.dead_at),
        (None, None)
    );
    assert!(store
        .unprocessed(Stuck::Notification(dead))
        .await
        .unwrap()
        .is_empty());
    assert!(!store.lease(dead, minute).await.unwrap(), "processed");
    store.close().await;
}

async fn keeps_each_key_s_first_configuration_and_latest_use(db: &TestDb) {
    let store = db.store().await;
    store
        .configure_keys("notifications", &["BBB", "AAA"], 100)
        .await
        .unwrap();
    store
        .configure_keys("notifications", &["AAA"], 200)
        .await
        .unwrap();
    store
        .record_key_use("notifications", "AAA", 300)
        .await
        .unwrap();
    store
        .record_key_use("notifications", "AAA", 250)
        .await
        .unwrap();
    // A key used before it was ever configured: first configured as it verified.
    store.record_key_use("platform", "CCC", 400).await.unwrap();
    let record = |route: &str, kcv: &str, first, last| KeyRecord {
        route: route.to_owned(),
        kcv: kcv.to_owned(),
        first_configured_at: first,
        last_verified_at: last,
    };
    assert_eq!(
        store.key_records().await.unwrap(),
        [
            record("notifications", "AAA", 100, Some(300)),
            record("notifications", "BBB", 100, None),
            record("platform", "CCC", 400, Some(400)),
        ]
    );
    store.close().await;
}

#[tokio::test]
async fn an_error_says_what_the_store_was_doing() {
    let error = Store::connect("mysql://localhost/shop").await.unwrap_err();
    let message = error.to_string();
    assert!(
        message.starts_with("reading DATABASE_URL: must start with sqlite:"),
        "{message}"
    );
    let source = error.source().expect("the underlying error").to_string();
    assert!(source.starts_with("must start with sqlite:"), "{source}");
    assert!(message.ends_with(&source), "{message}");
}

#[tokio::test]
async fn an_unreadable_row_is_listed_as_such() {
    let db = TestDb::sqlite();
    let store = db.store().await;
    let id = save(&store, &[item("PAY", "AUTHORISATION", "", "order-1")]).await[0];
    store
        .pool()
        .execute(sqlx::query("UPDATE notifications SET item = '{' WHERE id = $1").bind(id))
        .await
        .unwrap();
    let unreadable = store
        .get(id)
        .await
        .unwrap()
        .expect("a row")
        .expect_err("not decodable");
    assert_eq!(unreadable.id, id);
    assert_eq!(
        store.unprocessed(Stuck::Payment("PAY")).await.unwrap(),
        [StuckNotification {
            id,
            state: ProcessingState::Pending,
            leased: false,
            readable: false,
        }]
    );
    store.close().await;
}
