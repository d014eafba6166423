//! `smtpx diff A B`: two recordings compared the way a person checks a configuration change
//! — reply codes step by step, capabilities before and after TLS, the certificate, the TLS
//! parameters. Exact texts, times and EHLO names are not compared.
//!
//! Layer: transcript (pure).

use std::collections::BTreeSet;

use super::read::Transcript;
use super::summary::Summary;
use crate::event::TlsInfo;
use crate::proto::text::escape_str;

/// One line per difference; empty when the sessions agree.
pub fn diff(a: &Transcript, b: &Transcript) -> Vec<String> {
    let (sa, sb) = (Summary::of(a.events()), Summary::of(b.events()));
    let mut out = Vec::new();
    let (ta, tb) = (&a.header.target, &b.header.target);
    if (ta.host.as_str(), ta.port) != (tb.host.as_str(), tb.port) {
        out.push(format!(
            "target: A {}:{}, B {}:{}",
            escape_str(&ta.host),
            ta.port,
            escape_str(&tb.host),
            tb.port
        ));
    }
    out.extend(replies(&sa, &sb));
    out.extend(capabilities(
        "plaintext",
        sa.capabilities_plain.as_ref(),
        sb.capabilities_plain.as_ref(),
    ));
    out.extend(capabilities(
        "TLS",
        sa.capabilities_tls.as_ref(),
        sb.capabilities_tls.as_ref(),
    ));
    out.extend(tls(sa.tls.as_ref(), sb.tls.as_ref()));
    out
}

/// Reply codes, step by step.
pub fn replies(a: &Summary, b: &Summary) -> Vec<String> {
    let mut out = Vec::new();
    let n = a.exchanges.len().max(b.exchanges.len());
    for i in 0..n {
        let (x, y) = (a.exchanges.get(i), b.exchanges.get(i));
        let same = match (x, y) {
            (Some(x), Some(y)) => x.describe() == y.describe(),
            _ => false,
        };
        if !same {
            let show = |e: Option<&super::summary::Exchange>| {
                e.map_or("(nothing)".to_string(), |e| escape_str(&e.describe()))
            };
            out.push(format!("reply {}: A {}, B {}", i + 1, show(x), show(y)));
        }
    }
    out
}

/// Extension keywords (with parameters) only one side offered.
pub fn capabilities(layer: &str, a: Option<&Vec<String>>, b: Option<&Vec<String>>) -> Vec<String> {
    match (a, b) {
        (None, None) => Vec::new(),
        (Some(_), None) => vec![format!("capabilities in {layer}: only A got an EHLO reply")],
        (None, Some(_)) => vec![format!("capabilities in {layer}: only B got an EHLO reply")],
        (Some(a), Some(b)) => {
            let norm = |v: &Vec<String>| -> BTreeSet<String> {
                v.iter().map(|s| s.trim().to_ascii_uppercase()).collect()
            };
            let (a, b) = (norm(a), norm(b));
            let mut out = Vec::new();
            for only in a.difference(&b) {
                out.push(format!(
                    "capability in {layer} only in A: {}",
                    escape_str(only)
                ));
            }
            for only in b.difference(&a) {
                out.push(format!(
                    "capability in {layer} only in B: {}",
                    escape_str(only)
                ));
            }
            out
        }
    }
}

/// TLS parameters and the certificate (leaf fingerprint, trust, name check).
pub fn tls(a: Option<&TlsInfo>, b: Option<&TlsInfo>) -> Vec<String> {
    let (a, b) = match (a, b) {
        (None, None) => return Vec::new(),
        (Some(_), None) => return vec!["TLS: only A used TLS".into()],
        (None, Some(_)) => return vec!["TLS: only B used TLS".into()],
        (Some(a), Some(b)) => (a, b),
    };
    let mut out = Vec::new();
    let mut compare = |what: &str, x: String, y: String| {
        if x != y {
            out.push(format!(
                "{what}: A {}, B {}",
                escape_str(&x),
                escape_str(&y)
            ));
        }
    };
    compare("TLS version", a.version.clone(), b.version.clone());
    compare(
        "TLS cipher suite",
        a.cipher_suite.clone(),
        b.cipher_suite.clone(),
    );
    compare(
        "TLS key exchange group",
        a.key_exchange_group.clone().unwrap_or_default(),
        b.key_exchange_group.clone().unwrap_or_default(),
    );
    let leaf = |info: &TlsInfo| {
        info.chain_der
            .first()
            .map(|der| crate::net::cert::summarize(der))
            .map_or_else(
                || "(none)".to_string(),
                |c| format!("{} sha256 {}", c.subject.unwrap_or_default(), c.sha256),
            )
    };
    compare("certificate", leaf(a), leaf(b));
    let verdict = |info: &TlsInfo| {
        // Without the validity part: "valid 61 days" changes every day.
        let summary = info.verdict.summary();
        let parts: Vec<&str> = summary.split([',', ';']).map(str::trim).collect();
        parts[..parts.len().saturating_sub(1)].join("; ")
    };
    compare("certificate verdict", verdict(a), verdict(b));
    compare(
        "certificate verified",
        a.verdict.ok().to_string(),
        b.verdict.ok().to_string(),
    );
    out
}
