//! Server-side reading of command lines: what the sandbox accepts and what it answers when a
//! line is not acceptable.
//!
//! The lexical work is done by the shared protocol core's classifier
//! ([`proto::command::parse_command_line`](crate::proto::command::parse_command_line)),
//! which never fails and notes every deviation; this module turns those notes into the replies
//! a strict-but-common server gives (501 for bad arguments, 500 for unknown verbs, 502 for
//! known-but-unimplemented ones), validates mailbox syntax
//! ([RFC 5321 §4.1.2](https://www.rfc-editor.org/rfc/rfc5321#section-4.1.2)) and the ESMTP
//! parameters the sandbox advertises. No `smtp-proto`: the core's classifier already does
//! the lexing, and owning the policy here keeps the reply codes exactly as documented.
//!
//! Layer: sandbox (server side), sans-IO.

use crate::proto::command::{Command, LineIssue, Param, parse_command_line, xtext_decode};

use super::replies::{ServerReply, bad_arguments};

/// Longest path, brackets excluded ([RFC 5321 §4.5.3.1.3](https://www.rfc-editor.org/rfc/rfc5321#section-4.5.3.1.3)).
pub const MAX_PATH_LEN: usize = 256;

/// Verbs of other SMTP variants that a server knows but does not implement: `502 5.5.1`
/// ([RFC 5321 §4.2.4](https://www.rfc-editor.org/rfc/rfc5321#section-4.2.4)).
const NOT_IMPLEMENTED: [&str; 8] = [
    "TURN", "ETRN", "ATRN", "SEND", "SOML", "SAML", "VERB", "EXPN",
];

/// A command line the sandbox will act on, plus notes for the log (lenient deviations).
#[derive(Debug)]
pub struct Accepted {
    pub command: Command,
    pub notes: Vec<String>,
}

/// Reads one command line (terminator already removed).
pub fn read_command(line: &[u8]) -> Result<Accepted, ServerReply> {
    let text = std::str::from_utf8(line)
        .map_err(|_| ServerReply::new(500, "5.5.2", "Error: command line is not valid UTF-8"))?;
    if text.contains(['\r', '\0']) {
        return Err(ServerReply::new(
            501,
            "5.5.2",
            "Error: control character in command line",
        ));
    }
    let parsed = parse_command_line(text);
    let mut notes = Vec::new();
    for issue in &parsed.issues {
        match issue {
            LineIssue::Empty => {
                return Err(ServerReply::new(
                    500,
                    "5.5.2",
                    "Error: bad syntax (empty line)",
                ));
            }
            LineIssue::SpaceAroundColon => {
                notes.push("space around ':' accepted (RFC 5321 allows none)".to_owned());
            }
            LineIssue::MissingAngleBrackets | LineIssue::MissingSpaceBeforeParameters => {
                return Err(bad_arguments(usage(parsed.command.verb())));
            }
            LineIssue::Malformed { .. } => {
                return Err(bad_arguments(usage(
                    &parsed.command.verb().to_ascii_uppercase(),
                )));
            }
            LineIssue::ControlCharacter => {
                return Err(ServerReply::new(
                    501,
                    "5.5.2",
                    "Error: control character in command line",
                ));
            }
        }
    }
    match &parsed.command {
        Command::Other { verb, .. } => {
            let verb = verb.to_ascii_uppercase();
            if NOT_IMPLEMENTED.contains(&verb.as_str()) {
                Err(ServerReply::new(
                    502,
                    "5.5.1",
                    format!("Error: {verb} not implemented"),
                ))
            } else {
                Err(ServerReply::new(
                    500,
                    "5.5.2",
                    "Error: command not recognized",
                ))
            }
        }
        Command::Expn(_) => Err(ServerReply::new(
            502,
            "5.5.1",
            "Error: EXPN not implemented",
        )),
        Command::Lhlo(_) => Err(ServerReply::new(
            500,
            "5.5.2",
            "Error: LHLO is LMTP; this is SMTP",
        )),
        Command::Helo(d) | Command::Ehlo(d) if d.is_empty() => {
            Err(bad_arguments(usage(parsed.command.verb())))
        }
        Command::Vrfy(s) if s.is_empty() => Err(bad_arguments(usage("VRFY"))),
        _ => Ok(Accepted {
            command: parsed.command,
            notes,
        }),
    }
}

