//! The explanation tables: text data files compiled in with `include_str!` and parsed once,
//! on first use.
//!
//! Each file is a list of records:
//!
//! ```text
//! # comment
//! [KEY]
//! field: value
//!   an indented line continues the previous field
//! ```
//!
//! Keeping the tables as text (not Rust literals) keeps them reviewable as data, lets
//! the registry coverage test read them like a person would, and keeps the Rust files
//! short.
//!
//! Layer: explain (sans-IO data).

use std::collections::HashMap;
use std::sync::LazyLock;

/// Fields every explanation table may use.
const ENTRY_FIELDS: &[&str] = &[
    "title", "ref", "url", "meaning", "practice", "try", "params",
];
/// Fields of the commands table: an entry's, and what each reply means to the command.
const COMMAND_FIELDS: &[&str] = &[
    "title", "ref", "url", "meaning", "practice", "try", "replies",
];
/// Fields of the vendor notes table.
const VENDOR_FIELDS: &[&str] = &["source", "codes", "match", "note", "url"];

/// One `[KEY]` record with its fields, continuation lines joined with single spaces.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Record {
    pub key: String,
    fields: Vec<(String, String)>,
}

impl Record {
    pub fn field(&self, name: &str) -> Option<&str> {
        self.fields
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    /// A field that must be present (checked when the table is parsed).
    pub fn required(&self, name: &str) -> &str {
        self.field(name).unwrap_or_default()
    }

    /// The link for the record: its `url` field, else one derived from `ref` when it
    /// names an RFC (`RFC 5321 §4.2.3` → rfc-editor.org link with the section anchor).
    pub fn url(&self) -> Option<String> {
        if let Some(url) = self.field("url") {
            return Some(url.to_owned());
        }
        rfc_url(self.field("ref")?)
    }
}

/// `RFC 5321 §4.2.3` → `https://www.rfc-editor.org/rfc/rfc5321#section-4.2.3`.
pub(crate) fn rfc_url(reference: &str) -> Option<String> {
    let rest = reference.strip_prefix("RFC ")?;
    let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
    if digits.is_empty() {
        return None;
    }
    let mut url = format!("https://www.rfc-editor.org/rfc/rfc{digits}");
    if let Some(section) = rest[digits.len()..].trim_start().strip_prefix('§') {
        let section: String = section
            .chars()
            .take_while(|c| c.is_ascii_digit() || *c == '.')
            .collect();
        let section = section.trim_end_matches('.');
        if !section.is_empty() {
            url.push_str("#section-");
            url.push_str(section);
        }
    }
    Some(url)
}

/// A parsed table, looked up by upper-cased key.
#[derive(Debug)]
pub(crate) struct Table {
    pub records: Vec<Record>,
    index: HashMap<String, usize>,
}

impl Table {
    pub fn get(&self, key: &str) -> Option<&Record> {
        self.index
            .get(&key.to_ascii_uppercase())
            .map(|&i| &self.records[i])
    }
}

/// Why a data file did not parse (only reachable by editing the data; tests parse every
/// table).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub(crate) enum TableError {
    #[error("{file}:{line}: {problem}")]
    Syntax {
        file: &'static str,
        line: usize,
        problem: String,
    },
}

/// Parses one data file. `allowed` lists the permitted field names and `required` those
/// each record must have.
pub(crate) fn parse(
    file: &'static str,
    text: &str,
    allowed: &[&str],
    required: &[&str],
) -> Result<Table, TableError> {
    let error = |line: usize, problem: String| TableError::Syntax {
        file,
        line,
        problem,
    };
    let mut records: Vec<Record> = Vec::new();
    for (number, line) in text.lines().enumerate().map(|(i, l)| (i + 1, l)) {
        if line.trim().is_empty() || line.starts_with('#') {
            continue;
        }
        if let Some(key) = line.strip_prefix('[') {
            let key = key
                .strip_suffix(']')
                .ok_or_else(|| error(number, "record header without ']'".into()))?;
            records.push(Record {
                key: key.to_owned(),
                fields: Vec::new(),
            });
            continue;
        }
        let record = records
            .last_mut()
            .ok_or_else(|| error(number, "field before the first [KEY]".into()))?;
        if line.starts_with([' ', '\t']) {
            let (_, value) = record
                .fields
                .last_mut()
                .ok_or_else(|| error(number, "continuation line without a field".into()))?;
            value.push(' ');
            value.push_str(line.trim());
            continue;
        }
        let (name, value) = line
            .split_once(':')
            .ok_or_else(|| error(number, format!("expected `field: value`, got {line:?}")))?;
        if !allowed.contains(&name) {
            return Err(error(number, format!("unknown field {name:?}")));
        }
        if record.field(name).is_some() {
            return Err(error(number, format!("field {name:?} given twice")));
        }
        record
            .fields
            .push((name.to_owned(), value.trim().to_owned()));
    }
    let mut index = HashMap::new();
    for (i, record) in records.iter().enumerate() {
        for name in required {
            if record.field(name).is_none_or(str::is_empty) {
                return Err(error(0, format!("[{}] has no {name}", record.key)));
            }
        }
        if index.insert(record.key.to_ascii_uppercase(), i).is_some() {
            return Err(error(0, format!("[{}] appears twice", record.key)));
        }
    }
    Ok(Table { records, index })
}

