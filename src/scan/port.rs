//! One port, explored: connect; listen for what the server says first; then either speak
//! SMTP (EHLO, STARTTLS per [RFC 3207](https://www.rfc-editor.org/rfc/rfc3207), EHLO again,
//! QUIT) or, when the port stays silent, try a TLS ClientHello on a fresh connection — a
//! silent port that answers it speaks implicit TLS
//! ([RFC 8314 §3](https://www.rfc-editor.org/rfc/rfc8314#section-3)).
//!
//! Security invariant: nothing beyond EHLO, STARTTLS and QUIT is ever sent (no AUTH, no
//! mail), and every wait is bounded by the scan timeout. Bytes from the server are escaped
//! before they are stored in the report.
//!
//! Layer: front end (scan), over the transport (`net`).

use std::time::{Duration, Instant};

use crate::diagnose::{self, Diagnosis};
use crate::net::{
    AttemptFailure, ConnectOptions, Connection, NetError, ReadOutcome, Target, TlsInfo, TlsOptions,
    Validity,
};
use crate::proto::capability::Capabilities;
use crate::proto::command::{Command, CommandError};
use crate::proto::reply::Reply;
use crate::proto::text::escape_str;

use super::report::{Greeting, PortReport, Reach, Speaks, TlsReport, TlsStartedBy};

/// How to talk to every port of one scan.
#[derive(Debug, Clone)]
pub struct ScanConfig {
    pub connect: ConnectOptions,
    pub tls: TlsOptions,
    /// Every wait: connect, greeting, each reply, the TLS handshake.
    pub timeout: Duration,
    /// The name sent in EHLO (already checked to encode).
    pub ehlo: String,
}

/// Why one command got no reply. The text is what the port report's `problem` says; the
/// transport's own words are escaped there, as everything stored in the report is.
#[derive(Debug, thiserror::Error)]
enum ExchangeError {
    /// The command would not encode (the EHLO name is checked before the scan, so rare).
    #[error("{source}")]
    Encode { source: CommandError },
    #[error("{}", escape_str(&.source.to_string()))]
    Send { source: NetError },
    #[error("the server closed the connection after {verb}")]
    Closed { verb: String },
    #[error("{}", escape_str(&.source.to_string()))]
    Read { source: NetError },
}

fn ms(d: Duration) -> u64 {
    u64::try_from(d.as_millis()).unwrap_or(u64::MAX)
}

/// Explores one port of `host`. Never fails: what went wrong is part of the report.
pub async fn scan_port(host: &str, port: u16, config: &ScanConfig) -> PortReport {
    let target = Target::new(host, port);
    let started = Instant::now();
    let mut report = match Connection::connect(&target, &config.connect).await {
        Ok(conn) => {
            let connect_ms = ms(started.elapsed());
            let mut report = PortReport::new(port, Reach::Open { connect_ms });
            first_words(conn, &target, config, &mut report).await;
            report
        }
        Err(error) => {
            let mut report = PortReport::new(port, unreachable(&error));
            report
                .diagnoses
                .extend(diagnose::connect_failure(&error, port));
            report
        }
    };
    port_diagnoses(&mut report);
    report
}

/// Refused (every address, or the server refused the SOCKS proxy's connection: RFC 1928
/// §6 reply 5), filtered (a timeout, nothing refused outright), or other.
fn unreachable(error: &NetError) -> Reach {
    if let NetError::Proxy {
        failure: crate::event::ProxyFailure::Refused { code: 0x05 },
        ..
    } = error
    {
        return Reach::Refused;
    }
    let NetError::Connect { attempts, .. } = error else {
        return Reach::Error {
            message: escape_str(&error.to_string()),
        };
    };
    let refused = |a: &&crate::net::ConnectAttempt| matches!(a.failure, AttemptFailure::Refused);
    let timed_out =
        |a: &&crate::net::ConnectAttempt| matches!(a.failure, AttemptFailure::TimedOut { .. });
    if !attempts.is_empty() && attempts.iter().all(|a| refused(&a)) {
        Reach::Refused
    } else if attempts.iter().any(|a| timed_out(&a))
        && attempts.iter().all(|a| refused(&a) || timed_out(&a))
    {
        Reach::Filtered
    } else {
        Reach::Error {
            message: escape_str(&error.to_string()),
        }
    }
}

