//! The watcher's tests: events in, diagnoses and breaches out.

use super::*;
use crate::proto::reply::Reply;

fn sent(layer: Layer, shown: &str, secret: bool) -> SessionEvent {
    SessionEvent::Sent {
        at: Duration::ZERO,
        layer,
        shown: shown.into(),
        bytes: Vec::new(),
        secret,
        revealed: None,
    }
}

fn received(layer: Layer, bytes: &[u8]) -> SessionEvent {
    let reply = Reply::parse_all(bytes)
        .ok()
        .and_then(|mut r| r.pop())
        .unwrap_or(Reply { lines: Vec::new() });
    SessionEvent::Received {
        at: Duration::ZERO,
        layer,
        reply,
        latency: None,
    }
}

fn names(watcher: &mut Watcher, events: &[SessionEvent]) -> Vec<&'static str> {
    events
        .iter()
        .flat_map(|e| watcher.observe(e))
        .map(|d| d.name())
        .collect()
}

#[test]
fn auth_before_starttls_on_a_submission_port_is_explained_once() {
    let mut watcher = Watcher::new(587);
    let events = [
        received(Layer::Plain, b"220 mx ESMTP\r\n"),
        sent(Layer::Plain, "EHLO client", false),
        received(Layer::Plain, b"250-mx\r\n250 STARTTLS\r\n"),
        sent(Layer::Plain, "AUTH PLAIN <redacted 20 bytes>", false),
        received(
            Layer::Plain,
            b"530 5.7.0 Must issue a STARTTLS command first\r\n",
        ),
    ];
    assert_eq!(names(&mut watcher, &events), ["auth_only_after_starttls"]);
}

#[test]
fn missing_starttls_and_relay_refusal_are_reported() {
    let mut watcher = Watcher::new(25);
    let events = [
        sent(Layer::Plain, "EHLO client", false),
        received(Layer::Plain, b"250-mx\r\n250 PIPELINING\r\n"),
        sent(Layer::Plain, "MAIL FROM:<a@b.example>", false),
        received(Layer::Plain, b"250 ok\r\n"),
        sent(Layer::Plain, "RCPT TO:<c@d.example>", false),
        received(
            Layer::Plain,
            b"554 5.7.1 <c@d.example>: Relay access denied\r\n",
        ),
        sent(Layer::Plain, "RCPT TO:<e@d.example>", false),
        received(
            Layer::Plain,
            b"554 5.7.1 <e@d.example>: Relay access denied\r\n",
        ),
    ];
    assert_eq!(
        names(&mut watcher, &events),
        ["starttls_not_offered", "relay_denied"]
    );
}

fn breaches(watcher: &mut Watcher, events: &[SessionEvent]) -> Vec<&'static str> {
    events
        .iter()
        .flat_map(|e| {
            watcher.observe(e);
            watcher.take_breaches()
        })
        .map(|b| b.name())
        .collect()
}

#[test]
fn only_the_first_reply_after_data_must_be_354() {
    let mut watcher = Watcher::new(25);
    let accepted = [
        sent(Layer::Plain, "DATA", false),
        received(Layer::Plain, b"354 go ahead\r\n"),
        sent(
            Layer::Plain,
            "<message: 5 bytes, 0 lines dot-stuffed, end marker>",
            false,
        ),
        received(Layer::Plain, b"250 2.0.0 queued\r\n"),
    ];
    assert!(breaches(&mut watcher, &accepted).is_empty());
    let uninvited = [
        sent(Layer::Plain, "DATA", false),
        received(Layer::Plain, b"250 2.0.0 queued?\r\n"),
        sent(Layer::Plain, "NOOP", false),
        received(Layer::Plain, b"250 ok\r\n"),
    ];
    assert_eq!(breaches(&mut watcher, &uninvited), ["data_not_invited"]);
}

#[test]
fn a_code_change_is_named_every_time_it_happens() {
    let mut watcher = Watcher::new(25);
    let events = [
        sent(Layer::Plain, "EHLO me", false),
        received(Layer::Plain, b"250-mx\r\n550 no\r\n"),
        sent(Layer::Plain, "NOOP", false),
        received(Layer::Plain, b"250-mx\r\n451 later\r\n"),
    ];
    assert_eq!(
        breaches(&mut watcher, &events),
        ["code_changed_mid_reply", "code_changed_mid_reply"]
    );
}

