//! What a transcript keeps and says about itself, end to end: a 10 MB BDAT message makes a
//! transcript of about 4 MiB (the chunks past the cap written with their size and SHA-256,
//! as a large DATA message is) that `replay --against --data` re-runs; a file cut between
//! two events (the session killed) says it is incomplete in export, `replay --text` and
//! `diff`.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use smtpx::sandbox::SandboxConfig;

fn repo(path: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(path)
}

fn smtpx(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_smtpx"))
        .env(
            "XDG_STATE_HOME",
            concat!(env!("CARGO_TARGET_TMPDIR"), "/transcript-limits-xdg-state"),
        )
        .env("SANDBOX_PW", "demo-password")
        .args(args)
        .output()
        .expect("smtpx runs")
}

fn text_of(out: &Output) -> String {
    format!(
        "{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

#[test]
fn a_10_mb_bdat_message_makes_a_capped_transcript_that_replays_with_data() {
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    let handle = runtime
        .block_on(smtpx::sandbox::start(SandboxConfig::default()))
        .expect("sandbox");
    let dir = tempfile::tempdir().expect("tempdir");
    let message = dir.path().join("big.eml");
    let mut bytes = b"Subject: big\r\n\r\n".to_vec();
    let line = b"0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ-.\r\n";
    while bytes.len() < 10_000_000 {
        bytes.extend_from_slice(line);
    }
    std::fs::write(&message, &bytes).expect("write message");
    let file = dir.path().join("bdat.jsonl");
    let addr = handle.plain_addr().to_string();
    let ca = handle.ca_pem_path().to_str().expect("utf-8").to_string();
    let (file_arg, message_arg) = (
        file.to_str().expect("utf-8"),
        message.to_str().expect("utf-8"),
    );
    let out = smtpx(&[
        "probe",
        &addr,
        "--ca-file",
        &ca,
        "--to",
        "you@localhost",
        "--bdat",
        "--data",
        message_arg,
        "--record",
        file_arg,
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", text_of(&out));
    let size = std::fs::metadata(&file).expect("recorded").len();
    assert!(
        size < 5 * 1024 * 1024,
        "a 10 MB BDAT message made a {size}-byte transcript"
    );
    let text = std::fs::read_to_string(&file).expect("read");
    assert!(
        text.contains("not recorded: the message passed the 4 MiB"),
        "capped"
    );
    assert!(
        text.contains(r#""text":"BDAT 65536\r\n"#),
        "the first chunks are kept"
    );

    // The export shows the cap; a re-run needs the message again and sends it whole.
    let export = smtpx(&["export", file_arg]);
    assert!(export.status.success());
    assert!(String::from_utf8_lossy(&export.stdout).contains("not recorded"));
    let refused = smtpx(&["replay", file_arg, "--against", &addr, "--no-record"]);
    assert_eq!(refused.status.code(), Some(3), "{}", text_of(&refused));
    let out = smtpx(&[
        "replay",
        file_arg,
        "--against",
        &addr,
        "--ca-file",
        &ca,
        "--data",
        message_arg,
        "--no-record",
        "--timeout",
        "20",
    ]);
    let text = text_of(&out);
    assert!(text.contains("re-ran all"), "{text}");
    assert!(text.contains("LAST"), "{text}");
    assert!(text.contains("250 2.0.0 Ok: queued"), "{text}");
    runtime.block_on(handle.shutdown());
}

#[test]
fn a_file_cut_between_two_events_says_it_is_incomplete_in_export_replay_and_diff() {
    let whole = repo("recordings/sandbox-starttls-auth-message.jsonl");
    let text = std::fs::read_to_string(&whole).expect("sample");
    let lines: Vec<&str> = text.lines().collect();
    // Killed after the QUIT went out: no reply, no `closed`, every line whole.
    let dir = tempfile::tempdir().expect("tempdir");
    let cut = dir.path().join("cut.jsonl");
    std::fs::write(&cut, lines[..lines.len() - 2].join("\n") + "\n").expect("write");
    let cut_arg = cut.to_str().expect("utf-8");
    for format in ["text", "markdown"] {
        let out = smtpx(&["export", cut_arg, "--format", format]);
        assert!(out.status.success());
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(
            stdout.contains("=== warning: line ") && stdout.contains("the recording is incomplete"),
            "{format}: {stdout}"
        );
    }
    let out = smtpx(&["replay", "--text", cut_arg]);
    assert!(text_of(&out).contains("incomplete"), "{}", text_of(&out));
    let out = smtpx(&["diff", whole.to_str().expect("utf-8"), cut_arg]);
    let text = text_of(&out);
    assert!(text.contains("incomplete"), "{text}");
    // The QUIT that got no reply is the one difference.
    let steps: Vec<&str> = text.lines().filter(|l| l.starts_with("step ")).collect();
    assert_eq!(steps.len(), 1, "{text}");
    assert!(
        steps.iter().any(|l| l.contains("QUIT: replies: A 1, B 0")),
        "{text}"
    );
    // The whole file has no such warning.
    let out = smtpx(&["export", whole.to_str().expect("utf-8")]);
    assert!(!String::from_utf8_lossy(&out.stdout).contains("incomplete"));
}
