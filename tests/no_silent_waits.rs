//! Time to a diagnosis for the ports where smtpx used to wait in silence: a port that
//! expects implicit TLS (the sandbox's), a port that accepts and says nothing, a filtered
//! port (a full accept queue drops the SYN, as a firewall does) and a refused one. Each is
//! told apart in words, within the default waits (under 5 s each); the scan gives a filtered
//! port its note.

mod support;

use std::time::{Duration, Instant};

use clap::Parser;

use smtpx::sandbox::{self, SandboxConfig};
use support::filtered::FilteredPort;
use support::probe::{ProbeRun, probe_json};
use support::*;

async fn probe(args: &[&str]) -> (ProbeRun, Duration) {
    let started = Instant::now();
    let args = args.iter().map(|s| s.to_string()).collect();
    let run = probe_json(args, &[]).await;
    (run, started.elapsed())
}

/// The `note` events' messages.
fn notes(run: &ProbeRun) -> Vec<String> {
    run.of("note")
        .iter()
        .filter_map(|e| e["message"].as_str().map(str::to_string))
        .collect()
}

/// When (seconds since the session began) the first note containing `text` came.
fn said_at(run: &ProbeRun, text: &str) -> Option<f64> {
    run.of("note")
        .iter()
        .find(|e| e["message"].as_str().is_some_and(|m| m.contains(text)))
        .and_then(|e| e["t"].as_f64())
}

#[tokio::test]
async fn plaintext_to_the_implicit_tls_port_is_diagnosed_after_the_greeting_wait() {
    let config = SandboxConfig {
        tls_listen: Some("127.0.0.1:0".parse().expect("literal address")),
        ..SandboxConfig::default()
    };
    let sandbox = sandbox::start(config).await.expect("sandbox");
    let addr = sandbox.tls_addr().expect("the implicit TLS listener");
    let (run, took) = probe(&[&addr.to_string(), "--no-tls-on-connect", "--no-record"]).await;
    assert_eq!(run.code, 21, "{}", run.stdout);
    let at = said_at(&run, "This port expects implicit TLS").expect("the implicit TLS diagnosis");
    assert!((2.9..5.0).contains(&at), "said at {at} s: {}", run.stdout);
    assert!(took < Duration::from_secs(8), "the probe took {took:?}");
    assert!(notes(&run).iter().any(|m| m.contains("--tls-on-connect")));
    sandbox.shutdown().await;
}

#[tokio::test]
async fn a_filtered_port_is_told_apart_from_a_refused_one() {
    let filtered = FilteredPort::start();
    let (run, _) = probe(&[&filtered.addr.to_string(), "--no-record"]).await;
    assert_eq!(run.code, 20, "{}", run.stdout);
    let at = said_at(&run, "did not answer the connection attempt within 4 s")
        .expect("the filtered diagnosis");
    assert!(at < 5.0, "said at {at} s: {}", run.stdout);
    assert!(
        !notes(&run)
            .iter()
            .any(|m| m.contains("refused the connection")),
        "{}",
        run.stdout
    );

    let refused = format!("127.0.0.1:{}", unused_port());
    let (run, took) = probe(&[&refused, "--no-record"]).await;
    assert_eq!(run.code, 20, "{}", run.stdout);
    assert!(
        notes(&run)
            .iter()
            .any(|m| m.contains("refused the connection"))
    );
    assert!(took < Duration::from_secs(3), "refused took {took:?}");
}

#[tokio::test]
async fn the_connect_timeout_is_its_own_flag() {
    let filtered = FilteredPort::start();
    let (run, took) = probe(&[
        &filtered.addr.to_string(),
        "--no-record",
        "--connect-timeout",
        "0.5",
    ])
    .await;
    assert_eq!(run.code, 20, "{}", run.stdout);
    assert!(said_at(&run, "within 500 ms").is_some(), "{}", run.stdout);
    assert!(took < Duration::from_secs(3), "took {took:?}");
}

#[tokio::test]
async fn the_scan_notes_a_filtered_port() {
    let filtered = FilteredPort::start();
    let args = smtpx::cli::Cli::try_parse_from([
        "smtpx",
        "scan",
        "127.0.0.1",
        "--ports",
        &filtered.addr.port().to_string(),
        "--timeout",
        "1",
    ])
    .expect("valid scan arguments");
    let Some(smtpx::cli::CommandKind::Scan(args)) = args.command else {
        panic!("expected scan");
    };
    let (host, ports) = args.targets().expect("valid targets");
    let config = args.config().expect("valid config");
    let report = smtpx::scan::scan(&host, &ports, &config).await;
    let port = &report.ports[0];
    assert_eq!(port.reach, smtpx::scan::Reach::Filtered);
    let kinds: Vec<&str> = port.diagnoses.iter().map(|d| d.name()).collect();
    assert_eq!(kinds, ["filtered"]);
    let table = smtpx::scan::table::render(&report);
    assert!(
        table.contains("did not answer the connection attempt"),
        "{table}"
    );
}
