//! Does a port that accepted and stays silent speak TLS? A second TCP connection sends a
//! TLS ClientHello and reads what comes back: a ServerHello means the port expects TLS from
//! the first byte (implicit TLS, [RFC 8314 §3](https://www.rfc-editor.org/rfc/rfc8314#section-3)),
//! and anything else (silence, a close, plaintext) means it does not — a tarpit, a greeting
//! delay, or another service.
//!
//! The check reads only the first record header and handshake type
//! ([RFC 8446 §5.1](https://www.rfc-editor.org/rfc/rfc8446#section-5.1),
//! [§4](https://www.rfc-editor.org/rfc/rfc8446#section-4)); it never finishes a handshake,
//! verifies nothing and sends nothing but the ClientHello, so it needs no trust roots and
//! costs one round trip.
//!
//! Layer: transport.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use rustls::pki_types::ServerName;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use super::route::Route;
use super::target::Target;

/// What a ClientHello on a fresh connection got back.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HelloAnswer {
    /// A TLS handshake record holding a ServerHello: the port speaks TLS from the first byte.
    ServerHello,
    /// A TLS alert: a TLS server that refused this hello (no common version or cipher).
    Alert,
    /// Bytes that are not TLS (at most the first 512): a greeting that came late, or another
    /// service. Untrusted; escape before display.
    Plaintext(Vec<u8>),
    /// The server closed the connection without a word.
    Closed,
    /// Nothing came back within the wait.
    Silent,
    /// The second connection could not be made.
    Unreachable,
}

impl HelloAnswer {
    /// Whether the answer proves a TLS server listens there.
    pub fn speaks_tls(&self) -> bool {
        matches!(self, HelloAnswer::ServerHello | HelloAnswer::Alert)
    }
}

/// Content type of a TLS handshake record, and the handshake type of a ServerHello
/// ([RFC 8446 §5.1, §4](https://www.rfc-editor.org/rfc/rfc8446#section-5.1)).
const HANDSHAKE: u8 = 0x16;
const ALERT: u8 = 0x15;
const SERVER_HELLO: u8 = 0x02;

/// How much of a non-TLS answer is kept.
const KEEP: usize = 512;

/// Connects to `addr` (the address an earlier connection to `target` reached) the way
/// `route` says — through the same proxy, with the same PROXY header — sends a ClientHello
/// for the target's host, and waits up to `wait` (for the connection and the answer each)
/// for the first bytes back.
pub async fn hello_answer(
    route: &Route,
    target: &Target,
    addr: SocketAddr,
    wait: Duration,
) -> HelloAnswer {
    let Some(hello) = client_hello(&target.host) else {
        return HelloAnswer::Unreachable;
    };
    let mut tcp = match tokio::time::timeout(wait, route.reopen(target, addr, wait)).await {
        Ok(Ok(tcp)) => tcp,
        _ => return HelloAnswer::Unreachable,
    };
    let _ = tcp.set_nodelay(true);
    if tcp.write_all(&hello).await.is_err() {
        return HelloAnswer::Closed;
    }
    let mut seen = Vec::new();
    let mut buf = [0u8; 1024];
    let deadline = tokio::time::Instant::now() + wait;
    let mut closed = false;
    // Six bytes say it: record type, version, length, and the handshake type.
    while seen.len() < 6 {
        match tokio::time::timeout_at(deadline, tcp.read(&mut buf)).await {
            Ok(Ok(0)) | Ok(Err(_)) => {
                closed = true;
                break;
            }
            Ok(Ok(n)) => seen.extend_from_slice(&buf[..n]),
            Err(_) => break,
        }
        if !could_be_tls(&seen) {
            break;
        }
    }
    seen.truncate(KEEP);
    classify(seen, closed)
}

/// What the first bytes of an answer are; `closed`: the server closed after them.
fn classify(seen: Vec<u8>, closed: bool) -> HelloAnswer {
    match seen.as_slice() {
        [] if closed => HelloAnswer::Closed,
        [] => HelloAnswer::Silent,
        [HANDSHAKE, 3, _, _, _, SERVER_HELLO, ..] => HelloAnswer::ServerHello,
        [ALERT, 3, ..] => HelloAnswer::Alert,
        bytes if could_be_tls(bytes) && bytes.len() < 6 => HelloAnswer::Silent,
        _ => HelloAnswer::Plaintext(seen),
    }
}