fn raw(bytes: &[u8]) -> SessionEvent {
    SessionEvent::Sent {
        at: Duration::ZERO,
        layer: Layer::Plain,
        shown: crate::proto::text::escape_bytes(bytes).into(),
        bytes: bytes.to_vec(),
        secret: false,
        revealed: None,
    }
}

#[test]
fn a_pipelined_raw_ehlo_is_not_read_from_the_next_reply() {
    let mut watcher = Watcher::new(2525);
    let events = [
        received(Layer::Plain, b"220 mx ESMTP\r\n"),
        raw(b"EHLO x\r\nNOOP\r\n"),
        received(
            Layer::Plain,
            b"250-mx\r\n250-PIPELINING\r\n250 STARTTLS\r\n",
        ),
        received(Layer::Plain, b"250 2.0.0 Ok\r\n"),
    ];
    assert!(names(&mut watcher, &events).is_empty());
}

#[test]
fn a_bad_sequence_503_to_auth_is_no_auth_diagnosis() {
    let mut watcher = Watcher::new(587);
    let events = [
        sent(Layer::Plain, "EHLO client", false),
        received(Layer::Plain, b"250-mx\r\n250 STARTTLS\r\n"),
        sent(Layer::Plain, "AUTH PLAIN <redacted 20 bytes>", false),
        received(Layer::Plain, b"503 5.5.1 Bad sequence of commands\r\n"),
    ];
    assert!(names(&mut watcher, &events).is_empty());
    // Postfix's way of saying AUTH comes after STARTTLS is diagnosed, after the reply.
    let mut watcher = Watcher::new(587);
    let events = [
        sent(Layer::Plain, "EHLO client", false),
        received(Layer::Plain, b"250-mx\r\n250 STARTTLS\r\n"),
        sent(Layer::Plain, "AUTH PLAIN <redacted 20 bytes>", false),
    ];
    assert!(
        names(&mut watcher, &events).is_empty(),
        "not before the reply"
    );
    let reply = received(
        Layer::Plain,
        b"503 5.5.1 Error: authentication not enabled\r\n",
    );
    assert_eq!(names(&mut watcher, &[reply]), ["auth_only_after_starttls"]);
}

#[test]
fn each_note_follows_the_event_it_explains() {
    let seen = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let log = seen.clone();
    let sink: EventSink = Box::new(move |event| {
        let kind = match event {
            SessionEvent::Sent { .. } => "sent".to_string(),
            SessionEvent::Received { .. } => "received".to_string(),
            SessionEvent::Note { text, .. } => text.split(':').next().unwrap_or("").into(),
            _ => "other".to_string(),
        };
        if let Ok(mut log) = log.lock() {
            log.push(kind);
        }
    });
    let mut sink = watch_for(sink, 587, Audience::Explorer);
    sink(sent(Layer::Plain, "EHLO client", false));
    sink(received(Layer::Plain, b"250-mx\r\n250 STARTTLS\r\n"));
    sink(sent(Layer::Plain, "AUTH PLAIN <redacted 20 bytes>", false));
    sink(received(
        Layer::Plain,
        b"530 5.7.0 Must issue a STARTTLS command first\r\n",
    ));
    let seen = seen.lock().map(|s| s.clone()).unwrap_or_default();
    assert_eq!(
        seen,
        ["sent", "received", "sent", "received", "diagnosis"],
        "the diagnosis comes after the reply it explains"
    );
}

