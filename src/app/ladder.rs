//! The sequence diagram (F7 or `/ladder`): the session drawn as a ladder — client and server
//! columns, an arrow per command and per reply, the TLS part as a band. The rungs are folded
//! from the same [`SessionEvent`](crate::event::SessionEvent)s as the transcript ([`crate::transcript::ladder`]), so a
//! replay shows the ladder as of its current step and the exports draw the same one.
//!
//! Layer: app state.

use ratatui::crossterm::event::KeyCode;

use crate::app::keymap::{Binding, KeyCommand, ctrl_c, plain as bind};
use crate::app::replay::Recorded;
use crate::app::{App, Effect, Overlay};
use crate::transcript::ladder::Ladder;

/// The ladder view's own state, while it is open.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LadderView {
    /// First rung shown, when not following.
    pub scroll: usize,
    /// Keep the newest rung in view (the default; scrolling back turns it off, End on).
    pub follow: bool,
}

impl Default for LadderView {
    fn default() -> LadderView {
        LadderView {
            scroll: 0,
            follow: true,
        }
    }
}

impl LadderView {
    /// The first rung to draw when `rows` rungs fit and there are `len` in all.
    pub fn first(&self, len: usize, rows: usize) -> usize {
        let last_page = len.saturating_sub(rows);
        if self.follow {
            last_page
        } else {
            self.scroll.min(last_page)
        }
    }
}

/// What a key does in the ladder view.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LadderKey {
    LineUp,
    LineDown,
    PageUp,
    PageDown,
    Top,
    Bottom,
    Close,
    Quit,
}

impl KeyCommand for LadderKey {
    fn essential(self) -> bool {
        matches!(self, LadderKey::Close | LadderKey::Quit)
    }
}

/// Keys of the ladder view.
pub static KEYS: [Binding<LadderKey>; 9] = [
    bind(
        KeyCode::Up,
        "↑",
        LadderKey::LineUp,
        "scroll",
        Some("scroll"),
    ),
    bind(KeyCode::Down, "↓", LadderKey::LineDown, "scroll", None),
    bind(
        KeyCode::PageUp,
        "PgUp",
        LadderKey::PageUp,
        "scroll a page",
        None,
    ),
    bind(
        KeyCode::PageDown,
        "PgDn",
        LadderKey::PageDown,
        "scroll a page",
        None,
    ),
    bind(KeyCode::Home, "Home", LadderKey::Top, "first step", None),
    bind(
        KeyCode::End,
        "End",
        LadderKey::Bottom,
        "newest step (follows the session)",
        None,
    ),
    bind(KeyCode::Esc, "Esc", LadderKey::Close, "back", Some("back")),
    bind(KeyCode::F(7), "F7", LadderKey::Close, "back", None),
    ctrl_c(LadderKey::Quit, "quit", None),
];

/// Rungs a page key moves.
const PAGE: usize = 10;

impl App {
    /// F7 or `/ladder` (in a replay, as of the current step).
    pub(in crate::app) fn open_ladder(&mut self) {
        self.refresh_replay_ladder();
        self.open_overlay(Overlay::Ladder(LadderView::default()));
    }

    /// The session's sequence diagram so far (in a replay: as of the current step).
    pub fn ladder(&self) -> &Ladder {
        &self.ladder
    }

    /// Rebuilds the ladder from the recorded events up to the current step, with the same
    /// fold a live session uses.
    pub(in crate::app) fn refresh_replay_ladder(&mut self) {
        let Some(replay) = &self.replay else {
            return;
        };
        let mut ladder = Ladder::default();
        for index in 0..replay.position {
            if let Recorded::Event(event, _) = replay.read(index) {
                ladder.observe(&event);
            }
        }
        self.ladder = ladder;
    }

    /// A key bound in the ladder view.
    pub(in crate::app) fn ladder_key(&mut self, action: LadderKey) -> Vec<Effect> {
        let len = self.ladder.rungs.len();
        let rows = usize::from(self.viewport.1).max(1);
        let Some(Overlay::Ladder(view)) = self.overlay.as_mut() else {
            return Vec::new();
        };
        let first = view.first(len, rows);
        let last_page = len.saturating_sub(rows);
        // Back: stop following. Forward: follow again once the newest rung is in view.
        let mut back = |to: usize| {
            view.scroll = to;
            view.follow = false;
        };
        match action {
            LadderKey::LineUp => back(first.saturating_sub(1)),
            LadderKey::PageUp => back(first.saturating_sub(PAGE)),
            LadderKey::Top => back(0),
            LadderKey::LineDown | LadderKey::PageDown | LadderKey::Bottom => {
                let step = match action {
                    LadderKey::LineDown => 1,
                    LadderKey::PageDown => PAGE,
                    _ => len,
                };
                view.scroll = (first + step).min(last_page);
                view.follow = view.scroll >= last_page;
            }
            LadderKey::Close => self.close_overlay(),
            LadderKey::Quit => return self.quit(),
        }
        Vec::new()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn following_shows_the_last_page_and_scrolling_back_stops_it() {
        let view = LadderView::default();
        assert_eq!(view.first(30, 10), 20);
        let back = LadderView {
            scroll: 5,
            follow: false,
        };
        assert_eq!(back.first(30, 10), 5);
        assert_eq!(back.first(8, 10), 0, "everything fits: from the top");
    }
}
