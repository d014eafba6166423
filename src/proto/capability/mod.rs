//! The server's EHLO reply as typed capabilities.
//!
//! The first line of a positive EHLO reply names the server (and may greet); every further
//! line is an `ehlo-line` — an extension keyword and its parameters
//! ([RFC 5321 §4.1.1.1](https://www.rfc-editor.org/rfc/rfc5321#section-4.1.1.1)). Real
//! servers bend that grammar, so this module is tolerant and *keeps* everything: every line
//! becomes an [`Extension`] in order, unknown keywords included, and a line that does not
//! match the grammar is kept with [`Extension::malformed`] set rather than dropped.
//!
//! Tolerated, each seen in the wild:
//! - lower-case keywords (`250-size 1000`); keywords compare case-insensitively;
//! - the pre-standard `AUTH=LOGIN PLAIN` form beside `AUTH LOGIN PLAIN` (old Outlook
//!   clients needed it; Exchange and many others still send it) — recognised as AUTH with
//!   [`Extension::legacy_form`] set;
//! - `SIZE` with no value, tabs between parameters, trailing spaces, repeated keywords;
//! - invalid UTF-8, decoded lossily and flagged with [`Extension::invalid_utf8`];
//! - a final line that is just text (`250 Ok`, `250 HELP`). The grammar cannot tell such a
//!   line from an extension keyword, so it is kept as an extension: `HELP` is a registered
//!   keyword and is known; `Ok` becomes an unknown keyword (`known: None`); text with
//!   characters outside the keyword grammar (`Ok,`) is `malformed`.
//!
//! Typed accessors are computed from [`Capabilities::extensions`] on demand, so the list a
//! user sees and the answers the session acts on can never disagree.
//!
//! Layer: protocol core (sans-IO).

use super::reply::Reply;

/// Extension keywords this crate understands, from the IANA SMTP Service Extensions
/// registry.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum KnownKeyword {
    Size,
    Auth,
    StartTls,
    Pipelining,
    EightBitMime,
    SmtpUtf8,
    Chunking,
    BinaryMime,
    EnhancedStatusCodes,
    Dsn,
    RequireTls,
    DeliverBy,
    Etrn,
    Atrn,
    Vrfy,
    Expn,
    Help,
    Burl,
    FutureRelease,
    MtPriority,
    Limits,
    NoSoliciting,
    Checkpoint,
    Mtrk,
    Rrvs,
    Turn,
    Verb,
    Onex,
    Xclient,
    Xforward,
}

/// (keyword as written in the registry, variant, defining document)
const KNOWN: &[(&str, KnownKeyword, &str)] = &[
    ("SIZE", KnownKeyword::Size, "RFC 1870"),
    ("AUTH", KnownKeyword::Auth, "RFC 4954"),
    ("STARTTLS", KnownKeyword::StartTls, "RFC 3207"),
    ("PIPELINING", KnownKeyword::Pipelining, "RFC 2920"),
    ("8BITMIME", KnownKeyword::EightBitMime, "RFC 6152"),
    ("SMTPUTF8", KnownKeyword::SmtpUtf8, "RFC 6531"),
    ("CHUNKING", KnownKeyword::Chunking, "RFC 3030"),
    ("BINARYMIME", KnownKeyword::BinaryMime, "RFC 3030"),
    (
        "ENHANCEDSTATUSCODES",
        KnownKeyword::EnhancedStatusCodes,
        "RFC 2034",
    ),
    ("DSN", KnownKeyword::Dsn, "RFC 3461"),
    ("REQUIRETLS", KnownKeyword::RequireTls, "RFC 8689"),
    ("DELIVERBY", KnownKeyword::DeliverBy, "RFC 2852"),
    ("ETRN", KnownKeyword::Etrn, "RFC 1985"),
    ("ATRN", KnownKeyword::Atrn, "RFC 2645"),
    ("VRFY", KnownKeyword::Vrfy, "RFC 5321"),
    ("EXPN", KnownKeyword::Expn, "RFC 5321"),
    ("HELP", KnownKeyword::Help, "RFC 5321"),
    ("BURL", KnownKeyword::Burl, "RFC 4468"),
    ("FUTURERELEASE", KnownKeyword::FutureRelease, "RFC 4865"),
    ("MT-PRIORITY", KnownKeyword::MtPriority, "RFC 6710"),
    ("LIMITS", KnownKeyword::Limits, "RFC 9422"),
    ("NO-SOLICITING", KnownKeyword::NoSoliciting, "RFC 3865"),
    ("CHECKPOINT", KnownKeyword::Checkpoint, "RFC 1845"),
    ("MTRK", KnownKeyword::Mtrk, "RFC 3885"),
    ("RRVS", KnownKeyword::Rrvs, "RFC 7293"),
    ("TURN", KnownKeyword::Turn, "RFC 1869"),
    ("VERB", KnownKeyword::Verb, "Sendmail"),
    ("ONEX", KnownKeyword::Onex, "Sendmail"),
    ("XCLIENT", KnownKeyword::Xclient, "Postfix"),
    ("XFORWARD", KnownKeyword::Xforward, "Postfix"),
];

