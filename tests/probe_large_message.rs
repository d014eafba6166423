//! `smtpx probe --data FILE` streams the file: a message larger than the transcript keeps
//! ([`RECORDED_BODY_LIMIT`]) is delivered byte-exact over STARTTLS to the sandbox and
//! recorded as its size and SHA-256; a small one is still recorded byte for byte. Either
//! transcript reads back and exports.

use std::path::{Path, PathBuf};

use serde_json::Value;
use sha2::{Digest, Sha256};
use smtpx::driver::RECORDED_BODY_LIMIT;
use smtpx::proto::data::dot_stuff;
use smtpx::sandbox::{SandboxConfig, SandboxHandle, start};

mod support;

use support::probe::run_probe;

fn scratch(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("probe_large_message");
    std::fs::create_dir_all(&dir).expect("scratch dir");
    dir.join(name)
}

/// `size` octets of CRLF text in which every seventh line starts with a dot (stuffed on the
/// wire), with 8-bit octets, deterministic.
fn message(size: usize) -> Vec<u8> {
    let mut out = b"Subject: large\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n".to_vec();
    let mut n = 0u64;
    while out.len() < size {
        n += 1;
        if n % 7 == 0 {
            out.extend_from_slice(b".");
        }
        out.extend_from_slice(
            format!("line {n:08} Gr\u{fc}\u{df}e {}\r\n", "x".repeat(50)).as_bytes(),
        );
    }
    out
}

async fn sandbox(maildir: &Path) -> SandboxHandle {
    let _ = std::fs::remove_dir_all(maildir);
    start(SandboxConfig {
        maildir: Some(maildir.to_path_buf()),
        max_message_size: 64 * 1024 * 1024,
        ..SandboxConfig::default()
    })
    .await
    .expect("sandbox starts")
}

/// Runs the probe with STARTTLS required and returns (exit code, stdout).
async fn probe(server: &SandboxHandle, data: &Path, record: &Path) -> (i32, String) {
    let path = |p: &Path| p.to_str().expect("utf-8 path").to_string();
    // One command at a time, DATA (not BDAT): the streamed DATA content is what is checked.
    let mut args = vec![
        server.plain_addr().to_string(),
        "--starttls".into(),
        "--no-pipeline".into(),
    ];
    args.extend(["--ca-file".into(), path(server.ca_pem_path())]);
    args.extend(["--from", "a@sender.test", "--to", "b@rcpt.test"].map(String::from));
    args.extend(["--data".into(), path(data), "--record".into(), path(record)]);
    let output = run_probe(args, &[], None).await;
    (
        output.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&output.stdout).into_owned(),
    )
}

/// The stored message without the sandbox's trace header.
async fn delivered(messages: &mut smtpx::sandbox::MessageReceiver) -> Vec<u8> {
    let stored = tokio::time::timeout(std::time::Duration::from_secs(30), messages.recv())
        .await
        .expect("a message within 30 s")
        .expect("a stored message");
    let bytes = std::fs::read(&stored.path).expect("read the stored message");
    bytes[stored.trace_header_len..].to_vec()
}

/// The transcript's `sent` line for the message content (the one after the 354).
fn body_line(transcript: &Path) -> Value {
    let text = std::fs::read_to_string(transcript).expect("read the transcript");
    for line in text.lines() {
        assert!(
            line.len() < RECORDED_BODY_LIMIT * 2,
            "a transcript line of {} bytes",
            line.len()
        );
    }
    let lines: Vec<Value> = text
        .lines()
        .map(|l| serde_json::from_str(l).expect("JSON line"))
        .collect();
    lines
        .into_iter()
        .find(|l| {
            l["kind"] == "sent"
                && l["shown"]
                    .as_str()
                    .is_some_and(|s| s.starts_with("<message:"))
        })
        .expect("a sent line for the message")
}

fn exports(transcript: &Path) -> String {
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_smtpx"))
        .env(
            "XDG_STATE_HOME",
            concat!(env!("CARGO_TARGET_TMPDIR"), "/xdg-state"),
        )
        .arg("export")
        .arg(transcript)
        .output()
        .expect("run smtpx export");
    assert!(output.status.success(), "export failed: {output:?}");
    String::from_utf8_lossy(&output.stdout).into_owned()
}

#[tokio::test(flavor = "multi_thread")]
async fn an_8_mib_data_file_is_streamed_byte_exact_and_recorded_as_size_and_digest() {
    let server = sandbox(&scratch("maildir-large")).await;
    let content = message(8 * 1024 * 1024);
    let data = scratch("large.eml");
    std::fs::write(&data, &content).expect("write the message");
    let record = scratch("large.jsonl");

    let mut messages = server.messages();
    let (code, stdout) = probe(&server, &data, &record).await;
    assert_eq!(code, 0, "{stdout}");
    assert!(
        delivered(&mut messages).await == content,
        "the stored message differs from the file"
    );

    let wire = dot_stuff(&content).bytes;
    assert!(wire.len() > RECORDED_BODY_LIMIT);
    let line = body_line(&record);
    assert_eq!(line["redacted"]["what"], "body", "{line}");
    assert_eq!(line["redacted"]["size"], wire.len() as u64, "{line}");
    let digest: String = Sha256::digest(&wire)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    assert_eq!(line["redacted"]["sha256"], digest.as_str(), "{line}");
    assert!(
        line.get("text").is_none() && line.get("base64").is_none(),
        "{line}"
    );
    assert!(exports(&record).contains("not recorded"));
}

