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
//! no timeout unless a reply is awaited. The one exception is not on this connection: when
//! the greeting does not come within the greeting wait, a second connection sends a TLS
//! ClientHello to learn whether the port expects implicit TLS ([`Update::Silence`]).
//!
//! Quit is served in every state, also while connecting: connecting races the intents.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::{Duration, Instant};

use tokio::sync::mpsc::{UnboundedReceiver, UnboundedSender};

use super::{Driver, DriverError, EventSink, SessionEvent};
use crate::net::{HelloAnswer, NetError, hello_answer};
use crate::proto::auth::{Mechanism, parse_sasl_response_line};
use crate::proto::command::{LineIssue, parse_command_line};
use crate::proto::session::{Session, State};

mod transaction;

use transaction::run_transaction;
pub use transaction::{
    FetchError, SecretError, SecretFetcher, SecretSource, SecretText, SendMethod, TransactionPlan,
};

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
    /// Close whatever is open and connect again, with TLS from the first byte or not
    /// (the choice holds for later reconnects).
    ReconnectWith { implicit_tls: bool },
    /// Say this in the session, as smtpx's own note (a diagnosis the app made): it goes
    /// through the event sink, to the screen and the transcript.
    Note(String),
    /// Close the connection and end the task.
    Quit,
}

/// What the task reports to the UI.
#[derive(Debug, Clone)]
pub enum Update {
    Event(SessionEvent),
    /// The protocol session after a step: state, capabilities, what is valid next.
    Session(Box<Session>),
    /// No greeting came within the greeting wait, and a TLS ClientHello on a second
    /// connection got `answer`. Sent once per connection, only while the greeting is
    /// still awaited.
    Silence {
        port: u16,
        waited: Duration,
        answer: HelloAnswer,
    },
    /// The AUTH form's exchange did not start: its secret could not be had (a profile's
    /// password command failed, a token file is missing). Also said as a note in the
    /// session; this is for the UI's notice line.
    AuthNotStarted {
        mechanism: Mechanism,
        why: Arc<SecretError>,
    },
    /// The task has ended (after [`Intent::Quit`] or when the UI went away).
    Stopped,
}

/// How the task connects.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TaskOptions {
    /// TLS from the first byte ([RFC 8314 §3](https://www.rfc-editor.org/rfc/rfc8314#section-3)).
    pub implicit_tls: bool,
    /// Silence after connecting before the second connection checks for implicit TLS
    /// (`None`: never checks).
    pub greeting_wait: Option<Duration>,
}

/// How long the second connection waits for an answer to its ClientHello.
const HELLO_WAIT: Duration = Duration::from_millis(1500);

type SilenceCheck = Pin<Box<dyn Future<Output = (HelloAnswer, Duration)> + Send>>;

/// The check for a silent plaintext connection just made: after `wait`, a ClientHello on a
/// second connection. `None` when there is nothing to check.
fn silence_check(
    driver: &Driver,
    options: &TaskOptions,
    implicit_tls: bool,
) -> Option<SilenceCheck> {
    let wait = options.greeting_wait?;
    let peer = driver.peer_addr()?;
    if implicit_tls || driver.session().state() != State::ExpectGreeting {
        return None;
    }
    let target = driver.target().clone();
    let route = driver.route().clone();
    let since = Instant::now();
    Some(Box::pin(async move {
        tokio::time::sleep(wait).await;
        let answer = hello_answer(&route, &target, peer, HELLO_WAIT).await;
        (answer, since.elapsed())
    }))
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
    Silence(HelloAnswer, Duration),
}

/// Connects, then serves intents and reads replies until [`Intent::Quit`]; never checks a
/// silent port.
pub async fn run(
    driver: Driver,
    implicit_tls: bool,
    intents: UnboundedReceiver<Intent>,
    updates: UnboundedSender<Update>,
) {
    let options = TaskOptions {
        implicit_tls,
        greeting_wait: None,
    };
    run_with(driver, options, intents, updates).await;
}

/// Connects unless the person quits first. Intents that arrive meanwhile wait in `queued`;
/// `false` when the person quit (or the UI went away).
async fn connect(
    driver: &mut Driver,
    implicit_tls: bool,
    intents: &mut UnboundedReceiver<Intent>,
    queued: &mut Vec<Intent>,
) -> bool {
    let result = {
        let connecting = driver.connect(implicit_tls);
        tokio::pin!(connecting);
        loop {
            tokio::select! {
                result = &mut connecting => break result,
                intent = intents.recv() => match intent {
                    None | Some(Intent::Quit) => return false,
                    Some(other) => queued.push(other),
                },
            }
        }
    };
    if let Err(error) = result {
        driver
            .explain_tls_surface(&error, implicit_tls, &crate::net::local_hostname())
            .await;
    }
    true
}

