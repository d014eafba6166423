//! Reaching a mail domain's server, as a sending MTA does (`--mx` on probe, scan and the
//! explorer): the MX lookup, the route in [RFC 5321 §5.1](https://www.rfc-editor.org/rfc/rfc5321#section-5.1)
//! order ([`super::mx`]), each host's A and AAAA records, and every address tried in turn with
//! Happy Eyeballs ([`crate::net::eyeballs`]) until one accepts. Every failure on the way is
//! said, in words, as it happens.
//!
//! Also the hint for a mail domain given where a host is expected: asked only after the
//! normal name lookup failed, so a host that resolves costs nothing more.
//!
//! Layer: transport — lookups and connections; prints nothing (the caller says the lines).

use std::net::{IpAddr, SocketAddr};

use serde::Serialize;

use super::mx::{MxHost, Route, random_seed, route};
use super::{Answer, Dns, DnsSetupError, Dnssec, ResolverPlan};
use crate::net::eyeballs::{AttemptOutcome, happy_eyeballs, interleave};
use crate::net::{AddressFamily, ConnectOptions, ConnectPlan, Connection, Target};
use crate::proto::text::escape_str;

/// `--mx`: the target is a mail domain, reached through its MX hosts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MxPlan {
    /// The mail domain (the part after @), without a trailing dot.
    pub domain: String,
    pub resolver: ResolverPlan,
}

/// An MX host passed over, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Skipped {
    pub host: String,
    /// `None` for the implicit MX.
    pub preference: Option<u16>,
    /// Why, in words: no address, or each address and how its attempt ended.
    pub why: String,
}

/// The route taken to a mail domain: which MX, and why that one.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Chosen {
    pub domain: String,
    /// The DNSSEC status of the MX answer.
    pub status: Dnssec,
    /// Every MX host in the order tried (one, the domain itself, for the implicit MX).
    pub hosts: Vec<MxHost>,
    /// The host connected to.
    pub host: String,
    /// Its preference; `None`: the implicit MX (the domain has no MX record).
    pub preference: Option<u16>,
    pub addr: SocketAddr,
    /// The hosts before it that could not be reached, in order.
    pub skipped: Vec<Skipped>,
}

impl Chosen {
    /// Points `plan` at the address that accepted, the certificate to be verified against
    /// the MX host name unless another name was asked for — what a sending MTA checks
    /// ([RFC 7672 §3.2.2](https://www.rfc-editor.org/rfc/rfc7672#section-3.2.2),
    /// [RFC 8461 §4.2](https://www.rfc-editor.org/rfc/rfc8461#section-4.2)).
    pub fn aim(&self, plan: &mut ConnectPlan) {
        plan.target = Target::new(self.addr.ip().to_string(), self.addr.port());
        if plan.tls.verify_name.is_none() {
            plan.tls.verify_name = Some(self.host.clone());
        }
    }

    /// The session's note on where it goes and why.
    pub fn connecting_note(&self) -> String {
        format!(
            "connecting to {} at {}: {}",
            self.label(),
            self.addr,
            self.why()
        )
    }

    /// The MX as people write it: `mx1.example.test (MX 10)` or `example.test (implicit MX)`.
    pub fn label(&self) -> String {
        host_label(&self.host, self.preference)
    }

    /// Why this host: the first in preference order, or the first that accepted after the
    /// ones named failed.
    pub fn why(&self) -> String {
        if self.preference.is_none() {
            return format!(
                "{} has no MX record: its own address is the implicit MX (RFC 5321 §5.1)",
                escape_str(&self.domain)
            );
        }
        if self.skipped.is_empty() {
            return "the first MX in preference order; it accepted".to_string();
        }
        let names: Vec<String> = self
            .skipped
            .iter()
            .map(|s| host_label(&s.host, s.preference))
            .collect();
        format!(
            "the first reachable MX: {} could not be reached",
            names.join(", ")
        )
    }
}

/// Why no MX host of the domain was connected to.
#[derive(Debug, thiserror::Error)]
pub enum ReachError {
    #[error(transparent)]
    Setup(#[from] DnsSetupError),
    #[error("the MX lookup for {domain} failed: {why}")]
    Lookup { domain: String, why: String },
    #[error(
        "the MX records of {domain} are bogus (their DNSSEC signatures do not validate): a \
         validating sender does not deliver there"
    )]
    Bogus { domain: String },
    #[error("{domain} does not exist (NXDOMAIN): mail to it bounces")]
    NoSuchDomain { domain: String },
    #[error("{domain} accepts no mail: it publishes the null MX \"MX 0 .\" (RFC 7505)")]
    NullMx { domain: String },
    #[error("no MX host of {domain} could be reached ({})", describe(.skipped))]
    Unreachable {
        domain: String,
        skipped: Vec<Skipped>,
    },
}

fn describe(skipped: &[Skipped]) -> String {
    let parts: Vec<String> = skipped
        .iter()
        .map(|s| format!("{}: {}", host_label(&s.host, s.preference), s.why))
        .collect();
    parts.join("; ")
}

