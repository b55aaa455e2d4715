//! The server as a stranger meets it: the real binary in a process of its own, on loopback
//! ports, configured by environment variables alone, reached over raw TCP.
//!
//! - [`Launch`] starts the binary in a fresh temporary directory (so that no `.env` is read)
//!   with an empty environment apart from what it is given, and captures its stdout and
//!   stderr; [`Server`] kills it when dropped, whatever the test did.
//! - [`http`] and [`Head`] speak HTTP/1.1 by hand, so that tests choose every byte: the `Host`
//!   header, the method, a head sent slowly, a body that never ends.
//! - [`signed`] and [`delivery`] build what Adyen sends, signed with the library.

use std::collections::BTreeMap;
use std::io::{ErrorKind, Read, Write};
use std::net::{Ipv4Addr, SocketAddr, SocketAddrV4, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::{Arc, Mutex};
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};

use tower_adyen_webhook::{HmacKey, NotificationRequest, NotificationRequestItem};

/// The binary under test.
pub const BINARY: &str = env!("CARGO_BIN_EXE_adyen-webhook-server");

/// The webhook's HMAC key in these tests (not one byte repeated, which the server refuses).
pub const KEY: &str = "00727DB817A85C8503AD29EAD1523DB869AF0E536893BB3046C92DE7CB045CB1";

/// How long a server may take to listen: it migrates its database first.
const START_PATIENCE: Duration = Duration::from_secs(15);

/// A loopback port nothing listens on right now: bound, read, released.
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|listener| listener.local_addr())
        .expect("a free loopback port")
        .port()
}

/// A loopback address.
pub fn loopback(port: u16) -> SocketAddr {
    SocketAddr::V4(SocketAddrV4::new(Ipv4Addr::LOCALHOST, port))
}

/// How to start the server: environment, arguments, file-descriptor limit.
pub struct Launch {
    dir: tempfile::TempDir,
    env: BTreeMap<String, String>,
    args: Vec<String>,
    fd_limit: Option<u32>,
    port: u16,
    admin_port: u16,
}

impl Default for Launch {
    fn default() -> Self {
        Self::new()
    }
}

impl Launch {
    /// A server on two free loopback ports, with the test key, an SQLite file in its own
    /// temporary directory, and `RUST_LOG=info`.
    pub fn new() -> Self {
        let dir = tempfile::tempdir().expect("a temporary directory");
        let port = free_port();
        let admin_port = free_port();
        let tmp = dir.path().join("tmp");
        std::fs::create_dir(&tmp).expect("a TMPDIR for the server");
        let mut launch = Self {
            env: BTreeMap::new(),
            args: Vec::new(),
            fd_limit: None,
            port,
            admin_port,
            dir,
        };
        let database = format!("sqlite://{}", launch.dir.path().join("n.db").display());
        launch = launch
            .env("ADYEN_HMAC_KEY", KEY)
            .env("PORT", &port.to_string())
            .env("ADMIN_PORT", &admin_port.to_string())
            .env("DATABASE_URL", &database)
            .env("RUST_LOG", "info")
            // Whatever the server creates in the temporary directory (the demo's database)
            // goes away with the test's.
            .env("TMPDIR", &tmp.display().to_string());
        if let Some(path) = std::env::var_os("PATH") {
            launch = launch.env("PATH", &path.to_string_lossy());
        }
        launch
    }

    /// Sets an environment variable.
    #[must_use]
    pub fn env(mut self, name: &str, value: &str) -> Self {
        self.env.insert(name.to_owned(), value.to_owned());
        self
    }

    /// Leaves an environment variable unset.
    #[must_use]
    pub fn without(mut self, name: &str) -> Self {
        self.env.remove(name);
        self
    }

    /// Adds a command-line argument.
    #[must_use]
    pub fn arg(mut self, arg: &str) -> Self {
        self.args.push(arg.to_owned());
        self
    }

    /// Starts the process with this many file descriptors at most (soft and hard limit).
    #[must_use]
    pub fn fd_limit(mut self, limit: u32) -> Self {
        self.fd_limit = Some(limit);
        self
    }

    /// The temporary directory the server runs in.
    pub fn dir(&self) -> &Path {
        self.dir.path()
    }

