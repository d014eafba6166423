//! `smtpx replay FILE --against HOST[:PORT]`: the client side of a recording re-run against a
//! live server, recorded like a probe session, then compared with the original by
//! [`diff`](crate::transcript::diff::diff) — the same comparison as `smtpx diff`.
//!
//! Each recorded client step is sent again byte for byte and answered by as many replies as
//! were recorded; STARTTLS is followed by a handshake when the server says 220
//! ([RFC 3207 §4](https://www.rfc-editor.org/rfc/rfc3207#section-4)). What the file left out
//! must come from elsewhere: a redacted AUTH exchange is run again with `--user` and the
//! secret from `--password-env` or a prompt
//! ([RFC 4954 §4](https://www.rfc-editor.org/rfc/rfc4954#section-4)); a body recorded with
//! `--redact-body` is replaced by `--body`/`--data`, or the replay refuses to start.
//!
//! Layer: front end for transcripts (drives the [`Driver`]).

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::{Arc, Mutex};

use zeroize::Zeroizing;

use super::AgainstPlan;
use crate::driver::{Driver, SessionEvent};
use crate::event::Shown;
use crate::net::{ConnectPlan, Target, TlsMode};
use crate::proto::auth::{Mechanism, policy};
use crate::proto::capability::Capabilities;
use crate::proto::command::Command;
use crate::transcript::format::{Annotation, Redaction};
use crate::transcript::options::{session_header, unix_now};
use crate::transcript::read::{Entry, Transcript};
use crate::transcript::script::{Script, StepKind, verb};

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
    credentials: Option<(String, Zeroizing<String>)>,
    message: Option<Vec<u8>>,
}

