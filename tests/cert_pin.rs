//! Pinning and certificate verdicts in words, end to end: the real `smtpx probe` (and `scan`
//! and `export`) against the built-in sandbox on 127.0.0.1 serving rcgen certificates — a
//! self-signed CA:TRUE certificate as `openssl req -x509` makes them, the sandbox's own
//! generated chain, and mutual TLS with `smtpx serve --require-client-cert`'s setting.
//!
//! Decision checked here: a pin (a certificate byte for byte in `--ca-file`, or a
//! `--pin-spki` key) stands for this exact server, so the name is shown but not required;
//! the certificate's dates still are.

mod support;

use std::path::{Path, PathBuf};
use std::time::{SystemTime, UNIX_EPOCH};

use rcgen::{
    BasicConstraints, CertificateParams, DnType, ExtendedKeyUsagePurpose, IsCa, Issuer, KeyPair,
    KeyUsagePurpose,
};
use serde_json::Value;
use smtpx::sandbox::{SandboxConfig, SandboxHandle, TlsSource};
use support::probe::run_probe;

const DAY: i64 = 86_400;

fn now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

fn validity(params: &mut CertificateParams, from: i64, until: i64) {
    let at = |secs| {
        x509_parser::time::ASN1Time::from_timestamp(secs)
            .expect("test date in range")
            .to_datetime()
    };
    params.not_before = at(from);
    params.not_after = at(until);
}

/// Files of one test: certificates, keys, transcripts.
struct Files(tempfile::TempDir);

impl Files {
    fn new() -> Files {
        Files(tempfile::tempdir().expect("temp dir"))
    }

    fn write(&self, name: &str, text: &str) -> PathBuf {
        let path = self.0.path().join(name);
        std::fs::write(&path, text).expect("write test file");
        path
    }

    fn path(&self, name: &str) -> PathBuf {
        self.0.path().join(name)
    }
}

/// A self-signed certificate with basicConstraints CA:TRUE for `mx.pinned.test` only, as
/// `openssl req -x509` writes by default; returns (cert path, key path).
fn self_signed_ca_cert(files: &Files, days: (i64, i64)) -> (PathBuf, PathBuf) {
    let key = KeyPair::generate().expect("key");
    let mut params = CertificateParams::new(vec!["mx.pinned.test".to_string()]).expect("params");
    params
        .distinguished_name
        .push(DnType::CommonName, "mx.pinned.test");
    params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    validity(&mut params, now() + days.0 * DAY, now() + days.1 * DAY);
    let cert = params.self_signed(&key).expect("self-sign");
    (
        files.write("server.pem", &cert.pem()),
        files.write("server.key", &key.serialize_pem()),
    )
}

/// A client CA and a client certificate it signs; returns (CA path, cert path, key path).
fn client_identity(files: &Files) -> (PathBuf, PathBuf, PathBuf) {
    let ca_key = KeyPair::generate().expect("CA key");
    let mut ca = CertificateParams::new(Vec::<String>::new()).expect("CA params");
    ca.distinguished_name
        .push(DnType::CommonName, "smtpx test client CA");
    ca.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    ca.key_usages = vec![
        KeyUsagePurpose::KeyCertSign,
        KeyUsagePurpose::DigitalSignature,
    ];
    validity(&mut ca, now() - DAY, now() + 30 * DAY);
    let ca_cert = ca.self_signed(&ca_key).expect("self-sign CA");
    let issuer = Issuer::new(ca, ca_key);
    let key = KeyPair::generate().expect("client key");
    let mut params = CertificateParams::new(vec!["client.test".to_string()]).expect("params");
    params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ClientAuth];
    validity(&mut params, now() - DAY, now() + 30 * DAY);
    let cert = params.signed_by(&key, &issuer).expect("sign client");
    (
        files.write("client-ca.pem", &ca_cert.pem()),
        files.write("client.pem", &cert.pem()),
        files.write("client.key", &key.serialize_pem()),
    )
}

