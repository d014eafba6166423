//! The `replay` subcommand's entry point: `--serve`, `--against`, the explorer stepping
//! through the file (when standard input and output are a terminal), or the transcript as
//! text (`--text`, or no terminal). Exit codes: 0 done; 1 `--against` found differences or a
//! client left a served recording; 3 the file could not be read.
//!
//! Layer: front end (wiring).

use std::io::IsTerminal;
use std::process::ExitCode;

use crate::cli::replay::ReplayArgs;
use crate::transcript::export::{ExportFormat, export};
use crate::transcript::run::load;

pub async fn run_replay(args: ReplayArgs) -> ExitCode {
    let interactive = !args.serve
        && args.against.is_none()
        && !args.text
        && std::io::stdin().is_terminal()
        && std::io::stdout().is_terminal();
    if interactive {
        return crate::tui::replay::run(&args.file).await;
    }
    let Some(transcript) = load(&args.file, "replay") else {
        return ExitCode::from(3);
    };
    if args.serve {
        return super::serve::run(&transcript, &args).await;
    }
    if let Some(against) = &args.against {
        return super::against::run(&transcript, &args, against).await;
    }
    print!("{}", export(&transcript, ExportFormat::Text));
    ExitCode::SUCCESS
}
