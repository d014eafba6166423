//! The password never shows: not as itself, not as the base64 PLAIN payload, not as
//! LOGIN's base64, not as the CRAM-MD5 response — in the transcript, `smtpx export` (every
//! format), the probe's stdout/stderr, its command line, or the explorer's screen.

use std::time::Duration;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use smtpx::net::TlsOptions;

use super::harness::{PASSWORD, probe, probe_gated, probe_text, scratch, tui};
use crate::strs;
use crate::support::tmux::{Tmux, tmux_available};
use crate::support::{Event, Gate, ScriptedServer, Step, reply};

const USER: &str = "me@client.test";

/// A server that accepts `mechanism` and reports what the client sent.
fn auth_server(mechanism: &str, gate: Gate) -> Vec<Step> {
    let mut steps = vec![
        // Held until the test has read the probe's command line.
        Step::Wait(gate),
        Step::send("220 mx.test ESMTP\r\n"),
        Step::expect("EHLO"),
        Step::Send(reply(250, &["mx.test", "AUTH PLAIN LOGIN CRAM-MD5"])),
        Step::expect("AUTH"),
    ];
    match mechanism {
        "plain" => {}
        // The username goes with AUTH LOGIN as an initial response (RFC 4954 §4).
        "login" => steps.extend([Step::send("334 UGFzc3dvcmQ6\r\n"), Step::expect("")]),
        _ => steps.extend([
            Step::send("334 PDE4OTYuNjk3MTcwOTUyQHBvc3RvZmZpY2UuZXhhbXBsZS5uZXQ+\r\n"),
            Step::expect(""),
        ]),
    }
    steps.extend([
        Step::send("235 2.7.0 ok\r\n"),
        Step::expect("QUIT"),
        Step::send("221 bye\r\n"),
        Step::Close,
    ]);
    steps
}

/// The forms the secret takes on the wire: the password, and every line the client sent
/// from AUTH on (PLAIN's payload, LOGIN's base64 password, CRAM-MD5's response).
fn secret_forms(events: &[Event]) -> Vec<String> {
    let mut forms = vec![
        PASSWORD.to_string(),
        STANDARD.encode(PASSWORD),
        STANDARD.encode(format!("\0{USER}\0{PASSWORD}")),
    ];
    let lines: Vec<String> = events.iter().filter_map(Event::line).collect();
    let auth = lines
        .iter()
        .position(|l| l.starts_with("AUTH"))
        .expect("the client sent AUTH");
    for line in &lines[auth..] {
        let line = line.trim_end();
        if line.starts_with("QUIT") {
            break;
        }
        let payload = line.rsplit(' ').next().unwrap_or(line);
        let mechanism = ["LOGIN", "PLAIN", "CRAM-MD5"]
            .iter()
            .any(|m| payload.eq_ignore_ascii_case(m));
        if payload.len() >= 8 && !mechanism {
            forms.push(payload.to_string());
            // CRAM-MD5: "user hexdigest" inside the base64.
            if let Ok(decoded) = STANDARD.decode(payload) {
                let text = String::from_utf8_lossy(&decoded).into_owned();
                if let Some(digest) = text.strip_prefix(&format!("{USER} ")) {
                    forms.push(digest.to_string());
                }
            }
        }
    }
    forms
}

fn assert_absent(what: &str, haystack: &str, forms: &[String]) {
    for form in forms {
        assert!(
            !haystack.contains(form.as_str()),
            "the secret {form:?} appears in {what}:\n{haystack}"
        );
    }
}

fn export(path: &std::path::Path, format: &str) -> String {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_smtpx"))
        .env(
            "XDG_STATE_HOME",
            concat!(env!("CARGO_TARGET_TMPDIR"), "/xdg-state"),
        )
        .args(["export", "--format", format])
        .arg(path)
        .output()
        .expect("run smtpx export");
    assert!(out.status.success(), "export failed: {out:?}");
    String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr)
}

/// [`auth_server`] with its gate already open: for clients whose command line is not
/// checked.
fn open_auth_server(mechanism: &str) -> Vec<Step> {
    let gate = Gate::default();
    gate.open();
    auth_server(mechanism, gate)
}

