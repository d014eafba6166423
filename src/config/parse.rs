//! Reading the config file strictly: TOML with spans, so every unknown key and bad value is
//! reported with its line and the nearest valid word.
//!
//! Layer: config.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use toml::{Spanned, Value};
use zeroize::Zeroizing;

use super::{
    AuthSetting, Config, ConfigError, DEFAULT_COMMAND_TIMEOUT, Profile, SecretSource, TlsSetting,
    VerifySetting, nearest,
};

/// The keys a profile may have.
pub const PROFILE_KEYS: &[&str] = &[
    "host",
    "port",
    "tls",
    "tls-verify",
    "ehlo",
    "user",
    "auth",
    "from",
    "to",
    "proxy",
    "password-env",
    "password-file",
    "password-command",
    "password-command-shell",
    "password-command-timeout",
    "password",
];

const TLS_WORDS: &[(&str, TlsSetting)] = &[
    ("starttls", TlsSetting::StartTls),
    ("starttls-optional", TlsSetting::StartTlsOptional),
    ("tls-on-connect", TlsSetting::TlsOnConnect),
    ("plain", TlsSetting::Plain),
];

const VERIFY_WORDS: &[(&str, VerifySetting)] = &[
    ("report", VerifySetting::Report),
    ("strict", VerifySetting::Strict),
];

const AUTH_WORDS: &[(&str, AuthSetting)] = &[
    ("plain", AuthSetting::Plain),
    ("login", AuthSetting::Login),
    ("cram-md5", AuthSetting::CramMd5),
    ("xoauth2", AuthSetting::Xoauth2),
    ("oauthbearer", AuthSetting::Oauthbearer),
];

pub fn tls_word(setting: TlsSetting) -> &'static str {
    word_of(TLS_WORDS, setting)
}

pub fn verify_word(setting: VerifySetting) -> &'static str {
    word_of(VERIFY_WORDS, setting)
}

pub fn auth_word(setting: AuthSetting) -> &'static str {
    word_of(AUTH_WORDS, setting)
}

