//! `--mx` on `probe`, `scan` and the explorer, and the "use --mx" hint, against the real DNS
//! rig (tests/dns/rig-up.sh: nsd with DNSSEC-signed `.test` zones, unbound on 127.0.0.1:5353)
//! with smtpx's sandbox on 127.0.0.1:2625 as every MX host (`::1:2625` stays closed, so an MX
//! with only `::1` refuses). Skipped when `SMTPX_INTEROP` is unset; with it set, a missing
//! rig fails the test.

mod support;

use support::dns_rig::{RESOLVER, SMTP_PORT, STATE, rig};

use std::process::{Command, Output};

use serde_json::Value;
use support::tmux::{Tmux, explorer_command, tmux_available};

/// The rig's resolver, trust anchor and CA, and the sandbox's port.
fn rig_args() -> Vec<String> {
    [
        "--resolver",
        RESOLVER,
        "--trust-anchor",
        &format!("{STATE}/test.anchor"),
        "--ca-file",
        &format!("{STATE}/ca.pem"),
    ]
    .iter()
    .map(|s| s.to_string())
    .collect()
}

fn smtpx(args: &[&str]) -> (Output, String) {
    let output = Command::new(env!("CARGO_BIN_EXE_smtpx"))
        .args(args)
        .env(
            "XDG_STATE_HOME",
            concat!(env!("CARGO_TARGET_TMPDIR"), "/xdg-state"),
        )
        .output()
        .expect("run smtpx");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    (output, text)
}

/// `smtpx probe --mx DOMAIN` through the rig, stopping after EHLO (over verified TLS:
/// `--tls-verify strict` stops on a certificate that does not match the MX host name).
fn probe_mx(domain: &str, extra: &[&str]) -> (Output, String) {
    let port = SMTP_PORT.to_string();
    let mut args = vec!["probe", "--mx", domain, "--port", &port, "--no-record"];
    let rig = rig_args();
    args.extend(rig.iter().map(String::as_str));
    args.extend_from_slice(extra);
    smtpx(&args)
}

#[test]
fn probe_mx_skips_mx_hosts_that_refuse_and_says_each_failure() {
    if !rig("probe --mx refuse.test") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let transcript = dir.path().join("mx.jsonl");
    let port = SMTP_PORT.to_string();
    let mut args = vec![
        "probe",
        "--mx",
        "refuse.test",
        "--port",
        &port,
        "--tls-verify",
        "strict",
        "--record",
        transcript.to_str().unwrap(),
    ];
    let rig = rig_args();
    args.extend(rig.iter().map(String::as_str));
    let (output, text) = smtpx(&args);
    assert_eq!(output.status.code(), Some(0), "{text}");
    for needle in [
        "dead1.refuse.test (MX 10): [::1]:2625 connection refused",
        "dead2.refuse.test (MX 20): [::1]:2625 connection refused",
        "mx.refuse.test (MX 30): [::1]:2625 connection refused",
        "connecting to mx.refuse.test (MX 30) at 127.0.0.1:2625: the first reachable MX: \
         dead1.refuse.test (MX 10), dead2.refuse.test (MX 20) could not be reached",
    ] {
        assert!(text.contains(needle), "missing {needle:?} in:\n{text}");
    }
    // Over TLS verified against the MX host name (strict would have stopped otherwise).
    assert!(text.contains("STARTTLS"), "{text}");

    let file = std::fs::read_to_string(&transcript).expect("transcript written");
    let header: Value = serde_json::from_str(file.lines().next().unwrap()).unwrap();
    let mx = &header["options"]["mx"];
    assert_eq!(mx["domain"], "refuse.test", "{header}");
    assert_eq!(mx["host"], "mx.refuse.test", "{header}");
    assert_eq!(mx["preference"], 30, "{header}");
    assert_eq!(header["options"]["verify_name"], "mx.refuse.test");
    assert_eq!(header["target"]["host"], "127.0.0.1");
    // Each failure on the way is in the transcript too.
    assert!(
        file.contains("dead1.refuse.test (MX 10): [::1]:2625 connection refused"),
        "{file}"
    );
}

#[test]
fn probe_mx_on_a_null_mx_says_the_domain_takes_no_mail() {
    if !rig("probe --mx nullmx.test") {
        return;
    }
    let (output, text) = probe_mx("nullmx.test", &[]);
    assert_eq!(output.status.code(), Some(20), "{text}");
    assert!(
        text.contains("nullmx.test accepts no mail: it publishes the null MX \"MX 0 .\""),
        "{text}"
    );
    // No fallback to the domain's own address (it has one).
    assert!(!text.contains("220 "), "{text}");
}

