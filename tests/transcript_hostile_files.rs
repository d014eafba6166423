//! Hostile transcript files on the command line (`smtpx export`, `smtpx replay`): a 1 GiB
//! line (a sparse file, so the test writes almost nothing), a truncated file, a file cut
//! mid-event, garbage, a wrong version and invalid base64 — each a clear error (or, for a
//! cut last line, a warning) that names the line, exit code 3 for errors, never a panic,
//! and memory bounded by the line limit rather than the file.

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use smtpx::transcript::read::MAX_LINE_LEN;

/// The most memory `smtpx export` may use on any of these files (the line limit is 64 MiB).
const MEMORY_BOUND_KIB: u64 = 320 * 1024;

fn scratch(name: &str) -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("transcript-hostile");
    std::fs::create_dir_all(&dir).expect("scratch dir");
    dir.join(format!("{}-{name}", std::process::id()))
}

fn recording() -> Vec<u8> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("recordings/sandbox-starttls-auth-message.jsonl");
    std::fs::read(path).expect("read a shipped recording")
}

struct Run {
    code: Option<i32>,
    stdout: String,
    stderr: String,
    peak_kib: u64,
}

/// Runs `smtpx <command> <file>` while polling its peak memory (`VmHWM`).
fn smtpx(command: &str, file: &Path) -> Run {
    let mut child = Command::new(env!("CARGO_BIN_EXE_smtpx"))
        .env(
            "XDG_STATE_HOME",
            concat!(env!("CARGO_TARGET_TMPDIR"), "/xdg-state"),
        )
        .env("NO_COLOR", "1")
        .arg(command)
        .arg(file)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn smtpx");
    let pid = child.id();
    let mut out = child.stdout.take().expect("stdout");
    let mut err = child.stderr.take().expect("stderr");
    let out_reader = std::thread::spawn(move || {
        let mut s = String::new();
        let _ = out.read_to_string(&mut s);
        s
    });
    let err_reader = std::thread::spawn(move || {
        let mut s = String::new();
        let _ = err.read_to_string(&mut s);
        s
    });
    let started = Instant::now();
    let mut peak_kib = 0;
    let status = loop {
        if let Ok(status) = std::fs::read_to_string(format!("/proc/{pid}/status")) {
            let hwm = status
                .lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|kib| kib.parse::<u64>().ok());
            peak_kib = peak_kib.max(hwm.unwrap_or(0));
        }
        if let Some(status) = child.try_wait().expect("wait") {
            break status;
        }
        if started.elapsed() > Duration::from_secs(60) {
            let _ = child.kill();
            panic!("smtpx {command} hung on {}", file.display());
        }
        std::thread::sleep(Duration::from_millis(5));
    };
    let run = Run {
        code: status.code(),
        stdout: out_reader.join().expect("stdout"),
        stderr: err_reader.join().expect("stderr"),
        peak_kib,
    };
    assert!(
        !run.stderr.contains("panicked") && run.code != Some(101),
        "smtpx {command} panicked: {}",
        run.stderr
    );
    assert!(
        run.peak_kib < MEMORY_BOUND_KIB,
        "smtpx {command} used {} KiB on {}",
        run.peak_kib,
        file.display()
    );
    run
}

#[test]
fn a_one_gigabyte_line_is_refused_naming_the_line_without_reading_it_all() {
    let path = scratch("gigabyte-line.jsonl");
    let header_and_event: Vec<u8> = recording()
        .split_inclusive(|&b| b == b'\n')
        .take(2)
        .flatten()
        .copied()
        .collect();
    std::fs::write(&path, &header_and_event).expect("write");
    // A sparse 1 GiB of NUL bytes after two good lines: line 3 has no end.
    let file = std::fs::OpenOptions::new()
        .write(true)
        .open(&path)
        .expect("open");
    file.set_len(header_and_event.len() as u64 + (1 << 30))
        .expect("extend sparsely");
    drop(file);
    for command in ["export", "replay"] {
        let run = smtpx(command, &path);
        assert_eq!(run.code, Some(3), "{}", run.stderr);
        assert!(
            run.stderr
                .contains(&format!("line 3: longer than {MAX_LINE_LEN} bytes")),
            "{}",
            run.stderr
        );
        // The limit, not the file, bounds memory: far under 1 GiB.
        assert!(run.peak_kib > 0, "memory was never measured");
    }
    let _ = std::fs::remove_file(&path);
}

