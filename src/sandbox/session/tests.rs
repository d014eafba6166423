//! Scripted tests of the sans-IO session: no tokio, no sockets.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;

use super::*;

/// A policy whose every decision is fixed by the test.
#[derive(Default)]
struct Fake {
    greylist: bool,
    reject: bool,
    tempfail: bool,
}

impl Policy for Fake {
    fn greylist(&self, _: &str, _: &str) -> bool {
        self.greylist
    }
    fn reject_recipient(&self, recipient: &str) -> bool {
        self.reject && recipient.ends_with("@blocked.test")
    }
    fn tempfail(&self) -> bool {
        self.tempfail
    }
    fn nonce(&self) -> u64 {
        42
    }
}

// `Policy` needs Sync; `Fake` has no interior mutability, so this only checks it compiles.
const _: fn() = || {
    fn is_policy<P: Policy>() {}
    is_policy::<Fake>();
};

fn settings() -> SessionSettings {
    SessionSettings {
        hostname: "sandbox.test".into(),
        submission: false,
        max_message_size: 100,
        max_recipients: 2,
        credentials: Credentials::default(),
        drop_after: None,
        local_domains: Vec::new(),
        lenient_eod: false,
        no_esmtp: false,
    }
}

/// A session plus the driver's input buffer (bytes the session has not consumed yet).
struct Harness {
    session: Session,
    buffer: Vec<u8>,
}

impl std::ops::Deref for Harness {
    type Target = Session;
    fn deref(&self) -> &Session {
        &self.session
    }
}

impl std::ops::DerefMut for Harness {
    fn deref_mut(&mut self) -> &mut Session {
        &mut self.session
    }
}

fn session(settings: SessionSettings) -> Harness {
    Harness {
        session: Session::new(
            Arc::new(settings),
            "127.0.0.1:1".parse().expect("literal"),
            1,
            false,
        ),
        buffer: Vec::new(),
    }
}

/// Appends `input` and runs the session until it needs more, answering every Deliver like
/// the driver would.
fn feed(harness: &mut Harness, input: &[u8], policy: &dyn Policy) -> Vec<Event> {
    harness.buffer.extend_from_slice(input);
    let Harness { session, buffer } = harness;
    let mut events = Vec::new();
    loop {
        let progress = session.advance(buffer, policy);
        buffer.drain(..progress.consumed);
        let done = progress.needs_input() || session.is_closed();
        for event in progress.events {
            if matches!(event, Event::Deliver(_)) {
                events.push(Event::Reply(session.delivered(Ok("ID"))));
            }
            events.push(event);
        }
        if done {
            return events;
        }
    }
}

fn codes(events: &[Event]) -> Vec<u16> {
    events
        .iter()
        .filter_map(|e| match e {
            Event::Reply(reply) => Some(reply.code),
            _ => None,
        })
        .collect()
}

fn replies(events: &[Event]) -> Vec<ServerReply> {
    events
        .iter()
        .filter_map(|e| match e {
            Event::Reply(reply) => Some(reply.clone()),
            _ => None,
        })
        .collect()
}

fn delivered(events: &[Event]) -> Vec<Envelope> {
    events
        .iter()
        .filter_map(|e| match e {
            Event::Deliver(envelope) => Some(envelope.clone()),
            _ => None,
        })
        .collect()
}

#[test]
fn ehlo_lists_extensions_and_starttls_only_before_tls() {
    let mut s = session(settings());
    let events = feed(&mut s, b"EHLO client.test\r\n", &Fake::default());
    let lines = replies(&events)[0].lines.join("\n");
    for keyword in [
        "PIPELINING",
        "SIZE 100",
        "8BITMIME",
        "SMTPUTF8",
        "CHUNKING",
        "ENHANCEDSTATUSCODES",
        "DSN",
        "STARTTLS",
        "AUTH PLAIN LOGIN CRAM-MD5",
    ] {
        assert!(lines.contains(keyword), "{keyword} missing from {lines}");
    }
    let events = feed(&mut s, b"STARTTLS\r\n", &Fake::default());
    assert_eq!(codes(&events), [220]);
    assert_eq!(events.last(), Some(&Event::StartTls));
    s.tls_started();
    assert_eq!(
        codes(&feed(&mut s, b"MAIL FROM:<a@b.test>\r\n", &Fake::default())),
        [503]
    );
    let events = feed(
        &mut s,
        b"EHLO client.test\r\nSTARTTLS\r\n",
        &Fake::default(),
    );
    assert!(!replies(&events)[0].lines.join(" ").contains("STARTTLS"));
    assert_eq!(codes(&events), [250, 503]);
}

