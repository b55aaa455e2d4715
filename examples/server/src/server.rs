//! Starting and stopping the whole server: the webhook and admin listeners, the worker and the
//! [key watch](crate::keys), on one store (the worker on its own connection to it: see
//! [`Store::for_worker`]).

use std::io;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use tokio::net::TcpListener;
use tokio::sync::{watch, Notify};
use tokio::task::JoinHandle;

use crate::app;
use crate::config::Config;
use crate::keys::KeyWatch;
use crate::page::RecentDeliveries;
use crate::payments::Effects;
use crate::replay::Replay;
use crate::serve::{self, Serving};
use crate::store::Store;
use crate::worker::{Worker, WorkerConfig};

/// How long shutdown waits for the worker to finish the notification in hand. Past that it is
/// stopped where it is: nothing is lost, its lease runs out and the next start resumes it.
pub const WORKER_SHUTDOWN_GRACE: Duration = Duration::from_secs(10);

/// How long shutdown waits for the last write of the keys' use.
const KEY_WATCH_GRACE: Duration = Duration::from_secs(5);

/// A running server. Stop it with [`Running::shutdown`].
#[derive(Debug)]
pub struct Running {
    address: SocketAddr,
    admin_address: SocketAddr,
    store: Store,
    shutdown: watch::Sender<bool>,
    serving: Serving,
    worker: JoinHandle<()>,
    /// Writes the keys' last use to the store: see [`KeyWatch`].
    key_watch: JoinHandle<()>,
    worker_grace: Duration,
}

/// The server's two listening sockets.
#[derive(Debug)]
pub struct Listeners {
    /// Where Adyen delivers webhooks: the port a tunnel or load balancer exposes.
    pub webhook: TcpListener,
    /// Where people reach the JSON API: never exposed.
    pub admin: TcpListener,
}

/// Serves `config`'s endpoints on `listeners` and starts a worker that carries out actions with
/// `effects`.
pub fn start<E: Effects>(
    config: &Config,
    store: Store,
    listeners: Listeners,
    effects: E,
    worker_config: WorkerConfig,
) -> io::Result<Running> {
    let address = listeners.webhook.local_addr()?;
    let admin_address = listeners.admin.local_addr()?;
    let wake = Arc::new(Notify::new());
    let (shutdown, stop) = watch::channel(false);

    let worker = Worker::new(store.for_worker(), effects, worker_config, wake.clone());
    let heartbeat = worker.heartbeat();
    let replay = Arc::new(worker.replayer(store.clone()));
    let worker = tokio::spawn(worker.run(stop.clone()));

    let deliveries = RecentDeliveries::default();
    let (webhook, keys) =
        app::webhook_router(config, store.clone(), wake.clone(), deliveries.clone())
            .map_err(|error| io::Error::new(io::ErrorKind::InvalidInput, error))?;
    let key_watch = KeyWatch::new(store.clone(), keys.clone(), config.key_watch);
    let key_watch = tokio::spawn(key_watch.run(stop.clone()));
    let admin = app::admin_router(
        config,
        store.clone(),
        wake,
        heartbeat,
        keys,
        deliveries,
        admin_address,
    )
    .layer(axum::Extension(replay as Arc<dyn Replay>));
    let serving = serve::serve(
        vec![(listeners.webhook, webhook), (listeners.admin, admin)],
        &config.limits,
    );

    Ok(Running {
        address,
        admin_address,
        store,
        shutdown,
        serving,
        worker,
        key_watch,
        worker_grace: WORKER_SHUTDOWN_GRACE,
    })
}

impl Running {
    /// The address the webhook listener listens on.
    pub fn local_addr(&self) -> SocketAddr {
        self.address
    }

    /// The address the admin listener listens on.
    pub fn admin_addr(&self) -> SocketAddr {
        self.admin_address
    }

    /// `http://ADDRESS` + `path`, on the webhook listener.
    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.address)
    }

    /// `http://ADDRESS` + `path`, on the admin listener.
    pub fn admin_url(&self, path: &str) -> String {
        format!("http://{}{path}", self.admin_address)
    }

    /// The store.
    pub fn store(&self) -> &Store {
        &self.store
    }

    /// Sets how long [`Running::shutdown`] waits for the worker (default
    /// [`WORKER_SHUTDOWN_GRACE`]).
    pub fn set_worker_grace(&mut self, grace: Duration) {
        self.worker_grace = grace;
    }

    /// Stops accepting connections, lets the requests in flight finish (each one stores all
    /// of its notifications or none) until the shutdown deadline, drops the connections still
    /// open then, lets the worker finish the notification in hand, and closes the store.
    pub async fn shutdown(self) -> io::Result<()> {
        let _ = self.shutdown.send(true);
        self.serving.shutdown().await;
        let mut worker = self.worker;
        if tokio::time::timeout(self.worker_grace, &mut worker)
            .await
            .is_err()
        {
            tracing::warn!(
                "the worker did not finish within {:?}; stopping it: the notification it was \
                 processing will be resumed once its lease runs out",
                self.worker_grace
            );
            worker.abort();
            let _ = worker.await;
        }
        // Its last flush: the keys' use since the previous one.
        let mut key_watch = self.key_watch;
        if tokio::time::timeout(KEY_WATCH_GRACE, &mut key_watch)
            .await
            .is_err()
        {
            tracing::warn!("the keys' last use could not be written in time");
            key_watch.abort();
        }
        self.store.close().await;
        Ok(())
    }
}
