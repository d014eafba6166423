//! One SMTP server session as a sans-IO state machine: bytes in, [`Event`]s out (replies to
//! send, things to log, "upgrade to TLS now", "store this message", "close"). The connection
//! driver ([`conn`](super::conn)) does the I/O and timing; this module decides every reply.
//!
//! ```text
//!            greeting
//!               │
//!               ▼            AUTH + 334            ┌────────────────────┐
//!   ┌──► ExpectCommand ─────────────────────────► │ ExpectAuthResponse │ (redacted in log)
//!   │      │  │   │  ◄──── 235 / 535 / 501 ────── └────────────────────┘
//!   │      │  │   │ DATA + 354     ┌────────────────┐
//!   │      │  │   └──────────────► │ ReceivingData  │ ── CRLF.CRLF ──► Deliver ──┐
//!   │      │  │ BDAT n             └────────────────┘                            │
//!   │      │  └──────────────────► ReceivingChunk (n octets) ── LAST ──► Deliver ─┤
//!   │      │ QUIT / drop-after                                                    │
//!   │      ▼                                                                      │
//!   │    Closed                                                                   │
//!   └─────────────────────────────── 250 queued as … ◄────────────────────────────┘
//! ```
//!
//! Security invariants: every line is bounded (1000 octets for commands, 12288 inside AUTH;
//! longer lines are discarded as they arrive, never buffered), message content is bounded by
//! the SIZE limit, and SASL payloads are never logged. After STARTTLS everything learnt from
//! the client is forgotten ([RFC 3207 §4.2](https://www.rfc-editor.org/rfc/rfc3207#section-4.2)).
//!
//! Layer: sandbox (server side), sans-IO; uses `proto` for command lines and DATA.

use std::net::SocketAddr;
use std::sync::Arc;

use crate::proto::data::{DataProgress, DataReceiver};

use super::auth::AuthExchange;
use super::behaviours::Policy;
use super::config::Credentials;
use super::parse::MailParams;
use super::replies::ServerReply;
use super::store::StoreError;

mod commands;
mod mail;

/// Longest command line, CRLF included: the text-line limit of
/// [RFC 5321 §4.5.3.1.6](https://www.rfc-editor.org/rfc/rfc5321#section-4.5.3.1.6). The
/// command-line limit of §4.5.3.1.4 is 512, but SMTP extensions lengthen MAIL and RCPT, so
/// servers accept more.
pub const MAX_COMMAND_LINE: usize = 1000;
/// Longest line inside an AUTH exchange ([RFC 4954 §4](https://www.rfc-editor.org/rfc/rfc4954#section-4)).
pub const MAX_AUTH_LINE: usize = 12288;

/// DATA content is handed to the driver ([`Event::Content`]) once this much has arrived.
pub const CONTENT_PIECE: usize = 128 * 1024;

/// The fixed part of a session's configuration, shared by all sessions of a server.
#[derive(Debug, Clone)]
pub struct SessionSettings {
    pub hostname: String,
    pub submission: bool,
    pub max_message_size: usize,
    pub max_recipients: usize,
    pub credentials: Credentials,
    /// Upper-case verb after which the connection is dropped.
    pub drop_after: Option<String>,
    /// Domains mail is accepted for without AUTH (empty: every domain, the default).
    pub local_domains: Vec<String>,
    /// A bare LF ends a line in DATA, and bare line ends are accepted (see
    /// [`Behaviours::lenient_eod`](crate::sandbox::Behaviours::lenient_eod)).
    pub lenient_eod: bool,
    /// EHLO is refused (`500 5.5.1`), only HELO works.
    pub no_esmtp: bool,
}

/// What the session tells its driver.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Event {
    /// Send this reply.
    Reply(ServerReply),
    /// What the client sent, for the log (`C:` lines); escaped, secrets redacted.
    Client(String),
    /// A remark for the log (leniency used, policy decisions).
    Note(String),
    /// The 220 to STARTTLS was queued: send it, discard any buffered input, start TLS, then
    /// call [`Session::tls_started`].
    StartTls,
    /// DATA was accepted: a message with this envelope (no content yet) begins. Its content
    /// follows in [`Event::Content`] pieces, then [`Event::Deliver`] or [`Event::Discard`].
    BeginMessage(Envelope),
    /// The next piece of the message begun with [`Event::BeginMessage`], in order: spool it.
    Content(Vec<u8>),
    /// The message begun with [`Event::BeginMessage`] was refused: drop what was spooled.
    Discard,
    /// A message was accepted: store it (after the pieces already given, if it was begun with
    /// [`Event::BeginMessage`], its `content` is the last piece), then send
    /// [`Session::delivered`]'s reply.
    Deliver(Envelope),
    /// Send what is queued and close.
    Close,
    /// Close now without a reply (`--drop-after`).
    Drop,
    /// Wait this long before what follows: a failed AUTH slows the next try down, as real
    /// servers do (Postfix's `smtpd_error_sleep_time`, Dovecot's `auth_failure_delay`).
    Delay(std::time::Duration),
    /// Send what is queued and close, for this reason (for the log).
    CloseFor(&'static str),
}

