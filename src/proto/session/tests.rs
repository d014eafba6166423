use zeroize::Zeroizing;

use super::*;
use crate::proto::command::{SaslResponse, parse_command_line};
use crate::proto::data::dot_stuff;
use crate::proto::reply::Reply;

pub(super) fn reply(wire: &str) -> Reply {
    let mut replies = Reply::parse_all(wire.as_bytes()).expect("test reply within limits");
    assert_eq!(replies.len(), 1, "test input must hold one reply: {wire:?}");
    replies.remove(0)
}

pub(super) fn command(line: &str) -> Command {
    parse_command_line(line).command
}

pub(super) fn send(session: &mut Session, line: &str) {
    session.on_sent(&Sent::Command(command(line)));
}

pub(super) fn recv(session: &mut Session, wire: &str) -> Change {
    session.on_reply(&reply(wire)).change
}

pub(super) fn sasl(text: &str) -> Sent {
    Sent::Command(Command::AuthResponse(SaslResponse::Data(Zeroizing::new(
        text.to_owned(),
    ))))
}

pub(super) const GREETING: &str = "220 mx.example ESMTP\r\n";
pub(super) const EHLO_PLAIN: &str =
    "250-mx.example\r\n250-PIPELINING\r\n250-SIZE 1000\r\n250-STARTTLS\r\n250 8BITMIME\r\n";
pub(super) const EHLO_TLS: &str = "250-mx.example\r\n250-PIPELINING\r\n250-SIZE 1000\r\n\
250-AUTH PLAIN LOGIN\r\n250-CHUNKING\r\n250 8BITMIME\r\n";
pub(super) const EHLO_BARE: &str = "250-old.example\r\n250 SIZE\r\n";

/// A session greeted and past EHLO with the given reply.
pub(super) fn after_ehlo(session: Session, ehlo: &str) -> Session {
    let mut session = session;
    assert_eq!(recv(&mut session, GREETING), Change::Greeted);
    send(&mut session, "EHLO client.example");
    assert!(matches!(recv(&mut session, ehlo), Change::EhloDone(_)));
    session
}

/// A relay session after EHLO, MAIL and one accepted RCPT.
pub(super) fn with_recipient(ehlo: &str) -> Session {
    let mut session = after_ehlo(Session::new(), ehlo);
    send(&mut session, "MAIL FROM:<a@client.example>");
    recv(&mut session, "250 2.1.0 Ok\r\n");
    send(&mut session, "RCPT TO:<b@mx.example>");
    recv(&mut session, "250 2.1.5 Ok\r\n");
    session
}

pub(super) fn verbs(session: &Session) -> Vec<&'static str> {
    session.valid_next().iter().map(|s| s.verb).collect()
}

pub(super) fn recommended(session: &Session) -> Vec<&'static str> {
    let next = session.valid_next();
    next.iter()
        .filter(|s| s.recommended)
        .map(|s| s.verb)
        .collect()
}

