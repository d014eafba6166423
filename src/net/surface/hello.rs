//! Hand-built ClientHellos for TLS 1.0, 1.1 and 1.2, and what the server answered, parsed
//! with `tls-parser`. rustls cannot speak TLS 1.0/1.1 or offer suites it does not
//! implement, so asking "would the server take this?" needs a hello of our own: one version,
//! the suites and groups chosen, and only the ServerHello (or alert) read back — never a
//! finished handshake.
//!
//! Layout of the hello ([RFC 5246 §7.4.1.2](https://www.rfc-editor.org/rfc/rfc5246#section-7.4.1.2)),
//! with the extensions a real client sends: server_name ([RFC 6066 §3](https://www.rfc-editor.org/rfc/rfc6066#section-3)),
//! supported_groups and ec_point_formats ([RFC 8422 §5.1](https://www.rfc-editor.org/rfc/rfc8422#section-5.1)),
//! signature_algorithms ([RFC 5246 §7.4.1.4.1](https://www.rfc-editor.org/rfc/rfc5246#section-7.4.1.4.1))
//! and renegotiation_info ([RFC 5746 §3.2](https://www.rfc-editor.org/rfc/rfc5746#section-3.2)).
//!
//! Layer: transport, sans-IO (bytes out, bytes in).

use tls_parser::{
    TlsCipherEnc, TlsCipherKx, TlsCipherSuite, TlsMessage, TlsMessageHandshake, parse_tls_plaintext,
};

/// A legacy protocol version as it is written on the wire.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, serde::Serialize)]
pub enum LegacyVersion {
    #[serde(rename = "TLS 1.0")]
    Tls10,
    #[serde(rename = "TLS 1.1")]
    Tls11,
    #[serde(rename = "TLS 1.2")]
    Tls12,
}

impl LegacyVersion {
    pub const ALL: [LegacyVersion; 3] = [
        LegacyVersion::Tls10,
        LegacyVersion::Tls11,
        LegacyVersion::Tls12,
    ];

    pub fn wire(self) -> u16 {
        match self {
            LegacyVersion::Tls10 => 0x0301,
            LegacyVersion::Tls11 => 0x0302,
            LegacyVersion::Tls12 => 0x0303,
        }
    }

    pub fn from_wire(value: u16) -> Option<LegacyVersion> {
        LegacyVersion::ALL.into_iter().find(|v| v.wire() == value)
    }

    pub fn name(self) -> &'static str {
        match self {
            LegacyVersion::Tls10 => "TLS 1.0",
            LegacyVersion::Tls11 => "TLS 1.1",
            LegacyVersion::Tls12 => "TLS 1.2",
        }
    }
}

/// The TLS 1.2-and-earlier suites probed one by one: every suite a mail server of the last
/// twenty years is likely to have, strong and weak, by IANA number.
pub const SUITES: [u16; 34] = [
    // ECDHE with ECDSA, then RSA certificates: AEAD, then CBC.
    0xc02b, 0xc02c, 0xcca9, 0xc023, 0xc024, 0xc009, 0xc00a, //
    0xc02f, 0xc030, 0xcca8, 0xc027, 0xc028, 0xc013, 0xc014, //
    // Finite-field DHE.
    0x009e, 0x009f, 0xccaa, 0x0067, 0x006b, 0x0033, 0x0039, //
    // RSA key exchange (no forward secrecy).
    0x009c, 0x009d, 0x003c, 0x003d, 0x002f, 0x0035, //
    // Broken: 3DES, RC4.
    0x000a, 0x0016, 0xc012, 0x0005, 0x0004, 0xc011, 0xc007,
];

/// Named groups probed for ECDHE ([RFC 8422 §5.1.1](https://www.rfc-editor.org/rfc/rfc8422#section-5.1.1),
/// [RFC 7748](https://www.rfc-editor.org/rfc/rfc7748)).
pub const GROUPS: [(u16, &str); 5] = [
    (0x001d, "X25519"),
    (0x0017, "secp256r1"),
    (0x0018, "secp384r1"),
    (0x0019, "secp521r1"),
    (0x001e, "X448"),
];

/// TLS_EMPTY_RENEGOTIATION_INFO_SCSV: tells the server we do secure renegotiation.
const RENEGOTIATION_SCSV: u16 = 0x00ff;

/// The IANA name of a suite (`TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256`), or its number.
pub fn suite_name(id: u16) -> String {
    TlsCipherSuite::from_id(id).map_or_else(|| format!("0x{id:04x}"), |s| s.name.to_owned())
}

/// Whether the suite uses elliptic-curve Diffie-Hellman (and so a named group).
pub fn is_ecdhe(id: u16) -> bool {
    TlsCipherSuite::from_id(id).is_some_and(|s| s.kx == TlsCipherKx::Ecdhe)
}