#[tokio::test(flavor = "multi_thread")]
async fn a_small_data_file_is_still_recorded_byte_for_byte() {
    let server = sandbox(&scratch("maildir-small")).await;
    let content = message(4096);
    let data = scratch("small.eml");
    std::fs::write(&data, &content).expect("write the message");
    let record = scratch("small.jsonl");

    let mut messages = server.messages();
    let (code, stdout) = probe(&server, &data, &record).await;
    assert_eq!(code, 0, "{stdout}");
    assert!(delivered(&mut messages).await == content);

    let line = body_line(&record);
    let wire = String::from_utf8(dot_stuff(&content).bytes).expect("UTF-8 message");
    assert_eq!(line["text"], wire.as_str());
    assert!(line.get("redacted").is_none(), "{line}");
    exports(&record);
}

/// A plain SMTP client that writes bytes as given and reads whole replies.
struct Client(tokio::io::BufReader<tokio::net::TcpStream>);

impl Client {
    async fn connect(server: &SandboxHandle) -> Client {
        let stream = tokio::net::TcpStream::connect(server.plain_addr())
            .await
            .expect("connect");
        Client(tokio::io::BufReader::new(stream))
    }

    /// One reply, all its lines.
    async fn reply(&mut self) -> String {
        use tokio::io::AsyncBufReadExt;
        let mut reply = String::new();
        loop {
            let mut line = String::new();
            let read = self.0.read_line(&mut line);
            let n = tokio::time::timeout(std::time::Duration::from_secs(30), read)
                .await
                .expect("a reply within 30 s")
                .expect("read");
            assert!(n > 0, "the sandbox closed the connection");
            reply.push_str(&line);
            if line.as_bytes().get(3) == Some(&b' ') {
                return reply;
            }
        }
    }

    /// Writes `wire` (pipelined commands and content) and reads `count` replies.
    async fn send(&mut self, wire: &[u8], count: usize) -> Vec<String> {
        use tokio::io::AsyncWriteExt;
        self.0.get_mut().write_all(wire).await.expect("write");
        let mut replies = Vec::new();
        while replies.len() < count {
            replies.push(self.reply().await);
        }
        replies
    }
}

/// Files in the maildir, hidden partial files included.
fn maildir_files(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .expect("maildir")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

/// The sandbox writes DATA content to disk as it arrives (memory stays flat): a message
/// many pieces long is stored exactly, and one refused after pieces were written — over the
/// size limit without a SIZE declaration, or with a bare LF deep inside — leaves no file,
/// partial or otherwise.
#[tokio::test(flavor = "multi_thread")]
async fn the_sandbox_spools_data_to_disk_and_leaves_nothing_of_a_refused_message() {
    let dir = scratch("maildir-spool");
    let _ = std::fs::remove_dir_all(&dir);
    let server = start(SandboxConfig {
        maildir: Some(dir.clone()),
        max_message_size: 2 * 1024 * 1024,
        ..SandboxConfig::default()
    })
    .await
    .expect("sandbox starts");
    let mut messages = server.messages();
    let mut client = Client::connect(&server).await;
    assert!(client.reply().await.starts_with("220 "));
    assert!(client.send(b"EHLO c.test\r\n", 1).await[0].starts_with("250"));
    // MAIL without SIZE=, so only the content can exceed the limit.
    let transaction = |content: &[u8], exact: bool| {
        let mut wire = b"MAIL FROM:<a@sender.test>\r\nRCPT TO:<b@rcpt.test>\r\nDATA\r\n".to_vec();
        let stuffed = if exact {
            smtpx::proto::data::dot_stuff_exact(content)
        } else {
            dot_stuff(content)
        };
        wire.extend_from_slice(&stuffed.bytes);
        wire
    };

    // 3 MiB against a 2 MiB limit.
    let replies = client.send(&transaction(&message(3 << 20), false), 4).await;
    assert_eq!(
        &replies[..3].iter().map(|r| &r[..4]).collect::<Vec<_>>(),
        &["250 ", "250 ", "354 "]
    );
    assert!(replies[3].starts_with("552 "), "{replies:?}");
    assert_eq!(maildir_files(&dir), Vec::<String>::new());

    // A bare LF after more than a megabyte of content.
    let mut content = message((1 << 20) + 10);
    content.extend_from_slice(b"bare\nline\r\n");
    let replies = client.send(&transaction(&content, true), 4).await;
    assert!(replies[3].starts_with("550 "), "{replies:?}");
    assert_eq!(maildir_files(&dir), Vec::<String>::new());

    // Accepted: stored exactly, one file.
    let content = message(1536 * 1024);
    let replies = client.send(&transaction(&content, false), 4).await;
    assert!(replies[3].starts_with("250 "), "{replies:?}");
    assert!(delivered(&mut messages).await == content);
    assert_eq!(maildir_files(&dir).len(), 1, "{:?}", maildir_files(&dir));
    assert!(client.send(b"QUIT\r\n", 1).await[0].starts_with("221 "));
}
