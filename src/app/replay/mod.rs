//! Replay mode: the explorer fed from a recording, every view showing the session as it was
//! at the current step.
//!
//! ```text
//!   events   0 1 2 … window_first … position-1 │ position … len-1
//!   entries                [ shown in app.entries ]│ (not yet)
//!   state    Session + connection + certificate after `position` events
//!   checkpoints: the state after every CHECKPOINT_EVERY events, made on the way forward
//!                and ahead of it by the background warm-up while the viewer is idle
//! ```
//!
//! The file is an [`Indexed`] transcript: events are parsed when they are shown or applied,
//! never all at open. Stepping forward parses one event, pushes its entries and feeds the
//! session ([`replay_session::apply`](crate::app::replay::session::apply)). Stepping back drops the
//! entries of the last event (each event's first entry index is kept) and rebuilds the
//! state from the nearest checkpoint, so it costs at most `CHECKPOINT_EVERY` parses. The
//! entries shown are a window of recent events, trimmed as it grows and extended backwards
//! when the person scrolls up past its top, so memory stays small on huge transcripts.
//! Searching, jumping to errors and playing are in `find.rs`; the window of
//! entries in `window.rs`; the checkpoints and the state rebuilt from them in
//! `state.rs`; the checkpoints made ahead and far jumps that wait for them
//! (seeks) in `warm.rs`.
//!
//! Layer: app state (no terminal, no files: the loop hands in the opened transcript).

mod find;
pub mod keys;
mod recorded;
pub mod session;
mod state;
#[cfg(test)]
mod tests;
mod warm;
mod window;

use std::path::PathBuf;
use std::time::Duration;

use tui_input::Input;

pub use recorded::{Recorded, entries_of, event_at};
pub use state::CHECKPOINT_EVERY;

use crate::app::keymap::Binding;
use crate::app::{App, Effect, OverlayKind, Scroll};
use crate::proto::text::escape_str;
use crate::transcript::index::Indexed;
use state::Snapshot;
use warm::Warm;

pub use crate::app::replay::keys::ReplayKey;

/// At most this many events have entries in `app.entries`; beyond, the oldest half goes.
pub const WINDOW_MAX: usize = 4096;
/// Events given entries after a jump (more than a tall screen shows), and added at a time
/// when scrolling back past the window's top.
pub const WINDOW_STEP: usize = 256;
/// The play speeds, `+` and `-` move along them.
pub const SPEEDS: [u32; 6] = [1, 2, 4, 8, 16, 64];

/// Playing at recorded speed: the loop's clock and the session time it was anchored at.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Playing {
    pub anchor_clock: Duration,
    pub anchor_at: Duration,
}

/// The replay's own state, beside the app's.
#[derive(Debug)]
pub struct Replay {
    pub source: Indexed,
    /// The file, for the status bar.
    pub file: PathBuf,
    /// How many events have happened (0 = none, `len` = all).
    pub position: usize,
    /// The first event whose entries are in `app.entries`.
    pub window_first: usize,
    /// For each event in the window, where its entries start in `app.entries`.
    pub(in crate::app) starts: Vec<usize>,
    pub(in crate::app) checkpoints: Vec<Snapshot>,
    /// The checkpoint cursor of the background warm-up (`warm.rs`).
    pub(in crate::app) warm: Option<Warm>,
    /// A far jump waiting for the warm-up to reach its checkpoint.
    pub seeking: Option<usize>,
    pub playing: Option<Playing>,
    /// Index into [`SPEEDS`].
    pub speed: usize,
    /// The search line while it is open.
    pub search: Option<Input>,
    /// The last search, for `n` / `N`.
    pub query: Option<String>,
    /// A one-line word for the person (no match, the end, the file was cut).
    pub message: Option<String>,
    /// The loop's clock at the latest tick.
    pub clock: Duration,
    /// The next event, parsed ahead (its time decides when playing wakes up).
    peeked: Option<(usize, Recorded)>,
}

impl Replay {
    pub fn len(&self) -> usize {
        self.source.len()
    }

    pub fn is_empty(&self) -> bool {
        self.source.is_empty()
    }

    pub fn speed(&self) -> u32 {
        SPEEDS[self.speed.min(SPEEDS.len() - 1)]
    }

    /// Event `index`, from the one-slot cache when it was peeked.
    pub(in crate::app) fn take_event(&mut self, index: usize) -> Recorded {
        match self.peeked.take() {
            Some((i, parsed)) if i == index => parsed,
            _ => self.read(index),
        }
    }

    /// Event `index`, parsed from the file.
    pub(in crate::app) fn read(&self, index: usize) -> Recorded {
        match self.source.event(index) {
            Ok(Some((event, annotation))) => Recorded::Event(event, annotation),
            Ok(None) => Recorded::Unknown,
            Err(reason) => Recorded::Unreadable(reason),
        }
    }

    /// The time of event `index` (parsed once and kept for the step that follows).
    pub(in crate::app) fn event_time(&mut self, index: usize) -> Option<Duration> {
        if self.peeked.as_ref().is_none_or(|(i, _)| *i != index) {
            self.peeked = Some((index, self.read(index)));
        }
        match &self.peeked {
            Some((_, Recorded::Event(event, _))) => Some(event_at(event)),
            _ => None,
        }
    }
}

