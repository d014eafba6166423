//! `smtpx probe` and the certificate inspector: `--show-cert`, `--json`,
//! `--save-chain`, `--tls-min`/`--tls-max`, and mutual TLS with `--client-cert`, the real
//! binary against scripted implicit-TLS servers with rcgen certificates.

mod support;

use std::path::PathBuf;
use std::sync::Arc;

use rustls::ServerConfig;
use serde_json::Value;
use support::pki::{fixed_pem, mtls_server_config, pem_certs};
use support::probe::run_probe;
use support::*;

struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

impl Run {
    fn events(&self) -> Vec<Value> {
        self.stdout
            .lines()
            .filter_map(|l| serde_json::from_str(l).ok())
            .collect()
    }

    fn tls_event(&self) -> Value {
        self.events()
            .into_iter()
            .find(|e| e["event"] == "tls")
            .unwrap_or_else(|| panic!("no tls event in {}", self.stdout))
    }
}

/// `smtpx probe <args> --no-record`.
async fn probe(mut args: Vec<String>) -> Run {
    args.push("--no-record".into());
    let output = run_probe(args, &[], None).await;
    Run {
        code: output.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
    }
}

/// An implicit-TLS server that greets, answers EHLO and QUIT.
async fn server(config: Arc<ServerConfig>) -> ScriptedServer {
    ScriptedServer::start_implicit_tls(
        config,
        vec![
            Step::send("220 mx.test ESMTP\r\n"),
            Step::expect("EHLO"),
            Step::Send(reply(250, &["mx.test", "PIPELINING"])),
            Step::expect("QUIT"),
            Step::send("221 bye\r\n"),
            Step::Close,
        ],
    )
    .await
}

fn base_args(port: u16, pki: &TestPki, extra: &[&str]) -> Vec<String> {
    let mut out: Vec<String> = vec![
        format!("localhost:{port}"),
        "--tls-on-connect".into(),
        "--quit-after".into(),
        "tls".into(),
        "--timeout".into(),
        "5".into(),
        "--ca-file".into(),
        pki.ca_file().display().to_string(),
    ];
    out.extend(extra.iter().map(|s| s.to_string()));
    out
}

#[tokio::test]
async fn show_cert_prints_every_field_and_save_chain_writes_pem() {
    let pki = test_pki();
    let mut srv = server(server_config(&pki.leaf(LeafKind::Good))).await;
    let dir = tempfile::tempdir().expect("temp dir");
    let pem_path = dir.path().join("chain.pem");
    let run = probe(base_args(
        srv.addr.port(),
        &pki,
        &[
            "--show-cert",
            "--save-chain",
            pem_path.to_str().expect("utf-8"),
        ],
    ))
    .await;
    srv.finish().await;
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    for needle in [
        "chain: trusted by ca-file ",
        "name: localhost matches subjectAltName localhost",
        "validity: valid now, ",
        "TLS: TLSv1.3 · TLS13_",
        "chain as sent: 2 certificate(s)",
        "subject: CN=localhost",
        "ext key usage: serverAuth",
        "sha1: ",
        "spki sha256: ",
        "↓ issued by the next certificate",
        "self-issued: a root",
        "saved to",
    ] {
        assert!(
            run.stdout.contains(needle),
            "{needle:?} missing in\n{}",
            run.stdout
        );
    }
    let pem = std::fs::read_to_string(&pem_path).expect("chain written");
    let certs = pem_certs(&pem);
    assert_eq!(certs.len(), 2);
    assert_eq!(certs[1].as_ref(), pki.ca_der.as_ref());
}

#[tokio::test]
async fn json_tls_event_carries_the_whole_chain_and_three_verdicts() {
    let pki = test_pki();
    let mut srv = server(server_config(&pki.leaf(LeafKind::WrongName))).await;
    let run = probe(base_args(srv.addr.port(), &pki, &["--json"])).await;
    srv.finish().await;
    let tls = run.tls_event();
    assert_eq!(tls["verdict"]["ok"], false);
    assert!(
        tls["verdict"]["chain"]
            .as_str()
            .is_some_and(|s| s.starts_with("trusted by"))
    );
    assert!(
        tls["verdict"]["name"]
            .as_str()
            .is_some_and(|s| s.contains("is not among its names"))
    );
    assert!(
        tls["verdict"]["validity"]
            .as_str()
            .is_some_and(|s| s.starts_with("valid now"))
    );
    let leaf = &tls["chain"][0];
    assert_eq!(leaf["subject"], "CN=wrong.example.com");
    assert_eq!(leaf["sans"]["dns"][0], "wrong.example.com");
    assert_eq!(leaf["extended_key_usage"][0], "serverAuth");
    assert_eq!(leaf["sha1"].as_str().map(str::len), Some(40));
    assert_eq!(leaf["link"], "↓ issued by the next certificate");
    assert_eq!(tls["chain"][1]["basic_constraints"]["ca"], true);
    assert_eq!(leaf["must_staple"], false);
}

