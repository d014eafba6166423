//! Transcripts end to end: the shipped recordings read back and export to the goldens in
//! `tests/data/transcripts/` (`SMTPX_UPDATE_GOLDENS=1` rewrites them); `smtpx probe`
//! records a real session with secrets and bodies redacted (or kept when asked); a probe
//! killed with SIGKILL leaves a readable file; `export`, `replay` and `diff` on the command
//! line.

use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::{Duration, Instant};

use smtpx::driver::SessionEvent;
use smtpx::sandbox::SandboxConfig;
use smtpx::transcript::export::{ExportFormat, export};
use smtpx::transcript::read::read_file;

const RECORDINGS: [&str; 4] = [
    "sandbox-starttls-auth-message",
    "postfix-submission",
    "sandbox-rcpt-rejected-5xx",
    "sandbox-untrusted-certificate",
];

fn repo(path: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(path)
}

fn smtpx(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_smtpx"))
        .env(
            "XDG_STATE_HOME",
            concat!(env!("CARGO_TARGET_TMPDIR"), "/xdg-state"),
        )
        .args(args)
        .output()
        .expect("run smtpx")
}

fn golden(name: &str, actual: &str) {
    let path = repo(&format!("tests/data/transcripts/{name}"));
    if std::env::var_os("SMTPX_UPDATE_GOLDENS").is_some() {
        std::fs::write(&path, actual).expect("write golden");
        return;
    }
    let expected = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("{}: {e} (SMTPX_UPDATE_GOLDENS=1 writes it)", path.display()));
    assert_eq!(actual, expected, "{name} differs from its golden");
}

#[test]
fn every_recording_reads_cleanly_and_exports_to_its_goldens() {
    for name in RECORDINGS {
        let path = repo(&format!("recordings/{name}.jsonl"));
        let transcript = read_file(&path).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert!(
            transcript.warnings.is_empty(),
            "{name}: {:?}",
            transcript.warnings
        );
        assert_eq!(transcript.header.version, 1);
        let lines = std::fs::read_to_string(&path)
            .expect("read")
            .lines()
            .count();
        assert_eq!(
            transcript.entries.len(),
            lines - 1,
            "{name}: every line is an event"
        );
        golden(
            &format!("{name}.txt"),
            &export(&transcript, ExportFormat::Text),
        );
        golden(
            &format!("{name}.md"),
            &export(&transcript, ExportFormat::Markdown),
        );
        let json: serde_json::Value =
            serde_json::from_str(&export(&transcript, ExportFormat::Json)).expect("json export");
        assert_eq!(json["events"].as_array().map(Vec::len), Some(lines - 1));
    }
}

#[test]
fn the_recordings_show_what_their_names_promise() {
    let read = |name: &str| read_file(&repo(&format!("recordings/{name}.jsonl"))).expect("reads");
    let text = |name: &str| export(&read(name), ExportFormat::Text);
    let ok = text("sandbox-starttls-auth-message");
    for expected in [
        "~> AUTH PLAIN <redacted",
        "<~ 235",
        "~> ..A dotted line",
        "<~ 221",
    ] {
        assert!(ok.contains(expected), "{expected} in\n{ok}");
    }
    assert!(
        text("postfix-submission").contains("Postfix")
            || text("postfix-submission").contains("ESMTP")
    );
    assert!(text("sandbox-rcpt-rejected-5xx").contains(" 550 5.1.1"));
    let untrusted = read("sandbox-untrusted-certificate");
    let verdict_ok = untrusted.events().find_map(|e| match e {
        SessionEvent::TlsEstablished { info, .. } => Some(info.verdict.ok()),
        _ => None,
    });
    assert_eq!(verdict_ok, Some(false));
    let md = export(&untrusted, ExportFormat::Markdown);
    assert!(
        md.contains("| certificate | **NOT trusted: unknown issuer"),
        "{md}"
    );
}

#[test]
fn export_on_the_command_line_matches_the_golden() {
    let file = repo("recordings/sandbox-rcpt-rejected-5xx.jsonl");
    let out = smtpx(&[
        "export",
        file.to_str().expect("utf-8 path"),
        "--format",
        "markdown",
    ]);
    assert_eq!(out.status.code(), Some(0));
    let expected =
        std::fs::read_to_string(repo("tests/data/transcripts/sandbox-rcpt-rejected-5xx.md"))
            .expect("golden");
    assert_eq!(String::from_utf8_lossy(&out.stdout), expected);
}

