//! `smtpx replay FILE --serve`: a mock server playing the recorded server side to any client
//! — to reproduce a client bug without the original server.
//!
//! It sends the recorded greeting, then answers each client command with the reply recorded
//! for the command at the same point ([`Script`], matched by verb; EHLO names, addresses and
//! redacted credentials may differ). Message content after a 354 is read up to the end
//! marker ([RFC 5321 §4.5.2](https://www.rfc-editor.org/rfc/rfc5321#section-4.5.2)), BDAT
//! chunks by their size ([RFC 3030 §2](https://www.rfc-editor.org/rfc/rfc3030#section-2)).
//! STARTTLS ([RFC 3207](https://www.rfc-editor.org/rfc/rfc3207)) and implicit TLS use a
//! certificate generated now and signed by a stand-in CA ([`serve_tls`](super::serve_tls);
//! `--ca-out` writes the CA for a verifying client), which the output says is not the
//! original. Where a client leaves the recording, each connection's output says so and
//! the client gets [`NO_REPLY`]. A recording with several connections (`/reconnect`) is
//! served connection by connection: the first client gets the first, the next the second,
//! and after the last the first again; `--connection N` serves only that one.
//!
//! Security: listens on loopback unless told otherwise; every line is bounded
//! ([`MAX_LINE`], [`MAX_BODY`]) and every read has [`IDLE_TIMEOUT`]; client text is printed
//! escaped, and SASL lines are never printed.
//!
//! Layer: front end for transcripts (tokio, rustls) — wiring around the pure [`Script`].

use std::fmt;
use std::io;
use std::process::ExitCode;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use tokio::io::AsyncWriteExt;
use tokio::net::TcpListener;
use tokio_rustls::TlsAcceptor;

use super::ServePlan;
use super::serve_io::{Io, Wire, WireError, trim_line_end};
use crate::proto::text::escape_bytes;
use crate::transcript::read::Transcript;
use crate::transcript::script::{Match, Script, Step, StepKind, compare, verb};

/// How fast a served recording answers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Timing {
    /// Each reply after the delay the real server took.
    Recorded,
    /// Each reply at once.
    Fast,
}

/// The reply to a command the recording has no reply for.
pub const NO_REPLY: &[u8] =
    b"503 5.5.1 smtpx replay: the recording has no reply for this command\r\n";
/// Connections served at once; more get `421` and the close.
pub const MAX_CONNECTIONS: usize = 64;

/// The longest command line accepted.
pub const MAX_LINE: usize = 64 * 1024;
/// The largest message (DATA or one BDAT chunk) accepted.
pub const MAX_BODY: usize = 64 * 1024 * 1024;
/// How long a client may stay silent.
pub const IDLE_TIMEOUT: Duration = Duration::from_secs(300);

