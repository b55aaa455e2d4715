//! The usual shape of a notification, read without serde.
//!
//! Nearly every body Adyen sends has no escape in it and holds each field in the type Adyen
//! documents. Such a body is read here in one pass over its bytes, with no visitor between the
//! bytes and the item's fields. Anything else (an escape, a number where a string belongs, a
//! field given twice, a float, a syntax error) makes the scanner give up with `None`, and the body
//! goes to the serde parser, which decides what is accepted and how an error reads. So what this
//! returns is always what that parser returns for the same body; the tests hold the two together
//! on every body they have and on every corruption of them, and the fuzz target on whatever it
//! finds.

use serde::de::Visitor;

use super::{
    known_currency, known_text, AdditionalData, Amount, AmountField, AmountValue, Body,
    EnvelopeField, EventCode, ItemField, LiveSeed, NotificationRequest, NotificationRequestItem,
    Source, SuccessSeed, Text, TextSeed, WrapperField, ITEMS_CAPACITY,
};

/// The visitors' error type: what serde_json would have said is never shown, since the body is
/// then parsed by serde_json itself.
type Error = serde_json::Error;

/// How deeply a value of a field the crate does not read may nest before the scanner leaves it
/// to serde_json, which has no limit there: the scanner recurses, serde_json does not.
const IGNORED_DEPTH: usize = 32;

/// The request in `body`, or `None` for a body the serde parser is to read.
pub(super) fn request(body: &Body) -> Option<NotificationRequest> {
    let mut scan = Scan {
        body,
        text: &body.text,
        at: 0,
    };
    let request = scan.request()?;
    scan.whitespace();
    (scan.at == scan.text.len()).then_some(request)
}

struct Scan<'a> {
    body: &'a Body,
    text: &'a str,
    /// The next byte to read.
    at: usize,
}

/// A string's text between its quotes, as the body holds it.
#[derive(Clone, Copy)]
struct Raw<'a> {
    text: &'a str,
    /// Whether it holds an escape: its syntax is checked, and refused, only when it is decoded.
    escaped: bool,
}

/// The fields of an object read so far, by number.
#[derive(Default)]
struct Fields(u32);

impl Fields {
    /// Marks `field` read, giving up on a field given twice (which serde_json refuses).
    fn once(&mut self, field: u32) -> Option<()> {
        if self.has(field) {
            return None;
        }
        self.0 |= 1 << field;
        Some(())
    }

    fn has(&self, field: u32) -> bool {
        self.0 & 1 << field != 0
    }
}

/// Stores a field's value, giving up on a field given twice (which serde_json refuses).
fn once<T>(slot: &mut Option<T>, value: Option<T>) -> Option<()> {
    if slot.is_some() {
        return None;
    }
    *slot = Some(value?);
    Some(())
}

