//! The commands of a [`Session`] outside the mail transaction: the dispatch of each command
//! line, EHLO's extension list, STARTTLS and the AUTH exchange.
//!
//! Layer: sandbox (server side), sans-IO. A child of [`session`](super), sharing its private
//! state; split out to keep files small.

use crate::proto::command::{Command, InitialResponse};
use crate::proto::text::{escape_bytes, escape_str};

use super::super::auth::{self, AuthExchange, AuthStep};
use super::super::behaviours::Policy;
use super::super::parse;
use super::super::replies::{ServerReply, bad_sequence};
use super::{Event, Session, State, must_starttls};

impl Session {
    pub(super) fn command(&mut self, line: &[u8], policy: &dyn Policy) -> Vec<Event> {
        let verb = line
            .split(|&b| b == b' ')
            .next()
            .map(|v| String::from_utf8_lossy(v).to_ascii_uppercase())
            .unwrap_or_default();
        let accepted = parse::read_command(line);
        let shown = match &accepted {
            Ok(accepted) => escape_str(accepted.command.redacted().as_str()),
            Err(_) if verb == "AUTH" => "AUTH <redacted: unparsable>".to_owned(),
            Err(_) => escape_bytes(line),
        };
        let mut events = vec![Event::Client(shown)];
        if self.settings.drop_after.as_deref() == Some(verb.as_str()) {
            self.state = State::Closed;
            events.push(Event::Note(format!(
                "dropping the connection after {verb} (--drop-after)"
            )));
            events.push(Event::Drop);
            return events;
        }
        let accepted = match accepted {
            Ok(accepted) => accepted,
            Err(reply) => {
                events.push(Event::Reply(reply));
                return events;
            }
        };
        events.extend(accepted.notes.into_iter().map(Event::Note));
        match accepted.command {
            Command::Helo(name) => {
                self.helo = Some((name, false));
                self.transaction = None;
                events.push(Event::Reply(ServerReply::plain(
                    250,
                    self.settings.hostname.clone(),
                )));
            }
            // A server without ESMTP does not know EHLO (RFC 5321 §4.1.4: the client may
            // then fall back to HELO).
            Command::Ehlo(_) if self.settings.no_esmtp => {
                events.push(Event::Reply(ServerReply::new(
                    500,
                    "5.5.1",
                    "Error: unknown command (this server speaks no ESMTP: use HELO)",
                )));
            }
            Command::Ehlo(name) => {
                let reply = self.ehlo_reply(&name);
                self.helo = Some((name, true));
                self.transaction = None;
                events.push(Event::Reply(reply));
            }
            Command::StartTls => events.extend(self.starttls()),
            Command::Auth {
                mechanism,
                initial_response,
            } => {
                let initial = match &initial_response {
                    None => None,
                    Some(InitialResponse::Empty) => Some("="),
                    Some(InitialResponse::Base64(text)) => Some(text.as_str()),
                };
                events.extend(self.auth(&mechanism, initial, policy));
            }
            Command::Mail { from, params } => {
                events.push(Event::Reply(self.mail(&from, &params, policy)))
            }
            Command::Rcpt { to, params } => {
                events.push(Event::Reply(self.rcpt(&to, &params, policy)))
            }
            Command::Data => events.extend(self.data()),
            Command::Bdat { size, last } => events.extend(self.bdat(size, last)),
            Command::Rset => {
                self.transaction = None;
                events.push(Event::Reply(ServerReply::new(250, "2.0.0", "Ok")));
            }
            Command::Noop(_) => events.push(Event::Reply(ServerReply::new(250, "2.0.0", "Ok"))),
            Command::Vrfy(_) => events.push(Event::Reply(ServerReply::new(
                252,
                "2.5.0",
                "Cannot VRFY user, but will accept message and attempt delivery",
            ))),
            Command::Help(_) => events.push(Event::Reply(ServerReply::new(
                214,
                "2.0.0",
                "Commands: HELO EHLO STARTTLS AUTH MAIL RCPT DATA BDAT RSET NOOP VRFY HELP QUIT",
            ))),
            Command::Quit => {
                self.state = State::Closed;
                events.push(Event::Reply(ServerReply::new(221, "2.0.0", "Bye")));
                events.push(Event::Close);
            }
            // `read_command` refuses the rest (EXPN, LHLO, unknown verbs, AUTH responses).
            _ => events.push(Event::Reply(ServerReply::new(
                500,
                "5.5.2",
                "Error: command not recognized",
            ))),
        }
        events
    }

