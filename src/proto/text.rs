//! Making untrusted bytes safe to show.
//!
//! Security invariant: text that came from the peer (server replies, certificate fields,
//! transcript files) never reaches a terminal raw. Control characters (C0, DEL, C1),
//! escape sequences and invalid UTF-8 are rendered as visible escapes, so a hostile server
//! cannot move the cursor, set the window title (OSC 0) or write the clipboard (OSC 52).
//!
//! Layer: protocol core (sans-IO).

use std::fmt::Write;

/// Renders bytes for display: printable UTF-8 is kept, everything else becomes a visible
/// escape (`\r`, `\n`, `\t`, `\x1b`, `\u{9b}`, and `\xff` for bytes that are not UTF-8).
pub fn escape_bytes(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len());
    for chunk in bytes.utf8_chunks() {
        escape_str_into(chunk.valid(), &mut out);
        for b in chunk.invalid() {
            // Writing to a String cannot fail.
            let _ = write!(out, "\\x{b:02x}");
        }
    }
    out
}

/// Names the kinds of control characters in untrusted bytes that a terminal would act on
/// (escape sequences, NUL, other C0 controls, 8-bit C1 controls), for a note saying what
/// the peer sent; `None` when there are none besides TAB and the line ends. Bytes that are
/// not UTF-8 count as C1 controls when they are in 0x80–0x9f (8-bit terminals read 0x9b
/// as CSI).
pub fn describe_controls(bytes: &[u8]) -> Option<String> {
    let mut kinds: Vec<&'static str> = Vec::new();
    let mut add = |kind: &'static str| {
        if !kinds.contains(&kind) {
            kinds.push(kind);
        }
    };
    for chunk in bytes.utf8_chunks() {
        let mut chars = chunk.valid().chars().peekable();
        while let Some(c) = chars.next() {
            match c {
                '\x1b' => add(match chars.peek() {
                    Some('[') => "CSI escape sequences (cursor and screen control)",
                    Some(']') => "OSC escape sequences (window title, clipboard)",
                    Some('P') => "DCS escape sequences",
                    _ => "ESC characters",
                }),
                '\0' => add("NUL bytes"),
                '\r' | '\n' | '\t' => {}
                c if (c as u32) < 0x20 || c == '\u{7f}' => add("C0 control characters"),
                c if (0x80..=0x9f).contains(&(c as u32)) => add("8-bit C1 control characters"),
                _ => {}
            }
        }
        if chunk.invalid().iter().any(|b| (0x80..=0x9f).contains(b)) {
            add("8-bit C1 control characters");
        }
    }
    (!kinds.is_empty()).then(|| kinds.join(", "))
}

/// Like [`escape_bytes`] for text already known to be UTF-8.
pub fn escape_str(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    escape_str_into(text, &mut out);
    out
}

fn escape_str_into(text: &str, out: &mut String) {
    for c in text.chars() {
        match c {
            '\r' => out.push_str("\\r"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\\' => out.push_str("\\\\"),
            c if (c as u32) < 0x20 || c == '\u{7f}' => {
                let _ = write!(out, "\\x{:02x}", c as u32);
            }
            c if is_hostile(c) => {
                let _ = write!(out, "\\u{{{:x}}}", c as u32);
            }
            c => out.push(c),
        }
    }
}

/// Whether a terminal would act on `c` or it can disguise text: C0 controls, DEL, C1
/// controls (U+0080–U+009F, escape introducers on some terminals), bidi controls (U+061C,
/// U+200E–U+200F, U+202A–U+202E, U+2066–U+2069), zero-width characters (U+200B–U+200D,
/// U+2060, the BOM U+FEFF) and the line and paragraph separators (U+2028–U+2029).
///
/// The one list both sinks use: [`escape_str`] and [`escape_bytes`] for a terminal or a text
/// file, and the JSON writer (`crate::output::safe_json`) for JSON.
pub fn is_hostile(c: char) -> bool {
    matches!(c as u32,
        0x00..=0x1f
        | 0x7f..=0x9f
        | 0x061c
        | 0x200b..=0x200f
        | 0x2028..=0x202e
        | 0x2060
        | 0x2066..=0x2069
        | 0xfeff)
}

/// Lower-case hex of bytes (fingerprints, digests).
pub fn hex(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        let _ = write!(out, "{b:02x}");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn control_characters_are_named_by_kind() {
        assert_eq!(describe_controls(b"250 ok\tfine\r\n"), None);
        let found = describe_controls(b"220 \x1b[2J \x1b]0;t\x07 \x00 \x9b").unwrap_or_default();
        for kind in ["CSI", "OSC", "NUL", "C0", "C1"] {
            assert!(found.contains(kind), "{kind} missing from {found}");
        }
        assert!(describe_controls("\u{9b}2J".as_bytes()).is_some());
    }

    #[test]
    fn control_and_escape_sequences_become_visible() {
        assert_eq!(escape_bytes(b"220 ok\r\n"), "220 ok\\r\\n");
        assert_eq!(
            escape_bytes(b"\x1b[2J\x1b]0;pwned\x07"),
            "\\x1b[2J\\x1b]0;pwned\\x07"
        );
        assert_eq!(escape_bytes(b"a\x00b\x7f"), "a\\x00b\\x7f");
        assert_eq!(escape_bytes("c1 \u{9b}31m".as_bytes()), "c1 \\u{9b}31m");
        assert_eq!(
            escape_bytes("rtl \u{202e}txt".as_bytes()),
            "rtl \\u{202e}txt"
        );
    }

    #[test]
    fn invalid_utf8_is_shown_as_hex_and_valid_utf8_kept() {
        assert_eq!(escape_bytes(b"caf\xc3\xa9 \xff\xfe"), "café \\xff\\xfe");
        assert_eq!(escape_bytes("Grüße ✓".as_bytes()), "Grüße ✓");
    }

    #[test]
    fn separators_marks_and_joiners_are_escaped_too() {
        assert_eq!(
            escape_str("a\u{2028}b\u{2029}c\u{61c}d\u{2060}e"),
            "a\\u{2028}b\\u{2029}c\\u{61c}d\\u{2060}e"
        );
        assert!(!is_hostile('é') && !is_hostile(' ') && is_hostile('\u{85}'));
    }

    #[test]
    fn backslash_is_escaped_so_output_is_unambiguous() {
        assert_eq!(escape_bytes(b"a\\x1b"), "a\\\\x1b");
    }

    #[test]
    fn hex_is_lowercase_pairs() {
        assert_eq!(hex(&[0, 0xab, 0x10]), "00ab10");
    }
}
