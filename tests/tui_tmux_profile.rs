//! `smtpx @PROFILE` in a real terminal (tmux on a private socket, the sandbox in-process,
//! the config file in a temporary `XDG_CONFIG_HOME`): a flag on the command line wins over
//! the profile (the port, then the EHLO name), the rest comes from the profile (the host,
//! implicit TLS, the EHLO name Tab offers), and F4 opens filled in with the profile's user
//! and mechanism. Its password command runs only on
//! Enter, off the UI's loop — the prompt takes keys while it runs — and a failing one is a
//! notice. The password never reaches the screen.
//!
//! Needs tmux; CI installs it (a missing tmux fails there, see `support::tmux`).

mod support;

use smtpx::sandbox::{self, SandboxConfig};
use support::tmux::{Tmux, explorer_command, tmux_available};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_profile_fills_the_explorer_flags_win_and_f4_fetches_its_password_on_enter() {
    if !tmux_available() {
        return;
    }
    let config = SandboxConfig {
        tls_listen: Some("127.0.0.1:0".parse().expect("address")),
        ..SandboxConfig::default()
    };
    let sandbox = sandbox::start(config).await.expect("start the sandbox");
    let plain = sandbox.plain_addr();
    let tls = sandbox.tls_addr().expect("the implicit-TLS listener");
    let user = sandbox.credentials().user.clone();
    let password = sandbox.credentials().password.clone();

    let home = tempfile::tempdir().expect("temp dir");
    let secret_file = home.path().join("password");
    std::fs::write(&secret_file, format!("{password}\n")).expect("write the password");
    let go = home.path().join("go");
    // The profile names the plaintext port; the command line names the TLS one.
    let profiles = format!(
        "[profile.lab]\nhost = \"127.0.0.1\"\nport = {plain_port}\ntls = \"tls-on-connect\"\n\
         ehlo = \"profile.test\"\nuser = \"{user}\"\nauth = \"login\"\npassword-command = \"cat {secret}\"\n\n\
         [profile.locked]\nhost = \"127.0.0.1\"\nport = {plain_port}\ntls = \"tls-on-connect\"\n\
         ehlo = \"profile.test\"\nuser = \"{user}\"\nauth = \"plain\"\npassword-command-shell = true\n\
         password-command = \"while [ ! -e {go} ]; do sleep 0.05; done; \
         echo no such entry in the store >&2; exit 1\"\n",
        plain_port = plain.port(),
        secret = secret_file.display(),
        go = go.display(),
    );
    std::fs::create_dir_all(home.path().join("smtpx")).expect("config dir");
    std::fs::write(home.path().join("smtpx/config.toml"), profiles).expect("write config");

    let state = tempfile::tempdir().expect("temp dir");
    let env = format!(
        "XDG_STATE_HOME={} XDG_CONFIG_HOME={}",
        state.path().display(),
        home.path().display()
    );
    let args = |profile: &str, more: &str| {
        format!(
            "@{profile} {more} --port {} --verify-name localhost --ca-file {} --no-record",
            tls.port(),
            sandbox.ca_pem_path().display()
        )
    };
    let tmux = Tmux::new("profile");

    // The port from the command line, implicit TLS from the profile.
    let t = "lab";
    tmux.start(
        t,
        110,
        34,
        &explorer_command(&state.path().join("pid"), &env, &args("lab", "")),
    );
    let screen = tmux
        .wait_for(
            t,
            &[
                "S~ 220",
                "TLS1.3 VERIFIED",
                &format!("127.0.0.1:{}", tls.port()),
            ],
        )
        .await;
    assert!(
        !screen.contains(&format!("127.0.0.1:{}", plain.port())),
        "{screen}"
    );
    // Tab after EHLO offers the profile's name.
    tmux.keys(t, &["-l", "EHLO "]);
    tmux.keys(t, &["Tab"]);
    tmux.wait_for(t, &["smtp~> EHLO profile.test"]).await;
    tmux.keys(t, &["Enter"]);
    tmux.wait_for(t, &["C~ EHLO profile.test", "250 HELP", "smtp~>"])
        .await;

    // F4: the profile's user and mechanism; the password only named, fetched on Enter.
    tmux.keys(t, &["F4"]);
    tmux.wait_for(
        t,
        &[
            "AUTH — Enter authenticates",
            "‹LOGIN›",
            &user,
            "(the profile's, fetched on Enter)",
            "Enter fetches the secret from the command `cat",
        ],
    )
    .await;
    tmux.keys(t, &["Enter"]);
    let screen = tmux
        .wait_for(
            t,
            &["the secret from the profile", "C~ AUTH LOGIN", "S~ 235"],
        )
        .await;
    assert!(!screen.contains(&password), "{screen}");
    tmux.type_line(t, "/quit");
    tmux.wait_for(t, &["EXITED 0"]).await;

    // A password command that waits, then fails: the prompt takes keys meanwhile, and the
    // failure is a notice with what the command said.
    let t = "locked";
    tmux.start(
        t,
        110,
        34,
        &explorer_command(
            &state.path().join("pid2"),
            &env,
            &args("locked", "--ehlo cli.test"),
        ),
    );
    tmux.wait_for(t, &["S~ 220", "TLS1.3 VERIFIED"]).await;
    // `--ehlo` on the command line wins over the profile's.
    tmux.keys(t, &["-l", "EHLO "]);
    tmux.keys(t, &["Tab"]);
    tmux.wait_for(t, &["smtp~> EHLO cli.test"]).await;
    tmux.keys(t, &["Enter"]);
    tmux.wait_for(t, &["C~ EHLO cli.test", "250 HELP", "smtp~>"])
        .await;
    tmux.keys(t, &["F4"]);
    tmux.wait_for(
        t,
        &[
            "‹PLAIN›",
            "fetched on Enter)",
            "one typed here is used instead",
        ],
    )
    .await;
    tmux.keys(t, &["Enter"]);
    tmux.wait_for(t, &["the secret from the profile"]).await;
    tmux.keys(t, &["-l", "NOOP"]);
    tmux.wait_for(t, &["smtp~> NOOP"]).await;
    std::fs::write(&go, "").expect("let the command go on");
    tmux.wait_for(
        t,
        &[
            "AUTH PLAIN not started: password-command",
            "failed with exit status 1 (it said: no such entry in the store)",
        ],
    )
    .await;
    tmux.keys(t, &["Enter"]);
    tmux.wait_for(t, &["C~ NOOP", "S~ 250"]).await;
    tmux.type_line(t, "/quit");
    tmux.wait_for(t, &["EXITED 0"]).await;
    sandbox.shutdown().await;
}
