//! Configuration, from the environment (and a `.env` file, loaded by `main`). Every variable is
//! documented in `.env.example`.

use std::fmt;
use std::net::IpAddr;
use std::time::Duration;

use tower_adyen_webhook::{HmacKeys, KeyError};

/// Where notifications are stored when `DATABASE_URL` is not set: a file in the working
/// directory, created on first start.
pub const DEFAULT_DATABASE_URL: &str = "sqlite://notifications.db?mode=rwc";

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

/// A value that must not appear in logs: `Debug` and `Display` print `[redacted]`.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    /// Wraps a value.
    pub fn new(value: impl Into<String>) -> Self {
        Self(value.into())
    }

    /// The value, for the one place that needs it.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("[redacted]")
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("[redacted]")
    }
}

/// Why the configuration cannot be used. The message says what to do.
#[derive(Debug)]
#[non_exhaustive]
pub enum ConfigError {
    /// `ADYEN_HMAC_KEY` is not set.
    MissingKey,
    /// `ADYEN_HMAC_KEY` is set but unusable.
    BadKey(KeyError),
    /// A variable has a value that cannot be used.
    Invalid {
        /// The variable.
        name: &'static str,
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
                 cargo run --example send -- --generate-key\n\
                 - To see the whole flow first, with a generated key:\n    \
                 cargo run -p adyen-webhook-server -- --demo",
            ),
            Self::BadKey(error) => write!(f, "ADYEN_HMAC_KEY: {error}"),
            Self::Invalid { name, message } => write!(f, "{name}: {message}"),
        }
    }
}

impl std::error::Error for ConfigError {}

impl Config {
    /// Reads the configuration from the process environment.
    pub fn from_env() -> Result<Self, ConfigError> {
        Self::from_lookup(|name| std::env::var(name).ok())
    }

    /// Reads the configuration through `lookup` (the environment, or a map in tests). Empty
    /// values count as unset, as an `.env` line `NAME=` means.
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let get = |name: &str| lookup(name).filter(|value| !value.trim().is_empty());

