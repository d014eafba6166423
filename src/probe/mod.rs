//! `smtpx probe`: a whole SMTP session without a UI, swaks-style.
//!
//! Layer: front end. Drives the same [`Driver`] the explorer uses, prints every event, and
//! exits with a code that says where the session stopped ([`Stage`]).
//!
//! ```text
//! connect ─▶ greeting ─▶ EHLO ─▶ [STARTTLS ─▶ EHLO] ─▶ [AUTH] ─▶ MAIL ─▶ RCPT… ─▶ DATA ─▶ QUIT
//!   20          21        22          23                 24      25      26       27
//! ```

mod greeting;
pub mod message;
pub mod output;
mod pipelined;
mod plan;
mod source;
mod stage;
mod transaction;
mod wait;

use crate::dns::ResolverPlan;
use crate::dns::reach::{Chosen, ReachError, mail_domain_hint, reach};
use crate::driver::{Driver, DriverError};
use crate::net::{NetError, TlsMode};
use crate::proto::auth::policy;
use crate::proto::command::Command;
use crate::transcript::options::{FrontEnd, MxRoute, SessionOptions, session_header};

pub use plan::{Credentials, EnvelopeParams, MessagePlan, PrintOptions, ProbePlan};
use source::{MessageSource, SourceError, load_message};
pub use stage::Stage;
pub(crate) use transaction::envelope_sender;

/// Runs the probe and returns where it stopped. Events are printed as they happen.
pub async fn run(mut plan: ProbePlan) -> Stage {
    // The message is read first: a file that cannot be read stops the probe before any
    // connection (with `--mx`, before the MX hosts are tried).
    let message = match message_of(&plan) {
        Ok(message) => message,
        Err(error) => {
            eprintln!("smtpx probe: {error}");
            return Stage::Local;
        }
    };
    // `--mx`: the MX hosts are tried before the session starts, so the transcript's header
    // names the MX chosen; each step and failure on the way becomes a note of the session.
    let mut routed = None;
    if let Some(mx) = plan.mx.clone() {
        let mut lines = Vec::new();
        let mut say = |line: String| lines.push(line);
        match reach(
            &mx,
            plan.connect.target.port,
            &plan.connect.connect,
            &mut say,
        )
        .await
        {
            Ok((connection, chosen)) => {
                chosen.aim(&mut plan.connect);
                routed = Some((connection, chosen, lines));
            }
            Err(error) => {
                for line in lines {
                    eprintln!("smtpx probe: {line}");
                }
                eprintln!("smtpx probe: {error}");
                return match error {
                    ReachError::Setup(_) => Stage::Local,
                    _ => Stage::Connect,
                };
            }
        }
    }
    let chosen = routed.as_ref().map(|(_, chosen, _)| chosen);
    let mut probe = match Probe::new(plan, chosen, message) {
        Ok(probe) => probe,
        Err(error) => {
            eprintln!("smtpx probe: {error}");
            return Stage::Local;
        }
    };
    if let Some((connection, chosen, lines)) = routed {
        for line in lines {
            probe.driver.note(line);
        }
        probe.driver.note(chosen.connecting_note());
        probe.driver.hand_over(connection, &chosen.host);
    }
    let stage = probe.session().await;
    probe.finish(stage).await;
    stage
}

struct Probe {
    driver: Driver,
    mode: TlsMode,
    /// Silence before the second connection checks for implicit TLS.
    greeting_wait: std::time::Duration,
    ehlo_name: String,
    credentials: Option<Credentials>,
    allow_insecure_auth: bool,
    from: Option<String>,
    to: Vec<String>,
    message: Option<MessageSource>,
    bdat: Option<usize>,
    /// Pipeline where the server advertises PIPELINING (not with `--no-pipeline`).
    pipeline: bool,
    /// `--pipeline`: PIPELINING must be advertised.
    require_pipelining: bool,
    /// MAIL and RCPT parameters asked for.
    envelope: EnvelopeParams,
    quit_after: Option<Stage>,
    /// LHLO instead of EHLO, and one reply per recipient after the message.
    lmtp: bool,
    /// HELO instead of EHLO.
    helo: bool,
    /// XCLIENT attributes to send after EHLO (`NAME=VALUE`).
    xclient: Vec<String>,
    print: PrintOptions,
    /// Where the transcript is written (none when not recording).
    transcript: Option<std::path::PathBuf>,
    /// The recorder, to ask at the end whether every write succeeded.
    recording: Option<crate::transcript::record::RecorderHandle>,
    /// The transcript keeps AUTH secrets (`--record-secrets`): said where it is named.
    keeps_secrets: bool,
    /// Asked, when the target does not resolve, whether it is a mail domain (`None` with
    /// `--mx`, which already routed by MX).
    hint_resolver: Option<ResolverPlan>,
}

