//! The replies the sandbox sends, as values that render to exact wire bytes.
//!
//! Every reply carries an enhanced status code
//! ([RFC 2034 §3](https://www.rfc-editor.org/rfc/rfc2034#section-3)) except the three that
//! RFC 2034 and RFC 4954 leave without one: the greeting, the replies to HELO/EHLO, and 334
//! challenges (whose text is base64).
//!
//! Layer: sandbox (server side), sans-IO.

use std::fmt;

/// One reply: a code and one or more lines of text (without code or separator).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServerReply {
    pub code: u16,
    pub lines: Vec<String>,
}

impl ServerReply {
    /// A one-line reply whose text starts with the enhanced code `enhanced`.
    pub fn new(code: u16, enhanced: &str, text: impl fmt::Display) -> ServerReply {
        ServerReply {
            code,
            lines: vec![format!("{enhanced} {text}")],
        }
    }

    /// A one-line reply without an enhanced code (greeting, HELO, 334).
    pub fn plain(code: u16, text: impl Into<String>) -> ServerReply {
        ServerReply {
            code,
            lines: vec![text.into()],
        }
    }

    /// A multi-line reply ([RFC 5321 §4.2.1](https://www.rfc-editor.org/rfc/rfc5321#section-4.2.1)).
    pub fn multiline(code: u16, lines: Vec<String>) -> ServerReply {
        ServerReply { code, lines }
    }

    /// The wire form: `code-text` for every line but the last, `code text` for the last.
    pub fn to_wire(&self) -> Vec<u8> {
        let mut out = String::new();
        let count = self.lines.len().max(1);
        for i in 0..count {
            let text = self.lines.get(i).map_or("", String::as_str);
            let sep = if i + 1 == count { ' ' } else { '-' };
            out.push_str(&format!("{}{sep}{text}\r\n", self.code));
        }
        out.into_bytes()
    }

    /// The lines as they appear on the wire, without CRLF (for the session log).
    pub fn wire_lines(&self) -> Vec<String> {
        String::from_utf8_lossy(&self.to_wire())
            .split_terminator("\r\n")
            .map(str::to_owned)
            .collect()
    }
}

/// `503 5.5.1`: a command out of sequence
/// ([RFC 5321 §4.3.2](https://www.rfc-editor.org/rfc/rfc5321#section-4.3.2)).
pub fn bad_sequence(text: &str) -> ServerReply {
    ServerReply::new(503, "5.5.1", format!("Error: {text}"))
}

/// `501 5.5.4`: invalid arguments, with the expected syntax.
pub fn bad_arguments(usage: &str) -> ServerReply {
    ServerReply::new(501, "5.5.4", format!("Syntax: {usage}"))
}

/// `552 5.3.4`: over the message size limit ([RFC 1870 §6](https://www.rfc-editor.org/rfc/rfc1870#section-6)).
pub fn too_big(limit: usize) -> ServerReply {
    ServerReply::new(
        552,
        "5.3.4",
        format!("Message size exceeds fixed limit of {limit} octets"),
    )
}

/// `421 4.3.2`, sent to every session when the server stops.
pub fn shutting_down(hostname: &str) -> ServerReply {
    ServerReply::new(
        421,
        "4.3.2",
        format!("{hostname} Service shutting down, closing connection"),
    )
}

/// `421 4.4.2` after the idle timeout
/// ([RFC 5321 §4.5.3.2](https://www.rfc-editor.org/rfc/rfc5321#section-4.5.3.2)).
pub fn idle_timeout(hostname: &str) -> ServerReply {
    ServerReply::new(
        421,
        "4.4.2",
        format!("{hostname} Idle timeout, closing connection"),
    )
}

/// `421 4.7.0` to a connection over the concurrency limit.
pub fn too_many_connections(hostname: &str) -> ServerReply {
    ServerReply::new(
        421,
        "4.7.0",
        format!("{hostname} Too many connections, try again later"),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn multiline_reply_uses_dash_on_all_but_last_line() {
        let reply = ServerReply::multiline(250, vec!["a".into(), "b".into(), "c".into()]);
        assert_eq!(reply.to_wire(), b"250-a\r\n250-b\r\n250 c\r\n");
        assert_eq!(reply.wire_lines(), vec!["250-a", "250-b", "250 c"]);
    }

    #[test]
    fn one_line_reply_carries_enhanced_code() {
        assert_eq!(
            ServerReply::new(250, "2.0.0", "Ok").to_wire(),
            b"250 2.0.0 Ok\r\n"
        );
        assert_eq!(bad_sequence("x").to_wire(), b"503 5.5.1 Error: x\r\n");
    }
}
