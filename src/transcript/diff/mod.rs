//! `smtpx diff A B`: two recordings compared the way a person checks a configuration change.
//!
//! The sessions are first aligned by what the client did: each side becomes a list of steps
//! (each connection's greeting, then every command, SASL answer or message with the
//! replies it got), and a sequence alignment over the steps' keys — the command verb, with
//! the keyword of MAIL/RCPT and the AUTH mechanism — pairs them up (the longest common
//! subsequence, with a bonus for the same whole command, so the right RCPT of several pairs
//! up). A step only one side took is shown as missing or inserted, and the steps after it
//! still pair with their counterparts. Each aligned pair is then compared: reply code,
//! enhanced code ([RFC 3463](https://www.rfc-editor.org/rfc/rfc3463)), reply text (greeting
//! and banners included, with tokens holding digits — queue IDs, dates, counters — and what
//! the client's own command put there — its EHLO name, its MAIL or RCPT address — left
//! out), the extension keywords of an EHLO reply, and the TLS
//! parameters and certificate of a handshake that followed the step.
//!
//! Layer: transcript (pure).

use std::collections::BTreeSet;
use std::fmt;

use super::read::Transcript;
use super::summary::verb_of;
use crate::event::{Layer, SessionEvent, TlsInfo};
use crate::proto::capability::Capabilities;
use crate::proto::enhanced::EnhancedCode;
use crate::proto::reply::Reply;
use crate::proto::text::escape_str;

/// The most cells the alignment table may have (steps of A × steps of B, after the common
/// start and end are taken off): 4 Mi cells of 4 bytes. Past it the middle is compared
/// position by position, and the output says so.
const MAX_CELLS: usize = 4 * 1024 * 1024;

/// What kind of difference a [`Difference`] is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DiffKind {
    /// The sessions went to different servers.
    Target,
    /// A step of A that B did not take.
    Missing,
    /// A step of B that A did not take.
    Inserted,
    /// The two sessions were too far apart to align.
    Unaligned,
    /// Another number of replies to the same step.
    Replies,
    /// Another reply code.
    Code,
    /// The same code with another enhanced status code.
    Enhanced,
    /// The same codes with another text.
    Text,
    /// An extension keyword only one side's EHLO reply had.
    Capability,
    /// TLS: only one side, or other parameters or certificate.
    Tls,
}

/// Where in the two sessions a difference is: the step numbers (1-based) on each side and
/// the step's key (`RCPT TO`, `greeting`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct At {
    pub a: Option<usize>,
    pub b: Option<usize>,
    pub key: String,
}

/// One difference between the sessions.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Difference {
    /// `None` for the whole session (the target).
    pub at: Option<At>,
    pub kind: DiffKind,
    /// What differs, in words, escaped for a terminal.
    pub text: String,
}

impl fmt::Display for Difference {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let Some(at) = &self.at else {
            return f.write_str(&self.text);
        };
        let side = |n: Option<usize>| n.map_or_else(|| "-".to_string(), |n| n.to_string());
        write!(
            f,
            "step A{}/B{} {}: {}",
            side(at.a),
            side(at.b),
            escape_str(&at.key),
            self.text
        )
    }
}

/// One client step (or a connection's greeting) and what came back.
#[derive(Debug, Clone)]
pub struct Step {
    /// What the alignment compares: `greeting`, the verb (`EHLO`, `MAIL FROM`, `AUTH PLAIN`),
    /// `<data>` for a message or chunk, `<sasl>` for a SASL answer.
    pub key: String,
    /// The command as shown (`None` for a greeting).
    pub command: Option<String>,
    pub layer: Layer,
    pub replies: Vec<Reply>,
    /// The handshake that followed this step (STARTTLS), or preceded the greeting
    /// (implicit TLS).
    pub tls: Option<TlsInfo>,
}

/// A session as steps, in order, connection after connection.
pub fn steps(transcript: &Transcript) -> Vec<Step> {
    let mut steps: Vec<Step> = Vec::new();
    // The first step of the current connection, and whether its greeting has come.
    let mut first = 0;
    let mut greeted = false;
    let mut pending_tls = None;
    for event in transcript.events() {
        match event {
            SessionEvent::Connected { .. } => {
                first = steps.len();
                greeted = false;
            }
            SessionEvent::Sent { shown, layer, .. } => {
                greeted = true;
                let command = shown.to_string();
                steps.push(Step {
                    key: key_of(&command),
                    command: Some(command),
                    layer: *layer,
                    replies: Vec::new(),
                    tls: pending_tls.take(),
                });
            }
            SessionEvent::Received { reply, layer, .. } => {
                if !greeted {
                    greeted = true;
                    first = steps.len();
                    steps.push(Step {
                        key: "greeting".into(),
                        command: None,
                        layer: *layer,
                        replies: vec![reply.clone()],
                        tls: pending_tls.take(),
                    });
                    continue;
                }
                // Pipelining: the oldest step of this connection still without a reply.
                let waiting = (first..steps.len())
                    .find(|&i| steps[i].replies.is_empty())
                    .or_else(|| steps.len().checked_sub(1));
                if let Some(i) = waiting {
                    steps[i].replies.push(reply.clone());
                }
            }
            SessionEvent::TlsEstablished { info, .. } => {
                let info = (**info).clone();
                let in_connection = greeted && steps.len() > first;
                match steps.last_mut() {
                    Some(step) if in_connection => step.tls = Some(info),
                    _ => pending_tls = Some(info),
                }
            }
            _ => {}
        }
    }
    steps
}

