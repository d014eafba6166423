//! Sending message content: DATA (dot-stuffed, from memory or streamed from a file) and
//! BDAT chunks, and how a streamed body too large to keep is reported to the recorder.
//!
//! Layer: driver. A child of [`driver`](super) sharing the driver's private state; split
//! out of `driver/mod.rs` to keep files small.
//!
//! A streamed message is read, dot-stuffed and written in chunks of [`STREAM_CHUNK`]
//! bytes, so memory stays flat whatever the message size. Its `Sent` event carries the wire
//! bytes only up to [`RECORDED_BODY_LIMIT`]; above that it carries none, and its display form
//! names the size and SHA-256 of what went on the wire ([`streamed_body_digest`] reads them
//! back), which the recorder writes like a `--redact-body` line.

use sha2::{Digest, Sha256};
use tokio::io::{AsyncRead, AsyncReadExt};

use super::{Driver, DriverError, Piece, SessionEvent};
use crate::event::Shown;
use crate::proto::command::Command;
use crate::proto::data::{DotStuffer, Report, bdat_chunks, dot_stuff};
use crate::proto::reply::Reply;
use crate::proto::session::Sent;
use crate::proto::text::hex;

/// Wire bytes of a streamed message that its `Sent` event (and so the transcript) keeps;
/// the sender should not hold the message either.
pub use crate::event::shown::RECORDED_BODY_LIMIT;

/// How much of a streamed message is read, stuffed and written at a time: small enough that
/// the read buffer, the stuffed copy and what TLS encrypts stay in the CPU cache (256 KiB
/// took measurably more client CPU per 100 MB).
pub const STREAM_CHUNK: usize = 64 * 1024;

/// Where a streamed message's wire bytes go besides the socket: kept for the event while
/// small, always counted and hashed.
struct WireTally {
    kept: Option<Vec<u8>>,
    digest: Sha256,
    size: usize,
    /// The last bytes sent: the end of the end marker, for the session's scan.
    tail: Vec<u8>,
}

impl WireTally {
    fn new() -> WireTally {
        WireTally {
            kept: Some(Vec::new()),
            digest: Sha256::new(),
            size: 0,
            tail: Vec::new(),
        }
    }

    fn add(&mut self, bytes: &[u8]) {
        self.size += bytes.len();
        self.digest.update(bytes);
        if self.size > RECORDED_BODY_LIMIT {
            self.kept = None;
        } else if let Some(kept) = self.kept.as_mut() {
            kept.extend_from_slice(bytes);
        }
        // `CRLF . CRLF` is five bytes; keep at most that many of the latest.
        self.tail
            .extend_from_slice(&bytes[bytes.len().saturating_sub(5)..]);
        let excess = self.tail.len().saturating_sub(5);
        self.tail.drain(..excess);
    }
}

impl Driver {
    /// Sends a message after a 354: dot-stuffed, with the end marker
    /// ([RFC 5321 §4.5.2](https://www.rfc-editor.org/rfc/rfc5321#section-4.5.2)), and reads the
    /// final reply.
    pub async fn send_message(&mut self, message: &[u8]) -> Result<Reply, DriverError> {
        self.send_message_only(message).await?;
        self.read_reply().await
    }

    /// Sends a message like [`Driver::send_message`] without waiting for the reply (the
    /// explorer reads replies in its own loop).
    pub async fn send_message_only(&mut self, message: &[u8]) -> Result<(), DriverError> {
        let stuffed = dot_stuff(message);
        let shown = format!(
            "<message: {} bytes, {} lines dot-stuffed, end marker>",
            message.len(),
            stuffed.report.stuffed_lines
        );
        self.note_stuffing(&stuffed.report);
        self.send_bytes(&stuffed.bytes, shown.into(), false).await?;
        self.track_sent(&Sent::Message(stuffed.bytes));
        Ok(())
    }

    /// Sends a message with BDAT chunks ([RFC 3030 §2](https://www.rfc-editor.org/rfc/rfc3030#section-2)):
    /// each chunk's command line and bytes in one write, no dot-stuffing, no end marker.
    /// Returns the reply to the last chunk sent — the `LAST` one, or the first that was refused.
    pub async fn send_bdat(
        &mut self,
        message: &[u8],
        chunk_size: usize,
    ) -> Result<Reply, DriverError> {
        let mut last_reply = None;
        for (command, chunk) in bdat_chunks(message, chunk_size) {
            let mut bytes = match command.encode() {
                Ok(bytes) => bytes,
                Err(e) => return self.fail(e.into()),
            };
            bytes.extend_from_slice(chunk);
            let shown = format!("{} <chunk: {} bytes>", command.redacted(), chunk.len());
            self.send_bytes(&bytes, shown.into(), false).await?;
            let last = matches!(command, Command::Bdat { last: true, .. });
            self.track_sent(&Sent::BdatChunk {
                last,
                data: chunk.to_vec(),
            });
            let reply = self.read_reply().await?;
            let accepted = reply.code() == Some(250);
            last_reply = Some(reply);
            if !accepted {
                break;
            }
        }
        match last_reply {
            Some(reply) => Ok(reply),
            // `bdat_chunks` always yields at least `BDAT 0 LAST`.
            None => self.fail(DriverError::NotConnected),
        }
    }

