//! A delaying TCP proxy: a stand-in for a real network distance on loopback.
//!
//! Every chunk read from either side is written to the other side `--delay-ms` later (25 ms
//! by default, so 50 ms of added round trip), in the order it was read; chunks in flight do
//! not wait for each other, as packets on a real path do not. Connecting to the upstream
//! also waits one delay (the SYN's trip), so the greeting arrives one whole added round trip
//! after the client connects.
//!
//! ```sh
//! cargo build --bench rtt_proxy
//! target/debug/deps/rtt_proxy-* --listen 127.0.0.1:12587 --upstream 127.0.0.1:10587 --delay-ms 25
//! ```
//!
//! benches/rtt.sh starts it and runs each client through it side by side.

use std::net::SocketAddr;
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::tcp::{OwnedReadHalf, OwnedWriteHalf};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::mpsc;
use tokio::time::Instant;

struct Options {
    listen: SocketAddr,
    upstream: SocketAddr,
    delay: Duration,
}

fn options() -> Result<Options, String> {
    let mut listen: SocketAddr = "127.0.0.1:12587".parse().map_err(|_| "default listen")?;
    let mut upstream: SocketAddr = "127.0.0.1:10587".parse().map_err(|_| "default upstream")?;
    let mut delay = Duration::from_millis(25);
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let mut value = || args.next().ok_or(format!("{arg} needs a value"));
        match arg.as_str() {
            "--listen" => listen = value()?.parse().map_err(|e| format!("--listen: {e}"))?,
            "--upstream" => upstream = value()?.parse().map_err(|e| format!("--upstream: {e}"))?,
            "--delay-ms" => {
                let ms: u64 = value()?.parse().map_err(|e| format!("--delay-ms: {e}"))?;
                delay = Duration::from_millis(ms);
            }
            // `cargo bench` passes --bench; nothing else is expected.
            "--bench" => {}
            other => return Err(format!("unknown argument {other}")),
        }
    }
    Ok(Options {
        listen,
        upstream,
        delay,
    })
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    // `cargo test --all-targets` runs bench binaries too, with no arguments: a proxy that
    // listens forever has nothing to test there.
    let args: Vec<String> = std::env::args().collect();
    if !args.iter().any(|a| a == "--listen" || a == "--bench") {
        eprintln!("rtt_proxy: a benchmark tool; run it with --listen (see benches/rtt.sh)");
        return;
    }
    let options = match options() {
        Ok(options) => options,
        Err(error) => {
            eprintln!("rtt_proxy: {error}");
            std::process::exit(2);
        }
    };
    let listener = match TcpListener::bind(options.listen).await {
        Ok(listener) => listener,
        Err(error) => {
            eprintln!("rtt_proxy: cannot listen on {}: {error}", options.listen);
            std::process::exit(1);
        }
    };
    eprintln!(
        "rtt_proxy: {} -> {}, {} ms each way",
        options.listen,
        options.upstream,
        options.delay.as_millis()
    );
    loop {
        let Ok((client, _)) = listener.accept().await else {
            continue;
        };
        let (upstream, delay) = (options.upstream, options.delay);
        tokio::spawn(async move {
            // The SYN's trip to the server.
            tokio::time::sleep(delay).await;
            let Ok(server) = TcpStream::connect(upstream).await else {
                return;
            };
            let _ = client.set_nodelay(true);
            let _ = server.set_nodelay(true);
            let (client_read, client_write) = client.into_split();
            let (server_read, server_write) = server.into_split();
            tokio::join!(
                carry(client_read, server_write, delay),
                carry(server_read, client_write, delay),
            );
        });
    }
}

/// Carries one direction: each chunk is stamped when read and written at stamp + delay, in
/// order. End of stream is passed on the same way (a FIN is a packet too).
async fn carry(mut from: OwnedReadHalf, mut to: OwnedWriteHalf, delay: Duration) {
    let (chunks, mut due) = mpsc::unbounded_channel::<(Instant, Vec<u8>)>();
    let reader = async move {
        let mut buf = vec![0u8; 64 * 1024];
        loop {
            match from.read(&mut buf).await {
                Ok(0) | Err(_) => {
                    let _ = chunks.send((Instant::now() + delay, Vec::new()));
                    return;
                }
                Ok(n) => {
                    if chunks
                        .send((Instant::now() + delay, buf[..n].to_vec()))
                        .is_err()
                    {
                        return;
                    }
                }
            }
        }
    };
    let writer = async move {
        while let Some((at, chunk)) = due.recv().await {
            tokio::time::sleep_until(at).await;
            if chunk.is_empty() {
                let _ = to.shutdown().await;
                return;
            }
            if to.write_all(&chunk).await.is_err() {
                return;
            }
        }
    };
    tokio::join!(reader, writer);
}
