//! The explorer's network task running the AUTH form's [`Intent::Auth`] and the composer's
//! [`Intent::Transaction`] against the built-in sandbox on loopback: each SASL mechanism,
//! a refused password (a reply, not an error), a token source that cannot be read, a
//! message by DATA and by BDAT stored byte-exact, a refused recipient stopping the
//! transaction, and the byte-exact `\n.\n` ending the sandbox does not take as the end.

use std::time::Duration;

use smtpx::app::compose::{Draft, Ending, Method, NotifyChoice, Offers};
use smtpx::driver::task::{self, Intent, SecretSource, SecretText, Update};
use smtpx::driver::{Driver, SessionEvent};
use smtpx::net::{ConnectOptions, Target, TlsOptions};
use smtpx::proto::auth::Mechanism;
use smtpx::sandbox::{self, Behaviours, SandboxConfig, SandboxHandle};
use smtpx::transcript::{Header, Recorder, Transport};
use tokio::sync::mpsc;
use zeroize::Zeroizing;

/// Generous: only a broken test waits this long.
const PATIENCE: Duration = Duration::from_secs(20);

struct Run {
    intents: mpsc::UnboundedSender<Intent>,
    updates: mpsc::UnboundedReceiver<Update>,
    events: Vec<SessionEvent>,
}

impl Run {
    async fn start(sandbox: &SandboxHandle) -> Run {
        Run::recorded(sandbox, None).await
    }

    /// With `record`, a transcript recorder (default redaction) sits beside the wire, as in
    /// the explorer.
    async fn recorded(sandbox: &SandboxHandle, record: Option<&std::path::Path>) -> Run {
        let addr = sandbox.plain_addr();
        let target = Target::new(addr.ip().to_string(), addr.port());
        let tls = TlsOptions {
            verify_name: Some("localhost".into()),
            ca_file: Some(sandbox.ca_pem_path().to_path_buf()),
            ..TlsOptions::default()
        };
        let (update_tx, updates) = mpsc::unbounded_channel();
        let (intents, intent_rx) = mpsc::unbounded_channel();
        let mut sinks = vec![task::sink(update_tx.clone())];
        if let Some(path) = record {
            let header = Header::new(&target.host, target.port, Transport::StarttlsOptional, 0);
            let recorder = Recorder::create(path, &header).expect("create the transcript");
            sinks.push(recorder.into_sink());
        }
        let driver = Driver::new(
            target,
            ConnectOptions::default(),
            tls,
            Duration::from_secs(10),
            smtpx::driver::sink::fan_out(sinks),
        );
        tokio::spawn(task::run(driver, false, intent_rx, update_tx));
        let mut run = Run {
            intents,
            updates,
            events: Vec::new(),
        };
        run.until_reply(220).await;
        run
    }

    /// Collects events until `done` holds for one.
    async fn until(&mut self, what: &str, done: impl Fn(&SessionEvent) -> bool) -> SessionEvent {
        loop {
            let update = tokio::time::timeout(PATIENCE, self.updates.recv())
                .await
                .unwrap_or_else(|_| panic!("no {what}; events so far: {:#?}", self.events))
                .unwrap_or_else(|| panic!("the task ended before {what}"));
            if let Update::Event(event) = update {
                self.events.push(event.clone());
                if done(&event) {
                    return event;
                }
            }
        }
    }

    async fn until_reply(&mut self, code: u16) {
        self.until(
            &format!("a {code} reply"),
            |e| matches!(e, SessionEvent::Received { reply, .. } if reply.code() == Some(code)),
        )
        .await;
    }

    async fn until_note(&mut self, start: &str) -> String {
        let event = self
            .until(
                &format!("a note starting {start:?}"),
                |e| matches!(e, SessionEvent::Note { text, .. } if text.starts_with(start)),
            )
            .await;
        match event {
            SessionEvent::Note { text, .. } => text,
            _ => unreachable!("until returned the matching note"),
        }
    }

    fn send(&self, intent: Intent) {
        self.intents.send(intent).expect("the task is running");
    }

    async fn line(&mut self, line: &str, code: u16) {
        self.send(Intent::Line(line.into()));
        self.until_reply(code).await;
    }

