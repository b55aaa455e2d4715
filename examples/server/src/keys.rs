//! The key-rotation view: for each configured HMAC key, its route, its place in the setting, its
//! check value (KCV) and when it last verified a webhook, so that "remove the previous key once
//! no webhook needs it" can be checked rather than guessed.
//!
//! The layer knows when each of its keys last verified something
//! ([`VerifyWebhookLayer::key_usage`](tower_adyen_webhook::VerifyWebhookLayer::key_usage)), in
//! memory only. [`KeyWatch`] runs beside the server and
//!
//! - records at start, in the store, when each key was first configured, so that "unused for 7
//!   days" counts from then for a key that never verified anything, across restarts;
//! - writes each key's last use to the store at most once per [`KeyWatchConfig::flush_interval`]
//!   (a minute), and once more at shutdown: never on a request's path, and a failed write is
//!   logged and tried again at the next tick, never an error for Adyen;
//! - logs one line at start, and once per [`KeyWatchConfig::report_interval`] (a day) after,
//!   naming each key that verified nothing for [`KeyWatchConfig::unused_after`] (7 days), with
//!   what to do about it.
//!
//! [`statuses`] merges the two sources (the store's record and the layer's fresher memory) for
//! `GET /api/keys` and the operator page; [`is_unused`] is the decision, a pure function of the
//! times.

use std::collections::HashMap;
use std::fmt::Write as _;
use std::time::Duration;

use serde::Serialize;
use tokio::sync::watch;
use tower_adyen_webhook::KeyUsage;

use crate::store::{KeyRecord, Store};
use crate::time::{now_ms, rfc3339, system_ms};

/// How long a key may verify nothing before it is reported: a week covers Adyen's retries (they
/// stop after a few days) and a quiet weekend.
pub const UNUSED_AFTER: Duration = Duration::from_secs(7 * 24 * 60 * 60);

/// How often the keys' last use is written to the store.
pub const FLUSH_INTERVAL: Duration = Duration::from_secs(60);

/// How often unused keys are reported, after the report at start.
pub const REPORT_INTERVAL: Duration = Duration::from_secs(24 * 60 * 60);

/// Which setting, and so which route, a key belongs to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum KeyRoute {
    /// `ADYEN_HMAC_KEY`: the standard notifications.
    Notifications,
    /// `ADYEN_PLATFORM_HMAC_KEY`: the header-signed webhooks.
    Platform,
}

impl KeyRoute {
    /// `notifications` or `platform`: the stored value and the API's.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Notifications => "notifications",
            Self::Platform => "platform",
        }
    }

    /// The setting that holds this route's keys.
    pub fn setting(self) -> &'static str {
        match self {
            Self::Notifications => "ADYEN_HMAC_KEY",
            Self::Platform => "ADYEN_PLATFORM_HMAC_KEY",
        }
    }
}

/// The keys the server verifies with: each route's layer's [`KeyUsage`]. Cloning is cheap.
#[derive(Clone, Debug, Default)]
pub struct ConfiguredKeys {
    routes: Vec<(KeyRoute, KeyUsage)>,
}

/// One configured key, as the layer knows it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConfiguredKey {
    /// Its route.
    pub route: KeyRoute,
    /// Its place in the setting: 1 is the first, the current key.
    pub position: usize,
    /// Its check value.
    pub kcv: String,
    /// When it last verified a webhook since the server started (ms since the epoch).
    pub last_verified_at: Option<i64>,
}

impl ConfiguredKeys {
    /// No keys.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds `route`'s keys, as its layer's `usage` lists them.
    pub fn add(&mut self, route: KeyRoute, usage: KeyUsage) {
        self.routes.push((route, usage));
    }

    /// Every key, route by route, in each setting's order.
    pub fn iter(&self) -> impl Iterator<Item = ConfiguredKey> + '_ {
        self.routes.iter().flat_map(|(route, usage)| {
            usage.iter().map(|key| ConfiguredKey {
                route: *route,
                position: key.index + 1,
                kcv: key.kcv.to_owned(),
                last_verified_at: key.last_verified.map(system_ms),
            })
        })
    }
}

/// What [`KeyWatch`] waits for: a minute, a day and a week unless a test says otherwise.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct KeyWatchConfig {
    /// How often the keys' last use is written to the store: [`FLUSH_INTERVAL`].
    pub flush_interval: Duration,
    /// How often unused keys are reported after the start: [`REPORT_INTERVAL`].
    pub report_interval: Duration,
    /// How long a key may verify nothing before it is reported: [`UNUSED_AFTER`].
    pub unused_after: Duration,
}

