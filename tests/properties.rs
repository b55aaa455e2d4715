//! Properties of signing and verification, checked on generated notifications: any text
//! (colons, backslashes, quotes, control characters, non-ASCII), empty and missing fields, any
//! `i64` amount, codes nobody has heard of.
//!
//! - Signing then verifying succeeds: on the item, after a JSON round trip, and through the layer.
//! - Changing one signed field, the key, or one character of the signature fails; changing an
//!   unsigned field does not.
//! - Any JSON formatting of the same body (compact, pretty, `\uXXXX` and `\/` escapes, any key
//!   order) gives the same items and the same verdicts.
//! - Any split of the body into frames gives the same response through the layer.

mod common;

use common::{read, Frames, Recorder};
use http::{Request, StatusCode};
use proptest::prelude::*;
use proptest::sample::Index;
use serde_json::{Map, Value};
use tower::ServiceExt;
use tower_adyen_webhook::{
    Amount, EventCode, HmacKey, HmacKeys, NotificationRequest, NotificationRequestItem,
    VerifyError, VerifyWebhookLayer,
};
use tower_layer::Layer;

const KEY: &str = "00727DB817A85C8503AD29EAD1523DB869AF0E536893BB3046C92DE7CB045CB1";

fn key() -> HmacKey {
    KEY.parse().unwrap()
}

// --- Strategies -----------------------------------------------------------------------------------

/// Any character, with the ones that broke other libraries' signing strings made likely.
fn character() -> impl Strategy<Value = char> {
    prop_oneof![
        4 => any::<char>(),
        2 => prop::sample::select(vec![
            ':', '\\', '"', '/', '\0', '\n', '\r', '\t', '\u{7f}', ' ', 'é', '€', '😀', '\u{2028}',
            '\u{feff}',
        ]),
        2 => prop::char::range('!', '~'),
    ]
}

fn text() -> impl Strategy<Value = String> {
    prop::collection::vec(character(), 0..12).prop_map(String::from_iter)
}

fn event_code() -> impl Strategy<Value = EventCode> {
    prop_oneof![
        prop::sample::select(vec![
            "AUTHORISATION",
            "CAPTURE",
            "REFUND",
            "CANCEL_OR_REFUND",
            "CHARGEBACK",
            "REPORT_AVAILABLE",
        ])
        .prop_map(EventCode::from),
        text().prop_map(EventCode::from),
    ]
}

fn amount() -> impl Strategy<Value = Option<Amount>> {
    prop::option::weighted(
        0.8,
        (
            prop_oneof![
                any::<i64>(),
                Just(0),
                Just(i64::MIN),
                Just(i64::MAX),
                -1000i64..1000
            ],
            text(),
        )
            .prop_map(|(value, currency)| Amount::new(value, currency)),
    )
}

prop_compose! {
    fn unsigned_item()(
        psp in text(), original in text(), merchant in text(), reference in text(),
        amount in amount(), code in event_code(), success in any::<bool>(),
        date in text(), reason in text(), method in text(),
        operations in prop::collection::vec(text(), 0..3),
        extra in prop::collection::btree_map(text(), text(), 0..3),
    ) -> NotificationRequestItem {
        let mut item = NotificationRequestItem::new(psp, code);
        item.original_reference = original.into();
        item.merchant_account_code = merchant.into();
        item.merchant_reference = reference.into();
        item.amount = amount;
        item.success = success;
        item.event_date = date.into();
        item.reason = reason.into();
        item.payment_method = method.into();
        item.operations = operations.into_iter().map(Into::into).collect();
        for (k, v) in extra {
            item.additional_data.insert(k, v);
        }
        item
    }
}

fn signed_item() -> impl Strategy<Value = NotificationRequestItem> {
    unsigned_item().prop_map(|mut item| {
        key().sign_item_in_place(&mut item);
        item
    })
}

/// Up to four items, each either signed or signed and then tampered with.
fn request() -> impl Strategy<Value = (NotificationRequest, Vec<bool>)> {
    (
        any::<bool>(),
        prop::collection::vec((signed_item(), any::<bool>(), any::<Index>(), text()), 1..4),
    )
        .prop_map(|(live, items)| {
            let mut valid = Vec::new();
            let items = items
                .into_iter()
                .map(|(mut item, tamper, field, value)| {
                    if tamper {
                        change_signed_field(&mut item, field.index(SIGNED_FIELDS), &value);
                    }
                    valid.push(!tamper);
                    item
                })
                .collect();
            (NotificationRequest { live, items }, valid)
        })
}

