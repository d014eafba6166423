//! The prompt's memory and helpers: line history (Up/Down, kept across runs by the loop)
//! and Tab completion of SMTP verbs, their parameters and `/commands`.
//!
//! Layer: app state (no terminal, no files: the loop loads and appends the history file).

use crate::proto::capability::Capabilities;
use crate::proto::session::Session;

use crate::app::keymap::SLASH_COMMANDS;

/// Most lines kept in memory and in the file.
pub const HISTORY_LIMIT: usize = 1000;

/// Lines sent before, oldest first, and where Up/Down currently is.
#[derive(Debug, Clone, Default)]
pub struct History {
    lines: Vec<String>,
    /// Index into `lines` while browsing; `None` at the live line.
    position: Option<usize>,
    /// The line being typed when browsing started.
    draft: String,
}

impl History {
    pub fn new(lines: Vec<String>) -> History {
        let skip = lines.len().saturating_sub(HISTORY_LIMIT);
        History {
            lines: lines.into_iter().skip(skip).collect(),
            position: None,
            draft: String::new(),
        }
    }

    pub fn lines(&self) -> &[String] {
        &self.lines
    }

    /// Remembers a sent line (not twice in a row) and returns to the live line.
    pub fn push(&mut self, line: &str) {
        self.position = None;
        if self.lines.last().map(String::as_str) != Some(line) {
            self.lines.push(line.to_string());
        }
        if self.lines.len() > HISTORY_LIMIT {
            self.lines.remove(0);
        }
    }

    /// The line before the one shown; `current` is kept to come back to.
    pub fn previous(&mut self, current: &str) -> Option<String> {
        let next = match self.position {
            None => {
                self.draft = current.to_string();
                self.lines.len().checked_sub(1)?
            }
            Some(0) => return None,
            Some(i) => i - 1,
        };
        self.position = Some(next);
        self.lines.get(next).cloned()
    }

    /// The line after the one shown, or the draft at the end.
    pub fn forward(&mut self) -> Option<String> {
        let i = self.position?;
        if i + 1 < self.lines.len() {
            self.position = Some(i + 1);
            self.lines.get(i + 1).cloned()
        } else {
            self.position = None;
            Some(std::mem::take(&mut self.draft))
        }
    }

    pub fn reset(&mut self) {
        self.position = None;
    }
}

/// Tab cycling: the candidates for what was typed, and which one is shown.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Completion {
    pub candidates: Vec<String>,
    pub index: usize,
}

impl Completion {
    pub fn current(&self) -> Option<&str> {
        self.candidates.get(self.index).map(String::as_str)
    }
}

/// Verbs in the order a session usually uses them
/// ([RFC 5321 §4.1.1](https://www.rfc-editor.org/rfc/rfc5321#section-4.1.1)).
const VERBS: &[&str] = &[
    "EHLO ",
    "HELO ",
    "LHLO ",
    "STARTTLS",
    "AUTH ",
    "MAIL FROM:<",
    "RCPT TO:<",
    "DATA",
    "BDAT ",
    "RSET",
    "NOOP",
    "VRFY ",
    "EXPN ",
    "HELP",
    "QUIT",
];

const MECHANISMS: &[&str] = &["PLAIN", "LOGIN", "CRAM-MD5", "XOAUTH2", "OAUTHBEARER"];

/// MAIL parameters and the extension keyword that allows each (`None`: always listed).
const MAIL_PARAMS: &[(&str, &str)] = &[
    ("SIZE=", "SIZE"),
    ("BODY=8BITMIME", "8BITMIME"),
    ("BODY=BINARYMIME", "BINARYMIME"),
    ("SMTPUTF8", "SMTPUTF8"),
    ("RET=HDRS", "DSN"),
    ("RET=FULL", "DSN"),
    ("ENVID=", "DSN"),
    ("AUTH=<>", "AUTH"),
    ("REQUIRETLS", "REQUIRETLS"),
];

