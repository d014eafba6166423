//! Certificates and verdicts in words, for the probe's `--show-cert`, the explorer's
//! certificate view, and `--json`. Every string from the peer is escaped here, so callers
//! print the results as they are.
//!
//! Layer: transport (pure formatting; no terminal).

use serde_json::{Value, json};

use super::chain::{self, Link};
use super::ext::policy_name;
use super::{CertSummary, format_time, summarize_chain};
use crate::event::verdict::{TlsVerdict, Trust, TrustStore};
use crate::net::TlsInfo;
use crate::proto::text::escape_str;

/// Days before expiry from which a certificate is flagged.
pub const EXPIRY_WARNING_DAYS: i64 = 30;
/// RSA keys shorter than this are flagged (NIST SP 800-131A, CA/B Forum baseline).
pub const MIN_RSA_BITS: usize = 2048;

/// The chain decoded once: summaries and links, leaf first.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChainView {
    pub certs: Vec<CertSummary>,
    pub links: Vec<Link>,
}

impl ChainView {
    /// The chain of `info`; its verdict says whether a `--ca-file` anchor, not sent by the
    /// server, ends it.
    pub fn new(info: &TlsInfo) -> ChainView {
        let chain = &info.chain_der;
        let certs = summarize_chain(chain);
        let by_ca_file = matches!(
            info.verdict.trusted,
            Trust::Trusted {
                store: TrustStore::CaFile(_)
            }
        );
        let links = chain::links_verified(chain, &certs, by_ca_file);
        ChainView { certs, links }
    }

    /// One line per certificate for a list: `[0] CN=mx.example.com` plus its link.
    pub fn list_lines(&self) -> Vec<(String, String)> {
        self.certs
            .iter()
            .zip(&self.links)
            .enumerate()
            .map(|(i, (cert, link))| {
                let issuer = cert.issuer.as_deref().unwrap_or("?");
                (
                    format!("[{i}] {}", cert.subject.as_deref().unwrap_or("?")),
                    link.describe(issuer),
                )
            })
            .collect()
    }
}

impl CertSummary {
    /// What is wrong or worth a look: expiry, weak key, SHA-1.
    pub fn flags(&self, now: i64) -> Vec<String> {
        let mut out = Vec::new();
        match (self.not_before, self.days_left(now)) {
            (Some(nb), _) if now < nb => out.push("NOT YET VALID".to_string()),
            (_, Some(days)) if days < 0 => out.push("EXPIRED".to_string()),
            (_, Some(days)) if days < EXPIRY_WARNING_DAYS => {
                out.push(format!("expires within {EXPIRY_WARNING_DAYS} days"));
            }
            _ => {}
        }
        if self.key_algorithm.as_deref() == Some("RSA")
            && self.key_bits.is_some_and(|b| b < MIN_RSA_BITS)
        {
            out.push(format!("WEAK KEY: RSA under {MIN_RSA_BITS} bits"));
        }
        if self.signature_is_sha1() {
            out.push("SHA-1 signature".to_string());
        }
        out
    }

    pub fn signature_is_sha1(&self) -> bool {
        self.signature_algorithm
            .as_deref()
            .is_some_and(|s| s.to_ascii_lowercase().contains("sha1"))
    }

