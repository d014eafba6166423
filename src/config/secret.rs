//! Where a profile's secret comes from, and fetching it when a session needs it: an
//! environment variable, the first line of a file, the first line a command prints (msmtp's
//! `passwordeval`), or — in a file only its owner can read — the file itself.
//!
//! A command runs without a shell: its line is split into words as a shell would split it
//! (quotes and backslashes), so `pass show "mail/my work"` is three words and nothing in it
//! is expanded. `password-command-shell = true` hands the line to `sh -c` for pipes and
//! variables. The command runs at most its timeout, and is stopped with its whole process
//! group after. For a command-line run ([`SecretSource::fetch`]) it gets the terminal's
//! standard input and error (gpg's pinentry may ask there); while the explorer owns the
//! terminal ([`SecretSource::fetch_detached`]) it gets neither — a prompt would fight the
//! explorer for the keyboard — and what it says on standard error is kept for the failure.
//!
//! Layer: config.

use std::io::Read;
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use zeroize::Zeroizing;

/// A profile's secret source.
#[derive(Debug, Clone)]
pub enum SecretSource {
    /// `password-env = "VAR"`.
    Env(String),
    /// `password-file = "PATH"`: its first line.
    File(PathBuf),
    /// `password-command = "LINE"`: the first line it prints.
    Command {
        line: String,
        /// Run through `sh -c` instead of split into words.
        shell: bool,
        timeout: Duration,
    },
    /// `password = "…"` in a `0600` file.
    Literal(Zeroizing<String>),
}

/// Why the secret could not be had. None of these holds the secret.
#[derive(Debug, thiserror::Error)]
pub enum SecretError {
    #[error("environment variable {var} is not set")]
    Variable { var: String },
    #[error("cannot read {}: {source}", path.display())]
    File {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("password-command {shown}: {problem}")]
    Command { shown: String, problem: String },
}

/// Most bytes read from a password command (a secret is a line, not a file).
const MOST_OUTPUT: u64 = 64 * 1024;

impl SecretSource {
    /// Where the secret comes from, in words, the secret itself never shown.
    pub fn describe(&self) -> String {
        let escape = crate::proto::text::escape_str;
        match self {
            SecretSource::Env(var) => format!("from environment variable {}", escape(var)),
            SecretSource::File(path) => {
                format!("from the file {}", escape(&path.display().to_string()))
            }
            SecretSource::Command { line, shell, .. } => format!(
                "from the command `{}`{}",
                escape(line),
                if *shell { " (via sh -c)" } else { "" }
            ),
            SecretSource::Literal(_) => "in the config file (hidden)".into(),
        }
    }

    /// The secret, fetched now; a command shares the terminal.
    pub fn fetch(&self) -> Result<Zeroizing<String>, SecretError> {
        self.fetch_with(Terminal::Shared)
    }

    /// The secret, fetched now while a full-screen program owns the terminal: a command
    /// gets no standard input, and its standard error is kept (its first line, escaped,
    /// joins the failure) instead of drawn over the screen.
    pub fn fetch_detached(&self) -> Result<Zeroizing<String>, SecretError> {
        self.fetch_with(Terminal::Detached)
    }

    fn fetch_with(&self, terminal: Terminal) -> Result<Zeroizing<String>, SecretError> {
        match self {
            SecretSource::Env(var) => std::env::var(var)
                .map(Zeroizing::new)
                .map_err(|_| SecretError::Variable { var: var.clone() }),
            SecretSource::File(path) => {
                let text = Zeroizing::new(std::fs::read_to_string(path).map_err(|source| {
                    SecretError::File {
                        path: path.clone(),
                        source,
                    }
                })?);
                Ok(Zeroizing::new(
                    text.lines().next().unwrap_or_default().to_string(),
                ))
            }
            SecretSource::Command {
                line,
                shell,
                timeout,
            } => run_command(line, *shell, *timeout, terminal),
            SecretSource::Literal(secret) => Ok(secret.clone()),
        }
    }
}

