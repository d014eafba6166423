//! The explanation tables against the registries, and `smtpx explain` as a user runs it.
//!
//! The registry lists in `tests/data/` are kept apart from the tables on purpose: they
//! are what the registries hold, and every line must have an exact explanation.

use std::process::{Command, Output};

use serde_json::Value;
use smtpx::explain::{self, Status};
use smtpx::proto::enhanced::EnhancedCode;

/// The first column of every non-comment line of a registry list.
fn registry(text: &str) -> Vec<&str> {
    text.lines()
        .filter(|l| !l.trim().is_empty() && !l.starts_with('#'))
        .filter_map(|l| l.split('\t').next())
        .collect()
}

#[test]
fn every_enhanced_code_in_the_iana_registry_is_explained_for_each_class() {
    let codes = registry(include_str!("data/iana-enhanced-codes.txt"));
    assert!(codes.len() > 80, "registry list looks truncated");
    let mut missing = Vec::new();
    for code in &codes {
        for class in ["2", "4", "5"] {
            let concrete = code.replacen('X', class, 1);
            let parsed = EnhancedCode::parse(&concrete).expect("registry codes parse");
            let item = explain::enhanced_code(parsed);
            if item.status != Status::Exact || item.meaning.is_empty() {
                missing.push(concrete);
            }
        }
    }
    assert!(missing.is_empty(), "not explained: {missing:?}");
}

#[test]
fn every_smtp_service_extension_in_the_iana_registry_is_explained() {
    let keywords = registry(include_str!("data/iana-smtp-extensions.txt"));
    assert!(keywords.len() > 30, "registry list looks truncated");
    let missing: Vec<&str> = keywords
        .into_iter()
        .filter(|k| explain::keyword_name(k).status != Status::Exact)
        .collect();
    assert!(missing.is_empty(), "not explained: {missing:?}");
}

#[test]
fn every_sasl_mechanism_in_the_iana_registry_is_explained() {
    let names = registry(include_str!("data/iana-sasl-mechanisms.txt"));
    assert!(names.len() > 40, "registry list looks truncated");
    let missing: Vec<&str> = names
        .into_iter()
        .filter(|n| explain::sasl_mechanism(n).status != Status::Exact)
        .collect();
    assert!(missing.is_empty(), "not explained: {missing:?}");
}

#[test]
fn every_rfc_reply_code_is_explained_with_its_reference() {
    let codes = registry(include_str!("data/rfc-reply-codes.txt"));
    let missing: Vec<&str> = codes
        .into_iter()
        .filter(|c| {
            let item = explain::reply_code(c.parse().expect("three digits"));
            item.status != Status::Exact || item.reference.is_none()
        })
        .collect();
    assert!(missing.is_empty(), "not explained: {missing:?}");
}

#[test]
fn every_failure_reply_code_says_what_to_try() {
    for c in registry(include_str!("data/rfc-reply-codes.txt")) {
        let code: u16 = c.parse().expect("three digits");
        let item = explain::reply_code(code);
        // ETRN/ATRN status replies and 455 are informational for the client.
        let informational = matches!(code, 453 | 458 | 459);
        if code >= 400 && !informational {
            assert!(item.advice.is_some(), "{code} has no advice");
        }
    }
}

fn smtpx(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_smtpx"))
        .env("XDG_STATE_HOME", env!("CARGO_TARGET_TMPDIR"))
        .arg("explain")
        .args(args)
        .output()
        .expect("run smtpx explain")
}

fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

#[test]
fn explain_a_reply_code() {
    let output = smtpx(&["550"]);
    assert_eq!(output.status.code(), Some(0));
    let text = stdout(&output);
    assert!(
        text.contains("550  Requested action not taken: mailbox unavailable"),
        "{text}"
    );
    assert!(text.contains("RFC 5321 §4.2.3"), "{text}");
    assert!(text.contains("permanent failure"), "{text}");
    assert!(text.contains("Try "), "{text}");
}

#[test]
fn explain_an_enhanced_code_keyword_and_mechanism() {
    for (query, expected) in [
        ("5.7.1", "Delivery not authorized, message refused"),
        ("SMTPUTF8", "Internationalized email"),
        ("CRAM-MD5", "Challenge-response with HMAC-MD5"),
        ("SIZE 104857600", "100 MiB limit"),
        ("5.7.99", "generic meaning"),
    ] {
        let output = smtpx(&[query]);
        assert_eq!(output.status.code(), Some(0), "{query}");
        let text = stdout(&output);
        assert!(text.contains(expected), "{query}: {text}");
    }
}

#[test]
fn explain_a_whole_reply_shows_both_codes_and_the_pattern() {
    let output = smtpx(&["451 4.7.1 Try again later"]);
    assert_eq!(output.status.code(), Some(0));
    let text = stdout(&output);
    assert!(text.contains("> 451 4.7.1 Try again later"), "{text}");
    assert!(text.contains("451  Requested action aborted"), "{text}");
    assert!(text.contains("4.7.1  Delivery not authorized"), "{text}");
    assert!(text.contains("greylisting"), "{text}");
}

#[test]
fn unknown_input_exits_1_and_says_unknown() {
    let output = smtpx(&["FROBNICATE"]);
    assert_eq!(output.status.code(), Some(1));
    assert!(stdout(&output).contains("unknown"));
}

#[test]
fn json_output_has_a_stable_shape() {
    let output = smtpx(&["--json", "530 5.7.57 Client not authenticated to send mail"]);
    assert_eq!(output.status.code(), Some(0));
    let json: Value = serde_json::from_slice(&output.stdout).expect("valid JSON");
    assert_eq!(json["known"], true);
    assert_eq!(
        json["query"],
        "530 5.7.57 Client not authenticated to send mail"
    );
    let items = json["items"].as_array().expect("items");
    assert_eq!(items.len(), 2);
    assert_eq!(items[0]["kind"], "reply_code");
    assert_eq!(items[0]["key"], "530");
    assert_eq!(items[0]["status"], "exact");
    assert_eq!(items[0]["severity"], "permanent_negative");
    assert!(
        items[0]["url"]
            .as_str()
            .is_some_and(|u| u.starts_with("https://"))
    );
    assert!(items[0]["try"].is_string());
    assert_eq!(items[1]["kind"], "enhanced_code");
    assert_eq!(items[1]["status"], "generic");
    assert_eq!(items[1]["matched"], "5.7.x");
    let notes = json["vendor_notes"].as_array().expect("vendor notes");
    assert_eq!(notes[0]["id"], "microsoft-5.7.57");
    assert!(
        notes[0]["source"]
            .as_str()
            .is_some_and(|s| s.contains("Microsoft"))
    );
    assert!(json["remarks"].as_array().is_some_and(Vec::is_empty));

    let unknown = smtpx(&["--json", "XFOO"]);
    assert_eq!(unknown.status.code(), Some(1));
    let json: Value = serde_json::from_slice(&unknown.stdout).expect("valid JSON");
    assert_eq!(json["known"], false);
    assert_eq!(json["items"][0]["status"], "unknown");
}

#[test]
fn control_characters_in_the_query_are_escaped() {
    let output = smtpx(&["550 5.1.1 \u{1b}]0;pwned\u{7} no"]);
    let text = stdout(&output);
    assert!(!text.contains('\u{1b}'), "{text:?}");
    assert!(text.contains("\\x1b"), "{text}");
}