#[test]
fn full_submission_session_runs_from_greeting_to_close() {
    let mut s = Session::submission();
    assert_eq!(s.state(), State::ExpectGreeting);
    assert_eq!(recv(&mut s, GREETING), Change::Greeted);
    assert_eq!(s.state(), State::Ready);

    send(&mut s, "EHLO client.example");
    assert_eq!(s.state(), State::ExpectEhloReply);
    assert!(matches!(recv(&mut s, EHLO_PLAIN), Change::EhloDone(c) if c.starttls()));

    send(&mut s, "STARTTLS");
    assert_eq!(s.state(), State::ExpectTlsGo);
    assert_eq!(
        recv(&mut s, "220 2.0.0 Ready to start TLS\r\n"),
        Change::TlsGo
    );
    assert_eq!(s.state(), State::TlsHandshake);
    s.on_tls_established();
    assert!(
        s.tls_active() && s.capabilities().is_none(),
        "RFC 3207 §4.2"
    );
    assert_eq!(s.state(), State::Ready);

    send(&mut s, "EHLO client.example");
    assert!(matches!(recv(&mut s, EHLO_TLS), Change::EhloDone(c) if c.auth()));

    send(&mut s, "AUTH PLAIN AGFsaWNlAHNlY3JldA==");
    let pending = s.pending().next().expect("AUTH awaits a reply");
    assert!(!pending.command.contains("AGFsaWNl"), "secret redacted");
    assert_eq!(pending.argument.as_deref(), Some("PLAIN"));
    let out = s.on_reply(&reply("235 2.7.0 Authentication successful\r\n"));
    assert_eq!(out.change, Change::Authenticated);
    assert!(s.authenticated());

    send(&mut s, "MAIL FROM:<alice@client.example>");
    assert_eq!(s.state(), State::ExpectMailReply);
    assert_eq!(recv(&mut s, "250 2.1.0 Ok\r\n"), Change::MailAccepted);
    send(&mut s, "RCPT TO:<bob@mx.example>");
    assert_eq!(
        recv(&mut s, "250 2.1.5 Ok\r\n"),
        Change::RecipientAccepted("bob@mx.example".into())
    );
    send(&mut s, "RCPT TO:<nobody@mx.example>");
    assert_eq!(
        recv(&mut s, "550 5.1.1 User unknown\r\n"),
        Change::RecipientRejected {
            recipient: "nobody@mx.example".into(),
            permanent: true
        }
    );
    let t = s.transaction().expect("transaction open");
    assert_eq!((t.accepted.len(), t.rejected.len()), (1, 1));
    assert_eq!(t.reverse_path, "alice@client.example");

    send(&mut s, "DATA");
    assert_eq!(s.state(), State::ExpectDataGo);
    assert_eq!(
        recv(&mut s, "354 End data with <CR><LF>.<CR><LF>\r\n"),
        Change::DataGo
    );
    assert_eq!(s.state(), State::MessageMode);
    s.on_sent(&Sent::Message(
        dot_stuff(b"Subject: hi\r\n\r\n.hidden\r\n").bytes,
    ));
    assert_eq!(s.state(), State::ExpectDataReply);
    assert_eq!(
        recv(&mut s, "250 2.0.0 Ok: queued as 1A2B\r\n"),
        Change::MessageAccepted
    );
    assert!(s.transaction().is_none());

    send(&mut s, "QUIT");
    assert_eq!(recv(&mut s, "221 2.0.0 Bye\r\n"), Change::Closing);
    assert_eq!(s.state(), State::Closed);
    assert!(s.valid_next().is_empty());
}

#[test]
fn auth_login_challenges_are_decoded_and_responses_awaited() {
    let mut s = after_ehlo(Session::new(), EHLO_TLS);
    send(&mut s, "AUTH LOGIN");
    assert_eq!(
        recv(&mut s, "334 VXNlcm5hbWU6\r\n"),
        Change::AuthChallenge(Some(b"Username:".to_vec()))
    );
    assert_eq!(s.state(), State::AuthResponseDue);
    s.on_sent(&sasl("YWxpY2U="));
    assert_eq!(s.state(), State::ExpectAuthChallenge);
    assert_eq!(
        recv(&mut s, "334 UGFzc3dvcmQ6\r\n"),
        Change::AuthChallenge(Some(b"Password:".to_vec()))
    );
    s.on_sent(&sasl("c2VjcmV0"));
    assert_eq!(
        recv(&mut s, "535 5.7.8 Authentication failed\r\n"),
        Change::Rejected { permanent: true }
    );
    assert!(!s.authenticated());
    assert_eq!(s.state(), State::Ready);
}

#[test]
fn a_response_typed_before_the_334_answers_it_and_no_other_is_due() {
    let mut s = after_ehlo(Session::new(), EHLO_TLS);
    assert!(!s.auth_exchange_open());
    send(&mut s, "AUTH LOGIN");
    // The exchange is open before any challenge: a line sent now is a SASL response.
    assert!(s.auth_exchange_open());
    s.on_sent(&sasl("YWxpY2U="));
    assert_eq!(
        recv(&mut s, "334 VXNlcm5hbWU6\r\n"),
        Change::AuthChallenge(Some(b"Username:".to_vec()))
    );
    // The typed-ahead line answers this 334: the prompt is not left waiting for another.
    assert_ne!(s.state(), State::AuthResponseDue);
    assert!(s.auth_exchange_open());
    recv(&mut s, "334 UGFzc3dvcmQ6\r\n");
    assert_eq!(s.state(), State::AuthResponseDue);
    s.on_sent(&sasl("c2VjcmV0"));
    recv(&mut s, "235 2.7.0 ok\r\n");
    assert!(s.authenticated());
    assert!(!s.auth_exchange_open());
}

