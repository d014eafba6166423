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
    let text = s.app.picked_explanation(80).join("\n");
    assert!(
        text.contains("RCPT  Add a recipient") && text.contains("RFC 5321 §4.1.1.3"),
        "{text}"
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

#[test]
fn a_reply_is_explained_by_the_command_it_answers() {
    let mut s = greeted();
    s.client("EHLO me")
        .server(b"250-mx\r\n250 AUTH PLAIN\r\n")
        .client("AUTH PLAIN AGRlbW8AZGVtbw==")
        .server(b"235 2.7.0 Authentication successful\r\n");
    // The line under the transcript: the meaning to AUTH first, not "other or undefined
    // security status" (2.7.0) alone.
    let line = s.app.latest_reply_explained().expect("explained");
    assert!(
        line.starts_with("235 2.7.0 to AUTH: Authentication succeeded"),
        "{line}"
    );
    s.app.update(key(KeyCode::Esc));
    let text = s.app.picked_explanation(80).join("\n");
    assert!(
        text.contains("235 to AUTH  Authentication succeeded"),
        "{text}"
    );
    // The greeting answers the connection.
    let greeting = s
        .app
        .entries
        .iter()
        .find(|e| e.reply.is_some())
        .expect("greeting");
    assert_eq!(greeting.answers, Some(crate::explain::Answers::Greeting));
}

#[test]
fn pipelined_replies_are_matched_to_their_commands_in_order() {
    use crate::driver::{Layer, SessionEvent};
    use crate::proto::reply::Reply;
    let mut s = greeted();
    s.client("EHLO me")
        .server(b"250-mx\r\n250 PIPELINING\r\n")
        .client("MAIL FROM:<a@b>")
        .client("RCPT TO:<c@d>")
        .client("DATA");
    // Three replies in one read, before the next session snapshot (as the task sends them).
    let replies = Reply::parse_all(b"250 ok\r\n550 no such user\r\n554 no valid recipients\r\n")
        .expect("replies");
    for reply in replies {
        s.app
            .update(Action::Driver(Update::Event(SessionEvent::Received {
                at: std::time::Duration::from_millis(5),
                layer: Layer::Plain,
                reply,
                latency: None,
            })));
    }
    let answered: Vec<_> = s
        .app
        .entries
        .iter()
        .rev()
        .take(3)
        .map(|e| e.answers.clone())
        .collect();
    use crate::explain::Answers::Command;
    assert_eq!(
        answered,
        [
            Some(Command("DATA".into())),
            Some(Command("RCPT".into())),
            Some(Command("MAIL".into())),
        ]
    );
}

#[test]
fn esc_steps_through_the_capability_lines_of_an_ehlo_reply() {
    let mut s = greeted();
    s.client("EHLO me")
        .server(b"250-mx\r\n250-PIPELINING\r\n250 SIZE 10485760\r\n");
    let last = s.app.entries.len() - 1;
    s.app.update(key(KeyCode::Esc));
    assert_eq!(
        (s.app.picked_entry(), s.app.picked_line()),
        (Some(last), Some(0))
    );
    s.app.update(key(KeyCode::Down));
    assert_eq!(s.app.picked_line(), Some(1));
    let text = s.app.picked_explanation(80).join("\n");
    assert!(text.contains("PIPELINING  Command pipelining"), "{text}");
    s.app.update(key(KeyCode::Down));
    let text = s.app.picked_explanation(80).join("\n");
    assert!(
        text.contains("SIZE  Message size declaration") && text.contains("10 MiB"),
        "{text}"
    );
    // Past the last line: stays (it is the last entry); up to line 0 and on to the command.
    s.app.update(key(KeyCode::Down));
    assert_eq!(
        (s.app.picked_entry(), s.app.picked_line()),
        (Some(last), Some(2))
    );
    for _ in 0..2 {
        s.app.update(key(KeyCode::Up));
    }
    assert_eq!(s.app.picked_line(), Some(0));
    s.app.update(key(KeyCode::Up));
    assert_eq!(s.app.picked_entry(), Some(last - 1));
    // And down into the reply again starts at the reply as a whole.
    s.app.update(key(KeyCode::Down));
    assert_eq!(
        (s.app.picked_entry(), s.app.picked_line()),
        (Some(last), Some(0))
    );
}

#[test]
fn a_held_back_warning_stays_while_the_line_is_edited() {
    let mut s = greeted();
    assert!(type_line(&mut s.app, "MAIL FROM:<a@b>").is_empty());
    let warning = s.app.notice.clone().unwrap_or_default();
    assert!(
        warning.ends_with("Enter again sends it anyway, Esc clears"),
        "{warning}"
    );
    s.app.update(key(KeyCode::Char('x')));
    let edited = s.app.notice.clone().unwrap_or_default();
    let what = warning.split(" — ").next().unwrap_or_default();
    assert!(
        edited.starts_with(what) && edited.ends_with("edited: Enter checks the new line"),
        "{edited}"
    );
    // Back to the held line: Enter sends it again.
    s.app.update(key(KeyCode::Backspace));
    assert_eq!(s.app.notice.as_deref(), Some(warning.as_str()));
    // Any other notice still goes when typing.
    s.app.notice = Some("copied".into());
    s.app.held = None;
    s.app.update(key(KeyCode::Char('y')));
    assert_eq!(s.app.notice, None);
}

#[test]
fn pgup_and_pgdn_scroll_the_explanation_and_a_move_starts_it_at_the_top() {
    let mut s = greeted();
    s.client("RCPT TO:<x@y>")
        .server(b"550 5.1.1 unknown user\r\n");
    s.app.update(key(KeyCode::Esc));
    assert_eq!(s.app.explain_scroll(), 0);
    s.app.update(key(KeyCode::PageDown));
    s.app.update(key(KeyCode::PageDown));
    assert_eq!(s.app.explain_scroll(), 10);
    s.app.update(key(KeyCode::PageUp));
    assert_eq!(s.app.explain_scroll(), 5);
    s.app.update(key(KeyCode::Up));
    assert_eq!(s.app.explain_scroll(), 0);
}