impl<'a> Scan<'a> {
    fn bytes(&self) -> &'a [u8] {
        self.text.as_bytes()
    }

    fn source(&self) -> Source<'a> {
        Source(Some(self.body))
    }

    /// Skips JSON's whitespace: space, tab, line feed and carriage return.
    fn whitespace(&mut self) {
        let bytes = self.bytes();
        let mut rest = &bytes[self.at..];
        while let [b' ' | b'\t' | b'\n' | b'\r', after @ ..] = rest {
            rest = after;
        }
        self.at = bytes.len() - rest.len();
    }

    /// The next byte that is not whitespace, left unread.
    fn peek(&mut self) -> Option<u8> {
        self.whitespace();
        self.bytes().get(self.at).copied()
    }

    /// Reads the next byte that is not whitespace.
    fn next(&mut self) -> Option<u8> {
        let byte = self.peek()?;
        self.at += 1;
        Some(byte)
    }

    /// Reads `byte`, the next one that is not whitespace.
    fn eat(&mut self, byte: u8) -> Option<()> {
        if self.peek()? != byte {
            return None;
        }
        self.at += 1;
        Some(())
    }

    /// Reads `word` if it comes next.
    fn word(&mut self, word: &str) -> bool {
        self.whitespace();
        let found = self.bytes()[self.at..].starts_with(word.as_bytes());
        if found {
            self.at += word.len();
        }
        found
    }

    /// A string with no control character in it (which serde_json refuses).
    fn string(&mut self) -> Option<Raw<'a>> {
        self.eat(b'"')?;
        let bytes = self.bytes();
        let start = self.at;
        let mut rest = &bytes[start..];
        let mut escaped = false;
        let end = loop {
            let at = special(rest)?;
            match rest[at] {
                b'"' => break bytes.len() - rest.len() + at,
                // Past the backslash and the byte it escapes, which may be a quote.
                b'\\' => {
                    escaped = true;
                    rest = rest[at..].get(2..)?;
                }
                _ => return None,
            }
        };
        self.at = end + 1;
        // Both ends are quotes, so the slice lies on character boundaries.
        let text = self.text.get(start..end)?;
        Some(Raw { text, escaped })
    }

    /// A string with no escape (an escaped key or ignored string is left to serde_json).
    fn plain_string(&mut self) -> Option<&'a str> {
        let raw = self.string()?;
        (!raw.escaped).then_some(raw.text)
    }

    /// A string's text, as `seed` reads it: a slice of the body, a constant, or decoded into
    /// the request's buffer.
    fn decode(&self, raw: Raw<'a>, seed: TextSeed<'_>) -> Option<Text> {
        match raw.escaped {
            true => self.body.unescape(raw.text, seed.known),
            false => Some(self.slice(raw.text, seed.known)),
        }
    }

    /// A string of the body with no escape in it: a constant if `known` names it, else a slice.
    /// What `TextSeed::visit_borrowed_str` gives, without its question of whether there is a
    /// body to slice: the scanner always has one.
    fn slice(&self, text: &'a str, known: fn(&str) -> Option<&'static str>) -> Text {
        match known(text) {
            Some(known) => Text::from_static(known),
            None => Text::slice_of(&self.body.text, text),
        }
    }

    /// What `read` makes of a string's text, decoded if it must be.
    fn read<T>(&mut self, read: impl FnOnce(&str) -> Option<T>) -> Option<T> {
        let raw = self.string()?;
        if !raw.escaped {
            return read(raw.text);
        }
        read(&self.decode(raw, TextSeed::new(self.source()))?)
    }

    /// An object, `field` reading the value of each key.
    fn object(&mut self, mut field: impl FnMut(&mut Self, &'a str) -> Option<()>) -> Option<()> {
        self.eat(b'{')?;
        if self.eat(b'}').is_some() {
            return Some(());
        }
        loop {
            let key = self.plain_string()?;
            self.eat(b':')?;
            field(self, key)?;
            match self.next()? {
                b',' => {}
                b'}' => return Some(()),
                _ => return None,
            }
        }
    }

    /// An array, `element` reading each element.
    fn array(&mut self, mut element: impl FnMut(&mut Self) -> Option<()>) -> Option<()> {
        self.eat(b'[')?;
        if self.eat(b']').is_some() {
            return Some(());
        }
        loop {
            element(self)?;
            match self.next()? {
                b',' => {}
                b']' => return Some(()),
                _ => return None,
            }
        }
    }

    /// Skips a value the crate does not read, as serde_json checks it: its syntax only.
    fn ignore(&mut self, depth: usize) -> Option<()> {
        match self.peek()? {
            b'"' => self.plain_string().map(drop),
            b'{' => self.object(|scan, _| scan.ignore(depth.checked_sub(1)?)),
            b'[' => self.array(|scan| scan.ignore(depth.checked_sub(1)?)),
            b'-' | b'0'..=b'9' => self.number(),
            _ => (self.word("true") || self.word("false") || self.word("null")).then_some(()),
        }
    }

    /// Skips a number: `-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?`. A zero followed by a
    /// digit stops after the zero, and what follows is then refused as the next token.
    fn number(&mut self) -> Option<()> {
        let bytes = self.bytes();
        let mut at = self.at + usize::from(bytes[self.at] == b'-');
        at = match bytes.get(at)? {
            b'0' => at + 1,
            b'1'..=b'9' => digits(bytes, at),
            _ => return None,
        };
        if bytes.get(at) == Some(&b'.') {
            at = some_digits(bytes, at + 1)?;
        }
        if let Some(b'e' | b'E') = bytes.get(at) {
            at += 1;
            if let Some(b'+' | b'-') = bytes.get(at) {
                at += 1;
            }
            at = some_digits(bytes, at)?;
        }
        self.at = at;
        Some(())
    }

    /// An integer that serde_json reads as an `i64`, or as a `u64` that fits one: no fraction,
    /// no exponent, no leading zero, not `-0` (a float to serde_json), and at most 18 digits,
    /// which never overflow.
    fn integer(&mut self) -> Option<i64> {
        let bytes = self.bytes();
        let negative = bytes[self.at] == b'-';
        let start = self.at + usize::from(negative);
        let end = digits(bytes, start);
        let digits = &bytes[start..end];
        match digits {
            [] | [b'0', _, ..] => return None,
            [b'0'] if negative => return None,
            _ if digits.len() > 18 => return None,
            _ => {}
        }
        if let Some(b'.' | b'e' | b'E') = bytes.get(end) {
            return None;
        }
        self.at = end;
        let magnitude = digits
            .iter()
            .fold(0, |value, &digit| value * 10 + i64::from(digit - b'0'));
        Some(if negative { -magnitude } else { magnitude })
    }

    /// A string as the item's fields read it: `null` is empty, and `known` texts are constants.
    fn text(&mut self, seed: TextSeed<'_>) -> Option<Text> {
        if self.word("null") {
            return Some(Text::new());
        }
        let raw = self.string()?;
        self.decode(raw, seed)
    }

    fn request(&mut self) -> Option<NotificationRequest> {
        let (mut live, mut items) = (None, None);
        self.object(|scan, key| match EnvelopeField::of(key) {
            EnvelopeField::Live => once(&mut live, scan.live()),
            EnvelopeField::Items => once(&mut items, scan.items()),
            EnvelopeField::Other => scan.ignore(IGNORED_DEPTH),
        })?;
        Some(NotificationRequest {
            live: live.unwrap_or(false),
            items: items?,
        })
    }

    fn live(&mut self) -> Option<bool> {
        if self.word("true") {
            return Some(true);
        }
        if self.word("false") || self.word("null") {
            return Some(false);
        }
        self.read(|text| LiveSeed.visit_str::<Error>(text).ok())
    }

    fn items(&mut self) -> Option<Vec<NotificationRequestItem>> {
        let mut items = Vec::with_capacity(ITEMS_CAPACITY);
        self.array(|scan| scan.wrapper(&mut items))?;
        Some(items)
    }

    /// `{"NotificationRequestItem": {...}}`, its item read into a new last one of `items`.
    fn wrapper(&mut self, items: &mut Vec<NotificationRequestItem>) -> Option<()> {
        let mut found = false;
        self.object(|scan, key| match WrapperField::of(key) {
            WrapperField::Item if found => None,
            WrapperField::Item => {
                found = true;
                // Read in place: an item is large, and moving it costs more than reading most
                // of its fields.
                items.push(NotificationRequestItem::new(
                    Text::new(),
                    EventCode::Other(String::new()),
                ));
                scan.item(items.last_mut()?)
            }
            WrapperField::Other => scan.ignore(IGNORED_DEPTH),
        })?;
        found.then_some(())
    }

    /// The fields of an item, into `item`, whose fields are the values of those left out.
    fn item(&mut self, item: &mut NotificationRequestItem) -> Option<()> {
        let text = TextSeed::new(self.source());
        let mut seen = Fields::default();
        self.object(|scan, key| {
            let field = ItemField::of(key);
            if !matches!(field, ItemField::Other) {
                seen.once(field as u32)?;
            }
            match field {
                ItemField::PspReference => item.psp_reference = scan.text(text)?,
                ItemField::OriginalReference => item.original_reference = scan.text(text)?,
                ItemField::MerchantAccountCode => item.merchant_account_code = scan.text(text)?,
                ItemField::MerchantReference => item.merchant_reference = scan.text(text)?,
                ItemField::Amount => item.amount = scan.amount()?,
                ItemField::EventCode => item.event_code = scan.event_code()?,
                ItemField::Success => (item.success, item.success_text) = scan.success()?,
                ItemField::EventDate => item.event_date = scan.text(text)?,
                ItemField::Reason => item.reason = scan.text(text)?,
                ItemField::PaymentMethod => item.payment_method = scan.text(text)?,
                ItemField::Operations => item.operations = scan.operations()?,
                ItemField::AdditionalData => item.additional_data = scan.additional_data()?,
                ItemField::Other => scan.ignore(IGNORED_DEPTH)?,
            }
            Some(())
        })?;
        // `success` may not be left out.
        seen.has(ItemField::Success as u32).then_some(())
    }

    fn event_code(&mut self) -> Option<EventCode> {
        if self.word("null") {
            return Some(EventCode::Other(String::new()));
        }
        self.read(|text| Some(EventCode::from(text)))
    }

    fn success(&mut self) -> Option<(bool, Option<Box<str>>)> {
        if self.word("true") {
            return Some((true, None));
        }
        if self.word("false") {
            return Some((false, None));
        }
        self.read(|text| SuccessSeed.visit_str::<Error>(text).ok())
    }

    fn amount(&mut self) -> Option<Option<Amount>> {
        if self.word("null") {
            return Some(None);
        }
        let (mut currency, mut value) = (None, None);
        self.object(|scan, key| match AmountField::of(key) {
            AmountField::Currency => once(
                &mut currency,
                scan.text(TextSeed::known(scan.source(), known_currency)),
            ),
            AmountField::Value => once(&mut value, scan.amount_value()),
            AmountField::Other => scan.ignore(IGNORED_DEPTH),
        })?;
        let (value, text) = value?;
        Some(Some(Amount {
            currency: currency.unwrap_or_default(),
            value,
            text,
        }))
    }

    fn amount_value(&mut self) -> Option<(i64, Option<Box<str>>)> {
        match self.peek()? {
            b'"' => self.read(|text| AmountValue.visit_str::<Error>(text).ok()),
            b'-' | b'0'..=b'9' => Some((self.integer()?, None)),
            _ => None,
        }
    }

    fn operations(&mut self) -> Option<Vec<Text>> {
        if self.word("null") {
            return Some(Vec::new());
        }
        let seed = TextSeed::known(self.source(), known_text);
        let mut operations = Vec::new();
        self.array(|scan| {
            let operation = scan.string()?;
            operations.push(scan.decode(operation, seed)?);
            Some(())
        })?;
        Some(operations)
    }

    /// `additionalData`, whose values are strings as Adyen sends them: a value of another type
    /// (kept as its JSON text by the serde parser) is left to that parser.
    fn additional_data(&mut self) -> Option<AdditionalData> {
        if self.word("null") {
            return Some(AdditionalData::default());
        }
        let seed = TextSeed::known(self.source(), known_text);
        let mut entries = Vec::with_capacity(AdditionalData::CAPACITY);
        self.object(|scan, key| {
            if scan.word("null") {
                return Some(());
            }
            let key = scan.slice(key, known_text);
            let value = scan.string()?;
            let value = scan.decode(value, seed)?;
            entries.push((key, value));
            Some(())
        })?;
        Some(AdditionalData::from_entries(entries))
    }
}