#[test]
fn challenge_that_is_not_base64_is_flagged() {
    let mut s = after_ehlo(Session::new(), EHLO_TLS);
    send(&mut s, "AUTH LOGIN");
    assert_eq!(
        recv(&mut s, "334 not*base64\r\n"),
        Change::AuthChallenge(None)
    );
}

#[test]
fn raw_line_after_334_is_a_redacted_sasl_response_not_a_command() {
    let mut s = after_ehlo(Session::new(), EHLO_TLS);
    send(&mut s, "AUTH LOGIN");
    recv(&mut s, "334 VXNlcm5hbWU6\r\n");
    // "QUIT" here is read by the server as base64, not as QUIT.
    s.on_sent(&Sent::Raw(b"QUIT\r\n".to_vec()));
    let pending = s.pending().next().expect("awaits the AUTH reply");
    assert_eq!(pending.state, State::ExpectAuthChallenge);
    assert!(!pending.command.contains("QUIT"));
}

#[test]
fn pipelined_burst_is_matched_in_order() {
    let mut s = after_ehlo(Session::new(), EHLO_TLS);
    let burst = b"MAIL FROM:<a@client.example>\r\nRCPT TO:<b@mx.example>\r\nRCPT TO:<c@mx.example>\r\nDATA\r\n";
    // Split the burst across writes at an awkward place.
    s.on_sent(&Sent::Raw(burst[..40].to_vec()));
    s.on_sent(&Sent::Raw(burst[40..].to_vec()));
    let states: Vec<State> = s.pending().map(|p| p.state.clone()).collect();
    assert_eq!(
        states,
        [
            State::ExpectMailReply,
            State::ExpectRcptReply,
            State::ExpectRcptReply,
            State::ExpectDataGo
        ]
    );
    let replies = Reply::parse_all(
        b"250 2.1.0 Ok\r\n250 2.1.5 Ok\r\n550 5.1.1 No such user\r\n354 Go ahead\r\n",
    )
    .expect("within limits");
    let outcomes: Vec<Outcome> = replies.iter().map(|r| s.on_reply(r)).collect();
    assert_eq!(outcomes[0].change, Change::MailAccepted);
    assert_eq!(
        outcomes[1].change,
        Change::RecipientAccepted("b@mx.example".into())
    );
    assert_eq!(
        outcomes[2].change,
        Change::RecipientRejected {
            recipient: "c@mx.example".into(),
            permanent: true
        }
    );
    assert_eq!(outcomes[3].change, Change::DataGo);
    let answered = outcomes[2].answered.as_ref().expect("answered RCPT");
    assert_eq!(answered.command, "RCPT TO:<c@mx.example>");
    assert!(s.in_message_mode());
}

#[test]
fn service_closing_421_mid_session_drops_all_pending() {
    let mut s = after_ehlo(Session::new(), EHLO_TLS);
    send(&mut s, "MAIL FROM:<a@client.example>");
    send(&mut s, "RCPT TO:<b@mx.example>");
    let out = s.on_reply(&reply("421 4.3.2 Service shutting down\r\n"));
    assert_eq!(out.change, Change::ServiceClosing);
    assert_eq!(out.answered.map(|p| p.state), Some(State::ExpectMailReply));
    assert_eq!(s.state(), State::Closed);
    assert_eq!(s.pending().count(), 0);
    let late = s.on_reply(&reply("250 ok\r\n"));
    assert_eq!(late.change, Change::Unexpected(Unexpected::AfterClose));
}

#[test]
fn unsolicited_421_when_idle_closes_the_session() {
    let mut s = after_ehlo(Session::new(), EHLO_TLS);
    let out = s.on_reply(&reply("421 4.4.2 Timeout\r\n"));
    assert_eq!((out.answered, out.change), (None, Change::ServiceClosing));
    assert!(s.is_closed());
}

#[test]
fn unsolicited_reply_is_flagged_and_changes_nothing() {
    let mut s = after_ehlo(Session::new(), EHLO_TLS);
    let out = s.on_reply(&reply("250 extra\r\n"));
    assert_eq!(out.answered, None);
    assert_eq!(out.change, Change::Unexpected(Unexpected::NothingAwaited));
    assert_eq!(s.state(), State::Ready);
}

