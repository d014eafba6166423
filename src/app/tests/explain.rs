//! `App::update` for recording, warnings before sending, and line-pick mode.

use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use crate::app::script::Script;
use crate::app::*;

fn key(code: KeyCode) -> Action {
    Action::Key(KeyEvent::new(code, KeyModifiers::NONE))
}

fn type_line(app: &mut App, text: &str) -> Vec<Effect> {
    app.input = Input::new(text.into());
    app.update(key(KeyCode::Enter))
}

fn greeted() -> Script {
    let mut s = Script::new("127.0.0.1:2525");
    s.connected().server(b"220 mx ESMTP\r\n");
    s
}

#[test]
fn mail_before_ehlo_is_warned_then_sent_on_the_second_enter() {
    let mut s = greeted();
    assert!(type_line(&mut s.app, "MAIL FROM:<a@b>").is_empty());
    let notice = s.app.notice.clone().unwrap_or_default();
    assert!(notice.contains("Enter again sends"), "{notice}");
    assert_eq!(s.app.input.value(), "MAIL FROM:<a@b>");
    let effects = s.app.update(key(KeyCode::Enter));
    assert!(effects.contains(&Effect::Intent(Intent::Line("MAIL FROM:<a@b>".into()))));
}

#[test]
fn a_different_line_after_a_warning_is_checked_again() {
    let mut s = greeted();
    assert!(type_line(&mut s.app, "MAIL FROM:<a@b>").is_empty());
    assert!(type_line(&mut s.app, "RCPT TO:<c@d>").is_empty());
    assert!(
        type_line(&mut s.app, "EHLO me").contains(&Effect::Intent(Intent::Line("EHLO me".into())))
    );
}

#[test]
fn pipelining_without_the_extension_is_warned() {
    let mut s = greeted();
    s.client("EHLO me").server(b"250 mx\r\n");
    s.client("NOOP");
    assert!(
        type_line(&mut s.app, "NOOP").is_empty(),
        "a reply is awaited"
    );
    let notice = s.app.notice.clone().unwrap_or_default();
    assert!(
        notice.to_ascii_uppercase().contains("PIPELINING"),
        "{notice}"
    );
}

#[test]
fn note_is_shown_and_handed_to_the_recorder() {
    let mut s = greeted();
    s.app.recording = Some(PathBuf::from("/tmp/x.jsonl"));
    let effects = type_line(&mut s.app, "/note greylisted here");
    assert!(effects.contains(&Effect::Note("greylisted here".into())));
    let last = s.app.entries.last().expect("an entry");
    assert_eq!(last.lines, vec!["note: greylisted here".to_string()]);
    let effects = type_line(&mut s.app, "/note");
    assert!(!effects.iter().any(|e| matches!(e, Effect::Note(_))));
    assert_eq!(s.app.notice.as_deref(), Some("usage: /note TEXT"));
}

#[test]
fn a_failed_recording_is_said_and_the_session_goes_on() {
    let mut s = greeted();
    s.app.record_failed("cannot create /x: denied".into());
    assert!(s.app.recording.is_none());
    assert!(s.app.record_error.is_some());
    assert_eq!(s.app.entries.last().map(|e| e.kind), Some(Kind::Error));
    assert!(
        type_line(&mut s.app, "EHLO me").contains(&Effect::Intent(Intent::Line("EHLO me".into())))
    );
}

#[test]
fn esc_on_an_empty_prompt_picks_lines_and_explains_them() {
    let mut s = greeted();
    s.client("EHLO me")
        .server(b"250 mx\r\n")
        .client("RCPT TO:<x@y>")
        .server(b"550 5.1.1 unknown user\r\n");
    let last = s.app.entries.len() - 1;
    s.app.update(key(KeyCode::Esc));
    assert_eq!(s.app.overlay_kind(), Some(OverlayKind::Pick));
    assert_eq!(s.app.picked_entry(), Some(last));
    let text = s.app.picked_explanation(80).join("\n");
    assert!(text.contains("550") && text.contains("5.1.1"), "{text}");
    // Up moves to the command; Down back; never past the ends.
    s.app.update(key(KeyCode::Up));
    assert_eq!(s.app.picked_entry(), Some(last - 1));
    assert!(
        s.app
            .picked_explanation(80)
            .join("\n")
            .contains("command you sent")
    );
    s.app.update(key(KeyCode::Down));
    s.app.update(key(KeyCode::Down));
    assert_eq!(s.app.picked_entry(), Some(last));
    for _ in 0..100 {
        s.app.update(key(KeyCode::Up));
    }
    assert_eq!(s.app.picked_entry(), Some(0));
    // Enter leaves, back to following the end.
    assert!(s.app.update(key(KeyCode::Enter)).is_empty());
    assert_eq!(s.app.overlay_kind(), None);
    assert_eq!(s.app.picked_entry(), None);
    assert!(s.app.scroll.is_following());
    // Esc with text on the prompt still clears it.
    s.app.input = Input::new("EHL".into());
    s.app.update(key(KeyCode::Esc));
    assert_eq!(s.app.overlay_kind(), None);
    assert_eq!(s.app.input.value(), "");
}

#[test]
fn the_line_under_the_transcript_explains_the_latest_reply() {
    let mut s = greeted();
    s.client("RCPT TO:<x@y>")
        .server(b"550 5.1.1 unknown user\r\n");
    let line = s.app.latest_reply_explained().expect("explained");
    assert!(line.starts_with("550 "), "{line}");
    assert!(line.contains("5.1.1") && line.contains("RFC"), "{line}");
}
