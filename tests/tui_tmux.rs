//! The explorer in a real terminal: tmux (on a private socket) runs `smtpx` against the
//! sandbox server started in-process, types with `send-keys`, and reads the screen with
//! `capture-pane`, polling under a timeout. The tmux server is killed at the end whatever
//! happens.
//!
//! Needs tmux; CI (`.ci/run`, `SMTPX_INTEROP=1` or `CI`) installs it, so there a missing
//! tmux fails the test instead of skipping it.

mod support;

use base64::Engine;
use base64::engine::general_purpose::STANDARD as B64;
use smtpx::sandbox::{self, SandboxConfig};
use support::tmux::{Tmux, explorer_command, tmux_available};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn explorer_drives_starttls_in_a_real_terminal() {
    if !tmux_available() {
        return;
    }
    let sandbox = sandbox::start(SandboxConfig::default())
        .await
        .expect("start the sandbox");
    let state = tempfile::tempdir().expect("temp dir");
    let tmux = Tmux::new("starttls");
    let args = format!(
        "{} --verify-name localhost --ca-file {}",
        sandbox.plain_addr(),
        sandbox.ca_pem_path().display()
    );
    let env = format!("XDG_STATE_HOME={}", state.path().display());
    let command = explorer_command(&state.path().join("pid"), &env, &args);
    tmux.start("explore", 100, 30, &command);
    let t = "explore";

    // Recorded by default under the state directory; the status bar says where.
    tmux.wait_for(t, &["S< 220", "plaintext", "rec: …/"]).await;
    tmux.type_line(t, "EHLO x");
    tmux.wait_for(t, &["C> EHLO x", "250-STARTTLS"]).await;
    tmux.type_line(t, "STARTTLS");
    let screen = tmux
        .wait_for(
            t,
            &[
                "S< 220",
                "TLS 1.3",
                "certificate VERIFIED",
                "TLS1.3 VERIFIED",
            ],
        )
        .await;
    assert!(screen.contains("C> STARTTLS"), "{screen}");
    tmux.type_line(t, "EHLO x");
    tmux.wait_for(t, &["C~ EHLO x", "S~ 250-"]).await;
    tmux.type_line(t, "QUIT");
    tmux.wait_for(t, &["S~ 221", "connection closed by the server"])
        .await;
    tmux.keys(t, &["C-c"]);
    let screen = tmux.wait_for(t, &["EXITED 0", "TTY-COOKED"]).await;
    // The terminal was restored: the shell's output is on the normal screen.
    assert!(screen.contains("smtpx: transcript saved to"), "{screen}");
    let sessions = state.path().join("smtpx/sessions");
    let files: Vec<_> = std::fs::read_dir(&sessions)
        .expect("the sessions directory")
        .flatten()
        .collect();
    assert_eq!(files.len(), 1, "one transcript in {}", sessions.display());
    // History was kept in the state directory given.
    let history = std::fs::read_to_string(state.path().join("smtpx/history")).unwrap_or_default();
    assert!(history.contains("STARTTLS"), "{history}");
    sandbox.shutdown().await;
}

/// AUTH typed by hand — a LOGIN exchange and an AUTH PLAIN with its initial response —
/// is redacted in the transcript file; `/note` lands in it; exit says where it is.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hand_typed_auth_is_redacted_in_the_recorded_transcript() {
    if !tmux_available() {
        return;
    }
    let sandbox = sandbox::start(SandboxConfig::default())
        .await
        .expect("start the sandbox");
    let user = sandbox.credentials().user.clone();
    let password = sandbox.credentials().password.clone();
    let wrong = "wrong-Secret-4711";
    let state = tempfile::tempdir().expect("temp dir");
    let record = state.path().join("auth.jsonl");
    let tmux = Tmux::new("auth");
    let args = format!("{} --record {}", sandbox.plain_addr(), record.display());
    let env = format!("XDG_STATE_HOME={}", state.path().display());
    tmux.start(
        "auth",
        100,
        30,
        &explorer_command(&state.path().join("pid"), &env, &args),
    );
    let t = "auth";
    tmux.wait_for(t, &["S< 220", "rec: …/auth.jsonl"]).await;
    tmux.type_line(t, "EHLO x");
    tmux.wait_for(t, &["250 HELP"]).await;

    // LOGIN by hand, with a wrong password: warned first (AUTH over plaintext), then sent.
    tmux.type_line(t, "AUTH LOGIN");
    tmux.wait_for(t, &["Enter again sends"]).await;
    tmux.keys(t, &["Enter"]);
    tmux.wait_for(t, &["334 VXNlcm5hbWU6"]).await;
    tmux.type_line(t, &B64.encode(&user));
    tmux.wait_for(t, &["334 UGFzc3dvcmQ6"]).await;
    tmux.type_line(t, &B64.encode(wrong));
    let screen = tmux.wait_for(t, &["S< 535"]).await;
    // Each typed secret line is shown decoded beside its masked form: the user name, and
    // the password as bullets.
    assert!(screen.contains(&format!("••••••••  [{user}]")), "{screen}");
    assert!(screen.contains("••••••••  [••••]"), "{screen}");
    assert!(!screen.contains(wrong), "{screen}");

    // PLAIN with the initial response on the command line.
    let plain = B64.encode(format!("\0{user}\0{password}"));
    tmux.type_line(t, &format!("AUTH PLAIN {plain}"));
    tmux.wait_for(t, &["Enter again sends"]).await;
    tmux.keys(t, &["Enter"]);
    let screen = tmux.wait_for(t, &["S< 235"]).await;
    assert!(!screen.contains(&plain), "the secret is masked on screen");
    assert!(!screen.contains(password.as_str()), "{screen}");
    assert!(
        screen.contains(&format!("AUTH PLAIN ••••••••  [\\0{user}\\0••••]")),
        "{screen}"
    );
    tmux.type_line(t, "/note the server took PLAIN");
    tmux.wait_for(t, &["note: the server took PLAIN"]).await;
    tmux.type_line(t, "/quit");
    let screen = tmux.wait_for(t, &["EXITED 0", "TTY-COOKED"]).await;
    assert!(
        screen.contains(&format!("transcript saved to {}", record.display())),
        "{screen}"
    );

    let text = std::fs::read_to_string(&record).expect("the transcript");
    for secret in [
        password.clone(),
        B64.encode(&password),
        wrong.to_string(),
        B64.encode(wrong),
        plain.clone(),
    ] {
        assert!(
            !text.contains(&secret),
            "{secret:?} in the transcript:\n{text}"
        );
    }
    assert!(text.contains("the server took PLAIN"), "{text}");
    assert!(text.contains("AUTH LOGIN"), "{text}");
    let transcript = smtpx::transcript::read::read_file(&record).expect("reads back");
    assert!(transcript.events().count() > 5);
    sandbox.shutdown().await;
}

