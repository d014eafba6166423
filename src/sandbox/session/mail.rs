//! The mail transaction of a [`Session`]: MAIL, RCPT, DATA and BDAT, and what happens at
//! the end of the content.
//!
//! Layer: sandbox (server side), sans-IO. A child of [`session`](super), sharing its private
//! state.

use crate::proto::command::Param;
use crate::proto::data::ReceivedMessage;
use crate::proto::text::escape_str;

use super::super::behaviours::Policy;
use super::super::parse::{self, AddressError};
use super::super::replies::{ServerReply, bad_sequence, too_big};
use super::{Chunk, DataReceiver, Envelope, Event, Session, State, Transaction, must_starttls};

impl Session {
    /// MAIL ([RFC 5321 §4.1.1.2](https://www.rfc-editor.org/rfc/rfc5321#section-4.1.1.2)).
    pub(super) fn mail(
        &mut self,
        from: &str,
        params: &[Param],
        policy: &dyn Policy,
    ) -> ServerReply {
        if self.helo.is_none() {
            return bad_sequence("send HELO/EHLO first");
        }
        if self.settings.submission && !self.tls {
            return must_starttls();
        }
        if self.settings.submission && self.user.is_none() {
            return ServerReply::new(530, "5.7.0", "Authentication required");
        }
        if self.transaction.is_some() {
            return bad_sequence("nested MAIL command");
        }
        let params = match parse::mail_params(params) {
            Ok(params) => params,
            Err(reply) => return reply,
        };
        // SIZE declared over the limit: refuse now rather than after the transfer
        // (RFC 1870 §6).
        if params
            .size
            .is_some_and(|size| size > self.settings.max_message_size as u64)
        {
            return too_big(self.settings.max_message_size);
        }
        let from = if from.is_empty() {
            String::new()
        } else {
            match parse::check_mailbox(from, params.smtputf8, false) {
                Ok(mailbox) => mailbox,
                Err(error) => return address_refusal(error, "5.1.7", "sender"),
            }
        };
        if policy.tempfail() {
            return ServerReply::new(
                451,
                "4.3.0",
                "Temporary failure, try again later (--tempfail-rate)",
            );
        }
        let reply = ServerReply::new(250, "2.1.0", format!("Sender <{}> ok", escape_str(&from)));
        self.transaction = Some(Transaction {
            from,
            params,
            recipients: Vec::new(),
            chunks: Vec::new(),
            chunk_total: 0,
            used_bdat: false,
        });
        reply
    }

    /// RCPT ([RFC 5321 §4.1.1.3](https://www.rfc-editor.org/rfc/rfc5321#section-4.1.1.3)).
    pub(super) fn rcpt(&mut self, to: &str, params: &[Param], policy: &dyn Policy) -> ServerReply {
        let max = self.settings.max_recipients;
        let Some(transaction) = self.transaction.as_mut() else {
            return bad_sequence("need MAIL command");
        };
        if transaction.used_bdat {
            return bad_sequence("RCPT after BDAT");
        }
        // RFC 5321 §4.5.3.1.10: 452 for too many recipients, the client sends the rest later.
        if transaction.recipients.len() >= max {
            return ServerReply::new(452, "4.5.3", "Error: too many recipients");
        }
        if let Err(reply) = parse::rcpt_params(params) {
            return reply;
        }
        let to = match parse::check_mailbox(to, transaction.params.smtputf8, true) {
            Ok(mailbox) => mailbox,
            Err(error) => return address_refusal(error, "5.1.3", "recipient"),
        };
        let shown = escape_str(&to);
        // RFC 5321 §3.6.2: relaying is for authorised clients; others are refused.
        let domain = to.rsplit_once('@').map(|(_, d)| d.to_ascii_lowercase());
        let local = self.settings.local_domains.is_empty()
            || domain.is_some_and(|d| self.settings.local_domains.contains(&d));
        if !local && self.user.is_none() {
            return ServerReply::new(554, "5.7.1", format!("<{shown}>: Relay access denied"));
        }
        if policy.reject_recipient(&to) {
            return ServerReply::new(
                550,
                "5.1.1",
                format!("<{shown}>: Recipient address rejected: User unknown (--reject-rcpt)"),
            );
        }
        if policy.greylist(&transaction.from, &to) {
            return ServerReply::new(
                451,
                "4.7.1",
                format!("<{shown}>: Recipient address rejected: Greylisted, try again later"),
            );
        }
        transaction.recipients.push(to);
        ServerReply::new(250, "2.1.5", format!("Recipient <{shown}> ok"))
    }

