//! `smtpx probe` end to end: the real binary against scripted servers on 127.0.0.1, with
//! rcgen certificates. Each test checks what the server received byte for byte, what the
//! probe reported (its `--json` events), and the exit code that says where it stopped.

mod support;

use serde_json::Value;
use support::*;

const PASSWORD: &str = "s3cret-pa55";

struct ProbeRun {
    code: i32,
    events: Vec<Value>,
    stdout: String,
}

impl ProbeRun {
    fn of(&self, kind: &str) -> Vec<&Value> {
        self.events.iter().filter(|e| e["event"] == kind).collect()
    }

    fn codes(&self) -> Vec<i64> {
        self.of("reply")
            .iter()
            .filter_map(|e| e["code"].as_i64())
            .collect()
    }

    fn sent(&self) -> Vec<String> {
        self.of("sent")
            .iter()
            .filter_map(|e| e["line"].as_str().map(str::to_string))
            .collect()
    }
}

/// Runs the probe binary (blocking, off the async runtime) with `--json`.
async fn probe(args: Vec<String>) -> ProbeRun {
    tokio::task::spawn_blocking(move || {
        let output = std::process::Command::new(env!("CARGO_BIN_EXE_smtpx"))
            .env(
                "XDG_STATE_HOME",
                concat!(env!("CARGO_TARGET_TMPDIR"), "/xdg-state"),
            )
            .arg("probe")
            .args(&args)
            .arg("--json")
            .env("SMTPX_TEST_PASSWORD", PASSWORD)
            .stdin(std::process::Stdio::null())
            .output()
            .expect("run smtpx");
        let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
        let events = stdout
            .lines()
            .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("bad JSON {l:?}: {e}")))
            .collect();
        ProbeRun {
            code: output.status.code().unwrap_or(-1),
            events,
            stdout,
        }
    })
    .await
    .expect("probe task")
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

#[tokio::test]
async fn plain_session_delivers_a_dot_stuffed_message() {
    let mut steps = vec![
        Step::send("220 mx.test ESMTP\r\n"),
        Step::expect("EHLO client.test"),
        Step::Send(ehlo_reply(&[])),
    ];
    steps.extend(accept_transaction());
    let mut server = ScriptedServer::start(steps).await;
    let mut a = mail_args(&server.addr.to_string());
    a.extend(args(&[
        "--body",
        "line one\n.starts with a dot\n..two dots",
    ]));
    let run = probe(a).await;
    let events = server.finish().await;
    all_matched(&events);
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
    let mut server = ScriptedServer::start_starttls(tls, steps).await;
    let mut a = mail_args(&format!("localhost:{}", server.addr.port()));
    let ca = pki.ca_file();
    a.extend(args(&[
        "--starttls",
        "--ca-file",
        ca.to_str().expect("utf-8 path"),
        "--auth",
        "plain",
        "--user",
        "user",
        "--password-env",
        "SMTPX_TEST_PASSWORD",
    ]));
    let run = probe(a).await;
    let events = server.finish().await;
    all_matched(&events);
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
    let mut steps = vec![
        Step::send("220 mx.test ESMTP\r\n"),
        Step::expect("EHLO client.test"),
        Step::Send(ehlo_reply(&["AUTH LOGIN"])),
        Step::expect("AUTH LOGIN dXNlcg=="), // initial response: base64("user")
        Step::send("334 UGFzc3dvcmQ6\r\n"),  // "Password:"
        Step::expect("czNjcmV0LXBhNTU="),
        Step::send("235 2.7.0 ok\r\n"),
    ];
    steps.extend(accept_transaction());
    let mut server = ScriptedServer::start_implicit_tls(tls, steps).await;
    let mut a = mail_args(&format!("localhost:{}", server.addr.port()));
    let ca = pki.ca_file();
    a.extend(args(&[
        "--tls-on-connect",
        "--ca-file",
        ca.to_str().expect("utf-8 path"),
        "--auth",
        "login",
        "--user",
        "user",
        "--password-env",
        "SMTPX_TEST_PASSWORD",
    ]));
    let run = probe(a).await;
    all_matched(&server.finish().await);
    assert_eq!(run.code, 0, "{}", run.stdout);
    assert_eq!(run.of("tls").len(), 1);
    assert!(run.of("reply").iter().all(|r| r["layer"] == "tls"));
    assert!(!run.stdout.contains("czNjcmV0LXBhNTU="));
}

