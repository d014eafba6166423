//! `smtpx config init|list`, and profiles on the command line: `smtpx @work`,
//! `smtpx probe @work`, `smtpx scan @work` take the profile's settings as defaults, and
//! every flag given on the command line wins (clap's `ArgMatches::value_source` tells which
//! values came from it).
//!
//! Layer: CLI parsing.

use std::path::Path;

use clap::parser::ValueSource;
use clap::{ArgMatches, Args, Subcommand};

use super::{CliError, CommandKind, ConnectArgs, ProbeArgs, Refusal, VerifyArg, scan::ScanArgs};
use crate::app::auth::AuthDefaults;
use crate::config::{AuthSetting, Config, ConfigPlan, Profile, TlsSetting, VerifySetting};
use crate::driver::task::SecretFetcher;
use crate::proto::auth::Mechanism;

/// `smtpx config`.
#[derive(Debug, Clone, Args)]
pub struct ConfigArgs {
    #[command(subcommand)]
    pub action: ConfigAction,
}

#[derive(Debug, Clone, Subcommand)]
pub enum ConfigAction {
    /// Write a commented example to $XDG_CONFIG_HOME/smtpx/config.toml (0600).
    Init {
        /// Replace the file when it exists (without it an existing file is kept).
        #[arg(long)]
        overwrite: bool,
    },
    /// Show the profiles: server, TLS, user, where the secret comes from (never the
    /// secret).
    List {
        /// Only the profiles' names, one a line (for scripts and shell completion).
        #[arg(long)]
        names: bool,
    },
}

impl ConfigArgs {
    pub fn into_plan(self) -> Result<ConfigPlan, CliError> {
        let path = crate::config::default_path().ok_or(crate::config::ConfigError::NoPlace)?;
        Ok(match self.action {
            ConfigAction::Init { overwrite } => ConfigPlan::Init { path, overwrite },
            ConfigAction::List { names } => ConfigPlan::List { path, names },
        })
    }
}

/// The profile name in `@NAME`, if the target names one.
fn profile_name(target: &str) -> Option<&str> {
    target.strip_prefix('@').filter(|name| !name.is_empty())
}

/// Loads the profile called `name` from the config file at `path`, warnings said on
/// stderr.
fn load_profile(name: &str, path: Option<&Path>) -> Result<Profile, CliError> {
    let path = path.ok_or(crate::config::ConfigError::NoPlace)?;
    let config = Config::load(path)?;
    for warning in &config.warnings {
        eprintln!("smtpx: warning: {warning}");
    }
    Ok(config.profile(name)?.clone())
}

/// The profile's proxy, unless `--proxy` was given on the command line.
fn apply_proxy(
    route: &mut super::RouteArgs,
    profile: &Profile,
    matches: &ArgMatches,
) -> Result<(), CliError> {
    if let Some(url) = &profile.proxy
        && !given(matches, "proxy")
    {
        let proxy = crate::net::SocksProxy::parse(url).map_err(|error| CliError::ProfileProxy {
            profile: profile.name.clone(),
            error,
        })?;
        route.proxy = Some(proxy);
    }
    Ok(())
}

/// Whether the value of `id` was given on the command line.
fn given(matches: &ArgMatches, id: &str) -> bool {
    matches.value_source(id) == Some(ValueSource::CommandLine)
}

/// Fills `cli` with the profile it names (`@NAME` as the target), where the command line
/// did not say otherwise.
/// `config` is the config file's place (`None`: it has none).
pub(super) fn apply_profiles(
    cli: &mut super::Cli,
    matches: &ArgMatches,
    config: Option<&Path>,
) -> Result<(), Refusal> {
    let refuse = |prefix: &str, exit_code: u8| {
        let prefix = prefix.to_owned();
        move |error: CliError| Refusal {
            message: format!("{prefix}: {error}"),
            exit_code,
        }
    };
    match &mut cli.command {
        Some(CommandKind::Probe(args)) => {
            let Some(name) = profile_name(&args.connect.target).map(String::from) else {
                return Ok(());
            };
            let exit_code = crate::probe::Stage::Local.exit_code();
            let matches = matches.subcommand_matches("probe").unwrap_or(matches);
            let profile = load_profile(&name, config).map_err(refuse("smtpx probe", exit_code))?;
            apply_to_probe(args, &profile, matches).map_err(refuse("smtpx probe", exit_code))
        }
        Some(CommandKind::Scan(args)) => {
            let Some(name) = profile_name(&args.host).map(String::from) else {
                return Ok(());
            };
            let matches = matches.subcommand_matches("scan").unwrap_or(matches);
            let profile = load_profile(&name, config).map_err(refuse("smtpx scan", 2))?;
            apply_to_scan(args, &profile, matches).map_err(refuse("smtpx scan", 2))
        }
        None => {
            let Some(args) = cli.explore.as_mut() else {
                return Ok(());
            };
            let Some(name) = profile_name(&args.target).map(String::from) else {
                return Ok(());
            };
            let exit_code = crate::tui::EXIT_UNUSABLE;
            let profile = load_profile(&name, config).map_err(refuse("smtpx", exit_code))?;
            apply_to_connect(args, &profile, matches).map_err(refuse("smtpx", exit_code))?;
            cli.profile_auth = auth_defaults(&profile);
            Ok(())
        }
        Some(_) => Ok(()),
    }
}

