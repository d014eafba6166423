//! A lesson under way in the explorer (`smtpx learn`): the lesson box above the transcript
//! shows the goal and the current step; the session's events move it on
//! ([`crate::learn::check`]); a wrong try leaves a hint under the step; the finished lesson
//! shows its recap and opens the sequence diagram of the session. `/lesson` shows the why
//! again, `/lesson solve` what to type for the current step.
//!
//! Layer: app state.

use crate::app::transcript::Entry;
use crate::app::{App, Effect, Kind, Overlay};
use crate::event::SessionEvent;
use crate::learn::check::Change;
use crate::learn::{Lesson, LessonRun};

impl App {
    /// Starts a lesson: its title, goal and why go first in the transcript.
    pub fn start_lesson(&mut self, lesson: Lesson) {
        let mut lines = vec![format!("Lesson: {}", lesson.title), lesson.goal.clone()];
        lines.extend(crate::learn::paragraphs(&lesson.why));
        for line in lines {
            self.push(Entry::local(line));
        }
        self.lesson = Some(Box::new(LessonRun::new(lesson)));
    }

    /// The lesson under way, if any.
    pub fn lesson(&self) -> Option<&LessonRun> {
        self.lesson.as_deref()
    }

    /// Folds an event into the lesson; a finished lesson asks for its progress to be saved.
    pub(in crate::app) fn lesson_event(&mut self, event: &SessionEvent) {
        let Some(run) = self.lesson.as_mut() else {
            return;
        };
        let was_finished = run.finished();
        let changes = run.observe(event);
        let mut finished = false;
        let mut lines = Vec::new();
        for change in changes {
            match change {
                Change::StepDone(n) => {
                    let total = run.lesson.steps.len();
                    lines.push((
                        Kind::Local,
                        format!("✓ lesson step {} of {total} done", n + 1),
                    ));
                }
                Change::Finished if !was_finished => finished = true,
                Change::Finished => {}
                Change::Hint(hint) => lines.push((Kind::Warning, format!("lesson hint: {hint}"))),
            }
        }
        let recap = run.lesson.recap.clone();
        let id = run.lesson.id.clone();
        for (kind, line) in lines {
            let mut entry = Entry::local(line);
            entry.kind = kind;
            self.push(entry);
        }
        if finished {
            self.push(Entry::local("Lesson finished. Recap:"));
            for line in crate::learn::paragraphs(&recap) {
                self.push(Entry::local(line));
            }
            self.pending_effects.push(Effect::LessonFinished(id));
            // The recap beside the session's sequence diagram.
            self.open_overlay(Overlay::Ladder(crate::app::ladder::LadderView::default()));
        }
    }

    /// `/lesson` (the goal and why again) and `/lesson solve` (the current step's lines).
    pub(in crate::app) fn lesson_command(&mut self, rest: &str) {
        let Some(run) = self.lesson.as_deref() else {
            self.notice = Some("no lesson under way: `smtpx learn` lists them".into());
            return;
        };
        let lines: Vec<String> = if rest == "solve" {
            match run.lesson.steps.get(run.step) {
                Some(step) => std::iter::once("Type, one line at a time:".to_string())
                    .chain(step.solution.iter().map(|l| format!("  {l}")))
                    .collect(),
                None => vec!["The lesson is finished.".into()],
            }
        } else {
            std::iter::once(format!("Lesson: {}", run.lesson.title))
                .chain(std::iter::once(run.lesson.goal.clone()))
                .chain(crate::learn::paragraphs(&run.lesson.why))
                .collect()
        };
        for line in lines {
            self.push(Entry::local(line));
        }
    }
}
