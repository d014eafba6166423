//! Commands ([RFC 5321 §4.1.1](https://www.rfc-editor.org/rfc/rfc5321#section-4.1.1) and
//! the extensions smtpx speaks), and what a reply means as the answer to the command it
//! answers: `235 2.7.0` to AUTH is "Authentication succeeded" (RFC 4954 §6), which its
//! enhanced code alone ("other or undefined security status") does not say.
//!
//! Layer: explain (sans-IO data).

use crate::proto::reply::Reply;
use crate::proto::session::State;

use super::lookup::{from_record, unknown};
use super::table::COMMANDS;
use super::{Explanation, Item, Kind, Status};

/// What a reply answers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Answers {
    /// The connection: the server's first reply.
    Greeting,
    /// The lone "." after DATA's message (or the last BDAT chunk's bytes).
    EndOfData,
    /// A command, by its verb in capitals (`EHLO`, `AUTH`).
    Command(String),
}

impl Answers {
    /// What the session's oldest awaited entry stands for: its state, and the command line
    /// as sent.
    pub fn of(state: &State, command: &str) -> Answers {
        match state {
            State::ExpectGreeting => Answers::Greeting,
            State::ExpectDataReply => Answers::EndOfData,
            State::ExpectAuthChallenge | State::AuthResponseDue => Answers::Command("AUTH".into()),
            State::ExpectBdatReply { .. } => Answers::Command("BDAT".into()),
            _ => Answers::Command(verb(command).unwrap_or_default()),
        }
    }

    fn key(&self) -> &str {
        match self {
            Answers::Greeting => "GREETING",
            Answers::EndOfData => "END-OF-DATA",
            Answers::Command(verb) => verb,
        }
    }

    /// Words for it: `AUTH`, `the greeting`, `the end of data`.
    pub fn label(&self) -> &str {
        match self {
            Answers::Greeting => "the connection",
            Answers::EndOfData => "the end of data",
            Answers::Command(verb) => verb,
        }
    }
}

/// The verb of a command line, in capitals (`mail from:<a>` → `MAIL`); `None` for a line
/// that does not start with a word of letters (a SASL response, message text).
pub fn verb(line: &str) -> Option<String> {
    let word = line.split([' ', ':', '\r', '\n']).next()?;
    (!word.is_empty() && word.len() <= 12 && word.bytes().all(|b| b.is_ascii_alphabetic()))
        .then(|| word.to_ascii_uppercase())
}

/// A command explained by its verb (`EHLO`, `mail`), or [`Status::Unknown`].
pub fn command(verb: &str) -> Item {
    let key = verb.trim().to_ascii_uppercase();
    match COMMANDS.get(&key) {
        Some(record) => {
            let mut item = from_record(Kind::Command, key.clone(), Status::Exact, key, record);
            item.replies = replies(record.field("replies").unwrap_or_default())
                .into_iter()
                .map(|(code, text)| (code.to_owned(), text.to_owned()))
                .collect();
            item
        }
        None => unknown(
            Kind::Command,
            key,
            "Unknown command",
            "smtpx knows no SMTP command by this name.".to_owned(),
        ),
    }
}

/// `reply` explained as the answer to `answers`: what the code means to that command
/// first, then the reply's own explanation (basic code, enhanced code, vendor notes).
pub fn reply_to(reply: &Reply, answers: &Answers) -> Explanation {
    let mut explanation = super::reply(reply);
    if let Some(item) = reply.code().and_then(|code| answer(code, answers)) {
        explanation.items.insert(0, item);
        explanation.known = true;
    }
    explanation
}

/// A `replies` field as (code, meaning) pairs.
fn replies(field: &str) -> Vec<(&str, &str)> {
    field
        .split(" | ")
        .filter_map(|entry| entry.trim().split_once(' '))
        .collect()
}