fn word_of<T: PartialEq + Copy>(table: &[(&'static str, T)], value: T) -> &'static str {
    table
        .iter()
        .find(|(_, v)| *v == value)
        .map(|(w, _)| *w)
        .unwrap_or("")
}

type Table = BTreeMap<Spanned<String>, Spanned<Value>>;

/// The file's second reading: each profile's keys with their spans.
#[derive(serde::Deserialize)]
struct Profiles {
    #[serde(default)]
    profile: BTreeMap<Spanned<String>, Spanned<Table>>,
}

/// Line numbers for byte offsets of one file.
struct Lines<'a> {
    path: &'a Path,
    text: &'a str,
}

impl Lines<'_> {
    fn line(&self, offset: usize) -> usize {
        let end = offset.min(self.text.len());
        self.text.as_bytes()[..end]
            .iter()
            .filter(|&&b| b == b'\n')
            .count()
            + 1
    }

    fn path(&self) -> PathBuf {
        self.path.to_path_buf()
    }

    fn syntax(&self, error: toml::de::Error) -> ConfigError {
        ConfigError::Syntax {
            path: self.path(),
            line: error.span().map(|s| self.line(s.start)).unwrap_or(1),
            message: error.message().trim().to_string(),
        }
    }

    fn bad(
        &self,
        key: &Spanned<String>,
        value: &Spanned<Value>,
        problem: impl Into<String>,
        suggestion: Option<&str>,
    ) -> ConfigError {
        ConfigError::BadValue {
            path: self.path(),
            line: self.line(value.span().start),
            key: key.get_ref().clone(),
            problem: problem.into(),
            suggestion: suggestion.map(String::from),
        }
    }
}

/// Parses the text of the file at `path` (whose permission bits are `mode`).
pub fn parse(path: &Path, text: &str, mode: u32) -> Result<Config, ConfigError> {
    let lines = Lines { path, text };
    // First reading: the top level, so a stray key is named with its line.
    let top: Table = toml::from_str(text).map_err(|e| lines.syntax(e))?;
    for (key, value) in &top {
        if key.get_ref() != "profile" {
            let known = nearest(key.get_ref(), ["profile"]);
            return Err(ConfigError::UnknownKey {
                path: lines.path(),
                line: lines.line(key.span().start),
                key: key.get_ref().clone(),
                table: "the top level (settings belong in a [profile.NAME] table)".into(),
                suggestion: known.map(String::from),
            });
        }
        if !value.get_ref().is_table() {
            return Err(lines.bad(key, value, "must be tables: [profile.NAME]", None));
        }
    }
    let raw: Profiles = toml::from_str(text).map_err(|e| lines.syntax(e))?;
    let mut config = Config {
        path: path.to_path_buf(),
        ..Config::default()
    };
    for (name, table) in raw.profile {
        let profile = profile(&lines, &name, table.get_ref(), mode, &mut config.warnings)?;
        config.profiles.insert(name.into_inner(), profile);
    }
    Ok(config)
}

fn profile(
    lines: &Lines,
    name: &Spanned<String>,
    table: &Table,
    mode: u32,
    warnings: &mut Vec<String>,
) -> Result<Profile, ConfigError> {
    let mut profile = Profile {
        name: name.get_ref().clone(),
        line: lines.line(name.span().start),
        ..Profile::default()
    };
    let mut command: Option<(String, usize)> = None;
    let mut shell = false;
    let mut timeout = DEFAULT_COMMAND_TIMEOUT;
    let mut sources: Vec<&str> = Vec::new();
    for (key, value) in table {
        let text = || string(lines, key, value);
        match key.get_ref().as_str() {
            "host" => {
                let host = text()?;
                if host.is_empty() || host.contains(char::is_whitespace) {
                    return Err(lines.bad(key, value, "must be a host name or address", None));
                }
                profile.host = Some(host);
            }
            "port" => match value.get_ref().as_integer().map(u16::try_from) {
                Some(Ok(port)) if port > 0 => profile.port = Some(port),
                _ => {
                    return Err(lines.bad(key, value, "must be a port number, 1 to 65535", None));
                }
            },
            "tls" => profile.tls = Some(word(lines, key, value, TLS_WORDS)?),
            "tls-verify" => profile.tls_verify = Some(word(lines, key, value, VERIFY_WORDS)?),
            "ehlo" => profile.ehlo = Some(text()?),
            "user" => profile.user = Some(text()?),
            "auth" => profile.auth = Some(word(lines, key, value, AUTH_WORDS)?),
            "from" => profile.from = Some(text()?),
            "to" => {
                profile.to = match value.get_ref() {
                    Value::String(one) => vec![one.clone()],
                    Value::Array(many) => many
                        .iter()
                        .map(|v| v.as_str().map(String::from))
                        .collect::<Option<Vec<_>>>()
                        .ok_or_else(|| {
                            lines.bad(key, value, "must be an address or a list of them", None)
                        })?,
                    _ => {
                        return Err(lines.bad(
                            key,
                            value,
                            "must be an address or a list of them",
                            None,
                        ));
                    }
                }
            }
            "proxy" => profile.proxy = Some(text()?),
            "password-env" => {
                sources.push("password-env");
                profile.secret = Some(SecretSource::Env(text()?));
            }
            "password-file" => {
                sources.push("password-file");
                profile.secret = Some(SecretSource::File(expand_home(&text()?)));
            }
            "password-command" => {
                sources.push("password-command");
                let line = text()?;
                if line.trim().is_empty() {
                    return Err(lines.bad(key, value, "is empty", None));
                }
                command = Some((line, lines.line(value.span().start)));
            }
            "password-command-shell" => match value.get_ref().as_bool() {
                Some(b) => shell = b,
                None => return Err(lines.bad(key, value, "must be true or false", None)),
            },
            "password-command-timeout" => {
                let seconds = match value.get_ref() {
                    Value::Integer(n) => *n as f64,
                    Value::Float(f) => *f,
                    _ => -1.0,
                };
                if !(seconds > 0.0 && seconds <= 3600.0) {
                    return Err(lines.bad(
                        key,
                        value,
                        "must be seconds, above 0 and at most 3600",
                        None,
                    ));
                }
                timeout = Duration::from_secs_f64(seconds);
            }
            "password" => {
                sources.push("password");
                let line = lines.line(value.span().start);
                if mode & 0o077 != 0 {
                    return Err(ConfigError::PasswordInOpenFile {
                        path: lines.path(),
                        line,
                        mode,
                    });
                }
                warnings.push(format!(
                    "{}:{line}: profile `{}` keeps its password in the file; password-command \
                     or password-env keep it out of it",
                    lines.path.display(),
                    crate::proto::text::escape_str(&profile.name),
                ));
                profile.secret = Some(SecretSource::Literal(Zeroizing::new(text()?)));
            }
            other => {
                return Err(ConfigError::UnknownKey {
                    path: lines.path(),
                    line: lines.line(key.span().start),
                    key: other.to_string(),
                    table: format!("[profile.{}]", profile.name),
                    suggestion: nearest(other, PROFILE_KEYS.iter().copied()).map(String::from),
                });
            }
        }
    }
    if sources.len() > 1 {
        let line = profile.line;
        return Err(ConfigError::Syntax {
            path: lines.path(),
            line,
            message: format!(
                "profile `{}` names more than one secret source ({}): keep one",
                profile.name,
                sources.join(", ")
            ),
        });
    }
    if let Some((line, _)) = command {
        profile.secret = Some(SecretSource::Command {
            line,
            shell,
            timeout,
        });
    }
    Ok(profile)
}

fn string(
    lines: &Lines,
    key: &Spanned<String>,
    value: &Spanned<Value>,
) -> Result<String, ConfigError> {
    match value.get_ref() {
        Value::String(s) if !s.contains(['\r', '\n']) => Ok(s.clone()),
        Value::String(_) => Err(lines.bad(key, value, "must be one line", None)),
        _ => Err(lines.bad(key, value, "must be a string (in quotes)", None)),
    }
}

fn word<T: Copy>(
    lines: &Lines,
    key: &Spanned<String>,
    value: &Spanned<Value>,
    table: &[(&'static str, T)],
) -> Result<T, ConfigError> {
    let words: Vec<&str> = table.iter().map(|(w, _)| *w).collect();
    let given = value.get_ref().as_str().unwrap_or_default();
    if let Some((_, v)) = table.iter().find(|(w, _)| *w == given.to_ascii_lowercase()) {
        return Ok(*v);
    }
    Err(lines.bad(
        key,
        value,
        format!("must be one of {}", words.join(", ")),
        nearest(given, words.iter().copied()),
    ))
}

/// `~/x` is `$HOME/x`, as a shell would read it.
fn expand_home(path: &str) -> PathBuf {
    match (path.strip_prefix("~/"), std::env::var_os("HOME")) {
        (Some(rest), Some(home)) => PathBuf::from(home).join(rest),
        _ => PathBuf::from(path),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn load(text: &str) -> Result<Config, ConfigError> {
        parse(Path::new("/home/me/.config/smtpx/config.toml"), text, 0o644)
    }

    fn error(text: &str) -> String {
        load(text).expect_err("refused").to_string()
    }

    #[test]
    fn a_valid_profile_is_read_whole() {
        let config = load(
            "# mine\n[profile.work]\nhost = \"smtp.example.com\"\nport = 587\ntls = \"starttls\"\n\
             tls-verify = \"strict\"\nehlo = \"laptop.example\"\nuser = \"me@example.com\"\n\
             auth = \"plain\"\nfrom = \"me@example.com\"\nto = [\"a@x\", \"b@y\"]\n\
             password-command = \"pass show mail/work\"\npassword-command-timeout = 5\n\
             [profile.lab]\nhost = \"127.0.0.1\"\nto = \"c@z\"\nproxy = \"socks5://127.0.0.1:1080\"\n\
             password-env = \"LAB_PASS\"\n",
        )
        .expect("valid");
        let work = config.profile("work").expect("work");
        assert_eq!(work.line, 2);
        assert_eq!(work.host.as_deref(), Some("smtp.example.com"));
        assert_eq!(work.port, Some(587));
        assert_eq!(work.tls, Some(TlsSetting::StartTls));
        assert_eq!(work.tls_verify, Some(VerifySetting::Strict));
        assert_eq!(work.auth, Some(AuthSetting::Plain));
        assert_eq!(work.to, ["a@x", "b@y"]);
        assert!(matches!(
            &work.secret,
            Some(SecretSource::Command { line, shell: false, timeout })
                if line == "pass show mail/work" && *timeout == Duration::from_secs(5)
        ));
        let lab = config.profile("lab").expect("lab");
        assert_eq!(lab.to, ["c@z"]);
        assert_eq!(lab.proxy.as_deref(), Some("socks5://127.0.0.1:1080"));
        assert!(matches!(&lab.secret, Some(SecretSource::Env(v)) if v == "LAB_PASS"));
        assert!(config.warnings.is_empty());
    }

    #[test]
    fn an_unknown_key_names_the_file_the_line_and_the_nearest_key() {
        assert_eq!(
            error("[profile.work]\nhost = \"h\"\n\nhots = \"x\"\n"),
            "/home/me/.config/smtpx/config.toml:4: unknown key `hots` in [profile.work] \
             (did you mean `host`?)"
        );
        assert_eq!(
            error("[profiles.work]\nhost = \"h\"\n"),
            "/home/me/.config/smtpx/config.toml:1: unknown key `profiles` in the top level \
             (settings belong in a [profile.NAME] table) (did you mean `profile`?)"
        );
        let top = error("host = \"h\"\n");
        assert!(
            top.contains(":1: unknown key `host` in the top level"),
            "{top}"
        );
    }

    #[test]
    fn a_bad_value_names_the_line_and_the_nearest_word() {
        assert_eq!(
            error("[profile.work]\ntls = \"startls\"\n"),
            "/home/me/.config/smtpx/config.toml:2: `tls` must be one of starttls, \
             starttls-optional, tls-on-connect, plain (did you mean `starttls`?)"
        );
        let port = error("[profile.work]\nhost = \"h\"\nport = 70000\n");
        assert!(port.contains(":3: `port` must be a port number"), "{port}");
        let auth = error("[profile.work]\nauth = \"cram-md6\"\n");
        assert!(auth.contains("(did you mean `cram-md5`?)"), "{auth}");
        let kind = error("[profile.work]\nport = \"587\"\n");
        assert!(kind.contains(":2: `port` must be a port number"), "{kind}");
    }

    #[test]
    fn a_syntax_error_has_its_line() {
        let e = error("[profile.work]\nhost = \"h\"\nport = \n");
        assert!(
            e.starts_with("/home/me/.config/smtpx/config.toml:3: "),
            "{e}"
        );
    }

    #[test]
    fn a_password_literal_needs_a_private_file_and_is_warned_about() {
        let text = "[profile.work]\nuser = \"u\"\npassword = \"hunter2\"\n";
        assert_eq!(
            error(text),
            "/home/me/.config/smtpx/config.toml:3: a password in the file is refused while \
             the file can be read by others (mode 644): chmod 600 it, or use password-env, \
             password-file or password-command"
        );
        let config = parse(Path::new("c.toml"), text, 0o600).expect("private file");
        assert_eq!(config.warnings.len(), 1);
        assert!(!config.warnings[0].contains("hunter2"));
        assert!(matches!(
            &config.profile("work").expect("work").secret,
            Some(SecretSource::Literal(p)) if p.as_str() == "hunter2"
        ));
    }

    #[test]
    fn one_secret_source_per_profile() {
        let e = error("[profile.work]\npassword-env = \"A\"\npassword-command = \"pass x\"\n");
        assert!(e.contains("more than one secret source"), "{e}");
    }

    #[test]
    fn a_missing_profile_suggests_the_nearest() {
        let config = load("[profile.work]\nhost = \"h\"\n").expect("valid");
        assert_eq!(
            config.profile("wrok").expect_err("none").to_string(),
            "no profile `wrok` in /home/me/.config/smtpx/config.toml (did you mean `work`?)"
        );
    }
}
