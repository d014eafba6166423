//! The `replay` subcommand's entry point: `--serve`, `--against`, the explorer stepping
//! through the file (when standard input and output are a terminal), or the transcript as
//! text (`--text`, or no terminal). Exit codes: 0 done; 1 `--against` found differences or a
//! client left a served recording; 3 the file could not be read.
//!
//! Layer: front end (wiring).

use std::io::IsTerminal;
use std::process::ExitCode;

use super::{ReplayMode, ReplayPlan};
use crate::transcript::export::{ExportFormat, export};
use crate::transcript::run::load;

pub async fn run_replay(plan: ReplayPlan) -> ExitCode {
    let interactive = matches!(plan.mode, ReplayMode::Step)
        && std::io::stdin().is_terminal()
        && std::io::stdout().is_terminal();
    if interactive {
        return crate::tui::replay::run(&plan.file, plan.high_contrast).await;
    }
    let Some(transcript) = load(&plan.file, "replay") else {
        return ExitCode::from(3);
    };
    match &plan.mode {
        ReplayMode::Serve(serve) => super::serve::run(&transcript, &plan.file, serve).await,
        ReplayMode::Against(against) => super::against::run(&transcript, &plan.file, against).await,
        ReplayMode::Step | ReplayMode::Text => {
            crate::out!("{}", export(&transcript, ExportFormat::Text));
            ExitCode::SUCCESS
        }
    }
}
