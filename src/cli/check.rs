//! `smtpx check DOMAIN`: flags for the domain check, turned into a [`CheckPlan`].
//!
//! Layer: CLI entry.

use std::path::PathBuf;

use clap::Args;

use super::dns::{FamilyArgs, ResolverArgs};
use crate::check::CheckPlan;

/// Can mail for DOMAIN be delivered, and securely? MX (with DNSSEC status), each MX host's
/// addresses, reachability, STARTTLS, certificate, DANE, MTA-STS and TLS-RPT, then a verdict.
/// Exit code 0: secure delivery (DANE or MTA-STS enforce); 1: delivery, but not secure;
/// 2: no delivery; 3: a local problem.
#[derive(Debug, Args)]
pub struct CheckArgs {
    /// The mail domain (the part after @).
    #[arg(value_name = "DOMAIN")]
    pub domain: String,
    #[command(flatten)]
    pub resolver: ResolverArgs,
    /// SMTP port on the MX hosts, also the port in the TLSA name (for test servers).
    #[arg(long, value_name = "PORT", default_value_t = 25,
          value_parser = clap::value_parser!(u16).range(1..))]
    pub port: u16,
    #[command(flatten)]
    pub family: FamilyArgs,
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

impl CheckArgs {
    pub fn into_plan(self) -> Result<CheckPlan, String> {
        let timeout = crate::net::bounded_timeout(self.timeout);
        let resolver = self.resolver.plan(timeout)?;
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
        Ok(CheckPlan {
            domain,
            resolver,
            port: self.port,
            family: self.family.family(),
            ca_file: self.ca_file,
            timeout,
            ehlo_name: self.ehlo.unwrap_or_else(crate::net::local_hostname),
            json: self.json,
        })
    }
}