const SIGNED_FIELDS: usize = 9;

/// Changes one signed field to something else (`value`, or a variation of the old value when
/// they are equal).
fn change_signed_field(item: &mut NotificationRequestItem, field: usize, value: &str) {
    fn other(old: &str, value: &str) -> String {
        if old == value {
            format!("{old}x")
        } else {
            value.to_owned()
        }
    }
    match field {
        0 => item.psp_reference = other(&item.psp_reference, value).into(),
        1 => item.original_reference = other(&item.original_reference, value).into(),
        2 => item.merchant_account_code = other(&item.merchant_account_code, value).into(),
        3 => item.merchant_reference = other(&item.merchant_reference, value).into(),
        4 => {
            item.amount = match item.amount.take() {
                Some(a) => Some(Amount::new(a.value.wrapping_add(1), a.currency)),
                None => Some(Amount::new(0, "")),
            }
        }
        5 => {
            item.amount = match item.amount.take() {
                Some(a) => Some(Amount::new(a.value, other(&a.currency, value))),
                None => Some(Amount::new(0, value)),
            }
        }
        6 => item.event_code = other(item.event_code.as_str(), value).into(),
        7 => item.success = !item.success,
        _ => {
            // Dropping a present amount changes `value:currency` to `:`.
            item.amount = match item.amount.take() {
                Some(_) => None,
                None => Some(Amount::new(1, "EUR")),
            }
        }
    }
}

fn verdicts(keys: &HmacKeys, request: &NotificationRequest) -> Vec<Result<usize, VerifyError>> {
    request
        .items
        .iter()
        .map(|item| keys.verify_item(item).map(|v| v.key_index))
        .collect()
}

// --- JSON re-formatting ---------------------------------------------------------------------------

/// How to write a JSON value: all of these are the same JSON.
#[derive(Clone, Debug)]
struct Style {
    indent: Option<&'static str>,
    space_after_colon: bool,
    escape_non_ascii: bool,
    escape_everything: bool,
    escape_slash: bool,
    /// Key order: each object's keys are rotated by this much (then optionally reversed).
    rotate: usize,
    reverse: bool,
}

fn style() -> impl Strategy<Value = Style> {
    (
        prop::option::of(prop::sample::select(vec!["  ", "    ", "\t", ""])),
        any::<bool>(),
        any::<bool>(),
        prop::bool::weighted(0.2),
        any::<bool>(),
        0usize..16,
        any::<bool>(),
    )
        .prop_map(
            |(
                indent,
                space_after_colon,
                escape_non_ascii,
                escape_everything,
                escape_slash,
                rotate,
                reverse,
            )| {
                Style {
                    indent,
                    space_after_colon,
                    escape_non_ascii,
                    escape_everything,
                    escape_slash,
                    rotate,
                    reverse,
                }
            },
        )
}

fn render(value: &Value, style: &Style) -> String {
    let mut out = String::new();
    write_value(&mut out, value, style, 0);
    out
}

fn newline(out: &mut String, style: &Style, depth: usize) {
    if let Some(indent) = style.indent {
        out.push('\n');
        for _ in 0..depth {
            out.push_str(indent);
        }
    }
}

fn write_value(out: &mut String, value: &Value, style: &Style, depth: usize) {
    match value {
        Value::Object(map) => write_object(out, map, style, depth),
        Value::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                newline(out, style, depth + 1);
                write_value(out, item, style, depth + 1);
            }
            if !items.is_empty() {
                newline(out, style, depth);
            }
            out.push(']');
        }
        Value::String(s) => write_string(out, s, style),
        other => out.push_str(&other.to_string()),
    }
}

fn write_object(out: &mut String, map: &Map<String, Value>, style: &Style, depth: usize) {
    let mut entries: Vec<(&String, &Value)> = map.iter().collect();
    if !entries.is_empty() {
        let by = style.rotate % entries.len();
        entries.rotate_left(by);
    }
    if style.reverse {
        entries.reverse();
    }
    out.push('{');
    for (i, (key, value)) in entries.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        newline(out, style, depth + 1);
        write_string(out, key, style);
        out.push(':');
        if style.space_after_colon {
            out.push(' ');
        }
        write_value(out, value, style, depth + 1);
    }
    if !entries.is_empty() {
        newline(out, style, depth);
    }
    out.push('}');
}

