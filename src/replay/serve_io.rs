//! The served connection's wire: plaintext or TLS, and the bytes read but not yet used.
//! Every read is bounded ([`MAX_LINE`], [`MAX_BODY`]) and times out after [`IDLE_TIMEOUT`].
//!
//! Layer: front end for transcripts (tokio).

use std::io;
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use super::serve::{IDLE_TIMEOUT, MAX_BODY, MAX_LINE};
use crate::proto::text::escape_bytes;

/// Why the wire could not give what was asked of it: the socket failed or went quiet, or the
/// client sent more than a limit or stopped halfway. The text ends the connection's output
/// ("connection closed: …").
#[derive(Debug, thiserror::Error)]
pub enum WireError {
    /// A write after the connection was given up (a failed TLS upgrade).
    #[error("no connection")]
    NoConnection,
    #[error("write failed: {source}")]
    Write { source: io::Error },
    #[error("read failed: {source}")]
    Read { source: io::Error },
    #[error("the client was silent for {} s", .after.as_secs())]
    Silent { after: Duration },
    #[error("a command line longer than {limit} bytes")]
    LineTooLong { limit: usize },
    #[error("a message larger than {limit} bytes")]
    MessageTooLarge { limit: usize },
    #[error("the client closed the connection in the middle of the message")]
    ClosedInMessage,
    /// `line` is escaped for the terminal.
    #[error("a BDAT line without a size: {line}")]
    BdatWithoutSize { line: String },
    #[error("a BDAT chunk larger than {limit} bytes")]
    ChunkTooLarge { limit: usize },
    #[error("the client closed the connection in the middle of a BDAT chunk")]
    ClosedInChunk,
}

/// The connection, before or after TLS.
pub enum Io {
    Plain(TcpStream),
    Tls(Box<tokio_rustls::server::TlsStream<TcpStream>>),
    Gone,
}

/// The connection and its read buffer.
pub struct Wire {
    pub io: Io,
    /// Bytes read but not yet used.
    pub pending: Vec<u8>,
}

impl Wire {
    pub async fn write(&mut self, bytes: &[u8]) -> Result<(), WireError> {
        let result = match &mut self.io {
            Io::Plain(s) => s.write_all(bytes).await,
            Io::Tls(s) => match s.write_all(bytes).await {
                Ok(()) => s.flush().await,
                Err(e) => Err(e),
            },
            Io::Gone => return Err(WireError::NoConnection),
        };
        result.map_err(|source| WireError::Write { source })
    }

    /// Reads more bytes into `pending`; false at end of stream.
    pub async fn fill(&mut self) -> Result<bool, WireError> {
        let mut buf = [0u8; 16 * 1024];
        let read = async {
            match &mut self.io {
                Io::Plain(s) => s.read(&mut buf).await,
                Io::Tls(s) => s.read(&mut buf).await,
                Io::Gone => Ok(0),
            }
        };
        let n = match tokio::time::timeout(IDLE_TIMEOUT, read).await {
            Ok(Ok(n)) => n,
            // A TLS client that just hangs up (no close_notify) has closed, nothing more.
            Ok(Err(e)) if e.kind() == std::io::ErrorKind::UnexpectedEof => 0,
            Ok(Err(source)) => return Err(WireError::Read { source }),
            Err(_) => {
                return Err(WireError::Silent {
                    after: IDLE_TIMEOUT,
                });
            }
        };
        self.pending.extend_from_slice(&buf[..n]);
        Ok(n > 0)
    }

    /// One line including its LF; `None` when the client closed first.
    pub async fn read_line(&mut self) -> Result<Option<Vec<u8>>, WireError> {
        loop {
            if let Some(i) = self.pending.iter().position(|&b| b == b'\n') {
                return Ok(Some(self.pending.drain(..=i).collect()));
            }
            if self.pending.len() > MAX_LINE {
                return Err(WireError::LineTooLong { limit: MAX_LINE });
            }
            if !self.fill().await? {
                return Ok(None);
            }
        }
    }

    /// DATA content up to and including the end marker `CRLF . CRLF`.
    pub async fn read_body(&mut self) -> Result<Vec<u8>, WireError> {
        loop {
            let end = if self.pending.starts_with(b".\r\n") {
                Some(3)
            } else {
                find(&self.pending, b"\r\n.\r\n").map(|i| i + 5)
            };
            if let Some(end) = end {
                return Ok(self.pending.drain(..end).collect());
            }
            if self.pending.len() > MAX_BODY {
                return Err(WireError::MessageTooLarge { limit: MAX_BODY });
            }
            if !self.fill().await? {
                return Err(WireError::ClosedInMessage);
            }
        }
    }

    /// Reads (and drops) the chunk announced by a `BDAT n` line.
    pub async fn read_chunk(&mut self, line: &[u8]) -> Result<(), WireError> {
        let text = String::from_utf8_lossy(line);
        let size: usize = text
            .split_ascii_whitespace()
            .nth(1)
            .and_then(|n| n.parse().ok())
            .ok_or_else(|| WireError::BdatWithoutSize {
                line: escape_bytes(line),
            })?;
        if size > MAX_BODY {
            return Err(WireError::ChunkTooLarge { limit: MAX_BODY });
        }
        while self.pending.len() < size {
            if !self.fill().await? {
                return Err(WireError::ClosedInChunk);
            }
        }
        self.pending.drain(..size);
        Ok(())
    }
}

/// A line without its CRLF (or bare LF).
pub fn trim_line_end(line: &[u8]) -> &[u8] {
    let line = line.strip_suffix(b"\n").unwrap_or(line);
    line.strip_suffix(b"\r").unwrap_or(line)
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}
