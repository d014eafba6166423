//! The connection driver: runs one [`Session`] over a socket. It reads into its own bounded
//! buffer, feeds the session, writes replies, applies the timing behaviours (greeting delay,
//! slow replies), stores accepted messages and upgrades to TLS.
//!
//! Security invariants:
//! - Bytes the client sent after STARTTLS, before the handshake, are discarded and logged —
//!   the server-side mirror of response injection ([RFC 3207 §6](https://www.rfc-editor.org/rfc/rfc3207#section-6),
//!   CVE-2011-0411 class). The plaintext stream is moved into the TLS acceptor, so nothing
//!   can be written in plaintext after the upgrade.
//! - Every read and write has the idle timeout ([RFC 5321 §4.5.3.2](https://www.rfc-editor.org/rfc/rfc5321#section-4.5.3.2));
//!   the input buffer never grows past one read beyond the session's line limit.
//!
//! Replies are buffered while more pipelined commands are waiting and flushed before the
//! next read ([RFC 2920 §3.2](https://www.rfc-editor.org/rfc/rfc2920#section-3.2)).
//!
//! Layer: sandbox (server side); tokio, tokio-rustls.

use std::fmt;
use std::io;
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::sync::{broadcast, watch};
use tokio::time::timeout;
use tokio_rustls::TlsAcceptor;

use crate::net::route::header::{ProxyClaim, parse_header};
use crate::proto::text::escape_bytes;

use super::behaviours::Policy;
use super::replies::{self, ServerReply};
use super::session::{Event, Session, SessionSettings};
use super::store::{Maildir, Spool, StoreError, StoredMessage};

/// Bytes asked for per read: large enough that a 100 MB message is not thousands of
/// select/timeout rounds more than needed (8 KiB cost measurably more CPU per message).
const READ_CHUNK: usize = 64 * 1024;
/// Most bytes kept from a client that talks before the greeting.
const MAX_EARLY_BYTES: usize = 16 * 1024;
/// How much of discarded injected bytes the log shows.
const SHOWN_INJECTION: usize = 200;

/// One line of the session log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogEvent {
    pub conn: u64,
    pub peer: SocketAddr,
    /// `C: …` for what the client sent, `S: …` for replies, anything else is a remark.
    pub text: String,
}

impl fmt::Display for LogEvent {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "[conn {} {}] {}", self.conn, self.peer, self.text)
    }
}

/// Counters for the summary printed at shutdown.
#[derive(Debug, Default)]
pub struct Stats {
    pub connections: AtomicU64,
    pub refused_connections: AtomicU64,
    pub messages: AtomicU64,
    pub octets: AtomicU64,
}

/// What every connection of one server shares.
pub struct Shared {
    pub settings: Arc<SessionSettings>,
    pub policy: Arc<dyn Policy>,
    pub maildir: Maildir,
    pub acceptor: TlsAcceptor,
    pub idle_timeout: Duration,
    pub greeting_delay: Duration,
    pub slow_reply: Duration,
    /// Read a PROXY protocol header first ([`Behaviours::accept_proxy_header`](super::Behaviours)).
    pub accept_proxy_header: bool,
    pub print_log: bool,
    pub log: broadcast::Sender<LogEvent>,
    pub messages: broadcast::Sender<StoredMessage>,
    pub stats: Stats,
}

impl Shared {
    pub fn log(&self, conn: u64, peer: SocketAddr, text: String) {
        let event = LogEvent { conn, peer, text };
        if self.print_log {
            println!("{event}");
        }
        // No subscriber is fine: the log is also printed, or nobody asked for it.
        let _ = self.log.send(event);
    }
}

