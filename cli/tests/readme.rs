//! The docs cannot drift from the tool: every command of every `sh` block in the repository's
//! Markdown files (README.md, cli/README.md, models/README.md...) is either run here, against
//! the real binaries on loopback, or listed below as skipped, word for word, with the reason.
//! A command nobody classified fails the test, and so does a skipped one no doc shows any more.
//!
//! The runnable ones are those of the command-line tool (`adyen-webhook ...`, or `cargo run -p
//! adyen-webhook-cli -- ...`, which runs the same binary). Each runs under `sh` in a temporary
//! directory holding the files the docs name (`notification.json`, `body.json`, signed with the
//! test keys) and a `.env` with the keys, in an environment with nothing else, so that
//! `--key "$ADYEN_HMAC_KEY"` finds the key in `.env` as a reader's would. The placeholders the
//! docs use (`YOUR_HEX_KEY`, `NEW_KEY`...) stand for the test keys, and `127.0.0.1:8080` for the
//! reference server, started from its binary with an SQLite database of its own. A command must
//! exit 0: an unknown subcommand or flag exits 2, a signature that does not verify or an answer
//! that is not the expected one exits 1.
//!
//! The server's binary is the one `cargo test --workspace` builds beside this package's
//! (`cargo build -p adyen-webhook-server` otherwise).

#![cfg(unix)]

mod support;

use std::collections::{BTreeMap, BTreeSet};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use adyen_webhook_cli::scenarios;
use support::{text, BINARY, KEY, OTHER};
use tower_adyen_webhook::{Amount, HmacKey, NotificationRequest, NotificationRequestItem};

/// Commands that cannot run here, and why. Exact text, without the trailing comment.
const SKIPPED: &[(&str, &str)] = &[
    (
        "cargo run -p adyen-webhook-server -- --demo",
        "serves until stopped; the server's e2e test runs the demo",
    ),
    ("cargo test --workspace", "this test is part of it"),
    ("cargo add tower-adyen-webhook", "edits a Cargo.toml"),
    (
        "cargo install --path cli",
        "a release build of minutes, into ~/.cargo",
    ),
    (
        "cp examples/server/.env.example .env",
        "writes into the checkout",
    ),
    (
        "cargo run -p adyen-webhook-server",
        "serves until stopped; this test starts the server's binary itself",
    ),
    ("ngrok http 8080", "a public tunnel"),
    (
        "export TEST_DATABASE_URL=\"$(bash examples/server/ci-postgres.sh)\"",
        "installs PostgreSQL, as root; .ci/run does",
    ),
    (
        "cargo run -p adyen-models-gen -- models/spec models/src/generated",
        "rewrites the generated models; .ci/run checks them with check-generated.sh",
    ),
    ("bash models/check-generated.sh", ".ci/run runs it"),
    (
        "benches/instructions/install.sh",
        "installs valgrind as root and builds gungraun-runner; .ci/run does",
    ),
    (
        "benches/instructions/check.sh",
        "a release build and a callgrind run; .ci/run runs it",
    ),
    (
        "benches/instructions/check.sh --refresh",
        "rewrites the committed baseline",
    ),
    (
        "python3 tests/data/adyen/collect.py MIRROR_ROOT tests/data/adyen",
        "needs mirrors of Adyen's repositories",
    ),
    ("benches/run.sh", "benchmarks, minutes long"),
    (
        "cargo run -p adyen-webhook-server -- replay --payment ORDER-1 --dry-run",
        "needs a running server with stored notifications; the server's tests/replay.rs runs it",
    ),
    (
        "cargo run -p adyen-webhook-server -- replay --payment ORDER-1",
        "needs a running server with stored notifications; the server's tests/replay.rs runs it",
    ),
    (
        "cargo run -p adyen-webhook-server -- replay --since 2026-11-28T00:00:00Z",
        "needs a running server with stored notifications; the server's tests/replay.rs runs it",
    ),
    (
        "cargo run -p adyen-webhook-server -- replay --all --dry-run",
        "needs a running server with stored notifications; the server's tests/replay.rs runs it",
    ),
    ("benches/run.sh --quick", "benchmarks"),
];

