//! The Exim of the interop suite, set up by `tests/interop/exim-up.sh` (see
//! `tests/interop/README.md`): its ports, certificate and Maildir, the gate its tests pass
//! first, and reading back what it delivered. The login and the `smtpx` runner are
//! [`super::postfix`]'s: both servers take the same test user and password.

use std::path::Path;
use std::time::{Duration, Instant};

/// The MTA port: STARTTLS offered, no AUTH; `*@exim.test` accepted, `refuse*@exim.test`
/// refused with 550 5.1.1, other domains refused as relaying (550 5.7.1).
pub const MTA: &str = "127.0.0.1:10125";
/// The submission port: STARTTLS offered, AUTH PLAIN/LOGIN only after it, RCPT only after AUTH.
pub const SUBMISSION: &str = "127.0.0.1:10126";
/// The submissions port: implicit TLS (RFC 8314), AUTH PLAIN/LOGIN.
pub const SUBMISSIONS: &str = "127.0.0.1:10165";
/// Every port Exim listens on, in the order above.
pub const PORTS: [u16; 3] = [10125, 10126, 10165];
/// The domain Exim delivers locally.
pub const DOMAIN: &str = "exim.test";
/// Exim's self-signed certificate (CN and SAN `localhost`, SAN IP `127.0.0.1`).
pub const CERT: &str = "/etc/smtpx-exim/cert.pem";
/// Every recipient at [`DOMAIN`] lands here, one file per recipient, with an `Envelope-to:`.
pub const MAILDIR: &str = "/var/lib/smtpx-exim/Maildir";

/// Whether to run `what` (named in the note when skipped). With `SMTPX_INTEROP` set (as
/// `.ci/run` sets it) this panics unless Exim listens on every port; without it it prints a
/// note and the test passes without running.
pub fn enabled(what: &str) -> bool {
    if std::env::var_os("SMTPX_INTEROP").is_none() {
        eprintln!("note: SMTPX_INTEROP is not set; skipping the Exim {what}");
        return false;
    }
    for port in PORTS {
        let addr = std::net::SocketAddr::from(([127, 0, 0, 1], port));
        if std::net::TcpStream::connect_timeout(&addr, Duration::from_secs(2)).is_err() {
            panic!(
                "SMTPX_INTEROP is set but Exim is not listening on {addr}: run tests/interop/exim-up.sh"
            );
        }
    }
    true
}

/// The log-in arguments for `mechanism` as the test user, the password from the
/// environment, and Exim's certificate as the trust anchor.
pub fn login(mechanism: &str) -> [&str; 8] {
    [
        "--auth",
        mechanism,
        "--user",
        super::postfix::USER,
        "--password-env",
        super::postfix::PASSWORD_ENV,
        "--ca-file",
        CERT,
    ]
}

/// Waits (bounded) until `count` delivered messages contain `needle` and returns them
/// (Exim delivers each recipient in a file of its own, just after its reply).
pub fn delivered(needle: &str, count: usize) -> Vec<String> {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let mut found = Vec::new();
        for dir in ["new", "cur"] {
            let Ok(entries) = std::fs::read_dir(Path::new(MAILDIR).join(dir)) else {
                continue;
            };
            for entry in entries.flatten() {
                if let Ok(bytes) = std::fs::read(entry.path()) {
                    let text = String::from_utf8_lossy(&bytes);
                    if text.contains(needle) {
                        found.push(text.into_owned());
                    }
                }
            }
        }
        if found.len() >= count {
            return found;
        }
        assert!(
            Instant::now() < deadline,
            "{} of {count} messages containing {needle:?} in {MAILDIR}",
            found.len()
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// The one delivered message that contains `needle`.
pub fn delivered_one(needle: &str) -> String {
    let mut found = delivered(needle, 1);
    assert_eq!(found.len(), 1, "one message with {needle:?}: {found:?}");
    found.remove(0)
}
