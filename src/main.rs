//! The `smtpx` binary: parses the command line into a plan and hands it to the library.
//!
//! Layer: CLI entry (wiring only).
use std::process::ExitCode;

use smtpx::cli::Plan;

fn main() -> ExitCode {
    let plan = match smtpx::cli::plan_from_args(std::env::args_os()) {
        Ok(plan) => plan,
        Err(refusal) => {
            eprintln!("{}", refusal.message);
            return ExitCode::from(refusal.exit_code);
        }
    };
    // Commands that only print need no runtime.
    let plan = match plan {
        Plan::Completions(shell) => return ExitCode::from(smtpx::cli::completions::print(shell)),
        Plan::Man => return ExitCode::from(smtpx::cli::man::print()),
        Plan::Config(plan) => return ExitCode::from(smtpx::config::run(plan)),
        plan => plan,
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
            Plan::Smuggle(plan) => ExitCode::from(smtpx::smuggle::run(plan).await),
            Plan::Completions(_) | Plan::Man | Plan::Config(_) => ExitCode::SUCCESS,
        }
    })
}
