//! The session driver: owns the connection and the protocol session, performs what a front
//! end asks (send a command, upgrade to TLS, authenticate, send a message), and reports
//! every wire event as a [`SessionEvent`] to a sink.
//!
//! Layer: driver — above the transport (`net`) and the protocol core (`proto`), below the
//! front ends (probe, explorer). Replies are data: a 5yz comes back as `Ok(reply)`; only a
//! network failure or a protocol breach is an `Err`.
//!
//! ```text
//!  front end ──(method calls / Intents)──▶ Driver ──▶ Connection (net) ──▶ server
//!      ▲                                     │
//!      └────────────── SessionEvent ◀────────┘ (also to the recorder)
//! ```

pub mod event;
pub mod sink;
pub mod task;

use std::time::{Duration, Instant};

use zeroize::Zeroizing;

pub use event::{Finding, Layer, SecretBytes, SessionEvent};

use crate::net::{ConnectOptions, Connection, NetError, ReadOutcome, Target, TlsInfo, TlsOptions};
use crate::proto::auth::{AuthStep, Credentials, Mechanism, SaslClient};
use crate::proto::command::Command;
use crate::proto::data::{bdat_chunks, dot_stuff};
use crate::proto::reply::Reply;
use crate::proto::session::{Change, Sent, Session, Unexpected};

/// Where events go. The probe prints them; the explorer forwards them over a channel.
pub type EventSink = Box<dyn FnMut(SessionEvent) + Send>;

/// Why the driver could not go on. A reply the server chose to send is never one of these.
#[derive(Debug, thiserror::Error)]
pub enum DriverError {
    /// The network failed, a timeout fired, or the server broke the protocol.
    #[error(transparent)]
    Net(#[from] NetError),
    /// The server closed the connection.
    #[error("the server closed the connection{}", if *.during_reply { " in the middle of a reply" } else { "" })]
    Closed { during_reply: bool },
    /// No connection is open.
    #[error("not connected")]
    NotConnected,
    /// A command could not be encoded (CR/LF in an argument, …).
    #[error("cannot send that command: {0}")]
    Command(#[from] crate::proto::command::CommandError),
    /// The SASL exchange could not go on (bad challenge, unexpected reply).
    #[error("authentication exchange failed: {0}")]
    Auth(String),
    /// The server kept sending replies no command asked for; reading stopped so that a
    /// flood cannot grow memory or the transcript without bound.
    #[error(
        "the server sent {count} replies in a row that no command asked for (a flood); \
         smtpx stopped reading and closed the connection"
    )]
    Flood { count: usize },
}

/// Unsolicited replies in a row before the driver gives up on the connection.
const MAX_UNSOLICITED: usize = 100;

pub struct Driver {
    target: Target,
    options: ConnectOptions,
    tls: TlsOptions,
    reply_timeout: Duration,
    connection: Option<Connection>,
    session: Session,
    start: Instant,
    last_sent: Option<Instant>,
    sink: EventSink,
    /// Whether `Sent` events carry secret bytes in `revealed` (`--record-secrets`).
    reveal_secrets: bool,
    /// Replies in a row that no command awaited.
    unsolicited: usize,
}

impl Driver {
    pub fn new(
        target: Target,
        options: ConnectOptions,
        tls: TlsOptions,
        reply_timeout: Duration,
        sink: EventSink,
    ) -> Driver {
        Driver {
            target,
            options,
            tls,
            reply_timeout,
            connection: None,
            session: Session::new(),
            start: Instant::now(),
            last_sent: None,
            sink,
            reveal_secrets: false,
            unsolicited: 0,
        }
    }

    /// From now on, `Sent` events for secret lines carry the exact bytes in `revealed`,
    /// for a recorder the user told to keep secrets (`--record-secrets`).
    pub fn reveal_secrets(&mut self, reveal: bool) {
        self.reveal_secrets = reveal;
    }

    pub fn session(&self) -> &Session {
        &self.session
    }

    pub fn target(&self) -> &Target {
        &self.target
    }