    /// EHLO, STARTTLS, EHLO again.
    async fn upgrade_to_tls(&mut self) {
        self.line("EHLO me", 250).await;
        self.line("STARTTLS", 220).await;
        self.until("the TLS handshake", |e| {
            matches!(e, SessionEvent::TlsEstablished { .. })
        })
        .await;
        self.line("EHLO me", 250).await;
    }

    /// Every byte the client sent, and every display form, as text.
    fn client_text(&self) -> String {
        let mut out = String::new();
        for event in &self.events {
            if let SessionEvent::Sent { shown, bytes, .. } = event {
                out.push_str(shown);
                out.push_str(&String::from_utf8_lossy(bytes));
                out.push('\n');
            }
        }
        out
    }

    fn codes(&self) -> Vec<u16> {
        self.events
            .iter()
            .filter_map(|e| match e {
                SessionEvent::Received { reply, .. } => reply.code(),
                _ => None,
            })
            .collect()
    }
}

fn typed(secret: &str) -> SecretSource {
    SecretSource::Typed(SecretText::new(Zeroizing::new(secret.to_string())))
}

fn auth(mechanism: Mechanism, user: &str, secret: SecretSource) -> Intent {
    Intent::Auth {
        mechanism,
        user: user.into(),
        secret,
    }
}

#[tokio::test]
async fn every_form_mechanism_authenticates_against_the_sandbox_without_leaking_the_secret() {
    let sandbox = sandbox::start(SandboxConfig::default())
        .await
        .expect("sandbox");
    let password = sandbox.credentials().password.clone();
    for mechanism in [Mechanism::Plain, Mechanism::Login, Mechanism::CramMd5] {
        let mut run = Run::start(&sandbox).await;
        run.upgrade_to_tls().await;
        run.send(auth(mechanism.clone(), "demo", typed(&password)));
        run.until_reply(235).await;
        let sent = run.client_text();
        assert!(sent.contains(&format!("AUTH {mechanism}")), "{sent}");
        assert!(!sent.contains(&password), "{mechanism}: {sent}");
        let b64 = base64_of(&password);
        assert!(!sent.contains(&b64), "{mechanism}: {sent}");
    }
    sandbox.shutdown().await;
}

fn base64_of(text: &str) -> String {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD.encode(text)
}

#[tokio::test]
async fn the_recorded_transcript_of_a_form_exchange_holds_no_secret() {
    let sandbox = sandbox::start(SandboxConfig::default())
        .await
        .expect("sandbox");
    let password = sandbox.credentials().password.clone();
    let dir = tempfile::tempdir_in(env!("CARGO_TARGET_TMPDIR")).expect("temp dir");
    for mechanism in [Mechanism::Plain, Mechanism::Login, Mechanism::CramMd5] {
        let path = dir.path().join(format!("{mechanism}.jsonl"));
        let mut run = Run::recorded(&sandbox, Some(&path)).await;
        run.upgrade_to_tls().await;
        run.send(auth(mechanism.clone(), "demo", typed(&password)));
        run.until_reply(235).await;
        run.send(Intent::Quit);
        run.until("the close", |e| matches!(e, SessionEvent::Closed { .. }))
            .await;
        let text = std::fs::read_to_string(&path).expect("the transcript");
        assert!(text.contains(&format!("AUTH {mechanism}")), "{text}");
        for secret in [
            password.clone(),
            base64_of(&password),
            base64_of(&format!("\0demo\0{password}")),
        ] {
            assert!(
                !text.contains(&secret),
                "{mechanism}: {secret:?} in\n{text}"
            );
        }
    }
    sandbox.shutdown().await;
}

#[tokio::test]
async fn a_wrong_password_is_a_535_reply_and_the_session_goes_on() {
    let sandbox = sandbox::start(SandboxConfig::default())
        .await
        .expect("sandbox");
    let mut run = Run::start(&sandbox).await;
    run.upgrade_to_tls().await;
    run.send(auth(Mechanism::Login, "demo", typed("not-the-password")));
    run.until_reply(535).await;
    assert!(
        !run.events
            .iter()
            .any(|e| matches!(e, SessionEvent::Failed { .. })),
        "a refusal is not a failure: {:#?}",
        run.events
    );
    run.line("NOOP", 250).await;
    sandbox.shutdown().await;
}

