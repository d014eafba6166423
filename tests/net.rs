//! Integration tests of the transport (`smtpx::net`) against the scripted server.

mod support;

use std::time::Duration;

use smtpx::net::{
    ConnectOptions, Connection, NameCheck, NetError, Phase, ReadOutcome, Sni, TlsOptions,
    TlsVersion, Trust, TrustStore, UntrustedReason, Validity, VerifyMode,
};
use smtpx::proto::reply::{Limits, Malformation, Reply};
use support::*;

const WAIT: Duration = Duration::from_secs(5);

async fn reply(conn: &mut Connection) -> Reply {
    match conn.read_reply(WAIT).await {
        Ok(ReadOutcome::Reply(reply)) => reply,
        other => panic!("expected a reply, got {other:?}"),
    }
}

fn trusted_opts(pki: &TestPki) -> TlsOptions {
    TlsOptions {
        ca_file: Some(pki.ca_file()),
        ..TlsOptions::default()
    }
}

/// Script up to and including the 220 to STARTTLS.
fn until_starttls() -> Vec<Step> {
    vec![
        Step::send("220 mx ESMTP\r\n"),
        Step::expect("STARTTLS"),
        Step::send("220 2.0.0 go ahead\r\n"),
    ]
}

/// Connects, reads the greeting, sends STARTTLS and reads the 220.
async fn plain_until_starttls(server: &ScriptedServer) -> Connection {
    let mut conn = Connection::connect(&server.target(), &ConnectOptions::default())
        .await
        .expect("connect");
    assert_eq!(reply(&mut conn).await.code(), Some(220));
    conn.send(b"STARTTLS\r\n").await.expect("send");
    assert_eq!(reply(&mut conn).await.code(), Some(220));
    conn
}

#[tokio::test]
async fn plain_connection_reads_greeting_and_multiline_reply() {
    let mut server = ScriptedServer::start(vec![
        Step::send("220 mx.example.com ESMTP\r\n"),
        Step::expect("EHLO"),
        Step::Send(support::reply(
            250,
            &["mx.example.com", "PIPELINING", "SIZE 10240000"],
        )),
        Step::ExpectClose,
    ])
    .await;
    let mut conn = Connection::connect(&server.target(), &ConnectOptions::default())
        .await
        .unwrap();
    assert!(!conn.is_tls());
    assert_eq!(conn.peer_addr(), server.addr);
    assert!(conn.local_addr().ip().is_loopback());
    assert!(conn.failed_attempts().is_empty());
    let greeting = reply(&mut conn).await;
    assert_eq!(greeting.code(), Some(220));
    conn.send(b"EHLO client.example\r\n").await.unwrap();
    let ehlo = reply(&mut conn).await;
    assert_eq!(ehlo.lines.len(), 3);
    assert_eq!(ehlo.lines[2].text(), b"SIZE 10240000");
    assert!(ehlo.malformations().is_empty());
    drop(conn);
    let lines = server.received_lines().await;
    assert_eq!(lines, ["EHLO client.example\r\n"]);
}

#[tokio::test]
async fn pipelined_replies_are_buffered() {
    let server = ScriptedServer::start(vec![
        Step::send("220 hi\r\n250 one\r\n250 two\r\n"),
        Step::ExpectClose,
    ])
    .await;
    let mut conn = Connection::connect(&server.target(), &ConnectOptions::default())
        .await
        .unwrap();
    assert_eq!(reply(&mut conn).await.code(), Some(220));
    assert!(conn.has_buffered());
    assert_eq!(reply(&mut conn).await.lines[0].text(), b"one");
    assert_eq!(reply(&mut conn).await.lines[0].text(), b"two");
    assert!(!conn.has_buffered());
    drop(server);
}

#[tokio::test]
async fn ipv6_loopback_literal_connects() {
    if !has_ipv6_loopback() {
        println!("NOTE: no IPv6 loopback (::1) on this machine; skipping");
        return;
    }
    let opts = ServerOptions {
        bind: "[::1]:0".parse().unwrap(),
        ..ServerOptions::default()
    };
    let server =
        ScriptedServer::start_with(opts, vec![Step::send("220 v6\r\n"), Step::ExpectClose]).await;
    let target = smtpx::net::Target::parse(&format!("[::1]:{}", server.addr.port()), 25).unwrap();
    assert_eq!(target.host, "::1");
    let mut conn = Connection::connect(&target, &ConnectOptions::default())
        .await
        .unwrap();
    assert!(conn.peer_addr().is_ipv6());
    assert_eq!(reply(&mut conn).await.code(), Some(220));
}

