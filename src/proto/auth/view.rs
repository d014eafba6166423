//! What a person may see of a SASL exchange: each client message decoded with its secret
//! part masked, and each 334 challenge decoded. The explorer (AUTH form and AUTH typed by
//! hand) and the probe show exchanges through this one view, so they show the same.
//!
//! Only what is known not to be the secret is shown: PLAIN's authorization and user names
//! ([RFC 4616 §2](https://www.rfc-editor.org/rfc/rfc4616#section-2)), LOGIN's user name,
//! CRAM-MD5's user name ([RFC 2195 §2](https://www.rfc-editor.org/rfc/rfc2195#section-2)),
//! XOAUTH2's `user=`. A message that does not have the expected shape is masked whole.
//!
//! Every piece of text it returns is escaped ([`escape_bytes`]): a user name or a challenge
//! with escape sequences never reaches a terminal raw.
//!
//! Layer: protocol core (`proto`), sans-IO. A child of [`auth`](crate::proto::auth).

use base64::{Engine, engine::general_purpose::STANDARD};
use zeroize::Zeroizing;

use super::{Mechanism, decode_challenge};
use crate::proto::text::escape_bytes;

/// The mask that stands for a secret in a decoded message.
pub const MASK: &str = "••••";

/// A 334 challenge as a person reads it (RFC 4954 §4: its text is base64): decoded and
/// escaped, `empty challenge`, or `not base64`.
pub fn challenge_text(text: &[u8]) -> String {
    match decode_challenge(text) {
        Ok(bytes) if bytes.is_empty() => "empty challenge".into(),
        Ok(bytes) => match super::oauth_error_status(&bytes) {
            // RFC 7628 §3.2.2: the token was refused; the client answers ^A and the server
            // sends the final reply.
            Some(status) => format!(
                "OAuth error: {} — {}",
                escape_bytes(status.as_bytes()),
                escape_bytes(&bytes)
            ),
            None => escape_bytes(&bytes),
        },
        Err(_) => "not base64".into(),
    }
}

/// One exchange, from `AUTH` until a reply other than 334: which mechanism, who (when the
/// client knows it), the last challenge and how many client messages went out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SaslView {
    mechanism: Mechanism,
    /// The user name the built-in client sends, when the view follows it.
    user: Option<String>,
    /// The last 334's challenge, decoded (server text, not secret).
    challenge: Option<Vec<u8>>,
    /// Client messages shown so far (an initial response counts).
    step: u8,
}

impl SaslView {
    /// An exchange typed by hand: the messages are decoded from what was typed.
    pub fn typed(mechanism: Mechanism) -> SaslView {
        SaslView {
            mechanism,
            user: None,
            challenge: None,
            step: 0,
        }
    }

    /// An exchange the built-in client runs for `user` ([`super::SaslClient`]): its messages
    /// are known by position, so the secret bytes need not be at hand.
    pub fn client(mechanism: Mechanism, user: impl Into<String>) -> SaslView {
        SaslView {
            user: Some(user.into()),
            ..SaslView::typed(mechanism)
        }
    }

    /// `AUTH mechanism …` as typed or sent: the view of its exchange; `None` for any other
    /// line.
    pub fn from_auth_line(line: &str) -> Option<SaslView> {
        let mut words = line.split_ascii_whitespace();
        if !words.next()?.eq_ignore_ascii_case("AUTH") {
            return None;
        }
        let name = words.next()?;
        let mechanism = name
            .parse()
            .unwrap_or_else(|_| Mechanism::Other(name.to_ascii_uppercase()));
        Some(SaslView::typed(mechanism))
    }

    pub fn mechanism(&self) -> &Mechanism {
        &self.mechanism
    }

    /// A 334 arrived: its text (base64) is the challenge the next message answers.
    pub fn on_challenge(&mut self, text: &[u8]) {
        self.challenge = decode_challenge(text).ok();
    }

