//! A connection to an SMTP server: TCP (every resolved address in turn, a timeout per
//! attempt), optionally TLS from the start ([RFC 8314 §3](https://www.rfc-editor.org/rfc/rfc8314#section-3))
//! or after STARTTLS ([RFC 3207 §4.2](https://www.rfc-editor.org/rfc/rfc3207#section-4.2)),
//! owning the [`ReplyReader`] that turns received bytes into replies.
//!
//! Security invariants:
//! - The upgrade *moves* the `TcpStream` into the TLS connector: after [`Connection::starttls`]
//!   plaintext can be neither written nor read on that connection.
//! - Bytes received before the TLS handshake but after the 220 to STARTTLS are response
//!   injection (CVE-2011-0411 class, [RFC 3207 §6](https://www.rfc-editor.org/rfc/rfc3207#section-6)):
//!   they are returned as an [`Injection`] finding and discarded, never parsed as replies of
//!   the TLS session. Bytes injected so late that they arrive after our ClientHello went out
//!   are read by rustls as TLS records; they fail the handshake, and the error shows them
//!   ([`NetError::plaintext`]). Either way nothing injected is ever treated as TLS-protected.
//!
//! Layer: transport.

use std::net::SocketAddr;
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use crate::proto::reply::{Limits, Reply, ReplyReader};

use super::error::{ConnectAttempt, NetError, Phase};
use super::route::{Opened, Route, RouteTaken};
use super::target::{AddressFamily, Target};
use super::tls::{self, ClientTls, TlsInfo, TlsOptions, TlsStart};

/// How to connect, and the limits that hold for the connection's lifetime.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConnectOptions {
    /// Per address tried.
    pub connect_timeout: Duration,
    pub resolve_timeout: Duration,
    /// How long a send may block (a server that stops reading).
    pub send_timeout: Duration,
    pub family: AddressFamily,
    pub limits: Limits,
    /// Direct or through a proxy, from which local address, with a PROXY header or not.
    pub route: Route,
}

impl Default for ConnectOptions {
    fn default() -> Self {
        ConnectOptions {
            connect_timeout: Duration::from_secs(10),
            resolve_timeout: Duration::from_secs(10),
            send_timeout: Duration::from_secs(30),
            family: AddressFamily::Any,
            limits: Limits::default(),
            route: Route::default(),
        }
    }
}

/// What a read produced. A closed connection is an outcome, not an error: servers close
/// after QUIT, after 421, or when they dislike us.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReadOutcome {
    Reply(Reply),
    /// The peer closed. An unfinished reply is kept, flagged unterminated by the parser.
    Closed {
        partial: Option<Reply>,
    },
}

/// Plaintext that was waiting when TLS was about to start: a security finding.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Injection {
    /// Exactly what was received (untrusted; escape before display).
    pub bytes: Vec<u8>,
}

impl Injection {
    /// The injected bytes read as replies (what a vulnerable client would have believed).
    pub fn replies(&self) -> Vec<Reply> {
        Reply::parse_all(&self.bytes).unwrap_or_default()
    }
}

enum Stream {
    Plain(TcpStream),
    Tls(Box<ClientTls>),
}

/// A plain or TLS connection with its reply buffer.
pub struct Connection {
    stream: Stream,
    reader: ReplyReader,
    target: Target,
    peer: SocketAddr,
    local: SocketAddr,
    send_timeout: Duration,
    limits: Limits,
    /// Addresses that failed before the one that worked.
    failed_attempts: Vec<ConnectAttempt>,
    /// What the route did (proxy, PROXY header), for notes.
    route: RouteTaken,
    /// From the start of name resolution to the TCP connection.
    opened_in: Duration,
    closed: bool,
}

impl std::fmt::Debug for Connection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Connection")
            .field("target", &self.target)
            .field("peer", &self.peer)
            .field("tls", &self.is_tls())
            .field("closed", &self.closed)
            .finish_non_exhaustive()
    }
}

fn io_error(during: Phase, source: std::io::Error) -> NetError {
    NetError::Io {
        during,
        partial: None,
        source,
    }
}

