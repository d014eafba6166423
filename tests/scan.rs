//! `smtpx scan` against scripted loopback servers: a plaintext port with STARTTLS and AUTH
//! only after TLS, an old plaintext port with AUTH in clear, implicit TLS, a port that
//! accepts and stays silent, a refused port, SSH and HTTP banners, a legacy TLS server, and a
//! certificate for another name. Each test checks the classification, the diagnoses, and
//! that nothing beyond EHLO, STARTTLS and QUIT reached the server; the table is a snapshot.

mod support;

use std::sync::Arc;

use clap::Parser;
use smtpx::cli::scan::ScanArgs;
use smtpx::cli::{Cli, CommandKind};
use smtpx::scan::report::TlsStartedBy;
use smtpx::scan::{PortReport, Reach, ScanReport, Speaks};
use support::*;

fn scan_args(list: &[String]) -> ScanArgs {
    let cli = Cli::try_parse_from(
        ["smtpx", "scan"]
            .into_iter()
            .map(String::from)
            .chain(list.iter().cloned()),
    )
    .expect("valid scan arguments");
    match cli.command {
        Some(CommandKind::Scan(args)) => args,
        other => panic!("expected scan, got {other:?}"),
    }
}

/// Scans 127.0.0.1 in-process with `--ehlo scan.test`.
async fn scan(ports: &[u16], extra: &[&str]) -> ScanReport {
    let ports: Vec<String> = ports.iter().map(u16::to_string).collect();
    let mut list = vec![
        "127.0.0.1".to_string(),
        "--ports".to_string(),
        ports.join(","),
        "--ehlo".to_string(),
        "scan.test".to_string(),
    ];
    list.extend(extra.iter().map(|s| s.to_string()));
    let args = scan_args(&list);
    let (host, ports) = args.targets().expect("valid targets");
    let config = args.config().expect("valid config");
    smtpx::scan::scan(&host, &ports, &config).await
}

fn kinds(port: &PortReport) -> Vec<&'static str> {
    port.diagnoses.iter().map(|d| d.name()).collect()
}

fn starttls_server_steps() -> Vec<Step> {
    vec![
        Step::send("220 mx.test ESMTP ready\r\n"),
        Step::expect("EHLO"),
        Step::Send(reply(250, &["mx.test", "PIPELINING", "STARTTLS"])),
        Step::expect("STARTTLS"),
        Step::send("220 2.0.0 go ahead\r\n"),
        Step::StartTls,
        Step::expect("EHLO"),
        Step::Send(reply(250, &["mx.test", "PIPELINING", "AUTH PLAIN LOGIN"])),
        Step::expect("QUIT"),
        Step::send("221 2.0.0 bye\r\n"),
        Step::Close,
    ]
}

fn implicit_steps() -> Vec<Step> {
    vec![
        Step::send("220 smtps.test ESMTP\r\n"),
        Step::expect("EHLO"),
        Step::Send(reply(250, &["smtps.test", "AUTH PLAIN"])),
        Step::expect("QUIT"),
        Step::send("221 bye\r\n"),
        Step::Close,
    ]
}

/// Implicit TLS: the first connection (plaintext, silent) fails its handshake when the scan
/// gives up on it; the second one starts with a ClientHello.
async fn implicit_server(tls: Arc<rustls::ServerConfig>, steps: Vec<Step>) -> ScriptedServer {
    let opts = ServerOptions {
        tls: Some(tls),
        implicit_tls: true,
        connections: 2,
        ..ServerOptions::default()
    };
    ScriptedServer::start_with(opts, steps).await
}

/// A port that answers nothing on the first connection and plays `steps` on the second.
async fn silent_then(steps: Vec<Step>) -> ScriptedServer {
    let opts = ServerOptions {
        connections: 2,
        ..ServerOptions::default()
    };
    let mut all = vec![Step::ReadSome];
    all.extend(steps);
    ScriptedServer::start_with(opts, all).await
}

/// Fixes what changes from run to run (times, ports, days left, the temporary CA file) so
/// the table can be a snapshot.
fn normalised(mut report: ScanReport, names: &[(u16, &str)], ca: &str) -> String {
    for port in &mut report.ports {
        if let Some(tls) = &mut port.tls {
            // The leaf is valid for 90 days from its making; a second later it is 89.
            tls.days_left = Some(89);
            tls.verdict = tls
                .verdict
                .replace("valid 90 days", "valid 89 days")
                .replace(ca, "/tmp/ca.pem");
        }
        if let Reach::Open { connect_ms } = &mut port.reach {
            *connect_ms = 0;
        }
        if let Some(greeting) = &mut port.greeting {
            greeting.after_ms = 7;
        }
    }
    let mut text = smtpx::scan::table::render(&report);
    for (port, name) in names {
        text = text.replace(&port.to_string(), name);
    }
    text
}

