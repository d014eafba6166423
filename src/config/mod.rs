//! The config file: named profiles at `$XDG_CONFIG_HOME/smtpx/config.toml` (TOML), each a
//! set of defaults for a server — host, port, TLS mode and verification, EHLO name, user,
//! AUTH mechanism, envelope sender and recipients, a proxy, and where the secret comes from
//! (an environment variable, a file, a command, msmtp's `passwordeval` way). `smtpx @work`,
//! `smtpx probe @work`, `smtpx scan @work` use one; flags on the command line win.
//!
//! The file is read strictly: an unknown key or a bad value is an error naming the file,
//! the line and the nearest valid word (`parse.rs`), never a silent default. Secrets are
//! fetched only when a session needs them (`secret.rs`), and never printed.
//!
//! Security invariant: a password written in the file itself is refused unless the file
//! is readable by its owner alone (`0600`), and even then a warning says so.
//!
//! Layer: below the CLI, above nothing that touches the network: std, serde and toml, the
//! private file writer for `smtpx config init`, and `proto`'s text escaping.

mod example;
mod parse;
pub mod secret;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

pub use example::EXAMPLE;
pub use secret::{SecretError, SecretSource};

/// The config file's place: `$XDG_CONFIG_HOME/smtpx/config.toml`, else
/// `~/.config/smtpx/config.toml`.
pub fn default_path() -> Option<PathBuf> {
    let base = std::env::var_os("XDG_CONFIG_HOME")
        .map(PathBuf::from)
        .filter(|p| p.is_absolute())
        .or_else(|| std::env::var_os("HOME").map(|home| PathBuf::from(home).join(".config")))?;
    Some(base.join("smtpx").join("config.toml"))
}

/// The profiles of one config file.
#[derive(Debug, Default)]
pub struct Config {
    pub path: PathBuf,
    pub profiles: BTreeMap<String, Profile>,
    /// Said on stderr when the file is used (a password literal in the file).
    pub warnings: Vec<String>,
}

/// How a profile asks for TLS (the `tls` key), as the command-line flags do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TlsSetting {
    /// `starttls`: STARTTLS after EHLO, required (`--starttls`).
    StartTls,
    /// `starttls-optional`: STARTTLS if offered (`--starttls-optional`).
    StartTlsOptional,
    /// `tls-on-connect`: implicit TLS (`--tls-on-connect`).
    TlsOnConnect,
    /// `plain`: never TLS (`--no-starttls`, `--no-tls-on-connect`).
    Plain,
}

/// `tls-verify`: `report` or `strict`, as `--tls-verify`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VerifySetting {
    Report,
    Strict,
}

/// `auth`: the SASL mechanism, as `--auth`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuthSetting {
    Plain,
    Login,
    CramMd5,
    Xoauth2,
    Oauthbearer,
}

/// One `[profile.NAME]` table.
#[derive(Debug, Clone, Default)]
pub struct Profile {
    pub name: String,
    /// The line of its `[profile.NAME]` header.
    pub line: usize,
    pub host: Option<String>,
    pub port: Option<u16>,
    pub tls: Option<TlsSetting>,
    pub tls_verify: Option<VerifySetting>,
    pub ehlo: Option<String>,
    pub user: Option<String>,
    pub auth: Option<AuthSetting>,
    pub from: Option<String>,
    pub to: Vec<String>,
    /// A SOCKS5 proxy URL (`socks5://[USER:PASSWORD@]HOST[:PORT]`), used unless the
    /// command line gives `--proxy`; checked when a command uses it.
    pub proxy: Option<String>,
    pub secret: Option<SecretSource>,
}

/// Why the config file cannot be used. Each names the file; those about a place in it,
/// the line.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("no config file at {} (smtpx config init writes an example)", path.display())]
    Missing { path: PathBuf },
    #[error("cannot read {}: {source}", path.display())]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{}:{line}: {message}", path.display())]
    Syntax {
        path: PathBuf,
        line: usize,
        message: String,
    },
    #[error("{}:{line}: unknown key `{key}` in {table}{}", path.display(), did_you_mean(suggestion.as_deref()))]
    UnknownKey {
        path: PathBuf,
        line: usize,
        key: String,
        table: String,
        suggestion: Option<String>,
    },
    #[error("{}:{line}: `{key}` {problem}{}", path.display(), did_you_mean(suggestion.as_deref()))]
    BadValue {
        path: PathBuf,
        line: usize,
        key: String,
        problem: String,
        suggestion: Option<String>,
    },
    #[error(
        "{}:{line}: a password in the file is refused while the file can be read by others \
         (mode {mode:o}): chmod 600 it, or use password-env, password-file or password-command",
        path.display()
    )]
    PasswordInOpenFile {
        path: PathBuf,
        line: usize,
        mode: u32,
    },
    #[error("no profile `{name}` in {}{}", path.display(), did_you_mean(suggestion.as_deref()))]
    NoProfile {
        name: String,
        path: PathBuf,
        suggestion: Option<String>,
    },
    #[error("cannot tell where the config file is: neither XDG_CONFIG_HOME nor HOME is set")]
    NoPlace,
}