    /// The EHLO reply: the extension keywords this session offers now
    /// ([RFC 5321 §4.1.1.1](https://www.rfc-editor.org/rfc/rfc5321#section-4.1.1.1)).
    fn ehlo_reply(&self, name: &str) -> ServerReply {
        let mut lines = vec![
            format!("{} Hello {}", self.settings.hostname, escape_str(name)),
            "PIPELINING".to_owned(),
            format!("SIZE {}", self.settings.max_message_size),
            "8BITMIME".to_owned(),
            "SMTPUTF8".to_owned(),
            "CHUNKING".to_owned(),
            "ENHANCEDSTATUSCODES".to_owned(),
            "DSN".to_owned(),
        ];
        if !self.tls {
            lines.push("STARTTLS".to_owned());
        }
        if self.tls || !self.settings.submission {
            lines.push(format!(
                "AUTH {}",
                auth::mechanisms(&self.settings.credentials)
            ));
        }
        lines.push("HELP".to_owned());
        ServerReply::multiline(250, lines)
    }

    /// STARTTLS ([RFC 3207 §4](https://www.rfc-editor.org/rfc/rfc3207#section-4)).
    fn starttls(&mut self) -> Vec<Event> {
        if self.tls {
            return vec![Event::Reply(bad_sequence("TLS already active"))];
        }
        if self.transaction.is_some() {
            return vec![Event::Reply(bad_sequence("MAIL transaction in progress"))];
        }
        vec![
            Event::Reply(ServerReply::new(220, "2.0.0", "Ready to start TLS")),
            Event::StartTls,
        ]
    }

    /// AUTH ([RFC 4954 §4](https://www.rfc-editor.org/rfc/rfc4954#section-4)).
    fn auth(&mut self, mechanism: &str, initial: Option<&str>, policy: &dyn Policy) -> Vec<Event> {
        let refusal = if self.settings.submission && !self.tls {
            Some(must_starttls())
        } else if !matches!(self.helo, Some((_, true))) {
            Some(bad_sequence("send EHLO first"))
        } else if self.user.is_some() {
            Some(bad_sequence("already authenticated"))
        } else if self.transaction.is_some() {
            Some(bad_sequence("MAIL transaction in progress"))
        } else {
            None
        };
        if let Some(reply) = refusal {
            return vec![Event::Reply(reply)];
        }
        let challenge_id = format!(
            "{}.{}@{}",
            self.conn_id,
            policy.nonce(),
            self.settings.hostname
        );
        self.auth_step(auth::start(
            mechanism,
            initial,
            &self.settings.credentials,
            &challenge_id,
        ))
    }

    pub(super) fn auth_response(&mut self, exchange: AuthExchange, line: &[u8]) -> Vec<Event> {
        let shown = if line == b"*" {
            "*".to_owned()
        } else {
            format!("<redacted {} bytes>", line.len())
        };
        // Bytes that are not UTF-8 are not base64 either: "!" makes `respond` answer 501.
        let text = std::str::from_utf8(line).unwrap_or("!");
        let mut events = vec![Event::Client(shown)];
        events.extend(self.auth_step(auth::respond(exchange, text, &self.settings.credentials)));
        events
    }

    fn auth_step(&mut self, step: AuthStep) -> Vec<Event> {
        let reply = match step {
            AuthStep::Continue(reply, exchange) => {
                self.state = State::ExpectAuthResponse(exchange);
                reply
            }
            AuthStep::Success(user) => {
                let note = Event::Note(format!("authenticated as {}", escape_str(&user)));
                self.user = Some(user);
                return vec![
                    note,
                    Event::Reply(ServerReply::new(235, "2.7.0", "Authentication successful")),
                ];
            }
            AuthStep::Failure(reply) if reply.code == 535 => {
                self.auth_failures += 1;
                if self.auth_failures >= super::MAX_AUTH_FAILURES {
                    return vec![
                        Event::Note(format!(
                            "{} failed AUTH attempts: closing the connection",
                            self.auth_failures
                        )),
                        Event::Delay(super::auth_failure_delay(self.auth_failures)),
                        Event::Reply(ServerReply::new(
                            421,
                            "4.7.0",
                            "Too many failed authentication attempts, closing",
                        )),
                        Event::CloseFor("too many failed AUTH attempts"),
                    ];
                }
                return vec![
                    Event::Delay(super::auth_failure_delay(self.auth_failures)),
                    Event::Reply(reply),
                ];
            }
            AuthStep::Failure(reply) => reply,
        };
        vec![Event::Reply(reply)]
    }
}
