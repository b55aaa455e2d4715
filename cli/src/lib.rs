//! The library behind the `adyen-webhook` command: what it needs to play Adyen's part against a
//! webhook server, for the reference server's demo and tests to share.
//!
//! - [`scenarios`]: realistic notifications (an authorisation, a capture, a batch, a forgery, a
//!   redelivery...), signed the way Adyen signs them, with what the server should answer.
//! - [`sender`]: delivers them the way Adyen does: POST, wait up to 10 seconds, retry what gets
//!   no `2xx` on Adyen's schedule made faster, and tabulate the answers.
//! - [`keys`]: random test keys.
//!
//! The command itself (`verify`, `send`, `generate-key`, `kcv`) is in the `adyen-webhook`
//! binary; its README says how to install and use it.
//!
//! ```
//! use adyen_webhook_cli::scenarios::{self, SigningKeys, SCENARIOS};
//!
//! let keys = SigningKeys { current: adyen_webhook_cli::keys::generate_key().key, previous: None };
//! let all: Vec<_> = SCENARIOS.iter().collect();
//! let plan = scenarios::plan(&all, 1, &keys, "YourShopECOM");
//! assert!(!plan.deliveries.is_empty());
//! // Without a previous key, the rotation scenario is left out, and says why.
//! assert_eq!(plan.skipped.len(), 1);
//! ```

pub mod keys;
pub mod scenarios;
pub mod sender;
