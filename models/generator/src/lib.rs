//! Generates the Rust models of `tower-adyen-webhook-models` from Adyen's OpenAPI webhook specs.
//!
//! The input is a folder of spec files (`<Family>-v<N>.json`, one per family, the latest version)
//! and a `SOURCE` file naming the commit they come from. The output is one Rust module per family
//! plus `mod.rs`, which holds `AdyenEvent` and its dispatch on the body's `type`.
//!
//! Everything is decided by the specs and by the rules below, in one place:
//!
//! - Fields of a webhook's request schema (the envelope: `data`, `timestamp` / `createdAt`...)
//!   are plain values where the spec requires them, except `type` and `environment`, which
//!   bodies sent to a single-event endpoint may lack (the spec's own examples do); every other field,
//!   at any depth, is an `Option`, because Adyen's `required` lists inside `data` are not reliable
//!   and a missing field there must never turn an event untyped. A request schema without a `type`
//!   gets an optional one, so that the dispatch key is written back.
//! - String enums get an `Other(String)` variant holding any value the spec does not list.
//! - `oneOf` / `anyOf` become enums with an `Other(serde_json::Value)` variant: dispatched on the
//!   discriminator where the spec gives one (or where every member has a one-value `type`), else
//!   the first member whose fields cover the object's keys, else the first member that parses.
//! - `allOf` is merged into one struct; `additionalProperties` schemas are `BTreeMap`s.
//! - Integers are `i64`, numbers `f64`; strings of any format (date-time...) stay `String`.
//! - A webhook named by an event code (`AUTHORISATION`, in the standard webhooks' spec) is taken
//!   only if its request schema has a `type` property: the `notificationItems` envelope has none
//!   and is not dispatched on `type`. Its event types are that property's `enum` values, or, for
//!   a free-text `type`, the `type`s of the webhook's examples.
//! - An event type that several webhooks of one family send with different schemas
//!   (`ach.notificationOfChange`) is read with one of them, chosen here: the one whose model knows
//!   the most keys at every depth, then the one not deprecated, then the first webhook by name.
//!   The module's docs say which.
//! - An event type in several families (`balancePlatform.transfer.*`) gets one `AdyenEvent` variant
//!   whose payload is an enum over the families, newest spec version first: the family whose model
//!   knows the most keys of the body and of its `data` wins (the first on a tie), else the first
//!   that parses.
//! - Booleans and integers also accept their text (`"true"`, `"12"`) and lists a single item,
//!   as some of Adyen's examples send them; they are written back as the spec says.
//!
//! Output is deterministic: maps are walked in sorted order and nothing depends on the clock or
//! the environment. The binary formats it with `rustfmt`.

use serde_json::{Map, Value};
use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;

/// One spec file.
#[derive(Debug, Clone)]
pub struct Spec {
    /// The file name, such as `BalancePlatformTransferNotification-v4.json`.
    pub file: String,
    /// The parsed file.
    pub json: Value,
}

/// The name of a family's Rust module, from its spec file name:
/// `BalancePlatformTransferNotification-v4.json` is `transfer`, and `Webhooks-v1.json` (the
/// standard webhooks) is `standard`.
pub fn module_name(file: &str) -> String {
    let stem = file.split("-v").next().unwrap_or(file);
    if stem == "Webhooks" {
        return "standard".into();
    }
    let stem = stem.strip_prefix("BalancePlatform").unwrap_or(stem);
    let stem = stem
        .strip_suffix("NotificationService")
        .or_else(|| stem.strip_suffix("Notification"))
        .unwrap_or(stem);
    snake_case(stem)
}

/// The version number in a spec file name (`-v4.json` is 4).
pub fn version(file: &str) -> u32 {
    file.rsplit("-v")
        .next()
        .and_then(|v| v.strip_suffix(".json"))
        .and_then(|v| v.parse().ok())
        .unwrap_or(0)
}

// ---------------------------------------------------------------------------------------------
// Names

const KEYWORDS: &[&str] = &[
    "as", "async", "await", "box", "break", "const", "continue", "crate", "do", "dyn", "else",
    "enum", "extern", "false", "final", "fn", "for", "gen", "if", "impl", "in", "let", "loop",
    "macro", "match", "mod", "move", "mut", "override", "priv", "pub", "ref", "return", "self",
    "static", "struct", "super", "trait", "true", "try", "type", "typeof", "unsafe", "unsized",
    "use", "virtual", "where", "while", "yield",
];

// Type names the generated code uses unqualified.
const RESERVED_TYPES: &[&str] = &["Box", "Option", "Result", "Self", "String", "Vec"];

fn words(text: &str) -> Vec<String> {
    // Splits on anything not alphanumeric and on lower-to-upper and acronym boundaries.
    let mut out = Vec::new();
    for piece in text.split(|c: char| !c.is_ascii_alphanumeric()) {
        let chars: Vec<char> = piece.chars().collect();
        let mut word = String::new();
        for (i, &c) in chars.iter().enumerate() {
            let boundary = i > 0
                && c.is_ascii_uppercase()
                && (chars[i - 1].is_ascii_lowercase()
                    || chars[i - 1].is_ascii_digit()
                    || (chars[i - 1].is_ascii_uppercase()
                        && chars.get(i + 1).is_some_and(|n| n.is_ascii_lowercase())));
            if boundary && !word.is_empty() {
                out.push(std::mem::take(&mut word));
            }
            word.push(c);
        }
        if !word.is_empty() {
            out.push(word);
        }
    }
    out
}

/// `threeDSRequestorAppURL` is `three_ds_requestor_app_url`.
pub fn snake_case(text: &str) -> String {
    let mut s = words(text)
        .iter()
        .map(|w| w.to_ascii_lowercase())
        .collect::<Vec<_>>()
        .join("_");
    if s.is_empty() {
        s = "field".into();
    }
    if s.starts_with(|c: char| c.is_ascii_digit()) {
        s.insert_str(0, "n_");
    }
    if KEYWORDS.contains(&s.as_str()) {
        s.push('_');
    }
    s
}

/// `balancePlatform.accountHolder.created` is `BalancePlatformAccountHolderCreated`,
/// `ACCOUNT_HOLDER` is `AccountHolder`, `00` is `Value00`.
pub fn camel_case(text: &str) -> String {
    let mut s = String::new();
    for w in words(text) {
        let mut chars = w.chars();
        let first = chars.next().unwrap_or_default();
        s.push(first.to_ascii_uppercase());
        let rest: String = chars.collect();
        if w.chars().all(|c| !c.is_ascii_lowercase()) {
            s.push_str(&rest.to_ascii_lowercase());
        } else {
            s.push_str(&rest);
        }
    }
    if s.is_empty() {
        s = "Empty".into();
    }
    if s.starts_with(|c: char| c.is_ascii_digit()) {
        s.insert_str(0, "Value");
    }
    s
}

fn type_name(schema_name: &str) -> String {
    let mut s = camel_case(schema_name);
    if RESERVED_TYPES.contains(&s.as_str()) {
        s.push_str("Model");
    }
    s
}

fn unique(name: String, taken: &mut BTreeSet<String>) -> String {
    let mut candidate = name.clone();
    let mut n = 2;
    while taken.contains(&candidate) {
        candidate = format!("{name}{n}");
        n += 1;
    }
    taken.insert(candidate.clone());
    candidate
}

// ---------------------------------------------------------------------------------------------
// Doc comments

/// Turns a spec description into doc-comment lines that rustdoc renders and never compiles:
/// no indented code blocks, fences marked `text`, and square brackets that are not links
/// escaped (so that `[accepted]` is no intra-doc link).
pub fn doc_lines(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut in_fence = false;
    for raw in text.replace("\r\n", "\n").replace('\r', "\n").split('\n') {
        let line = raw.replace('\t', " ");
        let line = line.trim();
        if let Some(rest) = line.strip_prefix("```") {
            if in_fence {
                out.push("```".to_owned());
            } else {
                let _ = rest;
                out.push("```text".to_owned());
            }
            in_fence = !in_fence;
            continue;
        }
        if in_fence {
            out.push(line.to_owned());
        } else {
            out.push(escape_brackets(line));
        }
    }
    if in_fence {
        out.push("```".to_owned());
    }
    while out.last().is_some_and(|l| l.is_empty()) {
        out.pop();
    }
    while out.first().is_some_and(|l| l.is_empty()) {
        out.remove(0);
    }
    // Collapse runs of blank lines.
    out.dedup_by(|a, b| a.is_empty() && b.is_empty());
    out
}

