//! The test client: raw bytes out, whole replies in (through the protocol core's
//! `ReplyReader`), STARTTLS and implicit TLS trusting the sandbox's CA.

use std::sync::Arc;
use std::time::Duration;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use smtpx::proto::reply::{Limits, Reply, ReplyReader};
use smtpx::sandbox::{Behaviours, SandboxConfig, SandboxHandle, start};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio_rustls::TlsConnector;
use tokio_rustls::client::TlsStream;
use tokio_rustls::rustls::pki_types::ServerName;
use tokio_rustls::rustls::{self, ClientConfig, RootCertStore};

pub const WAIT: Duration = Duration::from_secs(5);

/// A minimal SMTP client for tests: writes raw bytes, reads whole replies.
pub struct Client<S> {
    pub stream: S,
    pub reader: ReplyReader,
}

impl<S: AsyncRead + AsyncWrite + Unpin> Client<S> {
    pub fn new(stream: S) -> Self {
        Client {
            stream,
            reader: ReplyReader::new(Limits::default()),
        }
    }

    /// The next reply; panics after 5 s or if the connection closes first.
    pub async fn reply(&mut self) -> Reply {
        self.try_reply()
            .await
            .expect("connection closed before a reply")
    }

    /// The next reply, or `None` if the server closed the connection.
    pub async fn try_reply(&mut self) -> Option<Reply> {
        let mut buf = [0u8; 4096];
        loop {
            if let Some(reply) = self.reader.next_reply().expect("reply within limits") {
                return Some(reply);
            }
            let n = tokio::time::timeout(WAIT, self.stream.read(&mut buf))
                .await
                .expect("reply within 5 s")
                .unwrap_or(0);
            if n == 0 {
                return None;
            }
            self.reader.push(&buf[..n]);
        }
    }

    pub async fn send(&mut self, bytes: &[u8]) {
        self.stream.write_all(bytes).await.expect("write");
    }

    /// Sends `line` + CRLF and returns the reply.
    pub async fn cmd(&mut self, line: &str) -> Reply {
        self.send(format!("{line}\r\n").as_bytes()).await;
        self.reply().await
    }

    /// Sends `line` and asserts the reply code; returns the reply text.
    pub async fn expect(&mut self, line: &str, code: u16) -> String {
        let reply = self.cmd(line).await;
        let text = text(&reply);
        assert_eq!(reply.code(), Some(code), "{line:?} got {text:?}");
        text
    }
}

pub fn text(reply: &Reply) -> String {
    reply.text_lines().collect::<Vec<_>>().join("\n")
}

pub async fn connect(addr: std::net::SocketAddr) -> Client<TcpStream> {
    let mut client = Client::new(TcpStream::connect(addr).await.expect("connect"));
    assert_eq!(client.reply().await.code(), Some(220));
    client
}

pub fn tls_connector(server: &SandboxHandle) -> TlsConnector {
    let pem = std::fs::read(server.ca_pem_path()).expect("CA file");
    let mut roots = RootCertStore::empty();
    for cert in rustls_pemfile::certs(&mut pem.as_slice()) {
        roots.add(cert.expect("PEM")).expect("CA accepted");
    }
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .expect("protocol versions")
        .with_root_certificates(roots)
        .with_no_client_auth();
    TlsConnector::from(Arc::new(config))
}

pub async fn tls_handshake(server: &SandboxHandle, tcp: TcpStream) -> Client<TlsStream<TcpStream>> {
    let name = ServerName::try_from("localhost").expect("name");
    let tls = tls_connector(server)
        .connect(name, tcp)
        .await
        .expect("handshake verifies against the CA");
    Client::new(tls)
}

/// EHLO, STARTTLS, handshake; the caller sends the second EHLO.
pub async fn starttls(server: &SandboxHandle) -> Client<TlsStream<TcpStream>> {
    let mut client = connect(server.plain_addr()).await;
    client.expect("EHLO client.test", 250).await;
    client.expect("STARTTLS", 220).await;
    assert!(!client.reader.in_progress(), "nothing after the 220");
    tls_handshake(server, client.stream).await
}

pub async fn server(config: SandboxConfig) -> SandboxHandle {
    start(config).await.expect("sandbox starts")
}

pub async fn server_with(behaviours: Behaviours) -> SandboxHandle {
    server(SandboxConfig {
        behaviours,
        ..SandboxConfig::default()
    })
    .await
}

pub fn plain(secret: &str) -> String {
    BASE64.encode(format!("\0demo\0{secret}"))
}

pub async fn start_transaction<S: AsyncRead + AsyncWrite + Unpin>(client: &mut Client<S>) {
    client.expect("EHLO client.test", 250).await;
    client.expect("MAIL FROM:<a@sender.test>", 250).await;
    client.expect("RCPT TO:<b@rcpt.test>", 250).await;
}