#[test]
fn submission_requires_starttls_then_auth() {
    let mut s = session(SessionSettings {
        submission: true,
        ..settings()
    });
    let events = feed(
        &mut s,
        b"EHLO c\r\nAUTH PLAIN\r\nMAIL FROM:<a@b.test>\r\n",
        &Fake::default(),
    );
    assert!(!replies(&events)[0].lines.join(" ").contains("AUTH"));
    assert_eq!(
        replies(&events)[1].lines,
        ["5.7.0 Must issue a STARTTLS command first"]
    );
    assert_eq!(codes(&events), [250, 530, 530]);
    feed(&mut s, b"STARTTLS\r\n", &Fake::default());
    s.tls_started();
    let events = feed(
        &mut s,
        b"EHLO c\r\nMAIL FROM:<a@b.test>\r\n",
        &Fake::default(),
    );
    assert!(replies(&events)[0].lines.join(" ").contains("AUTH PLAIN"));
    assert_eq!(replies(&events)[1].lines, ["5.7.0 Authentication required"]);
    let plain = format!(
        "AUTH PLAIN {}\r\nMAIL FROM:<a@b.test>\r\n",
        BASE64.encode("\0demo\0demo-password")
    );
    assert_eq!(
        codes(&feed(&mut s, plain.as_bytes(), &Fake::default())),
        [235, 250]
    );
}

#[test]
fn pipelined_transaction_split_at_every_byte_is_answered_in_order() {
    let script: &[u8] =
        b"EHLO c\r\nMAIL FROM:<a@b.test>\r\nRCPT TO:<c@d.test>\r\nDATA\r\n..x\r\n.\r\nQUIT\r\n";
    for split in 0..=script.len() {
        let mut s = session(settings());
        let mut events = feed(&mut s, &script[..split], &Fake::default());
        events.extend(feed(&mut s, &script[split..], &Fake::default()));
        assert_eq!(
            codes(&events),
            [250, 250, 250, 354, 250, 221],
            "split {split}"
        );
        let envelope = &delivered(&events)[0];
        assert_eq!(envelope.content, b".x\r\n");
        assert_eq!(envelope.recipients, ["c@d.test"]);
        assert_eq!(events.last(), Some(&Event::Close));
    }
}

#[test]
fn commands_out_of_sequence_get_503() {
    let mut s = session(settings());
    let events = feed(
        &mut s,
        b"MAIL FROM:<a@b.test>\r\nEHLO c\r\nRCPT TO:<c@d.test>\r\nDATA\r\nMAIL FROM:<a@b.test>\r\nDATA\r\nMAIL FROM:<a@b.test>\r\n",
        &Fake::default(),
    );
    assert_eq!(codes(&events), [503, 250, 503, 503, 250, 503, 503]);
    assert!(
        replies(&events)
            .iter()
            .filter(|r| r.code == 503)
            .all(|r| r.lines[0].starts_with("5.5.1 "))
    );
}

#[test]
fn long_lines_are_discarded_without_buffering_and_answered_500() {
    let mut s = session(settings());
    let mut long = vec![b'x'; 5000];
    long.extend_from_slice(b"\r\nNOOP\r\n");
    // Fed in small pieces, as a socket would deliver them.
    let mut events = Vec::new();
    for piece in long.chunks(700) {
        events.extend(feed(&mut s, piece, &Fake::default()));
    }
    assert_eq!(
        replies(&events)[0].to_wire(),
        b"500 5.5.6 Error: line too long\r\n"
    );
    assert_eq!(codes(&events), [500, 250]);
    // 1000 octets including CRLF is still fine; 1001 is not.
    let fits = format!("NOOP {}\r\n", "y".repeat(993));
    assert_eq!(fits.len(), 1000);
    assert_eq!(
        codes(&feed(&mut s, fits.as_bytes(), &Fake::default())),
        [250]
    );
    let over = format!("NOOP {}\r\n", "y".repeat(994));
    assert_eq!(
        codes(&feed(&mut s, over.as_bytes(), &Fake::default())),
        [500]
    );
}

