//! The scan's verdict in plain words: which port and mode a mail client should use to
//! submit mail ([RFC 6409](https://www.rfc-editor.org/rfc/rfc6409)), and what another MTA
//! sees when it delivers on port 25.
//!
//! Ranking of the ways to submit, best first: a certificate that verifies; implicit TLS
//! before STARTTLS ([RFC 8314 §3.3](https://www.rfc-editor.org/rfc/rfc8314#section-3.3):
//! clients should prefer implicit TLS, and it leaves no plaintext step to strip); the
//! standard port for the mode (465, 587) before others; then the lower port.
//!
//! Layer: front end (scan) — pure, over the report data.

use super::report::{PortReport, Reach, Speaks, Submission, TlsStartedBy, Verdict};
use crate::diagnose::Diagnosis;

/// How a mail client names the mode, and the smtpx flag for it.
fn mode_words(mode: TlsStartedBy) -> &'static str {
    match mode {
        TlsStartedBy::Implicit => "implicit TLS (\"SSL/TLS\" in mail clients; --tls-on-connect)",
        TlsStartedBy::StartTls => "STARTTLS (\"STARTTLS\" in mail clients; --starttls)",
    }
}

fn short_mode(mode: TlsStartedBy) -> &'static str {
    match mode {
        TlsStartedBy::Implicit => "implicit TLS",
        TlsStartedBy::StartTls => "STARTTLS",
    }
}

fn submissions(ports: &[PortReport]) -> Vec<Submission> {
    let mut found: Vec<Submission> = ports
        .iter()
        .filter(|p| p.auth_over_tls())
        .filter_map(|p| {
            let tls = p.tls.as_ref()?;
            Some(Submission {
                port: p.port,
                tls: tls.started_by,
                mechanisms: p.auth_after_tls.clone().unwrap_or_default(),
                certificate_verified: tls.verified,
            })
        })
        .collect();
    found.sort_by_key(|s| {
        let standard = match s.tls {
            TlsStartedBy::Implicit => s.port == 465,
            TlsStartedBy::StartTls => s.port == 587,
        };
        (
            !s.certificate_verified,
            s.tls != TlsStartedBy::Implicit,
            !standard,
            s.port,
        )
    });
    found
}

/// Decides the verdict from the port reports.
pub fn verdict(ports: &[PortReport]) -> Verdict {
    let mut ways = submissions(ports);
    let best = (!ways.is_empty()).then(|| ways.remove(0));
    let client = match &best {
        Some(best) => {
            let mut text = format!(
                "Submit mail on port {} with {} and AUTH ({}).",
                best.port,
                mode_words(best.tls),
                best.mechanisms.join(", ")
            );
            let others: Vec<String> = ways
                .iter()
                .take(2)
                .map(|w| format!("port {} with {}", w.port, short_mode(w.tls)))
                .collect();
            if !others.is_empty() {
                text.push_str(&format!(" {} works too.", capitalise(&others.join(" or "))));
            }
            if best.tls == TlsStartedBy::Implicit {
                // RFC 8314 §3: TLS from the first byte skips the plaintext EHLO and the
                // STARTTLS exchange — two round trips fewer per connection.
                text.push_str(
                    " Implicit TLS also saves two round trips per connection over STARTTLS \
                     (no plaintext EHLO and STARTTLS before the handshake; RFC 8314 §3).",
                );
            }
            if !best.certificate_verified {
                text.push_str(
                    " Its certificate did not verify (see above): check it, or pass --ca-file, \
                     before a client trusts it with a password.",
                );
            }
            text
        }
        None => no_submission(ports),
    };
    Verdict {
        submission: best,
        alternatives: ways,
        client,
        mta: mta(ports),
    }
}