/// Why a session phase ended.
enum End {
    StartTls,
    Closed(&'static str),
}

/// Why a connection ended on a failure of its own rather than by the session's course
/// (which is an [`End`]); the text goes into the log's "disconnected: …" line.
#[derive(Debug, thiserror::Error)]
enum ConnError {
    #[error("TLS handshake failed: {source}")]
    Handshake { source: io::Error },
    #[error("TLS handshake timed out")]
    HandshakeTimeout { after: Duration },
    #[error("read error: {source}")]
    Read { source: io::Error },
    #[error("write error: {source}")]
    Write { source: io::Error },
    #[error("write timed out")]
    WriteTimeout { after: Duration },
}

/// One connection: the session, its buffers and where to report.
struct Connection {
    shared: Arc<Shared>,
    session: Session,
    input: Vec<u8>,
    output: Vec<u8>,
    /// The message being received through DATA, written to disk as it arrives; the error
    /// if it could not be (reported with 451 at the end of the data).
    spool: Option<Result<Spool, StoreError>>,
    conn: u64,
    peer: SocketAddr,
    shutdown: watch::Receiver<bool>,
}

/// Serves one accepted TCP connection to the end.
pub async fn serve(
    shared: Arc<Shared>,
    tcp: TcpStream,
    peer: SocketAddr,
    conn: u64,
    implicit_tls: bool,
    shutdown: watch::Receiver<bool>,
) {
    let mut tcp = tcp;
    let peer = if shared.accept_proxy_header {
        match proxy_header(&mut tcp, shared.idle_timeout).await {
            Ok(claim) => {
                let (client, text) = match claim {
                    ProxyClaim::Relayed {
                        version, source, ..
                    } => (
                        source,
                        format!("PROXY {version} header: client {source} (relayed by {peer})"),
                    ),
                    ProxyClaim::Unknown { version } => (
                        peer,
                        format!(
                            "PROXY {version} header without a client address: the peer is the client"
                        ),
                    ),
                };
                shared.log(conn, peer, text);
                client
            }
            Err(reason) => {
                shared.log(conn, peer, format!("closed: {reason}"));
                return;
            }
        }
    } else {
        peer
    };
    let session = Session::new(shared.settings.clone(), peer, conn, implicit_tls);
    let mut connection = Connection {
        shared,
        session,
        input: Vec::new(),
        output: Vec::new(),
        spool: None,
        conn,
        peer,
        shutdown,
    };
    let how = if implicit_tls { " (implicit TLS)" } else { "" };
    connection.note(format!("connected{how}"));
    match connection.run(tcp, implicit_tls).await {
        Ok(reason) => connection.note(format!("disconnected: {reason}")),
        Err(error) => connection.note(format!("disconnected: {error}")),
    }
}

/// Reads the PROXY header that opens the connection, byte by byte so nothing after it is
/// taken from the session, within `wait`.
async fn proxy_header(tcp: &mut TcpStream, wait: Duration) -> Result<ProxyClaim, String> {
    let read = async {
        let mut bytes = Vec::new();
        let mut byte = [0u8; 1];
        loop {
            match parse_header(&bytes) {
                Ok(Some((claim, _))) => return Ok(claim),
                Ok(None) => {}
                Err(error) => return Err(error.to_string()),
            }
            match tcp.read(&mut byte).await {
                Ok(0) => return Err("the client closed before a whole PROXY header".to_owned()),
                Ok(_) => bytes.push(byte[0]),
                Err(error) => return Err(format!("reading the PROXY header: {error}")),
            }
        }
    };
    timeout(wait, read)
        .await
        .unwrap_or_else(|_| Err("no PROXY header in time".to_owned()))
}

impl Connection {
    fn note(&self, text: String) {
        self.shared.log(self.conn, self.peer, text);
    }

    /// Serves the connection until it ends: the reason it closed, or the failure that ended it.
    async fn run(
        &mut self,
        mut tcp: TcpStream,
        implicit_tls: bool,
    ) -> Result<&'static str, ConnError> {
        if implicit_tls {
            let mut tls = self.handshake(tcp).await?;
            return self.phase(&mut tls, true).await;
        }
        match self.phase_inner(&mut tcp, true).await? {
            End::StartTls => {}
            End::Closed(reason) => return Ok(reason),
        }
        if !self.input.is_empty() {
            let shown = escape_bytes(&self.input[..self.input.len().min(SHOWN_INJECTION)]);
            self.note(format!(
                "WARNING: discarded {} octets sent after STARTTLS before the TLS handshake \
                 (RFC 3207 §6, CVE-2011-0411 class): {shown}",
                self.input.len()
            ));
            self.input.clear();
        }
        let mut tls = self.handshake(tcp).await?;
        self.session.tls_started();
        self.phase(&mut tls, false).await
    }