#[tokio::test]
async fn starttls_port_with_auth_only_after_tls_is_classified_and_recommended() {
    let pki = TestPki::new();
    let tls = server_config(&pki.leaf(LeafKind::Good));
    let mut server = ScriptedServer::start_starttls(tls, starttls_server_steps()).await;
    let ca = pki.ca_file();
    let report = scan(
        &[server.addr.port()],
        &[
            "--timeout",
            "2",
            "--ca-file",
            ca.to_str().expect("utf-8 path"),
        ],
    )
    .await;
    let port = &report.ports[0];
    assert!(matches!(port.reach, Reach::Open { .. }));
    assert_eq!(port.speaks, Speaks::Smtp);
    assert_eq!(port.starttls_offered, Some(true));
    assert_eq!(port.auth_before_tls, Some(vec![]));
    assert_eq!(
        port.auth_after_tls,
        Some(vec!["PLAIN".to_string(), "LOGIN".to_string()])
    );
    let tls = port.tls.as_ref().expect("TLS after STARTTLS");
    assert_eq!(tls.started_by, TlsStartedBy::StartTls);
    assert!(tls.verified, "{}", tls.verdict);
    assert_eq!(tls.subject.as_deref(), Some("CN=localhost"));
    assert!(tls.days_left.is_some_and(|d| d > 80));
    assert_eq!(kinds(port), ["auth_only_after_starttls"]);
    let greeting = port.greeting.as_ref().expect("greeting");
    assert_eq!(greeting.text, "220 mx.test ESMTP ready");
    let best = report.verdict.submission.as_ref().expect("a way to submit");
    assert_eq!(best.port, server.addr.port());
    assert_eq!(best.tls, TlsStartedBy::StartTls);
    assert_eq!(report.exit_code(), 0);
    // Nothing beyond EHLO, STARTTLS and QUIT.
    assert_eq!(
        server.received_lines().await,
        [
            "EHLO scan.test\r\n",
            "STARTTLS\r\n",
            "EHLO scan.test\r\n",
            "QUIT\r\n"
        ]
    );
}

#[tokio::test]
async fn plaintext_port_with_auth_in_clear_is_flagged_and_not_recommended() {
    let steps = vec![
        Step::send("220 old.test ESMTP\r\n"),
        Step::expect("EHLO"),
        Step::Send(reply(250, &["old.test", "AUTH PLAIN LOGIN", "8BITMIME"])),
        Step::expect("QUIT"),
        Step::send("221 bye\r\n"),
        Step::Close,
    ];
    let mut server = ScriptedServer::start(steps).await;
    let report = scan(&[server.addr.port()], &["--timeout", "2"]).await;
    let port = &report.ports[0];
    assert_eq!(port.speaks, Speaks::Smtp);
    assert_eq!(port.starttls_offered, Some(false));
    assert!(port.tls.is_none());
    assert_eq!(kinds(port), ["starttls_not_offered", "auth_over_plaintext"]);
    assert!(report.verdict.submission.is_none());
    assert!(
        report.verdict.client.contains("only in plaintext"),
        "{}",
        report.verdict.client
    );
    assert_eq!(
        server.received_lines().await,
        ["EHLO scan.test\r\n", "QUIT\r\n"]
    );
}

#[tokio::test]
async fn escape_sequences_in_auth_mechanism_names_never_reach_the_terminal() {
    // OSC 0 sets the window title, OSC 52 writes the clipboard, CSI clears the screen.
    let hostile = "AUTH \x1b]0;TITLE\x07 \x1b]52;c;ZXZpbA==\x07 \x1b[2J PLAIN";
    let steps = vec![
        Step::send("220 old.test ESMTP\r\n"),
        Step::expect("EHLO"),
        Step::Send(reply(250, &["old.test", hostile])),
        Step::expect("QUIT"),
        Step::send("221 bye\r\n"),
        Step::Close,
    ];
    let _server = ScriptedServer::start(steps.clone()).await;
    let report = scan(&[_server.addr.port()], &["--timeout", "2"]).await;
    let table = smtpx::scan::table::render(&report);
    assert!(
        !table.contains('\x1b') && !table.contains('\x07'),
        "{table:?}"
    );
    assert!(table.contains("\\x1b]0;TITLE"), "{table}");
}

