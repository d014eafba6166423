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
mod detect;
mod quote;
mod watch;
pub use detect::{
    attempts, certificate, connect_failure, failure, looks_like_smtp, not_smtp, reply,
    service_name, silent_port,
};
use quote::ports;
pub use quote::{excerpt_bytes, excerpt_reply, quote_bytes, quote_reply};

use std::time::Duration;

use serde::ser::{Serialize, SerializeStruct, Serializer};

pub use breach::Breach;
pub use watch::{Watcher, watch, watch_for};

use crate::event::failure::human_duration;

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
    /// `503` to AUTH: the server does not take AUTH at this point of the session — not
    /// advertised here, or the session is already authenticated
    /// ([RFC 4954 §4](https://www.rfc-editor.org/rfc/rfc4954#section-4)). No credential was
    /// checked.
    AuthOutOfSequence {
        reply: String,
        authenticated: bool,
        /// Asked inside TLS: STARTTLS is no longer the answer, another port is.
        over_tls: bool,
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
            Diagnosis::AuthOutOfSequence { .. } => "auth_out_of_sequence",
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
            Diagnosis::AuthOutOfSequence {
                reply,
                authenticated: true,
                ..
            } => format!(
                "'{reply}': this session is already authenticated, and AUTH is taken once per \
                 session (RFC 4954 §4). To log in as someone else, reconnect."
            ),
            Diagnosis::AuthOutOfSequence {
                reply, over_tls, ..
            } => format!(
                "'{reply}': the server does not take AUTH here (RFC 4954 §4), so no credential \
                 was checked — this is not a wrong password. {}",
                match (over_tls, explorer) {
                    (true, true) =>
                        "It did not offer AUTH even inside TLS: this port is for \
                                     relay between servers; /reconnect to the submission port \
                                     587 (465 with implicit TLS).",
                    (true, false) =>
                        "It did not offer AUTH even inside TLS: this port is for \
                                      relay between servers; submit on port 587 (465 with \
                                      implicit TLS).",
                    (false, true) =>
                        "Most servers offer AUTH only after STARTTLS, and only on \
                                      the submission ports: send STARTTLS and EHLO again and \
                                      look for AUTH, or /reconnect to port 587.",
                    (false, false) =>
                        "Most servers offer AUTH only after STARTTLS, and only on \
                                       the submission ports: use --starttls, or port 587 (465 \
                                       with implicit TLS).",
                }
            ),
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

#[cfg(test)]
mod tests;
