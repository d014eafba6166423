//! Playing the recorded client steps against the live server, step by step, and saying
//! why a re-run stopped.
//!
//! Layer: front end for transcripts (drives the [`Driver`]).

use std::sync::Mutex;

use super::Inputs;
use super::inputs::redacted_exchange;
use crate::driver::{Driver, DriverError};
use crate::event::Shown;
use crate::proto::auth::{Mechanism, policy};
use crate::proto::capability::Capabilities;
use crate::proto::command::Command;
use crate::transcript::format::Redaction;
use crate::transcript::script::{Recorded, Script, Step, StepKind, verb};

/// How a connection's re-run ended when nothing stopped it early.
pub(super) enum Ended {
    /// Every recorded client step was sent and answered.
    AllSteps,
    /// The recorded server closed the connection after this step (1-based), so the re-run
    /// ends there too.
    RecordingCloses(usize),
}

/// Why a connection's re-run stopped early: at which step (1-based; `None` before the
/// first) and why, in words.
pub(super) struct Stop {
    pub(super) step: Option<usize>,
    pub(super) reason: String,
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
pub(super) async fn play(
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
pub(super) fn bdat_message_left_out(steps: &[Step], i: usize) -> bool {
    steps[i..]
        .iter()
        .take_while(|s| s.kind == StepKind::Bdat)
        .any(|s| matches!(s.redacted, Some(Redaction::Body { .. })))
}

/// A MAIL or RCPT line with its path replaced by `address`, parameters and line end kept
/// ([RFC 5321 §4.1.1.2](https://www.rfc-editor.org/rfc/rfc5321#section-4.1.1.2)).
pub(super) fn replace_path(line: &[u8], address: &str) -> Vec<u8> {
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
pub(super) fn set_shown(shown: &Mutex<Option<Shown>>, bytes: &[u8]) {
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
pub(super) struct Policy {
    /// `--allow-insecure-auth`.
    pub(super) allow_insecure_auth: bool,
    /// Not `--no-starttls-upgrade`.
    pub(super) upgrade: bool,
}

/// Whether the credential policy lets a credential go now; why not, in words, when it
/// does not.
pub(super) fn credentials_allowed(
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
pub(super) async fn upgrade(
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

pub(super) fn is_hello(line: &str) -> bool {
    let verb = line
        .split_whitespace()
        .next()
        .unwrap_or("")
        .to_ascii_uppercase();
    matches!(verb.as_str(), "EHLO" | "HELO" | "LHLO")
}

/// Why a live reply of another class than the recorded one ends the replay; `None` when
/// the flow goes on as recorded (same first digit; or both refusals).
pub(super) fn breaks_the_flow(
    recorded: Option<u16>,
    live: Option<u16>,
    line: &str,
) -> Option<String> {
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

pub(super) fn mechanism(verb: &str) -> Option<Mechanism> {
    match verb.strip_prefix("AUTH ")? {
        "PLAIN" => Some(Mechanism::Plain),
        "LOGIN" => Some(Mechanism::Login),
        "CRAM-MD5" => Some(Mechanism::CramMd5),
        "XOAUTH2" => Some(Mechanism::XOAuth2),
        "OAUTHBEARER" => Some(Mechanism::OAuthBearer),
        _ => None,
    }
}
