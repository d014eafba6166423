//! A loopback load generator for the sandbox server (`smtpx serve`).
//!
//! Each session: greeting, EHLO, [STARTTLS, full TLS handshake, EHLO,] MAIL, RCPT, DATA, a
//! 1 KiB message, QUIT — one command at a time, each reply awaited (no pipelining). N
//! sessions run concurrently for the given time; it prints sessions per second, failures and
//! session latency percentiles.
//!
//! ```sh
//! target/release/smtpx serve --listen 127.0.0.1:2525 --ca-out /tmp/sandbox-ca.pem >/dev/null &
//! cargo bench --bench sandbox_load -- --addr 127.0.0.1:2525 --concurrency 16 --seconds 10
//! cargo bench --bench sandbox_load -- --addr 127.0.0.1:2525 --starttls --ca /tmp/sandbox-ca.pem
//! ```
//!
//! TLS sessions are not resumed (each does a full handshake, as a new client would).

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use smtpx::proto::reply::{Limits, ReplyReader};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio_rustls::TlsConnector;
use tokio_rustls::rustls::pki_types::ServerName;
use tokio_rustls::rustls::{self, ClientConfig, RootCertStore};

struct Options {
    addr: SocketAddr,
    concurrency: usize,
    seconds: f64,
    starttls: bool,
    ca: Option<String>,
}

fn options() -> Result<Options, String> {
    let mut opts = Options {
        addr: SocketAddr::from(([127, 0, 0, 1], 2525)),
        concurrency: 16,
        seconds: 10.0,
        starttls: false,
        ca: None,
    };
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let mut value = || args.next().ok_or(format!("{arg} needs a value"));
        match arg.as_str() {
            "--addr" => opts.addr = value()?.parse().map_err(|e| format!("--addr: {e}"))?,
            "--concurrency" => {
                opts.concurrency = value()?
                    .parse()
                    .map_err(|e| format!("--concurrency: {e}"))?
            }
            "--seconds" => {
                opts.seconds = value()?.parse().map_err(|e| format!("--seconds: {e}"))?
            }
            "--starttls" => opts.starttls = true,
            "--ca" => opts.ca = Some(value()?),
            // cargo bench passes --bench to every bench binary.
            "--bench" => {}
            other => return Err(format!("unknown argument {other}")),
        }
    }
    if opts.starttls && opts.ca.is_none() {
        return Err("--starttls needs --ca FILE (smtpx serve --ca-out FILE)".into());
    }
    Ok(opts)
}

fn tls_connector(ca: &str) -> Result<TlsConnector, String> {
    let pem = std::fs::read(ca).map_err(|e| format!("{ca}: {e}"))?;
    let mut roots = RootCertStore::empty();
    for cert in rustls_pemfile::certs(&mut pem.as_slice()) {
        roots
            .add(cert.map_err(|e| format!("{ca}: {e}"))?)
            .map_err(|e| format!("{ca}: {e}"))?;
    }
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut config = ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| e.to_string())?
        .with_root_certificates(roots)
        .with_no_client_auth();
    config.resumption = rustls::client::Resumption::disabled();
    Ok(TlsConnector::from(Arc::new(config)))
}

/// One command and its reply on any stream.
struct Conversation<S> {
    stream: S,
    reader: ReplyReader,
    buf: Vec<u8>,
}

impl<S: AsyncRead + AsyncWrite + Unpin> Conversation<S> {
    fn new(stream: S) -> Self {
        Conversation {
            stream,
            reader: ReplyReader::new(Limits::default()),
            buf: vec![0; 16 * 1024],
        }
    }

    async fn reply(&mut self, want: u16) -> Result<(), String> {
        loop {
            match self.reader.next_reply() {
                Ok(Some(reply)) if reply.code() == Some(want) => return Ok(()),
                Ok(Some(reply)) => {
                    return Err(format!("wanted {want}, got {:?}", reply.code()));
                }
                Ok(None) => {}
                Err(e) => return Err(e.to_string()),
            }
            let n = self
                .stream
                .read(&mut self.buf)
                .await
                .map_err(|e| e.to_string())?;
            if n == 0 {
                return Err(format!("closed while waiting for {want}"));
            }
            self.reader.push(&self.buf[..n]);
        }
    }

    async fn command(&mut self, line: &[u8], want: u16) -> Result<(), String> {
        self.stream
            .write_all(line)
            .await
            .map_err(|e| e.to_string())?;
        self.reply(want).await
    }

