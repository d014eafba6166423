//! A SASL exchange typed by hand (`AUTH PLAIN <base64>`, or `AUTH LOGIN` and the answers to
//! its 334s): each secret line is recorded and shown redacted, as always, and here it also
//! gets its decoded form beside it with the secret part masked — the same view the AUTH form
//! gives ([RFC 4954 §4](https://www.rfc-editor.org/rfc/rfc4954#section-4)), for people
//! learning what the base64 carries.
//!
//! Only what is known not to be the secret is shown: PLAIN's authorization and user names
//! ([RFC 4616 §2](https://www.rfc-editor.org/rfc/rfc4616#section-2)), LOGIN's answer to a
//! `Username:` challenge, CRAM-MD5's user name
//! ([RFC 2195 §2](https://www.rfc-editor.org/rfc/rfc2195#section-2)), XOAUTH2's `user=`.
//! Anything that does not have the expected shape is masked whole.
//!
//! Layer: app state (pure functions of the typed line and the last challenge).

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use zeroize::Zeroizing;

use crate::proto::text::escape_bytes;

/// A typed exchange under way: from `AUTH` until a reply other than 334.
#[derive(Debug, Clone, Default)]
pub struct TypedAuth {
    /// Upper-case mechanism name as typed.
    pub mechanism: String,
    /// The last 334's challenge, decoded (server text, not secret).
    pub challenge: Option<Vec<u8>>,
    /// Responses typed so far after the `AUTH` line.
    pub responses: u8,
    /// The decoded, masked form of the secret line just submitted, for its transcript entry.
    pub pending: Option<String>,
}

impl TypedAuth {
    /// `AUTH mechanism [initial-response]` as typed; `None` for any other line.
    pub fn start(line: &str) -> Option<TypedAuth> {
        let mut words = line.split_ascii_whitespace();
        if !words.next()?.eq_ignore_ascii_case("AUTH") {
            return None;
        }
        let mechanism = words.next()?.to_ascii_uppercase();
        let mut typed = TypedAuth {
            mechanism,
            ..TypedAuth::default()
        };
        typed.pending = words.next().map(|initial| typed.decode(initial, true));
        Some(typed)
    }

    /// A typed answer to a 334.
    pub fn respond(&mut self, line: &str) {
        let response = line.trim();
        self.pending = Some(self.decode(response, false));
        self.responses = self.responses.saturating_add(1);
    }

    /// The decoded form of a response (`initial`: given on the `AUTH` line), secrets masked.
    fn decode(&self, base64: &str, initial: bool) -> String {
        let mask = "••••";
        // RFC 4954 §4: `=` is an empty initial response.
        let text = if initial && base64 == "=" { "" } else { base64 };
        let Ok(bytes) = BASE64.decode(text).map(Zeroizing::new) else {
            return "not base64".to_owned();
        };
        let shown = match self.mechanism.as_str() {
            "PLAIN" => {
                let parts: Vec<&[u8]> = bytes.split(|&b| b == 0).collect();
                match parts.as_slice() {
                    [authzid, user, _] => Some(format!(
                        "{}\\0{}\\0{mask}",
                        escape_bytes(authzid),
                        escape_bytes(user)
                    )),
                    _ => None,
                }
            }
            "LOGIN" if initial || self.asks_for_user() => Some(escape_bytes(&bytes)),
            "LOGIN" if self.asks_for_password() => Some(mask.to_owned()),
            "CRAM-MD5" => bytes
                .iter()
                .rposition(|&b| b == b' ')
                .map(|space| format!("{} {mask}", escape_bytes(&bytes[..space]))),
            "XOAUTH2" if bytes.is_empty() => Some(String::new()),
            "XOAUTH2" => xoauth2(&bytes, mask),
            _ => None,
        };
        shown.unwrap_or_else(|| format!("{mask} ({} bytes)", bytes.len()))
    }

    fn challenge_starts(&self, word: &str) -> bool {
        self.challenge.as_deref().is_some_and(|c| {
            let text = String::from_utf8_lossy(c).trim().to_ascii_lowercase();
            text.starts_with(word)
        })
    }

    fn asks_for_user(&self) -> bool {
        self.challenge_starts("user")
    }

    fn asks_for_password(&self) -> bool {
        self.challenge_starts("pass")
    }
}

/// `user=U ^A auth=Bearer T ^A ^A` with the token masked, if it has that shape.
fn xoauth2(bytes: &[u8], mask: &str) -> Option<String> {
    let user = bytes.strip_prefix(b"user=")?;
    let end = user.iter().position(|&b| b == 1)?;
    let rest = &user[end..];
    let scheme = rest.strip_prefix(b"\x01auth=")?;
    let space = scheme.iter().position(|&b| b == b' ')?;
    Some(format!(
        "user={}\\x01auth={} {mask}\\x01\\x01",
        escape_bytes(&user[..end]),
        escape_bytes(&scheme[..space])
    ))
}

impl crate::app::App {
    /// A line about to be sent in command mode: the start of a typed SASL exchange, or a
    /// typed answer to its 334 (not when the AUTH form runs the exchange).
    pub(in crate::app) fn note_typed_auth(&mut self, line: &str) {
        if self.auth_trace.is_some() {
            return;
        }
        if self.in_auth_exchange() {
            if let Some(typed) = self.typed_auth.as_mut()
                && crate::proto::auth::looks_like_auth_secret(line, true)
            {
                typed.respond(line);
            }
            return;
        }
        if let Some(typed) = TypedAuth::start(line) {
            self.typed_auth = Some(typed);
        }
    }

