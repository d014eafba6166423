//! [`Warning`]: a rule a command would break, with where the rule is written.
//!
//! Layer: protocol core (sans-IO). A child of [`session`](super).

use std::fmt;

/// A rule the command would break. Sending it anyway is allowed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Warning {
    SessionClosed,
    /// The client may not speak before the greeting; Postfix's postscreen drops such
    /// "pregreet" clients.
    BeforeGreeting,
    /// After the 220 to STARTTLS the next bytes must be the TLS handshake.
    TlsHandshakePending,
    /// After 354 every line is message content; a command would become part of the message.
    InMessageMode,
    /// After 334 the server reads the next line as the SASL response.
    AuthResponseDue,
    /// A SASL response with no AUTH exchange in progress.
    AuthResponseWithoutChallenge,
    /// Replies are still awaited and the server did not advertise PIPELINING. Postfix 3.9+
    /// may disconnect such clients.
    PipelinedWithoutPipelining {
        awaiting: usize,
    },
    /// Replies are still awaited and the last command must end a pipelined group.
    PipelinedAfterGroupEnd {
        after: String,
    },
    /// MAIL, RCPT, DATA, BDAT, AUTH or STARTTLS before EHLO/HELO.
    NoHello {
        verb: String,
    },
    /// MAIL while a mail transaction is open.
    MailInTransaction,
    /// MAIL before AUTH on a submission server.
    MailBeforeAuth,
    RcptBeforeMail,
    /// DATA or BDAT with no accepted recipient.
    NoRecipients {
        verb: String,
    },
    /// DATA after BDAT in the same transaction.
    DataAfterBdat,
    AuthNotAdvertised,
    MechanismNotOffered {
        mechanism: String,
        offered: Vec<String>,
    },
    AuthOverPlaintext,
    AlreadyAuthenticated,
    AuthInTransaction,
    StartTlsNotAdvertised,
    TlsAlreadyActive,
    BdatWithoutChunking,
    /// A MAIL/RCPT parameter of an extension the server did not advertise.
    ParameterWithoutExtension {
        parameter: String,
        extension: &'static str,
    },
    /// `SIZE=` over the advertised limit.
    SizeOverLimit {
        declared: u64,
        limit: u64,
    },
    /// Message content sent with no 354 in force.
    MessageWithoutDataGo,
    /// EHLO or HELO to an LMTP server, which is greeted with LHLO.
    LmtpWantsLhlo {
        verb: String,
    },
}

impl Warning {
    /// Where the rule is written.
    pub fn reference(&self) -> String {
        let (doc, section) = match self {
            Warning::SessionClosed => ("rfc5321", "3.8"),
            Warning::BeforeGreeting => ("rfc5321", "3.1"),
            Warning::TlsHandshakePending | Warning::TlsAlreadyActive => ("rfc3207", "4"),
            Warning::InMessageMode | Warning::MessageWithoutDataGo => ("rfc5321", "4.1.1.4"),
            Warning::AuthResponseDue
            | Warning::AuthResponseWithoutChallenge
            | Warning::AuthNotAdvertised
            | Warning::MechanismNotOffered { .. }
            | Warning::AuthOverPlaintext
            | Warning::AlreadyAuthenticated
            | Warning::AuthInTransaction => ("rfc4954", "4"),
            Warning::PipelinedWithoutPipelining { .. } => ("rfc2920", "3.2"),
            Warning::PipelinedAfterGroupEnd { .. } => ("rfc2920", "3.1"),
            Warning::NoHello { .. } => ("rfc5321", "4.1.4"),
            Warning::MailInTransaction => ("rfc5321", "4.1.1.2"),
            Warning::MailBeforeAuth => ("rfc6409", "4.3"),
            Warning::RcptBeforeMail => ("rfc5321", "4.1.1.3"),
            Warning::NoRecipients { .. } => ("rfc5321", "4.1.1.4"),
            Warning::DataAfterBdat | Warning::BdatWithoutChunking => ("rfc3030", "2"),
            Warning::StartTlsNotAdvertised => ("rfc3207", "4"),
            Warning::ParameterWithoutExtension { .. } => ("rfc5321", "4.1.1.11"),
            Warning::SizeOverLimit { .. } => ("rfc1870", "3"),
            Warning::LmtpWantsLhlo { .. } => ("rfc2033", "4.1"),
        };
        format!("https://www.rfc-editor.org/rfc/{doc}#section-{section}")
    }
}

impl fmt::Display for Warning {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Warning::SessionClosed => write!(f, "the session is closed"),
            Warning::BeforeGreeting => write!(
                f,
                "the server has not greeted yet; clients must wait for the greeting"
            ),
            Warning::TlsHandshakePending => write!(
                f,
                "the server said 220 to STARTTLS: the TLS handshake must come next"
            ),
            Warning::InMessageMode => write!(
                f,
                "in message mode after 354: this line becomes part of the message"
            ),
            Warning::AuthResponseDue => write!(
                f,
                "the server awaits an AUTH response: this line will be read as one"
            ),
            Warning::AuthResponseWithoutChallenge => write!(
                f,
                "no AUTH exchange is in progress: the server will read this as a command"
            ),
            Warning::PipelinedWithoutPipelining { awaiting } => write!(
                f,
                "{awaiting} repl{} still awaited and PIPELINING was not advertised; some servers drop such clients",
                if *awaiting == 1 { "y" } else { "ies" }
            ),
            Warning::PipelinedAfterGroupEnd { after } => write!(
                f,
                "{after} must be the last command of a pipelined group: wait for its reply"
            ),
            Warning::NoHello { verb } => write!(f, "{verb} before EHLO/HELO"),
            Warning::MailInTransaction => {
                write!(f, "a mail transaction is already open (RSET first)")
            }
            Warning::MailBeforeAuth => write!(f, "submission servers refuse MAIL before AUTH"),
            Warning::RcptBeforeMail => write!(f, "RCPT before an accepted MAIL"),
            Warning::NoRecipients { verb } => write!(f, "{verb} with no accepted recipient"),
            Warning::DataAfterBdat => write!(f, "DATA and BDAT cannot be mixed in one transaction"),
            Warning::AuthNotAdvertised => write!(f, "AUTH was not advertised"),
            Warning::MechanismNotOffered { mechanism, offered } => write!(
                f,
                "{mechanism} is not among the offered mechanisms ({})",
                offered.join(" ")
            ),
            Warning::AuthOverPlaintext => write!(f, "credentials would be sent without TLS"),
            Warning::AlreadyAuthenticated => {
                write!(f, "already authenticated; a second AUTH is refused")
            }
            Warning::AuthInTransaction => {
                write!(f, "AUTH is not allowed during a mail transaction")
            }
            Warning::StartTlsNotAdvertised => write!(f, "STARTTLS was not advertised"),
            Warning::TlsAlreadyActive => write!(f, "TLS is already active"),
            Warning::BdatWithoutChunking => write!(f, "BDAT without CHUNKING advertised"),
            Warning::ParameterWithoutExtension {
                parameter,
                extension,
            } => write!(
                f,
                "{parameter} needs the {extension} extension, which was not advertised"
            ),
            Warning::SizeOverLimit { declared, limit } => {
                write!(f, "SIZE={declared} is over the advertised limit of {limit}")
            }
            Warning::MessageWithoutDataGo => {
                write!(f, "no 354 go-ahead: the server will read this as commands")
            }
            Warning::LmtpWantsLhlo { verb } => write!(
                f,
                "{verb} to an LMTP server: LMTP is greeted with LHLO, and servers refuse {verb}"
            ),
        }
    }
}
