//! The composer's multi-line body editor: lines of text and a cursor, edited by keys and
//! pastes. Line ends are not stored: the message adds CRLF after every line, so a bare CR
//! or LF cannot get into the body by accident (the byte-exact ending is a separate choice).
//!
//! Layer: app state.

use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

/// Lines and a cursor (row, column in characters).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Editor {
    pub lines: Vec<String>,
    pub row: usize,
    pub col: usize,
}

impl Default for Editor {
    fn default() -> Editor {
        Editor {
            lines: vec![String::new()],
            row: 0,
            col: 0,
        }
    }
}

impl Editor {
    pub fn from_text(text: &str) -> Editor {
        let mut editor = Editor::default();
        editor.paste(text);
        editor
    }

    fn line(&self) -> &str {
        self.lines.get(self.row).map_or("", String::as_str)
    }

    fn byte_at(&self, col: usize) -> usize {
        let line = self.line();
        line.char_indices().nth(col).map_or(line.len(), |(i, _)| i)
    }

    fn line_chars(&self) -> usize {
        self.line().chars().count()
    }

    pub fn insert(&mut self, c: char) {
        let at = self.byte_at(self.col);
        if let Some(line) = self.lines.get_mut(self.row) {
            line.insert(at, c);
            self.col += 1;
        }
    }

    pub fn newline(&mut self) {
        let at = self.byte_at(self.col);
        let Some(line) = self.lines.get_mut(self.row) else {
            return;
        };
        let rest = line.split_off(at);
        self.lines.insert(self.row + 1, rest);
        self.row += 1;
        self.col = 0;
    }

    pub fn backspace(&mut self) {
        if self.col > 0 {
            let start = self.byte_at(self.col - 1);
            let end = self.byte_at(self.col);
            if let Some(line) = self.lines.get_mut(self.row) {
                line.replace_range(start..end, "");
            }
            self.col -= 1;
        } else if self.row > 0 {
            let line = self.lines.remove(self.row);
            self.row -= 1;
            self.col = self.line_chars();
            if let Some(previous) = self.lines.get_mut(self.row) {
                previous.push_str(&line);
            }
        }
    }

    pub fn delete(&mut self) {
        if self.col < self.line_chars() {
            self.col += 1;
            self.backspace();
        } else if self.row + 1 < self.lines.len() {
            let next = self.lines.remove(self.row + 1);
            if let Some(line) = self.lines.get_mut(self.row) {
                line.push_str(&next);
            }
        }
    }

    /// Up or down a line; `false` at the edge (the composer then moves to another field).
    pub fn vertical(&mut self, down: bool) -> bool {
        if down && self.row + 1 < self.lines.len() {
            self.row += 1;
        } else if !down && self.row > 0 {
            self.row -= 1;
        } else {
            return false;
        }
        self.col = self.col.min(self.line_chars());
        true
    }

    pub fn horizontal(&mut self, right: bool) {
        if right {
            if self.col < self.line_chars() {
                self.col += 1;
            } else if self.row + 1 < self.lines.len() {
                self.row += 1;
                self.col = 0;
            }
        } else if self.col > 0 {
            self.col -= 1;
        } else if self.row > 0 {
            self.row -= 1;
            self.col = self.line_chars();
        }
    }

    /// Pasted text: line breaks (CRLF, LF or CR) start new lines; other controls but TAB
    /// are dropped.
    pub fn paste(&mut self, text: &str) {
        let text = text.replace("\r\n", "\n").replace('\r', "\n");
        for c in text.chars() {
            match c {
                '\n' => self.newline(),
                '\t' => self.insert('\t'),
                c if c.is_control() => {}
                c => self.insert(c),
            }
        }
    }

    /// A key for the editor (characters, Backspace, Delete, Home, End, Ctrl-U, Ctrl-K).
    pub fn key(&mut self, key: KeyEvent) {
        let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
        match key.code {
            KeyCode::Char('a') if ctrl => self.col = 0,
            KeyCode::Char('e') if ctrl => self.col = self.line_chars(),
            KeyCode::Char('u') if ctrl => {
                let at = self.byte_at(self.col);
                if let Some(line) = self.lines.get_mut(self.row) {
                    line.replace_range(..at, "");
                }
                self.col = 0;
            }
            KeyCode::Char('k') if ctrl => {
                let at = self.byte_at(self.col);
                if let Some(line) = self.lines.get_mut(self.row) {
                    line.truncate(at);
                }
            }
            KeyCode::Char(c) if !ctrl => self.insert(c),
            KeyCode::Backspace => self.backspace(),
            KeyCode::Delete => self.delete(),
            KeyCode::Home => self.col = 0,
            KeyCode::End => self.col = self.line_chars(),
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn typing_newlines_and_backspace_edit_lines() {
        let mut e = Editor::default();
        e.paste("ab\ncd");
        assert_eq!(e.lines, ["ab", "cd"]);
        e.horizontal(false);
        e.horizontal(false);
        e.backspace();
        assert_eq!(e.lines, ["abcd"]);
        assert_eq!((e.row, e.col), (0, 2));
        e.newline();
        e.insert('.');
        assert_eq!(e.lines, ["ab", ".cd"]);
        e.delete();
        assert_eq!(e.lines, ["ab", ".d"]);
        e.delete();
        e.delete();
        assert_eq!(e.lines, ["ab", "."]);
    }

    #[test]
    fn pasted_crlf_and_cr_become_lines_and_controls_are_dropped() {
        let e = Editor::from_text("one\r\ntwo\rthree\x1b[31m");
        assert_eq!(e.lines, ["one", "two", "three[31m"]);
    }

    #[test]
    fn multibyte_characters_are_edited_whole() {
        let mut e = Editor::from_text("Grüße");
        e.horizontal(false);
        e.backspace();
        assert_eq!(e.lines, ["Grüe"]);
        assert!(!e.vertical(true));
    }
}
