//! `smtpx probe` message building and envelope parameters against the real Postfix +
//! Dovecot of `tests/interop/postfix-up.sh`: a MIME message with headers, an HTML part and
//! attachments is delivered into the test user's Maildir and parses back with the
//! attachment bytes intact; DSN parameters (Postfix advertises DSN) are accepted on MAIL and
//! RCPT; REQUIRETLS (which Postfix 3.7 does not advertise) and an unknown parameter are held
//! back (exit 2), and sent with `--force-params` only to be refused by Postfix.
//!
//! Skipped without `SMTPX_INTEROP`; fails loudly with it when Postfix is missing.

use std::path::Path;

use mail_parser::{MessageParser, MimeHeaders};

mod support;

use support::postfix::{self, CERT, MTA, SUBMISSION, exits, login, probe};
use support::postfix::{delivered_bytes as delivered, unique};

fn enabled() -> bool {
    postfix::enabled("message interop test")
}

fn scratch(name: &str) -> std::path::PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("interop_message");
    std::fs::create_dir_all(&dir).expect("scratch dir");
    dir.join(name)
}

#[test]
fn a_mime_message_with_dsn_parameters_is_delivered_and_parses_back() {
    if !enabled() {
        return;
    }
    let subject = unique("mime");
    let binary: Vec<u8> = (0..=255u8).rev().cycle().take(40_000).collect();
    let bin_path = scratch("payload.bin");
    std::fs::write(&bin_path, &binary).expect("write attachment");
    let pdf_path = scratch("report.pdf");
    std::fs::write(&pdf_path, b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n").expect("write");
    let mut args = vec![SUBMISSION, "--starttls"];
    args.extend(login("plain"));
    args.extend([
        "--from",
        "smtpxtest@smtpx.test",
        "--to",
        "smtpxtest@smtpx.test",
        "--subject",
        &subject,
        "--body",
        "the text part\n.with a dot line",
        "--body-html",
        "<p>the <i>HTML</i> part</p>",
        "--header",
        "X-Smtpx-Interop: mime",
        "--attach",
        bin_path.to_str().expect("utf-8"),
        "--attach",
        pdf_path.to_str().expect("utf-8"),
        "--dsn-notify",
        "failure,delay",
        "--dsn-ret",
        "hdrs",
        "--envid",
        "smtpx id+1",
        "--dsn-orcpt",
        "--json",
    ]);
    let out = exits(&probe(&args), 0);
    assert!(
        out.contains("RET=HDRS ENVID=smtpx+20id+2B1"),
        "MAIL with RET and ENVID: {out}"
    );
    assert!(
        out.contains("NOTIFY=FAILURE,DELAY ORCPT=rfc822;smtpxtest@smtpx.test"),
        "RCPT with NOTIFY and ORCPT: {out}"
    );
    let bytes = delivered(&subject);
    let parsed = MessageParser::default().parse(&bytes).expect("parses");
    assert_eq!(parsed.subject(), Some(subject.as_str()));
    assert_eq!(
        parsed.header_raw("X-Smtpx-Interop").map(str::trim),
        Some("mime")
    );
    assert!(
        parsed
            .body_text(0)
            .is_some_and(|t| t.contains("the text part") && t.contains(".with a dot line"))
    );
    assert!(
        parsed
            .body_html(0)
            .is_some_and(|h| h.contains("<p>the <i>HTML</i> part</p>"))
    );
    assert_eq!(parsed.attachment_count(), 2);
    let bin = parsed.attachment(0).expect("payload.bin");
    assert_eq!(bin.attachment_name(), Some("payload.bin"));
    assert_eq!(bin.contents(), binary.as_slice());
    let pdf = parsed.attachment(1).expect("report.pdf");
    assert!(pdf.is_content_type("application", "pdf"));
    assert_eq!(pdf.contents(), b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n");
}

#[test]
fn requiretls_and_unknown_parameters_are_held_back_unless_forced() {
    if !enabled() {
        return;
    }
    let base = [
        MTA,
        "--starttls",
        "--ca-file",
        CERT,
        "--from",
        "a@smtpx.test",
        "--to",
        "smtpxtest@smtpx.test",
    ];
    // Postfix 3.7 does not advertise REQUIRETLS: held back, even over TLS.
    let out = exits(&probe(&[&base[..], &["--requiretls"]].concat()), 2);
    assert!(
        out.contains("REQUIRETLS needs the REQUIRETLS extension"),
        "{out}"
    );
    assert!(!out.contains("C~ MAIL"), "{out}");

    // Forced, Postfix answers the unknown parameter with 555 (RFC 5321 §4.1.1.11).
    let out = exits(
        &probe(&[&base[..], &["--mail-param", "X-SMTPX=1", "--force-params"]].concat()),
        25,
    );
    assert!(out.contains("X-SMTPX=1"), "{out}");
    assert!(out.contains("555"), "{out}");
}
