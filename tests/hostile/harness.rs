//! The hostile suite's harness: runs the probe binary against a scripted server under a
//! test-side deadline while polling its peak memory (`VmHWM` in `/proc/<pid>/status`) and
//! command line, reads back the transcript it recorded, and runs the explorer's App model
//! against the same server through the real driver task (no terminal).

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::layout::Rect;
use serde_json::Value;
use smtpx::app::{Action, App, Mode};
use smtpx::driver::task::{self, Intent, Update};
use smtpx::driver::{Driver, SessionEvent};
use smtpx::net::{ConnectOptions, Target, TlsOptions};
use smtpx::transcript::{Header, Recorder, Transport};
use tokio::sync::mpsc;

use crate::support::Gate;

/// The most memory the probe may use against any hostile server.
pub const MEMORY_BOUND_KIB: u64 = 200 * 1024;
/// No probe run may take longer than this, whatever the server does.
pub const DEADLINE: Duration = Duration::from_secs(20);
/// The password of every AUTH test.
pub const PASSWORD: &str = "hunter2-Xy9!pw";

static RUNS: AtomicUsize = AtomicUsize::new(0);

/// A fresh path under the test target directory (never in the real home).
pub fn scratch(name: &str) -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("hostile");
    std::fs::create_dir_all(&dir).expect("scratch dir");
    let n = RUNS.fetch_add(1, Ordering::SeqCst);
    dir.join(format!("{}-{n}-{name}", std::process::id()))
}

/// What one probe run did.
pub struct ProbeRun {
    pub code: Option<i32>,
    pub stdout: String,
    pub stderr: String,
    pub events: Vec<Value>,
    /// Peak resident memory seen while it ran (0: it ended before the first sample).
    pub peak_kib: u64,
    /// Every command line seen while the probe ran.
    pub cmdlines: Vec<String>,
    pub record: PathBuf,
    pub took: Duration,
}

impl ProbeRun {
    /// Asserts the memory bound was actually measured (the runner checks the bound).
    pub fn memory_was_sampled(&self) {
        assert!(self.peak_kib > 0, "the probe's memory was never sampled");
    }

    pub fn of(&self, kind: &str) -> Vec<&Value> {
        self.events.iter().filter(|e| e["event"] == kind).collect()
    }

    /// Every error, note and finding message, one per line.
    pub fn messages(&self) -> String {
        self.events
            .iter()
            .filter(|e| matches!(e["event"].as_str(), Some("error" | "note" | "finding")))
            .filter_map(|e| e["message"].as_str())
            .collect::<Vec<_>>()
            .join("\n")
    }

    pub fn codes(&self) -> Vec<i64> {
        self.of("reply")
            .iter()
            .filter_map(|e| e["code"].as_i64())
            .collect()
    }

    /// Asserts the probe exited with `code`.
    pub fn exits(&self, code: i32) -> &Self {
        assert_eq!(self.code, Some(code), "{}", self.stdout);
        self
    }

    /// Asserts a message (error, note or finding) contains `needle`.
    pub fn says(&self, needle: &str) -> &Self {
        assert!(
            self.messages().contains(needle),
            "expected a message containing {needle:?}; messages:\n{}\nstderr: {}",
            self.messages(),
            self.stderr
        );
        self
    }

    /// Asserts the output shows no raw control character (C0 but newline, or C1).
    pub fn shows_no_raw_control(&self) -> &Self {
        assert!(
            !self.stdout.chars().any(raw_control),
            "raw control character in the probe's output: {:?}",
            self.stdout
        );
        self
    }

    /// Asserts the reply at `index` (0: the greeting) carries the malformation `flag`.
    pub fn flagged(&self, index: usize, flag: &str) -> &Self {
        let flags = &self.of("reply")[index]["flags"];
        assert!(
            flags
                .as_array()
                .is_some_and(|f| f.iter().any(|f| f == flag)),
            "{flags}"
        );
        self
    }

