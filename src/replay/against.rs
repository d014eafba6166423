//! `smtpx replay FILE --against HOST[:PORT]`: the client side of a recording re-run against a
//! live server, recorded like a probe session, then compared with the original by
//! [`diff`](crate::transcript::diff::diff) — the same comparison as `smtpx diff`.
//!
//! Each recorded client step is sent again byte for byte and answered by as many replies as
//! were recorded; STARTTLS is followed by a handshake when the server says 220
//! ([RFC 3207 §4](https://www.rfc-editor.org/rfc/rfc3207#section-4)). What the file left out
//! must come from elsewhere: a redacted AUTH exchange (the whole line, or the SASL answers
//! typed after `AUTH LOGIN`) is run again with `--user` and the secret from
//! `--password-env` or a prompt ([RFC 4954 §4](https://www.rfc-editor.org/rfc/rfc4954#section-4));
//! a body recorded with `--redact-body` (or past the 4 MiB a transcript keeps) is replaced
//! by `--body`/`--data`, or the replay refuses to start. `--from` and `--to` put other
//! addresses in MAIL and RCPT (a recording of someone else's session names theirs).
//!
//! A recording with several connections (`/reconnect`) is re-run connection by connection,
//! or only the one `--connection N` names. Every end is said in words: all steps re-run,
//! the recorded server closed the connection, or why the re-run stopped early and at which
//! step.
//!
//! Layer: front end for transcripts (drives the [`Driver`]).

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::{Arc, Mutex};

use zeroize::Zeroizing;

use super::AgainstPlan;
use crate::driver::{Driver, DriverError, SessionEvent};
use crate::event::Shown;
use crate::net::{ConnectPlan, Target, TlsMode};
use crate::proto::auth::{Mechanism, policy};
use crate::proto::capability::Capabilities;
use crate::proto::command::Command;
use crate::transcript::format::{Annotation, Redaction};
use crate::transcript::options::{session_header, unix_now};
use crate::transcript::read::{Entry, Transcript};
use crate::transcript::script::{Recorded, Script, Step, StepKind, verb};

/// Why a recording cannot be re-run: something it left out was not supplied.
#[derive(Debug, thiserror::Error)]
pub enum AgainstError {
    #[error("cannot read {}: {source}", path.display())]
    Data {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error(
        "this recording was made with --redact-body: the message body is not in the file, \
         so it cannot be re-sent; give --body TEXT or --data FILE to send another message in \
         its place"
    )]
    BodyLeftOut,
    #[error("the recording's AUTH exchange is redacted and holds no user name; give --user")]
    NoUser,
    #[error("environment variable {var} is not set")]
    SecretVariable { var: String },
    #[error("cannot prompt for the redacted secret ({0}); use --password-env")]
    SecretPrompt(std::io::Error),
}

/// What the replay needs besides the file, gathered before connecting.
struct Inputs {
    /// For every redacted AUTH exchange (the same user and secret each time).
    credentials: Option<(String, Zeroizing<String>)>,
    message: Option<Vec<u8>>,
    /// `--from`: the reverse-path of every MAIL.
    from: Option<String>,
    /// `--to`: the recipients of every transaction, in place of the recorded RCPTs.
    to: Vec<String>,
}

