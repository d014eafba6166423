//! `smtpx smuggle HOST`: does the server end the data of a message anywhere but at
//! `<CRLF>.<CRLF>`? Each end-of-data variant of SMTP smuggling ([`variant::VARIANTS`]) is
//! tried in a session of its own: a first message containing the variant, followed inside
//! the same data by a whole second ("smuggled") mail transaction, then the real end.
//!
//! ```text
//!   per variant: connect ─▶ greeting ─▶ EHLO ─▶ [STARTTLS ─▶ EHLO] ─▶ MAIL ─▶ RCPT ─▶ DATA
//!                ─▶ payload ─▶ reply to the end of data ─▶ QUIT ─▶ replies up to QUIT's
//!                                                                   └ more than one: vulnerable
//! ```
//!
//! For servers the user runs: both messages go to the one recipient given.
//!
//! Layer: front end — takes a [`SmugglePlan`], uses `net` for the connection and `proto`
//! for commands and replies; [`variant`] and [`verdict`] are sans-IO.

mod report;
pub mod variant;
pub mod verdict;

use std::time::Duration;

use crate::net::{ConnectPlan, Connection, NetError, ReadOutcome, TlsInfo, TlsMode};
use crate::proto::capability::Capabilities;
use crate::proto::command::Command;
use crate::proto::reply::Reply;
use crate::proto::text::escape_str;

pub use report::{Report, VariantResult, render_json, render_text};
pub use variant::{Envelope, VARIANTS, Variant};
use verdict::{EndOfData, Outcome};

/// Exit codes: 0 no variant ends the data early, 1 at least one does; 2 is clap's usage
/// error; 3 a local problem; 4 the check could not run or a variant said nothing either way.
pub const EXIT_CLEAN: u8 = 0;
pub const EXIT_VULNERABLE: u8 = 1;
pub const EXIT_LOCAL: u8 = 3;
pub const EXIT_INCONCLUSIVE: u8 = 4;

/// What `smtpx smuggle` was asked to do.
#[derive(Debug, Clone)]
pub struct SmugglePlan {
    pub connect: ConnectPlan,
    pub envelope: Envelope,
    /// AUTH PLAIN after TLS, for a submission server.
    pub login: Option<Login>,
    /// The variants to try, in order (all by default).
    pub variants: Vec<&'static Variant>,
    pub json: bool,
}

/// A user name and password for AUTH PLAIN ([RFC 4616](https://www.rfc-editor.org/rfc/rfc4616)).
#[derive(Clone)]
pub struct Login {
    pub user: String,
    pub secret: zeroize::Zeroizing<String>,
}

impl std::fmt::Debug for Login {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Login")
            .field("user", &self.user)
            .finish_non_exhaustive()
    }
}

/// Runs the check, prints the report, returns the exit code.
pub async fn run(plan: SmugglePlan) -> u8 {
    let report = check(&plan).await;
    let text = if plan.json {
        render_json(&report)
    } else {
        render_text(&report)
    };
    crate::outln!("{text}");
    report.exit_code()
}

/// One session per variant. A session that cannot reach DATA stops the check: the next
/// ones would fail the same way, and nothing was learned about the end of data.
pub async fn check(plan: &SmugglePlan) -> Report {
    let mut report = Report::new(plan);
    for variant in &plan.variants {
        match session(plan, variant).await {
            Ok((tls, result)) => {
                report.tls = report.tls.take().or(tls);
                report.variants.push(result);
            }
            Err(why) => {
                report.stopped = Some(why);
                break;
            }
        }
    }
    report
}

/// The reply code and first line, escaped.
fn first_line(reply: &Reply) -> String {
    let text = escape_str(&reply.text_lines().next().unwrap_or_default());
    match reply.code() {
        Some(code) => format!("{code} {text}"),
        None => text,
    }
}

/// Why a session did not reach the payload, in words.
fn net_failure(step: &str, error: &NetError) -> String {
    format!("{step}: {error}")
}

async fn read(conn: &mut Connection, timeout: Duration, step: &str) -> Result<Reply, String> {
    match conn.read_reply(timeout).await {
        Ok(ReadOutcome::Reply(reply)) => Ok(reply),
        Ok(ReadOutcome::Closed { .. }) => Err(format!("{step}: the server closed the connection")),
        Err(error) => Err(net_failure(step, &error)),
    }
}

/// Sends `bytes` and reads the reply, which must be positive (2xx or, for DATA, 354).
async fn expect(
    conn: &mut Connection,
    plan: &SmugglePlan,
    bytes: &[u8],
    step: &str,
) -> Result<Reply, String> {
    conn.send(bytes)
        .await
        .map_err(|error| net_failure(step, &error))?;
    let reply = read(conn, plan.connect.timeout, step).await?;
    if reply.is_positive() {
        Ok(reply)
    } else {
        Err(format!("{step} was answered {}", first_line(&reply)))
    }
}

fn encoded(command: Command) -> Result<Vec<u8>, String> {
    command.encode().map_err(|error| error.to_string())
}

fn describe_tls(info: &TlsInfo) -> String {
    format!("{}, {}", info.version, info.cipher_suite)
}

