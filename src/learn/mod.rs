//! Guided lessons (`smtpx learn`): each a short goal, a few sentences of why, and steps that
//! smtpx checks from the session's own events — what the server answered, not what was typed.
//!
//! Lessons are data: one TOML file per lesson in `lessons/` (embedded at build time, in
//! name order), or in a directory given with `smtpx learn --lessons DIR`. A file names the
//! sandbox behaviour the lesson needs and, per step, a declarative condition over session
//! events ([`Condition`]), a hint shown after a wrong step, and the commands that solve it
//! (the tests run every lesson to its end with them).
//!
//! Layer: learn (pure: lesson files in, lesson values out; the checks fold events).

use std::path::Path;

use serde::Deserialize;

pub mod check;
pub mod progress;

pub use check::{LessonRun, StepState};

/// The lesson files built into the binary: (file name, contents).
const BUILTIN: &[(&str, &str)] = include!(concat!(env!("OUT_DIR"), "/lessons.rs"));

/// One lesson.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Lesson {
    /// The file name without `.toml`: the lesson's id (progress is kept by it).
    #[serde(skip)]
    pub id: String,
    pub title: String,
    /// One sentence: what the learner will have done.
    pub goal: String,
    /// A few sentences: why it matters, with the RFC section.
    pub why: String,
    /// Shown when the lesson is finished, beside the session's sequence diagram.
    pub recap: String,
    #[serde(default)]
    pub sandbox: SandboxNeeds,
    #[serde(rename = "step")]
    pub steps: Vec<Step>,
}

/// The sandbox behaviour a lesson needs (the sandbox of `smtpx learn` is started with it).
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SandboxNeeds {
    /// Submission rules: STARTTLS before AUTH, AUTH before MAIL.
    #[serde(default)]
    pub submission: bool,
    /// Greylist the first attempt of each sender and recipient pair (`451 4.7.1`).
    #[serde(default)]
    pub greylist: bool,
    /// Refuse relaying: recipients outside these domains get `554 5.7.1` unless the client
    /// authenticated.
    #[serde(default)]
    pub local_domains: Vec<String>,
    /// Connect to the implicit-TLS port (RFC 8314) instead of the plaintext one.
    #[serde(default)]
    pub implicit_tls: bool,
}

/// One step: what to do, how smtpx knows it was done, and what helps after a wrong try.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Step {
    /// What to do, in a sentence (may name what to type).
    #[serde(rename = "do")]
    pub task: String,
    /// When the step counts as done.
    pub when: Condition,
    /// Shown when a reply refuses or does not match while this step is current.
    #[serde(default)]
    pub hint: Option<String>,
    /// Lines that solve the step in the explorer (commands, `/starttls`, message lines);
    /// the tests play them, and `/lesson solve` shows them.
    #[serde(default, rename = "try")]
    pub solution: Vec<String>,
}

/// A condition over session events; every key given must hold. Matched against each reply
/// with the command it answers (an "exchange"), or against an event named by `event`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Condition {
    /// The command answered starts with this (case-insensitive): `EHLO`, `MAIL FROM`,
    /// `AUTH PLAIN`; `<message` for message content.
    #[serde(default)]
    pub command: Option<String>,
    /// The reply's code, or its class: `250`, `2xx`, `5xx`.
    #[serde(default)]
    pub reply: Option<String>,
    /// The reply's text holds this (case-insensitive).
    #[serde(default)]
    pub reply_contains: Option<String>,
    /// The command as shown holds this (case-insensitive), e.g. `dot-stuffed`.
    #[serde(default)]
    pub sent_contains: Option<String>,
    /// The message content had at least one dot-stuffed line (`true`: a line starting with
    /// a dot went out with the dot doubled, RFC 5321 §4.5.2).
    #[serde(default)]
    pub dot_stuffed: Option<bool>,
    /// The exchange happened inside TLS (`true`) or in plaintext (`false`).
    #[serde(default)]
    pub tls: Option<bool>,
    /// An event instead of an exchange: `tls` (a handshake completed), `tls-on-connect` (the
    /// handshake came before the greeting: implicit TLS), `verified` (a handshake whose
    /// certificate verdict passed), `closed`.
    #[serde(default)]
    pub event: Option<String>,
}

/// Why a lesson file cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum LessonError {
    #[error("{file}: {message}")]
    Parse { file: String, message: String },
    #[error("{file}: {message}")]
    Invalid { file: String, message: String },
    #[error("{dir}: {source}")]
    Read {
        dir: String,
        #[source]
        source: std::io::Error,
    },
}

/// The events a condition may name.
const EVENTS: &[&str] = &["tls", "tls-on-connect", "verified", "closed"];

impl Lesson {
    /// Parses one lesson file; `file` names it in errors and gives the id.
    pub fn parse(file: &str, text: &str) -> Result<Lesson, LessonError> {
        let mut lesson: Lesson = toml::from_str(text).map_err(|e| LessonError::Parse {
            file: file.to_string(),
            message: e.to_string(),
        })?;
        lesson.id = file.trim_end_matches(".toml").to_string();
        lesson.validate(file)?;
        Ok(lesson)
    }