/// The message to send, read from its source; none without recipients.
fn message_of(plan: &ProbePlan) -> Result<Option<MessageSource>, SourceError> {
    if plan.to.is_empty() {
        return Ok(None);
    }
    load_message(
        &plan.message,
        plan.from.as_deref(),
        &plan.to,
        &plan.connect.ehlo_name(),
    )
    .map(Some)
}

impl Probe {
    fn new(
        plan: ProbePlan,
        chosen: Option<&Chosen>,
        message: Option<MessageSource>,
    ) -> Result<Probe, SourceError> {
        let connect = plan.connect;
        let ehlo_name = connect.ehlo_name();
        let header = session_header(
            &connect.target,
            connect.tls_mode.into(),
            SessionOptions {
                auth: plan
                    .credentials
                    .as_ref()
                    .and_then(|c| c.mechanism.as_ref())
                    .map(|m| m.to_string().to_lowercase()),
                // The user name is kept only with the secrets.
                user: plan
                    .credentials
                    .as_ref()
                    .filter(|_| plan.record.keep_secrets)
                    .map(|c| c.user.clone()),
                from: plan.from.clone(),
                to: plan.to.clone(),
                bdat: plan.bdat,
                quit_after: plan.quit_after.map(|stage| stage.name().to_owned()),
                mx: chosen.map(|c| MxRoute {
                    domain: c.domain.clone(),
                    host: c.host.clone(),
                    preference: c.preference,
                }),
                ..SessionOptions::connection(
                    FrontEnd::Probe,
                    Some(ehlo_name.clone()),
                    &connect.tls,
                    connect.timeout,
                )
            },
        );
        // A transcript that cannot be started (full disk, unwritable directory) is said on
        // stderr and the session goes on unrecorded, as in the explorer.
        let recorder = plan.record.start(header).unwrap_or_else(|e| {
            eprintln!("smtpx probe: warning: not recording: {e}; the session goes on unrecorded");
            None
        });
        let transcript = recorder.as_ref().map(|r| r.path().to_path_buf());
        let user = plan.credentials.as_ref().map(|c| c.user.clone());
        let mut sinks = vec![output::printer_as(plan.print.clone(), user)];
        let recording = recorder.map(|recorder| {
            let (sink, handle) = recorder.shared();
            sinks.push(sink);
            handle
        });
        // Classic failures are explained as notes right after the event that shows them.
        let port = connect.target.port;
        let greeting_wait = connect.greeting_wait;
        let sink = crate::diagnose::watch(crate::driver::sink::fan_out(sinks), port);
        let mut driver = Driver::new(
            connect.target,
            connect.connect,
            connect.tls,
            connect.timeout,
            sink,
        );
        driver.reveal_secrets(plan.record.keep_secrets);
        driver.lmtp(plan.lmtp);
        Ok(Probe {
            driver,
            mode: connect.tls_mode,
            greeting_wait,
            ehlo_name,
            credentials: plan.credentials,
            allow_insecure_auth: plan.allow_insecure_auth,
            from: plan.from,
            to: plan.to,
            message,
            bdat: plan.bdat,
            pipeline: plan.pipeline,
            require_pipelining: plan.require_pipelining,
            envelope: plan.envelope,
            quit_after: plan.quit_after,
            lmtp: plan.lmtp,
            helo: plan.helo,
            xclient: plan.xclient,
            print: plan.print,
            transcript,
            recording,
            keeps_secrets: plan.record.keep_secrets,
            hint_resolver: plan.mx.is_none().then_some(*plan.resolver),
        })
    }

    /// A name that does not resolve may be a mail domain given where a host is expected:
    /// its MX records say so (looked up only now, so a host that resolves costs nothing).
    async fn explain_mail_domain(&mut self, error: &DriverError) {
        let (DriverError::Net(NetError::Resolve { host, .. }), Some(resolver)) =
            (error, &self.hint_resolver)
        else {
            return;
        };
        if let Some(hint) = mail_domain_hint(host, resolver).await {
            self.driver.note(hint);
        }
    }

