//! The explorer on an implicit-TLS connection (the sandbox's TLS port, `--tls-on-connect`)
//! in a real terminal: AUTH through the form (F4) and AUTH typed by hand go out at once —
//! the session knows it is inside TLS, so neither is held or logged as "without TLS" — and
//! a raw line's CR LF are shown escaped once.
//!
//! Needs tmux; CI installs it (a missing tmux fails there, see `support::tmux`).

mod support;

use base64::Engine;
use base64::engine::general_purpose::STANDARD as B64;
use smtpx::sandbox::{self, SandboxConfig};
use support::tmux::{Tmux, explorer_command, tmux_available};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn auth_on_implicit_tls_is_not_held_as_plaintext_and_raw_lines_escape_once() {
    if !tmux_available() {
        return;
    }
    let config = SandboxConfig {
        tls_listen: Some("127.0.0.1:0".parse().expect("address")),
        ..SandboxConfig::default()
    };
    let sandbox = sandbox::start(config).await.expect("start the sandbox");
    let tls_addr = sandbox.tls_addr().expect("the implicit-TLS listener");
    let user = sandbox.credentials().user.clone();
    let password = sandbox.credentials().password.clone();
    let state = tempfile::tempdir().expect("temp dir");
    let args = format!(
        "{tls_addr} --tls-on-connect --verify-name localhost --ca-file {} --no-record",
        sandbox.ca_pem_path().display()
    );
    let env = format!("XDG_STATE_HOME={}", state.path().display());
    let tmux = Tmux::new("authtls");
    let t = "authtls";
    tmux.start(
        t,
        110,
        34,
        &explorer_command(&state.path().join("pid"), &env, &args),
    );
    tmux.wait_for(t, &["S~ 220", "TLS1.3 VERIFIED"]).await;
    tmux.type_line(t, "EHLO x");
    tmux.wait_for(t, &["250 HELP", "smtp~>"]).await;

    // The form: no "without TLS" warning logged, the exchange runs.
    tmux.keys(t, &["F4"]);
    tmux.wait_for(t, &["AUTH — Enter authenticates", "‹PLAIN›"])
        .await;
    tmux.keys(t, &["Tab"]);
    tmux.keys(t, &["-l", &user]);
    tmux.keys(t, &["Tab"]);
    tmux.keys(t, &["-l", &password]);
    tmux.keys(t, &["Enter"]);
    let screen = tmux
        .wait_for(t, &["S~ 235", "C~ AUTH PLAIN ••••••••  [\\0demo\\0••••]"])
        .await;
    assert!(!screen.contains("without TLS"), "{screen}");

    // Typed by hand on a new connection (implicit TLS again): sent on the first Enter.
    tmux.type_line(t, "/reconnect");
    tmux.wait_for(t, &["reconnecting to"]).await;
    tmux.wait_for(t, &["TLS1.3 VERIFIED", "state: greeted"])
        .await;
    tmux.type_line(t, "EHLO y");
    tmux.wait_for(t, &["C~ EHLO y"]).await;
    let plain = B64.encode(format!("\0{user}\0{password}"));
    tmux.type_line(t, &format!("AUTH PLAIN {plain}"));
    let screen = tmux.wait_for(t, &["state: authenticated"]).await;
    assert!(!screen.contains("without TLS"), "{screen}");
    assert!(!screen.contains("Enter again sends"), "{screen}");
    assert!(!screen.contains(&plain), "{screen}");

    // A raw line: its CR LF shown once as \r\n, never \\r\\n.
    tmux.keys(t, &["-l", "/raw RSET\\r\\nNOOP\\r\\n"]);
    tmux.keys(t, &["Enter"]);
    let screen = tmux.wait_for(t, &["C~ RSET\\r\\nNOOP\\r\\n"]).await;
    assert!(!screen.contains("\\\\r"), "escaped twice:\n{screen}");

    tmux.type_line(t, "/quit");
    tmux.wait_for(t, &["EXITED 0"]).await;
    sandbox.shutdown().await;
}
