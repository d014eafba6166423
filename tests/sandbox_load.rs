//! The sandbox under a bounded loopback load: 200 concurrent sessions, each doing
//! STARTTLS (strict verification against the sandbox's CA), AUTH PLAIN and DATA through
//! smtpx's own driver, while one client trickles a command a byte every 100 ms and another
//! holds a connection idle. No session may fail, every message must be stored once with
//! exactly the content sent, and the slow clients must still be served afterwards. Then the
//! limits: connections over the cap get `421 4.7.0`, an over-long line `500 5.5.6` (and the
//! session goes on), a message over SIZE `552 5.3.4`.
//!
//! Bounded: the load is a fixed count, every wait has a deadline; no timing is asserted.

use std::collections::BTreeSet;
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use smtpx::driver::Driver;
use smtpx::net::{ConnectOptions, Target, TlsOptions, VerifyMode};
use smtpx::proto::auth::Mechanism;
use smtpx::proto::command::Command;
use smtpx::sandbox::{self, SandboxConfig, SandboxHandle};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpStream;
use zeroize::Zeroizing;

const SESSIONS: usize = 200;
/// Every single wait in this file ends by then, whatever the sandbox does.
const DEADLINE: Duration = Duration::from_secs(30);

/// One whole submission through the driver; the reply codes in order, or what failed.
async fn submit(sandbox: Arc<SandboxDetails>, i: usize) -> Result<Vec<u16>, String> {
    let target = Target::new("127.0.0.1", sandbox.addr.port());
    let tls = TlsOptions {
        ca_file: Some(sandbox.ca.clone()),
        verify_name: Some("localhost".into()),
        mode: VerifyMode::Strict,
        handshake_timeout: DEADLINE,
        ..TlsOptions::default()
    };
    let options = ConnectOptions {
        connect_timeout: DEADLINE,
        send_timeout: DEADLINE,
        ..ConnectOptions::default()
    };
    let mut driver = Driver::new(target, options, tls, DEADLINE, Box::new(|_| {}));
    let mut codes = Vec::new();
    let fail = |what: &str, e: &dyn std::fmt::Display| format!("session {i}: {what}: {e}");
    driver
        .connect(false)
        .await
        .map_err(|e| fail("connect", &e))?;
    let mut code = |reply: smtpx::proto::reply::Reply| {
        let code = reply.code().unwrap_or(0);
        codes.push(code);
        code
    };
    code(
        driver
            .read_reply()
            .await
            .map_err(|e| fail("greeting", &e))?,
    );
    let ehlo = Command::Ehlo(format!("load{i}.test"));
    code(driver.command(&ehlo).await.map_err(|e| fail("EHLO", &e))?);
    code(
        driver
            .command(&Command::StartTls)
            .await
            .map_err(|e| fail("STARTTLS", &e))?,
    );
    driver
        .start_tls()
        .await
        .map_err(|e| fail("handshake", &e))?;
    code(driver.command(&ehlo).await.map_err(|e| fail("EHLO", &e))?);
    let secret = Zeroizing::new(sandbox.password.clone());
    code(
        driver
            .authenticate(Mechanism::Plain, &sandbox.user, secret)
            .await
            .map_err(|e| fail("AUTH", &e))?,
    );
    let mail = Command::Mail {
        from: format!("sender{i}@load.test"),
        params: Vec::new(),
    };
    code(driver.command(&mail).await.map_err(|e| fail("MAIL", &e))?);
    let rcpt = Command::Rcpt {
        to: format!("rcpt{i}@load.test"),
        params: Vec::new(),
    };
    code(driver.command(&rcpt).await.map_err(|e| fail("RCPT", &e))?);
    code(
        driver
            .command(&Command::Data)
            .await
            .map_err(|e| fail("DATA", &e))?,
    );
    let message = message(i);
    code(
        driver
            .send_message(message.as_bytes())
            .await
            .map_err(|e| fail("message", &e))?,
    );
    code(
        driver
            .command(&Command::Quit)
            .await
            .map_err(|e| fail("QUIT", &e))?,
    );
    driver.close().await;
    Ok(codes)
}

/// Message `i`: unique, with a line that needs dot-stuffing, so a lost, mixed-up or
/// mangled message shows.
fn message(i: usize) -> String {
    format!(
        "From: sender{i}@load.test\r\nTo: rcpt{i}@load.test\r\nSubject: load {i}\r\n\r\n\
         body of message {i}\r\n.a line that starts with a dot {i}\r\n{}\r\nend {i}\r\n",
        "x".repeat(i % 97 * 10)
    )
}

struct SandboxDetails {
    addr: SocketAddr,
    ca: std::path::PathBuf,
    user: String,
    password: String,
}

impl SandboxDetails {
    fn of(sandbox: &SandboxHandle) -> Arc<SandboxDetails> {
        Arc::new(SandboxDetails {
            addr: sandbox.plain_addr(),
            ca: sandbox.ca_pem_path().to_path_buf(),
            user: sandbox.credentials().user.clone(),
            password: sandbox.credentials().password.clone(),
        })
    }
}

