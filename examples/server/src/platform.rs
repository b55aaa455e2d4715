//! Header-signed webhooks (Balance Platform, Management API, tokens...): what identifies an
//! event, so that a redelivery is recognised, and whether an event is meant for this server.
//!
//! They arrive on their own route, verified by `VerifyWebhookLayer::hmac_header` (the
//! `HmacSignature` header over the exact body), and are stored, then acknowledged, like standard
//! notifications. No business logic reads them: they are kept for a merchant's own code, and
//! listed on the admin listener. The `type`/`data` events of the standard route (the direct-debit
//! notice of change, `ach.notificationOfChange`...) take the same path, signed in the same header
//! or, with `ADYEN_ACCEPT_UNSIGNED_EVENTS`, unsigned: they carry no event identifier, so the hash
//! of their bytes is their key.
//!
//! # The deduplication key
//!
//! Adyen delivers at least once, so the same event can arrive several times; a redelivery is
//! the same bytes, signed again. Many families carry the *object's* id in `data.id` (a transfer,
//! an account holder, a balance account, a dispute...) and send an event for every change to
//! that object: an object id alone as the key would keep the first event and drop every later
//! update as a "duplicate". So the key is the event's own identifier where the family has one,
//! and a SHA-256 of the exact bytes everywhere else:
//!
//! | family | key | why |
//! | --- | --- | --- |
//! | `balancePlatform.transfer.created`, `.updated` (transfer and accounting webhooks) | `environment`, `type`, `data.id`, `data.sequenceNumber` | the spec: the sequence number "starts from 1 and increases with each new webhook for a specific transfer" |
//! | `recurring.token.*` (tokenization) | `environment`, `type`, `eventId`, `data.storedPaymentMethodId` | `eventId` is the PSP reference of the event that triggered the webhook |
//! | everything else | `sha256:` and the SHA-256 of the body, in hex | their `data.id` names the object (account holder, balance account, payment instrument, sweep, dispute, grant, report, merchant...), and they carry no event identifier; a `timestamp`, where there is one, says when the event was queued, which is no identifier either |
//!
//! The environment is part of the key because identifiers are Adyen's per environment.
//! A transfer or token webhook without its identifier (a missing or non-integer
//! `sequenceNumber`, an empty id), or with identifiers longer than [`MAX_NATURAL_KEY`], falls
//! back to the hash. The hash errs on the safe side: should Adyen ever send an event again
//! with other bytes, it is stored twice, never lost.

use serde_json::Value;
use sha2::{Digest, Sha256};

use crate::config::Guards;

/// The longest key built from an event's identifiers; past that the hash is used, so that a
/// unique index (PostgreSQL's holds a few KiB per entry) never refuses a genuine event.
pub const MAX_NATURAL_KEY: usize = 256;

/// The deduplication key of a verified header-signed webhook: its `json`, and the exact `body`
/// it was parsed from. See the [module docs](self).
pub fn dedupe_key(json: &Value, body: &[u8]) -> String {
    natural_key(json)
        .filter(|key| key.len() <= MAX_NATURAL_KEY)
        .unwrap_or_else(|| body_hash(body))
}

/// The key from the event's own identifiers, for the families that have them. A JSON array, so
/// that no value can run into the next one (and a NUL is escaped), and no key built this way
/// can equal a `sha256:` one.
fn natural_key(json: &Value) -> Option<String> {
    let event_type = json.get("type")?.as_str()?;
    let environment = json
        .get("environment")
        .and_then(Value::as_str)
        .unwrap_or("");
    let key = match event_type {
        "balancePlatform.transfer.created" | "balancePlatform.transfer.updated" => {
            let data = json.get("data")?;
            let id = non_empty(data.get("id"))?;
            // An integer in the spec: anything else is not the field it documents.
            let sequence = data.get("sequenceNumber")?.as_u64()?;
            serde_json::json!([environment, event_type, id, sequence])
        }
        _ if event_type.starts_with("recurring.token.") => {
            let event_id = non_empty(json.get("eventId"))?;
            let token = json
                .get("data")
                .and_then(|data| data.get("storedPaymentMethodId"))
                .and_then(Value::as_str)
                .unwrap_or("");
            serde_json::json!([environment, event_type, event_id, token])
        }
        _ => return None,
    };
    Some(key.to_string())
}

fn non_empty(value: Option<&Value>) -> Option<&str> {
    value?.as_str().filter(|text| !text.is_empty())
}

/// `sha256:` and the hex SHA-256 of `body`.
pub fn body_hash(body: &[u8]) -> String {
    let digest = Sha256::digest(body);
    let mut key = String::with_capacity(7 + 64);
    key.push_str("sha256:");
    for byte in digest {
        key.push_str(&format!("{byte:02x}"));
    }
    key
}

/// Why a verified header-signed webhook is not meant for this server, if it is not: its
/// `environment` is not `ADYEN_ENVIRONMENT` (or it names none, as Management's
/// `terminalAssignment.completed` does, and then it cannot be told apart from the other
/// environment's). Such an event is stored and acknowledged, so that Adyen stops sending it,
/// and marked ignored.
pub fn ignore_reason(guards: &Guards, json: &Value) -> Option<String> {
    let configured = guards.environment.as_str();
    match json.get("environment").and_then(Value::as_str) {
        Some(environment) if environment.eq_ignore_ascii_case(configured) => None,
        Some(environment) => Some(format!(
            "it is from the {} environment, and this server is configured for {configured}",
            quoted(environment)
        )),
        None => Some(format!(
            "it names no environment, and this server is configured for {configured}"
        )),
    }
}