fn escape_brackets(line: &str) -> String {
    let chars: Vec<char> = line.chars().collect();
    let mut out = String::new();
    let mut i = 0;
    let mut in_code = false;
    while i < chars.len() {
        let c = chars[i];
        if c == '`' {
            in_code = !in_code;
        }
        if c == '[' && !in_code {
            // A markdown link `[text](url)` stays; anything else is escaped.
            if let Some(close) = chars[i + 1..].iter().position(|&c| c == ']') {
                let close = i + 1 + close;
                if chars.get(close + 1) == Some(&'(') {
                    out.extend(&chars[i..=close]);
                    i = close + 1;
                    continue;
                }
            }
            out.push_str("\\[");
        } else if c == ']' && !in_code {
            out.push_str("\\]");
        } else {
            out.push(c);
        }
        i += 1;
    }
    out
}

fn write_doc(out: &mut String, indent: &str, text: &str) {
    for line in doc_lines(text) {
        if line.is_empty() {
            let _ = writeln!(out, "{indent}///");
        } else {
            let _ = writeln!(out, "{indent}/// {line}");
        }
    }
}

fn rust_string(text: &str) -> String {
    format!("{text:?}")
}

// ---------------------------------------------------------------------------------------------
// The model: what one family's module holds

#[derive(Debug, Clone, PartialEq)]
enum Ty {
    Str,
    I64,
    F64,
    Bool,
    Value,
    Named(String),
    Vec(Box<Ty>),
    Map(Box<Ty>),
}

#[derive(Debug, Clone)]
struct Field {
    json: String,
    rust: String,
    ty: Ty,
    required: bool,
    boxed: bool,
    doc: String,
}

#[derive(Debug, Clone)]
enum Def {
    Struct {
        doc: String,
        fields: Vec<Field>,
    },
    Enum {
        doc: String,
        values: Vec<String>,
    },
    Union {
        doc: String,
        members: Vec<String>,
        /// `(property, value → member index)`
        discriminator: Option<(String, Vec<(String, usize)>)>,
    },
}

struct Family {
    module: String,
    file: String,
    version: u32,
    title: String,
    components: Map<String, Value>,
    /// Component schema name → Rust type (or primitive) it became.
    resolved: BTreeMap<String, Ty>,
    defs: BTreeMap<String, Def>,
    taken: BTreeSet<String>,
    /// Request schema names (their required fields stay required).
    requests: BTreeSet<String>,
    /// `(event type, request type, summary)`, sorted by event type.
    webhooks: Vec<(String, String, String)>,
    /// Structs whose field names the dispatch code needs.
    need_fields: BTreeSet<String>,
    /// `components/examples`, for the `type`s of webhooks whose schema does not list them.
    examples: Map<String, Value>,
    /// What the module's docs say besides its event types: webhooks left out, shared types.
    notes: Vec<String>,
}

/// One `type` a webhook sends.
struct Hook {
    event: String,
    /// The webhook's name in the spec, without the leading `/`.
    webhook: String,
    request: String,
    summary: String,
    deprecated: bool,
}

/// Whether a webhook's name is an event code (`AUTHORISATION`, `ACH_NOTIFICATION_OF_CHANGE`),
/// as the standard webhooks are named, rather than the `type` its bodies carry.
fn is_event_code(name: &str) -> bool {
    !name.is_empty()
        && name
            .chars()
            .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_')
}

fn sorted(map: &Map<String, Value>) -> Vec<(&String, &Value)> {
    let mut v: Vec<_> = map.iter().collect();
    v.sort_by(|a, b| a.0.cmp(b.0));
    v
}

fn ref_name(schema: &Value) -> Option<&str> {
    ref_name_of(schema, "#/components/schemas/")
}

fn ref_name_of<'a>(value: &'a Value, prefix: &str) -> Option<&'a str> {
    value.get("$ref")?.as_str()?.strip_prefix(prefix)
}

fn description(schema: &Value) -> String {
    let mut doc = schema
        .get("description")
        .and_then(Value::as_str)
        .unwrap_or("")
        .trim()
        .to_owned();
    if schema.get("deprecated") == Some(&Value::Bool(true)) {
        let msg = schema
            .get("x-deprecatedMessage")
            .and_then(Value::as_str)
            .unwrap_or("");
        if !doc.is_empty() {
            doc.push_str("\n\n");
        }
        doc.push_str("Deprecated in the spec.");
        if !msg.is_empty() {
            doc.push(' ');
            doc.push_str(msg);
        }
    }
    doc
}

impl Family {
    fn new(spec: &Spec) -> Result<Self, String> {
        let components = spec
            .json
            .pointer("/components/schemas")
            .and_then(Value::as_object)
            .cloned()
            .unwrap_or_default();
        let title = spec
            .json
            .pointer("/info/title")
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_owned();
        let mut family = Family {
            module: module_name(&spec.file),
            file: spec.file.clone(),
            version: version(&spec.file),
            title,
            components,
            resolved: BTreeMap::new(),
            defs: BTreeMap::new(),
            taken: BTreeSet::new(),
            requests: BTreeSet::new(),
            webhooks: Vec::new(),
            need_fields: BTreeSet::new(),
            examples: spec
                .json
                .pointer("/components/examples")
                .and_then(Value::as_object)
                .cloned()
                .unwrap_or_default(),
            notes: Vec::new(),
        };
        // Component names first, so that inline types never take them.
        let names: Vec<String> = family.components.keys().cloned().collect();
        for name in &names {
            family.taken.insert(type_name(name));
        }
        let webhooks = spec
            .json
            .get("webhooks")
            .and_then(Value::as_object)
            .ok_or_else(|| format!("{}: no webhooks", spec.file))?;
        let mut hooks = Vec::new();
        let mut left_out = Vec::new();
        for (key, item) in sorted(webhooks) {
            let post = item.get("post").unwrap_or(item);
            let schema = post
                .pointer("/requestBody/content/application~1json/schema")
                .ok_or_else(|| format!("{}: {key} has no JSON request body", spec.file))?;
            let request = ref_name(schema)
                .ok_or_else(|| format!("{}: {key}: request schema is no $ref", spec.file))?
                .to_owned();
            let mut summary = post
                .get("summary")
                .and_then(Value::as_str)
                .unwrap_or("")
                .trim()
                .to_owned();
            let name = key.trim_start_matches('/');
            let types = if is_event_code(name) {
                // Keyed by event code (the standard webhooks): only a body with a `type` of
                // its own is dispatched on it.
                let Some(types) = family.type_values(&request, post)? else {
                    left_out.push(name.to_owned());
                    continue;
                };
                summary = if summary.is_empty() {
                    format!("webhook `{name}`")
                } else {
                    format!("{summary}, webhook `{name}`")
                };
                types
            } else {
                vec![key.clone()]
            };
            for event in types {
                hooks.push(Hook {
                    event,
                    webhook: name.to_owned(),
                    request: request.clone(),
                    summary: summary.clone(),
                    deprecated: post.get("deprecated") == Some(&Value::Bool(true)),
                });
            }
        }
        if hooks.is_empty() {
            return Err(format!("{}: no webhook with a `type`", spec.file));
        }
        let mut by_request: BTreeMap<String, Vec<String>> = BTreeMap::new();
        for hook in &hooks {
            let events = by_request.entry(hook.request.clone()).or_default();
            if !events.contains(&hook.event) {
                events.push(hook.event.clone());
            }
        }
        family.requests = by_request.keys().cloned().collect();
        for (request, events) in &by_request {
            family.resolve_request(request, events)?;
        }
        family.choose_shared(hooks, left_out)?;
        Ok(family)
    }

    /// The `type` values a webhook keyed by event code sends: the enum of its request schema's
    /// `type`, else (a free-text `type`) the `type`s of its examples. `None` if the schema has
    /// no `type`: such a body is not dispatched on one.
    fn type_values(&self, request: &str, post: &Value) -> Result<Option<Vec<String>>, String> {
        let schema = self
            .components
            .get(request)
            .ok_or_else(|| format!("{}: no schema {request}", self.file))?;
        let schema = if schema.get("allOf").is_some() {
            self.merge_all_of(schema)?
        } else {
            schema.clone()
        };
        let Some(mut property) = schema.pointer("/properties/type").cloned() else {
            return Ok(None);
        };
        if let Some(target) = ref_name(&property) {
            property = self.components.get(target).cloned().unwrap_or_default();
        }
        let mut values: Vec<String> = property
            .get("enum")
            .and_then(Value::as_array)
            .map(|e| {
                e.iter()
                    .filter_map(Value::as_str)
                    .map(str::to_owned)
                    .collect()
            })
            .unwrap_or_default();
        if values.is_empty() {
            let examples = post
                .pointer("/requestBody/content/application~1json/examples")
                .and_then(Value::as_object);
            for (_, example) in examples.map(sorted).unwrap_or_default() {
                let example = match ref_name_of(example, "#/components/examples/") {
                    Some(name) => self.examples.get(name).unwrap_or(&Value::Null),
                    None => example,
                };
                if let Some(t) = example.pointer("/value/type").and_then(Value::as_str) {
                    values.push(t.to_owned());
                }
            }
        }
        values.sort();
        values.dedup();
        if values.is_empty() {
            return Err(format!(
                "{}: {request} has a `type` with no enum, and its webhook's examples no `type`: \
                 there is no telling what it sends; give the schema an enum",
                self.file
            ));
        }
        Ok(Some(values))
    }