#[test]
fn limits_recipients_and_size() {
    let mut s = session(settings());
    let events = feed(
        &mut s,
        b"EHLO c\r\nMAIL FROM:<a@b.test> SIZE=101\r\nMAIL FROM:<a@b.test> SIZE=100\r\nRCPT TO:<1@d.test>\r\nRCPT TO:<2@d.test>\r\nRCPT TO:<3@d.test>\r\n",
        &Fake::default(),
    );
    assert_eq!(codes(&events), [250, 552, 250, 250, 250, 452]);
    assert_eq!(
        replies(&events)[5].lines,
        ["4.5.3 Error: too many recipients"]
    );
    let big = format!("DATA\r\n{}\r\n.\r\nRSET\r\n", "z".repeat(150));
    let events = feed(&mut s, big.as_bytes(), &Fake::default());
    assert_eq!(codes(&events), [354, 552, 250]);
    assert!(replies(&events)[1].lines[0].starts_with("5.3.4 "));
    assert!(events.iter().any(|e| matches!(e, Event::Discard)));
}

#[test]
fn bare_lf_in_data_is_refused() {
    let mut s = session(settings());
    let events = feed(
        &mut s,
        b"HELO c\r\nMAIL FROM:<>\r\nRCPT TO:<Postmaster>\r\nDATA\r\na\nb\r\n.\r\n",
        &Fake::default(),
    );
    assert_eq!(codes(&events), [250, 250, 250, 354, 550]);
    assert!(delivered(&events).is_empty());
    // The message begun at DATA is dropped, with whatever was spooled of it.
    assert!(events.iter().any(|e| matches!(e, Event::BeginMessage(_))));
    assert!(events.iter().any(|e| matches!(e, Event::Discard)));
}

#[test]
fn a_lenient_sandbox_ends_data_at_lf_dot_lf_and_runs_the_smuggled_commands() {
    let mut s = session(SessionSettings {
        lenient_eod: true,
        ..settings()
    });
    let events = feed(
        &mut s,
        b"HELO c\r\nMAIL FROM:<>\r\nRCPT TO:<Postmaster>\r\nDATA\r\nfirst\n.\n\
          MAIL FROM:<>\r\nRCPT TO:<Postmaster>\r\nDATA\r\nsmuggled\r\n.\r\n",
        &Fake::default(),
    );
    assert_eq!(
        codes(&events),
        [250, 250, 250, 354, 250, 250, 250, 354, 250]
    );
    let bodies: Vec<Vec<u8>> = delivered(&events)
        .into_iter()
        .map(|envelope| envelope.content)
        .collect();
    assert_eq!(bodies, [b"first\r\n".to_vec(), b"smuggled\r\n".to_vec()]);
}

#[test]
fn bdat_chunks_are_joined_and_refused_chunks_still_consumed() {
    let mut s = session(settings());
    let events = feed(
        &mut s,
        b"EHLO c\r\nMAIL FROM:<a@b.test>\r\nRCPT TO:<c@d.test>\r\nBDAT 5\r\nab\r\nnBDAT 3 LAST\r\nxy\n",
        &Fake::default(),
    );
    assert_eq!(codes(&events), [250, 250, 250, 250, 250]);
    assert_eq!(delivered(&events)[0].content, b"ab\r\nnxy\n");
    // Without MAIL: 503, but the 4 chunk octets are skipped, not read as a command.
    let events = feed(&mut s, b"BDAT 4 LAST\r\nQUIT", &Fake::default());
    assert_eq!(codes(&events), [503]);
    assert_eq!(codes(&feed(&mut s, b"NOOP\r\n", &Fake::default())), [250]);
    let events = feed(
        &mut s,
        b"MAIL FROM:<a@b.test>\r\nRCPT TO:<c@d.test>\r\nBDAT 2\r\nhiDATA\r\nBDAT 0 LAST\r\n",
        &Fake::default(),
    );
    assert_eq!(codes(&events), [250, 250, 250, 503, 250]);
    assert_eq!(delivered(&events)[0].content, b"hi");
}