    /// DATA ([RFC 5321 §4.1.1.4](https://www.rfc-editor.org/rfc/rfc5321#section-4.1.1.4)).
    /// Accepted, it also begins the message ([`Event::BeginMessage`]): the content then goes
    /// to the driver in pieces as it arrives ([`Event::Content`]), never held whole.
    pub(super) fn data(&mut self) -> Vec<Event> {
        if let Err(reply) = self.ready_for_content() {
            return vec![Event::Reply(reply)];
        }
        let Some(transaction) = self.transaction.as_ref() else {
            return vec![Event::Reply(bad_sequence("need MAIL command"))];
        };
        if transaction.used_bdat {
            // RFC 3030 §2: DATA and BDAT must not be mixed in one transaction.
            return vec![Event::Reply(bad_sequence(
                "DATA after BDAT in the same transaction",
            ))];
        }
        let begin = Event::BeginMessage(self.envelope_so_far(transaction));
        let receiver = if self.settings.lenient_eod {
            DataReceiver::lenient(self.settings.max_message_size)
        } else {
            DataReceiver::new(self.settings.max_message_size)
        };
        self.state = State::ReceivingData(receiver);
        vec![
            begin,
            Event::Reply(ServerReply::new(
                354,
                "2.0.0",
                "End data with <CR><LF>.<CR><LF>",
            )),
        ]
    }

    /// BDAT ([RFC 3030 §2](https://www.rfc-editor.org/rfc/rfc3030#section-2)).
    pub(super) fn bdat(&mut self, size: u64, last: bool) -> Vec<Event> {
        let refusal = self.ready_for_content().err();
        if refusal.is_none() {
            if let Some(transaction) = self.transaction.as_mut() {
                transaction.used_bdat = true;
            }
        }
        self.state = State::ReceivingChunk(Chunk {
            size,
            remaining: size,
            last,
            refusal,
        });
        if size == 0 {
            self.end_of_chunk()
        } else {
            Vec::new()
        }
    }

    /// MAIL and at least one accepted RCPT.
    fn ready_for_content(&self) -> Result<(), ServerReply> {
        match &self.transaction {
            None => Err(bad_sequence("need MAIL command")),
            Some(t) if t.recipients.is_empty() => Err(bad_sequence("need RCPT command")),
            Some(_) => Ok(()),
        }
    }

    /// Octets of the current BDAT chunk, kept while within the size limit.
    pub(super) fn chunk_bytes(&mut self, bytes: &[u8]) {
        let limit = self.settings.max_message_size as u64;
        let State::ReceivingChunk(chunk) = &self.state else {
            return;
        };
        if chunk.refusal.is_some() {
            return;
        }
        if let Some(transaction) = self.transaction.as_mut() {
            transaction.chunk_total += bytes.len() as u64;
            if transaction.chunk_total <= limit {
                transaction.chunks.extend_from_slice(bytes);
            }
        }
    }

