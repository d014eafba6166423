//! How the probe shows a session: readable lines for a person, or one JSON object per
//! event for scripts (`--json`).
//!
//! Layer: probe (headless front end). Server text is untrusted: every byte from the peer is
//! escaped before it is printed ([`crate::proto::text::escape_bytes`]).

use std::io::Write;
use std::time::Duration;

use serde_json::{Value, json};

use crate::driver::{Layer, SessionEvent};
use crate::net::TlsInfo;
use crate::proto::reply::Reply;
use crate::proto::text::{escape_bytes, escape_str};

/// Renders one event as the lines a person reads.
pub fn human(event: &SessionEvent) -> Vec<String> {
    match event {
        SessionEvent::Connected { at, peer, took } => vec![format!(
            "{} === connected to {peer} in {}",
            stamp(*at),
            millis(*took)
        )],
        SessionEvent::Sent {
            at, layer, shown, ..
        } => {
            let marker = if *layer == Layer::Tls { "C~" } else { "C>" };
            vec![format!("{} {marker} {}", stamp(*at), escape_str(shown))]
        }
        SessionEvent::Received {
            at,
            layer,
            reply,
            latency,
        } => reply_lines(*at, *layer, reply, *latency),
        SessionEvent::TlsEstablished { at, info } => tls_lines(*at, info),
        SessionEvent::Finding { at, finding } => {
            vec![format!("{} !!! {}", stamp(*at), finding.describe())]
        }
        SessionEvent::Note { at, text } => vec![format!("{} === {}", stamp(*at), escape_str(text))],
        SessionEvent::Failed { at, error } => {
            vec![format!("{} *** {}", stamp(*at), escape_str(error))]
        }
        SessionEvent::Closed { at, by_peer } => vec![format!(
            "{} === connection closed{}",
            stamp(*at),
            if *by_peer { " by the server" } else { "" }
        )],
    }
}

fn reply_lines(
    at: Duration,
    layer: Layer,
    reply: &Reply,
    latency: Option<Duration>,
) -> Vec<String> {
    let marker = if layer == Layer::Tls { "S~" } else { "S<" };
    let mut out = Vec::with_capacity(reply.lines.len() + 1);
    for (i, line) in reply.lines.iter().enumerate() {
        // Show the line as it came, minus its terminator, with every control byte visible.
        let content = line
            .raw
            .strip_suffix(b"\r\n")
            .or_else(|| line.raw.strip_suffix(b"\n"))
            .unwrap_or(&line.raw);
        let mut text = escape_bytes(content);
        if i + 1 == reply.lines.len() {
            if let Some(latency) = latency {
                text.push_str(&format!("   ({})", millis(latency)));
            }
        }
        let prefix = if i == 0 {
            format!("{} {marker}", stamp(at))
        } else {
            format!("{:>8} {marker}", "")
        };
        out.push(format!("{prefix} {text}"));
    }
    let flags = reply.malformations();
    if !flags.is_empty() {
        let words: Vec<&str> = flags.iter().map(|m| m.describe()).collect();
        out.push(format!(
            "{:>8} !!! malformed reply: {}",
            "",
            words.join("; ")
        ));
    }
    out
}

fn tls_lines(at: Duration, info: &TlsInfo) -> Vec<String> {
    let mut head = format!(
        "{} === TLS {} · {}",
        stamp(at),
        info.version,
        info.cipher_suite
    );
    if let Some(group) = &info.key_exchange_group {
        head.push_str(&format!(" · {group}"));
    }
    if let Some(alpn) = &info.alpn {
        head.push_str(&format!(" · ALPN {}", escape_str(alpn)));
    }
    head.push_str(&format!(" · handshake {}", millis(info.handshake)));
    if info.resumed {
        head.push_str(" · resumed");
    }
    let mut out = vec![head];
    out.push(format!(
        "{:>8} === certificate: {}",
        "",
        escape_str(&info.verdict.summary())
    ));
    for (i, cert) in crate::net::cert::summarize_chain(&info.chain_der)
        .iter()
        .enumerate()
    {
        out.push(format!(
            "{:>8}     [{i}] subject {} · issuer {} · until {}",
            "",
            escape_str(cert.subject.as_deref().unwrap_or("?")),
            escape_str(cert.issuer.as_deref().unwrap_or("?")),
            cert.not_after
                .map(crate::net::cert::format_time)
                .unwrap_or_else(|| "?".into())
        ));
    }
    out
}