#[tokio::test]
async fn cram_md5_answers_the_challenge() {
    let challenge = "<1896.697170952@postoffice.reston.mci.net>";
    let b64 = base64_encode(challenge.as_bytes());
    let steps = vec![
        Step::send("220 mx.test ESMTP\r\n"),
        Step::expect("EHLO"),
        Step::Send(ehlo_reply(&["AUTH CRAM-MD5"])),
        Step::expect("AUTH CRAM-MD5"),
        Step::send(format!("334 {b64}\r\n")),
        // RFC 2195's example: tim / tanstaaftanstaaf
        Step::expect("dGltIGI5MTNhNjAyYzdlZGE3YTQ5NWI0ZTZlNzMzNGQzODkw"),
        Step::send("235 2.7.0 ok\r\n"),
        Step::expect("QUIT"),
        Step::send("221 bye\r\n"),
        Step::Close,
    ];
    let mut server = ScriptedServer::start(steps).await;
    let run = tokio::task::spawn_blocking({
        let target = server.addr.to_string();
        move || {
            std::process::Command::new(env!("CARGO_BIN_EXE_smtpx"))
                .env(
                    "XDG_STATE_HOME",
                    concat!(env!("CARGO_TARGET_TMPDIR"), "/xdg-state"),
                )
                .args([
                    "probe",
                    &target,
                    "--no-starttls",
                    "--auth",
                    "cram-md5",
                    "--user",
                    "tim",
                ])
                .args(["--password-env", "CRAM_SECRET", "--json", "--timeout", "5"])
                .env("CRAM_SECRET", "tanstaaftanstaaf")
                .output()
                .expect("run smtpx")
        }
    })
    .await
    .expect("probe task");
    all_matched(&server.finish().await);
    let stdout = String::from_utf8_lossy(&run.stdout);
    assert_eq!(run.status.code(), Some(0), "{stdout}");
    assert!(
        stdout.contains("auth_over_plaintext"),
        "AUTH without TLS is a finding"
    );
}

#[tokio::test]
async fn xoauth2_sends_the_bearer_payload() {
    // base64("user=user\x01auth=Bearer s3cret-pa55\x01\x01")
    let payload = base64_encode(b"user=user\x01auth=Bearer s3cret-pa55\x01\x01");
    let steps = vec![
        Step::send("220 mx.test ESMTP\r\n"),
        Step::expect("EHLO"),
        Step::Send(ehlo_reply(&["AUTH XOAUTH2"])),
        Step::expect(&format!("AUTH XOAUTH2 {payload}")),
        Step::send("235 2.7.0 ok\r\n"),
        Step::expect("QUIT"),
        Step::send("221 bye\r\n"),
        Step::Close,
    ];
    let mut server = ScriptedServer::start(steps).await;
    let run = probe(args(&[
        &server.addr.to_string(),
        "--no-starttls",
        "--auth",
        "xoauth2",
        "--user",
        "user",
        "--password-env",
        "SMTPX_TEST_PASSWORD",
    ]))
    .await;
    all_matched(&server.finish().await);
    assert_eq!(run.code, 0, "{}", run.stdout);
    assert!(!run.stdout.contains(&payload));
}

#[tokio::test]
async fn rejected_auth_stops_at_auth_and_quits() {
    let steps = vec![
        Step::send("220 mx.test ESMTP\r\n"),
        Step::expect("EHLO"),
        Step::Send(ehlo_reply(&["AUTH PLAIN"])),
        Step::expect("AUTH PLAIN"),
        Step::send("535 5.7.8 Error: authentication failed\r\n"),
        Step::expect("QUIT"),
        Step::send("221 bye\r\n"),
        Step::Close,
    ];
    let mut server = ScriptedServer::start(steps).await;
    let run = probe(args(&[
        &server.addr.to_string(),
        "--no-starttls",
        "--auth",
        "plain",
        "--user",
        "user",
        "--password-env",
        "SMTPX_TEST_PASSWORD",
    ]))
    .await;
    all_matched(&server.finish().await);
    assert_eq!(run.code, 24, "{}", run.stdout);
    let last_reply = run.of("reply")[2];
    assert_eq!(last_reply["code"], 535);
    assert_eq!(last_reply["enhanced"], "5.7.8");
    assert_eq!(last_reply["severity"], "permanent_negative");
}

