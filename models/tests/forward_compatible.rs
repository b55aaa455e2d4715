//! What Adyen may add (fields, enum values, `oneOf` shapes, event types) never fails a parse.

use proptest::prelude::*;
use serde_json::{json, Value};
use tower_adyen_webhook_models::configuration::{
    AccountHolderNotificationRequestType, AccountHolderStatus,
};
use tower_adyen_webhook_models::transfer::TransferDataCategoryData;
use tower_adyen_webhook_models::{AdyenEvent, EVENT_TYPES};

fn account_holder(status: &str) -> Value {
    json!({
        "data": {
            "balancePlatform": "YOUR_BALANCE_PLATFORM",
            "accountHolder": {"id": "AH00000000000000000001", "status": status}
        },
        "environment": "test",
        "type": "balancePlatform.accountHolder.created"
    })
}

#[test]
fn a_typed_body_reads_into_its_model() {
    let AdyenEvent::BalancePlatformAccountHolderCreated(event) =
        AdyenEvent::from_value(account_holder("active"))
    else {
        panic!("not typed");
    };
    let holder = event.data.account_holder.as_ref().unwrap();
    assert_eq!(holder.status, Some(AccountHolderStatus::Active));
    assert_eq!(event.environment.as_deref(), Some("test"));
    assert_eq!(
        event.type_,
        Some(AccountHolderNotificationRequestType::BalancePlatformAccountHolderCreated)
    );
}

#[test]
fn unknown_fields_are_ignored_at_every_depth() {
    let mut body = account_holder("active");
    body["newEnvelopeField"] = json!({"a": [1, 2]});
    body["data"]["newDataField"] = json!(12.5);
    body["data"]["accountHolder"]["newHolderField"] = json!(null);
    let event = AdyenEvent::from_value(body);
    assert!(event.is_typed(), "{event:?}");
    // Written back without them.
    let back = serde_json::to_value(&event).unwrap();
    assert_eq!(back, account_holder("active"));
}

#[test]
fn an_unknown_enum_value_is_kept_as_other() {
    let event = AdyenEvent::from_value(account_holder("hibernating"));
    let AdyenEvent::BalancePlatformAccountHolderCreated(event) = &event else {
        panic!("not typed: {event:?}");
    };
    let status = event.data.account_holder.as_ref().unwrap().status.clone();
    assert_eq!(
        status,
        Some(AccountHolderStatus::Other("hibernating".into()))
    );
    assert_eq!(status.unwrap().as_str(), "hibernating");
    assert_eq!(
        serde_json::to_value(event).unwrap(),
        account_holder("hibernating")
    );
}

#[test]
fn an_unknown_one_of_shape_is_kept_as_other() {
    let body = json!({
        "data": {"id": "1", "categoryData": {"type": "crypto", "chain": "none"}},
        "environment": "test",
        "type": "balancePlatform.transfer.updated"
    });
    let event = AdyenEvent::from_value(body.clone());
    assert!(event.is_typed(), "{event:?}");
    let json = serde_json::to_value(&event).unwrap();
    assert_eq!(json, body);
    let AdyenEvent::BalancePlatformTransferUpdated(
        tower_adyen_webhook_models::BalancePlatformTransferEvent::Transfer(event),
    ) = event
    else {
        panic!("not the transfer family: {event:?}");
    };
    assert!(matches!(
        event.data.category_data,
        Some(TransferDataCategoryData::Other(_))
    ));
}

#[test]
fn an_unknown_type_falls_back_with_the_raw_json() {
    let body = json!({"type": "balancePlatform.teleport.created", "data": {"x": 1}});
    let event = AdyenEvent::from_value(body.clone());
    assert!(!event.is_typed());
    assert_eq!(event.event_type(), "balancePlatform.teleport.created");
    assert_eq!(event, AdyenEvent::Unknown { raw: body.clone() });
    assert_eq!(serde_json::to_value(&event).unwrap(), body);
    // No type at all, or not a string.
    for body in [json!({"data": {}}), json!({"type": 12})] {
        let event = AdyenEvent::from_value(body.clone());
        assert_eq!(event.event_type(), "");
        assert_eq!(event, AdyenEvent::Unknown { raw: body });
    }
}

