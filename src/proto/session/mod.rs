//! The client side of an SMTP session as a state machine: fed what the client sent
//! ([`Session::on_sent`]) and each reply ([`Session::on_reply`]), it says what every reply
//! answered and what changed, knows which commands are valid next ([`Session::valid_next`])
//! and warns before a command breaks a rule ([`Session::check`]) — while still letting the
//! user send anything.
//!
//! States are named for what they await, as rustls names its handshake states. The
//! client may send several commands before their replies arrive, so what is awaited is a
//! FIFO queue of [`Pending`] entries and replies are matched to it in order
//! ([RFC 2920 §3.2](https://www.rfc-editor.org/rfc/rfc2920#section-3.2)); the current
//! [`State`] is the front of that queue. What persists between commands (greeted, EHLO
//! capabilities, TLS, authenticated, mail transaction, message mode) is kept beside it.
//!
//! ```text
//! connect --> ExpectGreeting --220--> Ready
//!             (implicit TLS: on_tls_established() comes first; the greeting stays due)
//!
//! Ready --EHLO/LHLO--> ExpectEhloReply/ExpectLhloReply --250--> Ready + capabilities
//! Ready --HELO-------> ExpectHeloReply --250-----------------> Ready (no extensions)
//! Ready --STARTTLS---> ExpectTlsGo --220--> TlsHandshake
//!                        --on_tls_established()-------------> Ready (capabilities forgotten)
//! Ready --AUTH-------> ExpectAuthChallenge --235-------------> Ready (authenticated)
//!                        ^          |
//!                        |         334
//!                    response       v
//!                        +---- AuthResponseDue
//! Ready --MAIL-------> ExpectMailReply --250-----------------> Ready (mail transaction open)
//! Ready --RCPT-------> ExpectRcptReply --250/550-------------> Ready (recipient counted)
//! Ready --DATA-------> ExpectDataGo --354--> MessageMode
//!                        --CRLF.CRLF--> ExpectDataReply -----> Ready (transaction over)
//! Ready --BDAT-------> ExpectBdatReply --250-----------------> Ready (LAST: transaction over)
//!   (LMTP: one ExpectDataReply / ExpectBdatReply{last} per recipient accepted or still
//!    awaiting its RCPT reply; the transaction ends with the last of them)
//! Ready --XCLIENT----> ExpectReply(XCLIENT) --220------------> Ready (greeted again: EHLO due)
//! Ready --other------> ExpectReply(verb) --any reply---------> Ready
//! Ready --QUIT-------> ExpectQuitReply --221-----------------> Closed
//! any state --421, or on_closed()----------------------------> Closed
//! ```
//!
//! A 4yz/5yz reply leaves the phase as it was (a rejected RCPT adds no recipient; a
//! rejected DATA leaves the transaction open).
//!
//! Layer: protocol core (sans-IO).

use std::collections::VecDeque;

use zeroize::Zeroizing;

use super::capability::Capabilities;
use super::command::Command;

mod advice;
mod outcome;
mod warning;
mod wire;

pub use advice::Suggestion;
pub use outcome::{Change, Outcome, Unexpected};
pub use warning::Warning;
use wire::MessageScan;

/// What the session awaits. `Expect*` states await a reply to the [`Pending`] command at
/// the front of the queue; the others say whose turn it is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum State {
    /// The server speaks first ([RFC 5321 §3.1](https://www.rfc-editor.org/rfc/rfc5321#section-3.1)).
    ExpectGreeting,
    /// Nothing awaited: the client's turn.
    Ready,
    ExpectEhloReply,
    /// LHLO, the LMTP greeting ([RFC 2033 §4.1](https://www.rfc-editor.org/rfc/rfc2033#section-4.1)).
    ExpectLhloReply,
    ExpectHeloReply,
    /// Awaits 220 to STARTTLS ([RFC 3207 §4](https://www.rfc-editor.org/rfc/rfc3207#section-4)).
    ExpectTlsGo,
    /// The server said 220 to STARTTLS: the caller must run the TLS handshake now and then
    /// call [`Session::on_tls_established`].
    TlsHandshake,
    /// Awaits 334 (a challenge), 235 (success) or a failure to AUTH or to an AUTH response
    /// ([RFC 4954 §4](https://www.rfc-editor.org/rfc/rfc4954#section-4)).
    ExpectAuthChallenge,
    /// A 334 arrived: the next client line is read as the SASL response, whatever it is.
    AuthResponseDue,
    ExpectMailReply,
    ExpectRcptReply,
    /// Awaits 354 to DATA.
    ExpectDataGo,
    /// After 354: the client sends the message and the end marker `CRLF.CRLF`
    /// ([RFC 5321 §4.1.1.4](https://www.rfc-editor.org/rfc/rfc5321#section-4.1.1.4)).
    MessageMode,
    /// Awaits the reply to the end of the message (one per accepted recipient over LMTP,
    /// [RFC 2033 §4.2](https://www.rfc-editor.org/rfc/rfc2033#section-4.2)).
    ExpectDataReply,
    /// Awaits the reply to a BDAT chunk ([RFC 3030 §2](https://www.rfc-editor.org/rfc/rfc3030#section-2)).
    ExpectBdatReply {
        last: bool,
    },
    ExpectQuitReply,
    /// Awaits the reply to any other command (RSET, NOOP, VRFY, EXPN, HELP, unknown verbs).
    ExpectReply(String),
    /// The server closed (221, 421) or the connection ended.
    Closed,
}