impl App {
    /// An explorer stepping through `source`, before its first event.
    pub fn replay(source: Indexed, file: PathBuf) -> App {
        let target = format!(
            "{}:{}",
            source.header.target.host, source.header.target.port
        );
        let mut app = App::new(target, Vec::new());
        let message = match source.warnings.first() {
            Some(warning) => format!("{}: {}", file.display(), warning),
            None => format!(
                "replay of {} events: → steps, End jumps to the end, Space plays, F1 for all keys",
                source.len()
            ),
        };
        let mut replay = Replay {
            source,
            file,
            position: 0,
            window_first: 0,
            starts: Vec::new(),
            checkpoints: Vec::new(),
            warm: None,
            seeking: None,
            playing: None,
            speed: 0,
            search: None,
            query: None,
            message: Some(escape_str(&message)),
            clock: Duration::ZERO,
            peeked: None,
        };
        replay.checkpoints.push(app.snapshot());
        app.replay = Some(Box::new(replay));
        app
    }

    /// One event forward, with its entries. False at the end.
    pub(in crate::app) fn step_forward(&mut self) -> bool {
        let Some(replay) = self.replay.as_mut() else {
            return false;
        };
        let index = replay.position;
        if index >= replay.len() {
            return false;
        }
        let parsed = replay.take_event(index);
        replay.starts.push(self.entries.len());
        replay.position = index + 1;
        self.entries.extend(entries_of(&parsed));
        self.apply_state(&parsed);
        self.checkpoint_if_due(index + 1);
        self.trim_window();
        true
    }

    /// One event back: its entries go, the state is rebuilt.
    pub(in crate::app) fn step_back(&mut self) {
        let Some(replay) = self.replay.as_mut() else {
            return;
        };
        if replay.position == 0 {
            return;
        }
        let target = replay.position - 1;
        match replay.starts.pop() {
            Some(start) => self.entries.truncate(start),
            None => self.entries.clear(),
        }
        replay.position = target;
        if replay.starts.is_empty() {
            replay.window_first = target;
        }
        self.rebuild_state(target);
        if self.entries.is_empty() && target > 0 {
            self.extend_window_back(WINDOW_STEP);
        }
        self.keep_scroll_in_range();
    }

    /// To the state after `target` events; far past the checkpoints, a seek that the
    /// loop's warm-up finishes (`warm.rs`).
    pub(in crate::app) fn jump_to(&mut self, target: usize) {
        let Some(replay) = self.replay.as_mut() else {
            return;
        };
        let target = target.min(replay.len());
        let position = replay.position;
        if target == position || (target > position + WINDOW_STEP && self.seek_if_far(target)) {
            return;
        }
        self.jump_now(target);
    }

    /// To the state after `target` events, with a fresh window of entries before it, now
    /// (folding from the nearest checkpoint, however far it is).
    pub(in crate::app) fn jump_now(&mut self, target: usize) {
        let Some(replay) = self.replay.as_mut() else {
            return;
        };
        let target = target.min(replay.len());
        let position = replay.position;
        if target == position {
            return;
        }
        if target > position && target - position <= WINDOW_STEP {
            while self.replay.as_ref().is_some_and(|r| r.position < target) {
                self.step_forward();
            }
            self.scroll = Scroll::Follow;
            return;
        }
        if target < position && target >= replay.window_first {
            let cut = replay.starts[target - replay.window_first];
            replay.starts.truncate(target - replay.window_first);
            self.entries.truncate(cut);
        } else {
            replay.starts.clear();
            self.entries.clear();
            replay.window_first = target;
        }
        replay.position = target;
        self.rebuild_state(target);
        if self.entries.is_empty() && target > 0 {
            self.extend_window_back(WINDOW_STEP);
        }
        self.scroll = Scroll::Follow;
        self.leave_pick();
    }

    /// What a replay key does.
    pub(in crate::app) fn replay_action(&mut self, key: ReplayKey) -> Vec<Effect> {
        // The keys a replay shares with the explorer leave the replay's word standing.
        match key {
            ReplayKey::Bottom => self.scroll = Scroll::Follow,
            ReplayKey::Pick => {
                self.enter_pick();
                self.notice = None;
            }
            ReplayKey::Help => self.open_help(),
            ReplayKey::Certificate => self.open_cert(),
            ReplayKey::Panel => self.toggle_panel(),
            ReplayKey::Timeline => self.open_timeline(),
            ReplayKey::Ladder => self.open_ladder(),
            ReplayKey::Redraw => return vec![Effect::Redraw],
            ReplayKey::Suspend => return vec![Effect::Suspend],
            ReplayKey::Quit => return self.quit(),
            _ => return self.replay_step_key(key),
        }
        Vec::new()
    }

