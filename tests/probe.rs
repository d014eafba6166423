//! `smtpx probe` end to end: the real binary against scripted servers on 127.0.0.1, with
//! rcgen certificates. Each test checks what the server received byte for byte, what the
//! probe reported (its `--json` events), and the exit code that says where it stopped.
//!
//! Whole sessions and AUTH are here; the sessions that stop early, and why, are in
//! `probe/stops.rs`, certificate verdicts in `probe/certificates.rs`, and the message data
//! (a file, standard input, BDAT) in `probe/data.rs`.

mod support;

// This crate's own files, tests/probe/*.rs. The inline module is what puts them there: a
// crate root's `mod x;` looks for tests/x.rs.
mod probe {
    mod certificates;
    mod data;
    mod envelope;
    mod pipelining;
    mod session;
    mod stops;
}

use support::probe::{ProbeRun, probe_json};
use support::*;

const PASSWORD: &str = "s3cret-pa55";

/// Runs the probe binary with `--json`, [`PASSWORD`] in `SMTPX_TEST_PASSWORD`.
async fn probe(args: Vec<String>) -> ProbeRun {
    probe_json(args, &[("SMTPX_TEST_PASSWORD", PASSWORD)]).await
}

/// Runs the probe with `args` against `server`, then checks the server saw every line it
/// expected; returns the run and what the server saw.
async fn against(mut server: ScriptedServer, args: Vec<String>) -> (ProbeRun, Vec<Event>) {
    let run = probe(args).await;
    let events = server.finish().await;
    all_matched(&events);
    (run, events)
}

fn args(list: &[&str]) -> Vec<String> {
    list.iter().map(|s| s.to_string()).collect()
}

fn ehlo_reply(extra: &[&str]) -> Vec<u8> {
    let mut lines = vec![
        "mx.test greets you",
        "PIPELINING",
        "SIZE 1000000",
        "8BITMIME",
    ];
    lines.extend_from_slice(extra);
    reply(250, &lines)
}

/// The greeting, then EHLO answered with the extra keywords `extra`, then `rest`.
fn greeted(extra: &[&str], rest: impl IntoIterator<Item = Step>) -> Vec<Step> {
    let mut steps = vec![
        Step::send("220 mx.test ESMTP\r\n"),
        Step::expect("EHLO"),
        Step::Send(ehlo_reply(extra)),
    ];
    steps.extend(rest);
    steps
}

/// QUIT, its 221 and the close.
fn quit() -> [Step; 3] {
    [Step::expect("QUIT"), Step::send("221 bye\r\n"), Step::Close]
}

/// The tail of a session: MAIL, RCPT, DATA, QUIT, all accepted.
fn accept_transaction() -> Vec<Step> {
    vec![
        Step::expect("MAIL FROM:<a@client.test>"),
        Step::send("250 2.1.0 Ok\r\n"),
        Step::expect("RCPT TO:<b@mx.test>"),
        Step::send("250 2.1.5 Ok\r\n"),
        Step::expect("DATA"),
        Step::send("354 End data with <CR><LF>.<CR><LF>\r\n"),
        Step::ExpectData,
        Step::send("250 2.0.0 Ok: queued\r\n"),
        Step::expect("QUIT"),
        Step::send("221 2.0.0 Bye\r\n"),
        Step::Close,
    ]
}

fn mail_args(target: &str) -> Vec<String> {
    args(&[
        target,
        "--ehlo",
        "client.test",
        "--from",
        "a@client.test",
        "--to",
        "b@mx.test",
        "--timeout",
        "5",
    ])
}

/// `target` in plaintext (no STARTTLS; the named opt-in lets credentials go there),
/// logging in with `mechanism` as `user`, the
/// password from `SMTPX_TEST_PASSWORD`.
fn plaintext_login(target: &str, mechanism: &str) -> Vec<String> {
    let mut a = args(&[target, "--no-starttls", "--allow-insecure-auth"]);
    a.extend(login(mechanism));
    a
}

/// Logging in with `mechanism` as `user`, the password from `SMTPX_TEST_PASSWORD`.
fn login(mechanism: &str) -> Vec<String> {
    args(&[
        "--auth",
        mechanism,
        "--user",
        "user",
        "--password-env",
        "SMTPX_TEST_PASSWORD",
    ])
}

fn all_matched(events: &[Event]) {
    for event in events {
        if let Event::Received {
            expected,
            line,
            matched,
        } = event
        {
            assert!(
                matched,
                "server expected {expected:?}, got {:?}",
                String::from_utf8_lossy(line)
            );
        }
    }
}