/// How long one command may take: `send --scenario all` retries the forgery three times.
const PATIENCE: Duration = Duration::from_secs(60);

/// One command of a doc.
struct Shown {
    file: String,
    command: String,
}

#[test]
fn every_command_the_docs_show_runs_or_is_skipped_for_a_reason() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("the package is in the workspace");
    let shown = commands(root);
    assert!(
        shown.iter().any(|s| s.file == "README.md"),
        "no sh block found in README.md"
    );

    let mut unclassified = Vec::new();
    let mut runnable: BTreeMap<String, String> = BTreeMap::new();
    let mut skipped_seen = BTreeSet::new();
    for Shown { file, command } in &shown {
        if let Some(rest) = cli_arguments(command) {
            runnable
                .entry(format!("adyen-webhook{rest}"))
                .or_insert_with(|| format!("{file}: {command}"));
        } else if SKIPPED.iter().any(|(skipped, _)| skipped == command) {
            skipped_seen.insert(command.as_str());
        } else {
            unclassified.push(format!("{file}: {command}"));
        }
    }
    assert!(
        unclassified.is_empty(),
        "commands in the docs that this test neither runs nor skips: run them (they must be \
         the CLI's) or add them to SKIPPED with the reason:\n  {}",
        unclassified.join("\n  ")
    );
    let stale: Vec<_> = SKIPPED
        .iter()
        .map(|(command, _)| *command)
        .filter(|command| !skipped_seen.contains(command))
        .collect();
    assert!(
        stale.is_empty(),
        "SKIPPED lists commands no doc shows any more: {stale:?}"
    );
    assert!(
        runnable.keys().any(|c| c.starts_with("adyen-webhook send")),
        "no send command found: is the extraction broken?"
    );

    let world = World::new();
    let server = world.start_server();
    let mut failures = Vec::new();
    for (command, origin) in &runnable {
        let line = world.substitute(command, server.address);
        match world.run(&line) {
            Ok(()) => eprintln!("ran: {line}"),
            Err(why) => failures.push(format!("{origin}\n  ran: {line}\n  {why}")),
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} commands shown in the docs failed:\n\n{}\n\nthe server's log:\n{}",
        failures.len(),
        runnable.len(),
        failures.join("\n\n"),
        server.log()
    );
}

/// The arguments after the program, if `command` runs the command-line tool.
fn cli_arguments(command: &str) -> Option<&str> {
    ["cargo run -p adyen-webhook-cli --", "adyen-webhook"]
        .iter()
        .find_map(|program| command.strip_prefix(program))
        .filter(|rest| rest.is_empty() || rest.starts_with(' '))
}

/// Every command of every `sh` block of every Markdown file under `root`, outside `target` and
/// hidden directories: continuation lines joined, comments dropped.
fn commands(root: &Path) -> Vec<Shown> {
    let mut files = Vec::new();
    markdown_files(root, &mut files);
    files.sort();
    let mut shown = Vec::new();
    for path in files {
        let file = path
            .strip_prefix(root)
            .unwrap()
            .to_string_lossy()
            .into_owned();
        let doc = std::fs::read_to_string(&path).unwrap();
        let mut in_block = false;
        let mut pending = String::new();
        for line in doc.lines() {
            let fence = line.trim_start().strip_prefix("```");
            match (in_block, fence) {
                (false, Some(lang)) => {
                    in_block = matches!(lang.trim(), "sh" | "bash" | "shell");
                    continue;
                }
                (true, Some(_)) => {
                    assert!(pending.is_empty(), "{file}: a block ends with a `\\`");
                    in_block = false;
                    continue;
                }
                (false, None) => continue,
                (true, None) => {}
            }
            let code = strip_comment(line);
            if let Some(continued) = code.trim_end().strip_suffix('\\') {
                pending.push_str(continued.trim());
                pending.push(' ');
                continue;
            }
            pending.push_str(code.trim());
            let command = std::mem::take(&mut pending).trim().to_owned();
            if !command.is_empty() {
                shown.push(Shown {
                    file: file.clone(),
                    command,
                });
            }
        }
    }
    shown
}

