//! Files smtpx writes are private and never written through a symbolic link: a transcript
//! (`--record`), an export (`export -o`), the prompt history. Each is checked with the
//! real binary: the mode with `stat`, and a planted link whose target must stay intact.

#![cfg(unix)]

use std::os::unix::fs::{MetadataExt, PermissionsExt, symlink};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn scratch_dir(name: &str) -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
        .join("private-files")
        .join(format!("{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("scratch dir");
    dir
}

fn recording() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("recordings/sandbox-starttls-auth-message.jsonl")
}

fn smtpx(args: &[&str], state: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_smtpx"))
        .env("XDG_STATE_HOME", state)
        .env("NO_COLOR", "1")
        .args(args)
        .output()
        .expect("run smtpx")
}

fn mode(path: &Path) -> u32 {
    std::fs::metadata(path).expect("metadata").mode() & 0o777
}

/// A probe to port 9 on loopback (nothing listens: it ends at connect, exit 20),
/// recording to `record` with `extra` flags.
fn probe_nowhere(state: &Path, record: &Path, extra: &[&str]) -> Output {
    let record = record.display().to_string();
    let mut args = vec![
        "probe",
        "127.0.0.1:9",
        "--timeout",
        "2",
        "--record",
        &record,
    ];
    args.extend(extra);
    smtpx(&args, state)
}

#[test]
fn an_export_is_private_even_over_a_file_others_could_read() {
    let dir = scratch_dir("export");
    let fresh = dir.join("fresh.md");
    let wide = dir.join("wide.md");
    std::fs::write(&wide, "old").expect("write");
    std::fs::set_permissions(&wide, std::fs::Permissions::from_mode(0o644)).expect("chmod");
    for (out, overwrite) in [(&fresh, None), (&wide, Some("--overwrite"))] {
        let output = out.display().to_string();
        let recording = recording().display().to_string();
        let mut args = vec!["export", "--format", "markdown", "-o", &output];
        args.extend(overwrite);
        args.push(&recording);
        let run = smtpx(&args, &dir);
        assert!(run.status.success(), "{run:?}");
        assert_eq!(mode(out), 0o600, "{}", out.display());
        assert!(std::fs::read_to_string(out).expect("read").contains("EHLO"));
    }
}

#[test]
fn an_export_never_writes_through_a_planted_link() {
    let dir = scratch_dir("export-link");
    let victim = dir.join("victim");
    std::fs::write(&victim, "precious").expect("write");
    let link = dir.join("export.md");
    symlink(&victim, &link).expect("symlink");
    let run = smtpx(
        &[
            "export",
            "-o",
            &link.display().to_string(),
            &recording().display().to_string(),
        ],
        &dir,
    );
    assert_eq!(run.status.code(), Some(3), "{run:?}");
    let stderr = String::from_utf8_lossy(&run.stderr);
    assert!(stderr.contains("symbolic link"), "{stderr}");
    assert_eq!(std::fs::read_to_string(&victim).expect("read"), "precious");
}

#[test]
fn a_transcript_never_writes_through_a_planted_link_and_the_session_goes_on() {
    let dir = scratch_dir("record-link");
    let victim = dir.join("victim");
    std::fs::write(&victim, "precious").expect("write");
    let link = dir.join("session.jsonl");
    symlink(&victim, &link).expect("symlink");
    // Port 9 on loopback: nothing listens, so the session ends at connect (exit 20).
    let run = probe_nowhere(&dir, &link, &[]);
    assert_eq!(run.status.code(), Some(20), "{run:?}");
    let stderr = String::from_utf8_lossy(&run.stderr);
    assert!(stderr.contains("symbolic link"), "{stderr}");
    assert_eq!(std::fs::read_to_string(&victim).expect("read"), "precious");
}

#[test]
fn default_transcripts_live_in_private_directories() {
    let state = scratch_dir("state");
    let run = smtpx(&["probe", "127.0.0.1:9", "--timeout", "2"], &state);
    assert_eq!(run.status.code(), Some(20), "{run:?}");
    let sessions = state.join("smtpx/sessions");
    assert_eq!(mode(&state.join("smtpx")), 0o700);
    assert_eq!(mode(&sessions), 0o700);
    let files: Vec<_> = std::fs::read_dir(&sessions)
        .expect("sessions")
        .map(|e| e.expect("entry").path())
        .collect();
    assert_eq!(files.len(), 1, "{files:?}");
    assert_eq!(mode(&files[0]), 0o600);
}

#[test]
fn an_existing_file_is_kept_unless_replacing_it_is_asked_for() {
    let dir = scratch_dir("existing");
    let kept = dir.join("kept.md");
    std::fs::write(&kept, "mine").expect("write");
    let export = smtpx(
        &[
            "export",
            "-o",
            &kept.display().to_string(),
            &recording().display().to_string(),
        ],
        &dir,
    );
    assert_eq!(export.status.code(), Some(3), "{export:?}");
    assert!(String::from_utf8_lossy(&export.stderr).contains("--overwrite"));
    assert_eq!(std::fs::read_to_string(&kept).expect("read"), "mine");
    // --record on an existing file: refused, said, the session goes on unrecorded.
    let run = probe_nowhere(&dir, &kept, &[]);
    assert_eq!(run.status.code(), Some(20), "{run:?}");
    let stderr = String::from_utf8_lossy(&run.stderr);
    assert!(
        stderr.contains("already exists (--overwrite replaces it)"),
        "{stderr}"
    );
    assert_eq!(std::fs::read_to_string(&kept).expect("read"), "mine");
    let run = probe_nowhere(&dir, &kept, &["--overwrite"]);
    assert_eq!(run.status.code(), Some(20), "{run:?}");
    assert!(
        std::fs::read_to_string(&kept)
            .expect("read")
            .contains("\"version\"")
    );
    assert_eq!(mode(&kept), 0o600);
}
