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
//! With [`TransactionPlan::pipelined`] (the server offers PIPELINING,
//! [RFC 2920](https://www.rfc-editor.org/rfc/rfc2920)) MAIL, every RCPT and DATA — or
//! `BDAT n LAST` with a message that fits one chunk — go in one write, and every reply is
//! read and shown under its command; the message goes after a 354 only when MAIL and at
//! least one RCPT were accepted, and a 354 without them gets the end marker alone
//! ([RFC 2920 §3.1](https://www.rfc-editor.org/rfc/rfc2920#section-3.1)). Otherwise
//! commands go one at a time and stop at the first refusal.

use std::fmt;
use std::path::PathBuf;
use std::sync::Arc;

use zeroize::Zeroizing;

use super::{Driver, DriverError};
use crate::driver::Piece;
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

/// Why a [`SecretFetcher`] could not fetch its secret; never holds the secret.
pub type FetchError = Box<dyn std::error::Error + Send + Sync>;

/// A secret fetched only when an exchange needs it, by a function the front end supplies
/// (a profile's password command): the layers below the command line never learn what a
/// profile is. The function may block — a command runs, a store is unlocked — so the task
/// runs it on a blocking thread, never on the UI's loop.
#[derive(Clone)]
pub struct SecretFetcher {
    /// Where the secret comes from, in words, shown before it is fetched
    /// (`from the command \`pass show mail/work\``); already escaped.
    what: String,
    fetch: Arc<dyn Fn() -> Result<Zeroizing<String>, FetchError> + Send + Sync>,
}

impl SecretFetcher {
    pub fn new(
        what: impl Into<String>,
        fetch: impl Fn() -> Result<Zeroizing<String>, FetchError> + Send + Sync + 'static,
    ) -> SecretFetcher {
        SecretFetcher {
            what: what.into(),
            fetch: Arc::new(fetch),
        }
    }

    /// Where the secret comes from, in words (never the secret).
    pub fn what(&self) -> &str {
        &self.what
    }

    /// The secret, fetched on a blocking thread.
    async fn fetch(&self) -> Result<Zeroizing<String>, SecretError> {
        let fetch = Arc::clone(&self.fetch);
        match tokio::task::spawn_blocking(move || fetch()).await {
            Ok(Ok(secret)) => Ok(secret),
            Ok(Err(error)) => Err(SecretError::Fetch(error.to_string())),
            Err(_) => Err(SecretError::Fetch(format!(
                "fetching the secret {} stopped unexpectedly",
                self.what
            ))),
        }
    }
}

impl fmt::Debug for SecretFetcher {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "SecretFetcher({})", self.what)
    }
}

/// Two fetchers are the same when they are clones of one.
impl PartialEq for SecretFetcher {
    fn eq(&self, other: &SecretFetcher) -> bool {
        Arc::ptr_eq(&self.fetch, &other.fetch)
    }
}

impl Eq for SecretFetcher {}

/// Where the AUTH secret comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SecretSource {
    /// Typed into the form (masked).
    Typed(SecretText),
    /// An environment variable of the explorer's process (an XOAUTH2 access token).
    Env(String),
    /// A file whose content (one trailing line break removed) is the secret.
    File(PathBuf),
    /// Fetched now by the front end's function (a profile's password command).
    Fetched(SecretFetcher),
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
    /// The front end's fetcher failed; its words (which name where it looked).
    #[error("{0}")]
    Fetch(String),
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
            SecretSource::Fetched(fetcher) => fetcher.fetch().await?,
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
    /// Send the envelope (and DATA, or a one-chunk BDAT) in one write.
    pub pipelined: bool,
}

impl TransactionPlan {
    /// Whether the content goes in the envelope's write as `BDAT n LAST`
    /// ([RFC 3030 §4.2](https://www.rfc-editor.org/rfc/rfc3030#section-4.2)).
    pub fn bdat_in_group(&self) -> bool {
        self.pipelined
            && matches!(self.method, SendMethod::Bdat { chunk_size } if self.content.len() <= chunk_size.max(1))
    }