/// The syntax shown in a 501 reply.
fn usage(verb: &str) -> &'static str {
    match verb {
        "HELO" => "HELO domain",
        "EHLO" => "EHLO domain",
        "MAIL" => "MAIL FROM:<address> [parameters]",
        "RCPT" => "RCPT TO:<address> [parameters]",
        "DATA" => "DATA (no arguments)",
        "BDAT" => "BDAT size [LAST]",
        "RSET" => "RSET (no arguments)",
        "QUIT" => "QUIT (no arguments)",
        "STARTTLS" => "STARTTLS (no arguments)",
        "AUTH" => "AUTH mechanism [initial-response]",
        "VRFY" => "VRFY string",
        _ => "see HELP",
    }
}

/// Why an address was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AddressError {
    Syntax,
    TooLong,
    /// Non-ASCII without the `SMTPUTF8` parameter
    /// ([RFC 6531 §3.2](https://www.rfc-editor.org/rfc/rfc6531#section-3.2)).
    NeedsSmtputf8,
}

/// Checks a mailbox (`local@domain`, brackets already removed) and returns it without a
/// source route (`@a,@b:user@d` → `user@d`, [RFC 5321 §4.1.2](https://www.rfc-editor.org/rfc/rfc5321#section-4.1.2)).
/// `postmaster` without a domain is allowed when `allow_postmaster`
/// ([RFC 5321 §4.5.1](https://www.rfc-editor.org/rfc/rfc5321#section-4.5.1)).
pub fn check_mailbox(
    path: &str,
    utf8: bool,
    allow_postmaster: bool,
) -> Result<String, AddressError> {
    if path.len() > MAX_PATH_LEN {
        return Err(AddressError::TooLong);
    }
    let mailbox = match path.strip_prefix('@') {
        Some(route) => route.split_once(':').ok_or(AddressError::Syntax)?.1,
        None => path,
    };
    if allow_postmaster && mailbox.eq_ignore_ascii_case("postmaster") {
        return Ok(mailbox.to_owned());
    }
    if !mailbox.is_ascii() && !utf8 {
        return Err(AddressError::NeedsSmtputf8);
    }
    let at = mailbox.rfind('@').ok_or(AddressError::Syntax)?;
    let (local, domain) = (&mailbox[..at], &mailbox[at + 1..]);
    if local.len() > 64 || domain.len() > 255 {
        return Err(AddressError::TooLong);
    }
    if !valid_local_part(local) || !valid_domain(domain) {
        return Err(AddressError::Syntax);
    }
    Ok(mailbox.to_owned())
}

fn valid_local_part(local: &str) -> bool {
    if let Some(inner) = local.strip_prefix('"').and_then(|l| l.strip_suffix('"')) {
        // quoted-string: printable characters, `\` escapes one character.
        let mut escaped = false;
        for c in inner.chars() {
            match (escaped, c) {
                (true, _) => escaped = false,
                (false, '\\') => escaped = true,
                (false, '"') => return false,
                (false, c) if c.is_control() => return false,
                _ => {}
            }
        }
        return !escaped;
    }
    // dot-string of atext; non-ASCII allowed (checked against SMTPUTF8 by the caller).
    !local.is_empty()
        && local.split('.').all(|atom| {
            !atom.is_empty()
                && atom.chars().all(|c| {
                    c.is_ascii_alphanumeric() || "!#$%&'*+-/=?^_`{|}~".contains(c) || !c.is_ascii()
                })
        })
}

fn valid_domain(domain: &str) -> bool {
    if let Some(literal) = domain.strip_prefix('[').and_then(|d| d.strip_suffix(']')) {
        return !literal.is_empty()
            && literal
                .chars()
                .all(|c| c.is_ascii_graphic() && c != '[' && c != ']' && c != '\\');
    }
    !domain.is_empty()
        && domain.split('.').all(|label| {
            !label.is_empty()
                && label.len() <= 63
                && !label.starts_with('-')
                && !label.ends_with('-')
                && label
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '-' || !c.is_ascii())
        })
}

/// The MAIL parameters the sandbox understands.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MailParams {
    /// `SIZE=` ([RFC 1870](https://www.rfc-editor.org/rfc/rfc1870)).
    pub size: Option<u64>,
    /// `BODY=8BITMIME` ([RFC 6152](https://www.rfc-editor.org/rfc/rfc6152)).
    pub eight_bit: bool,
    /// `SMTPUTF8` ([RFC 6531 §3.4](https://www.rfc-editor.org/rfc/rfc6531#section-3.4)).
    pub smtputf8: bool,
}

