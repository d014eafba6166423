use super::*;
use crate::net::{AttemptFailure, NetError};
use crate::proto::reply::Reply;

/// The last reply in `bytes` (an empty one if none parses); `breach.rs`'s tests use it too.
pub(super) fn parsed(bytes: &[u8]) -> Reply {
    Reply::parse_all(bytes)
        .ok()
        .and_then(|mut r| r.pop())
        .unwrap_or(Reply { lines: Vec::new() })
}

#[test]
fn refusals_are_told_apart_by_code_and_text() {
    let d = |b: &[u8], cmd| reply(&parsed(b), cmd, false).map(|d| d.name());
    let must = b"530 5.7.0 Must issue a STARTTLS command first\r\n";
    assert_eq!(d(must, Some("MAIL")), Some("starttls_required"));
    let auth = b"530 5.7.0 Authentication required\r\n";
    assert_eq!(d(auth, Some("MAIL")), Some("authentication_required"));
    let failed = b"535 5.7.8 Error: authentication failed\r\n";
    assert_eq!(d(failed, Some("AUTH")), Some("authentication_failed"));
    // The mechanism, not the password: 504, or a refusal that names the mechanism.
    let unsupported = b"504 5.5.4 Unrecognized authentication type\r\n";
    assert_eq!(
        d(unsupported, Some("AUTH")),
        Some("mechanism_not_supported")
    );
    let postfix = b"535 5.7.8 Error: authentication failed: Invalid authentication mechanism\r\n";
    assert_eq!(d(postfix, Some("AUTH")), Some("mechanism_not_supported"));
    assert_eq!(d(unsupported, Some("MAIL")), None);
    // Exim's answer to AUTH where it is not advertised: out of sequence, not a password.
    let unoffered = b"503 AUTH command used when not advertised\r\n";
    assert_eq!(d(unoffered, Some("AUTH")), Some("auth_out_of_sequence"));
    assert_eq!(d(unoffered, Some("DATA")), None);
    let said = |authenticated| {
        reply(&parsed(unoffered), Some("AUTH"), authenticated)
            .map(|d| d.message())
            .unwrap_or_default()
    };
    assert!(
        said(false).contains("not a wrong password"),
        "{}",
        said(false)
    );
    assert!(said(false).contains("--starttls"), "{}", said(false));
    assert!(
        said(true).contains("already authenticated"),
        "{}",
        said(true)
    );
    let weak = b"534 5.7.9 Authentication mechanism is too weak\r\n";
    assert_eq!(d(weak, Some("AUTH")), None);
    let relay = b"554 5.7.1 <a@b.example>: Relay access denied\r\n";
    assert_eq!(d(relay, Some("RCPT")), Some("relay_denied"));
    let access = b"554 5.7.1 <a@b.example>: Recipient address rejected: Access denied\r\n";
    assert_eq!(d(access, Some("RCPT")), Some("relay_denied"));
    assert_eq!(d(access, Some("MAIL")), None);
    assert_eq!(d(b"550 5.1.1 no such user\r\n", Some("RCPT")), None);
    assert_eq!(d(b"250 ok\r\n", None), None);
}

#[test]
fn smtp_lines_and_services_are_recognised() {
    assert!(looks_like_smtp(b"220 mx ESMTP\r\n"));
    assert!(looks_like_smtp(b"220-mx\r\n"));
    assert!(!looks_like_smtp(b"HTTP/1.1 400 Bad Request\r\n"));
    assert!(!looks_like_smtp(b"2200"));
    assert_eq!(service_name(b"SSH-2.0-OpenSSH_9.2\r\n"), Some("SSH"));
    assert_eq!(service_name(b"http/1.0 400"), Some("HTTP"));
    assert_eq!(service_name(b"\x00\x01"), None);
    assert_eq!(quote_bytes(b"220 a\x1b[2J\r\nmore"), "220 a\\x1b[2J");
}

#[test]
fn only_port_25_connect_failures_are_called_blocked() {
    let attempt = |failure| crate::event::ConnectAttempt {
        addr: "192.0.2.1:25".parse().expect("literal address"),
        failure,
    };
    let error = |failure| NetError::Connect {
        target: crate::net::Target::new("192.0.2.1", 25),
        attempts: vec![attempt(failure)],
    };
    let refused = error(AttemptFailure::Refused);
    assert_eq!(
        connect_failure(&refused, 25),
        Some(Diagnosis::Port25Blocked { refused: true })
    );
    assert_eq!(connect_failure(&refused, 587), None);
    let timed_out = error(AttemptFailure::TimedOut {
        after: std::time::Duration::from_secs(5),
    });
    assert_eq!(
        connect_failure(&timed_out, 25),
        Some(Diagnosis::Port25Blocked { refused: false })
    );
}
