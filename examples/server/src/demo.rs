//! `--demo`: the whole flow in one command. The server sends itself every scenario and tells
//! what was verified, rejected, stored, deduplicated, acknowledged and processed.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

pub use adyen_webhook_cli::keys::{generate_key, GeneratedKey};
use adyen_webhook_cli::scenarios::{self, Expect, ExpectedStatus, SigningKeys, SCENARIOS};
use adyen_webhook_cli::sender::{self, Report, Sender, SenderConfig, DEFAULT_COMPRESSION};

use crate::app::WEBHOOK_PATH;
use crate::config::Config;
use crate::payments::{self, Action, EffectError, Effects, LogEffects};
use crate::server::Running;
use crate::store::{redact_url, Stats, Store, StoreError};

/// The demo's keys: a current one, and a previous one that is still accepted, as during a
/// rotation.
#[derive(Clone, Debug)]
pub struct DemoKeys {
    /// The current key.
    pub current: GeneratedKey,
    /// The previous key.
    pub previous: GeneratedKey,
}

impl DemoKeys {
    /// Two fresh keys.
    pub fn generate() -> Self {
        Self {
            current: generate_key(),
            previous: generate_key(),
        }
    }
}

/// The demo's effects: those of [`LogEffects`], also remembered so that the demo can show
/// what the business logic did.
#[derive(Clone, Debug, Default)]
pub struct DemoEffects {
    done: Arc<Mutex<BTreeMap<String, String>>>,
}

impl DemoEffects {
    /// What was done so far, once per action key, and forgets it.
    pub fn take(&self) -> Vec<(String, String)> {
        std::mem::take(&mut *self.done.lock().expect("never poisoned"))
            .into_iter()
            .collect()
    }
}

impl Effects for DemoEffects {
    async fn perform(&self, key: &str, action: &Action) -> Result<(), EffectError> {
        LogEffects.perform(key, action).await?;
        self.done
            .lock()
            .expect("never poisoned")
            .insert(key.to_owned(), action.to_string());
        Ok(())
    }
}

/// What the demo found: whether everything went as the scenarios expect.
#[derive(Clone, Debug)]
pub struct DemoOutcome {
    /// The text printed.
    pub text: String,
    /// Whether every answer and every payment state was as expected.
    pub all_as_expected: bool,
    /// The orders paid for, and the state each should be in.
    pub orders: Vec<(String, ExpectedStatus)>,
}

/// The banner printed before the demo starts.
pub fn banner(running: &Running, config: &Config, keys: &DemoKeys) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "Adyen webhook server: demo\n");
    let _ = writeln!(out, "  endpoint  {}", running.url(WEBHOOK_PATH));
    let _ = writeln!(out, "  database  {}", redact_url(&config.database_url));
    let _ = writeln!(
        out,
        "  keys      generated for this run (real ones come from the Customer Area):"
    );
    let _ = writeln!(
        out,
        "              current   {}  KCV {}",
        keys.current.hex,
        keys.current.key.check_value()
    );
    let _ = writeln!(
        out,
        "              previous  {}  KCV {}  (still accepted, as during a key rotation)",
        keys.previous.hex,
        keys.previous.key.check_value()
    );
    out
}