fn capitalise(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

fn no_submission(ports: &[PortReport]) -> String {
    if let Some(p) = ports.iter().find(|p| p.auth_in_plaintext()) {
        return format!(
            "No port offers AUTH inside TLS; port {} offers it only in plaintext, so a password \
             would travel in clear. Do not submit there until the server enables STARTTLS or \
             implicit TLS.",
            p.port
        );
    }
    if let Some(p) = ports.iter().find(|p| p.tls_error.is_some()) {
        return format!(
            "No port completed TLS with AUTH: on port {} TLS failed ({}). Without TLS a mail \
             client cannot submit safely here.",
            p.port,
            p.tls_error.as_deref().unwrap_or_default()
        );
    }
    if ports.iter().any(PortReport::speaks_smtp) {
        return "No port offers AUTH, so a mail client cannot log in to submit mail here: this \
                looks like a server that only receives mail (an MX). Submit through your \
                provider's submission server instead (port 587 or 465)."
            .to_string();
    }
    "No port answered with SMTP from here. If the host name is right, a firewall drops the \
     connections: try from another network."
        .to_string()
}

/// Port 25 if it was scanned, else a plaintext SMTP port without AUTH (one that behaves
/// like an MTA port).
fn mta(ports: &[PortReport]) -> String {
    let port25 = ports.iter().find(|p| p.port == 25);
    let mta_like = ports.iter().find(|p| {
        p.speaks == Speaks::Smtp
            && p.ehlo_ok == Some(true)
            && !p.auth_in_plaintext()
            && !p.auth_over_tls()
    });
    let (p, label) = match (port25, mta_like) {
        (Some(p), _) => (p, "port 25".to_string()),
        (None, Some(p)) => (
            p,
            format!("port {} (SMTP without AUTH, like an MTA port)", p.port),
        ),
        (None, None) => {
            return "Port 25 was not scanned, and no scanned port behaves like it; other MTAs \
                    deliver on 25 (add it with --ports)."
                .to_string();
        }
    };
    match (&p.reach, &p.speaks) {
        (Reach::Refused | Reach::Filtered, _) => {
            let blocked = p
                .diagnoses
                .iter()
                .find(|d| matches!(d, Diagnosis::Port25Blocked { .. }));
            let how = if p.reach == Reach::Refused {
                "refuses connections"
            } else {
                "does not answer"
            };
            let mut text = format!(
                "From here {label} {how}. If this host is an MX, check from another network \
                 before concluding that other MTAs cannot deliver."
            );
            if blocked.is_some() {
                text.push_str(" Outbound 25 is often blocked by ISPs and cloud providers.");
            }
            text
        }
        (Reach::Error { message }, _) => format!("{label} could not be tried: {message}."),
        (_, Speaks::Smtp) if p.ehlo_ok == Some(true) => {
            let tls = match (p.starttls_offered, &p.tls, &p.tls_error) {
                (Some(true), Some(tls), _) => format!(
                    "upgrades with STARTTLS to {}; the certificate {}",
                    tls.version,
                    if tls.verified {
                        "verifies"
                    } else {
                        "does not verify, which most MTAs accept (opportunistic TLS) unless DANE \
                         or MTA-STS require it"
                    }
                ),
                (Some(true), None, Some(error)) => format!(
                    "is offered STARTTLS, but the handshake fails ({error}); MTAs then retry in \
                     plaintext or defer"
                ),
                _ => "is offered no STARTTLS, so mail arrives in plaintext".to_string(),
            };
            format!("An MTA delivering on {label} gets an SMTP greeting and {tls}.")
        }
        (_, Speaks::Smtp) => format!(
            "An MTA delivering on {label} gets an SMTP greeting, but {}.",
            p.problem.as_deref().unwrap_or("the session fails")
        ),
        (_, Speaks::Tls) => format!(
            "{} speaks implicit TLS; MTAs deliver in plaintext with STARTTLS, so they cannot \
             deliver there.",
            capitalise(&label)
        ),
        _ => format!(
            "{} does not speak SMTP, so other MTAs cannot deliver there.",
            capitalise(&label)
        ),
    }
}