    /// Gives each event type of the family one request type. Where several webhooks send the
    /// same `type` with different schemas (`ach.notificationOfChange`, from
    /// `DIRECT_DEBIT_NOTICE_OF_CHANGE_NOTIFICATION` and the deprecated
    /// `ACH_NOTIFICATION_OF_CHANGE`), the schema whose model knows the most keys at every depth
    /// wins, then the one whose webhook is not deprecated, then the first webhook by name; the
    /// others are noted in the module's docs.
    fn choose_shared(&mut self, hooks: Vec<Hook>, left_out: Vec<String>) -> Result<(), String> {
        let mut by_event: BTreeMap<String, Vec<(Hook, String)>> = BTreeMap::new();
        for hook in hooks {
            let ty = match self.resolved.get(&hook.request) {
                Some(Ty::Named(n)) => n.clone(),
                _ => return Err(format!("{}: {} is not an object", self.file, hook.request)),
            };
            by_event
                .entry(hook.event.clone())
                .or_default()
                .push((hook, ty));
        }
        for (event, mut candidates) in by_event {
            let keys: BTreeMap<String, usize> = candidates
                .iter()
                .map(|(_, ty)| (ty.clone(), self.known_keys(ty, &mut Vec::new())))
                .collect();
            // Stable: on a full tie, the first webhook by name (the order they came in).
            candidates.sort_by(|(a, a_ty), (b, b_ty)| {
                keys[b_ty]
                    .cmp(&keys[a_ty])
                    .then(a.deprecated.cmp(&b.deprecated))
            });
            let (winner, ty) = &candidates[0];
            for (other, other_ty) in &candidates[1..] {
                if other_ty == ty {
                    continue;
                }
                let why = if keys[ty] != keys[other_ty] {
                    format!("knows more keys ({} to {})", keys[ty], keys[other_ty])
                } else if winner.deprecated != other.deprecated {
                    format!("knows as many keys ({}) and is not deprecated", keys[ty])
                } else {
                    format!("knows as many keys ({}) and comes first", keys[ty])
                };
                self.notes.push(format!(
                    "`{}`{} sends `{event}` too, described by [`{other_ty}`]: such bodies are read \
                     with [`{ty}`] (of `{}`), whose model {why}.",
                    other.webhook,
                    if other.deprecated {
                        " (deprecated)"
                    } else {
                        ""
                    },
                    winner.webhook,
                ));
            }
            self.webhooks
                .push((event, ty.clone(), winner.summary.clone()));
        }
        match left_out.as_slice() {
            [] => {}
            [one] => self.notes.push(format!(
                "Not here: the webhook keyed by an event code whose body has no `type` (`{one}`)."
            )),
            [first, .., last] => self.notes.push(format!(
                "Not here: the {} webhooks keyed by an event code whose body has no `type` \
                 (`{first}` to `{last}`).",
                left_out.len()
            )),
        }
        Ok(())
    }

    /// How many keys a type's model knows, counting the fields of every struct below it
    /// (the largest member of a `oneOf`), each struct once on a path.
    fn known_keys(&self, ty: &str, path: &mut Vec<String>) -> usize {
        if path.iter().any(|p| p == ty) {
            return 0;
        }
        path.push(ty.to_owned());
        let n = match self.defs.get(ty) {
            Some(Def::Struct { fields, .. }) => fields
                .iter()
                .map(|f| 1 + self.known_keys_of(&f.ty, path))
                .sum(),
            Some(Def::Union { members, .. }) => members
                .iter()
                .map(|m| self.known_keys(m, path))
                .max()
                .unwrap_or_default(),
            _ => 0,
        };
        path.pop();
        n
    }

    fn known_keys_of(&self, ty: &Ty, path: &mut Vec<String>) -> usize {
        match ty {
            Ty::Named(n) => self.known_keys(n, path),
            Ty::Vec(t) | Ty::Map(t) => self.known_keys_of(t, path),
            _ => 0,
        }
    }

    fn resolve_request(&mut self, name: &str, events: &[String]) -> Result<(), String> {
        let ty = self.resolve_component(name)?;
        let Ty::Named(rust) = ty else {
            return Err(format!("{}: request {name} is not an object", self.file));
        };
        let type_ty = {
            let Some(Def::Struct { fields, .. }) = self.defs.get(&rust) else {
                return Err(format!("{}: request {name} is not an object", self.file));
            };
            fields
                .iter()
                .find(|f| f.json == "type")
                .map(|f| f.ty.clone())
        };
        let mut add = None;
        match type_ty {
            Some(_) => {}
            None => {
                // The spec leaves the dispatch key out of this body: add it, with the event
                // types that use this schema as its values.
                let enum_name = unique(format!("{rust}Type"), &mut self.taken);
                self.defs.insert(
                    enum_name.clone(),
                    Def::Enum {
                        doc: format!("The event types of [`{rust}`]."),
                        values: events.to_vec(),
                    },
                );
                add = Some(Field {
                    json: "type".into(),
                    rust: "type_".into(),
                    ty: Ty::Named(enum_name),
                    required: false,
                    boxed: false,
                    doc: "The type of webhook (not in the spec's schema; Adyen's other bodies have it)."
                        .into(),
                });
            }
        }
        if let Some(Def::Struct { fields, .. }) = self.defs.get_mut(&rust) {
            if let Some(f) = add {
                fields.push(f);
                fields.sort_by(|a, b| a.json.cmp(&b.json));
            }
            // An endpoint that receives one event type may get bodies without these: the spec's
            // own examples of relayed authentication and authorisation have neither.
            for f in fields.iter_mut() {
                if f.json == "type" || f.json == "environment" {
                    f.required = false;
                }
            }
        }
        Ok(())
    }

    fn resolve_component(&mut self, name: &str) -> Result<Ty, String> {
        if let Some(ty) = self.resolved.get(name) {
            return Ok(ty.clone());
        }
        let schema = self
            .components
            .get(name)
            .cloned()
            .ok_or_else(|| format!("{}: no schema {name}", self.file))?;
        let rust = type_name(name);
        // Placeholder first: recursive schemas refer to themselves.
        self.resolved
            .insert(name.to_owned(), Ty::Named(rust.clone()));
        let required_here = self.requests.contains(name);
        let ty = self.define(&schema, rust.clone(), required_here, true)?;
        self.resolved.insert(name.to_owned(), ty.clone());
        Ok(ty)
    }

    /// The type of a schema. `name` is the type name to use if it needs a definition of its own;
    /// `named` says whether the name is already reserved (component schemas).
    fn define(
        &mut self,
        schema: &Value,
        name: String,
        keep_required: bool,
        named: bool,
    ) -> Result<Ty, String> {
        if let Some(r) = ref_name(schema) {
            return self.resolve_component(r);
        }
        let take = |this: &mut Self, name: String| {
            if named {
                name
            } else {
                unique(name, &mut this.taken)
            }
        };
        if let Some(parts) = schema.get("allOf").and_then(Value::as_array) {
            if parts.len() == 1 && schema.get("properties").is_none() {
                return self.define(&parts[0], name, keep_required, named);
            }
            let merged = self.merge_all_of(schema)?;
            return self.define(&merged, name, keep_required, named);
        }
        for key in ["oneOf", "anyOf"] {
            if let Some(members) = schema.get(key).and_then(Value::as_array) {
                if members.len() == 1 {
                    return self.define(&members[0], name, keep_required, named);
                }
                let rust = take(self, name);
                return self.define_union(schema, members, rust);
            }
        }
        if let Some(values) = schema.get("enum").and_then(Value::as_array) {
            if values.iter().all(Value::is_string) && !values.is_empty() {
                let rust = take(self, name);
                let mut seen = BTreeSet::new();
                let values = values
                    .iter()
                    .filter_map(Value::as_str)
                    .filter(|v| seen.insert(v.to_string()))
                    .map(str::to_owned)
                    .collect();
                self.defs.insert(
                    rust.clone(),
                    Def::Enum {
                        doc: description(schema),
                        values,
                    },
                );
                return Ok(Ty::Named(rust));
            }
        }
        let kind = schema.get("type").and_then(Value::as_str).unwrap_or("");
        let has_props = schema.get("properties").is_some();
        Ok(match kind {
            "string" => Ty::Str,
            "integer" => Ty::I64,
            "number" => Ty::F64,
            "boolean" => Ty::Bool,
            "array" => {
                let items = schema.get("items").cloned().unwrap_or(Value::Null);
                let item = self.define(&items, format!("{name}Item"), false, false)?;
                Ty::Vec(Box::new(item))
            }
            _ if has_props => {
                let rust = take(self, name);
                self.define_struct(schema, rust, keep_required)?
            }
            "object" | "" => match schema.get("additionalProperties") {
                Some(extra) if extra.is_object() && !extra.as_object().unwrap().is_empty() => {
                    let value = self.define(extra, format!("{name}Value"), false, false)?;
                    Ty::Map(Box::new(value))
                }
                Some(Value::Bool(false)) if kind == "object" => {
                    // An object with no properties at all: keep whatever comes.
                    Ty::Map(Box::new(Ty::Value))
                }
                _ if kind == "object" => Ty::Map(Box::new(Ty::Value)),
                _ => Ty::Value,
            },
            _ => Ty::Value,
        })
    }

