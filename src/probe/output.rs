//! How the probe shows a session: readable lines for a person, or one JSON object per
//! event for scripts (`--json`).
//!
//! Layer: probe (headless front end). Server text is untrusted: every byte from the peer is
//! escaped before it is printed ([`crate::proto::text::escape_bytes`]).

use std::io::Write;
use std::path::PathBuf;
use std::time::Duration;

use serde_json::{Value, json};

use crate::driver::{Layer, SessionEvent};
use crate::net::TlsInfo;
use crate::proto::auth::view::{SaslView, challenge_text};
use crate::proto::capability::Capabilities;
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
            let mut lines = vec![format!(
                "{} !!! {}",
                stamp(*at),
                escape_str(&finding.describe())
            )];
            if let crate::driver::Finding::InjectedPlaintext { bytes } = finding {
                lines.push(format!("{:>8} !!! injected: {}", "", escape_bytes(bytes)));
            }
            lines
        }
        SessionEvent::Note { at, text } => vec![format!("{} === {}", stamp(*at), escape_str(text))],
        SessionEvent::Failed { at, failure } => {
            vec![format!(
                "{} *** {}",
                stamp(*at),
                escape_str(failure.describe())
            )]
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
            // RFC 4954 §4: a 334's text is base64; show what it says beside it.
            if reply.code() == Some(334) {
                text.push_str(&format!("  [{}]", challenge_text(line.text())));
            }
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
    // Client authentication is worth a line when it happened or was meant to.
    if let Some(status) = info.client_cert.filter(|c| c.requested || c.configured) {
        out.push(format!(
            "{:>8} === client certificate: {}",
            "",
            status.describe()
        ));
    }
    for (i, cert) in crate::net::cert::summarize_chain(&info.chain_der)
        .iter()
        .enumerate()
    {
        out.push(format!(
            "{:>8}     [{i}] subject {} · issuer {} · until {}",
            "",
            // Names are escaped when decoded.
            cert.subject.as_deref().unwrap_or("?"),
            cert.issuer.as_deref().unwrap_or("?"),
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
    let report = match event {
        SessionEvent::TlsEstablished { info, .. } => {
            crate::net::cert::render::report_json(info, crate::net::cert::render::unix_now())
        }
        _ => Value::Null,
    };
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
            "event": "sent", "t": t(at), "layer": layer.name(), "line": shown.as_str(), "secret": secret,
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
            "decoded": (reply.code() == Some(334))
                .then(|| reply.lines.last().map(|l| challenge_text(l.text())))
                .flatten(),
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
            // `verdict` (three answers, ok, summary) and `chain` (every field, leaf first).
            "verdict": report["verdict"],
            "client_cert": report["client_cert"],
            "chain": report["chain"],
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
        SessionEvent::Failed { at, failure } => json!({
            "event": "error", "t": t(at), "kind": failure.kind.name(),
            "message": failure.describe(),
        }),
        SessionEvent::Closed { at, by_peer } => {
            json!({"event": "closed", "t": t(at), "by_peer": by_peer})
        }
    }
}

/// The EHLO capabilities before and after STARTTLS side by side (`--show-cert`), one row
/// per keyword: `+` new inside TLS, `-` gone, `~` parameters changed
/// ([RFC 3207 §4.2](https://www.rfc-editor.org/rfc/rfc3207#section-4.2)). The rows follow
/// the plaintext reply's order; keywords new inside TLS come last.
pub fn capability_diff(before: &Capabilities, after: &Capabilities) -> Vec<String> {
    let same = |a: &str, b: &str| a.eq_ignore_ascii_case(b);
    let mut rows: Vec<(String, char, String)> = Vec::new();
    for old in &before.extensions {
        let row = match after
            .extensions
            .iter()
            .find(|e| same(&e.keyword, &old.keyword))
        {
            Some(new) if new.params == old.params => (' ', escape_str(&new.raw_line)),
            Some(new) => ('~', escape_str(&new.raw_line)),
            None => ('-', "(gone after TLS)".to_string()),
        };
        rows.push((escape_str(&old.raw_line), row.0, row.1));
    }
    for new in &after.extensions {
        if !before
            .extensions
            .iter()
            .any(|e| same(&e.keyword, &new.keyword))
        {
            rows.push((String::new(), '+', escape_str(&new.raw_line)));
        }
    }
    let width = rows
        .iter()
        .map(|(left, _, _)| left.chars().count())
        .max()
        .unwrap_or(0)
        .max("before TLS".len());
    let mut out = vec![format!("  {:<width$}   after TLS", "before TLS")];
    for (left, mark, right) in rows {
        out.push(
            format!("  {left:<width$} {mark} {right}")
                .trim_end()
                .to_string(),
        );
    }
    out
}

/// What the printer shows beyond the events.
#[derive(Debug, Clone, Default)]
pub struct PrintOptions {
    pub json: bool,
    /// `--show-cert`: the whole certificate report after the TLS event.
    pub show_cert: bool,
    /// `--save-chain`: write the chain as PEM when TLS is up.
    pub save_chain: Option<PathBuf>,
}

/// Follows the AUTH exchange in the events, as the explorer does, so each secret line the
/// client sent is shown decoded beside its redaction, the secret part masked
/// (`AUTH LOGIN <redacted 8 bytes>  [demo]`; [`SaslView`]).
#[derive(Debug, Clone, Default)]
pub struct AuthSteps {
    /// The user name the probe logs in as (the client knows it; the transcript hides it).
    user: Option<String>,
    exchange: Option<SaslView>,
}

impl AuthSteps {
    pub fn new(user: Option<String>) -> AuthSteps {
        AuthSteps {
            user,
            exchange: None,
        }
    }

    /// The decoded form of a secret line this event sent, if it is one the view knows.
    pub fn observe(&mut self, event: &SessionEvent) -> Option<String> {
        match event {
            SessionEvent::Sent { shown, secret, .. } => {
                if let Some(view) = SaslView::from_auth_line(shown.public()) {
                    self.exchange = Some(match &self.user {
                        Some(user) => SaslView::client(view.mechanism().clone(), user.clone()),
                        None => view,
                    });
                }
                let exchange = self.exchange.as_mut().filter(|_| *secret)?;
                exchange.next_sent()
            }
            SessionEvent::Received { reply, .. } => {
                match (reply.code(), self.exchange.as_mut(), reply.lines.last()) {
                    (Some(334), Some(exchange), Some(line)) => exchange.on_challenge(line.text()),
                    _ => self.exchange = None,
                }
                None
            }
            SessionEvent::Closed { .. } | SessionEvent::Connected { .. } => {
                self.exchange = None;
                None
            }
            _ => None,
        }
    }
}

/// A sink that prints events to standard output as they happen.
pub fn printer(as_json: bool) -> crate::driver::EventSink {
    printer_with(PrintOptions {
        json: as_json,
        ..PrintOptions::default()
    })
}

/// [`printer`] with `--show-cert` and `--save-chain`.
pub fn printer_with(options: PrintOptions) -> crate::driver::EventSink {
    printer_as(options, None)
}

/// [`printer_with`] for a probe that logs in as `user`: its AUTH steps are shown decoded.
pub fn printer_as(options: PrintOptions, user: Option<String>) -> crate::driver::EventSink {
    let mut steps = AuthSteps::new(user);
    Box::new(move |event| {
        let decoded = steps.observe(&event);
        // The live counter of a wait goes first: the event takes its place.
        super::wait::erase_live_line();
        let stdout = std::io::stdout();
        let mut out = stdout.lock();
        // A reader that has gone (`| head`) ends the process quietly; other write errors
        // must not abort the session mid-way.
        if options.json {
            let mut object = json(&event);
            if let (Some(decoded), Some(map)) = (decoded, object.as_object_mut()) {
                map.insert("decoded".into(), Value::String(decoded));
            }
            checked(writeln!(
                out,
                "{}",
                crate::output::safe_json(object.to_string())
            ));
        } else {
            let mut lines = human(&event);
            if let (Some(decoded), Some(first)) = (decoded, lines.first_mut()) {
                first.push_str(&format!("  [{decoded}]"));
            }
            for line in lines {
                checked(writeln!(out, "{line}"));
            }
        }
        if let SessionEvent::TlsEstablished { info, .. } = &event {
            if options.show_cert && !options.json {
                let now = crate::net::cert::render::unix_now();
                for line in crate::net::cert::render::report_lines(info, now) {
                    checked(writeln!(out, "{:>8}     {line}", ""));
                }
            }
            if let Some(path) = &options.save_chain {
                let pem = crate::net::cert::pem::chain_pem(&info.chain_der);
                let written = crate::files::write_private(
                    path,
                    pem.as_bytes(),
                    crate::files::Existing::Replace,
                )
                .map_err(crate::files::FileError::into_io);
                let message = match written {
                    Ok(()) => format!(
                        "chain ({} certificates) saved to {}",
                        info.chain_der.len(),
                        path.display()
                    ),
                    Err(e) => format!("could not save the chain to {}: {e}", path.display()),
                };
                if options.json {
                    checked(writeln!(
                        out,
                        "{}",
                        json!({"event": "note", "message": message})
                    ));
                } else {
                    checked(writeln!(out, "{:>8} === {message}", ""));
                }
            }
        }
        let _ = out.flush();
    })
}

/// A write to standard output: a reader that has gone ends the process quietly.
fn checked(result: std::io::Result<()>) {
    if let Err(e) = result {
        crate::output::quit_if_reader_gone(&e);
    }
}

#[cfg(test)]
mod tests {
    use super::capability_diff;
    use crate::proto::capability::Capabilities;
    use crate::proto::reply::Reply;

    fn caps(wire: &str) -> Capabilities {
        let reply = Reply::parse_all(wire.as_bytes())
            .expect("a reply")
            .remove(0);
        Capabilities::from_ehlo_reply(&reply)
    }

    #[test]
    fn the_before_and_after_table_pairs_rows_by_keyword() {
        let before =
            caps("250-mx\r\n250-PIPELINING\r\n250-SIZE 10240\r\n250-STARTTLS\r\n250 8BITMIME\r\n");
        let after = caps(
            "250-mx\r\n250-PIPELINING\r\n250-AUTH PLAIN LOGIN\r\n250-SIZE 20480\r\n250 8BITMIME\r\n",
        );
        let rows = capability_diff(&before, &after);
        assert_eq!(
            rows,
            [
                "  before TLS   after TLS",
                "  PIPELINING   PIPELINING",
                "  SIZE 10240 ~ SIZE 20480",
                "  STARTTLS   - (gone after TLS)",
                "  8BITMIME     8BITMIME",
                "             + AUTH PLAIN LOGIN",
            ]
        );
    }
}
