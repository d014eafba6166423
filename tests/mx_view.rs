//! The explorer's side panel for a `--mx` session: the route (domain → MX, its preference,
//! the MX answer's DNSSEC status, the address, why this MX), drawn into ratatui's
//! `TestBackend` at 120x40 (where the side panel shows) and compared with a reviewed insta
//! snapshot. The routing itself is tested against the DNS rig in tests/mx.rs.

mod support;

use smtpx::app::route::MailRoute;
use smtpx::app::script::Script;
use support::render::render;

#[test]
fn the_side_panel_shows_the_mx_route_and_why_it_was_chosen() {
    let mut s = Script::new("refuse.test via mx.refuse.test:25");
    s.app.set_mail_route(MailRoute {
        domain: "refuse.test".into(),
        host: "mx.refuse.test".into(),
        preference: Some(30),
        addr: "127.0.0.1:25".parse().unwrap(),
        dnssec: "secure".into(),
        why: "the first reachable MX: dead1.refuse.test (MX 10), dead2.refuse.test (MX 20) \
              could not be reached"
            .into(),
    });
    s.connected()
        .server(b"220 mx.refuse.test ESMTP\r\n")
        .client("EHLO laptop.example")
        .server(b"250-mx.refuse.test\r\n250-PIPELINING\r\n250 STARTTLS\r\n");
    let terminal = render(&mut s.app, 120, 40);
    insta::assert_snapshot!("mx_route_120x40", terminal.backend());
}

#[test]
fn the_implicit_mx_is_named_as_such() {
    let mut s = Script::new("implicit.test via implicit.test:25");
    s.app.set_mail_route(MailRoute {
        domain: "implicit.test".into(),
        host: "implicit.test".into(),
        preference: None,
        addr: "127.0.0.1:25".parse().unwrap(),
        dnssec: "secure".into(),
        why: "implicit.test has no MX record: its own address is the implicit MX (RFC 5321 §5.1)"
            .into(),
    });
    s.connected().server(b"220 implicit.test ESMTP\r\n");
    let terminal = render(&mut s.app, 120, 40);
    let text = terminal.backend().to_string();
    assert!(text.contains("implicit.test → implicit.test"), "{text}");
    assert!(text.contains(" implicit MX, DNSSEC secure"), "{text}");
}
