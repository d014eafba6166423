//! The DNS rig of `smtpx check` and `--mx` (tests/dns/rig-up.sh): where its state lives, its
//! resolver, the gate its tests pass first, and smtpx's sandbox as every MX host on
//! 127.0.0.1:2625 with the rig's MX certificate. Used by `check.rs` and `mx.rs`.

use std::net::{SocketAddr, TcpStream};
use std::path::Path;
use std::sync::OnceLock;
use std::time::Duration;

pub const STATE: &str = "/etc/smtpx-dns";
pub const RESOLVER: &str = "127.0.0.1:5353";
pub const SMTP_PORT: u16 = 2625;

/// Whether the rig is there to test against (see the module doc).
pub fn rig(what: &str) -> bool {
    if std::env::var_os("SMTPX_INTEROP").is_none() {
        eprintln!("note: SMTPX_INTEROP is not set; skipping the DNS rig test {what}");
        return false;
    }
    let anchor = Path::new(STATE).join("test.anchor");
    assert!(
        anchor.exists(),
        "SMTPX_INTEROP is set but {} is missing: run tests/dns/rig-up.sh",
        anchor.display()
    );
    for addr in ["127.0.0.1:5300", "127.0.0.1:5353", "127.0.0.1:443"] {
        let addr: SocketAddr = addr.parse().unwrap();
        assert!(
            TcpStream::connect_timeout(&addr, Duration::from_secs(2)).is_ok(),
            "SMTPX_INTEROP is set but nothing listens on {addr}: run tests/dns/rig-up.sh"
        );
    }
    sandbox();
    true
}

/// The sandbox as every MX host, started once for this test binary on its own runtime.
fn sandbox() {
    static STARTED: OnceLock<()> = OnceLock::new();
    STARTED.get_or_init(|| {
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let runtime = tokio::runtime::Runtime::new().unwrap();
            runtime.block_on(async move {
                let config = smtpx::sandbox::SandboxConfig {
                    listen: SocketAddr::from(([127, 0, 0, 1], SMTP_PORT)),
                    hostname: "mx1.dane.test".into(),
                    tls: smtpx::sandbox::TlsSource::Files {
                        cert: Path::new(STATE).join("mx-chain.pem"),
                        key: Path::new(STATE).join("mx.key"),
                    },
                    ..Default::default()
                };
                let handle = smtpx::sandbox::start(config).await;
                tx.send(handle.as_ref().map(|_| ()).map_err(|e| e.to_string()))
                    .unwrap();
                let _keep = handle;
                std::future::pending::<()>().await;
            });
        });
        rx.recv().unwrap().unwrap_or_else(|e| {
            panic!("the sandbox MX did not start on 127.0.0.1:{SMTP_PORT}: {e}")
        });
    });
}
