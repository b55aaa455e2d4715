//! Troubleshoots Adyen webhook signatures: the tool to reach for when "HMAC validation failed"
//! shows up in the logs.
//!
//! ```text
//! cargo run --example verify -- --key HEX [--key HEX ...] [FILE]
//! cargo run --example verify -- --key HEX --header-signature SIG [FILE]
//! ```
//!
//! Reads a webhook body from FILE, or from standard input when FILE is absent or `-`. For a
//! standard notification it prints, for every item, the verdict, the pspReference and eventCode,
//! the exact signing string, and the expected and received signatures. With
//! `--header-signature` (the value of the `HmacSignature` header) it checks the raw body of a
//! header-signed webhook instead. Each key's check value (KCV) is printed, to compare with the
//! one the Customer Area shows beside the key.
//!
//! Exit status: 0 when everything verifies, 1 when something does not, 2 when the input or a key
//! is unusable.

use std::fmt::Write as _;
use std::io::{Read, Write as _};
use std::process::ExitCode;

use tower_adyen_webhook::{signing_string, HmacKey, HmacKeys, NotificationRequest};

const USAGE: &str = "usage: verify --key HEX [--key HEX ...] [--header-signature SIG] [FILE|-]";

struct Args {
    keys: Vec<HmacKey>,
    header_signature: Option<String>,
    file: Option<String>,
}

fn parse_args() -> Result<Args, String> {
    let mut args = std::env::args().skip(1);
    let mut parsed = Args {
        keys: Vec::new(),
        header_signature: None,
        file: None,
    };
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--key" | "-k" => {
                let hex = args.next().ok_or("--key needs a value")?;
                let position = parsed.keys.len() + 1;
                let key = hex
                    .parse()
                    .map_err(|e| format!("--key number {position}: {e}"))?;
                parsed.keys.push(key);
            }
            "--header-signature" => {
                parsed.header_signature =
                    Some(args.next().ok_or("--header-signature needs a value")?);
            }
            "-h" | "--help" => return Err(USAGE.into()),
            "-" => parsed.file = None,
            other if other.starts_with("--") => {
                return Err(format!("unknown option {other}\n{USAGE}"))
            }
            other if parsed.file.is_none() => parsed.file = Some(other.to_owned()),
            other => return Err(format!("unexpected argument {other}\n{USAGE}")),
        }
    }
    if parsed.keys.is_empty() {
        return Err(format!(
            "no key given: pass the HMAC key from the Customer Area with --key\n{USAGE}"
        ));
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

fn main() -> ExitCode {
    let args = match parse_args() {
        Ok(args) => args,
        Err(message) => {
            eprintln!("{message}");
            return ExitCode::from(2);
        }
    };
    let body = match read_body(args.file.as_deref()) {
        Ok(body) => body,
        Err(message) => {
            eprintln!("{message}");
            return ExitCode::from(2);
        }
    };

    let mut out = String::new();
    for (i, key) in args.keys.iter().enumerate() {
        let _ = writeln!(
            out,
            "key {}: KCV {} (compare with the Customer Area)",
            i + 1,
            key.check_value()
        );
    }
    let keys = HmacKeys::try_from_keys(args.keys.iter().cloned()).expect("at least one key");

    let all_valid = match &args.header_signature {
        Some(signature) => check_header_signed(&mut out, &keys, &body, signature),
        None => match NotificationRequest::from_slice(&body) {
            Ok(request) if !request.items.is_empty() => {
                check_notifications(&mut out, &keys, &request)
            }
            Ok(_) => {
                eprintln!("the notification has no items");
                return ExitCode::from(2);
            }
            Err(e) => {
                eprintln!(
                    "{e}\n(a header-signed webhook? pass its HmacSignature header with --header-signature)"
                );
                return ExitCode::from(2);
            }
        },
    };
    // A closed pipe (`| head`) is not worth a panic.
    let _ = std::io::stdout().write_all(out.as_bytes());
    if all_valid {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    }
}

fn check_notifications(out: &mut String, keys: &HmacKeys, request: &NotificationRequest) -> bool {
    let total = request.items.len();
    let mut all_valid = true;
    for (n, item) in request.items.iter().enumerate() {
        let verdict = keys.verify_item(item);
        let _ = writeln!(out);
        let _ = writeln!(
            out,
            "item {} of {total}: {}",
            n + 1,
            match verdict {
                Ok(v) => format!("VALID (key {})", v.key_index + 1),
                Err(e) => format!("INVALID: {e}"),
            }
        );
        let _ = writeln!(out, "  pspReference:   {}", item.psp_reference);
        let _ = writeln!(out, "  eventCode:      {}", item.event_code);
        let signing = signing_string(item);
        if signing.chars().any(char::is_control) {
            // Control characters would be invisible or break the line: show them escaped.
            let _ = writeln!(out, "  signing string (escaped): {signing:?}");
        } else {
            let _ = writeln!(out, "  signing string: {signing}");
        }
        for (i, key) in keys.iter().enumerate() {
            let _ = writeln!(out, "  expected (key {}): {}", i + 1, key.sign_item(item));
        }
        let _ = writeln!(
            out,
            "  received:       {}",
            item.hmac_signature().unwrap_or("(none)")
        );
        all_valid &= verdict.is_ok();
    }
    if !all_valid {
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
    all_valid
}

fn check_header_signed(out: &mut String, keys: &HmacKeys, body: &[u8], signature: &str) -> bool {
    let verdict = keys.verify_bytes(body, Some(signature.as_bytes()));
    let _ = writeln!(out);
    let _ = writeln!(
        out,
        "header-signed body of {} bytes: {}",
        body.len(),
        match verdict {
            Ok(v) => format!("VALID (key {})", v.key_index + 1),
            Err(e) => format!("INVALID: {e}"),
        }
    );
    for (i, key) in keys.iter().enumerate() {
        let _ = writeln!(out, "  expected (key {}): {}", i + 1, key.sign(body));
    }
    let _ = writeln!(out, "  received:       {signature}");
    if verdict.is_err() && body.ends_with(b"\n") {
        let _ = writeln!(
            out,
            "hint: the body ends with a newline; the signature covers the exact bytes sent,"
        );
        let _ = writeln!(
            out,
            "so make sure the file holds the body exactly as received."
        );
    }
    verdict.is_ok()
}