/// Sends every scenario to `running`, waits for the worker, and reports.
pub async fn run(
    running: &Running,
    config: &Config,
    keys: &DemoKeys,
    effects: &DemoEffects,
    mut print: impl FnMut(&str),
) -> Result<DemoOutcome, Box<dyn std::error::Error + Send + Sync>> {
    let store = running.store();
    let signing = SigningKeys {
        current: keys.current.key.clone(),
        previous: Some(keys.previous.key.clone()),
    };
    let all: Vec<_> = SCENARIOS.iter().collect();
    // The account the server accepts, so that the demo's notifications are applied, not ignored.
    let account = config
        .guards
        .merchant_accounts
        .first()
        .map_or("YourShopECOM", |account| account.expose());
    let plan = scenarios::plan(&all, 1, &signing, account);
    let sender = Sender::new(&SenderConfig {
        url: running.url(WEBHOOK_PATH),
        basic_auth: config.basic_auth.as_ref().map(|credentials| {
            (
                credentials.username.clone(),
                credentials.password.expose().to_owned(),
            )
        }),
        retries: 3,
        compression: DEFAULT_COMPRESSION,
    })?;

    let mut out = String::new();
    let _ = writeln!(
        out,
        "Sending {} requests ({} scenarios) as Adyen would, retrying whatever gets no 2xx...\n",
        plan.deliveries.len(),
        SCENARIOS.len()
    );
    print(&out);
    let mut text = out.clone();

    let before = store.stats().await?;
    let mut reports = Vec::new();
    for delivery in plan.deliveries {
        let mut report = sender.deliver(delivery).await;
        report.server = Some(server_view(store, &report).await?);
        reports.push(report);
    }
    let table = sender::table(&reports);
    print(&table);
    text.push_str(&table);

    let after = wait_for_worker(store, before, Duration::from_secs(15)).await?;
    let mut all_as_expected = reports.iter().all(Report::as_expected);

    let mut out = String::new();
    let count = |expect: Expect| {
        reports
            .iter()
            .filter(|r| r.acknowledged() == (expect == Expect::Accepted))
            .count()
    };
    let (acknowledged, rejected) = (count(Expect::Accepted), count(Expect::Rejected));
    let items: usize = reports
        .iter()
        .filter(|r| r.acknowledged())
        .map(|r| r.delivery.items.len())
        .sum();
    let stored = after.notifications - before.notifications;
    let redeliveries = (after.deliveries - before.deliveries) - stored;
    let processed = after.processed - before.processed;
    let _ = writeln!(out, "\nWhat happened:");
    let _ = writeln!(
        out,
        "  verified      {items} notifications in {acknowledged} requests, every item's HMAC signature checked"
    );
    let _ = writeln!(
        out,
        "  rejected      {rejected} {} with a bad signature: 401, nothing stored, never acknowledged (Adyen keeps retrying)",
        if rejected == 1 { "request" } else { "requests" }
    );
    let _ = writeln!(
        out,
        "  stored        {stored} notifications, each request in one transaction"
    );
    let _ =
        writeln!(
        out,
        "  deduplicated  {redeliveries} {}: recognised, counted, acknowledged, not stored twice",
        if redeliveries == 1 { "redelivery" } else { "redeliveries" }
    );
    let _ = writeln!(
        out,
        "  acknowledged  {acknowledged} requests, each with [accepted] only once its notifications were committed"
    );
    let _ = writeln!(
        out,
        "  processed     {processed} of {stored} by the worker, after the acknowledgement ({} failing)",
        after.failing - before.failing
    );
    all_as_expected &= processed == stored;

    let _ = writeln!(
        out,
        "\nBusiness logic (payments.rs), run by the worker after the acknowledgement:"
    );
    for (_, action) in effects.take() {
        let _ = writeln!(out, "  {action}");
    }

    let _ = writeln!(
        out,
        "\nPayment states (GET /api/payments/{{merchantReference}}):"
    );
    for (order, expected) in &plan.orders {
        let status = payments::order_status(&store.payments(order).await?);
        let shown = status.map_or("unknown", |status| status.as_str());
        // The scenarios name the state as `PaymentStatus` does.
        let ok = shown == expected.as_str();
        all_as_expected &= ok;
        let check = if ok {
            "ok".to_owned()
        } else {
            format!("UNEXPECTED: should be {expected}")
        };
        let _ = writeln!(out, "  {order:<16} {shown:<20} {check}");
    }
    for (scenario, why) in &plan.skipped {
        let _ = writeln!(out, "  (skipped {scenario}: {why})");
    }
    print(&out);
    text.push_str(&out);
    Ok(DemoOutcome {
        text,
        all_as_expected,
        orders: plan.orders,
    })
}

