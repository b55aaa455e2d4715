//! Shared by the command's tests: the binary under test, run in a directory of its own with an
//! environment of its own, and the library's test vectors.

#![allow(dead_code, unreachable_pub)]

use std::io::Write as _;
use std::path::Path;
use std::process::{Command, Output, Stdio};

use serde_json::Value;

/// The binary under test.
pub const BINARY: &str = env!("CARGO_BIN_EXE_adyen-webhook");

/// A key whose check value is known: `9540DA` (ADYEN.md).
pub const KEY: &str = "00727DB817A85C8503AD29EAD1523DB869AF0E536893BB3046C92DE7CB045CB1";

/// Another key.
pub const OTHER: &str = "11727DB817A85C8503AD29EAD1523DB869AF0E536893BB3046C92DE7CB045CB1";

/// The command, in `dir` (so that no `.env` but the test's is read), with no environment but
/// `env` (and `PATH`).
pub fn command(dir: &Path, env: &[(&str, &str)]) -> Command {
    let mut command = Command::new(BINARY);
    command
        .current_dir(dir)
        .env_clear()
        .envs(env.iter().copied());
    if let Some(path) = std::env::var_os("PATH") {
        command.env("PATH", path);
    }
    command
}

/// Runs the command with `args` and `stdin`, in a fresh empty directory.
pub fn run(args: &[&str], stdin: &[u8]) -> Output {
    let dir = tempfile::tempdir().unwrap();
    run_in(dir.path(), &[], args, stdin)
}

/// Runs the command with `args` and `stdin` in `dir`, with `env`.
pub fn run_in(dir: &Path, env: &[(&str, &str)], args: &[&str], stdin: &[u8]) -> Output {
    let mut child = command(dir, env)
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // The command may exit (on unusable arguments) before it reads its input: a closed pipe
    // then is not a failure, the exit status and the output are what is checked.
    if let Err(error) = child.stdin.take().unwrap().write_all(stdin) {
        assert_eq!(error.kind(), std::io::ErrorKind::BrokenPipe, "{error}");
    }
    child.wait_with_output().unwrap()
}

/// Output as text.
pub fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// One line of a `.jsonl` vector file of the library's tests (`tests/data/`).
pub fn vectors(file: &str) -> Vec<Value> {
    let path = format!("{}/../tests/data/{file}", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    let lines: Vec<Value> = text
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| serde_json::from_str(l).expect("a vector is JSON"))
        .collect();
    assert!(!lines.is_empty(), "{path} has no vectors");
    lines
}

/// A string field of a vector.
pub fn str_field<'a>(vector: &'a Value, field: &str) -> &'a str {
    vector[field]
        .as_str()
        .unwrap_or_else(|| panic!("vector field {field} is not a string: {vector}"))
}
