//! Framing and timing attacks: an endless line, an endless reply, codes that change,
//! unfinished replies, a drip feed, silence, resets, a server that talks out of turn and a
//! flood of replies.

use std::time::Duration;

use smtpx::net::TlsOptions;

use super::harness::{probe, tui};
use super::support::{ScriptedServer, Step, reply};
use super::{ehlo_args, ehlo_ok, quit, strs};

const MIB: usize = 1024 * 1024;

fn greeting_then(steps: Vec<Step>) -> Vec<Step> {
    let mut all = vec![Step::send("220 mx.test ESMTP\r\n"), Step::expect("EHLO")];
    all.extend(steps);
    all
}

#[tokio::test]
async fn ten_mib_line_without_lf_is_refused_with_the_limit() {
    let mut line = b"250 ".to_vec();
    line.resize(10 * MIB, b'A');
    let server = ScriptedServer::start(greeting_then(vec![Step::Send(line)])).await;
    let run = probe(&strs(&ehlo_args(&server)), &[]).await;
    assert_eq!(run.code, Some(22), "{}", run.stdout);
    run.says("line longer than 64 KiB");
    run.memory_was_sampled();
    run.recorded_starts_with(&[220]);

    let server = ScriptedServer::start(greeting_then(vec![Step::Send({
        let mut l = b"250 ".to_vec();
        l.resize(10 * MIB, b'A');
        l
    })]))
    .await;
    let mut ui = tui(
        server.target(),
        TlsOptions::default(),
        &["EHLO me"],
        Duration::from_millis(300),
    )
    .await;
    ui.assert_escaped();
    assert!(ui.text().contains("64 KiB"), "{}", ui.text());
}

#[tokio::test]
async fn hundred_thousand_line_reply_is_refused_with_the_limit() {
    let lines: Vec<String> = (0..100_000).map(|i| format!("X-LINE-{i}")).collect();
    let refs: Vec<&str> = lines.iter().map(String::as_str).collect();
    let big = reply(250, &refs);
    let server = ScriptedServer::start(greeting_then(vec![Step::Send(big.clone())])).await;
    let run = probe(&strs(&ehlo_args(&server)), &[]).await;
    assert_eq!(run.code, Some(22), "{}", run.stdout);
    run.says("more than 10000 lines");
    run.memory_was_sampled();
    run.recorded_starts_with(&[220]);

    let server = ScriptedServer::start(greeting_then(vec![Step::Send(big)])).await;
    let mut ui = tui(
        server.target(),
        TlsOptions::default(),
        &["EHLO me"],
        Duration::from_millis(300),
    )
    .await;
    ui.assert_escaped();
    assert!(ui.text().contains("10000 lines"), "{}", ui.text());
}

#[tokio::test]
async fn reply_of_more_than_one_mib_in_total_is_refused_with_the_limit() {
    // 20 lines of 60 KiB: each line within the 64 KiB line limit and far below the line
    // count limit, but 1.2 MB together — over the 1 MiB a reply may hold.
    let line = "X".repeat(60 * 1024);
    let refs: Vec<&str> = (0..20).map(|_| line.as_str()).collect();
    let big = reply(250, &refs);
    let server = ScriptedServer::start(greeting_then(vec![Step::Send(big.clone())])).await;
    let run = probe(&strs(&ehlo_args(&server)), &[]).await;
    assert_eq!(run.code, Some(22), "{}", run.stdout);
    run.says("reply longer than 1 MiB");
    run.recorded_starts_with(&[220]);

    let server = ScriptedServer::start(greeting_then(vec![Step::Send(big)])).await;
    let mut ui = tui(
        server.target(),
        TlsOptions::default(),
        &["EHLO me"],
        Duration::from_millis(300),
    )
    .await;
    ui.assert_escaped();
    assert!(ui.text().contains("longer than 1 MiB"), "{}", ui.text());
}

#[tokio::test]
async fn codes_that_change_mid_reply_are_named_with_each_code() {
    let session = || {
        let mut steps = greeting_then(vec![Step::send(
            "250-mx.test\r\n550-PIPELINING\r\n354 8BITMIME\r\n",
        )]);
        steps.extend(quit());
        steps
    };
    let said =
        "the server changed the reply code mid-reply: 250 then 550 (line 2), then 354 (line 3)";
    let server = ScriptedServer::start(session()).await;
    let run = probe(&strs(&ehlo_args(&server)), &[]).await;
    assert!(run.of("reply").len() >= 2, "{}", run.stdout);
    let ehlo = &run.of("reply")[1];
    assert!(
        ehlo["flags"]
            .as_array()
            .is_some_and(|f| f.iter().any(|f| f == "mismatched_code")),
        "{ehlo}"
    );
    run.says(said);
    // The reply is acted on by its final line's code: 354 is no answer to EHLO.
    assert_eq!(run.code, Some(22), "{}", run.stdout);
    run.recorded_starts_with(&[220, 354]);

    let server = ScriptedServer::start(session()).await;
    let mut ui = tui(
        server.target(),
        TlsOptions::default(),
        &["EHLO me", "QUIT"],
        Duration::from_millis(200),
    )
    .await;
    ui.assert_escaped();
    ui.says(said);
    ui.says("550-PIPELINING");
    ui.recorded_starts_with(&[220, 354]);
}