/// Validates MAIL parameters: SIZE, BODY (7BIT, 8BITMIME), SMTPUTF8, the DSN parameters RET
/// and ENVID ([RFC 3461 §4](https://www.rfc-editor.org/rfc/rfc3461#section-4)) and AUTH
/// ([RFC 4954 §5](https://www.rfc-editor.org/rfc/rfc4954#section-5)). An unknown or
/// unadvertised one is `555 5.5.4` ([RFC 5321 §4.1.1.11](https://www.rfc-editor.org/rfc/rfc5321#section-4.1.1.11)).
pub fn mail_params(params: &[Param]) -> Result<MailParams, ServerReply> {
    let mut out = MailParams::default();
    check_unique(params)?;
    for param in params {
        let keyword = param.keyword.to_ascii_uppercase();
        let value = param.value.as_deref();
        match (keyword.as_str(), value) {
            ("SIZE", Some(v))
                if !v.is_empty() && v.len() <= 20 && v.bytes().all(|b| b.is_ascii_digit()) =>
            {
                out.size = Some(v.parse().unwrap_or(u64::MAX));
            }
            ("BODY", Some(v)) if v.eq_ignore_ascii_case("7BIT") => {}
            ("BODY", Some(v)) if v.eq_ignore_ascii_case("8BITMIME") => out.eight_bit = true,
            ("SMTPUTF8", None) => out.smtputf8 = true,
            ("RET", Some(v))
                if v.eq_ignore_ascii_case("FULL") || v.eq_ignore_ascii_case("HDRS") => {}
            ("ENVID", Some(v)) if v.len() <= 100 && xtext_decode(v).is_ok() => {}
            ("AUTH", Some(v)) if v == "<>" || xtext_decode(v).is_ok() => {}
            ("SIZE" | "BODY" | "SMTPUTF8" | "RET" | "ENVID" | "AUTH", _) => {
                return Err(bad_param(param));
            }
            _ => return Err(unsupported(param)),
        }
    }
    Ok(out)
}

/// Validates RCPT parameters: the DSN parameters NOTIFY and ORCPT
/// ([RFC 3461 §4.1–4.2](https://www.rfc-editor.org/rfc/rfc3461#section-4.1)).
pub fn rcpt_params(params: &[Param]) -> Result<(), ServerReply> {
    check_unique(params)?;
    for param in params {
        let keyword = param.keyword.to_ascii_uppercase();
        let ok = match (keyword.as_str(), param.value.as_deref()) {
            ("NOTIFY", Some(v)) => valid_notify(v),
            ("ORCPT", Some(v)) => v.split_once(';').is_some_and(|(kind, addr)| {
                !kind.is_empty() && !addr.is_empty() && xtext_decode(addr).is_ok()
            }),
            ("NOTIFY" | "ORCPT", None) => false,
            _ => return Err(unsupported(param)),
        };
        if !ok {
            return Err(bad_param(param));
        }
    }
    Ok(())
}

/// `NEVER` alone, or a list of SUCCESS, FAILURE, DELAY.
fn valid_notify(value: &str) -> bool {
    let items: Vec<String> = value.split(',').map(str::to_ascii_uppercase).collect();
    if items.iter().any(|i| i == "NEVER") {
        return items.len() == 1;
    }
    items
        .iter()
        .all(|i| matches!(i.as_str(), "SUCCESS" | "FAILURE" | "DELAY"))
}

fn check_unique(params: &[Param]) -> Result<(), ServerReply> {
    for (i, param) in params.iter().enumerate() {
        if params[..i]
            .iter()
            .any(|p| p.keyword.eq_ignore_ascii_case(&param.keyword))
        {
            return Err(ServerReply::new(
                501,
                "5.5.4",
                format!("Error: duplicate parameter {}", param.keyword),
            ));
        }
    }
    Ok(())
}

fn bad_param(param: &Param) -> ServerReply {
    ServerReply::new(
        501,
        "5.5.4",
        format!("Error: bad value for parameter {}", param.keyword),
    )
}

