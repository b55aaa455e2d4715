//! Configuration: [`Settings`] as given, on the command line or in the environment (and a `.env`
//! file, loaded by `main`), and [`Config`], what the server runs with once they are checked.
//!
//! Each setting is a flag and an environment variable; the flag wins, and an empty variable
//! counts as unset, as an `.env` line `NAME=` means. `--help` lists them with their defaults, and
//! `.env.example` documents every variable.

use std::error::Error as _;
use std::ffi::OsString;
use std::fmt;
use std::net::IpAddr;
use std::time::Duration;

use clap::error::{ContextKind, ContextValue, ErrorKind};
use clap::{CommandFactory as _, FromArgMatches as _, Parser};
use secrecy::{ExposeSecret, SecretString};
use tower_adyen_webhook::{HmacKeys, KeyError};

use crate::keys::KeyWatchConfig;

/// Where notifications are stored when `DATABASE_URL` is not set: a file in the working
/// directory, created on first start.
pub const DEFAULT_DATABASE_URL: &str = "sqlite://notifications.db?mode=rwc";

/// The log filter when `RUST_LOG` is not set.
pub const DEFAULT_LOG_FILTER: &str = "info,sqlx=warn";

/// The port when `PORT` is not set, the one the README's tunnel command forwards to.
pub const DEFAULT_PORT: u16 = 8080;

/// How long a request may take before the server answers 503. Adyen stops waiting after 10
/// seconds; answering before that, even with an error, lets it schedule its retry at once.
pub const DEFAULT_REQUEST_TIMEOUT: Duration = Duration::from_secs(9);

/// The admin listener's port when `ADMIN_PORT` is not set.
pub const DEFAULT_ADMIN_PORT: u16 = 9090;

/// How many failed attempts dead-letter a notification when `WORKER_MAX_ATTEMPTS` is not set:
/// with the worker's backoff (2 s doubling, at most 15 min) that is about 45 minutes of retries.
pub const DEFAULT_WORKER_MAX_ATTEMPTS: i64 = 12;

/// The server's settings.
#[derive(Clone, Debug)]
pub struct Config {
    /// `ADYEN_HMAC_KEY`: the current key first, then any previous ones still in use.
    pub keys: HmacKeys,
    /// `ADYEN_PLATFORM_HMAC_KEY`: the key (or `NEW,OLD` keys) of the header-signed webhooks
    /// (Balance Platform, Management API, tokens...). Unset: their route does not exist.
    pub platform_keys: Option<HmacKeys>,
    /// `PORT`.
    pub port: u16,
    /// `BIND_ADDRESS`: `127.0.0.1` by default, enough for a tunnel; `0.0.0.0` in a container or
    /// behind a load balancer.
    pub bind_address: IpAddr,
    /// `DATABASE_URL`: `sqlite://...` or `postgres://...`.
    pub database_url: String,
    /// `WEBHOOK_USERNAME` and `WEBHOOK_PASSWORD`, as set on the webhook in the Customer Area.
    pub basic_auth: Option<Credentials>,
    /// `ADYEN_ACCEPT_UNSIGNED_EVENTS` (false): whether the standard route stores a `type`/`data`
    /// event (notice of change) that comes without an `HmacSignature` header, on Basic auth
    /// alone. Requires [`Config::basic_auth`]. Off, such an event gets `401`.
    pub accept_unsigned_events: bool,
    /// The checkout settings a real integration carries beside the webhook ones.
    pub checkout: Checkout,
    /// How long a request may take before the server answers 503 and drops it:
    /// [`DEFAULT_REQUEST_TIMEOUT`]. Not read from the environment (Adyen's 10 seconds are not
    /// negotiable); tests shorten it.
    pub request_timeout: Duration,
    /// How often the keys' use is written and reported, and after how long a key counts as
    /// unused: a minute, a day and 7 days. Not read from the environment; tests shorten them.
    pub key_watch: KeyWatchConfig,
    /// The admin listener: the JSON API (and everything else meant for people), never on the
    /// webhook port.
    pub admin: Admin,
    /// Bounds on connections, requests and memory.
    pub limits: Limits,
    /// What the server accepts as meant for it.
    pub guards: Guards,
    /// `WORKER_MAX_ATTEMPTS`: after this many failed attempts a notification is dead-lettered:
    /// no longer retried until an operator requeues it.
    pub worker_max_attempts: i64,
}

/// The admin listener's settings.
#[derive(Clone, Debug)]
pub struct Admin {
    /// `ADMIN_BIND_ADDRESS`, `127.0.0.1` by default: a tunnel to `PORT` never reaches it.
    pub bind_address: IpAddr,
    /// `ADMIN_PORT`, 9090 by default.
    pub port: u16,
    /// `ADMIN_ALLOWED_HOSTS`: host names, besides the listener's own address and `localhost`,
    /// accepted in the `Host` header (anything else is refused, against DNS rebinding).
    pub allowed_hosts: Vec<String>,
    /// `ADMIN_USERNAME`/`ADMIN_PASSWORD`: required when the listener is not on loopback.
    pub basic_auth: Option<Credentials>,
}