    /// Sends every BDAT chunk of `message` in one write, then reads their replies in order
    /// ([RFC 3030 §4.2](https://www.rfc-editor.org/rfc/rfc3030#section-4.2): with PIPELINING
    /// the client need not wait between chunks). Returns the first reply that is not 250, or
    /// the `LAST` chunk's. Only for a server that advertised PIPELINING.
    pub async fn send_bdat_pipelined(
        &mut self,
        message: &[u8],
        chunk_size: usize,
    ) -> Result<Reply, DriverError> {
        let pieces: Vec<Piece<'_>> = bdat_chunks(message, chunk_size)
            .map(|(command, chunk)| Piece::Bdat {
                chunk,
                last: matches!(command, Command::Bdat { last: true, .. }),
            })
            .collect();
        self.send_pipelined(&pieces).await?;
        // Every status is read (RFC 2920 §3.1); the first refusal is the answer.
        let mut answer: Option<Reply> = None;
        for _ in 0..pieces.len() {
            let reply = self.read_reply().await?;
            if answer.as_ref().is_none_or(|a| a.code() == Some(250)) {
                answer = Some(reply);
            }
        }
        match answer {
            Some(reply) => Ok(reply),
            // `bdat_chunks` always yields at least `BDAT 0 LAST`.
            None => self.fail(DriverError::NotConnected),
        }
    }

    /// Notes what dot-stuffing changed that a person should know about.
    pub(super) fn note_stuffing(&mut self, report: &Report) {
        let issues = &report.issues;
        if issues.bare_lf > 0 || issues.bare_cr > 0 {
            // SMTP-smuggling defences reject bare line ends; say what was changed.
            self.note(format!(
                "the message had {} bare LF and {} bare CR line ends; they were sent as CRLF \
                 (RFC 5321 §2.3.8)",
                issues.bare_lf, issues.bare_cr
            ));
        }
        if report.added_final_crlf {
            self.note(
                "the message did not end with a line break; CRLF was added before the end marker",
            );
        }
    }

    /// Sends a message after a 354 like [`Driver::send_message`], streaming it from `source`:
    /// read, dot-stuffed and written [`STREAM_CHUNK`] bytes at a time, never held whole
    /// ([RFC 5321 §4.5.2](https://www.rfc-editor.org/rfc/rfc5321#section-4.5.2)). Reads the
    /// final reply.
    ///
    /// If `source` fails mid-way the connection is closed without the end marker, so the
    /// server discards the partial message (a lost connection during DATA is no delivery,
    /// [RFC 5321 §4.1.1.4](https://www.rfc-editor.org/rfc/rfc5321#section-4.1.1.4)).
    pub async fn send_message_from<R>(&mut self, source: &mut R) -> Result<Reply, DriverError>
    where
        R: AsyncRead + Unpin,
    {
        let layer = self.layer();
        let mut stuffer = DotStuffer::new();
        let mut input = vec![0u8; STREAM_CHUNK];
        let mut out = Vec::with_capacity(STREAM_CHUNK + STREAM_CHUNK / 16 + 8);
        let mut tally = WireTally::new();
        let mut read_total: u64 = 0;
        loop {
            let n = match source.read(&mut input).await {
                Ok(0) => break,
                Ok(n) => n,
                Err(error) => {
                    self.note(format!(
                        "reading the message failed after {read_total} bytes; closing the \
                         connection without the end marker so that nothing is delivered"
                    ));
                    self.close().await;
                    return self.fail(DriverError::Source(error));
                }
            };
            read_total += n as u64;
            stuffer.push(&input[..n], &mut out);
            self.write_streamed(&mut out, &mut tally).await?;
        }
        let report = stuffer.finish(&mut out);
        self.write_streamed(&mut out, &mut tally).await?;
        self.last_sent = Some(std::time::Instant::now());
        self.note_stuffing(&report);
        let summary = format!(
            "<message: {read_total} bytes, {} lines dot-stuffed, end marker",
            report.stuffed_lines
        );
        let (shown, bytes) = match tally.kept {
            Some(kept) => (Shown::plain(format!("{summary}>")), kept),
            None => {
                let digest = hex(&tally.digest.finalize());
                let shown = Shown::unrecorded_body(&summary, tally.size, digest);
                (shown, Vec::new())
            }
        };
        // The session only needs to see the end marker go by.
        let scanned = if bytes.is_empty() {
            tally.tail
        } else {
            bytes.clone()
        };
        let at = self.at();
        self.emit(SessionEvent::Sent {
            at,
            layer,
            shown,
            bytes,
            secret: false,
            revealed: None,
        });
        self.track_sent(&Sent::Message(scanned));
        self.read_reply().await
    }

    /// Writes what the stuffer produced and empties `out`.
    async fn write_streamed(
        &mut self,
        out: &mut Vec<u8>,
        tally: &mut WireTally,
    ) -> Result<(), DriverError> {
        if out.is_empty() {
            return Ok(());
        }
        let Some(connection) = self.connection.as_mut() else {
            return self.fail(DriverError::NotConnected);
        };
        if let Err(error) = connection.send(out).await {
            let sent = tally.size;
            self.note(format!(
                "sending the message failed after {sent} bytes of it were written"
            ));
            return self.fail(error.into());
        }
        tally.add(out);
        out.clear();
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wire_tally_keeps_small_bodies_and_only_the_tail_of_large_ones() {
        let mut tally = WireTally::new();
        tally.add(b"hello\r\n");
        tally.add(b".\r\n");
        assert_eq!(tally.kept.as_deref(), Some(&b"hello\r\n.\r\n"[..]));
        assert_eq!(tally.tail, b"\r\n.\r\n");
        let mut tally = WireTally::new();
        tally.add(&vec![b'x'; RECORDED_BODY_LIMIT]);
        tally.add(b"\r\n.\r\n");
        assert!(tally.kept.is_none());
        assert_eq!(tally.size, RECORDED_BODY_LIMIT + 5);
    }
}
