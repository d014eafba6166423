use super::*;
use crate::transcript::format::{EventLine, Header, Transport};
use crate::transcript::testdata::{every_kind, same};

/// A file as the recorder writes it, without redaction.
fn file_of(events: &[SessionEvent]) -> Vec<u8> {
    let header = Header::new(
        "mx.example.com",
        25,
        Transport::StarttlsOptional,
        1_700_000_000,
    );
    let mut out = serde_json::to_string(&header).expect("header");
    out.push('\n');
    for event in events {
        out.push_str(&serde_json::to_string(&EventLine::from_event(event)).expect("line"));
        out.push('\n');
    }
    out.into_bytes()
}

fn error_of(bytes: &[u8]) -> String {
    read_bytes(bytes).expect_err("must be refused").to_string()
}

#[test]
fn a_whole_file_reads_back_to_the_same_events() {
    let events = every_kind();
    let transcript = read_bytes(&file_of(&events)).expect("reads");
    assert!(transcript.warnings.is_empty(), "{:?}", transcript.warnings);
    assert_eq!(transcript.header.target.host, "mx.example.com");
    let back: Vec<SessionEvent> = transcript.events().cloned().collect();
    same(&events, &back);
    assert_eq!(transcript.entries[0].line, 2);
}

#[test]
fn a_file_cut_at_every_byte_of_its_last_event_reads_up_to_the_cut() {
    let events = every_kind();
    let whole = file_of(&events);
    let body = &whole[..whole.len() - 1];
    let last_start = body.iter().rposition(|&b| b == b'\n').expect("lines") + 1;
    for cut in last_start..whole.len() {
        let transcript =
            read_bytes(&whole[..cut]).unwrap_or_else(|e| panic!("cut at {cut} must read: {e}"));
        let complete = cut == whole.len() - 1;
        let expected = if complete {
            events.len()
        } else {
            events.len() - 1
        };
        assert_eq!(transcript.entries.len(), expected, "cut at {cut}");
        if cut > last_start {
            assert_eq!(transcript.warnings.len(), 1, "cut at {cut}");
            let warning = &transcript.warnings[0];
            assert!(
                warning.contains("cut off") || warning.contains("without a final line break"),
                "{warning}"
            );
        }
        same(
            &events[..expected],
            &transcript.events().cloned().collect::<Vec<_>>(),
        );
    }
}

#[test]
fn a_file_cut_inside_the_header_is_not_a_transcript() {
    let whole = file_of(&[]);
    for cut in 1..whole.len() - 1 {
        let error = error_of(&whole[..cut]);
        assert!(error.starts_with("line 1:"), "cut at {cut}: {error}");
    }
    assert_eq!(error_of(b""), "the file is empty: no transcript header");
}

#[test]
fn a_newer_version_says_so() {
    let text = r#"{"format":"smtpx-transcript","version":2,"smtpx":"9.0.0"}"#;
    let error = error_of(text.as_bytes());
    assert!(
        error.contains("written by a newer smtpx (smtpx 9.0.0"),
        "{error}"
    );
    assert!(error.contains("upgrade smtpx"), "{error}");
}

#[test]
fn garbage_and_other_json_are_not_transcripts() {
    assert!(error_of(b"\x00\xffgarbage\n").contains("not an smtpx transcript"));
    assert!(error_of(b"{\"format\":\"har\",\"version\":1}\n").contains("not \"smtpx-transcript\""));
    assert!(error_of(b"{\"format\":\"smtpx-transcript\"}\n").contains("`version` is missing"));
}

