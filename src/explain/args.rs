//! `smtpx explain`: the command-line front end of the explanation tables.
//!
//! Layer: beside the protocol core, the edge that prints (no argument parsing: it takes an
//! [`ExplainPlan`]).

use std::process::ExitCode;

use super::{query, render};

/// What `smtpx explain` is asked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExplainPlan {
    /// The code, keyword or reply, as one text.
    pub query: String,
    /// One JSON object instead of text.
    pub json: bool,
}

/// Width of the text output (the explanations are prose; 88 columns keep them readable).
const TEXT_WIDTH: usize = 88;

/// Runs `smtpx explain`: exit status 0 when explained, 1 when unknown.
pub fn run(args: ExplainPlan) -> ExitCode {
    let explanation = query(&args.query);
    if args.json {
        match serde_json::to_string_pretty(&explanation).map(crate::output::safe_json) {
            Ok(json) => crate::outln!("{json}"),
            Err(e) => {
                eprintln!("smtpx explain: cannot encode JSON: {e}");
                return ExitCode::from(3);
            }
        }
    } else {
        for line in render::lines(&explanation, TEXT_WIDTH) {
            crate::outln!("{line}");
        }
    }
    if explanation.known {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    }
}
