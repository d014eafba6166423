//! Recording that fails for real: a file-size limit hit mid-session (`ulimit -f` with
//! SIGXFSZ ignored, so writes past the limit fail with EFBIG after the header was written),
//! a full disk at start (`/dev/full`, ENOSPC) and a directory that cannot be created. The
//! probe must finish the session with the exit code the session earned and say on stderr
//! which file failed and why; the explorer must show it in the status bar and the
//! transcript and keep taking commands (tmux).
//!
//! Each run goes against the in-process sandbox (STARTTLS, AUTH, DATA), so the session
//! after the failure is a real one and its message must still arrive.

mod support;

use support::tmux;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;
use smtpx::sandbox::{self, MessageReceiver, SandboxConfig, SandboxHandle};

const STATE: &str = concat!(env!("CARGO_TARGET_TMPDIR"), "/xdg-state");

fn scratch(name: &str) -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("recording-failure");
    std::fs::create_dir_all(&dir).expect("scratch dir");
    let path = dir.join(format!("{}-{name}", std::process::id()));
    let _ = std::fs::remove_file(&path);
    path
}

/// The probe's arguments for a whole submission to the sandbox, recorded to `record`.
fn submission(sandbox: &SandboxHandle, record: &Path, body: &str) -> Vec<String> {
    [
        "probe",
        // One command at a time, DATA and its 354: what this test follows.
        "--no-pipeline",
        &sandbox.plain_addr().to_string(),
        "--starttls",
        "--ca-file",
        &sandbox.ca_pem_path().display().to_string(),
        "--auth",
        "plain",
        "--user",
        &sandbox.credentials().user,
        "--password-env",
        "SMTPX_REC_PW",
        "--from",
        "a@client.test",
        "--to",
        "b@example.test",
        "--body",
        body,
        "--timeout",
        "5",
        "--json",
        "--record",
        &record.display().to_string(),
        // /dev/full exists: replacing it is asked for by name.
        "--overwrite",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect()
}

/// Runs `smtpx ARGS` under bash with `prelude` (e.g. `ulimit -f 1`) and SIGXFSZ ignored:
/// a write past the limit then fails with EFBIG instead of killing the process.
fn run_limited(prelude: &str, args: &[String], password: &str) -> Output {
    let quoted: Vec<String> = args
        .iter()
        .map(|a| format!("'{}'", a.replace('\'', r"'\''")))
        .collect();
    let script = format!(
        "trap '' XFSZ; {prelude}; exec '{}' {}",
        env!("CARGO_BIN_EXE_smtpx"),
        quoted.join(" ")
    );
    Command::new("bash")
        .args(["-c", &script])
        .env("XDG_STATE_HOME", STATE)
        .env("NO_COLOR", "1")
        .env("SMTPX_REC_PW", password)
        .output()
        .expect("run smtpx under bash")
}

fn events(output: &Output) -> Vec<Value> {
    String::from_utf8_lossy(&output.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("bad JSON {l:?}: {e}")))
        .collect()
}

fn reply_codes(events: &[Value]) -> Vec<i64> {
    events
        .iter()
        .filter(|e| e["event"] == "reply")
        .filter_map(|e| e["code"].as_i64())
        .collect()
}

/// Whether the sandbox stored a message containing `body` (`messages` subscribed before
/// the run).
async fn delivered(messages: &mut MessageReceiver, body: &str) -> bool {
    let Ok(Some(message)) =
        tokio::time::timeout(std::time::Duration::from_secs(5), messages.recv()).await
    else {
        return false;
    };
    std::fs::read_to_string(&message.path).is_ok_and(|text| text.contains(body))
}