#[test]
fn reply_between_tls_go_and_handshake_is_flagged_as_injection() {
    let mut s = after_ehlo(Session::new(), EHLO_PLAIN);
    send(&mut s, "STARTTLS");
    recv(&mut s, "220 go ahead\r\n");
    let injected = recv(&mut s, "250-injected\r\n250 AUTH PLAIN\r\n");
    assert_eq!(injected, Change::Unexpected(Unexpected::AfterTlsGo));
    assert_eq!(s.state(), State::TlsHandshake);
}

#[test]
fn implicit_tls_keeps_the_greeting_due() {
    let mut s = Session::submission();
    s.on_tls_established();
    assert_eq!(s.state(), State::ExpectGreeting);
    assert_eq!(recv(&mut s, GREETING), Change::Greeted);
    assert!(s.tls_active());
}

#[test]
fn message_ends_only_at_crlf_dot_crlf_even_split_across_writes() {
    let mut s = with_recipient(EHLO_TLS);
    send(&mut s, "DATA");
    recv(&mut s, "354 go\r\n");
    // A stuffed "..", a bare-LF dot line and a dot inside a line do not end the message.
    for piece in [
        &b"a\r\n..not end\r\nx\n.\nb.\r\n"[..],
        b"\r",
        b"\n.",
        b"\r",
        b"\n",
    ] {
        assert!(s.in_message_mode(), "ended too early before {piece:?}");
        s.on_sent(&Sent::Message(piece.to_vec()));
    }
    assert!(!s.in_message_mode());
    assert_eq!(s.state(), State::ExpectDataReply);
}

#[test]
fn commands_after_the_end_marker_in_the_same_write_are_tracked() {
    let mut s = with_recipient(EHLO_TLS);
    send(&mut s, "DATA");
    recv(&mut s, "354 go\r\n");
    s.on_sent(&Sent::Raw(b"body\r\n.\r\nQUIT\r\n".to_vec()));
    let states: Vec<State> = s.pending().map(|p| p.state.clone()).collect();
    assert_eq!(states, [State::ExpectDataReply, State::ExpectQuitReply]);
}

#[test]
fn command_typed_in_message_mode_becomes_content() {
    let mut s = with_recipient(EHLO_TLS);
    send(&mut s, "DATA");
    recv(&mut s, "354 go\r\n");
    assert_eq!(s.check(&Command::Quit), [Warning::InMessageMode]);
    send(&mut s, "QUIT");
    assert_eq!(s.pending().count(), 0);
    assert!(s.in_message_mode());
}

#[test]
fn rejected_data_leaves_the_transaction_open() {
    let mut s = with_recipient(EHLO_TLS);
    send(&mut s, "DATA");
    assert_eq!(
        recv(&mut s, "451 4.3.0 Try later\r\n"),
        Change::Rejected { permanent: false }
    );
    assert!(!s.in_message_mode() && s.transaction().is_some());
    send(&mut s, "RSET");
    assert_eq!(recv(&mut s, "250 2.0.0 Ok\r\n"), Change::TransactionReset);
    assert!(s.transaction().is_none());
}

#[test]
fn lmtp_awaits_one_data_reply_per_accepted_recipient() {
    let mut s = Session::new();
    recv(&mut s, "220 lmtp.example LMTP\r\n");
    send(&mut s, "LHLO client.example");
    assert!(matches!(
        recv(&mut s, "250-lmtp\r\n250 PIPELINING\r\n"),
        Change::EhloDone(_)
    ));
    send(&mut s, "MAIL FROM:<a@x>");
    recv(&mut s, "250 ok\r\n");
    for to in ["b@x", "c@x"] {
        send(&mut s, &format!("RCPT TO:<{to}>"));
        recv(&mut s, "250 ok\r\n");
    }
    send(&mut s, "DATA");
    recv(&mut s, "354 go\r\n");
    s.on_sent(&Sent::Message(b"hi\r\n.\r\n".to_vec()));
    let due: Vec<Option<String>> = s.pending().map(|p| p.argument.clone()).collect();
    assert_eq!(due, [Some("b@x".into()), Some("c@x".into())]);
    assert_eq!(
        recv(&mut s, "250 2.1.5 b delivered\r\n"),
        Change::MessageAccepted
    );
    assert!(
        s.transaction().is_some(),
        "open until the last recipient's reply"
    );
    recv(&mut s, "452 4.2.2 c over quota\r\n");
    assert!(s.transaction().is_none());
}

