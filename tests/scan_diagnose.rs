//! Every classic failure of issue 11, diagnosed in plain words: the message of each
//! [`Diagnosis`] is a snapshot, and each one is provoked for real against a scripted
//! loopback server through `smtpx probe --json` (the diagnosis arrives as a
//! `diagnosis: …` note right after the event that shows it).

mod support;

use serde_json::Value;
use smtpx::diagnose::Diagnosis;
use support::*;

/// One of each, with the values a real session would give.
fn every_diagnosis() -> Vec<Diagnosis> {
    vec![
        Diagnosis::Port25Blocked { refused: false },
        Diagnosis::Port25Blocked { refused: true },
        Diagnosis::ExpectsImplicitTls { port: 465 },
        Diagnosis::PlaintextPort {
            port: 587,
            greeting: "220 mx.example.com ESMTP Postfix".into(),
        },
        Diagnosis::StartTlsNotOffered { port: 25 },
        Diagnosis::StartTlsOnSomePorts {
            with: vec![25, 587],
            without: vec![2525],
        },
        Diagnosis::AuthOnlyAfterStartTls { port: 587 },
        Diagnosis::AuthOverPlaintext {
            port: 25,
            mechanisms: vec!["PLAIN".into(), "LOGIN".into()],
        },
        Diagnosis::StartTlsRequired {
            reply: "530 5.7.0 Must issue a STARTTLS command first".into(),
        },
        Diagnosis::AuthenticationRequired {
            reply: "530 5.7.0 Authentication required".into(),
        },
        Diagnosis::AuthenticationFailed {
            reply: "535 5.7.8 Error: authentication failed".into(),
        },
        Diagnosis::RelayDenied {
            reply: "554 5.7.1 <you@example.org>: Relay access denied".into(),
            authenticated: false,
        },
        Diagnosis::RelayDenied {
            reply: "550 5.7.1 Relaying denied".into(),
            authenticated: true,
        },
        Diagnosis::CertificateNameMismatch {
            name: "192.0.2.25".into(),
            presented: vec!["mx.example.com".into()],
            by_ip: true,
        },
        Diagnosis::CertificateNameMismatch {
            name: "mail.example.org".into(),
            presented: vec!["mx.example.com".into(), "*.example.net".into()],
            by_ip: false,
        },
        Diagnosis::NotSmtp {
            port: 2525,
            service: "SSH".into(),
            banner: "SSH-2.0-OpenSSH_9.2".into(),
        },
    ]
}

#[test]
fn every_diagnosis_message_is_a_snapshot() {
    let mut seen = std::collections::BTreeMap::<&str, usize>::new();
    for diagnosis in every_diagnosis() {
        let n = seen.entry(diagnosis.name()).or_default();
        *n += 1;
        let message = diagnosis.message();
        // One or two sentences (a third only for the relay fix's alternative).
        let sentences = message.matches(". ").count() + 1;
        assert!(sentences <= 3, "{message}");
        insta::assert_snapshot!(format!("{}_{}", diagnosis.name(), n), message);
    }
}

struct ProbeRun {
    code: i32,
    events: Vec<Value>,
    stdout: String,
}

impl ProbeRun {
    /// The diagnosis notes, without their `diagnosis: ` prefix.
    fn diagnoses(&self) -> Vec<String> {
        self.events
            .iter()
            .filter(|e| e["event"] == "note")
            .filter_map(|e| e["message"].as_str())
            .filter_map(|m| m.strip_prefix("diagnosis: "))
            .map(str::to_string)
            .collect()
    }

    fn diagnosis(&self, needle: &str) -> String {
        let found = self.diagnoses();
        found
            .iter()
            .find(|d| d.contains(needle))
            .cloned()
            .unwrap_or_else(|| panic!("no diagnosis with {needle:?} in {found:?}\n{}", self.stdout))
    }
}