/// The host as a target string: an IPv6 address in brackets.
fn host_target(profile: &Profile) -> Result<String, CliError> {
    let host = profile
        .host
        .as_deref()
        .ok_or_else(|| CliError::ProfileWithoutHost {
            profile: profile.name.clone(),
        })?;
    Ok(if host.contains(':') && !host.starts_with('[') {
        format!("[{host}]")
    } else {
        host.to_string()
    })
}

fn verify(setting: VerifySetting) -> VerifyArg {
    match setting {
        VerifySetting::Report => VerifyArg::Report,
        VerifySetting::Strict => VerifyArg::Strict,
    }
}

/// Host, port, TLS mode and verification, EHLO name.
pub(super) fn apply_to_connect(
    args: &mut ConnectArgs,
    profile: &Profile,
    matches: &ArgMatches,
) -> Result<(), CliError> {
    args.target = host_target(profile)?;
    if !given(matches, "port") {
        args.port = profile.port.or(args.port);
    }
    let tls_flags = [
        "tls_on_connect",
        "no_tls_on_connect",
        "starttls",
        "starttls_optional",
        "no_starttls",
    ];
    if let Some(tls) = profile.tls
        && !tls_flags.iter().any(|id| given(matches, id))
    {
        match tls {
            TlsSetting::StartTls => args.starttls = true,
            TlsSetting::StartTlsOptional => args.starttls_optional = true,
            TlsSetting::TlsOnConnect => args.tls_on_connect = true,
            TlsSetting::Plain => {
                args.no_starttls = true;
                args.no_tls_on_connect = true;
            }
        }
    }
    if let Some(setting) = profile.tls_verify
        && !given(matches, "tls_verify")
    {
        args.tls_verify = verify(setting);
    }
    if !given(matches, "ehlo") && profile.ehlo.is_some() {
        args.ehlo.clone_from(&profile.ehlo);
    }
    apply_proxy(&mut args.route, profile, matches)
}

/// The SASL mechanism a profile's `auth` names.
fn mechanism(setting: AuthSetting) -> Mechanism {
    match setting {
        AuthSetting::Plain => Mechanism::Plain,
        AuthSetting::Login => Mechanism::Login,
        AuthSetting::CramMd5 => Mechanism::CramMd5,
        AuthSetting::Xoauth2 => Mechanism::XOAuth2,
        AuthSetting::Oauthbearer => Mechanism::OAuthBearer,
    }
}

/// What the explorer's AUTH form starts with: the profile's user and mechanism, and its
/// secret source as a function the network task calls when Enter finds the password field
/// empty. The command runs detached from the terminal the explorer owns.
fn auth_defaults(profile: &Profile) -> AuthDefaults {
    let secret = profile.secret.clone().map(|source| {
        SecretFetcher::new(source.describe(), move || {
            source
                .fetch_detached()
                .map_err(|e| -> crate::driver::task::FetchError { Box::new(e) })
        })
    });
    AuthDefaults {
        user: profile.user.clone(),
        mechanism: profile.auth.map(mechanism),
        secret,
    }
}

/// The connection, then user, mechanism, envelope and secret.
fn apply_to_probe(
    args: &mut ProbeArgs,
    profile: &Profile,
    matches: &ArgMatches,
) -> Result<(), CliError> {
    apply_to_connect(&mut args.connect, profile, matches)?;
    if !given(matches, "user") && profile.user.is_some() {
        args.user.clone_from(&profile.user);
    }
    if let Some(auth) = profile.auth
        && !given(matches, "auth")
    {
        args.auth = Some(match auth {
            AuthSetting::Plain => super::AuthArg::Plain,
            AuthSetting::Login => super::AuthArg::Login,
            AuthSetting::CramMd5 => super::AuthArg::CramMd5,
            AuthSetting::Xoauth2 => super::AuthArg::Xoauth2,
            AuthSetting::Oauthbearer => super::AuthArg::Oauthbearer,
        });
    }
    if !given(matches, "from") && profile.from.is_some() {
        args.from.clone_from(&profile.from);
    }
    if !given(matches, "to") && !profile.to.is_empty() {
        args.to.clone_from(&profile.to);
    }
    // The profile's secret is its user's: a different user named on the command line is
    // asked for their own.
    let secret_given = given(matches, "password_env") || given(matches, "password_file");
    let same_user = profile.user.is_none() || args.user == profile.user;
    if !secret_given && same_user {
        args.profile_secret.clone_from(&profile.secret);
    }
    Ok(())
}