/// The sandbox with an implicit-TLS listener, serving `cert`/`key` (or its generated chain).
async fn sandbox(files: Option<(&Path, &Path)>, client_ca: Option<&Path>) -> SandboxHandle {
    smtpx::sandbox::start(SandboxConfig {
        tls_listen: Some("127.0.0.1:0".parse().expect("address")),
        tls: match files {
            Some((cert, key)) => TlsSource::Files {
                cert: cert.to_path_buf(),
                key: key.to_path_buf(),
            },
            None => TlsSource::Generate,
        },
        client_ca: client_ca.map(Path::to_path_buf),
        ..SandboxConfig::default()
    })
    .await
    .expect("sandbox starts")
}

struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

impl Run {
    fn tls_event(&self) -> Value {
        self.stdout
            .lines()
            .filter_map(|l| serde_json::from_str::<Value>(l).ok())
            .find(|e| e["event"] == "tls")
            .unwrap_or_else(|| panic!("no tls event in {}{}", self.stdout, self.stderr))
    }

    fn all(&self) -> String {
        format!("{}{}", self.stdout, self.stderr)
    }
}

/// `smtpx probe 127.0.0.1:PORT --tls-on-connect --quit-after tls <extra>`.
async fn probe(server: &SandboxHandle, extra: &[&str]) -> Run {
    let port = server.tls_addr().expect("TLS listener").port();
    let mut args: Vec<String> = vec![
        format!("127.0.0.1:{port}"),
        "--tls-on-connect".into(),
        "--quit-after".into(),
        "tls".into(),
        "--timeout".into(),
        "10".into(),
    ];
    args.extend(extra.iter().map(|s| s.to_string()));
    if !extra.contains(&"--record") {
        args.push("--no-record".into());
    }
    let output = run_probe(args, &[], None).await;
    Run {
        code: output.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
    }
}

/// TLS message names people meet in RFC 8446 and tools: CamelCase, but words, not Debug.
const PROTOCOL_WORDS: [&str; 4] = [
    "ClientHello",
    "ServerHello",
    "CertificateRequest",
    "CertificateVerify",
];

/// Rust `Debug` shapes in text meant for people: CamelCase identifiers of two or more
/// words (`CaUsedAsEndEntity`, `OtherError`, `UnknownIssuer`) and `Some(`/`Ok(`/`Err(`.
/// File paths are left out: a temporary directory's random name (`…-tls-KygidL/`) is not
/// Debug text.
fn debug_shapes(text: &str) -> Vec<String> {
    let mut found: Vec<String> = text
        .split_whitespace()
        .filter(|token| !token.contains('/'))
        .flat_map(|token| token.split(|c: char| !c.is_ascii_alphanumeric()))
        .filter(|word| {
            let bytes = word.as_bytes();
            bytes.first().is_some_and(u8::is_ascii_uppercase)
                && !bytes.iter().any(u8::is_ascii_digit)
                && bytes
                    .windows(2)
                    .any(|w| w[0].is_ascii_lowercase() && w[1].is_ascii_uppercase())
                && !PROTOCOL_WORDS.contains(word)
        })
        .map(str::to_string)
        .collect();
    for shape in ["Some(", "Ok(", "Err(", "None)"] {
        if text.contains(shape) {
            found.push(shape.to_string());
        }
    }
    found
}

fn assert_no_debug(what: &str, text: &str) {
    let shapes = debug_shapes(text);
    assert!(
        shapes.is_empty(),
        "{what} shows Debug text {shapes:?}:\n{text}"
    );
}

#[test]
fn the_debug_shape_detector_finds_what_rustls_used_to_show() {
    assert_eq!(
        debug_shapes("NOT trusted: verification failed (Other(OtherError(CaUsedAsEndEntity)))"),
        ["OtherError", "CaUsedAsEndEntity"]
    );
    assert_eq!(
        debug_shapes("invalid peer certificate: UnknownIssuer"),
        ["UnknownIssuer"]
    );
    assert!(
        debug_shapes("TLSv1.3 · TLS13_AES_256_GCM_SHA384 · X25519 · CN=smtpx CA · SCTs").is_empty()
    );
    assert!(debug_shapes("ca-file /tmp/smtpx-sandbox-tls-KygidL/ca.pem").is_empty());
}

