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

/// The server's settings.
#[derive(Clone, Debug)]
pub struct Config {
    /// `ADYEN_HMAC_KEY`: the current key first, then any previous ones still in use.
    pub keys: HmacKeys,
    /// `PORT`.
    pub port: u16,
    /// `BIND_ADDRESS`: `127.0.0.1` by default, enough for a tunnel; `0.0.0.0` in a container or
    /// behind a load balancer.
    pub bind_address: IpAddr,
    /// `DATABASE_URL`: `sqlite://...` or `postgres://...`.
    pub database_url: String,
    /// `WEBHOOK_USERNAME` and `WEBHOOK_PASSWORD`, as set on the webhook in the Customer Area.
    pub basic_auth: Option<Credentials>,
    /// The checkout settings a real integration carries beside the webhook ones.
    pub checkout: Checkout,
    /// How long a request may take before the server answers 503 and drops it:
    /// [`DEFAULT_REQUEST_TIMEOUT`]. Not read from the environment (Adyen's 10 seconds are not
    /// negotiable); tests shorten it.
    pub request_timeout: Duration,
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

        let keys = get("ADYEN_HMAC_KEY")
            .ok_or(ConfigError::MissingKey)?
            .parse::<HmacKeys>()
            .map_err(ConfigError::BadKey)?;
        Self::with_keys(keys, lookup)
    }

    /// Reads everything but the keys through `lookup`, and uses `keys`: the demo brings its own.
    pub fn with_keys(
        keys: HmacKeys,
        lookup: impl Fn(&str) -> Option<String>,
    ) -> Result<Self, ConfigError> {
        let get = |name: &str| lookup(name).filter(|value| !value.trim().is_empty());

        let port = match get("PORT") {
            None => DEFAULT_PORT,
            Some(port) => port
                .trim()
                .parse::<u16>()
                .ok()
                .filter(|&port| port != 0)
                .ok_or_else(|| ConfigError::Invalid {
                    name: "PORT",
                    message: format!("must be a port number from 1 to 65535 (got {port:?})"),
                })?,
        };

        let bind_address = match get("BIND_ADDRESS") {
            None => IpAddr::from([127, 0, 0, 1]),
            Some(address) => address.trim().parse().map_err(|_| ConfigError::Invalid {
                name: "BIND_ADDRESS",
                message: format!(
                    "must be an IP address such as 127.0.0.1 or 0.0.0.0 (got {address:?})"
                ),
            })?,
        };

        let database_url = get("DATABASE_URL").unwrap_or_else(|| DEFAULT_DATABASE_URL.to_owned());
        check_database_url(&database_url)?;

        let basic_auth = match (get("WEBHOOK_USERNAME"), get("WEBHOOK_PASSWORD")) {
            (None, None) => None,
            (Some(username), Some(password)) => Some(Credentials {
                username,
                password: Secret::new(password),
            }),
            (Some(_), None) | (None, Some(_)) => {
                return Err(ConfigError::Invalid {
                    name: "WEBHOOK_USERNAME/WEBHOOK_PASSWORD",
                    message: "set both, as on the webhook in the Customer Area, or neither".into(),
                })
            }
        };

        let checkout = Checkout {
            api_key: get("ADYEN_API_KEY").map(Secret::new),
            client_key: get("ADYEN_CLIENT_KEY").map(Secret::new),
            merchant_account: get("ADYEN_MERCHANT_ACCOUNT").map(Secret::new),
        };

        Ok(Self {
            keys,
            port,
            bind_address,
            database_url,
            basic_auth,
            checkout,
            request_timeout: DEFAULT_REQUEST_TIMEOUT,
        })
    }
}

fn check_database_url(url: &str) -> Result<(), ConfigError> {
    let invalid = |message: &str| ConfigError::Invalid {
        name: "DATABASE_URL",
        message: message.to_owned(),
    };
    if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        return Ok(());
    }
    if !url.starts_with("sqlite:") {
        return Err(invalid(
            "must start with sqlite: (for example sqlite://notifications.db?mode=rwc) or \
             postgres:// (for example postgres://user:password@localhost/adyen)",
        ));
    }
    // Each pooled connection would get its own empty in-memory database, and everything stored
    // would vanish at exit: the opposite of storing before acknowledging.
    if url.contains(":memory:") || url.contains("mode=memory") {
        return Err(invalid(
            "an in-memory SQLite database loses the stored notifications at exit; use a file, \
             such as sqlite://notifications.db?mode=rwc",
        ));
    }
    Ok(())
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
        ];
        for (name, value, expected) in bad {
            let message = config(&[("ADYEN_HMAC_KEY", KEY), (name, value)])
                .unwrap_err()
                .to_string();
            assert!(message.contains(expected), "{name}={value}: {message}");
        }
    }
}