/// Whether a password command may use the terminal.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Terminal {
    /// Standard input and error inherited.
    Shared,
    /// No standard input; standard error read into the failure.
    Detached,
}

/// Most bytes of a detached command's standard error kept.
const MOST_ERROR_OUTPUT: u64 = 4 * 1024;

/// Runs a password command and takes the first line of what it prints.
fn run_command(
    line: &str,
    shell: bool,
    timeout: Duration,
    terminal: Terminal,
) -> Result<Zeroizing<String>, SecretError> {
    let shown = format!("`{}`", crate::proto::text::escape_str(line));
    // What a detached command said on standard error, read by its own thread.
    let mut said: Option<std::sync::mpsc::Receiver<Vec<u8>>> = None;
    let fail_with = |problem: String, said: &mut Option<std::sync::mpsc::Receiver<Vec<u8>>>| {
        let said = said
            .take()
            .and_then(|r| r.recv_timeout(Duration::from_millis(200)).ok())
            .and_then(|bytes| first_line(&bytes));
        SecretError::Command {
            shown: shown.clone(),
            problem: match said {
                Some(said) => format!("{problem} (it said: {said})"),
                None => problem,
            },
        }
    };
    let fail = |problem: String| fail_with(problem, &mut None);
    let mut command = if shell {
        let mut c = Command::new("sh");
        c.arg("-c").arg(line);
        c
    } else {
        let words = split_words(line).map_err(|e| fail(e.to_string()))?;
        let Some((program, args)) = words.split_first() else {
            return Err(fail("is empty".into()));
        };
        let mut c = Command::new(program);
        c.args(args);
        c
    };
    command.stdout(Stdio::piped());
    match terminal {
        Terminal::Shared => command.stdin(Stdio::inherit()).stderr(Stdio::inherit()),
        Terminal::Detached => command.stdin(Stdio::null()).stderr(Stdio::piped()),
    };
    // Its own process group, so a timeout stops whatever it started too.
    #[cfg(unix)]
    std::os::unix::process::CommandExt::process_group(&mut command, 0);
    let mut child = command
        .spawn()
        .map_err(|e| fail(format!("cannot be started: {e}")))?;
    let Some(mut stdout) = child.stdout.take() else {
        return Err(fail("has no output pipe".into()));
    };
    if let Some(mut stderr) = child.stderr.take() {
        let (sender, receiver) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let mut bytes = Vec::new();
            let _ = (&mut stderr)
                .take(MOST_ERROR_OUTPUT)
                .read_to_end(&mut bytes);
            // Drained to the end so the command never blocks on a full pipe.
            let _ = std::io::copy(&mut stderr, &mut std::io::sink());
            let _ = sender.send(bytes);
        });
        said = Some(receiver);
    }
    let (sender, receiver) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let mut bytes = Zeroizing::new(Vec::new());
        let result = (&mut stdout)
            .take(MOST_OUTPUT)
            .read_to_end(&mut bytes)
            .map(|_| bytes);
        let _ = sender.send(result);
    });
    let deadline = Instant::now() + timeout;
    let timed_out = |child: &mut std::process::Child| {
        stop_group(child);
        fail(format!(
            "did not finish within {} s (password-command-timeout)",
            timeout.as_secs_f64()
        ))
    };
    let output = match receiver.recv_timeout(deadline.saturating_duration_since(Instant::now())) {
        Ok(Ok(bytes)) => bytes,
        Ok(Err(e)) => {
            stop_group(&mut child);
            return Err(fail(format!("cannot be read: {e}")));
        }
        Err(_) => return Err(timed_out(&mut child)),
    };
    let status = loop {
        match child.try_wait() {
            Ok(Some(status)) => break status,
            Ok(None) if Instant::now() >= deadline => return Err(timed_out(&mut child)),
            Ok(None) => std::thread::sleep(Duration::from_millis(5)),
            Err(e) => return Err(fail(format!("cannot be waited for: {e}"))),
        }
    };
    if !status.success() {
        let how = match status.code() {
            Some(code) => format!("failed with exit status {code}"),
            None => "was ended by a signal".to_string(),
        };
        return Err(fail_with(how, &mut said));
    }
    let text = std::str::from_utf8(&output)
        .map_err(|_| fail("printed bytes that are not UTF-8".into()))?;
    let first = text.lines().next().unwrap_or_default();
    if first.is_empty() {
        return Err(fail_with(
            "printed no password (its first line is empty)".into(),
            &mut said,
        ));
    }
    Ok(Zeroizing::new(first.to_string()))
}

