//! `examples/verify.rs`, run as an operator would run it. `cargo test` builds the examples.

mod common;

use std::io::Write;
use std::path::PathBuf;
use std::process::{Command, Output, Stdio};

use common::{str_field, vectors};

fn verify_binary() -> PathBuf {
    // The test runs from target/<profile>/deps; examples are built into target/<profile>/examples.
    let exe = std::env::current_exe().unwrap();
    let path = exe
        .parent()
        .and_then(|deps| deps.parent())
        .map(|profile| {
            profile
                .join("examples")
                .join(format!("verify{}", std::env::consts::EXE_SUFFIX))
        })
        .unwrap();
    assert!(
        path.exists(),
        "{} is missing: run the tests with `cargo test`, which builds the examples",
        path.display()
    );
    path
}

fn run(args: &[&str], stdin: &[u8]) -> Output {
    let mut child = Command::new(verify_binary())
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // The example may exit (on unusable arguments) before it reads its input: a closed pipe
    // then is not a failure, the exit status and the output are what is checked.
    if let Err(error) = child.stdin.take().unwrap().write_all(stdin) {
        assert_eq!(error.kind(), std::io::ErrorKind::BrokenPipe, "{error}");
    }
    child.wait_with_output().unwrap()
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

#[test]
fn reports_every_item_of_every_vector() {
    for vector in vectors("notifications.jsonl") {
        let name = str_field(&vector, "name");
        let key = str_field(&vector, "key");
        let body = str_field(&vector, "body");
        let output = run(&["--key", key, "-"], body.as_bytes());
        let stdout = text(&output.stdout);
        let expected = if vector["valid"].as_bool().unwrap() {
            0
        } else {
            1
        };
        assert_eq!(output.status.code(), Some(expected), "{name}: {stdout}");
        let kcv_line = stdout.lines().next().unwrap();
        let kcv = key.parse::<tower_adyen_webhook::HmacKey>().unwrap();
        assert_eq!(
            kcv_line,
            format!(
                "key 1: KCV {} (compare with the Customer Area)",
                kcv.check_value()
            )
        );
        let verdicts: Vec<bool> = stdout
            .lines()
            .filter(|l| l.starts_with("item "))
            .map(|l| l.contains(": VALID"))
            .collect();
        let items_valid: Vec<bool> = vector["items_valid"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_bool().unwrap())
            .collect();
        assert_eq!(verdicts, items_valid, "{name}");
        assert_eq!(
            stdout.matches("signing string").count(),
            items_valid.len(),
            "{name}"
        );
        assert_eq!(
            stdout.matches("received:").count(),
            items_valid.len(),
            "{name}"
        );
    }
}

#[test]
fn prints_the_exact_signing_string_and_signatures() {
    let vector = &vectors("library-signing-strings.jsonl")[3];
    let signing = str_field(vector, "signing_string");
    let (psp, rest) = signing.split_once("::").unwrap();
    let (account, rest) = rest.split_once(':').unwrap();
    let mut parts: Vec<&str> = rest.rsplitn(5, ':').collect();
    parts.reverse();
    let body = serde_json::json!({"live": "false", "notificationItems": [{"NotificationRequestItem": {
        "pspReference": psp, "merchantAccountCode": account, "merchantReference": parts[0],
        "amount": {"value": parts[1].parse::<i64>().unwrap(), "currency": parts[2]},
        "eventCode": parts[3], "success": parts[4],
        "additionalData": {"hmacSignature": str_field(vector, "signature")}}}]});
    let output = run(
        &["--key", str_field(vector, "key")],
        body.to_string().as_bytes(),
    );
    let stdout = text(&output.stdout);
    assert_eq!(output.status.code(), Some(0), "{stdout}");
    assert!(
        stdout.contains(&format!("  signing string: {signing}\n")),
        "{stdout}"
    );
    assert!(
        stdout.contains(&format!(
            "received:       {}",
            str_field(vector, "signature")
        )),
        "{stdout}"
    );
}

#[test]
fn accepts_several_keys_and_says_which_matched() {
    let vector = &vectors("notifications.jsonl")[1];
    let other = "00727DB817A85C8503AD29EAD1523DB869AF0E536893BB3046C92DE7CB045CB1";
    let output = run(
        &["--key", other, "--key", str_field(vector, "key")],
        str_field(vector, "body").as_bytes(),
    );
    let stdout = text(&output.stdout);
    assert_eq!(output.status.code(), Some(0), "{stdout}");
    assert!(stdout.contains("key 1: KCV 9540DA"), "{stdout}");
    assert!(stdout.contains("VALID (key 2)"), "{stdout}");
}

#[test]
fn checks_header_signed_bodies() {
    for vector in vectors("header-signed.jsonl") {
        let Some(signature) = vector["signature"].as_str() else {
            continue;
        };
        let output = run(
            &[
                "--key",
                str_field(&vector, "key"),
                "--header-signature",
                signature,
            ],
            str_field(&vector, "body").as_bytes(),
        );
        let expected = if vector["valid"].as_bool().unwrap() {
            0
        } else {
            1
        };
        assert_eq!(
            output.status.code(),
            Some(expected),
            "{}: {}",
            str_field(&vector, "name"),
            text(&output.stdout)
        );
    }
}

#[test]
fn unusable_input_or_keys_exit_with_2_and_say_why() {
    let key = "00727DB817A85C8503AD29EAD1523DB869AF0E536893BB3046C92DE7CB045CB1";
    let cases: [(&[&str], &[u8], &str); 6] = [
        (&[], b"{}", "no key given"),
        (&["--key", "abc"], b"{}", "64 hex digits (got 3)"),
        (&["--key", key], b"not json", "not an Adyen notification"),
        (
            &["--key", key],
            br#"{"live":"false","notificationItems":[]}"#,
            "no items",
        ),
        (
            &["--key", key, "/nonexistent/body.json"],
            b"",
            "cannot read /nonexistent/body.json",
        ),
        (&["--key", key, "--bogus"], b"", "unknown option --bogus"),
    ];
    for (args, stdin, message) in cases {
        let output = run(args, stdin);
        assert_eq!(output.status.code(), Some(2), "{args:?}");
        assert!(
            text(&output.stderr).contains(message),
            "{args:?}: {}",
            text(&output.stderr)
        );
    }
}