    fn merge_all_of(&self, schema: &Value) -> Result<Value, String> {
        let mut properties = Map::new();
        let mut required = Vec::new();
        let mut doc = schema.get("description").cloned();
        let mut stack: Vec<Value> = schema
            .get("allOf")
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default();
        stack.reverse();
        let mut own = schema.clone();
        if let Some(o) = own.as_object_mut() {
            o.remove("allOf");
        }
        stack.insert(0, own);
        let mut guard = 0;
        while let Some(part) = stack.pop() {
            guard += 1;
            if guard > 1000 {
                return Err(format!("{}: allOf does not end", self.file));
            }
            let part = match ref_name(&part) {
                Some(r) => self
                    .components
                    .get(r)
                    .cloned()
                    .ok_or_else(|| format!("{}: no schema {r}", self.file))?,
                None => part,
            };
            if let Some(inner) = part.get("allOf").and_then(Value::as_array) {
                for p in inner.iter().rev() {
                    stack.push(p.clone());
                }
            }
            if let Some(p) = part.get("properties").and_then(Value::as_object) {
                for (k, v) in p {
                    properties.insert(k.clone(), v.clone());
                }
            }
            if let Some(r) = part.get("required").and_then(Value::as_array) {
                required.extend(r.iter().cloned());
            }
            if doc.is_none() {
                doc = part.get("description").cloned();
            }
        }
        let mut merged = Map::new();
        merged.insert("type".into(), "object".into());
        merged.insert("properties".into(), Value::Object(properties));
        merged.insert("required".into(), Value::Array(required));
        if let Some(d) = doc {
            merged.insert("description".into(), d);
        }
        Ok(Value::Object(merged))
    }

    fn define_struct(
        &mut self,
        schema: &Value,
        rust: String,
        keep_required: bool,
    ) -> Result<Ty, String> {
        // Reserve the name before the fields, which may refer back to it.
        self.defs.insert(
            rust.clone(),
            Def::Struct {
                doc: String::new(),
                fields: Vec::new(),
            },
        );
        let required: BTreeSet<&str> = schema
            .get("required")
            .and_then(Value::as_array)
            .map(|r| r.iter().filter_map(Value::as_str).collect())
            .unwrap_or_default();
        let empty = Map::new();
        let props = schema
            .get("properties")
            .and_then(Value::as_object)
            .unwrap_or(&empty);
        let mut fields = Vec::new();
        let mut idents = BTreeSet::new();
        for (json, prop) in sorted(props) {
            let ty = self.define(prop, format!("{rust}{}", camel_case(json)), false, false)?;
            let ident = unique_ident(snake_case(json), &mut idents);
            fields.push(Field {
                json: json.clone(),
                rust: ident,
                ty,
                required: keep_required && required.contains(json.as_str()),
                boxed: false,
                doc: description(prop),
            });
        }
        self.defs.insert(
            rust.clone(),
            Def::Struct {
                doc: description(schema),
                fields,
            },
        );
        Ok(Ty::Named(rust))
    }

    fn define_union(
        &mut self,
        schema: &Value,
        members: &[Value],
        rust: String,
    ) -> Result<Ty, String> {
        self.defs.insert(
            rust.clone(),
            Def::Union {
                doc: String::new(),
                members: Vec::new(),
                discriminator: None,
            },
        );
        let mut names = Vec::new();
        for (i, m) in members.iter().enumerate() {
            let ty = self.define(m, format!("{rust}Variant{}", i + 1), false, false)?;
            match ty {
                Ty::Named(n) if matches!(self.defs.get(&n), Some(Def::Struct { .. })) => {
                    names.push(n)
                }
                _ => {
                    return Err(format!(
                        "{}: {rust}: oneOf members must be objects",
                        self.file
                    ))
                }
            }
        }
        let mut discriminator = None;
        if let Some(d) = schema.get("discriminator") {
            let property = d
                .get("propertyName")
                .and_then(Value::as_str)
                .unwrap_or("type")
                .to_owned();
            let mut mapping = Vec::new();
            if let Some(m) = d.get("mapping").and_then(Value::as_object) {
                for (value, target) in sorted(m) {
                    let target = target
                        .as_str()
                        .and_then(|t| t.strip_prefix("#/components/schemas/"))
                        .ok_or_else(|| format!("{}: {rust}: bad mapping", self.file))?;
                    let ty = self.resolve_component(target)?;
                    let idx = names
                        .iter()
                        .position(|n| Ty::Named(n.clone()) == ty)
                        .ok_or_else(|| format!("{}: {rust}: {target} not a member", self.file))?;
                    mapping.push((value.clone(), idx));
                }
            }
            discriminator = Some((property, mapping));
        }
        if discriminator
            .as_ref()
            .is_none_or(|(_, m): &(String, Vec<_>)| m.is_empty())
        {
            // Every member with a one-value `type` is as good as a discriminator.
            let mut mapping = Vec::new();
            for (idx, n) in names.iter().enumerate() {
                if let Some(v) = self.single_type_value(n) {
                    mapping.push((v, idx));
                }
            }
            mapping.sort();
            let distinct: BTreeSet<_> = mapping.iter().map(|(v, _)| v).collect();
            if mapping.len() == names.len() && distinct.len() == names.len() {
                discriminator = Some(("type".into(), mapping));
            } else {
                discriminator = None;
            }
        }
        if discriminator.is_none() {
            self.need_fields.extend(names.iter().cloned());
        }
        self.defs.insert(
            rust.clone(),
            Def::Union {
                doc: description(schema),
                members: names,
                discriminator,
            },
        );
        Ok(Ty::Named(rust))
    }

    fn single_type_value(&self, name: &str) -> Option<String> {
        let Some(Def::Struct { fields, .. }) = self.defs.get(name) else {
            return None;
        };
        let f = fields.iter().find(|f| f.json == "type")?;
        let Ty::Named(e) = &f.ty else { return None };
        match self.defs.get(e) {
            Some(Def::Enum { values, .. }) if values.len() == 1 => Some(values[0].clone()),
            _ => None,
        }
    }

    /// Boxes the fields through which a struct contains itself.
    fn box_cycles(&mut self) {
        let mut edges: BTreeMap<String, Vec<String>> = BTreeMap::new();
        for (name, def) in &self.defs {
            if let Def::Struct { fields, .. } = def {
                let targets = fields
                    .iter()
                    .filter_map(|f| match &f.ty {
                        Ty::Named(n) => Some(n.clone()),
                        _ => None,
                    })
                    .collect();
                edges.insert(name.clone(), targets);
            }
        }
        let reaches = |from: &str, to: &str| -> bool {
            let mut stack = vec![from.to_owned()];
            let mut seen = BTreeSet::new();
            while let Some(n) = stack.pop() {
                if n == to {
                    return true;
                }
                if seen.insert(n.clone()) {
                    if let Some(next) = edges.get(&n) {
                        stack.extend(next.iter().cloned());
                    }
                }
            }
            false
        };
        let mut to_box = Vec::new();
        for (name, def) in &self.defs {
            if let Def::Struct { fields, .. } = def {
                for (i, f) in fields.iter().enumerate() {
                    if let Ty::Named(n) = &f.ty {
                        if edges.contains_key(n) && reaches(n, name) {
                            to_box.push((name.clone(), i));
                        }
                    }
                }
            }
        }
        for (name, i) in to_box {
            if let Some(Def::Struct { fields, .. }) = self.defs.get_mut(&name) {
                fields[i].boxed = true;
            }
        }
    }

    fn struct_fields(&self, name: &str) -> Vec<String> {
        match self.defs.get(name) {
            Some(Def::Struct { fields, .. }) => fields.iter().map(|f| f.json.clone()).collect(),
            _ => Vec::new(),
        }
    }

    /// The struct `data` is, for a request type.
    fn data_struct(&self, request: &str) -> Option<String> {
        let Some(Def::Struct { fields, .. }) = self.defs.get(request) else {
            return None;
        };
        let f = fields.iter().find(|f| f.json == "data")?;
        match &f.ty {
            Ty::Named(n) if matches!(self.defs.get(n), Some(Def::Struct { .. })) => Some(n.clone()),
            _ => None,
        }
    }
}