    /// The transcript the probe recorded, read back with smtpx's reader.
    pub fn transcript(&self) -> smtpx::transcript::read::Transcript {
        smtpx::transcript::read::read_file(&self.record)
            .unwrap_or_else(|e| panic!("read transcript {}: {e}", self.record.display()))
    }

    /// Asserts the transcript kept these reply codes first (the session up to the trouble).
    pub fn recorded_starts_with(&self, codes: &[u16]) -> &Self {
        assert_kept("transcript", &self.record, codes);
        self
    }
}

/// Server reply codes the transcript at `record` kept, in order.
fn recorded_codes(record: &Path) -> Vec<u16> {
    smtpx::transcript::read::read_file(record)
        .unwrap_or_else(|e| panic!("read transcript {}: {e}", record.display()))
        .events()
        .filter_map(|e| match e {
            SessionEvent::Received { reply, .. } => reply.code(),
            _ => None,
        })
        .collect()
}

/// Asserts the transcript at `record` kept these reply codes first.
fn assert_kept(which: &str, record: &Path, codes: &[u16]) {
    let got = recorded_codes(record);
    assert!(
        got.starts_with(codes),
        "{which} replies {got:?} do not start with {codes:?}"
    );
}

/// Runs `smtpx probe <args> --json --record <tmp>` with `env`, panicking if it panics, hangs
/// past [`DEADLINE`] or goes over [`MEMORY_BOUND_KIB`].
pub async fn probe(args: &[&str], env: &[(&str, &str)]) -> ProbeRun {
    probe_mode(args, env, true, None).await
}

/// Like [`probe`], and opens `gate` once the probe's command line has been read: a
/// scripted server waiting at that gate holds the session until then, so the check of
/// the command line never races the probe's exit.
pub async fn probe_gated(args: &[&str], env: &[(&str, &str)], gate: Gate) -> ProbeRun {
    probe_mode(args, env, true, Some(gate)).await
}

/// Like [`probe`] with the human-readable output.
pub async fn probe_text(args: &[&str], env: &[(&str, &str)]) -> ProbeRun {
    probe_mode(args, env, false, None).await
}

async fn probe_mode(
    args: &[&str],
    env: &[(&str, &str)],
    json: bool,
    gate: Option<Gate>,
) -> ProbeRun {
    let args: Vec<String> = args.iter().map(|s| s.to_string()).collect();
    let env: Vec<(String, String)> = env
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    tokio::task::spawn_blocking(move || run_blocking(args, env, json, gate))
        .await
        .expect("probe runner")
}