    pub fn is_connected(&self) -> bool {
        self.connection.is_some()
    }

    pub fn is_tls(&self) -> bool {
        self.connection.as_ref().is_some_and(Connection::is_tls)
    }

    /// How long a reply is awaited before a timeout is reported.
    pub fn reply_timeout(&self) -> Duration {
        self.reply_timeout
    }

    fn layer(&self) -> Layer {
        if self.is_tls() {
            Layer::Tls
        } else {
            Layer::Plain
        }
    }

    fn at(&self) -> Duration {
        self.start.elapsed()
    }

    fn emit(&mut self, event: SessionEvent) {
        (self.sink)(event);
    }

    /// Says something from smtpx itself (why it stopped, what it decided).
    pub fn note(&mut self, text: impl Into<String>) {
        let at = self.at();
        self.emit(SessionEvent::Note {
            at,
            text: text.into(),
        });
    }

    /// Reports a failure and passes it on.
    fn fail<T>(&mut self, error: DriverError) -> Result<T, DriverError> {
        let at = self.at();
        self.emit(SessionEvent::Failed {
            at,
            error: error.to_string(),
        });
        Err(error)
    }

    /// Connects over TCP, with TLS from the first byte when `implicit_tls`
    /// ([RFC 8314 §3](https://www.rfc-editor.org/rfc/rfc8314#section-3)).
    pub async fn connect(&mut self, implicit_tls: bool) -> Result<(), DriverError> {
        self.start = Instant::now();
        self.session = Session::new();
        let started = Instant::now();
        let result = if implicit_tls {
            Connection::connect_tls(&self.target, &self.options, &self.tls)
                .await
                .map(|(c, info)| (c, Some(info)))
        } else {
            Connection::connect(&self.target, &self.options)
                .await
                .map(|c| (c, None))
        };
        let (connection, tls) = match result {
            Ok(ok) => ok,
            Err(e) => return self.fail(e.into()),
        };
        let at = self.at();
        let peer = connection.peer_addr();
        self.emit(SessionEvent::Connected {
            at,
            peer,
            took: started.elapsed(),
        });
        self.connection = Some(connection);
        if let Some(info) = tls {
            self.tls_established(info);
        }
        Ok(())
    }

    fn tls_established(&mut self, info: TlsInfo) {
        let at = self.at();
        let verdict_ok = info.verdict.ok();
        let summary = info.verdict.summary();
        self.emit(SessionEvent::TlsEstablished {
            at,
            info: Box::new(info),
        });
        if !verdict_ok {
            self.emit(SessionEvent::Finding {
                at,
                finding: Finding::UnverifiedCertificate { summary },
            });
        }
    }

    /// Reads the next reply and reports it. A 4yz/5yz is `Ok`.
    pub async fn read_reply(&mut self) -> Result<Reply, DriverError> {
        let layer = self.layer();
        let Some(connection) = self.connection.as_mut() else {
            return self.fail(DriverError::NotConnected);
        };
        let outcome = connection.read_reply(self.reply_timeout).await;
        match outcome {
            Ok(ReadOutcome::Reply(reply)) => {
                self.received(layer, reply.clone());
                self.apply_reply(&reply).await?;
                Ok(reply)
            }
            Ok(ReadOutcome::Closed { partial }) => {
                let during_reply = partial.is_some();
                if let Some(reply) = partial {
                    self.received(layer, reply);
                }
                self.closed(true);
                self.fail(DriverError::Closed { during_reply })
            }
            Err(error) => {
                // A socket error hands back the unfinished reply itself; keep it.
                let partial = match &error {
                    NetError::Io {
                        partial: Some(partial),
                        ..
                    } => Some(partial.clone()),
                    _ => self.connection.as_mut().and_then(Connection::take_partial),
                };
                if let Some(partial) = partial {
                    self.received(layer, partial);
                }
                self.fail(error.into())
            }
        }
    }