#[tokio::test]
async fn silent_port_that_answers_a_client_hello_is_implicit_tls() {
    let pki = TestPki::new();
    let tls = server_config(&pki.leaf(LeafKind::Good));
    let mut server = implicit_server(tls, implicit_steps()).await;
    let report = scan(&[server.addr.port()], &["--timeout", "0.5"]).await;
    let port = &report.ports[0];
    assert_eq!(port.speaks, Speaks::Tls);
    assert!(port.speaks_smtp());
    let tls = port.tls.as_ref().expect("implicit TLS");
    assert_eq!(tls.started_by, TlsStartedBy::Implicit);
    assert!(!tls.verified, "not verified without --ca-file");
    assert_eq!(port.auth_after_tls, Some(vec!["PLAIN".to_string()]));
    assert_eq!(kinds(port), ["expects_implicit_tls"]);
    let best = report.verdict.submission.as_ref().expect("a way to submit");
    assert_eq!(best.tls, TlsStartedBy::Implicit);
    // The first connection got no byte from the scan; the second, inside TLS, this:
    let first = server.finish().await;
    assert!(
        first.iter().any(|e| matches!(e, Event::TlsFailed(_))),
        "{first:?}"
    );
    assert_eq!(
        server.received_lines().await,
        ["EHLO scan.test\r\n", "QUIT\r\n"]
    );
}

#[tokio::test]
async fn silent_port_refused_port_and_banners_are_told_apart() {
    // Accepts (the kernel completes the handshake) and never says anything.
    let silent = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let silent_port = silent.local_addr().expect("addr").port();
    let refused = unused_port();
    let mut ssh = ScriptedServer::start(vec![
        Step::send("SSH-2.0-OpenSSH_9.2\r\n"),
        Step::ExpectClose,
    ])
    .await;
    let mut http = silent_then(vec![
        Step::send("HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n"),
        Step::Close,
    ])
    .await;
    let mut legacy = silent_then(vec![
        Step::Send(ALERT_HANDSHAKE_FAILURE.to_vec()),
        Step::Close,
    ])
    .await;
    let ports = [
        silent_port,
        refused,
        ssh.addr.port(),
        http.addr.port(),
        legacy.addr.port(),
    ];
    let report = scan(&ports, &["--timeout", "0.5"]).await;
    let by_port = |p: u16| report.ports.iter().find(|r| r.port == p).expect("port");

    let quiet = by_port(silent_port);
    assert!(matches!(quiet.reach, Reach::Open { .. }));
    assert_eq!(quiet.speaks, Speaks::Nothing);
    assert!(
        quiet
            .problem
            .as_deref()
            .is_some_and(|p| p.contains("ClientHello"))
    );

    assert_eq!(by_port(refused).reach, Reach::Refused);
    assert!(
        kinds(by_port(refused)).is_empty(),
        "only port 25 is called blocked"
    );

    let ssh_port = by_port(ssh.addr.port());
    assert_eq!(ssh_port.speaks, Speaks::Other);
    assert_eq!(ssh_port.banner.as_deref(), Some("SSH-2.0-OpenSSH_9.2"));
    assert_eq!(kinds(ssh_port), ["not_smtp"]);
    assert!(
        ssh_port.diagnoses[0]
            .message()
            .contains("which is SSH, not SMTP")
    );

    let http_port = by_port(http.addr.port());
    assert_eq!(http_port.speaks, Speaks::Other);
    assert_eq!(
        http_port.banner.as_deref(),
        Some("HTTP/1.1 400 Bad Request")
    );
    assert!(http_port.diagnoses[0].message().contains("which is HTTP"));

    let legacy_port = by_port(legacy.addr.port());
    assert_eq!(legacy_port.speaks, Speaks::Tls);
    assert!(
        legacy_port
            .tls_error
            .as_deref()
            .is_some_and(|e| e.contains("TLS 1.0/1.1")),
        "{legacy_port:?}"
    );

    assert!(report.verdict.submission.is_none());
    assert_eq!(report.exit_code(), 21, "ports answered, none with SMTP");
    // The SSH server heard nothing from us; the others only a ClientHello (binary).
    let ssh_events = ssh.finish().await;
    assert!(
        ssh_events.iter().all(|e| e.line().is_none()),
        "{ssh_events:?}"
    );
    for server in [&mut http, &mut legacy] {
        let first = server.finish().await;
        assert!(first.contains(&Event::ClientClosed), "{first:?}");
        let second = server.finish().await;
        assert!(
            second
                .iter()
                .any(|e| matches!(e, Event::ReceivedBytes(b) if b.first() == Some(&0x16))),
            "a TLS handshake record: {second:?}"
        );
    }
    drop(silent);
}

