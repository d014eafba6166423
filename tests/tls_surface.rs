//! `smtpx scan --tls`: the TLS surface of a port. A TLS-1.0-only server (Python's ssl at
//! OpenSSL security level 0, started here on free loopback ports, with STARTTLS and with
//! implicit TLS) must be reported as offering TLS 1.0 only, which modern clients cannot use;
//! the sandbox (rustls) as modern TLS only; Postfix (with `SMTPX_INTEROP=1`) as what it
//! measurably accepts.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};

use serde_json::Value;

mod support;

use support::postfix;

/// The Python server, killed when dropped.
struct Tls10Server {
    child: Child,
    starttls: u16,
    implicit: u16,
    _dir: tempfile::TempDir,
}

impl Drop for Tls10Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn tls10_server() -> Tls10Server {
    let dir = tempfile::tempdir().expect("temp dir");
    // An RSA certificate, as such old servers have (and RSA key exchange needs): from
    // openssl, since rcgen's ring backend cannot make RSA keys.
    let cert_path = dir.path().join("cert.pem");
    let key_path = dir.path().join("key.pem");
    let made = Command::new("openssl")
        .args([
            "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
        ])
        .args(["-subj", "/CN=localhost", "-keyout"])
        .arg(&key_path)
        .arg("-out")
        .arg(&cert_path)
        .stderr(Stdio::null())
        .status()
        .expect("openssl runs");
    assert!(made.success(), "openssl req failed");
    let mut child = Command::new("python3")
        .arg(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/tls/tls10_server.py"
        ))
        .arg(&cert_path)
        .arg(&key_path)
        .stdout(Stdio::piped())
        .spawn()
        .expect("python3 runs");
    let stdout = child.stdout.take().expect("stdout");
    let mut line = String::new();
    BufReader::new(stdout)
        .read_line(&mut line)
        .expect("the server's first line");
    let ports: Vec<u16> = line
        .strip_prefix("READY ")
        .unwrap_or_else(|| panic!("the TLS 1.0 server did not start: {line:?}"))
        .split_whitespace()
        .map(|p| p.parse().expect("a port"))
        .collect();
    Tls10Server {
        child,
        starttls: ports[0],
        implicit: ports[1],
        _dir: dir,
    }
}

fn scan(ports: &str) -> Value {
    let output = postfix::smtpx(&[
        "scan",
        "127.0.0.1",
        "--ports",
        ports,
        "--tls",
        "--json",
        "--timeout",
        "3",
        "--ehlo",
        "client.test",
    ]);
    let stdout = postfix::stdout(&output);
    serde_json::from_str(&stdout).unwrap_or_else(|e| panic!("not JSON ({e}): {stdout}"))
}

fn surface(report: &Value, port: u16) -> &Value {
    report["tls_surface"]
        .as_array()
        .and_then(|all| all.iter().find(|s| s["port"] == port))
        .unwrap_or_else(|| panic!("no TLS surface for port {port}: {report}"))
}

/// (version, accepted) in the order probed: 1.0, 1.1, 1.2 by hello, then 1.2, 1.3 by rustls.
fn versions(surface: &Value) -> Vec<(String, bool)> {
    surface["versions"]
        .as_array()
        .expect("versions")
        .iter()
        .map(|v| {
            (
                v["version"].as_str().unwrap_or_default().to_owned(),
                v["accepted"] == true,
            )
        })
        .collect()
}

fn expect_versions(surface: &Value, accepted: [bool; 5]) {
    let names = ["TLS 1.0", "TLS 1.1", "TLS 1.2", "TLS 1.2", "TLS 1.3"];
    let want: Vec<(String, bool)> = names
        .iter()
        .zip(accepted)
        .map(|(n, a)| ((*n).to_owned(), a))
        .collect();
    assert_eq!(versions(surface), want, "{surface}");
}

fn suites(surface: &Value) -> Vec<&str> {
    surface["suites"]
        .as_array()
        .expect("suites")
        .iter()
        .filter_map(|s| s["name"].as_str())
        .collect()
}

