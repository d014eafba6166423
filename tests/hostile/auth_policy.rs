//! The credential policy, attacked: a credential goes only over TLS whose verdict passed,
//! with a mechanism the server advertised, after it advertised AUTH. A man in the middle
//! with his own certificate, a STARTTLS stripped from the EHLO reply, a server that never
//! offered AUTH or not this mechanism: each gets no credential at all — the server's log
//! shows no AUTH line — and the probe stops with a sentence naming the risk, unless the
//! user opted in by name (`--allow-insecure-auth`).

use super::harness::{PASSWORD, probe};
use crate::strs;
use crate::support::{Event, LeafKind, ScriptedServer, Step, reply, server_config, test_pki};

/// Whether the server received any AUTH command or SASL answer.
fn saw_auth(events: &[Event]) -> bool {
    events.iter().any(|e| match e {
        Event::Received { line, .. } => {
            let text = String::from_utf8_lossy(line).to_ascii_uppercase();
            text.starts_with("AUTH") || text.contains(&PASSWORD.to_ascii_uppercase())
        }
        _ => false,
    })
}

fn login(target: &str, extra: &[&str]) -> Vec<String> {
    let mut args = vec![
        target,
        "--ehlo",
        "client.test",
        "--timeout",
        "2",
        "--auth",
        "plain",
        "--user",
        "me",
        "--password-env",
        "POLICY_PW",
    ];
    args.extend(extra);
    args.iter().map(|s| s.to_string()).collect()
}

/// The greeting, EHLO offering `before_tls`, STARTTLS accepted and the handshake.
fn up_to_tls(before_tls: &[&str]) -> Vec<Step> {
    let mut lines = vec!["mx.test", "STARTTLS"];
    lines.extend(before_tls);
    vec![
        Step::send("220 mx.test ESMTP\r\n"),
        Step::expect("EHLO"),
        Step::Send(reply(250, &lines)),
        Step::expect("STARTTLS"),
        Step::send("220 go ahead\r\n"),
        Step::StartTls,
    ]
}

/// Asserts the probe stopped with `code`, said `why`, and no AUTH reached `server`.
async fn refused(
    run: &super::harness::ProbeRun,
    server: &mut ScriptedServer,
    code: i32,
    why: &str,
) {
    assert_eq!(run.code, Some(code), "{}", run.stdout);
    assert!(run.messages().contains(why), "{}", run.messages());
    assert!(!saw_auth(&server.finish().await), "AUTH reached the server");
}