fn markdown_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_string_lossy();
        if name.starts_with('.') || name == "target" {
            continue;
        }
        if path.is_dir() {
            markdown_files(&path, out);
        } else if name.ends_with(".md") {
            out.push(path);
        }
    }
}

/// `line` without its shell comment: a `#` at the start of a word, outside quotes.
fn strip_comment(line: &str) -> &str {
    let (mut single, mut double, mut word_start) = (false, false, true);
    for (i, c) in line.char_indices() {
        match c {
            '\'' if !double => single = !single,
            '"' if !single => double = !double,
            '#' if !single && !double && word_start => return &line[..i],
            _ => {}
        }
        word_start = c.is_whitespace();
    }
    line
}

/// Replaces `word` in `text` where it stands alone (not inside a longer name).
fn replace_word(text: &str, word: &str, with: &str) -> String {
    let is_name = |c: char| c.is_ascii_alphanumeric() || c == '_';
    let mut out = String::new();
    let mut rest = text;
    while let Some(at) = rest.find(word) {
        let before = rest[..at].chars().last().or(out.chars().last());
        let after = rest[at + word.len()..].chars().next();
        out.push_str(&rest[..at]);
        if before.is_some_and(is_name) || after.is_some_and(is_name) {
            out.push_str(word);
        } else {
            out.push_str(with);
        }
        rest = &rest[at + word.len()..];
    }
    out.push_str(rest);
    out
}

/// The directory the commands run in, its files, and the `adyen-webhook` on their `PATH`.
struct World {
    dir: tempfile::TempDir,
    placeholders: Vec<(&'static str, String)>,
}

impl World {
    fn new() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let key: HmacKey = KEY.parse().unwrap();

        let mut item = NotificationRequestItem::new("7914073381342284", "AUTHORISATION");
        item.merchant_account_code = "YourShopECOM".into();
        item.merchant_reference = "ORDER-1".into();
        item.amount = Some(Amount::new(1130, "EUR"));
        key.sign_item_in_place(&mut item);
        let notification = NotificationRequest {
            live: false,
            items: vec![item],
        }
        .to_json();
        std::fs::write(dir.path().join("notification.json"), notification).unwrap();

        let webhook = scenarios::account_holder_created(&key);
        std::fs::write(dir.path().join("body.json"), &webhook.body).unwrap();
        let signature = webhook.hmac_signature.expect("a header-signed webhook");

        // The keys a reader's .env holds during a rotation: NEW,OLD.
        std::fs::write(
            dir.path().join(".env"),
            format!("ADYEN_HMAC_KEY={KEY},{OTHER}\nADYEN_PLATFORM_HMAC_KEY={KEY}\n"),
        )
        .unwrap();

        let bin = dir.path().join("bin");
        std::fs::create_dir(&bin).unwrap();
        std::os::unix::fs::symlink(BINARY, bin.join("adyen-webhook")).unwrap();

        let placeholders = vec![
            ("YOUR_HEX_KEY", KEY.to_owned()),
            ("NEW_KEY", KEY.to_owned()),
            ("PREVIOUS_KEY", OTHER.to_owned()),
            ("HEX", KEY.to_owned()),
            ("VALUE_OF_HmacSignature", signature),
        ];
        Self { dir, placeholders }
    }

    /// `command` with the placeholders and the server's address filled in.
    fn substitute(&self, command: &str, server: SocketAddr) -> String {
        let mut line = command.replace("127.0.0.1:8080", &server.to_string());
        for (placeholder, value) in &self.placeholders {
            line = replace_word(&line, placeholder, value);
        }
        line
    }