/// The alignment key of a sent line.
fn key_of(command: &str) -> String {
    if command.starts_with("<redacted") {
        return "<sasl>".into();
    }
    verb_of(command)
}

/// One row of the alignment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Aligned {
    Both(usize, usize),
    OnlyA(usize),
    OnlyB(usize),
}

/// Aligns two step lists by key: the longest common subsequence, each match worth 2, and 1
/// more when the whole command is the same. Returns the rows and whether the middle was
/// too large to align (then paired by position).
pub fn align(a: &[Step], b: &[Step]) -> (Vec<Aligned>, bool) {
    // The common start and end: the same whole command (a cheaper table, and the
    // same pairs the table would choose).
    let same_key = |i: usize, j: usize| a[i].key == b[j].key && a[i].command == b[j].command;
    let mut head = 0;
    while head < a.len() && head < b.len() && same_key(head, head) {
        head += 1;
    }
    let mut tail = 0;
    while tail < a.len() - head
        && tail < b.len() - head
        && same_key(a.len() - 1 - tail, b.len() - 1 - tail)
    {
        tail += 1;
    }
    let (n, m) = (a.len() - head - tail, b.len() - head - tail);
    let mut rows: Vec<Aligned> = (0..head).map(|i| Aligned::Both(i, i)).collect();
    let too_large = (n + 1).saturating_mul(m + 1) > MAX_CELLS;
    if too_large {
        for k in 0..n.max(m) {
            rows.push(match (k < n, k < m) {
                (true, true) => Aligned::Both(head + k, head + k),
                (true, false) => Aligned::OnlyA(head + k),
                _ => Aligned::OnlyB(head + k),
            });
        }
    } else {
        rows.extend(middle(a, b, head, n, m));
    }
    rows.extend((0..tail).map(|k| Aligned::Both(a.len() - tail + k, b.len() - tail + k)));
    (rows, too_large)
}

/// The weighted LCS of `a[head..head+n]` and `b[head..head+m]`.
fn middle(a: &[Step], b: &[Step], head: usize, n: usize, m: usize) -> Vec<Aligned> {
    let score = |i: usize, j: usize| -> Option<u32> {
        let (x, y) = (&a[head + i], &b[head + j]);
        (x.key == y.key).then(|| 2 + u32::from(x.command == y.command))
    };
    // best[i][j]: the best score of a[i..] against b[j..].
    let width = m + 1;
    let mut best = vec![0u32; (n + 1) * width];
    for i in (0..n).rev() {
        for j in (0..m).rev() {
            let skip = best[(i + 1) * width + j].max(best[i * width + j + 1]);
            let take = score(i, j).map_or(0, |s| s + best[(i + 1) * width + j + 1]);
            best[i * width + j] = skip.max(take);
        }
    }
    let mut rows = Vec::with_capacity(n + m);
    let (mut i, mut j) = (0, 0);
    while i < n && j < m {
        let here = best[i * width + j];
        if let Some(s) = score(i, j)
            && here == s + best[(i + 1) * width + j + 1]
        {
            rows.push(Aligned::Both(head + i, head + j));
            i += 1;
            j += 1;
        } else if here == best[(i + 1) * width + j] {
            rows.push(Aligned::OnlyA(head + i));
            i += 1;
        } else {
            rows.push(Aligned::OnlyB(head + j));
            j += 1;
        }
    }
    rows.extend((i..n).map(|i| Aligned::OnlyA(head + i)));
    rows.extend((j..m).map(|j| Aligned::OnlyB(head + j)));
    rows
}

