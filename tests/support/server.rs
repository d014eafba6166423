//! The scripted server: a one-task SMTP server on loopback that plays a list of [`Step`]s
//! byte for byte and reports what the client sent over a channel (oha's `tests/tests.rs`
//! pattern). Hostile behaviour is just another script: injected bytes after STARTTLS,
//! garbage, resets, silence.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use rustls::ServerConfig;
use smtpx::net::Target;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::mpsc;
use tokio::task::JoinHandle;
use tokio_rustls::TlsAcceptor;

/// A point a script waits at until the test calls [`Gate::open`]. Opening before the
/// script arrives there is remembered, so the order never matters.
#[derive(Debug, Clone, Default)]
pub struct Gate(Arc<tokio::sync::Notify>);

impl Gate {
    pub fn open(&self) {
        self.0.notify_one();
    }
}

impl PartialEq for Gate {
    fn eq(&self, other: &Gate) -> bool {
        Arc::ptr_eq(&self.0, &other.0)
    }
}

impl Eq for Gate {}

/// One thing the server does.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Step {
    /// Write these exact bytes (one `write_all`, so usually one TCP segment).
    Send(Vec<u8>),
    /// Read one line (through LF) and report it as [`Event::Received`]; `matched` says
    /// whether it starts with this prefix (ASCII case-insensitive; `""` matches any line).
    /// A mismatch is reported, not fatal: the script goes on.
    Expect(String),
    /// Read a DATA body through the terminating `CRLF.CRLF` line and report the raw bytes,
    /// dot-stuffing and terminator included, as [`Event::ReceivedData`].
    ExpectData,
    /// Read whatever arrives next (at least one byte; binary is fine, e.g. a ClientHello)
    /// and report it as [`Event::ReceivedBytes`].
    ReadSome,
    /// Read exactly this many bytes, however they are split into segments, and report them
    /// as one [`Event::ReceivedBytes`].
    ReadExact(usize),
    /// Wait until the client closes (reports [`Event::ClientClosed`]); anything received
    /// before that is reported as [`Event::Received`] lines with an empty `expected`.
    ExpectClose,
    /// Server side of TLS now (after our 220 to STARTTLS). Bytes the client pipelined after
    /// its STARTTLS line are reported as [`Event::ClientPipelinedBeforeTls`] and discarded
    /// (the mirror image of the client's injection check).
    StartTls,
    /// Write the bytes in plaintext, then start TLS: response injection when the bytes
    /// come after a 220 to STARTTLS.
    SendThenStartTls(Vec<u8>),
    /// Do nothing for this many milliseconds.
    Sleep(u64),
    /// Wait until the test opens the gate: holds the session at a known point without
    /// guessing how long the test needs (e.g. to read the client's command line).
    Wait(Gate),
    /// Close politely (TLS close_notify, then FIN).
    Close,
    /// Abort the connection with a TCP RST (SO_LINGER 0).
    Reset,
}

impl Step {
    pub fn send(bytes: impl AsRef<[u8]>) -> Step {
        Step::Send(bytes.as_ref().to_vec())
    }

    pub fn expect(prefix: &str) -> Step {
        Step::Expect(prefix.to_string())
    }

    pub fn sleep_ms(ms: u64) -> Step {
        Step::Sleep(ms)
    }
}

/// Builds a reply: all lines but the last get `code-`, the last `code SP`, each ends in CRLF.
/// `reply(250, &["mx hello", "PIPELINING", "STARTTLS"])`.
pub fn reply(code: u16, lines: &[&str]) -> Vec<u8> {
    let mut out = Vec::new();
    for (i, line) in lines.iter().enumerate() {
        let sep = if i + 1 == lines.len() { ' ' } else { '-' };
        out.extend_from_slice(format!("{code}{sep}{line}\r\n").as_bytes());
    }
    out
}

/// What happened on the server side, in order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Event {
    Accepted {
        peer: SocketAddr,
    },
    Received {
        expected: String,
        line: Vec<u8>,
        matched: bool,
    },
    ReceivedData(Vec<u8>),
    ReceivedBytes(Vec<u8>),
    /// The client closed while the script waited for input (or at `ExpectClose`).
    ClientClosed,
    ClientPipelinedBeforeTls(Vec<u8>),
    TlsEstablished {
        version: String,
        sni: Option<String>,
    },
    TlsFailed(String),
    /// A socket error or a step timeout; the script stops.
    Error(String),
    /// The script ended for this connection.
    Done,
}

