//! TLS on a driven connection: STARTTLS and its handshake, the session told when TLS is
//! up, and what the server accepts when a handshake fails for want of a common version.
//!
//! Layer: driver.

use super::*;
use crate::net::TlsInfo;

impl Driver {
    /// TLS is up, after STARTTLS or on connect: the session learns it first, so what is
    /// checked next (AUTH over plaintext, …) reads the real protection.
    pub(super) fn tls_established(&mut self, info: TlsInfo) {
        self.session.on_tls_established();
        let at = self.at();
        let verdict_ok = info.verdict.ok();
        let summary = info.verdict.summary();
        self.tls_verdict = Some(info.verdict.clone());
        self.emit(SessionEvent::TlsEstablished {
            at,
            info: Box::new(info),
        });
        if !verdict_ok {
            self.emit(SessionEvent::Finding {
                at,
                finding: Finding::UnverifiedCertificate { summary },
            });
        }
    }

    /// After a 220 to STARTTLS: looks for injected plaintext, then does the handshake
    /// ([RFC 3207 §4.2](https://www.rfc-editor.org/rfc/rfc3207#section-4.2)).
    /// After a handshake that failed for want of a common TLS version, suite or group
    /// ([`crate::net::surface::calls_for_surface`]): asks the server, on fresh connections,
    /// which TLS it does accept, and says so in a note. Any other failure: nothing.
    pub async fn explain_tls_surface(
        &mut self,
        error: &DriverError,
        implicit_tls: bool,
        ehlo: &str,
    ) {
        use crate::net::surface::{Start, SurfacePlan, calls_for_surface, probe_for_diagnosis};
        let DriverError::Net(error) = error else {
            return;
        };
        if !calls_for_surface(error) {
            return;
        }
        self.note(
            "asking the server which TLS it accepts (hand-built hellos for TLS 1.0 to 1.2, \
             one connection each)",
        );
        let plan = SurfacePlan {
            target: self.target.clone(),
            start: if implicit_tls {
                Start::Implicit
            } else {
                Start::StartTls
            },
            ehlo: ehlo.to_owned(),
            connect: self.options.clone(),
            tls: self.tls.clone(),
            timeout: self.reply_timeout,
        };
        let surface = probe_for_diagnosis(&plan).await;
        self.note(surface.summary());
    }

    pub async fn start_tls(&mut self) -> Result<(), DriverError> {
        let Some(connection) = self.connection.take() else {
            return self.fail(DriverError::NotConnected);
        };
        match connection.starttls(&self.tls).await {
            Ok((connection, info, injection)) => {
                if let Some(injection) = injection {
                    let at = self.at();
                    self.emit(SessionEvent::Finding {
                        at,
                        finding: Finding::InjectedPlaintext {
                            bytes: injection.bytes,
                        },
                    });
                }
                self.connection = Some(connection);
                self.tls_established(info);
                Ok(())
            }
            Err(error) => {
                self.closed(false);
                self.fail(error.into())
            }
        }
    }
}
