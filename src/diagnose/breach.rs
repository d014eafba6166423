//! Protocol breaches a hostile or broken server commits, each named in one sentence that
//! says what the server did and what smtpx did about it: a reply whose code changes from
//! line to line, a DATA command answered with anything but `354`, and an AUTH exchange
//! ended by a reply that is neither `235` nor a refusal.
//!
//! Unlike a [`super::Diagnosis`] (a classic failure, said once per session), a breach is
//! said every time it happens: each one changes how a reply was read.
//!
//! Layer: diagnosis (pure: reads replies the protocol core parsed; no I/O).

use crate::proto::reply::Reply;

use super::excerpt_reply;

/// Something the server did that breaks RFC 5321's rules for replies.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Breach {
    /// The lines of one reply carry different codes
    /// ([RFC 5321 §4.2.1](https://www.rfc-editor.org/rfc/rfc5321#section-4.2.1): every line
    /// of a multiline reply has the same code). `codes` lists each distinct code in the
    /// order it appeared with the line number (1-based) where it first did.
    CodeChangedMidReply {
        codes: Vec<(u16, usize)>,
        acted_on: Option<u16>,
    },
    /// DATA was answered with something other than `354`
    /// ([RFC 5321 §4.1.1.4](https://www.rfc-editor.org/rfc/rfc5321#section-4.1.1.4): the
    /// server must say `354` before the client may send the message). `code` is `None` for a
    /// reply without a code.
    DataNotInvited { code: Option<u16>, reply: String },
    /// An AUTH exchange ended with a positive reply other than `235` (Postfix's `smtp-sink`
    /// answers `250` to anything): [RFC 4954 §6](https://www.rfc-editor.org/rfc/rfc4954#section-6)
    /// ends a successful exchange with `235` and a failed one with `4yz`/`5yz`.
    AuthNotConfirmed { code: u16, reply: String },
}

impl Breach {
    /// A stable machine name (tests, JSON consumers that look at the note text).
    pub fn name(&self) -> &'static str {
        match self {
            Breach::CodeChangedMidReply { .. } => "code_changed_mid_reply",
            Breach::DataNotInvited { .. } => "data_not_invited",
            Breach::AuthNotConfirmed { .. } => "auth_not_confirmed",
        }
    }

    /// What the server did and what smtpx did about it. Server text in it is as sent; the
    /// note's sinks escape it once.
    pub fn message(&self) -> String {
        match self {
            Breach::CodeChangedMidReply { codes, acted_on } => {
                let (first, rest) = match codes.split_first() {
                    Some((first, rest)) => (first.0, rest),
                    None => (0, &[][..]),
                };
                let changes: Vec<String> = rest
                    .iter()
                    .map(|(code, line)| format!("{code} (line {line})"))
                    .collect();
                let acted = acted_on.map_or_else(
                    || "it has no code to act on".to_string(),
                    |code| format!("smtpx acts on the final line's code, {code}"),
                );
                format!(
                    "the server changed the reply code mid-reply: {first} then {}; every line \
                     of one reply must carry the same code (RFC 5321 §4.2.1), so the reply is \
                     ambiguous — {acted}, and the whole reply is kept as received",
                    changes.join(", then ")
                )
            }
            Breach::DataNotInvited { code, reply } => {
                let code =
                    code.map_or_else(|| "a reply without a code".to_string(), |c| c.to_string());
                format!(
                    "the server answered DATA with {code}, not 354: it did not accept message \
                     data (RFC 5321 §4.1.1.4 requires 354 before the message), so smtpx sends \
                     no message content; the reply was '{reply}'"
                )
            }
            Breach::AuthNotConfirmed { code, reply } => format!(
                "the server answered AUTH with {code}, not 235: a successful exchange ends with \
                 235 and a failed one with 4xx or 5xx (RFC 4954 §6), so '{reply}' confirms no \
                 login — a test sink such as Postfix's smtp-sink says {code} to every command \
                 and checks no password (the probe stops at auth, exit 24)"
            ),
        }
    }

    /// The line a front end shows: `protocol breach: …`.
    pub fn note(&self) -> String {
        format!("protocol breach: {}", self.message())
    }
}

