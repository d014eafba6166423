use super::*;

#[test]
fn summary_reads_like_a_sentence() {
    let verdict = TlsVerdict {
        trusted: Trust::Trusted {
            store: TrustStore::WebPkiRoots,
        },
        name: NameCheck::Matched {
            name: "mx.example.com".into(),
            san: "mx.example.com".into(),
        },
        validity: Validity::Valid {
            not_before: 0,
            not_after: 0,
            days_left: 61,
        },
        webpki_accepted: true,
    };
    assert!(verdict.ok());
    assert_eq!(
        verdict.summary(),
        "trusted (webpki-roots), name ok (mx.example.com), valid 61 days"
    );
    let verdict = TlsVerdict {
        trusted: Trust::NotTrusted {
            reason: UntrustedReason::SelfSigned,
            context: None,
        },
        name: NameCheck::Matched {
            name: "localhost".into(),
            san: "localhost".into(),
        },
        validity: Validity::Valid {
            not_before: 0,
            not_after: 0,
            days_left: 364,
        },
        webpki_accepted: false,
    };
    assert!(!verdict.ok());
    assert_eq!(
        verdict.summary(),
        "NOT trusted: self-signed certificate; name ok (localhost); valid 364 days"
    );
    assert_eq!(verdict.reasons(), ["self-signed"]);
    assert_eq!(verdict.short(), "self-signed");
}

#[test]
fn a_name_spelling_not_does_not_flag_a_match() {
    let verdict = TlsVerdict {
        trusted: Trust::NotChecked,
        name: NameCheck::Matched {
            name: "NOT.example".into(),
            san: "NOT.example".into(),
        },
        validity: Validity::Unknown,
        webpki_accepted: false,
    };
    assert!(!verdict.is_name_mismatch());
    assert!(!verdict.is_trusted());
    assert!(!verdict.is_valid_now());
}

#[test]
fn hostile_names_are_escaped_in_the_summary() {
    let verdict = TlsVerdict {
        trusted: Trust::NotChecked,
        name: NameCheck::Mismatch {
            name: "a".into(),
            presented: vec!["\x1b]0;x\x07".into()],
        },
        validity: Validity::Unknown,
        webpki_accepted: false,
    };
    assert!(verdict.summary().contains("\\x1b]0;x\\x07"));
}

fn with_trust(trusted: Trust, validity: Validity) -> TlsVerdict {
    TlsVerdict {
        trusted,
        name: NameCheck::Matched {
            name: "mx.example.com".into(),
            san: "mx.example.com".into(),
        },
        validity,
        webpki_accepted: false,
    }
}

const VALID: Validity = Validity::Valid {
    not_before: 0,
    not_after: 0,
    days_left: 30,
};

/// Each reason's sentence, with its context where it has one: plain words, no Rust
/// identifiers.
#[test]
fn every_reason_has_a_sentence_in_plain_words() {
    let cases: [(UntrustedReason, Option<&str>, Validity, &str); 19] = [
        (
            UntrustedReason::UnknownIssuer,
            Some("CN=Private CA"),
            VALID,
            "unknown issuer: CN=Private CA is in no trust store (a private CA, or an \
             intermediate certificate the server did not send)",
        ),
        (
            UntrustedReason::SelfSigned,
            None,
            VALID,
            "self-signed: the certificate is its own issuer and no trust store holds it \
             (pin it with --ca-file or --pin-spki to trust this server)",
        ),
        (
            UntrustedReason::CaUsedAsEndEntity,
            None,
            VALID,
            "a CA certificate (basicConstraints CA:TRUE) is used as the server's \
             certificate; webpki accepts only a non-CA certificate from a chain (give this \
             exact certificate as --ca-file to pin it)",
        ),
        (
            UntrustedReason::EndEntityUsedAsCa,
            None,
            VALID,
            "a certificate that is not a CA signed another certificate in the chain",
        ),
        (
            UntrustedReason::Expired,
            None,
            Validity::Expired {
                not_after: 0,
                days_ago: 12,
            },
            "expired 12 days ago",
        ),
        (
            UntrustedReason::Expired,
            None,
            Validity::Expired {
                not_after: 0,
                days_ago: 0,
            },
            "expired less than a day ago",
        ),
        (
            UntrustedReason::Expired,
            None,
            VALID,
            "a certificate in the chain has expired (not the server's own)",
        ),
        (
            UntrustedReason::NotYetValid,
            None,
            Validity::NotYetValid {
                not_before: 0,
                days_until: 1,
            },
            "not valid yet: it starts in 1 day",
        ),
        (
            UntrustedReason::BadSignature,
            None,
            VALID,
            "a signature in the chain does not verify: a certificate was altered or was \
             not signed by the key of its issuer",
        ),
        (
            UntrustedReason::UnsupportedSignatureAlgorithm,
            Some("sha1WithRSAEncryption"),
            VALID,
            "unsupported signature algorithm: a certificate is signed with \
             sha1WithRSAEncryption, which webpki does not accept",
        ),
        (
            UntrustedReason::Revoked,
            None,
            VALID,
            "revoked: its issuer has withdrawn the certificate",
        ),
        (
            UntrustedReason::RevocationStatusUnknown,
            None,
            VALID,
            "the revocation status could not be determined",
        ),
        (
            UntrustedReason::WrongPurpose,
            Some("clientAuth"),
            VALID,
            "not valid for server authentication: its extended key usage allows \
             clientAuth, not serverAuth",
        ),
        (
            UntrustedReason::NameConstraintViolation,
            None,
            VALID,
            "a CA in the chain may not issue for the certificate's names (name constraints)",
        ),
        (
            UntrustedReason::PathTooLong,
            None,
            VALID,
            "the chain is longer than a CA in it allows (path length constraint)",
        ),
        (
            UntrustedReason::UnhandledCriticalExtension,
            None,
            VALID,
            "a certificate has a critical extension webpki does not understand",
        ),
        (
            UntrustedReason::PinMismatch,
            Some("ab12"),
            VALID,
            "pin mismatch: the server's key (SPKI SHA-256 ab12) is not a --pin-spki key",
        ),
        (
            UntrustedReason::Malformed,
            None,
            VALID,
            "the certificate is malformed (bad DER encoding)",
        ),
        (
            UntrustedReason::Other,
            None,
            VALID,
            "verification failed for a reason webpki gives no name",
        ),
    ];
    for (reason, context, validity, sentence) in cases {
        assert_eq!(reason.sentence(context, &validity), sentence, "{reason:?}");
    }
    for reason in UntrustedReason::ALL {
        assert!(
            cases.iter().any(|(r, ..)| *r == reason),
            "{reason:?} untested"
        );
    }
}