/// EHLO offering `keywords`, then whatever comes until the client leaves.
fn ehlo_then_quit(keywords: &[&str]) -> Vec<Step> {
    let mut lines = vec!["mx.test"];
    lines.extend(keywords);
    vec![
        Step::expect("EHLO"),
        Step::Send(reply(250, &lines)),
        Step::expect("QUIT"),
        Step::send("221 bye\r\n"),
    ]
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_man_in_the_middle_certificate_gets_no_password() {
    let pki = test_pki();
    // Trusted by nobody (self-signed) and issued for another name: what an attacker has.
    let mitm = server_config(&pki.leaf(LeafKind::SelfSigned));
    let mut steps = up_to_tls(&["AUTH PLAIN"]);
    steps.extend(ehlo_then_quit(&["AUTH PLAIN LOGIN"]));
    let mut server = ScriptedServer::start_starttls(mitm, steps).await;
    let args = login(&server.addr.to_string(), &["--starttls"]);
    let run = probe(&strs(&args), &[("POLICY_PW", PASSWORD)]).await;
    refused(&run, &mut server, 23, "whoever holds that key").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stripped_starttls_is_a_stop_not_a_fallback() {
    let mut steps = vec![Step::send("220 mx.test ESMTP\r\n")];
    // STARTTLS removed from the EHLO reply on the way; AUTH left in to tempt the client.
    steps.extend(ehlo_then_quit(&["AUTH PLAIN LOGIN", "8BITMIME"]));
    let mut server = ScriptedServer::start(steps).await;
    let args = login(&server.addr.to_string(), &[]);
    let run = probe(&strs(&args), &[("POLICY_PW", PASSWORD)]).await;
    refused(&run, &mut server, 23, "does not offer STARTTLS").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn plaintext_by_request_still_needs_the_named_opt_in() {
    let mut steps = vec![Step::send("220 mx.test ESMTP\r\n")];
    steps.extend(ehlo_then_quit(&["AUTH PLAIN"]));
    let mut server = ScriptedServer::start(steps).await;
    let args = login(&server.addr.to_string(), &["--no-starttls"]);
    let run = probe(&strs(&args), &[("POLICY_PW", PASSWORD)]).await;
    assert_eq!(run.code, Some(23), "{}", run.stdout);
    assert!(run.messages().contains("cleartext"), "{}", run.messages());
    assert!(!saw_auth(&server.finish().await), "AUTH reached the server");
}

/// A verified STARTTLS session whose EHLO after TLS offers `keywords`, then QUIT.
async fn verified_server(keywords: &[&str]) -> (ScriptedServer, crate::support::TestPki) {
    let pki = test_pki();
    let good = server_config(&pki.leaf(LeafKind::Good));
    let mut steps = up_to_tls(&[]);
    steps.extend(ehlo_then_quit(keywords));
    (ScriptedServer::start_starttls(good, steps).await, pki)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_server_that_never_advertised_auth_gets_no_credentials() {
    let (mut server, pki) = verified_server(&["8BITMIME"]).await;
    let ca = pki.ca_file().display().to_string();
    let args = login(&server.addr.to_string(), &["--starttls", "--ca-file", &ca]);
    let run = probe(&strs(&args), &[("POLICY_PW", PASSWORD)]).await;
    refused(&run, &mut server, 24, "does not advertise AUTH").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_mechanism_the_server_does_not_offer_is_not_sent() {
    let (mut server, pki) = verified_server(&["AUTH PLAIN LOGIN"]).await;
    let ca = pki.ca_file().display().to_string();
    let mut args = login(&server.addr.to_string(), &["--starttls", "--ca-file", &ca]);
    let at = args.iter().position(|a| a == "plain").expect("mechanism");
    args[at] = "cram-md5".into();
    let run = probe(&strs(&args), &[("POLICY_PW", PASSWORD)]).await;
    assert_eq!(run.code, Some(24), "{}", run.stdout);
    assert!(
        run.messages()
            .contains("does not offer AUTH CRAM-MD5 (it offers: PLAIN LOGIN)"),
        "{}",
        run.messages()
    );
    assert!(!saw_auth(&server.finish().await), "AUTH reached the server");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn verified_tls_and_an_offered_mechanism_send_the_credentials() {
    let pki = test_pki();
    let good = server_config(&pki.leaf(LeafKind::Good));
    let mut steps = up_to_tls(&[]);
    steps.extend([
        Step::expect("EHLO"),
        Step::Send(reply(250, &["mx.test", "AUTH PLAIN"])),
        Step::expect("AUTH PLAIN"),
        Step::send("235 2.7.0 ok\r\n"),
        Step::expect("QUIT"),
        Step::send("221 bye\r\n"),
    ]);
    let mut server = ScriptedServer::start_starttls(good, steps).await;
    let ca = pki.ca_file().display().to_string();
    let mut args = login(&server.addr.to_string(), &["--starttls", "--ca-file", &ca]);
    args.extend(["--quit-after".to_string(), "auth".to_string()]);
    let run = probe(&strs(&args), &[("POLICY_PW", PASSWORD)]).await;
    assert_eq!(run.code, Some(0), "{}", run.stdout);
    assert!(
        saw_auth(&server.finish().await),
        "AUTH never reached the server"
    );
}
