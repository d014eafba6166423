//! Connecting to a name with several addresses: Happy Eyeballs
//! ([RFC 8305](https://www.rfc-editor.org/rfc/rfc8305)). The addresses alternate by family,
//! IPv6 first (§4); a new attempt starts every [`ATTEMPT_DELAY`] while earlier ones are still
//! pending, or at once when one fails (§5); the first to connect wins and the others are
//! dropped. A black-holed IPv6 address so costs 250 ms, not the whole timeout, and every
//! attempt is kept with its outcome for the person to see.
//!
//! Layer: transport.

use std::io;
use std::net::{IpAddr, SocketAddr};
use std::time::Duration;

use futures::StreamExt;
use futures::stream::FuturesUnordered;
use tokio::net::TcpStream;
use tokio::time::Instant;

use super::{SocketFailure, tcp_to};
use crate::net::error::{AttemptFailure, ConnectAttempt};

/// The Connection Attempt Delay of [RFC 8305 §5](https://www.rfc-editor.org/rfc/rfc8305#section-5).
pub const ATTEMPT_DELAY: Duration = Duration::from_millis(250);

/// IPv6 first, then alternating families, each family in the order given (the resolver's
/// RFC 6724 order) — [RFC 8305 §4](https://www.rfc-editor.org/rfc/rfc8305#section-4).
pub fn interleave(addrs: &[SocketAddr]) -> Vec<SocketAddr> {
    let mut v6 = addrs.iter().filter(|a| a.is_ipv6()).copied();
    let mut v4 = addrs.iter().filter(|a| a.is_ipv4()).copied();
    let mut out = Vec::with_capacity(addrs.len());
    loop {
        match (v6.next(), v4.next()) {
            (None, None) => return out,
            (a, b) => out.extend(a.into_iter().chain(b)),
        }
    }
}

/// How a race ended without a connection.
pub(super) enum RaceFailure {
    /// The local address could not be bound: this machine's fault, no use trying others.
    Bind(io::Error),
    /// Every address failed; each attempt in the order it ended.
    AllFailed(Vec<ConnectAttempt>),
}

/// The winning connection, the attempts that failed before it, and those still pending
/// when it won (dropped, so they never count against the server).
pub(super) struct Won {
    pub tcp: TcpStream,
    pub failed: Vec<ConnectAttempt>,
    pub abandoned: Vec<SocketAddr>,
}

