//! The flags of `smtpx probe`: a whole session headless.
//!
//! Layer: CLI parsing.

use std::path::{Path, PathBuf};

use clap::builder::{PossibleValuesParser, TypedValueParser};
use clap::{Args, ValueEnum};
use zeroize::Zeroizing;

use super::transcript::RecordArgs;
use super::{CliError, ConnectArgs};
use crate::probe::{Credentials, EnvelopeParams, MessagePlan, PrintOptions, ProbePlan, Stage};
use crate::proto::auth::Mechanism;
use crate::proto::command::{Notify, Param, Ret};
use crate::proto::message::HeaderField;

/// `--quit-after STEP`: one of the stages the probe can stop after, by name.
fn quit_after() -> impl TypedValueParser<Value = Stage> {
    PossibleValuesParser::new(Stage::STOPPABLE.map(Stage::name))
        .try_map(|name| Stage::from_name(&name).ok_or_else(|| format!("no step {name}")))
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum AuthArg {
    Plain,
    Login,
    #[value(name = "cram-md5")]
    CramMd5,
    Xoauth2,
    Oauthbearer,
}

/// `--dsn-ret`: what a delivery status notification returns of the message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum RetArg {
    Full,
    Hdrs,
}

fn parse_header(text: &str) -> Result<HeaderField, String> {
    text.parse()
        .map_err(|e: crate::proto::message::HeaderError| e.to_string())
}

fn parse_notify(text: &str) -> Result<Notify, String> {
    Notify::parse(text).map_err(|e| e.to_string())
}

fn parse_param(text: &str) -> Result<Param, String> {
    text.parse()
        .map_err(|e: crate::proto::command::CommandError| e.to_string())
}

/// The flags that shape the message and the envelope beyond the addresses (boxed: they
/// would make `ProbeArgs` the one large variant of the command enum).
#[derive(Debug, Clone, Args)]
pub struct ExtraArgs {
    /// Add a header to the built message (repeatable); one named like a generated header
    /// (Subject, From, To, Date, Message-ID) replaces it. CR and LF are refused.
    #[arg(long, value_name = "NAME: VALUE", value_parser = parse_header, conflicts_with = "data")]
    pub header: Vec<HeaderField>,

    /// Attach a file (repeatable): the message becomes MIME multipart/mixed, the content
    /// type guessed from the extension, the bytes base64-encoded (text may go
    /// quoted-printable).
    #[arg(long, value_name = "FILE", conflicts_with = "data")]
    pub attach: Vec<PathBuf>,

    /// An HTML version of the body (a file's contents, or the text itself): the message
    /// becomes multipart/alternative.
    #[arg(long, value_name = "FILE|TEXT", conflicts_with = "data")]
    pub body_html: Option<String>,

    /// DSN (RFC 3461): when to report on each recipient, NOTIFY= on RCPT: NEVER, or a
    /// comma-separated list of SUCCESS, FAILURE, DELAY.
    #[arg(long, value_name = "LIST", value_parser = parse_notify)]
    pub dsn_notify: Option<Notify>,

    /// DSN (RFC 3461): what a report returns of the message, RET= on MAIL.
    #[arg(long, value_enum, value_name = "WHAT")]
    pub dsn_ret: Option<RetArg>,

    /// DSN (RFC 3461): an envelope identifier returned in reports, ENVID= on MAIL
    /// (xtext-encoded).
    #[arg(long, value_name = "ID")]
    pub envid: Option<String>,

    /// DSN (RFC 3461): ORCPT=rfc822;ADDRESS on each RCPT, naming the recipient as given.
    #[arg(long)]
    pub dsn_orcpt: bool,

    /// REQUIRETLS on MAIL (RFC 8689): every hop must relay over verified TLS or return the
    /// message. Sent only over TLS.
    #[arg(long)]
    pub requiretls: bool,

    /// A MAIL FROM parameter as sent, KEYWORD[=VALUE] (repeatable; the value in wire form).
    #[arg(long, value_name = "K=V", value_parser = parse_param)]
    pub mail_param: Vec<Param>,

