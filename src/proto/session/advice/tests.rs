//! Tests of [`Session::valid_next`] and [`Session::check`]; the scripted helpers live in
//! the session's own tests.

use super::super::tests::{
    EHLO_BARE, EHLO_PLAIN, EHLO_TLS, GREETING, after_ehlo, command, recommended, recv, send, verbs,
    with_recipient,
};
use crate::proto::command::{Command, SaslResponse};
use crate::proto::session::{Sent, Session, Warning};

#[test]
fn valid_next_follows_the_phase() {
    let mut s = Session::submission();
    assert!(s.valid_next().is_empty(), "wait for the greeting");
    recv(&mut s, GREETING);
    assert_eq!(recommended(&s), ["EHLO"]);
    assert!(verbs(&s).contains(&"HELO"));

    send(&mut s, "EHLO client.example");
    recv(&mut s, EHLO_PLAIN);
    assert_eq!(recommended(&s), ["STARTTLS"]);
    assert!(
        !verbs(&s).contains(&"AUTH"),
        "AUTH not advertised before TLS"
    );

    send(&mut s, "STARTTLS");
    assert!(s.valid_next().is_empty(), "STARTTLS ends a pipelined group");
    recv(&mut s, "220 go\r\n");
    assert!(s.valid_next().is_empty(), "handshake first");
    s.on_tls_established();
    assert_eq!(recommended(&s), ["EHLO"]);
    assert!(s.valid_next()[0].reason.contains("RFC 3207"));

    send(&mut s, "EHLO client.example");
    recv(&mut s, EHLO_TLS);
    assert_eq!(recommended(&s), ["AUTH"]);
    let auth = s
        .valid_next()
        .into_iter()
        .find(|x| x.verb == "AUTH")
        .expect("AUTH");
    assert_eq!(auth.syntax, "AUTH <PLAIN|LOGIN>");
    assert!(verbs(&s).contains(&"MAIL") && !verbs(&s).contains(&"RCPT"));

    send(&mut s, "AUTH PLAIN AGEAYg==");
    recv(&mut s, "235 ok\r\n");
    assert_eq!(recommended(&s), ["MAIL"]);
    assert!(!verbs(&s).contains(&"AUTH"));

    send(&mut s, "MAIL FROM:<a@x>");
    assert!(
        verbs(&s).contains(&"RCPT"),
        "MAIL may be pipelined with RCPT"
    );
    recv(&mut s, "250 ok\r\n");
    assert_eq!(recommended(&s), ["RCPT"]);
    assert!(!verbs(&s).contains(&"DATA"));

    send(&mut s, "RCPT TO:<b@y>");
    recv(&mut s, "250 ok\r\n");
    assert_eq!(recommended(&s), ["DATA"]);
    assert!(verbs(&s).contains(&"BDAT"), "CHUNKING advertised");
    for always in ["RSET", "NOOP", "QUIT"] {
        assert!(verbs(&s).contains(&always));
    }

    send(&mut s, "DATA");
    recv(&mut s, "354 go\r\n");
    assert_eq!(verbs(&s), [""], "only the message");
}

#[test]
fn valid_next_is_empty_while_a_reply_is_due_without_pipelining() {
    let mut s = after_ehlo(Session::new(), EHLO_BARE);
    send(&mut s, "MAIL FROM:<a@x>");
    assert!(s.valid_next().is_empty());
}

#[test]
fn mail_and_auth_before_hello_warn() {
    let mut s = Session::new();
    recv(&mut s, GREETING);
    assert!(
        s.check(&command("MAIL FROM:<a@x>"))
            .contains(&Warning::NoHello {
                verb: "MAIL".into()
            })
    );
    assert!(s.check(&command("AUTH PLAIN")).contains(&Warning::NoHello {
        verb: "AUTH".into()
    }));
    assert!(s.check(&Command::StartTls).contains(&Warning::NoHello {
        verb: "STARTTLS".into()
    }));
    assert_eq!(s.check(&Command::Ehlo("c".into())), []);
}

#[test]
fn transaction_order_is_checked() {
    let mut s = after_ehlo(Session::new(), EHLO_TLS);
    assert_eq!(
        s.check(&command("RCPT TO:<b@y>")),
        [Warning::RcptBeforeMail]
    );
    assert_eq!(
        s.check(&Command::Data),
        [Warning::NoRecipients {
            verb: "DATA".into()
        }]
    );
    send(&mut s, "MAIL FROM:<a@x>");
    recv(&mut s, "250 ok\r\n");
    assert_eq!(
        s.check(&command("MAIL FROM:<a@x>")),
        [Warning::MailInTransaction]
    );
    assert!(
        s.check(&command("AUTH PLAIN"))
            .contains(&Warning::AuthInTransaction)
    );
    send(&mut s, "RCPT TO:<b@y>");
    recv(&mut s, "550 no\r\n");
    assert_eq!(
        s.check(&Command::Data),
        [Warning::NoRecipients {
            verb: "DATA".into()
        }]
    );
}

#[test]
fn submission_warns_mail_before_auth() {
    let s = after_ehlo(Session::submission(), EHLO_TLS);
    assert_eq!(
        s.check(&command("MAIL FROM:<a@x>")),
        [Warning::MailBeforeAuth]
    );
    let relay = after_ehlo(Session::new(), EHLO_TLS);
    assert_eq!(relay.check(&command("MAIL FROM:<a@x>")), []);
}