#[test]
fn lmtp_bdat_last_awaits_one_reply_per_recipient_and_a_failure_is_matched_to_its_recipient() {
    let mut s = Session::lmtp();
    recv(&mut s, "220 lmtp.example LMTP\r\n");
    assert_eq!(s.check(&command("EHLO client.example")).len(), 1);
    send(&mut s, "LHLO client.example");
    recv(&mut s, "250-lmtp\r\n250 CHUNKING\r\n");
    send(&mut s, "MAIL FROM:<a@x>");
    recv(&mut s, "250 ok\r\n");
    for to in ["b@x", "c@x", "d@x"] {
        send(&mut s, &format!("RCPT TO:<{to}>"));
    }
    recv(&mut s, "250 ok\r\n");
    recv(&mut s, "550 5.1.1 no such user\r\n");
    recv(&mut s, "250 ok\r\n");
    s.on_sent(&Sent::BdatChunk {
        last: false,
        data: b"Subject: x\r\n".to_vec(),
    });
    assert_eq!(
        s.pending().count(),
        1,
        "a chunk before the last gets one reply"
    );
    assert_eq!(recv(&mut s, "250 2.0.0 ok\r\n"), Change::ChunkAccepted);
    s.on_sent(&Sent::BdatChunk {
        last: true,
        data: b"\r\nhi\r\n".to_vec(),
    });
    let due: Vec<Option<String>> = s.pending().map(|p| p.argument.clone()).collect();
    assert_eq!(due, [Some("b@x".into()), Some("d@x".into())]);
    let first = s.on_reply(&reply("552 5.2.2 b over quota\r\n"));
    assert_eq!(
        first.answered.and_then(|p| p.argument).as_deref(),
        Some("b@x")
    );
    assert_eq!(first.change, Change::Rejected { permanent: true });
    assert!(s.transaction().is_some(), "d@x's reply is still due");
    assert_eq!(
        recv(&mut s, "250 2.0.0 d saved\r\n"),
        Change::MessageAccepted
    );
    assert!(s.transaction().is_none());
    assert_eq!(s.state(), State::Ready);
}

#[test]
fn pipelined_lmtp_bdat_last_awaits_replies_for_the_recipients_still_unanswered() {
    let mut s = Session::lmtp();
    recv(&mut s, "220 lmtp.example LMTP\r\n");
    send(&mut s, "LHLO client.example");
    recv(&mut s, "250-lmtp\r\n250-PIPELINING\r\n250 CHUNKING\r\n");
    // MAIL, three RCPTs and BDAT LAST in one write, before any reply.
    send(&mut s, "MAIL FROM:<a@x>");
    for to in ["b@x", "c@x", "d@x"] {
        send(&mut s, &format!("RCPT TO:<{to}>"));
    }
    s.on_sent(&Sent::BdatChunk {
        last: true,
        data: b"Subject: x\r\n\r\nhi\r\n".to_vec(),
    });
    recv(&mut s, "250 ok\r\n");
    recv(&mut s, "250 ok\r\n");
    recv(&mut s, "550 5.1.1 no such user\r\n");
    recv(&mut s, "250 ok\r\n");
    let due: Vec<Option<String>> = s.pending().map(|p| p.argument.clone()).collect();
    assert_eq!(due, [Some("b@x".into()), Some("d@x".into())]);
    recv(&mut s, "250 2.0.0 b saved\r\n");
    recv(&mut s, "250 2.0.0 d saved\r\n");
    assert_eq!(s.state(), State::Ready);
    assert!(s.transaction().is_none());

    // Every recipient refused: the server still answers the chunk once.
    send(&mut s, "MAIL FROM:<a@x>");
    send(&mut s, "RCPT TO:<e@x>");
    s.on_sent(&Sent::BdatChunk {
        last: true,
        data: b"hi\r\n".to_vec(),
    });
    recv(&mut s, "250 ok\r\n");
    recv(&mut s, "550 5.1.1 no such user\r\n");
    assert_eq!(s.pending().count(), 1);
    assert_eq!(s.pending().next().and_then(|p| p.argument.clone()), None);
    recv(&mut s, "554 5.5.1 no valid recipients\r\n");
    assert_eq!(s.state(), State::Ready);
}

