//! One hostile corpus, fed through every path where server text leaves smtpx for a person
//! or a file: the probe's human and JSON output, the transcript file, `export` in all six
//! formats, the scan table and its JSON, `explain`, the diagnoses and protocol breaches that
//! quote a reply, and the explorer's completion and history file. No terminal control (C0
//! but line ends and tab, DEL, C1) and no bidi or zero-width character may survive raw
//! anywhere, and what is escaped is escaped once (`\x1b`, never `\\x1b`).

mod support;

use std::process::Command;

use support::tmux::{Tmux, explorer_command, tmux_available};
use support::{ScriptedServer, Step, reply};

/// Escape sequences (CSI, OSC title and clipboard), 8-bit CSI, bidi overrides and
/// isolates, zero-width characters, a BOM, DEL and NUL-free C0.
const CORPUS: &str = "\u{1b}[2J\u{1b}]0;title\u{7}\u{1b}]52;c;ZXZpbA==\u{7}\u{9b}31m\u{202e}desrever\u{202c}\u{2066}iso\u{2069}\u{200b}\u{200f}\u{feff}\u{7f}\u{8}";

fn dangerous(c: char) -> bool {
    let n = c as u32;
    (n < 0x20 && c != '\n' && c != '\t')
        || (0x7f..=0x9f).contains(&n)
        || matches!(n, 0x061c | 0x200b..=0x200f | 0x202a..=0x202e | 0x2060 | 0x2066..=0x2069 | 0xfeff)
}

fn assert_clean(what: &str, text: &str) {
    let bad: Vec<String> = text
        .chars()
        .filter(|&c| dangerous(c))
        .map(|c| format!("U+{:04X}", c as u32))
        .collect();
    assert!(bad.is_empty(), "{what} carries raw {bad:?}:\n{text:?}");
}

fn smtpx(args: &[&str]) -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_smtpx"))
        .env(
            "XDG_STATE_HOME",
            concat!(env!("CARGO_TARGET_TMPDIR"), "/xdg-state"),
        )
        .env("NO_COLOR", "1")
        .args(args)
        .output()
        .expect("run smtpx");
    String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr)
}

/// [`smtpx`] on a blocking thread, so the scripted server on this runtime keeps serving.
async fn smtpx_off_runtime(args: &[&str]) -> String {
    let args: Vec<String> = args.iter().map(|s| s.to_string()).collect();
    tokio::task::spawn_blocking(move || smtpx(&args.iter().map(String::as_str).collect::<Vec<_>>()))
        .await
        .expect("smtpx runs")
}