/// A raw line-oriented client for the slow and limit cases.
struct Raw {
    reader: BufReader<tokio::net::tcp::OwnedReadHalf>,
    writer: tokio::net::tcp::OwnedWriteHalf,
}

impl Raw {
    async fn connect(addr: SocketAddr) -> Raw {
        let tcp = TcpStream::connect(addr).await.expect("connect");
        let (read, writer) = tcp.into_split();
        Raw {
            reader: BufReader::new(read),
            writer,
        }
    }

    /// The next whole reply (continuation lines skipped): its last line, or "" at close.
    async fn reply(&mut self) -> String {
        loop {
            let mut line = String::new();
            let n = tokio::time::timeout(DEADLINE, self.reader.read_line(&mut line))
                .await
                .expect("a reply within the deadline")
                .unwrap_or(0);
            if n == 0 {
                return String::new();
            }
            if line.as_bytes().get(3) != Some(&b'-') {
                return line.trim_end().to_string();
            }
        }
    }

    async fn send(&mut self, bytes: &[u8]) {
        self.writer.write_all(bytes).await.expect("write");
    }

    /// MAIL, RCPT and DATA without SIZE=, each answered as expected (250, 250, 354).
    async fn start_data(&mut self) {
        for (line, code) in [
            ("MAIL FROM:<a@size.test>", "250"),
            ("RCPT TO:<b@size.test>", "250"),
            ("DATA", "354"),
        ] {
            let reply = self.command(line).await;
            assert!(reply.starts_with(code), "{line}: {reply}");
        }
    }

    async fn command(&mut self, line: &str) -> String {
        self.send(format!("{line}\r\n").as_bytes()).await;
        self.reply().await
    }
}

