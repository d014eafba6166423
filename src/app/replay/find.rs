//! Replay mode, moving by content and by time: the next / previous 4xx or 5xx reply, text
//! search, and playing at the recorded speed (x1 … x64).
//!
//! Finding scans the event lines' bytes first and parses only the lines that may match, so
//! a jump across a million events costs a pass over the bytes, not a million parses.
//! Playing asks the loop to wake when the next event is due ([`App::replay_next_due`]) and
//! applies every event due by then ([`App::replay_tick`]); paused, nothing is scheduled.
//!
//! Layer: app state.

use std::time::Duration;

use super::recorded::{Recorded, entries_of};
use super::{Playing, SPEEDS};
use crate::app::App;
use crate::driver::SessionEvent;
use crate::proto::reply::Severity;

/// Most events applied by one tick (the rest follow on the next frame).
const MAX_STEPS_PER_TICK: usize = 20_000;

/// Whether event line `line` may be a 4xx/5xx reply (`false`: certainly not). The
/// recorder writes `"kind":"received"` and the reply as `"text":"…"`; a line written
/// otherwise is parsed to be sure.
fn may_be_error_reply(line: &[u8]) -> bool {
    let finder = |needle: &[u8]| memchr::memmem::find(line, needle);
    if finder(b"\"kind\":\"received\"").is_none() {
        return finder(b"received").is_some();
    }
    match finder(b"\"text\":\"") {
        Some(at) => matches!(line.get(at + 8), Some(b'4' | b'5')),
        None => true,
    }
}

/// Whether `line` may show `query` (lower case): client and server lines must contain it;
/// other kinds, base64 bytes and queries with JSON-escaped characters are always checked.
fn may_show(line: &[u8], query: &str) -> bool {
    let plain = query
        .bytes()
        .all(|b| (b' '..=b'~').contains(&b) && b != b'"' && b != b'\\');
    let wire = memchr::memmem::find(line, b"\"kind\":\"sent\"").is_some()
        || memchr::memmem::find(line, b"\"kind\":\"received\"").is_some();
    if !plain || !wire || memchr::memmem::find(line, b"\"base64\"").is_some() {
        return true;
    }
    contains_ignoring_ascii_case(line, query.as_bytes())
}

fn contains_ignoring_ascii_case(haystack: &[u8], needle: &[u8]) -> bool {
    let Some(&first) = needle.first() else {
        return true;
    };
    let (lower, upper) = (first.to_ascii_lowercase(), first.to_ascii_uppercase());
    memchr::memchr2_iter(lower, upper, haystack).any(|at| {
        haystack
            .get(at..at + needle.len())
            .is_some_and(|window| window.eq_ignore_ascii_case(needle))
    })
}

impl App {
    /// Event `index` is a 4xx or 5xx reply.
    fn is_error_event(&self, index: usize) -> bool {
        let Some(replay) = self.replay.as_ref() else {
            return false;
        };
        if !may_be_error_reply(replay.source.line(index)) {
            return false;
        }
        matches!(
            replay.read(index),
            Recorded::Event(SessionEvent::Received { reply, .. }, _)
                if matches!(reply.severity(), Severity::TransientNegative | Severity::PermanentNegative)
        )
    }

    /// Event `index` shows `query` (lower case) in one of its lines.
    fn event_shows(&self, index: usize, query: &str) -> bool {
        let Some(replay) = self.replay.as_ref() else {
            return false;
        };
        if !may_show(replay.source.line(index), query) {
            return false;
        }
        entries_of(&replay.read(index))
            .iter()
            .flat_map(|entry| entry.lines.iter())
            .any(|line| line.to_lowercase().contains(query))
    }

    /// The first event after the current one (forward) or before the last shown one
    /// (backward) for which `test` holds.
    fn find_event(&self, forward: bool, test: impl Fn(&App, usize) -> bool) -> Option<usize> {
        let replay = self.replay.as_ref()?;
        if forward {
            (replay.position..replay.len()).find(|&i| test(self, i))
        } else {
            (0..replay.position.saturating_sub(1))
                .rev()
                .find(|&i| test(self, i))
        }
    }

    /// `]` / `[`: the next / previous 4xx or 5xx reply becomes the last event shown.
    pub(in crate::app) fn jump_to_error(&mut self, forward: bool) {
        self.pause();
        match self.find_event(forward, App::is_error_event) {
            Some(index) => self.jump_to(index + 1),
            None => {
                self.say(if forward {
                    "no 4xx/5xx reply after this point"
                } else {
                    "no 4xx/5xx reply before this point"
                });
            }
        }
    }

    /// Pasted text in replay mode: typed into the search line when it is open (line breaks
    /// and other controls become spaces); ignored otherwise, as replay has no prompt.
    pub(in crate::app) fn paste_in_replay(&mut self, text: &str) {
        let Some(search) = self.replay.as_mut().and_then(|r| r.search.as_mut()) else {
            return;
        };
        for c in text.chars() {
            let c = if c.is_control() { ' ' } else { c };
            search.handle(tui_input::InputRequest::InsertChar(c));
        }
    }

    /// Enter in the search line.
    pub(in crate::app) fn run_search(&mut self) {
        let Some(replay) = self.replay.as_mut() else {
            return;
        };
        let query = replay
            .search
            .take()
            .map(|input| input.value().to_string())
            .unwrap_or_default();
        if query.is_empty() {
            return;
        }
        replay.query = Some(query);
        self.search_again(true);
    }