    /// An RCPT TO parameter as sent on every recipient, KEYWORD[=VALUE] (repeatable).
    #[arg(long, value_name = "K=V", value_parser = parse_param)]
    pub rcpt_param: Vec<Param>,

    /// Send MAIL and RCPT parameters even when the server does not advertise their
    /// extension (or REQUIRETLS in plaintext). Without it the probe stops before MAIL
    /// (exit 2) and says why.
    #[arg(long)]
    pub force_params: bool,
}

#[derive(Debug, Clone, Args)]
pub struct ProbeArgs {
    #[command(flatten)]
    pub connect: ConnectArgs,

    /// Authenticate with this SASL mechanism (RFC 4954).
    #[arg(long, value_enum)]
    pub auth: Option<AuthArg>,

    /// User name for AUTH.
    #[arg(long, short = 'u', value_name = "USER")]
    pub user: Option<String>,

    /// Read the password (or OAuth token) from this environment variable.
    #[arg(long, value_name = "VAR", conflicts_with = "password_file")]
    pub password_env: Option<String>,

    /// Read the password (or OAuth token) from the first line of this file.
    #[arg(long, value_name = "FILE")]
    pub password_file: Option<PathBuf>,

    /// Envelope sender for MAIL FROM (default: USER@host name; `<>` for the null sender).
    #[arg(long, short = 'f', value_name = "ADDR")]
    pub from: Option<String>,

    /// Envelope recipient for RCPT TO (repeatable; commas separate several, as in swaks).
    /// Without one the probe stops before MAIL.
    #[arg(long, short = 't', value_name = "ADDR")]
    pub to: Vec<String>,

    /// The message to send, exactly as in the file (`-` for standard input).
    #[arg(long, value_name = "FILE", conflicts_with = "body")]
    pub data: Option<PathBuf>,

    /// A body text; a minimal RFC 5322 message (Date, Message-ID, From, To, Subject) is
    /// built around it.
    #[arg(long, value_name = "TEXT")]
    pub body: Option<String>,

    /// Subject of the built message.
    #[arg(long, value_name = "TEXT", default_value = "smtpx probe")]
    pub subject: String,

    /// Headers, attachments, HTML; DSN, REQUIRETLS and raw MAIL/RCPT parameters.
    #[command(flatten)]
    pub extras: Box<ExtraArgs>,

    /// Send the message with BDAT chunks (RFC 3030 CHUNKING) instead of DATA.
    #[arg(long)]
    pub bdat: bool,

    /// Largest BDAT chunk in octets.
    #[arg(
        long,
        value_name = "OCTETS",
        default_value_t = 65_536,
        requires = "bdat"
    )]
    pub chunk_size: usize,

    /// One command at a time, each reply awaited, even where the server advertises
    /// PIPELINING (RFC 2920), for servers that break under pipelining; also keeps DATA
    /// unless --bdat is given.
    #[arg(long)]
    pub no_pipeline: bool,

    /// Require PIPELINING (RFC 2920): stop before MAIL (exit 2) when the server does not
    /// advertise it. (The probe pipelines by default where it is advertised.)
    #[arg(long, conflicts_with = "no_pipeline")]
    pub pipeline: bool,

    /// Send credentials even where they are not protected: in plaintext, over TLS whose
    /// certificate did not verify, to a server that did not advertise AUTH or the
    /// mechanism. Without it the probe stops before AUTH and says why.
    #[arg(long)]
    pub allow_insecure_auth: bool,

    /// Stop (with QUIT) after this step.
    #[arg(long, value_name = "STEP", value_parser = quit_after())]
    pub quit_after: Option<Stage>,

    /// Speak LMTP (RFC 2033): LHLO instead of EHLO, and one reply per accepted recipient
    /// after the message, each shown with its recipient.
    #[arg(long, conflicts_with = "helo")]
    pub lmtp: bool,

    /// Greet with HELO instead of EHLO: no extensions (without it, HELO follows only an
    /// EHLO refused with 5yz, as RFC 5321 §4.1.4 allows).
    #[arg(long)]
    pub helo: bool,

    /// Send Postfix's XCLIENT with this attribute after EHLO (repeatable: NAME=, ADDR=,
    /// PORT=, PROTO=, HELO=, LOGIN=, …); the server then greets again and EHLO is re-sent.
    /// For testing a server that trusts this host to forward client attributes.
    #[arg(long, value_name = "ATTR=VALUE", value_parser = xclient_attribute)]
    pub xclient: Vec<String>,

    /// One JSON object per event on standard output (the tls event carries every
    /// certificate field).
    #[arg(long)]
    pub json: bool,

    /// Print every certificate field, how the chain links, and the three verdicts.
    #[arg(long)]
    pub show_cert: bool,

    /// Write the chain the server sent as PEM (leaf first) to this file.
    #[arg(long, value_name = "PATH")]
    pub save_chain: Option<PathBuf>,

    #[command(flatten)]
    pub record: RecordArgs,

    /// The secret source of the `@PROFILE` used, when no flag names one.
    #[arg(skip)]
    pub profile_secret: Option<crate::config::SecretSource>,
}

