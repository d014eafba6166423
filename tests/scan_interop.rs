//! `smtpx scan` against the real Postfix of the interop suite (see `tests/interop/README.md`):
//! 10025 is an MTA port (STARTTLS, no AUTH), 10587 submission (STARTTLS, AUTH only after
//! TLS), 10465 implicit TLS with AUTH. Each must be classified as such, and the verdict must
//! name 10465 or 10587 as the submission port.
//!
//! With `SMTPX_INTEROP=1` (set by `.ci/run`) this fails loudly when Postfix is not reachable;
//! without it, it prints a note and passes without running.

use serde_json::Value;

mod support;

use support::postfix;

/// Whether to run; panics if asked to run and Postfix is not there.
fn enabled() -> bool {
    postfix::enabled("scan interop test")
}

fn scan(extra: &[&str]) -> (Option<i32>, String) {
    let mut args = vec![
        "scan",
        "127.0.0.1",
        "--ports",
        "10025,10587,10465",
        "--timeout",
        "2",
        "--ehlo",
        "client.test",
    ];
    args.extend(extra);
    let output = postfix::smtpx(&args);
    (output.status.code(), postfix::stdout(&output))
}

fn port(report: &Value, number: u16) -> &Value {
    report["ports"]
        .as_array()
        .and_then(|ports| ports.iter().find(|p| p["port"] == number))
        .unwrap_or_else(|| panic!("port {number} missing: {report}"))
}

fn strings(value: &Value) -> Vec<&str> {
    value
        .as_array()
        .map(|a| a.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default()
}

#[test]
fn postfix_ports_are_classified_and_submission_is_recommended() {
    if !enabled() {
        return;
    }
    let (code, stdout) = scan(&["--json"]);
    assert_eq!(code, Some(0), "{stdout}");
    let report: Value = serde_json::from_str(&stdout).expect("one JSON document");

    let mta = port(&report, 10025);
    assert_eq!(mta["speaks"], "smtp", "{mta}");
    assert_eq!(mta["starttls_offered"], true);
    assert!(strings(&mta["auth_before_tls"]).is_empty());
    assert!(strings(&mta["auth_after_tls"]).is_empty());
    assert_eq!(mta["tls"]["started_by"], "starttls");

    let submission = port(&report, 10587);
    assert_eq!(submission["speaks"], "smtp", "{submission}");
    assert_eq!(submission["starttls_offered"], true);
    assert!(strings(&submission["auth_before_tls"]).is_empty());
    assert!(strings(&submission["auth_after_tls"]).contains(&"PLAIN"));
    assert_eq!(submission["tls"]["started_by"], "starttls");
    assert!(
        submission["diagnoses"]
            .as_array()
            .is_some_and(|d| d.iter().any(|d| d["kind"] == "auth_only_after_starttls"))
    );

    let submissions = port(&report, 10465);
    assert_eq!(submissions["speaks"], "tls", "{submissions}");
    assert_eq!(submissions["tls"]["started_by"], "implicit");
    assert_eq!(submissions["greeting"]["code"], 220);
    assert!(strings(&submissions["auth_after_tls"]).contains(&"PLAIN"));

    let best = &report["verdict"]["submission"];
    assert!(
        (best["port"] == 10587 && best["tls"] == "starttls")
            || (best["port"] == 10465 && best["tls"] == "implicit"),
        "{best}"
    );
    assert!(
        report["verdict"]["mta"]
            .as_str()
            .is_some_and(|t| t.contains("port 10025")),
        "{}",
        report["verdict"]
    );
}

#[test]
fn postfix_certificate_verifies_with_its_ca_file_and_the_table_fits() {
    if !enabled() {
        return;
    }
    let (code, stdout) = scan(&["--ca-file", postfix::CERT]);
    assert_eq!(code, Some(0), "{stdout}");
    assert!(stdout.lines().all(|l| l.chars().count() <= 100), "{stdout}");
    assert!(stdout.contains("cert ok"), "{stdout}");
    assert!(!stdout.contains("cert NOT ok"), "{stdout}");
    assert!(stdout.contains("Submit mail on port 10465"), "{stdout}");
}
