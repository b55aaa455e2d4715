//! Starting and stopping the whole server: the HTTP endpoints and the worker, on one store (the
//! worker on its own connection to it: see [`Store::for_worker`]).

use std::io;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use tokio::net::TcpListener;
use tokio::sync::{watch, Notify};
use tokio::task::JoinHandle;

use crate::app;
use crate::config::Config;
use crate::payments::Effects;
use crate::store::Store;
use crate::worker::{Worker, WorkerConfig};

/// How long shutdown waits for the worker to finish the notification in hand. Past that it is
/// stopped where it is: nothing is lost, its lease runs out and the next start resumes it.
pub const WORKER_SHUTDOWN_GRACE: Duration = Duration::from_secs(10);

/// A running server. Stop it with [`Running::shutdown`].
#[derive(Debug)]
pub struct Running {
    address: SocketAddr,
    store: Store,
    shutdown: watch::Sender<bool>,
    http: JoinHandle<io::Result<()>>,
    worker: JoinHandle<()>,
    worker_grace: Duration,
}

/// Serves `config`'s endpoints on `listener` and starts a worker that carries out actions with
/// `effects`.
pub fn start<E: Effects>(
    config: &Config,
    store: Store,
    listener: TcpListener,
    effects: E,
    worker_config: WorkerConfig,
) -> io::Result<Running> {
    let address = listener.local_addr()?;
    let wake = Arc::new(Notify::new());
    let (shutdown, stop) = watch::channel(false);

    let worker = Worker::new(store.for_worker(), effects, worker_config, wake.clone());
    let worker = tokio::spawn(worker.run(stop.clone()));

    let router = app::router(config, store.clone(), wake);
    let mut stop_http = stop;
    let http = tokio::spawn(async move {
        axum::serve(listener, router)
            .with_graceful_shutdown(async move {
                let _ = stop_http.wait_for(|stop| *stop).await;
            })
            .await
    });

    Ok(Running {
        address,
        store,
        shutdown,
        http,
        worker,
        worker_grace: WORKER_SHUTDOWN_GRACE,
    })
}

impl Running {
    /// The address the server listens on.
    pub fn local_addr(&self) -> SocketAddr {
        self.address
    }

    /// `http://ADDRESS` + `path`.
    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.address)
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
    /// of its notifications or none), lets the worker finish the notification in hand, and
    /// closes the store.
    pub async fn shutdown(self) -> io::Result<()> {
        let _ = self.shutdown.send(true);
        let http = match self.http.await {
            Ok(result) => result,
            Err(join_error) => Err(io::Error::other(join_error)),
        };
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
        self.store.close().await;
        http
    }
}
