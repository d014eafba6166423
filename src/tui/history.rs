//! The prompt history file: one line per command sent, under the user's state directory
//! (`$XDG_STATE_HOME/smtpx/history` on Linux, the data directory elsewhere). Secrets
//! (AUTH payloads, SASL responses) never get here: the app does not emit them.
//!
//! Layer: CLI edge (files).

use std::io::Write;
use std::path::PathBuf;

use crate::app::prompt::HISTORY_LIMIT;

/// Where the history lives, if the platform has a home for it.
pub fn path() -> Option<PathBuf> {
    let dirs = directories::ProjectDirs::from("", "", "smtpx")?;
    let dir = dirs.state_dir().unwrap_or_else(|| dirs.data_dir());
    Some(dir.join("history"))
}

/// The saved lines, oldest first; a missing or unreadable file is an empty history.
pub fn load() -> Vec<String> {
    let Some(path) = path() else {
        return Vec::new();
    };
    let Ok(bytes) = std::fs::read(&path) else {
        return Vec::new();
    };
    let text = String::from_utf8_lossy(&bytes);
    let lines: Vec<String> = text.lines().map(str::to_string).collect();
    let skip = lines.len().saturating_sub(HISTORY_LIMIT);
    lines.into_iter().skip(skip).collect()
}

/// Appends one line. Failing to remember is not worth interrupting a session for.
pub fn append(line: &str) {
    let Some(path) = path() else { return };
    // Private (0600) and never through a symbolic link: the history holds every address
    // typed.
    if let Ok(mut file) = crate::files::open_private(&path, crate::files::Existing::Append) {
        let _ = writeln!(file, "{}", line.replace(['\r', '\n'], " "));
    }
}
