//! `smtpx probe`: a whole SMTP session without a UI, swaks-style.
//!
//! Layer: front end. Drives the same [`Driver`] the explorer uses, prints every event, and
//! exits with a code that says where the session stopped ([`Stage`]).
//!
//! ```text
//! connect ─▶ greeting ─▶ EHLO ─▶ [STARTTLS ─▶ EHLO] ─▶ [AUTH] ─▶ MAIL ─▶ RCPT… ─▶ DATA ─▶ QUIT
//!   20          21        22          23                 24      25      26       27
//! ```

pub mod message;
pub mod output;
mod pipelined;
mod plan;
mod source;
mod wait;

use crate::driver::{Delivery, Driver, DriverError};
use crate::net::{NetError, TlsMode};
use crate::proto::auth::Mechanism;
use crate::proto::auth::policy;
use crate::proto::capability::Capabilities;
use crate::proto::command::{Body, Command, Param, check_offered};
use crate::proto::reply::{Reply, Severity};
use crate::transcript::options::{FrontEnd, SessionOptions, session_header};

pub use plan::{Credentials, EnvelopeParams, MessagePlan, PrintOptions, ProbePlan};
use source::{MessageSource, SourceError, load_message};

/// Where a session stopped; the process exit code tells scripts which step failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stage {
    /// Everything asked for was done.
    Done,
    /// Bad options or an unreadable local file.
    Local,
    Connect,
    Greeting,
    Ehlo,
    Tls,
    Auth,
    Mail,
    Rcpt,
    Data,
    /// A MAIL or RCPT parameter whose extension the server does not advertise (or
    /// REQUIRETLS in plaintext), held back without `--force-params`.
    Unsupported,
}

impl Stage {
    /// The steps a probe can be asked to stop after (`--quit-after`), in session order.
    pub const STOPPABLE: [Stage; 7] = [
        Stage::Connect,
        Stage::Greeting,
        Stage::Ehlo,
        Stage::Tls,
        Stage::Auth,
        Stage::Mail,
        Stage::Rcpt,
    ];

    /// The stage named `name` (as [`Stage::name`] spells it).
    pub fn from_name(name: &str) -> Option<Stage> {
        [Stage::Done, Stage::Local, Stage::Data, Stage::Unsupported]
            .into_iter()
            .chain(Stage::STOPPABLE)
            .find(|stage| stage.name() == name)
    }

    pub fn exit_code(self) -> u8 {
        match self {
            Stage::Done => 0,
            Stage::Local => 3,
            Stage::Unsupported => 2,
            Stage::Connect => 20,
            Stage::Greeting => 21,
            Stage::Ehlo => 22,
            Stage::Tls => 23,
            Stage::Auth => 24,
            Stage::Mail => 25,
            Stage::Rcpt => 26,
            Stage::Data => 27,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Stage::Done => "done",
            Stage::Local => "local",
            Stage::Connect => "connect",
            Stage::Greeting => "greeting",
            Stage::Ehlo => "ehlo",
            Stage::Tls => "tls",
            Stage::Auth => "auth",
            Stage::Mail => "mail",
            Stage::Rcpt => "rcpt",
            Stage::Data => "data",
            Stage::Unsupported => "unsupported",
        }
    }
}

/// Runs the probe and returns where it stopped. Events are printed as they happen.
pub async fn run(plan: ProbePlan) -> Stage {
    let mut probe = match Probe::new(plan) {
        Ok(probe) => probe,
        Err(error) => {
            eprintln!("smtpx probe: {error}");
            return Stage::Local;
        }
    };
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
}

