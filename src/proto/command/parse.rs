//! Classifier for lines a person types at the prompt: which [`Command`] was sent, and how the line
//! strays from the grammar of [RFC 5321 §4.1](https://www.rfc-editor.org/rfc/rfc5321#section-4.1).
//!
//! Layer: protocol core (`proto`), sans-IO. A child of [`command`](crate::proto::command), which
//! re-exports everything here.
//!
//! Classifying never fails: servers are lenient in different ways and an explorer must let a person
//! send anything, so deviations become [`LineIssue`]s. A known verb whose arguments do not fit its
//! grammar becomes [`Command::Other`] (the server will most likely answer 501, leaving the session
//! where it was); `MAIL FROM:a@b` without brackets stays [`Command::Mail`] because many servers
//! accept it and the session must then know a mail transaction began.

use zeroize::Zeroizing;

use super::{Command, InitialResponse, Param, PathScan, is_space, scan_path};

/// A typed line, classified.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParsedLine {
    /// What the session should take as sent.
    pub command: Command,
    /// Grammar deviations; empty when `command.encode()` gives back the line (up to verb case and
    /// spacing).
    pub issues: Vec<LineIssue>,
}

/// How a typed line strays from the command grammar.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LineIssue {
    /// Nothing but whitespace was typed.
    Empty,
    /// CR, LF or NUL inside the line; [`Command::encode`] refuses it — raw mode sends it on purpose.
    ControlCharacter,
    /// `MAIL FROM: <a@b>`: RFC 5321 allows no space around the colon
    /// ([§4.1.1.2](https://www.rfc-editor.org/rfc/rfc5321#section-4.1.1.2)); many servers accept it.
    SpaceAroundColon,
    /// `MAIL FROM:a@b`: the path has no angle brackets
    /// ([§4.1.2](https://www.rfc-editor.org/rfc/rfc5321#section-4.1.2)).
    MissingAngleBrackets,
    /// `MAIL FROM:<a@b>SIZE=1`: no space between the path and the parameters.
    MissingSpaceBeforeParameters,
    /// The arguments do not fit the verb's grammar, so the line was classified as
    /// [`Command::Other`].
    Malformed { reason: &'static str },
}

/// Classifies one typed line (a trailing CRLF or LF is ignored). Verbs are case-insensitive;
/// unknown verbs become [`Command::Other`] with the verb as typed.
///
/// This does not know about AUTH exchanges: after `AUTH` and a 334 reply the next line is a SASL
/// response, not a command — see
/// [`awaits_sasl_response`](crate::proto::auth::awaits_sasl_response) and
/// [`parse_sasl_response_line`](crate::proto::auth::parse_sasl_response_line).
pub fn parse_command_line(line: &str) -> ParsedLine {
    let line = line
        .strip_suffix("\r\n")
        .or_else(|| line.strip_suffix('\n'))
        .unwrap_or(line);
    let mut issues = Vec::new();
    if line.contains(['\r', '\n', '\0']) {
        issues.push(LineIssue::ControlCharacter);
    }
    let line = line.trim_matches(is_space);
    let (verb, rest) = line.split_once(is_space).unwrap_or((line, ""));
    let rest = rest.trim_start_matches(is_space);
    if verb.is_empty() {
        issues.push(LineIssue::Empty);
    }
    let command = match classify(&verb.to_ascii_uppercase(), rest, &mut issues) {
        Ok(Some(command)) => command,
        Ok(None) => other(verb, rest),
        Err(reason) => {
            issues.push(LineIssue::Malformed { reason });
            other(verb, rest)
        }
    };
    ParsedLine { command, issues }
}

fn other(verb: &str, rest: &str) -> Command {
    Command::Other {
        verb: verb.to_owned(),
        args: (!rest.is_empty()).then(|| rest.to_owned()),
    }
}

/// `Ok(None)` for a verb this module does not know.
fn classify(
    verb: &str,
    rest: &str,
    issues: &mut Vec<LineIssue>,
) -> Result<Option<Command>, &'static str> {
    let no_args = |command| {
        if rest.is_empty() {
            Ok(command)
        } else {
            Err("this command takes no arguments")
        }
    };
    let optional = || (!rest.is_empty()).then(|| rest.to_owned());
    let command = match verb {
        "HELO" => Command::Helo(domain(rest)?),
        "EHLO" => Command::Ehlo(domain(rest)?),
        "LHLO" => Command::Lhlo(domain(rest)?),
        "MAIL" => {
            let (from, params) = path_and_params(rest, "FROM", issues)?;
            Command::Mail { from, params }
        }
        "RCPT" => {
            let (to, params) = path_and_params(rest, "TO", issues)?;
            Command::Rcpt { to, params }
        }
        "DATA" => no_args(Command::Data)?,
        "RSET" => no_args(Command::Rset)?,
        "QUIT" => no_args(Command::Quit)?,
        "STARTTLS" => no_args(Command::StartTls)?,
        "BDAT" => bdat(rest)?,
        "NOOP" => Command::Noop(optional()),
        "HELP" => Command::Help(optional()),
        "VRFY" => Command::Vrfy(rest.to_owned()),
        "EXPN" => Command::Expn(rest.to_owned()),
        "AUTH" => auth(rest)?,
        _ => return Ok(None),
    };
    Ok(Some(command))
}