/// Serves until Ctrl-C / SIGTERM (or after one client with `--once`). Exit code 0, or 1 when
/// a client diverged from the recording; 3 when the address cannot be used.
pub async fn run(transcript: &Transcript, file: &std::path::Path, args: &ServePlan) -> ExitCode {
    let mut scripts = Script::connections(transcript);
    if let Some(n) = args.connection {
        if n == 0 || n > scripts.len() {
            eprintln!(
                "smtpx replay --serve: --connection {n}: the recording has {} connection{}",
                scripts.len(),
                if scripts.len() == 1 { "" } else { "s" }
            );
            return ExitCode::from(2);
        }
        scripts = vec![scripts.swap_remove(n - 1)];
    }
    let listener = match TcpListener::bind(&args.listen).await {
        Ok(listener) => listener,
        Err(e) => {
            eprintln!(
                "smtpx replay --serve: cannot listen on {}: {e}",
                args.listen
            );
            return ExitCode::from(3);
        }
    };
    let addr = match listener.local_addr() {
        Ok(addr) => addr,
        Err(e) => {
            eprintln!("smtpx replay --serve: {e}");
            return ExitCode::from(3);
        }
    };
    let uses_tls = scripts
        .iter()
        .any(|s| s.implicit_tls || s.steps.iter().any(|s| s.starts_tls));
    let acceptor = if uses_tls {
        let leaf = scripts.iter().find_map(|s| s.leaf.as_deref());
        let served = Some(addr.ip()).filter(|ip| !ip.is_unspecified());
        match super::serve_tls::stand_in(leaf, &transcript.header.target.host, served) {
            Ok(made) => {
                println!("{}", made.banner);
                if let Some(path) = &args.ca_out {
                    let written = crate::files::write_private(
                        path,
                        made.ca_pem.as_bytes(),
                        crate::files::Existing::Replace,
                    );
                    if let Err(e) = written {
                        eprintln!("smtpx replay --serve: cannot write --ca-out: {e}");
                        return ExitCode::from(3);
                    }
                    println!(
                        "=== the stand-in CA is in {} (trust it to verify this server)",
                        path.display()
                    );
                }
                Some(TlsAcceptor::from(made.config))
            }
            Err(e) => {
                eprintln!("smtpx replay --serve: {e}");
                return ExitCode::from(3);
            }
        }
    } else {
        if args.ca_out.is_some() {
            println!(
                "=== the recording uses no TLS: no stand-in CA is made, --ca-out is not written"
            );
        }
        None
    };
    if !addr.ip().is_loopback() {
        println!("=== not loopback: anyone who can reach {addr} is answered from this recording");
    }
    let steps: usize = scripts.iter().map(|s| s.steps.len()).sum();
    println!(
        "=== serving {} ({} client steps{}{}, timing {}) on {addr}",
        file.display(),
        steps,
        match (args.connection, scripts.len()) {
            (Some(n), _) => format!(", connection {n} only"),
            (None, 1) => String::new(),
            (None, n) => format!(", {n} connections: one client each, in turn"),
        },
        if scripts.iter().any(|s| s.implicit_tls) {
            ", implicit TLS"
        } else {
            ""
        },
        if args.timing == Timing::Fast {
            "fast"
        } else {
            "as recorded"
        },
    );
    let scripts: Vec<Arc<Script>> = scripts.into_iter().map(Arc::new).collect();
    let shown_number = |index: usize| args.connection.unwrap_or(index + 1);
    let diverged = Arc::new(AtomicBool::new(false));
    let slots = Arc::new(tokio::sync::Semaphore::new(MAX_CONNECTIONS));
    let mut tasks = tokio::task::JoinSet::new();
    let mut number = 0u64;
    loop {
        let (stream, peer) = tokio::select! {
            pair = crate::net::accept::accept(&listener, |e| {
                println!("=== accept failed: {e} (backing off)");
            }) => pair,
            () = shutdown_signal() => {
                println!("=== stopped by signal");
                break;
            }
        };
        number += 1;
        // A cap on live connections: past it, one best-effort 421 and the close
        // (RFC 5321 §3.8), as the sandbox does.
        let Ok(permit) = Arc::clone(&slots).try_acquire_owned() else {
            let _ = stream.try_write(b"421 4.3.2 Too many connections, try again later\r\n");
            println!("[{number}] refused from {peer}: too many connections");
            continue;
        };
        // Client k gets the recording's connection k, and after the last the first again.
        let index = usize::try_from((number - 1) % scripts.len() as u64).unwrap_or(0);
        let conn = Conn {
            label: format!("[{number}]"),
            wire: Wire {
                io: Io::Plain(stream),
                pending: Vec::new(),
            },
            script: Arc::clone(&scripts[index]),
            acceptor: acceptor.clone(),
            timing: args.timing,
            diverged: Arc::clone(&diverged),
        };
        if scripts.len() > 1 || args.connection.is_some() {
            println!(
                "{} connected from {peer}: playing the recording's connection {}",
                conn.label,
                shown_number(index)
            );
        } else {
            println!("{} connected from {peer}", conn.label);
        }
        if args.once {
            tokio::select! {
                () = conn.serve() => {}
                () = shutdown_signal() => println!("=== stopped by signal"),
            }
            break;
        }
        tasks.spawn(async move {
            conn.serve().await;
            drop(permit);
        });
        while tasks.try_join_next().is_some() {}
    }
    tasks.abort_all();
    if diverged.load(Ordering::Relaxed) {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    }
}

/// Ctrl-C or SIGTERM.
async fn shutdown_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        if let Ok(mut term) = signal(SignalKind::terminate()) {
            tokio::select! {
                _ = tokio::signal::ctrl_c() => {}
                _ = term.recv() => {}
            }
            return;
        }
    }
    let _ = tokio::signal::ctrl_c().await;
}

struct Conn {
    label: String,
    wire: Wire,
    script: Arc<Script>,
    acceptor: Option<TlsAcceptor>,
    timing: Timing,
    diverged: Arc<AtomicBool>,
}

/// Why a connection ends.
enum End {
    Closed,
    /// The client hung up after `step` of the recording's `total` client steps.
    ClientLeft {
        step: usize,
        total: usize,
    },
    /// The recorded server closed the connection at this point, so the served one does too.
    RecordingEnds,
    Failed(ServeError),
}

