//! How to reach the server and how to treat its TLS: the flags the explorer and the probe
//! share ([`ConnectArgs`]), and the TLS flags every command that connects shares
//! ([`TlsArgs`], also in `scan`). Both become a [`ConnectPlan`] here, with the timeout
//! bounded once.
//!
//! Layer: CLI parsing.

use std::net::{IpAddr, SocketAddr};
use std::path::PathBuf;

use clap::{Args, ValueEnum};

use super::CliError;
use crate::dns::ResolverPlan;
use crate::dns::reach::MxPlan;
use crate::net::{
    ConnectPlan, ProxyHeader, ProxyVersion, Route, Sni, SocksProxy, SpkiPin, Target, TlsMode,
    TlsOptions, TlsVersion, VerifyMode, check_client_identity,
};

/// How to reach the server and how to treat its TLS. Shared by the explorer and the probe.
#[derive(Debug, Clone, Args)]
// clap leaves the group of a struct with a flattened part empty, so `Option<ConnectArgs>`
// (the explorer's bare `smtpx HOST`) would never be present; the required target says it is.
#[group(args = ["target"])]
pub struct ConnectArgs {
    /// Server to connect to: HOST, HOST:PORT, [IPv6]:PORT.
    #[arg(value_name = "HOST[:PORT]")]
    pub target: String,

    /// Port (overrides one given in HOST:PORT). Default 25; 465 implies --tls-on-connect,
    /// 587 implies --starttls.
    #[arg(long, short = 'p')]
    pub port: Option<u16>,

    /// Implicit TLS: start TLS right after connecting (RFC 8314), as on port 465.
    #[arg(long, conflicts_with_all = ["no_tls_on_connect", "starttls", "starttls_optional"])]
    pub tls_on_connect: bool,

    /// Do not start TLS on connect, even on port 465.
    #[arg(long)]
    pub no_tls_on_connect: bool,

    /// Send STARTTLS after EHLO and fail if it is not offered (RFC 3207).
    #[arg(long, conflicts_with_all = ["starttls_optional", "no_starttls"])]
    pub starttls: bool,

    /// Send STARTTLS if offered; continue in plaintext if not (the default except on 587).
    #[arg(long, conflicts_with = "no_starttls")]
    pub starttls_optional: bool,

    /// Never send STARTTLS: stay in plaintext.
    #[arg(long)]
    pub no_starttls: bool,

    /// Name to send in EHLO (default: this machine's host name).
    #[arg(long, value_name = "NAME")]
    pub ehlo: Option<String>,

    #[command(flatten)]
    pub tls: TlsArgs,

    /// Boxed so the enum of commands stays small (its largest variant, the probe's flags,
    /// holds these).
    #[command(flatten)]
    pub route: Box<RouteArgs>,

    /// Lowest TLS version to offer.
    #[arg(long, value_enum, value_name = "1.2|1.3")]
    pub tls_min: Option<TlsVersionArg>,

    /// Highest TLS version to offer.
    #[arg(long, value_enum, value_name = "1.2|1.3")]
    pub tls_max: Option<TlsVersionArg>,

    /// Client certificate for mutual TLS (PEM; a chain, leaf first, is allowed).
    #[arg(long, value_name = "FILE", requires = "client_key")]
    pub client_cert: Option<PathBuf>,

    /// Private key (PEM) of --client-cert.
    #[arg(long, value_name = "FILE", requires = "client_cert")]
    pub client_key: Option<PathBuf>,

    /// `report`: record the verdict and go on (default); `strict`: a failed verdict stops.
    #[arg(long, value_enum, default_value_t = VerifyArg::Report)]
    pub tls_verify: VerifyArg,

    /// Seconds to wait for the connection and for each reply.
    #[arg(long, value_name = "SECS", default_value_t = 30.0)]
    pub timeout: f64,

    /// Seconds a connection attempt may go unanswered before the port counts as filtered
    /// (a firewall dropping packets).
    #[arg(long, value_name = "SECS", default_value_t = crate::net::CONNECT_WAIT.as_secs_f64())]
    pub connect_timeout: f64,

    /// Seconds without a greeting before a second connection checks whether the port
    /// expects implicit TLS.
    #[arg(long, value_name = "SECS", default_value_t = crate::net::GREETING_WAIT.as_secs_f64())]
    pub greeting_wait: f64,

