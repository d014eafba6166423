//! The transcript's scroll position: following new output, or pinned to an entry row so
//! that new output does not move what the person is reading — and the layout arithmetic
//! behind it, which never looks at more than the rows it shows or moves over.
//!
//! Cost (issue 10, target 4: a frame with a million lines in scrollback): every operation
//! is independent of the number of entries, and within an entry of many lines (a long
//! message, a 10,000-line reply) independent of the number of lines too. Small entries are
//! measured directly; an entry of more than [`INDEXED_LINES`] lines keeps a [`RowIndex`]
//! (rows before each line at the current width), built once per width on first use and
//! searched by bisection. Only the lines that are drawn are wrapped.
//!
//! Layer: app state.

use std::sync::{Arc, Mutex, PoisonError};

use crate::app::transcript::entries::{Entry, text_width};

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
        let mut left = n;
        while left > 0 {
            if row > 0 {
                // Within an entry: one step, however many rows.
                let step = row.min(left);
                row -= step;
                left -= step;
            } else if entry > 0 {
                entry -= 1;
                row = entries
                    .get(entry)
                    .map_or(0, |e| e.rows(width).saturating_sub(1));
                left -= 1;
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
        let mut left = n;
        while left > 0 {
            let rows = entries.get(entry).map_or(1, |e| e.rows(width));
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
/// most `height` of them, ending at the scroll position. Only the lines these rows come
/// from are wrapped.
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
    let columns = text_width(width);
    // The bottom entry starts at the scroll position; those above it at their last row.
    let mut from = entries.get(entry).map(|e| locate(e, width, row));
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
                out.push((entry, line == 0 && r == 0, (*slice).to_string()));
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

/// Entries with more lines than this keep a [`RowIndex`]; smaller ones are measured
/// directly each time (a few dozen short lines cost less than the index's lock).
pub const INDEXED_LINES: usize = 32;

/// Rows one line takes at `columns` text columns: at least one, even when empty.
pub fn line_rows(line: &str, columns: usize) -> usize {
    let columns = columns.max(1);
    // A line of no more bytes than columns fits whatever its characters are.
    if line.len() <= columns {
        1
    } else {
        line.chars().count().div_ceil(columns).max(1)
    }
}

/// The rows of one line at `columns` text columns, as slices of it (`[""]` when empty).
fn row_slices(line: &str, columns: usize) -> Vec<&str> {
    let columns = columns.max(1);
    if line.len() <= columns {
        return vec![line];
    }
    let mut rows = Vec::with_capacity(line.len() / columns + 1);
    let mut start = 0;
    let mut count = 0;
    for (at, _) in line.char_indices() {
        if count == columns {
            rows.push(&line[start..at]);
            start = at;
            count = 0;
        }
        count += 1;
    }
    rows.push(&line[start..]);
    rows
}

/// Rows `entry` takes at `width` (what [`Entry::rows`] returns).
pub(in crate::app) fn entry_rows(entry: &Entry, width: usize) -> usize {
    let columns = text_width(width);
    if entry.lines.len() <= INDEXED_LINES {
        return entry.lines.iter().map(|l| line_rows(l, columns)).sum();
    }
    entry
        .row_index
        .ends(&entry.lines, columns)
        .ends
        .last()
        .copied()
        .unwrap_or(0)
}

/// Which line of `entry` holds its row `row`, and which row of that line it is. A row past
/// the end gives the last row of the last line.
fn locate(entry: &Entry, width: usize, row: usize) -> (usize, usize) {
    let columns = text_width(width);
    let last_line = entry.lines.len().saturating_sub(1);
    if entry.lines.len() <= INDEXED_LINES {
        let mut before = 0;
        for (index, line) in entry.lines.iter().enumerate() {
            let rows = line_rows(line, columns);
            if row < before + rows || index == last_line {
                return (index, (row - before).min(rows - 1));
            }
            before += rows;
        }
        return (0, 0);
    }
    let index = entry.row_index.ends(&entry.lines, columns);
    let line = index.ends.partition_point(|&end| end <= row).min(last_line);
    let before = if line == 0 { 0 } else { index.ends[line - 1] };
    let rows = index.ends[line] - before;
    (line, row.saturating_sub(before).min(rows.saturating_sub(1)))
}

/// Where each line of a long entry ends, in rows, at one width: built on first use at a
/// width (cost: the entry's characters, once), then each lookup is a bisection. Rebuilt
/// when the width or the number of lines changes; entry lines are not edited in place
/// once made (`app::transcript::entries`).
///
/// Behind a mutex because views read `&App`; only the UI task ever takes it. Comparing
/// or cloning an entry ignores or shares it: it is a cache, not state.
#[derive(Default)]
pub struct RowIndex(Mutex<Option<Arc<LineEnds>>>);

/// Cumulative rows: `ends[i]` is the rows of lines `0..=i`.
#[derive(Debug)]
struct LineEnds {
    columns: usize,
    lines: usize,
    ends: Vec<usize>,
}

impl RowIndex {
    fn ends(&self, lines: &[String], columns: usize) -> Arc<LineEnds> {
        let mut slot = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(index) = slot.as_ref()
            && index.columns == columns
            && index.lines == lines.len()
        {
            return Arc::clone(index);
        }
        let mut total = 0;
        let ends = lines
            .iter()
            .map(|line| {
                total += line_rows(line, columns);
                total
            })
            .collect();
        let index = Arc::new(LineEnds {
            columns,
            lines: lines.len(),
            ends,
        });
        *slot = Some(Arc::clone(&index));
        index
    }

    fn current(&self) -> Option<Arc<LineEnds>> {
        self.0
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }
}

impl Clone for RowIndex {
    fn clone(&self) -> Self {
        RowIndex(Mutex::new(self.current()))
    }
}

impl PartialEq for RowIndex {
    fn eq(&self, _: &Self) -> bool {
        true
    }
}

impl Eq for RowIndex {}

impl std::fmt::Debug for RowIndex {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("RowIndex")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::app::transcript::entries::{Kind, PREFIX_WIDTH};

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
    fn all_rows(entries: &[Entry], width: usize) -> Vec<(usize, bool, String)> {
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
    fn sample() -> Vec<Entry> {
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
    }

    #[test]
    fn rows_of_small_and_indexed_entries_agree_with_wrapping() {
        for columns in [8, 9, 10, 13, 40] {
            let width = width_for(columns);
            for e in sample() {
                assert_eq!(e.rows(width), e.wrapped(width).len(), "{columns} columns");
                // Asked twice: the second answer comes from the index.
                assert_eq!(e.rows(width), e.wrapped(width).len(), "{columns} columns");
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
        for e in &entries {
            let (n, w) = (e.rows(narrow), e.rows(wide));
            assert_eq!(e.rows(narrow), n);
            assert_eq!(w, e.wrapped(wide).len());
            assert!(n >= w);
        }
        let all = all_rows(&entries, wide);
        let got = visible_rows(&entries, Scroll::Follow, wide, 5);
        assert_eq!(got, all[all.len() - 5..].to_vec());
    }

    #[test]
    fn empty_transcript_has_no_rows_and_no_position() {
        assert_eq!(visible_rows(&[], Scroll::Follow, 80, 24), Vec::new());
        let mut scroll = Scroll::Follow;
        scroll.up(&[], 80, 3);
        assert!(scroll.is_following());
    }
}
