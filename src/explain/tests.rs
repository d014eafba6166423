//! Unit tests of the explanation tables and lookups.

use super::table::{self, rfc_url};
use super::*;
use crate::proto::capability::{Capabilities, Extension, KnownKeyword};
use crate::proto::enhanced::EnhancedCode;
use crate::proto::reply::Reply;

fn code(text: &str) -> EnhancedCode {
    EnhancedCode::parse(text).expect("valid enhanced code")
}

fn one_reply(wire: &str) -> Reply {
    let mut replies = Reply::parse_all(wire.as_bytes()).expect("within limits");
    assert_eq!(replies.len(), 1, "{wire:?}");
    replies.remove(0)
}

#[test]
fn tables_parse() {
    for table in table::all() {
        let table = table.expect("table parses");
        assert!(!table.records.is_empty());
    }
}

#[test]
fn malformed_data_is_reported_with_its_line() {
    let bad = table::parse("t", "[A]\ntitle: x\nbogus: y\n", &["title"], &[]);
    assert!(bad.unwrap_err().to_string().contains("t:3: unknown field"));
    let twice = table::parse("t", "[A]\ntitle: x\n[a]\ntitle: y\n", &["title"], &[]);
    assert!(twice.unwrap_err().to_string().contains("appears twice"));
    let missing = table::parse("t", "[A]\n", &["title"], &["title"]);
    assert!(missing.unwrap_err().to_string().contains("has no title"));
}

#[test]
fn rfc_references_become_links_with_sections() {
    assert_eq!(
        rfc_url("RFC 5321 §4.2.3").as_deref(),
        Some("https://www.rfc-editor.org/rfc/rfc5321#section-4.2.3")
    );
    assert_eq!(
        rfc_url("RFC 7504").as_deref(),
        Some("https://www.rfc-editor.org/rfc/rfc7504")
    );
    assert_eq!(rfc_url("Postfix (private extension)"), None);
}

#[test]
fn known_reply_codes_are_exact_with_reference_and_advice() {
    let item = reply_code(550);
    assert_eq!(item.status, Status::Exact);
    assert_eq!(item.severity, Some("permanent_negative"));
    assert_eq!(item.reference.as_deref(), Some("RFC 5321 §4.2.3"));
    assert!(item.advice.is_some() && item.practice.is_some());
    let auth = reply_code(535);
    assert!(
        auth.reference
            .as_deref()
            .is_some_and(|r| r.starts_with("RFC 4954"))
    );
    assert_eq!(reply_code(556).reference.as_deref(), Some("RFC 7504"));
}

#[test]
fn reply_codes_without_entry_fall_back_to_their_digits_labelled_generic() {
    let item = reply_code(457);
    assert_eq!(item.status, Status::Generic);
    assert_eq!(item.matched.as_deref(), Some("4yz"));
    assert!(item.title.contains("generic meaning"), "{}", item.title);
    assert!(item.meaning.contains("Second digit 5"), "{}", item.meaning);
    let odd = reply_code(299);
    assert_eq!(odd.status, Status::Generic);
    assert!(odd.meaning.contains("outside the range"));
    assert_eq!(reply_code(600).status, Status::Unknown);
    assert_eq!(reply_code(199).status, Status::Unknown);
}

#[test]
fn enhanced_codes_explain_subject_and_class() {
    let item = enhanced_code(code("5.1.1"));
    assert_eq!(item.status, Status::Exact);
    assert_eq!(item.title, "Bad destination mailbox address");
    assert!(item.meaning.contains("Class 5"), "{}", item.meaning);
    let transient = enhanced_code(code("4.2.2"));
    assert!(transient.meaning.contains("Class 4"));
    assert_eq!(transient.severity, Some("transient_negative"));
}

#[test]
fn unregistered_enhanced_codes_fall_back_to_subject_then_class() {
    let item = enhanced_code(code("5.7.99"));
    assert_eq!(item.status, Status::Generic);
    assert_eq!(item.matched.as_deref(), Some("5.7.x"));
    assert!(
        item.title
            .starts_with("5.7.x: security or policy status (generic meaning")
    );
    let class_only = enhanced_code(code("4.9.1"));
    assert_eq!(class_only.status, Status::Generic);
    assert_eq!(class_only.matched.as_deref(), Some("4.x.x"));
    assert!(class_only.meaning.starts_with("Class 4"));
}