/// Whether bytes so far could still be the start of a ServerHello or an alert.
fn could_be_tls(bytes: &[u8]) -> bool {
    match bytes {
        [] => true,
        [t, rest @ ..] if *t == HANDSHAKE || *t == ALERT => rest.first().is_none_or(|v| *v == 3),
        _ => false,
    }
}

/// The bytes of a ClientHello for `host`, from rustls (ring, TLS 1.2 and 1.3), as a real
/// client would send them — a server that answers it would answer the explorer.
fn client_hello(host: &str) -> Option<Vec<u8>> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .ok()?
        .with_root_certificates(rustls::RootCertStore::empty())
        .with_no_client_auth();
    let name = host.trim_start_matches('[').trim_end_matches(']');
    let server_name = ServerName::try_from(name.to_string())
        .or_else(|_| ServerName::try_from("localhost".to_string()))
        .ok()?;
    let mut conn = rustls::ClientConnection::new(Arc::new(config), server_name).ok()?;
    let mut bytes = Vec::new();
    while conn.wants_write() {
        conn.write_tls(&mut bytes).ok()?;
    }
    Some(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn answers_are_told_apart_by_their_first_bytes() {
        assert_eq!(
            classify(b"\x16\x03\x03\x00\x7a\x02\x00".to_vec(), true),
            HelloAnswer::ServerHello
        );
        assert_eq!(
            classify(b"\x15\x03\x03\x00\x02".to_vec(), true),
            HelloAnswer::Alert
        );
        assert_eq!(classify(Vec::new(), true), HelloAnswer::Closed);
        assert_eq!(classify(Vec::new(), false), HelloAnswer::Silent);
        assert_eq!(
            classify(b"220 late greeting\r\n".to_vec(), true),
            HelloAnswer::Plaintext(b"220 late greeting\r\n".to_vec())
        );
        // A handshake record that is not a ServerHello proves nothing.
        assert!(matches!(
            classify(b"\x16\x03\x03\x00\x7a\x0b".to_vec(), true),
            HelloAnswer::Plaintext(_)
        ));
        assert_eq!(classify(b"\x16\x03".to_vec(), true), HelloAnswer::Silent);
    }

    #[test]
    fn the_client_hello_is_a_tls_handshake_record() {
        for host in ["mx.example.com", "127.0.0.1", "[::1]", "not a name"] {
            let hello = client_hello(host).expect("a ClientHello");
            assert_eq!(&hello[..2], &[HANDSHAKE, 3], "{host}");
            assert_eq!(hello[5], 0x01, "ClientHello handshake type for {host}");
        }
    }

    #[tokio::test]
    async fn a_tls_listener_answers_and_a_silent_one_does_not() {
        use tokio::net::TcpListener;
        let silent = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let addr = silent.local_addr().expect("address");
        let keep = tokio::spawn(async move {
            let held = silent.accept().await;
            tokio::time::sleep(Duration::from_secs(5)).await;
            drop(held);
        });
        let target = Target::new("localhost", addr.port());
        let answer =
            hello_answer(&Route::default(), &target, addr, Duration::from_millis(300)).await;
        assert_eq!(answer, HelloAnswer::Silent);
        keep.abort();

        let tls = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let addr = tls.local_addr().expect("address");
        tokio::spawn(async move {
            if let Ok((mut s, _)) = tls.accept().await {
                let mut buf = [0u8; 512];
                let _ = s.read(&mut buf).await;
                let _ = s.write_all(b"\x16\x03\x03\x00\x30\x02\x00\x00\x2c").await;
            }
        });
        let target = Target::new("localhost", addr.port());
        let answer = hello_answer(&Route::default(), &target, addr, Duration::from_secs(2)).await;
        assert_eq!(answer, HelloAnswer::ServerHello);
    }
}