    /// The explorer's read: waits up to `timeout` (`None`: as long as it takes, for a
    /// server that speaks unasked or closes while the person thinks). Unlike
    /// [`Driver::read_reply`] a clean close between replies is not a failure (servers close
    /// after 221), and a timeout leaves the connection open: the reply may still come.
    /// Cancel-safe, like [`Connection::read_reply`]: the explorer drops this future whenever
    /// the person sends something.
    pub async fn read_reply_interactive(
        &mut self,
        timeout: Option<Duration>,
    ) -> Result<Reply, DriverError> {
        // A year stands for "no timeout" without a second code path in the transport.
        const FOREVER: Duration = Duration::from_secs(365 * 24 * 3600);
        let layer = self.layer();
        let Some(connection) = self.connection.as_mut() else {
            return Err(DriverError::NotConnected);
        };
        match connection.read_reply(timeout.unwrap_or(FOREVER)).await {
            Ok(ReadOutcome::Closed { partial: None }) => {
                self.closed(true);
                Err(DriverError::Closed {
                    during_reply: false,
                })
            }
            Ok(ReadOutcome::Reply(reply)) => {
                self.received(layer, reply.clone());
                self.apply_reply(&reply).await?;
                Ok(reply)
            }
            Ok(ReadOutcome::Closed {
                partial: Some(reply),
            }) => {
                self.received(layer, reply);
                self.closed(true);
                self.fail(DriverError::Closed { during_reply: true })
            }
            Err(error) => {
                let partial = match &error {
                    NetError::Timeout { .. } => None,
                    NetError::Io {
                        partial: Some(partial),
                        ..
                    } => Some(partial.clone()),
                    _ => self.connection.as_mut().and_then(Connection::take_partial),
                };
                if let Some(partial) = partial {
                    self.received(layer, partial);
                }
                self.fail(error.into())
            }
        }
    }

    fn received(&mut self, layer: Layer, reply: Reply) {
        let at = self.at();
        let latency = self.last_sent.map(|t| t.elapsed());
        let controls = crate::proto::text::describe_controls(&reply.raw());
        self.emit(SessionEvent::Received {
            at,
            layer,
            reply,
            latency,
        });
        if let Some(kinds) = controls {
            // Security: a hostile server aims these at the person's terminal.
            self.note(format!(
                "the server sent control characters in its reply ({kinds}); they are shown \
                 escaped, never passed to the terminal"
            ));
        }
    }

    /// Applies a reply to the session and says when no command awaited it; too many of
    /// those in a row end the connection.
    async fn apply_reply(&mut self, reply: &Reply) -> Result<(), DriverError> {
        let outcome = self.session.on_reply(reply);
        if outcome.change != Change::Unexpected(Unexpected::NothingAwaited) {
            self.unsolicited = 0;
            return Ok(());
        }
        self.unsolicited += 1;
        if self.unsolicited > MAX_UNSOLICITED {
            let count = self.unsolicited;
            self.unsolicited = 0;
            self.close().await;
            return self.fail(DriverError::Flood { count });
        }
        if self.unsolicited == 1 {
            self.note(
                "the server sent a reply before smtpx's next command, with no command awaiting \
                 one (it talks out of turn); it is shown, not taken as the answer to the next \
                 command",
            );
        }
        Ok(())
    }

    /// Before a command: whole replies already received while none was awaited came
    /// unasked; read them now so they are not taken as the answer to this command.
    async fn drain_unsolicited(&mut self) -> Result<(), DriverError> {
        while self.session.pending().next().is_none() {
            let layer = self.layer();
            let Some(connection) = self.connection.as_mut() else {
                return Ok(());
            };
            if !connection.has_buffered() {
                return Ok(());
            }
            match connection.read_reply(Duration::ZERO).await {
                Ok(ReadOutcome::Reply(reply)) => {
                    self.received(layer, reply.clone());
                    self.apply_reply(&reply).await?;
                }
                // A partial reply or a close: the next read reports it.
                _ => return Ok(()),
            }
        }
        Ok(())
    }

    fn closed(&mut self, by_peer: bool) {
        self.connection = None;
        self.session.on_closed();
        let at = self.at();
        self.emit(SessionEvent::Closed { at, by_peer });
    }

