//! Connecting to one host's addresses with Happy Eyeballs
//! ([RFC 8305](https://www.rfc-editor.org/rfc/rfc8305)): IPv6 and IPv4 interleaved, a new
//! attempt every 250 ms while earlier ones are still pending, the first to connect wins, and
//! every attempt is kept with its outcome.
//!
//! Layer: transport. Shared by `smtpx check` and the `--mx` routing of the commands that
//! connect to one server.

use std::net::{IpAddr, SocketAddr};
use std::time::{Duration, Instant};

use futures::StreamExt;
use futures::stream::FuturesUnordered;
use serde::Serialize;

use super::{AddressFamily, ConnectOptions, Connection, NetError, Target};

/// The Connection Attempt Delay of [RFC 8305 §5](https://www.rfc-editor.org/rfc/rfc8305#section-5),
/// the same as a single connection's race between a name's addresses.
pub use super::route::eyeballs::ATTEMPT_DELAY;

/// One connection attempt and how it ended.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Attempt {
    pub addr: SocketAddr,
    /// Milliseconds after the first attempt that this one started.
    pub started_ms: u64,
    pub outcome: AttemptOutcome,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum AttemptOutcome {
    Connected {
        after_ms: u64,
    },
    Refused,
    TimedOut,
    Failed {
        reason: String,
    },
    /// Another address connected first; this attempt was stopped or never started.
    Abandoned,
}

impl AttemptOutcome {
    pub fn describe(&self) -> String {
        match self {
            AttemptOutcome::Connected { after_ms } => format!("connected in {after_ms} ms"),
            AttemptOutcome::Refused => "connection refused".into(),
            AttemptOutcome::TimedOut => "timed out".into(),
            AttemptOutcome::Failed { reason } => reason.clone(),
            AttemptOutcome::Abandoned => "abandoned (another address connected first)".into(),
        }
    }
}

/// IPv6 first, then alternating families ([RFC 8305 §4](https://www.rfc-editor.org/rfc/rfc8305#section-4)),
/// filtered by `family`.
pub fn interleave(addrs: &[IpAddr], family: AddressFamily) -> Vec<IpAddr> {
    let allowed: Vec<SocketAddr> = addrs
        .iter()
        .map(|ip| SocketAddr::new(*ip, 0))
        .filter(|addr| family.allows(addr))
        .collect();
    super::route::eyeballs::interleave(&allowed)
        .into_iter()
        .map(|addr| addr.ip())
        .collect()
}

/// Races connections to `addrs` (already in order); returns the winner, if any, and every
/// attempt.
pub async fn happy_eyeballs(
    addrs: &[IpAddr],
    port: u16,
    opts: &ConnectOptions,
) -> (Option<Connection>, Vec<Attempt>) {
    let start = Instant::now();
    let ms = |d: Duration| d.as_millis().min(u128::from(u64::MAX)) as u64;
    let mut attempts: Vec<Attempt> = addrs
        .iter()
        .map(|ip| Attempt {
            addr: SocketAddr::new(*ip, port),
            started_ms: 0,
            outcome: AttemptOutcome::Abandoned,
        })
        .collect();
    let mut pending = FuturesUnordered::new();
    let mut next = 0;
    let mut winner = None;
    while winner.is_none() && (next < addrs.len() || !pending.is_empty()) {
        if next < addrs.len()
            && (pending.is_empty() || start.elapsed() >= ATTEMPT_DELAY * next as u32)
        {
            let index = next;
            next += 1;
            attempts[index].started_ms = ms(start.elapsed());
            let target = Target::new(addrs[index].to_string(), port);
            let opts = opts.clone();
            pending.push(async move {
                let began = Instant::now();
                (index, began, Connection::connect(&target, &opts).await)
            });
            continue;
        }
        let wake = start + ATTEMPT_DELAY * next as u32;
        let finished = if next < addrs.len() {
            tokio::select! {
                done = pending.next() => done,
                _ = tokio::time::sleep_until(wake.into()) => None,
            }
        } else {
            pending.next().await
        };
        let Some((index, began, result)) = finished else {
            continue;
        };
        attempts[index].outcome = match result {
            Ok(conn) => {
                winner = Some(conn);
                AttemptOutcome::Connected {
                    after_ms: ms(began.elapsed()),
                }
            }
            Err(NetError::Connect {
                attempts: failed, ..
            }) => match failed.first() {
                Some(a) => match &a.failure {
                    super::AttemptFailure::Refused => AttemptOutcome::Refused,
                    super::AttemptFailure::TimedOut { .. } => AttemptOutcome::TimedOut,
                    super::AttemptFailure::Other { message, .. } => AttemptOutcome::Failed {
                        reason: message.clone(),
                    },
                },
                None => AttemptOutcome::Failed {
                    reason: "no address".into(),
                },
            },
            Err(e) => AttemptOutcome::Failed {
                reason: e.to_string(),
            },
        };
    }
    (winner, attempts)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn families_alternate_starting_with_ipv6() {
        let v4a: IpAddr = "127.0.0.1".parse().unwrap();
        let v4b: IpAddr = "127.0.0.2".parse().unwrap();
        let v6: IpAddr = "::1".parse().unwrap();
        assert_eq!(
            interleave(&[v4a, v4b, v6], AddressFamily::Any),
            [v6, v4a, v4b]
        );
        assert_eq!(interleave(&[v4a, v6], AddressFamily::V4Only), [v4a]);
        assert_eq!(interleave(&[v4a, v6], AddressFamily::V6Only), [v6]);
    }

    #[tokio::test]
    async fn a_refused_address_is_reported_and_the_next_one_wins() {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        // ::1 on the same port has no listener: refused at once.
        let addrs = [
            IpAddr::from([0u16, 0, 0, 0, 0, 0, 0, 1]),
            IpAddr::from([127, 0, 0, 1]),
        ];
        let (conn, attempts) = happy_eyeballs(&addrs, port, &ConnectOptions::default()).await;
        assert!(conn.is_some());
        assert!(
            matches!(
                attempts[0].outcome,
                AttemptOutcome::Refused | AttemptOutcome::Failed { .. }
            ),
            "{attempts:?}"
        );
        assert!(
            matches!(attempts[1].outcome, AttemptOutcome::Connected { .. }),
            "{attempts:?}"
        );
    }
}