async fn probe(args: &[&str]) -> ProbeRun {
    let args: Vec<String> = args.iter().map(|s| s.to_string()).collect();
    tokio::task::spawn_blocking(move || {
        let output = std::process::Command::new(env!("CARGO_BIN_EXE_smtpx"))
            .env("XDG_STATE_HOME", env!("CARGO_TARGET_TMPDIR"))
            .arg("probe")
            .args(&args)
            .args(["--json", "--ehlo", "client.test", "--no-record"])
            .env("SMTPX_TEST_PASSWORD", "pw")
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

/// Greeting, EHLO with `keywords`, then `rest`.
fn session(keywords: &[&str], rest: Vec<Step>) -> Vec<Step> {
    let mut lines = vec!["mx.test"];
    lines.extend(keywords);
    let mut steps = vec![
        Step::send("220 mx.test ESMTP\r\n"),
        Step::expect("EHLO"),
        Step::Send(reply(250, &lines)),
    ];
    steps.extend(rest);
    steps
}

fn quit() -> Vec<Step> {
    vec![Step::expect("QUIT"), Step::send("221 bye\r\n"), Step::Close]
}

fn then_quit(mut steps: Vec<Step>) -> Vec<Step> {
    steps.extend(quit());
    steps
}

#[tokio::test]
async fn port_25_refused_suggests_the_submission_ports() {
    if std::net::TcpStream::connect("127.0.0.1:25").is_ok() {
        eprintln!("note: something listens on 127.0.0.1:25; skipping");
        return;
    }
    let run = probe(&["127.0.0.1:25", "--timeout", "2"]).await;
    assert_eq!(run.code, 20);
    let text = run.diagnosis("Port 25 refused");
    assert!(text.contains("587") && text.contains("465"), "{text}");
}

#[tokio::test]
async fn plaintext_to_an_implicit_tls_port_suggests_tls_on_connect() {
    let server = ScriptedServer::start(vec![Step::ReadSome]).await;
    let target = server.addr.to_string();
    let run = probe(&[&target, "--timeout", "0.5"]).await;
    assert_eq!(run.code, 21);
    let text = run.diagnosis("waits for a TLS ClientHello");
    assert!(text.contains("--tls-on-connect"), "{text}");
}

#[tokio::test]
async fn tls_to_a_plaintext_port_suggests_starttls() {
    // The greeting comes after the ClientHello went out. (A greeting already waiting when
    // the handshake starts is drained by the transport before the handshake, which then
    // times out instead: a transport issue, reported.)
    let server = ScriptedServer::start(vec![
        Step::sleep_ms(300),
        Step::send("220 mx.test ESMTP\r\n"),
        Step::ExpectClose,
    ])
    .await;
    let target = server.addr.to_string();
    let run = probe(&[&target, "--tls-on-connect", "--timeout", "2"]).await;
    assert_eq!(run.code, 20);
    let text = run.diagnosis("answered in plaintext");
    assert!(text.contains("'220 mx.test ESMTP'"), "{text}");
    assert!(text.contains("use STARTTLS"), "{text}");
}

#[tokio::test]
async fn starttls_not_offered_is_explained() {
    let mut server = ScriptedServer::start(session(&["PIPELINING"], quit())).await;
    let target = server.addr.to_string();
    let run = probe(&[&target, "--starttls", "--timeout", "2"]).await;
    assert_eq!(run.code, 23);
    let text = run.diagnosis("does not offer STARTTLS");
    assert!(text.contains("plaintext"), "{text}");
    drop(server.finish().await);
}

#[tokio::test]
async fn auth_before_starttls_on_a_submission_port_says_starttls_first() {
    let steps = session(
        &["STARTTLS"],
        then_quit(vec![
            Step::expect("AUTH PLAIN"),
            Step::send("530 5.7.0 Must issue a STARTTLS command first\r\n"),
        ]),
    );
    let server = ScriptedServer::start(steps).await;
    let target = server.addr.to_string();
    let run = probe(&[
        &target,
        "--no-starttls",
        "--auth",
        "plain",
        "--user",
        "u",
        "--password-env",
        "SMTPX_TEST_PASSWORD",
        "--timeout",
        "2",
    ])
    .await;
    assert_eq!(run.code, 24);
    let text = run.diagnosis("no AUTH before STARTTLS");
    assert!(text.contains("Send STARTTLS first"), "{text}");
    // The 530 says the same; it is not repeated.
    assert_eq!(run.diagnoses().len(), 1, "{:?}", run.diagnoses());
}

async fn refused_mail(reply_line: &str) -> ProbeRun {
    let steps = session(
        &["STARTTLS"],
        then_quit(vec![Step::expect("MAIL FROM:"), Step::send(reply_line)]),
    );
    let server = ScriptedServer::start(steps).await;
    let target = server.addr.to_string();
    probe(&[
        &target,
        "--no-starttls",
        "--from",
        "me@client.test",
        "--to",
        "you@example.org",
        "--timeout",
        "2",
    ])
    .await
}

#[tokio::test]
async fn reply_530_must_issue_starttls_is_explained() {
    let run = refused_mail("530 5.7.0 Must issue a STARTTLS command first\r\n").await;
    assert_eq!(run.code, 25);
    let text = run.diagnosis("requires STARTTLS");
    assert!(text.contains("--starttls"), "{text}");
}

#[tokio::test]
async fn reply_530_authentication_required_is_explained() {
    let run = refused_mail("530 5.7.0 Authentication required\r\n").await;
    assert_eq!(run.code, 25);
    let text = run.diagnosis("wants you to log in");
    assert!(text.contains("--auth"), "{text}");
}

#[tokio::test]
async fn reply_535_authentication_failed_is_explained() {
    let steps = session(
        &["AUTH PLAIN LOGIN"],
        then_quit(vec![
            Step::expect("AUTH PLAIN"),
            Step::send("535 5.7.8 Error: authentication failed\r\n"),
        ]),
    );
    let server = ScriptedServer::start(steps).await;
    let target = server.addr.to_string();
    let run = probe(&[
        &target,
        "--no-starttls",
        "--auth",
        "plain",
        "--user",
        "u",
        "--password-env",
        "SMTPX_TEST_PASSWORD",
        "--timeout",
        "2",
    ])
    .await;
    assert_eq!(run.code, 24);
    let text = run.diagnosis("rejected the user name or password");
    assert!(text.contains("535 5.7.8"), "{text}");
}

#[tokio::test]
async fn reply_554_relay_access_denied_is_explained() {
    let steps = session(
        &["STARTTLS"],
        then_quit(vec![
            Step::expect("MAIL FROM:"),
            Step::send("250 2.1.0 Ok\r\n"),
            Step::expect("RCPT TO:"),
            Step::send("554 5.7.1 <you@example.org>: Relay access denied\r\n"),
        ]),
    );
    let server = ScriptedServer::start(steps).await;
    let target = server.addr.to_string();
    let run = probe(&[
        &target,
        "--no-starttls",
        "--from",
        "me@client.test",
        "--to",
        "you@example.org",
        "--timeout",
        "2",
    ])
    .await;
    assert_eq!(run.code, 26);
    let text = run.diagnosis("will not relay");
    assert!(text.contains("Authenticate with AUTH"), "{text}");
}

#[tokio::test]
async fn certificate_name_mismatch_when_connecting_by_ip_is_explained() {
    let pki = TestPki::new();
    let tls = server_config(&pki.leaf(LeafKind::WrongName));
    let steps = session(
        &["STARTTLS"],
        then_quit(vec![
            Step::expect("STARTTLS"),
            Step::send("220 go ahead\r\n"),
            Step::StartTls,
            Step::expect("EHLO"),
            Step::send("250 mx.test\r\n"),
        ]),
    );
    let server = ScriptedServer::start_starttls(tls, steps).await;
    let target = server.addr.to_string();
    let ca = pki.ca_file();
    let run = probe(&[
        &target,
        "--ca-file",
        ca.to_str().expect("utf-8 path"),
        "--quit-after",
        "tls",
        "--timeout",
        "2",
    ])
    .await;
    assert_eq!(run.code, 0, "{}", run.stdout);
    let text = run.diagnosis("does not cover 127.0.0.1");
    assert!(text.contains("wrong.example.com"), "{text}");
    assert!(text.contains("--verify-name"), "{text}");
}
