//! What a re-run needs that the recording left out: credentials, a body, other addresses.
//!
//! Layer: front end for transcripts.

use zeroize::Zeroizing;

use super::AgainstPlan;
use super::{AgainstError, Inputs};
use crate::transcript::options::unix_now;
use crate::transcript::read::Transcript;
use crate::transcript::script::{Script, Step, StepKind, verb};

/// Checks up front that everything left out of the file can be supplied.
pub(super) fn gather(
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
pub(super) fn redacted_exchange(steps: &[Step], i: usize) -> Option<usize> {
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
pub(super) fn build(original: &Transcript, body: &str, args: &AgainstPlan) -> Vec<u8> {
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
