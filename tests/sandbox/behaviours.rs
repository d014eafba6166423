//! The teaching behaviours (one test per flag), many clients at once, shutdown and the
//! connection limit, and the independent client (Python's smtplib).

use std::time::{Duration, Instant};

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use smtpx::sandbox::{Behaviours, SandboxConfig};
use tokio::net::TcpStream;

use super::client::*;

#[tokio::test]
async fn greeting_delay_holds_back_the_greeting() {
    let delay = Duration::from_millis(300);
    let server = server_with(Behaviours {
        greeting_delay: delay,
        ..Behaviours::default()
    })
    .await;
    let started = Instant::now();
    let _client = connect(server.plain_addr()).await;
    assert!(
        started.elapsed() >= delay,
        "greeting after {:?}",
        started.elapsed()
    );
}

#[tokio::test]
async fn greylist_defers_the_first_attempt_and_accepts_the_retry() {
    let server = server_with(Behaviours {
        greylist: true,
        ..Behaviours::default()
    })
    .await;
    let mut client = connect(server.plain_addr()).await;
    client.expect("EHLO client.test", 250).await;
    client.expect("MAIL FROM:<a@sender.test>", 250).await;
    assert!(
        client
            .expect("RCPT TO:<b@rcpt.test>", 451)
            .await
            .starts_with("4.7.1 ")
    );
    client.expect("RCPT TO:<b@rcpt.test>", 250).await;
}

#[tokio::test]
async fn reject_rcpt_pattern_gets_550_5_1_1() {
    let server = server_with(Behaviours {
        reject_rcpt: vec!["*@blocked.test".into()],
        ..Behaviours::default()
    })
    .await;
    let mut client = connect(server.plain_addr()).await;
    client.expect("EHLO client.test", 250).await;
    client.expect("MAIL FROM:<a@sender.test>", 250).await;
    assert!(
        client
            .expect("RCPT TO:<x@blocked.test>", 550)
            .await
            .starts_with("5.1.1 ")
    );
    client.expect("RCPT TO:<x@open.test>", 250).await;
}

#[tokio::test]
async fn tempfail_rate_one_always_fails_and_zero_never() {
    for (rate, code) in [(1.0, 451), (0.0, 250)] {
        let server = server_with(Behaviours {
            tempfail_rate: rate,
            ..Behaviours::default()
        })
        .await;
        let mut client = connect(server.plain_addr()).await;
        client.expect("EHLO client.test", 250).await;
        for _ in 0..20 {
            let text = client.expect("MAIL FROM:<a@sender.test>", code).await;
            assert!(code == 250 || text.starts_with("4.3.0 "), "{text}");
            client.expect("RSET", 250).await;
        }
    }
}

#[tokio::test]
async fn drop_after_data_closes_the_connection() {
    let server = server_with(Behaviours {
        drop_after: Some("data".into()),
        ..Behaviours::default()
    })
    .await;
    let mut client = connect(server.plain_addr()).await;
    start_transaction(&mut client).await;
    client.send(b"DATA\r\n").await;
    assert!(
        client.try_reply().await.is_none(),
        "no 354, connection closed"
    );
}

