//! A real browser for the tests: Debian's `chromium`, headless, driven through W3C WebDriver by
//! Debian's `chromedriver` (packages `chromium` and `chromium-driver`).
//!
//! The protocol is a handful of JSON requests over HTTP/1.1, spoken here with the same raw
//! client as the rest of the process tests ([`super::process::http`]). The WebDriver crates
//! would each bring a second copy of crates the workspace already has (`fantoccini` an older
//! `base64`, which `deny.toml` refuses for a crypto-adjacent crate; `thirtyfour` `reqwest`,
//! `rustls` and a driver downloader) for the eight commands used here.
//!
//! [`Browser::start`] returns `None`, after saying so loudly, when either program is missing,
//! unless `REQUIRE_BROWSER` is set (CI sets it, and installs both): then it panics.

use std::io::{Read as _, Write as _};
use std::net::{SocketAddr, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use base64::engine::general_purpose::STANDARD as BASE64;
use base64::Engine as _;
use serde_json::{json, Value};

use super::process::{free_port, loopback, parse_response, Head, Response};

/// Where Debian installs the two programs, and the names to look for on `PATH`.
const CHROMIUM: &[&str] = &["/usr/bin/chromium", "chromium"];
const CHROMEDRIVER: &[&str] = &["/usr/bin/chromedriver", "chromedriver"];

/// A headless Chromium session. Dropping it ends the session and the driver.
pub struct Browser {
    driver: Child,
    address: SocketAddr,
    session: String,
    _profile: tempfile::TempDir,
}

/// An element of the current page.
#[derive(Clone, Debug)]
pub struct Element(String);

/// Sends one request to chromedriver and reads its answer by its `Content-Length`:
/// chromedriver says `Connection: close` and keeps the connection open all the same.
fn exchange(address: SocketAddr, head: &Head, body: &[u8]) -> Response {
    let mut stream = TcpStream::connect_timeout(&address, Duration::from_secs(5))
        .unwrap_or_else(|error| panic!("connecting to chromedriver: {error}"));
    // Page loads are bounded by the session's own timeout, below this.
    stream
        .set_read_timeout(Some(Duration::from_secs(30)))
        .expect("a read timeout");
    let mut request = head.bytes(address, body.len());
    request.extend_from_slice(body);
    stream.write_all(&request).expect("the request is sent");
    let mut raw = Vec::new();
    let mut buffer = [0u8; 16 * 1024];
    loop {
        if let Some(end) = raw.windows(4).position(|w| w == b"\r\n\r\n") {
            let head = String::from_utf8_lossy(&raw[..end]).to_ascii_lowercase();
            let length = head
                .lines()
                .find_map(|line| line.strip_prefix("content-length:"))
                .and_then(|value| value.trim().parse::<usize>().ok())
                .unwrap_or(0);
            if raw.len() >= end + 4 + length {
                break;
            }
        }
        match stream.read(&mut buffer) {
            Ok(0) => break,
            Ok(n) => raw.extend_from_slice(&buffer[..n]),
            Err(error) => panic!("reading chromedriver's answer: {error}"),
        }
    }
    parse_response(&raw)
        .unwrap_or_else(|| panic!("not an HTTP response: {:?}", String::from_utf8_lossy(&raw)))
}

/// An element reference: an object whose one value is the element's id (under the key
/// `element-6066-11e4-a6f8-d1d0f4e3c8a` of the W3C protocol).
fn reference(reference: &Value) -> Element {
    let id = reference
        .as_object()
        .and_then(|object| object.values().next())
        .and_then(Value::as_str)
        .unwrap_or_else(|| panic!("not an element reference: {reference}"));
    Element(id.to_owned())
}

fn find_program(candidates: &[&str]) -> Option<PathBuf> {
    candidates.iter().find_map(|candidate| {
        let path = Path::new(candidate);
        if path.is_absolute() {
            return path.is_file().then(|| path.to_owned());
        }
        std::env::var_os("PATH").and_then(|paths| {
            std::env::split_paths(&paths)
                .map(|dir| dir.join(candidate))
                .find(|path| path.is_file())
        })
    })
}

impl Browser {
    /// Starts the driver and a headless browser with a window of `width` x `height`, or `None`
    /// when `chromium` or `chromedriver` is not installed and `REQUIRE_BROWSER` is not set.
    pub fn start(test: &str, width: u32, height: u32) -> Option<Self> {
        let (Some(chromium), Some(chromedriver)) =
            (find_program(CHROMIUM), find_program(CHROMEDRIVER))
        else {
            let notice = format!(
                "\nSKIPPED {test}: chromium or chromedriver is not installed, so the operator \
                 page was NOT tested in a browser. To run it: sudo apt-get install chromium \
                 chromium-driver\n"
            );
            // Straight to the terminal: libtest would swallow an eprintln! from a passing test.
            let _ = std::io::stderr().write_all(notice.as_bytes());
            assert!(
                std::env::var_os("REQUIRE_BROWSER").is_none(),
                "REQUIRE_BROWSER is set but chromium or chromedriver is missing"
            );
            return None;
        };
        let port = free_port();
        let driver = Command::new(&chromedriver)
            .arg(format!("--port={port}"))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|error| panic!("{} does not start: {error}", chromedriver.display()));
        let address = loopback(port);
        let start = Instant::now();
        while TcpStream::connect_timeout(&address, Duration::from_millis(200)).is_err() {
            assert!(
                start.elapsed() < Duration::from_secs(20),
                "chromedriver not listening after 20 s"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
        let profile = tempfile::tempdir().expect("a profile directory");
        let mut browser = Self {
            driver,
            address,
            session: String::new(),
            _profile: profile,
        };
        let capabilities = json!({
            "capabilities": { "alwaysMatch": {
                "browserName": "chrome",
                "goog:chromeOptions": {
                    "binary": chromium.display().to_string(),
                    "args": [
                        "--headless=new",
                        "--no-sandbox",
                        "--disable-gpu",
                        "--disable-dev-shm-usage",
                        "--hide-scrollbars",
                        "--no-first-run",
                        format!("--user-data-dir={}", browser._profile.path().display()),
                        format!("--window-size={width},{height}"),
                    ],
                },
                "timeouts": { "pageLoad": 15_000, "script": 5_000 },
            }}
        });
        let created = browser.command("POST", "/session", Some(capabilities));
        browser.session = created["sessionId"]
            .as_str()
            .unwrap_or_else(|| panic!("no session: {created}"))
            .to_owned();
        Some(browser)
    }

    /// Sends one WebDriver command; its `value`. Panics on a WebDriver error.
    fn command(&self, method: &str, path: &str, body: Option<Value>) -> Value {
        let body = body.map(|body| body.to_string()).unwrap_or_default();
        let head = Head::new(method, path).header("Content-Type", "application/json");
        let response = exchange(self.address, &head, body.as_bytes());
        let json: Value = serde_json::from_str(&response.body).unwrap_or_else(|error| {
            panic!("chromedriver answered {method} {path} with no JSON ({error}): {response:?}")
        });
        assert!(
            response.status == 200,
            "chromedriver: {method} {path}: {}",
            json["value"]
        );
        json["value"].clone()
    }

    fn session(&self, method: &str, path: &str, body: Option<Value>) -> Value {
        self.command(method, &format!("/session/{}{path}", self.session), body)
    }

    /// Loads `url` and waits for the page.
    pub fn goto(&self, url: &str) {
        self.session("POST", "/url", Some(json!({ "url": url })));
    }

    /// The URL of the current page.
    pub fn url(&self) -> String {
        self.session("GET", "/url", None)
            .as_str()
            .expect("a URL")
            .to_owned()
    }

    /// The current page's title.
    pub fn title(&self) -> String {
        self.session("GET", "/title", None)
            .as_str()
            .expect("a title")
            .to_owned()
    }

    /// The current page's HTML, as the browser holds it.
    pub fn source(&self) -> String {
        self.session("GET", "/source", None)
            .as_str()
            .expect("the source")
            .to_owned()
    }

    /// The elements matching the CSS `selector`.
    pub fn find_all(&self, selector: &str) -> Vec<Element> {
        let found = self.session(
            "POST",
            "/elements",
            Some(json!({ "using": "css selector", "value": selector })),
        );
        found
            .as_array()
            .expect("an array of elements")
            .iter()
            .map(reference)
            .collect()
    }

    /// The one element matching `selector`; panics when there is none.
    pub fn find(&self, selector: &str) -> Element {
        self.find_all(selector)
            .into_iter()
            .next()
            .unwrap_or_else(|| panic!("no element {selector} on the page:\n{}", self.source()))
    }

    /// The rendered text of `element`, as a person reads it.
    pub fn text(&self, element: &Element) -> String {
        self.session("GET", &format!("/element/{}/text", element.0), None)
            .as_str()
            .expect("a text")
            .to_owned()
    }

    /// The value of `element`'s attribute `name`.
    pub fn attribute(&self, element: &Element, name: &str) -> Option<String> {
        self.session(
            "GET",
            &format!("/element/{}/attribute/{name}", element.0),
            None,
        )
        .as_str()
        .map(str::to_owned)
    }

    /// The child elements of `element` matching `selector`.
    pub fn find_in(&self, element: &Element, selector: &str) -> Vec<Element> {
        self.session(
            "POST",
            &format!("/element/{}/elements", element.0),
            Some(json!({ "using": "css selector", "value": selector })),
        )
        .as_array()
        .expect("an array of elements")
        .iter()
        .map(reference)
        .collect()
    }

    /// Clicks `element` as a person would (it must be visible), and waits for the navigation
    /// it starts, if any.
    pub fn click(&self, element: &Element) {
        self.session(
            "POST",
            &format!("/element/{}/click", element.0),
            Some(json!({})),
        );
    }

    /// A PNG of the viewport.
    pub fn screenshot(&self) -> Vec<u8> {
        let data = self.session("GET", "/screenshot", None);
        BASE64
            .decode(data.as_str().expect("base64"))
            .expect("a base64 PNG")
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        if !self.session.is_empty() {
            // Closes the browser; never a second panic while a failed test unwinds.
            let (address, path) = (self.address, format!("/session/{}", self.session));
            let _ = std::panic::catch_unwind(move || {
                exchange(address, &Head::new("DELETE", &path), b"")
            });
        }
        let _ = self.driver.kill();
        let _ = self.driver.wait();
    }
}