/// A command whose reply is awaited.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pending {
    /// The `Expect*` state this entry stands for.
    pub state: State,
    /// The command line as sent, SASL secrets redacted (for display).
    pub command: String,
    /// The path of MAIL/RCPT, the mechanism of AUTH, the recipient of an LMTP data reply.
    pub argument: Option<String>,
}

impl Pending {
    fn new(state: State, command: impl Into<String>, argument: Option<String>) -> Pending {
        Pending {
            state,
            command: command.into(),
            argument,
        }
    }

    /// Whether this command must be the last of a pipelined group, because its reply
    /// changes what the client may send next
    /// ([RFC 2920 §3.1](https://www.rfc-editor.org/rfc/rfc2920#section-3.1);
    /// STARTTLS: [RFC 3207 §4](https://www.rfc-editor.org/rfc/rfc3207#section-4); AUTH
    /// because a 334 makes the next line a SASL response).
    pub fn ends_group(&self) -> bool {
        match &self.state {
            State::ExpectReply(verb) => {
                ["VRFY", "EXPN", "NOOP", "TURN", "XCLIENT"].contains(&verb.as_str())
            }
            State::ExpectGreeting
            | State::ExpectEhloReply
            | State::ExpectLhloReply
            | State::ExpectHeloReply
            | State::ExpectTlsGo
            | State::ExpectAuthChallenge
            | State::ExpectDataGo
            | State::ExpectQuitReply => true,
            _ => false,
        }
    }
}

/// What the client sent, as the session needs to know it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Sent {
    /// One command line. [`Command::AuthResponse`] is the client's answer to a 334.
    Command(Command),
    /// Bytes sent as typed in raw mode. They are split into lines and classified as the
    /// server would read them: commands, a SASL response after 334, message content in
    /// message mode, chunk data after a BDAT line.
    Raw(Vec<u8>),
    /// Message content after 354, dot-stuffed, normally ending with the end marker
    /// `CRLF.CRLF`. It may come in pieces; message mode lasts until the end marker.
    Message(Vec<u8>),
    /// `BDAT <len> [LAST]` and the chunk's bytes, sent together.
    BdatChunk { last: bool, data: Vec<u8> },
}

/// How the server greeted the client.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Hello {
    Ehlo(Capabilities),
    Lhlo(Capabilities),
    /// HELO: no extensions may be used.
    Helo,
}

/// The mail transaction in progress (from an accepted MAIL to the end of the message or
/// RSET; [RFC 5321 §3.3](https://www.rfc-editor.org/rfc/rfc5321#section-3.3)).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Transaction {
    pub reverse_path: String,
    pub accepted: Vec<String>,
    pub rejected: Vec<String>,
}

/// The client-side session. See the module documentation.
#[derive(Debug, Clone)]
pub struct Session {
    submission: bool,
    /// The peer speaks LMTP ([RFC 2033](https://www.rfc-editor.org/rfc/rfc2033)): it is
    /// greeted with LHLO and answers the end of data once per accepted recipient.
    lmtp: bool,
    queue: VecDeque<Pending>,
    greeted: bool,
    /// The greeting was 4yz/5yz (554 "no service"): only QUIT makes sense.
    refused: bool,
    hello: Option<Hello>,
    tls: bool,
    tls_pending: bool,
    authenticated: bool,
    auth_response_due: bool,
    transaction: Option<Transaction>,
    /// BDAT was sent in this transaction; DATA may not follow (RFC 3030 §2).
    chunked: bool,
    message: Option<MessageScan>,
    bdat_remaining: u64,
    /// A partial raw line; may hold SASL secrets, so it is wiped when dropped.
    line: Zeroizing<Vec<u8>>,
    closed: bool,
}

impl Default for Session {
    fn default() -> Self {
        Session::new()
    }
}

impl Session {
    /// A session with a relay (MX, port 25) awaiting its greeting.
    pub fn new() -> Session {
        Session {
            submission: false,
            lmtp: false,
            queue: VecDeque::from([Pending::new(State::ExpectGreeting, "(connect)", None)]),
            greeted: false,
            refused: false,
            hello: None,
            tls: false,
            tls_pending: false,
            authenticated: false,
            auth_response_due: false,
            transaction: None,
            chunked: false,
            message: None,
            bdat_remaining: 0,
            line: Zeroizing::new(Vec::new()),
            closed: false,
        }
    }

