//! `smtpx replay FILE --against HOST[:PORT]`: a session recorded against one sandbox re-run
//! against a second one (same certificate files, so the comparison can be equal) and against
//! one that rejects the recipient; redacted bodies need `--body`.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use smtpx::sandbox::{Behaviours, SandboxConfig, SandboxHandle, TlsSource};

fn smtpx() -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_smtpx"));
    command
        .env(
            "XDG_STATE_HOME",
            concat!(env!("CARGO_TARGET_TMPDIR"), "/replay-against-xdg-state"),
        )
        .env("SMTPX_TEST_PASS", "demo-password");
    command
}

/// A certificate for localhost / 127.0.0.1, shared by every sandbox of a test.
fn certificate(dir: &Path) -> TlsSource {
    let key = rcgen::KeyPair::generate().expect("key");
    let params =
        rcgen::CertificateParams::new(vec!["localhost".to_string(), "127.0.0.1".to_string()])
            .expect("params");
    let cert = params.self_signed(&key).expect("certificate");
    let (cert_path, key_path) = (dir.join("cert.pem"), dir.join("key.pem"));
    std::fs::write(&cert_path, cert.pem()).expect("write cert");
    std::fs::write(&key_path, key.serialize_pem()).expect("write key");
    TlsSource::Files {
        cert: cert_path,
        key: key_path,
    }
}

fn sandbox(rt: &tokio::runtime::Runtime, tls: &TlsSource, behaviours: Behaviours) -> SandboxHandle {
    let config = SandboxConfig {
        tls: tls.clone(),
        behaviours,
        ..SandboxConfig::default()
    };
    rt.block_on(smtpx::sandbox::start(config))
        .expect("sandbox starts")
}

fn run(command: &mut Command) -> (Output, String) {
    let out = command.output().expect("smtpx runs");
    let text = format!(
        "{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out, text)
}

fn probe(addr: &str, record: &Path, extra: &[&str]) {
    let (out, text) = run(smtpx()
        .args([
            "probe",
            addr,
            "--ehlo",
            "client.example",
            "--starttls",
            "--timeout",
            "5",
        ])
        .args([
            "--allow-insecure-auth",
            "--auth",
            "plain",
            "--user",
            "demo",
            "--password-env",
            "SMTPX_TEST_PASS",
        ])
        .args([
            "--from",
            "demo@localhost",
            "--to",
            "you@localhost",
            "--body",
            "hello",
        ])
        .arg("--record")
        .arg(record)
        .args(extra));
    assert!(out.status.success(), "{text}");
}

fn against(file: &Path, addr: &str, extra: &[&str]) -> (Output, String) {
    run(smtpx()
        .args([
            "replay",
            "--timeout",
            "5",
            "--password-env",
            "SMTPX_TEST_PASS",
            "--user",
            "demo",
        ])
        .args(extra)
        .args(["--against", addr])
        .arg(file))
}

#[test]
fn replay_against_a_like_server_is_the_same_and_against_a_changed_one_shows_the_reply() {
    let rt = tokio::runtime::Runtime::new().expect("runtime");
    let dir = tempfile::tempdir().expect("temp dir");
    let tls = certificate(dir.path());
    let first = sandbox(&rt, &tls, Behaviours::default());
    let original: PathBuf = dir.path().join("original.jsonl");
    probe(&first.plain_addr().to_string(), &original, &[]);

    let second = sandbox(&rt, &tls, Behaviours::default());
    let again = dir.path().join("again.jsonl");
    let addr = second.plain_addr().to_string();
    let (out, text) = against(
        &original,
        &addr,
        &["--record", again.to_str().expect("utf-8 path")],
    );
    assert!(text.contains("same as the recording"), "{text}");
    assert_eq!(out.status.code(), Some(0), "{text}");
    // The new session was recorded, and `smtpx diff` agrees: only the target differs.
    let (_, diff) = run(smtpx().arg("diff").arg(&original).arg(&again));
    let lines: Vec<&str> = diff.lines().filter(|l| !l.trim().is_empty()).collect();
    assert!(
        lines.len() == 1 && lines[0].starts_with("target: "),
        "{diff}"
    );

    let strict = sandbox(
        &rt,
        &tls,
        Behaviours {
            reject_rcpt: vec!["you@localhost".into()],
            ..Behaviours::default()
        },
    );
    let (out, text) = against(
        &original,
        &strict.plain_addr().to_string(),
        &["--no-record"],
    );
    assert_eq!(out.status.code(), Some(1), "{text}");
    assert!(text.contains("differences from the recording"), "{text}");
    let line = text
        .lines()
        .find(|l| l.starts_with("reply ") && l.contains("550"))
        .unwrap_or_else(|| panic!("a reply line with the 550: {text}"));
    assert!(line.contains("250"), "recorded 250 against new 550: {line}");
    for handle in [first, second, strict] {
        rt.block_on(handle.shutdown());
    }
}

#[test]
fn a_redacted_body_is_refused_unless_another_is_given() {
    let rt = tokio::runtime::Runtime::new().expect("runtime");
    let dir = tempfile::tempdir().expect("temp dir");
    let tls = certificate(dir.path());
    let server = sandbox(&rt, &tls, Behaviours::default());
    let addr = server.plain_addr().to_string();
    let original = dir.path().join("redacted.jsonl");
    probe(&addr, &original, &["--redact-body"]);

    let (out, text) = against(&original, &addr, &["--no-record"]);
    assert_eq!(out.status.code(), Some(3), "{text}");
    assert!(
        text.contains("--redact-body") && text.contains("--body TEXT or --data FILE"),
        "{text}"
    );
    let (out, text) = against(&original, &addr, &["--no-record", "--body", "another one"]);
    assert_eq!(out.status.code(), Some(0), "{text}");
    rt.block_on(server.shutdown());
}