    /// Every field as `label: value`, escaped, in reading order.
    pub fn details(&self, now: i64) -> Vec<(&'static str, String)> {
        let mut out: Vec<(&'static str, String)> = Vec::new();
        let e = |s: &str| escape_str(s);
        let list = |items: &[String]| items.iter().map(|s| e(s)).collect::<Vec<_>>().join(", ");
        out.push((
            "subject",
            self.subject.clone().unwrap_or_else(|| "?".into()),
        ));
        out.push(("issuer", self.issuer.clone().unwrap_or_else(|| "?".into())));
        if let Some(serial) = &self.serial {
            out.push(("serial", e(serial)));
        }
        if let Some(nb) = self.not_before {
            out.push(("not before", format_time(nb)));
        }
        if let Some(na) = self.not_after {
            let left = match self.days_left(now) {
                Some(d) if d < 0 => format!(" (expired {} days ago)", -d),
                Some(d) => format!(" ({d} days left)"),
                None => String::new(),
            };
            out.push(("not after", format!("{}{left}", format_time(na))));
        }
        let flags = self.flags(now);
        if !flags.is_empty() {
            out.push(("flags", flags.join(", ")));
        }
        let (mut dns, mut ips, mut emails, mut other) = (0, 0, 0, 0);
        for san in &self.sans {
            match san {
                super::SanEntry::Dns(_) => dns += 1,
                super::SanEntry::Ip(_) => ips += 1,
                super::SanEntry::Email(_) => emails += 1,
                _ => other += 1,
            }
        }
        if !self.sans.is_empty() {
            let names: Vec<String> = self.sans.iter().map(|s| e(&s.to_string())).collect();
            out.push((
                "names",
                format!(
                    "{} ({dns} DNS, {ips} IP, {emails} email, {other} other)",
                    names.join(", ")
                ),
            ));
        }
        if let Some(alg) = &self.key_algorithm {
            let key = match self.key_bits {
                Some(bits) => format!("{} {bits} bits", e(alg)),
                None => e(alg),
            };
            out.push(("public key", key));
        }
        if let Some(sig) = &self.signature_algorithm {
            out.push(("signature", e(sig)));
        }
        let x = &self.ext;
        if !x.key_usage.is_empty() {
            out.push(("key usage", list(&x.key_usage)));
        }
        if !x.extended_key_usage.is_empty() {
            out.push(("ext key usage", list(&x.extended_key_usage)));
        }
        if let Some(bc) = x.basic_constraints {
            let mut text = if bc.ca {
                "CA".to_string()
            } else {
                "not a CA".into()
            };
            if let Some(n) = bc.path_len {
                text.push_str(&format!(", path length {n}"));
            }
            if bc.critical {
                text.push_str(" (critical)");
            }
            out.push(("basic constr.", text));
        }
        if let Some(id) = &x.subject_key_id {
            out.push(("subject key id", id.clone()));
        }
        if let Some(id) = &x.authority_key_id {
            out.push(("authority key", id.clone()));
        }
        if !x.ocsp_urls.is_empty() {
            out.push(("OCSP", list(&x.ocsp_urls)));
        }
        if !x.ca_issuer_urls.is_empty() {
            out.push(("CA issuers", list(&x.ca_issuer_urls)));
        }
        if !x.crl_urls.is_empty() {
            out.push(("CRL", list(&x.crl_urls)));
        }
        if !x.policies.is_empty() {
            let named: Vec<String> = x
                .policies
                .iter()
                .map(|p| match policy_name(p) {
                    Some(name) => format!("{p} ({name})"),
                    None => e(p),
                })
                .collect();
            out.push(("policies", named.join(", ")));
        }
        out.push((
            "SCTs",
            match x.sct_count {
                Some(n) => format!("{n} embedded"),
                None => "none embedded".into(),
            },
        ));
        out.push((
            "must-staple",
            if x.must_staple { "yes (OCSP)" } else { "no" }.into(),
        ));
        out.push(("sha256", self.sha256.clone()));
        out.push(("sha1", self.sha1.clone()));
        if let Some(spki) = &self.spki_sha256 {
            out.push(("spki sha256", spki.clone()));
        }
        for problem in &self.problems {
            out.push(("problem", e(problem)));
        }
        out
    }

    /// Every field as JSON (strings as decoded: JSON escapes control characters itself).
    pub fn to_json(&self, now: i64) -> Value {
        let x = &self.ext;
        json!({
            "subject": self.subject, "issuer": self.issuer, "serial": self.serial,
            "not_before": self.not_before.map(format_time),
            "not_after": self.not_after.map(format_time),
            "days_left": self.days_left(now),
            "flags": self.flags(now),
            "sans": {
                "dns": self.sans.iter().filter_map(|s| match s { super::SanEntry::Dns(d) => Some(d.clone()), _ => None }).collect::<Vec<_>>(),
                "ip": self.sans.iter().filter_map(|s| match s { super::SanEntry::Ip(ip) => Some(ip.to_string()), _ => None }).collect::<Vec<_>>(),
                "email": self.sans.iter().filter_map(|s| match s { super::SanEntry::Email(m) => Some(m.clone()), _ => None }).collect::<Vec<_>>(),
            },
            "key_algorithm": self.key_algorithm, "key_bits": self.key_bits,
            "signature_algorithm": self.signature_algorithm,
            "key_usage": x.key_usage, "extended_key_usage": x.extended_key_usage,
            "basic_constraints": x.basic_constraints.map(|b| json!({"ca": b.ca, "path_len": b.path_len})),
            "subject_key_id": x.subject_key_id, "authority_key_id": x.authority_key_id,
            "ocsp": x.ocsp_urls, "ca_issuers": x.ca_issuer_urls, "crl": x.crl_urls,
            "policies": x.policies, "validation": x.validation_level(),
            "sct_count": x.sct_count, "must_staple": x.must_staple,
            "sha256": self.sha256, "sha1": self.sha1, "spki_sha256": self.spki_sha256,
            "problems": self.problems,
        })
    }
}

/// The three verdicts in words (chain, name, validity), then what happened to client
/// authentication when the handshake says.
pub fn verdict_lines(verdict: &TlsVerdict) -> [(&'static str, String); 3] {
    [
        ("chain", verdict.trust_words()),
        ("name", verdict.name_words()),
        ("validity", verdict.validity_words()),
    ]
}

/// Client authentication in words, when the handshake recorded it.
pub fn client_cert_line(info: &TlsInfo) -> Option<String> {
    info.client_cert.map(|status| status.describe().to_string())
}

/// What the handshake negotiated, one line.
pub fn negotiated_line(info: &TlsInfo) -> String {
    let mut parts = vec![info.version.clone(), info.cipher_suite.clone()];
    parts.extend(info.key_exchange_group.clone());
    parts.push(match &info.alpn {
        Some(alpn) => format!("ALPN {}", escape_str(alpn)),
        None => "no ALPN".to_string(),
    });
    parts.push(format!(
        "handshake {:.1} ms",
        info.handshake.as_secs_f64() * 1000.0
    ));
    parts.push(
        if info.resumed {
            "resumed"
        } else {
            "full handshake"
        }
        .to_string(),
    );
    parts.join(" · ")
}

/// The whole report `--show-cert` prints: negotiated TLS, verdicts, then every certificate
/// with its fields and the link to the next.
pub fn report_lines(info: &TlsInfo, now: i64) -> Vec<String> {
    let view = ChainView::new(info);
    let mut out = vec![format!("TLS: {}", negotiated_line(info))];
    for (label, text) in verdict_lines(&info.verdict) {
        out.push(format!("{label:>9}: {text}"));
    }
    if let Some(line) = client_cert_line(info) {
        out.push(format!("{:>9}: {line}", "client"));
    }
    if !info.verdict.ok() {
        out.push("          (verification failed; the session went on in report mode)".into());
    }
    out.push(format!(
        "chain as sent: {} certificate(s)",
        view.certs.len()
    ));
    for (i, (cert, link)) in view.certs.iter().zip(&view.links).enumerate() {
        out.push(format!("[{i}]"));
        for (label, value) in cert.details(now) {
            out.push(format!("  {label:>14}: {value}"));
        }
        let issuer = cert.issuer.as_deref().unwrap_or("?");
        out.push(format!("  {}", link.describe(issuer)));
    }
    out
}

/// The `--json` form of a TLS event's certificate part.
pub fn report_json(info: &TlsInfo, now: i64) -> Value {
    let view = ChainView::new(info);
    let [chain_v, name_v, validity_v] = verdict_lines(&info.verdict);
    json!({
        "verdict": {
            "ok": info.verdict.ok(),
            // Stable codes (`UntrustedReason::code`, `name-mismatch`): the first problem,
            // and all of them; null and empty when the verdict passed.
            "reason": info.verdict.reason(),
            "reasons": info.verdict.reasons(),
            "pinned": info.verdict.is_pinned(),
            "chain": chain_v.1, "name": name_v.1, "validity": validity_v.1,
            "summary": info.verdict.summary(),
        },
        "client_cert": info.client_cert.map(|c| json!({
            "configured": c.configured, "requested": c.requested, "sent": c.sent,
            "text": c.describe(),
        })),
        "chain": view.certs.iter().zip(&view.links).map(|(c, link)| {
            let mut value = c.to_json(now);
            if let Value::Object(map) = &mut value {
                map.insert("link".into(), json!(link.describe(c.issuer.as_deref().unwrap_or("?"))));
                map.insert("link_problem".into(), json!(link.is_problem()));
            }
            value
        }).collect::<Vec<_>>(),
    })
}

/// Unix seconds now (0 if the clock is before 1970).
pub fn unix_now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}
