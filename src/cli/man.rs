//! `smtpx man`: the manual page, generated from the same clap definitions as `--help`
//! (clap_mangen), with the sections clap does not know: EXAMPLES, taken from the guide's
//! recipes (docs/GUIDE.md), EXIT STATUS, taken from the guide's exit code table, and FILES. Both
//! are read at build time, so the page cannot drift from the user's pages.
//!
//! Layer: CLI parsing (the page is made of the command definitions).

use std::io::Write;

use clap::CommandFactory;
use roff::{Roff, bold, roman};

/// The user guide, whose `## Recipes` section gives the EXAMPLES and whose exit code table
/// gives the EXIT STATUS.
const GUIDE: &str = include_str!("../../docs/GUIDE.md");

/// One recipe of the guide: what it answers, and the command (continuation lines joined by the
/// reader's eye, kept as written).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Recipe {
    pub question: String,
    pub command: Vec<String>,
}

/// The recipes of a `## Recipes` section (docs/GUIDE.md's): each `# comment` line followed
/// by its command lines.
pub fn recipes(guide: &str) -> Vec<Recipe> {
    let Some(section) = guide.split("\n## Recipes").nth(1) else {
        return Vec::new();
    };
    let Some(block) = section
        .split("```sh\n")
        .nth(1)
        .and_then(|b| b.split("\n```").next())
    else {
        return Vec::new();
    };
    let mut out: Vec<Recipe> = Vec::new();
    for line in block.lines() {
        if let Some(question) = line.strip_prefix("# ") {
            out.push(Recipe {
                question: question.trim().to_string(),
                command: Vec::new(),
            });
        } else if !line.trim().is_empty()
            && let Some(recipe) = out.last_mut()
        {
            recipe.command.push(line.trim_end().to_string());
        }
    }
    out.retain(|r| !r.command.is_empty());
    out
}

/// The rows (code, meaning) of the guide's exit code table, under "exit codes".
pub fn exit_codes(readme: &str) -> Vec<(String, String)> {
    let Some(after) = readme.split("exit codes**").nth(1) else {
        return Vec::new();
    };
    after
        .lines()
        .skip_while(|line| !line.starts_with('|'))
        .take_while(|line| line.starts_with('|'))
        .filter_map(|line| {
            let cells: Vec<&str> = line.trim_matches('|').split(" | ").map(str::trim).collect();
            match cells.as_slice() {
                [code, meaning] if code.chars().next().is_some_and(|c| c.is_ascii_digit()) => {
                    Some((code.to_string(), unmark(meaning)))
                }
                _ => None,
            }
        })
        .collect()
}

/// Markdown code marks dropped: a man page shows the words.
fn unmark(text: &str) -> String {
    text.replace('`', "")
}

/// The whole page as roff source.
pub fn page() -> Vec<u8> {
    let command = super::Cli::command();
    let man = clap_mangen::Man::new(command)
        .section("1")
        .manual("smtpx manual");
    let mut out = Vec::new();
    // Writing into a Vec cannot fail.
    let _ = man.render_title(&mut out);
    let _ = man.render_name_section(&mut out);
    let _ = man.render_synopsis_section(&mut out);
    let _ = man.render_description_section(&mut out);
    let _ = man.render_options_section(&mut out);
    commands_section(&mut out);
    let _ = extra_sections(GUIDE).to_writer(&mut out);
    let _ = man.render_version_section(&mut out);
    out
}

/// COMMANDS: each subcommand's summary and options, in this one page (clap_mangen's own
/// section points at a page per subcommand, which smtpx does not install).
fn commands_section(out: &mut Vec<u8>) {
    let root = super::Cli::command();
    let mut heading = Roff::new();
    heading.control("SH", ["COMMANDS"]);
    let _ = heading.to_writer(out);
    for sub in root.get_subcommands().filter(|c| !c.is_hide_set()) {
        let name = format!("smtpx {}", sub.get_name());
        let mut roff = Roff::new();
        roff.control("SS", [name.as_str()]);
        if let Some(about) = sub.get_long_about().or(sub.get_about()) {
            roff.text([roman(about.to_string())]);
        }
        let _ = roff.to_writer(out);
        let page = clap_mangen::Man::new(sub.clone());
        let mut options = Vec::new();
        let _ = page.render_options_section(&mut options);
        // Its options under the command's own heading, not a second OPTIONS section.
        let text = String::from_utf8_lossy(&options).replace(".SH OPTIONS\n", ".PP\n");
        out.extend_from_slice(text.as_bytes());
    }
}

/// EXAMPLES, EXIT STATUS, FILES and SEE ALSO.
fn extra_sections(guide: &str) -> Roff {
    let mut roff = Roff::new();
    roff.control("SH", ["EXAMPLES"]);
    for recipe in recipes(guide) {
        roff.control("TP", []);
        roff.text([roman(recipe.question)]);
        roff.control("nf", []);
        roff.control("RS", ["4"]);
        for line in recipe.command {
            roff.text([bold(line)]);
        }
        roff.control("RE", []);
        roff.control("fi", []);
    }
    roff.control("SH", ["EXIT STATUS"]);
    roff.text([roman(
        "The probe's exit code says where the session stopped:",
    )]);
    for (code, meaning) in exit_codes(guide) {
        roff.control("TP", []);
        roff.text([bold(code)]);
        roff.text([roman(meaning)]);
    }
    roff.control("PP", []);
    roff.text([roman(
        "The explorer exits with 0 when quit, 2 when it cannot run (no terminal, a target \
         that does not parse), and 128 + N after signal N.",
    )]);
    roff.control("SH", ["FILES"]);
    roff.control("TP", []);
    roff.text([bold("$XDG_CONFIG_HOME/smtpx/config.toml")]);
    roff.text([roman(
        "Profiles (smtpx @NAME, smtpx probe @NAME, smtpx scan @NAME); smtpx config init \
         writes a commented example, smtpx config list shows them.",
    )]);
    roff.control("TP", []);
    roff.text([bold("$XDG_STATE_HOME/smtpx/sessions/")]);
    roff.text([roman(
        "Session transcripts, one JSON Lines file per session (0600).",
    )]);
    roff.control("SH", ["SEE ALSO"]);
    roff.text([roman(
        "smtpx COMMAND --help for every option of a command; swaks(1), msmtp(1).",
    )]);
    roff
}

/// Writes the page to standard output; 0, or 1 when it cannot be written.
pub fn print() -> u8 {
    let mut stdout = std::io::stdout().lock();
    match stdout.write_all(&page()).and_then(|()| stdout.flush()) {
        Ok(()) => 0,
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => 0,
        Err(e) => {
            eprintln!("smtpx man: cannot write: {e}");
            1
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_guide_recipes_and_exit_codes_are_found() {
        let recipes = recipes(GUIDE);
        assert!(recipes.len() >= 5, "{recipes:?}");
        assert!(
            recipes
                .iter()
                .any(|r| r.command.iter().any(|c| c.starts_with("smtpx scan")))
        );
        // A command continued with `\` keeps its second line.
        assert!(recipes.iter().any(|r| r.command.len() > 1));
        let codes = exit_codes(GUIDE);
        assert_eq!(codes.first().map(|c| c.0.as_str()), Some("0"));
        assert!(codes.iter().any(|(code, _)| code.contains("23")));
    }
}