/// Failed AUTH attempts one connection may make; the next failure gets 421 and the close.
pub const MAX_AUTH_FAILURES: u32 = 5;

/// The wait before the reply to the `n`th failed AUTH on a connection: 250 ms, doubling,
/// at most 4 s — enough to make guessing slow, short enough for a person retyping.
pub fn auth_failure_delay(n: u32) -> std::time::Duration {
    let ms = 250u64.saturating_mul(1 << n.saturating_sub(1).min(4));
    std::time::Duration::from_millis(ms.min(4_000))
}

/// An accepted message and its envelope.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Envelope {
    pub from: String,
    pub recipients: Vec<String>,
    /// The content exactly as received (unstuffed for DATA).
    pub content: Vec<u8>,
    pub helo: String,
    pub esmtp: bool,
    pub tls: bool,
    pub authenticated: Option<String>,
    pub smtputf8: bool,
    pub peer: SocketAddr,
    pub conn_id: u64,
}

/// The result of [`Session::advance`]: how much input was used and what to do.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Progress {
    pub consumed: usize,
    pub events: Vec<Event>,
}

impl Progress {
    /// Nothing used, nothing to do: the driver must read more.
    pub fn needs_input(&self) -> bool {
        self.consumed == 0 && self.events.is_empty()
    }
}

/// What the session waits for.
#[derive(Debug)]
enum State {
    ExpectCommand,
    ExpectAuthResponse(AuthExchange),
    ReceivingData(DataReceiver),
    ReceivingChunk(Chunk),
    Closed,
}

/// A BDAT chunk being read. Its octets are read even when the command was refused, so the
/// session stays in step with the client ([RFC 3030 §2](https://www.rfc-editor.org/rfc/rfc3030#section-2)).
#[derive(Debug)]
struct Chunk {
    size: u64,
    remaining: u64,
    last: bool,
    refusal: Option<ServerReply>,
}

/// The mail transaction between MAIL and the end of the message.
#[derive(Debug)]
struct Transaction {
    from: String,
    params: MailParams,
    recipients: Vec<String>,
    /// BDAT content so far (bounded by the size limit).
    chunks: Vec<u8>,
    chunk_total: u64,
    used_bdat: bool,
}

/// One client's session.
#[derive(Debug)]
pub struct Session {
    settings: Arc<SessionSettings>,
    peer: SocketAddr,
    conn_id: u64,
    state: State,
    tls: bool,
    /// The HELO/EHLO name and whether it was EHLO.
    helo: Option<(String, bool)>,
    user: Option<String>,
    transaction: Option<Transaction>,
    /// Octets of an over-long line discarded so far.
    discarding: Option<usize>,
    /// Failed AUTH attempts on this connection: each waits longer, too many end it.
    auth_failures: u32,
}

impl Session {
    /// A session on a fresh connection; `tls` is true on the implicit-TLS listener.
    pub fn new(
        settings: Arc<SessionSettings>,
        peer: SocketAddr,
        conn_id: u64,
        tls: bool,
    ) -> Session {
        Session {
            settings,
            peer,
            conn_id,
            state: State::ExpectCommand,
            tls,
            helo: None,
            user: None,
            transaction: None,
            discarding: None,
            auth_failures: 0,
        }
    }

    /// The greeting ([RFC 5321 §4.3.1](https://www.rfc-editor.org/rfc/rfc5321#section-4.3.1));
    /// no enhanced code (RFC 2034 §3).
    pub fn greeting(&self) -> ServerReply {
        ServerReply::plain(
            220,
            format!("{} ESMTP smtpx sandbox", self.settings.hostname),
        )
    }

    pub fn is_closed(&self) -> bool {
        matches!(self.state, State::Closed)
    }

