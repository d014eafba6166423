//! Framing and timing attacks: an endless line, an endless reply, codes that change,
//! unfinished replies, a drip feed, silence, resets, a server that talks out of turn and a
//! flood of replies.

use std::time::Duration;

use super::harness::ProbeRun;
use super::scenario::Scenario;
use crate::support::{Step, reply};
use crate::{ehlo_args, ehlo_ok, quit};

const MIB: usize = 1024 * 1024;

fn greeting_then(steps: Vec<Step>) -> Vec<Step> {
    let mut all = vec![Step::send("220 mx.test ESMTP\r\n"), Step::expect("EHLO")];
    all.extend(steps);
    all
}

/// [`greeting_then`] `steps`, then a normal QUIT exchange.
fn greeting_then_quit(steps: Vec<Step>) -> Vec<Step> {
    let mut all = greeting_then(steps);
    all.extend(quit());
    all
}

/// `text` one byte every 100 ms.
fn drip(text: &[u8]) -> Vec<Step> {
    text.iter()
        .flat_map(|b| [Step::Send(vec![*b]), Step::Sleep(100)])
        .collect()
}

/// An EHLO reply over one of the reply parser's limits: the probe stops (exit 22) saying
/// `said`, its transcript keeps the greeting, and the explorer names the limit (`shown`).
async fn over_a_limit(ehlo_reply: Vec<u8>, said: &str, shown: &str) -> ProbeRun {
    let scenario = Scenario::new(greeting_then(vec![Step::Send(ehlo_reply)]));
    let run = scenario.probe(ehlo_args).await;
    run.exits(22).says(said).recorded_starts_with(&[220]);
    scenario.tui(&["EHLO me"], 300).await.says(shown);
    run
}

#[tokio::test]
async fn ten_mib_line_without_lf_is_refused_with_the_limit() {
    let mut line = b"250 ".to_vec();
    line.resize(10 * MIB, b'A');
    let run = over_a_limit(line, "line longer than 64 KiB", "64 KiB").await;
    run.memory_was_sampled();
}

#[tokio::test]
async fn hundred_thousand_line_reply_is_refused_with_the_limit() {
    let lines: Vec<String> = (0..100_000).map(|i| format!("X-LINE-{i}")).collect();
    let refs: Vec<&str> = lines.iter().map(String::as_str).collect();
    let run = over_a_limit(reply(250, &refs), "more than 10000 lines", "10000 lines").await;
    run.memory_was_sampled();
}

#[tokio::test]
async fn reply_of_more_than_one_mib_in_total_is_refused_with_the_limit() {
    // 20 lines of 60 KiB: each line within the 64 KiB line limit and far below the line
    // count limit, but 1.2 MB together — over the 1 MiB a reply may hold.
    let line = "X".repeat(60 * 1024);
    let refs: Vec<&str> = (0..20).map(|_| line.as_str()).collect();
    over_a_limit(
        reply(250, &refs),
        "reply longer than 1 MiB",
        "longer than 1 MiB",
    )
    .await;
}

#[tokio::test]
async fn codes_that_change_mid_reply_are_named_with_each_code() {
    let scenario = Scenario::new(greeting_then_quit(vec![Step::send(
        "250-mx.test\r\n550-PIPELINING\r\n354 8BITMIME\r\n",
    )]));
    let said =
        "the server changed the reply code mid-reply: 250 then 550 (line 2), then 354 (line 3)";
    let run = scenario.probe(ehlo_args).await;
    assert!(run.of("reply").len() >= 2, "{}", run.stdout);
    run.flagged(1, "mismatched_code").says(said);
    // The reply is acted on by its final line's code: 354 is no answer to EHLO.
    run.exits(22).recorded_starts_with(&[220, 354]);

    let ui = scenario.tui(&["EHLO me", "QUIT"], 200).await;
    ui.says(said)
        .says("550-PIPELINING")
        .recorded_starts_with(&[220, 354]);
}

#[tokio::test]
async fn reply_without_a_final_line_then_close_is_kept_and_named() {
    let scenario = Scenario::new(greeting_then(vec![
        Step::send("250-mx.test\r\n250-PIPELINING\r\n"),
        Step::Close,
    ]));
    let run = scenario.probe(ehlo_args).await;
    run.exits(22)
        .says("closed the connection in the middle of a reply");
    let partial = run.of("reply")[1];
    assert_eq!(partial["complete"], false, "{partial}");
    run.recorded_starts_with(&[220, 250]);

    let ui = scenario.tui(&["EHLO me"], 200).await;
    ui.says("in the middle of a reply");
}

