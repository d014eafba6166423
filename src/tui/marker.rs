//! A marker that says "an smtpx has the terminal": written when the explorer or the replay
//! viewer takes the terminal over, removed when it gives it back. SIGKILL cannot be caught,
//! so a killed smtpx leaves the terminal raw on the alternate screen — and its marker.
//! The next start finds the marker of a process that is gone and says, once, how to get
//! the terminal back (`reset`).
//!
//! Layer: CLI edge (files).

use std::path::PathBuf;

/// The state directory's `terminal/` folder, one marker per process (`<pid>`).
fn dir() -> Option<PathBuf> {
    let dirs = directories::ProjectDirs::from("", "", "smtpx")?;
    let state = dirs.state_dir().unwrap_or_else(|| dirs.data_dir());
    Some(state.join("terminal"))
}

/// Takes the terminal: says so for a killed predecessor (once), then leaves this
/// process's marker. Failing to write a marker is not worth stopping for.
pub fn take() {
    let Some(dir) = dir() else { return };
    if let Ok(entries) = std::fs::read_dir(&dir) {
        for entry in entries.flatten() {
            let name = entry.file_name();
            let Some(pid) = name.to_str().and_then(|n| n.parse::<u32>().ok()) else {
                continue;
            };
            if pid != std::process::id() && !alive(pid) {
                eprintln!(
                    "smtpx: an earlier smtpx (pid {pid}) was killed while it had the terminal; \
                     if this terminal misbehaves (no echo, odd keys, a blank screen), type \
                     `reset` and Enter"
                );
                let _ = std::fs::remove_file(entry.path());
            }
        }
    }
    let _ = crate::files::write_private(
        &dir.join(std::process::id().to_string()),
        b"",
        crate::files::Existing::Replace,
    );
}

/// Gives the terminal back: this process's marker goes.
pub fn give_back() {
    if let Some(dir) = dir() {
        let _ = std::fs::remove_file(dir.join(std::process::id().to_string()));
    }
}

/// Whether a process with this id exists (Linux: `/proc/<pid>`; elsewhere assumed alive,
/// so no false advice is given).
fn alive(pid: u32) -> bool {
    let proc = std::path::Path::new("/proc");
    if !proc.exists() {
        return true;
    }
    proc.join(pid.to_string()).exists()
}