    fn validate(&self, file: &str) -> Result<(), LessonError> {
        let invalid = |message: String| LessonError::Invalid {
            file: file.to_string(),
            message,
        };
        if self.steps.is_empty() {
            return Err(invalid("a lesson needs at least one [[step]]".into()));
        }
        for (i, step) in self.steps.iter().enumerate() {
            let n = i + 1;
            let c = &step.when;
            if *c == Condition::default() {
                return Err(invalid(format!("step {n}: `when` names no condition")));
            }
            if let Some(event) = &c.event {
                if !EVENTS.contains(&event.as_str()) {
                    return Err(invalid(format!(
                        "step {n}: unknown event {event:?} (known: {})",
                        EVENTS.join(", ")
                    )));
                }
                if c.command.is_some() || c.reply.is_some() {
                    return Err(invalid(format!(
                        "step {n}: `event` stands alone (no `command` or `reply` with it)"
                    )));
                }
            }
            if let Some(reply) = &c.reply
                && check::ReplyPattern::parse(reply).is_none()
            {
                return Err(invalid(format!(
                    "step {n}: reply {reply:?} is neither a code (250) nor a class (2xx)"
                )));
            }
        }
        Ok(())
    }
}

/// Text of a lesson file as lines to show: the lines of a paragraph joined (the screen
/// wraps them), an indented line (a command to type) kept as it is.
pub fn paragraphs(text: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let mut joining = false;
    for line in text.lines() {
        if line.trim().is_empty() {
            joining = false;
        } else if line.starts_with(' ') {
            out.push(line.to_string());
            joining = false;
        } else if joining && let Some(last) = out.last_mut() {
            last.push(' ');
            last.push_str(line.trim());
        } else {
            out.push(line.trim().to_string());
            joining = true;
        }
    }
    out
}

/// The lessons built into smtpx, in order.
pub fn builtin() -> Result<Vec<Lesson>, LessonError> {
    BUILTIN
        .iter()
        .map(|(file, text)| Lesson::parse(file, text))
        .collect()
}

/// The lessons in a directory (`*.toml`, in name order): a teacher's own.
pub fn load_dir(dir: &Path) -> Result<Vec<Lesson>, LessonError> {
    let read = |source| LessonError::Read {
        dir: dir.display().to_string(),
        source,
    };
    let mut files: Vec<_> = std::fs::read_dir(dir)
        .map_err(read)?
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "toml"))
        .collect();
    files.sort();
    files
        .iter()
        .map(|path| {
            let name = path
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            let text = std::fs::read_to_string(path).map_err(read)?;
            Lesson::parse(&name, &text)
        })
        .collect()
}

/// The lesson a person named: its number in the list (from 1) or its id, or a unique
/// prefix of its id.
pub fn find<'a>(lessons: &'a [Lesson], name: &str) -> Option<&'a Lesson> {
    if let Ok(n) = name.parse::<usize>() {
        return n.checked_sub(1).and_then(|i| lessons.get(i));
    }
    if let Some(exact) = lessons.iter().find(|l| l.id == name) {
        return Some(exact);
    }
    let mut matches = lessons.iter().filter(|l| {
        l.id.starts_with(name)
            || l.id
                .split_once('-')
                .is_some_and(|(_, rest)| rest.starts_with(name))
    });
    match (matches.next(), matches.next()) {
        (Some(one), None) => Some(one),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_shipped_lessons_parse_and_there_are_at_least_ten() {
        let lessons = builtin().expect("every shipped lesson parses");
        assert!(lessons.len() >= 10, "{} lessons", lessons.len());
        for lesson in &lessons {
            assert!(!lesson.title.is_empty(), "{}", lesson.id);
            for (i, step) in lesson.steps.iter().enumerate() {
                // Only a step done by connecting needs nothing typed.
                assert!(
                    !step.solution.is_empty() || step.when.event.is_some(),
                    "{} step {}: a solution for the tests",
                    lesson.id,
                    i + 1
                );
            }
        }
    }

    #[test]
    fn unknown_keys_and_bad_conditions_are_named() {
        let base = "title='t'\ngoal='g'\nwhy='w'\nrecap='r'\n";
        let unknown = format!("{base}colour='red'\n[[step]]\ndo='x'\nwhen={{command='EHLO'}}\n");
        let e = Lesson::parse("x.toml", &unknown).expect_err("unknown key");
        assert!(e.to_string().contains("colour"), "{e}");
        let empty = format!("{base}[[step]]\ndo='x'\nwhen={{}}\n");
        let e = Lesson::parse("x.toml", &empty).expect_err("no condition");
        assert!(e.to_string().contains("names no condition"), "{e}");
        let bad = format!("{base}[[step]]\ndo='x'\nwhen={{reply='2yz'}}\n");
        let e = Lesson::parse("x.toml", &bad).expect_err("bad reply");
        assert!(e.to_string().contains("2yz"), "{e}");
        let event = format!("{base}[[step]]\ndo='x'\nwhen={{event='tea'}}\n");
        let e = Lesson::parse("x.toml", &event).expect_err("bad event");
        assert!(e.to_string().contains("tea"), "{e}");
        let none = format!("{base}\n");
        assert!(Lesson::parse("x.toml", &none).is_err());
    }

    #[test]
    fn paragraphs_join_their_lines_and_keep_indented_ones() {
        let text = "One line\nand its rest.\n  printf x | base64\nwhich gives\nthis.\n\nNew.";
        assert_eq!(
            paragraphs(text),
            [
                "One line and its rest.",
                "  printf x | base64",
                "which gives this.",
                "New."
            ]
        );
    }

    #[test]
    fn a_lesson_is_found_by_number_id_or_prefix() {
        let lessons = builtin().expect("lessons");
        assert_eq!(find(&lessons, "1").map(|l| &l.id), Some(&lessons[0].id));
        assert!(find(&lessons, "0").is_none());
        let id = &lessons[1].id;
        assert_eq!(find(&lessons, id).map(|l| &l.id), Some(id));
        let (_, name) = id.split_once('-').expect("NN-name ids");
        assert_eq!(find(&lessons, name).map(|l| &l.id), Some(id));
    }
}