#[test]
fn xclient_220_starts_the_session_over_and_ehlo_is_due_again() {
    let mut s = after_ehlo(Session::new(), "250-mx\r\n250 XCLIENT NAME ADDR\r\n");
    send(&mut s, "XCLIENT ADDR=192.0.2.7 NAME=client.example");
    assert!(s.pending().next().is_some_and(Pending::ends_group));
    assert_eq!(recv(&mut s, "220 mx.example ESMTP\r\n"), Change::Greeted);
    assert!(s.hello().is_none());
    assert_eq!(recommended(&s), ["EHLO"]);
    // A refused XCLIENT changes nothing.
    let mut s = after_ehlo(Session::new(), "250-mx\r\n250 XCLIENT NAME ADDR\r\n");
    send(&mut s, "XCLIENT ADDR=192.0.2.7");
    assert_eq!(
        recv(&mut s, "550 5.7.0 Error: insufficient authorization\r\n"),
        Change::Rejected { permanent: true }
    );
    assert!(s.hello().is_some());
}

#[test]
fn lmtp_session_suggests_lhlo_and_warns_before_ehlo_or_helo() {
    let mut s = Session::lmtp();
    recv(&mut s, "220 lmtp.example LMTP\r\n");
    assert!(s.is_lmtp());
    assert_eq!(verbs(&s).first(), Some(&"LHLO"));
    for line in ["EHLO client.example", "HELO client.example"] {
        assert!(matches!(
            s.check(&command(line)).as_slice(),
            [Warning::LmtpWantsLhlo { .. }]
        ));
    }
    assert!(s.check(&command("LHLO client.example")).is_empty());
    // A plain SMTP session learns LMTP from an accepted LHLO.
    let mut smtp = Session::new();
    recv(&mut smtp, GREETING);
    assert!(!smtp.is_lmtp());
    send(&mut smtp, "LHLO client.example");
    recv(&mut smtp, "250 lmtp\r\n");
    assert!(smtp.is_lmtp());
}

#[test]
fn bdat_chunks_end_the_transaction_on_last() {
    let mut s = with_recipient(EHLO_TLS);
    s.on_sent(&Sent::BdatChunk {
        last: false,
        data: b"Subject: x\r\n".to_vec(),
    });
    assert_eq!(s.state(), State::ExpectBdatReply { last: false });
    assert_eq!(
        recv(&mut s, "250 2.0.0 12 octets\r\n"),
        Change::ChunkAccepted
    );
    assert_eq!(s.check(&Command::Data), [Warning::DataAfterBdat]);
    // Chunk data sent raw after a BDAT line is skipped, even if it looks like a command.
    s.on_sent(&Sent::Raw(b"BDAT 6 LAST\r\nQUIT\r\n".to_vec()));
    assert_eq!(s.pending().count(), 1);
    assert_eq!(
        recv(&mut s, "250 2.0.0 Message queued\r\n"),
        Change::MessageAccepted
    );
    assert!(s.transaction().is_none());
}

#[test]
fn refused_greeting_leaves_only_quit() {
    let mut s = Session::new();
    assert_eq!(
        recv(&mut s, "554 5.3.2 No service\r\n"),
        Change::Rejected { permanent: true }
    );
    assert_eq!(verbs(&s), ["QUIT"]);
}

#[test]
fn ehlo_rejected_then_helo_allows_no_extensions() {
    let mut s = Session::new();
    recv(&mut s, GREETING);
    send(&mut s, "EHLO client.example");
    assert_eq!(
        recv(&mut s, "502 5.5.2 Command not recognized\r\n"),
        Change::Rejected { permanent: true }
    );
    send(&mut s, "HELO client.example");
    assert_eq!(recv(&mut s, "250 old.example\r\n"), Change::HeloDone);
    assert_eq!(s.hello(), Some(&Hello::Helo));
    let warnings = s.check(&command("MAIL FROM:<a@x> BODY=8BITMIME"));
    assert!(warnings.iter().any(|w| matches!(
        w,
        Warning::ParameterWithoutExtension {
            extension: "8BITMIME",
            ..
        }
    )));
    assert!(verbs(&s).contains(&"EHLO"));
}

#[test]
fn on_closed_returns_the_unanswered_commands() {
    let mut s = after_ehlo(Session::new(), EHLO_TLS);
    send(&mut s, "NOOP");
    let unanswered = s.on_closed();
    assert_eq!(unanswered.len(), 1);
    assert_eq!(unanswered[0].state, State::ExpectReply("NOOP".into()));
    assert_eq!(s.state(), State::Closed);
}
