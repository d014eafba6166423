//! Advice from the session state: which commands are valid next ([`Session::valid_next`])
//! and what is wrong with a command before it is sent ([`Session::check`]). Advice only —
//! an explorer lets the user send anything.
//!
//! Layer: protocol core (sans-IO). A child of [`session`](super).

use super::{Hello, Sent, Session, State, Warning};
use crate::proto::capability::{Capabilities, KnownKeyword};
use crate::proto::command::{Command, Param};

/// A command that is valid now, with why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Suggestion {
    /// The verb (`MAIL`); empty for a line that is not a command (a SASL response, the
    /// message).
    pub verb: &'static str,
    /// What to type, with placeholders: `MAIL FROM:<address>`.
    pub syntax: String,
    pub reason: String,
    /// The usual next step, as opposed to merely allowed.
    pub recommended: bool,
}

impl Suggestion {
    fn new(verb: &'static str, syntax: impl Into<String>, reason: impl Into<String>) -> Self {
        Suggestion {
            verb,
            syntax: syntax.into(),
            reason: reason.into(),
            recommended: false,
        }
    }

    fn recommended(mut self, recommended: bool) -> Self {
        self.recommended = recommended;
        self
    }
}

/// MAIL/RCPT parameters and the extension each needs.
const PARAMETER_EXTENSIONS: &[(&str, KnownKeyword)] = &[
    ("SIZE", KnownKeyword::Size),
    ("SMTPUTF8", KnownKeyword::SmtpUtf8),
    ("RET", KnownKeyword::Dsn),
    ("ENVID", KnownKeyword::Dsn),
    ("NOTIFY", KnownKeyword::Dsn),
    ("ORCPT", KnownKeyword::Dsn),
    ("REQUIRETLS", KnownKeyword::RequireTls),
    ("BY", KnownKeyword::DeliverBy),
    ("AUTH", KnownKeyword::Auth),
    ("MT-PRIORITY", KnownKeyword::MtPriority),
    ("HOLDFOR", KnownKeyword::FutureRelease),
    ("HOLDUNTIL", KnownKeyword::FutureRelease),
    ("RRVS", KnownKeyword::Rrvs),
];

fn has(caps: Option<&Capabilities>, known: KnownKeyword) -> bool {
    caps.is_some_and(|c| c.find(known).is_some())
}

impl Session {
    fn awaits(&self, state: &State) -> bool {
        self.queue.iter().any(|p| &p.state == state)
    }

    /// An open transaction, or a MAIL whose reply is still awaited.
    fn transaction_open_or_pending(&self) -> bool {
        self.transaction.is_some() || self.awaits(&State::ExpectMailReply)
    }

    fn recipients_or_pending(&self) -> bool {
        self.transaction
            .as_ref()
            .is_some_and(|t| !t.accepted.is_empty())
            || self.awaits(&State::ExpectRcptReply)
    }

