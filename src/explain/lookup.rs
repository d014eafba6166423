//! Lookups from protocol values to [`Item`]s and [`Explanation`]s.
//!
//! Layer: explain (sans-IO).

use crate::proto::capability::Extension;
use crate::proto::enhanced::EnhancedCode;
use crate::proto::reply::{Reply, Severity};

use super::params::capability_params;
use super::table::{COMMANDS, ENHANCED_CODES, KEYWORDS, REPLY_CODES, Record, SASL, VENDOR};
use super::{Explanation, Item, Kind, Status, VendorNote};

fn from_record(kind: Kind, key: String, status: Status, matched: String, record: &Record) -> Item {
    Item {
        kind,
        key,
        status,
        matched: Some(matched),
        severity: None,
        title: record.required("title").to_owned(),
        meaning: record.required("meaning").to_owned(),
        reference: record.field("ref").map(str::to_owned),
        url: record.url(),
        practice: record.field("practice").map(str::to_owned),
        advice: record.field("try").map(str::to_owned),
        parameters: None,
    }
}

fn unknown(kind: Kind, key: String, title: &str, meaning: String) -> Item {
    Item {
        kind,
        key,
        status: Status::Unknown,
        matched: None,
        severity: None,
        title: title.to_owned(),
        meaning,
        reference: None,
        url: None,
        practice: None,
        advice: None,
        parameters: None,
    }
}

fn severity_name(severity: Severity) -> Option<&'static str> {
    (severity != Severity::Unknown).then(|| severity.name())
}

/// A basic reply code. Codes without an entry fall back to the meaning of their first
/// and second digits ([RFC 5321 §4.2.1](https://www.rfc-editor.org/rfc/rfc5321#section-4.2.1)).
pub fn reply_code(code: u16) -> Item {
    let key = format!("{code:03}");
    let severity = severity_name(Severity::of(Some(code)));
    if let Some(record) = REPLY_CODES.get(&key) {
        let mut item = from_record(Kind::ReplyCode, key.clone(), Status::Exact, key, record);
        item.severity = severity;
        return item;
    }
    let (first, second) = (code / 100, code / 10 % 10);
    let Some(class) = REPLY_CODES
        .get(&format!("{first}yz"))
        .filter(|_| code < 1000)
    else {
        return unknown(
            Kind::ReplyCode,
            key,
            "Not a valid reply code",
            "SMTP reply codes are three digits starting with 2, 3, 4 or 5 (RFC 5321 §4.2.1)."
                .to_owned(),
        );
    };
    let pattern = format!("{first}yz");
    let mut item = from_record(
        Kind::ReplyCode,
        key.clone(),
        Status::Generic,
        pattern,
        class,
    );
    item.severity = severity;
    match REPLY_CODES.get(&format!("x{second}z")) {
        Some(subject) => {
            item.title = format!(
                "{}, {} (generic meaning: {key} has no entry of its own)",
                item.title,
                subject.required("title").to_lowercase()
            );
            item.meaning = format!(
                "{} Second digit {second}: {}",
                item.meaning,
                subject.required("meaning")
            );
        }
        None => {
            item.title = format!(
                "{} (generic meaning: {key} has no entry of its own)",
                item.title
            );
            item.meaning = format!(
                "{} The second digit {second} is outside the range 0 to 5 that RFC 5321 \
                 §4.2.1 allows.",
                item.meaning
            );
        }
    }
    item
}

/// An enhanced status code. Codes missing from the registry tables fall back to their
/// subject (`5.7.x`) or class (`5.x.x`) meaning, labelled generic.
pub fn enhanced_code(code: EnhancedCode) -> Item {
    let key = code.to_string();
    let severity = match code.class {
        2 => Some(Severity::PositiveCompletion.name()),
        4 => Some(Severity::TransientNegative.name()),
        5 => Some(Severity::PermanentNegative.name()),
        _ => None,
    };
    let Some(class) = ENHANCED_CODES.get(&format!("{}.X.X", code.class)) else {
        return unknown(
            Kind::EnhancedCode,
            key,
            "Not a valid enhanced status code",
            "The class of an enhanced status code is 2, 4 or 5 (RFC 3463 §2).".to_owned(),
        );
    };
    let class_meaning = class.required("meaning");
    let detail_key = format!("X.{}.{}", code.subject, code.detail);
    let subject_key = format!("X.{}.X", code.subject);
    let mut item = if let Some(record) = ENHANCED_CODES.get(&detail_key) {
        let matched = format!("{}.{}.{}", code.class, code.subject, code.detail);
        from_record(Kind::EnhancedCode, key, Status::Exact, matched, record)
    } else if let Some(record) = ENHANCED_CODES.get(&subject_key) {
        let matched = format!("{}.{}.x", code.class, code.subject);
        let mut item = from_record(
            Kind::EnhancedCode,
            key.clone(),
            Status::Generic,
            matched.clone(),
            record,
        );
        item.title = format!(
            "{matched}: {} (generic meaning: {key} is not in the registry)",
            item.title.to_lowercase()
        );
        item
    } else {
        let matched = format!("{}.x.x", code.class);
        let mut item = from_record(
            Kind::EnhancedCode,
            key.clone(),
            Status::Generic,
            matched.clone(),
            class,
        );
        item.title = format!(
            "{matched}: {} (generic meaning: subject {} is not in the registry)",
            item.title.to_lowercase(),
            code.subject
        );
        item.meaning = String::new();
        item
    };
    item.meaning = format!("{} {class_meaning}", item.meaning)
        .trim()
        .to_owned();
    item.severity = severity;
    item
}

