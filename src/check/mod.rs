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
mod host;
pub mod mta_sts;
mod policy;
mod report;
mod session;

use std::net::IpAddr;
use std::path::PathBuf;
use std::time::Duration;

use serde::Serialize;

use crate::dns::mx::Route;
use crate::dns::{Dns, Dnssec, ResolverPlan};
use crate::net::AddressFamily;
use connect::Attempt;
use dane::{DaneMatch, TlsaRecord};
pub use host::before_tls;
use host::{host_report, mx_report};
use policy::{mta_sts_report, tls_rpt_report};
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