    /// Commands valid now, each with a one-line reason. Empty while the client must wait
    /// (greeting or a reply due without PIPELINING, TLS handshake, closed).
    pub fn valid_next(&self) -> Vec<Suggestion> {
        let mut out = Vec::new();
        if self.closed || self.tls_pending || !self.greeted {
            return out;
        }
        if self.message.is_some() {
            out.push(
                Suggestion::new(
                    "",
                    "<message>\\r\\n.\\r\\n",
                    "after 354: send the message, dot-stuffed, then the end marker",
                )
                .recommended(true),
            );
            return out;
        }
        if self.auth_response_due {
            out.push(
                Suggestion::new(
                    "",
                    "<base64 response> | *",
                    "answer the 334 challenge, or * to cancel",
                )
                .recommended(true),
            );
            return out;
        }
        if self.refused {
            out.push(Suggestion::new("QUIT", "QUIT", "the greeting refused service: QUIT and wait for the server to close (RFC 5321 §3.1)").recommended(true));
            return out;
        }
        let caps = self.capabilities();
        if let Some(last) = self.queue.back() {
            if !has(caps, KnownKeyword::Pipelining) || last.ends_group() {
                return out;
            }
        }
        let Some(hello) = &self.hello else {
            let reason = if self.tls {
                "TLS is active and the server forgot the earlier EHLO: send it again (RFC 3207 §4.2)"
            } else {
                "start the session; the reply lists the server's extensions (RFC 5321 §4.1.1.1)"
            };
            if self.lmtp {
                out.push(
                    Suggestion::new(
                        "LHLO",
                        "LHLO <your-domain>",
                        "start the LMTP session; the reply lists the server's extensions (RFC 2033 §4.1)",
                    )
                    .recommended(true),
                );
                out.push(Suggestion::new("QUIT", "QUIT", "end the session"));
                return out;
            }
            out.push(Suggestion::new("EHLO", "EHLO <your-domain>", reason).recommended(true));
            out.push(Suggestion::new(
                "HELO",
                "HELO <your-domain>",
                "old-style greeting: no extensions can be used",
            ));
            out.push(Suggestion::new("QUIT", "QUIT", "end the session"));
            return out;
        };
        let in_transaction = self.transaction_open_or_pending();
        let starttls = has(caps, KnownKeyword::StartTls);
        if starttls && !self.tls && !in_transaction {
            out.push(
                Suggestion::new(
                    "STARTTLS",
                    "STARTTLS",
                    "encrypt the session before AUTH or mail (RFC 3207)",
                )
                .recommended(true),
            );
        }
        if let Some(caps) = caps.filter(|c| c.auth() && !self.authenticated && !in_transaction) {
            let mechanisms = caps.auth_mechanisms();
            let reason = if self.tls {
                format!("offered: {}", mechanisms.join(" "))
            } else {
                format!(
                    "offered: {} — but without TLS the credentials cross in the clear",
                    mechanisms.join(" ")
                )
            };
            let syntax = format!("AUTH <{}>", mechanisms.join("|"));
            out.push(
                Suggestion::new("AUTH", syntax, reason).recommended(self.submission && self.tls),
            );
        }
        if !in_transaction {
            let needs_auth = self.submission && !self.authenticated;
            let reason = if needs_auth {
                "start a mail transaction — a submission server will refuse it before AUTH (RFC 6409 §4.3)"
            } else {
                "start a mail transaction with the sender's address"
            };
            let tls_first = starttls && !self.tls;
            let recommended = !(needs_auth || tls_first);
            out.push(
                Suggestion::new("MAIL", "MAIL FROM:<address>", reason).recommended(recommended),
            );
        } else {
            let first = !self.recipients_or_pending();
            out.push(
                Suggestion::new("RCPT", "RCPT TO:<address>", "add a recipient").recommended(first),
            );
        }
        if self.recipients_or_pending() {
            if !self.chunked {
                out.push(
                    Suggestion::new("DATA", "DATA", "send the message (the server answers 354)")
                        .recommended(true),
                );
            }
            if has(caps, KnownKeyword::Chunking) {
                out.push(Suggestion::new(
                    "BDAT",
                    "BDAT <octets> [LAST]",
                    "send the message in chunks (RFC 3030)",
                ));
            }
        }
        let rset = if in_transaction {
            "abort the mail transaction"
        } else {
            "reset the session state"
        };
        out.push(Suggestion::new("RSET", "RSET", rset));
        out.push(Suggestion::new(
            "NOOP",
            "NOOP",
            "check the server is still there",
        ));
        out.push(Suggestion::new("QUIT", "QUIT", "end the session"));
        if matches!(hello, Hello::Helo) {
            out.push(Suggestion::new(
                "EHLO",
                "EHLO <your-domain>",
                "greet again with EHLO to use extensions",
            ));
        }
        out
    }

