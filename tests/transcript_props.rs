//! Property tests of the transcript reader: any bytes give a transcript or an error, never a
//! panic; and what the recorder writes reads back as the same bytes, whatever they are
//! (invalid UTF-8, bare CR and LF, NUL, escapes).

use std::time::Duration;

use proptest::prelude::*;
use smtpx::driver::{Layer, SessionEvent};
use smtpx::transcript::read::{read_bytes, read_file};
use smtpx::transcript::{Header, Recorder, Transport};

const HEADER: &str = r#"{"format":"smtpx-transcript","version":1,"smtpx":"0.1.0","target":{"host":"h","port":25},"transport":"plain","started":"2026-01-01T00:00:00Z","started_unix":1767225600}"#;

/// Lines that look like a transcript, cut and mixed with noise.
fn transcript_like() -> impl Strategy<Value = Vec<u8>> {
    let line = prop_oneof![
        Just(HEADER.to_string()),
        Just(r#"{"at":0.1,"dir":"client","kind":"sent","layer":"plain","text":"EHLO x\r\n","shown":"EHLO x"}"#.to_string()),
        Just(r#"{"at":0.2,"dir":"server","kind":"received","layer":"tls","base64":"MjUwIG9rDQo="}"#.to_string()),
        Just(r#"{"at":-1,"dir":"smtpx","kind":"closed","by_peer":true}"#.to_string()),
        "[ -~]{0,40}",
    ];
    (
        proptest::collection::vec(line, 0..6),
        any::<usize>(),
        proptest::collection::vec(any::<u8>(), 0..8),
    )
        .prop_map(|(lines, cut, noise)| {
            let mut bytes = lines.join("\n").into_bytes();
            let at = cut % (bytes.len() + 1);
            bytes.truncate(at);
            bytes.extend(noise);
            bytes
        })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, .. ProptestConfig::default() })]

    #[test]
    fn any_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..512)) {
        let _ = read_bytes(&bytes);
    }

    #[test]
    fn transcript_like_bytes_never_panic(bytes in transcript_like()) {
        let _ = read_bytes(&bytes);
    }

    #[test]
    fn recorded_bytes_read_back_the_same(
        sent in proptest::collection::vec(proptest::collection::vec(any::<u8>(), 1..64), 1..6),
        reply_text in proptest::collection::vec(any::<u8>(), 0..40),
    ) {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("t.jsonl");
        let header = Header::new("host", 25, Transport::Plain, 1_767_225_600);
        let mut recorder = Recorder::create(&path, &header).expect("recorder");
        // A reply must parse: a code, then arbitrary text bytes without line ends.
        let mut reply_bytes = b"250 ".to_vec();
        reply_bytes.extend(reply_text.iter().copied().filter(|b| *b != b'\r' && *b != b'\n'));
        reply_bytes.extend_from_slice(b"\r\n");
        let reply = smtpx::proto::reply::Reply::parse_all(&reply_bytes)
            .expect("a 250 line parses")
            .remove(0);
        for (i, bytes) in sent.iter().enumerate() {
            recorder.record(&SessionEvent::Sent {
                at: Duration::from_millis(i as u64),
                layer: Layer::Plain,
                shown: "x".into(),
                bytes: bytes.clone(),
                secret: false,
                revealed: None,
            });
        }
        recorder.record(&SessionEvent::Received {
            at: Duration::from_millis(99),
            layer: Layer::Tls,
            reply,
            latency: None,
        });
        // A whole session ends with `closed` (without it the reader says it is incomplete).
        recorder.record(&SessionEvent::Closed {
            at: Duration::from_millis(100),
            by_peer: true,
        });
        drop(recorder);
        let transcript = read_file(&path).expect("reads back");
        prop_assert!(transcript.warnings.is_empty(), "{:?}", transcript.warnings);
        let events: Vec<_> = transcript.events().collect();
        prop_assert_eq!(events.len(), sent.len() + 2);
        for (event, bytes) in events.iter().zip(&sent) {
            match event {
                SessionEvent::Sent { bytes: read, .. } => prop_assert_eq!(read, bytes),
                other => prop_assert!(false, "not a sent event: {:?}", other),
            }
        }
        match events.get(sent.len()) {
            Some(SessionEvent::Received { reply, .. }) => prop_assert_eq!(reply.raw(), reply_bytes),
            other => prop_assert!(false, "not a received event: {:?}", other),
        }
    }
}