const ONES: u64 = u64::from_ne_bytes([0x01; 8]);
const TOPS: u64 = u64::from_ne_bytes([0x80; 8]);

/// Where the first quote, backslash or control character of `bytes` is, eight bytes at a time.
///
/// In each eight-byte word, a byte's top bit is set by the subtraction when that byte is below
/// the one subtracted, and a borrow can set it only in a byte above such a byte, so the lowest
/// top bit set, on a little-endian reading, is the first byte sought.
fn special(bytes: &[u8]) -> Option<usize> {
    let below = |word: u64, byte: u8| word.wrapping_sub(ONES * u64::from(byte)) & !word & TOPS;
    let mut chunks = bytes.chunks_exact(8);
    let mut at = 0;
    for chunk in &mut chunks {
        let word = u64::from_le_bytes(chunk.try_into().expect("eight bytes"));
        let found = below(word, 0x20)
            | below(word ^ (ONES * u64::from(b'"')), 1)
            | below(word ^ (ONES * u64::from(b'\\')), 1);
        if found != 0 {
            return Some(at + found.trailing_zeros() as usize / 8);
        }
        at += 8;
    }
    let rest = chunks.remainder();
    let found = rest
        .iter()
        .position(|&byte| byte < 0x20 || byte == b'"' || byte == b'\\')?;
    Some(at + found)
}

