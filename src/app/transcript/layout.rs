//! The entries the transcript view shows, with the cache that makes their layout cheap:
//! an entry of more than [`INDEXED_LINES`] lines gets, on first use at a width, where each
//! of its lines ends in rows, so a row is found by bisection instead of by wrapping.
//!
//! Cost (a frame with a million lines in scrollback): every lookup is independent of the
//! number of entries, and within a long entry (a long message, a 10,000-line reply) of the
//! number of its lines too; only the lines that are drawn are wrapped (`scroll.rs`).
//!
//! Layer: app state. The cache belongs to the app, not to an [`Entry`]: entries are plain
//! values (compared and cloned as data), and [`Entries`] drops the cache whenever entries
//! move to other indices.

use std::collections::HashMap;
use std::ops::Deref;
use std::sync::{Arc, Mutex, PoisonError};

use super::entries::{Entry, line_rows, text_width};

/// Entries with more lines than this are indexed; smaller ones are measured directly each
/// time (a few dozen short lines cost less than the index's lock).
pub const INDEXED_LINES: usize = 32;

/// The transcript's entries, in order, and their layout cache. Reads go through `Deref` to
/// a slice; changes go through the methods here, which keep the cache true.
#[derive(Debug, Default)]
pub struct Entries {
    list: Vec<Entry>,
    layout: Layout,
}

impl Deref for Entries {
    type Target = [Entry];

    fn deref(&self) -> &[Entry] {
        &self.list
    }
}

impl<'a> IntoIterator for &'a Entries {
    type Item = &'a Entry;
    type IntoIter = std::slice::Iter<'a, Entry>;

    fn into_iter(self) -> Self::IntoIter {
        self.list.iter()
    }
}

impl From<Vec<Entry>> for Entries {
    fn from(list: Vec<Entry>) -> Entries {
        Entries {
            list,
            layout: Layout::default(),
        }
    }
}

impl Entries {
    /// Adds an entry at the end (indices of the others do not change; the cache stays).
    pub fn push(&mut self, entry: Entry) {
        self.list.push(entry);
    }

    /// Adds entries at the end.
    pub fn extend(&mut self, entries: impl IntoIterator<Item = Entry>) {
        self.list.extend(entries);
    }

    /// Puts `entries` before the first one (replay's window growing backwards).
    pub fn prepend(&mut self, mut entries: Vec<Entry>) {
        entries.append(&mut self.list);
        self.list = entries;
        self.layout.clear();
    }

    /// Drops the first `count` entries (replay's window trimmed).
    pub fn drop_front(&mut self, count: usize) {
        self.list.drain(..count.min(self.list.len()));
        self.layout.clear();
    }

    /// Keeps the first `len` entries.
    pub fn truncate(&mut self, len: usize) {
        self.list.truncate(len);
        self.layout.clear();
    }

    pub fn clear(&mut self) {
        self.list.clear();
        self.layout.clear();
    }

    /// Keeps the entries for which `keep` holds.
    pub fn retain(&mut self, keep: impl FnMut(&Entry) -> bool) {
        let before = self.list.len();
        self.list.retain(keep);
        if self.list.len() != before {
            self.layout.clear();
        }
    }

    /// Rows entry `index` takes at `width` (0 past the end).
    pub fn rows(&self, index: usize, width: usize) -> usize {
        let Some(entry) = self.list.get(index) else {
            return 0;
        };
        if entry.lines.len() <= INDEXED_LINES {
            return entry.rows(width);
        }
        let ends = self.layout.ends(index, entry, text_width(width));
        ends.ends.last().copied().unwrap_or(0)
    }

    /// Which line of entry `index` holds its row `row`, and which row of that line it is. A
    /// row past the end gives the last row of the last line.
    pub(super) fn locate(&self, index: usize, width: usize, row: usize) -> (usize, usize) {
        let Some(entry) = self.list.get(index) else {
            return (0, 0);
        };
        let columns = text_width(width);
        let last_line = entry.lines.len().saturating_sub(1);
        if entry.lines.len() <= INDEXED_LINES {
            let mut before = 0;
            for (line, text) in entry.lines.iter().enumerate() {
                let rows = line_rows(text, columns);
                if row < before + rows || line == last_line {
                    return (line, (row - before).min(rows - 1));
                }
                before += rows;
            }
            return (0, 0);
        }
        let ends = self.layout.ends(index, entry, columns);
        let line = ends.ends.partition_point(|&end| end <= row).min(last_line);
        let before = if line == 0 { 0 } else { ends.ends[line - 1] };
        let rows = ends.ends[line] - before;
        (line, row.saturating_sub(before).min(rows.saturating_sub(1)))
    }
}

/// Where each line of the long entries ends, in rows, keyed by entry index: built on first
/// use at a width (cost: the entry's characters, once), rebuilt when the width changes.
///
/// Behind a mutex because views read `&App`; only the UI task ever takes it.
#[derive(Default)]
struct Layout(Mutex<HashMap<usize, Arc<LineEnds>>>);

/// Cumulative rows: `ends[i]` is the rows of lines `0..=i`.
#[derive(Debug)]
struct LineEnds {
    columns: usize,
    lines: usize,
    ends: Vec<usize>,
}

impl Layout {
    fn ends(&self, index: usize, entry: &Entry, columns: usize) -> Arc<LineEnds> {
        let mut cache = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(known) = cache.get(&index)
            && known.columns == columns
            && known.lines == entry.lines.len()
        {
            return Arc::clone(known);
        }
        let mut total = 0;
        let ends = entry
            .lines
            .iter()
            .map(|line| {
                total += line_rows(line, columns);
                total
            })
            .collect();
        let built = Arc::new(LineEnds {
            columns,
            lines: entry.lines.len(),
            ends,
        });
        cache.insert(index, Arc::clone(&built));
        built
    }

    fn clear(&mut self) {
        self.0
            .get_mut()
            .unwrap_or_else(PoisonError::into_inner)
            .clear();
    }
}

impl std::fmt::Debug for Layout {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Layout")
    }
}