    /// Whether this plan pipelines at all: the byte-exact variant goes step by step.
    pub fn pipelines(&self) -> bool {
        self.pipelined && !matches!(self.method, SendMethod::DataExact { .. })
    }
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
    if plan.pipelines() {
        return pipelined(driver, plan).await;
    }
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

/// MAIL, RCPT… and DATA (or `BDAT n LAST` and the message) in one write, then each reply
/// in order; see the module documentation for what a refusal in the group does.
async fn pipelined(driver: &mut Driver, plan: &TransactionPlan) -> Result<String, Stop> {
    for command in std::iter::once(&plan.mail).chain(&plan.rcpts) {
        warn(driver, command);
    }
    let bdat_in_group = plan.bdat_in_group();
    let mut pieces: Vec<Piece<'_>> = vec![Piece::Command(&plan.mail)];
    pieces.extend(plan.rcpts.iter().map(Piece::Command));
    if bdat_in_group {
        pieces.push(Piece::Bdat {
            chunk: &plan.content,
            last: true,
        });
    } else if plan.method == SendMethod::Data {
        // DATA ends a group: its 354 changes what may follow (RFC 2920 §3.1).
        pieces.push(Piece::Command(&Command::Data));
    }
    driver.send_pipelined(&pieces).await?;
    // Every status of the group is read (RFC 2920 §3.1), refusals included.
    let mail_code = driver.read_reply().await?.code();
    let mut taken = 0;
    let mut first_refusal = None;
    for rcpt in &plan.rcpts {
        let code = driver.read_reply().await?.code();
        if matches!(code, Some(250 | 251)) {
            taken += 1;
        } else if first_refusal.is_none() {
            first_refusal = Some((rcpt.redacted().to_string(), code));
        }
    }
    let envelope = match (mail_code, first_refusal) {
        (Some(250), _) if taken > 0 => Ok(()),
        (Some(250), Some((what, code))) => Err(refusal(&what, code)),
        (Some(250), None) => Err(Stop::NoCode {
            what: "RCPT".into(),
        }),
        (code, _) => Err(refusal(&plan.mail.redacted().to_string(), code)),
    };
    if bdat_in_group {
        let reply = driver.read_reply().await?;
        envelope?;
        return accepted(reply.code(), "the message (BDAT LAST)", 250);
    }
    match &plan.method {
        SendMethod::Data => {
            let go = driver.read_reply().await?.code();
            if go != Some(354) {
                envelope?;
                return Err(refusal("DATA", go));
            }
            if let Err(stop) = envelope {
                driver.send_pipelined(&[Piece::EndMarker]).await?;
                driver.read_reply().await?;
                return Err(stop);
            }
            let reply = driver.send_message(&plan.content).await?;
            accepted(reply.code(), "the message", 250)
        }
        SendMethod::Bdat { chunk_size } => {
            envelope?;
            let reply = driver
                .send_bdat_pipelined(&plan.content, (*chunk_size).max(1))
                .await?;
            accepted(reply.code(), "the message (BDAT)", 250)
        }
        // `pipelines()` keeps the byte-exact variant out of here.
        SendMethod::DataExact { .. } => Ok("nothing pipelined".into()),
    }
}

fn refusal(what: &str, code: Option<u16>) -> Stop {
    match code {
        Some(code) => Stop::Refused {
            what: what.to_owned(),
            code,
        },
        None => Stop::NoCode {
            what: what.to_owned(),
        },
    }
}

/// Says the warnings a typed line would get.
fn warn(driver: &mut Driver, command: &Command) {
    let warnings: Vec<String> = driver
        .session()
        .check(command)
        .iter()
        .map(|w| format!("warning: {w}"))
        .collect();
    for warning in warnings {
        driver.note(warning);
    }
}

/// Sends `command` (after the same warnings a typed line gets) and reads its reply;
/// anything but `want` stops the transaction.
async fn expect(driver: &mut Driver, command: &Command, want: u16) -> Result<(), Stop> {
    warn(driver, command);
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

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_fetched_secret_is_fetched_when_read_and_its_failure_named() {
        let fetcher = SecretFetcher::new("from the command `pass show work`", || {
            Ok(Zeroizing::new("s3cret".to_string()))
        });
        assert_eq!(
            format!("{fetcher:?}"),
            "SecretFetcher(from the command `pass show work`)"
        );
        let secret = SecretSource::Fetched(fetcher)
            .read()
            .await
            .expect("fetched");
        assert_eq!(secret.as_str(), "s3cret");

        let failing = SecretFetcher::new("from the command `false`", || {
            Err("password-command `false`: failed with exit status 1".into())
        });
        let why = SecretSource::Fetched(failing)
            .read()
            .await
            .expect_err("fails");
        assert_eq!(
            why.to_string(),
            "password-command `false`: failed with exit status 1"
        );
        let empty = SecretFetcher::new("from nowhere", || Ok(Zeroizing::new(String::new())));
        assert!(matches!(
            SecretSource::Fetched(empty).read().await,
            Err(SecretError::Empty)
        ));
    }
}