/// Bounds on what strangers can make the server hold. Each is a setting.
#[derive(Clone, Debug)]
pub struct Limits {
    /// `HEADER_READ_TIMEOUT_SECS` (5): how long a connection may take to send a request head,
    /// counted from when the server waits for one, so it also closes idle keep-alive
    /// connections.
    pub header_read_timeout: Duration,
    /// `IDLE_TIMEOUT_SECS` (30): a connection on which no byte moved for this long is closed,
    /// whatever it is doing (a client that stops reading its response, say).
    pub idle_timeout: Duration,
    /// `MAX_CONNECTIONS` (1000): open connections on both listeners together; further ones wait
    /// in the kernel's backlog. Lowered at start to fit the file-descriptor limit.
    pub max_connections: usize,
    /// `MAX_WEBHOOKS_IN_FLIGHT` (32): webhook requests handled at once; more get `503` with
    /// `Retry-After` and Adyen delivers them again. With the body limit this bounds the memory
    /// that request bodies hold: 32 x 256 KiB = 8 MiB.
    pub max_webhooks_in_flight: usize,
    /// `MAX_API_IN_FLIGHT` (4): admin API requests handled at once; more get `503`.
    pub max_api_in_flight: usize,
    /// `MAX_NOTIFICATION_ITEMS` (100): items in one webhook request; more get `413`.
    pub max_items: usize,
    /// `SHUTDOWN_DEADLINE_SECS` (10): how long a graceful shutdown waits for open connections
    /// before dropping them. Nothing acknowledged is lost by that: a request is acknowledged
    /// only once stored.
    pub shutdown_deadline: Duration,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            header_read_timeout: Duration::from_secs(5),
            idle_timeout: Duration::from_secs(30),
            max_connections: 1000,
            max_webhooks_in_flight: 32,
            max_api_in_flight: 4,
            max_items: 100,
            shutdown_deadline: Duration::from_secs(10),
        }
    }
}

/// Adyen's environments.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Environment {
    /// The test environment (`live: "false"`).
    Test,
    /// The live environment (`live: "true"`).
    Live,
}

impl Environment {
    /// `test` or `live`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Test => "test",
            Self::Live => "live",
        }
    }
}

/// What the server accepts as meant for it. A notification that fails a guard is stored and
/// acknowledged (Adyen must not retry it forever) but marked ignored and never applied.
#[derive(Clone, Debug)]
pub struct Guards {
    /// `ADYEN_MERCHANT_ACCOUNT` (comma-separated): the merchant accounts notifications may be
    /// about. Empty: any.
    pub merchant_accounts: Vec<Secret>,
    /// `ADYEN_ENVIRONMENT`, else the prefix of `ADYEN_CLIENT_KEY`, else test.
    pub environment: Environment,
    /// Where [`Guards::environment`] came from, said at start.
    pub environment_source: &'static str,
}

impl Default for Guards {
    fn default() -> Self {
        Self {
            merchant_accounts: Vec::new(),
            environment: Environment::Test,
            environment_source: "the default",
        }
    }
}

/// HTTP Basic auth credentials.
#[derive(Clone, Debug)]
pub struct Credentials {
    /// The username.
    pub username: String,
    /// The password.
    pub password: Secret,
}

/// The settings a checkout integration uses to call Adyen (`ADYEN_API_KEY`,
/// `ADYEN_CLIENT_KEY`, `ADYEN_MERCHANT_ACCOUNT`).
///
/// The webhook path needs none of them; they are read so that one `.env` configures the whole
/// integration, and they are never logged.
#[derive(Clone, Debug, Default)]
pub struct Checkout {
    /// `ADYEN_API_KEY`: authenticates server-to-server API calls.
    pub api_key: Option<Secret>,
    /// `ADYEN_CLIENT_KEY`: used by the payment form in the browser.
    pub client_key: Option<Secret>,
    /// `ADYEN_MERCHANT_ACCOUNT`: the merchant account payments are made on.
    pub merchant_account: Option<Secret>,
}

/// A value that must not appear in logs: a [`SecretString`], which `Debug` prints as
/// `[REDACTED]` and which is zeroed when dropped. [`ExposeSecret::expose_secret`] gives the
/// value, for the one place that needs it.
#[derive(Clone, Default)]
pub struct Secret(SecretString);

impl Secret {
    /// Wraps a value.
    pub fn new(value: impl Into<String>) -> Self {
        Self(SecretString::from(value.into()))
    }

    /// The value: [`ExposeSecret::expose_secret`] under its earlier name.
    pub fn expose(&self) -> &str {
        self.0.expose_secret()
    }
}

impl ExposeSecret<str> for Secret {
    fn expose_secret(&self) -> &str {
        self.0.expose_secret()
    }
}

impl From<String> for Secret {
    fn from(value: String) -> Self {
        Self::new(value)
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

/// The server's settings as given: each from its flag, else its environment variable, else its
/// default. [`Settings::config`] checks them and makes the [`Config`] the server runs with.
///
/// The binary flattens them into its own arguments; [`Settings::from_lookup`] reads them from a
/// map, for tests.
#[derive(Parser, Clone, Debug)]
#[command(name = "adyen-webhook-server")]
pub struct Settings {
    /// Required: the webhook's HMAC key from the Customer Area (Developers > Webhooks > your
    /// webhook > Security > HMAC Key), 64 hex digits; during a rotation NEW,OLD.
    #[arg(
        long,
        env = "ADYEN_HMAC_KEY",
        value_name = "HEX[,HEX]",
        hide_env_values = true
    )]
    #[arg(help_heading = "Webhook")]
    pub hmac_key: Option<Secret>,

    /// The HMAC key (NEW,OLD during a rotation) of header-signed webhooks: Balance Platform,
    /// Management API, tokens... When set, POST /api/webhooks/platform stores them; unset, that
    /// route does not exist.
    #[arg(long, env = "ADYEN_PLATFORM_HMAC_KEY", value_name = "HEX[,HEX]")]
    #[arg(hide_env_values = true, help_heading = "Webhook")]
    pub platform_hmac_key: Option<Secret>,

