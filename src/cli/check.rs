//! `smtpx check DOMAIN`: flags for the domain check, turned into a [`CheckPlan`].
//!
//! Layer: CLI entry.

use std::net::SocketAddr;
use std::path::PathBuf;

use clap::Args;

use crate::check::CheckPlan;
use crate::dns::ResolverPlan;
use crate::net::AddressFamily;

/// Can mail for DOMAIN be delivered, and securely? MX (with DNSSEC status), each MX host's
/// addresses, reachability, STARTTLS, certificate, DANE, MTA-STS and TLS-RPT, then a verdict.
/// Exit code 0: secure delivery (DANE or MTA-STS enforce); 1: delivery, but not secure;
/// 2: no delivery; 3: a local problem.
#[derive(Debug, Args)]
pub struct CheckArgs {
    /// The mail domain (the part after @).
    #[arg(value_name = "DOMAIN")]
    pub domain: String,
    /// DNS resolver to ask, ADDR[:PORT] (default: the system resolver). smtpx validates
    /// DNSSEC itself; the resolver must pass DNSSEC records on.
    #[arg(long, value_name = "ADDR[:PORT]")]
    pub resolver: Option<String>,
    /// DNSKEY records (zone-file syntax) to validate with instead of the root trust anchor,
    /// for private zones.
    #[arg(long, value_name = "FILE")]
    pub trust_anchor: Option<PathBuf>,
    /// SMTP port on the MX hosts, also the port in the TLSA name (for test servers).
    #[arg(long, value_name = "PORT", default_value_t = 25,
          value_parser = clap::value_parser!(u16).range(1..))]
    pub port: u16,
    /// Connect over IPv4 only.
    #[arg(short = '4', conflicts_with = "ipv6")]
    pub ipv4: bool,
    /// Connect over IPv6 only.
    #[arg(short = '6')]
    pub ipv6: bool,
    /// Extra trust anchors (PEM) for certificates and the MTA-STS policy server.
    #[arg(long, value_name = "PEM")]
    pub ca_file: Option<PathBuf>,
    /// Seconds to wait for each lookup, connection and reply.
    #[arg(long, value_name = "SECONDS", default_value_t = 10.0)]
    pub timeout: f64,
    /// Name to send in EHLO (default: this machine's host name).
    #[arg(long, value_name = "NAME")]
    pub ehlo: Option<String>,
    /// Print the report as JSON.
    #[arg(long)]
    pub json: bool,
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

impl CheckArgs {
    pub fn into_plan(self) -> Result<CheckPlan, String> {
        let server = self.resolver.as_deref().map(parse_resolver).transpose()?;
        let domain = self.domain.trim().trim_end_matches('.').to_string();
        if domain.is_empty()
            || domain.contains('@')
            || domain
                .bytes()
                .any(|b| b.is_ascii_whitespace() || b.is_ascii_control() || b == b'/')
        {
            return Err(format!(
                "{:?} is not a domain (give the part after @)",
                crate::proto::text::escape_str(&self.domain)
            ));
        }
        let timeout = crate::net::bounded_timeout(self.timeout);
        Ok(CheckPlan {
            domain,
            resolver: ResolverPlan {
                server,
                trust_anchor: self.trust_anchor,
                timeout,
            },
            port: self.port,
            family: match (self.ipv4, self.ipv6) {
                (true, _) => AddressFamily::V4Only,
                (_, true) => AddressFamily::V6Only,
                _ => AddressFamily::Any,
            },
            ca_file: self.ca_file,
            timeout,
            ehlo_name: self.ehlo.unwrap_or_else(crate::net::local_hostname),
            json: self.json,
        })
    }
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
}
