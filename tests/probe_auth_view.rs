//! What `smtpx probe` shows of AUTH and of the replies around it, against scripted servers
//! on 127.0.0.1: each client step decoded beside its redaction with the secret masked (as
//! the explorer shows it), each 334 decoded, a 250 to AUTH named as a protocol breach, an
//! unsupported mechanism diagnosed as such (not as a wrong password), and the bytes a server
//! injects before the TLS handshake shown escaped.

mod support;

use support::probe::{probe_json, run_probe};
use support::*;

const PASSWORD: &str = "s3cret-pa55";
const ENV: [(&str, &str); 1] = [("SMTPX_TEST_PASSWORD", PASSWORD)];

fn args(list: &[&str]) -> Vec<String> {
    list.iter().map(|s| s.to_string()).collect()
}

/// `server` in plaintext (the named opt-in lets credentials go there), logging in with
/// `mechanism` as `user`, stopping after AUTH.
fn login_args(server: &ScriptedServer, mechanism: &str) -> Vec<String> {
    args(&[
        &server.addr.to_string(),
        "--no-starttls",
        "--allow-insecure-auth",
        "--auth",
        mechanism,
        "--user",
        "user",
        "--password-env",
        "SMTPX_TEST_PASSWORD",
        "--quit-after",
        "auth",
        "--no-record",
        "--timeout",
        "5",
    ])
}

/// The greeting and an EHLO reply offering `auth`, then `rest`, then QUIT.
fn session(auth: &str, rest: Vec<Step>) -> Vec<Step> {
    let mut steps = vec![
        Step::send("220 mx.test ESMTP\r\n"),
        Step::expect("EHLO"),
        Step::Send(reply(250, &["mx.test", auth])),
    ];
    steps.extend(rest);
    steps.extend([Step::expect("QUIT"), Step::send("221 bye\r\n"), Step::Close]);
    steps
}

/// The probe's human output and exit code.
async fn human(args: Vec<String>) -> (String, Option<i32>) {
    let output = run_probe(args, &ENV, None).await;
    (
        String::from_utf8_lossy(&output.stdout).into_owned(),
        output.status.code(),
    )
}

fn no_secret(stdout: &str) {
    // The password, and base64 of it and of PLAIN's message.
    for secret in [PASSWORD, "czNjcmV0LXBhNTU", "AHVzZXIAczNjcmV0LXBhNTU"] {
        assert!(!stdout.contains(secret), "{secret} in:\n{stdout}");
    }
}

#[tokio::test]
async fn auth_login_shows_the_user_and_the_challenge_and_masks_the_password() {
    let steps = session(
        "AUTH LOGIN",
        vec![
            Step::expect("AUTH LOGIN dXNlcg=="),
            Step::send("334 UGFzc3dvcmQ6\r\n"),
            Step::expect("czNjcmV0LXBhNTU="),
            Step::send("235 2.7.0 ok\r\n"),
        ],
    );
    let mut server = ScriptedServer::start(steps).await;
    let (stdout, code) = human(login_args(&server, "login")).await;
    server.finish().await;
    assert_eq!(code, Some(0), "{stdout}");
    for expected in [
        "C> AUTH LOGIN <redacted 8 bytes>  [user]",
        "S< 334 UGFzc3dvcmQ6  [Password:]",
        "C> <redacted 16 bytes>  [••••]",
    ] {
        assert!(stdout.contains(expected), "{expected:?} missing:\n{stdout}");
    }
    no_secret(&stdout);

    // The same in --json: a "decoded" beside the line and the challenge.
    let steps = session(
        "AUTH PLAIN",
        vec![
            Step::expect("AUTH PLAIN AHVzZXIAczNjcmV0LXBhNTU="),
            Step::send("235 2.7.0 ok\r\n"),
        ],
    );
    let mut server = ScriptedServer::start(steps).await;
    let run = probe_json(login_args(&server, "plain"), &ENV).await;
    server.finish().await;
    assert_eq!(run.code, 0, "{}", run.stdout);
    let auth = run
        .of("sent")
        .into_iter()
        .find(|s| s["line"].as_str().is_some_and(|l| l.starts_with("AUTH")))
        .expect("an AUTH line");
    assert_eq!(auth["decoded"], "\\0user\\0••••", "{auth}");
    no_secret(&run.stdout);
}