fn did_you_mean(suggestion: Option<&str>) -> String {
    suggestion
        .map(|s| format!(" (did you mean `{s}`?)"))
        .unwrap_or_default()
}

impl Config {
    /// Reads and checks the file at `path`.
    pub fn load(path: &Path) -> Result<Config, ConfigError> {
        let text = match std::fs::read_to_string(path) {
            Ok(text) => text,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                return Err(ConfigError::Missing {
                    path: path.to_path_buf(),
                });
            }
            Err(source) => {
                return Err(ConfigError::Read {
                    path: path.to_path_buf(),
                    source,
                });
            }
        };
        let mode = file_mode(path);
        parse::parse(path, &text, mode)
    }

    /// The profile called `name`, or which one was probably meant.
    pub fn profile(&self, name: &str) -> Result<&Profile, ConfigError> {
        self.profiles
            .get(name)
            .ok_or_else(|| ConfigError::NoProfile {
                name: name.to_string(),
                path: self.path.clone(),
                suggestion: nearest(name, self.profiles.keys().map(String::as_str))
                    .map(String::from),
            })
    }
}

/// The permission bits of `path` (`0o600` where there are none to read).
fn file_mode(path: &Path) -> u32 {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::metadata(path)
            .map(|m| m.permissions().mode() & 0o777)
            .unwrap_or(0o600)
    }
    #[cfg(not(unix))]
    {
        let _ = path;
        0o600
    }
}

/// Seconds a `password-command` may run before it is stopped, unless the profile says.
pub const DEFAULT_COMMAND_TIMEOUT: Duration = Duration::from_secs(30);

/// The candidate nearest to `word` by edit distance, when it is close enough to be what
/// was meant: at most one edit for short words, two for longer ones, and fewer edits than
/// the word has letters. Ties go to the first candidate.
pub fn nearest<'a>(word: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    let limit = if word.chars().count() <= 4 { 1 } else { 2 };
    candidates
        .into_iter()
        .map(|c| (edit_distance(word, c), c))
        .filter(|(d, _)| *d <= limit && *d < word.chars().count())
        .min_by_key(|(d, _)| *d)
        .map(|(_, c)| c)
}

/// Edit distance over characters, ASCII case ignored, a swap of two neighbours counting
/// as one edit (optimal string alignment): `hots` is one edit from `host`.
pub fn edit_distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().map(|c| c.to_ascii_lowercase()).collect();
    let b: Vec<char> = b.chars().map(|c| c.to_ascii_lowercase()).collect();
    let width = b.len() + 1;
    let mut d = vec![0usize; (a.len() + 1) * width];
    for i in 0..=a.len() {
        d[i * width] = i;
    }
    for (j, cell) in d.iter_mut().enumerate().take(width) {
        *cell = j;
    }
    for i in 1..=a.len() {
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let mut best = (d[(i - 1) * width + j] + 1)
                .min(d[i * width + j - 1] + 1)
                .min(d[(i - 1) * width + j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                best = best.min(d[(i - 2) * width + j - 2] + 1);
            }
            d[i * width + j] = best;
        }
    }
    d[a.len() * width + b.len()]
}

/// `smtpx config …`: what to do with the config file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ConfigPlan {
    /// Write [`EXAMPLE`] to the file (replacing one that is there only with `overwrite`).
    Init { path: PathBuf, overwrite: bool },
    /// Show the profiles, secrets never printed; with `names`, only their names.
    List { path: PathBuf, names: bool },
}

