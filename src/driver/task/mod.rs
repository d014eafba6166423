//! The explorer's network task: owns the [`Driver`], turns the person's [`Intent`]s into
//! wire traffic, and reports every [`SessionEvent`] plus a snapshot of the protocol
//! [`Session`] after each step ([`Update`]).
//!
//! Layer: driver. The UI never touches the connection or the session; it sends intents
//! and draws what comes back (STYLE.md §2).
//!
//! ```text
//!            Intent (mpsc)                      Update (mpsc)
//!  UI loop ───────────────▶ run(): select! { intent, next reply } ───────────────▶ UI loop
//!                                   │
//!                                   └─ 220 to STARTTLS ─▶ TLS handshake at once
//! ```
//!
//! Nothing is sent that the person did not ask for: the task only reads while idle, with
//! no timeout unless a reply is awaited.

use tokio::sync::mpsc::{UnboundedReceiver, UnboundedSender};

use super::{Driver, DriverError, EventSink, SessionEvent};
use crate::net::NetError;
use crate::proto::auth::{Mechanism, parse_sasl_response_line};
use crate::proto::command::{LineIssue, parse_command_line};
use crate::proto::session::{Session, State};

mod transaction;

use transaction::run_transaction;
pub use transaction::{SecretError, SecretSource, SecretText, SendMethod, TransactionPlan};

/// What the person asked for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Intent {
    /// A line typed at the prompt, sent as one SMTP command with CRLF added. After a 334
    /// it is read as the SASL response ([RFC 4954 §4](https://www.rfc-editor.org/rfc/rfc4954#section-4)).
    Line(String),
    /// Bytes sent exactly as given (raw mode): nothing added, nothing checked.
    Raw(Vec<u8>),
    /// Run the TLS handshake now (normally it runs by itself after the 220 to STARTTLS).
    StartTls,
    /// Message content after 354; dot-stuffed and ended with `CRLF.CRLF` on the wire
    /// ([RFC 5321 §4.5.2](https://www.rfc-editor.org/rfc/rfc5321#section-4.5.2)).
    Message(Vec<u8>),
    /// Run a whole SASL exchange ([RFC 4954 §4](https://www.rfc-editor.org/rfc/rfc4954#section-4))
    /// from the AUTH form. The secret travels as a [`SecretSource`]: typed (zeroized when
    /// dropped, `Debug` shows nothing) or the name of where to read an XOAUTH2 token — the
    /// task reads it, the app does no I/O.
    Auth {
        mechanism: Mechanism,
        user: String,
        secret: SecretSource,
    },
    /// Run a mail transaction from the composer, step by step (`transaction.rs`).
    Transaction(Box<TransactionPlan>),
    /// Close whatever is open and connect again.
    Reconnect,
    /// Close the connection and end the task.
    Quit,
}

/// What the task reports to the UI.
#[derive(Debug, Clone)]
pub enum Update {
    Event(SessionEvent),
    /// The protocol session after a step: state, capabilities, what is valid next.
    Session(Box<Session>),
    /// The task has ended (after [`Intent::Quit`] or when the UI went away).
    Stopped,
}

/// A driver sink that forwards events to the UI. A UI that has gone away is not an
/// error: the task notices on its next intent.
pub fn sink(updates: UnboundedSender<Update>) -> EventSink {
    Box::new(move |event| {
        let _ = updates.send(Update::Event(event));
    })
}

enum Step {
    Intent(Option<Intent>),
    Read(Result<(), DriverError>),
}

/// Connects, then serves intents and reads replies until [`Intent::Quit`].
pub async fn run(
    mut driver: Driver,
    implicit_tls: bool,
    mut intents: UnboundedReceiver<Intent>,
    updates: UnboundedSender<Update>,
) {
    let snapshot = |driver: &Driver| {
        let _ = updates.send(Update::Session(Box::new(driver.session().clone())));
    };
    let _ = driver.connect(implicit_tls).await;
    snapshot(&driver);
    // After a reply timed out, keep waiting without a timeout until the person sends
    // something: the reply may still come, and the failure was already reported.
    let mut timed_out = false;
    loop {
        let step = if driver.is_connected() {
            let awaiting = driver.session().pending().next().is_some();
            let timeout = (awaiting && !timed_out).then(|| driver.reply_timeout());
            // The read is cancel-safe; dropping it when an intent arrives loses nothing.
            tokio::select! {
                intent = intents.recv() => Step::Intent(intent),
                read = driver.read_reply_interactive(timeout) => Step::Read(read.map(|_| ())),
            }
        } else {
            Step::Intent(intents.recv().await)
        };
        match step {
            Step::Intent(None | Some(Intent::Quit)) => {
                driver.close().await;
                snapshot(&driver);
                break;
            }
            Step::Intent(Some(intent)) => {
                timed_out = false;
                perform(&mut driver, intent, implicit_tls).await;
            }
            Step::Read(Ok(())) => {
                // RFC 3207 §4.2: after the 220 the next bytes are the TLS handshake.
                if driver.session().state() == State::TlsHandshake {
                    let _ = driver.start_tls().await;
                }
            }
            Step::Read(Err(DriverError::Net(NetError::Timeout { .. }))) => timed_out = true,
            Step::Read(Err(_)) => {
                // Closed, or a failure already reported: drop what is left of the connection.
                if driver.is_connected() {
                    driver.close().await;
                }
            }
        }
        snapshot(&driver);
    }
    let _ = updates.send(Update::Stopped);
}