#[test]
fn connect_failures_are_diagnosed_in_the_explorers_words() {
    use crate::event::{AttemptFailure, Cause, ConnectAttempt, Failure, FailureKind};
    let failed = |failure| SessionEvent::Failed {
        at: Duration::ZERO,
        failure: Failure::new(
            FailureKind::Network,
            Cause::Connect {
                attempts: vec![ConnectAttempt {
                    addr: "127.0.0.1:2525".parse().expect("literal address"),
                    failure,
                }],
            },
            "could not connect".to_string(),
        ),
    };
    let mut watcher = Watcher::new(2525);
    let refused = watcher.observe(&failed(AttemptFailure::Refused));
    assert_eq!(
        refused.iter().map(Diagnosis::name).collect::<Vec<_>>(),
        ["refused"]
    );
    let mut watcher = Watcher::new(2525);
    let filtered = watcher.observe(&failed(AttemptFailure::TimedOut {
        after: Duration::from_secs(4),
    }));
    assert_eq!(
        filtered.iter().map(Diagnosis::name).collect::<Vec<_>>(),
        ["filtered"]
    );
    let starttls = Diagnosis::StartTlsRequired {
        reply: "530 5.7.0 Must issue a STARTTLS command first".into(),
    };
    let words = starttls.message_for(Audience::Explorer);
    assert!(
        words.contains("/starttls") && !words.contains("--starttls"),
        "{words}"
    );
    let auth = Diagnosis::AuthenticationRequired {
        reply: "530 5.7.0 Authentication required".into(),
    };
    let words = auth.message_for(Audience::Explorer);
    assert!(words.contains("F4") && !words.contains("--auth"), "{words}");
}

#[test]
fn sasl_continuations_keep_the_auth_verb() {
    let mut watcher = Watcher::new(465);
    let events = [
        sent(Layer::Tls, "AUTH LOGIN", false),
        received(Layer::Tls, b"334 VXNlcm5hbWU6\r\n"),
        sent(Layer::Tls, "<redacted 8 bytes>", true),
        received(Layer::Tls, b"535 5.7.8 Error: authentication failed\r\n"),
    ];
    assert_eq!(names(&mut watcher, &events), ["authentication_failed"]);
}

#[test]
fn an_unsupported_mechanism_is_not_called_a_wrong_password() {
    let mut watcher = Watcher::new(587);
    let events = [
        sent(Layer::Tls, "EHLO client", false),
        received(Layer::Tls, b"250-mx\r\n250 AUTH PLAIN LOGIN\r\n"),
        sent(Layer::Tls, "AUTH CRAM-MD5", false),
        received(
            Layer::Tls,
            b"535 5.7.8 Error: authentication failed: Invalid authentication mechanism\r\n",
        ),
    ];
    let found: Vec<Diagnosis> = events.iter().flat_map(|e| watcher.observe(e)).collect();
    assert_eq!(found.len(), 1, "{found:?}");
    let message = found[0].message();
    assert!(
        message.contains("does not support the SASL mechanism CRAM-MD5")
            && message.contains("not a wrong password")
            && message.contains("It offers PLAIN LOGIN")
            && message.contains("--auth plain"),
        "{message}"
    );
}

#[test]
fn a_250_to_auth_is_a_breach_said_after_the_reply() {
    let mut watcher = Watcher::new(25);
    let events = [
        sent(Layer::Plain, "AUTH PLAIN <redacted 20 bytes>", true),
        received(Layer::Plain, b"250 2.0.0 Ok\r\n"),
        sent(Layer::Plain, "NOOP", false),
        received(Layer::Plain, b"250 2.0.0 Ok\r\n"),
    ];
    assert_eq!(breaches(&mut watcher, &events), ["auth_not_confirmed"]);
}

#[test]
fn pipelined_replies_are_matched_to_their_own_commands() {
    let mut watcher = Watcher::new(25);
    let events = [
        sent(Layer::Plain, "MAIL FROM:<a@b.example>", false),
        sent(Layer::Plain, "RCPT TO:<c@d.example>", false),
        sent(Layer::Plain, "DATA", false),
        // The 250 answers MAIL, not DATA: no breach.
        received(Layer::Plain, b"250 ok\r\n"),
        received(
            Layer::Plain,
            b"554 5.7.1 <c@d.example>: Relay access denied\r\n",
        ),
        received(Layer::Plain, b"554 5.5.1 no valid recipients\r\n"),
    ];
    let found: Vec<&str> = events
        .iter()
        .flat_map(|e| {
            let mut names: Vec<&str> = watcher.observe(e).iter().map(|d| d.name()).collect();
            names.extend(watcher.take_breaches().iter().map(|b| b.name()));
            names
        })
        .collect();
    assert_eq!(found, ["relay_denied"]);
}