/// Every difference between A and B; empty when the sessions agree.
pub fn diff(a: &Transcript, b: &Transcript) -> Vec<Difference> {
    let mut out = Vec::new();
    let (ta, tb) = (&a.header.target, &b.header.target);
    if (ta.host.as_str(), ta.port) != (tb.host.as_str(), tb.port) {
        out.push(Difference {
            at: None,
            kind: DiffKind::Target,
            text: format!(
                "target: A {}:{}, B {}:{}",
                escape_str(&ta.host),
                ta.port,
                escape_str(&tb.host),
                tb.port
            ),
        });
    }
    let (sa, sb) = (steps(a), steps(b));
    let (rows, too_large) = align(&sa, &sb);
    if too_large {
        out.push(Difference {
            at: None,
            kind: DiffKind::Unaligned,
            text: format!(
                "the sessions ({} and {} steps) differ too much to align: their middle is \
                 compared step by step",
                sa.len(),
                sb.len()
            ),
        });
    }
    for row in rows {
        match row {
            Aligned::Both(i, j) => compare(&sa[i], &sb[j], i, j, &mut out),
            Aligned::OnlyA(i) => out.push(Difference {
                at: Some(At {
                    a: Some(i + 1),
                    b: None,
                    key: sa[i].key.clone(),
                }),
                kind: DiffKind::Missing,
                text: format!("missing in B (A: {})", describe(&sa[i])),
            }),
            Aligned::OnlyB(j) => out.push(Difference {
                at: Some(At {
                    a: None,
                    b: Some(j + 1),
                    key: sb[j].key.clone(),
                }),
                kind: DiffKind::Inserted,
                text: format!("only in B, inserted (B: {})", describe(&sb[j])),
            }),
        }
    }
    out
}

/// `AUTH PLAIN <redacted 28 bytes> → 235 2.7.0 Authentication successful`, escaped.
fn describe(step: &Step) -> String {
    let reply = step
        .replies
        .last()
        .map_or_else(|| "no reply".to_string(), first_line);
    match &step.command {
        Some(command) => format!("{} → {reply}", escape_str(command)),
        None => format!("greeting {reply}"),
    }
}

/// A reply's first line, escaped.
fn first_line(reply: &Reply) -> String {
    let code = reply
        .code()
        .map_or_else(|| "(no code)".to_string(), |c| c.to_string());
    let text = reply.text_lines().next().unwrap_or_default();
    format!("{code} {}", escape_str(text.trim_end()))
}

/// The differences of one aligned pair.
fn compare(x: &Step, y: &Step, i: usize, j: usize, out: &mut Vec<Difference>) {
    let at = At {
        a: Some(i + 1),
        b: Some(j + 1),
        key: x.key.clone(),
    };
    let mut push = |kind: DiffKind, text: String| {
        out.push(Difference {
            at: Some(at.clone()),
            kind,
            text,
        });
    };
    if x.replies.len() != y.replies.len() {
        push(
            DiffKind::Replies,
            format!("replies: A {}, B {}", x.replies.len(), y.replies.len()),
        );
    }
    let hello = matches!(x.key.as_str(), "EHLO" | "LHLO" | "HELO");
    for (rx, ry) in x.replies.iter().zip(&y.replies) {
        if rx.code() != ry.code() {
            push(
                DiffKind::Code,
                format!("reply: A {}, B {}", first_line(rx), first_line(ry)),
            );
            continue;
        }
        let enhanced = |r: &Reply| r.enhanced().map_or("none".to_string(), |e| e.to_string());
        if rx.enhanced() != ry.enhanced() {
            push(
                DiffKind::Enhanced,
                format!("enhanced code: A {}, B {}", enhanced(rx), enhanced(ry)),
            );
        }
        let (tx, ty) = (
            comparable_text(rx, hello, x.command.as_deref()),
            comparable_text(ry, hello, y.command.as_deref()),
        );
        if tx != ty {
            push(
                DiffKind::Text,
                format!(
                    "text: A \"{}\", B \"{}\"",
                    escape_str(&shown_text(rx, hello)),
                    escape_str(&shown_text(ry, hello))
                ),
            );
        }
        if hello && rx.code() == Some(250) {
            let layer = match x.layer {
                Layer::Plain => "plaintext",
                Layer::Tls => "TLS",
            };
            let keywords = |r: &Reply| -> Vec<String> {
                Capabilities::from_ehlo_reply(r)
                    .extensions
                    .iter()
                    .map(|e| e.raw_line.clone())
                    .collect()
            };
            for text in capabilities(layer, Some(&keywords(rx)), Some(&keywords(ry))) {
                push(DiffKind::Capability, text);
            }
        }
    }
    for text in tls(x.tls.as_ref(), y.tls.as_ref()) {
        push(DiffKind::Tls, text);
    }
}

