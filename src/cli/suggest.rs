//! A mistyped subcommand: `smtpx prob host` reads as the explorer's HOST `prob` followed by
//! a stray word, and clap's own message ("subcommand 'host' cannot be used with
//! '<HOST[:PORT]>'") sends the person the wrong way. When the command line does not parse
//! and its first word looks like no host but is close to a command, the nearest command is
//! suggested instead.
//!
//! Layer: CLI parsing.

use std::ffi::OsString;

use clap::CommandFactory;

/// The first word when it is a subcommand mistyped, and the command meant.
pub fn mistyped_command(args: &[OsString]) -> Option<(String, String)> {
    let first = args.get(1)?.to_str()?;
    if first.starts_with('-') || looks_like_a_host(first) {
        return None;
    }
    let command = super::Cli::command();
    let names: Vec<String> = command
        .get_subcommands()
        .map(|c| c.get_name().to_string())
        .collect();
    if names.iter().any(|n| n == first) {
        return None;
    }
    let meant = crate::config::nearest(first, names.iter().map(String::as_str))
        .map(String::from)
        .or_else(|| {
            // A prefix of exactly one command (`pro` for `probe`).
            let mut starting = names
                .iter()
                .filter(|n| first.len() >= 2 && n.starts_with(first));
            match (starting.next(), starting.next()) {
                (Some(one), None) => Some(one.clone()),
                _ => None,
            }
        })?;
    Some((first.to_string(), meant))
}

/// A host, an address, `HOST:PORT`, `[IPv6]` or `@profile`: never taken for a command.
fn looks_like_a_host(word: &str) -> bool {
    word.contains(['.', ':', '[', '@']) || word.eq_ignore_ascii_case("localhost")
}

/// What to say for a mistyped command: the command meant, with the rest of the line.
pub fn message(args: &[OsString], typed: &str, meant: &str) -> String {
    let rest: Vec<String> = args
        .iter()
        .skip(2)
        .map(|a| crate::proto::text::escape_str(&a.to_string_lossy()))
        .collect();
    let mut line = format!("smtpx {meant}");
    for word in rest {
        line.push(' ');
        line.push_str(&word);
    }
    format!(
        "smtpx: `{}` is not a command; did you mean `{meant}`?\n  {line}\n(smtpx --help lists \
         the commands; smtpx HOST[:PORT] opens the explorer)",
        crate::proto::text::escape_str(typed)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(words: &[&str]) -> Option<String> {
        let args: Vec<OsString> = std::iter::once("smtpx")
            .chain(words.iter().copied())
            .map(OsString::from)
            .collect();
        mistyped_command(&args).map(|(_, meant)| meant)
    }

    #[test]
    fn a_word_close_to_a_command_is_taken_for_it() {
        assert_eq!(check(&["prob", "127.0.0.1:2525"]).as_deref(), Some("probe"));
        assert_eq!(check(&["sacn", "h"]).as_deref(), Some("scan"));
        assert_eq!(check(&["replya", "f"]).as_deref(), Some("replay"));
        assert_eq!(check(&["pro", "h"]).as_deref(), Some("probe"));
    }

    #[test]
    fn hosts_and_real_commands_are_left_alone() {
        assert_eq!(check(&["probe.example.com", "x"]), None);
        assert_eq!(check(&["prob:25", "x"]), None);
        assert_eq!(check(&["@prob", "x"]), None);
        assert_eq!(check(&["probe", "h"]), None);
        assert_eq!(check(&["--tls-on-connect", "h"]), None);
        assert_eq!(check(&["mx", "h"]), None);
    }
}