impl From<AuthArg> for Mechanism {
    fn from(arg: AuthArg) -> Mechanism {
        match arg {
            AuthArg::Plain => Mechanism::Plain,
            AuthArg::Login => Mechanism::Login,
            AuthArg::CramMd5 => Mechanism::CramMd5,
            AuthArg::Xoauth2 => Mechanism::XOAuth2,
            AuthArg::Oauthbearer => Mechanism::OAuthBearer,
        }
    }
}

impl ProbeArgs {
    /// The session these flags ask for. The secret is read here (from the environment, a
    /// file or a prompt), so a missing one stops the probe before it connects.
    pub fn into_plan(self) -> Result<ProbePlan, CliError> {
        let (mx, resolver) = self.connect.mx_plan()?;
        let connect = self.connect.into_plan()?;
        if self.auth.is_some() && self.user.is_none() {
            return Err(CliError::AuthNeedsUser);
        }
        let credentials = match self.user {
            Some(user) => Some(Credentials {
                mechanism: self.auth.map(Mechanism::from),
                secret: match (
                    &self.password_env,
                    &self.password_file,
                    &self.profile_secret,
                ) {
                    (None, None, Some(source)) => source.fetch()?,
                    _ => read_secret(
                        self.password_env.as_deref(),
                        self.password_file.as_deref(),
                        &user,
                    )?,
                },
                user,
            }),
            None => None,
        };
        let extras = *self.extras;
        let message = match self.data {
            Some(path) if path == Path::new("-") => MessagePlan::Stdin,
            Some(path) => MessagePlan::File(path),
            None => MessagePlan::Built {
                body: self.body,
                subject: self.subject,
                headers: extras.header,
                html: extras.body_html,
                attachments: extras.attach,
            },
        };
        Ok(ProbePlan {
            connect,
            mx: mx.map(Box::new),
            resolver: Box::new(resolver),
            credentials,
            allow_insecure_auth: self.allow_insecure_auth,
            from: self.from,
            to: split_recipients(&self.to),
            message,
            bdat: self.bdat.then_some(self.chunk_size),
            pipeline: !self.no_pipeline,
            require_pipelining: self.pipeline,
            envelope: EnvelopeParams {
                ret: extras.dsn_ret.map(|ret| match ret {
                    RetArg::Full => Ret::Full,
                    RetArg::Hdrs => Ret::Hdrs,
                }),
                envid: extras.envid,
                notify: extras.dsn_notify,
                orcpt: extras.dsn_orcpt,
                requiretls: extras.requiretls,
                mail: extras.mail_param,
                rcpt: extras.rcpt_param,
                force: extras.force_params,
            },
            quit_after: self.quit_after,
            lmtp: self.lmtp,
            helo: self.helo,
            xclient: self.xclient,
            print: PrintOptions {
                json: self.json,
                show_cert: self.show_cert,
                save_chain: self.save_chain,
            },
            record: self.record.into_options(),
        })
    }
}