fn write_string(out: &mut String, s: &str, style: &Style) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '/' if style.escape_slash => out.push_str("\\/"),
            c if (c as u32) < 0x20
                || style.escape_everything
                || (style.escape_non_ascii && !c.is_ascii()) =>
            {
                let mut units = [0u16; 2];
                for unit in c.encode_utf16(&mut units) {
                    out.push_str(&format!("\\u{unit:04x}"));
                }
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

/// The item objects of a body, for editing.
fn item_objects(body: &mut Value) -> Vec<&mut Map<String, Value>> {
    body["notificationItems"]
        .as_array_mut()
        .unwrap()
        .iter_mut()
        .map(|w| w["NotificationRequestItem"].as_object_mut().unwrap())
        .collect()
}

// --- Through the layer ----------------------------------------------------------------------------

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap()
}

/// The status, the response body, and how many items the inner service was handed.
fn through_layer(
    runtime: &tokio::runtime::Runtime,
    body: Frames,
) -> (StatusCode, String, Option<usize>) {
    let recorder = Recorder::ok();
    let service = VerifyWebhookLayer::notifications(key()).layer(recorder.clone());
    let response = runtime
        .block_on(service.oneshot(Request::post("/").body(body).unwrap()))
        .unwrap();
    let (status, text) = runtime.block_on(read(response));
    let handed = (recorder.calls() > 0).then(|| recorder.last().notifications.unwrap().len());
    (status, text, handed)
}

// --- Properties -----------------------------------------------------------------------------------

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn signed_items_verify_directly_and_after_a_json_round_trip(
        items in prop::collection::vec(signed_item(), 1..4),
        live in any::<bool>(),
    ) {
        let keys = HmacKeys::new(key());
        for item in &items {
            prop_assert_eq!(keys.verify_item(item).map(|v| v.key_index), Ok(0));
        }
        let request = NotificationRequest { live, items };
        let parsed = NotificationRequest::from_slice(request.to_json().as_bytes()).unwrap();
        prop_assert_eq!(&parsed, &request);
        prop_assert!(verdicts(&keys, &parsed).iter().all(|v| *v == Ok(0)));
    }

    #[test]
    fn missing_and_null_fields_sign_as_empty(
        item in signed_item(),
        choices in prop::collection::vec(0u8..3, 8),
    ) {
        // Every empty string field of the signed item is kept, left out, or null.
        let request = NotificationRequest { live: false, items: vec![item] };
        let mut body: Value = serde_json::from_str(&request.to_json()).unwrap();
        let fields = [
            "pspReference", "originalReference", "merchantAccountCode", "merchantReference",
            "eventCode", "eventDate", "reason", "paymentMethod",
        ];
        for object in item_objects(&mut body) {
            for (field, choice) in fields.iter().zip(&choices) {
                if object[*field] == "" {
                    match choice {
                        1 => { object.remove(*field); }
                        2 => { object.insert((*field).to_owned(), Value::Null); }
                        _ => {}
                    }
                }
            }
        }
        let parsed = NotificationRequest::from_slice(body.to_string().as_bytes()).unwrap();
        prop_assert_eq!(&parsed, &request);
        prop_assert!(HmacKeys::new(key()).verify_item(&parsed.items[0]).is_ok());
    }

    #[test]
    fn changing_one_signed_field_fails(
        item in signed_item(),
        field in 0..SIGNED_FIELDS,
        value in text(),
    ) {
        let mut changed = item.clone();
        change_signed_field(&mut changed, field, &value);
        prop_assert_ne!(&changed, &item);
        prop_assert_eq!(HmacKeys::new(key()).verify_item(&changed), Err(VerifyError::Mismatch));
    }

    #[test]
    fn another_key_fails_and_a_set_finds_the_right_one(
        item in signed_item(),
        other in any::<[u8; 32]>(),
        position in 0usize..3,
    ) {
        let other = HmacKey::from_bytes(&other);
        prop_assume!(other.sign_item(&item) != key().sign_item(&item));
        prop_assert_eq!(HmacKeys::new(other.clone()).verify_item(&item), Err(VerifyError::Mismatch));
        let mut keys: Vec<HmacKey> = vec![other.clone(), other];
        keys.insert(position, key());
        let keys = HmacKeys::try_from_keys(keys).unwrap();
        prop_assert_eq!(keys.verify_item(&item).map(|v| v.key_index), Ok(position));
    }

    #[test]
    fn changing_any_character_of_the_signature_fails(
        item in signed_item(),
        at in any::<Index>(),
        replacement in prop_oneof![prop::char::range('!', '~'), any::<char>()],
        cut in 0usize..44,
        extra in "[A-Za-z0-9+/=]{1,4}",
    ) {
        let keys = HmacKeys::new(key());
        let signature = item.hmac_signature().unwrap().to_owned();
        prop_assert_eq!(signature.len(), 44);
        let at = at.index(44);
        prop_assume!(char::from(signature.as_bytes()[at]) != replacement);
        let mut changed = signature.clone();
        changed.replace_range(at..=at, replacement.encode_utf8(&mut [0; 4]));
        let truncated = signature[..cut].to_owned();
        let longer = format!("{signature}{extra}");
        for bad in [changed, truncated, longer] {
            let mut item = item.clone();
            item.additional_data.insert("hmacSignature", bad.clone());
            prop_assert!(keys.verify_item(&item).is_err(), "{:?} verified", bad);
        }
    }

    #[test]
    fn changing_unsigned_fields_keeps_the_item_valid(
        item in signed_item(),
        date in text(), reason in text(), method in text(),
        operations in prop::collection::vec(text(), 0..3),
        extra in prop::collection::btree_map(text(), text(), 0..3),
        live in any::<bool>(),
    ) {
        let mut changed = item;
        changed.event_date = date.into();
        changed.reason = reason.into();
        changed.payment_method = method.into();
        changed.operations = operations.into_iter().map(Into::into).collect();
        for (k, v) in extra {
            if k != "hmacSignature" {
                changed.additional_data.insert(k, v);
            }
        }
        let keys = HmacKeys::new(key());
        prop_assert!(keys.verify_item(&changed).is_ok());
        let request = NotificationRequest { live, items: vec![changed] };
        let parsed = NotificationRequest::from_slice(request.to_json().as_bytes()).unwrap();
        prop_assert!(keys.verify_item(&parsed.items[0]).is_ok());
    }

    #[test]
    fn any_json_formatting_keeps_the_items_and_the_verdicts(
        (request, valid) in request(),
        style in style(),
    ) {
        let keys = HmacKeys::new(key());
        let compact = request.to_json();
        let value: Value = serde_json::from_str(&compact).unwrap();
        let expected: Vec<bool> = verdicts(&keys, &request).iter().map(Result::is_ok).collect();
        prop_assert_eq!(&expected, &valid);
        let pretty = serde_json::to_string_pretty(&value).unwrap();
        for body in [compact, pretty, render(&value, &style)] {
            let parsed = NotificationRequest::from_slice(body.as_bytes());
            prop_assert!(parsed.is_ok(), "{} did not parse: {:?}", body, parsed.err());
            let parsed = parsed.unwrap();
            prop_assert_eq!(&parsed, &request);
            let again: Vec<bool> = verdicts(&keys, &parsed).iter().map(Result::is_ok).collect();
            prop_assert_eq!(&again, &expected);
        }
    }
}