/// How to go on once the demo has run.
pub fn next_steps(
    running: &Running,
    config: &Config,
    keys: &DemoKeys,
    outcome: &DemoOutcome,
) -> String {
    let order = outcome
        .orders
        .last()
        .map_or("ORDER-NUMBER", |(order, _)| order.as_str());
    let (curl_auth, send_auth) = match &config.basic_auth {
        Some(credentials) => (
            format!("-u {}:PASSWORD ", credentials.username),
            format!(" --username {} --password PASSWORD", credentials.username),
        ),
        None => (String::new(), String::new()),
    };
    format!(
        "\nThe server keeps running, and now logs every request. Open the operator page at\n\
         \x20 {page}\n\
         or try, in another terminal:\n\
         \x20 curl {curl_auth}{notifications}\n\
         \x20 curl {curl_auth}{payments}\n\
         \x20 cargo run -p adyen-webhook-cli -- send --url {webhook} --key {current},{previous}{send_auth} --scenario capture\n\
         \x20 cargo run -p adyen-webhook-cli -- send --help\n\
         Stop it with Ctrl-C.\n",
        page = running.admin_url("/"),
        notifications = running.admin_url("/api/notifications"),
        payments = running.admin_url(&format!("/api/payments/{order}")),
        webhook = running.url(WEBHOOK_PATH),
        current = keys.current.hex,
        previous = keys.previous.hex,
    )
}

/// What the store holds for a report's items, in a few words.
async fn server_view(store: &Store, report: &Report) -> Result<String, StoreError> {
    let mut ids = Vec::new();
    let mut duplicates = Vec::new();
    for item in &report.delivery.items {
        match store
            .find(&item.psp_reference, item.event_code.as_str(), item.success)
            .await?
        {
            Some(stored) if stored.deliveries > 1 => {
                duplicates.push(format!("#{} ({} deliveries)", stored.id, stored.deliveries));
            }
            Some(stored) => ids.push(format!("#{}", stored.id)),
            None => {}
        }
    }
    Ok(match (ids.is_empty(), duplicates.is_empty()) {
        (true, true) => "nothing stored".to_owned(),
        (false, true) => format!("stored {}", ids.join(" ")),
        (true, false) => format!("duplicate of {}", duplicates.join(" ")),
        (false, false) => format!(
            "stored {}; duplicate of {}",
            ids.join(" "),
            duplicates.join(" ")
        ),
    })
}

/// Waits until the worker has processed everything stored since `before`.
async fn wait_for_worker(
    store: &Store,
    before: Stats,
    patience: Duration,
) -> Result<Stats, StoreError> {
    let start = Instant::now();
    loop {
        let now = store.stats().await?;
        let stored = now.notifications - before.notifications;
        let done = now.processed - before.processed;
        if done >= stored || start.elapsed() > patience {
            return Ok(now);
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::payments::PaymentStatus;

    /// The scenarios expect states by name: each must be one `PaymentStatus` has.
    #[test]
    fn every_expected_state_is_a_payment_status() {
        let statuses = [
            PaymentStatus::Pending,
            PaymentStatus::Authorised,
            PaymentStatus::Refused,
            PaymentStatus::Expired,
            PaymentStatus::Captured,
            PaymentStatus::Cancelled,
            PaymentStatus::CancelledOrRefunded,
            PaymentStatus::PartiallyRefunded,
            PaymentStatus::Refunded,
            PaymentStatus::Disputed,
            PaymentStatus::ChargedBack,
        ];
        for expected in ExpectedStatus::ALL {
            assert!(
                statuses
                    .iter()
                    .any(|status| status.as_str() == expected.as_str()),
                "{expected} is not a PaymentStatus"
            );
        }
    }

    /// The sender's default URLs are the server's paths.
    #[test]
    fn the_sender_knows_the_server_paths() {
        assert_eq!(sender::WEBHOOK_PATH, crate::app::WEBHOOK_PATH);
        assert_eq!(sender::PLATFORM_PATH, crate::app::PLATFORM_PATH);
    }
}