impl Default for KeyWatchConfig {
    fn default() -> Self {
        Self {
            flush_interval: FLUSH_INTERVAL,
            report_interval: REPORT_INTERVAL,
            unused_after: UNUSED_AFTER,
        }
    }
}

/// A configured key, with everything known of its use: what `GET /api/keys` lists.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct KeyStatus {
    /// Its route.
    pub route: KeyRoute,
    /// The setting it is in.
    pub setting: &'static str,
    /// Its place in the setting: 1 is the first, the current key.
    pub position: usize,
    /// Its check value, as the Customer Area shows it.
    pub kcv: String,
    /// When the server first ran with it (ms since the epoch).
    #[serde(serialize_with = "as_rfc3339")]
    pub first_configured_at: i64,
    /// When it last verified a webhook (ms since the epoch); `None` for never.
    #[serde(serialize_with = "as_rfc3339_or_null")]
    pub last_verified_at: Option<i64>,
    /// Whether it verified nothing for [`KeyWatchConfig::unused_after`]: see [`is_unused`].
    pub unused: bool,
}

fn as_rfc3339<S: serde::Serializer>(ms: &i64, serializer: S) -> Result<S::Ok, S::Error> {
    serializer.serialize_str(&rfc3339(*ms))
}

fn as_rfc3339_or_null<S: serde::Serializer>(
    ms: &Option<i64>,
    serializer: S,
) -> Result<S::Ok, S::Error> {
    match ms {
        Some(ms) => serializer.serialize_str(&rfc3339(*ms)),
        None => serializer.serialize_none(),
    }
}

impl KeyStatus {
    /// What to do about this key when it is unused.
    pub fn advice(&self) -> String {
        if self.position == 1 {
            format!(
                "it is the current key of {}: check that the webhook in the Customer Area \
                 uses it, and that webhooks arrive at all",
                self.setting
            )
        } else {
            format!("remove it from {} once no webhook needs it", self.setting)
        }
    }
}

/// Whether a key first configured at `first_configured_at` and last used at `last_verified_at`
/// (ms since the epoch) has verified nothing for `unused_after`, at `now`.
///
/// A key that never verified anything counts from its first configuration: a key added today
/// is not reported before it had its week.
pub fn is_unused(
    first_configured_at: i64,
    last_verified_at: Option<i64>,
    now: i64,
    unused_after: Duration,
) -> bool {
    let since = last_verified_at.unwrap_or(first_configured_at);
    let unused_after = i64::try_from(unused_after.as_millis()).unwrap_or(i64::MAX);
    now.saturating_sub(since) >= unused_after
}

/// Each configured key's status at `now`: its last use the later of the store's `records` and
/// the layer's memory, its first configuration the store's (or `now`, when the store has no
/// record of it yet).
pub fn statuses(
    keys: &ConfiguredKeys,
    records: &[KeyRecord],
    now: i64,
    unused_after: Duration,
) -> Vec<KeyStatus> {
    let records: HashMap<(&str, &str), &KeyRecord> = records
        .iter()
        .map(|record| ((record.route.as_str(), record.kcv.as_str()), record))
        .collect();
    keys.iter()
        .map(|key| {
            let record = records.get(&(key.route.as_str(), key.kcv.as_str()));
            let first_configured_at = record.map_or(now, |record| record.first_configured_at);
            let last_verified_at = key
                .last_verified_at
                .max(record.and_then(|record| record.last_verified_at));
            KeyStatus {
                route: key.route,
                setting: key.route.setting(),
                position: key.position,
                unused: is_unused(first_configured_at, last_verified_at, now, unused_after),
                kcv: key.kcv,
                first_configured_at,
                last_verified_at,
            }
        })
        .collect()
}

/// The unused keys among `statuses`, one after the other, each with its last use and what to
/// do: the text of the report's log line. `None` when every key is in use.
pub fn unused_report(statuses: &[KeyStatus]) -> Option<String> {
    let mut text = String::new();
    for status in statuses.iter().filter(|status| status.unused) {
        if !text.is_empty() {
            text.push_str("; ");
        }
        let last = status
            .last_verified_at
            .map_or_else(|| "never".to_owned(), rfc3339);
        let _ = write!(
            text,
            "{} key {} (KCV {}), last verified {last}: {}",
            status.setting,
            status.position,
            status.kcv,
            status.advice()
        );
    }
    (!text.is_empty()).then_some(text)
}

