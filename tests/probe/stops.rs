//! Sessions the probe stops early, and where: a transient or permanent refusal, a closed
//! connection, a timeout, a refused connection, STARTTLS required but not offered; and
//! what it reports on the way (injected plaintext, escaped server text).

use crate::support::probe::{ProbeRun, run_probe};
use crate::support::{LeafKind, ScriptedServer, Step, TestPki, server_config, unused_port};
use crate::{against, args, ehlo_reply, greeted, mail_args, probe, quit};

/// A mail transaction against a server that, after EHLO, plays `rest` and then QUIT. One
/// command at a time (`--no-pipeline`), so each refusal is the last thing the server hears
/// before QUIT; refusals in the middle of a pipelined group are in `pipelining.rs`.
async fn mail_answered(rest: Vec<Step>) -> ProbeRun {
    let mut steps = greeted(&[], rest);
    steps.extend(quit());
    let server = ScriptedServer::start(steps).await;
    let mut a = mail_args(&server.addr.to_string());
    a.push("--no-pipeline".into());
    against(server, a).await.0
}

#[tokio::test]
async fn transient_4xx_on_mail_stops_at_mail() {
    let run = mail_answered(vec![
        Step::expect("MAIL FROM:"),
        Step::send("451 4.7.1 Greylisted, try again later\r\n"),
    ])
    .await;
    assert_eq!(run.code, 25, "{}", run.stdout);
    let rejected = run.of("reply")[2];
    assert_eq!(rejected["severity"], "transient_negative");
    assert_eq!(rejected["enhanced"], "4.7.1");
}

#[tokio::test]
async fn all_recipients_rejected_stops_at_rcpt() {
    let run = mail_answered(vec![
        Step::expect("MAIL FROM:"),
        Step::send("250 2.1.0 Ok\r\n"),
        Step::expect("RCPT TO:"),
        Step::send("550 5.1.1 <b@mx.test>: Recipient address rejected: User unknown\r\n"),
    ])
    .await;
    assert_eq!(run.code, 26, "{}", run.stdout);
}

#[tokio::test]
async fn injection_after_starttls_is_reported_and_discarded() {
    let pki = TestPki::new();
    let tls = server_config(&pki.leaf(LeafKind::Good));
    let mut steps = greeted(
        &["STARTTLS"],
        [
            Step::expect("STARTTLS"),
            // The 220 and an injected reply in one segment, before the handshake.
            Step::SendThenStartTls(b"220 2.0.0 go\r\n250-injected\r\n250 AUTH PLAIN\r\n".to_vec()),
            Step::expect("EHLO"),
            Step::Send(ehlo_reply(&[])),
        ],
    );
    steps.extend(quit());
    let server = ScriptedServer::start_starttls(tls, steps).await;
    let ca = pki.ca_file();
    let a = args(&[
        &format!("localhost:{}", server.addr.port()),
        "--starttls",
        "--ca-file",
        ca.to_str().expect("utf-8 path"),
        "--quit-after",
        "tls",
    ]);
    let (run, _) = against(server, a).await;
    assert_eq!(run.code, 0, "{}", run.stdout);
    let findings = run.of("finding");
    assert_eq!(findings.len(), 1, "{}", run.stdout);
    assert_eq!(findings[0]["kind"], "injected_plaintext");
    assert!(
        findings[0]["bytes"]
            .as_str()
            .is_some_and(|b| b.contains("250-injected"))
    );
    // The injected 250 was not taken as the reply to anything: the EHLO after TLS got the
    // server's real reply, inside TLS.
    let replies = run.of("reply");
    assert!(replies.iter().all(|r| r["lines"][0] != "injected"));
    assert_eq!(
        replies.last().map(|r| r["layer"].clone()),
        Some("tls".into())
    );
}

