//! Plain-words diagnosis of the classic SMTP failures: which port and which encryption the
//! server wants, and why sending fails. Each [`Diagnosis`] names the cause and the fix in one
//! or two sentences, instead of a raw error or reply.
//!
//! The classic cases:
//! - port 25 times out or is refused: outbound 25 is usually blocked; submit on 587/465;
//! - plaintext to an implicit-TLS port: no greeting, the server waits for a ClientHello
//!   ([RFC 8314 §3](https://www.rfc-editor.org/rfc/rfc8314#section-3));
//! - TLS to a plaintext port: the handshake meets a `220` greeting; use STARTTLS
//!   ([RFC 3207](https://www.rfc-editor.org/rfc/rfc3207));
//! - STARTTLS not offered, or only on some ports;
//! - AUTH hidden until STARTTLS (normal on submission ports,
//!   [RFC 6409](https://www.rfc-editor.org/rfc/rfc6409)), or AUTH offered in plaintext;
//! - `530` STARTTLS or authentication required, `535` authentication failed, `550`/`554`
//!   relay access denied ([RFC 4954 §6](https://www.rfc-editor.org/rfc/rfc4954#section-6));
//! - a certificate that does not cover the name connected to (often: connected by IP);
//! - a port where something other than SMTP answers.
//!
//! Protocol breaches (a reply code that changes mid-reply, DATA answered with anything but
//! `354`) are named in [`breach`], every time they happen.
//!
//! The functions here are pure: they read errors, replies, capabilities and verdicts that
//! the transport and protocol layers already produced. [`watch`] applies them to a stream
//! of [`SessionEvent`](crate::event::SessionEvent)s, so the probe and the explorer diagnose the same way; the scan calls
//! them directly.
//!
//! Layer: diagnosis — above `net` and `proto` (reads their values and the driver's events),
//! below the front ends. No I/O.

pub mod breach;
mod watch;

use std::net::IpAddr;
use std::time::Duration;

use serde::ser::{Serialize, SerializeStruct, Serializer};

pub use breach::Breach;
pub use watch::{Watcher, watch, watch_for};

use crate::event::failure::human_duration;
use crate::event::{AttemptFailure, Cause, ConnectAttempt, NameCheck, Phase, TlsVerdict};
use crate::net::{HelloAnswer, NetError};
use crate::proto::reply::Reply;
use crate::proto::text::escape_bytes;

/// Who reads a diagnosis: the fix is named in the words of the front end the person is
/// in — command-line flags for the probe and the scan, `/commands` and keys in the explorer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Audience {
    #[default]
    CommandLine,
    Explorer,
}

/// A recognised failure (or a risky configuration) with its explanation and fix.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Diagnosis {
    /// Connecting to port 25 timed out (`refused: false`) or was refused.
    Port25Blocked { refused: bool },
    /// Every address refused the connection (port 25 is [`Diagnosis::Port25Blocked`]).
    Refused { port: u16 },
    /// No address answered the connection attempt at all within `after`: packets dropped on
    /// the way, as a firewall does (port 25 is [`Diagnosis::Port25Blocked`]).
    Filtered { port: u16, after: Duration },
    /// No greeting in plaintext, and a TLS ClientHello on a second connection got a TLS
    /// answer: the port expects implicit TLS.
    ExpectsImplicitTls { port: u16 },
    /// The port accepted, has said nothing for `waited`, and a TLS ClientHello on a second
    /// connection got no TLS answer either: a tarpit, a greeting delay or another service.
    SilentPort { port: u16, waited: Duration },
    /// TLS on connect met a plaintext SMTP greeting: the port expects STARTTLS.
    PlaintextPort { port: u16, greeting: String },
    /// The plaintext EHLO reply does not list STARTTLS.
    StartTlsNotOffered { port: u16 },
    /// Some SMTP ports offer STARTTLS, others do not (scan).
    StartTlsOnSomePorts { with: Vec<u16>, without: Vec<u16> },
    /// AUTH is not offered before STARTTLS (after it, it is).
    AuthOnlyAfterStartTls { port: u16 },
    /// AUTH is offered on a plaintext connection (`mechanisms` as advertised).
    AuthOverPlaintext { port: u16, mechanisms: Vec<String> },
    /// `530` because STARTTLS must come first ([RFC 3207 §4](https://www.rfc-editor.org/rfc/rfc3207#section-4)).
    StartTlsRequired { reply: String },
    /// `530` because the client must authenticate first ([RFC 4954 §6](https://www.rfc-editor.org/rfc/rfc4954#section-6)).
    AuthenticationRequired { reply: String },
    /// `535`: wrong credentials ([RFC 4954 §6](https://www.rfc-editor.org/rfc/rfc4954#section-6)).
    AuthenticationFailed { reply: String },
    /// The server does not run the SASL mechanism asked for: `504` to AUTH
    /// ([RFC 4954 §4](https://www.rfc-editor.org/rfc/rfc4954#section-4)), or a refusal that
    /// says so (Postfix with Dovecot: `535 5.7.8 … Invalid authentication mechanism`). The
    /// credentials were never checked. `mechanism` as sent, `offered` as last advertised.
    MechanismNotSupported {
        reply: String,
        mechanism: Option<String>,
        offered: Vec<String>,
    },
    /// `550`/`554` relay access denied (or `5.7.1` to RCPT).
    RelayDenied { reply: String, authenticated: bool },
    /// The certificate does not cover the name that was checked.
    CertificateNameMismatch {
        name: String,
        presented: Vec<String>,
        by_ip: bool,
    },
    /// Something other than SMTP answers on this port (`service`: "SSH", "HTTP", …).
    NotSmtp {
        port: u16,
        service: String,
        banner: String,
    },
}

