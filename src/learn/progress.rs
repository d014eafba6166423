//! Which lessons a person has finished: one lesson id per line in
//! `$XDG_STATE_HOME/smtpx/lessons` (the data directory where there is no state directory),
//! private like every file smtpx writes. A missing or unreadable file is no progress.
//!
//! Layer: learn (the progress file).

use std::collections::BTreeSet;
use std::io::Write;
use std::path::{Path, PathBuf};

/// Where progress lives, if the platform has a home for it.
pub fn path() -> Option<PathBuf> {
    let dirs = directories::ProjectDirs::from("", "", "smtpx")?;
    let dir = dirs.state_dir().unwrap_or_else(|| dirs.data_dir());
    Some(dir.join("lessons"))
}

/// The finished lesson ids in `path`.
pub fn load(path: &Path) -> BTreeSet<String> {
    std::fs::read(path)
        .map(|bytes| {
            String::from_utf8_lossy(&bytes)
                .lines()
                .map(str::trim)
                .filter(|l| !l.is_empty())
                .map(str::to_string)
                .collect()
        })
        .unwrap_or_default()
}

/// Remembers `id` as finished (once).
pub fn finish(path: &Path, id: &str) -> Result<(), crate::files::FileError> {
    if load(path).contains(id) {
        return Ok(());
    }
    if let Some(dir) = path.parent() {
        crate::files::create_private_dir(dir)?;
    }
    let mut file = crate::files::open_private(path, crate::files::Existing::Append)?;
    let _ = writeln!(file, "{}", id.replace(['\r', '\n'], " "));
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finishing_twice_keeps_one_line_and_the_file_is_private() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("state").join("lessons");
        assert!(load(&path).is_empty());
        finish(&path, "01-ehlo").expect("saved");
        finish(&path, "01-ehlo").expect("saved");
        finish(&path, "02-starttls").expect("saved");
        let done = load(&path);
        assert_eq!(done.len(), 2);
        assert!(done.contains("01-ehlo") && done.contains("02-starttls"));
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&path).expect("meta").permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
    }
}
