//! What the middleware tells an application about its verdicts: a callback per request, the
//! last time each key verified something, and, with the `metrics` feature, counters and a
//! latency histogram through the `metrics` facade.

use std::fmt;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use crate::signature::HmacKeys;

/// What became of a request, as [`VerifyWebhookLayer::on_verdict`](crate::VerifyWebhookLayer::on_verdict)
/// reports it.
///
/// ```
/// use tower_adyen_webhook::Outcome;
///
/// assert_eq!(Outcome::Accepted.as_str(), "accepted");
/// assert_eq!(Outcome::Unauthorized.to_string(), "unauthorized");
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Outcome {
    /// Verified, handed over, and the inner service answered `2xx`: acknowledged.
    Accepted,
    /// A standard request with no items: acknowledged without calling the inner service.
    NothingToHandOver,
    /// Verified and handed over, but the inner service answered something else than `2xx`: not
    /// acknowledged, Adyen retries.
    HandlerFailed,
    /// Verified and handed over, but the inner service returned an error: not acknowledged.
    HandlerError,
    /// `401`: Basic auth, or a signature, missing or wrong.
    Unauthorized,
    /// `400`: the body failed, or is not what Adyen sends.
    BadRequest,
    /// `413`: the body, or its number of items, is over the limit.
    TooLarge,
}

impl Outcome {
    /// A short, stable, lowercase name, for logs and metric labels.
    ///
    /// ```
    /// use tower_adyen_webhook::Outcome;
    ///
    /// let names = [
    ///     Outcome::Accepted,
    ///     Outcome::NothingToHandOver,
    ///     Outcome::HandlerFailed,
    ///     Outcome::HandlerError,
    ///     Outcome::Unauthorized,
    ///     Outcome::BadRequest,
    ///     Outcome::TooLarge,
    /// ]
    /// .map(|outcome| outcome.as_str());
    /// assert_eq!(
    ///     names,
    ///     ["accepted", "nothing_to_hand_over", "handler_failed", "handler_error", "unauthorized", "bad_request", "too_large"]
    /// );
    /// ```
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Accepted => "accepted",
            Self::NothingToHandOver => "nothing_to_hand_over",
            Self::HandlerFailed => "handler_failed",
            Self::HandlerError => "handler_error",
            Self::Unauthorized => "unauthorized",
            Self::BadRequest => "bad_request",
            Self::TooLarge => "too_large",
        }
    }

    /// Whether Adyen was told `[accepted]` (or the inner service's own `2xx`).
    ///
    /// ```
    /// use tower_adyen_webhook::Outcome;
    ///
    /// assert!(Outcome::Accepted.is_acknowledged());
    /// assert!(Outcome::NothingToHandOver.is_acknowledged());
    /// assert!(!Outcome::HandlerFailed.is_acknowledged());
    /// ```
    pub fn is_acknowledged(self) -> bool {
        matches!(self, Self::Accepted | Self::NothingToHandOver)
    }
}

impl fmt::Display for Outcome {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One request's verdict, passed to the callback set with
/// [`VerifyWebhookLayer::on_verdict`](crate::VerifyWebhookLayer::on_verdict) once the response is
/// decided. It holds nothing from the body but counts.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct Verdict<'a> {
    /// What became of the request.
    pub outcome: Outcome,
    /// Why it was refused, as a stable code (`basic_auth`, `missing_signature`,
    /// `malformed_signature`, `signature_mismatch`, `several_signatures`, `unsigned_event`,
    /// `malformed_body`, `body_failed`, `body_too_large`, `too_many_items`); `None` when it was
    /// not.
    pub reason: Option<&'static str>,
    /// The items of a standard request (verified and rejected); 0 for other webhooks.
    pub items: usize,
    /// How many of them failed verification.
    pub rejected_items: usize,
    /// The check value of the key that verified the request (the first verified item's key, for
    /// standard notifications), if one did.
    pub kcv: Option<&'a str>,
    /// From the request's arrival at the layer to the response.
    pub elapsed: Duration,
}