/// STARTTLS's handshake; when it fails for want of a common version or suite, what the
/// server does accept is added as a note.
async fn start_tls(driver: &mut Driver) {
    if let Err(error) = driver.start_tls().await {
        driver
            .explain_tls_surface(&error, false, &crate::net::local_hostname())
            .await;
    }
}

/// [`run`], with the options of the explorer.
pub async fn run_with(
    mut driver: Driver,
    options: TaskOptions,
    mut intents: UnboundedReceiver<Intent>,
    updates: UnboundedSender<Update>,
) {
    let snapshot = |driver: &Driver| {
        let _ = updates.send(Update::Session(Box::new(driver.session().clone())));
    };
    let mut implicit_tls = options.implicit_tls;
    let mut queued = Vec::new();
    if !connect(&mut driver, implicit_tls, &mut intents, &mut queued).await {
        let _ = updates.send(Update::Stopped);
        return;
    }
    snapshot(&driver);
    let mut check = silence_check(&driver, &options, implicit_tls);
    // After a reply timed out, keep waiting without a timeout until the person sends
    // something: the reply may still come, and the failure was already reported.
    let mut timed_out = false;
    loop {
        let step = if !queued.is_empty() {
            Step::Intent(Some(queued.remove(0)))
        } else if driver.is_connected() {
            let awaiting = driver.session().pending().next().is_some();
            let timeout = (awaiting && !timed_out).then(|| driver.reply_timeout());
            // The read is cancel-safe; dropping it when an intent arrives loses nothing.
            tokio::select! {
                intent = intents.recv() => Step::Intent(intent),
                read = driver.read_reply_interactive(timeout) => Step::Read(read.map(|_| ())),
                (answer, waited) = async {
                    match check.as_mut() {
                        Some(check) => check.await,
                        None => std::future::pending().await,
                    }
                }, if check.is_some() => {
                    Step::Silence(answer, waited)
                }
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
                let reconnect = match intent {
                    Intent::Reconnect => Some(implicit_tls),
                    Intent::ReconnectWith { implicit_tls } => Some(implicit_tls),
                    _ => None,
                };
                if let Some(tls) = reconnect {
                    implicit_tls = tls;
                    driver.close().await;
                    if !connect(&mut driver, implicit_tls, &mut intents, &mut queued).await {
                        break;
                    }
                    check = silence_check(&driver, &options, implicit_tls);
                } else {
                    if let Err(update) = perform(&mut driver, intent).await {
                        let _ = updates.send(update);
                    }
                }
            }
            Step::Silence(answer, waited) => {
                check = None;
                if driver.session().state() == State::ExpectGreeting {
                    let port = driver.target().port;
                    let _ = updates.send(Update::Silence {
                        port,
                        waited,
                        answer,
                    });
                }
            }
            Step::Read(Ok(())) => {
                // RFC 3207 §4.2: after the 220 the next bytes are the TLS handshake.
                if driver.session().state() == State::TlsHandshake {
                    start_tls(&mut driver).await;
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
        // The greeting came or the connection went: nothing left to check.
        if driver.session().state() != State::ExpectGreeting || !driver.is_connected() {
            check = None;
        }
        snapshot(&driver);
    }
    let _ = updates.send(Update::Stopped);
}

/// Carries out one intent; `Err` holds what the UI must hear beside the events.
async fn perform(driver: &mut Driver, intent: Intent) -> Result<(), Update> {
    match intent {
        Intent::Line(line) => send_line(driver, &line).await,
        Intent::Raw(bytes) => {
            let _ = driver.send_raw(&bytes).await;
        }
        Intent::StartTls => start_tls(driver).await,
        Intent::Message(bytes) => {
            let _ = driver.send_message_only(&bytes).await;
        }
        Intent::Auth {
            mechanism,
            user,
            secret,
        } => {
            return auth(driver, mechanism.clone(), &user, secret)
                .await
                .map_err(|why| Update::AuthNotStarted {
                    mechanism,
                    why: Arc::new(why),
                });
        }
        Intent::Transaction(plan) => run_transaction(driver, &plan).await,
        Intent::Note(text) => driver.note(text),
        // Served by the loop, which races connecting against Quit.
        Intent::Reconnect | Intent::ReconnectWith { .. } => {}
        Intent::Quit => driver.close().await,
    }
    Ok(())
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

/// Reads the secret (a token from the environment or a file, for XOAUTH2; a profile's
/// password from its command) and runs the exchange. A secret that cannot be read is said
/// in a note and returned; nothing is sent.
async fn auth(
    driver: &mut Driver,
    mechanism: Mechanism,
    user: &str,
    secret: SecretSource,
) -> Result<(), SecretError> {
    let secret = match secret.read().await {
        Ok(secret) => secret,
        Err(why) => {
            driver.note(format!("AUTH {mechanism} not started: {why}"));
            return Err(why);
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
    Ok(())
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
