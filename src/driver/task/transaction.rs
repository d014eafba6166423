//! What the explorer's forms ask the network task to do in one go: the secret for an AUTH
//! exchange ([`SecretSource`]) and a whole mail transaction ([`TransactionPlan`]), run step
//! by step — MAIL, each RCPT, then DATA or BDAT — with every reply shown as data.
//!
//! Layer: driver (a child of [`task`](super)). The app builds the plan (it is a pure value:
//! commands and bytes); this file does the I/O, including reading an XOAUTH2 token from the
//! environment or a file, so the app never touches either.
//!
//! ```text
//!  MAIL ─250─▶ RCPT … ─250─▶ DATA ─354─▶ content + CRLF.CRLF ─▶ final reply
//!                        └──▶ BDAT n [LAST] (each chunk 250) ─────▶ final reply
//!  any other reply: the transaction stops there, the reply stays on screen, and a note
//!  says where it stopped (a 4yz/5yz is an answer, not an error).
//! ```
//!
//! Commands go one at a time and wait for their reply, even when the server offers
//! PIPELINING ([RFC 2920](https://www.rfc-editor.org/rfc/rfc2920)): the explorer is for
//! seeing each answer, and stopping at the first refusal needs it.

use std::fmt;
use std::path::PathBuf;

use zeroize::Zeroizing;

use super::{Driver, DriverError};
use crate::proto::command::Command;

/// A typed secret: wiped from memory when dropped; `Debug` shows only that it is there.
#[derive(Clone, PartialEq, Eq)]
pub struct SecretText(Zeroizing<String>);

impl SecretText {
    pub fn new(secret: Zeroizing<String>) -> SecretText {
        SecretText(secret)
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl fmt::Debug for SecretText {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SecretText(<redacted>)")
    }
}

/// Where the AUTH secret comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SecretSource {
    /// Typed into the form (masked).
    Typed(SecretText),
    /// An environment variable of the explorer's process (an XOAUTH2 access token).
    Env(String),
    /// A file whose content (one trailing line break removed) is the secret.
    File(PathBuf),
}

/// Why a secret could not be read. It names where the secret was looked for, never the
/// secret.
#[derive(Debug, thiserror::Error)]
pub enum SecretError {
    #[error("the environment variable {0} is not set")]
    EnvNotSet(String),
    #[error("the environment variable {0} is not UTF-8")]
    EnvNotUtf8(String),
    #[error("cannot read {}: {source}", path.display())]
    File {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{} is not UTF-8 text", .0.display())]
    FileNotUtf8(PathBuf),
    #[error("the secret is empty")]
    Empty,
}

impl SecretSource {
    /// The secret itself. Errors say what could not be read, never the secret.
    pub async fn read(self) -> Result<Zeroizing<String>, SecretError> {
        let secret = match self {
            SecretSource::Typed(text) => text.0,
            SecretSource::Env(name) => match std::env::var(&name) {
                Ok(value) => Zeroizing::new(value),
                Err(std::env::VarError::NotPresent) => return Err(SecretError::EnvNotSet(name)),
                Err(std::env::VarError::NotUnicode(_)) => {
                    return Err(SecretError::EnvNotUtf8(name));
                }
            },
            SecretSource::File(path) => {
                let bytes = match tokio::fs::read(&path).await {
                    Ok(bytes) => Zeroizing::new(bytes),
                    Err(source) => return Err(SecretError::File { path, source }),
                };
                let Ok(text) = std::str::from_utf8(&bytes) else {
                    return Err(SecretError::FileNotUtf8(path));
                };
                let text = text.strip_suffix('\n').unwrap_or(text);
                Zeroizing::new(text.strip_suffix('\r').unwrap_or(text).to_string())
            }
        };
        if secret.is_empty() {
            return Err(SecretError::Empty);
        }
        Ok(secret)
    }
}

/// How the content goes after the envelope.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SendMethod {
    /// DATA, then the content dot-stuffed and ended with `CRLF.CRLF`
    /// ([RFC 5321 §4.5.2](https://www.rfc-editor.org/rfc/rfc5321#section-4.5.2)).
    Data,
    /// BDAT chunks of at most `chunk_size` octets, the last one `LAST`
    /// ([RFC 3030 §2](https://www.rfc-editor.org/rfc/rfc3030#section-2)).
    Bdat { chunk_size: usize },
    /// DATA, then exactly `wire` — the content with a deliberate ending such as `\n.\n` —
    /// sent raw, for SMTP-smuggling checks. The server may not take it as the end.
    DataExact { wire: Vec<u8> },
}