async fn check_mechanism(mechanism: &str, from_file: bool) {
    let gate = Gate::default();
    let mut server = ScriptedServer::start(auth_server(mechanism, gate.clone())).await;
    let password_file = scratch("password");
    std::fs::write(&password_file, format!("{PASSWORD}\n")).expect("write password file");
    let mut args = vec![
        server.addr.to_string(),
        "--ehlo".into(),
        "client.test".into(),
        "--timeout".into(),
        "2".into(),
        "--no-starttls".into(),
        "--allow-insecure-auth".into(),
        "--auth".into(),
        mechanism.into(),
        "--user".into(),
        USER.into(),
        "--quit-after".into(),
        "auth".into(),
    ];
    if from_file {
        args.extend([
            "--password-file".into(),
            password_file.display().to_string(),
        ]);
    } else {
        args.extend(["--password-env".into(), "HOSTILE_PW".into()]);
    }
    let run = probe_gated(&strs(&args), &[("HOSTILE_PW", PASSWORD)], gate).await;
    assert_eq!(run.code, Some(0), "{}\n{}", run.stdout, run.stderr);
    let events = server.finish().await;
    let forms = secret_forms(&events);
    assert!(forms.len() > 3, "no AUTH payload seen: {events:?}");

    assert_absent("the probe's JSON output", &run.stdout, &forms);
    assert_absent("the probe's stderr", &run.stderr, &forms);
    assert!(!run.cmdlines.is_empty(), "the command line was never read");
    for cmdline in &run.cmdlines {
        assert_absent("the command line", cmdline, &forms);
    }
    let recorded =
        String::from_utf8_lossy(&std::fs::read(&run.record).expect("transcript")).into_owned();
    assert_absent("the transcript file", &recorded, &forms);
    for format in ["text", "markdown", "json"] {
        assert_absent(
            &format!("smtpx export --format {format}"),
            &export(&run.record, format),
            &forms,
        );
    }

    let server = ScriptedServer::start(open_auth_server(mechanism)).await;
    args[0] = server.addr.to_string();
    let run = probe_text(&strs(&args), &[("HOSTILE_PW", PASSWORD)]).await;
    assert_eq!(run.code, Some(0), "{}", run.stdout);
    assert_absent("the probe's text output", &run.stdout, &forms);
    assert_absent("the probe's stderr", &run.stderr, &forms);
    drop(server);

    // The explorer: the person types the secret lines; the screen shows them masked.
    let typed: Vec<String> = match mechanism {
        "plain" => vec![format!(
            "AUTH PLAIN {}",
            STANDARD.encode(format!("\0{USER}\0{PASSWORD}"))
        )],
        "login" => vec![
            format!("AUTH LOGIN {}", STANDARD.encode(USER)),
            STANDARD.encode(PASSWORD),
        ],
        _ => {
            let cram = forms.last().cloned().unwrap_or_default();
            vec![
                "AUTH CRAM-MD5".into(),
                STANDARD.encode(format!("{USER} {cram}")),
            ]
        }
    };
    let mut lines = vec!["EHLO me".to_string()];
    lines.extend(typed);
    let server = ScriptedServer::start(open_auth_server(mechanism)).await;
    let mut ui = tui(
        server.target(),
        TlsOptions::default(),
        &strs(&lines),
        Duration::from_millis(200),
    )
    .await;
    assert_absent("the explorer's entries", &ui.text(), &forms);
    assert_absent("the explorer's screen", &ui.screen(120, 40), &forms);
    assert!(ui.text().contains("235"), "{}", ui.text());
}

#[tokio::test]
async fn password_never_appears_with_auth_plain() {
    check_mechanism("plain", false).await;
}

#[tokio::test]
async fn password_never_appears_with_auth_login() {
    check_mechanism("login", true).await;
}

#[tokio::test]
async fn password_never_appears_with_auth_cram_md5() {
    check_mechanism("cram-md5", false).await;
}

