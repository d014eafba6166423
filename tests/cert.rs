//! The certificate inspector: chains made with rcgen (and two fixed openssl files
//! under `tests/data/certs/`) presented by an in-process implicit-TLS server, checked for the
//! decoded fields, how the chain links, and the three verdicts kept apart.

mod support;

use std::sync::Arc;
use std::time::Duration;

use rcgen::{CustomExtension, DnType, DnValue, SanType};
use rustls::ServerConfig;
use smtpx::net::cert::chain::Link;
use smtpx::net::cert::render::{ChainView, report_lines, verdict_lines};
use smtpx::net::{
    ConnectOptions, Connection, NameCheck, NetError, ReadOutcome, SanEntry, Target, TlsInfo,
    TlsOptions, Trust, TrustStore, UntrustedReason, Validity, summarize,
};
use support::pki::{fixed_pem, mtls_server_config, pem_certs};
use support::*;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// Serves one implicit-TLS connection with `config`: greets, then waits for the client.
async fn serve_once(config: Arc<ServerConfig>) -> u16 {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let port = listener.local_addr().expect("addr").port();
    tokio::spawn(async move {
        let Ok((tcp, _)) = listener.accept().await else {
            return;
        };
        let acceptor = tokio_rustls::TlsAcceptor::from(config);
        if let Ok(mut tls) = acceptor.accept(tcp).await {
            let _ = tls.write_all(b"220 localhost ESMTP test\r\n").await;
            let mut buf = [0u8; 64];
            let _ = tokio::time::timeout(Duration::from_secs(5), tls.read(&mut buf)).await;
        }
    });
    port
}

fn target(port: u16) -> Target {
    Target {
        host: "127.0.0.1".into(),
        port,
    }
}

fn opts(pki: Option<&TestPki>) -> TlsOptions {
    TlsOptions {
        verify_name: Some("localhost".into()),
        ca_file: pki.map(TestPki::ca_file),
        ..TlsOptions::default()
    }
}

/// Handshakes with a server presenting `identity`; returns what was negotiated.
async fn inspect(identity: &Identity, tls: TlsOptions) -> TlsInfo {
    let port = serve_once(server_config(identity)).await;
    let (_conn, info) = Connection::connect_tls(&target(port), &ConnectOptions::default(), &tls)
        .await
        .expect("handshake (report mode goes on)");
    info
}

fn ca_file_store(pki: &TestPki) -> TrustStore {
    TrustStore::CaFile(pki.ca_file())
}

#[tokio::test]
async fn valid_chain_through_test_ca_is_trusted_by_the_ca_file_and_decoded() {
    let pki = test_pki();
    let info = inspect(&pki.leaf(LeafKind::Good), opts(Some(&pki))).await;
    let v = &info.verdict;
    assert_eq!(
        v.trusted,
        Trust::Trusted {
            store: ca_file_store(&pki)
        }
    );
    assert_eq!(
        v.name,
        NameCheck::Matched {
            name: "localhost".into(),
            san: "localhost".into()
        }
    );
    assert!(matches!(
        v.validity,
        Validity::Valid {
            days_left: 89 | 90,
            ..
        }
    ));
    let view = ChainView::new(&info);
    assert_eq!(view.links, vec![Link::IssuedByNext, Link::SelfIssued]);
    let leaf = &view.certs[0];
    assert_eq!(leaf.subject.as_deref(), Some("CN=localhost"));
    assert_eq!(leaf.issuer.as_deref(), Some("CN=smtpx test CA"));
    assert_eq!(leaf.ext.extended_key_usage, ["serverAuth"]);
    assert_eq!(leaf.ext.key_usage, ["digitalSignature"]);
    assert_eq!(leaf.sha1.len(), 40);
    assert!(leaf.flags(smtpx::net::cert::render::unix_now()).is_empty());
    assert!(view.certs[1].ext.basic_constraints.is_some_and(|b| b.ca));
    let words = verdict_lines(v);
    assert!(words[0].1.starts_with("trusted by ca-file "), "{words:?}");
    assert_eq!(words[1].1, "localhost matches subjectAltName localhost");
    let report = report_lines(&info, smtpx::net::cert::render::unix_now()).join("\n");
    assert!(report.contains("sha1: "), "{report}");
    assert!(
        report.contains("↓ issued by the next certificate"),
        "{report}"
    );
}