/// Resolves once `stop` turns `true` (or its sender is gone).
async fn stopped(stop: &mut watch::Receiver<bool>) {
    let _ = stop.wait_for(|stop| *stop).await;
}

/// Runs beside the server: see the [module docs](self).
#[derive(Debug)]
pub struct KeyWatch {
    store: Store,
    keys: ConfiguredKeys,
    config: KeyWatchConfig,
    /// The last use written for each `(route, kcv)`, so that only news is written.
    written: HashMap<(KeyRoute, String), i64>,
}

impl KeyWatch {
    /// A watch over `keys` that writes to `store`.
    pub fn new(store: Store, keys: ConfiguredKeys, config: KeyWatchConfig) -> Self {
        Self {
            store,
            keys,
            config,
            written: HashMap::new(),
        }
    }

    /// Records the keys' first configuration, reports, then flushes and reports at their
    /// intervals until `stop` turns `true`, and flushes once more.
    pub async fn run(mut self, mut stop: watch::Receiver<bool>) {
        self.configure().await;
        self.report().await;
        let mut flush = tokio::time::interval(self.config.flush_interval);
        let mut report = tokio::time::interval(self.config.report_interval);
        // Both fire at once at first: the start has just been handled.
        flush.tick().await;
        report.tick().await;
        loop {
            tokio::select! {
                _ = flush.tick() => self.flush().await,
                _ = report.tick() => self.report().await,
                () = stopped(&mut stop) => break,
            }
        }
        self.flush().await;
    }

    /// Records, for the keys the store does not know yet, that they are configured from now.
    async fn configure(&self) {
        let now = now_ms();
        for route in [KeyRoute::Notifications, KeyRoute::Platform] {
            let kcvs: Vec<String> = self
                .keys
                .iter()
                .filter(|key| key.route == route)
                .map(|key| key.kcv)
                .collect();
            if kcvs.is_empty() {
                continue;
            }
            let kcvs: Vec<&str> = kcvs.iter().map(String::as_str).collect();
            if let Err(error) = self.store.configure_keys(route.as_str(), &kcvs, now).await {
                tracing::warn!(
                    %error,
                    "could not record the configured keys; the key-rotation view counts their \
                     week from now"
                );
            }
        }
    }

    /// Writes each key's last use, if it changed since the last write. A failure is logged, and
    /// the write tried again at the next flush.
    pub async fn flush(&mut self) {
        for key in self.keys.iter() {
            let Some(at) = key.last_verified_at else {
                continue;
            };
            let slot = (key.route, key.kcv);
            if self
                .written
                .get(&slot)
                .is_some_and(|written| *written >= at)
            {
                continue;
            }
            match self
                .store
                .record_key_use(slot.0.as_str(), &slot.1, at)
                .await
            {
                Ok(()) => {
                    self.written.insert(slot, at);
                }
                Err(error) => tracing::warn!(
                    %error,
                    kcv = slot.1.as_str(),
                    "could not record a key's last use; trying again in {:?}",
                    self.config.flush_interval
                ),
            }
        }
    }

    /// The keys' statuses now, from the store and the layer's memory (the memory alone, and a
    /// warning, when the store cannot be read).
    pub async fn statuses(&self) -> Vec<KeyStatus> {
        let records = self.store.key_records().await.unwrap_or_else(|error| {
            tracing::warn!(%error, "could not read the keys' use from the store");
            Vec::new()
        });
        statuses(&self.keys, &records, now_ms(), self.config.unused_after)
    }