impl KnownKeyword {
    /// Recognises a keyword, case-insensitively.
    pub fn from_keyword(keyword: &str) -> Option<KnownKeyword> {
        KNOWN
            .iter()
            .find(|(name, _, _)| name.eq_ignore_ascii_case(keyword))
            .map(|&(_, known, _)| known)
    }

    /// The keyword as the registry spells it.
    pub fn as_str(self) -> &'static str {
        KNOWN
            .iter()
            .find(|&&(_, known, _)| known == self)
            .map_or("", |&(name, _, _)| name)
    }

    /// The document that defines the extension (`RFC 1870`, or the vendor for private ones).
    pub fn defined_in(self) -> &'static str {
        KNOWN
            .iter()
            .find(|&&(_, known, _)| known == self)
            .map_or("", |&(_, _, doc)| doc)
    }
}

/// One line of the EHLO reply after the first.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Extension {
    /// The keyword as sent (case kept). For the legacy `AUTH=LOGIN` form this is `AUTH`.
    pub keyword: String,
    /// The parameters, split on spaces and tabs.
    pub params: Vec<String>,
    /// The line's text after the reply code and separator, as sent (lossy UTF-8).
    pub raw_line: String,
    /// The keyword, when this crate knows it (and it matches the grammar).
    pub known: Option<KnownKeyword>,
    /// The line is not `ehlo-keyword *(SP ehlo-param)`: the keyword has characters outside
    /// `ALPHA / DIGIT / "-"` (or is empty), or a known keyword's parameter is not what its
    /// RFC allows (`SIZE abc`).
    pub malformed: bool,
    /// The pre-standard `AUTH=mech …` form (not in RFC 4954; kept for old clients).
    pub legacy_form: bool,
    /// The line held bytes that are not UTF-8; the text fields are a lossy decoding.
    pub invalid_utf8: bool,
    /// An earlier line carried the same keyword in the same form.
    pub duplicate: bool,
}

impl Extension {
    /// Parses one `ehlo-line` (the text after `250-`).
    pub fn parse(text: &[u8]) -> Extension {
        let invalid_utf8 = std::str::from_utf8(text).is_err();
        let raw_line = String::from_utf8_lossy(text).into_owned();
        let mut words = raw_line
            .split([' ', '\t'])
            .filter(|w| !w.is_empty())
            .map(str::to_owned);
        let first = words.next().unwrap_or_default();
        let mut params: Vec<String> = words.collect();
        let (keyword, legacy_form) = match first.split_once('=') {
            Some((head, tail)) if head.eq_ignore_ascii_case("AUTH") => {
                if !tail.is_empty() {
                    params.insert(0, tail.to_owned());
                }
                (head.to_owned(), true)
            }
            _ => (first, false),
        };
        let keyword_ok = is_ehlo_keyword(&keyword);
        let known = keyword_ok
            .then(|| KnownKeyword::from_keyword(&keyword))
            .flatten();
        let params_ok = match known {
            // SIZE's parameter is an optional decimal number (RFC 1870 §3).
            Some(KnownKeyword::Size) => params.len() <= 1 && params.iter().all(|p| is_digits(p)),
            _ => true,
        };
        Extension {
            keyword,
            params,
            raw_line,
            known,
            malformed: !keyword_ok || !params_ok,
            legacy_form,
            invalid_utf8,
            duplicate: false,
        }
    }

