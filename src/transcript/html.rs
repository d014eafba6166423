//! `smtpx export --format html`: one self-contained page for a bug report or a class. No
//! scripts, no fonts, images or styles fetched: the summary table, the sequence diagram as
//! inline SVG, the transcript with `C>`/`S<` and TLS marking and each reply explained beside
//! it (the full explanation on hover), the certificate chain and verdicts, and the timeline
//! of latencies.
//!
//! Secrets stay as the transcript redacted them (the page is made from the same events as
//! the text export). Every string from the file passes [`escape_str`] (control characters)
//! and then [`html`] (markup), so neither a terminal escape nor a tag reaches the page.
//!
//! Layer: transcript (pure: a transcript in, a string out).

use std::fmt::Write;

use super::diagram::{ladder_of, svg_of};
use super::ladder::{RungKind, human};
use super::read::Transcript;
use super::summary::Summary;
use crate::event::{Layer, SessionEvent};
use crate::explain::{self, Answers, Explanation};
use crate::proto::text::escape_str;

/// The page's own style: system fonts, print-friendly, readable projected.
const STYLE: &str = "
body{font-family:system-ui,sans-serif;margin:2em auto;max-width:72em;padding:0 1em;color:#111;background:#fff}
h1{font-size:1.4em}h2{font-size:1.15em;margin-top:2em;border-bottom:1px solid #ccc}
table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:.2em .6em;text-align:left;vertical-align:top}
.bad{color:#b00020;font-weight:bold}.good{color:#1b5e20}
ol.transcript{list-style:none;padding:0;font-family:ui-monospace,'DejaVu Sans Mono',monospace;font-size:.9em}
ol.transcript li{display:grid;grid-template-columns:5em 2.2em 1fr 1fr;gap:.5em;padding:.1em .3em;border-left:4px solid transparent}
ol.transcript li.tls{background:#eef4ff;border-left-color:#3d5afe}
.t{color:#666;text-align:right}.m{font-weight:bold}
li.client .x{color:#004d99}li.reply .x{color:#1b5e20}li.refused .x{color:#b00020;font-weight:bold}
li.finding .x,li.failed .x{color:#b00020;font-weight:bold}li.info .x{color:#444}
.why{font-family:system-ui,sans-serif;color:#333}.why:empty{display:none}
.x{white-space:pre-wrap;word-break:break-all}
pre{background:#f6f6f6;padding:.6em;overflow-x:auto}
svg{max-width:100%;height:auto;border:1px solid #ddd}
";

/// Text for HTML: `&`, `<`, `>`, `"` and `'` as entities. The caller escapes control
/// characters first ([`escape_str`]) when the text came from the file.
pub fn html(text: &str) -> String {
    super::diagram::markup(text)
}

/// From the file: control characters escaped, then markup.
fn safe(text: &str) -> String {
    html(&escape_str(text))
}

/// The page.
pub fn page(transcript: &Transcript) -> String {
    let h = &transcript.header;
    let summary = Summary::of(transcript.events());
    let title = format!(
        "SMTP session with {}:{}",
        safe(&h.target.host),
        h.target.port
    );
    let mut out = String::new();
    let _ = write!(
        out,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <meta name=\"generator\" content=\"smtpx {}\">\n<title>{title}</title>\n\
         <style>{STYLE}</style>\n</head>\n<body>\n<h1>{title}</h1>\n",
        safe(env!("CARGO_PKG_VERSION"))
    );
    for warning in &transcript.warnings {
        let _ = writeln!(out, "<p class=\"bad\">warning: {}</p>", safe(warning));
    }
    summary_table(&mut out, transcript, &summary);

    out.push_str("<h2 id=\"diagram\">Sequence diagram</h2>\n");
    let server = format!("{}:{}", h.target.host, h.target.port);
    out.push_str(&svg_of(&ladder_of(transcript), &escape_str(&server)));

    out.push_str("<h2 id=\"transcript\">Transcript</h2>\n");
    transcript_list(&mut out, transcript, &summary);

    if let Some(info) = &summary.tls {
        out.push_str("<h2 id=\"certificate\">Certificate chain and verdicts</h2>\n<pre>");
        for line in crate::net::cert::render::report_lines(info, h.started_unix) {
            // Already escaped for control characters when decoded and rendered.
            let _ = writeln!(out, "{}", html(&line));
        }
        out.push_str("</pre>\n");
    }

    timeline(&mut out, transcript);
    out.push_str(
        "<p><small>Written by <code>smtpx export --format html</code>; AUTH secrets are \
         redacted as in the recording.</small></p>\n</body>\n</html>\n",
    );
    out
}

fn summary_table(out: &mut String, transcript: &Transcript, summary: &Summary) {
    let h = &transcript.header;
    out.push_str("<table class=\"summary\">\n");
    let mut row = |key: &str, value: String| {
        let _ = writeln!(out, "<tr><th>{key}</th><td>{value}</td></tr>");
    };
    row("transport", html(h.transport.name()));
    row(
        "recorded",
        format!("{} by smtpx {}", safe(&h.started), safe(&h.smtpx)),
    );
    match &summary.tls {
        Some(info) => {
            let mut tls = format!("{} · {}", safe(&info.version), safe(&info.cipher_suite));
            if let Some(group) = &info.key_exchange_group {
                let _ = write!(tls, " · {}", safe(group));
            }
            row("TLS", tls);
            let class = if info.verdict.ok() { "good" } else { "bad" };
            row(
                "certificate",
                format!(
                    "<span class=\"{class}\">{}</span>",
                    safe(&info.verdict.summary())
                ),
            );
        }
        None => row("TLS", "none (plaintext)".into()),
    }
    if let Some(caps) = summary.capabilities() {
        let list: Vec<String> = caps
            .iter()
            .map(|c| format!("<code>{}</code>", safe(c)))
            .collect();
        row("capabilities", list.join(" "));
    }
    for finding in &summary.findings {
        row(
            "finding",
            format!("<span class=\"bad\">{}</span>", safe(finding)),
        );
    }
    row(
        "outcome",
        match (&summary.failure, &summary.partly) {
            (Some(failure), _) => format!("<span class=\"bad\">failed: {}</span>", safe(failure)),
            (None, Some(partly)) => format!(
                "{} of {} recipients accepted; <span class=\"bad\">refused: {}</span>",
                partly.accepted,
                partly.recipients,
                safe(&partly.first)
            ),
            (None, None) => "no failure".into(),
        },
    );
    out.push_str("</table>\n");
}

/// One `<li>` per event, in the file's order (`data-event` numbers them from 1), each reply
/// with its explanation as the answer to its command.
fn transcript_list(out: &mut String, transcript: &Transcript, summary: &Summary) {
    let mut exchanges = summary.exchanges.iter();
    out.push_str("<ol class=\"transcript\">\n");
    for (n, entry) in transcript.entries.iter().enumerate() {
        let event = &entry.event;
        let (class, tls, why, detail) = match event {
            SessionEvent::Sent { layer, .. } => ("client", *layer == Layer::Tls, None, None),
            SessionEvent::Received { layer, reply, .. } => {
                let answers = exchanges
                    .next()
                    .map(|e| answers_of(e.command.as_deref()))
                    .unwrap_or(Answers::Greeting);
                let explanation = explain::reply_to(reply, &answers);
                let refused = reply.code().is_some_and(|c| c >= 400);
                (
                    if refused { "refused" } else { "reply" },
                    *layer == Layer::Tls,
                    Some(one_line(&explanation)),
                    Some(explain::render::lines(&explanation, 100).join("\n")),
                )
            }
            SessionEvent::TlsEstablished { .. } => ("info tls", true, None, None),
            SessionEvent::Finding { .. } => ("finding", false, None, None),
            SessionEvent::Failed { .. } => ("failed", false, None, None),
            _ => ("info", false, None, None),
        };
        let marker = match (class, tls) {
            ("client", false) => "C&gt;",
            ("client", true) => "C~",
            ("reply" | "refused", false) => "S&lt;",
            ("reply" | "refused", true) => "S~",
            ("finding", _) => "!!",
            ("failed", _) => "**",
            _ => "==",
        };
        let text: Vec<String> = super::export::entry_lines(entry)
            .iter()
            .map(|line| html(strip_marker(line)))
            .collect();
        let tls_class = if tls && !class.contains("tls") {
            " tls"
        } else {
            ""
        };
        // Line breaks in an attribute as character references, so the hover keeps them.
        let title = detail
            .map(|d| {
                let lines: Vec<String> = d.lines().map(html).collect();
                format!(" title=\"{}\"", lines.join("&#10;"))
            })
            .unwrap_or_default();
        let _ = writeln!(
            out,
            "<li class=\"{class}{tls_class}\" id=\"e{id}\" data-event=\"{id}\"><span class=\"t\">{at:.3}</span><span class=\"m\">{marker}</span><span class=\"x\">{text}</span><span class=\"why\"{title}>{why}</span></li>",
            id = n + 1,
            at = event.at().as_secs_f64(),
            text = text.join("\n"),
            why = why.map(|w| html(&w)).unwrap_or_default(),
        );
    }
    out.push_str("</ol>\n");
}

/// The text export's lines without their two-character marker (`-> `, `<~ `, `=== `…).
fn strip_marker(line: &str) -> &str {
    for marker in ["-> ", "~> ", "<- ", "<~ ", "=== ", "!!! ", "*** "] {
        if let Some(rest) = line.strip_prefix(marker) {
            return rest;
        }
    }
    line
}

/// What a recorded command line answers to: its verb, or the end of data for a message
/// (shown as `<message …>`).
fn answers_of(command: Option<&str>) -> Answers {
    match command {
        None => Answers::Greeting,
        Some(shown) if shown.starts_with('<') => Answers::EndOfData,
        Some(shown) => Answers::Command(
            explain::command_verb(shown).unwrap_or_else(|| super::summary::verb_of(shown)),
        ),
    }
}

/// The explanation in one line: the answer's meaning, else the most specific item's title.
fn one_line(explanation: &Explanation) -> String {
    let best = explanation
        .items
        .iter()
        .find(|i| i.kind == explain::Kind::Answer)
        .or_else(|| {
            explanation
                .items
                .iter()
                .rev()
                .find(|i| i.is_known() && !i.key.ends_with(".0.0"))
        })
        .or(explanation.items.first());
    best.map(|i| i.title.clone()).unwrap_or_default()
}

/// Each step that took time: connect, TLS handshake, each reply's latency.
fn timeline(out: &mut String, transcript: &Transcript) {
    let ladder = ladder_of(transcript);
    let steps: Vec<_> = ladder
        .rungs
        .iter()
        .filter(|r| r.latency.is_some())
        .collect();
    if steps.is_empty() {
        return;
    }
    out.push_str(
        "<h2 id=\"timeline\">Timeline</h2>\n<table class=\"timeline\">\n\
         <tr><th>at (s)</th><th>step</th><th>took</th></tr>\n",
    );
    for rung in steps {
        let what = match rung.kind {
            RungKind::Connect => "connect".to_string(),
            RungKind::Tls => "TLS handshake".to_string(),
            _ => rung.text(),
        };
        let _ = writeln!(
            out,
            "<tr><td>{:.3}</td><td>{}</td><td>{}</td></tr>",
            rung.at.as_secs_f64(),
            // Rung labels are escaped for control characters already.
            html(&what),
            rung.latency.map(human).unwrap_or_default()
        );
    }
    out.push_str("</table>\n");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markup_and_controls_from_the_file_never_reach_the_page() {
        assert_eq!(
            safe("<script>alert('x')</script>\u{1b}[2J & \"q\""),
            "&lt;script&gt;alert(&apos;x&apos;)&lt;/script&gt;\\x1b[2J &amp; &quot;q&quot;"
        );
    }

    #[test]
    fn the_text_export_markers_are_stripped_once() {
        assert_eq!(strip_marker("-> EHLO me"), "EHLO me");
        assert_eq!(strip_marker("<~ 250 ok"), "250 ok");
        assert_eq!(strip_marker("=== connected"), "connected");
        assert_eq!(strip_marker("-> -> x"), "-> x");
    }
}