    /// Basic auth username, as set on the webhook in the Customer Area (with WEBHOOK_PASSWORD,
    /// or neither).
    #[arg(
        long,
        env = "WEBHOOK_USERNAME",
        value_name = "NAME",
        help_heading = "Webhook"
    )]
    pub webhook_username: Option<String>,

    /// Basic auth password, as set on the webhook in the Customer Area.
    #[arg(
        long,
        env = "WEBHOOK_PASSWORD",
        value_name = "PASSWORD",
        hide_env_values = true
    )]
    #[arg(help_heading = "Webhook")]
    pub webhook_password: Option<Secret>,

    /// Store notice-of-change events that come without an HmacSignature header, on Basic auth
    /// alone (requires WEBHOOK_USERNAME and WEBHOOK_PASSWORD). Off, they get 401.
    #[arg(long, env = "ADYEN_ACCEPT_UNSIGNED_EVENTS", value_name = "true|false")]
    #[arg(default_value = "false", default_missing_value = "true", num_args = 0..=1)]
    #[arg(value_parser = boolean, help_heading = "Webhook")]
    pub accept_unsigned_events: bool,

    /// The merchant accounts notifications may be about, comma-separated; notifications about
    /// others are stored, acknowledged and ignored. Unset: any account.
    #[arg(long, env = "ADYEN_MERCHANT_ACCOUNT", value_name = "ACCOUNT[,ACCOUNT]")]
    #[arg(hide_env_values = true, help_heading = "Webhook")]
    pub merchant_account: Option<Secret>,

    /// test or live: notifications from the other environment are stored, acknowledged and
    /// ignored. Unset: from ADYEN_CLIENT_KEY's prefix, else test.
    #[arg(long, env = "ADYEN_ENVIRONMENT", value_name = "test|live")]
    #[arg(value_parser = environment, help_heading = "Webhook")]
    pub environment: Option<Environment>,

    /// The webhook listener's port: POST /api/webhooks/notifications (and /platform), GET
    /// /health, nothing else.
    #[arg(long, env = "PORT", default_value_t = DEFAULT_PORT, value_parser = port)]
    #[arg(help_heading = "Listeners")]
    pub port: u16,

    /// The webhook listener's address: 0.0.0.0 in a container or behind a load balancer.
    #[arg(
        long,
        env = "BIND_ADDRESS",
        value_name = "IP",
        default_value = "127.0.0.1"
    )]
    #[arg(value_parser = address, help_heading = "Listeners")]
    pub bind_address: IpAddr,

    /// The admin listener's port: the JSON API, never exposed.
    #[arg(long, env = "ADMIN_PORT", value_name = "PORT", default_value_t = DEFAULT_ADMIN_PORT, value_parser = port)]
    #[arg(help_heading = "Listeners")]
    pub admin_port: u16,

    /// The admin listener's address; anything but loopback requires ADMIN_USERNAME and
    /// ADMIN_PASSWORD.
    #[arg(
        long,
        env = "ADMIN_BIND_ADDRESS",
        value_name = "IP",
        default_value = "127.0.0.1"
    )]
    #[arg(value_parser = address, help_heading = "Listeners")]
    pub admin_bind_address: IpAddr,

    /// Host names the admin listener answers to besides its address and localhost,
    /// comma-separated; any other Host gets 421.
    #[arg(long, env = "ADMIN_ALLOWED_HOSTS", value_name = "HOST[,HOST]")]
    #[arg(help_heading = "Listeners")]
    pub admin_allowed_hosts: Option<String>,

    /// Basic auth username for the admin listener (with ADMIN_PASSWORD, or neither).
    #[arg(
        long,
        env = "ADMIN_USERNAME",
        value_name = "NAME",
        help_heading = "Listeners"
    )]
    pub admin_username: Option<String>,

    /// Basic auth password for the admin listener.
    #[arg(
        long,
        env = "ADMIN_PASSWORD",
        value_name = "PASSWORD",
        hide_env_values = true
    )]
    #[arg(help_heading = "Listeners")]
    pub admin_password: Option<Secret>,

    /// Where notifications are stored: sqlite://FILE?mode=rwc, or
    /// postgres://USER:PASSWORD@HOST/DATABASE. In-memory SQLite is refused.
    #[arg(long, env = "DATABASE_URL", value_name = "URL", default_value = DEFAULT_DATABASE_URL)]
    #[arg(hide_env_values = true, help_heading = "Storage")]
    pub database_url: String,

    /// Failed attempts after which a notification is dead-lettered, until an operator requeues
    /// it.
    #[arg(long, env = "WORKER_MAX_ATTEMPTS", value_name = "N")]
    #[arg(default_value_t = DEFAULT_WORKER_MAX_ATTEMPTS, value_parser = at_least_one::<i64>)]
    #[arg(help_heading = "Storage")]
    pub worker_max_attempts: i64,

    /// Seconds a connection has to send a request head; closes slow heads and idle keep-alive
    /// connections.
    #[arg(
        long,
        env = "HEADER_READ_TIMEOUT_SECS",
        value_name = "SECS",
        default_value_t = 5
    )]
    #[arg(value_parser = at_least_one::<u64>, help_heading = "Bounds")]
    pub header_read_timeout_secs: u64,

    /// Seconds without a byte moving, after which a connection is closed.
    #[arg(
        long,
        env = "IDLE_TIMEOUT_SECS",
        value_name = "SECS",
        default_value_t = 30
    )]
    #[arg(value_parser = at_least_one::<u64>, help_heading = "Bounds")]
    pub idle_timeout_secs: u64,

    /// Open connections on both listeners together; lowered to fit the file-descriptor limit.
    #[arg(
        long,
        env = "MAX_CONNECTIONS",
        value_name = "N",
        default_value_t = 1000
    )]
    #[arg(value_parser = at_least_one::<usize>, help_heading = "Bounds")]
    pub max_connections: usize,

    /// Webhook requests handled at once; more get 503 with Retry-After.
    #[arg(
        long,
        env = "MAX_WEBHOOKS_IN_FLIGHT",
        value_name = "N",
        default_value_t = 32
    )]
    #[arg(value_parser = at_least_one::<usize>, help_heading = "Bounds")]
    pub max_webhooks_in_flight: usize,

    /// Admin API requests handled at once; more get 503.
    #[arg(long, env = "MAX_API_IN_FLIGHT", value_name = "N", default_value_t = 4)]
    #[arg(value_parser = at_least_one::<usize>, help_heading = "Bounds")]
    pub max_api_in_flight: usize,

    /// Items in one webhook request; more get 413.
    #[arg(
        long,
        env = "MAX_NOTIFICATION_ITEMS",
        value_name = "N",
        default_value_t = 100
    )]
    #[arg(value_parser = at_least_one::<usize>, help_heading = "Bounds")]
    pub max_notification_items: usize,

    /// Seconds a graceful shutdown waits for requests in flight.
    #[arg(
        long,
        env = "SHUTDOWN_DEADLINE_SECS",
        value_name = "SECS",
        default_value_t = 10
    )]
    #[arg(value_parser = at_least_one::<u64>, help_heading = "Bounds")]
    pub shutdown_deadline_secs: u64,

    /// API key for server-to-server calls; read, never logged, not needed for webhooks.
    #[arg(
        long,
        env = "ADYEN_API_KEY",
        value_name = "KEY",
        hide_env_values = true
    )]
    #[arg(help_heading = "Checkout")]
    pub api_key: Option<Secret>,

    /// Client key of the payment form (test_... or live_...); read, never logged.
    #[arg(
        long,
        env = "ADYEN_CLIENT_KEY",
        value_name = "KEY",
        hide_env_values = true
    )]
    #[arg(help_heading = "Checkout")]
    pub client_key: Option<Secret>,

    /// The log filter, in tracing's EnvFilter syntax. Unset: info,sqlx=warn (in the demo, error
    /// until it has printed its account).
    #[arg(
        long,
        env = "RUST_LOG",
        value_name = "FILTER",
        help_heading = "Logging"
    )]
    pub log: Option<String>,
}

