//! MTA-STS ([RFC 8461](https://www.rfc-editor.org/rfc/rfc8461)): the `_mta-sts` TXT record,
//! the policy fetched over HTTPS with WebPKI validation, strict policy parsing and MX pattern
//! matching; and the TLS-RPT record of [RFC 8460](https://www.rfc-editor.org/rfc/rfc8460).
//!
//! Layer: front end (domain check) — parsing is pure; [`fetch_policy`] does HTTPS with reqwest
//! on the crate's own rustls configuration (ring), so `--ca-file` anchors apply.

use std::net::SocketAddr;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use serde::Serialize;

/// The largest policy accepted: RFC 8461 §3.3 lets senders limit it; 64 KiB is generous.
const MAX_POLICY_BYTES: usize = 64 * 1024;

/// A valid `_mta-sts` record's id ([RFC 8461 §3.1](https://www.rfc-editor.org/rfc/rfc8461#section-3.1)).
pub fn parse_record(txt: &str) -> Result<String, String> {
    let mut fields = txt.split(';').map(str::trim).filter(|f| !f.is_empty());
    match fields.next() {
        Some("v=STSv1") => {}
        _ => return Err("does not start with v=STSv1".into()),
    }
    let mut id = None;
    for field in fields {
        let Some((key, value)) = field.split_once('=') else {
            return Err(format!("field without '=': {field}"));
        };
        if key.trim() == "id" {
            let value = value.trim();
            if value.is_empty()
                || value.len() > 32
                || !value.bytes().all(|b| b.is_ascii_alphanumeric())
            {
                return Err("id must be 1 to 32 letters and digits".into());
            }
            id = Some(value.to_string());
        }
    }
    id.ok_or_else(|| "no id field".into())
}

/// The `_mta-sts` record set: exactly one `v=STSv1` record counts (RFC 8461 §3.1: with more
/// than one, the domain has no usable policy).
pub fn pick_record(txts: &[String]) -> Result<Option<String>, String> {
    let sts: Vec<&String> = txts.iter().filter(|t| t.starts_with("v=STSv1")).collect();
    match sts.as_slice() {
        [] => Ok(None),
        [one] => parse_record(one).map(Some),
        _ => Err(format!(
            "{} v=STSv1 records; a sender ignores them all",
            sts.len()
        )),
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Mode {
    Enforce,
    Testing,
    None,
}

impl Mode {
    pub fn name(self) -> &'static str {
        match self {
            Mode::Enforce => "enforce",
            Mode::Testing => "testing",
            Mode::None => "none",
        }
    }
}

/// A policy ([RFC 8461 §3.2](https://www.rfc-editor.org/rfc/rfc8461#section-3.2)).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Policy {
    pub mode: Mode,
    pub mx: Vec<String>,
    pub max_age: u32,
}

/// Parses a policy strictly: `version: STSv1`, a known `mode`, `max_age` within 0..=31557600,
/// at least one `mx` unless the mode is none; unknown keys are ignored as §3.2 says.
pub fn parse_policy(text: &str) -> Result<Policy, String> {
    let mut version = None;
    let mut mode = None;
    let mut max_age = None;
    let mut mx = Vec::new();
    for (n, line) in text.lines().enumerate() {
        let line = line.strip_suffix('\r').unwrap_or(line);
        if line.trim().is_empty() {
            continue;
        }
        let Some((key, value)) = line.split_once(':') else {
            return Err(format!("line {} has no ':'", n + 1));
        };
        let value = value.trim();
        match key.trim() {
            "version" if version.is_none() => version = Some(value.to_string()),
            "mode" if mode.is_none() => {
                mode = Some(match value {
                    "enforce" => Mode::Enforce,
                    "testing" => Mode::Testing,
                    "none" => Mode::None,
                    other => return Err(format!("unknown mode {other:?}")),
                })
            }
            "max_age" if max_age.is_none() => {
                let age: u32 = value
                    .parse()
                    .ok()
                    .filter(|a| *a <= 31_557_600 && value.len() <= 10)
                    .ok_or_else(|| format!("max_age {value:?} is not 0 to 31557600"))?;
                max_age = Some(age);
            }
            "mx" => {
                if value.is_empty() || value.contains(char::is_whitespace) {
                    return Err(format!("bad mx pattern {value:?}"));
                }
                mx.push(value.to_ascii_lowercase());
            }
            "version" | "mode" | "max_age" => {
                return Err(format!("{} given twice", key.trim()));
            }
            _ => {}
        }
    }
    if version.as_deref() != Some("STSv1") {
        return Err("version is not STSv1".into());
    }
    let mode = mode.ok_or("no mode")?;
    let max_age = max_age.ok_or("no max_age")?;
    if mx.is_empty() && mode != Mode::None {
        return Err("no mx pattern".into());
    }
    Ok(Policy { mode, mx, max_age })
}

