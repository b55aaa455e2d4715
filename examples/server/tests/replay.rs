//! Replay after a fix: the business logic's result for a payment is made wrong through the test
//! seams (a fault in the store's write of its state, effects that fail, a state and an action
//! record as an older version left them), fixed, and replayed through `POST /api/replay`: a dry
//! run first, which writes nothing, then for real, then again, which has nothing to change. The
//! `replay` command is run as a process against the server's binary.

mod support;

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use adyen_webhook_server::app::WEBHOOK_PATH;
use adyen_webhook_server::faults::{Fault, FaultInjector, FaultPoint};
use adyen_webhook_server::payments::{Action, EffectError, Effects};
use adyen_webhook_server::server::{self, Running};
use adyen_webhook_server::store::Store;
use adyen_webhook_server::worker::WorkerConfig;
use base64::engine::general_purpose::STANDARD as BASE64;
use base64::Engine as _;
use serde_json::{json, Value};
use sqlx::Executor;
use support::process::{self, Head, Launch};
use support::{config, fast_worker, loopback_listeners, post, wait_for, TestDb};
use tower_adyen_webhook::{
    Amount, HmacKey, HmacKeys, NotificationRequest, NotificationRequestItem,
};

on_both_databases!(
    a_payment_is_replayed_after_its_fix,
    since_and_all_replay_what_an_older_version_got_wrong,
);

const PAY: &str = "8800000000002001";
const OTHER: &str = "8800000000002002";

fn key() -> HmacKey {
    process::KEY.parse().unwrap()
}

fn authorisation(psp: &str, order: &str) -> NotificationRequestItem {
    let mut item = NotificationRequestItem::new(psp, "AUTHORISATION");
    item.merchant_reference = order.to_owned();
    item.merchant_account_code = "ShopECOM".to_owned();
    item.amount = Some(Amount::new(2500, "EUR"));
    item
}

fn report(name: &str) -> NotificationRequestItem {
    let mut item = NotificationRequestItem::new(name, "REPORT_AVAILABLE");
    item.reason = format!("https://ca-test.adyen.com/reports/download/MerchantAccount/Shop/{name}");
    item
}

async fn deliver(server: &Running, item: NotificationRequestItem) {
    let mut item = item;
    key().sign_item_in_place(&mut item);
    let body = NotificationRequest {
        live: false,
        items: vec![item],
    }
    .to_json();
    let answer = post(&server.url(WEBHOOK_PATH), &body, None).await;
    assert_eq!((answer.status, answer.body.as_str()), (200, "[accepted]"));
}

/// `POST /api/replay` with `body`: its status and JSON.
async fn replay(server: &Running, body: Value) -> (u16, Value) {
    let answer = post(&server.admin_url("/api/replay"), &body.to_string(), None).await;
    (answer.status, answer.json())
}

/// Fails the commit of payment `PAY`'s state while set: the business step fails, and the
/// notification goes failing, then dead.
#[derive(Debug, Default)]
struct BrokenState(AtomicBool);

impl FaultInjector for BrokenState {
    fn fault(&self, point: FaultPoint, subject: &str) -> Option<Fault> {
        (point == FaultPoint::PaymentCommit && subject == PAY && self.0.load(Ordering::SeqCst))
            .then_some(Fault::Error)
    }
}

/// Effects that record each action performed, and fail those whose key contains `broken`.
#[derive(Clone, Default)]
struct Switch {
    broken: Arc<Mutex<Option<String>>>,
    done: Arc<Mutex<Vec<String>>>,
    tries: Arc<Mutex<Vec<String>>>,
    /// When set, each action records how many notifications were leased as it ran.
    probe: Arc<Mutex<Option<Store>>>,
    leased: Arc<Mutex<Vec<(String, i64)>>>,
}

impl Switch {
    fn break_for(&self, key: Option<&str>) {
        *self.broken.lock().unwrap() = key.map(str::to_owned);
    }

    fn done(&self) -> Vec<String> {
        self.done.lock().unwrap().clone()
    }

    fn tries(&self) -> usize {
        self.tries.lock().unwrap().len()
    }

    fn forget(&self) {
        self.done.lock().unwrap().clear();
        self.tries.lock().unwrap().clear();
    }
}