#[test]
fn a_truncated_file_and_a_file_cut_mid_event_read_up_to_the_cut_with_a_warning() {
    let whole = recording();
    let lines: Vec<&[u8]> = whole.split_inclusive(|&b| b == b'\n').collect();
    // Truncated after a whole line: everything before it, no error.
    let path = scratch("truncated.jsonl");
    std::fs::write(&path, lines[..4].concat()).expect("write");
    let run = smtpx("export", &path);
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    assert!(!run.stdout.is_empty());

    // Cut in the middle of line 5: read up to line 4, and the warning names line 5.
    let path = scratch("cut.jsonl");
    let mut cut = lines[..4].concat();
    cut.extend_from_slice(&lines[4][..lines[4].len() / 2]);
    std::fs::write(&path, cut).expect("write");
    let run = smtpx("export", &path);
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    assert!(
        run.stderr
            .contains("line 5: the file is cut off in the middle of this event")
            && run.stderr.contains("read up to line 4"),
        "{}",
        run.stderr
    );
}

#[test]
fn garbage_wrong_versions_and_bad_lines_are_errors_naming_the_line() {
    let whole = recording();
    let head: Vec<u8> = whole
        .split_inclusive(|&b| b == b'\n')
        .take(3)
        .flatten()
        .copied()
        .collect();
    let cases: Vec<(&str, Vec<u8>, &str)> = vec![
        (
            "garbage",
            b"\x00\xff\x1b[2J not a transcript\n".to_vec(),
            "line 1: not an smtpx transcript",
        ),
        (
            "version-0",
            b"{\"format\":\"smtpx-transcript\",\"version\":0}\n".to_vec(),
            "line 1: not an smtpx transcript (`version` 0 does not exist)",
        ),
        (
            "version-newer",
            b"{\"format\":\"smtpx-transcript\",\"version\":99,\"smtpx\":\"\\u001b]0;t\\u0007\"}\n"
                .to_vec(),
            "line 1: this transcript was written by a newer smtpx",
        ),
        (
            "version-string",
            b"{\"format\":\"smtpx-transcript\",\"version\":\"1\"}\n".to_vec(),
            "line 1: not an smtpx transcript (`version` is missing)",
        ),
        (
            "bad-base64",
            [
                head.clone(),
                b"{\"at\":1,\"dir\":\"client\",\"kind\":\"sent\",\"layer\":\"plain\",\"shown\":\"x\",\"base64\":\"%%%%\"}\n".to_vec(),
                b"{\"at\":2,\"dir\":\"smtpx\",\"kind\":\"closed\",\"by_peer\":true}\n".to_vec(),
            ]
            .concat(),
            "line 4: `base64` is not valid base64",
        ),
        (
            "garbage-mid-file",
            [head.clone(), b"\x00\x01\x02\n{}\n".to_vec()].concat(),
            "line 4: not a JSON event",
        ),
    ];
    for (name, bytes, says) in cases {
        let path = scratch(&format!("{name}.jsonl"));
        std::fs::write(&path, bytes).expect("write");
        let run = smtpx("export", &path);
        assert_eq!(run.code, Some(3), "{name}: {}", run.stderr);
        assert!(run.stderr.contains(says), "{name}: {}", run.stderr);
        // Untrusted text from the file reaches the terminal escaped.
        assert!(
            !run.stderr.contains('\u{1b}') && !run.stdout.contains('\u{1b}'),
            "{name}: a raw escape reached the terminal: {:?}",
            run.stderr
        );
    }
}
