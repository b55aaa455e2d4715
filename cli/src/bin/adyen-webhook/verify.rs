//! `adyen-webhook verify`: troubleshoots Adyen webhook signatures, the command to reach for
//! when "HMAC validation failed" shows up in the logs.
//!
//! For a standard notification it prints, for every item, the verdict, the pspReference and
//! eventCode, the exact signing string, and the expected and received signatures. With
//! `--header-signature` (the value of the `HmacSignature` header) it checks the raw body of a
//! header-signed webhook, or of a `type`/`data` event, instead. Each key's check value (KCV) is
//! printed first, even when the body is unusable.
//!
//! `--format json` prints one JSON object instead: `valid`, `kind` (`"standard"` or `"header"`,
//! `null` when the body is unusable), `keys` (each with its `kcv`), and `items` (each with
//! `pspReference`, `eventCode`, `valid`, `error`, `key`, `signingString`) for standard
//! notifications, or `type` and `typed` (whether the body fits its family's typed model, from
//! `tower-adyen-webhook-models`, rather than falling back to the untyped variant) for
//! header-signed bodies; `error` says why a body is unusable.

use std::fmt::Write as _;
use std::io::{Read, Write as _};
use std::process::ExitCode;

use clap::ValueEnum;
use serde_json::{json, Value};
use tower_adyen_webhook::{signing_string, HmacKey, HmacKeys, NotificationRequest};
use tower_adyen_webhook_models::AdyenEvent;

/// Checks a webhook body's signatures, and shows how each key signs it.
///
/// For every item of a standard notification: the verdict, the pspReference and eventCode, the
/// exact signing string, the signature each key gives and the one received. Reads the body from FILE, or from standard input when FILE is absent or `-`. Each key's check
/// value (KCV) is printed first, even when the body is unusable, to compare with the one the
/// Customer Area shows beside the key.
#[derive(clap::Args)]
#[command(
    after_help = "Exit status: 0 when everything verifies, 1 when something does not, 2 \
                        when the input or a key is unusable."
)]
pub(crate) struct Args {
    /// The HMAC key from the Customer Area (64 hex digits); several as NEW,OLD, as the server
    /// takes them, or with --key repeated.
    #[arg(long, short = 'k', value_name = "HEX[,HEX...]", required = true)]
    key: Vec<String>,
    /// The value of the HmacSignature header: checks the exact body of a header-signed webhook
    /// (or of a type/data event) instead of a standard notification's items.
    #[arg(long, value_name = "SIG")]
    header_signature: Option<String>,
    /// What to print.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    format: Format,
    /// The webhook body; `-` or nothing for standard input.
    #[arg(value_name = "FILE|-")]
    file: Option<String>,
}

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
enum Format {
    /// For people: a few lines per item.
    Text,
    /// One JSON object, for scripts.
    Json,
}

fn parse_keys(lists: &[String]) -> Result<Vec<HmacKey>, String> {
    let mut parsed = Vec::new();
    for list in lists {
        let position = parsed.len() + 1;
        // `NEW,OLD`, as the server's ADYEN_HMAC_KEY takes them.
        let keys: HmacKeys = list.parse().map_err(|e| match list.contains(',') {
            true => format!("--key {list:.8}...: {e}"),
            false => format!("--key number {position}: {e}"),
        })?;
        parsed.extend(keys.iter().cloned());
    }
    Ok(parsed)
}

fn read_body(file: Option<&str>) -> Result<Vec<u8>, String> {
    let mut body = Vec::new();
    match file {
        Some(path) => {
            body = std::fs::read(path).map_err(|e| format!("cannot read {path}: {e}"))?;
        }
        None => {
            std::io::stdin()
                .read_to_end(&mut body)
                .map_err(|e| format!("cannot read standard input: {e}"))?;
        }
    }
    Ok(body)
}

/// What was found, for either format.
struct Report {
    keys: Vec<String>,
    verdict: Verdict,
}

enum Verdict {
    Standard(Vec<ItemReport>),
    Header {
        body_len: usize,
        webhook_type: Option<String>,
        typed: bool,
        matched: Result<usize, String>,
        expected: Vec<String>,
        received: String,
        trailing_newline: bool,
    },
    Unusable(String),
}