impl Connection {
    /// Resolves `target` and tries each address in turn until one accepts, the way
    /// `opts.route` says (through a proxy, from a local address, after a PROXY header).
    pub async fn connect(target: &Target, opts: &ConnectOptions) -> Result<Connection, NetError> {
        let started = std::time::Instant::now();
        let opened = opts
            .route
            .open(
                target,
                opts.family,
                opts.connect_timeout,
                opts.resolve_timeout,
                opts.send_timeout,
            )
            .await?;
        Connection::from_tcp(opened, target, opts, started.elapsed())
    }

    /// Connects and starts TLS at once (implicit TLS, [RFC 8314 §3](https://www.rfc-editor.org/rfc/rfc8314#section-3)),
    /// on any port.
    pub async fn connect_tls(
        target: &Target,
        opts: &ConnectOptions,
        tls: &TlsOptions,
    ) -> Result<(Connection, TlsInfo), NetError> {
        let plain = Connection::connect(target, opts).await?;
        plain.tls_on_connect(tls).await
    }

    /// Starts TLS on a connection just opened (implicit TLS on a connection made elsewhere,
    /// such as the winner of a Happy Eyeballs race).
    pub async fn tls_on_connect(self, tls: &TlsOptions) -> Result<(Connection, TlsInfo), NetError> {
        let (conn, info, _) = self.upgrade(tls, TlsStart::OnConnect).await?;
        Ok((conn, info))
    }

    fn from_tcp(
        opened: Opened,
        target: &Target,
        opts: &ConnectOptions,
        opened_in: Duration,
    ) -> Result<Connection, NetError> {
        let Opened {
            tcp,
            failed_attempts,
            taken,
        } = opened;
        // Commands are small writes answered by the peer: Nagle plus delayed ACK would add
        // up to ~200 ms per exchange.
        tcp.set_nodelay(true)
            .map_err(|e| io_error(Phase::Connect, e))?;
        let peer = tcp.peer_addr().map_err(|e| io_error(Phase::Connect, e))?;
        let local = tcp.local_addr().map_err(|e| io_error(Phase::Connect, e))?;
        Ok(Connection {
            stream: Stream::Plain(tcp),
            reader: ReplyReader::new(opts.limits),
            target: target.clone(),
            peer,
            local,
            send_timeout: opts.send_timeout,
            limits: opts.limits,
            failed_attempts,
            route: taken,
            opened_in,
            closed: false,
        })
    }

    /// Writes all bytes and flushes, within the send timeout.
    pub async fn send(&mut self, bytes: &[u8]) -> Result<(), NetError> {
        let write = async {
            match &mut self.stream {
                Stream::Plain(s) => {
                    s.write_all(bytes).await?;
                    s.flush().await
                }
                Stream::Tls(s) => {
                    s.write_all(bytes).await?;
                    s.flush().await
                }
            }
        };
        match tokio::time::timeout(self.send_timeout, write).await {
            Ok(Ok(())) => Ok(()),
            Ok(Err(e)) => Err(io_error(Phase::Send, e)),
            Err(_) => Err(NetError::Timeout {
                waiting_for: Phase::Send,
                after: self.send_timeout,
            }),
        }
    }

    /// Waits up to `timeout` for the next whole reply (returned at once if one is already
    /// buffered). On [`NetError::Timeout`] what arrived stays buffered: see
    /// [`Connection::partial`]; reading again continues where this stopped. A socket error
    /// mid-reply returns the unfinished reply inside [`NetError::Io`].
    ///
    /// Cancel-safe: bytes are moved into the buffer as soon as a read completes, so dropping
    /// this future (e.g. in `select!`) loses nothing.
    pub async fn read_reply(&mut self, timeout: Duration) -> Result<ReadOutcome, NetError> {
        let deadline = tokio::time::Instant::now() + timeout;
        let mut buf = [0u8; 8192];
        loop {
            if let Some(reply) = self.reader.next_reply().map_err(NetError::ReplyTooLarge)? {
                return Ok(ReadOutcome::Reply(reply));
            }
            if self.closed {
                return Ok(ReadOutcome::Closed {
                    partial: self.reader.finish(),
                });
            }
            self.ack_promptly();
            let read = async {
                match &mut self.stream {
                    Stream::Plain(s) => s.read(&mut buf).await,
                    Stream::Tls(s) => s.read(&mut buf).await,
                }
            };
            match tokio::time::timeout_at(deadline, read).await {
                Err(_) => {
                    return Err(NetError::Timeout {
                        waiting_for: Phase::Reply,
                        after: timeout,
                    });
                }
                Ok(Ok(0)) => self.closed = true,
                Ok(Ok(n)) => self.reader.push(&buf[..n]),
                // Many servers close TLS without close_notify. SMTP replies delimit
                // themselves, so a truncation cannot forge a complete reply: treat it as a close.
                Ok(Err(e)) if self.is_tls() && e.kind() == std::io::ErrorKind::UnexpectedEof => {
                    self.closed = true;
                }
                Ok(Err(source)) => {
                    self.closed = true;
                    return Err(NetError::Io {
                        during: Phase::Reply,
                        partial: self.reader.finish(),
                        source,
                    });
                }
            }
        }
    }

