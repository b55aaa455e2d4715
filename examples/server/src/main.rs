//! The reference Adyen webhook server. `--help` lists its settings; `--demo` shows the whole
//! flow with nothing configured.

use std::io::{self, IsTerminal as _, Write as _};
use std::net::SocketAddr;
use std::process::ExitCode;

use adyen_webhook_server::config::{Config, ConfigError};
use adyen_webhook_server::demo::{self, DemoEffects, DemoKeys};
use adyen_webhook_server::payments::LogEffects;
use adyen_webhook_server::server;
use adyen_webhook_server::store::{redact_url, Backend, Store};
use adyen_webhook_server::worker::WorkerConfig;
use clap::Parser;
use tokio::net::TcpListener;
use tower_adyen_webhook::HmacKeys;
use tracing_subscriber::layer::SubscriberExt as _;
use tracing_subscriber::util::SubscriberInitExt as _;
use tracing_subscriber::{reload, EnvFilter};

const DEFAULT_LOG_FILTER: &str = "info,sqlx=warn";

/// Receives Adyen webhooks on POST /api/webhooks/notifications: verifies their HMAC signatures,
/// stores them, and only then acknowledges them; a worker runs the business logic afterwards.
#[derive(Parser)]
#[command(version, after_help = ENVIRONMENT)]
struct Args {
    /// Start with a generated test key, send this server every test scenario, show what
    /// happened, and keep serving.
    #[arg(long)]
    demo: bool,
}

const ENVIRONMENT: &str = "\
Settings come from the environment and from a .env file in the working directory
(see .env.example):
  ADYEN_HMAC_KEY          required: the webhook's HMAC key from the Customer Area
                          (64 hex digits; several separated by commas during a rotation,
                          current first)
  PORT                    default 8080
  BIND_ADDRESS            default 127.0.0.1; 0.0.0.0 in a container
  DATABASE_URL            default sqlite://notifications.db?mode=rwc; or postgres://...
  WEBHOOK_USERNAME        Basic auth, as set on the webhook in the Customer Area
  WEBHOOK_PASSWORD        (both or neither)
  ADYEN_API_KEY, ADYEN_CLIENT_KEY, ADYEN_MERCHANT_ACCOUNT
                          checkout settings: read, never logged, not needed for webhooks
  RUST_LOG                log filter, default info";

#[tokio::main]
async fn main() -> ExitCode {
    let args = Args::parse();
    let dotenv = dotenvy::dotenv();
    let log = init_tracing(args.demo);
    if let Err(error) = &dotenv {
        if !error.not_found() {
            eprintln!("error: .env: {error}");
            return ExitCode::from(2);
        }
    }
    match run(args.demo, log).await {
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
fn init_tracing(demo: bool) -> Option<LogHandle> {
    let (filter, from_env) = match EnvFilter::try_from_default_env() {
        Ok(filter) => (filter, true),
        Err(_) if demo => (EnvFilter::new("error"), false),
        Err(_) => (EnvFilter::new(DEFAULT_LOG_FILTER), false),
    };
    let (filter, handle) = reload::Layer::new(filter);
    tracing_subscriber::registry()
        .with(filter)
        .with(
            tracing_subscriber::fmt::layer()
                .with_writer(io::stderr)
                .with_ansi(io::stderr().is_terminal()),
        )
        .init();
    (!from_env).then_some(handle)
}

async fn run(demo_mode: bool, log: Option<LogHandle>) -> Result<(), String> {
    let env = |name: &str| std::env::var(name).ok();
    let demo_keys = demo_mode.then(DemoKeys::generate);
    let config = match &demo_keys {
        Some(keys) => Config::with_keys(
            HmacKeys::new(keys.current.key.clone()).with(keys.previous.key.clone()),
            env,
        ),
        None => Config::from_env(),
    }
    .map_err(|error: ConfigError| error.to_string())?;

    let database = redact_url(&config.database_url);
    let store = Store::connect(&config.database_url)
        .await
        .map_err(|error| format!("database {database}: {error}"))?;
    let listener = bind(&config, demo_mode).await?;
    let demo_effects = DemoEffects::default();
    let running = if demo_mode {
        server::start(
            &config,
            store,
            listener,
            demo_effects.clone(),
            WorkerConfig::default(),
        )
    } else {
        server::start(
            &config,
            store,
            listener,
            LogEffects,
            WorkerConfig::default(),
        )
    }
    .map_err(|error| error.to_string())?;

    let kcvs: Vec<&str> = config.keys.iter().map(|key| key.check_value()).collect();
    let checkout = &config.checkout;
    tracing::info!(
        endpoint = %running.url(adyen_webhook_server::app::WEBHOOK_PATH),
        database = %database,
        backend = ?running.store().backend(),
        key_check_values = ?kcvs,
        basic_auth = config.basic_auth.is_some(),
        checkout_api_key = checkout.api_key.is_some(),
        checkout_client_key = checkout.client_key.is_some(),
        checkout_merchant_account = checkout.merchant_account.is_some(),
        "listening; compare the key check values with the Customer Area"
    );
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
        print("\n");
        let outcome = demo::run(&running, &config, keys, &demo_effects, print)
            .await
            .map_err(|error| format!("demo: {error}"))?;
        if !outcome.all_as_expected {
            print("\nSome answers or states were not as expected: see UNEXPECTED above.\n");
        }
        if let Some(log) = &log {
            let _ = log.reload(EnvFilter::new(DEFAULT_LOG_FILTER));
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

async fn bind(config: &Config, demo: bool) -> Result<TcpListener, String> {
    let address = SocketAddr::new(config.bind_address, config.port);
    match TcpListener::bind(address).await {
        Ok(listener) => Ok(listener),
        // The demo must run on any machine: take a free port rather than stop.
        Err(error) if demo && error.kind() == io::ErrorKind::AddrInUse => {
            TcpListener::bind(SocketAddr::new(config.bind_address, 0))
                .await
                .map_err(|error| format!("cannot listen on {}: {error}", config.bind_address))
        }
        Err(error) if error.kind() == io::ErrorKind::AddrInUse => Err(format!(
            "port {} is already in use: stop what uses it, or set PORT to another port",
            config.port
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