/// How long the second connection waits for an answer to its ClientHello.
const HELLO_WAIT: Duration = Duration::from_millis(1500);

/// Listens for the first words and dispatches on what they are. A port silent for the
/// greeting wait (when that is shorter than the timeout) gets a ClientHello on a second
/// connection: a TLS answer sends it to the implicit-TLS path at once; otherwise the first
/// connection is listened to for the rest of the timeout (a greeting may be delayed).
async fn first_words(
    mut conn: Connection,
    target: &Target,
    config: &ScanConfig,
    report: &mut PortReport,
) {
    let ready = Instant::now();
    let wait = crate::net::GREETING_WAIT.min(config.timeout);
    let early = wait < config.timeout;
    let mut outcome = conn
        .read_reply(if early { wait } else { config.timeout })
        .await;
    if early && matches!(outcome, Err(NetError::Timeout { .. })) && conn.partial().is_none() {
        let answer = crate::net::hello_answer(
            &config.connect.route,
            target,
            conn.peer_addr(),
            HELLO_WAIT.min(config.timeout),
        )
        .await;
        if answer.speaks_tls() {
            conn.shutdown().await;
            return implicit_tls(target, config, report, ready).await;
        }
        let left = config.timeout.saturating_sub(ready.elapsed());
        outcome = conn.read_reply(left).await;
        if matches!(outcome, Err(NetError::Timeout { .. })) && conn.partial().is_none() {
            report.speaks = Speaks::Nothing;
            report.problem = Some(format!(
                "no greeting within {}, and a TLS ClientHello on a second connection got no \
                 TLS answer",
                crate::net::error::human_duration(config.timeout)
            ));
            conn.shutdown().await;
            return;
        }
    }
    match outcome {
        Ok(ReadOutcome::Reply(reply)) if starts_with_code(&reply) => {
            report.speaks = Speaks::Smtp;
            report.greeting = Some(greeting(&reply, ready.elapsed(), false));
            smtp(conn, config, report, TlsStartedBy::StartTls).await;
        }
        Ok(ReadOutcome::Reply(reply)) => {
            other(report, &reply.raw());
            conn.shutdown().await;
        }
        Ok(ReadOutcome::Closed { partial: Some(r) }) => other(report, &r.raw()),
        Ok(ReadOutcome::Closed { partial: None }) => {
            report.speaks = Speaks::Closed;
            report.problem = Some("the server closed the connection without a word".into());
        }
        Err(NetError::Timeout { .. }) => match conn.take_partial() {
            // A banner without a line end (binary protocols): not SMTP.
            Some(partial) => {
                other(report, &partial.raw());
                conn.shutdown().await;
            }
            None => {
                conn.shutdown().await;
                implicit_tls(target, config, report, ready).await;
            }
        },
        Err(error) => {
            report.speaks = Speaks::Closed;
            report.problem = Some(escape_str(&error.to_string()));
        }
    }
}

fn starts_with_code(reply: &Reply) -> bool {
    reply.lines.first().is_some_and(|l| l.code.is_some())
}

fn greeting(reply: &Reply, after: Duration, late: bool) -> Greeting {
    Greeting {
        code: reply.code(),
        text: diagnose::quote_reply(reply),
        after_ms: ms(after),
        late,
    }
}

fn other(report: &mut PortReport, bytes: &[u8]) {
    report.speaks = Speaks::Other;
    report.banner = Some(diagnose::quote_bytes(bytes));
    report
        .diagnoses
        .push(diagnose::not_smtp(report.port, bytes));
}

