//! The flags of `smtpx serve`, and the sandbox configuration they describe.
//!
//! Layer: CLI parsing.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use super::CliError;
use crate::sandbox::{
    Behaviours, Credentials, DEFAULT_MAX_CONNECTIONS, DEFAULT_MAX_MESSAGE_SIZE,
    DEFAULT_MAX_RECIPIENTS, SandboxConfig, TlsSource,
};

/// Run the built-in sandbox SMTP server: a local, safe place to try STARTTLS, AUTH,
/// pipelining, BDAT and failure replies. Accepted messages are written as .eml files.
#[derive(Debug, Clone, clap::Args)]
pub struct ServeArgs {
    /// Plain listener; STARTTLS is offered on it.
    #[arg(long, value_name = "ADDR", default_value = "127.0.0.1:2525")]
    pub listen: SocketAddr,
    /// Also listen with implicit TLS (RFC 8314), e.g. 127.0.0.1:2465.
    #[arg(long, value_name = "ADDR")]
    pub tls_listen: Option<SocketAddr>,
    /// Behave like a submission port: STARTTLS before AUTH, AUTH before MAIL.
    #[arg(long)]
    pub submission: bool,
    /// Name used in the greeting, EHLO reply, Received header and certificate.
    #[arg(long, value_name = "NAME", default_value = "localhost")]
    pub hostname: String,
    /// Certificate chain (PEM) instead of a generated one; needs --key.
    #[arg(long, value_name = "PEM", requires = "key")]
    pub cert: Option<PathBuf>,
    /// Private key (PEM) for --cert.
    #[arg(long, value_name = "PEM", requires = "cert")]
    pub key: Option<PathBuf>,
    /// Also write the CA certificate clients should trust to this file.
    #[arg(long, value_name = "PATH")]
    pub ca_out: Option<PathBuf>,
    /// Mutual TLS: require a client certificate issued by a CA in this PEM file; a client
    /// without one (or with another) fails the handshake.
    #[arg(long, value_name = "CA_FILE")]
    pub require_client_cert: Option<PathBuf>,
    /// Directory for received messages (default: a new temporary directory, kept at exit).
    #[arg(long, value_name = "DIR")]
    pub maildir: Option<PathBuf>,
    /// AUTH user name of the demo account (exact match).
    #[arg(
        long,
        value_name = "NAME",
        default_value = "demo",
        env = "SMTPX_SANDBOX_USER"
    )]
    pub user: String,
    /// AUTH password of the demo account, from the first line of FILE (default: the
    /// SMTPX_SANDBOX_PASSWORD environment variable, else "demo-password"). Never a plain
    /// argument: the command line is visible to every user in `ps`.
    #[arg(long, value_name = "FILE")]
    pub password_file: Option<PathBuf>,
    /// Offer XOAUTH2 and OAUTHBEARER (RFC 7628) for the demo account, accepting the bearer
    /// token on the first line of FILE; a wrong token gets the JSON error challenge.
    #[arg(long, value_name = "FILE")]
    pub oauth_token_file: Option<PathBuf>,
    /// Largest message accepted, in octets (advertised as SIZE).
    #[arg(long, value_name = "OCTETS", default_value_t = DEFAULT_MAX_MESSAGE_SIZE)]
    pub max_size: usize,
    /// Recipients per message; more get 452 4.5.3.
    #[arg(long, value_name = "N", default_value_t = DEFAULT_MAX_RECIPIENTS)]
    pub max_recipients: usize,
    /// Concurrent connections; more get 421 4.7.0.
    #[arg(long, value_name = "N", default_value_t = DEFAULT_MAX_CONNECTIONS)]
    pub max_connections: usize,
    /// Close a session after this many idle seconds (RFC 5321 §4.5.3.2).
    #[arg(long, value_name = "SECONDS", default_value_t = 300)]
    pub idle_timeout: u64,
    /// Wait this long before the greeting.
    #[arg(long, value_name = "MS", default_value_t = 0)]
    pub greeting_delay: u64,
    /// Greylist: the first RCPT of each (sender, recipient) gets 451 4.7.1, a retry succeeds.
    #[arg(long)]
    pub greylist: bool,
    /// Reject recipients matching this glob (e.g. '*@blocked.test') with 550 5.1.1. Repeatable.
    #[arg(long, value_name = "PATTERN")]
    pub reject_rcpt: Vec<String>,

    /// Accept mail without AUTH only for this domain (repeatable); other recipients get
    /// `554 5.7.1 Relay access denied` until the client authenticates. Default: every domain.
    #[arg(long, value_name = "DOMAIN")]
    pub local_domain: Vec<String>,
    /// Probability (0.0-1.0) that MAIL gets 451 4.3.0.
    #[arg(long, value_name = "P", default_value_t = 0.0, value_parser = probability)]
    pub tempfail_rate: f64,
    /// Seed for --tempfail-rate and challenges (default: from the clock).
    #[arg(long, value_name = "N")]
    pub seed: Option<u64>,
    /// Refuse EHLO with 500 5.5.1, like a server without ESMTP: only HELO works (clients
    /// should fall back to it, RFC 5321 §4.1.4).
    #[arg(long)]
    pub no_esmtp: bool,
    /// Close the connection right after this command is received (e.g. DATA).
    #[arg(long, value_name = "COMMAND")]
    pub drop_after: Option<String>,
    /// Wait this long before every reply.
    #[arg(long, value_name = "MS", default_value_t = 0)]
    pub slow_reply: u64,
    /// Expect a PROXY protocol header (v1 or v2) first, as behind HAProxy: the client it
    /// names is the peer shown and written in Received.
    #[arg(long)]
    pub accept_proxy_protocol: bool,
    /// Take a bare LF as a line end in DATA, so `<LF>.<LF>` ends the data: vulnerable to
    /// SMTP smuggling on purpose (CVE-2023-51764), for trying `smtpx smuggle`.
    #[arg(long)]
    pub lenient_eod: bool,
}