/// `  0.031` — seconds since the session started, to the millisecond.
fn stamp(at: Duration) -> String {
    format!("{:>8.3}", at.as_secs_f64())
}

fn millis(d: Duration) -> String {
    format!("{:.1} ms", d.as_secs_f64() * 1000.0)
}

/// Renders one event as a JSON object (one line of `--json` output).
pub fn json(event: &SessionEvent) -> Value {
    let t = |at: &Duration| at.as_secs_f64();
    match event {
        SessionEvent::Connected { at, peer, took } => json!({
            "event": "connected", "t": t(at), "peer": peer.to_string(),
            "connect_ms": took.as_secs_f64() * 1000.0,
        }),
        SessionEvent::Sent {
            at,
            layer,
            shown,
            secret,
            ..
        } => json!({
            "event": "sent", "t": t(at), "layer": layer.name(), "line": shown, "secret": secret,
        }),
        SessionEvent::Received {
            at,
            layer,
            reply,
            latency,
        } => json!({
            "event": "reply", "t": t(at), "layer": layer.name(),
            "code": reply.code(),
            "severity": reply.severity().name(),
            "enhanced": reply.enhanced().map(|c| c.to_string()),
            "lines": reply.text_lines().collect::<Vec<_>>(),
            "flags": reply.malformations().iter().map(|m| m.name()).collect::<Vec<_>>(),
            "complete": reply.is_complete(),
            "latency_ms": latency.map(|l| l.as_secs_f64() * 1000.0),
        }),
        SessionEvent::TlsEstablished { at, info } => json!({
            "event": "tls", "t": t(at),
            "version": info.version,
            "cipher_suite": info.cipher_suite,
            "key_exchange_group": info.key_exchange_group,
            "alpn": info.alpn,
            "handshake_ms": info.handshake.as_secs_f64() * 1000.0,
            "resumed": info.resumed,
            "sni": info.sni_sent,
            "verdict": {
                "ok": info.verdict.ok(),
                "summary": info.verdict.summary(),
            },
            "chain": crate::net::cert::summarize_chain(&info.chain_der).iter().map(|c| json!({
                "subject": c.subject,
                "issuer": c.issuer,
                "not_after": c.not_after.map(crate::net::cert::format_time),
                "sha256": c.sha256,
            })).collect::<Vec<_>>(),
        }),
        SessionEvent::Finding { at, finding } => json!({
            "event": "finding", "t": t(at), "kind": finding.name(),
            "message": finding.describe(),
            "bytes": match finding {
                crate::driver::Finding::InjectedPlaintext { bytes } => Some(escape_bytes(bytes)),
                _ => None,
            },
        }),
        SessionEvent::Note { at, text } => json!({"event": "note", "t": t(at), "message": text}),
        SessionEvent::Failed { at, error } => {
            json!({"event": "error", "t": t(at), "message": error})
        }
        SessionEvent::Closed { at, by_peer } => {
            json!({"event": "closed", "t": t(at), "by_peer": by_peer})
        }
    }
}

/// A sink that prints events to standard output as they happen.
pub fn printer(as_json: bool) -> crate::driver::EventSink {
    Box::new(move |event| {
        let stdout = std::io::stdout();
        let mut out = stdout.lock();
        // A closed stdout (e.g. `| head`) must not abort the session mid-way.
        if as_json {
            let _ = writeln!(out, "{}", json(&event));
        } else {
            for line in human(&event) {
                let _ = writeln!(out, "{line}");
            }
        }
        let _ = out.flush();
    })
}
