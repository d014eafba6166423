//! SMTP AUTH, client side: SASL mechanisms PLAIN, LOGIN, CRAM-MD5 and XOAUTH2 as a sans-IO
//! exchange, plus helpers that recognise secrets in lines a person types.
//!
//! Layer: protocol core (`proto`), sans-IO. Besides std, thiserror and base64 it uses hmac and md-5
//! (CRAM-MD5) and zeroize (secrets in memory).
//!
//! Security invariants: secrets live in [`Zeroizing`] buffers; no `Debug` here prints a secret or
//! its base64; every client line comes with a [`Redacted`] form for display and transcripts.
//!
//! ```text
//!  start() ──► AUTH <mech> [initial response]
//!  on_reply(334, challenge) ──► next response line   (repeat)
//!  on_reply(235 | other)    ──► Done(Outcome)
//!  cancel() ──► "*"          (then the server's 501 gives Done(Cancelled))
//! ```

use std::{fmt, str::FromStr};

use base64::{Engine, engine::general_purpose::STANDARD};
use hmac::{Hmac, KeyInit, Mac};
use md5::Md5;
use thiserror::Error;
use zeroize::Zeroizing;

use super::command::{Command, CommandError, InitialResponse, Redacted, SaslResponse};

/// A SASL mechanism, named as in the IANA SASL registry; names compare case-insensitively
/// ([RFC 4954 §4](https://www.rfc-editor.org/rfc/rfc4954#section-4)).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Mechanism {
    /// `PLAIN` ([RFC 4616](https://www.rfc-editor.org/rfc/rfc4616#section-2)).
    Plain,
    /// `LOGIN` (draft-murchison-sasl-login): username, then password, each in answer to a prompt.
    Login,
    /// `CRAM-MD5` ([RFC 2195 §2](https://www.rfc-editor.org/rfc/rfc2195#section-2)).
    CramMd5,
    /// `XOAUTH2`, Google's OAuth 2.0 bearer-token mechanism.
    XOAuth2,
    /// `OAUTHBEARER`, the standard OAuth 2.0 bearer-token mechanism
    /// ([RFC 7628 §3](https://www.rfc-editor.org/rfc/rfc7628#section-3)).
    OAuthBearer,
    /// Any other name, upper-cased. [`SaslClient`] cannot run it; a person can still type it.
    Other(String),
}

impl FromStr for Mechanism {
    type Err = AuthError;

    fn from_str(name: &str) -> Result<Self, AuthError> {
        let upper = name.to_ascii_uppercase();
        Ok(match upper.as_str() {
            "PLAIN" => Self::Plain,
            "LOGIN" => Self::Login,
            "CRAM-MD5" => Self::CramMd5,
            "XOAUTH2" => Self::XOAuth2,
            "OAUTHBEARER" => Self::OAuthBearer,
            _ if upper.is_empty() || !upper.bytes().all(|b| b.is_ascii_graphic()) => {
                return Err(AuthError::InvalidMechanismName(name.to_owned()));
            }
            _ => Self::Other(upper),
        })
    }
}

impl Mechanism {
    /// Whether the secret is an OAuth 2.0 access token rather than a password.
    pub fn uses_token(&self) -> bool {
        matches!(self, Self::XOAuth2 | Self::OAuthBearer)
    }
}

impl fmt::Display for Mechanism {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Plain => "PLAIN",
            Self::Login => "LOGIN",
            Self::CramMd5 => "CRAM-MD5",
            Self::XOAuth2 => "XOAUTH2",
            Self::OAuthBearer => "OAUTHBEARER",
            Self::Other(name) => name,
        })
    }
}

/// Who authenticates. `secret` is the password (PLAIN, LOGIN, CRAM-MD5) or the OAuth access token
/// (XOAUTH2, OAUTHBEARER). `Debug` never shows it.
#[derive(Clone)]
pub struct Credentials {
    /// The identity to act as, if not the username itself (PLAIN only).
    pub authzid: Option<String>,
    pub username: String,
    pub secret: Zeroizing<String>,
}

impl Credentials {
    pub fn new(username: impl Into<String>, secret: Zeroizing<String>) -> Self {
        Self {
            authzid: None,
            username: username.into(),
            secret,
        }
    }

    pub fn with_authzid(mut self, authzid: impl Into<String>) -> Self {
        self.authzid = Some(authzid.into());
        self
    }
}