fn probability(text: &str) -> Result<f64, String> {
    let p: f64 = text
        .parse()
        .map_err(|_| format!("{text:?} is not a number"))?;
    if (0.0..=1.0).contains(&p) {
        Ok(p)
    } else {
        Err(format!("{p} is not between 0.0 and 1.0"))
    }
}

impl ServeArgs {
    /// The configuration these flags describe. `maildir` is left as given; `run_serve`
    /// makes a kept temporary one when it is absent.
    pub fn into_plan(self) -> Result<SandboxConfig, CliError> {
        let tls = match (self.cert, self.key) {
            (Some(cert), Some(key)) => TlsSource::Files { cert, key },
            _ => TlsSource::Generate,
        };
        Ok(SandboxConfig {
            listen: self.listen,
            tls_listen: self.tls_listen,
            hostname: self.hostname,
            submission: self.submission,
            tls,
            ca_out: self.ca_out,
            client_ca: self.require_client_cert,
            maildir: self.maildir,
            credentials: Credentials {
                password: sandbox_password(self.password_file.as_deref())?,
                user: self.user,
                oauth_token: self
                    .oauth_token_file
                    .as_deref()
                    .map(first_line_of_secret_file)
                    .transpose()?,
            },
            max_message_size: self.max_size,
            max_recipients: self.max_recipients,
            max_connections: self.max_connections,
            idle_timeout: Duration::from_secs(self.idle_timeout),
            behaviours: Behaviours {
                greeting_delay: Duration::from_millis(self.greeting_delay),
                greylist: self.greylist,
                reject_rcpt: self.reject_rcpt,
                tempfail_rate: self.tempfail_rate,
                drop_after: self.drop_after,
                slow_reply: Duration::from_millis(self.slow_reply),
                local_domains: self.local_domain,
                accept_proxy_header: self.accept_proxy_protocol,
                lenient_eod: self.lenient_eod,
                no_esmtp: self.no_esmtp,
            },
            seed: self.seed,
            print_log: true,
        })
    }
}

