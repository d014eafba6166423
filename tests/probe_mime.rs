//! `smtpx probe` message building and envelope parameters against the built-in sandbox:
//! `--header`, `--attach` and `--body-html` make a MIME message (built by mail-builder)
//! that parses back with the attachment bytes intact; DSN parameters (RFC 3461) go on MAIL
//! and RCPT as the sandbox checks them; a parameter whose extension is not advertised stops
//! the probe before MAIL (exit 2) unless `--force-params` sends it.

use std::path::{Path, PathBuf};

use mail_parser::{MessageParser, MimeHeaders};
use smtpx::sandbox::{MessageReceiver, SandboxConfig, SandboxHandle, start};

mod support;

use support::probe::{ProbeRun, probe_json};

fn scratch(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("probe_mime");
    std::fs::create_dir_all(&dir).expect("scratch dir");
    dir.join(name)
}

async fn sandbox(name: &str) -> SandboxHandle {
    let maildir = scratch(name);
    let _ = std::fs::remove_dir_all(&maildir);
    start(SandboxConfig {
        maildir: Some(maildir),
        ..SandboxConfig::default()
    })
    .await
    .expect("sandbox starts")
}

/// The probe in plaintext from a@sender.test to b@rcpt.test, then `rest`.
async fn probe(server: &SandboxHandle, rest: &[&str]) -> ProbeRun {
    let mut args: Vec<String> = [
        &server.plain_addr().to_string(),
        "--no-starttls",
        "--ehlo",
        "client.test",
        "--from",
        "a@sender.test",
        "--to",
        "b@rcpt.test",
        "--timeout",
        "10",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    args.extend(rest.iter().map(|s| s.to_string()));
    probe_json(args, &[]).await
}

/// The stored message without the sandbox's trace header.
async fn delivered(messages: &mut MessageReceiver) -> Vec<u8> {
    let stored = tokio::time::timeout(std::time::Duration::from_secs(20), messages.recv())
        .await
        .expect("a message within 20 s")
        .expect("a stored message");
    let bytes = std::fs::read(&stored.path).expect("read the stored message");
    bytes[stored.trace_header_len..].to_vec()
}

fn notes(run: &ProbeRun) -> String {
    run.of("note")
        .iter()
        .filter_map(|n| n["message"].as_str())
        .collect::<Vec<_>>()
        .join("\n")
}

#[tokio::test(flavor = "multi_thread")]
async fn headers_html_and_attachments_arrive_as_a_mime_message_that_parses_back() {
    let server = sandbox("maildir-mime").await;
    let mut messages = server.messages();
    let binary: Vec<u8> = (0..=255u8).cycle().take(70_000).collect();
    let bin_path = scratch("blob.bin");
    std::fs::write(&bin_path, &binary).expect("write attachment");
    let png_path = scratch("tiny.png");
    std::fs::write(&png_path, b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR").expect("write attachment");
    let html_path = scratch("body.html");
    std::fs::write(
        &html_path,
        "<html><body><p>Hello <b>HTML</b></p></body></html>\n",
    )
    .expect("write html");
    let run = probe(
        &server,
        &[
            "--body",
            "plain text\n.leading dot",
            "--header",
            "X-Smtpx-Test: mime one",
            "--header",
            "Subject: from a header",
            "--attach",
            bin_path.to_str().expect("utf-8"),
            "--attach",
            png_path.to_str().expect("utf-8"),
            "--body-html",
            html_path.to_str().expect("utf-8"),
        ],
    )
    .await;
    assert_eq!(run.code, 0, "{}", run.stdout);
    let bytes = delivered(&mut messages).await;
    let parsed = MessageParser::default().parse(&bytes).expect("parses");
    assert_eq!(parsed.subject(), Some("from a header"));
    assert_eq!(
        parsed.header_raw("X-Smtpx-Test").map(str::trim),
        Some("mime one")
    );
    assert!(
        parsed
            .content_type()
            .is_some_and(|t| t.ctype() == "multipart" && t.subtype() == Some("mixed"))
    );
    assert_eq!(
        parsed.body_text(0).as_deref(),
        Some("plain text\r\n.leading dot\r\n")
    );
    assert!(
        parsed
            .body_html(0)
            .is_some_and(|h| h.contains("<p>Hello <b>HTML</b></p>"))
    );
    assert_eq!(parsed.attachment_count(), 2);
    let bin = parsed.attachment(0).expect("the binary attachment");
    assert_eq!(bin.attachment_name(), Some("blob.bin"));
    assert!(bin.is_content_type("application", "octet-stream"));
    assert_eq!(bin.content_transfer_encoding(), Some("base64"));
    assert_eq!(bin.contents(), binary.as_slice());
    let png = parsed.attachment(1).expect("the PNG attachment");
    assert_eq!(png.attachment_name(), Some("tiny.png"));
    assert!(png.is_content_type("image", "png"));
    assert_eq!(png.contents(), b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_header_with_a_line_break_is_refused_before_connecting() {
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_smtpx"))
        .args([
            "probe",
            "127.0.0.1:9",
            "--to",
            "b@rcpt.test",
            "--header",
            "X-A: one\r\nBcc: evil@example.net",
        ])
        .output()
        .expect("run smtpx");
    assert_eq!(output.status.code(), Some(2));
    let err = String::from_utf8_lossy(&output.stderr);
    assert!(err.contains("CR or LF"), "{err}");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_missing_attachment_stops_the_probe_before_it_connects() {
    let server = sandbox("maildir-missing").await;
    let missing = scratch("no-such-file.pdf");
    let run = probe(&server, &["--attach", missing.to_str().expect("utf-8")]).await;
    assert_eq!(run.code, 3, "{}", run.stdout);
    assert_eq!(server.summary().connections, 0);
}

#[tokio::test(flavor = "multi_thread")]
async fn dsn_parameters_go_on_mail_and_each_rcpt_xtext_encoded() {
    let server = sandbox("maildir-dsn").await;
    let mut messages = server.messages();
    let run = probe(
        &server,
        &[
            "--dsn-notify",
            "success,failure",
            "--dsn-ret",
            "hdrs",
            "--envid",
            "id 1+2",
            "--dsn-orcpt",
        ],
    )
    .await;
    assert_eq!(run.code, 0, "{}", run.stdout);
    let sent = run.sent();
    assert!(
        sent.iter()
            .any(|l| l.starts_with("MAIL FROM:<a@sender.test>")
                && l.ends_with(" RET=HDRS ENVID=id+201+2B2")),
        "{sent:?}"
    );
    assert!(
        sent.contains(
            &"RCPT TO:<b@rcpt.test> NOTIFY=SUCCESS,FAILURE ORCPT=rfc822;b@rcpt.test".to_string()
        ),
        "{sent:?}"
    );
    delivered(&mut messages).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn an_unadvertised_parameter_stops_before_mail_unless_forced() {
    let server = sandbox("maildir-unadvertised").await;
    let run = probe(&server, &["--mail-param", "X-SMTPX=1"]).await;
    assert_eq!(run.code, 2, "{}", run.stdout);
    assert!(!run.sent().iter().any(|l| l.starts_with("MAIL")));
    assert!(
        notes(&run).contains("X-SMTPX needs the X-SMTPX extension"),
        "{}",
        run.stdout
    );

    // The sandbox does not advertise REQUIRETLS; in plaintext it is held back either way.
    let run = probe(&server, &["--requiretls"]).await;
    assert_eq!(run.code, 2, "{}", run.stdout);
    assert!(notes(&run).contains("REQUIRETLS"), "{}", run.stdout);

    // Forced, the parameter goes out and the server's answer is shown.
    let run = probe(&server, &["--rcpt-param", "X-SMTPX=1", "--force-params"]).await;
    assert!(
        run.sent()
            .iter()
            .any(|l| l == "RCPT TO:<b@rcpt.test> X-SMTPX=1"),
        "{}",
        run.stdout
    );
    assert!(notes(&run).contains("--force-params"), "{}", run.stdout);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_raw_parameter_of_an_advertised_extension_is_sent_as_typed() {
    let server = sandbox("maildir-raw").await;
    let mut messages = server.messages();
    let run = probe(
        &server,
        &["--mail-param", "RET=FULL", "--rcpt-param", "NOTIFY=NEVER"],
    )
    .await;
    assert_eq!(run.code, 0, "{}", run.stdout);
    assert!(
        run.sent()
            .iter()
            .any(|l| l.starts_with("MAIL FROM:<a@sender.test>") && l.ends_with(" RET=FULL")),
        "{}",
        run.stdout
    );
    assert!(
        run.sent()
            .contains(&"RCPT TO:<b@rcpt.test> NOTIFY=NEVER".to_string())
    );
    delivered(&mut messages).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn pipeline_is_refused_where_the_server_does_not_advertise_it() {
    use support::{ScriptedServer, Step, reply};
    let mut server = ScriptedServer::start(vec![
        Step::send("220 mx.test ESMTP\r\n"),
        Step::expect("EHLO"),
        Step::Send(reply(250, &["mx.test", "SIZE 1000000", "8BITMIME"])),
        Step::expect("QUIT"),
        Step::send("221 bye\r\n"),
        Step::Close,
    ])
    .await;
    let args = [
        &server.addr.to_string(),
        "--no-starttls",
        "--from",
        "a@sender.test",
        "--to",
        "b@rcpt.test",
        "--timeout",
        "5",
        "--pipeline",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    let run = probe_json(args, &[]).await;
    assert_eq!(run.code, 2, "{}", run.stdout);
    assert!(
        notes(&run).contains("does not advertise PIPELINING"),
        "{}",
        run.stdout
    );
    let lines = server.received_lines().await;
    assert!(!lines.iter().any(|l| l.starts_with("MAIL")), "{lines:?}");
}