fn unsupported(param: &Param) -> ServerReply {
    ServerReply::new(
        555,
        "5.5.4",
        format!("Error: unsupported parameter {}", param.keyword),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn code(line: &str) -> u16 {
        match read_command(line.as_bytes()) {
            Ok(_) => 0,
            Err(reply) => reply.code,
        }
    }

    #[test]
    fn command_lines_map_to_the_documented_reply_codes() {
        let cases = [
            ("EHLO client.test", 0),
            ("ehlo client.test", 0),
            ("EHLO", 501),
            ("MAIL FROM:<a@b.test> SIZE=10", 0),
            ("MAIL FROM: <a@b.test>", 0),
            ("MAIL FROM:a@b.test", 501),
            ("MAIL TO:<a@b.test>", 501),
            ("MAIL FROM:<a@b.test>SIZE=1", 501),
            ("RCPT TO:<a@b.test", 501),
            ("DATA now", 501),
            ("BDAT x", 501),
            ("BDAT 10 LAST", 0),
            ("AUTH", 501),
            ("FOO bar", 500),
            ("", 500),
            ("TURN", 502),
            ("EXPN list", 502),
            ("LHLO x", 500),
            ("VRFY", 501),
            ("NOOP anything", 0),
        ];
        for (line, expected) in cases {
            assert_eq!(code(line), expected, "{line:?}");
        }
        assert_eq!(
            read_command(b"NOOP \xff").map_err(|r| r.code).err(),
            Some(500)
        );
        assert_eq!(
            read_command(b"NOOP a\rb").map_err(|r| r.code).err(),
            Some(501)
        );
    }

    #[test]
    fn mailboxes_are_checked_for_syntax_length_and_utf8() {
        assert_eq!(
            check_mailbox("a@b.test", false, false),
            Ok("a@b.test".into())
        );
        assert_eq!(
            check_mailbox("@relay.test:a@b.test", false, false),
            Ok("a@b.test".into())
        );
        assert_eq!(
            check_mailbox("\"a b\"@b.test", false, false),
            Ok("\"a b\"@b.test".into())
        );
        assert_eq!(
            check_mailbox("a@[127.0.0.1]", false, false),
            Ok("a@[127.0.0.1]".into())
        );
        assert_eq!(
            check_mailbox("Postmaster", false, true),
            Ok("Postmaster".into())
        );
        assert_eq!(
            check_mailbox("Postmaster", false, false),
            Err(AddressError::Syntax)
        );
        for bad in ["a", "a@", "@b", "a..b@c", "a b@c", "a@-b", "a@b..c", ".a@b"] {
            assert_eq!(
                check_mailbox(bad, false, false),
                Err(AddressError::Syntax),
                "{bad}"
            );
        }
        assert_eq!(
            check_mailbox("jöran@b.test", false, false),
            Err(AddressError::NeedsSmtputf8)
        );
        assert!(check_mailbox("jöran@b.test", true, false).is_ok());
        let long = format!("{}@b.test", "a".repeat(65));
        assert_eq!(
            check_mailbox(&long, false, false),
            Err(AddressError::TooLong)
        );
    }

    #[test]
    fn mail_and_rcpt_parameters_are_validated() {
        let p = |k: &str, v: Option<&str>| Param {
            keyword: k.into(),
            value: v.map(Into::into),
        };
        let ok = mail_params(&[
            p("SIZE", Some("123")),
            p("BODY", Some("8BITMIME")),
            p("SMTPUTF8", None),
            p("RET", Some("HDRS")),
            p("ENVID", Some("QQ+2B1")),
            p("AUTH", Some("<>")),
        ])
        .expect("valid");
        assert_eq!(
            (ok.size, ok.eight_bit, ok.smtputf8),
            (Some(123), true, true)
        );
        assert_eq!(
            mail_params(&[p("SIZE", Some("x"))]).map_err(|r| r.code),
            Err(501)
        );
        assert_eq!(
            mail_params(&[p("BODY", Some("BINARYMIME"))]).map_err(|r| r.code),
            Err(501)
        );
        assert_eq!(mail_params(&[p("FOO", None)]).map_err(|r| r.code), Err(555));
        assert_eq!(
            mail_params(&[p("SIZE", Some("1")), p("size", Some("2"))]).map_err(|r| r.code),
            Err(501)
        );
        assert!(
            rcpt_params(&[
                p("NOTIFY", Some("SUCCESS,FAILURE")),
                p("ORCPT", Some("rfc822;a@b"))
            ])
            .is_ok()
        );
        assert_eq!(
            rcpt_params(&[p("NOTIFY", Some("NEVER,DELAY"))]).map_err(|r| r.code),
            Err(501)
        );
        assert_eq!(
            rcpt_params(&[p("ORCPT", Some("a@b"))]).map_err(|r| r.code),
            Err(501)
        );
        assert_eq!(
            rcpt_params(&[p("XFOO", None)]).map_err(|r| r.code),
            Err(555)
        );
    }
}
