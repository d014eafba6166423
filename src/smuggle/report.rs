//! The smuggling check's report: per variant what the server did and why it matters, then
//! a verdict; as text for people and as JSON. Server text is escaped before it gets here.
//!
//! Inbound smuggling is what this check sees directly: a server that ends the data at a
//! variant runs the rest of the message as commands. Outbound smuggling is the other half
//! of the attack: a server that relays a message containing a variant unchanged lets its
//! users smuggle into any receiver that is lenient.
//!
//! Layer: front end (smuggling check), plain data and text.

use serde::Serialize;

use super::verdict::{EndOfData, Outcome};
use super::{EXIT_CLEAN, EXIT_INCONCLUSIVE, SmugglePlan, Variant, first_line};
use crate::proto::reply::Reply;
use crate::proto::text::{escape_bytes, escape_str};

/// What one variant's session showed.
#[derive(Debug, Clone, Serialize)]
pub struct VariantResult {
    pub name: &'static str,
    /// The variant's bytes, escaped (`\n.\r\n`).
    pub bytes: String,
    pub note: &'static str,
    #[serde(flatten)]
    pub outcome: Outcome,
    /// The reply to the end of data (first line, escaped); `None` when the server closed
    /// the connection or stayed silent.
    pub end_of_data: Option<String>,
    /// Replies that came after it and before QUIT's: answers to commands read from inside
    /// the message.
    pub smuggled_replies: Vec<String>,
}

impl VariantResult {
    pub fn new(variant: &Variant, end: &EndOfData, later: &[Reply], outcome: Outcome) -> Self {
        VariantResult {
            name: variant.name,
            bytes: escape_bytes(variant.bytes),
            note: variant.note,
            outcome,
            end_of_data: match end {
                EndOfData::Reply(reply) => Some(first_line(reply)),
                EndOfData::Closed | EndOfData::TimedOut => None,
            },
            smuggled_replies: later.iter().map(first_line).collect(),
        }
    }

    /// What the server did, in words.
    fn finding(&self) -> String {
        let answered = self.end_of_data.as_deref().unwrap_or("no reply");
        match &self.outcome {
            Outcome::Vulnerable { smuggled_accepted } => format!(
                "ended the data here ({answered}){}\n{}",
                if *smuggled_accepted {
                    " and accepted the smuggled message"
                } else {
                    " and read the smuggled commands"
                },
                self.smuggled_replies
                    .iter()
                    .map(|reply| format!("      then {reply}"))
                    .collect::<Vec<_>>()
                    .join("\n")
            ),
            Outcome::Refused => match &self.end_of_data {
                Some(reply) => format!("refused the message: {reply}"),
                None => "closed the connection without a reply".into(),
            },
            Outcome::KeptReading => {
                format!("read it as data; the real end of data was answered {answered}")
            }
            Outcome::Inconclusive { why } => format!("inconclusive: {why}"),
        }
    }

    fn label(&self) -> &'static str {
        match self.outcome {
            Outcome::Vulnerable { .. } => "VULNERABLE",
            Outcome::Refused => "refused",
            Outcome::KeptReading => "kept reading",
            Outcome::Inconclusive { .. } => "inconclusive",
        }
    }
}

/// The whole check.
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    /// HOST:PORT as asked.
    pub target: String,
    /// The TLS version and cipher suite of the sessions, when they used TLS.
    pub tls: Option<String>,
    pub from: String,
    pub to: String,
    pub variants: Vec<VariantResult>,
    /// Why the check stopped before trying every variant (a session that could not reach
    /// DATA).
    pub stopped: Option<String>,
    /// Variants asked for, in order.
    pub asked: Vec<&'static str>,
}

impl Report {
    pub fn new(plan: &SmugglePlan) -> Report {
        Report {
            // `[v6]:port` for an IPv6 address; escaped, as the host is typed by the user.
            target: escape_str(&plan.connect.target.to_string()),
            tls: None,
            from: plan.envelope.from.clone(),
            to: plan.envelope.to.clone(),
            variants: Vec::new(),
            stopped: None,
            asked: plan.variants.iter().map(|v| v.name).collect(),
        }
    }