#[tokio::test]
async fn expired_and_not_yet_valid_leaves_are_flagged_in_all_three_places() {
    let pki = test_pki();
    let now = smtpx::net::cert::render::unix_now();
    let info = inspect(&pki.leaf(LeafKind::Expired), opts(Some(&pki))).await;
    assert!(matches!(
        info.verdict.trusted,
        Trust::NotTrusted {
            reason: UntrustedReason::Expired,
            ..
        }
    ));
    assert!(matches!(info.verdict.name, NameCheck::Matched { .. }));
    assert!(matches!(
        info.verdict.validity,
        Validity::Expired {
            days_ago: 10 | 9,
            ..
        }
    ));
    assert!(
        summarize(&info.chain_der[0])
            .flags(now)
            .contains(&"EXPIRED".to_string())
    );

    let info = inspect(&pki.leaf(LeafKind::NotYetValid), opts(Some(&pki))).await;
    assert!(matches!(
        info.verdict.trusted,
        Trust::NotTrusted {
            reason: UntrustedReason::NotYetValid,
            ..
        }
    ));
    assert!(matches!(
        info.verdict.validity,
        Validity::NotYetValid { .. }
    ));
    assert!(
        summarize(&info.chain_der[0])
            .flags(now)
            .contains(&"NOT YET VALID".to_string())
    );
}

#[tokio::test]
async fn leaf_expiring_within_30_days_is_flagged() {
    let pki = test_pki();
    let identity = pki.leaf_with(|p| {
        let now = smtpx::net::cert::render::unix_now();
        p.not_after = x509_parser::time::ASN1Time::from_timestamp(now + 5 * 86_400)
            .expect("date")
            .to_datetime();
    });
    let info = inspect(&identity, opts(Some(&pki))).await;
    assert!(info.verdict.ok());
    let flags = summarize(&info.chain_der[0]).flags(smtpx::net::cert::render::unix_now());
    assert_eq!(flags, ["expires within 30 days"]);
}

#[tokio::test]
async fn wrong_name_is_a_name_verdict_not_a_trust_verdict() {
    let pki = test_pki();
    let info = inspect(&pki.leaf(LeafKind::WrongName), opts(Some(&pki))).await;
    assert!(matches!(info.verdict.trusted, Trust::Trusted { .. }));
    assert_eq!(
        info.verdict.name,
        NameCheck::Mismatch {
            name: "localhost".into(),
            presented: vec!["wrong.example.com".into()]
        }
    );
    assert!(matches!(info.verdict.validity, Validity::Valid { .. }));
    assert_eq!(
        verdict_lines(&info.verdict)[1].1,
        "name mismatch: localhost is not among its names; the certificate presents \
         wrong.example.com"
    );
}

#[tokio::test]
async fn self_signed_leaf_is_named_as_such() {
    let pki = test_pki();
    let info = inspect(&pki.leaf(LeafKind::SelfSigned), opts(Some(&pki))).await;
    assert!(matches!(
        info.verdict.trusted,
        Trust::NotTrusted {
            reason: UntrustedReason::SelfSigned,
            ..
        }
    ));
    assert!(matches!(info.verdict.name, NameCheck::Matched { .. }));
    assert!(matches!(info.verdict.validity, Validity::Valid { .. }));
    assert_eq!(ChainView::new(&info).links, vec![Link::SelfIssued]);
}

#[tokio::test]
async fn unknown_issuer_without_the_ca_file() {
    let pki = test_pki();
    let info = inspect(&pki.leaf(LeafKind::Good), opts(None)).await;
    assert!(matches!(
        info.verdict.trusted,
        Trust::NotTrusted {
            reason: UntrustedReason::UnknownIssuer,
            ..
        }
    ));
    assert!(matches!(info.verdict.name, NameCheck::Matched { .. }));
    assert!(matches!(info.verdict.validity, Validity::Valid { .. }));
    assert!(verdict_lines(&info.verdict)[0].1.contains("unknown issuer"));
}

