//! What one variant's session shows: the replies after the payload, read as a verdict.
//!
//! After the payload the client waits for one reply (the end of data), sends QUIT, and
//! keeps every reply up to QUIT's. A server that read the variant as data answers the real
//! end of data once, then QUIT. A server that ended the data at the variant read the
//! smuggled MAIL, RCPT and DATA as commands: their replies come before QUIT's.
//!
//! Layer: front end (smuggling check), sans-IO: replies in, a verdict out.

use serde::Serialize;

use crate::proto::reply::Reply;

/// The first thing that came after the payload.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EndOfData {
    Reply(Reply),
    /// The server closed the connection without a reply.
    Closed,
    /// No reply within the timeout.
    TimedOut,
}

/// What the server did with one variant.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "outcome", rename_all = "snake_case")]
pub enum Outcome {
    /// The data ended at the variant: the smuggled commands were read as commands.
    Vulnerable {
        /// The smuggled message was accepted too (354, then a 2xx to its end).
        smuggled_accepted: bool,
    },
    /// The message was refused (a 4xx/5xx, or the connection closed), with no commands
    /// read from inside it.
    Refused,
    /// The variant was read as data; the real end of data ended the message.
    KeptReading,
    /// The session says nothing either way.
    Inconclusive { why: String },
}

impl Outcome {
    pub fn is_vulnerable(&self) -> bool {
        matches!(self, Outcome::Vulnerable { .. })
    }
}

/// The verdict from the first reply after the payload and the replies after it, up to
/// (not including) the reply to QUIT.
pub fn classify(end: &EndOfData, later: &[Reply]) -> Outcome {
    if !later.is_empty() {
        let codes: Vec<Option<u16>> = later.iter().map(Reply::code).collect();
        let smuggled_accepted = codes
            .iter()
            .skip_while(|code| **code != Some(354))
            .skip(1)
            .any(|code| code.is_some_and(|c| (200..300).contains(&c)));
        return Outcome::Vulnerable { smuggled_accepted };
    }
    match end {
        EndOfData::Reply(reply) => match reply.code() {
            Some(200..=299) => Outcome::KeptReading,
            Some(400..=599) => Outcome::Refused,
            Some(code) => Outcome::Inconclusive {
                why: format!("the end of data was answered {code}, neither 2xx nor 4xx/5xx"),
            },
            None => Outcome::Inconclusive {
                why: "the reply to the end of data is malformed".into(),
            },
        },
        EndOfData::Closed => Outcome::Refused,
        EndOfData::TimedOut => Outcome::Inconclusive {
            why: "no reply to the end of data in time".into(),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn replies(wire: &str) -> Vec<Reply> {
        Reply::parse_all(wire.as_bytes()).expect("replies")
    }

    fn reply(wire: &str) -> EndOfData {
        EndOfData::Reply(replies(wire).remove(0))
    }

    #[test]
    fn replies_to_the_smuggled_commands_mean_vulnerable() {
        let queued = reply("250 2.0.0 Ok: queued as A\r\n");
        let smuggled = replies(
            "250 2.1.0 Ok\r\n250 2.1.5 Ok\r\n354 End data with <CR><LF>.<CR><LF>\r\n\
             250 2.0.0 Ok: queued as B\r\n",
        );
        assert_eq!(
            classify(&queued, &smuggled),
            Outcome::Vulnerable {
                smuggled_accepted: true
            }
        );
        let refused = replies("250 2.1.0 Ok\r\n554 5.5.1 Error: no valid recipients\r\n");
        assert_eq!(
            classify(&queued, &refused),
            Outcome::Vulnerable {
                smuggled_accepted: false
            }
        );
        // Refusing the first message does not help when the rest is read as commands.
        let first_refused = reply("550 5.7.1 content refused\r\n");
        assert!(classify(&first_refused, &smuggled).is_vulnerable());
    }

    #[test]
    fn one_reply_to_the_whole_payload_means_kept_reading_or_refused() {
        assert_eq!(
            classify(&reply("250 2.0.0 Ok: queued as A\r\n"), &[]),
            Outcome::KeptReading
        );
        assert_eq!(
            classify(&reply("550 5.5.2 Error: bare <LF> received\r\n"), &[]),
            Outcome::Refused
        );
        assert_eq!(
            classify(&reply("451 4.3.0 try later\r\n"), &[]),
            Outcome::Refused
        );
        assert_eq!(classify(&EndOfData::Closed, &[]), Outcome::Refused);
        assert!(matches!(
            classify(&EndOfData::TimedOut, &[]),
            Outcome::Inconclusive { .. }
        ));
        assert!(matches!(
            classify(&reply("354 go on\r\n"), &[]),
            Outcome::Inconclusive { .. }
        ));
    }
}
