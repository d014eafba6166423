//! Word wrapping for the screen: lines break at spaces, measured in terminal columns (a
//! wide character takes two), and the rows after the first keep a hanging indent under the
//! line's own indent and bullet. A word longer than the row (base64, a fingerprint, a URL)
//! is the only thing broken inside.
//!
//! Every view that wraps text itself (the transcript, which counts rows to scroll without
//! drawing them) uses these functions, so the count and the drawing agree.

use unicode_width::UnicodeWidthChar;

/// One row of a wrapped line: `indent` columns of blank, then `text` (a slice of the line).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Row<'a> {
    pub indent: usize,
    pub text: &'a str,
}

impl Row<'_> {
    /// The row as drawn: its indent as spaces, then its text.
    pub fn to_string_indented(&self) -> String {
        let mut out = " ".repeat(self.indent);
        out.push_str(self.text);
        out
    }
}

/// The rows of `line` at `columns` columns (at least one row, `""` for an empty line).
pub fn rows(line: &str, columns: usize) -> Vec<Row<'_>> {
    let columns = columns.max(1);
    if fits(line, columns) {
        return vec![Row {
            indent: 0,
            text: line,
        }];
    }
    let hang = hanging_indent(line, columns);
    let mut out = Vec::new();
    let mut start = 0;
    while start < line.len() || out.is_empty() {
        let indent = if out.is_empty() { 0 } else { hang };
        let (end, next) = row_end(line, start, columns - indent);
        out.push(Row {
            indent,
            text: &line[start..end],
        });
        start = next;
    }
    out
}

/// How many rows `line` takes at `columns` columns: `rows(line, columns).len()`, without
/// building them for a line that fits.
pub fn count(line: &str, columns: usize) -> usize {
    if fits(line, columns.max(1)) {
        1
    } else {
        rows(line, columns).len()
    }
}

/// `text` wrapped to `columns`, each row with its indent: for views that draw strings.
pub fn lines(text: &str, columns: usize) -> Vec<String> {
    rows(text, columns)
        .iter()
        .map(Row::to_string_indented)
        .collect()
}

/// A line of no more bytes than columns fits whatever its characters are: no character
/// is wider in columns than in UTF-8 bytes.
fn fits(line: &str, columns: usize) -> bool {
    line.len() <= columns || width(line) <= columns
}

/// Display width in terminal columns.
pub fn width(text: &str) -> usize {
    text.chars().map(char_width).sum()
}

fn char_width(c: char) -> usize {
    c.width().unwrap_or(0)
}

/// The indent of the rows after the first: the line's leading spaces, plus a bullet
/// (`- `, `* `, `• `) after them; none when that would leave less than half the row.
fn hanging_indent(line: &str, columns: usize) -> usize {
    let spaces = line.len() - line.trim_start_matches(' ').len();
    let rest = &line[spaces..];
    let bullet = ["- ", "* ", "• "]
        .iter()
        .find(|b| rest.starts_with(**b))
        .map_or(0, |b| width(b));
    let hang = spaces + bullet;
    if hang * 2 > columns { 0 } else { hang }
}

/// Where the row starting at byte `start` ends (exclusive) and where the next row starts,
/// for a row of `room` columns (at least one character per row, so wrapping always ends).
fn row_end(line: &str, start: usize, room: usize) -> (usize, usize) {
    let room = room.max(1);
    let mut used = 0;
    let mut seen_text = false;
    // The last place to break: the end of the text before a run of spaces, and the start
    // of the word after it.
    let mut last_break: Option<(usize, usize)> = None;
    let mut spaces_from: Option<usize> = None;
    for (at, c) in line[start..].char_indices() {
        let at = start + at;
        let space = c == ' ';
        if space {
            if seen_text && spaces_from.is_none() {
                spaces_from = Some(at);
            }
        } else if let Some(from) = spaces_from.take() {
            last_break = Some((from, at));
        }
        let w = if space { 1 } else { char_width(c) };
        if used + w > room && at > start {
            return match (space, spaces_from) {
                // Out of room in the spaces after a word: the word ends the row.
                (true, Some(from)) => (from, skip_spaces(line, at)),
                // Out of room in leading spaces: a row of blank.
                (true, None) => (at, at),
                _ => last_break.unwrap_or((at, at)),
            };
        }
        used += w;
        seen_text |= !space;
    }
    // The rest fits; spaces at its end take no row of their own.
    let end = line.trim_end_matches(' ').len().max(start);
    (end, line.len())
}

