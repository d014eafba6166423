//! Following the client's bytes as the server reads them: raw lines classified as
//! commands or SASL responses, message content scanned for the end marker, BDAT chunk data
//! skipped.
//!
//! Layer: protocol core (sans-IO). A child of [`session`](super).

use zeroize::Zeroizing;

use super::{Session, State};
use crate::proto::command::parse_command_line;

/// The longest client line kept while tracking raw bytes. Only the verb and arguments
/// matter; a longer line is classified from its first bytes.
const MAX_TRACKED_LINE: usize = 4096;

/// Scanner for the end marker `CRLF.CRLF` in message content. The 354 arrives after the
/// CRLF of `DATA`, so message mode starts at a line start.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum MessageScan {
    LineStart,
    Dot,
    DotCr,
    Text,
    Cr,
}

impl Session {
    /// Follows bytes as the server reads them.
    pub(super) fn on_bytes(&mut self, mut bytes: &[u8]) {
        while !bytes.is_empty() {
            if self.bdat_remaining > 0 {
                let skip = usize::try_from(self.bdat_remaining)
                    .map_or(bytes.len(), |n| n.min(bytes.len()));
                self.bdat_remaining -= skip as u64;
                bytes = bytes.get(skip..).unwrap_or_default();
            } else if let Some(scan) = self.message {
                let (consumed, scan) = scan_message(scan, bytes);
                bytes = bytes.get(consumed..).unwrap_or_default();
                match scan {
                    Some(scan) => self.message = Some(scan),
                    None => self.end_message(),
                }
            } else {
                let Some(end) = bytes.iter().position(|&b| b == b'\n') else {
                    self.keep_line_bytes(bytes);
                    return;
                };
                let (line, rest) = bytes.split_at(end + 1);
                self.keep_line_bytes(line);
                bytes = rest;
                let line = std::mem::take(&mut *self.line);
                self.on_line(&Zeroizing::new(line));
            }
        }
    }

    fn keep_line_bytes(&mut self, bytes: &[u8]) {
        let room = MAX_TRACKED_LINE.saturating_sub(self.line.len());
        self.line.extend(bytes.iter().take(room));
    }

    fn on_line(&mut self, line: &[u8]) {
        if self.auth_response_due {
            self.auth_response_due = false;
            let label = format!("<SASL response, {} bytes>", line.trim_ascii_end().len());
            self.push(State::ExpectAuthChallenge, label, None);
            return;
        }
        let text = Zeroizing::new(String::from_utf8_lossy(line).into_owned());
        self.on_command(&parse_command_line(&text).command);
    }

    /// The end marker was sent: one reply is due, or one per accepted recipient over LMTP.
    fn end_message(&mut self) {
        self.message = None;
        let lmtp_recipients = self.lmtp_recipients();
        if lmtp_recipients.is_empty() {
            self.push(State::ExpectDataReply, "<CRLF>.<CRLF>", None);
        }
        for recipient in lmtp_recipients {
            self.push(State::ExpectDataReply, "<CRLF>.<CRLF>", Some(recipient));
        }
    }
}

/// Advances the end-marker scanner over `bytes`. Returns the bytes consumed and the new
/// scanner state, or `None` when the end marker ended within `bytes` (consumed up to it).
fn scan_message(mut scan: MessageScan, bytes: &[u8]) -> (usize, Option<MessageScan>) {
    for (i, &b) in bytes.iter().enumerate() {
        scan = match (scan, b) {
            (MessageScan::DotCr, b'\n') => return (i + 1, None),
            (MessageScan::LineStart, b'.') => MessageScan::Dot,
            (MessageScan::Dot, b'\r') => MessageScan::DotCr,
            (MessageScan::Cr, b'\n') => MessageScan::LineStart,
            (_, b'\r') => MessageScan::Cr,
            _ => MessageScan::Text,
        };
    }
    (bytes.len(), Some(scan))
}