/// The silent port: a fresh connection that starts with a ClientHello.
async fn implicit_tls(
    target: &Target,
    config: &ScanConfig,
    report: &mut PortReport,
    silent_since: Instant,
) {
    let waited = crate::net::error::human_duration(config.timeout);
    match Connection::connect_tls(target, &config.connect, &config.tls).await {
        Ok((mut conn, info)) => {
            report.speaks = Speaks::Tls;
            report.tls = Some(tls_report(report, &info, TlsStartedBy::Implicit));
            let ready = Instant::now();
            match conn.read_reply(config.timeout).await {
                Ok(ReadOutcome::Reply(reply)) if starts_with_code(&reply) => {
                    report.greeting = Some(greeting(&reply, ready.elapsed(), false));
                    smtp(conn, config, report, TlsStartedBy::Implicit).await;
                }
                Ok(ReadOutcome::Reply(reply)) => other(report, &reply.raw()),
                Ok(ReadOutcome::Closed { .. }) => {
                    report.problem = Some("TLS worked, then the server closed at once".into());
                }
                Err(error) => {
                    report.problem = Some(format!(
                        "TLS worked, but no SMTP greeting came inside it ({})",
                        escape_str(&error.to_string())
                    ));
                    conn.shutdown().await;
                }
            }
        }
        Err(NetError::Tls {
            plaintext: Some(bytes),
            ..
        }) => {
            if diagnose::looks_like_smtp(&bytes) {
                // A slow greeter: its greeting arrived only while we tried TLS.
                report.speaks = Speaks::Smtp;
                let reply = Reply::parse_all(&bytes)
                    .ok()
                    .and_then(|mut replies| replies.drain(..).next());
                if let Some(reply) = reply {
                    report.greeting = Some(greeting(&reply, silent_since.elapsed(), true));
                }
                report.problem = Some(format!(
                    "no greeting within {waited}; it came later, in plaintext (rerun with a \
                     longer --timeout to explore it)"
                ));
            } else {
                other(report, &bytes);
            }
        }
        Err(NetError::Tls {
            explanation,
            source,
            ..
        }) => {
            let is_tls = source
                .get_ref()
                .and_then(|inner| inner.downcast_ref::<rustls::Error>())
                .is_some();
            report.speaks = if is_tls { Speaks::Tls } else { Speaks::Nothing };
            let text = escape_str(&explanation);
            if is_tls {
                report.tls_error = Some(text);
            } else {
                report.problem = Some(format!("silent, then on a TLS ClientHello: {text}"));
            }
        }
        Err(error @ NetError::CertificateRejected { .. }) => {
            report.speaks = Speaks::Tls;
            report.tls_error = Some(escape_str(&error.to_string()));
        }
        Err(NetError::ClosedDuringHandshake) => {
            report.speaks = Speaks::Nothing;
            report.problem = Some(format!(
                "no greeting within {waited}, and the connection was closed on a TLS ClientHello"
            ));
        }
        Err(NetError::Timeout { .. }) => {
            report.speaks = Speaks::Nothing;
            report.problem = Some(format!(
                "no greeting within {waited}, and no answer to a TLS ClientHello either"
            ));
        }
        Err(error) => {
            report.speaks = Speaks::Nothing;
            report.problem = Some(format!(
                "silent; the TLS try failed: {}",
                escape_str(&error.to_string())
            ));
        }
    }
}

fn tls_report(report: &mut PortReport, info: &TlsInfo, started_by: TlsStartedBy) -> TlsReport {
    report
        .diagnoses
        .extend(diagnose::certificate(&info.verdict));
    let subject = info
        .chain_der
        .first()
        .and_then(|der| crate::net::summarize(der).subject)
        .map(|s| escape_str(&s));
    let days_left = match info.verdict.validity {
        Validity::Valid { days_left, .. } => Some(days_left),
        Validity::Expired { days_ago, .. } => Some(-days_ago),
        _ => None,
    };
    TlsReport {
        started_by,
        version: info.version.clone(),
        cipher_suite: info.cipher_suite.clone(),
        subject,
        verified: info.verdict.ok(),
        verdict: escape_str(&info.verdict.summary()),
        reason: info.verdict.reason(),
        days_left,
    }
}

/// Sends one command and reads its reply; a closed connection or a timeout is a problem.
async fn exchange(
    conn: &mut Connection,
    command: &Command,
    config: &ScanConfig,
) -> Result<Reply, ExchangeError> {
    let bytes = command
        .encode()
        .map_err(|source| ExchangeError::Encode { source })?;
    conn.send(&bytes)
        .await
        .map_err(|source| ExchangeError::Send { source })?;
    match conn.read_reply(config.timeout).await {
        Ok(ReadOutcome::Reply(reply)) => Ok(reply),
        Ok(ReadOutcome::Closed { .. }) => Err(ExchangeError::Closed {
            verb: command.verb().to_owned(),
        }),
        Err(source) => Err(ExchangeError::Read { source }),
    }
}

