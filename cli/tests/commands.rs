//! `adyen-webhook` as a whole: help and errors, `generate-key`, `kcv`, and where `send` and
//! `kcv` find their keys.

mod support;

use std::process::Output;

use support::{run, run_in, text, KEY, OTHER};
use tower_adyen_webhook::HmacKey;

const SUBCOMMANDS: [&str; 4] = ["verify", "send", "generate-key", "kcv"];

fn kcv_of(hex: &str) -> String {
    hex.parse::<HmacKey>().unwrap().check_value().to_owned()
}

fn assert_code(output: &Output, code: i32, what: &str) {
    assert_eq!(
        output.status.code(),
        Some(code),
        "{what}\nstdout:\n{}\nstderr:\n{}",
        text(&output.stdout),
        text(&output.stderr)
    );
}

#[test]
fn help_exits_0_everywhere() {
    for args in [&["--help"][..], &["-h"], &["help"], &["--version"]] {
        assert_code(&run(args, b""), 0, &format!("{args:?}"));
    }
    let help = text(&run(&["--help"], b"").stdout);
    for subcommand in SUBCOMMANDS {
        assert!(help.contains(subcommand), "{subcommand} in\n{help}");
        for flag in ["--help", "-h"] {
            let output = run(&[subcommand, flag], b"");
            assert_code(&output, 0, &format!("{subcommand} {flag}"));
            assert!(
                text(&output.stdout).contains(&format!("Usage: adyen-webhook {subcommand}")),
                "{}",
                text(&output.stdout)
            );
        }
        assert_code(&run(&["help", subcommand], b""), 0, subcommand);
    }
    // Every scenario is listed in send's help.
    let send = text(&run(&["send", "--help"], b"").stdout);
    for scenario in adyen_webhook_cli::scenarios::SCENARIOS {
        assert!(send.contains(scenario.name), "{}", scenario.name);
    }
}

#[test]
fn usage_errors_exit_2_and_say_what_is_wrong() {
    let cases: [(&[&str], &str); 6] = [
        (&[], "Usage: adyen-webhook <COMMAND>"),
        (&["frobnicate"], "unrecognized subcommand 'frobnicate'"),
        (&["kcv", "--bogus"], "unexpected argument '--bogus'"),
        (&["send", "--count", "many"], "invalid value 'many'"),
        (
            &["verify", "--key", KEY, "--format", "xml"],
            "invalid value 'xml'",
        ),
        (
            &["send", "--scenario", "nope", "--key", KEY],
            "no scenario \"nope\"",
        ),
    ];
    for (args, message) in cases {
        let output = run(args, b"");
        assert_code(&output, 2, &format!("{args:?}"));
        assert!(
            text(&output.stderr).contains(message),
            "{args:?}: {}",
            text(&output.stderr)
        );
    }
}

#[test]
fn generate_key_prints_a_fresh_key_and_its_check_value() {
    let (first, second) = (run(&["generate-key"], b""), run(&["generate-key"], b""));
    assert_code(&first, 0, "generate-key");
    let hex = text(&first.stdout).trim_end().to_owned();
    assert_eq!(text(&first.stdout), format!("{hex}\n"), "the key alone");
    assert_eq!(hex.len(), 64);
    assert!(hex.chars().all(|c| c.is_ascii_hexdigit()));
    assert!(
        text(&first.stderr).contains(&format!("KCV {}", kcv_of(&hex))),
        "{}",
        text(&first.stderr)
    );
    assert_ne!(first.stdout, second.stdout);
}

#[test]
fn kcv_prints_one_check_value_a_key_and_never_the_key() {
    let output = run(&["kcv", "--key", KEY], b"");
    assert_code(&output, 0, "kcv --key");
    assert_eq!(text(&output.stdout), "9540DA\n");

    let list = format!("{KEY},{OTHER}");
    let output = run(&["kcv", "--key", &list], b"");
    assert_code(&output, 0, "kcv --key NEW,OLD");
    assert_eq!(text(&output.stdout), format!("9540DA\n{}\n", kcv_of(OTHER)));
    for output in [&output, &run(&["kcv", "--key", "abc"], b"")] {
        let all = format!("{}{}", text(&output.stdout), text(&output.stderr));
        assert!(
            !all.contains(&KEY[8..]) && !all.contains(&OTHER[8..]),
            "{all}"
        );
    }

    let output = run(&["kcv", "--key", "abc"], b"");
    assert_code(&output, 2, "a malformed key");
    assert!(text(&output.stderr).contains("--key: "));
    assert!(text(&output.stderr).contains("64 hex digits (got 3)"));
}

