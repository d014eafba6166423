//! Lines wrapped before ratatui sees them, for the views whose rows hang under a label:
//! `   not after 2026-12-28 00:00:00 UTC (29 days` / `             left)` instead of ratatui's
//! wrap back to the first column. Words break at spaces ([`crate::wrap`]).

use ratatui::style::Style;
use ratatui::text::{Line, Span};

/// Below this many columns for the value, the label does not hang: the value wraps under it
/// from the first column.
const MIN_VALUE_COLUMNS: usize = 12;

/// `label` (already padded) then `value`, wrapped to `width` columns; the value's later rows
/// start under its first character.
pub fn labelled(
    label: &str,
    label_style: Style,
    value: &str,
    value_style: Style,
    width: usize,
) -> Vec<Line<'static>> {
    let hang = crate::wrap::width(label);
    if width < hang + MIN_VALUE_COLUMNS {
        let mut out = vec![Line::from(Span::styled(label.to_string(), label_style))];
        out.extend(plain(value, value_style, width));
        return out;
    }
    crate::wrap::rows(value, width - hang)
        .iter()
        .enumerate()
        .map(|(i, row)| {
            let head = if i == 0 {
                Span::styled(label.to_string(), label_style)
            } else {
                Span::raw(" ".repeat(hang))
            };
            Line::from(vec![
                head,
                Span::styled(row.to_string_indented(), value_style),
            ])
        })
        .collect()
}

/// `text` wrapped to `width` columns with its own hanging indent, one style.
pub fn plain(text: &str, style: Style, width: usize) -> Vec<Line<'static>> {
    crate::wrap::lines(text, width)
        .into_iter()
        .map(|row| Line::styled(row, style))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn texts(lines: &[Line<'_>]) -> Vec<String> {
        lines.iter().map(|l| l.to_string()).collect()
    }

    #[test]
    fn later_rows_hang_under_the_value() {
        let lines = labelled(
            "     not after ",
            Style::default(),
            "2026-12-28 00:00:00 UTC (29 days left)",
            Style::default(),
            40,
        );
        assert_eq!(
            texts(&lines),
            [
                "     not after 2026-12-28 00:00:00 UTC",
                "               (29 days left)"
            ]
        );
    }

    #[test]
    fn a_narrow_screen_wraps_the_value_under_the_label() {
        let lines = labelled(
            "   label ",
            Style::default(),
            "one two three",
            Style::default(),
            14,
        );
        assert_eq!(texts(&lines), ["   label ", "one two three"]);
    }
}
