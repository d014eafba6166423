//! No credential in any file smtpx writes: an AUTH session run every way a person can —
//! the probe recording to its default place and to a named file, the explorer in a real
//! terminal (tmux) with its history and `/save`, and `export` of the transcript in every
//! format — with HOME and every XDG directory in a fresh temporary directory; then every
//! file under it is searched for the password and its base64 forms (PLAIN's
//! `\0user\0password`, LOGIN's password; padded, unpadded and URL-safe). The one documented
//! opt-in, `--record-secrets`, keeps them — and says so where the transcript is named.
//!
//! The explorer part needs tmux; CI installs it (a missing tmux fails there).

mod support;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use base64::Engine;
use base64::engine::general_purpose::{STANDARD, STANDARD_NO_PAD, URL_SAFE, URL_SAFE_NO_PAD};
use smtpx::sandbox::{self, Credentials, SandboxConfig};
use support::tmux::{Tmux, explorer_command, tmux_available};

const USER: &str = "demo";
const PASSWORD: &str = "Zq7-unique-Pw-4711";

/// HOME and the XDG directories, all under one temporary directory.
struct Home {
    root: tempfile::TempDir,
}

impl Home {
    fn new() -> Home {
        Home {
            root: tempfile::tempdir().expect("temp dir"),
        }
    }

    fn path(&self) -> &Path {
        self.root.path()
    }

    fn vars(&self) -> Vec<(&'static str, PathBuf)> {
        let root = self.path();
        vec![
            ("HOME", root.join("home")),
            ("XDG_STATE_HOME", root.join("state")),
            ("XDG_CONFIG_HOME", root.join("config")),
            ("XDG_DATA_HOME", root.join("data")),
            ("XDG_CACHE_HOME", root.join("cache")),
        ]
    }

    /// `VAR=value …` for a shell command line.
    fn env_words(&self) -> String {
        self.vars()
            .iter()
            .map(|(k, v)| format!("{k}={}", v.display()))
            .collect::<Vec<_>>()
            .join(" ")
    }

    /// `smtpx args…` with this home and the password in `SMTPX_PW` (off the async runtime,
    /// so the in-process sandbox keeps serving).
    async fn smtpx(&self, args: Vec<String>) -> Output {
        let vars = self.vars();
        tokio::task::spawn_blocking(move || {
            Command::new(env!("CARGO_BIN_EXE_smtpx"))
                .env_clear()
                .env("PATH", std::env::var_os("PATH").unwrap_or_default())
                .envs(vars)
                .env("SMTPX_PW", PASSWORD)
                .args(&args)
                .output()
                .expect("run smtpx")
        })
        .await
        .expect("smtpx task")
    }
}

/// The password and every base64 form of it a SASL exchange puts on the wire.
fn secret_forms() -> Vec<String> {
    let plain = format!("\0{USER}\0{PASSWORD}");
    let mut forms = vec![PASSWORD.to_string()];
    for payload in [PASSWORD.as_bytes(), plain.as_bytes()] {
        for engine in [&STANDARD, &STANDARD_NO_PAD, &URL_SAFE, &URL_SAFE_NO_PAD] {
            forms.push(engine.encode(payload));
        }
    }
    forms.sort();
    forms.dedup();
    forms
}

/// Every regular file under `dir`, walked by hand (links are not followed).
fn files_under(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut todo = vec![dir.to_path_buf()];
    while let Some(dir) = todo.pop() {
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        for entry in entries.flatten() {
            let Ok(kind) = entry.file_type() else {
                continue;
            };
            if kind.is_dir() {
                todo.push(entry.path());
            } else if kind.is_file() {
                out.push(entry.path());
            }
        }
    }
    out
}

/// The files under `dir` that hold any of `forms`, with the form found.
fn leaks(dir: &Path, forms: &[String]) -> Vec<(PathBuf, String)> {
    let mut found = Vec::new();
    for file in files_under(dir) {
        let bytes = std::fs::read(&file).unwrap_or_default();
        for form in forms {
            if bytes.windows(form.len()).any(|w| w == form.as_bytes()) {
                found.push((file.clone(), form.clone()));
            }
        }
    }
    found
}

fn args(list: &[&str]) -> Vec<String> {
    list.iter().map(|s| s.to_string()).collect()
}

/// A probe that logs in with `mechanism` over verified STARTTLS and sends a message.
fn probe_args(sandbox: &sandbox::SandboxHandle, mechanism: &str, extra: &[&str]) -> Vec<String> {
    let mut a = args(&[
        "probe",
        &sandbox.plain_addr().to_string(),
        "--starttls",
        "--verify-name",
        "localhost",
        "--ca-file",
        &sandbox.ca_pem_path().display().to_string(),
        "--auth",
        mechanism,
        "--user",
        USER,
        "--password-env",
        "SMTPX_PW",
        "--from",
        "a@client.test",
        "--to",
        "b@example.test",
        "--timeout",
        "10",
    ]);
    a.extend(args(extra));
    a
}