/// Re-runs the recording; exit 0 when nothing differs, 1 when the comparison found
/// differences, 2 for a bad target or address, 3 when something the replay needs is missing.
pub async fn run(original: &Transcript, file: &Path, args: &AgainstPlan) -> ExitCode {
    let target = match Target::parse(&args.target, original.header.target.port) {
        Ok(target) => target,
        Err(e) => {
            eprintln!("smtpx replay --against: {e}");
            return ExitCode::from(2);
        }
    };
    for address in args.from.iter().chain(&args.to) {
        if address.is_empty()
            || address
                .bytes()
                .any(|b| b.is_ascii_control() || b == b'<' || b == b'>')
        {
            eprintln!(
                "smtpx replay --against: {:?} is not an address to put in <…>",
                crate::proto::text::escape_str(address)
            );
            return ExitCode::from(2);
        }
    }
    let mut connections = Script::connections(original);
    if let Some(n) = args.connection {
        if n == 0 || n > connections.len() {
            eprintln!(
                "smtpx replay --against: --connection {n}: the recording has {} connection{}",
                connections.len(),
                if connections.len() == 1 { "" } else { "s" }
            );
            return ExitCode::from(2);
        }
        connections = vec![connections.swap_remove(n - 1)];
    }
    let inputs = match gather(original, &connections, args) {
        Ok(inputs) => inputs,
        Err(error) => {
            eprintln!("smtpx replay --against: {error}");
            return ExitCode::from(3);
        }
    };
    let header = session_header(
        &target,
        original.header.transport,
        original.header.options.replayed(file),
    );
    let recorder = match args.record.start(header.clone()) {
        Ok(recorder) => recorder,
        Err(e) => {
            eprintln!("smtpx replay --against: {e}");
            return ExitCode::from(3);
        }
    };
    if let Some(r) = &recorder {
        crate::outln!("=== recording this session to {}", r.path().display());
    }
    let events = Arc::new(Mutex::new(Vec::new()));
    let collected = Arc::clone(&events);
    let mut sinks = vec![
        crate::probe::output::printer(false),
        Box::new(move |event: SessionEvent| {
            if let Ok(mut list) = collected.lock() {
                list.push(event);
            }
        }) as crate::driver::EventSink,
    ];
    sinks.extend(recorder.map(crate::transcript::Recorder::into_sink));
    // Transport options as recorded; `--ca-file` and `--timeout` override. The script says
    // when STARTTLS is sent, as the recorded client did.
    let any_implicit = connections.iter().any(|c| c.implicit_tls);
    let mode = if any_implicit {
        TlsMode::Implicit
    } else {
        TlsMode::StartTlsOptional
    };
    let mut plan = ConnectPlan::new(
        target,
        mode,
        original.header.options.tls_options(args.ca_file.clone()),
        args.timeout,
    );
    plan.connect.route = (*args.route).clone();
    // Steps go out with `send_raw`, which shows bytes escaped; the recorded display form
    // of the same bytes is kept instead, so both sessions read (and compare) alike.
    let shown: Arc<Mutex<Option<Shown>>> = Arc::default();
    let next_shown = Arc::clone(&shown);
    let mut inner = crate::driver::sink::fan_out(sinks);
    let sink = Box::new(move |mut event: SessionEvent| {
        if let SessionEvent::Sent { shown, .. } = &mut event {
            if let Some(recorded) = next_shown.lock().ok().and_then(|mut s| s.take()) {
                *shown = recorded;
            }
        }
        inner(event);
    });
    let mut driver = Driver::new(plan.target, plan.connect, plan.tls, plan.timeout, sink);
    driver.reveal_secrets(args.record.keep_secrets);
    let policy = Policy {
        allow_insecure_auth: args.allow_insecure_auth,
        upgrade: args.upgrade,
    };
    let total = connections.len();
    let mut inputs = inputs;
    for (k, script) in connections.iter().enumerate() {
        if total > 1 {
            driver.note(format!("connection {} of {total}, as recorded", k + 1));
        }
        let played = play(&mut driver, script, &mut inputs, &shown, policy).await;
        let steps = script.steps.len();
        match played {
            Ok(Ended::AllSteps) => {
                driver.note(format!("re-ran all {steps} client steps of the recording"))
            }
            Ok(Ended::RecordingCloses(n)) => driver.note(format!(
                "re-ran {n} of {steps} client steps: the recorded server closed the connection \
                 after step {n}"
            )),
            Err(stop) => {
                let at = stop.step.map_or_else(
                    || "before the first step".to_string(),
                    |n| format!("at step {n} of {steps}"),
                );
                let rest = if k + 1 < total {
                    format!(
                        "; the recording's other {} connection(s) are not re-run",
                        total - k - 1
                    )
                } else {
                    String::new()
                };
                driver.note(format!("stopped {at}: {}{rest}", stop.reason));
                driver.close().await;
                break;
            }
        }
        driver.close().await;
    }
    drop(driver);
    let events = events.lock().map(|e| e.clone()).unwrap_or_default();
    let replayed = Transcript {
        header,
        entries: events
            .into_iter()
            .map(|event| Entry {
                line: 0,
                event,
                annotation: Annotation::default(),
            })
            .collect(),
        warnings: Vec::new(),
    };
    // With --connection, the re-run is compared with that connection only.
    let mut compared = original.clone();
    if let Some(n) = args.connection {
        compared.entries = connection_entries(original, n);
    }
    let differences = crate::transcript::diff::diff(&compared, &replayed);
    // The target is expected to differ: that is the point of --against.
    let differences: Vec<_> = differences
        .into_iter()
        .filter(|d| d.kind != crate::transcript::diff::DiffKind::Target)
        .collect();
    if differences.is_empty() {
        crate::outln!(
            "=== same as the recording: reply codes, texts, capabilities, certificate and TLS \
             parameters"
        );
        ExitCode::SUCCESS
    } else {
        crate::outln!("=== differences from the recording (A: recorded, B: now):");
        for line in &differences {
            crate::outln!("{line}");
        }
        ExitCode::from(1)
    }
}

