//! What SMTP things mean: basic reply codes
//! ([RFC 5321 §4.2](https://www.rfc-editor.org/rfc/rfc5321#section-4.2) and extensions),
//! enhanced status codes (the IANA registry, [RFC 3463](https://www.rfc-editor.org/rfc/rfc3463)
//! and later), EHLO keywords (the IANA SMTP Service Extensions registry), SASL mechanism
//! names (the IANA SASL registry), and notes on vendor replies people often meet.
//!
//! Each answer is an [`Item`] saying what the thing means, where it is defined, and for
//! failures what it usually means in practice and what to try. Lookups never guess: a
//! code missing from the tables falls back to its class (and subject) meaning marked
//! [`Status::Generic`], and anything else is [`Status::Unknown`].
//!
//! ```text
//! explain::reply(&Reply)            -> Explanation  (basic + enhanced code, vendor notes)
//! explain::reply_code(550)          -> Item
//! explain::enhanced_code(5.7.1)     -> Item
//! explain::keyword(&Extension)      -> Item         (with its parameters in plain words)
//! explain::sasl_mechanism("PLAIN")  -> Item
//! explain::query("...")             -> Explanation  (what `smtpx explain` runs)
//! ```
//!
//! Layer: beside the protocol core — sans-IO data and lookups over `proto` types, used by
//! the CLI (`smtpx explain`) and the explorer's panels. The tables are large data, so they
//! live here rather than in `proto`.

mod args;
mod lookup;
mod params;
pub mod render;
mod table;

#[cfg(test)]
mod tests;

use serde::Serialize;

pub use args::{ExplainPlan, run};
pub use lookup::{
    enhanced_code, keyword, keyword_name, query, reply, reply_code, sasl_mechanism,
    vendor_notes_for_code,
};
pub use params::{capability_params, human_size};

/// What kind of thing an [`Item`] explains.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    /// A three-digit reply code (`550`).
    ReplyCode,
    /// An enhanced status code (`5.7.1`).
    EnhancedCode,
    /// An EHLO extension keyword (`SMTPUTF8`).
    Keyword,
    /// A SASL mechanism name (`CRAM-MD5`).
    SaslMechanism,
    /// A command that is not also a keyword or mechanism (`LHLO`), or a private command
    /// typed by hand (`XCLIENT`).
    Command,
    /// Input that is none of the above.
    Unrecognised,
}

/// How well the tables know the thing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// An entry of its own.
    Exact,
    /// Not in the tables; the meaning shown is that of its class or subject (`5.7.x`),
    /// labelled as such.
    Generic,
    /// Not in the tables and no generic meaning applies.
    Unknown,
}

/// One explained thing.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Item {
    pub kind: Kind,
    /// What was looked up, normalised (`550`, `5.7.99`, `SMTPUTF8`).
    pub key: String,
    pub status: Status,
    /// The table entry used: the key itself, a generic pattern (`5.7.x`, `5yz`,
    /// `SCRAM-*`), or `None` when unknown.
    pub matched: Option<String>,
    /// For reply and enhanced codes: the severity name (`permanent_negative`, ...).
    pub severity: Option<&'static str>,
    pub title: String,
    pub meaning: String,
    /// The defining document (`RFC 5321 §4.2.3`, or the vendor for private things).
    pub reference: Option<String>,
    pub url: Option<String>,
    /// What it usually means in practice.
    pub practice: Option<String>,
    /// What to try next.
    #[serde(rename = "try")]
    pub advice: Option<String>,
    /// For a keyword seen in an EHLO reply: its parameters in plain words.
    pub parameters: Option<String>,
}

impl Item {
    pub fn is_known(&self) -> bool {
        self.status != Status::Unknown
    }
}

/// A note about how a particular vendor (or a common setup) uses a reply.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct VendorNote {
    /// Stable identifier of the note (`microsoft-5.7.57`).
    pub id: String,
    /// Who sends it (`Microsoft 365 / Exchange Online`).
    pub source: String,
    pub note: String,
    pub url: Option<String>,
}

/// Everything said about one input: the items, vendor notes, and remarks about the
/// input itself (malformed reply lines, a class that disagrees with the reply code).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Explanation {
    /// The input as given (escape before display: it may come from a server).
    pub query: String,
    /// True when at least one item is known exactly or generically.
    pub known: bool,
    pub items: Vec<Item>,
    pub vendor_notes: Vec<VendorNote>,
    pub remarks: Vec<String>,
}

impl Explanation {
    pub fn new(
        query: String,
        items: Vec<Item>,
        vendor_notes: Vec<VendorNote>,
        remarks: Vec<String>,
    ) -> Explanation {
        let known = items.iter().any(Item::is_known);
        Explanation {
            query,
            known,
            items,
            vendor_notes,
            remarks,
        }
    }
}