/// EHLO; `Ok(None)` when it was refused.
async fn ehlo(
    conn: &mut Connection,
    config: &ScanConfig,
) -> Result<Option<Capabilities>, ExchangeError> {
    let reply = exchange(conn, &Command::Ehlo(config.ehlo.clone()), config).await?;
    Ok((reply.code() == Some(250)).then(|| Capabilities::from_ehlo_reply(&reply)))
}

/// QUIT, a short wait for its 221, and close. Best effort.
async fn quit(mut conn: Connection, config: &ScanConfig) {
    if let Ok(bytes) = Command::Quit.encode() {
        if conn.send(&bytes).await.is_ok() {
            let _ = conn
                .read_reply(config.timeout.min(Duration::from_secs(2)))
                .await;
        }
    }
    conn.shutdown().await;
}

/// The SMTP part after a greeting: EHLO, and in plaintext STARTTLS plus EHLO again.
async fn smtp(
    mut conn: Connection,
    config: &ScanConfig,
    report: &mut PortReport,
    mode: TlsStartedBy,
) {
    if report.greeting.as_ref().and_then(|g| g.code) != Some(220) {
        report.problem = Some("the greeting is not 220: the server refuses service".into());
        return quit(conn, config).await;
    }
    let caps = match ehlo(&mut conn, config).await {
        Ok(caps) => caps,
        Err(problem) => {
            report.problem = Some(problem.to_string());
            return;
        }
    };
    report.ehlo_ok = Some(caps.is_some());
    let Some(caps) = caps else {
        report.problem = Some("EHLO was refused".into());
        return quit(conn, config).await;
    };
    if mode == TlsStartedBy::Implicit {
        report.auth_after_tls = Some(caps.auth_mechanisms());
        return quit(conn, config).await;
    }
    report.starttls_offered = Some(caps.starttls());
    report.auth_before_tls = Some(caps.auth_mechanisms());
    if !caps.starttls() {
        return quit(conn, config).await;
    }
    match exchange(&mut conn, &Command::StartTls, config).await {
        Ok(reply) if reply.code() == Some(220) => {}
        Ok(reply) => {
            report.tls_error = Some(format!(
                "STARTTLS refused: '{}'",
                diagnose::quote_reply(&reply)
            ));
            return quit(conn, config).await;
        }
        Err(problem) => {
            report.problem = Some(problem.to_string());
            return;
        }
    }
    match conn.starttls(&config.tls).await {
        Ok((mut conn, info, injection)) => {
            report.tls = Some(tls_report(report, &info, TlsStartedBy::StartTls));
            if let Some(injection) = injection {
                report.problem = Some(format!(
                    "{} bytes arrived in plaintext after the 220 to STARTTLS (response \
                     injection, CVE-2011-0411); discarded",
                    injection.bytes.len()
                ));
            }
            match ehlo(&mut conn, config).await {
                Ok(Some(caps)) => report.auth_after_tls = Some(caps.auth_mechanisms()),
                Ok(None) => report.problem = Some("EHLO after STARTTLS was refused".into()),
                Err(problem) => {
                    report.problem = Some(problem.to_string());
                    return;
                }
            }
            quit(conn, config).await;
        }
        Err(error) => report.tls_error = Some(escape_str(&error.to_string())),
    }
}

/// Diagnoses that follow from a port's report as a whole.
fn port_diagnoses(report: &mut PortReport) {
    let port = report.port;
    let mut found = Vec::new();
    if report.speaks == Speaks::Tls && report.speaks_smtp() {
        found.push(Diagnosis::ExpectsImplicitTls { port });
    }
    if report.ehlo_ok == Some(true) && report.starttls_offered == Some(false) {
        found.push(Diagnosis::StartTlsNotOffered { port });
    }
    if report.auth_in_plaintext() {
        found.push(Diagnosis::AuthOverPlaintext {
            port,
            mechanisms: report.auth_before_tls.clone().unwrap_or_default(),
        });
    } else if report.starttls_offered == Some(true) && report.auth_over_tls() {
        found.push(Diagnosis::AuthOnlyAfterStartTls { port });
    }
    // The port's own findings first, then those of its TLS session.
    report.diagnoses.splice(0..0, found);
}
