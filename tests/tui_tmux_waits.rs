//! The explorer's waits in a real terminal (tmux on a private socket): the status bar counts
//! the seconds while connecting and while no greeting comes; plaintext to the sandbox's
//! implicit-TLS port is diagnosed after the greeting wait and `/reconnect --tls` waits at the
//! prompt, one Enter away; Ctrl-C while connecting (to a filtered port) exits at once.

mod support;

use std::time::{Duration, Instant};

use smtpx::sandbox::{self, SandboxConfig};
use support::filtered::FilteredPort;
use support::tmux::{Tmux, explorer_command, tmux_available};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_silent_implicit_tls_port_is_counted_diagnosed_and_one_enter_from_tls() {
    if !tmux_available() {
        return;
    }
    let config = SandboxConfig {
        tls_listen: Some("127.0.0.1:0".parse().expect("literal address")),
        ..SandboxConfig::default()
    };
    let sandbox = sandbox::start(config).await.expect("start the sandbox");
    let tls_addr = sandbox.tls_addr().expect("the implicit TLS listener");
    let state = tempfile::tempdir().expect("temp dir");
    let tmux = Tmux::new("waits-tls");
    let args = format!(
        "{tls_addr} --no-tls-on-connect --no-record --verify-name localhost --ca-file {}",
        sandbox.ca_pem_path().display()
    );
    let env = format!("XDG_STATE_HOME={}", state.path().display());
    let command = explorer_command(&state.path().join("pid"), &env, &args);
    let t = "explore";
    tmux.start(t, 80, 24, &command);

    // The counter runs while no greeting comes (never "closed").
    tmux.wait_for(t, &["no greeting yet · 1 s"]).await;
    let screen = tmux.wait_for(t, &["no greeting yet · 2 s"]).await;
    assert!(!screen.contains("closed"), "{screen}");
    // After the greeting wait: the diagnosis, in the explorer's words, and the offer.
    let screen = tmux
        .wait_for(
            t,
            &["This port expects implicit TLS", "smtp> /reconnect --tls"],
        )
        .await;
    assert!(!screen.contains("--tls-on-connect"), "{screen}");
    tmux.keys(t, &["Enter"]);
    tmux.wait_for(t, &["S~ 220", "TLS1.3"]).await;
    tmux.keys(t, &["C-c"]);
    tmux.wait_for(t, &["EXITED 0", "TTY-COOKED"]).await;
    sandbox.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ctrl_c_while_connecting_exits_at_once() {
    if !tmux_available() {
        return;
    }
    let filtered = FilteredPort::start();
    let state = tempfile::tempdir().expect("temp dir");
    let tmux = Tmux::new("waits-connect");
    let args = format!(
        "{} --no-record --connect-timeout 60 --timeout 60",
        filtered.addr
    );
    let env = format!("XDG_STATE_HOME={}", state.path().display());
    let command = explorer_command(&state.path().join("pid"), &env, &args);
    let t = "explore";
    tmux.start(t, 80, 24, &command);

    let screen = tmux.wait_for(t, &["connecting · 1 s"]).await;
    assert!(!screen.contains("closed"), "{screen}");
    let pressed = Instant::now();
    tmux.keys(t, &["C-c"]);
    tmux.wait_for(t, &["EXITED 0", "TTY-COOKED"]).await;
    let took = pressed.elapsed();
    // It used to take ~2 s (the network task finished its connect first).
    assert!(took < Duration::from_millis(1200), "Ctrl-C took {took:?}");
}
