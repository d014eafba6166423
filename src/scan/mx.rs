//! `smtpx scan --mx DOMAIN`: every MX host of the domain, at each of its addresses.
//!
//! Every host, not only the first reachable one: a sender falls back to any MX when the ones
//! before it fail, so a backup MX that is down, or offers no STARTTLS, or shows a certificate
//! for another name, is where mail leaks or stalls — and it is the host an admin forgets.
//! Each address is scanned because a sender may reach any of them (a dead IPv6 address
//! costs every IPv6 sender a timeout). Certificates are verified against the MX host name,
//! as a sending MTA does.
//!
//! Exit code: the worst MX host, each host judged by its best address (0: speaks SMTP;
//! 20: nothing reachable, also for a host with no address; 21: open but no SMTP). A null MX
//! or a failed MX lookup is 20; a resolver that cannot be set up is 2.
//!
//! Layer: front end.

use serde::Serialize;

use super::{ScanPlan, ScanReport, scan, table, tls_surfaces};
use crate::dns::Dnssec;
use crate::dns::reach::{MxPlan, ReachError, mx_addresses};
use crate::proto::text::escape_str;

/// One MX host at one address, scanned (or why it could not be).
#[derive(Debug, Clone, Serialize)]
struct MxScan {
    host: String,
    /// `None`: the implicit MX (the domain has no MX record).
    preference: Option<u16>,
    #[serde(skip_serializing_if = "Option::is_none")]
    address: Option<std::net::IpAddr>,
    #[serde(skip_serializing_if = "Option::is_none")]
    problem: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    report: Option<ScanReport>,
}

/// `--json` with `--mx`.
#[derive(Debug, Clone, Serialize)]
struct MxScanReport {
    domain: String,
    dnssec: Dnssec,
    hosts: Vec<MxScan>,
    exit_code: u8,
}

/// Scans every MX host of `mx.domain`; returns the exit code.
pub async fn run(plan: &ScanPlan, mx: &MxPlan) -> u8 {
    let (domain, dnssec, hosts) = match mx_addresses(mx, plan.config.connect.family).await {
        Ok(found) => found,
        Err(error) => {
            eprintln!("smtpx scan: {error}");
            return match error {
                ReachError::Setup(_) => 2,
                _ => 20,
            };
        }
    };
    if !plan.json {
        let list: Vec<String> = hosts.iter().map(|h| label(&h.host, h.preference)).collect();
        crate::outln!(
            "smtpx scan --mx {} (DNSSEC {dnssec}): {}",
            escape_str(&domain),
            list.join(", ")
        );
    }
    let mut scans = Vec::new();
    let mut exit_code = 0;
    for host in &hosts {
        let name = label(&host.host, host.preference);
        if let Some(problem) = &host.problem {
            if !plan.json {
                crate::outln!("\n{name}: {problem}");
            }
            exit_code = exit_code.max(20);
            scans.push(MxScan {
                host: host.host.clone(),
                preference: host.preference,
                address: None,
                problem: Some(problem.clone()),
                report: None,
            });
            continue;
        }
        let mut config = plan.config.clone();
        if config.tls.verify_name.is_none() {
            config.tls.verify_name = Some(host.host.clone());
        }
        let mut best = u8::MAX;
        for address in &host.addresses {
            let ip = address.to_string();
            let mut report = scan(&ip, &plan.ports, &config).await;
            if plan.tls_surface {
                report.tls_surface = tls_surfaces(&ip, &report.ports, &config).await;
            }
            // 0 beats 21 beats 20: an address that speaks SMTP is the best.
            let code = report.exit_code();
            best = match (best, code) {
                (u8::MAX, c) => c,
                (0, _) | (_, 0) => 0,
                (b, c) => b.max(c),
            };
            if !plan.json {
                crate::outln!("\n{name} at {address}:");
                crate::out!("{}", table::render(&report));
            }
            scans.push(MxScan {
                host: host.host.clone(),
                preference: host.preference,
                address: Some(*address),
                problem: None,
                report: Some(report),
            });
        }
        // A host none of whose addresses was scanned counts as unreachable.
        exit_code = exit_code.max(if best == u8::MAX { 20 } else { best });
    }
    if plan.json {
        let report = MxScanReport {
            domain,
            dnssec,
            hosts: scans,
            exit_code,
        };
        match serde_json::to_string_pretty(&report).map(crate::output::safe_json) {
            Ok(text) => crate::outln!("{text}"),
            Err(e) => {
                eprintln!("smtpx scan: cannot write JSON: {e}");
                return 3;
            }
        }
    }
    exit_code
}

fn label(host: &str, preference: Option<u16>) -> String {
    match preference {
        Some(p) => format!("MX {p} {}", escape_str(host)),
        None => format!("{} (implicit MX)", escape_str(host)),
    }
}
