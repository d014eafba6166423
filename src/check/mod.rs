//! `smtpx check DOMAIN`: from a domain to a verdict. MX routing with DNSSEC status, each MX
//! host's addresses, reachability (Happy Eyeballs), STARTTLS, the TLS version and certificate
//! verdict, DANE ([RFC 7672](https://www.rfc-editor.org/rfc/rfc7672)), MTA-STS
//! ([RFC 8461](https://www.rfc-editor.org/rfc/rfc8461)) and TLS-RPT
//! ([RFC 8460](https://www.rfc-editor.org/rfc/rfc8460)), then what a sending MTA that honours
//! DANE and MTA-STS would do.
//!
//! ```text
//!   MX lookup ──▶ route ──┬─▶ per host (in parallel): A + AAAA + TLSA ─▶ connect ─▶ STARTTLS ─▶ DANE
//!                         ├─▶ _mta-sts TXT ─▶ policy over HTTPS
//!                         └─▶ _smtp._tls TXT
//! ```
//!
//! Layer: front end — takes a [`CheckPlan`], uses `dns` and `net`.

/// Happy Eyeballs lives in `net`, shared with the `--mx` routing of probe, scan and the
/// explorer.
pub use crate::net::eyeballs as connect;
pub mod dane;
pub mod mta_sts;
mod report;
mod session;

use std::net::{IpAddr, SocketAddr};
use std::path::PathBuf;
use std::time::Duration;

use serde::Serialize;

use crate::dns::mx::{MxHost, Route, random_seed, route};
use crate::dns::{Answer, Dns, Dnssec, ResolverPlan};
use crate::net::AddressFamily;
use connect::Attempt;
use dane::{DaneMatch, TlsaRecord};
pub use report::{dane_text, render_json, render_text, sts_summary};
use session::SessionResult;

/// Exit codes: whether mail can be delivered, and securely.
pub const EXIT_SECURE: u8 = 0;
pub const EXIT_INSECURE: u8 = 1;
pub const EXIT_NO_DELIVERY: u8 = 2;
pub const EXIT_LOCAL: u8 = 3;

/// What `smtpx check` was asked to do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckPlan {
    pub domain: String,
    pub resolver: ResolverPlan,
    /// SMTP port on the MX hosts (25 unless testing); also the TLSA port.
    pub port: u16,
    pub family: AddressFamily,
    /// Extra trust anchors (PEM) for the PKIX verdict and the MTA-STS policy fetch.
    pub ca_file: Option<PathBuf>,
    pub timeout: Duration,
    pub ehlo_name: String,
    pub json: bool,
}

/// The MX lookup and the route it gives.
#[derive(Debug, Clone, Serialize)]
pub struct MxReport {
    pub status: Dnssec,
    pub records: Vec<(u16, String)>,
    pub route: Route,
    pub failure: Option<String>,
    /// The domain does not exist (NXDOMAIN): mail to it bounces.
    pub nxdomain: bool,
}

/// DANE for one host.
#[derive(Debug, Clone, Serialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum DaneReport {
    /// The MX or address lookups were not secure, so TLSA is not looked up
    /// ([RFC 7672 §2.2](https://www.rfc-editor.org/rfc/rfc7672#section-2.2)).
    NotApplicable { why: String },
    /// A secure denial, or an insecure zone with no records: no DANE, opportunistic TLS.
    NoRecords { status: Dnssec },
    /// TLSA records in an insecure zone: reported, ignored.
    Insecure { records: Vec<TlsaRecord> },
    /// The TLSA lookup failed or is bogus: RFC 7672 §2.2 says do not deliver to this host.
    Failed { status: Dnssec, why: String },
    /// Secure records, not yet matched (no TLS to match against).
    Unmatched {
        records: Vec<TlsaRecord>,
        why: String,
    },
    /// Secure records matched against the chain.
    Checked {
        records: Vec<TlsaRecord>,
        result: DaneMatch,
    },
}

impl DaneReport {
    /// Whether a DANE-capable sender must authenticate this host by TLSA.
    fn required(&self) -> bool {
        matches!(
            self,
            DaneReport::Unmatched { .. } | DaneReport::Checked { .. }
        )
    }
}