#[tokio::test]
async fn one_byte_every_100_ms_is_read_to_the_end() {
    let mut steps = drip(b"220 slow.test hi\r\n");
    steps.extend([Step::expect("EHLO"), ehlo_ok()]);
    steps.extend(quit());
    let scenario = Scenario::new(steps);
    let run = scenario
        .probe(|server| {
            let mut args = ehlo_args(server);
            args[4] = "3".into(); // 18 bytes at 100 ms each: the greeting takes 1.8 s
            args
        })
        .await;
    run.exits(0);
    assert_eq!(run.codes(), vec![220, 250, 221]);
    run.recorded_starts_with(&[220, 250, 221]);

    let ui = scenario.tui(&["EHLO me", "QUIT"], 300).await;
    // The explorer keeps waiting past its reply timeout: the whole greeting arrives.
    ui.says("220 slow.test hi")
        .recorded_starts_with(&[220, 250, 221]);
}

#[tokio::test]
async fn one_byte_every_100_ms_past_the_timeout_names_the_partial_greeting() {
    let scenario = Scenario::new(drip(b"220 slow.test hello there\r\n"));
    let run = scenario.probe(ehlo_args).await;
    run.exits(21).says("timed out after 1 s");
    assert!(run.took < Duration::from_secs(5), "{:?}", run.took);
}

#[tokio::test]
async fn total_silence_times_out_waiting_for_the_greeting() {
    let scenario = Scenario::new(vec![Step::Sleep(5_000)]);
    let run = scenario.probe(ehlo_args).await;
    run.exits(21).says("timed out after 1 s waiting for");
    assert!(run.took < Duration::from_secs(4), "{:?}", run.took);
    assert_eq!(run.of("connected").len(), 1);
    assert!(!run.transcript().entries.is_empty());

    // The explorer's text stays escaped (checked by `tui`) while nothing arrives.
    scenario.tui(&[], 300).await;
}

#[tokio::test]
async fn silence_after_a_command_times_out_naming_it() {
    let scenario = Scenario::new(greeting_then(vec![Step::Sleep(5_000)]));
    let run = scenario.probe(ehlo_args).await;
    run.exits(22)
        .says("timed out after 1 s waiting for")
        .recorded_starts_with(&[220]);

    scenario.tui(&["EHLO me"], 1500).await.says("timed out");
}

#[tokio::test]
async fn reset_mid_reply_keeps_the_partial_reply() {
    let scenario = Scenario::new(greeting_then(vec![
        Step::send("250-mx.test\r\n250-PIPE"),
        Step::Sleep(50),
        Step::Reset,
    ]));
    let run = scenario.probe(ehlo_args).await;
    run.exits(22);
    assert!(
        run.messages().contains("reset") || run.messages().contains("closed"),
        "{}",
        run.messages()
    );
    run.recorded_starts_with(&[220, 250]);

    scenario.tui(&["EHLO me"], 200).await.says("250-PIPE");
}

#[tokio::test]
async fn server_that_talks_before_the_client_is_named() {
    let mut steps = vec![
        Step::send("220 mx.test ESMTP\r\n250 you did not ask for this\r\n"),
        Step::expect("EHLO"),
        ehlo_ok(),
    ];
    steps.extend(quit());
    let scenario = Scenario::new(steps);
    let run = scenario.probe(ehlo_args).await;
    run.says("before").recorded_starts_with(&[220]);

    scenario.tui(&[], 300).await.says("did not ask");
}

#[tokio::test]
async fn ten_mib_flood_of_pipelined_replies_keeps_memory_bounded() {
    let flood = b"250 2.0.0 ok\r\n".repeat(10 * MIB / 14);
    let scenario = Scenario::new(greeting_then(vec![Step::Send(flood)]));
    let run = scenario.probe(ehlo_args).await;
    // The first 250 answers EHLO, the next one QUIT; the rest nobody asked for.
    assert!(run.code.is_some(), "{}", run.stdout);
    run.recorded_starts_with(&[220, 250]);
    assert!(run.events.len() < 300, "{} events", run.events.len());
    run.says("no command asked for");
    run.memory_was_sampled();

    let ui = scenario.tui(&["EHLO me"], 300).await;
    ui.says("(a flood)");
    assert!(
        ui.app.entries.len() < 300,
        "{} entries",
        ui.app.entries.len()
    );
    ui.recorded_starts_with(&[220, 250]);
}

#[tokio::test]
async fn reply_without_a_code_is_flagged() {
    let scenario = Scenario::new(greeting_then_quit(vec![Step::send(
        "hello? this is not SMTP\r\n",
    )]));
    let run = scenario.probe(ehlo_args).await;
    assert_ne!(run.code, Some(0), "{}", run.stdout);
    run.flagged(1, "no_code").recorded_starts_with(&[220]);

    let ui = scenario.tui(&["EHLO me", "QUIT"], 200).await;
    ui.says("hello? this is not SMTP")
        .says("line has no reply code")
        .recorded_starts_with(&[220]);
}
