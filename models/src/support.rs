//! What the generated code calls: the fallback rules, written once.

use crate::AdyenEvent;
use serde::de::{DeserializeOwned, Deserializer, Visitor};
use serde_json::Value;

/// A string enum from its text; any text is accepted (unknown ones become `Other`).
pub(crate) fn string_enum<'de, D, T>(deserializer: D) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: for<'a> From<&'a str>,
{
    struct Text<T>(std::marker::PhantomData<T>);
    impl<T: for<'a> From<&'a str>> Visitor<'_> for Text<T> {
        type Value = T;
        fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str("a string")
        }
        fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<T, E> {
            Ok(T::from(v))
        }
    }
    deserializer.deserialize_str(Text(std::marker::PhantomData))
}

/// One member of a `oneOf`, chosen by its discriminator: a body that does not fit the member's
/// model is kept as `Other`, never an error.
pub(crate) fn member<T: DeserializeOwned, U>(
    value: Value,
    wrap: fn(Box<T>) -> U,
    other: fn(Value) -> U,
) -> U {
    match T::deserialize(&value) {
        Ok(inner) => wrap(Box::new(inner)),
        Err(_) => other(value),
    }
}

/// Whether a model with these fields knows every key of an object (for a `oneOf` without
/// discriminator; the current specs have none).
#[allow(dead_code)]
pub(crate) fn covers(value: &Value, fields: &[&str]) -> bool {
    value
        .as_object()
        .is_some_and(|o| o.keys().all(|k| fields.contains(&k.as_str())))
}

/// How many keys of the body, and of its `data`, a model with these fields does not know.
pub(crate) fn unknown_keys(value: &Value, fields: &[&str], data_fields: &[&str]) -> usize {
    fn count(value: Option<&Value>, fields: &[&str]) -> usize {
        value.and_then(Value::as_object).map_or(0, |o| {
            o.keys().filter(|k| !fields.contains(&k.as_str())).count()
        })
    }
    count(Some(value), fields) + count(value.get("data"), data_fields)
}

/// A known event type: the typed body, or [`AdyenEvent::Untyped`] if it does not fit.
pub(crate) fn typed<T: DeserializeOwned>(
    value: Value,
    event_type: &str,
    wrap: fn(Box<T>) -> AdyenEvent,
) -> AdyenEvent {
    match T::deserialize(&value) {
        Ok(inner) => wrap(Box::new(inner)),
        Err(error) => untyped(value, event_type, &error),
    }
}

/// [`typed`], for an event type more than one family sends.
pub(crate) fn typed_with<T>(
    value: Value,
    event_type: &str,
    choose: fn(&Value) -> Result<T, serde_json::Error>,
    wrap: fn(T) -> AdyenEvent,
) -> AdyenEvent {
    match choose(&value) {
        Ok(inner) => wrap(inner),
        Err(error) => untyped(value, event_type, &error),
    }
}

fn untyped(raw: Value, event_type: &str, error: &serde_json::Error) -> AdyenEvent {
    AdyenEvent::Untyped {
        event_type: event_type.to_owned(),
        raw,
        error: error.to_string(),
    }
}

/// Deserializers that also take what Adyen's examples sometimes send instead of the spec's type:
/// a boolean or an integer as text, a one-item list as the item alone.
// The plain forms are for required fields, which the current specs only have in envelopes.
#[allow(dead_code)]
pub(crate) mod lenient {
    use serde::de::{DeserializeOwned, Deserializer, Error};
    use serde::Deserialize;
    use serde_json::Value;

    fn to_bool<E: Error>(value: Value) -> Result<bool, E> {
        match value {
            Value::Bool(b) => Ok(b),
            Value::String(s) if s == "true" => Ok(true),
            Value::String(s) if s == "false" => Ok(false),
            other => Err(E::custom(format_args!(
                "invalid type: {other}, expected a boolean"
            ))),
        }
    }

    fn to_i64<E: Error>(value: Value) -> Result<i64, E> {
        match &value {
            Value::Number(n) => n.as_i64(),
            Value::String(s) => s.parse().ok(),
            _ => None,
        }
        .ok_or_else(|| E::custom(format_args!("invalid type: {value}, expected an integer")))
    }

    fn to_vec<T: DeserializeOwned, E: Error>(value: Value) -> Result<Vec<T>, E> {
        match value {
            Value::Array(_) => Vec::<T>::deserialize(value).map_err(E::custom),
            one => T::deserialize(one).map(|t| vec![t]).map_err(E::custom),
        }
    }

    pub(crate) fn bool<'de, D: Deserializer<'de>>(d: D) -> Result<bool, D::Error> {
        to_bool(Value::deserialize(d)?)
    }

    pub(crate) fn option_bool<'de, D: Deserializer<'de>>(d: D) -> Result<Option<bool>, D::Error> {
        Option::<Value>::deserialize(d)?.map(to_bool).transpose()
    }

    pub(crate) fn i64<'de, D: Deserializer<'de>>(d: D) -> Result<i64, D::Error> {
        to_i64(Value::deserialize(d)?)
    }

    pub(crate) fn option_i64<'de, D: Deserializer<'de>>(d: D) -> Result<Option<i64>, D::Error> {
        Option::<Value>::deserialize(d)?.map(to_i64).transpose()
    }

    pub(crate) fn vec<'de, D: Deserializer<'de>, T: DeserializeOwned>(
        d: D,
    ) -> Result<Vec<T>, D::Error> {
        to_vec(Value::deserialize(d)?)
    }

    pub(crate) fn option_vec<'de, D: Deserializer<'de>, T: DeserializeOwned>(
        d: D,
    ) -> Result<Option<Vec<T>>, D::Error> {
        Option::<Value>::deserialize(d)?.map(to_vec).transpose()
    }
}
