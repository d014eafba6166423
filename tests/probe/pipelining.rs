//! The probe's pipelined transaction (RFC 2920) against scripted servers: the envelope and
//! DATA (or `BDAT n LAST` with the message) in one write, refusals in the middle of a group
//! handled as RFC 2920 §3.1 says (no message the server will not take; a 354 without a
//! recipient gets the end marker alone), QUIT sent with the end of the data, and none of it
//! for a server that does not advertise PIPELINING or with `--no-pipeline`.
//!
//! Each scripted server reads the whole group before it answers anything: a client that
//! waited for the MAIL reply before sending RCPT would stall the script until its step
//! timeout. The round trips are counted from the probe's own timeline (`--json`).

use serde_json::Value;

use crate::support::probe::ProbeRun;
use crate::support::{Event, ScriptedServer, Step, reply};
use crate::{against, args, greeted, mail_args, quit};

/// The writes in the probe's timeline that wait for a reply, plus the greeting and each TLS
/// handshake: consecutive `sent` events went out before any reply was read.
fn round_trips(run: &ProbeRun) -> usize {
    let mut count = 0;
    let mut last: Option<&str> = None;
    for event in &run.events {
        let kind = event["event"].as_str().unwrap_or_default();
        match kind {
            "reply" if last.is_none() => count += 1,
            "tls" => count += 1,
            "sent" if last != Some("sent") => count += 1,
            _ => {}
        }
        if matches!(kind, "sent" | "reply" | "tls") {
            last = Some(kind);
        }
    }
    count
}

/// The `sent` events as (time, line).
fn sent_at(run: &ProbeRun) -> Vec<(f64, String)> {
    run.of("sent")
        .iter()
        .map(|e: &&Value| {
            (
                e["t"].as_f64().unwrap_or(-1.0),
                e["line"].as_str().unwrap_or_default().to_string(),
            )
        })
        .collect()
}

/// Two recipients, the second one `c@mx.test`.
fn two_recipients(target: &str) -> Vec<String> {
    let mut a = mail_args(target);
    a.extend(args(&["--to", "c@mx.test"]));
    a
}

/// The envelope of [`two_recipients`] plus DATA, read before any reply.
fn envelope_and_data() -> Vec<Step> {
    vec![
        Step::expect("MAIL FROM:<a@client.test>"),
        Step::expect("RCPT TO:<b@mx.test>"),
        Step::expect("RCPT TO:<c@mx.test>"),
        Step::expect("DATA"),
    ]
}

/// The (time, line) of the `sent` events whose line starts with `prefix`.
fn sent_starting(run: &ProbeRun, prefix: &str) -> Vec<(f64, String)> {
    sent_at(run)
        .into_iter()
        .filter(|(_, line)| line.starts_with(prefix))
        .collect()
}

fn received_data(events: &[Event]) -> Option<Vec<u8>> {
    events.iter().find_map(|e| match e {
        Event::ReceivedData(d) => Some(d.clone()),
        _ => None,
    })
}

#[tokio::test]
async fn one_refused_recipient_mid_group_still_gets_the_message_to_the_other() {
    let mut steps = greeted(&[], envelope_and_data());
    steps.extend([
        Step::send("250 2.1.0 Ok\r\n550 5.1.1 <b@mx.test>: unknown\r\n250 2.1.5 Ok\r\n354 go\r\n"),
        Step::ExpectData,
        // QUIT came with the end of the data: the script reads it before it answers.
        Step::expect("QUIT"),
        Step::send("250 2.0.0 queued\r\n221 2.0.0 bye\r\n"),
        Step::Close,
    ]);
    let server = ScriptedServer::start(steps).await;
    let target = server.addr.to_string();
    let (run, events) = against(server, two_recipients(&target)).await;
    assert_eq!(run.code, 0, "{}", run.stdout);
    assert!(received_data(&events).is_some(), "{}", run.stdout);
    assert!(
        run.stdout.contains("1 of 2 recipients accepted"),
        "{}",
        run.stdout
    );
    // Greeting, EHLO, MAIL+RCPT+RCPT+DATA, message+QUIT.
    assert_eq!(round_trips(&run), 4, "{}", run.stdout);
    // Each reply is matched to its command, in order.
    assert_eq!(run.codes(), [220, 250, 250, 550, 250, 354, 250, 221]);
    let message = sent_starting(&run, "<message");
    let quit = sent_starting(&run, "QUIT");
    assert_eq!(message.len(), 1, "{}", run.stdout);
    assert_eq!(quit.len(), 1, "{}", run.stdout);
    assert_eq!(message[0].0, quit[0].0, "one write: {}", run.stdout);
    // Latency is measured from the command each reply answers: every reply of the group
    // has one.
    for reply in &run.of("reply")[2..] {
        assert!(reply["latency_ms"].as_f64().is_some(), "{reply}");
    }
}

