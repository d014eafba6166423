//! Search in a live session: `/find TEXT` puts the line-pick cursor on the latest line
//! showing TEXT (ASCII and Unicode case ignored), `n` / `N` in line-pick mode go to the
//! next match below / above, and every match on screen is highlighted — in a replay too,
//! where the views highlight the replay's own search (`/`, `n`, `N`).
//!
//! Layer: app state. Entry text is escaped already, so a match is found in what the person
//! sees, never in raw server bytes.

use std::ops::Range;

use crate::app::App;

/// The byte ranges of `text` that show `query`, case ignored, not overlapping.
pub fn match_ranges(text: &str, query: &str) -> Vec<Range<usize>> {
    let needle: Vec<char> = query.chars().flat_map(char::to_lowercase).collect();
    if needle.is_empty() {
        return Vec::new();
    }
    let mut out = Vec::new();
    let starts: Vec<(usize, char)> = text.char_indices().collect();
    let mut i = 0;
    while i < starts.len() {
        let mut folded = Vec::with_capacity(needle.len());
        let mut j = i;
        while j < starts.len() && folded.len() < needle.len() {
            folded.extend(starts[j].1.to_lowercase());
            j += 1;
        }
        if folded == needle {
            let end = starts.get(j).map_or(text.len(), |(at, _)| *at);
            out.push(starts[i].0..end);
            i = j;
        } else {
            i += 1;
        }
    }
    out
}

impl App {
    /// The text whose matches the transcript highlights: `/find`'s in a live session, the
    /// replay's search in a replay.
    pub fn search_query(&self) -> Option<&str> {
        match &self.replay {
            Some(replay) => replay.query.as_deref(),
            None => self.find.as_deref(),
        }
    }

    /// Whether entry `index` shows `query`.
    fn entry_shows(&self, index: usize, query: &str) -> bool {
        self.entries
            .get(index)
            .is_some_and(|e| e.lines.iter().any(|l| !match_ranges(l, query).is_empty()))
    }

    /// `/find TEXT`: the latest match picked; `/find` alone clears the search.
    pub(in crate::app) fn find(&mut self, query: &str) {
        if query.is_empty() {
            self.find = None;
            self.notice = Some("search cleared".into());
            return;
        }
        self.find = Some(query.to_string());
        let found = (0..self.entries.len())
            .rev()
            .find(|&i| self.entry_shows(i, query));
        match found {
            Some(index) => {
                self.enter_pick();
                self.pick_to(index);
                self.say_match(index);
            }
            None => {
                self.notice = Some(format!(
                    "\"{}\" is not in the transcript",
                    crate::proto::text::escape_str(query)
                ));
            }
        }
    }

    /// `n` / `N` in line-pick mode: the next match below (`forward`) or above the cursor.
    pub(in crate::app) fn find_again(&mut self, forward: bool) {
        let Some(query) = self.find.clone() else {
            self.notice = Some("nothing to search for yet: /find TEXT".into());
            return;
        };
        let Some(at) = self.picked_entry() else {
            return;
        };
        let found = if forward {
            (at + 1..self.entries.len()).find(|&i| self.entry_shows(i, &query))
        } else {
            (0..at).rev().find(|&i| self.entry_shows(i, &query))
        };
        match found {
            Some(index) => {
                self.pick_to(index);
                self.say_match(index);
            }
            None => {
                self.notice = Some(format!(
                    "no match {} this line (n below, N above)",
                    if forward { "below" } else { "above" }
                ));
            }
        }
    }

