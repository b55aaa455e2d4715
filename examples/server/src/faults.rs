//! Fault injection, for the tests that prove no notification is lost when things go wrong
//! (`tests/no_loss.rs`): the store failing a write, a panic, a write slow enough to time out.
//!
//! Off unless a test installs a [`FaultInjector`] with
//! [`Store::with_faults`](crate::store::Store::with_faults); the server itself never does. While
//! none is installed, each fault point costs one check of an `Option` and nothing else: no
//! allocation, no lock, no clock.
//!
//! [`FailWhileFileExists`] is the one seam a test can reach in the server's process: the
//! business logic fails while a file exists, so that a test of the binary can make a
//! notification fail, then "fix the bug" by removing the file. `main` installs it only when
//! [`FAIL_WHILE_FILE_EXISTS`] is set, and refuses to start with it in the live environment or on
//! an address other than loopback.
//!
//! The points sit where a real failure hurts most: before the notifications are written, with
//! them written but not committed, just after the commit (stored, yet the answer will not be a
//! 2xx), and in the worker's two writes.

use std::fmt;
use std::time::Duration;

/// Where in the store a fault can be injected.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum FaultPoint {
    /// [`Store::save`](crate::store::Store::save), before its transaction starts: nothing is
    /// written.
    SaveBegin,
    /// [`Store::save`](crate::store::Store::save), every item written, before the commit: the
    /// transaction is rolled back.
    SaveCommit,
    /// [`Store::save`](crate::store::Store::save), just after the commit: the notifications are
    /// stored, yet the webhook does not answer 2xx, so Adyen delivers them again and the
    /// redelivery must be recognised.
    SaveCommitted,
    /// [`Store::update_payment`](crate::store::Store::update_payment) (the worker), before the
    /// commit of the payment's new state.
    PaymentCommit,
    /// [`Store::mark_processed`](crate::store::Store::mark_processed) (the worker), before it
    /// writes: the business logic ran, the notification stays leased and is processed again
    /// once its lease runs out.
    MarkProcessed,
}

impl FaultPoint {
    /// Every point, in the order a notification meets them.
    pub const ALL: [FaultPoint; 5] = [
        Self::SaveBegin,
        Self::SaveCommit,
        Self::SaveCommitted,
        Self::PaymentCommit,
        Self::MarkProcessed,
    ];

    /// A short name for reports.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::SaveBegin => "save-begin",
            Self::SaveCommit => "save-commit",
            Self::SaveCommitted => "save-committed",
            Self::PaymentCommit => "payment-commit",
            Self::MarkProcessed => "mark-processed",
        }
    }
}

/// What happens at a fault point.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Fault {
    /// The store operation fails with an error, as on a full disk or a lost connection.
    Error,
    /// The code panics there (the message starts with [`PANIC_MESSAGE`]).
    Panic,
    /// The store operation stalls this long before going on, as behind a lock or a slow disk;
    /// longer than the request timeout, the webhook answers 503 and the handler is dropped
    /// where it stands.
    Delay(Duration),
}

/// The start of the message of an injected panic, so that a test can keep them out of its
/// output.
pub const PANIC_MESSAGE: &str = "injected fault";

/// Decides which faults happen. Called at every [`FaultPoint`] while installed.
pub trait FaultInjector: Send + Sync + fmt::Debug + 'static {
    /// The fault to inject at `point`, if any. `subject` says what is being written:
    /// `pspReference eventCode success` of the request's first item for the `Save*` points
    /// (`event KEY`, its deduplication key, for a header-signed webhook), the
    /// payment's key for [`FaultPoint::PaymentCommit`], the notification's id for
    /// [`FaultPoint::MarkProcessed`].
    fn fault(&self, point: FaultPoint, subject: &str) -> Option<Fault>;
}

/// The environment variable that makes the server's business logic fail while the file it
/// names exists: for tests of the binary only. Not a setting (not in `--help` or
/// `.env.example`); the server refuses to start with it unless it is in the test environment on
/// loopback, and warns at start when it is set.
pub const FAIL_WHILE_FILE_EXISTS: &str = "ADYEN_WEBHOOK_SERVER_TEST_FAIL_WHILE_FILE_EXISTS";

/// Effects that fail, while the file at `path` exists, with an error that names it, and are
/// `inner` otherwise.
#[derive(Clone, Debug)]
pub struct FailWhileFileExists<E> {
    /// The file whose existence makes every action fail.
    pub path: std::path::PathBuf,
    /// The effects carried out when it does not exist.
    pub inner: E,
}

impl<E: crate::payments::Effects> crate::payments::Effects for FailWhileFileExists<E> {
    async fn perform(
        &self,
        key: &str,
        action: &crate::payments::Action,
    ) -> Result<(), crate::payments::EffectError> {
        if self.path.exists() {
            return Err(format!(
                "{PANIC_MESSAGE}: the business logic fails while {} exists",
                self.path.display()
            )
            .into());
        }
        self.inner.perform(key, action).await
    }
}