/// A server that sends only its leaf, issued by the private CA the client holds in
/// `--ca-file` (the sandbox does this): the chain ends at that anchor, which is normal, not
/// "intermediate missing"; without the CA file the same chain is the classic mistake.
#[tokio::test]
async fn a_leaf_issued_by_the_ca_file_anchor_ends_the_chain_normally() {
    let pki = test_pki();
    let mut leaf_only = pki.leaf(LeafKind::Good);
    leaf_only.chain.truncate(1);
    let info = inspect(&leaf_only, opts(Some(&pki))).await;
    assert!(info.verdict.ok(), "{}", info.verdict.summary());
    let view = ChainView::new(&info);
    assert_eq!(view.links, vec![Link::IssuerIsConfiguredAnchor]);
    let (_, link) = &view.list_lines()[0];
    assert!(link.contains("the CA of --ca-file"), "{link}");
    assert!(!link.contains("missing"), "{link}");

    let info = inspect(&leaf_only, opts(None)).await;
    assert!(!info.verdict.ok());
    let view = ChainView::new(&info);
    assert_eq!(view.links, vec![Link::IssuerNotSent { known_root: false }]);
}

#[tokio::test]
async fn missing_intermediate_is_called_out_and_a_complete_chain_links() {
    let pki = test_pki();
    let info = inspect(&pki.intermediate_chain(false), opts(Some(&pki))).await;
    assert!(matches!(
        info.verdict.trusted,
        Trust::NotTrusted {
            reason: UntrustedReason::UnknownIssuer,
            ..
        }
    ));
    let view = ChainView::new(&info);
    assert_eq!(view.links, vec![Link::IssuerNotSent { known_root: false }]);
    let (_, link) = &view.list_lines()[0];
    assert!(link.contains("intermediate missing"), "{link}");
    assert!(link.contains("CN=smtpx test intermediate"), "{link}");

    let info = inspect(&pki.intermediate_chain(true), opts(Some(&pki))).await;
    assert!(info.verdict.ok(), "{}", info.verdict.summary());
    let view = ChainView::new(&info);
    // The root is the --ca-file anchor: not sent, and that is normal.
    assert_eq!(
        view.links,
        vec![Link::IssuedByNext, Link::IssuerIsConfiguredAnchor]
    );
    let inter = &view.certs[1];
    assert_eq!(
        inter.ext.basic_constraints.map(|b| (b.ca, b.path_len)),
        Some((true, Some(0)))
    );
    // The leaf's authority key id is the intermediate's subject key id.
    assert!(view.certs[0].ext.authority_key_id.is_some());
    assert_eq!(view.certs[0].ext.authority_key_id, inter.ext.subject_key_id);
}

#[tokio::test]
async fn five_hundred_sans_are_all_decoded_and_the_last_one_matches() {
    let pki = test_pki();
    let identity = pki.leaf_with(|p| {
        p.subject_alt_names = (0..499)
            .map(|i| SanType::DnsName(format!("host{i}.example.com").try_into().expect("dns")))
            .collect();
        p.subject_alt_names
            .push(SanType::DnsName("localhost".try_into().expect("dns")));
    });
    let info = inspect(&identity, opts(Some(&pki))).await;
    let leaf = summarize(&info.chain_der[0]);
    assert_eq!(leaf.sans.len(), 500);
    assert_eq!(leaf.sans[499], SanEntry::Dns("localhost".into()));
    assert!(info.verdict.ok());
    let names = leaf.details(0).into_iter().find(|(l, _)| *l == "names");
    assert!(names.is_some_and(|(_, v)| v.ends_with("(500 DNS, 0 IP, 0 email, 0 other)")));
}

/// Encodes an OID's arcs (first two combined) as DER content bytes.
fn oid_der(arcs: &[u64]) -> Vec<u8> {
    let mut out = vec![0x06, 0];
    let mut body = vec![(arcs[0] * 40 + arcs[1]) as u8];
    for &arc in &arcs[2..] {
        let mut bytes = vec![(arc & 0x7f) as u8];
        let mut rest = arc >> 7;
        while rest > 0 {
            bytes.push(((rest & 0x7f) as u8) | 0x80);
            rest >>= 7;
        }
        bytes.reverse();
        body.extend(bytes);
    }
    out[1] = body.len() as u8;
    out.extend(body);
    out
}

fn seq(parts: &[Vec<u8>]) -> Vec<u8> {
    let body: Vec<u8> = parts.concat();
    let mut out = vec![0x30, body.len() as u8];
    out.extend(body);
    out
}