    /// A session with a message submission agent (ports 587/465), which refuses MAIL
    /// before AUTH ([RFC 6409 §4.3](https://www.rfc-editor.org/rfc/rfc6409#section-4.3)).
    pub fn submission() -> Session {
        Session {
            submission: true,
            ..Session::new()
        }
    }

    pub fn is_submission(&self) -> bool {
        self.submission
    }

    /// A session with an LMTP server ([RFC 2033 §4](https://www.rfc-editor.org/rfc/rfc2033#section-4)):
    /// LHLO instead of EHLO, and after the end of data (or `BDAT … LAST`) one reply per
    /// accepted recipient, each matched to its recipient.
    pub fn lmtp() -> Session {
        Session {
            lmtp: true,
            ..Session::new()
        }
    }

    /// Whether the session speaks LMTP: made with [`Session::lmtp`], or an LHLO was
    /// accepted.
    pub fn is_lmtp(&self) -> bool {
        self.lmtp || matches!(self.hello, Some(Hello::Lhlo(_)))
    }

    /// The recipients whose replies an LMTP end of data awaits, in RCPT order
    /// ([RFC 2033 §4.2](https://www.rfc-editor.org/rfc/rfc2033#section-4.2)); empty over SMTP,
    /// where one reply answers for all.
    /// Recipients whose RCPT reply is still due count too: with pipelining the end of data
    /// can leave before they are answered, and a refused one then drops its entry
    /// ([`Session::drop_lmtp_reply`]).
    fn lmtp_recipients(&self) -> Vec<String> {
        if !self.is_lmtp() {
            return Vec::new();
        }
        let mut recipients = self
            .transaction
            .as_ref()
            .map(|t| t.accepted.clone())
            .unwrap_or_default();
        recipients.extend(
            self.queue
                .iter()
                .filter(|p| p.state == State::ExpectRcptReply)
                .filter_map(|p| p.argument.clone()),
        );
        recipients
    }

    /// A pipelined RCPT was refused after the end of data was sent: no LMTP reply will
    /// come for it. The last such entry of a message stays, without a recipient: a server
    /// answers a message with no recipient once, with a failure.
    fn drop_lmtp_reply(&mut self, recipient: &str) {
        let is_lmtp_reply = |p: &Pending| {
            p.argument.is_some()
                && matches!(
                    p.state,
                    State::ExpectDataReply | State::ExpectBdatReply { last: true }
                )
        };
        let Some(index) = self
            .queue
            .iter()
            .position(|p| is_lmtp_reply(p) && p.argument.as_deref() == Some(recipient))
        else {
            return;
        };
        if self.queue.iter().filter(|p| is_lmtp_reply(p)).count() > 1 {
            self.queue.remove(index);
        } else if let Some(entry) = self.queue.get_mut(index) {
            entry.argument = None;
        }
    }

    /// What the session awaits now (with pipelining, the oldest awaited reply).
    pub fn state(&self) -> State {
        if self.closed {
            State::Closed
        } else if let Some(front) = self.queue.front() {
            front.state.clone()
        } else if self.tls_pending {
            State::TlsHandshake
        } else if self.message.is_some() {
            State::MessageMode
        } else if self.auth_response_due {
            State::AuthResponseDue
        } else {
            State::Ready
        }
    }

    /// Whether an AUTH exchange is open: a 334 awaits its answer, or AUTH (or an answer)
    /// was sent and its reply has not come. Any line sent now is read by the server as a
    /// SASL response — a secret — even when typed before the challenge arrived
    /// ([RFC 4954 §4](https://www.rfc-editor.org/rfc/rfc4954#section-4)).
    pub fn auth_exchange_open(&self) -> bool {
        self.auth_response_due
            || self
                .queue
                .back()
                .is_some_and(|p| p.state == State::ExpectAuthChallenge)
    }

    /// Commands sent whose replies have not arrived, oldest first.
    pub fn pending(&self) -> impl Iterator<Item = &Pending> {
        self.queue.iter()
    }

    pub fn greeted(&self) -> bool {
        self.greeted
    }

    pub fn hello(&self) -> Option<&Hello> {
        self.hello.as_ref()
    }

    /// The capabilities of the current EHLO/LHLO (none after HELO or after TLS starts).
    pub fn capabilities(&self) -> Option<&Capabilities> {
        match &self.hello {
            Some(Hello::Ehlo(caps) | Hello::Lhlo(caps)) => Some(caps),
            _ => None,
        }
    }

    pub fn tls_active(&self) -> bool {
        self.tls
    }

    pub fn authenticated(&self) -> bool {
        self.authenticated
    }

