use super::host::host_outcome;
use super::session::{SessionResult, TlsResult};
use super::*;

fn host(dane: DaneReport, tls: bool) -> HostReport {
    HostReport {
        host: "mx.example.test".into(),
        preference: Some(10),
        canonical: None,
        address_status: Dnssec::Secure,
        addresses: vec![IpAddr::from([127, 0, 0, 1])],
        address_failure: None,
        attempts: Vec::new(),
        session: Some(SessionResult {
            peer: "127.0.0.1:25".into(),
            greeting: Some("220 mx".into()),
            starttls_offered: true,
            tls: tls.then(|| TlsResult {
                version: "TLSv1.3".into(),
                cipher_suite: "TLS13_AES_128_GCM_SHA256".into(),
                pkix_ok: false,
                pkix: String::new(),
                chain_der: Vec::new(),
                chain_length: 1,
            }),
            tls_error: (!tls).then(|| "handshake failed".into()),
            failure_before_tls: None,
            injection: None,
        }),
        dane,
        sts_pattern: None,
        outcome: HostOutcome::Plaintext,
    }
}

fn no_sts() -> StsReport {
    StsReport {
        record: None,
        record_status: Dnssec::Secure,
        record_error: None,
        policy: None,
        policy_error: None,
    }
}

fn pkix_only() -> DaneReport {
    DaneReport::Checked {
        records: vec![TlsaRecord::new(1, 1, 1, vec![0; 32])],
        result: DaneMatch::NoUsableRecords {
            reasons: vec!["PKIX-EE".into()],
        },
    }
}

#[test]
fn only_unusable_tlsa_records_still_deliver_over_tls() {
    let outcome = host_outcome(&host(pkix_only(), true), &no_sts());
    assert_eq!(
        outcome,
        HostOutcome::OpportunisticTls {
            authenticated: false
        }
    );
}

#[test]
fn tlsa_records_make_a_failed_handshake_stop_delivery() {
    let outcome = host_outcome(&host(pkix_only(), false), &no_sts());
    assert!(
        matches!(outcome, HostOutcome::Refused { .. }),
        "{outcome:?}"
    );
}

#[test]
fn a_failed_tlsa_lookup_stops_delivery_to_the_host() {
    let failed = DaneReport::Failed {
        status: Dnssec::Indeterminate,
        why: "the resolver answered SERVFAIL".into(),
    };
    let outcome = host_outcome(&host(failed, true), &no_sts());
    assert!(
        matches!(&outcome, HostOutcome::Refused { why } if why.contains("SERVFAIL")),
        "{outcome:?}"
    );
}

#[test]
fn mta_sts_testing_mode_enforces_nothing() {
    let mut sts = no_sts();
    sts.policy = Some(mta_sts::Policy {
        mode: mta_sts::Mode::Testing,
        mx: vec!["other.example.test".into()],
        max_age: 86400,
    });
    let outcome = host_outcome(
        &host(
            DaneReport::NoRecords {
                status: Dnssec::Secure,
            },
            true,
        ),
        &sts,
    );
    assert_eq!(
        outcome,
        HostOutcome::OpportunisticTls {
            authenticated: false
        }
    );
}
