//! Leaving secrets and message bodies out of a transcript as it is written.
//!
//! Security invariant: a SASL secret never reaches the file unless the user chose
//! `--record-secrets`. The driver already hides the lines it knows are secret; this module
//! also catches the ones a person typed by hand (`AUTH PLAIN <base64>`, `AUTH XOAUTH2
//! <token>`, any line answering a 334 challenge —
//! [RFC 4954 §4](https://www.rfc-editor.org/rfc/rfc4954#section-4)), by following the
//! exchange the same way the session does. `--redact-body` replaces DATA content and BDAT
//! chunks with their size and SHA-256; so does the cap on what a transcript keeps of one
//! message ([`RECORDED_BODY_LIMIT`]) — for DATA content sent whole and for the chunks of a
//! BDAT message once they pass it (a streamed DATA message is capped by the driver).
//!
//! Layer: transcript (pure: lines in, lines out).

use sha2::{Digest, Sha256};

use super::format::{EventKind, EventLine, Payload, Redaction, RedactionPolicy};
use crate::event::shown::RECORDED_BODY_LIMIT;
use crate::proto::auth::{looks_like_auth_secret, redact_typed_line};
use crate::proto::reply::Reply;
use crate::proto::text::hex;

/// What the client sent last, as far as the SASL and DATA exchanges care.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Last {
    Auth,
    SaslResponse,
    Data,
    Other,
}

/// Follows the session and rewrites `sent` lines that must not be written as they are.
#[derive(Debug, Clone)]
pub struct Redactor {
    policy: RedactionPolicy,
    last: Last,
    awaiting_sasl: bool,
    in_body: bool,
    /// Chunk bytes of the current BDAT message written so far (past the cap: the cap + 1,
    /// so every later chunk of the message is left out too).
    bdat_kept: usize,
}

impl Redactor {
    pub fn new(policy: RedactionPolicy) -> Redactor {
        Redactor {
            policy,
            last: Last::Other,
            awaiting_sasl: false,
            in_body: false,
            bdat_kept: 0,
        }
    }

    /// Rewrites `line` in place if it carries a secret or a body the policy leaves out.
    pub fn apply(&mut self, line: &mut EventLine) {
        match &mut line.kind {
            EventKind::Sent {
                data,
                shown,
                secret,
                redacted,
                ..
            } => self.on_sent(data, shown, secret, redacted),
            EventKind::Received { data, .. } => {
                let code = data
                    .to_bytes()
                    .ok()
                    .and_then(|b| Reply::parse_all(&b).ok())
                    .and_then(|r| r.last().and_then(Reply::code));
                self.awaiting_sasl =
                    code == Some(334) && matches!(self.last, Last::Auth | Last::SaslResponse);
                self.in_body = code == Some(354) && self.last == Last::Data;
            }
            _ => {}
        }
    }

    fn on_sent(
        &mut self,
        data: &mut Payload,
        shown: &mut String,
        secret: &mut bool,
        redacted: &mut Option<Redaction>,
    ) {
        let bytes = data.to_bytes().unwrap_or_default();
        if *secret {
            self.last = if shown.trim_start().to_ascii_uppercase().starts_with("AUTH") {
                Last::Auth
            } else {
                Last::SaslResponse
            };
            self.awaiting_sasl = false;
            if self.policy.secrets && !data.is_none() {
                *data = Payload::none();
                *redacted = Some(Redaction::Secret {
                    bytes: Some(bytes.len()),
                });
            }
            return;
        }
        if self.in_body {
            // The body ends with the end marker; a person may type it line by line.
            if bytes.ends_with(b"\r\n.\r\n") || bytes == b".\r\n" {
                self.in_body = false;
                self.last = Last::Other;
            }
            if self.policy.body {
                *shown = format!("<message content: {} bytes, redacted>", bytes.len());
                *redacted = Some(body_digest(&bytes));
                *data = Payload::none();
            } else if bytes.len() > RECORDED_BODY_LIMIT {
                let digest = body_digest(&bytes);
                *shown = format!(
                    "<message content: {} bytes; {}>",
                    bytes.len(),
                    over_cap(&digest)
                );
                *redacted = Some(digest);
                *data = Payload::none();
            }
            return;
        }
        if let Some(end) = bdat_line_end(&bytes) {
            self.last = Last::Other;
            let (command, chunk) = bytes.split_at(end);
            let command_text = String::from_utf8_lossy(command);
            let command_text = command_text.trim_end();
            if self.policy.body {
                *shown = format!("{command_text} <chunk: {} bytes, redacted>", chunk.len());
                *redacted = Some(body_digest(chunk));
                *data = Payload::from_bytes(command);
            } else {
                self.bdat_kept = self.bdat_kept.saturating_add(chunk.len());
                if self.bdat_kept > RECORDED_BODY_LIMIT {
                    let digest = body_digest(chunk);
                    *shown = format!(
                        "{command_text} <chunk: {} bytes; {}>",
                        chunk.len(),
                        over_cap(&digest)
                    );
                    *redacted = Some(digest);
                    *data = Payload::from_bytes(command);
                    self.bdat_kept = RECORDED_BODY_LIMIT + 1;
                }
            }
            // `BDAT n LAST` ends the message (RFC 3030 §2): the next one starts from 0.
            if command_text
                .split_ascii_whitespace()
                .nth(2)
                .is_some_and(|w| w.eq_ignore_ascii_case("LAST"))
            {
                self.bdat_kept = 0;
            }
            return;
        }
        self.on_typed(&bytes, data, shown, secret, redacted);
    }

