//! `adyen-webhook verify`, run as an operator would run it.

mod support;

use std::process::Output;

use support::{str_field, text, vectors, KEY, OTHER};

/// `adyen-webhook verify ARGS`.
fn run(args: &[&str], stdin: &[u8]) -> Output {
    let args: Vec<&str> = ["verify"].iter().chain(args).copied().collect();
    support::run(&args, stdin)
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
    let key = KEY;
    let cases: [(&[&str], &[u8], &str); 6] = [
        (&[], b"{}", "required arguments were not provided"),
        (&["--key", ""], b"{}", "--key number 1"),
        (&["--key", "abc"], b"{}", "64 hex digits (got 3)"),
        (&["--key", key], b"not json", "not an Adyen notification"),
        (
            &["--key", key, "/nonexistent/body.json"],
            b"",
            "cannot read /nonexistent/body.json",
        ),
        (
            &["--key", key, "--bogus"],
            b"",
            "unexpected argument '--bogus'",
        ),
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

fn json_of(output: &Output) -> serde_json::Value {
    serde_json::from_slice(&output.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}", text(&output.stdout)))
}

#[test]
fn help_exits_0() {
    for flag in ["--help", "-h"] {
        let output = run(&[flag], b"");
        assert_eq!(output.status.code(), Some(0));
        assert!(
            text(&output.stdout).contains("Usage: adyen-webhook verify"),
            "{}",
            text(&output.stdout)
        );
    }
}

#[test]
fn takes_key_lists_as_the_server_does() {
    let vector = vectors("notifications.jsonl")
        .into_iter()
        .find(|v| v["valid"].as_bool() == Some(true))
        .unwrap();
    let (key, body) = (
        str_field(&vector, "key"),
        str_field(&vector, "body").as_bytes(),
    );
    let kcv = key
        .parse::<tower_adyen_webhook::HmacKey>()
        .unwrap()
        .check_value()
        .to_owned();
    for args in [
        &["--key", &format!("{OTHER},{key}")][..],
        &["--key", &format!("{OTHER}, {key}")][..],
        &["--key", OTHER, "--key", key][..],
    ] {
        let output = run(args, body);
        assert_eq!(
            output.status.code(),
            Some(0),
            "{args:?}: {}",
            text(&output.stderr)
        );
        let stdout = text(&output.stdout);
        assert!(stdout.contains(&format!("key 2: KCV {kcv}")), "{stdout}");
        assert!(stdout.contains("VALID (key 2)"), "{stdout}");
    }
    let output = run(&["--key", &format!("{key},abc")], body);
    assert_eq!(output.status.code(), Some(2));
    assert!(
        text(&output.stderr).contains("64 hex digits"),
        "{}",
        text(&output.stderr)
    );
}

#[test]
fn json_reports_standard_items() {
    for vector in vectors("notifications.jsonl") {
        let name = str_field(&vector, "name");
        let body = str_field(&vector, "body");
        let output = run(
            &["--key", str_field(&vector, "key"), "--format", "json"],
            body.as_bytes(),
        );
        let report = json_of(&output);
        let valid = vector["valid"].as_bool().unwrap();
        assert_eq!(report["valid"], valid, "{name}");
        assert_eq!(
            output.status.code(),
            Some(if valid { 0 } else { 1 }),
            "{name}"
        );
        assert_eq!(report["kind"], "standard", "{name}");
        let items = report["items"].as_array().unwrap();
        let expected = vector["items_valid"].as_array().unwrap();
        assert_eq!(items.len(), expected.len(), "{name}");
        let request: serde_json::Value = serde_json::from_str(body).unwrap();
        for ((item, expected), sent) in items
            .iter()
            .zip(expected)
            .zip(request["notificationItems"].as_array().unwrap())
        {
            let sent = &sent["NotificationRequestItem"];
            assert_eq!(item["valid"], *expected, "{name}");
            assert_eq!(
                item["error"].is_null(),
                expected.as_bool().unwrap(),
                "{name}"
            );
            assert_eq!(
                item["pspReference"],
                *sent.get("pspReference").unwrap_or(&"".into()),
                "{name}"
            );
            assert_eq!(
                item["eventCode"],
                *sent.get("eventCode").unwrap_or(&"".into()),
                "{name}"
            );
        }
    }
}

#[test]
fn json_reports_header_signed_bodies_and_unusable_ones() {
    let v = vectors("library-header-signed.jsonl")
        .into_iter()
        .find(|v| v["valid"].as_bool() == Some(true))
        .unwrap();
    let (key, body, signature) = (
        str_field(&v, "key"),
        str_field(&v, "body"),
        str_field(&v, "signature"),
    );
    let args = [
        "--key",
        key,
        "--header-signature",
        signature,
        "--format",
        "json",
    ];
    let output = run(&args, body.as_bytes());
    assert_eq!(output.status.code(), Some(0));
    let report = json_of(&output);
    assert_eq!(report["valid"], true);
    assert_eq!(report["kind"], "header");
    assert_eq!(report["key"], 1);
    let sent: serde_json::Value = serde_json::from_str(body).unwrap();
    assert_eq!(report["type"], sent["type"]);
    assert_eq!(report["typed"], true, "{body}");

    let output = run(&args, format!("{body}\n").as_bytes());
    assert_eq!(output.status.code(), Some(1));
    let report = json_of(&output);
    assert_eq!(
        (&report["valid"], &report["kind"]),
        (&false.into(), &"header".into())
    );
    assert!(report["error"].is_string());

    // An unusable body still shows each key's check value: the first thing to compare.
    for format in ["json", "text"] {
        let output = run(
            &["--key", &format!("{KEY},{OTHER}"), "--format", format],
            b"not json",
        );
        assert_eq!(output.status.code(), Some(2), "{format}");
        let stdout = text(&output.stdout);
        assert!(stdout.contains("9540DA"), "{format}: {stdout}");
        if format == "json" {
            let report = json_of(&output);
            assert_eq!(report["valid"], false);
            assert!(report["kind"].is_null());
            assert!(report["error"]
                .as_str()
                .unwrap()
                .contains("not an Adyen notification"));
            assert_eq!(report["keys"][0]["kcv"], "9540DA");
            assert_eq!(report["keys"].as_array().unwrap().len(), 2);
        } else {
            assert!(text(&output.stderr).contains("not an Adyen notification"));
        }
    }
}

#[test]
fn a_type_data_event_points_at_its_header() {
    let body = br#"{"type": "ach.notificationOfChange", "data": {"pspReference": "X"}}"#;
    let output = run(&["--key", KEY], body);
    assert_eq!(output.status.code(), Some(2));
    assert!(
        text(&output.stderr).contains("--header-signature"),
        "{}",
        text(&output.stderr)
    );
    let signature = KEY
        .parse::<tower_adyen_webhook::HmacKey>()
        .unwrap()
        .sign(body);
    let output = run(
        &[
            "--key",
            KEY,
            "--header-signature",
            &signature,
            "--format",
            "json",
        ],
        body,
    );
    assert_eq!(output.status.code(), Some(0));
    assert_eq!(json_of(&output)["type"], "ach.notificationOfChange");
}

#[test]
fn an_empty_envelope_has_nothing_to_verify() {
    let output = run(
        &["--key", KEY, "--format", "json"],
        br#"{"live":"false","notificationItems":[]}"#,
    );
    assert_eq!(output.status.code(), Some(0));
    let report = json_of(&output);
    assert_eq!(
        (&report["valid"], &report["kind"]),
        (&true.into(), &"standard".into())
    );
    assert_eq!(report["items"], serde_json::json!([]));
    let output = run(
        &["--key", KEY],
        br#"{"live":"false","notificationItems":[]}"#,
    );
    assert!(text(&output.stdout).contains("nothing to verify"));
}