#[tokio::test]
async fn a_user_name_with_escape_sequences_is_shown_escaped() {
    let steps = session(
        "AUTH LOGIN",
        vec![
            Step::expect("AUTH LOGIN"),
            Step::send("334 VXNlcm5hbWU6\r\n"),
            Step::expect("czNjcmV0LXBhNTU="),
            Step::send("535 5.7.8 no\r\n"),
        ],
    );
    let mut server = ScriptedServer::start(steps).await;
    let mut a = login_args(&server, "login");
    let user = a.iter().position(|x| x == "user").expect("--user value");
    a[user] = "u\x1b]0;title\x07".into();
    let (stdout, code) = human(a).await;
    server.finish().await;
    assert_eq!(code, Some(24), "{stdout}");
    assert!(
        stdout.contains("[u\\x1b]0;title\\x07]"),
        "the user name escaped:\n{stdout}"
    );
    assert!(!stdout.contains('\x1b'), "{stdout}");
}

#[tokio::test]
async fn a_250_to_auth_is_named_as_a_breach_and_stops_at_auth() {
    // Postfix's smtp-sink answers 250 to AUTH.
    let steps = session(
        "AUTH PLAIN",
        vec![Step::expect("AUTH PLAIN"), Step::send("250 2.0.0 Ok\r\n")],
    );
    let mut server = ScriptedServer::start(steps).await;
    let (stdout, code) = human(login_args(&server, "plain")).await;
    server.finish().await;
    assert_eq!(code, Some(24), "{stdout}");
    assert!(
        stdout.contains("protocol breach: the server answered AUTH with 250, not 235"),
        "{stdout}"
    );
    assert!(stdout.contains("RFC 4954 §6"), "{stdout}");
}

#[tokio::test]
async fn an_unsupported_mechanism_is_not_called_a_wrong_password() {
    for refusal in [
        "504 5.5.4 Unrecognized authentication type\r\n",
        // Postfix with Dovecot SASL says it with 535.
        "535 5.7.8 Error: authentication failed: Invalid authentication mechanism\r\n",
    ] {
        let steps = session(
            "AUTH PLAIN LOGIN CRAM-MD5",
            vec![Step::expect("AUTH CRAM-MD5"), Step::send(refusal)],
        );
        let mut server = ScriptedServer::start(steps).await;
        let run = probe_json(login_args(&server, "cram-md5"), &ENV).await;
        server.finish().await;
        assert_eq!(run.code, 24, "{}", run.stdout);
        let notes: Vec<&str> = run
            .of("note")
            .iter()
            .filter_map(|n| n["message"].as_str())
            .collect();
        let diagnosis = notes
            .iter()
            .find(|n| n.starts_with("diagnosis:") && n.contains("SASL mechanism"))
            .unwrap_or_else(|| panic!("no diagnosis: {notes:?}"));
        assert!(
            diagnosis.contains("does not support the SASL mechanism CRAM-MD5")
                && diagnosis.contains("not a wrong password")
                && diagnosis.contains("It offers PLAIN LOGIN CRAM-MD5"),
            "{diagnosis}"
        );
        assert!(
            !diagnosis.contains("rejected the user name or password"),
            "{diagnosis}"
        );
    }
}

#[tokio::test]
async fn bytes_injected_before_the_handshake_are_shown_escaped() {
    let pki = TestPki::new();
    let tls = server_config(&pki.leaf(LeafKind::Good));
    let steps = vec![
        Step::send("220 mx.test ESMTP\r\n"),
        Step::expect("EHLO"),
        Step::Send(reply(250, &["mx.test", "STARTTLS"])),
        Step::expect("STARTTLS"),
        Step::SendThenStartTls(
            b"220 go ahead\r\n250-injected \x1b[2J\r\n250 AUTH PLAIN\r\n".to_vec(),
        ),
        Step::expect("EHLO"),
        Step::Send(reply(250, &["mx.test"])),
        Step::expect("QUIT"),
        Step::send("221 bye\r\n"),
        Step::Close,
    ];
    let mut server = ScriptedServer::start_starttls(tls, steps).await;
    let ca = pki.ca_file();
    let a = args(&[
        &format!("localhost:{}", server.addr.port()),
        "--starttls",
        "--ca-file",
        ca.to_str().expect("utf-8 path"),
        "--quit-after",
        "tls",
        "--no-record",
        "--timeout",
        "5",
    ]);
    let (stdout, code) = human(a).await;
    server.finish().await;
    assert_eq!(code, Some(0), "{stdout}");
    assert!(
        stdout.contains("!!! injected: 250-injected \\x1b[2J\\r\\n250 AUTH PLAIN\\r\\n"),
        "{stdout}"
    );
    assert!(!stdout.contains('\x1b'), "{stdout}");
}
