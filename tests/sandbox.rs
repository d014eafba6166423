//! Integration tests of the sandbox SMTP server over real sockets on 127.0.0.1, with a small
//! test client built from tokio, tokio-rustls and the protocol core's `ReplyReader` — plus one
//! independent client, Python's smtplib.

// This crate's own files, tests/sandbox/*.rs. The inline module is what puts them there: a
// crate root's `mod x;` looks for tests/x.rs.
mod sandbox {
    mod behaviours;
    pub mod client;
}

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use smtpx::sandbox::SandboxConfig;
use tokio::net::TcpStream;

use sandbox::client::*;

#[tokio::test]
async fn ehlo_lists_the_extensions_of_a_real_server() {
    let server = server(SandboxConfig::default()).await;
    let mut client = connect(server.plain_addr()).await;
    let ehlo = client.expect("EHLO client.test", 250).await;
    for keyword in [
        "PIPELINING",
        "SIZE 10485760",
        "8BITMIME",
        "SMTPUTF8",
        "CHUNKING",
        "ENHANCEDSTATUSCODES",
        "DSN",
        "STARTTLS",
        "AUTH PLAIN LOGIN CRAM-MD5",
    ] {
        assert!(
            ehlo.lines().any(|l| l == keyword),
            "{keyword} missing:\n{ehlo}"
        );
    }
    assert_eq!(client.expect("QUIT", 221).await, "2.0.0 Bye");
}

#[tokio::test]
async fn starttls_resets_ehlo_and_submission_offers_auth_only_after_tls() {
    let server = server(SandboxConfig {
        submission: true,
        ..SandboxConfig::default()
    })
    .await;
    let mut client = connect(server.plain_addr()).await;
    let before = client.expect("EHLO client.test", 250).await;
    assert!(
        before.contains("STARTTLS") && !before.contains("AUTH"),
        "{before}"
    );
    client.expect("STARTTLS", 220).await;
    let mut client = tls_handshake(&server, client.stream).await;
    client.expect("MAIL FROM:<a@sender.test>", 503).await;
    let after = client.expect("EHLO client.test", 250).await;
    assert!(
        !after.contains("STARTTLS") && after.contains("AUTH PLAIN LOGIN CRAM-MD5"),
        "{after}"
    );
    client.expect("STARTTLS", 503).await;
}

#[tokio::test]
async fn submission_mode_answers_530_until_starttls_and_auth() {
    let server = server(SandboxConfig {
        submission: true,
        ..SandboxConfig::default()
    })
    .await;
    let mut client = connect(server.plain_addr()).await;
    client.expect("EHLO client.test", 250).await;
    let text = client
        .expect(&format!("AUTH PLAIN {}", plain("demo-password")), 530)
        .await;
    assert_eq!(text, "5.7.0 Must issue a STARTTLS command first");
    client.expect("MAIL FROM:<a@sender.test>", 530).await;
    let mut client = starttls(&server).await;
    client.expect("EHLO client.test", 250).await;
    let text = client.expect("MAIL FROM:<a@sender.test>", 530).await;
    assert_eq!(text, "5.7.0 Authentication required");
    client
        .expect(&format!("AUTH PLAIN {}", plain("demo-password")), 235)
        .await;
    client.expect("MAIL FROM:<a@sender.test>", 250).await;
}

#[tokio::test]
async fn auth_plain_login_and_cram_md5_succeed_and_fail() {
    use hmac::{Hmac, KeyInit, Mac};
    let server = server(SandboxConfig::default()).await;
    for password in ["demo-password", "wrong"] {
        let ok = password == "demo-password";
        let code = if ok { 235 } else { 535 };

        let mut client = connect(server.plain_addr()).await;
        client.expect("EHLO client.test", 250).await;
        let text = client
            .expect(&format!("AUTH PLAIN {}", plain(password)), code)
            .await;
        assert!(ok || text.starts_with("5.7.8 "), "{text}");

        let mut client = connect(server.plain_addr()).await;
        client.expect("EHLO client.test", 250).await;
        assert_eq!(client.expect("AUTH LOGIN", 334).await, "VXNlcm5hbWU6");
        assert_eq!(
            client.expect(&BASE64.encode("demo"), 334).await,
            "UGFzc3dvcmQ6"
        );
        client.expect(&BASE64.encode(password), code).await;

        let mut client = connect(server.plain_addr()).await;
        client.expect("EHLO client.test", 250).await;
        let challenge = BASE64
            .decode(client.expect("AUTH CRAM-MD5", 334).await)
            .expect("base64");
        let mut mac =
            Hmac::<md5::Md5>::new_from_slice(password.as_bytes()).expect("any key length");
        mac.update(&challenge);
        let hex: String = mac
            .finalize()
            .into_bytes()
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        client
            .expect(&BASE64.encode(format!("demo {hex}")), code)
            .await;
    }
    let mut client = connect(server.plain_addr()).await;
    client.expect("EHLO client.test", 250).await;
    client.expect("AUTH LOGIN", 334).await;
    client.expect("*", 501).await;
}