impl Effects for Switch {
    async fn perform(&self, key: &str, _: &Action) -> Result<(), EffectError> {
        self.tries.lock().unwrap().push(key.to_owned());
        let probe = self.probe.lock().unwrap().clone();
        if let Some(store) = probe {
            let leased: i64 = sqlx::query_scalar(
                "SELECT COUNT(*) FROM notifications \
                 WHERE processed_at IS NULL AND lease_until IS NOT NULL",
            )
            .fetch_one(store.pool())
            .await?;
            self.leased.lock().unwrap().push((key.to_owned(), leased));
        }
        let broken = self.broken.lock().unwrap().clone();
        if broken.is_some_and(|broken| key.contains(&broken)) {
            return Err("order system unavailable".into());
        }
        self.done.lock().unwrap().push(key.to_owned());
        Ok(())
    }
}

async fn start(
    db: &TestDb,
    effects: Switch,
    faults: Arc<BrokenState>,
    worker: WorkerConfig,
) -> Running {
    let config = config(db, HmacKeys::new(key()), None);
    let store = Store::connect(&config.database_url)
        .await
        .unwrap()
        .with_faults(faults);
    server::start(&config, store, loopback_listeners().await, effects, worker).unwrap()
}

/// The stored notification with `psp_reference`, as the admin API lists it.
async fn listed(server: &Running, psp_reference: &str) -> Value {
    support::list_all(server, None)
        .await
        .into_iter()
        .find(|n| n["pspReference"] == psp_reference)
        .unwrap_or_else(|| panic!("{psp_reference} is not stored"))
}

/// The saved status of payment `key`, if any.
async fn saved_status(store: &Store, key: &str) -> Option<String> {
    sqlx::query_scalar("SELECT status FROM payments WHERE payment_key = $1")
        .bind(key)
        .fetch_optional(store.pool())
        .await
        .unwrap()
}