impl Diagnosis {
    /// A stable machine name (JSON output, tests).
    pub fn name(&self) -> &'static str {
        match self {
            Diagnosis::Port25Blocked { .. } => "port25_blocked",
            Diagnosis::Refused { .. } => "refused",
            Diagnosis::Filtered { .. } => "filtered",
            Diagnosis::SilentPort { .. } => "silent_port",
            Diagnosis::ExpectsImplicitTls { .. } => "expects_implicit_tls",
            Diagnosis::PlaintextPort { .. } => "plaintext_port",
            Diagnosis::StartTlsNotOffered { .. } => "starttls_not_offered",
            Diagnosis::StartTlsOnSomePorts { .. } => "starttls_on_some_ports",
            Diagnosis::AuthOnlyAfterStartTls { .. } => "auth_only_after_starttls",
            Diagnosis::AuthOverPlaintext { .. } => "auth_over_plaintext",
            Diagnosis::StartTlsRequired { .. } => "starttls_required",
            Diagnosis::AuthenticationRequired { .. } => "authentication_required",
            Diagnosis::AuthenticationFailed { .. } => "authentication_failed",
            Diagnosis::MechanismNotSupported { .. } => "mechanism_not_supported",
            Diagnosis::RelayDenied { .. } => "relay_denied",
            Diagnosis::CertificateNameMismatch { .. } => "certificate_name_mismatch",
            Diagnosis::NotSmtp { .. } => "not_smtp",
        }
    }

    /// The cause and the fix, in one or two sentences, with command-line advice. Server
    /// text in it is as the server sent it (an excerpt): each sink escapes it once — a
    /// note's printer or view, the scan table, the JSON writer — so nothing is escaped twice.
    pub fn message(&self) -> String {
        self.message_for(Audience::CommandLine)
    }

    /// The cause and the fix, with the advice phrased for `audience`.
    pub fn message_for(&self, audience: Audience) -> String {
        let explorer = audience == Audience::Explorer;
        match self {
            Diagnosis::Port25Blocked { refused: false } => {
                "Port 25 did not answer: many ISPs and cloud providers block outbound port 25 \
                 (it is for server-to-server relay), so the problem is likely your network, not \
                 the server. A mail client should submit on port 587 (STARTTLS) or 465 \
                 (implicit TLS) with AUTH instead."
                    .to_string()
            }
            Diagnosis::Port25Blocked { refused: true } => {
                "Port 25 refused the connection: nothing listens there, or a firewall on the way \
                 rejects it (some ISPs block outbound 25 like this). A mail client should submit \
                 on port 587 (STARTTLS) or 465 (implicit TLS) with AUTH; port 25 is for \
                 server-to-server relay."
                    .to_string()
            }
            Diagnosis::Refused { port } => format!(
                "Port {port} refused the connection: nothing listens there, or a firewall \
                 rejects it. Check the port (submission is 587 with STARTTLS or 465 with \
                 implicit TLS; relay is 25) and that the server runs."
            ),
            Diagnosis::Filtered { port, after } => format!(
                "Port {port} did not answer the connection attempt within {}: packets are \
                 dropped on the way (filtered by a firewall, as many ISPs do to port 25), which \
                 is not the same as refused. Try from another network, or check the firewalls \
                 between here and the server.",
                human_duration(*after)
            ),
            Diagnosis::ExpectsImplicitTls { port } => {
                let fix = if explorer {
                    "Reconnect with TLS from the first byte: /reconnect --tls."
                } else {
                    "Connect with TLS from the first byte: --tls-on-connect."
                };
                format!(
                    "This port expects implicit TLS: port {port} sends no greeting in plaintext, \
                     and a TLS ClientHello on a second connection got a TLS answer (RFC 8314, as \
                     on port 465). {fix} (\"SSL/TLS\" in mail clients, not \"STARTTLS\")"
                )
            }
            Diagnosis::SilentPort { port, waited } => {
                let next = if explorer {
                    "The explorer keeps waiting: type a command to speak first, or /reconnect."
                } else {
                    "smtpx waits up to --timeout more for a greeting."
                };
                format!(
                    "Port {port} accepted the connection but has said nothing for {}, and a TLS \
                     ClientHello on a second connection got no TLS answer: it is not implicit \
                     TLS. Something holds the connection silent: a tarpit, a server that delays \
                     its greeting (Postfix's postscreen waits 6 s), or a service that waits for \
                     the client to speak first. {next}",
                    human_duration(*waited)
                )
            }
            Diagnosis::PlaintextPort { port, greeting } => {
                let said = if greeting.is_empty() {
                    String::new()
                } else {
                    format!(" ('{greeting}')")
                };
                let fix = if explorer {
                    "Reconnect without TLS (/reconnect --plain), then send EHLO and /starttls"
                } else {
                    "Connect without --tls-on-connect and use STARTTLS"
                };
                format!(
                    "The TLS handshake on port {port} failed because the server answered in \
                     plaintext{said}: this port speaks plain SMTP and upgrades with STARTTLS. \
                     {fix} (\"STARTTLS\" in mail clients, not \"SSL/TLS\")."
                )
            }
            Diagnosis::StartTlsNotOffered { port } => format!(
                "Port {port} does not offer STARTTLS, so everything sent there, passwords \
                 included, travels in plaintext. Use a port that offers TLS (587 with STARTTLS \
                 or 465); if STARTTLS should be there, a firewall or antivirus may be stripping \
                 it, or the server has no certificate configured."
            ),
            Diagnosis::StartTlsOnSomePorts { with, without } => format!(
                "STARTTLS is offered on port {} but not on port {}: a connection to the latter \
                 stays in plaintext. Use a port that offers it, or enable TLS on every port \
                 (Postfix: smtpd_tls_security_level in master.cf).",
                ports(with),
                ports(without)
            ),
            Diagnosis::AuthOnlyAfterStartTls { port } => format!(
                "Port {port} offers no AUTH before STARTTLS, which is normal on submission \
                 ports: they hide AUTH until the connection is encrypted. Send STARTTLS first \
                 ({}), then EHLO again, then AUTH.",
                if explorer { "/starttls" } else { "--starttls" }
            ),
            Diagnosis::AuthOverPlaintext { port, mechanisms } => format!(
                "Port {port} offers AUTH ({}) without TLS: a client that logs in there sends its \
                 password in clear. Send STARTTLS before AUTH ({}); server side, allow AUTH \
                 only over TLS (Postfix: smtpd_tls_auth_only = yes).",
                mechanisms.join(" "),
                if explorer {
                    "/starttls"
                } else {
                    "or use port 465"
                }
            ),
            Diagnosis::StartTlsRequired { reply } => format!(
                "'{reply}': the server requires STARTTLS before this command (RFC 3207). Send \
                 STARTTLS and a new EHLO first ({}).",
                if explorer {
                    "/starttls"
                } else {
                    "--starttls, or \"STARTTLS\" in a mail client"
                }
            ),
            Diagnosis::AuthenticationRequired { reply } => format!(
                "'{reply}': the server wants you to log in before it takes mail (RFC 4954). \
                 Authenticate first ({}), over TLS.",
                if explorer {
                    "F4 opens the AUTH form"
                } else {
                    "--auth plain --user NAME"
                }
            ),
            Diagnosis::AuthenticationFailed { reply } => format!(
                "'{reply}': the server rejected the user name or password, not the connection. \
                 Check both (some servers want the whole address as user name, some an \
                 app-specific password) and the AUTH mechanism."
            ),
            Diagnosis::MechanismNotSupported {
                reply,
                mechanism,
                offered,
            } => {
                let mechanism = mechanism
                    .as_deref()
                    .map_or_else(|| "asked for".to_string(), str::to_string);
                let choice = if offered.is_empty() {
                    "Its EHLO reply named no mechanism: look at its AUTH line, or send EHLO \
                     again (after STARTTLS the list may change)."
                        .to_string()
                } else {
                    format!(
                        "It offers {}: use one of those (--auth {}, or the F4 form).",
                        offered.join(" "),
                        offered[0].to_ascii_lowercase()
                    )
                };
                format!(
                    "'{reply}': the server does not support the SASL mechanism {mechanism} \
                     (RFC 4954 §4), so the user name and password were not checked — this is \
                     not a wrong password. {choice}"
                )
            }
            Diagnosis::RelayDenied {
                reply,
                authenticated: false,
            } => format!(
                "'{reply}': without login the server takes mail only for its own domains, and \
                 this recipient is elsewhere (it will not relay). Authenticate with AUTH on the \
                 submission port (587 or 465) to send to other domains, or deliver to the \
                 recipient domain's own MX."
            ),
            Diagnosis::RelayDenied {
                reply,
                authenticated: true,
            } => format!(
                "'{reply}': even after login the server will not relay this message. Check that \
                 the sender address belongs to your account and that the account may send to \
                 other domains."
            ),
            Diagnosis::CertificateNameMismatch {
                name,
                presented,
                by_ip,
            } => {
                let covers = if presented.is_empty() {
                    "names no host at all".to_string()
                } else {
                    format!("is for {}", presented.join(", "))
                };
                if *by_ip {
                    format!(
                        "The certificate does not cover {name} (it {covers}): you connected by \
                         IP address, which certificates rarely name. Connect by a host name the \
                         certificate covers, or check it against one with {}.",
                        verify_hint(explorer)
                    )
                } else {
                    format!(
                        "The certificate does not cover {name} (it {covers}): the name connected \
                         to is an alias or another host. Connect by a name the certificate \
                         covers (often the MX or smtp. host), or use {}.",
                        verify_hint(explorer)
                    )
                }
            }
            Diagnosis::NotSmtp {
                port,
                service,
                banner,
            } => format!(
                "Port {port} answers with '{banner}', which is {service}, not SMTP: another \
                 service listens there. Use a mail port (587 or 465 to submit, 25 for relay)."
            ),
        }
    }

    /// The line a front end shows: `diagnosis: …`.
    pub fn note(&self) -> String {
        self.note_for(Audience::CommandLine)
    }

    /// The line a front end shows, advice phrased for `audience`.
    pub fn note_for(&self, audience: Audience) -> String {
        format!("diagnosis: {}", self.message_for(audience))
    }
}