/// A server whose greeting, EHLO lines and refusal all carry the corpus.
fn hostile_steps() -> Vec<Step> {
    let greeting = format!("220 mx.test {CORPUS} ESMTP\r\n");
    let keyword = format!("X-{CORPUS}");
    let refusal = format!("550 5.7.1 {CORPUS} <script>alert(1)</script> no\r\n");
    vec![
        Step::send(greeting),
        Step::expect("EHLO"),
        Step::Send(reply(250, &["mx.test", &keyword, "AUTH PLAIN"])),
        Step::expect("MAIL"),
        Step::send(refusal),
        Step::expect("QUIT"),
        Step::send("221 bye\r\n"),
        Step::Close,
    ]
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_control_or_bidi_character_from_a_server_survives_any_output() {
    let dir = tempfile::tempdir().expect("temp dir");
    let record = dir.path().join("hostile.jsonl");
    let record_arg = record.display().to_string();
    for json in [false, true] {
        let server = ScriptedServer::start(hostile_steps()).await;
        let target = server.addr.to_string();
        let mut args = vec![
            "probe",
            &target,
            "--no-starttls",
            "--timeout",
            "2",
            "--from",
            "a@client.test",
            "--to",
            "b@mx.test",
            "--record",
            &record_arg,
            "--overwrite",
        ];
        if json {
            args.push("--json");
        }
        let output = smtpx_off_runtime(&args).await;
        assert!(output.contains("550"), "{output}");
        assert_clean(if json { "probe --json" } else { "probe" }, &output);
    }
    let transcript = std::fs::read_to_string(&record).expect("transcript");
    assert_clean("the transcript file", &transcript);
    for format in ["text", "markdown", "json", "mermaid", "svg", "html"] {
        let export = smtpx(&["export", "--format", format, &record_arg]);
        assert_clean(&format!("export --format {format}"), &export);
    }
    // In the page, the server's text is text: no tag of its making.
    for format in ["html", "svg"] {
        let page = smtpx(&["export", "--format", format, &record_arg]);
        assert!(!page.to_ascii_lowercase().contains("<script"), "{page}");
        // (The diagram cuts long labels before it.)
        if format == "html" {
            assert!(page.contains("&lt;script&gt;"), "escaped, not dropped");
        }
    }
    for json in [false, true] {
        let server = ScriptedServer::start(hostile_steps()).await;
        let port = server.addr.port().to_string();
        let mut args = vec!["scan", "127.0.0.1", "--ports", &port, "--timeout", "2"];
        if json {
            args.push("--json");
        }
        let output = smtpx_off_runtime(&args).await;
        assert_clean(if json { "scan --json" } else { "scan" }, &output);
    }
    let explain = smtpx(&["explain", &format!("550 5.7.1 {CORPUS}")]);
    assert_clean("explain", &explain);
}

/// Text escaped exactly once: the corpus's ESC shows as `\x1b`, never as `\\x1b`.
fn assert_escaped_once(what: &str, text: &str) {
    assert!(
        text.contains("\\x1b[2J"),
        "{what}: the corpus is not shown:\n{text}"
    );
    assert!(!text.contains("\\\\x1b"), "{what}: escaped twice:\n{text}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn diagnoses_and_breaches_quote_a_hostile_reply_escaped_once() {
    let mechanism = format!("X{CORPUS}");
    // An AUTH refused as an unsupported mechanism (the diagnosis quotes the reply and the
    // offered mechanisms), a 250 to AUTH (a breach quoting it), and a relay refusal.
    let scripts = [
        vec![
            Step::expect("AUTH PLAIN"),
            Step::send(format!("504 5.5.4 {CORPUS} mechanism\r\n")),
        ],
        vec![
            Step::expect("AUTH PLAIN"),
            Step::send(format!("250 2.0.0 {CORPUS} ok\r\n")),
        ],
    ];
    for (i, rest) in scripts.into_iter().enumerate() {
        for json in [false, true] {
            let mut steps = vec![
                Step::send("220 mx.test ESMTP\r\n"),
                Step::expect("EHLO"),
                Step::Send(reply(250, &["mx.test", &format!("AUTH PLAIN {mechanism}")])),
            ];
            steps.extend(rest.clone());
            steps.extend([Step::expect("QUIT"), Step::send("221 bye\r\n"), Step::Close]);
            let server = ScriptedServer::start(steps).await;
            let target = server.addr.to_string();
            let mut args = vec![
                "probe",
                &target,
                "--no-starttls",
                "--allow-insecure-auth",
                "--auth",
                "plain",
                "--user",
                "u",
                "--password-env",
                "HOSTILE_PW",
                "--no-record",
                "--timeout",
                "2",
            ];
            if json {
                args.push("--json");
            }
            let args: Vec<String> = args.iter().map(|s| s.to_string()).collect();
            let output = tokio::task::spawn_blocking(move || {
                let out = Command::new(env!("CARGO_BIN_EXE_smtpx"))
                    .env(
                        "XDG_STATE_HOME",
                        concat!(env!("CARGO_TARGET_TMPDIR"), "/xdg-state"),
                    )
                    .env("HOSTILE_PW", "pw")
                    .args(&args)
                    .output()
                    .expect("run smtpx");
                String::from_utf8_lossy(&out.stdout).into_owned()
            })
            .await
            .expect("smtpx runs");
            let what = format!("session {i}, json {json}");
            let said = if i == 0 {
                "diagnosis: '504"
            } else {
                "protocol breach:"
            };
            assert!(output.contains(said), "{what}:\n{output}");
            assert_clean(&what, &output);
            if !json {
                let line = output
                    .lines()
                    .find(|l| l.contains(said))
                    .unwrap_or_default();
                assert_escaped_once(&what, line);
            }
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_explorer_completes_and_remembers_no_hostile_text() {
    if !tmux_available() {
        return;
    }
    let mechanism = format!("X{CORPUS}");
    let steps = vec![
        Step::send(format!("220 mx.test {CORPUS} ESMTP\r\n")),
        Step::expect("EHLO"),
        Step::Send(reply(250, &["mx.test", &format!("AUTH {mechanism} PLAIN")])),
        Step::expect("AUTH PLAIN"),
        Step::send(format!("504 5.5.4 {CORPUS} mechanism\r\n")),
        Step::expect("QUIT"),
        Step::send("221 bye\r\n"),
        Step::Close,
    ];
    let server = ScriptedServer::start(steps).await;
    let state = tempfile::tempdir().expect("temp dir");
    let env = format!("XDG_STATE_HOME={}", state.path().display());
    let args = format!("{} --no-starttls --no-record", server.addr);
    let tmux = Tmux::new("hostilehist");
    let t = "hostilehist";
    tmux.start(
        t,
        110,
        34,
        &explorer_command(&state.path().join("pid"), &env, &args),
    );
    tmux.wait_for(t, &["S< 220"]).await;
    tmux.type_line(t, "EHLO x");
    tmux.wait_for(t, &["250 AUTH", "PLAIN   ("]).await;
    // Tab offers only well-formed mechanism names: PLAIN, never the hostile one.
    tmux.keys(t, &["-l", "AUTH "]);
    tmux.keys(t, &["Tab"]);
    tmux.wait_for(t, &["smtp> AUTH PLAIN"]).await;
    tmux.keys(t, &["Enter"]);
    // Held once (plaintext, the policy), then sent.
    tmux.wait_for(t, &["Enter again sends"]).await;
    tmux.keys(t, &["Enter"]);
    let screen = tmux.wait_for(t, &["S< 504", "diagnosis"]).await;
    assert_clean("the explorer's screen", &screen);
    let title = tmux.display(t, "#{pane_title}");
    assert!(
        !title.contains("title"),
        "the OSC title escape reached the terminal: {title}"
    );
    tmux.type_line(t, "QUIT");
    tmux.wait_for(t, &["S< 221"]).await;
    tmux.type_line(t, "/quit");
    tmux.wait_for(t, &["EXITED 0"]).await;
    let history =
        std::fs::read_to_string(state.path().join("smtpx/history")).expect("the history file");
    assert!(history.contains("AUTH PLAIN"), "{history}");
    assert_clean("the history file", &history);
}