/// The end of the digits from `at` on.
fn digits(bytes: &[u8], at: usize) -> usize {
    at + bytes[at..]
        .iter()
        .take_while(|b| b.is_ascii_digit())
        .count()
}

/// The end of the digits from `at` on, if there is one at least.
fn some_digits(bytes: &[u8], at: usize) -> Option<usize> {
    let end = digits(bytes, at);
    (end > at).then_some(end)
}

#[cfg(test)]
mod tests {
    use bytestring::ByteString;

    use super::super::{Body, NotificationRequest, ParseError, Strings};

    /// What the scanner and the serde parser make of `body`.
    fn both(
        body: &str,
    ) -> (
        Option<NotificationRequest>,
        Result<NotificationRequest, ParseError>,
    ) {
        let text = ByteString::from(body);
        let scanned = super::request(&Body::new(text.clone(), Strings::Serde));
        let serde = NotificationRequest::parse_from(Body::new(text, Strings::Serde));
        (scanned, serde)
    }

    /// Whether the scanner reads `body`, having checked that what it reads is what serde reads.
    #[track_caller]
    fn scanned(body: &str) -> bool {
        let (scanned, serde) = both(body);
        if let Some(request) = &scanned {
            assert_eq!(serde.as_ref().ok(), Some(request), "{body}");
        }
        scanned.is_some()
    }