/// `--key`, then the environment, then `.env`; an empty value is unset at every level.
#[test]
fn keys_come_from_the_flag_then_the_environment_then_dotenv() {
    let dir = tempfile::tempdir().unwrap();
    let kcv = |env: &[(&str, &str)], args: &[&str]| {
        let args: Vec<&str> = ["kcv"].iter().chain(args).copied().collect();
        run_in(dir.path(), env, &args, b"")
    };

    // Nothing anywhere: says where a key may come from.
    let output = kcv(&[("ADYEN_HMAC_KEY", "")], &["--key", ""]);
    assert_code(&output, 2, "no key");
    assert!(
        text(&output.stderr).contains("no key: give --key HEX, or set ADYEN_HMAC_KEY"),
        "{}",
        text(&output.stderr)
    );

    std::fs::write(
        dir.path().join(".env"),
        format!("ADYEN_HMAC_KEY={KEY}\nADYEN_PLATFORM_HMAC_KEY={OTHER}\n"),
    )
    .unwrap();
    let other = format!("{}\n", kcv_of(OTHER));
    for (env, args, expected) in [
        // `--key "$ADYEN_HMAC_KEY"` with an empty shell variable.
        (&[][..], &["--key", ""][..], "9540DA\n"),
        (&[("ADYEN_HMAC_KEY", "")], &[][..], "9540DA\n"),
        (&[("ADYEN_HMAC_KEY", OTHER)], &[][..], &other),
        (
            &[("ADYEN_HMAC_KEY", OTHER)],
            &["--key", KEY][..],
            "9540DA\n",
        ),
        (&[], &["--platform"][..], &other),
    ] {
        let output = kcv(env, args);
        assert_code(&output, 0, &format!("{env:?} {args:?}"));
        assert_eq!(text(&output.stdout), expected, "{env:?} {args:?}");
    }

    // A malformed key says where it was found.
    std::fs::write(dir.path().join(".env"), "ADYEN_HMAC_KEY=abc\n").unwrap();
    let output = kcv(&[], &[]);
    assert_code(&output, 2, "a malformed key in .env");
    assert!(
        text(&output.stderr).contains("ADYEN_HMAC_KEY (from .env): "),
        "{}",
        text(&output.stderr)
    );
}

/// `send` finds its key as `kcv` does; with nothing listening, every delivery goes unanswered.
#[test]
fn send_takes_its_key_from_dotenv_when_the_flag_is_empty() {
    let dir = tempfile::tempdir().unwrap();
    // A port nothing listens on: bound, read, released.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|listener| listener.local_addr())
        .unwrap()
        .port();
    let url = format!("http://127.0.0.1:{port}/api/webhooks/notifications");
    let send = |args: &[&str]| {
        let mut all = vec!["send", "--url", &url, "--retries", "0"];
        all.extend_from_slice(args);
        run_in(dir.path(), &[], &all, b"")
    };

    let output = send(&["--key", "", "--scenario", "authorisation"]);
    assert_code(&output, 2, "no key anywhere");
    assert!(
        text(&output.stderr).contains("no key: give --key HEX"),
        "{}",
        text(&output.stderr)
    );

    std::fs::write(dir.path().join(".env"), format!("ADYEN_HMAC_KEY={KEY}\n")).unwrap();
    let output = send(&["--key", "", "--scenario", "authorisation"]);
    assert_code(&output, 1, "nothing listens");
    let stderr = text(&output.stderr);
    assert!(stderr.contains("(key KCV 9540DA)"), "{stderr}");
    assert!(stderr.contains("the server did not answer"), "{stderr}");

    let output = send(&["--platform", "--platform-key", ""]);
    assert_code(&output, 2, "no platform key");
    assert!(
        text(&output.stderr).contains("no key: give --platform-key HEX"),
        "{}",
        text(&output.stderr)
    );

    let output = send(&["--username", "adyen", "--scenario", "authorisation"]);
    assert_code(&output, 2, "a username without a password");
    assert!(text(&output.stderr).contains("give both --username and --password"));

    let https = [
        "send",
        "--url",
        "https://abcd.ngrok.app/api/webhooks/notifications",
    ];
    let output = run_in(dir.path(), &[], &https, b"");
    assert_code(&output, 2, "an https URL");
    assert!(text(&output.stderr).contains("plain HTTP"));
}