#[tokio::test]
async fn reply_without_a_final_line_then_close_is_kept_and_named() {
    let server = ScriptedServer::start(greeting_then(vec![
        Step::send("250-mx.test\r\n250-PIPELINING\r\n"),
        Step::Close,
    ]))
    .await;
    let run = probe(&strs(&ehlo_args(&server)), &[]).await;
    assert_eq!(run.code, Some(22), "{}", run.stdout);
    run.says("closed the connection in the middle of a reply");
    let partial = run.of("reply")[1];
    assert_eq!(partial["complete"], false, "{partial}");
    run.recorded_starts_with(&[220, 250]);

    let server = ScriptedServer::start(greeting_then(vec![
        Step::send("250-mx.test\r\n250-PIPELINING\r\n"),
        Step::Close,
    ]))
    .await;
    let mut ui = tui(
        server.target(),
        TlsOptions::default(),
        &["EHLO me"],
        Duration::from_millis(200),
    )
    .await;
    ui.assert_escaped();
    assert!(
        ui.text().contains("in the middle of a reply"),
        "{}",
        ui.text()
    );
}

#[tokio::test]
async fn one_byte_every_100_ms_is_read_to_the_end() {
    let mut steps: Vec<Step> = b"220 slow.test hi\r\n"
        .iter()
        .flat_map(|b| [Step::Send(vec![*b]), Step::Sleep(100)])
        .collect();
    steps.extend([Step::expect("EHLO"), ehlo_ok()]);
    steps.extend(quit());
    let server = ScriptedServer::start(steps).await;
    let mut args = ehlo_args(&server);
    args[4] = "3".into(); // 18 bytes at 100 ms each: the greeting takes 1.8 s
    let run = probe(&strs(&args), &[]).await;
    assert_eq!(run.code, Some(0), "{}", run.stdout);
    assert_eq!(run.codes(), vec![220, 250, 221]);
    run.recorded_starts_with(&[220, 250, 221]);

    let mut steps: Vec<Step> = b"220 slow.test hi\r\n"
        .iter()
        .flat_map(|b| [Step::Send(vec![*b]), Step::Sleep(100)])
        .collect();
    steps.extend([Step::expect("EHLO"), ehlo_ok()]);
    steps.extend(quit());
    let server = ScriptedServer::start(steps).await;
    let mut ui = tui(
        server.target(),
        TlsOptions::default(),
        &["EHLO me", "QUIT"],
        Duration::from_millis(300),
    )
    .await;
    ui.assert_escaped();
    // The explorer keeps waiting past its reply timeout: the whole greeting arrives.
    ui.says("220 slow.test hi");
    ui.recorded_starts_with(&[220, 250, 221]);
}

#[tokio::test]
async fn one_byte_every_100_ms_past_the_timeout_names_the_partial_greeting() {
    let steps: Vec<Step> = b"220 slow.test hello there\r\n"
        .iter()
        .flat_map(|b| [Step::Send(vec![*b]), Step::Sleep(100)])
        .collect();
    let server = ScriptedServer::start(steps).await;
    let run = probe(&strs(&ehlo_args(&server)), &[]).await;
    assert_eq!(run.code, Some(21), "{}", run.stdout);
    run.says("timed out after 1 s");
    assert!(run.took < Duration::from_secs(5), "{:?}", run.took);
}

#[tokio::test]
async fn total_silence_times_out_waiting_for_the_greeting() {
    let server = ScriptedServer::start(vec![Step::Sleep(5_000)]).await;
    let run = probe(&strs(&ehlo_args(&server)), &[]).await;
    assert_eq!(run.code, Some(21), "{}", run.stdout);
    run.says("timed out after 1 s waiting for");
    assert!(run.took < Duration::from_secs(4), "{:?}", run.took);
    assert_eq!(run.of("connected").len(), 1);
    assert!(!run.transcript().entries.is_empty());

    let server = ScriptedServer::start(vec![Step::Sleep(5_000)]).await;
    let mut ui = tui(
        server.target(),
        TlsOptions::default(),
        &[],
        Duration::from_millis(300),
    )
    .await;
    ui.assert_escaped();
}

