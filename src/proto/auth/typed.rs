//! Secrets in lines a person types: after `AUTH` and a 334 the next line is a SASL response, and
//! `AUTH PLAIN <base64>` carries one on the command line. The session uses these to classify and
//! redact typed lines.
//!
//! Layer: protocol core (`proto`), sans-IO. A child of [`auth`](crate::proto::auth), which re-exports
//! everything here.

use zeroize::Zeroizing;

use crate::proto::command::{Command, Redacted, SaslResponse, is_space};

/// Whether the next client line answers a SASL challenge rather than being a command: the last
/// command was `AUTH` or a SASL response and the server replied 334
/// ([RFC 4954 §4](https://www.rfc-editor.org/rfc/rfc4954#section-4)).
pub fn awaits_sasl_response(last_command: &Command, reply_code: u16) -> bool {
    reply_code == 334
        && matches!(
            last_command,
            Command::Auth { .. } | Command::AuthResponse(SaslResponse::Data(_))
        )
}

/// A typed line in answer to a 334: `*` cancels, anything else is the base64 response.
pub fn parse_sasl_response_line(line: &str) -> Command {
    let text = trim_typed(line);
    Command::AuthResponse(match text {
        "*" => SaslResponse::Cancel,
        _ => SaslResponse::Data(Zeroizing::new(text.to_owned())),
    })
}

/// Whether a typed line carries a secret: any line but `*` while a SASL response is awaited (see
/// [`awaits_sasl_response`]), or an `AUTH` line with anything after the mechanism.
pub fn looks_like_auth_secret(line: &str, awaiting_sasl_response: bool) -> bool {
    if awaiting_sasl_response {
        return trim_typed(line) != "*";
    }
    auth_secret_start(line.trim_end_matches(['\r', '\n'])).is_some()
}

/// A typed line safe to display or record: the secret parts replaced by `<redacted N bytes>`, any
/// other line as typed (minus its CRLF). Control characters are left for the view to escape.
pub fn redact_typed_line(line: &str, awaiting_sasl_response: bool) -> Redacted {
    if awaiting_sasl_response {
        return parse_sasl_response_line(line).redacted();
    }
    let line = line.trim_end_matches(['\r', '\n']);
    match auth_secret_start(line) {
        Some(start) => Redacted::with_secret(
            line.get(..start).unwrap_or("AUTH "),
            line.len().saturating_sub(start),
        ),
        None => Redacted::plain(line.to_owned()),
    }
}

fn trim_typed(line: &str) -> &str {
    line.trim_matches(|c: char| c.is_ascii_whitespace())
}

/// Byte offset where the secret part of a typed `AUTH mech secret…` line begins: the third word.
/// Even a malformed line (`AUTH PLAIN a b`) is secret from there on.
fn auth_secret_start(line: &str) -> Option<usize> {
    let mut word_starts = line.char_indices().filter_map(|(i, c)| {
        let after_space = line.get(..i)?.chars().next_back().is_none_or(is_space);
        (!is_space(c) && after_space).then_some(i)
    });
    let verb = line.get(word_starts.next()?..)?.split(is_space).next()?;
    if !verb.eq_ignore_ascii_case("AUTH") {
        return None;
    }
    word_starts.next()?;
    word_starts.next()
}
