//! The Postfix of the interop suite, set up by `tests/interop/postfix-up.sh` (see
//! `tests/interop/README.md`): its ports, the test login, its certificate and Maildir, the
//! gate every interop test passes first, the `smtpx` runner and the Maildir reader. Used by
//! every `interop*.rs`, `route.rs` and `scan_interop.rs`.

use std::process::{Command, Output};
use std::time::Duration;

/// The MTA port: STARTTLS offered, no AUTH, relaying denied.
pub const MTA: &str = "127.0.0.1:10025";
/// The submission port: STARTTLS required, then AUTH PLAIN/LOGIN.
pub const SUBMISSION: &str = "127.0.0.1:10587";
/// The submissions port: implicit TLS (RFC 8314), AUTH PLAIN/LOGIN.
pub const SUBMISSIONS: &str = "127.0.0.1:10465";
/// Every port Postfix listens on, in the order above.
pub const PORTS: [u16; 3] = [10025, 10587, 10465];
pub const USER: &str = "smtpxtest";
pub const PASSWORD: &str = "smtpx-test-password";
/// The variable [`smtpx`] puts [`PASSWORD`] in, for `--password-env`.
pub const PASSWORD_ENV: &str = "INTEROP_PASSWORD";
/// Postfix's self-signed certificate (CN and SAN `localhost`, SAN IP `127.0.0.1`).
pub const CERT: &str = "/etc/smtpx-interop/cert.pem";
pub const MAILDIR: &str = "/home/smtpxtest/Maildir";

/// Whether to run `what` (named in the note when skipped). With `SMTPX_INTEROP` set (as
/// `.ci/run` sets it) this panics unless Postfix listens on every port; without it (a plain
/// `cargo test` on a laptop) it prints a note and the test passes without running.
pub fn enabled(what: &str) -> bool {
    if std::env::var_os("SMTPX_INTEROP").is_none() {
        eprintln!("note: SMTPX_INTEROP is not set; skipping the Postfix {what}");
        return false;
    }
    for port in PORTS {
        let addr = std::net::SocketAddr::from(([127, 0, 0, 1], port));
        if std::net::TcpStream::connect_timeout(&addr, Duration::from_secs(2)).is_err() {
            panic!(
                "SMTPX_INTEROP is set but Postfix is not listening on {addr}: run tests/interop/postfix-up.sh"
            );
        }
    }
    true
}

/// `smtpx <args>` with its state under the test target directory (never the real home),
/// [`PASSWORD`] in [`PASSWORD_ENV`] and the variables `env`.
pub fn smtpx_with(args: &[&str], env: &[(&str, &str)]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_smtpx"))
        .env(
            "XDG_STATE_HOME",
            concat!(env!("CARGO_TARGET_TMPDIR"), "/xdg-state"),
        )
        .env(PASSWORD_ENV, PASSWORD)
        .envs(env.iter().copied())
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("run smtpx {args:?}: {e}"))
}

/// `smtpx <args>` as [`smtpx_with`] runs it, with no other variables.
pub fn smtpx(args: &[&str]) -> Output {
    smtpx_with(args, &[])
}

/// `smtpx probe <args>`.
pub fn probe(args: &[&str]) -> Output {
    smtpx(&[&["probe"], args].concat())
}

/// The log-in arguments for `mechanism` as the test user, the password from the
/// environment, and Postfix's certificate as the trust anchor: credentials go only over TLS
/// whose verdict passed.
pub fn login(mechanism: &str) -> [&str; 8] {
    [
        "--auth",
        mechanism,
        "--user",
        USER,
        "--password-env",
        PASSWORD_ENV,
        "--ca-file",
        CERT,
    ]
}

pub fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

/// Asserts smtpx exited with `code` and returns what it printed.
pub fn exits(output: &Output, code: i32) -> String {
    let out = stdout(output);
    assert_eq!(output.status.code(), Some(code), "{out}");
    out
}

/// A tag no other run shares, for finding this test's message in the Maildir.
pub fn unique(tag: &str) -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or(0);
    format!("smtpx-interop-{tag}-{nanos}-{}", std::process::id())
}

/// Waits (bounded) for a message in Postfix's Maildir whose bytes contain `needle`.
pub fn delivered_bytes(needle: &str) -> Vec<u8> {
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    loop {
        for dir in ["new", "cur"] {
            let Ok(entries) = std::fs::read_dir(std::path::Path::new(MAILDIR).join(dir)) else {
                continue;
            };
            for entry in entries.flatten() {
                if let Ok(bytes) = std::fs::read(entry.path())
                    && bytes
                        .windows(needle.len().max(1))
                        .any(|w| w == needle.as_bytes())
                {
                    return bytes;
                }
            }
        }
        assert!(
            std::time::Instant::now() < deadline,
            "no message containing {needle:?} in {MAILDIR}"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// [`delivered_bytes`] as text.
pub fn delivered(needle: &str) -> String {
    String::from_utf8_lossy(&delivered_bytes(needle)).into_owned()
}