/// The probe asks for the password on the terminal (no `--password-env`/`--password-file`):
/// while it waits, its command line holds no secret; what the person types is not echoed;
/// and nothing on the screen or in the transcript afterwards shows any form of it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn password_typed_at_the_prompt_never_appears_on_screen_or_command_line() {
    if !tmux_available() {
        return;
    }
    // The password is asked for before connecting, so nothing needs holding here.
    let mut server = ScriptedServer::start(open_auth_server("login")).await;
    let record = scratch("prompt.jsonl");
    let pid_file = scratch("prompt.pid");
    let command = format!(
        "sh -c 'echo $$ > {pid}; exec env XDG_STATE_HOME={state} NO_COLOR=1 {bin} probe {addr} \
         --ehlo client.test --timeout 5 --no-starttls --allow-insecure-auth --auth login --user {USER} \
         --quit-after auth --record {record}'; echo EXITED $?; sleep 60",
        pid = pid_file.display(),
        state = concat!(env!("CARGO_TARGET_TMPDIR"), "/xdg-state"),
        bin = env!("CARGO_BIN_EXE_smtpx"),
        addr = server.addr,
        record = record.display(),
    );
    let tmux = Tmux::new("prompt");
    tmux.start("pw", 160, 40, &command);
    tmux.wait_for("pw", &[&format!("Password for {USER}:")])
        .await;
    let pid = std::fs::read_to_string(&pid_file).expect("the probe's pid");
    let cmdline = std::fs::read(format!("/proc/{}/cmdline", pid.trim())).expect("cmdline");
    let cmdline = String::from_utf8_lossy(&cmdline).replace('\0', " ");
    assert!(cmdline.contains("--auth login"), "not the probe: {cmdline}");
    tmux.keys("pw", &["-l", PASSWORD]);
    tmux.keys("pw", &["Enter"]);
    let screen = tmux.wait_for("pw", &["EXITED 0"]).await;
    let events = server.finish().await;
    let forms = secret_forms(&events);
    assert!(forms.len() > 3, "no AUTH payload seen: {events:?}");
    assert_absent("the command line", &cmdline, &forms);
    assert_absent("the terminal", &screen, &forms);
    let recorded =
        String::from_utf8_lossy(&std::fs::read(&record).expect("transcript")).into_owned();
    assert_absent("the transcript file", &recorded, &forms);
    for format in ["text", "markdown", "json"] {
        assert_absent(
            &format!("smtpx export --format {format}"),
            &export(&record, format),
            &forms,
        );
    }
}

/// `smtpx serve` logs every command a client sends: SASL payloads must not be among them,
/// for any mechanism.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sandbox_log_never_shows_the_password_for_any_mechanism() {
    use smtpx::sandbox::{self, SandboxConfig};
    let sandbox = sandbox::start(SandboxConfig::default())
        .await
        .expect("start the sandbox");
    let credentials = sandbox.credentials().clone();
    let mut log = sandbox.log_events();
    let mut forms = vec![
        credentials.password.clone(),
        STANDARD.encode(&credentials.password),
        STANDARD.encode(format!("\0{}\0{}", credentials.user, credentials.password)),
    ];
    for mechanism in ["plain", "login", "cram-md5"] {
        let args = [
            sandbox.plain_addr().to_string(),
            "--starttls".into(),
            "--ca-file".into(),
            sandbox.ca_pem_path().display().to_string(),
            "--auth".into(),
            mechanism.into(),
            "--user".into(),
            credentials.user.clone(),
            "--password-env".into(),
            "SANDBOX_PW".into(),
            "--quit-after".into(),
            "auth".into(),
        ];
        let run = probe(
            &strs(&args),
            &[("SANDBOX_PW", credentials.password.as_str())],
        )
        .await;
        assert_eq!(
            run.code,
            Some(0),
            "{mechanism}: {}\n{}",
            run.stdout,
            run.stderr
        );
        assert_absent("the probe's output", &run.stdout, &forms);
    }
    let mut lines = Vec::new();
    while let Ok(event) = log.try_recv() {
        lines.push(event.to_string());
    }
    let log = lines.join("\n");
    assert!(
        log.contains("C: AUTH CRAM-MD5"),
        "the log missed the AUTH: {log}"
    );
    // LOGIN's base64 user name travels like the password: not in the log either.
    forms.push(STANDARD.encode(&credentials.user));
    assert_absent("the sandbox's log", &log, &forms);
    sandbox.shutdown().await;
}