impl Event {
    /// The received line as text, for `Received` events.
    pub fn line(&self) -> Option<String> {
        match self {
            Event::Received { line, .. } => Some(String::from_utf8_lossy(line).into_owned()),
            _ => None,
        }
    }
}

/// How the server listens and does TLS.
#[derive(Clone)]
pub struct ServerOptions {
    pub bind: SocketAddr,
    /// Certificate for `StartTls` steps and implicit TLS.
    pub tls: Option<Arc<ServerConfig>>,
    /// TLS handshake right after accept, before the first step (RFC 8314).
    pub implicit_tls: bool,
    /// How many connections to serve, one after another, each with the whole script.
    pub connections: usize,
    /// Longest wait for client input in one step.
    pub step_timeout: Duration,
}

impl Default for ServerOptions {
    fn default() -> Self {
        ServerOptions {
            bind: SocketAddr::from(([127, 0, 0, 1], 0)),
            tls: None,
            implicit_tls: false,
            connections: 1,
            step_timeout: Duration::from_secs(10),
        }
    }
}

/// A running scripted server; stopped when dropped.
pub struct ScriptedServer {
    pub addr: SocketAddr,
    events: mpsc::UnboundedReceiver<Event>,
    task: JoinHandle<()>,
}

impl Drop for ScriptedServer {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl ScriptedServer {
    /// Plain SMTP on 127.0.0.1, one connection.
    pub async fn start(steps: Vec<Step>) -> ScriptedServer {
        ScriptedServer::start_with(ServerOptions::default(), steps).await
    }

    /// Plain at first; `StartTls` steps present `tls`.
    pub async fn start_starttls(tls: Arc<ServerConfig>, steps: Vec<Step>) -> ScriptedServer {
        let opts = ServerOptions {
            tls: Some(tls),
            ..ServerOptions::default()
        };
        ScriptedServer::start_with(opts, steps).await
    }

    /// TLS from the first byte (implicit TLS); the steps run inside TLS.
    pub async fn start_implicit_tls(tls: Arc<ServerConfig>, steps: Vec<Step>) -> ScriptedServer {
        let opts = ServerOptions {
            tls: Some(tls),
            implicit_tls: true,
            ..ServerOptions::default()
        };
        ScriptedServer::start_with(opts, steps).await
    }

    pub async fn start_with(opts: ServerOptions, steps: Vec<Step>) -> ScriptedServer {
        let listener = TcpListener::bind(opts.bind)
            .await
            .expect("bind scripted server");
        let addr = listener.local_addr().expect("local addr");
        let (tx, events) = mpsc::unbounded_channel();
        let task = tokio::spawn(async move {
            for _ in 0..opts.connections {
                let Ok((tcp, peer)) = listener.accept().await else {
                    let _ = tx.send(Event::Error("accept failed".into()));
                    return;
                };
                let _ = tx.send(Event::Accepted { peer });
                run_script(tcp, &opts, &steps, &tx).await;
                let _ = tx.send(Event::Done);
            }
        });
        ScriptedServer { addr, events, task }
    }

    /// Where to connect.
    pub fn target(&self) -> Target {
        Target::new(self.addr.ip().to_string(), self.addr.port())
    }

    /// The next event; panics after 10 s without one.
    pub async fn next_event(&mut self) -> Event {
        match tokio::time::timeout(Duration::from_secs(10), self.events.recv()).await {
            Ok(Some(event)) => event,
            Ok(None) => panic!("scripted server stopped"),
            Err(_) => panic!("no event from the scripted server within 10 s"),
        }
    }

    /// Every event of the current connection through its `Done`.
    pub async fn finish(&mut self) -> Vec<Event> {
        let mut all = Vec::new();
        loop {
            let event = self.next_event().await;
            let done = event == Event::Done;
            all.push(event);
            if done {
                return all;
            }
        }
    }

    /// The lines the client sent on the current connection (waits for `Done`), lossy UTF-8.
    pub async fn received_lines(&mut self) -> Vec<String> {
        self.finish().await.iter().filter_map(Event::line).collect()
    }
}

enum ServerStream {
    Plain(TcpStream),
    Tls(Box<tokio_rustls::server::TlsStream<TcpStream>>),
}

struct Peer {
    stream: ServerStream,
    buf: Vec<u8>,
}

impl Peer {
    async fn read_more(&mut self) -> std::io::Result<usize> {
        let mut chunk = [0u8; 4096];
        let n = match &mut self.stream {
            ServerStream::Plain(s) => s.read(&mut chunk).await?,
            ServerStream::Tls(s) => s.read(&mut chunk).await?,
        };
        self.buf.extend_from_slice(&chunk[..n]);
        Ok(n)
    }