    /// What has arrived of a reply not yet complete (flagged unterminated), without
    /// consuming it.
    pub fn partial(&self) -> Option<Reply> {
        self.reader.clone().finish()
    }

    /// Takes what has arrived of an unfinished reply, clearing the buffer.
    pub fn take_partial(&mut self) -> Option<Reply> {
        self.reader.finish()
    }

    /// Whether received bytes wait in the buffer (a pipelined reply, or part of one).
    pub fn has_buffered(&self) -> bool {
        self.reader.in_progress()
    }

    /// Takes everything received but not yet read as replies, including bytes waiting in
    /// the socket. Call right after the 220 to STARTTLS to get the injection finding even
    /// if the handshake then fails; [`Connection::starttls`] does the same itself.
    pub fn take_injection(&mut self) -> Result<Option<Injection>, NetError> {
        let mut bytes = self.reader.take_all();
        if let Stream::Plain(tcp) = &self.stream {
            // The server speaks second in a TLS handshake, so anything readable before our
            // ClientHello is plaintext sent after the 220.
            let mut buf = [0u8; 8192];
            loop {
                match tcp.try_read(&mut buf) {
                    Ok(0) => break,
                    Ok(n) => bytes.extend_from_slice(&buf[..n]),
                    Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => break,
                    Err(e) => return Err(io_error(Phase::TlsHandshake, e)),
                }
            }
        }
        Ok((!bytes.is_empty()).then_some(Injection { bytes }))
    }

    /// Upgrades to TLS after the 220 to STARTTLS has been read
    /// ([RFC 3207 §4.2](https://www.rfc-editor.org/rfc/rfc3207#section-4.2)). Returns the
    /// TLS connection with a fresh reply buffer, what was negotiated, and any plaintext that
    /// was waiting (an injection finding, discarded). The connection is consumed either way.
    pub async fn starttls(
        self,
        tls: &TlsOptions,
    ) -> Result<(Connection, TlsInfo, Option<Injection>), NetError> {
        self.upgrade(tls, TlsStart::StartTls).await
    }

    async fn upgrade(
        mut self,
        tls: &TlsOptions,
        start: TlsStart,
    ) -> Result<(Connection, TlsInfo, Option<Injection>), NetError> {
        if self.is_tls() {
            return Err(NetError::AlreadyTls);
        }
        // Only after a 220 to STARTTLS is waiting plaintext an injection. On connect the
        // server has sent nothing we asked for; if it greets in plaintext, the handshake's
        // sniffer sees the greeting and explains "this port is not implicit TLS".
        let injection = match start {
            TlsStart::StartTls => self.take_injection()?,
            TlsStart::OnConnect => None,
        };
        let Connection {
            stream,
            reader,
            target,
            peer,
            local,
            send_timeout,
            limits,
            failed_attempts,
            route,
            opened_in,
            closed,
        } = self;
        // Whatever the old reader held was taken by `take_injection`.
        drop(reader);
        let Stream::Plain(tcp) = stream else {
            return Err(NetError::AlreadyTls);
        };
        let (tls_stream, info) = tls::handshake(tcp, &target.host, tls, start).await?;
        let conn = Connection {
            stream: Stream::Tls(Box::new(tls_stream)),
            reader: ReplyReader::new(limits),
            target,
            peer,
            local,
            send_timeout,
            limits,
            failed_attempts,
            route,
            opened_in,
            closed,
        };
        Ok((conn, info, injection))
    }