    /// Variants asked for that the check did not get to.
    pub fn not_tried(&self) -> Vec<&'static str> {
        self.asked
            .iter()
            .copied()
            .filter(|name| !self.variants.iter().any(|v| v.name == *name))
            .collect()
    }

    fn vulnerable(&self) -> Vec<&'static str> {
        self.variants
            .iter()
            .filter(|v| v.outcome.is_vulnerable())
            .map(|v| v.name)
            .collect()
    }

    fn kept_reading(&self) -> usize {
        self.variants
            .iter()
            .filter(|v| v.outcome == Outcome::KeptReading)
            .count()
    }

    /// `vulnerable`, `inconclusive` or `clean`.
    pub fn verdict(&self) -> &'static str {
        match self.exit_code() {
            EXIT_CLEAN => "clean",
            EXIT_INCONCLUSIVE => "inconclusive",
            _ => "vulnerable",
        }
    }
}

const INBOUND: &str = "\
Inbound smuggling: this server ends the data where the standard says it does not (only \
<CR><LF>.<CR><LF> ends it, RFC 5321 §4.1.1.4). Anyone who can send it mail through an \
outbound server that passes such a sequence on unchanged can hide a second message inside \
the first; this server then delivers it as if that outbound server had sent it, so it \
passes SPF and DMARC for the outbound server's domains. Fix: Postfix \
`smtpd_forbid_bare_newline = normalize` (the default from 3.9) or `yes`, with \
`smtpd_forbid_bare_newline_exclusions` (default $mynetworks) not covering the clients that \
matter; other servers: a version that ends the data only at <CR><LF>.<CR><LF>.";

const OUTBOUND: &str = "\
Outbound smuggling: a variant read as data is harmless to this server, but if it relays \
mail it should not pass bare CR or LF on unchanged to a server that may end the data there; \
refusing them or normalising them to CRLF closes that side too.";

/// The report for people.
pub fn render_text(report: &Report) -> String {
    let mut out = format!(
        "SMTP smuggling check of {}{}\nEach end-of-data variant in its own session; both \
         messages go to <{}>.\n\n",
        report.target,
        report
            .tls
            .as_ref()
            .map_or(" (plaintext)".to_owned(), |tls| format!(" ({tls})")),
        escape_str(&report.to)
    );
    let width = report
        .variants
        .iter()
        .map(|v| v.name.len())
        .max()
        .unwrap_or(0);
    for variant in &report.variants {
        out.push_str(&format!(
            "  {:<12}  {:<width$}  {:<12}  {}\n",
            variant.label(),
            variant.name,
            variant.bytes,
            variant.finding(),
        ));
    }
    if let Some(why) = &report.stopped {
        out.push_str(&format!("\n  stopped: {why}\n"));
    }
    let untried = report.not_tried();
    if !untried.is_empty() {
        out.push_str(&format!("  not tried: {}\n", untried.join(", ")));
    }
    let vulnerable = report.vulnerable();
    out.push('\n');
    match report.verdict() {
        "vulnerable" => {
            out.push_str(&format!(
                "Verdict: VULNERABLE to SMTP smuggling: {} of {} variants end the data early \
                 ({}).\n\n{}\n",
                vulnerable.len(),
                report.variants.len(),
                vulnerable.join(", "),
                wrap(INBOUND)
            ));
            if report.kept_reading() > 0 {
                out.push_str(&format!("\n{}\n", wrap(OUTBOUND)));
            }
        }
        "inconclusive" => out.push_str(
            "Verdict: inconclusive: no variant ended the data early, but not every variant \
             could be tested.\n",
        ),
        _ => {
            out.push_str(&format!(
                "Verdict: clean: none of the {} variants ends the data early; only \
                 <CR><LF>.<CR><LF> does.\n",
                report.variants.len()
            ));
            if report.kept_reading() > 0 {
                out.push_str(&format!("\n{}\n", wrap(OUTBOUND)));
            }
        }
    }
    out
}

/// Words of `text` in lines of at most [`WIDTH`] characters (a longer word stands alone).
fn wrap(text: &str) -> String {
    let mut lines: Vec<String> = Vec::new();
    for word in text.split_whitespace() {
        match lines.last_mut() {
            Some(line) if line.chars().count() + 1 + word.chars().count() <= WIDTH => {
                line.push(' ');
                line.push_str(word);
            }
            _ => lines.push(word.to_owned()),
        }
    }
    lines.join("\n")
}

/// The width of the explanations, as a terminal of 100 columns shows them whole.
const WIDTH: usize = 92;

/// The report as one JSON document.
pub fn render_json(report: &Report) -> String {
    let value = serde_json::json!({
        "target": report.target,
        "tls": report.tls,
        "from": report.from,
        "to": report.to,
        "variants": report.variants,
        "stopped": report.stopped,
        "not_tried": report.not_tried(),
        "verdict": report.verdict(),
        "exit_code": report.exit_code(),
    });
    crate::output::safe_json(serde_json::to_string_pretty(&value).unwrap_or_default())
}