    /// Starts the process without waiting for anything.
    pub fn spawn(self) -> Server {
        let mut command = match self.fd_limit {
            // The package forbids unsafe code, so no pre_exec: the shell lowers the limit
            // (soft and hard, so that the server cannot raise it back) and execs the binary in
            // its place, under the same pid.
            Some(limit) => {
                let mut command = Command::new("/bin/sh");
                command
                    .arg("-c")
                    .arg(format!("ulimit -n {limit} && exec \"$0\" \"$@\""))
                    .arg(BINARY);
                command
            }
            None => Command::new(BINARY),
        };
        command
            .args(&self.args)
            .current_dir(self.dir.path())
            .env_clear()
            .envs(&self.env)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        let mut child = command.spawn().expect("the server binary starts");
        let stdout = Output::capture(child.stdout.take().expect("stdout is piped"));
        let stderr = Output::capture(child.stderr.take().expect("stderr is piped"));
        Server {
            pid: child.id(),
            child,
            exited: None,
            stdout,
            stderr,
            port: self.port,
            admin_port: self.admin_port,
            database_url: self.env.get("DATABASE_URL").cloned().unwrap_or_default(),
            dir: self.dir,
        }
    }

    /// Starts the process and waits until its webhook and admin ports accept connections.
    pub fn start(self) -> Server {
        let mut server = self.spawn();
        server.wait_listening();
        server
    }

    /// Runs the process until it exits, which it must within `patience`.
    pub fn run_to_exit(self, patience: Duration) -> Server {
        let mut server = self.spawn();
        let status = server.wait_exit(patience);
        assert!(
            status.is_some(),
            "still running after {patience:?}; stderr:\n{}",
            server.stderr()
        );
        server
    }
}

/// What a process wrote on one of its outputs, read by a thread as it comes.
struct Output {
    bytes: Arc<Mutex<Vec<u8>>>,
    reader: Option<JoinHandle<()>>,
}

impl Output {
    fn capture(mut pipe: impl Read + Send + 'static) -> Self {
        let bytes = Arc::new(Mutex::new(Vec::new()));
        let sink = bytes.clone();
        let reader = thread::spawn(move || {
            let mut buffer = [0u8; 8192];
            loop {
                match pipe.read(&mut buffer) {
                    Ok(0) | Err(_) => return,
                    Ok(n) => sink.lock().unwrap().extend_from_slice(&buffer[..n]),
                }
            }
        });
        Self {
            bytes,
            reader: Some(reader),
        }
    }

    fn text(&self) -> String {
        String::from_utf8_lossy(&self.bytes.lock().unwrap()).into_owned()
    }

    fn raw(&self) -> Vec<u8> {
        self.bytes.lock().unwrap().clone()
    }

    /// Waits until the pipe is closed (the process exited), at most `patience`.
    fn finish(&mut self, patience: Duration) {
        let start = Instant::now();
        while self.reader.as_ref().is_some_and(|r| !r.is_finished()) {
            if start.elapsed() > patience {
                return;
            }
            thread::sleep(Duration::from_millis(10));
        }
        if let Some(reader) = self.reader.take() {
            let _ = reader.join();
        }
    }
}

/// A running (or exited) server process. Dropping it kills the process.
pub struct Server {
    child: Child,
    pid: u32,
    exited: Option<ExitStatus>,
    stdout: Output,
    stderr: Output,
    port: u16,
    admin_port: u16,
    database_url: String,
    dir: tempfile::TempDir,
}

