//! STARTTLS and TLS attacks: a close or garbage where the handshake belongs, plaintext
//! injected after the 220 to STARTTLS, alerts mid-session, absurd certificates, and
//! escape sequences in certificate fields.

use std::sync::Arc;
use std::time::Duration;

use rcgen::{CertificateParams, DnType, KeyPair, SanType};
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use smtpx::net::TlsOptions;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use super::harness::{probe, probe_text, tui};
use super::support::{Identity, LeafKind, ScriptedServer, Step, reply, server_config, test_pki};
use super::{quit, strs};

fn starttls_args(server: &ScriptedServer) -> Vec<String> {
    vec![
        server.addr.to_string(),
        "--ehlo".into(),
        "client.test".into(),
        "--timeout".into(),
        "1".into(),
        "--starttls".into(),
        "--quit-after".into(),
        "tls".into(),
    ]
}

/// Greeting, EHLO offering STARTTLS, STARTTLS; then `after`.
fn until_starttls(after: Vec<Step>) -> Vec<Step> {
    let mut steps = vec![
        Step::send("220 mx.test ESMTP\r\n"),
        Step::expect("EHLO"),
        Step::Send(reply(250, &["mx.test", "STARTTLS"])),
        Step::expect("STARTTLS"),
    ];
    steps.extend(after);
    steps
}

fn tls_config(identity: &Identity) -> Arc<rustls::ServerConfig> {
    server_config(identity)
}

#[tokio::test]
async fn close_right_after_the_220_to_starttls_is_named() {
    let steps = until_starttls(vec![Step::send("220 go ahead\r\n"), Step::Close]);
    let server = ScriptedServer::start(steps).await;
    let run = probe(&strs(&starttls_args(&server)), &[]).await;
    assert_eq!(run.code, Some(23), "{}", run.stdout);
    run.says("TLS handshake");
    run.recorded_starts_with(&[220, 250, 220]);

    let steps = until_starttls(vec![Step::send("220 go ahead\r\n"), Step::Close]);
    let server = ScriptedServer::start(steps).await;
    let mut ui = tui(
        server.target(),
        TlsOptions::default(),
        &["EHLO me", "STARTTLS"],
        Duration::from_millis(300),
    )
    .await;
    ui.assert_escaped();
    assert!(ui.text().contains("TLS handshake"), "{}", ui.text());
}

#[tokio::test]
async fn garbage_instead_of_a_server_hello_is_shown() {
    let steps = until_starttls(vec![
        Step::send("220 go ahead\r\n"),
        Step::ReadSome,
        Step::send("HTTP/1.1 400 Bad Request\r\n\x1b[31m\r\n"),
        Step::Sleep(200),
    ]);
    let server = ScriptedServer::start(steps).await;
    let run = probe(&strs(&starttls_args(&server)), &[]).await;
    assert_eq!(run.code, Some(23), "{}", run.stdout);
    run.says("TLS handshake failed");
    run.recorded_starts_with(&[220, 250, 220]);

    let steps = until_starttls(vec![
        Step::send("220 go ahead\r\n"),
        Step::ReadSome,
        Step::send("HTTP/1.1 400 Bad Request\r\n\x1b[31m\r\n"),
        Step::Sleep(200),
    ]);
    let server = ScriptedServer::start(steps).await;
    let mut ui = tui(
        server.target(),
        TlsOptions::default(),
        &["EHLO me", "STARTTLS"],
        Duration::from_millis(300),
    )
    .await;
    ui.assert_escaped();
    assert!(ui.text().contains("TLS handshake failed"), "{}", ui.text());
}

