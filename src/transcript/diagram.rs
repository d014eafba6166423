//! The session's sequence diagram as text for other tools: a Mermaid `sequenceDiagram` (GitHub
//! and GitLab render it in issues, so the markdown export carries it) and a standalone SVG
//! (slides, handouts; no scripts, no fonts or images fetched).
//!
//! Both draw the rungs of [`Ladder`]: a command is a solid arrow to the server, a reply a
//! dashed arrow back with its latency, a refusal (4yz, 5yz) a crossed arrow in red, the TLS
//! part a shaded band. Labels are escaped twice: once by the ladder (control characters), once
//! here for the target syntax (Mermaid entity codes, XML entities).
//!
//! Layer: transcript (pure: a transcript in, a string out).

use std::fmt::Write;

use super::ladder::{Flow, Ladder, Rung, RungKind};
use super::read::Transcript;

/// The ladder of a recorded session.
pub fn ladder_of(transcript: &Transcript) -> Ladder {
    Ladder::of(transcript.events())
}

/// The server's name as the diagram heads its column: `host:port`.
fn server_name(transcript: &Transcript) -> String {
    format!(
        "{}:{}",
        crate::proto::text::escape_str(&transcript.header.target.host),
        transcript.header.target.port
    )
}

/// A Mermaid `sequenceDiagram` of the session (without the markdown fence).
pub fn mermaid(transcript: &Transcript) -> String {
    mermaid_of(&ladder_of(transcript), &server_name(transcript))
}

/// The Mermaid text of a ladder, the server's column headed `server`.
pub fn mermaid_of(ladder: &Ladder, server: &str) -> String {
    let mut out = String::from("sequenceDiagram\n");
    let _ = writeln!(out, "    participant C as client (smtpx)");
    let _ = writeln!(out, "    participant S as {}", mermaid_text(server));
    let mut in_band = false;
    for rung in &ladder.rungs {
        if rung.tls && !in_band {
            out.push_str("    rect rgb(222, 235, 255)\n");
            in_band = true;
        } else if !rung.tls && in_band {
            out.push_str("    end\n");
            in_band = false;
        }
        let indent = if in_band { "    " } else { "" };
        let text = mermaid_text(&label_with_latency(rung));
        let line = match (rung.flow, rung.kind) {
            (Flow::ToServer, _) => format!("C->>S: {text}"),
            (Flow::ToClient, _) if refused(rung) => format!("S--xC: {text}"),
            (Flow::ToClient, _) => format!("S-->>C: {text}"),
            (Flow::Across, RungKind::Failed) => format!("Note over C,S: failed: {text}"),
            (Flow::Across, _) => format!("Note over C,S: {text}"),
        };
        let _ = writeln!(out, "    {indent}{line}");
    }
    if in_band {
        out.push_str("    end\n");
    }
    out
}

fn refused(rung: &Rung) -> bool {
    rung.outcome.is_some_and(|o| o.is_refusal())
}

fn label_with_latency(rung: &Rung) -> String {
    match (rung.flow, rung.latency_text()) {
        (Flow::ToClient, Some(latency)) => format!("{} · {latency}", rung.text()),
        (Flow::Across, Some(latency)) if rung.kind != RungKind::Closed => {
            format!("{} ({latency})", rung.text())
        }
        _ => rung.text(),
    }
}

/// Text Mermaid shows as written: anything beyond plain ASCII words and a few safe
/// punctuation marks becomes an entity code (`#59;`), so a `;`, `#`, `<`, a backtick (which
/// would end a markdown fence) or a `%%` in server text cannot change the diagram.
fn mermaid_text(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if c.is_alphanumeric() || " .,:/@-_=+()[]'*?!·".contains(c) {
            out.push(c);
        } else {
            let _ = write!(out, "#{};", u32::from(c));
        }
    }
    out
}

