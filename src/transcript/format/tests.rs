use super::*;
use crate::event::SessionEvent;
use crate::transcript::testdata::{every_kind, ms, same, secret};

fn through_json(event: &SessionEvent) -> (SessionEvent, Annotation) {
    let line = EventLine::from_event(event);
    let text = serde_json::to_string(&line).expect("serialises");
    assert!(!text.contains('\n'), "one line: {text}");
    let back: EventLine = serde_json::from_str(&text).expect("parses");
    assert_eq!(back, line);
    back.to_event().expect("converts back")
}

#[test]
fn every_kind_of_event_round_trips_byte_exact() {
    let events = every_kind();
    let back: Vec<SessionEvent> = events.iter().map(|e| through_json(e).0).collect();
    same(&events, &back);
}

#[test]
fn utf8_bytes_are_text_and_others_base64() {
    let line = EventLine::from_event(&crate::transcript::testdata::sent(
        1,
        Layer::Plain,
        b"EHLO x\r\n",
    ));
    let json = serde_json::to_value(&line).expect("serialises");
    assert_eq!(json["text"], "EHLO x\r\n");
    assert_eq!(json["dir"], "client");
    assert_eq!(json["kind"], "sent");
    assert_eq!(json["layer"], "plain");
    assert!(json.get("base64").is_none());
    let line = EventLine::from_event(&crate::transcript::testdata::sent(
        1,
        Layer::Plain,
        b"\xff\r",
    ));
    let json = serde_json::to_value(&line).expect("serialises");
    assert_eq!(json["base64"], "/w0=");
    assert!(json.get("text").is_none());
}

#[test]
fn a_secret_without_revealed_bytes_is_written_as_a_marker() {
    let event = secret(3, "AUTH PLAIN <redacted 24 bytes>", None);
    let text = serde_json::to_string(&EventLine::from_event(&event)).expect("serialises");
    assert!(text.contains(r#""redacted":{"what":"secret"}"#), "{text}");
    assert!(!text.contains(r#""text""#), "{text}");
    let (back, note) = through_json(&event);
    assert!(matches!(note.redacted, Some(Redaction::Secret { .. })));
    assert!(matches!(back, SessionEvent::Sent { secret: true, ref bytes, .. } if bytes.is_empty()));
}

#[test]
fn revealed_secret_bytes_are_written_when_the_driver_passes_them() {
    let event = secret(
        3,
        "AUTH PLAIN <redacted 8 bytes>",
        Some(b"AUTH PLAIN AGEAYg==\r\n"),
    );
    let text = serde_json::to_string(&EventLine::from_event(&event)).expect("serialises");
    assert!(text.contains("AGEAYg=="), "{text}");
}

#[test]
fn times_keep_microseconds() {
    assert_eq!(secs(ms(31)), 0.031007);
    assert_eq!(duration_from_secs(0.031007, "at").ok(), Some(ms(31)));
    assert!(duration_from_secs(-1.0, "at").is_err());
    assert!(duration_from_secs(f64::NAN, "at").is_err());
}

#[test]
fn a_line_whose_direction_does_not_fit_its_kind_is_refused() {
    let mut line = EventLine::from_event(&crate::transcript::testdata::sent(1, Layer::Plain, b"x"));
    line.dir = Direction::Server;
    assert!(matches!(line.to_event(), Err(LineError::Direction { .. })));
    assert!(
        line.to_event()
            .err()
            .is_some_and(|e| e.to_string().contains("dir"))
    );
}

#[test]
fn header_has_format_version_and_utc_start() {
    let header = Header::new(
        "mx.example.com",
        587,
        Transport::StarttlsRequired,
        1_709_210_096,
    );
    let json = serde_json::to_value(&header).expect("serialises");
    assert_eq!(json["format"], "smtpx-transcript");
    assert_eq!(json["version"], 1);
    assert_eq!(json["started"], "2024-02-29T12:34:56Z");
    assert_eq!(json["transport"], "starttls-required");
    assert_eq!(json["target"]["port"], 587);
}

#[test]
fn every_failure_cause_round_trips_with_its_kind_and_peer() {
    use crate::event::failure::{
        AttemptFailure, Cause, ConnectAttempt, Failure, FailureKind, IoErrorKind, IoFailure, Phase,
    };
    let io = IoFailure {
        kind: IoErrorKind::ConnectionReset,
        message: "connection reset by peer".into(),
    };
    let causes = [
        (
            FailureKind::Network,
            Cause::Resolve {
                host: "mx.example".into(),
            },
        ),
        (
            FailureKind::Network,
            Cause::Connect {
                attempts: vec![
                    ConnectAttempt {
                        addr: ([127, 0, 0, 1], 1).into(),
                        failure: AttemptFailure::Refused,
                    },
                    ConnectAttempt {
                        addr: ([127, 0, 0, 1], 2).into(),
                        failure: AttemptFailure::TimedOut {
                            after: std::time::Duration::from_millis(1500),
                        },
                    },
                    ConnectAttempt {
                        addr: ([127, 0, 0, 1], 3).into(),
                        failure: AttemptFailure::Other {
                            kind: IoErrorKind::HostUnreachable,
                            message: "no route to host".into(),
                        },
                    },
                ],
            },
        ),
        (
            FailureKind::Network,
            Cause::Timeout {
                waiting_for: Phase::Reply,
                after: std::time::Duration::from_nanos(30_000_000_001),
            },
        ),
        (
            FailureKind::Network,
            Cause::Io {
                during: Phase::Send,
                error: io.clone(),
                partial_bytes: Some(7),
            },
        ),
        (FailureKind::Network, Cause::Closed { during: None }),
        (
            FailureKind::Protocol,
            Cause::TlsHandshake {
                error: io.clone(),
                plaintext_bytes: Some(12),
            },
        ),
        (
            FailureKind::Protocol,
            Cause::CertificateRejected {
                verdict: Box::new(crate::transcript::testdata::tls_info(false).verdict),
            },
        ),
        (FailureKind::Protocol, Cause::ReplyTooLarge),
        (FailureKind::Protocol, Cause::Flood { count: 100 }),
        (FailureKind::Local, Cause::NotConnected),
        (FailureKind::Local, Cause::MessageSource { error: io }),
    ];
    for (kind, cause) in causes {
        let failure = Failure::new(kind, cause, "words \x1b as shown")
            .with_peer(Some(([192, 0, 2, 1], 25).into()));
        let event = SessionEvent::Failed { at: ms(4), failure };
        let (back, _) = through_json(&event);
        same(&[event], &[back]);
    }
}

#[test]
fn a_version_1_failed_line_with_only_its_words_still_reads() {
    let line = r#"{"at":0.5,"dir":"smtpx","kind":"failed","error":"timed out after 30 s waiting for a reply"}"#;
    let line: EventLine = serde_json::from_str(line).expect("parses");
    let (event, _) = line.to_event().expect("converts");
    let SessionEvent::Failed { at, failure } = event else {
        panic!("not a failure: {event:?}");
    };
    assert_eq!(at, std::time::Duration::from_millis(500));
    assert_eq!(failure.kind, crate::event::FailureKind::Unknown);
    assert_eq!(failure.cause, crate::event::Cause::Unrecorded);
    assert_eq!(
        failure.to_string(),
        "timed out after 30 s waiting for a reply"
    );
    let again = serde_json::to_string(&EventLine::from_event(&SessionEvent::Failed {
        at,
        failure,
    }))
    .expect("serialises");
    assert!(!again.contains("\"failure\""), "{again}");
}