/// Re-runs the recording; exit 0 when nothing differs, 1 when the comparison found
/// differences, 2 for a bad target, 3 when something the replay needs is missing.
pub async fn run(original: &Transcript, file: &Path, args: &AgainstPlan) -> ExitCode {
    let target = match Target::parse(&args.target, original.header.target.port) {
        Ok(target) => target,
        Err(e) => {
            eprintln!("smtpx replay --against: {e}");
            return ExitCode::from(2);
        }
    };
    let script = Script::of(original);
    let inputs = match gather(original, &script, args) {
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
    let mode = if script.implicit_tls {
        TlsMode::Implicit
    } else {
        TlsMode::StartTlsOptional
    };
    let plan = ConnectPlan::new(
        target,
        mode,
        original.header.options.tls_options(args.ca_file.clone()),
        args.timeout,
    );
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
    play(
        &mut driver,
        &script,
        original,
        inputs,
        &shown,
        Policy {
            allow_insecure_auth: args.allow_insecure_auth,
            upgrade: args.upgrade,
        },
    )
    .await;
    driver.close().await;
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
    let differences = crate::transcript::diff::diff(original, &replayed);
    // The target is expected to differ: that is the point of --against.
    let differences: Vec<_> = differences
        .into_iter()
        .filter(|d| !d.starts_with("target: "))
        .collect();
    if differences.is_empty() {
        crate::outln!(
            "=== same as the recording: reply codes, capabilities, certificate and TLS parameters"
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

/// Checks up front that everything left out of the file can be supplied.
fn gather(
    original: &Transcript,
    script: &Script,
    args: &AgainstPlan,
) -> Result<Inputs, AgainstError> {
    let mut inputs = Inputs {
        credentials: None,
        message: None,
    };
    if script.has_redacted_body() {
        inputs.message = Some(match (&args.body, &args.data) {
            (_, Some(path)) => std::fs::read(path).map_err(|source| AgainstError::Data {
                path: path.clone(),
                source,
            })?,
            (Some(body), None) => build(original, body),
            (None, None) => return Err(AgainstError::BodyLeftOut),
        });
    }
    let redacted_auth = script
        .steps
        .iter()
        .any(|s| s.kind == StepKind::Command && s.secret && s.sent.is_empty());
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

/// A minimal message around `--body`, addressed as recorded.
fn build(original: &Transcript, body: &str) -> Vec<u8> {
    let options = &original.header.options;
    let from = options.from.as_deref().unwrap_or("smtpx@localhost");
    let to = &options.to;
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
    })
}

/// Walks the script; stops at the first network failure (the driver reports it).
async fn play(
    driver: &mut Driver,
    script: &Script,
    original: &Transcript,
    mut inputs: Inputs,
    shown: &Mutex<Option<Shown>>,
    policy: Policy,
) {
    let allow_insecure_auth = policy.allow_insecure_auth;
    // The live server's latest EHLO capabilities, for the credential policy.
    let mut caps: Option<Capabilities> = None;
    if driver.connect(script.implicit_tls).await.is_err() {
        return;
    }
    if script.greeting.is_some() && driver.read_reply().await.is_err() {
        return;
    }
    let mut steps = script.steps.iter().peekable();
    while let Some(step) = steps.next() {
        let mut last_code = None;
        let redacted_body = matches!(step.redacted, Some(Redaction::Body { .. }));
        if step.kind == StepKind::Command && step.secret && step.sent.is_empty() {
            let Some((user, secret)) = inputs.credentials.take() else {
                return;
            };
            let Some(mechanism) = mechanism(&verb(&step.shown)) else {
                driver.note(format!("cannot re-run {}: unknown mechanism", step.shown));
                return;
            };
            if !credentials_allowed(driver, &mechanism, caps.as_ref(), allow_insecure_auth) {
                return;
            }
            if driver.authenticate(mechanism, &user, secret).await.is_err() {
                return;
            }
            while steps.next_if(|s| s.kind == StepKind::SaslAnswer).is_some() {}
            continue;
        } else if redacted_body && step.kind == StepKind::Bdat {
            let message = inputs.message.take().unwrap_or_default();
            let chunk = original.header.options.bdat.unwrap_or(message.len().max(1));
            if driver.send_bdat(&message, chunk).await.is_err() {
                return;
            }
            while steps.next_if(|s| s.kind == StepKind::Bdat).is_some() {}
            continue;
        } else if redacted_body {
            let message = inputs.message.take().unwrap_or_default();
            if driver.send_message_only(&message).await.is_err() {
                return;
            }
        } else {
            // Recorded secrets (--record-secrets) are credentials too: the same policy.
            if step.secret && step.kind == StepKind::Command {
                let mechanism = mechanism(&verb(&step.shown)).unwrap_or(Mechanism::Plain);
                if !credentials_allowed(driver, &mechanism, caps.as_ref(), allow_insecure_auth) {
                    return;
                }
            }
            if let Ok(mut next) = shown.lock() {
                *next = Some(step.shown.clone());
            }
            if driver.send_raw(&step.sent).await.is_err() {
                return;
            }
        }
        let hello = is_hello(&step.line());
        for recorded in &step.replies {
            let reply = match driver.read_reply().await {
                Ok(reply) => reply,
                Err(_) => return,
            };
            last_code = reply.code();
            if hello && reply.code() == Some(250) {
                caps = Some(Capabilities::from_ehlo_reply(&reply));
            }
            // A reply of another kind than recorded breaks the flow: going on would send
            // the next steps into a conversation they were not written for (a message body
            // after a DATA that got 250 instead of 354 would be read as commands).
            if let Some(reason) = breaks_the_flow(recorded.code(), reply.code(), &step.line()) {
                driver.note(format!("stopping: {reason}"));
                return;
            }
        }
        // Never less protection than the live server offers: a recording made in
        // plaintext is upgraded when the server offers STARTTLS now.
        if hello
            && policy.upgrade
            && !driver.is_tls()
            && caps.as_ref().is_some_and(Capabilities::starttls)
            && !script.steps.iter().any(|s| s.starts_tls)
        {
            driver.note(
                "the live server offers STARTTLS, which the recording did not use: upgrading \
                 (a replay never uses less protection than the server offers)",
            );
            if !upgrade(driver, &step.sent, &mut caps).await {
                return;
            }
        }
        if step.replies.is_empty() {
            driver.note("the recorded server closed the connection here");
            return;
        }
        if step.starts_tls && last_code == Some(220) && driver.start_tls().await.is_err() {
            return;
        }
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

/// Whether the credential policy lets a credential go now; says why not when it does not.
fn credentials_allowed(
    driver: &mut Driver,
    mechanism: &Mechanism,
    caps: Option<&Capabilities>,
    allow_insecure: bool,
) -> bool {
    let protection = driver.protection();
    let verdict = match caps {
        Some(caps) => policy::check(mechanism, caps, &protection, allow_insecure),
        None if allow_insecure => Ok(()),
        None => Err(policy::AuthRefusal::NotAdvertised),
    };
    match verdict {
        Ok(()) => true,
        Err(refusal) => {
            driver.note(refusal.held_back());
            false
        }
    }
}

/// STARTTLS, the handshake and the recorded EHLO again
/// ([RFC 3207 §4.2](https://www.rfc-editor.org/rfc/rfc3207#section-4.2)); false when any
/// of it failed (the driver has said why).
async fn upgrade(driver: &mut Driver, ehlo: &[u8], caps: &mut Option<Capabilities>) -> bool {
    match driver.command(&Command::StartTls).await {
        Ok(reply) if reply.code() == Some(220) => {}
        Ok(reply) => {
            driver.note(format!(
                "stopping: STARTTLS was offered but answered {}",
                reply
                    .code()
                    .map_or("with no code".to_string(), |c| c.to_string())
            ));
            return false;
        }
        Err(_) => return false,
    }
    if driver.start_tls().await.is_err() || driver.send_raw(ehlo).await.is_err() {
        return false;
    }
    match driver.read_reply().await {
        Ok(reply) if reply.code() == Some(250) => {
            *caps = Some(Capabilities::from_ehlo_reply(&reply));
            true
        }
        _ => false,
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
        _ => None,
    }
}