    /// Whether this line carries `keyword` (case-insensitive), in either AUTH form.
    pub fn is(&self, keyword: &str) -> bool {
        self.keyword.eq_ignore_ascii_case(keyword)
    }

    /// The key lines are matched by across a [`Capabilities::diff`]: the upper-cased
    /// keyword, with `=` appended for the legacy AUTH form.
    fn diff_key(&self) -> String {
        let mut key = self.keyword.to_ascii_uppercase();
        if self.legacy_form {
            key.push('=');
        }
        key
    }
}

/// `ehlo-keyword = (ALPHA / DIGIT) *(ALPHA / DIGIT / "-")`
/// ([RFC 5321 §4.1.1.1](https://www.rfc-editor.org/rfc/rfc5321#section-4.1.1.1)).
fn is_ehlo_keyword(word: &str) -> bool {
    let mut bytes = word.bytes();
    bytes.next().is_some_and(|b| b.is_ascii_alphanumeric())
        && bytes.all(|b| b.is_ascii_alphanumeric() || b == b'-')
}

fn is_digits(word: &str) -> bool {
    !word.is_empty() && word.bytes().all(|b| b.is_ascii_digit())
}

/// What a server advertised in its reply to EHLO (or LHLO).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Capabilities {
    /// The server's name: the first word of the first line.
    pub domain: String,
    /// The rest of the first line (`Hello client [192.0.2.1]`), if any.
    pub greet: Option<String>,
    /// The first line held bytes that are not UTF-8 (decoded lossily).
    pub domain_invalid_utf8: bool,
    /// Every line after the first, in order, unknown and malformed ones included.
    pub extensions: Vec<Extension>,
}

impl Capabilities {
    /// Reads an EHLO reply: the first line is the domain line, every other line an
    /// extension. A single-line `250 name` reply gives no extensions. The reply code is not
    /// checked: the caller decides whether a reply is a positive EHLO reply.
    pub fn from_ehlo_reply(reply: &Reply) -> Capabilities {
        let mut lines = reply.lines.iter();
        let mut caps = Capabilities::default();
        if let Some(first) = lines.next() {
            let text = first.text();
            caps.domain_invalid_utf8 = std::str::from_utf8(text).is_err();
            let text = String::from_utf8_lossy(text);
            let text = text.trim_matches([' ', '\t']);
            let (domain, greet) = text
                .split_once([' ', '\t'])
                .map_or((text, ""), |(d, g)| (d, g.trim_matches([' ', '\t'])));
            caps.domain = domain.to_owned();
            caps.greet = (!greet.is_empty()).then(|| greet.to_owned());
        }
        let mut seen: Vec<String> = Vec::new();
        for line in lines {
            let mut extension = Extension::parse(line.text());
            let key = extension.diff_key();
            extension.duplicate = seen.contains(&key);
            if !extension.duplicate {
                seen.push(key);
            }
            caps.extensions.push(extension);
        }
        caps
    }

    /// Whether `keyword` was advertised (case-insensitive; either AUTH form counts).
    pub fn has(&self, keyword: &str) -> bool {
        self.extensions.iter().any(|e| e.is(keyword))
    }

    fn has_known(&self, known: KnownKeyword) -> bool {
        self.extensions.iter().any(|e| e.known == Some(known))
    }

