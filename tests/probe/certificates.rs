//! Certificate verdicts after STARTTLS: an untrusted or wrongly named certificate is
//! reported and the session goes on, unless `--tls-verify strict` stops it at TLS.

use crate::support::probe::ProbeRun;
use crate::support::{Event, LeafKind, ScriptedServer, Step, TestPki, server_config};
use crate::{all_matched, args, ehlo_reply, greeted, probe, quit};

/// Runs a STARTTLS session against `leaf` and returns the probe's result.
async fn starttls_with(leaf: LeafKind, strict: bool) -> (ProbeRun, Vec<Event>) {
    let pki = TestPki::new();
    let tls = server_config(&pki.leaf(leaf));
    let mut steps = greeted(
        &["STARTTLS"],
        [
            Step::expect("STARTTLS"),
            Step::send("220 2.0.0 go\r\n"),
            Step::StartTls,
        ],
    );
    if !strict {
        steps.extend([Step::expect("EHLO"), Step::Send(ehlo_reply(&[]))]);
        steps.extend(quit());
    }
    let mut server = ScriptedServer::start_starttls(tls, steps).await;
    let ca = pki.ca_file();
    let mut a = args(&[
        &format!("localhost:{}", server.addr.port()),
        "--starttls",
        "--quit-after",
        "tls",
        "--timeout",
        "5",
    ]);
    if leaf != LeafKind::SelfSigned {
        a.extend(args(&["--ca-file", ca.to_str().expect("utf-8 path")]));
    }
    if strict {
        a.extend(args(&["--tls-verify", "strict"]));
    }
    let run = probe(a).await;
    let events = server.finish().await;
    (run, events)
}

#[tokio::test]
async fn untrusted_certificate_is_reported_and_the_session_goes_on() {
    let (run, events) = starttls_with(LeafKind::SelfSigned, false).await;
    all_matched(&events);
    assert_eq!(run.code, 0, "{}", run.stdout);
    let tls = run.of("tls");
    assert_eq!(tls[0]["verdict"]["ok"], false);
    let summary = tls[0]["verdict"]["summary"].as_str().unwrap_or_default();
    assert!(summary.contains("NOT trusted"), "{summary}");
    let findings = run.of("finding");
    assert_eq!(findings[0]["kind"], "unverified_certificate");
}

#[tokio::test]
async fn wrong_name_certificate_is_reported_and_the_session_goes_on() {
    let (run, events) = starttls_with(LeafKind::WrongName, false).await;
    all_matched(&events);
    assert_eq!(run.code, 0, "{}", run.stdout);
    let summary = run.of("tls")[0]["verdict"]["summary"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    assert!(
        summary.contains("localhost"),
        "names the name checked: {summary}"
    );
    assert!(
        summary.contains("trusted (ca-file"),
        "the chain itself is trusted: {summary}"
    );
    assert_eq!(run.of("tls")[0]["verdict"]["ok"], false);
}

#[tokio::test]
async fn strict_mode_stops_at_tls_on_untrusted_certificate() {
    let (run, _) = starttls_with(LeafKind::SelfSigned, true).await;
    assert_eq!(run.code, 23, "{}", run.stdout);
    assert!(run.of("tls").is_empty());
    assert!(run.of("error").iter().any(|e| {
        e["message"]
            .as_str()
            .is_some_and(|m| m.to_lowercase().contains("certificate"))
    }));
}

#[tokio::test]
async fn strict_mode_stops_at_tls_on_wrong_name() {
    let (run, _) = starttls_with(LeafKind::WrongName, true).await;
    assert_eq!(run.code, 23, "{}", run.stdout);
}