    /// The TLS handshake after STARTTLS succeeded: forget HELO, AUTH and any transaction; the
    /// client must send EHLO again ([RFC 3207 §4.2](https://www.rfc-editor.org/rfc/rfc3207#section-4.2)).
    pub fn tls_started(&mut self) {
        self.tls = true;
        self.helo = None;
        self.user = None;
        self.transaction = None;
        self.discarding = None;
        self.state = State::ExpectCommand;
    }

    /// The reply after the driver tried to store a [`Event::Deliver`]ed message: its id, or
    /// why it could not (the client is told only that it failed; the log has the cause).
    pub fn delivered(&self, stored: Result<&str, &StoreError>) -> ServerReply {
        match stored {
            Ok(id) => ServerReply::new(250, "2.0.0", format!("Ok: queued as {id}")),
            Err(_) => ServerReply::new(451, "4.3.0", "Error: could not store the message"),
        }
    }

    /// Consumes at most one command line, or a piece of message content, from `input`.
    /// Call again with the rest until [`Progress::needs_input`].
    pub fn advance(&mut self, input: &[u8], policy: &dyn Policy) -> Progress {
        match &mut self.state {
            State::Closed => Progress::default(),
            State::ReceivingData(receiver) => match receiver.feed(input) {
                DataProgress::NeedMore => {
                    // Hand the content over in pieces so a large message is never held whole.
                    let events = if receiver.buffered() >= CONTENT_PIECE {
                        vec![Event::Content(receiver.take_content())]
                    } else {
                        Vec::new()
                    };
                    Progress {
                        consumed: input.len(),
                        events,
                    }
                }
                DataProgress::Complete { consumed, message } => {
                    self.state = State::ExpectCommand;
                    Progress {
                        consumed,
                        events: self.end_of_data(message),
                    }
                }
            },
            State::ReceivingChunk(chunk) => {
                let take = usize::try_from(chunk.remaining)
                    .unwrap_or(usize::MAX)
                    .min(input.len());
                chunk.remaining -= take as u64;
                let done = chunk.remaining == 0;
                self.chunk_bytes(&input[..take]);
                let events = if done {
                    self.end_of_chunk()
                } else {
                    Vec::new()
                };
                Progress {
                    consumed: take,
                    events,
                }
            }
            State::ExpectCommand | State::ExpectAuthResponse(_) => self.line(input, policy),
        }
    }

    /// Frames one line, discarding over-long lines as they arrive.
    fn line(&mut self, input: &[u8], policy: &dyn Policy) -> Progress {
        let limit = match self.state {
            State::ExpectAuthResponse(_) => MAX_AUTH_LINE,
            _ => MAX_COMMAND_LINE,
        };
        let window = &input[..input.len().min(limit)];
        let lf = window.iter().position(|&b| b == b'\n');
        if lf.is_none() && self.discarding.is_none() {
            if input.len() < limit {
                return Progress::default();
            }
            self.discarding = Some(0);
        }
        if let Some(seen) = self.discarding {
            // Over the limit: drop bytes up to the next LF as they arrive, then answer once.
            let Some(lf) = input.iter().position(|&b| b == b'\n') else {
                self.discarding = Some(seen + input.len());
                return Progress {
                    consumed: input.len(),
                    events: Vec::new(),
                };
            };
            self.discarding = None;
            if matches!(self.state, State::ExpectAuthResponse(_)) {
                self.state = State::ExpectCommand;
            }
            return Progress {
                consumed: lf + 1,
                events: vec![
                    Event::Client(format!("<line of {} octets discarded>", seen + lf + 1)),
                    Event::Reply(ServerReply::new(500, "5.5.6", "Error: line too long")),
                ],
            };
        }
        let Some(lf) = lf else {
            return Progress::default();
        };
        let consumed = lf + 1;
        let mut events = Vec::new();
        let line = match input[..lf].strip_suffix(b"\r") {
            Some(line) => line,
            None => {
                events.push(Event::Note(
                    "line ended in bare LF (accepted for commands)".into(),
                ));
                &input[..lf]
            }
        };
        let more = match std::mem::replace(&mut self.state, State::ExpectCommand) {
            State::ExpectAuthResponse(exchange) => self.auth_response(exchange, line),
            _ => self.command(line, policy),
        };
        events.extend(more);
        Progress { consumed, events }
    }
}

/// `530 5.7.0` in submission mode before TLS ([RFC 3207 §4](https://www.rfc-editor.org/rfc/rfc3207#section-4)).
fn must_starttls() -> ServerReply {
    ServerReply::new(530, "5.7.0", "Must issue a STARTTLS command first")
}

#[cfg(test)]
mod tests;