/// Why the configuration cannot be used. The message says what to do.
#[derive(Debug)]
#[non_exhaustive]
pub enum ConfigError {
    /// `ADYEN_HMAC_KEY` is not set.
    MissingKey,
    /// `ADYEN_HMAC_KEY` is set but unusable.
    BadKey(KeyError),
    /// A setting has a value that cannot be used.
    Invalid {
        /// The setting's environment variable.
        name: String,
        /// What is wrong and what is expected.
        message: String,
    },
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::MissingKey => f.write_str(
                "ADYEN_HMAC_KEY is not set, and without it no webhook can be verified, so the \
                 server does not start.\n\
                 \n\
                 - For a real webhook: in the Customer Area open Developers > Webhooks, select \
                 (or create) your Standard webhook, and under Security > HMAC Key choose \
                 Generate; copy the key into .env (see examples/server/.env.example).\n\
                 - For local testing, make a test key with:\n    \
                 cargo run -p adyen-webhook-cli -- generate-key\n\
                 - To see the whole flow first, with a generated key:\n    \
                 cargo run -p adyen-webhook-server -- --demo",
            ),
            Self::BadKey(error) => write!(f, "ADYEN_HMAC_KEY: {error}"),
            Self::Invalid { name, message } => write!(f, "{name}: {message}"),
        }
    }
}

impl std::error::Error for ConfigError {}

impl ConfigError {
    fn invalid(name: &str, message: impl Into<String>) -> Self {
        Self::Invalid {
            name: name.to_owned(),
            message: message.into(),
        }
    }

    /// The setting a command-line parse error is about, named by its environment variable: a
    /// value of `PORT` (or `--port`) that is not a port, say. Any other error (an unknown flag,
    /// `--help`) is given back, for clap to print.
    pub fn from_clap(error: clap::Error) -> Result<Self, clap::Error> {
        if error.kind() != ErrorKind::ValueValidation {
            return Err(error);
        }
        let mut command = Settings::command();
        // Built, an argument displays as in the error (`--port <PORT>`).
        command.build();
        let name = match error.get(ContextKind::InvalidArg) {
            Some(ContextValue::String(invalid)) => command
                .get_arguments()
                .find(|arg| arg.to_string() == *invalid)
                .and_then(|arg| arg.get_env())
                .and_then(|name| name.to_str()),
            _ => None,
        };
        match (name, error.source()) {
            (Some(name), Some(source)) => Ok(Self::invalid(name, source.to_string())),
            _ => Err(error),
        }
    }
}

impl Settings {
    /// The settings from the process environment alone, no flags. Empty variables count as
    /// unset.
    pub fn from_env() -> Result<Self, ConfigError> {
        Self::from_lookup(|name| std::env::var(name).ok())
    }