fn unique_ident(name: String, taken: &mut BTreeSet<String>) -> String {
    let mut candidate = name.clone();
    let mut n = 2;
    while taken.contains(&candidate) {
        candidate = format!("{name}_{n}");
        n += 1;
    }
    taken.insert(candidate.clone());
    candidate
}

// ---------------------------------------------------------------------------------------------
// Emitting Rust

fn rust_ty(ty: &Ty) -> String {
    match ty {
        Ty::Str => "String".into(),
        Ty::I64 => "i64".into(),
        Ty::F64 => "f64".into(),
        Ty::Bool => "bool".into(),
        Ty::Value => "serde_json::Value".into(),
        Ty::Named(n) => n.clone(),
        Ty::Vec(t) => format!("Vec<{}>", rust_ty(t)),
        Ty::Map(t) => format!("std::collections::BTreeMap<String, {}>", rust_ty(t)),
    }
}

fn header(out: &mut String, source: &Source, file: Option<&str>) {
    let _ = writeln!(
        out,
        "// @generated by adyen-models-gen from {} at commit {}{}.",
        source.repo,
        source.commit,
        file.map(|f| format!(", json/{f}")).unwrap_or_default()
    );
    let _ = writeln!(
        out,
        "// Do not edit: change the generator (models/generator) or the spec (models/spec) and run\n\
         // `cargo run -p adyen-models-gen -- models/spec models/src/generated`.\n"
    );
}

fn emit_family(family: &Family, source: &Source) -> String {
    let mut out = String::new();
    header(&mut out, source, Some(&family.file));
    let _ = writeln!(
        out,
        "//! {}: the models of `{}` (version {}).\n//!\n//! Event types:\n//!",
        if family.title.is_empty() {
            family.module.as_str()
        } else {
            family.title.as_str()
        },
        family.file,
        family.version
    );
    for (event, ty, summary) in &family.webhooks {
        let _ = writeln!(
            out,
            "//! - `{event}`: [`{ty}`]{}",
            if summary.is_empty() {
                String::new()
            } else {
                format!(" ({})", summary.trim())
            }
        );
    }
    for note in &family.notes {
        let _ = writeln!(out, "//!\n//! {note}");
    }
    out.push('\n');
    for (name, def) in &family.defs {
        match def {
            Def::Struct { doc, fields } => emit_struct(&mut out, family, name, doc, fields),
            Def::Enum { doc, values } => emit_enum(&mut out, name, doc, values),
            Def::Union {
                doc,
                members,
                discriminator,
            } => emit_union(&mut out, family, name, doc, members, discriminator.as_ref()),
        }
    }
    out
}

fn emit_struct(out: &mut String, family: &Family, name: &str, doc: &str, fields: &[Field]) {
    if doc.is_empty() {
        let _ = writeln!(out, "/// `{name}`.");
    } else {
        write_doc(out, "", doc);
    }
    let all_optional = fields.iter().all(|f| !f.required);
    let _ = writeln!(
        out,
        "#[derive(Debug, Clone, PartialEq, {}serde::Serialize, serde::Deserialize)]\n#[non_exhaustive]\npub struct {name} {{",
        if all_optional { "Default, " } else { "" }
    );
    for f in fields {
        if f.doc.is_empty() {
            let _ = writeln!(out, "    /// `{}`.", f.json);
        } else {
            write_doc(out, "    ", &f.doc);
        }
        let mut attrs = Vec::new();
        if f.rust != f.json {
            attrs.push(format!("rename = {}", rust_string(&f.json)));
        }
        // Adyen's examples (and its older payloads) send some booleans and integers as strings
        // and some one-item lists as the item alone: accepted, written back as the spec says.
        let lenient = match (&f.ty, f.required) {
            (Ty::Bool, false) => Some("crate::support::lenient::option_bool"),
            (Ty::Bool, true) => Some("crate::support::lenient::bool"),
            (Ty::I64, false) => Some("crate::support::lenient::option_i64"),
            (Ty::I64, true) => Some("crate::support::lenient::i64"),
            (Ty::Vec(_), false) => Some("crate::support::lenient::option_vec"),
            (Ty::Vec(_), true) => Some("crate::support::lenient::vec"),
            _ => None,
        };
        if let Some(with) = lenient {
            attrs.push(format!("deserialize_with = \"{with}\""));
        }
        let mut ty = rust_ty(&f.ty);
        if f.boxed {
            ty = format!("Box<{ty}>");
        }
        if !f.required {
            attrs.push("default".into());
            attrs.push("skip_serializing_if = \"Option::is_none\"".into());
            ty = format!("Option<{ty}>");
        }
        if !attrs.is_empty() {
            let _ = writeln!(out, "    #[serde({})]", attrs.join(", "));
        }
        let _ = writeln!(out, "    pub {}: {ty},", f.rust);
    }
    out.push_str("}\n\n");
    if family.need_fields.contains(name) {
        let names = family
            .struct_fields(name)
            .iter()
            .map(|f| rust_string(f))
            .collect::<Vec<_>>()
            .join(", ");
        let _ = writeln!(
            out,
            "impl {name} {{\n    /// The JSON names of the fields.\n    pub(crate) const FIELDS: &'static [&'static str] = &[{names}];\n}}\n"
        );
    }
}

fn enum_variants(values: &[String]) -> Vec<(String, String)> {
    let mut taken = BTreeSet::new();
    taken.insert("Other".to_owned());
    values
        .iter()
        .map(|v| {
            let mut name = camel_case(v);
            if name == "Other" {
                name = "OtherValue".into();
            }
            (unique(name, &mut taken), v.clone())
        })
        .collect()
}

fn emit_enum(out: &mut String, name: &str, doc: &str, values: &[String]) {
    if doc.is_empty() {
        let _ = writeln!(out, "/// `{name}`.");
    } else {
        write_doc(out, "", doc);
    }
    let variants = enum_variants(values);
    let _ = writeln!(
        out,
        "#[derive(Debug, Clone, PartialEq, Eq, Hash)]\n#[non_exhaustive]\npub enum {name} {{"
    );
    for (v, json) in &variants {
        let _ = writeln!(out, "    /// `{json}`\n    {v},");
    }
    let _ = writeln!(
        out,
        "    /// A value the spec does not list, as received.\n    Other(String),\n}}\n"
    );
    let _ = writeln!(
        out,
        "impl {name} {{\n    /// The value as it is sent.\n    pub fn as_str(&self) -> &str {{\n        match self {{"
    );
    for (v, json) in &variants {
        let _ = writeln!(out, "            Self::{v} => {},", rust_string(json));
    }
    let _ = writeln!(
        out,
        "            Self::Other(other) => other,\n        }}\n    }}\n}}\n"
    );
    let _ = writeln!(
        out,
        "impl From<&str> for {name} {{\n    fn from(value: &str) -> Self {{\n        match value {{"
    );
    for (v, json) in &variants {
        let _ = writeln!(out, "            {} => Self::{v},", rust_string(json));
    }
    let _ = writeln!(
        out,
        "            other => Self::Other(other.to_owned()),\n        }}\n    }}\n}}\n"
    );
    let _ = writeln!(
        out,
        "impl serde::Serialize for {name} {{\n    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {{\n        serializer.serialize_str(self.as_str())\n    }}\n}}\n"
    );
    let _ = writeln!(
        out,
        "impl<'de> serde::Deserialize<'de> for {name} {{\n    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {{\n        crate::support::string_enum(deserializer)\n    }}\n}}\n"
    );
}

fn member_variant(member: &str, union: &str) -> String {
    member
        .strip_prefix(union)
        .filter(|s| !s.is_empty() && !s.starts_with(|c: char| c.is_ascii_digit()))
        .unwrap_or(member)
        .to_owned()
}

