//! The reference Adyen webhook server. `--help` lists its settings; `--demo` shows the whole
//! flow with nothing configured.

use std::io::{self, IsTerminal as _, Write as _};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use adyen_webhook_server::config::{
    Config, ConfigError, Environment, Settings, DEFAULT_LOG_FILTER,
};
use adyen_webhook_server::demo::{self, DemoEffects, DemoKeys};
use adyen_webhook_server::faults::{FailWhileFileExists, FAIL_WHILE_FILE_EXISTS};
use adyen_webhook_server::payments::LogEffects;
use adyen_webhook_server::replay::{self, ReplayRequest, Report};
use adyen_webhook_server::serve::{self, fit_to_fd_limit};
use adyen_webhook_server::server::{self, Listeners};
use adyen_webhook_server::store::{redact_url, Backend, Store};
use adyen_webhook_server::worker::WorkerConfig;
use base64::Engine as _;
use bytes::Bytes;
use clap::{Parser, Subcommand};
use http_body_util::{BodyExt as _, Full};
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;
use tokio::net::TcpListener;
use tower_adyen_webhook::HmacKeys;
use tracing_subscriber::layer::SubscriberExt as _;
use tracing_subscriber::util::SubscriberInitExt as _;
use tracing_subscriber::{reload, EnvFilter};

/// Added to every log filter. sqlx warns about each connect parameter of a PostgreSQL URL it
/// does not know, quoting the value: that of `sslpassword`, which it does not support, is a
/// password, which must not reach the log whatever `RUST_LOG` says.
const SECRET_QUOTING_TARGETS: &str = "sqlx_postgres::options::parse=error";

/// Receives Adyen webhooks on POST /api/webhooks/notifications: verifies their HMAC signatures,
/// stores them, and only then acknowledges them; a worker runs the business logic afterwards.
#[derive(Parser)]
#[command(version, after_help = SOURCES)]
struct Args {
    /// Start with a generated test key and a temporary database of its own, send this server
    /// every test scenario, show what happened, and keep serving.
    #[arg(long)]
    demo: bool,

    #[command(flatten)]
    settings: Settings,

    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// Put dead-lettered (or failing) notifications back in the queue, in the database at
    /// DATABASE_URL; a running server picks them up at its next poll.
    Requeue {
        /// The notification to requeue (its id in the admin API).
        #[arg(long, conflicts_with = "dead", required_unless_present = "dead")]
        id: Option<i64>,
        /// Every dead-lettered notification.
        #[arg(long)]
        dead: bool,
    },
    /// Run the business logic again on stored notifications, after a fix: recompute the
    /// selected payments' states, perform the actions never performed, and mark their failing
    /// and dead-lettered notifications processed once that succeeds. Asks the server running at
    /// ADMIN_BIND_ADDRESS:ADMIN_PORT (POST /api/replay), so that its worker and the replay never
    /// act at the same time; a second replay has nothing to change.
    #[command(group(clap::ArgGroup::new("scope").required(true).multiple(false)))]
    Replay {
        /// A payment's pspReference, or an order's merchantReference.
        #[arg(long, value_name = "REF", group = "scope")]
        payment: Option<String>,
        /// The payments with a notification received since then (RFC 3339, such as
        /// 2026-11-28T13:05:09Z), and the notifications about no payment received since then.
        #[arg(long, value_name = "TIMESTAMP", group = "scope", value_parser = since)]
        since: Option<String>,
        /// Every payment and notification.
        #[arg(long, group = "scope")]
        all: bool,
        /// Say what would change, and change nothing.
        #[arg(long)]
        dry_run: bool,
    },
}

/// `--since`: checked here, sent as given.
fn since(text: &str) -> Result<String, String> {
    replay::parse_since(text).map(|_| text.to_owned())
}

const SOURCES: &str = "\
Each setting comes from its flag, else its environment variable, else a .env file in the
working directory (see examples/server/.env.example), else its default. An empty value counts
as unset. Keys and passwords are better in the environment or .env than on a command line,
which other users of the machine can see.";

