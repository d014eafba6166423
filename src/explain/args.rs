//! `smtpx explain`: the command-line front end of the explanation tables.
//!
//! Layer: CLI entry for one subcommand (argument parsing and printing only).

use std::process::ExitCode;

use super::{query, render};
use crate::cli::explain::ExplainArgs;

/// Width of the text output (the explanations are prose; 88 columns keep them readable).
const TEXT_WIDTH: usize = 88;

/// Runs `smtpx explain`: exit status 0 when explained, 1 when unknown.
pub fn run(args: ExplainArgs) -> ExitCode {
    let explanation = query(&args.query.join(" "));
    if args.json {
        match serde_json::to_string_pretty(&explanation) {
            Ok(json) => println!("{json}"),
            Err(e) => {
                eprintln!("smtpx explain: cannot encode JSON: {e}");
                return ExitCode::from(3);
            }
        }
    } else {
        for line in render::lines(&explanation, TEXT_WIDTH) {
            println!("{line}");
        }
    }
    if explanation.known {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    }
}