impl fmt::Debug for Credentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Credentials")
            .field("authzid", &self.authzid)
            .field("username", &self.username)
            .field("secret", &format_args!("<redacted>"))
            .finish()
    }
}

/// What went wrong on the client side of an AUTH exchange. A server's refusal is not an error: it
/// is [`Outcome::Rejected`].
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum AuthError {
    /// The server's 334 text is not base64 ([RFC 4954 §4](https://www.rfc-editor.org/rfc/rfc4954#section-4)).
    #[error("the server's challenge is not valid base64: {0}")]
    InvalidChallenge(base64::DecodeError),
    /// A 334 arrived when the mechanism has nothing more to send; cancel with `*`.
    #[error("unexpected 334 challenge: {mechanism} has nothing more to send")]
    UnexpectedChallenge { mechanism: Mechanism },
    /// No client implementation for this mechanism.
    #[error("mechanism {0} is not supported by the built-in client")]
    UnsupportedMechanism(Mechanism),
    /// Only PLAIN carries an authorization identity.
    #[error("{0} cannot carry an authorization identity")]
    AuthzidNotSupported(Mechanism),
    /// A byte the mechanism uses as a separator (NUL for PLAIN, 0x01 for XOAUTH2).
    #[error("{field} contains byte 0x{byte:02x}, which {mechanism} uses as a separator")]
    SeparatorInCredential {
        mechanism: Mechanism,
        field: &'static str,
        byte: u8,
    },
    /// Not a SASL mechanism name (empty, or spaces or control characters).
    #[error("invalid SASL mechanism name {0:?}")]
    InvalidMechanismName(String),
    /// A [`SaslClient`] method called in the wrong state.
    #[error("{call} called while {state}")]
    OutOfOrder {
        call: &'static str,
        state: &'static str,
    },
    /// The line could not be encoded.
    #[error(transparent)]
    Command(#[from] CommandError),
}

/// Decodes the text of a 334 reply (what follows `334 `); surrounding whitespace and CRLF are
/// ignored and an empty text is an empty challenge.
pub fn decode_challenge(text: &[u8]) -> Result<Vec<u8>, AuthError> {
    STANDARD
        .decode(text.trim_ascii())
        .map_err(AuthError::InvalidChallenge)
}

/// Base64 of a client response, as sent.
pub fn encode_response(payload: &[u8]) -> Zeroizing<String> {
    Zeroizing::new(STANDARD.encode(payload))
}

fn refuse_separator(
    mechanism: Mechanism,
    fields: &[(&'static str, &str)],
    byte: u8,
) -> Result<(), AuthError> {
    match fields
        .iter()
        .find(|(_, value)| value.as_bytes().contains(&byte))
    {
        Some(&(field, _)) => Err(AuthError::SeparatorInCredential {
            mechanism,
            field,
            byte,
        }),
        None => Ok(()),
    }
}

/// The PLAIN message `[authzid] NUL authcid NUL passwd`
/// ([RFC 4616 §2](https://www.rfc-editor.org/rfc/rfc4616#section-2)); NUL inside a field is refused.
pub fn plain_payload(
    authzid: Option<&str>,
    username: &str,
    password: &str,
) -> Result<Zeroizing<Vec<u8>>, AuthError> {
    let authzid = authzid.unwrap_or("");
    let fields = [
        ("authzid", authzid),
        ("username", username),
        ("password", password),
    ];
    refuse_separator(Mechanism::Plain, &fields, 0)?;
    Ok(Zeroizing::new(
        [authzid, username, password].join("\0").into_bytes(),
    ))
}

/// The CRAM-MD5 response `username SP hex(HMAC-MD5(secret, challenge))`, lowercase hex
/// ([RFC 2195 §2](https://www.rfc-editor.org/rfc/rfc2195#section-2)).
pub fn cram_md5_response(username: &str, secret: &str, challenge: &[u8]) -> Zeroizing<Vec<u8>> {
    // HMAC takes keys of any length (long keys are hashed), so this cannot fail.
    let digest = match <Hmac<Md5> as KeyInit>::new_from_slice(secret.as_bytes()) {
        Ok(mut mac) => {
            mac.update(challenge);
            mac.finalize().into_bytes()
        }
        Err(_) => Default::default(),
    };
    let mut response = Zeroizing::new(Vec::with_capacity(username.len() + 33));
    response.extend_from_slice(username.as_bytes());
    response.push(b' ');
    for byte in digest.iter() {
        response.extend_from_slice(format!("{byte:02x}").as_bytes());
    }
    response
}

/// The XOAUTH2 message `user=U ^A auth=Bearer T ^A ^A` as Google documents it; 0x01 inside a
/// field is refused.
pub fn xoauth2_payload(username: &str, token: &str) -> Result<Zeroizing<Vec<u8>>, AuthError> {
    refuse_separator(
        Mechanism::XOAuth2,
        &[("username", username), ("token", token)],
        1,
    )?;
    Ok(Zeroizing::new(
        format!("user={username}\x01auth=Bearer {token}\x01\x01").into_bytes(),
    ))
}

/// The OAUTHBEARER initial client response
/// `n,a=<user>,^Aauth=Bearer <token>^A^A`
/// ([RFC 7628 §3.1](https://www.rfc-editor.org/rfc/rfc7628#section-3.1)): a GS2 header
/// naming the user as authorization identity, `,` and `=` in it written `=2C` and `=3D`
/// ([RFC 5801 §4](https://www.rfc-editor.org/rfc/rfc5801#section-4)), then the bearer token.
pub fn oauthbearer_payload(username: &str, token: &str) -> Result<Zeroizing<Vec<u8>>, AuthError> {
    refuse_separator(
        Mechanism::OAuthBearer,
        &[("username", username), ("token", token)],
        1,
    )?;
    let user = username.replace('=', "=3D").replace(',', "=2C");
    Ok(Zeroizing::new(
        format!("n,a={user},\x01auth=Bearer {token}\x01\x01").into_bytes(),
    ))
}

/// The `status` of an OAuth error challenge: after a refused token the server sends a 334
/// whose text is a JSON object such as `{"status":"invalid_token","scope":"…"}`
/// ([RFC 7628 §3.2.2](https://www.rfc-editor.org/rfc/rfc7628#section-3.2.2); XOAUTH2 does
/// the same). Only a flat object with string values is read; anything else is `None`.
pub fn oauth_error_status(challenge: &[u8]) -> Option<String> {
    let text = std::str::from_utf8(challenge).ok()?.trim();
    let inner = text.strip_prefix('{')?.strip_suffix('}')?;
    let mut rest = inner.trim_start();
    while !rest.is_empty() {
        let (key, after) = json_string(rest)?;
        let after = after.trim_start().strip_prefix(':')?.trim_start();
        let (value, after) = json_string(after)?;
        if key == "status" {
            return Some(value);
        }
        rest = after.trim_start();
        rest = rest.strip_prefix(',').map_or(rest, str::trim_start);
    }
    None
}

/// A JSON string at the start of `text` (simple escapes only) and what follows it.
fn json_string(text: &str) -> Option<(String, &str)> {
    let body = text.strip_prefix('"')?;
    let mut out = String::new();
    let mut chars = body.char_indices();
    while let Some((i, c)) = chars.next() {
        match c {
            '"' => return Some((out, &body[i + 1..])),
            '\\' => match chars.next()?.1 {
                'n' => out.push('\n'),
                't' => out.push('\t'),
                other => out.push(other),
            },
            c => out.push(c),
        }
    }
    None
}

/// One line for the client to send: the [`Command`], its exact bytes, and a display form.
#[derive(Clone)]
pub struct ClientLine {
    command: Command,
    bytes: Zeroizing<Vec<u8>>,
}

impl ClientLine {
    fn new(command: Command) -> Result<Self, AuthError> {
        let bytes = Zeroizing::new(command.encode()?);
        Ok(Self { command, bytes })
    }

    /// What the session should record as sent.
    pub fn command(&self) -> &Command {
        &self.command
    }

    /// The exact wire bytes, ending in CRLF.
    pub fn bytes(&self) -> &[u8] {
        &self.bytes
    }

    /// The line for display and transcripts, e.g. `AUTH PLAIN <redacted 28 bytes>`.
    pub fn redacted(&self) -> Redacted {
        self.command.redacted()
    }
}

impl fmt::Debug for ClientLine {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("ClientLine")
            .field(&self.redacted().as_str())
            .finish()
    }
}

/// How an AUTH exchange ended, from the server's final reply
/// ([RFC 4954 §6](https://www.rfc-editor.org/rfc/rfc4954#section-6)).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// 235.
    Authenticated,
    /// Any other final reply (535, 534, 454, 504, …).
    Rejected { code: u16 },
    /// The final reply after the client sent `*` (normally 501).
    Cancelled { code: u16 },
}

/// What to do after a server reply.
#[derive(Debug, Clone)]
pub enum AuthStep {
    /// Send this line and wait for the next reply.
    Send(ClientLine),
    /// The exchange is over.
    Done(Outcome),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Stage {
    NotStarted,
    /// AUTH sent; `sent` client messages so far (an initial response counts).
    Exchanging {
        sent: u8,
    },
    CancelSent,
    Done(Outcome),
}

impl Stage {
    fn name(self) -> &'static str {
        match self {
            Self::NotStarted => "the exchange has not started",
            Self::Exchanging { .. } => "the exchange is under way",
            Self::CancelSent => "the exchange is being cancelled",
            Self::Done(_) => "the exchange is over",
        }
    }
}

/// A sans-IO SASL client for one AUTH exchange. It turns server replies into the client's next
/// line; the caller does the I/O.
#[derive(Clone)]
pub struct SaslClient {
    mechanism: Mechanism,
    credentials: Credentials,
    initial_response: bool,
    stage: Stage,
}

impl fmt::Debug for SaslClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SaslClient")
            .field("mechanism", &self.mechanism)
            .field("credentials", &self.credentials)
            .field("initial_response", &self.initial_response)
            .field("stage", &self.stage)
            .finish()
    }
}