    /// "match 2 of 5" for the match at entry `index`.
    fn say_match(&mut self, index: usize) {
        let Some(query) = self.find.clone() else {
            return;
        };
        let matches: Vec<usize> = (0..self.entries.len())
            .filter(|&i| self.entry_shows(i, &query))
            .collect();
        let nth = matches
            .iter()
            .position(|&i| i == index)
            .map_or(0, |p| p + 1);
        self.notice = Some(format!(
            "\"{}\": match {nth} of {} — n next, N previous, Esc back",
            crate::proto::text::escape_str(&query),
            matches.len()
        ));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::app::script::Script;
    use crate::app::{Action, Effect, OverlayKind};
    use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

    fn session() -> Script {
        let mut s = Script::new("127.0.0.1:2525");
        s.connected().server(b"220 mx ESMTP\r\n");
        s.client("EHLO me").server(b"250-mx\r\n250 SIZE 1000\r\n");
        s.client("NOOP").server(b"250 2.0.0 Ok\r\n");
        s.app.update(Action::Viewport(80, 20));
        s
    }

    fn typed(s: &mut Script, line: &str) -> Vec<Effect> {
        for c in line.chars() {
            s.app.update(Action::Key(KeyEvent::new(
                KeyCode::Char(c),
                KeyModifiers::NONE,
            )));
        }
        // Slash lines are remembered like any other; the other effects are what counts.
        s.app
            .update(Action::Key(KeyEvent::new(
                KeyCode::Enter,
                KeyModifiers::NONE,
            )))
            .into_iter()
            .filter(|e| !matches!(e, Effect::Remember(_)))
            .collect()
    }

    fn press(s: &mut Script, c: char) -> Vec<Effect> {
        let modifiers = if c.is_ascii_uppercase() {
            KeyModifiers::SHIFT
        } else {
            KeyModifiers::NONE
        };
        s.app
            .update(Action::Key(KeyEvent::new(KeyCode::Char(c), modifiers)))
    }

    fn picked_text(s: &Script) -> String {
        let index = s.app.picked_entry().expect("a picked line");
        s.app.entries.get(index).expect("entry").lines.join("\n")
    }

    #[test]
    fn find_picks_the_latest_match_and_n_and_shift_n_move_between_matches() {
        let mut s = session();
        typed(&mut s, "/find 250");
        assert_eq!(s.app.overlay_kind(), Some(OverlayKind::Pick));
        assert!(
            picked_text(&s).contains("250 2.0.0 Ok"),
            "{}",
            picked_text(&s)
        );
        assert_eq!(s.app.search_query(), Some("250"));
        assert_eq!(
            s.app.notice(),
            Some("\"250\": match 2 of 2 — n next, N previous, Esc back")
        );
        press(&mut s, 'N');
        assert!(picked_text(&s).contains("250-mx"), "{}", picked_text(&s));
        press(&mut s, 'N');
        assert_eq!(
            s.app.notice(),
            Some("no match above this line (n below, N above)")
        );
        press(&mut s, 'n');
        assert!(picked_text(&s).contains("2.0.0 Ok"));
        s.app
            .update(Action::Key(KeyEvent::new(KeyCode::Esc, KeyModifiers::NONE)));
        typed(&mut s, "/find nowhere-to-be-seen");
        assert_eq!(s.app.overlay_kind(), None);
        assert_eq!(
            s.app.notice(),
            Some("\"nowhere-to-be-seen\" is not in the transcript")
        );
    }

    #[test]
    fn a_click_picks_the_line_drawn_on_that_row_and_keeps_the_scroll() {
        let mut s = session();
        let before = s.app.scroll;
        s.app.update(Action::Click(1));
        assert_eq!(s.app.overlay_kind(), Some(OverlayKind::Pick));
        assert_eq!(s.app.picked_entry(), Some(1));
        assert_eq!(s.app.scroll, before);
        assert!(!s.app.picked_explanation(60).is_empty());
        // A row below the last line picks nothing new.
        s.app.update(Action::Click(19));
        assert_eq!(s.app.picked_entry(), Some(1));
    }

    #[test]
    fn copy_sends_the_escaped_transcript_or_says_why_it_cannot() {
        let mut s = session();
        s.server(b"250 evil \x1b]52;c;AAAA\x07 text\r\n");
        let effects = typed(&mut s, "/copy");
        let [Effect::Copy(text)] = effects.as_slice() else {
            panic!("{effects:?}");
        };
        assert!(text.contains("S< 220 mx ESMTP"), "{text}");
        assert!(
            !text.contains('\u{1b}') && !text.contains('\u{7}'),
            "{text:?}"
        );
        s.app
            .set_clipboard_unavailable(Some("no clipboard here".into()));
        assert!(typed(&mut s, "/copy").is_empty());
        assert_eq!(s.app.notice(), Some("cannot copy: no clipboard here"));
    }

    #[test]
    fn f8_and_slash_mouse_toggle_the_mouse_capture() {
        let mut s = session();
        assert!(s.app.mouse_captured());
        let effects = s.app.update(Action::Key(KeyEvent::new(
            KeyCode::F(8),
            KeyModifiers::NONE,
        )));
        assert_eq!(effects, [Effect::MouseCapture(false)]);
        assert_eq!(typed(&mut s, "/mouse"), [Effect::MouseCapture(true)]);
    }

    #[test]
    fn matches_ignore_case_and_do_not_overlap() {
        assert_eq!(match_ranges("250 OK ok oK", "ok"), [4..6, 7..9, 10..12]);
        assert_eq!(match_ranges("aaaa", "aa"), [0..2, 2..4]);
        assert_eq!(match_ranges("Größe STRASSE", "größe"), vec![0..7]);
        assert!(match_ranges("abc", "").is_empty());
        assert!(match_ranges("abc", "x").is_empty());
    }
}