#[tokio::test]
async fn plaintext_injected_in_the_same_segment_as_the_220_is_discarded() {
    let pki = test_pki();
    let config = tls_config(&pki.leaf(LeafKind::Good));
    let mut steps = until_starttls(vec![
        Step::SendThenStartTls(b"220 go ahead\r\n250-injected\r\n250 AUTH PLAIN\r\n".to_vec()),
        Step::expect("EHLO"),
        Step::Send(reply(250, &["mx.test", "AUTH PLAIN"])),
    ]);
    steps.extend(quit());
    let server = ScriptedServer::start_starttls(config.clone(), steps).await;
    let run = probe(&strs(&starttls_args(&server)), &[]).await;
    assert_eq!(run.code, Some(0), "{}", run.stdout);
    run.says("CVE-2011-0411");
    assert_eq!(run.of("finding")[0]["kind"], "injected_plaintext");
    run.recorded_starts_with(&[220, 250, 220]);

    let mut steps = until_starttls(vec![
        Step::SendThenStartTls(b"220 go ahead\r\n250-injected\r\n250 AUTH PLAIN\r\n".to_vec()),
        Step::expect("EHLO"),
        Step::Send(reply(250, &["mx.test", "AUTH PLAIN"])),
    ]);
    steps.extend(quit());
    let server = ScriptedServer::start_starttls(config, steps).await;
    let mut ui = tui(
        server.target(),
        TlsOptions::default(),
        &["EHLO me", "STARTTLS", "EHLO me"],
        Duration::from_millis(300),
    )
    .await;
    ui.assert_escaped();
    assert!(ui.text().contains("CVE-2011-0411"), "{}", ui.text());
}

#[tokio::test]
async fn plaintext_injected_in_a_later_segment_is_never_trusted() {
    let pki = test_pki();
    let config = tls_config(&pki.leaf(LeafKind::Good));
    let steps = until_starttls(vec![
        Step::send("220 go ahead\r\n"),
        Step::Sleep(30),
        Step::SendThenStartTls(b"250-injected later\r\n250 AUTH PLAIN\r\n".to_vec()),
        Step::expect("EHLO"),
        Step::Send(reply(250, &["mx.test"])),
    ]);
    let server = ScriptedServer::start_starttls(config, steps).await;
    let run = probe(&strs(&starttls_args(&server)), &[]).await;
    // Either seen before the ClientHello went out (a finding) or read by rustls as a
    // broken TLS record (the handshake fails and the error shows the plaintext).
    let messages = run.messages();
    assert!(
        messages.contains("CVE-2011-0411") || messages.contains("250-injected later"),
        "{messages}"
    );
    assert!(
        run.of("reply")
            .iter()
            .all(|r| r["layer"] != "tls" || !r.to_string().contains("injected")),
        "an injected reply was treated as TLS-protected: {}",
        run.stdout
    );
    run.recorded_starts_with(&[220, 250, 220]);
}

#[tokio::test]
async fn close_notify_in_the_middle_of_a_tls_reply_is_named() {
    let pki = test_pki();
    let config = tls_config(&pki.leaf(LeafKind::Good));
    let steps = until_starttls(vec![
        Step::send("220 go ahead\r\n"),
        Step::StartTls,
        Step::expect("EHLO"),
        Step::send("250-mx.test\r\n250-PIPELINING\r\n"),
        Step::Close,
    ]);
    let server = ScriptedServer::start_starttls(config, steps).await;
    let run = probe(&strs(&starttls_args(&server)), &[]).await;
    assert_eq!(run.code, Some(23), "{}", run.stdout);
    run.says("in the middle of a reply");
    run.recorded_starts_with(&[220, 250, 220, 250]);
}