    /// Logs one line: the unused keys and what to do, or that every key is in use.
    async fn report(&self) {
        let statuses = self.statuses().await;
        let days = self.config.unused_after.as_secs_f64() / 86_400.0;
        match unused_report(&statuses) {
            Some(unused) => tracing::warn!(
                unused_keys = unused.as_str(),
                "HMAC keys that verified nothing for {days} days"
            ),
            None => tracing::info!(
                keys = statuses.len(),
                "every configured HMAC key verified a webhook within {days} days, or was \
                 configured less than that ago"
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const DAY: i64 = 24 * 60 * 60 * 1000;

    #[test]
    fn a_key_is_unused_after_a_week_without_verifying_anything() {
        let now = 100 * DAY;
        // Used six days ago: in use.
        assert!(!is_unused(0, Some(now - 6 * DAY), now, UNUSED_AFTER));
        // Used exactly seven days ago, or before: unused.
        assert!(is_unused(0, Some(now - 7 * DAY), now, UNUSED_AFTER));
        assert!(is_unused(0, Some(now - 30 * DAY), now, UNUSED_AFTER));
        // Never used, configured eight days ago: unused.
        assert!(is_unused(now - 8 * DAY, None, now, UNUSED_AFTER));
        // Never used, configured yesterday: it has not had its week.
        assert!(!is_unused(now - DAY, None, now, UNUSED_AFTER));
        // A clock that went back does not make a key unused.
        assert!(!is_unused(now + DAY, None, now, UNUSED_AFTER));
        // Another threshold.
        assert!(is_unused(now - 2000, None, now, Duration::from_secs(1)));
        assert!(!is_unused(now - 500, None, now, Duration::from_secs(1)));
    }

    fn record(route: &str, kcv: &str, first: i64, last: Option<i64>) -> KeyRecord {
        KeyRecord {
            route: route.to_owned(),
            kcv: kcv.to_owned(),
            first_configured_at: first,
            last_verified_at: last,
        }
    }

    fn status(position: usize, kcv: &str, first: i64, last: Option<i64>) -> KeyStatus {
        KeyStatus {
            route: KeyRoute::Notifications,
            setting: "ADYEN_HMAC_KEY",
            position,
            kcv: kcv.to_owned(),
            first_configured_at: first,
            last_verified_at: last,
            unused: is_unused(first, last, 30 * DAY, UNUSED_AFTER),
        }
    }

    #[test]
    fn statuses_take_the_later_of_the_store_and_the_memory() {
        let keys: tower_adyen_webhook::HmacKeys =
            "00727DB817A85C8503AD29EAD1523DB869AF0E536893BB3046C92DE7CB045CB1,\
             DFB1EB5485895CFA84146406857104ABB4CBCABDC8AAF103A624C8F6A3EAAB00"
                .parse()
                .unwrap();
        let layer = tower_adyen_webhook::VerifyWebhookLayer::notifications(keys.clone());
        let mut configured = ConfiguredKeys::new();
        configured.add(KeyRoute::Notifications, layer.key_usage());
        let kcvs: Vec<String> = keys.iter().map(|k| k.check_value().to_owned()).collect();
        let now = 30 * DAY;
        let records = [
            record("notifications", &kcvs[0], 0, Some(now - DAY)),
            record("notifications", &kcvs[1], 0, Some(now - 10 * DAY)),
            // Another route's record of the same key is not this one's.
            record("platform", &kcvs[1], 0, Some(now)),
        ];
        let statuses = statuses(&configured, &records, now, UNUSED_AFTER);
        assert_eq!(statuses.len(), 2);
        assert_eq!(
            (
                statuses[0].position,
                statuses[0].kcv.as_str(),
                statuses[0].unused
            ),
            (1, kcvs[0].as_str(), false)
        );
        assert_eq!(statuses[1].last_verified_at, Some(now - 10 * DAY));
        assert!(statuses[1].unused);
        // A key the store does not know yet counts from now.
        let fresh = super::statuses(&configured, &[], now, UNUSED_AFTER);
        assert!(fresh
            .iter()
            .all(|s| s.first_configured_at == now && !s.unused && s.last_verified_at.is_none()));
    }

    #[test]
    fn the_report_names_each_unused_key_and_what_to_do() {
        let in_use = status(1, "AAAAAA", 0, Some(30 * DAY - DAY));
        let old = status(2, "BBBBBB", 0, Some(0));
        let never = status(3, "CCCCCC", 0, None);
        assert_eq!(unused_report(std::slice::from_ref(&in_use)), None);
        let report = unused_report(&[in_use, old, never]).unwrap();
        assert_eq!(
            report,
            "ADYEN_HMAC_KEY key 2 (KCV BBBBBB), last verified 1970-01-01T00:00:00.000Z: remove \
             it from ADYEN_HMAC_KEY once no webhook needs it; ADYEN_HMAC_KEY key 3 (KCV \
             CCCCCC), last verified never: remove it from ADYEN_HMAC_KEY once no webhook needs it"
        );
        let current = status(1, "AAAAAA", 0, None);
        let report = unused_report(&[current]).unwrap();
        assert!(
            report.contains("it is the current key of ADYEN_HMAC_KEY"),
            "{report}"
        );
    }
}
