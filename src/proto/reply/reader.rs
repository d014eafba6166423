//! [`ReplyReader`]: the reply parser with its own input buffer, as the transport uses it.
//!
//! Layer: protocol core (sans-IO). A child of `proto::reply` (kept in its own file for
//! length), so it may use the parser's private resumable entry point.

use super::{Limits, Reply, ReplyError, ReplyParser};

/// A [`ReplyParser`] that owns its input buffer: push bytes as they arrive, pull replies.
/// The buffer is inspectable so that bytes received after the 220 to STARTTLS (response
/// injection, CVE-2011-0411) can be found and discarded before the TLS handshake
/// ([RFC 3207 §6](https://www.rfc-editor.org/rfc/rfc3207#section-6)).
#[derive(Debug, Clone, Default)]
pub struct ReplyReader {
    parser: ReplyParser,
    /// Received bytes; those before `start` are consumed.
    buffer: Vec<u8>,
    /// Consumed replies are skipped, not moved out: a read holding a hundred pipelined
    /// replies would otherwise move the rest of the buffer a hundred times. The consumed
    /// prefix is dropped on the next [`ReplyReader::push`].
    start: usize,
    /// Bytes after `start` already searched for a line end without finding one.
    searched: usize,
}

impl ReplyReader {
    pub fn new(limits: Limits) -> ReplyReader {
        ReplyReader {
            parser: ReplyParser::new(limits),
            buffer: Vec::new(),
            start: 0,
            searched: 0,
        }
    }

    pub fn push(&mut self, bytes: &[u8]) {
        if self.start > 0 {
            self.buffer.drain(..self.start);
            self.start = 0;
        }
        self.buffer.extend_from_slice(bytes);
    }

    /// The next complete reply, if the buffer holds one.
    pub fn next_reply(&mut self) -> Result<Option<Reply>, ReplyError> {
        let held = self.parser.pending_len;
        let result = self
            .parser
            .parse_from(&self.buffer[self.start..], self.searched);
        if result.is_err() {
            // Lines taken before the limit was hit are held by the parser now: skip them
            // here, or `take_all` and `finish` would return them twice (found by fuzzing).
            self.start += self.parser.pending_len - held;
            self.searched = 0;
        }
        let (consumed, reply) = result?;
        self.start += consumed;
        self.searched = if reply.is_some() {
            0
        } else {
            // No reply: everything left is one unfinished line, searched to its end.
            self.buffer.len() - self.start
        };
        if self.start == self.buffer.len() {
            self.buffer.clear();
            self.start = 0;
        }
        Ok(reply)
    }

    /// Bytes received but not yet consumed as lines (a partial line, or complete lines
    /// after a reply that was just returned). Lines of an unfinished reply are held by the
    /// parser instead; see [`ReplyReader::in_progress`] and [`ReplyReader::take_all`].
    pub fn buffered(&self) -> &[u8] {
        &self.buffer[self.start..]
    }

    /// Whether anything at all is held: unparsed bytes or lines of an unfinished reply.
    pub fn in_progress(&self) -> bool {
        !self.buffered().is_empty() || self.parser.in_progress()
    }

    /// Takes and clears everything held (unfinished reply lines and unparsed bytes), as
    /// raw bytes. Used to discard injected plaintext after STARTTLS.
    pub fn take_all(&mut self) -> Vec<u8> {
        let mut held = self.parser.finish(&[]).map(|r| r.raw()).unwrap_or_default();
        held.extend_from_slice(self.buffered());
        self.clear_buffer();
        held
    }

    /// End of input: whatever was held, as a reply flagged unterminated.
    pub fn finish(&mut self) -> Option<Reply> {
        let rest = std::mem::take(&mut self.buffer);
        let start = self.start;
        self.clear_buffer();
        self.parser.finish(&rest[start..])
    }

    fn clear_buffer(&mut self) {
        self.buffer.clear();
        self.start = 0;
        self.searched = 0;
    }
}