impl fmt::Display for End {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            End::Closed => write!(f, "connection closed"),
            End::ClientLeft { step, total } => {
                write!(
                    f,
                    "connection closed: by the client after step {step}/{total}"
                )
            }
            End::RecordingEnds => write!(
                f,
                "connection closed: the recorded server closed the connection here"
            ),
            End::Failed(error) => write!(f, "connection closed: {error}"),
        }
    }
}

/// A served connection's failure: its wire, or TLS.
#[derive(Debug, thiserror::Error)]
enum ServeError {
    #[error(transparent)]
    Wire(#[from] WireError),
    /// The recording asks for TLS but no stand-in certificate was made.
    #[error("no TLS configured")]
    NoTls,
    #[error("TLS requested twice")]
    TlsTwice,
    #[error("TLS handshake failed: {source}")]
    Handshake { source: io::Error },
    #[error("TLS handshake timed out")]
    HandshakeTimeout { after: Duration },
}

impl From<WireError> for End {
    fn from(error: WireError) -> End {
        End::Failed(ServeError::Wire(error))
    }
}

impl From<ServeError> for End {
    fn from(error: ServeError) -> End {
        End::Failed(error)
    }
}

impl Conn {
    fn say(&self, text: &str) {
        println!("{} {text}", self.label);
    }

    async fn serve(mut self) {
        let end = self.session().await;
        self.say(&end.to_string());
        match &mut self.wire.io {
            Io::Plain(s) => {
                let _ = s.shutdown().await;
            }
            Io::Tls(s) => {
                let _ = s.shutdown().await;
            }
            Io::Gone => {}
        }
    }

    async fn session(&mut self) -> End {
        if self.script.implicit_tls {
            if let Err(error) = self.handshake().await {
                return error.into();
            }
        }
        let Some(greeting) = self.script.greeting.clone() else {
            self.say("!!! the recording has no greeting; answering 554 and closing");
            let _ = self
                .wire
                .write(b"554 5.3.0 smtpx replay: the recording has no greeting\r\n")
                .await;
            return End::Closed;
        };
        self.pause(greeting.delay).await;
        if let Err(e) = self.wire.write(&greeting.bytes).await {
            return e.into();
        }
        let total = self.script.steps.len();
        let mut cursor = 0;
        loop {
            let line = match self.wire.read_line().await {
                Ok(Some(line)) => line,
                Ok(None) => {
                    return End::ClientLeft {
                        step: cursor,
                        total,
                    };
                }
                Err(e) => return e.into(),
            };
            let text = trim_line_end(&line).to_vec();
            if verb(&String::from_utf8_lossy(&text)) == "BDAT" {
                if let Err(e) = self.wire.read_chunk(&text).await {
                    return e.into();
                }
            }
            let script = Arc::clone(&self.script);
            let step = script.steps.get(cursor);
            let verdict = step.map_or(Match::Diverged, |s| compare(s, &text));
            let shown = display(step, &text);
            let step = match (verdict, step) {
                (Match::Diverged, _) | (_, None) => {
                    if let Some(end) = self.diverge(step, cursor, &shown, &text).await {
                        return end;
                    }
                    continue;
                }
                (Match::Exact, Some(step)) => {
                    self.say(&format!("step {}/{total} {shown}: as recorded", cursor + 1));
                    step
                }
                (Match::Tolerated(why), Some(step)) => {
                    self.say(&format!("step {}/{total} {shown}: {why}", cursor + 1));
                    step
                }
            };
            cursor += 1;
            if let Err(end) = self.answer(step).await {
                return end;
            }
            if step.replies.last().and_then(|r| r.code()) == Some(354) {
                let body = match self.wire.read_body().await {
                    Ok(body) => body,
                    Err(e) => return e.into(),
                };
                match script.steps.get(cursor) {
                    Some(next) if next.kind == StepKind::Body => {
                        let same = next.sent.is_empty() || next.sent == body;
                        self.say(&format!(
                            "step {}/{total} message of {} bytes: {}",
                            cursor + 1,
                            body.len(),
                            if same {
                                "as recorded"
                            } else {
                                "content differs from the recording; answered anyway"
                            }
                        ));
                        cursor += 1;
                        if let Err(end) = self.answer(next).await {
                            return end;
                        }
                    }
                    _ => {
                        self.mark_diverged(&format!(
                            "!!! diverged after step {cursor}/{total}: the recording has no reply to the message"
                        ));
                        if let Err(e) = self.wire.write(NO_REPLY).await {
                            return e.into();
                        }
                    }
                }
            }
        }
    }