/// An EHLO keyword by name (case-insensitive), without parameters.
pub fn keyword_name(name: &str) -> Item {
    let key = name.to_ascii_uppercase();
    if let Some(record) = KEYWORDS.get(&key) {
        return from_record(Kind::Keyword, key.clone(), Status::Exact, key, record);
    }
    unknown(
        Kind::Keyword,
        key.clone(),
        "Unknown extension keyword",
        unknown_keyword_meaning(&key),
    )
}

/// Why an unknown keyword starting with X is not a mystery.
const PRIVATE_KEYWORD: &str = "Keywords starting with \"X\" are private extensions agreed \
     between the parties (RFC 5321 §2.2.2); only the server's documentation says what it does.";

fn unknown_keyword_meaning(key: &str) -> String {
    if key.starts_with('X') {
        format!("Not in smtpx's tables. {PRIVATE_KEYWORD}")
    } else {
        "Not in smtpx's tables. RFC 5321 §2.2.2 requires keywords that do not start with \
         \"X\" to be registered with IANA; it may be a newer registration or a \
         server-specific extension."
            .to_owned()
    }
}

/// An EHLO line: its keyword, plus its parameters in plain words
/// (`SIZE 104857600` → "100 MiB limit").
pub fn keyword(extension: &Extension) -> Item {
    let mut item = keyword_name(&extension.keyword);
    item.parameters = capability_params(extension);
    item
}

/// A SASL mechanism name (case-insensitive). A name of a registered family
/// (`SCRAM-SHA-512`) falls back to the family's meaning, labelled generic.
pub fn sasl_mechanism(name: &str) -> Item {
    let key = name.to_ascii_uppercase();
    if let Some(record) = SASL.get(&key) {
        return from_record(Kind::SaslMechanism, key.clone(), Status::Exact, key, record);
    }
    let family = SASL.records.iter().find(|r| {
        r.key
            .strip_suffix('*')
            .is_some_and(|prefix| key.starts_with(prefix) && key.len() > prefix.len())
    });
    if let Some(record) = family {
        let mut item = from_record(
            Kind::SaslMechanism,
            key.clone(),
            Status::Generic,
            record.key.clone(),
            record,
        );
        item.title = format!(
            "{} (generic meaning: {key} is a member of {})",
            item.title, record.key
        );
        return item;
    }
    unknown(
        Kind::SaslMechanism,
        key,
        "Unknown SASL mechanism",
        "Not in smtpx's tables of the IANA SASL Mechanisms registry.".to_owned(),
    )
}

fn vendor_note(record: &Record) -> VendorNote {
    VendorNote {
        id: record.key.clone(),
        source: record.required("source").to_owned(),
        note: record.required("note").to_owned(),
        url: record.field("url").map(str::to_owned),
    }
}

fn codes_of(record: &Record) -> impl Iterator<Item = &str> {
    record.field("codes").unwrap_or_default().split_whitespace()
}

/// Every vendor note that names `code` (`5.7.57`, `451`), whatever text it expects.
pub fn vendor_notes_for_code(code: &str) -> Vec<VendorNote> {
    VENDOR
        .records
        .iter()
        .filter(|r| codes_of(r).any(|c| c == code))
        .map(vendor_note)
        .collect()
}

/// Vendor notes that apply to a reply with these codes and this text.
fn vendor_notes_for_reply(codes: &[String], text: &str) -> Vec<VendorNote> {
    let text = text.to_lowercase();
    VENDOR
        .records
        .iter()
        .filter(|r| r.field("codes").is_none() || codes_of(r).any(|c| codes.iter().any(|k| k == c)))
        .filter(|r| match r.field("match") {
            None => true,
            Some(patterns) => patterns
                .split('|')
                .map(|p| p.trim().to_lowercase())
                .any(|p| !p.is_empty() && text.contains(&p)),
        })
        .map(vendor_note)
        .collect()
}