    /// Sends bytes and reports them with `shown` as their display form.
    async fn send_bytes(
        &mut self,
        bytes: &[u8],
        shown: String,
        secret: bool,
    ) -> Result<(), DriverError> {
        let layer = self.layer();
        let Some(connection) = self.connection.as_mut() else {
            return self.fail(DriverError::NotConnected);
        };
        if let Err(error) = connection.send(bytes).await {
            return self.fail(error.into());
        }
        self.last_sent = Some(Instant::now());
        let at = self.at();
        self.emit(SessionEvent::Sent {
            at,
            layer,
            shown,
            bytes: if secret { Vec::new() } else { bytes.to_vec() },
            secret,
            revealed: (secret && self.reveal_secrets).then(|| SecretBytes::new(bytes.to_vec())),
        });
        Ok(())
    }

    /// Sends one command (exact wire bytes from the encoder).
    pub async fn send(&mut self, command: &Command) -> Result<(), DriverError> {
        let bytes = match command.encode() {
            Ok(bytes) => bytes,
            Err(e) => return self.fail(e.into()),
        };
        self.drain_unsolicited().await?;
        let shown = command.redacted().to_string();
        self.send_bytes(&bytes, shown, command.is_secret()).await?;
        self.session.on_sent(&Sent::Command(command.clone()));
        Ok(())
    }

    /// Sends a command and reads its reply.
    pub async fn command(&mut self, command: &Command) -> Result<Reply, DriverError> {
        self.send(command).await?;
        self.read_reply().await
    }

    /// Sends bytes exactly as given (raw mode): nothing added, nothing checked.
    pub async fn send_raw(&mut self, bytes: &[u8]) -> Result<(), DriverError> {
        let shown = crate::proto::text::escape_bytes(bytes);
        self.send_bytes(bytes, shown, false).await?;
        self.session.on_sent(&Sent::Raw(bytes.to_vec()));
        Ok(())
    }

    /// After a 220 to STARTTLS: looks for injected plaintext, then does the handshake
    /// ([RFC 3207 §4.2](https://www.rfc-editor.org/rfc/rfc3207#section-4.2)).
    pub async fn start_tls(&mut self) -> Result<(), DriverError> {
        let Some(connection) = self.connection.take() else {
            return self.fail(DriverError::NotConnected);
        };
        match connection.starttls(&self.tls).await {
            Ok((connection, info, injection)) => {
                if let Some(injection) = injection {
                    let at = self.at();
                    self.emit(SessionEvent::Finding {
                        at,
                        finding: Finding::InjectedPlaintext {
                            bytes: injection.bytes,
                        },
                    });
                }
                self.connection = Some(connection);
                self.session.on_tls_established();
                self.tls_established(info);
                Ok(())
            }
            Err(error) => {
                self.closed(false);
                self.fail(error.into())
            }
        }
    }

    /// Runs a whole SASL exchange ([RFC 4954 §4](https://www.rfc-editor.org/rfc/rfc4954#section-4))
    /// and returns the final reply (235 or a failure — both are data).
    pub async fn authenticate(
        &mut self,
        mechanism: Mechanism,
        user: &str,
        secret: Zeroizing<String>,
    ) -> Result<Reply, DriverError> {
        if !self.is_tls() {
            let at = self.at();
            self.emit(SessionEvent::Finding {
                at,
                finding: Finding::AuthOverPlaintext,
            });
        }
        let credentials = Credentials::new(user, secret);
        let mut client = match SaslClient::new(mechanism, credentials, true) {
            Ok(client) => client,
            Err(e) => return self.fail(DriverError::Auth(e.to_string())),
        };
        let first = match client.start() {
            Ok(line) => line,
            Err(e) => return self.fail(DriverError::Auth(e.to_string())),
        };
        self.send(first.command()).await?;
        // A server that keeps challenging forever is cut off: no mechanism we speak needs
        // more than a few rounds.
        for _ in 0..8 {
            let reply = self.read_reply().await?;
            let code = reply.code().unwrap_or(0);
            let text = reply
                .lines
                .last()
                .map(|l| l.text().to_vec())
                .unwrap_or_default();
            match client.on_reply(code, &text) {
                Ok(AuthStep::Done(_)) => return Ok(reply),
                Ok(AuthStep::Send(line)) => self.send(line.command()).await?,
                Err(e) => {
                    // Cancel with `*` so the session stays usable (RFC 4954 §4).
                    if let Ok(cancel) = client.cancel() {
                        self.send(cancel.command()).await?;
                        self.read_reply().await?;
                    }
                    return self.fail(DriverError::Auth(e.to_string()));
                }
            }
        }
        self.fail(DriverError::Auth(
            "the server kept sending 334 challenges".into(),
        ))
    }

