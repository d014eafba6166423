//! Enhanced mail system status codes ([RFC 3463](https://www.rfc-editor.org/rfc/rfc3463)),
//! as carried at the start of reply text by servers that advertise `ENHANCEDSTATUSCODES`
//! ([RFC 2034 §4](https://www.rfc-editor.org/rfc/rfc2034#section-4)).
//!
//! Layer: protocol core (sans-IO).

use std::fmt;

/// `class.subject.detail` — class is 2, 4 or 5; subject and detail are 1 to 3 digits
/// ([RFC 3463 §2](https://www.rfc-editor.org/rfc/rfc3463#section-2)).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct EnhancedCode {
    pub class: u8,
    pub subject: u16,
    pub detail: u16,
}

impl fmt::Display for EnhancedCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}.{}", self.class, self.subject, self.detail)
    }
}

impl EnhancedCode {
    /// Recognises an enhanced code at the start of `text` (the reply text after the
    /// basic code and separator). Returns the code and the number of bytes it spans.
    ///
    /// The code must be followed by a space, a tab or the end of the text, so that
    /// `2.0.0Ok` or a version number like `5.7.1.2` is not mistaken for one.
    pub fn parse_prefix(text: &[u8]) -> Option<(EnhancedCode, usize)> {
        let class = *text.first()?;
        if !matches!(class, b'2' | b'4' | b'5') || text.get(1) != Some(&b'.') {
            return None;
        }
        let (subject, subject_len) = number(&text[2..])?;
        let after_subject = 2 + subject_len;
        if text.get(after_subject) != Some(&b'.') {
            return None;
        }
        let (detail, detail_len) = number(&text[after_subject + 1..])?;
        let end = after_subject + 1 + detail_len;
        match text.get(end) {
            None | Some(b' ') | Some(b'\t') => Some((
                EnhancedCode {
                    class: class - b'0',
                    subject,
                    detail,
                },
                end,
            )),
            _ => None,
        }
    }

    /// Parses a whole string such as `5.7.1`.
    pub fn parse(text: &str) -> Option<EnhancedCode> {
        match EnhancedCode::parse_prefix(text.trim().as_bytes()) {
            Some((code, len)) if len == text.trim().len() => Some(code),
            _ => None,
        }
    }
}

/// One to three ASCII digits, no leading zeros beyond a lone `0`
/// ([RFC 3463 §2](https://www.rfc-editor.org/rfc/rfc3463#section-2): `1*3digit`).
fn number(bytes: &[u8]) -> Option<(u16, usize)> {
    let len = bytes
        .iter()
        .take(4)
        .take_while(|b| b.is_ascii_digit())
        .count();
    if len == 0 || len > 3 {
        return None;
    }
    let value = bytes[..len]
        .iter()
        .fold(0u16, |acc, b| acc * 10 + u16::from(b - b'0'));
    Some((value, len))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recognises_codes_followed_by_text_or_end() {
        type Expected = Option<(u8, u16, u16, usize)>;
        let cases: &[(&[u8], Expected)] = &[
            (b"2.0.0 Ok", Some((2, 0, 0, 5))),
            (b"5.7.1", Some((5, 7, 1, 5))),
            (b"4.7.1\tTry again", Some((4, 7, 1, 5))),
            (b"5.7.139 Authentication unsuccessful", Some((5, 7, 139, 7))),
            (b"2.1.5 Ok", Some((2, 1, 5, 5))),
            (b"3.0.0 nope", None),
            (b"2.0.0Ok", None),
            (b"5.7.1.2 version", None),
            (b"5.7.1234 too long", None),
            (b"5..1 x", None),
            (b"mx.example.com ESMTP", None),
            (b"", None),
            (b"2.", None),
        ];
        for (input, expected) in cases {
            let got =
                EnhancedCode::parse_prefix(input).map(|(c, n)| (c.class, c.subject, c.detail, n));
            assert_eq!(got, *expected, "input {:?}", String::from_utf8_lossy(input));
        }
    }

    #[test]
    fn whole_string_parse_and_display_round_trip() {
        let code = EnhancedCode::parse("5.7.57").expect("valid code");
        assert_eq!(code.to_string(), "5.7.57");
        assert_eq!(EnhancedCode::parse("5.7.57 x"), None);
        assert_eq!(EnhancedCode::parse("550"), None);
    }
}
