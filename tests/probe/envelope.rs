//! The envelope as servers we did not write expect it: SMTPUTF8 asked for when an address
//! or header needs it ([RFC 6531 §3.4](https://www.rfc-editor.org/rfc/rfc6531#section-3.4)),
//! a stop before MAIL when the server cannot take it; BDAT only where CHUNKING is
//! advertised ([RFC 3030 §2](https://www.rfc-editor.org/rfc/rfc3030#section-2));
//! `--to a,b` as swaks takes it; and one stage model for TLS, implicit or not.

use crate::support::{LeafKind, ScriptedServer, Step, server_config, test_pki};
use crate::{args, greeted, probe, quit};

fn envelope(from: &str, to: &str, target: &str) -> Vec<String> {
    args(&[
        target,
        "--ehlo",
        "client.test",
        "--from",
        from,
        "--to",
        to,
        "--timeout",
        "5",
        "--body",
        "hello",
    ])
}

fn accept_all_after_mail(mail: &str, rcpts: &[&str]) -> Vec<Step> {
    let mut steps = vec![Step::expect(mail), Step::send("250 2.1.0 Ok\r\n")];
    for rcpt in rcpts {
        steps.extend([Step::expect(rcpt), Step::send("250 2.1.5 Ok\r\n")]);
    }
    steps.extend([
        Step::expect("DATA"),
        Step::send("354 go\r\n"),
        Step::ExpectData,
        Step::send("250 2.0.0 queued\r\n"),
    ]);
    steps.extend(quit());
    steps
}

#[tokio::test]
async fn a_utf8_address_asks_for_smtputf8_when_the_server_offers_it() {
    let mut server = ScriptedServer::start(greeted(
        &["SMTPUTF8"],
        accept_all_after_mail("MAIL FROM:<jürgen@exämple.test>", &["RCPT TO:<b@mx.test>"]),
    ))
    .await;
    let run = probe(envelope(
        "jürgen@exämple.test",
        "b@mx.test",
        &server.addr.to_string(),
    ))
    .await;
    assert_eq!(run.code, 0, "{}", run.stdout);
    let mail = server
        .received_lines()
        .await
        .into_iter()
        .find(|l| l.starts_with("MAIL"))
        .expect("MAIL sent");
    assert!(mail.contains(" SMTPUTF8"), "{mail}");
}

#[tokio::test]
async fn a_utf8_address_stops_before_mail_when_smtputf8_is_not_offered() {
    let mut steps = greeted(&[], []);
    steps.extend(quit());
    let mut server = ScriptedServer::start(steps).await;
    let run = probe(envelope(
        "jürgen@exämple.test",
        "b@mx.test",
        &server.addr.to_string(),
    ))
    .await;
    assert_eq!(run.code, 25, "{}", run.stdout);
    assert!(run.stdout.contains("SMTPUTF8"), "{}", run.stdout);
    let lines = server.received_lines().await;
    assert!(!lines.iter().any(|l| l.starts_with("MAIL")), "{lines:?}");
}

#[tokio::test]
async fn bdat_without_chunking_is_refused_before_mail() {
    let mut steps = greeted(&[], []);
    steps.extend(quit());
    let mut server = ScriptedServer::start(steps).await;
    let mut a = envelope("a@client.test", "b@mx.test", &server.addr.to_string());
    a.push("--bdat".into());
    let run = probe(a).await;
    assert_eq!(run.code, 27, "{}", run.stdout);
    assert!(run.stdout.contains("CHUNKING"), "{}", run.stdout);
    let lines = server.received_lines().await;
    assert_eq!(
        lines.first().map(String::as_str),
        Some("EHLO client.test\r\n")
    );
    assert!(
        !lines
            .iter()
            .any(|l| l.starts_with("MAIL") || l.starts_with("BDAT")),
        "{lines:?}"
    );
}

#[tokio::test]
async fn commas_in_to_give_one_rcpt_each() {
    let server = ScriptedServer::start(greeted(
        &[],
        accept_all_after_mail(
            "MAIL FROM:<a@client.test>",
            &["RCPT TO:<b@mx.test>", "RCPT TO:<c@mx.test>"],
        ),
    ))
    .await;
    let target = server.addr.to_string();
    // `against` checks that every expected line (both RCPTs) arrived as expected.
    let (run, _) = crate::against(
        server,
        envelope("a@client.test", "b@mx.test,c@mx.test", &target),
    )
    .await;
    assert_eq!(run.code, 0, "{}", run.stdout);
}

#[tokio::test]
async fn a_failed_implicit_tls_handshake_is_a_tls_failure() {
    // A plaintext server on a port the probe was told speaks implicit TLS: the handshake
    // meets a 220 greeting.
    let mut steps = vec![Step::send("220 mx.test ESMTP\r\n"), Step::ReadSome];
    steps.extend(quit());
    let server = ScriptedServer::start(steps).await;
    let run = probe(args(&[
        &server.addr.to_string(),
        "--tls-on-connect",
        "--timeout",
        "5",
    ]))
    .await;
    assert_eq!(run.code, 23, "{}", run.stdout);
    // And a certificate strict verification rejects on implicit TLS: 23 as well.
    let pki = test_pki();
    let tls = server_config(&pki.leaf(LeafKind::SelfSigned));
    let server = ScriptedServer::start_implicit_tls(tls, quit().to_vec()).await;
    let run = probe(args(&[
        &server.addr.to_string(),
        "--tls-on-connect",
        "--tls-verify",
        "strict",
        "--timeout",
        "5",
    ]))
    .await;
    assert_eq!(run.code, 23, "{}", run.stdout);
}

#[tokio::test]
async fn a_partly_refused_envelope_says_how_many_recipients_were_accepted() {
    let mut steps = greeted(
        &[],
        [
            Step::expect("MAIL FROM:<a@client.test>"),
            Step::send("250 2.1.0 Ok\r\n"),
            Step::expect("RCPT TO:<b@mx.test>"),
            Step::send("250 2.1.5 Ok\r\n"),
            Step::expect("RCPT TO:<nobody@mx.test>"),
            Step::send("550 5.1.1 no such user\r\n"),
            Step::expect("DATA"),
            Step::send("354 go\r\n"),
            Step::ExpectData,
            Step::send("250 2.0.0 queued\r\n"),
        ],
    );
    steps.extend(quit());
    let server = ScriptedServer::start(steps).await;
    let target = server.addr.to_string();
    let (run, _) = crate::against(
        server,
        envelope("a@client.test", "b@mx.test,nobody@mx.test", &target),
    )
    .await;
    assert_eq!(run.code, 0, "{}", run.stdout);
    assert!(
        run.stdout.contains("1 of 2 recipients accepted"),
        "{}",
        run.stdout
    );
}