#[tokio::test]
async fn an_unreadable_token_source_sends_nothing_and_says_why() {
    let sandbox = sandbox::start(SandboxConfig::default())
        .await
        .expect("sandbox");
    let mut run = Run::start(&sandbox).await;
    let missing =
        std::path::PathBuf::from(concat!(env!("CARGO_TARGET_TMPDIR"), "/no-such-token-file"));
    run.send(auth(Mechanism::XOAuth2, "me", SecretSource::File(missing)));
    let note = run.until_note("AUTH XOAUTH2 not started").await;
    assert!(note.contains("cannot read"), "{note}");
    run.send(auth(
        Mechanism::XOAuth2,
        "me",
        SecretSource::Env("SMTPX_TEST_SURELY_UNSET_TOKEN".into()),
    ));
    let note = run.until_note("AUTH XOAUTH2 not started").await;
    assert!(note.contains("is not set"), "{note}");
    assert!(!run.client_text().contains("AUTH"), "nothing was sent");
    sandbox.shutdown().await;
}

#[tokio::test]
async fn a_token_file_is_read_by_the_task_and_sent_as_xoauth2() {
    let sandbox = sandbox::start(SandboxConfig::default())
        .await
        .expect("sandbox");
    let dir = tempfile::tempdir_in(env!("CARGO_TARGET_TMPDIR")).expect("temp dir");
    let file = dir.path().join("token");
    std::fs::write(&file, "ya29.secret-token\n").expect("write the token");
    let mut run = Run::start(&sandbox).await;
    run.upgrade_to_tls().await;
    run.send(auth(Mechanism::XOAuth2, "me", SecretSource::File(file)));
    // The sandbox does not offer XOAUTH2; whatever it answers is a reply, shown.
    run.until(
        "the reply to AUTH XOAUTH2",
        |e| matches!(e, SessionEvent::Received { reply, .. } if reply.code() != Some(250)),
    )
    .await;
    let sent = run.client_text();
    assert!(sent.contains("AUTH XOAUTH2"), "{sent}");
    assert!(!sent.contains("ya29.secret-token"), "{sent}");
    sandbox.shutdown().await;
}

fn draft(rcpt: &str, body: &[&str]) -> Draft {
    Draft {
        mail_from: "me@example.com".into(),
        rcpt_to: rcpt.into(),
        from: "me@example.com".into(),
        to: rcpt.into(),
        subject: "composed".into(),
        date: "Sat, 28 Nov 2026 04:40:00 +0000".into(),
        message_id: "<1.2@example.com>".into(),
        body: body.iter().map(|s| s.to_string()).collect(),
        method: Method::Data,
        chunk_size: "10".into(),
        ending: Ending::Standard,
        ret: None,
        envid: String::new(),
        notify: NotifyChoice::SuccessFailure,
        headers: String::new(),
        requiretls: false,
        pipeline: true,
        html: String::new(),
        mail_params: String::new(),
        rcpt_params: String::new(),
        attachments: Vec::new(),
        unread_attachments: false,
    }
}

/// What the sandbox offers, PIPELINING left out: these plans go step by step.
fn offers() -> Offers {
    Offers {
        size: Some(None),
        eight_bit_mime: true,
        smtputf8: true,
        dsn: true,
        chunking: true,
        pipelining: false,
        requiretls: false,
        tls: false,
        verified: false,
    }
}

/// What the sandbox offers, PIPELINING included.
fn pipelining() -> Offers {
    Offers {
        pipelining: true,
        ..offers()
    }
}

/// The wire events after the last EHLO reply: `C` for a command sent, `S` for a reply.
fn after_ehlo(events: &[SessionEvent]) -> String {
    let start = events
        .iter()
        .rposition(|e| matches!(e, SessionEvent::Received { reply, .. } if reply.lines.len() > 1))
        .map_or(0, |i| i + 1);
    events[start..]
        .iter()
        .filter_map(|e| match e {
            SessionEvent::Sent { .. } => Some('C'),
            SessionEvent::Received { .. } => Some('S'),
            _ => None,
        })
        .collect()
}