    /// The settings from `lookup` (a map in tests) in place of the environment, no flags. Empty
    /// values count as unset.
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        // The values go through the parser as flags, so that they are read exactly as a real
        // environment is, with the process environment left out.
        let mut args = vec![OsString::from("adyen-webhook-server")];
        for arg in Self::command().get_arguments() {
            let (Some(name), Some(long)) = (arg.get_env().and_then(|n| n.to_str()), arg.get_long())
            else {
                continue;
            };
            if let Some(value) = lookup(name).filter(|value| !value.trim().is_empty()) {
                args.push(format!("--{long}={value}").into());
            }
        }
        let matches = Self::command()
            .mut_args(|arg| arg.env(None))
            .try_get_matches_from(args)
            .and_then(|matches| Self::from_arg_matches(&matches));
        matches.map_err(|error| {
            ConfigError::from_clap(error)
                .unwrap_or_else(|error| ConfigError::invalid("settings", error.to_string()))
        })
    }

    /// Removes from the process environment every setting's variable whose value is empty or
    /// blank, so that the parser takes it as unset, as an `.env` line `NAME=` means. For `main`,
    /// before it starts any thread: the environment is shared by all of them.
    pub fn unset_blank_variables() {
        for arg in Self::command().get_arguments() {
            let Some(name) = arg.get_env() else { continue };
            let blank = std::env::var_os(name)
                .is_some_and(|value| value.to_string_lossy().trim().is_empty());
            if blank {
                std::env::remove_var(name);
            }
        }
    }

    /// Checks the settings and makes the configuration, `ADYEN_HMAC_KEY` required.
    pub fn config(self) -> Result<Config, ConfigError> {
        let text = self.hmac_key.as_ref().ok_or(ConfigError::MissingKey)?;
        let keys = text
            .expose_secret()
            .parse::<HmacKeys>()
            .map_err(ConfigError::BadKey)?;
        refuse_weak_keys("ADYEN_HMAC_KEY", text.expose_secret())?;
        self.config_with_keys(keys)
    }

    /// Checks the settings and makes the configuration with `keys`, whatever `ADYEN_HMAC_KEY`
    /// says: the demo brings its own.
    pub fn config_with_keys(self, keys: HmacKeys) -> Result<Config, ConfigError> {
        let platform_keys = match &self.platform_hmac_key {
            None => None,
            Some(text) => {
                let keys = text.expose_secret().parse::<HmacKeys>().map_err(|error| {
                    ConfigError::invalid("ADYEN_PLATFORM_HMAC_KEY", error.to_string())
                })?;
                refuse_weak_keys("ADYEN_PLATFORM_HMAC_KEY", text.expose_secret())?;
                Some(keys)
            }
        };

        crate::store::check_url(&self.database_url)
            .map_err(|message| ConfigError::invalid("DATABASE_URL", message))?;

        let basic_auth = credentials(
            self.webhook_username,
            self.webhook_password,
            "WEBHOOK_USERNAME/WEBHOOK_PASSWORD",
            "set both, as on the webhook in the Customer Area, or neither",
        )?;
        if self.accept_unsigned_events && basic_auth.is_none() {
            return Err(ConfigError::invalid(
                "ADYEN_ACCEPT_UNSIGNED_EVENTS",
                "is true, but WEBHOOK_USERNAME/WEBHOOK_PASSWORD are not set: an event without a \
                 signature is protected by Basic auth alone, and without it anyone who finds the \
                 URL could write one. Set the webhook's Basic auth credentials, as in the \
                 Customer Area, or turn the setting off",
            ));
        }

        let admin = Admin {
            bind_address: self.admin_bind_address,
            port: self.admin_port,
            allowed_hosts: list(self.admin_allowed_hosts.as_deref())
                .map(|host| host.to_ascii_lowercase())
                .collect(),
            basic_auth: credentials(
                self.admin_username,
                self.admin_password,
                "ADMIN_USERNAME/ADMIN_PASSWORD",
                "set both or neither",
            )?,
        };
        if !admin.bind_address.is_loopback() && admin.basic_auth.is_none() {
            return Err(ConfigError::invalid(
                "ADMIN_USERNAME/ADMIN_PASSWORD",
                format!(
                    "required when ADMIN_BIND_ADDRESS is not a loopback address (it is {}): the \
                     admin side shows payment data",
                    admin.bind_address
                ),
            ));
        }

        let limits = Limits {
            header_read_timeout: Duration::from_secs(self.header_read_timeout_secs),
            idle_timeout: Duration::from_secs(self.idle_timeout_secs),
            max_connections: self.max_connections,
            max_webhooks_in_flight: self.max_webhooks_in_flight,
            max_api_in_flight: self.max_api_in_flight,
            max_items: self.max_notification_items,
            shutdown_deadline: Duration::from_secs(self.shutdown_deadline_secs),
        };

        let checkout = Checkout {
            api_key: self.api_key,
            client_key: self.client_key,
            merchant_account: self.merchant_account.clone(),
        };
        let (environment, environment_source) = match self.environment {
            Some(environment) => (environment, "ADYEN_ENVIRONMENT"),
            None => match checkout
                .client_key
                .as_ref()
                .map(ExposeSecret::expose_secret)
            {
                Some(key) if key.starts_with("live_") => (Environment::Live, "ADYEN_CLIENT_KEY"),
                Some(key) if key.starts_with("test_") => (Environment::Test, "ADYEN_CLIENT_KEY"),
                _ => (Environment::Test, "the default"),
            },
        };
        let guards = Guards {
            merchant_accounts: list(
                self.merchant_account
                    .as_ref()
                    .map(ExposeSecret::expose_secret),
            )
            .map(Secret::new)
            .collect(),
            environment,
            environment_source,
        };

        Ok(Config {
            keys,
            platform_keys,
            port: self.port,
            bind_address: self.bind_address,
            database_url: self.database_url,
            basic_auth,
            accept_unsigned_events: self.accept_unsigned_events,
            checkout,
            request_timeout: DEFAULT_REQUEST_TIMEOUT,
            key_watch: KeyWatchConfig::default(),
            admin,
            limits,
            guards,
            worker_max_attempts: self.worker_max_attempts,
        })
    }
}

impl Config {
    /// Reads the configuration from the process environment, no flags.
    pub fn from_env() -> Result<Self, ConfigError> {
        Settings::from_env()?.config()
    }

    /// Reads the configuration through `lookup` (a map in tests) in place of the environment.
    /// Empty values count as unset, as an `.env` line `NAME=` means.
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        Settings::from_lookup(lookup)?.config()
    }

    /// Reads everything but the keys through `lookup`, and uses `keys`: the demo brings its own.
    pub fn with_keys(
        keys: HmacKeys,
        lookup: impl Fn(&str) -> Option<String>,
    ) -> Result<Self, ConfigError> {
        Settings::from_lookup(lookup)?.config_with_keys(keys)
    }
}

fn port(value: &str) -> Result<u16, String> {
    value
        .trim()
        .parse::<u16>()
        .ok()
        .filter(|&port| port != 0)
        .ok_or_else(|| format!("must be a port number from 1 to 65535 (got {value:?})"))
}

fn address(value: &str) -> Result<IpAddr, String> {
    value
        .trim()
        .parse()
        .map_err(|_| format!("must be an IP address such as 127.0.0.1 or 0.0.0.0 (got {value:?})"))
}

/// A whole number of at least 1.
fn at_least_one<T: std::str::FromStr + PartialOrd + From<u8>>(value: &str) -> Result<T, String> {
    value
        .trim()
        .parse::<T>()
        .ok()
        .filter(|n| *n >= T::from(1))
        .ok_or_else(|| format!("must be a whole number of at least 1 (got {value:?})"))
}