#[test]
fn probe_mx_without_mx_records_uses_the_implicit_mx_and_says_so() {
    if !rig("probe --mx implicit.test") {
        return;
    }
    let (output, text) = probe_mx("implicit.test", &["--tls-verify", "strict"]);
    assert_eq!(output.status.code(), Some(0), "{text}");
    assert!(
        text.contains(
            "implicit.test has no MX record (DNSSEC secure): its own address is the implicit MX"
        ),
        "{text}"
    );
    assert!(
        text.contains("connecting to implicit.test (implicit MX) at 127.0.0.1:2625"),
        "{text}"
    );
}

#[test]
fn probe_mx_follows_an_mx_host_that_is_a_cname() {
    if !rig("probe --mx cname.test") {
        return;
    }
    let (output, text) = probe_mx("cname.test", &[]);
    assert_eq!(output.status.code(), Some(0), "{text}");
    assert!(
        text.contains("connecting to mail.cname.test (MX 10) at 127.0.0.1:2625"),
        "{text}"
    );
}

#[test]
fn a_mail_domain_given_as_a_host_is_named_with_its_mx_and_use_mx() {
    if !rig("probe dane.test") {
        return;
    }
    let port = SMTP_PORT.to_string();
    let mut args = vec!["probe", "dane.test", "--port", &port, "--no-record"];
    let rig = rig_args();
    args.extend(rig.iter().map(String::as_str));
    let (output, text) = smtpx(&args);
    // The exit code stays the connection failure's.
    assert_eq!(output.status.code(), Some(20), "{text}");
    assert!(
        text.contains(
            "dane.test has no address; it is a mail domain with MX mx1.dane.test, \
             mx2.dane.test — use --mx"
        ),
        "{text}"
    );
    // The scan says so too, after its table.
    let mut args = vec!["scan", "dane.test", "--ports", &port];
    args.extend(rig.iter().map(String::as_str));
    let (output, text) = smtpx(&args);
    assert_eq!(output.status.code(), Some(20), "{text}");
    assert!(
        String::from_utf8_lossy(&output.stderr).contains(
            "smtpx scan: dane.test has no address; it is a mail domain with MX mx1.dane.test, \
             mx2.dane.test — use --mx"
        ),
        "{text}"
    );
    // A name that is neither says so too.
    let mut args = vec!["probe", "nothing-here.test", "--no-record"];
    args.extend(rig.iter().map(String::as_str));
    let (output, text) = smtpx(&args);
    assert_eq!(output.status.code(), Some(20), "{text}");
    assert!(
        text.contains("nothing-here.test does not exist in DNS (NXDOMAIN): check the name"),
        "{text}"
    );
}