/// A whole reply: its basic code, its enhanced code if any, vendor notes matched on its
/// codes and text, and remarks on anything malformed.
pub fn reply(reply: &Reply) -> Explanation {
    let query = reply
        .lines
        .iter()
        .map(|l| {
            String::from_utf8_lossy(&l.raw)
                .trim_end_matches(['\r', '\n'])
                .to_owned()
        })
        .collect::<Vec<_>>()
        .join("\n");
    let mut items = Vec::new();
    let mut codes = Vec::new();
    let mut remarks: Vec<String> = reply
        .malformations()
        .iter()
        .map(|m| format!("Malformed reply: {}.", m.describe()))
        .collect();
    match reply.code() {
        Some(code) => {
            items.push(reply_code(code));
            codes.push(format!("{code:03}"));
        }
        None => items.push(unknown(
            Kind::ReplyCode,
            String::new(),
            "No reply code",
            "The line does not start with a three-digit reply code (RFC 5321 §4.2).".to_owned(),
        )),
    }
    if let Some(enhanced) = reply.enhanced() {
        items.push(enhanced_code(enhanced));
        codes.push(enhanced.to_string());
        if let Some(code) = reply
            .code()
            .filter(|c| c / 100 != u16::from(enhanced.class))
        {
            remarks.push(format!(
                "The enhanced code's class ({}) disagrees with the reply code ({code}); \
                 clients act on the reply code (RFC 3463 §2 requires them to agree).",
                enhanced.class
            ));
        }
    }
    let text = reply.text_lines().collect::<Vec<_>>().join(" ");
    let vendor_notes = vendor_notes_for_reply(&codes, &text);
    Explanation::new(query, items, vendor_notes, remarks)
}

/// Explains free input, as `smtpx explain` does: a reply code (`550`), an enhanced code
/// (`5.7.1`, optionally followed by text), a reply (`451 4.7.1 Try again later`, one or
/// more lines), an EHLO line (`SMTPUTF8`, `SIZE 104857600`), or a SASL mechanism.
pub fn query(input: &str) -> Explanation {
    let trimmed = input.trim();
    let bytes = trimmed.as_bytes();
    let starts_with_code = bytes.len() >= 3
        && bytes[..3].iter().all(u8::is_ascii_digit)
        && matches!(
            bytes.get(3),
            None | Some(b' ' | b'-' | b'\t' | b'\r' | b'\n')
        );
    if starts_with_code {
        if bytes.len() == 3 {
            // Three ASCII digits always parse as a u16.
            let code = trimmed.parse::<u16>().unwrap_or_default();
            return Explanation::new(
                trimmed.to_owned(),
                vec![reply_code(code)],
                vendor_notes_for_code(trimmed),
                Vec::new(),
            );
        }
        let wire: String = trimmed
            .lines()
            .map(|l| format!("{}\r\n", l.trim_end()))
            .collect();
        if let Ok(replies) = Reply::parse_all(wire.as_bytes()) {
            if let Some(first) = replies.first() {
                let mut explanation = reply(first);
                if replies.len() > 1 {
                    explanation.remarks.push(format!(
                        "The input holds {} replies; only the first is explained.",
                        replies.len()
                    ));
                }
                return explanation;
            }
        }
    }
    if let Some((code, len)) = EnhancedCode::parse_prefix(bytes) {
        let rest = trimmed[len..].trim();
        let notes = if rest.is_empty() {
            vendor_notes_for_code(&code.to_string())
        } else {
            vendor_notes_for_reply(&[code.to_string()], rest)
        };
        return Explanation::new(
            trimmed.to_owned(),
            vec![enhanced_code(code)],
            notes,
            Vec::new(),
        );
    }
    let mut items = Vec::new();
    let extension = Extension::parse(trimmed.as_bytes());
    // A known keyword with bad parameters (`SIZE abc`) is still that keyword; its
    // parameter explanation says what is wrong.
    if !extension.keyword.is_empty() && (extension.known.is_some() || !extension.malformed) {
        let item = keyword(&extension);
        if item.is_known() {
            items.push(item);
        }
    }
    if !trimmed.contains(char::is_whitespace) && !trimmed.is_empty() {
        let item = sasl_mechanism(trimmed);
        if item.is_known() {
            items.push(item);
        }
        let key = trimmed.to_ascii_uppercase();
        if let Some(record) = COMMANDS.get(&key) {
            items.push(from_record(
                Kind::Command,
                key.clone(),
                Status::Exact,
                key,
                record,
            ));
        }
    }
    if items.is_empty() {
        let mut meaning = "smtpx knows no reply code, enhanced status code, EHLO keyword, SASL \
                           mechanism or command by this name."
            .to_owned();
        if trimmed.starts_with(['X', 'x']) {
            meaning.push(' ');
            meaning.push_str(PRIVATE_KEYWORD);
        }
        items.push(unknown(
            Kind::Unrecognised,
            trimmed.to_owned(),
            "Unknown",
            meaning,
        ));
    }
    Explanation::new(trimmed.to_owned(), items, Vec::new(), Vec::new())
}
