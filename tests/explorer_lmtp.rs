//! The explorer's network task on an LMTP server ([RFC 2033](https://www.rfc-editor.org/rfc/rfc2033)),
//! as `smtpx --lmtp HOST` runs it: a typed EHLO is warned about, a typed LHLO greets, and
//! after the message each recipient's reply is shown with its recipient, then summed up.

use std::time::Duration;

use smtpx::driver::task::{self, Intent, Update};
use smtpx::driver::{Driver, SessionEvent};
use smtpx::net::{ConnectOptions, Target, TlsOptions};
use tokio::sync::mpsc;

mod support;

use support::{Event, ScriptedServer, Step, reply};

const PATIENCE: Duration = Duration::from_secs(20);

struct Run {
    intents: mpsc::UnboundedSender<Intent>,
    updates: mpsc::UnboundedReceiver<Update>,
    notes: Vec<String>,
    lmtp_session: bool,
}

impl Run {
    /// Collects updates until a reply with `code` arrives.
    async fn until_reply(&mut self, code: u16) {
        loop {
            let update = tokio::time::timeout(PATIENCE, self.updates.recv())
                .await
                .unwrap_or_else(|_| panic!("no {code} reply; notes so far: {:?}", self.notes))
                .expect("the task ended");
            match update {
                Update::Event(SessionEvent::Note { text, .. }) => self.notes.push(text),
                Update::Event(SessionEvent::Received { reply, .. })
                    if reply.code() == Some(code) =>
                {
                    return;
                }
                Update::Session(session) => self.lmtp_session = session.is_lmtp(),
                _ => {}
            }
        }
    }

    async fn line(&mut self, line: &str, code: u16) {
        self.intents
            .send(Intent::Line(line.into()))
            .expect("the task runs");
        self.until_reply(code).await;
    }
}

#[tokio::test]
async fn lmtp_replies_are_shown_with_their_recipients_in_the_explorer() {
    let mut server = ScriptedServer::start(vec![
        Step::send("220 lmtp.test LMTP ready\r\n"),
        Step::expect("EHLO client.test"),
        Step::send("500 5.5.1 Unknown command\r\n"),
        Step::expect("LHLO client.test"),
        Step::Send(reply(250, &["lmtp.test", "ENHANCEDSTATUSCODES"])),
        Step::expect("MAIL FROM:<a@client.test>"),
        Step::send("250 2.1.0 Ok\r\n"),
        Step::expect("RCPT TO:<b@mx.test>"),
        Step::send("250 2.1.5 Ok\r\n"),
        Step::expect("RCPT TO:<c@mx.test>"),
        Step::send("250 2.1.5 Ok\r\n"),
        Step::expect("DATA"),
        Step::send("354 OK\r\n"),
        Step::ExpectData,
        Step::send("250 2.0.0 <b@mx.test> Saved\r\n"),
        Step::send("552 5.2.2 <c@mx.test> Quota exceeded\r\n"),
        Step::expect("QUIT"),
        Step::send("221 bye\r\n"),
        Step::Close,
    ])
    .await;
    let target = Target::new(server.addr.ip().to_string(), server.addr.port());
    let (update_tx, updates) = mpsc::unbounded_channel();
    let (intents, intent_rx) = mpsc::unbounded_channel();
    let mut driver = Driver::new(
        target,
        ConnectOptions::default(),
        TlsOptions::default(),
        Duration::from_secs(10),
        task::sink(update_tx.clone()),
    );
    driver.lmtp(true);
    tokio::spawn(task::run(driver, false, intent_rx, update_tx));
    let mut run = Run {
        intents,
        updates,
        notes: Vec::new(),
        lmtp_session: false,
    };
    run.until_reply(220).await;
    run.line("EHLO client.test", 500).await;
    assert!(
        run.notes
            .iter()
            .any(|n| n.contains("EHLO to an LMTP server: LMTP is greeted with LHLO")),
        "{:?}",
        run.notes
    );
    run.line("LHLO client.test", 250).await;
    assert!(run.lmtp_session);
    run.line("MAIL FROM:<a@client.test>", 250).await;
    run.line("RCPT TO:<b@mx.test>", 250).await;
    run.line("RCPT TO:<c@mx.test>", 250).await;
    run.line("DATA", 354).await;
    run.intents
        .send(Intent::Message(b"Subject: hi\r\n\r\nhello\r\n".to_vec()))
        .expect("the task runs");
    run.until_reply(552).await;
    run.line("QUIT", 221).await;
    for expected in [
        "LMTP: <b@mx.test> delivered",
        "LMTP: <c@mx.test> not delivered (552, permanent)",
        "LMTP: the message was delivered to 1 of 2 recipients; not to <c@mx.test>",
    ] {
        assert!(
            run.notes.iter().any(|n| n == expected),
            "{expected}: {:?}",
            run.notes
        );
    }
    for event in server.finish().await {
        if let Event::Received {
            expected,
            line,
            matched,
        } = event
        {
            assert!(
                matched,
                "server expected {expected:?}, got {:?}",
                String::from_utf8_lossy(&line)
            );
        }
    }
}