/// Geometry of the SVG, in pixels.
const WIDTH: u32 = 860;
const CLIENT_X: u32 = 110;
const SERVER_X: u32 = 690;
const TOP: u32 = 70;
const ROW: u32 = 30;
/// Characters of a label that fit between the columns at the font size used.
const LABEL_CHARS: usize = 80;

/// A standalone SVG of the session.
pub fn svg(transcript: &Transcript) -> String {
    svg_of(&ladder_of(transcript), &server_name(transcript))
}

/// The SVG of a ladder, the server's column headed `server`.
pub fn svg_of(ladder: &Ladder, server: &str) -> String {
    let rows = u32::try_from(ladder.rungs.len()).unwrap_or(u32::MAX / ROW);
    let height = TOP + rows.saturating_mul(ROW) + 40;
    let mut out = String::new();
    let _ = writeln!(
        out,
        r##"<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{height}" viewBox="0 0 {WIDTH} {height}" font-family="DejaVu Sans Mono, Menlo, Consolas, monospace" font-size="12">"##
    );
    out.push_str("<title>SMTP session sequence diagram</title>\n");
    out.push_str(concat!(
        "<defs>",
        r##"<marker id="to" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="8" markerHeight="8" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="#222"/></marker>"##,
        r##"<marker id="refused" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="8" markerHeight="8" orient="auto-start-reverse"><path d="M0,0 L10,10 M0,10 L10,0" stroke="#b00020" stroke-width="2"/></marker>"##,
        "</defs>\n"
    ));
    let _ = writeln!(
        out,
        r##"<rect x="0" y="0" width="{WIDTH}" height="{height}" fill="#ffffff"/>"##
    );
    // The TLS bands first, so the arrows are drawn over them.
    let mut row = 0u32;
    let mut band_start: Option<u32> = None;
    for rung in &ladder.rungs {
        match (rung.tls, band_start) {
            (true, None) => band_start = Some(row),
            (false, Some(start)) => {
                band(&mut out, start, row);
                band_start = None;
            }
            _ => {}
        }
        row += 1;
    }
    if let Some(start) = band_start {
        band(&mut out, start, row);
    }
    for (x, name) in [(CLIENT_X, "client (smtpx)"), (SERVER_X, server)] {
        let _ = writeln!(
            out,
            r##"<rect x="{}" y="16" width="200" height="28" rx="4" fill="#f2f2f2" stroke="#222"/><text x="{x}" y="35" text-anchor="middle" font-weight="bold">{}</text>"##,
            x - 100,
            markup(&clip(name, 26))
        );
        let _ = writeln!(
            out,
            r##"<line x1="{x}" y1="44" x2="{x}" y2="{}" stroke="#888" stroke-dasharray="4 3"/>"##,
            height - 20
        );
    }
    for (i, rung) in ladder.rungs.iter().enumerate() {
        let y = TOP + u32::try_from(i).unwrap_or(0) * ROW;
        rung_svg(&mut out, rung, y);
    }
    out.push_str("</svg>\n");
    out
}

fn band(out: &mut String, from_row: u32, to_row: u32) {
    let y = TOP + from_row * ROW - 14;
    let h = (to_row - from_row) * ROW;
    let _ = writeln!(
        out,
        r##"<rect class="tls" x="20" y="{y}" width="{}" height="{h}" fill="#deebff"/><text x="26" y="{}" fill="#1f4e99" font-size="10">TLS</text>"##,
        WIDTH - 40,
        y + 12
    );
}