#[test]
fn known_keywords_all_have_entries() {
    let caps = Capabilities::default();
    assert!(caps.extensions.is_empty());
    for name in [
        "SIZE",
        "AUTH",
        "STARTTLS",
        "PIPELINING",
        "8BITMIME",
        "SMTPUTF8",
        "CHUNKING",
        "BINARYMIME",
        "ENHANCEDSTATUSCODES",
        "DSN",
        "REQUIRETLS",
        "DELIVERBY",
        "ETRN",
        "ATRN",
        "VRFY",
        "EXPN",
        "HELP",
        "BURL",
        "FUTURERELEASE",
        "MT-PRIORITY",
        "LIMITS",
        "NO-SOLICITING",
        "CHECKPOINT",
        "MTRK",
        "RRVS",
        "TURN",
        "VERB",
        "ONEX",
        "XCLIENT",
        "XFORWARD",
    ] {
        let known = KnownKeyword::from_keyword(name).expect("proto knows it");
        let item = keyword_name(known.as_str());
        assert_eq!(item.status, Status::Exact, "{name}");
    }
}

#[test]
fn unknown_keywords_are_marked_unknown_not_guessed() {
    let item = keyword_name("XFOOBAR");
    assert_eq!(item.status, Status::Unknown);
    assert!(item.meaning.contains("private extensions"));
    assert_eq!(item.reference, None);
    let unregistered = keyword_name("FROBNICATE");
    assert_eq!(unregistered.status, Status::Unknown);
    assert!(unregistered.meaning.contains("registered with IANA"));
}

#[test]
fn capability_parameters_are_put_in_plain_words() {
    let explain = |line: &str| keyword(&Extension::parse(line.as_bytes())).parameters;
    assert_eq!(
        explain("SIZE 104857600").as_deref(),
        Some("100 MiB limit (104857600 octets)")
    );
    assert_eq!(
        explain("SIZE 0").as_deref(),
        Some("no fixed limit (SIZE 0)")
    );
    assert_eq!(explain("SIZE").as_deref(), Some("no limit announced"));
    assert_eq!(
        explain("SIZE 35882577").as_deref(),
        Some("34.2 MiB limit (35882577 octets)")
    );
    let auth = explain("AUTH PLAIN LOGIN XFOO").expect("described");
    assert!(
        auth.contains("PLAIN (Plain user name and password)"),
        "{auth}"
    );
    assert!(auth.contains("XFOO (unknown mechanism)"), "{auth}");
    assert!(
        explain("AUTH=LOGIN")
            .expect("described")
            .contains("pre-standard")
    );
    let limits = explain("LIMITS RCPTMAX=50 MAILMAX=10").expect("described");
    assert_eq!(
        limits,
        "at most 50 recipients per transaction; at most 10 mail transactions per session"
    );
    assert_eq!(explain("PIPELINING"), None);
    assert_eq!(human_size(1536), "1.5 KiB");
    assert_eq!(human_size(3 << 30), "3 GiB");
}

#[test]
fn sasl_names_are_exact_or_fall_back_to_their_family() {
    assert_eq!(sasl_mechanism("cram-md5").status, Status::Exact);
    assert_eq!(
        sasl_mechanism("cram-md5").reference.as_deref(),
        Some("RFC 2195")
    );
    let family = sasl_mechanism("SCRAM-SHA-512");
    assert_eq!(family.status, Status::Generic);
    assert_eq!(family.matched.as_deref(), Some("SCRAM-*"));
    assert_eq!(sasl_mechanism("FOO-BAR").status, Status::Unknown);
}

