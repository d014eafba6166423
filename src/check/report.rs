//! The check report in words (one section per MX host, then the verdict) and as JSON.
//!
//! Layer: front end (domain check). Every text that came from DNS, a policy file or a server
//! is escaped before it is written.

use std::fmt::Write;

use crate::dns::mx::Route;
use crate::proto::text::escape_str;

use super::dane::DaneMatch;
use super::{DaneReport, HostOutcome, HostReport, Report};

/// The report as JSON (one object; text fields escaped by [`crate::output::safe_json`]).
pub fn render_json(report: &Report) -> String {
    crate::output::safe_json(serde_json::to_string_pretty(report).unwrap_or_else(|e| {
        // Serialize is derived over plain data; a failure here is a bug worth seeing.
        format!("{{\"error\":\"cannot encode the report: {e}\"}}")
    }))
}

fn e(text: &str) -> String {
    escape_str(text)
}

/// The report in words.
pub fn render_text(r: &Report) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "smtpx check {}  (resolver: {})",
        e(&r.domain),
        e(&r.resolver)
    );
    let _ = writeln!(out);
    let _ = write!(out, "MX         DNSSEC {}", r.mx.status);
    if let Some(f) = &r.mx.failure {
        let _ = write!(out, ", lookup failed: {}", e(f));
    }
    let _ = writeln!(out);
    match &r.mx.route {
        Route::NullMx => {
            let _ = writeln!(
                out,
                "           0 .  (null MX: the domain accepts no mail, RFC 7505)"
            );
        }
        Route::Implicit { host } => {
            let _ = writeln!(
                out,
                "           none; the domain itself is the mail exchanger (implicit MX): {}",
                e(&host.host)
            );
        }
        Route::Exchangers { hosts } => {
            for h in hosts {
                let _ = writeln!(
                    out,
                    "           {} {}",
                    h.preference.unwrap_or(0),
                    e(&h.host)
                );
            }
        }
    }
    for host in &r.hosts {
        let _ = writeln!(out);
        host_text(&mut out, host, r.port);
    }
    let _ = writeln!(out);
    sts_text(&mut out, r);
    let _ = writeln!(out);
    let _ = writeln!(out, "Verdict: {}", e(&r.verdict.summary));
    out.trim_end().to_string()
}

fn host_text(out: &mut String, h: &HostReport, port: u16) {
    let pref = h
        .preference
        .map_or("implicit MX".into(), |p| format!("preference {p}"));
    let _ = writeln!(out, "{}  ({pref})", e(&h.host));
    if let Some(target) = &h.canonical {
        let _ = writeln!(out, "  alias        CNAME to {}", e(target));
    }
    let addrs: Vec<String> = h.addresses.iter().map(|a| a.to_string()).collect();
    let _ = writeln!(
        out,
        "  addresses    {}  (DNSSEC {})",
        if addrs.is_empty() {
            "none".into()
        } else {
            addrs.join(", ")
        },
        h.address_status
    );
    if let Some(f) = &h.address_failure {
        let _ = writeln!(out, "               lookup failed: {}", e(f));
    }
    for a in &h.attempts {
        let started = if a.started_ms > 0 {
            format!(" (started at +{} ms)", a.started_ms)
        } else {
            String::new()
        };
        let _ = writeln!(
            out,
            "  connect      {}: {}{started}",
            a.addr,
            e(&a.outcome.describe())
        );
    }
    if h.attempts.is_empty() && !h.addresses.is_empty() {
        let _ = writeln!(out, "  connect      not tried");
    }
    if let Some(s) = &h.session {
        if let Some(g) = &s.greeting {
            let _ = writeln!(out, "  greeting     {g}");
        }
        if let Some(f) = &s.failure_before_tls {
            let _ = writeln!(out, "  problem      {}", e(f));
        }
        let _ = writeln!(
            out,
            "  STARTTLS     {}",
            if s.starttls_offered {
                "offered"
            } else {
                "NOT offered"
            }
        );
        if let Some(t) = &s.tls {
            let _ = writeln!(
                out,
                "  TLS          {}, {}",
                e(&t.version),
                e(&t.cipher_suite)
            );
            let _ = writeln!(out, "  certificate  {}", t.pkix);
        }
        if let Some(err) = &s.tls_error {
            let _ = writeln!(out, "  TLS          failed: {}", e(err));
        }
        if s.injection.is_some() {
            let _ = writeln!(
                out,
                "  WARNING      plaintext was injected after the 220 to STARTTLS (discarded)"
            );
        }
    }
    let _ = writeln!(out, "  DANE         {}", dane_text(&h.dane, port));
    if let Some(p) = &h.sts_pattern {
        let _ = writeln!(
            out,
            "  MTA-STS      matches the policy's mx pattern {}",
            e(p)
        );
    }
    let _ = writeln!(out, "  delivery     {}", outcome_text(&h.outcome));
}

