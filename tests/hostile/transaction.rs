//! DATA and AUTH attacks: a final reply that never comes, 250 where 354 belongs, a 334
//! that is not base64, and a 334 loop that never ends.

use std::time::Duration;

use smtpx::app::Mode;
use smtpx::net::TlsOptions;

use super::harness::{PASSWORD, probe, tui};
use super::support::{ScriptedServer, Step, reply};
use super::{quit, strs};

fn mail_args(server: &ScriptedServer) -> Vec<String> {
    vec![
        server.addr.to_string(),
        "--ehlo".into(),
        "client.test".into(),
        "--timeout".into(),
        "1".into(),
        "--no-starttls".into(),
        "--from".into(),
        "a@client.test".into(),
        "--to".into(),
        "b@mx.test".into(),
        "--body".into(),
        "hello".into(),
    ]
}

fn until_data() -> Vec<Step> {
    vec![
        Step::send("220 mx.test ESMTP\r\n"),
        Step::expect("EHLO"),
        Step::Send(reply(250, &["mx.test", "AUTH PLAIN LOGIN CRAM-MD5"])),
        Step::expect("MAIL FROM"),
        Step::send("250 ok\r\n"),
        Step::expect("RCPT TO"),
        Step::send("250 ok\r\n"),
        Step::expect("DATA"),
    ]
}

#[tokio::test]
async fn data_reply_that_never_comes_times_out_naming_it() {
    let mut steps = until_data();
    steps.extend([
        Step::send("354 go\r\n"),
        Step::ExpectData,
        Step::Sleep(5_000),
    ]);
    let server = ScriptedServer::start(steps).await;
    let run = probe(&strs(&mail_args(&server)), &[]).await;
    assert_eq!(run.code, Some(27), "{}", run.stdout);
    run.says("timed out after 1 s waiting for");
    run.recorded_starts_with(&[220, 250, 250, 250, 354]);
    assert!(run.took < Duration::from_secs(5), "{:?}", run.took);
}

#[tokio::test]
async fn reply_250_instead_of_354_to_data_is_named_and_sends_no_message() {
    let said = "the server answered DATA with 250, not 354: it did not accept message data";
    let session = || {
        let mut steps = until_data();
        steps.push(Step::send("250 2.0.0 queued, thanks\r\n"));
        steps.extend(quit());
        steps
    };
    let server = ScriptedServer::start(session()).await;
    let run = probe(&strs(&mail_args(&server)), &[]).await;
    assert_eq!(run.code, Some(27), "{}", run.stdout);
    run.says(said);
    assert!(
        !run.of("sent").iter().any(|s| s["line"]
            .as_str()
            .is_some_and(|l| l.starts_with("<message"))),
        "the message was sent without a 354: {}",
        run.stdout
    );
    // The next thing on the wire after the 250 is QUIT (the script expects it).
    assert_eq!(
        run.codes(),
        vec![220, 250, 250, 250, 250, 221],
        "{}",
        run.stdout
    );
    run.recorded_starts_with(&[220, 250, 250, 250, 250]);

    let server = ScriptedServer::start(session()).await;
    let mut ui = tui(
        server.target(),
        TlsOptions::default(),
        &[
            "EHLO me",
            "MAIL FROM:<a@client.test>",
            "RCPT TO:<b@mx.test>",
            "DATA",
        ],
        Duration::from_millis(200),
    )
    .await;
    ui.assert_escaped();
    ui.says(said);
    assert!(
        !ui.was_in_message_mode && ui.app.mode == Mode::Command,
        "the explorer took typed lines as message content after a 250 to DATA"
    );
    assert_ne!(ui.app.prompt_label(), "data> ");
    assert!(!ui.text().contains("<message"), "{}", ui.text());
    ui.recorded_starts_with(&[220, 250, 250, 250, 250]);
}

#[tokio::test]
async fn data_reply_that_never_comes_in_the_explorer_times_out_naming_it() {
    let mut steps = until_data();
    steps.extend([
        Step::send("354 go\r\n"),
        Step::ExpectData,
        Step::Sleep(5_000),
    ]);
    let server = ScriptedServer::start(steps).await;
    let mut ui = tui(
        server.target(),
        TlsOptions::default(),
        &[
            "EHLO me",
            "MAIL FROM:<a@client.test>",
            "RCPT TO:<b@mx.test>",
            "DATA",
            "<message>Subject: hi\r\n\r\nhello\r\n",
        ],
        Duration::from_millis(1500),
    )
    .await;
    ui.assert_escaped();
    assert!(
        ui.was_in_message_mode,
        "354 did not open the message prompt"
    );
    ui.says("timed out after 1 s waiting for");
    ui.recorded_starts_with(&[220, 250, 250, 250, 354]);
}