    /// The next message of the built-in client, as [`super::SaslClient`] builds it by
    /// position; `None` when the view does not know the user or the mechanism has no
    /// such message.
    pub fn next_sent(&mut self) -> Option<String> {
        let user = escape_bytes(self.user.as_deref()?.as_bytes());
        let shown = match (&self.mechanism, self.step) {
            (Mechanism::Plain, 0) => Some(format!("\\0{user}\\0{MASK}")),
            (Mechanism::Login, 0) => Some(user),
            (Mechanism::Login, 1) => Some(MASK.to_string()),
            (Mechanism::CramMd5, 0) => Some(format!("{user} {MASK}")),
            (Mechanism::XOAuth2, 0) => {
                Some(format!("user={user}\\x01auth=Bearer {MASK}\\x01\\x01"))
            }
            (Mechanism::XOAuth2, 1) => Some(String::new()),
            (Mechanism::OAuthBearer, 0) => {
                Some(format!("n,a={user},\\x01auth=Bearer {MASK}\\x01\\x01"))
            }
            (Mechanism::OAuthBearer, 1) => Some("\\x01".to_owned()),
            _ => None,
        };
        self.step = self.step.saturating_add(1);
        shown
    }

    /// A message typed by hand (`base64`; `initial`: given on the `AUTH` line), decoded with
    /// the secret masked.
    pub fn next_typed(&mut self, base64: &str, initial: bool) -> String {
        self.step = self.step.saturating_add(1);
        // RFC 4954 §4: `=` is an empty initial response.
        let text = if initial && base64 == "=" { "" } else { base64 };
        let Ok(bytes) = STANDARD.decode(text).map(Zeroizing::new) else {
            return "not base64".to_owned();
        };
        let shown = match &self.mechanism {
            Mechanism::Plain => {
                let parts: Vec<&[u8]> = bytes.split(|&b| b == 0).collect();
                match parts.as_slice() {
                    [authzid, user, _] => Some(format!(
                        "{}\\0{}\\0{MASK}",
                        escape_bytes(authzid),
                        escape_bytes(user)
                    )),
                    _ => None,
                }
            }
            Mechanism::Login if initial || self.challenge_starts("user") => {
                Some(escape_bytes(&bytes))
            }
            Mechanism::Login if self.challenge_starts("pass") => Some(MASK.to_owned()),
            Mechanism::CramMd5 => bytes
                .iter()
                .rposition(|&b| b == b' ')
                .map(|space| format!("{} {MASK}", escape_bytes(&bytes[..space]))),
            Mechanism::XOAuth2 if bytes.is_empty() => Some(String::new()),
            Mechanism::XOAuth2 => xoauth2(&bytes),
            Mechanism::OAuthBearer if bytes.as_slice() == b"\x01" => Some("\\x01".to_owned()),
            Mechanism::OAuthBearer => oauthbearer(&bytes),
            _ => None,
        };
        shown.unwrap_or_else(|| format!("{MASK} ({} bytes)", bytes.len()))
    }

    fn challenge_starts(&self, word: &str) -> bool {
        self.challenge.as_deref().is_some_and(|c| {
            String::from_utf8_lossy(c)
                .trim()
                .to_ascii_lowercase()
                .starts_with(word)
        })
    }
}

/// `user=U ^A auth=Bearer T ^A ^A` with the token masked, if it has that shape.
fn xoauth2(bytes: &[u8]) -> Option<String> {
    let user = bytes.strip_prefix(b"user=")?;
    let end = user.iter().position(|&b| b == 1)?;
    let scheme = user[end..].strip_prefix(b"\x01auth=")?;
    let space = scheme.iter().position(|&b| b == b' ')?;
    Some(format!(
        "user={}\\x01auth={} {MASK}\\x01\\x01",
        escape_bytes(&user[..end]),
        escape_bytes(&scheme[..space])
    ))
}

