//! DNS for mail routing: MX, address, TLSA and TXT lookups through hickory-resolver, each
//! answer carrying its DNSSEC status.
//!
//! smtpx validates DNSSEC itself (hickory's validator, ring provider) instead of trusting a
//! resolver's AD bit: the AD bit is only as good as the path to the resolver and the resolver's
//! own configuration, a stub cannot tell "bogus" from "server failure" through it, and a private
//! test zone needs a trust anchor the system resolver does not have. The resolver is still asked
//! with the DO bit, so it must pass DNSSEC records on (every validating or caching resolver does).
//! A strict validating resolver answers bogus data with SERVFAIL; that is reported as
//! [`Dnssec::Indeterminate`] with the failure. See docs/DNS.md.
//!
//! Layer: transport — uses tokio, hickory and `net` (to reach an MX host); never the UI, app
//! state or the command line.

pub mod mx;
pub mod reach;

use std::fmt;
use std::net::{IpAddr, SocketAddr};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use hickory_resolver::config::{ConnectionConfig, NameServerConfig, ResolverConfig, ResolverOpts};
use hickory_resolver::net::runtime::TokioRuntimeProvider;
use hickory_resolver::net::{DnsError, NetError};
use hickory_resolver::proto::dnssec::{Proof, TrustAnchors};
use hickory_resolver::proto::op::ResponseCode;
use hickory_resolver::proto::rr::{Name, RData, RecordType};
use hickory_resolver::{Resolver, TokioResolver};
use serde::Serialize;

pub use hickory_resolver::proto::rr::rdata::TLSA;

/// The DNSSEC status of an answer ([RFC 4035 §4.3](https://www.rfc-editor.org/rfc/rfc4035#section-4.3)).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Dnssec {
    /// Validation could not be done (no DNSSEC records, a resolver failure).
    Indeterminate,
    /// Signatures that should verify do not: an attack or a broken zone.
    Bogus,
    /// Proven unsigned: the zone or a parent has no DS record.
    Insecure,
    /// A chain of signatures from the trust anchor.
    Secure,
}

impl Dnssec {
    pub fn name(self) -> &'static str {
        match self {
            Dnssec::Secure => "secure",
            Dnssec::Insecure => "insecure",
            Dnssec::Bogus => "bogus",
            Dnssec::Indeterminate => "indeterminate",
        }
    }

    fn from_proof(proof: Proof) -> Dnssec {
        match proof {
            Proof::Secure => Dnssec::Secure,
            Proof::Insecure => Dnssec::Insecure,
            Proof::Bogus => Dnssec::Bogus,
            _ => Dnssec::Indeterminate,
        }
    }

    /// The weaker of two statuses: a chain is only as secure as its weakest answer, and bogus
    /// outranks insecure because it must stop delivery.
    pub fn and(self, other: Dnssec) -> Dnssec {
        use Dnssec::*;
        match (self, other) {
            (Bogus, _) | (_, Bogus) => Bogus,
            (Indeterminate, _) | (_, Indeterminate) => Indeterminate,
            (Insecure, _) | (_, Insecure) => Insecure,
            (Secure, Secure) => Secure,
        }
    }
}

impl fmt::Display for Dnssec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Which resolver to ask and which trust anchor to validate with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResolverPlan {
    /// `None`: the system resolver (`/etc/resolv.conf`).
    pub server: Option<SocketAddr>,
    /// A file of DNSKEY records (zone-file syntax) that replaces the built-in root anchors,
    /// for private zones such as a test `.test` tree.
    pub trust_anchor: Option<PathBuf>,
    pub timeout: Duration,
}

impl Default for ResolverPlan {
    fn default() -> Self {
        ResolverPlan {
            server: None,
            trust_anchor: None,
            timeout: Duration::from_secs(5),
        }
    }
}

/// Why a resolver could not be set up.
#[derive(Debug, thiserror::Error)]
pub enum DnsSetupError {
    #[error("cannot read the system resolver configuration: {0}")]
    SystemConfig(String),
    #[error("cannot read the trust anchor {path}: {reason}")]
    TrustAnchor { path: PathBuf, reason: String },
    #[error("cannot start the resolver: {0}")]
    Build(String),
}

/// Why a lookup has no answer, as data.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum LookupFailure {
    /// The resolver answered with an error code (SERVFAIL, REFUSED, ...).
    ResponseCode { code: String },
    /// No answer in time.
    Timeout,
    /// Anything else the resolver library reported.
    Other { message: String },
}

impl fmt::Display for LookupFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            LookupFailure::ResponseCode { code } => write!(f, "the resolver answered {code}"),
            LookupFailure::Timeout => f.write_str("no answer in time"),
            LookupFailure::Other { message } => f.write_str(message),
        }
    }
}