fn load(file: &'static str, text: &str, allowed: &[&str], required: &[&str]) -> Table {
    // The data is compiled in; `tables_parse` in the unit tests parses every table, so a
    // broken file fails the test suite before it can fail here.
    parse(file, text, allowed, required).unwrap_or_else(|e| panic!("bad explain data: {e}"))
}

const ENTRY_REQUIRED: &[&str] = &["title", "meaning"];

pub(crate) static REPLY_CODES: LazyLock<Table> = LazyLock::new(|| {
    load(
        "reply-codes.txt",
        REPLY_CODES_TEXT,
        ENTRY_FIELDS,
        ENTRY_REQUIRED,
    )
});
pub(crate) static ENHANCED_CODES: LazyLock<Table> = LazyLock::new(|| {
    load(
        "enhanced-codes.txt",
        ENHANCED_CODES_TEXT,
        ENTRY_FIELDS,
        ENTRY_REQUIRED,
    )
});
pub(crate) static KEYWORDS: LazyLock<Table> =
    LazyLock::new(|| load("keywords.txt", KEYWORDS_TEXT, ENTRY_FIELDS, ENTRY_REQUIRED));
pub(crate) static SASL: LazyLock<Table> =
    LazyLock::new(|| load("sasl.txt", SASL_TEXT, ENTRY_FIELDS, ENTRY_REQUIRED));
pub(crate) static COMMANDS: LazyLock<Table> = LazyLock::new(|| {
    load(
        "commands.txt",
        COMMANDS_TEXT,
        COMMAND_FIELDS,
        ENTRY_REQUIRED,
    )
});
pub(crate) static VENDOR: LazyLock<Table> = LazyLock::new(|| {
    load(
        "vendor.txt",
        VENDOR_TEXT,
        VENDOR_FIELDS,
        &["source", "note"],
    )
});

pub(crate) const REPLY_CODES_TEXT: &str = include_str!("data/reply-codes.txt");
pub(crate) const ENHANCED_CODES_TEXT: &str = include_str!("data/enhanced-codes.txt");
pub(crate) const KEYWORDS_TEXT: &str = include_str!("data/keywords.txt");
pub(crate) const SASL_TEXT: &str = include_str!("data/sasl.txt");
pub(crate) const VENDOR_TEXT: &str = include_str!("data/vendor.txt");
pub(crate) const COMMANDS_TEXT: &str = include_str!("data/commands.txt");

/// Every table with its name, text and field rules (for the tests).
#[cfg(test)]
pub(crate) fn all() -> Vec<Result<Table, TableError>> {
    vec![
        parse(
            "reply-codes.txt",
            REPLY_CODES_TEXT,
            ENTRY_FIELDS,
            ENTRY_REQUIRED,
        ),
        parse(
            "enhanced-codes.txt",
            ENHANCED_CODES_TEXT,
            ENTRY_FIELDS,
            ENTRY_REQUIRED,
        ),
        parse("keywords.txt", KEYWORDS_TEXT, ENTRY_FIELDS, ENTRY_REQUIRED),
        parse("sasl.txt", SASL_TEXT, ENTRY_FIELDS, ENTRY_REQUIRED),
        parse(
            "commands.txt",
            COMMANDS_TEXT,
            COMMAND_FIELDS,
            ENTRY_REQUIRED,
        ),
        parse(
            "vendor.txt",
            VENDOR_TEXT,
            VENDOR_FIELDS,
            &["source", "note"],
        ),
    ]
}
