//! The reference integration for `tower-adyen-webhook`: a webhook server that stores every
//! verified notification before Adyen gets its acknowledgement, and processes it afterwards, away
//! from the 10-second acknowledgement window. Adyen's part is played by `adyen-webhook send`
//! (the `adyen-webhook-cli` package), whose scenarios and sender the demo and the tests use too.
//!
//! The path of a notification, one module each:
//!
//! 1. [`config`]: the keys and settings, from the environment and `.env`.
//! 2. [`app`]: the HTTP endpoints; `tower-adyen-webhook` verifies, the handler stores.
//! 3. [`store`]: SQLite or PostgreSQL; deduplication and delivery counts.
//! 4. [`worker`]: picks up stored notifications, runs the business logic, retries with backoff.
//! 5. [`payments`]: the business logic itself, per event code: the module a merchant adapts.
//!
//! Header-signed webhooks (Balance Platform, Management API, tokens...) take a shorter path:
//! [`app`] verifies them, [`platform`] says what identifies each event, [`store`] keeps them.
//! They are stored only, never processed.
//!
//! [`server`] wires them together and [`serve`] bounds what each connection may hold; [`demo`]
//! is the `--demo` mode, which sends the server `adyen_webhook_cli`'s scenarios; [`faults`] is
//! the fault-injection seam the no-loss test uses; [`observe`] renders `GET /metrics`; [`keys`]
//! keeps the key-rotation view; [`page`] renders the operator page; [`replay`] runs the business
//! logic again on stored notifications after a fix.

pub mod app;
pub mod config;
pub mod demo;
pub mod faults;
pub mod keys;
pub mod observe;
pub mod page;
pub mod payments;
pub mod platform;
pub mod replay;
pub mod serve;
pub mod server;
pub mod store;
mod time;
pub mod worker;
