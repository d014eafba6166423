//! Every transcript shipped in `recordings/` still opens: the reader accepts each file with
//! no error and no warning, and its header options read as typed values. Old files keep
//! working when the format grows.

use std::path::PathBuf;

use smtpx::transcript::read::read_file;

fn recordings() -> Vec<PathBuf> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("recordings");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .expect("recordings/ is readable")
        .map(|entry| entry.expect("directory entry").path())
        .filter(|path| path.extension().is_some_and(|e| e == "jsonl"))
        .collect();
    files.sort();
    files
}

#[test]
fn every_shipped_recording_opens_without_warnings() {
    let files = recordings();
    assert!(
        files.len() >= 4,
        "expected the shipped recordings, found {files:?}"
    );
    for path in files {
        let transcript =
            read_file(&path).unwrap_or_else(|e| panic!("{} does not open: {e}", path.display()));
        assert!(
            transcript.warnings.is_empty(),
            "{}: {:?}",
            path.display(),
            transcript.warnings
        );
        assert!(
            !transcript.entries.is_empty(),
            "{} has no events",
            path.display()
        );
        assert_eq!(transcript.header.version, 1, "{}", path.display());
    }
}