/// The entries of connection `n` (1-based) of a recording.
fn connection_entries(transcript: &Transcript, n: usize) -> Vec<Entry> {
    let mut k = 0;
    transcript
        .entries
        .iter()
        .filter(|e| {
            if matches!(e.event, SessionEvent::Connected { .. }) {
                k += 1;
            }
            k.max(1) == n
        })
        .cloned()
        .collect()
}

/// Checks up front that everything left out of the file can be supplied.
fn gather(
    original: &Transcript,
    connections: &[Script],
    args: &AgainstPlan,
) -> Result<Inputs, AgainstError> {
    let mut inputs = Inputs {
        credentials: None,
        message: None,
        from: args.from.clone(),
        to: args.to.clone(),
    };
    if connections.iter().any(Script::has_redacted_body) {
        inputs.message = Some(match (&args.body, &args.data) {
            (_, Some(path)) => std::fs::read(path).map_err(|source| AgainstError::Data {
                path: path.clone(),
                source,
            })?,
            (Some(body), None) => build(original, body, args),
            (None, None) => return Err(AgainstError::BodyLeftOut),
        });
    }
    let redacted_auth = connections
        .iter()
        .any(|c| (0..c.steps.len()).any(|i| redacted_exchange(&c.steps, i).is_some()));
    if redacted_auth {
        let user = args
            .user
            .clone()
            .or_else(|| original.header.options.user.clone())
            .ok_or(AgainstError::NoUser)?;
        let secret = match &args.password_env {
            Some(var) => std::env::var(var)
                .map(Zeroizing::new)
                .map_err(|_| AgainstError::SecretVariable { var: var.clone() })?,
            None => rpassword::prompt_password(format!(
                "Password for {user} (redacted in the recording): "
            ))
            .map(Zeroizing::new)
            .map_err(AgainstError::SecretPrompt)?,
        };
        inputs.credentials = Some((user, secret));
    }
    Ok(inputs)
}

/// When step `i` starts an AUTH exchange whose secret the file left out — an AUTH line
/// redacted whole, or an `AUTH <mechanism>` typed by hand whose SASL answers were
/// redacted — how many steps the exchange takes.
fn redacted_exchange(steps: &[Step], i: usize) -> Option<usize> {
    let step = steps.get(i)?;
    if step.kind != StepKind::Command || !verb(&step.line()).starts_with("AUTH ") {
        return None;
    }
    let answers = steps[i + 1..]
        .iter()
        .take_while(|s| s.kind == StepKind::SaslAnswer)
        .count();
    let redacted = |s: &Step| s.secret && s.sent.is_empty();
    let any_redacted = redacted(step) || steps[i + 1..=i + answers].iter().any(redacted);
    any_redacted.then_some(1 + answers)
}

/// A minimal message around `--body`, addressed as recorded (or as `--from`/`--to` say).
fn build(original: &Transcript, body: &str, args: &AgainstPlan) -> Vec<u8> {
    let options = &original.header.options;
    let from = args
        .from
        .as_deref()
        .or(options.from.as_deref())
        .unwrap_or("smtpx@localhost");
    let to = if args.to.is_empty() {
        &options.to
    } else {
        &args.to
    };
    let host = options.ehlo.as_deref().unwrap_or("localhost");
    let now = std::time::SystemTime::now();
    crate::probe::message::build_message(&crate::probe::message::MessageSpec {
        from,
        to,
        subject: "smtpx replay",
        body,
        now,
        id_domain: host,
        id_local: format!("{}.{}", unix_now(), std::process::id()),
        headers: &[],
        html: None,
        attachments: &[],
    })
}

