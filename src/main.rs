//! The `smtpx` binary: parses the command line and hands over to the library.
//!
//! Layer: CLI entry (wiring only).
use std::process::ExitCode;

use clap::Parser;
use smtpx::cli::{Cli, CommandKind};

fn main() -> ExitCode {
    let cli = Cli::parse();
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
        match cli.command {
            Some(CommandKind::Probe(args)) => {
                ExitCode::from(smtpx::probe::run(args).await.exit_code())
            }
            Some(CommandKind::Serve(args)) => match smtpx::sandbox::run_serve(args).await {
                Ok(()) => ExitCode::SUCCESS,
                Err(e) => {
                    eprintln!("smtpx serve: {e:#}");
                    ExitCode::from(3)
                }
            },
            Some(CommandKind::Demo(args)) => smtpx::demo::run(args).await,
            Some(CommandKind::Explain(args)) => smtpx::explain::run(args),
            Some(CommandKind::Scan(args)) => ExitCode::from(smtpx::scan::run(args).await),
            Some(CommandKind::Replay(args)) => smtpx::replay::run::run_replay(args).await,
            Some(CommandKind::Export(args)) => smtpx::transcript::run::run_export(args),
            Some(CommandKind::Diff(args)) => smtpx::transcript::run::run_diff(args),
            None => match cli.explore {
                Some(args) => smtpx::tui::run(args, cli.record, Vec::new()).await,
                None => {
                    eprintln!(
                        "smtpx: give a HOST[:PORT] to explore, or a subcommand (see smtpx --help)"
                    );
                    ExitCode::from(2)
                }
            },
        }
    })
}