/// One host's DANE result in words (escaped).
pub fn dane_text(d: &DaneReport, port: u16) -> String {
    let list = |records: &[super::TlsaRecord]| {
        records
            .iter()
            .map(|r| r.short())
            .collect::<Vec<_>>()
            .join(", ")
    };
    match d {
        DaneReport::NotApplicable { why } => format!("not applicable: {}", e(why)),
        DaneReport::NoRecords { status } => {
            format!("no TLSA records at _{port}._tcp (DNSSEC {status}): no DANE")
        }
        DaneReport::Insecure { records } => format!(
            "TLSA records found ({}) but the zone is insecure: ignored (RFC 7672 §2.2)",
            list(records)
        ),
        DaneReport::Failed { status, why } => {
            format!("TLSA lookup failed (DNSSEC {status}): {}", e(why))
        }
        DaneReport::Unmatched { records, why } => {
            format!("TLSA {} not checked: {}", list(records), e(why))
        }
        DaneReport::Checked { records, result } => match result {
            DaneMatch::Matched {
                record,
                certificate,
                how,
            } => format!(
                "verified: TLSA {} matches certificate {certificate} of the chain — {}",
                record.short(),
                e(how)
            ),
            DaneMatch::NoMatch { reasons } => format!(
                "FAILED: none of {} matches ({})",
                list(records),
                e(&reasons.join("; "))
            ),
            DaneMatch::NoUsableRecords { reasons } => {
                format!("no usable TLSA records ({})", e(&reasons.join("; ")))
            }
        },
    }
}

fn outcome_text(o: &HostOutcome) -> String {
    match o {
        HostOutcome::DaneVerified => "DANE-verified TLS".into(),
        HostOutcome::StsVerified => "TLS verified under MTA-STS enforce".into(),
        HostOutcome::OpportunisticTls {
            authenticated: true,
        } => "opportunistic TLS (certificate valid, but not required)".into(),
        HostOutcome::OpportunisticTls {
            authenticated: false,
        } => "opportunistic TLS (server not authenticated)".into(),
        HostOutcome::Plaintext => "plaintext".into(),
        HostOutcome::Refused { why } => format!("NO delivery to this host: {}", e(why)),
    }
}

/// The domain's MTA-STS policy and whether `host` matches its mx patterns, in one sentence
/// (escaped), for the explorer's certificate view.
pub fn sts_summary(s: &super::StsReport, host: &str) -> String {
    let record = match (&s.record, &s.record_error) {
        (Some(id), _) => format!("record id={} (DNSSEC {})", e(id), s.record_status),
        (None, Some(err)) => return format!("record problem: {}", e(err)),
        (None, None) => return "no _mta-sts record: no policy".to_string(),
    };
    match (&s.policy, &s.policy_error) {
        (Some(p), _) => {
            let matched = match super::mta_sts::matching_pattern(p, host) {
                Some(pattern) => format!("{} matches the mx pattern {}", e(host), e(pattern)),
                None if p.mode == super::mta_sts::Mode::Enforce => format!(
                    "{} matches NONE of the mx patterns ({}): a sender enforcing the policy \
                     does not deliver here",
                    e(host),
                    e(&p.mx.join(", "))
                ),
                None => format!(
                    "{} matches none of the mx patterns ({})",
                    e(host),
                    e(&p.mx.join(", "))
                ),
            };
            format!("mode {}, {record}; {matched}", p.mode.name())
        }
        (None, Some(err)) => format!("{record}, but the policy is NOT usable: {}", e(err)),
        (None, None) => record,
    }
}

fn sts_text(out: &mut String, r: &Report) {
    let s = &r.mta_sts;
    match (&s.record, &s.record_error) {
        (Some(id), _) => {
            let _ = writeln!(
                out,
                "MTA-STS    record id={} (DNSSEC {})",
                e(id),
                s.record_status
            );
        }
        (None, Some(err)) => {
            let _ = writeln!(out, "MTA-STS    record problem: {}", e(err));
        }
        (None, None) => {
            let _ = writeln!(out, "MTA-STS    no _mta-sts record: no policy");
        }
    }
    if let Some(p) = &s.policy {
        let _ = writeln!(
            out,
            "           policy mode {}, mx {}, max_age {}",
            p.mode.name(),
            e(&p.mx.join(", ")),
            p.max_age
        );
    }
    if let Some(err) = &s.policy_error {
        let _ = writeln!(out, "           policy NOT usable: {}", e(err));
    }
    let t = &r.tls_rpt;
    match (&t.record, &t.error) {
        (Some(rec), None) => {
            let _ = writeln!(out, "TLS-RPT    {} (well-formed)", e(rec));
        }
        (Some(rec), Some(err)) => {
            let _ = writeln!(out, "TLS-RPT    {} — malformed: {}", e(rec), e(err));
        }
        (None, Some(err)) => {
            let _ = writeln!(out, "TLS-RPT    {}", e(err));
        }
        (None, None) => {
            let _ = writeln!(out, "TLS-RPT    no _smtp._tls record");
        }
    }
}