#[tokio::test]
async fn a_pipelined_composed_message_by_data_and_by_bdat_last_is_stored_byte_exact() {
    let sandbox = sandbox::start(SandboxConfig::default())
        .await
        .expect("sandbox");
    let mut stored = sandbox.messages();
    for (method, wire) in [(Method::Data, "CCCSSSCS"), (Method::Bdat, "CCCSSS")] {
        let mut run = Run::start(&sandbox).await;
        run.line("EHLO me", 250).await;
        let mut d = draft("you@example.org", &["Hi,", ".a line with a dot", "Grüße"]);
        d.method = method;
        d.chunk_size = "65536".into();
        let plan = d.plan(&pipelining()).expect("a plan");
        assert!(plan.pipelines());
        let content = plan.content.clone();
        run.send(Intent::Transaction(Box::new(plan)));
        let done = run.until_note("transaction").await;
        assert!(done.starts_with("transaction done"), "{method:?}: {done}");
        // MAIL, RCPT and DATA (or BDAT n LAST with the message) in one group, then the
        // replies; DATA's message after its 354.
        assert_eq!(after_ehlo(&run.events), wire, "{method:?}");
        let message = tokio::time::timeout(PATIENCE, stored.recv())
            .await
            .expect("stored in time")
            .expect("a stored message");
        assert_eq!(message.read_content().expect("read the .eml"), content);
    }
    sandbox.shutdown().await;
}

#[tokio::test]
async fn pipelined_bdat_in_several_chunks_sends_every_chunk_before_reading_and_is_byte_exact() {
    let sandbox = sandbox::start(SandboxConfig::default())
        .await
        .expect("sandbox");
    let mut stored = sandbox.messages();
    let mut run = Run::start(&sandbox).await;
    run.line("EHLO me", 250).await;
    let mut d = draft("you@example.org", &["Hi,", ".a line with a dot", "Grüße"]);
    d.method = Method::Bdat;
    d.chunk_size = "40".into();
    let plan = d.plan(&pipelining()).expect("a plan");
    assert!(plan.pipelines() && !plan.bdat_in_group());
    let content = plan.content.clone();
    let chunks = content.len().div_ceil(40);
    assert!(chunks > 2, "{} bytes", content.len());
    run.send(Intent::Transaction(Box::new(plan)));
    let done = run.until_note("transaction").await;
    assert!(done.starts_with("transaction done"), "{done}");
    // MAIL and RCPT in one write, their replies; then every chunk (RFC 3030 §4.2), then
    // every chunk's reply.
    let wire = format!("CCSS{}{}", "C".repeat(chunks), "S".repeat(chunks));
    assert_eq!(after_ehlo(&run.events), wire);
    let message = tokio::time::timeout(PATIENCE, stored.recv())
        .await
        .expect("stored in time")
        .expect("a stored message");
    assert_eq!(message.read_content().expect("read the .eml"), content);
    sandbox.shutdown().await;
}

#[tokio::test]
async fn a_refused_recipient_mid_group_leaves_the_message_to_the_others() {
    let config = SandboxConfig {
        behaviours: Behaviours {
            reject_rcpt: vec!["*@blocked.test".into()],
            ..Behaviours::default()
        },
        ..SandboxConfig::default()
    };
    let sandbox = sandbox::start(config).await.expect("sandbox");
    let mut stored = sandbox.messages();
    let mut run = Run::start(&sandbox).await;
    run.line("EHLO me", 250).await;
    let plan = draft("ok@example.org, no@blocked.test, late@example.org", &["x"])
        .plan(&pipelining())
        .expect("a plan");
    run.send(Intent::Transaction(Box::new(plan)));
    let done = run.until_note("transaction").await;
    assert!(done.starts_with("transaction done"), "{done}");
    assert!(run.codes().contains(&550));
    let message = tokio::time::timeout(PATIENCE, stored.recv())
        .await
        .expect("stored in time")
        .expect("a stored message");
    assert_eq!(message.recipients, ["ok@example.org", "late@example.org"]);
    sandbox.shutdown().await;
}