fn verify_hint(explorer: bool) -> &'static str {
    if explorer {
        "--verify-name NAME when starting smtpx"
    } else {
        "--verify-name NAME"
    }
}

impl Serialize for Diagnosis {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut s = serializer.serialize_struct("Diagnosis", 2)?;
        s.serialize_field("kind", self.name())?;
        s.serialize_field("message", &self.message())?;
        s.end()
    }
}

fn ports(list: &[u16]) -> String {
    let words: Vec<String> = list.iter().map(u16::to_string).collect();
    match words.as_slice() {
        [] => "none".to_string(),
        [one] => one.clone(),
        [rest @ .., last] => format!("{} and {last}", rest.join(", ")),
    }
}

/// The first line of a reply, shortened, as the server sent it: what a [`Diagnosis`] or a
/// [`Breach`] quotes (their sinks escape it).
pub fn excerpt_reply(reply: &Reply) -> String {
    let first = reply.lines.first().map(|l| l.raw.as_slice()).unwrap_or(&[]);
    excerpt_bytes(first)
}

/// The first line of untrusted bytes, at most 80 of them, as text (invalid UTF-8 replaced),
/// not escaped: for a message whose sink escapes.
pub fn excerpt_bytes(bytes: &[u8]) -> String {
    let line = bytes.split(|&b| b == b'\n').next().unwrap_or_default();
    let line = line.strip_suffix(b"\r").unwrap_or(line);
    let mut text = String::from_utf8_lossy(&line[..line.len().min(80)]).into_owned();
    if line.len() > 80 {
        text.push('…');
    }
    text
}

/// The first line of a reply, escaped and shortened: what a report that stores escaped text
/// quotes (scan).
pub fn quote_reply(reply: &Reply) -> String {
    let first = reply.lines.first().map(|l| l.raw.as_slice()).unwrap_or(&[]);
    quote_bytes(first)
}

/// The first line of untrusted bytes, escaped, at most 80 characters.
pub fn quote_bytes(bytes: &[u8]) -> String {
    let line = bytes.split(|&b| b == b'\n').next().unwrap_or_default();
    let line = line.strip_suffix(b"\r").unwrap_or(line);
    let mut text = escape_bytes(&line[..line.len().min(80)]);
    if line.len() > 80 {
        text.push('…');
    }
    text
}

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

#[cfg(test)]
mod tests;
