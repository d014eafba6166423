use super::inputs::*;
use super::play::*;
use crate::transcript::script::{Step, StepKind};

use super::*;

#[test]
fn replace_path_keeps_the_keyword_parameters_and_line_end() {
    let cases: [(&[u8], &str, &[u8]); 4] = [
        (
            b"MAIL FROM:<a@b> SIZE=291 BODY=8BITMIME\r\n",
            "x@y",
            b"MAIL FROM:<x@y> SIZE=291 BODY=8BITMIME\r\n",
        ),
        (b"RCPT TO:<a@b>\r\n", "c@d", b"RCPT TO:<c@d>\r\n"),
        (b"mail from: a@b\r\n", "x@y", b"mail from:<x@y>\r\n"),
        (b"MAIL FROM:<>\r\n", "x@y", b"MAIL FROM:<x@y>\r\n"),
    ];
    for (line, address, expected) in cases {
        assert_eq!(
            replace_path(line, address),
            expected,
            "{}",
            String::from_utf8_lossy(line)
        );
    }
}

#[test]
fn a_hand_typed_auth_whose_answers_were_redacted_is_one_exchange() {
    let step = |kind, sent: &[u8], secret| Step {
        kind,
        sent: sent.to_vec(),
        shown: Shown::plain(String::from_utf8_lossy(sent).trim_end().to_string()),
        secret,
        redacted: None,
        replies: Vec::new(),
        starts_tls: false,
    };
    let typed = [
        step(StepKind::Command, b"AUTH LOGIN\r\n", false),
        step(StepKind::SaslAnswer, b"", true),
        step(StepKind::SaslAnswer, b"", true),
        step(StepKind::Command, b"MAIL FROM:<a@b>\r\n", false),
    ];
    assert_eq!(redacted_exchange(&typed, 0), Some(3));
    assert_eq!(redacted_exchange(&typed, 3), None);
    let kept = [
        step(StepKind::Command, b"AUTH LOGIN\r\n", false),
        step(StepKind::SaslAnswer, b"ZGVtbw==\r\n", true),
    ];
    assert_eq!(
        redacted_exchange(&kept, 0),
        None,
        "kept secrets are re-sent"
    );
    let whole = [step(StepKind::Command, b"", true)];
    // A whole redacted line shows as `AUTH PLAIN <redacted …>`.
    let mut whole = whole;
    whole[0].shown = Shown::plain("AUTH PLAIN <redacted 28 bytes>");
    assert_eq!(redacted_exchange(&whole, 0), Some(1));
}
