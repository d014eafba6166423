//! `smtpx demo`: the built-in sandbox server, started in-process on free loopback ports,
//! with a session run against it — nothing outside this machine is needed.
//!
//! Layer: front end (wiring). By default the interactive explorer opens connected to the
//! sandbox, with a short hint of what to type (EHLO, STARTTLS, AUTH with the demo
//! credentials, a message). `--headless` runs the scripted probe instead: EHLO, STARTTLS,
//! EHLO, AUTH PLAIN, MAIL, RCPT, DATA, QUIT. Either way the stored message is shown after.

use std::process::ExitCode;
use std::time::Duration;

use zeroize::Zeroizing;

use crate::net::{ConnectPlan, Target, TlsMode, TlsOptions};
use crate::probe::{Credentials, MessagePlan, PrintOptions, ProbePlan};
use crate::proto::auth::Mechanism;
use crate::sandbox::{self, SandboxConfig};
use crate::transcript::RecordOptions;
use crate::tui::ExplorerPlan;

/// What `smtpx demo` is asked to do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct DemoPlan {
    /// Run the sandbox as a submission port (STARTTLS before AUTH, AUTH before MAIL); the
    /// CLI's default, `--open` turns it off.
    pub submission: bool,
    /// Run the scripted submission with the headless probe instead of the explorer.
    pub headless: bool,
    /// `--theme`, `--presenter`.
    pub display: crate::app::Display,
}

pub async fn run(args: DemoPlan) -> ExitCode {
    let config = SandboxConfig {
        submission: args.submission,
        ..SandboxConfig::default()
    };
    let handle = match sandbox::start(config).await {
        Ok(handle) => handle,
        Err(e) => {
            eprintln!("smtpx demo: cannot start the sandbox server: {e:#}");
            return ExitCode::from(3);
        }
    };
    let addr = handle.plain_addr();
    let user = handle.credentials().user.clone();
    let password = handle.credentials().password.clone();
    let mut messages = handle.messages();
    if !args.headless {
        let code = crate::tui::run(ExplorerPlan {
            connect: demo_connection(addr, handle.ca_pem_path()),
            record: RecordOptions::default_file(),
            intro: hint(&addr.to_string(), &user, &password, args.submission),
            lesson: None,
            display: args.display,
            lmtp: false,
            mx: None,
            hint_resolver: None,
            auth: Default::default(),
        })
        .await;
        let mut stored = 0;
        let quick = std::time::Duration::from_millis(50);
        while let Ok(Some(message)) = tokio::time::timeout(quick, messages.recv()).await {
            stored += 1;
            crate::outln!(
                "The sandbox stored a message ({} bytes, from <{}>) as {} (temporary: it goes \
                 when the demo ends; `smtpx serve --maildir DIR` keeps messages).",
                message.size,
                message.from,
                message.path.display()
            );
        }
        if stored == 0 {
            crate::outln!("The sandbox stored no message.");
        }
        handle.shutdown().await;
        return code;
    }
    crate::outln!("smtpx demo — a sandbox SMTP server is running on {addr} (loopback only).");
    crate::outln!(
        "Demo credentials: user {user}, password {password}; its CA certificate: {}",
        handle.ca_pem_path().display()
    );
    crate::outln!(
        "Running a whole submission against it (the same as: smtpx probe {addr} --starttls \
         --ca-file {} --auth plain --user {user} --password-env SMTPX_DEMO_PASSWORD \
         --to demo@localhost):",
        handle.ca_pem_path().display()
    );
    crate::outln!();

    let probe = ProbePlan {
        connect: demo_connection(addr, handle.ca_pem_path()),
        mx: None,
        resolver: Default::default(),
        credentials: Some(Credentials {
            mechanism: Some(Mechanism::Plain),
            user: user.clone(),
            secret: Zeroizing::new(password),
        }),
        allow_insecure_auth: false,
        from: Some(format!("{user}@localhost")),
        to: vec!["demo@localhost".into()],
        message: MessagePlan::Built {
            body: Some(
                "Hello from smtpx demo.\n.A line starting with a dot is dot-stuffed on the wire."
                    .into(),
            ),
            subject: "smtpx demo".into(),
            headers: Vec::new(),
            html: None,
            attachments: Vec::new(),
        },
        bdat: None,
        // One step at a time, DATA with its dot-stuffing: the demo shows the classic
        // session.
        pipeline: false,
        require_pipelining: false,
        envelope: Default::default(),
        quit_after: None,
        lmtp: false,
        helo: false,
        xclient: Vec::new(),
        print: PrintOptions::default(),
        record: RecordOptions::default_file(),
    };
    let stage = crate::probe::run(probe).await;
    crate::outln!();
    let stored = tokio::time::timeout(std::time::Duration::from_secs(2), messages.recv()).await;
    match stored {
        Ok(Some(message)) => {
            crate::outln!(
                "The sandbox stored the message ({} bytes, from <{}> to {} recipient(s)) as {} — it reads:",
                message.size,
                message.from,
                message.recipients.len(),
                message.path.display()
            );
            if let Ok(bytes) = std::fs::read(&message.path) {
                for line in bytes.split(|&b| b == b'\n') {
                    let line = line.strip_suffix(b"\r").unwrap_or(line);
                    crate::outln!("  | {}", crate::proto::text::escape_bytes(line));
                }
            }
            crate::outln!(
                "(The demo's maildir is temporary; `smtpx serve --maildir DIR` keeps messages.)"
            );
        }
        _ => crate::outln!("The sandbox stored no message."),
    }
    crate::outln!(
        "Try it yourself: `smtpx serve` in one terminal (it prints its CA path and credentials), \
         then `smtpx probe 127.0.0.1:2525 --starttls --ca-file CA.pem --auth plain --user demo \
         --to you@localhost` in another."
    );
    handle.shutdown().await;
    ExitCode::from(stage.exit_code())
}

