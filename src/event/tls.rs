//! What a TLS handshake negotiated ([`TlsInfo`]): plain data the transport fills in and the
//! driver carries in [`SessionEvent::TlsEstablished`](super::SessionEvent::TlsEstablished).
//!
//! Layer: event and value types (std and serde; the handshake itself is in `net::tls`).

use std::time::Duration;

use serde::{Deserialize, Serialize};

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
    /// Mutual TLS: whether the server asked for a client certificate and whether one was
    /// sent. `None` in recordings made before smtpx kept it.
    pub client_cert: Option<ClientCertStatus>,
}

/// What happened to client authentication in a handshake
/// ([RFC 8446 §4.3.2](https://www.rfc-editor.org/rfc/rfc8446#section-4.3.2),
/// [RFC 5246 §7.4.4](https://www.rfc-editor.org/rfc/rfc5246#section-7.4.4)).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct ClientCertStatus {
    /// A client certificate was given (`--client-cert`).
    pub configured: bool,
    /// The server sent a CertificateRequest.
    pub requested: bool,
    /// A certificate went out in answer.
    pub sent: bool,
}

impl ClientCertStatus {
    /// In words: "the server asked for a client certificate; one was sent".
    pub fn describe(&self) -> &'static str {
        match (self.requested, self.sent, self.configured) {
            (true, true, _) => "the server asked for a client certificate; --client-cert was sent",
            (true, false, true) => {
                "the server asked for a client certificate; --client-cert was NOT sent (its key \
                 type suits none of the signature schemes the server accepts)"
            }
            (true, false, false) => {
                "the server asked for a client certificate; none was sent (no --client-cert)"
            }
            (false, _, true) => {
                "the server did not ask for a client certificate; --client-cert was not used"
            }
            (false, _, false) => "the server did not ask for a client certificate",
        }
    }
}
