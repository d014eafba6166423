//! A realistic large transcript for the replay benchmarks, written through the real
//! recorder: the shipped sandbox session's start (connect, greeting, EHLO, STARTTLS with its
//! real certificate chain, EHLO in TLS, AUTH redacted), then mail transactions — MAIL, RCPT
//! (every 40th refused with 550 5.1.1), DATA, a short message, RSET, NOOP — until the count
//! is reached, then QUIT and the close. About 110 bytes per event.
//!
//! Used by `benches/replay.rs` (and, through it, by `benches/replay_open.sh`) and by the
//! `replay_warm` tests.

use std::path::Path;
use std::time::Duration;

use crate::driver::{Layer, SessionEvent};
use crate::proto::reply::Reply;
use crate::transcript::Recorder;
use crate::transcript::read::read_bytes;

const SAMPLE: &[u8] = include_bytes!("../../recordings/sandbox-starttls-auth-message.jsonl");

fn reply(text: &str) -> Reply {
    let mut replies = Reply::parse_all(text.as_bytes()).expect("generator reply parses");
    replies.remove(0)
}

fn sent(at: Duration, line: &str) -> SessionEvent {
    SessionEvent::Sent {
        at,
        layer: Layer::Tls,
        shown: line.trim_end().into(),
        bytes: line.as_bytes().to_vec(),
        secret: false,
        revealed: None,
    }
}

fn received(at: Duration, text: &str) -> SessionEvent {
    SessionEvent::Received {
        at,
        layer: Layer::Tls,
        reply: reply(text),
        latency: Some(Duration::from_micros(180)),
    }
}

/// Writes a transcript of exactly `events` events (at least 20) to `path`.
pub fn write_transcript(path: &Path, events: usize) {
    let sample = read_bytes(SAMPLE).expect("the shipped sample reads");
    let mut recorder = Recorder::create(path, &sample.header).expect("create the transcript");
    // The sample up to and including the AUTH reply (the first 235).
    let head: Vec<&SessionEvent> = sample
        .events()
        .take_while(|e| !matches!(e, SessionEvent::Sent { shown, .. } if shown.starts_with("MAIL")))
        .collect();
    let mut written = 0;
    for event in &head {
        recorder.record(event);
        written += 1;
    }
    let mut at = Duration::from_millis(10);
    let mut tick = || {
        at += Duration::from_micros(230);
        at
    };
    let mut n = 0usize;
    // Keep room for QUIT, 221 and the close.
    while written + 3 < events {
        n += 1;
        let rcpt_refused = n % 40 == 0;
        let rcpt = format!("RCPT TO:<user{n}@example.org>\r\n");
        let mut transaction: Vec<SessionEvent> = vec![
            sent(
                tick(),
                &format!("MAIL FROM:<sender{n}@example.com> SIZE=412\r\n"),
            ),
            received(
                tick(),
                &format!("250 2.1.0 Sender <sender{n}@example.com> ok\r\n"),
            ),
            sent(tick(), &rcpt),
        ];
        if rcpt_refused {
            transaction.extend([
                received(
                    tick(),
                    &format!("550 5.1.1 <user{n}@example.org>: Recipient address rejected\r\n"),
                ),
                sent(tick(), "DATA\r\n"),
                received(tick(), "554 5.5.1 Error: no valid recipients\r\n"),
            ]);
        } else {
            transaction.extend([
                received(tick(), &format!("250 2.1.5 Recipient <user{n}@example.org> ok\r\n")),
                sent(tick(), "DATA\r\n"),
                received(tick(), "354 2.0.0 End data with <CR><LF>.<CR><LF>\r\n"),
                sent(
                    tick(),
                    &format!(
                        "Subject: load {n}\r\nFrom: <sender{n}@example.com>\r\n\r\nmessage {n}\r\n.\r\n"
                    ),
                ),
                received(tick(), &format!("250 2.0.0 Ok: queued as Q{n:08}\r\n")),
            ]);
        }
        transaction.extend([
            sent(tick(), "RSET\r\n"),
            received(tick(), "250 2.0.0 Ok\r\n"),
            sent(tick(), "NOOP\r\n"),
            received(tick(), "250 2.0.0 Ok\r\n"),
        ]);
        for event in transaction.iter().take(events - 3 - written) {
            recorder.record(event);
            written += 1;
        }
    }
    recorder.record(&sent(tick(), "QUIT\r\n"));
    recorder.record(&received(tick(), "221 2.0.0 Bye\r\n"));
    recorder.record(&SessionEvent::Closed {
        at: tick(),
        by_peer: false,
    });
}
