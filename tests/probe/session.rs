//! The greetings and sessions beside plain SMTP: LMTP, whose end of data gets one reply per
//! accepted recipient ([RFC 2033 §4.2](https://www.rfc-editor.org/rfc/rfc2033#section-4.2)),
//! HELO forced or after a refused EHLO
//! ([RFC 5321 §4.1.4](https://www.rfc-editor.org/rfc/rfc5321#section-4.1.4)), and OAUTHBEARER
//! with the server's JSON error challenge
//! ([RFC 7628 §3.2](https://www.rfc-editor.org/rfc/rfc7628#section-3.2)).

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;

use crate::support::probe::ProbeRun;
use crate::support::{ScriptedServer, Step, reply};
use crate::{PASSWORD, against, args, quit};

fn notes(run: &ProbeRun) -> Vec<String> {
    run.of("note")
        .iter()
        .filter_map(|e| e["message"].as_str().map(str::to_owned))
        .collect()
}

#[tokio::test]
async fn lmtp_replies_after_the_message_are_matched_to_their_recipients() {
    let mut steps = vec![
        Step::send("220 lmtp.test LMTP ready\r\n"),
        Step::expect("LHLO client.test"),
        Step::Send(reply(250, &["lmtp.test", "ENHANCEDSTATUSCODES"])),
        Step::expect("MAIL FROM:<a@client.test>"),
        Step::send("250 2.1.0 Ok\r\n"),
    ];
    for (to, answer) in [
        ("b@mx.test", "250 2.1.5 Ok\r\n"),
        ("c@mx.test", "250 2.1.5 Ok\r\n"),
        ("d@mx.test", "550 5.1.1 <d@mx.test> User doesn't exist\r\n"),
    ] {
        steps.extend([Step::expect(&format!("RCPT TO:<{to}>")), Step::send(answer)]);
    }
    steps.extend([
        Step::expect("DATA"),
        Step::send("354 OK\r\n"),
        Step::ExpectData,
        // One reply per accepted recipient, in RCPT order.
        Step::send("250 2.0.0 <b@mx.test> Saved\r\n452 4.2.2 <c@mx.test> Quota exceeded\r\n"),
    ]);
    steps.extend(quit());
    let server = ScriptedServer::start(steps).await;
    let target = server.addr.to_string();
    let (run, _) = against(
        server,
        args(&[
            &target,
            "--lmtp",
            "--ehlo",
            "client.test",
            "--from",
            "a@client.test",
            "--to",
            "b@mx.test,c@mx.test,d@mx.test",
            "--timeout",
            "5",
            "--body",
            "hi",
        ]),
    )
    .await;
    assert_eq!(run.code, 0, "delivered to one recipient: {}", run.stdout);
    let deliveries = run.of("lmtp_deliveries");
    assert_eq!(deliveries.len(), 1, "{}", run.stdout);
    let recipients = deliveries[0]["recipients"].as_array().expect("recipients");
    let summary: Vec<(String, i64, bool)> = recipients
        .iter()
        .map(|r| {
            (
                r["recipient"].as_str().unwrap_or_default().to_owned(),
                r["code"].as_i64().unwrap_or_default(),
                r["delivered"].as_bool().unwrap_or_default(),
            )
        })
        .collect();
    assert_eq!(
        summary,
        [
            ("b@mx.test".to_owned(), 250, true),
            ("c@mx.test".to_owned(), 452, false)
        ]
    );
    let notes = notes(&run);
    for expected in [
        "LMTP: <b@mx.test> delivered",
        "LMTP: <c@mx.test> not delivered (452, transient: retry later)",
        "LMTP: the message was delivered to 1 of 2 recipients; not to <c@mx.test>",
    ] {
        assert!(notes.iter().any(|n| n == expected), "{expected}: {notes:?}");
    }
}