#[tokio::test]
async fn a_refused_data_after_every_recipient_was_refused_gets_no_message() {
    let mut steps = greeted(&[], envelope_and_data());
    steps.extend([
        Step::send(
            "250 2.1.0 Ok\r\n550 5.1.1 no b\r\n550 5.1.1 no c\r\n554 5.5.1 no valid recipients\r\n",
        ),
        // The next thing the server hears is QUIT, not a message.
    ]);
    steps.extend(quit());
    let server = ScriptedServer::start(steps).await;
    let target = server.addr.to_string();
    let (run, events) = against(server, two_recipients(&target)).await;
    assert_eq!(run.code, 26, "{}", run.stdout);
    assert!(received_data(&events).is_none());
    assert!(sent_starting(&run, "<").is_empty(), "{}", run.stdout);
    assert_eq!(run.codes(), [220, 250, 250, 550, 550, 554, 221]);
}

#[tokio::test]
async fn a_354_with_no_recipient_accepted_gets_the_end_marker_alone() {
    let mut steps = greeted(&[], envelope_and_data());
    steps.extend([
        Step::send("250 2.1.0 Ok\r\n550 5.1.1 no b\r\n550 5.1.1 no c\r\n354 go ahead\r\n"),
        Step::ExpectData,
        Step::send("554 5.5.1 no valid recipients\r\n"),
    ]);
    steps.extend(quit());
    let server = ScriptedServer::start(steps).await;
    let target = server.addr.to_string();
    let (run, events) = against(server, two_recipients(&target)).await;
    assert_eq!(run.code, 26, "{}", run.stdout);
    // RFC 2920 §3.1: "if the DATA command was accepted the client SMTP should send a
    // single dot" — and nothing of the message.
    assert_eq!(received_data(&events).as_deref(), Some(&b".\r\n"[..]));
}

#[tokio::test]
async fn a_refused_mail_mid_group_stops_at_mail_and_reads_every_reply() {
    let mut steps = greeted(&[], envelope_and_data());
    steps.push(Step::send(
        "451 4.7.1 greylisted\r\n503 5.5.1 need MAIL\r\n503 5.5.1 need MAIL\r\n503 5.5.1 need RCPT\r\n",
    ));
    steps.extend(quit());
    let server = ScriptedServer::start(steps).await;
    let target = server.addr.to_string();
    let (run, events) = against(server, two_recipients(&target)).await;
    assert_eq!(run.code, 25, "{}", run.stdout);
    assert!(received_data(&events).is_none());
    assert_eq!(run.codes(), [220, 250, 451, 503, 503, 503, 221]);
}

#[tokio::test]
async fn chunking_sends_envelope_bdat_last_message_and_quit_in_one_write() {
    let message = b"Subject: x\r\n\r\nshort\r\n";
    let steps = greeted(
        &["CHUNKING"],
        [
            Step::expect("MAIL FROM:<a@client.test>"),
            Step::expect("RCPT TO:<b@mx.test>"),
            Step::ReadSome,
            Step::send("250 2.1.0 Ok\r\n250 2.1.5 Ok\r\n250 2.0.0 queued\r\n221 2.0.0 bye\r\n"),
            Step::Close,
        ],
    );
    let server = ScriptedServer::start(steps).await;
    let file = tempfile::NamedTempFile::new().expect("temp file");
    std::fs::write(file.path(), message).expect("write message");
    let mut a = mail_args(&server.addr.to_string());
    a.extend(args(&["--data", file.path().to_str().expect("utf-8 path")]));
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
    let mut want = format!("BDAT {} LAST\r\n", message.len()).into_bytes();
    want.extend_from_slice(message);
    want.extend_from_slice(b"QUIT\r\n");
    assert_eq!(
        String::from_utf8_lossy(&bytes),
        String::from_utf8_lossy(&want)
    );
    // Greeting, EHLO, and one write for the rest.
    assert_eq!(round_trips(&run), 3, "{}", run.stdout);
}

