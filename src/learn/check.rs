//! Checking a lesson from the session's events: each reply is matched, with the command it
//! answers, against the current step's [`Condition`]; a match moves to the next step, a
//! refusal or a mismatch on the step's command leaves a hint. A step can only be done
//! by what the server did — typing the right words is not enough.
//!
//! Layer: learn (pure).

use std::collections::VecDeque;

use super::{Condition, Lesson};
use crate::event::{Layer, SessionEvent};
use crate::proto::reply::Reply;

/// A reply code (`250`) or class (`2xx`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReplyPattern {
    Code(u16),
    Class(u16),
}

impl ReplyPattern {
    pub fn parse(text: &str) -> Option<ReplyPattern> {
        let text = text.trim();
        if let Some(first) = text.strip_suffix("xx").or_else(|| text.strip_suffix("XX")) {
            return match first.parse::<u16>() {
                Ok(d @ 2..=5) if first.len() == 1 => Some(ReplyPattern::Class(d)),
                _ => None,
            };
        }
        match text.parse::<u16>() {
            Ok(code @ 200..=599) if text.len() == 3 => Some(ReplyPattern::Code(code)),
            _ => None,
        }
    }

    fn matches(self, code: Option<u16>) -> bool {
        match (self, code) {
            (ReplyPattern::Code(want), Some(code)) => code == want,
            (ReplyPattern::Class(d), Some(code)) => code / 100 == d,
            (_, None) => false,
        }
    }
}

/// The dot-stuffed line count of message content as the driver shows it
/// (`<message: 120 bytes, 1 lines dot-stuffed, end marker>`); 0 for anything else.
fn stuffed_lines(shown: &str) -> usize {
    shown
        .strip_prefix("<message: ")
        .and_then(|rest| rest.split(", ").nth(1))
        .and_then(|part| part.strip_suffix(" lines dot-stuffed"))
        .and_then(|n| n.parse().ok())
        .unwrap_or(0)
}

/// Where a step stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StepState {
    Done,
    Current,
    Waiting,
}

/// A lesson under way: the current step and the hint after a wrong try.
#[derive(Debug, Clone)]
pub struct LessonRun {
    pub lesson: Lesson,
    /// The current step (== `lesson.steps.len()` when finished).
    pub step: usize,
    /// What the last wrong try means, until the next step is done.
    pub hint: Option<String>,
    /// Commands sent and not yet answered (pipelining), oldest first.
    pending: VecDeque<(String, Layer)>,
    /// A reply came on this connection (for `tls-on-connect`).
    greeted: bool,
}

/// What an event did to the lesson.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Change {
    /// Step N (from 0) is done.
    StepDone(usize),
    /// The last step is done.
    Finished,
    /// A wrong try: the hint now shown.
    Hint(String),
}

impl LessonRun {
    pub fn new(lesson: Lesson) -> LessonRun {
        LessonRun {
            lesson,
            step: 0,
            hint: None,
            pending: VecDeque::new(),
            greeted: false,
        }
    }

    pub fn finished(&self) -> bool {
        self.step >= self.lesson.steps.len()
    }

    pub fn state(&self, index: usize) -> StepState {
        match index.cmp(&self.step) {
            std::cmp::Ordering::Less => StepState::Done,
            std::cmp::Ordering::Equal => StepState::Current,
            std::cmp::Ordering::Greater => StepState::Waiting,
        }
    }

    /// Folds one event in; says what changed, if anything.
    pub fn observe(&mut self, event: &SessionEvent) -> Vec<Change> {
        match event {
            SessionEvent::Connected { .. } => {
                self.pending.clear();
                self.greeted = false;
                Vec::new()
            }
            SessionEvent::Sent {
                shown,
                layer,
                secret,
                ..
            } => {
                // A SASL answer is part of the AUTH exchange, not a command of its own.
                if !*secret || shown.public().to_ascii_uppercase().starts_with("AUTH") {
                    self.pending.push_back((shown.to_string(), *layer));
                }
                Vec::new()
            }
            SessionEvent::Received { reply, layer, .. } => {
                let command = if self.greeted {
                    self.pending.pop_front()
                } else {
                    None
                };
                // The 334 of an AUTH exchange keeps the command for the final reply.
                if reply.code() == Some(334)
                    && let Some(c) = &command
                {
                    self.pending.push_front(c.clone());
                }
                self.greeted = true;
                let command = command.map(|(c, _)| c);
                self.on_exchange(command.as_deref(), reply, *layer)
            }
            SessionEvent::TlsEstablished { info, .. } => {
                let mut changes = self.on_event("tls");
                if !self.greeted {
                    changes.extend(self.on_event("tls-on-connect"));
                }
                if info.verdict.ok() {
                    changes.extend(self.on_event("verified"));
                }
                changes
            }
            SessionEvent::Closed { .. } => {
                self.pending.clear();
                self.on_event("closed")
            }
            SessionEvent::Finding { .. }
            | SessionEvent::Note { .. }
            | SessionEvent::Failed { .. } => Vec::new(),
        }
    }