async fn perform(driver: &mut Driver, intent: Intent, implicit_tls: bool) {
    match intent {
        Intent::Line(line) => send_line(driver, &line).await,
        Intent::Raw(bytes) => {
            let _ = driver.send_raw(&bytes).await;
        }
        Intent::StartTls => {
            let _ = driver.start_tls().await;
        }
        Intent::Message(bytes) => {
            let _ = driver.send_message_only(&bytes).await;
        }
        Intent::Auth {
            mechanism,
            user,
            secret,
        } => auth(driver, mechanism, &user, secret).await,
        Intent::Transaction(plan) => run_transaction(driver, &plan).await,
        Intent::Reconnect => {
            driver.close().await;
            let _ = driver.connect(implicit_tls).await;
        }
        Intent::Quit => driver.close().await,
    }
}

/// Sends a typed line as the command it reads as, after saying which rules it breaks —
/// the explorer warns but lets the person send anything.
async fn send_line(driver: &mut Driver, line: &str) {
    let session = driver.session();
    // A line typed while an AUTH exchange is open is its answer, secret even before the
    // 334 arrived.
    let command = if session.state() == State::AuthResponseDue || session.auth_exchange_open() {
        parse_sasl_response_line(line)
    } else {
        let parsed = parse_command_line(line);
        let notes: Vec<String> = parsed.issues.iter().filter_map(describe_issue).collect();
        for note in notes {
            driver.note(note);
        }
        parsed.command
    };
    let warnings: Vec<String> = driver
        .session()
        .check(&command)
        .iter()
        .map(|w| format!("warning: {w}"))
        .collect();
    for warning in warnings {
        driver.note(warning);
    }
    let _ = driver.send(&command).await;
}

/// Reads the secret (a token from the environment or a file, for XOAUTH2) and runs the
/// exchange. A secret that cannot be read is said in a note; nothing is sent.
async fn auth(driver: &mut Driver, mechanism: Mechanism, user: &str, secret: SecretSource) {
    let secret = match secret.read().await {
        Ok(secret) => secret,
        Err(why) => {
            driver.note(format!("AUTH {mechanism} not started: {why}"));
            return;
        }
    };
    // The same warnings a typed AUTH line gets (not advertised, mechanism not offered, …).
    let opening = crate::proto::command::Command::Auth {
        mechanism: mechanism.to_string(),
        initial_response: None,
    };
    let warnings: Vec<String> = driver
        .session()
        .check(&opening)
        .iter()
        .map(|w| format!("warning: {w}"))
        .collect();
    for warning in warnings {
        driver.note(warning);
    }
    // The replies (235, 535, …) are data the UI shows; failures were reported as events.
    let _ = driver.authenticate(mechanism, user, secret).await;
}

fn describe_issue(issue: &LineIssue) -> Option<String> {
    let text = match issue {
        LineIssue::Empty => "an empty line is not a command; sending it anyway",
        // The encoder refuses these and says so; raw mode is the way to send them.
        LineIssue::ControlCharacter => return None,
        LineIssue::SpaceAroundColon => {
            "note: RFC 5321 §4.1.1.2 allows no space around the colon; many servers accept it"
        }
        LineIssue::MissingAngleBrackets => {
            "note: the path has no angle brackets (RFC 5321 §4.1.2); many servers accept it"
        }
        LineIssue::MissingSpaceBeforeParameters => {
            "note: no space between the path and its parameters"
        }
        LineIssue::Malformed { reason } => return Some(format!("note: malformed: {reason}")),
    };
    Some(text.to_string())
}
