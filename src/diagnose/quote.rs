//! Replies and bytes quoted into a diagnosis: short, escaped once.
//!
//! Layer: diagnoses.

use crate::proto::reply::Reply;
use crate::proto::text::escape_bytes;

pub(super) fn ports(list: &[u16]) -> String {
    let words: Vec<String> = list.iter().map(u16::to_string).collect();
    match words.as_slice() {
        [] => "none".to_string(),
        [one] => one.clone(),
        [rest @ .., last] => format!("{} and {last}", rest.join(", ")),
    }
}

/// The first line of a reply, shortened, as the server sent it: what a [`Diagnosis`](super::Diagnosis) or a
/// [`Breach`](super::breach::Breach) quotes (their sinks escape it).
pub fn excerpt_reply(reply: &Reply) -> String {
    let first = reply.lines.first().map(|l| l.raw.as_slice()).unwrap_or(&[]);
    excerpt_bytes(first)
}

/// The first line of untrusted bytes, at most 80 of them, as text (invalid UTF-8 replaced),
/// not escaped: for a message whose sink escapes.
pub fn excerpt_bytes(bytes: &[u8]) -> String {
    let line = bytes.split(|&b| b == b'\n').next().unwrap_or_default();
    let line = line.strip_suffix(b"\r").unwrap_or(line);
    let mut text = String::from_utf8_lossy(&line[..line.len().min(80)]).into_owned();
    if line.len() > 80 {
        text.push('…');
    }
    text
}

/// The first line of a reply, escaped and shortened: what a report that stores escaped text
/// quotes (scan).
pub fn quote_reply(reply: &Reply) -> String {
    let first = reply.lines.first().map(|l| l.raw.as_slice()).unwrap_or(&[]);
    quote_bytes(first)
}

/// The first line of untrusted bytes, escaped, at most 80 characters.
pub fn quote_bytes(bytes: &[u8]) -> String {
    let line = bytes.split(|&b| b == b'\n').next().unwrap_or_default();
    let line = line.strip_suffix(b"\r").unwrap_or(line);
    let mut text = escape_bytes(&line[..line.len().min(80)]);
    if line.len() > 80 {
        text.push('…');
    }
    text
}