#[tokio::test]
async fn refused_connection_names_the_address() {
    let port = unused_port();
    let target = smtpx::net::Target::new("127.0.0.1", port);
    let err = Connection::connect(&target, &ConnectOptions::default())
        .await
        .unwrap_err();
    match &err {
        NetError::Connect { attempts, .. } => {
            assert_eq!(attempts.len(), 1);
            assert_eq!(attempts[0].addr.port(), port);
        }
        other => panic!("expected Connect, got {other:?}"),
    }
    let text = err.to_string();
    assert!(
        text.contains(&format!("refused on 127.0.0.1:{port}")),
        "{text}"
    );
}

#[tokio::test]
async fn greeting_timeout_keeps_what_arrived() {
    let _server =
        ScriptedServer::start(vec![Step::send("220-slow server\r\n"), Step::Sleep(3_000)]).await;
    let mut conn = Connection::connect(&_server.target(), &ConnectOptions::default())
        .await
        .unwrap();
    let err = conn
        .read_reply(Duration::from_millis(300))
        .await
        .unwrap_err();
    assert!(
        matches!(err, NetError::Timeout { waiting_for: Phase::Reply, after } if after == Duration::from_millis(300)),
        "{err:?}"
    );
    assert_eq!(
        err.to_string(),
        "timed out after 300 ms waiting for a reply"
    );
    assert!(conn.has_buffered());
    let partial = conn.partial().expect("partial reply kept");
    assert_eq!(partial.lines[0].text(), b"slow server");
    assert!(!partial.is_complete());
    // Still there: partial() does not consume.
    assert!(conn.take_partial().is_some());
    assert!(!conn.has_buffered());
}

#[tokio::test]
async fn peer_close_mid_reply_keeps_the_partial() {
    let server = ScriptedServer::start(vec![
        Step::send("220-first line\r\n220-second"),
        Step::Close,
    ])
    .await;
    let mut conn = Connection::connect(&server.target(), &ConnectOptions::default())
        .await
        .unwrap();
    match conn.read_reply(WAIT).await.unwrap() {
        ReadOutcome::Closed {
            partial: Some(partial),
        } => {
            assert_eq!(partial.lines.len(), 2);
            assert!(
                partial
                    .malformations()
                    .contains(&Malformation::Unterminated)
            );
            assert_eq!(partial.raw(), b"220-first line\r\n220-second");
        }
        other => panic!("expected Closed with a partial, got {other:?}"),
    }
    assert!(conn.is_closed());
    assert_eq!(
        conn.read_reply(WAIT).await.unwrap(),
        ReadOutcome::Closed { partial: None }
    );
}

#[tokio::test]
async fn reset_mid_reply_keeps_the_partial_in_the_error() {
    let server =
        ScriptedServer::start(vec![Step::send("220-going"), Step::Sleep(100), Step::Reset]).await;
    let mut conn = Connection::connect(&server.target(), &ConnectOptions::default())
        .await
        .unwrap();
    match conn.read_reply(WAIT).await {
        Err(NetError::Io {
            during: Phase::Reply,
            partial: Some(partial),
            source,
        }) => {
            assert_eq!(source.kind(), std::io::ErrorKind::ConnectionReset);
            assert_eq!(partial.raw(), b"220-going");
        }
        other => panic!("expected Io with a partial, got {other:?}"),
    }
}

#[tokio::test]
async fn oversized_reply_is_a_typed_error() {
    let _server = ScriptedServer::start(vec![Step::send(vec![b'x'; 300]), Step::ExpectClose]).await;
    let opts = ConnectOptions {
        limits: Limits {
            max_line_len: 100,
            max_lines: 10,
        },
        ..ConnectOptions::default()
    };
    let mut conn = Connection::connect(&_server.target(), &opts).await.unwrap();
    let err = conn.read_reply(WAIT).await.unwrap_err();
    assert!(matches!(err, NetError::ReplyTooLarge(_)), "{err:?}");
}

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
        text.contains("TLS 1.0/1.1 or legacy cipher suites") && text.contains("HandshakeFailure"),
        "{text}"
    );
    assert!(err.plaintext().is_none());
}

#[tokio::test]
async fn host_name_tries_every_address() {
    // `localhost` usually resolves to ::1 and 127.0.0.1; the server listens on IPv4 only,
    // so an IPv6 attempt (if any) is refused and recorded before IPv4 succeeds.
    let _server = ScriptedServer::start(vec![Step::send("220 hi\r\n"), Step::ExpectClose]).await;
    let target = smtpx::net::Target::new("localhost", _server.addr.port());
    let mut conn = Connection::connect(&target, &ConnectOptions::default())
        .await
        .unwrap();
    assert!(conn.peer_addr().is_ipv4());
    for attempt in conn.failed_attempts() {
        assert!(attempt.addr.is_ipv6(), "{attempt}");
        assert_eq!(attempt.failure, smtpx::net::AttemptFailure::Refused);
    }
    assert_eq!(reply(&mut conn).await.code(), Some(220));
}
