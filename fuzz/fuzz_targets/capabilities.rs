//! Fuzz target: the EHLO capability decoder (`src/proto/capability/`), protocol core.
//!
//! Input: a control byte, then either the whole EHLO reply as a server sent it (even control
//! byte), or the text of its lines separated by LF (odd control byte), which this target
//! wraps in `250-`/`250 ` so the fuzzer spends its time on keywords, not reply codes.
//! Invariants, beyond "no panic": one extension per line after the first; a known keyword
//! round-trips through its registry spelling and is found again by `has` and `find`; the
//! typed accessors agree with the list; AUTH mechanisms are upper-cased and unique; a
//! capability set does not differ from itself.

#![no_main]

use libfuzzer_sys::fuzz_target;
use smtpx::proto::capability::{Capabilities, KnownKeyword};
use smtpx::proto::reply::Reply;

fuzz_target!(|data: &[u8]| {
    let Some((&control, rest)) = data.split_first() else {
        return;
    };
    let (wire, expected_lines) = if control & 1 == 0 {
        (rest.to_vec(), None)
    } else {
        let texts: Vec<&[u8]> = rest.split(|&b| b == b'\n').collect();
        let mut wire = Vec::new();
        for (i, text) in texts.iter().enumerate() {
            wire.extend_from_slice(if i + 1 == texts.len() {
                b"250 "
            } else {
                b"250-"
            });
            wire.extend_from_slice(text);
            wire.extend_from_slice(b"\r\n");
        }
        (wire, Some(texts.len()))
    };
    let Ok(replies) = Reply::parse_all(&wire) else {
        return;
    };
    for reply in &replies {
        let caps = Capabilities::from_ehlo_reply(reply);
        check(&caps, reply);
    }
    if let Some(lines) = expected_lines {
        // A text with a CR right before our CRLF still makes one line each; the reply
        // codes are ours, so the lines form exactly one reply.
        assert_eq!(replies.len(), 1, "wrapped lines did not form one reply");
        let caps = Capabilities::from_ehlo_reply(&replies[0]);
        assert_eq!(caps.extensions.len(), lines - 1);
    }
});

fn check(caps: &Capabilities, reply: &Reply) {
    assert_eq!(caps.extensions.len(), reply.lines.len().saturating_sub(1));
    for (extension, line) in caps.extensions.iter().zip(reply.lines.iter().skip(1)) {
        assert_eq!(extension.raw_line, String::from_utf8_lossy(line.text()));
        assert_eq!(
            extension.invalid_utf8,
            std::str::from_utf8(line.text()).is_err()
        );
        if let Some(known) = extension.known {
            assert!(known.as_str().eq_ignore_ascii_case(&extension.keyword));
            assert_eq!(KnownKeyword::from_keyword(known.as_str()), Some(known));
            assert_eq!(
                KnownKeyword::from_keyword(&extension.keyword.to_ascii_lowercase()),
                Some(known)
            );
            assert!(!known.defined_in().is_empty());
            assert!(caps.find(known).is_some());
        }
        if !extension.keyword.is_empty() {
            assert!(caps.has(&extension.keyword));
        }
        assert!(
            !extension
                .params
                .iter()
                .any(|p| p.is_empty() || p.contains([' ', '\t']))
        );
    }
    assert_eq!(caps.auth(), caps.find(KnownKeyword::Auth).is_some());
    assert_eq!(caps.starttls(), caps.find(KnownKeyword::StartTls).is_some());
    assert_eq!(
        caps.size().is_some(),
        caps.find(KnownKeyword::Size).is_some()
    );
    if let Some(Some(limit)) = caps.size() {
        assert!(limit > 0);
    }
    let mechanisms = caps.auth_mechanisms();
    for (i, mechanism) in mechanisms.iter().enumerate() {
        assert_eq!(*mechanism, mechanism.to_ascii_uppercase());
        assert!(
            !mechanisms[..i].contains(mechanism),
            "a mechanism listed twice"
        );
        assert!(caps.offers_mechanism(&mechanism.to_ascii_lowercase()));
    }
    let _ = (
        caps.pipelining(),
        caps.eight_bit_mime(),
        caps.smtputf8(),
        caps.chunking(),
        caps.binarymime(),
        caps.enhanced_status_codes(),
        caps.dsn(),
        caps.requiretls(),
        caps.deliverby(),
        caps.malformed().count(),
        caps.unknown().count(),
    );
    assert!(Capabilities::diff(caps, caps).is_empty());
    let firsts = caps.extensions.iter().filter(|e| !e.duplicate).count();
    let empty = Capabilities::default();
    assert_eq!(Capabilities::diff(&empty, caps).added.len(), firsts);
    assert_eq!(Capabilities::diff(caps, &empty).removed.len(), firsts);
}