/// Races `addrs` (already in order), each attempt bounded by `wait`, bound to `local`
/// when given.
pub(super) async fn race(
    addrs: &[SocketAddr],
    local: Option<IpAddr>,
    wait: Duration,
) -> Result<Won, RaceFailure> {
    let mut pending = FuturesUnordered::new();
    let mut in_flight: Vec<SocketAddr> = Vec::new();
    let mut failed = Vec::new();
    let mut next = 0;
    let mut last_start = Instant::now();
    let mut start_now = true;
    loop {
        if next < addrs.len() && (start_now || last_start.elapsed() >= ATTEMPT_DELAY) {
            let addr = addrs[next];
            next += 1;
            last_start = Instant::now();
            start_now = false;
            in_flight.push(addr);
            pending
                .push(async move { (addr, tokio::time::timeout(wait, tcp_to(addr, local)).await) });
            continue;
        }
        if pending.is_empty() {
            return Err(RaceFailure::AllFailed(failed));
        }
        let finished = if next < addrs.len() {
            tokio::select! {
                done = pending.next() => done,
                () = tokio::time::sleep_until(last_start + ATTEMPT_DELAY) => None,
            }
        } else {
            pending.next().await
        };
        let Some((addr, result)) = finished else {
            continue;
        };
        in_flight.retain(|a| *a != addr);
        let failure = match result {
            Ok(Ok(tcp)) => {
                return Ok(Won {
                    tcp,
                    failed,
                    abandoned: in_flight,
                });
            }
            Ok(Err(SocketFailure::Bind(e))) => return Err(RaceFailure::Bind(e)),
            Ok(Err(SocketFailure::Connect(e))) if e.kind() == io::ErrorKind::ConnectionRefused => {
                AttemptFailure::Refused
            }
            Ok(Err(SocketFailure::Connect(e))) => AttemptFailure::Other {
                kind: e.kind().into(),
                message: e.to_string(),
            },
            Err(_) => AttemptFailure::TimedOut { after: wait },
        };
        failed.push(ConnectAttempt { addr, failure });
        // A failure starts the next attempt at once (RFC 8305 §5).
        start_now = true;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn addr(text: &str) -> SocketAddr {
        text.parse().expect("address")
    }

    #[test]
    fn families_alternate_ipv6_first_keeping_each_familys_order() {
        let given = [
            addr("192.0.2.1:25"),
            addr("192.0.2.2:25"),
            addr("[2001:db8::1]:25"),
            addr("192.0.2.3:25"),
            addr("[2001:db8::2]:25"),
        ];
        assert_eq!(
            interleave(&given),
            [
                addr("[2001:db8::1]:25"),
                addr("192.0.2.1:25"),
                addr("[2001:db8::2]:25"),
                addr("192.0.2.2:25"),
                addr("192.0.2.3:25"),
            ]
        );
        assert!(interleave(&[]).is_empty());
    }

    /// A port on 127.0.0.1 with nothing listening (bound, then closed).
    fn closed_port() -> u16 {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        listener.local_addr().expect("addr").port()
    }

    #[tokio::test]
    async fn a_refused_address_hands_over_at_once_and_is_reported() {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("listen");
        let open = listener.local_addr().expect("addr");
        let refused = SocketAddr::new(open.ip(), closed_port());
        let started = std::time::Instant::now();
        let won = match race(&[refused, open], None, Duration::from_secs(5)).await {
            Ok(won) => won,
            Err(_) => panic!("the open address wins"),
        };
        assert_eq!(won.tcp.peer_addr().expect("peer"), open);
        assert_eq!(
            won.failed,
            [ConnectAttempt {
                addr: refused,
                failure: AttemptFailure::Refused
            }]
        );
        assert!(won.abandoned.is_empty());
        // Not the attempt delay: a refusal starts the next attempt at once.
        assert!(started.elapsed() < Duration::from_secs(5));
    }

    /// A listener whose accept queue is full: Linux drops further SYNs, so a connection to
    /// it hangs as to a black-holed address. The returned values must stay alive.
    async fn black_hole() -> (tokio::net::TcpListener, Vec<TcpStream>, SocketAddr) {
        let socket = tokio::net::TcpSocket::new_v4().expect("socket");
        socket
            .bind("127.0.0.1:0".parse().expect("addr"))
            .expect("bind");
        let listener = socket.listen(0).expect("listen");
        let addr = listener.local_addr().expect("addr");
        let mut held = Vec::new();
        // Fill the queue (never accepted); stop once a connection no longer completes.
        for _ in 0..8 {
            match tokio::time::timeout(Duration::from_millis(300), TcpStream::connect(addr)).await {
                Ok(Ok(stream)) => held.push(stream),
                _ => break,
            }
        }
        (listener, held, addr)
    }

    #[tokio::test]
    async fn a_silent_address_costs_the_attempt_delay_not_the_timeout() {
        let (_hole, _held, silent) = black_hole().await;
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("listen");
        let open = listener.local_addr().expect("addr");
        let started = std::time::Instant::now();
        let won = match race(&[silent, open], None, Duration::from_secs(30)).await {
            Ok(won) => won,
            Err(_) => panic!("the open address wins"),
        };
        assert_eq!(won.tcp.peer_addr().expect("peer"), open);
        assert!(won.failed.is_empty());
        assert_eq!(
            won.abandoned,
            [silent],
            "the silent attempt was still pending"
        );
        // Far below the 30 s each attempt may take (the second started after 250 ms).
        let took = started.elapsed();
        assert!(took >= ATTEMPT_DELAY, "{took:?}");
        assert!(took < Duration::from_secs(20), "{took:?}");
    }

    #[tokio::test]
    async fn every_address_failing_reports_each() {
        let a = SocketAddr::new("127.0.0.1".parse().expect("ip"), closed_port());
        let b = SocketAddr::new("127.0.0.1".parse().expect("ip"), closed_port());
        match race(&[a, b], None, Duration::from_secs(5)).await {
            Err(RaceFailure::AllFailed(attempts)) => {
                let addrs: Vec<SocketAddr> = attempts.iter().map(|t| t.addr).collect();
                assert_eq!(addrs.len(), 2);
                assert!(addrs.contains(&a) && addrs.contains(&b));
                assert!(
                    attempts
                        .iter()
                        .all(|t| t.failure == AttemptFailure::Refused)
                );
            }
            _ => panic!("both refused"),
        }
    }

    #[test]
    fn the_route_note_names_every_other_attempt() {
        let taken = super::super::RouteTaken {
            earlier: vec![ConnectAttempt {
                addr: addr("[::1]:25"),
                failure: AttemptFailure::Refused,
            }],
            abandoned: vec![addr("[2001:db8::1]:25")],
            ..Default::default()
        };
        assert_eq!(
            taken.notes(),
            [
                "other addresses of the name were tried (Happy Eyeballs, RFC 8305): refused on \
              [::1]:25; given up on [2001:db8::1]:25 when another answered first"
            ]
        );
        assert!(super::super::RouteTaken::default().notes().is_empty());
    }
}