/// How a connection's re-run ended when nothing stopped it early.
enum Ended {
    /// Every recorded client step was sent and answered.
    AllSteps,
    /// The recorded server closed the connection after this step (1-based), so the re-run
    /// ends there too.
    RecordingCloses(usize),
}

/// Why a connection's re-run stopped early: at which step (1-based; `None` before the
/// first) and why, in words.
struct Stop {
    step: Option<usize>,
    reason: String,
}

impl Stop {
    fn at(step: usize, reason: impl Into<String>) -> Stop {
        Stop {
            step: Some(step),
            reason: reason.into(),
        }
    }
}

/// Walks one connection's script; says why at every early end.
async fn play(
    driver: &mut Driver,
    script: &Script,
    inputs: &mut Inputs,
    shown: &Mutex<Option<Shown>>,
    policy: Policy,
) -> Result<Ended, Stop> {
    let allow_insecure_auth = policy.allow_insecure_auth;
    // The live server's latest EHLO capabilities, for the credential policy.
    let mut caps: Option<Capabilities> = None;
    if let Err(e) = driver.connect(script.implicit_tls).await {
        return Err(Stop {
            step: None,
            reason: e.to_string(),
        });
    }
    if script.greeting.is_some() {
        if let Err(e) = driver.read_reply().await {
            return Err(Stop {
                step: None,
                reason: format!("no greeting: {e}"),
            });
        }
    }
    let steps = &script.steps;
    let mut i = 0;
    // Whether the `--to` recipients already went out in this transaction.
    let mut recipients_sent = false;
    while i < steps.len() {
        let step = &steps[i];
        let number = i + 1;
        let line = step.line();
        let step_verb = verb(&line);
        let failed = |what: &str, e: DriverError| Stop::at(number, format!("{what}: {e}"));
        if let Some(count) = redacted_exchange(steps, i) {
            let Some((user, secret)) = inputs.credentials.clone() else {
                return Err(Stop::at(
                    number,
                    "the recording's AUTH exchange is redacted and no credentials were given",
                ));
            };
            let Some(mechanism) = mechanism(&step_verb) else {
                return Err(Stop::at(
                    number,
                    format!(
                        "cannot re-run {}: smtpx does not speak that mechanism",
                        crate::proto::text::escape_str(&step.shown)
                    ),
                ));
            };
            if let Err(refusal) =
                credentials_allowed(driver, &mechanism, caps.as_ref(), allow_insecure_auth)
            {
                return Err(Stop::at(number, refusal));
            }
            let reply = driver
                .authenticate(mechanism, &user, secret)
                .await
                .map_err(|e| failed("AUTH failed", e))?;
            let recorded = steps[i + count - 1].replies.last().and_then(Recorded::code);
            if let Some(reason) = breaks_the_flow(recorded, reply.code(), &line) {
                return Err(Stop::at(number, reason));
            }
            i += count;
            continue;
        }
        if step.kind == StepKind::Bdat && bdat_message_left_out(steps, i) {
            let run = steps[i..]
                .iter()
                .take_while(|s| s.kind == StepKind::Bdat)
                .count();
            let message = inputs.message.clone().unwrap_or_default();
            // Chunks as large as the recorded ones: `BDAT <size> [LAST]`.
            let chunk = steps[i..i + run]
                .iter()
                .filter_map(|s| s.line().split_ascii_whitespace().nth(1)?.parse().ok())
                .max()
                .unwrap_or(message.len())
                .max(1);
            let reply = driver
                .send_bdat(&message, chunk)
                .await
                .map_err(|e| failed("sending the message with BDAT failed", e))?;
            let recorded = steps[i + run - 1].replies.last().and_then(Recorded::code);
            if let Some(reason) = breaks_the_flow(recorded, reply.code(), &line) {
                return Err(Stop::at(number, reason));
            }
            i += run;
            continue;
        }
        if step_verb == "MAIL" || step_verb == "RSET" {
            recipients_sent = false;
        }
        if step_verb == "RCPT" && !inputs.to.is_empty() {
            let run = steps[i..]
                .iter()
                .take_while(|s| s.kind == StepKind::Command && verb(&s.line()) == "RCPT")
                .count();
            if !recipients_sent {
                recipients_sent = true;
                let recorded = step.replies.first().and_then(Recorded::code);
                let mut accepted = 0;
                for to in inputs.to.clone() {
                    let bytes = replace_path(&step.sent, &to);
                    set_shown(shown, &bytes);
                    driver
                        .send_raw(&bytes)
                        .await
                        .map_err(|e| failed("sending RCPT failed", e))?;
                    let reply = driver
                        .read_reply()
                        .await
                        .map_err(|e| failed("no reply to RCPT", e))?;
                    if reply.is_positive() {
                        accepted += 1;
                    }
                }
                if accepted == 0 && recorded.is_some_and(|c| c / 100 == 2) {
                    return Err(Stop::at(
                        number,
                        "no --to recipient was accepted where the recording had one: the \
                         recorded steps after it no longer apply",
                    ));
                }
            }
            i += run;
            continue;
        }
        let redacted_body = matches!(step.redacted, Some(Redaction::Body { .. }));
        if redacted_body && step.kind == StepKind::Body {
            let message = inputs.message.clone().unwrap_or_default();
            driver
                .send_message_only(&message)
                .await
                .map_err(|e| failed("sending the message failed", e))?;
        } else {
            // Recorded secrets (--record-secrets) are credentials too: the same policy.
            if step.secret && step.kind == StepKind::Command {
                let mechanism = mechanism(&step_verb).unwrap_or(Mechanism::Plain);
                if let Err(refusal) =
                    credentials_allowed(driver, &mechanism, caps.as_ref(), allow_insecure_auth)
                {
                    return Err(Stop::at(number, refusal));
                }
            }
            let bytes = match (&inputs.from, step_verb.as_str()) {
                (Some(from), "MAIL") => replace_path(&step.sent, from),
                _ => step.sent.clone(),
            };
            if bytes.is_empty() {
                return Err(Stop::at(
                    number,
                    format!(
                        "the recording left this step out ({}) and smtpx cannot rebuild it",
                        crate::proto::text::escape_str(&step.shown)
                    ),
                ));
            }
            if bytes == step.sent {
                if let Ok(mut next) = shown.lock() {
                    *next = Some(step.shown.clone());
                }
            } else {
                set_shown(shown, &bytes);
            }
            driver
                .send_raw(&bytes)
                .await
                .map_err(|e| failed("sending failed", e))?;
        }
        let hello = is_hello(&line);
        let mut last_code = None;
        for recorded in &step.replies {
            let reply = driver.read_reply().await.map_err(|e| {
                failed(
                    &format!(
                        "no reply to {}",
                        crate::proto::text::escape_str(if step.kind == StepKind::Body {
                            "the message"
                        } else {
                            &step_verb
                        })
                    ),
                    e,
                )
            })?;
            last_code = reply.code();
            if hello && reply.code() == Some(250) {
                caps = Some(Capabilities::from_ehlo_reply(&reply));
            }
            // A reply of another kind than recorded breaks the flow: going on would send
            // the next steps into a conversation they were not written for (a message body
            // after a DATA that got 250 instead of 354 would be read as commands).
            if let Some(reason) = breaks_the_flow(recorded.code(), reply.code(), &line) {
                return Err(Stop::at(number, reason));
            }
        }
        // Never less protection than the live server offers: a recording made in
        // plaintext is upgraded when the server offers STARTTLS now.
        if hello
            && policy.upgrade
            && !driver.is_tls()
            && caps.as_ref().is_some_and(Capabilities::starttls)
            && !steps.iter().any(|s| s.starts_tls)
        {
            driver.note(
                "the live server offers STARTTLS, which the recording did not use: upgrading \
                 (a replay never uses less protection than the server offers)",
            );
            upgrade(driver, &step.sent, &mut caps, shown)
                .await
                .map_err(|reason| Stop::at(number, reason))?;
        }
        if step.replies.is_empty() {
            return Ok(Ended::RecordingCloses(number));
        }
        if step.starts_tls && last_code == Some(220) {
            driver
                .start_tls()
                .await
                .map_err(|e| failed("the TLS handshake failed", e))?;
        }
        i += 1;
    }
    Ok(Ended::AllSteps)
}