#[tokio::test]
async fn disconnect_mid_reply_keeps_the_partial_reply() {
    let steps = vec![
        Step::send("220 mx.test ESMTP\r\n"),
        Step::expect("EHLO"),
        Step::send("250-mx.test\r\n250-PIPELINING\r\n250-SIZ"),
        Step::Close,
    ];
    let mut server = ScriptedServer::start(steps).await;
    let run = probe(args(&[&server.addr.to_string(), "--timeout", "5"])).await;
    server.finish().await;
    assert_eq!(run.code, 22, "{}", run.stdout);
    let partial = run.of("reply")[1];
    assert_eq!(partial["complete"], false);
    assert!(
        partial["flags"]
            .as_array()
            .is_some_and(|f| f.iter().any(|x| x == "unterminated"))
    );
    assert_eq!(partial["lines"][2], "SIZ");
    assert!(
        run.of("error")
            .iter()
            .any(|e| e["message"].as_str().is_some_and(|m| m.contains("closed")))
    );
}

/// A port that accepts and says nothing is called silent after the greeting wait — not
/// "implicit TLS": a ClientHello on a second connection got no TLS answer.
#[tokio::test]
async fn greeting_timeout_on_a_silent_port_says_silent_not_implicit_tls() {
    let steps = vec![Step::sleep_ms(4_000), Step::Close];
    let mut server = ScriptedServer::start(steps).await;
    let run = probe(args(&[
        &server.addr.to_string(),
        "--timeout",
        "1.5",
        "--greeting-wait",
        "0.3",
    ]))
    .await;
    drop(server.next_event().await);
    assert_eq!(run.code, 21, "{}", run.stdout);
    assert!(run.of("error").iter().any(|e| {
        e["message"]
            .as_str()
            .is_some_and(|m| m.contains("timed out"))
    }));
    let notes: Vec<&str> = run
        .of("note")
        .iter()
        .filter_map(|e| e["message"].as_str())
        .collect();
    assert!(
        notes
            .iter()
            .any(|m| m.contains("said nothing") && m.contains("not implicit TLS")),
        "{notes:?}"
    );
    assert!(
        !notes.iter().any(|m| m.contains("--tls-on-connect")),
        "{notes:?}"
    );
}

#[tokio::test]
async fn connection_refused_stops_at_connect() {
    let port = unused_port();
    let run = probe(args(&[&format!("127.0.0.1:{port}"), "--timeout", "2"])).await;
    assert_eq!(run.code, 20, "{}", run.stdout);
    let error = run.of("error");
    assert!(
        error[0]["message"]
            .as_str()
            .is_some_and(|m| m.contains(&port.to_string())),
        "{}",
        run.stdout
    );
}

#[tokio::test]
async fn required_starttls_not_offered_stops_at_tls() {
    let server = ScriptedServer::start(greeted(&[], quit())).await;
    let a = args(&[&server.addr.to_string(), "--starttls"]);
    let (run, _) = against(server, a).await;
    assert_eq!(run.code, 23, "{}", run.stdout);
}

#[tokio::test]
async fn escape_sequences_from_the_server_never_reach_the_output_raw() {
    let mut steps = vec![
        Step::Send(b"220 evil\x1b]0;pwned\x07\x1b[2J \xff\r\n".to_vec()),
        Step::expect("EHLO"),
        Step::send("250 ok\r\n"),
    ];
    steps.extend(quit());
    let mut server = ScriptedServer::start(steps).await;
    let target = server.addr.to_string();
    let output = run_probe(args(&[&target, "--quit-after", "ehlo"]), &[], None).await;
    server.finish().await;
    assert_eq!(output.status.code(), Some(0));
    assert!(
        !output.stdout.contains(&0x1b),
        "no raw ESC in the human output"
    );
    assert!(!output.stdout.contains(&0x07));
    let text = String::from_utf8_lossy(&output.stdout);
    assert!(
        text.contains("220 evil\\x1b]0;pwned\\x07\\x1b[2J \\xff"),
        "{text}"
    );
}