    /// `--mx`, the resolver, `-4`/`-6` (boxed, as `route`).
    #[command(flatten)]
    pub mx: Box<super::dns::MxArgs>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum TlsVersionArg {
    #[value(name = "1.2")]
    Tls12,
    #[value(name = "1.3")]
    Tls13,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum VerifyArg {
    Report,
    Strict,
}

impl ConnectArgs {
    /// The target with the port resolved: `--port`, else the one in HOST:PORT, else 25.
    pub fn resolved_target(&self) -> Result<Target, CliError> {
        let mut target = Target::parse(&self.target, 25)?;
        if let Some(port) = self.port {
            target.port = port;
        }
        Ok(target)
    }

    /// Port defaults: 465 implies implicit TLS and 587 STARTTLS
    /// ([RFC 8314 §3.3](https://www.rfc-editor.org/rfc/rfc8314#section-3.3),
    /// [RFC 6409 §3.1](https://www.rfc-editor.org/rfc/rfc6409#section-3.1)); flags override.
    pub fn tls_mode(&self, port: u16) -> TlsMode {
        if self.tls_on_connect || (port == 465 && !self.no_tls_on_connect) {
            TlsMode::Implicit
        } else if self.no_starttls {
            TlsMode::Plain
        } else if self.starttls {
            TlsMode::StartTlsRequired
        } else if self.starttls_optional {
            TlsMode::StartTlsOptional
        } else if port == 587 {
            TlsMode::StartTlsRequired
        } else {
            TlsMode::StartTlsOptional
        }
    }

    /// `--mx`: the mail domain to route to, and the resolver for it (also the one asked
    /// when a host does not resolve, to say whether it is a mail domain).
    pub fn mx_plan(&self) -> Result<(Option<MxPlan>, ResolverPlan), CliError> {
        let timeout = crate::net::bounded_timeout(self.timeout);
        let mx = self.mx.plan(&self.target, timeout).map_err(CliError::Dns)?;
        let resolver = self.mx.resolver.plan(timeout).map_err(CliError::Dns)?;
        Ok((mx, resolver))
    }

    /// The connection these flags ask for. A client certificate and key are read and
    /// checked to belong together here, so a wrong pair stops before connecting.
    pub fn into_plan(self) -> Result<ConnectPlan, CliError> {
        let target = self.resolved_target()?;
        let tls_mode = self.tls_mode(target.port);
        let tls = TlsOptions {
            client_cert: self.client_cert,
            client_key: self.client_key,
            min_version: self.tls_min.map(TlsVersion::from),
            max_version: self.tls_max.map(TlsVersion::from),
            ..self.tls.options(self.tls_verify)
        };
        check_client_identity(&tls)?;
        let timeout = crate::net::bounded_timeout(self.timeout);
        let mut plan = ConnectPlan::new(target, tls_mode, tls, timeout);
        plan.ehlo = self.ehlo;
        plan.connect.route = self.route.route();
        plan.connect.family = self.mx.family.family();
        // Neither wait outlasts the timeout every other wait has.
        plan.connect.connect_timeout =
            crate::net::bounded_timeout(self.connect_timeout).min(timeout);
        plan.greeting_wait = crate::net::bounded_timeout(self.greeting_wait).min(timeout);
        Ok(plan)
    }
}

/// The way to the server, shared by every command that connects: a SOCKS5 proxy, the local
/// address, a PROXY protocol header.
#[derive(Debug, Clone, Default, Args)]
pub struct RouteArgs {
    /// Connect through a SOCKS5 proxy: socks5://[USER:PASSWORD@]HOST[:PORT] (RFC 1928,
    /// 1929). The proxy resolves the server's name; `ssh -D 1080 HOST` makes one.
    #[arg(long, value_name = "URL", value_parser = ProxyParser)]
    pub proxy: Option<SocksProxy>,

    /// Send a PROXY protocol header (HAProxy's v1 text or v2 binary) before the session,
    /// as a load balancer in front of the server would.
    #[arg(long, value_enum, value_name = "v1|v2")]
    pub proxy_protocol: Option<ProxyVersionArg>,

    /// The client address the PROXY header claims (default: this connection's own).
    #[arg(long, value_name = "IP:PORT", requires = "proxy_protocol")]
    pub proxy_source: Option<SocketAddr>,

    /// Local address to connect from (bound before connecting; with --proxy, to the proxy).
    #[arg(long, value_name = "ADDR")]
    pub local_addr: Option<IpAddr>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ProxyVersionArg {
    V1,
    V2,
}

/// Parses `--proxy`. Not a plain function parser: clap would quote the whole value, password
/// and all, in its error; this error shows the URL with the password replaced.
#[derive(Debug, Clone, Copy)]
struct ProxyParser;

impl clap::builder::TypedValueParser for ProxyParser {
    type Value = SocksProxy;

    fn parse_ref(
        &self,
        cmd: &clap::Command,
        arg: Option<&clap::Arg>,
        value: &std::ffi::OsStr,
    ) -> Result<SocksProxy, clap::Error> {
        let refuse = |reason: String| {
            let flag = arg.map_or_else(|| "--proxy".to_string(), |a| a.to_string());
            clap::Error::raw(
                clap::error::ErrorKind::ValueValidation,
                format!("invalid value for '{flag}': {reason}\n"),
            )
            .with_cmd(cmd)
        };
        let text = value
            .to_str()
            .ok_or_else(|| refuse("the proxy URL is not UTF-8".to_string()))?;
        SocksProxy::parse(text).map_err(|e| refuse(e.to_string()))
    }
}

impl RouteArgs {
    /// The route these flags ask for.
    pub fn route(self) -> Route {
        Route {
            local_addr: self.local_addr,
            socks: self.proxy,
            proxy_header: self.proxy_protocol.map(|version| ProxyHeader {
                version: match version {
                    ProxyVersionArg::V1 => ProxyVersion::V1,
                    ProxyVersionArg::V2 => ProxyVersion::V2,
                },
                source: self.proxy_source,
            }),
        }
    }
}

/// The TLS flags of every command that connects: which name to ask for and which to verify,
/// and extra trust anchors.
#[derive(Debug, Clone, Default, Args)]
pub struct TlsArgs {
    /// Server name indication to send (default: the host name; none for an IP address).
    #[arg(long, value_name = "NAME", conflicts_with = "no_sni")]
    pub sni: Option<String>,

    /// Send no SNI at all.
    #[arg(long)]
    pub no_sni: bool,

    /// Name to verify the certificate against (default: the host connected to).
    #[arg(long, value_name = "NAME")]
    pub verify_name: Option<String>,

    /// Extra trust anchors (PEM), ADDED to the built-in webpki roots (not replacing them);
    /// the verdict says which store vouched for the chain. A server certificate that is
    /// byte for byte one of these is trusted as pinned (a self-signed one too).
    #[arg(long, value_name = "FILE")]
    pub ca_file: Option<PathBuf>,

    /// Pin the server's key: SHA-256 of its SubjectPublicKeyInfo, base64 (curl's
    /// sha256//… form) or hex. The key must match one pin (repeatable); a match is
    /// trusted without a chain or a matching name, a mismatch is refused.
    #[arg(long, value_name = "SHA256")]
    pub pin_spki: Vec<SpkiPin>,
}

impl TlsArgs {
    /// The TLS options these flags and `verify` ask for; the rest are the defaults.
    pub fn options(self, verify: VerifyArg) -> TlsOptions {
        let sni = if self.no_sni {
            Sni::None
        } else if let Some(name) = self.sni {
            Sni::Custom(name)
        } else {
            Sni::Default
        };
        TlsOptions {
            sni,
            verify_name: self.verify_name,
            ca_file: self.ca_file,
            pin_spki: self.pin_spki,
            mode: verify.into(),
            ..TlsOptions::default()
        }
    }
}

impl From<TlsVersionArg> for TlsVersion {
    fn from(arg: TlsVersionArg) -> TlsVersion {
        match arg {
            TlsVersionArg::Tls12 => TlsVersion::Tls12,
            TlsVersionArg::Tls13 => TlsVersion::Tls13,
        }
    }
}

impl From<VerifyArg> for VerifyMode {
    fn from(arg: VerifyArg) -> VerifyMode {
        match arg {
            VerifyArg::Report => VerifyMode::Report,
            VerifyArg::Strict => VerifyMode::Strict,
        }
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use clap::Parser;

    use super::*;

    #[derive(Parser)]
    struct Cli {
        #[command(flatten)]
        connect: ConnectArgs,
    }

    /// A client certificate and its key written to a temporary directory, as paths.
    pub(crate) fn client_pair() -> (tempfile::TempDir, String, String) {
        let dir = tempfile::tempdir().expect("temp dir");
        let key = rcgen::KeyPair::generate().expect("key");
        let cert = rcgen::CertificateParams::new(vec!["client.test".to_string()])
            .expect("params")
            .self_signed(&key)
            .expect("certificate");
        let cert_path = dir.path().join("client.pem");
        let key_path = dir.path().join("client.key");
        std::fs::write(&cert_path, cert.pem()).expect("write cert");
        std::fs::write(&key_path, key.serialize_pem()).expect("write key");
        let text = |p: &std::path::Path| p.display().to_string();
        (dir, text(&cert_path), text(&key_path))
    }

    fn plan(args: &[&str]) -> Result<ConnectPlan, CliError> {
        let cli = Cli::try_parse_from([&["smtpx", "127.0.0.1:2525"], args].concat())
            .expect("flags parse");
        cli.connect.into_plan()
    }

    #[test]
    fn a_key_that_is_not_the_certificates_is_refused_before_connecting() {
        let (dir, cert, key) = client_pair();
        assert!(plan(&["--client-cert", &cert, "--client-key", &key]).is_ok());
        let (other, _, other_key) = client_pair();
        let Err(error) = plan(&["--client-cert", &cert, "--client-key", &other_key]) else {
            panic!("a mismatched pair must be refused");
        };
        let text = error.to_string();
        assert!(
            text.contains("does not belong to the certificate in") && text.contains(&cert),
            "{text}"
        );
        let Err(error) = plan(&["--client-cert", &key, "--client-key", &key]) else {
            panic!("a key file given as the certificate must be refused");
        };
        assert!(
            error.to_string().contains("no CERTIFICATE block"),
            "{error}"
        );
        drop((dir, other));
    }

    #[test]
    fn a_bad_proxy_url_is_refused_without_showing_its_password() {
        for bad in [
            "http://alice:hunter2@127.0.0.1:1080",
            "socks5://alice:hunter2@127.0.0.1:99999",
        ] {
            let Err(error) = Cli::try_parse_from(["smtpx", "127.0.0.1", "--proxy", bad]) else {
                panic!("{bad} must be refused");
            };
            let text = error.to_string();
            assert!(!text.contains("hunter2"), "{text}");
            assert!(
                text.contains(
                    "invalid value for '--proxy <URL>': invalid proxy 'socks5://alice:***@"
                ) || text.contains("invalid proxy 'http://alice:***@"),
                "{text}"
            );
        }
        let plan = plan(&["--proxy", "socks5://alice:hunter2@127.0.0.1:1081"]).expect("plan");
        let proxy = plan.connect.route.socks.expect("proxy");
        assert_eq!(proxy.to_string(), "socks5://alice:***@127.0.0.1:1081");
    }

    #[test]
    fn spki_pins_parse_as_base64_hex_or_curls_form_and_repeat() {
        let digest = [0xabu8; 32];
        let hex: String = digest.iter().map(|b| format!("{b:02x}")).collect();
        let b64 = base64::Engine::encode(&base64::engine::general_purpose::STANDARD, digest);
        let curl = format!("sha256//{b64}");
        let colons: String = digest
            .iter()
            .map(|b| format!("{b:02X}"))
            .collect::<Vec<_>>()
            .join(":");
        let tls = plan(&[
            "--pin-spki",
            &hex,
            "--pin-spki",
            &b64,
            "--pin-spki",
            &curl,
            "--pin-spki",
            &colons,
        ])
        .expect("valid pins")
        .tls;
        assert_eq!(tls.pin_spki, vec![SpkiPin(digest); 4]);
        let refused =
            |pin: &str| Cli::try_parse_from(["smtpx", "127.0.0.1", "--pin-spki", pin]).is_err();
        assert!(refused("abcd"));
        assert!(refused("not base64 at all!"));
        assert!(refused(&hex[..62]));
    }
}