#[test]
fn auth_payloads_never_reach_the_log() {
    let mut s = session(settings());
    let secret = BASE64.encode("\0demo\0demo-password");
    let script = format!("EHLO c\r\nAUTH PLAIN {secret}\r\n");
    let events = feed(&mut s, script.as_bytes(), &Fake::default());
    assert_eq!(codes(&events), [250, 235]);
    let mut s = session(settings());
    let script = format!("EHLO c\r\nAUTH LOGIN\r\n{}\r\n*\r\n", BASE64.encode("demo"));
    let more = feed(&mut s, script.as_bytes(), &Fake::default());
    assert_eq!(codes(&more), [250, 334, 334, 501]);
    for event in events.iter().chain(&more) {
        if let Event::Client(text) = event {
            assert!(
                !text.contains(&secret) && !text.contains("ZGVtbw"),
                "leaked: {text}"
            );
        }
    }
}

#[test]
fn failed_auth_waits_longer_each_time_and_too_many_end_the_connection() {
    let mut s = session(settings());
    let wrong = BASE64.encode("\0demo\0wrong");
    let mut script = String::from("EHLO c\r\n");
    for _ in 0..MAX_AUTH_FAILURES {
        script.push_str(&format!("AUTH PLAIN {wrong}\r\n"));
    }
    let events = feed(&mut s, script.as_bytes(), &Fake::default());
    let mut expected = vec![250];
    expected.extend(std::iter::repeat_n(535, (MAX_AUTH_FAILURES - 1) as usize));
    expected.push(421);
    assert_eq!(codes(&events), expected);
    let delays: Vec<std::time::Duration> = events
        .iter()
        .filter_map(|e| match e {
            Event::Delay(wait) => Some(*wait),
            _ => None,
        })
        .collect();
    assert_eq!(delays.len(), MAX_AUTH_FAILURES as usize);
    assert!(delays.windows(2).all(|w| w[0] <= w[1]), "{delays:?}");
    assert!(
        delays
            .iter()
            .all(|d| d.as_millis() >= 250 && d.as_secs() <= 4)
    );
    assert!(
        matches!(events.last(), Some(Event::CloseFor(_))),
        "{:?}",
        events.last()
    );
}

#[test]
fn cram_md5_challenge_names_connection_and_nonce() {
    let mut s = session(settings());
    let events = feed(&mut s, b"EHLO c\r\nAUTH CRAM-MD5\r\n", &Fake::default());
    let challenge = BASE64
        .decode(&replies(&events)[1].lines[0])
        .expect("base64");
    assert_eq!(challenge, b"<1.42@sandbox.test>");
}

#[test]
fn policy_decisions_give_their_replies() {
    let policy = Fake {
        greylist: true,
        reject: true,
        tempfail: false,
    };
    let mut s = session(settings());
    let events = feed(
        &mut s,
        b"EHLO c\r\nMAIL FROM:<a@b.test>\r\nRCPT TO:<x@blocked.test>\r\nRCPT TO:<x@ok.test>\r\n",
        &policy,
    );
    assert_eq!(codes(&events), [250, 250, 550, 451]);
    assert!(replies(&events)[2].lines[0].starts_with("5.1.1 "));
    assert!(replies(&events)[3].lines[0].starts_with("4.7.1 "));
    let tempfail = Fake {
        tempfail: true,
        ..Fake::default()
    };
    let events = feed(&mut s, b"RSET\r\nMAIL FROM:<a@b.test>\r\n", &tempfail);
    assert_eq!(codes(&events), [250, 451]);
    assert!(replies(&events)[1].lines[0].starts_with("4.3.0 "));
}

#[test]
fn drop_after_closes_without_reply() {
    let mut s = session(SessionSettings {
        drop_after: Some("DATA".into()),
        ..settings()
    });
    let events = feed(
        &mut s,
        b"EHLO c\r\nMAIL FROM:<a@b.test>\r\nRCPT TO:<c@d.test>\r\nDATA\r\nNOOP\r\n",
        &Fake::default(),
    );
    assert_eq!(codes(&events), [250, 250, 250]);
    assert_eq!(events.last(), Some(&Event::Drop));
    assert!(s.is_closed());
}

