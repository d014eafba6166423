//! Accepting connections for smtpx's own servers (the sandbox and `replay --serve`): one
//! loop for both, so a server out of file descriptors backs off instead of spinning.
//!
//! Layer: transport.

use std::io;
use std::net::SocketAddr;
use std::time::Duration;

use tokio::net::{TcpListener, TcpStream};

/// The next connection. A failed accept (`EMFILE`, `ENFILE`, `ENOBUFS`: the process or the
/// machine is out of something) is reported through `on_error` once per run of failures
/// and retried after a pause that grows from 50 ms to 1 s — never a busy loop writing a
/// line per attempt. Cancel-safe: dropping the future loses no connection.
pub async fn accept(
    listener: &TcpListener,
    mut on_error: impl FnMut(&io::Error),
) -> (TcpStream, SocketAddr) {
    let mut failures: u32 = 0;
    loop {
        match listener.accept().await {
            Ok(pair) => return pair,
            Err(error) => {
                if failures == 0 {
                    on_error(&error);
                }
                failures = failures.saturating_add(1);
                tokio::time::sleep(backoff(failures)).await;
            }
        }
    }
}

/// 50 ms after the first failure, doubling, at most 1 s.
fn backoff(failures: u32) -> Duration {
    let ms = 50u64.saturating_mul(1 << failures.saturating_sub(1).min(5));
    Duration::from_millis(ms.min(1_000))
}

#[cfg(test)]
mod tests {
    use super::backoff;
    use std::time::Duration;

    #[test]
    fn backoff_grows_and_is_bounded() {
        assert_eq!(backoff(1), Duration::from_millis(50));
        assert_eq!(backoff(2), Duration::from_millis(100));
        assert_eq!(backoff(6), Duration::from_millis(1_000));
        assert_eq!(backoff(100), Duration::from_millis(1_000));
    }
}