/// One MX host.
#[derive(Debug, Clone, Serialize)]
pub struct HostReport {
    pub host: String,
    pub preference: Option<u16>,
    /// The CNAME target, when the host is an alias.
    pub canonical: Option<String>,
    pub address_status: Dnssec,
    pub addresses: Vec<IpAddr>,
    pub address_failure: Option<String>,
    pub attempts: Vec<Attempt>,
    pub session: Option<SessionResult>,
    pub dane: DaneReport,
    /// The MTA-STS pattern the host matches (`None` with a policy: no match).
    pub sts_pattern: Option<String>,
    pub outcome: HostOutcome,
}

/// What a sender honouring DANE and MTA-STS does with this host.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "delivery", rename_all = "snake_case")]
pub enum HostOutcome {
    /// TLS authenticated by a TLSA record.
    DaneVerified,
    /// TLS authenticated by WebPKI under an MTA-STS policy in enforce mode.
    StsVerified,
    /// TLS, but nothing requires or proves who the server is.
    OpportunisticTls { authenticated: bool },
    /// No STARTTLS: the message goes in plaintext.
    Plaintext,
    /// Not delivered to this host, and why.
    Refused { why: String },
}

#[derive(Debug, Clone, Serialize)]
pub struct StsReport {
    pub record: Option<String>,
    pub record_status: Dnssec,
    pub record_error: Option<String>,
    pub policy: Option<mta_sts::Policy>,
    pub policy_error: Option<String>,
}

