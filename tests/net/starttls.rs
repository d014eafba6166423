//! STARTTLS: the upgrade with a trusted CA, IP targets verified against IP SANs, and
//! plaintext injected after the 220 (CVE-2011-0411) in the same or a later segment.

use crate::*;

#[tokio::test]
async fn starttls_with_trusted_ca_fills_tls_info() {
    let pki = TestPki::new();
    let mut steps = until_starttls();
    steps.extend([
        Step::StartTls,
        Step::expect("EHLO"),
        Step::send("250 mx\r\n"),
        Step::ExpectClose,
    ]);
    let mut server =
        ScriptedServer::start_starttls(server_config(&pki.leaf(LeafKind::Good)), steps).await;
    let conn = plain_until_starttls(&server).await;
    let opts = TlsOptions {
        verify_name: Some("localhost".into()),
        ..trusted_opts(&pki)
    };
    let (mut conn, info, injection) = conn.starttls(&opts).await.expect("starttls");
    assert!(injection.is_none());
    assert!(conn.is_tls());
    assert!(info.verdict.ok(), "{}", info.verdict.summary());
    assert_eq!(
        info.verdict.trusted,
        Trust::Trusted {
            store: TrustStore::CaFile(pki.ca_file())
        }
    );
    assert_eq!(
        info.verdict.name,
        NameCheck::Matched {
            name: "localhost".into(),
            san: "localhost".into()
        }
    );
    assert!(matches!(
        info.verdict.validity,
        Validity::Valid {
            days_left: 89 | 90,
            ..
        }
    ));
    let summary = info.verdict.summary();
    assert!(
        summary.starts_with("trusted (ca-file ") && summary.contains("name ok (localhost), valid "),
        "{summary}"
    );
    assert_eq!(info.version, "TLSv1.3");
    assert!(
        info.cipher_suite.starts_with("TLS13_"),
        "{}",
        info.cipher_suite
    );
    assert_eq!(info.key_exchange_group.as_deref(), Some("X25519"));
    assert_eq!(info.chain_der.len(), 2);
    assert_eq!(info.sni_sent.as_deref(), Some("localhost"));
    assert!(!info.resumed);
    let leaf = smtpx::net::summarize(&info.chain_der[0]);
    assert_eq!(leaf.subject.as_deref(), Some("CN=localhost"));

    conn.send(b"EHLO client\r\n").await.unwrap();
    assert_eq!(reply(&mut conn).await.code(), Some(250));
    drop(conn);
    let events = server.finish().await;
    assert!(
        events.iter().any(
            |e| matches!(e, Event::TlsEstablished { sni: Some(sni), .. } if sni == "localhost")
        ),
        "{events:?}"
    );
}

#[tokio::test]
async fn ip_target_is_verified_against_ip_sans_without_sni() {
    let pki = TestPki::new();
    let mut steps = until_starttls();
    steps.extend([Step::StartTls, Step::ExpectClose]);
    let mut server =
        ScriptedServer::start_starttls(server_config(&pki.leaf(LeafKind::Good)), steps).await;
    let conn = plain_until_starttls(&server).await;
    let (_conn, info, _) = conn.starttls(&trusted_opts(&pki)).await.unwrap();
    assert!(info.verdict.ok(), "{}", info.verdict.summary());
    assert_eq!(
        info.verdict.name,
        NameCheck::Matched {
            name: "127.0.0.1".into(),
            san: "127.0.0.1".into()
        }
    );
    assert_eq!(info.sni_sent, None);
    drop(_conn);
    let events = server.finish().await;
    assert!(
        events
            .iter()
            .any(|e| matches!(e, Event::TlsEstablished { sni: None, .. })),
        "{events:?}"
    );
}

#[tokio::test]
async fn injection_in_the_same_segment_is_detected_and_discarded() {
    let pki = TestPki::new();
    let mut server = ScriptedServer::start_starttls(
        server_config(&pki.leaf(LeafKind::Good)),
        vec![
            Step::send("220 mx ESMTP\r\n"),
            Step::expect("STARTTLS"),
            // One write: the 220 and the injected reply arrive together.
            Step::SendThenStartTls(b"220 go ahead\r\n250-injected\r\n250 AUTH PLAIN\r\n".to_vec()),
            Step::expect("EHLO"),
            Step::send("250 real\r\n"),
            Step::ExpectClose,
        ],
    )
    .await;
    let mut conn = Connection::connect(&server.target(), &ConnectOptions::default())
        .await
        .unwrap();
    assert_eq!(reply(&mut conn).await.code(), Some(220));
    conn.send(b"STARTTLS\r\n").await.unwrap();
    assert_eq!(reply(&mut conn).await.lines[0].text(), b"go ahead");
    let (mut conn, info, injection) = conn.starttls(&trusted_opts(&pki)).await.unwrap();
    let injection = injection.expect("injection detected");
    assert_eq!(injection.bytes, b"250-injected\r\n250 AUTH PLAIN\r\n");
    assert_eq!(injection.replies().len(), 1);
    assert!(info.verdict.ok());
    // The injected reply is gone: the first reply inside TLS is the real one.
    conn.send(b"EHLO client\r\n").await.unwrap();
    assert_eq!(reply(&mut conn).await.lines[0].text(), b"real");
    drop(conn);
    server.finish().await;
}

/// Bytes injected in a later segment can arrive after our ClientHello has gone out. The
/// guarantee: they are never treated as TLS-protected — either they were already waiting
/// (reported as an `Injection`, discarded) or rustls reads them as a TLS record and the
/// handshake fails with an error that shows them.
#[tokio::test]
async fn injection_in_a_later_segment_is_never_treated_as_tls() {
    let pki = TestPki::new();
    let mut steps = until_starttls();
    steps.extend([
        Step::Sleep(100),
        Step::SendThenStartTls(b"250 injected\r\n".to_vec()),
        Step::ExpectClose,
    ]);
    let _server =
        ScriptedServer::start_starttls(server_config(&pki.leaf(LeafKind::Good)), steps).await;
    let conn = plain_until_starttls(&_server).await;
    match conn.starttls(&trusted_opts(&pki)).await {
        Ok((_, _, injection)) => {
            assert_eq!(injection.expect("injection").bytes, b"250 injected\r\n");
        }
        Err(err) => {
            assert_eq!(err.plaintext(), Some(&b"250 injected\r\n"[..]), "{err:?}");
            let text = err.to_string();
            assert!(
                text.contains("'250 injected'") && text.contains("CVE-2011-0411"),
                "{text}"
            );
        }
    }
}

#[tokio::test]
async fn late_injection_can_be_taken_before_the_handshake() {
    let pki = TestPki::new();
    let mut steps = until_starttls();
    steps.extend([
        Step::SendThenStartTls(b"250 injected\r\n".to_vec()),
        Step::ExpectClose,
    ]);
    let _server =
        ScriptedServer::start_starttls(server_config(&pki.leaf(LeafKind::Good)), steps).await;
    let mut conn = plain_until_starttls(&_server).await;
    tokio::time::sleep(Duration::from_millis(200)).await;
    let injection = conn.take_injection().unwrap().expect("waiting bytes");
    assert_eq!(injection.bytes, b"250 injected\r\n");
    let (_, _, again) = conn.starttls(&trusted_opts(&pki)).await.unwrap();
    assert!(again.is_none());
}