/// [`run_limited`] off the runtime's worker threads (the sandbox runs on them).
async fn run(prelude: &'static str, args: Vec<String>, password: String) -> Output {
    tokio::task::spawn_blocking(move || run_limited(prelude, &args, &password))
        .await
        .expect("runner")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn probe_goes_on_when_the_transcript_hits_a_file_size_limit_mid_session() {
    let sandbox = sandbox::start(SandboxConfig::default())
        .await
        .expect("start the sandbox");
    let record = scratch("efbig.jsonl");
    let body = "the session outlived its transcript";
    let password = sandbox.credentials().password.clone();
    // 1 KiB: the header (about 500 bytes) fits, the session does not.
    let mut messages = sandbox.messages();
    let out = run("ulimit -f 1", submission(&sandbox, &record, body), password).await;
    let stderr = String::from_utf8_lossy(&out.stderr);
    let events = events(&out);

    assert_eq!(out.status.code(), Some(0), "{stderr}\n{events:?}");
    assert_eq!(
        reply_codes(&events),
        vec![220, 250, 220, 250, 235, 250, 250, 354, 250, 221],
        "the session did not go on to the end"
    );
    assert!(delivered(&mut messages, body).await, "the message was lost");
    let named = format!("the transcript {} stopped being written", record.display());
    assert!(
        stderr.contains(&named),
        "stderr does not name the file: {stderr}"
    );
    assert!(
        stderr.contains("File too large"),
        "stderr does not name EFBIG: {stderr}"
    );
    let summary = events
        .iter()
        .find(|e| e["event"] == "transcript")
        .expect("a transcript event");
    assert_eq!(summary["complete"], false, "{summary}");
    assert!(
        summary["error"]
            .as_str()
            .is_some_and(|e| e.contains("File too large")),
        "{summary}"
    );

    // What was written before the limit reads back: header, connection, greeting.
    let size = std::fs::metadata(&record).expect("transcript").len();
    assert!(size <= 1024, "the limit did not hold: {size} bytes");
    let transcript = smtpx::transcript::read::read_file(&record).expect("reads up to the cut");
    assert!(
        !transcript.entries.is_empty(),
        "nothing kept before the failure"
    );
    sandbox.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn probe_goes_on_unrecorded_when_the_disk_is_full_at_start() {
    let sandbox = sandbox::start(SandboxConfig::default())
        .await
        .expect("start the sandbox");
    let body = "recorded nowhere, delivered anyway";
    let password = sandbox.credentials().password.clone();
    let mut messages = sandbox.messages();
    let out = run(
        "true",
        submission(&sandbox, Path::new("/dev/full"), body),
        password,
    )
    .await;
    let stderr = String::from_utf8_lossy(&out.stderr);
    let events = events(&out);
    assert_eq!(out.status.code(), Some(0), "{stderr}\n{events:?}");
    assert!(
        stderr.contains("not recording: cannot write /dev/full: No space left on device"),
        "{stderr}"
    );
    assert!(stderr.contains("goes on unrecorded"), "{stderr}");
    assert!(
        !events.iter().any(|e| e["event"] == "transcript"),
        "{events:?}"
    );
    assert_eq!(reply_codes(&events).last(), Some(&221));
    assert!(delivered(&mut messages, body).await, "the message was lost");
    sandbox.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn probe_goes_on_unrecorded_when_the_directory_cannot_be_created() {
    let sandbox = sandbox::start(SandboxConfig::default())
        .await
        .expect("start the sandbox");
    let body = "no directory for the transcript";
    let password = sandbox.credentials().password.clone();
    // /proc refuses new directories even to root.
    let record = Path::new("/proc/smtpx-no-such-dir/session.jsonl");
    let mut messages = sandbox.messages();
    let out = run("true", submission(&sandbox, record, body), password).await;
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    assert!(
        stderr.contains("not recording: cannot create /proc/smtpx-no-such-dir/session.jsonl"),
        "{stderr}"
    );
    assert!(delivered(&mut messages, body).await, "the message was lost");
    sandbox.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn explorer_shows_a_mid_session_recording_failure_and_keeps_taking_commands() {
    if !tmux::tmux_available() {
        return;
    }
    let sandbox = sandbox::start(SandboxConfig::default())
        .await
        .expect("start the sandbox");
    let record = scratch("tui-efbig.jsonl");
    let command = format!(
        "bash -c \"trap '' XFSZ; ulimit -f 1; exec env TERM=xterm-256color XDG_STATE_HOME={STATE} \
         {bin} {addr} --record {record}\"; echo EXITED $?; sleep 60",
        bin = env!("CARGO_BIN_EXE_smtpx"),
        addr = sandbox.plain_addr(),
        record = record.display(),
    );
    let tmux = tmux::Tmux::new("recfail");
    tmux.start("rec", 200, 40, &command);
    tmux.wait_for("rec", &["S< 220", "rec:"]).await;
    // The header and the first exchange fit in 1 KiB; the second EHLO reply does not.
    tmux.type_line("rec", "EHLO client.test");
    tmux.wait_for("rec", &["250 HELP"]).await;
    tmux.type_line("rec", "EHLO again.test");
    let screen = tmux.wait_for("rec", &["rec FAILED"]).await;
    assert!(screen.contains("File too large"), "{screen}");
    assert!(
        screen.contains("recording failed, the session goes on unrecorded"),
        "{screen}"
    );
    // Still a working session: a command goes out and its reply comes back.
    tmux.type_line("rec", "NOOP");
    let screen = tmux.wait_for("rec", &["C> NOOP", "S< 250 2.0.0 Ok"]).await;
    assert!(screen.contains("rec FAILED"), "{screen}");
    tmux.type_line("rec", "/quit");
    let screen = tmux.wait_for("rec", &["EXITED 0"]).await;
    assert!(!screen.contains("panicked"), "{screen}");
    sandbox.shutdown().await;
}