impl SaslClient {
    /// `initial_response` puts the first client message on the AUTH line
    /// ([RFC 4954 §4](https://www.rfc-editor.org/rfc/rfc4954#section-4)), saving a round trip;
    /// for LOGIN that is `AUTH LOGIN <base64 username>`. CRAM-MD5 has none (the server speaks
    /// first), so the flag is ignored there.
    pub fn new(
        mechanism: Mechanism,
        credentials: Credentials,
        initial_response: bool,
    ) -> Result<Self, AuthError> {
        match mechanism {
            Mechanism::Other(_) => return Err(AuthError::UnsupportedMechanism(mechanism)),
            Mechanism::Plain => {}
            _ if credentials.authzid.is_some() => {
                return Err(AuthError::AuthzidNotSupported(mechanism));
            }
            _ => {}
        }
        let client = Self {
            initial_response: initial_response && mechanism != Mechanism::CramMd5,
            mechanism,
            credentials,
            stage: Stage::NotStarted,
        };
        // Check separators now rather than mid-exchange.
        client.message(0, &[])?;
        Ok(client)
    }

    pub fn mechanism(&self) -> &Mechanism {
        &self.mechanism
    }

    /// The outcome once the final reply has been seen.
    pub fn outcome(&self) -> Option<Outcome> {
        match self.stage {
            Stage::Done(outcome) => Some(outcome),
            _ => None,
        }
    }