#[tokio::test]
async fn silence_after_a_command_times_out_naming_it() {
    let server = ScriptedServer::start(greeting_then(vec![Step::Sleep(5_000)])).await;
    let run = probe(&strs(&ehlo_args(&server)), &[]).await;
    assert_eq!(run.code, Some(22), "{}", run.stdout);
    run.says("timed out after 1 s waiting for");
    run.recorded_starts_with(&[220]);

    let server = ScriptedServer::start(greeting_then(vec![Step::Sleep(5_000)])).await;
    let mut ui = tui(
        server.target(),
        TlsOptions::default(),
        &["EHLO me"],
        Duration::from_millis(1500),
    )
    .await;
    ui.assert_escaped();
    assert!(ui.text().contains("timed out"), "{}", ui.text());
}

#[tokio::test]
async fn reset_mid_reply_keeps_the_partial_reply() {
    let server = ScriptedServer::start(greeting_then(vec![
        Step::send("250-mx.test\r\n250-PIPE"),
        Step::Sleep(50),
        Step::Reset,
    ]))
    .await;
    let run = probe(&strs(&ehlo_args(&server)), &[]).await;
    assert_eq!(run.code, Some(22), "{}", run.stdout);
    assert!(
        run.messages().contains("reset") || run.messages().contains("closed"),
        "{}",
        run.messages()
    );
    run.recorded_starts_with(&[220, 250]);

    let server = ScriptedServer::start(greeting_then(vec![
        Step::send("250-mx.test\r\n250-PIPE"),
        Step::Sleep(50),
        Step::Reset,
    ]))
    .await;
    let mut ui = tui(
        server.target(),
        TlsOptions::default(),
        &["EHLO me"],
        Duration::from_millis(200),
    )
    .await;
    ui.assert_escaped();
    assert!(ui.text().contains("250-PIPE"), "{}", ui.text());
}

#[tokio::test]
async fn server_that_talks_before_the_client_is_named() {
    let mut steps = vec![
        Step::send("220 mx.test ESMTP\r\n250 you did not ask for this\r\n"),
        Step::expect("EHLO"),
        ehlo_ok(),
    ];
    steps.extend(quit());
    let server = ScriptedServer::start(steps).await;
    let run = probe(&strs(&ehlo_args(&server)), &[]).await;
    run.says("before");
    run.recorded_starts_with(&[220]);

    let mut steps = vec![
        Step::send("220 mx.test ESMTP\r\n250 you did not ask for this\r\n"),
        Step::expect("EHLO"),
        ehlo_ok(),
    ];
    steps.extend(quit());
    let server = ScriptedServer::start(steps).await;
    let mut ui = tui(
        server.target(),
        TlsOptions::default(),
        &[],
        Duration::from_millis(300),
    )
    .await;
    ui.assert_escaped();
    assert!(ui.text().contains("did not ask"), "{}", ui.text());
}

#[tokio::test]
async fn ten_mib_flood_of_pipelined_replies_keeps_memory_bounded() {
    let flood = b"250 2.0.0 ok\r\n".repeat(10 * MIB / 14);
    let server = ScriptedServer::start(greeting_then(vec![Step::Send(flood)])).await;
    let run = probe(&strs(&ehlo_args(&server)), &[]).await;
    // The first 250 answers EHLO, the next one QUIT; the rest nobody asked for.
    assert!(run.code.is_some(), "{}", run.stdout);
    run.recorded_starts_with(&[220, 250]);
    assert!(run.events.len() < 300, "{} events", run.events.len());
    run.says("no command asked for");
    run.memory_was_sampled();

    let flood = b"250 2.0.0 ok\r\n".repeat(10 * MIB / 14);
    let server = ScriptedServer::start(greeting_then(vec![Step::Send(flood)])).await;
    let mut ui = tui(
        server.target(),
        TlsOptions::default(),
        &["EHLO me"],
        Duration::from_millis(300),
    )
    .await;
    ui.assert_escaped();
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
    let mut steps = greeting_then(vec![Step::send("hello? this is not SMTP\r\n")]);
    steps.extend(quit());
    let server = ScriptedServer::start(steps).await;
    let run = probe(&strs(&ehlo_args(&server)), &[]).await;
    assert_ne!(run.code, Some(0), "{}", run.stdout);
    let flags = &run.of("reply")[1]["flags"];
    assert!(
        flags
            .as_array()
            .is_some_and(|f| f.iter().any(|f| f == "no_code")),
        "{flags}"
    );
    run.recorded_starts_with(&[220]);

    let mut steps = greeting_then(vec![Step::send("hello? this is not SMTP\r\n")]);
    steps.extend(quit());
    let server = ScriptedServer::start(steps).await;
    let mut ui = tui(
        server.target(),
        TlsOptions::default(),
        &["EHLO me", "QUIT"],
        Duration::from_millis(200),
    )
    .await;
    ui.assert_escaped();
    ui.says("hello? this is not SMTP");
    ui.says("line has no reply code");
    ui.recorded_starts_with(&[220]);
}