#[test]
fn auth_problems_are_warned() {
    let plain = after_ehlo(Session::new(), EHLO_PLAIN);
    assert_eq!(
        plain.check(&command("AUTH PLAIN")),
        [Warning::AuthNotAdvertised, Warning::AuthOverPlaintext]
    );
    let mut s = after_ehlo(Session::new(), EHLO_TLS);
    assert_eq!(
        s.check(&command("AUTH cram-md5")),
        [
            Warning::MechanismNotOffered {
                mechanism: "CRAM-MD5".into(),
                offered: vec!["PLAIN".into(), "LOGIN".into()]
            },
            Warning::AuthOverPlaintext
        ]
    );
    send(&mut s, "AUTH PLAIN AGEAYg==");
    recv(&mut s, "235 ok\r\n");
    assert!(
        s.check(&command("AUTH PLAIN"))
            .contains(&Warning::AlreadyAuthenticated)
    );
    assert_eq!(
        s.check(&sasl_command()),
        [Warning::AuthResponseWithoutChallenge]
    );
}

fn sasl_command() -> Command {
    Command::AuthResponse(SaslResponse::Cancel)
}

#[test]
fn line_other_than_a_response_after_334_is_warned() {
    let mut s = after_ehlo(Session::new(), EHLO_TLS);
    send(&mut s, "AUTH LOGIN");
    recv(&mut s, "334 VXNlcm5hbWU6\r\n");
    assert_eq!(s.check(&Command::Quit), [Warning::AuthResponseDue]);
    assert_eq!(s.check(&sasl_command()), []);
}

#[test]
fn starttls_problems_are_warned() {
    let bare = after_ehlo(Session::new(), EHLO_BARE);
    assert_eq!(
        bare.check(&Command::StartTls),
        [Warning::StartTlsNotAdvertised]
    );
    let mut s = after_ehlo(Session::new(), EHLO_PLAIN);
    send(&mut s, "STARTTLS");
    recv(&mut s, "220 go\r\n");
    assert!(
        s.check(&Command::Noop(None))
            .contains(&Warning::TlsHandshakePending)
    );
    s.on_tls_established();
    assert_eq!(s.check(&Command::StartTls), [Warning::TlsAlreadyActive]);
}

#[test]
fn bdat_without_chunking_is_warned() {
    let s = with_recipient(EHLO_PLAIN);
    assert_eq!(
        s.check(&Command::Bdat {
            size: 3,
            last: true
        }),
        [Warning::BdatWithoutChunking]
    );
}

#[test]
fn parameters_need_their_extensions_and_size_its_limit() {
    let s = after_ehlo(Session::new(), EHLO_PLAIN);
    let warnings = s.check(&command(
        "MAIL FROM:<a@x> SMTPUTF8 BODY=8BITMIME SIZE=5000 RET=HDRS",
    ));
    assert_eq!(
        warnings,
        [
            Warning::ParameterWithoutExtension {
                parameter: "SMTPUTF8".into(),
                extension: "SMTPUTF8"
            },
            Warning::SizeOverLimit {
                declared: 5000,
                limit: 1000
            },
            Warning::ParameterWithoutExtension {
                parameter: "RET=HDRS".into(),
                extension: "DSN"
            },
        ]
    );
    let bare = after_ehlo(Session::new(), "250 old.example\r\n");
    assert_eq!(
        bare.check(&command("MAIL FROM:<a@x> SIZE=10")),
        [Warning::ParameterWithoutExtension {
            parameter: "SIZE=10".into(),
            extension: "SIZE"
        }]
    );
}

#[test]
fn pipelining_without_the_extension_is_warned() {
    let mut s = after_ehlo(Session::new(), EHLO_BARE);
    send(&mut s, "MAIL FROM:<a@x>");
    assert_eq!(
        s.check(&command("RCPT TO:<b@y>")),
        [Warning::PipelinedWithoutPipelining { awaiting: 1 }]
    );
    let mut p = after_ehlo(Session::new(), EHLO_TLS);
    send(&mut p, "MAIL FROM:<a@x>");
    assert_eq!(p.check(&command("RCPT TO:<b@y>")), []);
    send(&mut p, "NOOP");
    assert_eq!(
        p.check(&command("RCPT TO:<b@y>")),
        [Warning::PipelinedAfterGroupEnd {
            after: "NOOP".into()
        }]
    );
}

#[test]
fn sending_before_the_greeting_or_after_close_is_warned() {
    let mut s = Session::new();
    assert!(
        s.check(&Command::Ehlo("c".into()))
            .contains(&Warning::BeforeGreeting)
    );
    s.on_closed();
    assert_eq!(s.check(&Command::Quit), [Warning::SessionClosed]);
}

#[test]
fn message_without_data_go_is_warned() {
    let s = with_recipient(EHLO_TLS);
    assert_eq!(
        s.check_sent(&Sent::Message(b".\r\n".to_vec())),
        [Warning::MessageWithoutDataGo]
    );
}

#[test]
fn every_warning_explains_itself_and_cites_an_rfc() {
    let warnings = [
        Warning::SessionClosed,
        Warning::PipelinedWithoutPipelining { awaiting: 2 },
        Warning::MechanismNotOffered {
            mechanism: "X".into(),
            offered: vec!["PLAIN".into()],
        },
        Warning::SizeOverLimit {
            declared: 2,
            limit: 1,
        },
        Warning::MailBeforeAuth,
    ];
    for warning in warnings {
        assert!(!warning.to_string().is_empty());
        assert!(
            warning
                .reference()
                .starts_with("https://www.rfc-editor.org/rfc/rfc")
        );
    }
    assert!(
        Warning::MailBeforeAuth
            .reference()
            .ends_with("rfc6409#section-4.3")
    );
}