/// `test` or `live` as they are; anything else quoted, escaped and cut short, since it goes
/// into a stored reason and a log line.
fn quoted(environment: &str) -> String {
    if environment.eq_ignore_ascii_case("test") || environment.eq_ignore_ascii_case("live") {
        return environment.to_ascii_lowercase();
    }
    let cut: String = environment.chars().take(32).collect();
    format!("{cut:?}")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Environment;

    fn key(body: &str) -> String {
        let json: Value = serde_json::from_str(body).unwrap();
        dedupe_key(&json, body.as_bytes())
    }

    fn transfer(event_type: &str, id: &str, sequence: &str) -> String {
        format!(
            r#"{{"data":{{"id":"{id}","sequenceNumber":{sequence},"status":"booked"}},"environment":"test","type":"{event_type}"}}"#
        )
    }

    #[test]
    fn transfer_events_are_told_apart_by_their_sequence_number() {
        let created = transfer("balancePlatform.transfer.created", "TRF1", "1");
        let update = transfer("balancePlatform.transfer.updated", "TRF1", "2");
        let next = transfer("balancePlatform.transfer.updated", "TRF1", "3");
        assert_eq!(
            key(&created),
            r#"["test","balancePlatform.transfer.created","TRF1",1]"#
        );
        assert_ne!(key(&update), key(&next), "two updates of one transfer");
        let live = update.replace("\"test\"", "\"live\"");
        assert_ne!(
            key(&update),
            key(&live),
            "the same ids in the other environment"
        );
        // The same event with other bytes (spacing, order of fields) is the same event.
        let respaced = r#"{"type": "balancePlatform.transfer.updated", "environment": "test",
            "data": {"status": "booked", "sequenceNumber": 2, "id": "TRF1"}}"#;
        assert_eq!(key(respaced), key(&update));
    }

    #[test]
    fn transfer_events_without_their_identifier_fall_back_to_the_hash() {
        for body in [
            transfer("balancePlatform.transfer.updated", "TRF1", "\"2\""),
            transfer("balancePlatform.transfer.updated", "TRF1", "-1"),
            transfer("balancePlatform.transfer.updated", "", "2"),
            r#"{"data":{"id":"TRF1"},"type":"balancePlatform.transfer.updated"}"#.to_owned(),
            transfer(
                "balancePlatform.transfer.updated",
                &"T".repeat(MAX_NATURAL_KEY),
                "2",
            ),
        ] {
            assert_eq!(key(&body), body_hash(body.as_bytes()), "{body}");
        }
    }

    #[test]
    fn token_events_are_keyed_by_their_event_id() {
        let body = |event_type: &str, event_id: &str| {
            format!(
                r#"{{"createdAt":"2024-05-01T12:00:00+02:00","data":{{"merchantAccount":"Shop","shopperReference":"S1","storedPaymentMethodId":"M1","type":"visa"}},"environment":"test","eventId":"{event_id}","type":"{event_type}","version":"1"}}"#
            )
        };
        let created = body("recurring.token.created", "PSP1");
        assert_eq!(
            key(&created),
            r#"["test","recurring.token.created","PSP1","M1"]"#
        );
        assert_ne!(key(&created), key(&body("recurring.token.updated", "PSP1")));
        assert_ne!(key(&created), key(&body("recurring.token.created", "PSP2")));
        let no_event_id = body("recurring.token.created", "");
        assert_eq!(key(&no_event_id), body_hash(no_event_id.as_bytes()));
    }

    #[test]
    fn other_families_are_keyed_by_the_hash_of_their_bytes_never_by_the_object_id() {
        let holder = |status: &str| {
            format!(
                r#"{{"data":{{"accountHolder":{{"id":"AH1","status":"{status}"}},"balancePlatform":"BP"}},"environment":"test","type":"balancePlatform.accountHolder.updated"}}"#
            )
        };
        let active = holder("active");
        let suspended = holder("suspended");
        assert!(key(&active).starts_with("sha256:"), "{}", key(&active));
        assert_eq!(key(&active).len(), 7 + 64);
        assert_ne!(key(&active), key(&suspended), "two updates of one holder");
        assert_eq!(key(&active), key(&active.clone()), "a redelivery");
        // Not even a body that is not an object has a problem.
        assert_eq!(key("[1,2]"), body_hash(b"[1,2]"));
        assert_eq!(
            body_hash(b""),
            "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
    }

    #[test]
    fn an_event_from_another_environment_is_ignored() {
        let guards = Guards::default();
        let json = |text: &str| serde_json::from_str::<Value>(text).unwrap();
        assert_eq!(
            ignore_reason(&guards, &json(r#"{"environment":"test"}"#)),
            None
        );
        assert_eq!(
            ignore_reason(&guards, &json(r#"{"environment":"live"}"#)).unwrap(),
            "it is from the live environment, and this server is configured for test"
        );
        assert!(ignore_reason(&guards, &json(r#"{"type":"x"}"#))
            .unwrap()
            .contains("names no environment"));
        let odd = ignore_reason(&guards, &json(r#"{"environment":"te\nst"}"#)).unwrap();
        assert!(odd.contains(r#""te\nst""#) && !odd.contains('\n'), "{odd}");
        let live = Guards {
            environment: Environment::Live,
            ..Guards::default()
        };
        assert_eq!(
            ignore_reason(&live, &json(r#"{"environment":"LIVE"}"#)),
            None
        );
    }
}