/// Connects as the plan says, up to the EHLO on the channel the test will use.
async fn open(plan: &SmugglePlan) -> Result<(Connection, Option<String>), String> {
    let connect = &plan.connect;
    let (mut conn, mut tls) = if connect.tls_mode == TlsMode::Implicit {
        let (conn, info) = Connection::connect_tls(&connect.target, &connect.connect, &connect.tls)
            .await
            .map_err(|error| net_failure("connect", &error))?;
        (conn, Some(describe_tls(&info)))
    } else {
        let conn = Connection::connect(&connect.target, &connect.connect)
            .await
            .map_err(|error| net_failure("connect", &error))?;
        (conn, None)
    };
    let greeting = read(&mut conn, connect.timeout, "greeting").await?;
    if greeting.code() != Some(220) {
        return Err(format!("the greeting is {}", first_line(&greeting)));
    }
    let ehlo = encoded(Command::Ehlo(connect.ehlo_name()))?;
    let reply = expect(&mut conn, plan, &ehlo, "EHLO").await?;
    let offered = Capabilities::from_ehlo_reply(&reply).starttls();
    let wanted = match connect.tls_mode {
        TlsMode::StartTlsRequired if !offered => {
            return Err("the server does not offer STARTTLS (--starttls asks for it)".into());
        }
        TlsMode::StartTlsRequired => true,
        TlsMode::StartTlsOptional => offered,
        TlsMode::Implicit | TlsMode::Plain => false,
    };
    if wanted {
        expect(&mut conn, plan, &encoded(Command::StartTls)?, "STARTTLS").await?;
        let (upgraded, info, _injection) = conn
            .starttls(&connect.tls)
            .await
            .map_err(|error| net_failure("TLS handshake", &error))?;
        conn = upgraded;
        tls = Some(describe_tls(&info));
        expect(&mut conn, plan, &ehlo, "EHLO after STARTTLS").await?;
    }
    if let Some(login) = &plan.login {
        // The password never crosses the network in clear (RFC 4954 §4, RFC 8314 §3).
        if tls.is_none() {
            return Err(
                "AUTH: the session has no TLS, and the password is not sent in clear".into(),
            );
        }
        let payload = crate::proto::auth::plain_payload(None, &login.user, &login.secret)
            .map_err(|e| e.to_string())?;
        let encoded = zeroize::Zeroizing::new(base64::Engine::encode(
            &base64::engine::general_purpose::STANDARD,
            payload.as_slice(),
        ));
        let line =
            zeroize::Zeroizing::new(format!("AUTH PLAIN {}\r\n", encoded.as_str()).into_bytes());
        expect(&mut conn, plan, &line, "AUTH PLAIN").await?;
    }
    Ok((conn, tls))
}

/// One variant: the session up to DATA (an `Err` when it cannot get there), the payload,
/// and what the server answered.
async fn session(
    plan: &SmugglePlan,
    variant: &'static Variant,
) -> Result<(Option<String>, VariantResult), String> {
    let payload = variant::payload(variant, &plan.envelope).map_err(|e| e.to_string())?;
    let (mut conn, tls) = open(plan).await?;
    let mail = plan.envelope.mail().map_err(|e| e.to_string())?;
    let rcpt = plan.envelope.rcpt().map_err(|e| e.to_string())?;
    expect(&mut conn, plan, &mail, "MAIL").await?;
    expect(&mut conn, plan, &rcpt, "RCPT").await?;
    expect(&mut conn, plan, &encoded(Command::Data)?, "DATA").await?;

    let timeout = plan.connect.timeout;
    let end = match conn.send(&payload).await {
        Err(_) => EndOfData::Closed,
        Ok(()) => match conn.read_reply(timeout).await {
            Ok(ReadOutcome::Reply(reply)) => EndOfData::Reply(reply),
            Ok(ReadOutcome::Closed { partial }) => {
                partial.map_or(EndOfData::Closed, EndOfData::Reply)
            }
            Err(NetError::Timeout { .. }) => EndOfData::TimedOut,
            Err(NetError::Io { partial, .. }) => {
                partial.map_or(EndOfData::Closed, EndOfData::Reply)
            }
            Err(_) => EndOfData::Closed,
        },
    };
    let mut later = Vec::new();
    if matches!(end, EndOfData::Reply(_)) && conn.send(&encoded(Command::Quit)?).await.is_ok() {
        // Everything up to QUIT's reply answers something inside the payload.
        while let Ok(ReadOutcome::Reply(reply)) = conn.read_reply(timeout).await {
            if reply.code() == Some(221) {
                break;
            }
            later.push(reply);
        }
    }
    conn.shutdown().await;
    let outcome = verdict::classify(&end, &later);
    Ok((tls, VariantResult::new(variant, &end, &later, outcome)))
}

impl Report {
    /// The exit code: vulnerable wins over inconclusive, which wins over clean.
    pub fn exit_code(&self) -> u8 {
        if self.variants.iter().any(|v| v.outcome.is_vulnerable()) {
            EXIT_VULNERABLE
        } else if self.stopped.is_some()
            || self
                .variants
                .iter()
                .any(|v| matches!(v.outcome, Outcome::Inconclusive { .. }))
        {
            EXIT_INCONCLUSIVE
        } else {
            EXIT_CLEAN
        }
    }
}