#[test]
fn a_bad_line_in_the_middle_is_an_error_naming_it() {
    let mut file = file_of(&every_kind()[..3]);
    let good_tail = file_of(&every_kind()[3..4]);
    let tail_line = good_tail.split(|&b| b == b'\n').nth(1).expect("event line");
    for (bad, words) in [
        (&b"not json"[..], "not a JSON event"),
        (br#"{"at":1,"dir":"client"}"#, "no `kind`"),
        (
            br#"{"at":1,"dir":"client","kind":"sent","layer":"plain","shown":"x","base64":"@@@"}"#,
            "not valid base64",
        ),
        (
            br#"{"at":-1,"dir":"smtpx","kind":"closed","by_peer":true}"#,
            "`at`",
        ),
        (
            br#"{"at":1,"dir":"server","kind":"received","layer":"plain","text":""}"#,
            "no reply",
        ),
        (
            br#"{"at":1,"dir":"smtpx","kind":"tls","version":"x"}"#,
            "bad \"tls\" event",
        ),
    ] {
        let mut f = file.clone();
        f.extend_from_slice(bad);
        f.push(b'\n');
        f.extend_from_slice(tail_line);
        f.push(b'\n');
        let error = error_of(&f);
        assert!(error.starts_with("line 5: "), "{error}");
        assert!(error.contains(words), "{error} should say {words}");
    }
    file.extend_from_slice(br#"{"at":1,"dir":"smtpx","kind":"hologram"}"#);
    file.push(b'\n');
    let transcript = read_bytes(&file).expect("unknown kinds are skipped");
    assert_eq!(transcript.entries.len(), 3);
    assert!(transcript.warnings[0].contains("does not know"));
}

#[test]
fn an_over_long_line_is_refused_without_reading_it_all() {
    let mut file = file_of(&[]);
    file.extend(std::iter::repeat_n(b'x', MAX_LINE_LEN + 10));
    assert!(error_of(&file).contains("line 2: longer than"));
}

/// A header, then one line of `x` up to `total` bytes with no line end; counts the bytes
/// handed out, so a test can tell how much of the line the reader took.
struct EndlessLine {
    header: Vec<u8>,
    total: u64,
    served: std::rc::Rc<std::cell::Cell<u64>>,
}

impl std::io::Read for EndlessLine {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let at = self.served.get();
        let left = self.total.saturating_sub(at);
        let n = buf.len().min(usize::try_from(left).unwrap_or(usize::MAX));
        for (i, byte) in buf[..n].iter_mut().enumerate() {
            let pos = at + i as u64;
            *byte = match usize::try_from(pos).ok().and_then(|p| self.header.get(p)) {
                Some(b) => *b,
                None => b'x',
            };
        }
        self.served.set(at + n as u64);
        Ok(n)
    }
}

#[test]
fn a_one_gigabyte_line_is_refused_after_reading_about_the_limit_not_all_of_it() {
    let header = file_of(&[]);
    let served = std::rc::Rc::new(std::cell::Cell::new(0));
    let input = EndlessLine {
        header: header.clone(),
        total: 1 << 30,
        served: std::rc::Rc::clone(&served),
    };
    let capacity = 64 * 1024;
    let error = read_from(std::io::BufReader::with_capacity(capacity, input))
        .expect_err("a 1 GiB line must be refused");
    assert_eq!(
        error.to_string(),
        format!("line 2: longer than {MAX_LINE_LEN} bytes")
    );
    let bound = (header.len() + MAX_LINE_LEN + 1 + capacity) as u64;
    assert!(
        served.get() <= bound,
        "read {} bytes of a 1 GiB line; the limit allows {bound}",
        served.get()
    );
}

#[test]
fn a_line_just_over_the_limit_is_refused_and_one_at_the_limit_is_read_as_a_line() {
    let mut file = file_of(&[]);
    // Exactly the limit, then its LF: a whole line (not JSON: named by number, not "too long").
    file.extend(std::iter::repeat_n(b'x', MAX_LINE_LEN));
    file.push(b'\n');
    let error = error_of(&file);
    assert!(error.starts_with("line 2: not a JSON event"), "{error}");
    // One byte more, with its LF still to come: refused as too long.
    file.pop();
    file.extend_from_slice(b"x\n");
    assert_eq!(
        error_of(&file),
        format!("line 2: longer than {MAX_LINE_LEN} bytes")
    );
}

#[test]
fn a_version_1_recording_reads_its_secret_lines_as_typed_redactions() {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/recordings/sandbox-starttls-auth-message.jsonl"
    );
    let transcript = read_file(std::path::Path::new(path)).expect("reads");
    let secret = transcript
        .events()
        .find_map(|event| match event {
            SessionEvent::Sent {
                shown,
                secret: true,
                ..
            } => Some(shown.clone()),
            _ => None,
        })
        .expect("a secret line");
    assert!(secret.has_secret());
    assert_eq!(secret.public(), "AUTH PLAIN ");
    assert_eq!(secret.as_str(), "AUTH PLAIN <redacted 28 bytes>");
}

#[test]
fn a_typed_look_alike_of_the_marker_on_a_plain_line_stays_text() {
    let events = [crate::transcript::testdata::sent(
        1,
        crate::event::Layer::Plain,
        b"NOOP <redacted 5 bytes>\r\n",
    )];
    let transcript = read_bytes(&file_of(&events)).expect("reads");
    let back: Vec<SessionEvent> = transcript.events().cloned().collect();
    let SessionEvent::Sent { shown, .. } = &back[0] else {
        panic!("not sent");
    };
    assert!(!shown.has_secret());
}

#[test]
fn a_file_cut_between_two_events_before_the_session_ended_says_it_is_incomplete() {
    let events = every_kind();
    let whole = file_of(&events);
    // Cut after each whole line before the last (`closed`): the session never ended.
    let ends: Vec<usize> = whole
        .iter()
        .enumerate()
        .filter(|&(_, &b)| b == b'\n')
        .map(|(i, _)| i + 1)
        .collect();
    for &end in &ends[1..ends.len() - 1] {
        let transcript = read_bytes(&whole[..end]).expect("reads");
        let last = transcript.entries.last().expect("events");
        let ended = ends_the_session(&last.event);
        let incomplete = transcript.warnings.iter().any(|w| w.contains("incomplete"));
        let only_notes_after_an_end = transcript
            .entries
            .iter()
            .rev()
            .find(|e| !matches!(e.event, SessionEvent::Note { .. }))
            .is_some_and(|e| ends_the_session(&e.event));
        assert_eq!(
            incomplete,
            !ended && !only_notes_after_an_end,
            "cut at byte {end}: {:?}",
            transcript.warnings
        );
    }
    let whole = read_bytes(&whole).expect("reads");
    assert!(whole.warnings.is_empty(), "{:?}", whole.warnings);
}