#[test]
fn a_known_type_that_does_not_fit_falls_back_with_the_reason() {
    // `data` is required in the envelope, and a string where an object belongs never fits.
    for body in [
        json!({"type": "balancePlatform.accountHolder.created", "environment": "test"}),
        json!({"type": "balancePlatform.accountHolder.created", "data": {"accountHolder": "AH1"}}),
    ] {
        let event = AdyenEvent::from_value(body.clone());
        let AdyenEvent::Untyped {
            event_type,
            raw,
            error,
        } = &event
        else {
            panic!("typed: {event:?}");
        };
        assert_eq!(event_type, "balancePlatform.accountHolder.created");
        assert_eq!(raw, &body);
        assert!(!error.is_empty());
        assert_eq!(event.event_type(), "balancePlatform.accountHolder.created");
        assert_eq!(serde_json::to_value(&event).unwrap(), body);
    }
}

#[test]
fn from_slice_fails_only_on_what_is_not_a_json_object() {
    for body in [
        &b"not json"[..],
        b"[1, 2]",
        b"\"[accepted]\"",
        b"null",
        b"{",
    ] {
        assert!(AdyenEvent::from_slice(body).is_err(), "{body:?}");
    }
    assert!(!AdyenEvent::from_slice(b"{}").unwrap().is_typed());
    // serde's Deserialize takes any value the same way.
    let event: AdyenEvent = serde_json::from_value(account_holder("active")).unwrap();
    assert!(event.is_typed());
}

#[test]
fn lenient_where_adyen_examples_are() {
    // Booleans and integers as text, a one-item list as the item alone.
    let body = json!({
        "type": "balancePlatform.balanceAccount.balance.updated",
        "environment": "test",
        "data": {"balances": {"available": "499900"}, "settingIds": "BWHS1"}
    });
    let event = AdyenEvent::from_value(body);
    assert!(event.is_typed(), "{event:?}");
    let back = serde_json::to_value(&event).unwrap();
    assert_eq!(back["data"]["balances"]["available"], json!(499900));
    assert_eq!(back["data"]["settingIds"], json!(["BWHS1"]));
}

fn json_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        any::<f64>()
            .prop_filter("finite", |f| f.is_finite())
            .prop_map(Value::from),
        "[a-zA-Z0-9 .:_-]{0,12}".prop_map(Value::from),
        prop_oneof![Just("true"), Just("false"), Just("active"), Just("iban")]
            .prop_map(Value::from),
    ];
    leaf.prop_recursive(4, 48, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::from),
            prop::collection::btree_map(field_name(), inner, 0..6)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

/// Names the models know (so that random values land in typed fields), and others.
fn field_name() -> impl Strategy<Value = String> {
    prop_oneof![
        prop::sample::select(vec![
            "data",
            "id",
            "type",
            "status",
            "amount",
            "value",
            "currency",
            "accountHolder",
            "balanceAccount",
            "categoryData",
            "tracking",
            "events",
            "balances",
            "capabilities",
            "metadata",
            "allowed",
            "settingIds",
            "counterparty",
            "accountIdentification",
        ])
        .prop_map(str::to_owned),
        "[a-zA-Z]{1,8}",
    ]
}

fn event_type() -> impl Strategy<Value = String> {
    prop_oneof![
        3 => prop::sample::select(EVENT_TYPES.to_vec()).prop_map(str::to_owned),
        1 => "[a-zA-Z.]{0,30}",
    ]
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: 2000,
        failure_persistence: None,
        ..ProptestConfig::default()
    })]

    /// Any JSON object with any `type` gives an event, never a panic: typed for a known type
    /// whose body fits, `Untyped` for a known type that does not, `Unknown` otherwise. And
    /// writing it back and reading that again gives the same event.
    #[test]
    fn any_object_gives_an_event(ty in event_type(), data in json_value(), extra in json_value()) {
        let mut body = json!({"type": ty, "data": data, "environment": "test"});
        if let Value::Object(extra) = extra {
            for (k, v) in extra {
                if k != "type" {
                    body[k] = v;
                }
            }
        }
        let text = serde_json::to_vec(&body).unwrap();
        let event = AdyenEvent::from_slice(&text).unwrap();
        // As serde_json reads it back (its float parsing is not exact by default).
        let body: Value = serde_json::from_slice(&text).unwrap();
        prop_assert_eq!(event.event_type(), ty.as_str());
        let known = EVENT_TYPES.contains(&ty.as_str());
        match &event {
            AdyenEvent::Unknown { raw } => {
                prop_assert!(!known);
                prop_assert_eq!(raw, &body);
            }
            AdyenEvent::Untyped { raw, .. } => {
                prop_assert!(known);
                prop_assert_eq!(raw, &body);
            }
            _ => prop_assert!(known),
        }
        let back = serde_json::to_value(&event).unwrap();
        let again = AdyenEvent::from_value(back.clone());
        prop_assert_eq!(again.is_typed(), event.is_typed());
        prop_assert_eq!(serde_json::to_value(&again).unwrap(), back);
    }
}