#[tokio::test]
async fn extensions_policies_scts_and_must_staple_are_decoded_from_rcgen_certs() {
    let pki = test_pki();
    let identity = pki.leaf_with(|p| {
        // certificatePolicies: EV, then a private one.
        let policies = seq(&[
            seq(&[oid_der(&[2, 23, 140, 1, 1])]),
            seq(&[oid_der(&[1, 3, 6, 1, 4, 1, 99999, 7])]),
        ]);
        p.custom_extensions
            .push(CustomExtension::from_oid_content(&[2, 5, 29, 32], policies));
        // Two fake SCTs: version, 32-byte log id, timestamp, no extensions, signature.
        let sct: Vec<u8> = [
            vec![0u8],
            vec![7u8; 32],
            vec![0u8; 8],
            vec![0, 0],
            vec![4, 3, 0, 2, 0xaa, 0xbb],
        ]
        .concat();
        let mut list = Vec::new();
        for _ in 0..2 {
            list.extend((sct.len() as u16).to_be_bytes());
            list.extend(&sct);
        }
        let mut tls_list = (list.len() as u16).to_be_bytes().to_vec();
        tls_list.extend(list);
        let mut octets = vec![0x04, tls_list.len() as u8];
        octets.extend(tls_list);
        p.custom_extensions.push(CustomExtension::from_oid_content(
            &[1, 3, 6, 1, 4, 1, 11129, 2, 4, 2],
            octets,
        ));
        p.custom_extensions.push(CustomExtension::from_oid_content(
            &[1, 3, 6, 1, 5, 5, 7, 1, 24],
            vec![0x30, 0x03, 0x02, 0x01, 0x05],
        ));
    });
    let leaf = summarize(&identity.chain[0]);
    assert!(leaf.problems.is_empty(), "{:?}", leaf.problems);
    assert_eq!(leaf.ext.policies, ["2.23.140.1.1", "1.3.6.1.4.1.99999.7"]);
    assert_eq!(leaf.ext.validation_level(), Some("EV"));
    assert_eq!(leaf.ext.sct_count, Some(2));
    assert!(leaf.ext.must_staple);
}

#[test]
fn fixed_openssl_leaf_has_every_field() {
    let leaf = pem_certs(&fixed_pem("leaf.pem"));
    let s = summarize(&leaf[0]);
    assert!(s.problems.is_empty(), "{:?}", s.problems);
    assert_eq!(s.subject.as_deref(), Some("CN=mx.example.com"));
    assert_eq!(s.issuer.as_deref(), Some("O=smtpx test, CN=smtpx fixed CA"));
    assert_eq!(s.serial.as_deref(), Some("12:34"));
    assert_eq!(
        s.sans,
        vec![
            SanEntry::Dns("mx.example.com".into()),
            SanEntry::Dns("*.mail.example.com".into()),
            SanEntry::Ip("192.0.2.25".parse().expect("ip")),
            SanEntry::Email("postmaster@example.com".into()),
        ]
    );
    assert_eq!(s.key_algorithm.as_deref(), Some("EC (prime256v1)"));
    assert_eq!(s.ext.key_usage, ["digitalSignature"]);
    assert_eq!(s.ext.extended_key_usage, ["serverAuth", "clientAuth"]);
    assert_eq!(s.ext.basic_constraints.map(|b| b.ca), Some(false));
    assert_eq!(s.ext.ocsp_urls, ["http://ocsp.example.com"]);
    assert_eq!(s.ext.ca_issuer_urls, ["http://ca.example.com/ca.der"]);
    assert_eq!(s.ext.crl_urls, ["http://crl.example.com/ca.crl"]);
    assert_eq!(s.ext.validation_level(), Some("DV"));
    assert!(s.ext.must_staple);
    assert_eq!(s.ext.sct_count, None);
    assert!(s.ext.subject_key_id.is_some() && s.ext.authority_key_id.is_some());
    let ca = summarize(&pem_certs(&fixed_pem("ca.pem"))[0]);
    assert_eq!(s.ext.authority_key_id, ca.ext.subject_key_id);
    let details = s.details(0);
    let policies = details.iter().find(|(l, _)| *l == "policies");
    assert!(policies.is_some_and(|(_, v)| v.contains("2.23.140.1.2.1 (DV: domain validated)")));
}