fn run_blocking(
    args: Vec<String>,
    env: Vec<(String, String)>,
    json: bool,
    gate: Option<Gate>,
) -> ProbeRun {
    let record = scratch("session.jsonl");
    let mut command = Command::new(env!("CARGO_BIN_EXE_smtpx"));
    command
        .env(
            "XDG_STATE_HOME",
            concat!(env!("CARGO_TARGET_TMPDIR"), "/xdg-state"),
        )
        .env("NO_COLOR", "1")
        .arg("probe")
        .args(&args)
        .arg("--record")
        .arg(&record)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    if json {
        command.arg("--json");
    }
    for (k, v) in &env {
        command.env(k, v);
    }
    let started = Instant::now();
    let mut child = command.spawn().expect("spawn smtpx");
    let pid = child.id();
    let mut out = child.stdout.take().expect("stdout");
    let mut err = child.stderr.take().expect("stderr");
    let out_reader = std::thread::spawn(move || {
        let mut buf = Vec::new();
        let _ = out.read_to_end(&mut buf);
        buf
    });
    let err_reader = std::thread::spawn(move || {
        let mut buf = Vec::new();
        let _ = err.read_to_end(&mut buf);
        buf
    });
    let mut peak_kib = 0;
    let mut cmdlines = Vec::new();
    let status = loop {
        if let Ok(status) = std::fs::read_to_string(format!("/proc/{pid}/status")) {
            if let Some(kib) = vm_hwm_kib(&status) {
                peak_kib = peak_kib.max(kib);
            }
        }
        if let Ok(cmdline) = std::fs::read(format!("/proc/{pid}/cmdline")) {
            let cmdline = String::from_utf8_lossy(&cmdline).replace('\0', " ");
            if !cmdline.is_empty() && !cmdlines.contains(&cmdline) {
                cmdlines.push(cmdline);
                if let Some(gate) = &gate {
                    gate.open();
                }
            }
        }
        if let Some(status) = child.try_wait().expect("wait") {
            break status;
        }
        if started.elapsed() > DEADLINE {
            let _ = child.kill();
            let _ = child.wait();
            panic!("the probe hung: still running after {DEADLINE:?} ({args:?})");
        }
        std::thread::sleep(Duration::from_millis(5));
    };
    let took = started.elapsed();
    let stdout = String::from_utf8_lossy(&out_reader.join().expect("stdout reader")).into_owned();
    let stderr = String::from_utf8_lossy(&err_reader.join().expect("stderr reader")).into_owned();
    assert!(
        !stderr.contains("panicked") && status.code() != Some(101),
        "the probe panicked: {stderr}"
    );
    // A probe that ends before the first sample (a loaded machine, a fast failure) leaves
    // nothing to compare; the memory-heavy tests check that they were sampled.
    assert!(
        peak_kib < MEMORY_BOUND_KIB,
        "the probe used {peak_kib} KiB, over the {MEMORY_BOUND_KIB} KiB bound"
    );
    let events = if json {
        stdout
            .lines()
            .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("bad JSON {l:?}: {e}")))
            .collect()
    } else {
        Vec::new()
    };
    ProbeRun {
        code: status.code(),
        stdout,
        stderr,
        events,
        peak_kib,
        cmdlines,
        record,
        took,
    }
}

/// A character a terminal would act on: C0 controls but newline, DEL, and C1 controls.
fn raw_control(c: char) -> bool {
    (c.is_control() && c != '\n') || ('\u{80}'..='\u{9f}').contains(&c)
}

