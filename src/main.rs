//! The `smtpx` binary: parses the command line into a plan and hands it to the library.
//!
//! Layer: CLI entry (wiring only).
use std::process::ExitCode;

use clap::Parser;
use smtpx::cli::{Cli, Plan};

fn main() -> ExitCode {
    let plan = match Cli::parse().into_plan() {
        Ok(plan) => plan,
        Err(refusal) => {
            eprintln!("{}", refusal.message);
            return ExitCode::from(refusal.exit_code);
        }
    };
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(e) => {
            eprintln!("smtpx: cannot start the async runtime: {e}");
            return ExitCode::from(3);
        }
    };
    runtime.block_on(async move {
        match plan {
            Plan::Probe(plan) => ExitCode::from(smtpx::probe::run(plan).await.exit_code()),
            Plan::Serve(config) => match smtpx::sandbox::run_serve(config).await {
                Ok(()) => ExitCode::SUCCESS,
                Err(e) => {
                    eprintln!("smtpx serve: {e:#}");
                    ExitCode::from(3)
                }
            },
            Plan::Demo(plan) => smtpx::demo::run(plan).await,
            Plan::Learn(plan) => smtpx::demo::learn(plan).await,
            Plan::Explain(plan) => smtpx::explain::run(plan),
            Plan::Scan(plan) => ExitCode::from(smtpx::scan::run(plan).await),
            Plan::Replay(plan) => smtpx::replay::run::run_replay(plan).await,
            Plan::Export(plan) => smtpx::transcript::run::run_export(plan),
            Plan::Diff(plan) => smtpx::transcript::run::run_diff(plan),
            Plan::Explore(plan) => smtpx::tui::run(plan).await,
            Plan::Check(plan) => ExitCode::from(smtpx::check::run(plan).await),
        }
    })
}