/// A server that finishes the TLS handshake, answers EHLO in part, then writes a fatal
/// alert record in the clear under the TLS session (what a broken middlebox does).
#[tokio::test]
async fn fatal_tls_alert_mid_session_is_named() {
    let pki = test_pki();
    let acceptor = tokio_rustls::TlsAcceptor::from(tls_config(&pki.leaf(LeafKind::Good)));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    // Two sessions: the probe's, then the explorer's.
    let server = tokio::spawn(async move {
        for _ in 0..2 {
            alert_session(&listener, &acceptor).await;
        }
    });
    let run = probe(
        &[
            &addr.to_string(),
            "--ehlo",
            "client.test",
            "--timeout",
            "1",
            "--starttls",
            "--quit-after",
            "tls",
        ],
        &[],
    )
    .await;
    assert_eq!(run.code, Some(23), "{}", run.stdout);
    assert!(
        run.messages().to_lowercase().contains("alert") || run.messages().contains("network error"),
        "{}",
        run.messages()
    );
    run.recorded_starts_with(&[220, 250, 220]);

    let mut ui = tui(
        smtpx::net::Target::new("127.0.0.1", addr.port()),
        TlsOptions::default(),
        &["EHLO me", "STARTTLS", "EHLO me"],
        Duration::from_millis(300),
    )
    .await;
    ui.assert_escaped();
    let text = ui.text().to_lowercase();
    assert!(
        text.contains("alert") || text.contains("network error"),
        "{text}"
    );
    ui.recorded_starts_with(&[220, 250, 220]);
    server.abort();
}

/// One session of [`fatal_tls_alert_mid_session_is_named`]'s server.
async fn alert_session(listener: &tokio::net::TcpListener, acceptor: &tokio_rustls::TlsAcceptor) {
    let (mut tcp, _) = listener.accept().await.expect("accept");
    let mut buf = vec![0u8; 4096];
    tcp.write_all(b"220 mx.test\r\n").await.expect("greeting");
    let _ = tcp.read(&mut buf).await;
    tcp.write_all(b"250-mx.test\r\n250 STARTTLS\r\n")
        .await
        .expect("ehlo");
    let _ = tcp.read(&mut buf).await;
    tcp.write_all(b"220 go\r\n").await.expect("go");
    let Ok(mut tls) = acceptor.accept(tcp).await else {
        return;
    };
    let _ = tls.read(&mut buf).await;
    let _ = tls.write_all(b"250-mx.test\r\n").await;
    let _ = tls.flush().await;
    let (tcp, _) = tls.get_mut();
    // level fatal (2), internal_error (80)
    let _ = tcp
        .write_all(&[0x15, 0x03, 0x03, 0x00, 0x02, 0x02, 0x50])
        .await;
    tokio::time::sleep(Duration::from_millis(500)).await;
}

fn key_der(key: &KeyPair) -> PrivateKeyDer<'static> {
    PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(key.serialize_der()))
}

#[tokio::test]
async fn fifty_certificate_chain_is_reported_not_trusted() {
    let pki = test_pki();
    let mut identity = pki.leaf(LeafKind::Good);
    for i in 0..48 {
        let key = KeyPair::generate().expect("key");
        let mut params = CertificateParams::new(Vec::<String>::new()).expect("params");
        params
            .distinguished_name
            .push(DnType::CommonName, format!("junk intermediate {i}"));
        identity
            .chain
            .push(params.self_signed(&key).expect("sign").der().clone());
    }
    assert_eq!(identity.chain.len(), 50);
    let mut steps = until_starttls(vec![
        Step::send("220 go ahead\r\n"),
        Step::StartTls,
        Step::expect("EHLO"),
        Step::Send(reply(250, &["mx.test"])),
    ]);
    steps.extend(quit());
    let server = ScriptedServer::start_starttls(tls_config(&identity), steps).await;
    let run = probe(&strs(&starttls_args(&server)), &[]).await;
    let tls = run.of("tls");
    assert_eq!(tls.len(), 1, "{}", run.stdout);
    assert_eq!(tls[0]["chain"].as_array().map(Vec::len), Some(50));
    run.says("NOT verified");
    run.recorded_starts_with(&[220, 250, 220, 250]);

    let mut steps = until_starttls(vec![
        Step::send("220 go ahead\r\n"),
        Step::StartTls,
        Step::expect("EHLO"),
        Step::Send(reply(250, &["mx.test"])),
    ]);
    steps.extend(quit());
    let server = ScriptedServer::start_starttls(tls_config(&identity), steps).await;
    let mut ui = tui(
        server.target(),
        TlsOptions::default(),
        &["EHLO me", "STARTTLS", "EHLO me"],
        Duration::from_millis(300),
    )
    .await;
    ui.assert_escaped();
    assert!(
        ui.app.tls.as_ref().is_some_and(|(_, verified)| !verified),
        "{:?}",
        ui.app.tls
    );
    ui.recorded_starts_with(&[220, 250, 220, 250]);
}