fn main() -> ExitCode {
    // Before any thread starts: loading .env and dropping empty variables write the process
    // environment, which every thread shares.
    let dotenv = dotenvy::dotenv();
    Settings::unset_blank_variables();
    let args = match Args::try_parse() {
        Ok(args) => args,
        Err(error) => match ConfigError::from_clap(error) {
            Ok(error) => {
                eprintln!("error: {error}");
                return ExitCode::from(2);
            }
            Err(error) => error.exit(),
        },
    };
    let log = init_tracing(args.demo, args.settings.log.as_deref());
    if let Err(error) = &dotenv {
        if !error.not_found() {
            eprintln!("error: .env: {error}");
            return ExitCode::from(2);
        }
    }
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(error) => {
            eprintln!("error: cannot start the runtime: {error}");
            return ExitCode::from(2);
        }
    };
    let result = runtime.block_on(async {
        match args.command {
            Some(Command::Requeue { id, dead }) => {
                requeue(&args.settings.database_url, id, dead).await
            }
            Some(Command::Replay {
                payment,
                since,
                all,
                dry_run,
            }) => {
                let request = ReplayRequest {
                    payment,
                    since,
                    all,
                    dry_run,
                };
                replay(&args.settings, &request).await
            }
            None => run(args.settings, args.demo, log).await,
        }
    });
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("error: {message}");
            ExitCode::from(2)
        }
    }
}

type LogHandle = reload::Handle<EnvFilter, tracing_subscriber::Registry>;

/// Logs to stderr. The demo is quiet while it prints its own account, unless `RUST_LOG` says
/// otherwise.
fn init_tracing(demo: bool, filter: Option<&str>) -> Option<LogHandle> {
    let (filter, given) = match filter.map(EnvFilter::try_new) {
        Some(Ok(filter)) => (filter, true),
        _ if demo => (EnvFilter::new("error"), false),
        _ => (EnvFilter::new(DEFAULT_LOG_FILTER), false),
    };
    let filter = with_secrets_quiet(filter);
    let (filter, handle) = reload::Layer::new(filter);
    tracing_subscriber::registry()
        .with(filter)
        .with(
            tracing_subscriber::fmt::layer()
                .with_writer(io::stderr)
                .with_ansi(io::stderr().is_terminal()),
        )
        .init();
    (!given).then_some(handle)
}

fn with_secrets_quiet(filter: EnvFilter) -> EnvFilter {
    filter.add_directive(
        SECRET_QUOTING_TARGETS
            .parse()
            .expect("a valid filter directive"),
    )
}

/// `requeue`: resets dead-lettered notifications in the database, for a running server to
/// take up again.
async fn requeue(url: &str, id: Option<i64>, dead: bool) -> Result<(), String> {
    let database = redact_url(url);
    let store = Store::connect(url)
        .await
        .map_err(|error| format!("database {database}: {error}"))?;
    let result = match (id, dead) {
        (Some(id), _) => match store.requeue(id).await {
            Ok(true) => {
                println!("requeued notification {id}");
                Ok(())
            }
            Ok(false) => Err(format!("no unprocessed notification {id} in {database}")),
            Err(error) => Err(error.to_string()),
        },
        (None, _) => store
            .requeue_dead()
            .await
            .map(|count| println!("requeued {count} dead-lettered notifications"))
            .map_err(|error| error.to_string()),
    };
    store.close().await;
    result
}

/// How long `replay` waits for the server's answer: the admin listener's request timeout is
/// shorter.
const REPLAY_PATIENCE: Duration = Duration::from_secs(30);

/// `replay`: asks the running server, whose worker then never acts at the same time, and
/// prints its report.
async fn replay(settings: &Settings, request: &ReplayRequest) -> Result<(), String> {
    request.scope()?;
    let ip = match settings.admin_bind_address {
        IpAddr::V4(ip) if ip.is_unspecified() => IpAddr::V4(Ipv4Addr::LOCALHOST),
        IpAddr::V6(ip) if ip.is_unspecified() => IpAddr::V6(Ipv6Addr::LOCALHOST),
        ip => ip,
    };
    let address = SocketAddr::new(ip, settings.admin_port);
    let body = serde_json::to_vec(request).expect("a request always serializes");
    // `localhost` is a Host the admin listener always answers to, whatever its address.
    let mut http = http::Request::post(format!("http://{address}/api/replay"))
        .header(http::header::HOST, format!("localhost:{}", address.port()))
        .header(http::header::CONTENT_TYPE, "application/json");
    match (&settings.admin_username, &settings.admin_password) {
        (Some(username), Some(password)) => {
            let credentials = format!("{username}:{}", password.expose());
            let encoded = base64::engine::general_purpose::STANDARD.encode(credentials);
            http = http.header(http::header::AUTHORIZATION, format!("Basic {encoded}"));
        }
        (None, None) => {}
        _ => return Err("ADMIN_USERNAME/ADMIN_PASSWORD: set both or neither".to_owned()),
    }
    let http = http
        .body(Full::new(Bytes::from(body)))
        .map_err(|error| format!("cannot build the request: {error}"))?;
    let client: Client<_, Full<Bytes>> = Client::builder(TokioExecutor::new()).build_http();
    let unreachable = |error: &dyn std::fmt::Display| {
        format!(
            "cannot reach the server's admin listener at {address} (ADMIN_BIND_ADDRESS, \
             ADMIN_PORT): {error}; replay runs in the server, which must be running"
        )
    };
    let response = tokio::time::timeout(REPLAY_PATIENCE, client.request(http))
        .await
        .map_err(|_| unreachable(&"no answer"))?
        .map_err(|error| unreachable(&error))?;
    let status = response.status();
    let body = tokio::time::timeout(REPLAY_PATIENCE, response.into_body().collect())
        .await
        .map_err(|_| unreachable(&"no whole answer"))?
        .map_err(|error| unreachable(&error))?
        .to_bytes();
    if status.is_success() {
        let report: Report = serde_json::from_slice(&body)
            .map_err(|error| format!("the server's report cannot be read: {error}"))?;
        print!("{}", report.to_text());
        return if report.failed == 0 {
            Ok(())
        } else {
            Err(format!("{} failed", report.failed))
        };
    }
    let message = serde_json::from_slice::<serde_json::Value>(&body)
        .ok()
        .and_then(|json| json["error"].as_str().map(str::to_owned))
        .unwrap_or_else(|| String::from_utf8_lossy(&body).trim().to_owned());
    Err(match status {
        http::StatusCode::UNAUTHORIZED => {
            "the admin listener wants ADMIN_USERNAME and ADMIN_PASSWORD, as the server has them"
                .to_owned()
        }
        http::StatusCode::SERVICE_UNAVAILABLE if message.is_empty() => {
            "the server did not answer within its request timeout; the replay goes on in it: run \
             the same command with --dry-run later to see what is left"
                .to_owned()
        }
        _ => format!("the server answered {status}: {message}"),
    })
}

