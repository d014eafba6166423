//! Pipelined writes: several commands (and message content) in one write, their replies
//! read afterwards in order ([RFC 2920](https://www.rfc-editor.org/rfc/rfc2920)).
//!
//! Layer: driver. A child of [`driver`](super) sharing the driver's private state. Which
//! commands may share a write is the caller's decision (the probe, the explorer's
//! composer): this file only puts the pieces on the wire together, reports one `Sent`
//! event per piece with the same time, and tells the session, so that each reply is matched
//! to its command and timed from it.

use super::{Driver, DriverError};
use crate::event::Shown;
use crate::proto::command::Command;
use crate::proto::data::dot_stuff;
use crate::proto::session::Sent;

/// One piece of a pipelined write.
#[derive(Debug, Clone, Copy)]
pub enum Piece<'a> {
    /// A command line.
    Command(&'a Command),
    /// Message content after a 354: dot-stuffed, with the end marker
    /// ([RFC 5321 §4.5.2](https://www.rfc-editor.org/rfc/rfc5321#section-4.5.2)).
    Message(&'a [u8]),
    /// The end marker alone, no content: the way out of a DATA the server accepted with
    /// no recipient accepted ([RFC 2920 §3.1](https://www.rfc-editor.org/rfc/rfc2920#section-3.1):
    /// "if the DATA command was accepted the client SMTP should send a single dot").
    EndMarker,
    /// `BDAT <size>` (with `LAST` on the final chunk) and the chunk right after it
    /// ([RFC 3030 §2](https://www.rfc-editor.org/rfc/rfc3030#section-2)), no dot-stuffing.
    /// With PIPELINING, BDAT commands may follow each other without waiting
    /// ([RFC 3030 §4.2](https://www.rfc-editor.org/rfc/rfc3030#section-4.2)).
    Bdat { chunk: &'a [u8], last: bool },
}

/// A piece as it goes out: its wire bytes, how it is shown, what the session learns.
struct Prepared {
    bytes: Vec<u8>,
    shown: Shown,
    secret: bool,
    sent: Sent,
}

impl Driver {
    /// Sends `pieces` in one write, then reports each as its own `Sent` event. Replies are
    /// not read here: the caller reads one per command, in order
    /// ([RFC 2920 §3.1](https://www.rfc-editor.org/rfc/rfc2920#section-3.1): the client
    /// checks every status of a group).
    pub async fn send_pipelined(&mut self, pieces: &[Piece<'_>]) -> Result<(), DriverError> {
        let mut prepared = Vec::with_capacity(pieces.len());
        for piece in pieces {
            prepared.push(self.prepare(piece)?);
        }
        self.drain_unsolicited().await?;
        let layer = self.layer();
        let wire: Vec<u8> = prepared
            .iter()
            .flat_map(|p| p.bytes.iter().copied())
            .collect();
        let Some(connection) = self.connection.as_mut() else {
            return self.fail(DriverError::NotConnected);
        };
        if let Err(error) = connection.send(&wire).await {
            return self.fail(error.into());
        }
        self.last_sent = Some(std::time::Instant::now());
        // One write, one time for every piece of it.
        let at = self.at();
        for piece in prepared {
            self.emit_sent(at, layer, &piece.bytes, piece.shown, piece.secret);
            self.track_sent(&piece.sent);
        }
        Ok(())
    }

    fn prepare(&mut self, piece: &Piece<'_>) -> Result<Prepared, DriverError> {
        Ok(match *piece {
            Piece::Command(command) => {
                let bytes = match command.encode() {
                    Ok(bytes) => bytes,
                    Err(e) => return self.fail(e.into()),
                };
                Prepared {
                    bytes,
                    shown: command.redacted().into(),
                    secret: command.is_secret(),
                    sent: Sent::Command(command.clone()),
                }
            }
            Piece::Message(message) => {
                let stuffed = dot_stuff(message);
                self.note_stuffing(&stuffed.report);
                let shown = format!(
                    "<message: {} bytes, {} lines dot-stuffed, end marker>",
                    message.len(),
                    stuffed.report.stuffed_lines
                );
                Prepared {
                    sent: Sent::Message(stuffed.bytes.clone()),
                    bytes: stuffed.bytes,
                    shown: shown.into(),
                    secret: false,
                }
            }
            Piece::EndMarker => Prepared {
                bytes: b".\r\n".to_vec(),
                shown: "<end marker only: no message, no recipient was accepted>".into(),
                secret: false,
                sent: Sent::Message(b".\r\n".to_vec()),
            },
            Piece::Bdat {
                chunk: message,
                last,
            } => {
                let size = u64::try_from(message.len()).unwrap_or(u64::MAX);
                let command = Command::Bdat { size, last };
                let mut bytes = match command.encode() {
                    Ok(bytes) => bytes,
                    Err(e) => return self.fail(e.into()),
                };
                bytes.extend_from_slice(message);
                Prepared {
                    bytes,
                    shown: format!("{} <chunk: {} bytes>", command.redacted(), message.len())
                        .into(),
                    secret: false,
                    sent: Sent::BdatChunk {
                        last,
                        data: message.to_vec(),
                    },
                }
            }
        })
    }
}
