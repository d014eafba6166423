//! The certificate inspector against the real Postfix on loopback (see
//! `tests/interop/README.md`): the fields smtpx decodes from what Postfix sends must be the
//! fields of `/etc/smtpx-interop/cert.pem`, and the verdicts must follow `--ca-file`.
//!
//! Gated like `tests/interop.rs`: with `SMTPX_INTEROP=1` the tests fail loudly when Postfix
//! is not reachable; without it they print a note and pass without running.

use std::process::Output;

use serde_json::Value;
use smtpx::net::summarize;

mod support;

use support::postfix;

use postfix::{CERT, SUBMISSION, SUBMISSIONS};

fn enabled() -> bool {
    postfix::enabled("certificate test")
}

/// `smtpx probe <args> --no-record`.
fn smtpx(args: &[&str]) -> Output {
    postfix::probe(&[args, &["--no-record"]].concat())
}

fn cert_der() -> Vec<u8> {
    let pem = std::fs::read(CERT).expect("read the interop certificate");
    rustls_pemfile::certs(&mut pem.as_slice())
        .next()
        .expect("a certificate")
        .expect("valid PEM")
        .as_ref()
        .to_vec()
}

#[test]
fn postfix_certificate_fields_match_the_file_and_the_chain_is_saved() {
    if !enabled() {
        return;
    }
    let file = summarize(&cert_der());
    let dir = tempfile::tempdir().expect("temp dir");
    let saved = dir.path().join("postfix.pem");
    let out = smtpx(&[
        SUBMISSIONS,
        "--tls-on-connect",
        "--ca-file",
        CERT,
        "--verify-name",
        "localhost",
        "--quit-after",
        "tls",
        "--json",
        "--save-chain",
        saved.to_str().expect("utf-8 path"),
    ]);
    let text = postfix::exits(&out, 0);
    let tls: Value = text
        .lines()
        .filter_map(|l| serde_json::from_str::<Value>(l).ok())
        .find(|e| e["event"] == "tls")
        .unwrap_or_else(|| panic!("no tls event: {text}"));
    assert_eq!(tls["verdict"]["ok"], true, "{tls}");
    assert!(
        tls["verdict"]["chain"]
            .as_str()
            .is_some_and(|s| s.starts_with("pinned: the server's certificate is in ca-file"))
    );
    assert_eq!(tls["verdict"]["pinned"], true);
    assert_eq!(
        tls["verdict"]["name"],
        "localhost matches subjectAltName localhost"
    );
    let leaf = &tls["chain"][0];
    assert_eq!(leaf["subject"], "CN=localhost");
    assert_eq!(leaf["issuer"], "CN=localhost");
    assert_eq!(leaf["key_algorithm"], "RSA");
    assert_eq!(leaf["key_bits"], 2048);
    assert_eq!(leaf["signature_algorithm"], "sha256WithRSAEncryption");
    assert_eq!(leaf["sans"]["dns"][0], "localhost");
    assert_eq!(leaf["sans"]["ip"][0], "127.0.0.1");
    assert_eq!(leaf["basic_constraints"]["ca"], false);
    assert_eq!(leaf["extended_key_usage"][0], "serverAuth");
    assert_eq!(leaf["sha256"], file.sha256.as_str());
    assert_eq!(leaf["sha1"], file.sha1.as_str());
    assert_eq!(leaf["spki_sha256"].as_str(), file.spki_sha256.as_deref());
    assert_eq!(
        leaf["subject_key_id"].as_str(),
        file.ext.subject_key_id.as_deref()
    );
    assert!(
        leaf["flags"].as_array().is_some_and(Vec::is_empty),
        "{leaf}"
    );
    let pem = std::fs::read(&saved).expect("chain saved");
    let first = rustls_pemfile::certs(&mut pem.as_slice())
        .next()
        .expect("a certificate")
        .expect("valid PEM");
    assert_eq!(first.as_ref(), cert_der().as_slice());
}

#[test]
fn postfix_starttls_show_cert_without_ca_file_says_self_signed() {
    if !enabled() {
        return;
    }
    let out = smtpx(&[
        SUBMISSION,
        "--starttls",
        "--quit-after",
        "tls",
        "--show-cert",
    ]);
    let text = postfix::exits(&out, 0);
    assert!(text.contains("chain: NOT trusted: self-signed"), "{text}");
    assert!(text.contains("public key: RSA 2048 bits"), "{text}");
    assert!(
        text.contains("self-issued: a root or a self-signed certificate"),
        "{text}"
    );
    assert!(text.contains("must-staple: no"), "{text}");
    assert!(text.contains("+ AUTH PLAIN LOGIN"), "{text}");
    assert!(
        text.contains("STARTTLS") && text.contains("- (gone after TLS)"),
        "{text}"
    );
}

/// Postfix's own key pinned with `--pin-spki` (the "spki sha256" `--show-cert` prints):
/// strict verification passes with no `--ca-file`; another key is refused with its code.
#[test]
fn postfix_key_pinned_with_pin_spki_passes_strict_and_another_key_is_refused() {
    if !enabled() {
        return;
    }
    let spki = summarize(&cert_der())
        .spki_sha256
        .expect("the interop certificate has a key");
    let out = smtpx(&[
        SUBMISSION,
        "--starttls",
        "--quit-after",
        "tls",
        "--tls-verify",
        "strict",
        "--pin-spki",
        &spki,
    ]);
    let text = postfix::exits(&out, 0);
    assert!(
        text.contains("=== certificate: pinned: the server's key matches --pin-spki"),
        "{text}"
    );
    let other = "00".repeat(32);
    let out = smtpx(&[
        SUBMISSION,
        "--starttls",
        "--quit-after",
        "tls",
        "--ca-file",
        CERT,
        "--pin-spki",
        &other,
        "--json",
    ]);
    let text = postfix::stdout(&out);
    let tls: Value = text
        .lines()
        .filter_map(|l| serde_json::from_str::<Value>(l).ok())
        .find(|e| e["event"] == "tls")
        .unwrap_or_else(|| panic!("no tls event: {text}"));
    assert_eq!(tls["verdict"]["ok"], false, "{tls}");
    assert_eq!(tls["verdict"]["reason"], "pin-mismatch", "{tls}");
    assert_eq!(tls["client_cert"]["requested"], false, "{tls}");
}
