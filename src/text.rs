//! [`Text`]: the string type of parsed notifications.

use std::borrow::Borrow;
use std::fmt;
use std::hash::{Hash, Hasher};
use std::ops::Deref;

use bytes::Bytes;
use bytestring::ByteString;
use serde::de::{self, Deserializer, Visitor};
use serde::{Deserialize, Serialize, Serializer};

/// An immutable string that shares the request's buffer.
///
/// A string of the body with no escape in it is a slice of the body itself, neither copied nor
/// allocated; one with escapes (`"Caf\u00e9"`) is decoded into a copy of its own. Either way it
/// is `'static`, cheap to clone, `Send` and `Sync`, and reads as a `&str`: it dereferences to
/// one, compares with `str`, `&str` and `String`, and sorts and hashes as its text does.
///
/// Holding any of a request's strings keeps that request's body in memory; convert with
/// [`String::from`] (or `to_string()`) what must outlive it.
///
/// ```
/// use tower_adyen_webhook::Text;
///
/// let text = Text::from("TestMerchant");
/// assert_eq!(text, "TestMerchant");
/// assert_eq!(text.as_str(), "TestMerchant");
/// assert!(text.starts_with("Test")); // every `str` method
/// let owned: String = text.clone().into();
/// assert_eq!(owned, text);
/// assert_eq!(format!("{text} {text:?}"), r#"TestMerchant "TestMerchant""#);
/// ```
#[derive(Clone, Default, PartialEq, Eq, PartialOrd, Ord)]
pub struct Text(ByteString);

impl Text {
    /// The empty string.
    pub const fn new() -> Self {
        Self(ByteString::new())
    }

    /// A string that needs neither copy nor reference count.
    pub const fn from_static(text: &'static str) -> Self {
        Self(ByteString::from_static(text))
    }

    /// The text.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The text of `subset`, a part of `whole`, sharing `whole`'s buffer.
    pub(crate) fn slice_of(whole: &ByteString, subset: &str) -> Self {
        if subset.is_empty() {
            return Self::new();
        }
        Self(whole.slice_ref(subset))
    }
}

impl Deref for Text {
    type Target = str;

    fn deref(&self) -> &str {
        &self.0
    }
}

impl AsRef<str> for Text {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

impl AsRef<[u8]> for Text {
    fn as_ref(&self) -> &[u8] {
        self.0.as_bytes()
    }
}

impl Borrow<str> for Text {
    fn borrow(&self) -> &str {
        &self.0
    }
}

impl Hash for Text {
    fn hash<H: Hasher>(&self, state: &mut H) {
        // As `str` hashes, so that `Borrow<str>` holds in maps.
        self.as_str().hash(state)
    }
}

impl PartialEq<str> for Text {
    fn eq(&self, other: &str) -> bool {
        self.as_str() == other
    }
}

impl PartialEq<&str> for Text {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == *other
    }
}

impl PartialEq<String> for Text {
    fn eq(&self, other: &String) -> bool {
        self.as_str() == other
    }
}

impl PartialEq<Text> for str {
    fn eq(&self, other: &Text) -> bool {
        self == other.as_str()
    }
}

impl PartialEq<Text> for &str {
    fn eq(&self, other: &Text) -> bool {
        *self == other.as_str()
    }
}

impl PartialEq<Text> for String {
    fn eq(&self, other: &Text) -> bool {
        self == other.as_str()
    }
}

impl fmt::Display for Text {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self)
    }
}

impl fmt::Debug for Text {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self.as_str(), f)
    }
}

impl From<ByteString> for Text {
    fn from(text: ByteString) -> Self {
        Self(text)
    }
}

impl From<&str> for Text {
    fn from(text: &str) -> Self {
        if text.is_empty() {
            return Self::new();
        }
        Self(ByteString::from(text))
    }
}

impl From<&String> for Text {
    fn from(text: &String) -> Self {
        Self::from(text.as_str())
    }
}

impl From<String> for Text {
    fn from(text: String) -> Self {
        Self(ByteString::from(text))
    }
}

impl From<Box<str>> for Text {
    fn from(text: Box<str>) -> Self {
        Self(ByteString::from(text))
    }
}

impl From<&Text> for Text {
    fn from(text: &Text) -> Self {
        text.clone()
    }
}

impl From<Text> for String {
    fn from(text: Text) -> Self {
        text.as_str().to_owned()
    }
}

impl From<Text> for Bytes {
    fn from(text: Text) -> Self {
        text.0.into_bytes()
    }
}

impl Serialize for Text {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self)
    }
}