/// Runs `smtpx config …`; the exit code (0, or 2 for a file that cannot be used, 3 for one
/// that cannot be written).
pub fn run(plan: ConfigPlan) -> u8 {
    match plan {
        ConfigPlan::Init { path, overwrite } => {
            let existing = if overwrite {
                crate::files::Existing::Replace
            } else {
                crate::files::Existing::Refuse
            };
            match crate::files::write_private(&path, EXAMPLE.as_bytes(), existing) {
                Ok(()) => {
                    println!("wrote an example config to {}", path.display());
                    0
                }
                Err(crate::files::FileError::Exists { .. }) => {
                    eprintln!(
                        "smtpx config init: {} already exists (--overwrite replaces it)",
                        path.display()
                    );
                    3
                }
                Err(e) => {
                    eprintln!("smtpx config init: {e}");
                    3
                }
            }
        }
        ConfigPlan::List { path, names } => match Config::load(&path) {
            Ok(config) if names => {
                // Control characters made visible: one name a line, whatever the file holds.
                for name in config.profiles.keys() {
                    crate::outln!("{}", escape(name));
                }
                0
            }
            Ok(config) => {
                for warning in &config.warnings {
                    eprintln!("smtpx: warning: {warning}");
                }
                crate::outln!("{}", describe(&config));
                0
            }
            Err(e) => {
                eprintln!("smtpx config list: {e}");
                2
            }
        },
    }
}

/// The profiles as `smtpx config list` shows them; where the secret comes from is named,
/// the secret itself never.
pub fn describe(config: &Config) -> String {
    use std::fmt::Write;
    let mut out = format!("{}\n", config.path.display());
    if config.profiles.is_empty() {
        out.push_str("  no profiles\n");
    }
    let text = |s: &str| escape(s);
    for profile in config.profiles.values() {
        let _ = writeln!(out, "\n@{}", text(&profile.name));
        let mut row = |key: &str, value: String| {
            let _ = writeln!(out, "  {key:<10} {value}");
        };
        if let Some(host) = &profile.host {
            let port = profile.port.map(|p| format!(":{p}")).unwrap_or_default();
            row("server", format!("{}{port}", text(host)));
        } else if let Some(port) = profile.port {
            row("port", port.to_string());
        }
        if let Some(tls) = profile.tls {
            row("tls", parse::tls_word(tls).to_string());
        }
        if let Some(verify) = profile.tls_verify {
            row("tls-verify", parse::verify_word(verify).to_string());
        }
        if let Some(ehlo) = &profile.ehlo {
            row("ehlo", text(ehlo));
        }
        if let Some(user) = &profile.user {
            row("user", text(user));
        }
        if let Some(auth) = profile.auth {
            row("auth", parse::auth_word(auth).to_string());
        }
        if let Some(from) = &profile.from {
            row("from", text(from));
        }
        if !profile.to.is_empty() {
            let to: Vec<String> = profile.to.iter().map(|t| text(t)).collect();
            row("to", to.join(", "));
        }
        if let Some(proxy) = &profile.proxy {
            row("proxy", text(&without_password(proxy)));
        }
        if let Some(secret) = &profile.secret {
            row("secret", secret.describe());
        }
    }
    out.trim_end().to_string()
}

/// A proxy URL with the password of its user information replaced by `***`, for showing.
pub fn without_password(url: &str) -> String {
    let (scheme, rest) = match url.split_once("://") {
        Some((scheme, rest)) => (format!("{scheme}://"), rest),
        None => (String::new(), url),
    };
    match rest.rsplit_once('@') {
        Some((userinfo, host)) => {
            let user = userinfo.split_once(':').map_or(userinfo, |(user, _)| user);
            format!("{scheme}{user}:***@{host}")
        }
        None => url.to_string(),
    }
}

/// Text from the file shown on a terminal: control characters made visible.
fn escape(text: &str) -> String {
    crate::proto::text::escape_str(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_nearest_word_is_suggested_only_when_close() {
        let keys = ["host", "port", "tls", "tls-verify", "password-command"];
        assert_eq!(nearest("hots", keys), Some("host"));
        assert_eq!(nearest("tls-verfy", keys), Some("tls-verify"));
        assert_eq!(nearest("password-comand", keys), Some("password-command"));
        assert_eq!(nearest("colour", keys), None);
        assert_eq!(nearest("x", keys), None);
    }

    #[test]
    fn a_proxy_is_shown_without_its_password() {
        assert_eq!(
            without_password("socks5://me:p@ss@proxy.test:1080"),
            "socks5://me:***@proxy.test:1080"
        );
        assert_eq!(
            without_password("socks5://127.0.0.1:1080"),
            "socks5://127.0.0.1:1080"
        );
    }
}
