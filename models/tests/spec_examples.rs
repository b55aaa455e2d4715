//! Every example body of Adyen's specs, from every revision of every family's spec file
//! (`tests/data/adyen/spec-header-signed.jsonl` at the repository root, and the `type`/`data`
//! rows of `tests/data/adyen/standard.jsonl`), read into its typed variant and written back.

use serde_json::Value;
use tower_adyen_webhook_models::{AdyenEvent, EVENT_TYPES};

/// The rows of a file of `tests/data/adyen/` at the repository root.
fn rows(file: &str) -> Vec<Value> {
    let path = format!("{}/../tests/data/adyen/{file}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("{path}: {e}"))
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

fn examples() -> Vec<Value> {
    rows("spec-header-signed.jsonl")
}

/// Whether `back` (the typed event written back) says the same as `input` (the example), and
/// the paths of the example's fields it left out.
///
/// What writing back may change, and nothing else:
/// - a field the current model does not know is left out (reported in `dropped`);
/// - a `null` member is left out (an absent `Option`);
/// - a boolean or integer sent as text (`"false"`, `"12"`) is written as a boolean or integer,
///   and a single item where the spec says list as a one-item list;
/// - numbers are compared by value (`10` and `10.0` are the same).
fn same(back: &Value, input: &Value, path: &str, dropped: &mut Vec<String>) -> bool {
    match (back, input) {
        (Value::Object(b), Value::Object(i)) => {
            for (k, v) in i {
                if !b.contains_key(k) && !v.is_null() {
                    dropped.push(format!("{path}.{k}"));
                }
            }
            b.iter().all(|(k, v)| {
                i.get(k)
                    .is_some_and(|iv| same(v, iv, &format!("{path}.{k}"), dropped))
            })
        }
        (Value::Array(b), Value::Array(i)) => {
            b.len() == i.len()
                && b.iter()
                    .zip(i)
                    .enumerate()
                    .all(|(n, (b, i))| same(b, i, &format!("{path}[{n}]"), dropped))
        }
        (Value::Array(b), one) if b.len() == 1 => same(&b[0], one, path, dropped),
        (Value::Bool(b), Value::String(s)) => s == if *b { "true" } else { "false" },
        (Value::Number(n), Value::String(s)) => n.as_i64().is_some_and(|n| s == &n.to_string()),
        (Value::Number(b), Value::Number(i)) => b.as_f64() == i.as_f64(),
        _ => back == input,
    }
}

#[test]
fn every_example_of_a_current_type_parses_typed_and_round_trips() {
    let examples = examples();
    let (mut typed, mut untagged, mut gone, mut dropped_report) = (0, 0, Vec::new(), Vec::new());
    let mut failures = Vec::new();
    for line in &examples {
        let name = line["name"].as_str().unwrap();
        let path = line["path"].as_str().unwrap();
        let body = line["body"].as_str().unwrap();
        let json: Value = serde_json::from_str(body).unwrap();
        let mut event = AdyenEvent::from_slice(body.as_bytes()).unwrap();
        let mut ty = json.get("type").and_then(Value::as_str).unwrap_or_default();
        if ty.is_empty() {
            // A body without `type` (relayed authorisation and authentication): read as the
            // webhook the spec lists it under.
            assert!(matches!(event, AdyenEvent::Unknown { .. }), "{name}");
            ty = line["type"].as_str().unwrap();
            event = AdyenEvent::from_value_as(json.clone(), ty);
            untagged += 1;
        }
        if !EVENT_TYPES.contains(&ty) {
            // Examples from revisions whose event type is gone (or that have none).
            assert!(matches!(event, AdyenEvent::Unknown { .. }), "{name}");
            gone.push(format!("{path} {name}: {ty:?}"));
            continue;
        }
        if !event.is_typed() {
            failures.push(format!("{path} {name}: untyped: {event:?}"));
            continue;
        }
        assert_eq!(event.event_type(), ty);
        let back = serde_json::to_value(&event).unwrap();
        let mut dropped = Vec::new();
        if !same(&back, &json, "", &mut dropped) {
            failures.push(format!(
                "{path} {name}: written back differently:\n  in:  {json}\n  out: {back}"
            ));
            continue;
        }
        if !dropped.is_empty() {
            dropped_report.push(format!("{path} {name}: {}", dropped.join(", ")));
        }
        typed += 1;
    }
    eprintln!(
        "{} examples: {typed} typed ({untagged} without `type`, read with from_value_as), {} not, \
         as their type is not in the current specs:",
        examples.len(),
        gone.len()
    );
    for g in &gone {
        eprintln!("  {g}");
    }
    eprintln!(
        "{} typed examples have fields the current models do not know:",
        dropped_report.len()
    );
    for d in &dropped_report {
        eprintln!("  {d}");
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    // Known, and all from the specs rather than the models: the accounting examples carry
    // `balancePlatform` and `creationDate`, which its schema lacks; the other three are fields
    // of older revisions, or (accounting v1) a transfer-shaped example labelled
    // `balancePlatform.incomingTransfer.updated`, read with the payment family's model.
    let expected = [
        "json/BalancePlatformAccountingNotification-v1.json post-balancePlatform.transfer.created-balancePlatform-transfer-created: .data.balancePlatform, .data.creationDate",
        "json/BalancePlatformAccountingNotification-v1.json post-balancePlatform.transfer.updated-balancePlatform-transfer-updated: .data.balanceAccountId, .data.balances, .data.category, .data.direction, .data.events, .data.modificationMerchantReference, .data.modificationPspReference, .data.paymentMerchantReference, .data.pspPaymentReference, .data.reason, .data.sequenceNumber, .data.type",
        "json/BalancePlatformAccountingNotification-v3.json post-balancePlatform.transfer.created-balancePlatform-transfer-created: .data.balancePlatform, .data.creationDate",
        "json/BalancePlatformAccountingNotification-v3.json post-balancePlatform.transfer.updated-balancePlatform-transfer-updated: .data.balancePlatform, .data.creationDate",
        "json/BalancePlatformAcsNotification-v1.json post-balancePlatform.authentication.created-balancePlatform-authentication-created-rejected: .data.creationDate",
        "json/ManagementNotificationService-v1.json post-paymentMethod.created-paymentMethod.created: .data.result",
    ];
    assert_eq!(dropped_report, expected);
    assert_eq!(
        gone.len(),
        2,
        "renamed since: paymentMethod.request* is paymentMethodRequest.*"
    );
    assert_eq!(typed + gone.len(), examples.len());
}

/// The standard webhooks' `type`/`data` examples, from every revision of `Webhooks-v1.json`:
/// `DIRECT_DEBIT_NOTICE_OF_CHANGE_NOTIFICATION`, its earlier name `DIRECT_DEBIT_NOTICE_OF_CHANGE`
/// and the deprecated `ACH_NOTIFICATION_OF_CHANGE`, all read with the `standard` family's model
/// (which reads `ach.notificationOfChange` whichever webhook sends it), with no field left out.
#[test]
fn every_typed_example_of_the_standard_webhooks_parses_typed_and_round_trips() {
    let examples: Vec<Value> = rows("standard.jsonl")
        .into_iter()
        .filter(|line| line["shape"] == "typed")
        .collect();
    let mut failures = Vec::new();
    let mut webhooks = std::collections::BTreeSet::new();
    for line in &examples {
        let name = line["name"].as_str().unwrap();
        let body = line["body"].as_str().unwrap();
        let json: Value = serde_json::from_str(body).unwrap();
        let event = AdyenEvent::from_slice(body.as_bytes()).unwrap();
        let notice = match &event {
            AdyenEvent::AchNotificationOfChange(event)
            | AdyenEvent::EftNotificationOfChange(event) => event,
            other => {
                failures.push(format!("{name}: not a notice of change: {other:?}"));
                continue;
            }
        };
        assert_eq!(event.event_type(), json["type"].as_str().unwrap(), "{name}");
        let change = notice
            .data
            .as_ref()
            .and_then(|d| d.notification_of_change.as_ref());
        assert!(
            change.is_some_and(|c| c.new_bank_account_number.is_some()),
            "{name}"
        );
        let back = serde_json::to_value(&event).unwrap();
        let mut dropped = Vec::new();
        if !same(&back, &json, "", &mut dropped) || !dropped.is_empty() {
            failures.push(format!(
                "{name}: written back differently (left out: {dropped:?}):\n  in:  {json}\n  out: {back}"
            ));
        }
        let pointer = line["pointer"].as_str().unwrap();
        webhooks.insert(pointer.split('-').nth(1).unwrap().to_owned());
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    assert_eq!(examples.len(), 7);
    assert_eq!(
        webhooks.into_iter().collect::<Vec<_>>(),
        [
            "ACH_NOTIFICATION_OF_CHANGE",
            "DIRECT_DEBIT_NOTICE_OF_CHANGE",
            "DIRECT_DEBIT_NOTICE_OF_CHANGE_NOTIFICATION"
        ]
    );
}