#[test]
fn a_newer_or_broken_file_is_a_clear_error_with_exit_code_3() {
    let dir = tempfile::tempdir().expect("tempdir");
    let newer = dir.path().join("newer.jsonl");
    std::fs::write(
        &newer,
        "{\"format\":\"smtpx-transcript\",\"version\":7,\"smtpx\":\"4.0.0\"}\n",
    )
    .expect("write");
    let out = smtpx(&["export", newer.to_str().expect("utf-8")]);
    assert_eq!(out.status.code(), Some(3));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("written by a newer smtpx (smtpx 4.0.0"),
        "{stderr}"
    );
    let garbage = dir.path().join("garbage.jsonl");
    let mut bytes =
        std::fs::read(repo("recordings/sandbox-untrusted-certificate.jsonl")).expect("read");
    bytes.extend_from_slice(b"{\"at\":1,\"dir\":\"client\",\"kind\":\"sent\",\"layer\":\"plain\",\"shown\":\"\",\"base64\":\"!!\"}\n{}\n");
    std::fs::write(&garbage, bytes).expect("write");
    let out = smtpx(&["replay", garbage.to_str().expect("utf-8")]);
    assert_eq!(out.status.code(), Some(3));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("not valid base64") && stderr.contains("line "),
        "{stderr}"
    );
}

#[test]
fn diff_reports_what_changed_and_nothing_for_the_same_session() {
    let a = repo("recordings/sandbox-starttls-auth-message.jsonl");
    let b = repo("recordings/postfix-submission.jsonl");
    let (a, b) = (a.to_str().expect("utf-8"), b.to_str().expect("utf-8"));
    let same = smtpx(&["diff", a, a]);
    assert_eq!(
        same.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&same.stdout)
    );
    let out = smtpx(&["diff", a, b]);
    assert_eq!(out.status.code(), Some(1));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains("capability in TLS only in A: HELP"),
        "{stdout}"
    );
    assert!(stdout.contains("certificate:"), "{stdout}");
}

/// Runs `smtpx probe` against a fresh sandbox with `extra` options, recording to a file;
/// returns the file's text.
fn probe_sandbox(extra: &[&str]) -> String {
    probe_sandbox_output(extra).0
}

/// [`probe_sandbox`], with what the probe printed.
fn probe_sandbox_output(extra: &[&str]) -> (String, String) {
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    let handle = runtime
        .block_on(smtpx::sandbox::start(SandboxConfig::default()))
        .expect("sandbox");
    let dir = tempfile::tempdir().expect("tempdir");
    let file = dir.path().join("s.jsonl");
    let (addr, ca) = (
        handle.plain_addr().to_string(),
        handle.ca_pem_path().to_path_buf(),
    );
    let mut args = vec![
        "probe",
        &addr,
        "--starttls",
        "--verify-name",
        "localhost",
        "--auth",
        "login",
        "--user",
        "demo",
        "--password-env",
        "SANDBOX_PW",
        "--to",
        "you@localhost",
        "--body",
        "the secret body text",
        "--record",
    ];
    let file_arg = file.to_str().expect("utf-8");
    let ca_arg = ca.to_str().expect("utf-8");
    args.extend([file_arg, "--ca-file", ca_arg]);
    args.extend(extra);
    let out = Command::new(env!("CARGO_BIN_EXE_smtpx"))
        .env("SANDBOX_PW", "demo-password")
        .args(&args)
        .output()
        .expect("run probe");
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    assert_eq!(out.status.code(), Some(0), "{stdout}");
    assert!(
        stdout.contains(&format!("=== transcript saved to {file_arg}")),
        "{stdout}"
    );
    runtime.block_on(handle.shutdown());
    let text = std::fs::read_to_string(&file).expect("transcript written");
    let transcript = read_file(&file).expect("reads back");
    assert!(transcript.warnings.is_empty());
    (text, stdout)
}