/// Whether the BDAT message starting at step `i` has a chunk the file left out
/// (`--redact-body`, or past the 4 MiB a transcript keeps): then the whole message is
/// sent from `--body`/`--data`, in chunks as large as the recorded ones.
fn bdat_message_left_out(steps: &[Step], i: usize) -> bool {
    steps[i..]
        .iter()
        .take_while(|s| s.kind == StepKind::Bdat)
        .any(|s| matches!(s.redacted, Some(Redaction::Body { .. })))
}

/// A MAIL or RCPT line with its path replaced by `address`, parameters and line end kept
/// ([RFC 5321 §4.1.1.2](https://www.rfc-editor.org/rfc/rfc5321#section-4.1.1.2)).
fn replace_path(line: &[u8], address: &str) -> Vec<u8> {
    let colon = line.iter().position(|&b| b == b':');
    let Some(colon) = colon else {
        return line.to_vec();
    };
    let rest = &line[colon + 1..];
    let skip = rest.iter().take_while(|&&b| b == b' ').count();
    let rest = &rest[skip..];
    let path_len = if rest.first() == Some(&b'<') {
        rest.iter()
            .position(|&b| b == b'>')
            .map_or(rest.len(), |p| p + 1)
    } else {
        rest.iter()
            .position(|&b| b == b' ' || b == b'\r' || b == b'\n')
            .unwrap_or(rest.len())
    };
    let mut out = line[..=colon].to_vec();
    out.push(b'<');
    out.extend_from_slice(address.as_bytes());
    out.push(b'>');
    out.extend_from_slice(&rest[path_len..]);
    out
}