    async fn handshake(
        &self,
        tcp: TcpStream,
    ) -> Result<tokio_rustls::server::TlsStream<TcpStream>, ConnError> {
        let after = self.shared.idle_timeout;
        match timeout(after, self.shared.acceptor.accept(tcp)).await {
            Ok(Ok(tls)) => {
                let (_, state) = tls.get_ref();
                let version = state
                    .protocol_version()
                    .map_or("?".to_owned(), |v| format!("{v:?}"));
                let suite = state
                    .negotiated_cipher_suite()
                    .map_or("?".to_owned(), |s| format!("{:?}", s.suite()));
                self.note(format!("TLS established: {version}, {suite}"));
                Ok(tls)
            }
            Ok(Err(source)) => Err(ConnError::Handshake { source }),
            Err(_) => Err(ConnError::HandshakeTimeout { after }),
        }
    }

    /// A phase that cannot be upgraded (already TLS).
    async fn phase<S: AsyncRead + AsyncWrite + Unpin>(
        &mut self,
        stream: &mut S,
        greet: bool,
    ) -> Result<&'static str, ConnError> {
        Ok(match self.phase_inner(stream, greet).await? {
            End::Closed(reason) => reason,
            End::StartTls => "STARTTLS inside TLS",
        })
    }

    async fn phase_inner<S: AsyncRead + AsyncWrite + Unpin>(
        &mut self,
        stream: &mut S,
        greet: bool,
    ) -> Result<End, ConnError> {
        if greet {
            if let Some(end) = self.greeting_delay(stream).await? {
                return Ok(end);
            }
            let greeting = self.session.greeting();
            self.queue(greeting).await;
        }
        let mut chunk = vec![0u8; READ_CHUNK];
        loop {
            if let Some(end) = self.process(stream).await? {
                return Ok(end);
            }
            self.flush(stream).await?;
            let read = tokio::select! {
                _ = self.shutdown.wait_for(|stop| *stop) => None,
                read = timeout(self.shared.idle_timeout, stream.read(&mut chunk)) => Some(read),
            };
            match read {
                None => {
                    return self
                        .close_with(
                            stream,
                            replies::shutting_down(&self.shared.settings.hostname),
                            "server shutting down",
                        )
                        .await;
                }
                Some(Err(_)) => {
                    return self
                        .close_with(
                            stream,
                            replies::idle_timeout(&self.shared.settings.hostname),
                            "idle timeout",
                        )
                        .await;
                }
                Some(Ok(Ok(0))) => return Ok(End::Closed("client closed the connection")),
                Some(Ok(Ok(n))) => self.input.extend_from_slice(&chunk[..n]),
                Some(Ok(Err(error))) if error.kind() == std::io::ErrorKind::UnexpectedEof => {
                    return Ok(End::Closed(
                        "client closed the connection (without TLS close_notify)",
                    ));
                }
                Some(Ok(Err(source))) => return Err(ConnError::Read { source }),
            }
        }
    }

    /// Feeds buffered input to the session until it needs more.
    async fn process<S: AsyncWrite + Unpin>(
        &mut self,
        stream: &mut S,
    ) -> Result<Option<End>, ConnError> {
        loop {
            let progress = self
                .session
                .advance(&self.input, self.shared.policy.as_ref());
            self.input.drain(..progress.consumed);
            let needs_input = progress.needs_input();
            for event in progress.events {
                match event {
                    Event::Reply(reply) => self.queue(reply).await,
                    Event::Client(text) => self.note(format!("C: {text}")),
                    Event::Note(text) => self.note(text),
                    Event::StartTls => {
                        self.flush(stream).await?;
                        return Ok(Some(End::StartTls));
                    }
                    Event::BeginMessage(envelope) => {
                        let begun = self
                            .shared
                            .maildir
                            .begin(&envelope, &self.shared.settings.hostname)
                            .await;
                        self.spool = Some(begun);
                    }
                    Event::Content(piece) => {
                        if let Some(Ok(spool)) = &mut self.spool {
                            if let Err(error) = spool.append(piece).await {
                                self.spool = Some(Err(error));
                            }
                        }
                    }
                    Event::Discard => self.spool = None,
                    Event::Deliver(envelope) => {
                        let stored = match self.spool.take() {
                            Some(Ok(spool)) => spool.finish(envelope.content).await,
                            Some(Err(error)) => Err(error),
                            None => {
                                self.shared
                                    .maildir
                                    .store(envelope, &self.shared.settings.hostname)
                                    .await
                            }
                        };
                        let reply = match &stored {
                            Ok(message) => self.session.delivered(Ok(&message.id)),
                            Err(error) => {
                                self.note(format!("ERROR: storing the message failed: {error}"));
                                self.session.delivered(Err(error))
                            }
                        };
                        if let Ok(message) = stored {
                            self.announce(message);
                        }
                        self.queue(reply).await;
                    }
                    Event::Close => {
                        self.flush(stream).await?;
                        let _ = stream.shutdown().await;
                        return Ok(Some(End::Closed("QUIT")));
                    }
                    Event::Drop => {
                        self.flush(stream).await?;
                        return Ok(Some(End::Closed("dropped (--drop-after)")));
                    }
                    Event::Delay(wait) => {
                        self.flush(stream).await?;
                        tokio::time::sleep(wait).await;
                    }
                    Event::CloseFor(reason) => {
                        self.flush(stream).await?;
                        let _ = stream.shutdown().await;
                        return Ok(Some(End::Closed(reason)));
                    }
                }
            }
            if needs_input || self.session.is_closed() {
                return Ok(None);
            }
        }
    }

    fn announce(&self, message: StoredMessage) {
        let stats = &self.shared.stats;
        stats.messages.fetch_add(1, Ordering::Relaxed);
        stats
            .octets
            .fetch_add(message.size as u64, Ordering::Relaxed);
        let from = if message.from.is_empty() {
            "<>".to_owned()
        } else {
            format!("<{}>", message.from)
        };
        let to: Vec<String> = message
            .recipients
            .iter()
            .map(|r| format!("<{r}>"))
            .collect();
        self.note(format!(
            "stored {} octets from {} to {} -> {}",
            message.size,
            escape_bytes(from.as_bytes()),
            escape_bytes(to.join(", ").as_bytes()),
            message.path.display()
        ));
        let _ = self.shared.messages.send(message);
    }

    /// Waits out `--greeting-delay`, keeping (and logging) what an early talker sends.
    async fn greeting_delay<S: AsyncRead + Unpin>(
        &mut self,
        stream: &mut S,
    ) -> Result<Option<End>, ConnError> {
        let delay = self.shared.greeting_delay;
        if delay.is_zero() {
            return Ok(None);
        }
        let sleep = tokio::time::sleep(delay);
        tokio::pin!(sleep);
        let mut chunk = vec![0u8; READ_CHUNK];
        while self.input.len() < MAX_EARLY_BYTES {
            let read = tokio::select! {
                _ = &mut sleep => return Ok(None),
                _ = self.shutdown.wait_for(|stop| *stop) => return Ok(Some(End::Closed("server shutting down"))),
                read = stream.read(&mut chunk) => read,
            };
            match read {
                Ok(0) => return Ok(Some(End::Closed("client closed the connection"))),
                Ok(n) => {
                    self.note(format!(
                        "client sent {n} octets before the greeting (early talker)"
                    ));
                    self.input.extend_from_slice(&chunk[..n]);
                }
                Err(source) => return Err(ConnError::Read { source }),
            }
        }
        sleep.await;
        Ok(None)
    }

    /// Appends a reply to the output (after `--slow-reply`) and logs it.
    async fn queue(&mut self, reply: ServerReply) {
        if !self.shared.slow_reply.is_zero() {
            tokio::time::sleep(self.shared.slow_reply).await;
        }
        for line in reply.wire_lines() {
            self.note(format!("S: {line}"));
        }
        self.output.extend_from_slice(&reply.to_wire());
    }

    async fn flush<S: AsyncWrite + Unpin>(&mut self, stream: &mut S) -> Result<(), ConnError> {
        if self.output.is_empty() {
            return Ok(());
        }
        let output = std::mem::take(&mut self.output);
        let write = async {
            stream.write_all(&output).await?;
            stream.flush().await
        };
        let after = self.shared.idle_timeout;
        match timeout(after, write).await {
            Ok(Ok(())) => Ok(()),
            Ok(Err(source)) => Err(ConnError::Write { source }),
            Err(_) => Err(ConnError::WriteTimeout { after }),
        }
    }

    /// Sends a 421 and closes ([RFC 5321 §3.8](https://www.rfc-editor.org/rfc/rfc5321#section-3.8)).
    async fn close_with<S: AsyncWrite + Unpin>(
        &mut self,
        stream: &mut S,
        reply: ServerReply,
        reason: &'static str,
    ) -> Result<End, ConnError> {
        self.queue(reply).await;
        self.flush(stream).await?;
        let _ = stream.shutdown().await;
        Ok(End::Closed(reason))
    }
}
