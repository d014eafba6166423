use super::*;
use crate::driver::Layer;
use crate::proto::reply::Reply;

fn ms(n: u64) -> Duration {
    Duration::from_millis(n)
}

fn sent(at: u64, shown: &str) -> SessionEvent {
    SessionEvent::Sent {
        at: ms(at),
        layer: Layer::Plain,
        shown: shown.into(),
        bytes: Vec::new(),
        secret: false,
        revealed: None,
    }
}

fn received(at: u64, bytes: &[u8]) -> SessionEvent {
    let reply = Reply::parse_all(bytes)
        .expect("a reply")
        .pop()
        .expect("one reply");
    SessionEvent::Received {
        at: ms(at),
        layer: Layer::Plain,
        reply,
        latency: None,
    }
}

fn connected(at: u64) -> SessionEvent {
    SessionEvent::Connected {
        at: ms(at),
        peer: "127.0.0.1:25".parse().expect("addr"),
        took: ms(3),
    }
}

#[test]
fn a_late_greeting_is_flagged_as_a_tarpit() {
    let t = timeline(&[connected(0), received(3_000, b"220 hi\r\n")]);
    assert_eq!(t.steps[0].kind, StepKind::Connect);
    assert_eq!(t.steps[1].label, "greeting");
    assert_eq!(t.steps[1].took, Some(ms(3_000)));
    assert_eq!(t.steps[1].slow, Some("greeting delay (tarpit?)"));
    let quick = timeline(&[connected(0), received(40, b"220 hi\r\n")]);
    assert_eq!(quick.steps[1].slow, None);
}

#[test]
fn each_reply_is_timed_from_its_own_command_even_when_pipelined() {
    let t = timeline(&[
        connected(0),
        received(10, b"220 hi\r\n"),
        sent(100, "MAIL FROM:<a@b>"),
        sent(101, "RCPT TO:<c@d>"),
        received(150, b"250 ok\r\n"),
        received(1_400, b"250 ok\r\n"),
    ]);
    let mail = &t.steps[2];
    assert_eq!(
        (mail.label.as_str(), mail.took),
        ("MAIL FROM:<a@b>", Some(ms(50)))
    );
    let rcpt = &t.steps[3];
    assert_eq!(rcpt.took, Some(ms(1_299)));
    assert_eq!(rcpt.slow, Some("slow reply"));
    assert_eq!(t.slowest().map(|s| s.label.as_str()), Some("RCPT TO:<c@d>"));
}

#[test]
fn only_the_final_auth_reply_counts_as_slow_auth() {
    let t = timeline(&[
        connected(0),
        received(10, b"220 hi\r\n"),
        sent(100, "AUTH LOGIN"),
        received(110, b"334 VXNlcm5hbWU6\r\n"),
        sent(120, "<redacted 8 bytes>"),
        received(2_200, b"535 5.7.8 no\r\n"),
    ]);
    assert_eq!(t.steps[2].kind, StepKind::Command);
    assert_eq!(t.steps[2].code, Some(334));
    assert_eq!(t.steps[3].kind, StepKind::Auth);
    assert_eq!(t.steps[3].slow, Some("slow AUTH"));
}

#[test]
fn message_acceptance_has_its_own_threshold() {
    let t = timeline(&[
        connected(0),
        sent(100, "<message: 10 bytes, 0 lines dot-stuffed, end marker>"),
        received(4_000, b"250 queued\r\n"),
        sent(5_000, "BDAT 10 LAST <chunk: 10 bytes>"),
        received(11_000, b"250 queued\r\n"),
    ]);
    assert_eq!(t.steps[1].label, "message content → final reply");
    assert_eq!(t.steps[1].slow, None, "3.9 s is under the 5 s threshold");
    assert_eq!(t.steps[2].slow, Some("slow DATA acceptance"));
}

#[test]
fn tls_handshake_and_close_are_steps() {
    let t = timeline(&[
        connected(0),
        SessionEvent::TlsEstablished {
            at: ms(20),
            info: Box::new(crate::app::script::tls_info(true)),
        },
        SessionEvent::Closed {
            at: ms(30),
            by_peer: true,
        },
    ]);
    assert_eq!(t.steps[1].label, "TLS handshake (TLSv1.3)");
    assert_eq!(t.steps[1].took, Some(ms(11)));
    assert_eq!(t.steps[2].label, "closed by the server");
    assert_eq!(t.steps[2].took, None);
}

#[test]
fn secret_lines_are_labelled_without_their_size() {
    let mark_secret = |event: &mut SessionEvent, typed: crate::event::Shown| {
        if let SessionEvent::Sent { secret, shown, .. } = event {
            *secret = true;
            *shown = typed;
        }
    };
    let mut secret = sent(10, "");
    mark_secret(&mut secret, crate::event::Shown::secret("", 52));
    let mut opening = sent(0, "");
    mark_secret(&mut opening, crate::event::Shown::secret("AUTH PLAIN ", 28));
    let t = timeline(&[
        opening,
        received(5, b"334 \r\n"),
        secret,
        received(20, b"235 ok\r\n"),
    ]);
    assert_eq!(t.steps[0].label, "AUTH PLAIN ••••");
    assert_eq!(t.steps[1].label, "SASL response ••••");
}

#[test]
fn a_pipelined_group_is_marked_and_a_command_alone_is_not() {
    let t = timeline(&[
        connected(0),
        received(10, b"220 hi\r\n"),
        sent(20, "EHLO me"),
        received(30, b"250 hi\r\n"),
        sent(100, "MAIL FROM:<a@b>"),
        sent(100, "RCPT TO:<c@d>"),
        sent(100, "DATA"),
        received(150, b"250 ok\r\n"),
        received(151, b"250 ok\r\n"),
        received(152, b"354 go\r\n"),
        sent(160, "<message: 3 bytes, 0 lines dot-stuffed, end marker>"),
        received(170, b"250 queued\r\n"),
    ]);
    let marks: Vec<(&str, bool)> = t
        .steps
        .iter()
        .map(|s| (s.label.as_str(), s.pipelined))
        .collect();
    assert_eq!(
        marks,
        [
            ("connect", false),
            ("greeting", false),
            ("EHLO me", false),
            ("MAIL FROM:<a@b>", true),
            ("RCPT TO:<c@d>", true),
            ("DATA", true),
            ("message content → final reply", false),
        ]
    );
}

#[test]
fn a_second_connection_is_marked_and_timed_from_its_own_start() {
    let t = timeline(&[
        connected(0),
        received(10, b"220 hi\r\n"),
        sent(900, "NOOP"),
        received(910, b"250 ok\r\n"),
        SessionEvent::Closed {
            at: ms(950),
            by_peer: false,
        },
        connected(0),
        received(40, b"220 again\r\n"),
    ]);
    let labels: Vec<&str> = t.steps.iter().map(|s| s.label.as_str()).collect();
    assert_eq!(labels[4], "── connection 2: connect (clock from 0) ──");
    // The new greeting is timed from the new connect, not from the last command.
    assert_eq!(t.steps[5].label, "greeting");
    assert_eq!(t.steps[5].took, Some(ms(40)));
}