struct ItemReport {
    psp_reference: String,
    event_code: String,
    matched: Result<usize, String>,
    signing_string: String,
    expected: Vec<String>,
    received: Option<String>,
}

/// Runs `verify`; `Err` when a key is unusable.
pub(crate) fn run(args: Args) -> Result<ExitCode, String> {
    let file = args.file.as_deref().filter(|file| *file != "-");
    let keys = HmacKeys::try_from_keys(parse_keys(&args.key)?)
        .map_err(|error| format!("--key: {error}"))?;
    let verdict = match read_body(file) {
        Ok(body) => check(&keys, &body, args.header_signature.as_deref()),
        Err(message) => Verdict::Unusable(message),
    };
    let report = Report {
        keys: keys.iter().map(|k| k.check_value().to_owned()).collect(),
        verdict,
    };
    let out = match args.format {
        Format::Text => text(&report),
        Format::Json => format!("{:#}\n", to_json(&report)),
    };
    // A closed pipe (`| head`) is not worth a panic.
    let _ = std::io::stdout().write_all(out.as_bytes());
    Ok(match &report.verdict {
        Verdict::Unusable(message) => {
            if args.format == Format::Text {
                eprintln!("error: {message}");
            }
            ExitCode::from(2)
        }
        _ if report.valid() => ExitCode::SUCCESS,
        _ => ExitCode::from(1),
    })
}

fn check(keys: &HmacKeys, body: &[u8], header_signature: Option<&str>) -> Verdict {
    if let Some(signature) = header_signature {
        let webhook_type = serde_json::from_slice::<Value>(body)
            .ok()
            .and_then(|json| Some(json.get("type")?.as_str()?.to_owned()));
        let typed = AdyenEvent::from_slice(body).is_ok_and(|event| event.is_typed());
        return Verdict::Header {
            body_len: body.len(),
            webhook_type,
            typed,
            matched: keys
                .verify_bytes(body, Some(signature.as_bytes()))
                .map(|v| v.key_index)
                .map_err(|e| e.to_string()),
            expected: keys.iter().map(|key| key.sign(body)).collect(),
            received: signature.to_owned(),
            trailing_newline: body.ends_with(b"\n"),
        };
    }
    match NotificationRequest::from_slice(body) {
        Ok(request) => Verdict::Standard(
            request
                .items
                .iter()
                .map(|item| ItemReport {
                    psp_reference: item.psp_reference.to_string(),
                    event_code: item.event_code.to_string(),
                    matched: keys
                        .verify_item(item)
                        .map(|v| v.key_index)
                        .map_err(|e| e.to_string()),
                    signing_string: signing_string(item),
                    expected: keys.iter().map(|key| key.sign_item(item)).collect(),
                    received: item.hmac_signature().map(str::to_owned),
                })
                .collect(),
        ),
        Err(e) => {
            let is_event = serde_json::from_slice::<Value>(body)
                .is_ok_and(|json| json.get("type").is_some() && json.get("data").is_some());
            Verdict::Unusable(if is_event {
                "a `type`/`data` event, signed over its bytes: pass its HmacSignature header \
                 with --header-signature"
                    .into()
            } else {
                format!(
                    "{e}\n(a header-signed webhook? pass its HmacSignature header with \
                     --header-signature)"
                )
            })
        }
    }
}

impl Report {
    fn valid(&self) -> bool {
        match &self.verdict {
            Verdict::Standard(items) => items.iter().all(|item| item.matched.is_ok()),
            Verdict::Header { matched, .. } => matched.is_ok(),
            Verdict::Unusable(_) => false,
        }
    }
}

fn verdict_text(matched: &Result<usize, String>) -> String {
    match matched {
        Ok(index) => format!("VALID (key {})", index + 1),
        Err(e) => format!("INVALID: {e}"),
    }
}

