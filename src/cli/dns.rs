//! The DNS flags shared by every command that looks up a mail route: the resolver and trust
//! anchor (`check`, and `--mx` on probe, scan and the explorer), the address family, and
//! `--mx` itself.
//!
//! Layer: CLI parsing.

use std::net::SocketAddr;
use std::path::PathBuf;

use clap::Args;

use crate::dns::ResolverPlan;
use crate::dns::reach::MxPlan;
use crate::net::AddressFamily;

/// Which resolver to ask and which trust anchor to validate with.
#[derive(Debug, Clone, Default, Args)]
pub struct ResolverArgs {
    /// DNS resolver to ask, ADDR[:PORT] (default: the system resolver). smtpx validates
    /// DNSSEC itself; the resolver must pass DNSSEC records on.
    #[arg(long, value_name = "ADDR[:PORT]")]
    pub resolver: Option<String>,
    /// DNSKEY records (zone-file syntax) to validate with instead of the root trust anchor,
    /// for private zones.
    #[arg(long, value_name = "FILE")]
    pub trust_anchor: Option<PathBuf>,
}

impl ResolverArgs {
    /// The resolver plan, each lookup bounded by `timeout`.
    pub fn plan(&self, timeout: std::time::Duration) -> Result<ResolverPlan, String> {
        Ok(ResolverPlan {
            server: self.resolver.as_deref().map(parse_resolver).transpose()?,
            trust_anchor: self.trust_anchor.clone(),
            timeout,
        })
    }
}

/// `-4` / `-6`.
#[derive(Debug, Clone, Copy, Default, Args)]
pub struct FamilyArgs {
    /// Connect over IPv4 only.
    #[arg(short = '4', conflicts_with = "ipv6")]
    pub ipv4: bool,
    /// Connect over IPv6 only.
    #[arg(short = '6')]
    pub ipv6: bool,
}

impl FamilyArgs {
    pub fn family(self) -> AddressFamily {
        match (self.ipv4, self.ipv6) {
            (true, _) => AddressFamily::V4Only,
            (_, true) => AddressFamily::V6Only,
            _ => AddressFamily::Any,
        }
    }
}

/// `--mx` and the flags of the lookup it makes, for probe, scan and the explorer.
#[derive(Debug, Clone, Default, Args)]
pub struct MxArgs {
    /// The target is a mail domain: connect to its MX hosts as a sending MTA does (RFC 5321
    /// §5.1: preference order, the implicit MX, every address tried in turn), verifying the
    /// certificate against the MX host name. --port applies to the MX hosts.
    #[arg(long)]
    pub mx: bool,

    #[command(flatten)]
    pub resolver: ResolverArgs,

    #[command(flatten)]
    pub family: FamilyArgs,
}

impl MxArgs {
    /// The `--mx` plan for `target` as typed (a domain; a port in it is refused), or `None`
    /// without `--mx`.
    pub fn plan(
        &self,
        target: &str,
        timeout: std::time::Duration,
    ) -> Result<Option<MxPlan>, String> {
        if !self.mx {
            return Ok(None);
        }
        Ok(Some(MxPlan {
            domain: mail_domain(target)?,
            resolver: self.resolver.plan(timeout)?,
        }))
    }
}

/// A mail domain as typed (the part after @), without a trailing dot.
pub fn mail_domain(text: &str) -> Result<String, String> {
    let domain = text.trim().trim_end_matches('.').to_string();
    if domain.is_empty()
        || domain.contains('@')
        || domain.contains(':')
        || domain
            .bytes()
            .any(|b| b.is_ascii_whitespace() || b.is_ascii_control() || b == b'/')
    {
        return Err(format!(
            "{:?} is not a mail domain (give the part after @; a port goes in --port)",
            crate::proto::text::escape_str(text)
        ));
    }
    Ok(domain)
}

/// `ADDR` or `ADDR:PORT` or `[V6]:PORT`, port 53 by default.
pub fn parse_resolver(text: &str) -> Result<SocketAddr, String> {
    if let Ok(addr) = text.parse::<SocketAddr>() {
        return Ok(addr);
    }
    text.trim_matches(|c| c == '[' || c == ']')
        .parse::<std::net::IpAddr>()
        .map(|ip| SocketAddr::new(ip, 53))
        .map_err(|_| format!("--resolver {text:?} is not ADDR or ADDR:PORT (an IP address)"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resolver_addresses_take_port_53_unless_given() {
        assert_eq!(parse_resolver("127.0.0.1").unwrap().port(), 53);
        assert_eq!(parse_resolver("127.0.0.1:5353").unwrap().port(), 5353);
        assert_eq!(parse_resolver("[::1]:5353").unwrap().port(), 5353);
        assert_eq!(parse_resolver("::1").unwrap().port(), 53);
        assert!(parse_resolver("dns.example").is_err());
    }

    #[test]
    fn a_mail_domain_has_no_port_no_at_and_no_spaces() {
        assert_eq!(mail_domain("Example.TEST.").unwrap(), "Example.TEST");
        for bad in ["", "user@example.test", "example.test:25", "a b", "a/b"] {
            assert!(mail_domain(bad).is_err(), "{bad}");
        }
    }
}