    fn current(&self) -> Option<&Condition> {
        self.lesson.steps.get(self.step).map(|s| &s.when)
    }

    fn advance(&mut self) -> Vec<Change> {
        let done = self.step;
        self.step += 1;
        self.hint = None;
        if self.finished() {
            vec![Change::StepDone(done), Change::Finished]
        } else {
            vec![Change::StepDone(done)]
        }
    }

    fn on_event(&mut self, name: &str) -> Vec<Change> {
        match self.current() {
            Some(c) if c.event.as_deref() == Some(name) => self.advance(),
            _ => Vec::new(),
        }
    }

    fn on_exchange(&mut self, command: Option<&str>, reply: &Reply, layer: Layer) -> Vec<Change> {
        let Some(condition) = self.current().cloned() else {
            return Vec::new();
        };
        if condition.event.is_some() {
            return Vec::new();
        }
        let text: String = reply
            .text_lines()
            .collect::<Vec<_>>()
            .join("\n")
            .to_ascii_lowercase();
        let command_matches = match (&condition.command, command) {
            (None, _) => true,
            (Some(want), Some(sent)) => sent
                .trim_start()
                .to_ascii_lowercase()
                .starts_with(&want.to_ascii_lowercase()),
            (Some(_), None) => false,
        };
        let sent_matches = match (&condition.sent_contains, command) {
            (None, _) => true,
            (Some(want), Some(sent)) => sent
                .to_ascii_lowercase()
                .contains(&want.to_ascii_lowercase()),
            (Some(_), None) => false,
        };
        let reply_matches = condition
            .reply
            .as_deref()
            .and_then(ReplyPattern::parse)
            .is_none_or(|p| p.matches(reply.code()));
        let text_matches = condition
            .reply_contains
            .as_ref()
            .is_none_or(|want| text.contains(&want.to_ascii_lowercase()));
        let tls_matches = condition.tls.is_none_or(|tls| tls == (layer == Layer::Tls));
        let stuffed_matches = condition
            .dot_stuffed
            .is_none_or(|want| want == (command.map_or(0, stuffed_lines) > 0));
        if command_matches
            && sent_matches
            && reply_matches
            && text_matches
            && tls_matches
            && stuffed_matches
        {
            return self.advance();
        }
        // A wrong try: the step's own command answered otherwise, or any refusal.
        let refused = reply.code().is_some_and(|c| c >= 400);
        let own_command = condition.command.is_some() && command_matches;
        if refused || own_command {
            let hint = self.hint_for(reply, &condition, command_matches);
            self.hint = Some(hint.clone());
            return vec![Change::Hint(hint)];
        }
        Vec::new()
    }

