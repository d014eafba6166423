//! `smtpx learn`: every shipped lesson is completed by typing its solution into the explorer's
//! update function, against the real sandbox started with the lesson's own behaviour and the
//! driver's network task — the same wiring as the terminal loop, without a terminal. The
//! lesson must finish (so every shipped lesson can be completed), each step only after the
//! server answered, and a finished lesson asks for its progress to be saved and opens the
//! sequence diagram. The list (`smtpx learn`) is checked through the binary.

use std::time::Duration;

use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use smtpx::app::{Action, App, Effect, OverlayKind};
use smtpx::driver::Driver;
use smtpx::driver::task::{self, Intent, Update};
use smtpx::learn::Lesson;
use smtpx::net::{Target, TlsMode, TlsOptions};
use tokio::sync::mpsc::{UnboundedReceiver, UnboundedSender};

struct Session {
    app: App,
    intents: UnboundedSender<Intent>,
    updates: UnboundedReceiver<Update>,
    finished: Vec<String>,
}

impl Session {
    fn apply(&mut self, effects: Vec<Effect>) {
        for effect in effects {
            match effect {
                Effect::Intent(intent) => {
                    let _ = self.intents.send(intent);
                }
                Effect::LessonFinished(id) => self.finished.push(id),
                _ => {}
            }
        }
    }

    /// Feeds the app what the network task reports until it has been quiet for a while.
    async fn settle(&mut self) {
        while let Ok(Some(update)) =
            tokio::time::timeout(Duration::from_millis(300), self.updates.recv()).await
        {
            let effects = self.app.update(Action::Driver(update));
            self.apply(effects);
        }
    }

    fn key(&mut self, code: KeyCode) {
        let effects = self
            .app
            .update(Action::Key(KeyEvent::new(code, KeyModifiers::NONE)));
        self.apply(effects);
    }

    async fn type_line(&mut self, line: &str) {
        for c in line.chars() {
            self.key(KeyCode::Char(c));
        }
        self.key(KeyCode::Enter);
        // A line held back with a warning (raw bytes, a bare LF) is sent by Enter again.
        if !line.is_empty() && self.app.input.value() == line {
            self.key(KeyCode::Enter);
        }
        self.settle().await;
    }
}