#[test]
fn scan_mx_scans_every_mx_host_at_each_address() {
    if !rig("scan --mx refuse.test") {
        return;
    }
    let port = SMTP_PORT.to_string();
    let mut args = vec!["scan", "--mx", "refuse.test", "--ports", &port, "--json"];
    let rig = rig_args();
    args.extend(rig.iter().map(String::as_str));
    let (output, text) = smtpx(&args);
    let json: Value =
        serde_json::from_slice(&output.stdout).unwrap_or_else(|e| panic!("{e}: {text}"));
    assert_eq!(json["domain"], "refuse.test");
    let hosts = json["hosts"].as_array().unwrap();
    let seen: Vec<(String, String)> = hosts
        .iter()
        .map(|h| {
            (
                h["host"].as_str().unwrap().to_string(),
                h["address"].as_str().unwrap_or("-").to_string(),
            )
        })
        .collect();
    assert_eq!(
        seen,
        [
            ("dead1.refuse.test".to_string(), "::1".to_string()),
            ("dead2.refuse.test".to_string(), "::1".to_string()),
            ("mx.refuse.test".to_string(), "::1".to_string()),
            ("mx.refuse.test".to_string(), "127.0.0.1".to_string()),
        ],
        "{text}"
    );
    let live = &hosts[3]["report"];
    assert_eq!(live["ports"][0]["port"], SMTP_PORT, "{live}");
    assert_eq!(live["ports"][0]["reach"]["state"], "open", "{live}");
    assert_eq!(live["ports"][0]["starttls_offered"], true, "{live}");
    // Verified against the MX host name, as a sending MTA does.
    assert_eq!(live["ports"][0]["tls"]["verified"], true, "{live}");
    assert_eq!(hosts[2]["report"]["ports"][0]["reach"]["state"], "refused");
    // Two MX hosts are down: the scan's exit code says so.
    assert_eq!(output.status.code(), Some(20), "{text}");
    assert_eq!(json["exit_code"], 20);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_explorer_with_mx_shows_the_route_in_the_side_panel() {
    if !rig("smtpx --mx refuse.test") || !tmux_available() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let pid = dir.path().join("pid");
    let rig = rig_args().join(" ");
    let command = explorer_command(
        &pid,
        "",
        &format!("--mx refuse.test --port {SMTP_PORT} --no-record {rig}"),
    );
    let tmux = Tmux::new("mx");
    tmux.start("mx", 120, 40, &command);
    let screen = tmux
        .wait_for(
            "mx",
            &[
                "Route (--mx)",
                "refuse.test → mx.refuse.test",
                "MX 30, DNSSEC secure",
                "220 ",
            ],
        )
        .await;
    assert!(
        screen.contains("dead1.refuse.test (MX 10): [::1]:2625 connection refused"),
        "{screen}"
    );
    tmux.type_line("mx", "/quit");
    tmux.wait_for("mx", &["EXITED"]).await;
}

/// Opens the explorer on `domain` with `--mx`, upgrades with STARTTLS and opens F2; returns
/// the certificate view once `needles` are on it.
async fn explorer_f2(tmux: &Tmux, name: &str, domain: &str, needles: &[&str]) -> String {
    let dir = tempfile::tempdir().unwrap();
    let pid = dir.path().join("pid");
    let rig = rig_args().join(" ");
    let command = explorer_command(
        &pid,
        "",
        &format!("--mx {domain} --port {SMTP_PORT} --no-record {rig}"),
    );
    tmux.start(name, 120, 40, &command);
    tmux.wait_for(name, &["S< 220"]).await;
    tmux.type_line(name, "EHLO x");
    tmux.wait_for(name, &["250-STARTTLS"]).await;
    tmux.type_line(name, "STARTTLS");
    tmux.wait_for(name, &["TLS1.3"]).await;
    tmux.keys(name, &["F2"]);
    let screen = tmux.wait_for(name, needles).await;
    tmux.keys(name, &["Escape"]);
    tmux.type_line(name, "/quit");
    tmux.wait_for(name, &["EXITED"]).await;
    screen
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn f2_shows_dane_and_mta_sts_for_the_mx_in_use() {
    if !rig("smtpx --mx, F2") || !tmux_available() {
        return;
    }
    let tmux = Tmux::new("mxf2");
    // dane.test: a DANE-EE record at _2625._tcp.mx1.dane.test matches the leaf; no MTA-STS.
    let screen = explorer_f2(
        &tmux,
        "dane",
        "dane.test",
        &["DANE: verified: TLSA 3 1 1", "no _mta-sts record"],
    )
    .await;
    assert!(
        screen.contains("matches certificate 0 of the chain"),
        "{screen}"
    );
    // sts.test: MTA-STS enforce, its MX matches; no TLSA record.
    let screen = explorer_f2(
        &tmux,
        "sts",
        "sts.test",
        &["MTA-STS: mode enforce", "DANE: no TLSA records"],
    )
    .await;
    assert!(
        screen.contains("mx.sts.test matches the mx pattern mx.sts.test"),
        "{screen}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_explorer_names_a_mail_domain_given_as_a_host() {
    if !rig("smtpx dane.test") || !tmux_available() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let pid = dir.path().join("pid");
    let rig = rig_args().join(" ");
    let command = explorer_command(
        &pid,
        "",
        &format!("dane.test --port {SMTP_PORT} --no-record {rig}"),
    );
    let tmux = Tmux::new("mxhint");
    tmux.start("hint", 200, 40, &command);
    let screen = tmux
        .wait_for(
            "hint",
            &["dane.test has no address; it is a mail domain with MX mx1.dane.test, mx2.dane.test"],
        )
        .await;
    assert!(screen.contains("use --mx"), "{screen}");
    tmux.type_line("hint", "/quit");
    tmux.wait_for("hint", &["EXITED"]).await;
}