/// A transcript that cannot be written is said on screen, and the session goes on.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unwritable_transcript_is_shown_and_the_session_goes_on() {
    if !tmux_available() {
        return;
    }
    let sandbox = sandbox::start(SandboxConfig::default())
        .await
        .expect("start the sandbox");
    let state = tempfile::tempdir().expect("temp dir");
    // A regular file where a directory must be: creating the transcript fails, even as root.
    let blocker = state.path().join("not-a-dir");
    std::fs::write(&blocker, b"x").expect("write");
    let args = format!(
        "{} --record {}",
        sandbox.plain_addr(),
        blocker.join("t.jsonl").display()
    );
    let tmux = Tmux::new("unwritable");
    tmux.start(
        "unwritable",
        100,
        30,
        &explorer_command(&state.path().join("pid"), "", &args),
    );
    let t = "unwritable";
    tmux.wait_for(t, &["recording failed", "rec FAILED", "S< 220"])
        .await;
    tmux.type_line(t, "EHLO x");
    tmux.wait_for(t, &["C> EHLO x", "250-STARTTLS"]).await;
    tmux.type_line(t, "/quit");
    let screen = tmux.wait_for(t, &["EXITED 0"]).await;
    assert!(screen.contains("not recorded"), "{screen}");
    sandbox.shutdown().await;
}

/// The README's main command, `smtpx demo`, as a new user meets it: the sandbox starts, the
/// explorer connects and shows what to try (the AUTH form and the composer included), a
/// typed command gets its reply, and quitting shows the stored messages' place.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn demo_opens_the_explorer_on_the_sandbox_with_a_guide() {
    if !tmux_available() {
        return;
    }
    let state = tempfile::tempdir().expect("temp dir");
    let tmux = Tmux::new("demo");
    let command = explorer_command(&state.path().join("pid"), "", "demo");
    tmux.start("demo", 160, 30, &command);
    let t = "demo";
    let screen = tmux
        .wait_for(t, &["smtpx demo: sandbox SMTP server", "S< 220"])
        .await;
    for guide in [
        "F4 for the AUTH form",
        "F5 to compose",
        "F6 shows the timeline",
        "F7 the sequence diagram",
        "submission port (RFC 6409)",
        "smtpx demo --open",
    ] {
        assert!(screen.contains(guide), "{guide:?} missing:\n{screen}");
    }
    // A submission port: no AUTH before TLS, AUTH inside it, so the second EHLO teaches.
    tmux.type_line(t, "EHLO me");
    let screen = tmux.wait_for(t, &["C> EHLO me", "250-STARTTLS"]).await;
    assert!(!screen.contains("250-AUTH"), "{screen}");
    tmux.type_line(t, "STARTTLS");
    tmux.wait_for(t, &["TLS1.3 VERIFIED"]).await;
    tmux.type_line(t, "EHLO me");
    tmux.wait_for(t, &["C~ EHLO me", "250-AUTH PLAIN"]).await;
    tmux.keys(t, &["F4"]);
    tmux.wait_for(t, &["AUTH — Enter authenticates"]).await;
    tmux.keys(t, &["Escape"]);
    // Type on only once the form is gone: an Esc read together with the next keys is an
    // Alt chord to the terminal, not Esc.
    tmux.wait_until("the AUTH form closes", || {
        !tmux.screen(t).contains("AUTH — Enter authenticates")
    })
    .await;
    tmux.type_line(t, "/quit");
    let screen = tmux.wait_for(t, &["EXITED 0", "TTY-COOKED"]).await;
    assert!(!screen.contains("panicked"), "{screen}");
}
