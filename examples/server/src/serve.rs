//! Serving HTTP to strangers: hyper with a timer, so that every connection is bounded in time,
//! in number and in what it can make the process hold.
//!
//! `axum::serve` runs hyper without a timer: a request head sent one byte a second is read for
//! ever, an idle socket is kept for ever, and a graceful shutdown waits for ever on one
//! half-sent head. Here:
//!
//! - a connection must send each request head within [`Limits::header_read_timeout`], counted
//!   from when the server waits for it, so an idle keep-alive connection is closed then too;
//! - a connection on which no byte moves for [`Limits::idle_timeout`] is closed, whatever it is
//!   doing (a client that stops reading its response);
//! - at most [`Limits::max_connections`] connections are open across all listeners; further
//!   ones wait in the kernel's backlog instead of using file descriptors (a deep one: see
//!   [`bind`]), and the limit is lowered at start to fit the process's file-descriptor limit
//!   ([`fit_to_fd_limit`]);
//! - a failed `accept` (out of file descriptors) is logged at most once a second and retried,
//!   never fatal;
//! - a graceful shutdown lets requests in flight finish for [`Limits::shutdown_deadline`], then
//!   drops the connections left. Nothing acknowledged is lost by that: a webhook is
//!   acknowledged only once stored, and a request dropped before that is delivered again.

use std::io;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use axum::Router;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::service::TowerToHyperService;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpSocket, TcpStream};
use tokio::sync::{watch, Semaphore};
use tokio::task::JoinHandle;

use crate::config::Limits;

/// File descriptors kept for everything but client connections: database connections, the
/// listeners, log files, the runtime.
const RESERVED_FDS: u64 = 64;

/// How many connections the kernel queues on a listener until the server takes them up.
///
/// Past `MAX_CONNECTIONS`, connections wait there. `TcpListener::bind` asks for 128, as the
/// standard library does: a few hundred idle sockets fill that, and every connection after
/// them, Adyen's included, has its SYN dropped and waits for the client to send it again
/// (a second, then three...). The kernel caps this at `net.core.somaxconn`.
pub const LISTEN_BACKLOG: u32 = 1024;

/// A listener on `address` with a backlog of [`LISTEN_BACKLOG`].
pub fn bind(address: SocketAddr) -> io::Result<TcpListener> {
    let socket = match address {
        SocketAddr::V4(_) => TcpSocket::new_v4()?,
        SocketAddr::V6(_) => TcpSocket::new_v6()?,
    };
    // As TcpListener::bind does: a restarted server gets its port back at once.
    socket.set_reuseaddr(true)?;
    socket.bind(address)?;
    socket.listen(LISTEN_BACKLOG)
}

/// Raises the soft file-descriptor limit to the hard one where allowed, and returns `limits`
/// with `max_connections` lowered, if needed, to fit below it.
pub fn fit_to_fd_limit(mut limits: Limits) -> Limits {
    let available = match rlimit::increase_nofile_limit(u64::MAX) {
        Ok(soft) => soft,
        Err(error) => {
            tracing::warn!(%error, "cannot read the file-descriptor limit");
            return limits;
        }
    };
    let fit = usize::try_from(available.saturating_sub(RESERVED_FDS).max(1)).unwrap_or(usize::MAX);
    if fit < limits.max_connections {
        tracing::warn!(
            fd_limit = available,
            max_connections = fit,
            configured = limits.max_connections,
            "MAX_CONNECTIONS lowered to fit the file-descriptor limit (raise it with ulimit -n)"
        );
        limits.max_connections = fit;
    }
    limits
}

/// Listeners being served. Stop them with [`Serving::shutdown`].
#[derive(Debug)]
pub struct Serving {
    stop: watch::Sender<bool>,
    kill: watch::Sender<bool>,
    connections: Arc<Semaphore>,
    max_connections: usize,
    deadline: Duration,
    accepting: Vec<JoinHandle<()>>,
}

/// Serves each router on its listener, within `limits`.
pub fn serve(listeners: Vec<(TcpListener, Router)>, limits: &Limits) -> Serving {
    let (stop, stop_rx) = watch::channel(false);
    let (kill, kill_rx) = watch::channel(false);
    let max_connections = limits.max_connections.max(1);
    let connections = Arc::new(Semaphore::new(max_connections));
    let accepting = listeners
        .into_iter()
        .map(|(listener, router)| {
            tokio::spawn(accept_loop(
                listener,
                router,
                limits.clone(),
                connections.clone(),
                stop_rx.clone(),
                kill_rx.clone(),
            ))
        })
        .collect();
    Serving {
        stop,
        kill,
        connections,
        max_connections,
        deadline: limits.shutdown_deadline,
        accepting,
    }
}

impl Serving {
    /// How many connections are open now.
    pub fn open_connections(&self) -> usize {
        self.max_connections - self.connections.available_permits()
    }