impl Drop for Server {
    fn drop(&mut self) {
        if self.exited.is_none() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

impl Server {
    /// The process id.
    pub fn pid(&self) -> u32 {
        self.pid
    }

    /// The webhook listener's address.
    pub fn addr(&self) -> SocketAddr {
        loopback(self.port)
    }

    /// The admin listener's address.
    pub fn admin_addr(&self) -> SocketAddr {
        loopback(self.admin_port)
    }

    /// The `DATABASE_URL` it was given.
    pub fn database_url(&self) -> &str {
        &self.database_url
    }

    /// The directory it runs in.
    pub fn dir(&self) -> &Path {
        self.dir.path()
    }

    /// A path in the directory it runs in.
    pub fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    /// Everything written on stdout so far.
    pub fn stdout(&self) -> String {
        self.stdout.text()
    }

    /// Everything written on stderr (the log) so far.
    pub fn stderr(&self) -> String {
        self.stderr.text()
    }

    /// Everything written on stderr so far, byte for byte.
    pub fn stderr_bytes(&self) -> Vec<u8> {
        self.stderr.raw()
    }

    /// The lines of the log so far.
    pub fn log_lines(&self) -> Vec<String> {
        self.stderr().lines().map(str::to_owned).collect()
    }

    /// Whether the process is still running.
    pub fn is_alive(&mut self) -> bool {
        self.poll_exit().is_none()
    }

    fn poll_exit(&mut self) -> Option<ExitStatus> {
        if self.exited.is_none() {
            self.exited = self.child.try_wait().expect("the child's status");
        }
        self.exited
    }

    /// Waits for the process to exit, at most `patience`; its status if it did. Its outputs
    /// are then read to the end.
    pub fn wait_exit(&mut self, patience: Duration) -> Option<ExitStatus> {
        let start = Instant::now();
        loop {
            if let Some(status) = self.poll_exit() {
                let rest = patience.saturating_sub(start.elapsed()) + Duration::from_secs(1);
                self.stdout.finish(rest);
                self.stderr.finish(rest);
                return Some(status);
            }
            if start.elapsed() >= patience {
                return None;
            }
            thread::sleep(Duration::from_millis(10));
        }
    }

    /// The exit code, once exited.
    pub fn exit_code(&mut self) -> Option<i32> {
        self.poll_exit().and_then(|status| status.code())
    }

    /// Sends SIGTERM, as a container runtime or systemd stops a service.
    pub fn terminate(&self) {
        let status = Command::new("kill")
            .arg("-TERM")
            .arg(self.pid.to_string())
            .status()
            .expect("kill runs");
        assert!(status.success(), "kill -TERM {} failed", self.pid);
    }

    /// Waits until both listeners accept connections.
    pub fn wait_listening(&mut self) {
        let start = Instant::now();
        for address in [self.addr(), self.admin_addr()] {
            loop {
                if let Some(status) = self.poll_exit() {
                    self.stderr.finish(Duration::from_secs(1));
                    panic!(
                        "the server exited ({status}) instead of listening; stderr:\n{}",
                        self.stderr()
                    );
                }
                if TcpStream::connect_timeout(&address, Duration::from_millis(200)).is_ok() {
                    break;
                }
                assert!(
                    start.elapsed() < START_PATIENCE,
                    "not listening on {address} after {START_PATIENCE:?}; stderr:\n{}",
                    self.stderr()
                );
                thread::sleep(Duration::from_millis(20));
            }
        }
    }

    /// Waits until a line of the log contains `needle`, at most `patience`.
    pub fn wait_for_log(&self, needle: &str, patience: Duration) -> bool {
        wait_until(patience, || self.stderr().contains(needle))
    }

    /// Waits until stdout contains `needle`, at most `patience`.
    pub fn wait_for_stdout(&self, needle: &str, patience: Duration) -> bool {
        wait_until(patience, || self.stdout().contains(needle))
    }

    /// The process's resident memory, in KiB, from `/proc`.
    pub fn rss_kib(&self) -> u64 {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.pid))
            .expect("/proc/PID/status");
        status
            .lines()
            .find_map(|line| line.strip_prefix("VmRSS:"))
            .and_then(|rest| rest.trim().trim_end_matches("kB").trim().parse().ok())
            .expect("a VmRSS line")
    }
}

/// Polls `done` every 20 ms until it holds or `patience` has passed; whether it held.
pub fn wait_until(patience: Duration, mut done: impl FnMut() -> bool) -> bool {
    let start = Instant::now();
    loop {
        if done() {
            return true;
        }
        if start.elapsed() >= patience {
            return false;
        }
        thread::sleep(Duration::from_millis(20));
    }
}

/// An HTTP response, as read off the socket.
#[derive(Debug)]
pub struct Response {
    /// The status code.
    pub status: u16,
    /// The headers, names in lowercase.
    pub headers: Vec<(String, String)>,
    /// The body, de-chunked.
    pub body: String,
}

impl Response {
    /// The first header called `name` (lowercase).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    /// The body as JSON.
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.body)
            .unwrap_or_else(|error| panic!("not JSON ({error}): {self:?}"))
    }
}

/// A request head, written by hand. `Host` is the address unless set.
pub struct Head {
    method: String,
    path: String,
    headers: Vec<(String, String)>,
}

impl Head {
    /// `METHOD path HTTP/1.1`.
    pub fn new(method: &str, path: &str) -> Self {
        Self {
            method: method.to_owned(),
            path: path.to_owned(),
            headers: Vec::new(),
        }
    }

    /// Adds a header.
    #[must_use]
    pub fn header(mut self, name: &str, value: &str) -> Self {
        self.headers.push((name.to_owned(), value.to_owned()));
        self
    }

    /// The head's bytes, for `address`, announcing a body of `content_length` bytes.
    pub fn bytes(&self, address: SocketAddr, content_length: usize) -> Vec<u8> {
        let mut head = format!("{} {} HTTP/1.1\r\n", self.method, self.path);
        if !self
            .headers
            .iter()
            .any(|(n, _)| n.eq_ignore_ascii_case("host"))
        {
            head.push_str(&format!("Host: {address}\r\n"));
        }
        for (name, value) in &self.headers {
            head.push_str(&format!("{name}: {value}\r\n"));
        }
        if content_length > 0 || self.method == "POST" || self.method == "PUT" {
            head.push_str(&format!("Content-Length: {content_length}\r\n"));
        }
        head.push_str("Connection: close\r\n\r\n");
        head.into_bytes()
    }
}