fn skip_spaces(line: &str, at: usize) -> usize {
    at + (line[at..].len() - line[at..].trim_start_matches(' ').len())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn texts(line: &str, columns: usize) -> Vec<String> {
        lines(line, columns)
    }

    #[test]
    fn breaks_at_spaces_not_inside_words() {
        let rows = texts(
            "use /starttls or F4 to authenticate after the transaction",
            20,
        );
        assert_eq!(
            rows,
            [
                "use /starttls or F4",
                "to authenticate",
                "after the",
                "transaction"
            ]
        );
        for row in &rows {
            assert!(width(row) <= 20, "{row:?}");
        }
    }

    #[test]
    fn a_word_longer_than_the_row_is_broken_inside() {
        let b64 = "dGhpcyBpcyBhIGxvbmcgYmFzZTY0IHRva2Vu";
        let rows = texts(&format!("token {b64} end"), 16);
        assert_eq!(rows[0], "token");
        assert_eq!(rows[1], &b64[..16]);
        assert_eq!(rows[2], &b64[16..32]);
        assert_eq!(rows[3], format!("{} end", &b64[32..]));
    }

    #[test]
    fn continuation_rows_hang_under_the_indent_and_bullet() {
        let rows = texts("  - the server offers STARTTLS and AUTH PLAIN LOGIN", 24);
        assert_eq!(rows[0], "  - the server offers");
        assert!(rows[1..].iter().all(|r| r.starts_with("    ")), "{rows:?}");
        assert!(rows.iter().all(|r| width(r) <= 24), "{rows:?}");
        let words: Vec<&str> = rows.iter().flat_map(|r| r.split_whitespace()).collect();
        assert_eq!(
            words,
            [
                "-", "the", "server", "offers", "STARTTLS", "and", "AUTH", "PLAIN", "LOGIN"
            ]
        );
    }

    #[test]
    fn wide_characters_take_two_columns() {
        // Six wide characters are twelve columns: two rows of five at ten columns.
        let rows = rows("日本語日本語", 10);
        assert_eq!(rows.len(), 2);
        assert_eq!(rows[0].text, "日本語日本");
        assert_eq!(rows[1].text, "語");
        assert_eq!(count("日本語日本語", 10), 2);
        // A wide character never straddles the edge.
        let rows = texts("a日本語日本", 4);
        assert!(rows.iter().all(|r| width(r) <= 4), "{rows:?}");
    }

    #[test]
    fn count_agrees_with_rows_and_empty_lines_take_a_row() {
        assert_eq!(
            rows("", 10),
            [Row {
                indent: 0,
                text: ""
            }]
        );
        assert_eq!(count("", 10), 1);
        for line in [
            "short",
            "exactly ten",
            "one two three four five six seven",
            "          ",
            "                                         x",
            "x                                         ",
            "nospacesatallinthisverylongline",
            "   - bullet with a long tail of words to wrap around",
        ] {
            for columns in 1..40 {
                let built = rows(line, columns);
                assert_eq!(count(line, columns), built.len(), "{line:?} at {columns}");
                for row in &built {
                    assert!(
                        row.indent + width(row.text) <= columns.max(1),
                        "{line:?} at {columns}: {built:?}"
                    );
                }
            }
        }
    }

    #[test]
    fn no_text_is_lost_but_the_spaces_at_breaks() {
        let line = "250-mail.example.com greets you, here are the capabilities it offers";
        for columns in 21..60 {
            let joined: Vec<&str> = rows(line, columns)
                .iter()
                .flat_map(|r| r.text.split_whitespace())
                .collect();
            let joined = joined.join(" ");
            assert_eq!(joined, line, "at {columns}");
        }
    }
}
