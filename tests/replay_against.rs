//! `smtpx replay FILE --against HOST[:PORT]`: a session recorded against one sandbox re-run
//! against a second one (same certificate files, so the comparison can be equal) and against
//! one that rejects the recipient; redacted bodies need `--body`.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use smtpx::sandbox::{Behaviours, SandboxConfig, SandboxHandle, TlsSource};

fn smtpx() -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_smtpx"));
    command
        .env(
            "XDG_STATE_HOME",
            concat!(env!("CARGO_TARGET_TMPDIR"), "/replay-against-xdg-state"),
        )
        .env("SMTPX_TEST_PASS", "demo-password");
    command
}

/// A certificate for localhost / 127.0.0.1, shared by every sandbox of a test.
fn certificate(dir: &Path) -> TlsSource {
    let key = rcgen::KeyPair::generate().expect("key");
    let params =
        rcgen::CertificateParams::new(vec!["localhost".to_string(), "127.0.0.1".to_string()])
            .expect("params");
    let cert = params.self_signed(&key).expect("certificate");
    let (cert_path, key_path) = (dir.join("cert.pem"), dir.join("key.pem"));
    std::fs::write(&cert_path, cert.pem()).expect("write cert");
    std::fs::write(&key_path, key.serialize_pem()).expect("write key");
    TlsSource::Files {
        cert: cert_path,
        key: key_path,
    }
}

fn sandbox(rt: &tokio::runtime::Runtime, tls: &TlsSource, behaviours: Behaviours) -> SandboxHandle {
    let config = SandboxConfig {
        tls: tls.clone(),
        behaviours,
        ..SandboxConfig::default()
    };
    rt.block_on(smtpx::sandbox::start(config))
        .expect("sandbox starts")
}