    /// `n` / `N`: the next / previous event showing the last search.
    pub(in crate::app) fn search_again(&mut self, forward: bool) {
        self.pause();
        let Some(query) = self.replay.as_ref().and_then(|r| r.query.clone()) else {
            self.say("nothing to search for yet: / starts a search");
            return;
        };
        let lower = query.to_lowercase();
        match self.find_event(forward, |app, i| app.event_shows(i, &lower)) {
            Some(index) => self.jump_to(index + 1),
            None => {
                let shown = crate::proto::text::escape_str(&query);
                self.say(&if forward {
                    format!("\"{shown}\" is not found after this point (N searches back)")
                } else {
                    format!("\"{shown}\" is not found before this point")
                });
            }
        }
    }

    pub(super) fn say(&mut self, text: &str) {
        if let Some(replay) = self.replay.as_mut() {
            replay.message = Some(text.to_string());
        }
    }

    /// The session time of the last event shown (zero before the first).
    fn shown_at(&mut self) -> Duration {
        let Some(replay) = self.replay.as_mut() else {
            return Duration::ZERO;
        };
        match replay.position.checked_sub(1) {
            Some(last) => replay.event_time(last).unwrap_or_default(),
            None => Duration::ZERO,
        }
    }

    /// Space: play from here (from the start when at the end), or pause.
    pub(in crate::app) fn play_pause(&mut self) {
        let Some(replay) = self.replay.as_ref() else {
            return;
        };
        if replay.playing.is_some() {
            self.pause();
            return;
        }
        if replay.position == replay.len() {
            self.jump_to(0);
        }
        let anchor_at = self.shown_at();
        if let Some(replay) = self.replay.as_mut() {
            replay.playing = Some(Playing {
                anchor_clock: replay.clock,
                anchor_at,
            });
        }
    }

    pub(in crate::app) fn pause(&mut self) {
        if let Some(replay) = self.replay.as_mut() {
            replay.playing = None;
        }
    }

    /// `+` / `-`; while playing, the new speed counts from now.
    pub(in crate::app) fn change_speed(&mut self, faster: bool) {
        let Some(replay) = self.replay.as_mut() else {
            return;
        };
        let now = replay.clock;
        let played = replay.playing.map(|p| played_until(p, replay.speed(), now));
        replay.speed = if faster {
            (replay.speed + 1).min(SPEEDS.len() - 1)
        } else {
            replay.speed.saturating_sub(1)
        };
        if let (Some(playing), Some(at)) = (replay.playing.as_mut(), played) {
            playing.anchor_clock = now;
            playing.anchor_at = at;
        }
    }

    /// The loop's clock moved on: while playing, every event due by now is shown.
    pub fn replay_tick(&mut self, now: Duration) {
        let Some(replay) = self.replay.as_mut() else {
            return;
        };
        replay.clock = now;
        let Some(playing) = replay.playing else {
            return;
        };
        let until = played_until(playing, replay.speed(), now);
        let mut steps = 0;
        loop {
            let Some(replay) = self.replay.as_mut() else {
                return;
            };
            let index = replay.position;
            if index >= replay.len() {
                replay.playing = None;
                self.say("end of the recording");
                return;
            }
            let due = replay.event_time(index).unwrap_or_default();
            if due > until {
                break;
            }
            if steps == MAX_STEPS_PER_TICK {
                // Too far behind to show every event: carry on from here.
                replay.playing = Some(Playing {
                    anchor_clock: now,
                    anchor_at: due,
                });
                break;
            }
            self.step_forward();
            steps += 1;
        }
        if steps > 0 {
            self.scroll = crate::app::Scroll::Follow;
        }
    }

    /// When (on the loop's clock) the next event is due while playing; `None` when paused
    /// or at the end, so the loop sleeps until a key.
    pub fn replay_next_due(&mut self) -> Option<Duration> {
        let replay = self.replay.as_mut()?;
        let playing = replay.playing?;
        let index = replay.position;
        if index >= replay.len() {
            return Some(replay.clock);
        }
        let at = replay.event_time(index).unwrap_or_default();
        let ahead = at.saturating_sub(playing.anchor_at) / replay.speed();
        Some(playing.anchor_clock + ahead)
    }
}

/// The session time reached at `now` while playing at `speed`.
fn played_until(playing: Playing, speed: u32, now: Duration) -> Duration {
    playing.anchor_at + now.saturating_sub(playing.anchor_clock) * speed
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_error_prefilter_passes_4xx_5xx_replies_and_odd_lines_only() {
        let reply = |text: &str| {
            format!(
                "{{\"at\":1.0,\"dir\":\"server\",\"kind\":\"received\",\"layer\":\"plain\",\"text\":\"{text}\"}}"
            )
        };
        assert!(may_be_error_reply(reply("550 no\\r\\n").as_bytes()));
        assert!(may_be_error_reply(reply("421 bye\\r\\n").as_bytes()));
        assert!(!may_be_error_reply(reply("250 ok\\r\\n").as_bytes()));
        assert!(!may_be_error_reply(
            b"{\"at\":1.0,\"dir\":\"client\",\"kind\":\"sent\",\"text\":\"550\"}"
        ));
        assert!(may_be_error_reply(
            b"{\"kind\" : \"received\", \"base64\":\"NTUw\"}"
        ));
    }

    #[test]
    fn the_search_prefilter_ignores_ascii_case_and_never_drops_other_kinds() {
        let sent = b"{\"dir\":\"client\",\"kind\":\"sent\",\"text\":\"MAIL FROM:<a@b>\\r\\n\"}";
        assert!(may_show(sent, "mail from"));
        assert!(!may_show(sent, "rcpt"));
        assert!(may_show(b"{\"kind\":\"tls\"}", "verified"));
        assert!(may_show(sent, "\\r"));
    }
}