/// A mail transaction as the composer built it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TransactionPlan {
    /// `MAIL FROM:<…>` with its parameters.
    pub mail: Command,
    /// One `RCPT TO:<…>` per recipient.
    pub rcpts: Vec<Command>,
    /// The message: CRLF line ends, not dot-stuffed (the driver stuffs it for DATA).
    pub content: Vec<u8>,
    pub method: SendMethod,
}

/// Runs the plan; where it stopped (a refusal, a failure) is said in a note.
pub(super) async fn run_transaction(driver: &mut Driver, plan: &TransactionPlan) {
    match steps(driver, plan).await {
        Ok(done) => driver.note(done),
        Err(stop) => driver.note(format!("transaction stopped: {stop}")),
    }
}

/// Why a transaction stopped before its end.
#[derive(Debug, thiserror::Error)]
enum Stop {
    /// The driver failed (its own `Failed` event already said how).
    #[error(transparent)]
    Driver(#[from] DriverError),
    /// The server answered a step with a code other than the one that lets it go on.
    #[error("{what} got {code}; RSET abandons the transaction, or carry on by hand")]
    Refused { what: String, code: u16 },
    #[error("{what} got a reply without a code")]
    NoCode { what: String },
}

async fn steps(driver: &mut Driver, plan: &TransactionPlan) -> Result<String, Stop> {
    expect(driver, &plan.mail, 250).await?;
    for rcpt in &plan.rcpts {
        expect(driver, rcpt, 250).await?;
    }
    match &plan.method {
        SendMethod::Bdat { chunk_size } => {
            let reply = driver
                .send_bdat(&plan.content, (*chunk_size).max(1))
                .await?;
            accepted(reply.code(), "the message (BDAT)", 250)
        }
        SendMethod::Data => {
            expect(driver, &Command::Data, 354).await?;
            let reply = driver.send_message(&plan.content).await?;
            accepted(reply.code(), "the message", 250)
        }
        SendMethod::DataExact { wire } => {
            expect(driver, &Command::Data, 354).await?;
            // The note holds CR and LF themselves: every sink escapes them once, as `\r\n`.
            driver.note(
                "warning: byte-exact content sent raw with a deliberate ending (SMTP-smuggling \
                 check); a server that follows RFC 5321 §4.1.1.4 keeps reading — at the data> \
                 prompt an empty line and then a lone . end the data with \r\n.\r\n",
            );
            driver.send_raw(wire).await?;
            Ok("byte-exact content sent; any reply appears as it comes".into())
        }
    }
}

/// Sends `command` (after the same warnings a typed line gets) and reads its reply;
/// anything but `want` stops the transaction.
async fn expect(driver: &mut Driver, command: &Command, want: u16) -> Result<(), Stop> {
    let warnings: Vec<String> = driver
        .session()
        .check(command)
        .iter()
        .map(|w| format!("warning: {w}"))
        .collect();
    for warning in warnings {
        driver.note(warning);
    }
    let reply = driver.command(command).await?;
    let label = command.redacted().to_string();
    accepted(reply.code(), &label, want).map(|_| ())
}

fn accepted(code: Option<u16>, what: &str, want: u16) -> Result<String, Stop> {
    match code {
        Some(code) if code == want => Ok(format!("transaction done: {what} accepted ({code})")),
        Some(code) if code / 100 == 2 && want == 250 => {
            Ok(format!("transaction done: {what} accepted ({code})"))
        }
        Some(code) => Err(Stop::Refused {
            what: what.to_owned(),
            code,
        }),
        None => Err(Stop::NoCode {
            what: what.to_owned(),
        }),
    }
}
