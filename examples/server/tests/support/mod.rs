//! Shared by the integration tests: a database per test (SQLite always, PostgreSQL when
//! `TEST_DATABASE_URL` is set), a server on a loopback port, and a small HTTP client.

#![allow(dead_code, unreachable_pub)]

pub mod browser;
pub mod process;

use std::io::Write as _;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use adyen_webhook_server::config::{Config, Credentials, Secret};
use adyen_webhook_server::faults::{Fault, FaultInjector, FaultPoint};
use adyen_webhook_server::payments::{Action, EffectError, Effects};
use adyen_webhook_server::server::{self, Listeners, Running};
use adyen_webhook_server::store::{Stats, Store};
use adyen_webhook_server::worker::WorkerConfig;
use base64::engine::general_purpose::STANDARD as BASE64;
use base64::Engine as _;
use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;
use sqlx::{Connection, Executor};
use tokio::net::TcpListener;
use tower_adyen_webhook::HmacKeys;

/// Runs each named `async fn(&TestDb)` twice: on SQLite, and on PostgreSQL when
/// `TEST_DATABASE_URL` is set (otherwise that variant prints that it was skipped).
#[macro_export]
macro_rules! on_both_databases {
    ($($name:ident),+ $(,)?) => {$(
        mod $name {
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                let db = $crate::support::TestDb::sqlite();
                super::$name(&db).await;
            }

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                let test = concat!(module_path!(), "::postgres");
                if let Some(db) = $crate::support::TestDb::postgres(test).await {
                    super::$name(&db).await;
                    db.drop_schema().await;
                }
            }
        }
    )+};
}

/// A fresh, empty database for one test.
pub struct TestDb {
    url: String,
    postgres: Option<(String, String)>,
    _dir: Option<tempfile::TempDir>,
}

impl TestDb {
    /// An SQLite file in a temporary directory.
    pub fn sqlite() -> Self {
        let dir = tempfile::tempdir().expect("a temporary directory");
        let url = format!(
            "sqlite://{}?mode=rwc",
            dir.path().join("notifications.db").display()
        );
        Self {
            url,
            postgres: None,
            _dir: Some(dir),
        }
    }

    /// A schema of its own in the PostgreSQL database at `TEST_DATABASE_URL`, or `None` (and a
    /// notice on the terminal, past the test harness's capture) when it is not set.
    pub async fn postgres(test: &str) -> Option<Self> {
        let Ok(base) = std::env::var("TEST_DATABASE_URL") else {
            let notice = format!(
                "\nSKIPPED {test}: TEST_DATABASE_URL is not set, so this test did NOT run on \
                 PostgreSQL. To run it: export TEST_DATABASE_URL=\"$(bash \
                 examples/server/ci-postgres.sh)\"\n"
            );
            // Straight to the terminal: libtest would swallow an eprintln! from a passing test.
            let _ = std::io::stderr().write_all(notice.as_bytes());
            assert!(
                std::env::var_os("REQUIRE_POSTGRES").is_none(),
                "REQUIRE_POSTGRES is set but TEST_DATABASE_URL is not"
            );
            return None;
        };
        sqlx::any::install_default_drivers();
        let schema = format!(
            "test_{:08x}",
            getrandom::u32().expect("random bytes from the system")
        );
        let mut connection = sqlx::AnyConnection::connect(&base)
            .await
            .unwrap_or_else(|error| panic!("TEST_DATABASE_URL: cannot connect: {error}"));
        connection
            .execute(format!("CREATE SCHEMA {schema}").as_str())
            .await
            .expect("CREATE SCHEMA");
        let _ = connection.close().await;
        let separator = if base.contains('?') { '&' } else { '?' };
        let url = format!("{base}{separator}options=-c%20search_path%3D{schema}");
        Some(Self {
            url,
            postgres: Some((base, schema)),
            _dir: None,
        })
    }

    /// The `DATABASE_URL` of this database.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// Whether this is PostgreSQL.
    pub fn is_postgres(&self) -> bool {
        self.postgres.is_some()
    }

    /// Removes the test's PostgreSQL schema.
    pub async fn drop_schema(&self) {
        if let Some((base, schema)) = &self.postgres {
            if let Ok(mut connection) = sqlx::AnyConnection::connect(base).await {
                let _ = connection
                    .execute(format!("DROP SCHEMA {schema} CASCADE").as_str())
                    .await;
                let _ = connection.close().await;
            }
        }
    }