#[test]
fn a_recorded_probe_keeps_auth_login_secrets_and_optionally_the_body_out() {
    // AUTH LOGIN sends the user name and password as base64 answers to 334.
    let (user, password) = ("ZGVtbw==", "ZGVtby1wYXNzd29yZA==");
    let text = probe_sandbox(&["--redact-body"]);
    assert!(!text.contains(user) && !text.contains(password), "{text}");
    assert!(text.contains("<redacted"), "{text}");
    assert!(!text.contains("the secret body text"), "{text}");
    assert!(text.contains(r#""what":"body""#), "{text}");
    assert!(
        text.contains(r#""redaction":{"secrets":true,"body":true}"#),
        "{text}"
    );
    let (text, stdout) = probe_sandbox_output(&["--record-secrets"]);
    assert!(text.contains(user) && text.contains(password), "{text}");
    assert!(text.contains("the secret body text"));
    // The person is told where the secrets are.
    assert!(stdout.contains("HOLDS SECRETS"), "{stdout}");
    let (_, stdout) = probe_sandbox_output(&[]);
    assert!(!stdout.contains("HOLDS SECRETS"), "{stdout}");
}

#[test]
fn probe_records_by_default_under_the_state_directory_and_not_with_no_record() {
    let state = tempfile::tempdir().expect("tempdir");
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let addr = listener.local_addr().expect("addr").to_string();
    let server = std::thread::spawn(move || {
        for _ in 0..2 {
            let (mut stream, _) = listener.accept().expect("accept");
            let _ = stream.write_all(b"554 no service\r\n");
        }
    });
    // The second run, with --no-record, adds no file.
    for extra in [None, Some("--no-record")] {
        let mut command = Command::new(env!("CARGO_BIN_EXE_smtpx"));
        command
            .env("XDG_STATE_HOME", state.path())
            .args(["probe", &addr]);
        command.args(extra);
        let out = command.output().expect("run");
        assert_eq!(out.status.code(), Some(21));
        let dir = state.path().join("smtpx/sessions");
        let files: Vec<_> = std::fs::read_dir(&dir)
            .map(|d| d.filter_map(Result::ok).map(|e| e.path()).collect())
            .unwrap_or_default();
        assert_eq!(files.len(), 1, "{files:?}");
        let name = files[0]
            .file_name()
            .expect("name")
            .to_string_lossy()
            .into_owned();
        assert!(name.ends_with("-127.0.0.1.jsonl"), "{name}");
    }
    server.join().expect("server");
}

#[test]
fn a_probe_killed_with_sigkill_leaves_a_file_that_reads_up_to_the_kill() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let addr = listener.local_addr().expect("addr").to_string();
    // Greets, answers EHLO, then never answers again.
    let server = std::thread::spawn(move || {
        let (mut stream, _) = listener.accept().expect("accept");
        stream.write_all(b"220 stalls\r\n").expect("greet");
        let mut reader = BufReader::new(stream.try_clone().expect("clone"));
        let mut line = String::new();
        reader.read_line(&mut line).expect("ehlo");
        stream
            .write_all(b"250-stalls\r\n250 SIZE 1000\r\n")
            .expect("ehlo reply");
        let _ = reader.read_line(&mut line);
        std::thread::sleep(Duration::from_secs(3));
    });
    let dir = tempfile::tempdir().expect("tempdir");
    let file = dir.path().join("killed.jsonl");
    let mut child = Command::new(env!("CARGO_BIN_EXE_smtpx"))
        .args([
            "probe",
            &addr,
            "--no-starttls",
            "--to",
            "a@b",
            "--timeout",
            "60",
            "--record",
        ])
        .arg(&file)
        .stdout(std::process::Stdio::null())
        .spawn()
        .expect("spawn");
    let deadline = Instant::now() + Duration::from_secs(20);
    while !std::fs::read_to_string(&file)
        .unwrap_or_default()
        .contains("MAIL FROM")
    {
        assert!(Instant::now() < deadline, "the probe never sent MAIL FROM");
        std::thread::sleep(Duration::from_millis(20));
    }
    child.kill().expect("SIGKILL");
    let _ = child.wait();
    let transcript = read_file(&file).expect("reads after kill -9");
    let kinds: Vec<&str> = transcript
        .events()
        .map(|e| match e {
            SessionEvent::Connected { .. } => "connected",
            SessionEvent::Received { .. } => "received",
            SessionEvent::Sent { .. } => "sent",
            _ => "other",
        })
        .filter(|k| *k != "other")
        .collect();
    assert_eq!(kinds, ["connected", "received", "sent", "received", "sent"]);
    // The same file cut in the middle of its last line reads up to the line before.
    let bytes = std::fs::read(&file).expect("read");
    let cut = &bytes[..bytes.len() - 10];
    let partial = smtpx::transcript::read::read_bytes(cut).expect("reads");
    assert_eq!(partial.entries.len(), transcript.entries.len() - 1);
    assert!(
        partial.warnings[0].contains("cut off"),
        "{:?}",
        partial.warnings
    );
    server.join().expect("server");
}