#[test]
fn a_reply_is_explained_by_both_codes_with_matching_vendor_notes() {
    let explanation = reply(&one_reply("451 4.7.1 Try again later\r\n"));
    assert!(explanation.known);
    let kinds: Vec<Kind> = explanation.items.iter().map(|i| i.kind).collect();
    assert_eq!(kinds, [Kind::ReplyCode, Kind::EnhancedCode]);
    let ids: Vec<&str> = explanation
        .vendor_notes
        .iter()
        .map(|n| n.id.as_str())
        .collect();
    assert_eq!(ids, ["greylisting"]);
    assert!(explanation.remarks.is_empty());
}

#[test]
fn vendor_notes_need_their_text_when_they_ask_for_it() {
    let gmail = reply(&one_reply(
        "550-5.7.26 Unauthenticated email from example.com is not accepted due to\r\n\
         550 5.7.26 domain's DMARC policy. https://support.google.com/mail/answer/2451690 - gsmtp\r\n",
    ));
    let ids: Vec<&str> = gmail.vendor_notes.iter().map(|n| n.id.as_str()).collect();
    assert_eq!(ids, ["gmail-5.7.26"]);
    let other = reply(&one_reply("550 5.7.26 DMARC failed\r\n"));
    assert!(other.vendor_notes.is_empty());
    let microsoft = reply(&one_reply(
        "530 5.7.57 Client not authenticated to send mail. [AM0PR01CA0001]\r\n",
    ));
    assert_eq!(microsoft.vendor_notes[0].id, "microsoft-5.7.57");
    assert_eq!(microsoft.items[1].status, Status::Generic);
}

#[test]
fn bare_code_queries_show_every_vendor_note_for_the_code() {
    let explanation = query("5.7.139");
    assert_eq!(explanation.vendor_notes.len(), 1);
    assert!(explanation.vendor_notes[0].source.contains("Microsoft"));
    let gmail = query("5.7.0");
    assert!(gmail.vendor_notes.iter().any(|n| {
        n.url
            .as_deref()
            .is_some_and(|u| u.contains("support.google.com"))
    }));
}

#[test]
fn replies_with_problems_carry_remarks() {
    let mismatch = reply(&one_reply("550 4.7.1 Nope\r\n"));
    assert!(mismatch.remarks.iter().any(|r| r.contains("disagrees")));
    let bare_lf = reply(&one_reply("250 Ok\n"));
    assert!(bare_lf.remarks.iter().any(|r| r.contains("bare LF")));
}

#[test]
fn queries_are_dispatched_by_shape() {
    assert_eq!(query("550").items[0].kind, Kind::ReplyCode);
    assert_eq!(query(" 5.7.1 ").items[0].kind, Kind::EnhancedCode);
    assert_eq!(query("smtputf8").items[0].kind, Kind::Keyword);
    assert_eq!(query("CRAM-MD5").items[0].kind, Kind::SaslMechanism);
    assert_eq!(query("lhlo").items[0].kind, Kind::Command);
    assert!(
        query("LHLO").items[0]
            .meaning
            .contains("one reply per accepted")
    );
    // XCLIENT is both: what the command does (first, as typed), and what the server offers.
    let xclient: Vec<Kind> = query("XCLIENT").items.iter().map(|i| i.kind).collect();
    assert_eq!(xclient, [Kind::Command, Kind::Keyword]);
    assert_eq!(query("OAUTHBEARER").items[0].kind, Kind::SaslMechanism);
    let size = query("SIZE 52428800");
    assert_eq!(
        size.items[0].parameters.as_deref(),
        Some("50 MiB limit (52428800 octets)")
    );
    let bad_size = query("SIZE abc");
    assert!(
        bad_size.items[0]
            .parameters
            .as_deref()
            .is_some_and(|p| p.contains("not a number"))
    );
    assert!(
        query("451")
            .vendor_notes
            .iter()
            .any(|n| n.id == "greylisting")
    );
    let multi = query("250-mx.example.com\n250 SMTPUTF8");
    assert_eq!(multi.items[0].key, "250");
    let unknown = query("FROBNICATE");
    assert!(!unknown.known);
    assert_eq!(unknown.items[0].kind, Kind::Unrecognised);
    assert!(!query("").known);
}
