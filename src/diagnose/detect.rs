//! From what happened to a diagnosis: a failed connect, the attempts, a silent port, a
//! reply, a certificate verdict, a banner that is not SMTP.
//!
//! Layer: diagnoses.

use super::*;
use crate::event::{AttemptFailure, Cause, ConnectAttempt, NameCheck, Phase, TlsVerdict};
use crate::net::{HelloAnswer, NetError};
use crate::proto::reply::Reply;
use std::net::IpAddr;
use std::time::Duration;

/// Connecting failed: port 25 refused or timed out (every address), a port filtered (no
/// answer at all), or TLS on connect met a plaintext greeting. A refused port other than 25
/// is left to the caller ([`attempts`] names it).
pub fn connect_failure(error: &NetError, port: u16) -> Option<Diagnosis> {
    match error {
        NetError::Connect {
            attempts: tried, ..
        } => attempts(tried, port).filter(|d| !matches!(d, Diagnosis::Refused { .. })),
        NetError::Timeout {
            waiting_for: Phase::Connect,
            after,
        } => Some(if port == 25 {
            Diagnosis::Port25Blocked { refused: false }
        } else {
            Diagnosis::Filtered {
                port,
                after: *after,
            }
        }),
        NetError::Tls {
            plaintext: Some(bytes),
            ..
        } if looks_like_smtp(bytes) => Some(Diagnosis::PlaintextPort {
            port,
            greeting: excerpt_bytes(bytes),
        }),
        _ => None,
    }
}

/// Every address refused (`Refused`, or `Port25Blocked` on 25), or none answered at all
/// (`Filtered`, or `Port25Blocked` on 25). Mixed or other failures are not diagnosed.
pub fn attempts(attempts: &[ConnectAttempt], port: u16) -> Option<Diagnosis> {
    if attempts.is_empty() {
        return None;
    }
    let refused = attempts
        .iter()
        .all(|a| matches!(a.failure, AttemptFailure::Refused));
    let timed_out = attempts.iter().filter_map(|a| match a.failure {
        AttemptFailure::TimedOut { after } => Some(after),
        _ => None,
    });
    let after = timed_out.max();
    let blocked = attempts.iter().all(|a| {
        matches!(
            a.failure,
            AttemptFailure::Refused | AttemptFailure::TimedOut { .. }
        )
    });
    match (port, refused, blocked, after) {
        (25, _, true, _) => Some(Diagnosis::Port25Blocked { refused }),
        (_, true, _, _) => Some(Diagnosis::Refused { port }),
        (_, false, true, Some(after)) => Some(Diagnosis::Filtered { port, after }),
        _ => None,
    }
}

/// A failure as the driver reported it (the explorer's and the probe's events): connect
/// failures as [`attempts`] says, and TLS on connect that met plaintext. The plaintext itself
/// is not in the event, so the greeting is not quoted.
pub fn failure(cause: &Cause, port: u16) -> Option<Diagnosis> {
    match cause {
        Cause::Connect { attempts: tried } => attempts(tried, port),
        Cause::TlsHandshake {
            plaintext_bytes: Some(_),
            ..
        } => Some(Diagnosis::PlaintextPort {
            port,
            greeting: String::new(),
        }),
        _ => None,
    }
}

/// No greeting after `waited`, and what a TLS ClientHello on a second connection got: a TLS
/// answer means implicit TLS; a plaintext banner that is not SMTP names the service; anything
/// else is a silent port.
pub fn silent_port(port: u16, waited: Duration, answer: &HelloAnswer) -> Diagnosis {
    match answer {
        a if a.speaks_tls() => Diagnosis::ExpectsImplicitTls { port },
        HelloAnswer::Plaintext(bytes) if !looks_like_smtp(bytes) => not_smtp(port, bytes),
        _ => Diagnosis::SilentPort { port, waited },
    }
}