async fn run(settings: Settings, demo_mode: bool, log: Option<LogHandle>) -> Result<(), String> {
    let demo_keys = demo_mode.then(DemoKeys::generate);
    let mut config = match &demo_keys {
        Some(keys) => settings.config_with_keys(
            HmacKeys::new(keys.current.key.clone()).with(keys.previous.key.clone()),
        ),
        None => settings.config(),
    }
    .map_err(|error: ConfigError| error.to_string())?;
    // The demo's fake notifications never go into the configured database.
    let demo_dir = if demo_mode {
        let dir = tempfile::Builder::new()
            .prefix("adyen-webhook-demo-")
            .tempdir()
            .map_err(|error| format!("cannot create the demo's temporary database: {error}"))?;
        config.database_url = format!("sqlite://{}?mode=rwc", dir.path().join("demo.db").display());
        // The demo's notifications are test ones, whatever environment is configured.
        config.guards.environment = Environment::Test;
        Some(dir)
    } else {
        None
    };
    config.limits = fit_to_fd_limit(config.limits);

    let database = redact_url(&config.database_url);
    let store = Store::connect(&config.database_url)
        .await
        .map_err(|error| format!("database {database}: {error}"))?;
    let listeners = Listeners {
        webhook: bind("PORT", config.bind_address, config.port, demo_mode)?,
        admin: bind(
            "ADMIN_PORT",
            config.admin.bind_address,
            config.admin.port,
            demo_mode,
        )?,
    };
    let worker = WorkerConfig {
        max_attempts: config.worker_max_attempts,
        ..WorkerConfig::default()
    };
    let demo_effects = DemoEffects::default();
    let running = if demo_mode {
        server::start(&config, store, listeners, demo_effects.clone(), worker)
    } else if let Some(path) = failing_business_logic(&config)? {
        let effects = FailWhileFileExists {
            path,
            inner: LogEffects,
        };
        server::start(&config, store, listeners, effects, worker)
    } else {
        server::start(&config, store, listeners, LogEffects, worker)
    }
    .map_err(|error| error.to_string())?;

    let kcvs: Vec<&str> = config.keys.iter().map(|key| key.check_value()).collect();
    let checkout = &config.checkout;
    tracing::info!(
        endpoint = %running.url(adyen_webhook_server::app::WEBHOOK_PATH),
        admin = %running.admin_url("/"),
        database = %database,
        backend = ?running.store().backend(),
        key_check_values = ?kcvs,
        basic_auth = config.basic_auth.is_some(),
        accept_unsigned_events = config.accept_unsigned_events,
        admin_basic_auth = config.admin.basic_auth.is_some(),
        environment = config.guards.environment.as_str(),
        environment_from = config.guards.environment_source,
        merchant_accounts = config.guards.merchant_accounts.len(),
        max_connections = config.limits.max_connections,
        checkout_api_key = checkout.api_key.is_some(),
        checkout_client_key = checkout.client_key.is_some(),
        "listening; compare the key check values with the Customer Area"
    );
    match &config.platform_keys {
        Some(keys) => {
            let kcvs: Vec<&str> = keys.iter().map(|key| key.check_value()).collect();
            tracing::info!(
                endpoint = %running.url(adyen_webhook_server::app::PLATFORM_PATH),
                key_check_values = ?kcvs,
                "header-signed webhooks are stored, never processed; compare the key check \
                 values with the Customer Area"
            );
        }
        None => tracing::info!(
            "ADYEN_PLATFORM_HMAC_KEY is not set: no route for header-signed webhooks"
        ),
    }
    if config.accept_unsigned_events {
        tracing::warn!(
            "ADYEN_ACCEPT_UNSIGNED_EVENTS is on: notice-of-change events without an HmacSignature \
             header are stored on Basic auth alone (listed with authentication basic-auth); \
             anyone with the webhook's credentials can write one"
        );
    } else {
        tracing::info!(
            "notice-of-change events without an HmacSignature header are refused (401); \
             ADYEN_ACCEPT_UNSIGNED_EVENTS=true stores them on Basic auth alone"
        );
    }
    if config.guards.merchant_accounts.is_empty() {
        tracing::info!(
            "ADYEN_MERCHANT_ACCOUNT is not set: notifications about any merchant account are \
             applied"
        );
    }
    if running.store().backend() == Backend::Sqlite && config.bind_address.is_unspecified() {
        tracing::info!(
            "SQLite serves one instance; use PostgreSQL to run several behind a load balancer"
        );
    }

    if let Some(keys) = &demo_keys {
        let print = |text: &str| {
            let mut stdout = io::stdout().lock();
            let _ = stdout.write_all(text.as_bytes());
            let _ = stdout.flush();
        };
        print(&demo::banner(&running, &config, keys));
        if let Some(dir) = &demo_dir {
            print(&format!(
                "The demo stores into its own temporary database, removed when it stops:\n  {}\n",
                dir.path().join("demo.db").display()
            ));
        }
        print("\n");
        let outcome = demo::run(&running, &config, keys, &demo_effects, print)
            .await
            .map_err(|error| format!("demo: {error}"))?;
        if !outcome.all_as_expected {
            print("\nSome answers or states were not as expected: see UNEXPECTED above.\n");
        }
        if let Some(log) = &log {
            let _ = log.reload(with_secrets_quiet(EnvFilter::new(DEFAULT_LOG_FILTER)));
        }
        print(&demo::next_steps(&running, &config, keys, &outcome));
    }

    shutdown_signal().await;
    tracing::info!("shutting down: finishing the requests in flight and the notification in hand");
    running
        .shutdown()
        .await
        .map_err(|error| error.to_string())?;
    tracing::info!("stopped");
    Ok(())
}