/// The first non-empty line of what a command said on standard error, escaped and cut to
/// a length that fits a status line; `None` when it said nothing.
fn first_line(bytes: &[u8]) -> Option<String> {
    let text = String::from_utf8_lossy(bytes);
    let line = text.lines().map(str::trim).find(|l| !l.is_empty())?;
    let line: String = line.chars().take(160).collect();
    Some(crate::proto::text::escape_str(&line))
}

/// Kills the child's process group (`kill(1)`, as the crate has no `unsafe`) and reaps it.
fn stop_group(child: &mut std::process::Child) {
    #[cfg(unix)]
    {
        let _ = Command::new("kill")
            .args(["-KILL", "--", &format!("-{}", child.id())])
            .stderr(Stdio::null())
            .status();
    }
    let _ = child.kill();
    let _ = child.wait();
}

/// Why a command line cannot be split into words.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SplitError {
    #[error("has an unclosed {0} quote")]
    Unclosed(&'static str),
    #[error("ends with a lone backslash")]
    TrailingBackslash,
}

/// Splits `line` into words as a POSIX shell does, without expanding anything: blanks
/// separate words; `'…'` is literal; in `"…"` a backslash escapes only `"`, `\`, `$` and
/// `` ` ``; outside quotes a backslash escapes the next character.
pub fn split_words(line: &str) -> Result<Vec<String>, SplitError> {
    let mut words = Vec::new();
    let mut word = String::new();
    let mut in_word = false;
    let mut chars = line.chars();
    while let Some(c) = chars.next() {
        match c {
            ' ' | '\t' | '\n' => {
                if in_word {
                    words.push(std::mem::take(&mut word));
                    in_word = false;
                }
            }
            '\'' => {
                in_word = true;
                loop {
                    match chars.next() {
                        Some('\'') => break,
                        Some(c) => word.push(c),
                        None => return Err(SplitError::Unclosed("single")),
                    }
                }
            }
            '"' => {
                in_word = true;
                loop {
                    match chars.next() {
                        Some('"') => break,
                        Some('\\') => match chars.next() {
                            Some(c @ ('"' | '\\' | '$' | '`')) => word.push(c),
                            Some('\n') => {}
                            Some(c) => {
                                word.push('\\');
                                word.push(c);
                            }
                            None => return Err(SplitError::Unclosed("double")),
                        },
                        Some(c) => word.push(c),
                        None => return Err(SplitError::Unclosed("double")),
                    }
                }
            }
            '\\' => match chars.next() {
                Some('\n') => {}
                Some(c) => {
                    in_word = true;
                    word.push(c);
                }
                None => return Err(SplitError::TrailingBackslash),
            },
            c => {
                in_word = true;
                word.push(c);
            }
        }
    }
    if in_word {
        words.push(word);
    }
    Ok(words)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn command(line: &str, shell: bool, timeout_ms: u64) -> SecretSource {
        SecretSource::Command {
            line: line.into(),
            shell,
            timeout: Duration::from_millis(timeout_ms),
        }
    }

    #[test]
    fn words_split_as_a_shell_splits_them() {
        let split = |s: &str| split_words(s).expect("splits");
        assert_eq!(split("pass show mail/work"), ["pass", "show", "mail/work"]);
        assert_eq!(
            split("a 'b c' \"d \\\"e\\\" $f\""),
            ["a", "b c", "d \"e\" $f"]
        );
        assert_eq!(split("a\\ b  c''"), ["a b", "c"]);
        assert_eq!(split("  "), Vec::<String>::new());
        assert_eq!(split_words("a 'b"), Err(SplitError::Unclosed("single")));
        assert_eq!(split_words("a \"b"), Err(SplitError::Unclosed("double")));
        assert_eq!(split_words("a\\"), Err(SplitError::TrailingBackslash));
    }

    #[test]
    fn a_command_gives_its_first_line_without_a_shell() {
        let secret = command("printf 's3cret\\nsecond line\\n'", false, 5_000)
            .fetch()
            .expect("runs");
        assert_eq!(secret.as_str(), "s3cret");
        // Without a shell, `$HOME` and `;` are just characters.
        let secret = command("echo '$HOME;x'", false, 5_000)
            .fetch()
            .expect("runs");
        assert_eq!(secret.as_str(), "$HOME;x");
        let secret = command("echo a | tr a b", true, 5_000)
            .fetch()
            .expect("runs");
        assert_eq!(secret.as_str(), "b");
    }

    #[test]
    fn a_failing_command_is_reported_with_its_status() {
        let e = command("sh -c 'exit 3'", false, 5_000)
            .fetch()
            .expect_err("fails");
        assert_eq!(
            e.to_string(),
            "password-command `sh -c 'exit 3'`: failed with exit status 3"
        );
        let e = command("smtpx-surely-no-such-program x", false, 5_000)
            .fetch()
            .expect_err("fails");
        assert!(e.to_string().contains("cannot be started"), "{e}");
        let e = command("true", false, 5_000)
            .fetch()
            .expect_err("no output");
        assert!(e.to_string().contains("printed no password"), "{e}");
    }

    #[test]
    fn a_detached_command_has_no_input_and_its_complaint_joins_the_failure() {
        let detached = |line: &str| command(line, false, 5_000).fetch_detached();
        let e = detached("sh -c 'echo \"mail/work is not in the store\" >&2; exit 1'")
            .expect_err("fails");
        assert_eq!(
            e.to_string(),
            "password-command `sh -c 'echo \"mail/work is not in the store\" >&2; exit 1'`: \
             failed with exit status 1 (it said: mail/work is not in the store)"
        );
        // Standard input is empty, not the terminal: `cat` ends at once with nothing.
        let e = detached("cat").expect_err("no input");
        assert!(e.to_string().contains("printed no password"), "{e}");
        // Escape sequences in what it says are made visible.
        let e = detached("sh -c 'printf \"\\033[2Jx\" >&2; exit 2'").expect_err("fails");
        assert!(e.to_string().contains("(it said: \\x1b[2Jx)"), "{e}");
        let secret = detached("printf 'tok\\n'").expect("runs");
        assert_eq!(secret.as_str(), "tok");
    }

    #[test]
    fn a_slow_command_is_stopped_at_its_timeout() {
        let started = Instant::now();
        let e = command("sleep 30; echo late", true, 300)
            .fetch()
            .expect_err("too slow");
        assert!(started.elapsed() < Duration::from_secs(10));
        assert_eq!(
            e.to_string(),
            "password-command `sleep 30; echo late`: did not finish within 0.3 s \
             (password-command-timeout)"
        );
    }

    #[test]
    fn sources_are_described_without_the_secret() {
        let literal = SecretSource::Literal(Zeroizing::new("hunter2".into()));
        assert!(!literal.describe().contains("hunter2"));
        assert_eq!(
            SecretSource::Env("WORK_PASS".into()).describe(),
            "from environment variable WORK_PASS"
        );
        let missing = SecretSource::Env("SMTPX_TEST_SURELY_UNSET_VAR".into()).fetch();
        assert!(matches!(missing, Err(SecretError::Variable { .. })));
    }
}