fn auth_args(server: &ScriptedServer, mechanism: &str) -> Vec<String> {
    vec![
        server.addr.to_string(),
        "--ehlo".into(),
        "client.test".into(),
        "--timeout".into(),
        "1".into(),
        "--no-starttls".into(),
        "--auth".into(),
        mechanism.into(),
        "--user".into(),
        "me@client.test".into(),
        "--password-env".into(),
        "HOSTILE_PW".into(),
        "--quit-after".into(),
        "auth".into(),
    ]
}

fn until_auth() -> Vec<Step> {
    vec![
        Step::send("220 mx.test ESMTP\r\n"),
        Step::expect("EHLO"),
        Step::Send(reply(250, &["mx.test", "AUTH PLAIN LOGIN CRAM-MD5"])),
        Step::expect("AUTH"),
    ]
}

#[tokio::test]
async fn challenge_334_with_invalid_base64_is_named_and_cancelled() {
    let mut steps = until_auth();
    steps.extend([
        Step::send("334 !!!not*base64\x1b[2J\r\n"),
        Step::expect("*"),
        Step::send("501 5.7.0 cancelled\r\n"),
    ]);
    steps.extend(quit());
    let server = ScriptedServer::start(steps).await;
    let run = probe(
        &strs(&auth_args(&server, "cram-md5")),
        &[("HOSTILE_PW", PASSWORD)],
    )
    .await;
    assert_eq!(run.code, Some(24), "{}", run.stdout);
    run.says("base64");
    run.recorded_starts_with(&[220, 250, 334]);

    let mut steps = until_auth();
    steps.extend([
        Step::send("334 !!!not*base64\x1b[2J\r\n"),
        Step::expect(""),
        Step::send("501 5.7.0 cancelled\r\n"),
    ]);
    steps.extend(quit());
    let server = ScriptedServer::start(steps).await;
    let mut ui = tui(
        server.target(),
        TlsOptions::default(),
        &["EHLO me", "AUTH CRAM-MD5", "*"],
        Duration::from_millis(200),
    )
    .await;
    ui.assert_escaped();
}

#[tokio::test]
async fn endless_334_loop_during_auth_is_stopped() {
    let mut steps = until_auth();
    for _ in 0..200 {
        steps.push(Step::send("334 VXNlcm5hbWU6\r\n"));
        steps.push(Step::expect(""));
    }
    let server = ScriptedServer::start(steps).await;
    let run = probe(
        &strs(&auth_args(&server, "login")),
        &[("HOSTILE_PW", PASSWORD)],
    )
    .await;
    assert_eq!(run.code, Some(24), "{}", run.stdout);
    run.says("334");
    run.recorded_starts_with(&[220, 250, 334, 334]);
    assert!(run.of("sent").len() < 40, "{}", run.stdout);

    // The explorer sends only what the person types: the loop costs them, not smtpx, and
    // each challenge is shown; nothing is answered on their behalf.
    let mut steps = until_auth();
    for _ in 0..200 {
        steps.push(Step::send("334 VXNlcm5hbWU6\r\n"));
        steps.push(Step::expect(""));
    }
    let server = ScriptedServer::start(steps).await;
    let mut ui = tui(
        server.target(),
        TlsOptions::default(),
        &["EHLO me", "AUTH LOGIN", "bWU=", "bWU=", "bWU="],
        Duration::from_millis(200),
    )
    .await;
    ui.assert_escaped();
    let challenges = ui.recorded_codes().iter().filter(|c| **c == 334).count();
    assert_eq!(challenges, 4, "{:?}", ui.recorded_codes());
    assert!(
        !ui.text().contains("bWU="),
        "SASL answers shown unmasked: {}",
        ui.text()
    );
}

#[tokio::test]
async fn reply_other_than_334_or_235_to_auth_is_a_failure_not_a_hang() {
    let mut steps = until_auth();
    steps.push(Step::send("354 what?\r\n"));
    steps.extend(quit());
    let server = ScriptedServer::start(steps).await;
    let run = probe(
        &strs(&auth_args(&server, "plain")),
        &[("HOSTILE_PW", PASSWORD)],
    )
    .await;
    assert_eq!(run.code, Some(24), "{}", run.stdout);
    run.recorded_starts_with(&[220, 250, 354]);
}