    /// A line (or several, in raw mode) a person may have typed.
    fn on_typed(
        &mut self,
        bytes: &[u8],
        data: &mut Payload,
        shown: &mut String,
        secret: &mut bool,
        redacted: &mut Option<Redaction>,
    ) {
        let text = String::from_utf8_lossy(bytes);
        let lines: Vec<&str> = text.split_inclusive('\n').collect();
        let mut any_secret = false;
        let mut safe = Vec::with_capacity(lines.len());
        for (i, line) in lines.iter().enumerate() {
            let awaiting = i == 0 && self.awaiting_sasl;
            any_secret |= looks_like_auth_secret(line, awaiting);
            safe.push(redact_typed_line(line, awaiting).to_string());
            let verb = line
                .split_ascii_whitespace()
                .next()
                .unwrap_or("")
                .to_ascii_uppercase();
            if matches!(verb.as_str(), "MAIL" | "RSET") {
                // A new or aborted transaction: a BDAT message starts again from nothing.
                self.bdat_kept = 0;
            }
            self.last = match verb.as_str() {
                _ if awaiting => Last::SaslResponse,
                "AUTH" => Last::Auth,
                "DATA" => Last::Data,
                _ => Last::Other,
            };
        }
        self.awaiting_sasl = false;
        if any_secret && self.policy.secrets {
            // Shown carries CR LF themselves, as the driver's; the sinks escape them once.
            *shown = safe.join("\r\n");
            *secret = true;
            *data = Payload::none();
            *redacted = Some(Redaction::Secret {
                bytes: Some(bytes.len()),
            });
        }
    }
}

/// Where the command line of a `BDAT n [LAST]` send ends (after its CRLF), if it is one
/// ([RFC 3030 §2](https://www.rfc-editor.org/rfc/rfc3030#section-2)).
fn bdat_line_end(bytes: &[u8]) -> Option<usize> {
    let head = bytes.get(..5)?;
    if !head.eq_ignore_ascii_case(b"BDAT ") {
        return None;
    }
    bytes.windows(2).position(|w| w == b"\r\n").map(|i| i + 2)
}

/// The marker of content left out for the cap, with what stands for it.
fn over_cap(digest: &Redaction) -> String {
    let sha256 = match digest {
        Redaction::Body { sha256, .. } => sha256.as_str(),
        Redaction::Secret { .. } => "",
    };
    format!(
        "not recorded: the message passed the {} MiB a transcript keeps of one message; \
         SHA-256 {sha256}",
        RECORDED_BODY_LIMIT / (1024 * 1024)
    )
}

/// A body's stand-in: its size and SHA-256 of the bytes on the wire.
pub fn body_digest(bytes: &[u8]) -> Redaction {
    Redaction::Body {
        size: bytes.len(),
        sha256: hex(&Sha256::digest(bytes)),
    }
}

#[cfg(test)]
mod tests;