#[test]
fn codes_are_kebab_case_and_are_the_serde_names() {
    for reason in UntrustedReason::ALL {
        let code = reason.code();
        assert!(
            code.bytes().all(|b| b.is_ascii_lowercase() || b == b'-'),
            "{code}"
        );
        let json = serde_json::to_string(&reason).expect("serialize");
        assert_eq!(json, format!("\"{code}\""));
        let back: UntrustedReason = serde_json::from_str(&json).expect("deserialize");
        assert_eq!(back, reason);
    }
    // The names older transcripts wrote, and a name from a later smtpx.
    for (old, reason) in [
        ("unknown_issuer", UntrustedReason::UnknownIssuer),
        ("self_signed", UntrustedReason::SelfSigned),
        ("not_yet_valid", UntrustedReason::NotYetValid),
        ("bad_signature", UntrustedReason::BadSignature),
        ("wrong_purpose", UntrustedReason::WrongPurpose),
        ("expired", UntrustedReason::Expired),
        ("some-future-reason", UntrustedReason::Other),
    ] {
        let read: UntrustedReason =
            serde_json::from_str(&format!("\"{old}\"")).expect("old name reads");
        assert_eq!(read, reason, "{old}");
    }
}

#[test]
fn a_pinned_certificate_needs_no_matching_name_but_valid_dates() {
    let mut verdict = with_trust(
        Trust::Pinned {
            pin: Pin::CaFileCertificate("/etc/mx.pem".into()),
        },
        VALID,
    );
    verdict.name = NameCheck::Mismatch {
        name: "127.0.0.1".into(),
        presented: vec!["mx.example.com".into()],
    };
    assert!(verdict.ok());
    assert!(verdict.is_trusted() && !verdict.is_name_problem());
    assert_eq!(verdict.reasons(), Vec::<&str>::new());
    assert_eq!(verdict.short(), "pinned");
    assert_eq!(
        verdict.trust_words(),
        "pinned: the server's certificate is in ca-file /etc/mx.pem"
    );
    assert!(
        verdict
            .name_words()
            .ends_with("(not required: the server is pinned)"),
        "{}",
        verdict.name_words()
    );
    verdict.validity = Validity::Expired {
        not_after: 0,
        days_ago: 3,
    };
    assert!(!verdict.ok());
    assert_eq!(verdict.reasons(), ["expired"]);
    assert_eq!(verdict.short(), "expired");
}

#[test]
fn name_mismatch_names_what_the_certificate_presents() {
    let mut verdict = with_trust(
        Trust::Trusted {
            store: TrustStore::WebPkiRoots,
        },
        VALID,
    );
    verdict.name = NameCheck::Mismatch {
        name: "mx.example.net".into(),
        presented: vec!["mx.example.com".into(), "*.example.com".into()],
    };
    assert_eq!(
        verdict.name_words(),
        "name mismatch: mx.example.net is not among its names; the certificate presents \
         mx.example.com, *.example.com"
    );
    assert_eq!(verdict.reasons(), ["name-mismatch"]);
    assert_eq!(verdict.reason(), Some("name-mismatch"));
    assert_eq!(verdict.short(), "name mismatch");
}

#[test]
fn an_expired_leaf_is_reported_once() {
    let verdict = with_trust(
        Trust::NotTrusted {
            reason: UntrustedReason::Expired,
            context: None,
        },
        Validity::Expired {
            not_after: 0,
            days_ago: 40,
        },
    );
    assert_eq!(verdict.reasons(), ["expired"]);
    assert_eq!(verdict.trust_words(), "NOT trusted: expired 40 days ago");
    assert_eq!(verdict.validity_words(), "EXPIRED 40 days ago");
}
