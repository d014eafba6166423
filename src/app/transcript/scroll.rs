//! The transcript's scroll position: following new output, or pinned to an entry row so
//! that new output does not move what the person is reading — and the rows to draw, which
//! never look at more than the rows they show or move over ([`Entries`] answers how many
//! rows an entry takes, independent of the number of entries).
//!
//! Layer: app state.

use super::entries::text_width;
use super::layout::Entries;

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
    pub fn bottom(&self, entries: &Entries, width: usize) -> Option<(usize, usize)> {
        match *self {
            Scroll::Follow => {
                let last = entries.len().checked_sub(1)?;
                let rows = entries.rows(last, width);
                Some((last, rows.saturating_sub(1)))
            }
            Scroll::At { entry, row } => {
                entries.get(entry)?;
                let rows = entries.rows(entry, width);
                Some((entry, row.min(rows.saturating_sub(1))))
            }
        }
    }

    /// Scrolls back `n` rows (stops at the first row).
    pub fn up(&mut self, entries: &Entries, width: usize, n: usize) {
        let Some((mut entry, mut row)) = self.bottom(entries, width) else {
            return;
        };
        let mut left = n;
        while left > 0 {
            if row > 0 {
                // Within an entry: one step, however many rows.
                let step = row.min(left);
                row -= step;
                left -= step;
            } else if entry > 0 {
                entry -= 1;
                row = entries.rows(entry, width).saturating_sub(1);
                left -= 1;
            } else {
                break;
            }
        }
        *self = Scroll::At { entry, row };
    }

    /// Scrolls forward `n` rows; reaching the last row follows again.
    pub fn down(&mut self, entries: &Entries, width: usize, n: usize) {
        let Scroll::At { .. } = self else {
            return;
        };
        let Some((mut entry, mut row)) = self.bottom(entries, width) else {
            *self = Scroll::Follow;
            return;
        };
        let mut left = n;
        while left > 0 {
            let rows = entries.rows(entry, width).max(1);
            if row + 1 < rows {
                let step = (rows - 1 - row).min(left);
                row += step;
                left -= step;
            } else if entry + 1 < entries.len() {
                entry += 1;
                row = 0;
                left -= 1;
            } else {
                break;
            }
        }
        let last = entries.len().saturating_sub(1);
        let last_row = entries.rows(last, width).saturating_sub(1);
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
/// most `height` of them, ending at the scroll position. Only the lines these rows come
/// from are wrapped.
pub fn visible_rows(
    entries: &Entries,
    scroll: Scroll,
    width: usize,
    height: usize,
) -> Vec<(usize, bool, String)> {
    visible_rows_by_line(entries, scroll, width, height)
        .into_iter()
        .map(|row| (row.entry, row.first, row.text))
        .collect()
}

/// One row [`visible_rows_by_line`] draws.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VisibleRow {
    pub entry: usize,
    /// The entry's line the row comes from.
    pub line: usize,
    /// The first row of the entry.
    pub first: bool,
    pub text: String,
}

/// [`visible_rows`], each row also saying which line of its entry it shows.
pub fn visible_rows_by_line(
    entries: &Entries,
    scroll: Scroll,
    width: usize,
    height: usize,
) -> Vec<VisibleRow> {
    let mut out = Vec::with_capacity(height);
    let Some((mut entry, row)) = scroll.bottom(entries, width) else {
        return out;
    };
    let columns = text_width(width);
    // The bottom entry starts at the scroll position; those above it at their last row.
    let mut from = (entry < entries.len()).then(|| entries.locate(entry, width, row));
    while out.len() < height {
        let Some(e) = entries.get(entry) else { break };
        let (mut line, mut last_row) = match from.take() {
            Some(position) => position,
            None => (e.lines.len().saturating_sub(1), usize::MAX),
        };
        while let Some(text) = e.lines.get(line) {
            let rows = row_slices(text, columns);
            let keep = last_row.min(rows.len().saturating_sub(1));
            for (r, slice) in rows.iter().enumerate().take(keep + 1).rev() {
                if out.len() == height {
                    break;
                }
                out.push(VisibleRow {
                    entry,
                    line,
                    first: line == 0 && r == 0,
                    text: slice.clone(),
                });
            }
            if out.len() == height || line == 0 {
                break;
            }
            line -= 1;
            last_row = usize::MAX;
        }
        if entry == 0 {
            break;
        }
        entry -= 1;
    }
    out.reverse();
    out
}

