//! `smtpx probe` against the session listeners of the interop rig
//! (`tests/interop/postfix-up.sh`, see `tests/interop/README.md`): Dovecot's LMTP server on
//! 127.0.0.1:10024 ([RFC 2033](https://www.rfc-editor.org/rfc/rfc2033)), where `smtpxtest`
//! has its mail delivered to its Maildir and `smtpxfull` exists but is over its quota; and
//! Postfix on 127.0.0.1:10026 with XCLIENT and XFORWARD authorized for 127.0.0.1.
//!
//! With `SMTPX_INTEROP` set (as `.ci/run` sets it) these fail loudly when the listeners are
//! missing; without it they print a note and pass without running.

use std::path::Path;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

mod support;

use support::postfix::{self, MAILDIR, exits};

/// Dovecot LMTP.
const LMTP: &str = "127.0.0.1:10024";
/// Postfix smtpd that lets 127.0.0.1 use XCLIENT and XFORWARD.
const XCLIENT: &str = "127.0.0.1:10026";

/// Whether to run; panics if asked to and a listener is not there.
fn enabled(what: &str) -> bool {
    if !postfix::enabled(what) {
        return false;
    }
    for listener in [LMTP, XCLIENT] {
        let addr: std::net::SocketAddr = listener.parse().expect("address");
        assert!(
            std::net::TcpStream::connect_timeout(&addr, Duration::from_secs(2)).is_ok(),
            "SMTPX_INTEROP is set but nothing listens on {addr}: run tests/interop/postfix-up.sh"
        );
    }
    true
}

fn unique(tag: &str) -> String {
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or(0);
    format!("smtpx-interop-{tag}-{nanos}-{}", std::process::id())
}

/// Waits (bounded) for a delivered message whose text contains `needle`.
fn delivered(needle: &str) -> String {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        for dir in ["new", "cur"] {
            let Ok(entries) = std::fs::read_dir(Path::new(MAILDIR).join(dir)) else {
                continue;
            };
            for entry in entries.flatten() {
                if let Ok(bytes) = std::fs::read(entry.path()) {
                    let text = String::from_utf8_lossy(&bytes);
                    if text.contains(needle) {
                        return text.into_owned();
                    }
                }
            }
        }
        assert!(
            Instant::now() < deadline,
            "no message containing {needle:?} in {MAILDIR}"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}

#[test]
fn dovecot_lmtp_delivers_to_one_recipient_and_reports_the_other_over_quota() {
    if !enabled("LMTP interop test") {
        return;
    }
    let subject = unique("lmtp");
    let output = postfix::probe(&[
        LMTP,
        "--lmtp",
        "--no-starttls",
        "--no-record",
        "--json",
        "--timeout",
        "10",
        "--from",
        "smtpxtest@smtpx.test",
        "--to",
        "smtpxtest@smtpx.test,smtpxfull@smtpx.test",
        "--subject",
        &subject,
        "--body",
        "A message long enough to be over a one-byte quota.",
    ]);
    let stdout = exits(&output, 0);
    let events: Vec<serde_json::Value> = stdout
        .lines()
        .filter_map(|l| serde_json::from_str(l).ok())
        .collect();
    let sent: Vec<&str> = events
        .iter()
        .filter(|e| e["event"] == "sent")
        .filter_map(|e| e["line"].as_str())
        .collect();
    assert!(
        sent.first().is_some_and(|l| l.starts_with("LHLO ")),
        "{stdout}"
    );
    let deliveries = events
        .iter()
        .find(|e| e["event"] == "lmtp_deliveries")
        .unwrap_or_else(|| panic!("no lmtp_deliveries event:\n{stdout}"));
    let recipients = deliveries["recipients"].as_array().expect("recipients");
    assert_eq!(recipients.len(), 2, "{stdout}");
    assert_eq!(recipients[0]["recipient"], "smtpxtest@smtpx.test");
    assert_eq!(recipients[0]["delivered"], true, "{stdout}");
    assert_eq!(recipients[1]["recipient"], "smtpxfull@smtpx.test");
    assert_eq!(recipients[1]["delivered"], false, "{stdout}");
    assert!(
        recipients[1]["code"]
            .as_i64()
            .is_some_and(|c| (400..600).contains(&c)),
        "{stdout}"
    );
    assert!(
        stdout.contains(
            "LMTP: the message was delivered to 1 of 2 recipients; not to <smtpxfull@smtpx.test>"
        ),
        "{stdout}"
    );
    delivered(&subject);
}

#[test]
fn postfix_takes_the_xclient_address_and_name_as_the_clients() {
    if !enabled("XCLIENT interop test") {
        return;
    }
    let subject = unique("xclient");
    let output = postfix::probe(&[
        XCLIENT,
        "--no-starttls",
        "--no-record",
        "--timeout",
        "10",
        "--xclient",
        "ADDR=192.0.2.7",
        "--xclient",
        "NAME=forwarded.example",
        "--from",
        "smtpxtest@smtpx.test",
        "--to",
        "smtpxtest@localhost",
        "--subject",
        &subject,
    ]);
    let stdout = exits(&output, 0);
    assert!(
        stdout.contains("XCLIENT accepted: the session starts over"),
        "{stdout}"
    );
    // Postfix writes the forwarded client, not 127.0.0.1, into its Received line (after
    // the name the client gave in the EHLO re-sent after XCLIENT).
    let message = delivered(&subject);
    assert!(
        message.contains("(forwarded.example [192.0.2.7])"),
        "{message}"
    );
}