/// A payment whose state cannot be saved goes dead; once that is fixed, a replay by its order
/// (dry run: the report, nothing written), then by its pspReference, saves its state, confirms
/// its order once and marks the notification processed; a second replay changes nothing.
async fn a_payment_is_replayed_after_its_fix(db: &TestDb) {
    let faults = Arc::new(BrokenState(AtomicBool::new(true)));
    let effects = Switch::default();
    let worker = WorkerConfig {
        retry_base: Duration::from_millis(50),
        max_attempts: 2,
        ..fast_worker()
    };
    let server = start(db, effects.clone(), faults.clone(), worker).await;
    let store = server.store().clone();
    deliver(&server, authorisation(PAY, "ORDER-RP-1")).await;
    deliver(&server, authorisation(OTHER, "ORDER-RP-2")).await;
    wait_for(&store, Duration::from_secs(10), |s| {
        s.dead == 1 && s.processed == 1
    })
    .await;
    assert_eq!(effects.done(), [format!("confirm-order:{OTHER}")]);
    let id = listed(&server, PAY).await["id"].as_i64().unwrap();

    // Not fixed yet: the replay fails as the worker did, and leaves it dead.
    let (status, still) = replay(&server, json!({ "payment": PAY })).await;
    assert_eq!(status, 200, "{still}");
    assert_eq!(
        (still["failed"].as_u64(), still["changed"].as_bool()),
        (Some(1), Some(false))
    );
    assert!(
        still["changes"][0]["error"]
            .as_str()
            .unwrap()
            .contains("injected fault"),
        "{still}"
    );
    assert_eq!(listed(&server, PAY).await["processing"]["state"], "dead");
    assert_eq!(saved_status(&store, PAY).await, None);

    faults.0.store(false, Ordering::SeqCst);
    let expected = |dry_run: bool| {
        json!({
            "dryRun": dry_run,
            "scope": if dry_run { "payment or order \"ORDER-RP-1\"" } else { "payment or order \"8800000000002001\"" },
            "payments": 1,
            "unkeyed": 0,
            "changes": [{
                "payment": PAY,
                "merchantReference": "ORDER-RP-1",
                "state": { "from": null, "to": "authorised", "fields": ["(no saved state)"] },
                "actions": [{
                    "key": format!("confirm-order:{PAY}"),
                    "action": format!("confirm order \"ORDER-RP-1\" (payment \"{PAY}\" authorised)"),
                }],
                "notifications": [{ "id": id, "from": "dead", "to": "processed" }],
            }],
            "changed": true,
            "failed": 0,
        })
    };
    let (status, dry) = replay(&server, json!({ "payment": "ORDER-RP-1", "dryRun": true })).await;
    assert_eq!((status, &dry), (200, &expected(true)));
    // Nothing written.
    assert_eq!(listed(&server, PAY).await["processing"]["state"], "dead");
    assert_eq!(saved_status(&store, PAY).await, None);
    assert!(!store
        .action_done(&format!("confirm-order:{PAY}"))
        .await
        .unwrap());
    assert_eq!(effects.done().len(), 1);

    let (status, done) = replay(&server, json!({ "payment": PAY })).await;
    assert_eq!((status, &done), (200, &expected(false)));
    assert_eq!(
        saved_status(&store, PAY).await.as_deref(),
        Some("authorised")
    );
    let notification = listed(&server, PAY).await;
    assert_eq!(
        notification["processing"]["state"], "processed",
        "{notification}"
    );
    assert_eq!(
        notification["processing"]["deadAt"],
        Value::Null,
        "{notification}"
    );
    assert_eq!(
        notification["processing"]["lastError"],
        Value::Null,
        "{notification}"
    );
    let stats = store.stats().await.unwrap();
    assert_eq!((stats.processed, stats.dead, stats.failing), (2, 0, 0));
    assert_eq!(
        effects.done(),
        [
            format!("confirm-order:{OTHER}"),
            format!("confirm-order:{PAY}")
        ]
    );
    let recorded: i64 =
        sqlx::query_scalar("SELECT notification_id FROM actions_done WHERE action_key = $1")
            .bind(format!("confirm-order:{PAY}"))
            .fetch_one(store.pool())
            .await
            .unwrap();
    assert_eq!(recorded, id);
    let order = support::get(&server.admin_url("/api/payments/ORDER-RP-1"), None).await;
    assert_eq!(order.json()["status"], "authorised");

    // Twice changes nothing, by either reference, dry or not.
    for body in [
        json!({ "payment": PAY }),
        json!({ "payment": "ORDER-RP-1", "dryRun": true }),
        json!({ "payment": OTHER }),
    ] {
        let (status, again) = replay(&server, body.clone()).await;
        assert_eq!(status, 200, "{again}");
        assert_eq!(again["changes"], json!([]), "{body}: {again}");
        assert_eq!(again["changed"], false, "{body}: {again}");
    }
    assert_eq!(effects.tries(), 2);

    let (status, missing) = replay(&server, json!({ "payment": "ORDER-NONE" })).await;
    assert_eq!(status, 404, "{missing}");
    assert!(
        missing["error"].as_str().unwrap().contains("ORDER-NONE"),
        "{missing}"
    );
    for bad in [
        json!({}),
        json!({ "all": true, "payment": PAY }),
        json!({ "since": "now" }),
    ] {
        let (status, answer) = replay(&server, bad.clone()).await;
        assert_eq!(status, 400, "{bad}: {answer}");
        assert!(answer["error"].is_string(), "{answer}");
    }
    let not_json = post(&server.admin_url("/api/replay"), "all", None).await;
    assert_eq!(not_json.status, 400, "{not_json:?}");
    server.shutdown().await.unwrap();
}