        let text = get("ADYEN_HMAC_KEY").ok_or(ConfigError::MissingKey)?;
        let keys = text.parse::<HmacKeys>().map_err(ConfigError::BadKey)?;
        refuse_weak_keys("ADYEN_HMAC_KEY", &text)?;
        Self::with_keys(keys, lookup)
    }

    /// Reads everything but the keys through `lookup`, and uses `keys`: the demo brings its own.
    pub fn with_keys(
        keys: HmacKeys,
        lookup: impl Fn(&str) -> Option<String>,
    ) -> Result<Self, ConfigError> {
        let get = |name: &str| lookup(name).filter(|value| !value.trim().is_empty());

        let platform_keys = match get("ADYEN_PLATFORM_HMAC_KEY") {
            None => None,
            Some(text) => {
                let keys = text
                    .parse::<HmacKeys>()
                    .map_err(|error| ConfigError::Invalid {
                        name: "ADYEN_PLATFORM_HMAC_KEY",
                        message: error.to_string(),
                    })?;
                refuse_weak_keys("ADYEN_PLATFORM_HMAC_KEY", &text)?;
                Some(keys)
            }
        };

        let webhook_port = port(get("PORT"), "PORT", DEFAULT_PORT)?;
        let bind_address = address(get("BIND_ADDRESS"), "BIND_ADDRESS")?;

        let database_url = get("DATABASE_URL").unwrap_or_else(|| DEFAULT_DATABASE_URL.to_owned());
        crate::store::check_url(&database_url).map_err(|message| ConfigError::Invalid {
            name: "DATABASE_URL",
            message,
        })?;

        let basic_auth = credentials(
            get("WEBHOOK_USERNAME"),
            get("WEBHOOK_PASSWORD"),
            "WEBHOOK_USERNAME/WEBHOOK_PASSWORD",
            "set both, as on the webhook in the Customer Area, or neither",
        )?;
        let accept_unsigned_events = boolean(&get, "ADYEN_ACCEPT_UNSIGNED_EVENTS", false)?;
        if accept_unsigned_events && basic_auth.is_none() {
            return Err(ConfigError::Invalid {
                name: "ADYEN_ACCEPT_UNSIGNED_EVENTS",
                message: "is true, but WEBHOOK_USERNAME/WEBHOOK_PASSWORD are not set: an event \
                          without a signature is protected by Basic auth alone, and without it \
                          anyone who finds the URL could write one. Set the webhook's Basic auth \
                          credentials, as in the Customer Area, or turn the setting off"
                    .to_owned(),
            });
        }

        let admin = Admin {
            bind_address: address(get("ADMIN_BIND_ADDRESS"), "ADMIN_BIND_ADDRESS")?,
            port: port(get("ADMIN_PORT"), "ADMIN_PORT", DEFAULT_ADMIN_PORT)?,
            allowed_hosts: list(get("ADMIN_ALLOWED_HOSTS"))
                .map(|host| host.to_ascii_lowercase())
                .collect(),
            basic_auth: credentials(
                get("ADMIN_USERNAME"),
                get("ADMIN_PASSWORD"),
                "ADMIN_USERNAME/ADMIN_PASSWORD",
                "set both or neither",
            )?,
        };
        if !admin.bind_address.is_loopback() && admin.basic_auth.is_none() {
            return Err(ConfigError::Invalid {
                name: "ADMIN_USERNAME/ADMIN_PASSWORD",
                message: format!(
                    "required when ADMIN_BIND_ADDRESS is not a loopback address (it is {}): the \
                     admin side shows payment data",
                    admin.bind_address
                ),
            });
        }

        let defaults = Limits::default();
        let limits = Limits {
            header_read_timeout: seconds(
                &get,
                "HEADER_READ_TIMEOUT_SECS",
                defaults.header_read_timeout,
            )?,
            idle_timeout: seconds(&get, "IDLE_TIMEOUT_SECS", defaults.idle_timeout)?,
            max_connections: count(&get, "MAX_CONNECTIONS", defaults.max_connections)?,
            max_webhooks_in_flight: count(
                &get,
                "MAX_WEBHOOKS_IN_FLIGHT",
                defaults.max_webhooks_in_flight,
            )?,
            max_api_in_flight: count(&get, "MAX_API_IN_FLIGHT", defaults.max_api_in_flight)?,
            max_items: count(&get, "MAX_NOTIFICATION_ITEMS", defaults.max_items)?,
            shutdown_deadline: seconds(&get, "SHUTDOWN_DEADLINE_SECS", defaults.shutdown_deadline)?,
        };
        let worker_max_attempts = i64::try_from(count(
            &get,
            "WORKER_MAX_ATTEMPTS",
            DEFAULT_WORKER_MAX_ATTEMPTS as usize,
        )?)
        .unwrap_or(i64::MAX);

        let checkout = Checkout {
            api_key: get("ADYEN_API_KEY").map(Secret::new),
            client_key: get("ADYEN_CLIENT_KEY").map(Secret::new),
            merchant_account: get("ADYEN_MERCHANT_ACCOUNT").map(Secret::new),
        };
        let (environment, environment_source) = match get("ADYEN_ENVIRONMENT") {
            Some(value) => match value.trim().to_ascii_lowercase().as_str() {
                "test" => (Environment::Test, "ADYEN_ENVIRONMENT"),
                "live" => (Environment::Live, "ADYEN_ENVIRONMENT"),
                _ => {
                    return Err(ConfigError::Invalid {
                        name: "ADYEN_ENVIRONMENT",
                        message: format!("must be test or live (got {value:?})"),
                    })
                }
            },
            None => match checkout.client_key.as_ref().map(Secret::expose) {
                Some(key) if key.starts_with("live_") => (Environment::Live, "ADYEN_CLIENT_KEY"),
                Some(key) if key.starts_with("test_") => (Environment::Test, "ADYEN_CLIENT_KEY"),
                _ => (Environment::Test, "the default"),
            },
        };
        let guards = Guards {
            merchant_accounts: list(get("ADYEN_MERCHANT_ACCOUNT"))
                .map(Secret::new)
                .collect(),
            environment,
            environment_source,
        };

        Ok(Self {
            keys,
            platform_keys,
            port: webhook_port,
            bind_address,
            database_url,
            basic_auth,
            accept_unsigned_events,
            checkout,
            request_timeout: DEFAULT_REQUEST_TIMEOUT,
            admin,
            limits,
            guards,
            worker_max_attempts,
        })
    }
}

