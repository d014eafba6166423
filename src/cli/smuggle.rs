//! The flags of `smtpx smuggle HOST`: the connection (shared with the explorer and the
//! probe), the envelope of the test messages and the variants to try.
//!
//! Layer: CLI parsing.

use clap::Args;
use clap::builder::PossibleValuesParser;

use super::ConnectArgs;
use crate::proto::command::Command;
use crate::smuggle::{Envelope, Login, SmugglePlan, VARIANTS, Variant};

/// The flags of `smtpx smuggle`; its help text is the doc comment of `CommandKind::Smuggle`.
#[derive(Debug, Clone, Args)]
#[command(
    after_help = "Exit status: 0 clean (no variant ends the data early), 1 vulnerable, \
                        2 usage, 3 a local problem, 4 inconclusive (a session could not reach \
                        DATA, or a variant got no usable reply)."
)]
pub struct SmuggleArgs {
    #[command(flatten)]
    pub connect: ConnectArgs,

    /// Envelope recipient of the test messages (a mailbox you read; both the first and any
    /// smuggled message go there).
    #[arg(long, short = 't', value_name = "ADDR")]
    pub to: String,

    /// Envelope sender of the test messages (default: smtpx-smuggle@ the EHLO name).
    #[arg(long, short = 'f', value_name = "ADDR")]
    pub from: Option<String>,

    /// Log in with AUTH PLAIN as USER after TLS (a submission server: the outbound side of
    /// smuggling). Without it no AUTH is sent.
    #[arg(long, short = 'u', value_name = "USER")]
    pub user: Option<String>,

    /// Read the password from this environment variable.
    #[arg(
        long,
        value_name = "VAR",
        requires = "user",
        conflicts_with = "password_file"
    )]
    pub password_env: Option<String>,

    /// Read the password from the first line of this file.
    #[arg(long, value_name = "FILE", requires = "user")]
    pub password_file: Option<std::path::PathBuf>,

    /// Try only this variant (repeatable; default: all).
    #[arg(long, value_name = "NAME",
          value_parser = PossibleValuesParser::new(VARIANTS.map(|v| v.name)))]
    pub variant: Vec<String>,

    /// Print the report as one JSON document.
    #[arg(long)]
    pub json: bool,
}

impl SmuggleArgs {
    /// The check these flags ask for, or why it cannot run (what follows `smtpx smuggle: `).
    pub fn into_plan(self) -> Result<SmugglePlan, String> {
        let json = self.json;
        let variants: Vec<&'static Variant> = if self.variant.is_empty() {
            VARIANTS.iter().collect()
        } else {
            VARIANTS
                .iter()
                .filter(|v| self.variant.iter().any(|name| name == v.name))
                .collect()
        };
        // The smuggling test is for a server you run, named directly; `smtpx check DOMAIN`
        // lists a domain's MX hosts.
        if self.connect.mx.mx {
            return Err(
                "--mx is not for smuggle: name the MX host (smtpx check DOMAIN lists them)"
                    .to_string(),
            );
        }
        let connect = self.connect.into_plan().map_err(|e| e.to_string())?;
        let ehlo = connect.ehlo_name();
        if Command::Ehlo(ehlo.clone()).encode().is_err() {
            return Err(format!("--ehlo {ehlo:?} is not a usable EHLO name"));
        }
        let envelope = Envelope {
            from: self.from.unwrap_or_else(|| format!("smtpx-smuggle@{ehlo}")),
            to: self.to,
        };
        if let Err(error) = envelope.mail().and(envelope.rcpt()) {
            return Err(format!("the envelope cannot be sent: {error}"));
        }
        let login = match self.user {
            Some(user) => {
                let secret = super::probe::read_secret(
                    self.password_env.as_deref(),
                    self.password_file.as_deref(),
                    &user,
                )
                .map_err(|e| e.to_string())?;
                Some(Login { user, secret })
            }
            None => None,
        };
        Ok(SmugglePlan {
            connect,
            envelope,
            login,
            variants,
            json,
        })
    }
}

#[cfg(test)]
mod tests {
    use clap::Parser;

    use super::*;

    #[derive(Parser)]
    struct Cli {
        #[command(flatten)]
        smuggle: SmuggleArgs,
    }

    fn plan(args: &[&str]) -> Result<SmugglePlan, String> {
        Cli::try_parse_from([&["smtpx", "127.0.0.1:2525"], args].concat())
            .expect("flags parse")
            .smuggle
            .into_plan()
    }

    #[test]
    fn all_variants_by_default_and_the_ones_named_in_table_order_otherwise() {
        let all = plan(&["--to", "a@b.test", "--ehlo", "client.test"]).expect("plan");
        assert_eq!(all.variants.len(), VARIANTS.len());
        assert_eq!(all.envelope.from, "smtpx-smuggle@client.test");
        let some = plan(&[
            "--to",
            "a@b.test",
            "--variant",
            "cr-dot-cr",
            "--variant",
            "lf-dot-lf",
        ])
        .expect("plan");
        let names: Vec<&str> = some.variants.iter().map(|v| v.name).collect();
        assert_eq!(names, ["lf-dot-lf", "cr-dot-cr"]);
        assert!(Cli::try_parse_from(["smtpx", "h", "--to", "a@b", "--variant", "nope"]).is_err());
        assert!(
            Cli::try_parse_from(["smtpx", "h"]).is_err(),
            "--to is required"
        );
    }

    #[test]
    fn an_address_that_would_break_the_command_line_is_refused() {
        let Err(error) = plan(&["--to", "a@b.test\r\nRCPT TO:<x@y>"]) else {
            panic!("a line break in --to must be refused");
        };
        assert!(
            error.starts_with("the envelope cannot be sent: "),
            "{error}"
        );
    }
}