/// Whether `host` matches `pattern` ([RFC 8461 §4.1](https://www.rfc-editor.org/rfc/rfc8461#section-4.1)):
/// exact, or `*.` standing for exactly one leftmost label.
pub fn mx_matches(pattern: &str, host: &str) -> bool {
    let host = host.trim_end_matches('.').to_ascii_lowercase();
    let pattern = pattern.trim_end_matches('.').to_ascii_lowercase();
    match pattern.strip_prefix("*.") {
        Some(suffix) => host
            .split_once('.')
            .is_some_and(|(label, rest)| !label.is_empty() && rest == suffix),
        None => host == pattern,
    }
}

/// Which pattern of `policy` matches `host`, if any.
pub fn matching_pattern<'a>(policy: &'a Policy, host: &str) -> Option<&'a str> {
    policy
        .mx
        .iter()
        .find(|p| mx_matches(p, host))
        .map(String::as_str)
}

/// Fetches `https://mta-sts.DOMAIN/.well-known/mta-sts.txt` from `addrs` (already resolved
/// through smtpx's resolver) with WebPKI validation against the webpki roots plus `ca_file`.
/// No redirects ([RFC 8461 §3.3](https://www.rfc-editor.org/rfc/rfc8461#section-3.3)), 200
/// only, `text/plain` only.
pub async fn fetch_policy(
    domain: &str,
    addrs: &[SocketAddr],
    ca_file: Option<&Path>,
    timeout: Duration,
) -> Result<String, String> {
    let host = format!("mta-sts.{domain}");
    let mut roots = rustls::RootCertStore::empty();
    roots.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
    if let Some(path) = ca_file {
        let pem =
            std::fs::read(path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
        for cert in rustls_pemfile::certs(&mut pem.as_slice()) {
            let cert = cert.map_err(|e| format!("{}: {e}", path.display()))?;
            roots
                .add(cert)
                .map_err(|e| format!("{}: {e}", path.display()))?;
        }
    }
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let tls = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| e.to_string())?
        .with_root_certificates(roots)
        .with_no_client_auth();
    let client = reqwest::Client::builder()
        .tls_backend_preconfigured(tls)
        .redirect(reqwest::redirect::Policy::none())
        .no_proxy()
        .timeout(timeout)
        .resolve_to_addrs(&host, addrs)
        .build()
        .map_err(|e| format!("HTTP client: {e}"))?;
    let url = format!("https://{host}/.well-known/mta-sts.txt");
    let response = client.get(&url).send().await.map_err(|e| describe(&e))?;
    let status = response.status();
    if status != reqwest::StatusCode::OK {
        return Err(format!("{url} answered HTTP {}", status.as_u16()));
    }
    let content_type = response
        .headers()
        .get(reqwest::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_ascii_lowercase();
    if !content_type.starts_with("text/plain") {
        return Err(format!("{url} is not text/plain"));
    }
    let mut body = Vec::new();
    let mut response = response;
    while let Some(chunk) = response.chunk().await.map_err(|e| describe(&e))? {
        body.extend_from_slice(&chunk);
        if body.len() > MAX_POLICY_BYTES {
            return Err(format!("{url} is larger than {MAX_POLICY_BYTES} bytes"));
        }
    }
    String::from_utf8(body).map_err(|_| format!("{url} is not UTF-8"))
}

/// A reqwest error in words: a certificate problem named as such (rustls' own text for it
/// is a Rust debug form), else the error with its causes.
fn describe(error: &reqwest::Error) -> String {
    let mut text = error.to_string();
    let mut source = std::error::Error::source(error);
    while let Some(cause) = source {
        let tls = cause.downcast_ref::<rustls::Error>().or_else(|| {
            cause
                .downcast_ref::<std::io::Error>()
                .and_then(|io| io.get_ref())
                .and_then(|inner| inner.downcast_ref::<rustls::Error>())
        });
        if let Some(rustls::Error::InvalidCertificate(reason)) = tls {
            return format!(
                "the policy server's certificate is not accepted: {}",
                certificate_problem(reason)
            );
        }
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}

fn certificate_problem(reason: &rustls::CertificateError) -> &'static str {
    use rustls::CertificateError as E;
    match reason {
        E::UnknownIssuer => "not issued by a trusted CA (self-signed or unknown issuer)",
        E::NotValidForName | E::NotValidForNameContext { .. } => {
            "not valid for the policy host name"
        }
        E::Expired | E::ExpiredContext { .. } => "expired",
        E::NotValidYet | E::NotValidYetContext { .. } => "not valid yet",
        E::Revoked => "revoked",
        E::BadSignature => "bad signature",
        _ => "not trusted",
    }
}

/// A TLS-RPT record's report addresses, if it is well-formed
/// ([RFC 8460 §3](https://www.rfc-editor.org/rfc/rfc8460#section-3)).
pub fn parse_tlsrpt(txt: &str) -> Result<Vec<String>, String> {
    let mut fields = txt.split(';').map(str::trim).filter(|f| !f.is_empty());
    if fields.next() != Some("v=TLSRPTv1") {
        return Err("does not start with v=TLSRPTv1".into());
    }
    let mut rua = None;
    for field in fields {
        let Some((key, value)) = field.split_once('=') else {
            return Err(format!("field without '=': {field}"));
        };
        if key.trim() == "rua" {
            let uris: Vec<String> = value.split(',').map(|u| u.trim().to_string()).collect();
            for uri in &uris {
                let ok = uri.strip_prefix("mailto:").is_some_and(|a| a.contains('@'))
                    || uri.starts_with("https://");
                if !ok {
                    return Err(format!("rua {uri:?} is neither mailto: nor https:"));
                }
            }
            rua = Some(uris);
        }
    }
    rua.ok_or_else(|| "no rua field".into())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn records_need_version_first_and_a_short_alphanumeric_id() {
        assert_eq!(
            parse_record("v=STSv1; id=20261204T01;").unwrap(),
            "20261204T01"
        );
        assert!(parse_record("id=1; v=STSv1").is_err());
        assert!(parse_record("v=STSv1;").is_err());
        assert!(parse_record("v=STSv1; id=has-dash").is_err());
        assert!(parse_record(&format!("v=STSv1; id={}", "a".repeat(33))).is_err());
    }

    #[test]
    fn two_sts_records_mean_none() {
        let two = ["v=STSv1; id=1".to_string(), "v=STSv1; id=2".to_string()];
        assert!(pick_record(&two).is_err());
        assert_eq!(pick_record(&["other".to_string()]).unwrap(), None);
    }

    #[test]
    fn policies_parse_with_crlf_and_lf() {
        for eol in ["\r\n", "\n"] {
            let text = format!(
                "version: STSv1{eol}mode: enforce{eol}mx: mx.example.test{eol}mx: *.example.net{eol}max_age: 86400{eol}"
            );
            let policy = parse_policy(&text).unwrap();
            assert_eq!(policy.mode, Mode::Enforce);
            assert_eq!(policy.mx, ["mx.example.test", "*.example.net"]);
            assert_eq!(policy.max_age, 86400);
        }
    }

    #[test]
    fn bad_policies_are_refused_with_a_reason() {
        for bad in [
            "mode: enforce\nmx: a\nmax_age: 1\n",
            "version: STSv2\nmode: enforce\nmx: a\nmax_age: 1\n",
            "version: STSv1\nmode: strict\nmx: a\nmax_age: 1\n",
            "version: STSv1\nmode: enforce\nmax_age: 1\n",
            "version: STSv1\nmode: enforce\nmx: a\nmax_age: 99999999999\n",
            "version: STSv1\nmode: enforce\nmx: a\n",
            "version: STSv1\nmode: enforce\nmode: none\nmx: a\nmax_age: 1\n",
            "version STSv1\n",
        ] {
            assert!(parse_policy(bad).is_err(), "{bad:?}");
        }
        assert!(parse_policy("version: STSv1\nmode: none\nmax_age: 1\nextra: ok\n").is_ok());
    }

    #[test]
    fn a_wildcard_stands_for_exactly_one_label() {
        assert!(mx_matches("*.example.test", "mx1.example.test"));
        assert!(mx_matches("*.example.test", "MX1.Example.Test."));
        assert!(!mx_matches("*.example.test", "a.b.example.test"));
        assert!(!mx_matches("*.example.test", "example.test"));
        assert!(mx_matches("mx.example.test", "mx.example.test"));
        assert!(!mx_matches("mx.example.test", "mx2.example.test"));
    }

    #[test]
    fn tlsrpt_records_need_version_and_rua() {
        assert_eq!(
            parse_tlsrpt("v=TLSRPTv1; rua=mailto:r@x.test,https://r.x.test/").unwrap(),
            ["mailto:r@x.test", "https://r.x.test/"]
        );
        assert!(parse_tlsrpt("v=TLSRPTv1;").is_err());
        assert!(parse_tlsrpt("rua=mailto:r@x.test").is_err());
        assert!(parse_tlsrpt("v=TLSRPTv1; rua=ftp://x").is_err());
    }
}
