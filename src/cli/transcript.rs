//! Command-line arguments of the transcript features: the recording options every session
//! takes, and the `export` and `diff` subcommands.
//!
//! Layer: CLI parsing.

use std::path::PathBuf;

use clap::{Args, ValueEnum};

use crate::transcript::RecordOptions;
use crate::transcript::export::ExportFormat;
use crate::transcript::run::{DiffPlan, ExportPlan};

/// Recording options, shared by every session front end.
#[derive(Debug, Clone, Default, Args)]
pub struct RecordArgs {
    /// Write the transcript to PATH (default: $XDG_STATE_HOME/smtpx/sessions/<UTC time>-<host>.jsonl).
    #[arg(long, value_name = "PATH", conflicts_with = "no_record")]
    pub record: Option<PathBuf>,

    /// Do not record this session.
    #[arg(long)]
    pub no_record: bool,

    /// Keep AUTH secrets in the transcript instead of a redaction marker.
    #[arg(long, conflicts_with = "no_record")]
    pub record_secrets: bool,

    /// Replace message bodies in the transcript with their size and SHA-256.
    #[arg(long, conflicts_with = "no_record")]
    pub redact_body: bool,

    /// Replace the file named by --record when it exists (without it an existing file is
    /// refused: the session goes on unrecorded, and says why).
    #[arg(long, requires = "record")]
    pub overwrite: bool,
}

impl RecordArgs {
    /// Where and what these flags ask to record.
    pub fn into_options(self) -> RecordOptions {
        RecordOptions {
            enabled: !self.no_record,
            path: self.record,
            keep_secrets: self.record_secrets,
            redact_body: self.redact_body,
            overwrite: self.overwrite,
        }
    }
}

/// `smtpx export FILE --format text|markdown|json|mermaid|svg`.
#[derive(Debug, Clone, Args)]
pub struct ExportArgs {
    /// The transcript (`.jsonl`).
    pub file: PathBuf,

    /// `text`: swaks-style markers; `markdown`: summary, sequence diagram and fenced
    /// transcript for an issue; `json`: one JSON document; `mermaid`: the sequence diagram as
    /// Mermaid; `svg`: the sequence diagram as a standalone SVG; `html`: one self-contained
    /// page with all of these, each reply explained.
    #[arg(long, short = 'f', value_enum, default_value_t = ExportFormatArg::Text)]
    pub format: ExportFormatArg,

    /// Write to FILE instead of standard output.
    #[arg(long, short = 'o', value_name = "FILE")]
    pub output: Option<PathBuf>,

    /// Replace FILE when it exists (without it an existing file is refused).
    #[arg(long, requires = "output")]
    pub overwrite: bool,
}

/// `smtpx diff A B`.
#[derive(Debug, Clone, Args)]
pub struct DiffArgs {
    /// The transcript before.
    pub a: PathBuf,
    /// The transcript after.
    pub b: PathBuf,
}

/// The `--format` values of `smtpx export`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ExportFormatArg {
    Text,
    Markdown,
    Json,
    Mermaid,
    Svg,
    /// One self-contained page: summary, diagram, explained transcript, certificate,
    /// timeline.
    Html,
}

impl ExportArgs {
    pub fn into_plan(self) -> ExportPlan {
        ExportPlan {
            file: self.file,
            format: match self.format {
                ExportFormatArg::Text => ExportFormat::Text,
                ExportFormatArg::Markdown => ExportFormat::Markdown,
                ExportFormatArg::Json => ExportFormat::Json,
                ExportFormatArg::Mermaid => ExportFormat::Mermaid,
                ExportFormatArg::Svg => ExportFormat::Svg,
                ExportFormatArg::Html => ExportFormat::Html,
            },
            output: self.output,
            overwrite: self.overwrite,
        }
    }
}

impl DiffArgs {
    pub fn into_plan(self) -> DiffPlan {
        DiffPlan {
            a: self.a,
            b: self.b,
        }
    }
}