/// The rows of one line at `columns` text columns, wrapped at word boundaries
/// (`[""]` when empty).
fn row_slices(line: &str, columns: usize) -> Vec<String> {
    crate::wrap::rows(line, columns)
        .iter()
        .map(crate::wrap::Row::to_string_indented)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::app::transcript::entries::{Entry, Kind, PREFIX_WIDTH};

    /// Width at which the text column is `columns` wide.
    fn width_for(columns: usize) -> usize {
        columns + PREFIX_WIDTH
    }

    fn entry(lines: &[&str]) -> Entry {
        Entry::new(
            None,
            Kind::Client,
            false,
            lines.iter().map(|l| l.to_string()).collect(),
        )
    }

    /// Every row of every entry, top to bottom, the slow way (through `Entry::wrapped`).
    fn all_rows(entries: &Entries, width: usize) -> Vec<(usize, bool, String)> {
        entries
            .iter()
            .enumerate()
            .flat_map(|(i, e)| {
                e.wrapped(width)
                    .into_iter()
                    .map(move |(first, text)| (i, first, text))
            })
            .collect()
    }

    /// Entries small and large (indexed), with wrapped, empty and non-ASCII lines.
    fn sample() -> Entries {
        let long: Vec<String> = (0..100)
            .map(|i| match i % 5 {
                0 => String::new(),
                1 => "é".repeat(i % 23 + 1),
                _ => "x".repeat(i % 31),
            })
            .collect();
        let long: Vec<&str> = long.iter().map(String::as_str).collect();
        vec![
            entry(&["220 mx.example.com ESMTP"]),
            entry(&["EHLO me"]),
            entry(&long),
            entry(&["250-a", "250-bbbbbbbbbbbbbbbbbbbbbbbbbbbbb", "250 c"]),
            entry(&long),
            entry(&[""]),
        ]
        .into()
    }

    #[test]
    fn rows_of_small_and_indexed_entries_agree_with_wrapping() {
        for columns in [8, 9, 10, 13, 40] {
            let width = width_for(columns);
            let entries = sample();
            for (i, e) in entries.iter().enumerate() {
                assert_eq!(e.rows(width), e.wrapped(width).len(), "{columns} columns");
                assert_eq!(entries.rows(i, width), e.rows(width), "{columns} columns");
                // Asked twice: the second answer comes from the index.
                assert_eq!(entries.rows(i, width), e.rows(width), "{columns} columns");
            }
        }
    }

    #[test]
    fn visible_rows_are_the_matching_slice_of_all_rows_at_every_position() {
        let entries = sample();
        for columns in [8, 13] {
            let width = width_for(columns);
            let all = all_rows(&entries, width);
            for height in [1, 3, 7] {
                // Every bottom row, reached by scrolling up from the end one row at a time.
                let mut scroll = Scroll::Follow;
                for bottom in (0..all.len()).rev() {
                    let got = visible_rows(&entries, scroll, width, height);
                    let top = (bottom + 1).saturating_sub(height);
                    assert_eq!(
                        got,
                        all[top..=bottom].to_vec(),
                        "bottom {bottom}, height {height}, {columns} columns"
                    );
                    scroll.up(&entries, width, 1);
                }
            }
        }
    }

    #[test]
    fn scrolling_up_and_down_by_pages_matches_single_steps() {
        let entries = sample();
        let width = width_for(9);
        let total = all_rows(&entries, width).len();
        for page in [1, 2, 5, 17, 64] {
            let mut paged = Scroll::Follow;
            let mut stepped = Scroll::Follow;
            for _ in 0..(total / page + 2) {
                paged.up(&entries, width, page);
                for _ in 0..page {
                    stepped.up(&entries, width, 1);
                }
                assert_eq!(paged, stepped, "up by {page}");
            }
            assert_eq!(paged, Scroll::At { entry: 0, row: 0 });
            for _ in 0..(total / page + 2) {
                paged.down(&entries, width, page);
                for _ in 0..page {
                    stepped.down(&entries, width, 1);
                }
                assert_eq!(paged, stepped, "down by {page}");
            }
            assert!(paged.is_following());
        }
    }

    #[test]
    fn index_follows_a_change_of_width() {
        let entries = sample();
        let narrow = width_for(8);
        let wide = width_for(40);
        for (i, e) in entries.iter().enumerate() {
            let (n, w) = (entries.rows(i, narrow), entries.rows(i, wide));
            assert_eq!(entries.rows(i, narrow), n);
            assert_eq!(w, e.wrapped(wide).len());
            assert!(n >= w);
        }
        let all = all_rows(&entries, wide);
        let got = visible_rows(&entries, Scroll::Follow, wide, 5);
        assert_eq!(got, all[all.len() - 5..].to_vec());
    }

    #[test]
    fn empty_transcript_has_no_rows_and_no_position() {
        let empty = Entries::default();
        assert_eq!(visible_rows(&empty, Scroll::Follow, 80, 24), Vec::new());
        let mut scroll = Scroll::Follow;
        scroll.up(&empty, 80, 3);
        assert!(scroll.is_following());
    }

    #[test]
    fn layout_follows_entries_moving_to_other_indices() {
        let mut entries = sample();
        let width = width_for(9);
        let before: Vec<usize> = (0..entries.len()).map(|i| entries.rows(i, width)).collect();
        entries.drop_front(2);
        for (i, e) in entries.iter().enumerate() {
            assert_eq!(entries.rows(i, width), e.rows(width));
        }
        entries.prepend(vec![entry(&["a"]), entry(&["b"])]);
        let after: Vec<usize> = (2..entries.len()).map(|i| entries.rows(i, width)).collect();
        assert_eq!(after, before[2..].to_vec());
    }
}
