//! The mail transaction in the fewest round trips the RFCs allow, for a server that
//! advertises PIPELINING ([RFC 2920](https://www.rfc-editor.org/rfc/rfc2920)):
//!
//! ```text
//!  CHUNKING and a small message:  MAIL, RCPT…, BDAT n LAST + message, QUIT   one write
//!  --bdat, several chunks:         MAIL, RCPT…                                one write
//!                                 every BDAT chunk                           one write
//!  otherwise:                     MAIL, RCPT…, DATA                          one write
//!                                 message + end marker, QUIT                 one write
//! ```
//!
//! Every reply of a group is read and matched to its command, in order
//! ([RFC 2920 §3.1](https://www.rfc-editor.org/rfc/rfc2920#section-3.1): "the client SMTP
//! MUST check ALL statuses"). A refusal in the middle of a group is handled as §3.1 says:
//! the message goes only after a 354, and only to a transaction with an accepted MAIL and at
//! least one accepted recipient; a 354 with none of them gets the end marker alone.
//!
//! Layer: probe (headless front end). A child of [`probe`](super).

use super::source::{self, MessageSource};
use super::{Probe, Stage};
use crate::driver::Piece;
use crate::proto::capability::Capabilities;
use crate::proto::command::Command;
use crate::proto::data::dot_stuff;

/// The largest message sent in the same write as its envelope (`BDAT n LAST`, RFC 3030
/// §4.2). A refused envelope makes the server read and discard the chunk (RFC 3030 §2), so
/// the bytes sent in vain stay bounded; 64 KiB also fits in one TCP window on most paths,
/// where a larger message would need more round trips than it saves. Larger messages go
/// with DATA after the 354, or in BDAT chunks after the envelope's replies.
pub(super) const PIPELINED_BODY_LIMIT: u64 = 64 * 1024;

/// How the message goes after a pipelined envelope.
enum Content {
    /// `BDAT n LAST` and the message, in the envelope's write
    /// ([RFC 3030 §4.2](https://www.rfc-editor.org/rfc/rfc3030#section-4.2)).
    BdatLast(Vec<u8>),
    /// BDAT chunks of at most this many octets, after the envelope's replies (`--bdat`
    /// with a message larger than one chunk or than [`PIPELINED_BODY_LIMIT`]), all in one
    /// write ([RFC 3030 §4.2](https://www.rfc-editor.org/rfc/rfc3030#section-4.2)).
    BdatChunks(usize),
    /// DATA as the last command of the envelope's write; the message after the 354.
    Data,
    /// No content: the probe stops after MAIL or RCPT (`--quit-after`).
    None,
}

/// What the envelope's replies said.
struct Envelope {
    mail: bool,
    accepted: usize,
}

impl Probe {
    /// MAIL, RCPT… and the content, pipelined (see the module documentation).
    pub(super) async fn pipelined_transaction(
        &mut self,
        caps: &Capabilities,
        mail: Command,
        message: MessageSource,
    ) -> Stage {
        let rcpts: Vec<Command> = match self.quit_after {
            Some(Stage::Mail) => Vec::new(),
            _ => self
                .to
                .iter()
                .map(|to| Command::Rcpt {
                    to: to.clone(),
                    params: self.envelope.rcpt_params(to),
                })
                .collect(),
        };
        let (content, message) = match self.content(caps, message) {
            Ok(chosen) => chosen,
            Err(error) => {
                self.driver.note(error.to_string());
                return Stage::Local;
            }
        };
        let mut pieces: Vec<Piece<'_>> = vec![Piece::Command(&mail)];
        pieces.extend(rcpts.iter().map(Piece::Command));
        match &content {
            // QUIT may be the last command of a group (RFC 2920 §3.1): its 221 comes with the
            // message's reply, and the probe ends one round trip sooner.
            Content::BdatLast(bytes) => {
                pieces.extend([
                    Piece::Bdat {
                        chunk: bytes,
                        last: true,
                    },
                    Piece::Command(&Command::Quit),
                ]);
            }
            // DATA ends a group: its 354 changes what the client may send (RFC 2920 §3.1).
            Content::Data => pieces.push(Piece::Command(&Command::Data)),
            Content::BdatChunks(_) | Content::None => {}
        }
        if self.driver.send_pipelined(&pieces).await.is_err() {
            return Stage::Mail;
        }
        let envelope = match self.envelope_replies(rcpts.len()).await {
            Ok(envelope) => envelope,
            Err(stage) => return stage,
        };
        match content {
            Content::None => self.envelope_stage(&envelope).unwrap_or(Stage::Done),
            Content::BdatLast(_) => {
                // The chunk's reply is read whatever the envelope got: every status of the
                // group is checked (RFC 2920 §3.1).
                let reply = self.driver.read_reply().await;
                if let Some(stage) = self.envelope_stage(&envelope) {
                    return stage;
                }
                self.message_stage(reply).await
            }
            Content::BdatChunks(chunk_size) => {
                if let Some(stage) = self.envelope_stage(&envelope) {
                    return stage;
                }
                let bytes = match message.map(MessageSource::into_bytes) {
                    Some(Ok(bytes)) => bytes,
                    Some(Err(error)) => {
                        self.driver.note(error.to_string());
                        return Stage::Local;
                    }
                    None => Vec::new(),
                };
                // Every chunk in one write, the replies read after (RFC 3030 §4.2).
                let reply = self.driver.send_bdat_pipelined(&bytes, chunk_size).await;
                self.message_stage(reply).await
            }
            Content::Data => self.data_after_envelope(&envelope, message).await,
        }
    }