/// The host, EHLO name and verification; the profile's port is scanned with the usual
/// ones.
fn apply_to_scan(
    args: &mut ScanArgs,
    profile: &Profile,
    matches: &ArgMatches,
) -> Result<(), CliError> {
    args.host = host_target(profile)?;
    if let Some(port) = profile.port
        && !given(matches, "ports")
    {
        let mut ports = crate::scan::DEFAULT_PORTS.to_vec();
        if !ports.contains(&port) {
            ports.push(port);
        }
        args.ports = ports;
    }
    if !given(matches, "ehlo") && profile.ehlo.is_some() {
        args.ehlo.clone_from(&profile.ehlo);
    }
    if let Some(setting) = profile.tls_verify
        && !given(matches, "tls_verify")
    {
        args.tls_verify = verify(setting);
    }
    apply_proxy(&mut args.route, profile, matches)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::net::TlsMode;
    use clap::{CommandFactory, FromArgMatches};

    const CONFIG: &str = "[profile.work]\nhost = \"smtp.example.com\"\nport = 587\n\
        tls = \"tls-on-connect\"\ntls-verify = \"strict\"\nehlo = \"laptop.example\"\n\
        user = \"me@example.com\"\nauth = \"login\"\nfrom = \"me@example.com\"\n\
        to = [\"you@example.org\"]\npassword-command = \"echo s3cret\"\n\
        [profile.lab]\nhost = \"127.0.0.1\"\nproxy = \"socks5://127.0.0.1:1080\"\n\
        [profile.bad]\nhost = \"127.0.0.1\"\nproxy = \"http://me:hunter2@127.0.0.1:1080\"\n";

    fn config_file() -> tempfile::NamedTempFile {
        let file = tempfile::NamedTempFile::new().expect("temp file");
        std::fs::write(file.path(), CONFIG).expect("write");
        file
    }

    fn resolved(words: &[&str], config: &Path) -> Result<super::super::Cli, Refusal> {
        let matches = super::super::Cli::command()
            .try_get_matches_from(std::iter::once("smtpx").chain(words.iter().copied()))
            .expect("parses");
        let mut cli = super::super::Cli::from_arg_matches(&matches).expect("matches");
        apply_profiles(&mut cli, &matches, Some(config))?;
        Ok(cli)
    }

    #[test]
    fn the_explorer_takes_the_profile_and_flags_win() {
        let file = config_file();
        let cli = resolved(&["@work"], file.path()).expect("resolved");
        let plan = cli.explore.expect("explorer").into_plan().expect("plan");
        assert_eq!(
            (plan.target.host.as_str(), plan.target.port),
            ("smtp.example.com", 587)
        );
        assert_eq!(plan.tls_mode, TlsMode::Implicit);
        assert_eq!(plan.ehlo.as_deref(), Some("laptop.example"));
        assert_eq!(plan.tls.mode, crate::net::VerifyMode::Strict);

        let cli = resolved(
            &[
                "@work",
                "--port",
                "2526",
                "--starttls-optional",
                "--tls-verify",
                "report",
            ],
            file.path(),
        )
        .expect("resolved");
        let plan = cli.explore.expect("explorer").into_plan().expect("plan");
        assert_eq!(plan.target.port, 2526);
        assert_eq!(plan.tls_mode, TlsMode::StartTlsOptional);
        assert_eq!(plan.tls.mode, crate::net::VerifyMode::Report);
    }

    #[tokio::test]
    async fn the_explorers_auth_form_starts_with_the_profiles_user_mechanism_and_secret() {
        let file = config_file();
        let cli = resolved(&["@work", "--port", "2526"], file.path()).expect("resolved");
        let auth = cli.profile_auth;
        assert_eq!(auth.user.as_deref(), Some("me@example.com"));
        assert_eq!(auth.mechanism, Some(Mechanism::Login));
        let fetcher = auth.secret.expect("the profile's secret source");
        assert_eq!(fetcher.what(), "from the command `echo s3cret`");
        let secret = crate::driver::task::SecretSource::Fetched(fetcher)
            .read()
            .await
            .expect("fetched");
        assert_eq!(secret.as_str(), "s3cret");
        // A profile with no user, mechanism or secret leaves the form empty.
        let cli = resolved(&["@lab"], file.path()).expect("resolved");
        assert_eq!(cli.profile_auth, AuthDefaults::default());
        // No profile, no defaults.
        let cli = resolved(&["127.0.0.1:2525"], file.path()).expect("resolved");
        assert_eq!(cli.profile_auth, AuthDefaults::default());
    }

    #[test]
    fn the_probe_takes_user_envelope_and_secret_and_flags_win() {
        let file = config_file();
        let cli = resolved(&["probe", "@work"], file.path()).expect("resolved");
        let Some(CommandKind::Probe(args)) = cli.command else {
            panic!("probe");
        };
        let plan = args.into_plan().expect("plan");
        let credentials = plan.credentials.expect("credentials");
        assert_eq!(credentials.user, "me@example.com");
        assert_eq!(credentials.secret.as_str(), "s3cret");
        assert_eq!(
            credentials.mechanism,
            Some(crate::proto::auth::Mechanism::Login)
        );
        assert_eq!(plan.from.as_deref(), Some("me@example.com"));
        assert_eq!(plan.to, ["you@example.org"]);

        let cli = resolved(
            &[
                "probe",
                "@work",
                "--to",
                "other@example.net",
                "--from",
                "<>",
                "--auth",
                "plain",
            ],
            file.path(),
        )
        .expect("resolved");
        let Some(CommandKind::Probe(args)) = cli.command else {
            panic!("probe");
        };
        assert!(args.profile_secret.is_some());
        let plan = args.into_plan().expect("plan");
        assert_eq!(plan.to, ["other@example.net"]);
        assert_eq!(plan.from.as_deref(), Some("<>"));
        assert_eq!(
            plan.credentials.expect("credentials").mechanism,
            Some(crate::proto::auth::Mechanism::Plain)
        );
        // Another user is not given the profile user's secret.
        let cli = resolved(
            &["probe", "@work", "--user", "else", "--password-env", "X"],
            file.path(),
        )
        .expect("resolved");
        let Some(CommandKind::Probe(args)) = cli.command else {
            panic!("probe");
        };
        assert!(args.profile_secret.is_none());
    }

    #[test]
    fn the_scan_takes_the_host_and_adds_the_profile_port() {
        let file = config_file();
        let cli = resolved(&["scan", "@work"], file.path()).expect("resolved");
        let Some(CommandKind::Scan(args)) = cli.command else {
            panic!("scan");
        };
        let (host, ports) = args.targets().expect("targets");
        assert_eq!(host, "smtp.example.com");
        assert_eq!(ports, crate::scan::DEFAULT_PORTS.to_vec());
    }

    #[test]
    fn the_profiles_proxy_is_used_unless_the_command_line_names_one() {
        let file = config_file();
        let cli = resolved(&["probe", "@lab"], file.path()).expect("resolved");
        let Some(CommandKind::Probe(args)) = cli.command else {
            panic!("probe");
        };
        let route = args.into_plan().expect("plan").connect.connect.route;
        let proxy = route.socks.expect("the profile's proxy");
        assert_eq!(proxy.server, crate::net::Target::new("127.0.0.1", 1080));

        let cli = resolved(
            &["scan", "@lab", "--proxy", "socks5://127.0.0.1:1081"],
            file.path(),
        )
        .expect("resolved");
        let Some(CommandKind::Scan(args)) = cli.command else {
            panic!("scan");
        };
        let proxy = args.config().expect("config").connect.route.socks;
        assert_eq!(proxy.expect("the command line's proxy").server.port, 1081);
    }

    #[test]
    fn a_bad_proxy_or_a_missing_profile_is_refused_with_the_reason() {
        let file = config_file();
        let refusal = resolved(&["probe", "@bad"], file.path()).expect_err("bad proxy");
        assert_eq!(refusal.exit_code, 3);
        assert_eq!(
            refusal.message,
            "smtpx probe: profile `bad`: invalid proxy 'http://me:***@127.0.0.1:1080': only \
             socks5://[USER:PASSWORD@]HOST[:PORT] is supported"
        );
        let refusal = resolved(&["scan", "@wrk"], file.path()).expect_err("missing");
        assert!(
            refusal.message.contains("(did you mean `work`?)"),
            "{}",
            refusal.message
        );
        // Without a profile nothing is read.
        assert!(resolved(&["probe", "h"], Path::new("/nonexistent/config.toml")).is_ok());
    }
}
