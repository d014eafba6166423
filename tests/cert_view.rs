//! The certificate view (F2, `/cert`) drawn into ratatui's `TestBackend` at 80x24 and 120x40
//! and compared with reviewed insta snapshots. The chain is the fixed openssl pair under
//! `tests/data/certs/` and "now" is pinned, so fingerprints and days left never change.

mod support;

use std::time::Duration;

use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use smtpx::app::script::Script;
use smtpx::app::{Action, App, Effect, OverlayKind};
use smtpx::driver::SessionEvent;
use smtpx::net::{
    ClientCertStatus, NameCheck, TlsInfo, TlsVerdict, Trust, UntrustedReason, Validity,
};
use support::pki::{fixed_pem, pem_certs};

/// 2026-12-08 00:00:00 UTC: ten days into the fixed leaf's validity.
const NOW: i64 = 1_796_688_000;

fn fixed_info() -> TlsInfo {
    let mut chain: Vec<Vec<u8>> = pem_certs(&fixed_pem("leaf.pem"))
        .iter()
        .map(|c| c.as_ref().to_vec())
        .collect();
    chain.extend(
        pem_certs(&fixed_pem("ca.pem"))
            .iter()
            .map(|c| c.as_ref().to_vec()),
    );
    TlsInfo {
        version: "TLSv1.3".into(),
        cipher_suite: "TLS13_AES_256_GCM_SHA384".into(),
        key_exchange_group: Some("X25519".into()),
        alpn: None,
        chain_der: chain,
        handshake: Duration::from_millis(11),
        resumed: false,
        sni_sent: Some("mx.example.com".into()),
        verdict: TlsVerdict {
            trusted: Trust::NotTrusted {
                reason: UntrustedReason::UnknownIssuer,
                context: Some("O=smtpx test, CN=smtpx fixed CA".into()),
            },
            name: NameCheck::Matched {
                name: "mx.example.com".into(),
                san: "mx.example.com".into(),
            },
            validity: Validity::Valid {
                not_before: NOW - 10 * 86_400,
                not_after: NOW + 1_790 * 86_400,
                days_left: 1_790,
            },
            webpki_accepted: false,
        },
        client_cert: Some(ClientCertStatus {
            configured: false,
            requested: true,
            sent: false,
        }),
    }
}

fn key(code: KeyCode) -> Action {
    Action::Key(KeyEvent::new(code, KeyModifiers::NONE))
}

/// EHLO, STARTTLS, the fixed chain, and EHLO again with AUTH added and STARTTLS gone.
fn session() -> Script {
    let mut s = Script::new("mx.example.com:587");
    s.connected()
        .server(b"220 mx.example.com ESMTP\r\n")
        .client("EHLO laptop.example")
        .server(b"250-mx.example.com\r\n250-PIPELINING\r\n250-SIZE 10240000\r\n250 STARTTLS\r\n")
        .client("STARTTLS")
        .server(b"220 2.0.0 Ready to start TLS\r\n")
        .tls(true);
    s.event(SessionEvent::TlsEstablished {
        at: Duration::from_millis(90),
        info: Box::new(fixed_info()),
    });
    s.client("EHLO laptop.example").server(
        b"250-mx.example.com\r\n250-PIPELINING\r\n250-SIZE 20480000\r\n250 AUTH PLAIN LOGIN\r\n",
    );
    s.app.fix_cert_clock(NOW);
    s
}

fn render(app: &App, width: u16, height: u16) -> Terminal<TestBackend> {
    let mut terminal = Terminal::new(TestBackend::new(width, height)).expect("test backend");
    terminal
        .draw(|frame| smtpx::ui::draw(frame, app))
        .expect("draw");
    terminal
}