/// The file of [`FAIL_WHILE_FILE_EXISTS`], when it is set: for tests of this binary only, so
/// refused in the live environment and off loopback, and warned about.
fn failing_business_logic(config: &Config) -> Result<Option<PathBuf>, String> {
    let Some(path) = std::env::var_os(FAIL_WHILE_FILE_EXISTS).filter(|path| !path.is_empty())
    else {
        return Ok(None);
    };
    let loopback = config.bind_address.is_loopback() && config.admin.bind_address.is_loopback();
    if config.guards.environment == Environment::Live || !loopback {
        return Err(format!(
            "{FAIL_WHILE_FILE_EXISTS} is set: it makes the business logic fail, for tests only, \
             and is refused in the live environment and on addresses other than loopback; unset \
             it"
        ));
    }
    let path = PathBuf::from(path);
    tracing::warn!(
        path = %path.display(),
        "{FAIL_WHILE_FILE_EXISTS} is set: every business action fails while this file exists \
         (a test seam: never set it on a real server)"
    );
    Ok(Some(path))
}

fn bind(setting: &str, ip: std::net::IpAddr, port: u16, demo: bool) -> Result<TcpListener, String> {
    let address = SocketAddr::new(ip, port);
    match serve::bind(address) {
        Ok(listener) => Ok(listener),
        // The demo must run on any machine: take a free port rather than stop.
        Err(error) if demo && error.kind() == io::ErrorKind::AddrInUse => {
            serve::bind(SocketAddr::new(ip, 0))
                .map_err(|error| format!("cannot listen on {ip}: {error}"))
        }
        Err(error) if error.kind() == io::ErrorKind::AddrInUse => Err(format!(
            "port {port} is already in use: stop what uses it, or set {setting} to another port"
        )),
        Err(error) => Err(format!("cannot listen on {address}: {error}")),
    }
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {}
        () = terminate => {}
    }
}