    /// What the driver reports during a typed exchange: a secret line sent gets its decoded
    /// form, a 334 is remembered, any other reply ends the exchange.
    pub(in crate::app) fn trace_typed_auth(
        &mut self,
        event: &crate::driver::SessionEvent,
        new: &mut [crate::app::Entry],
    ) {
        use crate::driver::SessionEvent;
        let Some(typed) = self.typed_auth.as_mut() else {
            return;
        };
        match event {
            SessionEvent::Sent {
                secret: true,
                shown: sent,
                ..
            } => {
                if let (Some(shown), Some(first)) = (
                    typed.pending.take(),
                    new.first_mut().and_then(|e| e.lines.first_mut()),
                ) {
                    let (bullets, shown) = if self.ascii {
                        ("********", shown.replace('•', "*"))
                    } else {
                        ("••••••••", shown)
                    };
                    *first = format!(
                        "{}  [{shown}]",
                        crate::app::auth::form::mask_redaction(sent, bullets)
                    );
                }
            }
            SessionEvent::Received { reply, .. } if reply.code() == Some(334) => {
                typed.challenge = reply
                    .lines
                    .last()
                    .and_then(|line| crate::proto::auth::decode_challenge(line.text()).ok());
            }
            SessionEvent::Received { .. }
            | SessionEvent::Closed { .. }
            | SessionEvent::Connected { .. } => {
                self.typed_auth = None;
            }
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn b64(bytes: &[u8]) -> String {
        BASE64.encode(bytes)
    }

    #[test]
    fn plain_shows_the_names_and_masks_the_password() {
        let line = format!("AUTH PLAIN {}", b64(b"\0demo\0s3cret-pw"));
        let typed = TypedAuth::start(&line).expect("an AUTH line");
        let shown = typed.pending.expect("decoded");
        assert_eq!(shown, "\\0demo\\0••••");
        let line = format!("auth plain {}", b64(b"admin\0demo\0s3cret-pw"));
        let shown = TypedAuth::start(&line).and_then(|t| t.pending);
        assert_eq!(shown.as_deref(), Some("admin\\0demo\\0••••"));
    }

    #[test]
    fn login_shows_the_user_only_when_the_challenge_asks_for_it() {
        let mut typed = TypedAuth::start("AUTH LOGIN").expect("an AUTH line");
        assert!(typed.pending.is_none());
        typed.challenge = Some(b"Username:".to_vec());
        typed.respond(&b64(b"demo"));
        assert_eq!(typed.pending.take().as_deref(), Some("demo"));
        typed.challenge = Some(b"Password:".to_vec());
        typed.respond(&b64(b"s3cret-pw"));
        assert_eq!(typed.pending.take().as_deref(), Some("••••"));
        // A challenge that is neither: masked whole.
        typed.challenge = Some(b"What?".to_vec());
        typed.respond(&b64(b"s3cret-pw"));
        assert_eq!(typed.pending.take().as_deref(), Some("•••• (9 bytes)"));
        // The initial response of AUTH LOGIN is the user name.
        let line = format!("AUTH LOGIN {}", b64(b"demo"));
        assert_eq!(
            TypedAuth::start(&line).and_then(|t| t.pending).as_deref(),
            Some("demo")
        );
    }

    #[test]
    fn cram_md5_and_xoauth2_show_the_user_and_mask_the_rest() {
        let mut typed = TypedAuth::start("AUTH CRAM-MD5").expect("an AUTH line");
        typed.respond(&b64(b"demo 0123456789abcdef0123456789abcdef"));
        assert_eq!(typed.pending.as_deref(), Some("demo ••••"));
        let line = format!(
            "AUTH XOAUTH2 {}",
            b64(b"user=a@b.test\x01auth=Bearer ya29.token\x01\x01")
        );
        let shown = TypedAuth::start(&line).and_then(|t| t.pending);
        assert_eq!(
            shown.as_deref(),
            Some("user=a@b.test\\x01auth=Bearer ••••\\x01\\x01")
        );
    }

    #[test]
    fn anything_unexpected_is_masked_whole_and_never_shown() {
        for (line, expected) in [
            (
                format!("AUTH PLAIN {}", b64(b"no-nuls-here")),
                "•••• (12 bytes)",
            ),
            (
                format!("AUTH PLAIN {}", b64(b"a\0b\0c\0d")),
                "•••• (7 bytes)",
            ),
            ("AUTH PLAIN not*base64".to_owned(), "not base64"),
            (
                format!("AUTH SCRAM-SHA-256 {}", b64(b"n,,n=u,r=x")),
                "•••• (10 bytes)",
            ),
            (
                format!("AUTH XOAUTH2 {}", b64(b"token-only")),
                "•••• (10 bytes)",
            ),
            ("AUTH PLAIN =".to_owned(), "•••• (0 bytes)"),
        ] {
            let shown = TypedAuth::start(&line).and_then(|t| t.pending);
            assert_eq!(shown.as_deref(), Some(expected), "{line}");
        }
        assert!(TypedAuth::start("MAIL FROM:<a@b>").is_none());
        // Control characters in a decoded name are escaped.
        let line = format!("AUTH PLAIN {}", b64(b"\0de\x1b[2Jmo\0pw"));
        let shown = TypedAuth::start(&line).and_then(|t| t.pending);
        assert_eq!(shown.as_deref(), Some("\\0de\\x1b[2Jmo\\0••••"));
    }
}