#[tokio::test]
async fn lmtp_with_no_delivery_stops_at_data() {
    let steps = vec![
        Step::send("220 lmtp.test LMTP ready\r\n"),
        Step::expect("LHLO"),
        Step::Send(reply(250, &["lmtp.test"])),
        Step::expect("MAIL"),
        Step::send("250 2.1.0 Ok\r\n"),
        Step::expect("RCPT TO:<b@mx.test>"),
        Step::send("250 2.1.5 Ok\r\n"),
        Step::expect("DATA"),
        Step::send("354 OK\r\n"),
        Step::ExpectData,
        Step::send("552 5.2.2 <b@mx.test> Quota exceeded\r\n"),
        Step::expect("QUIT"),
        Step::send("221 bye\r\n"),
        Step::Close,
    ];
    let server = ScriptedServer::start(steps).await;
    let target = server.addr.to_string();
    let (run, _) = against(
        server,
        args(&[&target, "--lmtp", "--to", "b@mx.test", "--timeout", "5"]),
    )
    .await;
    assert_eq!(run.code, 27, "{}", run.stdout);
    assert!(
        notes(&run).iter().any(
            |n| n == "LMTP: the message was delivered to 0 of 1 recipients; not to <b@mx.test>"
        ),
        "{}",
        run.stdout
    );
}

#[tokio::test]
async fn helo_is_sent_instead_of_ehlo_when_asked() {
    let steps = vec![
        Step::send("220 old.test SMTP\r\n"),
        Step::expect("HELO client.test"),
        Step::send("250 old.test\r\n"),
        Step::expect("QUIT"),
        Step::send("221 bye\r\n"),
        Step::Close,
    ];
    let server = ScriptedServer::start(steps).await;
    let target = server.addr.to_string();
    let (run, _) = against(
        server,
        args(&[
            &target,
            "--helo",
            "--ehlo",
            "client.test",
            "--quit-after",
            "ehlo",
            "--timeout",
            "5",
        ]),
    )
    .await;
    assert_eq!(run.code, 0, "{}", run.stdout);
    assert_eq!(run.sent(), ["HELO client.test", "QUIT"]);
}

#[tokio::test]
async fn a_permanently_refused_ehlo_falls_back_to_helo_and_says_so() {
    let steps = vec![
        Step::send("220 old.test SMTP\r\n"),
        Step::expect("EHLO client.test"),
        Step::send("502 5.5.2 Error: command not recognized\r\n"),
        Step::expect("HELO client.test"),
        Step::send("250 old.test\r\n"),
        Step::expect("QUIT"),
        Step::send("221 bye\r\n"),
        Step::Close,
    ];
    let server = ScriptedServer::start(steps).await;
    let target = server.addr.to_string();
    let (run, _) = against(
        server,
        args(&[
            &target,
            "--ehlo",
            "client.test",
            "--quit-after",
            "ehlo",
            "--timeout",
            "5",
        ]),
    )
    .await;
    assert_eq!(run.code, 0, "{}", run.stdout);
    assert!(
        notes(&run)
            .iter()
            .any(|n| n.starts_with("EHLO refused with a permanent reply; falling back to HELO")),
        "{}",
        run.stdout
    );
}