    /// Runs `line` under `sh` in the directory; `Err` says how it failed.
    fn run(&self, line: &str) -> Result<(), String> {
        let mut path = self.dir.path().join("bin").into_os_string();
        if let Some(inherited) = std::env::var_os("PATH") {
            path.push(":");
            path.push(inherited);
        }
        let output = Command::new("/bin/sh")
            .arg("-c")
            .arg(line)
            .current_dir(self.dir.path())
            .env_clear()
            .env("PATH", path)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .map_err(|error| format!("sh: {error}"))?;
        let output = wait_with_patience(output)?;
        match output.status.code() {
            Some(0) => Ok(()),
            code => Err(format!(
                "exit status {code:?}\n  stdout:\n{}\n  stderr:\n{}",
                text(&output.stdout),
                text(&output.stderr)
            )),
        }
    }

    /// The reference server's binary on two free loopback ports, with the keys of `.env` and
    /// an SQLite file of its own.
    fn start_server(&self) -> Server {
        let binary = Path::new(BINARY).with_file_name("adyen-webhook-server");
        assert!(
            binary.exists(),
            "{} is missing: `cargo test --workspace` builds it, or run `cargo build -p \
             adyen-webhook-server` before `cargo test -p adyen-webhook-cli`",
            binary.display()
        );
        let dir = tempfile::tempdir().unwrap();
        let (port, admin_port) = (free_port(), free_port());
        let database = format!("sqlite://{}?mode=rwc", dir.path().join("n.db").display());
        let log = std::fs::File::create(dir.path().join("log")).unwrap();
        let child = Command::new(binary)
            .current_dir(dir.path())
            .env_clear()
            .env("ADYEN_HMAC_KEY", format!("{KEY},{OTHER}"))
            .env("ADYEN_PLATFORM_HMAC_KEY", KEY)
            .env("PORT", port.to_string())
            .env("ADMIN_PORT", admin_port.to_string())
            .env("DATABASE_URL", database)
            .env("RUST_LOG", "warn")
            .env("TMPDIR", dir.path())
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .expect("the server starts");
        let mut server = Server {
            child,
            address: SocketAddr::from(([127, 0, 0, 1], port)),
            dir,
        };
        server.wait_listening();
        server
    }
}

fn wait_with_patience(mut child: Child) -> Result<std::process::Output, String> {
    let start = Instant::now();
    while child.try_wait().map_err(|e| e.to_string())?.is_none() {
        if start.elapsed() > PATIENCE {
            let _ = child.kill();
            let output = child.wait_with_output().map_err(|e| e.to_string())?;
            return Err(format!(
                "still running after {PATIENCE:?}\n  stderr:\n{}",
                text(&output.stderr)
            ));
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    child.wait_with_output().map_err(|e| e.to_string())
}

/// A loopback port nothing listens on right now.
fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|listener| listener.local_addr())
        .unwrap()
        .port()
}

/// The server's process, killed when dropped.
struct Server {
    child: Child,
    address: SocketAddr,
    dir: tempfile::TempDir,
}

impl Server {
    fn wait_listening(&mut self) {
        let start = Instant::now();
        while TcpStream::connect_timeout(&self.address, Duration::from_millis(200)).is_err() {
            if let Some(status) = self.child.try_wait().unwrap() {
                panic!("the server exited ({status}):\n{}", self.log());
            }
            assert!(
                start.elapsed() < Duration::from_secs(15),
                "the server is not listening on {} after 15 s:\n{}",
                self.address,
                self.log()
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    fn log(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("log")).unwrap_or_default()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[test]
fn comments_continuations_and_placeholders() {
    assert_eq!(strip_comment("a b   # c"), "a b   ");
    assert_eq!(strip_comment("a '#b' \"#c\" d#e"), "a '#b' \"#c\" d#e");
    assert_eq!(strip_comment("# all"), "");
    assert_eq!(replace_word("--key HEX,HEX", "HEX", "K"), "--key K,K");
    assert_eq!(
        replace_word("YOUR_HEX_KEY HEXA", "HEX", "K"),
        "YOUR_HEX_KEY HEXA"
    );
    assert_eq!(cli_arguments("adyen-webhook kcv"), Some(" kcv"));
    assert_eq!(
        cli_arguments("cargo run -p adyen-webhook-cli -- send --help"),
        Some(" send --help")
    );
    assert_eq!(cli_arguments("adyen-webhook-server"), None);
}