proptest! {
    // Each case runs the layer a few times: fewer cases keep the file quick in debug builds.
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn through_the_layer_only_wholly_valid_requests_are_handed_over(
        (request, valid) in request(),
        style in style(),
    ) {
        let runtime = runtime();
        let body: Value = serde_json::from_str(&request.to_json()).unwrap();
        let body = render(&body, &style);
        let (status, text, handed) = through_layer(&runtime, Frames::new([body]));
        if valid.iter().all(|v| *v) {
            prop_assert_eq!((status, text.as_str()), (StatusCode::OK, "[accepted]"));
            prop_assert_eq!(handed, Some(request.items.len()));
        } else {
            prop_assert_eq!(status, StatusCode::UNAUTHORIZED);
            prop_assert_eq!(handed, None);
        }
    }

    #[test]
    fn any_split_into_frames_gives_the_same_response(
        (request, _) in request(),
        truncate in prop::option::weighted(0.2, any::<Index>()),
        cuts in prop::collection::vec(any::<Index>(), 0..12),
    ) {
        let runtime = runtime();
        let mut body = request.to_json().into_bytes();
        if let Some(at) = truncate {
            body.truncate(at.index(body.len()));
        }
        let whole = through_layer(&runtime, Frames::new([body.clone()]));
        let mut cuts: Vec<usize> = cuts.iter().map(|c| c.index(body.len() + 1)).collect();
        cuts.sort_unstable();
        let mut chunks = Vec::new();
        let mut start = 0;
        for cut in cuts.into_iter().chain([body.len()]) {
            // Repeated cuts make empty frames, which are allowed too.
            chunks.push(body[start..cut].to_vec());
            start = cut;
        }
        let split = through_layer(&runtime, Frames::new(chunks));
        prop_assert_eq!(split, whole);
    }
}
