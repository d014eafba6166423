//! Implicit TLS and verification: verdicts for self-signed, wrong-name, expired and
//! unknown-issuer certificates (reported, or rejected when strict), version limits, and
//! the servers smtpx cannot speak to, explained (plaintext port, TLS 1.0/1.1, alerts).

use crate::*;

#[tokio::test]
async fn implicit_tls_reads_the_greeting_inside_tls() {
    let pki = TestPki::new();
    let mut server = ScriptedServer::start_implicit_tls(
        server_config(&pki.leaf(LeafKind::Good)),
        vec![
            Step::send("220 mx ESMTP over TLS\r\n"),
            Step::expect("QUIT"),
            Step::send("221 bye\r\n"),
            Step::Close,
        ],
    )
    .await;
    let (mut conn, info) = Connection::connect_tls(
        &server.target(),
        &ConnectOptions::default(),
        &trusted_opts(&pki),
    )
    .await
    .unwrap();
    assert!(conn.is_tls());
    assert!(info.verdict.ok());
    assert_eq!(reply(&mut conn).await.code(), Some(220));
    conn.send(b"QUIT\r\n").await.unwrap();
    assert_eq!(reply(&mut conn).await.code(), Some(221));
    assert_eq!(
        conn.read_reply(WAIT).await.unwrap(),
        ReadOutcome::Closed { partial: None }
    );
    let lines = server.received_lines().await;
    assert_eq!(lines, ["QUIT\r\n"]);
    let err = conn.starttls(&TlsOptions::default()).await.unwrap_err();
    assert!(matches!(err, NetError::AlreadyTls));
}

async fn implicit_tls_with(
    kind: LeafKind,
    mode: VerifyMode,
) -> Result<smtpx::net::TlsInfo, NetError> {
    let pki = TestPki::new();
    let _server = ScriptedServer::start_implicit_tls(
        server_config(&pki.leaf(kind)),
        vec![Step::send("220 mx\r\n"), Step::ExpectClose],
    )
    .await;
    let opts = TlsOptions {
        mode,
        verify_name: Some("localhost".into()),
        ..trusted_opts(&pki)
    };
    let (mut conn, info) =
        Connection::connect_tls(&_server.target(), &ConnectOptions::default(), &opts).await?;
    assert_eq!(
        reply(&mut conn).await.code(),
        Some(220),
        "report mode continues"
    );
    Ok(info)
}

#[tokio::test]
async fn self_signed_certificate_is_reported_and_rejected_when_strict() {
    let info = implicit_tls_with(LeafKind::SelfSigned, VerifyMode::Report)
        .await
        .unwrap();
    let verdict = &info.verdict;
    assert!(!verdict.ok());
    assert!(
        matches!(
            verdict.trusted,
            Trust::NotTrusted {
                reason: UntrustedReason::SelfSigned,
                ..
            }
        ),
        "{verdict:?}"
    );
    assert!(matches!(verdict.name, NameCheck::Matched { .. }));
    assert!(
        verdict
            .summary()
            .starts_with("NOT trusted: self-signed certificate; name ok (localhost); valid "),
        "{}",
        verdict.summary()
    );

    let err = implicit_tls_with(LeafKind::SelfSigned, VerifyMode::Strict)
        .await
        .unwrap_err();
    match &err {
        NetError::CertificateRejected { verdict } => {
            assert!(matches!(
                verdict.trusted,
                Trust::NotTrusted {
                    reason: UntrustedReason::SelfSigned,
                    ..
                }
            ));
        }
        other => panic!("expected CertificateRejected, got {other:?}"),
    }
    assert!(err.to_string().contains("self-signed"), "{err}");
}

#[tokio::test]
async fn wrong_name_is_reported_and_rejected_when_strict() {
    let info = implicit_tls_with(LeafKind::WrongName, VerifyMode::Report)
        .await
        .unwrap();
    let verdict = &info.verdict;
    assert!(
        matches!(verdict.trusted, Trust::Trusted { .. }),
        "{verdict:?}"
    );
    assert_eq!(
        verdict.name,
        NameCheck::Mismatch {
            name: "localhost".into(),
            presented: vec!["wrong.example.com".into()]
        }
    );
    assert!(
        verdict
            .summary()
            .contains("name MISMATCH (localhost not in wrong.example.com)"),
        "{}",
        verdict.summary()
    );

    let err = implicit_tls_with(LeafKind::WrongName, VerifyMode::Strict)
        .await
        .unwrap_err();
    assert!(
        matches!(&err, NetError::CertificateRejected { verdict } if matches!(verdict.name, NameCheck::Mismatch { .. })),
        "{err:?}"
    );
}

#[tokio::test]
async fn expired_certificate_is_reported() {
    let info = implicit_tls_with(LeafKind::Expired, VerifyMode::Report)
        .await
        .unwrap();
    let verdict = &info.verdict;
    assert!(
        matches!(
            verdict.trusted,
            Trust::NotTrusted {
                reason: UntrustedReason::Expired,
                ..
            }
        ),
        "{verdict:?}"
    );
    assert!(
        matches!(
            verdict.validity,
            Validity::Expired {
                days_ago: 9 | 10,
                ..
            }
        ),
        "{verdict:?}"
    );
    assert!(
        verdict.summary().contains("EXPIRED"),
        "{}",
        verdict.summary()
    );
}

