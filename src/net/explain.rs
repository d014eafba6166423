//! Failed TLS handshakes in words: what the alert or error most likely means (a legacy
//! server, a version range the user restricted, a certificate strict mode rejected), and
//! plaintext where a TLS record was expected — an SMTP greeting on a port used with implicit
//! TLS ([RFC 8314 §3](https://www.rfc-editor.org/rfc/rfc8314#section-3)), or bytes injected
//! after the 220 to STARTTLS ([RFC 3207 §6](https://www.rfc-editor.org/rfc/rfc3207#section-6)).
//!
//! Layer: transport.

use std::io;

use rustls::{AlertDescription, Error as TlsError, PeerIncompatible, PeerMisbehaved};

use super::error::NetError;
use super::tls::{TlsOptions, TlsStart, TlsVersion, VerifyMode};
use super::verify::TlsVerdict;
use crate::proto::text::escape_bytes;

/// Whether bytes could be the start of a TLS record (content type 20–24, major version 3).
fn looks_like_tls(bytes: &[u8]) -> bool {
    match bytes {
        [] => true,
        [t] => (0x14..=0x18).contains(t),
        [t, major, ..] => (0x14..=0x18).contains(t) && *major == 3,
    }
}

/// How many leading bytes come before the first plausible TLS record header.
fn plaintext_len(bytes: &[u8]) -> usize {
    bytes
        .windows(3)
        .position(|w| (0x14..=0x18).contains(&w[0]) && w[1] == 3 && w[2] <= 4)
        .unwrap_or(bytes.len())
}

/// The first line of untrusted bytes, escaped and shortened for a message.
fn excerpt(bytes: &[u8]) -> String {
    let line = bytes.split(|&b| b == b'\n').next().unwrap_or_default();
    let line = line.strip_suffix(b"\r").unwrap_or(line);
    let mut text = escape_bytes(&line[..line.len().min(100)]);
    if line.len() > 100 || line.len() < bytes.len().saturating_sub(2) {
        text.push('…');
    }
    text
}

const LEGACY: &str = "the server only offers TLS 1.0/1.1 or legacy cipher suites, which smtpx \
    (rustls) does not speak; rustls implements only TLS 1.2 and 1.3 with forward-secret AEAD \
    cipher suites (no RSA key exchange, CBC with SHA-1, 3DES or RC4)";

pub(crate) fn explain_failure(
    error: io::Error,
    seen: Vec<u8>,
    verdict: Option<TlsVerdict>,
    tls: &TlsOptions,
    start: TlsStart,
) -> NetError {
    if !looks_like_tls(&seen) {
        // Keep only the plaintext: rustls may have read a real ServerHello right behind it.
        let mut seen = seen;
        seen.truncate(plaintext_len(&seen));
        let explanation = match start {
            TlsStart::OnConnect => format!(
                "the server answered in plaintext: '{}' — this port does not use implicit TLS, \
                 try without --tls-on-connect / with STARTTLS",
                excerpt(&seen)
            ),
            TlsStart::StartTls => format!(
                "the server sent plaintext after its 220 to STARTTLS instead of a TLS handshake: \
                 '{}' — response injection (CVE-2011-0411 class, RFC 3207 §6) or a broken server; \
                 none of it was treated as TLS-protected",
                excerpt(&seen)
            ),
        };
        return NetError::Tls {
            explanation,
            plaintext: Some(seen),
            source: error,
        };
    }
    let rustls_error = error
        .get_ref()
        .and_then(|inner| inner.downcast_ref::<TlsError>())
        .cloned();
    if let (Some(verdict), VerifyMode::Strict, Some(TlsError::InvalidCertificate(_))) =
        (&verdict, tls.mode, &rustls_error)
    {
        if !verdict.ok() {
            return NetError::CertificateRejected {
                verdict: Box::new(verdict.clone()),
            };
        }
    }
    let explanation = match &rustls_error {
        Some(e) => explain_rustls(e, tls),
        None if error.kind() == io::ErrorKind::UnexpectedEof => {
            return NetError::ClosedDuringHandshake;
        }
        None => format!("network error: {}", io_words(&error)),
    };
    NetError::Tls {
        explanation,
        plaintext: None,
        source: error,
    }
}

fn allowed_versions(tls: &TlsOptions) -> String {
    let min = tls.min_version.unwrap_or(TlsVersion::Tls12);
    let max = tls.max_version.unwrap_or(TlsVersion::Tls13);
    if min == max {
        format!("only {}", min.name())
    } else {
        format!("{} to {}", min.name(), max.name())
    }
}

/// An alert by its name in the TLS specifications
/// ([RFC 8446 §6](https://www.rfc-editor.org/rfc/rfc8446#section-6)), not rustls' type name.
fn alert_name(alert: AlertDescription) -> String {
    let name = match u8::from(alert) {
        0 => "close_notify",
        10 => "unexpected_message",
        20 => "bad_record_mac",
        22 => "record_overflow",
        40 => "handshake_failure",
        42 => "bad_certificate",
        43 => "unsupported_certificate",
        44 => "certificate_revoked",
        45 => "certificate_expired",
        46 => "certificate_unknown",
        47 => "illegal_parameter",
        48 => "unknown_ca",
        49 => "access_denied",
        50 => "decode_error",
        51 => "decrypt_error",
        70 => "protocol_version",
        71 => "insufficient_security",
        80 => "internal_error",
        86 => "inappropriate_fallback",
        90 => "user_canceled",
        109 => "missing_extension",
        110 => "unsupported_extension",
        112 => "unrecognized_name",
        113 => "bad_certificate_status_response",
        115 => "unknown_psk_identity",
        116 => "certificate_required",
        120 => "no_application_protocol",
        other => return format!("alert {other}"),
    };
    name.to_string()
}

