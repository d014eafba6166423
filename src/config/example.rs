//! The commented example `smtpx config init` writes.
//!
//! Layer: config.

/// The example config file: every key, explained; nothing active until uncommented.
pub const EXAMPLE: &str = r#"# smtpx profiles: `smtpx @NAME`, `smtpx probe @NAME`, `smtpx scan @NAME`.
# A profile gives defaults; a flag on the command line wins over it.
# `smtpx config list` shows the profiles (secrets never printed).
# Uncomment a profile and edit it. Unknown keys are errors, with the line.

# [profile.work]
# host = "smtp.example.com"
# port = 587                       # 465 implies implicit TLS, 587 STARTTLS
# tls = "starttls"                 # starttls | starttls-optional | tls-on-connect | plain
# tls-verify = "strict"            # report (record the verdict, go on) | strict (stop)
# ehlo = "laptop.example.com"      # default: this machine's host name
# user = "me@example.com"
# auth = "plain"                   # plain | login | cram-md5 | xoauth2 | oauthbearer
# from = "me@example.com"
# to = ["you@example.org"]         # one address, or a list
#
# The secret: one of these four.
# password-command = "pass show mail/work"   # its first line of output; run without a shell
#   password-command-shell = true            # run the line with sh -c (pipes, variables)
#   password-command-timeout = 30            # seconds before it is stopped
#   password-env = "WORK_SMTP_PASSWORD"      # an environment variable
#   password-file = "~/.config/smtpx/work.pass"  # the file's first line
#   password = "…"                           # only in a file readable by you alone (chmod 600)

# [profile.lab]
# host = "127.0.0.1"
# port = 2525
# tls = "plain"
# proxy = "socks5://127.0.0.1:1080"  # SOCKS5, e.g. `ssh -D 1080 HOST`; --proxy overrides
"#;

#[cfg(test)]
mod tests {
    use super::*;

    /// The example with its settings uncommented: `# key = …` and `# [profile.…]` lines
    /// (an indented `#   key` is an alternative, left as it is).
    fn uncommented() -> String {
        EXAMPLE
            .lines()
            .map(|line| match line.strip_prefix("# ") {
                Some(rest)
                    if rest.starts_with("[profile.")
                        || rest.split_once(" = ").is_some_and(|(k, _)| {
                            k.chars().all(|c| c.is_ascii_lowercase() || c == '-')
                        }) =>
                {
                    rest
                }
                _ => line,
            })
            .collect::<Vec<_>>()
            .join("\n")
    }

    #[test]
    fn the_example_parses_as_it_is_and_uncommented() {
        let path = std::path::Path::new("config.toml");
        let config = super::super::parse::parse(path, EXAMPLE, 0o600).expect("as written");
        assert!(config.profiles.is_empty());
        let config = super::super::parse::parse(path, &uncommented(), 0o600).expect("uncommented");
        let work = config.profile("work").expect("work");
        assert_eq!(work.port, Some(587));
        assert!(work.secret.is_some());
        assert_eq!(work.to, ["you@example.org"]);
        let lab = config.profile("lab").expect("lab");
        assert!(lab.proxy.is_some());
    }
}