    /// Every request body of the tests: the vectors, and Adyen's own fixtures and spec examples.
    fn bodies() -> Vec<String> {
        let files = [
            include_str!("../../tests/data/notifications.jsonl"),
            include_str!("../../tests/data/adyen/standard.jsonl"),
        ];
        let lines = files.iter().flat_map(|file| file.lines());
        let vectors = lines.filter_map(|line| serde_json::from_str::<serde_json::Value>(line).ok());
        vectors
            .filter(|vector| {
                vector["shape"]
                    .as_str()
                    .is_none_or(|shape| shape == "envelope")
            })
            .filter_map(|vector| vector["body"].as_str().map(str::to_owned))
            .collect()
    }

    #[test]
    fn every_body_serde_reads_the_scanner_reads_the_same() {
        let bodies = bodies();
        assert!(bodies.len() > 150, "{}", bodies.len());
        for body in &bodies {
            let (scanned, serde) = both(body);
            assert_eq!(scanned, serde.ok(), "{body}");
        }
    }

    /// Every body the tests hold, corrupted one byte at a time (removed, or replaced by or
    /// preceded with a byte that matters to JSON): whatever the scanner reads, serde reads the
    /// same. Most corruptions are refused by both; the rest are read by the scanner or left to
    /// serde, and the count shows the scanner was put to work.
    #[test]
    fn the_scanner_reads_no_corruption_otherwise_than_serde() {
        const BYTES: &[u8] = b"\"\\,:{}[]0-.eE+ \x01nt9u";
        let bodies = bodies();
        // A compact body, an indented one, and one with escapes: every kind of byte they hold.
        let chosen = [
            bodies
                .iter()
                .find(|body| !body.contains('\n') && !body.contains('\\')),
            bodies
                .iter()
                .find(|body| body.contains("\n ") && !body.contains('\\')),
            bodies.iter().find(|body| body.contains("\\u")),
        ];
        let (mut read, mut tried) = (0, 0);
        for body in chosen.map(|body| body.expect("the tests have such a body").as_bytes()) {
            for at in 0..=body.len() {
                let mut variants = vec![[&body[..at], &body[(at + 1).min(body.len())..]].concat()];
                for &byte in BYTES {
                    variants.push([&body[..at], &[byte], &body[at..]].concat());
                    if at < body.len() {
                        variants.push([&body[..at], &[byte], &body[at + 1..]].concat());
                    }
                }
                for variant in variants {
                    if let Ok(text) = std::str::from_utf8(&variant) {
                        tried += 1;
                        read += usize::from(scanned(text));
                    }
                }
            }
        }
        assert!(read > tried / 20, "{read} of {tried}");
    }