fn emit_union(
    out: &mut String,
    family: &Family,
    name: &str,
    doc: &str,
    members: &[String],
    discriminator: Option<&(String, Vec<(String, usize)>)>,
) {
    if doc.is_empty() {
        let _ = writeln!(out, "/// One of several shapes.");
    } else {
        write_doc(out, "", doc);
    }
    let mut taken = BTreeSet::new();
    taken.insert("Other".to_owned());
    let variants: Vec<String> = members
        .iter()
        .map(|m| unique(member_variant(m, name), &mut taken))
        .collect();
    let _ = writeln!(
        out,
        "#[derive(Debug, Clone, PartialEq)]\n#[non_exhaustive]\npub enum {name} {{"
    );
    for (v, m) in variants.iter().zip(members) {
        let _ = writeln!(out, "    /// [`{m}`]\n    {v}(Box<{m}>),");
    }
    let _ = writeln!(
        out,
        "    /// A shape the spec does not describe, or one that does not fit its model, as received.\n    Other(serde_json::Value),\n}}\n"
    );
    let _ = writeln!(
        out,
        "impl serde::Serialize for {name} {{\n    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {{\n        match self {{"
    );
    for v in &variants {
        let _ = writeln!(
            out,
            "            Self::{v}(inner) => serde::Serialize::serialize(inner, serializer),"
        );
    }
    let _ = writeln!(
        out,
        "            Self::Other(value) => serde::Serialize::serialize(value, serializer),\n        }}\n    }}\n}}\n"
    );
    let _ = writeln!(
        out,
        "impl<'de> serde::Deserialize<'de> for {name} {{\n    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {{\n        let value = <serde_json::Value as serde::Deserialize>::deserialize(deserializer)?;"
    );
    match discriminator {
        Some((property, mapping)) => {
            let _ = writeln!(
                out,
                "        let tag = value.get({}).and_then(serde_json::Value::as_str).unwrap_or_default().to_owned();\n        Ok(match tag.as_str() {{",
                rust_string(property)
            );
            for (tag, idx) in mapping {
                let _ = writeln!(
                    out,
                    "            {} => crate::support::member(value, Self::{}, Self::Other),",
                    rust_string(tag),
                    variants[*idx]
                );
            }
            let _ = writeln!(out, "            _ => Self::Other(value),\n        }})");
        }
        None => {
            for (v, m) in variants.iter().zip(members) {
                let _ = writeln!(
                    out,
                    "        if crate::support::covers(&value, {m}::FIELDS) {{\n            if let Ok(inner) = <{m} as serde::Deserialize>::deserialize(&value) {{\n                return Ok(Self::{v}(Box::new(inner)));\n            }}\n        }}"
                );
            }
            for (v, m) in variants.iter().zip(members) {
                let _ = writeln!(
                    out,
                    "        if let Ok(inner) = <{m} as serde::Deserialize>::deserialize(&value) {{\n            return Ok(Self::{v}(Box::new(inner)));\n        }}"
                );
            }
            let _ = writeln!(out, "        Ok(Self::Other(value))");
        }
    }
    let _ = writeln!(out, "    }}\n}}\n");
    let _ = family;
}

// ---------------------------------------------------------------------------------------------
// The event enum

/// Where the specs come from, as the `SOURCE` file says.
#[derive(Debug, Clone)]
pub struct Source {
    /// `Adyen/adyen-openapi`
    pub repo: String,
    /// The full commit hash.
    pub commit: String,
}

impl Source {
    /// Reads `repo:` and `commit:` lines.
    pub fn parse(text: &str) -> Result<Self, String> {
        let mut repo = None;
        let mut commit = None;
        for line in text.lines() {
            if let Some(v) = line.strip_prefix("repo:") {
                let v = v.trim();
                repo = Some(
                    v.strip_prefix("https://github.com/")
                        .unwrap_or(v)
                        .to_owned(),
                );
            }
            if let Some(v) = line.strip_prefix("commit:") {
                commit = Some(v.trim().to_owned());
            }
        }
        Ok(Source {
            repo: repo.ok_or("SOURCE has no repo: line")?,
            commit: commit.ok_or("SOURCE has no commit: line")?,
        })
    }
}

struct Event {
    json: String,
    variant: String,
    /// `(family index, request type)`, in preference order.
    targets: Vec<(usize, String)>,
    summary: String,
}

/// Generates every file: `(file name, contents)`, unformatted.
pub fn generate(specs: &[Spec], source: &Source) -> Result<BTreeMap<String, String>, String> {
    let mut specs = specs.to_vec();
    // Newest version first, then by name: the order shared event types try families in.
    specs.sort_by(|a, b| {
        version(&b.file)
            .cmp(&version(&a.file))
            .then(a.file.cmp(&b.file))
    });
    let mut families = Vec::new();
    for spec in &specs {
        let mut f = Family::new(spec)?;
        f.box_cycles();
        families.push(f);
    }
    let mut modules = BTreeSet::new();
    for f in &families {
        if !modules.insert(f.module.clone()) {
            return Err(format!("two specs for module {}", f.module));
        }
    }

    let mut events: BTreeMap<String, Event> = BTreeMap::new();
    for (i, f) in families.iter().enumerate() {
        for (json, ty, summary) in &f.webhooks {
            let json = json.trim_start_matches('/').to_owned();
            let e = events.entry(json.clone()).or_insert_with(|| Event {
                variant: camel_case(&json),
                json: json.clone(),
                targets: Vec::new(),
                summary: summary.clone(),
            });
            e.targets.push((i, ty.clone()));
        }
    }
    let mut variants = BTreeSet::new();
    for e in events.values() {
        if !variants.insert(e.variant.clone())
            || ["Unknown", "Untyped"].contains(&e.variant.as_str())
        {
            return Err(format!("event variant {} is not unique", e.variant));
        }
    }
    // Shared payload enums and the field lists their dispatch needs.
    let mut shared: BTreeMap<Vec<(usize, String)>, String> = BTreeMap::new();
    let mut shared_names = BTreeSet::new();
    for e in events.values() {
        if e.targets.len() > 1 && !shared.contains_key(&e.targets) {
            let prefix = e.json.rsplit_once('.').map(|(p, _)| p).unwrap_or(&e.json);
            let name = unique(format!("{}Event", camel_case(prefix)), &mut shared_names);
            shared.insert(e.targets.clone(), name);
        }
    }
    for targets in shared.keys() {
        for (i, ty) in targets {
            let data = families[*i].data_struct(ty);
            let f = &mut families[*i];
            f.need_fields.insert(ty.clone());
            if let Some(d) = data {
                f.need_fields.insert(d);
            }
        }
    }

    let mut files = BTreeMap::new();
    for f in &families {
        files.insert(format!("{}.rs", f.module), emit_family(f, source));
    }
    files.insert(
        "mod.rs".to_owned(),
        emit_events(&families, &events, &shared, source),
    );
    Ok(files)
}