    /// Bytes through the first occurrence of `end`, or None on EOF.
    async fn read_through(&mut self, end: &[u8]) -> std::io::Result<Option<Vec<u8>>> {
        loop {
            if let Some(pos) = self.buf.windows(end.len()).position(|w| w == end) {
                return Ok(Some(self.buf.drain(..pos + end.len()).collect()));
            }
            if self.read_more().await? == 0 {
                return Ok(None);
            }
        }
    }

    async fn write(&mut self, bytes: &[u8]) -> std::io::Result<()> {
        match &mut self.stream {
            ServerStream::Plain(s) => s.write_all(bytes).await,
            ServerStream::Tls(s) => {
                s.write_all(bytes).await?;
                s.flush().await
            }
        }
    }

    fn tcp(&self) -> &TcpStream {
        match &self.stream {
            ServerStream::Plain(s) => s,
            ServerStream::Tls(s) => s.get_ref().0,
        }
    }
}

async fn accept_tls(
    tcp: TcpStream,
    opts: &ServerOptions,
    tx: &mpsc::UnboundedSender<Event>,
) -> Option<ServerStream> {
    let Some(config) = opts.tls.clone() else {
        let _ = tx.send(Event::Error("TLS step but no ServerOptions::tls".into()));
        return None;
    };
    match tokio::time::timeout(opts.step_timeout, TlsAcceptor::from(config).accept(tcp)).await {
        Ok(Ok(tls)) => {
            let (_, conn) = tls.get_ref();
            let _ = tx.send(Event::TlsEstablished {
                version: conn
                    .protocol_version()
                    .map(|v| format!("{v:?}"))
                    .unwrap_or_default(),
                sni: conn.server_name().map(str::to_string),
            });
            Some(ServerStream::Tls(Box::new(tls)))
        }
        Ok(Err(e)) => {
            let _ = tx.send(Event::TlsFailed(e.to_string()));
            None
        }
        Err(_) => {
            let _ = tx.send(Event::TlsFailed("handshake timed out".into()));
            None
        }
    }
}

async fn run_script(
    tcp: TcpStream,
    opts: &ServerOptions,
    steps: &[Step],
    tx: &mpsc::UnboundedSender<Event>,
) {
    let _ = tcp.set_nodelay(true);
    let stream = if opts.implicit_tls {
        match accept_tls(tcp, opts, tx).await {
            Some(stream) => stream,
            None => return,
        }
    } else {
        ServerStream::Plain(tcp)
    };
    let mut peer = Peer {
        stream,
        buf: Vec::new(),
    };
    for step in steps {
        let wait = opts.step_timeout;
        let outcome: Result<bool, String> = match step {
            Step::Send(bytes) => peer
                .write(bytes)
                .await
                .map(|_| true)
                .map_err(|e| e.to_string()),
            Step::Expect(prefix) => {
                match tokio::time::timeout(wait, peer.read_through(b"\n")).await {
                    Err(_) => Err(format!("timed out waiting for a line starting {prefix:?}")),
                    Ok(Err(e)) => Err(e.to_string()),
                    Ok(Ok(None)) => {
                        let _ = tx.send(Event::ClientClosed);
                        Ok(false)
                    }
                    Ok(Ok(Some(line))) => {
                        let matched = line.len() >= prefix.len()
                            && line[..prefix.len()].eq_ignore_ascii_case(prefix.as_bytes());
                        let _ = tx.send(Event::Received {
                            expected: prefix.clone(),
                            line,
                            matched,
                        });
                        Ok(true)
                    }
                }
            }
            Step::ExpectData => match tokio::time::timeout(wait, read_data(&mut peer)).await {
                Err(_) => Err("timed out waiting for the end of DATA".into()),
                Ok(Err(e)) => Err(e.to_string()),
                Ok(Ok(None)) => {
                    let _ = tx.send(Event::ClientClosed);
                    Ok(false)
                }
                Ok(Ok(Some(data))) => {
                    let _ = tx.send(Event::ReceivedData(data));
                    Ok(true)
                }
            },
            Step::ReadSome => match tokio::time::timeout(wait, read_some(&mut peer)).await {
                Err(_) => Err("timed out waiting for any bytes".into()),
                Ok(Err(e)) => Err(e.to_string()),
                Ok(Ok(None)) => {
                    let _ = tx.send(Event::ClientClosed);
                    Ok(false)
                }
                Ok(Ok(Some(bytes))) => {
                    let _ = tx.send(Event::ReceivedBytes(bytes));
                    Ok(true)
                }
            },
            Step::ReadExact(n) => match tokio::time::timeout(wait, read_exact(&mut peer, *n)).await
            {
                Err(_) => Err(format!("timed out waiting for {n} bytes")),
                Ok(Err(e)) => Err(e.to_string()),
                Ok(Ok(None)) => {
                    let _ = tx.send(Event::ClientClosed);
                    Ok(false)
                }
                Ok(Ok(Some(bytes))) => {
                    let _ = tx.send(Event::ReceivedBytes(bytes));
                    Ok(true)
                }
            },
            Step::ExpectClose => {
                match tokio::time::timeout(wait, expect_close(&mut peer, tx)).await {
                    Err(_) => Err("timed out waiting for the client to close".into()),
                    Ok(result) => result.map(|_| false).map_err(|e| e.to_string()),
                }
            }
            Step::StartTls | Step::SendThenStartTls(_) => {
                if let Step::SendThenStartTls(bytes) = step {
                    if let Err(e) = peer.write(bytes).await {
                        let _ = tx.send(Event::Error(e.to_string()));
                        return;
                    }
                }
                if !peer.buf.is_empty() {
                    let _ = tx.send(Event::ClientPipelinedBeforeTls(std::mem::take(
                        &mut peer.buf,
                    )));
                }
                let ServerStream::Plain(tcp) = peer.stream else {
                    let _ = tx.send(Event::Error("StartTls step inside TLS".into()));
                    return;
                };
                match accept_tls(tcp, opts, tx).await {
                    Some(stream) => {
                        peer = Peer {
                            stream,
                            buf: Vec::new(),
                        };
                        Ok(true)
                    }
                    None => return,
                }
            }
            Step::Sleep(ms) => {
                tokio::time::sleep(Duration::from_millis(*ms)).await;
                Ok(true)
            }
            Step::Wait(gate) => {
                gate.0.notified().await;
                Ok(true)
            }
            Step::Close => {
                let _ = match &mut peer.stream {
                    ServerStream::Plain(s) => s.shutdown().await,
                    ServerStream::Tls(s) => s.shutdown().await,
                };
                Ok(false)
            }
            Step::Reset => {
                let _ = peer.tcp().set_zero_linger();
                Ok(false)
            }
        };
        match outcome {
            Ok(true) => {}
            Ok(false) => return,
            Err(message) => {
                let _ = tx.send(Event::Error(message));
                return;
            }
        }
    }
}

/// Buffered bytes, or the next read; None on EOF.
async fn read_some(peer: &mut Peer) -> std::io::Result<Option<Vec<u8>>> {
    if peer.buf.is_empty() && peer.read_more().await? == 0 {
        return Ok(None);
    }
    Ok(Some(std::mem::take(&mut peer.buf)))
}

/// Exactly `n` bytes; `None` when the client closes first.
async fn read_exact(peer: &mut Peer, n: usize) -> std::io::Result<Option<Vec<u8>>> {
    while peer.buf.len() < n {
        if peer.read_more().await? == 0 {
            return Ok(None);
        }
    }
    let rest = peer.buf.split_off(n);
    Ok(Some(std::mem::replace(&mut peer.buf, rest)))
}

/// DATA body through `CRLF.CRLF` (the terminator may also be the very first line).
async fn read_data(peer: &mut Peer) -> std::io::Result<Option<Vec<u8>>> {
    let mut data = Vec::new();
    loop {
        let Some(line) = peer.read_through(b"\n").await? else {
            return Ok(None);
        };
        let end = line == b".\r\n";
        data.extend_from_slice(&line);
        if end {
            return Ok(Some(data));
        }
    }
}

async fn expect_close(peer: &mut Peer, tx: &mpsc::UnboundedSender<Event>) -> std::io::Result<()> {
    loop {
        match peer.read_through(b"\n").await {
            Ok(Some(line)) => {
                let _ = tx.send(Event::Received {
                    expected: String::new(),
                    line,
                    matched: true,
                });
            }
            Ok(None) => {
                if !peer.buf.is_empty() {
                    let line = std::mem::take(&mut peer.buf);
                    let _ = tx.send(Event::Received {
                        expected: String::new(),
                        line,
                        matched: true,
                    });
                }
                let _ = tx.send(Event::ClientClosed);
                return Ok(());
            }
            // A reset or TLS close without close_notify counts as closed too.
            Err(_) => {
                let _ = tx.send(Event::ClientClosed);
                return Ok(());
            }
        }
    }
}