    /// The `AUTH` command that opens the exchange.
    pub fn start(&mut self) -> Result<ClientLine, AuthError> {
        self.expect_stage("start", |stage| stage == Stage::NotStarted)?;
        let initial_response = match self.initial_response {
            false => None,
            true => Some(match self.message(0, &[])? {
                Some(payload) if !payload.is_empty() => {
                    InitialResponse::Base64(encode_response(&payload))
                }
                _ => InitialResponse::Empty,
            }),
        };
        let line = ClientLine::new(Command::Auth {
            mechanism: self.mechanism.to_string(),
            initial_response,
        })?;
        self.stage = Stage::Exchanging {
            sent: u8::from(self.initial_response),
        };
        Ok(line)
    }

    /// Feeds the server's reply to the exchange: `text` is the reply text (after `334 ` for a
    /// challenge). 334 gives the next line to send; any other code ends the exchange.
    pub fn on_reply(&mut self, code: u16, text: &[u8]) -> Result<AuthStep, AuthError> {
        self.expect_stage("on_reply", |stage| {
            matches!(stage, Stage::Exchanging { .. } | Stage::CancelSent)
        })?;
        let outcome = match (code, self.stage) {
            (334, Stage::CancelSent) => {
                return Err(AuthError::UnexpectedChallenge {
                    mechanism: self.mechanism.clone(),
                });
            }
            (334, _) => return self.respond(text).map(AuthStep::Send),
            (235, _) => Outcome::Authenticated,
            (code, Stage::CancelSent) => Outcome::Cancelled { code },
            (code, _) => Outcome::Rejected { code },
        };
        self.stage = Stage::Done(outcome);
        Ok(AuthStep::Done(outcome))
    }