    /// Sends the recorded replies of `step`; starts TLS after a 220 to STARTTLS.
    async fn answer(&mut self, step: &Step) -> Result<(), End> {
        if step.replies.is_empty() {
            return Err(End::RecordingEnds);
        }
        for reply in &step.replies {
            self.pause(reply.delay).await;
            self.wire.write(&reply.bytes).await?;
        }
        if step.starts_tls && step.replies.last().and_then(|r| r.code()) == Some(220) {
            if !self.wire.pending.is_empty() {
                // RFC 3207 §4.2 / CVE-2011-0411: nothing sent before the handshake counts.
                self.say(&format!(
                    "!!! the client sent {} bytes after STARTTLS before the handshake; discarded",
                    self.wire.pending.len()
                ));
                self.wire.pending.clear();
            }
            self.handshake().await?;
        }
        Ok(())
    }

    /// The client left the recording: say where and what it gets. `Some` ends the session.
    async fn diverge(
        &mut self,
        step: Option<&Step>,
        cursor: usize,
        shown: &str,
        text: &[u8],
    ) -> Option<End> {
        let total = self.script.steps.len();
        let expected = step.map_or("nothing (the recording has ended)".to_string(), |s| {
            format!("\"{}\"", crate::proto::text::escape_str(&s.line()))
        });
        let quit = verb(&String::from_utf8_lossy(text)) == "QUIT";
        let answer = if quit {
            "221 and closed"
        } else {
            "503 5.5.1 (no recorded reply)"
        };
        self.mark_diverged(&format!(
            "!!! diverged at step {}/{total}: the recording has {expected} next, the client sent \"{shown}\"; answered {answer}",
            cursor + 1
        ));
        if quit {
            let _ = self
                .wire
                .write(b"221 2.0.0 smtpx replay: bye (QUIT is not next in the recording)\r\n")
                .await;
            return Some(End::Closed);
        }
        self.wire.write(NO_REPLY).await.err().map(End::from)
    }

    fn mark_diverged(&self, text: &str) {
        self.diverged.store(true, Ordering::Relaxed);
        self.say(text);
    }

    async fn pause(&self, delay: Duration) {
        if self.timing == Timing::Recorded && !delay.is_zero() {
            tokio::time::sleep(delay.min(Duration::from_secs(60))).await;
        }
    }

    async fn handshake(&mut self) -> Result<(), ServeError> {
        let Some(acceptor) = self.acceptor.clone() else {
            return Err(ServeError::NoTls);
        };
        let Io::Plain(stream) = std::mem::replace(&mut self.wire.io, Io::Gone) else {
            return Err(ServeError::TlsTwice);
        };
        match tokio::time::timeout(IDLE_TIMEOUT, acceptor.accept(stream)).await {
            Ok(Ok(tls)) => {
                let (_, conn) = tls.get_ref();
                let version = conn
                    .protocol_version()
                    .map_or("?".into(), |v| format!("{v:?}"));
                self.wire.io = Io::Tls(Box::new(tls));
                self.say(&format!("=== TLS established ({version}) with the stand-in certificate, not the original"));
                Ok(())
            }
            Ok(Err(source)) => Err(ServeError::Handshake { source }),
            Err(_) => Err(ServeError::HandshakeTimeout {
                after: IDLE_TIMEOUT,
            }),
        }
    }
}

/// How a client line is shown: SASL material never, only its size.
fn display(step: Option<&Step>, text: &[u8]) -> String {
    let sasl = step.is_some_and(|s| s.kind == StepKind::SaslAnswer);
    let line = String::from_utf8_lossy(text);
    let v = verb(&line);
    if sasl {
        format!("<SASL answer, {} bytes>", text.len())
    } else if v.starts_with("AUTH ") && line.split_ascii_whitespace().nth(2).is_some() {
        format!("{v} <{} bytes>", text.len())
    } else {
        escape_bytes(text)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_connection_end_reads_as_the_served_output_line() {
        let ends = [
            (End::Closed, "connection closed"),
            (
                End::ClientLeft { step: 2, total: 5 },
                "connection closed: by the client after step 2/5",
            ),
            (
                End::RecordingEnds,
                "connection closed: the recorded server closed the connection here",
            ),
            (
                WireError::Silent {
                    after: IDLE_TIMEOUT,
                }
                .into(),
                "connection closed: the client was silent for 300 s",
            ),
            (
                WireError::LineTooLong { limit: MAX_LINE }.into(),
                "connection closed: a command line longer than 65536 bytes",
            ),
            (
                ServeError::HandshakeTimeout {
                    after: IDLE_TIMEOUT,
                }
                .into(),
                "connection closed: TLS handshake timed out",
            ),
        ];
        for (end, text) in ends {
            assert_eq!(end.to_string(), text);
        }
    }
}