/// `n,a=U, ^A auth=Bearer T ^A ^A` with the token masked, if it has that shape.
fn oauthbearer(bytes: &[u8]) -> Option<String> {
    let first = bytes.iter().position(|&b| b == 1)?;
    let header = &bytes[..first];
    let scheme = bytes[first..].strip_prefix(b"\x01auth=")?;
    let space = scheme.iter().position(|&b| b == b' ')?;
    Some(format!(
        "{}\\x01auth={} {MASK}\\x01\\x01",
        escape_bytes(header),
        escape_bytes(&scheme[..space])
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn b64(bytes: &[u8]) -> String {
        STANDARD.encode(bytes)
    }

    /// The decoded form of the initial response of a typed `AUTH` line.
    fn initial(line: &str) -> Option<String> {
        let mut view = SaslView::from_auth_line(line)?;
        let response = line.split_ascii_whitespace().nth(2)?;
        Some(view.next_typed(response, true))
    }

    #[test]
    fn plain_shows_the_names_and_masks_the_password() {
        let line = format!("AUTH PLAIN {}", b64(b"\0demo\0s3cret-pw"));
        assert_eq!(initial(&line).as_deref(), Some("\\0demo\\0••••"));
        let line = format!("auth plain {}", b64(b"admin\0demo\0s3cret-pw"));
        assert_eq!(initial(&line).as_deref(), Some("admin\\0demo\\0••••"));
    }

    #[test]
    fn login_shows_the_user_only_when_the_challenge_asks_for_it() {
        let mut view = SaslView::from_auth_line("AUTH LOGIN").expect("an AUTH line");
        view.on_challenge(b64(b"Username:").as_bytes());
        assert_eq!(view.next_typed(&b64(b"demo"), false), "demo");
        view.on_challenge(b64(b"Password:").as_bytes());
        assert_eq!(view.next_typed(&b64(b"s3cret-pw"), false), "••••");
        // A challenge that is neither: masked whole.
        view.on_challenge(b64(b"What?").as_bytes());
        assert_eq!(view.next_typed(&b64(b"s3cret-pw"), false), "•••• (9 bytes)");
        // The initial response of AUTH LOGIN is the user name.
        let line = format!("AUTH LOGIN {}", b64(b"demo"));
        assert_eq!(initial(&line).as_deref(), Some("demo"));
    }

    #[test]
    fn cram_md5_and_xoauth2_show_the_user_and_mask_the_rest() {
        let mut view = SaslView::from_auth_line("AUTH CRAM-MD5").expect("an AUTH line");
        let response = b64(b"demo 0123456789abcdef0123456789abcdef");
        assert_eq!(view.next_typed(&response, false), "demo ••••");
        let line = format!(
            "AUTH XOAUTH2 {}",
            b64(b"user=a@b.test\x01auth=Bearer ya29.token\x01\x01")
        );
        assert_eq!(
            initial(&line).as_deref(),
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
            assert_eq!(initial(&line).as_deref(), Some(expected), "{line}");
        }
        assert!(SaslView::from_auth_line("MAIL FROM:<a@b>").is_none());
        // Control characters in a decoded name are escaped.
        let line = format!("AUTH PLAIN {}", b64(b"\0de\x1b[2Jmo\0pw"));
        assert_eq!(initial(&line).as_deref(), Some("\\0de\\x1b[2Jmo\\0••••"));
    }

    #[test]
    fn the_built_in_clients_messages_are_known_by_position() {
        let mut login = SaslView::client(Mechanism::Login, "demo\x1b[2J");
        assert_eq!(login.next_sent().as_deref(), Some("demo\\x1b[2J"));
        assert_eq!(login.next_sent().as_deref(), Some("••••"));
        assert_eq!(login.next_sent(), None);
        let mut plain = SaslView::client(Mechanism::Plain, "demo");
        assert_eq!(plain.next_sent().as_deref(), Some("\\0demo\\0••••"));
        let mut cram = SaslView::client(Mechanism::CramMd5, "demo");
        assert_eq!(cram.next_sent().as_deref(), Some("demo ••••"));
        // A view of a typed exchange knows no user: nothing by position.
        assert_eq!(SaslView::typed(Mechanism::Plain).next_sent(), None);
    }

    #[test]
    fn challenges_are_decoded_and_escaped() {
        assert_eq!(challenge_text(b"VXNlcm5hbWU6"), "Username:");
        assert_eq!(challenge_text(b""), "empty challenge");
        assert_eq!(challenge_text(b"not*base64"), "not base64");
        assert_eq!(
            challenge_text(b64(b"\x1b]0;t\x07").as_bytes()),
            "\\x1b]0;t\\x07"
        );
    }
}
