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

mod data;
mod error;
mod pipeline;
mod read;
pub mod sink;
pub mod task;
mod tls;

use std::collections::VecDeque;
use std::time::{Duration, Instant};

use zeroize::Zeroizing;

pub use crate::event::{EventSink, Finding, Layer, SecretBytes, SessionEvent};
pub use data::{RECORDED_BODY_LIMIT, STREAM_CHUNK};
pub use error::DriverError;
pub use pipeline::Piece;

use crate::event::{Shown, TlsVerdict};
use crate::net::{ConnectOptions, Connection, Target, TlsOptions};
use crate::proto::auth::policy::Protection;
use crate::proto::auth::{AuthStep, Credentials, Mechanism, SaslClient};
use crate::proto::command::Command;
use crate::proto::reply::Reply;
use crate::proto::session::{Sent, Session};

/// Unsolicited replies in a row before the driver gives up on the connection.
const MAX_UNSOLICITED: usize = 100;

pub struct Driver {
    target: Target,
    options: ConnectOptions,
    tls: TlsOptions,
    reply_timeout: Duration,
    connection: Option<Connection>,
    session: Session,
    /// When this connection began: event times count from here, so each connection's clock
    /// starts at zero.
    start: Instant,
    last_sent: Option<Instant>,
    /// When each command awaiting a reply was sent, in the order of the session's queue of
    /// awaited replies (`None` for the greeting), so that a reply's latency is measured from
    /// the command it answers, not from the last one sent — with pipelining those differ
    /// ([RFC 2920 §3.2](https://www.rfc-editor.org/rfc/rfc2920#section-3.2): replies come
    /// in the order of the commands).
    sent_at: VecDeque<Option<Instant>>,
    sink: EventSink,
    /// Whether `Sent` events carry secret bytes in `revealed` (`--record-secrets`).
    reveal_secrets: bool,
    /// Replies in a row that no command awaited.
    unsolicited: usize,
    /// The certificate verdict of the TLS now up, for the credential policy.
    tls_verdict: Option<TlsVerdict>,
    /// Connections opened so far (the explorer's `/reconnect` opens more than one).
    connections: u32,
    /// The server speaks LMTP (`--lmtp`): each connection's session is an LMTP one.
    lmtp: bool,
    /// The LMTP replies to the end of the last message, each matched to its recipient,
    /// until [`Driver::take_deliveries`].
    deliveries: Vec<Delivery>,
    /// The replies of the message whose LMTP replies are still coming in.
    lmtp_message: Vec<Delivery>,
    /// A connection opened before the driver ran (the winner of `--mx` routing), used by
    /// the next [`Driver::connect`] instead of opening one.
    handed_over: Option<Connection>,
}

/// One recipient's reply to the end of an LMTP message
/// ([RFC 2033 §4.2](https://www.rfc-editor.org/rfc/rfc2033#section-4.2)).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Delivery {
    pub recipient: String,
    pub reply: Reply,
}