fn emit_events(
    families: &[Family],
    events: &BTreeMap<String, Event>,
    shared: &BTreeMap<Vec<(usize, String)>, String>,
    source: &Source,
) -> String {
    let mut out = String::new();
    header(&mut out, source, None);
    out.push_str(
        "//! The generated models: one module per webhook family, and [`AdyenEvent`].\n\n\
         // Adyen's descriptions are written for Adyen's docs site: links and HTML that rustdoc\n\
         // does not resolve are expected, and nothing in them is ever compiled.\n\
         #![allow(rustdoc::broken_intra_doc_links, rustdoc::invalid_html_tags, rustdoc::bare_urls)]\n\
         #![allow(clippy::doc_lazy_continuation, clippy::doc_overindented_list_items, clippy::enum_variant_names, clippy::large_enum_variant)]\n\n",
    );
    let mut by_module: Vec<&Family> = families.iter().collect();
    by_module.sort_by(|a, b| a.module.cmp(&b.module));
    for f in &by_module {
        let _ = writeln!(
            out,
            "/// {} (`{}`).\npub mod {};",
            if f.title.is_empty() {
                f.module.as_str()
            } else {
                f.title.as_str()
            },
            f.file,
            f.module
        );
    }
    let _ = writeln!(
        out,
        "\n/// The Adyen/adyen-openapi commit the models were generated from.\npub const SPEC_COMMIT: &str = {};\n",
        rust_string(&source.commit)
    );
    let _ = writeln!(
        out,
        "/// The spec files the models were generated from, in `json/` of Adyen/adyen-openapi.\npub const SPEC_FILES: &[&str] = &[{}];\n",
        by_module
            .iter()
            .map(|f| rust_string(&f.file))
            .collect::<Vec<_>>()
            .join(", ")
    );

    let _ = writeln!(
        out,
        "/// Every event type [`AdyenEvent`] reads into a typed variant, sorted.\npub const EVENT_TYPES: &[&str] = &[{}];\n",
        events
            .keys()
            .map(|t| rust_string(t))
            .collect::<Vec<_>>()
            .join(", ")
    );

    let payload = |e: &Event| -> String {
        match shared.get(&e.targets) {
            Some(name) => name.clone(),
            None => {
                let (i, ty) = &e.targets[0];
                format!("Box<{}::{ty}>", families[*i].module)
            }
        }
    };

    out.push_str(
        "/// An Adyen webhook body, by its `type`: the header-signed webhooks, and the standard\n\
         /// webhooks whose body has a `type` of its own.\n\
         ///\n\
         /// One variant per event type of every family, holding the typed body, plus two that hold\n\
         /// the raw JSON: [`Unknown`](Self::Unknown) for a `type` this version does not know (or no\n\
         /// `type` at all), and [`Untyped`](Self::Untyped) for a known type whose body does not fit\n\
         /// its model. Parsing never fails on a JSON object.\n\
         #[derive(Debug, Clone, PartialEq)]\n#[non_exhaustive]\npub enum AdyenEvent {\n",
    );
    for e in events.values() {
        let fams = e
            .targets
            .iter()
            .map(|(i, _)| format!("[`{}`]", families[*i].module))
            .collect::<Vec<_>>()
            .join(", ");
        let _ = writeln!(
            out,
            "    /// `{}`{}, from {fams}.\n    {}({}),",
            e.json,
            if e.summary.is_empty() {
                String::new()
            } else {
                format!(": {}", e.summary.trim())
            },
            e.variant,
            payload(e)
        );
    }
    out.push_str(
        "    /// A `type` this version does not know, or a body without a string `type`: the body as\n    \
         /// received.\n    Unknown {\n        /// The body.\n        raw: serde_json::Value,\n    },\n    \
         /// A known `type` whose body does not fit its model (a required field missing, a value of\n    \
         /// the wrong type): the body as received, and why it did not fit.\n    Untyped {\n        \
         /// The body's `type`.\n        event_type: String,\n        /// The body.\n        raw: serde_json::Value,\n        \
         /// Why the body does not fit the model.\n        error: String,\n    },\n}\n\n",
    );

    // Dispatch.
    out.push_str(
        "impl AdyenEvent {\n    \
         /// Reads a body that is already JSON, by its `type`. Never fails: see [`AdyenEvent`].\n    \
         pub fn from_value(value: serde_json::Value) -> Self {\n        \
         match value.get(\"type\").and_then(serde_json::Value::as_str) {\n            \
         Some(event_type) => {\n                let event_type = event_type.to_owned();\n                \
         Self::from_value_as(value, &event_type)\n            }\n            \
         None => Self::Unknown { raw: value },\n        }\n    }\n\n    \
         /// Reads a body as the given event type, whatever its `type` says: for endpoints that\n    \
         /// receive one event type only, whose bodies may carry no `type` (the spec's examples of\n    \
         /// `balancePlatform.authorisation.relayed` and `balancePlatform.authentication.relayed` have\n    \
         /// none). An event type this version does not know gives [`Unknown`](Self::Unknown).\n    \
         pub fn from_value_as(value: serde_json::Value, event_type: &str) -> Self {\n        \
         match event_type {\n",
    );
    for e in events.values() {
        match shared.get(&e.targets) {
            Some(name) => {
                let _ = writeln!(
                    out,
                    "            {} => crate::support::typed_with(value, {}, {name}::choose, Self::{}),",
                    rust_string(&e.json),
                    rust_string(&e.json),
                    e.variant
                );
            }
            None => {
                let _ = writeln!(
                    out,
                    "            {} => crate::support::typed(value, {}, Self::{}),",
                    rust_string(&e.json),
                    rust_string(&e.json),
                    e.variant
                );
            }
        }
    }
    out.push_str("            _ => Self::Unknown { raw: value },\n        }\n    }\n\n");
    out.push_str(
        "    /// The event type: the body's `type` (empty for an [`Unknown`](Self::Unknown) body\n    \
         /// without one).\n    pub fn event_type(&self) -> &str {\n        match self {\n",
    );
    for e in events.values() {
        let _ = writeln!(
            out,
            "            Self::{}(_) => {},",
            e.variant,
            rust_string(&e.json)
        );
    }
    out.push_str(
        "            Self::Unknown { raw } => raw.get(\"type\").and_then(serde_json::Value::as_str).unwrap_or_default(),\n            \
         Self::Untyped { event_type, .. } => event_type,\n        }\n    }\n}\n\n",
    );
    out.push_str(
        "impl serde::Serialize for AdyenEvent {\n    \
         fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {\n        \
         match self {\n",
    );
    for e in events.values() {
        let _ = writeln!(
            out,
            "            Self::{}(inner) => serde::Serialize::serialize(inner, serializer),",
            e.variant
        );
    }
    out.push_str(
        "            Self::Unknown { raw } | Self::Untyped { raw, .. } => serde::Serialize::serialize(raw, serializer),\n        }\n    }\n}\n\n",
    );

    // Shared payload enums.
    for (targets, name) in shared {
        let types: Vec<&str> = events
            .values()
            .filter(|e| &e.targets == targets)
            .map(|e| e.json.as_str())
            .collect();
        let _ = writeln!(
            out,
            "/// The body of {}, which more than one family sends: the first of these\n\
             /// whose model knows the most keys of the body and of its `data` (the first on a tie), else\n\
             /// the first that parses.\n\
             #[derive(Debug, Clone, PartialEq)]\n#[non_exhaustive]\npub enum {name} {{",
            types
                .iter()
                .map(|t| format!("`{t}`"))
                .collect::<Vec<_>>()
                .join(" and ")
        );
        for (i, ty) in targets {
            let f = &families[*i];
            let _ = writeln!(
                out,
                "    /// [`{m}::{ty}`], from `{file}`.\n    {v}(Box<{m}::{ty}>),",
                m = f.module,
                file = f.file,
                v = camel_case(&f.module)
            );
        }
        out.push_str("}\n\n");
        let _ = writeln!(
            out,
            "impl {name} {{\n    fn choose(value: &serde_json::Value) -> Result<Self, serde_json::Error> {{\n        use serde::Deserialize as _;"
        );
        out.push_str("        // The family whose model knows the most of the body's keys and of its `data`'s.\n        let unknown = [\n");
        for (i, ty) in targets {
            let f = &families[*i];
            let data = f
                .data_struct(ty)
                .map(|d| format!("{}::{d}::FIELDS", f.module))
                .unwrap_or_else(|| "&[]".into());
            let _ = writeln!(
                out,
                "            crate::support::unknown_keys(value, {m}::{ty}::FIELDS, {data}),",
                m = f.module
            );
        }
        out.push_str(
            "        ];\n        let best = unknown.iter().min().copied().unwrap_or_default();\n",
        );
        for (n, (i, ty)) in targets.iter().enumerate() {
            let f = &families[*i];
            let _ = writeln!(
                out,
                "        if unknown[{n}] == best {{\n            if let Ok(inner) = {m}::{ty}::deserialize(value) {{\n                return Ok(Self::{v}(Box::new(inner)));\n            }}\n        }}",
                m = f.module,
                v = camel_case(&f.module)
            );
        }
        for (n, (i, ty)) in targets.iter().enumerate() {
            let f = &families[*i];
            if n == 0 {
                let _ = writeln!(
                    out,
                    "        let first = match {m}::{ty}::deserialize(value) {{\n            Ok(inner) => return Ok(Self::{v}(Box::new(inner))),\n            Err(error) => error,\n        }};",
                    m = f.module,
                    v = camel_case(&f.module)
                );
            } else {
                let _ = writeln!(
                    out,
                    "        if let Ok(inner) = {m}::{ty}::deserialize(value) {{\n            return Ok(Self::{v}(Box::new(inner)));\n        }}",
                    m = f.module,
                    v = camel_case(&f.module)
                );
            }
        }
        out.push_str("        Err(first)\n    }\n}\n\n");
        let _ = writeln!(
            out,
            "impl serde::Serialize for {name} {{\n    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {{\n        match self {{"
        );
        for (i, _) in targets {
            let _ = writeln!(
                out,
                "            Self::{}(inner) => serde::Serialize::serialize(inner, serializer),",
                camel_case(&families[*i].module)
            );
        }
        out.push_str("        }\n    }\n}\n\n");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tiny() -> Spec {
        let json = serde_json::json!({
            "openapi": "3.1.0",
            "info": {"title": "Tiny webhooks"},
            "webhooks": {
                "tiny.thing.created": {"post": {"summary": "Thing created", "requestBody": {"content": {"application/json": {
                    "schema": {"$ref": "#/components/schemas/ThingNotificationRequest"}}}}}},
                "tiny.thing.updated": {"post": {"requestBody": {"content": {"application/json": {
                    "schema": {"$ref": "#/components/schemas/ThingNotificationRequest"}}}}}}
            },
            "components": {"schemas": {
                "ThingNotificationRequest": {
                    "type": "object",
                    "required": ["data", "environment"],
                    "properties": {
                        "data": {"$ref": "#/components/schemas/Thing"},
                        "environment": {"type": "string", "description": "`test` or `live`, see [docs]."},
                        "type": {"type": "string", "enum": ["tiny.thing.created", "tiny.thing.updated"]}
                    }
                },
                "Thing": {
                    "allOf": [{"$ref": "#/components/schemas/Base"}],
                    "required": ["id"],
                    "properties": {
                        "id": {"type": "string"},
                        "count": {"type": "integer", "format": "int64"},
                        "ratio": {"type": "number"},
                        "tags": {"type": "object", "additionalProperties": {"type": "string"}},
                        "status": {"type": "string", "enum": ["active", "other", "00"]},
                        "parent": {"$ref": "#/components/schemas/Thing"},
                        "account": {"oneOf": [{"$ref": "#/components/schemas/Iban"}, {"$ref": "#/components/schemas/Local"}]}
                    }
                },
                "Base": {"type": "object", "properties": {"createdAt": {"type": "string", "format": "date-time"}}},
                "Iban": {"type": "object", "properties": {"iban": {"type": "string"}, "type": {"type": "string", "enum": ["iban"]}}},
                "Local": {"type": "object", "properties": {"number": {"type": "string"}, "type": {"type": "string", "enum": ["local"]}}}
            }}
        });
        Spec {
            file: "TinyNotification-v2.json".into(),
            json,
        }
    }

    fn source() -> Source {
        Source::parse("repo: https://github.com/Adyen/adyen-openapi\ncommit: 0123abcd\n").unwrap()
    }

    #[test]
    fn names() {
        assert_eq!(
            module_name("BalancePlatformTransferNotification-v4.json"),
            "transfer"
        );
        assert_eq!(
            module_name("ManagementNotificationService-v3.json"),
            "management"
        );
        assert_eq!(version("BalancePlatformTransferNotification-v4.json"), 4);
        assert_eq!(
            snake_case("threeDSRequestorAppURL"),
            "three_ds_requestor_app_url"
        );
        assert_eq!(snake_case("type"), "type_");
        assert_eq!(
            camel_case("balancePlatform.accountHolder.created"),
            "BalancePlatformAccountHolderCreated"
        );
        assert_eq!(camel_case("ACCOUNT_HOLDER"), "AccountHolder");
        assert_eq!(camel_case("00"), "Value00");
        assert_eq!(type_name("Address-2"), "Address2");
    }

    #[test]
    fn docs_never_compile_or_link() {
        let lines = doc_lines(
            "  Send [accepted] as in [the docs](https://x).\n\n\n    indented\n```\ncode\n```",
        );
        assert_eq!(
            lines,
            [
                "Send \\[accepted\\] as in [the docs](https://x).",
                "",
                "indented",
                "```text",
                "code",
                "```"
            ]
        );
    }

    #[test]
    fn tiny_spec() {
        let files = generate(&[tiny()], &source()).unwrap();
        assert_eq!(files.keys().collect::<Vec<_>>(), ["mod.rs", "tiny.rs"]);
        let module = &files["tiny.rs"];
        // Envelope fields the spec requires are plain, but for `type` and `environment`.
        assert!(module.contains("pub data: Thing,"), "{module}");
        assert!(module.contains("pub environment: Option<String>,"));
        assert!(module.contains("pub type_: Option<ThingNotificationRequestType>,"));
        // Inside data, everything is optional, allOf merged, maps, numbers.
        assert!(module.contains("pub id: Option<String>,"));
        assert!(module.contains("pub created_at: Option<String>,"));
        assert!(module.contains("pub count: Option<i64>,"));
        assert!(module.contains("pub ratio: Option<f64>,"));
        assert!(module.contains("pub tags: Option<std::collections::BTreeMap<String, String>>,"));
        // A struct that contains itself goes through a Box.
        assert!(module.contains("pub parent: Option<Box<Thing>>,"));
        // Enums keep unknown values; `other` in the spec does not clash with that.
        assert!(module.contains("OtherValue,"));
        assert!(module.contains("Value00,"));
        assert!(module.contains("Other(String),"));
        // A oneOf without discriminator whose members have one-value `type`s dispatches on it.
        assert!(module.contains("pub enum ThingAccount {"));
        assert!(
            module.contains("\"iban\" => crate::support::member(value, Self::Iban, Self::Other),")
        );
        assert!(module.contains("Other(serde_json::Value),"));
        assert!(module.contains("\\[docs\\]"));
        let events = &files["mod.rs"];
        assert!(events.contains("TinyThingCreated(Box<tiny::ThingNotificationRequest>),"));
        assert!(events.contains(
            "\"tiny.thing.updated\" => crate::support::typed(value, \"tiny.thing.updated\", Self::TinyThingUpdated),"
        ));
        assert!(events.contains("pub const SPEC_COMMIT: &str = \"0123abcd\";"));
        // Same input, same bytes.
        assert_eq!(files, generate(&[tiny()], &source()).unwrap());
    }

    /// A spec named by event codes, as `Webhooks-v1.json` is: an envelope without `type`, a
    /// webhook whose `type` has an enum, and a deprecated one whose free-text `type` only its
    /// example gives, sharing a value with the first.
    fn standard() -> Spec {
        let hook = |schema: &str, example: Option<&str>, deprecated: bool| {
            let mut post = serde_json::json!({"summary": format!("{schema} hook"), "requestBody": {"content": {"application/json": {
                "schema": {"$ref": format!("#/components/schemas/{schema}")}}}}});
            if let Some(e) = example {
                post["requestBody"]["content"]["application/json"]["examples"] =
                    serde_json::json!({"one": {"$ref": format!("#/components/examples/{e}")}});
            }
            if deprecated {
                post["deprecated"] = true.into();
            }
            serde_json::json!({ "post": post })
        };
        let json = serde_json::json!({
            "openapi": "3.1.0",
            "info": {"title": "Webhooks"},
            "webhooks": {
                "/AUTHORISATION": hook("NotificationRequest", None, false),
                "/NOTICE": hook("Notice", None, false),
                "/OLD_NOTICE": hook("OldNotice", Some("old"), true)
            },
            "components": {
                "examples": {"old": {"value": {"type": "a.notice", "data": {}}}},
                "schemas": {
                    "NotificationRequest": {"type": "object", "properties": {
                        "live": {"type": "string"}, "notificationItems": {"type": "array", "items": {"type": "object"}}}},
                    "Notice": {"type": "object", "required": ["createdAt"], "properties": {
                        "createdAt": {"type": "string"},
                        "type": {"type": "string", "enum": ["a.notice", "b.notice"]},
                        "data": {"type": "object", "properties": {"id": {"type": "string"}, "extra": {"type": "string"}}}}},
                    "OldNotice": {"type": "object", "properties": {
                        "createdAt": {"type": "string"},
                        "type": {"type": "string"},
                        "data": {"type": "object", "properties": {"id": {"type": "string"}}}}}
                }
            }
        });
        Spec {
            file: "Webhooks-v1.json".into(),
            json,
        }
    }

    #[test]
    fn webhooks_named_by_event_code_dispatch_on_their_type() {
        assert!(is_event_code("DIRECT_DEBIT_NOTICE_OF_CHANGE_NOTIFICATION"));
        assert!(!is_event_code("balancePlatform.report.created"));
        assert_eq!(module_name("Webhooks-v1.json"), "standard");
        let files = generate(&[standard()], &source()).unwrap();
        let module = &files["standard.rs"];
        // The envelope is not generated; both values of the enum are event types of `Notice`.
        assert!(!module.contains("NotificationRequest"), "{module}");
        assert!(module.contains(
            "Not here: the webhook keyed by an event code whose body has no `type` (`AUTHORISATION`)."
        ));
        let events = &files["mod.rs"];
        assert!(events.contains("pub const EVENT_TYPES: &[&str] = &[\"a.notice\", \"b.notice\"];"));
        assert!(
            events.contains("ANotice(Box<standard::Notice>),"),
            "{events}"
        );
        assert!(events.contains("BNotice(Box<standard::Notice>),"));
        // The deprecated webhook's `type` comes from its example; `Notice` knows more keys.
        assert!(!events.contains("OldNotice"));
        assert!(module.contains("pub struct OldNotice {"));
        assert!(module.contains(
            "`OLD_NOTICE` (deprecated) sends `a.notice` too, described by [`OldNotice`]: such bodies \
             are read with [`Notice`] (of `NOTICE`), whose model knows more keys (5 to 4)."
        ));
        assert_eq!(files, generate(&[standard()], &source()).unwrap());
    }

    #[test]
    fn a_free_type_without_examples_is_an_error() {
        let mut spec = standard();
        spec.json["components"]["examples"] = serde_json::json!({});
        let error = generate(&[spec], &source()).unwrap_err();
        assert!(
            error.contains("OldNotice has a `type` with no enum"),
            "{error}"
        );
    }

    #[test]
    fn shared_event_types_choose_between_families() {
        let mut older = tiny();
        older.file = "OldTinyNotification-v1.json".into();
        let files = generate(&[older, tiny()], &source()).unwrap();
        let events = &files["mod.rs"];
        // The newer spec first.
        assert!(
            events.contains("TinyThingCreated(TinyThingEvent),"),
            "{events}"
        );
        let tiny_at = events
            .find("Tiny(Box<tiny::ThingNotificationRequest>)")
            .unwrap();
        let old_at = events
            .find("OldTiny(Box<old_tiny::ThingNotificationRequest>)")
            .unwrap();
        assert!(tiny_at < old_at);
        assert!(files["tiny.rs"].contains("pub(crate) const FIELDS"));
    }
}
