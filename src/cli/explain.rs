//! The flags of `smtpx explain`.
//!
//! Layer: CLI parsing.

use crate::explain::ExplainPlan;

/// Arguments of `smtpx explain`.
#[derive(Debug, Clone, clap::Args)]
#[command(
    after_help = "Examples:\n  smtpx explain 550\n  smtpx explain 5.7.1\n  \
                        smtpx explain SMTPUTF8\n  smtpx explain \"SIZE 104857600\"\n  \
                        smtpx explain CRAM-MD5\n  smtpx explain \"451 4.7.1 Try again later\"\n\n\
                        Exit status: 0 when explained (exactly or by its class), 1 when unknown."
)]
pub struct ExplainArgs {
    /// A reply code (550), an enhanced status code (5.7.1), an EHLO keyword with optional
    /// parameters (SMTPUTF8, "SIZE 104857600"), a SASL mechanism (CRAM-MD5), or a whole
    /// reply ("451 4.7.1 Try again later"; lines separated by newlines). Several words are
    /// joined with spaces.
    #[arg(value_name = "CODE|KEYWORD|REPLY", required = true, num_args = 1..)]
    pub query: Vec<String>,

    /// Print one JSON object instead of text.
    #[arg(long)]
    pub json: bool,
}

impl ExplainArgs {
    /// Several words are one query, joined with spaces.
    pub fn into_plan(self) -> ExplainPlan {
        ExplainPlan {
            query: self.query.join(" "),
            json: self.json,
        }
    }
}