#[tokio::test]
async fn certificate_for_another_name_is_diagnosed() {
    let pki = TestPki::new();
    let tls = server_config(&pki.leaf(LeafKind::WrongName));
    let server = ScriptedServer::start_starttls(tls, starttls_server_steps()).await;
    let ca = pki.ca_file();
    let report = scan(
        &[server.addr.port()],
        &[
            "--timeout",
            "2",
            "--ca-file",
            ca.to_str().expect("utf-8 path"),
        ],
    )
    .await;
    let port = &report.ports[0];
    assert!(!port.tls.as_ref().expect("TLS").verified);
    let mismatch = port
        .diagnoses
        .iter()
        .find(|d| d.name() == "certificate_name_mismatch")
        .expect("name mismatch diagnosed");
    let text = mismatch.message();
    assert!(text.contains("connected by IP address"), "{text}");
    assert!(text.contains("wrong.example.com"), "{text}");
}

#[tokio::test]
async fn two_submission_ports_prefer_implicit_tls_and_the_table_is_stable() {
    let pki = TestPki::new();
    let tls = server_config(&pki.leaf(LeafKind::Good));
    let starttls = ScriptedServer::start_starttls(tls.clone(), starttls_server_steps()).await;
    let implicit = implicit_server(tls, implicit_steps()).await;
    let (a, b) = (starttls.addr.port(), implicit.addr.port());
    let ca = pki.ca_file();
    let report = scan(
        &[a, b],
        &[
            "--timeout",
            "0.5",
            "--ca-file",
            ca.to_str().expect("utf-8 path"),
        ],
    )
    .await;
    let best = report.verdict.submission.as_ref().expect("a way to submit");
    assert_eq!((best.port, best.tls), (b, TlsStartedBy::Implicit));
    assert_eq!(report.verdict.alternatives[0].port, a);
    let text = smtpx::scan::table::render(&report);
    assert!(text.lines().all(|l| l.chars().count() <= 100), "{text}");
    // Ephemeral ports have five digits, so the replacements keep the columns.
    if a >= 10_000 && b >= 10_000 {
        insta::assert_snapshot!(
            "two_submission_ports",
            normalised(
                report,
                &[(a, "40587"), (b, "40465")],
                ca.to_str().expect("utf-8 path")
            )
        );
    }
}

#[tokio::test]
async fn the_binary_prints_json_and_exits_20_when_nothing_is_reachable() {
    let port = unused_port();
    let output = tokio::task::spawn_blocking(move || {
        std::process::Command::new(env!("CARGO_BIN_EXE_smtpx"))
            .env("XDG_STATE_HOME", env!("CARGO_TARGET_TMPDIR"))
            .args(["scan", "127.0.0.1", "--ports", &port.to_string(), "--json"])
            .output()
            .expect("run smtpx")
    })
    .await
    .expect("task");
    assert_eq!(output.status.code(), Some(20));
    let json: serde_json::Value =
        serde_json::from_slice(&output.stdout).expect("one JSON document");
    assert_eq!(json["ports"][0]["reach"]["state"], "refused");
    assert!(
        json["verdict"]["client"]
            .as_str()
            .is_some_and(|t| t.contains("No port"))
    );
}

#[tokio::test]
async fn starttls_on_only_some_ports_is_diagnosed_across_ports() {
    let pki = TestPki::new();
    let tls = server_config(&pki.leaf(LeafKind::Good));
    let with = ScriptedServer::start_starttls(tls, starttls_server_steps()).await;
    let without = ScriptedServer::start(vec![
        Step::send("220 relay.test ESMTP\r\n"),
        Step::expect("EHLO"),
        Step::Send(reply(250, &["relay.test", "PIPELINING"])),
        Step::expect("QUIT"),
        Step::send("221 bye\r\n"),
        Step::Close,
    ])
    .await;
    let (a, b) = (with.addr.port(), without.addr.port());
    let report = scan(&[a, b], &["--timeout", "2"]).await;
    let names: Vec<&str> = report.diagnoses.iter().map(|d| d.name()).collect();
    assert_eq!(names, ["starttls_on_some_ports"]);
    let text = report.diagnoses[0].message();
    assert!(
        text.contains(&format!("offered on port {a} but not on port {b}")),
        "{text}"
    );
    // The plaintext-only port without AUTH is what an MTA would meet.
    assert!(
        report.verdict.mta.contains(&format!("port {b}")),
        "{}",
        report.verdict.mta
    );
}