/// Why a suite is weak, if it is: no forward secrecy, or a broken cipher.
pub fn weakness(id: u16) -> Option<&'static str> {
    let suite = TlsCipherSuite::from_id(id)?;
    match suite.enc {
        TlsCipherEnc::Rc4 => Some("RC4 (RFC 7465 forbids it)"),
        TlsCipherEnc::TripleDes | TlsCipherEnc::Des => Some("3DES/DES (64-bit blocks: Sweet32)"),
        TlsCipherEnc::Null => Some("no encryption"),
        _ if suite.kx == TlsCipherKx::Rsa => Some("RSA key exchange (no forward secrecy)"),
        _ => None,
    }
}

/// What to offer in one hello.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Offer<'a> {
    pub version: LegacyVersion,
    pub suites: &'a [u16],
    pub groups: &'a [u16],
    /// The server name to send (a DNS name; `None` for an IP address).
    pub sni: Option<&'a str>,
}

fn u16_bytes(value: usize) -> [u8; 2] {
    // Every length here is of a few hundred bytes at most.
    (u16::try_from(value).unwrap_or(u16::MAX)).to_be_bytes()
}

fn extension(out: &mut Vec<u8>, kind: u16, body: &[u8]) {
    out.extend_from_slice(&kind.to_be_bytes());
    out.extend_from_slice(&u16_bytes(body.len()));
    out.extend_from_slice(body);
}

/// The ClientHello record for `offer`. `random` is the client random (not a secret: no
/// handshake is ever finished with it).
pub fn client_hello(offer: &Offer<'_>, random: [u8; 32]) -> Vec<u8> {
    let mut extensions = Vec::new();
    if let Some(name) = offer.sni {
        let mut list = vec![0u8];
        list.extend_from_slice(&u16_bytes(name.len()));
        list.extend_from_slice(name.as_bytes());
        let mut body = u16_bytes(list.len()).to_vec();
        body.extend_from_slice(&list);
        extension(&mut extensions, 0x0000, &body);
    }
    if !offer.groups.is_empty() {
        let mut body = u16_bytes(offer.groups.len() * 2).to_vec();
        for group in offer.groups {
            body.extend_from_slice(&group.to_be_bytes());
        }
        extension(&mut extensions, 0x000a, &body);
        // Uncompressed points only.
        extension(&mut extensions, 0x000b, &[1, 0]);
    }
    // RSA-PSS, RSA PKCS#1 and ECDSA with SHA-256/384/512, and the SHA-1 ones old servers need.
    let algorithms: [u16; 11] = [
        0x0804, 0x0805, 0x0806, 0x0401, 0x0501, 0x0601, 0x0403, 0x0503, 0x0603, 0x0201, 0x0203,
    ];
    let mut body = u16_bytes(algorithms.len() * 2).to_vec();
    for algorithm in algorithms {
        body.extend_from_slice(&algorithm.to_be_bytes());
    }
    extension(&mut extensions, 0x000d, &body);

    let mut hello = Vec::new();
    hello.extend_from_slice(&offer.version.wire().to_be_bytes());
    hello.extend_from_slice(&random);
    hello.push(0); // no session id
    let suites: Vec<u16> = offer
        .suites
        .iter()
        .copied()
        .chain([RENEGOTIATION_SCSV])
        .collect();
    hello.extend_from_slice(&u16_bytes(suites.len() * 2));
    for suite in suites {
        hello.extend_from_slice(&suite.to_be_bytes());
    }
    hello.extend_from_slice(&[1, 0]); // compression: null only
    hello.extend_from_slice(&u16_bytes(extensions.len()));
    hello.extend_from_slice(&extensions);

    let mut handshake = vec![0x01];
    let length = u32::try_from(hello.len()).unwrap_or(u32::MAX).to_be_bytes();
    handshake.extend_from_slice(&length[1..]);
    handshake.extend_from_slice(&hello);

    // Record version 1.0 for the hello, as clients do: some servers drop anything else.
    let mut record = vec![0x16, 0x03, 0x01];
    record.extend_from_slice(&u16_bytes(handshake.len()));
    record.extend_from_slice(&handshake);
    record
}

/// What the server answered a hello with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HelloReply {
    /// A ServerHello: the version and suite it chose.
    ServerHello { version: u16, suite: u16 },
    /// An alert ([RFC 5246 §7.2](https://www.rfc-editor.org/rfc/rfc5246#section-7.2)):
    /// typically handshake_failure (40) or protocol_version (70).
    Alert { description: u8 },
    /// Something that does not parse as a ServerHello or an alert.
    NotTls,
}

