//! `smtpx check` against the real DNS rig (tests/dns/rig-up.sh): nsd with DNSSEC-signed
//! `.test` zones, unbound, an MTA-STS HTTPS server, and smtpx's sandbox on 127.0.0.1:2625
//! with the rig's MX certificate. Skipped when `SMTPX_INTEROP` is unset; with it set, a
//! missing rig fails the test.

mod support;

use support::dns_rig::{RESOLVER, SMTP_PORT, STATE, rig};

use std::path::PathBuf;
use std::process::Command;
use std::time::Duration;

use smtpx::check::connect::AttemptOutcome;
use smtpx::check::dane::DaneMatch;
use smtpx::check::{self, CheckPlan, DaneReport, HostOutcome, Report};
use smtpx::dns::mx::Route;
use smtpx::dns::{Dns, Dnssec, ResolverPlan};
use smtpx::net::AddressFamily;

fn plan(domain: &str) -> CheckPlan {
    CheckPlan {
        domain: domain.into(),
        resolver: ResolverPlan {
            server: Some(RESOLVER.parse().unwrap()),
            trust_anchor: Some(PathBuf::from(STATE).join("test.anchor")),
            timeout: Duration::from_secs(5),
        },
        port: SMTP_PORT,
        family: AddressFamily::Any,
        ca_file: Some(PathBuf::from(STATE).join("ca.pem")),
        timeout: Duration::from_secs(5),
        ehlo_name: "check.test".into(),
        json: false,
    }
}

fn run(plan: &CheckPlan) -> Report {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    runtime.block_on(async {
        let dns = Dns::new(&plan.resolver).unwrap();
        check::check(plan, &dns).await
    })
}

fn host<'a>(report: &'a Report, name: &str) -> &'a check::HostReport {
    report
        .hosts
        .iter()
        .find(|h| h.host == name)
        .unwrap_or_else(|| panic!("no host {name} in {:#?}", report.hosts))
}

#[test]
fn a_signed_domain_with_two_mx_is_delivered_over_dane() {
    if !rig("dane") {
        return;
    }
    let report = run(&plan("dane.test"));
    assert_eq!(report.mx.status, Dnssec::Secure);
    assert_eq!(report.hosts.len(), 2);
    assert_eq!(report.hosts[0].host, "mx1.dane.test", "preference order");
    let mx1 = host(&report, "mx1.dane.test");
    let DaneReport::Checked { result, .. } = &mx1.dane else {
        panic!("{:#?}", mx1.dane);
    };
    assert!(
        matches!(result, DaneMatch::Matched { certificate: 0, record, .. } if record.usage == 3),
        "{result:?}"
    );
    let mx2 = host(&report, "mx2.dane.test");
    let DaneReport::Checked { result, .. } = &mx2.dane else {
        panic!("{:#?}", mx2.dane);
    };
    assert!(
        matches!(result, DaneMatch::Matched { certificate: 1, record, .. } if record.usage == 2),
        "DANE-TA matches the CA, certificate 1: {result:?}"
    );
    assert_eq!(mx1.outcome, HostOutcome::DaneVerified);
    assert_eq!(mx2.outcome, HostOutcome::DaneVerified);
    assert_eq!(report.verdict.exit_code, check::EXIT_SECURE);
    assert!(
        report
            .verdict
            .summary
            .contains("delivered to mx1.dane.test over DANE-verified TLS"),
        "{}",
        report.verdict.summary
    );
}

#[test]
fn a_tlsa_record_that_matches_nothing_stops_delivery() {
    if !rig("tlsabad") {
        return;
    }
    let report = run(&plan("tlsabad.test"));
    let mx = host(&report, "mx.tlsabad.test");
    assert!(
        matches!(
            &mx.dane,
            DaneReport::Checked {
                result: DaneMatch::NoMatch { .. },
                ..
            }
        ),
        "{:#?}",
        mx.dane
    );
    assert!(matches!(mx.outcome, HostOutcome::Refused { .. }));
    assert_eq!(report.verdict.exit_code, check::EXIT_NO_DELIVERY);
}