/// `ATTR=VALUE` for XCLIENT: the attribute name upper-cased, the value xtext-encoded
/// ([RFC 3461 §4](https://www.rfc-editor.org/rfc/rfc3461#section-4), as Postfix's
/// XCLIENT_README asks), so a space or `+` in it cannot break the command line.
fn xclient_attribute(text: &str) -> Result<String, String> {
    let (name, value) = text
        .split_once('=')
        .ok_or_else(|| format!("{text:?} is not ATTR=VALUE"))?;
    let name_ok = !name.is_empty()
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
    if !name_ok {
        return Err(format!("{name:?} is not an attribute name"));
    }
    let mut encoded = String::new();
    for byte in value.bytes() {
        if (b'!'..=b'~').contains(&byte) && byte != b'+' && byte != b'=' {
            encoded.push(char::from(byte));
        } else {
            encoded.push_str(&format!("+{byte:02X}"));
        }
    }
    Ok(format!("{}={encoded}", name.to_ascii_uppercase()))
}

/// The secret comes from an environment variable, a file (its first line), or a prompt —
/// never from argv.
pub(super) fn read_secret(
    variable: Option<&str>,
    file: Option<&Path>,
    user: &str,
) -> Result<Zeroizing<String>, CliError> {
    if let Some(var) = variable {
        return std::env::var(var)
            .map(Zeroizing::new)
            .map_err(|_| CliError::SecretVariable { var: var.into() });
    }
    if let Some(path) = file {
        super::warn_if_readable_by_others(path);
        let text = Zeroizing::new(std::fs::read_to_string(path).map_err(|source| {
            CliError::SecretFile {
                path: path.to_path_buf(),
                source,
            }
        })?);
        let line = text.lines().next().unwrap_or("");
        return Ok(Zeroizing::new(line.to_string()));
    }
    rpassword::prompt_password(format!("Password for {user}: "))
        .map(Zeroizing::new)
        .map_err(CliError::SecretPrompt)
}

/// `--to a@x,b@y` as swaks takes it: each value split on commas, except inside a quoted
/// local part (`"last, first"@example.com`), blanks trimmed, empty pieces dropped.
pub(super) fn split_recipients(values: &[String]) -> Vec<String> {
    let mut out = Vec::new();
    for value in values {
        let mut quoted = false;
        let mut escaped = false;
        let mut piece = String::new();
        for c in value.chars() {
            match c {
                _ if escaped => escaped = false,
                '\\' if quoted => escaped = true,
                '"' => quoted = !quoted,
                ',' if !quoted => {
                    out.push(std::mem::take(&mut piece));
                    continue;
                }
                _ => {}
            }
            piece.push(c);
        }
        out.push(piece);
    }
    out.into_iter()
        .map(|piece| piece.trim().to_string())
        .filter(|piece| !piece.is_empty())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::{split_recipients, xclient_attribute};

    fn split(values: &[&str]) -> Vec<String> {
        split_recipients(&values.iter().map(|v| v.to_string()).collect::<Vec<_>>())
    }

    #[test]
    fn xclient_attributes_are_upper_cased_and_their_values_xtext_encoded() {
        assert_eq!(
            xclient_attribute("addr=192.0.2.7").as_deref(),
            Ok("ADDR=192.0.2.7")
        );
        assert_eq!(
            xclient_attribute("NAME=a b+c=d").as_deref(),
            Ok("NAME=a+20b+2Bc+3Dd")
        );
        assert_eq!(xclient_attribute("LOGIN=").as_deref(), Ok("LOGIN="));
        assert!(xclient_attribute("ADDR").is_err());
        assert!(xclient_attribute("AD DR=x").is_err());
        assert!(xclient_attribute("=x").is_err());
    }

    #[test]
    fn commas_separate_recipients_as_swaks_does() {
        assert_eq!(split(&["a@x,b@y"]), ["a@x", "b@y"]);
        assert_eq!(split(&["a@x, b@y,", "c@z"]), ["a@x", "b@y", "c@z"]);
    }

    #[test]
    fn a_comma_inside_a_quoted_local_part_stays() {
        assert_eq!(
            split(&["\"last, first\"@x,b@y"]),
            ["\"last, first\"@x", "b@y"]
        );
        assert_eq!(split(&["\"a\\\",b\"@x"]), ["\"a\\\",b\"@x"]);
    }
}