#[tokio::test]
async fn tls_max_limits_the_version_and_min_above_max_is_refused() {
    let pki = test_pki();
    let mut srv = server(server_config(&pki.leaf(LeafKind::Good))).await;
    let run = probe(base_args(
        srv.addr.port(),
        &pki,
        &["--json", "--tls-max", "1.2"],
    ))
    .await;
    srv.finish().await;
    assert_eq!(run.tls_event()["version"], "TLSv1.2");

    let srv = server(server_config(&pki.leaf(LeafKind::Good))).await;
    let run = probe(base_args(
        srv.addr.port(),
        &pki,
        &["--tls-min", "1.3", "--tls-max", "1.2"],
    ))
    .await;
    assert_ne!(run.code, 0);
    assert!(
        run.stdout
            .contains("minimum TLS 1.3 is above maximum TLS 1.2"),
        "{}",
        run.stdout
    );
}

#[tokio::test]
async fn mutual_tls_with_client_cert_and_a_clear_failure_without() {
    let pki = test_pki();
    let client_ca = pem_certs(&fixed_pem("ca.pem")).remove(0);
    let config = mtls_server_config(&pki.leaf(LeafKind::Good), client_ca);
    let data = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/data/certs");
    let cert = data.join("leaf.pem").display().to_string();
    let key = data.join("leaf.key").display().to_string();

    let mut srv = server(config.clone()).await;
    let run = probe(base_args(
        srv.addr.port(),
        &pki,
        &["--client-cert", &cert, "--client-key", &key],
    ))
    .await;
    srv.finish().await;
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    assert!(run.stdout.contains("S~ 220 mx.test"), "{}", run.stdout);

    let srv = ScriptedServer::start_implicit_tls(config, vec![Step::send("220 mx.test\r\n")]).await;
    let run = probe(base_args(srv.addr.port(), &pki, &[])).await;
    assert_ne!(run.code, 0);
    assert!(
        run.stdout.contains("requires a client certificate"),
        "{}",
        run.stdout
    );

    // One without the other is refused by the argument parser.
    let run = probe(base_args(1, &pki, &["--client-cert", &cert])).await;
    assert_eq!(run.code, 2, "{}", run.stderr);
}

#[tokio::test]
async fn show_cert_puts_capabilities_before_and_after_starttls_side_by_side() {
    let pki = test_pki();
    let mut srv = ScriptedServer::start_starttls(
        server_config(&pki.leaf(LeafKind::Good)),
        vec![
            Step::send("220 mx.test ESMTP\r\n"),
            Step::expect("EHLO"),
            Step::Send(reply(250, &["mx.test", "SIZE 1000", "STARTTLS"])),
            Step::expect("STARTTLS"),
            Step::send("220 2.0.0 go\r\n"),
            Step::StartTls,
            Step::expect("EHLO"),
            Step::Send(reply(250, &["mx.test", "SIZE 2000", "AUTH PLAIN"])),
            Step::expect("QUIT"),
            Step::send("221 bye\r\n"),
            Step::Close,
        ],
    )
    .await;
    let run = probe(vec![
        format!("localhost:{}", srv.addr.port()),
        "--starttls".into(),
        "--quit-after".into(),
        "tls".into(),
        "--show-cert".into(),
        "--ca-file".into(),
        pki.ca_file().display().to_string(),
    ])
    .await;
    srv.finish().await;
    assert_eq!(run.code, 0, "{}", run.stdout);
    for needle in [
        "before TLS",
        "~ SIZE 2000",
        "+ AUTH PLAIN",
        "STARTTLS   - (gone after TLS)",
    ] {
        assert!(
            run.stdout.contains(needle),
            "{needle:?} missing in\n{}",
            run.stdout
        );
    }
    // One row per keyword: SIZE before beside SIZE after.
    assert!(
        run.stdout.contains("SIZE 1000  ~ SIZE 2000"),
        "{}",
        run.stdout
    );
}
