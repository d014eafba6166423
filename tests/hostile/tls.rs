//! STARTTLS and TLS attacks: a close or garbage where the handshake belongs, plaintext
//! injected after the 220 to STARTTLS, alerts mid-session, absurd certificates, and
//! escape sequences in certificate fields.

use std::time::Duration;

use rcgen::{CertificateParams, DnType, KeyPair, SanType};
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use smtpx::net::TlsOptions;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use super::harness::{ProbeRun, TuiRun, probe, tui};
use super::scenario::Scenario;
use crate::support::{Identity, LeafKind, ScriptedServer, Step, reply, server_config, test_pki};
use crate::{probe_args, quit};

fn starttls_args(server: &ScriptedServer) -> Vec<String> {
    probe_args(server, &["--starttls", "--quit-after", "tls"])
}

/// What the explorer types to reach TLS and greet again.
const TO_TLS: &[&str] = &["EHLO me", "STARTTLS", "EHLO me"];

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

/// A server that upgrades with `identity`, answers the EHLO after TLS and says goodbye.
fn tls_session(identity: &Identity) -> Scenario {
    let mut steps = until_starttls(vec![
        Step::send("220 go ahead\r\n"),
        Step::StartTls,
        Step::expect("EHLO"),
        Step::Send(reply(250, &["mx.test"])),
    ]);
    steps.extend(quit());
    Scenario::starttls(server_config(identity), steps)
}

/// A handshake that cannot happen after the 220 (`after`): the probe fails at TLS
/// (exit 23) saying `said`, and the explorer says it too.
async fn handshake_fails(after: Vec<Step>, said: &str) {
    let scenario = Scenario::new(until_starttls(after));
    let run = scenario.probe(starttls_args).await;
    run.exits(23)
        .says(said)
        .recorded_starts_with(&[220, 250, 220]);

    let ui = scenario.tui(&["EHLO me", "STARTTLS"], 300).await;
    ui.says(said);
}

#[tokio::test]
async fn close_right_after_the_220_to_starttls_is_named() {
    handshake_fails(
        vec![Step::send("220 go ahead\r\n"), Step::Close],
        "TLS handshake",
    )
    .await;
}

#[tokio::test]
async fn garbage_instead_of_a_server_hello_is_shown() {
    let after = vec![
        Step::send("220 go ahead\r\n"),
        Step::ReadSome,
        Step::send("HTTP/1.1 400 Bad Request\r\n\x1b[31m\r\n"),
        Step::Sleep(200),
    ];
    handshake_fails(after, "TLS handshake failed").await;
}

#[tokio::test]
async fn plaintext_injected_in_the_same_segment_as_the_220_is_discarded() {
    let pki = test_pki();
    let mut steps = until_starttls(vec![
        Step::SendThenStartTls(b"220 go ahead\r\n250-injected\r\n250 AUTH PLAIN\r\n".to_vec()),
        Step::expect("EHLO"),
        Step::Send(reply(250, &["mx.test", "AUTH PLAIN"])),
    ]);
    steps.extend(quit());
    let scenario = Scenario::starttls(server_config(&pki.leaf(LeafKind::Good)), steps);
    let run = scenario.probe(starttls_args).await;
    run.exits(0).says("CVE-2011-0411");
    assert_eq!(run.of("finding")[0]["kind"], "injected_plaintext");
    run.recorded_starts_with(&[220, 250, 220]);

    scenario.tui(TO_TLS, 300).await.says("CVE-2011-0411");
}

#[tokio::test]
async fn plaintext_injected_in_a_later_segment_is_never_trusted() {
    let pki = test_pki();
    let steps = until_starttls(vec![
        Step::send("220 go ahead\r\n"),
        Step::Sleep(30),
        Step::SendThenStartTls(b"250-injected later\r\n250 AUTH PLAIN\r\n".to_vec()),
        Step::expect("EHLO"),
        Step::Send(reply(250, &["mx.test"])),
    ]);
    let scenario = Scenario::starttls(server_config(&pki.leaf(LeafKind::Good)), steps);
    let run = scenario.probe(starttls_args).await;
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
    let steps = until_starttls(vec![
        Step::send("220 go ahead\r\n"),
        Step::StartTls,
        Step::expect("EHLO"),
        Step::send("250-mx.test\r\n250-PIPELINING\r\n"),
        Step::Close,
    ]);
    let scenario = Scenario::starttls(server_config(&pki.leaf(LeafKind::Good)), steps);
    let run = scenario.probe(starttls_args).await;
    run.exits(23)
        .says("in the middle of a reply")
        .recorded_starts_with(&[220, 250, 220, 250]);
}

/// A server that finishes the TLS handshake, answers EHLO in part, then writes a fatal
/// alert record in the clear under the TLS session (what a broken middlebox does).
#[tokio::test]
async fn fatal_tls_alert_mid_session_is_named() {
    let pki = test_pki();
    let acceptor = tokio_rustls::TlsAcceptor::from(server_config(&pki.leaf(LeafKind::Good)));
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
    run.exits(23);
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

/// A certificate no root vouches for, served with `identity`: the probe finishes but says
/// it is NOT verified, and the explorer marks the connection unverified. Returns both runs
/// for the test's own checks.
async fn untrusted_certificate(identity: &Identity, exit: Option<i32>) -> (ProbeRun, TuiRun) {
    let scenario = tls_session(identity);
    let run = scenario.probe(starttls_args).await;
    if let Some(exit) = exit {
        run.exits(exit);
    }
    run.says("NOT verified")
        .recorded_starts_with(&[220, 250, 220, 250]);

    let ui = scenario.tui(TO_TLS, 300).await;
    assert!(
        ui.app.tls.as_ref().is_some_and(|(_, verified)| !verified),
        "{:?}",
        ui.app.tls
    );
    ui.recorded_starts_with(&[220, 250, 220, 250]);
    (run, ui)
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
    let (run, _) = untrusted_certificate(&identity, None).await;
    let tls = run.of("tls");
    assert_eq!(tls.len(), 1, "{}", run.stdout);
    assert_eq!(tls[0]["chain"].as_array().map(Vec::len), Some(50));
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
    untrusted_certificate(&identity, Some(0)).await;
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
    let scenario = tls_session(&identity);
    let run = scenario.probe_text(starttls_args).await;
    run.exits(0)
        .shows_no_raw_control()
        .recorded_starts_with(&[220, 250, 220, 250]);

    // The explorer's entries and screen stay escaped (checked by `tui`).
    scenario.tui(TO_TLS, 300).await;
}