fn host_label(host: &str, preference: Option<u16>) -> String {
    match preference {
        Some(p) => format!("{} (MX {p})", escape_str(host)),
        None => format!("{} (implicit MX)", escape_str(host)),
    }
}

/// Looks up the route to `plan.domain` and connects to the first MX address that accepts on
/// `port`, with `opts` (family, timeouts, proxy) for each attempt. `say` gets each step and
/// each failure as a sentence, as it happens.
pub async fn reach(
    plan: &MxPlan,
    port: u16,
    opts: &ConnectOptions,
    say: &mut (dyn FnMut(String) + Send),
) -> Result<(Connection, Chosen), ReachError> {
    let dns = Dns::new(&plan.resolver)?;
    let (domain, status, hosts) = mx_route(&dns, &plan.domain).await?;
    let shown = escape_str(&domain);
    match hosts.first() {
        Some(MxHost {
            preference: None, ..
        }) => say(format!(
            "{shown} has no MX record (DNSSEC {status}): its own address is the implicit MX \
             (RFC 5321 §5.1)"
        )),
        _ => {
            let list: Vec<String> = hosts
                .iter()
                .map(|h| host_label(&h.host, h.preference))
                .collect();
            say(format!(
                "MX of {shown} (DNSSEC {status}), in the order tried: {}",
                list.join(", ")
            ));
        }
    }
    let mut skipped = Vec::new();
    for host in &hosts {
        let label = host_label(&host.host, host.preference);
        let (addrs, address_status) = addresses(&dns, &host.host, opts.family).await;
        let skip = |why: String| Skipped {
            host: host.host.clone(),
            preference: host.preference,
            why,
        };
        if address_status == Dnssec::Bogus {
            let why = "its address records are bogus (DNSSEC)".to_string();
            say(format!("{label}: skipped, {why}"));
            skipped.push(skip(why));
            continue;
        }
        let ordered = interleave(&addrs, opts.family);
        if ordered.is_empty() {
            let why = match opts.family {
                AddressFamily::Any => "it has no address".to_string(),
                AddressFamily::V4Only => "it has no IPv4 address (-4)".to_string(),
                AddressFamily::V6Only => "it has no IPv6 address (-6)".to_string(),
            };
            say(format!("{label}: skipped, {why}"));
            skipped.push(skip(why));
            continue;
        }
        let (connection, attempts) = happy_eyeballs(&ordered, port, opts).await;
        let mut failures = Vec::new();
        for attempt in &attempts {
            if matches!(
                attempt.outcome,
                AttemptOutcome::Connected { .. } | AttemptOutcome::Abandoned
            ) {
                continue;
            }
            let line = format!("{} {}", attempt.addr, attempt.outcome.describe());
            say(format!("{label}: {line}"));
            failures.push(line);
        }
        if let Some(connection) = connection {
            let addr = connection.peer_addr();
            return Ok((
                connection,
                Chosen {
                    domain,
                    status,
                    hosts: hosts.clone(),
                    host: host.host.clone(),
                    preference: host.preference,
                    addr,
                    skipped,
                },
            ));
        }
        skipped.push(skip(failures.join(", ")));
    }
    Err(ReachError::Unreachable { domain, skipped })
}

/// One MX host and its addresses, for a command that visits every MX host (`scan --mx`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MxAddresses {
    pub host: String,
    pub preference: Option<u16>,
    /// IPv6 first, then alternating, as `family` allows.
    pub addresses: Vec<IpAddr>,
    /// Why the host has none to offer (no records, bogus records), when it has none.
    pub problem: Option<String>,
}

/// The route to `plan.domain` with every host's addresses, without connecting: the domain
/// (lower case), the MX answer's status, and the hosts in the order a sender tries them.
pub async fn mx_addresses(
    plan: &MxPlan,
    family: AddressFamily,
) -> Result<(String, Dnssec, Vec<MxAddresses>), ReachError> {
    let dns = Dns::new(&plan.resolver)?;
    let (domain, status, hosts) = mx_route(&dns, &plan.domain).await?;
    let each = hosts.iter().map(|host| {
        let dns = &dns;
        async move {
            let (addrs, address_status) = addresses(dns, &host.host, family).await;
            let addresses = interleave(&addrs, family);
            let problem = if address_status == Dnssec::Bogus {
                Some("its address records are bogus (DNSSEC)".to_string())
            } else if addresses.is_empty() {
                Some("it has no address".to_string())
            } else {
                None
            };
            MxAddresses {
                host: host.host.clone(),
                preference: host.preference,
                addresses: if problem.is_some() {
                    Vec::new()
                } else {
                    addresses
                },
                problem,
            }
        }
    });
    let found = futures::future::join_all(each).await;
    Ok((domain, status, found))
}

