//! The served connection's wire: plaintext or TLS, and the bytes read but not yet used.
//! Every read is bounded ([`MAX_LINE`], [`MAX_BODY`]) and times out after [`IDLE_TIMEOUT`].
//!
//! Layer: front end for transcripts (tokio).

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use super::serve::{IDLE_TIMEOUT, MAX_BODY, MAX_LINE};
use crate::proto::text::escape_bytes;

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
    pub async fn write(&mut self, bytes: &[u8]) -> Result<(), String> {
        let result = match &mut self.io {
            Io::Plain(s) => s.write_all(bytes).await,
            Io::Tls(s) => match s.write_all(bytes).await {
                Ok(()) => s.flush().await,
                Err(e) => Err(e),
            },
            Io::Gone => return Err("no connection".into()),
        };
        result.map_err(|e| format!("write failed: {e}"))
    }

    /// Reads more bytes into `pending`; false at end of stream.
    pub async fn fill(&mut self) -> Result<bool, String> {
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
            Ok(Err(e)) => return Err(format!("read failed: {e}")),
            Err(_) => return Err("the client was silent for 300 s".into()),
        };
        self.pending.extend_from_slice(&buf[..n]);
        Ok(n > 0)
    }

    /// One line including its LF; `None` when the client closed first.
    pub async fn read_line(&mut self) -> Result<Option<Vec<u8>>, String> {
        loop {
            if let Some(i) = self.pending.iter().position(|&b| b == b'\n') {
                return Ok(Some(self.pending.drain(..=i).collect()));
            }
            if self.pending.len() > MAX_LINE {
                return Err(format!("a command line longer than {MAX_LINE} bytes"));
            }
            if !self.fill().await? {
                return Ok(None);
            }
        }
    }

    /// DATA content up to and including the end marker `CRLF . CRLF`.
    pub async fn read_body(&mut self) -> Result<Vec<u8>, String> {
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
                return Err(format!("a message larger than {MAX_BODY} bytes"));
            }
            if !self.fill().await? {
                return Err("the client closed the connection in the middle of the message".into());
            }
        }
    }

    /// Reads (and drops) the chunk announced by a `BDAT n` line.
    pub async fn read_chunk(&mut self, line: &[u8]) -> Result<(), String> {
        let text = String::from_utf8_lossy(line);
        let size: usize = text
            .split_ascii_whitespace()
            .nth(1)
            .and_then(|n| n.parse().ok())
            .ok_or_else(|| format!("a BDAT line without a size: {}", escape_bytes(line)))?;
        if size > MAX_BODY {
            return Err(format!("a BDAT chunk larger than {MAX_BODY} bytes"));
        }
        while self.pending.len() < size {
            if !self.fill().await? {
                return Err(
                    "the client closed the connection in the middle of a BDAT chunk".into(),
                );
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