#[tokio::test]
async fn a_self_signed_ca_certificate_given_as_ca_file_is_pinned() {
    let files = Files::new();
    let (cert, key) = self_signed_ca_cert(&files, (-1, 30));
    let server = sandbox(Some((&cert, &key)), None).await;
    let cert_arg = cert.display().to_string();

    // Strict verification accepts it: the certificate is in the ca-file, byte for byte. The
    // name (127.0.0.1 against mx.pinned.test) is shown, and not required of a pin.
    let run = probe(
        &server,
        &[
            "--ca-file",
            &cert_arg,
            "--tls-verify",
            "strict",
            "--show-cert",
        ],
    )
    .await;
    assert_eq!(run.code, 0, "{}", run.all());
    let expected = format!("pinned: the server's certificate is in ca-file {cert_arg}");
    assert!(run.stdout.contains(&expected), "{}", run.stdout);
    assert!(
        run.stdout
            .contains("name mismatch: 127.0.0.1 is not among its names; the certificate presents mx.pinned.test (not required: the server is pinned)"),
        "{}",
        run.stdout
    );
    assert_no_debug("probe --show-cert (pinned)", &run.all());

    let run = probe(&server, &["--ca-file", &cert_arg, "--json"]).await;
    let verdict = &run.tls_event()["verdict"];
    assert_eq!(verdict["ok"], true, "{verdict}");
    assert_eq!(verdict["pinned"], true);
    assert_eq!(verdict["reason"], Value::Null);
    assert_eq!(verdict["reasons"], serde_json::json!([]));

    // Without it: refused, with the reason in words and as a code.
    let run = probe(&server, &["--tls-verify", "strict"]).await;
    assert_eq!(run.code, 23, "{}", run.all());
    assert!(
        run.all()
            .contains("a CA certificate (CA:TRUE, self-signed) used as the server's certificate"),
        "{}",
        run.all()
    );
    assert_no_debug("probe strict (CA as server certificate)", &run.all());
    let run = probe(&server, &["--json"]).await;
    let verdict = &run.tls_event()["verdict"];
    assert_eq!(verdict["ok"], false);
    assert_eq!(verdict["reason"], "ca-used-as-end-entity", "{verdict}");
    assert_eq!(
        verdict["reasons"],
        serde_json::json!(["ca-used-as-end-entity", "name-mismatch"])
    );
    assert_no_debug("probe --json (CA as server certificate)", &run.stdout);
    server.shutdown().await;
}

#[tokio::test]
async fn a_pinned_certificate_must_still_be_in_its_dates() {
    let files = Files::new();
    let (cert, key) = self_signed_ca_cert(&files, (-40, -3));
    let server = sandbox(Some((&cert, &key)), None).await;
    let cert_arg = cert.display().to_string();
    let run = probe(&server, &["--ca-file", &cert_arg, "--json"]).await;
    let verdict = &run.tls_event()["verdict"];
    assert_eq!(verdict["ok"], false, "{verdict}");
    assert_eq!(verdict["pinned"], true);
    assert_eq!(verdict["reason"], "expired");
    assert_eq!(verdict["validity"], "EXPIRED 3 days ago");
    server.shutdown().await;
}