#[test]
fn a_tlsa_record_in_an_unsigned_zone_is_reported_and_ignored() {
    if !rig("unsigned") {
        return;
    }
    let report = run(&plan("unsigned.test"));
    assert_eq!(report.mx.status, Dnssec::Insecure);
    let mx = host(&report, "mx.unsigned.test");
    assert!(
        matches!(&mx.dane, DaneReport::Insecure { records } if !records.is_empty()),
        "{:#?}",
        mx.dane
    );
    assert_eq!(
        mx.outcome,
        HostOutcome::OpportunisticTls {
            authenticated: true
        }
    );
    assert_eq!(report.verdict.exit_code, check::EXIT_INSECURE);
}

#[test]
fn signatures_that_do_not_validate_mean_no_delivery() {
    if !rig("bogus") {
        return;
    }
    let report = run(&plan("bogus.test"));
    assert_eq!(report.mx.status, Dnssec::Bogus, "{:#?}", report.mx);
    assert!(report.hosts.is_empty(), "no route from bogus data");
    assert_eq!(report.verdict.exit_code, check::EXIT_NO_DELIVERY);
    assert!(
        report.verdict.summary.contains("bogus"),
        "{}",
        report.verdict.summary
    );
}

#[test]
fn a_domain_without_mx_is_its_own_exchanger() {
    if !rig("implicit") {
        return;
    }
    let report = run(&plan("implicit.test"));
    assert!(
        matches!(report.mx.route, Route::Implicit { .. }),
        "{:?}",
        report.mx.route
    );
    assert_eq!(report.mx.status, Dnssec::Secure, "a proven absence of MX");
    assert_eq!(
        host(&report, "implicit.test").outcome,
        HostOutcome::DaneVerified
    );
}

#[test]
fn the_null_mx_says_the_domain_takes_no_mail_and_never_falls_back() {
    if !rig("nullmx") {
        return;
    }
    let report = run(&plan("nullmx.test"));
    assert_eq!(report.mx.route, Route::NullMx);
    assert!(
        report.hosts.is_empty(),
        "the domain's own address is not tried"
    );
    assert_eq!(report.verdict.exit_code, check::EXIT_NO_DELIVERY);
    assert!(
        report.verdict.summary.contains("RFC 7505"),
        "{}",
        report.verdict.summary
    );
}

#[test]
fn a_domain_that_does_not_exist_is_said_so() {
    if !rig("nxdomain") {
        return;
    }
    let report = run(&plan("nosuch.test"));
    assert!(report.mx.nxdomain, "{:#?}", report.mx);
    assert!(
        report.hosts.is_empty(),
        "no implicit MX for a domain that does not exist"
    );
    assert_eq!(report.verdict.exit_code, check::EXIT_NO_DELIVERY);
    assert!(
        report.verdict.summary.contains("does not exist"),
        "{}",
        report.verdict.summary
    );
}

#[test]
fn an_mx_through_a_cname_is_followed_and_dane_uses_the_target() {
    if !rig("cname") {
        return;
    }
    let report = run(&plan("cname.test"));
    let mx = host(&report, "mail.cname.test");
    assert_eq!(mx.canonical.as_deref(), Some("mx1.dane.test"));
    assert_eq!(mx.outcome, HostOutcome::DaneVerified, "{:#?}", mx.dane);
}

#[test]
fn refusing_mx_hosts_are_reported_and_the_next_one_takes_the_mail() {
    if !rig("refuse") {
        return;
    }
    let report = run(&plan("refuse.test"));
    for dead in ["dead1.refuse.test", "dead2.refuse.test"] {
        let h = host(&report, dead);
        assert!(
            matches!(h.outcome, HostOutcome::Refused { .. }),
            "{dead}: {:?}",
            h.outcome
        );
        assert!(
            h.attempts
                .iter()
                .all(|a| matches!(a.outcome, AttemptOutcome::Refused)),
            "{dead}: {:?}",
            h.attempts
        );
    }
    let mx = host(&report, "mx.refuse.test");
    assert_eq!(mx.attempts.len(), 2, "{:?}", mx.attempts);
    assert!(mx.attempts[0].addr.is_ipv6(), "IPv6 first (RFC 8305)");
    assert!(matches!(mx.attempts[0].outcome, AttemptOutcome::Refused));
    assert!(matches!(
        mx.attempts[1].outcome,
        AttemptOutcome::Connected { .. }
    ));
    assert_eq!(
        report.verdict.delivered_to.as_deref(),
        Some("mx.refuse.test")
    );

    let mut v6 = plan("refuse.test");
    v6.family = AddressFamily::V6Only;
    let report = run(&v6);
    assert_eq!(
        report.verdict.exit_code,
        check::EXIT_NO_DELIVERY,
        "-6: every MX refuses"
    );
}