fn text(report: &Report) -> String {
    let mut out = String::new();
    for (i, kcv) in report.keys.iter().enumerate() {
        let _ = writeln!(
            out,
            "key {}: KCV {kcv} (compare with the Customer Area)",
            i + 1
        );
    }
    match &report.verdict {
        Verdict::Unusable(_) => {}
        Verdict::Standard(items) if items.is_empty() => {
            let _ = writeln!(out);
            let _ = writeln!(
                out,
                "no items: nothing to verify (the layer acknowledges it without calling the handler)"
            );
        }
        Verdict::Standard(items) => {
            let total = items.len();
            for (n, item) in items.iter().enumerate() {
                let _ = writeln!(out);
                let _ = writeln!(
                    out,
                    "item {} of {total}: {}",
                    n + 1,
                    verdict_text(&item.matched)
                );
                let _ = writeln!(out, "  pspReference:   {}", item.psp_reference);
                let _ = writeln!(out, "  eventCode:      {}", item.event_code);
                let signing = &item.signing_string;
                if signing.chars().any(char::is_control) {
                    // Control characters would be invisible or break the line: show them escaped.
                    let _ = writeln!(out, "  signing string (escaped): {signing:?}");
                } else {
                    let _ = writeln!(out, "  signing string: {signing}");
                }
                for (i, expected) in item.expected.iter().enumerate() {
                    let _ = writeln!(out, "  expected (key {}): {expected}", i + 1);
                }
                let received = item.received.as_deref().unwrap_or("(none)");
                let _ = writeln!(out, "  received:       {received}");
            }
            if !report.valid() {
                let _ = writeln!(out);
                let _ = writeln!(
                    out,
                    "hints: a wrong KCV means a wrong key; a right KCV means the body changed after"
                );
                let _ = writeln!(
                    out,
                    "signing (a signed field was edited or re-encoded) or was signed for another account."
                );
            }
        }
        Verdict::Header {
            body_len,
            webhook_type,
            typed,
            matched,
            expected,
            received,
            trailing_newline,
        } => {
            let _ = writeln!(out);
            let _ = writeln!(
                out,
                "header-signed body of {body_len} bytes: {}",
                verdict_text(matched)
            );
            if let Some(webhook_type) = webhook_type {
                let model = match typed {
                    true => "fits its typed model",
                    false => "no typed model fits it",
                };
                let _ = writeln!(out, "  type:           {webhook_type:?} ({model})");
            }
            for (i, expected) in expected.iter().enumerate() {
                let _ = writeln!(out, "  expected (key {}): {expected}", i + 1);
            }
            let _ = writeln!(out, "  received:       {received}");
            if matched.is_err() && *trailing_newline {
                let _ = writeln!(
                    out,
                    "hint: the body ends with a newline; the signature covers the exact bytes sent,"
                );
                let _ = writeln!(
                    out,
                    "so make sure the file holds the body exactly as received."
                );
            }
        }
    }
    out
}

fn to_json(report: &Report) -> Value {
    let keys: Vec<Value> = report
        .keys
        .iter()
        .enumerate()
        .map(|(i, kcv)| json!({"key": i + 1, "kcv": kcv}))
        .collect();
    let key_of = |matched: &Result<usize, String>| matched.as_ref().ok().map(|i| i + 1);
    let error_of = |matched: &Result<usize, String>| matched.as_ref().err().cloned();
    let mut out = json!({"valid": report.valid(), "keys": keys});
    match &report.verdict {
        Verdict::Unusable(message) => {
            out["kind"] = Value::Null;
            out["error"] = message.as_str().into();
        }
        Verdict::Standard(items) => {
            out["kind"] = "standard".into();
            out["items"] = items
                .iter()
                .map(|item| {
                    json!({
                        "pspReference": item.psp_reference,
                        "eventCode": item.event_code,
                        "valid": item.matched.is_ok(),
                        "key": key_of(&item.matched),
                        "error": error_of(&item.matched),
                        "signingString": item.signing_string,
                        "received": item.received,
                    })
                })
                .collect();
        }
        Verdict::Header {
            webhook_type,
            typed,
            matched,
            ..
        } => {
            out["kind"] = "header".into();
            out["type"] = webhook_type.as_deref().into();
            out["typed"] = (*typed).into();
            out["key"] = key_of(matched).into();
            out["error"] = error_of(matched).into();
        }
    }
    out
}