    /// The first line with a known keyword (repeats are ignored: first wins).
    pub fn find(&self, known: KnownKeyword) -> Option<&Extension> {
        self.extensions.iter().find(|e| e.known == Some(known))
    }

    /// `None`: SIZE not advertised. `Some(None)`: advertised without a fixed limit — `SIZE 0`
    /// says none is in force, a bare `SIZE` says nothing about it, and a value that is not a
    /// number is treated the same. `Some(Some(n))`: messages over `n` octets are refused
    /// ([RFC 1870 §3](https://www.rfc-editor.org/rfc/rfc1870#section-3)).
    pub fn size(&self) -> Option<Option<u64>> {
        let extension = self.find(KnownKeyword::Size)?;
        let limit = extension
            .params
            .first()
            .and_then(|p| p.parse::<u64>().ok())
            .filter(|&n| n > 0);
        Some(limit)
    }

    /// SASL mechanisms from every AUTH line, in both forms, upper-cased, each once, in the
    /// order first seen ([RFC 4954 §3](https://www.rfc-editor.org/rfc/rfc4954#section-3)).
    pub fn auth_mechanisms(&self) -> Vec<String> {
        let mut mechanisms: Vec<String> = Vec::new();
        for extension in self
            .extensions
            .iter()
            .filter(|e| e.known == Some(KnownKeyword::Auth))
        {
            for mechanism in &extension.params {
                let mechanism = mechanism.to_ascii_uppercase();
                if !mechanisms.contains(&mechanism) {
                    mechanisms.push(mechanism);
                }
            }
        }
        mechanisms
    }

    /// The attributes `XCLIENT` accepts (`XCLIENT NAME ADDR PORT …`), upper-cased, each
    /// once; `None` when XCLIENT is not advertised
    /// ([Postfix XCLIENT](https://www.postfix.org/XCLIENT_README.html)).
    pub fn xclient_attributes(&self) -> Option<Vec<String>> {
        self.attributes(KnownKeyword::Xclient)
    }

    /// The attributes `XFORWARD` accepts, as [`Capabilities::xclient_attributes`]
    /// ([Postfix XFORWARD](https://www.postfix.org/XFORWARD_README.html)).
    pub fn xforward_attributes(&self) -> Option<Vec<String>> {
        self.attributes(KnownKeyword::Xforward)
    }

    fn attributes(&self, known: KnownKeyword) -> Option<Vec<String>> {
        let extension = self.find(known)?;
        let mut attributes: Vec<String> = Vec::new();
        for attribute in &extension.params {
            let attribute = attribute.to_ascii_uppercase();
            // An attribute name is a token; anything else is shown, never offered.
            let token = !attribute.is_empty()
                && attribute
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
            if token && !attributes.contains(&attribute) {
                attributes.push(attribute);
            }
        }
        Some(attributes)
    }

    /// Whether `mechanism` is among [`Capabilities::auth_mechanisms`] (case-insensitive).
    pub fn offers_mechanism(&self, mechanism: &str) -> bool {
        self.auth_mechanisms()
            .iter()
            .any(|m| m.eq_ignore_ascii_case(mechanism))
    }

    pub fn auth(&self) -> bool {
        self.has_known(KnownKeyword::Auth)
    }

    /// [RFC 3207](https://www.rfc-editor.org/rfc/rfc3207)
    pub fn starttls(&self) -> bool {
        self.has_known(KnownKeyword::StartTls)
    }

    /// [RFC 2920](https://www.rfc-editor.org/rfc/rfc2920)
    pub fn pipelining(&self) -> bool {
        self.has_known(KnownKeyword::Pipelining)
    }

    /// [RFC 6152](https://www.rfc-editor.org/rfc/rfc6152)
    pub fn eight_bit_mime(&self) -> bool {
        self.has_known(KnownKeyword::EightBitMime)
    }

