//! The explorer's status bar and transcript while it waits: connecting (a counter, not
//! "closed"), connected with no greeting (a counter), and the implicit-TLS diagnosis with
//! `/reconnect --tls` waiting at the prompt — at 80x24 and 120x40, as insta snapshots.

use std::time::Duration;

use smtpx::app::script::Script;
use smtpx::app::{Action, Effect};
use smtpx::driver::SessionEvent;
use smtpx::driver::task::{Intent, Update};
use smtpx::net::HelloAnswer;

mod support;

use support::render::render;

const SIZES: [(u16, u16); 2] = [(80, 24), (120, 40)];

fn check(name: &str, script: &mut Script) {
    for (w, h) in SIZES {
        let terminal = render(&mut script.app, w, h);
        insta::assert_snapshot!(format!("{name}_{w}x{h}"), terminal.backend());
    }
}

#[test]
fn connecting_counts_seconds_instead_of_saying_closed() {
    let mut s = Script::new("127.0.0.1:2525");
    s.app.start_connecting();
    s.app.update(Action::Clock(Duration::from_secs(3)));
    assert_eq!(s.app.state_name(), "connecting · 3 s");
    check("waits_connecting", &mut s);
}

/// The app turns the silence check into a note for the driver to say (so the transcript
/// keeps it); the driver's echo of that note is what the screen shows.
fn silence(s: &mut Script, answer: HelloAnswer) -> String {
    let effects = s.app.update(Action::Driver(Update::Silence {
        port: 2525,
        waited: Duration::from_millis(4500),
        answer,
    }));
    let [Effect::Intent(Intent::Note(text))] = effects.as_slice() else {
        panic!("one note for the driver, got {effects:?}");
    };
    s.event(SessionEvent::Note {
        at: Duration::from_millis(4500),
        text: text.clone(),
    });
    text.clone()
}

#[test]
fn an_implicit_tls_port_is_diagnosed_and_reconnect_tls_waits_at_the_prompt() {
    let mut s = Script::new("127.0.0.1:2525");
    s.app.start_connecting();
    s.connected();
    s.app.update(Action::Clock(Duration::from_secs(4)));
    assert_eq!(s.app.state_name(), "no greeting yet · 4 s");
    let note = silence(&mut s, HelloAnswer::ServerHello);
    assert!(note.contains("/reconnect --tls"), "{note}");
    assert!(!note.contains("--tls-on-connect"), "{note}");
    assert_eq!(s.app.input.value(), "/reconnect --tls");
    check("waits_implicit_tls", &mut s);
}

#[test]
fn a_silent_port_is_not_called_implicit_tls() {
    let mut s = Script::new("127.0.0.1:2525");
    s.connected();
    s.app.update(Action::Clock(Duration::from_secs(4)));
    let note = silence(&mut s, HelloAnswer::Silent);
    assert!(note.contains("not implicit TLS"), "{note}");
    assert_eq!(s.app.input.value(), "", "nothing offered");
}