fn vm_hwm_kib(status: &str) -> Option<u64> {
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

/// The explorer's model after a session against a live server: the real driver task,
/// the App fed its updates, no terminal.
pub struct TuiRun {
    pub app: App,
    /// The transcript the explorer's recorder wrote, as `smtpx` wires it.
    pub record: PathBuf,
    /// Whether the App ever took typed lines as message content (after a 354).
    pub was_in_message_mode: bool,
}

impl TuiRun {
    /// Server reply codes the explorer's transcript kept, in order.
    pub fn recorded_codes(&self) -> Vec<u16> {
        recorded_codes(&self.record)
    }

    /// Asserts the explorer's transcript kept these reply codes first.
    pub fn recorded_starts_with(&self, codes: &[u16]) -> &Self {
        assert_kept("explorer transcript", &self.record, codes);
        self
    }

    /// Asserts the transcript pane shows a line containing `needle`.
    pub fn says(&self, needle: &str) -> &Self {
        let text = self.text();
        assert!(
            text.contains(needle),
            "expected the explorer to show {needle:?}; it shows:\n{text}"
        );
        self
    }

    /// Everything the transcript pane would show, as plain text.
    pub fn text(&self) -> String {
        self.app.transcript_text()
    }

    /// The screen drawn into a `TestBackend`, as text.
    pub fn screen(&mut self, width: u16, height: u16) -> String {
        let areas = smtpx::ui::areas(Rect::new(0, 0, width, height), &self.app);
        self.app.update(Action::Viewport(
            areas.transcript.width,
            areas.transcript.height,
        ));
        let mut terminal = Terminal::new(TestBackend::new(width, height)).expect("backend");
        terminal
            .draw(|frame| smtpx::ui::draw(frame, &self.app))
            .expect("draw");
        let buffer = terminal.backend().buffer().clone();
        buffer
            .content()
            .chunks(width as usize)
            .map(|row| row.iter().map(|c| c.symbol()).collect::<String>())
            .collect::<Vec<_>>()
            .join("\n")
    }

    /// Asserts nothing the terminal would act on reaches the screen or the entries.
    pub fn assert_escaped(&mut self) {
        let text = self.text();
        let screen = self.screen(120, 40);
        for (what, s) in [("entries", &text), ("screen", &screen)] {
            assert!(
                !s.chars().any(raw_control),
                "raw control character in the {what}: {s:?}"
            );
        }
    }
}

/// A line the harness "types": `<message>…` is message content after 354 (what the App
/// sends after the lone `.`), anything else a command line.
fn intent_for(line: String) -> Intent {
    match line.strip_prefix("<message>") {
        Some(message) => Intent::Message(message.as_bytes().to_vec()),
        None => Intent::Line(line),
    }
}

/// Runs the explorer's network task against `target`, sends `lines` one after another as
/// the person would (each once the previous reply or failure arrived), and feeds every
/// update to an [`App`]. Returns when the task reports the connection closed or after
/// `settle` of quiet at the end.
pub async fn tui(target: Target, tls: TlsOptions, lines: &[&str], settle: Duration) -> TuiRun {
    let options = ConnectOptions {
        connect_timeout: Duration::from_secs(1),
        send_timeout: Duration::from_secs(1),
        ..ConnectOptions::default()
    };
    let tls = TlsOptions {
        handshake_timeout: Duration::from_secs(1),
        ..tls
    };
    let (update_tx, mut updates) = mpsc::unbounded_channel();
    let (intent_tx, intents) = mpsc::unbounded_channel();
    // Wired as `smtpx HOST` wires it (src/tui/mod.rs): the UI, the recorder, and the
    // diagnosis watcher that names what the server did.
    let record = scratch("explorer.jsonl");
    let header = Header::new(&target.host, target.port, Transport::Plain, 0);
    let recorder = Recorder::create(&record, &header).expect("explorer recorder");
    let sinks = vec![task::sink(update_tx.clone()), recorder.into_sink()];
    let sink = smtpx::diagnose::watch(smtpx::driver::sink::fan_out(sinks), target.port);
    let driver = Driver::new(target.clone(), options, tls, Duration::from_secs(1), sink);
    let handle = tokio::spawn(task::run(driver, false, intents, update_tx));
    let mut app = App::new(target.to_string(), Vec::new());
    app.update(Action::Viewport(100, 30));
    let mut pending: Vec<String> = lines.iter().rev().map(|s| s.to_string()).collect();
    let deadline = tokio::time::Instant::now() + DEADLINE;
    let mut closed = false;
    let mut was_in_message_mode = false;
    loop {
        let wait = if pending.is_empty() || closed {
            settle
        } else {
            Duration::from_millis(1500)
        };
        match tokio::time::timeout_at(
            deadline.min(tokio::time::Instant::now() + wait),
            updates.recv(),
        )
        .await
        {
            Ok(Some(update)) => {
                let answered = matches!(
                    &update,
                    Update::Event(SessionEvent::Received { .. } | SessionEvent::Failed { .. })
                );
                if matches!(&update, Update::Event(SessionEvent::Closed { .. })) {
                    closed = true;
                }
                let stopped = matches!(update, Update::Stopped);
                app.update(Action::Driver(update));
                was_in_message_mode |= app.mode() == Mode::Message;
                if stopped {
                    break;
                }
                if answered && !closed {
                    if let Some(line) = pending.pop() {
                        let _ = intent_tx.send(intent_for(line));
                    }
                }
            }
            Ok(None) => break,
            Err(_) => {
                assert!(
                    tokio::time::Instant::now() < deadline,
                    "the explorer's task hung"
                );
                match pending.pop() {
                    Some(line) if !closed => {
                        let _ = intent_tx.send(intent_for(line));
                    }
                    _ => break,
                }
            }
        }
    }
    let _ = intent_tx.send(Intent::Quit);
    let _ = tokio::time::timeout(Duration::from_secs(3), handle)
        .await
        .expect("the explorer's task did not stop after Quit")
        .map_err(|e| panic!("the explorer's task panicked: {e}"));
    TuiRun {
        app,
        record,
        was_in_message_mode,
    }
}
