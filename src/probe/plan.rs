//! What a probe is asked to do ([`ProbePlan`]): the connection, the credentials (the secret
//! already read), the envelope and message, where to stop, how to print and what to record.
//! `smtpx probe` builds it from the command line and `smtpx demo` builds it directly.
//!
//! Layer: probe (plain data).

use std::path::PathBuf;

use zeroize::Zeroizing;

use super::Stage;
pub use super::output::PrintOptions;
use crate::dns::ResolverPlan;
use crate::dns::reach::MxPlan;
use crate::net::ConnectPlan;
use crate::proto::auth::Mechanism;
use crate::proto::command::{Notify, Param, Ret};
use crate::proto::message::HeaderField;
use crate::transcript::RecordOptions;

/// A whole headless session, as asked for.
#[derive(Debug)]
pub struct ProbePlan {
    pub connect: ConnectPlan,
    /// `--mx`: the target is a mail domain, reached through its MX hosts.
    /// (Boxed, as the resolver: the plans are part of the command enum, kept small.)
    pub mx: Option<Box<MxPlan>>,
    /// The resolver for `--mx`, and for saying whether a target that does not resolve is a
    /// mail domain.
    pub resolver: Box<ResolverPlan>,
    /// AUTH, when a user name was given.
    pub credentials: Option<Credentials>,
    /// The user's named opt-in to send credentials where the policy would hold them
    /// ([`crate::proto::auth::policy`]).
    pub allow_insecure_auth: bool,
    /// The reverse-path as given (`None`: `$USER@` the EHLO name; `<>`: the null sender).
    pub from: Option<String>,
    /// The recipients; none: the probe stops before MAIL.
    pub to: Vec<String>,
    pub message: MessagePlan,
    /// Send the message in BDAT chunks of at most this many octets instead of DATA.
    pub bdat: Option<usize>,
    /// Pipeline the mail transaction where the server advertises PIPELINING, and send a
    /// small message with `BDAT n LAST` in the same write where it advertises CHUNKING
    /// (`--no-pipeline` turns both off: one command at a time, DATA unless `--bdat`).
    pub pipeline: bool,
    /// `--pipeline`: stop before MAIL when the server does not advertise PIPELINING.
    pub require_pipelining: bool,
    /// MAIL and RCPT parameters asked for (DSN, REQUIRETLS, raw ones).
    pub envelope: EnvelopeParams,
    /// Stop (with QUIT) after this step; one of [`Stage::STOPPABLE`].
    pub quit_after: Option<Stage>,
    /// Speak LMTP ([RFC 2033](https://www.rfc-editor.org/rfc/rfc2033)): LHLO, and one
    /// reply per accepted recipient after the message.
    pub lmtp: bool,
    /// Greet with HELO instead of EHLO (no extensions).
    pub helo: bool,
    /// `XCLIENT` attributes (`NAME=VALUE`, value already xtext-encoded) sent after EHLO;
    /// the session then starts over with a new EHLO.
    pub xclient: Vec<String>,
    pub print: PrintOptions,
    pub record: RecordOptions,
}

/// Who to log in as, and the secret, read before connecting.
pub struct Credentials {
    /// The SASL mechanism asked for; `None`: the first offered one the probe speaks.
    pub mechanism: Option<Mechanism>,
    pub user: String,
    pub secret: Zeroizing<String>,
}

impl std::fmt::Debug for Credentials {
    // The secret never reaches a log or a panic message.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Credentials")
            .field("mechanism", &self.mechanism)
            .field("user", &self.user)
            .finish_non_exhaustive()
    }
}

/// Where the message comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MessagePlan {
    /// A file sent exactly as it is, streamed.
    File(PathBuf),
    /// Standard input, read whole.
    Stdin,
    /// A minimal RFC 5322 message built around `body` (a default text when `None`).
    Built {
        body: Option<String>,
        subject: String,
        /// `--header` fields.
        headers: Vec<HeaderField>,
        /// `--body-html`: a file's contents when it names a file, else the text itself.
        html: Option<String>,
        /// `--attach` files, read when the probe starts.
        attachments: Vec<PathBuf>,
    },
}

/// The MAIL and RCPT parameters the user asked for, beyond the ones the probe adds itself
/// (SIZE, BODY, SMTPUTF8).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct EnvelopeParams {
    /// `RET=` on MAIL ([RFC 3461 §4.3](https://www.rfc-editor.org/rfc/rfc3461#section-4.3)).
    pub ret: Option<Ret>,
    /// `ENVID=` on MAIL, as typed (xtext-encoded when sent).
    pub envid: Option<String>,
    /// `NOTIFY=` on every RCPT.
    pub notify: Option<Notify>,
    /// `ORCPT=rfc822;…` on every RCPT, naming the recipient itself.
    pub orcpt: bool,
    /// `REQUIRETLS` on MAIL ([RFC 8689](https://www.rfc-editor.org/rfc/rfc8689)).
    pub requiretls: bool,
    /// `--mail-param`, in wire form.
    pub mail: Vec<Param>,
    /// `--rcpt-param`, in wire form, on every RCPT.
    pub rcpt: Vec<Param>,
    /// Send the parameters even when their extension is not advertised (or REQUIRETLS in
    /// plaintext): for testing how a server reacts.
    pub force: bool,
}

impl EnvelopeParams {
    /// The parameters asked for on MAIL.
    pub fn mail_params(&self) -> Vec<Param> {
        let mut params = Vec::new();
        if let Some(ret) = self.ret {
            params.push(Param::ret(ret));
        }
        if let Some(envid) = &self.envid {
            params.push(Param::envid(envid));
        }
        if self.requiretls {
            params.push(Param::requiretls());
        }
        params.extend(self.mail.iter().cloned());
        params
    }

    /// The parameters asked for on the RCPT of `to`.
    pub fn rcpt_params(&self, to: &str) -> Vec<Param> {
        let mut params = Vec::new();
        if let Some(notify) = self.notify {
            params.push(Param::notify(notify));
        }
        if self.orcpt {
            params.push(Param::orcpt(to));
        }
        params.extend(self.rcpt.iter().cloned());
        params
    }
}
