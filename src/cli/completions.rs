//! `smtpx completions SHELL`: a completion script for bash, zsh, fish, elvish or
//! PowerShell, generated from the same clap definitions as `--help` — so the subcommands
//! and the values of every enumerated flag (`--quit-after`, `--tls-verify`, `--auth`, …)
//! complete, and can never disagree with what the parser takes.
//!
//! Profile names are not in the clap definitions: they live in the config file. For bash,
//! zsh and fish a few lines added to the script complete `@NAME` wherever a word starts
//! with `@`, from `smtpx config list --names` run when Tab is pressed (so a new profile
//! completes without regenerating the script). The names are read line by line and never
//! expanded by the shell (no `compgen -W`, which would run `$(…)` in a name), and only
//! names made of letters, digits and `._+-` are offered: anything else would be inserted
//! into the command line for the shell to interpret.
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
    match shell {
        Shell::Bash => out.extend_from_slice(BASH_PROFILES.as_bytes()),
        Shell::Fish => out.extend_from_slice(FISH_PROFILES.as_bytes()),
        Shell::Zsh => {
            let subcommands: Vec<&str> = command
                .get_subcommands()
                .map(clap::Command::get_name)
                .collect();
            if let Some(with_profiles) = String::from_utf8(out.clone())
                .ok()
                .and_then(|text| zsh_with_profiles(&text, &subcommands))
            {
                out = with_profiles.into_bytes();
            }
        }
        _ => {}
    }
    out
}

/// Zsh runs the file as the body of `_smtpx` (`#compdef smtpx`), which defines clap's
/// `_smtpx` and calls it. clap's function is renamed `_smtpx_clap` and a `_smtpx` that
/// completes `@…` itself and hands everything else on is put before that call. `None` when
/// clap_complete's script no longer has the shape expected (a test says so).
///
/// clap's zsh script takes the explorer's `HOST` as the first word and looks for the
/// subcommand in the second, so `smtpx pro<Tab>` would complete files. The wrapper
/// completes the subcommands in the first word and, when the first word is one, puts a
/// stand-in host before it for clap's function.
fn zsh_with_profiles(script: &str, subcommands: &[&str]) -> Option<String> {
    const DEFINITION: &str = "\n_smtpx() {\n";
    const ENTRY: &str = "\nif [ \"$funcstack[1]\" = \"_smtpx\" ]; then\n";
    if script.matches(DEFINITION).count() != 1
        || script.matches(ENTRY).count() != 1
        || !script.contains("\n_smtpx_commands() {\n")
        || !script.contains("case $line[2] in")
    {
        return None;
    }
    let renamed = script.replacen(DEFINITION, "\n_smtpx_clap() {\n", 1);
    let wrapper = ZSH_WRAPPER.replace("SUBCOMMANDS", &subcommands.join(" "));
    Some(renamed.replacen(ENTRY, &format!("{wrapper}{ENTRY}"), 1))
}

/// Zsh's `_smtpx`: `@…` completes profile names (compadd filters them by the prefix); the
/// first word completes the subcommands; a subcommand's words go to clap's function after a
/// stand-in host.
const ZSH_WRAPPER: &str = r#"
# smtpx @PROFILE: profile names from the config file (smtpx config list --names).
_smtpx() {
    if [[ $PREFIX == @* ]]; then
        local -a names
        local name
        for name in ${(f)"$(${words[1]} config list --names 2>/dev/null)"}; do
            [[ $name =~ '^[A-Za-z0-9._+-]+$' ]] && names+=("@$name")
        done
        compadd -a names
        return
    fi
    local -a subcommands
    subcommands=(SUBCOMMANDS)
    if (( CURRENT == 2 )) && [[ $PREFIX != -* ]]; then
        _smtpx_commands
        return
    fi
    if (( CURRENT > 2 && ${subcommands[(Ie)${words[2]}]} )); then
        words=("${words[1]}" _ "${words[@]:1}")
        (( CURRENT += 1 ))
    fi
    _smtpx_clap "$@"
}
"#;

/// Bash: `@…` completes profile names, anything else goes to clap's `_smtpx`. `$1` is
/// the command as typed, so the same binary reads the same config file. The word is taken
/// from the line itself: `@` is in bash's default `COMP_WORDBREAKS`, which splits `@w`
/// into two words in `COMP_WORDS` (readline still replaces the whole `@w`).
const BASH_PROFILES: &str = r#"
# smtpx @PROFILE: profile names from the config file (smtpx config list --names).
_smtpx_profiles() {
    local line="${COMP_LINE:0:COMP_POINT}"
    local word="${line##*[[:space:]]}"
    if [[ "$word" == @* ]]; then
        COMPREPLY=()
        local name
        while IFS= read -r name; do
            [[ "$name" =~ ^[A-Za-z0-9._+-]+$ && "@$name" == "$word"* ]] && COMPREPLY+=("@$name")
        done < <("$1" config list --names 2>/dev/null)
        return 0
    fi
    _smtpx "$@"
}
if [[ "${BASH_VERSINFO[0]}" -eq 4 && "${BASH_VERSINFO[1]}" -ge 4 || "${BASH_VERSINFO[0]}" -gt 4 ]]; then
    complete -F _smtpx_profiles -o nosort -o bashdefault -o default smtpx
else
    complete -F _smtpx_profiles -o bashdefault -o default smtpx
fi
"#;

/// Fish: the profile names as candidates when the token starts with `@` (fish filters them
/// by what was typed).
const FISH_PROFILES: &str = r#"
# smtpx @PROFILE: profile names from the config file (smtpx config list --names).
complete -c smtpx -n 'string match -q -- "@*" (commandline -ct)' -f -a '(smtpx config list --names 2>/dev/null | string match -r -- "^[A-Za-z0-9._+-]+\$" | string replace -r -- "^" "@")' -d 'profile'
"#;

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

    #[test]
    fn zsh_gets_the_profile_hook_around_clap_completion() {
        let text = String::from_utf8(script(Shell::Zsh)).expect("UTF-8");
        // If clap_complete changes its script's shape, this fails rather than the hook
        // silently going missing.
        assert!(text.contains("\n_smtpx_clap() {\n"), "{text}");
        assert!(text.contains("_smtpx_clap \"$@\""), "{text}");
        assert_eq!(text.matches("\n_smtpx() {\n").count(), 1);
        let hook = text.find("config list --names").expect("the hook");
        let entry = text.find("if [ \"$funcstack[1]\"").expect("the entry");
        assert!(hook < entry);
        // The subcommands the wrapper knows are clap's own.
        assert!(
            text.contains("subcommands=(probe serve demo learn explain scan"),
            "{}",
            &text[hook..entry]
        );
    }
}