/// The sandbox's address with STARTTLS required, verified as `localhost` against the
/// sandbox's own CA.
fn demo_connection(addr: std::net::SocketAddr, ca: &std::path::Path) -> ConnectPlan {
    let target = Target {
        host: addr.ip().to_string(),
        port: addr.port(),
    };
    let tls = TlsOptions {
        verify_name: Some("localhost".into()),
        ca_file: Some(ca.to_path_buf()),
        ..TlsOptions::default()
    };
    let mut plan = ConnectPlan::new(
        target,
        TlsMode::StartTlsRequired,
        tls,
        Duration::from_secs(10),
    );
    plan.ehlo = Some("demo.client.localhost".into());
    plan
}

/// What to type, shown at the top of the explorer's transcript.
fn hint(addr: &str, user: &str, password: &str, submission: bool) -> Vec<String> {
    use base64::Engine;
    let plain = base64::engine::general_purpose::STANDARD
        .encode(format!("\0{user}\0{password}").as_bytes());
    let manners = if submission {
        "  It behaves as a submission port (RFC 6409): AUTH is offered only inside TLS and \
         mail only after AUTH, so compare the two EHLO replies. `smtpx demo --open` offers \
         AUTH in plaintext and takes mail without it."
    } else {
        "  Open manners (--open): AUTH is offered before STARTTLS and mail is taken without \
         AUTH; plain `smtpx demo` behaves as a submission port."
    };
    vec![
        format!("smtpx demo: sandbox SMTP server on {addr}. Try typing:"),
        "  EHLO me · STARTTLS · EHLO me".to_string(),
        format!("  AUTH PLAIN {plain}  ({user} / {password}) — or F4 for the AUTH form"),
        format!("  MAIL FROM:<{user}@localhost> · RCPT TO:<you@localhost> · DATA"),
        "  then message lines, a lone . to send — or F5 to compose the whole transaction"
            .to_string(),
        "  QUIT. Esc explains any line, F6 shows the timeline, F7 the sequence diagram, F1 \
         help, Ctrl-C leaves"
            .to_string(),
        manners.to_string(),
    ]
}

/// What `smtpx learn` is asked to do.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct LearnPlan {
    /// The lesson to start (number, id or a unique part of its name); none: list them.
    pub lesson: Option<String>,
    /// A teacher's own lessons instead of the built-in ones.
    pub lessons: Option<std::path::PathBuf>,
    /// `--theme`, `--presenter`.
    pub display: crate::app::Display,
}

