//! The composer's attachments in a real terminal: tmux (on a private socket) runs the
//! explorer against the sandbox started in-process; the test names two files in the Attach
//! field, leaves it (the loop reads them), reviews, sends, and checks that the message the
//! sandbox stored is multipart/mixed with both files byte for byte. Polls under a timeout;
//! no bare sleeps.
//!
//! Needs tmux; in CI (`CI` or `SMTPX_INTEROP` set) a missing tmux fails instead of skipping.

mod support;

use std::time::Duration;

use mail_parser::{MessageParser, MimeHeaders};
use smtpx::sandbox::{self, SandboxConfig};
use support::tmux::{Tmux, explorer_command, tmux_available};

/// Presses Tab until `needle` is on screen, at most `max` times.
async fn tab_until(tmux: &Tmux, t: &str, needle: &str, max: usize) {
    for _ in 0..max {
        let before = tmux.screen(t);
        if before.contains(needle) {
            return;
        }
        tmux.keys(t, &["Tab"]);
        tmux.wait_until("the screen to change", || tmux.screen(t) != before)
            .await;
    }
    tmux.wait_for(t, &[needle]).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn composer_attachments_arrive_byte_for_byte_in_the_sandbox() {
    if !tmux_available() {
        return;
    }
    let sandbox = sandbox::start(SandboxConfig::default())
        .await
        .expect("start the sandbox");
    let mut stored = sandbox.messages();
    let state = tempfile::tempdir_in(env!("CARGO_TARGET_TMPDIR")).expect("temp dir");
    let binary: Vec<u8> = (0..=255u8).cycle().take(3000).collect();
    let bin = state.path().join("blob.bin");
    std::fs::write(&bin, &binary).expect("write attachment");
    let notes = state.path().join("notes.txt");
    std::fs::write(&notes, b"line one\nline two\n").expect("write attachment");
    let args = format!("{} --no-record", sandbox.plain_addr());
    let env = format!("XDG_STATE_HOME={}", state.path().display());
    let tmux = Tmux::new("compose-attach");
    let t = "attach";
    tmux.start(
        t,
        120,
        40,
        &explorer_command(&state.path().join("pid"), &env, &args),
    );

    tmux.wait_for(t, &["S< 220"]).await;
    tmux.type_line(t, "EHLO x");
    tmux.wait_for(t, &["250-STARTTLS"]).await;
    tmux.keys(t, &["F5"]);
    tmux.wait_for(t, &["compose a mail transaction", "▸ MAIL FROM"])
        .await;
    tmux.keys(t, &["-l", "me@example.com"]);
    tmux.keys(t, &["Tab"]);
    tmux.keys(t, &["-l", "you@example.org"]);
    tmux.wait_for(t, &["you@example.org"]).await;
    tab_until(&tmux, t, "▸ Subject", 10).await;
    tmux.keys(t, &["-l", "attachments from tmux"]);
    tab_until(&tmux, t, "▸ Attach", 10).await;
    let paths = format!("{} | {}", bin.display(), notes.display());
    tmux.keys(t, &["-l", &paths]);
    tmux.keys(t, &["Tab"]);
    // The path is long: the field's note (2 files) falls off the screen; the preview shows it.
    tmux.wait_for(t, &["Content-Type: multipart/mixed;"]).await;
    tab_until(&tmux, t, "▸ body", 10).await;
    tmux.keys(t, &["-l", "See the attached files."]);
    tmux.keys(t, &["C-s"]);
    tmux.wait_for(t, &["send this? Enter sends", "multipart/mixed"])
        .await;
    tmux.keys(t, &["Enter"]);

    let message = tokio::time::timeout(Duration::from_secs(20), stored.recv())
        .await
        .expect("stored in time")
        .expect("a stored message");
    let content = message.read_content().expect("read the stored message");
    let parsed = MessageParser::default().parse(&content).expect("parses");
    assert_eq!(parsed.subject(), Some("attachments from tmux"));
    assert_eq!(
        parsed.body_text(0).as_deref(),
        Some("See the attached files.\r\n")
    );
    assert_eq!(parsed.attachment_count(), 2);
    let first = parsed.attachment(0).expect("blob.bin");
    assert_eq!(first.attachment_name(), Some("blob.bin"));
    assert_eq!(first.contents(), binary.as_slice());
    let second = parsed.attachment(1).expect("notes.txt");
    assert_eq!(second.attachment_name(), Some("notes.txt"));
    assert!(second.is_content_type("text", "plain"));
    assert_eq!(second.contents(), b"line one\nline two\n");

    tmux.type_line(t, "/quit");
    tmux.wait_for(t, &["EXITED 0"]).await;
    sandbox.shutdown().await;
}
