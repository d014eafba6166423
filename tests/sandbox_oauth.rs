//! XOAUTH2 and OAUTHBEARER ([RFC 7628](https://www.rfc-editor.org/rfc/rfc7628)) end to end:
//! the real `smtpx probe` against the sandbox with a bearer token configured (what
//! `smtpx serve --oauth-token-file` sets), over verified STARTTLS. The right token logs in;
//! a wrong one gets the JSON error challenge, decoded in the probe's output, answered as
//! each mechanism wants, then 535 — and the token never reaches the output.

mod support;

use smtpx::sandbox::{self, Credentials, SandboxConfig};
use support::probe::run_probe;

const TOKEN: &str = "ya29.sandbox-bearer-token";

async fn start_sandbox() -> sandbox::SandboxHandle {
    let config = SandboxConfig {
        credentials: Credentials {
            oauth_token: Some(TOKEN.into()),
            ..Credentials::default()
        },
        ..SandboxConfig::default()
    };
    sandbox::start(config).await.expect("start the sandbox")
}

/// `smtpx probe --json` logging in with `mechanism` and the token `token`; returns the exit
/// code, the events and the raw output.
async fn login(
    sandbox: &sandbox::SandboxHandle,
    mechanism: &str,
    token: &str,
) -> (i32, Vec<serde_json::Value>, String) {
    login_recorded(sandbox, mechanism, token, None).await
}

/// As [`login`], recording the transcript to `record` (`None`: not recorded).
async fn login_recorded(
    sandbox: &sandbox::SandboxHandle,
    mechanism: &str,
    token: &str,
    record: Option<&std::path::Path>,
) -> (i32, Vec<serde_json::Value>, String) {
    let record_args = match record {
        Some(path) => vec!["--record".to_owned(), path.display().to_string()],
        None => vec!["--no-record".to_owned()],
    };
    let args: Vec<String> = [
        &sandbox.plain_addr().to_string(),
        "--starttls",
        "--verify-name",
        "localhost",
        "--ca-file",
        &sandbox.ca_pem_path().display().to_string(),
        "--auth",
        mechanism,
        "--user",
        "demo",
        "--password-env",
        "SMTPX_TOKEN",
        "--quit-after",
        "auth",
        "--json",
        "--timeout",
        "10",
    ]
    .iter()
    .map(|s| s.to_string())
    .chain(record_args)
    .collect();
    let output = run_probe(args, &[("SMTPX_TOKEN", token)], None).await;
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    let events = stdout
        .lines()
        .filter_map(|l| serde_json::from_str(l).ok())
        .collect();
    (output.status.code().unwrap_or(-1), events, stdout)
}

fn codes(events: &[serde_json::Value]) -> Vec<i64> {
    events
        .iter()
        .filter(|e| e["event"] == "reply")
        .filter_map(|e| e["code"].as_i64())
        .collect()
}

#[tokio::test]
async fn both_bearer_mechanisms_log_in_with_the_right_token() {
    let sandbox = start_sandbox().await;
    for mechanism in ["xoauth2", "oauthbearer"] {
        let (code, events, stdout) = login(&sandbox, mechanism, TOKEN).await;
        assert_eq!(code, 0, "{mechanism}: {stdout}");
        assert!(codes(&events).contains(&235), "{mechanism}: {stdout}");
        assert!(
            stdout.contains("XOAUTH2 OAUTHBEARER"),
            "advertised: {stdout}"
        );
        assert!(!stdout.contains(TOKEN), "{mechanism}: {stdout}");
    }
}

#[tokio::test]
async fn a_wrong_token_gets_the_json_error_decoded_then_535() {
    let sandbox = start_sandbox().await;
    for (mechanism, status, answer) in [
        ("xoauth2", "OAuth error: 401", ""),
        ("oauthbearer", "OAuth error: invalid_token", "AQ=="),
    ] {
        let wrong = "ya29.not-the-token";
        let (code, events, stdout) = login(&sandbox, mechanism, wrong).await;
        assert_eq!(code, 24, "{mechanism}: {stdout}");
        let decoded: Vec<&str> = events
            .iter()
            .filter_map(|e| e["decoded"].as_str())
            .collect();
        assert!(
            decoded.iter().any(|d| d.starts_with(status)),
            "{mechanism}: {stdout}"
        );
        assert!(
            codes(&events).ends_with(&[334, 535, 221]),
            "{mechanism}: {stdout}"
        );
        assert!(!stdout.contains(wrong), "{mechanism}: {stdout}");
        // The AUTH line and the answer to the error challenge (the mechanism's dummy
        // response) both go as SASL lines, redacted like every one.
        let secret_lines = events
            .iter()
            .filter(|e| e["event"] == "sent" && e["secret"] == true)
            .count();
        assert_eq!(secret_lines, 2, "{mechanism} ({answer:?}): {stdout}");
    }
}

#[tokio::test]
async fn a_recorded_oauthbearer_session_keeps_neither_the_token_nor_its_base64() {
    use base64::Engine as _;
    let sandbox = start_sandbox().await;
    let dir = tempfile::tempdir().expect("temp dir");
    for mechanism in ["oauthbearer", "xoauth2"] {
        let path = dir.path().join(format!("{mechanism}.smtpx"));
        let (code, _, stdout) = login_recorded(&sandbox, mechanism, TOKEN, Some(&path)).await;
        assert_eq!(code, 0, "{mechanism}: {stdout}");
        let transcript = std::fs::read_to_string(&path).expect("the transcript");
        let payload = match mechanism {
            "oauthbearer" => format!("n,a=demo,\x01auth=Bearer {TOKEN}\x01\x01"),
            _ => format!("user=demo\x01auth=Bearer {TOKEN}\x01\x01"),
        };
        let encoded = base64::engine::general_purpose::STANDARD.encode(payload);
        for secret in [TOKEN, encoded.as_str()] {
            assert!(
                !transcript.contains(secret),
                "{mechanism}: {secret} in the transcript:\n{transcript}"
            );
        }
        assert!(transcript.contains("AUTH"), "{transcript}");
    }
}