    fn item(fields: &str) -> String {
        format!(
            r#"{{"live": "false", "notificationItems": [{{"NotificationRequestItem": {{{fields}}}}}]}}"#
        )
    }

    fn item_with(field: &str) -> String {
        item(&format!(r#""success": "true", {field}"#))
    }

    #[test]
    fn the_usual_shapes_are_read() {
        for body in [
            r#"{"notificationItems": []}"#,
            " { \"notificationItems\" : [ ] } \n",
            "{\"notificationItems\":[],\"live\":\"true\"}",
            "{\r\n\t\"live\":true,\"notificationItems\":[]}",
            r#"{"live": false, "notificationItems": []}"#,
            r#"{"live": null, "notificationItems": []}"#,
            r#"{"live": "maybe", "notificationItems": []}"#,
            r#"{"live": "\u0074rue", "notificationItems": []}"#,
            r#"{"notificationItems": [], "other": {"a": [1, -2.5e+3, 0.5E-1, 0, true, false, null, "x", {}, []]}}"#,
            r#"{"notificationItems": [{"NotificationRequestItem": {"success": "true"}, "x": 1}]}"#,
            r#"{"notificationItems": [{"NotificationRequestItem": {"success": "true"}}, {"NotificationRequestItem": {"success": "false"}}, {"NotificationRequestItem": {"success": true}}]}"#,
        ] {
            assert!(scanned(body), "{body}");
        }
        for field in [
            r#""pspReference": "7914073381342284", "originalReference": null"#,
            r#""merchantAccountCode": "TestMerchant", "merchantReference": "Caf\u00e9 \ud83d\ude00 \"q\" \\ \/ \b\f\n\r\t""#,
            r#""eventDate": "2021-01-01T01:00:00+01:00", "reason": "", "paymentMethod": "visa""#,
            r#""eventCode": "AUTHORISATION""#,
            r#""eventCode": "\u0041UTHORISATION""#,
            r#""eventCode": "SOMETHING_NEW""#,
            r#""eventCode": null"#,
            r#""amount": null"#,
            r#""amount": {"currency": "EUR", "value": 1130}"#,
            r#""amount": {"value": -1130, "extra": [1]}"#,
            r#""amount": {"currency": null, "value": 0}"#,
            r#""amount": {"currency": "XTS", "value": 999999999999999999}"#,
            r#""amount": {"currency": "EUR", "value": "0012"}"#,
            r#""amount": {"currency": "EUR", "value": "1\u0030"}"#,
            r#""operations": ["CANCEL", "CAPTURE", "SOMETHING", "RE\u0046UND"]"#,
            r#""operations": []"#,
            r#""operations": null"#,
            r#""additionalData": null"#,
            r#""additionalData": {}"#,
            r#""additionalData": {"b": "2", "a": "1", "b": "3", "c": null, "d": "\u0034"}"#,
            r#""extra": {"a": {"b": {"c": "d"}}}"#,
        ] {
            assert!(scanned(&item_with(field)), "{field}");
        }
        for success in [r#""TRUE""#, r#""False""#, r#""\u0074rue""#, "false"] {
            assert!(
                scanned(&item(&format!(r#""success": {success}"#))),
                "{success}"
            );
        }
    }

    /// What the scanner leaves to serde: serde then accepts it, or says what is wrong.
    #[test]
    fn the_rest_is_left_to_serde() {
        for body in [
            "",
            " ",
            "[]",
            "{",
            "{}",
            r#"{"live": "true"}"#,
            r#"{"notificationItems": [], "notificationItems": []}"#,
            r#"{"live": "true", "live": "true", "notificationItems": []}"#,
            r#"{"live": 1, "notificationItems": []}"#,
            r#"{"live": "tr\ue", "notificationItems": []}"#,
            r#"{"notificationItems": []} x"#,
            r#"{"notificationItems": [],}"#,
            r#"{"notificationItems": [] "live": "true"}"#,
            r#"{"notificationItems": {}}"#,
            r#"{"notificationItems": [{"NotificationRequestItem": {"success": "true"}},]}"#,
            r#"{"notificationItems": [{"NotificationRequestItem": {"success": "true"}} {}]}"#,
            r#"{"notificationItems": [{}]}"#,
            r#"{"notificationItems": [{"NotificationRequestItem": {"success": "true"}, "NotificationRequestItem": {"success": "true"}}]}"#,
            r#"{"notificationItems": [{"NotificationRequestItem": {"success": "true"}}]"#,
            r#"{"notificationItems": [{"NotificationRequestItem": {"success": "true"}}"#,
            r#"{"notificationItems": [{"NotificationRequestItem": {"success": "true",}}]}"#,
            r#"{"notificationItems": [{"NotificationRequestItem": {"success" "true"}}]}"#,
            r#"{"notificationItems": [{"NotificationRequestItem": {"success": "true"} ]}"#,
            r#"{"notificationItems": [], "a\u0062": 1}"#,
            r#"{"notificationItems": [], "other": "\u0041"}"#,
            r#"{"notificationItems": [], "other": tru}"#,
            r#"{"notificationItems": [], "other": nul}"#,
            r#"{"notificationItems": [], "other": fals}"#,
            r#"{"notificationItems": [], "other": +1}"#,
            r#"{"notificationItems": [], "other": 01}"#,
            r#"{"notificationItems": [], "other": 1.}"#,
            r#"{"notificationItems": [], "other": .5}"#,
            r#"{"notificationItems": [], "other": 1e}"#,
            r#"{"notificationItems": [], "other": 1e+}"#,
            r#"{"notificationItems": [], "other": -}"#,
            r#"{"notificationItems": [], "other": -x}"#,
            r#"{"notificationItems": [], "other": x}"#,
            r#"{"notificationItems": [], "other": [1,]}"#,
            r#"{"notificationItems": [], "other": [1 2]}"#,
            r#"{"notificationItems": [], "other": {"a" 1}}"#,
            r#"{"notificationItems": [], "other": {1: 1}}"#,
            "{\"notificationItems\": [], \"other\": \"a\x01\"}",
            "{\"notificationItems\": [], \"other\": \"a\\\"}",
            "{\"notificationItems\": [], \"other\": \"a\\",
            "{\"notificationItems\": [], \"other\": \"a",
            "{\"notificationItems\": [], \"other\x1f\": 1}",
        ] {
            assert!(!scanned(body), "{body}");
        }
        for fields in [
            "",
            r#""success": "yes""#,
            r#""success": 1"#,
            r#""success": null"#,
            r#""success": "true", "success": "true""#,
            r#""success": "tru\u0065", "success": "true""#,
        ] {
            assert!(!scanned(&item(fields)), "{fields}");
        }
        for field in [
            r#""pspReference": 1"#,
            r#""pspReference": "a", "pspReference": "a""#,
            r#""originalReference": "a", "originalReference": "a""#,
            r#""merchantAccountCode": "a", "merchantAccountCode": "a""#,
            r#""merchantReference": "a", "merchantReference": "a""#,
            r#""eventDate": "a", "eventDate": "a""#,
            r#""reason": "a", "reason": "a""#,
            r#""paymentMethod": "a", "paymentMethod": "a""#,
            r#""eventCode": "REFUND", "eventCode": "REFUND""#,
            r#""amount": null, "amount": null"#,
            r#""operations": null, "operations": null"#,
            r#""additionalData": null, "additionalData": null"#,
            r#""reason": "\ud800""#,
            r#""reason": "\udc00""#,
            r#""reason": "\ud800\u0041""#,
            r#""reason": "\x""#,
            r#""reason": "\u12""#,
            r#""reason": "\u12g4""#,
            r#""eventCode": 7"#,
            r#""eventCode": "\ud800""#,
            r#""amount": "1130""#,
            r#""amount": {"currency": "EUR"}"#,
            r#""amount": {"currency": "EUR", "value": 1, "value": 1}"#,
            r#""amount": {"currency": "EUR", "currency": "EUR", "value": 1}"#,
            r#""amount": {"value": 1.5}"#,
            r#""amount": {"value": 1e2}"#,
            r#""amount": {"value": 1E2}"#,
            r#""amount": {"value": -0}"#,
            r#""amount": {"value": 01}"#,
            r#""amount": {"value": -}"#,
            r#""amount": {"value": 1000000000000000000}"#,
            r#""amount": {"value": -1000000000000000000}"#,
            r#""amount": {"value": true}"#,
            r#""amount": {"value": "12a"}"#,
            r#""amount": {"value": "\ud800"}"#,
            r#""operations": [null]"#,
            r#""operations": [1]"#,
            r#""operations": "CAPTURE""#,
            r#""operations": ["\ud800"]"#,
            r#""additionalData": {"a": 1}"#,
            r#""additionalData": {"a": true}"#,
            r#""additionalData": {"a": ["x"]}"#,
            r#""additionalData": {"a": "\ud800"}"#,
            r#""additionalData": {"\u0061": "1"}"#,
            r#""additionalData": []"#,
        ] {
            assert!(!scanned(&item_with(field)), "{field}");
        }
    }

    /// A value of a field the crate does not read may nest 32 deep in the scanner; deeper, it is
    /// serde's, which reads it all the same.
    #[test]
    fn ignored_values_nest_to_a_bound() {
        let nested = |depth: usize, open: &str, close: &str| {
            let value = format!("{}1{}", open.repeat(depth), close.repeat(depth));
            format!(r#"{{"notificationItems": [], "other": {value}}}"#)
        };
        for (open, close) in [("[", "]"), (r#"{"a":"#, "}")] {
            assert!(scanned(&nested(super::IGNORED_DEPTH, open, close)));
            let deeper = nested(super::IGNORED_DEPTH + 1, open, close);
            assert!(!scanned(&deeper));
            assert!(both(&deeper).1.is_ok());
        }
    }

    #[test]
    fn special_finds_the_first_quote_backslash_or_control_character() {
        // Five words of eight bytes, and three bytes after them.
        let text: Vec<u8> = (0..43).map(|i| b'a' + i % 26).collect();
        assert_eq!(super::special(&text), None);
        assert_eq!(super::special(b""), None);
        for at in 0..text.len() {
            for byte in [b'"', b'\\', 0x00, 0x1f] {
                let mut text = text.clone();
                text[at] = byte;
                // A second one after it, and bytes just around the ones sought.
                text[(at + 3).min(42)] = b'"';
                assert_eq!(super::special(&text), Some(at), "{byte} at {at}");
            }
            for byte in [b' ', b'!', b'#', b'[', b']', 0x7f, 0x80, 0xff, 0x21 ^ 0x80] {
                let mut text = text.clone();
                text[at] = byte;
                assert_eq!(super::special(&text), None, "{byte} at {at}");
            }
        }
    }
}
