//! Plain connections: greeting and multi-line replies, pipelining, IPv6, refused
//! connections, every address of a host name, timeouts, closes and resets mid-reply,
//! oversized replies.

use crate::*;

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
            ..Limits::default()
        },
        ..ConnectOptions::default()
    };
    let mut conn = Connection::connect(&_server.target(), &opts).await.unwrap();
    let err = conn.read_reply(WAIT).await.unwrap_err();
    assert!(matches!(err, NetError::ReplyTooLarge(_)), "{err:?}");
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