fn run(command: &mut Command) -> (Output, String) {
    let out = command.output().expect("smtpx runs");
    let text = format!(
        "{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out, text)
}

fn probe(addr: &str, record: &Path, extra: &[&str]) {
    let (out, text) = run(smtpx()
        .args([
            "probe",
            // One command at a time, DATA and its 354: what this test follows.
            "--no-pipeline",
            addr,
            "--ehlo",
            "client.example",
            "--starttls",
            "--timeout",
            "5",
        ])
        .args([
            "--allow-insecure-auth",
            "--auth",
            "plain",
            "--user",
            "demo",
            "--password-env",
            "SMTPX_TEST_PASS",
        ])
        .args([
            "--from",
            "demo@localhost",
            "--to",
            "you@localhost",
            "--body",
            "hello",
        ])
        .arg("--record")
        .arg(record)
        .args(extra));
    assert!(out.status.success(), "{text}");
}

fn against(file: &Path, addr: &str, extra: &[&str]) -> (Output, String) {
    run(smtpx()
        .args([
            "replay",
            "--timeout",
            "5",
            "--password-env",
            "SMTPX_TEST_PASS",
            "--user",
            "demo",
            // The sandboxes' self-signed certificate is not what these tests are about.
            "--allow-insecure-auth",
        ])
        .args(extra)
        .args(["--against", addr])
        .arg(file))
}

#[test]
fn replay_against_a_like_server_is_the_same_and_against_a_changed_one_shows_the_reply() {
    let rt = tokio::runtime::Runtime::new().expect("runtime");
    let dir = tempfile::tempdir().expect("temp dir");
    let tls = certificate(dir.path());
    let first = sandbox(&rt, &tls, Behaviours::default());
    let original: PathBuf = dir.path().join("original.jsonl");
    probe(&first.plain_addr().to_string(), &original, &[]);

    let second = sandbox(&rt, &tls, Behaviours::default());
    let again = dir.path().join("again.jsonl");
    let addr = second.plain_addr().to_string();
    let (out, text) = against(
        &original,
        &addr,
        &["--record", again.to_str().expect("utf-8 path")],
    );
    assert!(text.contains("same as the recording"), "{text}");
    assert_eq!(out.status.code(), Some(0), "{text}");
    // The new session was recorded, and `smtpx diff` agrees: only the target differs.
    let (_, diff) = run(smtpx().arg("diff").arg(&original).arg(&again));
    let lines: Vec<&str> = diff.lines().filter(|l| !l.trim().is_empty()).collect();
    assert!(
        lines.len() == 1 && lines[0].starts_with("target: "),
        "{diff}"
    );

    let strict = sandbox(
        &rt,
        &tls,
        Behaviours {
            reject_rcpt: vec!["you@localhost".into()],
            ..Behaviours::default()
        },
    );
    let (out, text) = against(
        &original,
        &strict.plain_addr().to_string(),
        &["--no-record"],
    );
    assert_eq!(out.status.code(), Some(1), "{text}");
    assert!(text.contains("differences from the recording"), "{text}");
    let line = text
        .lines()
        .find(|l| l.starts_with("step ") && l.contains("RCPT TO") && l.contains("550"))
        .unwrap_or_else(|| panic!("a reply line with the 550: {text}"));
    assert!(line.contains("250"), "recorded 250 against new 550: {line}");
    // The re-run says where and why it stopped, and the steps it did not take are shown as
    // missing, not as changed replies.
    let stop = text
        .lines()
        .find(|l| l.contains("stopped at step"))
        .unwrap_or_else(|| panic!("a line saying why it stopped: {text}"));
    assert!(stop.contains("RCPT was refused with 550"), "{stop}");
    assert!(
        text.lines().any(|l| l.contains("DATA: missing in B")),
        "{text}"
    );
    for handle in [first, second, strict] {
        rt.block_on(handle.shutdown());
    }
}

#[test]
fn a_redacted_body_is_refused_unless_another_is_given() {
    let rt = tokio::runtime::Runtime::new().expect("runtime");
    let dir = tempfile::tempdir().expect("temp dir");
    let tls = certificate(dir.path());
    let server = sandbox(&rt, &tls, Behaviours::default());
    let addr = server.plain_addr().to_string();
    let original = dir.path().join("redacted.jsonl");
    probe(&addr, &original, &["--redact-body"]);

    let (out, text) = against(&original, &addr, &["--no-record"]);
    assert_eq!(out.status.code(), Some(3), "{text}");
    assert!(
        text.contains("--redact-body") && text.contains("--body TEXT or --data FILE"),
        "{text}"
    );
    let (out, text) = against(&original, &addr, &["--no-record", "--body", "another one"]);
    assert_eq!(out.status.code(), Some(0), "{text}");
    rt.block_on(server.shutdown());
}

/// A plaintext recording of a whole submission (no AUTH) to the sandbox at `addr`.
fn plaintext_recording(addr: &str, record: &Path) {
    let (out, text) = run(smtpx()
        .args([
            "probe",
            // One command at a time, DATA and its 354: what this test follows.
            "--no-pipeline",
            addr,
            "--ehlo",
            "client.example",
            "--no-starttls",
            "--timeout",
            "5",
            "--from",
            "demo@localhost",
            "--to",
            "you@localhost",
            "--body",
            "hello from the recording",
            "--record",
        ])
        .arg(record));
    assert!(out.status.success(), "{text}");
}

#[test]
fn replay_against_never_uses_less_protection_than_the_live_server_offers() {
    let rt = tokio::runtime::Runtime::new().expect("runtime");
    let dir = tempfile::tempdir().expect("temp dir");
    let tls = certificate(dir.path());
    let server = sandbox(&rt, &tls, Behaviours::default());
    let recording = dir.path().join("plain.jsonl");
    plaintext_recording(&server.plain_addr().to_string(), &recording);
    let (_, text) = run(smtpx()
        .args(["replay", "--timeout", "5", "--against"])
        .arg(server.plain_addr().to_string())
        .arg(&recording));
    assert!(text.contains("upgrading"), "{text}");
    assert!(text.contains("C> STARTTLS"), "{text}");
    // The message went inside TLS.
    assert!(text.contains("C~ MAIL FROM"), "{text}");
    assert!(!text.contains("C> MAIL FROM"), "{text}");
}

#[test]
fn replay_against_sends_no_credentials_over_an_unverified_certificate() {
    let rt = tokio::runtime::Runtime::new().expect("runtime");
    let dir = tempfile::tempdir().expect("temp dir");
    let tls = certificate(dir.path());
    let first = sandbox(&rt, &tls, Behaviours::default());
    let original = dir.path().join("original.jsonl");
    probe(&first.plain_addr().to_string(), &original, &[]);
    let second = sandbox(&rt, &tls, Behaviours::default());
    let (out, text) = run(smtpx()
        .args([
            "replay",
            "--timeout",
            "5",
            "--password-env",
            "SMTPX_TEST_PASS",
            "--user",
            "demo",
            "--against",
        ])
        .arg(second.plain_addr().to_string())
        .arg(&original)
        .env("SMTPX_TEST_PASS", "demo-password"));
    assert!(text.contains("not sending credentials"), "{text}");
    assert!(text.contains("whoever holds that key"), "{text}");
    assert!(!text.contains("C~ AUTH"), "{text}");
    assert_eq!(out.status.code(), Some(1), "{text}");
}

/// The live server's key as the probe prints it (`spki_sha256`, base64).
fn spki_of(addr: &str) -> String {
    let (_, text) =
        run(smtpx().args(["probe", addr, "--starttls", "--quit-after", "tls", "--json"]));
    let tls = text
        .lines()
        .filter_map(|line| serde_json::from_str::<serde_json::Value>(line).ok())
        .find(|event| event["event"] == "tls")
        .unwrap_or_else(|| panic!("a tls event: {text}"));
    tls["chain"][0]["spki_sha256"]
        .as_str()
        .unwrap_or_else(|| panic!("spki_sha256: {tls}"))
        .to_string()
}

#[test]
fn replay_against_a_pinned_key_sends_credentials_and_another_key_is_refused() {
    let rt = tokio::runtime::Runtime::new().expect("runtime");
    let dir = tempfile::tempdir().expect("temp dir");
    let tls = certificate(dir.path());
    let first = sandbox(&rt, &tls, Behaviours::default());
    let original = dir.path().join("original.jsonl");
    probe(&first.plain_addr().to_string(), &original, &[]);
    let second = sandbox(&rt, &tls, Behaviours::default());
    let addr = second.plain_addr().to_string();
    let spki = spki_of(&addr);
    let replay = |pin: &str| {
        run(smtpx()
            .args([
                "replay",
                "--timeout",
                "5",
                "--password-env",
                "SMTPX_TEST_PASS",
            ])
            .args(["--user", "demo", "--pin-spki", pin, "--against", &addr])
            .arg(&original))
    };

    // Pinned: the self-made certificate is verified by its key, so AUTH goes without
    // --allow-insecure-auth.
    let (out, text) = replay(&spki);
    assert!(
        text.contains("pinned: the server's key matches --pin-spki"),
        "{text}"
    );
    assert!(text.contains("C~ AUTH PLAIN"), "{text}");
    assert!(!text.contains("not sending credentials"), "{text}");
    // The one difference from the recording (made with --allow-insecure-auth) is the verdict.
    assert!(
        text.contains("certificate verified: A false, B true"),
        "{text}"
    );
    assert_eq!(out.status.code(), Some(1), "{text}");

    // Another key: not trusted, and the credentials stay home.
    let other = "sha256//AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=";
    let (out, text) = replay(other);
    assert!(text.contains("the key matches no --pin-spki"), "{text}");
    assert!(text.contains("not sending credentials"), "{text}");
    assert!(!text.contains("C~ AUTH"), "{text}");
    assert_ne!(out.status.code(), Some(0), "{text}");
}

#[test]
fn replay_against_stops_when_data_gets_no_354() {
    use std::io::{BufRead, BufReader, Write};
    let rt = tokio::runtime::Runtime::new().expect("runtime");
    let dir = tempfile::tempdir().expect("temp dir");
    let tls = certificate(dir.path());
    let recorder = sandbox(&rt, &tls, Behaviours::default());
    let recording = dir.path().join("plain.jsonl");
    plaintext_recording(&recorder.plain_addr().to_string(), &recording);
    // A server that answers DATA with 250: what follows must not be the message.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let addr = listener.local_addr().expect("addr").to_string();
    let server = std::thread::spawn(move || {
        let (stream, _) = listener.accept().expect("accept");
        stream
            .set_read_timeout(Some(std::time::Duration::from_secs(10)))
            .expect("timeout");
        let mut out = stream.try_clone().expect("clone");
        let mut lines = Vec::new();
        out.write_all(b"220 odd.test ESMTP\r\n").expect("greet");
        for line in BufReader::new(stream).lines() {
            let Ok(line) = line else { break };
            let reply: &[u8] = match line.split_whitespace().next().unwrap_or("") {
                "EHLO" => b"250-odd.test\r\n250 8BITMIME\r\n",
                "QUIT" => b"221 bye\r\n",
                _ => b"250 ok\r\n",
            };
            lines.push(line.clone());
            if out.write_all(reply).is_err() || line.starts_with("QUIT") {
                break;
            }
        }
        lines
    });
    let (_, text) = run(smtpx()
        .args(["replay", "--timeout", "5", "--against", &addr])
        .arg(&recording));
    let received = server.join().expect("server");
    assert!(text.contains("where the recording got 354"), "{text}");
    assert!(
        !received
            .iter()
            .any(|l| l.contains("hello from the recording")),
        "the body was sent as commands: {received:?}"
    );
}

#[test]
fn replay_against_takes_other_addresses_and_says_how_every_connection_ended() {
    let rt = tokio::runtime::Runtime::new().expect("runtime");
    let dir = tempfile::tempdir().expect("temp dir");
    let tls = certificate(dir.path());
    let first = sandbox(&rt, &tls, Behaviours::default());
    let original = dir.path().join("original.jsonl");
    probe(&first.plain_addr().to_string(), &original, &[]);
    // A server that refuses the recorded recipient: with --to, others go instead.
    let strict = sandbox(
        &rt,
        &tls,
        Behaviours {
            reject_rcpt: vec!["you@localhost".into()],
            ..Behaviours::default()
        },
    );
    let (out, text) = against(
        &original,
        &strict.plain_addr().to_string(),
        &[
            "--no-record",
            "--from",
            "other@localhost",
            "--to",
            "a@localhost, b@localhost",
        ],
    );
    for expected in [
        "C~ MAIL FROM:<other@localhost>",
        "C~ RCPT TO:<a@localhost>",
        "C~ RCPT TO:<b@localhost>",
        "re-ran all 9 client steps of the recording",
    ] {
        assert!(text.contains(expected), "{expected:?} missing: {text}");
    }
    assert!(!text.contains("you@localhost>\n"), "{text}");
    // One RCPT more than recorded: shown as inserted; nothing else differs.
    let differences: Vec<&str> = text.lines().filter(|l| l.starts_with("step ")).collect();
    assert_eq!(differences.len(), 1, "{text}");
    assert!(
        differences[0].contains("RCPT TO: only in B, inserted"),
        "{text}"
    );
    assert_eq!(out.status.code(), Some(1), "{text}");

    // Two connections (as after /reconnect): each re-run in turn, or only the chosen one.
    let body = std::fs::read_to_string(&original).expect("read");
    let lines: Vec<&str> = body.lines().collect();
    let twice = dir.path().join("twice.jsonl");
    std::fs::write(
        &twice,
        format!("{}\n{}\n", lines.join("\n"), lines[1..].join("\n")),
    )
    .expect("write");
    let second = sandbox(&rt, &tls, Behaviours::default());
    let addr = second.plain_addr().to_string();
    let (out, text) = against(&twice, &addr, &["--no-record"]);
    assert!(text.contains("connection 1 of 2, as recorded"), "{text}");
    assert!(text.contains("connection 2 of 2, as recorded"), "{text}");
    assert_eq!(
        text.matches("re-ran all 9 client steps").count(),
        2,
        "{text}"
    );
    assert!(text.contains("same as the recording"), "{text}");
    assert_eq!(out.status.code(), Some(0), "{text}");
    let (out, text) = against(&twice, &addr, &["--no-record", "--connection", "2"]);
    assert_eq!(text.matches("connected to").count(), 1, "{text}");
    assert!(text.contains("same as the recording"), "{text}");
    assert_eq!(out.status.code(), Some(0), "{text}");
    for handle in [first, strict, second] {
        rt.block_on(handle.shutdown());
    }
}

#[test]
fn a_hand_typed_auth_login_with_redacted_answers_is_re_run_with_the_given_credentials() {
    let rt = tokio::runtime::Runtime::new().expect("runtime");
    let dir = tempfile::tempdir().expect("temp dir");
    let tls = certificate(dir.path());
    let first = sandbox(&rt, &tls, Behaviours::default());
    let original = dir.path().join("original.jsonl");
    probe(&first.plain_addr().to_string(), &original, &[]);
    // What the explorer writes for `AUTH LOGIN` typed by hand: the command as sent, then
    // each answer to a 334 redacted.
    let text = std::fs::read_to_string(&original).expect("read");
    let mut lines: Vec<String> = Vec::new();
    let mut source = text.lines();
    while let Some(line) = source.next() {
        if line.contains(r#""shown":"AUTH PLAIN <redacted"#) {
            let reply = source.next().expect("the 235 line");
            let at = r#"{"at":0.01,"#;
            lines.push(format!(
                r#"{at}"dir":"client","kind":"sent","layer":"tls","text":"AUTH LOGIN\r\n","shown":"AUTH LOGIN"}}"#
            ));
            lines.push(format!(
                r#"{at}"dir":"server","kind":"received","layer":"tls","text":"334 VXNlcm5hbWU6\r\n"}}"#
            ));
            lines.push(format!(
                r#"{at}"dir":"client","kind":"sent","layer":"tls","shown":"<redacted 8 bytes>","secret":true,"redacted":{{"what":"secret"}}}}"#
            ));
            lines.push(format!(
                r#"{at}"dir":"server","kind":"received","layer":"tls","text":"334 UGFzc3dvcmQ6\r\n"}}"#
            ));
            lines.push(format!(
                r#"{at}"dir":"client","kind":"sent","layer":"tls","shown":"<redacted 20 bytes>","secret":true,"redacted":{{"what":"secret"}}}}"#
            ));
            lines.push(reply.to_string());
        } else {
            lines.push(line.to_string());
        }
    }
    let typed = dir.path().join("typed.jsonl");
    std::fs::write(&typed, lines.join("\n") + "\n").expect("write");
    let second = sandbox(&rt, &tls, Behaviours::default());
    let (out, text) = against(&typed, &second.plain_addr().to_string(), &["--no-record"]);
    assert!(text.contains("S~ 235 2.7.0"), "{text}");
    assert!(text.contains("re-ran all"), "{text}");
    assert!(
        text.contains("250 2.0.0 Ok: queued"),
        "the message went: {text}"
    );
    // The driver's AUTH LOGIN sends the user name at once; the alignment shows the steps
    // that differ as such, and only those.
    assert!(
        text.lines()
            .filter(|l| l.starts_with("step "))
            .all(|l| l.contains("<sasl>") || l.contains("AUTH LOGIN")),
        "{text}"
    );
    assert!(matches!(out.status.code(), Some(0 | 1)), "{text}");
    for handle in [first, second] {
        rt.block_on(handle.shutdown());
    }
}

#[test]
fn replay_against_says_why_when_the_server_hangs_up_or_cannot_be_reached() {
    let rt = tokio::runtime::Runtime::new().expect("runtime");
    let dir = tempfile::tempdir().expect("temp dir");
    let tls = certificate(dir.path());
    let first = sandbox(&rt, &tls, Behaviours::default());
    let original = dir.path().join("original.jsonl");
    probe(&first.plain_addr().to_string(), &original, &[]);
    let dropping = sandbox(
        &rt,
        &tls,
        Behaviours {
            drop_after: Some("RCPT".into()),
            ..Behaviours::default()
        },
    );
    let (out, text) = against(
        &original,
        &dropping.plain_addr().to_string(),
        &["--no-record"],
    );
    let stop = text
        .lines()
        .find(|l| l.contains("stopped at step 6 of 9"))
        .unwrap_or_else(|| panic!("says where and why it stopped: {text}"));
    assert!(
        stop.contains("no reply to RCPT: the server closed the connection"),
        "{stop}"
    );
    assert_eq!(out.status.code(), Some(1), "{text}");
    // Nothing listening: said before the first step.
    let closed = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let addr = closed.local_addr().expect("address").to_string();
    drop(closed);
    let (out, text) = against(&original, &addr, &["--no-record"]);
    assert!(
        text.contains("stopped before the first step: could not connect to"),
        "{text}"
    );
    assert_eq!(out.status.code(), Some(1), "{text}");
    for handle in [first, dropping] {
        rt.block_on(handle.shutdown());
    }
}