    /// Chooses how the content goes. Returns the message when it is still to be sent after
    /// the envelope's replies.
    fn content(
        &self,
        caps: &Capabilities,
        message: MessageSource,
    ) -> Result<(Content, Option<MessageSource>), source::SourceError> {
        if matches!(self.quit_after, Some(Stage::Mail | Stage::Rcpt)) {
            return Ok((Content::None, None));
        }
        let small = message.size() <= PIPELINED_BODY_LIMIT;
        match self.bdat {
            Some(chunk_size) if small && message.size() <= chunk_size as u64 => {
                Ok((Content::BdatLast(message.into_bytes()?), None))
            }
            Some(chunk_size) => Ok((Content::BdatChunks(chunk_size), Some(message))),
            None if small && caps.chunking() => {
                let bytes = message.into_bytes()?;
                // BDAT sends the octets as they are (RFC 3030 §2); a message DATA would
                // change (bare CR or LF made CRLF, a final CRLF added) goes with DATA, so
                // the server gets the same message either way.
                let report = dot_stuff(&bytes).report;
                if report.issues.bare_lf == 0
                    && report.issues.bare_cr == 0
                    && !report.added_final_crlf
                {
                    Ok((Content::BdatLast(bytes), None))
                } else {
                    Ok((Content::Data, Some(MessageSource::Bytes(bytes))))
                }
            }
            None => Ok((Content::Data, Some(message))),
        }
    }

    /// Reads the replies to MAIL and to each of `rcpts` RCPT commands, in order, and says
    /// when some recipients were refused.
    async fn envelope_replies(&mut self, rcpts: usize) -> Result<Envelope, Stage> {
        let mail = match self.driver.read_reply().await {
            Ok(reply) => reply.code() == Some(250),
            Err(_) => return Err(Stage::Mail),
        };
        let mut accepted = 0;
        for _ in 0..rcpts {
            match self.driver.read_reply().await {
                Ok(reply) if matches!(reply.code(), Some(250 | 251)) => accepted += 1,
                Ok(_) => {}
                Err(_) if !mail => return Err(Stage::Mail),
                Err(_) => return Err(Stage::Rcpt),
            }
        }
        if mail && accepted > 0 && accepted < rcpts {
            // The message still goes to those accepted: the exit code says it was sent,
            // this line says to whom it was not.
            self.driver.note(format!(
                "{accepted} of {rcpts} recipients accepted; the message goes to those only"
            ));
        }
        Ok(Envelope { mail, accepted })
    }

    /// Where the envelope stopped the transaction, if it did.
    fn envelope_stage(&mut self, envelope: &Envelope) -> Option<Stage> {
        if !envelope.mail {
            return Some(Stage::Mail);
        }
        if self.quit_after == Some(Stage::Mail) {
            return None;
        }
        if envelope.accepted == 0 {
            self.driver.note("no recipient was accepted");
            return Some(Stage::Rcpt);
        }
        None
    }

    /// After a pipelined DATA: the message only after a 354 and only for a transaction that
    /// has a recipient; a 354 without one gets the end marker alone (RFC 2920 §3.1).
    async fn data_after_envelope(
        &mut self,
        envelope: &Envelope,
        message: Option<MessageSource>,
    ) -> Stage {
        // A refused envelope is where the session stopped, even when the connection then
        // broke (a server that closes after the refusal, without reading on).
        let go = match self.driver.read_reply().await {
            Ok(reply) => reply.code() == Some(354),
            Err(_) => return self.envelope_stage(envelope).unwrap_or(Stage::Data),
        };
        let stopped = self.envelope_stage(envelope);
        if !go {
            return stopped.unwrap_or(Stage::Data);
        }
        if let Some(stage) = stopped {
            if self
                .driver
                .send_pipelined(&[Piece::EndMarker])
                .await
                .is_ok()
            {
                let _ = self.driver.read_reply().await;
            }
            return stage;
        }
        let sent = match message {
            // The end of the data and QUIT in one write (RFC 2920 §3.1 lets QUIT end a
            // group; its §4 example sends them so).
            Some(MessageSource::Bytes(bytes)) => {
                let pieces = [Piece::Message(&bytes), Piece::Command(&Command::Quit)];
                match self.driver.send_pipelined(&pieces).await {
                    Ok(()) => self.driver.read_reply().await,
                    Err(error) => Err(error),
                }
            }
            // A file is streamed in chunks, never held whole; QUIT follows on its own.
            Some(MessageSource::File { file, .. }) => {
                let mut file = source::FileReader(file);
                self.driver.send_message_from(&mut file).await
            }
            None => return Stage::Data,
        };
        self.message_stage(sent).await
    }
}
