//! What a TLS handshake negotiated ([`TlsInfo`]): plain data the transport fills in and the
//! driver carries in [`SessionEvent::TlsEstablished`](super::SessionEvent::TlsEstablished).
//!
//! Layer: event and value types (std only; the handshake itself is in `net::tls`).

use std::time::Duration;

use super::verdict::TlsVerdict;

/// What the handshake negotiated and what verification found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TlsInfo {
    /// `TLSv1.3`, `TLSv1.2`.
    pub version: String,
    /// IANA-style name, e.g. `TLS13_AES_256_GCM_SHA384`.
    pub cipher_suite: String,
    /// e.g. `X25519`, `secp256r1`.
    pub key_exchange_group: Option<String>,
    pub alpn: Option<String>,
    /// The certificates the server sent, leaf first (DER).
    pub chain_der: Vec<Vec<u8>>,
    pub handshake: Duration,
    pub resumed: bool,
    pub sni_sent: Option<String>,
    pub verdict: TlsVerdict,
}