fn port(value: Option<String>, name: &'static str, default: u16) -> Result<u16, ConfigError> {
    let Some(value) = value else {
        return Ok(default);
    };
    value
        .trim()
        .parse::<u16>()
        .ok()
        .filter(|&port| port != 0)
        .ok_or_else(|| ConfigError::Invalid {
            name,
            message: format!("must be a port number from 1 to 65535 (got {value:?})"),
        })
}

fn address(value: Option<String>, name: &'static str) -> Result<IpAddr, ConfigError> {
    let Some(value) = value else {
        return Ok(IpAddr::from([127, 0, 0, 1]));
    };
    value.trim().parse().map_err(|_| ConfigError::Invalid {
        name,
        message: format!("must be an IP address such as 127.0.0.1 or 0.0.0.0 (got {value:?})"),
    })
}

fn credentials(
    username: Option<String>,
    password: Option<String>,
    name: &'static str,
    message: &str,
) -> Result<Option<Credentials>, ConfigError> {
    match (username, password) {
        (None, None) => Ok(None),
        (Some(username), Some(password)) => Ok(Some(Credentials {
            username,
            password: Secret::new(password),
        })),
        _ => Err(ConfigError::Invalid {
            name,
            message: message.to_owned(),
        }),
    }
}

/// A comma-separated list, without empty entries.
fn list(value: Option<String>) -> impl Iterator<Item = String> {
    value
        .unwrap_or_default()
        .split(',')
        .map(str::trim)
        .filter(|entry| !entry.is_empty())
        .map(str::to_owned)
        .collect::<Vec<_>>()
        .into_iter()
}

/// A whole number of at least 1.
fn count(
    get: &impl Fn(&str) -> Option<String>,
    name: &'static str,
    default: usize,
) -> Result<usize, ConfigError> {
    let Some(value) = get(name) else {
        return Ok(default);
    };
    value
        .trim()
        .parse::<usize>()
        .ok()
        .filter(|&n| n > 0)
        .ok_or_else(|| ConfigError::Invalid {
            name,
            message: format!("must be a whole number of at least 1 (got {value:?})"),
        })
}

/// `true` or `false`, in any case.
fn boolean(
    get: &impl Fn(&str) -> Option<String>,
    name: &'static str,
    default: bool,
) -> Result<bool, ConfigError> {
    let Some(value) = get(name) else {
        return Ok(default);
    };
    match value.trim().to_ascii_lowercase().as_str() {
        "true" => Ok(true),
        "false" => Ok(false),
        _ => Err(ConfigError::Invalid {
            name,
            message: format!("must be true or false (got {value:?})"),
        }),
    }
}

/// A whole number of seconds, at least 1.
fn seconds(
    get: &impl Fn(&str) -> Option<String>,
    name: &'static str,
    default: Duration,
) -> Result<Duration, ConfigError> {
    let default = usize::try_from(default.as_secs()).unwrap_or(usize::MAX);
    count(get, name, default).map(|n| Duration::from_secs(n as u64))
}

/// Refuses a list of keys (`NEW,OLD`) in which one is a placeholder.
fn refuse_weak_keys(name: &'static str, text: &str) -> Result<(), ConfigError> {
    match text.split(',').position(is_weak_key) {
        None => Ok(()),
        Some(position) => Err(ConfigError::Invalid {
            name,
            message: format!(
                "key {} of the list is one byte repeated, a placeholder rather than a key \
                 from the Customer Area: generate one there (Developers > Webhooks > your \
                 webhook > Security > HMAC Key)",
                position + 1
            ),
        }),
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
            assert!(message.contains("--generate-key"), "{message}");
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
        assert_eq!(config.checkout.api_key.unwrap().expose(), "AQE-api-key");
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
        let accounts: Vec<&str> = accounts.iter().map(Secret::expose).collect();
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
}
