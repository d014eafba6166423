//! The greeting steps of a probe: EHLO (HELO, LHLO) and XCLIENT, and the AUTH mechanism
//! chosen from what the server offers.
//!
//! Layer: front end (headless).

use super::*;
use crate::proto::auth::Mechanism;
use crate::proto::capability::Capabilities;
use crate::proto::command::Command;
use crate::proto::reply::Severity;

impl Probe {
    /// EHLO, falling back to HELO when EHLO is refused with a 5yz
    /// ([RFC 5321 §4.1.4](https://www.rfc-editor.org/rfc/rfc5321#section-4.1.4)); LHLO over
    /// LMTP ([RFC 2033 §4.1](https://www.rfc-editor.org/rfc/rfc2033#section-4.1)), HELO alone
    /// with `--helo`.
    pub(super) async fn hello(&mut self) -> Option<Capabilities> {
        if self.lmtp {
            let lhlo = Command::Lhlo(self.ehlo_name.clone());
            let reply = self.driver.command(&lhlo).await.ok()?;
            return (reply.code() == Some(250)).then(|| Capabilities::from_ehlo_reply(&reply));
        }
        if !self.helo {
            let ehlo = Command::Ehlo(self.ehlo_name.clone());
            let reply = self.driver.command(&ehlo).await.ok()?;
            if reply.code() == Some(250) {
                return Some(Capabilities::from_ehlo_reply(&reply));
            }
            if reply.severity() != Severity::PermanentNegative {
                return None;
            }
            self.driver.note(
                "EHLO refused with a permanent reply; falling back to HELO (RFC 5321 §4.1.4): \
                 no extensions (no STARTTLS, AUTH, SIZE, PIPELINING) can be used",
            );
        }
        let helo = Command::Helo(self.ehlo_name.clone());
        let reply = self.driver.command(&helo).await.ok()?;
        (reply.code() == Some(250)).then(|| Capabilities::from_ehlo_reply(&reply))
    }

    /// `XCLIENT NAME=VALUE …` ([Postfix XCLIENT](https://www.postfix.org/XCLIENT_README.html)):
    /// the server takes the attributes as the client's, answers with a new 220 greeting,
    /// and the session starts over, so EHLO is sent again. `None` when XCLIENT is not
    /// advertised, is refused, or the new EHLO fails.
    pub(super) async fn xclient(&mut self, caps: &Capabilities) -> Option<Capabilities> {
        let Some(offered) = caps.xclient_attributes() else {
            self.driver.note(
                "the server does not advertise XCLIENT (Postfix grants it only to hosts in \
                 smtpd_authorized_xclient_hosts): stopping before MAIL",
            );
            return None;
        };
        let unknown: Vec<&str> = self
            .xclient
            .iter()
            .filter_map(|pair| pair.split_once('=').map(|(name, _)| name))
            .filter(|name| !offered.iter().any(|o| o.eq_ignore_ascii_case(name)))
            .collect();
        if !unknown.is_empty() {
            // Said, not refused: the server has the last word.
            self.driver.note(format!(
                "XCLIENT does not list {} (offered: {})",
                unknown.join(", "),
                offered.join(" ")
            ));
        }
        let xclient = Command::Other {
            verb: "XCLIENT".into(),
            args: Some(self.xclient.join(" ")),
        };
        let reply = self.driver.command(&xclient).await.ok()?;
        if reply.code() != Some(220) {
            self.driver
                .note("XCLIENT was not accepted: stopping before MAIL");
            return None;
        }
        self.driver
            .note("XCLIENT accepted: the session starts over as the forwarded client; EHLO again");
        self.hello().await
    }

    /// The first offered mechanism the probe speaks, preferring PLAIN.
    pub(super) fn offered_mechanism(caps: &Capabilities) -> Mechanism {
        let offered = caps.auth_mechanisms();
        let has = |name: &str| offered.iter().any(|m| m.eq_ignore_ascii_case(name));
        if has("PLAIN") || offered.is_empty() {
            Mechanism::Plain
        } else if has("LOGIN") {
            Mechanism::Login
        } else if has("CRAM-MD5") {
            Mechanism::CramMd5
        } else {
            Mechanism::Plain
        }
    }
}