#[tokio::test]
async fn transient_4xx_on_mail_stops_at_mail() {
    let steps = vec![
        Step::send("220 mx.test ESMTP\r\n"),
        Step::expect("EHLO"),
        Step::Send(ehlo_reply(&[])),
        Step::expect("MAIL FROM:"),
        Step::send("451 4.7.1 Greylisted, try again later\r\n"),
        Step::expect("QUIT"),
        Step::send("221 bye\r\n"),
        Step::Close,
    ];
    let mut server = ScriptedServer::start(steps).await;
    let run = probe(mail_args(&server.addr.to_string())).await;
    all_matched(&server.finish().await);
    assert_eq!(run.code, 25, "{}", run.stdout);
    let rejected = run.of("reply")[2];
    assert_eq!(rejected["severity"], "transient_negative");
    assert_eq!(rejected["enhanced"], "4.7.1");
}

#[tokio::test]
async fn all_recipients_rejected_stops_at_rcpt() {
    let steps = vec![
        Step::send("220 mx.test ESMTP\r\n"),
        Step::expect("EHLO"),
        Step::Send(ehlo_reply(&[])),
        Step::expect("MAIL FROM:"),
        Step::send("250 2.1.0 Ok\r\n"),
        Step::expect("RCPT TO:"),
        Step::send("550 5.1.1 <b@mx.test>: Recipient address rejected: User unknown\r\n"),
        Step::expect("QUIT"),
        Step::send("221 bye\r\n"),
        Step::Close,
    ];
    let mut server = ScriptedServer::start(steps).await;
    let run = probe(mail_args(&server.addr.to_string())).await;
    all_matched(&server.finish().await);
    assert_eq!(run.code, 26, "{}", run.stdout);
}