/// The breaches in `reply`; `answers_data` when it is the first reply after a DATA command,
/// `answers_auth` when it answers an AUTH command or a SASL response.
pub fn reply(reply: &Reply, answers_data: bool, answers_auth: bool) -> Vec<Breach> {
    let mut found = Vec::new();
    let mut codes: Vec<(u16, usize)> = Vec::new();
    for (index, line) in reply.lines.iter().enumerate() {
        if let Some(code) = line.code {
            if codes.last().is_none_or(|(last, _)| *last != code) {
                codes.push((code, index + 1));
            }
        }
    }
    if codes.len() > 1 {
        found.push(Breach::CodeChangedMidReply {
            codes,
            acted_on: reply.code(),
        });
    }
    let code = reply.code();
    // A 4yz/5yz refusal is the server's right; only a "yes" that is not 354 breaks the rule.
    let refused = code.is_some_and(|c| c >= 400);
    if answers_data && code != Some(354) && !refused && reply.is_complete() {
        found.push(Breach::DataNotInvited {
            code,
            reply: excerpt_reply(reply),
        });
    }
    if let Some(code @ 200..=399) = code
        && answers_auth
        && code != 235
        && code != 334
        && reply.is_complete()
    {
        found.push(Breach::AuthNotConfirmed {
            code,
            reply: excerpt_reply(reply),
        });
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diagnose::tests::parsed;

    #[test]
    fn a_code_that_changes_mid_reply_names_each_code_and_line() {
        let found = reply(
            &parsed(b"250-mx.test\r\n550-PIPELINING\r\n354 8BITMIME\r\n"),
            false,
            false,
        );
        assert_eq!(found.len(), 1, "{found:?}");
        let message = found[0].message();
        assert!(
            message.starts_with(
                "the server changed the reply code mid-reply: 250 then 550 (line 2), then 354 (line 3)"
            ),
            "{message}"
        );
        assert!(
            message.contains("acts on the final line's code, 354"),
            "{message}"
        );
    }

    #[test]
    fn a_reply_with_one_code_is_no_breach() {
        assert!(reply(&parsed(b"250-mx\r\n250-A\r\n250 B\r\n"), false, false).is_empty());
        assert!(reply(&parsed(b"354 go\r\n"), true, false).is_empty());
    }

    #[test]
    fn a_positive_reply_to_data_other_than_354_is_named() {
        let found = reply(&parsed(b"250 2.0.0 queued \x1b[2J\r\n"), true, false);
        assert_eq!(found.len(), 1, "{found:?}");
        let message = found[0].message();
        assert!(
            message.starts_with(
                "the server answered DATA with 250, not 354: it did not accept message data"
            ),
            "{message}"
        );
        // Raw here; the one escape happens where the note is shown.
        assert!(message.contains("\x1b[2J"), "{message}");
        assert!(
            crate::proto::text::escape_str(&message).contains("queued \\x1b[2J'"),
            "{message}"
        );
    }

    #[test]
    fn a_refusal_of_data_is_the_servers_right_not_a_breach() {
        assert!(reply(&parsed(b"554 5.5.1 no valid recipients\r\n"), true, false).is_empty());
        assert!(reply(&parsed(b"250 ok\r\n"), false, false).is_empty());
    }

    #[test]
    fn an_auth_exchange_ended_by_250_is_named_and_235_or_a_refusal_is_not() {
        let found = reply(&parsed(b"250 2.0.0 Ok\r\n"), false, true);
        assert_eq!(found.len(), 1, "{found:?}");
        let message = found[0].message();
        assert!(
            message.starts_with("the server answered AUTH with 250, not 235")
                && message.contains("smtp-sink")
                && message.contains("RFC 4954 §6"),
            "{message}"
        );
        for fine in [
            &b"235 2.7.0 Authentication successful\r\n"[..],
            b"334 VXNlcm5hbWU6\r\n",
            b"535 5.7.8 Error: authentication failed\r\n",
            b"504 5.5.4 Unrecognized authentication type\r\n",
        ] {
            assert!(reply(&parsed(fine), false, true).is_empty());
        }
        assert!(reply(&parsed(b"250 ok\r\n"), false, false).is_empty());
    }
}