/// `true` or `false`, in any case.
fn boolean(value: &str) -> Result<bool, String> {
    match value.trim().to_ascii_lowercase().as_str() {
        "true" => Ok(true),
        "false" => Ok(false),
        _ => Err(format!("must be true or false (got {value:?})")),
    }
}

/// `test` or `live`, in any case.
fn environment(value: &str) -> Result<Environment, String> {
    match value.trim().to_ascii_lowercase().as_str() {
        "test" => Ok(Environment::Test),
        "live" => Ok(Environment::Live),
        _ => Err(format!("must be test or live (got {value:?})")),
    }
}

fn credentials(
    username: Option<String>,
    password: Option<Secret>,
    name: &str,
    message: &str,
) -> Result<Option<Credentials>, ConfigError> {
    match (username, password) {
        (None, None) => Ok(None),
        (Some(username), Some(password)) => Ok(Some(Credentials { username, password })),
        _ => Err(ConfigError::invalid(name, message)),
    }
}

/// A comma-separated list, without empty entries.
fn list(value: Option<&str>) -> impl Iterator<Item = String> + '_ {
    value
        .unwrap_or_default()
        .split(',')
        .map(str::trim)
        .filter(|entry| !entry.is_empty())
        .map(str::to_owned)
}

/// Refuses a list of keys (`NEW,OLD`) in which one is a placeholder.
fn refuse_weak_keys(name: &str, text: &str) -> Result<(), ConfigError> {
    match text.split(',').position(is_weak_key) {
        None => Ok(()),
        Some(position) => Err(ConfigError::invalid(
            name,
            format!(
                "key {} of the list is one byte repeated, a placeholder rather than a key \
                 from the Customer Area: generate one there (Developers > Webhooks > your \
                 webhook > Security > HMAC Key)",
                position + 1
            ),
        )),
    }
}