    fn quit_after(&self, step: Stage) -> bool {
        self.quit_after == Some(step)
    }

    /// The session, step by step. Returns the stage that failed, or `Done`.
    async fn session(&mut self) -> Stage {
        // Refused, filtered or TLS met plaintext: the diagnosis follows the failure event.
        if let Err(error) = wait::connect(&mut self.driver, self.mode == TlsMode::Implicit).await {
            self.explain_plaintext_port(&error);
            self.explain_mail_domain(&error).await;
            self.driver
                .explain_tls_surface(&error, self.mode == TlsMode::Implicit, &self.ehlo_name)
                .await;
            // One stage model for both ways into TLS: a handshake that fails on implicit
            // TLS is a TLS failure (23), as it is after STARTTLS.
            return if is_tls_failure(&error) {
                Stage::Tls
            } else {
                Stage::Connect
            };
        }
        if self.quit_after(Stage::Connect) {
            return Stage::Done;
        }

        // Greeting (RFC 5321 §4.3.1: 220, or 554 for "no service here").
        let plaintext = self.mode != TlsMode::Implicit;
        match wait::greeting(&mut self.driver, self.greeting_wait, plaintext).await {
            wait::Greeting::Read(Ok(reply)) if reply.code() == Some(220) => {}
            wait::Greeting::Read(_) | wait::Greeting::ExpectsTls => return Stage::Greeting,
        }
        if self.quit_after(Stage::Greeting) {
            return Stage::Done;
        }

        let Some(mut caps) = self.hello().await else {
            return Stage::Ehlo;
        };
        if self.quit_after(Stage::Ehlo) {
            return Stage::Done;
        }

        if matches!(
            self.mode,
            TlsMode::StartTlsRequired | TlsMode::StartTlsOptional
        ) {
            if caps.starttls() {
                match self.driver.command(&Command::StartTls).await {
                    Ok(reply) if reply.code() == Some(220) => {}
                    _ => return Stage::Tls,
                }
                if let Err(error) = self.driver.start_tls().await {
                    self.driver
                        .explain_tls_surface(&error, false, &self.ehlo_name)
                        .await;
                    return Stage::Tls;
                }
                // RFC 3207 §4.2: forget what was learnt in plaintext, ask again. The EHLO
                // leaves right behind the client's Finished, with no wait between them, so it
                // costs no round trip of its own: the server reads both together. (They are
                // two writes, not one: tokio-rustls's handshake future flushes the Finished
                // before it hands over the stream, so sharing a segment would mean driving
                // rustls by hand — one TCP segment saved, no round trip.)
                let before = caps;
                caps = match self.hello().await {
                    Some(caps) => caps,
                    None => return Stage::Tls,
                };
                if self.print.show_cert {
                    for line in output::capability_diff(&before, &caps) {
                        self.driver.note(line);
                    }
                }
            } else if self.credentials.is_some() && !self.allow_insecure_auth {
                // STARTTLS may have been stripped from the EHLO reply on the way: with
                // credentials to send, a missing STARTTLS is a stop, not a fallback.
                self.driver.note(
                    "the server does not offer STARTTLS, and --auth needs TLS: a password sent \
                     now would cross the network in cleartext (someone on the path may have \
                     removed STARTTLS from the EHLO reply); --allow-insecure-auth sends it \
                     anyway",
                );
                return Stage::Tls;
            } else if self.mode == TlsMode::StartTlsRequired {
                self.driver
                    .note("the server does not offer STARTTLS, and --starttls requires it");
                return Stage::Tls;
            } else {
                self.driver
                    .note("the server does not offer STARTTLS; continuing in plaintext");
            }
        }
        if self.quit_after(Stage::Tls) {
            return Stage::Done;
        }

        if !self.xclient.is_empty() {
            caps = match self.xclient(&caps).await {
                Some(caps) => caps,
                None => return Stage::Ehlo,
            };
        }

        if let Some(credentials) = self.credentials.take() {
            let mechanism = credentials
                .mechanism
                .unwrap_or_else(|| Self::offered_mechanism(&caps));
            let protection = self.driver.protection();
            if let Err(refusal) =
                policy::check(&mechanism, &caps, &protection, self.allow_insecure_auth)
            {
                self.driver.note(refusal.held_back());
                return if refusal.is_about_tls() {
                    Stage::Tls
                } else {
                    Stage::Auth
                };
            }
            let user = credentials.user;
            // PLAIN and LOGIN go with an initial response, one round trip for the whole
            // exchange ([RFC 4954 §4](https://www.rfc-editor.org/rfc/rfc4954#section-4)); AUTH
            // is never pipelined, as its 334 would make the next line a SASL response.
            match self
                .driver
                .authenticate(mechanism, &user, credentials.secret)
                .await
            {
                Ok(reply) if reply.code() == Some(235) => {}
                _ => return Stage::Auth,
            }
        }
        if self.quit_after(Stage::Auth) {
            return Stage::Done;
        }

        let Some(message) = self.message.take() else {
            self.driver
                .note("no --to given: stopping before the mail transaction");
            return Stage::Done;
        };
        self.transaction(&caps, message).await
    }

