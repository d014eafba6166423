//! The scan as a person reads it: a table of ports (at most 100 columns wide), the details
//! of each port, the diagnoses, and the verdict — every line wrapped to fit.
//!
//! ```text
//! PORT   STATE     SPEAKS             TLS                    AUTH before → after TLS     GREETING
//! 587    open      SMTP + STARTTLS    TLSv1.3, cert ok       none → PLAIN LOGIN          41 ms
//!
//! 587    greeting  '220 mx.example.com ESMTP'
//!        tls       …
//! ```
//!
//! Layer: front end (scan). Everything from the server was escaped when the report was made.

use super::report::{PortReport, PortSurface, Reach, ScanReport, Speaks, TlsStartedBy};
use crate::diagnose::Diagnosis;
use crate::proto::text::escape_str;

/// Longest line of the rendering.
pub const WIDTH: usize = 100;

const COLUMNS: [(&str, usize); 6] = [
    ("PORT", 5),
    ("STATE", 8),
    ("SPEAKS", 18),
    ("TLS", 21),
    ("AUTH before → after TLS", 26),
    ("GREETING", 8),
];

/// Renders the whole report.
pub fn render(report: &ScanReport) -> String {
    let mut text = head(&report.host, report.ports.len(), report.timeout_ms);
    for port in &report.ports {
        text.push_str(&port_row(port));
    }
    text.push_str(&tail(report));
    text
}

/// The title and the column names: what a terminal shows before any port is done. `host`
/// is escaped already.
pub fn head(host: &str, ports: usize, timeout_ms: u64) -> String {
    let out = [
        format!(
            "smtpx scan {host} · {ports} port{} · timeout {}",
            if ports == 1 { "" } else { "s" },
            crate::net::error::human_duration(std::time::Duration::from_millis(timeout_ms))
        ),
        String::new(),
        row(&COLUMNS.map(|(title, _)| title.to_string())),
    ];
    let mut text = out.join("\n");
    text.push('\n');
    text
}

/// One port's row of the table, with its line end: shown as soon as the port is done.
pub fn port_row(port: &PortReport) -> String {
    let mut text = row(&cells(port));
    text.push('\n');
    text
}

/// Everything under the rows: each port's details, the diagnoses, the verdict.
pub fn tail(report: &ScanReport) -> String {
    let mut out = Vec::new();
    for port in &report.ports {
        let details = details(port);
        if !details.is_empty() {
            out.push(String::new());
            out.extend(details);
        }
    }
    if !report.diagnoses.is_empty() {
        out.push(String::new());
        for diagnosis in &report.diagnoses {
            // Server text in a diagnosis is raw: escaped here, once.
            out.extend(wrap("", "!", &escape_str(&diagnosis.message())));
        }
    }
    for port in &report.tls_surface {
        out.push(String::new());
        out.extend(surface(port));
    }
    out.push(String::new());
    out.push("Verdict".to_string());
    out.extend(wrap("", "client", &report.verdict.client));
    out.extend(wrap("", "MTA", &report.verdict.mta));
    let mut text = out.join("\n");
    text.push('\n');
    text
}

/// `--tls`: one port's TLS surface. Its text is smtpx's own (versions, IANA suite names,
/// alert names); the details of failed probes are the transport's words, escaped.
fn surface(port: &PortSurface) -> Vec<String> {
    let s = &port.surface;
    let mut out = vec![format!(
        "TLS surface of port {} ({})",
        port.port, port.start
    )];
    for version in &s.versions {
        let mark = if version.accepted { "yes" } else { "no " };
        out.extend(wrap(
            "",
            version.version,
            &format!("{mark}  {}", escape_str(&version.detail)),
        ));
    }
    if let Some(at) = s.suites_at {
        let order = match s.server_order {
            Some(true) => ", the server's order",
            Some(false) => ", the client's order",
            None => "",
        };
        out.push(format!(
            "  suites at {at}: {} accepted{order}",
            s.suites.len()
        ));
        for suite in &s.suites {
            match suite.weakness {
                Some(why) => out.push(format!("    {}  (weak: {why})", suite.name)),
                None => out.push(format!("    {}", suite.name)),
            }
        }
        if !s.groups.is_empty() {
            out.push(format!("  ECDHE groups: {}", s.groups.join(", ")));
        }
    }
    if let Some(group) = &s.tls13_group {
        out.push(format!("  TLS 1.3 group: {}", escape_str(group)));
    }
    out.extend(wrap("", "verdict", &s.verdict));
    out
}

fn row(cells: &[String; 6]) -> String {
    let mut line = String::new();
    for (i, (cell, (_, width))) in cells.iter().zip(COLUMNS).enumerate() {
        let cell = fit(cell, width);
        if i + 1 == cells.len() {
            line.push_str(&cell);
        } else {
            let pad = width.saturating_sub(cell.chars().count());
            line.push_str(&cell);
            line.push_str(&" ".repeat(pad + 2));
        }
    }
    line.trim_end().to_string()
}

/// Shortens a cell to `width` characters with an ellipsis.
fn fit(text: &str, width: usize) -> String {
    if text.chars().count() <= width {
        return text.to_string();
    }
    let mut cut: String = text.chars().take(width.saturating_sub(1)).collect();
    cut.push('…');
    cut
}

fn mechanisms(list: &Option<Vec<String>>) -> String {
    match list {
        None => "?".to_string(),
        Some(list) if list.is_empty() => "none".to_string(),
        // Mechanism names come from the server's EHLO reply: escaped like all its text.
        Some(list) => crate::proto::text::escape_str(&list.join(" ")),
    }
}