impl<'de> Deserialize<'de> for Text {
    /// A copy of the string (use [`NotificationRequest::from_bytes`](crate::NotificationRequest)
    /// to share a body instead).
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct TextVisitor;

        impl Visitor<'_> for TextVisitor {
            type Value = Text;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a string")
            }

            fn visit_str<E: de::Error>(self, text: &str) -> Result<Text, E> {
                Ok(text.into())
            }

            fn visit_string<E: de::Error>(self, text: String) -> Result<Text, E> {
                Ok(text.into())
            }
        }

        deserializer.deserialize_str(TextVisitor)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn assert_static_send_sync<T: 'static + Clone + Send + Sync>() {}

    #[test]
    fn is_a_value_for_extensions() {
        assert_static_send_sync::<Text>();
    }

    #[test]
    fn slices_share_the_buffer() {
        let whole = ByteString::from(String::from(r#"{"a": "TestMerchant"}"#));
        let inner = &whole[7..19];
        let text = Text::slice_of(&whole, inner);
        assert_eq!(text, "TestMerchant");
        assert_eq!(text.as_ptr(), inner.as_ptr(), "not copied");
        assert_eq!(Text::slice_of(&whole, &whole[0..0]), "");
    }

    #[test]
    fn compares_sorts_and_hashes_as_its_text() {
        use std::collections::hash_map::DefaultHasher;
        let hash = |value: &dyn Fn(&mut DefaultHasher)| {
            let mut h = DefaultHasher::new();
            value(&mut h);
            h.finish()
        };
        let (a, b) = (Text::from("a"), Text::from(String::from("b")));
        let owned = String::from("a");
        assert!(a < b);
        assert_eq!(a, "a");
        assert_eq!("a", a);
        assert_eq!(a, owned);
        assert_eq!(owned, a);
        assert_eq!(hash(&|h| a.hash(h)), hash(&|h| "a".hash(h)));
        assert_eq!(Text::default(), "");
        assert_eq!(serde_json::to_string(&a).unwrap(), r#""a""#);
        let back: Text = serde_json::from_str(r#""Caf\u00e9""#).unwrap();
        assert_eq!(back, "Café");
    }

    #[test]
    fn every_comparison_tells_different_texts_apart() {
        let text = Text::from("TestMerchant");
        let (same, other) = ("TestMerchant", "OtherMerchant");
        let (same_owned, other_owned) = (String::from(same), String::from(other));
        // Text against str, &str and String, both ways round.
        assert!(text == *same && text != *other);
        assert!(*same == text && *other != text);
        assert!(text == same && text != other);
        assert!(same == text && other != text);
        assert!(text == same_owned && text != other_owned);
        assert!(same_owned == text && other_owned != text);
    }

    #[test]
    fn views_and_conversions_keep_the_text() {
        use std::collections::HashMap;
        let text = Text::from("TestMerchant");
        let as_str: &str = text.as_ref();
        assert_eq!(as_str, "TestMerchant");
        let as_bytes: &[u8] = text.as_ref();
        assert_eq!(as_bytes, b"TestMerchant");
        let borrowed: &str = text.borrow();
        assert_eq!(borrowed, "TestMerchant");
        // `Borrow<str>` and `Hash` agree, so a map keyed by Text is looked up with a &str.
        let map = HashMap::from([(text.clone(), 1), (Text::from("Other"), 2)]);
        assert_eq!(map.get("TestMerchant"), Some(&1));
        assert_eq!(map.get("Other"), Some(&2));
        assert_eq!(map.get("Missing"), None);

        let owned = String::from("TestMerchant");
        assert_eq!(Text::from(&owned), "TestMerchant");
        assert_eq!(Text::from(&String::new()), "");
        assert_eq!(Text::from(owned.clone().into_boxed_str()), "TestMerchant");
        assert_eq!(Text::from(&text), "TestMerchant");
        assert_eq!(String::from(text.clone()), "TestMerchant");
        assert_eq!(Bytes::from(text), Bytes::from_static(b"TestMerchant"));
    }

    #[test]
    fn deserializes_from_borrowed_and_owned_strings_only() {
        // serde_json::Value hands its strings over owned (`visit_string`).
        let value = serde_json::Value::String(String::from("TestMerchant"));
        assert_eq!(
            serde_json::from_value::<Text>(value).unwrap(),
            "TestMerchant"
        );
        assert_eq!(
            serde_json::from_str::<Text>(r#""TestMerchant""#).unwrap(),
            "TestMerchant"
        );
        let error = serde_json::from_str::<Text>("12").unwrap_err().to_string();
        assert_eq!(
            error,
            "invalid type: integer `12`, expected a string at line 1 column 2"
        );
    }
}