/// Whether a key from the Customer Area is one byte repeated (all zeros, say): a placeholder,
/// not a secret.
fn is_weak_key(hex: &str) -> bool {
    let hex = hex.trim().as_bytes();
    hex.len() >= 2
        && hex
            .chunks(2)
            .all(|pair| pair.eq_ignore_ascii_case(&hex[..2]))
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;

    const KEY: &str = "00727DB817A85C8503AD29EAD1523DB869AF0E536893BB3046C92DE7CB045CB1";

    fn config(vars: &[(&str, &str)]) -> Result<Config, ConfigError> {
        let vars: HashMap<String, String> = vars
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        Config::from_lookup(|name| vars.get(name).cloned())
    }

    #[test]
    fn defaults() {
        let config = config(&[("ADYEN_HMAC_KEY", KEY)]).unwrap();
        assert_eq!(config.port, 8080);
        assert_eq!(config.database_url, DEFAULT_DATABASE_URL);
        assert_eq!(config.bind_address.to_string(), "127.0.0.1");
        assert!(config.basic_auth.is_none());
        assert!(!config.accept_unsigned_events);
        assert!(config.checkout.api_key.is_none());
        assert_eq!(config.request_timeout, Duration::from_secs(9));
    }

    #[test]
    fn refuses_to_start_without_a_key_and_says_how_to_get_one() {
        for vars in [&[][..], &[("ADYEN_HMAC_KEY", "  ")][..]] {
            let message = config(vars).unwrap_err().to_string();
            assert!(message.contains("ADYEN_HMAC_KEY is not set"), "{message}");
            assert!(message.contains("Developers > Webhooks"), "{message}");
            assert!(
                message.contains("adyen-webhook-cli -- generate-key"),
                "{message}"
            );
        }
    }

    #[test]
    fn reports_a_bad_key_without_printing_it() {
        let message = config(&[("ADYEN_HMAC_KEY", &KEY[1..])])
            .unwrap_err()
            .to_string();
        assert!(message.contains("64 hex digits (got 63)"), "{message}");
        assert!(!message.contains(&KEY[1..]), "{message}");
    }

    #[test]
    fn reads_a_rotation_list() {
        let keys =
            format!("{KEY},DFB1EB5485895CFA84146406857104ABB4CBCABDC8AAF103A624C8F6A3EAAB00");
        let config = config(&[("ADYEN_HMAC_KEY", &keys)]).unwrap();
        assert_eq!(config.keys.len(), 2);
    }

    #[test]
    fn the_platform_key_is_optional_and_read_like_the_standard_one() {
        assert!(config(&[("ADYEN_HMAC_KEY", KEY)])
            .unwrap()
            .platform_keys
            .is_none());
        assert!(
            config(&[("ADYEN_HMAC_KEY", KEY), ("ADYEN_PLATFORM_HMAC_KEY", " ")])
                .unwrap()
                .platform_keys
                .is_none()
        );
        let rotation =
            format!("{KEY},DFB1EB5485895CFA84146406857104ABB4CBCABDC8AAF103A624C8F6A3EAAB00");
        let keys = config(&[
            ("ADYEN_HMAC_KEY", KEY),
            ("ADYEN_PLATFORM_HMAC_KEY", &rotation),
        ])
        .unwrap()
        .platform_keys
        .unwrap();
        assert_eq!(keys.len(), 2);
        let short = config(&[
            ("ADYEN_HMAC_KEY", KEY),
            ("ADYEN_PLATFORM_HMAC_KEY", &KEY[1..]),
        ])
        .unwrap_err()
        .to_string();
        assert!(short.starts_with("ADYEN_PLATFORM_HMAC_KEY: "), "{short}");
        assert!(short.contains("64 hex digits (got 63)"), "{short}");
        assert!(!short.contains(&KEY[1..]), "{short}");
        let weak = format!("{KEY},{}", "00".repeat(32));
        let message = config(&[("ADYEN_HMAC_KEY", KEY), ("ADYEN_PLATFORM_HMAC_KEY", &weak)])
            .unwrap_err()
            .to_string();
        assert!(
            message.starts_with("ADYEN_PLATFORM_HMAC_KEY: key 2 of the list is one byte repeated"),
            "{message}"
        );
    }

    #[test]
    fn basic_auth_needs_both_halves() {
        let error = config(&[("ADYEN_HMAC_KEY", KEY), ("WEBHOOK_USERNAME", "adyen")]).unwrap_err();
        assert!(error.to_string().contains("set both"));
        let config = config(&[
            ("ADYEN_HMAC_KEY", KEY),
            ("WEBHOOK_USERNAME", "adyen"),
            ("WEBHOOK_PASSWORD", "s3cret"),
        ])
        .unwrap();
        assert_eq!(config.basic_auth.unwrap().username, "adyen");
    }

    #[test]
    fn unsigned_events_are_accepted_only_with_basic_auth() {
        let auth = [
            ("WEBHOOK_USERNAME", "adyen"),
            ("WEBHOOK_PASSWORD", "s3cret"),
        ];
        let with = |vars: &[(&str, &str)]| {
            let mut all = vec![("ADYEN_HMAC_KEY", KEY)];
            all.extend_from_slice(vars);
            config(&all)
        };
        for value in ["true", "TRUE", " True "] {
            let message = with(&[("ADYEN_ACCEPT_UNSIGNED_EVENTS", value)])
                .unwrap_err()
                .to_string();
            assert!(
                message.starts_with("ADYEN_ACCEPT_UNSIGNED_EVENTS: is true, but WEBHOOK_USERNAME"),
                "{message}"
            );
            assert!(message.contains("anyone who finds the URL"), "{message}");
            let mut vars = auth.to_vec();
            vars.push(("ADYEN_ACCEPT_UNSIGNED_EVENTS", value));
            assert!(with(&vars).unwrap().accept_unsigned_events, "{value}");
        }
        for value in ["false", "FALSE", " "] {
            let config = with(&[("ADYEN_ACCEPT_UNSIGNED_EVENTS", value)]).unwrap();
            assert!(!config.accept_unsigned_events, "{value:?}");
        }
        assert!(!with(&auth).unwrap().accept_unsigned_events);
    }

    #[test]
    fn secrets_never_show_in_debug_output() {
        let config = config(&[
            ("ADYEN_HMAC_KEY", KEY),
            ("WEBHOOK_USERNAME", "adyen"),
            ("WEBHOOK_PASSWORD", "pw-123"),
            ("ADYEN_API_KEY", "AQE-api-key"),
            ("ADYEN_CLIENT_KEY", "test_CLIENTKEY"),
            ("ADYEN_MERCHANT_ACCOUNT", "ShopECOM"),
        ])
        .unwrap();
        let debug = format!("{config:?}");
        for secret in ["pw-123", "AQE-api-key", "test_CLIENTKEY", "ShopECOM", KEY] {
            assert!(!debug.contains(secret), "{secret} in {debug}");
        }
        assert_eq!(
            config.checkout.api_key.unwrap().expose_secret(),
            "AQE-api-key"
        );
    }

    #[test]
    fn refuses_a_key_that_is_one_byte_repeated() {
        for weak in [
            "0".repeat(64),
            "AB".repeat(32),
            format!("{KEY},{}", "ff".repeat(32)),
        ] {
            let message = config(&[("ADYEN_HMAC_KEY", &weak)])
                .unwrap_err()
                .to_string();
            assert!(message.contains("one byte repeated"), "{message}");
            assert!(!message.contains(&weak), "{message}");
        }
        assert!(config(&[("ADYEN_HMAC_KEY", KEY)]).is_ok());
    }

    #[test]
    fn the_environment_comes_from_the_setting_then_the_client_key() {
        let guards = |vars: &[(&str, &str)]| {
            let mut all = vec![("ADYEN_HMAC_KEY", KEY)];
            all.extend_from_slice(vars);
            let guards = config(&all).unwrap().guards;
            (guards.environment, guards.environment_source)
        };
        assert_eq!(guards(&[]), (Environment::Test, "the default"));
        assert_eq!(
            guards(&[("ADYEN_CLIENT_KEY", "live_ABC")]),
            (Environment::Live, "ADYEN_CLIENT_KEY")
        );
        assert_eq!(
            guards(&[
                ("ADYEN_CLIENT_KEY", "live_ABC"),
                ("ADYEN_ENVIRONMENT", "Test")
            ]),
            (Environment::Test, "ADYEN_ENVIRONMENT")
        );
        assert_eq!(
            guards(&[("ADYEN_ENVIRONMENT", " "), ("ADYEN_CLIENT_KEY", "test_X")]),
            (Environment::Test, "ADYEN_CLIENT_KEY")
        );
        let accounts = config(&[
            ("ADYEN_HMAC_KEY", KEY),
            ("ADYEN_MERCHANT_ACCOUNT", " ShopA, ,ShopB "),
        ])
        .unwrap()
        .guards
        .merchant_accounts;
        let accounts: Vec<&str> = accounts.iter().map(ExposeSecret::expose_secret).collect();
        assert_eq!(accounts, ["ShopA", "ShopB"]);
    }

    #[test]
    fn the_admin_listener_needs_credentials_off_loopback() {
        let message = config(&[("ADYEN_HMAC_KEY", KEY), ("ADMIN_BIND_ADDRESS", "0.0.0.0")])
            .unwrap_err()
            .to_string();
        assert!(message.contains("ADMIN_USERNAME"), "{message}");
        let config = config(&[
            ("ADYEN_HMAC_KEY", KEY),
            ("ADMIN_BIND_ADDRESS", "0.0.0.0"),
            ("ADMIN_USERNAME", "ops"),
            ("ADMIN_PASSWORD", "pw"),
            ("ADMIN_PORT", "9191"),
            ("MAX_CONNECTIONS", "10"),
            ("SHUTDOWN_DEADLINE_SECS", "3"),
        ])
        .unwrap();
        assert_eq!(config.admin.port, 9191);
        assert_eq!(config.limits.max_connections, 10);
        assert_eq!(config.limits.shutdown_deadline, Duration::from_secs(3));
        assert_eq!(config.limits.header_read_timeout, Duration::from_secs(5));
    }

    #[test]
    fn rejects_bad_values_with_the_variable_name() {
        let bad = [
            ("PORT", "80a", "PORT: must be a port number"),
            ("PORT", "0", "PORT: must be a port number"),
            (
                "BIND_ADDRESS",
                "localhost",
                "BIND_ADDRESS: must be an IP address",
            ),
            ("DATABASE_URL", "mysql://x", "DATABASE_URL: must start with"),
            ("DATABASE_URL", "sqlite::memory:", "in-memory"),
            (
                "ADYEN_ENVIRONMENT",
                "prod",
                "ADYEN_ENVIRONMENT: must be test or live",
            ),
            (
                "MAX_CONNECTIONS",
                "0",
                "MAX_CONNECTIONS: must be a whole number",
            ),
            (
                "HEADER_READ_TIMEOUT_SECS",
                "1.5",
                "HEADER_READ_TIMEOUT_SECS: must be a whole",
            ),
            ("ADMIN_PORT", "99999", "ADMIN_PORT: must be a port number"),
            (
                "ADMIN_USERNAME",
                "ops",
                "ADMIN_USERNAME/ADMIN_PASSWORD: set both",
            ),
            (
                "ADYEN_ACCEPT_UNSIGNED_EVENTS",
                "yes",
                "ADYEN_ACCEPT_UNSIGNED_EVENTS: must be true or false (got \"yes\")",
            ),
            (
                "ADYEN_ACCEPT_UNSIGNED_EVENTS",
                "1",
                "ADYEN_ACCEPT_UNSIGNED_EVENTS: must be true or false",
            ),
        ];
        for (name, value, expected) in bad {
            let message = config(&[("ADYEN_HMAC_KEY", KEY), (name, value)])
                .unwrap_err()
                .to_string();
            assert!(message.contains(expected), "{name}={value}: {message}");
        }
    }

    /// `Settings` parsed from `args` alone, the process environment left out.
    fn flags(args: &[&str]) -> Result<Settings, ConfigError> {
        let matches = Settings::command()
            .mut_args(|arg| arg.env(None))
            .try_get_matches_from(
                std::iter::once("adyen-webhook-server").chain(args.iter().copied()),
            )
            .and_then(|matches| Settings::from_arg_matches(&matches));
        matches.map_err(|error| ConfigError::from_clap(error).expect("a setting's error"))
    }

    #[test]
    fn every_setting_is_also_a_flag() {
        let config = flags(&[
            "--hmac-key",
            KEY,
            "--port=8181",
            "--admin-bind-address=0.0.0.0",
            "--admin-username=ops",
            "--admin-password=pw",
            "--accept-unsigned-events",
            "--webhook-username=adyen",
            "--webhook-password=s3cret",
            "--environment=LIVE",
            "--max-notification-items=7",
        ])
        .unwrap()
        .config()
        .unwrap();
        assert_eq!(config.port, 8181);
        assert!(config.admin.basic_auth.is_some());
        assert!(config.accept_unsigned_events);
        assert_eq!(config.guards.environment, Environment::Live);
        assert_eq!(config.limits.max_items, 7);

        let message = flags(&["--max-api-in-flight", "0"])
            .unwrap_err()
            .to_string();
        assert_eq!(
            message,
            "MAX_API_IN_FLIGHT: must be a whole number of at least 1 (got \"0\")"
        );
    }

    #[test]
    fn the_defaults_are_those_of_the_types() {
        let config = config(&[("ADYEN_HMAC_KEY", KEY)]).unwrap();
        assert_eq!(
            format!("{:?}", config.limits),
            format!("{:?}", Limits::default())
        );
        assert_eq!(config.admin.port, DEFAULT_ADMIN_PORT);
        assert_eq!(config.worker_max_attempts, DEFAULT_WORKER_MAX_ATTEMPTS);
        let guards = Guards::default();
        assert_eq!(config.guards.environment, guards.environment);
        assert_eq!(config.guards.environment_source, guards.environment_source);
    }

    #[test]
    fn help_lists_every_variable_of_env_example_with_the_defaults() {
        let help = Settings::command().render_long_help().to_string();
        let documented: Vec<&str> = include_str!("../.env.example")
            .lines()
            .map(|line| line.trim_start_matches("# "))
            .filter_map(|line| line.split_once('=').map(|(name, _)| name))
            .filter(|name| {
                !name.is_empty() && name.bytes().all(|b| b.is_ascii_uppercase() || b == b'_')
            })
            .collect();
        let command = Settings::command();
        let settings: Vec<&str> = command
            .get_arguments()
            .filter_map(|arg| arg.get_env()?.to_str())
            .collect();
        for name in &documented {
            assert!(
                settings.contains(name),
                "{name} is in .env.example but not a setting"
            );
            assert!(
                help.contains(&format!("[env: {name}")),
                "{name} not in --help"
            );
        }
        for name in &settings {
            assert!(
                documented.contains(name),
                "{name} is a setting but not in .env.example"
            );
        }
        for default in [
            "[default: 8080]",
            "[default: 9090]",
            "[default: 127.0.0.1]",
            DEFAULT_DATABASE_URL,
            "[default: 12]",
            "[default: false]",
        ] {
            assert!(help.contains(default), "{default} not in --help");
        }
    }

    #[test]
    fn help_never_shows_a_secret_value() {
        let command = Settings::command();
        for arg in command.get_arguments() {
            let name = arg
                .get_env()
                .and_then(|name| name.to_str())
                .unwrap_or_default();
            let secret = name.contains("KEY")
                || name.contains("PASSWORD")
                || name == "DATABASE_URL"
                || name == "ADYEN_MERCHANT_ACCOUNT";
            assert!(
                !secret || arg.is_hide_env_values_set(),
                "{name}'s value would be shown"
            );
        }
    }
}
