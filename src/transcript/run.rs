//! The synchronous transcript subcommands' entry points (`export`, `diff`): read the file,
//! do the work, pick an exit code (0 done; 1 `diff` found differences; 3 the file could not
//! be read or written). `replay` is in [`crate::replay::run`].
//!
//! Layer: front end for transcripts (wiring; std I/O only, no tokio).

use std::path::PathBuf;
use std::process::ExitCode;

use super::export::{ExportFormat, export};
use super::read::{Transcript, read_file};

/// Reads a transcript, printing its warnings to stderr; `None` after printing the error.
pub fn load(path: &std::path::Path, command: &str) -> Option<Transcript> {
    match read_file(path) {
        Ok(transcript) => {
            for warning in &transcript.warnings {
                eprintln!("smtpx {command}: {}: {warning}", path.display());
            }
            Some(transcript)
        }
        Err(e) => {
            eprintln!("smtpx {command}: {}: {e}", path.display());
            None
        }
    }
}

/// `smtpx export`: one transcript written in another form.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExportPlan {
    pub file: PathBuf,
    pub format: ExportFormat,
    /// The file to write (`None`: standard output).
    pub output: Option<PathBuf>,
    /// Replace `output` when it exists.
    pub overwrite: bool,
}

/// `smtpx diff`: two transcripts compared.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DiffPlan {
    pub a: PathBuf,
    pub b: PathBuf,
}

pub fn run_export(args: ExportPlan) -> ExitCode {
    let Some(transcript) = load(&args.file, "export") else {
        return ExitCode::from(3);
    };
    let text = export(&transcript, args.format);
    match &args.output {
        Some(path) => match crate::files::write_private(
            path,
            text.as_bytes(),
            if args.overwrite {
                crate::files::Existing::Replace
            } else {
                crate::files::Existing::Refuse
            },
        )
        .map_err(crate::files::FileError::into_io)
        {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => {
                let hint = if e.kind() == std::io::ErrorKind::AlreadyExists {
                    " (--overwrite replaces it)"
                } else {
                    ""
                };
                eprintln!("smtpx export: cannot write {}: {e}{hint}", path.display());
                ExitCode::from(3)
            }
        },
        None => {
            use std::io::Write;
            if let Err(e) = std::io::stdout().lock().write_all(text.as_bytes()) {
                crate::output::quit_if_reader_gone(&e);
            }
            ExitCode::SUCCESS
        }
    }
}

pub fn run_diff(args: DiffPlan) -> ExitCode {
    let (Some(a), Some(b)) = (load(&args.a, "diff"), load(&args.b, "diff")) else {
        return ExitCode::from(3);
    };
    let differences = super::diff::diff(&a, &b);
    if differences.is_empty() {
        crate::outln!(
            "=== no differences in reply codes, capabilities, certificate or TLS parameters"
        );
        ExitCode::SUCCESS
    } else {
        for line in &differences {
            crate::outln!("{line}");
        }
        ExitCode::from(1)
    }
}