impl HelloReply {
    /// The alert's name as RFC 5246 §7.2 spells it, or its number.
    pub fn alert_name(description: u8) -> String {
        match description {
            10 => "unexpected_message".into(),
            40 => "handshake_failure".into(),
            47 => "illegal_parameter".into(),
            50 => "decode_error".into(),
            70 => "protocol_version".into(),
            71 => "insufficient_security".into(),
            80 => "internal_error".into(),
            86 => "inappropriate_fallback".into(),
            112 => "unrecognized_name".into(),
            other => format!("alert {other}"),
        }
    }
}

/// How many bytes of the answer [`parse_reply`] needs: the whole first record, or `None`
/// while the record header is incomplete.
pub fn record_len(bytes: &[u8]) -> Option<usize> {
    let header = bytes.get(..5)?;
    Some(5 + usize::from(u16::from_be_bytes([header[3], header[4]])))
}

/// Reads the first record of the server's answer.
pub fn parse_reply(bytes: &[u8]) -> HelloReply {
    let Ok((_, record)) = parse_tls_plaintext(bytes) else {
        return HelloReply::NotTls;
    };
    match record.msg.first() {
        Some(TlsMessage::Handshake(TlsMessageHandshake::ServerHello(hello))) => {
            HelloReply::ServerHello {
                version: hello.version.0,
                suite: hello.cipher.0,
            }
        }
        Some(TlsMessage::Alert(alert)) => HelloReply::Alert {
            description: alert.code.0,
        },
        _ => HelloReply::NotTls,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_hello_parses_back_with_what_was_offered() {
        let offer = Offer {
            version: LegacyVersion::Tls11,
            suites: &[0xc02f, 0x002f],
            groups: &[0x001d],
            sni: Some("mx.example.org"),
        };
        let bytes = client_hello(&offer, [7; 32]);
        assert_eq!(record_len(&bytes), Some(bytes.len()));
        let (rest, record) = parse_tls_plaintext(&bytes).expect("a record");
        assert!(rest.is_empty());
        let Some(TlsMessage::Handshake(TlsMessageHandshake::ClientHello(hello))) =
            record.msg.first()
        else {
            panic!("not a ClientHello: {record:?}");
        };
        assert_eq!(hello.version.0, 0x0302);
        let suites: Vec<u16> = hello.ciphers.iter().map(|c| c.0).collect();
        assert_eq!(suites, [0xc02f, 0x002f, RENEGOTIATION_SCSV]);
        let extensions = tls_parser::parse_tls_client_hello_extensions(hello.ext.unwrap_or(&[]))
            .expect("extensions")
            .1;
        assert!(extensions.iter().any(|e| matches!(
            e,
            tls_parser::TlsExtension::SNI(names) if names[0].1 == b"mx.example.org"
        )));
        assert!(extensions.iter().any(|e| matches!(
            e,
            tls_parser::TlsExtension::EllipticCurves(groups) if groups[0].0 == 0x001d
        )));
    }

    #[test]
    fn server_hellos_and_alerts_are_told_apart() {
        // A ServerHello choosing TLS 1.0 and TLS_RSA_WITH_AES_128_CBC_SHA.
        let mut hello = vec![0x03, 0x01];
        hello.extend_from_slice(&[0; 32]);
        hello.extend_from_slice(&[0, 0x00, 0x2f, 0]);
        let mut handshake = vec![0x02, 0, 0, u8::try_from(hello.len()).unwrap()];
        handshake.extend_from_slice(&hello);
        let mut record = vec![0x16, 0x03, 0x01, 0, u8::try_from(handshake.len()).unwrap()];
        record.extend_from_slice(&handshake);
        assert_eq!(
            parse_reply(&record),
            HelloReply::ServerHello {
                version: 0x0301,
                suite: 0x002f
            }
        );
        assert_eq!(
            parse_reply(&[0x15, 0x03, 0x03, 0, 2, 2, 40]),
            HelloReply::Alert { description: 40 }
        );
        assert_eq!(HelloReply::alert_name(40), "handshake_failure");
        assert_eq!(parse_reply(b"220 mx ESMTP\r\n"), HelloReply::NotTls);
        assert_eq!(record_len(&[0x16, 3]), None);
    }

    #[test]
    fn suites_are_named_and_weak_ones_flagged() {
        assert_eq!(suite_name(0xc02f), "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256");
        assert!(is_ecdhe(0xc02f) && !is_ecdhe(0x002f));
        assert_eq!(weakness(0xc02f), None);
        assert!(weakness(0x002f).is_some_and(|w| w.contains("forward secrecy")));
        assert!(weakness(0x0005).is_some_and(|w| w.contains("RC4")));
        assert!(weakness(0x000a).is_some_and(|w| w.contains("3DES")));
        for suite in SUITES {
            assert!(TlsCipherSuite::from_id(suite).is_some(), "0x{suite:04x}");
        }
    }
}
