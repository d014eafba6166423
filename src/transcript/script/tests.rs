//! Unit tests of the script built from a recording and of client-line matching.

use super::*;
use crate::transcript::read::read_bytes;

fn sample() -> Script {
    let bytes = include_bytes!("../../../recordings/sandbox-starttls-auth-message.jsonl");
    Script::of(&read_bytes(bytes).expect("the sample reads"))
}

#[test]
fn sample_recording_becomes_greeting_and_steps_with_one_reply_each() {
    let script = sample();
    assert!(!script.implicit_tls);
    assert_eq!(script.greeting.as_ref().and_then(Recorded::code), Some(220));
    let kinds: Vec<_> = script
        .steps
        .iter()
        .map(|s| (s.kind, s.replies.len()))
        .collect();
    assert_eq!(kinds.len(), 9, "{kinds:?}");
    assert!(kinds.iter().all(|(_, n)| *n == 1), "{kinds:?}");
    assert!(script.steps[1].starts_tls, "STARTTLS is step 2");
    assert_eq!(script.steps[7].kind, StepKind::Body);
    assert!(script.steps[3].secret);
    assert!(script.leaf.is_some());
    assert!(!script.has_redacted_body());
}

#[test]
fn client_lines_compare_by_verb_and_tolerate_names_and_addresses() {
    let script = sample();
    let ehlo = &script.steps[0];
    assert_eq!(compare(ehlo, b"EHLO client.example"), Match::Exact);
    assert_eq!(compare(ehlo, b"ehlo client.example"), Match::Exact);
    assert!(matches!(
        compare(ehlo, b"EHLO other.host"),
        Match::Tolerated(_)
    ));
    assert_eq!(compare(ehlo, b"MAIL FROM:<a@b>"), Match::Diverged);
    let auth = &script.steps[3];
    assert!(matches!(
        compare(auth, b"AUTH PLAIN AGRlbW8AeA=="),
        Match::Tolerated(_)
    ));
    assert_eq!(compare(auth, b"AUTH LOGIN"), Match::Diverged);
    let mail = &script.steps[4];
    assert!(matches!(
        compare(mail, b"MAIL FROM:<x@y>"),
        Match::Tolerated(_)
    ));
    assert_eq!(compare(mail, b""), Match::Diverged);
}

#[test]
fn verbs_are_upper_cased_and_auth_keeps_its_mechanism() {
    assert_eq!(verb("mail from:<a>"), "MAIL");
    assert_eq!(verb("MAIL FROM:<a>"), "MAIL");
    assert_eq!(verb("auth plain xyz"), "AUTH PLAIN");
    assert_eq!(verb(""), "");
}

#[test]
fn a_recording_with_a_reconnect_becomes_one_script_per_connection() {
    let bytes = include_bytes!("../../../recordings/sandbox-starttls-auth-message.jsonl");
    let text = String::from_utf8_lossy(bytes);
    let mut lines: Vec<&str> = text.lines().collect();
    // The same session twice in one file, as after /reconnect.
    let events = lines[1..].to_vec();
    lines.extend(events);
    let twice = read_bytes(format!("{}\n", lines.join("\n")).as_bytes()).expect("reads");
    let once = sample();
    let scripts = Script::connections(&twice);
    assert_eq!(scripts.len(), 2);
    for script in &scripts {
        assert_eq!(script.steps.len(), once.steps.len());
        assert_eq!(script.greeting.as_ref().and_then(Recorded::code), Some(220));
        assert!(script.steps.iter().all(|s| s.replies.len() == 1));
    }
    assert_eq!(
        Script::connections(&read_bytes(bytes).expect("reads")).len(),
        1
    );
}