    /// The keys only a replay has: stepping, jumping, searching, playing, scrolling.
    fn replay_step_key(&mut self, key: ReplayKey) -> Vec<Effect> {
        let page = self.page();
        let width = usize::from(self.viewport.0);
        if let Some(replay) = self.replay.as_mut()
            && !matches!(key, ReplayKey::Faster | ReplayKey::Slower)
        {
            // Any other key stops a seek and does what it does.
            replay.message = None;
            replay.seeking = None;
        }
        match key {
            ReplayKey::Forward => {
                self.pause();
                if self.step_forward() {
                    self.scroll = Scroll::Follow;
                } else {
                    self.say_at_end();
                }
            }
            ReplayKey::Back => {
                self.pause();
                self.step_back();
                self.scroll = Scroll::Follow;
            }
            ReplayKey::Start => {
                self.pause();
                self.jump_to(0);
            }
            ReplayKey::End => {
                self.pause();
                let len = self.replay.as_ref().map_or(0, |r| r.len());
                self.jump_to(len);
                self.say_at_end();
            }
            ReplayKey::NextError => self.jump_to_error(true),
            ReplayKey::PreviousError => self.jump_to_error(false),
            ReplayKey::Search => {
                if let Some(replay) = self.replay.as_mut() {
                    replay.search = Some(Input::default());
                }
            }
            ReplayKey::SearchRun => self.run_search(),
            ReplayKey::SearchCancel => {
                if let Some(replay) = self.replay.as_mut() {
                    replay.search = None;
                }
            }
            ReplayKey::SearchNext => self.search_again(true),
            ReplayKey::SearchPrevious => self.search_again(false),
            ReplayKey::PlayPause => self.play_pause(),
            ReplayKey::Faster => self.change_speed(true),
            ReplayKey::Slower => self.change_speed(false),
            ReplayKey::LineUp => self.replay_scroll_up(1),
            ReplayKey::PageUp => self.replay_scroll_up(page),
            ReplayKey::LineDown => self.scroll.down(&self.entries, width, 1),
            ReplayKey::PageDown => self.scroll.down(&self.entries, width, page),
            ReplayKey::Bottom
            | ReplayKey::Pick
            | ReplayKey::Help
            | ReplayKey::Certificate
            | ReplayKey::Panel
            | ReplayKey::Timeline
            | ReplayKey::Ladder
            | ReplayKey::Redraw
            | ReplayKey::Suspend
            | ReplayKey::Quit => {}
        }
        Vec::new()
    }

    /// A key in replay mode with no overlay open: the replay's keymap, or text for the
    /// search line.
    pub(in crate::app) fn replay_key(
        &mut self,
        key: &ratatui::crossterm::event::KeyEvent,
    ) -> Vec<Effect> {
        use tui_input::backend::crossterm::EventHandler;
        self.notice = None;
        if let Some(action) = crate::app::keymap::find(self.replay_keys(), key) {
            return self.replay_action(action);
        }
        if let Some(search) = self.replay.as_mut().and_then(|r| r.search.as_mut()) {
            search.handle_event(&ratatui::crossterm::event::Event::Key(*key));
            return Vec::new();
        }
        // Nothing is silent: a key of the live explorer says why it does nothing here.
        use ratatui::crossterm::event::KeyCode;
        match key.code {
            KeyCode::F(4) | KeyCode::F(5) => self.say(
                "a replay sends nothing: F4 (AUTH) and F5 (compose) work in a live session; \
                 `smtpx replay FILE --against HOST` runs the recording again",
            ),
            KeyCode::F(_) | KeyCode::Char(_) | KeyCode::Enter | KeyCode::Tab => {
                self.say("not a replay key: F1 lists them")
            }
            _ => {}
        }
        Vec::new()
    }

    pub(in crate::app) fn say_at_end(&mut self) {
        if let Some(replay) = self.replay.as_mut()
            && replay.position == replay.len()
        {
            replay.message = Some(match replay.source.warnings.first() {
                Some(warning) => format!("end of the recording — {}", escape_str(warning)),
                None => "end of the recording".into(),
            });
        }
    }

    /// The replay's keymap: the search line's while it is open.
    pub(in crate::app) fn replay_keys(&self) -> &'static [Binding<ReplayKey>] {
        match &self.replay {
            Some(replay) if replay.search.is_some() => &keys::SEARCH,
            _ => &keys::KEYS,
        }
    }

    /// Goes to the state after `position` events now, however far (for tests and
    /// benchmarks; keys use the same path, but far ahead of the checkpoints they seek).
    pub fn replay_seek(&mut self, position: usize) {
        self.pause();
        self.jump_now(position);
    }

    /// Rebuilds the timeline from the recorded events up to the current step (F6 in a
    /// replay), with the same pure function a live session uses.
    pub(in crate::app) fn refresh_replay_timeline(&mut self) {
        let Some(replay) = &self.replay else {
            return;
        };
        let mut timeline = crate::app::timeline::Timeline::default();
        for index in 0..replay.position {
            if let Recorded::Event(event, _) = replay.read(index) {
                timeline.observe(&event);
            }
        }
        self.timeline = timeline;
    }

    /// Whether the pick overlay is open (for the replay's views).
    pub fn picking(&self) -> bool {
        self.overlay_kind() == Some(OverlayKind::Pick)
    }
}