/// One lookup's records with their DNSSEC status.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Answer<T> {
    pub records: Vec<T>,
    /// The weakest status over the records and every CNAME followed to them; for an empty
    /// answer, the status of the denial (NXDOMAIN or no records of the type).
    pub status: Dnssec,
    /// CNAMEs followed, in order: the name each alias pointed to.
    pub aliases: Vec<String>,
    /// Set when the lookup failed; `records` is then empty.
    pub failure: Option<LookupFailure>,
    /// The name does not exist at all (NXDOMAIN), as opposed to having no records of the type.
    pub nxdomain: bool,
}

impl<T> Answer<T> {
    fn failed(failure: LookupFailure, status: Dnssec) -> Answer<T> {
        Answer {
            records: Vec::new(),
            status,
            aliases: Vec::new(),
            failure: Some(failure),
            nxdomain: false,
        }
    }

    /// The name the records belong to after CNAMEs.
    pub fn canonical<'a>(&'a self, asked: &'a str) -> &'a str {
        self.aliases.last().map(String::as_str).unwrap_or(asked)
    }
}

/// A resolver that validates.
#[derive(Clone)]
pub struct Dns {
    resolver: Arc<TokioResolver>,
    /// The resolver in words, for reports.
    pub describe: String,
}

impl fmt::Debug for Dns {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Dns")
            .field("describe", &self.describe)
            .finish_non_exhaustive()
    }
}

impl Dns {
    pub fn new(plan: &ResolverPlan) -> Result<Dns, DnsSetupError> {
        let provider = TokioRuntimeProvider::default();
        let mut builder = match plan.server {
            Some(addr) => {
                let mut udp = ConnectionConfig::udp();
                udp.port = addr.port();
                let mut tcp = ConnectionConfig::tcp();
                tcp.port = addr.port();
                let server = NameServerConfig::new(addr.ip(), true, vec![udp, tcp]);
                Resolver::builder_with_config(
                    ResolverConfig::from_name_servers(vec![server]),
                    provider,
                )
            }
            None => Resolver::builder(provider)
                .map_err(|e| DnsSetupError::SystemConfig(e.to_string()))?,
        };
        let mut opts = ResolverOpts::default();
        opts.validate = true;
        opts.timeout = plan.timeout;
        opts.attempts = 2;
        // Hosts files carry no DNSSEC status; a mail route comes from DNS alone.
        opts.use_hosts_file = hickory_resolver::config::ResolveHosts::Never;
        *builder.options_mut() = opts;
        if let Some(path) = &plan.trust_anchor {
            let anchors =
                TrustAnchors::from_file(path).map_err(|e| DnsSetupError::TrustAnchor {
                    path: path.clone(),
                    reason: e.to_string(),
                })?;
            builder = builder.with_trust_anchor(Arc::new(anchors));
        }
        let resolver = builder
            .build()
            .map_err(|e| DnsSetupError::Build(e.to_string()))?;
        let describe = match (plan.server, &plan.trust_anchor) {
            (Some(a), Some(t)) => format!("{a}, trust anchor {}", t.display()),
            (Some(a), None) => format!("{a}, DNSSEC root trust anchor"),
            (None, Some(t)) => format!("system resolver, trust anchor {}", t.display()),
            (None, None) => "system resolver, DNSSEC root trust anchor".to_string(),
        };
        Ok(Dns {
            resolver: Arc::new(resolver),
            describe,
        })
    }

    async fn lookup<T>(
        &self,
        name: &str,
        record_type: RecordType,
        pick: impl Fn(&RData) -> Option<T>,
    ) -> Answer<T> {
        let fqdn = match Name::from_utf8(name) {
            Ok(mut n) => {
                n.set_fqdn(true);
                n
            }
            Err(e) => {
                return Answer::failed(
                    LookupFailure::Other {
                        message: format!("not a domain name: {e}"),
                    },
                    Dnssec::Indeterminate,
                );
            }
        };
        match self.resolver.lookup(fqdn, record_type).await {
            Ok(lookup) => {
                let mut records = Vec::new();
                let mut aliases = Vec::new();
                let mut status: Option<Dnssec> = None;
                for record in lookup.answers() {
                    let data = &record.data;
                    let this = Dnssec::from_proof(record.proof);
                    if let RData::CNAME(target) = data {
                        aliases.push(presentable(&target.0));
                    } else if let Some(value) = pick(data) {
                        records.push(value);
                    } else {
                        continue;
                    }
                    status = Some(status.map_or(this, |s| s.and(this)));
                }
                Answer {
                    records,
                    status: status.unwrap_or(Dnssec::Indeterminate),
                    aliases,
                    failure: None,
                    nxdomain: false,
                }
            }
            Err(error) => negative(error),
        }
    }

    /// MX records of `domain`.
    pub async fn mx(&self, domain: &str) -> Answer<(u16, String)> {
        self.lookup(domain, RecordType::MX, |d| match d {
            RData::MX(mx) => Some((mx.preference, presentable(&mx.exchange))),
            _ => None,
        })
        .await
    }