#[tokio::test]
async fn oauthbearer_error_challenge_is_decoded_answered_with_ctrl_a_and_the_token_stays_secret() {
    let payload = format!("n,a=user@client.test,\x01auth=Bearer {PASSWORD}\x01\x01");
    let error = STANDARD.encode(br#"{"status":"invalid_token","scope":"mail"}"#);
    let steps = vec![
        Step::send("220 mx.test ESMTP\r\n"),
        Step::expect("EHLO"),
        Step::Send(reply(250, &["mx.test", "AUTH OAUTHBEARER XOAUTH2"])),
        Step::expect(&format!("AUTH OAUTHBEARER {}", STANDARD.encode(payload))),
        Step::send(format!("334 {error}\r\n")),
        Step::expect("AQ=="),
        Step::send("535 5.7.8 Authentication credentials invalid\r\n"),
        Step::expect("QUIT"),
        Step::send("221 bye\r\n"),
        Step::Close,
    ];
    let server = ScriptedServer::start(steps).await;
    let target = server.addr.to_string();
    let (run, _) = against(
        server,
        args(&[
            &target,
            "--auth",
            "oauthbearer",
            "--user",
            "user@client.test",
            "--password-env",
            "SMTPX_TEST_PASSWORD",
            "--allow-insecure-auth",
            "--timeout",
            "5",
        ]),
    )
    .await;
    assert_eq!(run.code, 24, "{}", run.stdout);
    assert!(!run.stdout.contains(PASSWORD), "{}", run.stdout);
    let decoded: Vec<&str> = run
        .of("reply")
        .iter()
        .filter_map(|e| e["decoded"].as_str())
        .collect();
    assert!(
        decoded
            .iter()
            .any(|d| d.starts_with("OAuth error: invalid_token")),
        "{}",
        run.stdout
    );
}

#[tokio::test]
async fn xclient_is_sent_after_ehlo_and_ehlo_follows_the_new_greeting() {
    let ehlo = reply(250, &["mx.test", "XCLIENT NAME ADDR PORT HELO"]);
    let steps = vec![
        Step::send("220 mx.test ESMTP\r\n"),
        Step::expect("EHLO client.test"),
        Step::Send(ehlo.clone()),
        Step::expect("XCLIENT ADDR=192.0.2.7 NAME=forwarded.example HELO=a+20b"),
        Step::send("220 mx.test ESMTP\r\n"),
        Step::expect("EHLO client.test"),
        Step::Send(ehlo),
        Step::expect("QUIT"),
        Step::send("221 bye\r\n"),
        Step::Close,
    ];
    let server = ScriptedServer::start(steps).await;
    let target = server.addr.to_string();
    let (run, _) = against(
        server,
        args(&[
            &target,
            "--ehlo",
            "client.test",
            "--xclient",
            "ADDR=192.0.2.7",
            "--xclient",
            "name=forwarded.example",
            "--xclient",
            "HELO=a b",
            "--timeout",
            "5",
        ]),
    )
    .await;
    assert_eq!(run.code, 0, "{}", run.stdout);
    assert!(
        notes(&run)
            .iter()
            .any(|n| n.starts_with("XCLIENT accepted: the session starts over")),
        "{}",
        run.stdout
    );
}

#[tokio::test]
async fn xclient_not_advertised_stops_before_mail() {
    let steps = vec![
        Step::send("220 mx.test ESMTP\r\n"),
        Step::expect("EHLO"),
        Step::Send(reply(250, &["mx.test", "PIPELINING"])),
        Step::expect("QUIT"),
        Step::send("221 bye\r\n"),
        Step::Close,
    ];
    let server = ScriptedServer::start(steps).await;
    let target = server.addr.to_string();
    let (run, _) = against(
        server,
        args(&[&target, "--xclient", "ADDR=192.0.2.7", "--to", "b@mx.test"]),
    )
    .await;
    assert_eq!(run.code, 22, "{}", run.stdout);
    assert!(
        notes(&run)
            .iter()
            .any(|n| n.starts_with("the server does not advertise XCLIENT")),
        "{}",
        run.stdout
    );
}

#[tokio::test]
async fn the_sandbox_without_esmtp_gets_helo_and_the_message() {
    use smtpx::sandbox::{self, Behaviours, SandboxConfig};
    let sandbox = sandbox::start(SandboxConfig {
        behaviours: Behaviours {
            no_esmtp: true,
            ..Behaviours::default()
        },
        ..SandboxConfig::default()
    })
    .await
    .expect("start the sandbox");
    let run = crate::probe(args(&[
        &sandbox.plain_addr().to_string(),
        "--ehlo",
        "client.test",
        "--from",
        "a@client.test",
        "--to",
        "b@sandbox.test",
        "--timeout",
        "5",
        "--no-record",
    ]))
    .await;
    assert_eq!(run.code, 0, "{}", run.stdout);
    let sent = run.sent();
    assert_eq!(
        sent.get(..2),
        Some(&["EHLO client.test".to_owned(), "HELO client.test".to_owned()][..])
    );
    assert_eq!(
        run.codes().get(..3),
        Some(&[220, 500, 250][..]),
        "{}",
        run.stdout
    );
    assert!(
        notes(&run)
            .iter()
            .any(|n| n.starts_with("EHLO refused with a permanent reply; falling back to HELO")),
        "{}",
        run.stdout
    );
}
