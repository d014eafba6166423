//! DATA and AUTH attacks: a final reply that never comes, 250 where 354 belongs, a 334
//! that is not base64, and a 334 loop that never ends.

use std::time::Duration;

use smtpx::app::Mode;

use super::harness::{PASSWORD, ProbeRun};
use super::scenario::Scenario;
use crate::support::{ScriptedServer, Step, reply};
use crate::{probe_args, quit};

fn mail_args(server: &ScriptedServer) -> Vec<String> {
    probe_args(
        server,
        &[
            "--no-starttls",
            "--from",
            "a@client.test",
            "--to",
            "b@mx.test",
            "--body",
            "hello",
        ],
    )
}

/// What the explorer types to reach DATA.
const TO_DATA: [&str; 4] = [
    "EHLO me",
    "MAIL FROM:<a@client.test>",
    "RCPT TO:<b@mx.test>",
    "DATA",
];

/// The greeting and EHLO reply offering AUTH, then `expect`.
fn until(expect: &str) -> Vec<Step> {
    vec![
        Step::send("220 mx.test ESMTP\r\n"),
        Step::expect("EHLO"),
        Step::Send(reply(250, &["mx.test", "AUTH PLAIN LOGIN CRAM-MD5"])),
        Step::expect(expect),
    ]
}

fn until_data() -> Vec<Step> {
    let mut steps = until("MAIL FROM");
    steps.extend([
        Step::send("250 ok\r\n"),
        Step::expect("RCPT TO"),
        Step::send("250 ok\r\n"),
        Step::expect("DATA"),
    ]);
    steps
}

/// A 354 to DATA, then silence after the message.
fn data_then_silence() -> Scenario {
    let mut steps = until_data();
    steps.extend([
        Step::send("354 go\r\n"),
        Step::ExpectData,
        Step::Sleep(5_000),
    ]);
    Scenario::new(steps)
}

#[tokio::test]
async fn data_reply_that_never_comes_times_out_naming_it() {
    let run = data_then_silence().probe(mail_args).await;
    run.exits(27)
        .says("timed out after 1 s waiting for")
        .recorded_starts_with(&[220, 250, 250, 250, 354]);
    assert!(run.took < Duration::from_secs(5), "{:?}", run.took);
}

#[tokio::test]
async fn reply_250_instead_of_354_to_data_is_named_and_sends_no_message() {
    let said = "the server answered DATA with 250, not 354: it did not accept message data";
    let mut steps = until_data();
    steps.push(Step::send("250 2.0.0 queued, thanks\r\n"));
    steps.extend(quit());
    let scenario = Scenario::new(steps);
    let run = scenario.probe(mail_args).await;
    run.exits(27).says(said);
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

    let ui = scenario.tui(&TO_DATA, 200).await;
    ui.says(said);
    assert!(
        !ui.was_in_message_mode && ui.app.mode() == Mode::Command,
        "the explorer took typed lines as message content after a 250 to DATA"
    );
    assert_ne!(ui.app.prompt_label(), "data> ");
    assert!(!ui.text().contains("<message"), "{}", ui.text());
    ui.recorded_starts_with(&[220, 250, 250, 250, 250]);
}

#[tokio::test]
async fn data_reply_that_never_comes_in_the_explorer_times_out_naming_it() {
    let mut typed = TO_DATA.to_vec();
    typed.push("<message>Subject: hi\r\n\r\nhello\r\n");
    let ui = data_then_silence().tui(&typed, 1500).await;
    assert!(
        ui.was_in_message_mode,
        "354 did not open the message prompt"
    );
    ui.says("timed out after 1 s waiting for")
        .recorded_starts_with(&[220, 250, 250, 250, 354]);
}

/// The probe authenticating with `mechanism` against `scenario`, the password from the
/// environment, stopping after AUTH.
async fn probe_auth(scenario: &Scenario, mechanism: &str) -> ProbeRun {
    let args = |server: &ScriptedServer| {
        probe_args(
            server,
            &[
                "--no-starttls",
                "--allow-insecure-auth",
                "--auth",
                mechanism,
                "--user",
                "me@client.test",
                "--password-env",
                "HOSTILE_PW",
                "--quit-after",
                "auth",
            ],
        )
    };
    scenario.probe_env(args, &[("HOSTILE_PW", PASSWORD)]).await
}

/// An AUTH exchange: `until("AUTH")`, then `rest`.
fn auth_then(rest: impl IntoIterator<Item = Step>) -> Scenario {
    let mut steps = until("AUTH");
    steps.extend(rest);
    Scenario::new(steps)
}

/// A 334 challenge that is not base64, answered by `cancel` and refused with 501.
fn bad_challenge(cancel: &str) -> Scenario {
    let mut steps = until("AUTH");
    steps.extend([
        Step::send("334 !!!not*base64\x1b[2J\r\n"),
        Step::expect(cancel),
        Step::send("501 5.7.0 cancelled\r\n"),
    ]);
    steps.extend(quit());
    Scenario::new(steps)
}

#[tokio::test]
async fn challenge_334_with_invalid_base64_is_named_and_cancelled() {
    let run = probe_auth(&bad_challenge("*"), "cram-md5").await;
    run.exits(24)
        .says("base64")
        .recorded_starts_with(&[220, 250, 334]);

    // The explorer's entries and screen stay escaped (checked by `tui`).
    bad_challenge("")
        .tui(&["EHLO me", "AUTH CRAM-MD5", "*"], 200)
        .await;
}

#[tokio::test]
async fn endless_334_loop_during_auth_is_stopped() {
    let scenario =
        auth_then((0..200).flat_map(|_| [Step::send("334 VXNlcm5hbWU6\r\n"), Step::expect("")]));
    let run = probe_auth(&scenario, "login").await;
    run.exits(24)
        .says("334")
        .recorded_starts_with(&[220, 250, 334, 334]);
    assert!(run.of("sent").len() < 40, "{}", run.stdout);

    // The explorer sends only what the person types: the loop costs them, not smtpx, and
    // each challenge is shown; nothing is answered on their behalf.
    let ui = scenario
        .tui(&["EHLO me", "AUTH LOGIN", "bWU=", "bWU=", "bWU="], 200)
        .await;
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
    let mut rest = vec![Step::send("354 what?\r\n")];
    rest.extend(quit());
    let run = probe_auth(&auth_then(rest), "plain").await;
    run.exits(24).recorded_starts_with(&[220, 250, 354]);
}
