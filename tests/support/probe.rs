//! Runs the real `smtpx probe` (blocking, off the async runtime) and, with `--json`, reads
//! back its events, for the integration tests that check what the probe reported.

use serde_json::Value;

/// What one `smtpx probe --json` run printed and how it ended.
pub struct ProbeRun {
    /// The exit code (-1: killed by a signal).
    pub code: i32,
    /// One JSON value per output line.
    pub events: Vec<Value>,
    pub stdout: String,
}

impl ProbeRun {
    /// The events of one kind (`reply`, `sent`, `note`, …), in order.
    pub fn of(&self, kind: &str) -> Vec<&Value> {
        self.events.iter().filter(|e| e["event"] == kind).collect()
    }

    /// The reply codes, in order.
    pub fn codes(&self) -> Vec<i64> {
        self.of("reply")
            .iter()
            .filter_map(|e| e["code"].as_i64())
            .collect()
    }

    /// The lines the probe sent, in order.
    pub fn sent(&self) -> Vec<String> {
        self.of("sent")
            .iter()
            .filter_map(|e| e["line"].as_str().map(str::to_string))
            .collect()
    }
}

/// Runs `smtpx probe <args>` (blocking, off the async runtime) with the environment `env`
/// added and `stdin` on its standard input (`None`: nothing), state under the test target
/// directory (never the real home).
pub async fn run_probe(
    args: Vec<String>,
    env: &[(&str, &str)],
    stdin: Option<Vec<u8>>,
) -> std::process::Output {
    use std::io::Write;
    use std::process::{Command, Stdio};
    let env: Vec<(String, String)> = env
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    tokio::task::spawn_blocking(move || {
        let mut child = Command::new(env!("CARGO_BIN_EXE_smtpx"))
            .env(
                "XDG_STATE_HOME",
                concat!(env!("CARGO_TARGET_TMPDIR"), "/xdg-state"),
            )
            .envs(env)
            .arg("probe")
            .args(&args)
            .stdin(if stdin.is_some() {
                Stdio::piped()
            } else {
                Stdio::null()
            })
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("run smtpx");
        if let Some(input) = stdin {
            child
                .stdin
                .take()
                .expect("stdin")
                .write_all(&input)
                .expect("write stdin");
        }
        child.wait_with_output().expect("wait for smtpx")
    })
    .await
    .expect("probe task")
}

/// Runs `smtpx probe <args> --json` as [`run_probe`] does, and reads its events.
pub async fn probe_json(mut args: Vec<String>, env: &[(&str, &str)]) -> ProbeRun {
    args.push("--json".into());
    let output = run_probe(args, env, None).await;
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    let events = stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("bad JSON {l:?}: {e}")))
        .collect();
    ProbeRun {
        code: output.status.code().unwrap_or(-1),
        events,
        stdout,
    }
}