    pub fn transaction(&self) -> Option<&Transaction> {
        self.transaction.as_ref()
    }

    /// After 354, until the client sends the end marker.
    pub fn in_message_mode(&self) -> bool {
        self.message.is_some()
    }

    pub fn is_closed(&self) -> bool {
        self.closed
    }

    /// Records what the client sent.
    pub fn on_sent(&mut self, sent: &Sent) {
        if self.closed {
            return;
        }
        match sent {
            Sent::Command(command) => self.on_command(command),
            Sent::Raw(bytes) => self.on_bytes(bytes),
            Sent::Message(bytes) => {
                // Taken as message content whatever the state: that is what the caller
                // meant, and `check_sent` has warned if no 354 came.
                self.message.get_or_insert(MessageScan::LineStart);
                self.on_bytes(bytes);
            }
            Sent::BdatChunk { last, data } => {
                let size = u64::try_from(data.len()).unwrap_or(u64::MAX);
                self.on_command(&Command::Bdat { size, last: *last });
                // The data went with the command line; nothing is left to skip.
                self.bdat_remaining = 0;
            }
        }
    }

    fn push(&mut self, state: State, command: impl Into<String>, argument: Option<String>) {
        self.queue.push_back(Pending::new(state, command, argument));
    }

    fn on_command(&mut self, command: &Command) {
        if self.message.is_some() {
            // In message mode the server reads any line as message content.
            if let Ok(bytes) = command.encode() {
                self.on_bytes(&bytes);
            }
            return;
        }
        let label = command.redacted().as_str().to_owned();
        let awaiting_auth =
            self.queue.back().map(|p| &p.state) == Some(&State::ExpectAuthChallenge);
        if self.auth_response_due || (matches!(command, Command::AuthResponse(_)) && awaiting_auth)
        {
            // After 334 the server reads the next line as the SASL response.
            self.auth_response_due = false;
            let label = if matches!(command, Command::AuthResponse(_)) {
                label
            } else {
                format!("{label} (read as an AUTH response)")
            };
            self.push(State::ExpectAuthChallenge, label, None);
            return;
        }
        let (state, argument) = match command {
            Command::Helo(_) => (State::ExpectHeloReply, None),
            Command::Ehlo(_) => (State::ExpectEhloReply, None),
            Command::Lhlo(_) => (State::ExpectLhloReply, None),
            Command::Mail { from, .. } => (State::ExpectMailReply, Some(from.clone())),
            Command::Rcpt { to, .. } => (State::ExpectRcptReply, Some(to.clone())),
            Command::Data => (State::ExpectDataGo, None),
            Command::Bdat { size, last } => {
                self.chunked = true;
                self.bdat_remaining = *size;
                // Over LMTP the last chunk, like the end of data, gets one reply per
                // accepted recipient (RFC 2033 §4.2); earlier chunks get one.
                let recipients = if *last {
                    self.lmtp_recipients()
                } else {
                    Vec::new()
                };
                if !recipients.is_empty() {
                    for recipient in recipients {
                        self.push(
                            State::ExpectBdatReply { last: true },
                            label.clone(),
                            Some(recipient),
                        );
                    }
                    return;
                }
                (State::ExpectBdatReply { last: *last }, None)
            }
            Command::StartTls => (State::ExpectTlsGo, None),
            Command::Auth { mechanism, .. } => (
                State::ExpectAuthChallenge,
                Some(mechanism.to_ascii_uppercase()),
            ),
            Command::Quit => (State::ExpectQuitReply, None),
            other => (State::ExpectReply(other.verb().to_ascii_uppercase()), None),
        };
        self.push(state, label, argument);
    }

    fn end_transaction(&mut self) {
        self.transaction = None;
        self.chunked = false;
    }

    fn close(&mut self) {
        self.closed = true;
        self.queue.clear();
        self.message = None;
        self.auth_response_due = false;
        self.tls_pending = false;
    }

    /// The TLS handshake completed (after STARTTLS, or at connect for implicit TLS). All
    /// knowledge from before TLS is discarded and a new EHLO is expected
    /// ([RFC 3207 §4.2](https://www.rfc-editor.org/rfc/rfc3207#section-4.2)). A greeting
    /// still due (implicit TLS) stays due.
    pub fn on_tls_established(&mut self) {
        self.tls = true;
        self.tls_pending = false;
        self.hello = None;
        self.authenticated = false;
        self.auth_response_due = false;
        self.message = None;
        self.bdat_remaining = 0;
        self.line.clear();
        self.end_transaction();
    }

    /// The connection ended. Returns the commands that will never be answered.
    pub fn on_closed(&mut self) -> Vec<Pending> {
        let unanswered = self.queue.drain(..).collect();
        self.close();
        unanswered
    }
}

#[cfg(test)]
mod tests;
