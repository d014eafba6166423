//! The lesson list `smtpx learn` opens on a terminal: each lesson with its goal and whether
//! it was finished; ↑/↓ choose, Enter starts one on a sandbox of its own, and when it ends
//! the list comes back with the tick. A state and a key function, no I/O.
//!
//! Layer: app state.

use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

/// One lesson as the list shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MenuItem {
    pub title: String,
    pub goal: String,
    pub done: bool,
}

/// What a key asked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MenuChoice {
    Stay,
    /// Start lesson `n` (an index into the list).
    Start(usize),
    Quit,
}

/// The list and its cursor.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LessonMenu {
    pub items: Vec<MenuItem>,
    pub selected: usize,
}

impl LessonMenu {
    /// The cursor starts on the first lesson not finished yet.
    pub fn new(items: Vec<MenuItem>) -> LessonMenu {
        let selected = items.iter().position(|i| !i.done).unwrap_or(0);
        LessonMenu { items, selected }
    }

    /// The ticks again (after a lesson ended), the cursor on the next unfinished lesson
    /// after the one just taken when that one is now finished.
    pub fn refresh(&mut self, done: impl Fn(usize) -> bool) {
        for (i, item) in self.items.iter_mut().enumerate() {
            item.done = done(i);
        }
        // A lesson left unfinished keeps the cursor, to try again.
        let taken_done = self.items.get(self.selected).is_some_and(|i| i.done);
        let after = (self.selected + 1..self.items.len()).find(|&i| !self.items[i].done);
        if let (true, Some(next)) = (taken_done, after) {
            self.selected = next;
        }
    }

    pub fn finished(&self) -> usize {
        self.items.iter().filter(|i| i.done).count()
    }

    pub fn key(&mut self, key: KeyEvent) -> MenuChoice {
        let last = self.items.len().saturating_sub(1);
        match (key.code, key.modifiers.contains(KeyModifiers::CONTROL)) {
            (KeyCode::Char('c' | 'q'), true) => MenuChoice::Quit,
            (KeyCode::Esc | KeyCode::Char('q'), false) => MenuChoice::Quit,
            (KeyCode::Up | KeyCode::Char('k'), false) => {
                self.selected = self.selected.saturating_sub(1);
                MenuChoice::Stay
            }
            (KeyCode::Down | KeyCode::Char('j'), false) => {
                self.selected = (self.selected + 1).min(last);
                MenuChoice::Stay
            }
            (KeyCode::Home, _) => {
                self.selected = 0;
                MenuChoice::Stay
            }
            (KeyCode::End, _) => {
                self.selected = last;
                MenuChoice::Stay
            }
            // `1`–`9` jump to that lesson.
            (KeyCode::Char(c @ '1'..='9'), false) => {
                let n = usize::from(c as u8 - b'1');
                if n <= last {
                    self.selected = n;
                }
                MenuChoice::Stay
            }
            (KeyCode::Enter, false) if !self.items.is_empty() => MenuChoice::Start(self.selected),
            _ => MenuChoice::Stay,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn item(done: bool) -> MenuItem {
        MenuItem {
            title: "t".into(),
            goal: "g".into(),
            done,
        }
    }

    fn key(code: KeyCode) -> KeyEvent {
        KeyEvent::new(code, KeyModifiers::NONE)
    }

    #[test]
    fn the_cursor_starts_on_the_first_unfinished_lesson_and_moves_within_the_list() {
        let mut menu = LessonMenu::new(vec![item(true), item(false), item(false)]);
        assert_eq!(menu.selected, 1);
        assert_eq!(menu.key(key(KeyCode::Down)), MenuChoice::Stay);
        assert_eq!(menu.key(key(KeyCode::Down)), MenuChoice::Stay);
        assert_eq!(menu.selected, 2);
        menu.key(key(KeyCode::Up));
        menu.key(key(KeyCode::Char('1')));
        assert_eq!(menu.selected, 0);
        menu.key(key(KeyCode::Char('9')));
        assert_eq!(menu.selected, 0, "no ninth lesson");
        assert_eq!(menu.key(key(KeyCode::Enter)), MenuChoice::Start(0));
        assert_eq!(menu.key(key(KeyCode::Char('q'))), MenuChoice::Quit);
        assert_eq!(
            menu.key(KeyEvent::new(KeyCode::Char('c'), KeyModifiers::CONTROL)),
            MenuChoice::Quit
        );
    }

    #[test]
    fn after_a_lesson_the_tick_shows_and_the_cursor_moves_on() {
        let mut menu = LessonMenu::new(vec![item(false), item(false), item(true), item(false)]);
        assert_eq!(menu.key(key(KeyCode::Enter)), MenuChoice::Start(0));
        menu.refresh(|i| i == 0 || i == 2);
        assert_eq!(menu.finished(), 2);
        assert_eq!(menu.selected, 1);
        assert_eq!(menu.key(key(KeyCode::Enter)), MenuChoice::Start(1));
        menu.refresh(|i| i == 0 || i == 2);
        assert_eq!(menu.selected, 1, "left unfinished: stays to try again");
        menu.selected = 3;
        menu.refresh(|_| true);
        assert_eq!(menu.selected, 3, "nothing left after it: stays");
    }
}
