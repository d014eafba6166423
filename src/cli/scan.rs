//! The flags of `smtpx scan HOST`, and the host, ports and transport options they give.
//!
//! Layer: CLI parsing.

use std::path::PathBuf;

use clap::Args;

use super::{ConnectArgs, VerifyArg};
use crate::net::Target;
use crate::proto::command::Command;
use crate::scan::{DEFAULT_PORTS, ScanConfig};

#[derive(Debug, Clone, Args)]
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

    /// Server name indication to send (default: the host name; none for an IP address).
    #[arg(long, value_name = "NAME", conflicts_with = "no_sni")]
    pub sni: Option<String>,

    /// Send no SNI at all.
    #[arg(long)]
    pub no_sni: bool,

    /// Name to verify certificates against (default: the host scanned).
    #[arg(long, value_name = "NAME")]
    pub verify_name: Option<String>,

    /// Extra trust anchors (PEM), besides the built-in webpki roots.
    #[arg(long, value_name = "FILE")]
    pub ca_file: Option<PathBuf>,

    /// `report`: record the verdict and go on (default); `strict`: a failed verdict stops
    /// the port's exploration.
    #[arg(long, value_enum, default_value_t = VerifyArg::Report)]
    pub tls_verify: VerifyArg,

    /// Print the report as one JSON document.
    #[arg(long)]
    pub json: bool,
}

impl ScanArgs {
    /// The host and the ports to scan, or why the command line is unusable.
    pub fn targets(&self) -> Result<(String, Vec<u16>), String> {
        let target = Target::parse(&self.host, 0).map_err(|e| e.to_string())?;
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

    /// The transport options, built exactly as the probe builds them.
    pub fn config(&self) -> Result<ScanConfig, String> {
        let (host, _) = self.targets()?;
        let connect = ConnectArgs {
            target: host,
            port: None,
            tls_on_connect: false,
            no_tls_on_connect: false,
            starttls: false,
            starttls_optional: false,
            no_starttls: false,
            ehlo: self.ehlo.clone(),
            sni: self.sni.clone(),
            no_sni: self.no_sni,
            verify_name: self.verify_name.clone(),
            ca_file: self.ca_file.clone(),
            tls_min: None,
            tls_max: None,
            client_cert: None,
            client_key: None,
            tls_verify: self.tls_verify,
            timeout: self.timeout,
        };
        let (connect_options, tls) = crate::probe::connect_options(&connect);
        let ehlo = self
            .ehlo
            .clone()
            .unwrap_or_else(crate::probe::local_hostname);
        if Command::Ehlo(ehlo.clone()).encode().is_err() {
            return Err(format!("--ehlo {ehlo:?} is not a usable EHLO name"));
        }
        Ok(ScanConfig {
            connect: connect_options,
            tls,
            timeout: connect.timeout(),
            ehlo,
        })
    }
}