fn service(port: &PortReport) -> String {
    port.diagnoses
        .iter()
        .find_map(|d| match d {
            Diagnosis::NotSmtp { service, .. } if service != "something else" => {
                Some(format!("{service}, not SMTP"))
            }
            _ => None,
        })
        .unwrap_or_else(|| "not SMTP".to_string())
}

fn cells(port: &PortReport) -> [String; 6] {
    let dash = || "–".to_string();
    let state = match &port.reach {
        Reach::Open { .. } => "open",
        Reach::Refused => "refused",
        Reach::Filtered => "filtered",
        Reach::Error { .. } => "error",
    };
    let speaks = match port.speaks {
        Speaks::Smtp => match (port.ehlo_ok, port.starttls_offered) {
            (Some(true), Some(true)) => "SMTP + STARTTLS".to_string(),
            (Some(true), Some(false)) => "SMTP, no STARTTLS".to_string(),
            (Some(false), _) => "SMTP, EHLO refused".to_string(),
            _ => "SMTP".to_string(),
        },
        Speaks::Tls if port.speaks_smtp() => "implicit TLS".to_string(),
        Speaks::Tls if port.tls_error.is_some() => "TLS (failed)".to_string(),
        Speaks::Tls => "TLS, no SMTP".to_string(),
        Speaks::Other => service(port),
        Speaks::Nothing => "nothing".to_string(),
        Speaks::Closed => "closes at once".to_string(),
        Speaks::Unknown => dash(),
    };
    let tls = match (&port.tls, &port.tls_error, port.starttls_offered) {
        (Some(tls), _, _) => format!(
            "{}, cert {}",
            tls.version,
            if tls.verified { "ok" } else { "NOT ok" }
        ),
        (None, Some(_), _) => "failed".to_string(),
        (None, None, Some(false)) => "none".to_string(),
        _ => dash(),
    };
    let auth = match (&port.tls, port.starttls_offered) {
        (Some(tls), _) if tls.started_by == TlsStartedBy::Implicit => {
            format!("{} (in TLS)", mechanisms(&port.auth_after_tls))
        }
        (_, Some(true)) => format!(
            "{} → {}",
            mechanisms(&port.auth_before_tls),
            mechanisms(&port.auth_after_tls)
        ),
        (_, Some(false)) if port.auth_in_plaintext() => {
            format!("{} (plaintext!)", mechanisms(&port.auth_before_tls))
        }
        (_, Some(false)) => "none".to_string(),
        _ => dash(),
    };
    let greeting = match &port.greeting {
        Some(g) if g.late => "late".to_string(),
        Some(g) => format!("{} ms", g.after_ms),
        None => dash(),
    };
    [
        port.port.to_string(),
        state.to_string(),
        speaks,
        tls,
        auth,
        greeting,
    ]
}

/// The lines under the table for one port.
fn details(port: &PortReport) -> Vec<String> {
    let mut lines = Vec::new();
    let mut first = true;
    let mut add = |label: &str, text: &str| {
        let head = if first {
            port.port.to_string()
        } else {
            String::new()
        };
        first = false;
        lines.extend(wrap(&head, label, text));
    };
    if let Reach::Error { message } = &port.reach {
        add("error", message);
    }
    if let Some(g) = &port.greeting {
        add("greeting", &format!("'{}'", g.text));
    }
    if let Some(banner) = &port.banner {
        add("banner", &format!("'{banner}'"));
    }
    if let Some(tls) = &port.tls {
        let mut text = format!(
            "{} · {} · {}",
            match tls.started_by {
                TlsStartedBy::Implicit => "implicit",
                TlsStartedBy::StartTls => "STARTTLS",
            },
            tls.version,
            tls.cipher_suite
        );
        if let Some(subject) = &tls.subject {
            text.push_str(&format!(" · subject {subject}"));
        }
        if let Some(days) = tls.days_left {
            text.push_str(&format!(" · {days} days left"));
        }
        add("tls", &text);
        add("cert", &tls.verdict);
    }
    if let Some(error) = &port.tls_error {
        add("tls", error);
    }
    if let Some(problem) = &port.problem {
        add("note", problem);
    }
    for diagnosis in &port.diagnoses {
        add("!", &escape_str(&diagnosis.message()));
    }
    lines
}

/// Word-wraps `text` to [`WIDTH`]: the first line starts with `head` (7 columns) and
/// `label` (12 columns); the others are indented to the text.
fn wrap(head: &str, label: &str, text: &str) -> Vec<String> {
    let indent = 7 + 12;
    let room = WIDTH - indent;
    let mut lines: Vec<String> = Vec::new();
    let mut current = String::new();
    for word in text.split_whitespace() {
        let needed = current.chars().count() + usize::from(!current.is_empty());
        if !current.is_empty() && needed + word.chars().count() > room {
            lines.push(std::mem::take(&mut current));
        }
        if !current.is_empty() {
            current.push(' ');
        }
        // A single word longer than the room (a long cipher name or banner) is cut.
        current.push_str(&fit(word, room));
    }
    lines.push(current);
    lines
        .into_iter()
        .enumerate()
        .map(|(i, line)| {
            let prefix = if i == 0 {
                format!("{head:<7}{label:<12}")
            } else {
                " ".repeat(indent)
            };
            format!("{prefix}{line}").trim_end().to_string()
        })
        .collect()
}
