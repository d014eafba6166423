//! Hostile servers: each test scripts a server that misbehaves on purpose and checks that
//! the probe neither panics, hangs nor runs out of memory, says what the server did, and
//! keeps the transcript up to that point; a representative subset also drives the
//! explorer's App model through the real driver task and checks the text stays escaped.
//! Plus the secrets tests (`hostile/secrets.rs`): the password never shows anywhere, typed
//! at a prompt (under tmux) or passed by environment or file.
//!
//! The harness is in `hostile/harness.rs`, and `hostile/scenario.rs` plays one script to
//! each client in turn; behaviours are grouped by what the server attacks: the text
//! (`hostile/text.rs`), the framing and timing (`hostile/wire.rs`), STARTTLS and TLS
//! (`hostile/tls.rs`), DATA and AUTH (`hostile/transaction.rs`).

mod support;

// This crate's own files, tests/hostile/*.rs. The inline module is what puts them there: a
// crate root's `mod x;` looks for tests/x.rs.
mod hostile {
    mod auth_policy;
    mod harness;
    mod scenario;
    mod secrets;
    mod text;
    mod tls;
    mod transaction;
    mod wire;
}

use support::{ScriptedServer, Step, reply};

/// Probe arguments for `server`: client name `client.test`, a 1 s timeout (the value at
/// index 4), then `rest`.
fn probe_args(server: &ScriptedServer, rest: &[&str]) -> Vec<String> {
    let mut args = vec![
        server.addr.to_string(),
        "--ehlo".into(),
        "client.test".into(),
        "--timeout".into(),
        "1".into(),
    ];
    args.extend(rest.iter().map(|s| s.to_string()));
    args
}

/// Probe arguments for a session that stops after EHLO, with a 1 s timeout.
fn ehlo_args(server: &ScriptedServer) -> Vec<String> {
    probe_args(server, &["--quit-after", "ehlo", "--no-starttls"])
}

fn strs(v: &[String]) -> Vec<&str> {
    v.iter().map(String::as_str).collect()
}

/// A normal EHLO reply.
fn ehlo_ok() -> Step {
    Step::Send(reply(250, &["mx.test", "PIPELINING", "8BITMIME"]))
}

/// A normal QUIT exchange and close.
fn quit() -> Vec<Step> {
    vec![Step::expect("QUIT"), Step::send("221 bye\r\n"), Step::Close]
}