    /// Stops accepting, lets open connections finish their requests (idle ones are closed at
    /// once) until the deadline, then drops the rest. Returns how many were dropped.
    pub async fn shutdown(mut self) -> usize {
        let _ = self.stop.send(true);
        for accepting in &mut self.accepting {
            let _ = accepting.await;
        }
        let deadline = Instant::now() + self.deadline;
        while self.open_connections() > 0 && Instant::now() < deadline {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        let dropped = self.open_connections();
        if dropped > 0 {
            tracing::warn!(
                connections = dropped,
                "shutdown deadline reached: dropping the connections still open (nothing they \
                 sent was acknowledged; Adyen delivers it again)"
            );
            let _ = self.kill.send(true);
            // Each connection's task drops it as soon as it sees the signal.
            let wait = Instant::now() + Duration::from_secs(1);
            while self.open_connections() > 0 && Instant::now() < wait {
                tokio::time::sleep(Duration::from_millis(10)).await;
            }
        }
        dropped
    }
}

async fn accept_loop(
    listener: TcpListener,
    router: Router,
    limits: Limits,
    connections: Arc<Semaphore>,
    mut stop: watch::Receiver<bool>,
    kill: watch::Receiver<bool>,
) {
    let mut last_error_logged: Option<Instant> = None;
    loop {
        // A permit first: past the limit, connections wait in the backlog, not in the process.
        let permit = tokio::select! {
            permit = connections.clone().acquire_owned() => match permit {
                Ok(permit) => permit,
                Err(_) => return,
            },
            () = signalled(&mut stop) => return,
        };
        let stream = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => stream,
                Err(error) => {
                    if !matches!(last_error_logged, Some(at) if at.elapsed() < Duration::from_secs(1)) {
                        tracing::warn!(%error, "accept failed; retrying");
                        last_error_logged = Some(Instant::now());
                    }
                    // Out of file descriptors, typically: give the connections that hold them
                    // a moment to close.
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            () = signalled(&mut stop) => return,
        };
        let _ = stream.set_nodelay(true);
        let router = router.clone();
        let limits = limits.clone();
        let stop = stop.clone();
        let kill = kill.clone();
        tokio::spawn(async move {
            serve_connection(stream, router, &limits, stop, kill).await;
            drop(permit);
        });
    }
}

async fn serve_connection(
    stream: TcpStream,
    router: Router,
    limits: &Limits,
    mut stop: watch::Receiver<bool>,
    mut kill: watch::Receiver<bool>,
) {
    let started = Instant::now();
    let activity = Arc::new(AtomicU64::new(0));
    let io = TokioIo::new(Tracked {
        stream,
        started,
        activity: activity.clone(),
    });
    let mut builder = hyper::server::conn::http1::Builder::new();
    builder
        .timer(TokioTimer::new())
        .header_read_timeout(limits.header_read_timeout)
        .keep_alive(true);
    let connection = builder.serve_connection(io, TowerToHyperService::new(router));
    tokio::pin!(connection);
    let tick = (limits.idle_timeout / 4).clamp(Duration::from_millis(50), Duration::from_secs(1));
    let mut stopping = false;
    loop {
        tokio::select! {
            _ = &mut connection => return,
            () = signalled(&mut stop), if !stopping => {
                stopping = true;
                // Closes the connection once its request in flight, if any, is answered.
                connection.as_mut().graceful_shutdown();
            }
            () = signalled(&mut kill) => return,
            () = tokio::time::sleep(tick) => {
                let last = Duration::from_millis(activity.load(Ordering::Relaxed));
                if started.elapsed().saturating_sub(last) >= limits.idle_timeout {
                    tracing::debug!("closing a connection idle for {:?}", limits.idle_timeout);
                    return;
                }
            }
        }
    }
}

/// Resolves once `signal` turns `true` (or its sender is gone).
async fn signalled(signal: &mut watch::Receiver<bool>) {
    let _ = signal.wait_for(|on| *on).await;
}

/// A TCP stream that notes when a byte last moved, for the idle timeout.
struct Tracked {
    stream: TcpStream,
    started: Instant,
    /// Milliseconds from `started` to the last read or write that moved bytes.
    activity: Arc<AtomicU64>,
}

impl Tracked {
    fn touch(&self) {
        let now = u64::try_from(self.started.elapsed().as_millis()).unwrap_or(u64::MAX);
        self.activity.store(now, Ordering::Relaxed);
    }
}

impl AsyncRead for Tracked {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let before = buf.filled().len();
        let poll = Pin::new(&mut self.stream).poll_read(cx, buf);
        if buf.filled().len() > before {
            self.touch();
        }
        poll
    }
}

impl AsyncWrite for Tracked {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let poll = Pin::new(&mut self.stream).poll_write(cx, buf);
        if matches!(poll, Poll::Ready(Ok(n)) if n > 0) {
            self.touch();
        }
        poll
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.stream).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.stream).poll_shutdown(cx)
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        let poll = Pin::new(&mut self.stream).poll_write_vectored(cx, bufs);
        if matches!(poll, Poll::Ready(Ok(n)) if n > 0) {
            self.touch();
        }
        poll
    }

    fn is_write_vectored(&self) -> bool {
        self.stream.is_write_vectored()
    }
}