/// The sandbox account's password: the first line of `file`, else `SMTPX_SANDBOX_PASSWORD`,
/// else the documented demo password.
fn sandbox_password(file: Option<&Path>) -> Result<String, CliError> {
    if let Some(path) = file {
        return first_line_of_secret_file(path);
    }
    Ok(std::env::var("SMTPX_SANDBOX_PASSWORD").unwrap_or_else(|_| "demo-password".to_string()))
}

/// The first line of a file holding a secret (a password, a token).
fn first_line_of_secret_file(path: &Path) -> Result<String, CliError> {
    super::warn_if_readable_by_others(path);
    let text = std::fs::read_to_string(path).map_err(|source| CliError::SecretFile {
        path: path.to_path_buf(),
        source,
    })?;
    Ok(text.lines().next().unwrap_or("").to_string())
}

#[cfg(test)]
mod tests {
    use clap::Parser;

    use super::*;

    #[derive(Parser)]
    struct Cli {
        #[command(flatten)]
        serve: ServeArgs,
    }

    #[test]
    fn defaults_are_loopback_demo_account_and_no_behaviours() {
        let cli = Cli::try_parse_from(["serve"]).expect("defaults parse");
        let config = cli.serve.into_plan().expect("valid flags");
        assert_eq!(config.listen, "127.0.0.1:2525".parse().expect("literal"));
        assert_eq!(config.credentials, Credentials::default());
        assert_eq!(config.behaviours, Behaviours::default());
        assert!(config.exposed_addresses().is_empty());
    }

    #[test]
    fn the_password_comes_from_a_file_never_from_the_command_line() {
        assert!(Cli::try_parse_from(["serve", "--password", "x"]).is_err());
        let mut file = tempfile::NamedTempFile::new().expect("temp file");
        std::io::Write::write_all(&mut file, b"s3cret\nignored\n").expect("write");
        let path = file.path().display().to_string();
        let cli = Cli::try_parse_from(["serve", "--password-file", &path]).expect("parses");
        let config = cli.serve.into_plan().expect("readable file");
        assert_eq!(config.credentials.password, "s3cret");
        let cli =
            Cli::try_parse_from(["serve", "--password-file", "/nonexistent/pw"]).expect("parses");
        assert!(cli.serve.into_plan().is_err());
    }

    #[test]
    fn every_behaviour_flag_reaches_the_config() {
        let cli = Cli::try_parse_from([
            "serve",
            "--listen",
            "0.0.0.0:25",
            "--tls-listen",
            "127.0.0.1:2465",
            "--submission",
            "--greeting-delay",
            "250",
            "--greylist",
            "--reject-rcpt",
            "*@blocked.test",
            "--reject-rcpt",
            "x@y",
            "--tempfail-rate",
            "0.5",
            "--seed",
            "9",
            "--drop-after",
            "DATA",
            "--slow-reply",
            "100",
            "--max-recipients",
            "3",
            "--max-size",
            "1000",
            "--require-client-cert",
            "/etc/clients-ca.pem",
        ])
        .expect("flags parse");
        let config = cli.serve.into_plan().expect("valid flags");
        assert!(config.submission);
        assert_eq!(
            config.client_ca.as_deref(),
            Some(Path::new("/etc/clients-ca.pem"))
        );
        assert_eq!(config.behaviours.greeting_delay, Duration::from_millis(250));
        assert!(config.behaviours.greylist);
        assert_eq!(config.behaviours.reject_rcpt, vec!["*@blocked.test", "x@y"]);
        assert_eq!(config.behaviours.tempfail_rate, 0.5);
        assert_eq!(config.behaviours.drop_after.as_deref(), Some("DATA"));
        assert_eq!(config.behaviours.slow_reply, Duration::from_millis(100));
        assert_eq!(
            (config.max_recipients, config.max_message_size, config.seed),
            (3, 1000, Some(9))
        );
        assert_eq!(
            config.exposed_addresses(),
            vec!["0.0.0.0:25".parse().expect("literal")]
        );
        assert!(Cli::try_parse_from(["serve", "--tempfail-rate", "1.5"]).is_err());
        assert!(Cli::try_parse_from(["serve", "--cert", "c.pem"]).is_err());
    }
}
