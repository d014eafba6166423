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

mod inputs;
mod play;
#[cfg(test)]
mod tests;

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::{Arc, Mutex};

use zeroize::Zeroizing;

use super::AgainstPlan;
use crate::driver::{Driver, SessionEvent};
use crate::event::Shown;
use crate::net::{ConnectPlan, Target, TlsMode};
use crate::transcript::format::Annotation;
use crate::transcript::options::session_header;
use crate::transcript::read::{Entry, Transcript};
use crate::transcript::script::Script;
use inputs::gather;
use play::{Ended, Policy, play};

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
    let mut tls = original.header.options.tls_options(args.ca_file.clone());
    if !args.pin_spki.is_empty() {
        tls.pin_spki = args.pin_spki.clone();
    }
    let mut plan = ConnectPlan::new(target, mode, tls, args.timeout);
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