fn rung_svg(out: &mut String, rung: &Rung, y: u32) {
    let refusal = refused(rung);
    let colour = if refusal { "#b00020" } else { "#222" };
    let mid = (CLIENT_X + SERVER_X) / 2;
    let label = markup(&clip(&rung.text(), LABEL_CHARS));
    match rung.flow {
        Flow::ToServer | Flow::ToClient => {
            let (x1, x2) = if rung.flow == Flow::ToServer {
                (CLIENT_X, SERVER_X)
            } else {
                (SERVER_X, CLIENT_X)
            };
            let dash = if rung.flow == Flow::ToClient {
                r#" stroke-dasharray="6 3""#
            } else {
                ""
            };
            let marker = if refusal { "refused" } else { "to" };
            let class = if rung.flow == Flow::ToServer {
                "command"
            } else if refusal {
                "reply refused"
            } else {
                "reply"
            };
            let _ = writeln!(
                out,
                r##"<g class="{class}"><line x1="{x1}" y1="{y}" x2="{x2}" y2="{y}" stroke="{colour}"{dash} marker-end="url(#{marker})"/><text x="{mid}" y="{}" text-anchor="middle" fill="{colour}">{label}</text>"##,
                y - 4
            );
            if let Some(latency) = rung.latency_text().filter(|_| rung.flow == Flow::ToClient) {
                let _ = write!(
                    out,
                    r##"<text x="{}" y="{}" fill="#555" font-size="10">{}</text>"##,
                    SERVER_X + 8,
                    y + 4,
                    markup(&latency)
                );
            }
            out.push_str("</g>\n");
        }
        Flow::Across => {
            let (fill, stroke) = match rung.kind {
                RungKind::Failed | RungKind::Finding => ("#fde7ea", "#b00020"),
                RungKind::Tls => ("#c7dcff", "#1f4e99"),
                _ => ("#fff8dc", "#999"),
            };
            let label = match rung.latency_text() {
                Some(latency) if rung.kind != RungKind::Closed => {
                    markup(&clip(&format!("{} ({latency})", rung.text()), LABEL_CHARS))
                }
                _ => label,
            };
            let _ = writeln!(
                out,
                r##"<g class="note"><rect x="{}" y="{}" width="{}" height="20" rx="3" fill="{fill}" stroke="{stroke}"/><text x="{mid}" y="{}" text-anchor="middle">{label}</text></g>"##,
                CLIENT_X - 40,
                y - 14,
                SERVER_X - CLIENT_X + 80,
                y
            );
        }
    }
}

/// At most `max` characters, with an ellipsis when cut.
fn clip(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        return text.to_string();
    }
    let mut cut: String = text.chars().take(max.saturating_sub(1)).collect();
    cut.push('…');
    cut
}

/// Text for XML character data or an attribute (the HTML export's too).
pub(super) fn markup(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            c if c.is_control() => {
                let _ = write!(out, "\\u{{{:04x}}}", u32::from(c));
            }
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The text with every entity code (`#59;`) taken out.
    fn without_entities(text: &str) -> String {
        let mut out = String::new();
        let mut rest = text;
        while let Some(i) = rest.find('#') {
            out.push_str(&rest[..i]);
            let tail = &rest[i + 1..];
            let digits = tail.chars().take_while(char::is_ascii_digit).count();
            assert!(
                digits > 0 && tail[digits..].starts_with(';'),
                "bare # in {text}"
            );
            rest = &tail[digits + 1..];
        }
        out.push_str(rest);
        out
    }

    #[test]
    fn mermaid_text_cannot_break_out_of_a_message() {
        let text = mermaid_text("a;b#c<d>e`f%%g\\h\u{1b}\n·");
        let plain = without_entities(&text);
        for c in [';', '#', '<', '>', '`', '%', '\\', '\u{1b}', '\n'] {
            assert!(!plain.contains(c), "{c:?} in {text}");
        }
        assert_eq!(mermaid_text("a;b"), "a#59;b");
        assert_eq!(mermaid_text("x`y"), "x#96;y");
    }

    #[test]
    fn xml_text_is_escaped() {
        assert_eq!(
            markup("<a href=\"x\">&'"),
            "&lt;a href=&quot;x&quot;&gt;&amp;&apos;"
        );
        assert_eq!(markup("\u{7}"), "\\u{0007}");
    }

    #[test]
    fn long_labels_are_clipped_with_an_ellipsis() {
        assert_eq!(clip("abcdef", 4), "abc…");
        assert_eq!(clip("abc", 4), "abc");
    }
}
