//! The way to the server: `--local-addr`, `--proxy-protocol`/`--proxy-source` and
//! `--proxy socks5://…`, through the real `smtpx probe`.
//!
//! The first tests need nothing outside: the sandbox, a listener that records what arrives
//! before the session, and a SOCKS5 peer that shows what the request carries. The rest run
//! against real software set up by `tests/interop/postfix-up.sh` (Postfix, with a PROXY
//! listener on 10027) and `tests/interop/socks-up.sh` (danted on 1080 without and 1081
//! with a password): with `SMTPX_INTEROP` set they fail loudly when it is missing, without
//! it they print a note and pass without running.

use std::net::{IpAddr, SocketAddr};
use std::time::Duration;

use smtpx::sandbox::{SandboxConfig, SandboxHandle};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

mod support;

use support::postfix::{self, exits, probe, stdout};
use support::postfix::{delivered, unique};

const OPEN_PROXY: &str = "socks5://127.0.0.1:1080";
const SOCKS_USER: &str = "smtpxsocks";
const SOCKS_PASSWORD: &str = "smtpx-socks-password";
/// The Postfix listener that expects a PROXY header (`smtpd_upstream_proxy_protocol`).
const PROXIED: &str = "127.0.0.1:10027";
/// A name only the proxies resolve (their own hosts file): see `socks-up.sh`.
const PROXY_ONLY_NAME: &str = "mx.socks-only.test";

fn auth_proxy(password: &str) -> String {
    format!("socks5://{SOCKS_USER}:{password}@127.0.0.1:1081")
}

/// The SOCKS5 proxies of `socks-up.sh`.
const PROXIES: &[(u16, &str)] = &[(1080, "socks-up.sh"), (1081, "socks-up.sh")];
/// Postfix's PROXY listener (`postfix-up.sh`).
const PROXY_LISTENER: &[(u16, &str)] = &[(10027, "postfix-up.sh")];

/// Whether to run a test that needs Postfix and the listeners `ports` (each with the script
/// that starts it); panics when asked to run and one is missing.
fn rig(what: &str, ports: &[(u16, &str)]) -> bool {
    if !postfix::enabled(what) {
        return false;
    }
    for (port, script) in ports {
        let addr = SocketAddr::from(([127, 0, 0, 1], *port));
        if std::net::TcpStream::connect_timeout(&addr, Duration::from_secs(2)).is_err() {
            panic!(
                "SMTPX_INTEROP is set but nothing listens on {addr}: run tests/interop/{script}"
            );
        }
    }
    true
}

/// The probe's JSON events.
fn events(output: &std::process::Output) -> Vec<serde_json::Value> {
    stdout(output)
        .lines()
        .filter_map(|line| serde_json::from_str(line).ok())
        .collect()
}

/// The message of the probe's error event.
fn error_message(output: &std::process::Output) -> (String, String) {
    let events = events(output);
    let error = events
        .iter()
        .find(|e| e["event"] == "error")
        .unwrap_or_else(|| panic!("no error event in {}", stdout(output)));
    (
        error["kind"].as_str().unwrap_or_default().to_string(),
        error["message"].as_str().unwrap_or_default().to_string(),
    )
}

/// The text of every transcript the probe says it wrote.
fn transcripts(output: &std::process::Output) -> String {
    events(output)
        .iter()
        .filter(|e| e["event"] == "transcript")
        .filter_map(|e| e["path"].as_str())
        .map(|path| std::fs::read_to_string(path).unwrap_or_default())
        .collect()
}

/// `smtpx probe ARGS --json` run off the async runtime.
async fn probe_json(args: Vec<String>) -> std::process::Output {
    tokio::task::spawn_blocking(move || {
        let mut all: Vec<&str> = args.iter().map(String::as_str).collect();
        all.push("--json");
        probe(&all)
    })
    .await
    .expect("probe task")
}

async fn sandbox() -> SandboxHandle {
    smtpx::sandbox::start(SandboxConfig::default())
        .await
        .expect("sandbox starts")
}