    /// Opens the store.
    pub async fn store(&self) -> Store {
        Store::connect(&self.url)
            .await
            .expect("the test database opens")
    }
}

/// A configuration for `db` with `keys`, and Basic auth when given.
pub fn config(db: &TestDb, keys: HmacKeys, basic_auth: Option<(&str, &str)>) -> Config {
    let mut config = Config::with_keys(keys, |name| match name {
        "DATABASE_URL" => Some(db.url().to_owned()),
        _ => None,
    })
    .expect("a valid test configuration");
    config.basic_auth = basic_auth.map(|(username, password)| Credentials {
        username: username.to_owned(),
        password: Secret::new(password),
    });
    config
}

/// Basic auth credentials.
pub fn credentials(username: &str, password: &str) -> Credentials {
    Credentials {
        username: username.to_owned(),
        password: Secret::new(password),
    }
}

/// A worker that polls and retries quickly, for tests.
pub fn fast_worker() -> WorkerConfig {
    WorkerConfig {
        poll_interval: Duration::from_millis(20),
        lease: Duration::from_secs(30),
        retry_base: Duration::from_millis(200),
        retry_max: Duration::from_secs(2),
        ..WorkerConfig::default()
    }
}

/// Starts a server for `config` on a loopback port.
pub async fn start<E: Effects>(config: &Config, effects: E, worker: WorkerConfig) -> Running {
    let store = Store::connect(&config.database_url)
        .await
        .expect("the test database opens");
    server::start(config, store, loopback_listeners().await, effects, worker)
        .expect("the server starts")
}

/// A webhook and an admin listener on free loopback ports.
pub async fn loopback_listeners() -> Listeners {
    let bind = || async {
        TcpListener::bind("127.0.0.1:0")
            .await
            .expect("a loopback port")
    };
    Listeners {
        webhook: bind().await,
        admin: bind().await,
    }
}

/// Every stored notification, as the admin API lists them, newest first, page by page.
pub async fn list_all(server: &Running, auth: Option<(&str, &str)>) -> Vec<serde_json::Value> {
    let mut all = Vec::new();
    let mut path = "/api/notifications?limit=200".to_owned();
    loop {
        let page = get(&server.admin_url(&path), auth).await;
        assert_eq!(page.status, 200, "{page:?}");
        let page = page.json();
        all.extend(
            page["notifications"]
                .as_array()
                .expect("an array")
                .iter()
                .cloned(),
        );
        match page["nextBefore"].as_i64() {
            Some(before) => path = format!("/api/notifications?limit=200&before={before}"),
            None => return all,
        }
    }
}

/// An HTTP answer.
#[derive(Debug)]
pub struct Answer {
    pub status: u16,
    pub body: String,
}

impl Answer {
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.body)
            .unwrap_or_else(|error| panic!("not JSON ({error}): {}", self.body))
    }
}

async fn request(method: &str, url: &str, body: &str, auth: Option<(&str, &str)>) -> Answer {
    request_with(method, url, body.as_bytes(), &[], auth).await
}

async fn request_with(
    method: &str,
    url: &str,
    body: &[u8],
    headers: &[(&str, &str)],
    auth: Option<(&str, &str)>,
) -> Answer {
    let client: Client<_, Full<Bytes>> = Client::builder(TokioExecutor::new()).build_http();
    let mut request = http::Request::builder()
        .method(method)
        .uri(url)
        .header(http::header::CONTENT_TYPE, "application/json");
    if let Some((username, password)) = auth {
        let encoded = BASE64.encode(format!("{username}:{password}"));
        request = request.header(http::header::AUTHORIZATION, format!("Basic {encoded}"));
    }
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    let request = request
        .body(Full::new(Bytes::copy_from_slice(body)))
        .expect("a valid request");
    let response = client.request(request).await.expect("the server answers");
    let status = response.status().as_u16();
    let body = response
        .into_body()
        .collect()
        .await
        .expect("the whole body")
        .to_bytes();
    Answer {
        status,
        body: String::from_utf8_lossy(&body).into_owned(),
    }
}

/// POSTs `body` to `url`.
pub async fn post(url: &str, body: &str, auth: Option<(&str, &str)>) -> Answer {
    request("POST", url, body, auth).await
}

