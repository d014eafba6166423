//! The message itself: a `--data` file sent exactly (dot-stuffed), standard input with bare
//! LF sent as CRLF, and BDAT chunks sent without dot-stuffing
//! ([RFC 3030 §2](https://www.rfc-editor.org/rfc/rfc3030#section-2)).

use crate::support::probe::run_probe;
use crate::support::{Event, ScriptedServer, Step};
use crate::{accept_transaction, against, all_matched, args, greeted, mail_args, quit};

/// The message body the server received (raw DATA bytes, stuffing and end marker included).
fn received_data(events: &[Event]) -> Vec<u8> {
    events
        .iter()
        .find_map(|e| match e {
            Event::ReceivedData(d) => Some(d.clone()),
            _ => None,
        })
        .expect("the server received a message")
}

/// A temporary message file holding `bytes`.
fn message_file(bytes: &[u8]) -> tempfile::NamedTempFile {
    let mut file = tempfile::NamedTempFile::new().expect("temp file");
    std::io::Write::write_all(&mut file, bytes).expect("write message");
    file
}

#[tokio::test]
async fn data_file_is_sent_exactly_with_dot_stuffing() {
    let server = ScriptedServer::start(greeted(&[], accept_transaction())).await;
    let file = message_file(b"Subject: x\r\n\r\n.leading dot\r\nno final newline");
    let mut a = mail_args(&server.addr.to_string());
    a.extend(args(&["--data", file.path().to_str().expect("utf-8 path")]));
    let (run, events) = against(server, a).await;
    assert_eq!(run.code, 0, "{}", run.stdout);
    assert_eq!(
        received_data(&events),
        b"Subject: x\r\n\r\n..leading dot\r\nno final newline\r\n.\r\n"
    );
}

#[tokio::test]
async fn data_from_stdin_with_bare_lf_is_sent_as_crlf() {
    let mut server = ScriptedServer::start(greeted(&[], accept_transaction())).await;
    let mut a = mail_args(&server.addr.to_string());
    a.extend(args(&["--data", "-"]));
    let stdin = b"Subject: y\n\nline\n.\nafter a lone dot\n".to_vec();
    let output = run_probe(a, &[], Some(stdin)).await;
    let events = server.finish().await;
    all_matched(&events);
    assert_eq!(output.status.code(), Some(0));
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        stdout.contains("5 bare LF"),
        "the normalisation is reported: {stdout}"
    );
    // A lone "." line inside the message is stuffed, so it cannot end the message early.
    assert_eq!(
        received_data(&events),
        b"Subject: y\r\n\r\nline\r\n..\r\nafter a lone dot\r\n.\r\n"
    );
}

#[tokio::test]
async fn bdat_sends_chunks_without_dot_stuffing_all_in_one_write_when_pipelining() {
    // Both chunks arrive before the server answers either: with PIPELINING the client does
    // not wait between BDAT chunks (RFC 3030 §4.2).
    let wire = b"BDAT 16\r\nSubject: z\r\n\r\n.dBDAT 9 LAST\r\not\r\nend\r\n";
    let mut steps = greeted(
        &["CHUNKING"],
        [
            Step::expect("MAIL FROM:<a@client.test>"),
            Step::send("250 2.1.0 Ok\r\n"),
            Step::expect("RCPT TO:<b@mx.test>"),
            Step::send("250 2.1.5 Ok\r\n"),
            Step::ReadExact(wire.len()),
            Step::send("250 2.0.0 chunk ok\r\n250 2.0.0 Ok: queued\r\n"),
        ],
    );
    steps.extend(quit());
    let server = ScriptedServer::start(steps).await;
    // 25 bytes: one full chunk of 16 and a LAST chunk of 9.
    let file = message_file(b"Subject: z\r\n\r\n.dot\r\nend\r\n");
    let mut a = mail_args(&server.addr.to_string());
    a.extend(args(&["--data", file.path().to_str().expect("utf-8 path")]));
    a.extend(args(&["--bdat", "--chunk-size", "16"]));
    let (run, events) = against(server, a).await;
    assert_eq!(run.code, 0, "{}", run.stdout);
    let bytes: Vec<u8> = events
        .iter()
        .filter_map(|e| match e {
            Event::ReceivedBytes(b) => Some(b.clone()),
            _ => None,
        })
        .flatten()
        .collect();
    assert_eq!(bytes, wire);
}

#[tokio::test]
async fn bdat_chunks_with_no_pipeline_are_answered_one_by_one() {
    let mut steps = greeted(
        &["CHUNKING"],
        [
            Step::expect("MAIL FROM:<a@client.test>"),
            Step::send("250 2.1.0 Ok\r\n"),
            Step::expect("RCPT TO:<b@mx.test>"),
            Step::send("250 2.1.5 Ok\r\n"),
            Step::ReadExact(b"BDAT 16\r\n".len() + 16),
            Step::send("250 2.0.0 chunk ok\r\n"),
            Step::ReadExact(b"BDAT 9 LAST\r\n".len() + 9),
            Step::send("250 2.0.0 Ok: queued\r\n"),
        ],
    );
    steps.extend(quit());
    let server = ScriptedServer::start(steps).await;
    let file = message_file(b"Subject: z\r\n\r\n.dot\r\nend\r\n");
    let mut a = mail_args(&server.addr.to_string());
    a.extend(args(&["--data", file.path().to_str().expect("utf-8 path")]));
    a.extend(args(&["--bdat", "--chunk-size", "16", "--no-pipeline"]));
    let (run, _) = against(server, a).await;
    assert_eq!(run.code, 0, "{}", run.stdout);
}

#[tokio::test]
async fn an_unreadable_data_file_stops_the_probe_before_any_mx_lookup_or_connection() {
    // The resolver is a closed port on loopback: reaching it would cost the timeout.
    let output = run_probe(
        args(&[
            "--mx",
            "example.invalid",
            "--resolver",
            "127.0.0.1:9",
            "--from",
            "a@client.test",
            "--to",
            "b@mx.test",
            "--data",
            "/nonexistent/smtpx-message.eml",
            "--timeout",
            "30",
        ]),
        &[],
        None,
    )
    .await;
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(3), "{stderr}");
    assert!(
        stderr.contains("/nonexistent/smtpx-message.eml"),
        "{stderr}"
    );
    assert!(!stderr.contains("MX"), "no lookup was made: {stderr}");
}
