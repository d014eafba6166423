//! One MX host: its addresses, TLSA records and reachability, the session up to the TLS
//! verdict, the DANE match, and what a sending MTA would do with it.
//!
//! Layer: front end. A child of [`check`](super).

use std::net::IpAddr;

use super::dane::{DaneMatch, TlsaRecord};
use super::policy::mta_sts_report;
use super::{
    CheckPlan, DaneReport, HostOutcome, HostReport, MxReport, StsReport, dane, mta_sts, session,
};
use crate::dns::mx::{MxHost, Route, random_seed, route};
use crate::dns::reach::host_addresses;
use crate::dns::{Answer, Dns, Dnssec};
use crate::net::eyeballs as connect;

pub(super) fn mx_report(domain: &str, mx: &Answer<(u16, String)>) -> MxReport {
    let failure = mx.failure.as_ref().map(|f| f.to_string());
    let route = if failure.is_some() || mx.nxdomain || mx.status == Dnssec::Bogus {
        // No route from a failed or bogus lookup: the implicit MX is only for a proven
        // absence of MX records.
        Route::Exchangers { hosts: Vec::new() }
    } else {
        route(domain, &mx.records, random_seed())
    };
    MxReport {
        status: mx.status,
        records: mx.records.clone(),
        route,
        failure,
        nxdomain: mx.nxdomain,
    }
}

/// A host's lookups before any connection: its addresses, the CNAME target, and DANE as far
/// as DNS decides it.
pub(super) struct HostLookups {
    v4: Answer<IpAddr>,
    v6: Answer<IpAddr>,
    canonical: Option<String>,
    address_status: Dnssec,
    dane: DaneReport,
}

pub(super) async fn host_lookups(
    plan: &CheckPlan,
    dns: &Dns,
    mx_status: Dnssec,
    name: &str,
) -> HostLookups {
    let ((v4, v6), tlsa) = tokio::join!(
        host_addresses(dns, name, plan.family),
        dns.tlsa(plan.port, name)
    );
    let address_status = v4.status.and(v6.status);
    let canonical = v4.aliases.last().or(v6.aliases.last()).cloned();

    // DANE applies when the route and the host's addresses are secure (RFC 7672 §2.2). A
    // CNAME'd host looks up TLSA at the target first (§2.2.2); hickory followed the chain, so
    // the canonical name's TLSA is asked when it differs.
    let tlsa = match &canonical {
        Some(target) if address_status == Dnssec::Secure => {
            let at_target = dns.tlsa(plan.port, target).await;
            if at_target.records.is_empty() && at_target.failure.is_none() {
                tlsa
            } else {
                at_target
            }
        }
        _ => tlsa,
    };
    let route_secure = mx_status == Dnssec::Secure;
    let mut dane = if !route_secure {
        DaneReport::NotApplicable {
            why: format!("the MX lookup is {mx_status}"),
        }
    } else if address_status != Dnssec::Secure {
        DaneReport::NotApplicable {
            why: format!("the address records are {address_status}"),
        }
    } else {
        tlsa_report(&tlsa)
    };
    if let (DaneReport::NotApplicable { .. }, Dnssec::Insecure) = (&dane, tlsa.status)
        && !tlsa.records.is_empty()
    {
        dane = DaneReport::Insecure {
            records: tlsa.records.iter().map(TlsaRecord::from_rdata).collect(),
        };
    }
    HostLookups {
        v4,
        v6,
        canonical,
        address_status,
        dane,
    }
}

/// DANE and MTA-STS for one MX host of `plan.domain` as far as DNS and the policy decide,
/// before any connection (the explorer's F2 for a `--mx` session): the DANE report (records
/// still to match against the chain are [`DaneReport::Unmatched`]), the names a DANE-TA
/// match may check (the host and its CNAME target), and the domain's MTA-STS report.
pub async fn before_tls(
    plan: &CheckPlan,
    dns: &Dns,
    mx_status: Dnssec,
    host: &str,
) -> (DaneReport, Vec<String>, StsReport) {
    let domain = plan.domain.trim_end_matches('.').to_ascii_lowercase();
    let (found, sts) = tokio::join!(
        host_lookups(plan, dns, mx_status, host),
        mta_sts_report(plan, dns, &domain)
    );
    let mut names = vec![host.to_string()];
    if let Some(target) = found.canonical {
        names.insert(0, target);
    }
    (found.dane, names, sts)
}

