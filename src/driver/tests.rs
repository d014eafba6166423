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