#[tokio::test]
async fn five_thousand_sans_are_handled() {
    let key = KeyPair::generate().expect("key");
    let mut params = CertificateParams::new(Vec::<String>::new()).expect("params");
    for i in 0..5000 {
        params.subject_alt_names.push(SanType::DnsName(
            format!("h{i}.x").try_into().expect("dns name"),
        ));
    }
    let der: CertificateDer<'static> = params.self_signed(&key).expect("sign").der().clone();
    let identity = Identity {
        chain: vec![der],
        key: key_der(&key),
    };
    let mut steps = until_starttls(vec![
        Step::send("220 go ahead\r\n"),
        Step::StartTls,
        Step::expect("EHLO"),
        Step::Send(reply(250, &["mx.test"])),
    ]);
    steps.extend(quit());
    let server = ScriptedServer::start_starttls(tls_config(&identity), steps).await;
    let run = probe(&strs(&starttls_args(&server)), &[]).await;
    assert_eq!(run.code, Some(0), "{}", run.stdout);
    run.says("NOT verified");
    run.recorded_starts_with(&[220, 250, 220, 250]);

    let mut steps = until_starttls(vec![
        Step::send("220 go ahead\r\n"),
        Step::StartTls,
        Step::expect("EHLO"),
        Step::Send(reply(250, &["mx.test"])),
    ]);
    steps.extend(quit());
    let server = ScriptedServer::start_starttls(tls_config(&identity), steps).await;
    let mut ui = tui(
        server.target(),
        TlsOptions::default(),
        &["EHLO me", "STARTTLS", "EHLO me"],
        Duration::from_millis(300),
    )
    .await;
    ui.assert_escaped();
    assert!(
        ui.app.tls.as_ref().is_some_and(|(_, verified)| !verified),
        "{:?}",
        ui.app.tls
    );
    ui.recorded_starts_with(&[220, 250, 220, 250]);
}

#[tokio::test]
async fn escape_sequences_in_certificate_fields_are_shown_escaped() {
    let key = KeyPair::generate().expect("key");
    let mut params = CertificateParams::new(Vec::<String>::new()).expect("params");
    params.distinguished_name.push(
        DnType::CommonName,
        "evil\x1b]0;pwned\x07\x1b[2J\u{9b}31m.example",
    );
    params.distinguished_name.push(
        DnType::OrganizationName,
        "Org \x1bP+q\x1b\\ \x1b]52;c;Zm9v\x07",
    );
    params
        .subject_alt_names
        .push(SanType::DnsName("localhost".try_into().expect("dns name")));
    let der = params.self_signed(&key).expect("sign").der().clone();
    let identity = Identity {
        chain: vec![der],
        key: key_der(&key),
    };
    let config = tls_config(&identity);
    let session = || {
        let mut steps = until_starttls(vec![
            Step::send("220 go ahead\r\n"),
            Step::StartTls,
            Step::expect("EHLO"),
            Step::Send(reply(250, &["mx.test"])),
        ]);
        steps.extend(quit());
        steps
    };
    let server = ScriptedServer::start_starttls(config.clone(), session()).await;
    let run = probe_text(&strs(&starttls_args(&server)), &[]).await;
    assert_eq!(run.code, Some(0), "{}", run.stdout);
    assert!(
        !run.stdout
            .chars()
            .any(|c| (c.is_control() && c != '\n') || ('\u{80}'..='\u{9f}').contains(&c)),
        "raw control character in the probe's output: {:?}",
        run.stdout
    );
    run.recorded_starts_with(&[220, 250, 220, 250]);

    let server = ScriptedServer::start_starttls(config, session()).await;
    let mut ui = tui(
        server.target(),
        TlsOptions::default(),
        &["EHLO me", "STARTTLS", "EHLO me"],
        Duration::from_millis(300),
    )
    .await;
    ui.assert_escaped();
}