fn base64_encode(bytes: &[u8]) -> String {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

#[tokio::test]
async fn plain_session_delivers_a_dot_stuffed_message() {
    let mut steps = vec![
        Step::send("220 mx.test ESMTP\r\n"),
        Step::expect("EHLO client.test"),
        Step::Send(ehlo_reply(&[])),
    ];
    steps.extend(accept_transaction());
    let server = ScriptedServer::start(steps).await;
    let mut a = mail_args(&server.addr.to_string());
    a.extend(args(&[
        "--body",
        "line one\n.starts with a dot\n..two dots",
    ]));
    let (run, events) = against(server, a).await;
    assert_eq!(run.code, 0, "{}", run.stdout);
    assert_eq!(run.codes(), vec![220, 250, 250, 250, 354, 250, 221]);
    let data = events
        .iter()
        .find_map(|e| match e {
            Event::ReceivedData(d) => Some(String::from_utf8_lossy(d).into_owned()),
            _ => None,
        })
        .expect("the server received a message");
    assert!(
        data.contains("\r\nline one\r\n..starts with a dot\r\n...two dots\r\n.\r\n"),
        "{data:?}"
    );
    assert!(data.contains("Subject: smtpx probe\r\n"));
    assert!(data.contains("Message-ID: <"));
    // The server advertised no STARTTLS: the probe said so and went on in plaintext.
    assert!(run.of("note").iter().any(|n| {
        n["message"]
            .as_str()
            .is_some_and(|m| m.contains("does not offer STARTTLS"))
    }));
    assert!(run.of("sent").iter().all(|s| s["layer"] == "plain"));
}

#[tokio::test]
async fn starttls_with_trusted_ca_then_auth_plain() {
    let pki = TestPki::new();
    let tls = server_config(&pki.leaf(LeafKind::Good));
    let mut steps = vec![
        Step::send("220 mx.test ESMTP\r\n"),
        Step::expect("EHLO client.test"),
        Step::Send(ehlo_reply(&["STARTTLS"])),
        Step::expect("STARTTLS"),
        Step::send("220 2.0.0 Ready to start TLS\r\n"),
        Step::StartTls,
        Step::expect("EHLO client.test"),
        Step::Send(ehlo_reply(&["AUTH PLAIN LOGIN"])),
        // base64("\0user\0s3cret-pa55")
        Step::expect("AUTH PLAIN AHVzZXIAczNjcmV0LXBhNTU="),
        Step::send("235 2.7.0 Authentication successful\r\n"),
    ];
    steps.extend(accept_transaction());
    let server = ScriptedServer::start_starttls(tls, steps).await;
    let mut a = mail_args(&format!("localhost:{}", server.addr.port()));
    let ca = pki.ca_file();
    a.extend(args(&[
        "--starttls",
        "--ca-file",
        ca.to_str().expect("utf-8 path"),
    ]));
    a.extend(login("plain"));
    let (run, _) = against(server, a).await;
    assert_eq!(run.code, 0, "{}", run.stdout);
    let tls = run.of("tls");
    assert_eq!(tls.len(), 1);
    assert_eq!(tls[0]["verdict"]["ok"], true, "{}", tls[0]);
    assert!(
        tls[0]["version"]
            .as_str()
            .is_some_and(|v| v.contains("1.3"))
    );
    assert!(
        tls[0]["cipher_suite"]
            .as_str()
            .is_some_and(|v| !v.is_empty())
    );
    assert!(tls[0]["chain"].as_array().is_some_and(|c| c.len() == 2));
    assert!(run.of("finding").is_empty(), "{}", run.stdout);
    // Everything after the handshake went inside TLS; the secret never reached the output.
    let sent = run.of("sent");
    let after_tls: Vec<_> = sent
        .iter()
        .skip_while(|s| s["line"] != "STARTTLS")
        .skip(1)
        .collect();
    assert!(after_tls.iter().all(|s| s["layer"] == "tls"));
    assert!(!run.stdout.contains(PASSWORD));
    assert!(!run.stdout.contains("AHVzZXIAczNjcmV0LXBhNTU="));
    assert!(
        run.sent()
            .iter()
            .any(|l| l.starts_with("AUTH PLAIN <redacted"))
    );
}

#[tokio::test]
async fn implicit_tls_with_auth_login() {
    let pki = TestPki::new();
    let tls = server_config(&pki.leaf(LeafKind::Good));
    let mut steps = greeted(
        &["AUTH LOGIN"],
        [
            Step::expect("AUTH LOGIN dXNlcg=="), // initial response: base64("user")
            Step::send("334 UGFzc3dvcmQ6\r\n"),  // "Password:"
            Step::expect("czNjcmV0LXBhNTU="),
            Step::send("235 2.7.0 ok\r\n"),
        ],
    );
    steps.extend(accept_transaction());
    let server = ScriptedServer::start_implicit_tls(tls, steps).await;
    let mut a = mail_args(&format!("localhost:{}", server.addr.port()));
    let ca = pki.ca_file();
    a.extend(args(&[
        "--tls-on-connect",
        "--ca-file",
        ca.to_str().expect("utf-8 path"),
    ]));
    a.extend(login("login"));
    let (run, _) = against(server, a).await;
    assert_eq!(run.code, 0, "{}", run.stdout);
    assert_eq!(run.of("tls").len(), 1);
    assert!(run.of("reply").iter().all(|r| r["layer"] == "tls"));
    assert!(!run.stdout.contains("czNjcmV0LXBhNTU="));
}

#[tokio::test]
async fn cram_md5_answers_the_challenge() {
    let challenge = "<1896.697170952@postoffice.reston.mci.net>";
    let b64 = base64_encode(challenge.as_bytes());
    let mut steps = greeted(
        &["AUTH CRAM-MD5"],
        [
            Step::expect("AUTH CRAM-MD5"),
            Step::send(format!("334 {b64}\r\n")),
            // RFC 2195's example: tim / tanstaaftanstaaf
            Step::expect("dGltIGI5MTNhNjAyYzdlZGE3YTQ5NWI0ZTZlNzMzNGQzODkw"),
            Step::send("235 2.7.0 ok\r\n"),
        ],
    );
    steps.extend(quit());
    let mut server = ScriptedServer::start(steps).await;
    let a = args(&[
        &server.addr.to_string(),
        "--no-starttls",
        "--allow-insecure-auth",
        "--auth",
        "cram-md5",
        "--user",
        "tim",
        "--password-env",
        "CRAM_SECRET",
        "--timeout",
        "5",
    ]);
    let run = probe_json(a, &[("CRAM_SECRET", "tanstaaftanstaaf")]).await;
    all_matched(&server.finish().await);
    assert_eq!(run.code, 0, "{}", run.stdout);
    assert!(
        run.stdout.contains("auth_over_plaintext"),
        "AUTH without TLS is a finding"
    );
}

#[tokio::test]
async fn xoauth2_sends_the_bearer_payload() {
    // base64("user=user\x01auth=Bearer s3cret-pa55\x01\x01")
    let payload = base64_encode(b"user=user\x01auth=Bearer s3cret-pa55\x01\x01");
    let mut steps = greeted(
        &["AUTH XOAUTH2"],
        [
            Step::expect(&format!("AUTH XOAUTH2 {payload}")),
            Step::send("235 2.7.0 ok\r\n"),
        ],
    );
    steps.extend(quit());
    let server = ScriptedServer::start(steps).await;
    let a = plaintext_login(&server.addr.to_string(), "xoauth2");
    let (run, _) = against(server, a).await;
    assert_eq!(run.code, 0, "{}", run.stdout);
    assert!(!run.stdout.contains(&payload));
}

#[tokio::test]
async fn rejected_auth_stops_at_auth_and_quits() {
    let mut steps = greeted(
        &["AUTH PLAIN"],
        [
            Step::expect("AUTH PLAIN"),
            Step::send("535 5.7.8 Error: authentication failed\r\n"),
        ],
    );
    steps.extend(quit());
    let server = ScriptedServer::start(steps).await;
    let a = plaintext_login(&server.addr.to_string(), "plain");
    let (run, _) = against(server, a).await;
    assert_eq!(run.code, 24, "{}", run.stdout);
    let last_reply = run.of("reply")[2];
    assert_eq!(last_reply["code"], 535);
    assert_eq!(last_reply["enhanced"], "5.7.8");
    assert_eq!(last_reply["severity"], "permanent_negative");
}

#[tokio::test]
async fn ehlo_refused_falls_back_to_helo() {
    let mut steps = vec![
        Step::send("220 old.test SMTP\r\n"),
        Step::expect("EHLO"),
        Step::send("502 5.5.1 command not implemented\r\n"),
        Step::expect("HELO client.test"),
        Step::send("250 old.test\r\n"),
    ];
    steps.extend(quit());
    let server = ScriptedServer::start(steps).await;
    let a = args(&[
        &server.addr.to_string(),
        "--ehlo",
        "client.test",
        "--quit-after",
        "ehlo",
    ]);
    let (run, _) = against(server, a).await;
    assert_eq!(run.code, 0, "{}", run.stdout);
}

#[tokio::test]
async fn quit_after_greeting_sends_only_quit() {
    let mut steps = vec![Step::send("220 mx.test ESMTP\r\n")];
    steps.extend(quit());
    let mut server = ScriptedServer::start(steps).await;
    let run = probe(args(&[
        &server.addr.to_string(),
        "--quit-after",
        "greeting",
    ]))
    .await;
    let lines = server.received_lines().await;
    assert_eq!(lines, vec!["QUIT\r\n"]);
    assert_eq!(run.code, 0);
    assert_eq!(run.of("done")[0]["stage"], "done");
}
