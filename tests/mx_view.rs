//! The explorer's side panel and certificate view (F2) for a `--mx` session: the route (domain → MX, its preference,
//! the MX answer's DNSSEC status, the address, why this MX), drawn into ratatui's
//! `TestBackend` at 120x40 (where the side panel shows) and compared with a reviewed insta
//! snapshot; F2's DANE and MTA-STS lines while they are looked up and once they are in. The
//! routing and the lookups themselves are tested against the DNS rig in tests/mx.rs.

mod support;

use std::time::Duration;

use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use smtpx::app::Action;
use smtpx::app::route::MailRoute;
use smtpx::app::script::Script;
use smtpx::driver::SessionEvent;
use smtpx::net::{NameCheck, TlsInfo, TlsVerdict, Trust, UntrustedReason, Validity};
use support::pki::{fixed_pem, pem_certs};
use support::render::render;

const NOW: i64 = 1_796_688_000;

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
        dane: None,
        mta_sts: None,
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
        dane: None,
        mta_sts: None,
    });
    s.connected().server(b"220 implicit.test ESMTP\r\n");
    let terminal = render(&mut s.app, 120, 40);
    let text = terminal.backend().to_string();
    assert!(text.contains("implicit.test → implicit.test"), "{text}");
    assert!(text.contains(" implicit MX, DNSSEC secure"), "{text}");
}

fn key(code: KeyCode) -> Action {
    Action::Key(KeyEvent::new(code, KeyModifiers::NONE))
}

/// A `--mx` session to mx1.dane.test through STARTTLS, with the rig's test certificate as
/// the chain.
fn tls_session() -> Script {
    let mut s = Script::new("dane.test via mx1.dane.test:25");
    s.app.set_mail_route(MailRoute {
        domain: "dane.test".into(),
        host: "mx1.dane.test".into(),
        preference: Some(10),
        addr: "127.0.0.1:25".parse().unwrap(),
        dnssec: "secure".into(),
        why: "the first MX in preference order; it accepted".into(),
        dane: None,
        mta_sts: None,
    });
    s.connected()
        .server(b"220 mx1.dane.test ESMTP\r\n")
        .client("EHLO laptop.example")
        .server(b"250-mx1.dane.test\r\n250 STARTTLS\r\n")
        .client("STARTTLS")
        .server(b"220 2.0.0 go ahead\r\n")
        .tls(true);
    let chain: Vec<Vec<u8>> = pem_certs(&fixed_pem("leaf.pem"))
        .iter()
        .map(|c| c.as_ref().to_vec())
        .collect();
    s.event(SessionEvent::TlsEstablished {
        at: Duration::from_millis(90),
        info: Box::new(TlsInfo {
            version: "TLSv1.3".into(),
            cipher_suite: "TLS13_AES_256_GCM_SHA384".into(),
            key_exchange_group: Some("X25519".into()),
            alpn: None,
            chain_der: chain,
            handshake: Duration::from_millis(11),
            resumed: false,
            sni_sent: Some("mx1.dane.test".into()),
            verdict: TlsVerdict {
                trusted: Trust::NotTrusted {
                    reason: UntrustedReason::UnknownIssuer,
                    context: None,
                },
                name: NameCheck::Mismatch {
                    name: "mx1.dane.test".into(),
                    presented: vec!["mx.example.com".into()],
                },
                validity: Validity::Valid {
                    not_before: NOW - 10 * 86_400,
                    not_after: NOW + 1_790 * 86_400,
                    days_left: 1_790,
                },
                webpki_accepted: false,
            },
            client_cert: None,
        }),
    });
    s.app.fix_cert_clock(NOW);
    s
}

#[test]
fn f2_shows_dane_and_mta_sts_for_the_mx_in_use() {
    let mut s = tls_session();
    s.app.update(key(KeyCode::F(2)));
    let terminal = render(&mut s.app, 120, 40);
    let text = terminal.backend().to_string();
    assert!(text.contains("    DANE: looking up…"), "{text}");
    assert!(text.contains(" MTA-STS: looking up…"), "{text}");

    s.app.set_route_security(
        "verified: TLSA 3 1 1 6f0b… matches certificate 0 of the chain — DANE-EE: the server \
         certificate's key matches; names and dates are not checked (RFC 7672 §3.1.1)"
            .into(),
        "mode enforce, record id=20261204T01 (DNSSEC secure); mx1.dane.test matches the mx \
         pattern *.dane.test"
            .into(),
    );
    let terminal = render(&mut s.app, 120, 40);
    insta::assert_snapshot!("mx_cert_view_120x40", terminal.backend());
}
