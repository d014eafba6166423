//! Scripted sessions for tests: feeds an [`App`] the same [`Update`]s the network task
//! would send — events with fixed times and a session snapshot kept by a shadow
//! [`Session`] — so views and key handling can be tested with no network and no terminal,
//! and snapshots do not depend on timing.
//!
//! Layer: app state (test support; no I/O). Built for unit tests and, through the
//! `testkit` feature that the crate enables for itself as a dev-dependency, for tests/ and
//! benches/ — never part of the release library.

use std::path::PathBuf;
use std::time::Duration;

use crate::driver::task::Update;
use crate::driver::{Finding, Layer, SessionEvent};
use crate::event::Failure;
use crate::net::{NameCheck, TlsInfo, TlsVerdict, Trust, TrustStore, UntrustedReason, Validity};
use crate::proto::command::{Command, parse_command_line};
use crate::proto::reply::Reply;
use crate::proto::session::{Sent, Session};

use super::{Action, App, Effect};

/// An app plus the session the fake driver keeps, and a clock that advances 10 ms a step.
#[derive(Debug)]
pub struct Script {
    pub app: App,
    pub session: Session,
    at: Duration,
    tls: bool,
}

impl Script {
    pub fn new(target: &str) -> Script {
        Script {
            app: App::new(target, Vec::new()),
            session: Session::new(),
            at: Duration::ZERO,
            tls: false,
        }
    }

    fn tick(&mut self) -> Duration {
        self.at += Duration::from_millis(10);
        self.at
    }

    fn layer(&self) -> Layer {
        if self.tls { Layer::Tls } else { Layer::Plain }
    }

    /// Feeds one event, then a session snapshot, as the task does.
    pub fn event(&mut self, event: SessionEvent) -> Vec<Effect> {
        let mut effects = self.app.update(Action::Driver(Update::Event(event)));
        effects.extend(self.snapshot());
        effects
    }

    pub fn snapshot(&mut self) -> Vec<Effect> {
        self.app.update(Action::Driver(Update::Session(Box::new(
            self.session.clone(),
        ))))
    }

    pub fn connected(&mut self) -> &mut Script {
        let at = self.tick();
        self.event(SessionEvent::Connected {
            at,
            peer: "127.0.0.1:2525".parse().unwrap_or_else(|_| unreachable!()),
            took: Duration::from_micros(600),
        });
        self
    }

    /// The server sends `bytes` (one whole reply).
    pub fn server(&mut self, bytes: &[u8]) -> &mut Script {
        let at = self.tick();
        self.replies(at, bytes, Duration::from_micros(1500))
    }

    /// The server sends `bytes`, `latency` after the command it answers.
    pub fn server_after(&mut self, bytes: &[u8], latency: Duration) -> &mut Script {
        self.at += latency;
        let at = self.at;
        self.replies(at, bytes, latency)
    }

    fn replies(&mut self, at: Duration, bytes: &[u8], latency: Duration) -> &mut Script {
        for reply in Reply::parse_all(bytes).unwrap_or_default() {
            self.session.on_reply(&reply);
            let layer = self.layer();
            self.event(SessionEvent::Received {
                at,
                layer,
                reply,
                latency: Some(latency),
            });
        }
        self
    }

    /// The client sends a typed line, classified as the task does.
    pub fn client(&mut self, line: &str) -> &mut Script {
        let at = self.tick();
        let command = if self.session.auth_exchange_open() {
            crate::proto::auth::parse_sasl_response_line(line)
        } else {
            parse_command_line(line).command
        };
        self.sent(at, &command);
        self
    }

    fn sent(&mut self, at: Duration, command: &Command) {
        let bytes = command.encode().unwrap_or_default();
        self.session.on_sent(&Sent::Command(command.clone()));
        let layer = self.layer();
        self.event(SessionEvent::Sent {
            at,
            layer,
            shown: command.redacted().into(),
            bytes: if command.is_secret() {
                Vec::new()
            } else {
                bytes
            },
            secret: command.is_secret(),
            revealed: None,
        });
    }

    /// A message after 354, as `send_message` reports it.
    pub fn message(&mut self, body: &[u8]) -> &mut Script {
        let at = self.tick();
        let stuffed = crate::proto::data::dot_stuff(body);
        self.session.on_sent(&Sent::Message(stuffed.bytes.clone()));
        let layer = self.layer();
        self.event(SessionEvent::Sent {
            at,
            layer,
            shown: format!(
                "<message: {} bytes, {} lines dot-stuffed, end marker>",
                body.len(),
                stuffed.report.stuffed_lines
            )
            .into(),
            bytes: stuffed.bytes,
            secret: false,
            revealed: None,
        });
        self
    }

    /// The TLS handshake completed, verified or not.
    pub fn tls(&mut self, verified: bool) -> &mut Script {
        let at = self.tick();
        self.session.on_tls_established();
        self.tls = true;
        let info = tls_info(verified);
        self.event(SessionEvent::TlsEstablished {
            at,
            info: Box::new(info),
        });
        if !verified {
            let summary = tls_info(false).verdict.summary();
            self.event(SessionEvent::Finding {
                at,
                finding: Finding::UnverifiedCertificate { summary },
            });
        }
        self
    }

    pub fn failed(&mut self, error: &str) -> &mut Script {
        let at = self.tick();
        self.event(SessionEvent::Failed {
            at,
            failure: Failure::unrecorded(error),
        });
        self
    }

    pub fn closed(&mut self, by_peer: bool) -> &mut Script {
        let at = self.tick();
        self.session.on_closed();
        self.event(SessionEvent::Closed { at, by_peer });
        self
    }
}

/// A TLS 1.3 summary with fixed values.
pub fn tls_info(verified: bool) -> TlsInfo {
    let verdict = TlsVerdict {
        trusted: if verified {
            Trust::Trusted {
                store: TrustStore::CaFile(PathBuf::from("/tmp/sandbox-ca.pem")),
            }
        } else {
            Trust::NotTrusted {
                reason: UntrustedReason::SelfSigned,
                context: None,
            }
        },
        name: NameCheck::Matched {
            name: "localhost".into(),
            san: "localhost".into(),
        },
        validity: Validity::Valid {
            not_before: 1_700_000_000,
            not_after: 1_800_000_000,
            days_left: 61,
        },
        webpki_accepted: verified,
    };
    TlsInfo {
        version: "TLSv1.3".into(),
        cipher_suite: "TLS13_AES_256_GCM_SHA384".into(),
        key_exchange_group: Some("X25519".into()),
        alpn: None,
        chain_der: Vec::new(),
        handshake: Duration::from_millis(11),
        resumed: false,
        sni_sent: None,
        verdict,
        client_cert: None,
    }
}