/// A rustls error in words where rustls' own text would show a type name: alerts by their
/// RFC name, a refused certificate as such (its reason is in the verdict).
pub(crate) fn tls_words(error: &TlsError) -> String {
    match error {
        TlsError::AlertReceived(alert) => {
            format!("the server sent the TLS alert {}", alert_name(*alert))
        }
        TlsError::InvalidCertificate(_) => {
            "the certificate was refused (the verdict says why)".to_string()
        }
        other => other.to_string(),
    }
}

/// An I/O error in words, with a rustls error inside it put as [`tls_words`] does.
pub(crate) fn io_words(error: &io::Error) -> String {
    match error
        .get_ref()
        .and_then(|inner| inner.downcast_ref::<TlsError>())
    {
        Some(tls) => tls_words(tls),
        None => error.to_string(),
    }
}

/// A rustls handshake error in words, with the likely cause.
pub(crate) fn explain_rustls(error: &TlsError, tls: &TlsOptions) -> String {
    let words = tls_words(error);
    let version_alert = matches!(
        error,
        TlsError::AlertReceived(AlertDescription::ProtocolVersion)
            | TlsError::PeerIncompatible(
                PeerIncompatible::ServerDoesNotSupportTls12Or13
                    | PeerIncompatible::ServerTlsVersionIsDisabledByOurConfig
                    | PeerIncompatible::Tls12NotOffered
                    | PeerIncompatible::Tls12NotOfferedOrEnabled
                    | PeerIncompatible::SupportedVersionsExtensionRequired
            )
    );
    if version_alert && tls.versions_restricted() {
        return format!(
            "no TLS version in common: smtpx was limited to {} by the version options, and the \
             server does not accept that ({words})",
            allowed_versions(tls)
        );
    }
    match error {
        _ if version_alert => format!("{LEGACY} ({words})"),
        TlsError::AlertReceived(
            AlertDescription::HandshakeFailure | AlertDescription::InsufficientSecurity,
        ) => format!(
            "{LEGACY} — that is the usual reason for this alert; it can also mean the server \
             wants a client certificate or has no certificate for the name sent in SNI ({words})"
        ),
        TlsError::PeerIncompatible(
            PeerIncompatible::NoCipherSuitesInCommon
            | PeerIncompatible::NoKxGroupsInCommon
            | PeerIncompatible::NoSignatureSchemesInCommon
            | PeerIncompatible::EcPointsExtensionRequired
            | PeerIncompatible::ExtendedMasterSecretExtensionRequired,
        )
        | TlsError::PeerMisbehaved(
            PeerMisbehaved::SelectedUnofferedCipherSuite
            | PeerMisbehaved::SelectedUnofferedKxGroup
            | PeerMisbehaved::SelectedTls12UsingTls13VersionExtension,
        ) => format!("{LEGACY} ({words})"),
        TlsError::AlertReceived(alert) => {
            format!(
                "the server aborted the handshake with the TLS alert {}",
                alert_name(*alert)
            )
        }
        TlsError::InvalidCertificate(_) => words,
        TlsError::InvalidMessage(_) | TlsError::InappropriateHandshakeMessage { .. } => {
            format!("the server sent something that is not a valid TLS handshake ({words})")
        }
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plaintext_is_recognised_and_excerpted() {
        assert!(!looks_like_tls(b"220 mx ESMTP\r\n"));
        assert!(looks_like_tls(b"\x16\x03\x03\x00\x10"));
        assert!(looks_like_tls(b"\x15"));
        assert_eq!(plaintext_len(b"250 injected\r\n\x16\x03\x03\x00\x7a"), 14);
        assert_eq!(plaintext_len(b"220 hi"), 6);
        assert_eq!(excerpt(b"220 mx ESMTP\r\n"), "220 mx ESMTP");
        assert_eq!(excerpt(b"220 a\x1b[2J\r\n250 b\r\n"), "220 a\\x1b[2J…");
    }

    #[test]
    fn legacy_alerts_are_explained() {
        let opts = TlsOptions::default();
        let text = explain_rustls(
            &TlsError::AlertReceived(AlertDescription::HandshakeFailure),
            &opts,
        );
        assert!(
            text.contains("TLS 1.0/1.1 or legacy cipher suites"),
            "{text}"
        );
        let text = explain_rustls(
            &TlsError::PeerIncompatible(PeerIncompatible::ServerDoesNotSupportTls12Or13),
            &opts,
        );
        assert!(text.contains("does not speak"), "{text}");
        let limited = TlsOptions {
            max_version: Some(TlsVersion::Tls12),
            ..TlsOptions::default()
        };
        let text = explain_rustls(
            &TlsError::AlertReceived(AlertDescription::ProtocolVersion),
            &limited,
        );
        assert!(text.contains("limited to only TLS 1.2"), "{text}");
    }

    #[test]
    fn alerts_are_named_as_the_rfc_names_them() {
        assert_eq!(
            tls_words(&TlsError::AlertReceived(
                AlertDescription::CertificateRequired
            )),
            "the server sent the TLS alert certificate_required"
        );
        assert_eq!(alert_name(AlertDescription::UnknownCA), "unknown_ca");
        assert_eq!(alert_name(AlertDescription::Unknown(200)), "alert 200");
        let text = explain_rustls(
            &TlsError::AlertReceived(AlertDescription::BadCertificate),
            &TlsOptions::default(),
        );
        assert_eq!(
            text,
            "the server aborted the handshake with the TLS alert bad_certificate"
        );
    }
}