    /// The whole chunk has arrived.
    pub(super) fn end_of_chunk(&mut self) -> Vec<Event> {
        let State::ReceivingChunk(chunk) = std::mem::replace(&mut self.state, State::ExpectCommand)
        else {
            return Vec::new();
        };
        let mut events = vec![Event::Client(format!("<chunk of {} octets>", chunk.size))];
        if let Some(reply) = chunk.refusal {
            events.push(Event::Reply(reply));
            return events;
        }
        let limit = self.settings.max_message_size;
        if self
            .transaction
            .as_ref()
            .is_some_and(|t| t.chunk_total > limit as u64)
        {
            self.transaction = None;
            events.push(Event::Reply(too_big(limit)));
        } else if chunk.last {
            if let Some(mut transaction) = self.transaction.take() {
                let content = std::mem::take(&mut transaction.chunks);
                events.push(Event::Deliver(self.envelope(transaction, content)));
            }
        } else {
            events.push(Event::Reply(ServerReply::new(
                250,
                "2.0.0",
                format!("{} octets received", chunk.size),
            )));
        }
        events
    }

    /// The end marker of DATA arrived.
    ///
    /// Bare CR or LF in the content is refused with `550 5.5.2`, as Postfix does with
    /// `smtpd_forbid_bare_newline = reject`: the sandbox is for seeing what is wrong, and
    /// Postfix's newer default (`normalize`, silently turning LF into CRLF) would hide it.
    /// Either way only `<CRLF>.<CRLF>` ends the data (SMTP smuggling) — unless the sandbox
    /// runs with `--lenient-eod`, which accepts bare line ends and takes a bare LF as one.
    pub(super) fn end_of_data(&mut self, message: ReceivedMessage) -> Vec<Event> {
        let mut events = vec![Event::Client(format!(
            "<message content: {} octets, {} dot-stuffed lines>",
            message.size, message.unstuffed_lines
        ))];
        let Some(transaction) = self.transaction.take() else {
            events.push(Event::Reply(bad_sequence("need MAIL command")));
            return events;
        };
        let issues = &message.issues;
        if message.exceeded_limit {
            events.push(Event::Discard);
            events.push(Event::Reply(too_big(self.settings.max_message_size)));
        } else if (issues.bare_lf > 0 || issues.bare_cr > 0) && !self.settings.lenient_eod {
            events.push(Event::Note(format!(
                "message refused: {} bare LF, {} bare CR, {} lone dots (RFC 5321 §2.3.8)",
                issues.bare_lf, issues.bare_cr, issues.lone_dots
            )));
            events.push(Event::Discard);
            let which = if issues.bare_lf > 0 { "<LF>" } else { "<CR>" };
            events.push(Event::Reply(ServerReply::new(
                550,
                "5.5.2",
                format!("Error: bare {which} received"),
            )));
        } else {
            events.push(Event::Deliver(self.envelope(transaction, message.body)));
        }
        events
    }

    /// The envelope of the transaction under way, with no content yet.
    fn envelope_so_far(&self, transaction: &Transaction) -> Envelope {
        let (helo, esmtp) = self.helo.clone().unwrap_or_default();
        Envelope {
            from: transaction.from.clone(),
            recipients: transaction.recipients.clone(),
            content: Vec::new(),
            helo,
            esmtp,
            tls: self.tls,
            authenticated: self.user.clone(),
            smtputf8: transaction.params.smtputf8,
            peer: self.peer,
            conn_id: self.conn_id,
        }
    }

    /// The envelope of a finished transaction with its content.
    fn envelope(&self, transaction: Transaction, content: Vec<u8>) -> Envelope {
        Envelope {
            content,
            ..self.envelope_so_far(&transaction)
        }
    }
}

/// 501 for bad syntax or length, 553 5.6.7 for non-ASCII without SMTPUTF8
/// ([RFC 6531 §3.7.4.1](https://www.rfc-editor.org/rfc/rfc6531#section-3.7.4.1)).
fn address_refusal(error: AddressError, enhanced: &str, role: &str) -> ServerReply {
    match error {
        AddressError::Syntax => {
            ServerReply::new(501, enhanced, format!("Bad {role} address syntax"))
        }
        AddressError::TooLong => {
            ServerReply::new(501, enhanced, format!("The {role} address is too long"))
        }
        AddressError::NeedsSmtputf8 => ServerReply::new(
            553,
            "5.6.7",
            format!("Non-ASCII {role} address needs the SMTPUTF8 parameter"),
        ),
    }
}