/// POSTs `body` to `url` with `headers` besides the usual ones.
pub async fn post_with(
    url: &str,
    body: &[u8],
    headers: &[(&str, &str)],
    auth: Option<(&str, &str)>,
) -> Answer {
    request_with("POST", url, body, headers, auth).await
}

/// GETs `url`.
pub async fn get(url: &str, auth: Option<(&str, &str)>) -> Answer {
    request("GET", url, "", auth).await
}

/// GETs `url` with `headers` besides the usual ones.
pub async fn get_with(url: &str, headers: &[(&str, &str)], auth: Option<(&str, &str)>) -> Answer {
    request_with("GET", url, b"", headers, auth).await
}

/// Every stored event, as the admin API lists them, newest first, a page of `limit` at a time.
pub async fn events(server: &Running, limit: usize) -> Vec<serde_json::Value> {
    let mut all = Vec::new();
    let mut path = format!("/api/events?limit={limit}");
    loop {
        let page = get(&server.admin_url(&path), None).await;
        assert_eq!(page.status, 200, "{page:?}");
        let page = page.json();
        all.extend(page["events"].as_array().expect("an array").iter().cloned());
        match page["nextBefore"].as_i64() {
            Some(before) => path = format!("/api/events?limit={limit}&before={before}"),
            None => return all,
        }
    }
}

/// Fails the store's writes of events at one point, while set.
#[derive(Debug, Default)]
pub struct FailEvents(Mutex<Option<FaultPoint>>);

impl FailEvents {
    pub fn at(&self, point: Option<FaultPoint>) {
        *self.0.lock().unwrap() = point;
    }
}

impl FaultInjector for FailEvents {
    fn fault(&self, point: FaultPoint, subject: &str) -> Option<Fault> {
        let failing = *self.0.lock().unwrap() == Some(point);
        (failing && subject.starts_with("event ")).then_some(Fault::Error)
    }
}

/// The server, with a store whose writes of events fail where `faults` says.
pub async fn start_failing_events(config: &Config) -> (Running, Arc<FailEvents>) {
    let faults = Arc::new(FailEvents::default());
    let store = Store::connect(&config.database_url)
        .await
        .unwrap()
        .with_faults(faults.clone());
    let server = server::start(
        config,
        store,
        loopback_listeners().await,
        adyen_webhook_server::payments::LogEffects,
        fast_worker(),
    )
    .unwrap();
    (server, faults)
}

/// Polls `store` until `done` holds for its counts, or panics after `patience`.
pub async fn wait_for(store: &Store, patience: Duration, done: impl Fn(&Stats) -> bool) -> Stats {
    let start = Instant::now();
    loop {
        let stats = store.stats().await.expect("stats");
        if done(&stats) {
            return stats;
        }
        assert!(
            start.elapsed() < patience,
            "still waiting after {patience:?}: {stats:?}"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// Effects that remember what they did, and fail the first `failures` times.
#[derive(Clone, Default)]
pub struct Recording {
    pub done: Arc<Mutex<Vec<(String, Action, Instant)>>>,
    pub tries: Arc<Mutex<Vec<Instant>>>,
    failures: Arc<Mutex<usize>>,
}

impl Recording {
    /// Effects whose first `failures` calls fail.
    pub fn failing(failures: usize) -> Self {
        Self {
            failures: Arc::new(Mutex::new(failures)),
            ..Self::default()
        }
    }

    /// The actions done, in order.
    pub fn actions(&self) -> Vec<Action> {
        self.done
            .lock()
            .unwrap()
            .iter()
            .map(|(_, action, _)| action.clone())
            .collect()
    }
}

impl Effects for Recording {
    async fn perform(&self, key: &str, action: &Action) -> Result<(), EffectError> {
        self.tries.lock().unwrap().push(Instant::now());
        {
            let mut failures = self.failures.lock().unwrap();
            if *failures > 0 {
                *failures -= 1;
                return Err("order system unavailable".into());
            }
        }
        self.done
            .lock()
            .unwrap()
            .push((key.to_owned(), action.clone(), Instant::now()));
        Ok(())
    }
}

/// Effects that never finish: a process that hangs, then is killed.
#[derive(Clone, Default)]
pub struct Hanging;

impl Effects for Hanging {
    async fn perform(&self, _: &str, _: &Action) -> Result<(), EffectError> {
        std::future::pending().await
    }
}