/// Sends `head` and `body` to `address` on a connection of its own, and reads the response
/// to the end (the request says `Connection: close`). Panics on a connection error or after
/// 15 seconds.
pub fn http(address: SocketAddr, head: Head, body: &[u8]) -> Response {
    let mut stream = TcpStream::connect_timeout(&address, Duration::from_secs(5))
        .unwrap_or_else(|error| panic!("connecting to {address}: {error}"));
    stream
        .set_read_timeout(Some(Duration::from_secs(15)))
        .expect("a read timeout");
    stream
        .set_write_timeout(Some(Duration::from_secs(15)))
        .expect("a write timeout");
    let mut request = head.bytes(address, body.len());
    request.extend_from_slice(body);
    stream.write_all(&request).expect("the request is sent");
    let mut raw = Vec::new();
    stream
        .read_to_end(&mut raw)
        .unwrap_or_else(|error| panic!("reading the response from {address}: {error}"));
    parse_response(&raw)
        .unwrap_or_else(|| panic!("not an HTTP response: {:?}", String::from_utf8_lossy(&raw)))
}

/// `GET path` with the default `Host`.
pub fn get(address: SocketAddr, path: &str) -> Response {
    http(address, Head::new("GET", path), b"")
}

/// Parses a whole response; `None` when `raw` does not hold one head at least.
pub fn parse_response(raw: &[u8]) -> Option<Response> {
    let end = raw.windows(4).position(|w| w == b"\r\n\r\n")?;
    let head = String::from_utf8_lossy(&raw[..end]);
    let mut lines = head.split("\r\n");
    let status = lines.next()?.split(' ').nth(1)?.parse().ok()?;
    let headers: Vec<(String, String)> = lines
        .filter_map(|line| line.split_once(':'))
        .map(|(n, v)| (n.trim().to_ascii_lowercase(), v.trim().to_owned()))
        .collect();
    let mut body = raw[end + 4..].to_vec();
    let chunked = headers
        .iter()
        .any(|(n, v)| n == "transfer-encoding" && v.eq_ignore_ascii_case("chunked"));
    if chunked {
        body = dechunk(&body);
    }
    Some(Response {
        status,
        headers,
        body: String::from_utf8_lossy(&body).into_owned(),
    })
}

fn dechunk(mut raw: &[u8]) -> Vec<u8> {
    let mut body = Vec::new();
    while let Some(line_end) = raw.windows(2).position(|w| w == b"\r\n") {
        let size = String::from_utf8_lossy(&raw[..line_end]);
        let Ok(size) = usize::from_str_radix(size.split(';').next().unwrap_or("").trim(), 16)
        else {
            break;
        };
        raw = &raw[line_end + 2..];
        if size == 0 || raw.len() < size {
            break;
        }
        body.extend_from_slice(&raw[..size]);
        raw = raw.get(size + 2..).unwrap_or_default();
    }
    body
}

/// Whether the server closed `stream`: a read sees the end of the stream or a reset before
/// `patience` has passed. Bytes the server sent first (a `408`, say) are skipped.
pub fn closed_by_server(stream: &mut TcpStream, patience: Duration) -> bool {
    let start = Instant::now();
    let mut buffer = [0u8; 4096];
    while start.elapsed() < patience {
        let left = patience
            .saturating_sub(start.elapsed())
            .max(Duration::from_millis(1));
        stream.set_read_timeout(Some(left)).expect("a read timeout");
        match stream.read(&mut buffer) {
            Ok(0) => return true,
            Ok(_) => {}
            Err(error) if matches!(error.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => {
                return false
            }
            Err(_) => return true,
        }
    }
    false
}

/// `item`, signed with the test key.
pub fn signed(mut item: NotificationRequestItem) -> NotificationRequestItem {
    let key: HmacKey = KEY.parse().expect("the test key");
    key.sign_item_in_place(&mut item);
    item
}

/// A notification request body holding `items`.
pub fn body(live: bool, items: Vec<NotificationRequestItem>) -> String {
    NotificationRequest { live, items }.to_json()
}

/// POSTs `items`, signed, to the webhook path of `server`.
pub fn delivery(server: &Server, live: bool, items: Vec<NotificationRequestItem>) -> Response {
    let items = items.into_iter().map(signed).collect();
    post_webhook(server.addr(), body(live, items).as_bytes())
}

/// POSTs `body` to the webhook path at `address`, as Adyen does.
pub fn post_webhook(address: SocketAddr, body: &[u8]) -> Response {
    http(
        address,
        Head::new("POST", "/api/webhooks/notifications").header("Content-Type", "application/json"),
        body,
    )
}

/// A runtime for the store's async API. One per test: the store's pool lives on it.
pub fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .expect("a runtime")
}
