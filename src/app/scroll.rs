//! The transcript's scroll position: following new output, or pinned to an entry row so
//! that new output does not move what the person is reading. Every operation walks only
//! the rows it moves over — cost independent of transcript length.
//!
//! Layer: app state.

use super::entries::Entry;

/// Which row is at the bottom of the transcript view.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scroll {
    /// The last row; new output scrolls into view.
    Follow,
    /// Row `row` of entry `entry` (rows at the current width) is the bottom row.
    At { entry: usize, row: usize },
}

impl Scroll {
    /// The bottom row as (entry, row), if there are entries.
    pub fn bottom(&self, entries: &[Entry], width: usize) -> Option<(usize, usize)> {
        match *self {
            Scroll::Follow => {
                let last = entries.len().checked_sub(1)?;
                let rows = entries.get(last)?.rows(width);
                Some((last, rows.saturating_sub(1)))
            }
            Scroll::At { entry, row } => {
                let rows = entries.get(entry)?.rows(width);
                Some((entry, row.min(rows.saturating_sub(1))))
            }
        }
    }

    /// Scrolls back `n` rows (stops at the first row).
    pub fn up(&mut self, entries: &[Entry], width: usize, n: usize) {
        let Some((mut entry, mut row)) = self.bottom(entries, width) else {
            return;
        };
        for _ in 0..n {
            if row > 0 {
                row -= 1;
            } else if entry > 0 {
                entry -= 1;
                row = entries
                    .get(entry)
                    .map_or(0, |e| e.rows(width).saturating_sub(1));
            } else {
                break;
            }
        }
        *self = Scroll::At { entry, row };
    }

    /// Scrolls forward `n` rows; reaching the last row follows again.
    pub fn down(&mut self, entries: &[Entry], width: usize, n: usize) {
        let Scroll::At { .. } = self else {
            return;
        };
        let Some((mut entry, mut row)) = self.bottom(entries, width) else {
            *self = Scroll::Follow;
            return;
        };
        for _ in 0..n {
            let rows = entries.get(entry).map_or(1, |e| e.rows(width));
            if row + 1 < rows {
                row += 1;
            } else if entry + 1 < entries.len() {
                entry += 1;
                row = 0;
            } else {
                break;
            }
        }
        let last = entries.len().saturating_sub(1);
        let last_row = entries
            .get(last)
            .map_or(0, |e| e.rows(width).saturating_sub(1));
        *self = if entry == last && row >= last_row {
            Scroll::Follow
        } else {
            Scroll::At { entry, row }
        };
    }

    pub fn is_following(&self) -> bool {
        matches!(self, Scroll::Follow)
    }
}

/// The rows to draw, top to bottom: (entry index, first row of the entry, row text), at
/// most `height` of them, ending at the scroll position.
pub fn visible_rows(
    entries: &[Entry],
    scroll: Scroll,
    width: usize,
    height: usize,
) -> Vec<(usize, bool, String)> {
    let mut out = Vec::with_capacity(height);
    let Some((mut entry, row)) = scroll.bottom(entries, width) else {
        return out;
    };
    let mut keep = row + 1;
    while out.len() < height {
        let Some(e) = entries.get(entry) else { break };
        let rows = e.wrapped(width);
        for (first, text) in rows.into_iter().take(keep).rev() {
            if out.len() == height {
                break;
            }
            out.push((entry, first, text));
        }
        if entry == 0 {
            break;
        }
        entry -= 1;
        keep = usize::MAX;
    }
    out.reverse();
    out
}