/// What `code` means as the answer to `answers`, from the command's `replies` field: the
/// code's own entry, else its class's (`5yz`).
fn answer(code: u16, answers: &Answers) -> Option<Item> {
    let record = COMMANDS.get(answers.key())?;
    let replies_field = record.field("replies")?;
    let exact = format!("{code:03}");
    let class = format!("{}yz", code / 100);
    let entries = replies(replies_field);
    let (matched, text) = entries
        .iter()
        .find(|(c, _)| *c == exact)
        .or_else(|| entries.iter().find(|(c, _)| *c == class))?;
    Some(Item {
        kind: Kind::Answer,
        key: format!("{exact} to {}", answers.label()),
        status: if *matched == exact {
            Status::Exact
        } else {
            Status::Generic
        },
        matched: Some(format!("{} {matched}", answers.key())),
        severity: None,
        title: (*text).to_owned(),
        meaning: String::new(),
        reference: record.field("ref").map(str::to_owned),
        url: record.url(),
        practice: None,
        advice: None,
        parameters: None,
        replies: Vec::new(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parsed(wire: &str) -> Reply {
        Reply::parse_all(wire.as_bytes())
            .expect("a reply")
            .remove(0)
    }

    #[test]
    fn every_command_of_rfc_5321_and_the_extensions_is_explained() {
        for verb in [
            "EHLO", "HELO", "MAIL", "RCPT", "DATA", "BDAT", "RSET", "VRFY", "EXPN", "HELP", "NOOP",
            "QUIT", "STARTTLS", "AUTH",
        ] {
            let item = command(verb);
            assert_eq!(item.status, Status::Exact, "{verb}");
            assert!(item.reference.is_some(), "{verb}");
        }
        assert_eq!(command("ehlo").key, "EHLO");
        assert_eq!(command("FROB").status, Status::Unknown);
    }

    #[test]
    fn a_reply_is_explained_by_the_command_it_answers_first() {
        let reply = parsed("235 2.7.0 Authentication successful\r\n");
        let explanation = reply_to(&reply, &Answers::Command("AUTH".into()));
        let first = &explanation.items[0];
        assert_eq!(first.kind, Kind::Answer);
        assert_eq!(first.key, "235 to AUTH");
        assert!(
            first.title.starts_with("Authentication succeeded"),
            "{first:?}"
        );
        // The reply's own items follow, the enhanced code as detail.
        assert!(explanation.items.iter().any(|i| i.key == "2.7.0"));

        let reply = parsed("220 2.0.0 Ready to start TLS\r\n");
        let item = &reply_to(&reply, &Answers::Command("STARTTLS".into())).items[0];
        assert!(item.title.contains("TLS handshake follows"), "{item:?}");

        let reply = parsed("250 2.0.0 Ok: queued as 1234\r\n");
        let item = &reply_to(&reply, &Answers::EndOfData).items[0];
        assert_eq!(item.key, "250 to the end of data");
        assert!(item.title.contains("accepted for delivery"), "{item:?}");
    }

    #[test]
    fn a_class_entry_covers_codes_without_their_own() {
        let reply = parsed("502 5.5.2 Error: command not recognized\r\n");
        let item = &reply_to(&reply, &Answers::Command("EHLO".into())).items[0];
        assert_eq!(item.status, Status::Generic);
        assert!(item.title.contains("HELO may still work"), "{item:?}");
        // No entry at all: the reply's own explanation only.
        let reply = parsed("250 ok\r\n");
        let explanation = reply_to(&reply, &Answers::Command("FROB".into()));
        assert_eq!(explanation.items[0].kind, Kind::ReplyCode);
    }

    #[test]
    fn what_a_reply_answers_comes_from_the_session_state() {
        assert_eq!(Answers::of(&State::ExpectGreeting, ""), Answers::Greeting);
        assert_eq!(
            Answers::of(&State::ExpectDataReply, "."),
            Answers::EndOfData
        );
        assert_eq!(
            Answers::of(&State::AuthResponseDue, "<redacted>"),
            Answers::Command("AUTH".into())
        );
        assert_eq!(
            Answers::of(&State::ExpectMailReply, "mail from:<a@b>"),
            Answers::Command("MAIL".into())
        );
        assert_eq!(verb("dGVzdA=="), None);
    }
}