/// The text lines that count for a reply (an EHLO reply: its first line, the keywords are
/// compared as capabilities), without the enhanced code, the client's own words echoed back
/// (its EHLO name, the address of its MAIL or RCPT) and any token that holds a digit.
fn comparable_text(reply: &Reply, hello: bool, command: Option<&str>) -> Vec<String> {
    let own = command.and_then(own_word).map(|w| w.to_ascii_lowercase());
    let lines = if hello { 1 } else { reply.lines.len() };
    reply
        .lines
        .iter()
        .take(lines)
        .map(|line| {
            let text = line.text();
            let text = EnhancedCode::parse_prefix(text)
                .and_then(|(_, used)| text.get(used..))
                .unwrap_or(text);
            String::from_utf8_lossy(text)
                .split_ascii_whitespace()
                .map(|word| {
                    let lower = word.to_ascii_lowercase();
                    if word.bytes().any(|b| b.is_ascii_digit()) {
                        "#".to_string()
                    } else if own.as_deref().is_some_and(|own| lower.contains(own)) {
                        "<client>".to_string()
                    } else {
                        word.to_string()
                    }
                })
                .collect::<Vec<_>>()
                .join(" ")
        })
        .collect()
}

/// What of a command a server may echo in its reply: the EHLO/HELO/LHLO name, or the
/// address inside a MAIL or RCPT path.
fn own_word(command: &str) -> Option<&str> {
    let mut words = command.split_ascii_whitespace();
    let verb = words.next()?.to_ascii_uppercase();
    match verb.as_str() {
        "EHLO" | "HELO" | "LHLO" => words.next(),
        "MAIL" | "RCPT" => {
            let start = command.find('<')? + 1;
            let end = start + command[start..].find('>')?;
            Some(&command[start..end]).filter(|a| !a.is_empty())
        }
        _ => None,
    }
}

/// The text shown for a text difference: the lines compared, joined.
fn shown_text(reply: &Reply, hello: bool) -> String {
    let lines: Vec<String> = reply
        .text_lines()
        .take(if hello { 1 } else { usize::MAX })
        .map(|l| l.trim_end().to_string())
        .collect();
    lines.join(" / ")
}

/// Extension keywords (with parameters) only one side offered.
pub fn capabilities(layer: &str, a: Option<&Vec<String>>, b: Option<&Vec<String>>) -> Vec<String> {
    match (a, b) {
        (None, None) => Vec::new(),
        (Some(_), None) => vec![format!("capabilities in {layer}: only A got an EHLO reply")],
        (None, Some(_)) => vec![format!("capabilities in {layer}: only B got an EHLO reply")],
        (Some(a), Some(b)) => {
            let norm = |v: &Vec<String>| -> BTreeSet<String> {
                v.iter().map(|s| s.trim().to_ascii_uppercase()).collect()
            };
            let (a, b) = (norm(a), norm(b));
            let mut out = Vec::new();
            for only in a.difference(&b) {
                out.push(format!(
                    "capability in {layer} only in A: {}",
                    escape_str(only)
                ));
            }
            for only in b.difference(&a) {
                out.push(format!(
                    "capability in {layer} only in B: {}",
                    escape_str(only)
                ));
            }
            out
        }
    }
}

/// TLS parameters and the certificate (leaf fingerprint, trust, name check).
pub fn tls(a: Option<&TlsInfo>, b: Option<&TlsInfo>) -> Vec<String> {
    let (a, b) = match (a, b) {
        (None, None) => return Vec::new(),
        (Some(_), None) => return vec!["TLS: only A used TLS".into()],
        (None, Some(_)) => return vec!["TLS: only B used TLS".into()],
        (Some(a), Some(b)) => (a, b),
    };
    let mut out = Vec::new();
    let mut compare = |what: &str, x: String, y: String| {
        if x != y {
            out.push(format!(
                "{what}: A {}, B {}",
                escape_str(&x),
                escape_str(&y)
            ));
        }
    };
    compare("TLS version", a.version.clone(), b.version.clone());
    compare(
        "TLS cipher suite",
        a.cipher_suite.clone(),
        b.cipher_suite.clone(),
    );
    compare(
        "TLS key exchange group",
        a.key_exchange_group.clone().unwrap_or_default(),
        b.key_exchange_group.clone().unwrap_or_default(),
    );
    let leaf = |info: &TlsInfo| {
        info.chain_der
            .first()
            .map(|der| crate::net::cert::summarize(der))
            .map_or_else(
                || "(none)".to_string(),
                |c| format!("{} sha256 {}", c.subject.unwrap_or_default(), c.sha256),
            )
    };
    compare("certificate", leaf(a), leaf(b));
    let verdict = |info: &TlsInfo| {
        // Without the validity part: "valid 61 days" changes every day.
        let summary = info.verdict.summary();
        let parts: Vec<&str> = summary.split([',', ';']).map(str::trim).collect();
        parts[..parts.len().saturating_sub(1)].join("; ")
    };
    compare("certificate verdict", verdict(a), verdict(b));
    compare(
        "certificate verified",
        a.verdict.ok().to_string(),
        b.verdict.ok().to_string(),
    );
    out
}

#[cfg(test)]
mod tests;