/// The display form of bytes sent in place of a recorded line.
fn set_shown(shown: &Mutex<Option<Shown>>, bytes: &[u8]) {
    let end = bytes
        .iter()
        .position(|&b| b == b'\r' || b == b'\n')
        .unwrap_or(bytes.len());
    if let Ok(mut next) = shown.lock() {
        *next = Some(Shown::plain(
            String::from_utf8_lossy(&bytes[..end]).into_owned(),
        ));
    }
}

/// What the person allowed beyond the defaults.
#[derive(Debug, Clone, Copy)]
struct Policy {
    /// `--allow-insecure-auth`.
    allow_insecure_auth: bool,
    /// Not `--no-starttls-upgrade`.
    upgrade: bool,
}

/// Whether the credential policy lets a credential go now; why not, in words, when it
/// does not.
fn credentials_allowed(
    driver: &mut Driver,
    mechanism: &Mechanism,
    caps: Option<&Capabilities>,
    allow_insecure: bool,
) -> Result<(), String> {
    let protection = driver.protection();
    let verdict = match caps {
        Some(caps) => policy::check(mechanism, caps, &protection, allow_insecure),
        None if allow_insecure => Ok(()),
        None => Err(policy::AuthRefusal::NotAdvertised),
    };
    verdict.map_err(|refusal| refusal.held_back())
}

/// STARTTLS, the handshake and the recorded EHLO again
/// ([RFC 3207 §4.2](https://www.rfc-editor.org/rfc/rfc3207#section-4.2)); why not, in
/// words, when any of it failed.
async fn upgrade(
    driver: &mut Driver,
    ehlo: &[u8],
    caps: &mut Option<Capabilities>,
    shown: &Mutex<Option<Shown>>,
) -> Result<(), String> {
    match driver.command(&Command::StartTls).await {
        Ok(reply) if reply.code() == Some(220) => {}
        Ok(reply) => {
            return Err(format!(
                "STARTTLS was offered but answered {}",
                reply
                    .code()
                    .map_or("with no code".to_string(), |c| c.to_string())
            ));
        }
        Err(e) => return Err(format!("no reply to STARTTLS: {e}")),
    }
    driver
        .start_tls()
        .await
        .map_err(|e| format!("the TLS handshake failed: {e}"))?;
    set_shown(shown, ehlo);
    driver
        .send_raw(ehlo)
        .await
        .map_err(|e| format!("sending EHLO again after TLS failed: {e}"))?;
    match driver.read_reply().await {
        Ok(reply) if reply.code() == Some(250) => {
            *caps = Some(Capabilities::from_ehlo_reply(&reply));
            Ok(())
        }
        Ok(reply) => Err(format!(
            "EHLO after TLS was answered {}",
            reply
                .code()
                .map_or("with no code".to_string(), |c| c.to_string())
        )),
        Err(e) => Err(format!("no reply to EHLO after TLS: {e}")),
    }
}

