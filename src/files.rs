//! Files smtpx writes that hold session data — transcripts, the prompt history, saved
//! transcripts and exports, certificate chains — are private to the user and never
//! written through a link someone else planted.
//!
//! Security invariants:
//! - Directories smtpx creates are `0700`; files it writes are `0600`, also when the file
//!   already existed with a wider mode (a `0644` file kept by `--record-secrets` would
//!   leave the base64 secret readable by everyone).
//! - The last component of a path is never followed when it is a symbolic link
//!   (`O_NOFOLLOW`): a link planted in a shared directory cannot make smtpx truncate or
//!   append to its target.
//!
//! Layer: a leaf utility (std and libc only), used by every layer that writes files.

use std::fs::{DirBuilder, File, OpenOptions};
use std::io;
use std::path::{Path, PathBuf};

#[cfg(unix)]
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt, PermissionsExt};

/// What to do when the file is already there.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Existing {
    /// Fail with [`FileError::Exists`].
    Refuse,
    /// Truncate it and write it anew (its mode narrowed to `0600`).
    Replace,
    /// Write after what is there (its mode narrowed to `0600`).
    Append,
}

/// Why a private file could not be opened.
#[derive(Debug, thiserror::Error)]
pub enum FileError {
    #[error("{} already exists", path.display())]
    Exists { path: PathBuf },
    #[error("{} is a symbolic link; smtpx does not write through links", path.display())]
    Link { path: PathBuf },
    #[error("{}: {source}", path.display())]
    Io {
        path: PathBuf,
        #[source]
        source: io::Error,
    },
}

impl FileError {
    /// The underlying I/O error kind (`AlreadyExists` for [`FileError::Exists`]).
    pub fn kind(&self) -> io::ErrorKind {
        match self {
            FileError::Exists { .. } => io::ErrorKind::AlreadyExists,
            FileError::Link { .. } => io::ErrorKind::InvalidInput,
            FileError::Io { source, .. } => source.kind(),
        }
    }

    /// The failure as an I/O error without the path, for callers whose own message names
    /// the path already ("cannot create PATH: …").
    pub fn into_io(self) -> io::Error {
        match self {
            FileError::Exists { .. } => {
                io::Error::new(io::ErrorKind::AlreadyExists, "it already exists")
            }
            FileError::Link { .. } => io::Error::new(
                io::ErrorKind::InvalidInput,
                "it is a symbolic link; smtpx does not write through links",
            ),
            FileError::Io { source, .. } => source,
        }
    }
}

/// Creates `dir` and its missing parents with mode `0700`. Directories that already exist
/// keep their mode: they may be shared on purpose (`/tmp`).
pub fn create_private_dir(dir: &Path) -> Result<(), FileError> {
    let mut builder = DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    builder.mode(0o700);
    builder.create(dir).map_err(|source| FileError::Io {
        path: dir.to_path_buf(),
        source,
    })
}

/// Opens `path` for writing as a private file: its parent directories made `0700` when
/// smtpx creates them, the file `0600`, never through a symbolic link.
pub fn open_private(path: &Path, existing: Existing) -> Result<File, FileError> {
    if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
        create_private_dir(parent)?;
    }
    let mut options = OpenOptions::new();
    options.write(true);
    match existing {
        Existing::Refuse => {
            options.create_new(true);
        }
        Existing::Replace => {
            options.create(true).truncate(true);
        }
        Existing::Append => {
            options.create(true).append(true);
        }
    }
    #[cfg(unix)]
    {
        options.mode(0o600);
        options.custom_flags(libc::O_NOFOLLOW);
    }
    let file = options
        .open(path)
        .map_err(|source| classify(path, source))?;
    // `mode` applies only to a file this call created; narrow one that was there.
    #[cfg(unix)]
    if existing != Existing::Refuse {
        // Only a regular file: a device (`/dev/null`, `/dev/full`) is shared by design and
        // never narrowed.
        let narrow = file
            .metadata()
            .map(|meta| meta.is_file() && meta.permissions().mode() & 0o077 != 0)
            .unwrap_or(false);
        if narrow {
            file.set_permissions(std::fs::Permissions::from_mode(0o600))
                .map_err(|source| FileError::Io {
                    path: path.to_path_buf(),
                    source,
                })?;
        }
    }
    Ok(file)
}

