//! Replay mode's window of entries: the events whose entries are in `app.entries`, trimmed
//! when it grows past [`WINDOW_MAX`] events and extended backwards when the person scrolls
//! up past its top, with the scroll position and the pick cursor kept on the same entry.
//!
//! Layer: app state.

use super::recorded::entries_of;
use super::{WINDOW_MAX, WINDOW_STEP};
use crate::app::{App, Scroll};

impl App {
    /// Gives entries to up to `count` more events before the window.
    pub(in crate::app) fn extend_window_back(&mut self, count: usize) {
        let Some(replay) = self.replay.as_mut() else {
            return;
        };
        let first = replay.window_first.saturating_sub(count);
        if first == replay.window_first {
            return;
        }
        let mut entries = Vec::new();
        let mut starts = Vec::with_capacity(replay.window_first - first);
        for index in first..replay.window_first {
            starts.push(entries.len());
            entries.extend(entries_of(&replay.read(index)));
        }
        let entries = self.spaced(entries);
        let Some(replay) = self.replay.as_mut() else {
            return;
        };
        let added = entries.len();
        starts.extend(replay.starts.iter().map(|s| s + added));
        replay.starts = starts;
        replay.window_first = first;
        self.entries.prepend(entries);
        if let Scroll::At { entry, row } = self.scroll {
            self.scroll = Scroll::At {
                entry: entry + added,
                row,
            };
        }
        if let Some(pick) = self.pick_mut() {
            pick.entry += added;
        }
    }

    /// Drops the oldest half of the window when it holds more than [`WINDOW_MAX`] events.
    pub(in crate::app) fn trim_window(&mut self) {
        let Some(replay) = self.replay.as_mut() else {
            return;
        };
        if replay.starts.len() <= WINDOW_MAX {
            return;
        }
        let drop = replay.starts.len() / 2;
        let cut = replay.starts[drop];
        replay.starts.drain(..drop);
        for start in &mut replay.starts {
            *start -= cut;
        }
        replay.window_first += drop;
        self.entries.drop_front(cut);
        if let Scroll::At { entry, row } = self.scroll {
            self.scroll = if entry >= cut {
                Scroll::At {
                    entry: entry - cut,
                    row,
                }
            } else {
                Scroll::At { entry: 0, row: 0 }
            };
        }
        if let Some(pick) = self.pick_mut() {
            pick.entry = pick.entry.saturating_sub(cut);
        }
    }

    pub(in crate::app) fn keep_scroll_in_range(&mut self) {
        if let Scroll::At { entry, .. } = self.scroll
            && entry + 1 >= self.entries.len()
        {
            self.scroll = Scroll::Follow;
        }
        if let Some(index) = self.picked_entry()
            && index >= self.entries.len()
        {
            self.leave_pick();
        }
    }

    /// Scrolls back `rows`, first giving entries to earlier events when the window's top
    /// is near.
    pub(in crate::app) fn replay_scroll_up(&mut self, rows: usize) {
        let width = usize::from(self.viewport.0);
        let height = usize::from(self.viewport.1);
        let bottom = self
            .scroll
            .bottom(&self.entries, width)
            .map_or(0, |(entry, _)| entry);
        // Every entry is at least one row: this many entries above the bottom fill the view.
        if bottom < rows + height {
            self.extend_window_back(WINDOW_STEP.max(rows + height));
        }
        self.scroll.up(&self.entries, width, rows);
    }

    /// The mouse wheel in replay mode (positive scrolls back).
    pub(in crate::app) fn replay_wheel(&mut self, rows: i32) {
        let n = rows.unsigned_abs() as usize;
        if rows > 0 {
            self.replay_scroll_up(n);
        } else {
            let width = usize::from(self.viewport.0);
            self.scroll.down(&self.entries, width, n);
        }
    }
}