#[tokio::test]
async fn a_composed_message_by_data_and_by_bdat_is_stored_byte_exact() {
    let sandbox = sandbox::start(SandboxConfig::default())
        .await
        .expect("sandbox");
    let mut stored = sandbox.messages();
    for method in [Method::Data, Method::Bdat] {
        let mut run = Run::start(&sandbox).await;
        run.upgrade_to_tls().await;
        let mut d = draft(
            "you@example.org",
            &["Hi,", ".a line with a dot", "..two dots", "Grüße", "."],
        );
        d.method = method;
        let plan = d.plan(&offers()).expect("a plan");
        let content = plan.content.clone();
        run.send(Intent::Transaction(Box::new(plan)));
        let done = run.until_note("transaction").await;
        assert!(done.starts_with("transaction done"), "{method:?}: {done}");
        let message = tokio::time::timeout(PATIENCE, stored.recv())
            .await
            .expect("stored in time")
            .expect("a stored message");
        let on_disk = message.read_content().expect("read the .eml");
        assert_eq!(
            String::from_utf8_lossy(&on_disk),
            String::from_utf8_lossy(&content),
            "{method:?}"
        );
        assert_eq!(on_disk, content);
        assert_eq!(message.recipients, ["you@example.org"]);
        let sent = run.client_text();
        assert!(sent.contains("BODY=8BITMIME"), "{sent}");
        assert!(sent.contains("NOTIFY=SUCCESS,FAILURE"), "{sent}");
        if method == Method::Bdat {
            assert!(sent.contains("BDAT 10\r\n"), "chunked by 10: {sent}");
        }
    }
    sandbox.shutdown().await;
}

#[tokio::test]
async fn a_refused_recipient_stops_the_transaction_before_data() {
    let config = SandboxConfig {
        behaviours: Behaviours {
            reject_rcpt: vec!["*@blocked.test".into()],
            ..Behaviours::default()
        },
        ..SandboxConfig::default()
    };
    let sandbox = sandbox::start(config).await.expect("sandbox");
    let mut run = Run::start(&sandbox).await;
    run.line("EHLO me", 250).await;
    let plan = draft("ok@example.org, no@blocked.test, late@example.org", &["x"])
        .plan(&offers())
        .expect("a plan");
    run.send(Intent::Transaction(Box::new(plan)));
    let stop = run.until_note("transaction").await;
    assert!(stop.starts_with("transaction stopped"), "{stop}");
    assert!(stop.contains("RCPT TO:<no@blocked.test>"), "{stop}");
    assert!(stop.contains("550"), "{stop}");
    let sent = run.client_text();
    assert!(
        !sent.contains("late@example.org"),
        "stopped at the refusal: {sent}"
    );
    assert!(!sent.contains("DATA"), "{sent}");
    // The refusal was a reply, and the session is usable.
    assert!(run.codes().contains(&550));
    run.line("RSET", 250).await;
    sandbox.shutdown().await;
}

#[tokio::test]
async fn a_byte_exact_lf_dot_lf_ending_does_not_end_the_data_at_the_sandbox() {
    let sandbox = sandbox::start(SandboxConfig::default())
        .await
        .expect("sandbox");
    let mut run = Run::start(&sandbox).await;
    run.line("EHLO me", 250).await;
    let mut d = draft("you@example.org", &["smuggle?"]);
    d.ending = Ending::LfDotLf;
    let plan = d.plan(&offers()).expect("a plan");
    let smtpx::driver::task::SendMethod::DataExact { wire } = &plan.method else {
        panic!("{:?}", plan.method);
    };
    assert!(wire.ends_with(b"smuggle?\n.\n"));
    run.send(Intent::Transaction(Box::new(plan)));
    run.until_note("byte-exact content sent").await;
    let sent = run.client_text();
    assert!(sent.contains("smuggle?\n.\n"), "sent raw: {sent:?}");
    // The real end, as the data> prompt sends an empty line and a lone `.`: `\r\n.\r\n`.
    // The sandbox then refuses the bare LF it saw (550 5.5.2).
    run.send(Intent::Message(b"\r\n".to_vec()));
    run.until(
        "the reply to the message",
        |e| matches!(e, SessionEvent::Received { reply, .. } if reply.code() == Some(550)),
    )
    .await;
    // No reply came between the 354 and the real end: `\n.\n` was content.
    assert_eq!(run.codes(), [220, 250, 250, 250, 354, 550]);
    assert!(
        run.client_text().ends_with(
            "smuggle?\n.\n\n<message: 2 bytes, 0 lines dot-stuffed, end marker>\r\n.\r\n\n"
        ),
        "{:?}",
        run.client_text()
    );
    sandbox.shutdown().await;
}