    /// Closes politely: TLS close_notify if TLS, then FIN. Best effort, bounded by a second.
    pub async fn shutdown(&mut self) {
        let close = async {
            let _ = match &mut self.stream {
                Stream::Plain(s) => s.shutdown().await,
                Stream::Tls(s) => s.shutdown().await,
            };
        };
        let _ = tokio::time::timeout(Duration::from_secs(1), close).await;
    }

    #[cfg(any(target_os = "linux", target_os = "android"))]
    fn tcp(&self) -> &TcpStream {
        match &self.stream {
            Stream::Plain(s) => s,
            Stream::Tls(s) => s.get_ref().0.get_ref(),
        }
    }

    /// Re-arms TCP_QUICKACK before each read, so that whatever arrives is acknowledged at
    /// once instead of after Linux's delayed-ACK timer (40 ms minimum).
    ///
    /// Why: a server without TCP_NODELAY (Postfix) holds a small reply under Nagle's
    /// algorithm while an earlier segment of its own is unacknowledged. After a TLS 1.3
    /// handshake, OpenSSL sends two NewSessionTickets (one 255-byte segment) right after our
    /// Finished; the reply to our next command then waited for our delayed ACK. Measured
    /// against Postfix 3.7 / OpenSSL 3.0 on loopback (15 sessions each, benches/compare.sh):
    /// - nothing: the first reply after TLS took 41–52 ms in 15 of 15 STARTTLS sessions (on
    ///   465 the greeting waited the same way);
    /// - `Resumption::disabled()` in the rustls config: no change — rustls still offers
    ///   `psk_dhe_ke` and OpenSSL still sends the tickets (seen with tcpdump);
    /// - an RFC 9149 ticket_request for 0 tickets: no change (OpenSSL 3.0 ignores it);
    /// - TCP_QUICKACK once after the handshake: still stalled in 5 of 15 (Linux leaves
    ///   quickack mode again as soon as we send);
    /// - TCP_QUICKACK before every read (this): none of 30 stalled; the whole session's
    ///   median went from 62 to 29 ms on 10587 and from 61 to 16 ms on 10465 (a loaded
    ///   2-core machine).
    ///
    /// Waiting to read the tickets before sending would cost a round trip and a guess (a
    /// server may send none). Our own TCP_NODELAY (set on connect) cannot help: the stall
    /// is the server's Nagle waiting for our ACK. The option is Linux-only and not
    /// permanent; the cost is one setsockopt per read. Failure is harmless, so it is ignored.
    #[cfg(any(target_os = "linux", target_os = "android"))]
    fn ack_promptly(&self) {
        let _ = socket2::SockRef::from(self.tcp()).set_tcp_quickack(true);
    }

    #[cfg(not(any(target_os = "linux", target_os = "android")))]
    fn ack_promptly(&self) {}

    pub fn is_tls(&self) -> bool {
        matches!(self.stream, Stream::Tls(_))
    }

    /// Whether the peer has closed (a read returned end of stream or failed).
    pub fn is_closed(&self) -> bool {
        self.closed
    }

    pub fn peer_addr(&self) -> SocketAddr {
        self.peer
    }

    pub fn local_addr(&self) -> SocketAddr {
        self.local
    }

    pub fn target(&self) -> &Target {
        &self.target
    }

    /// Addresses that failed before this connection succeeded (e.g. `::1` refused, then
    /// `127.0.0.1` accepted).
    /// How long the TCP connection took to open, name resolution included (for a
    /// connection opened elsewhere and handed on, the time it took there).
    pub fn opened_in(&self) -> Duration {
        self.opened_in
    }

    pub fn failed_attempts(&self) -> &[ConnectAttempt] {
        &self.failed_attempts
    }

    /// What the route did on the way: the proxy gone through, the PROXY header sent.
    pub fn route(&self) -> &RouteTaken {
        &self.route
    }
}
