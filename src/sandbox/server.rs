//! Starting and stopping a sandbox: binds the listeners, runs one accept loop per listener
//! and one task per connection, and hands back a [`SandboxHandle`] to inspect and stop it.
//!
//! Shutdown: a watch channel tells the accept loops to stop and every session to send
//! `421 4.3.2` and close; each task holds a clone of an mpsc sender, so when the receiver
//! sees the channel closed, all of them are gone.
//!
//! Layer: sandbox (server side); tokio.

use std::fmt;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use tokio::net::TcpListener;
use tokio::sync::{Semaphore, broadcast, mpsc, watch};

use super::SandboxError;
use super::behaviours::{RuntimePolicy, seed_from_time};
use super::config::{Credentials, SandboxConfig};
use super::conn::{self, LogEvent, Shared, Stats};
use super::replies;
use super::session::SessionSettings;
use super::store::{Maildir, StoredMessage};
use super::tls::{self, TlsSetup};

/// Log events kept for slow subscribers before they start missing some.
const LOG_CAPACITY: usize = 16 * 1024;
/// Stored-message notifications kept for slow subscribers.
const MESSAGE_CAPACITY: usize = 1024;
/// How long shutdown waits for sessions to say goodbye.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(5);

/// Starts a sandbox server in this tokio runtime.
pub async fn start(config: SandboxConfig) -> Result<SandboxHandle, SandboxError> {
    let tls = tls::setup(
        &config.tls,
        &config.hostname,
        config.ca_out.as_deref(),
        config.client_ca.as_deref(),
    )?;
    let maildir = Maildir::open(config.maildir.clone()).map_err(|source| SandboxError::Write {
        path: config.maildir.clone().unwrap_or_else(std::env::temp_dir),
        source,
    })?;
    let bind = |addr: SocketAddr| async move {
        TcpListener::bind(addr)
            .await
            .map_err(|source| SandboxError::Bind { addr, source })
    };
    let plain = bind(config.listen).await?;
    let implicit = match config.tls_listen {
        Some(addr) => Some(bind(addr).await?),
        None => None,
    };
    let local = |listener: &TcpListener, addr| {
        listener
            .local_addr()
            .map_err(|source| SandboxError::Bind { addr, source })
    };
    let plain_addr = local(&plain, config.listen)?;
    let tls_addr = match (&implicit, config.tls_listen) {
        (Some(listener), Some(addr)) => Some(local(listener, addr)?),
        _ => None,
    };

    let behaviours = &config.behaviours;
    let policy = RuntimePolicy::new(
        behaviours.greylist,
        behaviours.reject_rcpt.clone(),
        behaviours.tempfail_rate,
        config.seed.unwrap_or_else(seed_from_time),
    );
    let settings = SessionSettings {
        hostname: config.hostname.clone(),
        submission: config.submission,
        max_message_size: config.max_message_size,
        max_recipients: config.max_recipients,
        credentials: config.credentials.clone(),
        drop_after: behaviours
            .drop_after
            .as_ref()
            .map(|verb| verb.trim().to_ascii_uppercase()),
        local_domains: behaviours
            .local_domains
            .iter()
            .map(|d| d.trim().to_ascii_lowercase())
            .collect(),
        lenient_eod: behaviours.lenient_eod,
        no_esmtp: behaviours.no_esmtp,
    };
    let maildir_path = maildir.path().to_path_buf();
    let TlsSetup {
        acceptor,
        ca_pem_path,
        ..
    } = &tls;
    let shared = Arc::new(Shared {
        settings: Arc::new(settings),
        policy: Arc::new(policy),
        maildir,
        acceptor: acceptor.clone(),
        idle_timeout: config.idle_timeout,
        greeting_delay: behaviours.greeting_delay,
        slow_reply: behaviours.slow_reply,
        accept_proxy_header: behaviours.accept_proxy_header,
        print_log: config.print_log,
        log: broadcast::channel(LOG_CAPACITY).0,
        messages: broadcast::channel(MESSAGE_CAPACITY).0,
        stats: Stats::default(),
    });
    let (stop, stopped) = watch::channel(false);
    let (alive, all_done) = mpsc::channel::<()>(1);
    let slots = Arc::new(Semaphore::new(config.max_connections.max(1)));
    let next_conn = Arc::new(AtomicU64::new(0));
    let mut listeners = vec![(plain, false)];
    listeners.extend(implicit.map(|l| (l, true)));
    for (listener, implicit_tls) in listeners {
        let accept = AcceptLoop {
            listener,
            implicit_tls,
            shared: shared.clone(),
            stop: stopped.clone(),
            alive: alive.clone(),
            slots: slots.clone(),
            next_conn: next_conn.clone(),
        };
        tokio::spawn(accept.run());
    }
    Ok(SandboxHandle {
        plain_addr,
        tls_addr,
        ca_pem_path: ca_pem_path.clone(),
        maildir: maildir_path,
        credentials: config.credentials,
        shared,
        stop,
        all_done,
        _tls: tls,
    })
}

struct AcceptLoop {
    listener: TcpListener,
    implicit_tls: bool,
    shared: Arc<Shared>,
    stop: watch::Receiver<bool>,
    alive: mpsc::Sender<()>,
    slots: Arc<Semaphore>,
    next_conn: Arc<AtomicU64>,
}