#[tokio::test]
async fn slow_reply_delays_every_reply() {
    let delay = Duration::from_millis(200);
    let server = server_with(Behaviours {
        slow_reply: delay,
        ..Behaviours::default()
    })
    .await;
    let mut client = connect(server.plain_addr()).await;
    let started = Instant::now();
    client.expect("NOOP", 250).await;
    assert!(
        started.elapsed() >= delay,
        "reply after {:?}",
        started.elapsed()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn twenty_concurrent_clients_all_get_their_message_stored() {
    let server = server(SandboxConfig::default()).await;
    let mut messages = server.messages();
    let addr = server.plain_addr();
    let clients: Vec<_> = (0..20)
        .map(|i| {
            tokio::spawn(async move {
                let mut client = connect(addr).await;
                start_transaction(&mut client).await;
                client.expect("DATA", 354).await;
                client
                    .send(format!("Subject: client {i}\r\n\r\nbody {i}\r\n.\r\n").as_bytes())
                    .await;
                assert_eq!(client.reply().await.code(), Some(250));
                client.expect("QUIT", 221).await;
            })
        })
        .collect();
    for client in clients {
        client.await.expect("client task");
    }
    let mut subjects = Vec::new();
    for _ in 0..20 {
        let stored = tokio::time::timeout(WAIT, messages.recv())
            .await
            .expect("in time")
            .expect("stored");
        subjects.push(
            String::from_utf8_lossy(&stored.read_content().expect("eml"))
                .lines()
                .next()
                .unwrap_or("")
                .to_owned(),
        );
    }
    subjects.sort();
    let mut expected: Vec<String> = (0..20).map(|i| format!("Subject: client {i}")).collect();
    expected.sort();
    assert_eq!(subjects, expected);
    assert_eq!(
        std::fs::read_dir(server.maildir())
            .expect("maildir")
            .count(),
        20
    );
    let summary = server.shutdown().await;
    assert_eq!((summary.connections, summary.messages), (20, 20));
}

#[tokio::test]
async fn shutdown_and_connection_limit_answer_421() {
    let server = server(SandboxConfig {
        max_connections: 1,
        ..SandboxConfig::default()
    })
    .await;
    let mut first = connect(server.plain_addr()).await;
    first.expect("NOOP", 250).await;
    let mut second = Client::new(
        TcpStream::connect(server.plain_addr())
            .await
            .expect("connect"),
    );
    assert!(text(&second.reply().await).starts_with("4.7.0 "));
    let summary = server.shutdown().await;
    assert_eq!(summary.refused_connections, 1);
    let reply = first.reply().await;
    assert_eq!(
        (reply.code(), text(&reply).starts_with("4.3.2")),
        (Some(421), true)
    );
}

#[tokio::test]
async fn python_smtplib_delivers_through_starttls_and_implicit_tls_byte_exact() {
    let server = server(SandboxConfig {
        tls_listen: Some("127.0.0.1:0".parse().expect("literal")),
        ..SandboxConfig::default()
    })
    .await;
    let mut messages = server.messages();
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/sandbox_smtplib.py");
    let args = vec![
        script.to_owned(),
        "127.0.0.1".to_owned(),
        server.plain_addr().port().to_string(),
        server.tls_addr().expect("TLS listener").port().to_string(),
        server.ca_pem_path().display().to_string(),
        server.credentials().user.clone(),
        server.credentials().password.clone(),
    ];
    let output = tokio::task::spawn_blocking(move || {
        std::process::Command::new("python3").args(args).output()
    })
    .await
    .expect("join")
    .expect("python3 must be installed to run this test");
    assert!(
        output.status.success(),
        "smtplib failed:\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let sent: serde_json::Value =
        serde_json::from_slice(&output.stdout).expect("JSON from the script");
    let sent = sent.as_array().expect("list");
    assert_eq!(sent.len(), 2);
    for _ in 0..2 {
        let stored = tokio::time::timeout(WAIT, messages.recv())
            .await
            .expect("in time")
            .expect("stored");
        let content = stored.read_content().expect("eml");
        let subject = if content.windows(12).any(|w| w == b"via STARTTLS") {
            "via STARTTLS"
        } else {
            "via SMTPS"
        };
        let entry = sent
            .iter()
            .find(|e| e["subject"] == subject)
            .expect("sent by the script");
        assert_eq!(entry["refused"].as_array().map(Vec::len), Some(0));
        let expected = BASE64
            .decode(entry["message"].as_str().expect("base64"))
            .expect("base64");
        assert_eq!(content, expected, "{subject} stored byte-exact");
        assert!(stored.tls && stored.authenticated.as_deref() == Some("demo"));
    }
}