/// The callback of [`VerifyWebhookLayer::on_verdict`](crate::VerifyWebhookLayer::on_verdict).
pub(crate) type OnVerdict = Arc<dyn Fn(&Verdict<'_>) + Send + Sync>;

/// When each key of a layer last verified a webhook, from
/// [`VerifyWebhookLayer::key_usage`](crate::VerifyWebhookLayer::key_usage): the way to tell when
/// the previous key of a rotation can go (once nothing has needed it for a while).
///
/// Cloning is cheap: every clone, and every service the layer made, share the same times.
///
/// ```
/// use tower_adyen_webhook::{HmacKeys, VerifyWebhookLayer};
///
/// let keys: HmacKeys = "00727DB817A85C8503AD29EAD1523DB869AF0E536893BB3046C92DE7CB045CB1,\
///                       DFB1EB5485895CFA84146406857104ABB4CBCABDC8AAF103A624C8F6A3EAAB00"
///     .parse()?;
/// let layer = VerifyWebhookLayer::notifications(keys);
/// let usage = layer.key_usage();
/// for key in usage.iter() {
///     // Nothing verified yet.
///     assert_eq!(key.last_verified, None);
///     println!("key {} (KCV {}): never used", key.index, key.kcv);
/// }
/// assert_eq!(usage.iter().map(|key| key.kcv).collect::<Vec<_>>()[0], "9540DA");
/// # Ok::<_, tower_adyen_webhook::KeyError>(())
/// ```
#[derive(Clone)]
pub struct KeyUsage {
    keys: Arc<[KeySlot]>,
}

struct KeySlot {
    kcv: String,
    /// Milliseconds since the Unix epoch of the last verification; 0 for never.
    last_ms: AtomicU64,
}

/// One key's use, from [`KeyUsage::iter`].
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct KeyUse<'a> {
    /// Its position in the layer's keys (0 is the first, the current key).
    pub index: usize,
    /// Its check value, as the Customer Area shows it.
    pub kcv: &'a str,
    /// When it last verified a webhook (a standard item or a header-signed body), to the
    /// millisecond; `None` if it never has since the layer was built.
    pub last_verified: Option<SystemTime>,
}

impl KeyUsage {
    pub(crate) fn new(keys: &HmacKeys) -> Self {
        Self {
            keys: keys
                .iter()
                .map(|key| KeySlot {
                    kcv: key.check_value().to_owned(),
                    last_ms: AtomicU64::new(0),
                })
                .collect(),
        }
    }

    /// Each key, in the layer's order, with when it last verified something.
    pub fn iter(&self) -> impl Iterator<Item = KeyUse<'_>> {
        self.keys.iter().enumerate().map(|(index, slot)| KeyUse {
            index,
            kcv: &slot.kcv,
            last_verified: match slot.last_ms.load(Ordering::Relaxed) {
                0 => None,
                ms => Some(UNIX_EPOCH + Duration::from_millis(ms)),
            },
        })
    }

    /// Records that key `index` verified something now.
    pub(crate) fn touch(&self, index: usize, now: SystemTime) {
        if let Some(slot) = self.keys.get(index) {
            let ms = now.duration_since(UNIX_EPOCH).map_or(1, |d| {
                u64::try_from(d.as_millis()).unwrap_or(u64::MAX).max(1)
            });
            // Nearly every request comes within the millisecond of the last one: a load leaves
            // the cache line shared between the cores that serve them, and only a new
            // millisecond writes it.
            if ms > slot.last_ms.load(Ordering::Relaxed) {
                slot.last_ms.fetch_max(ms, Ordering::Relaxed);
            }
        }
    }

    pub(crate) fn kcv(&self, index: usize) -> Option<&str> {
        self.keys.get(index).map(|slot| slot.kcv.as_str())
    }
}

