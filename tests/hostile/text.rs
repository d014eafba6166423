//! Text attacks: terminal escape sequences, NUL bytes, invalid UTF-8. The probe's human
//! output and the explorer must show them escaped; the transcript keeps the exact bytes.

use smtpx::driver::SessionEvent;

use super::scenario::Scenario;
use crate::support::Step;
use crate::{ehlo_args, ehlo_ok, probe_args, quit};

/// A session whose greeting is `greeting` and whose EHLO reply is `ehlo`.
fn script(greeting: &[u8], ehlo: &[u8]) -> Scenario {
    let mut steps = vec![Step::send(greeting), Step::expect("EHLO"), Step::send(ehlo)];
    steps.extend(quit());
    Scenario::new(steps)
}

/// Asserts the run's transcript holds `raw` exactly among the bytes the server sent.
fn recorded_exactly(run: &super::harness::ProbeRun, raw: &[u8]) {
    let recorded: Vec<u8> = run
        .transcript()
        .events()
        .filter_map(|e| match e {
            SessionEvent::Received { reply, .. } => Some(reply.raw()),
            _ => None,
        })
        .flatten()
        .collect();
    assert!(
        recorded.windows(raw.len()).any(|w| w == raw),
        "the transcript lost the exact bytes {raw:?}"
    );
}

/// Checks one text attack end to end: probe JSON (a message names the control
/// characters), probe text output (escaped, no raw byte), transcript (exact bytes), and
/// the explorer (escaped).
async fn check(greeting: &[u8], ehlo: &[u8], raw: &[u8], escaped: &str) {
    let scenario = script(greeting, ehlo);
    let run = scenario.probe(ehlo_args).await;
    run.exits(0);
    assert_eq!(run.codes(), vec![220, 250, 221]);
    run.says("control characters");
    recorded_exactly(&run, raw);

    let run = scenario.probe_text(ehlo_args).await;
    assert!(
        run.stdout.contains(escaped),
        "{escaped} not shown:\n{}",
        run.stdout
    );
    run.shows_no_raw_control();

    scenario.tui(&["EHLO me", "QUIT"], 200).await.says(escaped);
}

#[tokio::test]
async fn csi_cursor_moves_in_the_greeting_are_shown_escaped() {
    let greeting = b"220 mx.test \x1b[2J\x1b[H\x1b[10;10Hfake prompt ESMTP\r\n";
    let ehlo = b"250 mx.test\r\n";
    check(greeting, ehlo, b"\x1b[2J\x1b[H", "\\x1b[2J").await;
}

#[tokio::test]
async fn osc0_title_in_the_greeting_is_shown_escaped() {
    let greeting = b"220 mx.test \x1b]0;pwned title\x07 ESMTP\r\n";
    check(
        greeting,
        b"250 mx.test\r\n",
        b"\x1b]0;pwned",
        "\\x1b]0;pwned",
    )
    .await;
}

#[tokio::test]
async fn osc52_clipboard_write_in_an_ehlo_reply_is_shown_escaped() {
    let ehlo = b"250-mx.test\r\n250-\x1b]52;c;cm0gLXJmIH4=\x07\r\n250 8BITMIME\r\n";
    check(b"220 mx.test\r\n", ehlo, b"\x1b]52;c;", "\\x1b]52;c;").await;
}

#[tokio::test]
async fn dcs_sequence_in_an_ehlo_reply_is_shown_escaped() {
    let ehlo = b"250-mx.test\r\n250 \x1bP+q544e\x1b\\ PIPELINING\r\n";
    check(b"220 mx.test\r\n", ehlo, b"\x1bP+q", "\\x1bP+q").await;
}

#[tokio::test]
async fn eight_bit_c1_csi_in_a_reply_is_shown_escaped() {
    // U+009B (CSI as one C1 character, UTF-8 encoded) and U+009D (OSC).
    let ehlo = "250 mx.test \u{9b}2J \u{9d}0;title\u{9c}\r\n".as_bytes();
    check(b"220 mx.test\r\n", ehlo, "\u{9b}2J".as_bytes(), "\\u{9b}2J").await;
}

#[tokio::test]
async fn nul_bytes_in_the_greeting_are_shown_escaped() {
    check(
        b"220 mx.test\x00\x00 hidden\x00\r\n",
        b"250 mx.test\r\n",
        b"\x00\x00 hidden",
        "hidden",
    )
    .await;
}

#[tokio::test]
async fn invalid_utf8_and_raw_8bit_c1_bytes_are_flagged_and_escaped() {
    let greeting = b"220 mx.test \xff\xfe \x9b2J \xc3\x28\r\n";
    let scenario = script(greeting, b"250 mx.test\r\n");
    let run = scenario.probe(ehlo_args).await;
    run.exits(0).flagged(0, "invalid_utf8");
    let kept = run.transcript().events().any(|e| match e {
        SessionEvent::Received { reply, .. } => reply.raw() == greeting,
        _ => false,
    });
    assert!(kept, "the transcript did not keep the exact greeting");

    let run = scenario.probe_text(ehlo_args).await;
    assert!(run.stdout.contains("\\xff\\xfe \\x9b2J"), "{}", run.stdout);

    scenario.tui(&["EHLO me"], 200).await.says("\\x9b2J");
}

#[tokio::test]
async fn escape_sequences_in_a_rejection_are_shown_escaped() {
    let mut steps = vec![
        Step::send("220 mx.test\r\n"),
        Step::expect("EHLO"),
        ehlo_ok(),
        Step::expect("MAIL FROM"),
        Step::send("550 5.7.1 \x1b[8mhidden\x1b[0m \x1b]0;t\x07 no\r\n"),
    ];
    steps.extend(quit());
    let run = Scenario::new(steps)
        .probe(|server| probe_args(server, &["--from", "a@client.test", "--to", "b@mx.test"]))
        .await;
    run.exits(25)
        .says("control characters")
        .recorded_starts_with(&[220, 250, 550]);
}

/// A character JSON readers decode but serde writes raw: what must not reach a file.
fn raw_in_json(c: char) -> bool {
    matches!(c as u32,
        0x7f..=0x9f | 0x061c | 0x200b..=0x200f | 0x2028..=0x202e | 0x2060 | 0x2066..=0x2069 | 0xfeff)
}

#[tokio::test]
async fn c1_bidi_and_zero_width_characters_are_escaped_in_every_json_output() {
    let greeting =
        "220 mx.test \u{9b}2J \u{202e}txet desrever\u{202c} \u{200b}\u{feff}\u{7f} ESMTP\r\n";
    let scenario = script(greeting.as_bytes(), b"250 mx.test\r\n");
    let run = scenario.probe(ehlo_args).await;
    run.exits(0);
    let export = std::process::Command::new(env!("CARGO_BIN_EXE_smtpx"))
        .args(["export", "--format", "json"])
        .arg(&run.record)
        .output()
        .expect("run smtpx export");
    assert!(export.status.success(), "{export:?}");
    let outputs = [
        ("probe --json", run.stdout.clone()),
        (
            "the transcript file",
            std::fs::read_to_string(&run.record).expect("transcript"),
        ),
        (
            "export --format json",
            String::from_utf8_lossy(&export.stdout).into_owned(),
        ),
    ];
    for (what, text) in outputs {
        assert!(
            !text.chars().any(raw_in_json),
            "{what} carries a raw control or bidi character: {text:?}"
        );
        assert!(
            text.contains("\\u202e"),
            "{what} lost the character: {text}"
        );
    }
    // Escaped, not lost: the transcript still reads back the exact bytes.
    recorded_exactly(&run, greeting.as_bytes());
}