pub(super) async fn host_report(
    plan: &CheckPlan,
    dns: &Dns,
    mx: &MxReport,
    sts: &StsReport,
    host: MxHost,
) -> HostReport {
    let name = host.host.clone();
    let found = host_lookups(plan, dns, mx.status, &name).await;
    let HostLookups {
        v4,
        v6,
        canonical,
        address_status,
        dane,
    } = found;
    let address_failure = match (&v4.failure, &v6.failure) {
        (Some(a), Some(b)) => Some(format!("A: {a}; AAAA: {b}")),
        _ => None,
    };
    let mut addrs: Vec<IpAddr> = v6.records.iter().chain(&v4.records).copied().collect();
    addrs.dedup();

    let sts_pattern = sts
        .policy
        .as_ref()
        .and_then(|p| mta_sts::matching_pattern(p, &name))
        .map(str::to_string);

    let mut report = HostReport {
        host: name.clone(),
        preference: host.preference,
        canonical: canonical.clone(),
        address_status,
        addresses: addrs.clone(),
        address_failure,
        attempts: Vec::new(),
        session: None,
        dane,
        sts_pattern,
        outcome: HostOutcome::Plaintext,
    };
    if address_status == Dnssec::Bogus {
        report.outcome = HostOutcome::Refused {
            why: "its address records are bogus".into(),
        };
        return report;
    }
    if addrs.is_empty() {
        report.outcome = HostOutcome::Refused {
            why: "it has no address".into(),
        };
        return report;
    }
    let ordered = connect::interleave(&addrs, plan.family);
    let opts = crate::net::ConnectOptions {
        connect_timeout: plan.timeout,
        family: plan.family,
        ..Default::default()
    };
    let (conn, attempts) = connect::happy_eyeballs(&ordered, plan.port, &opts).await;
    report.attempts = attempts;
    if let Some(conn) = conn {
        let mut names = vec![name.clone()];
        if let Some(target) = &canonical {
            names.insert(0, target.clone());
        }
        report.session = Some(session::run(conn, plan, &name).await);
        if let (Some(session), DaneReport::Unmatched { records, .. }) =
            (&report.session, &report.dane)
            && let Some(chain) = session.chain()
        {
            let result = dane::match_chain(records, chain, &names);
            report.dane = DaneReport::Checked {
                records: records.clone(),
                result,
            };
        }
    }
    report.outcome = host_outcome(&report, sts);
    report
}

pub(super) fn tlsa_report(tlsa: &Answer<crate::dns::TLSA>) -> DaneReport {
    if let Some(failure) = &tlsa.failure {
        return DaneReport::Failed {
            status: tlsa.status,
            why: failure.to_string(),
        };
    }
    match tlsa.status {
        Dnssec::Bogus | Dnssec::Indeterminate => DaneReport::Failed {
            status: tlsa.status,
            why: format!("the TLSA answer is {}", tlsa.status),
        },
        Dnssec::Insecure if !tlsa.records.is_empty() => DaneReport::Insecure {
            records: tlsa.records.iter().map(TlsaRecord::from_rdata).collect(),
        },
        _ if tlsa.records.is_empty() => DaneReport::NoRecords {
            status: tlsa.status,
        },
        _ => DaneReport::Unmatched {
            records: tlsa.records.iter().map(TlsaRecord::from_rdata).collect(),
            why: "no TLS session to match against".into(),
        },
    }
}

pub(super) fn host_outcome(report: &HostReport, sts: &StsReport) -> HostOutcome {
    let refused = |why: String| HostOutcome::Refused { why };
    let Some(session) = &report.session else {
        return refused("no address accepted a connection".into());
    };
    if let Some(why) = &session.failure_before_tls {
        return refused(why.clone());
    }
    if let DaneReport::Failed { why, .. } = &report.dane {
        return refused(format!("the TLSA lookup failed ({why}); RFC 7672 §2.2"));
    }
    let tls = session.tls.as_ref();
    if report.dane.required() {
        return match (&report.dane, tls) {
            (DaneReport::Checked { result, .. }, Some(_)) if result.is_match() => {
                HostOutcome::DaneVerified
            }
            // Only unusable records: TLS stays mandatory, unauthenticated
            // ([RFC 7672 §2.2](https://www.rfc-editor.org/rfc/rfc7672#section-2.2)).
            (
                DaneReport::Checked {
                    result: DaneMatch::NoUsableRecords { .. },
                    ..
                },
                Some(t),
            ) => HostOutcome::OpportunisticTls {
                authenticated: t.pkix_ok,
            },
            (_, None) => refused("TLSA records require TLS and the TLS session failed".into()),
            _ => refused("no TLSA record matches the certificate".into()),
        };
    }
    if let Some(policy) = sts.enforced() {
        if report.sts_pattern.is_none() {
            return refused(format!(
                "MTA-STS enforce: the host matches none of the policy's mx patterns ({})",
                policy.mx.join(", ")
            ));
        }
        return match tls {
            Some(t) if t.pkix_ok => HostOutcome::StsVerified,
            Some(_) => refused("MTA-STS enforce: the certificate is not valid for the host".into()),
            None => refused("MTA-STS enforce: no TLS".into()),
        };
    }
    match tls {
        Some(t) => HostOutcome::OpportunisticTls {
            authenticated: t.pkix_ok,
        },
        None if session.starttls_offered => refused("STARTTLS was offered but failed".into()),
        None => HostOutcome::Plaintext,
    }
}