impl Probe {
    fn new(plan: ProbePlan) -> Result<Probe, SourceError> {
        let connect = plan.connect;
        let ehlo_name = connect.ehlo_name();
        let message = if plan.to.is_empty() {
            None
        } else {
            Some(load_message(
                &plan.message,
                plan.from.as_deref(),
                &plan.to,
                &ehlo_name,
            )?)
        };
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
        })
    }

    fn quit_after(&self, step: Stage) -> bool {
        self.quit_after == Some(step)
    }

    /// The session, step by step. Returns the stage that failed, or `Done`.
    async fn session(&mut self) -> Stage {
        // Refused, filtered or TLS met plaintext: the diagnosis follows the failure event.
        if let Err(error) = wait::connect(&mut self.driver, self.mode == TlsMode::Implicit).await {
            self.explain_plaintext_port(&error);
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

    /// EHLO, falling back to HELO when EHLO is refused with a 5yz
    /// ([RFC 5321 §4.1.4](https://www.rfc-editor.org/rfc/rfc5321#section-4.1.4)); LHLO over
    /// LMTP ([RFC 2033 §4.1](https://www.rfc-editor.org/rfc/rfc2033#section-4.1)), HELO alone
    /// with `--helo`.
    async fn hello(&mut self) -> Option<Capabilities> {
        if self.lmtp {
            let lhlo = Command::Lhlo(self.ehlo_name.clone());
            let reply = self.driver.command(&lhlo).await.ok()?;
            return (reply.code() == Some(250)).then(|| Capabilities::from_ehlo_reply(&reply));
        }
        if !self.helo {
            let ehlo = Command::Ehlo(self.ehlo_name.clone());
            let reply = self.driver.command(&ehlo).await.ok()?;
            if reply.code() == Some(250) {
                return Some(Capabilities::from_ehlo_reply(&reply));
            }
            if reply.severity() != Severity::PermanentNegative {
                return None;
            }
            self.driver.note(
                "EHLO refused with a permanent reply; falling back to HELO (RFC 5321 §4.1.4): \
                 no extensions (no STARTTLS, AUTH, SIZE, PIPELINING) can be used",
            );
        }
        let helo = Command::Helo(self.ehlo_name.clone());
        let reply = self.driver.command(&helo).await.ok()?;
        (reply.code() == Some(250)).then(|| Capabilities::from_ehlo_reply(&reply))
    }

    /// `XCLIENT NAME=VALUE …` ([Postfix XCLIENT](https://www.postfix.org/XCLIENT_README.html)):
    /// the server takes the attributes as the client's, answers with a new 220 greeting,
    /// and the session starts over, so EHLO is sent again. `None` when XCLIENT is not
    /// advertised, is refused, or the new EHLO fails.
    async fn xclient(&mut self, caps: &Capabilities) -> Option<Capabilities> {
        let Some(offered) = caps.xclient_attributes() else {
            self.driver.note(
                "the server does not advertise XCLIENT (Postfix grants it only to hosts in \
                 smtpd_authorized_xclient_hosts): stopping before MAIL",
            );
            return None;
        };
        let unknown: Vec<&str> = self
            .xclient
            .iter()
            .filter_map(|pair| pair.split_once('=').map(|(name, _)| name))
            .filter(|name| !offered.iter().any(|o| o.eq_ignore_ascii_case(name)))
            .collect();
        if !unknown.is_empty() {
            // Said, not refused: the server has the last word.
            self.driver.note(format!(
                "XCLIENT does not list {} (offered: {})",
                unknown.join(", "),
                offered.join(" ")
            ));
        }
        let xclient = Command::Other {
            verb: "XCLIENT".into(),
            args: Some(self.xclient.join(" ")),
        };
        let reply = self.driver.command(&xclient).await.ok()?;
        if reply.code() != Some(220) {
            self.driver
                .note("XCLIENT was not accepted: stopping before MAIL");
            return None;
        }
        self.driver
            .note("XCLIENT accepted: the session starts over as the forwarded client; EHLO again");
        self.hello().await
    }

    /// The first offered mechanism the probe speaks, preferring PLAIN.
    fn offered_mechanism(caps: &Capabilities) -> Mechanism {
        let offered = caps.auth_mechanisms();
        let has = |name: &str| offered.iter().any(|m| m.eq_ignore_ascii_case(name));
        if has("PLAIN") || offered.is_empty() {
            Mechanism::Plain
        } else if has("LOGIN") {
            Mechanism::Login
        } else if has("CRAM-MD5") {
            Mechanism::CramMd5
        } else {
            Mechanism::Plain
        }
    }

    /// MAIL, RCPT for each recipient, DATA ([RFC 5321 §3.3](https://www.rfc-editor.org/rfc/rfc5321#section-3.3)).
    async fn transaction(&mut self, caps: &Capabilities, message: MessageSource) -> Stage {
        // BDAT needs CHUNKING (RFC 3030 §2): a server without it would take the chunk for
        // commands, or wait for a DATA that never comes.
        if self.bdat.is_some() && !caps.chunking() {
            self.driver.note(
                "the server does not advertise CHUNKING (RFC 3030), so BDAT cannot be used: \
                 stopping before MAIL; without --bdat the message goes with DATA",
            );
            return Stage::Data;
        }
        let from = self.sender();
        // An address or header in UTF-8 needs SMTPUTF8 (RFC 6531 §3.4): offered, it is
        // asked for; not offered, the message cannot be delivered as written.
        let needs_utf8 = !from.is_ascii()
            || self.to.iter().any(|to| !to.is_ascii())
            || !message.headers_are_ascii();
        if needs_utf8 && !caps.smtputf8() {
            self.driver.note(
                "an address or header is not ASCII and the server does not advertise SMTPUTF8 \
                 (RFC 6531 §3.4): stopping before MAIL",
            );
            return Stage::Mail;
        }
        let mut params = Vec::new();
        if caps.size().is_some() {
            params.push(Param::size(message.size()));
        }
        if !message.is_ascii() && caps.eight_bit_mime() {
            params.push(Param::body(Body::EightBitMime));
        }
        if needs_utf8 {
            params.push(Param::smtputf8());
        }
        if self.require_pipelining && !caps.pipelining() {
            self.driver.note(
                "the server does not advertise PIPELINING (RFC 2920 §3.1), and --pipeline \
                 requires it: stopping before MAIL; without --pipeline the probe sends one \
                 command at a time",
            );
            return Stage::Unsupported;
        }
        if let Err(stage) = self.check_envelope_params(caps) {
            return stage;
        }
        params.extend(self.envelope.mail_params());
        let mail = Command::Mail { from, params };
        // A server that does not advertise PIPELINING never gets it (RFC 2920 §3.1).
        if self.pipeline && caps.pipelining() {
            return self.pipelined_transaction(caps, mail, message).await;
        }
        match self.driver.command(&mail).await {
            Ok(reply) if reply.code() == Some(250) => {}
            _ => return Stage::Mail,
        }
        if self.quit_after(Stage::Mail) {
            return Stage::Done;
        }
        let mut accepted = 0;
        for to in self.to.clone() {
            let rcpt = Command::Rcpt {
                params: self.envelope.rcpt_params(&to),
                to,
            };
            match self.driver.command(&rcpt).await {
                Ok(reply) if matches!(reply.code(), Some(250 | 251)) => accepted += 1,
                Ok(_) => {}
                Err(_) => return Stage::Rcpt,
            }
        }
        if accepted == 0 {
            self.driver.note("no recipient was accepted");
            return Stage::Rcpt;
        }
        let total = self.to.len();
        if accepted < total {
            // The message still goes to those accepted: the exit code says it was sent,
            // this line says to whom it was not.
            self.driver.note(format!(
                "{accepted} of {total} recipients accepted; the message goes to those only"
            ));
        }
        if self.quit_after(Stage::Rcpt) {
            return Stage::Done;
        }
        if let Some(chunk_size) = self.bdat {
            let message = match message.into_bytes() {
                Ok(bytes) => bytes,
                Err(error) => {
                    self.driver.note(error.to_string());
                    return Stage::Local;
                }
            };
            let reply = self.driver.send_bdat(&message, chunk_size).await;
            return self.message_stage(reply).await;
        }
        match self.driver.command(&Command::Data).await {
            Ok(reply) if reply.code() == Some(354) => {}
            _ => return Stage::Data,
        }
        let sent = match message {
            MessageSource::Bytes(bytes) => self.driver.send_message(&bytes).await,
            MessageSource::File { file, .. } => {
                let mut file = source::FileReader(file);
                self.driver.send_message_from(&mut file).await
            }
        };
        self.message_stage(sent).await
    }

    /// Where the session stands after the reply to the message: `Done` when it was taken
    /// (250), else `Data`. Over LMTP the other recipients' replies are read first
    /// ([RFC 2033 §4.2](https://www.rfc-editor.org/rfc/rfc2033#section-4.2)): `Done` when
    /// the message reached at least one recipient, and the per-recipient outcome is printed.
    async fn message_stage(&mut self, first: Result<Reply, DriverError>) -> Stage {
        let Ok(first) = first else {
            return Stage::Data;
        };
        if !self.driver.session().is_lmtp() {
            return if first.code() == Some(250) {
                Stage::Done
            } else {
                Stage::Data
            };
        }
        // A connection lost midway is a failure already reported; the replies read count.
        let _ = self.driver.read_deliveries().await;
        let deliveries = self.driver.take_deliveries();
        if self.print.json {
            let recipients: Vec<serde_json::Value> = deliveries
                .iter()
                .map(|d| {
                    serde_json::json!({
                        "recipient": d.recipient,
                        "code": d.reply.code(),
                        "delivered": d.delivered(),
                    })
                })
                .collect();
            let event = serde_json::json!({"event": "lmtp_deliveries", "recipients": recipients});
            crate::outln!("{}", crate::output::safe_json(event.to_string()));
        }
        if deliveries.iter().any(Delivery::delivered) {
            Stage::Done
        } else {
            Stage::Data
        }
    }

    /// The parameters the user asked for, checked against the EHLO reply and the
    /// connection before MAIL; a refusal is said and stops the probe (exit 2) unless
    /// `--force-params` sends them anyway.
    fn check_envelope_params(&mut self, caps: &Capabilities) -> Result<(), Stage> {
        let mut asked = self.envelope.mail_params();
        if let Some(to) = self.to.first() {
            asked.extend(self.envelope.rcpt_params(to));
        }
        let Err(refusal) = check_offered(&asked, caps, &self.driver.protection()) else {
            return Ok(());
        };
        if self.envelope.force {
            self.driver
                .note(format!("{refusal}; sending it anyway (--force-params)"));
            return Ok(());
        }
        self.driver.note(format!(
            "{refusal}: stopping before MAIL; --force-params sends it anyway"
        ));
        Err(Stage::Unsupported)
    }

    fn sender(&self) -> String {
        envelope_sender(self.from.as_deref(), &self.ehlo_name)
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

/// The reverse-path for MAIL FROM and the From header: `--from` without angle brackets,
/// `""` for the null sender `<>`, or `$USER@host` by default.
pub(crate) fn envelope_sender(from: Option<&str>, host: &str) -> String {
    match from {
        Some(from) => from
            .trim_start_matches('<')
            .trim_end_matches('>')
            .to_string(),
        None => {
            let user = std::env::var("USER").unwrap_or_else(|_| "smtpx".into());
            format!("{user}@{host}")
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
