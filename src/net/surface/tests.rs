//! Unit tests of the surface's verdict and of which handshake failures call for it.

use super::*;

fn finding(version: &'static str, accepted: bool, detail: &str) -> VersionFinding {
    VersionFinding {
        version,
        accepted,
        detail: detail.into(),
    }
}

fn surface(versions: Vec<VersionFinding>, suites: Vec<SuiteFinding>) -> TlsSurface {
    TlsSurface {
        versions,
        suites_at: None,
        suites,
        groups: Vec::new(),
        server_order: None,
        tls13_group: None,
        verdict: String::new(),
    }
}

#[test]
fn only_version_suite_and_group_failures_call_for_the_surface() {
    use crate::net::NetError;
    use rustls::{AlertDescription, Error as TlsError, PeerIncompatible};
    let tls = |error: TlsError| NetError::Tls {
        explanation: String::new(),
        plaintext: None,
        source: std::io::Error::new(std::io::ErrorKind::InvalidData, error),
    };
    assert!(calls_for_surface(&tls(TlsError::AlertReceived(
        AlertDescription::ProtocolVersion
    ))));
    assert!(calls_for_surface(&tls(TlsError::AlertReceived(
        AlertDescription::HandshakeFailure
    ))));
    assert!(calls_for_surface(&tls(TlsError::PeerIncompatible(
        PeerIncompatible::NoCipherSuitesInCommon
    ))));
    assert!(calls_for_surface(&NetError::ClosedDuringHandshake));
    assert!(!calls_for_surface(&tls(TlsError::AlertReceived(
        AlertDescription::UnknownCA
    ))));
    assert!(!calls_for_surface(&tls(TlsError::InvalidCertificate(
        rustls::CertificateError::Expired
    ))));
    let plaintext = NetError::Tls {
        explanation: String::new(),
        plaintext: Some(b"220 hi".to_vec()),
        source: std::io::Error::new(std::io::ErrorKind::InvalidData, "corrupt message"),
    };
    assert!(!calls_for_surface(&plaintext));
}

#[test]
fn a_tls_1_0_only_server_is_said_to_lock_modern_clients_out() {
    let s = surface(
        vec![
            finding(
                "TLS 1.0",
                true,
                "ServerHello: TLS 1.0, TLS_RSA_WITH_AES_128_CBC_SHA",
            ),
            finding("TLS 1.1", false, "ServerHello: TLS 1.0, …"),
            finding("TLS 1.2", false, "ServerHello: TLS 1.0, …"),
            finding("TLS 1.2", false, "rustls cannot connect: …"),
            finding("TLS 1.3", false, "rustls cannot connect: …"),
        ],
        vec![SuiteFinding {
            name: "TLS_RSA_WITH_AES_128_CBC_SHA".into(),
            weakness: hello::weakness(0x002f),
        }],
    );
    assert_eq!(
        verdict(&s),
        "offers TLS 1.0 only: modern clients, smtpx included, cannot connect; Postfix and \
         Exim senders fall back to plaintext; 1 weak suite accepted (RSA key exchange (no \
         forward secrecy))"
    );
}

#[test]
fn modern_servers_and_legacy_leftovers_are_told_apart() {
    let modern = surface(
        vec![
            finding("TLS 1.0", false, "alert: protocol_version"),
            finding("TLS 1.2", true, "ServerHello: TLS 1.2, …"),
            finding("TLS 1.2", true, "rustls: TLS13_…"),
            finding("TLS 1.3", true, "rustls: TLS13_AES_256_GCM_SHA384"),
        ],
        Vec::new(),
    );
    assert_eq!(verdict(&modern), "TLS 1.2 and 1.3: modern TLS only");
    let mut leftover = modern.clone();
    leftover.versions[0] = finding("TLS 1.0", true, "ServerHello: TLS 1.0, …");
    assert_eq!(
        verdict(&leftover),
        "TLS 1.2 and 1.3, and still TLS 1.0 (deprecated by RFC 8996)"
    );
    let rsa_only = surface(
        vec![
            finding("TLS 1.2", true, "ServerHello: TLS 1.2, …"),
            finding("TLS 1.2", false, "rustls cannot connect: …"),
            finding("TLS 1.3", false, "rustls cannot connect: …"),
        ],
        Vec::new(),
    );
    assert!(verdict(&rsa_only).starts_with("offers TLS 1.2 only with cipher suites rustls"));
}