    /// What is wrong with sending `command` now. Empty when nothing is.
    pub fn check(&self, command: &Command) -> Vec<Warning> {
        let mut warnings = Vec::new();
        if self.closed {
            warnings.push(Warning::SessionClosed);
            return warnings;
        }
        if self.message.is_some() {
            warnings.push(Warning::InMessageMode);
            return warnings;
        }
        if self.tls_pending {
            warnings.push(Warning::TlsHandshakePending);
        }
        let is_response = matches!(command, Command::AuthResponse(_));
        if self.auth_response_due {
            if !is_response {
                warnings.push(Warning::AuthResponseDue);
            }
            return warnings;
        }
        let caps = self.capabilities();
        if !self.greeted {
            warnings.push(Warning::BeforeGreeting);
        } else if let Some(last) = self.queue.back() {
            if is_response && last.state == State::ExpectAuthChallenge {
                // Answering a challenge before it arrives; the server still reads it as one.
            } else if !has(caps, KnownKeyword::Pipelining) {
                warnings.push(Warning::PipelinedWithoutPipelining {
                    awaiting: self.queue.len(),
                });
            } else if last.ends_group() {
                warnings.push(Warning::PipelinedAfterGroupEnd {
                    after: last.command.clone(),
                });
            }
        }
        let no_hello = || Warning::NoHello {
            verb: command.verb().to_owned(),
        };
        match command {
            Command::Mail { params, .. } => {
                if self.hello.is_none() {
                    warnings.push(no_hello());
                }
                if self.transaction_open_or_pending() {
                    warnings.push(Warning::MailInTransaction);
                }
                if self.submission && !self.authenticated {
                    warnings.push(Warning::MailBeforeAuth);
                }
                self.check_params(params, &mut warnings);
            }
            Command::Rcpt { params, .. } => {
                if !self.transaction_open_or_pending() {
                    warnings.push(Warning::RcptBeforeMail);
                }
                self.check_params(params, &mut warnings);
            }
            Command::Data | Command::Bdat { .. } => {
                if self.hello.is_none() {
                    warnings.push(no_hello());
                }
                if !self.recipients_or_pending() {
                    warnings.push(Warning::NoRecipients {
                        verb: command.verb().to_owned(),
                    });
                }
                if matches!(command, Command::Data) && self.chunked {
                    warnings.push(Warning::DataAfterBdat);
                }
                if matches!(command, Command::Bdat { .. }) && !has(caps, KnownKeyword::Chunking) {
                    warnings.push(Warning::BdatWithoutChunking);
                }
            }
            Command::Auth { mechanism, .. } => {
                if self.hello.is_none() {
                    warnings.push(no_hello());
                } else if !has(caps, KnownKeyword::Auth) {
                    warnings.push(Warning::AuthNotAdvertised);
                } else if let Some(caps) = caps.filter(|c| !c.offers_mechanism(mechanism)) {
                    warnings.push(Warning::MechanismNotOffered {
                        mechanism: mechanism.to_ascii_uppercase(),
                        offered: caps.auth_mechanisms(),
                    });
                }
                if !self.tls {
                    warnings.push(Warning::AuthOverPlaintext);
                }
                if self.authenticated {
                    warnings.push(Warning::AlreadyAuthenticated);
                }
                if self.transaction_open_or_pending() {
                    warnings.push(Warning::AuthInTransaction);
                }
            }
            Command::StartTls => {
                if self.tls {
                    warnings.push(Warning::TlsAlreadyActive);
                } else if self.hello.is_none() {
                    warnings.push(no_hello());
                } else if !has(caps, KnownKeyword::StartTls) {
                    warnings.push(Warning::StartTlsNotAdvertised);
                }
            }
            Command::Ehlo(_) | Command::Helo(_) if self.lmtp => {
                warnings.push(Warning::LmtpWantsLhlo {
                    verb: command.verb().to_owned(),
                });
            }
            Command::AuthResponse(_) => {
                let awaiting = self
                    .queue
                    .back()
                    .is_some_and(|p| p.state == State::ExpectAuthChallenge);
                if !awaiting {
                    warnings.push(Warning::AuthResponseWithoutChallenge);
                }
            }
            _ => {}
        }
        warnings
    }

    /// [`Session::check`] for anything sent. Raw bytes are not classified here (their
    /// lines may depend on replies in between); message content is checked for a 354.
    pub fn check_sent(&self, sent: &Sent) -> Vec<Warning> {
        match sent {
            Sent::Command(command) => self.check(command),
            Sent::BdatChunk { last, data } => self.check(&Command::Bdat {
                size: u64::try_from(data.len()).unwrap_or(u64::MAX),
                last: *last,
            }),
            Sent::Message(_) if self.message.is_none() => vec![Warning::MessageWithoutDataGo],
            Sent::Message(_) | Sent::Raw(_) => Vec::new(),
        }
    }

    fn check_params(&self, params: &[Param], warnings: &mut Vec<Warning>) {
        let caps = self.capabilities();
        for param in params {
            let keyword = param.keyword.to_ascii_uppercase();
            let value = param.value.as_deref().unwrap_or("");
            let needs = match keyword.as_str() {
                "BODY" if value.eq_ignore_ascii_case("8BITMIME") => {
                    Some(KnownKeyword::EightBitMime)
                }
                "BODY" if value.eq_ignore_ascii_case("BINARYMIME") => {
                    Some(KnownKeyword::BinaryMime)
                }
                _ => PARAMETER_EXTENSIONS
                    .iter()
                    .find(|(name, _)| *name == keyword)
                    .map(|&(_, known)| known),
            };
            if let Some(known) = needs.filter(|&k| !has(caps, k)) {
                warnings.push(Warning::ParameterWithoutExtension {
                    parameter: param.to_string(),
                    extension: known.as_str(),
                });
            }
            if keyword == "SIZE" {
                let limit = caps.and_then(Capabilities::size).flatten();
                if let (Ok(declared), Some(limit)) = (value.parse::<u64>(), limit) {
                    if declared > limit {
                        warnings.push(Warning::SizeOverLimit { declared, limit });
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests;
