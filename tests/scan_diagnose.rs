//! Every classic failure, diagnosed in plain words: the message of each
//! [`Diagnosis`] is a snapshot, and each one is provoked for real against a scripted
//! loopback server through `smtpx probe --json` (the diagnosis arrives as a
//! `diagnosis: …` note right after the event that shows it).

mod support;

use smtpx::diagnose::Diagnosis;
use support::probe::{ProbeRun, probe_json};
use support::*;

/// One of each, with the values a real session would give.
fn every_diagnosis() -> Vec<Diagnosis> {
    vec![
        Diagnosis::Port25Blocked { refused: false },
        Diagnosis::Port25Blocked { refused: true },
        Diagnosis::Refused { port: 587 },
        Diagnosis::Filtered {
            port: 587,
            after: std::time::Duration::from_secs(4),
        },
        Diagnosis::ExpectsImplicitTls { port: 465 },
        Diagnosis::SilentPort {
            port: 2525,
            waited: std::time::Duration::from_millis(4500),
        },
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

/// The diagnosis notes of a run, without their `diagnosis: ` prefix.
fn diagnoses(run: &ProbeRun) -> Vec<String> {
    run.of("note")
        .iter()
        .filter_map(|e| e["message"].as_str())
        .filter_map(|m| m.strip_prefix("diagnosis: "))
        .map(str::to_string)
        .collect()
}

/// Asserts the probe exited with `exit` and printed a diagnosis containing `needle` that
/// also mentions each of `mentions` (the fix it suggests, the evidence it quotes).
fn explained(run: &ProbeRun, exit: i32, needle: &str, mentions: &[&str]) {
    assert_eq!(run.code, exit, "{}", run.stdout);
    let found = diagnoses(run);
    let text = found
        .iter()
        .find(|d| d.contains(needle))
        .unwrap_or_else(|| panic!("no diagnosis with {needle:?} in {found:?}\n{}", run.stdout));
    for mention in mentions {
        assert!(text.contains(mention), "{mention:?} not in {text}");
    }
}

/// `smtpx probe <args> --json --ehlo client.test --no-record`, with a password in
/// `SMTPX_TEST_PASSWORD`.
async fn probe(args: &[&str]) -> ProbeRun {
    let mut args: Vec<String> = args.iter().map(|s| s.to_string()).collect();
    args.extend(["--ehlo", "client.test", "--no-record"].map(String::from));
    probe_json(args, &[("SMTPX_TEST_PASSWORD", "pw")]).await
}

/// Probe arguments for `target`: plaintext (no STARTTLS), a 2 s timeout, then `rest`.
fn plaintext_args<'a>(target: &'a str, rest: &[&'a str]) -> Vec<&'a str> {
    let mut args = vec![target, "--no-starttls"];
    args.extend(rest);
    args.extend(["--timeout", "2"]);
    args
}

/// AUTH PLAIN as user `u` with the password from the environment, over plaintext, to a
/// server offering `keywords` that answers AUTH with `reply_line`.
async fn refused_auth(keywords: &[&str], reply_line: &str) -> ProbeRun {
    let steps = session(
        keywords,
        vec![Step::expect("AUTH PLAIN"), Step::send(reply_line)],
    );
    let server = ScriptedServer::start(steps).await;
    let target = server.addr.to_string();
    let rest = [
        "--allow-insecure-auth",
        "--auth",
        "plain",
        "--user",
        "u",
        "--password-env",
        "SMTPX_TEST_PASSWORD",
    ];
    probe(&plaintext_args(&target, &rest)).await
}

/// A mail from `me@client.test` to `you@example.org`, over plaintext.
async fn probe_mail(server: &ScriptedServer) -> ProbeRun {
    let target = server.addr.to_string();
    let rest = ["--from", "me@client.test", "--to", "you@example.org"];
    probe(&plaintext_args(&target, &rest)).await
}

/// Greeting, EHLO with `keywords`, then `rest`, then QUIT.
fn session(keywords: &[&str], rest: Vec<Step>) -> Vec<Step> {
    let mut lines = vec!["mx.test"];
    lines.extend(keywords);
    let mut steps = vec![
        Step::send("220 mx.test ESMTP\r\n"),
        Step::expect("EHLO"),
        Step::Send(reply(250, &lines)),
    ];
    steps.extend(rest);
    steps.extend([Step::expect("QUIT"), Step::send("221 bye\r\n"), Step::Close]);
    steps
}

#[tokio::test]
async fn port_25_refused_suggests_the_submission_ports() {
    if std::net::TcpStream::connect("127.0.0.1:25").is_ok() {
        eprintln!("note: something listens on 127.0.0.1:25; skipping");
        return;
    }
    let run = probe(&["127.0.0.1:25", "--timeout", "2"]).await;
    explained(&run, 20, "Port 25 refused", &["587", "465"]);
}

#[tokio::test]
async fn plaintext_to_an_implicit_tls_port_suggests_tls_on_connect() {
    let config = smtpx::sandbox::SandboxConfig {
        tls_listen: Some("127.0.0.1:0".parse().expect("literal address")),
        ..smtpx::sandbox::SandboxConfig::default()
    };
    let sandbox = smtpx::sandbox::start(config).await.expect("sandbox");
    let target = sandbox
        .tls_addr()
        .expect("implicit TLS listener")
        .to_string();
    let run = probe(&[
        &target,
        "--no-tls-on-connect",
        "--greeting-wait",
        "0.3",
        "--timeout",
        "2",
    ])
    .await;
    explained(
        &run,
        21,
        "This port expects implicit TLS",
        &["ClientHello", "--tls-on-connect"],
    );
    sandbox.shutdown().await;
}

/// A port that accepts and says nothing is not called implicit TLS.
#[tokio::test]
async fn a_silent_port_is_called_silent() {
    let server = ScriptedServer::start(vec![Step::ReadSome]).await;
    let target = server.addr.to_string();
    let run = probe(&[&target, "--greeting-wait", "0.3", "--timeout", "1"]).await;
    explained(&run, 21, "said nothing", &["not implicit TLS", "tarpit"]);
    assert!(
        !diagnoses(&run)
            .iter()
            .any(|d| d.contains("--tls-on-connect"))
    );
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
    // A TLS failure is 23, on implicit TLS as after STARTTLS.
    explained(
        &run,
        23,
        "answered in plaintext",
        &["'220 mx.test ESMTP'", "use STARTTLS"],
    );
}

#[tokio::test]
async fn starttls_not_offered_is_explained() {
    let mut server = ScriptedServer::start(session(&["PIPELINING"], vec![])).await;
    let target = server.addr.to_string();
    let run = probe(&[&target, "--starttls", "--timeout", "2"]).await;
    explained(&run, 23, "does not offer STARTTLS", &["plaintext"]);
    drop(server.finish().await);
}

#[tokio::test]
async fn auth_before_starttls_on_a_submission_port_says_starttls_first() {
    let run = refused_auth(
        &["STARTTLS"],
        "530 5.7.0 Must issue a STARTTLS command first\r\n",
    )
    .await;
    explained(
        &run,
        24,
        "no AUTH before STARTTLS",
        &["Send STARTTLS first"],
    );
    // The 530 says the same; it is not repeated.
    assert_eq!(diagnoses(&run).len(), 1, "{:?}", diagnoses(&run));
}

async fn refused_mail(reply_line: &str) -> ProbeRun {
    let steps = session(
        &["STARTTLS"],
        vec![Step::expect("MAIL FROM:"), Step::send(reply_line)],
    );
    let server = ScriptedServer::start(steps).await;
    probe_mail(&server).await
}

#[tokio::test]
async fn reply_530_must_issue_starttls_is_explained() {
    let run = refused_mail("530 5.7.0 Must issue a STARTTLS command first\r\n").await;
    explained(&run, 25, "requires STARTTLS", &["--starttls"]);
}

#[tokio::test]
async fn reply_530_authentication_required_is_explained() {
    let run = refused_mail("530 5.7.0 Authentication required\r\n").await;
    explained(&run, 25, "wants you to log in", &["--auth"]);
}

#[tokio::test]
async fn reply_535_authentication_failed_is_explained() {
    let run = refused_auth(
        &["AUTH PLAIN LOGIN"],
        "535 5.7.8 Error: authentication failed\r\n",
    )
    .await;
    explained(
        &run,
        24,
        "rejected the user name or password",
        &["535 5.7.8"],
    );
}

#[tokio::test]
async fn reply_554_relay_access_denied_is_explained() {
    let steps = session(
        &["STARTTLS"],
        vec![
            Step::expect("MAIL FROM:"),
            Step::send("250 2.1.0 Ok\r\n"),
            Step::expect("RCPT TO:"),
            Step::send("554 5.7.1 <you@example.org>: Relay access denied\r\n"),
        ],
    );
    let server = ScriptedServer::start(steps).await;
    let run = probe_mail(&server).await;
    explained(&run, 26, "will not relay", &["Authenticate with AUTH"]);
}

#[tokio::test]
async fn certificate_name_mismatch_when_connecting_by_ip_is_explained() {
    let pki = TestPki::new();
    let tls = server_config(&pki.leaf(LeafKind::WrongName));
    let steps = session(
        &["STARTTLS"],
        vec![
            Step::expect("STARTTLS"),
            Step::send("220 go ahead\r\n"),
            Step::StartTls,
            Step::expect("EHLO"),
            Step::send("250 mx.test\r\n"),
        ],
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
    explained(
        &run,
        0,
        "does not cover 127.0.0.1",
        &["wrong.example.com", "--verify-name"],
    );
}
