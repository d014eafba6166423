//! The domain's published policies: MTA-STS ([RFC 8461](https://www.rfc-editor.org/rfc/rfc8461))
//! and TLS-RPT ([RFC 8460](https://www.rfc-editor.org/rfc/rfc8460)).
//!
//! Layer: front end. A child of [`check`](super).

use super::{CheckPlan, StsReport, TlsRptReport, mta_sts};
use crate::dns::Dns;
use crate::dns::reach::host_addresses;
use crate::net::AddressFamily;
use std::net::SocketAddr;

pub(super) async fn mta_sts_report(plan: &CheckPlan, dns: &Dns, domain: &str) -> StsReport {
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
    let (v4, v6) = host_addresses(dns, &host, AddressFamily::Any).await;
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

pub(super) async fn tls_rpt_report(dns: &Dns, domain: &str) -> TlsRptReport {
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
