use mail_parser::{MessageParser, MimeHeaders};

use super::*;

fn parts<'a>(
    headers: &'a [HeaderField],
    html: Option<&'a str>,
    attachments: &'a [Attachment],
) -> MessageParts<'a> {
    MessageParts {
        date: "Thu, 01 Jan 1970 00:00:00 +0000",
        message_id: "<1.2@host.example>",
        from: "<a@example.com>",
        to: "<b@example.org>",
        subject: "hi",
        text: "line one\n.dot line\nGrüße",
        html,
        headers,
        attachments,
        boundary_seed: "1.2",
    }
}

fn text(bytes: &[u8]) -> &str {
    std::str::from_utf8(bytes).expect("built as UTF-8")
}

#[test]
fn a_text_only_message_is_one_unencoded_part_with_crlf_lines() {
    let built = build(&parts(&[], None, &[]));
    let msg = text(&built);
    assert!(msg.starts_with("Date: Thu, 01 Jan 1970 00:00:00 +0000\r\nMessage-ID: <1.2@host.example>\r\nFrom: <a@example.com>\r\nTo: <b@example.org>\r\nSubject: hi\r\nMIME-Version: 1.0\r\n"));
    assert!(msg.contains("Content-Type: text/plain; charset=\"utf-8\"\r\n"));
    assert!(msg.contains("Content-Transfer-Encoding: 8bit\r\n\r\n"));
    assert!(msg.ends_with("\r\n\r\nline one\r\n.dot line\r\nGrüße\r\n"));
    assert!(!msg.replace("\r\n", "").contains('\n'));
    assert!(!msg.contains("multipart"));
}

#[test]
fn user_headers_replace_generated_ones_and_follow_them_otherwise() {
    let headers: Vec<HeaderField> = ["subject: replaced", "X-Test: one", "X-Test: two"]
        .iter()
        .map(|h| h.parse().expect("valid"))
        .collect();
    let built = build(&parts(&headers, None, &[]));
    let msg = text(&built);
    assert!(
        msg.contains("Subject: replaced\r\nX-Test: one\r\nX-Test: two\r\nMIME-Version: 1.0\r\n")
    );
    assert_eq!(msg.matches("Subject:").count(), 1);
}

#[test]
fn a_generated_subject_cannot_carry_a_header_of_its_own() {
    let mut p = parts(&[], None, &[]);
    p.subject = "hi\r\nBcc: evil@example.net";
    let built = build(&p);
    assert!(text(&built).contains("Subject: hi  Bcc: evil@example.net\r\n"));
}

#[test]
fn header_fields_are_checked_for_injection_and_names() {
    assert_eq!(
        "X-A: ok".parse::<HeaderField>(),
        Ok(HeaderField {
            name: "X-A".into(),
            value: "ok".into()
        })
    );
    assert_eq!("no colon".parse::<HeaderField>(), Err(HeaderError::NoColon));
    assert_eq!(": v".parse::<HeaderField>(), Err(HeaderError::EmptyName));
    assert!(matches!(
        "X A: v".parse::<HeaderField>(),
        Err(HeaderError::BadName { .. })
    ));
    assert!(matches!(
        "Subject: a\r\nBcc: evil@example.net".parse::<HeaderField>(),
        Err(HeaderError::LineBreak { .. })
    ));
    assert!(matches!(
        "X-A: a\nb".parse::<HeaderField>(),
        Err(HeaderError::LineBreak { .. })
    ));
    assert!(matches!(
        "X-A: a\0".parse::<HeaderField>(),
        Err(HeaderError::Nul { .. })
    ));
    assert!(matches!(
        "Content-Type: text/html".parse::<HeaderField>(),
        Err(HeaderError::Structural { .. })
    ));
    assert!(matches!(
        "mime-version: 2.0".parse::<HeaderField>(),
        Err(HeaderError::Structural { .. })
    ));
}

#[test]
fn html_makes_an_alternative_and_attachments_a_mixed_message_that_parses_back() {
    let binary: Vec<u8> = (0..=255u8).cycle().take(5000).collect();
    let attachments = [
        Attachment {
            file_name: "data.bin".into(),
            content_type: guess_content_type("data.bin").into(),
            bytes: binary.clone(),
        },
        Attachment {
            file_name: "notes.txt".into(),
            content_type: guess_content_type("notes.txt").into(),
            // Bare LF, a lone dot line, trailing spaces: all must survive.
            bytes: b"unix line\n.\ntrailing   \nno end".to_vec(),
        },
    ];
    let html = "<p>Grüße</p>\n<p>two</p>";
    let built = build(&parts(&[], Some(html), &attachments));
    let msg = text(&built);
    assert!(msg.contains("boundary=\"=_smtpx_mixed_1.2\""));
    assert!(msg.contains("boundary=\"=_smtpx_alt_1.2\""));
    assert!(!msg.replace("\r\n", "").contains('\n'));
    assert!(msg.lines().all(|line| line.len() <= 998));

    let parsed = MessageParser::default().parse(&built).expect("parses");
    assert_eq!(parsed.subject(), Some("hi"));
    assert!(
        parsed
            .content_type()
            .is_some_and(|t| t.ctype() == "multipart" && t.subtype() == Some("mixed"))
    );
    assert_eq!(
        parsed.body_text(0).as_deref(),
        Some("line one\r\n.dot line\r\nGrüße\r\n")
    );
    assert!(
        parsed
            .body_html(0)
            .is_some_and(|h| h.contains("<p>Grüße</p>"))
    );
    assert_eq!(parsed.attachment_count(), 2);
    let bin = parsed.attachment(0).expect("first attachment");
    assert_eq!(bin.attachment_name(), Some("data.bin"));
    assert!(bin.is_content_type("application", "octet-stream"));
    assert_eq!(bin.contents(), binary.as_slice());
    let txt = parsed.attachment(1).expect("second attachment");
    assert_eq!(txt.attachment_name(), Some("notes.txt"));
    assert_eq!(txt.contents(), b"unix line\n.\ntrailing   \nno end");
}

#[test]
fn the_same_input_builds_the_same_bytes() {
    let attachments = [Attachment {
        file_name: "a.png".into(),
        content_type: "image/png".into(),
        bytes: vec![0x89, b'P', b'N', b'G'],
    }];
    let one = build(&parts(&[], Some("<b>x</b>"), &attachments));
    let two = build(&parts(&[], Some("<b>x</b>"), &attachments));
    assert_eq!(one, two);
}