async fn start(lesson: &Lesson) -> (Session, smtpx::sandbox::SandboxHandle) {
    let handle = smtpx::sandbox::start(smtpx::demo::lesson_sandbox(&lesson.sandbox))
        .await
        .expect("sandbox starts");
    let (addr, implicit) = match handle.tls_addr().filter(|_| lesson.sandbox.implicit_tls) {
        Some(tls) => (tls, true),
        None => (handle.plain_addr(), false),
    };
    let target = Target {
        host: addr.ip().to_string(),
        port: addr.port(),
    };
    let tls = TlsOptions {
        verify_name: Some("localhost".into()),
        ca_file: Some(handle.ca_pem_path().to_path_buf()),
        ..TlsOptions::default()
    };
    let mut plan = smtpx::net::ConnectPlan::new(
        target.clone(),
        if implicit {
            TlsMode::Implicit
        } else {
            TlsMode::StartTlsRequired
        },
        tls,
        Duration::from_secs(10),
    );
    plan.ehlo = Some("student.example".into());
    let (update_tx, updates) = tokio::sync::mpsc::unbounded_channel();
    let (intents, intent_rx) = tokio::sync::mpsc::unbounded_channel();
    let driver = Driver::new(
        plan.target.clone(),
        plan.connect.clone(),
        plan.tls.clone(),
        plan.timeout,
        task::sink(update_tx.clone()),
    );
    tokio::spawn(task::run(driver, implicit, intent_rx, update_tx));
    let mut app = App::new(format!("{}:{}", target.host, target.port), Vec::new());
    app.update(Action::Viewport(80, 20));
    app.start_lesson(lesson.clone());
    let mut session = Session {
        app,
        intents,
        updates,
        finished: Vec::new(),
    };
    session.settle().await;
    (session, handle)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_shipped_lesson_is_completed_by_its_solution_against_the_sandbox() {
    let lessons = smtpx::learn::builtin().expect("lessons parse");
    assert!(lessons.len() >= 10);
    for lesson in &lessons {
        let (mut s, handle) = start(lesson).await;
        for (i, step) in lesson.steps.iter().enumerate() {
            let run = s.app.lesson().expect("a lesson under way");
            // A step done by connecting (implicit TLS) is done before anything is typed.
            if step.solution.is_empty() {
                assert!(
                    run.step > i,
                    "{}: step {} done on connect",
                    lesson.id,
                    i + 1
                );
                continue;
            }
            assert_eq!(
                run.step,
                i,
                "{}: step {} is current before its lines are typed",
                lesson.id,
                i + 1
            );
            for line in &step.solution {
                s.type_line(line).await;
            }
            let run = s.app.lesson().expect("a lesson under way");
            assert!(
                run.step > i,
                "{}: step {} ({}) not done by {:?}; hint: {:?}; transcript:\n{}",
                lesson.id,
                i + 1,
                step.task,
                step.solution,
                run.hint,
                s.app.transcript_text()
            );
        }
        assert!(
            s.app.lesson().is_some_and(|r| r.finished()),
            "{}",
            lesson.id
        );
        assert_eq!(
            s.finished,
            vec![lesson.id.clone()],
            "progress is saved once"
        );
        assert_eq!(
            s.app.overlay_kind(),
            Some(OverlayKind::Ladder),
            "{}: the recap opens the sequence diagram",
            lesson.id
        );
        let _ = s.intents.send(Intent::Quit);
        handle.shutdown().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_wrong_try_gets_a_hint_and_does_not_count() {
    let lessons = smtpx::learn::builtin().expect("lessons parse");
    let relay = lessons
        .iter()
        .find(|l| !l.sandbox.local_domains.is_empty())
        .expect("the open-relay lesson");
    let (mut s, handle) = start(relay).await;
    // RCPT before MAIL: refused with 503, and the lesson says what that means.
    s.type_line("EHLO me").await;
    s.type_line("RCPT TO:<teacher@localhost>").await;
    let run = s.app.lesson().expect("lesson");
    assert_eq!(run.step, 0);
    let hint = run.hint.clone().expect("a hint");
    assert!(hint.starts_with("503 is a permanent refusal"), "{hint}");
    assert!(s.app.transcript_text().contains("lesson hint: 503"));
    handle.shutdown().await;
}

#[test]
fn the_list_names_every_lesson_and_a_bad_name_is_refused() {
    let state = tempfile::tempdir().expect("tempdir");
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_smtpx"))
        .env("XDG_STATE_HOME", state.path())
        .arg("learn")
        .output()
        .expect("runs");
    assert!(out.status.success());
    let text = String::from_utf8_lossy(&out.stdout);
    for lesson in smtpx::learn::builtin().expect("lessons") {
        assert!(text.contains(&lesson.title), "{text}");
    }
    assert!(text.contains("0 of 10 finished"), "{text}");
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_smtpx"))
        .env("XDG_STATE_HOME", state.path())
        .args(["learn", "no-such-lesson"])
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("no lesson"));
}

#[test]
fn a_teachers_lesson_directory_is_used_and_a_bad_file_is_named() {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(
        dir.path().join("01-mine.toml"),
        "title='Mine'\ngoal='g'\nwhy='w'\nrecap='r'\n[[step]]\ndo='EHLO'\nwhen={command='EHLO'}\n",
    )
    .expect("write");
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_smtpx"))
        .args(["learn", "--lessons"])
        .arg(dir.path())
        .output()
        .expect("runs");
    assert!(out.status.success());
    assert!(String::from_utf8_lossy(&out.stdout).contains("Mine"));
    std::fs::write(dir.path().join("02-bad.toml"), "title='x'\n").expect("write");
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_smtpx"))
        .args(["learn", "--lessons"])
        .arg(dir.path())
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("02-bad.toml"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}
