//! Every command ends quietly when the reader of its standard output goes away
//! (`smtpx probe … | head -1`): no panic, no "Broken pipe" message, exit status 0.
//!
//! The read end is closed before smtpx writes what matters: the scripted server holds its
//! greeting at a gate until then, and the export is larger than a pipe's buffer, so a
//! write is certain to meet the closed pipe.

mod support;

use std::process::{Command, Stdio};

use support::{Gate, ScriptedServer, Step, reply};

fn assert_quiet(output: std::process::Output) {
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        !stderr.contains("panicked") && !stderr.contains("Broken pipe"),
        "{stderr}"
    );
    assert_eq!(output.status.code(), Some(0), "{stderr}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_probe_ends_quietly_when_its_reader_goes() {
    let gate = Gate::default();
    let server = ScriptedServer::start(vec![
        Step::Wait(gate.clone()),
        Step::send("220 mx.test ESMTP\r\n"),
        Step::expect("EHLO"),
        Step::Send(reply(250, &["mx.test", "PIPELINING", "8BITMIME"])),
        Step::expect("QUIT"),
        Step::send("221 bye\r\n"),
    ])
    .await;
    let mut child = Command::new(env!("CARGO_BIN_EXE_smtpx"))
        .env(
            "XDG_STATE_HOME",
            concat!(env!("CARGO_TARGET_TMPDIR"), "/xdg-state"),
        )
        .args([
            "probe",
            &server.addr.to_string(),
            "--quit-after",
            "ehlo",
            "--no-record",
        ])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn smtpx");
    drop(child.stdout.take());
    gate.open();
    let output = tokio::task::spawn_blocking(move || child.wait_with_output())
        .await
        .expect("join")
        .expect("wait");
    assert_quiet(output);
}

#[test]
fn export_ends_quietly_when_its_reader_goes() {
    let path = std::path::PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
        .join(format!("broken-pipe-{}.jsonl", std::process::id()));
    smtpx::testkit::generate::write_transcript(&path, 3_000);
    let mut child = Command::new(env!("CARGO_BIN_EXE_smtpx"))
        .args(["export", "--format", "text"])
        .arg(&path)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn smtpx");
    drop(child.stdout.take());
    let output = child.wait_with_output().expect("wait");
    let _ = std::fs::remove_file(&path);
    assert_quiet(output);
}