#[test]
fn weak_rsa_key_and_sha1_signature_are_flagged() {
    // ring cannot generate RSA keys, so this one was made by openssl (tests/data/certs/make.sh).
    let cert = pem_certs(&fixed_pem("rsa1024-sha1.pem"));
    let s = summarize(&cert[0]);
    assert_eq!(s.key_algorithm.as_deref(), Some("RSA"));
    assert_eq!(s.key_bits, Some(1024));
    assert_eq!(
        s.signature_algorithm.as_deref(),
        Some("sha1WithRSAEncryption")
    );
    let flags = s.flags(0);
    assert!(
        flags.contains(&"WEAK KEY: RSA under 2048 bits".to_string()),
        "{flags:?}"
    );
    assert!(flags.contains(&"SHA-1 signature".to_string()), "{flags:?}");
}

#[test]
fn control_characters_and_invalid_utf8_in_names_are_escaped() {
    let pki = test_pki();
    let identity = pki.leaf_with(|p| {
        p.distinguished_name = rcgen::DistinguishedName::new();
        p.distinguished_name.push(
            DnType::CommonName,
            DnValue::Utf8String("evil\x1b[31mred\x07".into()),
        );
        p.distinguished_name
            .push(DnType::OrganizationName, DnValue::Utf8String("QQQQ".into()));
    });
    let mut der = identity.chain[0].as_ref().to_vec();
    // Replace the marker with bytes that are not UTF-8 (the signature breaks; decoding must not).
    let at = der
        .windows(4)
        .position(|w| w == b"QQQQ")
        .expect("marker in the DER");
    der[at..at + 4].copy_from_slice(&[0xff, 0xfe, b'A', 0x80]);
    let s = summarize(&der);
    assert_eq!(
        s.subject.as_deref(),
        Some("CN=evil\\x1b[31mred\\x07, O=\\xff\\xfeA\\x80")
    );
    let shown: String = s.details(0).into_iter().map(|(_, v)| v).collect();
    assert!(!shown.chars().any(|c| c.is_control()), "{shown:?}");
}

#[tokio::test]
async fn mutual_tls_works_with_a_client_certificate_and_fails_clearly_without() {
    let pki = test_pki();
    let server_identity = pki.leaf(LeafKind::Good);
    let client_ca = pem_certs(&fixed_pem("ca.pem")).remove(0);
    let config = mtls_server_config(&server_identity, client_ca.clone());
    let data = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/data/certs");

    let port = serve_once(config.clone()).await;
    let with_cert = TlsOptions {
        client_cert: Some(data.join("leaf.pem")),
        client_key: Some(data.join("leaf.key")),
        ..opts(Some(&pki))
    };
    let (mut conn, info) =
        Connection::connect_tls(&target(port), &ConnectOptions::default(), &with_cert)
            .await
            .expect("mutual TLS handshake");
    assert!(info.verdict.ok());
    match conn.read_reply(Duration::from_secs(5)).await {
        Ok(ReadOutcome::Reply(reply)) => assert_eq!(reply.code(), Some(220)),
        other => panic!("expected the greeting, got {other:?}"),
    }

    let port = serve_once(config).await;
    let error =
        match Connection::connect_tls(&target(port), &ConnectOptions::default(), &opts(Some(&pki)))
            .await
        {
            // TLS 1.3: the client finishes first; the server's alert arrives with the first read.
            Ok((mut conn, _)) => match conn.read_reply(Duration::from_secs(5)).await {
                Err(e) => e.to_string(),
                other => panic!("expected a failure without a client certificate, got {other:?}"),
            },
            Err(e) => e.to_string(),
        };
    eprintln!("without a client certificate: {error}");
    assert!(error.contains("requires a client certificate"), "{error}");

    let half = TlsOptions {
        client_cert: Some(data.join("leaf.pem")),
        ..opts(Some(&pki))
    };
    let port = serve_once(mtls_server_config(&server_identity, client_ca)).await;
    let result = Connection::connect_tls(&target(port), &ConnectOptions::default(), &half).await;
    assert!(
        matches!(result, Err(NetError::ClientCertificate { .. })),
        "{result:?}"
    );
}