#[tokio::test]
async fn dot_stuffed_data_is_stored_byte_exact_with_a_trace_header() {
    let server = server(SandboxConfig::default()).await;
    let mut messages = server.messages();
    let mut client = connect(server.plain_addr()).await;
    start_transaction(&mut client).await;
    client.expect("DATA", 354).await;
    client
        .send(b"Subject: dots\r\n\r\n..leading\r\n...\r\n. \r\n\xc3\xa9 8-bit\r\n.\r\n")
        .await;
    let text = text(&client.reply().await);
    let stored = messages.recv().await.expect("stored");
    assert_eq!(text, format!("2.0.0 Ok: queued as {}", stored.id));
    assert_eq!(
        stored.read_content().expect("eml"),
        b"Subject: dots\r\n\r\n.leading\r\n..\r\n \r\n\xc3\xa9 8-bit\r\n"
    );
    let file = std::fs::read(&stored.path).expect("eml");
    assert!(file.starts_with(b"Received: from client.test ([127.0.0.1])\r\n\tby localhost"));
    assert!(
        stored.path.starts_with(server.maildir())
            && stored.path.extension().is_some_and(|e| e == "eml")
    );
    assert_eq!(
        (stored.from.as_str(), stored.recipients.as_slice()),
        ("a@sender.test", &["b@rcpt.test".to_owned()][..])
    );
}

#[tokio::test]
async fn bdat_in_two_chunks_and_mixing_with_data() {
    let server = server(SandboxConfig::default()).await;
    let mut messages = server.messages();
    let mut client = connect(server.plain_addr()).await;
    start_transaction(&mut client).await;
    client.send(b"BDAT 14\r\nSubject: b\r\n\r\n").await;
    assert_eq!(text(&client.reply().await), "2.0.0 14 octets received");
    client.expect("DATA", 503).await;
    client.send(b"BDAT 7 LAST\r\n.line\r\n").await;
    assert_eq!(client.reply().await.code(), Some(250));
    let stored = messages.recv().await.expect("stored");
    assert_eq!(
        stored.read_content().expect("eml"),
        b"Subject: b\r\n\r\n.line\r\n"
    );
    client.expect("MAIL FROM:<a@sender.test>", 250).await;
    client.expect("RCPT TO:<b@rcpt.test>", 250).await;
    client.expect("BDAT 0 LAST", 250).await;
    assert_eq!(messages.recv().await.expect("stored").size, 0);
}

#[tokio::test]
async fn size_limit_is_enforced_at_mail_and_after_data() {
    let server = server(SandboxConfig {
        max_message_size: 100,
        ..SandboxConfig::default()
    })
    .await;
    let mut client = connect(server.plain_addr()).await;
    client.expect("EHLO client.test", 250).await;
    let text = client
        .expect("MAIL FROM:<a@sender.test> SIZE=101", 552)
        .await;
    assert!(text.starts_with("5.3.4 "), "{text}");
    client
        .expect("MAIL FROM:<a@sender.test> SIZE=50", 250)
        .await;
    client.expect("RCPT TO:<b@rcpt.test>", 250).await;
    client.expect("DATA", 354).await;
    client
        .send(format!("{}\r\n.\r\n", "x".repeat(200)).as_bytes())
        .await;
    let reply = client.reply().await;
    assert_eq!(
        (reply.code(), self::text(&reply).starts_with("5.3.4")),
        (Some(552), true)
    );
    client.expect("NOOP", 250).await;
}

#[tokio::test]
async fn sequence_unknown_and_syntax_errors() {
    let server = server(SandboxConfig::default()).await;
    let mut client = connect(server.plain_addr()).await;
    assert!(
        client
            .expect("MAIL FROM:<a@sender.test>", 503)
            .await
            .starts_with("5.5.1 ")
    );
    client.expect("EHLO client.test", 250).await;
    client.expect("RCPT TO:<b@rcpt.test>", 503).await;
    client.expect("DATA", 503).await;
    assert!(client.expect("XYZZY", 500).await.starts_with("5.5.2 "));
    assert!(client.expect("TURN", 502).await.starts_with("5.5.1 "));
    assert!(
        client
            .expect("MAIL FROM:no-brackets@sender.test", 501)
            .await
            .starts_with("5.5.4 ")
    );
    client.expect("MAIL FROM:<bad address@x>", 501).await;
    client.expect("MAIL FROM:<a@sender.test> FOO=1", 555).await;
    client
        .expect("MAIL FROM:<a@sender.test> RET=HDRS ENVID=x+2B1", 250)
        .await;
    client
        .expect(
            "RCPT TO:<b@rcpt.test> NOTIFY=SUCCESS,DELAY ORCPT=rfc822;b@rcpt.test",
            250,
        )
        .await;
    client.expect("MAIL FROM:<a@sender.test>", 503).await;
}