async fn start_sandbox() -> sandbox::SandboxHandle {
    let config = SandboxConfig {
        credentials: Credentials {
            user: USER.into(),
            password: PASSWORD.into(),
            oauth_token: None,
        },
        ..SandboxConfig::default()
    };
    sandbox::start(config).await.expect("start the sandbox")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_file_smtpx_writes_holds_the_password_or_its_base64() {
    if !tmux_available() {
        return;
    }
    let sandbox = start_sandbox().await;
    let home = Home::new();
    let named = home.path().join("named.jsonl");

    // The probe: PLAIN to the default place, LOGIN to a named file.
    for (mechanism, extra) in [
        ("plain", vec![]),
        ("login", vec!["--record", named.to_str().expect("utf-8")]),
    ] {
        let output = home.smtpx(probe_args(&sandbox, mechanism, &extra)).await;
        let stdout = String::from_utf8_lossy(&output.stdout);
        assert_eq!(output.status.code(), Some(0), "{mechanism}:\n{stdout}");
        assert!(stdout.contains("S~ 235"), "{stdout}");
        assert!(stdout.contains("transcript saved to"), "{stdout}");
    }

    // The explorer: AUTH LOGIN typed by hand, history kept, the transcript /saved.
    let saved = home.path().join("saved.txt");
    let tmux = Tmux::new("secrets");
    let t = "secrets";
    let explore_args = format!(
        "{} --starttls --verify-name localhost --ca-file {}",
        sandbox.plain_addr(),
        sandbox.ca_pem_path().display()
    );
    tmux.start(
        t,
        110,
        50,
        &explorer_command(&home.path().join("pid"), &home.env_words(), &explore_args),
    );
    tmux.wait_for(t, &["S< 220"]).await;
    tmux.type_line(t, "EHLO x");
    tmux.wait_for(t, &["250-STARTTLS"]).await;
    tmux.type_line(t, "STARTTLS");
    tmux.wait_for(t, &["TLS1.3 VERIFIED"]).await;
    tmux.type_line(t, "EHLO x");
    tmux.wait_for(t, &["S~ 250-localhost"]).await;
    tmux.type_line(t, "AUTH LOGIN");
    tmux.wait_for(t, &["334 VXNlcm5hbWU6"]).await;
    tmux.type_line(t, &STANDARD.encode(USER));
    tmux.wait_for(t, &["334 UGFzc3dvcmQ6"]).await;
    tmux.type_line(t, &STANDARD.encode(PASSWORD));
    tmux.wait_for(t, &["S~ 235"]).await;
    tmux.type_line(t, &format!("/save {}", saved.display()));
    tmux.wait_until("the /save file", || saved.exists()).await;
    tmux.type_line(t, "/quit");
    tmux.wait_for(t, &["EXITED 0"]).await;

    // Every transcript, exported in every format.
    let transcripts: Vec<PathBuf> = files_under(home.path())
        .into_iter()
        .filter(|f| f.extension().is_some_and(|e| e == "jsonl"))
        .collect();
    assert!(
        transcripts.len() >= 3,
        "the probe's two and the explorer's: {transcripts:?}"
    );
    for (i, transcript) in transcripts.iter().enumerate() {
        for format in ["text", "markdown", "json"] {
            let out = home.path().join(format!("export-{i}.{format}"));
            let output = home
                .smtpx(args(&[
                    "export",
                    "--format",
                    format,
                    transcript.to_str().expect("utf-8"),
                    "-o",
                    out.to_str().expect("utf-8"),
                ]))
                .await;
            assert!(output.status.success(), "export {format}: {output:?}");
            assert!(out.exists(), "{}", out.display());
        }
    }
    let history = home.path().join("state/smtpx/history");
    let history = std::fs::read_to_string(&history)
        .unwrap_or_else(|e| panic!("the history at {}: {e}", history.display()));
    assert!(history.contains("AUTH LOGIN"), "{history}");
    assert!(saved.exists());

    let forms = secret_forms();
    let found = leaks(home.path(), &forms);
    assert!(found.is_empty(), "secrets on disk: {found:?}");
    assert!(
        files_under(home.path()).len() >= 10,
        "every file was searched: {:?}",
        files_under(home.path())
    );
    sandbox.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn record_secrets_keeps_them_and_says_so() {
    let sandbox = start_sandbox().await;
    let home = Home::new();
    let record = home.path().join("with-secrets.jsonl");
    let output = home
        .smtpx(probe_args(
            &sandbox,
            "plain",
            &[
                "--record",
                record.to_str().expect("utf-8"),
                "--record-secrets",
            ],
        ))
        .await;
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert_eq!(output.status.code(), Some(0), "{stdout}");
    assert!(
        stdout.contains("HOLDS SECRETS (--record-secrets)"),
        "the marker where the transcript is named:\n{stdout}"
    );
    // The opt-in does what it says: the transcript keeps PLAIN's base64.
    let found = leaks(home.path(), &secret_forms());
    assert!(
        found.iter().any(|(file, _)| file == &record),
        "the secrets are in the transcript: {found:?}"
    );
    sandbox.shutdown().await;
}
