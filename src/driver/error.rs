//! Why the driver could not go on, and the failure event that says so.
//!
//! Layer: driver.

use crate::event::failure::{Cause, Failure, FailureKind, IoFailure, Phase};
use crate::net::NetError;
use crate::proto::auth::AuthError;

/// Why the driver could not go on. A reply the server chose to send is never one of these.
#[derive(Debug, thiserror::Error)]
pub enum DriverError {
    /// The network failed, a timeout fired, or the server broke the protocol.
    #[error(transparent)]
    Net(#[from] NetError),
    /// The server closed the connection.
    #[error("the server closed the connection{}", if *.during_reply { " in the middle of a reply" } else { "" })]
    Closed { during_reply: bool },
    /// No connection is open.
    #[error("not connected")]
    NotConnected,
    /// A command could not be encoded (CR/LF in an argument, …).
    #[error("cannot send that command: {0}")]
    Command(#[from] crate::proto::command::CommandError),
    /// The SASL exchange could not start: a mechanism or credentials the built-in client
    /// cannot use.
    #[error("authentication exchange failed: {0}")]
    AuthSetup(#[source] AuthError),
    /// The server's side of the SASL exchange made no sense (a challenge that is not base64,
    /// a 334 the mechanism has no answer for).
    #[error("authentication exchange failed: {0}")]
    AuthExchange(#[source] AuthError),
    /// The server kept challenging past the rounds any mechanism smtpx speaks needs.
    #[error("authentication exchange failed: the server kept sending 334 challenges")]
    EndlessChallenges,
    /// The message could not be read from its source (a file being streamed).
    #[error("cannot read the message: {0}")]
    Source(std::io::Error),
    /// The server kept sending replies no command asked for; reading stopped so that a
    /// flood cannot grow memory or the transcript without bound.
    #[error(
        "the server sent {count} replies in a row that no command asked for (a flood); \
         smtpx stopped reading and closed the connection"
    )]
    Flood { count: usize },
}

impl DriverError {
    /// The failure as plain data for a [`SessionEvent::Failed`](crate::event::SessionEvent::Failed); its words are this error's
    /// `Display`.
    pub fn failure(&self) -> Failure {
        let (kind, cause) = match self {
            DriverError::Net(error) => error.cause(),
            DriverError::Closed { during_reply } => (
                FailureKind::Network,
                Cause::Closed {
                    during: during_reply.then_some(Phase::Reply),
                },
            ),
            DriverError::NotConnected => (FailureKind::Local, Cause::NotConnected),
            DriverError::Command(_) => (FailureKind::Local, Cause::Command),
            DriverError::AuthSetup(_) => (FailureKind::Local, Cause::Authentication),
            DriverError::AuthExchange(_) | DriverError::EndlessChallenges => {
                (FailureKind::Protocol, Cause::Authentication)
            }
            DriverError::Source(error) => (
                FailureKind::Local,
                Cause::MessageSource {
                    error: IoFailure::from(error),
                },
            ),
            DriverError::Flood { count } => (FailureKind::Protocol, Cause::Flood { count: *count }),
        };
        Failure::new(kind, cause, self.to_string())
    }
}