#[tokio::test]
async fn unknown_issuer_without_ca_file() {
    let pki = TestPki::new();
    let _server = ScriptedServer::start_implicit_tls(
        server_config(&pki.leaf(LeafKind::Good)),
        vec![Step::ExpectClose],
    )
    .await;
    let opts = TlsOptions {
        sni: Sni::Custom("localhost".into()),
        ..TlsOptions::default()
    };
    let (_conn, info) =
        Connection::connect_tls(&_server.target(), &ConnectOptions::default(), &opts)
            .await
            .unwrap();
    assert!(matches!(
        info.verdict.trusted,
        Trust::NotTrusted {
            reason: UntrustedReason::UnknownIssuer,
            ..
        }
    ));
    assert_eq!(info.sni_sent.as_deref(), Some("localhost"));
}

#[tokio::test]
async fn plaintext_server_on_an_implicit_tls_port_is_explained() {
    let _server = ScriptedServer::start(vec![
        Step::send("220 mx.example.com ESMTP Postfix\r\n"),
        Step::ExpectClose,
    ])
    .await;
    let err = Connection::connect_tls(
        &_server.target(),
        &ConnectOptions::default(),
        &TlsOptions::default(),
    )
    .await
    .unwrap_err();
    let text = err.to_string();
    assert!(
        text.contains("the server answered in plaintext: '220 mx.example.com ESMTP Postfix' — this port does not use implicit TLS"),
        "{text}"
    );
    assert!(err.plaintext().is_some());
}

#[tokio::test]
async fn tls13_only_server_with_tls12_client_is_explained() {
    let pki = TestPki::new();
    let config = server_config_versions(&pki.leaf(LeafKind::Good), &[&rustls::version::TLS13]);
    let _server = ScriptedServer::start_implicit_tls(config, vec![Step::ExpectClose]).await;
    let opts = TlsOptions {
        max_version: Some(TlsVersion::Tls12),
        ..trusted_opts(&pki)
    };
    let err = Connection::connect_tls(&_server.target(), &ConnectOptions::default(), &opts)
        .await
        .unwrap_err();
    let text = err.to_string();
    assert!(matches!(err, NetError::Tls { .. }), "{err:?}");
    assert!(
        text.contains("no TLS version in common") && text.contains("only TLS 1.2"),
        "{text}"
    );
}

#[tokio::test]
async fn tls12_is_negotiated_when_asked() {
    let pki = TestPki::new();
    let _server = ScriptedServer::start_implicit_tls(
        server_config(&pki.leaf(LeafKind::Good)),
        vec![Step::ExpectClose],
    )
    .await;
    let opts = TlsOptions {
        max_version: Some(TlsVersion::Tls12),
        ..trusted_opts(&pki)
    };
    let (_conn, info) =
        Connection::connect_tls(&_server.target(), &ConnectOptions::default(), &opts)
            .await
            .unwrap();
    assert_eq!(info.version, "TLSv1.2");
    assert!(
        info.cipher_suite.starts_with("TLS_ECDHE_"),
        "{}",
        info.cipher_suite
    );
    assert!(info.verdict.ok());
}

#[tokio::test]
async fn server_closing_during_handshake_is_reported() {
    let _server = ScriptedServer::start(vec![Step::ReadSome, Step::Close]).await;
    let err = Connection::connect_tls(
        &_server.target(),
        &ConnectOptions::default(),
        &TlsOptions::default(),
    )
    .await
    .unwrap_err();
    assert!(matches!(err, NetError::ClosedDuringHandshake), "{err:?}");
}

#[tokio::test]
async fn missing_ca_file_is_a_clear_error() {
    let _server = ScriptedServer::start(vec![Step::ExpectClose]).await;
    let opts = TlsOptions {
        ca_file: Some("/nonexistent/ca.pem".into()),
        ..TlsOptions::default()
    };
    let err = Connection::connect_tls(&_server.target(), &ConnectOptions::default(), &opts)
        .await
        .unwrap_err();
    assert!(matches!(err, NetError::CaFile { .. }), "{err:?}");
}

async fn legacy_handshake_error(answer: Vec<u8>) -> NetError {
    let _server =
        ScriptedServer::start(vec![Step::ReadSome, Step::Send(answer), Step::ExpectClose]).await;
    Connection::connect_tls(
        &_server.target(),
        &ConnectOptions::default(),
        &TlsOptions::default(),
    )
    .await
    .unwrap_err()
}

#[tokio::test]
async fn tls10_only_server_is_explained() {
    let err = legacy_handshake_error(tls10_server_hello()).await;
    let text = err.to_string();
    assert!(
        text.contains("the server only offers TLS 1.0/1.1 or legacy cipher suites, which smtpx (rustls) does not speak"),
        "{text}"
    );
}

#[tokio::test]
async fn handshake_failure_alert_is_explained_as_a_legacy_server() {
    let err = legacy_handshake_error(ALERT_HANDSHAKE_FAILURE.to_vec()).await;
    let text = err.to_string();
    assert!(
        text.contains("TLS 1.0/1.1 or legacy cipher suites")
            && text.contains("the TLS alert handshake_failure"),
        "{text}"
    );
    assert!(err.plaintext().is_none());
}