/// The domain (lower case, no trailing dot), the MX answer's status and the hosts to try.
async fn mx_route(dns: &Dns, domain: &str) -> Result<(String, Dnssec, Vec<MxHost>), ReachError> {
    let domain = domain.trim_end_matches('.').to_ascii_lowercase();
    let answer = dns.mx(&domain).await;
    let shown = escape_str(&domain);
    if let Some(failure) = &answer.failure {
        return Err(if answer.status == Dnssec::Bogus {
            ReachError::Bogus { domain: shown }
        } else {
            ReachError::Lookup {
                domain: shown,
                why: failure.to_string(),
            }
        });
    }
    if answer.status == Dnssec::Bogus {
        return Err(ReachError::Bogus { domain: shown });
    }
    if answer.nxdomain {
        return Err(ReachError::NoSuchDomain { domain: shown });
    }
    let hosts = match route(&domain, &answer.records, random_seed()) {
        Route::NullMx => return Err(ReachError::NullMx { domain: shown }),
        route => route.hosts(),
    };
    Ok((domain, answer.status, hosts))
}

/// A host's A and AAAA answers, as `family` allows (the other one empty and secure).
pub async fn host_addresses(
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

/// A host's addresses (AAAA and A, as `family` allows) and the weaker of the statuses of
/// the answers that hold records or failed to validate with records.
async fn addresses(dns: &Dns, host: &str, family: AddressFamily) -> (Vec<IpAddr>, Dnssec) {
    let (v4, v6) = host_addresses(dns, host, family).await;
    let mut status: Option<Dnssec> = None;
    let mut addrs = Vec::new();
    for answer in [v6, v4] {
        // An empty answer says nothing about the addresses a sender would use.
        if answer.records.is_empty() && answer.status == Dnssec::Bogus {
            continue;
        }
        status = Some(status.map_or(answer.status, |s| s.and(answer.status)));
        addrs.extend(answer.records);
    }
    (addrs, status.unwrap_or(Dnssec::Indeterminate))
}

/// What to tell someone whose `host` did not resolve: whether it is a mail domain (with its
/// MX hosts, and `--mx`), one that accepts no mail, or neither. Ask only after the normal
/// lookup failed.
pub async fn mail_domain_hint(host: &str, resolver: &ResolverPlan) -> Option<String> {
    if host.parse::<IpAddr>().is_ok() {
        return None;
    }
    let shown = escape_str(host);
    let dns = match Dns::new(resolver) {
        Ok(dns) => dns,
        Err(e) => {
            return Some(format!(
                "{shown}: could not look for MX records either: {e}"
            ));
        }
    };
    Some(match mx_route(&dns, host).await {
        Ok((_, _, hosts)) if hosts.first().is_some_and(|h| h.preference.is_some()) => {
            let names: Vec<String> = hosts.iter().map(|h| escape_str(&h.host)).collect();
            format!(
                "{shown} has no address; it is a mail domain with MX {} — use --mx",
                names.join(", ")
            )
        }
        Ok(_) => format!("{shown} has no address and no MX record: check the name"),
        Err(ReachError::NullMx { .. }) => format!(
            "{shown} has no address; it is a mail domain that accepts no mail (null MX, RFC 7505)"
        ),
        Err(ReachError::NoSuchDomain { .. }) => {
            format!("{shown} does not exist in DNS (NXDOMAIN): check the name")
        }
        Err(e) => format!("{shown} has no address, and {e}"),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chosen(preference: Option<u16>, skipped: Vec<Skipped>) -> Chosen {
        Chosen {
            domain: "example.test".into(),
            status: Dnssec::Secure,
            hosts: Vec::new(),
            host: "mx3.example.test".into(),
            preference,
            addr: "127.0.0.1:25".parse().unwrap(),
            skipped,
        }
    }

    #[test]
    fn the_reason_names_the_hosts_that_failed_before() {
        assert_eq!(
            chosen(Some(10), Vec::new()).why(),
            "the first MX in preference order; it accepted"
        );
        let skipped = vec![Skipped {
            host: "mx1.example.test".into(),
            preference: Some(5),
            why: "[::1]:25 connection refused".into(),
        }];
        assert_eq!(
            chosen(Some(10), skipped).why(),
            "the first reachable MX: mx1.example.test (MX 5) could not be reached"
        );
        assert!(chosen(None, Vec::new()).why().contains("implicit MX"));
        assert_eq!(
            chosen(None, Vec::new()).label(),
            "mx3.example.test (implicit MX)"
        );
    }

    #[test]
    fn an_unreachable_domain_lists_every_host_and_why() {
        let error = ReachError::Unreachable {
            domain: "example.test".into(),
            skipped: vec![
                Skipped {
                    host: "a.example.test".into(),
                    preference: Some(10),
                    why: "it has no address".into(),
                },
                Skipped {
                    host: "b\x1b.example.test".into(),
                    preference: Some(20),
                    why: "[::1]:25 timed out".into(),
                },
            ],
        };
        assert_eq!(
            error.to_string(),
            "no MX host of example.test could be reached (a.example.test (MX 10): it has no \
             address; b\\x1b.example.test (MX 20): [::1]:25 timed out)"
        );
    }
}