#[test]
fn a_tls_1_0_only_server_is_reported_as_unreachable_for_modern_clients() {
    let server = tls10_server();
    let report = scan(&format!("{},{}", server.starttls, server.implicit));
    for (port, start) in [(server.starttls, "starttls"), (server.implicit, "implicit")] {
        let surface = surface(&report, port);
        assert_eq!(surface["start"], start);
        expect_versions(surface, [true, false, false, false, false]);
        let verdict = surface["verdict"].as_str().unwrap();
        assert!(
            verdict.starts_with(
                "offers TLS 1.0 only: modern clients, smtpx included, cannot connect; Postfix \
                 and Exim senders fall back to plaintext"
            ),
            "{verdict}"
        );
        assert_eq!(surface["suites_at"], "TLS 1.0");
        let names = suites(surface);
        assert!(
            names.contains(&"TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA"),
            "{names:?}"
        );
        assert!(names.contains(&"TLS_RSA_WITH_AES_128_CBC_SHA"), "{names:?}");
        // No TLS 1.2-only suite can be chosen at TLS 1.0.
        assert!(!names.iter().any(|n| n.contains("GCM")), "{names:?}");
        let groups = surface["groups"].as_array().expect("groups");
        assert!(groups.iter().any(|g| g == "X25519"), "{surface}");
        // The version rows say what the server answered.
        let rows = surface["versions"].as_array().unwrap();
        assert!(
            rows[1]["detail"]
                .as_str()
                .unwrap()
                .starts_with("ServerHello: TLS 1.0")
        );
        assert!(
            rows[4]["detail"]
                .as_str()
                .unwrap()
                .starts_with("rustls cannot connect")
        );
    }
}

#[test]
fn a_tls_1_0_only_server_in_words() {
    let server = tls10_server();
    let output = postfix::smtpx(&[
        "scan",
        &format!("127.0.0.1:{}", server.implicit),
        "--tls",
        "--timeout",
        "3",
    ]);
    let text = postfix::stdout(&output);
    assert!(
        text.contains(&format!(
            "TLS surface of port {} (implicit)",
            server.implicit
        )),
        "{text}"
    );
    assert!(
        text.contains("verdict     offers TLS 1.0 only: modern clients"),
        "{text}"
    );
    assert!(
        text.contains("(weak: RSA key exchange (no forward secrecy))"),
        "{text}"
    );
}

#[test]
fn the_probe_says_what_a_server_it_cannot_handshake_with_offers() {
    let server = tls10_server();
    for (port, mode) in [
        (server.implicit, "--tls-on-connect"),
        (server.starttls, "--starttls"),
    ] {
        let output = postfix::probe(&[
            &format!("127.0.0.1:{port}"),
            mode,
            "--timeout",
            "3",
            "--no-record",
        ]);
        let text = postfix::stdout(&output);
        assert_eq!(output.status.code(), Some(23), "{text}");
        assert!(
            text.contains("asking the server which TLS it accepts"),
            "{text}"
        );
        assert!(
            text.contains(
                "the server accepts TLS 1.0; at TLS 1.0: TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA"
            ),
            "{text}"
        );
        assert!(
            text.contains("— offers TLS 1.0 only: modern clients"),
            "{text}"
        );
    }
}

#[test]
fn a_handshake_refused_for_other_reasons_starts_no_surface_probe() {
    // A plaintext port met with --tls-on-connect: the failure is not about versions.
    let server = tls10_server();
    let output = postfix::probe(&[
        &format!("127.0.0.1:{}", server.starttls),
        "--tls-on-connect",
        "--timeout",
        "3",
        "--no-record",
    ]);
    let text = postfix::stdout(&output);
    assert_eq!(output.status.code(), Some(23), "{text}");
    assert!(!text.contains("asking the server which TLS"), "{text}");
}