    pub async fn ipv4(&self, host: &str) -> Answer<IpAddr> {
        self.lookup(host, RecordType::A, |d| match d {
            RData::A(a) => Some(IpAddr::V4(a.0)),
            _ => None,
        })
        .await
    }

    pub async fn ipv6(&self, host: &str) -> Answer<IpAddr> {
        self.lookup(host, RecordType::AAAA, |d| match d {
            RData::AAAA(a) => Some(IpAddr::V6(a.0)),
            _ => None,
        })
        .await
    }

    /// TLSA records at `_PORT._tcp.HOST` ([RFC 6698 §3](https://www.rfc-editor.org/rfc/rfc6698#section-3)).
    pub async fn tlsa(&self, port: u16, host: &str) -> Answer<TLSA> {
        self.lookup(
            &format!("_{port}._tcp.{host}"),
            RecordType::TLSA,
            |d| match d {
                RData::TLSA(t) => Some(t.clone()),
                _ => None,
            },
        )
        .await
    }

    /// TXT records, each as its character-strings joined (RFC 7208 §3.3 style, as MTA-STS
    /// and TLS-RPT read them); bytes that are not UTF-8 are replaced.
    pub async fn txt(&self, name: &str) -> Answer<String> {
        self.lookup(name, RecordType::TXT, |d| match d {
            RData::TXT(t) => Some(
                t.txt_data
                    .iter()
                    .map(|s| String::from_utf8_lossy(s).into_owned())
                    .collect::<String>(),
            ),
            _ => None,
        })
        .await
    }
}

/// A name as people write it: no trailing dot, lower case ("." stays "." for the null MX).
fn presentable(name: &Name) -> String {
    if name.is_root() {
        return ".".to_string();
    }
    let text = name.to_ascii().to_ascii_lowercase();
    text.strip_suffix('.').unwrap_or(&text).to_string()
}

/// An error from the resolver as an answer: a proven denial is an empty answer with its
/// status; anything else is a failure.
fn negative<T>(error: NetError) -> Answer<T> {
    let empty = |status: Dnssec, nxdomain: bool| Answer {
        records: Vec::new(),
        status,
        aliases: Vec::new(),
        failure: None,
        nxdomain,
    };
    match error {
        // The validator turns a denial it could not prove secure into `Nsec`; one that reaches
        // here as `NoRecordsFound` passed it, secure unless its SOA says otherwise.
        NetError::Dns(DnsError::NoRecordsFound(none)) => {
            let status = none
                .soa
                .as_ref()
                .map(|soa| Dnssec::from_proof(soa.proof))
                .filter(|s| *s != Dnssec::Indeterminate)
                .unwrap_or(Dnssec::Secure);
            empty(status, none.response_code == ResponseCode::NXDomain)
        }
        NetError::Dns(DnsError::Nsec {
            proof, response, ..
        }) => match Dnssec::from_proof(proof) {
            Dnssec::Bogus => Answer::failed(
                LookupFailure::Other {
                    message: "the denial of existence does not validate".into(),
                },
                Dnssec::Bogus,
            ),
            status => empty(
                status,
                response.metadata.response_code == ResponseCode::NXDomain,
            ),
        },
        NetError::Dns(DnsError::DnssecBogus) => Answer::failed(
            LookupFailure::Other {
                message: "DNSSEC validation failed".into(),
            },
            Dnssec::Bogus,
        ),
        NetError::Dns(DnsError::ResponseCode(code)) => Answer::failed(
            LookupFailure::ResponseCode {
                code: response_code_name(code),
            },
            Dnssec::Indeterminate,
        ),
        NetError::Timeout => Answer::failed(LookupFailure::Timeout, Dnssec::Indeterminate),
        other => Answer::failed(
            LookupFailure::Other {
                message: other.to_string(),
            },
            Dnssec::Indeterminate,
        ),
    }
}

fn response_code_name(code: ResponseCode) -> String {
    match code {
        ResponseCode::ServFail => "SERVFAIL".into(),
        ResponseCode::Refused => "REFUSED".into(),
        ResponseCode::FormErr => "FORMERR".into(),
        ResponseCode::NotImp => "NOTIMP".into(),
        ResponseCode::NXDomain => "NXDOMAIN".into(),
        other => format!("response code {}", u16::from(other)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_weakest_status_wins_and_bogus_outranks_all() {
        use Dnssec::*;
        assert_eq!(Secure.and(Secure), Secure);
        assert_eq!(Secure.and(Insecure), Insecure);
        assert_eq!(Insecure.and(Indeterminate), Indeterminate);
        assert_eq!(Indeterminate.and(Bogus), Bogus);
        assert_eq!(Bogus.and(Secure), Bogus);
    }

    #[test]
    fn names_are_shown_without_the_root_dot() {
        let name = Name::from_utf8("MX1.Example.TEST.").unwrap();
        assert_eq!(presentable(&name), "mx1.example.test");
        assert_eq!(presentable(&Name::root()), ".");
    }
}