    fn hint_for(&self, reply: &Reply, condition: &Condition, command_matches: bool) -> String {
        let meaning = crate::proto::reply::Severity::of(reply.code());
        let code = reply
            .code()
            .map_or_else(|| "a reply without a code".to_string(), |c| c.to_string());
        let what = match meaning {
            crate::proto::reply::Severity::TransientNegative => {
                "a temporary refusal (4yz): trying again later may work"
            }
            crate::proto::reply::Severity::PermanentNegative => {
                "a permanent refusal (5yz): the same command will fail again"
            }
            crate::proto::reply::Severity::PositiveIntermediate => {
                "the server waits for more (3yz)"
            }
            crate::proto::reply::Severity::PositiveCompletion => "accepted (2yz)",
            crate::proto::reply::Severity::Unknown => "not a valid SMTP reply",
        };
        let step_hint = self
            .lesson
            .steps
            .get(self.step)
            .and_then(|s| s.hint.clone());
        let mut out = format!("{code} is {what}.");
        if command_matches && condition.tls == Some(true) {
            out.push_str(" This step wants it inside TLS.");
        }
        if let Some(hint) = step_hint {
            out.push(' ');
            out.push_str(&hint);
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::event::Shown;
    use std::time::Duration;

    fn lesson(toml: &str) -> Lesson {
        let base = "title='t'\ngoal='g'\nwhy='w'\nrecap='r'\n";
        Lesson::parse("01-test.toml", &format!("{base}{toml}")).expect("lesson")
    }

    fn sent(text: &str) -> SessionEvent {
        SessionEvent::Sent {
            at: Duration::ZERO,
            layer: Layer::Plain,
            shown: Shown::plain(text),
            bytes: text.as_bytes().to_vec(),
            secret: false,
            revealed: None,
        }
    }

    fn received(raw: &[u8]) -> SessionEvent {
        SessionEvent::Received {
            at: Duration::ZERO,
            layer: Layer::Plain,
            reply: Reply::parse_all(raw)
                .expect("parses")
                .into_iter()
                .next()
                .expect("a reply"),
            latency: None,
        }
    }

    #[test]
    fn a_step_is_done_by_the_reply_not_by_typing() {
        let mut run = LessonRun::new(lesson(
            "[[step]]\ndo='EHLO'\nwhen={command='EHLO', reply='250', reply_contains='SIZE'}\nhint='Look for SIZE.'\ntry=['EHLO me']\n",
        ));
        run.observe(&received(b"220 hi\r\n"));
        run.observe(&sent("EHLO me"));
        assert!(!run.finished(), "typed but unanswered");
        let changes = run.observe(&received(b"250-mx\r\n250 PIPELINING\r\n"));
        assert!(
            matches!(changes.as_slice(), [Change::Hint(h)] if h.contains("Look for SIZE")),
            "{changes:?}"
        );
        run.observe(&sent("EHLO me"));
        let changes = run.observe(&received(b"250-mx\r\n250 SIZE 1000\r\n"));
        assert_eq!(changes, vec![Change::StepDone(0), Change::Finished]);
        assert!(run.hint.is_none());
    }

    #[test]
    fn a_refusal_explains_its_class() {
        let mut run = LessonRun::new(lesson(
            "[[step]]\ndo='RCPT'\nwhen={command='RCPT', reply='250'}\ntry=['RCPT TO:<a@b>']\n",
        ));
        run.observe(&received(b"220 hi\r\n"));
        run.observe(&sent("MAIL FROM:<>"));
        let changes = run.observe(&received(b"503 5.5.1 need EHLO\r\n"));
        assert!(
            matches!(changes.as_slice(), [Change::Hint(h)] if h.starts_with("503 is a permanent refusal")),
            "{changes:?}"
        );
    }

    #[test]
    fn pipelined_replies_meet_their_own_commands() {
        let mut run = LessonRun::new(lesson(
            "[[step]]\ndo='RCPT'\nwhen={command='RCPT', reply='250'}\ntry=['x']\n",
        ));
        run.observe(&received(b"220 hi\r\n"));
        run.observe(&sent("MAIL FROM:<a@b>"));
        run.observe(&sent("RCPT TO:<c@d>"));
        assert!(
            run.observe(&received(b"250 ok\r\n")).is_empty(),
            "MAIL's 250"
        );
        assert_eq!(
            run.observe(&received(b"250 ok\r\n")),
            vec![Change::StepDone(0), Change::Finished]
        );
    }

    #[test]
    fn stuffed_lines_are_read_from_the_content_summary() {
        assert_eq!(
            stuffed_lines("<message: 120 bytes, 2 lines dot-stuffed, end marker>"),
            2
        );
        assert_eq!(
            stuffed_lines("<message: 120 bytes, 0 lines dot-stuffed, end marker>"),
            0
        );
        assert_eq!(stuffed_lines("DATA"), 0);
    }

    #[test]
    fn reply_patterns() {
        assert_eq!(ReplyPattern::parse("250"), Some(ReplyPattern::Code(250)));
        assert_eq!(ReplyPattern::parse("5xx"), Some(ReplyPattern::Class(5)));
        assert_eq!(ReplyPattern::parse("2yz"), None);
        assert_eq!(ReplyPattern::parse("25"), None);
        assert_eq!(ReplyPattern::parse("9xx"), None);
    }
}