#[test]
fn unknown_and_unimplemented_commands() {
    let mut s = session(settings());
    let events = feed(
        &mut s,
        b"FOO\r\nTURN\r\nHELP\r\nVRFY x\r\nRSET\r\n",
        &Fake::default(),
    );
    assert_eq!(codes(&events), [500, 502, 214, 252, 250]);
}

#[test]
fn non_ascii_addresses_need_smtputf8() {
    let mut s = session(settings());
    let script = "EHLO c\r\nMAIL FROM:<jöran@b.test>\r\nMAIL FROM:<jöran@b.test> SMTPUTF8\r\nRCPT TO:<åsa@d.test>\r\n";
    let events = feed(&mut s, script.as_bytes(), &Fake::default());
    assert_eq!(codes(&events), [250, 553, 250, 250]);
    assert!(replies(&events)[1].lines[0].starts_with("5.6.7 "));
}

/// Content of everything the session handed over: the pieces, then the delivered tail.
fn streamed_content(events: &[Event]) -> Vec<u8> {
    let mut content = Vec::new();
    for event in events {
        match event {
            Event::Content(piece) => content.extend_from_slice(piece),
            Event::Deliver(envelope) => content.extend_from_slice(&envelope.content),
            _ => {}
        }
    }
    content
}

#[test]
fn a_large_message_comes_in_pieces_after_its_envelope() {
    let mut s = session(SessionSettings {
        max_message_size: 8 << 20,
        ..settings()
    });
    feed(
        &mut s,
        b"EHLO c\r\nMAIL FROM:<a@b.test>\r\nRCPT TO:<c@d.test>\r\n",
        &Fake::default(),
    );
    let events = feed(&mut s, b"DATA\r\n", &Fake::default());
    assert_eq!(codes(&events), [354]);
    let begun: Vec<&Envelope> = events
        .iter()
        .filter_map(|e| match e {
            Event::BeginMessage(envelope) => Some(envelope),
            _ => None,
        })
        .collect();
    assert_eq!(begun.len(), 1);
    assert_eq!(
        (begun[0].from.as_str(), &begun[0].recipients[..]),
        ("a@b.test", &["c@d.test".to_owned()][..])
    );
    assert!(begun[0].content.is_empty());
    let line = b"..0123456789abcdefghijklmnopqrstuvwxyz0123456789abcdefghijklmnopqrstuvwxyz\r\n";
    let mut events = Vec::new();
    for _ in 0..(3 * CONTENT_PIECE / line.len()) {
        events.extend(feed(&mut s, line, &Fake::default()));
    }
    let pieces = events
        .iter()
        .filter(|e| matches!(e, Event::Content(_)))
        .count();
    assert!((2..=3).contains(&pieces), "{pieces} pieces");
    events.extend(feed(&mut s, b".\r\n", &Fake::default()));
    assert_eq!(codes(&events), [250]);
    let expected = line[1..].repeat(3 * CONTENT_PIECE / line.len());
    assert_eq!(streamed_content(&events), expected);
}

#[test]
fn relaying_outside_the_local_domains_is_refused_until_authenticated() {
    let mut s = session(SessionSettings {
        local_domains: vec!["localhost".into()],
        credentials: Credentials {
            user: "u".into(),
            password: "p".into(),
            oauth_token: None,
        },
        ..settings()
    });
    let events = feed(
        &mut s,
        b"EHLO c\r\nMAIL FROM:<a@b.test>\r\nRCPT TO:<x@elsewhere.test>\r\nRCPT TO:<y@LOCALHOST>\r\nRSET\r\nAUTH PLAIN AHUAcA==\r\nMAIL FROM:<a@b.test>\r\nRCPT TO:<x@elsewhere.test>\r\n",
        &Fake::default(),
    );
    let codes: Vec<u16> = replies(&events).iter().map(|r| r.code).collect();
    assert_eq!(codes, [250, 250, 554, 250, 250, 235, 250, 250]);
    assert!(
        replies(&events)[2]
            .lines
            .join(" ")
            .contains("Relay access denied")
    );
}