fn is_hello(line: &str) -> bool {
    let verb = line
        .split_whitespace()
        .next()
        .unwrap_or("")
        .to_ascii_uppercase();
    matches!(verb.as_str(), "EHLO" | "HELO" | "LHLO")
}

/// Why a live reply of another class than the recorded one ends the replay; `None` when
/// the flow goes on as recorded (same first digit; or both refusals).
fn breaks_the_flow(recorded: Option<u16>, live: Option<u16>, line: &str) -> Option<String> {
    let (Some(recorded), Some(live)) = (recorded, live) else {
        return None;
    };
    let (was, now) = (recorded / 100, live / 100);
    if was == now || (was >= 4 && now >= 4) {
        return None;
    }
    let command = line.split_whitespace().next().unwrap_or("the step");
    let command = crate::proto::text::escape_str(command);
    Some(match (recorded, live) {
        (354, _) => format!(
            "{command} got {live} where the recording got 354: the message is not sent (it \
             would be read as commands)"
        ),
        (_, l) if l >= 400 => format!(
            "{command} was refused with {live} where the recording got {recorded}: the \
             recorded steps after it no longer apply"
        ),
        _ => format!(
            "{command} got {live} where the recording got {recorded}: the recorded steps \
             after it no longer apply"
        ),
    })
}

fn mechanism(verb: &str) -> Option<Mechanism> {
    match verb.strip_prefix("AUTH ")? {
        "PLAIN" => Some(Mechanism::Plain),
        "LOGIN" => Some(Mechanism::Login),
        "CRAM-MD5" => Some(Mechanism::CramMd5),
        "XOAUTH2" => Some(Mechanism::XOAuth2),
        "OAUTHBEARER" => Some(Mechanism::OAuthBearer),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn replace_path_keeps_the_keyword_parameters_and_line_end() {
        let cases: [(&[u8], &str, &[u8]); 4] = [
            (
                b"MAIL FROM:<a@b> SIZE=291 BODY=8BITMIME\r\n",
                "x@y",
                b"MAIL FROM:<x@y> SIZE=291 BODY=8BITMIME\r\n",
            ),
            (b"RCPT TO:<a@b>\r\n", "c@d", b"RCPT TO:<c@d>\r\n"),
            (b"mail from: a@b\r\n", "x@y", b"mail from:<x@y>\r\n"),
            (b"MAIL FROM:<>\r\n", "x@y", b"MAIL FROM:<x@y>\r\n"),
        ];
        for (line, address, expected) in cases {
            assert_eq!(
                replace_path(line, address),
                expected,
                "{}",
                String::from_utf8_lossy(line)
            );
        }
    }

    #[test]
    fn a_hand_typed_auth_whose_answers_were_redacted_is_one_exchange() {
        let step = |kind, sent: &[u8], secret| Step {
            kind,
            sent: sent.to_vec(),
            shown: Shown::plain(String::from_utf8_lossy(sent).trim_end().to_string()),
            secret,
            redacted: None,
            replies: Vec::new(),
            starts_tls: false,
        };
        let typed = [
            step(StepKind::Command, b"AUTH LOGIN\r\n", false),
            step(StepKind::SaslAnswer, b"", true),
            step(StepKind::SaslAnswer, b"", true),
            step(StepKind::Command, b"MAIL FROM:<a@b>\r\n", false),
        ];
        assert_eq!(redacted_exchange(&typed, 0), Some(3));
        assert_eq!(redacted_exchange(&typed, 3), None);
        let kept = [
            step(StepKind::Command, b"AUTH LOGIN\r\n", false),
            step(StepKind::SaslAnswer, b"ZGVtbw==\r\n", true),
        ];
        assert_eq!(
            redacted_exchange(&kept, 0),
            None,
            "kept secrets are re-sent"
        );
        let whole = [step(StepKind::Command, b"", true)];
        // A whole redacted line shows as `AUTH PLAIN <redacted …>`.
        let mut whole = whole;
        whole[0].shown = Shown::plain("AUTH PLAIN <redacted 28 bytes>");
        assert_eq!(redacted_exchange(&whole, 0), Some(1));
    }
}