/// The explorer's network task against the TLS 1.0 server: the notes it emits, up to the
/// one that says what the server accepts.
async fn explorer_notes(port: u16, implicit_tls: bool, starttls: bool) -> Vec<String> {
    use smtpx::driver::task::{self, Intent, Update};
    use smtpx::driver::{Driver, SessionEvent};
    let (update_tx, mut updates) = tokio::sync::mpsc::unbounded_channel();
    let (intents, intent_rx) = tokio::sync::mpsc::unbounded_channel();
    let driver = Driver::new(
        smtpx::net::Target::new("127.0.0.1", port),
        smtpx::net::ConnectOptions::default(),
        smtpx::net::TlsOptions::default(),
        std::time::Duration::from_secs(3),
        smtpx::driver::sink::fan_out(vec![task::sink(update_tx.clone())]),
    );
    tokio::spawn(task::run(driver, implicit_tls, intent_rx, update_tx));
    let mut notes = Vec::new();
    let mut asked = false;
    loop {
        let update = tokio::time::timeout(std::time::Duration::from_secs(20), updates.recv())
            .await
            .unwrap_or_else(|_| panic!("no surface note; notes so far: {notes:?}"))
            .expect("the task runs");
        let Update::Event(event) = update else {
            continue;
        };
        match event {
            // Typed as a person would: EHLO after the greeting, STARTTLS after its reply;
            // the task starts the handshake on the 220 to STARTTLS.
            SessionEvent::Received { reply, .. } if starttls && !asked => match reply.code() {
                Some(220) => intents
                    .send(Intent::Line("EHLO client.test".into()))
                    .unwrap(),
                Some(250) => {
                    asked = true;
                    intents.send(Intent::Line("STARTTLS".into())).unwrap();
                }
                _ => {}
            },
            SessionEvent::Note { text, .. } => {
                let done = text.starts_with("the server accepts");
                notes.push(text);
                if done {
                    let _ = intents.send(Intent::Quit);
                    return notes;
                }
            }
            _ => {}
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_explorer_notes_what_a_server_it_cannot_handshake_with_offers() {
    let server = tls10_server();
    for (port, implicit, starttls) in [
        (server.implicit, true, false),
        (server.starttls, false, true),
    ] {
        let notes = explorer_notes(port, implicit, starttls).await;
        let last = notes.last().unwrap();
        assert!(
            last.starts_with("the server accepts TLS 1.0; at TLS 1.0:"),
            "{notes:?}"
        );
        assert!(
            last.contains("offers TLS 1.0 only: modern clients"),
            "{notes:?}"
        );
        assert!(
            notes
                .iter()
                .any(|n| n.starts_with("asking the server which TLS"))
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_sandbox_offers_modern_tls_only() {
    let server = smtpx::sandbox::start(smtpx::sandbox::SandboxConfig {
        tls_listen: Some("127.0.0.1:0".parse().expect("address")),
        ..Default::default()
    })
    .await
    .expect("sandbox starts");
    let plain = server.plain_addr().port();
    let implicit = server.tls_addr().expect("implicit TLS").port();
    let ports = format!("{plain},{implicit}");
    let report = tokio::task::spawn_blocking(move || scan(&ports))
        .await
        .expect("scan ran");
    for port in [plain, implicit] {
        let surface = surface(&report, port);
        expect_versions(surface, [false, false, true, true, true]);
        assert_eq!(surface["verdict"], "TLS 1.2 and 1.3: modern TLS only");
        let names = suites(surface);
        assert!(!names.is_empty());
        assert!(
            names.iter().all(|n| n.starts_with("TLS_ECDHE_")),
            "{names:?}"
        );
        assert!(surface["suites"][0]["weakness"].is_null());
    }
    server.shutdown().await;
}

#[test]
fn postfix_accepts_tls_1_2_and_1_3_and_still_1_0_and_1_1() {
    if !postfix::enabled("TLS surface test") {
        return;
    }
    let report = scan("10025,10465");
    for port in [10025, 10465] {
        let surface = surface(&report, port);
        // Debian 12's Postfix 3.7 with OpenSSL 3.0 still answers TLS 1.0 and 1.1 hellos
        // (`smtpd_tls_protocols` excludes only SSLv2/3), measured with openssl s_client too.
        expect_versions(surface, [true, true, true, true, true]);
        assert_eq!(
            surface["verdict"].as_str().unwrap().split(';').next(),
            Some("TLS 1.2 and 1.3, and still TLS 1.0 and TLS 1.1 (deprecated by RFC 8996)")
        );
        // tls_preempt_cipherlist = no: the client's order.
        assert_eq!(surface["server_order"], false, "{surface}");
        assert!(suites(surface).contains(&"TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384"));
    }
}