#[tokio::test]
async fn injection_after_starttls_is_reported_and_discarded() {
    let pki = TestPki::new();
    let tls = server_config(&pki.leaf(LeafKind::Good));
    let steps = vec![
        Step::send("220 mx.test ESMTP\r\n"),
        Step::expect("EHLO"),
        Step::Send(ehlo_reply(&["STARTTLS"])),
        Step::expect("STARTTLS"),
        // The 220 and an injected reply in one segment, before the handshake.
        Step::SendThenStartTls(b"220 2.0.0 go\r\n250-injected\r\n250 AUTH PLAIN\r\n".to_vec()),
        Step::expect("EHLO"),
        Step::Send(ehlo_reply(&[])),
        Step::expect("QUIT"),
        Step::send("221 bye\r\n"),
        Step::Close,
    ];
    let mut server = ScriptedServer::start_starttls(tls, steps).await;
    let ca = pki.ca_file();
    let run = probe(args(&[
        &format!("localhost:{}", server.addr.port()),
        "--starttls",
        "--ca-file",
        ca.to_str().expect("utf-8 path"),
        "--quit-after",
        "tls",
    ]))
    .await;
    all_matched(&server.finish().await);
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

#[tokio::test]
async fn greeting_timeout_stops_at_greeting_with_a_hint() {
    let steps = vec![Step::sleep_ms(3_000), Step::Close];
    let mut server = ScriptedServer::start(steps).await;
    let run = probe(args(&[&server.addr.to_string(), "--timeout", "0.5"])).await;
    drop(server.next_event().await);
    assert_eq!(run.code, 21, "{}", run.stdout);
    assert!(run.of("error").iter().any(|e| {
        e["message"]
            .as_str()
            .is_some_and(|m| m.contains("timed out"))
    }));
    assert!(run.of("note").iter().any(|e| {
        e["message"]
            .as_str()
            .is_some_and(|m| m.contains("--tls-on-connect"))
    }));
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

/// Runs a STARTTLS session against `leaf` and returns the probe's result.
async fn starttls_with(leaf: LeafKind, strict: bool) -> (ProbeRun, Vec<Event>) {
    let pki = TestPki::new();
    let tls = server_config(&pki.leaf(leaf));
    let mut steps = vec![
        Step::send("220 mx.test ESMTP\r\n"),
        Step::expect("EHLO"),
        Step::Send(ehlo_reply(&["STARTTLS"])),
        Step::expect("STARTTLS"),
        Step::send("220 2.0.0 go\r\n"),
        Step::StartTls,
    ];
    if !strict {
        steps.extend([
            Step::expect("EHLO"),
            Step::Send(ehlo_reply(&[])),
            Step::expect("QUIT"),
            Step::send("221 bye\r\n"),
            Step::Close,
        ]);
    }
    let mut server = ScriptedServer::start_starttls(tls, steps).await;
    let ca = pki.ca_file();
    let mut a = args(&[
        &format!("localhost:{}", server.addr.port()),
        "--starttls",
        "--quit-after",
        "tls",
        "--timeout",
        "5",
    ]);
    if leaf != LeafKind::SelfSigned {
        a.extend(args(&["--ca-file", ca.to_str().expect("utf-8 path")]));
    }
    if strict {
        a.extend(args(&["--tls-verify", "strict"]));
    }
    let run = probe(a).await;
    let events = server.finish().await;
    (run, events)
}

#[tokio::test]
async fn untrusted_certificate_is_reported_and_the_session_goes_on() {
    let (run, events) = starttls_with(LeafKind::SelfSigned, false).await;
    all_matched(&events);
    assert_eq!(run.code, 0, "{}", run.stdout);
    let tls = run.of("tls");
    assert_eq!(tls[0]["verdict"]["ok"], false);
    let summary = tls[0]["verdict"]["summary"].as_str().unwrap_or_default();
    assert!(summary.contains("NOT trusted"), "{summary}");
    let findings = run.of("finding");
    assert_eq!(findings[0]["kind"], "unverified_certificate");
}

#[tokio::test]
async fn wrong_name_certificate_is_reported_and_the_session_goes_on() {
    let (run, events) = starttls_with(LeafKind::WrongName, false).await;
    all_matched(&events);
    assert_eq!(run.code, 0, "{}", run.stdout);
    let summary = run.of("tls")[0]["verdict"]["summary"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    assert!(
        summary.contains("localhost"),
        "names the name checked: {summary}"
    );
    assert!(
        summary.contains("trusted (ca-file"),
        "the chain itself is trusted: {summary}"
    );
    assert_eq!(run.of("tls")[0]["verdict"]["ok"], false);
}

#[tokio::test]
async fn strict_mode_stops_at_tls_on_untrusted_certificate() {
    let (run, _) = starttls_with(LeafKind::SelfSigned, true).await;
    assert_eq!(run.code, 23, "{}", run.stdout);
    assert!(run.of("tls").is_empty());
    assert!(run.of("error").iter().any(|e| {
        e["message"]
            .as_str()
            .is_some_and(|m| m.to_lowercase().contains("certificate"))
    }));
}

#[tokio::test]
async fn strict_mode_stops_at_tls_on_wrong_name() {
    let (run, _) = starttls_with(LeafKind::WrongName, true).await;
    assert_eq!(run.code, 23, "{}", run.stdout);
}

#[tokio::test]
async fn required_starttls_not_offered_stops_at_tls() {
    let steps = vec![
        Step::send("220 mx.test ESMTP\r\n"),
        Step::expect("EHLO"),
        Step::Send(ehlo_reply(&[])),
        Step::expect("QUIT"),
        Step::send("221 bye\r\n"),
        Step::Close,
    ];
    let mut server = ScriptedServer::start(steps).await;
    let run = probe(args(&[&server.addr.to_string(), "--starttls"])).await;
    all_matched(&server.finish().await);
    assert_eq!(run.code, 23, "{}", run.stdout);
}

#[tokio::test]
async fn ehlo_refused_falls_back_to_helo() {
    let steps = vec![
        Step::send("220 old.test SMTP\r\n"),
        Step::expect("EHLO"),
        Step::send("502 5.5.1 command not implemented\r\n"),
        Step::expect("HELO client.test"),
        Step::send("250 old.test\r\n"),
        Step::expect("QUIT"),
        Step::send("221 bye\r\n"),
        Step::Close,
    ];
    let mut server = ScriptedServer::start(steps).await;
    let run = probe(args(&[
        &server.addr.to_string(),
        "--ehlo",
        "client.test",
        "--quit-after",
        "ehlo",
    ]))
    .await;
    all_matched(&server.finish().await);
    assert_eq!(run.code, 0, "{}", run.stdout);
}

#[tokio::test]
async fn escape_sequences_from_the_server_never_reach_the_output_raw() {
    let steps = vec![
        Step::Send(b"220 evil\x1b]0;pwned\x07\x1b[2J \xff\r\n".to_vec()),
        Step::expect("EHLO"),
        Step::send("250 ok\r\n"),
        Step::expect("QUIT"),
        Step::send("221 bye\r\n"),
        Step::Close,
    ];
    let mut server = ScriptedServer::start(steps).await;
    let target = server.addr.to_string();
    let output = tokio::task::spawn_blocking(move || {
        std::process::Command::new(env!("CARGO_BIN_EXE_smtpx"))
            .env(
                "XDG_STATE_HOME",
                concat!(env!("CARGO_TARGET_TMPDIR"), "/xdg-state"),
            )
            .args(["probe", &target, "--quit-after", "ehlo"])
            .output()
            .expect("run smtpx")
    })
    .await
    .expect("probe task");
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

#[tokio::test]
async fn quit_after_greeting_sends_only_quit() {
    let steps = vec![
        Step::send("220 mx.test ESMTP\r\n"),
        Step::expect("QUIT"),
        Step::send("221 bye\r\n"),
        Step::Close,
    ];
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

fn base64_encode(bytes: &[u8]) -> String {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

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

fn transaction_server_steps() -> Vec<Step> {
    let mut steps = vec![
        Step::send("220 mx.test ESMTP\r\n"),
        Step::expect("EHLO"),
        Step::Send(ehlo_reply(&[])),
    ];
    steps.extend(accept_transaction());
    steps
}

#[tokio::test]
async fn data_file_is_sent_exactly_with_dot_stuffing() {
    let mut server = ScriptedServer::start(transaction_server_steps()).await;
    let mut file = tempfile::NamedTempFile::new().expect("temp file");
    std::io::Write::write_all(
        &mut file,
        b"Subject: x\r\n\r\n.leading dot\r\nno final newline",
    )
    .expect("write message");
    let mut a = mail_args(&server.addr.to_string());
    a.extend(args(&["--data", file.path().to_str().expect("utf-8 path")]));
    let run = probe(a).await;
    let events = server.finish().await;
    all_matched(&events);
    assert_eq!(run.code, 0, "{}", run.stdout);
    assert_eq!(
        received_data(&events),
        b"Subject: x\r\n\r\n..leading dot\r\nno final newline\r\n.\r\n"
    );
}

#[tokio::test]
async fn data_from_stdin_with_bare_lf_is_sent_as_crlf() {
    let mut server = ScriptedServer::start(transaction_server_steps()).await;
    let mut a = mail_args(&server.addr.to_string());
    a.extend(args(&["--data", "-"]));
    let output = tokio::task::spawn_blocking(move || {
        use std::io::Write;
        let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_smtpx"))
            .env(
                "XDG_STATE_HOME",
                concat!(env!("CARGO_TARGET_TMPDIR"), "/xdg-state"),
            )
            .arg("probe")
            .args(&a)
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .spawn()
            .expect("run smtpx");
        child
            .stdin
            .take()
            .expect("stdin")
            .write_all(b"Subject: y\n\nline\n.\nafter a lone dot\n")
            .expect("write stdin");
        child.wait_with_output().expect("wait")
    })
    .await
    .expect("probe task");
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
async fn bdat_sends_chunks_without_dot_stuffing() {
    let steps = vec![
        Step::send("220 mx.test ESMTP\r\n"),
        Step::expect("EHLO"),
        Step::Send(ehlo_reply(&["CHUNKING"])),
        Step::expect("MAIL FROM:<a@client.test>"),
        Step::send("250 2.1.0 Ok\r\n"),
        Step::expect("RCPT TO:<b@mx.test>"),
        Step::send("250 2.1.5 Ok\r\n"),
        Step::ReadSome,
        Step::send("250 2.0.0 chunk ok\r\n"),
        Step::ReadSome,
        Step::send("250 2.0.0 Ok: queued\r\n"),
        Step::expect("QUIT"),
        Step::send("221 bye\r\n"),
        Step::Close,
    ];
    let mut server = ScriptedServer::start(steps).await;
    let mut file = tempfile::NamedTempFile::new().expect("temp file");
    // 25 bytes: one full chunk of 16 and a LAST chunk of 9.
    std::io::Write::write_all(&mut file, b"Subject: z\r\n\r\n.dot\r\nend\r\n").expect("write");
    let mut a = mail_args(&server.addr.to_string());
    a.extend(args(&["--data", file.path().to_str().expect("utf-8 path")]));
    a.extend(args(&["--bdat", "--chunk-size", "16"]));
    let run = probe(a).await;
    let events = server.finish().await;
    all_matched(&events);
    assert_eq!(run.code, 0, "{}", run.stdout);
    let bytes: Vec<u8> = events
        .iter()
        .filter_map(|e| match e {
            Event::ReceivedBytes(b) => Some(b.clone()),
            _ => None,
        })
        .flatten()
        .collect();
    assert_eq!(
        bytes,
        b"BDAT 16\r\nSubject: z\r\n\r\n.dBDAT 9 LAST\r\not\r\nend\r\n"
    );
}