    /// [RFC 6531](https://www.rfc-editor.org/rfc/rfc6531)
    pub fn smtputf8(&self) -> bool {
        self.has_known(KnownKeyword::SmtpUtf8)
    }

    /// [RFC 3030](https://www.rfc-editor.org/rfc/rfc3030)
    pub fn chunking(&self) -> bool {
        self.has_known(KnownKeyword::Chunking)
    }

    /// [RFC 3030](https://www.rfc-editor.org/rfc/rfc3030)
    pub fn binarymime(&self) -> bool {
        self.has_known(KnownKeyword::BinaryMime)
    }

    /// [RFC 2034](https://www.rfc-editor.org/rfc/rfc2034)
    pub fn enhanced_status_codes(&self) -> bool {
        self.has_known(KnownKeyword::EnhancedStatusCodes)
    }

    /// [RFC 3461](https://www.rfc-editor.org/rfc/rfc3461)
    pub fn dsn(&self) -> bool {
        self.has_known(KnownKeyword::Dsn)
    }

    /// [RFC 8689](https://www.rfc-editor.org/rfc/rfc8689)
    pub fn requiretls(&self) -> bool {
        self.has_known(KnownKeyword::RequireTls)
    }

    /// [RFC 2852](https://www.rfc-editor.org/rfc/rfc2852)
    pub fn deliverby(&self) -> bool {
        self.has_known(KnownKeyword::DeliverBy)
    }

    /// Extensions whose line did not match the grammar.
    pub fn malformed(&self) -> impl Iterator<Item = &Extension> {
        self.extensions.iter().filter(|e| e.malformed)
    }

    /// Extensions this crate does not know (still shown to the user).
    pub fn unknown(&self) -> impl Iterator<Item = &Extension> {
        self.extensions.iter().filter(|e| e.known.is_none())
    }

    /// What changed between two EHLO replies — typically before and after STARTTLS, where
    /// servers commonly add AUTH and drop STARTTLS. Lines are matched by upper-cased
    /// keyword (the legacy `AUTH=` form separately from `AUTH`); for a repeated keyword the
    /// first line counts. Parameters compare case-insensitively.
    pub fn diff(before: &Capabilities, after: &Capabilities) -> CapabilityDiff {
        let firsts = |caps: &'_ Capabilities| -> Vec<(String, Extension)> {
            caps.extensions
                .iter()
                .filter(|e| !e.duplicate)
                .map(|e| (e.diff_key(), e.clone()))
                .collect()
        };
        let (old, new) = (firsts(before), firsts(after));
        let lookup = |list: &[(String, Extension)], key: &str| -> Option<Extension> {
            list.iter().find(|(k, _)| k == key).map(|(_, e)| e.clone())
        };
        let mut diff = CapabilityDiff::default();
        for (key, extension) in &new {
            match lookup(&old, key) {
                None => diff.added.push(extension.clone()),
                Some(previous) if !same_params(&previous.params, &extension.params) => {
                    diff.changed.push((previous, extension.clone()));
                }
                Some(_) => {}
            }
        }
        for (key, extension) in &old {
            if lookup(&new, key).is_none() {
                diff.removed.push(extension.clone());
            }
        }
        diff
    }
}

fn same_params(a: &[String], b: &[String]) -> bool {
    a.len() == b.len() && a.iter().zip(b).all(|(x, y)| x.eq_ignore_ascii_case(y))
}

/// The difference between two [`Capabilities`], in the order of the later reply (removed
/// ones in the order of the earlier).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct CapabilityDiff {
    pub added: Vec<Extension>,
    pub removed: Vec<Extension>,
    /// `(before, after)` for a keyword present in both with different parameters.
    pub changed: Vec<(Extension, Extension)>,
}

impl CapabilityDiff {
    pub fn is_empty(&self) -> bool {
        self.added.is_empty() && self.removed.is_empty() && self.changed.is_empty()
    }
}

#[cfg(test)]
mod tests;
