//! The composer's pure part (`wire.rs`): a draft to the plan, the exact wire bytes and the
//! preview, with no app around it.

use super::wire::*;
use crate::driver::task::SendMethod;
use crate::proto::command::Command;
use crate::proto::command::Ret;
use crate::proto::data::dot_stuff;
use crate::proto::text::escape_bytes;

fn draft() -> Draft {
    Draft {
        mail_from: "<me@example.com>".into(),
        rcpt_to: "you@example.org, <them@example.net>".into(),
        from: "me@example.com".into(),
        to: "you@example.org".into(),
        subject: "hello".into(),
        date: "Sat, 28 Nov 2026 04:40:00 +0000".into(),
        message_id: "<1.2@example.com>".into(),
        body: vec!["Hi.".into(), ".a line with a dot".into(), "bye".into()],
        method: Method::Data,
        chunk_size: "16".into(),
        ending: Ending::Standard,
        ret: None,
        envid: String::new(),
        notify: NotifyChoice::Unset,
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

fn all_offered() -> Offers {
    Offers {
        size: Some(Some(1000)),
        eight_bit_mime: true,
        smtputf8: true,
        dsn: true,
        chunking: true,
        pipelining: true,
        requiretls: false,
        tls: false,
        verified: false,
    }
}

fn wire_text(command: &Command) -> String {
    String::from_utf8(command.encode().expect("encodes")).expect("ascii")
}

#[test]
fn message_has_the_headers_a_blank_line_and_crlf_body_lines() {
    let text = String::from_utf8(draft().message()).expect("utf-8");
    assert!(text.starts_with(
        "Date: Sat, 28 Nov 2026 04:40:00 +0000\r\nMessage-ID: <1.2@example.com>\r\n\
         From: me@example.com\r\nTo: you@example.org\r\nSubject: hello\r\n"
    ));
    assert!(
        text.contains("charset=\"us-ascii\"\r\nContent-Transfer-Encoding: 7bit\r\n\r\nHi.\r\n")
    );
    assert!(text.ends_with("\r\n.a line with a dot\r\nbye\r\n"));
    assert!(!text.replace("\r\n", "").contains(['\r', '\n']));
}

#[test]
fn size_is_filled_in_from_the_message_when_offered() {
    let d = draft();
    let message = d.message();
    let mail = d.mail(&all_offered(), &message);
    assert_eq!(
        wire_text(&mail),
        format!("MAIL FROM:<me@example.com> SIZE={}\r\n", message.len())
    );
    let none = d.mail(&Offers::default(), &message);
    assert_eq!(wire_text(&none), "MAIL FROM:<me@example.com>\r\n");
}

#[test]
fn eight_bit_body_gets_body_8bitmime_only_when_offered() {
    let mut d = draft();
    d.body = vec!["Grüße".into()];
    let message = d.message();
    assert!(wire_text(&d.mail(&all_offered(), &message)).contains(" BODY=8BITMIME"));
    let offers = Offers {
        eight_bit_mime: false,
        ..all_offered()
    };
    assert!(!wire_text(&d.mail(&offers, &message)).contains("BODY="));
    assert!(d.warnings(&offers, &message)[0].contains("8BITMIME"));
}

#[test]
fn non_ascii_address_gets_smtputf8_when_offered() {
    let mut d = draft();
    d.rcpt_to = "jörg@example.org".into();
    let message = d.message();
    assert!(wire_text(&d.mail(&all_offered(), &message)).contains(" SMTPUTF8"));
    let offers = Offers {
        smtputf8: false,
        ..all_offered()
    };
    assert!(!wire_text(&d.mail(&offers, &message)).contains("SMTPUTF8"));
}

#[test]
fn dsn_parameters_go_only_when_dsn_is_offered() {
    let mut d = draft();
    d.ret = Some(Ret::Hdrs);
    d.envid = "id 1".into();
    d.notify = NotifyChoice::SuccessFailure;
    let message = d.message();
    let mail = wire_text(&d.mail(&all_offered(), &message));
    assert!(mail.contains(" RET=HDRS ENVID=id+201"), "{mail}");
    let rcpts = d.rcpts(&all_offered());
    assert_eq!(rcpts.len(), 2);
    assert_eq!(
        wire_text(&rcpts[1]),
        "RCPT TO:<them@example.net> NOTIFY=SUCCESS,FAILURE\r\n"
    );
    let plain = Offers {
        dsn: false,
        ..all_offered()
    };
    assert!(!wire_text(&d.mail(&plain, &message)).contains("RET="));
    assert_eq!(
        wire_text(&d.rcpts(&plain)[0]),
        "RCPT TO:<you@example.org>\r\n"
    );
}

#[test]
fn preview_shows_the_dot_stuffed_line_and_the_end_marker() {
    let d = draft();
    let message = d.message();
    let rows = preview(&SendMethod::Data, &message);
    assert!(rows.contains(&("..a line with a dot\\r\\n".to_string(), Mark::Stuffed)));
    assert_eq!(rows.last(), Some(&(".\\r\\n".to_string(), Mark::End)));
    // The rows are the dot-stuffed bytes, nothing more or less.
    let joined: String = rows.iter().map(|(t, _)| t.as_str()).collect();
    assert_eq!(joined, escape_bytes(&dot_stuff(&message).bytes));
}

#[test]
fn byte_exact_endings_replace_the_end_marker_and_are_marked() {
    let d = draft();
    let message = d.message();
    for (ending, last) in [
        (Ending::LfDotLf, ".\\n"),
        (Ending::CrLfDotLf, ".\\n"),
        (Ending::LfDotCrLf, ".\\r\\n"),
        (Ending::CrDotCr, ".\\r"),
    ] {
        let wire = exact_wire(&message, ending);
        assert!(wire.ends_with(&[b"bye", ending.bytes()].concat()));
        let mut with = d.clone();
        with.ending = ending;
        let method = with.send_method(&message);
        assert_eq!(method, SendMethod::DataExact { wire: wire.clone() });
        let rows = preview(&method, &message);
        assert_eq!(
            rows.last(),
            Some(&(last.to_string(), Mark::End)),
            "{ending:?}"
        );
        let joined: String = rows.iter().map(|(t, _)| t.as_str()).collect();
        assert_eq!(joined, escape_bytes(&wire));
    }
}

#[test]
fn bdat_preview_shows_each_chunk_command_and_the_bytes_unstuffed() {
    let mut d = draft();
    d.method = Method::Bdat;
    let message = d.message();
    let method = d.send_method(&message);
    assert_eq!(method, SendMethod::Bdat { chunk_size: 16 });
    let rows = preview(&method, &message);
    assert_eq!(rows[0], ("BDAT 16\\r\\n".to_string(), Mark::Command));
    assert!(
        rows.iter()
            .any(|(t, m)| *m == Mark::Command && t.contains(" LAST"))
    );
    assert!(!rows.iter().any(|(t, _)| t.contains("..a line")));
}

#[test]
fn a_plan_needs_a_recipient_and_encodable_commands() {
    let mut d = draft();
    d.rcpt_to = " , ".into();
    assert!(d.plan(&all_offered()).is_err());
    let plan = draft().plan(&all_offered()).expect("a plan");
    assert_eq!(plan.rcpts.len(), 2);
    assert_eq!(plan.method, SendMethod::Data);
    assert_eq!(plan.content, draft().message());
}

#[test]
fn recipients_split_on_commas_spaces_and_semicolons() {
    assert_eq!(
        recipients("<a@x>, b@y; c@z  d@w"),
        ["a@x", "b@y", "c@z", "d@w"]
    );
}

#[test]
fn a_plan_pipelines_only_where_pipelining_is_offered_and_never_the_byte_exact_ending() {
    let plan = draft().plan(&all_offered()).expect("a plan");
    assert!(plan.pipelines());
    // DATA goes at the end of the envelope's write; BDAT n LAST only when one chunk holds it.
    assert!(!plan.bdat_in_group());
    let mut d = draft();
    d.method = Method::Bdat;
    assert!(!d.plan(&all_offered()).expect("a plan").bdat_in_group());
    d.chunk_size = "65536".into();
    assert!(d.plan(&all_offered()).expect("a plan").bdat_in_group());
    let step_by_step = Offers {
        pipelining: false,
        ..all_offered()
    };
    assert!(!draft().plan(&step_by_step).expect("a plan").pipelines());
    let mut exact = draft();
    exact.ending = Ending::LfDotLf;
    assert!(!exact.plan(&all_offered()).expect("a plan").pipelines());
}

#[test]
fn extra_headers_go_into_the_message_and_a_line_break_stops_the_plan() {
    let mut d = draft();
    d.headers = "X-One: 1 | Subject: replaced | X-Two: two words".into();
    let text = String::from_utf8(d.message()).expect("utf-8");
    assert!(
        text.contains("Subject: replaced\r\nX-One: 1\r\nX-Two: two words\r\nMIME-Version: 1.0\r\n")
    );
    assert_eq!(text.matches("Subject:").count(), 1);
    assert!(d.plan(&all_offered()).is_ok());
    d.headers = "X-Bad: a\nBcc: evil@example.net".into();
    assert!(matches!(
        d.plan(&all_offered()),
        Err(NotReady::Header(
            crate::proto::message::HeaderError::LineBreak { .. }
        ))
    ));
    d.headers = "no colon here".into();
    assert!(matches!(d.plan(&all_offered()), Err(NotReady::Header(_))));
}

#[test]
fn pipelining_can_be_turned_off_and_requiretls_goes_only_where_offered() {
    let mut d = draft();
    assert!(d.plan(&all_offered()).expect("plan").pipelined);
    d.pipeline = false;
    assert!(!d.plan(&all_offered()).expect("plan").pipelined);

    d.requiretls = true;
    let message = d.message();
    assert!(!wire_text(&d.mail(&all_offered(), &message)).contains("REQUIRETLS"));
    let offers = Offers {
        requiretls: true,
        tls: true,
        verified: true,
        ..all_offered()
    };
    assert!(wire_text(&d.mail(&offers, &message)).ends_with(" REQUIRETLS\r\n"));
    assert!(d.warnings(&offers, &message).is_empty());
    let unverified = Offers {
        verified: false,
        ..offers
    };
    assert!(
        d.warnings(&unverified, &message)
            .iter()
            .any(|w| w.contains("did not verify"))
    );
    let plaintext = Offers {
        tls: false,
        ..offers
    };
    assert!(
        d.warnings(&plaintext, &message)
            .iter()
            .any(|w| w.contains("REQUIRETLS in plaintext"))
    );
}