    /// Sends a message after a 354: dot-stuffed, with the end marker
    /// ([RFC 5321 §4.5.2](https://www.rfc-editor.org/rfc/rfc5321#section-4.5.2)), and reads the
    /// final reply.
    pub async fn send_message(&mut self, message: &[u8]) -> Result<Reply, DriverError> {
        self.send_message_only(message).await?;
        self.read_reply().await
    }

    /// Sends a message like [`Driver::send_message`] without waiting for the reply (the
    /// explorer reads replies in its own loop).
    pub async fn send_message_only(&mut self, message: &[u8]) -> Result<(), DriverError> {
        let stuffed = dot_stuff(message);
        let shown = format!(
            "<message: {} bytes, {} lines dot-stuffed, end marker>",
            message.len(),
            stuffed.report.stuffed_lines
        );
        let issues = &stuffed.report.issues;
        if issues.bare_lf > 0 || issues.bare_cr > 0 {
            // SMTP-smuggling defences reject bare line ends; say what was changed.
            self.note(format!(
                "the message had {} bare LF and {} bare CR line ends; they were sent as CRLF \
                 (RFC 5321 §2.3.8)",
                issues.bare_lf, issues.bare_cr
            ));
        }
        if stuffed.report.added_final_crlf {
            self.note(
                "the message did not end with a line break; CRLF was added before the end marker",
            );
        }
        self.send_bytes(&stuffed.bytes, shown, false).await?;
        self.session.on_sent(&Sent::Message(stuffed.bytes));
        Ok(())
    }

    /// Sends a message with BDAT chunks ([RFC 3030 §2](https://www.rfc-editor.org/rfc/rfc3030#section-2)):
    /// each chunk's command line and bytes in one write, no dot-stuffing, no end marker.
    /// Returns the reply to the last chunk sent — the `LAST` one, or the first that was refused.
    pub async fn send_bdat(
        &mut self,
        message: &[u8],
        chunk_size: usize,
    ) -> Result<Reply, DriverError> {
        let mut last_reply = None;
        for (command, chunk) in bdat_chunks(message, chunk_size) {
            let mut bytes = match command.encode() {
                Ok(bytes) => bytes,
                Err(e) => return self.fail(e.into()),
            };
            bytes.extend_from_slice(chunk);
            let shown = format!("{} <chunk: {} bytes>", command.redacted(), chunk.len());
            self.send_bytes(&bytes, shown, false).await?;
            let last = matches!(command, Command::Bdat { last: true, .. });
            self.session.on_sent(&Sent::BdatChunk {
                last,
                data: chunk.to_vec(),
            });
            let reply = self.read_reply().await?;
            let accepted = reply.code() == Some(250);
            last_reply = Some(reply);
            if !accepted {
                break;
            }
        }
        match last_reply {
            Some(reply) => Ok(reply),
            // `bdat_chunks` always yields at least `BDAT 0 LAST`.
            None => self.fail(DriverError::NotConnected),
        }
    }

    /// Closes the connection from our side.
    pub async fn close(&mut self) {
        if let Some(mut connection) = self.connection.take() {
            connection.shutdown().await;
            self.session.on_closed();
            let at = self.at();
            self.emit(SessionEvent::Closed { at, by_peer: false });
        }
    }
}