    /// MAIL, RCPT, DATA, the message, QUIT.
    async fn transaction(&mut self, message: &[u8]) -> Result<(), String> {
        self.command(b"MAIL FROM:<load@sender.test>\r\n", 250)
            .await?;
        self.command(b"RCPT TO:<sink@rcpt.test>\r\n", 250).await?;
        self.command(b"DATA\r\n", 354).await?;
        self.command(message, 250).await?;
        self.command(b"QUIT\r\n", 221).await
    }
}

async fn session(
    addr: SocketAddr,
    tls: Option<&TlsConnector>,
    message: &[u8],
) -> Result<(), String> {
    let tcp = TcpStream::connect(addr).await.map_err(|e| e.to_string())?;
    tcp.set_nodelay(true).map_err(|e| e.to_string())?;
    let mut plain = Conversation::new(tcp);
    plain.reply(220).await?;
    plain.command(b"EHLO load.test\r\n", 250).await?;
    let Some(tls) = tls else {
        return plain.transaction(message).await;
    };
    plain.command(b"STARTTLS\r\n", 220).await?;
    let name = ServerName::try_from("localhost").map_err(|e| e.to_string())?;
    let stream = tls
        .connect(name, plain.stream)
        .await
        .map_err(|e| e.to_string())?;
    let mut secure = Conversation::new(stream);
    secure.command(b"EHLO load.test\r\n", 250).await?;
    secure.transaction(message).await
}

/// A 1 KiB message (1024 octets before the end marker) plus `.\r\n`.
fn message() -> Vec<u8> {
    let mut body = b"Subject: load\r\n\r\n".to_vec();
    while body.len() + 80 <= 1024 {
        body.extend_from_slice(&[b'x'; 78]);
        body.extend_from_slice(b"\r\n");
    }
    body.resize(1024 - 2, b'x');
    body.extend_from_slice(b"\r\n.\r\n");
    body
}

#[tokio::main]
async fn main() {
    // `cargo test --all-targets` runs bench binaries too, without `--bench`: there is no
    // server to load then, and a load test is not a test.
    if !std::env::args().any(|arg| arg == "--bench") {
        println!(
            "sandbox_load: a benchmark; run it with `cargo bench --bench sandbox_load -- ...`"
        );
        return;
    }
    let opts = match options() {
        Ok(opts) => opts,
        Err(e) => {
            eprintln!("sandbox_load: {e}");
            std::process::exit(2);
        }
    };
    let tls = match opts
        .ca
        .as_deref()
        .filter(|_| opts.starttls)
        .map(tls_connector)
    {
        Some(Ok(tls)) => Some(Arc::new(tls)),
        Some(Err(e)) => {
            eprintln!("sandbox_load: {e}");
            std::process::exit(2);
        }
        None => None,
    };
    let message = Arc::new(message());
    let stop = Arc::new(AtomicBool::new(false));
    let failures = Arc::new(AtomicU64::new(0));
    let started = Instant::now();
    let mut workers = Vec::new();
    for _ in 0..opts.concurrency {
        let (tls, message, stop, failures) =
            (tls.clone(), message.clone(), stop.clone(), failures.clone());
        let addr = opts.addr;
        workers.push(tokio::spawn(async move {
            let mut latencies = Vec::new();
            let mut first_error = None;
            while !stop.load(Ordering::Relaxed) {
                let t = Instant::now();
                match session(addr, tls.as_deref(), &message).await {
                    Ok(()) => latencies.push(t.elapsed()),
                    Err(e) => {
                        failures.fetch_add(1, Ordering::Relaxed);
                        first_error.get_or_insert(e);
                    }
                }
            }
            (latencies, first_error)
        }));
    }
    tokio::time::sleep(Duration::from_secs_f64(opts.seconds)).await;
    stop.store(true, Ordering::Relaxed);
    let mut latencies = Vec::new();
    let mut first_error = None;
    for worker in workers {
        if let Ok((l, e)) = worker.await {
            latencies.extend(l);
            first_error = first_error.or(e);
        }
    }
    let elapsed = started.elapsed().as_secs_f64();
    latencies.sort();
    let pct = |p: f64| {
        latencies
            .get(((latencies.len() as f64 * p) as usize).min(latencies.len().saturating_sub(1)))
            .map_or(0.0, |d| d.as_secs_f64() * 1000.0)
    };
    println!(
        "{} sessions ({}), concurrency {}, {:.1} s: {:.0} sessions/s; {} failed; \
         latency p50 {:.2} ms, p99 {:.2} ms",
        latencies.len(),
        if opts.starttls { "STARTTLS" } else { "plain" },
        opts.concurrency,
        elapsed,
        latencies.len() as f64 / elapsed,
        failures.load(Ordering::Relaxed),
        pct(0.5),
        pct(0.99),
    );
    if let Some(e) = first_error {
        println!("first failure: {e}");
    }
}
