//! The flags of `smtpx scan HOST`, and the scan they ask for: the host, the ports and the
//! transport options.
//!
//! Layer: CLI parsing.

use clap::Args;

use super::{CliError, RouteArgs, TlsArgs, VerifyArg};
use crate::net::{ConnectPlan, Target, TlsMode};
use crate::proto::command::Command;
use crate::scan::{DEFAULT_PORTS, ScanConfig, ScanPlan};

/// The TLS flags are shared with the probe; two read differently for a scan.
#[derive(Debug, Clone, Args)]
#[command(
    mut_arg("verify_name", |a| a.help(
        "Name to verify certificates against (default: the host scanned)"
    )),
    mut_arg("ca_file", |a| a.help(
        "Extra trust anchors (PEM), besides the built-in webpki roots"
    ))
)]
pub struct ScanArgs {
    /// Host to scan: a DNS name or an IP address (HOST:PORT scans just that port).
    #[arg(value_name = "HOST")]
    pub host: String,

    /// Ports to try, comma-separated (default 25,465,587,2525).
    #[arg(long, value_delimiter = ',', value_name = "PORTS",
          value_parser = clap::value_parser!(u16).range(1..))]
    pub ports: Vec<u16>,

    /// Seconds to wait for each step (connect, greeting, reply, TLS handshake).
    #[arg(long, value_name = "SECS", default_value_t = 5.0)]
    pub timeout: f64,

    /// Name to send in EHLO (default: this machine's host name).
    #[arg(long, value_name = "NAME")]
    pub ehlo: Option<String>,

    #[command(flatten)]
    pub tls: TlsArgs,

    #[command(flatten)]
    pub route: RouteArgs,

    /// `report`: record the verdict and go on (default); `strict`: a failed verdict stops
    /// the port's exploration.
    #[arg(long, value_enum, default_value_t = VerifyArg::Report)]
    pub tls_verify: VerifyArg,

    /// Print the report as one JSON document.
    #[arg(long)]
    pub json: bool,

    /// Also probe each TLS port's surface: which TLS versions (1.0 to 1.3), TLS 1.2 cipher
    /// suites and ECDHE groups it accepts, whether it prefers its own order, and a verdict.
    /// Dozens of connections per port.
    #[arg(long = "tls")]
    pub tls_surface: bool,

    /// `--mx` (every MX host of the domain is scanned, at each address), the resolver,
    /// `-4`/`-6`.
    #[command(flatten)]
    pub mx: super::dns::MxArgs,
}

impl ScanArgs {
    /// The host and the ports to scan: `--ports`, else the port in HOST:PORT, else
    /// [`DEFAULT_PORTS`]; each port once, in the order given.
    pub fn targets(&self) -> Result<(String, Vec<u16>), CliError> {
        let target = Target::parse(&self.host, 0)?;
        let mut ports = if !self.ports.is_empty() {
            self.ports.clone()
        } else if target.port != 0 {
            vec![target.port]
        } else {
            DEFAULT_PORTS.to_vec()
        };
        let mut seen = Vec::new();
        ports.retain(|p| {
            let new = !seen.contains(p);
            seen.push(*p);
            new
        });
        Ok((target.host, ports))
    }

    /// The transport options, built as for every command that connects.
    pub fn config(&self) -> Result<ScanConfig, CliError> {
        let (host, _) = self.targets()?;
        let tls = self.tls.clone().options(self.tls_verify);
        let timeout = crate::net::bounded_timeout(self.timeout);
        let mut plan = ConnectPlan::new(
            Target { host, port: 0 },
            TlsMode::StartTlsOptional,
            tls,
            timeout,
        );
        plan.connect.route = self.route.clone().route();
        plan.connect.family = self.mx.family.family();
        let ehlo = self.ehlo.clone().unwrap_or_else(crate::net::local_hostname);
        if Command::Ehlo(ehlo.clone()).encode().is_err() {
            return Err(CliError::EhloName { name: ehlo });
        }
        Ok(ScanConfig {
            connect: plan.connect,
            tls: plan.tls,
            timeout,
            ehlo,
        })
    }

    /// The scan these flags ask for.
    pub fn into_plan(self) -> Result<ScanPlan, CliError> {
        let (host, ports) = self.targets()?;
        let timeout = crate::net::bounded_timeout(self.timeout);
        let mx = self.mx.plan(&self.host, timeout).map_err(CliError::Dns)?;
        let resolver = self.mx.resolver.plan(timeout).map_err(CliError::Dns)?;
        Ok(ScanPlan {
            host,
            ports,
            mx,
            resolver,
            config: self.config()?,
            json: self.json,
            tls_surface: self.tls_surface,
        })
    }
}