#[tokio::test]
async fn over_long_line_gets_500_and_session_goes_on() {
    let server = server(SandboxConfig::default()).await;
    let mut client = connect(server.plain_addr()).await;
    client
        .send(format!("NOOP {}\r\n", "x".repeat(100_000)).as_bytes())
        .await;
    assert_eq!(text(&client.reply().await), "5.5.6 Error: line too long");
    client.expect("NOOP", 250).await;
}

#[tokio::test]
async fn too_many_recipients_get_452() {
    let server = server(SandboxConfig {
        max_recipients: 3,
        ..SandboxConfig::default()
    })
    .await;
    let mut client = connect(server.plain_addr()).await;
    client.expect("EHLO client.test", 250).await;
    client.expect("MAIL FROM:<a@sender.test>", 250).await;
    for i in 0..3 {
        client
            .expect(&format!("RCPT TO:<r{i}@rcpt.test>"), 250)
            .await;
    }
    assert_eq!(
        client.expect("RCPT TO:<r3@rcpt.test>", 452).await,
        "4.5.3 Error: too many recipients"
    );
}

#[tokio::test]
async fn pipelined_commands_in_one_write_are_answered_in_order() {
    let server = server(SandboxConfig::default()).await;
    let mut messages = server.messages();
    let mut client = connect(server.plain_addr()).await;
    client.expect("EHLO client.test", 250).await;
    client
        .send(b"MAIL FROM:<a@sender.test>\r\nRCPT TO:<b@rcpt.test>\r\nRCPT TO:<x@rcpt.test>\r\nDATA\r\nSubject: p\r\n\r\nhi\r\n.\r\nQUIT\r\n")
        .await;
    let mut codes = Vec::new();
    while let Some(reply) = client.try_reply().await {
        codes.push(reply.code().unwrap_or(0));
    }
    assert_eq!(codes, [250, 250, 250, 354, 250, 221]);
    assert_eq!(messages.recv().await.expect("stored").recipients.len(), 2);
}

#[tokio::test]
async fn bytes_pipelined_after_starttls_are_discarded_and_logged() {
    let server = server(SandboxConfig::default()).await;
    let mut log = server.log_events();
    let mut client = connect(server.plain_addr()).await;
    client.expect("EHLO client.test", 250).await;
    client.send(b"STARTTLS\r\nRSET\r\nNOOP injected\r\n").await;
    assert_eq!(client.reply().await.code(), Some(220));
    let mut client = tls_handshake(&server, client.stream).await;
    // The first reply inside TLS answers this EHLO: the injected commands got none.
    let ehlo = client.expect("EHLO client.test", 250).await;
    assert!(ehlo.starts_with("localhost Hello client.test"), "{ehlo}");
    let warning = tokio::time::timeout(WAIT, async {
        loop {
            let event = log.recv().await.expect("log open");
            if event.text.contains("discarded") {
                return event.text;
            }
        }
    })
    .await
    .expect("warning logged");
    assert!(
        warning.contains("21 octets") && warning.contains("CVE-2011-0411"),
        "{warning}"
    );
}

#[tokio::test]
async fn implicit_tls_listener_delivers() {
    let server = server(SandboxConfig {
        tls_listen: Some("127.0.0.1:0".parse().expect("literal")),
        ..SandboxConfig::default()
    })
    .await;
    let mut messages = server.messages();
    let tcp = TcpStream::connect(server.tls_addr().expect("TLS listener"))
        .await
        .expect("connect");
    let mut client = tls_handshake(&server, tcp).await;
    assert_eq!(client.reply().await.code(), Some(220));
    let ehlo = client.expect("EHLO client.test", 250).await;
    assert!(!ehlo.contains("STARTTLS"));
    client
        .expect(&format!("AUTH PLAIN {}", plain("demo-password")), 235)
        .await;
    client.expect("MAIL FROM:<a@sender.test>", 250).await;
    client.expect("RCPT TO:<b@rcpt.test>", 250).await;
    client.expect("DATA", 354).await;
    client.send(b"Subject: tls\r\n\r\n.\r\n").await;
    assert_eq!(client.reply().await.code(), Some(250));
    let stored = messages.recv().await.expect("stored");
    assert!(stored.tls && stored.authenticated.as_deref() == Some("demo"));
    let file = std::fs::read(&stored.path).expect("eml");
    assert!(String::from_utf8_lossy(&file).contains("with ESMTPSA id"));
}