impl Delivery {
    /// 2yz: this recipient has the message.
    pub fn delivered(&self) -> bool {
        self.reply.severity() == crate::proto::reply::Severity::PositiveCompletion
    }
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
            sent_at: VecDeque::from([None]),
            sink,
            reveal_secrets: false,
            unsolicited: 0,
            tls_verdict: None,
            connections: 0,
            lmtp: false,
            deliveries: Vec::new(),
            lmtp_message: Vec::new(),
            handed_over: None,
        }
    }

    /// Takes a connection opened elsewhere (`--mx` routing tried the MX hosts' addresses)
    /// for the next [`Driver::connect`]. Its address becomes the target, so a reconnect
    /// goes to the same MX address, and `server_name` (the MX host) becomes the name the
    /// certificate is verified against unless one was asked for — what a sending MTA
    /// checks ([RFC 7672 §3.2.2](https://www.rfc-editor.org/rfc/rfc7672#section-3.2.2),
    /// [RFC 8461 §4.2](https://www.rfc-editor.org/rfc/rfc8461#section-4.2)).
    pub fn hand_over(&mut self, connection: Connection, server_name: &str) {
        self.target = connection.target().clone();
        if self.tls.verify_name.is_none() {
            self.tls.verify_name = Some(server_name.to_string());
        }
        self.handed_over = Some(connection);
    }

    /// Speak LMTP ([RFC 2033](https://www.rfc-editor.org/rfc/rfc2033)) from the next
    /// connection on: the session expects LHLO and one reply per accepted recipient after
    /// the end of data.
    pub fn lmtp(&mut self, lmtp: bool) {
        self.lmtp = lmtp;
    }

    /// The LMTP per-recipient replies of the last message whose replies are all in, in
    /// recipient order (empty after a call, until the next message's are in).
    pub fn take_deliveries(&mut self) -> Vec<Delivery> {
        std::mem::take(&mut self.deliveries)
    }

    /// Reads the LMTP per-recipient replies to the end of data still due (the first one
    /// was read by whoever sent the message).
    pub async fn read_deliveries(&mut self) -> Result<(), DriverError> {
        while self.session.pending().next().is_some_and(|p| {
            p.argument.is_some()
                && matches!(
                    p.state,
                    crate::proto::session::State::ExpectDataReply
                        | crate::proto::session::State::ExpectBdatReply { last: true }
                )
        }) {
            self.read_reply().await?;
        }
        Ok(())
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

    /// The way connections go to the server (proxy, local address, PROXY header).
    pub fn route(&self) -> &crate::net::Route {
        &self.options.route
    }

    pub fn is_connected(&self) -> bool {
        self.connection.is_some()
    }

    /// The address of the server connected to, if connected.
    pub fn peer_addr(&self) -> Option<std::net::SocketAddr> {
        self.connection.as_ref().map(Connection::peer_addr)
    }

    pub fn is_tls(&self) -> bool {
        self.connection.as_ref().is_some_and(Connection::is_tls)
    }

    /// How the connection is protected, for the credential policy
    /// ([`crate::proto::auth::policy`]).
    pub fn protection(&self) -> Protection {
        if !self.is_tls() {
            return Protection::Plaintext;
        }
        match &self.tls_verdict {
            Some(verdict) if verdict.ok() => Protection::VerifiedTls,
            Some(verdict) => Protection::UnverifiedTls {
                reason: verdict.summary(),
            },
            None => Protection::UnverifiedTls {
                reason: "no verdict".to_string(),
            },
        }
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
        let peer = self.connection.as_ref().map(Connection::peer_addr);
        self.emit(SessionEvent::Failed {
            at,
            failure: error.failure().with_peer(peer),
        });
        Err(error)
    }

    /// Connects over TCP, with TLS from the first byte when `implicit_tls`
    /// ([RFC 8314 §3](https://www.rfc-editor.org/rfc/rfc8314#section-3)).
    pub async fn connect(&mut self, implicit_tls: bool) -> Result<(), DriverError> {
        self.start = Instant::now();
        self.lmtp_message.clear();
        self.deliveries.clear();
        self.session = if self.lmtp {
            Session::lmtp()
        } else {
            Session::new()
        };
        self.last_sent = None;
        self.sent_at = VecDeque::from([None]);
        self.tls_verdict = None;
        self.connections += 1;
        if self.connections > 1 {
            // Each connection has its own clock: the transcript and the screen say where
            // one ends and the next begins.
            let n = self.connections;
            self.note(format!(
                "connection {n}: a new connection; times start again at 0.000 and each \
                     latency is this connection's own"
            ));
        }
        let result = if let Some(connection) = self.handed_over.take() {
            if implicit_tls {
                connection
                    .tls_on_connect(&self.tls)
                    .await
                    .map(|(c, info)| (c, Some(info)))
            } else {
                Ok((connection, None))
            }
        } else if implicit_tls {
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
        // The TCP connection's own time (a handed-over one's from where it was opened); an
        // implicit TLS handshake is timed in its own event.
        self.emit(SessionEvent::Connected {
            at,
            peer,
            took: connection.opened_in(),
        });
        for text in connection.route().notes() {
            self.note(text);
        }
        self.connection = Some(connection);
        if let Some(info) = tls {
            self.tls_established(info);
        }
        Ok(())
    }

    /// Sends bytes and reports them with `shown` as their display form.
    async fn send_bytes(
        &mut self,
        bytes: &[u8],
        shown: Shown,
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
        self.emit_sent(at, layer, bytes, shown, secret);
        Ok(())
    }

    /// Reports bytes that went out at `at`, with `shown` as their display form.
    fn emit_sent(&mut self, at: Duration, layer: Layer, bytes: &[u8], shown: Shown, secret: bool) {
        self.emit(SessionEvent::Sent {
            at,
            layer,
            shown,
            bytes: if secret { Vec::new() } else { bytes.to_vec() },
            secret,
            revealed: (secret && self.reveal_secrets).then(|| SecretBytes::new(bytes.to_vec())),
        });
    }

    /// Tells the session what went out, and notes when for each reply it now awaits.
    fn track_sent(&mut self, sent: &Sent) {
        self.session.on_sent(sent);
        let when = self.last_sent.unwrap_or_else(Instant::now);
        let awaited = self.session.pending().count();
        while self.sent_at.len() < awaited {
            self.sent_at.push_back(Some(when));
        }
        self.sent_at.truncate(awaited);
    }

    /// Sends one command (exact wire bytes from the encoder).
    pub async fn send(&mut self, command: &Command) -> Result<(), DriverError> {
        let bytes = match command.encode() {
            Ok(bytes) => bytes,
            Err(e) => return self.fail(e.into()),
        };
        self.drain_unsolicited().await?;
        let shown = command.redacted().into();
        self.send_bytes(&bytes, shown, command.is_secret()).await?;
        self.track_sent(&Sent::Command(command.clone()));
        Ok(())
    }

    /// Sends a command and reads its reply.
    pub async fn command(&mut self, command: &Command) -> Result<Reply, DriverError> {
        self.send(command).await?;
        self.read_reply().await
    }

    /// Sends bytes exactly as given (raw mode): nothing added, nothing checked.
    pub async fn send_raw(&mut self, bytes: &[u8]) -> Result<(), DriverError> {
        // Raw bytes that carry an AUTH exchange (an AUTH line with a secret, or any line
        // while an exchange is open) are a secret as a whole: shown up to where the secret
        // begins, recorded only with --record-secrets.
        let shown = match raw_secret_start(bytes, self.session.auth_exchange_open()) {
            // Shown carries the text as sent; each sink escapes it once.
            Some(start) => Shown::secret(
                &String::from_utf8_lossy(&bytes[..start]),
                bytes.len() - start,
            ),
            None => String::from_utf8_lossy(bytes).into_owned().into(),
        };
        let secret = shown.has_secret();
        self.send_bytes(bytes, shown, secret).await?;
        self.track_sent(&Sent::Raw(bytes.to_vec()));
        Ok(())
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
            Err(e) => return self.fail(DriverError::AuthSetup(e)),
        };
        let first = match client.start() {
            Ok(line) => line,
            Err(e) => return self.fail(DriverError::AuthSetup(e)),
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
                    return self.fail(DriverError::AuthExchange(e));
                }
            }
        }
        self.fail(DriverError::EndlessChallenges)
    }

    /// Closes the connection from our side.
    pub async fn close(&mut self) {
        if let Some(mut connection) = self.connection.take() {
            connection.shutdown().await;
            self.session.on_closed();
            self.sent_at.clear();
            let at = self.at();
            self.emit(SessionEvent::Closed { at, by_peer: false });
        }
    }
}

/// Where the secret part of raw bytes begins: the whole of them while an AUTH exchange is
/// open, else the secret words of the first AUTH line that carries one, or any line after
/// an AUTH line (the server reads it as the SASL response).
fn raw_secret_start(bytes: &[u8], exchange_open: bool) -> Option<usize> {
    if exchange_open {
        return Some(0);
    }
    let mut offset = 0;
    let mut after_auth = false;
    for line in bytes.split_inclusive(|&b| b == b'\n') {
        if after_auth {
            return Some(offset);
        }
        // A line that is not UTF-8 cannot be told apart: hide it from here on.
        let Ok(text) = std::str::from_utf8(line) else {
            return Some(offset);
        };
        let redacted = crate::proto::auth::redact_typed_line(text, false);
        if redacted.secret_len().is_some() {
            // The secret starts after the line's public words (mechanism and all).
            let public = redacted.public().len();
            return Some(offset + public.min(line.len()));
        }
        after_auth = text.trim_start().to_ascii_uppercase().starts_with("AUTH ");
        offset += line.len();
    }
    None
}

#[cfg(test)]
mod tests;