impl fmt::Debug for KeyUsage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.iter()).finish()
    }
}

/// What verification found in one request, for the verdict.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct Tally {
    pub(crate) items: usize,
    pub(crate) rejected_items: usize,
    /// The key that verified the request (the first verified item's).
    pub(crate) key: Option<usize>,
}

/// Reports a finished request: to the callback, and with the `metrics` feature to the `metrics`
/// facade.
pub(crate) fn report(
    on_verdict: Option<&OnVerdict>,
    usage: &KeyUsage,
    mode: &'static str,
    outcome: Outcome,
    reason: Option<&'static str>,
    tally: &Tally,
    elapsed: Duration,
) {
    let kcv = tally.key.and_then(|index| usage.kcv(index));
    #[cfg(feature = "metrics")]
    {
        metrics::counter!(
            "adyen_webhook_requests_total",
            "outcome" => outcome.as_str(),
            "reason" => reason.unwrap_or(""),
            "kind" => mode,
        )
        .increment(1);
        metrics::histogram!(
            "adyen_webhook_request_duration_seconds",
            "outcome" => outcome.as_str(),
            "kind" => mode,
        )
        .record(elapsed.as_secs_f64());
    }
    #[cfg(not(feature = "metrics"))]
    let _ = mode;
    if let Some(on_verdict) = on_verdict {
        on_verdict(&Verdict {
            outcome,
            reason,
            items: tally.items,
            rejected_items: tally.rejected_items,
            kcv,
            elapsed,
        });
    }
}

/// Counts verified and rejected items, and what verified them, with the `metrics` feature.
#[cfg(feature = "metrics")]
pub(crate) fn count_items(verified: u64, rejected: &[crate::RejectedItem]) {
    if verified > 0 {
        metrics::counter!("adyen_webhook_items_total", "verdict" => "verified", "reason" => "")
            .increment(verified);
    }
    for item in rejected {
        metrics::counter!(
            "adyen_webhook_items_total",
            "verdict" => "rejected",
            "reason" => item.error.as_str(),
        )
        .increment(1);
    }
}

/// Counts one verification by the key of check value `kcv`, with the `metrics` feature.
#[cfg(feature = "metrics")]
pub(crate) fn count_key(kcv: &str) {
    metrics::counter!("adyen_webhook_verified_total", "kcv" => kcv.to_owned()).increment(1);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_key_keeps_its_latest_time() {
        let keys: HmacKeys = "00727DB817A85C8503AD29EAD1523DB869AF0E536893BB3046C92DE7CB045CB1"
            .parse()
            .unwrap();
        let usage = KeyUsage::new(&keys);
        let later = UNIX_EPOCH + Duration::from_millis(2_000_000);
        usage.touch(0, later);
        usage.touch(0, UNIX_EPOCH + Duration::from_millis(1_000_000));
        usage.touch(7, later); // no such key: ignored
        let latest = later + Duration::from_millis(1);
        usage.touch(0, latest);
        usage.touch(0, later);
        assert_eq!(usage.iter().next().unwrap().last_verified, Some(latest));
        let usage = KeyUsage::new(&keys);
        usage.touch(0, later);
        let uses: Vec<_> = usage.iter().collect();
        assert_eq!(uses.len(), 1);
        assert_eq!(uses[0].last_verified, Some(later));
        assert_eq!((uses[0].index, uses[0].kcv), (0, "9540DA"));
        assert_eq!(usage.kcv(0), Some("9540DA"));
        assert_eq!(usage.kcv(1), None);
        assert!(format!("{usage:?}").contains("9540DA"));
        // Before the epoch, as a wrong clock may say: still "used".
        let usage = KeyUsage::new(&keys);
        usage.touch(0, UNIX_EPOCH - Duration::from_secs(1));
        assert!(usage.iter().next().unwrap().last_verified.is_some());
    }
}