/// `smtpx learn`: the lesson list with what is finished, or one lesson in the explorer on a
/// sandbox started with the behaviour the lesson needs.
pub async fn learn(plan: LearnPlan) -> ExitCode {
    let lessons = match &plan.lessons {
        Some(dir) => crate::learn::load_dir(dir),
        None => crate::learn::builtin(),
    };
    let lessons = match lessons {
        Ok(lessons) if !lessons.is_empty() => lessons,
        Ok(_) => {
            eprintln!("smtpx learn: no lessons (*.toml) found");
            return ExitCode::from(2);
        }
        Err(e) => {
            eprintln!(
                "smtpx learn: {}",
                crate::proto::text::escape_str(&e.to_string())
            );
            return ExitCode::from(2);
        }
    };
    let done = || {
        crate::learn::progress::path()
            .map(|p| crate::learn::progress::load(&p))
            .unwrap_or_default()
    };
    let Some(name) = plan.lesson else {
        // On a terminal: the list, a lesson from it, and the list again when it ends.
        if crate::tui::without_terminal("learn").is_none() {
            return lesson_list(&lessons, plan.display, done).await;
        }
        let done = done();
        crate::outln!("Lessons (smtpx learn N starts one; each runs on a sandbox of its own):");
        for (i, lesson) in lessons.iter().enumerate() {
            let mark = if done.contains(&lesson.id) {
                "✓"
            } else {
                " "
            };
            crate::outln!(
                "{mark} {:>2}. {} — {}",
                i + 1,
                crate::proto::text::escape_str(&lesson.title),
                crate::proto::text::escape_str(&lesson.goal)
            );
        }
        crate::outln!(
            "{} of {} finished.",
            done.len().min(lessons.len()),
            lessons.len()
        );
        return ExitCode::SUCCESS;
    };
    let Some(lesson) = crate::learn::find(&lessons, &name).cloned() else {
        eprintln!(
            "smtpx learn: no lesson {:?}; `smtpx learn` lists them",
            crate::proto::text::escape_str(&name)
        );
        return ExitCode::from(2);
    };
    if let Some(message) = crate::tui::without_terminal("learn") {
        eprintln!("{message}");
        return ExitCode::from(crate::tui::EXIT_UNUSABLE);
    }
    run_lesson(lesson, plan.display).await
}

/// The lesson list on the terminal: Enter runs the chosen lesson in the explorer, and the
/// list comes back, ticked, when it ends; q leaves.
async fn lesson_list(
    lessons: &[crate::learn::Lesson],
    display: crate::app::Display,
    done: impl Fn() -> std::collections::BTreeSet<String>,
) -> ExitCode {
    use crate::app::lessons::{LessonMenu, MenuItem};
    let finished = done();
    let mut menu = LessonMenu::new(
        lessons
            .iter()
            .map(|l| MenuItem {
                title: l.title.clone(),
                goal: l.goal.clone(),
                done: finished.contains(&l.id),
            })
            .collect(),
    );
    loop {
        match crate::tui::lessons::pick(&mut menu, display).await {
            crate::tui::lessons::Picked::Lesson(index) => {
                let Some(lesson) = lessons.get(index).cloned() else {
                    continue;
                };
                let code = run_lesson(lesson, display).await;
                if code != ExitCode::SUCCESS {
                    return code;
                }
                let finished = done();
                menu.refresh(|i| lessons.get(i).is_some_and(|l| finished.contains(&l.id)));
            }
            crate::tui::lessons::Picked::Leave(code) => return code,
        }
    }
}

/// One lesson in the explorer, on a sandbox started with the behaviour it needs.
async fn run_lesson(lesson: crate::learn::Lesson, display: crate::app::Display) -> ExitCode {
    let config = lesson_sandbox(&lesson.sandbox);
    let handle = match sandbox::start(config).await {
        Ok(handle) => handle,
        Err(e) => {
            eprintln!("smtpx learn: cannot start the sandbox server: {e:#}");
            return ExitCode::from(3);
        }
    };
    let user = handle.credentials().user.clone();
    let password = handle.credentials().password.clone();
    let mut connect = demo_connection(handle.plain_addr(), handle.ca_pem_path());
    if lesson.sandbox.implicit_tls
        && let Some(addr) = handle.tls_addr()
    {
        connect.target.port = addr.port();
        connect.tls_mode = TlsMode::Implicit;
    }
    let code = crate::tui::run(ExplorerPlan {
        connect,
        record: RecordOptions::default_file(),
        intro: vec![format!(
            "smtpx learn: sandbox SMTP server on loopback; its account is {user} / {password}."
        )],
        lesson: Some(lesson),
        display,
        lmtp: false,
        mx: None,
        hint_resolver: None,
        auth: Default::default(),
    })
    .await;
    handle.shutdown().await;
    code
}

/// The sandbox a lesson needs.
pub fn lesson_sandbox(needs: &crate::learn::SandboxNeeds) -> SandboxConfig {
    let mut config = SandboxConfig {
        submission: needs.submission,
        ..SandboxConfig::default()
    };
    config.behaviours.greylist = needs.greylist;
    config.behaviours.local_domains = needs.local_domains.clone();
    if needs.implicit_tls {
        config.tls_listen = Some(std::net::SocketAddr::from(([127, 0, 0, 1], 0)));
    }
    config
}