fn args(list: &[&str]) -> Vec<String> {
    list.iter().map(|s| s.to_string()).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_sandbox_sees_the_local_address_asked_for() {
    let server = sandbox().await;
    let mut messages = server.messages();
    let target = server.plain_addr().to_string();
    let output = probe_json(args(&[
        &target,
        "--local-addr",
        "127.0.0.2",
        "--no-starttls",
        "--from",
        "a@example.test",
        "--to",
        "b@example.test",
    ]))
    .await;
    exits(&output, 0);
    let message = tokio::time::timeout(Duration::from_secs(10), messages.recv())
        .await
        .expect("a message in time")
        .expect("a stored message");
    assert_eq!(message.peer.ip(), IpAddr::from([127, 0, 0, 2]));
    let text = std::fs::read_to_string(&message.path).expect("stored message");
    assert!(text.contains("([127.0.0.2])"), "{text}");
    server.shutdown().await;
}

#[test]
fn a_local_address_of_the_wrong_family_or_not_of_this_machine_is_a_clear_error() {
    let output = probe(&["127.0.0.1:9", "--local-addr", "::1", "--json"]);
    exits(&output, 20);
    let (kind, message) = error_message(&output);
    assert_eq!(kind, "local");
    assert_eq!(
        message,
        "cannot connect from local address ::1: it is IPv6 and 127.0.0.1 has only IPv4 addresses"
    );
    let output = probe(&["127.0.0.1:9", "--local-addr", "192.0.2.1", "--json"]);
    exits(&output, 20);
    let (kind, message) = error_message(&output);
    assert_eq!(kind, "local");
    assert!(
        message.starts_with("cannot connect from local address 192.0.2.1: ")
            && message.ends_with("(it is not an address of this machine)"),
        "{message}"
    );
}

/// Accepts one connection, reads a PROXY header of `version` (1 or 2), then plays a short
/// SMTP session; returns the header's bytes.
async fn header_recorder(version: u8) -> (SocketAddr, tokio::task::JoinHandle<Vec<u8>>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("address");
    let task = tokio::spawn(async move {
        let (mut tcp, _) = listener.accept().await.expect("accept");
        let mut header = Vec::new();
        let mut byte = [0u8; 1];
        loop {
            tcp.read_exact(&mut byte).await.expect("header byte");
            header.push(byte[0]);
            let done = match version {
                1 => header.ends_with(b"\r\n"),
                // 16 fixed bytes, then the length they give.
                _ => {
                    header.len() >= 16
                        && header.len()
                            == 16 + usize::from(u16::from_be_bytes([header[14], header[15]]))
                }
            };
            if done {
                break;
            }
        }
        tcp.write_all(b"220 recorder ESMTP\r\n")
            .await
            .expect("greet");
        let mut buf = [0u8; 512];
        for reply in [&b"250 recorder\r\n"[..], b"221 bye\r\n"] {
            let _ = tcp.read(&mut buf).await;
            let _ = tcp.write_all(reply).await;
        }
        header
    });
    (addr, task)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn proxy_headers_go_out_before_the_session_as_the_spec_writes_them() {
    let (addr, recorded) = header_recorder(1).await;
    let output = probe_json(args(&[
        &addr.to_string(),
        "--no-starttls",
        "--proxy-protocol",
        "v1",
        "--proxy-source",
        "192.0.2.7:4321",
    ]))
    .await;
    exits(&output, 0);
    let expected = format!("PROXY TCP4 192.0.2.7 127.0.0.1 4321 {}\r\n", addr.port());
    assert_eq!(
        String::from_utf8_lossy(&recorded.await.expect("recorder")),
        expected
    );
    assert!(
        stdout(&output).contains("sent a PROXY protocol v1 header ("),
        "{}",
        stdout(&output)
    );

    let (addr, recorded) = header_recorder(2).await;
    let output = probe_json(args(&[
        &addr.to_string(),
        "--no-starttls",
        "--proxy-protocol",
        "v2",
        "--local-addr",
        "127.0.0.3",
    ]))
    .await;
    exits(&output, 0);
    let header = recorded.await.expect("recorder");
    assert_eq!(&header[..12], b"\r\n\r\n\0\r\nQUIT\n");
    // Version 2 PROXY, TCP over IPv4, 12 address bytes; with no --proxy-source the source
    // is the connection's own address.
    assert_eq!(&header[12..16], &[0x21, 0x11, 0, 12]);
    assert_eq!(&header[16..20], &[127, 0, 0, 3]);
    assert_eq!(&header[20..24], &[127, 0, 0, 1]);
    assert_eq!(&header[26..28], &addr.port().to_be_bytes());
}

/// A SOCKS5 peer that accepts "no authentication", reads one CONNECT request and refuses
/// it with `code`; returns the request's address part (type byte onward).
async fn refusing_socks(code: u8) -> (SocketAddr, tokio::task::JoinHandle<Vec<u8>>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("address");
    let task = tokio::spawn(async move {
        let (mut tcp, _) = listener.accept().await.expect("accept");
        let mut head = [0u8; 2];
        tcp.read_exact(&mut head).await.expect("greeting");
        let mut methods = vec![0u8; usize::from(head[1])];
        tcp.read_exact(&mut methods).await.expect("methods");
        tcp.write_all(&[5, 0]).await.expect("method");
        let mut request = [0u8; 5];
        tcp.read_exact(&mut request).await.expect("request");
        let rest = match request[3] {
            1 => 3 + 2,
            4 => 15 + 2,
            _ => usize::from(request[4]) + 2,
        };
        let mut tail = vec![0u8; rest];
        tcp.read_exact(&mut tail).await.expect("address");
        tcp.write_all(&[5, code, 0, 1, 0, 0, 0, 0, 0, 0])
            .await
            .expect("reply");
        let mut address = request[3..].to_vec();
        address.extend_from_slice(&tail);
        address
    });
    (addr, task)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_host_name_goes_to_the_proxy_unresolved_and_a_refusal_names_the_proxy() {
    let (addr, request) = refusing_socks(0x04).await;
    let proxy = format!("socks5://{addr}");
    let output = probe_json(args(&["--proxy", &proxy, "mx.example.invalid:2525"])).await;
    exits(&output, 20);
    let mut expected = vec![3, 18];
    expected.extend_from_slice(b"mx.example.invalid");
    expected.extend_from_slice(&2525u16.to_be_bytes());
    assert_eq!(request.await.expect("peer"), expected);
    let (kind, message) = error_message(&output);
    assert_eq!(kind, "network");
    assert_eq!(
        message,
        format!(
            "SOCKS5 proxy {addr}: the proxy refused the connection: host unreachable from the \
             proxy (reply 0x04)"
        )
    );
}

#[test]
fn starttls_and_implicit_tls_work_through_a_real_socks5_proxy() {
    if !rig("SOCKS5 test", PROXIES) {
        return;
    }
    let subject = unique("socks-starttls");
    let output = probe(&[
        "--proxy",
        OPEN_PROXY,
        "localhost:10025",
        "--starttls",
        "--from",
        "smtpxtest@smtpx.test",
        "--to",
        "smtpxtest@localhost",
        "--subject",
        &subject,
        "--json",
    ]);
    let out = exits(&output, 0);
    assert!(out.contains("\"event\":\"tls\""), "{out}");
    assert!(
        out.contains("through SOCKS5 proxy socks5://127.0.0.1:1080"),
        "{out}"
    );
    let message = delivered(&subject);
    // Postfix received it from the proxy's end of the tunnel, over TLS.
    assert!(message.contains("[127.0.0.1])"), "{message}");
    assert!(message.contains("(using TLS"), "{message}");

    let output = probe(&[
        "--proxy",
        &auth_proxy(SOCKS_PASSWORD),
        "localhost:10465",
        "--tls-on-connect",
        "--json",
    ]);
    let out = exits(&output, 0);
    assert!(out.contains("\"event\":\"tls\""), "{out}");
    assert!(
        out.contains("socks5://smtpxsocks:***@127.0.0.1:1081"),
        "{out}"
    );
    assert!(!out.contains(SOCKS_PASSWORD), "{out}");
    assert!(!transcripts(&output).contains(SOCKS_PASSWORD));
}

#[test]
fn a_wrong_or_missing_proxy_password_is_a_clear_error_that_never_shows_it() {
    if !rig("SOCKS5 test", PROXIES) {
        return;
    }
    let wrong = "not-the-socks-password";
    let output = probe(&["--proxy", &auth_proxy(wrong), "localhost:10025", "--json"]);
    exits(&output, 20);
    let (kind, message) = error_message(&output);
    assert_eq!(kind, "local");
    assert_eq!(
        message,
        "SOCKS5 proxy 127.0.0.1:1081: the proxy refused the user name and password"
    );
    assert!(!stdout(&output).contains(wrong));
    assert!(!String::from_utf8_lossy(&output.stderr).contains(wrong));
    assert!(!transcripts(&output).contains(wrong));

    let output = probe(&[
        "--proxy",
        "socks5://127.0.0.1:1081",
        "localhost:10025",
        "--json",
    ]);
    exits(&output, 20);
    let (_, message) = error_message(&output);
    assert_eq!(
        message,
        "SOCKS5 proxy 127.0.0.1:1081: the proxy requires authentication: give \
         socks5://USER:PASSWORD@HOST:PORT"
    );
}

#[test]
fn the_proxy_resolves_the_servers_name() {
    if !rig("SOCKS5 test", PROXIES) {
        return;
    }
    // smtpx itself cannot resolve the name...
    let output = probe(&[&format!("{PROXY_ONLY_NAME}:10025"), "--json"]);
    exits(&output, 20);
    // ...the proxy can.
    let output = probe(&[
        "--proxy",
        OPEN_PROXY,
        &format!("{PROXY_ONLY_NAME}:10025"),
        "--no-starttls",
        "--json",
    ]);
    let out = exits(&output, 0);
    assert!(out.contains("ESMTP Postfix (smtpx interop)"), "{out}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_sandbox_is_reached_through_a_real_socks5_proxy_with_starttls() {
    if !rig("SOCKS5 test", PROXIES) {
        return;
    }
    let server = sandbox().await;
    let mut messages = server.messages();
    let target = format!("localhost:{}", server.plain_addr().port());
    let ca = server.ca_pem_path().display().to_string();
    let output = probe_json(args(&[
        "--proxy",
        OPEN_PROXY,
        &target,
        "--starttls",
        "--ca-file",
        &ca,
        "--from",
        "a@example.test",
        "--to",
        "b@example.test",
    ]))
    .await;
    let out = exits(&output, 0);
    assert!(out.contains("\"event\":\"tls\""), "{out}");
    let message = tokio::time::timeout(Duration::from_secs(10), messages.recv())
        .await
        .expect("a message in time")
        .expect("a stored message");
    assert!(message.tls, "the message went over TLS through the tunnel");
    server.shutdown().await;
}

#[test]
fn postfix_behind_a_proxy_header_sees_the_forwarded_client() {
    if !rig("PROXY protocol test", PROXY_LISTENER) {
        return;
    }
    for (version, source, shown) in [
        ("v2", "192.0.2.44:4444", "[192.0.2.44]"),
        ("v1", "198.51.100.45:4445", "[198.51.100.45]"),
    ] {
        let subject = unique(&format!("proxy-{version}"));
        let output = probe(&[
            PROXIED,
            "--proxy-protocol",
            version,
            "--proxy-source",
            source,
            "--starttls",
            "--from",
            "smtpxtest@smtpx.test",
            "--to",
            "smtpxtest@localhost",
            "--subject",
            &subject,
            "--json",
        ]);
        exits(&output, 0);
        let message = delivered(&subject);
        let received = message
            .lines()
            .find(|line| line.starts_with("Received: from"))
            .unwrap_or_default();
        assert!(received.contains(shown), "{version}: {message}");
    }
}

#[test]
fn postfix_sees_the_local_address_asked_for() {
    if !rig("local address test", &[]) {
        return;
    }
    let subject = unique("local-addr");
    let output = probe(&[
        "127.0.0.1:10025",
        "--local-addr",
        "127.0.0.2",
        "--no-starttls",
        "--from",
        "smtpxtest@smtpx.test",
        "--to",
        "smtpxtest@localhost",
        "--subject",
        &subject,
        "--json",
    ]);
    exits(&output, 0);
    let message = delivered(&subject);
    assert!(message.contains("[127.0.0.2])"), "{message}");
}

#[test]
fn replay_against_and_scan_go_through_the_proxy_too() {
    if !rig("SOCKS5 test", PROXIES) {
        return;
    }
    let dir = tempfile::tempdir().expect("temp dir");
    let file = dir.path().join("mta.jsonl");
    let file_arg = file.to_str().expect("utf-8");
    let output = probe(&[
        "127.0.0.1:10025",
        "--no-starttls",
        "--from",
        "smtpxtest@smtpx.test",
        "--to",
        "smtpxtest@localhost",
        "--record",
        file_arg,
    ]);
    exits(&output, 0);
    // The recording's server name resolves only at the proxy.
    let against = format!("{PROXY_ONLY_NAME}:10025");
    let output = postfix::smtpx(&[
        "replay",
        file_arg,
        "--against",
        &against,
        "--proxy",
        &auth_proxy(SOCKS_PASSWORD),
        "--no-record",
        "--timeout",
        "10",
    ]);
    let out = stdout(&output);
    assert!(out.contains("through SOCKS5 proxy"), "{out}");
    assert!(out.contains("re-ran all"), "{out}");
    assert!(!out.contains(SOCKS_PASSWORD), "{out}");

    let output = postfix::smtpx(&[
        "scan",
        PROXY_ONLY_NAME,
        "--ports",
        "10025,10465,1",
        "--proxy",
        OPEN_PROXY,
        "--json",
    ]);
    let report: serde_json::Value = serde_json::from_slice(&output.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}", stdout(&output)));
    let ports = report["ports"].as_array().expect("ports");
    assert_eq!(ports.len(), 3, "{report}");
    // The proxy says the server refused it (reply 5): the port is refused, as direct.
    assert_eq!(ports[2]["reach"]["state"], "refused", "{report}");
    for (port, started_by) in ports.iter().zip(["starttls", "implicit"]) {
        let greeting = port["greeting"]["text"].as_str().unwrap_or_default();
        assert!(greeting.contains("ESMTP Postfix (smtpx interop)"), "{port}");
        assert_eq!(port["tls"]["started_by"], started_by, "{port}");
        assert_eq!(port["tls"]["version"], "TLSv1.3", "{port}");
    }
}

#[test]
fn a_silent_port_is_checked_for_tls_through_the_proxy_too() {
    if !rig("SOCKS5 test", PROXIES) {
        return;
    }
    // The second connection, with a ClientHello, goes through the proxy like the first: on
    // a direct one the name would not even resolve.
    let output = probe(&[
        "--proxy",
        OPEN_PROXY,
        &format!("{PROXY_ONLY_NAME}:10465"),
        "--no-tls-on-connect",
        "--greeting-wait",
        "0.5",
    ]);
    let out = exits(&output, 21);
    assert!(out.contains("This port expects implicit TLS"), "{out}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_sandbox_behind_a_proxy_takes_the_client_from_the_header() {
    let server = smtpx::sandbox::start(SandboxConfig {
        behaviours: smtpx::sandbox::Behaviours {
            accept_proxy_header: true,
            ..Default::default()
        },
        idle_timeout: Duration::from_secs(1),
        ..SandboxConfig::default()
    })
    .await
    .expect("sandbox starts");
    let mut messages = server.messages();
    let target = server.plain_addr().to_string();
    for (version, source) in [("v2", "192.0.2.9:5000"), ("v1", "[2001:db8::9]:5001")] {
        let output = probe_json(args(&[
            &target,
            "--proxy-protocol",
            version,
            "--proxy-source",
            source,
            "--starttls",
            "--from",
            "a@example.test",
            "--to",
            "b@example.test",
        ]))
        .await;
        exits(&output, 0);
        let message = tokio::time::timeout(Duration::from_secs(10), messages.recv())
            .await
            .expect("a message in time")
            .expect("a stored message");
        let claimed: SocketAddr = source.parse().expect("address");
        assert_eq!(message.peer, claimed, "{version}");
        let text = std::fs::read_to_string(&message.path).expect("stored message");
        assert!(text.contains(&format!("([{}])", claimed.ip())), "{text}");
    }
    // Without the header the sandbox closes once its idle time is up, as Postfix does.
    let output = probe_json(args(&[&target, "--timeout", "10"])).await;
    exits(&output, 21);
    server.shutdown().await;
}