/// Whether bytes start like an SMTP reply line: three digits, then a space, `-` or the end.
pub fn looks_like_smtp(bytes: &[u8]) -> bool {
    match bytes {
        [a, b, c, rest @ ..] if [a, b, c].iter().all(|d| d.is_ascii_digit()) => {
            matches!(rest.first(), None | Some(b' ' | b'-' | b'\r' | b'\n'))
        }
        _ => false,
    }
}

/// A reply that is one of the classic refusals. `command` is the verb it answers (`AUTH`,
/// `MAIL`, `RCPT`, …) when known; `authenticated` whether a `235` came earlier.
pub fn reply(reply: &Reply, command: Option<&str>, authenticated: bool) -> Option<Diagnosis> {
    let code = reply.code()?;
    let text: String = reply
        .text_lines()
        .collect::<Vec<_>>()
        .join(" ")
        .to_ascii_lowercase();
    let enhanced = reply.enhanced().map(|c| (c.class, c.subject, c.detail));
    let quoted = excerpt_reply(reply);
    let is = |verb: &str| command.is_some_and(|c| c.eq_ignore_ascii_case(verb));
    match code {
        // 538: encryption required for the requested mechanism (RFC 4954 §6).
        530 | 538 if text.contains("tls") || code == 538 => {
            Some(Diagnosis::StartTlsRequired { reply: quoted })
        }
        530 => Some(Diagnosis::AuthenticationRequired { reply: quoted }),
        // 504 to AUTH: the mechanism is not supported (RFC 4954 §4); some servers say the
        // same with 535 and the words.
        504 if is("AUTH") => Some(mechanism_not_supported(quoted)),
        // 534 "mechanism is too weak" is a policy, not a missing mechanism.
        400..=599 if is("AUTH") && code != 534 && text.contains("mechanism") => {
            Some(mechanism_not_supported(quoted))
        }
        535 => Some(Diagnosis::AuthenticationFailed { reply: quoted }),
        // 503 to AUTH: out of sequence — not advertised here, or already authenticated.
        503 if is("AUTH") => Some(Diagnosis::AuthOutOfSequence {
            reply: quoted,
            authenticated,
            over_tls: false,
        }),
        550 | 551 | 553 | 554
            if text.contains("relay")
                || (is("RCPT") && enhanced == Some((5, 7, 1)) && !text.contains("sender")) =>
        {
            Some(Diagnosis::RelayDenied {
                reply: quoted,
                authenticated,
            })
        }
        _ => None,
    }
}

fn mechanism_not_supported(reply: String) -> Diagnosis {
    Diagnosis::MechanismNotSupported {
        reply,
        mechanism: None,
        offered: Vec::new(),
    }
}

/// A certificate that does not cover the name that was checked.
pub fn certificate(verdict: &TlsVerdict) -> Option<Diagnosis> {
    match &verdict.name {
        NameCheck::Mismatch { name, presented } => Some(Diagnosis::CertificateNameMismatch {
            name: name.clone(),
            presented: presented.clone(),
            by_ip: name.parse::<IpAddr>().is_ok(),
        }),
        _ => None,
    }
}

/// What answers on a port that is not SMTP, from its first bytes (`None`: unrecognised).
pub fn service_name(banner: &[u8]) -> Option<&'static str> {
    let starts = |prefix: &[u8]| {
        banner.len() >= prefix.len() && banner[..prefix.len()].eq_ignore_ascii_case(prefix)
    };
    if starts(b"SSH-") {
        Some("SSH")
    } else if starts(b"HTTP/") || starts(b"<!DOCTYPE html") || starts(b"<html") {
        Some("HTTP")
    } else if starts(b"* OK") {
        Some("IMAP")
    } else if starts(b"+OK") {
        Some("POP3")
    } else {
        None
    }
}

/// A non-SMTP answer as a diagnosis.
pub fn not_smtp(port: u16, banner: &[u8]) -> Diagnosis {
    Diagnosis::NotSmtp {
        port,
        service: service_name(banner)
            .map(str::to_string)
            .unwrap_or_else(|| "something else".to_string()),
        banner: excerpt_bytes(banner),
    }
}
