//! `smtpx smuggle` end to end: the binary against the sandbox, which must come out clean by
//! default and vulnerable with `--lenient-eod` (over plaintext, STARTTLS and implicit TLS),
//! and against the real Postfix of the interop suite: 10025 with Debian's 3.7 default
//! (`smtpd_forbid_bare_newline = no`) is open to exactly the variants Postfix documents for
//! CVE-2023-51764, 10028 (`= yes`) to none.

use std::collections::BTreeMap;
use std::time::Duration;

use serde_json::Value;
use smtpx::sandbox::{Behaviours, SandboxConfig, SandboxHandle};

mod support;

use support::postfix;

/// The variants that end the data at a server taking a bare LF as a line end.
const LF_VARIANTS: [&str; 3] = ["lf-dot-lf", "lf-dot-crlf", "crlf-dot-lf"];
/// The variants whose only oddity is a NUL: no bare line end anywhere.
const NUL_VARIANTS: [&str; 2] = ["crlf-nul-dot-crlf", "crlf-dot-nul-crlf"];

struct Run {
    code: Option<i32>,
    report: Value,
}

/// `smtpx smuggle <args> --json`, run off the test's runtime (the sandbox lives on it).
async fn smuggle(args: &[&str]) -> Run {
    let mut all = vec!["smuggle"];
    all.extend_from_slice(args);
    all.extend_from_slice(&["--json", "--timeout", "10", "--ehlo", "client.test"]);
    let all: Vec<String> = all.into_iter().map(String::from).collect();
    let output = tokio::task::spawn_blocking(move || {
        let args: Vec<&str> = all.iter().map(String::as_str).collect();
        postfix::smtpx(&args)
    })
    .await
    .expect("smtpx ran");
    let stdout = postfix::stdout(&output);
    let report = serde_json::from_str(&stdout).unwrap_or_else(|e| {
        panic!(
            "not one JSON document ({e}): {stdout}\nstderr: {}",
            String::from_utf8_lossy(&output.stderr)
        )
    });
    Run {
        code: output.status.code(),
        report,
    }
}

/// Variant name → outcome.
fn outcomes(report: &Value) -> BTreeMap<String, String> {
    report["variants"]
        .as_array()
        .unwrap_or_else(|| panic!("no variants: {report}"))
        .iter()
        .map(|v| {
            (
                v["name"].as_str().unwrap_or_default().to_owned(),
                v["outcome"].as_str().unwrap_or_default().to_owned(),
            )
        })
        .collect()
}

fn expected(vulnerable: &[&str], other: &str, nul: &str) -> BTreeMap<String, String> {
    smtpx::smuggle::VARIANTS
        .iter()
        .map(|v| {
            let outcome = if vulnerable.contains(&v.name) {
                "vulnerable"
            } else if NUL_VARIANTS.contains(&v.name) {
                nul
            } else {
                other
            };
            (v.name.to_owned(), outcome.to_owned())
        })
        .collect()
}

async fn sandbox(lenient_eod: bool) -> SandboxHandle {
    smtpx::sandbox::start(SandboxConfig {
        tls_listen: Some("127.0.0.1:0".parse().expect("address")),
        behaviours: Behaviours {
            lenient_eod,
            ..Behaviours::default()
        },
        ..SandboxConfig::default()
    })
    .await
    .expect("sandbox starts")
}