    /// TLS on connect met a plaintext greeting: says so, quoting it. (Refused and filtered
    /// ports are diagnosed from the failure event, in the watcher.)
    fn explain_plaintext_port(&mut self, error: &DriverError) {
        let port = self.driver.target().port;
        if let DriverError::Net(error @ NetError::Tls { .. }) = error {
            if let Some(diagnosis) = crate::diagnose::connect_failure(error, port) {
                self.driver.note(diagnosis.note());
            }
        }
    }

    /// QUIT when the connection is still usable, then close; prints the final status.
    async fn finish(&mut self, stage: Stage) {
        if stage != Stage::Connect && self.driver.is_connected() {
            if quit_due(self.driver.session()) {
                // QUIT went pipelined after the message: read up to its 221.
                while quit_due(self.driver.session()) {
                    if self.driver.read_reply().await.is_err() {
                        break;
                    }
                }
            } else if self.driver.session().greeted() && !self.driver.session().is_closed() {
                let _ = self.driver.command(&Command::Quit).await;
            }
            self.driver.close().await;
        }
        let failure = self
            .recording
            .as_ref()
            .and_then(crate::transcript::record::RecorderHandle::failure);
        if let (Some(path), Some(failure)) = (&self.transcript, &failure) {
            // Said on stderr when it happened; the summary must not claim a whole file.
            eprintln!("smtpx probe: warning: {failure}; the transcript is incomplete");
            if self.print.json {
                crate::outln!(
                    "{}",
                    serde_json::json!({"event": "transcript", "path": path.display().to_string(), "complete": false, "error": failure})
                );
            } else {
                crate::outln!("=== transcript INCOMPLETE: {}", path.display());
            }
        } else if let Some(path) = &self.transcript {
            if self.print.json {
                crate::outln!(
                    "{}",
                    serde_json::json!({"event": "transcript", "path": path.display().to_string(), "secrets": self.keeps_secrets})
                );
            } else if self.keeps_secrets {
                crate::outln!(
                    "=== transcript saved to {} — it HOLDS SECRETS (--record-secrets): keep it private",
                    path.display()
                );
            } else {
                crate::outln!("=== transcript saved to {}", path.display());
            }
        }
        let text = if stage == Stage::Done {
            "done".to_string()
        } else {
            format!(
                "stopped at {} (exit code {})",
                stage.name(),
                stage.exit_code()
            )
        };
        if self.print.json {
            crate::outln!(
                "{}",
                serde_json::json!({"event": "done", "stage": stage.name(), "exit_code": stage.exit_code()})
            );
        } else {
            crate::outln!("=== {text}");
        }
    }
}

/// Whether a QUIT was sent whose reply has not been read.
fn quit_due(session: &crate::proto::session::Session) -> bool {
    session
        .pending()
        .any(|pending| pending.state == crate::proto::session::State::ExpectQuitReply)
}

/// Whether `error` happened in the TLS handshake (or its verdict), not in reaching the
/// server.
fn is_tls_failure(error: &DriverError) -> bool {
    matches!(
        error,
        DriverError::Net(
            NetError::Tls { .. }
                | NetError::CertificateRejected { .. }
                | NetError::ClosedDuringHandshake
                | NetError::Timeout {
                    waiting_for: crate::event::Phase::TlsHandshake,
                    ..
                }
                | NetError::Io {
                    during: crate::event::Phase::TlsHandshake,
                    ..
                }
        )
    )
}
