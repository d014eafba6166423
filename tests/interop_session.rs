//! `smtpx probe` against the session listeners of the interop rig
//! (`tests/interop/postfix-up.sh`, see `tests/interop/README.md`): Dovecot's LMTP server on
//! 127.0.0.1:10024 ([RFC 2033](https://www.rfc-editor.org/rfc/rfc2033)), where `smtpxtest`
//! has its mail delivered to its Maildir and `smtpxfull` exists but is over its quota; and
//! Postfix on 127.0.0.1:10026 with XCLIENT and XFORWARD authorized for 127.0.0.1.
//!
//! With `SMTPX_INTEROP` set (as `.ci/run` sets it) these fail loudly when the listeners are
//! missing; without it they print a note and pass without running.

use std::time::{Duration, Instant};

mod support;

use support::postfix::{self, exits};
use support::postfix::{delivered, unique};

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

/// Lines typed in the explorer go through its network task; this drives that task as the
/// explorer does and returns each reply's text, in order.
async fn typed_session(target: &str, lines: &[&str]) -> Vec<(u16, String)> {
    use smtpx::driver::Driver;
    use smtpx::driver::task::{self, Intent};
    use smtpx::net::{ConnectOptions, Target, TlsOptions};

    let addr: std::net::SocketAddr = target.parse().expect("address");
    let (update_tx, mut updates) = tokio::sync::mpsc::unbounded_channel();
    let (intents, intent_rx) = tokio::sync::mpsc::unbounded_channel();
    let driver = Driver::new(
        Target::new(addr.ip().to_string(), addr.port()),
        ConnectOptions::default(),
        TlsOptions::default(),
        Duration::from_secs(10),
        task::sink(update_tx.clone()),
    );
    tokio::spawn(task::run(driver, false, intent_rx, update_tx));
    let mut replies = vec![next_reply(&mut updates).await];
    for line in lines {
        intents.send(Intent::Line((*line).into())).expect("send");
        replies.push(next_reply(&mut updates).await);
    }
    replies
}

/// The next reply the task reports: its code and its text.
async fn next_reply(
    updates: &mut tokio::sync::mpsc::UnboundedReceiver<smtpx::driver::task::Update>,
) -> (u16, String) {
    use smtpx::driver::SessionEvent;
    use smtpx::driver::task::Update;
    loop {
        let update = tokio::time::timeout(Duration::from_secs(20), updates.recv())
            .await
            .expect("a reply within 20 s")
            .expect("the task runs");
        if let Update::Event(SessionEvent::Received { reply, .. }) = update {
            let text = reply
                .lines
                .iter()
                .map(|l| String::from_utf8_lossy(l.text()).into_owned())
                .collect::<Vec<_>>()
                .join("\n");
            return (reply.code().unwrap_or(0), text);
        }
    }
}

#[tokio::test]
async fn xforward_typed_in_the_explorer_reaches_postfixs_log() {
    if !enabled("XFORWARD interop test") {
        return;
    }
    let name = format!("{}.example", unique("xforward"));
    let xforward = format!("XFORWARD ADDR=192.0.2.8 NAME={name}");
    let replies = typed_session(
        XCLIENT,
        &[
            "EHLO smtpx.test",
            &xforward,
            "MAIL FROM:<smtpxtest@smtpx.test>",
            "RCPT TO:<smtpxtest@localhost>",
            "DATA",
        ],
    )
    .await;
    let codes: Vec<u16> = replies.iter().map(|(code, _)| *code).collect();
    assert_eq!(codes, [220, 250, 250, 250, 250, 354], "{replies:?}");
    assert!(replies[1].1.contains("XFORWARD NAME ADDR"), "{replies:?}");
    // The message itself, as the explorer's message mode sends it, is not needed: the
    // queue file is opened at MAIL and Postfix logs the forwarded client then.
    let log = "/var/log/smtpx-interop/postfix.log";
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let text = std::fs::read_to_string(log).unwrap_or_default();
        let wanted = format!("orig_client={name}[192.0.2.8]");
        if text.contains(&wanted) {
            break;
        }
        assert!(Instant::now() < deadline, "no {wanted} in {log}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}