#[test]
fn f2_opens_the_view_and_esc_returns() {
    let mut s = session();
    s.app.update(key(KeyCode::F(2)));
    assert_eq!(s.app.overlay_kind(), Some(OverlayKind::Certificate));
    s.app.update(key(KeyCode::Down));
    assert_eq!(s.app.cert_view().map(|v| v.selected), Some(1));
    s.app.update(key(KeyCode::Down));
    assert_eq!(
        s.app.cert_view().map(|v| v.selected),
        Some(1),
        "stays on the last certificate"
    );
    s.app.update(key(KeyCode::Esc));
    assert_eq!(s.app.overlay_kind(), None);
}

#[test]
fn slash_cert_opens_the_view_and_saves_the_chain_as_pem() {
    let mut s = session();
    for c in "/cert".chars() {
        s.app.update(key(KeyCode::Char(c)));
    }
    s.app.update(key(KeyCode::Enter));
    assert_eq!(s.app.overlay_kind(), Some(OverlayKind::Certificate));
    s.app.update(key(KeyCode::Esc));
    for c in "/cert save /tmp/chain.pem".chars() {
        s.app.update(key(KeyCode::Char(c)));
    }
    let effects = s.app.update(key(KeyCode::Enter));
    let saved = effects.iter().find_map(|e| match e {
        Effect::Save { path, text, .. } => Some((path.clone(), text.clone())),
        _ => None,
    });
    let (path, pem) = saved.expect("a save effect");
    assert_eq!(path, std::path::PathBuf::from("/tmp/chain.pem"));
    assert_eq!(pem.matches("-----BEGIN CERTIFICATE-----").count(), 2);
    assert_eq!(
        pem_certs(&pem)[0].as_ref(),
        fixed_info().chain_der[0].as_slice()
    );
}

/// `s` in the view (its footer says so) puts `/cert save ` on the prompt: typing the path
/// and Enter save the chain.
#[test]
fn s_in_the_view_starts_the_save_at_the_prompt() {
    let mut s = session();
    s.app.update(key(KeyCode::F(2)));
    s.app.update(key(KeyCode::Char('s')));
    assert_eq!(s.app.overlay_kind(), None);
    assert_eq!(s.app.input.value(), "/cert save ");
    assert!(
        s.app
            .notice()
            .is_some_and(|n| n.contains("type the file's path"))
    );
    for c in "/tmp/typed.pem".chars() {
        s.app.update(key(KeyCode::Char(c)));
    }
    let effects = s.app.update(key(KeyCode::Enter));
    assert!(effects.iter().any(|e| matches!(
        e,
        Effect::Save { path, .. } if path == std::path::Path::new("/tmp/typed.pem")
    )));
}

#[test]
fn no_tls_yet_gives_a_notice_not_an_empty_view() {
    let mut app = App::new("mx.example.com:25", Vec::new());
    app.update(key(KeyCode::F(2)));
    assert_eq!(app.overlay_kind(), None);
    assert!(app.notice().is_some_and(|n| n.contains("no TLS yet")));
}

#[test]
fn cert_view_snapshots() {
    let mut s = session();
    s.app.update(key(KeyCode::F(2)));
    for (w, h) in [(80, 24), (120, 40)] {
        insta::assert_snapshot!(
            format!("cert_view_leaf_{w}x{h}"),
            render(&s.app, w, h).backend()
        );
    }
    s.app.update(key(KeyCode::Down));
    insta::assert_snapshot!("cert_view_ca_120x40", render(&s.app, 120, 40).backend());
}

#[test]
fn chain_save_result_is_reported_as_a_chain_not_a_transcript() {
    let mut s = session();
    for c in "/cert save /tmp/x.pem".chars() {
        s.app.update(key(KeyCode::Char(c)));
    }
    s.app.update(key(KeyCode::Enter));
    s.app.update(Action::Saved {
        path: "/tmp/x.pem".into(),
        result: Ok(()),
    });
    assert!(s.app.saved_to().is_none(), "not the transcript");
    assert!(
        s.app
            .transcript_text()
            .contains("certificate chain saved to /tmp/x.pem")
    );
}