impl AcceptLoop {
    async fn run(mut self) {
        loop {
            let local = self
                .listener
                .local_addr()
                .unwrap_or(([0, 0, 0, 0], 0).into());
            let shared = self.shared.clone();
            let (tcp, peer) = tokio::select! {
                _ = self.stop.wait_for(|stop| *stop) => return,
                pair = crate::net::accept::accept(&self.listener, |error| {
                    shared.log(0, local, format!("accept failed: {error} (backing off)"));
                }) => pair,
            };
            // Replies are small writes: with Nagle on, a reply that follows unacknowledged
            // data (TLS 1.3 session tickets) waits for the client's delayed ACK (~40 ms).
            let _ = tcp.set_nodelay(true);
            let conn = self.next_conn.fetch_add(1, Ordering::Relaxed) + 1;
            self.shared
                .stats
                .connections
                .fetch_add(1, Ordering::Relaxed);
            let Ok(permit) = self.slots.clone().try_acquire_owned() else {
                // Over the limit: one best-effort 421 without waiting, then close.
                self.shared
                    .stats
                    .refused_connections
                    .fetch_add(1, Ordering::Relaxed);
                let reply = replies::too_many_connections(&self.shared.settings.hostname);
                let _ = tcp.try_write(&reply.to_wire());
                self.shared
                    .log(conn, peer, "refused: too many connections".to_owned());
                continue;
            };
            let shared = self.shared.clone();
            let stop = self.stop.clone();
            let alive = self.alive.clone();
            let implicit_tls = self.implicit_tls;
            tokio::spawn(async move {
                conn::serve(shared, tcp, peer, conn, implicit_tls, stop).await;
                drop(permit);
                drop(alive);
            });
        }
    }
}

/// A running sandbox. Dropping it stops the server too (sessions get 421), but only
/// [`shutdown`](SandboxHandle::shutdown) waits for them and returns the summary.
pub struct SandboxHandle {
    plain_addr: SocketAddr,
    tls_addr: Option<SocketAddr>,
    ca_pem_path: PathBuf,
    maildir: PathBuf,
    credentials: Credentials,
    shared: Arc<Shared>,
    stop: watch::Sender<bool>,
    all_done: mpsc::Receiver<()>,
    /// Keeps the generated `ca.pem` on disk while running.
    _tls: TlsSetup,
}

impl fmt::Debug for SandboxHandle {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SandboxHandle")
            .field("plain_addr", &self.plain_addr)
            .field("tls_addr", &self.tls_addr)
            .field("maildir", &self.maildir)
            .finish_non_exhaustive()
    }
}

impl SandboxHandle {
    /// The plain listener (STARTTLS offered).
    pub fn plain_addr(&self) -> SocketAddr {
        self.plain_addr
    }

    /// The implicit-TLS listener, if one was configured.
    pub fn tls_addr(&self) -> Option<SocketAddr> {
        self.tls_addr
    }

    /// The PEM file a client should trust: the generated CA, or the given certificate.
    pub fn ca_pem_path(&self) -> &Path {
        &self.ca_pem_path
    }

    /// Where `.eml` files are written. A temporary one is removed at shutdown.
    pub fn maildir(&self) -> &Path {
        &self.maildir
    }

    /// The demo account AUTH accepts.
    pub fn credentials(&self) -> &Credentials {
        &self.credentials
    }

    /// Messages stored from now on. Subscribe before the clients send.
    pub fn messages(&self) -> MessageReceiver {
        MessageReceiver(self.shared.messages.subscribe())
    }

    /// The session log from now on (the same lines `print_log` prints).
    pub fn log_events(&self) -> broadcast::Receiver<LogEvent> {
        self.shared.log.subscribe()
    }

    /// Counters so far.
    pub fn summary(&self) -> Summary {
        let stats = &self.shared.stats;
        Summary {
            connections: stats.connections.load(Ordering::Relaxed),
            refused_connections: stats.refused_connections.load(Ordering::Relaxed),
            messages: stats.messages.load(Ordering::Relaxed),
            octets: stats.octets.load(Ordering::Relaxed),
        }
    }

    /// Stops accepting, tells every session `421 4.3.2` and waits (a few seconds at most)
    /// for them to close.
    pub async fn shutdown(mut self) -> Summary {
        let _ = self.stop.send(true);
        // Every sender clone lives in an accept loop or a session task: `None` means all ended.
        let _ = tokio::time::timeout(SHUTDOWN_GRACE, self.all_done.recv()).await;
        self.summary()
    }
}

/// Receives [`StoredMessage`]s as sessions store them.
#[derive(Debug)]
pub struct MessageReceiver(broadcast::Receiver<StoredMessage>);

impl MessageReceiver {
    /// The next stored message; `None` once the server is gone. A receiver that fell more
    /// than 1024 messages behind skips the oldest.
    pub async fn recv(&mut self) -> Option<StoredMessage> {
        loop {
            match self.0.recv().await {
                Ok(message) => return Some(message),
                Err(broadcast::error::RecvError::Lagged(_)) => continue,
                Err(broadcast::error::RecvError::Closed) => return None,
            }
        }
    }
}

/// What a sandbox did, printed at shutdown.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Summary {
    pub connections: u64,
    pub refused_connections: u64,
    pub messages: u64,
    pub octets: u64,
}

impl fmt::Display for Summary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} connections ({} refused over the limit), {} messages stored, {} octets",
            self.connections, self.refused_connections, self.messages, self.octets
        )
    }
}