#[tokio::test]
async fn no_pipeline_waits_for_each_reply() {
    let server = ScriptedServer::start(greeted(&["CHUNKING"], crate::accept_transaction())).await;
    let mut a = mail_args(&server.addr.to_string());
    a.push("--no-pipeline".into());
    let (run, _) = against(server, a).await;
    assert_eq!(run.code, 0, "{}", run.stdout);
    // Greeting, EHLO, MAIL, RCPT, DATA, message, QUIT: DATA, not BDAT, as before.
    assert_eq!(round_trips(&run), 7, "{}", run.stdout);
}

#[tokio::test]
async fn a_server_without_pipelining_never_gets_it() {
    let mut steps = vec![
        Step::send("220 mx.test ESMTP\r\n"),
        Step::expect("EHLO"),
        Step::Send(reply(250, &["mx.test", "SIZE 1000000", "CHUNKING"])),
    ];
    steps.extend(crate::accept_transaction());
    let server = ScriptedServer::start(steps).await;
    let a = mail_args(&server.addr.to_string());
    let (run, _) = against(server, a).await;
    assert_eq!(run.code, 0, "{}", run.stdout);
    assert_eq!(round_trips(&run), 7, "{}", run.stdout);
}

#[tokio::test]
async fn a_reply_latency_runs_from_the_command_it_answers() {
    use std::sync::{Arc, Mutex};
    use std::time::Duration;

    use smtpx::driver::{Driver, SessionEvent};
    use smtpx::net::{ConnectOptions, Target, TlsOptions};
    use smtpx::proto::command::Command;

    // MAIL, then RCPT 300 ms later; both answered together 200 ms after RCPT.
    let server = ScriptedServer::start(vec![
        Step::send("220 mx.test ESMTP\r\n"),
        Step::expect("MAIL FROM:"),
        Step::expect("RCPT TO:"),
        Step::sleep_ms(200),
        Step::send("250 2.1.0 Ok\r\n250 2.1.5 Ok\r\n"),
        Step::ExpectClose,
    ])
    .await;
    let events = Arc::new(Mutex::new(Vec::new()));
    let seen = events.clone();
    let mut driver = Driver::new(
        Target::new("127.0.0.1", server.addr.port()),
        ConnectOptions::default(),
        TlsOptions::default(),
        Duration::from_secs(5),
        Box::new(move |event| seen.lock().expect("events").push(event)),
    );
    driver.connect(false).await.expect("connect");
    driver.read_reply().await.expect("greeting");
    let mail = Command::Mail {
        from: "a@client.test".into(),
        params: Vec::new(),
    };
    let rcpt = Command::Rcpt {
        to: "b@mx.test".into(),
        params: Vec::new(),
    };
    driver.send(&mail).await.expect("MAIL");
    tokio::time::sleep(Duration::from_millis(300)).await;
    driver.send(&rcpt).await.expect("RCPT");
    driver.read_reply().await.expect("MAIL reply");
    driver.read_reply().await.expect("RCPT reply");
    driver.close().await;
    let latencies: Vec<Duration> = events
        .lock()
        .expect("events")
        .iter()
        .filter_map(|e| match e {
            SessionEvent::Received { latency, .. } => *latency,
            _ => None,
        })
        .collect();
    // The greeting has none; MAIL waited ~500 ms, RCPT ~200 ms.
    assert_eq!(latencies.len(), 2, "{latencies:?}");
    assert!(latencies[0] >= Duration::from_millis(480), "{latencies:?}");
    assert!(latencies[1] < latencies[0], "{latencies:?}");
    assert!(
        latencies[0] - latencies[1] >= Duration::from_millis(250),
        "MAIL's latency counts from MAIL, not from RCPT: {latencies:?}"
    );
}