fn words(rest: &str) -> impl Iterator<Item = &str> {
    rest.split(is_space).filter(|word| !word.is_empty())
}

fn domain(rest: &str) -> Result<String, &'static str> {
    if rest.contains(is_space) {
        return Err("the domain contains whitespace");
    }
    Ok(rest.to_owned())
}

/// `BDAT size [LAST]` ([RFC 3030 §2](https://www.rfc-editor.org/rfc/rfc3030#section-2)).
fn bdat(rest: &str) -> Result<Command, &'static str> {
    let mut words = words(rest);
    let size = words
        .next()
        .filter(|size| size.bytes().all(|b| b.is_ascii_digit()))
        .and_then(|size| size.parse::<u64>().ok())
        .ok_or("BDAT needs a chunk size in octets")?;
    let last = match words.next() {
        None => false,
        Some(word) if word.eq_ignore_ascii_case("LAST") => true,
        Some(_) => return Err("BDAT's second argument can only be LAST"),
    };
    if words.next().is_some() {
        return Err("BDAT takes a size and LAST only");
    }
    Ok(Command::Bdat { size, last })
}

/// `AUTH mechanism [initial-response]` ([RFC 4954 §4](https://www.rfc-editor.org/rfc/rfc4954#section-4)).
fn auth(rest: &str) -> Result<Command, &'static str> {
    let mut words = words(rest);
    let mechanism = words.next().ok_or("AUTH needs a mechanism name")?;
    let initial_response = words.next().map(|text| match text {
        "=" => InitialResponse::Empty,
        _ => InitialResponse::Base64(Zeroizing::new(text.to_owned())),
    });
    if words.next().is_some() {
        return Err("AUTH takes a mechanism and at most one initial response");
    }
    Ok(Command::Auth {
        mechanism: mechanism.to_owned(),
        initial_response,
    })
}

/// `FROM:<path> params` / `TO:<path> params`
/// ([RFC 5321 §4.1.1.2](https://www.rfc-editor.org/rfc/rfc5321#section-4.1.1.2)).
fn path_and_params(
    rest: &str,
    keyword: &str,
    issues: &mut Vec<LineIssue>,
) -> Result<(String, Vec<Param>), &'static str> {
    let missing = if keyword == "FROM" {
        "MAIL needs FROM:<reverse-path>"
    } else {
        "RCPT needs TO:<forward-path>"
    };
    let after_keyword = rest
        .get(..keyword.len())
        .filter(|head| head.eq_ignore_ascii_case(keyword))
        .and_then(|_| rest.get(keyword.len()..))
        .ok_or(missing)?;
    let before_colon = after_keyword.trim_start_matches(is_space);
    let after_colon = before_colon.strip_prefix(':').ok_or(missing)?;
    let path_start = after_colon.trim_start_matches(is_space);
    if before_colon.len() != after_keyword.len() || path_start.len() != after_colon.len() {
        issues.push(LineIssue::SpaceAroundColon);
    }
    let (path, tail) = match path_start.strip_prefix('<') {
        Some(inner) => match scan_path(inner) {
            PathScan::Closed(end) => (
                inner.get(..end).unwrap_or(""),
                inner.get(end + 1..).unwrap_or(""),
            ),
            PathScan::Open { .. } => return Err("the '<' has no matching '>'"),
        },
        None => {
            issues.push(LineIssue::MissingAngleBrackets);
            let (path, tail) = path_start
                .find(is_space)
                .map_or((path_start, ""), |end| path_start.split_at(end));
            if path.is_empty() {
                return Err("the path is missing");
            }
            (path, tail)
        }
    };
    if !tail.is_empty() && !tail.starts_with(is_space) {
        issues.push(LineIssue::MissingSpaceBeforeParameters);
    }
    let params = words(tail)
        .map(|word| match word.split_once('=') {
            Some(("", _)) => Err("a parameter has no keyword"),
            Some((keyword, value)) => Ok(Param::with_value(keyword, value)),
            None => Ok(Param::flag(word)),
        })
        .collect::<Result<Vec<_>, _>>()?;
    Ok((path.to_owned(), params))
}