/// The messages the sandbox stored: subjects, in order.
async fn stored(messages: &mut smtpx::sandbox::MessageReceiver) -> Vec<String> {
    let mut subjects = Vec::new();
    while let Ok(Some(message)) =
        tokio::time::timeout(Duration::from_millis(300), messages.recv()).await
    {
        let text = std::fs::read_to_string(&message.path).expect("stored message");
        let subject = text
            .lines()
            .find_map(|line| line.strip_prefix("Subject: "))
            .unwrap_or_default();
        subjects.push(subject.to_owned());
    }
    subjects
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_default_sandbox_refuses_bare_line_ends_and_reads_nul_variants_as_data() {
    let server = sandbox(false).await;
    let mut messages = server.messages();
    let target = server.plain_addr().to_string();
    let run = smuggle(&[&target, "--to", "someone@sandbox.test"]).await;
    assert_eq!(run.code, Some(0), "{}", run.report);
    assert_eq!(run.report["verdict"], "clean");
    assert_eq!(
        outcomes(&run.report),
        expected(&[], "refused", "kept_reading")
    );
    let refusal = run.report["variants"][0]["end_of_data"].as_str().unwrap();
    assert!(
        refusal.starts_with("550 5.5.2 Error: bare <LF>"),
        "{refusal}"
    );
    // STARTTLS was used, as the sandbox offers it.
    assert!(run.report["tls"].as_str().unwrap().starts_with("TLSv1."));
    // Only the two NUL variants' first messages were delivered, whole.
    assert_eq!(
        stored(&mut messages).await,
        [
            "smtpx smuggle crlf-nul-dot-crlf: first message",
            "smtpx smuggle crlf-dot-nul-crlf: first message"
        ]
    );
    server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_lenient_sandbox_is_found_vulnerable_to_the_bare_lf_variants() {
    let server = sandbox(true).await;
    let mut messages = server.messages();
    let target = server.plain_addr().to_string();
    let run = smuggle(&[&target, "--to", "someone@sandbox.test"]).await;
    assert_eq!(run.code, Some(1), "{}", run.report);
    assert_eq!(run.report["verdict"], "vulnerable");
    assert_eq!(
        outcomes(&run.report),
        expected(&LF_VARIANTS, "kept_reading", "kept_reading")
    );
    for variant in run.report["variants"].as_array().unwrap() {
        let vulnerable = variant["outcome"] == "vulnerable";
        assert_eq!(
            variant["smuggled_accepted"] == true,
            vulnerable,
            "{variant}"
        );
        assert_eq!(
            variant["smuggled_replies"].as_array().unwrap().len(),
            if vulnerable { 4 } else { 0 },
            "{variant}"
        );
    }
    // Each vulnerable variant delivered the smuggled message as a message of its own.
    let subjects = stored(&mut messages).await;
    for name in LF_VARIANTS {
        let smuggled = format!("smtpx smuggle {name}: SMUGGLED message");
        assert!(subjects.contains(&smuggled), "{name}: {subjects:?}");
    }
    assert_eq!(
        subjects.len(),
        smtpx::smuggle::VARIANTS.len() + LF_VARIANTS.len()
    );
    server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_check_runs_over_implicit_tls_and_plaintext_and_prints_a_verdict_for_people() {
    let server = sandbox(true).await;
    let tls = server
        .tls_addr()
        .expect("implicit TLS listener")
        .to_string();
    let run = smuggle(&[
        &tls,
        "--tls-on-connect",
        "--to",
        "a@sandbox.test",
        "--variant",
        "lf-dot-crlf",
    ])
    .await;
    assert_eq!(run.code, Some(1), "{}", run.report);
    assert!(run.report["tls"].as_str().unwrap().starts_with("TLSv1."));
    let plain = server.plain_addr().to_string();
    let run = smuggle(&[
        &plain,
        "--no-starttls",
        "--to",
        "a@sandbox.test",
        "--variant",
        "cr-dot-cr",
    ])
    .await;
    assert_eq!(run.code, Some(0), "{}", run.report);
    assert_eq!(run.report["tls"], Value::Null);

    let args = [
        "smuggle".to_owned(),
        plain,
        "--to".into(),
        "a@sandbox.test".into(),
        "--variant".into(),
        "lf-dot-lf".into(),
        "--variant".into(),
        "cr-dot-cr".into(),
    ];
    let output = tokio::task::spawn_blocking(move || {
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        postfix::smtpx(&args)
    })
    .await
    .expect("smtpx ran");
    let text = postfix::stdout(&output);
    assert_eq!(output.status.code(), Some(1), "{text}");
    assert!(text.contains("VULNERABLE    lf-dot-lf  \\n.\\n"), "{text}");
    assert!(text.contains("kept reading  cr-dot-cr  \\r.\\r"), "{text}");
    assert!(
        text.contains("Verdict: VULNERABLE to SMTP smuggling: 1 of 2"),
        "{text}"
    );
    assert!(text.contains("Inbound smuggling:"), "{text}");
    assert!(text.contains("Outbound smuggling:"), "{text}");
    server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_session_that_cannot_reach_data_stops_the_check_as_inconclusive() {
    let server = smtpx::sandbox::start(SandboxConfig {
        behaviours: Behaviours {
            reject_rcpt: vec!["*@blocked.test".into()],
            ..Behaviours::default()
        },
        ..SandboxConfig::default()
    })
    .await
    .expect("sandbox starts");
    let target = server.plain_addr().to_string();
    let run = smuggle(&[&target, "--to", "x@blocked.test"]).await;
    assert_eq!(run.code, Some(4), "{}", run.report);
    assert_eq!(run.report["verdict"], "inconclusive");
    let stopped = run.report["stopped"].as_str().unwrap();
    assert!(stopped.starts_with("RCPT was answered 550"), "{stopped}");
    assert_eq!(
        run.report["not_tried"].as_array().unwrap().len(),
        smtpx::smuggle::VARIANTS.len()
    );
    server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_password_is_never_sent_without_tls() {
    let server = sandbox(true).await;
    let target = server.plain_addr().to_string();
    let run = tokio::task::spawn_blocking(move || {
        postfix::smtpx_with(
            &[
                "smuggle",
                &target,
                "--no-starttls",
                "--to",
                "a@sandbox.test",
                "--user",
                "demo",
                "--password-env",
                "SMUGGLE_PASSWORD",
                "--json",
            ],
            &[("SMUGGLE_PASSWORD", "demo-password")],
        )
    })
    .await
    .expect("smtpx ran");
    let report: Value = serde_json::from_str(&postfix::stdout(&run)).expect("JSON");
    assert_eq!(run.status.code(), Some(4), "{report}");
    assert_eq!(
        report["stopped"],
        "AUTH: the session has no TLS, and the password is not sent in clear"
    );
    server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postfix_submission_after_auth_takes_the_same_variants() {
    if !postfix::enabled("smuggling test") {
        return;
    }
    // The outbound side: a logged-in user of the submission port. Postfix's smtpd reads
    // DATA the same way there, so the same three variants end the data.
    let run = smuggle(&[
        postfix::SUBMISSION,
        "--to",
        "smtpxtest@smtpx.test",
        "--user",
        postfix::USER,
        "--password-env",
        postfix::PASSWORD_ENV,
    ])
    .await;
    assert_eq!(run.code, Some(1), "{}", run.report);
    assert_eq!(
        outcomes(&run.report),
        expected(&LF_VARIANTS, "kept_reading", "kept_reading")
    );
}

/// The Postfix listener with `smtpd_forbid_bare_newline = yes` (and no exclusions).
const FORBID_BARE_LF: &str = "127.0.0.1:10028";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postfix_with_the_debian_3_7_default_takes_the_bare_lf_variants_as_end_of_data() {
    if !postfix::enabled("smuggling test") {
        return;
    }
    let run = smuggle(&[postfix::MTA, "--to", "smtpxtest@smtpx.test"]).await;
    assert_eq!(run.code, Some(1), "{}", run.report);
    // CVE-2023-51764: Postfix reads a bare LF as a line end, so <LF>.<LF>, <LF>.<CR><LF>
    // and <CR><LF>.<LF> end the data; CR and NUL variants stay data.
    assert_eq!(
        outcomes(&run.report),
        expected(&LF_VARIANTS, "kept_reading", "kept_reading")
    );
    assert!(run.report["tls"].as_str().unwrap().starts_with("TLSv1."));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postfix_with_smtpd_forbid_bare_newline_comes_out_clean() {
    if !postfix::enabled("smuggling test") {
        return;
    }
    let addr: std::net::SocketAddr = FORBID_BARE_LF.parse().expect("address");
    if std::net::TcpStream::connect_timeout(&addr, Duration::from_secs(2)).is_err() {
        panic!(
            "SMTPX_INTEROP is set but Postfix is not listening on {addr} (smtpd_forbid_bare_newline \
             = yes): run tests/interop/postfix-up.sh"
        );
    }
    let run = smuggle(&[FORBID_BARE_LF, "--to", "smtpxtest@smtpx.test"]).await;
    assert_eq!(run.code, Some(0), "{}", run.report);
    assert_eq!(run.report["verdict"], "clean");
    assert_eq!(
        outcomes(&run.report),
        expected(&[], "kept_reading", "kept_reading")
    );
}