#[test]
fn mta_sts_enforce_with_a_matching_mx_verifies_tls() {
    if !rig("sts") {
        return;
    }
    let report = run(&plan("sts.test"));
    let policy = report.mta_sts.policy.as_ref().expect("policy fetched");
    assert_eq!(policy.mode, smtpx::check::mta_sts::Mode::Enforce);
    let mx = host(&report, "mx.sts.test");
    assert_eq!(mx.sts_pattern.as_deref(), Some("mx.sts.test"));
    assert_eq!(mx.outcome, HostOutcome::StsVerified);
    assert_eq!(report.verdict.exit_code, check::EXIT_SECURE);
    assert_eq!(report.tls_rpt.rua, ["mailto:tlsrpt@sts.test"]);
    assert!(report.tls_rpt.error.is_none());
}

#[test]
fn mta_sts_enforce_with_a_mismatching_mx_stops_delivery() {
    if !rig("stsmismatch") {
        return;
    }
    let report = run(&plan("stsmismatch.test"));
    let mx = host(&report, "mx.stsmismatch.test");
    assert_eq!(mx.sts_pattern, None);
    assert!(
        matches!(&mx.outcome, HostOutcome::Refused { why } if why.contains("mx patterns")),
        "{:?}",
        mx.outcome
    );
    assert_eq!(report.verdict.exit_code, check::EXIT_NO_DELIVERY);
}

#[test]
fn a_policy_server_with_an_untrusted_certificate_gives_no_policy() {
    if !rig("stsbadcert") {
        return;
    }
    let report = run(&plan("stsbadcert.test"));
    assert!(report.mta_sts.record.is_some());
    assert!(report.mta_sts.policy.is_none());
    let error = report.mta_sts.policy_error.as_deref().unwrap_or_default();
    assert!(error.to_lowercase().contains("certificate"), "{error}");
    assert_eq!(
        report.verdict.exit_code,
        check::EXIT_INSECURE,
        "no policy: opportunistic TLS"
    );
}

#[test]
fn the_command_prints_a_verdict_and_json_and_exits_by_it() {
    if !rig("cli") {
        return;
    }
    let anchor = format!("{STATE}/test.anchor");
    let ca = format!("{STATE}/ca.pem");
    let port = SMTP_PORT.to_string();
    let args = |domain: &str, json: bool| {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_smtpx"));
        cmd.args([
            "check",
            domain,
            "--resolver",
            RESOLVER,
            "--trust-anchor",
            &anchor,
        ]);
        cmd.args(["--ca-file", &ca, "--port", &port, "--timeout", "5"]);
        if json {
            cmd.arg("--json");
        }
        cmd.output().unwrap()
    };
    let text = args("dane.test", false);
    let stdout = String::from_utf8_lossy(&text.stdout);
    assert_eq!(text.status.code(), Some(0), "{stdout}");
    assert!(
        stdout.contains(
            "Verdict: mail to dane.test is delivered to mx1.dane.test over DANE-verified TLS"
        ),
        "{stdout}"
    );
    assert!(stdout.contains("DNSSEC secure"), "{stdout}");

    let json = args("nullmx.test", true);
    assert_eq!(json.status.code(), Some(2));
    let value: serde_json::Value = serde_json::from_slice(&json.stdout).unwrap();
    assert_eq!(value["mx"]["route"]["kind"], "null_mx");
    assert_eq!(value["verdict"]["exit_code"], 2);
}
