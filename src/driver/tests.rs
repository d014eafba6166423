use std::time::Duration;

use super::*;
use crate::event::failure::{Cause, FailureKind, Phase};
use crate::net::NetError;

#[test]
fn each_failure_says_whose_fault_it_was_in_the_same_words() {
    let cases = [
        (
            DriverError::Net(NetError::Timeout {
                waiting_for: Phase::Reply,
                after: Duration::from_secs(30),
            }),
            FailureKind::Network,
        ),
        (
            DriverError::Closed { during_reply: true },
            FailureKind::Network,
        ),
        (DriverError::Flood { count: 100 }, FailureKind::Protocol),
        (DriverError::EndlessChallenges, FailureKind::Protocol),
        (DriverError::NotConnected, FailureKind::Local),
    ];
    for (error, kind) in cases {
        let failure = error.failure();
        assert_eq!(failure.kind, kind, "{error}");
        assert_eq!(failure.to_string(), error.to_string());
    }
    let timeout = DriverError::Net(NetError::Timeout {
        waiting_for: Phase::Reply,
        after: Duration::from_secs(30),
    });
    assert_eq!(
        timeout.failure().cause,
        Cause::Timeout {
            waiting_for: Phase::Reply,
            after: Duration::from_secs(30)
        }
    );
    assert_eq!(
        timeout.failure().to_string(),
        "timed out after 30 s waiting for a reply"
    );
}

mod raw_secret_tests {
    use super::super::raw_secret_start;

    #[test]
    fn raw_bytes_carrying_an_auth_exchange_hide_it() {
        assert_eq!(
            raw_secret_start(b"AUTH PLAIN AGRlbW8A\r\n", false),
            Some(11)
        );
        let burst = b"RSET\r\nAUTH LOGIN\r\ndXNlcg==\r\n";
        assert_eq!(raw_secret_start(burst, false), Some(18));
        assert_eq!(raw_secret_start(b"NOOP\r\nRSET\r\n", false), None);
        assert_eq!(raw_secret_start(b"NOOP\r\n", true), Some(0));
        assert_eq!(raw_secret_start(b"NOOP\r\n\xff AUTH\r\n", false), Some(6));
    }
}

#[tokio::test]
async fn a_handed_over_connection_is_used_and_becomes_the_target() {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("address");
    let accept = tokio::spawn(async move { listener.accept().await.map(|(s, _)| s) });
    let connection = Connection::connect(
        &Target::new(addr.ip().to_string(), addr.port()),
        &ConnectOptions::default(),
    )
    .await
    .expect("connect");
    let opened_in = connection.opened_in();
    // Time passes between the routing and the session; it is not the connection's.
    tokio::time::sleep(Duration::from_millis(50)).await;
    let events = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let seen = events.clone();
    let sink: EventSink = Box::new(move |e| seen.lock().expect("events").push(e));
    // A target that does not resolve: the driver must not try it.
    let mut driver = Driver::new(
        Target::new("mx.invalid", 25),
        ConnectOptions::default(),
        TlsOptions::default(),
        Duration::from_secs(1),
        sink,
    );
    driver.hand_over(connection, "mx1.example.test");
    driver.connect(false).await.expect("uses the connection");
    assert_eq!(driver.peer_addr(), Some(addr));
    assert_eq!(driver.target().host, "127.0.0.1");
    assert_eq!(driver.tls.verify_name.as_deref(), Some("mx1.example.test"));
    let connected = events.lock().expect("events").iter().any(|e| {
        matches!(e, SessionEvent::Connected { peer, took, .. }
                if *peer == addr && *took == opened_in)
    });
    assert!(
        connected,
        "the connection's own time, not the time since routing"
    );
    drop(accept.await);
}