/// Payments processed by an older version that got them wrong (a state and a missing action
/// record, written here as it would have left them), and one whose action keeps failing: a
/// replay since an instant takes only what arrived since, a report included; one payment a
/// worker holds is left to it; `--all` takes the rest; and a second run changes nothing.
async fn since_and_all_replay_what_an_older_version_got_wrong(db: &TestDb) {
    const OLD: &str = "8800000000002101";
    const NEW: &str = "8800000000002102";
    const FAILING: &str = "8800000000002103";
    const REFUND: &str = "8800000000002104";
    const REPORT: &str = "settlement_detail_report_batch_9.csv";
    const OLD_REPORT: &str = "settlement_detail_report_batch_8.csv";
    let effects = Switch::default();
    effects.break_for(Some(FAILING));
    // A failing notification is not retried during the test.
    let worker = WorkerConfig {
        retry_base: Duration::from_secs(600),
        retry_max: Duration::from_secs(600),
        ..fast_worker()
    };
    let server = start(db, effects.clone(), Arc::default(), worker).await;
    let store = server.store().clone();
    deliver(&server, authorisation(OLD, "ORDER-S-1")).await;
    deliver(&server, report(OLD_REPORT)).await;
    wait_for(&store, Duration::from_secs(10), |s| s.processed == 2).await;
    tokio::time::sleep(Duration::from_millis(20)).await;
    let since = time::OffsetDateTime::now_utc()
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap();
    tokio::time::sleep(Duration::from_millis(20)).await;
    deliver(&server, authorisation(NEW, "ORDER-S-2")).await;
    deliver(&server, report(REPORT)).await;
    deliver(&server, authorisation(FAILING, "ORDER-S-3")).await;
    let mut refund = authorisation(REFUND, "ORDER-S-3");
    refund.event_code = "REFUND".into();
    refund.original_reference = FAILING.to_owned();
    deliver(&server, refund).await;
    wait_for(&store, Duration::from_secs(10), |s| {
        s.processed == 4 && s.failing == 2
    })
    .await;

    // What an older version left: a wrong state, and actions it never implied.
    for payment in [OLD, NEW] {
        sqlx::query("UPDATE payments SET status = 'pending', state = '{}' WHERE payment_key = $1")
            .bind(payment)
            .execute(store.pool())
            .await
            .unwrap();
    }
    store
        .pool()
        .execute(
            format!(
                "DELETE FROM actions_done WHERE action_key IN ('confirm-order:{OLD}', \
                 'confirm-order:{NEW}', 'download-report:{REPORT}', \
                 'download-report:{OLD_REPORT}')"
            )
            .as_str(),
        )
        .await
        .unwrap();
    effects.forget();

    // Since: NEW, the report and FAILING (whose action fails again); not OLD.
    let (status, since_report) = replay(&server, json!({ "since": since })).await;
    assert_eq!(status, 200, "{since_report}");
    assert_eq!(
        (
            since_report["payments"].as_u64(),
            since_report["unkeyed"].as_u64()
        ),
        (Some(2), Some(1)),
        "{since_report}"
    );
    let changes = since_report["changes"].as_array().unwrap();
    assert_eq!(changes.len(), 3, "{since_report}");
    assert_eq!(changes[0]["payment"], NEW);
    assert_eq!(changes[0]["state"]["from"], "pending");
    assert_eq!(changes[0]["state"]["to"], "authorised");
    assert_eq!(changes[1]["payment"], FAILING);
    assert_eq!(
        changes[1]["actions"][0]["error"],
        "order system unavailable"
    );
    // The first action to fail stops the payment's replay, as it stops the worker.
    assert_eq!(changes[1]["actions"].as_array().unwrap().len(), 1);
    for notification in changes[1]["notifications"].as_array().unwrap() {
        assert_eq!(notification["from"], "failing", "{since_report}");
        assert_eq!(notification["to"], Value::Null, "{since_report}");
        assert_eq!(notification["note"], "an action failed again");
    }
    assert_eq!(changes[1]["notifications"].as_array().unwrap().len(), 2);
    assert_eq!(effects.tries(), 3);
    assert!(
        changes[2]["notification"].as_i64().is_some(),
        "{since_report}"
    );
    assert_eq!(
        changes[2]["actions"][0]["key"],
        format!("download-report:{REPORT}")
    );
    assert_eq!(since_report["failed"], 1);
    assert_eq!(
        effects.done(),
        [
            format!("confirm-order:{NEW}"),
            format!("download-report:{REPORT}")
        ]
    );
    assert_eq!(saved_status(&store, OLD).await.as_deref(), Some("pending"));
    assert_eq!(
        saved_status(&store, NEW).await.as_deref(),
        Some("authorised")
    );
    let failing = listed(&server, FAILING).await;
    assert_eq!(failing["processing"]["state"], "failing", "{failing}");
    assert!(
        failing["processing"]["lastError"]
            .as_str()
            .unwrap()
            .starts_with("confirm order \"ORDER-S-3\""),
        "{failing}"
    );

    // A worker (of another instance, say) holds FAILING's notification: it is left to it.
    let failing_id = failing["id"].as_i64().unwrap();
    let lease = |until: Option<i64>| {
        sqlx::query("UPDATE notifications SET lease_until = $1 WHERE id = $2")
            .bind(until)
            .bind(failing_id)
    };
    lease(Some(i64::MAX)).execute(store.pool()).await.unwrap();
    effects.break_for(None);
    let tries = effects.tries();
    let (status, held) = replay(&server, json!({ "payment": FAILING })).await;
    assert_eq!(status, 200, "{held}");
    assert_eq!(held["changed"], false, "{held}");
    assert_eq!(
        (held["payments"].as_u64(), held["unkeyed"].as_u64()),
        (Some(1), Some(0))
    );
    assert!(
        held["changes"][0]["notifications"][0]["note"]
            .as_str()
            .unwrap()
            .contains("a worker holds its lease"),
        "{held}"
    );
    assert_eq!(effects.tries(), tries);
    lease(None).execute(store.pool()).await.unwrap();

    // All, dry: OLD, FAILING and the old report, and nothing written.
    let (status, dry) = replay(&server, json!({ "all": true, "dryRun": true })).await;
    assert_eq!(status, 200, "{dry}");
    let subjects: Vec<(&Value, &Value)> = dry["changes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|change| (&change["payment"], &change["actions"][0]["key"]))
        .collect();
    assert_eq!(
        subjects,
        [
            (&json!(OLD), &json!(format!("confirm-order:{OLD}"))),
            (&json!(FAILING), &json!(format!("confirm-order:{FAILING}"))),
            (
                &Value::Null,
                &json!(format!("download-report:{OLD_REPORT}"))
            ),
        ],
        "{dry}"
    );
    assert_eq!(dry["changes"][1]["actions"].as_array().unwrap().len(), 2);
    assert_eq!(dry["changes"][1]["notifications"][1]["to"], "processed");
    assert_eq!(saved_status(&store, OLD).await.as_deref(), Some("pending"));
    assert_eq!(
        listed(&server, FAILING).await["processing"]["state"],
        "failing"
    );
    assert_eq!(effects.tries(), tries);

    *effects.probe.lock().unwrap() = Some(store.clone());
    let (status, all) = replay(&server, json!({ "all": true })).await;
    assert_eq!(status, 200, "{all}");
    assert_eq!(
        (all["changed"].as_bool(), all["failed"].as_u64()),
        (Some(true), Some(0))
    );
    assert_eq!(
        saved_status(&store, OLD).await.as_deref(),
        Some("authorised")
    );
    for psp in [FAILING, REFUND] {
        assert_eq!(
            listed(&server, psp).await["processing"]["state"],
            "processed"
        );
    }
    // FAILING's notifications are leased while its actions run; OLD has none to lease.
    let leased = effects.leased.lock().unwrap().clone();
    assert_eq!(
        leased,
        [
            (format!("confirm-order:{OLD}"), 0),
            (format!("confirm-order:{FAILING}"), 2),
            (format!("record-refund:{FAILING}:{REFUND}"), 2),
            (format!("download-report:{OLD_REPORT}"), 0),
        ]
    );
    let mut done = effects.done();
    done.sort();
    assert_eq!(
        done,
        [
            format!("confirm-order:{OLD}"),
            format!("confirm-order:{NEW}"),
            format!("confirm-order:{FAILING}"),
            format!("download-report:{OLD_REPORT}"),
            format!("download-report:{REPORT}"),
            format!("record-refund:{FAILING}:{REFUND}"),
        ]
    );
    let stats = store.stats().await.unwrap();
    assert_eq!((stats.processed, stats.failing), (6, 0));

    for body in [
        json!({ "all": true }),
        json!({ "since": since }),
        json!({ "all": true, "dryRun": true }),
    ] {
        let (status, again) = replay(&server, body.clone()).await;
        assert_eq!(status, 200, "{again}");
        assert_eq!(again["changes"], json!([]), "{body}: {again}");
    }
    assert_eq!(effects.done().len(), 6);
    server.shutdown().await.unwrap();
}

/// The command an operator runs, against the server's binary, with the admin listener's
/// credentials from the same settings: a dry run, the replay, and a second one with nothing to
/// change; a reference nothing is about, or no credentials, exit 2 and say so.
#[test]
fn the_replay_command_asks_the_running_server() {
    let mut server = Launch::new()
        .env("ADMIN_USERNAME", "ops")
        .env("ADMIN_PASSWORD", "s3cret")
        .start();
    let authorization = format!("Basic {}", BASE64.encode("ops:s3cret"));
    let response = process::delivery(&server, false, vec![authorisation(PAY, "ORDER-CMD-1")]);
    assert_eq!(response.status, 200, "{response:?}");
    assert!(
        process::wait_until(Duration::from_secs(10), || {
            let head =
                Head::new("GET", "/api/notifications").header("Authorization", &authorization);
            let listed = process::http(server.admin_addr(), head, b"").json();
            listed["notifications"][0]["processing"]["state"] == "processed"
        }),
        "not processed: {}",
        server.stderr()
    );
    // An older version never confirmed the order.
    let runtime = process::runtime();
    runtime.block_on(async {
        let store = Store::connect(server.database_url()).await.unwrap();
        store
            .pool()
            .execute(
                format!("DELETE FROM actions_done WHERE action_key = 'confirm-order:{PAY}'")
                    .as_str(),
            )
            .await
            .unwrap();
        store.close().await;
    });
    let admin_port = server.admin_addr().port().to_string();
    let command_as = |credentials: &[(&str, &str)], args: &[&str]| {
        let mut launch = Launch::new().env("ADMIN_PORT", &admin_port).arg("replay");
        for (name, value) in credentials {
            launch = launch.env(name, value);
        }
        for arg in args {
            launch = launch.arg(arg);
        }
        let mut run = launch.run_to_exit(Duration::from_secs(30));
        (run.exit_code(), run.stdout(), run.stderr())
    };
    let command = |args: &[&str]| {
        command_as(
            &[("ADMIN_USERNAME", "ops"), ("ADMIN_PASSWORD", "s3cret")],
            args,
        )
    };
    let confirmations = |log: &str| log.matches("business logic: confirm order").count();
    assert_eq!(confirmations(&server.stderr()), 1);

    let (code, stdout, stderr) = command(&["--payment", "ORDER-CMD-1", "--dry-run"]);
    assert_eq!(code, Some(0), "{stdout}{stderr}");
    assert!(
        stdout.contains(&format!(
            "  would perform confirm-order:{PAY}: confirm order \"ORDER-CMD-1\""
        )),
        "{stdout}"
    );
    assert!(
        stdout.ends_with("run again without --dry-run to apply\n"),
        "{stdout}"
    );
    assert_eq!(confirmations(&server.stderr()), 1);

    let (code, stdout, stderr) = command(&["--payment", PAY]);
    assert_eq!(code, Some(0), "{stdout}{stderr}");
    assert!(
        stdout.contains(&format!("  performed confirm-order:{PAY}")),
        "{stdout}"
    );
    assert!(
        process::wait_until(Duration::from_secs(5), || confirmations(&server.stderr())
            == 2),
        "{}",
        server.stderr()
    );

    for args in [
        &["--payment", PAY][..],
        &["--all"][..],
        &["--since", "2000-01-01T00:00:00Z", "--dry-run"][..],
    ] {
        let (code, stdout, stderr) = command(args);
        assert_eq!(code, Some(0), "{args:?}: {stdout}{stderr}");
        assert!(
            stdout.ends_with("nothing to change\n"),
            "{args:?}: {stdout}"
        );
    }
    assert_eq!(confirmations(&server.stderr()), 2);

    let (code, _, stderr) = command(&["--payment", "ORDER-NONE"]);
    assert_eq!(code, Some(2));
    assert!(
        stderr.contains("no stored notification is about payment or order \"ORDER-NONE\""),
        "{stderr}"
    );
    let (code, _, stderr) = command_as(&[], &["--all"]);
    assert_eq!(code, Some(2));
    assert!(
        stderr.contains("wants ADMIN_USERNAME and ADMIN_PASSWORD"),
        "{stderr}"
    );
    let (code, _, stderr) = command_as(&[("ADMIN_USERNAME", "ops")], &["--all"]);
    assert_eq!(code, Some(2));
    assert!(stderr.contains("set both or neither"), "{stderr}");
    let (code, _, stderr) = command(&["--since", "yesterday"]);
    assert_eq!(code, Some(2));
    assert!(stderr.contains("not an RFC 3339 timestamp"), "{stderr}");
    assert!(server.is_alive());
}
