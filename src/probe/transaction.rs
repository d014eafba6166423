//! The mail transaction of a probe: MAIL, RCPT, DATA or BDAT, pipelined where the server
//! allows, and the stage a reply to the message ends in.
//!
//! Layer: front end (headless).

use super::*;
use crate::driver::{Delivery, DriverError};
use crate::proto::capability::Capabilities;
use crate::proto::command::{Body, Command, Param, check_offered};
use crate::proto::reply::Reply;
use source::MessageSource;

impl Probe {
    /// MAIL, RCPT for each recipient, DATA ([RFC 5321 §3.3](https://www.rfc-editor.org/rfc/rfc5321#section-3.3)).
    pub(super) async fn transaction(
        &mut self,
        caps: &Capabilities,
        message: MessageSource,
    ) -> Stage {
        // BDAT needs CHUNKING (RFC 3030 §2): a server without it would take the chunk for
        // commands, or wait for a DATA that never comes.
        if self.bdat.is_some() && !caps.chunking() {
            self.driver.note(
                "the server does not advertise CHUNKING (RFC 3030), so BDAT cannot be used: \
                 stopping before MAIL; without --bdat the message goes with DATA",
            );
            return Stage::Data;
        }
        let from = self.sender();
        // An address or header in UTF-8 needs SMTPUTF8 (RFC 6531 §3.4): offered, it is
        // asked for; not offered, the message cannot be delivered as written.
        let needs_utf8 = !from.is_ascii()
            || self.to.iter().any(|to| !to.is_ascii())
            || !message.headers_are_ascii();
        if needs_utf8 && !caps.smtputf8() {
            self.driver.note(
                "an address or header is not ASCII and the server does not advertise SMTPUTF8 \
                 (RFC 6531 §3.4): stopping before MAIL",
            );
            return Stage::Mail;
        }
        let mut params = Vec::new();
        if caps.size().is_some() {
            params.push(Param::size(message.size()));
        }
        if !message.is_ascii() && caps.eight_bit_mime() {
            params.push(Param::body(Body::EightBitMime));
        }
        if needs_utf8 {
            params.push(Param::smtputf8());
        }
        if self.require_pipelining && !caps.pipelining() {
            self.driver.note(
                "the server does not advertise PIPELINING (RFC 2920 §3.1), and --pipeline \
                 requires it: stopping before MAIL; without --pipeline the probe sends one \
                 command at a time",
            );
            return Stage::Unsupported;
        }
        if let Err(stage) = self.check_envelope_params(caps) {
            return stage;
        }
        params.extend(self.envelope.mail_params());
        let mail = Command::Mail { from, params };
        // A server that does not advertise PIPELINING never gets it (RFC 2920 §3.1).
        if self.pipeline && caps.pipelining() {
            return self.pipelined_transaction(caps, mail, message).await;
        }
        match self.driver.command(&mail).await {
            Ok(reply) if reply.code() == Some(250) => {}
            _ => return Stage::Mail,
        }
        if self.quit_after(Stage::Mail) {
            return Stage::Done;
        }
        let mut accepted = 0;
        for to in self.to.clone() {
            let rcpt = Command::Rcpt {
                params: self.envelope.rcpt_params(&to),
                to,
            };
            match self.driver.command(&rcpt).await {
                Ok(reply) if matches!(reply.code(), Some(250 | 251)) => accepted += 1,
                Ok(_) => {}
                Err(_) => return Stage::Rcpt,
            }
        }
        if accepted == 0 {
            self.driver.note("no recipient was accepted");
            return Stage::Rcpt;
        }
        let total = self.to.len();
        if accepted < total {
            // The message still goes to those accepted: the exit code says it was sent,
            // this line says to whom it was not.
            self.driver.note(format!(
                "{accepted} of {total} recipients accepted; the message goes to those only"
            ));
        }
        if self.quit_after(Stage::Rcpt) {
            return Stage::Done;
        }
        if let Some(chunk_size) = self.bdat {
            let message = match message.into_bytes() {
                Ok(bytes) => bytes,
                Err(error) => {
                    self.driver.note(error.to_string());
                    return Stage::Local;
                }
            };
            let reply = self.driver.send_bdat(&message, chunk_size).await;
            return self.message_stage(reply).await;
        }
        match self.driver.command(&Command::Data).await {
            Ok(reply) if reply.code() == Some(354) => {}
            _ => return Stage::Data,
        }
        let sent = match message {
            MessageSource::Bytes(bytes) => self.driver.send_message(&bytes).await,
            MessageSource::File { file, .. } => {
                let mut file = source::FileReader(file);
                self.driver.send_message_from(&mut file).await
            }
        };
        self.message_stage(sent).await
    }

    /// Where the session stands after the reply to the message: `Done` when it was taken
    /// (250), else `Data`. Over LMTP the other recipients' replies are read first
    /// ([RFC 2033 §4.2](https://www.rfc-editor.org/rfc/rfc2033#section-4.2)): `Done` when
    /// the message reached at least one recipient, and the per-recipient outcome is printed.
    pub(super) async fn message_stage(&mut self, first: Result<Reply, DriverError>) -> Stage {
        let Ok(first) = first else {
            return Stage::Data;
        };
        if !self.driver.session().is_lmtp() {
            return if first.code() == Some(250) {
                Stage::Done
            } else {
                Stage::Data
            };
        }
        // A connection lost midway is a failure already reported; the replies read count.
        let _ = self.driver.read_deliveries().await;
        let deliveries = self.driver.take_deliveries();
        if self.print.json {
            let recipients: Vec<serde_json::Value> = deliveries
                .iter()
                .map(|d| {
                    serde_json::json!({
                        "recipient": d.recipient,
                        "code": d.reply.code(),
                        "delivered": d.delivered(),
                    })
                })
                .collect();
            let event = serde_json::json!({"event": "lmtp_deliveries", "recipients": recipients});
            crate::outln!("{}", crate::output::safe_json(event.to_string()));
        }
        if deliveries.iter().any(Delivery::delivered) {
            Stage::Done
        } else {
            Stage::Data
        }
    }

    /// The parameters the user asked for, checked against the EHLO reply and the
    /// connection before MAIL; a refusal is said and stops the probe (exit 2) unless
    /// `--force-params` sends them anyway.
    pub(super) fn check_envelope_params(&mut self, caps: &Capabilities) -> Result<(), Stage> {
        let mut asked = self.envelope.mail_params();
        if let Some(to) = self.to.first() {
            asked.extend(self.envelope.rcpt_params(to));
        }
        let Err(refusal) = check_offered(&asked, caps, &self.driver.protection()) else {
            return Ok(());
        };
        if self.envelope.force {
            self.driver
                .note(format!("{refusal}; sending it anyway (--force-params)"));
            return Ok(());
        }
        self.driver.note(format!(
            "{refusal}: stopping before MAIL; --force-params sends it anyway"
        ));
        Err(Stage::Unsupported)
    }

    pub(super) fn sender(&self) -> String {
        envelope_sender(self.from.as_deref(), &self.ehlo_name)
    }
}

/// The reverse-path for MAIL FROM and the From header: `--from` without angle brackets,
/// `""` for the null sender `<>`, or `$USER@host` by default.
pub(crate) fn envelope_sender(from: Option<&str>, host: &str) -> String {
    match from {
        Some(from) => from
            .trim_start_matches('<')
            .trim_end_matches('>')
            .to_string(),
        None => {
            let user = std::env::var("USER").unwrap_or_else(|_| "smtpx".into());
            format!("{user}@{host}")
        }
    }
}