#[tokio::test]
async fn pin_spki_trusts_the_pinned_key_and_refuses_any_other() {
    let server = sandbox(None, None).await;
    // The key's pin as --show-cert and --json print it ("spki sha256").
    let run = probe(&server, &["--json"]).await;
    let tls = run.tls_event();
    assert_eq!(tls["verdict"]["reason"], "unknown-issuer", "{tls}");
    let unknown = tls["verdict"]["chain"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    assert!(
        unknown.contains("CN=smtpx sandbox CA (temporary)"),
        "the issuer is named: {unknown}"
    );
    let spki = tls["chain"][0]["spki_sha256"]
        .as_str()
        .expect("spki_sha256")
        .to_string();

    let run = probe(&server, &["--pin-spki", &spki, "--tls-verify", "strict"]).await;
    assert_eq!(run.code, 0, "{}", run.all());
    assert!(
        run.stdout.contains(&format!(
            "pinned: the server's key matches --pin-spki {spki}"
        )),
        "{}",
        run.stdout
    );

    // Another key's pin is refused even though the ca-file vouches for the chain.
    let ca = server.ca_pem_path().display().to_string();
    let other = "sha256//AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=";
    let run = probe(&server, &["--ca-file", &ca, "--pin-spki", other, "--json"]).await;
    let verdict = &run.tls_event()["verdict"];
    assert_eq!(verdict["ok"], false, "{verdict}");
    assert_eq!(verdict["reason"], "pin-mismatch");
    assert!(
        verdict["chain"]
            .as_str()
            .is_some_and(|t| t.contains(&format!("the server's key (SPKI SHA-256 {spki})"))),
        "{verdict}"
    );
    let run = probe(
        &server,
        &[
            "--ca-file",
            &ca,
            "--pin-spki",
            other,
            "--tls-verify",
            "strict",
        ],
    )
    .await;
    assert_eq!(run.code, 23, "{}", run.all());
    assert!(
        run.all()
            .contains("NOT trusted: the key matches no --pin-spki"),
        "{}",
        run.all()
    );
    assert_no_debug("probe strict (pin mismatch)", &run.all());

    // A pin that is not a SHA-256 is a bad command line.
    let run = probe(&server, &["--pin-spki", "abcd"]).await;
    assert_eq!(run.code, 2, "{}", run.all());
    server.shutdown().await;
}

#[tokio::test]
async fn mutual_tls_against_the_sandbox_requiring_a_client_certificate() {
    let files = Files::new();
    let (client_ca, cert, key) = client_identity(&files);
    let server = sandbox(None, Some(&client_ca)).await;
    let ca = server.ca_pem_path().display().to_string();
    let (cert, key) = (cert.display().to_string(), key.display().to_string());

    let run = probe(
        &server,
        &[
            "--ca-file",
            &ca,
            "--client-cert",
            &cert,
            "--client-key",
            &key,
        ],
    )
    .await;
    assert_eq!(run.code, 0, "{}", run.all());
    assert!(
        run.stdout.contains(
            "=== client certificate: the server asked for a client certificate; --client-cert was sent"
        ),
        "{}",
        run.stdout
    );
    let run = probe(
        &server,
        &[
            "--ca-file",
            &ca,
            "--client-cert",
            &cert,
            "--client-key",
            &key,
            "--json",
        ],
    )
    .await;
    let client = &run.tls_event()["client_cert"];
    assert_eq!(
        (&client["requested"], &client["sent"], &client["configured"]),
        (&Value::Bool(true), &Value::Bool(true), &Value::Bool(true)),
        "{client}"
    );

    // Without one: the server refuses, and the probe says why. (In TLS 1.3 the refusal
    // arrives with the first read, the greeting, so the exit code is that stage's.)
    let run = probe(&server, &["--ca-file", &ca]).await;
    assert_ne!(run.code, 0, "{}", run.all());
    assert!(
        run.stdout
            .contains("the server sent the TLS alert certificate_required — the server requires a client certificate"),
        "{}",
        run.stdout
    );
    assert_no_debug("probe without the required client certificate", &run.all());
    assert!(
        run.stdout.contains(
            "=== client certificate: the server asked for a client certificate; none was sent (no --client-cert)"
        ),
        "{}",
        run.stdout
    );
    assert!(
        run.all().contains("requires a client certificate"),
        "{}",
        run.all()
    );

    // A key that is not the certificate's: refused before connecting (exit 3).
    let other_key = files.write(
        "other.key",
        &KeyPair::generate().expect("key").serialize_pem(),
    );
    let other_key = other_key.display().to_string();
    let run = probe(
        &server,
        &[
            "--ca-file",
            &ca,
            "--client-cert",
            &cert,
            "--client-key",
            &other_key,
        ],
    )
    .await;
    assert_eq!(run.code, 3, "{}", run.all());
    assert!(
        run.stderr.contains(&format!(
            "the key in {other_key} does not belong to the certificate in {cert}"
        )),
        "{}",
        run.stderr
    );
    assert!(run.stdout.is_empty(), "nothing was tried: {}", run.stdout);
    server.shutdown().await;
}

#[tokio::test]
async fn a_server_not_asking_for_a_client_certificate_is_said_so() {
    let files = Files::new();
    let (_, cert, key) = client_identity(&files);
    let server = sandbox(None, None).await;
    let ca = server.ca_pem_path().display().to_string();
    let (cert, key) = (cert.display().to_string(), key.display().to_string());
    let run = probe(&server, &["--ca-file", &ca, "--json"]).await;
    let client = &run.tls_event()["client_cert"];
    assert_eq!(client["requested"], false, "{client}");
    assert_eq!(
        client["text"],
        "the server did not ask for a client certificate"
    );
    let run = probe(
        &server,
        &[
            "--ca-file",
            &ca,
            "--client-cert",
            &cert,
            "--client-key",
            &key,
            "--json",
        ],
    )
    .await;
    let client = &run.tls_event()["client_cert"];
    assert_eq!(
        (&client["configured"], &client["sent"]),
        (&Value::Bool(true), &Value::Bool(false))
    );
    server.shutdown().await;
}

/// Every output that shows a failed verdict — probe text, `--show-cert`, `--json`, the scan
/// table and JSON, and the markdown export of the recording — says it in words. (Two
/// workers: the scan runs as a blocking child process while the sandbox answers it.)
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_output_shows_rust_debug_text_for_a_refused_certificate() {
    let files = Files::new();
    let (cert, key) = self_signed_ca_cert(&files, (-1, 30));
    let server = sandbox(Some((&cert, &key)), None).await;
    let transcript = files.path("session.jsonl").display().to_string();
    let run = probe(&server, &["--show-cert", "--record", &transcript]).await;
    assert!(
        run.stdout.contains(
            "chain: NOT trusted: a CA certificate (basicConstraints CA:TRUE, self-signed) is \
             used as the server's certificate; webpki accepts only a non-CA certificate from a \
             chain (give this exact certificate as --ca-file to pin it)"
        ),
        "{}",
        run.all()
    );
    assert_no_debug("probe --show-cert", &run.all());
    let run = probe(&server, &["--json"]).await;
    assert_no_debug("probe --json", &run.stdout);

    let bin = env!("CARGO_BIN_EXE_smtpx");
    let port = server.tls_addr().expect("TLS listener").port();
    let export = std::process::Command::new(bin)
        .args(["export", "--format", "markdown", &transcript])
        .output()
        .expect("run export");
    let markdown = String::from_utf8_lossy(&export.stdout);
    assert!(
        markdown
            .contains("a CA certificate (CA:TRUE, self-signed) used as the server's certificate"),
        "{markdown}"
    );
    assert_no_debug("export --format markdown", &markdown);
    for json in [false, true] {
        let mut scan = std::process::Command::new(bin);
        scan.args(["scan", &format!("127.0.0.1:{port}"), "--timeout", "3"]);
        if json {
            scan.arg("--json");
        }
        let output = scan.output().expect("run scan");
        let text = String::from_utf8_lossy(&output.stdout);
        assert!(
            text.contains("a CA certificate (CA:TRUE, self-signed) used as the server's"),
            "{text}"
        );
        if json {
            let report: Value = serde_json::from_str(&text).expect("scan --json is JSON");
            assert_eq!(
                report["ports"][0]["tls"]["reason"], "ca-used-as-end-entity",
                "{text}"
            );
        }
        assert_no_debug("scan", &text);
    }
    server.shutdown().await;
}
