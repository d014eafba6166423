//! Events for the transcript unit tests: one of every kind, with the awkward bytes (bare CR,
//! bare LF, invalid UTF-8, escapes) a transcript must keep exactly.

use std::time::Duration;

use crate::event::{Cause, Failure, FailureKind, Shown};
use crate::event::{
    ClientCertStatus, NameCheck, TlsInfo, TlsVerdict, Trust, TrustStore, UntrustedReason, Validity,
};
use crate::event::{Finding, Layer, SecretBytes, SessionEvent};
use crate::proto::reply::Reply;

pub fn ms(n: u64) -> Duration {
    Duration::from_micros(n * 1000 + 7)
}

pub fn reply(bytes: &[u8]) -> Reply {
    let mut replies = Reply::parse_all(bytes).expect("test reply parses");
    assert_eq!(replies.len(), 1, "one reply in {bytes:?}");
    replies.remove(0)
}

pub fn sent(at: u64, layer: Layer, bytes: &[u8]) -> SessionEvent {
    SessionEvent::Sent {
        at: ms(at),
        layer,
        shown: crate::proto::text::escape_bytes(bytes).into(),
        bytes: bytes.to_vec(),
        secret: false,
        revealed: None,
    }
}

/// A secret line; `shown` is its display form, `<redacted N bytes>` at the end.
pub fn secret(at: u64, shown: &str, wire: Option<&[u8]>) -> SessionEvent {
    let shown = match shown.rfind("<redacted ") {
        Some(at) => {
            let len = shown[at..]
                .trim_start_matches("<redacted ")
                .trim_end_matches(" bytes>")
                .parse()
                .expect("test data names a length");
            Shown::secret(&shown[..at], len)
        }
        None => Shown::plain(shown),
    };
    SessionEvent::Sent {
        at: ms(at),
        layer: Layer::Tls,
        shown,
        bytes: Vec::new(),
        secret: true,
        revealed: wire.map(|w| SecretBytes::new(w.to_vec())),
    }
}

pub fn received(at: u64, layer: Layer, bytes: &[u8]) -> SessionEvent {
    SessionEvent::Received {
        at: ms(at),
        layer,
        reply: reply(bytes),
        latency: Some(Duration::from_micros(1234)),
    }
}

pub fn tls_info(trusted: bool) -> TlsInfo {
    TlsInfo {
        version: "TLSv1.3".into(),
        cipher_suite: "TLS13_AES_256_GCM_SHA384".into(),
        key_exchange_group: Some("X25519".into()),
        alpn: None,
        chain_der: vec![vec![0x30, 0x82, 0x00, 0xff, 0x0a, 0x0d], vec![0x30, 0x00]],
        handshake: Duration::from_micros(4321),
        resumed: false,
        sni_sent: Some("mx.example.com".into()),
        verdict: if trusted {
            TlsVerdict {
                trusted: Trust::Trusted {
                    store: TrustStore::CaFile("/tmp/ca.pem".into()),
                },
                name: NameCheck::Matched {
                    name: "mx.example.com".into(),
                    san: "*.example.com".into(),
                },
                validity: Validity::Valid {
                    not_before: 1_700_000_000,
                    not_after: 1_800_000_000,
                    days_left: 90,
                },
                webpki_accepted: true,
            }
        } else {
            TlsVerdict {
                trusted: Trust::NotTrusted {
                    reason: UntrustedReason::SelfSigned,
                    context: None,
                },
                name: NameCheck::Mismatch {
                    name: "mx.example.com".into(),
                    presented: vec!["localhost".into(), "\x1b]0;x\x07".into()],
                },
                validity: Validity::Expired {
                    not_after: 1_600_000_000,
                    days_ago: 3,
                },
                webpki_accepted: false,
            }
        },
        client_cert: trusted.then_some(ClientCertStatus {
            configured: true,
            requested: true,
            sent: true,
        }),
    }
}

/// A session with one event of every kind and bytes that are hard to keep exact.
pub fn every_kind() -> Vec<SessionEvent> {
    vec![
        SessionEvent::Connected {
            at: ms(0),
            peer: "[::1]:2525".parse().expect("valid address"),
            took: Duration::from_micros(250),
        },
        received(1, Layer::Plain, b"220 mx ESMTP \xff\xfe not utf-8\r\n"),
        sent(2, Layer::Plain, b"EHLO me\r\n"),
        received(3, Layer::Plain, b"250-mx\r\n250-bare\rcr\r\n250 STARTTLS\n"),
        sent(4, Layer::Plain, b"NOOP bare\nlf\r\n"),
        sent(5, Layer::Plain, b"\xc3\x28 invalid\x00nul\r\n"),
        received(6, Layer::Plain, b"220 go ahead\r\n"),
        SessionEvent::Finding {
            at: ms(6),
            finding: Finding::InjectedPlaintext {
                bytes: b"250 injected\r\n\x80".to_vec(),
            },
        },
        SessionEvent::TlsEstablished {
            at: ms(7),
            info: Box::new(tls_info(false)),
        },
        SessionEvent::Finding {
            at: ms(7),
            finding: Finding::UnverifiedCertificate {
                summary: tls_info(false).verdict.summary(),
            },
        },
        SessionEvent::Finding {
            at: ms(7),
            finding: Finding::AuthOverPlaintext,
        },
        SessionEvent::TlsEstablished {
            at: ms(8),
            info: Box::new(tls_info(true)),
        },
        received(9, Layer::Tls, b"550 5.7.1 \x1b[31mno\r\n"),
        received(10, Layer::Tls, b"250-partial\r\n"),
        SessionEvent::Note {
            at: ms(11),
            text: "a note\nwith a line break".into(),
        },
        SessionEvent::Failed {
            at: ms(12),
            failure: Failure::new(
                FailureKind::Network,
                Cause::Closed { during: None },
                "the server closed the connection",
            )
            .with_peer(Some(([127, 0, 0, 1], 2525).into())),
        },
        SessionEvent::Closed {
            at: ms(13),
            by_peer: true,
        },
    ]
}

/// Events compare through `Debug` (they hold no secrets here and have no `PartialEq`).
pub fn same(a: &[SessionEvent], b: &[SessionEvent]) {
    assert_eq!(a.len(), b.len(), "event count");
    for (x, y) in a.iter().zip(b) {
        assert_eq!(format!("{x:?}"), format!("{y:?}"));
    }
}