impl StsReport {
    fn enforced(&self) -> Option<&mta_sts::Policy> {
        self.policy
            .as_ref()
            .filter(|p| p.mode == mta_sts::Mode::Enforce)
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct TlsRptReport {
    pub record: Option<String>,
    pub rua: Vec<String>,
    pub error: Option<String>,
}

/// The whole check.
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    pub domain: String,
    pub resolver: String,
    pub port: u16,
    pub mx: MxReport,
    pub hosts: Vec<HostReport>,
    pub mta_sts: StsReport,
    pub tls_rpt: TlsRptReport,
    pub verdict: Verdict,
}

/// The domain's verdict: the exit code and the sentences that explain it.
#[derive(Debug, Clone, Serialize)]
pub struct Verdict {
    pub exit_code: u8,
    pub summary: String,
    /// The host that would receive the mail.
    pub delivered_to: Option<String>,
}

/// Runs the check and prints it; returns the exit code.
pub async fn run(plan: CheckPlan) -> u8 {
    let dns = match Dns::new(&plan.resolver) {
        Ok(dns) => dns,
        Err(e) => {
            eprintln!("smtpx check: {e}");
            return EXIT_LOCAL;
        }
    };
    let report = check(&plan, &dns).await;
    let text = if plan.json {
        render_json(&report)
    } else {
        render_text(&report)
    };
    crate::outln!("{text}");
    report.verdict.exit_code
}

/// Looks everything up, connects, and judges.
pub async fn check(plan: &CheckPlan, dns: &Dns) -> Report {
    let domain = plan.domain.trim_end_matches('.').to_ascii_lowercase();
    let (mx, sts, tls_rpt) = tokio::join!(
        dns.mx(&domain),
        mta_sts_report(plan, dns, &domain),
        tls_rpt_report(dns, &domain),
    );
    let mx_report = mx_report(&domain, &mx);
    let hosts = futures::future::join_all(
        mx_report
            .route
            .hosts()
            .into_iter()
            .map(|h| host_report(plan, dns, &mx_report, &sts, h)),
    )
    .await;
    let verdict = verdict(&domain, &mx_report, &hosts, &sts);
    Report {
        domain,
        resolver: dns.describe.clone(),
        port: plan.port,
        mx: mx_report,
        hosts,
        mta_sts: sts,
        tls_rpt,
        verdict,
    }
}

fn mx_report(domain: &str, mx: &Answer<(u16, String)>) -> MxReport {
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

async fn addresses(
    dns: &Dns,
    host: &str,
    family: AddressFamily,
) -> (Answer<IpAddr>, Answer<IpAddr>) {
    let empty = || Answer {
        records: Vec::new(),
        status: Dnssec::Secure,
        aliases: Vec::new(),
        failure: None,
        nxdomain: false,
    };
    let (v4, v6) = match family {
        AddressFamily::V4Only => (dns.ipv4(host).await, empty()),
        AddressFamily::V6Only => (empty(), dns.ipv6(host).await),
        AddressFamily::Any => tokio::join!(dns.ipv4(host), dns.ipv6(host)),
    };
    // hickory 0.26 judges a "no records" answer reached through a CNAME into another zone
    // bogus (it looks for the denial in the alias's zone). When the other family's answer
    // proved the CNAME chain secure, ask the family again at the CNAME target, where the
    // denial validates on its own, and keep the weaker of the two statuses.
    let retry = |bad: &Answer<IpAddr>, good: &Answer<IpAddr>| {
        (bad.status == Dnssec::Bogus && bad.records.is_empty() && bad.aliases.is_empty())
            .then(|| good.aliases.last().cloned().map(|t| (t, good.status)))
            .flatten()
    };
    if let Some((target, chain)) = retry(&v6, &v4) {
        let mut again = dns.ipv6(&target).await;
        again.status = again.status.and(chain);
        again.aliases = v4.aliases.clone();
        return (v4, again);
    }
    if let Some((target, chain)) = retry(&v4, &v6) {
        let mut again = dns.ipv4(&target).await;
        again.status = again.status.and(chain);
        again.aliases = v6.aliases.clone();
        return (again, v6);
    }
    (v4, v6)
}

/// A host's lookups before any connection: its addresses, the CNAME target, and DANE as far
/// as DNS decides it.
struct HostLookups {
    v4: Answer<IpAddr>,
    v6: Answer<IpAddr>,
    canonical: Option<String>,
    address_status: Dnssec,
    dane: DaneReport,
}

async fn host_lookups(plan: &CheckPlan, dns: &Dns, mx_status: Dnssec, name: &str) -> HostLookups {
    let ((v4, v6), tlsa) =
        tokio::join!(addresses(dns, name, plan.family), dns.tlsa(plan.port, name));
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

async fn host_report(
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

fn tlsa_report(tlsa: &Answer<crate::dns::TLSA>) -> DaneReport {
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

fn host_outcome(report: &HostReport, sts: &StsReport) -> HostOutcome {
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

async fn mta_sts_report(plan: &CheckPlan, dns: &Dns, domain: &str) -> StsReport {
    let txt = dns.txt(&format!("_mta-sts.{domain}")).await;
    let mut report = StsReport {
        record: None,
        record_status: txt.status,
        record_error: txt.failure.as_ref().map(|f| f.to_string()),
        policy: None,
        policy_error: None,
    };
    match mta_sts::pick_record(&txt.records) {
        Ok(Some(id)) => report.record = Some(id),
        Ok(None) => return report,
        Err(e) => {
            report.record_error = Some(e);
            return report;
        }
    }
    let host = format!("mta-sts.{domain}");
    let (v4, v6) = addresses(dns, &host, AddressFamily::Any).await;
    let addrs: Vec<SocketAddr> = v4
        .records
        .iter()
        .chain(&v6.records)
        .map(|ip| SocketAddr::new(*ip, 443))
        .collect();
    if addrs.is_empty() {
        report.policy_error = Some(format!("{host} has no address"));
        return report;
    }
    match mta_sts::fetch_policy(domain, &addrs, plan.ca_file.as_deref(), plan.timeout).await {
        Ok(text) => match mta_sts::parse_policy(&text) {
            Ok(policy) => report.policy = Some(policy),
            Err(e) => report.policy_error = Some(format!("the policy is invalid: {e}")),
        },
        Err(e) => report.policy_error = Some(e),
    }
    report
}

async fn tls_rpt_report(dns: &Dns, domain: &str) -> TlsRptReport {
    let txt = dns.txt(&format!("_smtp._tls.{domain}")).await;
    let records: Vec<&String> = txt
        .records
        .iter()
        .filter(|t| t.starts_with("v=TLSRPTv1"))
        .collect();
    match records.as_slice() {
        [] => TlsRptReport {
            record: None,
            rua: Vec::new(),
            error: txt.failure.as_ref().map(|f| f.to_string()),
        },
        [one] => match mta_sts::parse_tlsrpt(one) {
            Ok(rua) => TlsRptReport {
                record: Some((*one).clone()),
                rua,
                error: None,
            },
            Err(e) => TlsRptReport {
                record: Some((*one).clone()),
                rua: Vec::new(),
                error: Some(e),
            },
        },
        many => TlsRptReport {
            record: None,
            rua: Vec::new(),
            error: Some(format!(
                "{} v=TLSRPTv1 records (RFC 8460 §3 allows one)",
                many.len()
            )),
        },
    }
}

fn verdict(domain: &str, mx: &MxReport, hosts: &[HostReport], sts: &StsReport) -> Verdict {
    let no = |summary: String| Verdict {
        exit_code: EXIT_NO_DELIVERY,
        summary,
        delivered_to: None,
    };
    if mx.status == Dnssec::Bogus {
        return no(format!(
            "mail to {domain} is not delivered: its MX records are bogus (DNSSEC signatures \
             do not validate), which a validating sender treats as an attack"
        ));
    }
    if mx.nxdomain {
        return no(format!(
            "mail to {domain} is not delivered: the domain does not exist (NXDOMAIN, DNSSEC {})",
            mx.status
        ));
    }
    if let Some(failure) = &mx.failure {
        return no(format!(
            "mail to {domain} is not delivered now: the MX lookup failed ({failure})"
        ));
    }
    if mx.route == Route::NullMx {
        return no(format!(
            "{domain} accepts no mail: it publishes the null MX \"MX 0 .\" (RFC 7505)"
        ));
    }
    let first = hosts
        .iter()
        .find(|h| !matches!(h.outcome, HostOutcome::Refused { .. }));
    let Some(host) = first else {
        let whys: Vec<String> = hosts
            .iter()
            .map(|h| match &h.outcome {
                HostOutcome::Refused { why } => format!("{}: {why}", h.host),
                _ => String::new(),
            })
            .collect();
        return no(format!(
            "mail to {domain} is not delivered: no MX host is usable ({})",
            whys.join("; ")
        ));
    };
    let (how, exit_code) = match &host.outcome {
        HostOutcome::DaneVerified => ("over DANE-verified TLS", EXIT_SECURE),
        HostOutcome::StsVerified => ("over TLS verified under MTA-STS enforce", EXIT_SECURE),
        HostOutcome::OpportunisticTls {
            authenticated: true,
        } => (
            "over TLS with a valid certificate, but nothing (DANE or MTA-STS) makes a sender \
             require it",
            EXIT_INSECURE,
        ),
        HostOutcome::OpportunisticTls {
            authenticated: false,
        } => (
            "over opportunistic TLS that does not authenticate the server",
            EXIT_INSECURE,
        ),
        HostOutcome::Plaintext => ("in plaintext (no STARTTLS)", EXIT_INSECURE),
        HostOutcome::Refused { .. } => ("", EXIT_NO_DELIVERY),
    };
    let mut summary = format!("mail to {domain} is delivered to {} {how}", host.host);
    let skipped: Vec<String> = hosts
        .iter()
        .take_while(|h| h.host != host.host)
        .filter_map(|h| match &h.outcome {
            HostOutcome::Refused { why } => Some(format!("{} skipped: {why}", h.host)),
            _ => None,
        })
        .collect();
    if !skipped.is_empty() {
        summary.push_str(&format!(" ({})", skipped.join("; ")));
    }
    if let (Some(policy), false) = (
        &sts.policy,
        matches!(host.outcome, HostOutcome::DaneVerified),
    ) && policy.mode == mta_sts::Mode::Testing
    {
        summary.push_str("; MTA-STS is in testing mode and enforces nothing");
    }
    Verdict {
        exit_code,
        summary,
        delivered_to: Some(host.host.clone()),
    }
}

#[cfg(test)]
mod tests;