    /// The answer to one 334 challenge (`text` is its base64). On error the exchange is unchanged,
    /// so the caller can still [`cancel`](Self::cancel).
    pub fn respond(&mut self, text: &[u8]) -> Result<ClientLine, AuthError> {
        let Stage::Exchanging { sent } = self.stage else {
            return Err(AuthError::OutOfOrder {
                call: "respond",
                state: self.stage.name(),
            });
        };
        let challenge = decode_challenge(text)?;
        let payload =
            self.message(sent, &challenge)?
                .ok_or_else(|| AuthError::UnexpectedChallenge {
                    mechanism: self.mechanism.clone(),
                })?;
        let line = ClientLine::new(Command::AuthResponse(SaslResponse::Data(encode_response(
            &payload,
        ))))?;
        self.stage = Stage::Exchanging {
            sent: sent.saturating_add(1),
        };
        Ok(line)
    }

    /// `*`: abandon the exchange ([RFC 4954 §4](https://www.rfc-editor.org/rfc/rfc4954#section-4)).
    pub fn cancel(&mut self) -> Result<ClientLine, AuthError> {
        self.expect_stage("cancel", |stage| matches!(stage, Stage::Exchanging { .. }))?;
        self.stage = Stage::CancelSent;
        ClientLine::new(Command::AuthResponse(SaslResponse::Cancel))
    }

    fn expect_stage(&self, call: &'static str, ok: fn(Stage) -> bool) -> Result<(), AuthError> {
        if ok(self.stage) {
            Ok(())
        } else {
            Err(AuthError::OutOfOrder {
                call,
                state: self.stage.name(),
            })
        }
    }

    /// The client's message number `index` (0-based) given the current challenge; `None` when the
    /// mechanism has nothing more to say.
    fn message(
        &self,
        index: u8,
        challenge: &[u8],
    ) -> Result<Option<Zeroizing<Vec<u8>>>, AuthError> {
        let Credentials {
            authzid,
            username,
            secret,
        } = &self.credentials;
        let bytes = |text: &str| Zeroizing::new(text.as_bytes().to_vec());
        Ok(match (&self.mechanism, index) {
            (Mechanism::Plain, 0) => Some(plain_payload(authzid.as_deref(), username, secret)?),
            // LOGIN prompts ("Username:", "Password:") vary between servers; answer by position.
            (Mechanism::Login, 0) => Some(bytes(username)),
            (Mechanism::Login, 1) => Some(bytes(secret)),
            (Mechanism::CramMd5, 0) => Some(cram_md5_response(username, secret, challenge)),
            (Mechanism::XOAuth2, 0) => Some(xoauth2_payload(username, secret)?),
            // After a failed XOAUTH2 the server sends a 334 with a JSON error; the client answers
            // with an empty line and the server then sends its final reply.
            (Mechanism::XOAuth2, 1) => Some(Zeroizing::new(Vec::new())),
            (Mechanism::OAuthBearer, 0) => Some(oauthbearer_payload(username, secret)?),
            // After a refused token the server sends a 334 with a JSON error; the client must
            // answer with a lone ^A, and the server then sends its final reply
            // (RFC 7628 §3.2.3).
            (Mechanism::OAuthBearer, 1) => Some(Zeroizing::new(vec![0x01])),
            _ => None,
        })
    }
}

pub mod policy;

/// Whether `name` is a well-formed SASL mechanism name: 1 to 20 of `A–Z 0–9 - _`
/// ([RFC 4422 §3.1](https://www.rfc-editor.org/rfc/rfc4422#section-3.1)). Anything else a
/// server advertises is shown escaped, never offered for completion or the AUTH form:
/// what is offered is inserted into the prompt and the history as it is.
pub fn is_mechanism_name(name: &str) -> bool {
    (1..=20).contains(&name.len())
        && name
            .bytes()
            .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'-' || b == b'_')
}
mod typed;
pub mod view;

mod wipe;

pub use typed::{
    awaits_sasl_response, looks_like_auth_secret, parse_sasl_response_line, redact_typed_line,
};

#[cfg(test)]
mod tests;
