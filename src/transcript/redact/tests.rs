use super::*;
use crate::event::{Layer, SessionEvent};
use crate::transcript::testdata::{received, secret, sent};

const KEEP_SECRETS: RedactionPolicy = RedactionPolicy {
    secrets: false,
    body: false,
};
const DEFAULT: RedactionPolicy = RedactionPolicy {
    secrets: true,
    body: false,
};
const NO_BODY: RedactionPolicy = RedactionPolicy {
    secrets: true,
    body: true,
};

/// The JSON lines a session becomes under `policy`.
fn written(policy: RedactionPolicy, events: &[SessionEvent]) -> Vec<String> {
    let mut redactor = Redactor::new(policy);
    events
        .iter()
        .map(|event| {
            let mut line = EventLine::from_event(event);
            redactor.apply(&mut line);
            serde_json::to_string(&line).expect("serialises")
        })
        .collect()
}

fn typed(line: &str) -> SessionEvent {
    sent(1, Layer::Tls, line.as_bytes())
}

fn server(line: &str) -> SessionEvent {
    received(1, Layer::Tls, line.as_bytes())
}

#[test]
fn hand_typed_auth_plain_and_xoauth2_initial_responses_are_redacted() {
    let lines = written(
        DEFAULT,
        &[
            typed("AUTH PLAIN AHVzZXIAcGFzc3dvcmQ=\r\n"),
            server("535 5.7.8 no\r\n"),
            typed("auth xoauth2 dXNlcj1hAWF1dGg9QmVhcmVyIHRvawEB\r\n"),
            server("235 ok\r\n"),
            typed("MAIL FROM:<a@b>\r\n"),
        ],
    );
    assert!(!lines[0].contains("AHVzZXIAcGFzc3dvcmQ="), "{}", lines[0]);
    assert!(
        lines[0].contains(r#""shown":"AUTH PLAIN <redacted 20 bytes>""#),
        "{}",
        lines[0]
    );
    assert!(lines[0].contains(r#""secret":true"#));
    assert!(
        lines[0].contains(r#""redacted":{"what":"secret","bytes":33}"#),
        "{}",
        lines[0]
    );
    assert!(!lines[2].contains("dXNlcj1h"), "{}", lines[2]);
    assert!(lines[4].contains("MAIL FROM:<a@b>"), "{}", lines[4]);
}

#[test]
fn hand_typed_login_and_cram_md5_responses_are_redacted() {
    let lines = written(
        DEFAULT,
        &[
            typed("AUTH LOGIN\r\n"),
            server("334 VXNlcm5hbWU6\r\n"),
            typed("dXNlcm5hbWU=\r\n"),
            server("334 UGFzc3dvcmQ6\r\n"),
            typed("c2VjcmV0LXB3\r\n"),
            server("235 2.7.0 ok\r\n"),
            typed("AUTH CRAM-MD5\r\n"),
            server("334 PDE4OTYuNjk3MTcwOTUyQHBvc3RvZmZpY2U+\r\n"),
            typed("dGltIGI5MTNhNjAyYzdlZGE3YTQ5NWI0ZTZlNzMzNGQzODkw\r\n"),
            server("503 already\r\n"),
            typed("NOOP dGltIGI5\r\n"),
        ],
    );
    assert!(lines[0].contains("AUTH LOGIN"));
    for i in [2, 4, 8] {
        assert!(lines[i].contains(r#""shown":"<redacted"#), "{}", lines[i]);
        assert!(!lines[i].contains(r#""text""#), "{}", lines[i]);
    }
    assert!(
        lines[10].contains("NOOP dGltIGI5"),
        "after the exchange: {}",
        lines[10]
    );
}

#[test]
fn a_cancel_star_is_not_a_secret() {
    let lines = written(
        DEFAULT,
        &[
            typed("AUTH LOGIN\r\n"),
            server("334 VXNlcm5hbWU6\r\n"),
            typed("*\r\n"),
        ],
    );
    assert!(lines[2].contains(r#""text":"*\r\n""#), "{}", lines[2]);
}

#[test]
fn driver_secrets_stay_redacted_even_if_revealed_unless_asked() {
    let event = secret(
        1,
        "AUTH PLAIN <redacted 8 bytes>",
        Some(b"AUTH PLAIN AGEAYg==\r\n"),
    );
    let lines = written(DEFAULT, std::slice::from_ref(&event));
    assert!(!lines[0].contains("AGEAYg=="), "{}", lines[0]);
    let lines = written(KEEP_SECRETS, &[event]);
    assert!(lines[0].contains("AUTH PLAIN AGEAYg=="), "{}", lines[0]);
}

#[test]
fn record_secrets_keeps_hand_typed_secrets() {
    let lines = written(KEEP_SECRETS, &[typed("AUTH PLAIN AGEAYg==\r\n")]);
    assert!(lines[0].contains("AUTH PLAIN AGEAYg=="), "{}", lines[0]);
}

#[test]
fn redact_body_replaces_data_content_with_size_and_sha256() {
    let events = [
        typed("DATA\r\n"),
        server("354 go\r\n"),
        typed("Subject: hi\r\n\r\nsecret body\r\n.\r\n"),
        server("250 queued\r\n"),
        typed("QUIT\r\n"),
    ];
    let lines = written(NO_BODY, &events);
    assert!(!lines[2].contains("secret body"), "{}", lines[2]);
    let digest = hex(&Sha256::digest(b"Subject: hi\r\n\r\nsecret body\r\n.\r\n"));
    assert!(
        lines[2].contains(&format!(
            r#""redacted":{{"what":"body","size":31,"sha256":"{digest}"}}"#
        )),
        "{}",
        lines[2]
    );
    assert!(lines[4].contains("QUIT"));
    let lines = written(DEFAULT, &events);
    assert!(lines[2].contains("secret body"));
}

#[test]
fn a_body_typed_line_by_line_is_redacted_until_the_end_marker() {
    let lines = written(
        NO_BODY,
        &[
            typed("DATA\r\n"),
            server("354 go\r\n"),
            typed("line one\r\n"),
            typed(".\r\n"),
            typed("RSET\r\n"),
        ],
    );
    assert!(!lines[2].contains("line one"));
    assert!(lines[3].contains(r#""what":"body""#));
    assert!(lines[4].contains("RSET"), "{}", lines[4]);
}

#[test]
fn redact_body_keeps_the_bdat_command_line() {
    let lines = written(NO_BODY, &[typed("BDAT 5 LAST\r\nhello")]);
    assert!(
        lines[0].contains(r#""text":"BDAT 5 LAST\r\n""#),
        "{}",
        lines[0]
    );
    assert!(lines[0].contains(r#""size":5"#), "{}", lines[0]);
    assert!(!lines[0].contains("hello"));
}

#[test]
fn bdat_chunks_past_the_body_cap_keep_their_command_and_leave_the_bytes_out() {
    // 10 MB in 64 KiB chunks, then a second small message.
    let chunk = vec![b'x'; 64 * 1024];
    let total = 10_000_000usize;
    let mut events = Vec::new();
    let mut left = total;
    while left > 0 {
        let n = left.min(chunk.len());
        left -= n;
        let last = if left == 0 { " LAST" } else { "" };
        let mut bytes = format!("BDAT {n}{last}\r\n").into_bytes();
        bytes.extend_from_slice(&chunk[..n]);
        events.push(typed_bytes(&bytes));
        events.push(server("250 2.0.0 chunk ok\r\n"));
    }
    events.push(typed("MAIL FROM:<a@b>\r\n"));
    events.push(server("250 ok\r\n"));
    events.push(typed_bytes(b"BDAT 5 LAST\r\nhello"));
    let lines = written(DEFAULT, &events);
    let size: usize = lines.iter().map(String::len).sum();
    assert!(
        size < RECORDED_BODY_LIMIT + 512 * 1024,
        "a 10 MB BDAT message made a {size}-byte transcript"
    );
    let left_out: Vec<&String> = lines
        .iter()
        .filter(|l| l.contains("not recorded"))
        .collect();
    assert!(!left_out.is_empty());
    for line in &left_out {
        assert!(line.contains(r#""what":"body""#), "{line}");
        assert!(
            line.contains(r#""text":"BDAT "#),
            "the command stays: {line}"
        );
        assert!(line.contains("passed the 4 MiB"), "{line}");
    }
    // The first chunks are kept byte for byte; the last message starts from nothing again.
    assert!(!lines[0].contains("not recorded"), "{}", &lines[0][..120]);
    let last = lines.last().expect("lines");
    assert!(last.contains(r#""text":"BDAT 5 LAST\r\nhello""#), "{last}");
}

#[test]
fn data_content_sent_whole_past_the_body_cap_is_left_out_with_its_digest() {
    let mut body = vec![b'y'; RECORDED_BODY_LIMIT + 10];
    body.extend_from_slice(b"\r\n.\r\n");
    let events = [
        typed("DATA\r\n"),
        server("354 go ahead\r\n"),
        typed_bytes(&body),
        server("250 ok\r\n"),
    ];
    let lines = written(DEFAULT, &events);
    assert!(lines[2].len() < 1024, "{}", &lines[2][..200]);
    assert!(lines[2].contains("not recorded"), "{}", lines[2]);
    assert!(lines[2].contains(r#""what":"body""#), "{}", lines[2]);
}

/// Content as the driver sends it: the bytes, and a short display form.
fn typed_bytes(bytes: &[u8]) -> SessionEvent {
    SessionEvent::Sent {
        at: std::time::Duration::from_millis(1),
        layer: Layer::Tls,
        shown: format!("<{} bytes>", bytes.len()).into(),
        bytes: bytes.to_vec(),
        secret: false,
        revealed: None,
    }
}
