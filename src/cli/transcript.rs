//! Command-line arguments of the transcript features: the recording options every session
//! takes, and the `export` and `diff` subcommands.
//!
//! Layer: CLI parsing.

use std::path::PathBuf;

use clap::Args;

use crate::transcript::format::Header;
use crate::transcript::record::{RecordError, Recorder, default_path};

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
}

impl RecordArgs {
    /// Opens the transcript these options ask for (`None` with `--no-record`), writing
    /// `header` with the redaction policy filled in.
    pub fn start(&self, mut header: Header) -> Result<Option<Recorder>, RecordError> {
        if self.no_record {
            return Ok(None);
        }
        header.redaction.secrets = !self.record_secrets;
        header.redaction.body = self.redact_body;
        match &self.record {
            Some(path) => Recorder::create(path, &header).map(Some),
            None => {
                let path = default_path(&header.target.host, header.started_unix)?;
                Recorder::create_new(&path, &header).map(Some)
            }
        }
    }
}

/// The header of a probe session: target, transport and the options that shaped it. The
/// user name is kept only with `--record-secrets`.
pub fn probe_header(
    args: &crate::cli::ProbeArgs,
    target: &crate::net::Target,
    mode: crate::cli::TlsMode,
    ehlo_name: &str,
) -> Header {
    use crate::cli::TlsMode;
    use serde_json::json;
    let transport = match mode {
        TlsMode::Implicit => crate::transcript::Transport::ImplicitTls,
        TlsMode::StartTlsRequired => crate::transcript::Transport::StarttlsRequired,
        TlsMode::StartTlsOptional => crate::transcript::Transport::StarttlsOptional,
        TlsMode::Plain => crate::transcript::Transport::Plain,
    };
    let mut header = Header::new(&target.host, target.port, transport, unix_now());
    let c = &args.connect;
    let mut put = |key: &str, value: serde_json::Value| {
        if !value.is_null() {
            header.options.insert(key.into(), value);
        }
    };
    put("front_end", json!("probe"));
    put("ehlo", json!(ehlo_name));
    put("sni", if c.no_sni { json!(false) } else { json!(c.sni) });
    put("verify_name", json!(c.verify_name));
    put(
        "ca_file",
        json!(c.ca_file.as_ref().map(|p| p.display().to_string())),
    );
    put(
        "tls_verify",
        json!(format!("{:?}", c.tls_verify).to_lowercase()),
    );
    put("timeout", json!(c.timeout));
    put(
        "auth",
        json!(args.auth.map(|a| format!("{a:?}").to_lowercase())),
    );
    if args.record.record_secrets {
        put("user", json!(args.user));
    }
    put("from", json!(args.from));
    if !args.to.is_empty() {
        put("to", json!(args.to));
    }
    if args.bdat {
        put("bdat", json!(args.chunk_size));
    }
    put(
        "quit_after",
        json!(args.quit_after.map(|q| format!("{q:?}").to_lowercase())),
    );
    header
}

/// Now, in Unix seconds (0 if the clock is before 1970).
pub fn unix_now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
}

/// `smtpx export FILE --format text|markdown|json`.
#[derive(Debug, Clone, Args)]
pub struct ExportArgs {
    /// The transcript (`.jsonl`).
    pub file: PathBuf,

    /// `text`: swaks-style markers; `markdown`: summary + fenced transcript for an issue;
    /// `json`: one JSON document.
    #[arg(long, short = 'f', value_enum, default_value_t = crate::transcript::export::ExportFormat::Text)]
    pub format: crate::transcript::export::ExportFormat,

    /// Write to FILE instead of standard output.
    #[arg(long, short = 'o', value_name = "FILE")]
    pub output: Option<PathBuf>,
}

/// `smtpx diff A B`.
#[derive(Debug, Clone, Args)]
pub struct DiffArgs {
    /// The transcript before.
    pub a: PathBuf,
    /// The transcript after.
    pub b: PathBuf,
}