/// Sends `NOOP …` one byte every 100 ms, over and over, until `stop`; returns the replies.
async fn trickle(addr: SocketAddr, stop: Arc<AtomicBool>) -> Vec<String> {
    let mut raw = Raw::connect(addr).await;
    let mut replies = vec![raw.reply().await];
    while !stop.load(Ordering::SeqCst) {
        for byte in b"NOOP trickle\r\n" {
            raw.send(&[*byte]).await;
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        replies.push(raw.reply().await);
    }
    replies.push(raw.command("QUIT").await);
    replies
}

fn stored_messages(sandbox: &SandboxHandle) -> Vec<String> {
    std::fs::read_dir(sandbox.maildir())
        .expect("maildir")
        .flatten()
        .filter(|e| e.path().extension().is_some_and(|x| x == "eml"))
        .map(|e| std::fs::read_to_string(e.path()).expect("read a stored message"))
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_hundred_concurrent_tls_auth_data_sessions_lose_nothing_beside_slow_clients() {
    let sandbox = sandbox::start(SandboxConfig {
        max_connections: SESSIONS + 8,
        ..SandboxConfig::default()
    })
    .await
    .expect("start the sandbox");
    let details = SandboxDetails::of(&sandbox);

    // The slow clients connect first and stay through the whole load.
    let stop = Arc::new(AtomicBool::new(false));
    let trickler = tokio::spawn(trickle(details.addr, stop.clone()));
    let mut idle = Raw::connect(details.addr).await;
    assert!(
        idle.reply().await.starts_with("220"),
        "no greeting for the idle client"
    );

    let sessions: Vec<_> = (0..SESSIONS)
        .map(|i| tokio::spawn(submit(details.clone(), i)))
        .collect();
    let mut failures = Vec::new();
    for (i, session) in sessions.into_iter().enumerate() {
        match tokio::time::timeout(DEADLINE, session).await {
            Ok(Ok(Ok(codes))) => {
                if codes != [220, 250, 220, 250, 235, 250, 250, 354, 250, 221] {
                    failures.push(format!("session {i}: replies {codes:?}"));
                }
            }
            Ok(Ok(Err(e))) => failures.push(e),
            Ok(Err(e)) => failures.push(format!("session {i} panicked: {e}")),
            Err(_) => failures.push(format!("session {i} hung")),
        }
    }
    assert!(
        failures.is_empty(),
        "{} sessions failed: {failures:#?}",
        failures.len()
    );

    // Every message stored once, each exactly as sent (after the trace header).
    let stored = stored_messages(&sandbox);
    assert_eq!(
        stored.len(),
        SESSIONS,
        "stored {} of {SESSIONS}",
        stored.len()
    );
    let mut seen = BTreeSet::new();
    for text in &stored {
        let i: usize = text
            .split("Subject: load ")
            .nth(1)
            .and_then(|rest| rest.split("\r\n").next())
            .and_then(|n| n.parse().ok())
            .unwrap_or_else(|| panic!("a stored message without its number: {text}"));
        assert!(seen.insert(i), "message {i} stored twice");
        assert!(
            text.ends_with(&message(i)),
            "message {i} was changed on the way: {text}"
        );
    }

    // The slow clients were never cut off: both are still served.
    assert_eq!(idle.command("NOOP").await, "250 2.0.0 Ok");
    stop.store(true, Ordering::SeqCst);
    let replies = tokio::time::timeout(DEADLINE, trickler)
        .await
        .expect("the trickling client finished")
        .expect("trickler task");
    assert!(replies[0].starts_with("220"), "{replies:?}");
    assert!(
        replies.len() >= 3,
        "the trickled NOOP never completed: {replies:?}"
    );
    assert!(
        replies[1..replies.len() - 1]
            .iter()
            .all(|r| r == "250 2.0.0 Ok"),
        "{replies:?}"
    );
    assert!(replies[replies.len() - 1].starts_with("221"), "{replies:?}");
    let summary = sandbox.shutdown().await;
    assert_eq!(summary.refused_connections, 0, "{summary:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn connections_over_the_limit_get_421_and_a_freed_slot_is_reused() {
    let sandbox = sandbox::start(SandboxConfig {
        max_connections: 3,
        ..SandboxConfig::default()
    })
    .await
    .expect("start the sandbox");
    let addr = sandbox.plain_addr();
    let mut held = Vec::new();
    for _ in 0..3 {
        let mut raw = Raw::connect(addr).await;
        assert!(raw.reply().await.starts_with("220"));
        held.push(raw);
    }
    for _ in 0..5 {
        let mut over = Raw::connect(addr).await;
        let reply = over.reply().await;
        assert!(reply.starts_with("421 4.7.0"), "{reply}");
        assert_eq!(over.reply().await, "", "the refused connection stayed open");
    }
    // The held sessions are unaffected.
    assert_eq!(held[0].command("NOOP").await, "250 2.0.0 Ok");
    // One leaves; its slot is free again once the sandbox has seen it go.
    let mut leaving = held.pop().expect("a held connection");
    assert!(leaving.command("QUIT").await.starts_with("221"));
    assert_eq!(leaving.reply().await, "");
    let deadline = tokio::time::Instant::now() + DEADLINE;
    loop {
        let mut next = Raw::connect(addr).await;
        let reply = next.reply().await;
        if reply.starts_with("220") {
            break;
        }
        assert!(reply.starts_with("421 4.7.0"), "{reply}");
        assert!(
            tokio::time::Instant::now() < deadline,
            "the slot never came back"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let summary = sandbox.shutdown().await;
    assert!(summary.refused_connections >= 5, "{summary:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn over_long_lines_are_refused_and_the_session_goes_on() {
    let sandbox = sandbox::start(SandboxConfig::default())
        .await
        .expect("start the sandbox");
    let mut raw = Raw::connect(sandbox.plain_addr()).await;
    assert!(raw.reply().await.starts_with("220"));
    assert!(raw.command("EHLO long.test").await.starts_with("250"));
    // Just over the 1000-octet command limit, then 4 MiB with no line end for a while.
    let reply = raw.command(&format!("NOOP {}", "y".repeat(1000))).await;
    assert_eq!(reply, "500 5.5.6 Error: line too long");
    raw.send(&vec![b'z'; 4 * 1024 * 1024]).await;
    let reply = raw.command("").await;
    assert_eq!(reply, "500 5.5.6 Error: line too long");
    assert_eq!(raw.command("NOOP").await, "250 2.0.0 Ok");
    assert!(raw.command("QUIT").await.starts_with("221"));
    sandbox.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn messages_over_the_size_limit_are_refused_with_552_and_not_stored() {
    let limit = 16 * 1024;
    let sandbox = sandbox::start(SandboxConfig {
        max_message_size: limit,
        ..SandboxConfig::default()
    })
    .await
    .expect("start the sandbox");
    let mut raw = Raw::connect(sandbox.plain_addr()).await;
    assert!(raw.reply().await.starts_with("220"));
    assert!(raw.command("EHLO size.test").await.starts_with("250"));
    // Declared too big (RFC 1870 §6): refused at MAIL.
    let reply = raw
        .command(&format!("MAIL FROM:<a@size.test> SIZE={}", limit + 1))
        .await;
    assert!(reply.starts_with("552"), "{reply}");
    // Not declared, but too big: refused after the data, and nothing stored.
    raw.start_data().await;
    let line = format!("{}\r\n", "m".repeat(998));
    for _ in 0..(limit / line.len() + 2) {
        raw.send(line.as_bytes()).await;
    }
    let reply = raw.command(".").await;
    assert!(reply.starts_with("552 5.3.4"), "{reply}");
    // A message under the limit on the same connection is still taken.
    raw.start_data().await;
    raw.send(b"Subject: small\r\n\r\nfits\r\n").await;
    assert!(raw.command(".").await.starts_with("250"));
    assert!(raw.command("QUIT").await.starts_with("221"));
    let stored = stored_messages(&sandbox);
    assert_eq!(stored.len(), 1, "the oversized message was stored");
    assert!(stored[0].ends_with("Subject: small\r\n\r\nfits\r\n"));
    sandbox.shutdown().await;
}
