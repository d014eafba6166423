//! `smtpx completions SHELL`: a completion script for bash, zsh, fish, elvish or
//! PowerShell, generated from the same clap definitions as `--help` — so the subcommands
//! and the values of every enumerated flag (`--quit-after`, `--tls-verify`, `--auth`, …)
//! complete, and can never disagree with what the parser takes.
//!
//! Layer: CLI parsing.

use std::io::Write;

use clap::{Args, CommandFactory};
use clap_complete::Shell;

/// `smtpx completions SHELL`.
#[derive(Debug, Clone, Args)]
#[command(after_help = "Install, for example:\n  \
    bash: smtpx completions bash > ~/.local/share/bash-completion/completions/smtpx\n  \
    zsh:  smtpx completions zsh > ~/.zfunc/_smtpx   (with fpath+=~/.zfunc before compinit)\n  \
    fish: smtpx completions fish > ~/.config/fish/completions/smtpx.fish")]
pub struct CompletionsArgs {
    /// The shell to write the completion script for.
    #[arg(value_enum)]
    pub shell: Shell,
}

/// The completion script for `shell`.
pub fn script(shell: Shell) -> Vec<u8> {
    let mut command = super::Cli::command();
    let mut out = Vec::new();
    clap_complete::generate(shell, &mut command, "smtpx", &mut out);
    out
}

/// Writes the script to standard output; 0, or 1 when standard output is closed early.
pub fn print(shell: Shell) -> u8 {
    let mut stdout = std::io::stdout().lock();
    match stdout
        .write_all(&script(shell))
        .and_then(|()| stdout.flush())
    {
        Ok(()) => 0,
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => 0,
        Err(e) => {
            eprintln!("smtpx completions: cannot write: {e}");
            1
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_shell_gets_a_script_naming_the_subcommands() {
        for shell in [
            Shell::Bash,
            Shell::Zsh,
            Shell::Fish,
            Shell::Elvish,
            Shell::PowerShell,
        ] {
            let text = String::from_utf8(script(shell)).expect("UTF-8");
            assert!(text.contains("probe"), "{shell}");
            assert!(text.contains("quit-after"), "{shell}");
        }
    }
}