const RCPT_PARAMS: &[(&str, &str)] = &[
    ("NOTIFY=SUCCESS,FAILURE", "DSN"),
    ("NOTIFY=NEVER", "DSN"),
    ("ORCPT=rfc822;", "DSN"),
];

/// Whole-line candidates for Tab. `raw`: only `/commands` complete.
pub fn candidates(input: &str, session: &Session, raw: bool) -> Vec<String> {
    if input.starts_with('/') && !input.contains(' ') {
        return SLASH_COMMANDS
            .iter()
            .map(|(name, _)| *name)
            .filter(|name| name.starts_with(&input.to_ascii_lowercase()))
            .map(|name| format!("{name} "))
            .collect();
    }
    if raw || input.starts_with('/') {
        return Vec::new();
    }
    let caps = session.capabilities();
    let upper = input.to_ascii_uppercase();
    let Some((verb, _)) = upper.split_once(' ') else {
        return verbs(&upper, session);
    };
    // Complete the last word; keep everything before it as typed.
    let start = input.rfind(' ').map_or(0, |i| i + 1);
    let (head, word) = input.split_at(start);
    let word = word.to_ascii_uppercase();
    let words: Vec<String> = match verb {
        "AUTH" if head.trim_end().eq_ignore_ascii_case("AUTH") => {
            let offered: Vec<String> = caps
                .map(Capabilities::auth_mechanisms)
                .unwrap_or_default()
                .into_iter()
                .filter(|m| crate::proto::auth::is_mechanism_name(m))
                .collect();
            if offered.is_empty() {
                MECHANISMS.iter().map(|m| format!("{m} ")).collect()
            } else {
                offered.into_iter().map(|m| format!("{m} ")).collect()
            }
        }
        // Postfix's XCLIENT and XFORWARD take `ATTR=VALUE` pairs, of the attributes the
        // EHLO reply lists; those already on the line are not offered again.
        "XCLIENT" | "XFORWARD" => {
            let offered = match verb {
                "XCLIENT" => caps.and_then(Capabilities::xclient_attributes),
                _ => caps.and_then(Capabilities::xforward_attributes),
            };
            let typed = head.to_ascii_uppercase();
            offered
                .unwrap_or_default()
                .into_iter()
                .filter(|a| !typed.contains(&format!(" {a}=")))
                .map(|a| format!("{a}="))
                .collect()
        }
        "MAIL" if head.contains('>') => parameters(MAIL_PARAMS, caps),
        "RCPT" if head.contains('>') => parameters(RCPT_PARAMS, caps),
        _ => Vec::new(),
    };
    words
        .into_iter()
        .filter(|w| w.to_ascii_uppercase().starts_with(&word))
        .map(|w| format!("{head}{w}"))
        .collect()
}

/// Verbs starting with what was typed; those valid now first. XCLIENT and XFORWARD only
/// where the server advertises them.
fn verbs(typed: &str, session: &Session) -> Vec<String> {
    let valid: Vec<&str> = session.valid_next().iter().map(|s| s.verb).collect();
    let caps = session.capabilities();
    let private = [
        ("XCLIENT ", caps.and_then(Capabilities::xclient_attributes)),
        (
            "XFORWARD ",
            caps.and_then(Capabilities::xforward_attributes),
        ),
    ];
    let mut out: Vec<String> = VERBS
        .iter()
        .copied()
        .chain(
            private
                .iter()
                .filter(|(_, offered)| offered.is_some())
                .map(|(verb, _)| *verb),
        )
        .filter(|v| v.starts_with(typed))
        .map(|v| v.to_string())
        .collect();
    out.sort_by_key(|v| {
        !valid.contains(
            &v.trim_end_matches([' ', ':', '<'])
                .split(' ')
                .next()
                .unwrap_or(""),
        )
    });
    out
}

fn parameters(table: &[(&str, &str)], caps: Option<&Capabilities>) -> Vec<String> {
    table
        .iter()
        .filter(|(_, keyword)| caps.is_none_or(|c| c.has(keyword)))
        .map(|(p, _)| p.to_string())
        .collect()
}
