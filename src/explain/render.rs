//! An [`Explanation`] as plain text lines wrapped to a width: what `smtpx explain` prints,
//! and what a panel can show as-is.
//!
//! ```text
//! 451  Requested action aborted: local error in processing
//!      reply code · temporary failure · RFC 5321 §4.2.3
//!      https://www.rfc-editor.org/rfc/rfc5321#section-4.2.3
//!      Meaning   The server hit a temporary problem ...
//!      Practice  Greylisting ("451 4.7.1 Try again later"), ...
//!      Try       Retry later, as an MTA would. ...
//! ```
//!
//! Security: the query may be a server's reply, so it is escaped
//! ([`escape_str`]) before it is put in a line; table text is trusted data.
//!
//! Layer: explain (sans-IO).

use crate::proto::text::escape_str;

use super::{Explanation, Item, Kind, Status};

const LABEL_WIDTH: usize = 10;
const INDENT: &str = "     ";

/// The explanation as lines no wider than `width` (where words allow).
pub fn lines(explanation: &Explanation, width: usize) -> Vec<String> {
    let width = width.max(40);
    let mut out = Vec::new();
    let is_reply = explanation.query.contains(' ') || explanation.query.contains('\n');
    if is_reply {
        for line in explanation.query.lines() {
            out.push(format!("> {}", escape_str(line)));
        }
        out.push(String::new());
    }
    for (i, item) in explanation.items.iter().enumerate() {
        if i > 0 {
            out.push(String::new());
        }
        item_lines(item, width, &mut out);
    }
    if !explanation.vendor_notes.is_empty() {
        out.push(String::new());
        out.push("Notes".to_owned());
        for note in &explanation.vendor_notes {
            let text = format!("{}: {}", note.source, note.note);
            out.extend(wrap(&text, "  • ", "    ", width));
            if let Some(url) = &note.url {
                out.push(format!("    {url}"));
            }
        }
    }
    if !explanation.remarks.is_empty() {
        out.push(String::new());
        out.push("Remarks".to_owned());
        for remark in &explanation.remarks {
            out.extend(wrap(remark, "  • ", "    ", width));
        }
    }
    out
}

fn item_lines(item: &Item, width: usize, out: &mut Vec<String>) {
    let key = if item.key.is_empty() {
        "—"
    } else {
        &item.key
    };
    out.extend(wrap(
        &escape_str(&item.title),
        &format!("{}  ", escape_str(key)),
        INDENT,
        width,
    ));
    let mut tags = vec![kind_label(item.kind).to_owned()];
    if let Some(severity) = item.severity {
        tags.push(severity_label(severity).to_owned());
    }
    match item.status {
        Status::Exact => {}
        Status::Generic => tags.push("generic meaning".to_owned()),
        Status::Unknown => tags.push("unknown".to_owned()),
    }
    if let Some(reference) = &item.reference {
        tags.push(reference.clone());
    }
    out.extend(wrap(&tags.join(" · "), INDENT, INDENT, width));
    if let Some(url) = &item.url {
        out.push(format!("{INDENT}{url}"));
    }
    let fields = [
        ("Meaning", Some(&item.meaning)),
        ("Params", item.parameters.as_ref()),
        ("Practice", item.practice.as_ref()),
        ("Try", item.advice.as_ref()),
    ];
    for (label, text) in fields {
        if let Some(text) = text.filter(|t| !t.is_empty()) {
            let first = format!("{INDENT}{label:<LABEL_WIDTH$}");
            let rest = " ".repeat(INDENT.len() + LABEL_WIDTH);
            // Parameters come from the server; escaping trusted table text is a no-op.
            out.extend(wrap(&escape_str(text), &first, &rest, width));
        }
    }
}

fn kind_label(kind: Kind) -> &'static str {
    match kind {
        Kind::ReplyCode => "reply code",
        Kind::EnhancedCode => "enhanced status code",
        Kind::Keyword => "EHLO keyword",
        Kind::SaslMechanism => "SASL mechanism",
        Kind::Command => "command",
        Kind::Unrecognised => "not recognised",
    }
}

fn severity_label(severity: &str) -> &str {
    match severity {
        "positive_completion" => "success",
        "positive_intermediate" => "intermediate (more expected)",
        "transient_negative" => "temporary failure",
        "permanent_negative" => "permanent failure",
        other => other,
    }
}

/// Greedy word wrap: `first` prefixes the first line, `rest` the others. A word longer
/// than the line (a URL) gets a line of its own.
fn wrap(text: &str, first: &str, rest: &str, width: usize) -> Vec<String> {
    let mut lines = Vec::new();
    let mut line = first.to_owned();
    let mut empty = true;
    for word in text.split_whitespace() {
        let prefix_len = if lines.is_empty() { first } else { rest }.chars().count();
        let needed = line.chars().count() + usize::from(!empty) + word.chars().count();
        if !empty && needed > width && line.chars().count() > prefix_len {
            lines.push(std::mem::replace(&mut line, rest.to_owned()));
            empty = true;
        }
        if !empty {
            line.push(' ');
        }
        line.push_str(word);
        empty = false;
    }
    lines.push(line.trim_end().to_owned());
    lines
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wrap_keeps_lines_within_width_and_indents_continuations() {
        let text = "one two three four five six seven eight nine ten eleven twelve";
        let lines = wrap(text, "  - ", "    ", 20);
        assert!(lines.iter().all(|l| l.chars().count() <= 20), "{lines:?}");
        assert!(lines[0].starts_with("  - one"));
        assert!(lines[1..].iter().all(|l| l.starts_with("    ")));
        let joined: Vec<&str> = lines.iter().flat_map(|l| l.split_whitespace()).collect();
        assert_eq!(joined.len(), 13);
    }

    #[test]
    fn a_word_longer_than_the_width_is_not_split() {
        let lines = wrap(
            "see https://example.com/a/very/long/path/indeed",
            "",
            "",
            20,
        );
        assert_eq!(
            lines,
            ["see", "https://example.com/a/very/long/path/indeed"]
        );
    }
}