/// Writes `bytes` to a private file at `path` (see [`open_private`]).
pub fn write_private(path: &Path, bytes: &[u8], existing: Existing) -> Result<(), FileError> {
    use std::io::Write;
    let mut file = open_private(path, existing)?;
    file.write_all(bytes).map_err(|source| FileError::Io {
        path: path.to_path_buf(),
        source,
    })
}

fn classify(path: &Path, source: io::Error) -> FileError {
    let is_link = || std::fs::symlink_metadata(path).is_ok_and(|m| m.file_type().is_symlink());
    if source.kind() == io::ErrorKind::AlreadyExists && is_link() {
        return FileError::Link {
            path: path.to_path_buf(),
        };
    }
    if source.kind() == io::ErrorKind::AlreadyExists {
        return FileError::Exists {
            path: path.to_path_buf(),
        };
    }
    // O_NOFOLLOW on a link fails with ELOOP on Linux (EMLINK on some BSDs).
    #[cfg(unix)]
    if matches!(
        source.raw_os_error(),
        Some(libc::ELOOP) | Some(libc::EMLINK)
    ) && std::fs::symlink_metadata(path).is_ok_and(|m| m.file_type().is_symlink())
    {
        return FileError::Link {
            path: path.to_path_buf(),
        };
    }
    FileError::Io {
        path: path.to_path_buf(),
        source,
    }
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;
    use std::os::unix::fs::{MetadataExt, symlink};

    fn scratch(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("smtpx-files-{}-{name}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        dir
    }

    fn mode(path: &Path) -> u32 {
        std::fs::metadata(path).expect("metadata").mode() & 0o777
    }

    #[test]
    fn new_files_and_directories_are_private() {
        let dir = scratch("new");
        let path = dir.join("a/b/session.jsonl");
        write_private(&path, b"x", Existing::Refuse).expect("write");
        assert_eq!(mode(&path), 0o600);
        assert_eq!(mode(&dir.join("a/b")), 0o700);
        assert_eq!(mode(&dir.join("a")), 0o700);
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn an_existing_wide_file_is_narrowed_when_replaced_or_appended() {
        let dir = scratch("narrow");
        std::fs::create_dir_all(&dir).expect("dir");
        for existing in [Existing::Replace, Existing::Append] {
            let path = dir.join(format!("{existing:?}"));
            std::fs::write(&path, b"old").expect("write");
            std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).expect("chmod");
            write_private(&path, b"new", existing).expect("write");
            assert_eq!(mode(&path), 0o600, "{existing:?}");
        }
        assert_eq!(std::fs::read(dir.join("Replace")).expect("read"), b"new");
        assert_eq!(std::fs::read(dir.join("Append")).expect("read"), b"oldnew");
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn an_existing_file_is_refused_when_asked() {
        let dir = scratch("refuse");
        std::fs::create_dir_all(&dir).expect("dir");
        let path = dir.join("taken");
        std::fs::write(&path, b"keep").expect("write");
        let error = write_private(&path, b"x", Existing::Refuse).expect_err("refused");
        assert!(matches!(error, FileError::Exists { .. }), "{error}");
        assert_eq!(std::fs::read(&path).expect("read"), b"keep");
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn a_device_is_written_but_never_narrowed() {
        let before = std::fs::metadata("/dev/null").expect("/dev/null").mode() & 0o777;
        write_private(Path::new("/dev/null"), b"x", Existing::Replace).expect("writable");
        assert_eq!(
            std::fs::metadata("/dev/null").expect("/dev/null").mode() & 0o777,
            before
        );
    }

    #[test]
    fn a_symbolic_link_is_never_written_through() {
        let dir = scratch("link");
        std::fs::create_dir_all(&dir).expect("dir");
        let target = dir.join("victim");
        std::fs::write(&target, b"precious").expect("write");
        let link = dir.join("planted");
        symlink(&target, &link).expect("symlink");
        for existing in [Existing::Refuse, Existing::Replace, Existing::Append] {
            let error = write_private(&link, b"overwritten", existing).expect_err("refused");
            assert!(
                matches!(error, FileError::Link { .. } | FileError::Exists { .. }),
                "{existing:?}: {error}"
            );
        }
        assert_eq!(std::fs::read(&target).expect("read"), b"precious");
        let _ = std::fs::remove_dir_all(&dir);
    }
}
